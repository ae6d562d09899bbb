//! Benchmarks for Totem, side by side with its peers.
//!
//! The measurements live in `benches/` and run with `cargo bench -p totem-benches`
//! (see `BENCHMARKS.md` at the root of the repository for the tables, the machine
//! and how to read them). This library holds what the three bench binaries share:
//!
//! * [`op`]: the one operation every subject wraps, `|| Ok::<_, E>(black_box(x))`;
//! * [`subjects`]: how each peer is built and called (one place, so the speed,
//!   contended and allocation benches measure exactly the same thing);
//! * [`contended`]: the two-thread harness that checks both threads really ran in
//!   parallel and discards the rounds where they did not;
//! * [`alloc_count`]: a counting global allocator;
//! * [`report`]: reads criterion's estimates back and prints the ratio tables.

pub mod alloc_count;
pub mod contended;
pub mod op;
pub mod report;
pub mod subjects;

//! The striped success counter: successes counted in several cells (one per
//! thread on std, by the clock's `stripe()`) add up exactly, in snapshots and
//! in the success rate since `reset_stats()` / `reset()`.
//!
//! The race itself (counting racing a reset and a snapshot) is loom model 11;
//! here, a deterministic walk over every cell and real threads on
//! `totem_std`'s clocks, asserting exact sums at quiescence.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

use totem_core::{
    validated, BreakerConfig, CircuitBreaker, Clock, Instant, ManualClock, SuccessRate,
    COUNTER_STRIPES,
};

/// A manual clock whose stripe the test sets between calls.
#[derive(Default)]
struct SteeredClock {
    time: ManualClock,
    stripe: Cell<usize>,
}

impl Clock for SteeredClock {
    fn now(&self) -> Instant {
        self.time.now()
    }

    fn stripe(&self) -> usize {
        self.stripe.get()
    }
}

fn rate(successes: u64, calls: u64) -> Option<SuccessRate> {
    Some(SuccessRate { successes, calls })
}

#[test]
fn successes_in_every_cell_are_counted_and_rebased_exactly() {
    let b = CircuitBreaker::new(
        validated!(BreakerConfig::new("cells")),
        SteeredClock::default(),
    );
    // Stripes past the number of cells wrap onto them; none is lost.
    let stripes = 2 * COUNTER_STRIPES + 1;
    for stripe in 0..stripes {
        b.clock().stripe.set(stripe);
        for _ in 0..=stripe {
            b.call(|| Ok::<_, ()>(())).unwrap();
        }
    }
    let counted = (stripes * (stripes + 1) / 2) as u64;
    let s = b.snapshot();
    assert_eq!(s.successes_total, counted);
    assert_eq!(s.success_rate, rate(counted, counted));

    b.reset_stats();
    assert_eq!(b.snapshot().success_rate, None);
    for stripe in [COUNTER_STRIPES - 1, 0, 3] {
        b.clock().stripe.set(stripe);
        b.call(|| Ok::<_, ()>(())).unwrap();
    }
    let _ = b.call(|| Err::<(), _>(()));
    let s = b.snapshot();
    assert_eq!((s.successes_total, s.failures_total), (counted + 3, 1));
    assert_eq!(s.success_rate, rate(3, 4), "only what followed the reset");

    b.reset();
    b.clock().stripe.set(1);
    b.call(|| Ok::<_, ()>(())).unwrap();
    assert_eq!(b.snapshot().success_rate, rate(1, 1));
    assert_eq!(b.snapshot().successes_total, counted + 4);
}

const THREADS: usize = 4;
const CALLS: u64 = 100_000;

/// `THREADS` threads each record `CALLS` successes on `b` while this thread
/// takes snapshots (each within what was counted, none going back, its rate
/// exact against the base `before`); returns
/// the stripes the threads counted in.
fn hammer<C: Clock + Sync>(b: &CircuitBreaker<C>, before: u64) -> Vec<usize> {
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    for _ in 0..CALLS {
                        b.call(|| Ok::<_, ()>(())).unwrap();
                    }
                    b.clock().stripe()
                })
            })
            .collect();
        let watcher = s.spawn(|| {
            let mut last = before;
            while !done.load(Ordering::Relaxed) {
                let snap = b.snapshot();
                assert!(snap.successes_total >= last, "went back: {snap:?}");
                assert!(snap.successes_total <= before + THREADS as u64 * CALLS);
                // The rate's base is `before`, summed at quiescence: a
                // snapshot's rate is its own total less that, exactly.
                let since = snap.success_rate.map_or(0, |r| r.successes);
                assert_eq!(since, snap.successes_total - before, "{snap:?}");
                last = snap.successes_total;
            }
        });
        let stripes = workers.into_iter().map(|w| w.join().unwrap()).collect();
        done.store(true, Ordering::Relaxed);
        watcher.join().unwrap();
        stripes
    })
}

#[test]
fn threads_counting_at_once_on_a_std_breaker_add_up_exactly() {
    let b = totem_std::breaker(BreakerConfig::new("threads")).unwrap();
    let stripes = hammer(&b, 0);
    let total = THREADS as u64 * CALLS;
    let s = b.snapshot();
    assert_eq!(s.successes_total, total, "{s:?}");
    assert_eq!(s.success_rate, rate(total, total));

    // The test must have counted in several cells to test their sum (the
    // threads were handed consecutive stripes, give or take the threads of
    // other tests of this binary started in between).
    if COUNTER_STRIPES > 1 {
        let mut cells: Vec<_> = stripes.iter().map(|s| s % COUNTER_STRIPES).collect();
        cells.sort_unstable();
        cells.dedup();
        assert!(cells.len() > 1, "all threads on one cell: {stripes:?}");
    }

    // The reset's base is the sum of every cell: the rate then counts the
    // second round exactly.
    b.reset_stats();
    hammer(&b, total);
    let s = b.snapshot();
    assert_eq!(s.successes_total, 2 * total);
    assert_eq!(s.success_rate, rate(total, total));
}

/// The core's build script sets the std-class layout on these CPUs: the
/// counter is striped over 8 cells, and the breaker pads what each thread
/// writes to a cache line of its own. On an MCU (built by CI and measured by
/// the footprint tool) there is one cell and no padding.
#[test]
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn std_class_cpus_get_the_striped_and_padded_layout() {
    assert_eq!(COUNTER_STRIPES, 8);
    assert_eq!(
        std::mem::align_of::<CircuitBreaker<ManualClock>>(),
        128,
        "the breaker's words are on their own cache line"
    );
}

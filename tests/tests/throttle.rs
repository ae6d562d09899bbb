//! The log throttle on real threads: of the threads racing within one
//! interval, exactly one passes, and every event held back is reported
//! exactly once by a later one that passes.
//!
//! The clock moves only between rounds: a reading taken before another
//! thread's admission and used after it is indistinguishable from a clock
//! that stepped back, which the throttle lets through on purpose (so that
//! such a clock cannot silence it).
use std::sync::atomic::{AtomicU64, Ordering};

use totem_core::{Clock, Duration, ManualClock, Throttle};

#[test]
fn racing_threads_pass_once_per_interval_and_lose_no_count() {
    const THREADS: u64 = 4;
    const CALLS: u64 = 2_000;
    const ROUNDS: u64 = 20;
    let clock = ManualClock::new();
    let throttle = Throttle::new(Duration::from_ticks(10));
    let passed = AtomicU64::new(0);
    let reported = AtomicU64::new(0);
    for _ in 0..ROUNDS {
        let now = clock.now();
        std::thread::scope(|s| {
            for _ in 0..THREADS {
                let (throttle, passed, reported) = (&throttle, &passed, &reported);
                s.spawn(move || {
                    for _ in 0..CALLS {
                        if let Some(held) = throttle.admit(now) {
                            passed.fetch_add(1, Ordering::Relaxed);
                            reported.fetch_add(u64::from(held), Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        clock.advance(Duration::from_ticks(10));
    }
    assert_eq!(
        passed.load(Ordering::Relaxed),
        ROUNDS,
        "one pass per interval"
    );
    let last = u64::from(throttle.admit(clock.now()).expect("a new interval"));
    assert_eq!(
        reported.into_inner() + last,
        ROUNDS * THREADS * CALLS - ROUNDS,
        "every event held back is reported once"
    );
}

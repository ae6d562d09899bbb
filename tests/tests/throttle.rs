//! The log throttle on real threads: one event passes per interval, and
//! every event held back is reported exactly once by a later one that passes.
use std::sync::atomic::{AtomicU64, Ordering};

use totem_core::{Clock, Duration, ManualClock, Throttle};

#[test]
fn racing_threads_lose_no_count_and_pass_at_most_once_per_interval() {
    const THREADS: u64 = 4;
    const CALLS: u64 = 20_000;
    let clock = ManualClock::new();
    let throttle = Throttle::new(Duration::from_ticks(10));
    let passed = AtomicU64::new(0);
    let reported = AtomicU64::new(0);
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (clock, throttle, passed, reported) = (&clock, &throttle, &passed, &reported);
            s.spawn(move || {
                for i in 0..CALLS {
                    if t == 0 && i % 100 == 0 {
                        clock.advance(Duration::from_ticks(1));
                    }
                    if let Some(held) = throttle.admit(clock.now()) {
                        passed.fetch_add(1, Ordering::Relaxed);
                        reported.fetch_add(u64::from(held), Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let elapsed = u64::from(clock.now().as_ticks());
    let passed = passed.into_inner();
    // One pass per 10 ms interval at most (the first at 0 ms).
    assert!(
        passed <= elapsed / 10 + 1,
        "{passed} passed in {elapsed} ms"
    );
    assert!(passed >= 1);
    clock.advance(Duration::from_ticks(1_000));
    let last = u64::from(throttle.admit(clock.now()).expect("a new interval"));
    assert_eq!(
        reported.into_inner() + last,
        THREADS * CALLS - passed,
        "every event held back is reported once"
    );
}

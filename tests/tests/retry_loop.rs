//! The retry loop: max_attempts counts the first call; the caller gets the
//! last error and the number of attempts; a predicate decides what is
//! retried; the deadline is never overslept; metrics count it all.
use std::cell::RefCell;

use totem_core::{
    Duration, Event, GiveUp, ManualClock, ObserverFn, Retry, RetryConfig, RetryPolicy,
    DELAY_BUCKETS_MS,
};

fn retry(cfg: RetryConfig, clock: &ManualClock) -> Retry<&ManualClock> {
    Retry::new(cfg.validate().unwrap(), clock, 7)
}

#[test]
fn max_attempts_counts_the_first_call_and_returns_the_last_error() {
    let clock = ManualClock::new();
    let r = retry(RetryConfig::new("x"), &clock);
    let mut n = 0;
    let err = r
        .call(&clock, || {
            n += 1;
            Err::<(), _>(n)
        })
        .unwrap_err();
    assert_eq!(n, 3);
    assert_eq!(
        (err.error, err.attempts, err.reason),
        (3, 3, GiveUp::Exhausted)
    );
}

#[test]
fn succeeds_on_a_later_attempt() {
    let clock = ManualClock::new();
    let r = retry(RetryConfig::new("x").max_attempts(5), &clock);
    let mut n = 0;
    let v = r.call(&clock, || {
        n += 1;
        if n < 4 {
            Err("busy")
        } else {
            Ok(n)
        }
    });
    assert_eq!(v.unwrap(), 4);
    assert_eq!(clock.now_ms(), 1_000 + 2_000 + 4_000);
    let s = r.snapshot();
    assert_eq!(
        (
            s.attempts_total,
            s.success_total,
            s.retries_total,
            s.delay_ms_total
        ),
        (4, 1, 3, 7_000)
    );
    assert_eq!(s.errors_by_class[0], 3);
    // The delay histogram: 1 s in the `le=1000` bucket, 2 s and 4 s in
    // `le=5000`; its count is the retries.
    let bucket = |ms: u32| DELAY_BUCKETS_MS.iter().position(|&b| b == ms).unwrap();
    assert_eq!(s.delay_buckets[bucket(1_000)], 1);
    assert_eq!(s.delay_buckets[bucket(5_000)], 2);
    assert_eq!(s.delay_buckets.iter().sum::<u64>(), s.retries_total);
}

trait NowMs {
    fn now_ms(&self) -> u32;
}
impl NowMs for ManualClock {
    fn now_ms(&self) -> u32 {
        use totem_core::Clock;
        self.now().as_ticks()
    }
}

#[test]
fn one_attempt_means_no_retry() {
    let clock = ManualClock::new();
    let r = retry(RetryConfig::new("x").max_attempts(1), &clock);
    let slept = std::cell::Cell::new(0);
    let err = r
        .call(&|_: Duration| slept.set(slept.get() + 1), || {
            Err::<(), _>("x")
        })
        .unwrap_err();
    assert_eq!((err.attempts, slept.get()), (1, 0));
}

#[test]
fn the_predicate_decides_including_ok_results() {
    let clock = ManualClock::new();
    let r = retry(RetryConfig::new("x").max_attempts(4), &clock);
    // Retry 503s (an Ok) and timeouts, not 400s.
    let policy = |res: &Result<u16, &str>| matches!(res, Ok(503) | Err("timeout"));
    let mut replies = vec![Ok(503), Err("timeout"), Ok(200)].into_iter();
    assert_eq!(
        r.call_if(&policy, &|_: Duration| {}, || replies.next().unwrap())
            .unwrap(),
        200
    );
    let err = r
        .call_if(&policy, &|_: Duration| {}, || Err("400"))
        .unwrap_err();
    assert_eq!((err.attempts, err.reason), (1, GiveUp::NotRetryable));
    // Still 503 when attempts run out: the last result is returned as is.
    assert_eq!(
        r.call_if(&policy, &|_: Duration| {}, || Ok(503)).unwrap(),
        503
    );
}

#[test]
fn error_classes_are_counted() {
    struct ByKind;
    impl RetryPolicy<(), &'static str> for ByKind {
        fn should_retry(&self, r: &Result<(), &'static str>) -> bool {
            r.is_err()
        }
        fn error_class(&self, e: &&'static str) -> usize {
            match *e {
                "timeout" => 1,
                "refused" => 2,
                _ => 99, // clamped into the last class
            }
        }
    }
    let clock = ManualClock::new();
    let r = retry(RetryConfig::new("x").max_attempts(3), &clock);
    let mut replies = ["timeout", "refused", "weird"].into_iter();
    let _ = r.call_if(&ByKind, &|_: Duration| {}, || Err(replies.next().unwrap()));
    let e = r.snapshot().errors_by_class;
    assert_eq!((e[1], e[2], e[7]), (1, 1, 1));
}

#[test]
fn the_deadline_is_never_overslept() {
    let clock = ManualClock::new();
    let r = retry(
        RetryConfig::new("x")
            .max_attempts(10)
            .deadline(Duration::from_millis(5_000)),
        &clock,
    );
    let slept = RefCell::new(Vec::new());
    let err = r
        .call(
            &|d: Duration| {
                slept.borrow_mut().push(d.as_ticks());
                clock.advance(d)
            },
            || {
                clock.advance(Duration::from_millis(100)); // each attempt takes 100 ms
                Err::<(), _>("down")
            },
        )
        .unwrap_err();
    // 100 + 1000 + 100 + 2000 + 100 = 3300; next sleep (4000) would end at 7400 > 5000.
    assert_eq!(slept.into_inner(), [1_000, 2_000]);
    assert_eq!((err.attempts, err.reason), (3, GiveUp::Deadline));
    use totem_core::Clock;
    assert!(clock.now().as_ticks() <= 5_000);
}

#[test]
fn events_for_each_retry_and_the_give_up() {
    let clock = ManualClock::new();
    let events = RefCell::new(Vec::new());
    let r = Retry::new(RetryConfig::new("notify").validate().unwrap(), &clock, 1)
        .with_observer(ObserverFn(|e: &Event| events.borrow_mut().push(*e)));
    let _ = r.call(&|_: Duration| {}, || Err::<(), _>(()));
    let ev = events.borrow();
    assert_eq!(ev.len(), 3);
    assert!(
        matches!(ev[0], Event::RetryScheduled(s) if s.attempt == 1 && s.delay.as_ticks() == 1_000)
    );
    assert!(
        matches!(ev[1], Event::RetryScheduled(s) if s.attempt == 2 && s.delay.as_ticks() == 2_000)
    );
    assert!(
        matches!(ev[2], Event::RetryGaveUp(g) if g.attempts == 3 && g.reason == GiveUp::Exhausted && g.name == "notify")
    );
}

#[test]
fn metrics_off_counts_nothing() {
    let clock = ManualClock::new();
    let r = retry(RetryConfig::new("x").metrics(false), &clock);
    let _ = r.call(&|_: Duration| {}, || Err::<(), _>(()));
    let _ = r.call(&|_: Duration| {}, || Ok::<_, ()>(()));
    let s = r.snapshot();
    assert_eq!(
        (s.attempts_total, s.success_total, s.failure_total),
        (0, 0, 0)
    );
}

#[test]
fn success_rate_and_mean_delay() {
    let clock = ManualClock::new();
    let r = retry(RetryConfig::new("x"), &clock);
    let _ = r.call(&|_: Duration| {}, || Ok::<_, ()>(()));
    let _ = r.call(&|_: Duration| {}, || Err::<(), _>(()));
    let s = r.snapshot();
    assert_eq!(s.success_rate().unwrap().per_mille(), 500);
    assert_eq!(s.mean_delay_ms(), Some(1_500));
}

#[test]
fn a_panicking_operation_leaves_the_metrics_counting_what_ran() {
    let clock = ManualClock::new();
    let r = retry(RetryConfig::new("x").max_attempts(5), &clock);
    let mut n = 0;
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        r.call(&clock, || {
            n += 1;
            if n == 2 {
                panic!("the driver crashed");
            }
            Err::<(), _>("busy")
        })
    }));
    assert!(caught.is_err());
    let s = r.snapshot();
    // Two attempts ran: the first failed and was retried, the second panicked.
    assert_eq!(
        (s.attempts_total, s.retries_total, s.abandoned_total),
        (2, 1, 1)
    );
    assert_eq!((s.success_total, s.failure_total), (0, 0));
    assert_eq!(s.delay_ms_total, 1_000);
}

#[test]
fn a_panic_in_the_first_attempt_counts_one_attempt() {
    let clock = ManualClock::new();
    let r = retry(RetryConfig::new("x"), &clock);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        r.call(&clock, || -> Result<(), ()> { panic!("boom") })
    }));
    assert!(caught.is_err());
    let s = r.snapshot();
    assert_eq!((s.attempts_total, s.abandoned_total), (1, 1));
}

//! Both decorator orders work: breaker around retry (one outcome per
//! retried call) and retry around breaker (an open breaker stops the
//! retries; a rejection is not retried by default).
mod common;
use common::*;
use totem_core::{
    BreakerConfig, CallError, Duration, GiveUp, ManualClock, Retry, RetryConfig, State,
};

#[test]
fn breaker_around_retry_sees_one_outcome_per_retried_call() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("svc").failure_threshold(2),
        &clock,
        totem_core::NoObserver,
    );
    let retry = Retry::new(
        RetryConfig::new("svc").max_attempts(3).validate().unwrap(),
        ManualClock::new(),
        1,
    );
    let mut attempts = 0;
    let r = b.call(|| {
        retry.call(&|_: Duration| {}, || {
            attempts += 1;
            Err::<(), _>("down")
        })
    });
    match r {
        Err(CallError::Inner(e)) => assert_eq!(e.attempts, 3),
        other => panic!("{other:?}"),
    }
    assert_eq!(attempts, 3);
    assert_eq!(
        b.snapshot().failures_total,
        1,
        "three attempts, one breaker outcome"
    );
    assert_eq!(b.state(), State::Closed);
    // A retried call that eventually succeeds is one success.
    let mut n = 0;
    let ok = b.call(|| {
        retry.call(&|_: Duration| {}, || {
            n += 1;
            if n < 3 {
                Err("busy")
            } else {
                Ok(n)
            }
        })
    });
    assert_eq!(ok.unwrap(), 3);
    assert_eq!(b.consecutive_failures(), 0);
}

#[test]
fn retry_around_breaker_stops_at_an_open_breaker() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("svc").failure_threshold(2),
        &clock,
        totem_core::NoObserver,
    );
    let retry = Retry::new(
        RetryConfig::new("svc").max_attempts(10).validate().unwrap(),
        ManualClock::new(),
        1,
    );
    let mut ran = 0;
    let slept = std::cell::Cell::new(0);
    let err = retry
        .call_through(&b, &|_: Duration| slept.set(slept.get() + 1), || {
            ran += 1;
            Err::<(), _>("down")
        })
        .unwrap_err();
    assert_eq!(ran, 2, "the operation ran until the breaker opened");
    assert_eq!(
        slept.get(),
        2,
        "slept after attempts 1 and 2, then the rejection ended it"
    );
    assert!(matches!(err.error, CallError::Rejected(r) if r.state == State::Open));
    assert_eq!((err.attempts, err.reason), (3, GiveUp::NotRetryable));
    assert_eq!(b.snapshot().rejected_total, 1);
}

#[test]
fn retry_around_breaker_recovers_within_the_retries() {
    // The breaker's reset_timeout is shorter than the retry delay, so a
    // sleep lets the breaker half-open and the next attempt is its probe.
    let clock = ManualClock::new();
    let b = totem_core::CircuitBreaker::new(
        BreakerConfig::new("svc")
            .failure_threshold(1)
            .reset_timeout(secs(1))
            .validate()
            .unwrap(),
        &clock,
    );
    let retry = Retry::new(
        RetryConfig::new("svc").max_attempts(3).validate().unwrap(),
        &clock,
        1,
    );
    let mut n = 0;
    let v = retry.call_through(&b, &clock, || {
        n += 1;
        if n == 1 {
            Err("glitch")
        } else {
            Ok("fine")
        }
    });
    assert_eq!(v.unwrap(), "fine");
    assert_eq!(b.state(), State::Closed);
}

#[test]
fn a_plain_retry_predicate_can_also_skip_rejections() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("svc").failure_threshold(1),
        &clock,
        totem_core::NoObserver,
    );
    b.force_open();
    let retry = Retry::new(
        RetryConfig::new("svc").max_attempts(5).validate().unwrap(),
        ManualClock::new(),
        1,
    );
    let err = retry
        .call_if(&totem_core::NotRejected, &|_: Duration| {}, || {
            b.call(|| Ok::<_, ()>(()))
        })
        .unwrap_err();
    assert_eq!(err.attempts, 1);
}

//! A classifier over `&Result<T, E>` decides failure / success / ignore;
//! ignore is neutral and only `ignored_total` counts it.
mod common;
use common::*;
use totem_core::{BreakerConfig, Outcome, State};

fn http(r: &Result<u16, &str>) -> Outcome {
    match r {
        Ok(s) if *s >= 500 => Outcome::Failure,
        Ok(404) => Outcome::Ignore,
        Ok(_) => Outcome::Success,
        Err(_) => Outcome::Failure,
    }
}

#[test]
fn ok_503_can_be_a_failure() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("http").failure_threshold(2),
        &clock,
        totem_core::NoObserver,
    );
    assert_eq!(
        b.call_classified(http, || Ok(503)).unwrap(),
        503,
        "the result is returned as is"
    );
    assert_eq!(b.call_classified(http, || Ok(503)).unwrap(), 503);
    assert_eq!(b.state(), State::Open);
}

#[test]
fn ignore_is_neutral() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("http").failure_threshold(2),
        &clock,
        totem_core::NoObserver,
    );
    let _ = b.call_classified(http, || Ok(500));
    for _ in 0..10 {
        let _ = b.call_classified(http, || Ok(404));
    }
    assert_eq!(
        b.consecutive_failures(),
        1,
        "ignored calls neither extend nor clear the streak"
    );
    let s = b.snapshot();
    assert_eq!(
        (s.ignored_total, s.successes_total, s.failures_total),
        (10, 0, 1)
    );
    assert_eq!(
        s.success_rate.unwrap().calls,
        1,
        "ignored calls are not in the success rate"
    );
}

#[test]
fn default_classifier_err_fails_ok_succeeds() {
    assert_eq!(Outcome::of(&Ok::<_, ()>(1)), Outcome::Success);
    assert_eq!(Outcome::of(&Err::<(), _>(1)), Outcome::Failure);
}

#[test]
fn an_ignored_probe_returns_its_slot() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("http")
            .failure_threshold(1)
            .reset_timeout(secs(1)),
        &clock,
        totem_core::NoObserver,
    );
    let _ = b.call_classified(http, || Ok(500));
    clock.advance(secs(1));
    let _ = b.call_classified(http, || Ok(404));
    assert_eq!(b.state(), State::HalfOpen);
    assert_eq!(b.call_classified(http, || Ok(200)).unwrap(), 200);
    assert_eq!(b.state(), State::Closed);
}

//! Results of calls admitted before the last transition are counted in the
//! totals but never drive a transition, the streak or the probe count.
mod common;
use common::*;
use totem_core::{BreakerConfig, State};

#[test]
fn a_failure_from_before_a_reset_does_not_trip() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("api").failure_threshold(1),
        &clock,
        totem_core::NoObserver,
    );
    let old = b.try_acquire().unwrap();
    b.force_open();
    b.reset();
    old.failure();
    assert_eq!(b.state(), State::Closed);
    assert_eq!(b.consecutive_failures(), 0);
    assert_eq!(b.snapshot().failures_total, 1);
}

#[test]
fn a_success_from_before_the_trip_does_not_clear_the_streak() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("api")
            .failure_threshold(2)
            .reset_timeout(secs(1)),
        &clock,
        totem_core::NoObserver,
    );
    let slow = b.try_acquire().unwrap();
    let _ = fail::<()>(&b);
    let _ = fail::<()>(&b);
    assert_eq!(b.state(), State::Open);
    slow.success();
    assert_eq!(b.consecutive_failures(), 2);
    assert_eq!(b.snapshot().successes_total, 1);
    clock.advance(secs(1));
    // A closed-era permit cannot consume or release a probe slot either.
    let probe = b.try_acquire().unwrap();
    assert!(b.try_acquire().is_err());
    probe.success();
    assert_eq!(b.state(), State::Closed);
}

#[test]
fn a_stale_probe_failure_cannot_reopen_a_closed_breaker() {
    let clock = CountingClock::default();
    let b = half_open(
        BreakerConfig::new("api")
            .reset_timeout(secs(1))
            .half_open_permits(2)
            .successes_to_close(1),
        &clock,
    );
    let p1 = b.try_acquire().unwrap();
    let p2 = b.try_acquire().unwrap();
    p1.success();
    assert_eq!(b.state(), State::Closed);
    p2.failure(); // from the finished half-open episode
    assert_eq!(b.state(), State::Closed);
    assert_eq!(b.consecutive_failures(), 0);
    assert_eq!(b.snapshot().transitions_total, 3);
}

#[test]
fn the_generation_bound_is_documented() {
    // 8 bits: a permit held across 256 transitions could be taken for current.
    assert_eq!(totem_core::GENERATIONS, 256);
}

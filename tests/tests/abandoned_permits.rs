//! A permit dropped without an outcome counts as a failure by default (with
//! `abandoned_total`), neutral by a config switch, and never holds a
//! half-open slot forever.
mod common;
use common::*;
use totem_core::{AbandonedPermit, BreakerConfig, State};

#[test]
fn a_dropped_permit_is_a_failure_by_default() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("api").failure_threshold(2),
        &clock,
        totem_core::NoObserver,
    );
    drop(b.try_acquire().unwrap());
    drop(b.try_acquire().unwrap());
    assert_eq!(
        b.state(),
        State::Open,
        "a dependency that hangs must still trip the breaker"
    );
    let s = b.snapshot();
    assert_eq!((s.abandoned_total, s.failures_total), (2, 2));
}

#[test]
fn neutral_abandonment_counts_only_abandoned_total() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("api")
            .failure_threshold(1)
            .abandoned(AbandonedPermit::Neutral),
        &clock,
        totem_core::NoObserver,
    );
    for _ in 0..5 {
        drop(b.try_acquire().unwrap());
    }
    assert_eq!(b.state(), State::Closed);
    let s = b.snapshot();
    assert_eq!(
        (s.abandoned_total, s.failures_total, s.ignored_total),
        (5, 0, 0)
    );
}

#[test]
fn a_panicking_operation_abandons_its_permit() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("api").failure_threshold(1),
        &clock,
        totem_core::NoObserver,
    );
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = b.call(|| -> Result<(), ()> { panic!("driver bug") });
    }));
    assert!(r.is_err());
    assert_eq!(b.snapshot().abandoned_total, 1);
    assert_eq!(b.state(), State::Open);
}

#[test]
fn a_neutral_drop_in_half_open_gives_the_slot_back() {
    let clock = CountingClock::default();
    let b = half_open(
        BreakerConfig::new("api")
            .reset_timeout(secs(1))
            .abandoned(AbandonedPermit::Neutral),
        &clock,
    );
    drop(b.try_acquire().unwrap());
    let p = b.try_acquire().expect("the slot came back");
    p.success();
    assert_eq!(b.state(), State::Closed);
}

#[test]
fn a_dropped_probe_reopens_by_default() {
    let clock = CountingClock::default();
    let b = half_open(BreakerConfig::new("api").reset_timeout(secs(1)), &clock);
    drop(b.try_acquire().unwrap());
    assert_eq!(b.state(), State::Open);
}

//! HALF_OPEN: an exact probe cap; ignored or released probes give their slot
//! back; enough successes close; any failure reopens for a fresh
//! `reset_timeout` counted from that failure.
mod common;
use common::*;
use totem_core::{BreakerConfig, Cause, State};

#[test]
fn the_probe_cap_is_exact() {
    let clock = CountingClock::default();
    let b = half_open(
        BreakerConfig::new("api")
            .reset_timeout(secs(1))
            .half_open_permits(3),
        &clock,
    );
    let p1 = b.try_acquire().unwrap();
    let p2 = b.try_acquire().unwrap();
    let p3 = b.try_acquire().unwrap();
    let r = b.try_acquire().unwrap_err();
    assert_eq!((r.state, r.retry_after), (State::HalfOpen, None));
    assert_eq!(b.snapshot().probes_in_flight, 3);
    // An ignored probe gives its slot back.
    p1.ignore();
    let p4 = b.try_acquire().expect("the ignored slot is free again");
    assert!(b.try_acquire().is_err());
    for p in [p2, p3, p4] {
        p.success();
    }
    assert_eq!(b.state(), State::Closed);
}

#[test]
fn successes_to_close_below_permits() {
    let clock = CountingClock::default();
    let rec = Recorder::default();
    let b = breaker(
        BreakerConfig::new("api")
            .failure_threshold(1)
            .reset_timeout(secs(1))
            .half_open_permits(3)
            .successes_to_close(2),
        &clock,
        &rec,
    );
    let _ = fail::<()>(&b);
    clock.advance(secs(1));
    let p1 = b.try_acquire().unwrap();
    let p2 = b.try_acquire().unwrap();
    let p3 = b.try_acquire().unwrap();
    p1.success();
    assert_eq!(b.state(), State::HalfOpen);
    p2.success();
    assert_eq!(b.state(), State::Closed);
    let last = *rec.transitions().last().unwrap();
    assert_eq!(
        (last.cause, last.consecutive_failures),
        (Cause::ProbesSucceeded, 0)
    );
    // The third probe's result belongs to the finished episode: counted only.
    p3.failure();
    assert_eq!(b.state(), State::Closed);
    assert_eq!(b.consecutive_failures(), 0);
    assert_eq!(b.snapshot().failures_total, 2);
}

#[test]
fn a_failed_probe_reopens_for_a_fresh_reset_timeout_from_the_failure() {
    let clock = CountingClock::default();
    let rec = Recorder::default();
    let b = breaker(
        BreakerConfig::new("api")
            .failure_threshold(1)
            .reset_timeout(secs(10))
            .half_open_permits(2),
        &clock,
        &rec,
    );
    let _ = fail::<()>(&b);
    clock.advance(secs(10));
    let p1 = b.try_acquire().unwrap();
    let p2 = b.try_acquire().unwrap();
    clock.advance(secs(3));
    p1.failure();
    assert_eq!(b.state(), State::Open);
    let reopen = *rec.transitions().last().unwrap();
    assert_eq!(
        (reopen.cause, reopen.at.as_ticks()),
        (Cause::ProbeFailed, 13_000)
    );
    // The other probe's late success does not close the reopened breaker.
    p2.success();
    assert_eq!(b.state(), State::Open);
    match b.try_acquire() {
        Err(r) => assert_eq!(r.retry_after, Some(secs(10))),
        Ok(_) => panic!("must be open"),
    }
    clock.advance(secs(10));
    assert_eq!(b.state(), State::HalfOpen);
}

#[test]
fn one_probe_by_default() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("api").failure_threshold(1),
        &clock,
        totem_core::NoObserver,
    );
    let _ = fail::<()>(&b);
    clock.advance(secs(60));
    let p = b.try_acquire().unwrap();
    assert!(b.try_acquire().is_err(), "default half_open_permits is 1");
    p.success(); // default successes_to_close = permits = 1
    assert_eq!(b.state(), State::Closed);
}

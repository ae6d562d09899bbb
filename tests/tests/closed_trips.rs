//! CLOSED: the call that brings the streak to `failure_threshold` opens the
//! breaker; a success clears the streak; the CLOSED path reads no clock.
mod common;
use common::*;
use totem_core::{BreakerConfig, Cause, State};

#[test]
fn five_failures_in_a_row_open_a_breaker_with_threshold_five() {
    let clock = CountingClock::default();
    let rec = Recorder::default();
    let b = breaker(BreakerConfig::new("db"), &clock, &rec);
    for i in 1..=4 {
        let _ = fail::<()>(&b);
        assert_eq!(b.state(), State::Closed, "after {i} failures");
        assert_eq!(b.consecutive_failures(), i);
    }
    let _ = fail::<()>(&b);
    assert_eq!(b.state(), State::Open);
    let t = rec.transitions();
    assert_eq!(t.len(), 1);
    assert_eq!(
        (t[0].from, t[0].to, t[0].cause),
        (State::Closed, State::Open, Cause::FailureThreshold)
    );
    assert_eq!(t[0].consecutive_failures, 5);
    assert_eq!(t[0].name, "db");
}

#[test]
fn a_success_clears_the_streak() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("db").failure_threshold(3),
        &clock,
        totem_core::NoObserver,
    );
    let _ = fail::<()>(&b);
    let _ = fail::<()>(&b);
    let _ = succeed(&b);
    assert_eq!(b.consecutive_failures(), 0);
    let _ = fail::<()>(&b);
    let _ = fail::<()>(&b);
    assert_eq!(b.state(), State::Closed);
    let _ = fail::<()>(&b);
    assert_eq!(b.state(), State::Open);
}

#[test]
fn the_closed_path_reads_no_clock() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("db").failure_threshold(3),
        &clock,
        totem_core::NoObserver,
    );
    for _ in 0..100 {
        let _ = succeed(&b);
        let _ = fail::<()>(&b);
        let _ = fail::<()>(&b);
        b.try_acquire().unwrap().ignore();
        let _ = b.state();
        let _ = b.consecutive_failures();
    }
    assert_eq!(
        clock.reads(),
        0,
        "CLOSED calls, outcomes and state() must not read the clock"
    );
    // The trip itself is where the clock is first read (to time the opening).
    let _ = fail::<()>(&b);
    assert_eq!(b.state(), State::Open);
    assert!(clock.reads() >= 1);
}

#[test]
fn opening_does_not_clear_the_streak_and_failed_probes_extend_it() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("db")
            .failure_threshold(5)
            .reset_timeout(secs(1)),
        &clock,
        totem_core::NoObserver,
    );
    for _ in 0..5 {
        let _ = fail::<()>(&b);
    }
    assert_eq!(b.consecutive_failures(), 5);
    for round in 1..=6 {
        clock.advance(secs(1));
        let _ = fail::<()>(&b); // a failed probe
        assert_eq!(b.consecutive_failures(), 5 + round);
    }
    // The spec's alert "more than 10 consecutive failures" can fire.
    assert!(b.snapshot().consecutive_failures > 10);
}

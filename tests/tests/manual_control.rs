//! force_open() rejects everything and never half-opens by itself;
//! disable() passes everything and trips nothing; both stay until reset(),
//! which returns to CLOSED from any state, clears the streak and the
//! half-open episode, and never resets totals.
mod common;
use common::*;
use totem_core::{BreakerConfig, Cause, State};

#[test]
fn force_open_is_sticky_until_reset() {
    let clock = CountingClock::default();
    let rec = Recorder::default();
    let b = breaker(
        BreakerConfig::new("api").reset_timeout(secs(1)),
        &clock,
        &rec,
    );
    b.force_open();
    for _ in 0..10 {
        clock.advance(secs(3_600));
        let r = b.try_acquire().unwrap_err();
        assert_eq!((r.state, r.retry_after), (State::ForcedOpen, None));
        assert_eq!(b.state(), State::ForcedOpen);
    }
    b.reset();
    assert_eq!(b.state(), State::Closed);
    let causes: Vec<_> = rec.transitions().iter().map(|t| t.cause).collect();
    assert_eq!(causes, [Cause::ForceOpen, Cause::Reset]);
}

#[test]
fn disable_passes_everything_and_trips_nothing() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("api").failure_threshold(1),
        &clock,
        totem_core::NoObserver,
    );
    b.disable();
    for _ in 0..50 {
        let _ = fail::<()>(&b);
    }
    assert_eq!(b.state(), State::Disabled);
    assert_eq!(
        b.snapshot().failures_total,
        50,
        "outcomes are still counted"
    );
    b.reset();
    assert_eq!(b.state(), State::Closed);
    assert_eq!(b.consecutive_failures(), 0);
}

#[test]
fn reset_from_every_state_clears_streak_and_episode() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("api")
            .failure_threshold(2)
            .reset_timeout(secs(1))
            .half_open_permits(1),
        &clock,
        totem_core::NoObserver,
    );
    // From OPEN.
    let _ = fail::<()>(&b);
    let _ = fail::<()>(&b);
    b.reset();
    assert_eq!((b.state(), b.consecutive_failures()), (State::Closed, 0));
    // From HALF_OPEN with a probe out: the episode is cleared.
    let _ = fail::<()>(&b);
    let _ = fail::<()>(&b);
    clock.advance(secs(1));
    let probe = b.try_acquire().unwrap();
    b.reset();
    assert_eq!(b.state(), State::Closed);
    probe.failure(); // stale
    assert_eq!((b.state(), b.consecutive_failures()), (State::Closed, 0));
    // From CLOSED with a streak.
    let _ = fail::<()>(&b);
    b.reset();
    assert_eq!(b.consecutive_failures(), 0);
}

#[test]
fn totals_survive_reset_and_the_success_rate_restarts() {
    let clock = CountingClock::default();
    let b = breaker(BreakerConfig::new("api"), &clock, totem_core::NoObserver);
    let _ = succeed(&b);
    let _ = fail::<()>(&b);
    assert_eq!(b.snapshot().success_rate.unwrap().per_mille(), 500);
    b.reset();
    let s = b.snapshot();
    assert_eq!((s.successes_total, s.failures_total), (1, 1));
    assert_eq!(s.success_rate, None, "no call since the reset");
    let _ = succeed(&b);
    assert_eq!(b.snapshot().success_rate.unwrap().per_mille(), 1_000);
}

#[test]
fn force_open_while_disabled_and_back() {
    let clock = CountingClock::default();
    let b = breaker(BreakerConfig::new("api"), &clock, totem_core::NoObserver);
    b.disable();
    b.force_open();
    assert_eq!(b.state(), State::ForcedOpen);
    b.disable();
    assert_eq!(b.state(), State::Disabled);
    assert!(b.try_acquire().is_ok());
}

// A command given after a deadline passed unobserved (found by the model
// proptest) sees the state the contract says the breaker is in (HALF_OPEN
// after reset_timeout): the events and the time in each state do not depend
// on whether anybody called state() first.

/// A transition as `(from, to, at_ms, cause)`.
type Edge = (State, State, u32, Cause);

fn run(
    look_first: bool,
    command: impl Fn(&totem_core::CircuitBreaker<&CountingClock, &Recorder>),
) -> (Vec<Edge>, [u64; 5]) {
    let clock = CountingClock::default();
    let rec = Recorder::default();
    let b = breaker(
        BreakerConfig::new("cmd")
            .failure_threshold(1)
            .reset_timeout(secs(60)),
        &clock,
        &rec,
    );
    b.start_time_accounting();
    b.try_acquire().unwrap().failure();
    clock.advance(secs(90));
    if look_first {
        assert_eq!(b.state(), State::HalfOpen);
    }
    command(&b);
    clock.advance(secs(10));
    let t = rec
        .transitions()
        .iter()
        .map(|t| (t.from, t.to, t.at.as_ticks(), t.cause))
        .collect();
    (t, b.snapshot().time_in_state_ms)
}

#[test]
fn force_open_after_an_unobserved_reset_timeout_leaves_half_open() {
    let unobserved = run(false, |b| b.force_open());
    let observed = run(true, |b| b.force_open());
    assert_eq!(unobserved, observed);
    let (t, time) = unobserved;
    assert_eq!(
        t[1..],
        [
            (State::Open, State::HalfOpen, 60_000, Cause::ResetTimeout),
            (State::HalfOpen, State::ForcedOpen, 90_000, Cause::ForceOpen),
        ]
    );
    assert_eq!(time[State::Open as usize], 60_000);
    assert_eq!(time[State::HalfOpen as usize], 30_000);
    assert_eq!(time[State::ForcedOpen as usize], 10_000);
}

#[test]
fn reset_and_disable_after_an_unobserved_reset_timeout_match_an_observed_one() {
    assert_eq!(run(false, |b| b.reset()), run(true, |b| b.reset()));
    assert_eq!(run(false, |b| b.disable()), run(true, |b| b.disable()));
}

#[test]
fn reset_stats_keeps_the_state_and_an_open_deadline() {
    let clock = CountingClock::default();
    let rec = Recorder::default();
    let b = breaker(
        BreakerConfig::new("api")
            .failure_threshold(3)
            .reset_timeout(secs(10)),
        &clock,
        &rec,
    );
    // CLOSED: the streak and the rate restart, totals stay.
    let _ = b.call(|| Ok::<_, ()>(()));
    let _ = fail::<()>(&b);
    let _ = fail::<()>(&b);
    b.reset_stats();
    assert_eq!(b.consecutive_failures(), 0);
    let s = b.snapshot();
    assert_eq!((s.successes_total, s.failures_total), (1, 2));
    assert_eq!(s.success_rate, None);
    // Two more failures do not trip it (the streak restarted at zero).
    let _ = fail::<()>(&b);
    let _ = fail::<()>(&b);
    assert_eq!(b.state(), State::Closed);
    let _ = fail::<()>(&b);
    assert_eq!(b.state(), State::Open);
    // OPEN: the deadline is kept; it half-opens at the same time as without.
    clock.advance(secs(4));
    b.reset_stats();
    assert_eq!(b.state(), State::Open);
    assert_eq!(b.consecutive_failures(), 0);
    clock.advance(secs(6));
    assert_eq!(b.state(), State::HalfOpen);
    let causes: Vec<_> = rec.transitions().iter().map(|t| t.cause).collect();
    assert_eq!(causes, [Cause::FailureThreshold, Cause::ResetTimeout]);
}

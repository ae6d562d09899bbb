//! OPEN → HALF_OPEN needs no timer: `state()` reads HALF_OPEN once
//! `reset_timeout` has passed; the event carries the deadline's time; an
//! idle half-open breaker stays half-open.
mod common;
use common::*;
use totem_core::{BreakerConfig, Cause, State};

#[test]
fn state_reads_half_open_after_reset_timeout_with_logical_event_time() {
    let clock = CountingClock::default();
    clock.advance(ms(1_000));
    let rec = Recorder::default();
    let b = breaker(
        BreakerConfig::new("api")
            .failure_threshold(1)
            .reset_timeout(secs(60)),
        &clock,
        &rec,
    );
    let _ = fail::<()>(&b); // opens at t = 1 s
    clock.advance(secs(59));
    assert_eq!(b.state(), State::Open);
    clock.advance(secs(30)); // noticed 29 s late
    assert_eq!(b.state(), State::HalfOpen);
    let t = rec.transitions();
    assert_eq!(t.len(), 2);
    assert_eq!(
        (t[1].from, t[1].to, t[1].cause),
        (State::Open, State::HalfOpen, Cause::ResetTimeout)
    );
    assert_eq!(
        t[1].at.as_ticks(),
        61_000,
        "the transition happened at the deadline"
    );
}

#[test]
fn an_idle_half_open_breaker_does_not_cycle() {
    let clock = CountingClock::default();
    let rec = Recorder::default();
    let b = breaker(
        BreakerConfig::new("api")
            .failure_threshold(1)
            .reset_timeout(secs(1))
            .half_open_timeout(secs(1)),
        &clock,
        &rec,
    );
    let _ = fail::<()>(&b);
    for _ in 0..1_000 {
        clock.advance(secs(7));
        assert_eq!(b.state(), State::HalfOpen);
    }
    assert_eq!(
        rec.transitions().len(),
        2,
        "one trip, one half-open, nothing else"
    );
    // And it still admits a probe.
    assert_eq!(succeed(&b).unwrap(), 1);
    assert_eq!(b.state(), State::Closed);
}

#[test]
fn the_first_caller_after_the_deadline_is_admitted_as_a_probe() {
    let clock = CountingClock::default();
    let rec = Recorder::default();
    let b = breaker(
        BreakerConfig::new("api")
            .failure_threshold(1)
            .reset_timeout(secs(5)),
        &clock,
        &rec,
    );
    let _ = fail::<()>(&b);
    clock.advance(secs(5));
    // No state() call in between: try_acquire makes the lazy transition.
    let p = b.try_acquire().expect("probe admitted");
    assert_eq!(b.state(), State::HalfOpen);
    p.success();
    assert_eq!(b.state(), State::Closed);
    let kinds: Vec<_> = rec.transitions().iter().map(|t| t.to).collect();
    assert_eq!(kinds, [State::Open, State::HalfOpen, State::Closed]);
}

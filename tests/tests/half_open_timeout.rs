//! HALF_OPEN never sticks with probes outstanding: if they have not
//! resolved within `half_open_timeout` of the first admission, the breaker
//! reopens at that expiry, open for `reset_timeout` from it; late results
//! never close it.
mod common;
use common::*;
use totem_core::{BreakerConfig, Cause, Clock, State};

fn cfg() -> BreakerConfig {
    BreakerConfig::new("api")
        .failure_threshold(1)
        .reset_timeout(secs(10))
        .half_open_timeout(secs(5))
}

#[test]
fn unresolved_probes_reopen_at_the_expiry() {
    let clock = CountingClock::default();
    let rec = Recorder::default();
    let b = breaker(cfg(), &clock, &rec);
    let _ = fail::<()>(&b); // open at 0
    clock.advance(secs(12));
    let hung = b.try_acquire().unwrap(); // first probe admitted at 12 s
    clock.advance(secs(4));
    assert_eq!(b.state(), State::HalfOpen);
    clock.advance(secs(2)); // 18 s: expired at 17 s
    assert_eq!(b.state(), State::Open);
    let reopen = *rec.transitions().last().unwrap();
    assert_eq!(
        (reopen.cause, reopen.at.as_ticks()),
        (Cause::HalfOpenTimeout, 17_000)
    );
    // Open for reset_timeout from the expiry, not from when it was noticed.
    match b.try_acquire() {
        Err(r) => assert_eq!(r.retry_after, Some(secs(9))),
        Ok(_) => panic!("must be open"),
    }
    // The hung probe finally answers: too late, it drives nothing.
    hung.success();
    assert_eq!(b.state(), State::Open);
    clock.advance(secs(9));
    assert_eq!(b.state(), State::HalfOpen);
}

#[test]
fn a_late_result_after_an_unnoticed_expiry_does_not_close() {
    let clock = CountingClock::default();
    let rec = Recorder::default();
    let b = breaker(cfg(), &clock, &rec);
    let _ = fail::<()>(&b);
    clock.advance(secs(10));
    let probe = b.try_acquire().unwrap();
    clock.advance(secs(6)); // expiry passed, nobody looked
    probe.success();
    assert_eq!(
        b.state(),
        State::Open,
        "the success arrived after the expiry"
    );
    assert_eq!(
        rec.transitions().last().unwrap().cause,
        Cause::HalfOpenTimeout
    );
    assert_eq!(
        b.snapshot().successes_total,
        1,
        "still counted in the totals"
    );
}

#[test]
fn expiry_long_ago_walks_through_open_to_a_new_idle_half_open() {
    let clock = CountingClock::default();
    let rec = Recorder::default();
    let b = breaker(cfg(), &clock, &rec);
    let _ = fail::<()>(&b);
    clock.advance(secs(10));
    let _hung = b.try_acquire().unwrap();
    clock.advance(secs(3_600));
    assert_eq!(b.state(), State::HalfOpen);
    let tos: Vec<_> = rec
        .transitions()
        .iter()
        .map(|t| (t.to, t.at.as_ticks()))
        .collect();
    assert_eq!(
        tos,
        [
            (State::Open, 0),
            (State::HalfOpen, 10_000),
            (State::Open, 15_000),
            (State::HalfOpen, 25_000)
        ]
    );
    // The new episode has no probe outstanding: it admits one.
    assert!(b.try_acquire().is_ok());
}

#[test]
fn resolved_probes_leave_no_timeout_pending() {
    let clock = CountingClock::default();
    let b = breaker(cfg().half_open_permits(2), &clock, totem_core::NoObserver);
    let _ = fail::<()>(&b);
    clock.advance(secs(10));
    b.try_acquire().unwrap().success(); // one of two successes needed
    clock.advance(secs(60));
    assert_eq!(
        b.state(),
        State::HalfOpen,
        "nothing outstanding: no reason to reopen"
    );
    b.try_acquire().unwrap().success();
    assert_eq!(b.state(), State::Closed);
}

// A probe admitted after an idle, expired half-open timer (found by the model
// proptest) gets a half_open_timeout of its own.

/// Threshold 1, reset_timeout 60 s, half_open_timeout 30 s, reporting to `rec`.
fn probe_breaker<'a>(
    clock: &'a CountingClock,
    rec: &'a Recorder,
) -> totem_core::CircuitBreaker<&'a CountingClock, &'a Recorder> {
    breaker(
        BreakerConfig::new("probe")
            .failure_threshold(1)
            .reset_timeout(secs(60))
            .half_open_timeout(secs(30)),
        clock,
        rec,
    )
}

#[test]
fn a_probe_after_an_idle_expired_timer_gets_a_fresh_half_open_timeout() {
    let clock = CountingClock::default();
    let rec = Recorder::default();
    let b = probe_breaker(&clock, &rec);
    b.try_acquire().unwrap().failure();
    clock.advance(secs(60));
    // First probe, ignored: its slot comes back, nothing is outstanding.
    b.try_acquire().unwrap().ignore();
    // Idle well past half_open_timeout: an idle breaker stays half-open.
    clock.advance(secs(3_600));
    assert_eq!(b.state(), State::HalfOpen);
    let late = b.try_acquire().expect("a half-open breaker admits a probe");
    // The new probe is outstanding: the breaker must not reopen at once ...
    assert_eq!(b.state(), State::HalfOpen);
    clock.advance(secs(29));
    assert_eq!(b.state(), State::HalfOpen);
    // ... and its success closes it.
    late.success();
    assert_eq!(b.state(), State::Closed);
    let causes: Vec<Cause> = rec.transitions().iter().map(|t| t.cause).collect();
    assert_eq!(
        causes,
        [
            Cause::FailureThreshold,
            Cause::ResetTimeout,
            Cause::ProbesSucceeded
        ]
    );
}

#[test]
fn the_fresh_timer_still_reopens_an_unresolved_probe_at_its_own_expiry() {
    let clock = CountingClock::default();
    let rec = Recorder::default();
    let b = probe_breaker(&clock, &rec);
    b.try_acquire().unwrap().failure();
    clock.advance(secs(60));
    b.try_acquire().unwrap().ignore();
    clock.advance(secs(3_600));
    let admitted_at = clock.inner.now().as_ticks();
    let _hung = b.try_acquire().unwrap();
    clock.advance(secs(31));
    assert_eq!(b.state(), State::Open);
    let reopen = *rec.transitions().last().unwrap();
    assert_eq!(reopen.cause, Cause::HalfOpenTimeout);
    assert_eq!(reopen.at.as_ticks(), admitted_at + 30_000);
}

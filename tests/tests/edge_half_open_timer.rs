//! Regression tests for the half-open timer, found by the model proptest
//! (`model_proptest.rs`): a probe admitted after `half_open_timeout` ran out
//! with no probe outstanding gets its own `half_open_timeout`.

use totem_core::{
    validated, BreakerConfig, Cause, CircuitBreaker, Duration, ManualClock, Outcome, State,
};
use totem_tests::Recorder;

fn breaker<'a>(
    clock: &'a ManualClock,
    rec: &'a Recorder,
) -> CircuitBreaker<&'a ManualClock, &'a Recorder> {
    CircuitBreaker::new(
        validated!(BreakerConfig::new("probe")
            .failure_threshold(1)
            .reset_timeout(Duration::from_secs(60))
            .half_open_timeout(Duration::from_secs(30))),
        clock,
    )
    .with_observer(rec)
}

#[test]
fn a_probe_after_an_idle_expired_timer_gets_a_fresh_half_open_timeout() {
    let clock = ManualClock::new();
    let rec = Recorder::default();
    let b = breaker(&clock, &rec);
    b.try_acquire().unwrap().failure();
    clock.advance(Duration::from_secs(60));
    // First probe, ignored: its slot comes back, nothing is outstanding.
    b.try_acquire().unwrap().record(Outcome::Ignore);
    // Idle well past half_open_timeout: an idle breaker stays half-open.
    clock.advance(Duration::from_secs(3_600));
    assert_eq!(b.state(), State::HalfOpen);
    let late = b.try_acquire().expect("a half-open breaker admits a probe");
    // The new probe is outstanding: the breaker must not reopen at once ...
    assert_eq!(b.state(), State::HalfOpen);
    clock.advance(Duration::from_secs(29));
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
    let clock = ManualClock::new();
    let rec = Recorder::default();
    let b = breaker(&clock, &rec);
    b.try_acquire().unwrap().failure();
    clock.advance(Duration::from_secs(60));
    b.try_acquire().unwrap().record(Outcome::Ignore);
    clock.advance(Duration::from_secs(3_600));
    let admitted_at = clock_ms(&clock);
    let _hung = b.try_acquire().unwrap();
    clock.advance(Duration::from_secs(31));
    assert_eq!(b.state(), State::Open);
    let reopen = *rec.transitions().last().unwrap();
    assert_eq!(reopen.cause, Cause::HalfOpenTimeout);
    assert_eq!(reopen.at.as_ticks(), admitted_at + 30_000);
}

fn clock_ms(clock: &ManualClock) -> u32 {
    use totem_core::Clock;
    clock.now().as_ticks()
}

//! Regression tests, found by the model proptest: a manual command given
//! after a deadline passed unobserved sees the state the contract says the
//! breaker is in (HALF_OPEN after `reset_timeout`), so the event log and the
//! time in each state do not depend on whether anybody called `state()`
//! first.

use totem_core::{validated, BreakerConfig, Cause, CircuitBreaker, Duration, ManualClock, State};
use totem_tests::Recorder;

/// A transition as `(from, to, at_ms, cause)`.
type Edge = (State, State, u32, Cause);

fn run(
    look_first: bool,
    command: impl Fn(&CircuitBreaker<&ManualClock, &Recorder>),
) -> (Vec<Edge>, [u64; 5]) {
    let clock = ManualClock::new();
    let rec = Recorder::default();
    let b = CircuitBreaker::new(
        validated!(BreakerConfig::new("cmd")
            .failure_threshold(1)
            .reset_timeout(Duration::from_secs(60))),
        &clock,
    )
    .with_observer(&rec);
    b.start_time_accounting();
    b.try_acquire().unwrap().failure();
    clock.advance(Duration::from_secs(90));
    if look_first {
        assert_eq!(b.state(), State::HalfOpen);
    }
    command(&b);
    clock.advance(Duration::from_secs(10));
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

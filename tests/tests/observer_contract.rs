//! What the core guarantees an observer: a transition is published before
//! its event, so the observer may read the breaker; a panicking observer
//! leaves the breaker whole.
mod common;
use std::sync::Mutex;

use common::*;
use totem_core::{
    validated, BreakerConfig, Cause, CircuitBreaker, Event, ManualClock, ObserverFn, State,
};

static CLOCK: ManualClock = ManualClock::new();
static READS: Mutex<Vec<(State, State, u64)>> = Mutex::new(Vec::new());
static BREAKER: CircuitBreaker<&ManualClock, fn(&Event)> = CircuitBreaker::new_with_observer(
    validated!(BreakerConfig::new("reader").failure_threshold(1)),
    &CLOCK,
    read_back,
);

/// Reads the breaker that is emitting the event.
fn read_back(e: &Event) {
    if let Event::Transition(t) = e {
        let seen = (t.to, BREAKER.state(), BREAKER.snapshot().transitions_total);
        READS.lock().unwrap().push(seen);
    }
}

#[test]
fn an_observer_reading_the_breaker_sees_the_announced_state() {
    let _ = BREAKER.call(|| Err::<(), _>("down"));
    CLOCK.advance(secs(60));
    assert_eq!(BREAKER.state(), State::HalfOpen);
    BREAKER.call(|| Ok::<_, ()>(())).unwrap();
    let reads = READS.lock().unwrap().clone();
    assert_eq!(
        reads,
        [
            (State::Open, State::Open, 1),
            (State::HalfOpen, State::HalfOpen, 2),
            (State::Closed, State::Closed, 3),
        ]
    );
}

#[test]
fn a_panicking_observer_leaves_the_breaker_whole() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("api").failure_threshold(1),
        &clock,
        ObserverFn(|e: &Event| match e {
            Event::Transition(t) if t.cause == Cause::FailureThreshold => panic!("log sink down"),
            Event::Rejected(_) => panic!("log sink down"),
            _ => {}
        }),
    );
    let tripped = std::panic::catch_unwind(|| fail::<()>(&b));
    assert!(tripped.is_err(), "the observer's panic reaches the caller");
    // The transition is complete and counted.
    let s = b.snapshot();
    assert_eq!(
        (s.state, s.failures_total, s.transitions_total),
        (State::Open, 1, 1)
    );
    assert_eq!(
        s.abandoned_total, 0,
        "the recorded permit is not also abandoned"
    );
    // A rejection whose event panics still counts and admits nothing.
    let rejected = std::panic::catch_unwind(|| succeed(&b));
    assert!(rejected.is_err());
    assert_eq!(b.snapshot().rejected_total, 1);
    // No half-open slot is held: the breaker recovers as usual.
    clock.advance(secs(60));
    succeed(&b).unwrap();
    assert_eq!(b.state(), State::Closed);
}

//! A clock reading taken before another thread's transition must not be
//! compared with the stamp that transition published: it would read as a
//! clock that stepped back, and a deadline would count as passed.
//!
//! Each test parks one thread inside `Clock::now()`, right after it read
//! t = 60,000 ms, while another thread half-opens the breaker, admits a
//! probe and fails it at 60,001 (a fresh OPEN period). The parked thread
//! then resumes. The OPEN period must stay whole: no probe, no HALF_OPEN,
//! no event dated before the opening it would leave.
mod common;
use common::*;

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Barrier;

use totem_core::{BreakerConfig, Cause, CircuitBreaker, Clock, Instant, State};

/// A clock that, once armed, parks the next thread that reads it right
/// after the reading, until the test lets it go.
struct ParkingClock {
    millis: AtomicU32,
    armed: AtomicBool,
    parked: Barrier,
    released: Barrier,
}

impl ParkingClock {
    fn new() -> Self {
        Self {
            millis: AtomicU32::new(0),
            armed: AtomicBool::new(false),
            parked: Barrier::new(2),
            released: Barrier::new(2),
        }
    }

    fn set(&self, ms: u32) {
        self.millis.store(ms, Ordering::SeqCst);
    }
}

impl Clock for ParkingClock {
    fn now(&self) -> Instant {
        let t = self.millis.load(Ordering::SeqCst);
        if self.armed.swap(false, Ordering::SeqCst) {
            self.parked.wait();
            self.released.wait();
        }
        Instant::from_ticks(t)
    }
}

type Breaker<'a> = CircuitBreaker<&'a ParkingClock, &'a Recorder>;

/// Runs `parked_op` on a thread that parks inside its first clock reading
/// (t = 60,000), reopens the breaker from another thread meanwhile, then
/// lets the parked thread finish and returns what it returned.
fn race<R: Send>(parked_op: impl FnOnce(&Breaker) -> R + Send) -> (R, Vec<totem_core::Transition>) {
    let clock = ParkingClock::new();
    let rec = Recorder::default();
    let b = breaker(
        BreakerConfig::new("race")
            .failure_threshold(1)
            .reset_timeout(secs(60)),
        &clock,
        &rec,
    );
    let _ = fail::<()>(&b); // opens at 0
    clock.set(60_000);
    clock.armed.store(true, Ordering::SeqCst);
    let result = std::thread::scope(|s| {
        let parked = s.spawn(|| parked_op(&b));
        clock.parked.wait();
        // Meanwhile: half-open, a probe fails at 60,001, a fresh OPEN period.
        clock.set(60_001);
        let probe = b.try_acquire().expect("half-open admits a probe");
        probe.failure();
        clock.released.wait();
        parked.join().expect("the parked thread does not panic")
    });
    // The fresh OPEN period is intact after the parked thread has finished.
    assert_eq!(b.state(), State::Open);
    let transitions = rec.transitions();
    (result, transitions)
}

/// The events a correct breaker emits for the race: open, half-open at the
/// deadline, reopen by the failed probe, and nothing after it.
fn assert_one_whole_cycle(transitions: &[totem_core::Transition]) {
    let seen: Vec<_> = transitions
        .iter()
        .map(|t| (t.from, t.to, t.cause, t.at.as_ticks()))
        .collect();
    assert_eq!(
        seen,
        [
            (State::Closed, State::Open, Cause::FailureThreshold, 0),
            (State::Open, State::HalfOpen, Cause::ResetTimeout, 60_000),
            (State::HalfOpen, State::Open, Cause::ProbeFailed, 60_001),
        ],
        "a stale clock reading cut the new OPEN period short"
    );
}

#[test]
fn try_acquire_with_a_stale_reading_is_rejected() {
    let (result, transitions) = race(|b| b.try_acquire().map(|p| p.ignore()).err());
    let rejected = result.expect("the parked call is rejected, not admitted as a probe");
    assert_eq!(rejected.state, State::Open);
    assert_eq!(rejected.retry_after.map(|d| d.as_ticks()), Some(60_000));
    assert_one_whole_cycle(&transitions);
}

#[test]
fn state_with_a_stale_reading_reads_open() {
    let (state, transitions) = race(|b| b.state());
    // The reading was 60,000: either the state before the race (its deadline
    // passed at 60,000: HALF_OPEN, whose transition the other thread made) or
    // the fresh OPEN period; never a HALF_OPEN made out of the fresh period.
    assert!(matches!(state, State::Open | State::HalfOpen), "{state:?}");
    assert_one_whole_cycle(&transitions);
}

#[test]
fn snapshot_with_a_stale_reading_leaves_the_open_period_whole() {
    let (snap, transitions) = race(|b| b.snapshot());
    assert_one_whole_cycle(&transitions);
    // The snapshot describes one consistent moment, whichever it saw.
    let total: u64 = snap.time_in_state_ms.iter().sum();
    assert!(total <= 60_001, "{snap:?}");
    assert_eq!(snap.transitions_total as usize, 3);
}

//! shuttle models of the breaker's transition races, beside loom's: shuttle
//! explores random schedules (and PCT, which favours the rare orderings
//! that need a thread to stall at one precise point) rather than every
//! schedule up to a bound, so it scales to more threads and operations, and
//! it is not subject to loom's blind spot after a redundant load.
//!
//! Run with `scripts/shuttle.sh` (or
//! `RUSTFLAGS="--cfg totem_shuttle" cargo test --release -p totem-tests --test shuttle`);
//! `TOTEM_SHUTTLE_ITERATIONS` sets the schedules tried per model.
#![cfg(totem_shuttle)]

use std::sync::{Arc, Mutex};

use shuttle::thread;
use totem_core::{
    BreakerConfig, CircuitBreaker, Duration, Event, ManualClock, Observer, Transition,
};
use totem_tests::history::judge;

/// Collects transitions. A std `Mutex`: shuttle never switches threads
/// inside `push`, so it adds no interleavings of its own.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<Transition>>>);

impl Observer for Log {
    fn on_event(&self, e: &Event) {
        if let Event::Transition(t) = e {
            self.0.lock().unwrap().push(*t);
        }
    }
}

type Breaker = CircuitBreaker<ManualClock, Log>;

const RESET_MS: u32 = 2;

fn iterations() -> usize {
    std::env::var("TOTEM_SHUTTLE_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

/// A tripped breaker (OPEN at 0, reset_timeout 2 ms) whose clock a ticker
/// moves on 1 ms at a time while a prober keeps failing probes (each opens
/// a fresh OPEN period) and a reader reads the state, takes a snapshot and
/// asks for a permit. Every reading of the clock is a point where shuttle
/// may switch threads: a reading taken before another thread's transition
/// and compared with that transition's stamp reads as a clock that stepped
/// back, and cuts an OPEN period short.
fn clock_readings_racing_transitions() {
    let log = Log::default();
    let cfg = BreakerConfig::new("shuttle")
        .failure_threshold(1)
        .reset_timeout(Duration::from_ticks(RESET_MS))
        .half_open_timeout(Duration::from_ticks(50))
        .validate()
        .unwrap();
    let b: &'static Breaker = Box::leak(Box::new(
        CircuitBreaker::new(cfg, ManualClock::new()).with_observer(log.clone()),
    ));
    let _ = b.call(|| Err::<(), _>("down"));
    let ticker = thread::spawn(move || {
        for _ in 0..5 {
            b.clock().advance(Duration::from_ticks(1));
        }
    });
    let prober = thread::spawn(move || {
        for _ in 0..3 {
            if let Ok(p) = b.try_acquire() {
                p.failure();
            }
        }
    });
    let reader = thread::spawn(move || {
        let _ = b.state();
        let _ = b.snapshot();
        if let Ok(p) = b.try_acquire() {
            p.ignore();
        }
    });
    for t in [ticker, prober, reader] {
        t.join().unwrap();
    }
    let last = b.state();
    let transitions = log.0.lock().unwrap().clone();
    let verdict = judge(&transitions, RESET_MS, last);
    assert!(verdict.sound(), "{verdict:?}\n{transitions:#?}");
    let snap = b.snapshot();
    assert_eq!(snap.transitions_total as usize, transitions.len());
    // Time in the states adds up to the 5 ms elapsed, nothing lost. The
    // reader's snapshot may count more (the one race the contract allows):
    // taken between a transition's clock reading and its CAS, it reports
    // the old state up to its own reading, and reported time never goes
    // back. The excess is bounded by that window, so by the time from the
    // earliest transition made while the threads ran to the end.
    let in_states: u64 = snap.time_in_state_ms.iter().sum();
    assert!(in_states >= 5, "time lost: {in_states} ms of 5: {snap:?}");
    let excess = in_states - 5;
    let earliest = transitions
        .iter()
        .skip(1)
        .map(|t| u64::from(t.at.as_ticks()))
        .min();
    match earliest {
        None => assert_eq!(excess, 0, "no transition raced the snapshot: {snap:?}"),
        Some(at) => assert!(
            excess <= 5 - at,
            "time in states {in_states} ms: more than the race window since {at} ms allows: {snap:?}\n{transitions:#?}"
        ),
    }
}

#[test]
fn clock_readings_racing_transitions_random() {
    shuttle::check_random(clock_readings_racing_transitions, iterations());
}

#[test]
fn clock_readings_racing_transitions_pct() {
    shuttle::check_pct(clock_readings_racing_transitions, iterations(), 3);
}

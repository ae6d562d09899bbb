//! Real threads on a real monotonic clock, hammering one breaker with short
//! timeouts so that it cycles thousands of times; then, at quiescence, the
//! invariants that models can miss are checked over everything it did.
//!
//! This is one of the few tests on real time. It is bounded (20 s by default,
//! `TOTEM_STRESS_SECONDS` to change) and asserts outcomes, never durations.
//! The figures it prints are the ones quoted when the breaker's concurrency
//! changes: run it with `--nocapture` to see them.
//!
//! What it asserts:
//! - the totals add up to what the threads did;
//! - every event was emitted once, and the transitions, ordered by their
//!   dates, form a legal path from CLOSED to the final state (so no event is
//!   dated before the transition it follows);
//! - no OPEN period is shorter than `reset_timeout`: every ResetTimeout is
//!   dated exactly `reset_timeout` after the opening it ends;
//! - the time in states sums to the time elapsed since construction, to
//!   within 1 % (see `time_in_states_add_up` for the bound and why).
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration as StdDuration, Instant as StdInstant};

use totem_core::{
    BreakerConfig, CircuitBreaker, Clock, Duration, Event, Instant, Observer, Outcome, Permit,
    Transition,
};

/// Milliseconds since the test started, from `std::time::Instant`.
struct Monotonic(StdInstant);

impl Clock for Monotonic {
    fn now(&self) -> Instant {
        Instant::from_ticks(self.0.elapsed().as_millis() as u32)
    }
}

thread_local! {
    static LOCAL: RefCell<Vec<Transition>> = const { RefCell::new(Vec::new()) };
    static LOCAL_REJECTED: Cell<u64> = const { Cell::new(0) };
}

/// Each thread keeps its own transitions and counts its own rejection
/// events (no lock or shared write on the path under test); they are
/// gathered at the end.
#[derive(Default)]
struct PerThread {
    transitions: Mutex<Vec<Transition>>,
    rejected: AtomicU64,
}

impl PerThread {
    fn gather(&self) {
        let mine = LOCAL.with(|l| std::mem::take(&mut *l.borrow_mut()));
        self.transitions.lock().unwrap().extend(mine);
        self.rejected
            .fetch_add(LOCAL_REJECTED.with(|r| r.replace(0)), Ordering::Relaxed);
    }
}

impl Observer for PerThread {
    fn on_event(&self, event: &Event) {
        match event {
            Event::Transition(t) => LOCAL.with(|l| l.borrow_mut().push(*t)),
            Event::Rejected(_) => LOCAL_REJECTED.with(|r| r.set(r.get() + 1)),
            _ => {}
        }
    }
}

/// What the threads did, to check the totals against.
#[derive(Default)]
struct Did {
    successes: AtomicU64,
    failures: AtomicU64,
    ignored: AtomicU64,
    dropped: AtomicU64,
    rejected: AtomicU64,
}

/// A small xorshift: each thread's own sequence of choices.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

const RESET_MS: u32 = 2;
const HALF_OPEN_MS: u32 = 3;
const THREADS: u64 = 3;

type Breaker<'o> = CircuitBreaker<Monotonic, &'o PerThread>;

fn settle(p: Permit<'_, Monotonic, &PerThread>, rng: &mut Rng, did: &Did) {
    match rng.below(20) {
        0..=10 => {
            did.successes.fetch_add(1, Ordering::Relaxed);
            p.record(Outcome::Success);
        }
        11..=16 => {
            did.failures.fetch_add(1, Ordering::Relaxed);
            p.failure();
        }
        17..=18 => {
            did.ignored.fetch_add(1, Ordering::Relaxed);
            p.ignore();
        }
        _ => {
            did.dropped.fetch_add(1, Ordering::Relaxed);
            drop(p);
        }
    }
}

fn worker(b: &Breaker, obs: &PerThread, seed: u64, stop: &AtomicBool, did: &Did) {
    let mut rng = Rng(seed);
    // Up to two permits held at once, settled in random order: results
    // arrive late, across transitions, as slow calls do.
    let mut held: Vec<Permit<'_, Monotonic, &PerThread>> = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        match rng.below(16) {
            0..=11 => match b.try_acquire() {
                Ok(p) => held.push(p),
                Err(_) => {
                    did.rejected.fetch_add(1, Ordering::Relaxed);
                }
            },
            12 => {
                let _ = b.state();
            }
            13 => {
                let _ = b.snapshot();
            }
            _ => std::hint::spin_loop(),
        }
        if held.len() > 2 || (!held.is_empty() && rng.below(2) == 0) {
            let i = rng.below(held.len() as u64) as usize;
            let p = held.swap_remove(i);
            settle(p, &mut rng, did);
        }
    }
    for p in held {
        settle(p, &mut rng, did);
    }
    obs.gather();
}

#[test]
fn stress_invariants_hold_at_quiescence() {
    let seconds: u64 = std::env::var("TOTEM_STRESS_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let clock = Monotonic(StdInstant::now());
    let t_start = clock.now().as_ticks();
    let cfg = BreakerConfig::new("stress")
        .failure_threshold(1)
        .reset_timeout(Duration::from_ticks(RESET_MS))
        .half_open_timeout(Duration::from_ticks(HALF_OPEN_MS))
        .half_open_permits(2)
        .successes_to_close(1)
        .validate()
        .expect("valid");
    let obs = PerThread::default();
    let b = CircuitBreaker::new_with_observer(cfg, clock, &obs);
    b.start_time_accounting();

    let stop = AtomicBool::new(false);
    let did = Did::default();
    std::thread::scope(|s| {
        for seed in 1..=THREADS {
            let (b, obs, stop, did) = (&b, &obs, &stop, &did);
            s.spawn(move || worker(b, obs, seed.wrapping_mul(0x9E37_79B9_7F4A_7C15), stop, did));
        }
        // Bounded: the workers stop by themselves after `seconds`.
        let until = StdInstant::now() + StdDuration::from_secs(seconds);
        while StdInstant::now() < until {
            std::thread::sleep(StdDuration::from_millis(50));
        }
        stop.store(true, Ordering::Relaxed);
    });

    let snap = b.snapshot();
    let t_end = b.clock().now().as_ticks();
    obs.gather();
    let transitions = obs.transitions.lock().unwrap().clone();
    let rejected_events = obs.rejected.load(Ordering::Relaxed);

    // Totals.
    let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
    let totals_ok = snap.successes_total == get(&did.successes)
        && snap.failures_total == get(&did.failures) + get(&did.dropped)
        && snap.ignored_total == get(&did.ignored)
        && snap.abandoned_total == get(&did.dropped)
        && snap.rejected_total == get(&did.rejected)
        && snap.rejected_total == rejected_events
        && snap.transitions_total == transitions.len() as u64
        && snap.probes_in_flight == 0;

    // Legality and dates.
    let verdict = totem_tests::history::judge(&transitions, RESET_MS, snap.state);

    // Time in states.
    let in_states: u64 = snap.time_in_state_ms.iter().sum();
    let elapsed = u64::from(t_end - t_start);
    let mut by_cause = BTreeMap::new();
    for t in &transitions {
        *by_cause.entry(format!("{:?}", t.cause)).or_insert(0u64) += 1;
    }
    println!(
        "stress: {seconds} s, {THREADS} threads: {} transitions {by_cause:?}, {} calls admitted, \
         {} rejected; {verdict:?}; time in states {in_states} ms over {elapsed} ms elapsed \
         ({:+.3} %)",
        transitions.len(),
        snap.successes_total + snap.failures_total + snap.ignored_total,
        snap.rejected_total,
        (in_states as f64 - elapsed as f64) * 100.0 / elapsed as f64,
    );

    assert!(totals_ok, "totals do not add up: {snap:?}");
    assert!(
        transitions.len() > 100,
        "the breaker barely cycled: {snap:?}"
    );
    assert!(verdict.sound(), "{verdict:?}");
    time_in_states_add_up(in_states, elapsed);
}

/// The bound on time in states, both ways within 1 % of the time elapsed.
///
/// Every segment is booked once, from the stamp published at its start to a
/// reading taken after that stamp was loaded, so without races the sum is
/// exact (it is, in almost every run: +0.000 %). Two races move it, each
/// only while a thread is preempted inside a window of a few instructions:
/// - over: a transition is dated by the clock reading it took before its
///   CAS (so that no transition is dated before the one it follows); a
///   snapshot that verified the old state between that reading and the CAS
///   reported the old state up to its own reading, and reported time never
///   goes back. The excess is at most that window, once per such race.
/// - under: a transition whose winner was overtaken between its CAS and the
///   publication of its stamp leaves the segment before it and its own
///   unbooked (a few milliseconds each here).
///
/// A handful of either in a run costs far less than 1 %; before the fix
/// for stale clock readings the sum was 11-15 % over.
fn time_in_states_add_up(in_states: u64, elapsed: u64) {
    assert!(
        in_states * 100 <= elapsed * 101,
        "time in states ({in_states} ms) exceeds the time elapsed ({elapsed} ms) by more than 1 %"
    );
    assert!(
        in_states * 100 >= elapsed * 99,
        "time in states ({in_states} ms) lost more than 1 % of the time elapsed ({elapsed} ms)"
    );
}

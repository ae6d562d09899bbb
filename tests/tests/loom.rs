//! loom models of every concurrent transition of the breaker, of the retry
//! budget (model 9, with its teeth: the same race fails a budget that
//! checks, then subtracts), of the sliding window (model 10), of the striped
//! success counter (model 11) and of the log throttle. Each model asserts its
//! invariant in every interleaving loom explores.
//!
//! loom 0.7 can miss interleavings after a redundant load (the stamp is
//! loaded again before a CAS): the race of a clock reading taken before
//! another thread's transition is therefore also covered by a deterministic
//! test with a clock that parks inside `now()` and by a real-thread stress
//! test (`stale_clock_reading.rs`, `stress_real_threads.rs`).
//!
//! Run with `scripts/loom.sh` (or
//! `RUSTFLAGS="--cfg totem_loom" cargo test --release -p totem-tests --test loom`);
//! `LOOM_MAX_PREEMPTIONS` bounds the search.
#![cfg(totem_loom)]

use std::cell::Cell;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use loom::thread;
use totem_core::{
    AbandonedPermit, BreakerConfig, BreakerSnapshot, Cause, CircuitBreaker, Duration, Event,
    Instant, Observer, RateWindow, RetryBudget, RetryBudgetConfig, SlidingWindow, State, Throttle,
    Transition, WindowStorage,
};

/// Collects events. A std `Mutex` on purpose: it is never contended inside
/// loom (loom runs one thread at a time and never preempts inside `push`),
/// so it adds no interleavings of its own.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<Event>>>);

impl Observer for Log {
    fn on_event(&self, e: &Event) {
        self.0.lock().unwrap().push(*e);
    }
}

impl Log {
    fn transitions(&self) -> Vec<Transition> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                Event::Transition(t) => Some(*t),
                _ => None,
            })
            .collect()
    }

    fn rejections(&self) -> usize {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|e| matches!(e, Event::Rejected(_)))
            .count()
    }
}

/// A clock for the models. `ManualClock` reads its time with a `Relaxed`
/// load, and loom lets such a load return a value older than one another
/// thread has already read: a clock that runs backwards across threads,
/// which no hardware counter does (and which made model 8 report, rightly
/// for that clock, a transition dated before a snapshot that had seen the
/// state before it). Reading with a read-modify-write returns the latest
/// value in loom, as a real clock does.
struct Clock(loom::sync::atomic::AtomicU32);

impl Clock {
    fn new() -> Self {
        Self(loom::sync::atomic::AtomicU32::new(0))
    }

    fn advance(&self, by: Duration) {
        self.0.fetch_add(by.as_ticks(), Ordering::Relaxed);
    }
}

impl totem_core::Clock for Clock {
    fn now(&self) -> Instant {
        Instant::from_ticks(self.0.fetch_add(0, Ordering::Relaxed))
    }

    /// The thread's [`STRIPE`]: 0 unless a model sets it (model 11).
    fn stripe(&self) -> usize {
        STRIPE.with(Cell::get)
    }
}

loom::thread_local! {
    /// Which cell of the striped success counter this loom thread counts in.
    static STRIPE: Cell<usize> = Cell::new(0);
}

type Breaker = CircuitBreaker<Clock, Log>;

/// A breaker for one loom execution. Leaked, so that permits (which borrow
/// it) can move to loom threads, which need `'static`; a few hundred bytes
/// per explored interleaving.
fn breaker(cfg: BreakerConfig) -> (&'static Breaker, Log) {
    let log = Log::default();
    let b = CircuitBreaker::new(cfg.validate().unwrap(), Clock::new()).with_observer(log.clone());
    (Box::leak(Box::new(b)), log)
}

fn ms(n: u32) -> Duration {
    Duration::from_ticks(n)
}

/// A breaker with threshold 1 that has been tripped and whose
/// `reset_timeout` (10 ms) has just passed, unobserved: lazily HALF_OPEN.
fn due_half_open(cfg: BreakerConfig) -> (&'static Breaker, Log) {
    let (b, log) = breaker(
        cfg.failure_threshold(1)
            .reset_timeout(ms(10))
            .half_open_timeout(ms(5)),
    );
    b.try_acquire().unwrap().failure();
    b.clock().advance(ms(10));
    (b, log)
}

/// Every transition event, taken as an edge, forms one path from `start` to
/// the final state (events of different threads may be delivered in either
/// order, but none is missing, doubled or invented).
fn assert_path(events: &[Transition], start: State, end: State) {
    let mut balance = [0i32; 5];
    for t in events {
        assert_ne!(t.from, t.to, "an event for a non-change: {t:?}");
        balance[t.from as usize] -= 1;
        balance[t.to as usize] += 1;
    }
    let mut want = [0i32; 5];
    want[start as usize] -= 1;
    want[end as usize] += 1;
    assert_eq!(
        balance, want,
        "events {events:?} are not a path {start:?} -> {end:?}"
    );
}

/// Invariants every snapshot must satisfy on its own.
fn assert_snapshot_sane(s: &BreakerSnapshot, permits: u32) {
    assert!(s.probes_in_flight <= permits, "{s:?}");
    if s.state != State::HalfOpen {
        assert_eq!(s.probes_in_flight, 0, "{s:?}");
    }
    if let Some(r) = s.success_rate {
        assert!(r.successes <= r.calls && r.calls > 0, "{s:?}");
        assert!(r.successes <= s.successes_total, "{s:?}");
        assert!(r.calls <= s.successes_total + s.failures_total, "{s:?}");
    }
    assert!(s.abandoned_total <= s.failures_total + s.ignored_total + s.abandoned_total);
}

/// Model 1: N threads record failures across the threshold: exactly one
/// CLOSED -> OPEN transition and one event; the failure total is exact.
#[test]
fn model_1_threshold_crossed_by_racing_failures_opens_once() {
    loom::model(|| {
        let (b, log) = breaker(BreakerConfig::new("m1").failure_threshold(2));
        let handles: Vec<_> = (0..3)
            .map(|_| {
                thread::spawn(move || {
                    if let Ok(p) = b.try_acquire() {
                        p.failure();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let t = log.transitions();
        let s = b.snapshot();
        // All three were admitted while CLOSED or the breaker opened first
        // (then a late one was rejected); either way, exactly one opening.
        assert_eq!(t.len(), 1, "{t:?}");
        assert_eq!(
            (t[0].from, t[0].to, t[0].cause),
            (State::Closed, State::Open, Cause::FailureThreshold)
        );
        assert!(t[0].consecutive_failures >= 2);
        assert_eq!(s.state, State::Open);
        assert_eq!(s.failures_total + s.rejected_total, 3, "{s:?}");
        assert_eq!(s.transitions_total, 1);
        assert_eq!(log.rejections() as u64, s.rejected_total);
        assert!(s.consecutive_failures >= 2 && s.consecutive_failures as u64 <= s.failures_total);
    });
}

/// Model 2: K+1 threads try_acquire on a half-open breaker with K permits:
/// exactly K are admitted.
#[test]
fn model_2_half_open_cap_is_exact() {
    loom::model(|| {
        const K: u32 = 2;
        let (b, log) = due_half_open(BreakerConfig::new("m2").half_open_permits(K));
        let handles: Vec<_> = (0..K + 1)
            .map(|_| {
                thread::spawn(move || match b.try_acquire() {
                    Ok(p) => {
                        // Held: the slot stays in use.
                        std::mem::forget(p);
                        true
                    }
                    Err(r) => {
                        assert_eq!((r.state, r.retry_after), (State::HalfOpen, None));
                        false
                    }
                })
            })
            .collect();
        let admitted = handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|&a| a)
            .count();
        assert_eq!(admitted as u32, K);
        let s = b.snapshot();
        assert_eq!(s.probes_in_flight, K);
        assert_eq!(s.rejected_total, 1);
        assert_eq!(s.state, State::HalfOpen);
        let t = log.transitions();
        assert_eq!(t.len(), 2, "{t:?}"); // trip, then one Open -> HalfOpen
        assert_eq!(t[1].cause, Cause::ResetTimeout);
    });
}

/// Model 3: two probes racing, one success and one failure: one final state
/// the contract allows, one event per transition.
#[test]
fn model_3_racing_probe_outcomes_settle_once() {
    loom::model(|| {
        let (b, log) = due_half_open(
            BreakerConfig::new("m3")
                .half_open_permits(2)
                .successes_to_close(1),
        );
        let p1 = b.try_acquire().unwrap();
        let p2 = b.try_acquire().unwrap();
        let t1 = thread::spawn(move || p1.success());
        let t2 = thread::spawn(move || p2.failure());
        t1.join().unwrap();
        t2.join().unwrap();
        let s = b.snapshot();
        let t = log.transitions();
        let after: Vec<_> = t[2..].iter().map(|t| (t.from, t.to, t.cause)).collect();
        match s.state {
            State::Closed => assert_eq!(
                after,
                [(State::HalfOpen, State::Closed, Cause::ProbesSucceeded)]
            ),
            State::Open => assert_eq!(after, [(State::HalfOpen, State::Open, Cause::ProbeFailed)]),
            other => panic!("{other:?} after {t:?}"),
        }
        assert_eq!((s.successes_total, s.failures_total), (1, 2));
        assert_eq!(s.transitions_total as usize, t.len());
        assert_eq!(s.probes_in_flight, 0);
    });
}

/// Model 4: `half_open_timeout` expiring while a late probe result comes
/// in: a stale permit never closes a reopened breaker, and no slot is lost.
#[test]
fn model_4_half_open_timeout_racing_a_late_result() {
    loom::model(|| {
        let (b, log) = due_half_open(BreakerConfig::new("m4"));
        let probe = b.try_acquire().unwrap();
        let timer = thread::spawn(move || {
            b.clock().advance(ms(5)); // half_open_timeout
            b.state()
        });
        let late = thread::spawn(move || probe.success());
        let seen = timer.join().unwrap();
        late.join().unwrap();
        let t = log.transitions();
        let last = *t.last().unwrap();
        let s = b.snapshot();
        match last.cause {
            // The result came in time: closed, and it stays closed.
            Cause::ProbesSucceeded => {
                assert_eq!(s.state, State::Closed);
                assert_eq!(t.len(), 3);
            }
            // The timeout came first: reopened at the expiry, and the late
            // success (stale) did not close it.
            Cause::HalfOpenTimeout => {
                assert_eq!(s.state, State::Open);
                assert_eq!(last.at.as_ticks(), 15);
                assert_eq!(t.len(), 3);
                assert_eq!(seen, State::Open);
            }
            other => panic!("{other:?}: {t:?}"),
        }
        assert_eq!(s.successes_total, 1);
        assert_eq!(s.probes_in_flight, 0);
        // No slot lost: after the next reset_timeout (if it reopened) a
        // probe is admitted.
        b.clock().advance(ms(10));
        b.try_acquire().expect("a slot is free").success();
        assert_eq!(b.state(), State::Closed);
    });
}

/// Model 5: a permit dropped without an outcome racing a try_acquire: the
/// slot is released exactly once.
#[test]
fn model_5_dropped_probe_releases_its_slot_exactly_once() {
    loom::model(|| {
        let (b, _log) = due_half_open(BreakerConfig::new("m5").abandoned(AbandonedPermit::Neutral));
        let probe = b.try_acquire().unwrap();
        let dropper = thread::spawn(move || drop(probe));
        let acquirer = thread::spawn(move || match b.try_acquire() {
            Ok(p) => {
                std::mem::forget(p);
                true
            }
            Err(_) => false,
        });
        dropper.join().unwrap();
        let got = acquirer.join().unwrap();
        let s = b.snapshot();
        assert_eq!(s.abandoned_total, 1);
        assert_eq!(s.state, State::HalfOpen);
        assert_eq!(s.probes_in_flight, u32::from(got));
        // Exactly one slot (permits = 1) exists, whoever holds it.
        let next = b.try_acquire();
        assert_eq!(next.is_ok(), !got);
        if let Ok(p) = next {
            std::mem::forget(p);
        }
        assert_eq!(b.snapshot().probes_in_flight, 1);
        assert!(b.try_acquire().is_err());
    });
}

/// Model 6: reset / force_open racing calls: no state outside the contract,
/// counters never torn.
#[test]
fn model_6_commands_racing_calls() {
    loom::model(|| {
        let (b, log) = breaker(BreakerConfig::new("m6").failure_threshold(1));
        let caller = thread::spawn(move || match b.try_acquire() {
            Ok(p) => {
                p.failure();
                true
            }
            Err(r) => {
                assert_eq!(r.state, State::ForcedOpen);
                false
            }
        });
        let forcer = thread::spawn(move || b.force_open());
        b.reset();
        let ran = caller.join().unwrap();
        forcer.join().unwrap();
        let s = b.snapshot();
        let t = log.transitions();
        assert!(
            matches!(s.state, State::Closed | State::Open | State::ForcedOpen),
            "{s:?}"
        );
        assert_path(&t, State::Closed, s.state);
        assert_eq!(s.transitions_total as usize, t.len());
        assert_eq!(s.failures_total, u64::from(ran));
        assert_eq!(s.rejected_total, u64::from(!ran));
        assert!(s.consecutive_failures <= 1);
        assert_snapshot_sane(&s, 1);
        // A forced-open breaker never half-opens by itself.
        if s.state == State::ForcedOpen {
            b.clock().advance(ms(1 << 20));
            assert_eq!(b.state(), State::ForcedOpen);
        }
    });
}

/// Model 7: the lazy OPEN -> HALF_OPEN transition observed by several
/// threads at once: one transition, one event, the cap still exact.
#[test]
fn model_7_lazy_half_open_seen_by_many() {
    loom::model(|| {
        let (b, log) = due_half_open(BreakerConfig::new("m7"));
        let looker = thread::spawn(move || b.state());
        let prober = thread::spawn(move || match b.try_acquire() {
            Ok(p) => {
                std::mem::forget(p);
                true
            }
            Err(_) => false,
        });
        let s_main = b.snapshot();
        assert_eq!(s_main.state, State::HalfOpen);
        assert_eq!(looker.join().unwrap(), State::HalfOpen);
        assert!(prober.join().unwrap(), "the one probe slot is free");
        let t = log.transitions();
        let half_opens: Vec<_> = t
            .iter()
            .filter(|t| t.cause == Cause::ResetTimeout)
            .collect();
        assert_eq!(half_opens.len(), 1, "{t:?}");
        assert_eq!(half_opens[0].at.as_ticks(), 10);
        let s = b.snapshot();
        assert_eq!(s.probes_in_flight, 1);
        assert_eq!(s.transitions_total, 2);
        assert!(b.try_acquire().is_err());
    });
}

/// Model 8: a metrics snapshot racing updates: each snapshot's invariants
/// hold, and time in each state never goes backwards.
#[test]
fn model_8_snapshot_racing_updates() {
    loom::model(|| {
        let (b, log) = breaker(
            BreakerConfig::new("m8")
                .failure_threshold(1)
                .reset_timeout(ms(10)),
        );
        b.start_time_accounting();
        b.clock().advance(ms(3));
        let failer = thread::spawn(move || {
            if let Ok(p) = b.try_acquire() {
                p.failure();
            }
        });
        let ticker = thread::spawn(move || b.clock().advance(ms(4)));
        let s1 = b.snapshot();
        let s2 = b.snapshot();
        failer.join().unwrap();
        ticker.join().unwrap();
        let s3 = b.snapshot();
        for s in [&s1, &s2, &s3] {
            assert_snapshot_sane(s, 1);
        }
        for (a, z) in [(&s1, &s2), (&s2, &s3)] {
            for st in State::ALL {
                assert!(
                    z.time_in(st) >= a.time_in(st),
                    "{st:?} went back: {a:?} then {z:?}"
                );
            }
            assert!(z.failures_total >= a.failures_total);
            assert!(z.transitions_total >= a.transitions_total);
        }
        // Nothing is lost. A transition is dated by a clock reading taken
        // before its CAS (so each is dated no earlier than the one before
        // it); a snapshot that verified CLOSED between that reading and the
        // CAS reported CLOSED up to its own reading, and reported time never
        // goes back: the total may exceed the time elapsed by that window,
        // and only by it.
        let total = s3.time_in(State::Closed) + s3.time_in(State::Open);
        let tripped = log.transitions()[0].at.as_ticks() as u64;
        assert!(
            total >= 7 && total - 7 <= 7 - tripped,
            "{s1:?}\n{s2:?}\n{s3:?}"
        );
    });
}

/// Model 11: successes counted in two cells of the striped counter (two
/// threads, stripes 0 and 1) racing `reset_stats()` and a snapshot: no
/// snapshot reports more than was counted or a rate over calls its totals
/// lack, totals never go back, and at quiescence the total is exact and the
/// rate counts exactly the successes after the reset's base. A sum that
/// skipped a cell would report 1.
#[test]
fn model_11_striped_successes_sum_exactly() {
    loom::model(|| {
        let (b, _log) = breaker(BreakerConfig::new("m11"));
        let handles: Vec<_> = (0..2)
            .map(|stripe| {
                thread::spawn(move || {
                    STRIPE.with(|s| s.set(stripe));
                    b.try_acquire().unwrap().success();
                })
            })
            .collect();
        b.reset_stats();
        let during = b.snapshot();
        for h in handles {
            h.join().unwrap();
        }
        let after = b.snapshot();
        for s in [&during, &after] {
            assert_snapshot_sane(s, 1);
            assert!(s.successes_total <= 2, "{s:?}");
        }
        assert!(after.successes_total >= during.successes_total);
        assert_eq!(after.successes_total, 2, "{after:?}");
        // The base is the total the reset read (0, 1 or 2): what follows it
        // is counted in the rate, exactly, and never less than a snapshot
        // between them saw.
        let since = |s: &BreakerSnapshot| s.success_rate.map_or(0, |r| r.successes);
        assert!(since(&after) >= since(&during), "{during:?}\n{after:?}");
        if let Some(r) = after.success_rate {
            assert_eq!(r.calls, r.successes, "{after:?}");
        }
        b.reset_stats();
        assert_eq!(b.snapshot().success_rate, None);
    });
}

/// What model 9 races: one retry taken from a shared budget, at clock
/// second 0.
trait Withdraw: Sync + 'static {
    fn withdraw(&self) -> bool;
}

impl Withdraw for RetryBudget {
    fn withdraw(&self) -> bool {
        self.try_withdraw(Instant::from_ticks(0))
    }
}

/// The budget the model must reject: it checks the balance, then
/// subtracts, in two steps, as tower's `TpsBudget::try_get` does (`if
/// self.sum() >= amt { self.writer.fetch_add(-amt) }`). Used only by
/// model 9's teeth.
struct CheckThenSubtract(loom::sync::atomic::AtomicU32);

impl Withdraw for CheckThenSubtract {
    fn withdraw(&self) -> bool {
        if self.0.load(Ordering::Relaxed) >= 1 {
            self.0.fetch_sub(1, Ordering::Relaxed);
            true
        } else {
            false
        }
    }
}

/// Three withdrawals race (two spawned threads and this one) on a budget
/// holding exactly two retries; returns how many were granted.
fn three_withdraw_from_two<B: Withdraw>(budget: &'static B) -> u32 {
    let racers: Vec<_> = (0..2)
        .map(|_| thread::spawn(move || budget.withdraw()))
        .collect();
    let mut granted = u32::from(budget.withdraw());
    for r in racers {
        granted += u32::from(r.join().unwrap());
    }
    assert!(granted <= 2, "overdrawn: {granted} retries granted from 2");
    assert!(granted >= 2, "underdrawn: {granted} retries granted from 2");
    granted
}

fn budget(cfg: RetryBudgetConfig) -> &'static RetryBudget {
    Box::leak(Box::new(RetryBudget::try_new(cfg).unwrap()))
}

/// Model 9: racing withdrawals from a budget holding exactly N retries:
/// exactly N succeed, and it is empty after (the check and the subtraction
/// are one compare-exchange).
#[test]
fn model_9_budget_withdrawals_are_exact() {
    loom::model(|| {
        let b = budget(
            RetryBudgetConfig::new()
                .retry_percent(0)
                .min_per_second(2)
                .max_retries(2),
        );
        assert_eq!(three_withdraw_from_two(b), 2);
        assert_eq!(b.available(Instant::from_ticks(0)), 0);
        assert!(!b.withdraw());
    });
}

/// Model 9's teeth: the same race, on a budget that checks then subtracts,
/// fails: loom finds the interleaving in which two threads both see the
/// last retry and both take it.
#[test]
#[should_panic(expected = "overdrawn")]
fn model_9_teeth_check_then_subtract_overdraws() {
    loom::model(|| {
        let b: &'static CheckThenSubtract = Box::leak(Box::new(CheckThenSubtract(
            loom::sync::atomic::AtomicU32::new(2),
        )));
        three_withdraw_from_two(b);
    });
}

/// Model 9, the floor: withdrawals racing at the start of a new second
/// apply its floor once, not once each.
#[test]
fn model_9_a_new_seconds_floor_is_applied_once() {
    loom::model(|| {
        let b = budget(
            RetryBudgetConfig::new()
                .retry_percent(0)
                .min_per_second(1)
                .max_retries(1),
        );
        assert!(b.withdraw(), "the floor of second 0");
        let later = Instant::from_ticks(1_000);
        let racer = thread::spawn(move || b.try_withdraw(later));
        let here = b.try_withdraw(later);
        let there = racer.join().unwrap();
        assert_eq!(u32::from(here) + u32::from(there), 1);
        assert_eq!(b.available(later), 0);
    });
}

/// Model 9, deposits: deposits racing withdrawals lose nothing and create
/// nothing: what was granted plus what is left is what was deposited.
#[test]
fn model_9_deposits_racing_withdrawals_are_conserved() {
    loom::model(|| {
        let b = budget(
            RetryBudgetConfig::new()
                .retry_percent(100)
                .min_per_second(0)
                .max_retries(2),
        );
        let depositor = thread::spawn(move || {
            b.deposit();
            b.deposit();
        });
        let granted = u32::from(b.withdraw()) + u32::from(b.withdraw());
        depositor.join().unwrap();
        assert_eq!(granted + b.available(Instant::from_ticks(0)), 2);
    });
}

/// The log throttle: of callers racing at one instant, exactly one passes,
/// and every other one is counted as held back exactly once: the counts the
/// passing events report add up to the events held back (one held back
/// while the winner reads the count is reported by the winner, not later).
#[test]
fn model_throttle_one_passes_per_interval() {
    loom::model(|| {
        let t: &'static Throttle = Box::leak(Box::new(Throttle::new(ms(10))));
        let racers: Vec<_> = (0..2)
            .map(|_| thread::spawn(move || t.admit(Instant::from_ticks(5))))
            .collect();
        let mut results = vec![t.admit(Instant::from_ticks(5))];
        for r in racers {
            results.push(r.join().unwrap());
        }
        let passed: Vec<u32> = results.into_iter().flatten().collect();
        assert_eq!(passed.len(), 1, "exactly one passes");
        let next = t.admit(Instant::from_ticks(15)).expect("a new interval");
        assert_eq!(passed[0] + next, 2, "two held back, each reported once");
    });
}

/// A count window of the last 2 calls, one call per bucket, for one loom
/// execution (leaked, as the breaker is).
fn window_of_two() -> WindowStorage {
    Box::leak(Box::new(RateWindow::<2>::new())).storage()
}

fn record(b: &Breaker, failed: bool) {
    let p = b.try_acquire().unwrap();
    if failed {
        p.failure()
    } else {
        p.success()
    }
}

/// Model 10: two successes race into a count window of two that already
/// holds two failures, while a snapshot reads it. No read counts more than
/// the window holds; once they have landed, the window is exactly the last
/// two calls (both successes): the failures were evicted, whichever order
/// the racers were numbered and landed in.
#[test]
fn model_10_count_window_is_exact_once_racing_outcomes_land() {
    loom::model(|| {
        let (b, _log) = breaker(
            BreakerConfig::new("w").sliding_window(SlidingWindow::Calls(2), window_of_two()),
        );
        record(b, true);
        record(b, true);
        let racer = thread::spawn(move || record(b, false));
        let reader = thread::spawn(move || {
            // Two racers in flight may each hide their bucket: a read can
            // find the window empty, never fuller than two.
            if let Some(r) = b.snapshot().success_rate {
                assert!(r.calls <= 2, "{r:?}");
            }
        });
        record(b, false);
        racer.join().unwrap();
        reader.join().unwrap();
        let r = b.snapshot().success_rate.unwrap();
        assert_eq!((r.successes, r.calls), (2, 2));
    });
}

/// Model 10, the trip: two failures race into a window of two that holds a
/// success, with a failure rate of 100 %. Whatever the interleaving, one of
/// them sees the window full of failures (the window's accesses share one
/// total order): the breaker opens, once, for the failure rate.
#[test]
fn model_10_a_window_over_its_threshold_opens_once() {
    loom::model(|| {
        let (b, log) = breaker(
            BreakerConfig::new("w")
                .failure_threshold(511)
                .sliding_window(SlidingWindow::Calls(2), window_of_two())
                .failure_rate(100)
                .minimum_calls(2),
        );
        record(b, false);
        let racer = thread::spawn(move || record(b, true));
        record(b, true);
        racer.join().unwrap();
        assert_eq!(b.state(), State::Open);
        let t = log.transitions();
        assert_eq!(t.len(), 1, "{t:?}");
        assert_eq!(t[0].cause, Cause::FailureRate);
    });
}

/// Model 10's teeth: the trip race on a window that judges without the
/// fence (each recorder writes its bucket, then reads the other's with
/// acquire/release alone): loom finds the interleaving in which each misses
/// the other's failure, and a window full of failures opens nothing.
#[test]
#[should_panic(expected = "missed")]
fn model_10_teeth_a_window_without_the_fence_misses_the_trip() {
    use loom::sync::atomic::{AtomicBool, AtomicU32};
    loom::model(|| {
        let buckets: &'static [AtomicU32; 2] =
            Box::leak(Box::new([AtomicU32::new(0), AtomicU32::new(0)]));
        let tripped: &'static AtomicBool = Box::leak(Box::new(AtomicBool::new(false)));
        let fail_into = move |mine: usize| {
            buckets[mine].store(1, Ordering::Release);
            if buckets[1 - mine].load(Ordering::Acquire) == 1 {
                tripped.store(true, Ordering::Relaxed);
            }
        };
        let racer = thread::spawn(move || fail_into(0));
        fail_into(1);
        racer.join().unwrap();
        assert!(
            tripped.load(Ordering::Relaxed),
            "missed: both failed, nobody tripped"
        );
    });
}

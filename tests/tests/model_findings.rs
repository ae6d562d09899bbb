//! Sequences the reference model (`totem_tests::model`) found where the
//! core broke SEMANTICS.md, each the shortest found, asserting what the
//! contract says, so that the core keeps to it.
mod common;
use common::*;
use totem_core::{
    BreakerConfig, Cause, CircuitBreaker, ManualClock, NoObserver, Outcome, SlidingWindow, State,
    SuccessRate,
};

/// SEMANTICS.md: `reset()` "returns to CLOSED from anywhere ... the success
/// rate restarts", and with a window the success rate is the window's.
#[test]
fn reset_of_a_closed_breaker_restarts_the_window_rate() {
    let clock = ManualClock::new();
    let cfg = BreakerConfig::new("db").sliding_window(SlidingWindow::Calls(1), window::<1>());
    let b = breaker(cfg, &clock, NoObserver);
    b.try_acquire().unwrap().success();
    b.reset();
    assert_eq!(b.snapshot().success_rate, None);
}

/// SEMANTICS.md: slow is "took `d` or longer"; a duration handed to
/// `record_after` is what the call took, however long.
#[test]
fn a_duration_beyond_24_days_is_slow() {
    let clock = ManualClock::new();
    let rec = Recorder::default();
    let cfg = BreakerConfig::new("db")
        .sliding_window(SlidingWindow::Calls(1), window::<1>())
        .slow_calls(ms(1), 100)
        .minimum_calls(1);
    let b = breaker(cfg, &clock, &rec);
    b.try_acquire()
        .unwrap()
        .record_after(Outcome::Success, ms(1 << 31));
    assert_eq!(b.state(), State::Open);
    assert_eq!(rec.transitions()[0].cause, Cause::SlowCallRate);
}

/// SEMANTICS.md: after the n-th reopen the breaker "stays OPEN
/// `min(max, reset_timeout × factor^n)`", and time in each state is the
/// time spent in it.
#[test]
fn a_grown_open_time_is_booked_as_open() {
    let clock = ManualClock::new();
    let cfg = BreakerConfig::new("db")
        .failure_threshold(1)
        .reset_timeout(ms(10))
        .reset_timeout_growth(2, ms(20));
    let b = CircuitBreaker::try_new(cfg, &clock).unwrap();
    let _ = fail::<()>(&b);
    clock.advance(ms(10));
    // The probe fails: OPEN again, for 20 ms now.
    let _ = fail::<()>(&b);
    clock.advance(ms(20));
    let s = b.snapshot();
    assert_eq!(s.state, State::HalfOpen);
    assert_eq!(
        (s.time_in(State::Open), s.time_in(State::HalfOpen)),
        (30, 0)
    );
}

/// SEMANTICS.md: "The streak counts failures since the last success or
/// reset, failed probes included"; nothing says closing clears it.
#[test]
fn a_rate_decided_close_keeps_the_streak_of_its_failed_probes() {
    let clock = ManualClock::new();
    let cfg = BreakerConfig::new("db")
        .failure_threshold(1)
        .reset_timeout(ms(1))
        .half_open_permits(2)
        .half_open_failure_rate(100);
    let b = breaker(cfg, &clock, NoObserver);
    let _ = fail::<()>(&b);
    clock.advance(ms(1));
    let (p1, p2) = (b.try_acquire().unwrap(), b.try_acquire().unwrap());
    p1.success();
    p2.failure();
    assert_eq!(b.state(), State::Closed, "1 of 2 failed: under 100 %");
    assert_eq!(b.consecutive_failures(), 1);
}

/// SEMANTICS.md: "Only outcomes of current CLOSED permits enter" the
/// window; these are, 31 ms before the 32-bit clock wraps.
#[test]
fn an_outcome_just_before_the_clock_wraps_enters_a_fine_time_window() {
    let clock = ManualClock::starting_at(u32::MAX - 30);
    let cfg = BreakerConfig::new("db")
        .sliding_window(SlidingWindow::Time(ms(32)), window::<32>())
        .minimum_calls(1);
    let b = breaker(cfg, &clock, NoObserver);
    b.try_acquire().unwrap().success();
    assert_eq!(
        b.snapshot().success_rate,
        Some(SuccessRate {
            successes: 1,
            calls: 1
        })
    );
}

/// SEMANTICS.md: the slow-call rate is judged over the window "of the last
/// stretch of time"; a slow call 2 s ago is out of a 32 ms window.
#[test]
fn an_untimed_outcome_leaves_no_stale_slow_count_behind() {
    let clock = ManualClock::new();
    let cfg = BreakerConfig::new("db")
        .sliding_window(SlidingWindow::Time(ms(32)), window::<1>())
        .slow_calls(ms(1), 100)
        .minimum_calls(2);
    let b = breaker(cfg, &clock, NoObserver);
    b.try_acquire()
        .unwrap()
        .record_after(Outcome::Success, ms(1));
    // 64 epochs later: the bucket's tags alias.
    clock.advance(ms(64 * 32));
    b.try_acquire().unwrap().success();
    b.try_acquire()
        .unwrap()
        .record_after(Outcome::Success, ms(1));
    assert_eq!(b.state(), State::Closed, "one timed call in the window");
}

/// SEMANTICS.md: `SlidingWindow::Calls` is "the last N calls"; a coarse
/// window may hold fewer, never more.
#[test]
fn a_count_window_holds_at_most_its_calls() {
    let clock = ManualClock::new();
    let cfg = BreakerConfig::new("db").sliding_window(SlidingWindow::Calls(10), window::<4>());
    let b = breaker(cfg, &clock, NoObserver);
    for _ in 0..12 {
        b.try_acquire().unwrap().success();
    }
    let calls = b.snapshot().success_rate.unwrap().calls;
    assert!(calls <= 10, "{calls} calls");
}

/// SEMANTICS.md: rates are judged "after every outcome, so a success that
/// brings the window to `minimum_calls` can open it"; for the slow-call
/// rate that is its timed calls.
#[test]
fn a_timed_success_that_brings_the_timed_calls_to_minimum_is_judged() {
    let clock = ManualClock::new();
    let cfg = BreakerConfig::new("db")
        .sliding_window(SlidingWindow::Calls(4), window::<4>())
        .slow_calls(ms(10), 50)
        .minimum_calls(2);
    let b = breaker(cfg, &clock, NoObserver);
    b.try_acquire().unwrap().success();
    b.try_acquire()
        .unwrap()
        .record_after(Outcome::Success, ms(10));
    assert_eq!(b.state(), State::Closed, "one timed call");
    b.try_acquire()
        .unwrap()
        .record_after(Outcome::Success, ms(1));
    assert_eq!(b.state(), State::Open, "1 of 2 timed calls slow: 50 %");
}

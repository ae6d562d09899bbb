//! The slow-call policy: a call taking `slow_call_duration` or longer is
//! slow, failed or not; the breaker opens when the slow share of the window
//! reaches `slow_call_rate` (inclusive), once the window holds
//! `minimum_calls`. The clock is read at a call's start and end only while
//! the policy is on.
mod common;
use common::*;
use totem_core::{BreakerConfig, Cause, ManualClock, NoObserver, Outcome, SlidingWindow, State};

fn slow_policy(rate: u32) -> BreakerConfig {
    BreakerConfig::new("db")
        .sliding_window(SlidingWindow::Calls(4), window::<4>())
        .slow_calls(ms(500), rate)
        .minimum_calls(4)
}

/// A successful call that takes `took`, on the manual clock.
fn call_taking(
    b: &totem_core::CircuitBreaker<&ManualClock, impl totem_core::Observer>,
    clock: &ManualClock,
    took: u32,
) {
    let _ = b.call(|| {
        clock.advance(ms(took));
        Ok::<_, ()>(())
    });
}

#[test]
fn the_slow_share_opens_at_the_rate_inclusive() {
    let clock = ManualClock::new();
    let rec = Recorder::default();
    let b = breaker(slow_policy(50), &clock, &rec);
    call_taking(&b, &clock, 499);
    call_taking(&b, &clock, 10);
    call_taking(&b, &clock, 500);
    assert_eq!(b.state(), State::Closed, "3 calls: under minimum_calls");
    call_taking(&b, &clock, 700);
    assert_eq!(b.state(), State::Open, "2 of 4 took 500 ms or more");
    assert_eq!(rec.transitions()[0].cause, Cause::SlowCallRate);
}

#[test]
fn calls_just_under_the_duration_are_not_slow() {
    let clock = ManualClock::new();
    let b = breaker(slow_policy(25), &clock, NoObserver);
    for _ in 0..8 {
        call_taking(&b, &clock, 499);
    }
    assert_eq!(b.state(), State::Closed);
}

#[test]
fn a_slow_failure_counts_as_slow_and_as_failed() {
    let clock = ManualClock::new();
    let b = breaker(slow_policy(100).failure_threshold(511), &clock, NoObserver);
    for _ in 0..4 {
        let _ = b.call(|| {
            clock.advance(ms(600));
            Err::<(), _>("timeout")
        });
    }
    assert_eq!(b.state(), State::Open);
    assert_eq!(b.snapshot().failures_total, 4);
}

#[test]
fn a_manual_permit_reports_its_duration() {
    let clock = ManualClock::new();
    let b = breaker(slow_policy(50), &clock, NoObserver);
    for took in [100, 900, 100, 900] {
        b.try_acquire()
            .unwrap()
            .record_after(Outcome::Success, ms(took));
    }
    assert_eq!(b.state(), State::Open);
}

#[test]
fn the_clock_is_read_only_while_the_policy_is_on() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("db")
            .sliding_window(SlidingWindow::Calls(4), window::<4>())
            .failure_rate(50)
            .minimum_calls(4),
        &clock,
        NoObserver,
    );
    for _ in 0..5 {
        let _ = succeed(&b);
    }
    assert_eq!(clock.reads(), 0, "a count window with no slow-call policy");
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("db")
            .sliding_window(SlidingWindow::Calls(4), window::<4>())
            .slow_calls(ms(500), 50)
            .minimum_calls(4),
        &clock,
        NoObserver,
    );
    for _ in 0..5 {
        let _ = succeed(&b);
    }
    assert_eq!(clock.reads(), 10, "start and end of each call");
}

#[test]
fn a_clock_that_steps_back_during_a_call_makes_it_fast() {
    let clock = ManualClock::new();
    clock.advance(secs(100));
    let b = breaker(slow_policy(25), &clock, NoObserver);
    for _ in 0..4 {
        let _ = b.call(|| {
            clock.set(totem_core::Instant::from_ticks(0));
            Ok::<_, ()>(())
        });
        clock.advance(secs(100));
    }
    assert_eq!(b.state(), State::Closed);
}

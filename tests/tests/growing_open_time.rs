//! The growing open time: after the n-th consecutive reopen the breaker
//! stays OPEN `reset_timeout × factor^n`, capped at `max_reset_timeout`;
//! closing (or a manual command) brings it back to `reset_timeout`.
mod common;
use common::*;
use totem_core::{BreakerConfig, CircuitBreaker, ManualClock, NoObserver, State};

fn growing() -> BreakerConfig {
    BreakerConfig::new("db")
        .failure_threshold(1)
        .reset_timeout(secs(10))
        .reset_timeout_growth(2, secs(35))
}

/// Waits out the open time, checking it is `expected` to the millisecond,
/// and fails the probe (a reopen).
fn open_time_then_fail_probe(b: &CircuitBreaker<&ManualClock>, clock: &ManualClock, expected: u32) {
    assert_eq!(b.state(), State::Open);
    clock.advance(ms(expected - 1));
    assert_eq!(
        b.state(),
        State::Open,
        "open for {expected} ms, not {}",
        expected - 1
    );
    clock.advance(ms(1));
    assert_eq!(b.state(), State::HalfOpen);
    let _ = fail::<()>(b);
}

#[test]
fn each_failed_probe_doubles_the_open_time_up_to_the_cap() {
    let clock = ManualClock::new();
    let b = breaker(growing(), &clock, NoObserver);
    let _ = fail::<()>(&b);
    for expected in [10_000, 20_000, 35_000, 35_000, 35_000] {
        open_time_then_fail_probe(&b, &clock, expected);
    }
}

#[test]
fn the_rejection_says_how_long_the_grown_open_time_has_left() {
    let clock = ManualClock::new();
    let b = breaker(growing(), &clock, NoObserver);
    let _ = fail::<()>(&b);
    clock.advance(secs(10));
    let _ = fail::<()>(&b);
    clock.advance(secs(5));
    let err = b.try_acquire().unwrap_err();
    assert_eq!(
        err.retry_after,
        Some(secs(15)),
        "20 s after the first reopen"
    );
}

#[test]
fn a_half_open_timeout_is_a_reopen_too() {
    let clock = ManualClock::new();
    let b = breaker(growing().half_open_timeout(secs(1)), &clock, NoObserver);
    let _ = fail::<()>(&b);
    clock.advance(secs(10));
    let _hanging = b.try_acquire().unwrap();
    clock.advance(secs(1));
    assert_eq!(b.state(), State::Open);
    clock.advance(ms(19_999));
    assert_eq!(b.state(), State::Open, "20 s after the timeout reopened it");
    clock.advance(ms(1));
    assert_eq!(b.state(), State::HalfOpen);
}

#[test]
fn closing_brings_the_open_time_back_to_reset_timeout() {
    let clock = ManualClock::new();
    let b = breaker(growing(), &clock, NoObserver);
    let _ = fail::<()>(&b);
    open_time_then_fail_probe(&b, &clock, 10_000);
    clock.advance(secs(20));
    let _ = succeed(&b);
    assert_eq!(b.state(), State::Closed);
    let _ = fail::<()>(&b);
    open_time_then_fail_probe(&b, &clock, 10_000);
}

#[test]
fn a_manual_reset_brings_it_back_too() {
    let clock = ManualClock::new();
    let b = breaker(growing(), &clock, NoObserver);
    let _ = fail::<()>(&b);
    open_time_then_fail_probe(&b, &clock, 10_000);
    b.reset();
    let _ = fail::<()>(&b);
    open_time_then_fail_probe(&b, &clock, 10_000);
}

#[test]
fn without_growth_every_reopen_waits_reset_timeout() {
    let clock = ManualClock::new();
    let b = breaker(
        BreakerConfig::new("db")
            .failure_threshold(1)
            .reset_timeout(secs(10)),
        &clock,
        NoObserver,
    );
    let _ = fail::<()>(&b);
    for _ in 0..10 {
        open_time_then_fail_probe(&b, &clock, 10_000);
    }
}

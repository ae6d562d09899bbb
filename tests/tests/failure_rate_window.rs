//! The failure-rate policy over a sliding window: the window holds the last
//! N calls (or the last stretch of time), evicts what falls out of it,
//! leaves ignored outcomes out, judges only once it holds `minimum_calls`,
//! and opens at the threshold inclusive. A window configured on its own
//! only changes the success rate a snapshot reports.
mod common;
use common::*;
use totem_core::{BreakerConfig, Cause, ManualClock, NoObserver, SlidingWindow, State};

/// A count window of `n` calls in `B` buckets, failure rate `pct`,
/// `min` calls; the consecutive policy out of the way (threshold 511).
fn by_count<const B: usize>(n: u32, pct: u32, min: u32) -> BreakerConfig {
    BreakerConfig::new("db")
        .failure_threshold(511)
        .sliding_window(SlidingWindow::Calls(n), window::<B>())
        .failure_rate(pct)
        .minimum_calls(min)
}

fn outcomes(
    b: &totem_core::CircuitBreaker<impl totem_core::Clock, impl totem_core::Observer>,
    pattern: &str,
) {
    for c in pattern.chars() {
        match c {
            'F' => drop(fail::<()>(b)),
            'S' => drop(succeed(b)),
            'I' => b.try_acquire().unwrap().ignore(),
            _ => unreachable!(),
        }
    }
}

#[test]
fn the_threshold_is_inclusive() {
    let clock = ManualClock::new();
    let rec = Recorder::default();
    let b = breaker(by_count::<10>(10, 50, 10), &clock, &rec);
    outcomes(&b, "SFSFSFSFS");
    assert_eq!(b.state(), State::Closed, "9 calls: under minimum_calls");
    outcomes(&b, "F");
    assert_eq!(
        b.state(),
        State::Open,
        "5 of 10 failed: 50 %, the threshold"
    );
    let t = rec.transitions();
    assert_eq!(
        (t.len(), t[0].cause, t[0].consecutive_failures),
        (1, Cause::FailureRate, 1)
    );
}

#[test]
fn just_under_the_threshold_stays_closed() {
    let clock = ManualClock::new();
    let b = breaker(by_count::<10>(10, 50, 10), &clock, NoObserver);
    outcomes(&b, "SSFSFSFSFS");
    assert_eq!(b.state(), State::Closed, "4 of 10");
}

#[test]
fn a_success_that_reaches_minimum_calls_trips_a_window_already_over() {
    let clock = ManualClock::new();
    let b = breaker(by_count::<10>(10, 50, 4), &clock, NoObserver);
    outcomes(&b, "FFF");
    assert_eq!(b.state(), State::Closed, "3 calls");
    outcomes(&b, "S");
    assert_eq!(b.state(), State::Open, "3 of 4 failed");
}

#[test]
fn old_calls_are_evicted() {
    let clock = ManualClock::new();
    let b = breaker(by_count::<4>(4, 75, 4), &clock, NoObserver);
    // Three failures, then successes: the failures slide out one by one.
    outcomes(&b, "FFS");
    outcomes(&b, "SSSS");
    // The window is SSSS now; two failures make it SSFF (50 %), not the
    // 4 of 9 a window that never evicts would count.
    outcomes(&b, "FF");
    assert_eq!(b.state(), State::Closed);
    outcomes(&b, "F");
    assert_eq!(b.state(), State::Open, "S F F F: 75 %");
}

#[test]
fn ignored_outcomes_stay_out_of_the_window() {
    let clock = ManualClock::new();
    let b = breaker(by_count::<4>(4, 50, 4), &clock, NoObserver);
    outcomes(&b, "FSIIIIIIS");
    assert_eq!(b.state(), State::Closed);
    assert_eq!(b.snapshot().success_rate.unwrap().calls, 3);
    outcomes(&b, "F");
    assert_eq!(
        b.state(),
        State::Open,
        "F S S F: the ignored ones neither count nor evict"
    );
}

#[test]
fn a_window_coarser_than_one_call_per_bucket_evicts_whole_buckets() {
    // 8 calls in 4 buckets of 2: the window holds the last 7 or 8 calls.
    let clock = ManualClock::new();
    let b = breaker(by_count::<4>(8, 100, 2), &clock, NoObserver);
    outcomes(&b, "SSSSSSSS");
    assert_eq!(b.snapshot().success_rate.unwrap().calls, 8);
    // The ninth call starts a new bucket, evicting the oldest two.
    outcomes(&b, "S");
    assert_eq!(b.snapshot().success_rate.unwrap().calls, 7);
    outcomes(&b, "S");
    assert_eq!(b.snapshot().success_rate.unwrap().calls, 8);
}

#[test]
fn the_window_starts_afresh_when_the_breaker_closes() {
    let clock = ManualClock::new();
    let b = breaker(
        by_count::<4>(4, 50, 4).reset_timeout(secs(1)),
        &clock,
        NoObserver,
    );
    outcomes(&b, "SSFF");
    assert_eq!(b.state(), State::Open);
    clock.advance(secs(1));
    outcomes(&b, "S");
    assert_eq!(b.state(), State::Closed);
    assert_eq!(b.snapshot().success_rate, None, "an empty window");
    // Old failures no longer count: three failures of four would trip, two
    // of four after the close do, not one.
    outcomes(&b, "SSSF");
    assert_eq!(b.state(), State::Closed);
}

#[test]
fn reset_stats_empties_the_window_and_keeps_the_state() {
    let clock = ManualClock::new();
    let b = breaker(by_count::<4>(4, 50, 4), &clock, NoObserver);
    outcomes(&b, "SSF");
    b.reset_stats();
    assert_eq!(b.snapshot().success_rate, None);
    outcomes(&b, "FSSS");
    assert_eq!(
        b.state(),
        State::Closed,
        "one failure of four since the reset"
    );
}

#[test]
fn outcomes_while_not_closed_stay_out_of_the_window() {
    let clock = ManualClock::new();
    let b = breaker(by_count::<4>(4, 50, 4), &clock, NoObserver);
    let held = b.try_acquire().unwrap();
    b.force_open();
    held.failure();
    b.reset();
    assert_eq!(b.snapshot().success_rate, None);
}

#[test]
fn the_consecutive_policy_still_applies_beside_the_window() {
    let clock = ManualClock::new();
    let rec = Recorder::default();
    let b = breaker(
        by_count::<10>(10, 90, 10).failure_threshold(3),
        &clock,
        &rec,
    );
    outcomes(&b, "FFF");
    assert_eq!(rec.transitions()[0].cause, Cause::FailureThreshold);
}

#[test]
fn with_a_window_the_success_rate_is_the_windows() {
    let clock = ManualClock::new();
    let b = breaker(
        BreakerConfig::new("db").sliding_window(SlidingWindow::Calls(4), window::<4>()),
        &clock,
        NoObserver,
    );
    outcomes(&b, "FFFSSSS");
    let rate = b.snapshot().success_rate.unwrap();
    assert_eq!((rate.successes, rate.calls), (4, 4), "the last 4 calls");
    assert_eq!(b.snapshot().failures_total, 3, "totals are still totals");
    assert_eq!(
        b.state(),
        State::Closed,
        "no rate policy: a window alone never trips"
    );
}

/// A time window of 10 s in 10 buckets of 1 s.
fn by_time(pct: u32, min: u32) -> BreakerConfig {
    BreakerConfig::new("db")
        .failure_threshold(511)
        .sliding_window(SlidingWindow::Time(secs(10)), window::<10>())
        .failure_rate(pct)
        .minimum_calls(min)
}

#[test]
fn a_time_window_forgets_what_is_older_than_its_span() {
    let clock = ManualClock::new();
    let b = breaker(by_time(50, 4), &clock, NoObserver);
    outcomes(&b, "FFF");
    clock.advance(secs(10));
    // The failures' bucket (second 0) is out of the window at second 10.
    outcomes(&b, "SSSF");
    assert_eq!(b.state(), State::Closed, "1 of 4 in the window");
    assert_eq!(b.snapshot().success_rate.unwrap().calls, 4);
}

#[test]
fn a_time_window_keeps_its_whole_span_up_to_the_bucket_boundary() {
    let clock = ManualClock::new();
    let b = breaker(by_time(50, 4), &clock, NoObserver);
    outcomes(&b, "FF");
    // 9.999 s later the first bucket is still in (second 0 of 0..=9).
    clock.advance(ms(9_999));
    outcomes(&b, "S");
    assert_eq!(b.state(), State::Closed, "3 calls");
    outcomes(&b, "S");
    assert_eq!(b.state(), State::Open, "2 of 4, across the span");
}

#[test]
fn a_long_idle_spell_does_not_bring_old_buckets_back() {
    // Epochs 64 buckets apart share a bucket tag: only the epoch word tells
    // them apart.
    let clock = ManualClock::new();
    let b = breaker(by_time(50, 2), &clock, NoObserver);
    outcomes(&b, "F");
    clock.advance(secs(64));
    outcomes(&b, "S");
    assert_eq!(
        b.state(),
        State::Closed,
        "the failure from 64 s ago is gone"
    );
    assert_eq!(b.snapshot().success_rate.unwrap().calls, 1);
}

#[test]
fn a_clock_that_steps_back_restarts_the_window_it_lands_in() {
    let clock = ManualClock::new();
    clock.advance(secs(3_600));
    let b = breaker(by_time(50, 3), &clock, NoObserver);
    outcomes(&b, "FF");
    clock.set(totem_core::Instant::from_ticks(0));
    // An hour back: the old buckets are neither counted nor in the way.
    outcomes(&b, "SS");
    assert_eq!(b.snapshot().success_rate.unwrap().calls, 2);
    outcomes(&b, "S");
    assert_eq!(b.state(), State::Closed);
}

#[test]
fn a_time_window_reads_the_clock_once_per_outcome_and_a_count_window_never() {
    let clock = CountingClock::default();
    let b = breaker(by_count::<4>(4, 50, 4), &clock, NoObserver);
    outcomes(&b, "SSSSSS");
    assert_eq!(clock.reads(), 0);
    let clock = CountingClock::default();
    let b = breaker(by_time(50, 4), &clock, NoObserver);
    outcomes(&b, "SSSSSS");
    assert_eq!(clock.reads(), 6);
}

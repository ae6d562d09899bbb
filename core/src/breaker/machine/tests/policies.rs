//! The policies beyond consecutive failures, decision by decision: the
//! growing open time, the rate-decided half-open episode, the window's
//! verdicts.

use super::{seen, word, CFG, CLOSED, L};
use crate::breaker::machine::deadline::decide_deadline;
use crate::breaker::machine::limits::WindowLimits;
use crate::breaker::machine::*;
use crate::breaker::word::{Kind, Word};
use crate::clock::Duration;
use crate::config::BreakerConfig;
use crate::event::{Cause, State};
use crate::window::{Divisor, WindowCounts};

/// The growing open time: ×3 per consecutive reopen, capped at 5 s.
const GROWING: Limits = Limits::of(&CFG.reset_timeout_growth(3, Duration::from_ticks(5_000)));

#[test]
fn the_open_time_grows_per_reopen_and_stops_at_the_cap() {
    let ms = [0u8, 1, 2, 3].map(|n| GROWING.open_ms(n));
    assert_eq!(ms, [1_000, 3_000, 5_000, 5_000]);
    // No growth configured: every reopen waits reset_timeout.
    assert_eq!(L.open_ms(3), 1_000);
}

#[test]
fn an_open_breaker_waits_the_open_time_of_its_reopen_count() {
    let open = word(Kind::Open).with_reopens(1);
    // 2.999 s after opening: not yet (3 s for the first reopen) ...
    assert_eq!(
        decide_deadline(open, seen(0, 0, 2_999).unwrap(), &GROWING),
        None
    );
    assert_eq!(
        decide_acquire(open, seen(0, 0, 2_000), &GROWING),
        Decision::Done(Err((State::Open, Some(Duration::from_ticks(1_000)))))
    );
    // ... at 3 s, inclusive.
    let step = decide_deadline(open, seen(0, 0, 3_000).unwrap(), &GROWING).unwrap();
    assert_eq!(
        (step.to.kind(), step.cause, step.at),
        (Kind::HalfOpen, Some(Cause::ResetTimeout), 3_000)
    );
    assert_eq!(step.to.reopens(), 1, "half-open keeps the count");
}

#[test]
fn a_failed_probe_or_a_half_open_timeout_counts_a_reopen_and_closing_clears_it() {
    let probing = CLOSED
        .with_kind(Kind::Probing)
        .with_admitted(1)
        .with_reopens(2);
    let Decision::Step(step, ()) =
        decide_outcome(probing, seen(0, 0, 10), 0, Effect::Failure, &GROWING)
    else {
        panic!()
    };
    assert_eq!((step.to.kind(), step.to.reopens()), (Kind::Open, 3));
    let timeout = decide_deadline(probing, seen(0, 0, 500).unwrap(), &GROWING).unwrap();
    assert_eq!(
        (timeout.cause, timeout.to.reopens()),
        (Some(Cause::HalfOpenTimeout), 3)
    );
    let saturated = probing.with_reopens(3);
    assert_eq!(
        decide_deadline(saturated, seen(0, 0, 500).unwrap(), &GROWING)
            .unwrap()
            .to
            .reopens(),
        3
    );
    // Two successes close (permits 2), and the count goes back to zero.
    let one = probing.with_admitted(2).with_successes(1);
    let Decision::Step(step, ()) =
        decide_outcome(one, seen(0, 0, 10), 0, Effect::Success, &GROWING)
    else {
        panic!()
    };
    assert_eq!((step.to.kind(), step.to.reopens()), (Kind::Closed, 0));
}

#[test]
fn a_manual_command_restarts_the_growth() {
    let open = word(Kind::Open).with_reopens(4);
    for cmd in [Command::Reset, Command::ForceOpen, Command::Disable] {
        let Decision::Step(step, ()) = decide_command(open, seen(0, 0, 10), cmd, &GROWING) else {
            panic!("{cmd:?}")
        };
        assert_eq!(step.to.reopens(), 0, "{cmd:?}");
    }
}

/// A rate-decided episode of 4 probes that reopens at 50 % failed.
const BY_RATE: Limits = Limits::of(
    &BreakerConfig::new("t")
        .half_open_permits(4)
        .half_open_failure_rate(50),
);

fn probing(admitted: u8, successes: u8, failed: u8) -> Word {
    CLOSED
        .with_kind(Kind::Probing)
        .with_admitted(admitted)
        .with_successes(successes)
        .with_failed(failed)
}

#[test]
fn a_rate_decided_episode_waits_for_every_probe() {
    // A failed probe keeps its slot and reopens nothing yet.
    assert_eq!(
        decide_outcome(
            probing(4, 0, 0),
            seen(0, 0, 1),
            0,
            Effect::Failure,
            &BY_RATE
        ),
        Decision::Write(probing(4, 0, 0).with_failed(1).with_streak(1), ())
    );
    assert_eq!(
        decide_outcome(
            probing(4, 1, 1),
            seen(0, 0, 1),
            0,
            Effect::Success,
            &BY_RATE
        ),
        Decision::Write(probing(4, 2, 1), ())
    );
    // Slots are not freed by reports: a fifth probe is refused.
    assert_eq!(
        decide_acquire(probing(4, 2, 1), seen(0, 0, 1), &BY_RATE),
        Decision::Done(Err((State::HalfOpen, None)))
    );
}

#[test]
fn a_rate_decided_episode_reopens_at_the_rate_inclusive_and_closes_below_it() {
    // The fourth report: 2 of 4 failed is 50 %, the threshold: reopen.
    let Decision::Step(step, ()) = decide_outcome(
        probing(4, 2, 1),
        seen(0, 0, 1),
        0,
        Effect::Failure,
        &BY_RATE,
    ) else {
        panic!()
    };
    assert_eq!(
        (step.to.kind(), step.cause),
        (Kind::Open, Some(Cause::ProbeFailed))
    );
    assert_eq!(step.to.reopens(), 1);
    // 1 of 4 failed: close.
    let Decision::Step(step, ()) = decide_outcome(
        probing(4, 2, 1),
        seen(0, 0, 1),
        0,
        Effect::Success,
        &BY_RATE,
    ) else {
        panic!()
    };
    assert_eq!(
        (step.to.kind(), step.cause),
        (Kind::Closed, Some(Cause::ProbesSucceeded))
    );
    assert_eq!((step.to.streak(), step.to.reopens()), (0, 0));
}

#[test]
fn a_released_probe_frees_its_slot_in_a_rate_decided_episode() {
    assert_eq!(
        decide_outcome(
            probing(3, 1, 1),
            seen(0, 0, 1),
            0,
            Effect::Release,
            &BY_RATE
        ),
        Decision::Write(probing(2, 1, 1), ())
    );
}

#[test]
fn the_half_open_timeout_counts_only_probes_in_flight() {
    // Every admitted probe reported (two of four): nothing in flight, no
    // timeout however late.
    assert_eq!(
        decide_deadline(probing(2, 1, 1), seen(0, 0, 40_000).unwrap(), &BY_RATE),
        None
    );
    assert!(decide_deadline(probing(3, 1, 1), seen(0, 0, 30_000).unwrap(), &BY_RATE).is_some());
}

/// A window policy: 50 % failures or 80 % slow calls, over at least 4.
const RATES: WindowLimits = WindowLimits {
    buckets: Divisor::new(4),
    unit: Divisor::new(1),
    on: true,
    by_time: false,
    minimum_calls: 4,
    failure_rate: 50,
    slow_rate: 80,
    slow_ms: 100,
};

fn counts(calls: u32, failures: u32, timed: u32, slow: u32) -> WindowCounts {
    WindowCounts {
        calls,
        failures,
        timed,
        slow,
    }
}

#[test]
fn the_window_verdict_needs_the_minimum_calls_and_is_inclusive() {
    assert_eq!(
        window_verdict(counts(3, 3, 0, 0), &RATES),
        None,
        "under minimum_calls"
    );
    assert_eq!(
        window_verdict(counts(4, 2, 0, 0), &RATES),
        Some(Cause::FailureRate)
    );
    assert_eq!(window_verdict(counts(5, 2, 0, 0), &RATES), None, "40 %");
    assert_eq!(
        window_verdict(counts(5, 0, 5, 4), &RATES),
        Some(Cause::SlowCallRate)
    );
    assert_eq!(
        window_verdict(counts(5, 0, 5, 3), &RATES),
        None,
        "60 % slow"
    );
    assert_eq!(
        window_verdict(counts(5, 0, 3, 3), &RATES),
        None,
        "3 timed calls"
    );
    // Policies off: nothing trips.
    assert_eq!(window_verdict(counts(100, 100, 100, 100), &L.window), None);
}

#[test]
fn a_rate_trip_opens_only_the_closed_generation_it_judged() {
    let closed = word(Kind::Closed).with_gen(3).with_streak(1);
    assert_eq!(
        decide_rate_trip(closed, None, 3, Cause::FailureRate),
        Decision::NeedClock
    );
    let Decision::Step(step, ()) = decide_rate_trip(closed, seen(3, 0, 9), 3, Cause::FailureRate)
    else {
        panic!()
    };
    assert_eq!(
        (step.to.kind(), step.cause, step.at),
        (Kind::Open, Some(Cause::FailureRate), 9)
    );
    assert_eq!(step.to.streak(), 1, "the streak is kept for the event");
    assert_eq!(
        decide_rate_trip(closed, seen(3, 0, 9), 2, Cause::FailureRate),
        Decision::Done(())
    );
    let open = word(Kind::Open).with_gen(3);
    assert_eq!(
        decide_rate_trip(open, seen(3, 0, 9), 3, Cause::SlowCallRate),
        Decision::Done(())
    );
}

#[test]
fn slowness_is_inclusive_and_a_clock_step_back_is_fast() {
    assert!(is_slow(1_000, 1_100, 100));
    assert!(!is_slow(1_000, 1_099, 100));
    assert!(is_slow(u32::MAX - 50, 60, 100), "across the 32-bit wrap");
    assert!(!is_slow(1_000, 900, 100));
}

#[test]
fn a_count_window_judges_a_success_only_where_it_can_trip() {
    extern crate std;
    use std::vec::Vec;
    // 8 calls in 4 buckets of 2, minimum 5.
    let l = WindowLimits {
        buckets: Divisor::new(4),
        unit: Divisor::new(2),
        minimum_calls: 5,
        ..RATES
    };
    let judged: Vec<u32> = (0..16).filter(|&n| count_success_can_trip(n, &l)).collect();
    // n = 4: the fifth call reaches minimum_calls; from n = 8 on, every
    // bucket roll-over (8, 10, 12, 14) drops the window to 7 calls.
    assert_eq!(judged, [4, 8, 10, 12, 14]);
    // One call per bucket, minimum = the window: only the call that fills it.
    let exact = WindowLimits {
        buckets: Divisor::new(4),
        unit: Divisor::new(1),
        minimum_calls: 4,
        ..RATES
    };
    let judged: Vec<u32> = (0..12)
        .filter(|&n| count_success_can_trip(n, &exact))
        .collect();
    assert_eq!(judged, [3]);
    // Minimum 8 with buckets of 2: after a roll-over the window holds 7,
    // then 8 again at every second call.
    let full = WindowLimits {
        minimum_calls: 8,
        ..l
    };
    let judged: Vec<u32> = (0..14)
        .filter(|&n| count_success_can_trip(n, &full))
        .collect();
    assert_eq!(judged, [7, 8, 9, 10, 11, 12, 13]);
}

/// `L` with a sliding window: its CLOSED word stays on the slow path.
const WINDOWED: Limits = Limits {
    window: WindowLimits {
        on: true,
        ..L.window
    },
    ..L
};

#[test]
fn a_breaker_without_a_window_leaves_the_slow_path_at_its_first_acquire() {
    // Every breaker starts on the slow path's CLOSED (the zero word).
    assert_eq!(Word::INITIAL.kind(), Kind::ClosedSlow);
    assert_eq!(Word::INITIAL.bits(), 0);
    // Without a window, the first acquire moves it to the fast path: the
    // same generation, nothing else changed, no transition.
    assert_eq!(
        decide_acquire(Word::INITIAL, None, &L),
        Decision::Write(CLOSED, Ok(0))
    );
    assert_eq!(CLOSED.bits() & 0b111, 6);
    // With a window, it stays there: every call feeds the window.
    assert_eq!(
        decide_acquire(Word::INITIAL, None, &WINDOWED),
        Decision::Done(Ok(0))
    );
    // Both are CLOSED to everything else.
    assert_eq!(public_state(Kind::ClosedSlow), State::Closed);
    assert!(Kind::ClosedSlow.is_closed() && Kind::Closed.is_closed());
    let failure = decide_outcome(Word::INITIAL, None, 0, Effect::Failure, &WINDOWED);
    assert_eq!(failure, Decision::Write(Word::INITIAL.with_streak(1), ()));
}

#[test]
fn every_way_back_to_closed_takes_the_path_of_the_breaker() {
    for (limits, kind) in [(&L, Kind::Closed), (&WINDOWED, Kind::ClosedSlow)] {
        assert_eq!(limits.closed_kind(), kind);
        // reset() from OPEN.
        let Decision::Step(step, ()) =
            decide_command(word(Kind::Open), seen(0, 0, 7), Command::Reset, limits)
        else {
            panic!("reset from OPEN is a transition")
        };
        assert_eq!(step.to.kind(), kind);
        // A half-open episode that succeeded.
        let probing = CLOSED
            .with_kind(Kind::Probing)
            .with_admitted(2)
            .with_successes(1);
        let Decision::Step(step, ()) =
            decide_outcome(probing, seen(0, 0, 10), 0, Effect::Success, limits)
        else {
            panic!("the last probe's success closes")
        };
        assert_eq!(
            (step.to.kind(), step.cause),
            (kind, Some(Cause::ProbesSucceeded))
        );
    }
    // reset() of a CLOSED breaker on the other path moves it, with no
    // transition (the same generation).
    assert_eq!(
        decide_command(Word::INITIAL, None, Command::Reset, &L),
        Decision::Write(CLOSED, ())
    );
    assert_eq!(
        decide_command(CLOSED, None, Command::Reset, &WINDOWED),
        Decision::Write(Word::INITIAL, ())
    );
    assert_eq!(
        decide_command(Word::INITIAL, None, Command::Reset, &WINDOWED),
        Decision::Done(())
    );
}

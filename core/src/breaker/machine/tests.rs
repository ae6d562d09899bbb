//! The pure decisions, tested directly: each rule of the behaviour contract
//! as one decision on one word.

use super::*;
use crate::breaker::word::{Kind, Stamp, Word};
use crate::clock::Duration;
use crate::event::{Cause, State};

const CFG: BreakerConfig = BreakerConfig::new("t")
    .failure_threshold(3)
    .reset_timeout(Duration::from_ticks(1_000))
    .half_open_timeout(Duration::from_ticks(500))
    .half_open_permits(2);
const L: Limits = Limits::of(&CFG);

fn word(kind: Kind) -> Word {
    Word {
        kind,
        ..Word::INITIAL
    }
}

fn seen(gen: u8, stamp_ms: u32, now: u32) -> Option<Seen> {
    Some(Seen {
        stamp: Stamp::new(gen, stamp_ms),
        now,
    })
}

#[test]
fn closed_admits_without_clock() {
    assert_eq!(
        decide_acquire(word(Kind::Closed), None, &L),
        Decision::Done(Ok(0))
    );
}

#[test]
fn open_needs_clock_then_rejects_with_time_left() {
    let w = word(Kind::Open);
    assert_eq!(decide_acquire(w, None, &L), Decision::NeedClock);
    assert_eq!(
        decide_acquire(w, seen(0, 100, 400), &L),
        Decision::Done(Err((State::Open, Some(Duration::from_ticks(700)))))
    );
}

#[test]
fn open_half_opens_at_the_deadline_with_logical_time() {
    let w = word(Kind::Open);
    match decide_acquire(w, seen(0, 100, 5_000), &L) {
        Decision::Advance(step) => {
            assert_eq!(step.to.kind, Kind::HalfOpen);
            assert_eq!(step.to.gen, w.gen);
            assert_eq!(step.at, 1_100);
            assert_eq!(step.cause, Some(Cause::ResetTimeout));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unpublished_stamp_is_not_a_passed_deadline() {
    let w = word(Kind::Open);
    assert_eq!(
        decide_acquire(w, seen(7, 0, 1 << 20), &L),
        Decision::Done(Err((State::Open, Some(Duration::from_ticks(1_000)))))
    );
}

#[test]
fn a_clock_reading_older_than_the_stamp_reads_as_a_step_back() {
    // Why the driver reads the clock only after loading the stamp: a
    // reading 1 ms older than the opening is indistinguishable from a
    // clock that stepped back, and that counts as passed.
    let w = word(Kind::Open);
    assert!(matches!(
        decide_acquire(w, seen(0, 60_001, 60_000), &L),
        Decision::Advance(_)
    ));
}

#[test]
fn first_probe_reads_the_clock_bumps_generation_and_cap_is_exact() {
    let w = word(Kind::HalfOpen);
    assert_eq!(decide_acquire(w, None, &L), Decision::NeedClock);
    let Decision::Step(step, Ok(1)) = decide_acquire(w, seen(0, 0, 1_200), &L) else {
        panic!()
    };
    let p1 = step.to;
    assert_eq!((p1.kind, p1.gen, p1.admitted), (Kind::Probing, 1, 1));
    assert_eq!((step.cause, step.at), (None, 1_200));
    let Decision::Write(p2, Ok(1)) = decide_acquire(p1, seen(1, 1_200, 1_210), &L) else {
        panic!()
    };
    assert_eq!(p2.admitted, 2);
    assert_eq!(
        decide_acquire(p2, seen(1, 1_200, 1_210), &L),
        Decision::Done(Err((State::HalfOpen, None)))
    );
}

#[test]
fn a_probe_admitted_with_none_in_flight_restarts_the_timer() {
    let w = Word {
        kind: Kind::Probing,
        gen: 4,
        admitted: 1,
        successes: 1,
        ..Word::INITIAL
    };
    let Decision::Step(step, Ok(5)) = decide_acquire(w, seen(4, 0, 900), &L) else {
        panic!()
    };
    assert_eq!((step.to.admitted, step.to.gen, step.at), (2, 5, 900));
}

#[test]
fn probing_times_out_only_with_probes_outstanding() {
    let w = Word {
        kind: Kind::Probing,
        admitted: 1,
        ..Word::INITIAL
    };
    let at = |now| Seen {
        stamp: Stamp::new(0, 0),
        now,
    };
    assert!(decide_deadline(w, at(499), &L).is_none());
    let step = decide_deadline(w, at(600), &L).unwrap();
    assert_eq!((step.to.kind, step.at), (Kind::Open, 500));
    let resolved = Word { successes: 1, ..w };
    assert!(decide_deadline(resolved, at(600), &L).is_none());
}

#[test]
fn threshold_failure_reads_the_clock_trips_and_keeps_streak() {
    let w = Word {
        streak: 2,
        ..Word::INITIAL
    };
    assert_eq!(
        decide_outcome(w, None, 0, Effect::Failure, &L),
        Decision::NeedClock
    );
    match decide_outcome(w, seen(0, 0, 42), 0, Effect::Failure, &L) {
        Decision::Step(step, ()) => {
            assert_eq!(
                (step.to.kind, step.to.streak, step.to.gen),
                (Kind::Open, 3, 1)
            );
            assert_eq!((step.cause, step.at), (Some(Cause::FailureThreshold), 42));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn closed_outcomes_below_the_threshold_read_no_clock() {
    assert_eq!(
        decide_outcome(Word::INITIAL, None, 0, Effect::Success, &L),
        Decision::Done(())
    );
    assert_eq!(
        decide_outcome(Word::INITIAL, None, 0, Effect::Failure, &L),
        Decision::Write(
            Word {
                streak: 1,
                ..Word::INITIAL
            },
            ()
        )
    );
}

#[test]
fn stale_generation_drives_nothing() {
    assert_eq!(
        decide_outcome(Word::INITIAL, None, 9, Effect::Failure, &L),
        Decision::Done(())
    );
}

#[test]
fn disabled_counts_streak_but_never_trips() {
    let w = Word {
        kind: Kind::Disabled,
        streak: 10,
        ..Word::INITIAL
    };
    assert_eq!(
        decide_outcome(w, None, 0, Effect::Failure, &L),
        Decision::Write(Word { streak: 11, ..w }, ())
    );
}

#[test]
fn probe_outcomes() {
    let w = Word {
        kind: Kind::Probing,
        admitted: 2,
        successes: 1,
        streak: 4,
        ..Word::INITIAL
    };
    let s = seen(0, 0, 10);
    match decide_outcome(w, s, 0, Effect::Success, &L) {
        Decision::Step(step, ()) => {
            assert_eq!((step.to.kind, step.to.streak), (Kind::Closed, 0))
        }
        other => panic!("{other:?}"),
    }
    match decide_outcome(w, s, 0, Effect::Failure, &L) {
        Decision::Step(step, ()) => {
            assert_eq!((step.to.kind, step.to.streak), (Kind::Open, 5))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        decide_outcome(w, s, 0, Effect::Release, &L),
        Decision::Write(Word { admitted: 1, ..w }, ())
    );
    assert_eq!(
        decide_outcome(w, None, 0, Effect::Release, &L),
        Decision::NeedClock
    );
}

#[test]
fn a_wrapped_result_with_no_probe_in_flight_drives_nothing() {
    // A permit from exactly GENERATIONS generations back carries the
    // current generation: with nothing in flight it cannot be a probe.
    let idle = Word {
        kind: Kind::Probing,
        admitted: 1,
        successes: 1,
        ..Word::INITIAL
    };
    for effect in [Effect::Success, Effect::Failure, Effect::Release] {
        assert_eq!(
            decide_outcome(idle, seen(0, 0, 10), 0, effect, &L),
            Decision::Done(())
        );
    }
    for kind in [Kind::Open, Kind::HalfOpen, Kind::ForcedOpen] {
        assert_eq!(
            decide_outcome(word(kind), seen(0, 0, 10), 0, Effect::Success, &L),
            Decision::Done(())
        );
    }
}

#[test]
fn no_outcome_sequence_breaks_the_word_invariants() {
    // Every outcome, current or wrapped, on every reachable probing
    // word: successes never pass admitted, nothing underflows.
    for admitted in 0..=L.permits as u8 {
        for successes in 0..=admitted {
            let w = Word {
                kind: Kind::Probing,
                admitted,
                successes,
                ..Word::INITIAL
            };
            for effect in [Effect::Success, Effect::Failure, Effect::Release] {
                let to = match decide_outcome(w, seen(0, 0, 10), 0, effect, &L) {
                    Decision::Write(to, ()) => to,
                    Decision::Step(step, ()) => step.to,
                    _ => continue,
                };
                assert!(to.successes <= to.admitted, "{w:?} {effect:?} -> {to:?}");
                assert!(to.admitted <= w.admitted.max(1));
            }
        }
    }
}

#[test]
fn late_probe_result_reopens_first() {
    let w = Word {
        kind: Kind::Probing,
        admitted: 1,
        ..Word::INITIAL
    };
    match decide_outcome(w, seen(0, 0, 501), 0, Effect::Success, &L) {
        Decision::Advance(step) => assert_eq!(step.to.kind, Kind::Open),
        other => panic!("{other:?}"),
    }
}

#[test]
fn commands() {
    let open = Word {
        kind: Kind::Open,
        streak: 5,
        ..Word::INITIAL
    };
    assert_eq!(
        decide_command(open, None, Command::Reset, &L),
        Decision::NeedClock
    );
    let Decision::Step(step, ()) = decide_command(open, seen(0, 0, 7), Command::Reset, &L) else {
        panic!()
    };
    assert_eq!(
        (
            step.to.kind,
            step.to.streak,
            step.to.gen,
            step.cause,
            step.at
        ),
        (Kind::Closed, 0, 1, Some(Cause::Reset), 7)
    );
    let closed = Word {
        streak: 2,
        ..Word::INITIAL
    };
    assert_eq!(
        decide_command(closed, None, Command::Reset, &L),
        Decision::Write(Word::INITIAL, ())
    );
    assert_eq!(
        decide_command(Word::INITIAL, None, Command::Reset, &L),
        Decision::Done(())
    );
    let forced = word(Kind::ForcedOpen);
    assert_eq!(
        decide_command(forced, None, Command::ForceOpen, &L),
        Decision::Done(())
    );
    // A due deadline is made first, at its own time.
    match decide_command(open, seen(0, 0, 5_000), Command::ForceOpen, &L) {
        Decision::Advance(step) => assert_eq!((step.to.kind, step.at), (Kind::HalfOpen, 1_000)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn reset_stats_clears_the_streak_in_every_state_and_changes_nothing_else() {
    for kind in [
        Kind::Closed,
        Kind::Open,
        Kind::HalfOpen,
        Kind::Probing,
        Kind::ForcedOpen,
        Kind::Disabled,
    ] {
        let w = Word {
            kind,
            streak: 7,
            gen: 5,
            admitted: 1,
            successes: 1,
            ..Word::INITIAL
        };
        assert_eq!(
            decide_reset_stats(w),
            Decision::Write(Word { streak: 0, ..w }, ()),
            "{kind:?}"
        );
        assert_eq!(
            decide_reset_stats(Word { streak: 0, ..w }),
            Decision::Done(())
        );
    }
}

#[cfg(feature = "policies")]
/// The growing open time: ×3 per consecutive reopen, capped at 5 s.
const GROWING: Limits = Limits::of(&CFG.reset_timeout_growth(3, Duration::from_ticks(5_000)));

#[cfg(feature = "policies")]
#[test]
fn the_open_time_grows_per_reopen_and_stops_at_the_cap() {
    let ms = [0u8, 1, 2, 3].map(|n| GROWING.open_ms(n));
    assert_eq!(ms, [1_000, 3_000, 5_000, 5_000]);
    // No growth configured: every reopen waits reset_timeout.
    assert_eq!(L.open_ms(3), 1_000);
}

#[cfg(feature = "policies")]
#[test]
fn an_open_breaker_waits_the_open_time_of_its_reopen_count() {
    let open = Word {
        reopens: 1,
        ..word(Kind::Open)
    };
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
        (step.to.kind, step.cause, step.at),
        (Kind::HalfOpen, Some(Cause::ResetTimeout), 3_000)
    );
    assert_eq!(step.to.reopens, 1, "half-open keeps the count");
}

#[cfg(feature = "policies")]
#[test]
fn a_failed_probe_or_a_half_open_timeout_counts_a_reopen_and_closing_clears_it() {
    let probing = Word {
        kind: Kind::Probing,
        admitted: 1,
        reopens: 2,
        ..Word::INITIAL
    };
    let Decision::Step(step, ()) =
        decide_outcome(probing, seen(0, 0, 10), 0, Effect::Failure, &GROWING)
    else {
        panic!()
    };
    assert_eq!((step.to.kind, step.to.reopens), (Kind::Open, 3));
    let timeout = decide_deadline(probing, seen(0, 0, 500).unwrap(), &GROWING).unwrap();
    assert_eq!(
        (timeout.cause, timeout.to.reopens),
        (Some(Cause::HalfOpenTimeout), 3)
    );
    let saturated = Word {
        reopens: 3,
        ..probing
    };
    assert_eq!(
        decide_deadline(saturated, seen(0, 0, 500).unwrap(), &GROWING)
            .unwrap()
            .to
            .reopens,
        3
    );
    // Two successes close (permits 2), and the count goes back to zero.
    let one = Word {
        admitted: 2,
        successes: 1,
        ..probing
    };
    let Decision::Step(step, ()) =
        decide_outcome(one, seen(0, 0, 10), 0, Effect::Success, &GROWING)
    else {
        panic!()
    };
    assert_eq!((step.to.kind, step.to.reopens), (Kind::Closed, 0));
}

#[cfg(feature = "policies")]
#[test]
fn a_manual_command_restarts_the_growth() {
    let open = Word {
        reopens: 4,
        ..word(Kind::Open)
    };
    for cmd in [Command::Reset, Command::ForceOpen, Command::Disable] {
        let Decision::Step(step, ()) = decide_command(open, seen(0, 0, 10), cmd, &GROWING) else {
            panic!("{cmd:?}")
        };
        assert_eq!(step.to.reopens, 0, "{cmd:?}");
    }
}

#[cfg(feature = "policies")]
/// A rate-decided episode of 4 probes that reopens at 50 % failed.
const BY_RATE: Limits = Limits::of(
    &BreakerConfig::new("t")
        .half_open_permits(4)
        .half_open_failure_rate(50),
);

#[cfg(feature = "policies")]
fn probing(admitted: u8, successes: u8, failed: u8) -> Word {
    Word {
        kind: Kind::Probing,
        admitted,
        successes,
        failed,
        ..Word::INITIAL
    }
}

#[cfg(feature = "policies")]
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
        Decision::Write(
            Word {
                failed: 1,
                streak: 1,
                ..probing(4, 0, 0)
            },
            ()
        )
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

#[cfg(feature = "policies")]
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
        (step.to.kind, step.cause),
        (Kind::Open, Some(Cause::ProbeFailed))
    );
    assert_eq!(step.to.reopens, 1);
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
        (step.to.kind, step.cause),
        (Kind::Closed, Some(Cause::ProbesSucceeded))
    );
    assert_eq!((step.to.streak, step.to.reopens), (0, 0));
}

#[cfg(feature = "policies")]
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

#[cfg(feature = "policies")]
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
#[cfg(feature = "policies")]
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

#[cfg(feature = "policies")]
fn counts(calls: u32, failures: u32, timed: u32, slow: u32) -> WindowCounts {
    WindowCounts {
        calls,
        failures,
        timed,
        slow,
    }
}

#[cfg(feature = "policies")]
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

#[cfg(feature = "policies")]
#[test]
fn a_rate_trip_opens_only_the_closed_generation_it_judged() {
    let closed = Word {
        gen: 3,
        streak: 1,
        ..word(Kind::Closed)
    };
    assert_eq!(
        decide_rate_trip(closed, None, 3, Cause::FailureRate),
        Decision::NeedClock
    );
    let Decision::Step(step, ()) = decide_rate_trip(closed, seen(3, 0, 9), 3, Cause::FailureRate)
    else {
        panic!()
    };
    assert_eq!(
        (step.to.kind, step.cause, step.at),
        (Kind::Open, Some(Cause::FailureRate), 9)
    );
    assert_eq!(step.to.streak, 1, "the streak is kept for the event");
    assert_eq!(
        decide_rate_trip(closed, seen(3, 0, 9), 2, Cause::FailureRate),
        Decision::Done(())
    );
    let open = Word {
        gen: 3,
        ..word(Kind::Open)
    };
    assert_eq!(
        decide_rate_trip(open, seen(3, 0, 9), 3, Cause::SlowCallRate),
        Decision::Done(())
    );
}

#[cfg(feature = "policies")]
#[test]
fn slowness_is_inclusive_and_a_clock_step_back_is_fast() {
    assert!(is_slow(1_000, 1_100, 100));
    assert!(!is_slow(1_000, 1_099, 100));
    assert!(is_slow(u32::MAX - 50, 60, 100), "across the 32-bit wrap");
    assert!(!is_slow(1_000, 900, 100));
}

#[cfg(feature = "policies")]
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

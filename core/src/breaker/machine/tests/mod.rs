//! The pure decisions, tested directly: each rule of the behaviour contract
//! as one decision on one word.

use super::deadline::decide_deadline;
use super::*;
use crate::breaker::word::{Kind, Stamp, Word};
use crate::clock::Duration;
use crate::config::BreakerConfig;
use crate::event::{Cause, State};

#[cfg(feature = "policies")]
mod policies;

pub(super) const CFG: BreakerConfig = BreakerConfig::new("t")
    .failure_threshold(3)
    .reset_timeout(Duration::from_ticks(1_000))
    .half_open_timeout(Duration::from_ticks(500))
    .half_open_permits(2);
pub(super) const L: Limits = Limits::of(&CFG);

/// A CLOSED word of a breaker without a window (on the fast path; with
/// the `policies` feature the zero word is the slow path's CLOSED, which the
/// first acquire moves here).
pub(super) const CLOSED: Word = Word::INITIAL.with_kind(Kind::Closed);

pub(super) fn word(kind: Kind) -> Word {
    CLOSED.with_kind(kind)
}

pub(super) fn seen(gen: u8, stamp_ms: u32, now: u32) -> Option<Seen> {
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
            assert_eq!(step.to.kind(), Kind::HalfOpen);
            assert_eq!(step.to.gen(), w.gen());
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
    assert_eq!((p1.kind(), p1.gen(), p1.admitted()), (Kind::Probing, 1, 1));
    assert_eq!((step.cause, step.at), (None, 1_200));
    let Decision::Write(p2, Ok(1)) = decide_acquire(p1, seen(1, 1_200, 1_210), &L) else {
        panic!()
    };
    assert_eq!(p2.admitted(), 2);
    assert_eq!(
        decide_acquire(p2, seen(1, 1_200, 1_210), &L),
        Decision::Done(Err((State::HalfOpen, None)))
    );
}

#[test]
fn a_probe_admitted_with_none_in_flight_restarts_the_timer() {
    let w = CLOSED
        .with_kind(Kind::Probing)
        .with_gen(4)
        .with_admitted(1)
        .with_successes(1);
    let Decision::Step(step, Ok(5)) = decide_acquire(w, seen(4, 0, 900), &L) else {
        panic!()
    };
    assert_eq!((step.to.admitted(), step.to.gen(), step.at), (2, 5, 900));
}

#[test]
fn probing_times_out_only_with_probes_outstanding() {
    let w = CLOSED.with_kind(Kind::Probing).with_admitted(1);
    let at = |now| Seen {
        stamp: Stamp::new(0, 0),
        now,
    };
    assert!(decide_deadline(w, at(499), &L).is_none());
    let step = decide_deadline(w, at(600), &L).unwrap();
    assert_eq!((step.to.kind(), step.at), (Kind::Open, 500));
    let resolved = w.with_successes(1);
    assert!(decide_deadline(resolved, at(600), &L).is_none());
}

#[test]
fn threshold_failure_reads_the_clock_trips_and_keeps_streak() {
    let w = CLOSED.with_streak(2);
    assert_eq!(
        decide_outcome(w, None, 0, Effect::Failure, &L),
        Decision::NeedClock
    );
    match decide_outcome(w, seen(0, 0, 42), 0, Effect::Failure, &L) {
        Decision::Step(step, ()) => {
            assert_eq!(
                (step.to.kind(), step.to.streak(), step.to.gen()),
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
        decide_outcome(CLOSED, None, 0, Effect::Success, &L),
        Decision::Done(())
    );
    assert_eq!(
        decide_outcome(CLOSED, None, 0, Effect::Failure, &L),
        Decision::Write(CLOSED.with_streak(1), ())
    );
}

#[test]
fn stale_generation_drives_nothing() {
    assert_eq!(
        decide_outcome(CLOSED, None, 9, Effect::Failure, &L),
        Decision::Done(())
    );
}

#[test]
fn disabled_counts_streak_but_never_trips() {
    let w = CLOSED.with_kind(Kind::Disabled).with_streak(10);
    assert_eq!(
        decide_outcome(w, None, 0, Effect::Failure, &L),
        Decision::Write(w.with_streak(11), ())
    );
}

#[test]
fn probe_outcomes() {
    let w = CLOSED
        .with_kind(Kind::Probing)
        .with_admitted(2)
        .with_successes(1)
        .with_streak(4);
    let s = seen(0, 0, 10);
    match decide_outcome(w, s, 0, Effect::Success, &L) {
        Decision::Step(step, ()) => {
            assert_eq!((step.to.kind(), step.to.streak()), (Kind::Closed, 0))
        }
        other => panic!("{other:?}"),
    }
    match decide_outcome(w, s, 0, Effect::Failure, &L) {
        Decision::Step(step, ()) => {
            assert_eq!((step.to.kind(), step.to.streak()), (Kind::Open, 5))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        decide_outcome(w, s, 0, Effect::Release, &L),
        Decision::Write(w.with_admitted(1), ())
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
    let idle = CLOSED
        .with_kind(Kind::Probing)
        .with_admitted(1)
        .with_successes(1);
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
            let w = CLOSED
                .with_kind(Kind::Probing)
                .with_admitted(admitted)
                .with_successes(successes);
            for effect in [Effect::Success, Effect::Failure, Effect::Release] {
                let to = match decide_outcome(w, seen(0, 0, 10), 0, effect, &L) {
                    Decision::Write(to, ()) => to,
                    Decision::Step(step, ()) => step.to,
                    _ => continue,
                };
                assert!(
                    to.successes() <= to.admitted(),
                    "{w:?} {effect:?} -> {to:?}"
                );
                assert!(to.admitted() <= w.admitted().max(1));
            }
        }
    }
}

#[test]
fn late_probe_result_reopens_first() {
    let w = CLOSED.with_kind(Kind::Probing).with_admitted(1);
    match decide_outcome(w, seen(0, 0, 501), 0, Effect::Success, &L) {
        Decision::Advance(step) => assert_eq!(step.to.kind(), Kind::Open),
        other => panic!("{other:?}"),
    }
}

#[test]
fn commands() {
    let open = CLOSED.with_kind(Kind::Open).with_streak(5);
    assert_eq!(
        decide_command(open, None, Command::Reset, &L),
        Decision::NeedClock
    );
    let Decision::Step(step, ()) = decide_command(open, seen(0, 0, 7), Command::Reset, &L) else {
        panic!()
    };
    assert_eq!(
        (
            step.to.kind(),
            step.to.streak(),
            step.to.gen(),
            step.cause,
            step.at
        ),
        (Kind::Closed, 0, 1, Some(Cause::Reset), 7)
    );
    let closed = CLOSED.with_streak(2);
    assert_eq!(
        decide_command(closed, None, Command::Reset, &L),
        Decision::Write(CLOSED, ())
    );
    assert_eq!(
        decide_command(CLOSED, None, Command::Reset, &L),
        Decision::Done(())
    );
    let forced = word(Kind::ForcedOpen);
    assert_eq!(
        decide_command(forced, None, Command::ForceOpen, &L),
        Decision::Done(())
    );
    // A due deadline is made first, at its own time.
    match decide_command(open, seen(0, 0, 5_000), Command::ForceOpen, &L) {
        Decision::Advance(step) => assert_eq!((step.to.kind(), step.at), (Kind::HalfOpen, 1_000)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn reset_stats_clears_the_streak_in_every_state_and_changes_nothing_else() {
    for kind in Kind::EVERY_BUILD {
        let w = CLOSED
            .with_kind(kind)
            .with_streak(7)
            .with_gen(5)
            .with_admitted(1)
            .with_successes(1);
        assert_eq!(
            decide_reset_stats(w),
            Decision::Write(w.with_streak(0), ()),
            "{kind:?}"
        );
        assert_eq!(decide_reset_stats(w.with_streak(0)), Decision::Done(()));
    }
}

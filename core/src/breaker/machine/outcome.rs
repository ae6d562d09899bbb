//! What a permit's result does to the word: the streak in CLOSED, the
//! probes of a half-open episode (by count, or by rate).

use super::super::word::{Kind, Word};
use super::deadline::{deadline_first, reopened};
use super::decision::{Decision, Effect, Seen, Step};
use super::limits::Limits;
#[cfg(feature = "policies")]
use super::window::rate_reached;
use crate::event::Cause;

/// Whether a success of a permit of generation `gen` changes nothing in the
/// word `bits` for the plain reason (CLOSED, current, no streak to clear),
/// read without decoding it: the closed path's test. When it says `true`,
/// [`decide_outcome`] says `Done`; otherwise it decides.
#[inline(always)]
pub(crate) const fn success_is_quiet(bits: u32, gen: u8) -> bool {
    Word::closed_calm(bits, gen)
}

/// The decision for an outcome of a permit admitted in generation `gen`.
///
/// Whatever a permit reports, the word's invariants hold: `successes` never
/// passes `admitted`, no field underflows. A probing word with no probe in
/// flight has no current permit, so a result that finds one is a stale
/// permit whose generation wrapped round, and it drives nothing.
// Inlined whole on std-class CPUs, where the outcome path is measured in
// nanoseconds and an out-of-line call costs half of it; only hinted on MCUs,
// where a copy at each call site costs flash.
#[cfg_attr(totem_speed, inline(always))]
#[cfg_attr(not(totem_speed), inline)]
pub(crate) const fn decide_outcome(
    w: Word,
    seen: Option<Seen>,
    gen: u8,
    effect: Effect,
    l: &Limits,
) -> Decision<()> {
    if w.gen() != gen {
        return Decision::Done(());
    }
    match w.kind() {
        Kind::Closed | Kind::Disabled => decide_closed(w, seen, effect, l),
        #[cfg(feature = "policies")]
        Kind::ClosedSlow => decide_closed(w, seen, effect, l),
        Kind::Probing => {
            if w.in_flight() == 0 {
                return Decision::Done(());
            }
            // A result that arrives after half_open_timeout expired is late:
            // the breaker reopened at the expiry, whoever notices it.
            let seen = match deadline_first(w, seen, l) {
                Ok(seen) => seen,
                Err(first) => return first,
            };
            #[cfg(feature = "policies")]
            if l.half_open_rate > 0 {
                return decide_probe_by_rate(w, seen, effect, l);
            }
            match effect {
                Effect::Release => Decision::Write(w.with_admitted(w.admitted() - 1), ()),
                Effect::Success if (w.successes() as u32) + 1 < l.to_close => {
                    Decision::Write(w.with_successes(w.successes() + 1).with_streak(0), ())
                }
                Effect::Success => close(w.with_streak(0), seen.now, l),
                Effect::Failure => reopen(w.with_streak(w.streak_plus_one()), seen.now),
            }
        }
        // No permit is ever admitted in these generations (OPEN and
        // HALF_OPEN-before-the-first-probe admit nothing; FORCED_OPEN rejects
        // everything), so a matching generation is a wrapped stale permit.
        Kind::Open | Kind::HalfOpen | Kind::ForcedOpen => Decision::Done(()),
    }
}

/// An outcome in CLOSED (either path) or DISABLED: the streak, and the trip
/// at the threshold (never while disabled).
#[inline(always)]
const fn decide_closed(w: Word, seen: Option<Seen>, effect: Effect, l: &Limits) -> Decision<()> {
    match effect {
        Effect::Release => Decision::Done(()),
        Effect::Success if w.streak() == 0 => Decision::Done(()),
        Effect::Success => Decision::Write(w.with_streak(0), ()),
        Effect::Failure => {
            let streak = w.streak_plus_one();
            if !w.kind().is_closed() || (streak as u32) < l.threshold {
                return Decision::Write(w.with_streak(streak), ());
            }
            let Some(seen) = seen else {
                return Decision::NeedClock;
            };
            let mut to = w.next(Kind::Open);
            to = to.with_streak(streak);
            Decision::Step(
                Step {
                    to,
                    cause: Some(Cause::FailureThreshold),
                    at: seen.now,
                },
                (),
            )
        }
    }
}

/// A probe's result in a rate-decided episode: count it, and once every
/// permitted probe has reported, reopen if the failed share reached the
/// rate, close otherwise.
#[inline]
#[cfg(feature = "policies")]
pub(super) const fn decide_probe_by_rate(
    w: Word,
    seen: Seen,
    effect: Effect,
    l: &Limits,
) -> Decision<()> {
    let w = match effect {
        Effect::Release => return Decision::Write(w.with_admitted(w.admitted() - 1), ()),
        Effect::Success => w.with_successes(w.successes() + 1).with_streak(0),
        Effect::Failure => w
            .with_failed(w.failed() + 1)
            .with_streak(w.streak_plus_one()),
    };
    let reported = (w.successes() + w.failed()) as u32;
    if reported < l.permits {
        return Decision::Write(w, ());
    }
    if rate_reached(w.failed() as u32, reported, l.half_open_rate) {
        reopen(w, seen.now)
    } else {
        close(w, seen.now, l)
    }
}

/// The half-open episode failed at `now`.
#[inline]
pub(super) const fn reopen(w: Word, now: u32) -> Decision<()> {
    Decision::Step(
        Step {
            to: reopened(w),
            cause: Some(Cause::ProbeFailed),
            at: now,
        },
        (),
    )
}

/// The half-open episode succeeded at `now`: CLOSED, reopens cleared (the
/// streak is the caller's: a last probe that failed in an episode decided
/// by rate leaves one).
#[inline]
pub(super) const fn close(w: Word, now: u32, l: &Limits) -> Decision<()> {
    let mut to = w.next(l.closed_kind());
    to = to.with_reopens(0);
    Decision::Step(
        Step {
            to,
            cause: Some(Cause::ProbesSucceeded),
            at: now,
        },
        (),
    )
}

//! The time-driven transitions (OPEN → HALF_OPEN at the open time, a
//! half-open episode's timeout), checked first by every decision on an OPEN
//! or probing word, and the readers' decisions.

use super::super::word::{Kind, Word, MAX_TIMEOUT_MS};
use super::decision::{Decision, Seen, Step};
use super::limits::Limits;
use crate::event::Cause;

/// When a deadline `limit` ms after a stamp passed, given `since` (ms since
/// the stamp, modulo 2^28) and `now`. An elapsed time beyond
/// [`MAX_TIMEOUT_MS`] is a clock that stepped back (or a wait longer than
/// the stamp can tell): the deadline counts as passed, and it passes *now*,
/// not at a time computed from the wrapped difference (which would date the
/// event up to 74 h in the past). Since every decision reads the clock after
/// the stamp it compares, a monotonic clock never takes this branch by
/// accident.
pub(super) const fn passed_at(since: u32, limit: u32, now: u32) -> u32 {
    if since > MAX_TIMEOUT_MS {
        now
    } else {
        now.wrapping_sub(since - limit)
    }
}

/// The time-driven transition due at `seen.now`, if any: OPEN → HALF_OPEN
/// once `reset_timeout` has passed since opening; HALF_OPEN → OPEN once
/// probes have stayed unresolved for `half_open_timeout` since the first
/// admission. A stamp not yet published by the last CAS winner counts as
/// "not passed".
#[inline]
pub(crate) const fn decide_deadline(w: Word, seen: Seen, l: &Limits) -> Option<Step> {
    if !seen.stamp.belongs_to(w.gen()) {
        return None;
    }
    let since = seen.stamp.since(seen.now);
    let open_ms = l.open_ms(w.reopens());
    match w.kind() {
        Kind::Open if since >= open_ms => Some(Step {
            // Same generation: no permit was admitted while OPEN, so there is
            // nothing to invalidate, and the stamp stays valid for HALF_OPEN.
            to: w.with_kind(Kind::HalfOpen),
            cause: Some(Cause::ResetTimeout),
            at: passed_at(since, open_ms, seen.now),
        }),
        Kind::Probing if w.in_flight() > 0 && since >= l.half_open_ms => Some(Step {
            to: reopened(w),
            cause: Some(Cause::HalfOpenTimeout),
            at: passed_at(since, l.half_open_ms, seen.now),
        }),
        _ => None,
    }
}

/// The deadline check every decision on an OPEN or probing word starts
/// with: `Err` is what to do first (read the clock, or make the due
/// transition), `Ok` that no deadline is due at `seen.now`.
#[inline]
pub(super) const fn deadline_first<R>(
    w: Word,
    seen: Option<Seen>,
    l: &Limits,
) -> Result<Seen, Decision<R>> {
    let Some(seen) = seen else {
        return Err(Decision::NeedClock);
    };
    match decide_deadline(w, seen, l) {
        Some(step) => Err(Decision::Advance(step)),
        None => Ok(seen),
    }
}

/// The half-open episode failed: OPEN again, one more reopen in a row.
#[inline]
pub(super) const fn reopened(w: Word) -> Word {
    #[allow(unused_mut)]
    let mut to = w.next(Kind::Open);
    // Counted only where it grows the open time.
    #[cfg(feature = "policies")]
    {
        to = to.with_reopens(w.reopens_plus_one());
    }
    to
}

/// The decision of a reader (`state()`): make the transitions whose
/// deadlines passed, then report the word.
#[inline]
pub(crate) const fn decide_state(w: Word, seen: Option<Seen>, l: &Limits) -> Decision<Word> {
    if let Kind::Open | Kind::Probing = w.kind() {
        if let Err(first) = deadline_first::<Word>(w, seen, l) {
            return first;
        }
    }
    Decision::Done(w)
}

/// The decision of a snapshot: as [`decide_state`], and it always wants
/// the stamp and the clock (to count the current segment).
#[inline]
pub(crate) const fn decide_observed(
    w: Word,
    seen: Option<Seen>,
    l: &Limits,
) -> Decision<(Word, Seen)> {
    match deadline_first(w, seen, l) {
        Ok(seen) => Decision::Done((w, seen)),
        Err(first) => first,
    }
}

//! `try_acquire`'s decision: admit a call, admit a probe, or refuse with
//! the time left.

use super::super::word::{Kind, Word};
use super::deadline::deadline_first;
use super::decision::{Admission, Decision, Seen, Step};
use super::limits::Limits;
use crate::clock::Duration;
use crate::event::State;

/// `try_acquire`'s decision. The clock is needed only when the breaker is
/// OPEN or half-open (the CLOSED path reads no clock).
#[inline]
pub(crate) const fn decide_acquire(w: Word, seen: Option<Seen>, l: &Limits) -> Decision<Admission> {
    match w.kind() {
        Kind::Closed | Kind::Disabled => Decision::Done(Ok(w.gen())),
        // A breaker no decision had seen yet and that feeds no window takes
        // the fast path from now on (no new generation: nothing changed).
        #[cfg(feature = "policies")]
        Kind::ClosedSlow if !l.windowed() => {
            Decision::Write(w.with_kind(Kind::Closed), Ok(w.gen()))
        }
        #[cfg(feature = "policies")]
        Kind::ClosedSlow => Decision::Done(Ok(w.gen())),
        Kind::ForcedOpen => Decision::Done(Err((State::ForcedOpen, None))),
        Kind::HalfOpen => {
            let Some(seen) = seen else {
                return Decision::NeedClock;
            };
            // The first probe of the episode: its admission time starts
            // half_open_timeout.
            let to = w
                .with_kind(Kind::Probing)
                .with_admitted(1)
                .with_successes(0)
                .with_failed(0);
            admit_first_in_flight(to, seen.now)
        }
        Kind::Open | Kind::Probing => {
            let seen = match deadline_first(w, seen, l) {
                Ok(seen) => seen,
                Err(first) => return first,
            };
            if let Kind::Open = w.kind() {
                let open_ms = l.open_ms(w.reopens());
                let left = if seen.stamp.belongs_to(w.gen()) {
                    open_ms - seen.stamp.since(seen.now)
                } else {
                    // The opener has not published its time yet: at most a
                    // whole open time is left.
                    open_ms
                };
                return Decision::Done(Err((State::Open, Some(Duration::from_ticks(left)))));
            }
            if (w.admitted() as u32) >= l.permits {
                return Decision::Done(Err((State::HalfOpen, None)));
            }
            let to = w.with_admitted(w.admitted() + 1);
            if w.in_flight() > 0 {
                return Decision::Write(to, Ok(w.gen()));
            }
            // No probe in flight: this admission restarts half_open_timeout.
            admit_first_in_flight(to, seen.now)
        }
    }
}

/// Admits the only probe in flight as `to` (its slot already counted): a
/// new generation, stamped at its admission `now`, so half_open_timeout runs
/// from it.
#[inline]
const fn admit_first_in_flight(to: Word, now: u32) -> Decision<Admission> {
    let to = to.with_gen(Word::gen_after(to.gen()));
    Decision::Step(
        Step {
            to,
            cause: None,
            at: now,
        },
        Ok(to.gen()),
    )
}

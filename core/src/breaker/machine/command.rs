//! The manual commands (`reset()`, `force_open()`, `disable()`) and
//! `reset_stats()`.

use super::super::word::{Kind, Word};
use super::deadline::deadline_first;
use super::decision::{Command, Decision, Seen, Step};
use super::limits::Limits;
use crate::event::Cause;

/// What a manual command does. Deadlines come first: a breaker whose
/// reset_timeout passed is HALF_OPEN when the command comes, and its event
/// says so, whoever looked before (or nobody did).
#[inline]
pub(crate) const fn decide_command(
    w: Word,
    seen: Option<Seen>,
    cmd: Command,
    l: &Limits,
) -> Decision<()> {
    if let Kind::Open | Kind::Probing = w.kind() {
        if let Err(first) = deadline_first::<()>(w, seen, l) {
            return first;
        }
    }
    let (kind, cause) = match cmd {
        Command::Reset => (l.closed_kind(), Cause::Reset),
        Command::ForceOpen => (Kind::ForcedOpen, Cause::ForceOpen),
        Command::Disable => (Kind::Disabled, Cause::Disable),
    };
    let same = match cmd {
        Command::Reset => w.kind().is_closed(),
        _ => w.kind() as u8 == kind as u8,
    };
    if same {
        // reset() clears the streak even when already CLOSED, without a new
        // generation: permits in flight stay current.
        return match cmd {
            Command::Reset if w.streak() != 0 || w.kind() as u8 != kind as u8 => {
                Decision::Write(w.with_streak(0).with_kind(kind), ())
            }
            _ => Decision::Done(()),
        };
    }
    let Some(seen) = seen else {
        return Decision::NeedClock;
    };
    let mut to = w.next(kind);
    // A manual command ends any run of reopens: the next opening starts
    // from reset_timeout again.
    to = to.with_reopens(0);
    if let Command::Reset = cmd {
        to = to.with_streak(0);
    }
    Decision::Step(
        Step {
            to,
            cause: Some(cause),
            at: seen.now,
        },
        (),
    )
}

/// What `reset_stats()` does to the word: clear the streak, in any state.
/// No state changes, so no deadline is applied first: the streak is a count
/// in every state and drives a transition only in CLOSED.
#[inline]
pub(crate) const fn decide_reset_stats(w: Word) -> Decision<()> {
    if w.streak() != 0 {
        Decision::Write(w.with_streak(0), ())
    } else {
        Decision::Done(())
    }
}

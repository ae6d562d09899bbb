//! What every decision speaks: what it has read besides the word, what it
//! decides, and the inputs it decides on.

use super::super::word::{Kind, Stamp, Word};
use crate::clock::Duration;
use crate::event::{Cause, State};

/// What a decision has read besides the word: the stamp, then a clock
/// reading taken *after* that stamp was loaded. The order matters: a reading
/// taken before another thread published a newer stamp would put `now`
/// before the stamp, and that is indistinguishable from a clock that stepped
/// back (a deadline would count as passed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Seen {
    pub(crate) stamp: Stamp,
    /// Milliseconds, full 32-bit.
    pub(crate) now: u32,
}

/// A move of the word to a new generation, a new public state, or both:
/// CAS `from` → `to`, then publish the stamp (new generation) and emit the
/// event (new state).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Step {
    pub(crate) to: Word,
    /// Why the public state changes; `None` when it does not (a half-open
    /// probe admitted while none was in flight starts a new generation).
    pub(crate) cause: Option<Cause>,
    /// When it happened: a clock reading taken before the CAS, or the
    /// logical time of a deadline that passed. Either way no earlier than
    /// the step before it.
    pub(crate) at: u32,
}

/// What the driver should do with the word a decision was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision<R> {
    /// Finished, nothing to write.
    Done(R),
    /// Decide again on the same word with the stamp and the clock.
    NeedClock,
    /// Write this word (same generation, same state: a streak or a probe
    /// count), then finish with `R`.
    Write(Word, R),
    /// Make this step, then finish with `R`.
    Step(Step, R),
    /// A deadline passed: make this step first, then decide again on the
    /// word it leaves.
    Advance(Step),
}

/// `try_acquire`'s answer: the generation to admit in, or a refusal with the
/// time left until a probe.
pub(crate) type Admission = Result<u8, (State, Option<Duration>)>;

/// An outcome as the word sees it: an abandoned permit is a failure or a
/// release depending on the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    Success,
    Failure,
    Release,
}

/// A manual command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Command {
    Reset,
    ForceOpen,
    Disable,
}

/// The public state of a packed kind.
#[inline]
pub(crate) const fn public_state(kind: Kind) -> State {
    match kind {
        Kind::Closed => State::Closed,
        #[cfg(feature = "policies")]
        Kind::ClosedSlow => State::Closed,
        Kind::Open => State::Open,
        Kind::HalfOpen | Kind::Probing => State::HalfOpen,
        Kind::ForcedOpen => State::ForcedOpen,
        Kind::Disabled => State::Disabled,
    }
}

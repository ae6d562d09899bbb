//! The breaker as a pure machine: `const fn` decisions over the decoded
//! state word, tested directly here and driven by proptest and fuzz through
//! the real breaker. Nothing here touches an atomic or a clock: a decision
//! that needs the time says so ([`Decision::NeedClock`]), and the driver
//! reads it.

use super::word::{Kind, Stamp, Word, MAX_TIMEOUT_MS};
use crate::clock::Duration;
use crate::config::BreakerConfig;
#[cfg(feature = "policies")]
use crate::config::SlidingWindow;
use crate::event::{Cause, State};
#[cfg(feature = "policies")]
use crate::window::{Divisor, WindowCounts};

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
        Kind::Open => State::Open,
        Kind::HalfOpen | Kind::Probing => State::HalfOpen,
        Kind::ForcedOpen => State::ForcedOpen,
        Kind::Disabled => State::Disabled,
    }
}

/// The configuration reduced to what decisions need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub(crate) threshold: u32,
    pub(crate) reset_ms: u32,
    pub(crate) half_open_ms: u32,
    pub(crate) permits: u32,
    pub(crate) to_close: u32,
    /// Growth of the open time per consecutive reopen (1: none), and its cap.
    #[cfg(feature = "policies")]
    pub(crate) reset_factor: u32,
    #[cfg(feature = "policies")]
    pub(crate) max_reset_ms: u32,
    /// A rate-decided half-open episode's failure percentage (0: off, any
    /// failed probe reopens).
    #[cfg(feature = "policies")]
    pub(crate) half_open_rate: u32,
    /// The sliding window and its rates (`policies` feature).
    #[cfg(feature = "policies")]
    pub(crate) window: WindowLimits,
}

/// The sliding window's part of [`Limits`].
#[cfg(feature = "policies")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WindowLimits {
    /// Buckets in use (1 without a window: see `windowed`) and what one
    /// spans: calls, or milliseconds when `by_time`.
    pub(crate) buckets: Divisor,
    pub(crate) unit: Divisor,
    /// Whether a window is configured.
    pub(crate) on: bool,
    pub(crate) by_time: bool,
    pub(crate) minimum_calls: u32,
    /// The window's failure and slow-call percentages (0: off) and the
    /// slow-call duration in ms (0: off; then no call is timed).
    pub(crate) failure_rate: u32,
    pub(crate) slow_rate: u32,
    pub(crate) slow_ms: u32,
}

#[cfg(feature = "policies")]
impl WindowLimits {
    const fn of(cfg: &BreakerConfig) -> WindowLimits {
        let (buckets, unit, by_time) = match cfg.window {
            Some(w) => {
                let (n, unit) = w.plan();
                (n, unit, matches!(w.size, SlidingWindow::Time(_)))
            }
            None => (1, 1, false),
        };
        WindowLimits {
            buckets: Divisor::new(buckets),
            unit: Divisor::new(unit),
            on: cfg.window.is_some(),
            by_time,
            minimum_calls: cfg.minimum_calls,
            failure_rate: match cfg.failure_rate {
                Some(p) => p,
                None => 0,
            },
            slow_rate: cfg.slow_call_rate,
            slow_ms: match cfg.slow_call_duration {
                Some(d) => d.as_ticks(),
                None => 0,
            },
        }
    }
}

impl Limits {
    #[inline]
    pub(crate) const fn of(cfg: &BreakerConfig) -> Limits {
        Limits {
            threshold: cfg.failure_threshold,
            reset_ms: cfg.reset_timeout.as_ticks(),
            half_open_ms: cfg.half_open_timeout.as_ticks(),
            permits: cfg.half_open_permits,
            to_close: cfg.effective_successes_to_close(),
            #[cfg(feature = "policies")]
            reset_factor: cfg.reset_timeout_factor,
            #[cfg(feature = "policies")]
            max_reset_ms: match cfg.max_reset_timeout {
                Some(max) => max.as_ticks(),
                None => MAX_TIMEOUT_MS,
            },
            #[cfg(feature = "policies")]
            half_open_rate: match cfg.half_open_failure_rate {
                Some(p) => p,
                None => 0,
            },
            #[cfg(feature = "policies")]
            window: WindowLimits::of(cfg),
        }
    }

    /// Whether outcomes feed a sliding window: never without the
    /// `policies` feature, so the call path folds it away.
    #[inline(always)]
    pub(crate) const fn windowed(&self) -> bool {
        #[cfg(feature = "policies")]
        return self.window.on;
        #[cfg(not(feature = "policies"))]
        return false;
    }

    /// How long the breaker stays OPEN: `reset_timeout` (the open time
    /// grows only with the `policies` feature).
    #[inline]
    #[cfg(not(feature = "policies"))]
    pub(crate) const fn open_ms(&self, _reopens: u8) -> u32 {
        self.reset_ms
    }

    /// How long the breaker stays OPEN after `reopens` consecutive reopens:
    /// `reset_timeout × factor^reopens`, capped (never below
    /// `reset_timeout`, never above [`MAX_TIMEOUT_MS`]).
    #[inline]
    #[cfg(feature = "policies")]
    pub(crate) const fn open_ms(&self, reopens: u8) -> u32 {
        let mut t = self.reset_ms;
        let mut i = 0;
        while i < reopens && self.reset_factor > 1 {
            let grown = t as u64 * self.reset_factor as u64;
            if grown >= self.max_reset_ms as u64 {
                return self.max_reset_ms;
            }
            t = grown as u32;
            i += 1;
        }
        t
    }
}

/// When a deadline `limit` ms after a stamp passed, given `since` (ms since
/// the stamp, modulo 2^28) and `now`. An elapsed time beyond
/// [`MAX_TIMEOUT_MS`] is a clock that stepped back (or a wait longer than
/// the stamp can tell): the deadline counts as passed, and it passes *now*,
/// not at a time computed from the wrapped difference (which would date the
/// event up to 74 h in the past). Since every decision reads the clock after
/// the stamp it compares, a monotonic clock never takes this branch by
/// accident.
const fn passed_at(since: u32, limit: u32, now: u32) -> u32 {
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
    if !seen.stamp.belongs_to(w.gen) {
        return None;
    }
    let since = seen.stamp.since(seen.now);
    let open_ms = l.open_ms(w.reopens);
    match w.kind {
        Kind::Open if since >= open_ms => Some(Step {
            // Same generation: no permit was admitted while OPEN, so there is
            // nothing to invalidate, and the stamp stays valid for HALF_OPEN.
            to: Word {
                kind: Kind::HalfOpen,
                ..w
            },
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
const fn deadline_first<R>(w: Word, seen: Option<Seen>, l: &Limits) -> Result<Seen, Decision<R>> {
    let Some(seen) = seen else {
        return Err(Decision::NeedClock);
    };
    match decide_deadline(w, seen, l) {
        Some(step) => Err(Decision::Advance(step)),
        None => Ok(seen),
    }
}

/// `try_acquire`'s decision. The clock is needed only when the breaker is
/// OPEN or half-open (the CLOSED path reads no clock).
#[inline]
pub(crate) const fn decide_acquire(w: Word, seen: Option<Seen>, l: &Limits) -> Decision<Admission> {
    match w.kind {
        Kind::Closed | Kind::Disabled => Decision::Done(Ok(w.gen)),
        Kind::ForcedOpen => Decision::Done(Err((State::ForcedOpen, None))),
        Kind::HalfOpen => {
            let Some(seen) = seen else {
                return Decision::NeedClock;
            };
            // The first probe of the episode: its admission time starts
            // half_open_timeout.
            let to = Word {
                kind: Kind::Probing,
                admitted: 1,
                successes: 0,
                failed: 0,
                ..w
            };
            admit_first_in_flight(to, seen.now)
        }
        Kind::Open | Kind::Probing => {
            let seen = match deadline_first(w, seen, l) {
                Ok(seen) => seen,
                Err(first) => return first,
            };
            if let Kind::Open = w.kind {
                let open_ms = l.open_ms(w.reopens);
                let left = if seen.stamp.belongs_to(w.gen) {
                    open_ms - seen.stamp.since(seen.now)
                } else {
                    // The opener has not published its time yet: at most a
                    // whole open time is left.
                    open_ms
                };
                return Decision::Done(Err((State::Open, Some(Duration::from_ticks(left)))));
            }
            if (w.admitted as u32) >= l.permits {
                return Decision::Done(Err((State::HalfOpen, None)));
            }
            let to = Word {
                admitted: w.admitted + 1,
                ..w
            };
            if w.in_flight() > 0 {
                return Decision::Write(to, Ok(w.gen));
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
    let to = Word {
        gen: Word::gen_after(to.gen),
        ..to
    };
    Decision::Step(
        Step {
            to,
            cause: None,
            at: now,
        },
        Ok(to.gen),
    )
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
#[cfg_attr(
    any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "powerpc64"
    ),
    inline(always)
)]
#[cfg_attr(
    not(any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "powerpc64"
    )),
    inline
)]
pub(crate) const fn decide_outcome(
    w: Word,
    seen: Option<Seen>,
    gen: u8,
    effect: Effect,
    l: &Limits,
) -> Decision<()> {
    if w.gen != gen {
        return Decision::Done(());
    }
    match w.kind {
        Kind::Closed | Kind::Disabled => match effect {
            Effect::Release => Decision::Done(()),
            Effect::Success if w.streak == 0 => Decision::Done(()),
            Effect::Success => Decision::Write(Word { streak: 0, ..w }, ()),
            Effect::Failure => {
                let streak = w.streak_plus_one();
                if !matches!(w.kind, Kind::Closed) || (streak as u32) < l.threshold {
                    return Decision::Write(Word { streak, ..w }, ());
                }
                let Some(seen) = seen else {
                    return Decision::NeedClock;
                };
                let mut to = w.next(Kind::Open);
                to.streak = streak;
                Decision::Step(
                    Step {
                        to,
                        cause: Some(Cause::FailureThreshold),
                        at: seen.now,
                    },
                    (),
                )
            }
        },
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
                Effect::Release => Decision::Write(
                    Word {
                        admitted: w.admitted - 1,
                        ..w
                    },
                    (),
                ),
                Effect::Success if (w.successes as u32) + 1 < l.to_close => Decision::Write(
                    Word {
                        successes: w.successes + 1,
                        streak: 0,
                        ..w
                    },
                    (),
                ),
                Effect::Success => close(Word { streak: 0, ..w }, seen.now),
                Effect::Failure => reopen(
                    Word {
                        streak: w.streak_plus_one(),
                        ..w
                    },
                    seen.now,
                ),
            }
        }
        // No permit is ever admitted in these generations (OPEN and
        // HALF_OPEN-before-the-first-probe admit nothing; FORCED_OPEN rejects
        // everything), so a matching generation is a wrapped stale permit.
        Kind::Open | Kind::HalfOpen | Kind::ForcedOpen => Decision::Done(()),
    }
}

/// A probe's result in a rate-decided episode: count it, and once every
/// permitted probe has reported, reopen if the failed share reached the
/// rate, close otherwise.
#[inline]
#[cfg(feature = "policies")]
const fn decide_probe_by_rate(w: Word, seen: Seen, effect: Effect, l: &Limits) -> Decision<()> {
    let w = match effect {
        Effect::Release => {
            return Decision::Write(
                Word {
                    admitted: w.admitted - 1,
                    ..w
                },
                (),
            )
        }
        Effect::Success => Word {
            successes: w.successes + 1,
            streak: 0,
            ..w
        },
        Effect::Failure => Word {
            failed: w.failed + 1,
            streak: w.streak_plus_one(),
            ..w
        },
    };
    let reported = (w.successes + w.failed) as u32;
    if reported < l.permits {
        return Decision::Write(w, ());
    }
    if rate_reached(w.failed as u32, reported, l.half_open_rate) {
        reopen(w, seen.now)
    } else {
        close(w, seen.now)
    }
}

/// What the window's counts call for: a rate policy's cause to open, or
/// nothing (fewer than `minimum_calls` outcomes, or every rate under its
/// threshold). The failure rate is checked first.
#[inline]
#[cfg(feature = "policies")]
pub(crate) const fn window_verdict(c: WindowCounts, l: &WindowLimits) -> Option<Cause> {
    if l.failure_rate > 0
        && c.calls >= l.minimum_calls
        && rate_reached(c.failures, c.calls, l.failure_rate)
    {
        return Some(Cause::FailureRate);
    }
    if l.slow_ms > 0 && c.timed >= l.minimum_calls && rate_reached(c.slow, c.timed, l.slow_rate) {
        return Some(Cause::SlowCallRate);
    }
    None
}

/// Whether a success, the call numbered `n` since the count window last
/// emptied, can open the breaker: only where it can raise a rate, which a
/// success adds nothing to, so only where the window loses calls (a bucket
/// rolls over and evicts the oldest) or where it reaches `minimum_calls`
/// (a rate already over its threshold starts to count). Every other
/// success is recorded without reading the window.
#[inline]
#[cfg(feature = "policies")]
pub(crate) const fn count_success_can_trip(n: u32, l: &WindowLimits) -> bool {
    let (k, b) = (l.unit.get(), l.buckets.get());
    let full = (b as u64) * (k as u64);
    let pos = l.unit.rem(n);
    // A bucket rolls over: with k > 1 calls a bucket, k calls leave as one
    // comes, and a rate can rise. With one call a bucket one leaves as one
    // comes, the window stays full, and no rate can rise.
    if pos == 0 && n as u64 >= full {
        return k > 1;
    }
    // The calls the window holds with this one: all of them until it has
    // filled, then the full buckets and the current one's.
    let held = if (n as u64) < full {
        n as u64 + 1
    } else {
        pos as u64 + 1 + (b as u64 - 1) * k as u64
    };
    held == l.minimum_calls as u64
}

/// Whether a call that started at `started` and ended at `now` was slow. A
/// clock that stepped back in between reads as a fast call.
#[inline]
#[cfg(feature = "policies")]
pub(crate) const fn is_slow(started: u32, now: u32, slow_ms: u32) -> bool {
    let took = now.wrapping_sub(started);
    took <= i32::MAX as u32 && took >= slow_ms
}

/// Whether `hits` out of `calls` is `percent` % or more (inclusive).
#[inline]
#[cfg(feature = "policies")]
pub(crate) const fn rate_reached(hits: u32, calls: u32, percent: u32) -> bool {
    hits as u64 * 100 >= percent as u64 * calls as u64
}

/// The half-open episode failed: OPEN again, one more reopen in a row.
#[inline]
const fn reopened(w: Word) -> Word {
    #[allow(unused_mut)]
    let mut to = w.next(Kind::Open);
    // Counted only where it grows the open time.
    #[cfg(feature = "policies")]
    {
        to.reopens = w.reopens_plus_one();
    }
    to
}

/// The half-open episode failed at `now`.
#[inline]
const fn reopen(w: Word, now: u32) -> Decision<()> {
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
const fn close(w: Word, now: u32) -> Decision<()> {
    let mut to = w.next(Kind::Closed);
    to.reopens = 0;
    Decision::Step(
        Step {
            to,
            cause: Some(Cause::ProbesSucceeded),
            at: now,
        },
        (),
    )
}

/// A rate policy found its window over the threshold (`cause` says which)
/// after an outcome of a permit of generation `gen`: open, if the breaker
/// is still CLOSED in that generation (a transition in between already
/// decided, and a window read across it proves nothing).
#[inline]
#[cfg(feature = "policies")]
pub(crate) const fn decide_rate_trip(
    w: Word,
    seen: Option<Seen>,
    gen: u8,
    cause: Cause,
) -> Decision<()> {
    if w.gen != gen || !matches!(w.kind, Kind::Closed) {
        return Decision::Done(());
    }
    let Some(seen) = seen else {
        return Decision::NeedClock;
    };
    Decision::Step(
        Step {
            to: w.next(Kind::Open),
            cause: Some(cause),
            at: seen.now,
        },
        (),
    )
}

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
    if let Kind::Open | Kind::Probing = w.kind {
        if let Err(first) = deadline_first::<()>(w, seen, l) {
            return first;
        }
    }
    let (kind, cause) = match cmd {
        Command::Reset => (Kind::Closed, Cause::Reset),
        Command::ForceOpen => (Kind::ForcedOpen, Cause::ForceOpen),
        Command::Disable => (Kind::Disabled, Cause::Disable),
    };
    if w.kind as u8 == kind as u8 {
        // reset() clears the streak even when already CLOSED, without a new
        // generation: permits in flight stay current.
        return match cmd {
            Command::Reset if w.streak != 0 => Decision::Write(Word { streak: 0, ..w }, ()),
            _ => Decision::Done(()),
        };
    }
    let Some(seen) = seen else {
        return Decision::NeedClock;
    };
    let mut to = w.next(kind);
    // A manual command ends any run of reopens: the next opening starts
    // from reset_timeout again.
    to.reopens = 0;
    if let Command::Reset = cmd {
        to.streak = 0;
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
    if w.streak != 0 {
        Decision::Write(Word { streak: 0, ..w }, ())
    } else {
        Decision::Done(())
    }
}

/// The decision of a reader (`state()`): make the transitions whose
/// deadlines passed, then report the word.
#[inline]
pub(crate) const fn decide_state(w: Word, seen: Option<Seen>, l: &Limits) -> Decision<Word> {
    if let Kind::Open | Kind::Probing = w.kind {
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

#[cfg(test)]
mod tests;

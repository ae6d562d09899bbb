//! The rate policies' verdicts over a sliding window's counts (feature
//! `policies`), and the transition a verdict asks for.

use super::super::word::{Kind, Word};
use super::decision::{Decision, Seen, Step};
use super::limits::WindowLimits;
use crate::event::Cause;
use crate::window::WindowCounts;

/// What the window's counts call for: a rate policy's cause to open, or
/// nothing (fewer than `minimum_calls` outcomes, or every rate under its
/// threshold). The failure rate is checked first.
#[inline]
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
pub(crate) const fn is_slow(started: u32, now: u32, slow_ms: u32) -> bool {
    let took = now.wrapping_sub(started);
    took <= i32::MAX as u32 && took >= slow_ms
}

/// Whether `hits` out of `calls` is `percent` % or more (inclusive).
#[inline]
pub(crate) const fn rate_reached(hits: u32, calls: u32, percent: u32) -> bool {
    hits as u64 * 100 >= percent as u64 * calls as u64
}

/// A rate policy found its window over the threshold (`cause` says which)
/// after an outcome of a permit of generation `gen`: open, if the breaker
/// is still CLOSED in that generation (a transition in between already
/// decided, and a window read across it proves nothing).
#[inline]
pub(crate) const fn decide_rate_trip(
    w: Word,
    seen: Option<Seen>,
    gen: u8,
    cause: Cause,
) -> Decision<()> {
    if w.gen() != gen || !w.kind().is_closed() {
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

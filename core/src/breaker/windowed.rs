//! The breaker's side of the rate policies: each outcome of a current
//! CLOSED permit into the sliding window, the verdict over it, and the
//! window's success rate for snapshots. Without the `policies`
//! feature every function here is an empty `inline(always)` stand-in, so
//! the call path carries none of it.

#[cfg(feature = "policies")]
use super::machine::{count_success_can_trip, decide_rate_trip, is_slow, window_verdict};
#[cfg(feature = "policies")]
use super::word::Word;
use super::{BreakerSettings, CircuitBreaker};
use crate::clock::Clock;
use crate::config::Settings;
use crate::event::Observer;
use crate::metrics::SuccessRate;
#[cfg(feature = "policies")]
use crate::window::{SlowSample, WindowStorage};

/// What the breaker knows of a call's duration, for the slow-call policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timing {
    /// Not timed (the policy is off, or the caller gave no duration).
    Untimed,
    /// Started at this clock reading (`call` times its calls).
    #[cfg_attr(not(feature = "policies"), allow(dead_code))]
    Started(u32),
    /// Took this many milliseconds (`Permit::record_after`).
    #[cfg_attr(not(feature = "policies"), allow(dead_code))]
    Took(u32),
}

#[cfg(feature = "policies")]
impl<C: Clock, O: Observer, K: Settings<BreakerSettings>> CircuitBreaker<C, O, K> {
    #[inline]
    fn window(&self) -> Option<WindowStorage> {
        self.config().window.map(|w| w.storage)
    }

    /// The generation a call is admitted in at once when the breaker is
    /// CLOSED with a window to feed (a breaker without one, on the slow
    /// path only until its first decision, is decided).
    #[inline(always)]
    pub(super) fn windowed_closed_gen(&self, bits: u32) -> Option<u8> {
        if self.limits().windowed() {
            Word::closed_slow_gen(bits)
        } else {
            None
        }
    }

    /// The clock reading a call starts with, when the slow-call policy needs
    /// one (no clock is read otherwise).
    #[inline(always)]
    pub(super) fn call_started(&self) -> Timing {
        if self.limits().window.slow_ms != 0 {
            Timing::Started(self.now_millis())
        } else {
            Timing::Untimed
        }
    }

    /// Records an outcome of a permit of generation `gen` in the window, if
    /// the breaker is still CLOSED in that generation, and opens it if a
    /// rate policy says so. Ignored outcomes never get here.
    #[inline(never)]
    pub(super) fn to_window(&self, gen: u8, failed: bool, timing: Timing) {
        let Some(storage) = self.window() else {
            return;
        };
        let w = self.load_word();
        if w.gen() != gen || !w.kind().is_closed() {
            // An outcome from before the last transition, or while the
            // breaker is not CLOSED: the window is for CLOSED traffic.
            return;
        }
        let l = &self.limits().window;
        let (epoch, now, number) = if l.by_time {
            let now = self.now_millis();
            (l.unit.div(now), Some(now), None)
        } else {
            let number = storage.next_call();
            (l.unit.div(number), None, Some(number))
        };
        let slow = if l.slow_ms == 0 {
            SlowSample::Off
        } else {
            match timing {
                Timing::Untimed => SlowSample::Untimed,
                Timing::Started(t0) => {
                    let end = match now {
                        Some(now) => now,
                        None => self.now_millis(),
                    };
                    SlowSample::Took(is_slow(t0, end, l.slow_ms))
                }
                // A duration handed over is what the call took, however long.
                Timing::Took(ms) => SlowSample::Took(ms >= l.slow_ms),
            }
        };
        // Judge after every failure and every timed call (a fast one can
        // bring the timed calls to minimum_calls); after any other success
        // of a count window only where it can change the verdict.
        let judge = failed
            || matches!(slow, SlowSample::Took(_))
            || match number {
                Some(n) => count_success_can_trip(n, l),
                None => true,
            };
        let Some(counts) = storage.record_and_count(epoch, l.buckets, failed, slow, judge) else {
            return;
        };
        if let Some(cause) = window_verdict(counts, l) {
            self.drive(self.load_word(), |w, seen| {
                decide_rate_trip(w, seen, gen, cause)
            });
        }
    }

    /// Empties the window (on entering CLOSED, and on `reset_stats()`).
    pub(super) fn clear_window(&self) {
        if let Some(storage) = self.window() {
            storage.clear();
        }
    }

    /// The window's success rate at `now` (`None` without a window; `Some`
    /// of `None` with no outcome in it).
    pub(super) fn window_success_rate(&self, now: u32) -> Option<Option<SuccessRate>> {
        let storage = self.window()?;
        let l = &self.limits().window;
        let epoch = if l.by_time {
            l.unit.div(now)
        } else {
            match storage.calls_numbered() {
                0 => return Some(None),
                n => l.unit.div(n - 1),
            }
        };
        let c = storage.counts(epoch, l.buckets, l.slow_ms != 0);
        Some(if c.calls == 0 {
            None
        } else {
            Some(SuccessRate {
                successes: u64::from(c.calls - c.failures),
                calls: u64::from(c.calls),
            })
        })
    }
}

#[cfg(not(feature = "policies"))]
impl<C: Clock, O: Observer, K: Settings<BreakerSettings>> CircuitBreaker<C, O, K> {
    #[inline(always)]
    pub(super) fn windowed_closed_gen(&self, _bits: u32) -> Option<u8> {
        None
    }

    #[inline(always)]
    pub(super) fn call_started(&self) -> Timing {
        Timing::Untimed
    }

    #[inline(always)]
    pub(super) fn to_window(&self, _gen: u8, _failed: bool, _timing: Timing) {}

    #[inline(always)]
    pub(super) fn clear_window(&self) {}

    #[inline(always)]
    pub(super) fn window_success_rate(&self, _now: u32) -> Option<Option<SuccessRate>> {
        None
    }
}

//! [`Limits`]: the configuration reduced to what decisions need, computed
//! once when the breaker is built.

use super::super::word::Kind;
#[cfg(feature = "policies")]
use super::super::word::MAX_TIMEOUT_MS;
use crate::config::BreakerConfig;
#[cfg(feature = "policies")]
use crate::config::SlidingWindow;
#[cfg(feature = "policies")]
use crate::window::Divisor;

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

    /// The kind of this breaker's CLOSED word: on the slow path if it feeds
    /// a sliding window.
    #[inline(always)]
    pub(crate) const fn closed_kind(&self) -> Kind {
        Kind::closed(self.windowed())
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

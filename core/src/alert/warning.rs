//! [`RuleWarning`]: a rule that, under its instance's configuration, can
//! never fire or fires on every call, and why.

use super::Alert;
use crate::clock::Duration;

/// A rule that cannot do its job under the instance it watches: found by
/// [`BreakerAlerts::warnings`](crate::BreakerAlerts::warnings) and
/// [`RetryAlerts::warnings`](crate::RetryAlerts::warnings).
///
/// ```
/// use totem_core::{Alert, RetryAlerts, RetryConfig};
/// // The spec's defaults: a 10 s max_delay never averages 30 s.
/// let w: Vec<_> = RetryAlerts::new().warnings(&RetryConfig::new("x")).collect();
/// assert_eq!(w.len(), 1);
/// assert_eq!(w[0].alert, Alert::RetryMeanDelay);
/// assert!(w[0].problem.never_fires());
/// assert_eq!(
///     w[0].to_string(),
///     "RetryHighMeanDelay can never fire: no delay is longer than 10000 ms (max_delay and deadline), \
///      and mean_delay_above is 30000 ms"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RuleWarning {
    /// The rule.
    pub alert: Alert,
    /// What is wrong with it.
    pub problem: Problem,
}

/// Why a rule never fires or always does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Problem {
    /// Never fires: `max_attempts` is 1, so the retry never retries.
    NeverRetries,
    /// Never fires: `success_rate_below` is 0, and no rate is below 0 %.
    RateBelowZero,
    /// Never fires: the consecutive-failure count saturates at
    /// [`MAX_FAILURE_THRESHOLD`](crate::MAX_FAILURE_THRESHOLD), which is not
    /// above `consecutive_failures_above`.
    StreakSaturates {
        /// The threshold.
        above: u32,
    },
    /// Never fires: no delay is longer than `longest` (`max_delay`, or the
    /// deadline when shorter: a policy's own delay is clamped to them too),
    /// so no mean is above `mean_delay_above`.
    DelaysNeverLongEnough {
        /// The longest delay the retry can sleep.
        longest: Duration,
        /// The threshold.
        above: Duration,
    },
    /// Fires on every opening: every opening lasts `reset_timeout`, which is
    /// not shorter than `not_closed_for`.
    EveryOpening {
        /// The threshold.
        not_closed_for: Duration,
        /// The breaker's time OPEN before a probe.
        reset_timeout: Duration,
    },
    /// Fires on the first failed call: `min_calls` is 1.
    FirstFailedCall,
    /// Fires on any failed call: `success_rate_below` is 100 %.
    AnyFailedCall,
    /// Fires on the first failure: `consecutive_failures_above` is 0.
    FirstFailure,
    /// Fires on one call that fails every attempt: it makes `per_call`
    /// retries, more than `retries_above`.
    OneFailingCall {
        /// Retries one call makes (`max_attempts` - 1).
        per_call: u32,
        /// The threshold.
        above: u32,
    },
    /// Fires on every retry: no delay of the schedule is shorter than
    /// `shortest` (from `initial_delay` and the jitter), which is above
    /// `mean_delay_above`; only a policy naming shorter delays of its own
    /// ([`RetryPolicy::retry_after`](crate::RetryPolicy::retry_after)) keeps
    /// it quiet.
    EveryRetry {
        /// The shortest delay the schedule sleeps.
        shortest: Duration,
        /// The threshold.
        above: Duration,
    },
}

impl Problem {
    /// Whether the rule can never fire (else it fires on every call of some
    /// kind).
    ///
    /// ```
    /// # use totem_core::Problem;
    /// assert!(Problem::NeverRetries.never_fires());
    /// assert!(!Problem::FirstFailedCall.never_fires());
    /// ```
    pub const fn never_fires(&self) -> bool {
        matches!(
            self,
            Problem::NeverRetries
                | Problem::RateBelowZero
                | Problem::StreakSaturates { .. }
                | Problem::DelaysNeverLongEnough { .. }
        )
    }
}

impl core::fmt::Display for Problem {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            Problem::NeverRetries => f.write_str("max_attempts is 1, so the retry never retries"),
            Problem::RateBelowZero => f.write_str("success_rate_below is 0, and no rate is below 0 %"),
            Problem::StreakSaturates { above } => write!(
                f,
                "consecutive failures are counted up to 511 (MAX_FAILURE_THRESHOLD), \
                 and consecutive_failures_above is {above}"
            ),
            Problem::DelaysNeverLongEnough { longest, above } => write!(
                f,
                "no delay is longer than {} ms (max_delay and deadline), and mean_delay_above is {} ms",
                longest.as_ticks(),
                above.as_ticks()
            ),
            Problem::EveryOpening {
                not_closed_for,
                reset_timeout,
            } => write!(
                f,
                "every opening lasts reset_timeout ({} ms), and not_closed_for is {} ms",
                reset_timeout.as_ticks(),
                not_closed_for.as_ticks()
            ),
            Problem::FirstFailedCall => f.write_str("min_calls is 1"),
            Problem::AnyFailedCall => f.write_str("success_rate_below is 100 %"),
            Problem::FirstFailure => f.write_str("consecutive_failures_above is 0"),
            Problem::OneFailingCall { per_call, above } => write!(
                f,
                "one call that fails every attempt makes {per_call} retries (max_attempts - 1), \
                 and retries_above is {above}"
            ),
            Problem::EveryRetry { shortest, above } => write!(
                f,
                "no delay is shorter than {} ms (initial_delay and jitter), and mean_delay_above is {} ms",
                shortest.as_ticks(),
                above.as_ticks()
            ),
        }
    }
}

impl core::fmt::Display for RuleWarning {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let verdict = match self.problem {
            p if p.never_fires() => "can never fire",
            Problem::EveryOpening { .. } => "fires on every opening",
            Problem::FirstFailedCall | Problem::FirstFailure => "fires on the first failed call",
            Problem::AnyFailedCall => "fires on any failed call",
            Problem::OneFailingCall { .. } => "fires on a single failing call",
            _ => "fires on every retry",
        };
        write!(f, "{} {verdict}: {}", self.alert, self.problem)
    }
}

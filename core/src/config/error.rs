//! [`ConfigError`]: every rule a configuration can break, naming the field.

/// Why a configuration was refused: the field, and the rule it broke.
///
/// ```
/// use totem_core::{BreakerConfig, ConfigError};
/// let err = BreakerConfig::new("x").half_open_permits(0).validate().unwrap_err();
/// assert_eq!(err, ConfigError::HalfOpenPermitsZero);
/// assert_eq!(err.field(), "half_open_permits");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ConfigError {
    /// `failure_threshold` is 0.
    FailureThresholdZero,
    /// `failure_threshold` is above [`MAX_FAILURE_THRESHOLD`](crate::MAX_FAILURE_THRESHOLD).
    FailureThresholdTooLarge,
    /// `reset_timeout` is zero.
    ResetTimeoutZero,
    /// `reset_timeout` is above [`MAX_TIMEOUT_MS`](crate::MAX_TIMEOUT_MS).
    ResetTimeoutTooLong,
    /// `half_open_timeout` is zero.
    HalfOpenTimeoutZero,
    /// `half_open_timeout` is above [`MAX_TIMEOUT_MS`](crate::MAX_TIMEOUT_MS).
    HalfOpenTimeoutTooLong,
    /// `half_open_permits` is 0.
    HalfOpenPermitsZero,
    /// `half_open_permits` is above [`MAX_HALF_OPEN_PERMITS`](crate::MAX_HALF_OPEN_PERMITS).
    HalfOpenPermitsTooLarge,
    /// `successes_to_close` is 0.
    SuccessesToCloseZero,
    /// `successes_to_close` is larger than `half_open_permits`.
    SuccessesToCloseAbovePermits,
    /// `max_attempts` is 0 (it counts the first call, so at least 1).
    MaxAttemptsZero,
    /// `initial_delay` is zero: every jitter mode would then retry at once,
    /// a hot loop against a dependency that is down.
    InitialDelayZero,
    /// `initial_delay` is larger than `max_delay`.
    InitialDelayAboveMaxDelay,
    /// `max_delay` is above [`MAX_DELAY_MS`](crate::MAX_DELAY_MS).
    MaxDelayTooLong,
    /// `backoff_factor` is below 1.
    BackoffFactorBelowOne,
    /// `backoff_factor` was built as a ratio with a zero denominator.
    BackoffFactorZeroDenominator,
    /// `backoff_factor` does not fit 16.16 fixed point (65535 and more).
    BackoffFactorTooLarge,
    /// `deadline` is zero.
    DeadlineZero,
    /// `deadline` is above [`MAX_DELAY_MS`](crate::MAX_DELAY_MS).
    DeadlineTooLong,
    /// A retry budget's `retry_percent` is above 100 (more retries than
    /// calls is no budget).
    RetryPercentAbove100,
    /// A retry budget's `max_retries` is 0.
    MaxRetriesZero,
    /// A retry budget's `max_retries` is above
    /// [`MAX_BUDGET_RETRIES`](crate::MAX_BUDGET_RETRIES).
    MaxRetriesTooLarge,
    /// A retry budget's `min_per_second` is above its `max_retries`.
    MinPerSecondAboveMaxRetries,
    /// A retry budget's `retry_percent` and `min_per_second` are both 0: it
    /// would never allow a retry.
    BudgetAllowsNoRetry,
    /// `reset_timeout_factor` is 0.
    ResetTimeoutFactorZero,
    /// `reset_timeout_factor` is above [`MAX_RESET_TIMEOUT_FACTOR`](crate::MAX_RESET_TIMEOUT_FACTOR).
    ResetTimeoutFactorTooLarge,
    /// `max_reset_timeout` is below `reset_timeout`.
    MaxResetTimeoutBelowResetTimeout,
    /// `max_reset_timeout` is above [`MAX_TIMEOUT_MS`](crate::MAX_TIMEOUT_MS).
    MaxResetTimeoutTooLong,
    /// `half_open_failure_rate` is not a percentage from 1 to 100.
    HalfOpenFailureRateOutOfRange,
    /// `successes_to_close` is set while `half_open_failure_rate` decides
    /// the half-open episode.
    SuccessesToCloseWithHalfOpenRate,
    /// `failure_rate` is not a percentage from 1 to 100.
    FailureRateOutOfRange,
    /// `slow_call_rate` is not a percentage from 1 to 100.
    SlowCallRateOutOfRange,
    /// `slow_call_duration` is zero.
    SlowCallDurationZero,
    /// `slow_call_duration` is above [`MAX_TIMEOUT_MS`](crate::MAX_TIMEOUT_MS).
    SlowCallDurationTooLong,
    /// `failure_rate` or `slow_calls` is set without a `sliding_window`.
    RatePolicyWithoutWindow,
    /// A count window of 0 calls or more than [`MAX_WINDOW_CALLS`](crate::MAX_WINDOW_CALLS).
    WindowCallsOutOfRange,
    /// A time window shorter than 32 ms or longer than [`MAX_TIMEOUT_MS`](crate::MAX_TIMEOUT_MS).
    WindowTimeOutOfRange,
    /// The window's storage has no bucket or more than [`MAX_WINDOW_BUCKETS`](crate::MAX_WINDOW_BUCKETS).
    WindowBucketsOutOfRange,
    /// `minimum_calls` is 0.
    MinimumCallsZero,
    /// `minimum_calls` is larger than a count window: no rate could ever
    /// open the breaker.
    MinimumCallsAboveWindow,
}

impl ConfigError {
    /// The configuration field at fault.
    ///
    /// ```
    /// # use totem_core::ConfigError;
    /// assert_eq!(ConfigError::MaxAttemptsZero.field(), "max_attempts");
    /// ```
    pub const fn field(&self) -> &'static str {
        match self {
            Self::FailureThresholdZero | Self::FailureThresholdTooLarge => "failure_threshold",
            Self::ResetTimeoutZero | Self::ResetTimeoutTooLong => "reset_timeout",
            Self::HalfOpenTimeoutZero | Self::HalfOpenTimeoutTooLong => "half_open_timeout",
            Self::HalfOpenPermitsZero | Self::HalfOpenPermitsTooLarge => "half_open_permits",
            Self::SuccessesToCloseZero | Self::SuccessesToCloseAbovePermits => "successes_to_close",
            Self::MaxAttemptsZero => "max_attempts",
            Self::InitialDelayZero | Self::InitialDelayAboveMaxDelay => "initial_delay",
            Self::MaxDelayTooLong => "max_delay",
            Self::BackoffFactorBelowOne
            | Self::BackoffFactorZeroDenominator
            | Self::BackoffFactorTooLarge => "backoff_factor",
            Self::DeadlineZero | Self::DeadlineTooLong => "deadline",
            Self::RetryPercentAbove100 | Self::BudgetAllowsNoRetry => "retry_percent",
            Self::MaxRetriesZero | Self::MaxRetriesTooLarge => "max_retries",
            Self::MinPerSecondAboveMaxRetries => "min_per_second",
            Self::ResetTimeoutFactorZero | Self::ResetTimeoutFactorTooLarge => {
                "reset_timeout_factor"
            }
            Self::MaxResetTimeoutBelowResetTimeout | Self::MaxResetTimeoutTooLong => {
                "max_reset_timeout"
            }
            Self::HalfOpenFailureRateOutOfRange => "half_open_failure_rate",
            Self::SuccessesToCloseWithHalfOpenRate => "successes_to_close",
            Self::FailureRateOutOfRange => "failure_rate",
            Self::SlowCallRateOutOfRange => "slow_call_rate",
            Self::SlowCallDurationZero | Self::SlowCallDurationTooLong => "slow_call_duration",
            Self::RatePolicyWithoutWindow
            | Self::WindowCallsOutOfRange
            | Self::WindowTimeOutOfRange
            | Self::WindowBucketsOutOfRange => "sliding_window",
            Self::MinimumCallsZero | Self::MinimumCallsAboveWindow => "minimum_calls",
        }
    }

    /// A sentence naming the field and the rule (also the compile error of
    /// [`validated!`](crate::validated)).
    ///
    /// ```
    /// # use totem_core::ConfigError;
    /// assert_eq!(
    ///     ConfigError::SuccessesToCloseAbovePermits.message(),
    ///     "BreakerConfig.successes_to_close must not exceed half_open_permits"
    /// );
    /// ```
    pub const fn message(&self) -> &'static str {
        match self {
            Self::FailureThresholdZero => "BreakerConfig.failure_threshold must be at least 1",
            Self::FailureThresholdTooLarge => {
                "BreakerConfig.failure_threshold must be at most 511 (MAX_FAILURE_THRESHOLD)"
            }
            Self::ResetTimeoutZero => "BreakerConfig.reset_timeout must be greater than zero",
            Self::ResetTimeoutTooLong => {
                "BreakerConfig.reset_timeout must be at most 134217727 ms, about 37 h (MAX_TIMEOUT_MS)"
            }
            Self::HalfOpenTimeoutZero => {
                "BreakerConfig.half_open_timeout must be greater than zero"
            }
            Self::HalfOpenTimeoutTooLong => {
                "BreakerConfig.half_open_timeout must be at most 134217727 ms, about 37 h (MAX_TIMEOUT_MS)"
            }
            Self::HalfOpenPermitsZero => "BreakerConfig.half_open_permits must be at least 1",
            Self::HalfOpenPermitsTooLarge => {
                "BreakerConfig.half_open_permits must be at most 15 (MAX_HALF_OPEN_PERMITS)"
            }
            Self::SuccessesToCloseZero => "BreakerConfig.successes_to_close must be at least 1",
            Self::SuccessesToCloseAbovePermits => {
                "BreakerConfig.successes_to_close must not exceed half_open_permits"
            }
            Self::MaxAttemptsZero => {
                "RetryConfig.max_attempts must be at least 1 (it counts the first call)"
            }
            Self::InitialDelayZero => {
                "RetryConfig.initial_delay must be at least 1 ms (zero retries at once, in a hot loop)"
            }
            Self::InitialDelayAboveMaxDelay => {
                "RetryConfig.initial_delay must not exceed max_delay"
            }
            Self::MaxDelayTooLong => {
                "RetryConfig.max_delay must be at most 2147483647 ms, about 24.8 days (MAX_DELAY_MS)"
            }
            Self::BackoffFactorBelowOne => "RetryConfig.backoff_factor must be at least 1",
            Self::BackoffFactorZeroDenominator => {
                "RetryConfig.backoff_factor must not be a ratio with a zero denominator"
            }
            Self::BackoffFactorTooLarge => {
                "RetryConfig.backoff_factor must be below 65536 (16.16 fixed point)"
            }
            Self::DeadlineZero => "RetryConfig.deadline must be greater than zero",
            Self::DeadlineTooLong => {
                "RetryConfig.deadline must be at most 2147483647 ms, about 24.8 days (MAX_DELAY_MS)"
            }
            Self::RetryPercentAbove100 => "RetryBudgetConfig.retry_percent must be at most 100",
            Self::MaxRetriesZero => "RetryBudgetConfig.max_retries must be at least 1",
            Self::MaxRetriesTooLarge => {
                "RetryBudgetConfig.max_retries must be at most 1000 (MAX_BUDGET_RETRIES)"
            }
            Self::MinPerSecondAboveMaxRetries => {
                "RetryBudgetConfig.min_per_second must not exceed max_retries"
            }
            Self::BudgetAllowsNoRetry => {
                "RetryBudgetConfig.retry_percent must be above 0 when min_per_second is 0 (the budget would never allow a retry)"
            }
            Self::ResetTimeoutFactorZero => "BreakerConfig.reset_timeout_factor must be at least 1",
            Self::ResetTimeoutFactorTooLarge => {
                "BreakerConfig.reset_timeout_factor must be at most 16 (MAX_RESET_TIMEOUT_FACTOR)"
            }
            Self::MaxResetTimeoutBelowResetTimeout => {
                "BreakerConfig.max_reset_timeout must not be below reset_timeout"
            }
            Self::MaxResetTimeoutTooLong => {
                "BreakerConfig.max_reset_timeout must be at most 134217727 ms, about 37 h (MAX_TIMEOUT_MS)"
            }
            Self::HalfOpenFailureRateOutOfRange => {
                "BreakerConfig.half_open_failure_rate must be a percentage from 1 to 100"
            }
            Self::SuccessesToCloseWithHalfOpenRate => {
                "BreakerConfig.successes_to_close must not be set when half_open_failure_rate decides the half-open episode"
            }
            Self::FailureRateOutOfRange => {
                "BreakerConfig.failure_rate must be a percentage from 1 to 100"
            }
            Self::SlowCallRateOutOfRange => {
                "BreakerConfig.slow_call_rate must be a percentage from 1 to 100"
            }
            Self::SlowCallDurationZero => {
                "BreakerConfig.slow_call_duration must be greater than zero"
            }
            Self::SlowCallDurationTooLong => {
                "BreakerConfig.slow_call_duration must be at most 134217727 ms, about 37 h (MAX_TIMEOUT_MS)"
            }
            Self::RatePolicyWithoutWindow => {
                "BreakerConfig.sliding_window is required by failure_rate and slow_calls"
            }
            Self::WindowCallsOutOfRange => {
                "BreakerConfig.sliding_window must count 1 to 8191 calls (MAX_WINDOW_CALLS)"
            }
            Self::WindowTimeOutOfRange => {
                "BreakerConfig.sliding_window must span 32 ms to 134217727 ms (MAX_TIMEOUT_MS)"
            }
            Self::WindowBucketsOutOfRange => {
                "BreakerConfig.sliding_window storage must have 1 to 32 buckets (MAX_WINDOW_BUCKETS)"
            }
            Self::MinimumCallsZero => "BreakerConfig.minimum_calls must be at least 1",
            Self::MinimumCallsAboveWindow => {
                "BreakerConfig.minimum_calls must not exceed a count sliding_window's calls"
            }
        }
    }
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::ToString;

    use super::ConfigError::*;
    use crate::limits::{
        MAX_BUDGET_RETRIES, MAX_DELAY_MS, MAX_FAILURE_THRESHOLD, MAX_HALF_OPEN_PERMITS,
        MAX_TIMEOUT_MS,
    };

    #[test]
    fn messages_quote_the_limits_they_enforce() {
        // The messages are literals (a `const fn` cannot format): this keeps
        // them in step with the limits.
        let quoted = [
            (FailureThresholdTooLarge, MAX_FAILURE_THRESHOLD),
            (ResetTimeoutTooLong, MAX_TIMEOUT_MS),
            (HalfOpenTimeoutTooLong, MAX_TIMEOUT_MS),
            (HalfOpenPermitsTooLarge, MAX_HALF_OPEN_PERMITS),
            (MaxDelayTooLong, MAX_DELAY_MS),
            (DeadlineTooLong, MAX_DELAY_MS),
            (MaxRetriesTooLarge, MAX_BUDGET_RETRIES),
            #[cfg(feature = "policies")]
            (
                ResetTimeoutFactorTooLarge,
                crate::limits::MAX_RESET_TIMEOUT_FACTOR,
            ),
            (MaxResetTimeoutTooLong, MAX_TIMEOUT_MS),
            (SlowCallDurationTooLong, MAX_TIMEOUT_MS),
            (WindowTimeOutOfRange, MAX_TIMEOUT_MS),
            #[cfg(feature = "policies")]
            (WindowCallsOutOfRange, crate::limits::MAX_WINDOW_CALLS),
            #[cfg(feature = "policies")]
            (
                WindowBucketsOutOfRange,
                crate::limits::MAX_WINDOW_BUCKETS as u32,
            ),
        ];
        for (e, limit) in quoted {
            assert!(
                e.message().contains(&limit.to_string()),
                "{e:?}: {}",
                e.message()
            );
            assert!(e.message().contains(e.field()), "{e:?}");
        }
    }
}

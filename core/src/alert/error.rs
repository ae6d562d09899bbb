//! [`AlertConfigError`]: every rule an alert configuration can break,
//! naming the field, and the checks the breaker's and the retry's alert
//! configurations share.

use crate::clock::Duration;
use crate::limits::MAX_DELAY_MS;

/// Why an alert configuration was refused: the field, and the rule it broke
/// (like [`ConfigError`](crate::ConfigError) for breakers and retries).
///
/// ```
/// use totem_core::{AlertConfigError, RetryAlerts};
/// let err = RetryAlerts::new().success_rate_below(120).validate().unwrap_err();
/// assert_eq!(err, AlertConfigError::SuccessRateAbove100);
/// assert_eq!(err.field(), "success_rate_below");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum AlertConfigError {
    /// `not_closed_for` is zero.
    NotClosedForZero,
    /// `not_closed_for` is above [`MAX_DELAY_MS`](crate::MAX_DELAY_MS).
    NotClosedForTooLong,
    /// `window` is zero.
    WindowZero,
    /// `window` is above [`MAX_DELAY_MS`](crate::MAX_DELAY_MS).
    WindowTooLong,
    /// `retries_window` is zero.
    RetriesWindowZero,
    /// `retries_window` is above [`MAX_DELAY_MS`](crate::MAX_DELAY_MS).
    RetriesWindowTooLong,
    /// `success_rate_below` is above 100 (a percentage).
    SuccessRateAbove100,
    /// `min_calls` is 0: a rate over no call is no rate.
    MinCallsZero,
    /// `min_retries` is 0: a mean over no retry is no mean.
    MinRetriesZero,
}

impl AlertConfigError {
    /// The configuration field at fault.
    ///
    /// ```
    /// # use totem_core::AlertConfigError;
    /// assert_eq!(AlertConfigError::WindowZero.field(), "window");
    /// ```
    pub const fn field(&self) -> &'static str {
        match self {
            Self::NotClosedForZero | Self::NotClosedForTooLong => "not_closed_for",
            Self::WindowZero | Self::WindowTooLong => "window",
            Self::RetriesWindowZero | Self::RetriesWindowTooLong => "retries_window",
            Self::SuccessRateAbove100 => "success_rate_below",
            Self::MinCallsZero => "min_calls",
            Self::MinRetriesZero => "min_retries",
        }
    }

    /// A sentence naming the field and the rule (also the compile error of
    /// [`validated!`](crate::validated)).
    ///
    /// ```
    /// # use totem_core::AlertConfigError;
    /// assert_eq!(AlertConfigError::MinCallsZero.message(), "alerts.min_calls must be at least 1 (a rate over no call is no rate)");
    /// ```
    pub const fn message(&self) -> &'static str {
        match self {
            Self::NotClosedForZero => "alerts.not_closed_for must be greater than zero",
            Self::NotClosedForTooLong => {
                "alerts.not_closed_for must be at most 2147483647 ms, about 24.8 days (MAX_DELAY_MS)"
            }
            Self::WindowZero => "alerts.window must be greater than zero",
            Self::WindowTooLong => {
                "alerts.window must be at most 2147483647 ms, about 24.8 days (MAX_DELAY_MS)"
            }
            Self::RetriesWindowZero => "alerts.retries_window must be greater than zero",
            Self::RetriesWindowTooLong => {
                "alerts.retries_window must be at most 2147483647 ms, about 24.8 days (MAX_DELAY_MS)"
            }
            Self::SuccessRateAbove100 => {
                "alerts.success_rate_below must be at most 100 (a percentage)"
            }
            Self::MinCallsZero => "alerts.min_calls must be at least 1 (a rate over no call is no rate)",
            Self::MinRetriesZero => {
                "alerts.min_retries must be at least 1 (a mean over no retry is no mean)"
            }
        }
    }
}

impl core::fmt::Display for AlertConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for AlertConfigError {}

/// A span a rule looks back over: more than zero, at most
/// [`MAX_DELAY_MS`]; `zero` and `too_long` name its field.
pub(super) const fn check_span(
    span: Duration,
    zero: AlertConfigError,
    too_long: AlertConfigError,
) -> Result<(), AlertConfigError> {
    if span.as_ticks() == 0 {
        Err(zero)
    } else if span.as_ticks() > MAX_DELAY_MS {
        Err(too_long)
    } else {
        Ok(())
    }
}

/// The success-rate rule both configurations have: its `window`, its
/// `success_rate_below` (a percentage) and its `min_calls`.
pub(super) const fn check_success_rate(
    window: Duration,
    below: u32,
    min_calls: u32,
) -> Result<(), AlertConfigError> {
    if let Err(e) = check_span(
        window,
        AlertConfigError::WindowZero,
        AlertConfigError::WindowTooLong,
    ) {
        return Err(e);
    }
    if below > 100 {
        return Err(AlertConfigError::SuccessRateAbove100);
    }
    if min_calls == 0 {
        return Err(AlertConfigError::MinCallsZero);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::AlertConfigError::*;

    #[test]
    fn every_message_names_its_field() {
        for e in [
            NotClosedForZero,
            NotClosedForTooLong,
            WindowZero,
            WindowTooLong,
            RetriesWindowZero,
            RetriesWindowTooLong,
            SuccessRateAbove100,
            MinCallsZero,
            MinRetriesZero,
        ] {
            assert!(e.message().contains(e.field()), "{e:?}");
        }
        assert!(WindowTooLong.message().contains("2147483647"));
    }

    /// Both configurations refuse each field at its bounds with the error
    /// naming it, and take the bounds themselves.
    #[test]
    fn each_alert_field_is_checked_at_its_bounds() {
        use crate::clock::Duration;
        use crate::limits::MAX_DELAY_MS;
        use crate::{BreakerAlerts, RetryAlerts};
        let zero = Duration::from_ticks(0);
        let max = Duration::from_ticks(MAX_DELAY_MS);
        let over = Duration::from_ticks(MAX_DELAY_MS + 1);
        let breaker = |a: BreakerAlerts| a.validate().err();
        let retry = |a: RetryAlerts| a.validate().err();
        let (b, r) = (BreakerAlerts::new(), RetryAlerts::new());

        assert_eq!(breaker(b.not_closed_for(zero)), Some(NotClosedForZero));
        assert_eq!(breaker(b.not_closed_for(over)), Some(NotClosedForTooLong));
        assert_eq!(retry(r.retries_window(zero)), Some(RetriesWindowZero));
        assert_eq!(retry(r.retries_window(over)), Some(RetriesWindowTooLong));
        assert_eq!(retry(r.min_retries(0)), Some(MinRetriesZero));
        for (window, below, calls) in [(zero, 50, 1), (over, 50, 1), (max, 101, 1), (max, 50, 0)] {
            let expected = if window == zero {
                WindowZero
            } else if window == over {
                WindowTooLong
            } else if below > 100 {
                SuccessRateAbove100
            } else {
                MinCallsZero
            };
            let b = b.window(window).success_rate_below(below).min_calls(calls);
            let r = r.window(window).success_rate_below(below).min_calls(calls);
            assert_eq!((breaker(b), retry(r)), (Some(expected), Some(expected)));
        }

        let b = b
            .not_closed_for(max)
            .window(max)
            .success_rate_below(100)
            .min_calls(1);
        let r = r
            .retries_window(max)
            .window(max)
            .success_rate_below(100)
            .min_calls(1)
            .min_retries(1);
        assert_eq!((breaker(b), retry(r)), (None, None));
    }
}

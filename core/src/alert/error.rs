//! [`AlertConfigError`]: every rule an alert configuration can break,
//! naming the field.

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
}

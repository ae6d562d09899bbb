//! [`RetryBudgetConfig`]: how many retries a shared
//! [`RetryBudget`](crate::RetryBudget) allows, as a share of calls with a
//! floor per second.

use super::{ConfigError, Valid};
use crate::limits::MAX_BUDGET_RETRIES;

/// Retry budget configuration: retries as a share of calls, with a floor
/// per second and a ceiling on what is saved up.
///
/// Defaults (those of Finagle's and tower's budgets): `retry_percent` 20
/// (one retry per five calls), `min_per_second` 10, `max_retries` 100.
///
/// ```
/// use totem_core::RetryBudgetConfig;
/// let cfg = RetryBudgetConfig::new()
///     .retry_percent(10)
///     .min_per_second(5)
///     .max_retries(50);
/// assert!(cfg.validate().is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RetryBudgetConfig {
    /// Retries earned per 100 calls: every call made through a retry that
    /// uses the budget deposits `retry_percent` hundredths of a retry.
    /// 0 to 100.
    pub retry_percent: u32,
    /// Retries allowed in every clock second however few calls are made:
    /// at the first withdrawal in a new second the balance is raised to at
    /// least this many. At most `max_retries`.
    pub min_per_second: u32,
    /// The most retries the budget holds: deposits beyond it are dropped,
    /// so a long healthy spell cannot save up a retry storm for the next
    /// outage. 1 to [`MAX_BUDGET_RETRIES`](crate::MAX_BUDGET_RETRIES).
    pub max_retries: u32,
}

impl RetryBudgetConfig {
    /// The defaults: 20 %, 10 a second, at most 100 saved.
    ///
    /// ```
    /// # use totem_core::RetryBudgetConfig;
    /// assert_eq!(RetryBudgetConfig::new().retry_percent, 20);
    /// ```
    pub const fn new() -> Self {
        Self {
            retry_percent: 20,
            min_per_second: 10,
            max_retries: 100,
        }
    }

    /// Retries earned per 100 calls (default 20).
    ///
    /// ```
    /// # use totem_core::RetryBudgetConfig;
    /// assert_eq!(RetryBudgetConfig::new().retry_percent(5).retry_percent, 5);
    /// ```
    pub const fn retry_percent(mut self, percent: u32) -> Self {
        self.retry_percent = percent;
        self
    }

    /// Retries allowed every second whatever the call volume (default 10).
    ///
    /// ```
    /// # use totem_core::RetryBudgetConfig;
    /// assert_eq!(RetryBudgetConfig::new().min_per_second(1).min_per_second, 1);
    /// ```
    pub const fn min_per_second(mut self, n: u32) -> Self {
        self.min_per_second = n;
        self
    }

    /// The most retries held (default 100).
    ///
    /// ```
    /// # use totem_core::RetryBudgetConfig;
    /// assert_eq!(RetryBudgetConfig::new().max_retries(20).max_retries, 20);
    /// ```
    pub const fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// Checks every rule; the first broken one is the error.
    ///
    /// ```
    /// # use totem_core::{ConfigError, RetryBudgetConfig};
    /// let err = RetryBudgetConfig::new().retry_percent(150).validate();
    /// assert_eq!(err.unwrap_err(), ConfigError::RetryPercentAbove100);
    /// ```
    pub const fn validate(self) -> Result<Valid<Self>, ConfigError> {
        if self.retry_percent > 100 {
            return Err(ConfigError::RetryPercentAbove100);
        }
        if self.max_retries == 0 {
            return Err(ConfigError::MaxRetriesZero);
        }
        if self.max_retries > MAX_BUDGET_RETRIES {
            return Err(ConfigError::MaxRetriesTooLarge);
        }
        if self.min_per_second > self.max_retries {
            return Err(ConfigError::MinPerSecondAboveMaxRetries);
        }
        if self.retry_percent == 0 && self.min_per_second == 0 {
            return Err(ConfigError::BudgetAllowsNoRetry);
        }
        Ok(Valid(self))
    }
}

impl Default for RetryBudgetConfig {
    fn default() -> Self {
        Self::new()
    }
}

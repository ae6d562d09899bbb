//! [`RetrySettings`]: a retry's validated configuration, and the budget it
//! draws on.

use super::budget::RetryBudget;
use crate::config::{RetryConfig, Valid};

/// A retry's validated configuration and the [`RetryBudget`] it draws on,
/// if any: what a [`Retry`](crate::Retry) reads through
/// [`Settings`](crate::Settings). Stored in the retry by
/// [`Retry::new`](crate::Retry::new), or a constant in flash with
/// [`settings!`](crate::settings) (then a retry without a budget carries
/// no budget code).
#[derive(Debug, Clone, Copy)]
pub struct RetrySettings {
    config: Valid<RetryConfig>,
    budget: Option<&'static RetryBudget>,
}

impl RetrySettings {
    /// The settings of `config`, without a budget. `const`, for a `static`.
    #[inline]
    pub const fn new(config: Valid<RetryConfig>) -> Self {
        Self {
            config,
            budget: None,
        }
    }

    /// The same settings drawing retries from `budget`, which other retries
    /// may share (see [`Retry::with_budget`](crate::Retry::with_budget)).
    ///
    /// ```
    /// use totem_core::{
    ///     settings, validated, ManualClock, NoObserver, Retry, RetryBudget, RetryBudgetConfig,
    ///     RetryConfig, RetrySettings,
    /// };
    /// static BUDGET: RetryBudget = RetryBudget::new(validated!(RetryBudgetConfig::new()));
    /// settings! {
    ///     Uplink: RetrySettings = RetryConfig::new("uplink"), with_budget(&BUDGET);
    /// }
    /// static CLOCK: ManualClock = ManualClock::new();
    /// static UPLINK: Retry<&ManualClock, NoObserver, Uplink> =
    ///     Retry::from_settings(Uplink, &CLOCK, 0, NoObserver);
    /// assert!(core::ptr::eq(UPLINK.budget().unwrap(), &BUDGET));
    /// ```
    #[inline]
    pub const fn with_budget(mut self, budget: &'static RetryBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// The budget, if any.
    #[inline(always)]
    pub const fn budget(&self) -> Option<&'static RetryBudget> {
        self.budget
    }

    /// The configuration.
    #[inline(always)]
    pub const fn config(&self) -> &RetryConfig {
        self.config.get()
    }

    #[inline(always)]
    pub(super) const fn valid(&self) -> &Valid<RetryConfig> {
        &self.config
    }
}

/// Equal when the configurations are and they draw on the same budget (or
/// neither on any).
impl PartialEq for RetrySettings {
    fn eq(&self, other: &Self) -> bool {
        self.config == other.config
            && match (self.budget, other.budget) {
                (Some(a), Some(b)) => core::ptr::eq(a, b),
                (None, None) => true,
                _ => false,
            }
    }
}

impl Eq for RetrySettings {}

#[cfg(feature = "defmt")]
impl defmt::Format for RetrySettings {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "RetrySettings {{ config: {} }}", self.config())
    }
}

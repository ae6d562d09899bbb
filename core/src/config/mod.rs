//! Configuration: `const fn` builders, validation into [`Valid`], and
//! [`ConfigError`], which names the field and the rule it broke.

mod breaker;
mod budget;
mod error;
mod retry;
mod settings;
#[cfg(feature = "policies")]
mod window;

pub use self::breaker::{AbandonedPermit, BreakerConfig};
pub use self::budget::RetryBudgetConfig;
pub use self::error::ConfigError;
pub use self::retry::{BackoffFactor, Jitter, RetryConfig};
pub use self::settings::Settings;
#[cfg(feature = "policies")]
pub use self::window::{SlidingWindow, Window};

/// A configuration that passed validation. Only `validate()` makes one, so a
/// breaker or retry can never run with an invalid configuration.
///
/// ```
/// use totem_core::BreakerConfig;
/// let valid = BreakerConfig::new("payments").validate().unwrap();
/// assert_eq!(valid.get().failure_threshold, 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Valid<T>(T);

impl<T> Valid<T> {
    /// Only for another module's `validate()` (the alerts' thresholds).
    pub(crate) const fn new(value: T) -> Self {
        Self(value)
    }
}

impl<T: Copy> Valid<T> {
    /// The validated configuration.
    ///
    /// ```
    /// # use totem_core::RetryConfig;
    /// let valid = RetryConfig::new("notify").validate().unwrap();
    /// assert_eq!(valid.get().max_attempts, 3);
    /// ```
    pub const fn get(&self) -> &T {
        &self.0
    }
}

/// Validates a configuration at compile time: a bad value fails the build
/// with a message naming the field and the rule. The result is a [`Valid`]
/// configuration for a `static`.
///
/// ```
/// use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock};
/// static CLOCK: ManualClock = ManualClock::new();
/// static BREAKER: CircuitBreaker<&ManualClock> = CircuitBreaker::new(
///     validated!(BreakerConfig::new("modem").failure_threshold(3)),
///     &CLOCK,
/// );
/// assert!(BREAKER.try_acquire().is_ok());
/// ```
///
/// ```compile_fail
/// use totem_core::{validated, BreakerConfig, Valid};
/// // error: "BreakerConfig.failure_threshold must be at least 1"
/// const BAD: Valid<BreakerConfig> = validated!(BreakerConfig::new("x").failure_threshold(0));
/// ```
#[macro_export]
macro_rules! validated {
    ($config:expr) => {
        const {
            match $config.validate() {
                ::core::result::Result::Ok(valid) => valid,
                ::core::result::Result::Err(error) => ::core::panic!("{}", error.message()),
            }
        }
    };
}

//! [`RetryConfig`]: the spec's retry settings, the jitter modes and the
//! fixed-point backoff factor.

use super::{ConfigError, Valid};
use crate::clock::Duration;
use crate::limits::MAX_DELAY_MS;

/// How a retry delay is randomised (AWS, "Exponential Backoff and Jitter").
/// `d` is the exponential delay; the result is clamped to `max_delay`.
///
/// ```
/// use totem_core::{Jitter, RetryConfig};
/// let cfg = RetryConfig::new("x").jitter(Jitter::Full);
/// assert_eq!(cfg.jitter, Jitter::Full);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Jitter {
    /// Exactly `d` (the default).
    None,
    /// Uniform in `[0, d]`.
    Full,
    /// `d/2 + U(0, d/2)`.
    Equal,
    /// `min(max_delay, U(initial_delay, 3 * previous))`, previous starting
    /// at `initial_delay`.
    Decorrelated,
}

/// A backoff factor in 16.16 fixed point, so that 1.5 needs no floating
/// point on an MCU without an FPU.
///
/// ```
/// use totem_core::BackoffFactor;
/// assert_eq!(BackoffFactor::ratio(3, 2), BackoffFactor::from_raw(0x1_8000));
/// assert_eq!(BackoffFactor::integer(2).raw(), 2 << 16);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BackoffFactor {
    raw: u32,
    /// What was wrong with the arguments it was built from (reported by
    /// validation, so the builders stay `const` and infallible).
    fault: Option<ConfigError>,
}

impl BackoffFactor {
    /// A whole factor (2 doubles each delay), below 65536; a larger one is
    /// a [`ConfigError::BackoffFactorTooLarge`] when validated.
    ///
    /// ```
    /// # use totem_core::{BackoffFactor, ConfigError, RetryConfig};
    /// assert_eq!(BackoffFactor::integer(3).raw(), 3 << 16);
    /// let huge = RetryConfig::new("x").backoff_factor(BackoffFactor::integer(1 << 16));
    /// assert_eq!(huge.validate().unwrap_err(), ConfigError::BackoffFactorTooLarge);
    /// ```
    pub const fn integer(n: u32) -> Self {
        if n > 0xFFFF {
            Self::faulty(ConfigError::BackoffFactorTooLarge)
        } else {
            Self::from_raw(n << 16)
        }
    }

    /// `num / den`, rounded down to 1/65536 (1.5 is `ratio(3, 2)`). A zero
    /// `den` is a [`ConfigError::BackoffFactorZeroDenominator`] when
    /// validated, a quotient of 65536 or more a
    /// [`ConfigError::BackoffFactorTooLarge`].
    ///
    /// ```
    /// # use totem_core::{BackoffFactor, ConfigError, RetryConfig};
    /// assert_eq!(BackoffFactor::ratio(5, 4).raw(), 0x1_4000);
    /// let bad = RetryConfig::new("x").backoff_factor(BackoffFactor::ratio(3, 0));
    /// assert_eq!(bad.validate().unwrap_err(), ConfigError::BackoffFactorZeroDenominator);
    /// ```
    pub const fn ratio(num: u32, den: u32) -> Self {
        if den == 0 {
            return Self::faulty(ConfigError::BackoffFactorZeroDenominator);
        }
        let raw = ((num as u64) << 16) / den as u64;
        if raw > u32::MAX as u64 {
            Self::faulty(ConfigError::BackoffFactorTooLarge)
        } else {
            Self::from_raw(raw as u32)
        }
    }

    /// From raw 16.16 fixed point.
    pub const fn from_raw(raw: u32) -> Self {
        Self { raw, fault: None }
    }

    const fn faulty(fault: ConfigError) -> Self {
        Self {
            raw: u32::MAX,
            fault: Some(fault),
        }
    }

    /// The raw 16.16 fixed-point value.
    pub const fn raw(self) -> u32 {
        self.raw
    }

    /// The factor, or what was wrong with the arguments it was built from
    /// (below 1 is checked by validation, with the rest of the retry).
    ///
    /// ```
    /// # use totem_core::{BackoffFactor, ConfigError};
    /// assert_eq!(BackoffFactor::ratio(1, 0).check(), Err(ConfigError::BackoffFactorZeroDenominator));
    /// ```
    pub const fn check(self) -> Result<Self, ConfigError> {
        match self.fault {
            Some(e) => Err(e),
            None => Ok(self),
        }
    }
}

/// Retry configuration.
///
/// Defaults (from the spec): `max_attempts` 3 (**counting the first call**),
/// `initial_delay` 1 s, `max_delay` 10 s, `backoff_factor` 2, no jitter, no
/// deadline, metrics on.
///
/// ```
/// use totem_core::{BackoffFactor, Duration, Jitter, RetryConfig};
/// let cfg = RetryConfig::new("payment_retry")
///     .max_attempts(3)
///     .initial_delay(Duration::from_secs(1))
///     .max_delay(Duration::from_secs(10))
///     .backoff_factor(BackoffFactor::integer(2))
///     .jitter(Jitter::Equal);
/// assert!(cfg.validate().is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RetryConfig {
    /// The instance name carried by events and metrics.
    pub name: &'static str,
    /// Attempts in all, the first call included.
    pub max_attempts: u32,
    /// The delay before the first retry.
    pub initial_delay: Duration,
    /// The longest delay, applied after jitter.
    pub max_delay: Duration,
    /// Growth of the delay from one retry to the next.
    pub backoff_factor: BackoffFactor,
    /// Randomisation of each delay.
    pub jitter: Jitter,
    /// Total time budget of a call, from the start of its first attempt
    /// (that attempt's own time included): a retry whose delay would end
    /// past it is not made (the last error is returned instead).
    pub deadline: Option<Duration>,
    /// Whether the retry counts attempts, successes and delays.
    pub metrics: bool,
}

impl RetryConfig {
    /// The spec's defaults, with this `name`.
    ///
    /// ```
    /// # use totem_core::RetryConfig;
    /// assert_eq!(RetryConfig::new("x").max_attempts, 3);
    /// ```
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            max_attempts: 3,
            initial_delay: Duration::from_ticks(1_000),
            max_delay: Duration::from_ticks(10_000),
            backoff_factor: BackoffFactor::integer(2),
            jitter: Jitter::None,
            deadline: None,
            metrics: true,
        }
    }

    /// Attempts in all, counting the first call (default 3).
    ///
    /// ```
    /// # use totem_core::RetryConfig;
    /// assert_eq!(RetryConfig::new("x").max_attempts(1).max_attempts, 1);
    /// ```
    pub const fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n;
        self
    }

    /// Delay before the first retry (default 1 s).
    ///
    /// ```
    /// # use totem_core::{Duration, RetryConfig};
    /// let cfg = RetryConfig::new("x").initial_delay(Duration::from_millis(100));
    /// assert_eq!(cfg.initial_delay.as_ticks(), 100);
    /// ```
    pub const fn initial_delay(mut self, d: Duration) -> Self {
        self.initial_delay = d;
        self
    }

    /// The longest delay (default 10 s).
    ///
    /// ```
    /// # use totem_core::{Duration, RetryConfig};
    /// let cfg = RetryConfig::new("x").max_delay(Duration::from_secs(30));
    /// assert_eq!(cfg.max_delay.as_ticks(), 30_000);
    /// ```
    pub const fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// Delay growth (default 2; [`BackoffFactor::ratio`] for 1.5).
    ///
    /// ```
    /// # use totem_core::{BackoffFactor, RetryConfig};
    /// let cfg = RetryConfig::new("x").backoff_factor(BackoffFactor::ratio(3, 2));
    /// assert!(cfg.validate().is_ok());
    /// ```
    pub const fn backoff_factor(mut self, f: BackoffFactor) -> Self {
        self.backoff_factor = f;
        self
    }

    /// Jitter (default [`Jitter::None`]).
    ///
    /// ```
    /// # use totem_core::{Jitter, RetryConfig};
    /// assert_eq!(RetryConfig::new("x").jitter(Jitter::Decorrelated).jitter, Jitter::Decorrelated);
    /// ```
    pub const fn jitter(mut self, j: Jitter) -> Self {
        self.jitter = j;
        self
    }

    /// A total time budget (default none). Needs a real clock. At most
    /// [`MAX_DELAY_MS`](crate::MAX_DELAY_MS); a clock step backwards
    /// is charged nothing, and so is a forward jump of 2^31 ms or more within
    /// one attempt (it cannot be told from a step back).
    ///
    /// ```
    /// # use totem_core::{Duration, RetryConfig};
    /// let cfg = RetryConfig::new("x").deadline(Duration::from_secs(5));
    /// assert_eq!(cfg.deadline, Some(Duration::from_secs(5)));
    /// ```
    pub const fn deadline(mut self, d: Duration) -> Self {
        self.deadline = Some(d);
        self
    }

    /// Turns the retry's counters on or off (default on).
    ///
    /// ```
    /// # use totem_core::RetryConfig;
    /// assert!(!RetryConfig::new("x").metrics(false).metrics);
    /// ```
    pub const fn metrics(mut self, on: bool) -> Self {
        self.metrics = on;
        self
    }

    /// Checks every rule; the first broken one is the error.
    ///
    /// ```
    /// # use totem_core::{ConfigError, Duration, RetryConfig};
    /// let err = RetryConfig::new("x").initial_delay(Duration::from_secs(20)).validate();
    /// assert_eq!(err.unwrap_err(), ConfigError::InitialDelayAboveMaxDelay);
    /// ```
    pub const fn validate(self) -> Result<Valid<Self>, ConfigError> {
        if self.max_attempts == 0 {
            return Err(ConfigError::MaxAttemptsZero);
        }
        if self.max_delay.as_ticks() > MAX_DELAY_MS {
            return Err(ConfigError::MaxDelayTooLong);
        }
        if self.initial_delay.as_ticks() == 0 {
            return Err(ConfigError::InitialDelayZero);
        }
        if self.initial_delay.as_ticks() > self.max_delay.as_ticks() {
            return Err(ConfigError::InitialDelayAboveMaxDelay);
        }
        if let Err(e) = self.backoff_factor.check() {
            return Err(e);
        }
        if self.backoff_factor.raw() < (1 << 16) {
            return Err(ConfigError::BackoffFactorBelowOne);
        }
        if let Some(d) = self.deadline {
            if d.as_ticks() == 0 {
                return Err(ConfigError::DeadlineZero);
            }
            if d.as_ticks() > MAX_DELAY_MS {
                return Err(ConfigError::DeadlineTooLong);
            }
        }
        Ok(Valid(self))
    }
}

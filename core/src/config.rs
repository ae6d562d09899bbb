//! Configuration: `const fn` builders, validation into [`Valid`], and
//! [`ConfigError`], which names the field and the rule it broke.

use crate::clock::Duration;
use crate::state::{MAX_FAILURE_THRESHOLD, MAX_HALF_OPEN_PERMITS, MAX_TIMEOUT_MS};

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
    /// `failure_threshold` is above [`MAX_FAILURE_THRESHOLD`].
    FailureThresholdTooLarge,
    /// `reset_timeout` is zero.
    ResetTimeoutZero,
    /// `reset_timeout` is above [`MAX_TIMEOUT_MS`].
    ResetTimeoutTooLong,
    /// `half_open_timeout` is zero.
    HalfOpenTimeoutZero,
    /// `half_open_timeout` is above [`MAX_TIMEOUT_MS`].
    HalfOpenTimeoutTooLong,
    /// `half_open_permits` is 0.
    HalfOpenPermitsZero,
    /// `half_open_permits` is above [`MAX_HALF_OPEN_PERMITS`].
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
    /// `max_delay` is above [`MAX_DELAY_MS`](crate::retry::MAX_DELAY_MS).
    MaxDelayTooLong,
    /// `backoff_factor` is below 1.
    BackoffFactorBelowOne,
    /// `deadline` is zero.
    DeadlineZero,
    /// `deadline` is above [`MAX_DELAY_MS`](crate::retry::MAX_DELAY_MS).
    DeadlineTooLong,
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
            Self::BackoffFactorBelowOne => "backoff_factor",
            Self::DeadlineZero | Self::DeadlineTooLong => "deadline",
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
                "BreakerConfig.half_open_permits must be at most 31 (MAX_HALF_OPEN_PERMITS)"
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
            Self::DeadlineZero => "RetryConfig.deadline must be greater than zero",
            Self::DeadlineTooLong => {
                "RetryConfig.deadline must be at most 2147483647 ms, about 24.8 days (MAX_DELAY_MS)"
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

/// What a [`Permit`](crate::Permit) dropped without an outcome counts as.
///
/// ```
/// use totem_core::{AbandonedPermit, BreakerConfig};
/// let cfg = BreakerConfig::new("x").abandoned(AbandonedPermit::Neutral);
/// assert_eq!(cfg.abandoned, AbandonedPermit::Neutral);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum AbandonedPermit {
    /// A failure (the default): a dependency that hangs until the caller
    /// gives up must still trip the breaker.
    Failure,
    /// Neutral, like an ignored outcome: the slot is returned and nothing
    /// else changes.
    Neutral,
}

/// Circuit breaker configuration.
///
/// Defaults (from the spec): `failure_threshold` 5, `reset_timeout` 60 s,
/// `half_open_timeout` 30 s, `half_open_permits` 1, `successes_to_close` =
/// `half_open_permits`, an abandoned permit counts as a failure.
///
/// ```
/// use totem_core::{BreakerConfig, Duration};
/// let cfg = BreakerConfig::new("payment_processor")
///     .failure_threshold(5)
///     .reset_timeout(Duration::from_secs(60))
///     .half_open_timeout(Duration::from_secs(30));
/// assert!(cfg.validate().is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BreakerConfig {
    /// The instance name carried by events and metrics.
    pub name: &'static str,
    /// Consecutive failures in CLOSED that open the breaker.
    pub failure_threshold: u32,
    /// How long the breaker stays OPEN before it admits a probe.
    pub reset_timeout: Duration,
    /// How long half-open probes may stay unresolved before the breaker
    /// reopens, counted from the admission of the first probe in flight (a
    /// probe admitted while none is in flight starts the count afresh).
    pub half_open_timeout: Duration,
    /// How many probes a half-open episode admits.
    pub half_open_permits: u32,
    /// How many successful probes close the breaker (`None`: all permits).
    pub successes_to_close: Option<u32>,
    /// What a permit dropped without an outcome counts as.
    pub abandoned: AbandonedPermit,
}

impl BreakerConfig {
    /// The spec's defaults, with this `name`.
    ///
    /// ```
    /// # use totem_core::{BreakerConfig, Duration};
    /// let cfg = BreakerConfig::new("x");
    /// assert_eq!(cfg.reset_timeout, Duration::from_secs(60));
    /// ```
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            failure_threshold: 5,
            reset_timeout: Duration::from_ticks(60_000),
            half_open_timeout: Duration::from_ticks(30_000),
            half_open_permits: 1,
            successes_to_close: None,
            abandoned: AbandonedPermit::Failure,
        }
    }

    /// Consecutive failures that open the breaker (default 5, 1..=511).
    ///
    /// ```
    /// # use totem_core::BreakerConfig;
    /// assert_eq!(BreakerConfig::new("x").failure_threshold(3).failure_threshold, 3);
    /// ```
    pub const fn failure_threshold(mut self, n: u32) -> Self {
        self.failure_threshold = n;
        self
    }

    /// Time OPEN before a probe is allowed (default 60 s, at most
    /// [`MAX_TIMEOUT_MS`]).
    ///
    /// ```
    /// # use totem_core::{BreakerConfig, Duration};
    /// let cfg = BreakerConfig::new("x").reset_timeout(Duration::from_millis(250));
    /// assert_eq!(cfg.reset_timeout.as_ticks(), 250);
    /// ```
    pub const fn reset_timeout(mut self, d: Duration) -> Self {
        self.reset_timeout = d;
        self
    }

    /// Time the half-open probes may stay unresolved (default 30 s, at most
    /// [`MAX_TIMEOUT_MS`]).
    ///
    /// ```
    /// # use totem_core::{BreakerConfig, Duration};
    /// let cfg = BreakerConfig::new("x").half_open_timeout(Duration::from_secs(5));
    /// assert_eq!(cfg.half_open_timeout.as_ticks(), 5_000);
    /// ```
    pub const fn half_open_timeout(mut self, d: Duration) -> Self {
        self.half_open_timeout = d;
        self
    }

    /// Probes admitted per half-open episode (default 1, 1..=31).
    ///
    /// ```
    /// # use totem_core::BreakerConfig;
    /// assert_eq!(BreakerConfig::new("x").half_open_permits(3).half_open_permits, 3);
    /// ```
    pub const fn half_open_permits(mut self, n: u32) -> Self {
        self.half_open_permits = n;
        self
    }

    /// Successful probes that close the breaker (default: all permits).
    ///
    /// ```
    /// # use totem_core::BreakerConfig;
    /// let cfg = BreakerConfig::new("x").half_open_permits(3).successes_to_close(2);
    /// assert!(cfg.validate().is_ok());
    /// ```
    pub const fn successes_to_close(mut self, n: u32) -> Self {
        self.successes_to_close = Some(n);
        self
    }

    /// What a permit dropped without an outcome counts as (default
    /// [`AbandonedPermit::Failure`]).
    ///
    /// ```
    /// # use totem_core::{AbandonedPermit, BreakerConfig};
    /// let cfg = BreakerConfig::new("x").abandoned(AbandonedPermit::Neutral);
    /// assert!(cfg.validate().is_ok());
    /// ```
    pub const fn abandoned(mut self, policy: AbandonedPermit) -> Self {
        self.abandoned = policy;
        self
    }

    /// The successes that close the breaker, once defaults are applied.
    ///
    /// ```
    /// # use totem_core::BreakerConfig;
    /// assert_eq!(BreakerConfig::new("x").half_open_permits(4).effective_successes_to_close(), 4);
    /// ```
    pub const fn effective_successes_to_close(&self) -> u32 {
        match self.successes_to_close {
            Some(n) => n,
            None => self.half_open_permits,
        }
    }

    /// Checks every rule; the first broken one is the error.
    ///
    /// ```
    /// # use totem_core::{BreakerConfig, ConfigError, Duration};
    /// let err = BreakerConfig::new("x").reset_timeout(Duration::from_ticks(0)).validate();
    /// assert_eq!(err.unwrap_err(), ConfigError::ResetTimeoutZero);
    /// ```
    pub const fn validate(self) -> Result<Valid<Self>, ConfigError> {
        if self.failure_threshold == 0 {
            return Err(ConfigError::FailureThresholdZero);
        }
        if self.failure_threshold > MAX_FAILURE_THRESHOLD {
            return Err(ConfigError::FailureThresholdTooLarge);
        }
        if self.reset_timeout.as_ticks() == 0 {
            return Err(ConfigError::ResetTimeoutZero);
        }
        if self.reset_timeout.as_ticks() > MAX_TIMEOUT_MS {
            return Err(ConfigError::ResetTimeoutTooLong);
        }
        if self.half_open_timeout.as_ticks() == 0 {
            return Err(ConfigError::HalfOpenTimeoutZero);
        }
        if self.half_open_timeout.as_ticks() > MAX_TIMEOUT_MS {
            return Err(ConfigError::HalfOpenTimeoutTooLong);
        }
        if self.half_open_permits == 0 {
            return Err(ConfigError::HalfOpenPermitsZero);
        }
        if self.half_open_permits > MAX_HALF_OPEN_PERMITS {
            return Err(ConfigError::HalfOpenPermitsTooLarge);
        }
        let successes = self.effective_successes_to_close();
        if successes == 0 {
            return Err(ConfigError::SuccessesToCloseZero);
        }
        if successes > self.half_open_permits {
            return Err(ConfigError::SuccessesToCloseAbovePermits);
        }
        Ok(Valid(self))
    }
}

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
pub struct BackoffFactor(u32);

impl BackoffFactor {
    /// A whole factor (2 doubles each delay). Saturates at 65535.
    ///
    /// ```
    /// # use totem_core::BackoffFactor;
    /// assert_eq!(BackoffFactor::integer(3).raw(), 3 << 16);
    /// ```
    pub const fn integer(n: u32) -> Self {
        if n > 0xFFFF {
            Self(u32::MAX)
        } else {
            Self(n << 16)
        }
    }

    /// `num / den`, rounded down to 1/65536 (1.5 is `ratio(3, 2)`). A zero
    /// `den` gives the largest factor, which validation accepts (it only
    /// saturates delays at `max_delay`).
    ///
    /// ```
    /// # use totem_core::BackoffFactor;
    /// assert_eq!(BackoffFactor::ratio(5, 4).raw(), 0x1_4000);
    /// ```
    pub const fn ratio(num: u32, den: u32) -> Self {
        if den == 0 {
            return Self(u32::MAX);
        }
        let raw = ((num as u64) << 16) / den as u64;
        if raw > u32::MAX as u64 {
            Self(u32::MAX)
        } else {
            Self(raw as u32)
        }
    }

    /// From raw 16.16 fixed point.
    ///
    /// ```
    /// # use totem_core::BackoffFactor;
    /// assert_eq!(BackoffFactor::from_raw(1 << 16), BackoffFactor::integer(1));
    /// ```
    pub const fn from_raw(raw: u32) -> Self {
        Self(raw)
    }

    /// The raw 16.16 fixed-point value.
    ///
    /// ```
    /// # use totem_core::BackoffFactor;
    /// assert_eq!(BackoffFactor::ratio(1, 2).raw(), 0x8000);
    /// ```
    pub const fn raw(self) -> u32 {
        self.0
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
    /// [`MAX_DELAY_MS`](crate::retry::MAX_DELAY_MS); a clock step backwards
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
        use crate::retry::MAX_DELAY_MS;
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

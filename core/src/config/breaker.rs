//! [`BreakerConfig`]: the spec's breaker settings and their limits.

use super::{ConfigError, Valid};
use crate::clock::Duration;
use crate::limits::{MAX_FAILURE_THRESHOLD, MAX_HALF_OPEN_PERMITS, MAX_TIMEOUT_MS};

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

//! [`BreakerConfig`]: the spec's breaker settings and their limits.

use super::{ConfigError, Valid};
#[cfg(feature = "policies")]
use super::{SlidingWindow, Window};
use crate::clock::Duration;
#[cfg(feature = "policies")]
use crate::limits::MAX_RESET_TIMEOUT_FACTOR;
use crate::limits::{MAX_FAILURE_THRESHOLD, MAX_HALF_OPEN_PERMITS, MAX_TIMEOUT_MS};
#[cfg(feature = "policies")]
use crate::limits::{MAX_WINDOW_BUCKETS, MAX_WINDOW_CALLS};
#[cfg(feature = "policies")]
use crate::window::WindowStorage;

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
/// With totem-core's `policies` feature, the policies beyond consecutive
/// failures, each off until configured:
/// - a growing open time (`reset_timeout_growth`);
/// - a half-open episode decided by its failure rate
///   (`half_open_failure_rate`);
/// - a `sliding_window` of the last calls or the last stretch of time, and
///   over it a `failure_rate` and a `slow_calls` rate that open the
///   breaker, once the window holds `minimum_calls`.
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
    /// The open time's growth per consecutive reopen: the breaker stays OPEN
    /// `reset_timeout × factor^n` after its `n`-th reopen in a row (a failed
    /// half-open episode or a half-open timeout), `n` counted up to
    /// [`MAX_REOPENS_COUNTED`](crate::MAX_REOPENS_COUNTED), and back to
    /// `reset_timeout` once it closes. 1 (the default) is no growth.
    #[cfg(feature = "policies")]
    pub reset_timeout_factor: u32,
    /// The longest a growing open time gets (`None`: [`MAX_TIMEOUT_MS`]).
    #[cfg(feature = "policies")]
    pub max_reset_timeout: Option<Duration>,
    /// `Some(p)`: a half-open episode is decided by rate once all its
    /// `half_open_permits` probes have reported: it reopens if `p` % of them
    /// or more failed, and closes otherwise. `None` (the default): any
    /// failed probe reopens at once, and `successes_to_close` successes
    /// close.
    #[cfg(feature = "policies")]
    pub half_open_failure_rate: Option<u32>,
    /// The sliding window the rate policies are judged over.
    #[cfg(feature = "policies")]
    pub window: Option<Window>,
    /// Outcomes the window must hold before a rate can open the breaker.
    #[cfg(feature = "policies")]
    pub minimum_calls: u32,
    /// `Some(p)`: open when `p` % or more of the window's outcomes failed
    /// (inclusive).
    #[cfg(feature = "policies")]
    pub failure_rate: Option<u32>,
    /// `Some(d)`: a call that takes `d` or longer is slow.
    #[cfg(feature = "policies")]
    pub slow_call_duration: Option<Duration>,
    /// With `slow_call_duration`: open when this % or more of the window's
    /// outcomes were slow (inclusive), failed or not.
    #[cfg(feature = "policies")]
    pub slow_call_rate: u32,
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
            #[cfg(feature = "policies")]
            reset_timeout_factor: 1,
            #[cfg(feature = "policies")]
            max_reset_timeout: None,
            #[cfg(feature = "policies")]
            half_open_failure_rate: None,
            #[cfg(feature = "policies")]
            window: None,
            #[cfg(feature = "policies")]
            minimum_calls: 10,
            #[cfg(feature = "policies")]
            failure_rate: None,
            #[cfg(feature = "policies")]
            slow_call_duration: None,
            #[cfg(feature = "policies")]
            slow_call_rate: 100,
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

    /// Probes admitted per half-open episode (default 1, 1..=15).
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

    #[cfg(feature = "policies")]
    /// A growing open time: `reset_timeout × factor^n` after the `n`-th
    /// consecutive reopen, at most `max` (default: factor 1, no growth).
    ///
    /// ```
    /// # use totem_core::{BreakerConfig, Duration};
    /// let cfg = BreakerConfig::new("x")
    ///     .reset_timeout(Duration::from_secs(10))
    ///     .reset_timeout_growth(2, Duration::from_secs(300));
    /// assert!(cfg.validate().is_ok());
    /// ```
    pub const fn reset_timeout_growth(mut self, factor: u32, max: Duration) -> Self {
        self.reset_timeout_factor = factor;
        self.max_reset_timeout = Some(max);
        self
    }

    #[cfg(feature = "policies")]
    /// Decides a half-open episode by rate once all its probes reported:
    /// reopen if `percent` % or more failed, close otherwise (default: any
    /// failed probe reopens).
    ///
    /// ```
    /// # use totem_core::BreakerConfig;
    /// let cfg = BreakerConfig::new("x").half_open_permits(10).half_open_failure_rate(50);
    /// assert!(cfg.validate().is_ok());
    /// ```
    pub const fn half_open_failure_rate(mut self, percent: u32) -> Self {
        self.half_open_failure_rate = Some(percent);
        self
    }

    #[cfg(feature = "policies")]
    /// The sliding window the rate policies are judged over, held in
    /// `storage` (a [`RateWindow`](crate::RateWindow)'s).
    ///
    /// ```
    /// # use totem_core::{BreakerConfig, Duration, RateWindow, SlidingWindow};
    /// static WINDOW: RateWindow<10> = RateWindow::new();
    /// let cfg = BreakerConfig::new("x")
    ///     .sliding_window(SlidingWindow::Time(Duration::from_secs(60)), WINDOW.storage())
    ///     .failure_rate(50);
    /// assert!(cfg.validate().is_ok());
    /// ```
    pub const fn sliding_window(mut self, size: SlidingWindow, storage: WindowStorage) -> Self {
        self.window = Some(Window { size, storage });
        self
    }

    #[cfg(feature = "policies")]
    /// Outcomes the window must hold before a rate can open the breaker
    /// (default 10).
    ///
    /// ```
    /// # use totem_core::BreakerConfig;
    /// assert_eq!(BreakerConfig::new("x").minimum_calls(20).minimum_calls, 20);
    /// ```
    pub const fn minimum_calls(mut self, n: u32) -> Self {
        self.minimum_calls = n;
        self
    }

    #[cfg(feature = "policies")]
    /// Opens the breaker when `percent` % or more of the window's outcomes
    /// failed (1 to 100; needs a sliding window).
    ///
    /// ```
    /// # use totem_core::BreakerConfig;
    /// assert!(BreakerConfig::new("x").failure_rate(50).validate().is_err(), "no window");
    /// ```
    pub const fn failure_rate(mut self, percent: u32) -> Self {
        self.failure_rate = Some(percent);
        self
    }

    #[cfg(feature = "policies")]
    /// Counts a call taking `duration` or longer as slow, and opens the
    /// breaker when `percent` % or more of the window's outcomes were slow
    /// (needs a sliding window). The clock is then read when each call
    /// starts and ends.
    ///
    /// ```
    /// # use totem_core::{BreakerConfig, Duration, RateWindow, SlidingWindow};
    /// static WINDOW: RateWindow<4> = RateWindow::new();
    /// let cfg = BreakerConfig::new("x")
    ///     .sliding_window(SlidingWindow::Calls(20), WINDOW.storage())
    ///     .slow_calls(Duration::from_secs(2), 80);
    /// assert!(cfg.validate().is_ok());
    /// ```
    pub const fn slow_calls(mut self, duration: Duration, percent: u32) -> Self {
        self.slow_call_duration = Some(duration);
        self.slow_call_rate = percent;
        self
    }

    #[cfg(feature = "policies")]
    /// The open time after `reopens` consecutive reopens (0: the first time
    /// the breaker opens).
    ///
    /// ```
    /// # use totem_core::{BreakerConfig, Duration};
    /// let cfg = BreakerConfig::new("x")
    ///     .reset_timeout(Duration::from_secs(10))
    ///     .reset_timeout_growth(3, Duration::from_secs(60));
    /// let secs = [0, 1, 2, 3].map(|n| cfg.open_time(n).as_ticks() / 1000);
    /// assert_eq!(secs, [10, 30, 60, 60]);
    /// ```
    pub const fn open_time(&self, reopens: u32) -> Duration {
        let cap = match self.max_reset_timeout {
            Some(max) => max.as_ticks(),
            None => MAX_TIMEOUT_MS,
        };
        let mut t = self.reset_timeout.as_ticks() as u64;
        let mut i = 0;
        while i < reopens && t < cap as u64 {
            t *= self.reset_timeout_factor as u64;
            i += 1;
        }
        if t > cap as u64 {
            t = cap as u64;
        }
        Duration::from_ticks(t as u32)
    }

    /// The rules of the sliding window and the rates judged over it.
    #[cfg(feature = "policies")]
    const fn validate_window(&self) -> Result<(), ConfigError> {
        if let Some(p) = self.failure_rate {
            if p == 0 || p > 100 {
                return Err(ConfigError::FailureRateOutOfRange);
            }
        }
        if let Some(d) = self.slow_call_duration {
            if d.as_ticks() == 0 {
                return Err(ConfigError::SlowCallDurationZero);
            }
            if d.as_ticks() > MAX_TIMEOUT_MS {
                return Err(ConfigError::SlowCallDurationTooLong);
            }
            if self.slow_call_rate == 0 || self.slow_call_rate > 100 {
                return Err(ConfigError::SlowCallRateOutOfRange);
            }
        }
        let rates = self.failure_rate.is_some() || self.slow_call_duration.is_some();
        let Some(window) = self.window else {
            if rates {
                return Err(ConfigError::RatePolicyWithoutWindow);
            }
            return Ok(());
        };
        let buckets = window.storage.buckets();
        if buckets == 0 || buckets as usize > MAX_WINDOW_BUCKETS {
            return Err(ConfigError::WindowBucketsOutOfRange);
        }
        match window.size {
            SlidingWindow::Calls(n) => {
                if n == 0 || n > MAX_WINDOW_CALLS {
                    return Err(ConfigError::WindowCallsOutOfRange);
                }
                // The most calls the window holds (see `Window::plan`).
                let (used, per) = window.plan();
                if rates && self.minimum_calls > used * per {
                    return Err(ConfigError::MinimumCallsAboveWindow);
                }
            }
            SlidingWindow::Time(span) => {
                if span.as_ticks() < MAX_WINDOW_BUCKETS as u32 || span.as_ticks() > MAX_TIMEOUT_MS {
                    return Err(ConfigError::WindowTimeOutOfRange);
                }
            }
        }
        if self.minimum_calls == 0 {
            return Err(ConfigError::MinimumCallsZero);
        }
        Ok(())
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
        #[cfg(feature = "policies")]
        if let Err(e) = self.validate_policies() {
            return Err(e);
        }
        Ok(Valid(self))
    }

    /// The rules of the policies beyond consecutive failures.
    #[cfg(feature = "policies")]
    const fn validate_policies(&self) -> Result<(), ConfigError> {
        if self.reset_timeout_factor == 0 {
            return Err(ConfigError::ResetTimeoutFactorZero);
        }
        if self.reset_timeout_factor > MAX_RESET_TIMEOUT_FACTOR {
            return Err(ConfigError::ResetTimeoutFactorTooLarge);
        }
        if let Some(max) = self.max_reset_timeout {
            if max.as_ticks() < self.reset_timeout.as_ticks() {
                return Err(ConfigError::MaxResetTimeoutBelowResetTimeout);
            }
            if max.as_ticks() > MAX_TIMEOUT_MS {
                return Err(ConfigError::MaxResetTimeoutTooLong);
            }
        }
        if let Some(p) = self.half_open_failure_rate {
            if p == 0 || p > 100 {
                return Err(ConfigError::HalfOpenFailureRateOutOfRange);
            }
            if self.successes_to_close.is_some() {
                return Err(ConfigError::SuccessesToCloseWithHalfOpenRate);
            }
        }
        #[cfg(feature = "policies")]
        if let Err(e) = self.validate_window() {
            return Err(e);
        }
        Ok(())
    }
}

//! # totem-std
//!
//! Totem on `std`: [`StdClock`] (monotonic, millisecond resolution) and
//! [`CoarseClock`] (monotonic, kernel-tick resolution, four times cheaper;
//! the default), both zero-sized and usable in a `static`, blocking [`sleep`]
//! for the retry loop, and constructors that
//! seed retry jitter from the operating system. Every decision stays in
//! [`totem_core`]; this crate only supplies time, sleep and entropy.
//!
//! ```
//! use totem_core::{BreakerConfig, RetryConfig, Duration};
//!
//! let breaker = totem_std::breaker(BreakerConfig::new("inventory")).expect("valid config");
//! let retry = totem_std::retry(RetryConfig::new("inventory").initial_delay(Duration::from_millis(1)))
//!     .expect("valid config");
//!
//! // The spec's decorator order: the breaker sees one outcome per retried call.
//! let stock = breaker.call(|| retry.call(&totem_std::sleep, || Ok::<_, &str>(42)));
//! assert_eq!(stock.unwrap(), 42);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::sync::OnceLock;

pub use totem_core;
use totem_core::{
    BreakerConfig, CircuitBreaker, Clock, ConfigError, Duration, Instant, Retry, RetryConfig,
};

/// The process-wide origin of [`StdClock`].
static EPOCH: OnceLock<std::time::Instant> = OnceLock::new();

/// Milliseconds since the first use of any `StdClock` in this process, from
/// [`std::time::Instant`] (monotonic), on the core's wrapping 32-bit
/// timeline. Zero-sized, so a `static` breaker can hold it.
///
/// ```
/// use totem_core::Clock;
/// use totem_std::StdClock;
/// let a = StdClock.now();
/// let b = StdClock.now();
/// assert!(!b.is_before(a));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StdClock;

impl Clock for StdClock {
    #[inline]
    fn now(&self) -> Instant {
        let elapsed = EPOCH.get_or_init(std::time::Instant::now).elapsed();
        wrapping_millis(elapsed.as_secs(), elapsed.subsec_millis())
    }
}

/// A reading of a clock, in seconds and milliseconds, as the core's
/// wrapping millisecond [`Instant`]: truncation to `u32` is the wrap the core
/// expects (every 49.7 days).
#[inline]
fn wrapping_millis(secs: u64, subsec_millis: u32) -> Instant {
    Instant::from_ticks(
        secs.wrapping_mul(1_000)
            .wrapping_add(u64::from(subsec_millis)) as u32,
    )
}

/// A monotonic clock read from `CLOCK_MONOTONIC_COARSE` (Linux, Android):
/// about a quarter of the cost of [`std::time::Instant::now`], at the
/// resolution of the kernel tick (1–10 ms, 4 ms on the benchmark machine;
/// [`CoarseClock::resolution`] tells). It is the default clock of
/// [`breaker`] because an OPEN breaker reads the clock on every rejected call,
/// and a few milliseconds of lateness in a `reset_timeout` is harmless. On
/// other systems it reads [`StdClock`]. Zero-sized.
///
/// ```
/// use totem_core::Clock;
/// use totem_std::CoarseClock;
/// let a = CoarseClock.now();
/// let b = CoarseClock.now();
/// assert!(!b.is_before(a));
/// assert!(CoarseClock::resolution() <= std::time::Duration::from_millis(100));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CoarseClock;

impl CoarseClock {
    /// The clock's resolution (the kernel tick on Linux; 1 ms elsewhere,
    /// where it reads [`StdClock`]).
    ///
    /// ```
    /// assert!(totem_std::CoarseClock::resolution() > std::time::Duration::ZERO);
    /// ```
    pub fn resolution() -> std::time::Duration {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            let ts = rustix::time::clock_getres(rustix::time::ClockId::MonotonicCoarse);
            std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
                .max(std::time::Duration::from_millis(1))
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        {
            std::time::Duration::from_millis(1)
        }
    }
}

impl Clock for CoarseClock {
    #[inline]
    fn now(&self) -> Instant {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            // Milliseconds since boot.
            let ts = rustix::time::clock_gettime(rustix::time::ClockId::MonotonicCoarse);
            wrapping_millis(ts.tv_sec as u64, (ts.tv_nsec / 1_000_000) as u32)
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        {
            StdClock.now()
        }
    }
}

/// The clock [`breaker`] and [`retry`] use: [`CoarseClock`].
pub type DefaultClock = CoarseClock;

/// Converts a core [`Duration`] to a [`std::time::Duration`].
///
/// ```
/// use totem_core::Duration;
/// assert_eq!(totem_std::to_std(Duration::from_millis(1500)), std::time::Duration::from_millis(1500));
/// ```
pub fn to_std(d: Duration) -> std::time::Duration {
    std::time::Duration::from_millis(u64::from(d.as_ticks()))
}

/// Blocks the thread for `d`: the sleep function for [`Retry::call`].
///
/// ```
/// use totem_core::Duration;
/// totem_std::sleep(Duration::from_millis(0));
/// ```
pub fn sleep(d: Duration) {
    std::thread::sleep(to_std(d));
}

/// A seed from the operating system's entropy source, for retry jitter (so
/// that a fleet of processes does not retry in lockstep). Falls back to the
/// clock and the process id if the OS source fails.
///
/// ```
/// let _seed: u64 = totem_std::os_seed();
/// ```
pub fn os_seed() -> u64 {
    getrandom::u64().unwrap_or_else(|_| {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        t ^ (u64::from(std::process::id()) << 32)
    })
}

/// A breaker on the [`DefaultClock`] ([`CoarseClock`]), or the configuration
/// error. For millisecond resolution build one on [`StdClock`] with
/// [`CircuitBreaker::try_new`].
///
/// ```
/// use totem_core::{BreakerConfig, ConfigError};
/// let err = totem_std::breaker(BreakerConfig::new("x").half_open_permits(0)).unwrap_err();
/// assert_eq!(err, ConfigError::HalfOpenPermitsZero);
/// ```
pub fn breaker(config: BreakerConfig) -> Result<CircuitBreaker<DefaultClock>, ConfigError> {
    let breaker = CircuitBreaker::try_new(config, DefaultClock::default())?;
    // Event times and time in state count from the breaker's creation.
    breaker.start_time_accounting();
    Ok(breaker)
}

/// A retry on the [`DefaultClock`] with jitter seeded from the OS, or the
/// configuration error.
///
/// ```
/// use totem_core::RetryConfig;
/// let retry = totem_std::retry(RetryConfig::new("x")).unwrap();
/// assert_eq!(retry.config().max_attempts, 3);
/// ```
pub fn retry(config: RetryConfig) -> Result<Retry<DefaultClock>, ConfigError> {
    Retry::try_new(config, DefaultClock::default(), os_seed())
}

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

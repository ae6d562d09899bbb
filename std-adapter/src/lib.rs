//! # totem-std
//!
//! Totem on `std`: [`StdClock`] (monotonic, millisecond resolution) and
//! [`CoarseClock`] (monotonic, kernel-tick resolution, four times cheaper;
//! the default), both zero-sized and usable in a `static`, blocking [`sleep`]
//! for the retry loop, and constructors that
//! seed retry jitter from the operating system. Every decision stays in
//! [`totem_core`]; this crate only supplies time, sleep and entropy, and
//! (through its clocks) [`thread_stripe`], so that threads count a
//! breaker's successes on cache lines of their own.
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
//!
//! [`Alerts`] judges the core's alert rules (the spec's six) over the
//! snapshots of `&'static` breakers and retries, and returns what fired,
//! what cleared and what is active since when.
//!
//! ## Features
//! - `cli`: the `totem` binary: `totem check CONFIG.toml` validates a file
//!   and prints every instance with its effective values; `totem rules
//!   CONFIG.toml` writes Prometheus alerting rules for the six alerts per
//!   instance, with the file's thresholds; `totem prometheus CONFIG.toml
//!   --target HOST:PORT` writes a `prometheus.yml` that scrapes the
//!   instances and loads those rules (implies `ops`).
//! - `ops`: what the `totem` tool prints, as functions: `alerting_rules`,
//!   `prometheus_config` (with `scrape_interval` and the spec's 15 days of
//!   `METRICS_RETENTION`), `grafana_dashboard` and its `dashboard_queries`
//!   (implies `config`).
//! - `config`: TOML configuration files (`ConfigFile`, whose docs hold the
//!   schema; a commented sample is `examples/totem.toml`) and the `Registry`
//!   of named breakers and retries built from one, each with its optional
//!   `DailyReset` and alert thresholds (`Registry::alerts`).
//! - `tracing`: `TracingObserver`, breaker and retry events as `tracing`
//!   records.
//! - `prometheus`: the `Exporter` (below); `metrics-server` serves it on
//!   tokio, `metrics-server-blocking` on a thread of its own.
//! - `tokio`: `TokioClock` and `TokioSleeper`, for the core's async calls
//!   on Tokio (below).
//! - `tower`: `BreakerLayer` and `RetryLayer`, tower middleware over the
//!   core (below; implies `tokio`).
//! - `cli`: the `totem` binary: `totem dashboard` writes a Grafana
//!   dashboard for a configuration file, `totem replay` runs a log of calls
//!   through its breaker and retry on a simulated clock (implies `ops`).
//!
#![cfg_attr(feature = "tokio", doc = include_str!("../TOKIO.md"))]
#![cfg_attr(feature = "tower", doc = include_str!("../TOWER.md"))]
#![cfg_attr(feature = "prometheus", doc = include_str!("../METRICS.md"))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod alerts;
mod clock;
#[cfg(feature = "config")]
mod config;
mod daily;
#[cfg(feature = "prometheus")]
mod export;
#[cfg(feature = "tracing")]
mod log;
#[cfg(feature = "ops")]
mod ops;
#[cfg(feature = "config")]
mod registry;
mod seed;
mod sleep;
mod stripe;
#[cfg(feature = "tokio")]
mod tokio;
#[cfg(feature = "tower")]
mod tower;

pub use totem_core;
use totem_core::{BreakerConfig, CircuitBreaker, ConfigError, Retry, RetryConfig};

#[cfg(feature = "tokio")]
pub use self::tokio::{TokioClock, TokioSleeper};
#[cfg(feature = "tower")]
pub use self::tower::{
    BreakerError, BreakerFuture, BreakerLayer, BreakerService, Classify, DefaultClassifier,
    Fallback, OnRejected, Reject, RetryFuture, RetryLayer, RetryService, RetryUnlessRejected,
    SendSleeper,
};
pub use alerts::{ActiveAlert, AlertEvent, Alerts};
pub use clock::{CoarseClock, DefaultClock, StdClock};
#[cfg(feature = "config")]
pub use config::{ConfigErrorKind, ConfigFile, ConfigFileError, ConfigInfo, Location};
#[cfg(feature = "tokio")]
pub use daily::DailyResetTask;
pub use daily::{DailyReset, DailyResetThread, DailySchedule, ResetMode, Resettable, TimeOfDay};
#[cfg(feature = "metrics-server-blocking")]
pub use export::BlockingMetricsServer;
#[cfg(feature = "metrics-server")]
pub use export::MetricsServer;
#[cfg(any(feature = "metrics-server", feature = "metrics-server-blocking"))]
pub use export::ServeError;
#[cfg(feature = "prometheus")]
pub use export::{BreakerSource, ExportError, Exporter, Format, RetrySource, SnapshotCollector};
#[cfg(feature = "tracing")]
pub use log::TracingObserver;
#[cfg(feature = "ops")]
pub use ops::{
    alerting_rules, dashboard_queries, format_duration, grafana_dashboard, prometheus_config,
    retention_flag, rule_warnings, scrape_interval, PanelQuery, METRICS_RETENTION,
};
#[cfg(feature = "config")]
pub use registry::Registry;
pub use seed::os_seed;
pub use sleep::{sleep, to_std};
pub use stripe::thread_stripe;

/// A breaker on the [`DefaultClock`] ([`CoarseClock`]), or the configuration
/// error. For millisecond resolution build one on [`StdClock`] with
/// [`CircuitBreaker::try_new`].
///
/// Its success counter is striped: each thread counts in the cell of its
/// [`thread_stripe`] (every std clock supplies it), so threads calling one
/// breaker at once do not contend on the CLOSED path; `snapshot()` sums the
/// cells, and totals stay exact.
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

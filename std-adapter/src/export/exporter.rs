//! [`Exporter`]: a prometheus-client registry with Totem's collector in it,
//! and the two text encodings.

use prometheus_client::encoding::{prometheus_text, text};
use prometheus_client::registry::Registry;

use super::collector::SnapshotCollector;
use super::error::ExportError;
use super::format::Format;
use super::source::{BreakerSource, RetrySource};

/// Exports breakers and retries (and, optionally, which configuration is in
/// force) in the Prometheus text format or OpenMetrics.
///
/// Sources are `&'static`: breakers and retries usually live in `static`s
/// (or are leaked once at start-up), and a scrape must be able to read them
/// from any thread for as long as the exporter lives.
///
/// Each encoding takes one snapshot of every source. Like any read of a
/// breaker's state, a snapshot may make a pending lazy transition (an OPEN
/// breaker whose `reset_timeout` passed becomes HALF_OPEN, and its observer
/// hears it on the scraping thread); it also keeps the time-in-state
/// accounting exact over long CLOSED periods, which wants a snapshot at
/// least every 18 hours.
///
/// ```
/// use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock, Retry, RetryConfig};
/// use totem_std::Exporter;
///
/// static CLOCK: ManualClock = ManualClock::new();
/// static PAYMENTS: CircuitBreaker<&ManualClock> =
///     CircuitBreaker::new(validated!(BreakerConfig::new("payments")), &CLOCK);
/// static NOTIFY: Retry<&ManualClock> = Retry::new(validated!(RetryConfig::new("notify")), &CLOCK, 1);
///
/// let exporter = Exporter::new()
///     .breaker(&PAYMENTS)?
///     .retry(&NOTIFY)?
///     .config_info(3, "9f2c");
/// let _ = PAYMENTS.call(|| Err::<(), _>("timeout"));
///
/// let text = exporter.encode();
/// assert!(text.contains("circuit_breaker_state{name=\"payments\",state=\"closed\"} 1\n"));
/// assert!(text.contains("circuit_breaker_failures_total{name=\"payments\"} 1\n"));
/// assert!(exporter.encode_openmetrics().ends_with("# EOF\n"));
/// # Ok::<(), totem_std::ExportError>(())
/// ```
#[derive(Debug)]
pub struct Exporter {
    registry: Registry,
    collector: SnapshotCollector,
}

impl Default for Exporter {
    fn default() -> Self {
        Self::new()
    }
}

impl Exporter {
    /// An exporter with no source yet (it writes nothing until one is added).
    pub fn new() -> Self {
        let collector = SnapshotCollector::default();
        let mut registry = Registry::default();
        registry.register_collector(Box::new(collector.clone()));
        Self {
            registry,
            collector,
        }
    }

    /// Adds a breaker, or says that one of that name is already exported.
    pub fn breaker(self, breaker: &'static dyn BreakerSource) -> Result<Self, ExportError> {
        self.add_breaker(breaker)?;
        Ok(self)
    }

    /// Adds a retry, or says that one of that name is already exported.
    pub fn retry(self, retry: &'static dyn RetrySource) -> Result<Self, ExportError> {
        self.add_retry(retry)?;
        Ok(self)
    }

    /// Exports `totem_config_info{version, hash} 1`.
    pub fn config_info(self, version: u32, hash: &str) -> Self {
        self.set_config_info(version, hash);
        self
    }

    /// [`breaker`](Self::breaker) through a shared reference, for a
    /// breaker made after the exporter started serving.
    ///
    /// ```
    /// # use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock};
    /// # use totem_std::Exporter;
    /// # static CLOCK: ManualClock = ManualClock::new();
    /// let exporter = std::sync::Arc::new(Exporter::new());
    /// let late: &'static CircuitBreaker<&ManualClock> =
    ///     Box::leak(Box::new(CircuitBreaker::new(validated!(BreakerConfig::new("late")), &CLOCK)));
    /// exporter.add_breaker(late).unwrap();
    /// assert!(exporter.encode().contains("name=\"late\""));
    /// ```
    pub fn add_breaker(&self, breaker: &'static dyn BreakerSource) -> Result<(), ExportError> {
        self.collector.add_breaker(breaker)
    }

    /// [`retry`](Self::retry) through a shared reference.
    pub fn add_retry(&self, retry: &'static dyn RetrySource) -> Result<(), ExportError> {
        self.collector.add_retry(retry)
    }

    /// [`config_info`](Self::config_info) through a shared reference: a
    /// configuration reload replaces the labels.
    ///
    /// ```
    /// # use totem_std::Exporter;
    /// let exporter = Exporter::new().config_info(1, "aaaa");
    /// exporter.set_config_info(2, "bbbb");
    /// let text = exporter.encode();
    /// assert!(text.contains("totem_config_info{version=\"2\",hash=\"bbbb\"} 1"));
    /// assert!(!text.contains("aaaa"));
    /// ```
    pub fn set_config_info(&self, version: u32, hash: &str) {
        self.collector.set_config_info(version, hash);
    }

    /// Another handle on this exporter's sources, to register in an
    /// application's own registry.
    pub fn collector(&self) -> SnapshotCollector {
        self.collector.clone()
    }

    /// The Prometheus text format, version 0.0.4 (what `promtool check
    /// metrics` reads).
    pub fn encode(&self) -> String {
        self.encode_as(Format::Prometheus)
    }

    /// OpenMetrics 1.0 text, ending with `# EOF`.
    pub fn encode_openmetrics(&self) -> String {
        self.encode_as(Format::OpenMetrics)
    }

    /// The exposition in `format`.
    pub fn encode_as(&self, format: Format) -> String {
        let mut out = String::new();
        let written = match format {
            Format::Prometheus => prometheus_text::encode(&mut out, &self.registry),
            Format::OpenMetrics => text::encode(&mut out, &self.registry),
        };
        // The registry holds only this crate's collector, which fails only
        // when its writer does, and a String never does: like `ToString`,
        // treat a failure as a bug.
        written.expect("encoding metrics into a String cannot fail");
        out
    }
}

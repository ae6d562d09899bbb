//! Prometheus export (feature `prometheus`): an [`Exporter`] reads the
//! [`snapshot`](totem_core::CircuitBreaker::snapshot)s of `&'static`
//! breakers and retries when it is scraped (no second bookkeeping, nothing
//! on the call path) and writes them in the Prometheus text format 0.0.4 or
//! OpenMetrics 1.0. With feature `metrics-server`, `MetricsServer` serves
//! them on `/metrics` on tokio; with `metrics-server-blocking`,
//! `BlockingMetricsServer` does on a thread of its own.
//!
//! ```
//! use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock};
//! use totem_std::export::Exporter;
//!
//! static CLOCK: ManualClock = ManualClock::new();
//! static DB: CircuitBreaker<&ManualClock> =
//!     CircuitBreaker::new(validated!(BreakerConfig::new("db").failure_threshold(1)), &CLOCK);
//!
//! let exporter = Exporter::new().breaker(&DB)?;
//! let _ = DB.call(|| Err::<(), _>("down"));
//! let text = exporter.encode();
//! assert!(text.contains("circuit_breaker_state{name=\"db\",state=\"open\"} 1\n"));
//! assert!(text.contains("circuit_breaker_state{name=\"db\",state=\"closed\"} 0\n"));
//! # Ok::<(), totem_std::export::ExportError>(())
//! ```
//!
//! # Series
//!
//! Every breaker and retry series has a `name` label (the configured name;
//! names are unique per kind, see [`ExportError`]). Every other label takes
//! values from a fixed set, so a scrape writes a fixed number of series per
//! source whatever happens: 5 + 1 + 1 + 5 + 4 + 1 + 8 + 1 = 26 per breaker
//! (27 with a success rate) and 1 + 1 + 3 + 1 + 12 + 8 = 26 per retry (the
//! histogram's 12: ten `le` buckets, `_sum`, `_count`).
//!
//! | family (samples) | type | labels | from |
//! |---|---|---|---|
//! | `circuit_breaker_state` | gauge | `state` | [`BreakerSnapshot::state`](totem_core::BreakerSnapshot::state), see below |
//! | `circuit_breaker_failures` (`_total`) | counter | | `failures_total` |
//! | `circuit_breaker_success_rate` | gauge, 0 to 1 | | `success_rate` (since the last reset), see below |
//! | `circuit_breaker_consecutive_failures` | gauge | | `consecutive_failures` |
//! | `circuit_breaker_time_in_state_seconds` (`_total`) | counter | `state` | `time_in_state_ms` / 1000 |
//! | `circuit_breaker_calls` (`_total`) | counter | `result` = `success`, `failure`, `ignored`, `rejected` | `*_total` |
//! | `circuit_breaker_abandoned` (`_total`) | counter | | `abandoned_total` |
//! | `circuit_breaker_transitions` (`_total`) | counter | `from`, `to`, `cause` | `transitions_by_cause` |
//! | `circuit_breaker_probes_in_flight` | gauge | | `probes_in_flight` |
//! | `retry_attempts` (`_total`) | counter | | [`RetrySnapshot::attempts_total`](totem_core::RetrySnapshot::attempts_total) |
//! | `retry_success` (`_total`) | counter | | `success_total` |
//! | `retry_calls` (`_total`) | counter | `result` = `success`, `failure`, `abandoned` | `*_total`: the denominator of a success rate |
//! | `retry_retries` (`_total`) | counter | | `retries_total` |
//! | `retry_delay_seconds` (`_bucket`, `_sum`, `_count`) | histogram | `le` | `delay_buckets` made cumulative over [`DELAY_BUCKETS_MS`](totem_core::DELAY_BUCKETS_MS) in seconds and `+Inf`; `_sum` = `delay_ms_total` / 1000; `_count` = the sum of the buckets |
//! | `retry_errors` (`_total`) | counter | `class` = `0` … `7` | `errors_by_class` ([`RetryPolicy::error_class`](totem_core::RetryPolicy::error_class)) |
//! | `totem_config_info` | gauge of 1 (an `info` in OpenMetrics) | `version`, `hash`, no `name` | [`Exporter::config_info`] |
//!
//! ## `circuit_breaker_state`
//!
//! Five series per breaker, all written on every scrape: the one whose
//! `state` label is the current state is 1, the other four are 0. The
//! labels are `closed`, `open`, `half_open`, `forced_open` and `disabled`
//! ([`State::as_str`](totem_core::State::as_str)). So:
//!
//! - not closed: `circuit_breaker_state{state!="closed"} == 1`;
//! - open, automatically or by hand: `circuit_breaker_state{state=~"open|forced_open"} == 1`;
//! - the current state as a label, for a state timeline:
//!   `circuit_breaker_state == 1`.
//!
//! A state shorter than the scrape interval can fall between two scrapes;
//! `circuit_breaker_transitions` counts it anyway.
//!
//! ## `circuit_breaker_success_rate`
//!
//! Successes over successes plus failures since the breaker's last reset
//! (ignored calls and rejections count in neither). When there was no such
//! call since the reset the rate is undefined, and the series is **omitted**
//! (not written as 1): a made-up 1 would pull averages and
//! `avg_over_time` up for an idle breaker, and an alert such as
//! `circuit_breaker_success_rate < 0.9` does not fire on an absent series
//! anyway. A breaker that gets calls again gets its series back. For a rate
//! over a window rather than since the reset, use the counters:
//! `sum without(result) (rate(circuit_breaker_calls_total{result="success"}[5m])) / sum without(result) (rate(circuit_breaker_calls_total{result=~"success|failure"}[5m]))`.
//!
//! ## `circuit_breaker_transitions`
//!
//! One series per [`Cause`](totem_core::Cause) (8 per breaker), labelled
//! with the edge the cause names: `from` is
//! [`Cause::from`](totem_core::Cause::from) or `any` for the manual
//! commands (`reset`, `force_open`, `disable`), which can come in any
//! state; `to` is [`Cause::to`](totem_core::Cause::to). For example
//! `{from="closed",to="open",cause="failure_threshold"}` and
//! `{from="half_open",to="open",cause="probe_failed"}`.
//!
//! ## Retry success rate
//!
//! `retry_success_total / retry_calls_total` summed over `result`, e.g.
//! `rate(retry_success_total[5m]) / sum without(result) (rate(retry_calls_total[5m]))`.
//! Calls still running are in neither.

#[cfg(feature = "metrics-server-blocking")]
mod blocking_server;
mod breaker;
mod collector;
mod config_info;
mod error;
mod exporter;
mod family;
mod format;
mod retry;
#[cfg(any(feature = "metrics-server", feature = "metrics-server-blocking"))]
mod serve_error;
#[cfg(feature = "metrics-server")]
mod server;
mod source;

#[cfg(feature = "metrics-server-blocking")]
pub use blocking_server::BlockingMetricsServer;
pub use collector::SnapshotCollector;
pub use error::ExportError;
pub use exporter::Exporter;
pub use format::Format;
#[cfg(any(feature = "metrics-server", feature = "metrics-server-blocking"))]
pub use serve_error::ServeError;
#[cfg(feature = "metrics-server")]
pub use server::MetricsServer;
pub use source::{BreakerSource, RetrySource};

//! Prometheus export; the series and their meaning are documented in
//! `METRICS.md`, part of the crate docs.

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

//! The prometheus-client [`Collector`] that reads every source's snapshot
//! when a registry is encoded: nothing is recorded twice and nothing runs
//! on the call path.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::DescriptorEncoder;
use totem_core::{BreakerSnapshot, RetrySnapshot};

use super::config_info::ConfigInfo;
use super::error::ExportError;
use super::source::{BreakerSource, RetrySource};
use super::{breaker, retry};

/// Reads breakers and retries at scrape time. [`Exporter`](super::Exporter)
/// registers one in its own registry; [`Exporter::collector`](super::Exporter::collector)
/// hands out another handle on the same sources for an application that
/// serves its own [`Registry`](prometheus_client::registry::Registry).
///
/// ```
/// use prometheus_client::registry::Registry;
/// use totem_std::Exporter;
/// let exporter = Exporter::new().config_info(7, "ab12");
/// let mut registry = Registry::default();
/// registry.register_collector(Box::new(exporter.collector()));
/// let mut text = String::new();
/// prometheus_client::encoding::prometheus_text::encode(&mut text, &registry).unwrap();
/// assert!(text.contains("totem_config_info{version=\"7\",hash=\"ab12\"} 1"));
/// ```
#[derive(Clone, Default)]
pub struct SnapshotCollector {
    sources: Arc<RwLock<Sources>>,
}

/// What a scrape reads, in the order it was added.
#[derive(Default)]
struct Sources {
    breakers: Vec<(&'static str, &'static dyn BreakerSource)>,
    retries: Vec<(&'static str, &'static dyn RetrySource)>,
    config: Option<ConfigInfo>,
}

impl SnapshotCollector {
    // A panic while the lock is held cannot leave the lists half-changed
    // (each write is one push or one assignment), so a poisoned lock is
    // still good to use.
    fn read(&self) -> RwLockReadGuard<'_, Sources> {
        self.sources.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Sources> {
        self.sources.write().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn add_breaker(
        &self,
        source: &'static dyn BreakerSource,
    ) -> Result<(), ExportError> {
        let name = source.breaker_name();
        let mut sources = self.write();
        if sources.breakers.iter().any(|&(n, _)| n == name) {
            return Err(ExportError::DuplicateBreaker { name });
        }
        sources.breakers.push((name, source));
        Ok(())
    }

    pub(super) fn add_retry(&self, source: &'static dyn RetrySource) -> Result<(), ExportError> {
        let name = source.retry_name();
        let mut sources = self.write();
        if sources.retries.iter().any(|&(n, _)| n == name) {
            return Err(ExportError::DuplicateRetry { name });
        }
        sources.retries.push((name, source));
        Ok(())
    }

    pub(super) fn set_config_info(&self, version: u32, hash: &str) {
        self.write().config = Some(ConfigInfo {
            version,
            hash: hash.to_owned(),
        });
    }
}

impl Collector for SnapshotCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), fmt::Error> {
        // Copy the lists and let go of the lock before reading any
        // snapshot, so that adding a source never waits for a scrape.
        let (breakers, retries, config) = {
            let sources = self.read();
            (
                sources.breakers.clone(),
                sources.retries.clone(),
                sources.config.clone(),
            )
        };
        let breakers: Vec<BreakerSnapshot> =
            breakers.iter().map(|(_, b)| b.breaker_snapshot()).collect();
        let retries: Vec<RetrySnapshot> = retries.iter().map(|(_, r)| r.retry_snapshot()).collect();
        breaker::encode(&mut encoder, &breakers)?;
        retry::encode(&mut encoder, &retries)?;
        if let Some(config) = config {
            config.encode(&mut encoder)?;
        }
        Ok(())
    }
}

impl fmt::Debug for SnapshotCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Names only: a snapshot is a read with effects (it may make a
        // pending lazy transition), not something to take for a debug line.
        let sources = self.read();
        let breakers: Vec<&str> = sources.breakers.iter().map(|&(n, _)| n).collect();
        let retries: Vec<&str> = sources.retries.iter().map(|&(n, _)| n).collect();
        f.debug_struct("SnapshotCollector")
            .field("breakers", &breakers)
            .field("retries", &retries)
            .field("config", &sources.config)
            .finish()
    }
}

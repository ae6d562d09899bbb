//! `totem_config_info`: which configuration is in force.

use std::fmt;

use prometheus_client::encoding::DescriptorEncoder;
use prometheus_client::metrics::MetricType;

use super::family::Family;

/// The version and hash of the configuration in force, as labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ConfigInfo {
    pub(super) version: u32,
    pub(super) hash: String,
}

impl ConfigInfo {
    /// Writes the family: an info metric, which the Prometheus text format
    /// writes as a gauge of 1 named `totem_config_info` and OpenMetrics as
    /// an `info` family of the same sample name.
    pub(super) fn encode(&self, encoder: &mut DescriptorEncoder<'_>) -> fmt::Result {
        let version = self.version.to_string();
        Family {
            name: "totem_config",
            help: "The configuration in force: its version and content hash (always 1).",
            unit: None,
            kind: MetricType::Info,
        }
        .write(encoder, |m| {
            m.encode_info(&[("version", version.as_str()), ("hash", self.hash.as_str())])
        })
    }
}

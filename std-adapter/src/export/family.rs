//! Writing one metric family: its descriptor (HELP, TYPE, UNIT), then one
//! sample per label set. Every family is written whole in one place, so
//! the samples of many breakers stay under a single descriptor, as both
//! text formats require.

use std::fmt;

use prometheus_client::encoding::{
    DescriptorEncoder, EncodeCounterValue, EncodeGaugeValue, EncodeLabelSet, MetricEncoder,
    NoLabelSet,
};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Unit;

/// The parts of a family's descriptor.
pub(super) struct Family<'a> {
    pub(super) name: &'a str,
    pub(super) help: &'a str,
    pub(super) unit: Option<Unit>,
    pub(super) kind: MetricType,
}

impl Family<'_> {
    /// Writes the descriptor, then the samples `samples` writes.
    pub(super) fn write(
        &self,
        encoder: &mut DescriptorEncoder<'_>,
        samples: impl FnOnce(&mut MetricEncoder<'_>) -> fmt::Result,
    ) -> fmt::Result {
        let mut metric =
            encoder.encode_descriptor(self.name, self.help, self.unit.as_ref(), self.kind)?;
        samples(&mut metric)
    }
}

/// One counter sample (the encoder appends `_total`).
pub(super) fn counter<V: EncodeCounterValue>(
    metric: &mut MetricEncoder<'_>,
    labels: &impl EncodeLabelSet,
    value: V,
) -> fmt::Result {
    metric
        .encode_family(labels)?
        .encode_counter::<NoLabelSet, V, u64>(&value, None)
}

/// One gauge sample.
pub(super) fn gauge<V: EncodeGaugeValue>(
    metric: &mut MetricEncoder<'_>,
    labels: &impl EncodeLabelSet,
    value: V,
) -> fmt::Result {
    metric.encode_family(labels)?.encode_gauge(&value)
}

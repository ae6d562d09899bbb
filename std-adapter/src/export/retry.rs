//! The `retry_*` families, from retry snapshots.

use std::fmt;

use prometheus_client::encoding::DescriptorEncoder;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Unit;
use totem_core::{RetrySnapshot, DELAY_BUCKETS_MS};

use super::family::{counter, Family};

/// Writes every retry family; nothing when there is no retry.
pub(super) fn encode(
    encoder: &mut DescriptorEncoder<'_>,
    retries: &[RetrySnapshot],
) -> fmt::Result {
    if retries.is_empty() {
        return Ok(());
    }
    Family {
        name: "retry_attempts",
        help: "Attempts made: the first attempt of every finished call, plus every retry.",
        unit: None,
        kind: MetricType::Counter,
    }
    .write(encoder, |m| {
        for r in retries {
            counter(m, &[("name", r.name)], r.attempts_total)?;
        }
        Ok(())
    })?;
    Family {
        name: "retry_success",
        help: "Retried calls that ended in success.",
        unit: None,
        kind: MetricType::Counter,
    }
    .write(encoder, |m| {
        for r in retries {
            counter(m, &[("name", r.name)], r.success_total)?;
        }
        Ok(())
    })?;
    Family {
        name: "retry_calls",
        help: "Retried calls by how they ended: success, failure, or abandoned (the operation panicked or the future was dropped).",
        unit: None,
        kind: MetricType::Counter,
    }
    .write(encoder, |m| {
        for r in retries {
            for (result, total) in [
                ("success", r.success_total),
                ("failure", r.failure_total),
                ("abandoned", r.abandoned_total),
            ] {
                counter(m, &[("name", r.name), ("result", result)], total)?;
            }
        }
        Ok(())
    })?;
    Family {
        name: "retry_retries",
        help: "Attempts after the first, counted when they start.",
        unit: None,
        kind: MetricType::Counter,
    }
    .write(encoder, |m| {
        for r in retries {
            counter(m, &[("name", r.name)], r.retries_total)?;
        }
        Ok(())
    })?;
    Family {
        name: "retry_delay",
        help: "Delay slept before each retry.",
        unit: Some(Unit::Seconds),
        kind: MetricType::Histogram,
    }
    .write(encoder, |m| {
        for r in retries {
            let (buckets, count) = delay_buckets(r);
            let sum = r.delay_ms_total as f64 / 1000.0;
            m.encode_family(&[("name", r.name)])?
                .encode_histogram::<prometheus_client::encoding::NoLabelSet>(
                    sum, count, &buckets, None,
                )?;
        }
        Ok(())
    })?;
    Family {
        name: "retry_budget_denied",
        help: "Retried calls that gave up because their shared retry budget held no retry (always 0 without a budget); counted in retry_calls_total{result=\"failure\"} too.",
        unit: None,
        kind: MetricType::Counter,
    }
    .write(encoder, |m| {
        for r in retries {
            counter(m, &[("name", r.name)], r.budget_denied_total)?;
        }
        Ok(())
    })?;
    Family {
        name: "retry_errors",
        help: "Failed attempts by error class (RetryPolicy::error_class).",
        unit: None,
        kind: MetricType::Counter,
    }
    .write(encoder, |m| {
        for r in retries {
            for (class, total) in r.errors_by_class.iter().enumerate() {
                let class = class.to_string();
                counter(m, &[("name", r.name), ("class", class.as_str())], *total)?;
            }
        }
        Ok(())
    })
}

/// The delay histogram's buckets as the encoders take them (upper bound in
/// seconds, count of that bucket alone: they add them up into `le`
/// buckets), the last one `+Inf`, and their total. The total is summed
/// here rather than taken from `retries_total`, which is read apart from
/// the buckets and could differ from them by a retry in flight.
fn delay_buckets(r: &RetrySnapshot) -> (Vec<(f64, u64)>, u64) {
    let buckets: Vec<(f64, u64)> = r
        .delay_buckets
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let bound = DELAY_BUCKETS_MS
                .get(i)
                .map_or(f64::INFINITY, |&ms| f64::from(ms) / 1000.0);
            (bound, n)
        })
        .collect();
    let count = buckets.iter().map(|&(_, n)| n).sum();
    (buckets, count)
}

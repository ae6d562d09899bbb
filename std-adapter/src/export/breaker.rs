//! The `circuit_breaker_*` families, from breaker snapshots.

use std::fmt;

use prometheus_client::encoding::DescriptorEncoder;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Unit;
use totem_core::{BreakerSnapshot, Cause, State};

use super::family::{counter, gauge, Family};

/// The `from` label of a transition whose cause is a manual command, which
/// can come in any state.
pub(super) const ANY_STATE: &str = "any";

/// Writes every breaker family; nothing when there is no breaker.
pub(super) fn encode(
    encoder: &mut DescriptorEncoder<'_>,
    breakers: &[BreakerSnapshot],
) -> fmt::Result {
    if breakers.is_empty() {
        return Ok(());
    }
    Family {
        name: "circuit_breaker_state",
        help: "Current state: 1 on the series of the state the breaker is in, 0 on the other four.",
        unit: None,
        kind: MetricType::Gauge,
    }
    .write(encoder, |m| {
        for b in breakers {
            for state in State::ALL {
                let current = u32::from(b.state == state);
                gauge(m, &[("name", b.name), ("state", state.as_str())], current)?;
            }
        }
        Ok(())
    })?;
    Family {
        name: "circuit_breaker_failures",
        help: "Calls recorded as failures (abandoned permits included when configured to count as failures).",
        unit: None,
        kind: MetricType::Counter,
    }
    .write(encoder, |m| {
        for b in breakers {
            counter(m, &[("name", b.name)], b.failures_total)?;
        }
        Ok(())
    })?;
    // 0/0 is no rate: a breaker without calls since its last reset has no
    // series, rather than a made-up 1 that would flatter averages.
    if breakers.iter().any(|b| b.success_rate.is_some()) {
        Family {
            name: "circuit_breaker_success_rate",
            help: "Successes over successes plus failures since the last reset (0 to 1); absent while there was no such call.",
            unit: None,
            kind: MetricType::Gauge,
        }
        .write(encoder, |m| {
            for b in breakers {
                if let Some(rate) = b.success_rate {
                    gauge(m, &[("name", b.name)], rate.as_f64())?;
                }
            }
            Ok(())
        })?;
    }
    Family {
        name: "circuit_breaker_consecutive_failures",
        help: "Failures since the last success or reset (failed probes included).",
        unit: None,
        kind: MetricType::Gauge,
    }
    .write(encoder, |m| {
        for b in breakers {
            gauge(m, &[("name", b.name)], b.consecutive_failures)?;
        }
        Ok(())
    })?;
    Family {
        name: "circuit_breaker_time_in_state",
        help: "Time spent in each state.",
        unit: Some(Unit::Seconds),
        kind: MetricType::Counter,
    }
    .write(encoder, |m| {
        for b in breakers {
            for state in State::ALL {
                let seconds = b.time_in(state) as f64 / 1000.0;
                counter(m, &[("name", b.name), ("state", state.as_str())], seconds)?;
            }
        }
        Ok(())
    })?;
    Family {
        name: "circuit_breaker_calls",
        help: "Calls by result: success, failure, ignored (classified as neither) or rejected (refused without running).",
        unit: None,
        kind: MetricType::Counter,
    }
    .write(encoder, |m| {
        for b in breakers {
            for (result, total) in [
                ("success", b.successes_total),
                ("failure", b.failures_total),
                ("ignored", b.ignored_total),
                ("rejected", b.rejected_total),
            ] {
                counter(m, &[("name", b.name), ("result", result)], total)?;
            }
        }
        Ok(())
    })?;
    Family {
        name: "circuit_breaker_abandoned",
        help: "Permits dropped without an outcome (a panic or a cancelled future).",
        unit: None,
        kind: MetricType::Counter,
    }
    .write(encoder, |m| {
        for b in breakers {
            counter(m, &[("name", b.name)], b.abandoned_total)?;
        }
        Ok(())
    })?;
    Family {
        name: "circuit_breaker_transitions",
        help: "State changes by cause; from is \"any\" for the manual commands (reset, force_open, disable).",
        unit: None,
        kind: MetricType::Counter,
    }
    .write(encoder, |m| {
        for b in breakers {
            for (cause, total) in Cause::ALL.into_iter().zip(b.transitions_by_cause) {
                let from = cause.from().map_or(ANY_STATE, State::as_str);
                let labels = [
                    ("name", b.name),
                    ("from", from),
                    ("to", cause.to().as_str()),
                    ("cause", cause.as_str()),
                ];
                counter(m, &labels, total)?;
            }
        }
        Ok(())
    })?;
    Family {
        name: "circuit_breaker_probes_in_flight",
        help: "Half-open probes admitted and not yet resolved.",
        unit: None,
        kind: MetricType::Gauge,
    }
    .write(encoder, |m| {
        for b in breakers {
            gauge(m, &[("name", b.name)], b.probes_in_flight)?;
        }
        Ok(())
    })
}

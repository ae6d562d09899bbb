//! `[breaker.<name>.alerts]` and `[retry.<name>.alerts]`: the thresholds of
//! an instance's alerts as written, read into the core's [`BreakerAlerts`]
//! and [`RetryAlerts`] (absent keys keep the spec's defaults).

use serde::Deserialize;
use toml::Spanned;
use totem_core::{BreakerAlerts, RetryAlerts};

use super::duration::DurationValue;
use super::value_fault::{duration, ValueFault};

/// `[breaker.<name>.alerts]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a breaker's alerts table")]
pub(crate) struct BreakerAlertsTable {
    not_closed_for: Option<Spanned<DurationValue>>,
    window: Option<Spanned<DurationValue>>,
    success_rate_below: Option<u32>,
    min_calls: Option<u32>,
    consecutive_failures_above: Option<u32>,
}

/// `[retry.<name>.alerts]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a retry's alerts table")]
pub(crate) struct RetryAlertsTable {
    retries_above: Option<u32>,
    retries_window: Option<Spanned<DurationValue>>,
    window: Option<Spanned<DurationValue>>,
    success_rate_below: Option<u32>,
    min_calls: Option<u32>,
    mean_delay_above: Option<Spanned<DurationValue>>,
    min_retries: Option<u32>,
}

impl BreakerAlertsTable {
    /// The core's thresholds (not validated yet).
    pub(crate) fn to_core(&self) -> Result<BreakerAlerts, ValueFault> {
        let mut a = BreakerAlerts::new();
        if let Some(d) = &self.not_closed_for {
            a = a.not_closed_for(duration("alerts.not_closed_for", d)?);
        }
        if let Some(d) = &self.window {
            a = a.window(duration("alerts.window", d)?);
        }
        if let Some(p) = self.success_rate_below {
            a = a.success_rate_below(p);
        }
        if let Some(n) = self.min_calls {
            a = a.min_calls(n);
        }
        if let Some(n) = self.consecutive_failures_above {
            a = a.consecutive_failures_above(n);
        }
        Ok(a)
    }
}

impl RetryAlertsTable {
    /// The core's thresholds (not validated yet).
    pub(crate) fn to_core(&self) -> Result<RetryAlerts, ValueFault> {
        let mut a = RetryAlerts::new();
        if let Some(n) = self.retries_above {
            a = a.retries_above(n);
        }
        if let Some(d) = &self.retries_window {
            a = a.retries_window(duration("alerts.retries_window", d)?);
        }
        if let Some(d) = &self.window {
            a = a.window(duration("alerts.window", d)?);
        }
        if let Some(p) = self.success_rate_below {
            a = a.success_rate_below(p);
        }
        if let Some(n) = self.min_calls {
            a = a.min_calls(n);
        }
        if let Some(d) = &self.mean_delay_above {
            a = a.mean_delay_above(duration("alerts.mean_delay_above", d)?);
        }
        if let Some(n) = self.min_retries {
            a = a.min_retries(n);
        }
        Ok(a)
    }
}

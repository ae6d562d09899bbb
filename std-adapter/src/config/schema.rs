//! The tables of schema version 1, as written, and their meaning in the
//! core's terms. Field names and units are the spec's; the core's builders
//! apply them and its `validate()` judges them.
//!
//! Room to grow without breaking a version-1 file: new optional keys in
//! these tables (failure-rate windows, slow calls, a growing open time).
//! Until they exist each is an unknown field, so an older build refuses a
//! newer file instead of ignoring what it asks for.

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;
use totem_core::{AbandonedPermit, BreakerConfig, Jitter, RetryBudgetConfig, RetryConfig};

use super::alerts::{BreakerAlertsTable, RetryAlertsTable};
use super::choice::Choice;
use super::daily_reset::DailyResetTable;
use super::duration::DurationValue;
use super::factor::FactorValue;
use super::ConfigErrorKind;
use crate::DailyReset;

/// A value that is not what its field takes: the field's path in the
/// instance, the value's span, and why.
#[derive(Debug)]
pub(crate) struct ValueFault {
    pub(crate) field: &'static str,
    pub(crate) span: Range<usize>,
    pub(crate) kind: ConfigErrorKind,
}

/// `[breaker.<name>]`. Absent keys take the core's defaults.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a breaker's table")]
pub(crate) struct BreakerTable {
    failure_threshold: Option<u32>,
    reset_timeout: Option<Spanned<DurationValue>>,
    half_open_timeout: Option<Spanned<DurationValue>>,
    half_open_permits: Option<u32>,
    successes_to_close: Option<u32>,
    abandoned: Option<Choice<AbandonedPermit>>,
    daily_reset: Option<Spanned<DailyResetTable>>,
    /// `[breaker.<name>.alerts]`.
    pub(crate) alerts: Option<BreakerAlertsTable>,
}

/// `[retry.<name>]`. Absent keys take the core's defaults.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a retry's table")]
pub(crate) struct RetryTable {
    max_attempts: Option<u32>,
    initial_delay: Option<Spanned<DurationValue>>,
    max_delay: Option<Spanned<DurationValue>>,
    backoff_factor: Option<Spanned<FactorValue>>,
    jitter: Option<Choice<Jitter>>,
    deadline: Option<Spanned<DurationValue>>,
    metrics: Option<bool>,
    /// The name of a `[budget.<name>]` table of the same file.
    pub(crate) budget: Option<Spanned<String>>,
    /// `[retry.<name>.alerts]`.
    pub(crate) alerts: Option<RetryAlertsTable>,
}

/// `[budget.<name>]`: a retry budget, shared by the retries that name it.
/// Absent keys take the core's defaults.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a retry budget's table")]
pub(crate) struct BudgetTable {
    retry_percent: Option<u32>,
    min_per_second: Option<u32>,
    max_retries: Option<u32>,
}

impl BudgetTable {
    /// The core configuration (not validated yet).
    pub(crate) fn to_core(&self) -> RetryBudgetConfig {
        let mut c = RetryBudgetConfig::new();
        if let Some(n) = self.retry_percent {
            c = c.retry_percent(n);
        }
        if let Some(n) = self.min_per_second {
            c = c.min_per_second(n);
        }
        if let Some(n) = self.max_retries {
            c = c.max_retries(n);
        }
        c
    }
}

fn duration(
    field: &'static str,
    value: &Spanned<DurationValue>,
) -> Result<totem_core::Duration, ValueFault> {
    value.get_ref().to_core().map_err(|m| ValueFault {
        field,
        span: value.span(),
        kind: ConfigErrorKind::InvalidDuration(m),
    })
}

impl BreakerTable {
    /// The core configuration named `name` (not validated yet), and the
    /// daily reset.
    pub(crate) fn to_core(
        &self,
        name: &'static str,
    ) -> Result<(BreakerConfig, Option<DailyReset>), ValueFault> {
        let mut c = BreakerConfig::new(name);
        if let Some(n) = self.failure_threshold {
            c = c.failure_threshold(n);
        }
        if let Some(d) = &self.reset_timeout {
            c = c.reset_timeout(duration("reset_timeout", d)?);
        }
        if let Some(d) = &self.half_open_timeout {
            c = c.half_open_timeout(duration("half_open_timeout", d)?);
        }
        if let Some(n) = self.half_open_permits {
            c = c.half_open_permits(n);
        }
        if let Some(n) = self.successes_to_close {
            c = c.successes_to_close(n);
        }
        if let Some(a) = self.abandoned {
            c = c.abandoned(a.0);
        }
        let daily = match &self.daily_reset {
            None => None,
            Some(table) => Some(table.get_ref().to_daily_reset().map_err(|m| ValueFault {
                field: "daily_reset.at",
                span: table.get_ref().at.span(),
                kind: ConfigErrorKind::InvalidTimeOfDay(m),
            })?),
        };
        Ok((c, daily))
    }
}

impl RetryTable {
    /// The core configuration named `name` (not validated yet).
    pub(crate) fn to_core(&self, name: &'static str) -> Result<RetryConfig, ValueFault> {
        let mut c = RetryConfig::new(name);
        if let Some(n) = self.max_attempts {
            c = c.max_attempts(n);
        }
        if let Some(d) = &self.initial_delay {
            c = c.initial_delay(duration("initial_delay", d)?);
        }
        if let Some(d) = &self.max_delay {
            c = c.max_delay(duration("max_delay", d)?);
        }
        if let Some(f) = &self.backoff_factor {
            let factor = f.get_ref().to_core().map_err(|m| ValueFault {
                field: "backoff_factor",
                span: f.span(),
                kind: ConfigErrorKind::InvalidBackoffFactor(m),
            })?;
            c = c.backoff_factor(factor);
        }
        if let Some(j) = self.jitter {
            c = c.jitter(j.0);
        }
        if let Some(d) = &self.deadline {
            c = c.deadline(duration("deadline", d)?);
        }
        if let Some(on) = self.metrics {
            c = c.metrics(on);
        }
        Ok(c)
    }
}

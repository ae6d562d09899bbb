//! The tables of schema version 1, as written, and their meaning in the
//! core's terms. Field names and units are the spec's; the core's builders
//! apply them and its `validate()` judges them.
//!
//! Room to grow without breaking a version-1 file: new optional keys in
//! these tables. Until a key exists it is an unknown field, so an older
//! build refuses a newer file instead of ignoring what it asks for.

use serde::Deserialize;
use toml::Spanned;
use totem_core::{
    AbandonedPermit, BreakerConfig, Jitter, RateWindow, RetryBudgetConfig, RetryConfig,
    SlidingWindow, WindowStorage, MAX_WINDOW_BUCKETS,
};

use super::alerts::{BreakerAlertsTable, RetryAlertsTable};
use super::choice::Choice;
use super::daily_reset::DailyResetTable;
use super::duration::DurationValue;
use super::factor::FactorValue;
use super::value_fault::{duration, ValueFault};
use super::ConfigErrorKind;
use crate::DailyReset;

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
    reset_timeout_factor: Option<u32>,
    max_reset_timeout: Option<Spanned<DurationValue>>,
    half_open_failure_rate: Option<u32>,
    sliding_window: Option<Spanned<WindowTable>>,
    minimum_calls: Option<u32>,
    failure_rate: Option<u32>,
    slow_call_duration: Option<Spanned<DurationValue>>,
    slow_call_rate: Option<Spanned<u32>>,
    /// `[breaker.<name>.alerts]`.
    pub(crate) alerts: Option<BreakerAlertsTable>,
}

/// `sliding_window = { calls = 100 }` or `{ time = "60s" }`.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a sliding window: { calls = N } or { time = \"60s\" }"
)]
pub(crate) struct WindowTable {
    calls: Option<u32>,
    time: Option<Spanned<DurationValue>>,
}

/// How many buckets a window of a configuration file gets: the most a
/// window can have, so a count window of up to 32 calls is exactly its last
/// calls and a time window evicts in 1/32 of its span.
pub(crate) const FILE_WINDOW_BUCKETS: usize = MAX_WINDOW_BUCKETS;

/// The window a configuration is validated with when a file is loaded; the
/// registry gives every breaker a window of its own.
static VALIDATION_WINDOW: RateWindow<FILE_WINDOW_BUCKETS> = RateWindow::new();

/// A window of its own for one breaker built from a file (leaked: a window
/// is `'static`, as the breaker is).
pub(crate) fn fresh_window() -> WindowStorage {
    Box::leak(Box::new(RateWindow::<FILE_WINDOW_BUCKETS>::new())).storage()
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
        c = self.policies(c)?;
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

impl BreakerTable {
    /// The policies beyond consecutive failures.
    fn policies(&self, mut c: BreakerConfig) -> Result<BreakerConfig, ValueFault> {
        if let Some(n) = self.reset_timeout_factor {
            c.reset_timeout_factor = n;
        }
        if let Some(d) = &self.max_reset_timeout {
            c.max_reset_timeout = Some(duration("max_reset_timeout", d)?);
        }
        if let Some(p) = self.half_open_failure_rate {
            c = c.half_open_failure_rate(p);
        }
        if let Some(w) = &self.sliding_window {
            let size = match (w.get_ref().calls, &w.get_ref().time) {
                (Some(n), None) => SlidingWindow::Calls(n),
                (None, Some(t)) => SlidingWindow::Time(duration("sliding_window.time", t)?),
                _ => return Err(ValueFault {
                    field: "sliding_window",
                    span: w.span(),
                    kind: ConfigErrorKind::InvalidWindow(
                        "a sliding window is either { calls = N } or { time = \"60s\" }, one key"
                            .into(),
                    ),
                }),
            };
            c = c.sliding_window(size, VALIDATION_WINDOW.storage());
        }
        if let Some(n) = self.minimum_calls {
            c = c.minimum_calls(n);
        }
        if let Some(p) = self.failure_rate {
            c = c.failure_rate(p);
        }
        match (&self.slow_call_duration, &self.slow_call_rate) {
            (Some(d), rate) => {
                let d = duration("slow_call_duration", d)?;
                c = c.slow_calls(d, rate.as_ref().map_or(c.slow_call_rate, |r| *r.get_ref()));
            }
            (None, Some(rate)) => {
                return Err(ValueFault {
                    field: "slow_call_rate",
                    span: rate.span(),
                    kind: ConfigErrorKind::InvalidWindow(
                        "slow_call_rate needs slow_call_duration (what makes a call slow)".into(),
                    ),
                })
            }
            (None, None) => {}
        }
        Ok(c)
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

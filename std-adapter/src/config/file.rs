//! [`ConfigFile`]: a configuration file read, checked against the schema and
//! validated by the core, with nothing built yet.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::Spanned;
use totem_core::{
    AlertConfigError, BreakerAlerts, BreakerConfig, ConfigError, RetryAlerts, RetryBudgetConfig,
    RetryConfig, Valid,
};

use super::info::{content_hash, ConfigInfo};
use super::schema::{BreakerTable, BudgetTable, RetryTable};
use super::value_fault::ValueFault;
use super::{ConfigErrorKind, ConfigFileError, Location};
use crate::DailyReset;

/// A key as parsed, with its span.
type Key<'i> = Spanned<Cow<'i, str>>;

/// The schema version this build reads.
const VERSION: u32 = 1;

/// The name validation runs with. The core's rules never read the name, and
/// a `'static` name for every instance would have to be leaked before the
/// file is known to be good; the registry validates again with the real name
/// once the whole file has passed.
const UNNAMED: &str = "";

/// A configuration file, parsed and validated: every instance passed the
/// core's `validate()`. Nothing is built or leaked until
/// [`Registry::build`](crate::Registry::build), so it suits a dry run
/// (`totem check`) as well.
///
/// # The schema (version 1)
///
/// ```toml
/// version = 1                      # required, first; another number is refused
///
/// [breaker.payments]               # a breaker named "payments"
/// failure_threshold = 5            # consecutive failures that open it (1..=511)
/// reset_timeout = "60s"            # time OPEN before a probe
/// half_open_timeout = "30s"        # time the probes may stay unresolved
/// half_open_permits = 1            # probes per half-open episode (1..=15)
/// successes_to_close = 1           # successful probes that close it (default: all permits)
/// abandoned = "failure"            # a dropped permit: "failure" or "neutral"
/// daily_reset = { at = "03:00", mode = "stats" }   # optional; UTC; "full" or "stats"
/// reset_timeout_factor = 2         # optional: the open time grows ×2 per reopen in a row (1..=16)
/// max_reset_timeout = "10m"        # ... up to this (default: the longest timeout)
/// half_open_failure_rate = 50      # optional: decide half-open once every probe reported
///                                  # (reopen at 50 % failed or more); no successes_to_close then
/// sliding_window = { calls = 100 } # optional: the last 100 calls, or { time = "60s" }
/// minimum_calls = 10               # outcomes the window needs before a rate can trip
/// failure_rate = 50                # open at 50 % failures in the window (1..=100)
/// slow_call_duration = "2s"        # a call this long or longer is slow ...
/// slow_call_rate = 80              # ... open at 80 % slow calls (1..=100, default 100)
///
/// [retry.notify]                   # a retry named "notify"
/// max_attempts = 3                 # attempts in all, the first call included
/// initial_delay = "1s"             # delay before the first retry
/// max_delay = "10s"                # the longest delay, after jitter
/// backoff_factor = 2               # 2, 1.5 (a multiple of 1/65536) or "3/2"
/// jitter = "none"                  # "none", "full", "equal" or "decorrelated"
/// deadline = "30s"                 # optional total time budget of a call
/// metrics = true                   # count attempts, successes and delays
/// budget = "backend"               # optional: draw retries from [budget.backend]
///
/// [breaker.payments.alerts]        # optional: the breaker's alert thresholds
/// not_closed_for = "5m"            # OPEN or HALF_OPEN, never CLOSED, this long
/// window = "5m"                    # the success rate's window
/// success_rate_below = 80          # percent
/// min_calls = 20                   # calls in the window before the rate is judged
/// consecutive_failures_above = 10
///
/// [retry.notify.alerts]            # optional: the retry's alert thresholds
/// retries_above = 5                # retries (attempts beyond the first) ...
/// retries_window = "1m"            # ... in this window
/// window = "5m"                    # the window of the success rate and mean delay
/// success_rate_below = 50          # percent
/// min_calls = 10                   # calls in the window before the rate is judged
/// mean_delay_above = "30s"
/// min_retries = 3                  # retries in the window before the mean is judged
///
/// [budget.backend]                 # a retry budget, shared by the retries naming it
/// retry_percent = 20               # retries earned per 100 calls (0..=100)
/// min_per_second = 10              # retries allowed every second, whatever the calls
/// max_retries = 100                # the most it holds (1..=1000)
/// ```
///
/// Every key of an instance is optional and defaults to the core's default
/// (the spec's). Unknown keys, at any level, are errors: a misspelt key
/// never silently falls back to a default. A breaker and a retry may share a
/// name (the spec's `critical_operation` does).
///
/// - **Names** are TOML bare keys: ASCII letters, digits, `_` and `-`.
/// - **Durations** are a whole number and a unit, `"500ms"`, `"60s"`, `"2m"`,
///   `"1h"`, or a bare integer, which is **always seconds** (`reset_timeout =
///   60`, as the spec writes it). Fractions need a smaller unit (`"1500ms"`).
/// - **`backoff_factor`** is kept by the core in 16.16 fixed point: a number
///   must be a multiple of 1/65536 (2, 1.5, 1.25 are; 1.1 is refused), a
///   ratio `"num/den"` is rounded down to 1/65536 by the core.
/// - **A sliding window** from a file gets 32 buckets, so a count window of
///   up to 32 calls is exactly the last calls, and a longer one, or a time
///   window, evicts 1/32 of it at a time. Every breaker built from the file
///   has a window of its own.
/// - **`budget`** names a `[budget.<name>]` table of the same file; every
///   retry naming it shares one [`RetryBudget`](totem_core::RetryBudget)
///   (built by the registry). A budget no retry names is still checked.
/// - **`daily_reset`**: `at` is `"HH:MM"` or `"HH:MM:SS"` in UTC; `mode`
///   (required) is `"full"` ([`CircuitBreaker::reset`]: back to CLOSED) or
///   `"stats"` ([`CircuitBreaker::reset_stats`]: the streak and success rate,
///   keeping the state). See [`DailyReset`].
///
/// - **`alerts`**: the thresholds of the instance's alerts
///   ([`BreakerAlerts`], [`RetryAlerts`]; every key optional, the spec's
///   defaults otherwise), which [`Alerts`](crate::Alerts) evaluates in
///   process ([`Registry::alerts`](crate::Registry::alerts)) and `totem
///   rules` turns into Prometheus rules.
///
/// Later additions stay compatible with version-1 files: new optional keys
/// in the instance tables (failure-rate windows, slow calls, a growing open
/// time). `version` changes only if a key changes meaning.
///
/// ```
/// use totem_std::{ConfigFile, ResetMode};
/// let file = ConfigFile::from_toml_str(
///     "version = 1\n[breaker.payments]\ndaily_reset = { at = \"03:00\", mode = \"stats\" }\n",
///     "inline",
/// )?;
/// assert_eq!(file.breaker_names().collect::<Vec<_>>(), ["payments"]);
/// assert_eq!(file.daily_reset("payments").unwrap().mode, ResetMode::Stats);
/// # Ok::<(), totem_std::ConfigFileError>(())
/// ```
///
/// [`CircuitBreaker::reset`]: totem_core::CircuitBreaker::reset
/// [`CircuitBreaker::reset_stats`]: totem_core::CircuitBreaker::reset_stats
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigFile {
    pub(crate) info: ConfigInfo,
    pub(crate) breakers: BTreeMap<String, LoadedBreaker>,
    pub(crate) retries: BTreeMap<String, LoadedRetry>,
    pub(crate) budgets: BTreeMap<String, Valid<RetryBudgetConfig>>,
}

/// A breaker that passed validation under [`UNNAMED`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LoadedBreaker {
    pub(crate) config: Valid<BreakerConfig>,
    pub(crate) daily_reset: Option<DailyReset>,
    pub(crate) header: Location,
    /// `[breaker.<name>.alerts]`, or the spec's defaults.
    pub(crate) alerts: Valid<BreakerAlerts>,
}

/// A retry that passed validation under [`UNNAMED`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LoadedRetry {
    pub(crate) config: Valid<RetryConfig>,
    pub(crate) header: Location,
    /// The `[budget.<name>]` it draws on (checked to exist).
    pub(crate) budget: Option<String>,
    /// `[retry.<name>.alerts]`, or the spec's defaults.
    pub(crate) alerts: Valid<RetryAlerts>,
}

impl ConfigFile {
    /// Reads and validates the file at `path`.
    ///
    /// ```no_run
    /// let file = totem_std::ConfigFile::from_file("/etc/totem/totem.toml")?;
    /// println!("config {} ({})", file.info().hash, file.info().source.display());
    /// # Ok::<(), totem_std::ConfigFileError>(())
    /// ```
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, ConfigFileError> {
        let path = path.as_ref();
        match std::fs::read(path) {
            Ok(bytes) => Self::from_bytes(&bytes, path),
            Err(e) => Err(ConfigFileError::new(
                path,
                None,
                None,
                None,
                ConfigErrorKind::Read(e),
            )),
        }
    }

    /// Validates `text`; `origin` names it in errors and in
    /// [`ConfigInfo::source`] (a path, or a name such as `"inline"`).
    ///
    /// ```
    /// let err = totem_std::ConfigFile::from_toml_str("[retry.x]\n", "inline").unwrap_err();
    /// assert_eq!(err.to_string(), "inline:1:1: version: missing `version = 1` at the top of the file (the schema version it is written for)");
    /// ```
    pub fn from_toml_str(text: &str, origin: impl AsRef<Path>) -> Result<Self, ConfigFileError> {
        Loader {
            path: origin.as_ref(),
            text,
        }
        .load()
    }

    pub(crate) fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self, ConfigFileError> {
        match std::str::from_utf8(bytes) {
            Ok(text) => Self::from_toml_str(text, path),
            Err(e) => {
                let good = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
                Err(Loader { path, text: good }.error(
                    Some(good.len()..good.len()),
                    None,
                    None,
                    ConfigErrorKind::NotUtf8,
                ))
            }
        }
    }

    /// The version, content hash and source of the file.
    pub fn info(&self) -> &ConfigInfo {
        &self.info
    }

    /// The breakers' names, in name order.
    pub fn breaker_names(&self) -> impl Iterator<Item = &str> {
        self.breakers.keys().map(String::as_str)
    }

    /// The retries' names, in name order.
    pub fn retry_names(&self) -> impl Iterator<Item = &str> {
        self.retries.keys().map(String::as_str)
    }

    /// The daily reset of breaker `name`, if it has one.
    pub fn daily_reset(&self, name: &str) -> Option<DailyReset> {
        self.breakers.get(name)?.daily_reset
    }

    /// The validated configuration of breaker `name`, every default
    /// applied. Its `name` field is empty: the file's key names it (a
    /// `'static` name is made only when the registry is built).
    ///
    /// ```
    /// let file = totem_std::ConfigFile::from_toml_str("version = 1\n[breaker.db]\nfailure_threshold = 3\n", "inline")?;
    /// let db = file.breaker("db").unwrap();
    /// assert_eq!((db.failure_threshold, db.reset_timeout.as_secs()), (3, 60));
    /// # Ok::<(), totem_std::ConfigFileError>(())
    /// ```
    pub fn breaker(&self, name: &str) -> Option<&BreakerConfig> {
        self.breakers.get(name).map(|b| b.config.get())
    }

    /// The validated configuration of retry `name`, every default applied
    /// (its `name` field is empty, as for [`breaker`](Self::breaker)).
    pub fn retry(&self, name: &str) -> Option<&RetryConfig> {
        self.retries.get(name).map(|r| r.config.get())
    }

    /// The alert thresholds of breaker `name`: its
    /// `[breaker.<name>.alerts]` table over the spec's defaults.
    ///
    /// ```
    /// let text = "version = 1\n[breaker.db]\n[breaker.db.alerts]\nmin_calls = 50\n";
    /// let file = totem_std::ConfigFile::from_toml_str(text, "inline")?;
    /// let alerts = file.breaker_alerts("db").unwrap();
    /// assert_eq!((alerts.min_calls, alerts.success_rate_below), (50, 80));
    /// # Ok::<(), totem_std::ConfigFileError>(())
    /// ```
    pub fn breaker_alerts(&self, name: &str) -> Option<&BreakerAlerts> {
        self.breakers.get(name).map(|b| b.alerts.get())
    }

    /// The alert thresholds of retry `name`: its `[retry.<name>.alerts]`
    /// table over the spec's defaults.
    pub fn retry_alerts(&self, name: &str) -> Option<&RetryAlerts> {
        self.retries.get(name).map(|r| r.alerts.get())
    }

    /// The retry budgets' names, in name order.
    pub fn budget_names(&self) -> impl Iterator<Item = &str> {
        self.budgets.keys().map(String::as_str)
    }

    /// The configuration of the retry budget `name`.
    ///
    /// ```
    /// let text = "version = 1\n[budget.db]\nretry_percent = 10\n[retry.query]\nbudget = \"db\"\n";
    /// let file = totem_std::ConfigFile::from_toml_str(text, "inline")?;
    /// assert_eq!(file.budget("db").unwrap().retry_percent, 10);
    /// assert_eq!(file.retry_budget("query"), Some("db"));
    /// # Ok::<(), totem_std::ConfigFileError>(())
    /// ```
    pub fn budget(&self, name: &str) -> Option<&RetryBudgetConfig> {
        self.budgets.get(name).map(Valid::get)
    }

    /// The name of the budget retry `name` draws on, if it has one.
    pub fn retry_budget(&self, name: &str) -> Option<&str> {
        self.retries.get(name)?.budget.as_deref()
    }
}

/// One pass over one text, making errors that carry its path.
struct Loader<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Loader<'_> {
    fn error(
        &self,
        span: Option<Range<usize>>,
        instance: Option<&str>,
        field: Option<&str>,
        kind: ConfigErrorKind,
    ) -> ConfigFileError {
        ConfigFileError::new(
            self.path,
            span.map(|s| Location::of(self.text, s.start)),
            instance,
            field,
            kind,
        )
    }

    fn load(&self) -> Result<ConfigFile, ConfigFileError> {
        let doc = DeTable::parse(self.text).map_err(|e| {
            self.error(
                e.span(),
                None,
                None,
                ConfigErrorKind::Syntax(e.message().to_owned()),
            )
        })?;
        let top = doc.into_inner();
        // The version first: a newer file is refused for its version, not
        // for the keys this build does not know.
        let version = self.version(&top)?;

        let mut breakers = BTreeMap::new();
        let mut retries = BTreeMap::new();
        let mut budgets = BTreeMap::new();
        // The budgets the retries name, checked once every table is read.
        let mut references = Vec::new();
        // Every instance is checked, and the error reported is the first in
        // the file (the tables come in name order).
        let mut first = None;
        for (key, value) in top {
            match key.get_ref().as_ref() {
                "version" => {}
                "breaker" => self.each(&key, value, &mut first, |name, table| {
                    let breaker = self.breaker(&name, table)?;
                    breakers.insert(name.into_inner().into_owned(), breaker);
                    Ok(())
                }),
                "retry" => self.each(&key, value, &mut first, |name, table| {
                    let (retry, reference) = self.retry(&name, table)?;
                    let name = name.into_inner().into_owned();
                    if let Some(budget) = reference {
                        references.push((format!("retry.{name}"), budget));
                    }
                    retries.insert(name, retry);
                    Ok(())
                }),
                "budget" => self.each(&key, value, &mut first, |name, table| {
                    let budget = self.budget(&name, table)?;
                    budgets.insert(name.into_inner().into_owned(), budget);
                    Ok(())
                }),
                other => earliest(
                    &mut first,
                    self.error(
                        Some(key.span()),
                        None,
                        Some(other),
                        ConfigErrorKind::Schema(format!(
                            "unknown top-level key `{other}`, expected `version`, `breaker`, `retry` or `budget`"
                        )),
                    ),
                ),
            }
        }
        for (instance, budget) in references {
            if !budgets.contains_key(budget.get_ref()) {
                earliest(
                    &mut first,
                    self.error(
                        Some(budget.span()),
                        Some(&instance),
                        Some("budget"),
                        ConfigErrorKind::UnknownBudget(budget.into_inner()),
                    ),
                );
            }
        }
        if let Some(e) = first {
            return Err(e);
        }
        Ok(ConfigFile {
            info: ConfigInfo {
                version,
                hash: content_hash(self.text.as_bytes()),
                source: PathBuf::from(self.path),
            },
            breakers,
            retries,
            budgets,
        })
    }

    fn version(&self, top: &DeTable<'_>) -> Result<u32, ConfigFileError> {
        let Some(value) = top.get("version") else {
            return Err(self.error(
                Some(0..0),
                None,
                Some("version"),
                ConfigErrorKind::MissingVersion,
            ));
        };
        let fault = |kind| self.error(Some(value.span()), None, Some("version"), kind);
        match i64::deserialize(ValueDeserializer::from(value.clone())) {
            Ok(v) if v == i64::from(VERSION) => Ok(VERSION),
            Ok(v) => Err(fault(ConfigErrorKind::UnsupportedVersion(v))),
            Err(_) => Err(fault(ConfigErrorKind::Schema(format!(
                "`version` must be an integer (1); found {}",
                value.get_ref().type_str()
            )))),
        }
    }

    /// Loads each instance of the `[breaker]`, `[retry]` or `[budget]` table, keeping
    /// the first error.
    fn each<'i>(
        &self,
        key: &Key<'i>,
        value: Spanned<DeValue<'i>>,
        first: &mut Option<ConfigFileError>,
        mut load: impl FnMut(Key<'i>, Spanned<DeValue<'i>>) -> Result<(), ConfigFileError>,
    ) {
        match self.section(key, value) {
            Ok(section) => {
                for (name, table) in section {
                    if let Err(e) = load(name, table) {
                        earliest(first, e);
                    }
                }
            }
            Err(e) => earliest(first, e),
        }
    }

    /// The `[breaker]` or `[retry]` table: named instances.
    fn section<'i>(
        &self,
        key: &Key<'i>,
        value: Spanned<DeValue<'i>>,
    ) -> Result<DeTable<'i>, ConfigFileError> {
        let span = value.span();
        match value.into_inner() {
            DeValue::Table(t) => Ok(t),
            other => Err(self.error(
                Some(span),
                None,
                Some(key.get_ref()),
                ConfigErrorKind::Schema(format!(
                    "`{key}` holds named tables, as in [{key}.<name>]; found {found}",
                    key = key.get_ref(),
                    found = other.type_str()
                )),
            )),
        }
    }

    fn breaker(
        &self,
        name: &Key<'_>,
        value: Spanned<DeValue<'_>>,
    ) -> Result<LoadedBreaker, ConfigFileError> {
        let instance = self.instance("breaker", name)?;
        let table: BreakerTable = self.table(&instance, &value)?;
        let (config, daily_reset) = table
            .to_core(UNNAMED)
            .map_err(|f| self.value_fault(&instance, f))?;
        let config = config
            .validate()
            .map_err(|e| self.invalid(&instance, &value, e))?;
        let alerts = match &table.alerts {
            Some(t) => t.to_core().map_err(|f| self.value_fault(&instance, f))?,
            None => BreakerAlerts::new(),
        }
        .validate()
        .map_err(|e| self.invalid_alerts(&instance, &value, e))?;
        Ok(LoadedBreaker {
            config,
            daily_reset,
            header: Location::of(self.text, value.span().start),
            alerts,
        })
    }

    /// The retry, and the budget it names, with where (checked by the
    /// caller once every budget is read).
    fn retry(
        &self,
        name: &Key<'_>,
        value: Spanned<DeValue<'_>>,
    ) -> Result<(LoadedRetry, Option<Spanned<String>>), ConfigFileError> {
        let instance = self.instance("retry", name)?;
        let table: RetryTable = self.table(&instance, &value)?;
        let config = table
            .to_core(UNNAMED)
            .map_err(|f| self.value_fault(&instance, f))?
            .validate()
            .map_err(|e| self.invalid(&instance, &value, e))?;
        let alerts = match &table.alerts {
            Some(t) => t.to_core().map_err(|f| self.value_fault(&instance, f))?,
            None => RetryAlerts::new(),
        }
        .validate()
        .map_err(|e| self.invalid_alerts(&instance, &value, e))?;
        let retry = LoadedRetry {
            config,
            header: Location::of(self.text, value.span().start),
            budget: table.budget.as_ref().map(|b| b.get_ref().clone()),
            alerts,
        };
        Ok((retry, table.budget))
    }

    fn budget(
        &self,
        name: &Key<'_>,
        value: Spanned<DeValue<'_>>,
    ) -> Result<Valid<RetryBudgetConfig>, ConfigFileError> {
        let instance = self.instance("budget", name)?;
        let table: BudgetTable = self.table(&instance, &value)?;
        table
            .to_core()
            .validate()
            .map_err(|e| self.invalid(&instance, &value, e))
    }

    /// `section.name`, if `name` is a bare key: one spelling in tables,
    /// metrics and logs.
    fn instance(&self, section: &str, name: &Key<'_>) -> Result<String, ConfigFileError> {
        let n = name.get_ref();
        let bare = !n.is_empty()
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if bare {
            Ok(format!("{section}.{n}"))
        } else {
            Err(self.error(
                Some(name.span()),
                None,
                Some(section),
                ConfigErrorKind::InvalidName(n.to_string()),
            ))
        }
    }

    /// The instance's table as written, or where it breaks the schema.
    fn table<'de, T: Deserialize<'de>>(
        &self,
        instance: &str,
        value: &Spanned<DeValue<'de>>,
    ) -> Result<T, ConfigFileError> {
        // Not left to serde, which reads an array (`[[breaker.x]]`) as a
        // struct's fields by position.
        if !matches!(value.get_ref(), DeValue::Table(_)) {
            return Err(self.error(
                Some(value.span()),
                Some(instance),
                None,
                ConfigErrorKind::Schema(format!(
                    "`{instance}` must be a table, as in [{instance}]; found {}",
                    value.get_ref().type_str()
                )),
            ));
        }
        T::deserialize(ValueDeserializer::from(value.clone())).map_err(|e| {
            let span = e.span().unwrap_or_else(|| value.span());
            let field = field_at(value, span.start);
            self.error(
                Some(span),
                Some(instance),
                field.as_deref(),
                ConfigErrorKind::Schema(e.message().to_owned()),
            )
        })
    }

    fn value_fault(&self, instance: &str, f: ValueFault) -> ConfigFileError {
        self.error(Some(f.span), Some(instance), Some(f.field), f.kind)
    }

    /// The core refused the values: point at the key it names, or at the
    /// table's header when that key is absent and its default broke the rule.
    fn invalid(
        &self,
        instance: &str,
        value: &Spanned<DeValue<'_>>,
        e: ConfigError,
    ) -> ConfigFileError {
        let key = match value.get_ref() {
            DeValue::Table(t) => t.get_key_value(e.field()).map(|(k, _)| k.span()),
            _ => None,
        };
        let err = self.error(
            Some(key.clone().unwrap_or_else(|| value.span())),
            Some(instance),
            Some(e.field()),
            ConfigErrorKind::Invalid(e),
        );
        if key.is_none() {
            err.defaulted()
        } else {
            err
        }
    }
}

impl Loader<'_> {
    /// The core refused an `alerts` table: point at the key it names in
    /// that table, or at the table when the key is absent.
    fn invalid_alerts(
        &self,
        instance: &str,
        value: &Spanned<DeValue<'_>>,
        e: AlertConfigError,
    ) -> ConfigFileError {
        let table = match value.get_ref() {
            DeValue::Table(t) => t.get_key_value("alerts"),
            _ => None,
        };
        let key = table.and_then(|(_, v)| match v.get_ref() {
            DeValue::Table(t) => t.get_key_value(e.field()).map(|(k, _)| k.span()),
            _ => None,
        });
        let span = key
            .clone()
            .or_else(|| table.map(|(k, _)| k.span()))
            .unwrap_or_else(|| value.span());
        let err = self.error(
            Some(span),
            Some(instance),
            Some(&format!("alerts.{}", e.field())),
            ConfigErrorKind::InvalidAlerts(e),
        );
        if key.is_none() {
            err.defaulted()
        } else {
            err
        }
    }
}

/// Keeps in `first` whichever error comes first in the file.
fn earliest(first: &mut Option<ConfigFileError>, e: ConfigFileError) {
    // No location sorts last.
    let at = |e: &ConfigFileError| e.location().map_or((usize::MAX, 0), |l| (l.line, l.column));
    if first.as_ref().is_none_or(|f| at(&e) < at(f)) {
        *first = Some(e);
    }
}

/// The dotted path of the key under `offset` in `value`'s table
/// (`daily_reset.at`), innermost first.
fn field_at(value: &Spanned<DeValue<'_>>, offset: usize) -> Option<String> {
    let DeValue::Table(table) = value.get_ref() else {
        return None;
    };
    let covers = |span: Range<usize>| span.start <= offset && offset < span.end.max(span.start + 1);
    table.iter().find_map(|(k, v)| match field_at(v, offset) {
        Some(inner) => Some(format!("{}.{inner}", k.get_ref())),
        None if covers(k.span()) || covers(v.span()) => Some(k.get_ref().to_string()),
        None => None,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use proptest::prelude::*;

    use super::ConfigFile;
    use crate::ConfigErrorKind;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1_000))]

        /// What `from_file` does with the bytes it read.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
            let _ = ConfigFile::from_bytes(&bytes, Path::new("fuzz.toml"));
        }

        #[test]
        fn invalid_utf8_is_located_at_the_first_bad_byte(
            head in "[a-z =\n]{0,20}",
            tail in prop::collection::vec(any::<u8>(), 0..8),
        ) {
            let mut bytes = head.clone().into_bytes();
            bytes.push(0xFF);
            bytes.extend(tail);
            let e = ConfigFile::from_bytes(&bytes, Path::new("fuzz.toml")).unwrap_err();
            prop_assert!(matches!(e.kind(), ConfigErrorKind::NotUtf8));
            prop_assert_eq!(e.line(), Some(head.matches('\n').count() + 1));
        }
    }
}

//! [`Registry`]: the named breakers and retries of a configuration file,
//! built once and looked up by name.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use totem_core::{
    BreakerAlerts, BreakerConfig, CircuitBreaker, Clock, ConfigError, NoObserver, Observer, Retry,
    RetryAlerts, RetryBudget, RetryConfig, Valid,
};

use crate::config::{
    ConfigErrorKind, ConfigFile, ConfigFileError, ConfigInfo, LoadedBreaker, LoadedRetry, Location,
};
use crate::{os_seed, DailyReset, DefaultClock};

/// Named circuit breakers and retries built from a [`ConfigFile`], on a
/// clock `C` and reporting to an observer `O` (cloned into each instance;
/// events carry the instance's name).
///
/// Instances and their names are leaked to `&'static` when the registry is
/// built: like a firmware's statics they live for the process, so a tower
/// layer or a task can hold one without a reference count. Build a registry
/// once at start-up; each further build (a reload) leaks a new set.
///
/// Lookups read an immutable map built once: no lock, no allocation.
/// Iteration is in name order, for exporters.
///
/// ```
/// use totem_core::{NoObserver, State};
/// use totem_std::{DefaultClock, Registry};
///
/// let registry = Registry::from_toml_str(
///     r#"
///     version = 1
///
///     [breaker.payments]
///     failure_threshold = 3
///     reset_timeout = "30s"
///
///     [retry.payments]
///     max_attempts = 2
///     initial_delay = "1ms"
///     "#,
///     "inline",
///     DefaultClock::default(),
///     NoObserver,
/// )?;
///
/// let breaker = registry.breaker("payments").expect("configured");
/// let retry = registry.retry("payments").expect("configured");
/// let paid = breaker.call(|| retry.call(&totem_std::sleep, || Ok::<_, &str>("paid")));
/// assert_eq!(paid.unwrap(), "paid");
/// assert_eq!(breaker.state(), State::Closed);
/// assert!(registry.breaker("shipping").is_none());
/// # Ok::<(), totem_std::ConfigFileError>(())
/// ```
pub struct Registry<C: 'static = DefaultClock, O: 'static = NoObserver> {
    info: ConfigInfo,
    breakers: BTreeMap<&'static str, Breaker<C, O>>,
    retries: BTreeMap<&'static str, (&'static Retry<C, O>, Valid<RetryAlerts>)>,
    budgets: BTreeMap<&'static str, &'static RetryBudget>,
}

struct Breaker<C: 'static, O: 'static> {
    breaker: &'static CircuitBreaker<C, O>,
    daily_reset: Option<DailyReset>,
    alerts: Valid<BreakerAlerts>,
}

impl<C: Clock + Clone + 'static, O: Observer + Clone + 'static> Registry<C, O> {
    /// Reads, validates and builds the file at `path`.
    ///
    /// ```no_run
    /// use totem_core::NoObserver;
    /// use totem_std::{DefaultClock, Registry};
    /// let registry = Registry::from_file("/etc/totem/totem.toml", DefaultClock::default(), NoObserver)?;
    /// # Ok::<(), totem_std::ConfigFileError>(())
    /// ```
    pub fn from_file(
        path: impl AsRef<Path>,
        clock: C,
        observer: O,
    ) -> Result<Self, ConfigFileError> {
        Self::build(ConfigFile::from_file(path)?, clock, observer)
    }

    /// Validates and builds `text`; `origin` names it in errors and in
    /// [`ConfigInfo::source`].
    pub fn from_toml_str(
        text: &str,
        origin: impl AsRef<Path>,
        clock: C,
        observer: O,
    ) -> Result<Self, ConfigFileError> {
        Self::build(ConfigFile::from_toml_str(text, origin)?, clock, observer)
    }

    /// Builds every instance of `file`: breakers start their time
    /// accounting now, retries are seeded from the OS ([`os_seed`]), and
    /// each `[budget.<name>]` is one [`RetryBudget`] given to every retry
    /// that names it.
    ///
    /// Every configuration is validated again under its real name before
    /// anything is built, so an error leaves nothing half-built. That second
    /// validation cannot fail while the core's rules ignore the name (they
    /// do); if it did, only the names would have been leaked.
    pub fn build(file: ConfigFile, clock: C, observer: O) -> Result<Self, ConfigFileError> {
        let ConfigFile {
            info,
            breakers,
            retries,
            budgets,
        } = file;
        // One leaked copy of each name, shared by a breaker and a retry of
        // the same name.
        let mut names: BTreeMap<String, &'static str> = BTreeMap::new();
        let mut leak = |name: String| -> &'static str {
            names
                .entry(name)
                .or_insert_with_key(|n| Box::leak(n.as_str().into()))
        };

        let breakers = breakers
            .into_iter()
            .map(|(name, b): (String, LoadedBreaker)| {
                let name = leak(name);
                let mut config = BreakerConfig {
                    name,
                    ..*b.config.get()
                };
                // The file was validated against a shared window; each
                // breaker gets a window of its own.
                if let Some(w) = &mut config.window {
                    w.storage = crate::config::fresh_window();
                }
                let config = config
                    .validate()
                    .map_err(|e| renamed(&info, "breaker", name, b.header, e))?;
                Ok((name, config, b.daily_reset, b.alerts))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let retries = retries
            .into_iter()
            .map(|(name, r): (String, LoadedRetry)| {
                let name = leak(name);
                let config = RetryConfig {
                    name,
                    ..*r.config.get()
                };
                let config = config
                    .validate()
                    .map_err(|e| renamed(&info, "retry", name, r.header, e))?;
                Ok((name, config, r.budget, r.alerts))
            })
            .collect::<Result<Vec<_>, _>>()?;

        let breakers = breakers
            .into_iter()
            .map(|(name, config, daily_reset, alerts)| {
                let breaker: &'static CircuitBreaker<C, O> = Box::leak(Box::new(
                    CircuitBreaker::new_with_observer(config, clock.clone(), observer.clone()),
                ));
                breaker.start_time_accounting();
                (
                    name,
                    Breaker {
                        breaker,
                        daily_reset,
                        alerts,
                    },
                )
            })
            .collect();
        let budgets: BTreeMap<&'static str, &'static RetryBudget> = budgets
            .into_iter()
            .map(|(name, config)| {
                let budget: &'static RetryBudget = Box::leak(Box::new(RetryBudget::new(config)));
                (leak(name), budget)
            })
            .collect();
        let retries = retries
            .into_iter()
            .map(|(name, config, budget, alerts)| {
                let mut retry =
                    Retry::new_with_observer(config, clock.clone(), os_seed(), observer.clone());
                // The file was checked: every budget a retry names exists.
                if let Some(budget) = budget.and_then(|b| budgets.get(b.as_str()).copied()) {
                    retry = retry.with_budget(budget);
                }
                let retry: &'static Retry<C, O> = Box::leak(Box::new(retry));
                (name, (retry, alerts))
            })
            .collect();
        Ok(Self {
            info,
            breakers,
            retries,
            budgets,
        })
    }
}

/// The error of a configuration refused under its real name.
fn renamed(
    info: &ConfigInfo,
    section: &str,
    name: &str,
    header: Location,
    e: ConfigError,
) -> ConfigFileError {
    ConfigFileError::new(
        &info.source,
        Some(header),
        Some(&format!("{section}.{name}")),
        Some(e.field()),
        ConfigErrorKind::Invalid(e),
    )
}

impl<C: 'static, O: 'static> Registry<C, O> {
    /// The breaker named `name`.
    pub fn breaker(&self, name: &str) -> Option<&'static CircuitBreaker<C, O>> {
        self.breakers.get(name).map(|b| b.breaker)
    }

    /// The retry named `name`.
    pub fn retry(&self, name: &str) -> Option<&'static Retry<C, O>> {
        self.retries.get(name).map(|(r, _)| *r)
    }

    /// The alert thresholds of breaker `name` (its `alerts` table over the
    /// spec's defaults).
    pub fn breaker_alerts(&self, name: &str) -> Option<&BreakerAlerts> {
        self.breakers.get(name).map(|b| b.alerts.get())
    }

    /// The alert thresholds of retry `name` (its `alerts` table over the
    /// spec's defaults).
    pub fn retry_alerts(&self, name: &str) -> Option<&RetryAlerts> {
        self.retries.get(name).map(|(_, a)| a.get())
    }

    /// The daily reset of breaker `name`, if it has one.
    pub fn daily_reset(&self, name: &str) -> Option<DailyReset> {
        self.breakers.get(name)?.daily_reset
    }

    /// The retry budget named `name`, shared by the retries that name it.
    ///
    /// ```
    /// # use totem_core::NoObserver;
    /// use totem_std::{DefaultClock, Registry};
    /// let text = "version = 1\n[budget.db]\n[retry.read]\nbudget = \"db\"\n[retry.write]\nbudget = \"db\"\n";
    /// let registry = Registry::from_toml_str(text, "inline", DefaultClock::default(), NoObserver)?;
    /// let db = registry.budget("db").unwrap();
    /// assert_eq!(registry.retry("read").unwrap().budget(), Some(db));
    /// assert_eq!(registry.retry("write").unwrap().budget(), Some(db));
    /// # Ok::<(), totem_std::ConfigFileError>(())
    /// ```
    pub fn budget(&self, name: &str) -> Option<&'static RetryBudget> {
        self.budgets.get(name).copied()
    }

    /// Every breaker, in name order.
    ///
    /// ```
    /// # use totem_core::NoObserver;
    /// # use totem_std::{DefaultClock, Registry};
    /// let text = "version = 1\n[breaker.b]\n[breaker.a]\n";
    /// let registry = Registry::from_toml_str(text, "inline", DefaultClock::default(), NoObserver)?;
    /// let names: Vec<_> = registry.breakers().map(|(name, _)| name).collect();
    /// assert_eq!(names, ["a", "b"]);
    /// # Ok::<(), totem_std::ConfigFileError>(())
    /// ```
    pub fn breakers(
        &self,
    ) -> impl ExactSizeIterator<Item = (&'static str, &'static CircuitBreaker<C, O>)> + '_ {
        self.breakers.iter().map(|(name, b)| (*name, b.breaker))
    }

    /// Every retry, in name order.
    pub fn retries(
        &self,
    ) -> impl ExactSizeIterator<Item = (&'static str, &'static Retry<C, O>)> + '_ {
        self.retries.iter().map(|(name, (r, _))| (*name, *r))
    }

    /// The breakers that have a daily reset, in name order, with it: what
    /// [`DailyResetThread`](crate::DailyResetThread) (or another runner)
    /// takes.
    ///
    /// ```
    /// # use totem_core::NoObserver;
    /// use totem_std::{DailyResetThread, DefaultClock, Registry, ResetMode};
    /// let text = "version = 1\n[breaker.a]\n[breaker.b]\ndaily_reset = { at = \"03:00\", mode = \"full\" }\n";
    /// let registry = Registry::from_toml_str(text, "inline", DefaultClock::default(), NoObserver)?;
    /// let mut runners = Vec::new();
    /// for (breaker, daily) in registry.daily_resets() {
    ///     assert_eq!((breaker.name(), daily.mode), ("b", ResetMode::Full));
    ///     runners.push(DailyResetThread::spawn(breaker, daily)?);
    /// }
    /// drop(runners); // stops them
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn daily_resets(
        &self,
    ) -> impl Iterator<Item = (&'static CircuitBreaker<C, O>, DailyReset)> + '_ {
        self.breakers
            .values()
            .filter_map(|b| Some((b.breaker, b.daily_reset?)))
    }

    /// The loaded file's version, content hash and source.
    pub fn info(&self) -> &ConfigInfo {
        &self.info
    }
}

impl<C, O> Registry<C, O>
where
    C: Clock + Sync + 'static,
    O: Observer + Sync + 'static,
{
    /// An [`Alerts`](crate::Alerts) handle over every instance of this
    /// registry, each with the thresholds of its `alerts` table.
    ///
    /// ```
    /// # use totem_core::NoObserver;
    /// use totem_core::Clock;
    /// use totem_std::{DefaultClock, Registry};
    /// let text = "version = 1\n[breaker.db]\n[breaker.db.alerts]\nconsecutive_failures_above = 1\n";
    /// let registry = Registry::from_toml_str(text, "inline", DefaultClock::default(), NoObserver)?;
    /// let alerts = registry.alerts();
    /// let db = registry.breaker("db").unwrap();
    /// let _ = db.call(|| Err::<(), _>("down"));
    /// let _ = db.call(|| Err::<(), _>("down"));
    /// let events = alerts.poll(DefaultClock::default().now());
    /// assert_eq!(events[0].to_string(), "breaker db: CircuitBreakerConsecutiveFailures fired (warning)");
    /// # Ok::<(), totem_std::ConfigFileError>(())
    /// ```
    pub fn alerts(&self) -> crate::Alerts {
        let alerts = crate::Alerts::new();
        for b in self.breakers.values() {
            alerts.add_breaker(b.breaker, b.alerts);
        }
        for (r, rules) in self.retries.values() {
            alerts.add_retry(*r, *rules);
        }
        alerts
    }
}

#[cfg(feature = "prometheus")]
impl<C, O> Registry<C, O>
where
    C: Clock + Sync + 'static,
    O: Observer + Sync + 'static,
{
    /// Exports every instance of this registry, and the loaded file's
    /// version and hash as `totem_config_info`.
    ///
    /// ```
    /// # use totem_core::NoObserver;
    /// use totem_std::{DefaultClock, Registry};
    /// let text = "version = 1\n[breaker.db]\n[retry.db]\n";
    /// let registry = Registry::from_toml_str(text, "inline", DefaultClock::default(), NoObserver)?;
    /// let exporter = registry.exporter()?;
    /// let metrics = exporter.encode();
    /// assert!(metrics.contains("circuit_breaker_state{name=\"db\",state=\"closed\"} 1"));
    /// assert!(metrics.contains("retry_attempts_total{name=\"db\"} 0"));
    /// assert!(metrics.contains("totem_config_info{version=\"1\""));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn exporter(&self) -> Result<crate::Exporter, crate::ExportError> {
        let mut exporter = crate::Exporter::new().config_info(self.info.version, &self.info.hash);
        for (_, breaker) in self.breakers() {
            exporter = exporter.breaker(breaker)?;
        }
        for (_, retry) in self.retries() {
            exporter = exporter.retry(retry)?;
        }
        Ok(exporter)
    }
}

impl<C: 'static, O: 'static> fmt::Debug for Registry<C, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("info", &self.info)
            .field("breakers", &self.breakers.keys().collect::<Vec<_>>())
            .field("retries", &self.retries.keys().collect::<Vec<_>>())
            .field("budgets", &self.budgets.keys().collect::<Vec<_>>())
            .finish()
    }
}

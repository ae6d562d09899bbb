//! [`RetryAlerts`]: the retry's three alerts, their thresholds, the rules as
//! `const fn`s over two snapshots, and the check of the rules against a
//! [`RetryConfig`].

use super::breaker::{below, rate_problem};
use super::error::{check_span, check_success_rate};
use super::sample::{increase, window_start, Sample};
use super::{Alert, AlertConfigError, AlertSet, Problem, RuleWarning};
use crate::clock::Duration;
use crate::config::{Jitter, RetryConfig, Valid};
use crate::metrics::RetrySnapshot;

/// The thresholds of a retry's alerts.
///
/// Defaults (from the spec): more than 5 retries (attempts beyond the first
/// call) in 1 minute; a success rate under 50 % over a 5-minute `window` of
/// at least 10 calls; a mean delay over 30 s over that window, from at least
/// 3 retries.
///
/// ```
/// use totem_core::{Duration, RetryAlerts};
/// let alerts = RetryAlerts::new()
///     .retries_above(20)
///     .mean_delay_above(Duration::from_secs(5));
/// assert!(alerts.validate().is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RetryAlerts {
    /// [`Alert::RetryRetries`] fires above this many retries in
    /// `retries_window`.
    pub retries_above: u32,
    /// The window retries are counted over.
    pub retries_window: Duration,
    /// The window of the success rate and the mean delay.
    pub window: Duration,
    /// [`Alert::RetrySuccessRate`] fires below this percentage (0 to 100)
    /// of calls ending in success (abandoned calls count in neither).
    pub success_rate_below: u32,
    /// Calls (successes and failures) the window needs before its success
    /// rate is judged, so one failed call is not an alert.
    pub min_calls: u32,
    /// [`Alert::RetryMeanDelay`] fires above this mean delay per retry.
    pub mean_delay_above: Duration,
    /// Retries the window needs before their mean delay is judged.
    pub min_retries: u32,
}

impl RetryAlerts {
    /// The spec's defaults.
    ///
    /// ```
    /// # use totem_core::RetryAlerts;
    /// assert_eq!(RetryAlerts::new().retries_above, 5);
    /// ```
    pub const fn new() -> Self {
        Self {
            retries_above: 5,
            retries_window: Duration::from_ticks(60_000),
            window: Duration::from_ticks(300_000),
            success_rate_below: 50,
            min_calls: 10,
            mean_delay_above: Duration::from_ticks(30_000),
            min_retries: 3,
        }
    }

    /// Retries in `retries_window` above which [`Alert::RetryRetries`]
    /// fires (default 5).
    pub const fn retries_above(mut self, n: u32) -> Self {
        self.retries_above = n;
        self
    }

    /// The window retries are counted over (default 1 min).
    pub const fn retries_window(mut self, d: Duration) -> Self {
        self.retries_window = d;
        self
    }

    /// The window of the success rate and the mean delay (default 5 min).
    pub const fn window(mut self, d: Duration) -> Self {
        self.window = d;
        self
    }

    /// The success rate, in percent, under which
    /// [`Alert::RetrySuccessRate`] fires (default 50).
    pub const fn success_rate_below(mut self, percent: u32) -> Self {
        self.success_rate_below = percent;
        self
    }

    /// Calls in the window before the success rate is judged (default 10).
    pub const fn min_calls(mut self, n: u32) -> Self {
        self.min_calls = n;
        self
    }

    /// The mean delay above which [`Alert::RetryMeanDelay`] fires
    /// (default 30 s).
    pub const fn mean_delay_above(mut self, d: Duration) -> Self {
        self.mean_delay_above = d;
        self
    }

    /// Retries in the window before the mean delay is judged (default 3).
    pub const fn min_retries(mut self, n: u32) -> Self {
        self.min_retries = n;
        self
    }

    /// Checks every rule; the first broken one is the error.
    ///
    /// ```
    /// # use totem_core::{AlertConfigError, RetryAlerts};
    /// assert_eq!(RetryAlerts::new().min_retries(0).validate().unwrap_err(), AlertConfigError::MinRetriesZero);
    /// ```
    pub const fn validate(self) -> Result<Valid<Self>, AlertConfigError> {
        if let Err(e) = check_span(
            self.retries_window,
            AlertConfigError::RetriesWindowZero,
            AlertConfigError::RetriesWindowTooLong,
        ) {
            return Err(e);
        }
        if let Err(e) = check_success_rate(self.window, self.success_rate_below, self.min_calls) {
            return Err(e);
        }
        if self.min_retries == 0 {
            return Err(AlertConfigError::MinRetriesZero);
        }
        Ok(Valid::new(self))
    }

    /// How far back a history of samples must reach for every rule: the
    /// longer of `retries_window` and `window`.
    pub const fn horizon(&self) -> Duration {
        if self.retries_window.as_ticks() > self.window.as_ticks() {
            self.retries_window
        } else {
            self.window
        }
    }

    /// [`Alert::RetryRetries`] between two snapshots: more than
    /// `retries_above` retries in between.
    ///
    /// ```
    /// use totem_core::{validated, Duration, ManualClock, Retry, RetryAlerts, RetryConfig};
    /// let clock = ManualClock::new();
    /// let retry = Retry::new(validated!(RetryConfig::new("x").max_attempts(4)), &clock, 1);
    /// let earlier = retry.snapshot();
    /// let _ = retry.call(&|_: Duration| {}, || Err::<(), _>("down")); // 3 retries
    /// let _ = retry.call(&|_: Duration| {}, || Err::<(), _>("down")); // 6
    /// assert!(RetryAlerts::new().too_many_retries(&earlier, &retry.snapshot()));
    /// ```
    pub const fn too_many_retries(&self, earlier: &RetrySnapshot, now: &RetrySnapshot) -> bool {
        increase(earlier.retries_total, now.retries_total) > self.retries_above as u64
    }

    /// [`Alert::RetrySuccessRate`] between two snapshots: at least
    /// `min_calls` calls ended in success or failure in between, and the
    /// successes are under `success_rate_below` percent of them.
    pub const fn low_success_rate(&self, earlier: &RetrySnapshot, now: &RetrySnapshot) -> bool {
        let successes = increase(earlier.success_total, now.success_total);
        let failures = increase(earlier.failure_total, now.failure_total);
        below(
            successes,
            successes.saturating_add(failures),
            self.min_calls,
            self.success_rate_below,
        )
    }

    /// [`Alert::RetryMeanDelay`] between two snapshots: at least
    /// `min_retries` retries in between, and the delay slept before them
    /// averages above `mean_delay_above`.
    pub const fn high_mean_delay(&self, earlier: &RetrySnapshot, now: &RetrySnapshot) -> bool {
        let retries = increase(earlier.retries_total, now.retries_total);
        let delay = increase(earlier.delay_ms_total, now.delay_ms_total);
        retries >= self.min_retries as u64
            && delay as u128 > (self.mean_delay_above.as_ticks() as u128) * (retries as u128)
    }

    /// Every rule at once over a `history` of samples (oldest first) and
    /// the sample taken `now` (see
    /// [`BreakerAlerts::evaluate`](crate::BreakerAlerts::evaluate)).
    pub const fn evaluate(
        &self,
        history: &[Sample<RetrySnapshot>],
        now: &Sample<RetrySnapshot>,
    ) -> AlertSet {
        let mut set = AlertSet::EMPTY;
        if let Some((earlier, _)) = window_start(history, now.at, self.retries_window) {
            set = set.with_if(
                Alert::RetryRetries,
                self.too_many_retries(earlier, &now.snapshot),
            );
        }
        if let Some((earlier, _)) = window_start(history, now.at, self.window) {
            set = set
                .with_if(
                    Alert::RetrySuccessRate,
                    self.low_success_rate(earlier, &now.snapshot),
                )
                .with_if(
                    Alert::RetryMeanDelay,
                    self.high_mean_delay(earlier, &now.snapshot),
                );
        }
        set
    }

    /// Whether `alert`'s rule, under this retry configuration, can never
    /// fire or fires on every call of some kind, and why (`None` for a
    /// breaker's alert or a rule that can do its job).
    ///
    /// ```
    /// use totem_core::{Alert, Duration, Problem, RetryAlerts, RetryConfig};
    /// let slow = RetryConfig::new("x").max_delay(Duration::from_secs(60));
    /// assert_eq!(RetryAlerts::new().check(Alert::RetryMeanDelay, &slow), None);
    /// let once = RetryConfig::new("x").max_attempts(1);
    /// let w = RetryAlerts::new().check(Alert::RetryRetries, &once).unwrap();
    /// assert_eq!(w.problem, Problem::NeverRetries);
    /// ```
    pub const fn check(&self, alert: Alert, config: &RetryConfig) -> Option<RuleWarning> {
        let per_call = config.max_attempts.saturating_sub(1);
        let problem = match alert {
            Alert::RetryRetries => {
                if per_call == 0 {
                    Some(Problem::NeverRetries)
                } else if per_call > self.retries_above {
                    Some(Problem::OneFailingCall {
                        per_call,
                        above: self.retries_above,
                    })
                } else {
                    None
                }
            }
            Alert::RetrySuccessRate => rate_problem(self.success_rate_below, self.min_calls),
            Alert::RetryMeanDelay => {
                let longest = longest_delay(config);
                let shortest = shortest_delay(config);
                let above = self.mean_delay_above;
                if per_call == 0 {
                    Some(Problem::NeverRetries)
                } else if longest.as_ticks() <= above.as_ticks() {
                    Some(Problem::DelaysNeverLongEnough { longest, above })
                } else if shortest.as_ticks() > above.as_ticks() {
                    Some(Problem::EveryRetry { shortest, above })
                } else {
                    None
                }
            }
            _ => None,
        };
        match problem {
            Some(problem) => Some(RuleWarning { alert, problem }),
            None => None,
        }
    }

    /// Every rule's [`check`](Self::check) that found something, in
    /// [`Alert::RETRY`] order.
    pub fn warnings(&self, config: &RetryConfig) -> impl Iterator<Item = RuleWarning> {
        let (alerts, config) = (*self, *config);
        Alert::RETRY
            .into_iter()
            .filter_map(move |a| alerts.check(a, &config))
    }
}

impl Default for RetryAlerts {
    fn default() -> Self {
        Self::new()
    }
}

/// The longest delay a retry can sleep: `max_delay`, or below the deadline
/// (a retry whose delay would end past it is not made). A policy's own delay
/// is clamped the same way.
const fn longest_delay(c: &RetryConfig) -> Duration {
    match c.deadline {
        Some(d) if d.as_ticks() < c.max_delay.as_ticks() => d,
        _ => c.max_delay,
    }
}

/// The shortest delay the schedule sleeps, whatever the draw.
const fn shortest_delay(c: &RetryConfig) -> Duration {
    let initial = c.initial_delay.as_ticks();
    Duration::from_ticks(match c.jitter {
        Jitter::None | Jitter::Decorrelated => initial,
        Jitter::Equal => initial / 2,
        Jitter::Full => 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_bounds_follow_the_jitter_and_the_deadline() {
        let c = RetryConfig::new("x")
            .initial_delay(Duration::from_secs(40))
            .max_delay(Duration::from_secs(90));
        assert_eq!(shortest_delay(&c).as_ticks(), 40_000);
        assert_eq!(shortest_delay(&c.jitter(Jitter::Equal)).as_ticks(), 20_000);
        assert_eq!(shortest_delay(&c.jitter(Jitter::Full)).as_ticks(), 0);
        assert_eq!(longest_delay(&c).as_ticks(), 90_000);
        let tight = c.deadline(Duration::from_secs(50));
        assert_eq!(longest_delay(&tight).as_ticks(), 50_000);
        let alerts = RetryAlerts::new();
        let every = alerts.check(Alert::RetryMeanDelay, &c).unwrap();
        assert!(matches!(every.problem, Problem::EveryRetry { .. }));
        assert_eq!(
            alerts.check(Alert::RetryMeanDelay, &c.jitter(Jitter::Equal)),
            None
        );
    }
}

//! [`BreakerAlerts`]: the breaker's three alerts, their thresholds, the
//! rules as `const fn`s over two snapshots, and the check of the rules
//! against a [`BreakerConfig`].

use super::error::{check_span, check_success_rate};
use super::sample::{increase, window_start, Sample};
use super::{Alert, AlertConfigError, AlertSet, Problem, RuleWarning};
use crate::clock::Duration;
use crate::config::{BreakerConfig, Valid};
use crate::event::{Cause, State};
use crate::limits::MAX_FAILURE_THRESHOLD;
use crate::metrics::{BreakerSnapshot, CAUSES};

/// The thresholds of a breaker's alerts.
///
/// Defaults (from the spec): not CLOSED for 5 minutes, a success rate under
/// 80 % over a 5-minute `window` of at least 20 calls, more than 10
/// consecutive failures.
///
/// ```
/// use totem_core::{BreakerAlerts, Duration};
/// let alerts = BreakerAlerts::new()
///     .not_closed_for(Duration::from_secs(120))
///     .success_rate_below(90)
///     .min_calls(50);
/// assert!(alerts.validate().is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BreakerAlerts {
    /// [`Alert::BreakerNotClosed`] fires once the breaker has been OPEN or
    /// HALF_OPEN, without closing, for this long.
    pub not_closed_for: Duration,
    /// The window of the success rate.
    pub window: Duration,
    /// [`Alert::BreakerSuccessRate`] fires below this percentage (0 to 100).
    pub success_rate_below: u32,
    /// Calls (successes and failures) the window needs before its success
    /// rate is judged, so one failed call is not an alert.
    pub min_calls: u32,
    /// [`Alert::BreakerConsecutiveFailures`] fires above this many
    /// consecutive failures.
    pub consecutive_failures_above: u32,
}

impl BreakerAlerts {
    /// The spec's defaults.
    ///
    /// ```
    /// # use totem_core::BreakerAlerts;
    /// assert_eq!(BreakerAlerts::new().consecutive_failures_above, 10);
    /// ```
    pub const fn new() -> Self {
        Self {
            not_closed_for: Duration::from_ticks(300_000),
            window: Duration::from_ticks(300_000),
            success_rate_below: 80,
            min_calls: 20,
            consecutive_failures_above: 10,
        }
    }

    /// Time not CLOSED before [`Alert::BreakerNotClosed`] (default 5 min).
    pub const fn not_closed_for(mut self, d: Duration) -> Self {
        self.not_closed_for = d;
        self
    }

    /// The success rate's window (default 5 min).
    pub const fn window(mut self, d: Duration) -> Self {
        self.window = d;
        self
    }

    /// The success rate, in percent, under which
    /// [`Alert::BreakerSuccessRate`] fires (default 80).
    pub const fn success_rate_below(mut self, percent: u32) -> Self {
        self.success_rate_below = percent;
        self
    }

    /// Calls in the window before the success rate is judged (default 20).
    pub const fn min_calls(mut self, n: u32) -> Self {
        self.min_calls = n;
        self
    }

    /// Consecutive failures above which
    /// [`Alert::BreakerConsecutiveFailures`] fires (default 10).
    pub const fn consecutive_failures_above(mut self, n: u32) -> Self {
        self.consecutive_failures_above = n;
        self
    }

    /// Checks every rule; the first broken one is the error.
    ///
    /// ```
    /// # use totem_core::{AlertConfigError, BreakerAlerts, Duration};
    /// let err = BreakerAlerts::new().window(Duration::from_ticks(0)).validate();
    /// assert_eq!(err.unwrap_err(), AlertConfigError::WindowZero);
    /// ```
    pub const fn validate(self) -> Result<Valid<Self>, AlertConfigError> {
        if let Err(e) = check_span(
            self.not_closed_for,
            AlertConfigError::NotClosedForZero,
            AlertConfigError::NotClosedForTooLong,
        ) {
            return Err(e);
        }
        if let Err(e) = check_success_rate(self.window, self.success_rate_below, self.min_calls) {
            return Err(e);
        }
        Ok(Valid::new(self))
    }

    /// How far back a history of samples must reach for every rule: the
    /// longer of `not_closed_for` and `window`.
    pub const fn horizon(&self) -> Duration {
        if self.not_closed_for.as_ticks() > self.window.as_ticks() {
            self.not_closed_for
        } else {
            self.window
        }
    }

    /// [`Alert::BreakerNotClosed`] between two snapshots `elapsed` apart:
    /// both in OPEN or HALF_OPEN, at least `not_closed_for` apart, and in
    /// between no state change but OPEN → HALF_OPEN and back (counted by
    /// cause, so a CLOSED shorter than the interval is not missed) and no
    /// time in CLOSED, FORCED_OPEN or DISABLED. Flapping between OPEN and
    /// HALF_OPEN keeps it active; a breaker forced open or disabled is an
    /// operator's decision and never fires it.
    ///
    /// ```
    /// use totem_core::{validated, BreakerAlerts, BreakerConfig, CircuitBreaker, Duration, ManualClock};
    /// let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(validated!(BreakerConfig::new("db").failure_threshold(1)), &clock);
    /// let _ = b.call(|| Err::<(), _>("down"));
    /// let earlier = b.snapshot();
    /// clock.advance(Duration::from_secs(300)); // probes keep failing meanwhile
    /// let _ = b.call(|| Err::<(), _>("down"));
    /// let alerts = BreakerAlerts::new();
    /// assert!(alerts.not_closed(&earlier, &b.snapshot(), Duration::from_secs(300)));
    /// assert!(!alerts.not_closed(&earlier, &b.snapshot(), Duration::from_secs(299)));
    /// ```
    pub const fn not_closed(
        &self,
        earlier: &BreakerSnapshot,
        now: &BreakerSnapshot,
        elapsed: Duration,
    ) -> bool {
        if elapsed.as_ticks() < self.not_closed_for.as_ticks()
            || !Self::is_cut_off(earlier.state)
            || !Self::is_cut_off(now.state)
        {
            return false;
        }
        let mut i = 0;
        while i < CAUSES {
            if !Self::keeps_cut_off(Cause::ALL[i])
                && increase(earlier.transitions_by_cause[i], now.transitions_by_cause[i]) != 0
            {
                return false;
            }
            i += 1;
        }
        let mut s = 0;
        while s < State::ALL.len() {
            let state = State::ALL[s];
            let at = state as usize;
            if !Self::is_cut_off(state)
                && increase(earlier.time_in_state_ms[at], now.time_in_state_ms[at]) != 0
            {
                return false;
            }
            s += 1;
        }
        true
    }

    /// Whether `state` counts toward [`Alert::BreakerNotClosed`]: OPEN or
    /// HALF_OPEN, cut off by the breaker itself (not CLOSED, and not a
    /// manual state).
    ///
    /// ```
    /// use totem_core::{BreakerAlerts, State};
    /// assert!(BreakerAlerts::is_cut_off(State::HalfOpen));
    /// assert!(!BreakerAlerts::is_cut_off(State::ForcedOpen));
    /// ```
    pub const fn is_cut_off(state: State) -> bool {
        matches!(state, State::Open | State::HalfOpen)
    }

    /// Whether a state change with this cause leaves the breaker cut off:
    /// from OPEN or HALF_OPEN to the other (the flapping that keeps
    /// [`Alert::BreakerNotClosed`] active). Any other change passes through
    /// CLOSED or a manual state.
    ///
    /// ```
    /// use totem_core::{BreakerAlerts, Cause};
    /// assert!(BreakerAlerts::keeps_cut_off(Cause::ProbeFailed));
    /// assert!(!BreakerAlerts::keeps_cut_off(Cause::ProbesSucceeded));
    /// assert!(!BreakerAlerts::keeps_cut_off(Cause::ForceOpen));
    /// ```
    pub const fn keeps_cut_off(cause: Cause) -> bool {
        match cause.from() {
            Some(from) => Self::is_cut_off(from) && Self::is_cut_off(cause.to()),
            None => false,
        }
    }

    /// [`Alert::BreakerSuccessRate`] between two snapshots: at least
    /// `min_calls` successes and failures in between, and successes under
    /// `success_rate_below` percent of them.
    ///
    /// ```
    /// use totem_core::{validated, BreakerAlerts, BreakerConfig, CircuitBreaker, ManualClock};
    /// let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &clock);
    /// let earlier = b.snapshot();
    /// for i in 0..20 {
    ///     let _ = b.call(|| if i % 4 == 0 { Err("down") } else { Ok(()) }); // 75 %
    /// }
    /// let alerts = BreakerAlerts::new();
    /// assert!(alerts.low_success_rate(&earlier, &b.snapshot()));
    /// assert!(!alerts.min_calls(21).low_success_rate(&earlier, &b.snapshot()));
    /// ```
    pub const fn low_success_rate(&self, earlier: &BreakerSnapshot, now: &BreakerSnapshot) -> bool {
        let successes = increase(earlier.successes_total, now.successes_total);
        let failures = increase(earlier.failures_total, now.failures_total);
        below(
            successes,
            successes.saturating_add(failures),
            self.min_calls,
            self.success_rate_below,
        )
    }

    /// [`Alert::BreakerConsecutiveFailures`]: more than
    /// `consecutive_failures_above` failures in a row now.
    pub const fn too_many_consecutive_failures(&self, now: &BreakerSnapshot) -> bool {
        now.consecutive_failures > self.consecutive_failures_above
    }

    /// Every rule at once over a `history` of samples (oldest first) and
    /// the sample taken `now`: each rule reads its window from the newest
    /// sample at least that old (or the oldest, while the history is
    /// shorter than the window).
    ///
    /// ```
    /// use totem_core::{validated, Alert, BreakerAlerts, BreakerConfig, CircuitBreaker, ManualClock, Sample};
    /// use totem_core::{Clock, Duration};
    /// let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &clock);
    /// let history = [Sample::new(clock.now(), b.snapshot())];
    /// for _ in 0..11 {
    ///     let _ = b.call(|| Err::<(), _>("down"));
    ///     clock.advance(Duration::from_secs(60));
    /// }
    /// let active = BreakerAlerts::new().evaluate(&history, &Sample::new(clock.now(), b.snapshot()));
    /// assert!(active.contains(Alert::BreakerConsecutiveFailures));
    /// ```
    pub const fn evaluate(
        &self,
        history: &[Sample<BreakerSnapshot>],
        now: &Sample<BreakerSnapshot>,
    ) -> AlertSet {
        let mut set = AlertSet::EMPTY.with_if(
            Alert::BreakerConsecutiveFailures,
            self.too_many_consecutive_failures(&now.snapshot),
        );
        if let Some((earlier, age)) = window_start(history, now.at, self.not_closed_for) {
            set = set.with_if(
                Alert::BreakerNotClosed,
                self.not_closed(earlier, &now.snapshot, Duration::from_ticks(age)),
            );
        }
        if let Some((earlier, _)) = window_start(history, now.at, self.window) {
            set = set.with_if(
                Alert::BreakerSuccessRate,
                self.low_success_rate(earlier, &now.snapshot),
            );
        }
        set
    }

    /// Whether `alert`'s rule, under this breaker configuration, can never
    /// fire or fires on every call of some kind, and why (`None` for a
    /// retry's alert or a rule that can do its job).
    ///
    /// ```
    /// use totem_core::{Alert, BreakerAlerts, BreakerConfig, Duration, Problem};
    /// let config = BreakerConfig::new("db").reset_timeout(Duration::from_secs(600));
    /// let w = BreakerAlerts::new().check(Alert::BreakerNotClosed, &config).unwrap();
    /// assert!(matches!(w.problem, Problem::EveryOpening { .. }));
    /// ```
    pub const fn check(&self, alert: Alert, config: &BreakerConfig) -> Option<RuleWarning> {
        let problem = match alert {
            Alert::BreakerNotClosed => {
                if self.not_closed_for.as_ticks() <= config.reset_timeout.as_ticks() {
                    Some(Problem::EveryOpening {
                        not_closed_for: self.not_closed_for,
                        reset_timeout: config.reset_timeout,
                    })
                } else {
                    None
                }
            }
            Alert::BreakerSuccessRate => rate_problem(self.success_rate_below, self.min_calls),
            Alert::BreakerConsecutiveFailures => {
                if self.consecutive_failures_above >= MAX_FAILURE_THRESHOLD {
                    Some(Problem::StreakSaturates {
                        above: self.consecutive_failures_above,
                    })
                } else if self.consecutive_failures_above == 0 {
                    Some(Problem::FirstFailure)
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
    /// [`Alert::BREAKER`] order.
    pub fn warnings(&self, config: &BreakerConfig) -> impl Iterator<Item = RuleWarning> {
        let (alerts, config) = (*self, *config);
        Alert::BREAKER
            .into_iter()
            .filter_map(move |a| alerts.check(a, &config))
    }
}

impl Default for BreakerAlerts {
    fn default() -> Self {
        Self::new()
    }
}

/// `successes` under `percent` % of `calls`, over at least `min_calls`.
pub(crate) const fn below(successes: u64, calls: u64, min_calls: u32, percent: u32) -> bool {
    calls >= min_calls as u64 && (successes as u128) * 100 < (percent as u128) * (calls as u128)
}

/// What is wrong with a success-rate rule whatever the instance.
pub(crate) const fn rate_problem(percent: u32, min_calls: u32) -> Option<Problem> {
    if percent == 0 {
        Some(Problem::RateBelowZero)
    } else if percent >= 100 {
        Some(Problem::AnyFailedCall)
    } else if min_calls <= 1 {
        Some(Problem::FirstFailedCall)
    } else {
        None
    }
}

//! [`Alert`]: the spec's six alerts, their severity, and [`AlertSet`], a set
//! of them in one byte.

/// One of the spec's six alerts: three on a breaker, three on a retry.
///
/// ```
/// use totem_core::{Alert, Severity};
/// assert_eq!(Alert::BreakerNotClosed.as_str(), "CircuitBreakerNotClosed");
/// assert_eq!(Alert::BreakerNotClosed.severity(), Severity::Critical);
/// assert!(Alert::RetryMeanDelay.is_retry());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Alert {
    /// The breaker has not been CLOSED for `not_closed_for` (default 5 min):
    /// OPEN, or flapping between OPEN and HALF_OPEN, all that time. A breaker
    /// forced open or disabled by hand is left out: that is an operator's
    /// decision.
    BreakerNotClosed,
    /// The breaker's success rate over `window` is below
    /// `success_rate_below` (default 80 %), over at least `min_calls` calls.
    BreakerSuccessRate,
    /// More than `consecutive_failures_above` (default 10) failures in a row.
    BreakerConsecutiveFailures,
    /// More than `retries_above` (default 5) retries (attempts beyond the
    /// first call) in `retries_window` (default 1 min).
    RetryRetries,
    /// The retried calls' success rate over `window` is below
    /// `success_rate_below` (default 50 %), over at least `min_calls` calls.
    RetrySuccessRate,
    /// The mean delay before a retry over `window` is above
    /// `mean_delay_above` (default 30 s), over at least `min_retries`
    /// retries.
    RetryMeanDelay,
}

/// How urgent an alert is (the `severity` label of the Prometheus rules).
///
/// ```
/// use totem_core::Severity;
/// assert_eq!(Severity::Warning.as_str(), "warning");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Severity {
    /// Worth a look: the dependency is degraded or the tuning is off.
    Warning,
    /// The dependency has been cut off for a long time.
    Critical,
}

impl Severity {
    /// A lowercase label.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

impl Alert {
    /// Every alert, in bit order (`Alert as u8`).
    ///
    /// ```
    /// # use totem_core::Alert;
    /// assert_eq!(Alert::ALL.len(), 6);
    /// ```
    pub const ALL: [Alert; 6] = [
        Alert::BreakerNotClosed,
        Alert::BreakerSuccessRate,
        Alert::BreakerConsecutiveFailures,
        Alert::RetryRetries,
        Alert::RetrySuccessRate,
        Alert::RetryMeanDelay,
    ];

    /// The breaker's alerts.
    pub const BREAKER: [Alert; 3] = [
        Alert::BreakerNotClosed,
        Alert::BreakerSuccessRate,
        Alert::BreakerConsecutiveFailures,
    ];

    /// The retry's alerts.
    pub const RETRY: [Alert; 3] = [
        Alert::RetryRetries,
        Alert::RetrySuccessRate,
        Alert::RetryMeanDelay,
    ];

    /// The alert's name, CamelCase as Prometheus alert names are written
    /// (the `alert:` of a generated rule).
    ///
    /// ```
    /// # use totem_core::Alert;
    /// assert_eq!(Alert::RetryRetries.as_str(), "RetryTooManyRetries");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Alert::BreakerNotClosed => "CircuitBreakerNotClosed",
            Alert::BreakerSuccessRate => "CircuitBreakerLowSuccessRate",
            Alert::BreakerConsecutiveFailures => "CircuitBreakerConsecutiveFailures",
            Alert::RetryRetries => "RetryTooManyRetries",
            Alert::RetrySuccessRate => "RetryLowSuccessRate",
            Alert::RetryMeanDelay => "RetryHighMeanDelay",
        }
    }

    /// How urgent it is: a breaker cut off for minutes is critical, the rest
    /// are warnings.
    pub const fn severity(self) -> Severity {
        match self {
            Alert::BreakerNotClosed => Severity::Critical,
            _ => Severity::Warning,
        }
    }

    /// Whether it is one of a retry's alerts (else a breaker's).
    pub const fn is_retry(self) -> bool {
        matches!(
            self,
            Alert::RetryRetries | Alert::RetrySuccessRate | Alert::RetryMeanDelay
        )
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl core::fmt::Display for Alert {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of alerts (one bit each): what is active now.
///
/// ```
/// use totem_core::{Alert, AlertSet};
/// let set = AlertSet::EMPTY.with(Alert::RetryRetries);
/// assert!(set.contains(Alert::RetryRetries));
/// assert_eq!(set.iter().collect::<Vec<_>>(), [Alert::RetryRetries]);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AlertSet(u8);

impl AlertSet {
    /// No alert.
    pub const EMPTY: Self = Self(0);

    /// This set and `alert`.
    pub const fn with(self, alert: Alert) -> Self {
        Self(self.0 | alert.bit())
    }

    /// This set and `alert` when `active`, else this set.
    ///
    /// ```
    /// # use totem_core::{Alert, AlertSet};
    /// assert!(AlertSet::EMPTY.with_if(Alert::RetryRetries, false).is_empty());
    /// ```
    pub const fn with_if(self, alert: Alert, active: bool) -> Self {
        if active {
            self.with(alert)
        } else {
            self
        }
    }

    /// Whether `alert` is in the set.
    pub const fn contains(self, alert: Alert) -> bool {
        self.0 & alert.bit() != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The alerts in one set and not in `other`.
    pub const fn without(self, other: AlertSet) -> Self {
        Self(self.0 & !other.0)
    }

    /// The alerts of the set, in [`Alert::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Alert> {
        Alert::ALL.into_iter().filter(move |a| self.contains(*a))
    }
}

//! [`Alerts`]: the core's alert rules over the snapshots of `&'static`
//! breakers and retries, sampled at each [`poll`](Alerts::poll), with the
//! active alerts and since when.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use totem_core::{
    Alert, AlertChange, AlertTracker, BreakerAlerts, BreakerSnapshot, CircuitBreaker, Clock,
    Duration, Instant, Observer, Retry, RetryAlerts, RetrySnapshot, Sample, Valid,
};

/// Samples kept per window: a window starts within 1/64 of its length of
/// where it should, and a history holds about 65 samples however often it
/// is polled.
const SAMPLES_PER_HORIZON: u32 = 64;

/// The spec's alerts over `&'static` breakers and retries, in process.
///
/// Each [`poll`](Self::poll) takes a snapshot of every instance, judges the
/// core's rules ([`BreakerAlerts::evaluate`], [`RetryAlerts::evaluate`])
/// over the history the windows need, and returns what fired and cleared;
/// [`active`](Self::active) lists what is active and since when. The
/// decisions are the core's: this handle only samples and remembers. Poll
/// from a loop, a thread or a task, with the instant of the breakers' clock
/// (or any clock on the same timeline); a history holds about 65 samples per
/// instance, whatever the polling rate. `&self` everywhere, behind one
/// mutex, so an `Arc<Alerts>` can be polled by one task and read by others.
///
/// ```
/// use totem_core::{validated, Alert, AlertChange, BreakerAlerts, BreakerConfig, CircuitBreaker};
/// use totem_core::{Clock, Duration, ManualClock};
/// use totem_std::Alerts;
///
/// static CLOCK: ManualClock = ManualClock::new();
/// static DB: CircuitBreaker<&ManualClock> =
///     CircuitBreaker::new(validated!(BreakerConfig::new("db")), &CLOCK);
///
/// let alerts = Alerts::new().breaker(&DB, validated!(BreakerAlerts::new()));
/// for _ in 0..11 {
///     let _ = DB.call(|| Err::<(), _>("down"));
///     CLOCK.advance(Duration::from_secs(60)); // each failure a probe
/// }
/// let events = alerts.poll(CLOCK.now());
/// assert!(events.iter().any(|e| e.alert == Alert::BreakerConsecutiveFailures
///     && e.change == AlertChange::Fired));
/// let active = alerts.active();
/// assert_eq!((active[0].name, active[0].since), ("db", CLOCK.now()));
/// ```
pub struct Alerts {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    breakers: Vec<Watched<BreakerSnapshot, BreakerAlerts>>,
    retries: Vec<Watched<RetrySnapshot, RetryAlerts>>,
}

/// One instance: where its snapshots come from, its thresholds, its
/// history and tracker.
struct Watched<S, R> {
    name: &'static str,
    snapshot: Box<dyn Fn() -> S + Send + Sync>,
    rules: R,
    history: VecDeque<Sample<S>>,
    tracker: AlertTracker,
}

/// An alert of one instance that fired or cleared at a [`poll`](Alerts::poll).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertEvent {
    /// The instance's name (the alert says whether a breaker or a retry).
    pub name: &'static str,
    /// The alert.
    pub alert: Alert,
    /// Fired or cleared.
    pub change: AlertChange,
    /// When it fired (for a cleared alert, when the episode began).
    pub since: Instant,
    /// The poll that saw the change.
    pub at: Instant,
}

impl AlertEvent {
    /// How long the alert was active, for a cleared one (zero for a fired one).
    pub fn active_for(&self) -> Duration {
        self.at
            .checked_duration_since(self.since)
            .unwrap_or(Duration::from_ticks(0))
    }
}

impl fmt::Display for AlertEvent {
    /// `breaker db: CircuitBreakerNotClosed fired (critical)`, or
    /// `... cleared after 12.5 s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {} ", kind(self.alert), self.name, self.alert)?;
        match self.change {
            AlertChange::Fired => write!(f, "fired ({})", self.alert.severity().as_str()),
            AlertChange::Cleared => write!(
                f,
                "cleared after {:.1} s",
                f64::from(self.active_for().as_ticks()) / 1000.0
            ),
        }
    }
}

/// What an alert watches, for messages.
fn kind(alert: Alert) -> &'static str {
    if alert.is_retry() {
        "retry"
    } else {
        "breaker"
    }
}

/// An alert active at the last [`poll`](Alerts::poll).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActiveAlert {
    /// The instance's name (the alert says whether a breaker or a retry).
    pub name: &'static str,
    /// The alert.
    pub alert: Alert,
    /// The poll that first saw it active.
    pub since: Instant,
}

impl fmt::Display for ActiveAlert {
    /// `breaker db: CircuitBreakerNotClosed (critical)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {} ({})",
            kind(self.alert),
            self.name,
            self.alert,
            self.alert.severity().as_str()
        )
    }
}

impl Alerts {
    /// Nothing watched yet.
    pub fn new() -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Watches `breaker` with thresholds `rules`.
    pub fn breaker<C, O>(
        self,
        breaker: &'static CircuitBreaker<C, O>,
        rules: Valid<BreakerAlerts>,
    ) -> Self
    where
        C: Clock + 'static,
        O: Observer + 'static,
        CircuitBreaker<C, O>: Sync,
    {
        self.add_breaker(breaker, rules);
        self
    }

    /// Watches `retry` with thresholds `rules`.
    pub fn retry<C, O>(self, retry: &'static Retry<C, O>, rules: Valid<RetryAlerts>) -> Self
    where
        C: Clock + 'static,
        O: Observer + 'static,
        Retry<C, O>: Sync,
    {
        self.add_retry(retry, rules);
        self
    }

    /// [`breaker`](Self::breaker) through a shared reference.
    pub fn add_breaker<C, O>(
        &self,
        breaker: &'static CircuitBreaker<C, O>,
        rules: Valid<BreakerAlerts>,
    ) where
        C: Clock + 'static,
        O: Observer + 'static,
        CircuitBreaker<C, O>: Sync,
    {
        self.lock().breakers.push(Watched::new(
            breaker.name(),
            Box::new(|| breaker.snapshot()),
            *rules.get(),
        ));
    }

    /// [`retry`](Self::retry) through a shared reference.
    pub fn add_retry<C, O>(&self, retry: &'static Retry<C, O>, rules: Valid<RetryAlerts>)
    where
        C: Clock + 'static,
        O: Observer + 'static,
        Retry<C, O>: Sync,
    {
        self.lock().retries.push(Watched::new(
            retry.config().name,
            Box::new(|| retry.snapshot()),
            *rules.get(),
        ));
    }

    /// Samples every instance at `now`, judges the rules, and returns the
    /// alerts that fired or cleared since the last poll (breakers first,
    /// each instance in the order it was added).
    pub fn poll(&self, now: Instant) -> Vec<AlertEvent> {
        let mut inner = self.lock();
        let mut events = Vec::new();
        for w in &mut inner.breakers {
            let (rules, horizon) = (w.rules, w.rules.horizon());
            w.poll(now, horizon, |h, s| rules.evaluate(h, s), &mut events);
        }
        for w in &mut inner.retries {
            let (rules, horizon) = (w.rules, w.rules.horizon());
            w.poll(now, horizon, |h, s| rules.evaluate(h, s), &mut events);
        }
        events
    }

    /// The alerts active at the last poll, with since when (breakers first,
    /// in the order added, each instance's in [`Alert::ALL`] order).
    pub fn active(&self) -> Vec<ActiveAlert> {
        let inner = self.lock();
        let mut active = Vec::new();
        inner.breakers.iter().for_each(|w| w.active(&mut active));
        inner.retries.iter().for_each(|w| w.active(&mut active));
        active
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // The data is a history and a tracker: a poll that panicked half-way
        // leaves them usable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for Alerts {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Alerts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.lock();
        f.debug_struct("Alerts")
            .field(
                "breakers",
                &inner.breakers.iter().map(|w| w.name).collect::<Vec<_>>(),
            )
            .field(
                "retries",
                &inner.retries.iter().map(|w| w.name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl<S: Copy, R> Watched<S, R> {
    fn new(name: &'static str, snapshot: Box<dyn Fn() -> S + Send + Sync>, rules: R) -> Self {
        Self {
            name,
            snapshot,
            rules,
            history: VecDeque::new(),
            tracker: AlertTracker::new(),
        }
    }

    fn poll(
        &mut self,
        now: Instant,
        horizon: Duration,
        evaluate: impl Fn(&[Sample<S>], &Sample<S>) -> totem_core::AlertSet,
        events: &mut Vec<AlertEvent>,
    ) {
        let sample = Sample::new(now, (self.snapshot)());
        let active = evaluate(self.history.make_contiguous(), &sample);
        events.extend(self.tracker.update(now, active).map(|e| AlertEvent {
            name: self.name,
            alert: e.alert,
            change: e.change,
            since: e.since,
            at: e.at,
        }));
        self.remember(sample, horizon);
    }

    /// Keeps `sample` if the last kept one is a 64th of the horizon old,
    /// and drops what no window reaches: everything older than the newest
    /// sample beyond the horizon.
    fn remember(&mut self, sample: Sample<S>, horizon: Duration) {
        let age = |s: &Sample<S>| sample.at.checked_duration_since(s.at);
        let spacing = (horizon.as_ticks() / SAMPLES_PER_HORIZON).max(1);
        match self.history.back().map(age) {
            // A clock stepped back: the history no longer lines up.
            Some(None) => self.history.clear(),
            Some(Some(d)) if d.as_ticks() < spacing => return,
            _ => {}
        }
        self.history.push_back(sample);
        while self.history.len() > 1
            && age(&self.history[1]).is_some_and(|d| d.as_ticks() >= horizon.as_ticks())
        {
            self.history.pop_front();
        }
    }

    fn active(&self, out: &mut Vec<ActiveAlert>) {
        for alert in self.tracker.active().iter() {
            if let Some(since) = self.tracker.since(alert) {
                out.push(ActiveAlert {
                    name: self.name,
                    alert,
                    since,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use totem_core::{validated, BreakerConfig, ManualClock, RetryConfig};

    use super::*;

    fn leak<T>(t: T) -> &'static T {
        Box::leak(Box::new(t))
    }

    #[test]
    fn the_history_stays_bounded_and_reaches_the_horizon() {
        let clock = leak(ManualClock::new());
        let db = leak(CircuitBreaker::new(
            validated!(BreakerConfig::new("db")),
            clock,
        ));
        let alerts = Alerts::new().breaker(db, validated!(BreakerAlerts::new()));
        for _ in 0..10_000 {
            alerts.poll(clock.now());
            clock.advance(Duration::from_millis(100));
        }
        let inner = alerts.lock();
        let h = &inner.breakers[0].history;
        assert!(h.len() <= SAMPLES_PER_HORIZON as usize + 2, "{}", h.len());
        let oldest = clock.now().checked_duration_since(h[0].at).unwrap();
        assert!(oldest.as_ticks() >= 300_000, "{oldest}");
    }

    #[test]
    fn a_clock_stepping_back_restarts_the_history() {
        let clock = leak(ManualClock::new());
        let db = leak(CircuitBreaker::new(
            validated!(BreakerConfig::new("db")),
            clock,
        ));
        let alerts = Alerts::new().breaker(db, validated!(BreakerAlerts::new()));
        for s in [10, 20, 30] {
            alerts.poll(Instant::from_ticks(s * 1_000));
        }
        assert_eq!(alerts.lock().breakers[0].history.len(), 3);
        alerts.poll(Instant::from_ticks(5_000));
        let inner = alerts.lock();
        let h = &inner.breakers[0].history;
        assert_eq!((h.len(), h[0].at), (1, Instant::from_ticks(5_000)));
    }

    #[test]
    fn a_retry_storm_fires_and_clears_with_its_since() {
        let clock = leak(ManualClock::new());
        let notify = leak(Retry::new(
            validated!(RetryConfig::new("notify").max_attempts(4)),
            clock,
            1,
        ));
        let alerts = Alerts::new().retry(notify, validated!(RetryAlerts::new()));
        assert!(alerts.poll(clock.now()).is_empty());
        clock.advance(Duration::from_secs(10));
        let _ = notify.call(&|_: Duration| {}, || Err::<(), _>("down"));
        let _ = notify.call(&|_: Duration| {}, || Err::<(), _>("down"));
        let fired_at = clock.now();
        let events = alerts.poll(fired_at);
        assert_eq!(events.len(), 1);
        assert_eq!(
            events[0].to_string(),
            "retry notify: RetryTooManyRetries fired (warning)"
        );
        clock.advance(Duration::from_secs(30));
        assert!(
            alerts.poll(clock.now()).is_empty(),
            "still within the minute"
        );
        assert_eq!(alerts.active()[0].since, fired_at);
        clock.advance(Duration::from_secs(31));
        let events = alerts.poll(clock.now());
        assert_eq!(
            events[0].to_string(),
            "retry notify: RetryTooManyRetries cleared after 61.0 s"
        );
        assert!(alerts.active().is_empty());
    }
}

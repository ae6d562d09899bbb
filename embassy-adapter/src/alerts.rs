//! [`BreakerWatch`] and [`RetryWatch`]: the core's alert rules over a
//! fixed-size history of one instance's snapshots, for a firmware task;
//! with the `defmt` feature each alert that fires or clears is logged at
//! `warn`.

use totem_core::{
    AlertEdge, AlertEdges, AlertSet, AlertTracker, BreakerAlerts, BreakerSnapshot, Duration,
    Instant, RetryAlerts, RetrySnapshot, Sample, Valid,
};

/// `N` samples, oldest first, at least `horizon / (N - 1)` apart: enough to
/// start every window within that of where it should.
#[derive(Debug, Clone, Copy)]
struct History<S: Copy, const N: usize> {
    samples: [Option<Sample<S>>; N],
    len: usize,
}

impl<S: Copy, const N: usize> History<S, N> {
    const fn new() -> Self {
        Self {
            samples: [None; N],
            len: 0,
        }
    }

    /// Judges `now` against the history with `evaluate`, then keeps it if
    /// it is far enough from the last kept sample.
    fn update(
        &mut self,
        now: Sample<S>,
        horizon: Duration,
        evaluate: impl Fn(&[Sample<S>], &Sample<S>) -> AlertSet,
    ) -> AlertSet {
        // The core reads a slice: copy the kept samples out of their slots.
        let mut kept = [now; N];
        for (slot, sample) in kept.iter_mut().zip(self.samples.iter().flatten()) {
            *slot = *sample;
        }
        let active = evaluate(&kept[..self.len], &now);
        self.remember(now, horizon);
        active
    }

    fn remember(&mut self, now: Sample<S>, horizon: Duration) {
        if N == 0 {
            return;
        }
        let spacing = horizon.as_ticks() / (N.max(2) as u32 - 1);
        let age = |s: &Option<Sample<S>>| s.and_then(|s| now.at.checked_duration_since(s.at));
        if self.len > 0 {
            match age(&self.samples[self.len - 1]) {
                // A clock stepped back: the history no longer lines up.
                None => self.len = 0,
                Some(d) if d.as_ticks() < spacing => return,
                Some(_) => {}
            }
        }
        // Drop what no window reaches (all but the newest sample beyond the
        // horizon), and the oldest when full.
        while self.len > 1
            && (self.len == N
                || age(&self.samples[1]).is_some_and(|d| d.as_ticks() >= horizon.as_ticks()))
        {
            self.samples.copy_within(1..self.len, 0);
            self.len -= 1;
        }
        if self.len == N {
            // N = 1: only the newest sample is kept.
            self.len = 0;
        }
        self.samples[self.len] = Some(now);
        self.len += 1;
    }
}

/// A breaker's alerts in a firmware: call [`update`](Self::update) with
/// the breaker's snapshot now and then (every few seconds: the windows are
/// minutes), and it judges the core's rules over the `N` samples it keeps
/// and reports what fired or cleared. Fixed size, `const`-constructible.
///
/// The samples are kept `horizon / (N - 1)` apart (the thresholds'
/// [`horizon`](BreakerAlerts::horizon), the longest window), and a window
/// starts up to that much early: pick `N` so that this is small beside the
/// shortest window (16 for the spec's defaults: 20 s beside the retries'
/// 1 minute).
///
/// ```
/// use totem_core::{validated, Alert, BreakerAlerts, BreakerConfig, CircuitBreaker, Clock};
/// use totem_core::{Duration, ManualClock};
/// use totem_embassy::BreakerWatch;
///
/// let clock = ManualClock::new();
/// let sensor = CircuitBreaker::new(validated!(BreakerConfig::new("sensor")), &clock);
/// let mut watch: BreakerWatch<8> = BreakerWatch::new(validated!(BreakerAlerts::new()));
/// for _ in 0..11 {
///     let _ = sensor.call(|| Err::<(), _>("no answer"));
///     clock.advance(Duration::from_secs(60));
///     let _ = watch.update(clock.now(), sensor.snapshot());
/// }
/// assert!(watch.active().contains(Alert::BreakerConsecutiveFailures));
/// assert!(watch.active().contains(Alert::BreakerNotClosed));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Watch<R: Rules, const N: usize> {
    rules: R,
    history: History<R::Snapshot, N>,
    tracker: AlertTracker,
}

/// A breaker's alerts in a firmware (see [`Watch`]).
pub type BreakerWatch<const N: usize> = Watch<BreakerAlerts, N>;

/// A retry's alerts in a firmware: [`BreakerWatch`] for a
/// [`Retry`](totem_core::Retry)'s snapshots.
pub type RetryWatch<const N: usize> = Watch<RetryAlerts, N>;

/// The alert rules of one kind of instance, over its snapshots: the core's
/// [`BreakerAlerts`] and [`RetryAlerts`] (sealed).
pub trait Rules: Copy + sealed::Sealed {
    /// The snapshot the rules judge.
    type Snapshot: Copy;
    /// How far back the rules look.
    fn horizon(&self) -> Duration;
    /// The alerts active at `now`, given the history.
    fn evaluate(
        &self,
        history: &[Sample<Self::Snapshot>],
        now: &Sample<Self::Snapshot>,
    ) -> AlertSet;
    /// The instance's name in a snapshot.
    fn name(snapshot: &Self::Snapshot) -> &'static str;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for totem_core::BreakerAlerts {}
    impl Sealed for totem_core::RetryAlerts {}
}

impl Rules for BreakerAlerts {
    type Snapshot = BreakerSnapshot;
    fn horizon(&self) -> Duration {
        BreakerAlerts::horizon(self)
    }
    fn evaluate(
        &self,
        history: &[Sample<BreakerSnapshot>],
        now: &Sample<BreakerSnapshot>,
    ) -> AlertSet {
        BreakerAlerts::evaluate(self, history, now)
    }
    fn name(snapshot: &BreakerSnapshot) -> &'static str {
        snapshot.name
    }
}

impl Rules for RetryAlerts {
    type Snapshot = RetrySnapshot;
    fn horizon(&self) -> Duration {
        RetryAlerts::horizon(self)
    }
    fn evaluate(&self, history: &[Sample<RetrySnapshot>], now: &Sample<RetrySnapshot>) -> AlertSet {
        RetryAlerts::evaluate(self, history, now)
    }
    fn name(snapshot: &RetrySnapshot) -> &'static str {
        snapshot.name
    }
}

impl<R: Rules, const N: usize> Watch<R, N> {
    /// Nothing sampled yet.
    pub const fn new(rules: Valid<R>) -> Self {
        Self {
            rules: *rules.get(),
            history: History::new(),
            tracker: AlertTracker::new(),
        }
    }

    /// Judges the rules with `snapshot`, taken at `now`, and returns what
    /// fired or cleared (logged at `warn` with the `defmt` feature).
    pub fn update(&mut self, now: Instant, snapshot: R::Snapshot) -> AlertEdges {
        let rules = self.rules;
        let active = self
            .history
            .update(Sample::new(now, snapshot), rules.horizon(), |h, s| {
                rules.evaluate(h, s)
            });
        let edges = self.tracker.update(now, active);
        log(R::name(&snapshot), edges.clone());
        edges
    }

    /// The alerts active at the last update.
    pub const fn active(&self) -> AlertSet {
        self.tracker.active()
    }

    /// The tracker: since when each alert is active.
    pub const fn tracker(&self) -> &AlertTracker {
        &self.tracker
    }
}

/// Logs each edge of `name` at `warn` (with the `defmt` feature; nothing
/// without it).
fn log(name: &str, edges: AlertEdges) {
    for edge in edges {
        log_edge(name, &edge);
    }
}

/// One alert that fired or cleared, as a defmt `warn`: `alert sensor:
/// CircuitBreakerNotClosed fired at 300000 ms (critical)` or `... cleared at
/// 360000 ms, active since 300000 ms`.
#[cfg(feature = "defmt")]
pub fn log_edge(name: &str, edge: &AlertEdge) {
    match edge.change {
        totem_core::AlertChange::Fired => defmt::warn!(
            "alert {=str}: {=str} fired at {=u32} ms ({=str})",
            name,
            edge.alert.as_str(),
            edge.at.as_ticks(),
            edge.alert.severity().as_str()
        ),
        totem_core::AlertChange::Cleared => defmt::warn!(
            "alert {=str}: {=str} cleared at {=u32} ms, active since {=u32} ms",
            name,
            edge.alert.as_str(),
            edge.at.as_ticks(),
            edge.since.as_ticks()
        ),
    }
}

#[cfg(not(feature = "defmt"))]
fn log_edge(_name: &str, _edge: &AlertEdge) {}

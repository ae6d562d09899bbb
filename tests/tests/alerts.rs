//! The spec's six alerts over real breakers and retries on a manual clock:
//! each fires, clears, stays silent below its minimum, and the "not CLOSED"
//! rule follows flapping but leaves out an operator's decision.

use totem_core::{
    validated, Alert, AlertChange, AlertSet, AlertTracker, BreakerAlerts, BreakerConfig,
    BreakerSnapshot, CircuitBreaker, Clock, Duration, ManualClock, Retry, RetryAlerts, RetryConfig,
    RetrySnapshot, Sample,
};

type Breaker<'a> = CircuitBreaker<&'a ManualClock>;

fn breaker(clock: &ManualClock) -> Breaker<'_> {
    let b = CircuitBreaker::new(
        validated!(BreakerConfig::new("db")
            .failure_threshold(3)
            .reset_timeout(Duration::from_secs(30))),
        clock,
    );
    b.start_time_accounting();
    b
}

/// Samples a breaker every `step` while `act` runs, evaluating the rules at
/// each sample; returns what was active after each step.
struct Watch<'a> {
    clock: &'a ManualClock,
    rules: BreakerAlerts,
    history: Vec<Sample<BreakerSnapshot>>,
    tracker: AlertTracker,
}

impl<'a> Watch<'a> {
    fn new(clock: &'a ManualClock, rules: BreakerAlerts) -> Self {
        Self {
            clock,
            rules,
            history: Vec::new(),
            tracker: AlertTracker::new(),
        }
    }

    fn sample(&mut self, b: &Breaker<'_>) -> AlertSet {
        let now = Sample::new(self.clock.now(), b.snapshot());
        let active = self.rules.evaluate(&self.history, &now);
        let _ = self.tracker.update(now.at, active);
        self.history.push(now);
        active
    }
}

#[test]
fn not_closed_fires_after_five_minutes_of_flapping_and_clears_on_closing() {
    let clock = ManualClock::new();
    let b = breaker(&clock);
    let mut watch = Watch::new(&clock, BreakerAlerts::new());
    for _ in 0..3 {
        let _ = b.call(|| Err::<(), _>("down"));
    }
    let opened = clock.now();
    // OPEN 30 s, HALF_OPEN, a failing probe, OPEN again: flapping.
    for _ in 0..10 {
        assert!(!watch.sample(&b).contains(Alert::BreakerNotClosed));
        clock.advance(Duration::from_secs(30));
        let _ = b.call(|| Err::<(), _>("still down"));
    }
    assert!(watch.sample(&b).contains(Alert::BreakerNotClosed));
    assert_eq!(
        watch.tracker.since(Alert::BreakerNotClosed),
        Some(clock.now())
    );
    assert_eq!(
        clock.now().checked_duration_since(opened),
        Some(Duration::from_secs(300))
    );
    clock.advance(Duration::from_secs(30));
    let _ = b.call(|| Ok::<_, ()>(()));
    assert!(!watch.sample(&b).contains(Alert::BreakerNotClosed));
}

#[test]
fn a_closing_between_samples_restarts_the_count() {
    let clock = ManualClock::new();
    let b = breaker(&clock);
    let mut watch = Watch::new(&clock, BreakerAlerts::new());
    let trip = |b: &Breaker<'_>| {
        for _ in 0..3 {
            let _ = b.call(|| Err::<(), _>("down"));
        }
    };
    trip(&b);
    watch.sample(&b);
    for minute in 1..=8 {
        clock.advance(Duration::from_secs(60));
        if minute == 3 {
            // Closed and tripped again between two samples: both read OPEN.
            let _ = b.call(|| Ok::<_, ()>(()));
            trip(&b);
        } else {
            let _ = b.call(|| Err::<(), _>("down"));
        }
        let active = watch.sample(&b).contains(Alert::BreakerNotClosed);
        assert_eq!(active, minute >= 8, "minute {minute}");
    }
}

#[test]
fn an_operator_s_decision_is_left_out() {
    let clock = ManualClock::new();
    for manual in [Breaker::force_open, Breaker::disable] {
        let b = breaker(&clock);
        let mut watch = Watch::new(&clock, BreakerAlerts::new());
        for _ in 0..3 {
            let _ = b.call(|| Err::<(), _>("down"));
        }
        watch.sample(&b);
        clock.advance(Duration::from_secs(60));
        manual(&b);
        for _ in 0..10 {
            clock.advance(Duration::from_secs(60));
            assert!(!watch.sample(&b).contains(Alert::BreakerNotClosed));
        }
    }
}

#[test]
fn the_success_rate_needs_its_minimum_of_calls_in_the_window() {
    let clock = ManualClock::new();
    let b = CircuitBreaker::new(
        validated!(BreakerConfig::new("db").failure_threshold(100)),
        &clock,
    );
    let rules = BreakerAlerts::new()
        .window(Duration::from_secs(60))
        .min_calls(10);
    let mut watch = Watch::new(&clock, rules);
    watch.sample(&b);
    // 9 calls, 1 success: far below 80 %, but too few to judge.
    let _ = b.call(|| Ok::<_, ()>(()));
    for _ in 0..8 {
        let _ = b.call(|| Err::<(), _>("down"));
    }
    clock.advance(Duration::from_secs(10));
    assert!(!watch.sample(&b).contains(Alert::BreakerSuccessRate));
    let _ = b.call(|| Err::<(), _>("down"));
    clock.advance(Duration::from_secs(10));
    assert!(watch.sample(&b).contains(Alert::BreakerSuccessRate));
    // A minute of successes: the failures leave the window.
    for _ in 0..6 {
        for _ in 0..10 {
            let _ = b.call(|| Ok::<_, ()>(()));
        }
        clock.advance(Duration::from_secs(10));
        watch.sample(&b);
    }
    assert!(!watch.sample(&b).contains(Alert::BreakerSuccessRate));
}

#[test]
fn more_than_ten_consecutive_failures_counting_failed_probes() {
    let clock = ManualClock::new();
    let b = breaker(&clock);
    let mut watch = Watch::new(&clock, BreakerAlerts::new());
    for _ in 0..3 {
        let _ = b.call(|| Err::<(), _>("down"));
    }
    for _ in 0..7 {
        clock.advance(Duration::from_secs(30));
        let _ = b.call(|| Err::<(), _>("probe fails"));
    }
    assert_eq!(b.snapshot().consecutive_failures, 10);
    assert!(!watch.sample(&b).contains(Alert::BreakerConsecutiveFailures));
    clock.advance(Duration::from_secs(30));
    let _ = b.call(|| Err::<(), _>("probe fails"));
    assert!(watch.sample(&b).contains(Alert::BreakerConsecutiveFailures));
    clock.advance(Duration::from_secs(30));
    let _ = b.call(|| Ok::<_, ()>(()));
    let edges: Vec<_> = {
        let now = Sample::new(clock.now(), b.snapshot());
        let active = watch.rules.evaluate(&watch.history, &now);
        watch.tracker.update(now.at, active).collect()
    };
    assert!(edges
        .iter()
        .any(|e| e.alert == Alert::BreakerConsecutiveFailures && e.change == AlertChange::Cleared));
}

fn retry_sample(clock: &ManualClock, r: &Retry<&ManualClock>) -> Sample<RetrySnapshot> {
    Sample::new(clock.now(), r.snapshot())
}

#[test]
fn retry_rules_fire_and_clear_over_their_windows() {
    let clock = ManualClock::new();
    let retry = Retry::new(
        validated!(RetryConfig::new("notify")
            .max_attempts(3)
            .initial_delay(Duration::from_secs(40))
            .max_delay(Duration::from_secs(60))),
        &clock,
        1,
    );
    let rules = RetryAlerts::new();
    let sleep = |d: Duration| clock.advance(d);
    let mut history = vec![retry_sample(&clock, &retry)];
    // Two failing calls: 4 retries of 40 s and 60 s (mean 50 s), 0 % success.
    for _ in 0..2 {
        let _ = retry.call(&sleep, || Err::<(), _>("down"));
    }
    let now = retry_sample(&clock, &retry);
    let active = rules.evaluate(&history, &now);
    // 4 retries: not above 5; 2 calls: below min_calls; mean delay over 4 retries.
    assert_eq!(active, AlertSet::EMPTY.with(Alert::RetryMeanDelay));
    history.push(now);
    let low = rules.min_calls(2).retries_above(3).evaluate(&history, &now);
    assert!(low.contains(Alert::RetrySuccessRate) && low.contains(Alert::RetryRetries));
    // Ten quiet minutes of first-time successes: everything clears.
    for _ in 0..10 {
        clock.advance(Duration::from_secs(60));
        let _ = retry.call(&sleep, || Ok::<_, ()>(()));
        history.push(retry_sample(&clock, &retry));
    }
    let now = retry_sample(&clock, &retry);
    assert_eq!(rules.evaluate(&history, &now), AlertSet::EMPTY);
}

#[test]
fn the_spec_defaults_are_checked_against_the_spec_instances() {
    let breaker = BreakerAlerts::new();
    assert_eq!(breaker.warnings(&BreakerConfig::new("b")).count(), 0);
    let retry = RetryAlerts::new();
    let w: Vec<_> = retry.warnings(&RetryConfig::new("r")).collect();
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].alert, Alert::RetryMeanDelay);
    let many = RetryConfig::new("r").max_attempts(10);
    let w: Vec<_> = retry.warnings(&many).map(|w| w.to_string()).collect();
    assert!(
        w.iter()
            .any(|w| w.starts_with("RetryTooManyRetries fires on a single failing call")),
        "{w:?}"
    );
}

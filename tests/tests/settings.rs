//! Where a breaker or retry holds its configuration changes nothing it does:
//! a `settings!` constant, a `&'static` to settings and settings stored in
//! the breaker give the same states, results, counts and events; a retry's
//! budget in its flash settings is drawn on as one given with `with_budget`.
mod common;
use common::*;
use totem_core::{
    settings, validated, BreakerConfig, BreakerSettings, CallError, CircuitBreaker, Clock, GiveUp,
    ManualClock, Observer, Outcome, Retry, RetryBudget, RetryBudgetConfig, RetryConfig,
    RetrySettings, Settings, State,
};

const CONFIG: BreakerConfig = BreakerConfig::new("pump")
    .failure_threshold(2)
    .reset_timeout(Duration::from_secs(5))
    .half_open_timeout(Duration::from_secs(2));
use totem_core::Duration;

settings! {
    Pump: BreakerSettings = CONFIG;
}
static PUMP_SETTINGS: BreakerSettings = BreakerSettings::new(validated!(CONFIG));

/// One script of calls and clock steps; what a breaker answered, step by
/// step.
fn script<C: Clock, O: Observer, K: Settings<BreakerSettings>>(
    b: &CircuitBreaker<C, O, K>,
    clock: &ManualClock,
) -> Vec<(State, Option<bool>)> {
    let mut seen = Vec::new();
    let mut step = |b: &CircuitBreaker<C, O, K>, ok: bool| {
        let r = b.call(|| if ok { Ok(()) } else { Err(()) });
        let admitted = !matches!(r, Err(CallError::Rejected(_)));
        seen.push((b.state(), admitted.then_some(r.is_ok())));
    };
    step(b, true);
    step(b, false);
    step(b, false); // trips
    step(b, true); // rejected
    clock.advance(secs(5));
    step(b, false); // the probe fails: OPEN again
    clock.advance(secs(5));
    step(b, true); // the probe succeeds: CLOSED
    step(b, true);
    if let Ok(p) = b.try_acquire() {
        p.record(Outcome::Ignore);
    }
    b.force_open();
    step(b, true);
    b.reset();
    step(b, true);
    seen
}

#[test]
fn the_three_ways_to_hold_a_configuration_behave_alike() {
    let (c1, c2, c3) = (ManualClock::new(), ManualClock::new(), ManualClock::new());
    let (r1, r2, r3) = (
        Recorder::default(),
        Recorder::default(),
        Recorder::default(),
    );
    let flash = CircuitBreaker::from_settings(Pump, &c1, &r1);
    let pointer = CircuitBreaker::from_settings(&PUMP_SETTINGS, &c2, &r2);
    let stored = CircuitBreaker::new_with_observer(validated!(CONFIG), &c3, &r3);

    let expected = script(&stored, &c3);
    assert_eq!(script(&flash, &c1), expected);
    assert_eq!(script(&pointer, &c2), expected);
    // Not a script that proves nothing: it trips, probes, closes, is forced
    // open and reset.
    assert!(expected.contains(&(State::Open, None)));
    assert!(expected.contains(&(State::ForcedOpen, None)));
    assert_eq!(expected.last(), Some(&(State::Closed, Some(true))));

    let (s1, s2, s3) = (flash.snapshot(), pointer.snapshot(), stored.snapshot());
    let counts = |s: &totem_core::BreakerSnapshot| {
        (
            s.successes_total,
            s.failures_total,
            s.rejected_total,
            s.ignored_total,
            s.transitions_by_cause,
        )
    };
    assert_eq!(counts(&s1), counts(&s3));
    assert_eq!(counts(&s2), counts(&s3));
    assert_eq!(r1.transitions(), r3.transitions());
    assert_eq!(r2.transitions(), r3.transitions());
    assert_eq!(flash.config(), stored.config());
    assert_eq!(pointer.name(), "pump");
}

#[test]
fn a_settings_constant_takes_no_room_in_the_breaker() {
    type Flash = CircuitBreaker<&'static ManualClock, totem_core::NoObserver, Pump>;
    type Stored = CircuitBreaker<&'static ManualClock>;
    assert_eq!(core::mem::size_of::<Pump>(), 0);
    assert!(core::mem::size_of::<Flash>() < core::mem::size_of::<Stored>());
}

static BUDGET: RetryBudget = RetryBudget::new(validated!(RetryBudgetConfig::new()
    .retry_percent(10)
    .min_per_second(1)));
static CLOCK: ManualClock = ManualClock::new();

settings! {
    Uplink: RetrySettings = RetryConfig::new("uplink").max_attempts(5), with_budget(&BUDGET);
}
static UPLINK: Retry<&ManualClock, totem_core::NoObserver, Uplink> =
    Retry::from_settings(Uplink, &CLOCK, 0, totem_core::NoObserver);

#[test]
fn a_budget_in_flash_settings_is_drawn_on() {
    assert!(core::ptr::eq(UPLINK.budget().unwrap(), &BUDGET));
    // The floor pays for one retry in this second, not four.
    let err = UPLINK.call(&|_| {}, || Err::<(), _>("down")).unwrap_err();
    assert_eq!((err.attempts, err.reason), (2, GiveUp::BudgetExhausted));
    assert_eq!(UPLINK.snapshot().budget_denied_total, 1);
}

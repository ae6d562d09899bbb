//! The retry budget, on a manual clock: retries as a share of calls, the
//! floor per second, exhaustion and refill, one budget shared by two
//! retries, a clock that steps back, the order of the checks, what a retry
//! without a budget pays, and the configuration's rules.
use std::cell::RefCell;

mod common;

use common::{ms, secs, CountingClock};
use totem_core::{
    validated, Clock, ConfigError, Duration, Event, GiveUp, Instant, ManualClock, ObserverFn,
    Retry, RetryBudget, RetryBudgetConfig, RetryConfig, MAX_BUDGET_RETRIES,
};

/// A budget for one test (leaked: a retry holds its budget as `&'static`).
fn budget(cfg: RetryBudgetConfig) -> &'static RetryBudget {
    Box::leak(Box::new(RetryBudget::try_new(cfg).unwrap()))
}

/// A retry with `max_attempts` and 1 ms delays, drawing on `budget`.
fn retry<'c>(
    name: &'static str,
    attempts: u32,
    clock: &'c ManualClock,
    budget: &'static RetryBudget,
) -> Retry<&'c ManualClock> {
    let cfg = RetryConfig::new(name)
        .max_attempts(attempts)
        .initial_delay(ms(1))
        .max_delay(ms(1));
    Retry::new(cfg.validate().unwrap(), clock, 7).with_budget(budget)
}

fn ok(r: &Retry<&ManualClock>, clock: &ManualClock) {
    r.call(clock, || Ok::<_, ()>(())).unwrap();
}

/// A call that always fails: the attempts it made and why it stopped.
fn failing(r: &Retry<&ManualClock>, clock: &ManualClock) -> (u32, GiveUp) {
    let err = r.call(clock, || Err::<(), _>("down")).unwrap_err();
    (err.attempts, err.reason)
}

fn at(clock: &ManualClock) -> Instant {
    clock.now()
}

#[test]
fn each_call_earns_its_share_and_each_retry_costs_one() {
    let clock = ManualClock::new();
    let b = budget(
        RetryBudgetConfig::new()
            .retry_percent(25)
            .min_per_second(0)
            .max_retries(100),
    );
    let r = retry("x", 5, &clock, b);
    assert_eq!(b.available(at(&clock)), 0);
    for _ in 0..4 {
        ok(&r, &clock);
    }
    assert_eq!(b.available(at(&clock)), 1, "four calls at 25 %: one retry");
    // This call deposits a quarter too: one retry, then none.
    assert_eq!(failing(&r, &clock), (2, GiveUp::BudgetExhausted));
    let s = r.snapshot();
    assert_eq!(
        (
            s.budget_denied_total,
            s.failure_total,
            s.retries_total,
            s.attempts_total
        ),
        (1, 1, 1, 4 + 2)
    );
}

#[test]
fn the_floor_allows_min_per_second_whatever_the_calls() {
    let clock = ManualClock::starting_at(10_000);
    let b = budget(
        RetryBudgetConfig::new()
            .retry_percent(1)
            .min_per_second(2)
            .max_retries(10),
    );
    let r = retry("x", 10, &clock, b);
    // A fresh budget holds its floor: two retries, the third refused.
    assert_eq!(failing(&r, &clock), (3, GiveUp::BudgetExhausted));
    // Still the same second: nothing more.
    assert_eq!(failing(&r, &clock), (1, GiveUp::BudgetExhausted));
    // A new second raises the balance to the floor again.
    clock.advance(secs(1));
    assert_eq!(failing(&r, &clock), (3, GiveUp::BudgetExhausted));
    // Seconds pass without withdrawals: the floor does not accumulate.
    clock.advance(secs(10));
    assert_eq!(b.available(at(&clock)), 2);
    assert_eq!(r.snapshot().budget_denied_total, 3);
}

#[test]
fn an_exhausted_budget_refills_from_deposits() {
    let clock = ManualClock::new();
    let b = budget(
        RetryBudgetConfig::new()
            .retry_percent(50)
            .min_per_second(1)
            .max_retries(3),
    );
    let r = retry("x", 3, &clock, b);
    // The floor's retry and this call's half: one retry, then refused.
    assert_eq!(failing(&r, &clock), (2, GiveUp::BudgetExhausted));
    assert_eq!(b.available(at(&clock)), 0);
    ok(&r, &clock);
    assert_eq!(b.available(at(&clock)), 1, "half left over, plus a half");
    for _ in 0..20 {
        ok(&r, &clock);
    }
    assert_eq!(b.available(at(&clock)), 3, "never above max_retries");
    // Attempts, not the budget, end this call: 2 retries taken.
    assert_eq!(failing(&r, &clock), (3, GiveUp::Exhausted));
    assert_eq!(b.available(at(&clock)), 1);
}

#[test]
fn two_retries_share_one_budget() {
    let clock = ManualClock::new();
    let b = budget(
        RetryBudgetConfig::new()
            .retry_percent(25)
            .min_per_second(0)
            .max_retries(100),
    );
    let healthy = retry("healthy", 3, &clock, b);
    let flaky = retry("flaky", 3, &clock, b);
    assert!(core::ptr::eq(
        healthy.budget().unwrap(),
        flaky.budget().unwrap()
    ));
    // The healthy retry's calls pay for the flaky one's retries.
    for _ in 0..8 {
        ok(&healthy, &clock);
    }
    assert_eq!(failing(&flaky, &clock), (3, GiveUp::Exhausted));
    // 8 + 1 calls earned 2.25 retries, 2 were spent: the next call has
    // its quarter plus a quarter, not enough for a retry.
    assert_eq!(failing(&flaky, &clock), (1, GiveUp::BudgetExhausted));
    // The retry refused counts where it was refused.
    assert_eq!(flaky.snapshot().budget_denied_total, 1);
    assert_eq!(healthy.snapshot().budget_denied_total, 0);
    // And the flaky retry's deposits serve the healthy one in turn.
    ok(&flaky, &clock);
    ok(&flaky, &clock);
    assert_eq!(failing(&healthy, &clock), (2, GiveUp::BudgetExhausted));
}

#[test]
fn a_clock_that_steps_back_mints_nothing_and_does_not_wedge() {
    let clock = ManualClock::starting_at(3 * 3_600_000);
    let b = budget(
        RetryBudgetConfig::new()
            .retry_percent(1)
            .min_per_second(1)
            .max_retries(5),
    );
    let r = retry("x", 5, &clock, b);
    clock.advance(secs(1));
    assert_eq!(failing(&r, &clock), (2, GiveUp::BudgetExhausted));
    // Back five seconds: an "earlier" second is no new second.
    clock.set(Instant::from_ticks(clock.now().as_ticks() - 5_000));
    assert_eq!(b.available(at(&clock)), 0);
    assert_eq!(failing(&r, &clock), (1, GiveUp::BudgetExhausted));
    // One second of clock later the floor is back.
    clock.advance(secs(1));
    assert_eq!(failing(&r, &clock), (2, GiveUp::BudgetExhausted));
    // Back three hours, to zero: the same.
    clock.set(Instant::from_ticks(0));
    assert_eq!(failing(&r, &clock), (1, GiveUp::BudgetExhausted));
    clock.advance(secs(1));
    assert_eq!(failing(&r, &clock), (2, GiveUp::BudgetExhausted));
}

#[test]
fn the_floor_comes_back_across_the_clocks_wrap() {
    let clock = ManualClock::starting_at(u32::MAX - 1_500);
    let b = budget(
        RetryBudgetConfig::new()
            .retry_percent(1)
            .min_per_second(1)
            .max_retries(5),
    );
    let r = retry("x", 5, &clock, b);
    clock.advance(secs(1));
    assert_eq!(failing(&r, &clock), (2, GiveUp::BudgetExhausted));
    // The 32-bit millisecond clock wraps: its second jumps from 4294966 to
    // 0, which reads as a step back: the floor comes one second late.
    clock.advance(secs(1));
    assert!(clock.now().as_ticks() < 1_000, "wrapped");
    assert_eq!(failing(&r, &clock), (1, GiveUp::BudgetExhausted));
    clock.advance(secs(1));
    assert_eq!(failing(&r, &clock), (2, GiveUp::BudgetExhausted));
}

#[test]
fn attempts_and_the_deadline_come_before_the_budget() {
    let clock = ManualClock::new();
    let b = budget(
        RetryBudgetConfig::new()
            .retry_percent(1)
            .min_per_second(3)
            .max_retries(3),
    );
    // One attempt: no retry asked for, nothing withdrawn.
    let once = retry("once", 1, &clock, b);
    assert_eq!(failing(&once, &clock), (1, GiveUp::Exhausted));
    assert_eq!(b.available(at(&clock)), 3);
    // A deadline that rules out the retry: nothing withdrawn either.
    let cfg = RetryConfig::new("deadline")
        .initial_delay(secs(2))
        .deadline(secs(1));
    let tight = Retry::new(cfg.validate().unwrap(), &clock, 7).with_budget(b);
    assert_eq!(failing(&tight, &clock), (1, GiveUp::Deadline));
    assert_eq!(b.available(at(&clock)), 3);
    assert_eq!(tight.snapshot().budget_denied_total, 0);
}

#[test]
fn a_refused_retry_is_an_event_and_is_counted_only_with_metrics() {
    let clock = ManualClock::new();
    let b = budget(
        RetryBudgetConfig::new()
            .retry_percent(1)
            .min_per_second(1)
            .max_retries(1),
    );
    let events = RefCell::new(Vec::new());
    let cfg = RetryConfig::new("notify").initial_delay(ms(1));
    let r = Retry::new(cfg.validate().unwrap(), &clock, 1)
        .with_budget(b)
        .with_observer(ObserverFn(|e: &Event| events.borrow_mut().push(*e)));
    assert!(r.budget().is_some(), "with_observer keeps the budget");
    let _ = r.call(&clock, || Err::<(), _>(()));
    let ev = events.borrow();
    assert!(matches!(ev[0], Event::RetryScheduled(s) if s.attempt == 1));
    assert!(
        matches!(ev[1], Event::RetryGaveUp(g) if g.attempts == 2 && g.reason == GiveUp::BudgetExhausted && g.name == "notify")
    );
    assert_eq!(GiveUp::BudgetExhausted.as_str(), "budget_exhausted");

    let quiet = Retry::new(
        RetryConfig::new("q").metrics(false).validate().unwrap(),
        &clock,
        1,
    )
    .with_budget(b);
    let err = quiet.call(&clock, || Err::<(), _>(())).unwrap_err();
    assert_eq!(err.reason, GiveUp::BudgetExhausted);
    assert_eq!(quiet.snapshot().budget_denied_total, 0);
}

#[test]
fn a_call_that_needs_no_retry_reads_no_clock_even_with_a_budget() {
    let clock = CountingClock::default();
    let b = budget(RetryBudgetConfig::new());
    let r = Retry::new(validated!(RetryConfig::new("x")), &clock, 1).with_budget(b);
    for _ in 0..10 {
        r.call(&|_: Duration| {}, || Ok::<_, ()>(())).unwrap();
    }
    assert_eq!(clock.reads(), 0);
    // The deposits arrived: 10 floor retries plus 10 calls at 20 %.
    assert_eq!(b.available(Instant::from_ticks(0)), 12);
}

#[test]
fn without_a_budget_nothing_is_refused() {
    let clock = ManualClock::new();
    let r = Retry::new(validated!(RetryConfig::new("x")), &clock, 1);
    assert!(r.budget().is_none());
    for _ in 0..100 {
        let err = r.call(&clock, || Err::<(), _>(())).unwrap_err();
        assert_eq!(err.reason, GiveUp::Exhausted);
    }
    assert_eq!(r.snapshot().budget_denied_total, 0);
}

#[test]
fn async_calls_draw_on_the_budget_too() {
    use core::future::Future;
    use totem_core::Sleeper;
    struct NoWait;
    impl Sleeper for NoWait {
        fn sleep(&self, _: Duration) -> impl Future<Output = ()> {
            core::future::ready(())
        }
    }
    let clock = ManualClock::new();
    let b = budget(
        RetryBudgetConfig::new()
            .retry_percent(1)
            .min_per_second(1)
            .max_retries(1),
    );
    let r = retry("x", 3, &clock, b);
    let fut = r.call_async(&NoWait, || async { Err::<(), _>("down") });
    let err = futures_lite_block_on(fut).unwrap_err();
    assert_eq!((err.attempts, err.reason), (2, GiveUp::BudgetExhausted));
}

/// Polls a future that never waits to completion.
fn futures_lite_block_on<F: core::future::Future>(f: F) -> F::Output {
    use core::task::{Context, Poll, Waker};
    let mut cx = Context::from_waker(Waker::noop());
    let mut f = core::pin::pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

#[test]
fn a_static_retry_takes_a_static_budget() {
    static CLOCK: ManualClock = ManualClock::new();
    static BUDGET: RetryBudget = RetryBudget::new(validated!(RetryBudgetConfig::new()
        .retry_percent(10)
        .min_per_second(1)
        .max_retries(10)));
    static A: Retry<&ManualClock> =
        Retry::new(validated!(RetryConfig::new("a")), &CLOCK, 1).with_budget(&BUDGET);
    static B: Retry<&ManualClock> =
        Retry::new(validated!(RetryConfig::new("b")), &CLOCK, 2).with_budget(&BUDGET);
    assert_eq!(A.budget(), B.budget());
    let err = A.call(&|_: Duration| {}, || Err::<(), _>(())).unwrap_err();
    assert_eq!(err.reason, GiveUp::BudgetExhausted);
    let err = B.call(&|_: Duration| {}, || Err::<(), _>(())).unwrap_err();
    assert_eq!((err.attempts, err.reason), (1, GiveUp::BudgetExhausted));
}

#[test]
fn budget_configurations_are_checked_field_by_field() {
    let cases = [
        (
            RetryBudgetConfig::new().retry_percent(101),
            ConfigError::RetryPercentAbove100,
            "retry_percent",
        ),
        (
            RetryBudgetConfig::new().max_retries(0).min_per_second(0),
            ConfigError::MaxRetriesZero,
            "max_retries",
        ),
        (
            RetryBudgetConfig::new().max_retries(MAX_BUDGET_RETRIES + 1),
            ConfigError::MaxRetriesTooLarge,
            "max_retries",
        ),
        (
            RetryBudgetConfig::new().min_per_second(11).max_retries(10),
            ConfigError::MinPerSecondAboveMaxRetries,
            "min_per_second",
        ),
        (
            RetryBudgetConfig::new().retry_percent(0).min_per_second(0),
            ConfigError::BudgetAllowsNoRetry,
            "retry_percent",
        ),
    ];
    for (cfg, error, field) in cases {
        assert_eq!(cfg.validate().unwrap_err(), error);
        assert_eq!(error.field(), field);
        assert!(error.message().starts_with("RetryBudgetConfig."));
        assert!(error.message().contains(field), "{}", error.message());
    }
    // The edges that pass.
    for cfg in [
        RetryBudgetConfig::new().retry_percent(100),
        RetryBudgetConfig::new().retry_percent(0).min_per_second(1),
        RetryBudgetConfig::new()
            .max_retries(MAX_BUDGET_RETRIES)
            .min_per_second(MAX_BUDGET_RETRIES),
        RetryBudgetConfig::default(),
    ] {
        assert!(cfg.validate().is_ok(), "{cfg:?}");
    }
}

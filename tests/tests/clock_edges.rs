//! Clock edges: the 32-bit millisecond wrap, a clock that steps backwards, a
//! breaker idle for months, and the longest durations the configuration
//! accepts (`MAX_TIMEOUT_MS`, `MAX_DELAY_MS`). All on `ManualClock`.

use totem_core::MAX_DELAY_MS;
use totem_core::{
    validated, BreakerConfig, Cause, CircuitBreaker, Clock, ConfigError, Duration, GiveUp, Instant,
    ManualClock, Retry, RetryConfig, State, MAX_TIMEOUT_MS,
};
use totem_tests::Recorder;

const DAY_MS: u32 = 24 * 3_600 * 1_000;

fn ms(n: u32) -> Duration {
    Duration::from_ticks(n)
}

fn now(clock: &ManualClock) -> u32 {
    clock.now().as_ticks()
}

fn breaker<'a>(
    clock: &'a ManualClock,
    rec: &'a Recorder,
    reset: u32,
    half_open: u32,
) -> CircuitBreaker<&'a ManualClock, &'a Recorder> {
    let cfg = BreakerConfig::new("edge")
        .failure_threshold(1)
        .reset_timeout(ms(reset))
        .half_open_timeout(ms(half_open))
        .validate()
        .unwrap();
    CircuitBreaker::new(cfg, clock).with_observer(rec)
}

/// Opens `b` with one failure.
fn trip(b: &CircuitBreaker<&ManualClock, &Recorder>) {
    b.try_acquire().unwrap().failure();
    assert_eq!(b.state(), State::Open);
}

// --- 32-bit wraparound ----------------------------------------------------

#[test]
fn open_period_spanning_the_32_bit_wrap_half_opens_on_time() {
    let clock = ManualClock::starting_at(u32::MAX - 999); // 1 s before the wrap
    let rec = Recorder::default();
    let b = breaker(&clock, &rec, 5_000, 1_000);
    trip(&b);
    clock.advance(ms(4_999)); // now 3_999 after the wrap
    assert!(now(&clock) < 5_000);
    let left = b.try_acquire().unwrap_err().retry_after.unwrap();
    assert_eq!(left.as_ticks(), 1);
    clock.advance(ms(1));
    assert_eq!(b.state(), State::HalfOpen);
    let t = rec.transitions();
    assert_eq!(t[1].cause, Cause::ResetTimeout);
    assert_eq!(t[1].at.as_ticks(), 4_000); // u32::MAX - 999 + 5_000, wrapped
}

#[test]
fn half_open_timeout_spanning_the_wrap_reopens_at_its_expiry() {
    let clock = ManualClock::starting_at(u32::MAX - 1_500);
    let rec = Recorder::default();
    let b = breaker(&clock, &rec, 1_000, 1_000);
    trip(&b);
    clock.advance(ms(1_000));
    let _probe = b.try_acquire().unwrap(); // admitted at u32::MAX - 500
    clock.advance(ms(999));
    assert_eq!(b.state(), State::HalfOpen);
    clock.advance(ms(1));
    assert_eq!(b.state(), State::Open);
    let reopen = *rec.transitions().last().unwrap();
    assert_eq!(reopen.cause, Cause::HalfOpenTimeout);
    assert_eq!(reopen.at.as_ticks(), 499);
}

#[test]
fn time_in_state_is_exact_across_the_wrap() {
    let clock = ManualClock::starting_at(u32::MAX - 99);
    let rec = Recorder::default();
    let b = breaker(&clock, &rec, 1_000, 1_000);
    b.start_time_accounting();
    clock.advance(ms(300));
    trip(&b);
    clock.advance(ms(250));
    let s = b.snapshot();
    assert_eq!(s.time_in(State::Closed), 300);
    assert_eq!(s.time_in(State::Open), 250);
}

// --- a clock that steps backwards -----------------------------------------

#[test]
fn clock_stepping_back_never_panics_nor_wedges_and_dates_events_now() {
    let clock = ManualClock::starting_at(10_000_000);
    let rec = Recorder::default();
    let b = breaker(&clock, &rec, 60_000, 30_000);
    b.start_time_accounting();
    clock.advance(ms(5_000));
    trip(&b);
    clock.advance(ms(1_000));
    let before = b.snapshot();
    // The clock jumps back one hour.
    clock.set(Instant::from_ticks(now(&clock) - 3_600_000));
    // A deadline read against a clock that stepped back counts as passed
    // (the documented choice: never stuck, at worst an early probe) ...
    assert_eq!(b.state(), State::HalfOpen);
    // ... and the transition is dated when it was noticed, not some 74 h
    // earlier from the wrapped difference.
    let half_open = *rec.transitions().last().unwrap();
    assert_eq!(half_open.cause, Cause::ResetTimeout);
    assert_eq!(half_open.at.as_ticks(), now(&clock));
    // Metrics: elapsed time saturates at zero, counters never go down.
    let after = b.snapshot();
    assert_eq!(after.time_in(State::Closed), before.time_in(State::Closed));
    assert!(after.transitions_total > before.transitions_total);
    // And it still works: a probe closes it.
    b.try_acquire().unwrap().success();
    assert_eq!(b.state(), State::Closed);
}

#[test]
fn probing_breaker_with_clock_stepping_back_reopens_now_and_recovers() {
    let clock = ManualClock::starting_at(1_000_000);
    let rec = Recorder::default();
    let b = breaker(&clock, &rec, 1_000, 1_000);
    trip(&b);
    clock.advance(ms(1_000));
    let stale = b.try_acquire().unwrap();
    clock.set(Instant::from_ticks(now(&clock) - 10));
    assert_eq!(b.state(), State::Open);
    let reopen = *rec.transitions().last().unwrap();
    assert_eq!(reopen.cause, Cause::HalfOpenTimeout);
    assert_eq!(reopen.at.as_ticks(), now(&clock));
    stale.success(); // stale: counted, drives nothing
    assert_eq!(b.state(), State::Open);
    clock.advance(ms(1_000));
    b.try_acquire().unwrap().success();
    assert_eq!(b.state(), State::Closed);
}

#[test]
fn rejection_wait_never_exceeds_reset_timeout_after_a_step_back() {
    let clock = ManualClock::starting_at(50_000);
    let rec = Recorder::default();
    let b = breaker(&clock, &rec, 60_000, 30_000);
    trip(&b);
    for back in [1u32, 999, 49_999] {
        clock.set(Instant::from_ticks(50_000 - back));
        b.reset();
        trip(&b);
        let r = b.try_acquire().unwrap_err();
        assert!(r.retry_after.unwrap().as_ticks() <= 60_000);
    }
}

#[test]
fn retry_deadline_with_clock_stepping_back_reads_no_time_elapsed() {
    let clock = ManualClock::starting_at(100);
    let retry = Retry::new(
        validated!(RetryConfig::new("edge")
            .max_attempts(4)
            .initial_delay(Duration::from_ticks(10))
            .max_delay(Duration::from_ticks(10))
            .deadline(Duration::from_ticks(25))),
        &clock,
        1,
    );
    let slept = std::cell::RefCell::new(Vec::new());
    let err = retry
        .call(
            &|d: Duration| {
                slept.borrow_mut().push(d.as_ticks());
                // sleeping moves the clock back instead of forward
                clock.set(Instant::from_ticks(now(&clock).wrapping_sub(50)));
            },
            || Err::<(), _>("down"),
        )
        .unwrap_err();
    // No time reads as elapsed, so the delays fit the deadline; attempts
    // still stop at max_attempts.
    assert_eq!(err.attempts, 4);
    assert_eq!(err.reason, GiveUp::Exhausted);
    assert_eq!(slept.into_inner(), [10, 10, 10]);
}

// --- idle for months --------------------------------------------------------

#[test]
fn breaker_open_and_idle_for_months_half_opens_within_one_more_reset_timeout() {
    for reset in [1u32, 60_000, MAX_TIMEOUT_MS] {
        for idle_days in [1u32, 30, 49, 50, 90, 365] {
            let clock = ManualClock::starting_at(12_345);
            let rec = Recorder::default();
            let b = breaker(&clock, &rec, reset, 30_000);
            trip(&b);
            let mut left = idle_days;
            while left > 0 {
                let d = left.min(40);
                clock.advance(ms(d * DAY_MS));
                left -= d;
            }
            // Never stuck: at most one more reset_timeout (in ms steps of
            // the rejection's own retry_after) before a probe is admitted.
            let mut waited = 0u64;
            let permit = loop {
                match b.try_acquire() {
                    Ok(p) => break p,
                    Err(r) => {
                        let wait = r.retry_after.expect("OPEN says how long").as_ticks();
                        assert!(wait >= 1 && wait <= reset);
                        waited += wait as u64;
                        clock.advance(ms(wait));
                    }
                }
            };
            assert!(
                waited <= reset as u64,
                "reset {reset}, {idle_days} days: waited {waited}"
            );
            permit.success();
            assert_eq!(b.state(), State::Closed);
        }
    }
}

#[test]
fn half_open_breaker_idle_for_months_stays_half_open_and_still_probes() {
    let clock = ManualClock::new();
    let rec = Recorder::default();
    let b = breaker(&clock, &rec, 60_000, 30_000);
    trip(&b);
    clock.advance(ms(60_000));
    assert_eq!(b.state(), State::HalfOpen);
    let events = rec.events().len();
    for _ in 0..3 {
        clock.advance(ms(40 * DAY_MS));
        assert_eq!(b.state(), State::HalfOpen);
    }
    assert_eq!(rec.events().len(), events, "an idle breaker emits nothing");
    b.try_acquire().unwrap().success();
    assert_eq!(b.state(), State::Closed);
}

#[test]
fn closed_breaker_idle_for_months_admits_at_once() {
    let clock = ManualClock::new();
    let rec = Recorder::default();
    let b = breaker(&clock, &rec, 60_000, 30_000);
    for _ in 0..5 {
        clock.advance(ms(40 * DAY_MS));
    }
    b.try_acquire().expect("CLOSED admits").success();
    assert_eq!(b.state(), State::Closed);
    assert!(rec.events().is_empty());
}

// --- maximum durations -----------------------------------------------------

#[test]
fn max_timeout_is_accepted_and_one_more_is_a_typed_error() {
    let ok = BreakerConfig::new("x")
        .reset_timeout(ms(MAX_TIMEOUT_MS))
        .half_open_timeout(ms(MAX_TIMEOUT_MS));
    assert!(ok.validate().is_ok());
    assert_eq!(
        ok.reset_timeout(ms(MAX_TIMEOUT_MS + 1))
            .validate()
            .unwrap_err(),
        ConfigError::ResetTimeoutTooLong
    );
    assert_eq!(
        ok.half_open_timeout(ms(MAX_TIMEOUT_MS + 1))
            .validate()
            .unwrap_err(),
        ConfigError::HalfOpenTimeoutTooLong
    );
}

#[test]
fn max_reset_timeout_is_honoured_to_the_millisecond_across_the_wrap() {
    let clock = ManualClock::starting_at(u32::MAX - 10);
    let rec = Recorder::default();
    let b = breaker(&clock, &rec, MAX_TIMEOUT_MS, MAX_TIMEOUT_MS);
    trip(&b);
    clock.advance(ms(MAX_TIMEOUT_MS - 1));
    assert_eq!(
        b.try_acquire().unwrap_err().retry_after.unwrap().as_ticks(),
        1
    );
    clock.advance(ms(1));
    let probe = b.try_acquire().unwrap();
    clock.advance(ms(MAX_TIMEOUT_MS - 1));
    assert_eq!(b.state(), State::HalfOpen);
    clock.advance(ms(1));
    assert_eq!(b.state(), State::Open);
    let t = rec.transitions();
    let opened = u32::MAX - 10;
    assert_eq!(t[1].at.as_ticks(), opened.wrapping_add(MAX_TIMEOUT_MS));
    assert_eq!(t[2].at.as_ticks(), opened.wrapping_add(2 * MAX_TIMEOUT_MS));
    drop(probe);
    let s = b.snapshot();
    assert_eq!(s.time_in(State::Open), MAX_TIMEOUT_MS as u64);
    assert_eq!(s.time_in(State::HalfOpen), MAX_TIMEOUT_MS as u64);
}

#[test]
fn max_delay_and_deadline_are_accepted_and_one_more_is_a_typed_error() {
    let ok = RetryConfig::new("x")
        .max_delay(ms(MAX_DELAY_MS))
        .deadline(ms(MAX_DELAY_MS));
    assert!(ok.validate().is_ok());
    assert_eq!(
        ok.max_delay(ms(MAX_DELAY_MS + 1)).validate().unwrap_err(),
        ConfigError::MaxDelayTooLong
    );
    assert_eq!(
        ok.deadline(ms(MAX_DELAY_MS + 1)).validate().unwrap_err(),
        ConfigError::DeadlineTooLong
    );
}

#[test]
fn max_delay_schedule_saturates_without_overflow_and_honours_the_max_deadline() {
    let clock = ManualClock::new();
    let cfg = RetryConfig::new("x")
        .max_attempts(40)
        .initial_delay(ms(MAX_DELAY_MS))
        .max_delay(ms(MAX_DELAY_MS))
        .backoff_factor(totem_core::BackoffFactor::from_raw(u32::MAX))
        .deadline(ms(MAX_DELAY_MS))
        .validate()
        .unwrap();
    let retry = Retry::new(cfg, &clock, 7);
    assert!(retry.schedule().all(|d| d.as_ticks() == MAX_DELAY_MS));
    let slept = std::cell::Cell::new(0u64);
    let err = retry
        .call(
            &|d: Duration| {
                slept.set(slept.get() + d.as_ticks() as u64);
                clock.advance(d);
            },
            || Err::<(), _>(()),
        )
        .unwrap_err();
    // One sleep of MAX_DELAY_MS fits the deadline exactly; the next would not.
    assert_eq!(slept.get(), MAX_DELAY_MS as u64);
    assert_eq!((err.attempts, err.reason), (2, GiveUp::Deadline));
}

#[test]
fn time_in_state_never_goes_backwards_when_the_clock_steps_back() {
    let clock = ManualClock::starting_at(1_000);
    let rec = Recorder::default();
    let b = breaker(&clock, &rec, 60_000, 30_000);
    b.start_time_accounting();
    clock.advance(ms(500));
    let before = b.snapshot().time_in(State::Closed);
    assert_eq!(before, 500);
    clock.set(Instant::from_ticks(1_200));
    assert_eq!(b.snapshot().time_in(State::Closed), 500);
    clock.advance(ms(400)); // 1_600: 600 ms after the start
    assert_eq!(b.snapshot().time_in(State::Closed), 600);
}

#[test]
fn a_max_delay_sleep_plus_a_slow_attempt_is_not_read_as_a_clock_stepping_back() {
    // Found by prop_deadline_is_never_overslept (rarely): after a sleep of
    // MAX_DELAY_MS, an attempt of 5 ms put the call 2^31 + 4 ms past its
    // start, which a single reading from the start took for a clock that
    // stepped back ("no time elapsed"), so the retry slept again, far past
    // the deadline.
    let clock = ManualClock::starting_at(7);
    let retry = Retry::new(
        RetryConfig::new("edge")
            .max_attempts(5)
            .initial_delay(ms(MAX_DELAY_MS))
            .max_delay(ms(MAX_DELAY_MS))
            .deadline(ms(MAX_DELAY_MS))
            .validate()
            .unwrap(),
        &clock,
        1,
    );
    let mut calls = 0;
    let slept = std::cell::Cell::new(0u64);
    let err = retry
        .call(
            &|d: Duration| {
                slept.set(slept.get() + d.as_ticks() as u64);
                clock.advance(d);
            },
            || {
                calls += 1;
                if calls > 1 {
                    clock.advance(ms(5));
                }
                Err::<(), _>(())
            },
        )
        .unwrap_err();
    assert_eq!(
        slept.get(),
        MAX_DELAY_MS as u64,
        "one sleep fits, a second would not"
    );
    assert_eq!((err.attempts, err.reason), (2, GiveUp::Deadline));
}

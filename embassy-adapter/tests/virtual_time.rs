//! totem-embassy on virtual time: embassy-time's `MockDriver` (1 MHz tick)
//! with the generic timer queue, futures polled by hand.
//!
//! `MockDriver` is process-global, so every test here takes `serial()` first
//! and resets the driver (this file is one test binary; other binaries are
//! other processes).

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};
use std::cell::Cell;
use std::sync::{Mutex, MutexGuard};

use embassy_time::MockDriver;
use totem_core::{
    validated, AbandonedPermit, BreakerConfig, CallError, CircuitBreaker, Clock, Duration, Event,
    GiveUp, Jitter, Retry, RetryConfig, Sleeper, State,
};
use totem_embassy::{EmbassyClock, EmbassySleeper};

static SERIAL: Mutex<()> = Mutex::new(());

/// Takes the test lock and resets virtual time to zero.
fn serial() -> MutexGuard<'static, ()> {
    let guard = SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    MockDriver::get().reset();
    guard
}

fn advance_ms(ms: u64) {
    MockDriver::get().advance(embassy_time::Duration::from_millis(ms));
}

fn now_ms() -> u64 {
    embassy_time::Instant::now().as_millis()
}

fn poll_once<F: Future>(fut: core::pin::Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(Waker::noop()))
}

/// Drives `fut` to completion on virtual time: poll, and while it is pending
/// advance the clock by `step_us` microseconds. Returns the output and the
/// virtual time it took, in microseconds.
fn run_virtual<F: Future>(fut: F, step_us: u64, limit_us: u64) -> (F::Output, u64) {
    let mut fut = pin!(fut);
    let start = embassy_time::Instant::now();
    loop {
        if let Poll::Ready(out) = poll_once(fut.as_mut()) {
            return (out, start.elapsed().as_micros());
        }
        assert!(
            start.elapsed().as_micros() < limit_us,
            "future still pending after {limit_us} us"
        );
        MockDriver::get().advance(embassy_time::Duration::from_micros(step_us));
    }
}

// ---------------------------------------------------------------- clock

#[test]
fn clock_reads_embassy_milliseconds() {
    let _g = serial();
    assert_eq!(EmbassyClock.now().as_ticks(), 0);
    advance_ms(1_500);
    assert_eq!(EmbassyClock.now().as_ticks(), 1_500);
    // Sub-millisecond time rounds down.
    MockDriver::get().advance(embassy_time::Duration::from_micros(999));
    assert_eq!(EmbassyClock.now().as_ticks(), 1_500);
    MockDriver::get().advance(embassy_time::Duration::from_micros(1));
    assert_eq!(EmbassyClock.now().as_ticks(), 1_501);
}

#[test]
fn clock_wraps_like_the_core_expects() {
    let _g = serial();
    let before = EmbassyClock.now();
    advance_ms(u64::from(u32::MAX) + 1 + 7); // 49.7 days and 7 ms
    let after = EmbassyClock.now();
    assert_eq!(after.as_ticks(), 7);
    // The wrapped instant is still "after" the earlier one, by 7 ms.
    assert!(before.is_before(after));
    assert_eq!(after.checked_duration_since(before).unwrap().as_ticks(), 7);
}

// ---------------------------------------------------------------- sleeper

#[test]
fn sleeper_waits_the_delay_and_not_less() {
    let _g = serial();
    let ((), took) = run_virtual(
        EmbassySleeper.sleep(Duration::from_millis(250)),
        100,
        10_000_000,
    );
    assert!((250_000..250_100).contains(&took), "slept {took} us");
}

#[test]
fn a_one_ms_sleep_is_never_zero() {
    let _g = serial();
    let mut sleep = pin!(EmbassySleeper.sleep(Duration::from_millis(1)));
    assert!(
        poll_once(sleep.as_mut()).is_pending(),
        "a 1 ms sleep completed at once"
    );
    MockDriver::get().advance(embassy_time::Duration::from_micros(999));
    assert!(
        poll_once(sleep.as_mut()).is_pending(),
        "a 1 ms sleep completed after 999 us"
    );
    MockDriver::get().advance(embassy_time::Duration::from_micros(1));
    assert!(poll_once(sleep.as_mut()).is_ready());
}

#[test]
fn a_zero_sleep_takes_no_time() {
    let _g = serial();
    // Embassy's Timer yields once even when already due; no time has to pass.
    let mut sleep = pin!(EmbassySleeper.sleep(Duration::from_millis(0)));
    let first = poll_once(sleep.as_mut());
    assert!(first.is_ready() || poll_once(sleep.as_mut()).is_ready());
    assert_eq!(now_ms(), 0);
}

#[test]
fn dropping_a_sleep_cancels_it() {
    let _g = serial();
    {
        let mut sleep = pin!(EmbassySleeper.sleep(Duration::from_millis(5)));
        assert!(poll_once(sleep.as_mut()).is_pending());
    }
    // Time goes on and nothing panics or fires: the timer queue forgot it.
    advance_ms(10);
    let ((), took) = run_virtual(
        EmbassySleeper.sleep(Duration::from_millis(3)),
        1_000,
        1_000_000,
    );
    assert_eq!(took, 3_000);
}

// ---------------------------------------------------------------- breaker, async

const fn sensor_config(name: &'static str) -> BreakerConfig {
    BreakerConfig::new(name)
        .failure_threshold(3)
        .reset_timeout(Duration::from_millis(500))
        .half_open_timeout(Duration::from_millis(200))
}

#[test]
fn async_breaker_trips_and_recovers_on_embassy_time() {
    let _g = serial();
    let transitions: Mutex<Vec<(State, State, u32)>> = Mutex::new(Vec::new());
    let breaker = CircuitBreaker::new(validated!(sensor_config("sensor")), EmbassyClock)
        .with_observer(totem_core::ObserverFn(|e: &Event| {
            if let Event::Transition(t) = e {
                transitions
                    .lock()
                    .unwrap()
                    .push((t.from, t.to, t.at.as_ticks()));
            }
        }));
    breaker.start_time_accounting();

    advance_ms(100);
    for _ in 0..3 {
        let (r, _) = run_virtual(
            breaker.call_async(|| async { Err::<u8, _>("nack") }),
            1_000,
            1_000_000,
        );
        assert!(matches!(r, Err(CallError::Inner("nack"))));
    }
    assert_eq!(breaker.state(), State::Open);

    // Rejected without running, with the time left until a probe.
    advance_ms(200);
    let ran = Cell::new(false);
    let (r, _) = run_virtual(
        breaker.call_async(|| async {
            ran.set(true);
            Ok::<u8, &str>(1)
        }),
        1_000,
        1_000_000,
    );
    match r {
        Err(CallError::Rejected(rej)) => assert_eq!(rej.retry_after.unwrap().as_ticks(), 300),
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert!(!ran.get());

    // reset_timeout passes on Embassy time: HALF_OPEN without any call.
    advance_ms(300);
    assert_eq!(breaker.state(), State::HalfOpen);

    // The probe takes 20 ms of Embassy time and succeeds.
    let (r, took) = run_virtual(
        breaker.call_async(|| async {
            EmbassySleeper.sleep(Duration::from_millis(20)).await;
            Ok::<u8, &str>(7)
        }),
        1_000,
        1_000_000,
    );
    assert_eq!(r.unwrap(), 7);
    assert_eq!(took, 20_000);
    assert_eq!(breaker.state(), State::Closed);

    let seen = transitions.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            (State::Closed, State::Open, 100),
            // Logical time: the deadline (100 + 500), not when it was noticed.
            (State::Open, State::HalfOpen, 600),
            (State::HalfOpen, State::Closed, 620),
        ]
    );
}

#[test]
fn a_dropped_call_future_releases_its_permit_as_abandoned() {
    let _g = serial();
    // Default policy: an abandoned permit is a failure (a hang must trip the breaker).
    let breaker = CircuitBreaker::new(
        validated!(BreakerConfig::new("modem").failure_threshold(1)),
        EmbassyClock,
    );
    {
        let mut call = pin!(breaker.call_async(|| async {
            EmbassySleeper.sleep(Duration::from_secs(3600)).await;
            Ok::<(), ()>(())
        }));
        assert!(poll_once(call.as_mut()).is_pending()); // permit taken, op waiting
    } // dropped here: cancelled task, timeout, select
    let s = breaker.snapshot();
    assert_eq!((s.abandoned_total, s.failures_total), (1, 1));
    assert_eq!(breaker.state(), State::Open);
}

#[test]
fn a_timed_out_half_open_probe_gives_its_slot_back() {
    let _g = serial();
    let breaker = CircuitBreaker::new(
        validated!(BreakerConfig::new("modem")
            .failure_threshold(1)
            .reset_timeout(Duration::from_millis(100))
            .half_open_permits(1)
            .abandoned(AbandonedPermit::Neutral)),
        EmbassyClock,
    );
    let _ = breaker.call(|| Err::<(), _>(()));
    advance_ms(100);
    assert_eq!(breaker.state(), State::HalfOpen);

    // The only probe slot is taken by a call that hangs; embassy's with_timeout drops it.
    let hung = embassy_time::with_timeout(
        embassy_time::Duration::from_millis(50),
        breaker.call_async(|| async {
            EmbassySleeper.sleep(Duration::from_secs(3600)).await;
            Ok::<(), ()>(())
        }),
    );
    let (r, took) = run_virtual(hung, 1_000, 1_000_000);
    assert!(r.is_err(), "expected a timeout");
    assert_eq!(took, 50_000);

    // The slot came back: the next probe is admitted and closes the breaker.
    let s = breaker.snapshot();
    assert_eq!((s.abandoned_total, s.probes_in_flight), (1, 0));
    assert_eq!(breaker.state(), State::HalfOpen);
    let (r, _) = run_virtual(
        breaker.call_async(|| async { Ok::<_, ()>(1) }),
        1_000,
        1_000_000,
    );
    assert_eq!(r.unwrap(), 1);
    assert_eq!(breaker.state(), State::Closed);
}

// ---------------------------------------------------------------- retry, async

const fn no_jitter(name: &'static str) -> RetryConfig {
    RetryConfig::new(name)
        .max_attempts(4)
        .initial_delay(Duration::from_millis(100))
        .max_delay(Duration::from_millis(1_000))
        .jitter(Jitter::None)
}

#[test]
fn async_retry_sleeps_the_schedule_on_embassy_time() {
    let _g = serial();
    let retry = Retry::new(validated!(no_jitter("sensor")), EmbassyClock, 1);
    let attempts = Cell::new(0u32);
    let stamps: Mutex<Vec<u64>> = Mutex::new(Vec::new());
    let (r, took) = run_virtual(
        retry.call_async(&EmbassySleeper, || {
            attempts.set(attempts.get() + 1);
            stamps.lock().unwrap().push(now_ms());
            let n = attempts.get();
            async move {
                if n < 3 {
                    Err("busy")
                } else {
                    Ok(n)
                }
            }
        }),
        1_000,
        10_000_000,
    );
    assert_eq!(r.unwrap(), 3);
    // 100 ms, then 200 ms (factor 2), on the Embassy clock.
    assert_eq!(*stamps.lock().unwrap(), [0, 100, 300]);
    assert_eq!(took, 300_000);
    let s = retry.snapshot();
    assert_eq!((s.retries_total, s.delay_ms_total), (2, 300));
}

#[test]
fn async_retry_returns_the_last_error_and_the_attempts() {
    let _g = serial();
    let retry = Retry::new(validated!(no_jitter("sensor")), EmbassyClock, 1);
    let (r, took) = run_virtual(
        retry.call_async(&EmbassySleeper, || async { Err::<(), _>("down") }),
        1_000,
        10_000_000,
    );
    let e = r.unwrap_err();
    assert_eq!(
        (e.error, e.attempts, e.reason),
        ("down", 4, GiveUp::Exhausted)
    );
    assert_eq!(took, (100 + 200 + 400) * 1_000);
}

#[test]
fn retry_if_stops_on_what_the_policy_refuses() {
    let _g = serial();
    let retry = Retry::new(validated!(no_jitter("sensor")), EmbassyClock, 1);
    let only_busy = |r: &Result<(), &str>| matches!(r, Err("busy"));
    let (r, took) = run_virtual(
        retry.call_if_async(&only_busy, &EmbassySleeper, || async { Err("forbidden") }),
        1_000,
        10_000_000,
    );
    let e = r.unwrap_err();
    assert_eq!((e.attempts, e.reason), (1, GiveUp::NotRetryable));
    assert_eq!(took, 0);
}

#[test]
fn retry_through_an_open_breaker_stops_at_the_rejection() {
    let _g = serial();
    let breaker = CircuitBreaker::new(validated!(sensor_config("sensor")), EmbassyClock);
    let retry = Retry::new(
        validated!(no_jitter("sensor").max_attempts(10)),
        EmbassyClock,
        1,
    );
    let calls = Cell::new(0u32);
    let (r, took) = run_virtual(
        retry.call_through_async(&breaker, &EmbassySleeper, || {
            calls.set(calls.get() + 1);
            async { Err::<(), _>("nack") }
        }),
        1_000,
        10_000_000,
    );
    let e = r.unwrap_err();
    // Three failures open the breaker; the fourth attempt is rejected, not run.
    assert!(matches!(e.error, CallError::Rejected(_)));
    assert_eq!((e.attempts, e.reason), (4, GiveUp::NotRetryable));
    assert_eq!(calls.get(), 3);
    assert_eq!(took, (100 + 200 + 400) * 1_000);
    assert_eq!(breaker.state(), State::Open);
}

#[test]
fn breaker_around_retry_sees_one_outcome_per_retried_call() {
    let _g = serial();
    let breaker = CircuitBreaker::new(validated!(sensor_config("sensor")), EmbassyClock);
    let retry = Retry::new(
        validated!(no_jitter("sensor").max_attempts(3)),
        EmbassyClock,
        1,
    );
    let attempts = Cell::new(0u32);
    let (r, _) = run_virtual(
        breaker.call_async(|| {
            retry.call_async(&EmbassySleeper, || {
                attempts.set(attempts.get() + 1);
                async { Err::<(), _>("nack") }
            })
        }),
        1_000,
        10_000_000,
    );
    assert!(matches!(r, Err(CallError::Inner(ref e)) if e.attempts == 3));
    assert_eq!(attempts.get(), 3);
    // One retried call is one failure for the breaker.
    assert_eq!(breaker.consecutive_failures(), 1);
    assert_eq!(breaker.state(), State::Closed);
}

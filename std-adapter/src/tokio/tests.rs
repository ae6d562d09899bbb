//! The core's async calls on Tokio's paused clock: every wait below is
//! virtual, so these tests take no real time and assert only Tokio's time.

use std::future::pending;
use std::time::Duration as StdDuration;

use ::tokio::time::{advance, timeout, Instant as TokioInstant};
use totem_core::{
    AbandonedPermit, BreakerConfig, CallError, CircuitBreaker, Clock, Duration, GiveUp, Retry,
    RetryConfig, State,
};

use super::{TokioClock, TokioSleeper};

/// A breaker for one test: leaked, as the layers expect `&'static` ones.
fn breaker(config: BreakerConfig) -> &'static CircuitBreaker<TokioClock> {
    Box::leak(Box::new(
        CircuitBreaker::try_new(config, TokioClock::new()).expect("valid config"),
    ))
}

fn retry(config: RetryConfig) -> Retry<TokioClock> {
    Retry::try_new(config, TokioClock::new(), 7).expect("valid config")
}

/// A call that never completes, cut after 100 ms of Tokio time.
async fn hang_for_100ms(b: &CircuitBreaker<TokioClock>) {
    let call = b.call_async(pending::<Result<(), ()>>);
    assert!(timeout(StdDuration::from_millis(100), call).await.is_err());
}

#[::tokio::test(start_paused = true)]
async fn clock_follows_paused_time() {
    let clock = TokioClock::new();
    let t0 = clock.now();
    advance(StdDuration::from_millis(1_500)).await;
    assert_eq!(clock.now().as_ticks().wrapping_sub(t0.as_ticks()), 1_500);
    ::tokio::time::sleep(StdDuration::from_secs(60)).await;
    assert_eq!(clock.now().as_ticks().wrapping_sub(t0.as_ticks()), 61_500);
}

#[::tokio::test(start_paused = true)]
async fn retry_delays_are_slept_on_tokio_time() {
    let retry = retry(RetryConfig::new("flaky").max_attempts(3));
    let start = TokioInstant::now();
    let mut attempts_at = Vec::new();
    let result = retry
        .call_async(&TokioSleeper, || {
            attempts_at.push(start.elapsed());
            async { Err::<(), _>("busy") }
        })
        .await;
    let err = result.unwrap_err();
    assert_eq!((err.attempts, err.reason), (3, GiveUp::Exhausted));
    // Default schedule, no jitter: 1 s, then 2 s, each slept in full.
    assert!(attempts_at[1] - attempts_at[0] >= StdDuration::from_millis(1_000));
    assert!(attempts_at[2] - attempts_at[1] >= StdDuration::from_millis(2_000));
    assert_eq!(retry.snapshot().delay_ms_total, 3_000);
}

#[::tokio::test(start_paused = true)]
async fn sleeper_never_rounds_a_millisecond_down() {
    let start = TokioInstant::now();
    totem_core::Sleeper::sleep(&TokioSleeper, Duration::from_millis(1)).await;
    assert!(start.elapsed() >= StdDuration::from_millis(1));
}

#[::tokio::test(start_paused = true)]
async fn dropped_call_returns_its_permit_as_abandoned() {
    let b = breaker(BreakerConfig::new("hang").failure_threshold(3));
    hang_for_100ms(b).await;
    let s = b.snapshot();
    assert_eq!((s.abandoned_total, s.failures_total), (1, 1));
    assert_eq!(b.consecutive_failures(), 1);
    // The slot came back: the next call runs.
    assert_eq!(b.call_async(|| async { Ok::<_, ()>(5) }).await, Ok(5));
}

#[::tokio::test(start_paused = true)]
async fn dropped_half_open_probe_frees_the_slot_when_neutral() {
    let b = breaker(
        BreakerConfig::new("probe")
            .failure_threshold(1)
            .reset_timeout(Duration::from_secs(1))
            .abandoned(AbandonedPermit::Neutral),
    );
    let _ = b.call_async(|| async { Err::<(), _>("down") }).await;
    advance(StdDuration::from_secs(1)).await;
    assert_eq!(b.state(), State::HalfOpen);
    hang_for_100ms(b).await;
    assert_eq!(b.snapshot().abandoned_total, 1);
    // Still half-open, and the single probe slot is free again.
    assert_eq!(b.state(), State::HalfOpen);
    assert_eq!(b.call_async(|| async { Ok::<_, ()>(1) }).await, Ok(1));
    assert_eq!(b.state(), State::Closed);
}

#[::tokio::test(start_paused = true)]
async fn dropped_half_open_probe_reopens_by_default_then_probes_again() {
    let b = breaker(
        BreakerConfig::new("probe")
            .failure_threshold(1)
            .reset_timeout(Duration::from_secs(1)),
    );
    let _ = b.call_async(|| async { Err::<(), _>("down") }).await;
    advance(StdDuration::from_secs(1)).await;
    hang_for_100ms(b).await;
    // An abandoned probe is a failed probe by default: OPEN again.
    assert_eq!(b.state(), State::Open);
    assert!(matches!(
        b.call_async(|| async { Ok::<_, ()>(1) }).await,
        Err(CallError::Rejected(_))
    ));
    advance(StdDuration::from_secs(1)).await;
    assert_eq!(b.call_async(|| async { Ok::<_, ()>(2) }).await, Ok(2));
    assert_eq!(b.state(), State::Closed);
}

#[::tokio::test(start_paused = true)]
async fn retry_through_breaker_stops_at_the_rejection() {
    let b = breaker(
        BreakerConfig::new("db")
            .failure_threshold(2)
            .reset_timeout(Duration::from_secs(30)),
    );
    let r = retry(RetryConfig::new("db").max_attempts(5));
    let mut calls = 0;
    let start = TokioInstant::now();
    let err = r
        .call_through_async(b, &TokioSleeper, || {
            calls += 1;
            async { Err::<(), _>("down") }
        })
        .await
        .unwrap_err();
    // Two failures open the breaker; the third attempt is rejected, not run.
    assert_eq!(calls, 2);
    assert!(matches!(err.error, CallError::Rejected(_)));
    assert_eq!((err.attempts, err.reason), (3, GiveUp::NotRetryable));
    assert!(start.elapsed() >= StdDuration::from_millis(1_000 + 2_000));
    // The reset timeout passes on Tokio's clock: a probe closes it again.
    advance(StdDuration::from_secs(30)).await;
    let ok = r
        .call_through_async(b, &TokioSleeper, || async { Ok::<_, ()>("up") })
        .await;
    assert_eq!(ok.unwrap(), "up");
    assert_eq!(b.state(), State::Closed);
}

#[::tokio::test(start_paused = true)]
async fn breaker_around_retry_sees_one_outcome_per_retried_call() {
    let b = breaker(BreakerConfig::new("api").failure_threshold(2));
    let r = retry(RetryConfig::new("api").max_attempts(3));
    let mut calls = 0;
    let value = b
        .call_async(|| {
            r.call_async(&TokioSleeper, || {
                calls += 1;
                let n = calls;
                async move {
                    if n < 3 {
                        Err("busy")
                    } else {
                        Ok(n)
                    }
                }
            })
        })
        .await;
    assert_eq!(value.unwrap(), 3);
    let s = b.snapshot();
    assert_eq!((s.successes_total, s.failures_total), (1, 0));
}

//! The async client through tower's Retry(Breaker(Timeout(http))) against
//! the real flaky service on loopback, on real time (bounded in calls and
//! waits; outcomes asserted, never durations).
use std::time::Duration as StdDuration;

use totem_core::{
    BreakerConfig, Cause, CircuitBreaker, Duration, Jitter, Retry, RetryConfig, State,
};
use totem_demo::{FlakyService, Health, HttpGet};
use totem_std::{BreakerError, BreakerLayer, DefaultClock, RetryLayer};
use tower::{BoxError, Service, ServiceBuilder, ServiceExt};

const TIMEOUT: StdDuration = StdDuration::from_millis(200);

fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

fn breaker(name: &'static str) -> &'static CircuitBreaker<DefaultClock> {
    leak(
        totem_std::breaker(
            BreakerConfig::new(name)
                .failure_threshold(3)
                .reset_timeout(Duration::from_millis(300)),
        )
        .unwrap(),
    )
}

fn retry(name: &'static str) -> &'static Retry<DefaultClock> {
    leak(
        totem_std::retry(
            RetryConfig::new(name)
                .max_attempts(3)
                .initial_delay(Duration::from_millis(5))
                .max_delay(Duration::from_millis(20))
                .jitter(Jitter::Equal),
        )
        .unwrap(),
    )
}

type Outcome = Result<u16, totem_core::RetryError<BreakerError<BoxError>>>;

fn client(
    retry: &'static Retry<DefaultClock>,
    breaker: &'static CircuitBreaker<DefaultClock>,
    service: &FlakyService,
) -> impl Service<&'static str, Response = u16, Error = totem_core::RetryError<BreakerError<BoxError>>>
       + Clone {
    ServiceBuilder::new()
        .layer(RetryLayer::new(retry))
        .layer(BreakerLayer::new(breaker))
        .timeout(TIMEOUT)
        .service(HttpGet::new(service.addr()))
}

/// Calls until `done` says so, at most `limit` times.
async fn until<S>(limit: u32, svc: &S, mut done: impl FnMut(&Outcome) -> bool)
where
    S: Service<
            &'static str,
            Response = u16,
            Error = totem_core::RetryError<BreakerError<BoxError>>,
        > + Clone,
{
    for _ in 0..limit {
        let outcome = svc.clone().oneshot("/pay").await;
        if done(&outcome) {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(5)).await;
    }
    panic!("not reached within {limit} calls");
}

#[tokio::test]
async fn opens_in_the_outage_spares_the_service_then_probes_and_closes() {
    let service = FlakyService::start().await.unwrap();
    let (b, r) = (breaker("async"), retry("async"));
    let svc = client(r, b, &service);
    assert_eq!(svc.clone().oneshot("/pay").await.unwrap(), 200);
    // A transient error is absorbed by the retry.
    service.fail_next(1);
    assert_eq!(svc.clone().oneshot("/pay").await.unwrap(), 200);
    assert_eq!(r.snapshot().retries_total, 1);
    // The outage: each attempt goes through the breaker, which opens.
    service.set_health(Health::Failing);
    until(10, &svc, |_| b.state() == State::Open).await;
    let seen = service.requests();
    for _ in 0..20 {
        let err = svc.clone().oneshot("/pay").await.unwrap_err();
        assert!(err.error.is_rejected(), "{err:?}");
        assert_eq!(err.attempts, 1, "a rejection is not retried");
    }
    assert_eq!(
        service.requests(),
        seen,
        "an OPEN breaker spares the service"
    );
    // Recovery.
    service.set_health(Health::Healthy);
    until(200, &svc, |o| o.is_ok()).await;
    assert_eq!(b.state(), State::Closed);
    let s = b.snapshot();
    let count = |c: Cause| s.transitions_by_cause[c as usize];
    assert_eq!(count(Cause::FailureThreshold), 1);
    assert_eq!(count(Cause::ProbesSucceeded), 1);
    assert!(s.rejected_total >= 20);
    service.stop().await;
}

#[tokio::test]
async fn a_hanging_service_is_cut_by_the_timeout_and_opens_the_breaker() {
    let service = FlakyService::start().await.unwrap();
    service.set_health(Health::Hanging);
    let (b, r) = (breaker("async_hang"), retry("async_hang"));
    let svc = client(r, b, &service);
    let err = svc.clone().oneshot("/pay").await.unwrap_err();
    match &err.error {
        BreakerError::Inner(e) => assert!(e.is::<tower::timeout::error::Elapsed>(), "{e}"),
        other => panic!("expected the timeout, got {other:?}"),
    }
    // Three attempts, three timeouts, three failures: the breaker opened.
    assert_eq!(err.attempts, 3);
    assert_eq!(b.state(), State::Open, "the breaker is not wedged");
    assert_eq!(b.snapshot().failures_total, 3);
    assert_eq!(b.snapshot().abandoned_total, 0);
    service.stop().await;
}

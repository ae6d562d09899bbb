//! The tower layers on Tokio's paused clock: the documented stack
//! `Retry(Breaker(Timeout(service)))` against a scripted dependency, and the
//! breaker layer's own contract (classifier, fallback, readiness, dropped
//! futures). Every wait is virtual; only Tokio's time is asserted.

use std::convert::Infallible;
use std::future::pending;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use tokio::time::{advance, timeout, Instant as TokioInstant};
use totem_core::{
    AbandonedPermit, BreakerConfig, CircuitBreaker, Duration, GiveUp, Outcome, Rejected, Retry,
    RetryConfig, RetryError, State,
};
use totem_std::TokioClock;
use totem_std::{BreakerError, BreakerLayer, RetryLayer};
use tower::timeout::error::Elapsed;
use tower::{service_fn, BoxError, Layer, Service, ServiceBuilder, ServiceExt};

type Breaker = CircuitBreaker<TokioClock>;

/// Breakers and retries live for the process, as the layers expect.
fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

fn breaker(config: BreakerConfig) -> &'static Breaker {
    leak(CircuitBreaker::try_new(config, TokioClock::new()).expect("valid config"))
}

fn retry(config: RetryConfig) -> &'static Retry<TokioClock> {
    leak(Retry::try_new(config, TokioClock::new(), 1).expect("valid config"))
}

/// What the dependency does on its next calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Answer,
    Fail,
    Hang,
}

/// A dependency that follows a script (then answers), counting its calls.
#[derive(Clone, Default)]
struct Dependency {
    script: Arc<Mutex<Vec<Act>>>,
    calls: Arc<AtomicU32>,
}

impl Dependency {
    fn then(&self, acts: &[Act]) {
        self.script.lock().unwrap().extend_from_slice(acts);
    }

    fn calls(&self) -> u32 {
        self.calls.load(Ordering::Relaxed)
    }

    fn service(
        &self,
    ) -> impl Service<u32, Response = u32, Error = BoxError, Future: Send + 'static>
           + Clone
           + Send
           + 'static {
        let dep = self.clone();
        service_fn(move |req: u32| {
            dep.calls.fetch_add(1, Ordering::Relaxed);
            let act = {
                let mut script = dep.script.lock().unwrap();
                if script.is_empty() {
                    Act::Answer
                } else {
                    script.remove(0)
                }
            };
            async move {
                match act {
                    Act::Answer => Ok(req * 2),
                    Act::Fail => Err(BoxError::from("transient")),
                    Act::Hang => pending().await,
                }
            }
        })
    }
}

const TIMEOUT: StdDuration = StdDuration::from_millis(500);

/// The documented stack: Retry(Breaker(Timeout(dependency))).
fn stack(
    retry: &'static Retry<TokioClock>,
    breaker: &'static Breaker,
    dep: &Dependency,
) -> impl Service<u32, Response = u32, Error = RetryError<BreakerError<BoxError>>, Future: Send + 'static>
{
    ServiceBuilder::new()
        .layer(RetryLayer::new(retry))
        .layer(BreakerLayer::new(breaker))
        .timeout(TIMEOUT)
        .service(dep.service())
}

#[tokio::test(start_paused = true)]
async fn the_stack_runs_in_a_spawned_task() {
    // The retry's future is Send: the whole stack can run on any worker.
    let b = breaker(BreakerConfig::new("dep"));
    let r = retry(RetryConfig::new("dep"));
    let dep = Dependency::default();
    dep.then(&[Act::Fail]);
    let call = stack(r, b, &dep).oneshot(4);
    assert_eq!(tokio::spawn(call).await.unwrap().unwrap(), 8);
    assert_eq!(dep.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_hanging_call_is_cut_by_the_timeout_and_is_a_breaker_failure() {
    let b = breaker(BreakerConfig::new("dep").failure_threshold(5));
    let r = retry(RetryConfig::new("dep").max_attempts(1));
    let dep = Dependency::default();
    dep.then(&[Act::Hang]);
    let err = stack(r, b, &dep).oneshot(1).await.unwrap_err();
    match &err.error {
        BreakerError::Inner(e) => assert!(e.is::<Elapsed>(), "{e}"),
        other => panic!("expected the timeout's error, got {other:?}"),
    }
    let s = b.snapshot();
    assert_eq!((s.failures_total, s.abandoned_total), (1, 0));
    assert_eq!(b.consecutive_failures(), 1);
}

#[tokio::test(start_paused = true)]
async fn transient_errors_are_retried_through_the_breaker() {
    let b = breaker(BreakerConfig::new("dep").failure_threshold(5));
    let r = retry(RetryConfig::new("dep").max_attempts(4));
    let dep = Dependency::default();
    dep.then(&[Act::Fail, Act::Hang]);
    let start = TokioInstant::now();
    assert_eq!(stack(r, b, &dep).oneshot(21).await.unwrap(), 42);
    assert_eq!(dep.calls(), 3);
    // Each attempt went through the breaker; the success cleared the streak.
    let s = b.snapshot();
    assert_eq!((s.failures_total, s.successes_total), (2, 1));
    assert_eq!(b.consecutive_failures(), 0);
    assert_eq!(r.snapshot().retries_total, 2);
    // Slept 1 s and 2 s between attempts, and the hang lasted the timeout.
    assert!(start.elapsed() >= StdDuration::from_millis(3_000) + TIMEOUT);
}

#[tokio::test(start_paused = true)]
async fn the_breaker_opens_and_the_retry_stops_at_its_rejection() {
    let b = breaker(
        BreakerConfig::new("dep")
            .failure_threshold(2)
            .reset_timeout(Duration::from_secs(30)),
    );
    let r = retry(RetryConfig::new("dep").max_attempts(5));
    let dep = Dependency::default();
    dep.then(&[Act::Fail, Act::Fail, Act::Fail]);
    let mut svc = stack(r, b, &dep);

    let err = svc.ready().await.unwrap().call(1).await.unwrap_err();
    assert!(err.error.is_rejected(), "{err}");
    assert_eq!((err.attempts, err.reason), (3, GiveUp::NotRetryable));
    assert_eq!(dep.calls(), 2);
    assert_eq!(b.state(), State::Open);

    // Open: rejected at once, the dependency is not called.
    let err = svc.ready().await.unwrap().call(1).await.unwrap_err();
    let rejected = err.error.rejected().copied().unwrap();
    assert_eq!(rejected.state, State::Open);
    assert_eq!(err.attempts, 1);
    assert_eq!(dep.calls(), 2);
    // Rejections are counted apart (class 1) from the dependency's errors.
    assert_eq!(r.snapshot().errors_by_class[..2], [2, 2]);
}

#[tokio::test(start_paused = true)]
async fn the_breaker_half_opens_and_closes() {
    let b = breaker(
        BreakerConfig::new("dep")
            .failure_threshold(1)
            .reset_timeout(Duration::from_secs(30)),
    );
    let r = retry(RetryConfig::new("dep").max_attempts(1));
    let dep = Dependency::default();
    dep.then(&[Act::Fail, Act::Fail]);
    let mut svc = stack(r, b, &dep);
    assert!(svc.ready().await.unwrap().call(1).await.is_err());
    assert_eq!(b.state(), State::Open);

    advance(StdDuration::from_secs(30)).await;
    assert_eq!(b.state(), State::HalfOpen);
    // A failed probe reopens it.
    assert!(svc.ready().await.unwrap().call(1).await.is_err());
    assert_eq!(b.state(), State::Open);

    advance(StdDuration::from_secs(30)).await;
    assert_eq!(svc.ready().await.unwrap().call(4).await.unwrap(), 8);
    assert_eq!(b.state(), State::Closed);
    assert_eq!(dep.calls(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_dropped_call_abandons_its_permit() {
    let b = breaker(
        BreakerConfig::new("dep")
            .failure_threshold(1)
            .reset_timeout(Duration::from_secs(1)),
    );
    let dep = Dependency::default();
    dep.then(&[Act::Fail, Act::Hang]);
    // No timeout inside: the caller gives up on the breaker's future.
    let mut svc = ServiceBuilder::new()
        .layer(BreakerLayer::new(b))
        .service(dep.service());
    assert!(svc.ready().await.unwrap().call(1).await.is_err());
    advance(StdDuration::from_secs(1)).await;
    let probe = svc.ready().await.unwrap().call(1);
    assert!(timeout(StdDuration::from_secs(5), probe).await.is_err());
    assert_eq!(b.snapshot().abandoned_total, 1);
    // Abandoned counts as a failed probe by default: OPEN, then a new probe.
    assert_eq!(b.state(), State::Open);
    advance(StdDuration::from_secs(1)).await;
    assert_eq!(svc.ready().await.unwrap().call(1).await.unwrap(), 2);
    assert_eq!(b.state(), State::Closed);
}

#[tokio::test(start_paused = true)]
async fn readiness_takes_no_permit() {
    let b = breaker(
        BreakerConfig::new("dep")
            .failure_threshold(1)
            .reset_timeout(Duration::from_secs(1)),
    );
    let dep = Dependency::default();
    dep.then(&[Act::Fail]);
    let layer = BreakerLayer::new(b);
    let mut first = layer.layer(dep.service());
    let mut second = layer.layer(dep.service());
    assert!(first.ready().await.unwrap().call(1).await.is_err());
    advance(StdDuration::from_secs(1)).await;
    // Both ready; a half-open breaker has one probe slot, and it is still
    // free: readiness did not take it.
    first.ready().await.unwrap();
    second.ready().await.unwrap();
    assert_eq!(second.call(2).await.unwrap(), 4);
    assert_eq!(b.state(), State::Closed);
}

#[tokio::test(start_paused = true)]
async fn a_classifier_makes_a_503_response_a_failure() {
    let b = breaker(BreakerConfig::new("http").failure_threshold(2));
    let status = service_fn(|code: u16| async move { Ok::<_, Infallible>(code) });
    let mut svc = ServiceBuilder::new()
        .layer(
            BreakerLayer::new(b).with_classifier(|r: &Result<u16, Infallible>| match r {
                Ok(s) if *s >= 500 => Outcome::Failure,
                Ok(404) => Outcome::Ignore,
                Ok(_) => Outcome::Success,
                Err(never) => match *never {},
            }),
        )
        .service(status);
    for code in [503, 404, 503] {
        // The response is returned as it is; only the breaker counts it.
        assert_eq!(svc.ready().await.unwrap().call(code).await.unwrap(), code);
    }
    let s = b.snapshot();
    assert_eq!((s.failures_total, s.ignored_total), (2, 1));
    assert_eq!(b.state(), State::Open);
    let err = svc.ready().await.unwrap().call(200).await.unwrap_err();
    assert!(err.is_rejected());
}

#[tokio::test(start_paused = true)]
async fn a_fallback_answers_a_rejected_call_without_the_inner_service() {
    let b = breaker(BreakerConfig::new("prices"));
    let dep = Dependency::default();
    let mut svc = ServiceBuilder::new()
        .layer(BreakerLayer::new(b).with_fallback(|r: Rejected| {
            assert_eq!(r.state, State::ForcedOpen);
            Ok(100)
        }))
        .service(dep.service());
    // The service's error is the inner one: no BreakerError left to match.
    let answer: Result<u32, BoxError> = svc.ready().await.unwrap().call(5).await;
    assert_eq!(answer.unwrap(), 10);
    b.force_open();
    assert_eq!(svc.ready().await.unwrap().call(5).await.unwrap(), 100);
    assert_eq!(dep.calls(), 1);
    assert_eq!(b.snapshot().rejected_total, 1);
}

#[tokio::test(start_paused = true)]
async fn a_dropped_retry_abandons_the_attempt_in_flight() {
    let b = breaker(BreakerConfig::new("dep").abandoned(AbandonedPermit::Neutral));
    let r = retry(RetryConfig::new("dep").max_attempts(3));
    let dep = Dependency::default();
    dep.then(&[Act::Fail, Act::Hang]);
    // No timeout inside: the second attempt hangs until the caller gives up.
    let svc = ServiceBuilder::new()
        .layer(RetryLayer::new(r))
        .layer(BreakerLayer::new(b))
        .service(dep.service());
    assert!(timeout(StdDuration::from_secs(5), svc.oneshot(1))
        .await
        .is_err());
    assert_eq!(dep.calls(), 2);
    let s = b.snapshot();
    assert_eq!((s.failures_total, s.abandoned_total), (1, 1));
    assert_eq!(r.snapshot().abandoned_total, 1);
}

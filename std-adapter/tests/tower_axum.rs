//! The tower layers against a real HTTP server (axum on 127.0.0.1, port 0,
//! real time): a client stack `Retry(Breaker(Timeout(http client)))` calls
//! it, and one route of the server sits behind a breaker with a fallback.
//! Bounded: a fixed number of requests, the whole test under a time limit;
//! it asserts outcomes, never durations; the server task is stopped by a
//! guard, on success and on failure alike.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use axum::extract::{Request, State as AxumState};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use totem_core::{
    BreakerConfig, CircuitBreaker, Duration, GiveUp, Outcome, Rejected, Retry, RetryConfig,
    RetryError, State,
};
use totem_std::TokioClock;
use totem_std::{BreakerError, BreakerLayer, RetryLayer};
use tower::timeout::error::Elapsed;
use tower::{service_fn, BoxError, Service, ServiceBuilder, ServiceExt};

/// The whole test's limit: far above what it needs, so it only ever trips
/// on a hang.
const TEST_LIMIT: StdDuration = StdDuration::from_secs(30);
/// The client's timeout per attempt.
const CALL_TIMEOUT: StdDuration = StdDuration::from_millis(300);

fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

/// Hits per route, shared with the handlers.
#[derive(Default)]
struct Hits {
    flaky: AtomicU32,
    down: AtomicU32,
    slow: AtomicU32,
    shed: AtomicU32,
}

/// The server task: stopped by [`Server::stop`], or aborted when this is
/// dropped (by a failed assertion, say). The runtime's shutdown at the end
/// of the test ends the connections' tasks.
struct Server {
    addr: SocketAddr,
    task: Option<JoinHandle<()>>,
}

impl Server {
    async fn stop(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let ended = task.await;
            assert!(ended.is_ok() || ended.is_err_and(|e| e.is_cancelled()));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn start_server(hits: Arc<Hits>, shed: &'static CircuitBreaker<TokioClock>) -> Server {
    // A server-side breaker in front of a route: when it is open, the
    // fallback answers 503 without running the handler.
    let shed_hits = hits.clone();
    let guarded = ServiceBuilder::new()
        .layer(BreakerLayer::new(shed).with_fallback(|r: Rejected| {
            let retry_after = r.retry_after.map_or(0, |d| d.as_secs());
            Ok::<_, Infallible>(
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [("retry-after", retry_after.to_string())],
                    "shed",
                )
                    .into_response(),
            )
        }))
        .service(service_fn(move |_: Request| {
            shed_hits.shed.fetch_add(1, Ordering::Relaxed);
            async { Ok::<_, Infallible>("served".into_response()) }
        }));
    let app = Router::new()
        .route("/flaky", get(flaky))
        .route("/down", get(down))
        .route("/slow", get(slow))
        .route_service("/shed", guarded)
        .with_state(hits);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Server {
        addr,
        task: Some(task),
    }
}

/// 503 twice, then 200.
async fn flaky(AxumState(hits): AxumState<Arc<Hits>>) -> StatusCode {
    match hits.flaky.fetch_add(1, Ordering::Relaxed) {
        0 | 1 => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::OK,
    }
}

async fn down(AxumState(hits): AxumState<Arc<Hits>>) -> StatusCode {
    hits.down.fetch_add(1, Ordering::Relaxed);
    StatusCode::INTERNAL_SERVER_ERROR
}

/// Answers long after the client's timeout.
async fn slow(AxumState(hits): AxumState<Arc<Hits>>) -> StatusCode {
    hits.slow.fetch_add(1, Ordering::Relaxed);
    tokio::time::sleep(StdDuration::from_secs(10)).await;
    StatusCode::OK
}

/// One HTTP/1.1 GET over a fresh connection: the response's status code.
async fn http_get(addr: SocketAddr, path: &'static str) -> Result<u16, BoxError> {
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let head = String::from_utf8_lossy(&response);
    let status = head
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .ok_or("not an HTTP/1.1 response")?;
    Ok(status)
}

type ClientError = RetryError<BreakerError<BoxError>>;

/// Retry(Breaker(Timeout(client))): a 5xx is a failure for the breaker and
/// is retried; a rejection is not.
fn client(
    addr: SocketAddr,
    retry: &'static Retry<TokioClock>,
    breaker: &'static CircuitBreaker<TokioClock>,
) -> impl Service<&'static str, Response = u16, Error = ClientError> {
    let unhealthy = |r: &Result<u16, BoxError>| match r {
        Ok(status) if *status < 500 => Outcome::Success,
        _ => Outcome::Failure,
    };
    let worth_retrying = |r: &Result<u16, BreakerError<BoxError>>| match r {
        Ok(status) => *status >= 500,
        Err(e) => !e.is_rejected(),
    };
    ServiceBuilder::new()
        .layer(RetryLayer::new(retry).with_policy(worth_retrying))
        .layer(BreakerLayer::new(breaker).with_classifier(unhealthy))
        .timeout(CALL_TIMEOUT)
        .service(service_fn(move |path| http_get(addr, path)))
}

fn breaker(config: BreakerConfig) -> &'static CircuitBreaker<TokioClock> {
    leak(CircuitBreaker::try_new(config, TokioClock::new()).expect("valid config"))
}

fn retry(config: RetryConfig) -> &'static Retry<TokioClock> {
    let config = config.initial_delay(Duration::from_millis(10));
    leak(Retry::try_new(config, TokioClock::new(), 3).expect("valid config"))
}

async fn call(
    svc: &mut impl Service<&'static str, Response = u16, Error = ClientError>,
    path: &'static str,
) -> Result<u16, ClientError> {
    svc.ready().await?.call(path).await
}

#[tokio::test]
async fn the_stack_against_a_real_http_server() {
    let hits = Arc::new(Hits::default());
    let shed = breaker(BreakerConfig::new("shed"));
    let server = start_server(hits.clone(), shed).await;
    let addr = server.addr;

    let scenario = async {
        // A flaky route: retried through the breaker until it answers.
        let b = breaker(BreakerConfig::new("flaky").failure_threshold(5));
        let r = retry(RetryConfig::new("flaky").max_attempts(4));
        let mut svc = client(addr, r, b);
        assert_eq!(call(&mut svc, "/flaky").await.unwrap(), 200);
        assert_eq!(hits.flaky.load(Ordering::Relaxed), 3);
        assert_eq!((b.snapshot().failures_total, b.state()), (2, State::Closed));

        // A route that is down: two 500s open the breaker, the retry stops
        // at the rejection, and the next request never reaches the server.
        let b = breaker(BreakerConfig::new("down").failure_threshold(2));
        let r = retry(RetryConfig::new("down").max_attempts(5));
        let mut svc = client(addr, r, b);
        let err = call(&mut svc, "/down").await.unwrap_err();
        assert!(err.error.is_rejected(), "{err}");
        assert_eq!((err.attempts, err.reason), (3, GiveUp::NotRetryable));
        assert_eq!(b.state(), State::Open);
        let err = call(&mut svc, "/down").await.unwrap_err();
        assert_eq!((err.error.is_rejected(), err.attempts), (true, 1));
        assert_eq!(hits.down.load(Ordering::Relaxed), 2);

        // A route that hangs: each attempt is cut by the timeout, and the
        // breaker counts it as a failure.
        let b = breaker(BreakerConfig::new("slow").failure_threshold(5));
        let r = retry(RetryConfig::new("slow").max_attempts(2));
        let mut svc = client(addr, r, b);
        let err = call(&mut svc, "/slow").await.unwrap_err();
        match &err.error {
            BreakerError::Inner(e) => assert!(e.is::<Elapsed>(), "{e}"),
            other => panic!("expected a timeout, got {other:?}"),
        }
        assert_eq!((err.attempts, err.reason), (2, GiveUp::Exhausted));
        assert_eq!(b.snapshot().failures_total, 2);
        assert_eq!(hits.slow.load(Ordering::Relaxed), 2);

        // The server-side breaker: closed, the handler runs; forced open,
        // the fallback answers 503 without it.
        assert_eq!(http_get(addr, "/shed").await.unwrap(), 200);
        shed.force_open();
        assert_eq!(http_get(addr, "/shed").await.unwrap(), 503);
        assert_eq!(hits.shed.load(Ordering::Relaxed), 1);
        assert_eq!(shed.snapshot().rejected_total, 1);
    };
    tokio::time::timeout(TEST_LIMIT, scenario)
        .await
        .expect("the scenario finished within the test's limit");

    server.stop().await;
}

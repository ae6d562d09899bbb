//! `/metrics` over real loopback HTTP: content negotiation, content types,
//! bodies, and a server that always stops.
#![cfg(feature = "metrics-server")]

mod common;

use std::future::Future;
use std::net::SocketAddr;
use std::panic::resume_unwind;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use common::{Response, BOUND, OPENMETRICS_TYPE, PROMETHEUS_ACCEPT, PROMETHEUS_TYPE};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use totem_core::{BreakerConfig, CircuitBreaker, ManualClock, Retry, RetryConfig};
use totem_std::{Exporter, MetricsServer, ServeError};

/// One `GET` over a fresh connection, written and read by hand.
async fn get(addr: SocketAddr, path: &str, accept: Option<&str>) -> Response {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let request = common::request("GET", path, accept);
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.expect("read");
        raw
    };
    common::parse(&timeout(BOUND, exchange).await.expect("response in time"))
}

/// Runs `checks` against a server on an ephemeral loopback port, then shuts
/// the server down whatever the checks did, then reports their failure.
async fn with_server<F, Fut>(exporter: Arc<Exporter>, checks: F)
where
    F: FnOnce(SocketAddr) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let server = MetricsServer::start("127.0.0.1:0".parse().unwrap(), exporter)
        .await
        .expect("start");
    let addr = server.local_addr();
    assert!(addr.ip().is_loopback() && addr.port() != 0);
    // A task, so that a failed assertion comes back as a value.
    let outcome = tokio::spawn(checks(addr)).await;
    timeout(BOUND, server.shutdown())
        .await
        .expect("shutdown in time")
        .expect("clean shutdown");
    if let Err(failed) = outcome {
        resume_unwind(failed.into_panic());
    }
    // Stopped: the port no longer accepts connections.
    assert!(TcpStream::connect(addr).await.is_err());
}

fn exporter() -> Arc<Exporter> {
    let clock: &'static ManualClock = Box::leak(Box::new(ManualClock::new()));
    let db: &'static CircuitBreaker<&ManualClock> = Box::leak(Box::new(
        CircuitBreaker::try_new(BreakerConfig::new("db").failure_threshold(1), clock).unwrap(),
    ));
    let notify: &'static Retry<&ManualClock> = Box::leak(Box::new(
        Retry::try_new(RetryConfig::new("notify"), clock, 1).unwrap(),
    ));
    let _ = db.call(|| Err::<(), _>("down"));
    let _ = notify.call(clock, || Err::<(), _>("busy"));
    Arc::new(
        Exporter::new()
            .breaker(db)
            .unwrap()
            .retry(notify)
            .unwrap()
            .config_info(2, "abc"),
    )
}

#[tokio::test]
async fn prometheus_text_by_default_and_openmetrics_on_request() {
    let exporter = exporter();
    let expected_text = exporter.encode();
    let expected_open = exporter.encode_openmetrics();
    with_server(exporter, |addr| async move {
        for accept in [None, Some("*/*"), Some("text/plain;version=0.0.4")] {
            let r = get(addr, "/metrics", accept).await;
            assert_eq!(r.status, 200, "{accept:?}");
            assert_eq!(
                r.content_type.as_deref(),
                Some(PROMETHEUS_TYPE),
                "{accept:?}"
            );
            assert_eq!(r.body, expected_text, "{accept:?}");
            assert!(r
                .body
                .contains("circuit_breaker_state{name=\"db\",state=\"open\"} 1\n"));
            assert!(!r.body.contains("# EOF"));
        }
        for accept in ["application/openmetrics-text", PROMETHEUS_ACCEPT] {
            let r = get(addr, "/metrics", Some(accept)).await;
            assert_eq!(r.status, 200, "{accept}");
            assert_eq!(
                r.content_type.as_deref(),
                Some(OPENMETRICS_TYPE),
                "{accept}"
            );
            assert_eq!(r.body, expected_open, "{accept}");
            assert!(r.body.ends_with("# EOF\n"));
        }
    })
    .await;
}

#[tokio::test]
async fn other_paths_are_not_found() {
    with_server(exporter(), |addr| async move {
        assert_eq!(get(addr, "/", None).await.status, 404);
        assert_eq!(get(addr, "/metrics/extra", None).await.status, 404);
    })
    .await;
}

#[tokio::test]
async fn an_address_in_use_is_a_bind_error() {
    let exporter = exporter();
    with_server(exporter.clone(), move |addr| async move {
        match MetricsServer::start(addr, exporter).await {
            Err(ServeError::Bind { addr: asked, .. }) => assert_eq!(asked, addr),
            other => panic!("expected a bind error, got {other:?}"),
        }
    })
    .await;
}

#[tokio::test]
async fn dropping_the_handle_stops_the_server() {
    let server = MetricsServer::start("127.0.0.1:0".parse().unwrap(), exporter())
        .await
        .unwrap();
    let addr = server.local_addr();
    assert_eq!(get(addr, "/metrics", None).await.status, 200);
    drop(server);
    // The serving task stops on its own; wait for it, within the bound.
    let stopped = timeout(BOUND, async {
        while TcpStream::connect(addr).await.is_ok() {
            tokio::time::sleep(StdDuration::from_millis(10)).await;
        }
    })
    .await;
    assert!(stopped.is_ok(), "still listening on {addr}");
}

#[tokio::test]
async fn a_failed_check_still_stops_the_server() {
    let seen = Arc::new(Mutex::new(None));
    let record = seen.clone();
    let run = tokio::spawn(with_server(exporter(), move |addr| {
        *record.lock().unwrap() = Some(addr);
        async move { panic!("a check fails on purpose") }
    }));
    let failed = timeout(BOUND, run).await.expect("ends in time");
    assert!(failed.expect_err("the check's panic comes back").is_panic());
    let addr = seen.lock().unwrap().expect("the server had started");
    assert!(TcpStream::connect(addr).await.is_err());
}

//! `/metrics` on its own thread (tiny_http), over real loopback HTTP, with
//! every wait bounded and the server stopped even when a check fails.
#![cfg(feature = "metrics-server-blocking")]

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Instant;

use common::{Response, BOUND, OPENMETRICS_TYPE, PROMETHEUS_ACCEPT, PROMETHEUS_TYPE};
use totem_core::{BreakerConfig, CircuitBreaker, ManualClock};
use totem_std::{BlockingMetricsServer, Exporter, ServeError};

fn send(addr: SocketAddr, method: &str, path: &str, accept: Option<&str>) -> Response {
    let mut stream = TcpStream::connect_timeout(&addr, BOUND).expect("connect");
    stream.set_read_timeout(Some(BOUND)).unwrap();
    stream.set_write_timeout(Some(BOUND)).unwrap();
    stream
        .write_all(common::request(method, path, accept).as_bytes())
        .expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("response in time");
    common::parse(&raw)
}

fn get(addr: SocketAddr, accept: Option<&str>) -> Response {
    send(addr, "GET", "/metrics", accept)
}

fn exporter() -> Arc<Exporter> {
    let clock: &'static ManualClock = Box::leak(Box::new(ManualClock::new()));
    let db: &'static CircuitBreaker<&ManualClock> = Box::leak(Box::new(
        CircuitBreaker::try_new(BreakerConfig::new("db").failure_threshold(1), clock).unwrap(),
    ));
    let _ = db.call(|| Err::<(), _>("down"));
    Arc::new(Exporter::new().breaker(db).unwrap().config_info(5, "beef"))
}

/// Waits, within the bound, until nothing accepts connections on `addr`.
fn wait_until_closed(addr: SocketAddr) {
    let start = Instant::now();
    while TcpStream::connect_timeout(&addr, BOUND).is_ok() {
        assert!(start.elapsed() < BOUND, "still listening on {addr}");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Runs `checks` against a server on an ephemeral loopback port, stops the
/// server whatever the checks did, then reports their failure.
fn with_server(exporter: Arc<Exporter>, checks: impl FnOnce(SocketAddr)) {
    let server =
        BlockingMetricsServer::start("127.0.0.1:0".parse().unwrap(), exporter).expect("start");
    let addr = server.local_addr();
    assert!(addr.ip().is_loopback() && addr.port() != 0);
    let outcome = catch_unwind(AssertUnwindSafe(|| checks(addr)));
    server.shutdown().expect("clean shutdown");
    if let Err(failed) = outcome {
        resume_unwind(failed);
    }
    wait_until_closed(addr);
}

#[test]
fn prometheus_text_by_default_and_openmetrics_on_request() {
    let exporter = exporter();
    let expected_text = exporter.encode();
    let expected_open = exporter.encode_openmetrics();
    with_server(exporter, |addr| {
        for accept in [None, Some("*/*"), Some("text/plain")] {
            let r = get(addr, accept);
            assert_eq!(r.status, 200, "{accept:?}");
            assert_eq!(
                r.content_type.as_deref(),
                Some(PROMETHEUS_TYPE),
                "{accept:?}"
            );
            assert_eq!(r.body, expected_text, "{accept:?}");
        }
        for accept in ["application/openmetrics-text", PROMETHEUS_ACCEPT] {
            let r = get(addr, Some(accept));
            assert_eq!(r.status, 200, "{accept}");
            assert_eq!(
                r.content_type.as_deref(),
                Some(OPENMETRICS_TYPE),
                "{accept}"
            );
            assert_eq!(r.body, expected_open, "{accept}");
            assert!(r.body.ends_with("# EOF\n"));
        }
    });
}

#[test]
fn other_paths_and_methods_are_refused() {
    with_server(exporter(), |addr| {
        assert_eq!(send(addr, "GET", "/", None).status, 404);
        assert_eq!(send(addr, "POST", "/metrics", None).status, 405);
        assert_eq!(send(addr, "GET", "/metrics?x=1", None).status, 200);
    });
}

#[test]
fn an_address_in_use_is_a_bind_error() {
    let exporter = exporter();
    with_server(
        exporter.clone(),
        move |addr| match BlockingMetricsServer::start(addr, exporter) {
            Err(ServeError::Bind { addr: asked, .. }) => assert_eq!(asked, addr),
            other => panic!("expected a bind error, got {other:?}"),
        },
    );
}

#[test]
fn a_failed_check_still_stops_the_server() {
    let mut seen = None;
    let failed = catch_unwind(AssertUnwindSafe(|| {
        with_server(exporter(), |addr| {
            seen = Some(addr);
            panic!("a check fails on purpose");
        })
    }));
    assert!(failed.is_err());
    wait_until_closed(seen.expect("the server had started"));
}

#[test]
fn dropping_the_handle_stops_the_server() {
    let server = BlockingMetricsServer::start("127.0.0.1:0".parse().unwrap(), exporter()).unwrap();
    let addr = server.local_addr();
    assert_eq!(get(addr, None).status, 200);
    drop(server);
    wait_until_closed(addr);
}

//! The real exposition, checked by Prometheus's own linter: `promtool check
//! metrics` (Debian package `prometheus`) reads the text format from stdin
//! and exits non-zero on a parse error or a lint problem (a counter without
//! `_total`, a missing HELP, a non-base unit).
#![cfg(feature = "prometheus")]

use std::io::{ErrorKind, Write};
use std::process::{Command, Stdio};

use totem_core::{
    BreakerConfig, CircuitBreaker, Duration, ManualClock, Retry, RetryConfig, RetryPolicy,
};
use totem_std::Exporter;

const INSTALL: &str = "promtool not found on PATH: install the Debian package `prometheus` \
     (sudo apt-get install -y --no-install-recommends prometheus)";

/// `promtool check metrics < text`: its exit status and what it printed.
fn promtool_check(text: &str) -> (bool, String) {
    let mut child = match Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) if e.kind() == ErrorKind::NotFound => panic!("{INSTALL}"),
        Err(e) => panic!("cannot run promtool: {e}"),
    };
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(text.as_bytes())
        .expect("write the exposition to promtool");
    let out = child.wait_with_output().expect("promtool runs");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

/// Errors classed by code, so that several error classes have counts.
struct ByCode;

impl RetryPolicy<(), usize> for ByCode {
    fn should_retry(&self, result: &Result<(), usize>) -> bool {
        result.is_err()
    }

    fn error_class(&self, code: &usize) -> usize {
        *code
    }
}

/// Breakers in every state (one without calls, so no success rate), retries
/// with delays in several buckets, and the configuration info.
fn busy_exporter() -> Exporter {
    let clock: &'static ManualClock = Box::leak(Box::new(ManualClock::new()));
    let breaker = |name: &'static str| -> &'static CircuitBreaker<&'static ManualClock> {
        let config = BreakerConfig::new(name)
            .failure_threshold(2)
            .reset_timeout(Duration::from_secs(5));
        let b = Box::leak(Box::new(CircuitBreaker::try_new(config, clock).unwrap()));
        b.start_time_accounting();
        b
    };
    let idle = breaker("idle");
    let open = breaker("inventory");
    let half_open = breaker("payments");
    let forced = breaker("legacy \"soap\" api");
    let disabled = breaker("search");
    let trip = |b: &CircuitBreaker<&ManualClock>| {
        let _ = b.call(|| Ok::<_, ()>(()));
        let _ = b.call(|| Err::<(), _>(()));
        let _ = b.call(|| Err::<(), _>(()));
    };
    trip(half_open);
    clock.advance(Duration::from_secs(5));
    // A probe kept in flight for good (the breaker outlives the test).
    std::mem::forget(half_open.try_acquire().unwrap());
    trip(open);
    let _ = open.call(|| Ok::<_, ()>(()));
    forced.force_open();
    let _ = forced.call(|| Ok::<_, ()>(()));
    disabled.disable();
    let _ = disabled.call(|| Err::<(), _>(()));
    clock.advance(Duration::from_millis(1_500));

    let retry = |config: RetryConfig| -> &'static Retry<&'static ManualClock> {
        Box::leak(Box::new(Retry::try_new(config, clock, 7).unwrap()))
    };
    let notify = retry(
        RetryConfig::new("notify")
            .max_attempts(6)
            .initial_delay(Duration::from_millis(20)),
    );
    let _ = notify.call_if(&ByCode, clock, || Err(3));
    let _ = notify.call_if(&ByCode, clock, || Ok(()));
    let quiet = retry(RetryConfig::new("quiet"));

    let exporter = Exporter::new()
        .retry(notify)
        .unwrap()
        .retry(quiet)
        .unwrap()
        .config_info(12, "sha256:0f1e2d");
    for b in [idle, open, half_open, forced, disabled] {
        exporter.add_breaker(b).unwrap();
    }
    exporter
}

#[test]
fn promtool_accepts_the_prometheus_text_exposition() {
    let text = busy_exporter().encode();
    // The scenario is what it claims to be.
    for (name, state) in [
        ("idle", "closed"),
        ("inventory", "open"),
        ("payments", "half_open"),
        ("legacy \\\"soap\\\" api", "forced_open"),
        ("search", "disabled"),
    ] {
        let line = format!("circuit_breaker_state{{name=\"{name}\",state=\"{state}\"}} 1\n");
        assert!(text.contains(&line), "missing {line:?}");
    }
    assert!(text.contains("circuit_breaker_probes_in_flight{name=\"payments\"} 1\n"));
    assert!(!text.contains("circuit_breaker_success_rate{name=\"idle\"}"));
    let (ok, said) = promtool_check(&text);
    assert!(
        ok,
        "promtool check metrics failed:\n{said}\n--- exposition ---\n{text}"
    );
}

#[test]
fn promtool_accepts_an_empty_and_a_config_only_exposition() {
    for exporter in [Exporter::new(), Exporter::new().config_info(0, "")] {
        let text = exporter.encode();
        let (ok, said) = promtool_check(&text);
        assert!(
            ok,
            "promtool check metrics failed:\n{said}\n--- exposition ---\n{text}"
        );
    }
}

/// The check can fail: promtool 2.42 rejects this crate's OpenMetrics
/// output (the reason `/metrics` answers in the Prometheus text format
/// unless OpenMetrics is asked for).
#[test]
fn promtool_rejects_what_it_should() {
    let (ok, said) = promtool_check(&busy_exporter().encode_openmetrics());
    assert!(!ok, "promtool accepted OpenMetrics text:\n{said}");
    let (ok, _) = promtool_check("# TYPE requests counter\nrequests 1\n");
    assert!(!ok, "promtool accepted a counter without _total or HELP");
}

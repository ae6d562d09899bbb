//! End to end with a real Prometheus (the Debian package `prometheus`): the
//! demo's binary serves its `/metrics` on loopback while its flaky service
//! goes healthy, failing, hanging and healthy again; Prometheus scrapes it
//! with the `prometheus.yml` and the alerting rules that `totem
//! prometheus` and `totem rules` write for demo/totem.toml, keeping the
//! spec's 15 days of metrics. Through Prometheus's HTTP API the test sees
//! every series the demo exports (the spec's names among them), an answer
//! to every query of the Grafana dashboard, and a breaker's "not CLOSED"
//! alert firing during the outage and not before it. Nothing leaves
//! 127.0.0.1; the demo and Prometheus are killed and Prometheus's directory
//! removed even when a check fails.

#[path = "../../std-adapter/tests/common/prometheus.rs"]
mod prometheus;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use totem_core::Alert;
use totem_std::{
    alerting_rules, dashboard_queries, prometheus_config, retention_flag, ConfigFile,
    METRICS_RETENTION,
};

use self::prometheus::{by_name, free_port, series, Prometheus, Scratch, BOUND};

const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/totem.toml");

/// The demo's instances (breakers and retries share the names).
const NAMES: &str = "payments_async|payments_blocking";

/// The spec's metrics, as the exporter names their series.
const SPEC_SERIES: [&str; 8] = [
    "circuit_breaker_state",
    "circuit_breaker_failures_total",
    "circuit_breaker_success_rate",
    "retry_attempts_total",
    "retry_success_total",
    "retry_delay_seconds_bucket",
    "retry_delay_seconds_sum",
    "retry_delay_seconds_count",
];

/// The demo's process, killed when dropped; what it printed is kept for
/// the failure messages.
struct Demo {
    child: Child,
    output: Arc<Mutex<String>>,
}

impl Demo {
    fn start(metrics_port: u16) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_totem-demo"))
            .args(["--metrics-addr", &format!("127.0.0.1:{metrics_port}")])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the demo binary starts");
        let output = Arc::new(Mutex::new(String::new()));
        // Drained, so that the demo never blocks on a full pipe.
        let drain = |mut from: Box<dyn Read + Send>| {
            let output = output.clone();
            std::thread::spawn(move || {
                let mut buf = [0; 4096];
                while let Ok(n @ 1..) = from.read(&mut buf) {
                    output
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            });
        };
        drain(Box::new(child.stdout.take().expect("piped")));
        drain(Box::new(child.stderr.take().expect("piped")));
        Self { child, output }
    }

    fn output(&self) -> String {
        self.output
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Whether the demo has ended (and how).
    fn ended(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().expect("the demo's status")
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The breakers' "not CLOSED" alerts Prometheus has, pending or firing:
/// (breaker name, state).
fn not_closed_alerts(prometheus: &Prometheus) -> Vec<(String, String)> {
    prometheus.get("/api/v1/alerts")["alerts"]
        .as_array()
        .expect("a list of alerts")
        .iter()
        .filter(|a| a["labels"]["alertname"] == Alert::BreakerNotClosed.as_str())
        .map(|a| {
            (
                a["labels"]["name"].as_str().unwrap_or_default().to_owned(),
                a["state"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The series of a Prometheus text exposition: metric name -> the values
/// of its `name` label (empty for a series without one).
fn exported_series(exposition: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut all: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in exposition.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let metric = line.split(['{', ' ']).next().unwrap_or_default();
        let names = all.entry(metric.to_owned()).or_default();
        if let Some((_, rest)) = line.split_once("name=\"") {
            names.extend(rest.split('"').next().map(str::to_owned));
        }
    }
    all
}

#[test]
fn prometheus_scrapes_the_demo_runs_every_panel_and_fires_the_breaker_alert_in_the_outage() {
    let file = ConfigFile::from_file(CONFIG).expect("demo/totem.toml loads");
    let scratch = Scratch::new("prometheus_e2e");
    scratch.write("totem-rules.yml", &alerting_rules(&file));
    let metrics_port = free_port();
    let target = format!("127.0.0.1:{metrics_port}");
    let prometheus = Prometheus::start(
        scratch,
        &prometheus_config(&file, &[&target], "totem-rules.yml"),
        &[retention_flag()],
    );

    // The spec's retention is in force, and every instance's rules are
    // loaded.
    let flags = prometheus.get("/api/v1/status/flags");
    assert_eq!(flags["storage.tsdb.retention.time"], METRICS_RETENTION);
    let groups: BTreeSet<String> = prometheus.get("/api/v1/rules")["groups"]
        .as_array()
        .expect("rule groups")
        .iter()
        .map(|g| {
            assert_eq!(g["rules"].as_array().map(Vec::len), Some(3), "{g}");
            g["name"].as_str().unwrap_or_default().to_owned()
        })
        .collect();
    let expected: BTreeSet<String> = ["breaker", "retry"]
        .into_iter()
        .flat_map(|kind| NAMES.split('|').map(move |n| format!("totem-{kind}-{n}")))
        .collect();
    assert_eq!(groups, expected);

    // Prometheus hands new targets to its scrapers only every 5 s: the demo
    // starts once its target is being scraped (and found down), so that
    // Prometheus sees all of it.
    prometheus.wait_for("Prometheus to scrape the demo's address", |p| {
        p.get("/api/v1/targets")["activeTargets"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t["health"] == "down"))
    });
    let mut demo = Demo::start(metrics_port);
    let started = Instant::now();
    let said = |demo: &Demo, prometheus: &Prometheus| {
        format!(
            "the demo printed:\n{}\nPrometheus logged:\n{}",
            demo.output(),
            prometheus.log()
        )
    };

    // The first scrapes, in the demo's healthy opening: no breaker is cut
    // off yet, so its alert must not be there.
    prometheus.wait_for("the first scrapes of the demo", |p| {
        by_name(&p.query(r#"up{job="totem"}"#))
            .iter()
            .any(|(_, up)| *up == 1.0)
    });
    let early = not_closed_alerts(&prometheus);
    assert!(
        early.is_empty(),
        "{early:?} before the outage; {}",
        said(&demo, &prometheus)
    );

    // The outage: a breaker's "not CLOSED" goes pending or firing.
    let alerted = loop {
        let alerts = not_closed_alerts(&prometheus);
        if let Some(a) = alerts
            .into_iter()
            .find(|(_, state)| state == "pending" || state == "firing")
        {
            break a;
        }
        assert!(
            demo.ended().is_none() && started.elapsed() < BOUND,
            "no breaker's not-CLOSED alert during the demo; {}",
            said(&demo, &prometheus)
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(NAMES.split('|').any(|n| n == alerted.0), "{alerted:?}");

    // Every series the demo exports, the spec's among them, is in
    // Prometheus for both instances.
    let exposition = ureq::get(&format!("http://{target}/metrics"))
        .call()
        .and_then(|mut r| r.body_mut().read_to_string())
        .unwrap_or_else(|e| panic!("the demo's /metrics: {e}; {}", said(&demo, &prometheus)));
    let exported = exported_series(&exposition);
    for metric in SPEC_SERIES {
        let names = exported.get(metric);
        let expected: BTreeSet<String> = NAMES.split('|').map(str::to_owned).collect();
        assert_eq!(names, Some(&expected), "{metric} in\n{exposition}");
    }
    for (metric, names) in &exported {
        let data = prometheus.query(metric);
        assert!(!series(&data).is_empty(), "{metric}: no series");
        let seen: BTreeSet<String> = by_name(&data)
            .into_iter()
            .map(|(n, _)| n)
            .filter(|n| !n.is_empty())
            .collect();
        assert_eq!(&seen, names, "{metric}: the instances Prometheus has");
    }

    // Every panel of the dashboard answers, with Grafana's variables filled
    // in as it would (a rate interval of several scrapes).
    for q in dashboard_queries() {
        let expr = q
            .expr
            .replace("$name", NAMES)
            .replace("$__rate_interval", "10s")
            .replace("$__range", "1m");
        let data = prometheus.query(&expr);
        assert!(
            !series(&data).is_empty(),
            "{}: no series for {expr}",
            q.panel
        );
        // Both breakers failed and both retries retried in the outage.
        if q.panel == "Breaker failures" || q.panel == "Retry attempts per minute" {
            for (name, value) in by_name(&data) {
                assert!(
                    value > 0.0,
                    "{}: {name} at {value}, {:?} after the demo started, {alerted:?}; {}",
                    q.panel,
                    started.elapsed(),
                    said(&demo, &prometheus)
                );
            }
        }
    }

    // The demo itself sees both breakers trip and recover.
    let status = loop {
        if let Some(status) = demo.ended() {
            break status;
        }
        assert!(
            started.elapsed() < BOUND,
            "the demo did not end; {}",
            said(&demo, &prometheus)
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(status.success(), "{status}; {}", said(&demo, &prometheus));
}

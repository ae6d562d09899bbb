//! Every query of `totem dashboard`, run by a real Prometheus (Debian
//! package `prometheus`) scraping a real `/metrics` server on loopback:
//! each returns series, and the ones with a known answer give it.
//! Prometheus and the server are stopped even when a check fails.

#[path = "common/prometheus.rs"]
mod prometheus;

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use totem_core::{ManualClock, NoObserver};
use totem_std::{BlockingMetricsServer, Registry};

use self::prometheus::{by_name, Prometheus, Scratch};

const CONFIG: &str = "\
version = 1

# Opened before the first scrape and never probed (the clock stands still).
[breaker.payments]
failure_threshold = 2

# Half of its calls fail, and it never trips.
[breaker.steady]
failure_threshold = 511

# Every call fails once, then succeeds after a 1 s delay.
[retry.notify]
";

/// What Grafana would put in the queries' variables.
fn fill(expr: &str) -> String {
    expr.replace("$name", "payments|steady|notify")
        .replace("$__rate_interval", "10s")
        .replace("$__range", "1m")
}

/// Calls through the registry's instances until dropped.
struct Traffic {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Traffic {
    fn start(registry: &Registry<&'static ManualClock>) -> Self {
        let steady = registry.breaker("steady").unwrap();
        let notify = registry.retry("notify").unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let running = stop.clone();
        let thread = std::thread::spawn(move || {
            while !running.load(Ordering::Relaxed) {
                let _ = steady.call(|| Ok::<_, ()>(()));
                let _ = steady.call(|| Err::<(), _>(()));
                let mut failed = false;
                // The delay is counted, not waited, and the clock stands
                // still: the open breaker stays open.
                let _ = notify.call(&|_: totem_core::Duration| {}, || {
                    if std::mem::replace(&mut failed, true) {
                        Ok(())
                    } else {
                        Err(())
                    }
                });
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        Self {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Traffic {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn every_panel_query_returns_series_from_a_real_prometheus() {
    let scratch = Scratch::new("cli_dashboard_prometheus");
    let config = scratch.write("totem.toml", CONFIG);
    let output = Command::new(env!("CARGO_BIN_EXE_totem"))
        .args([
            "dashboard".as_ref(),
            config.as_os_str(),
            "--queries".as_ref(),
        ])
        .output()
        .expect("the totem binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let queries: Vec<(String, String)> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (panel, expr) = l.split_once('\t').expect("panel<TAB>query");
            (panel.to_owned(), fill(expr))
        })
        .collect();

    let clock: &'static ManualClock = Box::leak(Box::new(ManualClock::new()));
    let registry = Registry::from_toml_str(CONFIG, "inline", clock, NoObserver).unwrap();
    let payments = registry.breaker("payments").unwrap();
    let _ = payments.call(|| Err::<(), _>(()));
    let _ = payments.call(|| Err::<(), _>(()));
    let server = BlockingMetricsServer::start(
        "127.0.0.1:0".parse().unwrap(),
        Arc::new(registry.exporter().unwrap()),
    )
    .expect("the /metrics server starts");
    let traffic = Traffic::start(&registry);
    // Scraped every second, without rules.
    let prometheus = Prometheus::start(
        scratch,
        &format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
             scrape_configs:\n  - job_name: totem\n    static_configs:\n      - targets: ['{}']\n",
            server.local_addr()
        ),
        &[],
    );
    // Enough scrapes for a rate over 10 s.
    prometheus.wait_for("five scrapes", |p| {
        by_name(&p.query("count_over_time(up{job=\"totem\"}[10s])"))
            .into_iter()
            .collect::<BTreeMap<_, _>>()
            .values()
            .any(|n| *n >= 5.0)
    });

    let mut answers = BTreeMap::new();
    for (panel, expr) in &queries {
        let data = prometheus.query(expr);
        let result = data["result"].as_array().expect("an instant vector");
        assert!(!result.is_empty(), "{panel}: no series for {expr}");
        answers
            .entry(panel.as_str())
            .or_insert_with(|| by_name(&data).into_iter().collect::<BTreeMap<_, _>>());
    }
    // The state folds into its gauge number: OPEN is 1, CLOSED 0.
    let state = &answers["Breaker state"];
    assert_eq!((state["payments"], state["steady"]), (1.0, 0.0));
    // Half of the steady breaker's calls fail.
    let rate = answers["Breaker success rate"]["steady"];
    assert!((0.3..=0.7).contains(&rate), "steady success rate {rate}");
    // Every retried call succeeds after one 1 s delay.
    assert_eq!(answers["Retry success rate"]["notify"], 1.0);
    assert_eq!(answers["Retry average delay"]["notify"], 1.0);
    assert!(answers["Retry attempts per minute"]["notify"] > 0.0);

    drop(prometheus);
    drop(traffic);
    server.shutdown().expect("a clean shutdown");
}

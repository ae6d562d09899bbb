//! Every query of `totem dashboard`, run by a real Prometheus (Debian
//! package `prometheus`) scraping a real `/metrics` server on loopback:
//! each returns series, and the ones with a known answer give it.
//! Prometheus and the server are stopped even when a check fails.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;
use totem_core::{ManualClock, NoObserver};
use totem_std::{BlockingMetricsServer, Registry};

/// The longest any step may take: Prometheus's start, a query, enough
/// scrapes.
const BOUND: Duration = Duration::from_secs(60);

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

/// A directory removed at the end, whatever happens.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli_dashboard_prometheus");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A Prometheus process, killed when dropped.
struct Prometheus {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl Prometheus {
    /// Starts Prometheus on a free loopback port, scraping `target` every
    /// second, and waits until it answers queries.
    fn start(dir: &Path, target: SocketAddr) -> Self {
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
                 scrape_configs:\n  - job_name: totem\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .expect("the Prometheus config");
        // A port the system just gave out is free but for a rare race.
        let addr = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port");
        let log = dir.join("prometheus.log");
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--web.listen-address={addr}"))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("a log file"))
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start prometheus ({e}): install the Debian package `prometheus` \
                     (sudo apt-get install -y --no-install-recommends prometheus)"
                )
            });
        let prometheus = Self { child, addr, log };
        prometheus.wait_for("Prometheus to answer", |p| p.try_query("up").is_some());
        prometheus
    }

    /// Polls `ready` until it holds, failing the test past the bound.
    fn wait_for(&self, what: &str, ready: impl Fn(&Self) -> bool) {
        let start = Instant::now();
        while !ready(self) {
            assert!(
                start.elapsed() < BOUND,
                "waited too long for {what}; Prometheus said:\n{}",
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// `/api/v1/query`: the answer's `data`, or `None` if Prometheus does
    /// not answer (yet).
    fn try_query(&self, query: &str) -> Option<Value> {
        let mut stream = TcpStream::connect_timeout(&self.addr, Duration::from_secs(5)).ok()?;
        stream.set_read_timeout(Some(BOUND)).ok()?;
        let path = format!("/api/v1/query?query={}", encode(query));
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .ok()?;
        let mut raw = String::new();
        stream.read_to_string(&mut raw).ok()?;
        let body = raw.split_once("\r\n\r\n")?.1;
        let answer: Value = serde_json::from_str(body).ok()?;
        assert_eq!(answer["status"], "success", "{query}: {answer}");
        Some(answer["data"].clone())
    }

    fn query(&self, query: &str) -> Value {
        self.try_query(query)
            .unwrap_or_else(|| panic!("no answer to {query}"))
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Percent-encodes a query string value.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
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

/// `name` label -> value of an instant vector.
fn by_name(data: &Value) -> BTreeMap<String, f64> {
    data["result"]
        .as_array()
        .expect("a vector")
        .iter()
        .map(|s| {
            let name = s["metric"]["name"].as_str().unwrap_or_default().to_owned();
            let value = s["value"][1]
                .as_str()
                .expect("a value")
                .parse()
                .unwrap_or(f64::NAN);
            (name, value)
        })
        .collect()
}

#[test]
fn every_panel_query_returns_series_from_a_real_prometheus() {
    let scratch = Scratch::new();
    let config = scratch.0.join("totem.toml");
    std::fs::write(&config, CONFIG).unwrap();
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
    let prometheus = Prometheus::start(&scratch.0, server.local_addr());
    // Enough scrapes for a rate over 10 s.
    prometheus.wait_for("five scrapes", |p| {
        by_name(&p.query("count_over_time(up{job=\"totem\"}[10s])"))
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
            .or_insert_with(|| by_name(&data));
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

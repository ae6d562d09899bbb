//! A real Prometheus (the Debian package `prometheus`,
//! scripts/install-prometheus.sh) on a free loopback port, for the tests
//! that query it: totem-std's dashboard test and the demo's end-to-end
//! run (which includes this file by path). It is killed and its scratch
//! directory removed when dropped, even when a check fails.
#![allow(dead_code)] // each test uses its own part

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The longest any step may take: Prometheus's start, a query, enough
/// scrapes.
pub const BOUND: Duration = Duration::from_secs(60);

/// A directory under the target's temporary directory, removed when
/// dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    /// A fresh, empty directory for `tag` and this process.
    pub fn new(tag: &str) -> Self {
        let dir =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        Self(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `text` to `name` in the directory; returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("a scratch file");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A port the system just gave out on 127.0.0.1: free but for a rare race.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A Prometheus process, killed when dropped; then its directory (config,
/// data, log) is removed.
pub struct Prometheus {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
    // Dropped after `Drop::drop` has stopped the process.
    scratch: Scratch,
}

impl Prometheus {
    /// Starts Prometheus on a free loopback port with `config` as its
    /// `prometheus.yml` (in `scratch`, where relative `rule_files` are
    /// found), its data in `scratch` and `flags` added, and waits until it
    /// answers queries.
    pub fn start(scratch: Scratch, config: &str, flags: &[String]) -> Self {
        let config = scratch.write("prometheus.yml", config);
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let log = scratch.path().join("prometheus.log");
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--web.listen-address={addr}"))
            .arg(format!(
                "--storage.tsdb.path={}",
                scratch.path().join("data").display()
            ))
            .args(flags)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("a log file"))
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start prometheus ({e}): install the Debian package `prometheus` \
                     (./scripts/install-prometheus.sh)"
                )
            });
        let prometheus = Self {
            child,
            addr,
            log,
            scratch,
        };
        prometheus.wait_for("Prometheus to answer", |p| p.try_query("up").is_some());
        prometheus
    }

    pub fn dir(&self) -> &Path {
        self.scratch.path()
    }

    /// What Prometheus logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Polls `ready` until it holds, failing the test past the bound.
    pub fn wait_for(&self, what: &str, ready: impl Fn(&Self) -> bool) {
        let start = Instant::now();
        while !ready(self) {
            assert!(
                start.elapsed() < BOUND,
                "waited too long for {what}; Prometheus said:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// A `GET` of the HTTP API (`/api/v1/...`): the answer's `data`, or
    /// `None` if Prometheus does not answer (yet). HTTP/1.0, so that the
    /// body is neither chunked nor kept alive: it ends where the stream
    /// does.
    pub fn try_get(&self, path: &str) -> Option<Value> {
        let mut stream = TcpStream::connect_timeout(&self.addr, Duration::from_secs(5)).ok()?;
        stream.set_read_timeout(Some(BOUND)).ok()?;
        write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").ok()?;
        let mut raw = String::new();
        stream.read_to_string(&mut raw).ok()?;
        let body = raw.split_once("\r\n\r\n")?.1;
        let answer: Value = serde_json::from_str(body).ok()?;
        assert_eq!(answer["status"], "success", "{path}: {answer}");
        Some(answer["data"].clone())
    }

    pub fn get(&self, path: &str) -> Value {
        self.try_get(path)
            .unwrap_or_else(|| panic!("no answer to {path}"))
    }

    /// `/api/v1/query` at the latest time.
    pub fn try_query(&self, query: &str) -> Option<Value> {
        self.try_get(&format!("/api/v1/query?query={}", encode(query)))
    }

    pub fn query(&self, query: &str) -> Value {
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

/// The series of an instant vector (the `data` of a query's answer).
pub fn series(data: &Value) -> &Vec<Value> {
    data["result"].as_array().expect("an instant vector")
}

/// Each series' `name` label and value, in the order Prometheus gave them.
pub fn by_name(data: &Value) -> Vec<(String, f64)> {
    series(data)
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

/// Percent-encodes a query string value.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

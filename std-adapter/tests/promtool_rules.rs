//! The rules `totem rules` writes, judged by Prometheus's own tool: `promtool
//! check rules` accepts them, and `promtool test rules` replays series in
//! which each of the six alerts fires and clears, and stays silent below its
//! minimum of calls (or, for the breaker's "not CLOSED", while a closing
//! between two scrapes is still in the window, and for a breaker forced
//! open by hand). promtool is the Debian package `prometheus`
//! (scripts/install-prometheus.sh).

use std::fmt::Write as _;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const INSTALL: &str = "promtool not found on PATH: install the Debian package `prometheus` \
     (./scripts/install-prometheus.sh)";

/// A scratch directory, removed even when the test fails.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("totem-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a scratch directory");
        Self(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("write a scratch file");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(program: &str, args: &[&Path], dir: &Path) -> Output {
    match Command::new(program).args(args).current_dir(dir).output() {
        Ok(out) => out,
        Err(e) if e.kind() == ErrorKind::NotFound && program == "promtool" => panic!("{INSTALL}"),
        Err(e) => panic!("cannot run {program}: {e}"),
    }
}

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The instances: defaults but a longer max_delay (so the mean-delay rule
/// can fire) and a retries threshold from the file (8, not the spec's 5).
const CONFIG: &str = r#"version = 1

[breaker.db]

[breaker.manual]

[breaker.rate]

[retry.notify]
max_delay = "60s"

[retry.notify.alerts]
retries_above = 8
"#;

const MINUTES: u32 = 36;

/// A counter sampled every minute: its value at minute `m` is the sum of
/// `growth(k)` over the minutes `k` in `1..=m` (the growth in `(k-1, k]`).
fn counter(growth: impl Fn(u32) -> f64) -> String {
    let mut total = 0.0;
    let mut values = String::new();
    for m in 0..MINUTES {
        if m > 0 {
            total += growth(m);
        }
        let _ = write!(values, "{total} ");
    }
    values.trim_end().to_owned()
}

/// A gauge sampled every minute.
fn gauge(value: impl Fn(u32) -> f64) -> String {
    let values: Vec<String> = (0..MINUTES).map(|m| value(m).to_string()).collect();
    values.join(" ")
}

fn flag(on: bool) -> f64 {
    if on {
        1.0
    } else {
        0.0
    }
}

/// Every input series, `(series, values)`.
fn series() -> Vec<(String, String)> {
    let mut s = Vec::new();
    let mut add = |series: &str, values: String| s.push((series.to_owned(), values));

    // Breaker db: CLOSED, then from minute 5 OPEN and HALF_OPEN in turn
    // until it closes at 15; OPEN again at 20, closed and reopened between
    // the scrapes of minutes 22 and 23 (a second's CLOSED), then flapping.
    let closed_at = |m: u32| m <= 4 || (15..=19).contains(&m);
    let closed_in = |k: u32| (1..=5).contains(&k) || (16..=20).contains(&k);
    let flap = |m: u32| if m >= 20 { m - 20 } else { m.saturating_sub(5) };
    let st = |state: &str| format!(r#"circuit_breaker_state{{name="db",state="{state}"}}"#);
    add(&st("closed"), gauge(|m| flag(closed_at(m))));
    add(
        &st("open"),
        gauge(|m| flag(!closed_at(m) && flap(m) % 2 == 0)),
    );
    add(
        &st("half_open"),
        gauge(|m| flag(!closed_at(m) && flap(m) % 2 == 1)),
    );
    let tr = |from: &str, to: &str, cause: &str| {
        format!(
            r#"circuit_breaker_transitions_total{{name="db",from="{from}",to="{to}",cause="{cause}"}}"#
        )
    };
    add(
        &tr("closed", "open", "failure_threshold"),
        counter(|k| flag(k == 5 || k == 20 || k == 23)),
    );
    add(
        &tr("half_open", "closed", "probes_succeeded"),
        counter(|k| flag(k == 15 || k == 23)),
    );
    add(
        &tr("open", "half_open", "reset_timeout"),
        counter(|k| flag(!closed_in(k))),
    );
    add(
        &tr("half_open", "open", "probe_failed"),
        counter(|k| flag(!closed_in(k))),
    );
    let time = |state: &str| {
        format!(r#"circuit_breaker_time_in_state_seconds_total{{name="db",state="{state}"}}"#)
    };
    add(
        &time("closed"),
        counter(|k| 60.0 * flag(closed_in(k)) + flag(k == 23)),
    );
    add(
        &time("open"),
        counter(|k| 60.0 * flag(!closed_in(k)) - flag(k == 23)),
    );
    // 11 consecutive failures from minute 10 to 14.
    add(
        r#"circuit_breaker_consecutive_failures{name="db"}"#,
        gauge(|m| if (10..=14).contains(&m) { 11.0 } else { 3.0 }),
    );

    // Breaker manual: forced open by hand at minute 1, for good.
    let manual = |state: &str| format!(r#"circuit_breaker_state{{name="manual",state="{state}"}}"#);
    add(&manual("closed"), gauge(|m| flag(m == 0)));
    add(&manual("forced_open"), gauge(|m| flag(m >= 1)));
    add(
        r#"circuit_breaker_transitions_total{name="manual",from="closed",to="forced_open",cause="force_open"}"#,
        counter(|k| flag(k == 1)),
    );
    add(
        r#"circuit_breaker_time_in_state_seconds_total{name="manual",state="forced_open"}"#,
        counter(|k| 60.0 * flag(k >= 2)),
    );

    // Breaker rate: 3 calls a minute at 33 % (too few to judge), then 10 a
    // minute at 20 %, then 10 a minute all successful.
    let calls =
        |result: &str| format!(r#"circuit_breaker_calls_total{{name="rate",result="{result}"}}"#);
    add(
        &calls("success"),
        counter(|k| match k {
            1..=5 => 1.0,
            6..=15 => 2.0,
            _ => 10.0,
        }),
    );
    add(
        &calls("failure"),
        counter(|k| match k {
            1..=5 => 2.0,
            6..=15 => 8.0,
            _ => 0.0,
        }),
    );

    // Retry notify: 7 retries a minute (above the spec's 5, not the file's
    // 8), then 10, then none.
    add(
        r#"retry_retries_total{name="notify"}"#,
        counter(|k| match k {
            1..=5 => 7.0,
            6..=9 => 10.0,
            _ => 0.0,
        }),
    );
    // 1 call a minute, failing (too few), then 5 a minute at 20 %, then 5
    // successes a minute.
    let rcalls = |result: &str| format!(r#"retry_calls_total{{name="notify",result="{result}"}}"#);
    add(
        &rcalls("success"),
        counter(|k| match k {
            1..=5 => 0.0,
            6..=15 => 1.0,
            _ => 5.0,
        }),
    );
    add(
        &rcalls("failure"),
        counter(|k| match k {
            1..=5 => 1.0,
            6..=15 => 4.0,
            _ => 0.0,
        }),
    );
    // Two retries of 50 s (too few), then 2 a minute of 40 s, then 2 a
    // minute of 10 s.
    add(
        r#"retry_delay_seconds_count{name="notify"}"#,
        counter(|k| match k {
            1..=2 => 1.0,
            3..=5 => 0.0,
            _ => 2.0,
        }),
    );
    add(
        r#"retry_delay_seconds_sum{name="notify"}"#,
        counter(|k| match k {
            1..=2 => 50.0,
            3..=5 => 0.0,
            6..=15 => 80.0,
            _ => 20.0,
        }),
    );
    s
}

/// `(alert, instance, severity, summary, [(minute, firing)])`.
type Expectation = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [(u32, bool)],
);

const EXPECTED: &[Expectation] = &[
    (
        "CircuitBreakerNotClosed",
        "db",
        "critical",
        "Breaker db has not been CLOSED for 5m (OPEN or flapping OPEN/HALF_OPEN; forced open or disabled by hand is left out)",
        // 5 minutes after opening at 5, flapping all along; clear once
        // closed at 15; after the closing between 22 and 23, only at 28.
        &[(4, false), (9, false), (10, true), (14, true), (15, false), (25, false), (27, false), (28, true), (35, true)],
    ),
    (
        "CircuitBreakerLowSuccessRate",
        "rate",
        "warning",
        "Breaker rate: success rate under 80 % over 5m (at least 20 calls)",
        &[(5, false), (10, true), (15, true), (25, false)],
    ),
    (
        "CircuitBreakerConsecutiveFailures",
        "db",
        "warning",
        "Breaker db: more than 10 consecutive failures",
        &[(9, false), (12, true), (15, false)],
    ),
    (
        "RetryTooManyRetries",
        "notify",
        "warning",
        "Retry notify: more than 8 retries in 1m",
        &[(3, false), (7, true), (12, false)],
    ),
    (
        "RetryLowSuccessRate",
        "notify",
        "warning",
        "Retry notify: success rate under 50 % over 5m (at least 10 calls)",
        &[(5, false), (11, true), (22, false)],
    ),
    (
        "RetryHighMeanDelay",
        "notify",
        "warning",
        "Retry notify: mean delay above 30s over 5m (at least 3 retries)",
        &[(5, false), (11, true), (22, false)],
    ),
];

fn unit_tests(rules: &str) -> String {
    let mut t = format!("rule_files:\n  - {rules}\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n");
    for (series, values) in series() {
        let _ = writeln!(t, "      - series: '{series}'\n        values: '{values}'");
    }
    t.push_str("    alert_rule_test:\n");
    for (alert, name, severity, summary, checks) in EXPECTED {
        for (minute, firing) in *checks {
            let _ = writeln!(
                t,
                "      - eval_time: {minute}m\n        alertname: {alert}"
            );
            if *firing {
                let _ = writeln!(
                    t,
                    "        exp_alerts:\n          - exp_labels:\n              name: {name}\n              severity: {severity}\n            exp_annotations:\n              summary: '{summary}'"
                );
            } else {
                t.push_str("        exp_alerts: []\n");
            }
        }
    }
    t
}

#[test]
fn promtool_checks_the_rules_and_each_alert_fires_clears_and_stays_silent_below_its_minimum() {
    let dir = Scratch::new("promtool-rules");
    let config = dir.write("totem.toml", CONFIG);
    let out = Command::new(env!("CARGO_BIN_EXE_totem"))
        .arg("rules")
        .arg(&config)
        .output()
        .expect("run totem");
    assert!(out.status.success(), "{}", said(&out));
    let rules = dir.write("rules.yml", &String::from_utf8(out.stdout).expect("UTF-8"));

    let check = run(
        "promtool",
        &[Path::new("check"), Path::new("rules"), &rules],
        &dir.0,
    );
    assert!(
        check.status.success(),
        "promtool check rules:\n{}",
        said(&check)
    );
    assert!(
        said(&check).contains("SUCCESS: 12 rules found"),
        "{}",
        said(&check)
    );

    let tests = dir.write("tests.yml", &unit_tests("rules.yml"));
    let test = run(
        "promtool",
        &[Path::new("test"), Path::new("rules"), &tests],
        &dir.0,
    );
    assert!(
        test.status.success(),
        "promtool test rules:\n{}",
        said(&test)
    );
}

#[test]
fn promtool_catches_a_wrong_expectation() {
    // The harness's teeth: the same series, one expectation turned round.
    let dir = Scratch::new("promtool-teeth");
    let config = dir.write("totem.toml", CONFIG);
    let out = Command::new(env!("CARGO_BIN_EXE_totem"))
        .arg("rules")
        .arg(&config)
        .output()
        .expect("run totem");
    dir.write("rules.yml", &String::from_utf8(out.stdout).expect("UTF-8"));
    let wrong = unit_tests("rules.yml").replacen(
        "eval_time: 27m\n        alertname: CircuitBreakerNotClosed\n        exp_alerts: []",
        "eval_time: 27m\n        alertname: CircuitBreakerNotClosed\n        exp_alerts:\n          - exp_labels:\n              name: db\n              severity: critical",
        1,
    );
    assert_ne!(wrong, unit_tests("rules.yml"));
    let tests = dir.write("tests.yml", &wrong);
    let test = run(
        "promtool",
        &[Path::new("test"), Path::new("rules"), &tests],
        &dir.0,
    );
    assert!(!test.status.success(), "{}", said(&test));
}

#[test]
fn names_yaml_would_read_as_null_or_a_number_stay_label_strings() {
    let dir = Scratch::new("promtool-names");
    let config = dir.write(
        "totem.toml",
        "version = 1\n[breaker.null]\n[breaker.404]\n[breaker.-x]\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_totem"))
        .arg("rules")
        .arg(&config)
        .output()
        .expect("run totem");
    assert!(out.status.success(), "{}", said(&out));
    let rules = dir.write("rules.yml", &String::from_utf8(out.stdout).expect("UTF-8"));
    let check = run(
        "promtool",
        &[Path::new("check"), Path::new("rules"), &rules],
        &dir.0,
    );
    assert!(
        check.status.success(),
        "promtool check rules:\n{}",
        said(&check)
    );

    let mut t = String::from(
        "rule_files:\n  - rules.yml\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n",
    );
    for name in ["null", "404", "-x"] {
        let _ = writeln!(
            t,
            "      - series: 'circuit_breaker_consecutive_failures{{name=\"{name}\"}}'\n        values: '11x3'"
        );
    }
    t.push_str("    alert_rule_test:\n      - eval_time: 1m\n        alertname: CircuitBreakerConsecutiveFailures\n        exp_alerts:\n");
    for name in ["-x", "404", "null"] {
        let _ = writeln!(
            t,
            "          - exp_labels:\n              name: '{name}'\n              severity: warning\n            exp_annotations:\n              summary: 'Breaker {name}: more than 10 consecutive failures'"
        );
    }
    let tests = dir.write("tests.yml", &t);
    let test = run(
        "promtool",
        &[Path::new("test"), Path::new("rules"), &tests],
        &dir.0,
    );
    assert!(
        test.status.success(),
        "promtool test rules:\n{}",
        said(&test)
    );
}

#[test]
fn promtool_accepts_the_prometheus_config_with_the_rules_beside_it() {
    let dir = Scratch::new("promtool-config");
    let config = dir.write(
        "totem.toml",
        "version = 1\n[breaker.db]\n[breaker.db.alerts]\nwindow = \"8s\"\n[retry.notify]\n",
    );
    let totem = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_totem"))
            .args(args)
            .arg(&config)
            .output()
            .expect("run totem");
        assert!(out.status.success(), "{}", said(&out));
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    dir.write("totem-rules.yml", &totem(&["rules"]));
    let yml = totem(&[
        "prometheus",
        "--target",
        "127.0.0.1:9898",
        "--target",
        "127.0.0.1:9899",
    ]);
    // A quarter of the shortest window, 8 s, and the spec's retention.
    assert!(yml.contains("  scrape_interval: 2s\n"), "{yml}");
    assert!(yml.contains("  evaluation_interval: 2s\n"), "{yml}");
    assert!(yml.contains("--storage.tsdb.retention.time=15d"), "{yml}");
    let prometheus = dir.write("prometheus.yml", &yml);
    let check = run(
        "promtool",
        &[Path::new("check"), Path::new("config"), &prometheus],
        &dir.0,
    );
    assert!(
        check.status.success(),
        "promtool check config:\n{}",
        said(&check)
    );
    // The rules file was found and checked with it.
    assert!(
        said(&check).contains("SUCCESS: 6 rules found"),
        "{}",
        said(&check)
    );
}

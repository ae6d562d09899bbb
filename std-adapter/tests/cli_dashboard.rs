//! `totem dashboard`, run as the real binary: the dashboard is Grafana
//! JSON for the file's instances, and every query names only series that a
//! real `Exporter` writes.

#[path = "common/prometheus.rs"]
mod prometheus;

use std::collections::BTreeSet;
use std::process::{Command, Output};

use totem_core::{Duration, ManualClock, NoObserver};
use totem_std::Registry;

use self::prometheus::Scratch;

const CONFIG: &str = "\
version = 1

[breaker.payments]
failure_threshold = 2

[retry.payments]
max_attempts = 3
initial_delay = \"10ms\"

[retry.notify]
";

fn totem(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_totem"))
        .args(args)
        .output()
        .expect("the totem binary runs")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "totem failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

/// The series names a real exporter writes for a breaker and a retry that
/// have seen calls (so that every family has samples).
fn exported_series() -> BTreeSet<String> {
    let clock: &'static ManualClock = Box::leak(Box::new(ManualClock::new()));
    let registry =
        Registry::from_toml_str(CONFIG, "inline", clock, NoObserver).expect("a valid config");
    let breaker = registry.breaker("payments").unwrap();
    let retry = registry.retry("payments").unwrap();
    let mut n = 0;
    let _ = breaker.call(|| {
        retry.call(clock, || {
            n += 1;
            if n < 2 {
                Err("busy")
            } else {
                Ok(())
            }
        })
    });
    for _ in 0..2 {
        let _ = breaker.call(|| retry.call(clock, || Err::<(), _>("down")));
    }
    let _ = breaker.call(|| Ok::<_, ()>(()));
    clock.advance(Duration::from_secs(1));
    let text = registry.exporter().expect("an exporter").encode();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            l.split(['{', ' '])
                .next()
                .expect("a series name")
                .to_owned()
        })
        .collect()
}

/// PromQL's words that are not metric names, as far as these queries go.
const FUNCTIONS: [&str; 6] = ["sum", "max", "rate", "increase", "avg", "min"];
const KEYWORDS: [&str; 4] = ["or", "and", "unless", "offset"];

/// The metric names in a PromQL expression: identifiers outside label
/// matchers, strings, ranges and grouping lists that are neither a
/// function nor a keyword.
fn metric_names(expr: &str) -> Vec<String> {
    let mut bare = String::new();
    let mut chars = expr.chars().peekable();
    while let Some(c) = chars.next() {
        let close = match c {
            '"' => Some('"'),
            '{' => Some('}'),
            '[' => Some(']'),
            _ => None,
        };
        match close {
            Some(close) => {
                for c in chars.by_ref() {
                    if c == close {
                        break;
                    }
                }
                bare.push(' ');
            }
            None => bare.push(c),
        }
    }
    // Grouping lists name labels, not metrics.
    for grouping in [
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
    ] {
        while let Some(at) = find_word(&bare, grouping) {
            let end = bare[at..].find(')').map_or(bare.len(), |i| at + i + 1);
            bare.replace_range(at..end, " ");
        }
    }
    let mut names = Vec::new();
    let mut rest = bare.as_str();
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphabetic() || c == '_') {
        let after = &rest[start..];
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(after.len());
        let word = &after[..len];
        rest = &after[len..];
        let is_call = rest.trim_start().starts_with('(');
        if is_call {
            assert!(
                FUNCTIONS.contains(&word),
                "unexpected function {word} in {expr}"
            );
        } else if !KEYWORDS.contains(&word) {
            names.push(word.to_owned());
        }
    }
    names
}

fn find_word(text: &str, word: &str) -> Option<usize> {
    text.match_indices(word).map(|(i, _)| i).find(|&i| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        let ident = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        !ident(before) && !ident(after)
    })
}

#[test]
fn the_extractor_finds_metrics_and_skips_labels_and_functions() {
    let expr = r#"sum by (name, result) (rate(a_total{name=~"$name",result="x"}[5m])) / max without(state) (b{le="+Inf"}) or c * 60"#;
    assert_eq!(metric_names(expr), ["a_total", "b", "c"]);
}

#[test]
fn every_query_names_only_exported_series() {
    let scratch = Scratch::new("cli_dashboard-series");
    let config = scratch.write("totem.toml", CONFIG);
    let queries = stdout(&totem(&[
        "dashboard".as_ref(),
        config.as_os_str(),
        "--queries".as_ref(),
    ]));
    let exported = exported_series();
    assert!(
        exported.contains("circuit_breaker_calls_total"),
        "{exported:?}"
    );
    let mut used = BTreeSet::new();
    let mut panels = BTreeSet::new();
    for line in queries.lines() {
        let (panel, expr) = line.split_once('\t').expect("panel<TAB>query");
        panels.insert(panel.to_owned());
        let names = metric_names(expr);
        assert!(!names.is_empty(), "{panel}: no metric in {expr}");
        for name in names {
            assert!(
                exported.contains(&name),
                "{panel}: {name} is not exported (exported: {exported:?})"
            );
            used.insert(name);
        }
    }
    // The spec's panels, and the series they stand on.
    for panel in [
        "Breaker state",
        "Breaker success rate",
        "Breaker failures",
        "Breaker time in each state",
        "Retry attempts per minute",
        "Retry success rate",
        "Retry average delay",
        "Retry error distribution",
    ] {
        assert!(panels.contains(panel), "no panel {panel:?}");
    }
    for series in [
        "circuit_breaker_state",
        "circuit_breaker_calls_total",
        "circuit_breaker_failures_total",
        "circuit_breaker_time_in_state_seconds_total",
        "retry_attempts_total",
        "retry_success_total",
        "retry_calls_total",
        "retry_delay_seconds_sum",
        "retry_delay_seconds_count",
        "retry_errors_total",
    ] {
        assert!(used.contains(series), "no query uses {series}");
    }
}

/// Every query, with Grafana's variables given values, is PromQL that
/// Prometheus's own parser takes (`promtool check rules`, Debian package
/// `prometheus`).
#[test]
fn every_query_parses_as_promql() {
    let scratch = Scratch::new("cli_dashboard-promql");
    let config = scratch.write("totem.toml", CONFIG);
    let queries = stdout(&totem(&[
        "dashboard".as_ref(),
        config.as_os_str(),
        "--queries".as_ref(),
    ]));
    let mut rules = String::from("groups:\n  - name: dashboard\n    rules:\n");
    for (i, line) in queries.lines().enumerate() {
        let expr = line.split_once('\t').expect("panel<TAB>query").1;
        let expr = expr
            .replace("$name", "payments|notify")
            .replace("$__rate_interval", "1m")
            .replace("$__range", "1h");
        assert!(!expr.contains('$'), "a variable left in {expr}");
        rules.push_str(&format!(
            "      - record: totem_dashboard_query_{i}\n        expr: '{}'\n",
            expr.replace('\'', "''")
        ));
    }
    let file = scratch.write("dashboard.rules.yml", &rules);
    let output = match Command::new("promtool")
        .args(["check".as_ref(), "rules".as_ref(), file.as_os_str()])
        .output()
    {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "promtool not found on PATH: install the Debian package `prometheus` \
             (sudo apt-get install -y --no-install-recommends prometheus)"
        ),
        Err(e) => panic!("cannot run promtool: {e}"),
    };
    assert!(
        output.status.success(),
        "promtool refused the queries:\n{}{}\n{rules}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_dashboard_is_grafana_json_for_the_files_instances() {
    let scratch = Scratch::new("cli_dashboard-json");
    let config = scratch.write("totem.toml", CONFIG);
    let out = scratch.path().join("dashboard.json");
    let printed = stdout(&totem(&[
        "dashboard".as_ref(),
        config.as_os_str(),
        "--title".as_ref(),
        "Payments".as_ref(),
    ]));
    stdout(&totem(&[
        "dashboard".as_ref(),
        config.as_os_str(),
        "--title".as_ref(),
        "Payments".as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
    ]));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), printed);
    let d: serde_json::Value = serde_json::from_str(&printed).expect("JSON");
    assert_eq!(
        (d["title"].as_str(), d["uid"].as_str()),
        (Some("Payments"), Some("payments"))
    );
    assert!(d["schemaVersion"].as_u64().unwrap() >= 36);
    let vars = d["templating"]["list"].as_array().unwrap();
    let name = vars
        .iter()
        .find(|v| v["name"] == "name")
        .expect("a name variable");
    assert_eq!(name["query"], "notify,payments");
    let panels = d["panels"].as_array().unwrap();
    for p in panels.iter().filter(|p| p["type"] != "row") {
        assert!(p["gridPos"]["w"].as_u64().unwrap() > 0);
        for t in p["targets"].as_array().unwrap() {
            assert!(t["expr"].as_str().unwrap().contains("$name"));
        }
    }
    // The queries --queries prints are the dashboard's.
    let queries = stdout(&totem(&[
        "dashboard".as_ref(),
        config.as_os_str(),
        "--queries".as_ref(),
    ]));
    let exprs: Vec<String> = panels
        .iter()
        .flat_map(|p| p["targets"].as_array().cloned().unwrap_or_default())
        .map(|t| t["expr"].as_str().unwrap().to_owned())
        .collect();
    let listed: Vec<String> = queries
        .lines()
        .map(|l| l.split_once('\t').unwrap().1.to_owned())
        .collect();
    assert_eq!(exprs, listed);
}

#[test]
fn a_bad_config_fails_with_its_file_and_line() {
    let scratch = Scratch::new("bad");
    let config = scratch.write(
        "bad.toml",
        "version = 1\n\n[breaker.x]\nfailure_threshold = 0\n",
    );
    let output = totem(&["dashboard".as_ref(), config.as_os_str()]);
    assert!(!output.status.success());
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.toml:4:"), "{stderr}");
    assert!(stderr.contains("failure_threshold"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn a_missing_config_fails_without_a_panic() {
    let output = totem(&["dashboard".as_ref(), "/nonexistent/totem.toml".as_ref()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("/nonexistent/totem.toml"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

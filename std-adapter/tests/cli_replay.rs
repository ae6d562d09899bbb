//! `totem replay`, run as the real binary on a generated log: a healthy
//! service, an outage, a recovery, then three short bursts of failures.
//! The trips each configuration must make are worked out below from the
//! breaker's contract (DESIGN.md), not read off a run.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// One call every 250 ms for 30 minutes, each taking 20 ms.
const STEP_MS: u64 = 250;
const END_MS: u64 = 30 * 60_000;
const LATENCY_MS: u64 = 20;
/// Every call fails from 5:00 to 7:00.
const OUTAGE_MS: std::ops::Range<u64> = 300_000..420_000;
/// Five calls in a row fail at 25:00, 26:40 and 28:20 (then all succeed).
const BURSTS_MS: [u64; 3] = [1_500_000, 1_600_000, 1_700_000];
const BURST_CALLS: u64 = 5;

fn fails(at: u64) -> bool {
    OUTAGE_MS.contains(&at)
        || BURSTS_MS
            .iter()
            .any(|b| (*b..b + BURST_CALLS * STEP_MS).contains(&at))
}

/// The log as CSV (times from an arbitrary origin: the replay starts at
/// the first call).
fn csv_log() -> String {
    let mut log = String::from("timestamp_ms,outcome,latency_ms,error_class\n");
    for at in (0..END_MS).step_by(STEP_MS as usize) {
        let (outcome, class) = if fails(at) {
            ("failure", "timeout")
        } else {
            ("success", "")
        };
        log.push_str(&format!(
            "{},{outcome},{LATENCY_MS},{class}\n",
            1_700_000_000_000 + at
        ));
    }
    log
}

/// The same log as JSON lines.
fn json_log() -> String {
    let mut log = String::new();
    for at in (0..END_MS).step_by(STEP_MS as usize) {
        let outcome = if fails(at) { "failure" } else { "success" };
        log.push_str(&format!(
            "{{\"timestamp_ms\": {at}, \"outcome\": \"{outcome}\", \"latency_ms\": {LATENCY_MS}}}\n"
        ));
    }
    log
}

/// Trips on 5 failures in a row and probes 30 s after each opening.
const SENSITIVE: &str = "\
version = 1

[breaker.api]
failure_threshold = 5
reset_timeout = \"30s\"

[retry.api]
max_attempts = 3
initial_delay = \"1s\"
";

/// Trips on 10 failures in a row: the bursts do not reach it.
const TOLERANT: &str = "\
version = 1

[breaker.api]
failure_threshold = 10
reset_timeout = \"30s\"
";

/// A directory of this test's files, removed when the test ends, even by
/// a failure.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Self {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli_replay-{test}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        Self(dir)
    }

    fn file(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("a scratch file");
        path.to_str().expect("a UTF-8 path").to_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn totem(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_totem"))
        .arg("replay")
        .args(args)
        .output()
        .expect("the totem binary runs")
}

fn succeeded(output: &Output) -> String {
    assert!(
        output.status.success(),
        "totem failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn failed(output: &Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(1),
        "stdout: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    let stderr = String::from_utf8(output.stderr.clone()).expect("UTF-8 output");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

fn json(args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.extend(["--format", "json"]);
    serde_json::from_str(&succeeded(&totem(&args))).expect("a JSON report")
}

fn numbers(replay: &Value, key: &str) -> Vec<u64> {
    replay["episodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e[key].as_u64().unwrap_or(u64::MAX))
        .collect()
}

fn flags(replay: &Value, key: &str) -> Vec<bool> {
    replay["episodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e[key].as_bool().unwrap())
        .collect()
}

/// Without a retry the breaker sees every logged call.
///
/// The outage's 5th failure is the call at 301 000 ms, recorded at the end
/// of its 20 ms: a trip at 301 020. Probes, 30 s after each opening, meet
/// the calls at 331 250, 361 500 and 391 750 (failures, each reopening the
/// breaker 20 ms later) and 422 000 (a success: closed at 422 020). Each
/// burst trips the breaker at its 5th failure (start + 1 000 + 20), and its
/// first probe, 30 s on, succeeds: three false trips, within 200 s of each
/// other, so one flapping episode (3 trips within 10 minutes).
#[test]
fn the_breaker_trips_on_the_outage_and_falsely_on_each_burst() {
    let scratch = Scratch::new("breaker");
    let log = scratch.file("calls.csv", &csv_log());
    let config = scratch.file("sensitive.toml", SENSITIVE);
    let report = json(&[&log, &config, "--no-retry"]);
    let r = &report["replays"][0];
    assert_eq!(r["retry"], Value::Null);
    let bursts = BURSTS_MS.map(|b| b + 4 * STEP_MS + LATENCY_MS);
    assert_eq!(
        numbers(r, "tripped_at_ms"),
        [301_020, bursts[0], bursts[1], bursts[2]]
    );
    assert_eq!(
        numbers(r, "closed_at_ms"),
        [
            422_020,
            bursts[0] + 30_250 - 20 + LATENCY_MS,
            bursts[1] + 30_250 - 20 + LATENCY_MS,
            bursts[2] + 30_250 - 20 + LATENCY_MS
        ]
    );
    assert_eq!(numbers(r, "reopens"), [3, 0, 0, 0]);
    assert_eq!(flags(r, "false_trip"), [false, true, true, true]);
    assert_eq!(flags(r, "flapping"), [false, true, true, true]);
    assert_eq!(
        (
            &r["trips"],
            &r["reopens"],
            &r["false_trips"],
            &r["flapping_episodes"]
        ),
        (&4.into(), &3.into(), &3.into(), &1.into())
    );
    // Open from each trip or reopen until 30 s later.
    assert_eq!(r["time_in_state_ms"]["open"], (4 + 3) * 30_000);
    // Every call while not closed but the probes was refused, and nothing
    // else was.
    let rejected = r["calls"]["rejected"].as_u64().unwrap();
    assert_eq!(r["attempts_rejected"].as_u64().unwrap(), rejected);
    let calls = report["log"]["calls"].as_u64().unwrap();
    assert_eq!(calls, END_MS / STEP_MS);
    assert_eq!(
        r["calls"]["succeeded"].as_u64().unwrap()
            + r["calls"]["failed"].as_u64().unwrap()
            + rejected,
        calls
    );
    assert_eq!(r["attempts_served"].as_u64().unwrap(), calls - rejected);
}

/// The spec's order with a retry (1 s, then 2 s): a burst's failed calls
/// are retried after it and succeed, so only the outage trips the breaker.
/// Each failing call of the outage reaches the breaker after its three
/// attempts: 20 + 1 000 + 20 + 2 000 + 20 ms after it started, so the 5th
/// (at 301 000) trips it at 304 060.
#[test]
fn retries_hide_the_bursts_from_the_breaker() {
    let scratch = Scratch::new("retry");
    let log = scratch.file("calls.csv", &csv_log());
    let config = scratch.file("sensitive.toml", SENSITIVE);
    let r = &json(&[&log, &config])["replays"][0];
    assert_eq!(
        (r["order"].as_str(), r["retry"].as_str()),
        (Some("breaker-retry"), Some("api"))
    );
    assert_eq!(numbers(r, "tripped_at_ms"), [304_060]);
    assert_eq!(r["false_trips"], 0);
    assert!(r["retries"].as_u64().unwrap() > 0);
}

/// A retry alone: a call fails only if its third attempt, 3 040 ms after
/// it started (20 + 1 000 + 20 + 2 000), still meets the outage, i.e. it
/// started at 416 500 ms or before; the bursts' calls all succeed on retry.
#[test]
fn a_retry_alone_fails_only_the_calls_it_cannot_outlast() {
    let scratch = Scratch::new("retry-alone");
    let log = scratch.file("calls.csv", &csv_log());
    let config = scratch.file("sensitive.toml", SENSITIVE);
    let r = &json(&[&log, &config, "--no-breaker"])["replays"][0];
    assert_eq!((&r["breaker"], &r["trips"]), (&Value::Null, &Value::Null));
    let failing = (416_500 - OUTAGE_MS.start) / STEP_MS + 1;
    assert_eq!(r["calls"]["failed"].as_u64(), Some(failing));
    assert_eq!(r["calls"]["rejected"].as_u64(), Some(0));
}

/// Retrying through the breaker: the bursts' retries meet a healthy
/// service, but the outage's retries are refused once it trips.
#[test]
fn retrying_through_the_breaker_is_the_other_order() {
    let scratch = Scratch::new("order");
    let log = scratch.file("calls.csv", &csv_log());
    let config = scratch.file("sensitive.toml", SENSITIVE);
    let r = &json(&[&log, &config, "--order", "retry-breaker"])["replays"][0];
    assert_eq!(r["order"], "retry-breaker");
    // Each attempt counts: the outage's first call fails at 300 020, its
    // retry at 301 020, and the calls at 300 250 .. 301 000 fail between:
    // the 5th failure is the call at 301 000, at 301 020.
    assert_eq!(numbers(r, "tripped_at_ms")[0], 301_020);
    assert!(r["calls"]["rejected"].as_u64().unwrap() > 0);
}

#[test]
fn compare_puts_two_configurations_side_by_side() {
    let scratch = Scratch::new("compare");
    let log = scratch.file("calls.csv", &csv_log());
    let sensitive = scratch.file("sensitive.toml", SENSITIVE);
    let tolerant = scratch.file("tolerant.toml", TOLERANT);
    let args = [
        log.as_str(),
        &sensitive,
        "--compare",
        &tolerant,
        "--no-retry",
    ];
    let report = json(&args);
    let [a, b] = [&report["replays"][0], &report["replays"][1]];
    assert_eq!(
        (a["config"].as_str(), b["config"].as_str()),
        (Some(sensitive.as_str()), Some(tolerant.as_str()))
    );
    assert_eq!(
        (a["trips"].as_u64(), b["trips"].as_u64()),
        (Some(4), Some(1))
    );
    assert_eq!(
        (a["false_trips"].as_u64(), b["false_trips"].as_u64()),
        (Some(3), Some(0))
    );
    // The 10th failure of the outage: the call at 302 250.
    assert_eq!(numbers(b, "tripped_at_ms"), [302_270]);

    let text = succeeded(&totem(&args));
    let row = |label: &str| -> Vec<String> {
        let line = text
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no row {label:?} in\n{text}"));
        line[label.len()..]
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(row("configuration"), [sensitive.clone(), tolerant.clone()]);
    assert_eq!(row("trips"), ["4", "1"]);
    assert_eq!(row("false trips"), ["3", "0"]);
    assert_eq!(row("flapping episodes"), ["1", "0"]);
    // A timeline per configuration, under the logged failure rate.
    assert!(text.contains("failures"), "{text}");
    for config in [&sensitive, &tolerant] {
        let strip = text
            .lines()
            .find(|l| l.starts_with(config.as_str()) && l.contains('|'))
            .unwrap_or_else(|| panic!("no timeline of {config} in\n{text}"));
        assert!(strip.contains('O'), "{strip}");
    }
    for term in ["false trip:", "flapping: 3 or more trips within 10m"] {
        assert!(text.contains(term), "the report defines {term:?}:\n{text}");
    }
}

#[test]
fn json_lines_replay_as_the_csv_does() {
    let scratch = Scratch::new("jsonl");
    let csv = scratch.file("calls.csv", &csv_log());
    let jsonl = scratch.file("calls.jsonl", &json_log());
    let config = scratch.file("sensitive.toml", SENSITIVE);
    let from_csv = json(&[&csv, &config]);
    let from_json = json(&[&jsonl, &config]);
    assert_eq!(
        from_csv["replays"][0]["episodes"],
        from_json["replays"][0]["episodes"]
    );
    assert_eq!(
        from_csv["replays"][0]["calls"],
        from_json["replays"][0]["calls"]
    );
}

#[test]
fn the_svg_draws_state_failure_rate_and_rejections() {
    let scratch = Scratch::new("svg");
    let log = scratch.file("calls.csv", &csv_log());
    let sensitive = scratch.file("sensitive.toml", SENSITIVE);
    let tolerant = scratch.file("tolerant.toml", TOLERANT);
    let svg = scratch.0.join("timeline.svg");
    succeeded(&totem(&[
        &log,
        &sensitive,
        "--compare",
        &tolerant,
        "--svg",
        svg.to_str().unwrap(),
    ]));
    let svg = std::fs::read_to_string(svg).expect("the SVG was written");
    assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(200)]);
    assert!(svg.trim_end().ends_with("</svg>"));
    for text in ["breaker state", "failure rate", "rejections per"] {
        assert!(svg.contains(text), "no {text:?} in the SVG");
    }
    for config in [&sensitive, &tolerant] {
        assert!(
            svg.contains(&format!("state: {config}")),
            "no state line of {config}"
        );
        assert!(
            svg.contains(&format!("rejections: {config}")),
            "no rejections of {config}"
        );
    }
    // Two state lines, the failure rate and two rejection lines.
    assert!(svg.matches("<polyline").count() >= 5);
}

#[test]
fn a_malformed_line_is_fatal_with_its_number_by_default() {
    let scratch = Scratch::new("bad-line");
    let log = scratch.file(
        "calls.csv",
        "timestamp_ms,outcome,latency_ms,error_class\n0,success,1,\n250,sucess,1,\n500,failure,1,x\n",
    );
    let config = scratch.file("sensitive.toml", SENSITIVE);
    let stderr = failed(&totem(&[&log, &config]));
    assert!(
        stderr.contains(&format!("{log}:3: outcome \"sucess\"")),
        "{stderr}"
    );
}

#[test]
fn malformed_lines_are_skipped_on_request_and_reported() {
    let scratch = Scratch::new("skip");
    let log = scratch.file(
        "calls.jsonl",
        "{\"timestamp_ms\": 0, \"outcome\": \"success\"}\n\
         {\"timestamp_ms\": 250, \"outcome\": \"failure\"\n\
         {\"timestamp_ms\": 500, \"outcome\": \"failure\"}\n\
         not json\n",
    );
    let config = scratch.file("sensitive.toml", SENSITIVE);
    let output = totem(&[&log, &config, "--on-bad-line", "skip", "--format", "json"]);
    let report: Value = serde_json::from_str(&succeeded(&output)).unwrap();
    assert_eq!(report["log"]["calls"], 2);
    assert_eq!(report["log"]["skipped_lines"], 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("{log}:2: ")), "{stderr}");
    assert!(stderr.contains(&format!("{log}:4: ")), "{stderr}");
    assert!(stderr.contains("(skipped)"), "{stderr}");
}

#[test]
fn a_bad_config_fails_with_its_file_and_line() {
    let scratch = Scratch::new("bad-config");
    let log = scratch.file("calls.csv", &csv_log());
    let good = scratch.file("good.toml", SENSITIVE);
    let bad = scratch.file(
        "bad.toml",
        "version = 1\n[breaker.api]\nreset_timeout = \"soon\"\n",
    );
    for args in [
        vec![log.as_str(), &bad],
        vec![&log, &good, "--compare", &bad],
    ] {
        let stderr = failed(&totem(&args));
        assert!(stderr.contains(&format!("{bad}:3:")), "{stderr}");
        assert!(stderr.contains("reset_timeout"), "{stderr}");
    }
}

#[test]
fn a_log_longer_than_a_year_is_refused() {
    let scratch = Scratch::new("long");
    let span_ms = (366 + 1) * 86_400_000u64;
    let log = scratch.file(
        "calls.csv",
        &format!("timestamp_ms,outcome\n0,success\n{span_ms},success\n"),
    );
    let config = scratch.file("sensitive.toml", SENSITIVE);
    let stderr = failed(&totem(&[&log, &config]));
    assert!(stderr.contains("spans 367 days"), "{stderr}");
}

#[test]
fn an_instance_must_be_named_when_the_file_has_several() {
    let scratch = Scratch::new("instances");
    let log = scratch.file("calls.csv", &csv_log());
    let config = scratch.file(
        "two.toml",
        "version = 1\n[breaker.api]\n[breaker.db]\nfailure_threshold = 3\n",
    );
    let stderr = failed(&totem(&[&log, &config]));
    assert!(stderr.contains("2 breaker instances (api, db)"), "{stderr}");
    assert!(stderr.contains("--breaker NAME"), "{stderr}");
    let stderr = failed(&totem(&[&log, &config, "--breaker", "cache"]));
    assert!(
        stderr.contains("no breaker named \"cache\" (the file has: api, db)"),
        "{stderr}"
    );
    let report = json(&[&log, &config, "--breaker", "db"]);
    assert_eq!(report["replays"][0]["breaker"], "db");
    // Three failures in a row: every burst trips this one too.
    assert_eq!(report["replays"][0]["trips"], 4);
}

#[test]
fn bad_arguments_are_usage_errors() {
    let output = totem(&["only-one-path"]);
    assert_eq!(output.status.code(), Some(2));
    let output = totem(&["a", "b", "--flap-trips", "1"]);
    assert_eq!(output.status.code(), Some(2));
    let output = totem(&["a", "b", "--flap-window", "soon"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("soon"));
}

#[test]
fn help_explains_the_log_and_the_simulation() {
    let help = succeeded(&totem(&["--help"]));
    for needle in [
        "timestamp_ms,outcome,latency_ms,error_class",
        "JSON lines",
        "first logged call at or after its own time",
        "--on-bad-line",
        "--compare",
        "--svg",
    ] {
        assert!(help.contains(needle), "--help lacks {needle:?}");
    }
}

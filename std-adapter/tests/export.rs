//! The exposition, line by line: breakers and retries on a `ManualClock`,
//! driven through known calls, then scraped.
#![cfg(feature = "prometheus")]

use std::panic::{catch_unwind, AssertUnwindSafe};

use totem_core::{
    BreakerConfig, CircuitBreaker, Duration, ManualClock, Outcome, Retry, RetryConfig, RetryPolicy,
};
use totem_std::{ExportError, Exporter};

type Breaker = CircuitBreaker<&'static ManualClock>;
type Retrier = Retry<&'static ManualClock>;

fn clock() -> &'static ManualClock {
    Box::leak(Box::new(ManualClock::new()))
}

fn breaker(clock: &'static ManualClock, config: BreakerConfig) -> &'static Breaker {
    let b: &'static Breaker = Box::leak(Box::new(
        CircuitBreaker::try_new(config, clock).expect("valid config"),
    ));
    b.start_time_accounting();
    b
}

fn retry(clock: &'static ManualClock, config: RetryConfig) -> &'static Retrier {
    Box::leak(Box::new(
        Retry::try_new(config, clock, 1).expect("valid config"),
    ))
}

/// The sample lines of `text` whose series starts with `prefix`.
fn samples<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.lines()
        .filter(|l| !l.starts_with('#') && l.starts_with(prefix))
        .collect()
}

fn secs(n: u32) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn state_is_five_series_with_one_set() {
    let clock = clock();
    let db = breaker(clock, BreakerConfig::new("db"));
    let exporter = Exporter::new().breaker(db).unwrap();
    let text = exporter.encode();
    assert!(text.starts_with(
        "# HELP circuit_breaker_state Current state: 1 on the series of the state the breaker is in, 0 on the other four.\n\
         # TYPE circuit_breaker_state gauge\n"
    ));
    assert_eq!(
        samples(&text, "circuit_breaker_state{"),
        [
            r#"circuit_breaker_state{name="db",state="closed"} 1"#,
            r#"circuit_breaker_state{name="db",state="open"} 0"#,
            r#"circuit_breaker_state{name="db",state="half_open"} 0"#,
            r#"circuit_breaker_state{name="db",state="forced_open"} 0"#,
            r#"circuit_breaker_state{name="db",state="disabled"} 0"#,
        ]
    );
    db.force_open();
    let text = exporter.encode();
    assert_eq!(
        samples(&text, "circuit_breaker_state{"),
        [
            r#"circuit_breaker_state{name="db",state="closed"} 0"#,
            r#"circuit_breaker_state{name="db",state="open"} 0"#,
            r#"circuit_breaker_state{name="db",state="half_open"} 0"#,
            r#"circuit_breaker_state{name="db",state="forced_open"} 1"#,
            r#"circuit_breaker_state{name="db",state="disabled"} 0"#,
        ]
    );
    db.disable();
    let text = exporter.encode();
    assert_eq!(
        samples(
            &text,
            "circuit_breaker_state{name=\"db\",state=\"disabled\"}"
        ),
        [r#"circuit_breaker_state{name="db",state="disabled"} 1"#]
    );
    assert_eq!(
        samples(&text, "circuit_breaker_state{")
            .iter()
            .filter(|l| l.ends_with(" 1"))
            .count(),
        1
    );
}

#[test]
fn breaker_counters_after_known_calls() {
    let clock = clock();
    let db = breaker(clock, BreakerConfig::new("db").failure_threshold(10));
    let exporter = Exporter::new().breaker(db).unwrap();
    for _ in 0..3 {
        db.call(|| Ok::<_, ()>(())).unwrap();
    }
    for _ in 0..2 {
        let _ = db.call(|| Err::<(), _>("down"));
    }
    let _ = db.call_classified(|_: &Result<(), ()>| Outcome::Ignore, || Ok(()));
    // A permit dropped without an outcome: abandoned, and a failure by default.
    drop(db.try_acquire().unwrap());

    let text = exporter.encode();
    assert_eq!(
        samples(&text, "circuit_breaker_failures_total"),
        [r#"circuit_breaker_failures_total{name="db"} 3"#]
    );
    assert_eq!(
        samples(&text, "circuit_breaker_calls_total"),
        [
            r#"circuit_breaker_calls_total{name="db",result="success"} 3"#,
            r#"circuit_breaker_calls_total{name="db",result="failure"} 3"#,
            r#"circuit_breaker_calls_total{name="db",result="ignored"} 1"#,
            r#"circuit_breaker_calls_total{name="db",result="rejected"} 0"#,
        ]
    );
    assert_eq!(
        samples(&text, "circuit_breaker_abandoned_total"),
        [r#"circuit_breaker_abandoned_total{name="db"} 1"#]
    );
    assert_eq!(
        samples(&text, "circuit_breaker_consecutive_failures"),
        [r#"circuit_breaker_consecutive_failures{name="db"} 3"#]
    );
    assert_eq!(
        samples(&text, "circuit_breaker_success_rate"),
        [r#"circuit_breaker_success_rate{name="db"} 0.5"#]
    );

    db.force_open();
    assert!(db.call(|| Ok::<_, ()>(())).is_err());
    let text = exporter.encode();
    assert_eq!(
        samples(
            &text,
            "circuit_breaker_calls_total{name=\"db\",result=\"rejected\"}"
        ),
        [r#"circuit_breaker_calls_total{name="db",result="rejected"} 1"#]
    );
}

#[test]
fn success_rate_is_omitted_without_calls_since_the_reset() {
    let clock = clock();
    let idle = breaker(clock, BreakerConfig::new("idle"));
    let exporter = Exporter::new().breaker(idle).unwrap();
    assert!(!exporter.encode().contains("circuit_breaker_success_rate"));
    assert!(!exporter
        .encode_openmetrics()
        .contains("circuit_breaker_success_rate"));

    let busy = breaker(clock, BreakerConfig::new("busy"));
    exporter.add_breaker(busy).unwrap();
    busy.call(|| Ok::<_, ()>(())).unwrap();
    let text = exporter.encode();
    assert_eq!(
        text.matches("# TYPE circuit_breaker_success_rate gauge\n")
            .count(),
        1
    );
    assert_eq!(
        samples(&text, "circuit_breaker_success_rate"),
        [r#"circuit_breaker_success_rate{name="busy"} 1.0"#]
    );

    busy.reset_stats();
    assert!(!exporter.encode().contains("circuit_breaker_success_rate"));
}

#[test]
fn transitions_and_time_follow_open_half_open_close() {
    let clock = clock();
    let db = breaker(
        clock,
        BreakerConfig::new("db")
            .failure_threshold(1)
            .reset_timeout(secs(5)),
    );
    let exporter = Exporter::new().breaker(db).unwrap();
    clock.advance(secs(2));
    let _ = db.call(|| Err::<(), _>("down"));
    assert!(exporter
        .encode()
        .contains("circuit_breaker_state{name=\"db\",state=\"open\"} 1\n"));
    clock.advance(secs(5));
    let text = exporter.encode();
    assert!(text.contains("circuit_breaker_state{name=\"db\",state=\"half_open\"} 1\n"));
    clock.advance(secs(1));
    db.call(|| Ok::<_, ()>(())).unwrap();

    let text = exporter.encode();
    assert_eq!(
        samples(&text, "circuit_breaker_transitions_total"),
        [
            r#"circuit_breaker_transitions_total{name="db",from="closed",to="open",cause="failure_threshold"} 1"#,
            r#"circuit_breaker_transitions_total{name="db",from="open",to="half_open",cause="reset_timeout"} 1"#,
            r#"circuit_breaker_transitions_total{name="db",from="half_open",to="open",cause="probe_failed"} 0"#,
            r#"circuit_breaker_transitions_total{name="db",from="half_open",to="open",cause="half_open_timeout"} 0"#,
            r#"circuit_breaker_transitions_total{name="db",from="half_open",to="closed",cause="probes_succeeded"} 1"#,
            r#"circuit_breaker_transitions_total{name="db",from="any",to="closed",cause="reset"} 0"#,
            r#"circuit_breaker_transitions_total{name="db",from="any",to="forced_open",cause="force_open"} 0"#,
            r#"circuit_breaker_transitions_total{name="db",from="any",to="disabled",cause="disable"} 0"#,
            r#"circuit_breaker_transitions_total{name="db",from="closed",to="open",cause="failure_rate"} 0"#,
            r#"circuit_breaker_transitions_total{name="db",from="closed",to="open",cause="slow_call_rate"} 0"#,
        ]
    );
    assert_eq!(
        samples(&text, "circuit_breaker_time_in_state_seconds_total"),
        [
            r#"circuit_breaker_time_in_state_seconds_total{name="db",state="closed"} 2.0"#,
            r#"circuit_breaker_time_in_state_seconds_total{name="db",state="open"} 5.0"#,
            r#"circuit_breaker_time_in_state_seconds_total{name="db",state="half_open"} 1.0"#,
            r#"circuit_breaker_time_in_state_seconds_total{name="db",state="forced_open"} 0.0"#,
            r#"circuit_breaker_time_in_state_seconds_total{name="db",state="disabled"} 0.0"#,
        ]
    );
    assert!(text.contains("circuit_breaker_state{name=\"db\",state=\"closed\"} 1\n"));
}

#[test]
fn probes_in_flight_counts_admitted_unresolved_probes() {
    let clock = clock();
    let db = breaker(
        clock,
        BreakerConfig::new("db")
            .failure_threshold(1)
            .half_open_permits(2)
            .reset_timeout(secs(1)),
    );
    let exporter = Exporter::new().breaker(db).unwrap();
    let _ = db.call(|| Err::<(), _>("down"));
    clock.advance(secs(1));
    let first = db.try_acquire().unwrap();
    let second = db.try_acquire().unwrap();
    assert_eq!(
        samples(&exporter.encode(), "circuit_breaker_probes_in_flight"),
        [r#"circuit_breaker_probes_in_flight{name="db"} 2"#]
    );
    first.success();
    second.success();
    assert_eq!(
        samples(&exporter.encode(), "circuit_breaker_probes_in_flight"),
        [r#"circuit_breaker_probes_in_flight{name="db"} 0"#]
    );
}

#[test]
fn delay_histogram_is_cumulative_in_seconds() {
    let clock = clock();
    // Delays of 10, 20, 40 and 80 ms (no jitter by default).
    let fast = retry(
        clock,
        RetryConfig::new("fast")
            .max_attempts(5)
            .initial_delay(Duration::from_millis(10)),
    );
    // One delay of 61 s: above the last bound, so only in +Inf.
    let slow = retry(
        clock,
        RetryConfig::new("slow")
            .max_attempts(2)
            .initial_delay(secs(61))
            .max_delay(secs(120)),
    );
    let exporter = Exporter::new().retry(fast).unwrap().retry(slow).unwrap();
    let _ = fast.call(clock, || Err::<(), _>("busy"));
    let _ = slow.call(clock, || Err::<(), _>("busy"));

    let text = exporter.encode();
    assert!(text.contains(
        "# HELP retry_delay_seconds Delay slept before each retry.\n\
         # TYPE retry_delay_seconds histogram\n"
    ));
    assert_eq!(
        samples(&text, "retry_delay_seconds"),
        [
            r#"retry_delay_seconds_bucket{name="fast",le="0.01"} 1"#,
            r#"retry_delay_seconds_bucket{name="fast",le="0.05"} 3"#,
            r#"retry_delay_seconds_bucket{name="fast",le="0.1"} 4"#,
            r#"retry_delay_seconds_bucket{name="fast",le="0.5"} 4"#,
            r#"retry_delay_seconds_bucket{name="fast",le="1"} 4"#,
            r#"retry_delay_seconds_bucket{name="fast",le="5"} 4"#,
            r#"retry_delay_seconds_bucket{name="fast",le="10"} 4"#,
            r#"retry_delay_seconds_bucket{name="fast",le="30"} 4"#,
            r#"retry_delay_seconds_bucket{name="fast",le="60"} 4"#,
            r#"retry_delay_seconds_bucket{name="fast",le="+Inf"} 4"#,
            r#"retry_delay_seconds_sum{name="fast"} 0.15"#,
            r#"retry_delay_seconds_count{name="fast"} 4"#,
            r#"retry_delay_seconds_bucket{name="slow",le="0.01"} 0"#,
            r#"retry_delay_seconds_bucket{name="slow",le="0.05"} 0"#,
            r#"retry_delay_seconds_bucket{name="slow",le="0.1"} 0"#,
            r#"retry_delay_seconds_bucket{name="slow",le="0.5"} 0"#,
            r#"retry_delay_seconds_bucket{name="slow",le="1"} 0"#,
            r#"retry_delay_seconds_bucket{name="slow",le="5"} 0"#,
            r#"retry_delay_seconds_bucket{name="slow",le="10"} 0"#,
            r#"retry_delay_seconds_bucket{name="slow",le="30"} 0"#,
            r#"retry_delay_seconds_bucket{name="slow",le="60"} 0"#,
            r#"retry_delay_seconds_bucket{name="slow",le="+Inf"} 1"#,
            r#"retry_delay_seconds_sum{name="slow"} 61.0"#,
            r#"retry_delay_seconds_count{name="slow"} 1"#,
        ]
    );
}

/// Classes errors by their code; codes past the last class count in it.
struct ByCode;

impl RetryPolicy<(), usize> for ByCode {
    fn should_retry(&self, result: &Result<(), usize>) -> bool {
        result.is_err()
    }

    fn error_class(&self, code: &usize) -> usize {
        *code
    }
}

#[test]
fn retry_counters_after_known_calls() {
    let clock = clock();
    let notify = retry(clock, RetryConfig::new("notify").max_attempts(3));
    let exporter = Exporter::new().retry(notify).unwrap();

    notify.call_if(&ByCode, clock, || Ok(())).unwrap();
    let mut codes = [2, 2, 9].into_iter();
    let _ = notify.call_if(&ByCode, clock, || Err(codes.next().unwrap_or(0)));
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        notify.call_if(&ByCode, clock, || -> Result<(), usize> {
            panic!("the operation panics")
        })
    }));
    assert!(panicked.is_err());

    let text = exporter.encode();
    assert_eq!(
        samples(&text, "retry_attempts_total"),
        [r#"retry_attempts_total{name="notify"} 5"#]
    );
    assert_eq!(
        samples(&text, "retry_success_total"),
        [r#"retry_success_total{name="notify"} 1"#]
    );
    assert_eq!(
        samples(&text, "retry_calls_total"),
        [
            r#"retry_calls_total{name="notify",result="success"} 1"#,
            r#"retry_calls_total{name="notify",result="failure"} 1"#,
            r#"retry_calls_total{name="notify",result="abandoned"} 1"#,
        ]
    );
    assert_eq!(
        samples(&text, "retry_retries_total"),
        [r#"retry_retries_total{name="notify"} 2"#]
    );
    assert_eq!(
        samples(&text, "retry_errors_total"),
        [
            r#"retry_errors_total{name="notify",class="0"} 0"#,
            r#"retry_errors_total{name="notify",class="1"} 0"#,
            r#"retry_errors_total{name="notify",class="2"} 2"#,
            r#"retry_errors_total{name="notify",class="3"} 0"#,
            r#"retry_errors_total{name="notify",class="4"} 0"#,
            r#"retry_errors_total{name="notify",class="5"} 0"#,
            r#"retry_errors_total{name="notify",class="6"} 0"#,
            r#"retry_errors_total{name="notify",class="7"} 1"#,
        ]
    );
}

#[test]
fn config_info_is_written_once_set() {
    let exporter = Exporter::new();
    assert!(!exporter.encode().contains("totem_config"));
    exporter.set_config_info(4, r#"a"b\c"#);
    assert_eq!(
        exporter.encode(),
        "# HELP totem_config_info The configuration in force: its version and content hash (always 1).\n\
         # TYPE totem_config_info gauge\n\
         totem_config_info{version=\"4\",hash=\"a\\\"b\\\\c\"} 1\n"
    );
    let open = exporter.encode_openmetrics();
    assert!(open.contains("# TYPE totem_config info\n"));
    assert!(open.contains("totem_config_info{version=\"4\",hash=\"a\\\"b\\\\c\"} 1\n"));
}

#[test]
fn every_family_has_one_descriptor_and_a_fixed_series_count() {
    let clock = clock();
    let exporter = Exporter::new();
    for name in ["a", "b"] {
        exporter
            .add_breaker(breaker(clock, BreakerConfig::new(name)))
            .unwrap();
        exporter
            .add_retry(retry(clock, RetryConfig::new(name)))
            .unwrap();
    }
    let text = exporter.encode();
    let mut types: Vec<&str> = text.lines().filter(|l| l.starts_with("# TYPE ")).collect();
    let families = types.len();
    types.sort_unstable();
    types.dedup();
    assert_eq!(types.len(), families, "a family was described twice");
    // Without calls, no success rate: 28 series per breaker, 27 per retry.
    for name in ["a", "b"] {
        let label = format!("name=\"{name}\"");
        let breaker_series = text
            .lines()
            .filter(|l| l.starts_with("circuit_breaker_") && l.contains(&label))
            .count();
        let retry_series = text
            .lines()
            .filter(|l| l.starts_with("retry_") && l.contains(&label))
            .count();
        assert_eq!((breaker_series, retry_series), (28, 27), "{name}");
    }
}

#[test]
fn names_are_unique_per_kind() {
    let clock = clock();
    let exporter = Exporter::new()
        .breaker(breaker(clock, BreakerConfig::new("db")))
        .unwrap()
        .retry(retry(clock, RetryConfig::new("db")))
        .unwrap();
    assert_eq!(
        exporter.add_breaker(breaker(clock, BreakerConfig::new("db"))),
        Err(ExportError::DuplicateBreaker { name: "db" })
    );
    assert_eq!(
        exporter.add_retry(retry(clock, RetryConfig::new("db"))),
        Err(ExportError::DuplicateRetry { name: "db" })
    );
    assert_eq!(
        samples(&exporter.encode(), "circuit_breaker_state{").len(),
        5
    );
}

#[test]
fn label_values_are_escaped() {
    let clock = clock();
    let exporter = Exporter::new()
        .breaker(breaker(clock, BreakerConfig::new("we\"ird\\name")))
        .unwrap();
    assert!(exporter
        .encode()
        .contains(r#"circuit_breaker_abandoned_total{name="we\"ird\\name"} 0"#));
}

#[test]
fn openmetrics_has_units_info_types_and_eof() {
    let clock = clock();
    let exporter = Exporter::new()
        .breaker(breaker(clock, BreakerConfig::new("db")))
        .unwrap()
        .retry(retry(clock, RetryConfig::new("db")))
        .unwrap()
        .config_info(1, "h");
    let open = exporter.encode_openmetrics();
    assert!(open.ends_with("\n# EOF\n"));
    for line in [
        "# TYPE circuit_breaker_failures counter\n",
        "# UNIT circuit_breaker_time_in_state_seconds seconds\n",
        "# TYPE retry_delay_seconds histogram\n",
        "# UNIT retry_delay_seconds seconds\n",
        "retry_delay_seconds_bucket{le=\"+Inf\",name=\"db\"} 0\n",
        "# TYPE totem_config info\n",
    ] {
        assert!(open.contains(line), "missing {line:?}");
    }
    assert!(!exporter.encode().contains("# EOF"));
}

#[test]
fn an_empty_exporter_writes_no_family() {
    let exporter = Exporter::new();
    assert_eq!(exporter.encode(), "");
    assert_eq!(exporter.encode_openmetrics(), "# EOF\n");
}

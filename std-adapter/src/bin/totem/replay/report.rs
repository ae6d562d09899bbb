//! What a replay reports, as text for a person (one column per
//! configuration) or as JSON for a script.

use std::fmt::Write as _;

use serde_json::{json, Value};
use totem_core::{BreakerConfig, RetryConfig, State};

use super::analysis::{state_strip, Analysis, Flapping};
use super::log::{Answer, Call};
use super::simulate::{Ending, Order, Run};

/// The log as read.
#[derive(Debug)]
pub struct LogSummary<'a> {
    /// Where it was read from.
    pub path: String,
    /// Its calls, sorted, times counted from the first.
    pub calls: &'a [Call],
    /// Lines skipped as malformed.
    pub skipped: usize,
}

impl LogSummary<'_> {
    fn failures(&self) -> usize {
        self.calls
            .iter()
            .filter(|c| c.answer == Answer::Failure)
            .count()
    }
}

/// One configuration's replay.
#[derive(Debug)]
pub struct Replayed {
    /// The configuration file, as named on the command line.
    pub config: String,
    /// The breaker replayed, if any.
    pub breaker: Option<BreakerConfig>,
    /// The retry replayed, if any.
    pub retry: Option<RetryConfig>,
    /// How they were combined (when there were both).
    pub order: Option<Order>,
    /// What happened.
    pub run: Run,
    /// What it means.
    pub analysis: Analysis,
}

impl Replayed {
    fn count(&self, ending: Ending) -> usize {
        self.run.endings.iter().filter(|e| **e == ending).count()
    }

    fn time_in(&self, state: State) -> u64 {
        self.run.breaker.map_or(0, |b| b.time_in(state))
    }
}

/// The definitions the numbers follow, printed with them.
pub fn definitions(flapping: Flapping) -> [String; 4] {
    [
        "trip: a CLOSED -> OPEN transition; reopen: HALF_OPEN -> OPEN (a probe failed or timed out)".into(),
        "false trip: a trip whose first half-open episode closes the breaker (its probes succeeded at once)".into(),
        format!(
            "flapping: {} or more trips within {}; each run of such trips counts as one episode",
            flapping.trips,
            duration(flapping.window_ms)
        ),
        "rejected: logged calls whose caller got a breaker rejection; attempts rejected counts every refused attempt".into(),
    ]
}

/// A span of milliseconds for a person: `850ms`, `12s`, `1m 30.5s`,
/// `2h 0m 5s`, `10m`, `3d 4h`.
pub fn duration(ms: u64) -> String {
    if ms < 1_000 {
        return format!("{ms}ms");
    }
    let mut parts: Vec<String> = Vec::new();
    for (n, unit) in [
        (ms / 86_400_000, "d"),
        (ms / 3_600_000 % 24, "h"),
        (ms / 60_000 % 60, "m"),
    ] {
        if n > 0 || !parts.is_empty() {
            parts.push(format!("{n}{unit}"));
        }
    }
    let (s, frac) = (ms / 1_000 % 60, ms % 1_000);
    if frac != 0 {
        parts.push(format!(
            "{s}.{}s",
            format!("{frac:03}").trim_end_matches('0')
        ));
    } else if s != 0 || parts.is_empty() {
        parts.push(format!("{s}s"));
    }
    // "1h", not "1h 0m".
    while parts.len() > 1
        && parts
            .last()
            .is_some_and(|p| p.trim_end_matches(char::is_alphabetic) == "0")
    {
        parts.pop();
    }
    parts.join(" ")
}

/// A time since the start of the log: `HH:MM:SS.mmm`.
pub fn clock(ms: u64) -> String {
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1_000 % 60,
        ms % 1_000
    )
}

fn share(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "-".into();
    }
    format!("{:.1} %", part as f64 * 100.0 / whole as f64)
}

fn describe_breaker(b: &Option<BreakerConfig>) -> String {
    b.map_or("none".into(), |b| {
        format!(
            "{} ({} failures, open {})",
            b.name,
            b.failure_threshold,
            duration(b.reset_timeout.as_ticks().into())
        )
    })
}

fn describe_retry(r: &Option<RetryConfig>) -> String {
    r.map_or("none".into(), |r| {
        format!(
            "{} ({} attempts, first delay {})",
            r.name,
            r.max_attempts,
            duration(r.initial_delay.as_ticks().into())
        )
    })
}

/// A row of the text report: its label and how to read a replay's cell.
type Row = (&'static str, fn(&Replayed) -> String);

/// The text report.
pub fn text(log: &LogSummary<'_>, runs: &[Replayed], flapping: Flapping, columns: usize) -> String {
    let span = runs.iter().map(|r| r.run.end_ms).max().unwrap_or(0);
    let mut out = String::new();
    let failures = log.failures();
    let _ = write!(
        out,
        "replay of {}: {} calls over {}, {} failures ({})",
        log.path,
        log.calls.len(),
        duration(log.calls.last().map_or(0, |c| c.at_ms)),
        failures,
        share(failures as u64, log.calls.len() as u64),
    );
    if log.skipped > 0 {
        let _ = write!(out, ", {} malformed lines skipped", log.skipped);
    }
    out.push_str("\n\n");

    let rows: Vec<Row> = vec![
        ("configuration", |r| r.config.clone()),
        ("breaker", |r| describe_breaker(&r.breaker)),
        ("retry", |r| describe_retry(&r.retry)),
        ("order", |r| r.order.map_or("-", Order::as_str).into()),
        ("calls succeeded", |r| {
            r.count(Ending::Succeeded).to_string()
        }),
        ("calls failed", |r| r.count(Ending::Failed).to_string()),
        ("calls ignored", |r| r.count(Ending::Ignored).to_string()),
        ("calls rejected", |r| r.count(Ending::Rejected).to_string()),
        ("trips", |r| if_breaker(r, r.analysis.trips())),
        ("reopens", |r| if_breaker(r, r.analysis.reopens)),
        ("false trips", |r| if_breaker(r, r.analysis.false_trips())),
        ("flapping episodes", |r| {
            if_breaker(r, r.analysis.flapping_episodes)
        }),
        ("time open", |r| in_state(r, State::Open)),
        ("time half-open", |r| in_state(r, State::HalfOpen)),
        ("attempts rejected", |r| {
            if_breaker(r, r.run.rejections.len())
        }),
        ("attempts served", |r| r.run.service_attempts.to_string()),
        ("retries", |r| {
            r.run
                .retry
                .map_or("-".into(), |s| s.retries_total.to_string())
        }),
        ("mean retry delay", |r| {
            r.run
                .retry
                .and_then(|s| s.mean_delay_ms())
                .map_or("-".into(), duration)
        }),
    ];
    let label_width = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|(_, f)| runs.iter().map(f).collect())
        .collect();
    let width = cells
        .iter()
        .flatten()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(0);
    for ((label, _), cells) in rows.iter().zip(&cells) {
        let _ = write!(out, "{label:label_width$}");
        for cell in cells {
            let _ = write!(out, "  {cell:width$}");
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
    }

    let columns = columns.max(1);
    let bucket = match span.div_ceil(columns as u64).max(1) {
        // Whole seconds read better, once a column is longer than one.
        b if b > 1_000 => b.div_ceil(1_000) * 1_000,
        b => b,
    };
    let _ = writeln!(
        out,
        "\ntimeline, one column = {}: failures = logged failure rate in tenths (9: 90 % or more, blank: no call); state: . closed, h half-open, O open",
        duration(bucket)
    );
    let names: Vec<&str> = runs.iter().map(|r| r.config.as_str()).collect();
    let name_width = names.iter().map(|n| n.len()).max().unwrap_or(0).max(8);
    let _ = writeln!(
        out,
        "{:name_width$}  |{}|",
        "failures",
        failure_strip(log.calls, columns, bucket)
    );
    for (r, name) in runs.iter().zip(&names) {
        if r.breaker.is_some() {
            let strip = state_strip(&r.analysis.spans, columns, bucket);
            let _ = writeln!(out, "{name:name_width$}  |{strip}|");
        }
    }
    let _ = writeln!(
        out,
        "{:name_width$}   0{:>w$}",
        "",
        duration(span),
        w = columns
    );

    for r in runs.iter().filter(|r| r.breaker.is_some()) {
        let _ = writeln!(out, "\ntrips of {}:", r.config);
        if r.analysis.episodes.is_empty() {
            out.push_str("  none\n");
        }
        for e in &r.analysis.episodes {
            let _ = write!(out, "  {}  tripped ({})", clock(e.tripped_at), e.cause);
            match e.closed_at {
                Some(at) => {
                    let _ = write!(
                        out,
                        ", closed {} after {}",
                        clock(at),
                        duration(at - e.tripped_at)
                    );
                }
                None => out.push_str(", not closed by the end"),
            }
            let _ = write!(
                out,
                "; {} reopens, {} attempts rejected",
                e.reopens, e.rejected
            );
            if e.false_trip {
                out.push_str("  [false trip]");
            }
            if e.flapping {
                out.push_str("  [flapping]");
            }
            out.push('\n');
        }
    }
    out.push_str("\ndefinitions:\n");
    for d in definitions(flapping) {
        let _ = writeln!(out, "  {d}");
    }
    out
}

/// A breaker's number, or `-` when no breaker was replayed.
fn if_breaker(r: &Replayed, n: usize) -> String {
    match r.breaker {
        Some(_) => n.to_string(),
        None => "-".into(),
    }
}

fn in_state(r: &Replayed, state: State) -> String {
    if r.breaker.is_none() {
        return "-".into();
    }
    let ms = r.time_in(state);
    format!("{} ({})", duration(ms), share(ms, r.run.end_ms))
}

/// One character per column: the logged failure rate in tenths.
pub fn failure_strip(calls: &[Call], columns: usize, bucket_ms: u64) -> String {
    let mut counts = vec![(0u64, 0u64); columns];
    for c in calls {
        let column = ((c.at_ms / bucket_ms) as usize).min(columns - 1);
        counts[column].0 += 1;
        counts[column].1 += u64::from(c.answer == Answer::Failure);
    }
    counts
        .iter()
        .map(|&(calls, failed)| match calls {
            0 => ' ',
            _ => char::from(b'0' + (failed * 10 / calls).min(9) as u8),
        })
        .collect()
}

/// The JSON report.
pub fn json(log: &LogSummary<'_>, runs: &[Replayed], flapping: Flapping) -> Value {
    json!({
        "log": {
            "path": log.path,
            "calls": log.calls.len(),
            "failures": log.failures(),
            "skipped_lines": log.skipped,
            "span_ms": log.calls.last().map_or(0, |c| c.at_ms),
        },
        "definitions": definitions(flapping),
        "flapping": { "trips": flapping.trips, "window_ms": flapping.window_ms },
        "replays": runs.iter().map(|r| json!({
            "config": r.config,
            "breaker": r.breaker.map(|b| b.name),
            "retry": r.retry.map(|r| r.name),
            "order": r.order.map(Order::as_str),
            "end_ms": r.run.end_ms,
            "calls": {
                "succeeded": r.count(Ending::Succeeded),
                "failed": r.count(Ending::Failed),
                "ignored": r.count(Ending::Ignored),
                "rejected": r.count(Ending::Rejected),
            },
            "trips": r.breaker.map(|_| r.analysis.trips()),
            "reopens": r.breaker.map(|_| r.analysis.reopens),
            "false_trips": r.breaker.map(|_| r.analysis.false_trips()),
            "flapping_episodes": r.breaker.map(|_| r.analysis.flapping_episodes),
            "time_in_state_ms": State::ALL.iter().map(|s| (s.as_str().to_owned(), json!(r.time_in(*s)))).collect::<serde_json::Map<_, _>>(),
            "attempts_rejected": r.run.rejections.len(),
            "attempts_served": r.run.service_attempts,
            "retries": r.run.retry.map(|s| s.retries_total),
            "retry_delay_ms": r.run.retry.map(|s| s.delay_ms_total),
            "episodes": r.analysis.episodes.iter().map(|e| json!({
                "tripped_at_ms": e.tripped_at,
                "cause": e.cause,
                "closed_at_ms": e.closed_at,
                "reopens": e.reopens,
                "attempts_rejected": e.rejected,
                "false_trip": e.false_trip,
                "flapping": e.flapping,
            })).collect::<Vec<_>>(),
            "transitions": r.run.transitions.iter().map(|(at, t)| json!({
                "at_ms": at,
                "from": t.from.as_str(),
                "to": t.to.as_str(),
                "cause": t.cause.as_str(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_a_person_writes_them() {
        assert_eq!(duration(850), "850ms");
        assert_eq!(duration(12_000), "12s");
        assert_eq!(duration(90_500), "1m 30.5s");
        assert_eq!(duration(7_205_000), "2h 0m 5s");
        assert_eq!(duration(600_000), "10m");
        assert_eq!(duration(5_400_000), "1h 30m");
        assert_eq!(duration(3_600_000), "1h");
        assert_eq!(duration(365 * 86_400_000), "365d");
        assert_eq!(duration(90_061_000), "1d 1h 1m 1s");
        assert_eq!(duration(86_400_500), "1d 0h 0m 0.5s");
        assert_eq!(clock(3_723_004), "01:02:03.004");
    }

    #[test]
    fn the_failure_strip_counts_tenths_per_column() {
        let call = |at_ms, answer| Call {
            at_ms,
            answer,
            latency_ms: 0,
            error_class: String::new(),
        };
        let calls = [
            call(0, Answer::Success),
            call(150, Answer::Failure),
            call(160, Answer::Success),
            call(170, Answer::Success),
            call(350, Answer::Failure),
            // Past the last column: counted in it.
            call(999, Answer::Failure),
        ];
        assert_eq!(failure_strip(&calls, 4, 100), "03 9");
    }
}

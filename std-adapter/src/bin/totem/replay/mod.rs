//! `totem replay`: a log of calls through the configured breaker and retry
//! on a simulated clock, and what they would have done.
//!
//! Seams: `log` reads the calls, `simulate` runs them through the core,
//! `analysis` reads the transitions, `report` and `svg` show them.

mod analysis;
mod log;
mod report;
mod simulate;
mod svg;

use std::path::{Path, PathBuf};

use totem_core::ManualClock;
use totem_std::{ConfigFile, Registry};

use self::analysis::{analyse, Flapping};
use self::log::{InputFormat, OnBadLine};
use self::report::{LogSummary, Replayed};
use self::simulate::{replay, Order, Recorder, Subject, MAX_SPAN_MS};
use crate::error::CliError;

/// Replays a log of calls through a configuration's breaker and retry.
///
/// Runs a log of real calls through the breaker and retry of a
/// configuration file on a simulated clock, and reports what they would
/// have done: trips, time open, calls rejected, false trips, flapping, and
/// a compact timeline (the report defines its terms under it). Tune
/// thresholds on real traffic, then --compare the new file with the old.
///
/// THE LOG has one call per line, as CSV with a header naming the columns
/// `timestamp_ms,outcome,latency_ms,error_class` or as JSON lines with the
/// same fields ({"timestamp_ms": 1500, "outcome": "failure", "latency_ms":
/// 30, "error_class": "timeout"}). timestamp_ms: whole milliseconds on any
/// scale (since the log's start, or Unix time); the replay starts at the
/// first call, and lines out of order are sorted. outcome: "success",
/// "failure" or "ignored" (neutral to the breaker, not retried).
/// latency_ms: how long the service took (optional, default 0).
/// error_class: free text (optional). Other CSV columns and JSON fields are
/// ignored; blank lines and lines starting with # are skipped.
///
/// THE SIMULATION drives the real breaker and retry of the file, built as
/// `Registry` builds them, on a manual clock. Each logged call starts at its
/// time (calls overlap as logged), holds the breaker for its latency, and
/// gets its logged outcome. A retried attempt sees the outcome (and
/// latency) of the first logged call at or after its own time, or of the
/// last call past the end of the log. Jitter is seeded with --seed, so a
/// replay is repeatable. Daily resets are not replayed.
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The log of calls (CSV or JSON lines; `--help` describes them).
    pub log: PathBuf,
    /// The configuration file (TOML, as `totem_std::ConfigFile` reads it).
    pub config: PathBuf,
    /// A second configuration, replayed on the same log and reported in a
    /// second column.
    #[arg(long, value_name = "OTHER.toml")]
    pub compare: Option<PathBuf>,
    /// The breaker to replay (the same name in both files with --compare).
    /// Default: the file's only breaker (none if it has none).
    #[arg(long, value_name = "NAME", conflicts_with = "no_breaker")]
    pub breaker: Option<String>,
    /// The retry to replay (the same name in both files with --compare).
    /// Default: the file's only retry (none if it has none).
    #[arg(long, value_name = "NAME", conflicts_with = "no_retry")]
    pub retry: Option<String>,
    /// Replay without a breaker, even if the file has one.
    #[arg(long)]
    pub no_breaker: bool,
    /// Replay without a retry, even if the file has one.
    #[arg(long)]
    pub no_retry: bool,
    /// How the breaker and the retry are combined, when there are both.
    #[arg(long, value_enum, default_value = "breaker-retry")]
    pub order: Order,
    /// How the log is written.
    #[arg(long, value_enum, default_value = "auto")]
    pub input_format: InputFormat,
    /// A malformed line: `fail` stops with its line number; `skip` reports it
    /// on standard error and replays the rest.
    #[arg(long, value_enum, default_value = "fail")]
    pub on_bad_line: OnBadLine,
    /// Writes the timeline (state, failure rate, rejections) as SVG.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// The report's format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Flapping: this many trips or more within --flap-window.
    #[arg(long, value_name = "N", default_value = "3", value_parser = clap::value_parser!(u32).range(2..))]
    pub flap_trips: u32,
    /// Flapping: the window the trips fall in ("90s", "10m", "1h", "500ms").
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_duration)]
    pub flap_window: u64,
    /// Seeds the retry's jitter.
    #[arg(long, default_value = "0")]
    pub seed: u64,
    /// Columns of the text timeline.
    #[arg(long, default_value = "60", value_parser = clap::value_parser!(u32).range(10..=1000))]
    pub width: u32,
}

/// The report's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// For a person: a column per configuration, a timeline, the trips.
    Text,
    /// One JSON document, for scripts.
    Json,
}

/// A duration as the configuration file writes them, in milliseconds.
fn parse_duration(text: &str) -> Result<u64, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| {
        format!("{text:?} is not a duration such as \"500ms\", \"90s\", \"10m\", \"1h\"")
    })?;
    let scale = match unit {
        "ms" => 1,
        "s" | "" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => return Err(format!("{text:?}: the unit is ms, s, m or h")),
    };
    match number.checked_mul(scale) {
        Some(ms) if ms > 0 => Ok(ms),
        Some(_) => Err("the window must be longer than zero".into()),
        None => Err(format!("{text:?} is too long")),
    }
}

/// Runs `totem replay`, printing the report on standard output.
pub fn run(args: &Args) -> Result<(), CliError> {
    let text = std::fs::read_to_string(&args.log).map_err(|e| CliError::read(&args.log, e))?;
    let mut log = log::parse(&text, args.input_format, args.on_bad_line)
        .map_err(|bad| CliError::log(&args.log, bad.line, bad.reason))?;
    for bad in &log.skipped {
        eprintln!(
            "{}:{}: {} (skipped)",
            args.log.display(),
            bad.line,
            bad.reason
        );
    }
    let (Some(first), Some(last)) = (log.calls.first(), log.calls.last()) else {
        return Err(CliError::EmptyLog(args.log.clone()));
    };
    let start = first.at_ms;
    if last.at_ms - start > MAX_SPAN_MS {
        return Err(CliError::LogTooLong {
            path: args.log.clone(),
            span_ms: last.at_ms - start,
            max_ms: MAX_SPAN_MS,
        });
    }
    for call in &mut log.calls {
        call.at_ms -= start;
    }
    let flapping = Flapping {
        trips: args.flap_trips as usize,
        window_ms: args.flap_window,
    };
    let mut runs = vec![replay_one(&args.config, args, &log.calls, flapping)?];
    if let Some(other) = &args.compare {
        runs.push(replay_one(other, args, &log.calls, flapping)?);
    }
    let summary = LogSummary {
        path: args.log.display().to_string(),
        calls: &log.calls,
        skipped: log.skipped.len(),
    };
    if let Some(path) = &args.svg {
        let svg = svg::draw(&log.calls, &runs).map_err(CliError::Svg)?;
        std::fs::write(path, svg).map_err(|e| CliError::write(path, e))?;
    }
    match args.format {
        ReportFormat::Text => print!(
            "{}",
            report::text(&summary, &runs, flapping, args.width as usize)
        ),
        ReportFormat::Json => println!("{:#}", report::json(&summary, &runs, flapping)),
    }
    Ok(())
}

/// Which instance of a kind to replay: the one named, or the only one.
fn choose(
    config: &Path,
    kind: &'static str,
    flag: &'static str,
    named: Option<&str>,
    skip: bool,
    names: Vec<&str>,
) -> Result<Option<String>, CliError> {
    if skip {
        return Ok(None);
    }
    match (named, names.as_slice()) {
        (Some(name), _) if names.contains(&name) => Ok(Some(name.to_owned())),
        (Some(name), _) => Err(CliError::NoInstance {
            config: config.to_owned(),
            kind,
            name: name.to_owned(),
            names: names.iter().map(|n| n.to_string()).collect(),
        }),
        (None, []) => Ok(None),
        (None, [only]) => Ok(Some(only.to_string())),
        (None, several) => Err(CliError::ChooseInstance {
            config: config.to_owned(),
            kind,
            flag,
            names: several.iter().map(|n| n.to_string()).collect(),
        }),
    }
}

fn replay_one(
    config: &Path,
    args: &Args,
    calls: &[log::Call],
    flapping: Flapping,
) -> Result<Replayed, CliError> {
    let file = ConfigFile::from_file(config)?;
    let breaker = choose(
        config,
        "breaker",
        "--breaker",
        args.breaker.as_deref(),
        args.no_breaker,
        file.breaker_names().collect(),
    )?;
    let retry = choose(
        config,
        "retry",
        "--retry",
        args.retry.as_deref(),
        args.no_retry,
        file.retry_names().collect(),
    )?;
    if breaker.is_none() && retry.is_none() {
        return Err(CliError::NothingToReplay(config.to_owned()));
    }
    // Leaked like the registry's instances: a handful per run of a
    // short-lived tool.
    let clock: &'static ManualClock = Box::leak(Box::new(ManualClock::new()));
    let recorder = Recorder::new(breaker.as_deref());
    let registry = Registry::build(file, clock, recorder.clone())?;
    let breaker = breaker.and_then(|name| registry.breaker(&name));
    let retry = retry.and_then(|name| registry.retry(&name));
    if let Some(r) = retry {
        r.reseed(args.seed);
    }
    let subject = Subject {
        clock,
        breaker,
        retry,
        recorder,
        order: args.order,
    };
    let run = replay(calls, &subject);
    let analysis = analyse(&run, flapping);
    Ok(Replayed {
        config: config.display().to_string(),
        breaker: breaker.map(|b| *b.config()),
        retry: retry.map(|r| *r.config()),
        order: (breaker.is_some() && retry.is_some()).then_some(args.order),
        run,
        analysis,
    })
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations_take_the_config_files_units() {
        assert_eq!(parse_duration("500ms"), Ok(500));
        assert_eq!(parse_duration("90s"), Ok(90_000));
        assert_eq!(parse_duration("10m"), Ok(600_000));
        assert_eq!(parse_duration("1h"), Ok(3_600_000));
        assert_eq!(parse_duration("30"), Ok(30_000));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("1.5s").is_err());
        assert!(parse_duration("5d").is_err());
        assert!(parse_duration("").is_err());
    }
}

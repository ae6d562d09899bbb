//! The log a replay reads: one logged call per line, as CSV with a header
//! or as JSON lines, each malformed line reported with its number.

use std::fmt;

use serde::Deserialize;

/// What a logged call's service answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// A success: the breaker counts it, the retry stops.
    Success,
    /// A failure: the breaker counts it, the retry tries again.
    Failure,
    /// Neither (a 404, say): neutral to the breaker, not retried.
    Ignored,
}

impl Answer {
    fn parse(text: &str) -> Result<Self, String> {
        match text {
            "success" => Ok(Self::Success),
            "failure" => Ok(Self::Failure),
            "ignored" => Ok(Self::Ignored),
            other => Err(format!(
                "outcome {other:?} is not one of \"success\", \"failure\", \"ignored\""
            )),
        }
    }
}

/// One logged call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// Milliseconds since the start of the log.
    pub at_ms: u64,
    /// What the service answered.
    pub answer: Answer,
    /// How long the service took to answer, in milliseconds.
    pub latency_ms: u64,
    /// The error's class as logged (empty when none was logged).
    pub error_class: String,
}

/// How the log is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// JSON lines if the first line that is not blank starts with `{`,
    /// CSV otherwise.
    Auto,
    /// CSV with a header line.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// What to do with a line that is not a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnBadLine {
    /// Stop with an error naming the line.
    Fail,
    /// Report it on standard error and go on without it.
    Skip,
}

/// A line that is not a call: its number (from 1) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// The line number, from 1.
    pub line: usize,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for BadLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// A parsed log: the calls in time order (lines with equal timestamps keep
/// their order), and the lines skipped.
#[derive(Debug, Default)]
pub struct Log {
    /// The calls, sorted by time.
    pub calls: Vec<Call>,
    /// Lines skipped under [`OnBadLine::Skip`].
    pub skipped: Vec<BadLine>,
}

/// The columns of the CSV form, in the order the header names them.
const CSV_COLUMNS: &str = "timestamp_ms,outcome,latency_ms,error_class";

/// Parses `text`. A bad line is an error under [`OnBadLine::Fail`]; a bad
/// header (the CSV form) always is, since no line after it can be read.
pub fn parse(text: &str, format: InputFormat, on_bad: OnBadLine) -> Result<Log, BadLine> {
    // A spreadsheet's CSV export may start with a byte order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .peekable();
    let format = match format {
        InputFormat::Auto => match lines.peek() {
            Some((_, l)) if l.starts_with('{') => InputFormat::Jsonl,
            _ => InputFormat::Csv,
        },
        known => known,
    };
    let mut log = Log::default();
    let columns = match format {
        InputFormat::Csv => Some(match lines.next() {
            Some((n, header)) => {
                Columns::of(header).map_err(|reason| BadLine { line: n, reason })?
            }
            None => Columns::default(),
        }),
        _ => None,
    };
    for (n, line) in lines {
        let call = match &columns {
            Some(columns) => columns.call(line),
            None => json_call(line),
        };
        match call {
            Ok(call) => log.calls.push(call),
            Err(reason) => {
                let bad = BadLine { line: n, reason };
                match on_bad {
                    OnBadLine::Fail => return Err(bad),
                    OnBadLine::Skip => log.skipped.push(bad),
                }
            }
        }
    }
    // Stable: calls logged at the same millisecond keep the log's order.
    log.calls.sort_by_key(|c| c.at_ms);
    Ok(log)
}

/// Where each field is in a CSV row.
#[derive(Debug, Default)]
struct Columns {
    count: usize,
    timestamp: usize,
    outcome: usize,
    latency: Option<usize>,
    error_class: Option<usize>,
}

impl Columns {
    /// Reads the header: `timestamp_ms` and `outcome` are required,
    /// `latency_ms` and `error_class` optional, other columns ignored.
    fn of(header: &str) -> Result<Self, String> {
        let names: Vec<&str> = header.split(',').map(|c| unquote(c.trim())).collect();
        let find = |name: &str| -> Result<Option<usize>, String> {
            let mut at = names.iter().enumerate().filter(|(_, n)| **n == name);
            match (at.next(), at.next()) {
                (Some((i, _)), None) => Ok(Some(i)),
                (None, _) => Ok(None),
                (Some(_), Some(_)) => Err(format!("the header names column {name} twice")),
            }
        };
        let required = |name: &str| -> Result<usize, String> {
            find(name)?.ok_or_else(|| {
                format!("the header has no column {name} (expected a header such as {CSV_COLUMNS})")
            })
        };
        Ok(Self {
            count: names.len(),
            timestamp: required("timestamp_ms")?,
            outcome: required("outcome")?,
            latency: find("latency_ms")?,
            error_class: find("error_class")?,
        })
    }

    fn call(&self, row: &str) -> Result<Call, String> {
        let fields: Vec<&str> = row.split(',').map(|f| unquote(f.trim())).collect();
        if fields.len() != self.count {
            return Err(format!(
                "{} fields where the header has {} (quoted commas are not supported)",
                fields.len(),
                self.count
            ));
        }
        let latency_ms = match self.latency.map(|i| fields[i]) {
            None | Some("") => 0,
            Some(text) => latency(millis("latency_ms", text)?)?,
        };
        Ok(Call {
            at_ms: millis("timestamp_ms", fields[self.timestamp])?,
            answer: Answer::parse(fields[self.outcome])?,
            latency_ms,
            error_class: self
                .error_class
                .map_or(String::new(), |i| fields[i].to_owned()),
        })
    }
}

fn unquote(field: &str) -> &str {
    field
        .strip_prefix('"')
        .and_then(|f| f.strip_suffix('"'))
        .unwrap_or(field)
}

fn millis(field: &str, text: &str) -> Result<u64, String> {
    text.parse().map_err(|_| {
        format!(
            "{field} {text:?} is not a whole number of milliseconds (0 to {})",
            u64::MAX
        )
    })
}

/// The longest latency a call may have: a day (a call that hung longer
/// says more about the log than about the service).
pub const MAX_LATENCY_MS: u64 = 24 * 60 * 60 * 1000;

fn latency(ms: u64) -> Result<u64, String> {
    if ms > MAX_LATENCY_MS {
        return Err(format!(
            "latency_ms {ms} is longer than a day ({MAX_LATENCY_MS} ms)"
        ));
    }
    Ok(ms)
}

/// One JSON line. Other fields are ignored, so a richer log reads as is.
#[derive(Deserialize)]
struct JsonCall {
    timestamp_ms: u64,
    outcome: String,
    #[serde(default)]
    latency_ms: Option<u64>,
    #[serde(default)]
    error_class: Option<JsonClass>,
}

/// An error class logged as a name or as a number.
#[derive(Deserialize)]
#[serde(untagged)]
enum JsonClass {
    Name(String),
    Number(u64),
}

fn json_call(line: &str) -> Result<Call, String> {
    let call: JsonCall = serde_json::from_str(line).map_err(|e| {
        // serde_json's message ends with its own "at line 1 column N":
        // only the column means something here.
        let message = e.to_string();
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m)
            .to_owned();
        format!("{message} (column {})", e.column())
    })?;
    Ok(Call {
        at_ms: call.timestamp_ms,
        answer: Answer::parse(&call.outcome)?,
        latency_ms: latency(call.latency_ms.unwrap_or(0))?,
        error_class: match call.error_class {
            None => String::new(),
            Some(JsonClass::Name(n)) => n,
            Some(JsonClass::Number(n)) => n.to_string(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "timestamp_ms,outcome,latency_ms,error_class\n\
                       200,failure,30,timeout\n\
                       100,success,12,\n\
                       \n\
                       # a comment\n\
                       200,ignored,,\n";

    #[test]
    fn csv_calls_are_read_and_sorted_stably() {
        let log = parse(CSV, InputFormat::Auto, OnBadLine::Fail).unwrap();
        let at: Vec<_> = log.calls.iter().map(|c| (c.at_ms, c.answer)).collect();
        assert_eq!(
            at,
            [
                (100, Answer::Success),
                (200, Answer::Failure),
                (200, Answer::Ignored)
            ]
        );
        assert_eq!(log.calls[1].latency_ms, 30);
        assert_eq!(log.calls[1].error_class, "timeout");
        assert_eq!(log.calls[2].latency_ms, 0);
    }

    #[test]
    fn a_spreadsheets_csv_reads_too() {
        let text = "\u{feff}timestamp_ms,outcome\r\n1,failure\r\n";
        let log = parse(text, InputFormat::Auto, OnBadLine::Fail).unwrap();
        assert_eq!(log.calls[0].answer, Answer::Failure);
    }

    #[test]
    fn csv_columns_are_found_by_name() {
        let text = "outcome,host,timestamp_ms\nfailure,a,5\n";
        let log = parse(text, InputFormat::Csv, OnBadLine::Fail).unwrap();
        assert_eq!(log.calls[0].at_ms, 5);
        assert_eq!(log.calls[0].answer, Answer::Failure);
    }

    #[test]
    fn a_header_without_a_timestamp_is_fatal_even_when_skipping() {
        let err = parse(
            "time,outcome\n1,success\n",
            InputFormat::Csv,
            OnBadLine::Skip,
        )
        .unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.reason.contains("no column timestamp_ms"), "{err}");
    }

    #[test]
    fn a_bad_line_fails_with_its_number() {
        let text = "timestamp_ms,outcome\n1,success\n2,sucess\n3,failure\n";
        let err = parse(text, InputFormat::Csv, OnBadLine::Fail).unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.reason.contains("\"sucess\""), "{err}");
    }

    #[test]
    fn bad_lines_are_skipped_and_listed() {
        let text = "timestamp_ms,outcome\n1,success\nx,failure\n3,failure,extra\n4,failure\n";
        let log = parse(text, InputFormat::Csv, OnBadLine::Skip).unwrap();
        assert_eq!(log.calls.len(), 2);
        let lines: Vec<_> = log.skipped.iter().map(|b| b.line).collect();
        assert_eq!(lines, [3, 4]);
        assert!(log.skipped[0].reason.contains("timestamp_ms \"x\""));
        assert!(log.skipped[1]
            .reason
            .contains("3 fields where the header has 2"));
    }

    #[test]
    fn json_lines_take_names_or_numbers_as_classes() {
        let text = "{\"timestamp_ms\": 7, \"outcome\": \"failure\", \"error_class\": 503, \"path\": \"/pay\"}\n\
                    {\"timestamp_ms\": 9, \"outcome\": \"success\", \"latency_ms\": 4}\n";
        let log = parse(text, InputFormat::Auto, OnBadLine::Fail).unwrap();
        assert_eq!(log.calls[0].error_class, "503");
        assert_eq!((log.calls[1].at_ms, log.calls[1].latency_ms), (9, 4));
    }

    #[test]
    fn a_bad_json_line_names_its_line_and_column() {
        let text = "{\"timestamp_ms\": 1, \"outcome\": \"success\"}\n{\"timestamp_ms\": -1, \"outcome\": \"success\"}\n";
        let err = parse(text, InputFormat::Jsonl, OnBadLine::Fail).unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.reason.contains("column"), "{err}");
        assert!(!err.reason.contains("at line 1"), "{err}");
    }

    #[test]
    fn a_latency_longer_than_a_day_is_a_bad_line() {
        let text = "timestamp_ms,outcome,latency_ms\n1,success,86400001\n2,success,86400000\n";
        let log = parse(text, InputFormat::Csv, OnBadLine::Skip).unwrap();
        assert_eq!(log.calls.len(), 1);
        assert_eq!(log.skipped[0].line, 2);
        assert!(log.skipped[0].reason.contains("longer than a day"));
        let json = "{\"timestamp_ms\": 1, \"outcome\": \"success\", \"latency_ms\": 99999999999}";
        assert!(parse(json, InputFormat::Jsonl, OnBadLine::Fail).is_err());
    }

    #[test]
    fn garbage_never_panics() {
        for text in [
            "",
            "\u{0}",
            ",,,",
            "timestamp_ms,outcome\n,,",
            "{",
            "{}\n[]\n\"x\"",
        ] {
            for format in [InputFormat::Auto, InputFormat::Csv, InputFormat::Jsonl] {
                let _ = parse(text, format, OnBadLine::Skip);
                let _ = parse(text, format, OnBadLine::Fail);
            }
        }
    }
}

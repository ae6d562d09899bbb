//! [`CliError`]: why a `totem` command failed, as one line naming the file
//! (and the line, when there is one) and what was wrong.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use totem_std::ConfigFileError;

/// Why a command failed. Every kind exits with status 1 (clap's own usage
/// errors exit with 2).
#[derive(Debug)]
pub enum CliError {
    /// The configuration file was refused: its `Display` names the file,
    /// line and column, instance, field and rule.
    Config(ConfigFileError),
    /// A file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A file could not be written.
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A line of a replay's log is not a call (under `--on-bad-line fail`,
    /// or a bad header).
    Log {
        /// The log.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The log has no call.
    EmptyLog(PathBuf),
    /// The log spans more time than a replay takes at once.
    LogTooLong {
        /// The log.
        path: PathBuf,
        /// From its first call to its last, in milliseconds.
        span_ms: u64,
        /// The longest span replayed.
        max_ms: u64,
    },
    /// `--breaker` or `--retry` names no instance of the file.
    NoInstance {
        /// The configuration file.
        config: PathBuf,
        /// `breaker` or `retry`.
        kind: &'static str,
        /// The name asked for.
        name: String,
        /// The names the file has.
        names: Vec<String>,
    },
    /// The file has several instances of a kind and none was named.
    ChooseInstance {
        /// The configuration file.
        config: PathBuf,
        /// `breaker` or `retry`.
        kind: &'static str,
        /// The flag that names one.
        flag: &'static str,
        /// The names the file has.
        names: Vec<String>,
    },
    /// Neither a breaker nor a retry to replay.
    NothingToReplay(PathBuf),
    /// The SVG could not be drawn (plotters' message).
    Svg(String),
    /// Standard output could not be written (a closed pipe, a full disk).
    Output(io::Error),
}

impl CliError {
    /// A file that could not be read.
    pub fn read(path: &Path, source: io::Error) -> Self {
        Self::Read {
            path: path.to_owned(),
            source,
        }
    }

    /// A file that could not be written.
    pub fn write(path: &Path, source: io::Error) -> Self {
        Self::Write {
            path: path.to_owned(),
            source,
        }
    }

    /// A bad `line` of the log at `path`, and why.
    pub fn log(path: &Path, line: usize, reason: String) -> Self {
        Self::Log {
            path: path.to_owned(),
            line,
            reason,
        }
    }
}

impl From<ConfigFileError> for CliError {
    fn from(e: ConfigFileError) -> Self {
        Self::Config(e)
    }
}

impl From<io::Error> for CliError {
    fn from(e: io::Error) -> Self {
        Self::Output(e)
    }
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        return "none".into();
    }
    names.join(", ")
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Config(e) => e.fmt(f),
            Self::Read { path, source } => write!(f, "{}: cannot read: {source}", path.display()),
            Self::Write { path, source } => write!(f, "{}: cannot write: {source}", path.display()),
            Self::Log { path, line, reason } => write!(f, "{}:{line}: {reason}", path.display()),
            Self::EmptyLog(path) => write!(f, "{}: the log has no call", path.display()),
            Self::LogTooLong {
                path,
                span_ms,
                max_ms,
            } => write!(
                f,
                "{}: the log spans {} days, more than the {} a replay takes at once: split it",
                path.display(),
                span_ms / 86_400_000,
                max_ms / 86_400_000
            ),
            Self::NoInstance {
                config,
                kind,
                name,
                names,
            } => write!(
                f,
                "{}: no {kind} named {name:?} (the file has: {})",
                config.display(),
                list(names)
            ),
            Self::ChooseInstance {
                config,
                kind,
                flag,
                names,
            } => write!(
                f,
                "{}: the file has {} {kind} instances ({}): choose one with {flag} NAME",
                config.display(),
                names.len(),
                list(names)
            ),
            Self::NothingToReplay(config) => write!(
                f,
                "{}: nothing to replay: no breaker and no retry chosen",
                config.display()
            ),
            Self::Svg(message) => write!(f, "cannot draw the SVG: {message}"),
            Self::Output(e) => write!(f, "cannot write the output: {e}"),
        }
    }
}

impl std::error::Error for CliError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Config(e) => Some(e),
            Self::Read { source, .. } | Self::Write { source, .. } | Self::Output(source) => {
                Some(source)
            }
            _ => None,
        }
    }
}

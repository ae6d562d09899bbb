//! [`ConfigFileError`]: why a configuration file was refused, and where.

use std::error::Error;
use std::fmt;
use std::path::{Path, PathBuf};

use totem_core::{AlertConfigError, ConfigError};

use super::Location;

/// Why a configuration file was refused: the file, the line and column, the
/// instance (`breaker.payments`), the field and the rule.
///
/// Its `Display` is one line, `path:line:column: instance.field: rule`,
/// the form compilers use, so editors and CI logs link it to the spot:
///
/// ```
/// use totem_std::{ConfigErrorKind, ConfigFile};
/// let text = "version = 1\n\n[breaker.payments]\nreset_timeout = \"0s\"\n";
/// let err = ConfigFile::from_toml_str(text, "totem.toml").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "totem.toml:4:1: breaker.payments.reset_timeout: BreakerConfig.reset_timeout must be greater than zero"
/// );
/// assert_eq!((err.line(), err.instance(), err.field()), (Some(4), Some("breaker.payments"), Some("reset_timeout")));
/// assert!(matches!(err.kind(), ConfigErrorKind::Invalid(_)));
/// ```
#[derive(Debug)]
pub struct ConfigFileError(Box<Details>);

/// Boxed: an error is rare, and a small `Result` keeps the happy path lean.
#[derive(Debug)]
struct Details {
    path: PathBuf,
    location: Option<Location>,
    instance: Option<String>,
    field: Option<String>,
    /// The field the rule names is absent from the file: its default broke
    /// the rule (together with a value that was set).
    defaulted: bool,
    kind: ConfigErrorKind,
}

/// What was wrong, by class.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// The file could not be read (also its [`source`](Error::source)).
    Read(std::io::Error),
    /// The file is not UTF-8 (the location is the first bad byte).
    NotUtf8,
    /// The text is not TOML (toml's message).
    Syntax(String),
    /// The TOML does not fit the schema: an unknown field, a value of the
    /// wrong type, a missing key (toml's message).
    Schema(String),
    /// The file has no top-level `version`.
    MissingVersion,
    /// The file is written for a schema version this build does not read.
    UnsupportedVersion(i64),
    /// An instance name that is not a TOML bare key.
    InvalidName(String),
    /// A duration that is not one, or that the core cannot hold.
    InvalidDuration(String),
    /// A backoff factor the core's fixed point cannot hold.
    InvalidBackoffFactor(String),
    /// A daily reset time that is not a time of day.
    InvalidTimeOfDay(String),
    /// A sliding window or slow-call setting that is not one (both window
    /// keys, neither, or a rate without its duration).
    InvalidWindow(String),
    /// A retry's `budget` names no `[budget.<name>]` table of the file.
    UnknownBudget(String),
    /// The core's validation refused the values (also the
    /// [`source`](Error::source)): its message names the rule.
    Invalid(ConfigError),
    /// The core's validation refused an `alerts` table's thresholds (also
    /// the [`source`](Error::source)): its message names the rule.
    InvalidAlerts(AlertConfigError),
}

impl ConfigFileError {
    pub(crate) fn new(
        path: &Path,
        location: Option<Location>,
        instance: Option<&str>,
        field: Option<&str>,
        kind: ConfigErrorKind,
    ) -> Self {
        Self(Box::new(Details {
            path: path.to_owned(),
            location,
            instance: instance.map(str::to_owned),
            field: field.map(str::to_owned),
            defaulted: false,
            kind,
        }))
    }

    /// Marks the field as absent from the file, its default in force.
    pub(crate) fn defaulted(mut self) -> Self {
        self.0.defaulted = true;
        self
    }

    /// The file (or the origin name given with the text).
    pub fn path(&self) -> &Path {
        &self.0.path
    }

    /// Where in the file, when the error has a place.
    pub fn location(&self) -> Option<Location> {
        self.0.location
    }

    /// The line, from 1, when the error has a place.
    pub fn line(&self) -> Option<usize> {
        self.0.location.map(|l| l.line)
    }

    /// The instance at fault, as its table is written: `breaker.payments`.
    pub fn instance(&self) -> Option<&str> {
        self.0.instance.as_deref()
    }

    /// The field at fault, within the instance when there is one
    /// (`reset_timeout`, `daily_reset.at`), or at the top level (`version`).
    pub fn field(&self) -> Option<&str> {
        self.0.field.as_deref()
    }

    /// What was wrong.
    pub fn kind(&self) -> &ConfigErrorKind {
        &self.0.kind
    }
}

impl fmt::Display for ConfigFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.0.path.display())?;
        if let Some(at) = self.0.location {
            write!(f, "{at}:")?;
        }
        match (&self.0.instance, &self.0.field) {
            (Some(i), Some(field)) => write!(f, " {i}.{field}:")?,
            (Some(scope), None) | (None, Some(scope)) => write!(f, " {scope}:")?,
            (None, None) => {}
        }
        write!(f, " {}", self.0.kind)?;
        if let (true, Some(field)) = (self.0.defaulted, &self.0.field) {
            write!(f, " ({field} is not set: its default applies)")?;
        }
        Ok(())
    }
}

impl fmt::Display for ConfigErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read(e) => write!(f, "cannot read the file: {e}"),
            Self::NotUtf8 => f.write_str("the file is not UTF-8"),
            Self::Syntax(m) => write!(f, "invalid TOML: {m}"),
            Self::Schema(m) => f.write_str(m),
            Self::MissingVersion => f.write_str(
                "missing `version = 1` at the top of the file (the schema version it is written for)",
            ),
            Self::UnsupportedVersion(v) => {
                write!(f, "unsupported version {v}: this build reads version 1")
            }
            Self::InvalidName(n) => write!(
                f,
                "invalid instance name {n:?}: a name is a TOML bare key (ASCII letters, digits, `_` and `-`)"
            ),
            Self::InvalidDuration(m)
            | Self::InvalidBackoffFactor(m)
            | Self::InvalidTimeOfDay(m)
            | Self::InvalidWindow(m) => f.write_str(m),
            Self::UnknownBudget(name) => write!(
                f,
                "no retry budget named {name:?}: `budget` names a [budget.<name>] table of the same file"
            ),
            Self::Invalid(e) => f.write_str(e.message()),
            Self::InvalidAlerts(e) => f.write_str(e.message()),
        }
    }
}

impl Error for ConfigFileError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match &self.0.kind {
            ConfigErrorKind::Read(e) => Some(e),
            ConfigErrorKind::Invalid(e) => Some(e),
            ConfigErrorKind::InvalidAlerts(e) => Some(e),
            _ => None,
        }
    }
}

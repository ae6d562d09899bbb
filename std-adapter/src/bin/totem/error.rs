//! [`CliError`]: why a subcommand failed.

use std::fmt;
use std::io;

use totem_std::ConfigFileError;

/// What went wrong: the file was refused (its message names the file, line,
/// instance and field), or the output could not be written.
#[derive(Debug)]
pub enum CliError {
    /// The configuration file was refused.
    Config(ConfigFileError),
    /// Writing the output failed (a closed pipe, a full disk).
    Write(io::Error),
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Config(e) => write!(f, "{e}"),
            Self::Write(e) => write!(f, "cannot write the output: {e}"),
        }
    }
}

impl std::error::Error for CliError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Config(e) => Some(e),
            Self::Write(e) => Some(e),
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
        Self::Write(e)
    }
}

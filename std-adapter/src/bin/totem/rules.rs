//! `totem rules CONFIG.toml`: Prometheus alerting rules for the spec's six
//! alerts, one group per instance, with the thresholds of the file
//! (`totem_std::alerting_rules`).

use std::io::{self, Write};
use std::path::PathBuf;

use totem_std::{alerting_rules, rule_warnings, ConfigFile};

use crate::error::CliError;

/// Print Prometheus alerting rules for the six alerts of every instance
///
/// Writes YAML for Prometheus's `rule_files`: one group per breaker and
/// retry of the configuration file, with its thresholds, on the series of
/// totem-std's exporter. Warns on stderr, by name, about a rule that can
/// never fire or fires on every call under its instance's configuration.
/// Exits 1, naming file:line:column, instance and field, if the file is
/// refused.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The configuration file (TOML, schema version 1).
    #[arg(value_name = "CONFIG.toml")]
    config: PathBuf,
}

pub fn run(args: &Args) -> Result<(), CliError> {
    let file = ConfigFile::from_file(&args.config)?;
    let mut out = io::stdout().lock();
    out.write_all(alerting_rules(&file).as_bytes())?;
    out.flush()?;
    for warning in rule_warnings(&file) {
        eprintln!("totem: warning: {warning}");
    }
    Ok(())
}

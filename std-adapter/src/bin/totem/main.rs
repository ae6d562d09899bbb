//! `totem`: the operator's tool for Totem configuration files. Each
//! subcommand's `--help` says what it reads and writes.
//!
//! - `totem check CONFIG.toml`: validates the file and prints each instance
//!   with its effective values (every default applied).
//! - `totem rules CONFIG.toml`: Prometheus alerting rules for the spec's six
//!   alerts, per instance, with the file's thresholds; warns on stderr about
//!   a rule that can never fire or fires on every call.
//! - `totem prometheus CONFIG.toml --target HOST:PORT`: a `prometheus.yml`
//!   that scrapes the instances and loads those rules, sampling often
//!   enough for the file's alert windows.
//! - `totem dashboard CONFIG.toml`: a Grafana dashboard of the instances.
//! - `totem replay LOG CONFIG.toml`: a log of calls through the configured
//!   breaker and retry, on a simulated clock.
//!
//! Exits 0 on success, 1 when a file is refused (the message names the
//! file, line, instance and field), 2 on a usage error.

mod check;
mod dashboard;
mod error;
mod prometheus;
mod replay;
mod rules;
mod units;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use self::error::CliError;

/// Totem's operations tool: checks, alerting rules, Prometheus configs,
/// dashboards and replays
/// from a configuration file.
#[derive(Debug, Parser)]
#[command(name = "totem", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Check(check::Args),
    Rules(rules::Args),
    Prometheus(prometheus::Args),
    Dashboard(dashboard::Args),
    Replay(replay::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: Result<(), CliError> = match &cli.command {
        Command::Check(args) => check::run(args),
        Command::Rules(args) => rules::run(args),
        Command::Prometheus(args) => prometheus::run(args),
        Command::Dashboard(args) => dashboard::run(args),
        Command::Replay(args) => replay::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("totem: {e}");
            ExitCode::FAILURE
        }
    }
}

//! `totem`: the operator's tool for Totem configuration files.
//!
//! - `totem check CONFIG.toml`: validates the file and prints each instance
//!   with its effective values (every default applied).
//! - `totem rules CONFIG.toml`: Prometheus alerting rules for the spec's six
//!   alerts, per instance, with the file's thresholds; warns on stderr about
//!   a rule that can never fire or fires on every call.
//!
//! Exits 0 on success, 1 when the file is refused (the message names the
//! file, line, instance and field), 2 on a usage error.

mod check;
mod error;
mod rules;
mod units;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "totem",
    version,
    about = "Check Totem configuration files and turn their alerts into Prometheus rules"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Check(check::Args),
    Rules(rules::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Rules(args) => rules::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("totem: {e}");
            ExitCode::FAILURE
        }
    }
}

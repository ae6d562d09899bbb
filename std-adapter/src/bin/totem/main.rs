//! `totem`: the command-line tool of Totem. Each subcommand's `--help`
//! says what it reads and writes.

mod dashboard;
mod error;
mod replay;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use self::error::CliError;

/// Totem's operations tool: dashboards and replays from a configuration file.
#[derive(Debug, Parser)]
#[command(name = "totem", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Dashboard(dashboard::Args),
    Replay(replay::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: Result<(), CliError> = match &cli.command {
        Command::Dashboard(args) => dashboard::run(args),
        Command::Replay(args) => replay::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("totem: error: {e}");
            ExitCode::FAILURE
        }
    }
}

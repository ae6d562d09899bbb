//! `totem dashboard`: a Grafana dashboard for the instances of a
//! configuration file (`totem_std::grafana_dashboard`), or its queries.

use std::path::PathBuf;

use totem_std::{dashboard_queries, grafana_dashboard, ConfigFile};

use crate::error::CliError;

/// Writes a Grafana dashboard (JSON) for a configuration's instances.
///
/// The dashboard shows the breakers and retries of a configuration file:
/// breaker state, success rate, failures, time in each state and calls by
/// result; retry attempts and retries per minute, success rate, average
/// delay and errors by class.
///
/// Import it in Grafana (Dashboards > New > Import). It asks for a
/// Prometheus data source (the `datasource` variable) and has a `name`
/// variable whose values are the file's instance names; every panel
/// queries `name=~"$name"`.
///
/// With --queries it prints every panel's PromQL instead, one per line as
/// `panel title<TAB>query`, with Grafana's variables left in: `$name` (a
/// regex of instance names), `$__rate_interval` and `$__range` (durations
/// such as 1m).
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The configuration file (TOML, as `totem_std::ConfigFile` reads it).
    pub config: PathBuf,
    /// The dashboard's title (its uid is made from it).
    #[arg(long, default_value = "Totem")]
    pub title: String,
    /// Writes the dashboard to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Prints every panel's query instead of the dashboard.
    #[arg(long, conflicts_with = "output")]
    pub queries: bool,
}

/// Runs `totem dashboard`.
pub fn run(args: &Args) -> Result<(), CliError> {
    let file = ConfigFile::from_file(&args.config)?;
    if args.queries {
        for q in dashboard_queries() {
            println!("{}\t{}", q.panel, q.expr);
        }
        return Ok(());
    }
    let text = grafana_dashboard(&file, &args.title);
    match &args.output {
        Some(path) => std::fs::write(path, text).map_err(|e| CliError::write(path, e)),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

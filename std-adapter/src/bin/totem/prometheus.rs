//! `totem prometheus CONFIG.toml --target HOST:PORT`: a `prometheus.yml`
//! that scrapes the instances' `/metrics` and loads the rules of `totem
//! rules` (`totem_std::prometheus_config`).

use std::io::{self, Write};
use std::path::PathBuf;

use totem_std::{prometheus_config, ConfigFile};

use crate::error::CliError;

/// Print a prometheus.yml that scrapes Totem and loads its alerting rules
///
/// One scrape job, `totem`, on each --target (the host:port serving a
/// process's /metrics), and the file that `totem rules` writes under
/// rule_files. Scrape and rule evaluation run every quarter of the
/// shortest alert window of the configuration file (at most 15 s), so
/// that every rule's increase() sees at least four samples. The comment
/// at the top gives Prometheus's command line, with the spec's 15 days of
/// retention (--storage.tsdb.retention.time=15d): deleting older metrics
/// is Prometheus's job.
///
///   totem rules totem.toml > totem-rules.yml
///   totem prometheus totem.toml --target 127.0.0.1:9898 > prometheus.yml
///   promtool check config prometheus.yml
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The configuration file (TOML, schema version 1).
    #[arg(value_name = "CONFIG.toml")]
    config: PathBuf,
    /// A HOST:PORT serving /metrics (repeat for each process).
    #[arg(long = "target", value_name = "HOST:PORT", required = true, value_parser = target)]
    targets: Vec<String>,
    /// The rules file to load, relative to prometheus.yml.
    #[arg(long, value_name = "FILE", default_value = "totem-rules.yml")]
    rules: String,
}

/// A scrape target as Prometheus takes it: a host (a name, an IPv4
/// address or a bracketed IPv6 one) and a port, nothing else.
fn target(text: &str) -> Result<String, String> {
    let (host, port) = text
        .rsplit_once(':')
        .ok_or_else(|| format!("{text:?} is not HOST:PORT (like 127.0.0.1:9898)"))?;
    port.parse::<u16>()
        .map_err(|_| format!("{text:?}: the port {port:?} is not a number from 0 to 65535"))?;
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    let bracketed = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .is_some_and(|h| h.chars().all(|c| c.is_ascii_hexdigit() || c == ':'));
    if host.is_empty() || !(host.chars().all(plain) || bracketed) {
        return Err(format!("{text:?}: {host:?} is not a host name or address"));
    }
    Ok(text.to_owned())
}

pub fn run(args: &Args) -> Result<(), CliError> {
    let file = ConfigFile::from_file(&args.config)?;
    let mut out = io::stdout().lock();
    out.write_all(prometheus_config(&file, &args.targets, &args.rules).as_bytes())?;
    out.flush()?;
    Ok(())
}

//! `totem check CONFIG.toml`: validates a configuration file and prints each
//! instance with its effective values, in the file's own syntax, so what the
//! defaults filled in can be read (and copied back).

use std::io::{self, Write};
use std::path::PathBuf;

use totem_core::{
    AbandonedPermit, BreakerAlerts, BreakerConfig, Jitter, RetryAlerts, RetryConfig, SlidingWindow,
};
use totem_std::{format_duration as duration, rule_warnings, ConfigFile};

use crate::error::CliError;
use crate::units::factor;

/// Validate a configuration file and print its instances' effective values
///
/// Prints the file back in its own syntax with every default filled in.
/// Exits 1, naming file:line:column, instance and field, if the file is
/// refused. Warnings about alert rules that can never fire or fire on every
/// call go to stderr.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The configuration file (TOML, schema version 1).
    #[arg(value_name = "CONFIG.toml")]
    config: PathBuf,
}

pub fn run(args: &Args) -> Result<(), CliError> {
    let file = ConfigFile::from_file(&args.config)?;
    let mut out = io::stdout().lock();
    write(&file, &mut out)?;
    out.flush()?;
    for warning in rule_warnings(&file) {
        eprintln!("totem: warning: {warning}");
    }
    Ok(())
}

fn write(file: &ConfigFile, out: &mut impl Write) -> io::Result<()> {
    let info = file.info();
    writeln!(
        out,
        "# {}: valid (schema version {}, sha256 {}); every value below is in force",
        info.source.display(),
        info.version,
        info.hash
    )?;
    writeln!(out, "version = {}", info.version)?;
    for name in file.breaker_names() {
        let (Some(config), Some(alerts)) = (file.breaker(name), file.breaker_alerts(name)) else {
            continue;
        };
        writeln!(out)?;
        writeln!(out, "[breaker.{name}]")?;
        breaker(config, out)?;
        if let Some(daily) = file.daily_reset(name) {
            writeln!(
                out,
                "daily_reset = {{ at = \"{}\", mode = \"{}\" }}",
                daily.at,
                daily.mode.as_str()
            )?;
        }
        breaker_alerts(alerts, out)?;
    }
    for name in file.retry_names() {
        let (Some(config), Some(alerts)) = (file.retry(name), file.retry_alerts(name)) else {
            continue;
        };
        writeln!(out)?;
        writeln!(out, "[retry.{name}]")?;
        retry(config, out)?;
        if let Some(budget) = file.retry_budget(name) {
            writeln!(out, "budget = \"{budget}\"")?;
        }
        retry_alerts(alerts, out)?;
    }
    for name in file.budget_names() {
        let Some(b) = file.budget(name) else { continue };
        writeln!(out)?;
        writeln!(out, "[budget.{name}]")?;
        writeln!(out, "retry_percent = {}", b.retry_percent)?;
        writeln!(out, "min_per_second = {}", b.min_per_second)?;
        writeln!(out, "max_retries = {}", b.max_retries)?;
    }
    Ok(())
}

fn breaker(c: &BreakerConfig, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "failure_threshold = {}", c.failure_threshold)?;
    writeln!(out, "reset_timeout = \"{}\"", duration(c.reset_timeout))?;
    writeln!(
        out,
        "half_open_timeout = \"{}\"",
        duration(c.half_open_timeout)
    )?;
    writeln!(out, "half_open_permits = {}", c.half_open_permits)?;
    match c.half_open_failure_rate {
        // A rate-decided episode has no successes_to_close.
        Some(p) => writeln!(out, "half_open_failure_rate = {p}")?,
        None => writeln!(
            out,
            "successes_to_close = {}",
            c.successes_to_close.unwrap_or(c.half_open_permits)
        )?,
    }
    let abandoned = match c.abandoned {
        AbandonedPermit::Failure => "failure",
        AbandonedPermit::Neutral => "neutral",
    };
    writeln!(out, "abandoned = \"{abandoned}\"")?;
    writeln!(out, "reset_timeout_factor = {}", c.reset_timeout_factor)?;
    if let Some(max) = c.max_reset_timeout {
        writeln!(out, "max_reset_timeout = \"{}\"", duration(max))?;
    }
    if let Some(w) = c.window {
        match w.size {
            SlidingWindow::Calls(n) => writeln!(out, "sliding_window = {{ calls = {n} }}")?,
            SlidingWindow::Time(t) => {
                writeln!(out, "sliding_window = {{ time = \"{}\" }}", duration(t))?
            }
        }
        writeln!(out, "minimum_calls = {}", c.minimum_calls)?;
    }
    if let Some(p) = c.failure_rate {
        writeln!(out, "failure_rate = {p}")?;
    }
    if let Some(d) = c.slow_call_duration {
        writeln!(out, "slow_call_duration = \"{}\"", duration(d))?;
        writeln!(out, "slow_call_rate = {}", c.slow_call_rate)?;
    }
    Ok(())
}

fn breaker_alerts(a: &BreakerAlerts, out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "alerts = {{ not_closed_for = \"{}\", window = \"{}\", success_rate_below = {}, min_calls = {}, \
         consecutive_failures_above = {} }}",
        duration(a.not_closed_for),
        duration(a.window),
        a.success_rate_below,
        a.min_calls,
        a.consecutive_failures_above
    )
}

fn retry(c: &RetryConfig, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "max_attempts = {}", c.max_attempts)?;
    writeln!(out, "initial_delay = \"{}\"", duration(c.initial_delay))?;
    writeln!(out, "max_delay = \"{}\"", duration(c.max_delay))?;
    writeln!(out, "backoff_factor = {}", factor(c.backoff_factor))?;
    let jitter = match c.jitter {
        Jitter::None => "none",
        Jitter::Full => "full",
        Jitter::Equal => "equal",
        Jitter::Decorrelated => "decorrelated",
    };
    writeln!(out, "jitter = \"{jitter}\"")?;
    if let Some(d) = c.deadline {
        writeln!(out, "deadline = \"{}\"", duration(d))?;
    }
    writeln!(out, "metrics = {}", c.metrics)
}

fn retry_alerts(a: &RetryAlerts, out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "alerts = {{ retries_above = {}, retries_window = \"{}\", window = \"{}\", success_rate_below = {}, \
         min_calls = {}, mean_delay_above = \"{}\", min_retries = {} }}",
        a.retries_above,
        duration(a.retries_window),
        duration(a.window),
        a.success_rate_below,
        a.min_calls,
        duration(a.mean_delay_above),
        a.min_retries
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_values_load_back_to_the_same_configuration() {
        let text = "version = 1\n\
                    [breaker.db]\nfailure_threshold = 3\ndaily_reset = { at = \"03:00\", mode = \"stats\" }\n\
                    [breaker.db.alerts]\nmin_calls = 40\n\
                    [retry.db]\nbackoff_factor = \"3/2\"\ndeadline = \"20s\"\njitter = \"full\"\nbudget = \"b\"\n\
                    [retry.db.alerts]\nretries_window = \"90s\"\n\
                    [budget.b]\nretry_percent = 5\n";
        let file = ConfigFile::from_toml_str(text, "in.toml").unwrap();
        let mut printed = Vec::new();
        write(&file, &mut printed).unwrap();
        let printed = String::from_utf8(printed).unwrap();
        let again = ConfigFile::from_toml_str(&printed, "out.toml").unwrap();
        // `successes_to_close` unset means all the permits, printed as a number.
        let all_permits = |c: &BreakerConfig| BreakerConfig {
            successes_to_close: Some(c.successes_to_close.unwrap_or(c.half_open_permits)),
            ..*c
        };
        assert_eq!(
            again.breaker("db").map(all_permits),
            file.breaker("db").map(all_permits)
        );
        assert_eq!(again.breaker_alerts("db"), file.breaker_alerts("db"));
        assert_eq!(again.daily_reset("db"), file.daily_reset("db"));
        assert_eq!(again.retry("db"), file.retry("db"));
        assert_eq!(again.retry_alerts("db"), file.retry_alerts("db"));
        assert_eq!(again.retry_budget("db"), Some("b"));
        assert_eq!(again.budget("b"), file.budget("b"));
        assert!(printed.contains("successes_to_close = 1\n"), "{printed}");
        assert!(printed.contains("backoff_factor = 1.5\n"), "{printed}");
    }
}

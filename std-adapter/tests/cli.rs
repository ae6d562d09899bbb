//! The `totem` binary, run as an operator runs it: `check` and `rules` on a
//! good file, a refused file (non-zero, `file:line:column` in the message),
//! a missing file, and `--help` on every subcommand.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/totem.toml");

fn totem(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_totem"))
        .args(args)
        .output()
        .expect("run totem")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

/// A file in a scratch directory, removed even when the test fails.
struct TempFile(PathBuf);

impl TempFile {
    fn new(tag: &str, text: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("totem-cli-{tag}-{}.toml", std::process::id()));
        std::fs::write(&path, text).expect("write a scratch file");
        Self(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("a UTF-8 temp path")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn check_prints_every_instance_with_its_effective_values() {
    let out = totem(&["check", SAMPLE]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    // Set in the file.
    assert!(stdout.contains("[breaker.payment_processor]\nfailure_threshold = 5\nreset_timeout = \"1m\"\nhalf_open_timeout = \"30s\"\nhalf_open_permits = 2\nsuccesses_to_close = 2\n"), "{stdout}");
    assert!(
        stdout.contains("daily_reset = { at = \"03:00:00\", mode = \"stats\" }"),
        "{stdout}"
    );
    // Filled in by the defaults: notification_retry sets only its jitter.
    assert!(stdout.contains("[retry.notification_retry]\nmax_attempts = 3\ninitial_delay = \"1s\"\nmax_delay = \"10s\"\nbackoff_factor = 2\njitter = \"full\"\nmetrics = true\n"), "{stdout}");
    assert!(stdout.contains("mean_delay_above = \"5s\""), "{stdout}");
    assert!(stdout.contains("[budget.payments_backend]"), "{stdout}");
    // The default mean-delay rule cannot fire under a 10 s max_delay: named.
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "totem: warning: retry.notification_retry: RetryHighMeanDelay can never fire"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("retry.payment_retry"), "{stderr}");
}

#[test]
fn a_refused_file_exits_non_zero_naming_file_line_and_field() {
    let bad = TempFile::new(
        "bad",
        "version = 1\n\n[breaker.db]\nreset_timeout = \"0s\"\n",
    );
    for sub in ["check", "rules"] {
        let out = totem(&[sub, bad.path()]);
        assert_eq!(out.status.code(), Some(1), "{sub}");
        assert!(out.stdout.is_empty(), "{sub}: nothing on stdout");
        assert_eq!(
            text(&out.stderr),
            format!(
                "totem: {}:4:1: breaker.db.reset_timeout: BreakerConfig.reset_timeout must be greater than zero\n",
                bad.path()
            )
        );
    }
    let alerts = TempFile::new(
        "alerts",
        "version = 1\n[retry.r]\n[retry.r.alerts]\nmin_calls = 0\n",
    );
    let out = totem(&["rules", alerts.path()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains(&format!("{}:4:1: retry.r.alerts.min_calls:", alerts.path())),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_missing_file_exits_non_zero() {
    let missing = Path::new(env!("CARGO_MANIFEST_DIR")).join("no-such-totem.toml");
    let out = totem(&["check", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("cannot read the file"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn rules_are_yaml_groups_per_instance_with_the_file_s_thresholds() {
    let out = totem(&["rules", SAMPLE]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let yaml = text(&out.stdout);
    for group in [
        "totem-breaker-payment_processor",
        "totem-breaker-critical_operation",
        "totem-breaker-inventory",
        "totem-retry-payment_retry",
        "totem-retry-notification_retry",
        "totem-retry-critical_operation",
    ] {
        assert!(yaml.contains(&format!("  - name: {group}\n")), "{group}");
    }
    assert_eq!(yaml.matches("      - alert: ").count(), 18);
    // payment_retry's own 5 s, the others' default 30 s.
    assert!(
        yaml.contains(r#"retry_delay_seconds_count{name="payment_retry"}[5m])) > 5 and"#),
        "{yaml}"
    );
    assert!(
        yaml.contains(r#"retry_delay_seconds_count{name="notification_retry"}[5m])) > 30 and"#),
        "{yaml}"
    );
    // The warning is in the YAML beside its rule and on stderr, by name.
    assert!(
        yaml.contains("      # warning: RetryHighMeanDelay can never fire"),
        "{yaml}"
    );
    assert!(
        text(&out.stderr).contains("retry.critical_operation: RetryHighMeanDelay can never fire")
    );
}

#[test]
fn help_on_every_subcommand() {
    for args in [
        &["--help"][..],
        &["check", "--help"],
        &["rules", "--help"],
        &["prometheus", "--help"],
        &["help", "rules"],
    ] {
        let out = totem(args);
        assert!(out.status.success(), "{args:?}");
        let help = text(&out.stdout);
        assert!(help.contains("Usage: totem"), "{args:?}: {help}");
    }
    assert!(text(&totem(&["check", "--help"]).stdout).contains("CONFIG.toml"));
    assert!(text(&totem(&["rules", "--help"]).stdout).contains("Prometheus alerting rules"));
    assert!(text(&totem(&["prometheus", "--help"]).stdout)
        .contains("--storage.tsdb.retention.time=15d"));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &[][..],
        &["check"],
        &["frobnicate"],
        &["rules", "a.toml", "b.toml"],
        // A Prometheus config scrapes something.
        &["prometheus", "a.toml"],
    ] {
        let out = totem(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(text(&out.stderr).contains("Usage:"), "{args:?}");
    }
}

#[test]
fn a_scrape_target_that_is_not_host_and_port_is_a_usage_error() {
    for (target, says) in [
        ("localhost", "is not HOST:PORT"),
        ("localhost:http", "the port \"http\" is not a number"),
        ("x' y:9898", "\"x' y\" is not a host name or address"),
        (":9898", "is not a host name or address"),
    ] {
        let out = totem(&["prometheus", SAMPLE, "--target", target]);
        assert_eq!(out.status.code(), Some(2), "{target}");
        assert!(
            text(&out.stderr).contains(says),
            "{target}: {}",
            text(&out.stderr)
        );
    }
    for target in ["127.0.0.1:9898", "[::1]:9898", "app-1.internal:80"] {
        let out = totem(&["prometheus", SAMPLE, "--target", target]);
        assert!(out.status.success(), "{target}: {}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains(&format!("['{target}']")),
            "{target}"
        );
    }
}

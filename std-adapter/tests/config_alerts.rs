//! Alert thresholds in configuration files: `[breaker.<name>.alerts]` and
//! `[retry.<name>.alerts]` over the spec's defaults, and the core's rules
//! with the file, line, instance and field.
#![cfg(feature = "config")]

use totem_core::{AlertConfigError, BreakerAlerts, Duration, RetryAlerts};
use totem_std::{ConfigErrorKind, ConfigFile, ConfigFileError};

fn error(text: &str) -> ConfigFileError {
    match ConfigFile::from_toml_str(text, "totem.toml") {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e,
    }
}

#[test]
fn every_alerts_key_maps_onto_the_core_thresholds() {
    let text = r#"version = 1
[breaker.db]
[breaker.db.alerts]
not_closed_for = "2m"
window = "10m"
success_rate_below = 90
min_calls = 50
consecutive_failures_above = 20

[breaker.plain]

[retry.db]
alerts = { retries_above = 7, retries_window = "30s", window = "2m", success_rate_below = 40, min_calls = 5, mean_delay_above = "5s", min_retries = 2 }
"#;
    let file = ConfigFile::from_toml_str(text, "totem.toml").unwrap();
    assert_eq!(
        *file.breaker_alerts("db").unwrap(),
        BreakerAlerts::new()
            .not_closed_for(Duration::from_secs(120))
            .window(Duration::from_secs(600))
            .success_rate_below(90)
            .min_calls(50)
            .consecutive_failures_above(20)
    );
    assert_eq!(*file.breaker_alerts("plain").unwrap(), BreakerAlerts::new());
    assert_eq!(
        *file.retry_alerts("db").unwrap(),
        RetryAlerts::new()
            .retries_above(7)
            .retries_window(Duration::from_secs(30))
            .window(Duration::from_secs(120))
            .success_rate_below(40)
            .min_calls(5)
            .mean_delay_above(Duration::from_secs(5))
            .min_retries(2)
    );
    assert_eq!(file.breaker_alerts("nope"), None);
}

#[test]
fn a_broken_threshold_names_file_line_instance_and_field() {
    let e = error("version = 1\n[retry.notify]\n[retry.notify.alerts]\nmin_calls = 1\nsuccess_rate_below = 120\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:5:1: retry.notify.alerts.success_rate_below: alerts.success_rate_below must be at most 100 (a percentage)"
    );
    assert!(matches!(
        e.kind(),
        ConfigErrorKind::InvalidAlerts(AlertConfigError::SuccessRateAbove100)
    ));
    assert_eq!(e.field(), Some("alerts.success_rate_below"));
    assert!(std::error::Error::source(&e).is_some());

    let e = error("version = 1\n[breaker.db.alerts]\nwindow = \"0s\"\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:3:1: breaker.db.alerts.window: alerts.window must be greater than zero"
    );
}

#[test]
fn a_bad_value_or_an_unknown_key_in_alerts_is_located() {
    let e =
        error("version = 1\n[breaker.db]\n\n[breaker.db.alerts]\nnot_closed_for = \"5 minutes\"\n");
    assert_eq!(
        (e.line(), e.field()),
        (Some(5), Some("alerts.not_closed_for"))
    );
    assert!(matches!(e.kind(), ConfigErrorKind::InvalidDuration(_)));

    let e = error("version = 1\n[retry.r.alerts]\nretries_above = 5\nmax_delay = \"1s\"\n");
    assert_eq!((e.line(), e.instance()), (Some(4), Some("retry.r")));
    assert!(
        matches!(e.kind(), ConfigErrorKind::Schema(m) if m.contains("max_delay")),
        "{e}"
    );

    let e = error("version = 1\n[retry.r]\nalerts = 3\n");
    assert_eq!(e.line(), Some(3));
}

#[test]
fn the_sample_file_s_alerts_load() {
    let file =
        ConfigFile::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/totem.toml")).unwrap();
    let alerts = file.retry_alerts("payment_retry").unwrap();
    assert_ne!(
        *alerts,
        RetryAlerts::new(),
        "the sample sets some thresholds"
    );
}

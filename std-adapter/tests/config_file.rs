//! Configuration files end to end: the schema's values against configs built
//! by hand, every class of error with its file, line and field, the registry,
//! and arbitrary input.
#![cfg(feature = "config")]

use std::error::Error;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use proptest::prelude::*;
use totem_core::{
    AbandonedPermit, BackoffFactor, BreakerConfig, Clock, ConfigError, Duration, Event, Instant,
    Jitter, ManualClock, NoObserver, Observer, RetryConfig, State,
};
use totem_std::{
    ConfigErrorKind, ConfigFile, ConfigFileError, DailyReset, DefaultClock, Location, Registry,
    ResetMode, TimeOfDay,
};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

fn load(text: &str) -> Result<Registry, ConfigFileError> {
    Registry::from_toml_str(text, "totem.toml", DefaultClock::default(), NoObserver)
}

fn error(text: &str) -> ConfigFileError {
    match ConfigFile::from_toml_str(text, "totem.toml") {
        Ok(file) => panic!("accepted: {file:?}"),
        Err(e) => e,
    }
}

fn at(hour: u32, minute: u32, second: u32) -> TimeOfDay {
    TimeOfDay::from_hms(hour, minute, second).expect("a time of day")
}

#[test]
fn every_field_maps_onto_the_core_config_built_by_hand() {
    let registry = Registry::from_file(
        data("tests/data/every_field.toml"),
        DefaultClock::default(),
        NoObserver,
    )
    .expect("valid");

    let breaker = |name| *registry.breaker(name).expect("configured").config();
    assert_eq!(
        breaker("payments"),
        BreakerConfig::new("payments")
            .failure_threshold(7)
            .reset_timeout(Duration::from_secs(120))
            .half_open_timeout(Duration::from_secs(45))
            .half_open_permits(4)
            .successes_to_close(3)
            .abandoned(AbandonedPermit::Neutral)
    );
    assert_eq!(
        breaker("inventory"),
        BreakerConfig::new("inventory")
            .reset_timeout(Duration::from_secs(3_600))
            .half_open_timeout(Duration::from_millis(1_500))
            .abandoned(AbandonedPermit::Failure)
    );
    assert_eq!(
        registry.daily_reset("payments"),
        Some(DailyReset {
            at: at(3, 15, 30),
            mode: ResetMode::Full
        })
    );
    assert_eq!(
        registry.daily_reset("inventory"),
        Some(DailyReset {
            at: at(23, 59, 0),
            mode: ResetMode::Stats
        })
    );

    let retry = |name| *registry.retry(name).expect("configured").config();
    assert_eq!(
        retry("payments"),
        RetryConfig::new("payments")
            .max_attempts(5)
            .initial_delay(Duration::from_millis(250))
            .max_delay(Duration::from_secs(20))
            .backoff_factor(BackoffFactor::ratio(3, 2))
            .jitter(Jitter::Decorrelated)
            .deadline(Duration::from_secs(60))
            .metrics(false)
    );
    assert_eq!(
        retry("notify"),
        RetryConfig::new("notify")
            .initial_delay(Duration::from_secs(2))
            .max_delay(Duration::from_secs(3_600))
            .backoff_factor(BackoffFactor::ratio(5, 4))
            .jitter(Jitter::Equal)
    );
    assert_eq!(
        retry("slow"),
        RetryConfig::new("slow")
            .backoff_factor(BackoffFactor::integer(3))
            .jitter(Jitter::Full)
    );
    assert_eq!(
        retry("plain"),
        RetryConfig::new("plain").jitter(Jitter::None).metrics(true)
    );
}

#[test]
fn an_empty_instance_takes_the_spec_defaults() {
    let registry = load("version = 1\n[breaker.b]\n[retry.r]\n").expect("valid");
    assert_eq!(
        *registry.breaker("b").unwrap().config(),
        BreakerConfig::new("b")
    );
    assert_eq!(
        *registry.retry("r").unwrap().config(),
        RetryConfig::new("r")
    );
    assert_eq!(registry.daily_reset("b"), None);
}

#[test]
fn the_sample_file_loads() {
    let registry = Registry::from_file(
        data("examples/totem.toml"),
        DefaultClock::default(),
        NoObserver,
    )
    .expect("the sample is valid");
    let breakers: Vec<_> = registry.breakers().map(|(name, _)| name).collect();
    let retries: Vec<_> = registry.retries().map(|(name, _)| name).collect();
    assert_eq!(
        breakers,
        ["critical_operation", "inventory", "payment_processor"]
    );
    assert_eq!(
        retries,
        ["critical_operation", "notification_retry", "payment_retry"]
    );
    assert_eq!(
        registry.daily_reset("payment_processor"),
        Some(DailyReset {
            at: at(3, 0, 0),
            mode: ResetMode::Stats
        })
    );
    assert_eq!(
        registry
            .breaker("critical_operation")
            .unwrap()
            .config()
            .reset_timeout,
        Duration::from_secs(30)
    );
}

#[test]
fn info_names_the_version_hash_and_source() {
    let path = data("examples/totem.toml");
    let registry = Registry::from_file(&path, DefaultClock::default(), NoObserver).expect("valid");
    let info = registry.info();
    assert_eq!(info.version, 1);
    assert_eq!(info.source, path);
    assert_eq!(info.hash.len(), 16);
    assert!(info
        .hash
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    // The same bytes, the same hash, wherever they come from; a byte more, another.
    let text = std::fs::read_to_string(&path).unwrap();
    let same = ConfigFile::from_toml_str(&text, "elsewhere").unwrap();
    assert_eq!(same.info().hash, info.hash);
    let other = ConfigFile::from_toml_str(&format!("{text}\n"), "elsewhere").unwrap();
    assert_ne!(other.info().hash, info.hash);
}

// --- Errors: one test per class, with the exact message. ---

#[test]
fn syntax_error() {
    let e = error("version = 1\n\n[breaker.payments\nfailure_threshold = 3\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:3:18: invalid TOML: unclosed table, expected `]`"
    );
    assert!(matches!(e.kind(), ConfigErrorKind::Syntax(_)));
    assert_eq!(
        e.location(),
        Some(Location {
            line: 3,
            column: 18
        })
    );
}

#[test]
fn a_table_written_twice_is_a_syntax_error() {
    let e = error("version = 1\n[breaker.a]\n[breaker.a]\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:3:10: invalid TOML: duplicate key"
    );
}

#[test]
fn unknown_field() {
    let e = error("version = 1\n\n[breaker.payments]\nfailure_treshold = 3\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:4:1: breaker.payments.failure_treshold: unknown field `failure_treshold`, \
         expected one of `failure_threshold`, `reset_timeout`, `half_open_timeout`, \
         `half_open_permits`, `successes_to_close`, `abandoned`, `daily_reset`, `reset_timeout_factor`, `max_reset_timeout`, `half_open_failure_rate`, `sliding_window`, `minimum_calls`, `failure_rate`, `slow_call_duration`, `slow_call_rate`, `alerts`"
    );
    assert!(matches!(e.kind(), ConfigErrorKind::Schema(_)));
    assert_eq!(
        (e.instance(), e.field()),
        (Some("breaker.payments"), Some("failure_treshold"))
    );
}

#[test]
fn unknown_field_in_a_daily_reset() {
    let e = error(
        "version = 1\n[breaker.payments]\ndaily_reset = { at = \"03:00\", mode = \"full\", tz = \"UTC\" }\n",
    );
    assert_eq!(
        e.to_string(),
        "totem.toml:3:46: breaker.payments.daily_reset.tz: unknown field `tz`, expected `at` or `mode`"
    );
}

#[test]
fn unknown_top_level_key() {
    let e = error("version = 1\nbreakers = {}\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:2:1: breakers: unknown top-level key `breakers`, expected `version`, `breaker`, `retry` or `budget`"
    );
}

#[test]
fn unknown_field_in_an_alerts_table() {
    let e =
        error("version = 1\n[retry.notify]\n[retry.notify.alerts]\nmax_retries_per_minute = 5\n");
    assert_eq!(e.line(), Some(4));
    assert_eq!(
        (e.instance(), e.field()),
        (Some("retry.notify"), Some("alerts.max_retries_per_minute"))
    );
    assert!(
        e.to_string()
            .contains("unknown field `max_retries_per_minute`, expected one of `retries_above`"),
        "{e}"
    );
}

#[test]
fn wrong_type() {
    let e = error("version = 1\n[retry.notify]\nmax_attempts = \"3\"\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:3:16: retry.notify.max_attempts: invalid type: string \"3\", expected u32"
    );
    let e = error("version = 1\n[retry.notify]\nmax_attempts = -1\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:3:16: retry.notify.max_attempts: invalid value: integer `-1`, expected u32"
    );
    let e = error("version = 1\nretry = 3\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:2:9: retry: `retry` holds named tables, as in [retry.<name>]; found integer"
    );
}

#[test]
fn bad_duration() {
    let e = error("version = 1\n\n[breaker.payments]\nreset_timeout = \"60 s\"\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:4:17: breaker.payments.reset_timeout: invalid duration \"60 s\": expected a whole \
         number followed by ms, s, m or h (\"500ms\", \"60s\", \"2m\", \"1h\"), or an integer of seconds (60)"
    );
    assert!(matches!(e.kind(), ConfigErrorKind::InvalidDuration(_)));

    let e = error("version = 1\n[retry.r]\ninitial_delay = 1.5\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:3:17: retry.r.initial_delay: invalid duration 1.5: a bare number is whole seconds; \
         write fractions with a unit, as in \"1500ms\""
    );
    let e = error("version = 1\n[retry.r]\ndeadline = \"5000h\"\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:3:12: retry.r.deadline: duration \"5000h\" is too long: the core counts \
         milliseconds in 32 bits (at most 4294967295 ms)"
    );
    let e = error("version = 1\n[retry.r]\ndeadline = true\n");
    assert!(
        e.to_string().starts_with(
            "totem.toml:3:12: retry.r.deadline: invalid type: boolean `true`, expected a duration"
        ),
        "{e}"
    );
}

#[test]
fn bad_backoff_factor() {
    let e = error("version = 1\n[retry.r]\nbackoff_factor = 1.1\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:3:18: retry.r.backoff_factor: backoff_factor 1.1 is not a multiple of 1/65536 \
         (the core's 16.16 fixed point): write a ratio such as \"11/10\", which the core rounds down to 1/65536"
    );
    assert!(matches!(e.kind(), ConfigErrorKind::InvalidBackoffFactor(_)));
    let e = error("version = 1\n[retry.r]\nbackoff_factor = \"1.5\"\n");
    assert!(
        e.to_string()
            .starts_with("totem.toml:3:18: retry.r.backoff_factor: invalid backoff_factor \"1.5\""),
        "{e}"
    );
}

#[test]
fn bad_daily_reset() {
    let e = error("version = 1\n[breaker.b]\ndaily_reset = { at = \"25:00\", mode = \"full\" }\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:3:22: breaker.b.daily_reset.at: invalid time of day \"25:00\": expected \"HH:MM\" \
         or \"HH:MM:SS\" in UTC, 00:00 to 23:59:59"
    );
    assert!(matches!(e.kind(), ConfigErrorKind::InvalidTimeOfDay(_)));

    let e =
        error("version = 1\n[breaker.b]\ndaily_reset = { at = \"03:00\", mode = \"weekly\" }\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:3:38: breaker.b.daily_reset.mode: unknown variant `weekly`, expected `full` or `stats`"
    );
    let e = error("version = 1\n[breaker.b]\ndaily_reset = { at = \"03:00\" }\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:3:15: breaker.b.daily_reset: missing field `mode`"
    );
}

#[test]
fn missing_version() {
    let e = error("[breaker.payments]\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:1:1: version: missing `version = 1` at the top of the file (the schema version it is written for)"
    );
    assert!(matches!(e.kind(), ConfigErrorKind::MissingVersion));
    // Inside a table it is that table's key, not the file's version.
    let e = error("[breaker.payments]\nversion = 1\n");
    assert!(matches!(e.kind(), ConfigErrorKind::MissingVersion));
}

#[test]
fn unsupported_version() {
    // A newer file is refused for its version, before its unknown keys.
    let e = error("version = 2\n\n[breaker.payments]\nslow_call_threshold = \"2s\"\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:1:11: version: unsupported version 2: this build reads version 1"
    );
    assert!(matches!(e.kind(), ConfigErrorKind::UnsupportedVersion(2)));
    let e = error("version = \"1\"\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:1:11: version: `version` must be an integer (1); found string"
    );
}

#[test]
fn core_validation_failure_wraps_the_core_error() {
    let e =
        error("version = 1\n\n[breaker.payments]\nfailure_threshold = 3\nhalf_open_permits = 0\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:5:1: breaker.payments.half_open_permits: BreakerConfig.half_open_permits must be at least 1"
    );
    assert!(matches!(
        e.kind(),
        ConfigErrorKind::Invalid(ConfigError::HalfOpenPermitsZero)
    ));
    let source = e.source().expect("the core's error");
    assert_eq!(
        source.downcast_ref::<ConfigError>(),
        Some(&ConfigError::HalfOpenPermitsZero)
    );

    let e = error("version = 1\n[retry.r]\nbackoff_factor = \"3/0\"\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:3:1: retry.r.backoff_factor: RetryConfig.backoff_factor must not be a ratio with a zero denominator"
    );
    let e = error("version = 1\n[breaker.b]\nfailure_threshold = 512\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:3:1: breaker.b.failure_threshold: BreakerConfig.failure_threshold must be at most 511 (MAX_FAILURE_THRESHOLD)"
    );
}

#[test]
fn a_default_that_breaks_a_rule_points_at_the_table() {
    let e = error("version = 1\n\n[retry.fast]\nmax_delay = \"500ms\"\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:3:1: retry.fast.initial_delay: RetryConfig.initial_delay must not exceed max_delay \
         (initial_delay is not set: its default applies)"
    );
}

#[test]
fn invalid_instance_name() {
    let e = error("version = 1\n[breaker.\"payments processor\"]\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:2:10: breaker: invalid instance name \"payments processor\": a name is a TOML bare \
         key (ASCII letters, digits, `_` and `-`)"
    );
    assert!(matches!(e.kind(), ConfigErrorKind::InvalidName(_)));
    assert!(matches!(
        error("version = 1\n[retry.\"\"]\n").kind(),
        ConfigErrorKind::InvalidName(_)
    ));
}

#[test]
fn the_first_error_in_the_file_is_reported() {
    // Tables are visited in name order; the report follows the file.
    let e = error(
        "version = 1\n[breaker.zeta]\nfailure_threshold = 0\n[breaker.alpha]\nreset_timeout = \"x\"\n",
    );
    assert_eq!(e.line(), Some(3));
    assert_eq!(e.instance(), Some("breaker.zeta"));
}

#[test]
fn a_breaker_and_a_retry_may_share_a_name() {
    let registry = load("version = 1\n[breaker.critical_operation]\n[retry.critical_operation]\n")
        .expect("valid");
    assert_eq!(
        registry.breaker("critical_operation").unwrap().name(),
        "critical_operation"
    );
    assert_eq!(
        registry.retry("critical_operation").unwrap().config().name,
        "critical_operation"
    );
}

#[test]
fn file_errors_name_the_path() {
    let missing = data("tests/data/no-such-file.toml");
    let e = ConfigFile::from_file(&missing).unwrap_err();
    assert!(matches!(e.kind(), ConfigErrorKind::Read(_)));
    assert_eq!(e.path(), missing);
    assert!(
        e.to_string()
            .starts_with(&format!("{}: cannot read the file: ", missing.display())),
        "{e}"
    );
    assert!(e.source().is_some());

    let dir = std::env::temp_dir().join(format!("totem-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("latin1.toml");
    std::fs::write(&bad, b"version = 1\n[breaker.caf\xe9]\n").unwrap();
    let e = ConfigFile::from_file(&bad).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        e.to_string(),
        format!("{}:2:13: the file is not UTF-8", bad.display())
    );
}

// --- The registry. ---

/// An observer that records the names in the events it sees and counts its
/// clones (one per instance built).
#[derive(Default)]
struct Recorder {
    names: Arc<Mutex<Vec<String>>>,
    clones: Arc<AtomicUsize>,
}

impl Clone for Recorder {
    fn clone(&self) -> Self {
        self.clones.fetch_add(1, Ordering::Relaxed);
        Self {
            names: Arc::clone(&self.names),
            clones: Arc::clone(&self.clones),
        }
    }
}

impl Observer for Recorder {
    fn on_event(&self, event: &Event) {
        if let Event::Transition(t) = event {
            self.names.lock().unwrap().push(t.name.to_owned());
        }
    }
}

/// A clock that counts its clones.
#[derive(Debug)]
struct CountedClock {
    clock: &'static ManualClock,
    clones: Arc<AtomicUsize>,
}

impl Clone for CountedClock {
    fn clone(&self) -> Self {
        self.clones.fetch_add(1, Ordering::Relaxed);
        Self {
            clock: self.clock,
            clones: Arc::clone(&self.clones),
        }
    }
}

impl Clock for CountedClock {
    fn now(&self) -> Instant {
        self.clock.now()
    }
}

const TWO_AND_ONE: &str = "version = 1\n\
    [breaker.payments]\nfailure_threshold = 1\nreset_timeout = \"5s\"\n\
    [breaker.inventory]\ndaily_reset = { at = \"04:00\", mode = \"full\" }\n\
    [retry.notify]\ninitial_delay = \"10ms\"\n";

#[test]
fn lookup_by_name_iteration_in_name_order_and_events_carry_the_name() {
    let clock: &'static ManualClock = Box::leak(Box::new(ManualClock::new()));
    let recorder = Recorder::default();
    let registry =
        Registry::from_toml_str(TWO_AND_ONE, "inline", clock, recorder.clone()).expect("valid");

    let payments = registry.breaker("payments").expect("configured");
    assert_eq!(payments.name(), "payments");
    assert!(registry.breaker("missing").is_none());
    assert!(registry.retry("payments").is_none());
    assert_eq!(
        registry.retry("notify").unwrap().config().initial_delay,
        Duration::from_millis(10)
    );
    // The same &'static instance on every lookup.
    assert!(std::ptr::eq(
        payments,
        registry.breaker("payments").unwrap()
    ));

    let names: Vec<_> = registry.breakers().map(|(n, b)| (n, b.name())).collect();
    assert_eq!(
        names,
        [("inventory", "inventory"), ("payments", "payments")]
    );
    assert_eq!(registry.retries().len(), 1);
    assert_eq!(registry.daily_reset("payments"), None);
    assert_eq!(
        registry.daily_reset("inventory"),
        Some(DailyReset {
            at: at(4, 0, 0),
            mode: ResetMode::Full
        })
    );
    let daily: Vec<_> = registry
        .daily_resets()
        .map(|(b, d)| (b.name(), d.mode))
        .collect();
    assert_eq!(daily, [("inventory", ResetMode::Full)]);

    // Time in state counts from the build.
    clock.advance(Duration::from_secs(3));
    assert_eq!(payments.snapshot().time_in(State::Closed), 3_000);

    let _ = payments.call(|| Err::<(), _>("down"));
    assert_eq!(payments.state(), State::Open);
    assert_eq!(*recorder.names.lock().unwrap(), ["payments"]);
}

#[test]
fn an_instance_gets_one_clone_of_the_clock_and_of_the_observer() {
    let clock = CountedClock {
        clock: Box::leak(Box::new(ManualClock::new())),
        clones: Arc::default(),
    };
    let recorder = Recorder::default();
    let clones = Arc::clone(&recorder.clones);
    let clock_clones = Arc::clone(&clock.clones);
    Registry::from_toml_str(TWO_AND_ONE, "inline", clock, recorder).expect("valid");
    assert_eq!(clones.load(Ordering::Relaxed), 3);
    assert_eq!(clock_clones.load(Ordering::Relaxed), 3);
}

#[test]
fn a_bad_file_builds_nothing() {
    // The bad retry comes last in the file and in name order: every breaker
    // before it was valid, and still none was built.
    let text = format!("{TWO_AND_ONE}[retry.zz]\nmax_attempts = 0\n");
    let clock = CountedClock {
        clock: Box::leak(Box::new(ManualClock::new())),
        clones: Arc::default(),
    };
    let recorder = Recorder::default();
    let clones = Arc::clone(&recorder.clones);
    let clock_clones = Arc::clone(&clock.clones);
    let e = Registry::from_toml_str(&text, "inline", clock, recorder).unwrap_err();
    assert!(matches!(
        e.kind(),
        ConfigErrorKind::Invalid(ConfigError::MaxAttemptsZero)
    ));
    assert_eq!(clones.load(Ordering::Relaxed), 0);
    assert_eq!(clock_clones.load(Ordering::Relaxed), 0);
}

#[test]
fn the_registry_and_its_instances_are_shared_across_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Registry>();
    shared::<ConfigFile>();
    shared::<ConfigFileError>();

    let registry = load(TWO_AND_ONE).expect("valid");
    let payments = registry.breaker("payments").unwrap();
    std::thread::spawn(move || payments.call(|| Ok::<_, ()>(())).unwrap())
        .join()
        .unwrap();
    assert_eq!(payments.snapshot().successes_total, 1);
}

/// The observer a registry is meant for: each instance gets its own clone
/// (and so its own rejection rate limit).
#[cfg(feature = "tracing")]
#[test]
fn a_registry_reports_through_the_tracing_observer() {
    let registry = Registry::from_toml_str(
        TWO_AND_ONE,
        "inline",
        DefaultClock::default(),
        totem_std::TracingObserver::new(),
    )
    .expect("valid");
    let payments = registry.breaker("payments").unwrap();
    let _ = payments.call(|| Err::<(), _>("down"));
    assert_eq!(payments.state(), State::Open);
}

#[test]
fn a_checked_file_builds_into_a_registry() {
    let file = ConfigFile::from_toml_str(TWO_AND_ONE, "inline").expect("valid");
    assert_eq!(
        file.breaker_names().collect::<Vec<_>>(),
        ["inventory", "payments"]
    );
    assert_eq!(file.retry_names().collect::<Vec<_>>(), ["notify"]);
    let info = file.info().clone();
    let registry = Registry::build(file, DefaultClock::default(), NoObserver).expect("builds");
    assert_eq!(*registry.info(), info);
}

// --- The file accepts exactly what the core accepts. ---

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn a_breaker_is_accepted_exactly_when_the_core_accepts_it(
        threshold in 0u32..520,
        reset_ms in prop_oneof![0u32..10, 0..=totem_core::MAX_TIMEOUT_MS + 10],
        half_open_s in 0u32..140_000,
        permits in 0u32..34,
        successes in prop::option::of(0u32..34),
    ) {
        let mut text = format!(
            "version = 1\n[breaker.b]\nfailure_threshold = {threshold}\n\
             reset_timeout = \"{reset_ms}ms\"\nhalf_open_timeout = {half_open_s}\nhalf_open_permits = {permits}\n"
        );
        let mut by_hand = BreakerConfig::new("b")
            .failure_threshold(threshold)
            .reset_timeout(Duration::from_ticks(reset_ms))
            .half_open_timeout(Duration::from_secs(half_open_s))
            .half_open_permits(permits);
        if let Some(n) = successes {
            text.push_str(&format!("successes_to_close = {n}\n"));
            by_hand = by_hand.successes_to_close(n);
        }
        match (ConfigFile::from_toml_str(&text, "p.toml"), by_hand.validate()) {
            (Ok(file), Ok(valid)) => {
                let registry = Registry::build(file, DefaultClock::default(), NoObserver).unwrap();
                prop_assert_eq!(registry.breaker("b").unwrap().config(), valid.get());
            }
            (Err(e), Err(core)) => {
                prop_assert!(matches!(e.kind(), ConfigErrorKind::Invalid(c) if *c == core), "{}", e);
                prop_assert_eq!(e.field(), Some(core.field()));
            }
            (file, core) => prop_assert!(false, "file {:?}, core {:?}", file.err(), core.err()),
        }
    }

    #[test]
    fn a_retry_is_accepted_exactly_when_the_core_accepts_it(
        attempts in 0u32..5,
        initial_ms in 0u32..3_000,
        max_ms in prop_oneof![0u32..3_000, (totem_core::MAX_DELAY_MS - 2)..=totem_core::MAX_DELAY_MS.saturating_add(2)],
        num in 0u32..100_000,
        den in 0u32..5,
        deadline_ms in prop::option::of(prop_oneof![0u32..10, (totem_core::MAX_DELAY_MS - 2)..=u32::MAX]),
    ) {
        let mut text = format!(
            "version = 1\n[retry.r]\nmax_attempts = {attempts}\ninitial_delay = \"{initial_ms}ms\"\n\
             max_delay = \"{max_ms}ms\"\nbackoff_factor = \"{num}/{den}\"\n"
        );
        let mut by_hand = RetryConfig::new("r")
            .max_attempts(attempts)
            .initial_delay(Duration::from_ticks(initial_ms))
            .max_delay(Duration::from_ticks(max_ms))
            .backoff_factor(BackoffFactor::ratio(num, den));
        if let Some(d) = deadline_ms {
            text.push_str(&format!("deadline = \"{d}ms\"\n"));
            by_hand = by_hand.deadline(Duration::from_ticks(d));
        }
        match (ConfigFile::from_toml_str(&text, "p.toml"), by_hand.validate()) {
            (Ok(file), Ok(valid)) => {
                let registry = Registry::build(file, DefaultClock::default(), NoObserver).unwrap();
                prop_assert_eq!(registry.retry("r").unwrap().config(), valid.get());
            }
            (Err(e), Err(core)) => {
                prop_assert!(matches!(e.kind(), ConfigErrorKind::Invalid(c) if *c == core), "{}", e);
                prop_assert_eq!(e.field(), Some(core.field()));
            }
            (file, core) => prop_assert!(false, "file {:?}, core {:?}", file.err(), core.err()),
        }
    }
}

// --- Arbitrary input never panics. ---

/// Values of every TOML type, in and out of range, well and badly formed.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (0i64..600).prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| format!("{f:?}")),
        Just("nan".to_owned()),
        Just("-inf".to_owned()),
        "\"[0-9]{0,12}(ms|s|m|h|d|)\"",
        "\"[0-9]{1,11}/[0-9]{1,11}\"",
        "\"[0-9]{1,3}:[0-9]{1,3}(:[0-9]{1,3})?\"",
        "\"(none|full|equal|decorrelated|stats|failure|neutral|x)\"",
        Just("true".to_owned()),
        Just("[1, 2]".to_owned()),
        Just("03:00:00".to_owned()),
        ("\"[0-9:]{0,9}\"", "\"[a-z]{0,6}\"")
            .prop_map(|(a, m)| format!("{{ at = {a}, mode = {m} }}")),
        "\"[^\"\\\\\\n]{0,8}\"",
    ]
}

const BREAKER_KEYS: [&str; 7] = [
    "failure_threshold",
    "reset_timeout",
    "half_open_timeout",
    "half_open_permits",
    "successes_to_close",
    "abandoned",
    "daily_reset",
];
const RETRY_KEYS: [&str; 7] = [
    "max_attempts",
    "initial_delay",
    "max_delay",
    "backoff_factor",
    "jitter",
    "deadline",
    "metrics",
];

/// A table's fields: mostly its own keys (so that values reach the
/// conversions and the core's validation), sometimes another's or junk.
fn fields(keys: &'static [&'static str]) -> impl Strategy<Value = Vec<(String, String)>> {
    let key = prop_oneof![
        8 => prop::sample::select(keys).prop_map(str::to_owned),
        1 => prop::sample::select(vec!["version", "alerts", "max_attempts", "reset_timeout"]).prop_map(str::to_owned),
        1 => "[a-z_]{1,6}",
    ];
    prop::collection::btree_map(key, value(), 0..5).prop_map(|m| m.into_iter().collect())
}

fn table() -> impl Strategy<Value = String> {
    let name = prop_oneof![9 => "[a-z_]{1,6}", 1 => "[a-z_\\-\\. \"]{0,5}"];
    prop_oneof![
        4 => (name.clone(), fields(&BREAKER_KEYS)).prop_map(|(n, f)| ("breaker", n, f)),
        4 => (name.clone(), fields(&RETRY_KEYS)).prop_map(|(n, f)| ("retry", n, f)),
        1 => (name, fields(&RETRY_KEYS)).prop_map(|(n, f)| ("other", n, f)),
    ]
    .prop_map(|(section, name, fields)| {
        let mut t = format!("[{section}.{name}]\n");
        for (k, v) in fields {
            t.push_str(&format!("{k} = {v}\n"));
        }
        t
    })
}

fn document() -> impl Strategy<Value = String> {
    (
        prop::option::weighted(0.9, prop_oneof![3 => Just("1".to_owned()), 1 => value()]),
        prop::collection::vec(table(), 0..4),
    )
        .prop_map(|(version, tables)| {
            let version = version
                .map(|v| format!("version = {v}\n"))
                .unwrap_or_default();
            version + &tables.concat()
        })
}

/// Whatever `text` is: an error that names the origin and a line within the
/// text, or a file that builds.
fn check(text: &str) {
    match ConfigFile::from_toml_str(text, "fuzz.toml") {
        Ok(file) => {
            Registry::build(file, DefaultClock::default(), NoObserver)
                .expect("a checked file builds");
        }
        Err(e) => {
            let message = e.to_string();
            assert!(message.starts_with("fuzz.toml:"), "{message}");
            if let Some(line) = e.line() {
                assert!(line <= text.lines().count() + 1, "{message}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        check(&text);
    }

    #[test]
    fn toml_shaped_text_never_panics(text in document()) {
        check(&text);
    }

    #[test]
    fn version_1_documents_never_panic(tables in prop::collection::vec(table(), 0..4)) {
        check(&format!("version = 1\n{}", tables.concat()));
    }
}

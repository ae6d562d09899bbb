//! The breaker policies beyond consecutive failures in configuration files:
//! every key onto the core's config, a breaker built from a file that trips
//! by rate, a window of its own per breaker, and each error with its file,
//! line and field.
#![cfg(feature = "config")]

use totem_core::{
    Cause, ConfigError, Duration, Event, ManualClock, NoObserver, Observer, SlidingWindow, State,
};
use totem_std::{ConfigFile, ConfigFileError, Registry};

const POLICIES: &str = r#"version = 1

[breaker.payments]
failure_threshold = 50
reset_timeout = "10s"
reset_timeout_factor = 2
max_reset_timeout = "5m"
half_open_permits = 4
half_open_failure_rate = 50
sliding_window = { calls = 10 }
minimum_calls = 4
failure_rate = 50
slow_call_duration = "2s"
slow_call_rate = 80

[breaker.search]
sliding_window = { time = "60s" }
failure_rate = 25
"#;

fn error(text: &str) -> ConfigFileError {
    match ConfigFile::from_toml_str(text, "totem.toml") {
        Ok(file) => panic!("accepted: {file:?}"),
        Err(e) => e,
    }
}

fn registry(clock: &'static ManualClock) -> Registry<&'static ManualClock> {
    Registry::from_toml_str(POLICIES, "totem.toml", clock, NoObserver).expect("valid")
}

#[test]
fn every_policy_key_maps_onto_the_core_config() {
    let clock: &'static ManualClock = Box::leak(Box::default());
    let r = registry(clock);
    let c = *r.breaker("payments").unwrap().config();
    assert_eq!(c.reset_timeout_factor, 2);
    assert_eq!(c.max_reset_timeout, Some(Duration::from_secs(300)));
    assert_eq!(c.half_open_failure_rate, Some(50));
    assert_eq!(c.window.unwrap().size, SlidingWindow::Calls(10));
    assert_eq!(c.window.unwrap().storage.buckets(), 32);
    assert_eq!((c.minimum_calls, c.failure_rate), (4, Some(50)));
    assert_eq!(
        (c.slow_call_duration, c.slow_call_rate),
        (Some(Duration::from_secs(2)), 80)
    );
    let s = *r.breaker("search").unwrap().config();
    assert_eq!(
        s.window.unwrap().size,
        SlidingWindow::Time(Duration::from_secs(60))
    );
    assert_eq!(
        (s.minimum_calls, s.failure_rate, s.slow_call_duration),
        (10, Some(25), None)
    );
}

#[test]
fn every_breaker_gets_a_window_of_its_own() {
    let clock: &'static ManualClock = Box::leak(Box::default());
    let (one, two) = (registry(clock), registry(clock));
    let (a, b) = (
        one.breaker("payments").unwrap(),
        two.breaker("payments").unwrap(),
    );
    assert_ne!(
        a.config().window.unwrap().storage,
        b.config().window.unwrap().storage
    );
    assert_ne!(
        a.config().window.unwrap().storage,
        one.breaker("search")
            .unwrap()
            .config()
            .window
            .unwrap()
            .storage
    );
    // Failures in one registry's breaker leave the other's window alone.
    for _ in 0..4 {
        let _ = a.call(|| Err::<(), _>("down"));
    }
    assert_eq!(a.state(), State::Open);
    assert_eq!(b.snapshot().success_rate, None);
}

#[derive(Default)]
struct Causes(std::sync::Mutex<Vec<Cause>>);
impl Observer for &'static Causes {
    fn on_event(&self, e: &Event) {
        if let Event::Transition(t) = e {
            self.0.lock().unwrap().push(t.cause);
        }
    }
}

#[test]
fn a_breaker_from_a_file_trips_by_rate_and_grows_its_open_time() {
    let clock: &'static ManualClock = Box::leak(Box::default());
    let causes: &'static Causes = Box::leak(Box::default());
    let r = Registry::from_toml_str(POLICIES, "totem.toml", clock, causes).unwrap();
    let b = r.breaker("payments").unwrap();
    for ok in [true, false, true, false] {
        let _ = b.call(|| if ok { Ok(()) } else { Err("down") });
    }
    assert_eq!(b.state(), State::Open, "2 of 4: 50 %");
    clock.advance(Duration::from_secs(10));
    // Half-open by rate: 4 probes, 2 failed: reopen, now for 20 s.
    for ok in [true, false, true, false] {
        let _ = b.call(|| if ok { Ok(()) } else { Err("down") });
    }
    assert_eq!(b.state(), State::Open);
    clock.advance(Duration::from_millis(19_999));
    assert_eq!(b.state(), State::Open);
    clock.advance(Duration::from_millis(1));
    assert_eq!(b.state(), State::HalfOpen);
    assert_eq!(
        *causes.0.lock().unwrap(),
        [
            Cause::FailureRate,
            Cause::ResetTimeout,
            Cause::ProbeFailed,
            Cause::ResetTimeout
        ]
    );
}

#[test]
fn policy_errors_name_the_file_line_and_field() {
    let e = error("version = 1\n[breaker.b]\nsliding_window = { calls = 10 }\nfailure_rate = 0\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:4:1: breaker.b.failure_rate: BreakerConfig.failure_rate must be a percentage from 1 to 100"
    );
    assert_eq!(
        std::error::Error::source(&e).and_then(|s| s.downcast_ref::<ConfigError>()),
        Some(&ConfigError::FailureRateOutOfRange)
    );
    let e = error("version = 1\n[breaker.b]\nfailure_rate = 50\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:2:1: breaker.b.sliding_window: BreakerConfig.sliding_window is required by failure_rate and slow_calls (sliding_window is not set: its default applies)"
    );
    let e = error("version = 1\n[breaker.b]\nsliding_window = { calls = 10, time = \"1m\" }\n");
    assert!(
        e.to_string()
            .starts_with("totem.toml:3:18: breaker.b.sliding_window: a sliding window is either"),
        "{e}"
    );
    let e = error("version = 1\n[breaker.b]\nsliding_window = { count = 10 }\n");
    assert!(e.to_string().contains("unknown field `count`"), "{e}");
    let e =
        error("version = 1\n[breaker.b]\nsliding_window = { calls = 10 }\nslow_call_rate = 50\n");
    assert!(
        e.to_string().starts_with(
            "totem.toml:4:18: breaker.b.slow_call_rate: slow_call_rate needs slow_call_duration"
        ),
        "{e}"
    );
    let e = error("version = 1\n[breaker.b]\nsliding_window = { calls = 5 }\nfailure_rate = 50\n");
    assert!(
        e.to_string()
            .contains("minimum_calls must not exceed a count sliding_window's calls"),
        "{e}"
    );
    let e = error("version = 1\n[breaker.b]\nreset_timeout_factor = 17\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:3:1: breaker.b.reset_timeout_factor: BreakerConfig.reset_timeout_factor must be at most 16 (MAX_RESET_TIMEOUT_FACTOR)"
    );
    let e = error("version = 1\n[breaker.b]\nsliding_window = { time = \"10ms\" }\n");
    assert!(e.to_string().contains("must span 32 ms"), "{e}");
}

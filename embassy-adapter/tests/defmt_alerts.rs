//! Alert edges on the host (feature `defmt`): a breaker's and a retry's
//! alerts fire and clear through `BreakerWatch` and `RetryWatch`, and each
//! edge is one defmt `warn` frame (counted by a no-op logger; build with
//! `DEFMT_LOG=warn` or lower to compile the frames in).
#![cfg(feature = "defmt")]

use core::sync::atomic::{AtomicUsize, Ordering};

use totem_core::{
    validated, Alert, AlertChange, BreakerAlerts, BreakerConfig, CircuitBreaker, Clock, Duration,
    ManualClock, Retry, RetryAlerts, RetryConfig,
};
use totem_embassy::{BreakerWatch, RetryWatch};

static FRAMES: AtomicUsize = AtomicUsize::new(0);

defmt::timestamp!("{=u32}", 0);

#[defmt::global_logger]
struct CountingLogger;

unsafe impl defmt::Logger for CountingLogger {
    fn acquire() {
        FRAMES.fetch_add(1, Ordering::Relaxed);
    }
    unsafe fn flush() {}
    unsafe fn release() {}
    unsafe fn write(_bytes: &[u8]) {}
}

/// Frames logged by `f` (the tests share the logger: one test at a time).
fn frames(f: impl FnOnce()) -> usize {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let before = FRAMES.load(Ordering::Relaxed);
    f();
    FRAMES.load(Ordering::Relaxed) - before
}

fn expected(edges: usize) -> usize {
    match option_env!("DEFMT_LOG") {
        Some("trace" | "debug" | "info" | "warn") => edges,
        _ => 0,
    }
}

#[test]
fn a_breaker_s_alerts_fire_and_clear_with_a_warning_each() {
    let clock = ManualClock::new();
    let sensor = CircuitBreaker::new(
        validated!(BreakerConfig::new("sensor").reset_timeout(Duration::from_secs(30))),
        &clock,
    );
    sensor.start_time_accounting();
    static RULES: totem_core::Valid<BreakerAlerts> = validated!(BreakerAlerts::new());
    let mut watch: BreakerWatch<8> = BreakerWatch::new(RULES);
    let mut edges = Vec::new();
    let logged = frames(|| {
        // 9 minutes of a sensor that never answers, sampled every 30 s: it
        // opens at 2 minutes, and flaps OPEN/HALF_OPEN from then on.
        for _ in 0..18 {
            let _ = sensor.call(|| Err::<(), _>("no answer"));
            clock.advance(Duration::from_secs(30));
            edges.extend(watch.update(clock.now(), sensor.snapshot()));
        }
        // It answers again.
        let _ = sensor.call(|| Ok::<_, ()>(()));
        clock.advance(Duration::from_secs(30));
        edges.extend(watch.update(clock.now(), sensor.snapshot()));
    });
    let seen: Vec<_> = edges.iter().map(|e| (e.alert, e.change)).collect();
    assert_eq!(
        seen,
        [
            (Alert::BreakerConsecutiveFailures, AlertChange::Fired),
            (Alert::BreakerNotClosed, AlertChange::Fired),
            (Alert::BreakerNotClosed, AlertChange::Cleared),
            (Alert::BreakerConsecutiveFailures, AlertChange::Cleared),
        ]
    );
    assert!(watch.active().is_empty());
    assert_eq!(logged, expected(4));
}

#[test]
fn a_retry_storm_fires_and_clears_with_a_warning_each() {
    let clock = ManualClock::new();
    let modem = Retry::new(
        validated!(RetryConfig::new("modem").max_attempts(4)),
        &clock,
        1,
    );
    let mut watch: RetryWatch<16> = RetryWatch::new(validated!(RetryAlerts::new()));
    let mut edges = Vec::new();
    let logged = frames(|| {
        edges.extend(watch.update(clock.now(), modem.snapshot()));
        let _ = modem.call(&|_: Duration| {}, || Err::<(), _>("no carrier"));
        let _ = modem.call(&|_: Duration| {}, || Err::<(), _>("no carrier"));
        clock.advance(Duration::from_secs(5));
        edges.extend(watch.update(clock.now(), modem.snapshot()));
        assert!(watch.tracker().since(Alert::RetryRetries).is_some());
        for _ in 0..4 {
            clock.advance(Duration::from_secs(30));
            edges.extend(watch.update(clock.now(), modem.snapshot()));
        }
    });
    let seen: Vec<_> = edges.iter().map(|e| (e.alert, e.change)).collect();
    assert_eq!(
        seen,
        [
            (Alert::RetryRetries, AlertChange::Fired),
            (Alert::RetryRetries, AlertChange::Cleared),
        ]
    );
    assert_eq!(logged, expected(2));
}

//! `DefmtObserver` on the host (feature `defmt`): every event kind goes
//! through it without panicking. The frames go to a counting no-op logger
//! (build with `DEFMT_LOG=trace` to compile every level in).
#![cfg(feature = "defmt")]

use core::sync::atomic::{AtomicUsize, Ordering};

use totem_core::{
    validated, BreakerConfig, CircuitBreaker, Duration, Jitter, ManualClock, Retry, RetryConfig,
    State,
};
use totem_embassy::DefmtObserver;

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

#[test]
fn every_event_kind_is_logged() {
    let clock = ManualClock::new();
    let breaker = CircuitBreaker::new(
        validated!(BreakerConfig::new("sensor")
            .failure_threshold(2)
            .reset_timeout(Duration::from_millis(100))),
        &clock,
    )
    .with_observer(DefmtObserver);
    let retry = Retry::new(
        validated!(RetryConfig::new("sensor")
            .max_attempts(2)
            .jitter(Jitter::None)),
        &clock,
        1,
    )
    .with_observer(DefmtObserver);

    let _ = retry.call(&|_: Duration| {}, || Err::<(), _>(())); // RetryScheduled, RetryGaveUp
    let _ = breaker.call(|| Err::<(), _>(()));
    let _ = breaker.call(|| Err::<(), _>(())); // CLOSED -> OPEN
    let _ = breaker.call(|| Ok::<_, ()>(())); // Rejected
    clock.advance(Duration::from_millis(100));
    let _ = breaker.call(|| Ok::<_, ()>(())); // OPEN -> HALF_OPEN -> CLOSED
    assert_eq!(breaker.state(), State::Closed);

    // Which levels produce frames depends on DEFMT_LOG at build time (none by
    // default, all with DEFMT_LOG=trace); with debug and up on, all 6 events log.
    let frames = FRAMES.load(Ordering::Relaxed);
    match option_env!("DEFMT_LOG") {
        Some("trace" | "debug") => assert_eq!(frames, 6),
        _ => assert!(frames <= 6, "{frames} frames"),
    }
}

#[test]
fn labels_are_upper_case() {
    let labels: Vec<_> = State::ALL.iter().map(|s| s.label()).collect();
    assert_eq!(
        labels,
        ["CLOSED", "OPEN", "HALF_OPEN", "FORCED_OPEN", "DISABLED"]
    );
}

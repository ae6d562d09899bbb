//! Helpers shared by the behaviour tests.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use totem_core::{BreakerConfig, CircuitBreaker, Clock, Duration, Instant, ManualClock, Observer};
#[allow(unused_imports)]
pub use totem_tests::Recorder;

/// A manual clock that counts how often it is read.
#[derive(Debug, Default)]
pub struct CountingClock {
    pub inner: ManualClock,
    reads: AtomicU32,
}

impl CountingClock {
    pub fn reads(&self) -> u32 {
        self.reads.load(Ordering::Relaxed)
    }
    pub fn advance(&self, d: Duration) {
        self.inner.advance(d)
    }
}

impl Clock for CountingClock {
    fn now(&self) -> Instant {
        self.reads.fetch_add(1, Ordering::Relaxed);
        self.inner.now()
    }
}

pub fn ms(n: u32) -> Duration {
    Duration::from_millis(n)
}

pub fn secs(n: u32) -> Duration {
    Duration::from_secs(n)
}

/// A breaker on `clock` reporting to `rec`.
pub fn breaker<C: Clock, O: Observer>(
    cfg: BreakerConfig,
    clock: C,
    rec: O,
) -> CircuitBreaker<C, O> {
    CircuitBreaker::new(cfg.validate().expect("valid test config"), clock).with_observer(rec)
}

pub fn fail<T>(
    b: &CircuitBreaker<impl Clock, impl Observer>,
) -> Result<T, totem_core::CallError<&'static str>> {
    b.call(|| Err("down"))
}

pub fn succeed(
    b: &CircuitBreaker<impl Clock, impl Observer>,
) -> Result<u32, totem_core::CallError<&'static str>> {
    b.call(|| Ok(1))
}

/// A breaker (threshold 1) that has just tripped and whose `reset_timeout`
/// has passed: its next caller is admitted as a half-open probe.
pub fn half_open(
    cfg: BreakerConfig,
    clock: &CountingClock,
) -> CircuitBreaker<&CountingClock, totem_core::NoObserver> {
    let reset = cfg.reset_timeout;
    let b = breaker(cfg.failure_threshold(1), clock, totem_core::NoObserver);
    let _ = fail::<()>(&b);
    clock.advance(reset);
    b
}

/// The storage of a fresh window of `B` buckets (leaked: a window is
/// `'static`, as beside a `static` breaker).
pub fn window<const B: usize>() -> totem_core::WindowStorage {
    Box::leak(Box::new(totem_core::RateWindow::<B>::new())).storage()
}

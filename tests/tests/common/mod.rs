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

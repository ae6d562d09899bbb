//! What the exporter reads: anything that hands out a breaker or retry
//! snapshot. Object-safe, so one exporter holds breakers and retries of any
//! clock, observer and settings type side by side.

use totem_core::{
    BreakerSettings, BreakerSnapshot, CircuitBreaker, Clock, Observer, Retry, RetrySettings,
    RetrySnapshot, Settings,
};

/// A breaker the exporter can read. Implemented for every
/// [`CircuitBreaker`] that can be shared between threads; implement it for a
/// wrapper that owns a breaker to export that.
///
/// ```
/// use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock};
/// use totem_std::BreakerSource;
/// static CLOCK: ManualClock = ManualClock::new();
/// static DB: CircuitBreaker<&ManualClock> = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &CLOCK);
/// let source: &'static dyn BreakerSource = &DB;
/// assert_eq!(source.breaker_snapshot().name, "db");
/// ```
pub trait BreakerSource: Sync {
    /// The breaker's metrics now (read at scrape time).
    fn breaker_snapshot(&self) -> BreakerSnapshot;

    /// The breaker's name, without taking a snapshot (which has effects: it
    /// may make a pending lazy transition).
    fn breaker_name(&self) -> &'static str {
        self.breaker_snapshot().name
    }
}

impl<C: Clock, O: Observer, K: Settings<BreakerSettings>> BreakerSource for CircuitBreaker<C, O, K>
where
    Self: Sync,
{
    fn breaker_snapshot(&self) -> BreakerSnapshot {
        self.snapshot()
    }

    fn breaker_name(&self) -> &'static str {
        self.name()
    }
}

/// A retry the exporter can read. Implemented for every [`Retry`] that can
/// be shared between threads.
///
/// ```
/// use totem_core::{validated, ManualClock, Retry, RetryConfig};
/// use totem_std::RetrySource;
/// static CLOCK: ManualClock = ManualClock::new();
/// static NOTIFY: Retry<&ManualClock> = Retry::new(validated!(RetryConfig::new("notify")), &CLOCK, 1);
/// let source: &'static dyn RetrySource = &NOTIFY;
/// assert_eq!(source.retry_snapshot().attempts_total, 0);
/// ```
pub trait RetrySource: Sync {
    /// The retry's metrics now (read at scrape time).
    fn retry_snapshot(&self) -> RetrySnapshot;

    /// The retry's name.
    fn retry_name(&self) -> &'static str {
        self.retry_snapshot().name
    }
}

impl<C: Clock, O: Observer, K: Settings<RetrySettings>> RetrySource for Retry<C, O, K>
where
    Self: Sync,
{
    fn retry_snapshot(&self) -> RetrySnapshot {
        self.snapshot()
    }

    fn retry_name(&self) -> &'static str {
        self.config().name
    }
}

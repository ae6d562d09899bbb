//! # totem-core
//!
//! The decision core of Totem: a **circuit breaker** and **retry** with
//! backoff and jitter, `no_std`, allocation-free and lock-free. Everything
//! that decides (state transitions, delays, metrics) lives here; the
//! frontends (`totem-std`, `totem-embassy`) only supply a clock, a way to
//! sleep, and export.
//!
//! ```
//! use totem_core::{validated, BreakerConfig, CircuitBreaker, Duration, ManualClock, State};
//!
//! static CLOCK: ManualClock = ManualClock::new();
//! static BREAKER: CircuitBreaker<&ManualClock> = CircuitBreaker::new(
//!     validated!(BreakerConfig::new("payment_processor")
//!         .failure_threshold(5)
//!         .reset_timeout(Duration::from_secs(60))
//!         .half_open_timeout(Duration::from_secs(30))),
//!     &CLOCK,
//! );
//!
//! for _ in 0..5 {
//!     let _ = BREAKER.call(|| Err::<(), _>("timeout"));
//! }
//! assert_eq!(BREAKER.state(), State::Open);
//! CLOCK.advance(Duration::from_secs(60));
//! assert_eq!(BREAKER.state(), State::HalfOpen);
//! assert_eq!(BREAKER.call(|| Ok::<_, &str>("paid")).unwrap(), "paid");
//! assert_eq!(BREAKER.state(), State::Closed);
//! ```
//!
#![doc = include_str!("../SEMANTICS.md")]
//!
//! ## Features
//! - `metrics` (default): the breaker's and the retry's counters (totals,
//!   transitions by cause, time in each state, the delay histogram). Without
//!   it a snapshot reads 0 for every count, a breaker is its two words (8 B of
//!   RAM) and a firmware carries no code for counting: the lean build (see
//!   BENCHMARKS.md). Of the alert rules, only those on the state and the
//!   streak (not CLOSED, consecutive failures) can fire without it.
//! - `defmt`: `defmt::Format` on the public value types.
//! - `critical-section`: atomics through a critical section, for targets
//!   without CAS (thumbv6m, riscv32imc).
//! - `policies`: the breaker policies beyond consecutive failures: rates
//!   (`failure_rate`, `slow_calls`) over a [`RateWindow`]'s buckets, a
//!   growing open time, a half-open episode decided by rate. Off by default,
//!   so a firmware that does not use them carries neither their code nor
//!   their configuration fields (`totem-std` turns it on).
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// Private modules, one public path per item (the re-exports below). Imports
// run one way: primitive, striped, clock, limits, event, window, config,
// metrics, breaker, retry; throttle needs only primitive and clock; alert reads
// clock, limits, event, config and metrics.
mod alert;
mod breaker;
mod clock;
mod config;
mod event;
mod limits;
mod metrics;
mod primitive;
mod retry;
mod striped;
mod throttle;
#[cfg(feature = "policies")]
mod window;

pub use alert::{
    Alert, AlertChange, AlertConfigError, AlertEdge, AlertEdges, AlertSet, AlertTracker,
    BreakerAlerts, Problem, RetryAlerts, RuleWarning, Sample, Severity,
};
pub use breaker::{BreakerSettings, CallError, CircuitBreaker, Outcome, Permit};
pub use clock::{Clock, Duration, Instant, ManualClock};
pub use config::{
    AbandonedPermit, BackoffFactor, BreakerConfig, ConfigError, Jitter, RetryBudgetConfig,
    RetryConfig, Settings, Valid,
};
#[cfg(feature = "policies")]
pub use config::{SlidingWindow, Window};
pub use event::{
    Cause, Event, GiveUp, NoObserver, Observer, ObserverFn, Rejected, RetryGaveUp, RetryScheduled,
    State, Transition,
};
pub use limits::{
    DELAY_BUCKETS_MS, ERROR_CLASSES, GENERATIONS, MAX_BUDGET_RETRIES, MAX_DELAY_MS,
    MAX_FAILURE_THRESHOLD, MAX_HALF_OPEN_PERMITS, MAX_TIMEOUT_MS,
};
#[cfg(feature = "policies")]
pub use limits::{
    MAX_REOPENS_COUNTED, MAX_RESET_TIMEOUT_FACTOR, MAX_WINDOW_BUCKETS, MAX_WINDOW_CALLS,
};
pub use metrics::{BreakerSnapshot, RetrySnapshot, SuccessRate};
pub use retry::{
    Backoff, BlockingSleeper, NotRejected, Retry, RetryBudget, RetryError, RetryErrors,
    RetryPolicy, RetrySettings, SharedRng, Sleeper,
};
pub use striped::COUNTER_STRIPES;
pub use throttle::Throttle;
#[cfg(feature = "policies")]
pub use window::{RateWindow, WindowStorage};

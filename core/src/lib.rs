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
//! ## Semantics in brief
//! - CLOSED: `failure_threshold` consecutive failures open the breaker. The
//!   CLOSED path reads no clock: admission is one atomic load, and a
//!   success adds one more load and one counter increment.
//! - OPEN: calls are rejected without running, with the time left until a
//!   probe. After `reset_timeout`, [`CircuitBreaker::state`] reads HALF_OPEN
//!   with no timer task: deadlines are evaluated lazily, and events carry the
//!   deadline's time.
//! - HALF_OPEN: at most `half_open_permits` probes; `successes_to_close`
//!   successes close it; a failure reopens it; probes unresolved after
//!   `half_open_timeout` (counted from the first admission while none was in
//!   flight) reopen it at that expiry.
//! - A [`Permit`] dropped without an outcome is *abandoned*: a failure by
//!   default ([`AbandonedPermit`]).
//! - A result from a call admitted before the last transition counts in the
//!   totals but drives nothing. The generation that tells them apart is 10
//!   bits: a permit held across exactly a multiple of [`GENERATIONS`] (1024)
//!   generations is taken for a current one, and even then it resolves a
//!   probe in flight as that probe would have, or drives nothing.
//! - Timeouts are at most [`MAX_TIMEOUT_MS`] (about 37 h); time is a
//!   wrapping 32-bit millisecond count, compared with wrapping arithmetic.
//!
//! ## Features
//! - `defmt`: `defmt::Format` on the public value types.
//! - `critical-section`: atomics through a critical section, for targets
//!   without CAS (thumbv6m, riscv32imc).
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// Private modules, one public path per item (the re-exports below). Imports
// run one way: primitive, clock, limits, event, config, metrics, breaker,
// retry.
mod breaker;
mod clock;
mod config;
mod event;
mod limits;
mod metrics;
mod primitive;
mod retry;

pub use breaker::{CallError, CircuitBreaker, Outcome, Permit};
pub use clock::{Clock, Duration, Instant, ManualClock};
pub use config::{
    AbandonedPermit, BackoffFactor, BreakerConfig, ConfigError, Jitter, RetryConfig, Valid,
};
pub use event::{
    Cause, Event, GiveUp, NoObserver, Observer, ObserverFn, Rejected, RetryGaveUp, RetryScheduled,
    State, Transition,
};
pub use limits::{
    ERROR_CLASSES, GENERATIONS, MAX_DELAY_MS, MAX_FAILURE_THRESHOLD, MAX_HALF_OPEN_PERMITS,
    MAX_TIMEOUT_MS,
};
pub use metrics::{BreakerSnapshot, RetrySnapshot, SuccessRate};
pub use retry::{
    Backoff, NotRejected, Retry, RetryError, RetryErrors, RetryPolicy, SharedRng, Sleeper,
};

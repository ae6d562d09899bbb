//! How each peer is built and called.
//!
//! Every bench binary goes through these functions, so the speed, contended and
//! allocation numbers describe exactly the same code. Each subject is built the
//! way its README builds it, with default settings.
//!
//! The operation's error type is `()` on purpose: it is what the issue asks
//! every subject to wrap.
#![allow(clippy::result_unit_err)]

use crate::op;

/// failsafe 1.3: `Config::new().build()`, the documented default
/// (success rate over a time window, or else 5 consecutive failures).
pub mod failsafe {
    use super::op;
    use ::failsafe::backoff::EqualJittered;
    use ::failsafe::failure_policy::{ConsecutiveFailures, OrElse, SuccessRateOverTimeWindow};
    use ::failsafe::CircuitBreaker;

    /// The type `Config::new().build()` returns.
    pub type Breaker = ::failsafe::StateMachine<
        OrElse<SuccessRateOverTimeWindow<EqualJittered>, ConsecutiveFailures<EqualJittered>>,
        (),
    >;

    /// `Config::new().build()`.
    pub fn new() -> Breaker {
        ::failsafe::Config::new().build()
    }

    /// A default breaker driven open by failures.
    pub fn new_open() -> Breaker {
        let b = new();
        for _ in 0..10_000 {
            if !b.is_call_permitted() {
                return b;
            }
            let _ = b.call(|| op::err(()));
        }
        panic!("failsafe breaker did not open");
    }

    /// `breaker.call(|| Ok(black_box(x)))`.
    #[inline]
    pub fn call(b: &Breaker, x: u64) -> Result<u64, ::failsafe::Error<()>> {
        b.call(|| op::ok::<()>(x))
    }
}

/// recloser 1.4: `Recloser::default()`.
pub mod recloser {
    use super::op;
    pub use ::recloser::Recloser as Breaker;

    /// `Recloser::default()`.
    pub fn new() -> Breaker {
        Breaker::default()
    }

    /// A default breaker driven open by failures (it needs a full ring of 100).
    pub fn new_open() -> Breaker {
        let b = new();
        for _ in 0..10_000 {
            if let Err(::recloser::Error::Rejected) = b.call(|| op::err(())) {
                return b;
            }
        }
        panic!("recloser did not open");
    }

    /// `recloser.call(|| Ok(black_box(x)))`.
    #[inline]
    pub fn call(b: &Breaker, x: u64) -> Result<u64, ::recloser::Error<()>> {
        b.call(|| op::ok::<()>(x))
    }
}

/// circuitbreaker-rs 0.1: `CircuitBreaker::builder().build()`.
pub mod cbrs {
    use super::op;
    use ::circuitbreaker_rs::{BreakerError, CircuitBreaker, DefaultPolicy};

    /// The breaker type; the crate requires `E: std::error::Error`.
    pub type Breaker = CircuitBreaker<DefaultPolicy, std::fmt::Error>;

    /// `CircuitBreaker::builder().build()`.
    pub fn new() -> Breaker {
        Breaker::builder().build()
    }

    /// A default breaker driven open by failures.
    pub fn new_open() -> Breaker {
        let b = new();
        for _ in 0..10_000 {
            if let Err(BreakerError::Open) = b.call(|| op::err(std::fmt::Error)) {
                return b;
            }
        }
        panic!("circuitbreaker-rs did not open");
    }

    /// `breaker.call(|| Ok(black_box(x)))`.
    #[inline]
    pub fn call(b: &Breaker, x: u64) -> Result<u64, BreakerError<std::fmt::Error>> {
        b.call(|| op::ok::<std::fmt::Error>(x))
    }
}

/// backon 1.6, blocking retry: `op.retry(ExponentialBuilder::default()).call()`.
pub mod backon {
    use super::op;
    use ::backon::{BlockingRetryable, ExponentialBuilder};

    /// A blocking retry with the default exponential backoff (3 retries, 1 s
    /// min delay, no jitter) and the default `std::thread::sleep` sleeper.
    #[inline]
    pub fn call(x: u64) -> Result<u64, ()> {
        (|| op::ok::<()>(x)).retry(ExponentialBuilder::default()).call()
    }

    /// The same retry with a caller-built `op` (for the breaker + retry rows).
    #[inline]
    pub fn call_with<T, E>(op: impl FnMut() -> Result<T, E>) -> Result<T, E> {
        op.retry(ExponentialBuilder::default()).call()
    }
}

/// backoff 0.4: `backoff::retry(ExponentialBackoff::default(), op)`.
pub mod backoff {
    use super::op;
    pub use ::backoff::ExponentialBackoff as Policy;

    /// `ExponentialBackoff::default()`, built once; each call clones it (cheaper
    /// than the `default()` per call the README shows: that reads the clock twice).
    pub fn new() -> Policy {
        Policy::default()
    }

    /// `backoff::retry(policy.clone(), || Ok(black_box(x)))`.
    #[inline]
    pub fn call(p: &Policy, x: u64) -> Result<u64, ::backoff::Error<()>> {
        ::backoff::retry(p.clone(), || op::ok::<::backoff::Error<()>>(x))
    }
}

/// Plain baselines.
pub mod baseline {
    use super::op;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Mutex;

    /// The bare operation.
    #[inline]
    pub fn plain(x: u64) -> Result<u64, ()> {
        op::ok::<()>(x)
    }

    /// One `fetch_add(1, Relaxed)`, then the operation: what a wrapper that
    /// counts calls in one shared atomic costs at the least.
    #[inline]
    pub fn fetch_add(c: &AtomicU64, x: u64) -> Result<u64, ()> {
        c.fetch_add(1, Ordering::Relaxed);
        op::ok::<()>(x)
    }

    /// `Mutex<u64>` lock, increment, unlock, then the operation.
    #[inline]
    pub fn mutex(m: &Mutex<u64>, x: u64) -> Result<u64, ()> {
        *m.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        op::ok::<()>(x)
    }

    /// One `std::time::Instant::now()`.
    #[inline]
    pub fn instant_now() -> std::time::Instant {
        std::time::Instant::now()
    }
}

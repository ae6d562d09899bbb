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

/// Totem: `totem-core` on `totem-std`'s default clock ([`totem_std::DefaultClock`],
/// the coarse monotonic clock on Linux), built the way `totem-std` builds it
/// (`totem_std::breaker`, `totem_std::retry`), default settings except where a
/// bench needs a state to last (long timeouts, so that an OPEN or HALF_OPEN
/// breaker stays so for the whole measurement).
pub mod totem {
    use super::op;
    use totem_core::{
        BreakerConfig, CallError, CircuitBreaker, Clock, Duration, Permit, RetryConfig, RetryError,
        State,
    };
    pub use totem_std::{CoarseClock, DefaultClock, StdClock};

    /// A breaker on the default std clock.
    pub type Breaker = CircuitBreaker<DefaultClock>;
    /// A retry on the default std clock.
    pub type Retry = totem_core::Retry<DefaultClock>;

    /// Long enough for any measurement (the core's limit is about 37 h).
    const LONG: Duration = Duration::from_secs(3_600);

    /// `totem_std::breaker(BreakerConfig::new("bench"))`: the defaults.
    pub fn new() -> Breaker {
        totem_std::breaker(BreakerConfig::new("bench")).expect("valid config")
    }

    /// A breaker on `clock`, tripped OPEN by `failure_threshold` failures,
    /// with an hour to go before a probe.
    pub fn new_open_on<C: Clock>(clock: C) -> CircuitBreaker<C> {
        let b = CircuitBreaker::try_new(BreakerConfig::new("bench").reset_timeout(LONG), clock)
            .expect("valid config");
        while b.state() != State::Open {
            let _ = b.call(|| op::err(()));
        }
        b
    }

    /// A breaker on the default clock, tripped OPEN.
    pub fn new_open() -> Breaker {
        new_open_on(DefaultClock::default())
    }

    /// A breaker (default clock) in HALF_OPEN whose only probe slot is taken
    /// by a permit held while `f` runs: every call in `f` is rejected.
    pub fn with_half_open_probe_taken<R>(f: impl FnOnce(&Breaker) -> R) -> R {
        let b = CircuitBreaker::try_new(
            BreakerConfig::new("bench")
                .reset_timeout(Duration::from_millis(1))
                .half_open_timeout(LONG),
            DefaultClock::default(),
        )
        .expect("valid config");
        while b.state() != State::Open {
            let _ = b.call(|| op::err(()));
        }
        while b.state() != State::HalfOpen {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let probe: Permit<'_, DefaultClock> = b.try_acquire().expect("the probe is admitted");
        assert!(b.try_acquire().is_err(), "a second probe must be rejected");
        let r = f(&b);
        assert_eq!(
            b.state(),
            State::HalfOpen,
            "stayed half-open for the whole measurement"
        );
        probe.success();
        r
    }

    /// `breaker.call(|| Ok(black_box(x)))`.
    #[inline]
    pub fn call<C: Clock>(b: &CircuitBreaker<C>, x: u64) -> Result<u64, CallError<()>> {
        b.call(|| op::ok::<()>(x))
    }

    /// `totem_std::retry(RetryConfig::new("bench").metrics(metrics))`.
    pub fn retry(metrics: bool) -> Retry {
        totem_std::retry(RetryConfig::new("bench").metrics(metrics)).expect("valid config")
    }

    /// `retry.call(&totem_std::sleep, || Ok(black_box(x)))`.
    #[inline]
    pub fn retry_call(r: &Retry, x: u64) -> Result<u64, RetryError<()>> {
        r.call(&totem_std::sleep, || op::ok::<()>(x))
    }

    /// Breaker around retry (the spec's decorator order):
    /// `breaker.call(|| retry.call(&sleep, op))`.
    #[inline]
    pub fn breaker_retry(b: &Breaker, r: &Retry, x: u64) -> Result<u64, CallError<RetryError<()>>> {
        b.call(|| r.call(&totem_std::sleep, || op::ok::<()>(x)))
    }

    /// Retry around breaker: `retry.call_through(&breaker, &sleep, op)`.
    #[inline]
    pub fn retry_through(b: &Breaker, r: &Retry, x: u64) -> Result<u64, RetryError<CallError<()>>> {
        r.call_through(b, &totem_std::sleep, || op::ok::<()>(x))
    }
}

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
        (|| op::ok::<()>(x))
            .retry(ExponentialBuilder::default())
            .call()
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

    /// One read of `totem_std::StdClock` (`std::time::Instant` based).
    #[inline]
    pub fn std_clock_now() -> totem_core::Instant {
        use totem_core::Clock;
        totem_std::StdClock.now()
    }

    /// One read of `totem_std::CoarseClock`, Totem's default clock on std
    /// (`CLOCK_MONOTONIC_COARSE` on Linux).
    #[inline]
    pub fn coarse_clock_now() -> totem_core::Instant {
        use totem_core::Clock;
        totem_std::CoarseClock.now()
    }
}

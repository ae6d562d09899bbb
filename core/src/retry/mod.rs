//! Retry: [`Retry`] runs an operation again after a growing, jittered delay,
//! blocking ([`Retry::call`]) or async ([`Retry::call_async`]).
//!
//! Reading order, along the path of a call:
//! - this file: the retry, its constructors and its calls;
//! - `run`: what happens after each attempt (give up, or sleep how long);
//! - `backoff`: the schedule of delays and its jitter;
//! - `budget`: the retries shared retries may make, as a share of calls;
//! - `policy`: what is retried, and the error the caller gets.

mod backoff;
mod budget;
mod policy;
mod run;
mod settings;
mod sleep;

use core::future::Future;

use self::backoff::fold_seed;
use self::run::{finish, retry_loop};
use crate::breaker::{CallError, CircuitBreaker};
use crate::clock::Clock;
use crate::config::{ConfigError, RetryConfig, Settings, Valid};
use crate::event::{GiveUp, NoObserver, Observer};
use crate::limits::{DELAY_BUCKETS, ERROR_CLASSES};
use crate::metrics::RetrySnapshot;
use crate::primitive::{
    bump, const_fn, counters, read, read_all, AtomicCounter, AtomicU32, Ordering,
};

pub use self::backoff::{Backoff, SharedRng};
pub use self::budget::RetryBudget;
pub use self::policy::{NotRejected, RetryError, RetryErrors, RetryPolicy};
pub use self::settings::RetrySettings;
pub use self::sleep::{BlockingSleeper, Sleeper};

/// The retry's counters.
#[derive(Debug)]
struct Counters {
    succeeded: AtomicCounter,
    failed: AtomicCounter,
    abandoned: AtomicCounter,
    retries: AtomicCounter,
    delay_ms: AtomicCounter,
    /// Retries by the delay slept before them ([`DELAY_BUCKETS_MS`]).
    delays: [AtomicCounter; DELAY_BUCKETS],
    errors: [AtomicCounter; ERROR_CLASSES],
    /// Calls that gave up for want of a retry in the budget.
    budget_denied: AtomicCounter,
}

/// Retries an operation with exponential backoff and jitter.
///
/// ```
/// use std::cell::RefCell;
/// use totem_core::{validated, Duration, ManualClock, Retry, RetryConfig};
/// let clock = ManualClock::new();
/// let retry = Retry::new(validated!(RetryConfig::new("notify")), &clock, 0x5eed);
/// let mut calls = 0;
/// let slept = RefCell::new(Vec::new());
/// let result = retry.call(
///     &|d: Duration| slept.borrow_mut().push(d.as_ticks()),
///     || { calls += 1; if calls < 3 { Err("busy") } else { Ok("sent") } },
/// );
/// assert_eq!(result.unwrap(), "sent");
/// assert_eq!(slept.into_inner(), [1_000, 2_000]);
/// ```
#[derive(Debug)]
pub struct Retry<C, O = NoObserver, K = RetrySettings> {
    settings: K,
    clock: C,
    observer: O,
    rng: AtomicU32,
    counters: Counters,
}

impl<C: Clock> Retry<C, NoObserver> {
    const_fn! {
        /// A retry. `seed` seeds the jitter: give each device its own (a chip
        /// ID, a factory serial; `totem-std` seeds from the OS). `const`, so
        /// it can be a `static`; see also [`reseed`](Self::reseed).
        ///
        /// ```
        /// use totem_core::{validated, ManualClock, Retry, RetryConfig};
        /// static CLOCK: ManualClock = ManualClock::new();
        /// static RETRY: Retry<&ManualClock> =
        ///     Retry::new(validated!(RetryConfig::new("modem")), &CLOCK, 0);
        /// RETRY.reseed(0xC0FFEE); // e.g. the chip's unique ID, at boot
        /// ```
        pub fn new(config: Valid<RetryConfig>, clock: C, seed: u64) -> Self {
            Retry::new_with_observer(config, clock, seed, NoObserver)
        }
    }

    /// Validates `config` and builds the retry, or says which field is wrong.
    ///
    /// ```
    /// use totem_core::{ConfigError, ManualClock, Retry, RetryConfig};
    /// let err = Retry::try_new(RetryConfig::new("x").max_attempts(0), ManualClock::new(), 1);
    /// assert_eq!(err.unwrap_err(), ConfigError::MaxAttemptsZero);
    /// ```
    pub fn try_new(config: RetryConfig, clock: C, seed: u64) -> Result<Self, ConfigError> {
        Ok(Self::new(config.validate()?, clock, seed))
    }
}

impl<C: Clock, O: Observer> Retry<C, O> {
    const_fn! {
        /// [`new`](Retry::new) with an observer: `const`, so a `static`
        /// retry can report its events.
        ///
        /// ```
        /// use totem_core::{validated, Event, ManualClock, Retry, RetryConfig};
        /// fn log(e: &Event) { let _ = e; }
        /// static CLOCK: ManualClock = ManualClock::new();
        /// static RETRY: Retry<&ManualClock, fn(&Event)> =
        ///     Retry::new_with_observer(validated!(RetryConfig::new("modem")), &CLOCK, 0, log);
        /// assert_eq!(RETRY.config().max_attempts, 3);
        /// ```
        pub fn new_with_observer(config: Valid<RetryConfig>, clock: C, seed: u64, observer: O) -> Self {
            Retry::from_settings(RetrySettings::new(config), clock, seed, observer)
        }
    }

    const_fn! {
        /// The same retry drawing its retries from `budget`, which other
        /// retries may share: each call deposits its share, each retry
        /// withdraws one, and a call whose retry the budget cannot pay for
        /// gives up with [`GiveUp::BudgetExhausted`]. `const`, so a `static`
        /// retry can take a `static` budget. The budget reads this retry's
        /// clock: the retries that share one must share a timeline. A retry
        /// whose settings are in flash takes its budget in them
        /// ([`RetrySettings::with_budget`]).
        ///
        /// ```
        /// use totem_core::{validated, GiveUp, ManualClock, Retry, RetryBudget, RetryBudgetConfig, RetryConfig};
        /// static CLOCK: ManualClock = ManualClock::new();
        /// static BUDGET: RetryBudget =
        ///     RetryBudget::new(validated!(RetryBudgetConfig::new().retry_percent(10).min_per_second(1)));
        /// static RETRY: Retry<&ManualClock> =
        ///     Retry::new(validated!(RetryConfig::new("modem")), &CLOCK, 0).with_budget(&BUDGET);
        /// // The floor pays for one retry in this second, not two.
        /// let err = RETRY.call(&|_| {}, || Err::<(), _>("down")).unwrap_err();
        /// assert_eq!((err.attempts, err.reason), (2, GiveUp::BudgetExhausted));
        /// assert_eq!(RETRY.snapshot().budget_denied_total, 1);
        /// ```
        pub fn with_budget(mut self, budget: &'static RetryBudget) -> Self {
            self.settings = self.settings.with_budget(budget);
            self
        }
    }
}

impl<C: Clock, O: Observer, K: Settings<RetrySettings>> Retry<C, O, K> {
    const_fn! {
        /// A retry configured by `settings`: `const`, for a `static`. With a
        /// unit type from [`settings!`](crate::settings) the configuration
        /// stays in flash and the code of the options it leaves off folds
        /// away (see [`Settings`]).
        ///
        /// ```
        /// use totem_core::{settings, ManualClock, NoObserver, Retry, RetryConfig, RetrySettings};
        /// settings! { Uplink: RetrySettings = RetryConfig::new("uplink").max_attempts(5); }
        /// static CLOCK: ManualClock = ManualClock::new();
        /// static UPLINK: Retry<&ManualClock, NoObserver, Uplink> =
        ///     Retry::from_settings(Uplink, &CLOCK, 0x5eed, NoObserver);
        /// assert_eq!(UPLINK.config().max_attempts, 5);
        /// ```
        pub fn from_settings(settings: K, clock: C, seed: u64, observer: O) -> Self {
            Self {
                settings,
                clock,
                observer,
                rng: AtomicU32::new(fold_seed(seed)),
                counters: Counters {
                    succeeded: AtomicCounter::new(0),
                    failed: AtomicCounter::new(0),
                    abandoned: AtomicCounter::new(0),
                    retries: AtomicCounter::new(0),
                    delay_ms: AtomicCounter::new(0),
                    delays: counters(),
                    errors: counters(),
                    budget_denied: AtomicCounter::new(0),
                },
            }
        }
    }

    /// The same retry reporting to `observer`.
    ///
    /// ```
    /// # use totem_core::{validated, Event, ManualClock, Retry, RetryConfig};
    /// # let clock = ManualClock::new();
    /// let retry = Retry::new(validated!(RetryConfig::new("x")), &clock, 1)
    ///     .with_observer(totem_core::ObserverFn(|e: &Event| println!("{e:?}")));
    /// # let _ = retry;
    /// ```
    pub fn with_observer<O2: Observer>(self, observer: O2) -> Retry<C, O2, K> {
        Retry {
            settings: self.settings,
            clock: self.clock,
            observer,
            rng: self.rng,
            counters: self.counters,
        }
    }

    /// The budget this retry draws on, if any.
    #[inline(always)]
    pub fn budget(&self) -> Option<&'static RetryBudget> {
        self.settings.get().budget()
    }

    /// The configuration.
    #[inline(always)]
    pub fn config(&self) -> &RetryConfig {
        self.settings.get().config()
    }

    /// Restarts the jitter sequence from `seed` (for a `static` seeded at
    /// boot). The same seed gives the same delays.
    ///
    /// ```
    /// # use totem_core::{validated, Jitter, ManualClock, Retry, RetryConfig};
    /// # let clock = ManualClock::new();
    /// let retry = Retry::new(validated!(RetryConfig::new("x").jitter(Jitter::Full)), &clock, 0);
    /// retry.reseed(42);
    /// let a: Vec<_> = retry.schedule().collect();
    /// retry.reseed(42);
    /// assert_eq!(a, retry.schedule().collect::<Vec<_>>());
    /// ```
    pub fn reseed(&self, seed: u64) {
        // Relaxed: the generator state publishes nothing else.
        self.rng.store(fold_seed(seed), Ordering::Relaxed);
    }

    /// The delay schedule of one call, drawing jitter from this retry's
    /// generator.
    ///
    /// ```
    /// # use totem_core::{validated, ManualClock, Retry, RetryConfig};
    /// # let clock = ManualClock::new();
    /// let retry = Retry::new(validated!(RetryConfig::new("x")), &clock, 1);
    /// let delays: Vec<u32> = retry.schedule().map(|d| d.as_ticks()).collect();
    /// assert_eq!(delays, [1_000, 2_000]);
    /// ```
    pub fn schedule(&self) -> Backoff<SharedRng<'_>> {
        Backoff::new(self.settings.get().valid(), SharedRng(&self.rng))
    }

    /// Runs `op` until it succeeds, the policy says stop, attempts run out or
    /// the deadline would be passed, calling `sleep` between attempts. Every
    /// `Err` is retried; see [`call_if`](Self::call_if).
    ///
    /// ```
    /// # use totem_core::{validated, ManualClock, Retry, RetryConfig};
    /// # let clock = ManualClock::new();
    /// let retry = Retry::new(validated!(RetryConfig::new("x")), &clock, 1);
    /// assert_eq!(retry.call(&clock, || Ok::<_, ()>(5)).unwrap(), 5);
    /// ```
    #[inline]
    pub fn call<T, E>(
        &self,
        sleeper: &impl BlockingSleeper,
        op: impl FnMut() -> Result<T, E>,
    ) -> Result<T, RetryError<E>> {
        self.call_if(&RetryErrors, sleeper, op)
    }

    /// [`call`](Self::call) with a [`RetryPolicy`] deciding what is retried.
    ///
    /// ```
    /// # use totem_core::{validated, GiveUp, ManualClock, Retry, RetryConfig};
    /// # let clock = ManualClock::new();
    /// let retry = Retry::new(validated!(RetryConfig::new("x")), &clock, 1);
    /// let only_busy = |r: &Result<(), &str>| matches!(r, Err("busy"));
    /// let err = retry.call_if(&only_busy, &clock, || Err("forbidden")).unwrap_err();
    /// assert_eq!((err.attempts, err.reason), (1, GiveUp::NotRetryable));
    /// ```
    pub fn call_if<T, E>(
        &self,
        policy: &impl RetryPolicy<T, E>,
        sleeper: &impl BlockingSleeper,
        mut op: impl FnMut() -> Result<T, E>,
    ) -> Result<T, RetryError<E>> {
        retry_loop!(self, policy, op(), |d| sleeper.sleep(d))
    }

    /// The first attempt is the hot path: a success that needs no retry
    /// returns at once (no schedule, no clock, one counter); anything else
    /// comes back as `Err` to enter the retry loop.
    #[inline(always)]
    #[allow(clippy::type_complexity)]
    fn first<T, E>(
        &self,
        result: Result<T, E>,
        policy: &impl RetryPolicy<T, E>,
    ) -> Result<Result<T, RetryError<E>>, Result<T, E>> {
        if result.is_ok() && !policy.should_retry(&result) {
            if self.config().metrics {
                bump(&self.counters.succeeded);
            }
            Ok(finish(result, 1, GiveUp::NotRetryable))
        } else {
            Err(result)
        }
    }

    /// Retry around a breaker: each attempt goes through `breaker`, and a
    /// rejection stops the retries at once (it is returned, not retried).
    ///
    /// ```
    /// use totem_core::{validated, BreakerConfig, CallError, CircuitBreaker, GiveUp, ManualClock, Retry, RetryConfig};
    /// let clock = ManualClock::new();
    /// let breaker = CircuitBreaker::new(validated!(BreakerConfig::new("db").failure_threshold(2)), &clock);
    /// let retry = Retry::new(validated!(RetryConfig::new("db").max_attempts(5)), &clock, 1);
    /// let err = retry.call_through(&breaker, &clock, || Err::<(), _>("down")).unwrap_err();
    /// assert!(matches!(err.error, CallError::Rejected(_)));
    /// assert_eq!((err.attempts, err.reason), (3, GiveUp::NotRetryable));
    /// ```
    pub fn call_through<T, E, BC: Clock, BO: Observer>(
        &self,
        breaker: &CircuitBreaker<BC, BO>,
        sleeper: &impl BlockingSleeper,
        mut op: impl FnMut() -> Result<T, E>,
    ) -> Result<T, RetryError<CallError<E>>> {
        self.call_if(&NotRejected, sleeper, || breaker.call(&mut op))
    }

    /// The async retry loop, sleeping with `sleeper`. Every `Err` is retried.
    ///
    /// ```
    /// # use totem_core::{validated, Duration, ManualClock, Retry, RetryConfig, Sleeper};
    /// # use core::future::Future;
    /// # struct NoWait;
    /// # impl Sleeper for NoWait { fn sleep(&self, _: Duration) -> impl Future<Output = ()> { core::future::ready(()) } }
    /// # let clock = ManualClock::new();
    /// let retry = Retry::new(validated!(RetryConfig::new("x")), &clock, 1);
    /// let fut = retry.call_async(&NoWait, || async { Ok::<_, ()>(1) });
    /// # let _ = fut;
    /// ```
    pub async fn call_async<T, E, F>(
        &self,
        sleeper: &impl Sleeper,
        op: impl FnMut() -> F,
    ) -> Result<T, RetryError<E>>
    where
        F: Future<Output = Result<T, E>>,
    {
        self.call_if_async(&RetryErrors, sleeper, op).await
    }

    /// The async retry loop with a [`RetryPolicy`].
    ///
    /// ```
    /// # use totem_core::{validated, Duration, ManualClock, Retry, RetryConfig, Sleeper};
    /// # use core::future::Future;
    /// # struct NoWait;
    /// # impl Sleeper for NoWait { fn sleep(&self, _: Duration) -> impl Future<Output = ()> { core::future::ready(()) } }
    /// # let clock = ManualClock::new();
    /// let retry = Retry::new(validated!(RetryConfig::new("x")), &clock, 1);
    /// let fut = retry.call_if_async(&|r: &Result<(), ()>| r.is_err(), &NoWait, || async { Ok(()) });
    /// # let _ = fut;
    /// ```
    pub async fn call_if_async<T, E, F>(
        &self,
        policy: &impl RetryPolicy<T, E>,
        sleeper: &impl Sleeper,
        mut op: impl FnMut() -> F,
    ) -> Result<T, RetryError<E>>
    where
        F: Future<Output = Result<T, E>>,
    {
        retry_loop!(self, policy, op().await, |d| sleeper.sleep(d).await)
    }

    /// The async form of [`call_through`](Self::call_through): each attempt
    /// goes through `breaker` (`op` runs only when it is admitted), and a
    /// rejection stops the retries.
    ///
    /// ```
    /// # use totem_core::{validated, BreakerConfig, CircuitBreaker, Duration, ManualClock, Retry, RetryConfig, Sleeper};
    /// # use core::future::Future;
    /// # struct NoWait;
    /// # impl Sleeper for NoWait { fn sleep(&self, _: Duration) -> impl Future<Output = ()> { core::future::ready(()) } }
    /// # let clock = ManualClock::new();
    /// let breaker = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &clock);
    /// let retry = Retry::new(validated!(RetryConfig::new("db")), &clock, 1);
    /// let fut = retry.call_through_async(&breaker, &NoWait, || async { Ok::<_, ()>(1) });
    /// # let _ = fut;
    /// ```
    pub async fn call_through_async<T, E, F, BC: Clock, BO: Observer>(
        &self,
        breaker: &CircuitBreaker<BC, BO>,
        sleeper: &impl Sleeper,
        mut op: impl FnMut() -> F,
    ) -> Result<T, RetryError<CallError<E>>>
    where
        F: Future<Output = Result<T, E>>,
    {
        retry_loop!(self, &NotRejected, breaker.call_async(&mut op).await, |d| {
            sleeper.sleep(d).await
        })
    }

    /// A copy of the metrics: all zeros without the `metrics` feature, or
    /// with [`RetryConfig::metrics`] off.
    ///
    /// ```
    /// # use totem_core::{validated, ManualClock, Retry, RetryConfig};
    /// # let clock = ManualClock::new();
    /// let retry = Retry::new(validated!(RetryConfig::new("x")), &clock, 1);
    /// let _ = retry.call(&clock, || Err::<(), _>(()));
    /// let s = retry.snapshot();
    /// assert_eq!((s.attempts_total, s.retries_total, s.delay_ms_total), (3, 2, 3_000));
    /// ```
    pub fn snapshot(&self) -> RetrySnapshot {
        let c = &self.counters;
        let success_total = read(&c.succeeded);
        let failure_total = read(&c.failed);
        let abandoned_total = read(&c.abandoned);
        let retries_total = read(&c.retries);
        RetrySnapshot {
            name: self.config().name,
            attempts_total: success_total + failure_total + abandoned_total + retries_total,
            success_total,
            failure_total,
            abandoned_total,
            retries_total,
            delay_ms_total: read(&c.delay_ms),
            delay_buckets: read_all(&c.delays),
            errors_by_class: read_all(&c.errors),
            budget_denied_total: read(&c.budget_denied),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::backoff::*;
    use super::*;
    use crate::clock::Duration;
    use crate::config::Jitter;
    use crate::limits::MAX_DELAY_MS;

    struct Fixed(u32);
    impl rand_core::TryRng for Fixed {
        type Error = core::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            Ok(self.0)
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            Ok(self.0 as u64)
        }
        fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), Self::Error> {
            Ok(())
        }
    }

    fn delays(cfg: RetryConfig, rng: u32) -> [u32; 4] {
        let cfg = cfg.max_attempts(5).validate().unwrap();
        let mut out = [0; 4];
        for (slot, d) in out.iter_mut().zip(Backoff::new(&cfg, Fixed(rng))) {
            *slot = d.as_ticks();
        }
        out
    }

    fn ms(n: u32) -> Duration {
        Duration::from_ticks(n)
    }

    #[test]
    fn exponential_capped() {
        let cfg = RetryConfig::new("x")
            .initial_delay(ms(1_000))
            .max_delay(ms(5_000));
        assert_eq!(delays(cfg, 0), [1_000, 2_000, 4_000, 5_000]);
    }

    #[test]
    fn fractional_factor_keeps_precision() {
        let cfg = RetryConfig::new("x")
            .initial_delay(ms(1))
            .backoff_factor(crate::BackoffFactor::ratio(3, 2));
        // floor(1.5^n): 1, 1, 2, 3 (step-wise flooring would stick at 1)
        assert_eq!(delays(cfg, 0), [1, 1, 2, 3]);
    }

    #[test]
    fn huge_factor_saturates() {
        let cfg = RetryConfig::new("x")
            .initial_delay(ms(7))
            .max_delay(ms(MAX_DELAY_MS))
            .backoff_factor(crate::BackoffFactor::from_raw(u32::MAX));
        assert_eq!(delays(cfg, 0), [7, 458_751, 2_147_483_647, 2_147_483_647]);
    }

    #[test]
    fn jitter_bounds_at_extremes() {
        let base = RetryConfig::new("x")
            .initial_delay(ms(1_000))
            .max_delay(ms(10_000));
        assert_eq!(delays(base.jitter(Jitter::Full), 0), [0; 4]);
        assert_eq!(
            delays(base.jitter(Jitter::Full), u32::MAX),
            [1_000, 2_000, 4_000, 8_000]
        );
        assert_eq!(
            delays(base.jitter(Jitter::Equal), 0),
            [500, 1_000, 2_000, 4_000]
        );
        assert_eq!(delays(base.jitter(Jitter::Decorrelated), 0), [1_000; 4]);
        assert_eq!(
            delays(base.jitter(Jitter::Decorrelated), u32::MAX),
            [3_000, 9_000, 10_000, 10_000]
        );
    }

    #[test]
    fn shared_rng_is_deterministic_per_seed() {
        let a = AtomicU32::new(fold_seed(1));
        let b = AtomicU32::new(fold_seed(1));
        let c = AtomicU32::new(fold_seed(2));
        let mut ra = SharedRng(&a);
        let mut rb = SharedRng(&b);
        let mut rc = SharedRng(&c);
        use rand_core::Rng;
        let xa: [u32; 4] = core::array::from_fn(|_| ra.next_u32());
        let xb: [u32; 4] = core::array::from_fn(|_| rb.next_u32());
        let xc: [u32; 4] = core::array::from_fn(|_| rc.next_u32());
        assert_eq!(xa, xb);
        assert_ne!(xa, xc);
    }
}

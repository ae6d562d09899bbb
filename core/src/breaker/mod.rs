//! The circuit breaker: [`CircuitBreaker`], its [`Permit`]s, [`Outcome`] and
//! [`CallError`].
//!
//! Reading order, along the path of a call:
//! - this file: the breaker, its constructors and its public operations;
//! - `machine`: the pure decisions (the one folder to open to change how
//!   probes are admitted or what trips the breaker: one file per operation);
//! - `driver`: the one CAS loop that applies them to the state word, and
//!   the publication of each transition;
//! - `word`: the packed state word and stamp, drawn once;
//! - `accounting`: time in each state, and snapshots;
//! - `permit`: what a caller holds while its call runs, and the results;
//! - `windowed`: the rate policies' sliding window, fed by the outcomes.

mod accounting;
mod driver;
mod machine;
mod permit;
mod settings;
mod windowed;
mod word;

use core::future::Future;

use self::machine::{
    decide_acquire, decide_command, decide_outcome, decide_reset_stats, decide_state,
    success_is_quiet, Command, Decision, Effect, Limits,
};
use self::word::{Stamp, Word};
use crate::clock::{Clock, Duration};
use crate::config::{AbandonedPermit, BreakerConfig, ConfigError, Settings, Valid};
use crate::event::{Event, NoObserver, Observer, Rejected, State};
use crate::metrics::Counters;
use crate::primitive::{bump, const_fn, AtomicU32, CachePadded, SPEED_OVER_SIZE};

pub(crate) use self::machine::public_state;
pub use self::permit::{CallError, Outcome, Permit};
pub use self::settings::BreakerSettings;
use self::windowed::Timing;

/// The two words every decision reads, kept on their own cache line on
/// std-class CPUs (counters written by every call live on another).
#[derive(Debug)]
struct Words {
    word: AtomicU32,
    stamp: AtomicU32,
}

/// A lock-free circuit breaker over a [`Clock`] `C`, reporting to an
/// [`Observer`] `O`, configured by [`Settings`] `K`: stored in the breaker
/// by default ([`new`](Self::new)), or a constant in flash declared with
/// [`settings!`](crate::settings) ([`from_settings`](Self::from_settings)).
///
/// ```
/// use totem_core::{validated, BreakerConfig, CallError, CircuitBreaker, ManualClock, State};
///
/// static CLOCK: ManualClock = ManualClock::new();
/// static BREAKER: CircuitBreaker<&ManualClock> =
///     CircuitBreaker::new(validated!(BreakerConfig::new("sensor").failure_threshold(2)), &CLOCK);
///
/// for _ in 0..2 {
///     let _ = BREAKER.call(|| Err::<(), _>("i2c nack"));
/// }
/// assert_eq!(BREAKER.state(), State::Open);
/// match BREAKER.call(|| Ok::<_, &str>(1)) {
///     Err(CallError::Rejected(r)) => assert_eq!(r.retry_after.unwrap().as_secs(), 60),
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug)]
pub struct CircuitBreaker<C, O = NoObserver, K = BreakerSettings> {
    words: CachePadded<Words>,
    counters: CachePadded<Counters>,
    settings: K,
    clock: C,
    observer: O,
}

impl<C: Clock> CircuitBreaker<C, NoObserver> {
    const_fn! {
        /// A CLOSED breaker. `const`, so it can be a `static`; get the
        /// [`Valid`] configuration from [`validated!`](crate::validated) (a
        /// bad value fails the build) or from `validate()`.
        ///
        /// ```
        /// use totem_core::{BreakerConfig, CircuitBreaker, ManualClock};
        /// let cfg = BreakerConfig::new("db").validate().expect("valid");
        /// let breaker = CircuitBreaker::new(cfg, ManualClock::new());
        /// assert!(breaker.try_acquire().is_ok());
        /// ```
        pub fn new(config: Valid<BreakerConfig>, clock: C) -> Self {
            CircuitBreaker::new_with_observer(config, clock, NoObserver)
        }
    }

    /// Validates `config` and builds the breaker, or says which field is
    /// wrong. Time in each state is counted from here (a `const`
    /// [`new`](Self::new) has no clock reading: it starts counting at
    /// [`start_time_accounting`](Self::start_time_accounting)).
    ///
    /// ```
    /// use totem_core::{BreakerConfig, CircuitBreaker, ConfigError, ManualClock};
    /// let err = CircuitBreaker::try_new(BreakerConfig::new("db").failure_threshold(0), ManualClock::new());
    /// assert_eq!(err.unwrap_err(), ConfigError::FailureThresholdZero);
    /// ```
    pub fn try_new(config: BreakerConfig, clock: C) -> Result<Self, ConfigError> {
        let breaker = Self::new(config.validate()?, clock);
        breaker.start_time_accounting();
        Ok(breaker)
    }
}

impl<C: Clock, O: Observer> CircuitBreaker<C, O> {
    const_fn! {
        /// [`new`](CircuitBreaker::new) with an observer: `const`, so a
        /// `static` breaker can report its events.
        ///
        /// ```
        /// use totem_core::{validated, BreakerConfig, CircuitBreaker, Event, ManualClock};
        /// fn log(e: &Event) { let _ = e; }
        /// static CLOCK: ManualClock = ManualClock::new();
        /// static BREAKER: CircuitBreaker<&ManualClock, fn(&Event)> = CircuitBreaker::new_with_observer(
        ///     validated!(BreakerConfig::new("modem")),
        ///     &CLOCK,
        ///     log,
        /// );
        /// assert!(BREAKER.try_acquire().is_ok());
        /// ```
        pub fn new_with_observer(config: Valid<BreakerConfig>, clock: C, observer: O) -> Self {
            CircuitBreaker::from_settings(BreakerSettings::new(config), clock, observer)
        }
    }
}

impl<C: Clock, O: Observer, K: Settings<BreakerSettings>> CircuitBreaker<C, O, K> {
    const_fn! {
        /// A CLOSED breaker configured by `settings`: `const`, for a
        /// `static`. With a unit type from [`settings!`](crate::settings)
        /// the configuration stays in flash and the breaker holds only its
        /// words and counters (see [`Settings`]).
        ///
        /// ```
        /// use totem_core::{settings, BreakerConfig, BreakerSettings, CircuitBreaker, ManualClock, NoObserver};
        /// settings! { Pump: BreakerSettings = BreakerConfig::new("pump").failure_threshold(2); }
        /// static CLOCK: ManualClock = ManualClock::new();
        /// static PUMP: CircuitBreaker<&ManualClock, NoObserver, Pump> =
        ///     CircuitBreaker::from_settings(Pump, &CLOCK, NoObserver);
        /// assert_eq!(PUMP.name(), "pump");
        /// ```
        pub fn from_settings(settings: K, clock: C, observer: O) -> Self {
            Self {
                words: CachePadded(Words {
                    word: AtomicU32::new(Word::INITIAL.bits()),
                    stamp: AtomicU32::new(Stamp::UNANCHORED.bits()),
                }),
                counters: CachePadded(Counters::new()),
                settings,
                clock,
                observer,
            }
        }
    }

    /// The same breaker reporting to `observer`.
    ///
    /// ```
    /// use totem_core::{validated, BreakerConfig, CircuitBreaker, Event, ManualClock};
    /// let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &clock)
    ///     .with_observer(totem_core::ObserverFn(|e: &Event| { let _ = e; }));
    /// assert!(b.try_acquire().is_ok());
    /// ```
    pub fn with_observer<O2: Observer>(self, observer: O2) -> CircuitBreaker<C, O2, K> {
        CircuitBreaker {
            words: self.words,
            counters: self.counters,
            settings: self.settings,
            clock: self.clock,
            observer,
        }
    }

    /// The configuration.
    #[inline(always)]
    pub fn config(&self) -> &BreakerConfig {
        self.settings.get().config()
    }

    /// The limits the decisions read, derived from the configuration.
    #[inline(always)]
    fn limits(&self) -> &Limits {
        &self.settings.get().limits
    }

    /// The name from the configuration.
    pub fn name(&self) -> &'static str {
        self.config().name
    }

    /// The clock.
    pub fn clock(&self) -> &C {
        &self.clock
    }

    /// Asks for a call slot. `Ok(permit)`: run the operation, then record its
    /// outcome on the permit. `Err`: the breaker refused; do not run it.
    ///
    /// The CLOSED path is one atomic load: no clock read, no write (with
    /// the `policies` feature, a breaker without a sliding window writes
    /// once, at its first acquire, to move onto that path; one with a window
    /// takes the slow path, which feeds it).
    ///
    /// ```
    /// use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock};
    /// let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &clock);
    /// match b.try_acquire() {
    ///     Ok(permit) => permit.success(),
    ///     Err(rejected) => println!("not now: {rejected}"),
    /// };
    /// ```
    #[inline]
    pub fn try_acquire(&self) -> Result<Permit<'_, C, O, K>, Rejected> {
        let bits = self.load_bits();
        if let Some(gen) = Word::closed_gen(bits) {
            return Ok(Permit::new(self, gen));
        }
        self.acquire_not_fast(bits)
    }

    /// A permit for a word not on the fast path's CLOSED: CLOSED with a
    /// window to feed admits at once, anything else is decided.
    #[inline(always)]
    fn acquire_not_fast(&self, bits: u32) -> Result<Permit<'_, C, O, K>, Rejected> {
        if let Some(gen) = self.windowed_closed_gen(bits) {
            return Ok(Permit::new(self, gen));
        }
        self.acquire_slow(Word::from_bits(bits))
    }

    #[cold]
    fn acquire_slow(&self, w: Word) -> Result<Permit<'_, C, O, K>, Rejected> {
        match self.drive(w, |w, seen| decide_acquire(w, seen, self.limits())) {
            Ok(gen) => Ok(Permit::new(self, gen)),
            Err((state, retry_after)) => Err(self.reject(state, retry_after)),
        }
    }

    #[cold]
    fn reject(&self, state: State, retry_after: Option<Duration>) -> Rejected {
        bump(&self.counters.0.rejected);
        let rejected = Rejected {
            name: self.config().name,
            state,
            retry_after,
        };
        self.observer.on_event(&Event::Rejected(rejected));
        rejected
    }

    /// The current state. A breaker whose `reset_timeout` has passed reads
    /// HALF_OPEN (the transition is made, and its event emitted, by whoever
    /// looks first, stamped with the deadline's time). No clock is read when
    /// CLOSED.
    ///
    /// ```
    /// use totem_core::{validated, BreakerConfig, CircuitBreaker, Duration, ManualClock, State};
    /// let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(
    ///     validated!(BreakerConfig::new("db").failure_threshold(1).reset_timeout(Duration::from_secs(5))),
    ///     &clock,
    /// );
    /// let _ = b.call(|| Err::<(), _>(()));
    /// assert_eq!(b.state(), State::Open);
    /// clock.advance(Duration::from_secs(5));
    /// assert_eq!(b.state(), State::HalfOpen);
    /// ```
    pub fn state(&self) -> State {
        let w = self.drive(self.load_word(), |w, seen| {
            decide_state(w, seen, self.limits())
        });
        public_state(w.kind())
    }

    /// Failures since the last success or `reset()` (saturates at 511).
    ///
    /// ```
    /// # use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock};
    /// # let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &clock);
    /// let _ = b.call(|| Err::<(), _>(()));
    /// assert_eq!(b.consecutive_failures(), 1);
    /// ```
    pub fn consecutive_failures(&self) -> u32 {
        self.load_word().streak() as u32
    }

    fn command(&self, cmd: Command) {
        self.drive(self.load_word(), |w, seen| {
            decide_command(w, seen, cmd, self.limits())
        });
        if let Command::Reset = cmd {
            self.counters.0.rebase();
            // Already CLOSED, the breaker made no transition that would
            // have emptied the window: the success rate restarts all the same.
            self.clear_window();
        }
    }

    /// Returns to CLOSED from any state, clearing the streak and the
    /// half-open episode. Totals are never reset; the success rate restarts.
    ///
    /// ```
    /// # use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock, State};
    /// # let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &clock);
    /// b.force_open();
    /// b.reset();
    /// assert_eq!(b.state(), State::Closed);
    /// ```
    pub fn reset(&self) {
        self.command(Command::Reset);
    }

    /// Clears the consecutive-failure streak and restarts the success rate,
    /// leaving the state alone: an OPEN breaker keeps its deadline, a
    /// half-open episode its probes. Totals are never reset. For a periodic
    /// reset (the spec's daily one) that must not close a breaker early.
    ///
    /// ```
    /// # use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock, State};
    /// # let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(validated!(BreakerConfig::new("db").failure_threshold(3)), &clock);
    /// let _ = b.call(|| Err::<(), _>(()));
    /// b.reset_stats();
    /// assert_eq!((b.consecutive_failures(), b.snapshot().success_rate), (0, None));
    /// assert_eq!(b.snapshot().failures_total, 1);
    /// ```
    pub fn reset_stats(&self) {
        self.drive(self.load_word(), |w, _| decide_reset_stats(w));
        self.counters.0.rebase();
        self.clear_window();
    }

    /// Opens the breaker until `reset()`: everything is rejected and it never
    /// half-opens by itself.
    ///
    /// ```
    /// # use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock, State};
    /// # let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &clock);
    /// b.force_open();
    /// assert!(b.try_acquire().is_err());
    /// ```
    pub fn force_open(&self) {
        self.command(Command::ForceOpen);
    }

    /// Disables the breaker until `reset()`: everything passes, nothing trips
    /// (outcomes are still counted).
    ///
    /// ```
    /// # use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock, State};
    /// # let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(validated!(BreakerConfig::new("db").failure_threshold(1)), &clock);
    /// b.disable();
    /// let _ = b.call(|| Err::<(), _>(()));
    /// assert_eq!(b.state(), State::Disabled);
    /// ```
    pub fn disable(&self) {
        self.command(Command::Disable);
    }

    /// Runs `op` if the breaker allows it; `Ok` is a success and `Err` a
    /// failure. A rejected call does not run `op`. A panic in `op` counts as
    /// an abandoned permit.
    ///
    /// ```
    /// use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock};
    /// let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &clock);
    /// assert_eq!(b.call(|| Ok::<_, ()>(42)).unwrap(), 42);
    /// ```
    #[inline]
    pub fn call<T, E>(&self, op: impl FnOnce() -> Result<T, E>) -> Result<T, CallError<E>> {
        self.call_classified(Outcome::of, op)
    }

    /// Like [`call`](Self::call), with `classify` deciding what the result
    /// means (so `Ok(503)` can be a failure and a "not found" can be
    /// ignored). The result is returned unchanged.
    ///
    /// ```
    /// use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock, Outcome, State};
    /// let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(validated!(BreakerConfig::new("http").failure_threshold(1)), &clock);
    /// let status = b.call_classified(
    ///     |r: &Result<u16, ()>| if matches!(r, Ok(s) if *s < 500) { Outcome::Success } else { Outcome::Failure },
    ///     || Ok(503),
    /// );
    /// assert_eq!(status.unwrap(), 503);
    /// assert_eq!(b.state(), State::Open);
    /// ```
    #[inline(always)]
    pub fn call_classified<T, E>(
        &self,
        classify: impl FnOnce(&Result<T, E>) -> Outcome,
        op: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, CallError<E>> {
        // CLOSED without a window to feed: the kind the fast path tests says
        // so, and nothing else is read; the path is the one it was before
        // windows existed. Any other state, or a window to feed, goes
        // through the slow path, which may time the call for the slow-call
        // policy.
        if SPEED_OVER_SIZE {
            let bits = self.load_bits();
            if let Some(gen) = Word::closed_gen(bits) {
                let permit = Permit::new(self, gen);
                let result = op();
                permit.record_plain(classify(&result));
                return result.map_err(CallError::Inner);
            }
            let permit = match self.acquire_not_fast(bits) {
                Ok(permit) => permit,
                Err(rejected) => return Err(CallError::Rejected(rejected)),
            };
            let timing = self.call_started();
            let result = op();
            permit.record_timed(classify(&result), timing);
            return result.map_err(CallError::Inner);
        }
        // On MCUs, where flash counts more than a nanosecond: the one
        // shared `try_acquire`, one call of `op`, and the window's check in
        // the recording.
        let permit = match self.try_acquire() {
            Ok(permit) => permit,
            Err(rejected) => return Err(CallError::Rejected(rejected)),
        };
        let timing = self.call_started();
        let result = op();
        permit.record_timed(classify(&result), timing);
        result.map_err(CallError::Inner)
    }

    /// The async form of [`call`](Self::call): the permit is held across the
    /// `.await`, and a future dropped before it completes (a timeout, a
    /// cancelled task) counts as an abandoned permit. No runtime needed.
    ///
    /// ```
    /// # use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock};
    /// # let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &clock);
    /// let fut = b.call_async(|| async { Ok::<_, ()>(1) });
    /// # let _ = fut;
    /// ```
    pub async fn call_async<T, E, F>(&self, op: impl FnOnce() -> F) -> Result<T, CallError<E>>
    where
        F: Future<Output = Result<T, E>>,
    {
        self.call_classified_async(Outcome::of, op).await
    }

    /// The async form of [`call_classified`](Self::call_classified).
    ///
    /// ```
    /// # use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock, Outcome};
    /// # let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &clock);
    /// let fut = b.call_classified_async(|_: &Result<(), ()>| Outcome::Ignore, || async { Ok(()) });
    /// # let _ = fut;
    /// ```
    pub async fn call_classified_async<T, E, F>(
        &self,
        classify: impl FnOnce(&Result<T, E>) -> Outcome,
        op: impl FnOnce() -> F,
    ) -> Result<T, CallError<E>>
    where
        F: Future<Output = Result<T, E>>,
    {
        let permit = match self.try_acquire() {
            Ok(permit) => permit,
            Err(rejected) => return Err(CallError::Rejected(rejected)),
        };
        let timing = self.call_started();
        let result = op().await;
        permit.record_timed(classify(&result), timing);
        result.map_err(CallError::Inner)
    }

    /// [`call`](Self::call) with a fallback for a rejected call (a cached
    /// value, a default, a degraded answer): `fallback` gets the rejection
    /// and its result is returned instead. An error of `op` is returned as
    /// it is; only a rejection falls back.
    ///
    /// ```
    /// use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock};
    /// let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(validated!(BreakerConfig::new("prices").failure_threshold(1)), &clock);
    /// assert_eq!(b.call_or_else(|| Err::<u32, _>("down"), |_| Ok(0)), Err("down"));
    /// // OPEN now: the cached price, without calling the service.
    /// assert_eq!(b.call_or_else(|| Ok::<_, &str>(120), |_rejected| Ok(100)), Ok(100));
    /// ```
    #[inline]
    pub fn call_or_else<T, E>(
        &self,
        op: impl FnOnce() -> Result<T, E>,
        fallback: impl FnOnce(Rejected) -> Result<T, E>,
    ) -> Result<T, E> {
        match self.call(op) {
            Ok(v) => Ok(v),
            Err(CallError::Inner(e)) => Err(e),
            Err(CallError::Rejected(r)) => fallback(r),
        }
    }

    /// The async form of [`call_or_else`](Self::call_or_else).
    ///
    /// ```
    /// # use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock};
    /// # let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(validated!(BreakerConfig::new("prices")), &clock);
    /// let fut = b.call_or_else_async(|| async { Ok::<_, ()>(120) }, |_| async { Ok(100) });
    /// # let _ = fut;
    /// ```
    pub async fn call_or_else_async<T, E, F, G>(
        &self,
        op: impl FnOnce() -> F,
        fallback: impl FnOnce(Rejected) -> G,
    ) -> Result<T, E>
    where
        F: Future<Output = Result<T, E>>,
        G: Future<Output = Result<T, E>>,
    {
        match self.call_async(op).await {
            Ok(v) => Ok(v),
            Err(CallError::Inner(e)) => Err(e),
            Err(CallError::Rejected(r)) => fallback(r).await,
        }
    }

    /// Books an outcome of a permit of generation `gen`; `timing` is the
    /// call's start time when the slow-call policy times calls.
    #[inline]
    pub(super) fn on_outcome(&self, gen: u8, outcome: Outcome, timing: Timing) {
        if self.limits().windowed() {
            return self.on_outcome_windowed(gen, outcome, timing);
        }
        self.on_outcome_plain(gen, outcome);
    }

    /// Books an outcome of a breaker without a sliding window: the hot
    /// path, the same code as before the window existed.
    #[inline]
    pub(super) fn on_outcome_plain(&self, gen: u8, outcome: Outcome) {
        let c = &self.counters.0;
        match outcome {
            Outcome::Success => {
                // The hot path, decided inline by the same pure function: a
                // current CLOSED permit with no streak to clear writes
                // nothing. The word is loaded before the shared counter's
                // RMW so that, under contention, the two RMWs of successive
                // calls are not spaced by the decision. The counter is
                // striped by the clock's choice of cell (one cell on MCUs).
                let bits = self.load_bits();
                c.successes.bump(self.clock.stripe());
                if success_is_quiet(bits, gen) {
                    return;
                }
                self.success_not_quiet(bits, gen);
            }
            Outcome::Failure => {
                bump(&c.failures);
                self.apply_outcome(gen, Effect::Failure);
            }
            Outcome::Ignore => {
                bump(&c.ignored);
                self.apply_outcome(gen, Effect::Release);
            }
        }
    }

    /// A success that is not the quiet CLOSED one. On std-class CPUs it is
    /// out of line, so that the closed path it leaves keeps its registers
    /// (inline, it cost the contended loop a spill), and told apart there
    /// without the CAS loop when it writes nothing (a stale permit, a
    /// windowed CLOSED). On MCUs it goes straight to `apply_outcome`, so the
    /// decision has one copy in flash, not one per recording site.
    #[cfg_attr(totem_speed, cold, inline(never))]
    #[cfg_attr(not(totem_speed), inline(always))]
    fn success_not_quiet(&self, bits: u32, gen: u8) {
        if SPEED_OVER_SIZE {
            let w = Word::from_bits(bits);
            let decision = decide_outcome(w, None, gen, Effect::Success, self.limits());
            if let Decision::Done(()) = decision {
                return;
            }
        }
        self.apply_outcome(gen, Effect::Success);
    }

    /// Books an outcome of a breaker with a sliding window: as
    /// [`on_outcome_plain`](Self::on_outcome_plain), then into the window
    /// (ignored outcomes stay out of it).
    #[inline(never)]
    fn on_outcome_windowed(&self, gen: u8, outcome: Outcome, timing: Timing) {
        self.on_outcome_plain(gen, outcome);
        match outcome {
            Outcome::Success => self.to_window(gen, false, timing),
            Outcome::Failure => self.to_window(gen, true, timing),
            Outcome::Ignore => {}
        }
    }

    pub(super) fn abandon(&self, gen: u8) {
        let c = &self.counters.0;
        bump(&c.abandoned);
        match self.config().abandoned {
            AbandonedPermit::Failure => {
                bump(&c.failures);
                self.apply_outcome(gen, Effect::Failure);
                if self.limits().windowed() {
                    self.to_window(gen, true, Timing::Untimed);
                }
            }
            AbandonedPermit::Neutral => self.apply_outcome(gen, Effect::Release),
        }
    }
}

//! The circuit breaker: [`CircuitBreaker`], [`Permit`], [`Outcome`] and
//! [`CallError`].
//!
//! Every transition is one CAS on the state word (see [`crate::state`]). Each
//! CAS loop has the same shape: load the word, ask a pure `decide_*`
//! function what to do, `compare_exchange_weak`, and on failure go round
//! again with the value the CAS returned.

use core::future::Future;

use crate::clock::{Clock, Duration, Instant};
use crate::config::{AbandonedPermit, BreakerConfig, ConfigError, Valid};
use crate::event::{Cause, Event, NoObserver, Observer, Rejected, State, Transition};
use crate::metrics::{BreakerSnapshot, Counters};
use crate::primitive::{bump, const_fn, read, AtomicU32, CachePadded, Ordering};
use crate::state::{saturating_span, Kind, Stamp, Word, MAX_TIMEOUT_MS};

/// What a call's result means for the breaker's health.
///
/// ```
/// use totem_core::Outcome;
/// let classify = |r: &Result<u16, ()>| match r {
///     Ok(503) | Err(_) => Outcome::Failure,
///     Ok(404) => Outcome::Ignore,
///     Ok(_) => Outcome::Success,
/// };
/// assert_eq!(classify(&Ok(503)), Outcome::Failure);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Outcome {
    /// The dependency worked.
    Success,
    /// The dependency failed.
    Failure,
    /// Neither: the permit is returned and only `ignored_total` counts it.
    Ignore,
}

impl Outcome {
    /// The default classifier: `Ok` is a success, `Err` a failure.
    ///
    /// ```
    /// # use totem_core::Outcome;
    /// assert_eq!(Outcome::of(&Err::<(), _>(1)), Outcome::Failure);
    /// ```
    #[inline]
    pub fn of<T, E>(result: &Result<T, E>) -> Outcome {
        match result {
            Ok(_) => Outcome::Success,
            Err(_) => Outcome::Failure,
        }
    }
}

/// The error of [`CircuitBreaker::call`].
///
/// ```
/// use totem_core::{validated, BreakerConfig, CallError, CircuitBreaker, ManualClock};
/// let clock = ManualClock::new();
/// let b = CircuitBreaker::new(validated!(BreakerConfig::new("db").failure_threshold(1)), &clock);
/// assert!(matches!(b.call(|| Err::<(), _>("boom")), Err(CallError::Inner("boom"))));
/// assert!(matches!(b.call(|| Ok::<_, &str>(())), Err(CallError::Rejected(_))));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum CallError<E> {
    /// The breaker refused the call; the operation did not run.
    Rejected(Rejected),
    /// The operation ran and returned this error.
    Inner(E),
}

impl<E> CallError<E> {
    /// Whether the breaker refused the call.
    ///
    /// ```
    /// # use totem_core::CallError;
    /// assert!(!CallError::Inner(1).is_rejected());
    /// ```
    pub const fn is_rejected(&self) -> bool {
        matches!(self, CallError::Rejected(_))
    }

    /// The operation's error, if it ran.
    ///
    /// ```
    /// # use totem_core::CallError;
    /// assert_eq!(CallError::Inner(7).into_inner(), Some(7));
    /// ```
    pub fn into_inner(self) -> Option<E> {
        match self {
            CallError::Inner(e) => Some(e),
            CallError::Rejected(_) => None,
        }
    }
}

impl<E: core::fmt::Display> core::fmt::Display for CallError<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CallError::Rejected(r) => r.fmt(f),
            CallError::Inner(e) => e.fmt(f),
        }
    }
}

impl<E: core::error::Error + 'static> core::error::Error for CallError<E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            CallError::Rejected(r) => Some(r),
            CallError::Inner(e) => Some(e),
        }
    }
}

// ---------------------------------------------------------------------------
// Pure decisions
// ---------------------------------------------------------------------------

/// When a transition happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum At {
    /// Now: the CAS winner reads the clock after winning.
    Now,
    /// A deadline that passed (milliseconds, full 32-bit).
    Logical(u32),
}

/// A transition of the word: CAS `from` → `to`, then publish and emit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Step {
    pub(crate) to: Word,
    pub(crate) cause: Cause,
    pub(crate) at: At,
}

/// What `try_acquire` should do with the word it loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Acquire {
    /// Admit without writing (CLOSED, DISABLED).
    Admit,
    /// Admit a half-open probe by writing this word.
    Probe(Word),
    /// Refuse.
    Reject(State, Option<Duration>),
    /// A deadline passed: make this transition first, then decide again.
    Advance(Step),
    /// Call again with the current time.
    NeedClock,
}

/// What recording an outcome should do with the word it loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Record {
    /// The permit is from an earlier generation: totals only.
    Stale,
    /// Nothing to write.
    Nothing,
    /// Write this word (streak, slot or probe count); no state change.
    Write(Word),
    /// A state change caused by this outcome.
    Transition(Step),
    /// A deadline passed first: make this transition, then decide again
    /// (the permit will then be stale).
    Advance(Step),
    /// Call again with the current time.
    NeedClock,
}

/// An outcome as the word sees it: an abandoned permit is a failure or a
/// release depending on the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    Success,
    Failure,
    Release,
}

/// The public state of a packed kind.
#[inline]
pub(crate) const fn public_state(kind: Kind) -> State {
    match kind {
        Kind::Closed => State::Closed,
        Kind::Open => State::Open,
        Kind::HalfOpen | Kind::Probing => State::HalfOpen,
        Kind::ForcedOpen => State::ForcedOpen,
        Kind::Disabled => State::Disabled,
    }
}

/// The configuration reduced to what decisions need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub(crate) threshold: u32,
    pub(crate) reset_ms: u32,
    pub(crate) half_open_ms: u32,
    pub(crate) permits: u32,
    pub(crate) to_close: u32,
}

impl Limits {
    #[inline]
    pub(crate) const fn of(cfg: &BreakerConfig) -> Limits {
        Limits {
            threshold: cfg.failure_threshold,
            reset_ms: cfg.reset_timeout.as_ticks(),
            half_open_ms: cfg.half_open_timeout.as_ticks(),
            permits: cfg.half_open_permits,
            to_close: cfg.effective_successes_to_close(),
        }
    }
}

/// When a deadline `limit` ms after a stamp passed, given `since` (ms since
/// the stamp, modulo 2^28) and `now`. An elapsed time beyond
/// [`MAX_TIMEOUT_MS`] is a clock that stepped back (or a wait longer than
/// the stamp can tell): the deadline counts as passed, and it passes *now*,
/// not at a time computed from the wrapped difference (which would date the
/// event up to 74 h in the past).
const fn passed_at(since: u32, limit: u32, now: u32) -> u32 {
    if since > MAX_TIMEOUT_MS {
        now
    } else {
        now.wrapping_sub(since - limit)
    }
}

/// The time-driven transition due at `now`, if any: OPEN → HALF_OPEN once
/// `reset_timeout` has passed since opening; HALF_OPEN → OPEN once probes
/// have stayed unresolved for `half_open_timeout` since the first admission.
/// A stamp not yet published by the last CAS winner counts as "not passed".
#[inline]
pub(crate) const fn decide_deadline(w: Word, stamp: Stamp, now: u32, l: &Limits) -> Option<Step> {
    if !stamp.belongs_to(w.gen) {
        return None;
    }
    let since = stamp.since(now);
    match w.kind {
        Kind::Open if since >= l.reset_ms => Some(Step {
            // Same generation: no permit was admitted while OPEN, so there is
            // nothing to invalidate, and the stamp stays valid for HALF_OPEN.
            to: Word {
                kind: Kind::HalfOpen,
                ..w
            },
            cause: Cause::ResetTimeout,
            at: At::Logical(passed_at(since, l.reset_ms, now)),
        }),
        Kind::Probing if w.admitted > w.successes && since >= l.half_open_ms => Some(Step {
            to: w.next(Kind::Open),
            cause: Cause::HalfOpenTimeout,
            at: At::Logical(passed_at(since, l.half_open_ms, now)),
        }),
        _ => None,
    }
}

/// `try_acquire`'s decision. `now` is needed only when the breaker is OPEN or
/// probing (the CLOSED path reads no clock).
#[inline]
pub(crate) const fn decide_acquire(w: Word, stamp: Stamp, now: Option<u32>, l: &Limits) -> Acquire {
    match w.kind {
        Kind::Closed | Kind::Disabled => Acquire::Admit,
        Kind::ForcedOpen => Acquire::Reject(State::ForcedOpen, None),
        Kind::HalfOpen => Acquire::Probe(Word {
            kind: Kind::Probing,
            gen: w.gen.wrapping_add(1),
            admitted: 1,
            successes: 0,
            streak: w.streak,
        }),
        Kind::Open | Kind::Probing => {
            let now = match now {
                Some(n) => n,
                None => return Acquire::NeedClock,
            };
            if let Some(step) = decide_deadline(w, stamp, now, l) {
                return Acquire::Advance(step);
            }
            if let Kind::Open = w.kind {
                let left = if stamp.belongs_to(w.gen) {
                    l.reset_ms - stamp.since(now)
                } else {
                    // The opener has not published its time yet: at most a
                    // whole reset_timeout is left.
                    l.reset_ms
                };
                return Acquire::Reject(State::Open, Some(Duration::from_ticks(left)));
            }
            if (w.admitted as u32) < l.permits {
                // With no probe in flight, this admission restarts
                // half_open_timeout: a new generation gets a new stamp.
                let gen = if w.admitted == w.successes {
                    w.gen.wrapping_add(1)
                } else {
                    w.gen
                };
                Acquire::Probe(Word {
                    gen,
                    admitted: w.admitted + 1,
                    ..w
                })
            } else {
                Acquire::Reject(State::HalfOpen, None)
            }
        }
    }
}

/// The decision for an outcome of a permit admitted in generation `gen`.
#[inline]
pub(crate) const fn decide_record(
    w: Word,
    stamp: Stamp,
    now: Option<u32>,
    gen: u8,
    effect: Effect,
    l: &Limits,
) -> Record {
    if w.gen != gen {
        return Record::Stale;
    }
    match w.kind {
        Kind::Closed | Kind::Disabled => match effect {
            Effect::Release => Record::Nothing,
            Effect::Success if w.streak == 0 => Record::Nothing,
            Effect::Success => Record::Write(Word { streak: 0, ..w }),
            Effect::Failure => {
                let streak = w.streak_plus_one();
                if matches!(w.kind, Kind::Closed) && streak as u32 >= l.threshold {
                    let mut to = w.next(Kind::Open);
                    to.streak = streak;
                    Record::Transition(Step {
                        to,
                        cause: Cause::FailureThreshold,
                        at: At::Now,
                    })
                } else {
                    Record::Write(Word { streak, ..w })
                }
            }
        },
        Kind::Probing => {
            let now = match now {
                Some(n) => n,
                None => return Record::NeedClock,
            };
            // A result that arrives after half_open_timeout expired is late:
            // the breaker reopened at the expiry, whoever notices it.
            if let Some(step) = decide_deadline(w, stamp, now, l) {
                return Record::Advance(step);
            }
            match effect {
                Effect::Release => Record::Write(Word {
                    admitted: w.admitted.saturating_sub(1),
                    ..w
                }),
                Effect::Success => {
                    let successes = w.successes + 1;
                    if successes as u32 >= l.to_close {
                        let mut to = w.next(Kind::Closed);
                        to.streak = 0;
                        Record::Transition(Step {
                            to,
                            cause: Cause::ProbesSucceeded,
                            at: At::Now,
                        })
                    } else {
                        Record::Write(Word {
                            successes,
                            streak: 0,
                            ..w
                        })
                    }
                }
                Effect::Failure => {
                    let mut to = w.next(Kind::Open);
                    to.streak = w.streak_plus_one();
                    Record::Transition(Step {
                        to,
                        cause: Cause::ProbeFailed,
                        at: At::Now,
                    })
                }
            }
        }
        // No permit is ever admitted in these generations (OPEN and
        // HALF_OPEN-before-the-first-probe admit nothing; FORCED_OPEN rejects
        // everything), so a matching generation cannot happen; counting it
        // as stale is the safe reading.
        Kind::Open | Kind::HalfOpen | Kind::ForcedOpen => Record::Stale,
    }
}

/// A manual command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Command {
    Reset,
    ForceOpen,
    Disable,
}

/// What a manual command does to the word: `None` when there is nothing to
/// change, otherwise the word to write and, for a state change, its cause.
#[inline]
pub(crate) const fn decide_command(w: Word, cmd: Command) -> Option<(Word, Option<Cause>)> {
    let (kind, cause) = match cmd {
        Command::Reset => (Kind::Closed, Cause::Reset),
        Command::ForceOpen => (Kind::ForcedOpen, Cause::ForceOpen),
        Command::Disable => (Kind::Disabled, Cause::Disable),
    };
    let same = w.kind as u8 == kind as u8;
    match cmd {
        // reset() clears the streak even when already CLOSED, without a new
        // generation: permits in flight stay current.
        Command::Reset if same && w.streak == 0 => None,
        Command::Reset if same => Some((Word { streak: 0, ..w }, None)),
        Command::Reset => {
            let mut to = w.next(kind);
            to.streak = 0;
            Some((to, Some(cause)))
        }
        _ if same => None,
        _ => Some((w.next(kind), Some(cause))),
    }
}

// ---------------------------------------------------------------------------
// The breaker
// ---------------------------------------------------------------------------

/// The two words every decision reads, kept on their own cache line on
/// std-class CPUs (counters written by every call live on another).
#[derive(Debug)]
struct Words {
    word: AtomicU32,
    stamp: AtomicU32,
}

/// A lock-free circuit breaker over a [`Clock`] `C`, reporting to an
/// [`Observer`] `O`.
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
pub struct CircuitBreaker<C, O = NoObserver> {
    words: CachePadded<Words>,
    counters: CachePadded<Counters>,
    config: BreakerConfig,
    limits: Limits,
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
    /// wrong.
    ///
    /// ```
    /// use totem_core::{BreakerConfig, CircuitBreaker, ConfigError, ManualClock};
    /// let err = CircuitBreaker::try_new(BreakerConfig::new("db").failure_threshold(0), ManualClock::new());
    /// assert_eq!(err.unwrap_err(), ConfigError::FailureThresholdZero);
    /// ```
    pub fn try_new(config: BreakerConfig, clock: C) -> Result<Self, ConfigError> {
        Ok(Self::new(config.validate()?, clock))
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
            let config = *config.get();
            Self {
                words: CachePadded(Words {
                    word: AtomicU32::new(Word::INITIAL.encode()),
                    // Tag 0xF never matches generation 0: the first CLOSED
                    // segment has no start time until it is anchored.
                    stamp: AtomicU32::new(Stamp { tag: 0xF, time: 0 }.encode()),
                }),
                counters: CachePadded(Counters::new()),
                limits: Limits::of(&config),
                config,
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
    pub fn with_observer<O2: Observer>(self, observer: O2) -> CircuitBreaker<C, O2> {
        CircuitBreaker {
            words: self.words,
            counters: self.counters,
            config: self.config,
            limits: self.limits,
            clock: self.clock,
            observer,
        }
    }

    /// The configuration.
    ///
    /// ```
    /// # use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock};
    /// # let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &clock);
    /// assert_eq!(b.config().name, "db");
    /// ```
    pub fn config(&self) -> &BreakerConfig {
        &self.config
    }

    /// The name from the configuration.
    ///
    /// ```
    /// # use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock};
    /// # let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &clock);
    /// assert_eq!(b.name(), "db");
    /// ```
    pub fn name(&self) -> &'static str {
        self.config.name
    }

    /// The clock.
    ///
    /// ```
    /// # use totem_core::{validated, BreakerConfig, CircuitBreaker, Clock, ManualClock};
    /// # let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &clock);
    /// assert_eq!(b.clock().now().as_ticks(), 0);
    /// ```
    pub fn clock(&self) -> &C {
        &self.clock
    }

    #[inline(always)]
    fn load_word(&self) -> Word {
        // ORDERING: Acquire pairs with the AcqRel CAS that wrote the word, so
        // a thread that sees a generation also sees the stamp writes that
        // happened before the *previous* winner's publication.
        Word::decode(self.words.0.word.load(Ordering::Acquire))
    }

    #[inline]
    fn load_stamp(&self) -> Stamp {
        // ORDERING: Acquire pairs with the AcqRel stamp CAS in `publish`; the
        // tag says which generation the time belongs to.
        Stamp::decode(self.words.0.stamp.load(Ordering::Acquire))
    }

    /// The stamp that goes with `w`, which the caller loaded earlier. A
    /// stamp tagged for another generation is either not published yet (the
    /// word is still `w`: its deadline counts as not passed) or was published
    /// for a *later* word, and then `w` is stale: `Err` carries the fresh
    /// word to decide on. Without that check a reader that loaded the word
    /// just before a transition and the stamp just after it took a passed
    /// deadline for a pending one (state() said OPEN after the breaker had
    /// half-opened, try_acquire rejected as OPEN with a full reset_timeout).
    #[inline]
    fn stamp_for(&self, w: Word) -> Result<Stamp, Word> {
        let stamp = self.load_stamp();
        if !stamp.belongs_to(w.gen) {
            // ORDERING: the Acquire load of the stamp synchronises with the
            // Release of its publisher, whose CAS on the word came first, so
            // this load sees that word or a later one.
            let fresh = self.load_word();
            if fresh != w {
                return Err(fresh);
            }
        }
        Ok(stamp)
    }

    /// Whether the word is still `w`, as a read-modify-write (the latest
    /// value in the word's modification order, not a possibly older one).
    fn word_is(&self, w: Word) -> bool {
        let bits = w.encode();
        // ORDERING: AcqRel: a transition that comes after this in the
        // word's order synchronises with it, so its clock reading comes
        // after ours.
        self.words
            .0
            .word
            .compare_exchange(bits, bits, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    #[inline]
    fn cas(&self, current: Word, new: Word) -> Result<(), Word> {
        // ORDERING: AcqRel: Release publishes the new word to the Acquire
        // loads above; Acquire on success orders our stamp publication after
        // the predecessor's. On failure we only need the fresh value (Acquire
        // for the same reason as `load_word`).
        self.words
            .0
            .word
            .compare_exchange_weak(
                current.encode(),
                new.encode(),
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .map(|_| ())
            .map_err(Word::decode)
    }

    #[inline]
    fn now_millis(&self) -> u32 {
        self.clock.now().as_ticks()
    }

    /// Asks for a call slot. `Ok(permit)`: run the operation, then record its
    /// outcome on the permit. `Err`: the breaker refused; do not run it.
    ///
    /// The CLOSED path is one atomic load: no clock read, no write.
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
    pub fn try_acquire(&self) -> Result<Permit<'_, C, O>, Rejected> {
        let w = self.load_word();
        if let Kind::Closed = w.kind {
            return Ok(Permit::new(self, w.gen));
        }
        self.acquire_slow(w)
    }

    #[cold]
    fn acquire_slow(&self, mut w: Word) -> Result<Permit<'_, C, O>, Rejected> {
        // OPEN and probing decide on the time: read it once, up front.
        let mut now = match w.kind {
            Kind::Open | Kind::Probing => Some(self.now_millis()),
            _ => None,
        };
        loop {
            let stamp = match self.stamp_for(w) {
                Ok(stamp) => stamp,
                // The word moved on since we loaded it (the stamp belongs
                // to a later one): decide on the fresh word.
                Err(fresh) => {
                    w = fresh;
                    continue;
                }
            };
            match decide_acquire(w, stamp, now, &self.limits) {
                Acquire::Admit => return Ok(Permit::new(self, w.gen)),
                Acquire::NeedClock => now = Some(self.now_millis()),
                Acquire::Reject(state, retry_after) => return Err(self.reject(state, retry_after)),
                Acquire::Probe(to) => match self.cas(w, to) {
                    Ok(()) => {
                        if to.gen != w.gen {
                            // First probe in flight: its admission time
                            // starts half_open_timeout.
                            let t = match now {
                                Some(t) => t,
                                None => self.now_millis(),
                            };
                            self.publish(w, to, t);
                        }
                        return Ok(Permit::new(self, to.gen));
                    }
                    // Lost the race (another probe, an outcome or a
                    // transition changed the word): decide again on the
                    // value we were given.
                    Err(actual) => w = actual,
                },
                Acquire::Advance(step) => match self.cas(w, step.to) {
                    Ok(()) => {
                        self.complete(w, step, now);
                        w = step.to;
                    }
                    // Someone else made (or overtook) this transition.
                    Err(actual) => w = actual,
                },
            }
        }
    }

    #[cold]
    fn reject(&self, state: State, retry_after: Option<Duration>) -> Rejected {
        bump(&self.counters.0.rejected);
        let rejected = Rejected {
            name: self.config.name,
            state,
            retry_after,
        };
        self.observer.on_event(&Event::Rejected(rejected));
        rejected
    }

    /// After winning the CAS `from` → `step.to`: publish the stamp (if the
    /// generation changed), count the transition and emit its one event.
    fn complete(&self, from: Word, step: Step, now: Option<u32>) {
        let at = match step.at {
            At::Logical(t) => t,
            At::Now => match now {
                Some(t) => t,
                None => self.now_millis(),
            },
        };
        if step.to.gen != from.gen {
            self.publish(from, step.to, at);
        }
        let (from_state, to_state) = (public_state(from.kind), public_state(step.to.kind));
        if from_state != to_state {
            self.counters.0.record_transition();
            self.observer.on_event(&Event::Transition(Transition {
                name: self.config.name,
                from: from_state,
                to: to_state,
                at: Instant::from_ticks(at),
                consecutive_failures: step.to.streak as u32,
                cause: step.cause,
            }));
        }
    }

    /// Writes the start time of generation `to.gen`, unless a later
    /// generation has already replaced it, then books the time spent in the
    /// segment that ended.
    fn publish(&self, from: Word, to: Word, at: u32) {
        let stamps = &self.words.0.stamp;
        let new = Stamp::new(to.gen, at).encode();
        // ORDERING: Acquire pairs with the AcqRel CAS of a later publisher:
        // if we see its stamp, the load of `word` below sees its generation.
        let mut current = stamps.load(Ordering::Acquire);
        loop {
            if self.load_word().gen != to.gen {
                // Superseded: the newer winner publishes its own stamp.
                return;
            }
            // ORDERING: AcqRel: Release publishes the stamp to readers'
            // Acquire loads; Acquire orders us after an earlier publisher.
            match stamps.compare_exchange_weak(current, new, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break,
                // Another publisher (or an anchoring snapshot) got in first:
                // re-check that we are still current, with its value.
                Err(actual) => current = actual,
            }
        }
        self.book(from, Stamp::decode(current), at);
    }

    /// Adds the segment `prev.time .. at`, spent in `from`, to the time
    /// accumulators. If the predecessor never published its stamp (it was
    /// overtaken before it could), that segment is not booked.
    fn book(&self, from: Word, prev: Stamp, at: u32) {
        if !prev.belongs_to(from.gen) {
            return;
        }
        let span = saturating_span(prev.time, at);
        let c = &self.counters.0;
        match from.kind {
            Kind::HalfOpen => {
                // The stamp is the opening time; HALF_OPEN began reset_timeout later.
                let open = if span < self.limits.reset_ms {
                    span
                } else {
                    self.limits.reset_ms
                };
                c.add_time(State::Open, open);
                c.add_time(State::HalfOpen, span - open);
            }
            kind => c.add_time(public_state(kind), span),
        }
    }

    /// Records the outcome of a permit of generation `gen` (out of line: the
    /// common success is settled in `settle_outcome`).
    #[inline(never)]
    fn record(&self, gen: u8, effect: Effect) {
        let mut w = self.load_word();
        let mut now = None;
        loop {
            let stamp = if let Kind::Probing = w.kind {
                match self.stamp_for(w) {
                    Ok(stamp) => stamp,
                    // The word moved on since we loaded it (the stamp
                    // belongs to a later one): decide on the fresh word.
                    Err(fresh) => {
                        w = fresh;
                        continue;
                    }
                }
            } else {
                Stamp::UNREAD
            };
            match decide_record(w, stamp, now, gen, effect, &self.limits) {
                Record::Stale | Record::Nothing => return,
                Record::NeedClock => now = Some(self.now_millis()),
                Record::Write(to) => match self.cas(w, to) {
                    Ok(()) => return,
                    // The word moved (another outcome, a probe, a
                    // transition): decide again on its new value.
                    Err(actual) => w = actual,
                },
                Record::Transition(step) => match self.cas(w, step.to) {
                    Ok(()) => return self.complete(w, step, now),
                    // Lost to a concurrent change: decide again; if that was
                    // the same transition, our permit is now stale.
                    Err(actual) => w = actual,
                },
                Record::Advance(step) => match self.cas(w, step.to) {
                    Ok(()) => {
                        self.complete(w, step, now);
                        w = step.to;
                    }
                    // Someone else made the transition (or changed the word).
                    Err(actual) => w = actual,
                },
            }
        }
    }

    fn settle(&self) -> Word {
        self.settle_at(None)
    }

    /// [`settle`](Self::settle) with the clock already read (`Some`), or
    /// read on first need.
    fn settle_at(&self, mut now: Option<u32>) -> Word {
        let mut w = self.load_word();
        while let Kind::Open | Kind::Probing = w.kind {
            let t = match now {
                Some(t) => t,
                None => {
                    let t = self.now_millis();
                    now = Some(t);
                    t
                }
            };
            let stamp = match self.stamp_for(w) {
                Ok(stamp) => stamp,
                // The word moved on since we loaded it (the stamp belongs
                // to a later one): decide on the fresh word.
                Err(fresh) => {
                    w = fresh;
                    continue;
                }
            };
            let Some(step) = decide_deadline(w, stamp, t, &self.limits) else {
                break;
            };
            match self.cas(w, step.to) {
                Ok(()) => {
                    self.complete(w, step, now);
                    w = step.to;
                }
                // The word changed under us: look again at the new value.
                Err(actual) => w = actual,
            }
        }
        w
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
        public_state(self.settle().kind)
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
        self.load_word().streak as u32
    }

    fn command(&self, cmd: Command) {
        // Deadlines first: a breaker whose reset_timeout passed is HALF_OPEN
        // when the command comes, and its event says so, whoever looked
        // before (or nobody did).
        let mut w = self.settle();
        while let Some((to, cause)) = decide_command(w, cmd) {
            match self.cas(w, to) {
                Ok(()) => {
                    if let Some(cause) = cause {
                        let step = Step {
                            to,
                            cause,
                            at: At::Now,
                        };
                        self.complete(w, step, None);
                    }
                    break;
                }
                // The word changed: apply the command to its new value
                // (after any deadline that passed meanwhile).
                Err(_) => w = self.settle(),
            }
        }
        if let Command::Reset = cmd {
            self.counters.0.rebase();
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
        let permit = self.try_acquire().map_err(CallError::Rejected)?;
        let result = op();
        permit.record(classify(&result));
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
        let permit = self.try_acquire().map_err(CallError::Rejected)?;
        let result = op().await;
        permit.record(classify(&result));
        result.map_err(CallError::Inner)
    }

    /// A copy of the metrics. Also anchors the time accounting of a long
    /// CLOSED (or DISABLED / FORCED_OPEN) period, so take snapshots at least
    /// every 18 h for exact time-in-state over weeks; a snapshot
    /// is lock-free and may make a pending lazy transition.
    ///
    /// ```
    /// # use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock, State};
    /// # let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &clock);
    /// assert_eq!(b.snapshot().success_rate, None);
    /// ```
    pub fn snapshot(&self) -> BreakerSnapshot {
        // One clock reading for both the lazy transitions and the current
        // segment: with a second, later reading, a deadline passing in
        // between had its whole stretch counted in the earlier state.
        let now = self.now_millis();
        let c = &self.counters.0;
        let (w, time) = loop {
            let mut w = self.settle_at(Some(now));
            let mut stamp = self.load_stamp();
            if matches!(w.kind, Kind::Closed | Kind::Disabled | Kind::ForcedOpen)
                && (!stamp.belongs_to(w.gen) || stamp.since(now) >= 1 << 26)
            {
                self.anchor(w, now);
                w = self.load_word();
                stamp = self.load_stamp();
            }
            let mut time = [0u64; 5];
            for s in State::ALL {
                time[s as usize] = c.time(s);
            }
            if stamp.belongs_to(w.gen) {
                let span = stamp.elapsed_saturating(now) as u64;
                match w.kind {
                    Kind::HalfOpen => {
                        let open = span.min(self.limits.reset_ms as u64);
                        time[State::Open as usize] += open;
                        time[State::HalfOpen as usize] += span - open;
                    }
                    kind => time[public_state(kind) as usize] += span,
                }
            }
            // A transition or an anchor between the loads above and the
            // booked times may have booked the segment counted as current:
            // read again (lock-free: it retries only when another thread
            // made progress). The word is checked with a read-modify-write,
            // which reads the latest value: a plain load may return an older
            // word, and the snapshot would count time in a state that a
            // transition, dated earlier than `now`, had already left.
            if self.load_stamp() == stamp && self.word_is(w) {
                break (w, time);
            }
        };
        let mut reported = [0u64; 5];
        for s in State::ALL {
            reported[s as usize] = c.report_time(s, time[s as usize]);
        }
        let (successes_total, failures_total, success_rate) = c.outcomes();
        BreakerSnapshot {
            name: self.config.name,
            state: public_state(w.kind),
            consecutive_failures: w.streak as u32,
            successes_total,
            failures_total,
            ignored_total: read(&c.ignored),
            rejected_total: read(&c.rejected),
            abandoned_total: read(&c.abandoned),
            transitions_total: read(&c.transitions),
            time_in_state_ms: reported,
            success_rate,
            probes_in_flight: if let Kind::Probing = w.kind {
                (w.admitted - w.successes) as u32
            } else {
                0
            },
        }
    }

    /// Starts counting time in the current state now. A breaker built in a
    /// `const` context has no clock reading, so its first CLOSED period is
    /// counted from this call (or from the first snapshot or transition).
    /// Call it once at start-up; later calls are harmless.
    ///
    /// ```
    /// use totem_core::{validated, BreakerConfig, CircuitBreaker, Duration, ManualClock, State};
    /// let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &clock);
    /// b.start_time_accounting();
    /// clock.advance(Duration::from_secs(3));
    /// assert_eq!(b.snapshot().time_in(State::Closed), 3_000);
    /// ```
    pub fn start_time_accounting(&self) {
        let w = self.load_word();
        // Only states without a deadline: an OPEN or probing stamp is the
        // deadline's origin and belongs to the CAS winner alone.
        if matches!(w.kind, Kind::Closed | Kind::Disabled | Kind::ForcedOpen)
            && !self.load_stamp().belongs_to(w.gen)
        {
            self.anchor(w, self.now_millis());
        }
    }

    /// Moves the start of the current segment to `now`, booking the time
    /// since the old start (if it was published).
    fn anchor(&self, w: Word, now: u32) {
        let stamps = &self.words.0.stamp;
        // ORDERING: as in `publish`.
        let current = stamps.load(Ordering::Acquire);
        if self.load_word().gen != w.gen {
            return; // a transition happened; its winner publishes
        }
        let new = Stamp::new(w.gen, now).encode();
        // ORDERING: as in `publish`. One attempt: if it fails, a publisher
        // got there first and the segment is already accounted for.
        if stamps
            .compare_exchange(current, new, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            self.book(w, Stamp::decode(current), now);
        }
    }

    #[inline]
    fn settle_outcome(&self, gen: u8, outcome: Outcome) {
        let c = &self.counters.0;
        match outcome {
            Outcome::Success => {
                // The hot path, decided inline by the same pure function: a
                // current CLOSED permit with no streak to clear writes
                // nothing. The word is loaded before the shared counter's
                // RMW so that, under contention, the two RMWs of successive
                // calls are not spaced by the decision.
                let w = self.load_word();
                bump(&c.successes);
                let decision =
                    decide_record(w, Stamp::UNREAD, None, gen, Effect::Success, &self.limits);
                if let Record::Nothing | Record::Stale = decision {
                    return;
                }
                self.record(gen, Effect::Success);
            }
            Outcome::Failure => {
                bump(&c.failures);
                self.record(gen, Effect::Failure);
            }
            Outcome::Ignore => {
                bump(&c.ignored);
                self.record(gen, Effect::Release);
            }
        }
    }

    fn abandon(&self, gen: u8) {
        let c = &self.counters.0;
        bump(&c.abandoned);
        match self.config.abandoned {
            AbandonedPermit::Failure => {
                bump(&c.failures);
                self.record(gen, Effect::Failure);
            }
            AbandonedPermit::Neutral => self.record(gen, Effect::Release),
        }
    }
}

/// Leave to make one call. Record what happened with [`success`],
/// [`failure`], [`ignore`] or [`record`]; dropping it without an outcome
/// counts as abandoned (a failure by default, see
/// [`AbandonedPermit`](crate::AbandonedPermit)). A half-open slot is always
/// given back or used, never held forever.
///
/// [`success`]: Permit::success
/// [`failure`]: Permit::failure
/// [`ignore`]: Permit::ignore
/// [`record`]: Permit::record
///
/// ```
/// use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock};
/// let clock = ManualClock::new();
/// let b = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &clock);
/// let permit = b.try_acquire().unwrap();
/// drop(permit); // abandoned: a failure by default
/// assert_eq!(b.snapshot().abandoned_total, 1);
/// ```
#[must_use = "record the outcome with success(), failure() or ignore(); dropping a permit counts as abandoned"]
#[derive(Debug)]
pub struct Permit<'a, C: Clock, O: Observer = NoObserver> {
    breaker: &'a CircuitBreaker<C, O>,
    gen: u8,
    settled: bool,
}

impl<'a, C: Clock, O: Observer> Permit<'a, C, O> {
    #[inline(always)]
    fn new(breaker: &'a CircuitBreaker<C, O>, gen: u8) -> Self {
        Self {
            breaker,
            gen,
            settled: false,
        }
    }

    /// Records `outcome`.
    ///
    /// ```
    /// # use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock, Outcome};
    /// # let clock = ManualClock::new();
    /// # let b = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &clock);
    /// b.try_acquire().unwrap().record(Outcome::Ignore);
    /// assert_eq!(b.snapshot().ignored_total, 1);
    /// ```
    #[inline]
    pub fn record(mut self, outcome: Outcome) {
        self.settled = true;
        self.breaker.settle_outcome(self.gen, outcome);
    }

    /// The call succeeded.
    ///
    /// ```
    /// # use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock};
    /// # let clock = ManualClock::new();
    /// # let b = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &clock);
    /// b.try_acquire().unwrap().success();
    /// assert_eq!(b.snapshot().successes_total, 1);
    /// ```
    #[inline]
    pub fn success(self) {
        self.record(Outcome::Success)
    }

    /// The call failed.
    ///
    /// ```
    /// # use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock};
    /// # let clock = ManualClock::new();
    /// # let b = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &clock);
    /// b.try_acquire().unwrap().failure();
    /// assert_eq!(b.consecutive_failures(), 1);
    /// ```
    #[inline]
    pub fn failure(self) {
        self.record(Outcome::Failure)
    }

    /// The call says nothing about the dependency's health: the slot is
    /// returned and only `ignored_total` counts it.
    ///
    /// ```
    /// # use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock};
    /// # let clock = ManualClock::new();
    /// # let b = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &clock);
    /// b.try_acquire().unwrap().ignore();
    /// assert_eq!(b.consecutive_failures(), 0);
    /// ```
    #[inline]
    pub fn ignore(self) {
        self.record(Outcome::Ignore)
    }
}

impl<C: Clock, O: Observer> Drop for Permit<'_, C, O> {
    fn drop(&mut self) {
        if !self.settled {
            self.breaker.abandon(self.gen);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: Limits = Limits {
        threshold: 3,
        reset_ms: 1_000,
        half_open_ms: 500,
        permits: 2,
        to_close: 2,
    };

    fn word(kind: Kind) -> Word {
        Word {
            kind,
            ..Word::INITIAL
        }
    }

    #[test]
    fn closed_admits_without_clock() {
        assert_eq!(
            decide_acquire(word(Kind::Closed), Stamp::new(0, 0), None, &L),
            Acquire::Admit
        );
    }

    #[test]
    fn open_needs_clock_then_rejects_with_time_left() {
        let w = word(Kind::Open);
        let s = Stamp::new(0, 100);
        assert_eq!(decide_acquire(w, s, None, &L), Acquire::NeedClock);
        assert_eq!(
            decide_acquire(w, s, Some(400), &L),
            Acquire::Reject(State::Open, Some(Duration::from_ticks(700)))
        );
    }

    #[test]
    fn open_half_opens_at_the_deadline_with_logical_time() {
        let w = word(Kind::Open);
        let s = Stamp::new(0, 100);
        match decide_acquire(w, s, Some(5_000), &L) {
            Acquire::Advance(step) => {
                assert_eq!(step.to.kind, Kind::HalfOpen);
                assert_eq!(step.to.gen, w.gen);
                assert_eq!(step.at, At::Logical(1_100));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unpublished_stamp_is_not_a_passed_deadline() {
        let w = word(Kind::Open);
        let s = Stamp::new(7, 0);
        assert_eq!(
            decide_acquire(w, s, Some(1 << 20), &L),
            Acquire::Reject(State::Open, Some(Duration::from_ticks(1_000)))
        );
    }

    #[test]
    fn first_probe_bumps_generation_and_cap_is_exact() {
        let w = word(Kind::HalfOpen);
        let Acquire::Probe(p1) = decide_acquire(w, Stamp::new(0, 0), None, &L) else {
            panic!()
        };
        assert_eq!((p1.kind, p1.gen, p1.admitted), (Kind::Probing, 1, 1));
        let s = Stamp::new(1, 0);
        let Acquire::Probe(p2) = decide_acquire(p1, s, Some(10), &L) else {
            panic!()
        };
        assert_eq!(p2.admitted, 2);
        assert_eq!(
            decide_acquire(p2, s, Some(10), &L),
            Acquire::Reject(State::HalfOpen, None)
        );
    }

    #[test]
    fn probing_times_out_only_with_probes_outstanding() {
        let w = Word {
            kind: Kind::Probing,
            admitted: 1,
            ..Word::INITIAL
        };
        let s = Stamp::new(0, 0);
        assert!(decide_deadline(w, s, 499, &L).is_none());
        let step = decide_deadline(w, s, 600, &L).unwrap();
        assert_eq!((step.to.kind, step.at), (Kind::Open, At::Logical(500)));
        let resolved = Word { successes: 1, ..w };
        assert!(decide_deadline(resolved, s, 600, &L).is_none());
    }

    #[test]
    fn threshold_failure_trips_and_keeps_streak() {
        let w = Word {
            streak: 2,
            ..Word::INITIAL
        };
        match decide_record(w, Stamp::new(0, 0), None, 0, Effect::Failure, &L) {
            Record::Transition(step) => {
                assert_eq!(
                    (step.to.kind, step.to.streak, step.to.gen),
                    (Kind::Open, 3, 1)
                );
                assert_eq!(step.cause, Cause::FailureThreshold);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn closed_success_with_no_streak_writes_nothing() {
        assert_eq!(
            decide_record(
                Word::INITIAL,
                Stamp::new(0, 0),
                None,
                0,
                Effect::Success,
                &L
            ),
            Record::Nothing
        );
    }

    #[test]
    fn stale_generation_drives_nothing() {
        assert_eq!(
            decide_record(
                Word::INITIAL,
                Stamp::new(0, 0),
                None,
                9,
                Effect::Failure,
                &L
            ),
            Record::Stale
        );
    }

    #[test]
    fn disabled_counts_streak_but_never_trips() {
        let w = Word {
            kind: Kind::Disabled,
            streak: 10,
            ..Word::INITIAL
        };
        assert_eq!(
            decide_record(w, Stamp::new(0, 0), None, 0, Effect::Failure, &L),
            Record::Write(Word { streak: 11, ..w })
        );
    }

    #[test]
    fn probe_outcomes() {
        let w = Word {
            kind: Kind::Probing,
            admitted: 2,
            successes: 1,
            streak: 4,
            ..Word::INITIAL
        };
        let s = Stamp::new(0, 0);
        match decide_record(w, s, Some(10), 0, Effect::Success, &L) {
            Record::Transition(step) => {
                assert_eq!((step.to.kind, step.to.streak), (Kind::Closed, 0))
            }
            other => panic!("{other:?}"),
        }
        match decide_record(w, s, Some(10), 0, Effect::Failure, &L) {
            Record::Transition(step) => assert_eq!((step.to.kind, step.to.streak), (Kind::Open, 5)),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            decide_record(w, s, Some(10), 0, Effect::Release, &L),
            Record::Write(Word { admitted: 1, ..w })
        );
        assert_eq!(
            decide_record(w, s, None, 0, Effect::Release, &L),
            Record::NeedClock
        );
    }

    #[test]
    fn late_probe_result_reopens_first() {
        let w = Word {
            kind: Kind::Probing,
            admitted: 1,
            ..Word::INITIAL
        };
        match decide_record(w, Stamp::new(0, 0), Some(501), 0, Effect::Success, &L) {
            Record::Advance(step) => assert_eq!(step.to.kind, Kind::Open),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn commands() {
        let open = Word {
            kind: Kind::Open,
            streak: 5,
            ..Word::INITIAL
        };
        let (to, cause) = decide_command(open, Command::Reset).unwrap();
        assert_eq!(
            (to.kind, to.streak, to.gen, cause),
            (Kind::Closed, 0, 1, Some(Cause::Reset))
        );
        let closed = Word {
            streak: 2,
            ..Word::INITIAL
        };
        assert_eq!(
            decide_command(closed, Command::Reset),
            Some((Word::INITIAL, None))
        );
        assert_eq!(decide_command(Word::INITIAL, Command::Reset), None);
        let forced = decide_command(Word::INITIAL, Command::ForceOpen).unwrap().0;
        assert_eq!(decide_command(forced, Command::ForceOpen), None);
    }
}

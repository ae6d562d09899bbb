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

/// What a decision has read besides the word: the stamp, then a clock
/// reading taken *after* that stamp was loaded. The order matters: a reading
/// taken before another thread published a newer stamp would put `now`
/// before the stamp, and that is indistinguishable from a clock that stepped
/// back (a deadline would count as passed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Seen {
    pub(crate) stamp: Stamp,
    /// Milliseconds, full 32-bit.
    pub(crate) now: u32,
}

/// A move of the word to a new generation, a new public state, or both:
/// CAS `from` → `to`, then publish the stamp (new generation) and emit the
/// event (new state).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Step {
    pub(crate) to: Word,
    /// Why the public state changes; `None` when it does not (a half-open
    /// probe admitted while none was in flight starts a new generation).
    pub(crate) cause: Option<Cause>,
    /// When it happened: a clock reading taken before the CAS, or the
    /// logical time of a deadline that passed. Either way no earlier than
    /// the step before it.
    pub(crate) at: u32,
}

/// What the driver should do with the word a decision was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision<R> {
    /// Finished, nothing to write.
    Done(R),
    /// Decide again on the same word with the stamp and the clock.
    NeedClock,
    /// Write this word (same generation, same state: a streak or a probe
    /// count), then finish with `R`.
    Write(Word, R),
    /// Make this step, then finish with `R`.
    Step(Step, R),
    /// A deadline passed: make this step first, then decide again on the
    /// word it leaves.
    Advance(Step),
}

/// `try_acquire`'s answer: the generation to admit in, or a refusal with the
/// time left until a probe.
pub(crate) type Admission = Result<u16, (State, Option<Duration>)>;

/// An outcome as the word sees it: an abandoned permit is a failure or a
/// release depending on the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    Success,
    Failure,
    Release,
}

/// A manual command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Command {
    Reset,
    ForceOpen,
    Disable,
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
/// event up to 74 h in the past). Since every decision reads the clock after
/// the stamp it compares, a monotonic clock never takes this branch by
/// accident.
const fn passed_at(since: u32, limit: u32, now: u32) -> u32 {
    if since > MAX_TIMEOUT_MS {
        now
    } else {
        now.wrapping_sub(since - limit)
    }
}

/// The time-driven transition due at `seen.now`, if any: OPEN → HALF_OPEN
/// once `reset_timeout` has passed since opening; HALF_OPEN → OPEN once
/// probes have stayed unresolved for `half_open_timeout` since the first
/// admission. A stamp not yet published by the last CAS winner counts as
/// "not passed".
#[inline]
pub(crate) const fn decide_deadline(w: Word, seen: Seen, l: &Limits) -> Option<Step> {
    if !seen.stamp.belongs_to(w.gen) {
        return None;
    }
    let since = seen.stamp.since(seen.now);
    match w.kind {
        Kind::Open if since >= l.reset_ms => Some(Step {
            // Same generation: no permit was admitted while OPEN, so there is
            // nothing to invalidate, and the stamp stays valid for HALF_OPEN.
            to: Word {
                kind: Kind::HalfOpen,
                ..w
            },
            cause: Some(Cause::ResetTimeout),
            at: passed_at(since, l.reset_ms, seen.now),
        }),
        Kind::Probing if w.admitted > w.successes && since >= l.half_open_ms => Some(Step {
            to: w.next(Kind::Open),
            cause: Some(Cause::HalfOpenTimeout),
            at: passed_at(since, l.half_open_ms, seen.now),
        }),
        _ => None,
    }
}

/// The deadline check every decision on an OPEN or probing word starts
/// with: `Err` is what to do first (read the clock, or make the due
/// transition), `Ok` that no deadline is due at `seen.now`.
#[inline]
const fn deadline_first<R>(w: Word, seen: Option<Seen>, l: &Limits) -> Result<Seen, Decision<R>> {
    let Some(seen) = seen else {
        return Err(Decision::NeedClock);
    };
    match decide_deadline(w, seen, l) {
        Some(step) => Err(Decision::Advance(step)),
        None => Ok(seen),
    }
}

/// `try_acquire`'s decision. The clock is needed only when the breaker is
/// OPEN or half-open (the CLOSED path reads no clock).
#[inline]
pub(crate) const fn decide_acquire(w: Word, seen: Option<Seen>, l: &Limits) -> Decision<Admission> {
    match w.kind {
        Kind::Closed | Kind::Disabled => Decision::Done(Ok(w.gen)),
        Kind::ForcedOpen => Decision::Done(Err((State::ForcedOpen, None))),
        Kind::HalfOpen => {
            let Some(seen) = seen else {
                return Decision::NeedClock;
            };
            // The first probe of the episode: its admission time starts
            // half_open_timeout.
            let to = Word {
                kind: Kind::Probing,
                gen: Word::gen_after(w.gen),
                admitted: 1,
                successes: 0,
                streak: w.streak,
            };
            Decision::Step(
                Step {
                    to,
                    cause: None,
                    at: seen.now,
                },
                Ok(to.gen),
            )
        }
        Kind::Open | Kind::Probing => {
            let seen = match deadline_first(w, seen, l) {
                Ok(seen) => seen,
                Err(first) => return first,
            };
            if let Kind::Open = w.kind {
                let left = if seen.stamp.belongs_to(w.gen) {
                    l.reset_ms - seen.stamp.since(seen.now)
                } else {
                    // The opener has not published its time yet: at most a
                    // whole reset_timeout is left.
                    l.reset_ms
                };
                return Decision::Done(Err((State::Open, Some(Duration::from_ticks(left)))));
            }
            if (w.admitted as u32) >= l.permits {
                return Decision::Done(Err((State::HalfOpen, None)));
            }
            let to = Word {
                admitted: w.admitted + 1,
                ..w
            };
            if w.admitted > w.successes {
                return Decision::Write(to, Ok(w.gen));
            }
            // No probe in flight: this admission restarts half_open_timeout,
            // so it starts a new generation with a new stamp.
            let to = Word {
                gen: Word::gen_after(w.gen),
                ..to
            };
            Decision::Step(
                Step {
                    to,
                    cause: None,
                    at: seen.now,
                },
                Ok(to.gen),
            )
        }
    }
}

/// The decision for an outcome of a permit admitted in generation `gen`.
///
/// Whatever a permit reports, the word's invariants hold: `successes` never
/// passes `admitted`, no field underflows. A probing word with no probe in
/// flight has no current permit, so a result that finds one is a stale
/// permit whose generation wrapped round, and it drives nothing.
#[inline]
pub(crate) const fn decide_record(
    w: Word,
    seen: Option<Seen>,
    gen: u16,
    effect: Effect,
    l: &Limits,
) -> Decision<()> {
    if w.gen != gen {
        return Decision::Done(());
    }
    match w.kind {
        Kind::Closed | Kind::Disabled => match effect {
            Effect::Release => Decision::Done(()),
            Effect::Success if w.streak == 0 => Decision::Done(()),
            Effect::Success => Decision::Write(Word { streak: 0, ..w }, ()),
            Effect::Failure => {
                let streak = w.streak_plus_one();
                if !matches!(w.kind, Kind::Closed) || (streak as u32) < l.threshold {
                    return Decision::Write(Word { streak, ..w }, ());
                }
                let Some(seen) = seen else {
                    return Decision::NeedClock;
                };
                let mut to = w.next(Kind::Open);
                to.streak = streak;
                Decision::Step(
                    Step {
                        to,
                        cause: Some(Cause::FailureThreshold),
                        at: seen.now,
                    },
                    (),
                )
            }
        },
        Kind::Probing => {
            if w.admitted <= w.successes {
                return Decision::Done(());
            }
            // A result that arrives after half_open_timeout expired is late:
            // the breaker reopened at the expiry, whoever notices it.
            let seen = match deadline_first(w, seen, l) {
                Ok(seen) => seen,
                Err(first) => return first,
            };
            match effect {
                Effect::Release => Decision::Write(
                    Word {
                        admitted: w.admitted - 1,
                        ..w
                    },
                    (),
                ),
                Effect::Success if (w.successes as u32) + 1 < l.to_close => Decision::Write(
                    Word {
                        successes: w.successes + 1,
                        streak: 0,
                        ..w
                    },
                    (),
                ),
                Effect::Success => {
                    let mut to = w.next(Kind::Closed);
                    to.streak = 0;
                    Decision::Step(
                        Step {
                            to,
                            cause: Some(Cause::ProbesSucceeded),
                            at: seen.now,
                        },
                        (),
                    )
                }
                Effect::Failure => {
                    let mut to = w.next(Kind::Open);
                    to.streak = w.streak_plus_one();
                    Decision::Step(
                        Step {
                            to,
                            cause: Some(Cause::ProbeFailed),
                            at: seen.now,
                        },
                        (),
                    )
                }
            }
        }
        // No permit is ever admitted in these generations (OPEN and
        // HALF_OPEN-before-the-first-probe admit nothing; FORCED_OPEN rejects
        // everything), so a matching generation is a wrapped stale permit.
        Kind::Open | Kind::HalfOpen | Kind::ForcedOpen => Decision::Done(()),
    }
}

/// What a manual command does. Deadlines come first: a breaker whose
/// reset_timeout passed is HALF_OPEN when the command comes, and its event
/// says so, whoever looked before (or nobody did).
#[inline]
pub(crate) const fn decide_command(
    w: Word,
    seen: Option<Seen>,
    cmd: Command,
    l: &Limits,
) -> Decision<()> {
    if let Kind::Open | Kind::Probing = w.kind {
        if let Err(first) = deadline_first::<()>(w, seen, l) {
            return first;
        }
    }
    let (kind, cause) = match cmd {
        Command::Reset => (Kind::Closed, Cause::Reset),
        Command::ForceOpen => (Kind::ForcedOpen, Cause::ForceOpen),
        Command::Disable => (Kind::Disabled, Cause::Disable),
    };
    if w.kind as u8 == kind as u8 {
        // reset() clears the streak even when already CLOSED, without a new
        // generation: permits in flight stay current.
        return match cmd {
            Command::Reset if w.streak != 0 => Decision::Write(Word { streak: 0, ..w }, ()),
            _ => Decision::Done(()),
        };
    }
    let Some(seen) = seen else {
        return Decision::NeedClock;
    };
    let mut to = w.next(kind);
    if let Command::Reset = cmd {
        to.streak = 0;
    }
    Decision::Step(
        Step {
            to,
            cause: Some(cause),
            at: seen.now,
        },
        (),
    )
}

/// The decision of a reader (`state()`): make the transitions whose
/// deadlines passed, then report the word.
#[inline]
pub(crate) const fn decide_settled(w: Word, seen: Option<Seen>, l: &Limits) -> Decision<Word> {
    if let Kind::Open | Kind::Probing = w.kind {
        if let Err(first) = deadline_first::<Word>(w, seen, l) {
            return first;
        }
    }
    Decision::Done(w)
}

/// The decision of a snapshot: as [`decide_settled`], and it always wants
/// the stamp and the clock (to count the current segment).
#[inline]
pub(crate) const fn decide_observed(
    w: Word,
    seen: Option<Seen>,
    l: &Limits,
) -> Decision<(Word, Seen)> {
    match deadline_first(w, seen, l) {
        Ok(seen) => Decision::Done((w, seen)),
        Err(first) => first,
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
                    stamp: AtomicU32::new(Stamp::UNANCHORED.encode()),
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
    fn acquire_slow(&self, w: Word) -> Result<Permit<'_, C, O>, Rejected> {
        match self.drive(w, |w, seen| decide_acquire(w, seen, &self.limits)) {
            Ok(gen) => Ok(Permit::new(self, gen)),
            Err((state, retry_after)) => Err(self.reject(state, retry_after)),
        }
    }

    /// The one CAS loop: decide on the word, CAS, and on failure decide
    /// again on the value the CAS returned. The stamp is loaded and the clock
    /// read only when the decision asks for them, in that order, and both
    /// are dropped whenever the word moves: a decision never compares a
    /// clock reading with a stamp published after it was taken.
    #[inline]
    fn drive<R>(&self, mut w: Word, decide: impl Fn(Word, Option<Seen>) -> Decision<R>) -> R {
        let mut seen = None;
        loop {
            let (step, finish) = match decide(w, seen) {
                Decision::Done(r) => return r,
                Decision::NeedClock => {
                    match self.stamp_for(w) {
                        Ok(stamp) => {
                            let now = self.now_millis();
                            seen = Some(Seen { stamp, now });
                        }
                        // The stamp belongs to a later word: decide on that
                        // word (with a stamp and a clock of its own).
                        Err(fresh) => w = fresh,
                    }
                    continue;
                }
                Decision::Write(to, r) => match self.cas(w, to) {
                    Ok(()) => return r,
                    // Another outcome, probe or transition changed the word:
                    // decide again on its new value.
                    Err(actual) => {
                        w = actual;
                        seen = None;
                        continue;
                    }
                },
                Decision::Step(step, r) => (step, Some(r)),
                Decision::Advance(step) => (step, None),
            };
            match self.cas(w, step.to) {
                Ok(()) => {
                    self.complete(w, step);
                    match finish {
                        Some(r) => return r,
                        None => w = step.to,
                    }
                }
                // Lost to a concurrent change (possibly this same
                // transition, and then a permit we record for is now
                // stale): decide again on the word we were given.
                Err(actual) => w = actual,
            }
            seen = None;
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
    fn complete(&self, from: Word, step: Step) {
        if step.to.gen != from.gen {
            self.publish(from, step.to, step.at);
        }
        if let Some(cause) = step.cause {
            self.counters.0.record_transition();
            self.observer.on_event(&Event::Transition(Transition {
                name: self.config.name,
                from: public_state(from.kind),
                to: public_state(step.to.kind),
                at: Instant::from_ticks(step.at),
                consecutive_failures: step.to.streak as u32,
                cause,
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
        let c = &self.counters.0;
        self.split(from.kind, saturating_span(prev.time, at), |s, ms| {
            c.add_time(s, ms)
        });
    }

    /// Hands `ms` spent in a segment of `kind` to `add`, per public state. A
    /// HALF_OPEN segment starts at the opening: its first `reset_timeout`
    /// was OPEN.
    #[inline]
    fn split(&self, kind: Kind, ms: u32, mut add: impl FnMut(State, u32)) {
        if let Kind::HalfOpen = kind {
            let open = if ms < self.limits.reset_ms {
                ms
            } else {
                self.limits.reset_ms
            };
            add(State::Open, open);
            add(State::HalfOpen, ms - open);
        } else {
            add(public_state(kind), ms);
        }
    }

    /// Records the outcome of a permit of generation `gen` (out of line: the
    /// common success is settled in `settle_outcome`).
    #[inline(never)]
    fn record(&self, gen: u16, effect: Effect) {
        self.drive(self.load_word(), |w, seen| {
            decide_record(w, seen, gen, effect, &self.limits)
        })
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
            decide_settled(w, seen, &self.limits)
        });
        public_state(w.kind)
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
        self.drive(self.load_word(), |w, seen| {
            decide_command(w, seen, cmd, &self.limits)
        });
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
        let c = &self.counters.0;
        let (w, time) = loop {
            // One clock reading, taken after the stamp, for both the lazy
            // transitions and the current segment: with a second, later
            // reading, a deadline passing in between had its whole stretch
            // counted in the earlier state.
            let (w, Seen { stamp, now }) = self.drive(self.load_word(), |w, seen| {
                decide_observed(w, seen, &self.limits)
            });
            let long_lived = matches!(w.kind, Kind::Closed | Kind::Disabled | Kind::ForcedOpen);
            let anchored = stamp.belongs_to(w.gen);
            if long_lived
                && ((anchored && stamp.since(now) >= 1 << 26) || stamp.never_anchored(w.gen))
            {
                self.anchor(w, stamp, now);
                continue;
            }
            let mut time = [0u64; 5];
            for s in State::ALL {
                time[s as usize] = c.time(s);
            }
            if anchored {
                self.split(w.kind, stamp.elapsed_saturating(now), |s, ms| {
                    time[s as usize] += ms as u64
                });
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
                w.admitted.saturating_sub(w.successes) as u32
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
        if matches!(w.kind, Kind::Closed | Kind::Disabled | Kind::ForcedOpen) {
            let stamp = self.load_stamp();
            if stamp.never_anchored(w.gen) {
                self.anchor(w, stamp, self.now_millis());
            }
        }
    }

    /// Moves the start of the current segment from `stamp` to `now` (read
    /// after `stamp` was loaded), booking the time in between.
    fn anchor(&self, w: Word, stamp: Stamp, now: u32) {
        if self.load_word().gen != w.gen {
            return; // a transition happened; its winner publishes
        }
        let new = Stamp::new(w.gen, now).encode();
        // ORDERING: as in `publish`. One attempt, from the stamp `now` was
        // read after: if it fails, a publisher or another anchor got there
        // first and the segment is already accounted for (anchoring from a
        // newer stamp could move it back in time and count a stretch twice).
        if self
            .words
            .0
            .stamp
            .compare_exchange(stamp.encode(), new, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            self.book(w, stamp, now);
        }
    }

    #[inline]
    fn settle_outcome(&self, gen: u16, outcome: Outcome) {
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
                if let Decision::Done(()) =
                    decide_record(w, None, gen, Effect::Success, &self.limits)
                {
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

    fn abandon(&self, gen: u16) {
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
    gen: u16,
    settled: bool,
}

impl<'a, C: Clock, O: Observer> Permit<'a, C, O> {
    #[inline(always)]
    fn new(breaker: &'a CircuitBreaker<C, O>, gen: u16) -> Self {
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

    fn seen(gen: u16, stamp_ms: u32, now: u32) -> Option<Seen> {
        Some(Seen {
            stamp: Stamp::new(gen, stamp_ms),
            now,
        })
    }

    #[test]
    fn closed_admits_without_clock() {
        assert_eq!(
            decide_acquire(word(Kind::Closed), None, &L),
            Decision::Done(Ok(0))
        );
    }

    #[test]
    fn open_needs_clock_then_rejects_with_time_left() {
        let w = word(Kind::Open);
        assert_eq!(decide_acquire(w, None, &L), Decision::NeedClock);
        assert_eq!(
            decide_acquire(w, seen(0, 100, 400), &L),
            Decision::Done(Err((State::Open, Some(Duration::from_ticks(700)))))
        );
    }

    #[test]
    fn open_half_opens_at_the_deadline_with_logical_time() {
        let w = word(Kind::Open);
        match decide_acquire(w, seen(0, 100, 5_000), &L) {
            Decision::Advance(step) => {
                assert_eq!(step.to.kind, Kind::HalfOpen);
                assert_eq!(step.to.gen, w.gen);
                assert_eq!(step.at, 1_100);
                assert_eq!(step.cause, Some(Cause::ResetTimeout));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unpublished_stamp_is_not_a_passed_deadline() {
        let w = word(Kind::Open);
        assert_eq!(
            decide_acquire(w, seen(7, 0, 1 << 20), &L),
            Decision::Done(Err((State::Open, Some(Duration::from_ticks(1_000)))))
        );
    }

    #[test]
    fn a_clock_reading_older_than_the_stamp_reads_as_a_step_back() {
        // Why the driver reads the clock only after loading the stamp: a
        // reading 1 ms older than the opening is indistinguishable from a
        // clock that stepped back, and that counts as passed.
        let w = word(Kind::Open);
        assert!(matches!(
            decide_acquire(w, seen(0, 60_001, 60_000), &L),
            Decision::Advance(_)
        ));
    }

    #[test]
    fn first_probe_reads_the_clock_bumps_generation_and_cap_is_exact() {
        let w = word(Kind::HalfOpen);
        assert_eq!(decide_acquire(w, None, &L), Decision::NeedClock);
        let Decision::Step(step, Ok(1)) = decide_acquire(w, seen(0, 0, 1_200), &L) else {
            panic!()
        };
        let p1 = step.to;
        assert_eq!((p1.kind, p1.gen, p1.admitted), (Kind::Probing, 1, 1));
        assert_eq!((step.cause, step.at), (None, 1_200));
        let Decision::Write(p2, Ok(1)) = decide_acquire(p1, seen(1, 1_200, 1_210), &L) else {
            panic!()
        };
        assert_eq!(p2.admitted, 2);
        assert_eq!(
            decide_acquire(p2, seen(1, 1_200, 1_210), &L),
            Decision::Done(Err((State::HalfOpen, None)))
        );
    }

    #[test]
    fn a_probe_admitted_with_none_in_flight_restarts_the_timer() {
        let w = Word {
            kind: Kind::Probing,
            gen: 4,
            admitted: 1,
            successes: 1,
            ..Word::INITIAL
        };
        let Decision::Step(step, Ok(5)) = decide_acquire(w, seen(4, 0, 900), &L) else {
            panic!()
        };
        assert_eq!((step.to.admitted, step.to.gen, step.at), (2, 5, 900));
    }

    #[test]
    fn probing_times_out_only_with_probes_outstanding() {
        let w = Word {
            kind: Kind::Probing,
            admitted: 1,
            ..Word::INITIAL
        };
        let at = |now| Seen {
            stamp: Stamp::new(0, 0),
            now,
        };
        assert!(decide_deadline(w, at(499), &L).is_none());
        let step = decide_deadline(w, at(600), &L).unwrap();
        assert_eq!((step.to.kind, step.at), (Kind::Open, 500));
        let resolved = Word { successes: 1, ..w };
        assert!(decide_deadline(resolved, at(600), &L).is_none());
    }

    #[test]
    fn threshold_failure_reads_the_clock_trips_and_keeps_streak() {
        let w = Word {
            streak: 2,
            ..Word::INITIAL
        };
        assert_eq!(
            decide_record(w, None, 0, Effect::Failure, &L),
            Decision::NeedClock
        );
        match decide_record(w, seen(0, 0, 42), 0, Effect::Failure, &L) {
            Decision::Step(step, ()) => {
                assert_eq!(
                    (step.to.kind, step.to.streak, step.to.gen),
                    (Kind::Open, 3, 1)
                );
                assert_eq!((step.cause, step.at), (Some(Cause::FailureThreshold), 42));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn closed_outcomes_below_the_threshold_read_no_clock() {
        assert_eq!(
            decide_record(Word::INITIAL, None, 0, Effect::Success, &L),
            Decision::Done(())
        );
        assert_eq!(
            decide_record(Word::INITIAL, None, 0, Effect::Failure, &L),
            Decision::Write(
                Word {
                    streak: 1,
                    ..Word::INITIAL
                },
                ()
            )
        );
    }

    #[test]
    fn stale_generation_drives_nothing() {
        assert_eq!(
            decide_record(Word::INITIAL, None, 9, Effect::Failure, &L),
            Decision::Done(())
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
            decide_record(w, None, 0, Effect::Failure, &L),
            Decision::Write(Word { streak: 11, ..w }, ())
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
        let s = seen(0, 0, 10);
        match decide_record(w, s, 0, Effect::Success, &L) {
            Decision::Step(step, ()) => {
                assert_eq!((step.to.kind, step.to.streak), (Kind::Closed, 0))
            }
            other => panic!("{other:?}"),
        }
        match decide_record(w, s, 0, Effect::Failure, &L) {
            Decision::Step(step, ()) => {
                assert_eq!((step.to.kind, step.to.streak), (Kind::Open, 5))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            decide_record(w, s, 0, Effect::Release, &L),
            Decision::Write(Word { admitted: 1, ..w }, ())
        );
        assert_eq!(
            decide_record(w, None, 0, Effect::Release, &L),
            Decision::NeedClock
        );
    }

    #[test]
    fn a_wrapped_result_with_no_probe_in_flight_drives_nothing() {
        // A permit from exactly GENERATIONS generations back carries the
        // current generation: with nothing in flight it cannot be a probe.
        let idle = Word {
            kind: Kind::Probing,
            admitted: 1,
            successes: 1,
            ..Word::INITIAL
        };
        for effect in [Effect::Success, Effect::Failure, Effect::Release] {
            assert_eq!(
                decide_record(idle, seen(0, 0, 10), 0, effect, &L),
                Decision::Done(())
            );
        }
        for kind in [Kind::Open, Kind::HalfOpen, Kind::ForcedOpen] {
            assert_eq!(
                decide_record(word(kind), seen(0, 0, 10), 0, Effect::Success, &L),
                Decision::Done(())
            );
        }
    }

    #[test]
    fn no_outcome_sequence_breaks_the_word_invariants() {
        // Every outcome, current or wrapped, on every reachable probing
        // word: successes never pass admitted, nothing underflows.
        for admitted in 0..=L.permits as u8 {
            for successes in 0..=admitted {
                let w = Word {
                    kind: Kind::Probing,
                    admitted,
                    successes,
                    ..Word::INITIAL
                };
                for effect in [Effect::Success, Effect::Failure, Effect::Release] {
                    let to = match decide_record(w, seen(0, 0, 10), 0, effect, &L) {
                        Decision::Write(to, ()) => to,
                        Decision::Step(step, ()) => step.to,
                        _ => continue,
                    };
                    assert!(to.successes <= to.admitted, "{w:?} {effect:?} -> {to:?}");
                    assert!(to.admitted <= w.admitted.max(1));
                }
            }
        }
    }

    #[test]
    fn late_probe_result_reopens_first() {
        let w = Word {
            kind: Kind::Probing,
            admitted: 1,
            ..Word::INITIAL
        };
        match decide_record(w, seen(0, 0, 501), 0, Effect::Success, &L) {
            Decision::Advance(step) => assert_eq!(step.to.kind, Kind::Open),
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
        assert_eq!(
            decide_command(open, None, Command::Reset, &L),
            Decision::NeedClock
        );
        let Decision::Step(step, ()) = decide_command(open, seen(0, 0, 7), Command::Reset, &L)
        else {
            panic!()
        };
        assert_eq!(
            (
                step.to.kind,
                step.to.streak,
                step.to.gen,
                step.cause,
                step.at
            ),
            (Kind::Closed, 0, 1, Some(Cause::Reset), 7)
        );
        let closed = Word {
            streak: 2,
            ..Word::INITIAL
        };
        assert_eq!(
            decide_command(closed, None, Command::Reset, &L),
            Decision::Write(Word::INITIAL, ())
        );
        assert_eq!(
            decide_command(Word::INITIAL, None, Command::Reset, &L),
            Decision::Done(())
        );
        let forced = word(Kind::ForcedOpen);
        assert_eq!(
            decide_command(forced, None, Command::ForceOpen, &L),
            Decision::Done(())
        );
        // A due deadline is made first, at its own time.
        match decide_command(open, seen(0, 0, 5_000), Command::ForceOpen, &L) {
            Decision::Advance(step) => assert_eq!((step.to.kind, step.at), (Kind::HalfOpen, 1_000)),
            other => panic!("{other:?}"),
        }
    }
}

//! What a caller holds while its call runs ([`Permit`]), what its result
//! means for the breaker ([`Outcome`]), and the error of a protected call
//! ([`CallError`]).

use super::windowed::Timing;
use super::{BreakerSettings, CircuitBreaker};
use crate::clock::Clock;
use crate::config::Settings;
use crate::event::{NoObserver, Observer, Rejected};

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
pub struct Permit<
    'a,
    C: Clock,
    O: Observer = NoObserver,
    K: Settings<BreakerSettings> = BreakerSettings,
> {
    breaker: &'a CircuitBreaker<C, O, K>,
    gen: u8,
}

impl<'a, C: Clock, O: Observer, K: Settings<BreakerSettings>> Permit<'a, C, O, K> {
    #[inline(always)]
    pub(super) fn new(breaker: &'a CircuitBreaker<C, O, K>, gen: u8) -> Self {
        Self { breaker, gen }
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
    pub fn record(self, outcome: Outcome) {
        self.record_timed(outcome, Timing::Untimed)
    }

    #[cfg(feature = "policies")]
    /// Records the outcome of a call that took `elapsed`, for the slow-call
    /// policy ([`BreakerConfig::slow_calls`](crate::BreakerConfig::slow_calls));
    /// [`CircuitBreaker::call`] times its calls itself.
    ///
    /// ```
    /// use totem_core::{validated, BreakerConfig, CircuitBreaker, Duration, ManualClock, Outcome, RateWindow, SlidingWindow, State};
    /// static WINDOW: RateWindow<2> = RateWindow::new();
    /// let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(
    ///     validated!(BreakerConfig::new("db")
    ///         .sliding_window(SlidingWindow::Calls(2), WINDOW.storage())
    ///         .slow_calls(Duration::from_millis(500), 100)
    ///         .minimum_calls(2)),
    ///     &clock,
    /// );
    /// for _ in 0..2 {
    ///     b.try_acquire().unwrap().record_after(Outcome::Success, Duration::from_secs(1));
    /// }
    /// assert_eq!(b.state(), State::Open);
    /// ```
    #[inline]
    pub fn record_after(self, outcome: Outcome, elapsed: crate::clock::Duration) {
        self.record_timed(outcome, Timing::Took(elapsed.as_ticks()))
    }

    /// Records `outcome` on a breaker known to have no sliding window.
    #[inline]
    pub(super) fn record_plain(self, outcome: Outcome) {
        let (breaker, gen) = (self.breaker, self.gen);
        // Recorded: the drop that counts an abandoned permit must not run.
        core::mem::forget(self);
        breaker.on_outcome_plain(gen, outcome);
    }

    #[inline]
    pub(super) fn record_timed(self, outcome: Outcome, timing: Timing) {
        let (breaker, gen) = (self.breaker, self.gen);
        // Recorded: the drop that counts an abandoned permit must not run.
        core::mem::forget(self);
        breaker.on_outcome(gen, outcome, timing);
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

impl<C: Clock, O: Observer, K: Settings<BreakerSettings>> Drop for Permit<'_, C, O, K> {
    fn drop(&mut self) {
        // Only a permit dropped without an outcome gets here (`record`
        // forgets the permit it consumes).
        self.breaker.abandon(self.gen);
    }
}

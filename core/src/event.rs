//! [`Event`] values and the [`Observer`] hook: state changes, rejections and
//! retries, delivered synchronously and without allocation.

use crate::clock::{Duration, Instant};

/// The state of a breaker as users see it.
///
/// The numeric value (`as u8`) is the spec's `circuit_breaker_state` gauge.
///
/// ```
/// use totem_core::State;
/// assert_eq!(State::HalfOpen as u8, 2);
/// assert_eq!(State::Open.as_str(), "open");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u8)]
pub enum State {
    /// Calls pass; failures are counted.
    Closed = 0,
    /// Calls are rejected until `reset_timeout` has passed.
    Open = 1,
    /// A limited number of probes pass; their outcome closes or reopens.
    HalfOpen = 2,
    /// Manually opened: rejects everything until `reset()`.
    ForcedOpen = 3,
    /// Manually disabled: passes everything, trips nothing, until `reset()`.
    Disabled = 4,
}

impl State {
    /// Every state, in gauge order.
    ///
    /// ```
    /// # use totem_core::State;
    /// assert_eq!(State::ALL.len(), 5);
    /// ```
    pub const ALL: [State; 5] = [
        State::Closed,
        State::Open,
        State::HalfOpen,
        State::ForcedOpen,
        State::Disabled,
    ];

    /// A lowercase label (for metrics and logs).
    ///
    /// ```
    /// # use totem_core::State;
    /// assert_eq!(State::ForcedOpen.as_str(), "forced_open");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            State::Closed => "closed",
            State::Open => "open",
            State::HalfOpen => "half_open",
            State::ForcedOpen => "forced_open",
            State::Disabled => "disabled",
        }
    }

    /// The state as the spec writes it, upper-case (for logs and firmware
    /// output).
    ///
    /// ```
    /// # use totem_core::State;
    /// assert_eq!(State::HalfOpen.label(), "HALF_OPEN");
    /// ```
    pub const fn label(self) -> &'static str {
        match self {
            State::Closed => "CLOSED",
            State::Open => "OPEN",
            State::HalfOpen => "HALF_OPEN",
            State::ForcedOpen => "FORCED_OPEN",
            State::Disabled => "DISABLED",
        }
    }
}

impl core::fmt::Display for State {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a breaker changed state.
///
/// ```
/// use totem_core::Cause;
/// assert_ne!(Cause::FailureThreshold, Cause::ProbeFailed);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u8)]
pub enum Cause {
    /// CLOSED → OPEN: `failure_threshold` consecutive failures.
    FailureThreshold,
    /// OPEN → HALF_OPEN: `reset_timeout` passed.
    ResetTimeout,
    /// HALF_OPEN → OPEN: a probe failed.
    ProbeFailed,
    /// HALF_OPEN → OPEN: probes were unresolved at `half_open_timeout`.
    HalfOpenTimeout,
    /// HALF_OPEN → CLOSED: enough probes succeeded.
    ProbesSucceeded,
    /// `reset()`.
    Reset,
    /// `force_open()`.
    ForceOpen,
    /// `disable()`.
    Disable,
    /// CLOSED → OPEN: the failure rate over the sliding window reached
    /// `failure_rate` (with at least `minimum_calls` in the window; feature
    /// `policies`).
    #[cfg(feature = "policies")]
    FailureRate,
    /// CLOSED → OPEN: the share of slow calls over the sliding window
    /// reached `slow_call_rate` (with at least `minimum_calls`; feature
    /// `policies`).
    #[cfg(feature = "policies")]
    SlowCallRate,
}

impl Cause {
    /// Every cause, in counter order (`Cause as usize`).
    ///
    /// ```
    /// # use totem_core::Cause;
    /// assert_eq!(Cause::ALL[Cause::ProbeFailed as usize], Cause::ProbeFailed);
    /// ```
    #[cfg(feature = "policies")]
    pub const ALL: [Cause; 10] = [
        Cause::FailureThreshold,
        Cause::ResetTimeout,
        Cause::ProbeFailed,
        Cause::HalfOpenTimeout,
        Cause::ProbesSucceeded,
        Cause::Reset,
        Cause::ForceOpen,
        Cause::Disable,
        Cause::FailureRate,
        Cause::SlowCallRate,
    ];
    /// Every cause, in counter order (`Cause as usize`).
    #[cfg(not(feature = "policies"))]
    pub const ALL: [Cause; 8] = [
        Cause::FailureThreshold,
        Cause::ResetTimeout,
        Cause::ProbeFailed,
        Cause::HalfOpenTimeout,
        Cause::ProbesSucceeded,
        Cause::Reset,
        Cause::ForceOpen,
        Cause::Disable,
    ];

    /// A lowercase label (for metrics and logs).
    ///
    /// ```
    /// # use totem_core::Cause;
    /// assert_eq!(Cause::HalfOpenTimeout.as_str(), "half_open_timeout");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Cause::FailureThreshold => "failure_threshold",
            Cause::ResetTimeout => "reset_timeout",
            Cause::ProbeFailed => "probe_failed",
            Cause::HalfOpenTimeout => "half_open_timeout",
            Cause::ProbesSucceeded => "probes_succeeded",
            Cause::Reset => "reset",
            Cause::ForceOpen => "force_open",
            Cause::Disable => "disable",
            #[cfg(feature = "policies")]
            Cause::FailureRate => "failure_rate",
            #[cfg(feature = "policies")]
            Cause::SlowCallRate => "slow_call_rate",
        }
    }

    /// The state a transition with this cause leaves, when the cause tells
    /// (the automatic ones); a manual command can come in any state.
    ///
    /// ```
    /// # use totem_core::{Cause, State};
    /// assert_eq!(Cause::ProbeFailed.from(), Some(State::HalfOpen));
    /// assert_eq!(Cause::Reset.from(), None);
    /// ```
    pub const fn from(self) -> Option<State> {
        match self {
            Cause::FailureThreshold => Some(State::Closed),
            #[cfg(feature = "policies")]
            Cause::FailureRate | Cause::SlowCallRate => Some(State::Closed),
            Cause::ResetTimeout => Some(State::Open),
            Cause::ProbeFailed | Cause::HalfOpenTimeout | Cause::ProbesSucceeded => {
                Some(State::HalfOpen)
            }
            Cause::Reset | Cause::ForceOpen | Cause::Disable => None,
        }
    }

    /// The state a transition with this cause enters.
    ///
    /// ```
    /// # use totem_core::{Cause, State};
    /// assert_eq!(Cause::HalfOpenTimeout.to(), State::Open);
    /// ```
    pub const fn to(self) -> State {
        match self {
            Cause::FailureThreshold | Cause::ProbeFailed | Cause::HalfOpenTimeout => State::Open,
            #[cfg(feature = "policies")]
            Cause::FailureRate | Cause::SlowCallRate => State::Open,
            Cause::ResetTimeout => State::HalfOpen,
            Cause::ProbesSucceeded | Cause::Reset => State::Closed,
            Cause::ForceOpen => State::ForcedOpen,
            Cause::Disable => State::Disabled,
        }
    }
}

impl core::fmt::Display for Cause {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A breaker state change. `at` is the logical time of the transition (a
/// deadline that passed unobserved is reported at the deadline, not when it
/// was noticed).
///
/// ```
/// use totem_core::{Cause, Instant, State, Transition};
/// let t = Transition {
///     name: "db",
///     from: State::Closed,
///     to: State::Open,
///     at: Instant::from_ticks(0),
///     consecutive_failures: 5,
///     cause: Cause::FailureThreshold,
/// };
/// assert_eq!(t.to, State::Open);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Transition {
    /// The breaker's name.
    pub name: &'static str,
    /// The state left.
    pub from: State,
    /// The state entered.
    pub to: State,
    /// When it happened (logical time).
    pub at: Instant,
    /// The failure streak at that moment.
    pub consecutive_failures: u32,
    /// Why.
    pub cause: Cause,
}

/// A call refused by a breaker, without running the operation.
///
/// ```
/// use totem_core::{Duration, Rejected, State};
/// let r = Rejected { name: "db", state: State::Open, retry_after: Some(Duration::from_secs(3)) };
/// assert_eq!(r.retry_after.unwrap().as_ticks(), 3_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Rejected {
    /// The breaker's name.
    pub name: &'static str,
    /// The state that refused the call.
    pub state: State,
    /// How long until a probe is allowed: the rest of `reset_timeout` when
    /// OPEN; `None` when FORCED_OPEN (until `reset()`) or when HALF_OPEN with
    /// every probe slot taken (a slot frees when a probe resolves).
    pub retry_after: Option<Duration>,
}

impl core::fmt::Display for Rejected {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "circuit breaker '{}' is {}", self.name, self.state)?;
        if let Some(d) = self.retry_after {
            write!(f, "; next probe in {} ms", d.as_ticks())?;
        }
        Ok(())
    }
}

impl core::error::Error for Rejected {}

/// A retry about to sleep before its next attempt.
///
/// ```
/// use totem_core::{Duration, RetryScheduled};
/// let r = RetryScheduled { name: "notify", attempt: 1, delay: Duration::from_secs(1), error_class: Some(0) };
/// assert_eq!(r.attempt, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RetryScheduled {
    /// The retry's name.
    pub name: &'static str,
    /// The attempt that just failed (1 is the first call).
    pub attempt: u32,
    /// The sleep before the next attempt.
    pub delay: Duration,
    /// The failed attempt's error class
    /// ([`RetryPolicy::error_class`](crate::RetryPolicy::error_class)), or
    /// `None` when it returned `Ok` and the policy still retries it.
    pub error_class: Option<u8>,
}

/// Why a retried call returned an error.
///
/// ```
/// use totem_core::GiveUp;
/// assert_ne!(GiveUp::Exhausted, GiveUp::Deadline);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum GiveUp {
    /// `max_attempts` were made.
    Exhausted,
    /// The policy said this result is not worth retrying (a breaker
    /// rejection, by default, when retrying through a breaker).
    NotRetryable,
    /// The next delay would have ended past the deadline, so the retry gave
    /// up instead of sleeping (it never sleeps past the deadline).
    Deadline,
    /// The retry's [`RetryBudget`](crate::RetryBudget), shared with other
    /// retries, held no retry to spare: retries were already a larger share
    /// of calls than it allows (an outage; retrying would add load to it).
    BudgetExhausted,
}

impl GiveUp {
    /// A lowercase label (for metrics and logs).
    ///
    /// ```
    /// # use totem_core::GiveUp;
    /// assert_eq!(GiveUp::NotRetryable.as_str(), "not_retryable");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            GiveUp::Exhausted => "exhausted",
            GiveUp::NotRetryable => "not_retryable",
            GiveUp::Deadline => "deadline",
            GiveUp::BudgetExhausted => "budget_exhausted",
        }
    }
}

impl core::fmt::Display for GiveUp {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A retried call that ended in an error.
///
/// ```
/// use totem_core::{GiveUp, RetryGaveUp};
/// let g = RetryGaveUp { name: "notify", attempts: 3, reason: GiveUp::Exhausted };
/// assert_eq!(g.attempts, 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RetryGaveUp {
    /// The retry's name.
    pub name: &'static str,
    /// Attempts made, the first call included.
    pub attempts: u32,
    /// Why it stopped.
    pub reason: GiveUp,
}

/// Everything an [`Observer`] hears.
///
/// ```
/// use totem_core::{Event, GiveUp, RetryGaveUp};
/// let e = Event::RetryGaveUp(RetryGaveUp { name: "n", attempts: 1, reason: GiveUp::NotRetryable });
/// assert!(matches!(e, Event::RetryGaveUp(_)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Event {
    /// A breaker changed state (exactly once per transition).
    Transition(Transition),
    /// A breaker refused a call.
    Rejected(Rejected),
    /// A retry is about to sleep before another attempt.
    RetryScheduled(RetryScheduled),
    /// A retry returned an error to its caller.
    RetryGaveUp(RetryGaveUp),
}

/// Receives events synchronously, on the thread (or interrupt) that caused
/// them.
///
/// # Contract
///
/// An implementation:
/// - MUST return quickly and never block: it runs inside `call` and inside
///   the breaker's transitions, possibly in an interrupt handler.
/// - MUST NOT panic. A permit dropped during unwinding reports its
///   abandonment through the observer, and a second panic there aborts the
///   process.
/// - MUST NOT call into the breaker from a [`Rejected`](Event::Rejected)
///   event (a call rejected again recurses without bound), and MUST NOT
///   make, from a [`Transition`](Event::Transition) event, transitions that
///   cause further ones without bound.
///
/// What the core guarantees in return:
/// - a transition is made and published before its event is emitted, so an
///   observer may read the breaker (`state()`, `snapshot()`) from any event
///   and sees the state the event announces, or a later one;
/// - if an observer panics anyway, the panic reaches the caller of the call
///   that caused the event, and the breaker is left whole: the transition is
///   complete, its counters are counted, no half-open slot is held.
///
/// A reference to an observer, a plain `fn(&Event)` and a closure wrapped
/// in [`ObserverFn`] are observers too.
///
/// ```
/// use totem_core::{validated, BreakerConfig, CircuitBreaker, Event, ManualClock};
/// use core::sync::atomic::{AtomicU32, Ordering};
/// static CHANGES: AtomicU32 = AtomicU32::new(0);
/// fn count(e: &Event) {
///     if let Event::Transition(_) = e {
///         CHANGES.fetch_add(1, Ordering::Relaxed);
///     }
/// }
/// let clock = ManualClock::new();
/// let breaker = CircuitBreaker::new(validated!(BreakerConfig::new("x").failure_threshold(1)), &clock)
///     .with_observer(count as fn(&Event));
/// let _ = breaker.call(|| Err::<(), _>("down"));
/// assert_eq!(CHANGES.load(Ordering::Relaxed), 1);
/// ```
pub trait Observer {
    /// Called once per event.
    fn on_event(&self, event: &Event);
}

/// The observer that does nothing (compiles away).
///
/// ```
/// use totem_core::{Event, NoObserver, Observer, Rejected, State};
/// NoObserver.on_event(&Event::Rejected(Rejected { name: "x", state: State::Open, retry_after: None }));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct NoObserver;

impl Observer for NoObserver {
    #[inline(always)]
    fn on_event(&self, _: &Event) {}
}

impl<O: Observer + ?Sized> Observer for &O {
    #[inline]
    fn on_event(&self, event: &Event) {
        (**self).on_event(event)
    }
}

/// A plain function is an observer (handy for a `static` breaker).
impl Observer for fn(&Event) {
    #[inline]
    fn on_event(&self, event: &Event) {
        self(event)
    }
}

/// Wraps a closure as an observer.
///
/// ```
/// use totem_core::{validated, BreakerConfig, CircuitBreaker, Event, ManualClock, ObserverFn};
/// use std::cell::Cell;
/// let seen = Cell::new(0);
/// let clock = ManualClock::new();
/// let b = CircuitBreaker::new(validated!(BreakerConfig::new("x").failure_threshold(1)), &clock)
///     .with_observer(ObserverFn(|_: &Event| seen.set(seen.get() + 1)));
/// let _ = b.call(|| Err::<(), _>(()));
/// assert_eq!(seen.get(), 1);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ObserverFn<F>(pub F);

impl<F: Fn(&Event)> Observer for ObserverFn<F> {
    #[inline]
    fn on_event(&self, event: &Event) {
        (self.0)(event)
    }
}

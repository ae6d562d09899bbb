//! What is retried ([`RetryPolicy`]: a predicate over the call's
//! `&Result`, with the stock [`RetryErrors`] and [`NotRejected`]), and what
//! the caller gets when the retry gives up ([`RetryError`]).

use crate::breaker::CallError;
use crate::clock::Duration;
use crate::event::GiveUp;

/// The last error of a retried call, with how many attempts were made.
///
/// ```
/// use totem_core::{validated, GiveUp, ManualClock, Retry, RetryConfig};
/// let clock = ManualClock::new();
/// let retry = Retry::new(validated!(RetryConfig::new("x").max_attempts(2)), &clock, 7);
/// let err = retry.call(&clock, || Err::<(), _>("down")).unwrap_err();
/// assert_eq!((err.error, err.attempts, err.reason), ("down", 2, GiveUp::Exhausted));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RetryError<E> {
    /// The last attempt's error.
    pub error: E,
    /// Attempts made, the first call included.
    pub attempts: u32,
    /// Why no further attempt was made.
    pub reason: GiveUp,
}

impl<E: core::fmt::Display> core::fmt::Display for RetryError<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{} (after {} attempts, {:?})",
            self.error, self.attempts, self.reason
        )
    }
}

impl<E: core::error::Error + 'static> core::error::Error for RetryError<E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Decides which results are retried, and how errors are classed in the
/// metrics. It is a different question from the breaker's classifier
/// (retryable is not the same as unhealthy).
///
/// Any `Fn(&Result<T, E>) -> bool` is a policy (true: try again).
///
/// ```
/// use totem_core::RetryPolicy;
/// let only_timeouts = |r: &Result<(), &str>| matches!(r, Err("timeout"));
/// assert!(only_timeouts.should_retry(&Err("timeout")));
/// assert!(!only_timeouts.should_retry(&Err("bad request")));
/// ```
pub trait RetryPolicy<T, E> {
    /// Whether this result should be tried again (asked only while attempts
    /// remain).
    fn should_retry(&self, result: &Result<T, E>) -> bool;

    /// The class of an error for the metrics, `0..ERROR_CLASSES` (larger
    /// values count as the last class). Default: 0.
    fn error_class(&self, _error: &E) -> usize {
        0
    }

    /// The delay this result asks for before the next attempt (an HTTP
    /// 429's or 503's `Retry-After`), used instead of the schedule's next
    /// delay. Asked only for a result that is retried. Default: `None`, the
    /// schedule decides.
    ///
    /// What the retry does with a hint: it sleeps for it, clamped to
    /// `max_delay`; if the hint would end past the deadline, the call gives
    /// up with [`GiveUp::Deadline`](crate::GiveUp::Deadline) rather than
    /// sleep (a hint never stretches the deadline); the schedule advances
    /// as if its own delay had been used, so the attempt counts against
    /// `max_attempts`.
    ///
    /// An implementation:
    /// - MUST return quickly and never block: it runs inside the call,
    ///   between two attempts.
    /// - MUST NOT panic, nor call back into the retry.
    ///
    /// ```
    /// use totem_core::{validated, Clock, Duration, ManualClock, Retry, RetryConfig, RetryPolicy};
    /// /// 429 Too Many Requests, with the server's Retry-After in seconds.
    /// struct TooMany(u32);
    /// struct HonourRetryAfter;
    /// impl RetryPolicy<(), TooMany> for HonourRetryAfter {
    ///     fn should_retry(&self, r: &Result<(), TooMany>) -> bool {
    ///         r.is_err()
    ///     }
    ///     fn retry_after(&self, r: &Result<(), TooMany>) -> Option<Duration> {
    ///         r.as_ref().err().map(|e| Duration::from_secs(e.0))
    ///     }
    /// }
    /// let clock = ManualClock::new();
    /// let retry = Retry::new(validated!(RetryConfig::new("api").max_attempts(2)), &clock, 1);
    /// let _ = retry.call_if(&HonourRetryAfter, &clock, || Err(TooMany(4)));
    /// assert_eq!(clock.now().as_ticks(), 4_000); // slept 4 s, not the schedule's 1 s
    /// ```
    fn retry_after(&self, _result: &Result<T, E>) -> Option<Duration> {
        None
    }
}

/// The default policy: retry every `Err`, never an `Ok`.
///
/// ```
/// use totem_core::{RetryErrors, RetryPolicy};
/// assert!(RetryPolicy::<(), ()>::should_retry(&RetryErrors, &Err(())));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetryErrors;

impl<T, E> RetryPolicy<T, E> for RetryErrors {
    #[inline]
    fn should_retry(&self, result: &Result<T, E>) -> bool {
        result.is_err()
    }
}

/// The policy for retrying through a breaker: retry the operation's errors,
/// never a breaker rejection (an open breaker stops the retries).
///
/// ```
/// use totem_core::{CallError, NotRejected, Rejected, RetryPolicy, State};
/// let rejected: Result<(), CallError<()>> =
///     Err(CallError::Rejected(Rejected { name: "x", state: State::Open, retry_after: None }));
/// assert!(!NotRejected.should_retry(&rejected));
/// assert!(NotRejected.should_retry(&Err::<(), _>(CallError::Inner(()))));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NotRejected;

impl<T, E> RetryPolicy<T, CallError<E>> for NotRejected {
    #[inline]
    fn should_retry(&self, result: &Result<T, CallError<E>>) -> bool {
        matches!(result, Err(CallError::Inner(_)))
    }

    fn error_class(&self, error: &CallError<E>) -> usize {
        // Class 1 keeps rejections apart from the operation's own errors.
        usize::from(error.is_rejected())
    }
}

impl<T, E, F: Fn(&Result<T, E>) -> bool> RetryPolicy<T, E> for F {
    #[inline]
    fn should_retry(&self, result: &Result<T, E>) -> bool {
        self(result)
    }
}

//! [`BreakerError`]: the error of a service behind a [`BreakerLayer`].
//!
//! [`BreakerLayer`]: super::BreakerLayer

use std::error::Error;
use std::fmt;

use totem_core::{CallError, Rejected};

/// The error of a [`BreakerService`](super::BreakerService): the breaker
/// refused the call, or the inner service failed. Match it to tell them
/// apart.
///
/// It implements [`std::error::Error`] whenever the inner error is `Debug`
/// and `Display`, including tower's `BoxError` (which is not itself an
/// `Error`), so it converts into a `BoxError` like any tower error.
/// [`source`](Error::source) is the [`Rejected`] for a rejection and `None`
/// for an inner error: match `Inner` to get it (typed).
///
/// ```
/// use totem_core::{Rejected, State};
/// use totem_std::BreakerError;
///
/// let rejected = BreakerError::<std::io::Error>::Rejected(Rejected {
///     name: "db",
///     state: State::Open,
///     retry_after: None,
/// });
/// assert!(rejected.is_rejected());
/// assert_eq!(rejected.to_string(), "circuit breaker 'db' is open");
/// let boxed: tower::BoxError = BreakerError::Inner(tower::BoxError::from("reset by peer")).into();
/// assert_eq!(boxed.to_string(), "reset by peer");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerError<E> {
    /// The breaker refused the call; the inner service was not called.
    Rejected(Rejected),
    /// The inner service was called and returned this error.
    Inner(E),
}

impl<E> BreakerError<E> {
    /// Whether the breaker refused the call.
    ///
    /// ```
    /// # use totem_std::BreakerError;
    /// assert!(!BreakerError::Inner(1).is_rejected());
    /// ```
    pub const fn is_rejected(&self) -> bool {
        matches!(self, BreakerError::Rejected(_))
    }

    /// The rejection, if the breaker refused the call.
    ///
    /// ```
    /// # use totem_std::BreakerError;
    /// assert!(BreakerError::Inner(1).rejected().is_none());
    /// ```
    pub const fn rejected(&self) -> Option<&Rejected> {
        match self {
            BreakerError::Rejected(r) => Some(r),
            BreakerError::Inner(_) => None,
        }
    }

    /// The inner service's error, if it was called.
    ///
    /// ```
    /// # use totem_std::BreakerError;
    /// assert_eq!(BreakerError::Inner(7).into_inner(), Some(7));
    /// ```
    pub fn into_inner(self) -> Option<E> {
        match self {
            BreakerError::Inner(e) => Some(e),
            BreakerError::Rejected(_) => None,
        }
    }
}

/// The inner service's error, so that `?` wraps it.
impl<E> From<E> for BreakerError<E> {
    fn from(e: E) -> Self {
        BreakerError::Inner(e)
    }
}

/// The core's error of the same call.
impl<E> From<BreakerError<E>> for CallError<E> {
    fn from(e: BreakerError<E>) -> Self {
        match e {
            BreakerError::Rejected(r) => CallError::Rejected(r),
            BreakerError::Inner(e) => CallError::Inner(e),
        }
    }
}

impl<E: fmt::Display> fmt::Display for BreakerError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BreakerError::Rejected(r) => r.fmt(f),
            BreakerError::Inner(e) => e.fmt(f),
        }
    }
}

// Bounded on Debug + Display rather than Error so that tower's BoxError
// (not an Error itself) qualifies; the price is no source for Inner.
impl<E: fmt::Debug + fmt::Display> Error for BreakerError<E> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            BreakerError::Rejected(r) => Some(r),
            BreakerError::Inner(_) => None,
        }
    }
}

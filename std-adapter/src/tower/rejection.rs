//! What a [`BreakerService`](super::BreakerService) answers when its breaker
//! refuses a call: an error ([`Reject`], the default) or a fallback value
//! ([`Fallback`], the tower form of the core's `call_or_else`).

use totem_core::Rejected;

use super::BreakerError;

/// What a breaker service returns for a rejected call, and the error type
/// it returns for everything else. Implemented by [`Reject`] and
/// [`Fallback`].
pub trait OnRejected<T, E> {
    /// The service's error type. It wraps the inner service's errors through
    /// `From<E>`.
    type Error: From<E>;

    /// The result of a call the breaker refused (the inner service is not
    /// called).
    fn rejected(&self, rejected: Rejected) -> Result<T, Self::Error>;
}

/// The default: a rejected call fails with [`BreakerError::Rejected`], and
/// the inner service's errors come as [`BreakerError::Inner`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Reject;

impl<T, E> OnRejected<T, E> for Reject {
    type Error = BreakerError<E>;

    #[inline]
    fn rejected(&self, rejected: Rejected) -> Result<T, BreakerError<E>> {
        Err(BreakerError::Rejected(rejected))
    }
}

/// A fallback for rejected calls (a cached value, a default, a degraded
/// answer, an HTTP 503 with `Retry-After`), as the core's
/// [`call_or_else`](totem_core::CircuitBreaker::call_or_else): the function
/// gets the [`Rejected`] and its result is returned instead, at once and
/// without calling the inner service. The inner service's errors are
/// returned as they are (the service's error type is the inner one). Made
/// by [`BreakerLayer::with_fallback`](super::BreakerLayer::with_fallback).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Fallback<F>(pub F);

impl<T, E, F: Fn(Rejected) -> Result<T, E>> OnRejected<T, E> for Fallback<F> {
    type Error = E;

    #[inline]
    fn rejected(&self, rejected: Rejected) -> Result<T, E> {
        (self.0)(rejected)
    }
}

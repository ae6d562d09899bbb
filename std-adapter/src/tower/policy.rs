//! [`RetryUnlessRejected`]: the retry layer's default policy.

use totem_core::{CallError, RetryPolicy};

use super::BreakerError;

/// The [`RetryLayer`](super::RetryLayer)'s default policy: retry every error
/// of the inner service except a breaker's rejection, which stops the
/// retries at once (an open breaker would only reject again, and a
/// rejection says nothing new about the dependency). Rejections are counted
/// in the retry's error class 1, the inner service's errors in class 0.
///
/// It applies when the retried service's error is a [`BreakerError`] (a
/// [`BreakerLayer`](super::BreakerLayer) right inside the retry layer) or
/// the core's [`CallError`]. For another error type give the layer a policy
/// of your own: the core's `RetryErrors`, or any
/// `Fn(&Result<T, E>) -> bool`.
///
/// ```
/// use totem_core::{Rejected, RetryPolicy, State};
/// use totem_std::{BreakerError, RetryUnlessRejected};
///
/// let rejected = Rejected { name: "db", state: State::Open, retry_after: None };
/// assert!(!RetryUnlessRejected.should_retry(&Err::<(), _>(BreakerError::<()>::Rejected(rejected))));
/// assert!(RetryUnlessRejected.should_retry(&Err::<(), _>(BreakerError::Inner("reset"))));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct RetryUnlessRejected;

impl<T, E> RetryPolicy<T, BreakerError<E>> for RetryUnlessRejected {
    #[inline]
    fn should_retry(&self, result: &Result<T, BreakerError<E>>) -> bool {
        matches!(result, Err(BreakerError::Inner(_)))
    }

    fn error_class(&self, error: &BreakerError<E>) -> usize {
        usize::from(error.is_rejected())
    }
}

impl<T, E> RetryPolicy<T, CallError<E>> for RetryUnlessRejected {
    #[inline]
    fn should_retry(&self, result: &Result<T, CallError<E>>) -> bool {
        matches!(result, Err(CallError::Inner(_)))
    }

    fn error_class(&self, error: &CallError<E>) -> usize {
        usize::from(error.is_rejected())
    }
}

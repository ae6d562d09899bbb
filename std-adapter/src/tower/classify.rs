//! What an inner service's result means for the breaker: [`Classify`], with
//! [`DefaultClassifier`] (`Ok` is a success, `Err` a failure).

use totem_core::Outcome;

/// Decides what a result of the inner service means for the breaker's
/// health, as [`CircuitBreaker::call_classified`] does: an HTTP 503 that
/// arrives as `Ok(response)` can be a failure, a 404 can be ignored.
///
/// Any `Fn(&Result<T, E>) -> Outcome` is a classifier. It is cloned into
/// each call's future, so keep it cheap to clone (a function or a closure
/// that captures nothing is free).
///
/// [`CircuitBreaker::call_classified`]: totem_core::CircuitBreaker::call_classified
///
/// ```
/// use totem_core::Outcome;
/// use totem_std::Classify;
/// let by_status = |r: &Result<u16, ()>| match r {
///     Ok(s) if *s >= 500 => Outcome::Failure,
///     Ok(_) => Outcome::Success,
///     Err(_) => Outcome::Failure,
/// };
/// assert_eq!(by_status.classify(&Ok(503)), Outcome::Failure);
/// ```
pub trait Classify<T, E> {
    /// The outcome of `result`.
    fn classify(&self, result: &Result<T, E>) -> Outcome;
}

impl<T, E, F: Fn(&Result<T, E>) -> Outcome> Classify<T, E> for F {
    #[inline]
    fn classify(&self, result: &Result<T, E>) -> Outcome {
        self(result)
    }
}

/// The default classifier, [`Outcome::of`]: `Ok` is a success, `Err` a
/// failure (a timeout from an inner `tower::timeout` layer included).
///
/// ```
/// use totem_core::Outcome;
/// use totem_std::{Classify, DefaultClassifier};
/// assert_eq!(DefaultClassifier.classify(&Err::<(), _>("reset")), Outcome::Failure);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct DefaultClassifier;

impl<T, E> Classify<T, E> for DefaultClassifier {
    #[inline]
    fn classify(&self, result: &Result<T, E>) -> Outcome {
        Outcome::of(result)
    }
}

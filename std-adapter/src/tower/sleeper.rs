//! [`SendSleeper`]: the retry layer's wait, as a future that can be named
//! and sent between threads.

use std::future::Future;

use totem_core::{Duration, Sleeper};

use crate::TokioSleeper;

/// How a [`RetryService`](super::RetryService) waits between attempts: a
/// [`Sleeper`] whose future is `Send` and can be named.
///
/// A retry layer's future must be `Send` to serve behind hyper or axum, and
/// Rust cannot yet state "the future returned by a generic `Sleeper`'s
/// `sleep` is `Send`"; an associated type can. [`TokioSleeper`] is one.
///
/// ```
/// use totem_core::Duration;
/// use totem_std::SendSleeper;
///
/// /// Waits twice as long as asked (say, to be gentler on a shared test server).
/// #[derive(Clone)]
/// struct Doubled;
/// impl SendSleeper for Doubled {
///     type Sleep = tokio::time::Sleep;
///     fn sleep_for(&self, delay: Duration) -> Self::Sleep {
///         tokio::time::sleep(totem_std::to_std(delay) * 2)
///     }
/// }
/// ```
pub trait SendSleeper: Clone + Send + Sync + 'static {
    /// The wait.
    type Sleep: Future<Output = ()> + Send + 'static;

    /// Waits for `delay`, under the [`Sleeper`] contract (never shorter than
    /// `delay`, cancelled by dropping the future).
    fn sleep_for(&self, delay: Duration) -> Self::Sleep;
}

impl SendSleeper for TokioSleeper {
    type Sleep = ::tokio::time::Sleep;

    #[inline]
    fn sleep_for(&self, delay: Duration) -> Self::Sleep {
        TokioSleeper::sleep_for(self, delay)
    }
}

/// A [`SendSleeper`] as the core's [`Sleeper`]. Through this impl the
/// compiler sees the future's concrete type, and so that it is `Send`.
#[derive(Debug, Clone, Copy)]
pub(super) struct AsSleeper<Sl>(pub(super) Sl);

impl<Sl: SendSleeper> Sleeper for AsSleeper<Sl> {
    #[inline]
    fn sleep(&self, delay: Duration) -> impl Future<Output = ()> {
        self.0.sleep_for(delay)
    }
}

//! [`RetryLayer`] and the [`RetryService`] it wraps around a service.

use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll};

use totem_core::{Clock, GiveUp, NoObserver, Observer, Retry, RetryError, RetryPolicy};
use tower_layer::Layer;
use tower_service::Service;

use super::sleeper::AsSleeper;
use super::{RetryUnlessRejected, SendSleeper};
use crate::TokioSleeper;

/// The future of a [`RetryService`]: the core's retry loop
/// ([`Retry::call_if_async`]), boxed.
///
/// One allocation per request: the core's `async fn` has a type that cannot
/// be named on stable Rust, so the service cannot name its future except
/// behind a box. It is `Send`, so a retry service runs in `tokio::spawn` and
/// behind hyper or axum.
pub type RetryFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, RetryError<E>>> + Send>>;

/// A tower [`Layer`] that retries a service's failed calls with the core's
/// [`Retry`]: its backoff, jitter, deadline, metrics and events, through
/// [`Retry::call_if_async`] (the loop is the core's, not this crate's).
///
/// Requests must be `Clone` (each attempt sends a copy). By default every
/// error is retried except a breaker's rejection ([`RetryUnlessRejected`]),
/// and the wait is a [`TokioSleeper`]. It holds a `&'static` retry, for the
/// same reason as [`BreakerLayer`](super::BreakerLayer): made once for the
/// process, shared by every clone of the service. See the
/// [crate docs](crate#tower) for a stack.
///
/// ```
/// use std::sync::LazyLock;
/// use totem_core::{Retry, RetryConfig, RetryErrors};
/// use totem_std::RetryLayer;
/// use totem_std::TokioClock;
///
/// static RETRY: LazyLock<Retry<TokioClock>> = LazyLock::new(|| {
///     Retry::try_new(RetryConfig::new("payments"), TokioClock::new(), totem_std::os_seed()).unwrap()
/// });
/// // No breaker inside: retry every error.
/// let layer = RetryLayer::new(&*RETRY).with_policy(RetryErrors);
/// assert_eq!(layer.retry().config().max_attempts, 3);
/// ```
pub struct RetryLayer<
    C: 'static,
    O: 'static = NoObserver,
    P = RetryUnlessRejected,
    Sl = TokioSleeper,
> {
    retry: &'static Retry<C, O>,
    policy: P,
    sleeper: Sl,
}

impl<C, O> RetryLayer<C, O> {
    /// A layer over `retry` that retries every error but a breaker's
    /// rejection, waiting on Tokio's timer.
    pub const fn new(retry: &'static Retry<C, O>) -> Self {
        Self {
            retry,
            policy: RetryUnlessRejected,
            sleeper: TokioSleeper,
        }
    }
}

impl<C, O, P, Sl> RetryLayer<C, O, P, Sl> {
    /// The same layer deciding with `policy` which results are retried (any
    /// [`RetryPolicy`], e.g. a `Fn(&Result<T, E>) -> bool`). It is cloned
    /// into each request's future.
    pub fn with_policy<P2>(self, policy: P2) -> RetryLayer<C, O, P2, Sl> {
        RetryLayer {
            retry: self.retry,
            policy,
            sleeper: self.sleeper,
        }
    }

    /// The same layer waiting with `sleeper` between attempts.
    pub fn with_sleeper<Sl2>(self, sleeper: Sl2) -> RetryLayer<C, O, P, Sl2> {
        RetryLayer {
            retry: self.retry,
            policy: self.policy,
            sleeper,
        }
    }

    /// The retry.
    pub fn retry(&self) -> &'static Retry<C, O> {
        self.retry
    }
}

impl<C, O, P: Clone, Sl: Clone> Clone for RetryLayer<C, O, P, Sl> {
    fn clone(&self) -> Self {
        Self {
            retry: self.retry,
            policy: self.policy.clone(),
            sleeper: self.sleeper.clone(),
        }
    }
}

impl<C: Clock, O: Observer, P, Sl> fmt::Debug for RetryLayer<C, O, P, Sl> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryLayer")
            .field("retry", &self.retry.config().name)
            .finish_non_exhaustive()
    }
}

impl<S, C, O, P: Clone, Sl: Clone> Layer<S> for RetryLayer<C, O, P, Sl> {
    type Service = RetryService<S, C, O, P, Sl>;

    fn layer(&self, inner: S) -> Self::Service {
        RetryService {
            inner,
            retry: self.retry,
            policy: self.policy.clone(),
            sleeper: self.sleeper.clone(),
        }
    }
}

/// A service whose failed calls are retried by the core's [`Retry`], made
/// by [`RetryLayer`].
///
/// `poll_ready` is the inner service's. `call` sends the first attempt to
/// the service made ready, and keeps a clone of the service and the request
/// for the retries: each later attempt waits for the clone's readiness,
/// then sends a copy of the request. Dropping the future drops the attempt
/// in flight (a breaker inside counts its permit as abandoned) and the
/// retry counts the call as abandoned.
///
/// A `poll_ready` error is returned as a [`RetryError`] with `attempts: 0`.
pub struct RetryService<
    S,
    C: 'static,
    O: 'static = NoObserver,
    P = RetryUnlessRejected,
    Sl = TokioSleeper,
> {
    inner: S,
    retry: &'static Retry<C, O>,
    policy: P,
    sleeper: Sl,
}

impl<S, C, O, P, Sl> RetryService<S, C, O, P, Sl> {
    /// The retry.
    pub fn retry(&self) -> &'static Retry<C, O> {
        self.retry
    }

    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: Clone, C, O, P: Clone, Sl: Clone> Clone for RetryService<S, C, O, P, Sl> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            retry: self.retry,
            policy: self.policy.clone(),
            sleeper: self.sleeper.clone(),
        }
    }
}

impl<S: fmt::Debug, C: Clock, O: Observer, P, Sl> fmt::Debug for RetryService<S, C, O, P, Sl> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryService")
            .field("inner", &self.inner)
            .field("retry", &self.retry.config().name)
            .finish_non_exhaustive()
    }
}

impl<S, Req, C, O, P, Sl> Service<Req> for RetryService<S, C, O, P, Sl>
where
    Req: Clone + Send + 'static,
    S: Service<Req> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Response: Send + 'static,
    S::Error: Send + 'static,
    C: Clock + Sync + 'static,
    O: Observer + Sync + 'static,
    P: RetryPolicy<S::Response, S::Error> + Clone + Send + Sync + 'static,
    Sl: SendSleeper,
{
    type Response = S::Response;
    type Error = RetryError<S::Error>;
    type Future = RetryFuture<S::Response, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(|error| RetryError {
            error,
            attempts: 0,
            reason: GiveUp::NotRetryable,
        })
    }

    fn call(&mut self, req: Req) -> Self::Future {
        // The first attempt goes to the service that poll_ready made ready,
        // now, as tower expects of `call`.
        let mut first = Some(self.inner.call(req.clone()));
        let spare = self.inner.clone();
        let retry = self.retry;
        let policy = self.policy.clone();
        let sleeper = AsSleeper(self.sleeper.clone());
        let attempt = move || {
            // Later attempts: a clone of the service, readied, and a copy of
            // the request (the first attempt needs neither).
            let next = first.take().ok_or_else(|| (spare.clone(), req.clone()));
            async move {
                match next {
                    Ok(first) => first.await,
                    Err((mut service, req)) => {
                        poll_fn(|cx| service.poll_ready(cx)).await?;
                        service.call(req).await
                    }
                }
            }
        };
        Box::pin(async move { retry.call_if_async(&policy, &sleeper, attempt).await })
    }
}

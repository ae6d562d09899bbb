//! [`BreakerLayer`] and the [`BreakerService`] it wraps around a service.

use std::fmt;
use std::task::{Context, Poll};

use totem_core::{CircuitBreaker, Clock, NoObserver, Observer};
use tower_layer::Layer;
use tower_service::Service;

use super::{BreakerFuture, Classify, DefaultClassifier, Fallback, OnRejected, Reject};

/// A tower [`Layer`] that puts a [`CircuitBreaker`] in front of a service:
/// each request takes a permit (or is rejected without reaching the
/// service), and the inner future's result is recorded as its outcome.
///
/// It holds a `&'static` breaker: a breaker is made once for the life of the
/// process (a `static`, a [`LazyLock`](std::sync::LazyLock), or a registry
/// built at start-up that leaks each breaker once with [`Box::leak`]), shared
/// by every clone of the service and every connection, and its state
/// outlives any one of them. See the [crate docs](crate#tower) for a stack.
///
/// ```
/// use totem_core::{BreakerConfig, CircuitBreaker};
/// use totem_std::BreakerLayer;
/// use totem_std::TokioClock;
///
/// // Made once at start-up (say from a configuration file), never freed.
/// let breaker: &'static CircuitBreaker<TokioClock> = Box::leak(Box::new(
///     CircuitBreaker::try_new(BreakerConfig::new("payments"), TokioClock::new()).unwrap(),
/// ));
/// let layer = BreakerLayer::new(breaker);
/// assert_eq!(layer.breaker().name(), "payments");
/// ```
pub struct BreakerLayer<C: 'static, O: 'static = NoObserver, K = DefaultClassifier, R = Reject> {
    breaker: &'static CircuitBreaker<C, O>,
    classifier: K,
    on_rejected: R,
}

impl<C, O> BreakerLayer<C, O> {
    /// A layer over `breaker`: `Ok` is a success, `Err` a failure, and a
    /// rejected call fails with [`BreakerError::Rejected`](super::BreakerError::Rejected).
    pub const fn new(breaker: &'static CircuitBreaker<C, O>) -> Self {
        Self {
            breaker,
            classifier: DefaultClassifier,
            on_rejected: Reject,
        }
    }
}

impl<C, O, K, R> BreakerLayer<C, O, K, R> {
    /// The same layer deciding with `classifier` what a result means for
    /// the breaker (so an HTTP 503 response can be a failure).
    ///
    /// ```
    /// use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock, Outcome};
    /// use totem_std::BreakerLayer;
    ///
    /// static CLOCK: ManualClock = ManualClock::new();
    /// static BREAKER: CircuitBreaker<&ManualClock> =
    ///     CircuitBreaker::new(validated!(BreakerConfig::new("http")), &CLOCK);
    /// let layer = BreakerLayer::new(&BREAKER).with_classifier(|r: &Result<u16, ()>| match r {
    ///     Ok(status) if *status < 500 => Outcome::Success,
    ///     _ => Outcome::Failure,
    /// });
    /// # let _ = layer;
    /// ```
    pub fn with_classifier<K2>(self, classifier: K2) -> BreakerLayer<C, O, K2, R> {
        BreakerLayer {
            breaker: self.breaker,
            classifier,
            on_rejected: self.on_rejected,
        }
    }

    /// The same layer answering a rejected call with `fallback(rejected)`
    /// instead of an error, without calling the inner service: the tower
    /// form of [`CircuitBreaker::call_or_else`]. The service's error type is
    /// then the inner service's own.
    ///
    /// ```
    /// use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock, Rejected};
    /// use totem_std::BreakerLayer;
    ///
    /// static CLOCK: ManualClock = ManualClock::new();
    /// static BREAKER: CircuitBreaker<&ManualClock> =
    ///     CircuitBreaker::new(validated!(BreakerConfig::new("prices")), &CLOCK);
    /// // The last known price while the service is down.
    /// let layer = BreakerLayer::new(&BREAKER).with_fallback(|_: Rejected| Ok::<u32, ()>(100));
    /// # let _ = layer;
    /// ```
    pub fn with_fallback<F>(self, fallback: F) -> BreakerLayer<C, O, K, Fallback<F>> {
        BreakerLayer {
            breaker: self.breaker,
            classifier: self.classifier,
            on_rejected: Fallback(fallback),
        }
    }

    /// The breaker.
    pub fn breaker(&self) -> &'static CircuitBreaker<C, O> {
        self.breaker
    }
}

impl<C, O, K: Clone, R: Clone> Clone for BreakerLayer<C, O, K, R> {
    fn clone(&self) -> Self {
        Self {
            breaker: self.breaker,
            classifier: self.classifier.clone(),
            on_rejected: self.on_rejected.clone(),
        }
    }
}

impl<C: Clock, O: Observer, K, R> fmt::Debug for BreakerLayer<C, O, K, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BreakerLayer")
            .field("breaker", &self.breaker.name())
            .finish_non_exhaustive()
    }
}

impl<S, C, O, K: Clone, R: Clone> Layer<S> for BreakerLayer<C, O, K, R> {
    type Service = BreakerService<S, C, O, K, R>;

    fn layer(&self, inner: S) -> Self::Service {
        BreakerService {
            inner,
            breaker: self.breaker,
            classifier: self.classifier.clone(),
            on_rejected: self.on_rejected.clone(),
        }
    }
}

/// A service behind a [`CircuitBreaker`], made by [`BreakerLayer`].
///
/// `poll_ready` is the inner service's own: no permit is taken there, since
/// nothing bounds how long a caller may hold readiness before calling, or
/// whether it calls at all. `call` takes the permit: a rejection is returned
/// at once and the inner service is not called; an admitted call returns a
/// [`BreakerFuture`] that records the outcome when the inner future
/// completes and counts the permit as abandoned if it is dropped first. No
/// allocation, no lock.
pub struct BreakerService<S, C: 'static, O: 'static = NoObserver, K = DefaultClassifier, R = Reject>
{
    inner: S,
    breaker: &'static CircuitBreaker<C, O>,
    classifier: K,
    on_rejected: R,
}

impl<S, C, O, K, R> BreakerService<S, C, O, K, R> {
    /// The breaker.
    pub fn breaker(&self) -> &'static CircuitBreaker<C, O> {
        self.breaker
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

impl<S: Clone, C, O, K: Clone, R: Clone> Clone for BreakerService<S, C, O, K, R> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            breaker: self.breaker,
            classifier: self.classifier.clone(),
            on_rejected: self.on_rejected.clone(),
        }
    }
}

impl<S: fmt::Debug, C: Clock, O: Observer, K, R> fmt::Debug for BreakerService<S, C, O, K, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BreakerService")
            .field("inner", &self.inner)
            .field("breaker", &self.breaker.name())
            .finish_non_exhaustive()
    }
}

impl<S, Req, C, O, K, R> Service<Req> for BreakerService<S, C, O, K, R>
where
    S: Service<Req>,
    C: Clock + 'static,
    O: Observer + 'static,
    K: Classify<S::Response, S::Error> + Clone,
    R: OnRejected<S::Response, S::Error>,
{
    type Response = S::Response;
    type Error = R::Error;
    type Future = BreakerFuture<S::Future, S::Response, R::Error, C, O, K>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(R::Error::from)
    }

    #[inline]
    fn call(&mut self, req: Req) -> Self::Future {
        match self.breaker.try_acquire() {
            Ok(permit) => {
                BreakerFuture::admitted(self.inner.call(req), permit, self.classifier.clone())
            }
            Err(rejected) => BreakerFuture::rejected(self.on_rejected.rejected(rejected)),
        }
    }
}

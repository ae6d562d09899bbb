//! [`BreakerFuture`]: one call through a [`BreakerService`], holding its
//! permit until the inner future completes.
//!
//! [`BreakerService`]: super::BreakerService

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use pin_project_lite::pin_project;
use totem_core::{Clock, Observer, Permit};

use super::Classify;

pin_project! {
    /// The future of a call through a [`BreakerService`](super::BreakerService).
    ///
    /// Admitted, it polls the inner service's future and, when that
    /// completes, records the classified outcome on the permit. Dropped
    /// before then (a timeout, a cancelled request), it drops the permit,
    /// which the breaker counts as abandoned. Rejected, it is ready at once
    /// with what the service's [`OnRejected`](super::OnRejected) gave. It
    /// allocates nothing and takes no lock.
    pub struct BreakerFuture<F, T, Er, C, O, K>
    where
        C: Clock,
        C: 'static,
        O: Observer,
        O: 'static,
    {
        #[pin]
        kind: Kind<F, T, Er, C, O, K>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F, T, Er, C, O, K>
    where
        C: Clock,
        C: 'static,
        O: Observer,
        O: 'static,
    {
        Admitted {
            #[pin]
            future: F,
            // Taken when the outcome is recorded.
            permit: Option<Permit<'static, C, O>>,
            classifier: K,
        },
        Rejected {
            // Taken when returned.
            output: Option<Result<T, Er>>,
        },
    }
}

impl<F, T, Er, C, O, K> BreakerFuture<F, T, Er, C, O, K>
where
    C: Clock + 'static,
    O: Observer + 'static,
{
    #[inline]
    pub(super) fn admitted(future: F, permit: Permit<'static, C, O>, classifier: K) -> Self {
        Self {
            kind: Kind::Admitted {
                future,
                permit: Some(permit),
                classifier,
            },
        }
    }

    #[inline]
    pub(super) fn rejected(output: Result<T, Er>) -> Self {
        Self {
            kind: Kind::Rejected {
                output: Some(output),
            },
        }
    }
}

impl<F, T, E, Er, C, O, K> Future for BreakerFuture<F, T, Er, C, O, K>
where
    F: Future<Output = Result<T, E>>,
    Er: From<E>,
    K: Classify<T, E>,
    C: Clock + 'static,
    O: Observer + 'static,
{
    type Output = Result<T, Er>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Admitted {
                future,
                permit,
                classifier,
            } => {
                let result = ready!(future.poll(cx));
                if let Some(permit) = permit.take() {
                    permit.record(classifier.classify(&result));
                }
                Poll::Ready(result.map_err(Er::from))
            }
            KindProj::Rejected { output } => Poll::Ready(
                output
                    .take()
                    .expect("BreakerFuture polled after completion"),
            ),
        }
    }
}

impl<F, T, Er, C, O, K> fmt::Debug for BreakerFuture<F, T, Er, C, O, K>
where
    C: Clock + 'static,
    O: Observer + 'static,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.kind {
            Kind::Admitted {
                permit: Some(_), ..
            } => "admitted",
            Kind::Admitted { permit: None, .. } => "recorded",
            Kind::Rejected { .. } => "rejected",
        };
        f.debug_struct("BreakerFuture")
            .field("state", &state)
            .finish_non_exhaustive()
    }
}

//! Tower middleware over the core (feature `tower`): [`BreakerLayer`] puts a
//! [`CircuitBreaker`](totem_core::CircuitBreaker) in front of a service,
//! [`RetryLayer`] retries it with a [`Retry`](totem_core::Retry). Every
//! decision is the core's: the breaker's permit and outcome, the retry's
//! loop (`Retry::call_if_async`), backoff, jitter, metrics and events.
//!
//! # The stack
//!
//! Retry outside, breaker inside it, a timeout innermost:
//! `Retry(Breaker(Timeout(service)))`.
//! - The timeout cuts a call that hangs, and the breaker sees the timeout's
//!   error: a failure, so a dependency that stops answering opens the
//!   breaker like one that answers with errors.
//! - Each retry attempt goes through the breaker: every attempt counts, an
//!   open breaker rejects an attempt without calling the service, and the
//!   retry stops at that rejection ([`RetryUnlessRejected`]) instead of
//!   sleeping to be rejected again.
//!
//! (The other order, `Breaker(Retry(service))`, has the breaker see one
//! outcome per retried call, as `breaker.call(|| retry.call(..))` does in
//! blocking code; it works the same way, with a retry policy of your own.)
//!
//! # `'static` breakers and retries
//!
//! The layers hold `&'static` references. A breaker's state must outlive
//! every clone of the service, every connection and every request, so it is
//! made once for the life of the process, as in firmware, where they are
//! `static`s: a `static` with a `const` constructor, a
//! [`LazyLock`](std::sync::LazyLock) (below), or, for a registry built at
//! start-up from configuration, each one leaked once with [`Box::leak`]
//! (`let b: &'static _ = Box::leak(Box::new(breaker));`), which is what the
//! `config` feature's `Registry` does: `BreakerLayer::new(registry.breaker("payments")?)`.
//! Nothing is ever counted or freed per request.
//!
//! ```
//! use std::sync::LazyLock;
//! use std::time::Duration;
//! use totem_core::{BreakerConfig, CircuitBreaker, Retry, RetryConfig, RetryError};
//! use totem_std::tower::{BreakerError, BreakerLayer, RetryLayer};
//! use totem_std::TokioClock;
//! use tower::{service_fn, BoxError, ServiceBuilder, ServiceExt};
//!
//! static INVENTORY: LazyLock<CircuitBreaker<TokioClock>> = LazyLock::new(|| {
//!     CircuitBreaker::try_new(BreakerConfig::new("inventory").failure_threshold(5), TokioClock::new())
//!         .expect("valid config")
//! });
//! static INVENTORY_RETRY: LazyLock<Retry<TokioClock>> = LazyLock::new(|| {
//!     Retry::try_new(RetryConfig::new("inventory"), TokioClock::new(), totem_std::os_seed())
//!         .expect("valid config")
//! });
//!
//! async fn stock(sku: &'static str) -> Result<u32, BoxError> {
//!     Ok(if sku == "sku-1" { 42 } else { 0 })
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let service = ServiceBuilder::new()
//!     .layer(RetryLayer::new(&*INVENTORY_RETRY))
//!     .layer(BreakerLayer::new(&*INVENTORY))
//!     .timeout(Duration::from_secs(2))
//!     .service(service_fn(stock));
//!
//! match service.oneshot("sku-1").await {
//!     Ok(n) => assert_eq!(n, 42),
//!     Err(RetryError { error: BreakerError::Rejected(r), .. }) => println!("not now: {r}"),
//!     Err(RetryError { error: BreakerError::Inner(e), attempts, .. }) => {
//!         println!("failed after {attempts} attempts: {e}")
//!     }
//! }
//! # }
//! ```
//!
//! # Errors, classification, fallback
//!
//! - A breaker service fails with [`BreakerError`]: `Rejected` (the inner
//!   service was not called) or `Inner`. A retry service fails with the
//!   core's [`RetryError`](totem_core::RetryError) around its inner
//!   service's error, with the number of attempts and why it stopped.
//! - [`BreakerLayer::with_classifier`] decides what a result means for the
//!   breaker ([`Outcome`](totem_core::Outcome)), e.g. an HTTP 503 response
//!   as a failure.
//! - [`BreakerLayer::with_fallback`] answers a rejected call with a value of
//!   its own, as the core's `call_or_else`.
//!
//! # Costs, and where each layer can run
//!
//! A breaker service allocates nothing and takes no lock per call: its
//! future is written out ([`BreakerFuture`]), and it is `Send` whenever the
//! inner service's future is, so it serves behind hyper and axum. A retry
//! service boxes one future per request ([`RetryFuture`]): the core's async
//! loop is an `async fn`, whose type cannot be named on stable Rust. That
//! future is **not `Send`** yet, because of how the core's loop is written
//! (see [`RetryFuture`]): use the retry layer where the call is awaited in
//! place (a client, a current-thread runtime, a `LocalSet`), not behind a
//! server or in `tokio::spawn`.

mod breaker;
mod breaker_future;
mod classify;
mod error;
mod policy;
mod rejection;
mod retry;
mod sleeper;

pub use self::breaker::{BreakerLayer, BreakerService};
pub use self::breaker_future::BreakerFuture;
pub use self::classify::{Classify, DefaultClassifier};
pub use self::error::BreakerError;
pub use self::policy::RetryUnlessRejected;
pub use self::rejection::{Fallback, OnRejected, Reject};
pub use self::retry::{RetryFuture, RetryLayer, RetryService};
pub use self::sleeper::SendSleeper;

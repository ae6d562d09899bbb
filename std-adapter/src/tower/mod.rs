//! Tower middleware over the core (feature `tower`): [`BreakerLayer`] puts a
//! [`CircuitBreaker`](totem_core::CircuitBreaker) in front of a service.
//! Every decision is the core's: the breaker's permit and outcome.
//!
//! # `'static` breakers
//!
//! The layer holds a `&'static` breaker. A breaker's state must outlive
//! every clone of the service, every connection and every request, so it is
//! made once for the life of the process, as in firmware, where they are
//! `static`s: a `static` with a `const` constructor, a
//! [`LazyLock`](std::sync::LazyLock), or, for a registry built at start-up
//! from configuration, each one leaked once with [`Box::leak`]
//! (`let b: &'static _ = Box::leak(Box::new(breaker));`). Nothing is ever
//! counted or freed per request.
//!
//! # Errors, classification, fallback
//!
//! - A breaker service fails with [`BreakerError`]: `Rejected` (the inner
//!   service was not called) or `Inner`.
//! - [`BreakerLayer::with_classifier`] decides what a result means for the
//!   breaker ([`Outcome`](totem_core::Outcome)), e.g. an HTTP 503 response
//!   as a failure.
//! - [`BreakerLayer::with_fallback`] answers a rejected call with a value of
//!   its own, as the core's `call_or_else`.
//!
//! # Costs
//!
//! A breaker service allocates nothing and takes no lock per call: its
//! future is written out ([`BreakerFuture`]), and it is `Send` whenever the
//! inner service's future is, so it serves behind hyper and axum.

mod breaker;
mod breaker_future;
mod classify;
mod error;
mod rejection;

pub use self::breaker::{BreakerLayer, BreakerService};
pub use self::breaker_future::BreakerFuture;
pub use self::classify::{Classify, DefaultClassifier};
pub use self::error::BreakerError;
pub use self::rejection::{Fallback, OnRejected, Reject};

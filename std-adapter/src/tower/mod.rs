//! Tower middleware over the core; documented in `TOWER.md`, part of the
//! crate docs.

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

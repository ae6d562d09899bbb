//! Totem on Tokio (feature `tokio`): [`TokioClock`] reads Tokio's clock and
//! [`TokioSleeper`] waits on Tokio's timer, so the core's async calls
//! (`CircuitBreaker::call_async`, `Retry::call_async`,
//! `Retry::call_through_async`, …) run on Tokio and follow its paused or
//! advanced time in tests. There is no retry loop here: the core's async
//! functions are the loop.
//!
//! ```
//! use std::sync::LazyLock;
//! use totem_core::{BreakerConfig, CircuitBreaker, Duration, Retry, RetryConfig};
//! use totem_std::{TokioClock, TokioSleeper};
//!
//! // Built once at start-up and kept for the life of the process.
//! static INVENTORY: LazyLock<CircuitBreaker<TokioClock>> = LazyLock::new(|| {
//!     CircuitBreaker::try_new(BreakerConfig::new("inventory"), TokioClock::new()).expect("valid config")
//! });
//! static INVENTORY_RETRY: LazyLock<Retry<TokioClock>> = LazyLock::new(|| {
//!     let config = RetryConfig::new("inventory").initial_delay(Duration::from_millis(50));
//!     Retry::try_new(config, TokioClock::new(), totem_std::os_seed()).expect("valid config")
//! });
//!
//! async fn fetch_stock() -> Result<u32, &'static str> { Ok(42) }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! // Each attempt goes through the breaker; a rejection stops the retries.
//! let stock = INVENTORY_RETRY
//!     .call_through_async(&*INVENTORY, &TokioSleeper, fetch_stock)
//!     .await;
//! assert_eq!(stock.unwrap(), 42);
//! # }
//! ```

mod clock;
mod sleep;
#[cfg(test)]
mod tests;

pub use self::clock::TokioClock;
pub use self::sleep::TokioSleeper;

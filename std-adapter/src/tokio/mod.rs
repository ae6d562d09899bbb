//! Totem on Tokio: a clock and a sleeper; documented in `TOKIO.md`, part of
//! the crate docs.

mod clock;
mod sleep;
#[cfg(test)]
mod tests;

pub use self::clock::TokioClock;
pub use self::sleep::TokioSleeper;

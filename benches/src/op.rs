//! The operation every subject wraps.
//!
//! All subjects run `|| Ok::<_, E>(black_box(x))`: the smallest operation that
//! the optimiser cannot fold away, so what is measured is the wrapper. `E` is
//! `()` wherever the peer allows it; circuitbreaker-rs insists on an
//! `E: std::error::Error`, so it gets `std::fmt::Error` (also zero-sized), and
//! backoff's `retry` wants its own `backoff::Error<()>`.

use std::hint::black_box;

/// `Ok(black_box(x))`, the operation under every wrapper.
#[inline(always)]
pub fn ok<E>(x: u64) -> Result<u64, E> {
    Ok(black_box(x))
}

/// `Err(e)`, used only to drive breakers open before a rejection bench.
#[inline(always)]
pub fn err<E>(e: E) -> Result<u64, E> {
    Err(black_box(e))
}

//! [`TokioClock`]: the core's wrapping millisecond timeline on
//! `tokio::time::Instant`.

use std::sync::OnceLock;

use totem_core::{Clock, Instant};

/// Milliseconds on Tokio's clock (`tokio::time::Instant`), counted from this
/// clock's first reading, on the core's wrapping 32-bit timeline (it wraps
/// every 49.7 days, which the core expects).
///
/// It reads Tokio's time, not the system's: in a runtime whose time is
/// paused (`#[tokio::test(start_paused = true)]`, `tokio::time::pause`), a
/// breaker's `reset_timeout` passes when Tokio's time is advanced, without
/// waiting. Outside a runtime it reads the system's monotonic clock.
///
/// The origin is per clock, taken at its first reading, so that a clock
/// never reads a time before its origin: a paused runtime's time starts at
/// the moment the runtime was built, which may be earlier than a
/// process-wide origin taken by another runtime. Give each runtime (each
/// test) its own clock; a clock shared by two runtimes with paused time
/// reads 0 until the later one's time has passed its origin. `const`, so it
/// can be part of a `static` breaker.
///
/// ```
/// use totem_core::Clock;
/// use totem_std::TokioClock;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let clock = TokioClock::new();
/// let start = clock.now();
/// tokio::time::advance(std::time::Duration::from_secs(3)).await;
/// assert_eq!(clock.now().as_ticks() - start.as_ticks(), 3_000);
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct TokioClock {
    origin: OnceLock<::tokio::time::Instant>,
}

impl TokioClock {
    /// A clock whose origin is its first reading.
    pub const fn new() -> Self {
        Self {
            origin: OnceLock::new(),
        }
    }
}

impl Clock for TokioClock {
    #[inline]
    fn now(&self) -> Instant {
        let now = ::tokio::time::Instant::now();
        // Saturates at zero if the origin is ahead (another runtime's time).
        let elapsed = now.saturating_duration_since(*self.origin.get_or_init(|| now));
        // Truncation to u32 is the wrap the core expects.
        Instant::from_ticks(elapsed.as_millis() as u32)
    }

    /// [`thread_stripe`](crate::thread_stripe) of the worker thread the
    /// task runs on.
    #[inline(always)]
    fn stripe(&self) -> usize {
        crate::thread_stripe()
    }
}

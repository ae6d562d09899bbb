//! Clocks for the core on std: [`StdClock`] and [`CoarseClock`], both
//! zero-sized, on the core's wrapping millisecond timeline.

use std::sync::OnceLock;

use totem_core::{Clock, Instant};

/// The process-wide origin of [`StdClock`].
static EPOCH: OnceLock<std::time::Instant> = OnceLock::new();

/// Milliseconds since the first use of any `StdClock` in this process, from
/// [`std::time::Instant`] (monotonic), on the core's wrapping 32-bit
/// timeline. Zero-sized, so a `static` breaker can hold it.
///
/// ```
/// use totem_core::Clock;
/// use totem_std::StdClock;
/// let a = StdClock.now();
/// let b = StdClock.now();
/// assert!(!b.is_before(a));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StdClock;

impl Clock for StdClock {
    #[inline]
    fn now(&self) -> Instant {
        let elapsed = EPOCH.get_or_init(std::time::Instant::now).elapsed();
        wrapping_millis(elapsed.as_secs(), elapsed.subsec_millis())
    }

    /// [`thread_stripe`](crate::thread_stripe): each thread counts its
    /// successes on a cache line of its own.
    #[inline(always)]
    fn stripe(&self) -> usize {
        crate::thread_stripe()
    }
}

/// A reading of a clock, in seconds and milliseconds, as the core's
/// wrapping millisecond [`Instant`]: truncation to `u32` is the wrap the core
/// expects (every 49.7 days).
#[inline]
fn wrapping_millis(secs: u64, subsec_millis: u32) -> Instant {
    Instant::from_ticks(
        secs.wrapping_mul(1_000)
            .wrapping_add(u64::from(subsec_millis)) as u32,
    )
}

/// A monotonic clock read from `CLOCK_MONOTONIC_COARSE` (Linux, Android):
/// about a quarter of the cost of [`std::time::Instant::now`], at the
/// resolution of the kernel tick (1–10 ms, 4 ms on the benchmark machine;
/// [`CoarseClock::resolution`] tells). It is the default clock of
/// [`breaker`](crate::breaker) because an OPEN breaker reads the clock on
/// every rejected call, and a few milliseconds of lateness in a
/// `reset_timeout` is harmless. On other systems it reads [`StdClock`].
/// Zero-sized.
///
/// ```
/// use totem_core::Clock;
/// use totem_std::CoarseClock;
/// let a = CoarseClock.now();
/// let b = CoarseClock.now();
/// assert!(!b.is_before(a));
/// assert!(CoarseClock::resolution() <= std::time::Duration::from_millis(100));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CoarseClock;

impl CoarseClock {
    /// The clock's resolution (the kernel tick on Linux; 1 ms elsewhere,
    /// where it reads [`StdClock`]).
    ///
    /// ```
    /// assert!(totem_std::CoarseClock::resolution() > std::time::Duration::ZERO);
    /// ```
    pub fn resolution() -> std::time::Duration {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            let ts = rustix::time::clock_getres(rustix::time::ClockId::MonotonicCoarse);
            std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
                .max(std::time::Duration::from_millis(1))
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        {
            std::time::Duration::from_millis(1)
        }
    }
}

impl Clock for CoarseClock {
    #[inline]
    fn now(&self) -> Instant {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            // Milliseconds since boot.
            let ts = rustix::time::clock_gettime(rustix::time::ClockId::MonotonicCoarse);
            wrapping_millis(ts.tv_sec as u64, (ts.tv_nsec / 1_000_000) as u32)
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        {
            StdClock.now()
        }
    }

    /// [`thread_stripe`](crate::thread_stripe), as [`StdClock`].
    #[inline(always)]
    fn stripe(&self) -> usize {
        crate::thread_stripe()
    }
}

/// The clock [`breaker`](crate::breaker) and [`retry`](crate::retry) use:
/// [`CoarseClock`].
pub type DefaultClock = CoarseClock;

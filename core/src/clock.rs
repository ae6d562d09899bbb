//! Time: the [`Clock`] trait, the [`Instant`] and [`Duration`] types, and
//! [`ManualClock`] for tests.
//!
//! Time is kept as **milliseconds in a wrapping `u32`** (fugit's
//! [`WrappingTimerInstantU32<1000>`](fugit::WrappingTimerInstantU32)): it is
//! what a 32-bit MCU can read and store atomically, and it wraps every
//! 49.7 days. Every stored timestamp is compared with wrapping arithmetic, so
//! a wrap is an ordinary event, not a fault.

use crate::primitive::{const_fn, AtomicU32, Ordering};

/// A point in time: milliseconds on a wrapping 32-bit timeline.
///
/// ```
/// use totem_core::Instant;
/// let t = Instant::from_ticks(u32::MAX);
/// // Wrapping instants compare by signed offset, not by raw value.
/// assert!(t.is_before(Instant::from_ticks(5)));
/// ```
pub type Instant = fugit::WrappingTimerInstantU32<1000>;

/// A span of time in milliseconds.
///
/// ```
/// use totem_core::Duration;
/// assert_eq!(Duration::from_secs(2).as_millis(), 2_000);
/// ```
pub type Duration = fugit::MillisDurationU32;

/// A source of time for the breaker and the retry deadline.
///
/// # Contract
///
/// An implementation:
/// - MUST be monotonic: a later call never returns an earlier instant,
///   except by wrapping past `u32::MAX` milliseconds (which the core expects).
/// - MUST never fail, block or panic.
/// - MUST be cheap: it is read on every call made while the breaker is not
///   CLOSED (never on the CLOSED path).
/// - MUST be usable from every context the breaker is used in (an
///   interrupt handler, another thread): the breaker calls it through `&self`.
///
/// The core does not trust the contract blindly: a clock that steps
/// backwards never makes it panic or stick. Elapsed times in metrics
/// saturate at zero; a deadline compared against a clock that stepped back
/// further than the time already elapsed counts as passed, so the worst case
/// is one early probe.
///
/// ```
/// use totem_core::{Clock, Instant};
/// struct Uptime;
/// impl Clock for Uptime {
///     fn now(&self) -> Instant {
///         Instant::from_ticks(42) // e.g. a hardware millisecond counter
///     }
/// }
/// assert_eq!(Uptime.now().as_ticks(), 42);
/// ```
pub trait Clock {
    /// The current time.
    fn now(&self) -> Instant;

    /// Which cell of the breaker's striped success counter the calling
    /// thread counts in (taken modulo [`COUNTER_STRIPES`](crate::COUNTER_STRIPES)).
    /// Threads that count in different cells do not contend for one cache
    /// line on the CLOSED path; `snapshot()` sums the cells, so totals are
    /// exact whatever this returns.
    ///
    /// The default, 0, keeps one cell: right for an MCU (where there is only
    /// one) and for a clock that cannot tell threads apart. The std
    /// frontend's clocks return a per-thread index. Like [`now`](Self::now)
    /// it MUST be cheap and never fail; it is read on every success.
    ///
    /// ```
    /// use totem_core::{Clock, Instant};
    /// struct Uptime;
    /// impl Clock for Uptime {
    ///     fn now(&self) -> Instant {
    ///         Instant::from_ticks(42)
    ///     }
    /// }
    /// assert_eq!(Uptime.stripe(), 0);
    /// ```
    #[inline(always)]
    fn stripe(&self) -> usize {
        0
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    #[inline]
    fn now(&self) -> Instant {
        (**self).now()
    }

    #[inline(always)]
    fn stripe(&self) -> usize {
        (**self).stripe()
    }
}

/// A clock that only moves when told to: for tests, simulations and
/// deterministic replays. Shareable between threads (`&ManualClock` is a
/// [`Clock`]).
///
/// ```
/// use totem_core::{Clock, Duration, ManualClock};
/// static CLOCK: ManualClock = ManualClock::new();
/// CLOCK.advance(Duration::from_millis(1500));
/// assert_eq!(CLOCK.now().as_ticks(), 1500);
/// ```
#[derive(Debug)]
pub struct ManualClock {
    millis: AtomicU32,
}

impl ManualClock {
    const_fn! {
        /// A clock at time zero.
        pub fn new() -> Self {
            Self { millis: AtomicU32::new(0) }
        }
    }

    const_fn! {
        /// A clock at `millis` milliseconds (use it to test the wrap at
        /// `u32::MAX`).
        ///
        /// ```
        /// use totem_core::{Clock, Duration, ManualClock};
        /// let clock = ManualClock::starting_at(u32::MAX);
        /// clock.advance(Duration::from_millis(2));
        /// assert_eq!(clock.now().as_ticks(), 1);
        /// ```
        pub fn starting_at(millis: u32) -> Self {
            Self { millis: AtomicU32::new(millis) }
        }
    }

    /// Moves the clock forward by `by` (wrapping at `u32::MAX` ms).
    ///
    /// ```
    /// # use totem_core::{Clock, Duration, ManualClock};
    /// let clock = ManualClock::new();
    /// clock.advance(Duration::from_secs(1));
    /// assert_eq!(clock.now().as_ticks(), 1000);
    /// ```
    pub fn advance(&self, by: Duration) {
        // Relaxed: the clock publishes no other data; readers only need the value.
        self.millis.fetch_add(by.as_ticks(), Ordering::Relaxed);
    }

    /// Sets the clock to `to`, forwards or backwards (to test a clock that
    /// steps back).
    ///
    /// ```
    /// # use totem_core::{Clock, Instant, ManualClock};
    /// let clock = ManualClock::starting_at(500);
    /// clock.set(Instant::from_ticks(100));
    /// assert_eq!(clock.now().as_ticks(), 100);
    /// ```
    pub fn set(&self, to: Instant) {
        self.millis.store(to.as_ticks(), Ordering::Relaxed);
    }
}

#[cfg(not(any(totem_loom, totem_shuttle)))]
impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    #[inline]
    fn now(&self) -> Instant {
        Instant::from_ticks(self.millis.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_wraps() {
        let c = ManualClock::starting_at(u32::MAX - 1);
        c.advance(Duration::from_millis(3));
        assert_eq!(c.now().as_ticks(), 1);
    }

    #[test]
    fn manual_clock_can_step_back() {
        let c = ManualClock::starting_at(10);
        c.set(Instant::from_ticks(3));
        assert_eq!(c.now().as_ticks(), 3);
    }
}

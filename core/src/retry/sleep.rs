//! How a retry waits between attempts: [`BlockingSleeper`] for the blocking
//! calls, [`Sleeper`] for the async ones. The core has no runtime and no
//! thread of its own; a frontend supplies one of these.

use core::future::Future;

use crate::clock::{Duration, ManualClock};

/// Something that can block the calling thread for a while (a thread sleep,
/// a busy-wait on a timer, a test's recorder). Any `Fn(Duration)` is one,
/// so a function such as `totem_std::sleep` can be passed as it is.
///
/// # Contract
///
/// An implementation:
/// - MUST return no earlier than `delay` after it is called (round a delay
///   shorter than its tick up to one tick, never down to zero), unless the
///   time is simulated (a test clock advanced by the sleeper itself).
/// - MUST NOT call back into the retry that is sleeping.
///
/// ```
/// use core::cell::Cell;
/// use totem_core::{validated, Duration, ManualClock, Retry, RetryConfig};
/// let clock = ManualClock::new();
/// let retry = Retry::new(validated!(RetryConfig::new("x")), &clock, 1);
/// // A sleeper for tests: advance the manual clock instead of waiting.
/// let slept = Cell::new(0);
/// let sleeper = |d: Duration| {
///     clock.advance(d);
///     slept.set(slept.get() + d.as_ticks());
/// };
/// let _ = retry.call(&sleeper, || Err::<(), _>("busy"));
/// assert_eq!(slept.get(), 3_000);
/// ```
pub trait BlockingSleeper {
    /// Blocks for `delay`.
    fn sleep(&self, delay: Duration);
}

impl<F: Fn(Duration) + ?Sized> BlockingSleeper for F {
    #[inline]
    fn sleep(&self, delay: Duration) {
        self(delay)
    }
}

/// Something that can wait asynchronously (an Embassy `Timer`, a Tokio
/// sleep). The core has no runtime of its own.
///
/// # Contract
///
/// An implementation:
/// - MUST complete no earlier than `delay` after it is first polled (round a
///   delay shorter than its tick up to one tick, never down to zero).
/// - MUST NOT block the thread: it returns a future that yields.
/// - MUST be cancel-safe: dropping the future cancels the wait.
///
/// ```
/// use core::future::Future;
/// use totem_core::{Duration, Sleeper};
/// struct Instant0;
/// impl Sleeper for Instant0 {
///     fn sleep(&self, _delay: Duration) -> impl Future<Output = ()> {
///         core::future::ready(())
///     }
/// }
/// # let _ = Instant0.sleep(Duration::from_millis(1));
/// ```
pub trait Sleeper {
    /// Waits for `delay`.
    fn sleep(&self, delay: Duration) -> impl Future<Output = ()>;
}

impl<S: Sleeper + ?Sized> Sleeper for &S {
    fn sleep(&self, delay: Duration) -> impl Future<Output = ()> {
        (**self).sleep(delay)
    }
}

/// A manual clock sleeps by moving itself forward: the sleeper of tests and
/// simulations, where a retry's waits take no real time.
///
/// ```
/// use totem_core::{validated, Clock, ManualClock, Retry, RetryConfig};
/// let clock = ManualClock::new();
/// let retry = Retry::new(validated!(RetryConfig::new("x")), &clock, 1);
/// let _ = retry.call(&clock, || Err::<(), _>("busy"));
/// assert_eq!(clock.now().as_ticks(), 1_000 + 2_000);
/// ```
impl BlockingSleeper for ManualClock {
    fn sleep(&self, delay: Duration) {
        self.advance(delay);
    }
}

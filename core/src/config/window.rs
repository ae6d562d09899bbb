//! [`SlidingWindow`]: the window a breaker's rate policies are judged over.

use crate::clock::Duration;
use crate::window::WindowStorage;

/// The size of a sliding window: the last `N` calls, or the calls of the
/// last stretch of time.
///
/// ```
/// use totem_core::{Duration, SlidingWindow};
/// let by_count = SlidingWindow::Calls(100);
/// let by_time = SlidingWindow::Time(Duration::from_secs(60));
/// assert_ne!(by_count, by_time);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SlidingWindow {
    /// The last `N` calls that reported an outcome (1 to
    /// [`MAX_WINDOW_CALLS`](crate::MAX_WINDOW_CALLS)); reads no clock.
    Calls(u32),
    /// The calls that reported in the last stretch of this length (at least
    /// 32 ms, at most [`MAX_TIMEOUT_MS`](crate::MAX_TIMEOUT_MS)); reads the
    /// clock once per outcome.
    Time(Duration),
}

/// A sliding window and the buckets that hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Window {
    /// How far back it looks.
    pub size: SlidingWindow,
    /// Its buckets: a [`RateWindow`](crate::RateWindow)'s
    /// [`storage`](crate::RateWindow::storage).
    pub storage: WindowStorage,
}

impl Window {
    /// Buckets in use, and what one spans (calls, or milliseconds).
    ///
    /// A count window of `size` calls takes `k = ceil(size / B)` calls per
    /// bucket and `size / k` buckets (rounded down, so it never holds more
    /// than `size` calls); a time window takes all `B` buckets, `span / B`
    /// ms each.
    pub(crate) const fn plan(&self) -> (u32, u32) {
        let b = self.storage.buckets();
        match self.size {
            SlidingWindow::Calls(n) => {
                let per = n.div_ceil(b);
                (n / per, per)
            }
            SlidingWindow::Time(span) => (b, span.as_ticks() / b),
        }
    }
}

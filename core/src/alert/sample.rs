//! [`Sample`]: a snapshot and when it was taken; how a rule finds the start
//! of its window in a history of them, and counter increases between two.

use crate::clock::{Duration, Instant};

/// A snapshot and the instant it was taken: what the rules read. A caller
/// keeps a history of them, oldest first, reaching back at least the
/// `horizon()` of its alert configuration.
///
/// ```
/// use totem_core::{Instant, Sample};
/// let s = Sample::new(Instant::from_ticks(5), "any snapshot");
/// assert_eq!(s.at.as_ticks(), 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Sample<S> {
    /// When the snapshot was taken.
    pub at: Instant,
    /// The snapshot.
    pub snapshot: S,
}

impl<S> Sample<S> {
    /// A snapshot taken at `at`.
    pub const fn new(at: Instant, snapshot: S) -> Self {
        Self { at, snapshot }
    }
}

/// Milliseconds from `earlier` to `now` on the wrapping timeline, or `None`
/// when `earlier` reads as later (a clock stepped back).
pub(crate) const fn age(earlier: Instant, now: Instant) -> Option<u32> {
    let d = now.as_ticks().wrapping_sub(earlier.as_ticks());
    if d > i32::MAX as u32 {
        None
    } else {
        Some(d)
    }
}

/// Where a window of `window` ending at `now` starts in `history` (oldest
/// first): the newest sample at least `window` old, and its age. When no
/// sample is that old, the oldest usable one (its age is then below
/// `window`: the window is not covered yet). `None` for an empty history.
pub(crate) const fn window_start<S>(
    history: &[Sample<S>],
    now: Instant,
    window: Duration,
) -> Option<(&S, u32)> {
    let mut i = history.len();
    let mut oldest: Option<(&S, u32)> = None;
    while i > 0 {
        i -= 1;
        let s = &history[i];
        if let Some(a) = age(s.at, now) {
            if a >= window.as_ticks() {
                return Some((&s.snapshot, a));
            }
            oldest = Some((&s.snapshot, a));
        }
    }
    oldest
}

/// How much a counter grew from `earlier` to `now`. A total below its earlier
/// value has wrapped (32-bit totals on MCUs without 64-bit atomics wrap) or
/// restarted: read as Prometheus reads a counter reset.
pub(crate) const fn increase(earlier: u64, now: u64) -> u64 {
    if now >= earlier {
        now - earlier
    } else if earlier <= u32::MAX as u64 {
        (now + (1 << 32)) - earlier
    } else {
        now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn increases_read_a_32_bit_wrap_and_a_restart() {
        assert_eq!(increase(3, 10), 7);
        assert_eq!(increase(u32::MAX as u64 - 1, 3), 5);
        assert_eq!(increase(1 << 40, 7), 7);
    }

    #[test]
    fn the_window_starts_at_the_newest_sample_old_enough() {
        let at = |ms: u32, v: u32| Sample::new(Instant::from_ticks(ms), v);
        let history = [at(0, 0), at(1_000, 1), at(2_000, 2), at(3_000, 3)];
        let now = Instant::from_ticks(3_500);
        let w = |ms| window_start(&history, now, Duration::from_ticks(ms));
        assert_eq!(w(1_000), Some((&2, 1_500)));
        assert_eq!(w(2_500), Some((&1, 2_500)));
        // Not covered: the oldest sample, younger than the window.
        assert_eq!(w(10_000), Some((&0, 3_500)));
        assert_eq!(window_start::<u32>(&[], now, Duration::from_ticks(1)), None);
        // A sample from after `now` (a clock stepped back) is skipped.
        let stepped = [at(0, 0), at(9_000, 9)];
        assert_eq!(
            window_start(&stepped, Instant::from_ticks(100), Duration::from_ticks(50)),
            Some((&0, 100))
        );
        // Ages wrap with the timeline.
        let wrapped = [at(u32::MAX - 499, 7)];
        assert_eq!(
            window_start(
                &wrapped,
                Instant::from_ticks(500),
                Duration::from_ticks(1_000)
            ),
            Some((&7, 1_000))
        );
    }
}

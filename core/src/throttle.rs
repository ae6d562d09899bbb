//! [`Throttle`]: at most one event per interval, counting the ones it holds
//! back. For observers that must not write one log line per rejected call
//! when an OPEN breaker turns away thousands of calls a second.

use crate::clock::{Duration, Instant};
use crate::primitive::{const_fn, AtomicU32, Ordering};

/// Lets one event through per interval and counts the rest; lock-free, two
/// words, usable in a `static`.
///
/// ```
/// use totem_core::{Duration, Instant, Throttle};
/// let t = Throttle::new(Duration::from_secs(1));
/// let at = |ms| Instant::from_ticks(ms);
/// assert_eq!(t.admit(at(0)), Some(0)); // the first one passes
/// assert_eq!(t.admit(at(10)), None); // held back, counted
/// assert_eq!(t.admit(at(999)), None);
/// assert_eq!(t.admit(at(1_000)), Some(2)); // passes, saying 2 were held back
/// ```
#[derive(Debug)]
pub struct Throttle {
    interval_ms: u32,
    /// When the next event may pass (ms, wrapping).
    next: AtomicU32,
    /// Events held back since the last one that passed.
    held: AtomicU32,
}

impl Throttle {
    const_fn! {
        /// A throttle letting one event through per `interval`.
        pub fn new(interval: Duration) -> Self {
            Self {
                interval_ms: interval.as_ticks(),
                next: AtomicU32::new(0),
                held: AtomicU32::new(0),
            }
        }
    }

    /// Whether an event at `now` may pass: `Some(held back since the last
    /// one that passed)`, or `None` (this one is counted as held back).
    /// Exactly one of the callers that race for an interval passes, and
    /// every event held back is reported once, by a later event that passes
    /// (or by the one passing while it was counted).
    pub fn admit(&self, now: Instant) -> Option<u32> {
        let now = now.as_ticks();
        let next = self.next.load(Ordering::Relaxed);
        if let Some(new) = decide(next, now, self.interval_ms) {
            // Relaxed: the count below is a log line's estimate, and the
            // CAS alone decides who passes.
            if self
                .next
                .compare_exchange(next, new, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            {
                return Some(self.held.swap(0, Ordering::Relaxed));
            }
            // Another caller passed for this interval: this one is held back.
        }
        self.held.fetch_add(1, Ordering::Relaxed);
        None
    }
}

/// The next time an event may pass, if one at `now` may. `next` is due when
/// `now` has reached it, or when it lies more than one interval ahead: a
/// fresh throttle (`next` = 0 on a clock far from 0) or a clock that
/// stepped back, which must not silence the events for up to 49 days.
const fn decide(next: u32, now: u32, interval_ms: u32) -> Option<u32> {
    let reached = now.wrapping_sub(next) <= i32::MAX as u32;
    let too_far = next.wrapping_sub(now) > interval_ms;
    if reached || too_far {
        Some(now.wrapping_add(interval_ms))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_at_the_deadline_and_not_before() {
        assert_eq!(decide(1_000, 999, 1_000), None);
        assert_eq!(decide(1_000, 1_000, 1_000), Some(2_000));
        assert_eq!(decide(1_000, 1_500, 1_000), Some(2_500));
    }

    #[test]
    fn a_fresh_throttle_passes_on_a_clock_far_from_zero() {
        assert_eq!(decide(0, 4_000_000_000, 1_000), Some(4_000_001_000));
    }

    #[test]
    fn a_clock_that_stepped_back_does_not_silence_it() {
        // next is 5 s ahead with a 1 s interval: the clock went back.
        assert_eq!(decide(10_000, 5_000, 1_000), Some(6_000));
    }

    #[test]
    fn across_the_wrap() {
        assert_eq!(decide(u32::MAX - 10, 5, 100), Some(105));
        assert_eq!(decide(5, u32::MAX - 10, 100), None);
    }

    #[test]
    fn counts_what_it_holds_back() {
        let t = Throttle::new(Duration::from_ticks(100));
        assert_eq!(t.admit(Instant::from_ticks(7)), Some(0));
        for ms in 8..107 {
            assert_eq!(t.admit(Instant::from_ticks(ms)), None);
        }
        assert_eq!(t.admit(Instant::from_ticks(107)), Some(99));
        assert_eq!(t.admit(Instant::from_ticks(108)), None);
    }
}

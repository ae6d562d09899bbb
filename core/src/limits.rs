//! Every limit a configuration is checked against, in one place, with the
//! reason for each: the breaker's come from the widths of its packed state
//! word (one `AtomicU32`, so it stays lock-free on a Cortex-M4), the retry's
//! from the wrapping 32-bit millisecond clock.

// The widths of the breaker word's fields (drawn in `breaker::word`): they
// sum to 32, and each sets one of the limits below.
pub(crate) const KIND_BITS: u32 = 3;
pub(crate) const GEN_BITS: u32 = 6;
pub(crate) const SLOT_BITS: u32 = 4;
pub(crate) const REOPEN_BITS: u32 = 2;
pub(crate) const STREAK_BITS: u32 = 9;
/// Bits of time in a stamp (the rest is a 4-bit generation tag).
pub(crate) const STAMP_TIME_BITS: u32 = 28;

const _: () = assert!(KIND_BITS + GEN_BITS + 3 * SLOT_BITS + REOPEN_BITS + STREAK_BITS == 32);

/// The most half-open permits a breaker can have (4-bit fields: probes
/// admitted, succeeded and failed in the episode).
///
/// ```
/// use totem_core::{BreakerConfig, MAX_HALF_OPEN_PERMITS};
/// assert!(BreakerConfig::new("x").half_open_permits(MAX_HALF_OPEN_PERMITS).validate().is_ok());
/// assert!(BreakerConfig::new("x").half_open_permits(MAX_HALF_OPEN_PERMITS + 1).validate().is_err());
/// ```
pub const MAX_HALF_OPEN_PERMITS: u32 = (1 << SLOT_BITS) - 1;
/// The largest `failure_threshold` (the 9-bit streak saturates here).
///
/// ```
/// use totem_core::{BreakerConfig, MAX_FAILURE_THRESHOLD};
/// assert_eq!(MAX_FAILURE_THRESHOLD, 511);
/// assert!(BreakerConfig::new("x").failure_threshold(512).validate().is_err());
/// ```
pub const MAX_FAILURE_THRESHOLD: u32 = (1 << STREAK_BITS) - 1;
/// How many generations it takes for the generation to come round again: a
/// permit held across exactly this many (or a multiple) could be mistaken for
/// a current one. The generation advances on every state change except
/// OPEN → HALF_OPEN, and on every half-open probe admitted while no other
/// is in flight. A mistaken permit cannot corrupt the breaker: it resolves a
/// probe in flight, or drives nothing.
///
/// ```
/// assert_eq!(totem_core::GENERATIONS, 64);
/// ```
pub const GENERATIONS: u32 = 1 << GEN_BITS;

/// The longest `reset_timeout` / `half_open_timeout`, in milliseconds:
/// 2^27 − 1 ms, about 37 h 16 min. Elapsed times are taken modulo 2^28 ms, and
/// half of that range is kept to tell a clock that stepped back from a long
/// wait.
///
/// ```
/// use totem_core::{BreakerConfig, Duration, MAX_TIMEOUT_MS};
/// assert_eq!(MAX_TIMEOUT_MS, 134_217_727);
/// let too_long = BreakerConfig::new("x").reset_timeout(Duration::from_ticks(MAX_TIMEOUT_MS + 1));
/// assert!(too_long.validate().is_err());
/// ```
pub const MAX_TIMEOUT_MS: u32 = (1 << (STAMP_TIME_BITS - 1)) - 1;

#[cfg(feature = "policies")]
/// How many consecutive reopens grow the open time: the reopen count is a
/// 2-bit field of the breaker word, so `reset_timeout × factor^n` grows for
/// the first 3 reopens and then stays (a factor up to 16 reaches 4096×
/// `reset_timeout` by then; `max_reset_timeout` caps it anyway).
///
/// ```
/// assert_eq!(totem_core::MAX_REOPENS_COUNTED, 3);
/// ```
pub const MAX_REOPENS_COUNTED: u32 = (1 << REOPEN_BITS) - 1;

#[cfg(feature = "policies")]
/// The largest `reset_timeout_factor`: a growth beyond 16× per reopen
/// reaches any cap in one or two reopens, so larger factors only hide a
/// typo.
///
/// ```
/// use totem_core::{BreakerConfig, Duration, MAX_RESET_TIMEOUT_FACTOR};
/// let max = Duration::from_secs(600);
/// assert!(BreakerConfig::new("x").reset_timeout_growth(MAX_RESET_TIMEOUT_FACTOR, max).validate().is_ok());
/// assert!(BreakerConfig::new("x").reset_timeout_growth(MAX_RESET_TIMEOUT_FACTOR + 1, max).validate().is_err());
/// ```
pub const MAX_RESET_TIMEOUT_FACTOR: u32 = 16;

#[cfg(feature = "policies")]
/// The most buckets a [`RateWindow`](crate::RateWindow) can have: a bucket
/// word carries its epoch modulo 64, and a live bucket must be told from one
/// of the epoch before it (half the tag's range).
///
/// ```compile_fail
/// // More buckets than the tag can tell apart fails the build.
/// static W: totem_core::RateWindow<33> = totem_core::RateWindow::new();
/// let _ = &W;
/// ```
pub const MAX_WINDOW_BUCKETS: usize = 1 << (WINDOW_TAG_BITS - 1);

// The widths of a window bucket word (drawn in `window::bucket`).
#[cfg(feature = "policies")]
pub(crate) const WINDOW_TAG_BITS: u32 = 6;
#[cfg(feature = "policies")]
pub(crate) const WINDOW_COUNT_BITS: u32 = 13;
#[cfg(feature = "policies")]
const _: () = assert!(WINDOW_TAG_BITS + 2 * WINDOW_COUNT_BITS == 32);

#[cfg(feature = "policies")]
/// The longest count window, in calls: a bucket counts up to 8191 calls, and
/// a count window holds at most that many in all.
///
/// ```
/// use totem_core::{BreakerConfig, RateWindow, SlidingWindow, MAX_WINDOW_CALLS};
/// static WINDOW: RateWindow<32> = RateWindow::new();
/// let calls = |n| BreakerConfig::new("x").sliding_window(SlidingWindow::Calls(n), WINDOW.storage());
/// assert!(calls(MAX_WINDOW_CALLS).failure_rate(50).validate().is_ok());
/// assert!(calls(MAX_WINDOW_CALLS + 1).failure_rate(50).validate().is_err());
/// ```
pub const MAX_WINDOW_CALLS: u32 = (1 << WINDOW_COUNT_BITS) - 1;

/// The longest `max_delay` and `deadline`: 2^31 − 1 ms (about 24.8 days),
/// half the wrapping 32-bit millisecond clock, so elapsed time stays
/// unambiguous.
///
/// It also bounds what a deadline can charge for one step (an attempt and the
/// sleep before it): a clock that jumps forward by 2^31 ms or more within a
/// step reads as one that stepped back, and that step is charged nothing.
///
/// ```
/// use totem_core::{Duration, RetryConfig, MAX_DELAY_MS};
/// assert!(RetryConfig::new("x").max_delay(Duration::from_ticks(MAX_DELAY_MS)).validate().is_ok());
/// ```
pub const MAX_DELAY_MS: u32 = i32::MAX as u32;

// The widths of a retry budget's word (drawn in `retry::budget`): they sum
// to 32, so a budget is one `AtomicU32`, lock-free on a Cortex-M4.
pub(crate) const BUDGET_BALANCE_BITS: u32 = 17;
pub(crate) const BUDGET_SECOND_BITS: u32 = 15;
/// A retry budget's balance counts hundredths of a retry, so that a call's
/// share at `retry_percent` is a whole number of them.
pub(crate) const BUDGET_UNITS_PER_RETRY: u32 = 100;

const _: () = assert!(BUDGET_BALANCE_BITS + BUDGET_SECOND_BITS == 32);
const _: () = assert!(MAX_BUDGET_RETRIES * BUDGET_UNITS_PER_RETRY < 1 << BUDGET_BALANCE_BITS);

/// The most retries a [`RetryBudget`](crate::RetryBudget) can hold
/// (`max_retries`, and so `min_per_second`): its balance is 17 bits of
/// hundredths of a retry.
///
/// ```
/// use totem_core::{RetryBudgetConfig, MAX_BUDGET_RETRIES};
/// assert!(RetryBudgetConfig::new().max_retries(MAX_BUDGET_RETRIES).validate().is_ok());
/// assert!(RetryBudgetConfig::new().max_retries(MAX_BUDGET_RETRIES + 1).validate().is_err());
/// ```
pub const MAX_BUDGET_RETRIES: u32 = 1_000;

/// How many error classes the retry metrics keep apart.
///
/// ```
/// # use totem_core::{validated, ManualClock, Retry, RetryConfig};
/// # let clock = ManualClock::new();
/// let retry = Retry::new(validated!(RetryConfig::new("x")), &clock, 1);
/// assert_eq!(retry.snapshot().errors_by_class.len(), totem_core::ERROR_CLASSES);
/// ```
pub const ERROR_CLASSES: usize = 8;

/// The upper bounds, in milliseconds, of the retry delay histogram's
/// buckets (inclusive, as Prometheus's `le`); one more bucket counts the
/// delays above the last bound. Fixed, so the histogram is a few counters
/// with no allocation: from 10 ms (a local service) to a minute (the spec's
/// alert on an average delay above 30 s).
///
/// ```
/// # use totem_core::{validated, Duration, ManualClock, Retry, RetryConfig, DELAY_BUCKETS_MS};
/// # let clock = ManualClock::new();
/// let retry = Retry::new(validated!(RetryConfig::new("x")), &clock, 1);
/// let _ = retry.call(&clock, || Err::<(), _>(()));
/// // Two delays, 1 s and 2 s: one in the `le="1000"` bucket, one in `le="5000"`.
/// let buckets = retry.snapshot().delay_buckets;
/// assert_eq!(buckets.len(), DELAY_BUCKETS_MS.len() + 1);
/// assert_eq!(buckets.iter().sum::<u64>(), 2);
/// ```
pub const DELAY_BUCKETS_MS: [u32; 9] = [10, 50, 100, 500, 1_000, 5_000, 10_000, 30_000, 60_000];

/// How many counters the delay histogram keeps: one per bound and one above.
pub(crate) const DELAY_BUCKETS: usize = DELAY_BUCKETS_MS.len() + 1;

/// The histogram bucket of a delay.
pub(crate) const fn delay_bucket(delay_ms: u32) -> usize {
    let mut i = 0;
    while i < DELAY_BUCKETS_MS.len() {
        if delay_ms <= DELAY_BUCKETS_MS[i] {
            return i;
        }
        i += 1;
    }
    DELAY_BUCKETS_MS.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_buckets_are_inclusive_and_the_last_takes_the_rest() {
        assert_eq!(delay_bucket(0), 0);
        assert_eq!(delay_bucket(10), 0);
        assert_eq!(delay_bucket(11), 1);
        assert_eq!(delay_bucket(60_000), 8);
        assert_eq!(delay_bucket(60_001), 9);
        assert_eq!(delay_bucket(u32::MAX), DELAY_BUCKETS - 1);
    }
}

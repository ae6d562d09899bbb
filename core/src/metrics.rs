//! Breaker metrics: monotone totals, time in each state, a success rate
//! since the last reset, and the [`BreakerSnapshot`] value that carries them.
//!
//! | spec metric | where |
//! |---|---|
//! | `circuit_breaker_state` | [`BreakerSnapshot::state`] (`as u8`: 0 closed, 1 open, 2 half-open, 3 forced open, 4 disabled) |
//! | `circuit_breaker_failures` | [`BreakerSnapshot::failures_total`] |
//! | `circuit_breaker_success_rate` | [`BreakerSnapshot::success_rate`] |
//! | time in each state | [`BreakerSnapshot::time_in_state_ms`] |
//! | rejections | [`BreakerSnapshot::rejected_total`] |
//! | transitions by cause (and so by edge) | [`BreakerSnapshot::transitions_by_cause`] |

use crate::event::{Cause, State};
use crate::limits::{DELAY_BUCKETS, ERROR_CLASSES};
use crate::primitive::{bump, const_fn, counters, read_all, AtomicCounter, CounterValue, Ordering};
use crate::striped::StripedCounter;

/// How many causes of a state change there are ([`Cause::ALL`]).
pub(crate) const CAUSES: usize = Cause::ALL.len();

/// The counters of one breaker. Totals only grow (on targets without 64-bit
/// atomics they are 32-bit and wrap, which a Prometheus-style consumer reads
/// as a counter reset).
#[derive(Debug)]
pub(crate) struct Counters {
    /// Striped: every closed-path success writes it, from every thread.
    pub(crate) successes: StripedCounter,
    pub(crate) failures: AtomicCounter,
    pub(crate) ignored: AtomicCounter,
    pub(crate) rejected: AtomicCounter,
    pub(crate) abandoned: AtomicCounter,
    /// State changes by cause (`Cause as usize`).
    transitions: [AtomicCounter; CAUSES],
    /// Totals at the last `reset()`, for the success rate since then.
    base_successes: AtomicCounter,
    base_failures: AtomicCounter,
    /// Milliseconds spent in each [`State`] in completed segments.
    time_ms: [AtomicCounter; 5],
    /// The largest time in each state any snapshot has reported, so that
    /// snapshots never go backwards (see [`Counters::report_time`]).
    reported_ms: [AtomicCounter; 5],
}

impl Counters {
    const_fn! {
        pub(crate) fn new() -> Self {
            Self {
                successes: StripedCounter::new(),
                failures: AtomicCounter::new(0),
                ignored: AtomicCounter::new(0),
                rejected: AtomicCounter::new(0),
                abandoned: AtomicCounter::new(0),
                transitions: counters(),
                base_successes: AtomicCounter::new(0),
                base_failures: AtomicCounter::new(0),
                time_ms: counters(),
                reported_ms: counters(),
            }
        }
    }

    pub(crate) fn add_time(&self, state: State, millis: u32) {
        if millis != 0 {
            // ORDERING: Release, so that a snapshot that reads this booking
            // (Acquire, in `time`) also sees the transition or anchor that
            // ended the segment, and retries instead of counting it twice.
            self.time_ms[state as usize].fetch_add(millis as CounterValue, Ordering::Release);
        }
    }

    pub(crate) fn time(&self, state: State) -> u64 {
        // ORDERING: pairs with the Release in `add_time`.
        #[allow(clippy::useless_conversion)]
        u64::from(self.time_ms[state as usize].load(Ordering::Acquire))
    }

    /// What a snapshot reports as the time in `state`: the larger of
    /// `computed` and every earlier report. A snapshot racing a transition
    /// can find the new segment published before the old one is booked, and
    /// would otherwise report less than a snapshot taken just before.
    pub(crate) fn report_time(&self, state: State, computed: u64) -> u64 {
        let computed = computed as CounterValue;
        let slot = &self.reported_ms[state as usize];
        // Relaxed throughout: a running maximum, not a synchronisation.
        let mut before = slot.load(Ordering::Relaxed);
        loop {
            if !is_ahead(computed, before) {
                #[allow(clippy::useless_conversion)]
                return u64::from(before);
            }
            match slot.compare_exchange_weak(before, computed, Ordering::Relaxed, Ordering::Relaxed)
            {
                #[allow(clippy::useless_conversion)]
                Ok(_) => return u64::from(computed),
                // Another snapshot reported in between: compare with its value.
                Err(actual) => before = actual,
            }
        }
    }

    /// Starts a new success-rate period (`reset()`).
    pub(crate) fn rebase(&self) {
        let s = self.successes.load();
        let f = self.failures.load(Ordering::Relaxed);
        self.base_successes.store(s, Ordering::Relaxed);
        self.base_failures.store(f, Ordering::Relaxed);
    }

    /// The totals since creation, and the success rate since the last
    /// reset, from one read of each counter (so that a snapshot racing an
    /// outcome never reports a rate over calls its totals do not have).
    pub(crate) fn outcomes(&self) -> (u64, u64, Option<SuccessRate>) {
        // The bases first: a base is a copy of an earlier total, and totals
        // only grow, so totals read after it are not below it.
        let bs = self.base_successes.load(Ordering::Relaxed);
        let bf = self.base_failures.load(Ordering::Relaxed);
        let s: CounterValue = self.successes.load();
        let f: CounterValue = self.failures.load(Ordering::Relaxed);
        #[allow(clippy::useless_conversion)]
        (u64::from(s), u64::from(f), Self::rate(s, f, bs, bf))
    }

    fn rate(
        s: CounterValue,
        f: CounterValue,
        bs: CounterValue,
        bf: CounterValue,
    ) -> Option<SuccessRate> {
        // Wrapping: 32-bit totals wrap on MCUs. A difference in the upper
        // half is a base newer than the total (a reset racing this read):
        // read it as nothing since that reset.
        let since = |total: CounterValue, base: CounterValue| -> u64 {
            let d = total.wrapping_sub(base);
            if d > CounterValue::MAX / 2 {
                0
            } else {
                #[allow(clippy::useless_conversion)]
                u64::from(d)
            }
        };
        let successes = since(s, bs);
        let failures = since(f, bf);
        let calls = successes.saturating_add(failures);
        if calls == 0 {
            None
        } else {
            Some(SuccessRate { successes, calls })
        }
    }

    pub(crate) fn record_transition(&self, cause: Cause) {
        bump(&self.transitions[cause as usize]);
    }

    /// State changes by cause.
    pub(crate) fn transitions(&self) -> [u64; CAUSES] {
        read_all(&self.transitions)
    }
}

/// Whether `now` is ahead of `before` on the counter's wrapping range: a
/// 32-bit millisecond total wraps after 49.7 days, and that wrap is progress,
/// whereas a small step back is the snapshot race that reports hide. (A plain
/// `fetch_max` would freeze at the value before the wrap.)
const fn is_ahead(now: CounterValue, before: CounterValue) -> bool {
    now.wrapping_sub(before) <= CounterValue::MAX / 2
}

/// A success rate as a fraction (no floating point needed to carry it).
///
/// ```
/// use totem_core::SuccessRate;
/// let r = SuccessRate { successes: 3, calls: 4 };
/// assert_eq!(r.per_mille(), 750);
/// assert!((r.as_f64() - 0.75).abs() < 1e-9);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SuccessRate {
    /// Successful calls.
    pub successes: u64,
    /// Calls with a success or failure outcome (ignored ones excluded).
    pub calls: u64,
}

impl SuccessRate {
    /// The rate in thousandths, rounded down.
    ///
    /// ```
    /// # use totem_core::SuccessRate;
    /// assert_eq!(SuccessRate { successes: 1, calls: 3 }.per_mille(), 333);
    /// ```
    pub const fn per_mille(self) -> u32 {
        if self.calls == 0 {
            return 0;
        }
        ((self.successes as u128 * 1000) / self.calls as u128) as u32
    }

    /// The rate as a float in `[0, 1]`.
    ///
    /// ```
    /// # use totem_core::SuccessRate;
    /// assert_eq!(SuccessRate { successes: 1, calls: 2 }.as_f64(), 0.5);
    /// ```
    pub fn as_f64(self) -> f64 {
        if self.calls == 0 {
            return 0.0;
        }
        self.successes as f64 / self.calls as f64
    }
}

/// A point-in-time copy of a breaker's metrics.
///
/// ```
/// use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock, State};
/// let clock = ManualClock::new();
/// let b = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &clock);
/// let _ = b.call(|| Ok::<_, ()>(1));
/// let s = b.snapshot();
/// assert_eq!((s.state, s.successes_total, s.success_rate.unwrap().per_mille()), (State::Closed, 1, 1000));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BreakerSnapshot {
    /// The breaker's name.
    pub name: &'static str,
    /// Its state (lazily advanced: a passed `reset_timeout` reads HALF_OPEN).
    pub state: State,
    /// Failures since the last success or reset (failed probes included;
    /// saturates at 511).
    pub consecutive_failures: u32,
    /// Calls recorded as successes.
    pub successes_total: u64,
    /// Calls recorded as failures (abandoned permits included when they
    /// count as failures).
    pub failures_total: u64,
    /// Calls classified as neither.
    pub ignored_total: u64,
    /// Calls refused without running.
    pub rejected_total: u64,
    /// Permits dropped without an outcome.
    pub abandoned_total: u64,
    /// State changes (the sum of `transitions_by_cause`).
    pub transitions_total: u64,
    /// State changes by cause, indexed by `Cause as usize` (a cause names
    /// the edge: [`Cause::from`], [`Cause::to`]). Counted, so a state
    /// shorter than the interval between two snapshots is not missed.
    pub transitions_by_cause: [u64; CAUSES],
    /// Milliseconds spent in each state, indexed by `State as usize`.
    pub time_in_state_ms: [u64; 5],
    /// Successes over successes + failures since the last `reset()` (`None`
    /// before any such call).
    pub success_rate: Option<SuccessRate>,
    /// Half-open probes in flight.
    pub probes_in_flight: u32,
}

impl BreakerSnapshot {
    /// Milliseconds spent in `state`.
    ///
    /// ```
    /// # use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock, State};
    /// # let clock = ManualClock::new();
    /// # let b = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &clock);
    /// assert_eq!(b.snapshot().time_in(State::Open), 0);
    /// ```
    pub const fn time_in(&self, state: State) -> u64 {
        self.time_in_state_ms[state as usize]
    }
}

/// A copy of a retry's metrics.
///
/// | spec metric | where |
/// |---|---|
/// | `retry_attempts_total` | [`attempts_total`](Self::attempts_total) |
/// | `retry_success_total` | [`success_total`](Self::success_total) |
/// | `retry_delay_seconds` (a histogram) | [`delay_buckets`](Self::delay_buckets), sum [`delay_ms_total`](Self::delay_ms_total) / 1000, count [`retries_total`](Self::retries_total) |
/// | distribution of errors | [`errors_by_class`](Self::errors_by_class) |
/// | retries refused by the budget | [`budget_denied_total`](Self::budget_denied_total) |
///
/// ```
/// use totem_core::{validated, ManualClock, Retry, RetryConfig};
/// let clock = ManualClock::new();
/// let retry = Retry::new(validated!(RetryConfig::new("x")), &clock, 1);
/// let _ = retry.call(&clock, || Ok::<_, ()>(1));
/// let s = retry.snapshot();
/// assert_eq!((s.attempts_total, s.success_total, s.retries_total), (1, 1, 0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RetrySnapshot {
    /// The retry's name.
    pub name: &'static str,
    /// Attempts made: the first attempt of every call that ended, plus every
    /// retry. Exact whatever way a call ends.
    pub attempts_total: u64,
    /// Calls that ended in success.
    pub success_total: u64,
    /// Calls that ended in an error (or a result still retryable when
    /// attempts ran out).
    pub failure_total: u64,
    /// Calls that ended without a result: the operation panicked, or the
    /// call's future was dropped (a timeout, a cancelled task). Like an
    /// abandoned breaker permit, what ran is counted.
    pub abandoned_total: u64,
    /// Retries: attempts after the first, counted when they start (a call
    /// abandoned during its sleep did not retry).
    pub retries_total: u64,
    /// Milliseconds slept before the retries counted in `retries_total`.
    pub delay_ms_total: u64,
    /// Retries by the delay slept before them: `delay_buckets[i]` counts
    /// delays up to [`DELAY_BUCKETS_MS`](crate::DELAY_BUCKETS_MS)`[i]` ms and above the bound before
    /// it; the last counts delays above every bound. Not cumulative (a
    /// Prometheus exporter sums them into `le` buckets); they add up to
    /// `retries_total`.
    pub delay_buckets: [u64; DELAY_BUCKETS],
    /// Failed attempts per error class (see [`RetryPolicy::error_class`](crate::RetryPolicy::error_class)).
    pub errors_by_class: [u64; ERROR_CLASSES],
    /// Calls that gave up because the retry's
    /// [`RetryBudget`](crate::RetryBudget) held no retry
    /// ([`GiveUp::BudgetExhausted`](crate::GiveUp::BudgetExhausted)); they
    /// count in `failure_total` too. Always 0 without a budget.
    pub budget_denied_total: u64,
}

impl RetrySnapshot {
    /// Successful calls over finished calls (`None` before any).
    ///
    /// ```
    /// # use totem_core::{validated, ManualClock, Retry, RetryConfig};
    /// # let clock = ManualClock::new();
    /// # let retry = Retry::new(validated!(RetryConfig::new("x")), &clock, 1);
    /// assert_eq!(retry.snapshot().success_rate(), None);
    /// ```
    pub fn success_rate(&self) -> Option<SuccessRate> {
        let calls = self.success_total + self.failure_total;
        (calls != 0).then_some(SuccessRate {
            successes: self.success_total,
            calls,
        })
    }

    /// Mean delay per retry in milliseconds (`None` before any retry).
    ///
    /// ```
    /// # use totem_core::{validated, ManualClock, Retry, RetryConfig};
    /// # let clock = ManualClock::new();
    /// # let retry = Retry::new(validated!(RetryConfig::new("x")), &clock, 1);
    /// assert_eq!(retry.snapshot().mean_delay_ms(), None);
    /// ```
    pub fn mean_delay_ms(&self) -> Option<u64> {
        (self.retries_total != 0).then(|| self.delay_ms_total / self.retries_total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "metrics")]
    fn reports_follow_a_wrapping_total_and_hide_small_steps_back() {
        assert!(is_ahead(5, 3));
        assert!(is_ahead(3, 3));
        assert!(!is_ahead(3, 5));
        // A total that wrapped past the counter's maximum is still ahead.
        assert!(is_ahead(2, CounterValue::MAX - 1));
        let c = Counters::new();
        assert_eq!(c.report_time(State::Closed, 100), 100);
        assert_eq!(c.report_time(State::Closed, 90), 100, "a dip is hidden");
        assert_eq!(c.report_time(State::Closed, 150), 150);
    }

    /// Without the feature the counters take no room and read 0; what the
    /// breaker decides does not depend on them.
    #[test]
    #[cfg(not(feature = "metrics"))]
    fn without_the_metrics_feature_nothing_is_counted_or_stored() {
        use crate::{
            validated, BreakerConfig, CircuitBreaker, Duration, ManualClock, Retry, RetryConfig,
        };
        assert_eq!(core::mem::size_of::<Counters>(), 0);
        let clock = ManualClock::new();
        let b = CircuitBreaker::new(
            validated!(BreakerConfig::new("b").failure_threshold(2)),
            &clock,
        );
        let r = Retry::new(validated!(RetryConfig::new("r").max_attempts(2)), &clock, 1);
        assert!(r.call(&clock, || b.call(|| Err::<(), _>(()))).is_err());
        assert!(b.call(|| Ok::<_, ()>(())).is_err(), "rejected: OPEN");
        clock.advance(Duration::from_secs(1));
        let s = b.snapshot();
        assert_eq!((s.state, s.consecutive_failures), (State::Open, 2));
        assert_eq!(
            (s.failures_total, s.rejected_total, s.transitions_total),
            (0, 0, 0)
        );
        assert_eq!((s.time_in(State::Open), s.success_rate), (0, None));
        let s = r.snapshot();
        assert_eq!(
            (s.attempts_total, s.retries_total, s.delay_ms_total),
            (0, 0, 0)
        );
    }
}

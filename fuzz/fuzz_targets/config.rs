//! Configuration from arbitrary values: validation never panics, returns
//! the typed error of the first rule broken (checked against an independent
//! reading of the documented rules, the breaker's policies included: growing
//! open time, rate-decided half-open, sliding window, failure and slow-call
//! rates, minimum calls), and a configuration it accepts builds a breaker
//! (called, and recorded with durations) and a retry that run without
//! panicking.
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use totem_core::MAX_DELAY_MS;
use totem_core::{
    AbandonedPermit, BackoffFactor, BreakerConfig, CircuitBreaker, ConfigError, Duration, Jitter,
    ManualClock, Outcome, RateWindow, Retry, RetryConfig, SlidingWindow, MAX_FAILURE_THRESHOLD,
    MAX_HALF_OPEN_PERMITS, MAX_RESET_TIMEOUT_FACTOR, MAX_TIMEOUT_MS, MAX_WINDOW_BUCKETS,
    MAX_WINDOW_CALLS,
};

/// The documented rules, in the documented order (the first broken one is
/// the error).
fn expected_breaker(c: &BreakerConfig) -> Option<ConfigError> {
    use ConfigError::*;
    let successes = c.successes_to_close.unwrap_or(c.half_open_permits);
    let rules = [
        (c.failure_threshold == 0, FailureThresholdZero),
        (
            c.failure_threshold > MAX_FAILURE_THRESHOLD,
            FailureThresholdTooLarge,
        ),
        (c.reset_timeout.as_ticks() == 0, ResetTimeoutZero),
        (
            c.reset_timeout.as_ticks() > MAX_TIMEOUT_MS,
            ResetTimeoutTooLong,
        ),
        (c.half_open_timeout.as_ticks() == 0, HalfOpenTimeoutZero),
        (
            c.half_open_timeout.as_ticks() > MAX_TIMEOUT_MS,
            HalfOpenTimeoutTooLong,
        ),
        (c.half_open_permits == 0, HalfOpenPermitsZero),
        (
            c.half_open_permits > MAX_HALF_OPEN_PERMITS,
            HalfOpenPermitsTooLarge,
        ),
        (successes == 0, SuccessesToCloseZero),
        (
            successes > c.half_open_permits,
            SuccessesToCloseAbovePermits,
        ),
    ];
    rules
        .iter()
        .find(|(broken, _)| *broken)
        .map(|&(_, e)| e)
        .or_else(|| expected_policies(c))
}

/// The rules of the policies beyond consecutive failures, in the documented
/// order, after the ones above. `minimum_calls` is a window's setting, so
/// it is checked only with a window; `slow_call_rate` only with a
/// `slow_call_duration`.
fn expected_policies(c: &BreakerConfig) -> Option<ConfigError> {
    use ConfigError::*;
    let not_percent = |p: Option<u32>| p.is_some_and(|p| p == 0 || p > 100);
    let max = c.max_reset_timeout.map(|d| d.as_ticks());
    let slow = c.slow_call_duration.map(|d| d.as_ticks());
    let rates = c.failure_rate.is_some() || slow.is_some();
    let (calls, span) = match c.window.map(|w| w.size) {
        Some(SlidingWindow::Calls(n)) => (Some(n), None),
        Some(SlidingWindow::Time(d)) => (None, Some(d.as_ticks())),
        None => (None, None),
    };
    let buckets = c.window.map(|w| w.storage.buckets());
    // The most calls a count window holds: `k = ceil(N / B)` calls a
    // bucket in `N / k` buckets (`RateWindow`'s docs).
    let held = calls.zip(buckets).map(|(n, b)| {
        let k = n.div_ceil(b.max(1)).max(1);
        n / k * k
    });
    let rules = [
        (c.reset_timeout_factor == 0, ResetTimeoutFactorZero),
        (
            c.reset_timeout_factor > MAX_RESET_TIMEOUT_FACTOR,
            ResetTimeoutFactorTooLarge,
        ),
        (
            max.is_some_and(|m| m < c.reset_timeout.as_ticks()),
            MaxResetTimeoutBelowResetTimeout,
        ),
        (max.is_some_and(|m| m > MAX_TIMEOUT_MS), MaxResetTimeoutTooLong),
        (
            not_percent(c.half_open_failure_rate),
            HalfOpenFailureRateOutOfRange,
        ),
        (
            c.half_open_failure_rate.is_some() && c.successes_to_close.is_some(),
            SuccessesToCloseWithHalfOpenRate,
        ),
        (not_percent(c.failure_rate), FailureRateOutOfRange),
        (slow == Some(0), SlowCallDurationZero),
        (slow.is_some_and(|d| d > MAX_TIMEOUT_MS), SlowCallDurationTooLong),
        (
            slow.is_some() && not_percent(Some(c.slow_call_rate)),
            SlowCallRateOutOfRange,
        ),
        (rates && c.window.is_none(), RatePolicyWithoutWindow),
        (
            buckets.is_some_and(|b| b == 0 || b as usize > MAX_WINDOW_BUCKETS),
            WindowBucketsOutOfRange,
        ),
        (
            calls.is_some_and(|n| n == 0 || n > MAX_WINDOW_CALLS),
            WindowCallsOutOfRange,
        ),
        (
            rates && held.is_some_and(|most| c.minimum_calls > most),
            MinimumCallsAboveWindow,
        ),
        (
            span.is_some_and(|s| !(32..=MAX_TIMEOUT_MS).contains(&s)),
            WindowTimeOutOfRange,
        ),
        (c.window.is_some() && c.minimum_calls == 0, MinimumCallsZero),
    ];
    rules.iter().find(|(broken, _)| *broken).map(|&(_, e)| e)
}

fn expected_retry(c: &RetryConfig) -> Option<ConfigError> {
    use ConfigError::*;
    let deadline = c.deadline.map(|d| d.as_ticks());
    let rules = [
        (c.max_attempts == 0, MaxAttemptsZero),
        (c.max_delay.as_ticks() > MAX_DELAY_MS, MaxDelayTooLong),
        (c.initial_delay.as_ticks() == 0, InitialDelayZero),
        (
            c.initial_delay.as_ticks() > c.max_delay.as_ticks(),
            InitialDelayAboveMaxDelay,
        ),
        (
            c.backoff_factor.check().is_err(),
            match c.backoff_factor.check() {
                Err(e) => e,
                Ok(_) => BackoffFactorBelowOne,
            },
        ),
        (c.backoff_factor.raw() < 1 << 16, BackoffFactorBelowOne),
        (deadline == Some(0), DeadlineZero),
        (deadline.is_some_and(|d| d > MAX_DELAY_MS), DeadlineTooLong),
    ];
    rules.iter().find(|(broken, _)| *broken).map(|&(_, e)| e)
}

fn check_error(e: ConfigError) {
    // The message names the field at fault.
    assert!(e.message().contains(e.field()), "{e:?}");
    assert_eq!(e.to_string(), e.message());
}

/// A value near the interesting edges, or anything.
fn edgy(u: &mut Unstructured, edges: &[u32]) -> Result<u32> {
    if u.arbitrary()? {
        let e = *u.choose(edges)?;
        Ok(e.wrapping_add(u.int_in_range(0..=2)?).wrapping_sub(1))
    } else {
        u.arbitrary()
    }
}

fn breaker(u: &mut Unstructured) -> Result<()> {
    let mut c = BreakerConfig::new("fuzz")
        .failure_threshold(edgy(u, &[0, 1, MAX_FAILURE_THRESHOLD])?)
        .reset_timeout(Duration::from_ticks(edgy(u, &[0, 1, MAX_TIMEOUT_MS])?))
        .half_open_timeout(Duration::from_ticks(edgy(u, &[0, 1, MAX_TIMEOUT_MS])?))
        .half_open_permits(edgy(u, &[0, 1, MAX_HALF_OPEN_PERMITS])?);
    if u.arbitrary()? {
        c = c.successes_to_close(edgy(u, &[0, 1, MAX_HALF_OPEN_PERMITS])?);
    }
    if u.arbitrary()? {
        c = c.abandoned(AbandonedPermit::Neutral);
    }
    c = policies(u, c)?;
    let result = c.validate();
    assert_eq!(result.err(), expected_breaker(&c), "{c:?}");
    match CircuitBreaker::try_new(c, ManualClock::new()) {
        Err(e) => check_error(e),
        Ok(b) => {
            for _ in 0..u.int_in_range(0..=8)? {
                if u.arbitrary()? {
                    let _ = b.call(|| {
                        if u.arbitrary().unwrap_or(false) {
                            Ok(())
                        } else {
                            Err(())
                        }
                    });
                } else if let Ok(permit) = b.try_acquire() {
                    let outcome = *u.choose(&[Outcome::Success, Outcome::Failure, Outcome::Ignore])?;
                    permit.record_after(outcome, Duration::from_ticks(u.arbitrary()?));
                }
                b.clock().advance(Duration::from_ticks(u.arbitrary()?));
            }
            let _ = (b.state(), b.snapshot());
        }
    }
    Ok(())
}

/// A window's storage with 1, 2, 4, 8 or 32 buckets (shared: nothing here
/// depends on what earlier inputs left in it).
fn storage(u: &mut Unstructured) -> Result<totem_core::WindowStorage> {
    static W1: RateWindow<1> = RateWindow::new();
    static W2: RateWindow<2> = RateWindow::new();
    static W4: RateWindow<4> = RateWindow::new();
    static W8: RateWindow<8> = RateWindow::new();
    static W32: RateWindow<32> = RateWindow::new();
    Ok(*u.choose(&[
        W1.storage(),
        W2.storage(),
        W4.storage(),
        W8.storage(),
        W32.storage(),
    ])?)
}

/// The policies beyond consecutive failures, each set or not, near the
/// edges of their rules or anywhere.
fn policies(u: &mut Unstructured, mut c: BreakerConfig) -> Result<BreakerConfig> {
    let percents = [0, 1, 50, 100, 101];
    if u.arbitrary()? {
        let factor = edgy(u, &[0, 1, 2, MAX_RESET_TIMEOUT_FACTOR])?;
        let max = edgy(u, &[0, c.reset_timeout.as_ticks(), MAX_TIMEOUT_MS])?;
        c = c.reset_timeout_growth(factor, Duration::from_ticks(max));
    } else if u.ratio(1, 8)? {
        // The factor alone, as a struct literal could set it.
        c.reset_timeout_factor = edgy(u, &[0, 1, MAX_RESET_TIMEOUT_FACTOR])?;
    }
    if u.arbitrary()? {
        c = c.half_open_failure_rate(edgy(u, &percents)?);
    }
    if u.arbitrary()? {
        let size = if u.arbitrary()? {
            SlidingWindow::Calls(edgy(u, &[0, 1, MAX_WINDOW_CALLS])?)
        } else {
            SlidingWindow::Time(Duration::from_ticks(edgy(u, &[0, 32, MAX_TIMEOUT_MS])?))
        };
        c = c.sliding_window(size, storage(u)?);
    }
    if u.arbitrary()? {
        c = c.minimum_calls(edgy(u, &[0, 1, 10, MAX_WINDOW_CALLS])?);
    }
    if u.arbitrary()? {
        c = c.failure_rate(edgy(u, &percents)?);
    }
    if u.arbitrary()? {
        let d = edgy(u, &[0, 1, MAX_TIMEOUT_MS])?;
        c = c.slow_calls(Duration::from_ticks(d), edgy(u, &percents)?);
    } else if u.ratio(1, 8)? {
        // A rate without a duration: not checked.
        c.slow_call_rate = edgy(u, &percents)?;
    }
    Ok(c)
}

fn retry(u: &mut Unstructured) -> Result<()> {
    let factor = match u.int_in_range(0u8..=2)? {
        0 => BackoffFactor::integer(u.arbitrary()?),
        1 => BackoffFactor::ratio(u.arbitrary()?, u.arbitrary()?),
        _ => BackoffFactor::from_raw(u.arbitrary()?),
    };
    let mut c = RetryConfig::new("fuzz")
        .max_attempts(edgy(u, &[0, 1, 3])?)
        .initial_delay(Duration::from_ticks(edgy(u, &[0, 1_000, MAX_DELAY_MS])?))
        .max_delay(Duration::from_ticks(edgy(u, &[0, 10_000, MAX_DELAY_MS])?))
        .backoff_factor(factor)
        .jitter(*u.choose(&[
            Jitter::None,
            Jitter::Full,
            Jitter::Equal,
            Jitter::Decorrelated,
        ])?);
    if u.arbitrary()? {
        c = c.deadline(Duration::from_ticks(edgy(u, &[0, 1, MAX_DELAY_MS])?));
    }
    let result = c.validate();
    assert_eq!(result.err(), expected_retry(&c), "{c:?}");
    let clock = ManualClock::starting_at(u.arbitrary()?);
    match Retry::try_new(c, &clock, u.arbitrary()?) {
        Err(e) => check_error(e),
        Ok(r) => {
            let max = c.max_delay.as_ticks();
            for d in r.schedule().take(64) {
                assert!(d.as_ticks() <= max);
            }
            let mut attempts = 0u32;
            let _ = r.call(
                &clock,
                || {
                    attempts += 1;
                    if attempts >= 16 {
                        Ok(())
                    } else {
                        Err(())
                    }
                },
            );
            assert!(attempts <= c.max_attempts);
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let _ = if u.arbitrary().unwrap_or(false) {
        breaker(&mut u)
    } else {
        retry(&mut u)
    };
});

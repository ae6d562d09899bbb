//! Configuration from arbitrary values: validation never panics, returns
//! the typed error of the first rule broken (checked against an independent
//! reading of the documented rules), and a configuration it accepts builds a
//! breaker and a retry that run without panicking.
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use totem_core::MAX_DELAY_MS;
use totem_core::{
    AbandonedPermit, BackoffFactor, BreakerConfig, CircuitBreaker, ConfigError, Duration, Jitter,
    ManualClock, Retry, RetryConfig, MAX_FAILURE_THRESHOLD, MAX_HALF_OPEN_PERMITS, MAX_TIMEOUT_MS,
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
    let result = c.validate();
    assert_eq!(result.err(), expected_breaker(&c), "{c:?}");
    match CircuitBreaker::try_new(c, ManualClock::new()) {
        Err(e) => check_error(e),
        Ok(b) => {
            for _ in 0..u.int_in_range(0..=8)? {
                let _ = b.call(|| {
                    if u.arbitrary().unwrap_or(false) {
                        Ok(())
                    } else {
                        Err(())
                    }
                });
                b.clock().advance(Duration::from_ticks(u.arbitrary()?));
            }
            let _ = (b.state(), b.snapshot());
        }
    }
    Ok(())
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

//! Every invalid configuration is a typed error naming the field and the
//! rule, at construction; never a panic.
use totem_core::{
    BackoffFactor, BreakerConfig, CircuitBreaker, ConfigError, Duration, ManualClock, Retry,
    RetryConfig, MAX_TIMEOUT_MS,
};

fn breaker_err(cfg: BreakerConfig) -> ConfigError {
    CircuitBreaker::try_new(cfg, ManualClock::new()).expect_err("must be refused")
}

fn retry_err(cfg: RetryConfig) -> ConfigError {
    Retry::try_new(cfg, ManualClock::new(), 1).expect_err("must be refused")
}

#[test]
fn breaker_rules() {
    let b = || BreakerConfig::new("x");
    let cases = [
        (
            b().failure_threshold(0),
            ConfigError::FailureThresholdZero,
            "failure_threshold",
        ),
        (
            b().failure_threshold(512),
            ConfigError::FailureThresholdTooLarge,
            "failure_threshold",
        ),
        (
            b().reset_timeout(Duration::from_ticks(0)),
            ConfigError::ResetTimeoutZero,
            "reset_timeout",
        ),
        (
            b().reset_timeout(Duration::from_ticks(MAX_TIMEOUT_MS + 1)),
            ConfigError::ResetTimeoutTooLong,
            "reset_timeout",
        ),
        (
            b().half_open_timeout(Duration::from_ticks(0)),
            ConfigError::HalfOpenTimeoutZero,
            "half_open_timeout",
        ),
        (
            b().half_open_timeout(Duration::from_ticks(u32::MAX)),
            ConfigError::HalfOpenTimeoutTooLong,
            "half_open_timeout",
        ),
        (
            b().half_open_permits(0),
            ConfigError::HalfOpenPermitsZero,
            "half_open_permits",
        ),
        (
            b().half_open_permits(64),
            ConfigError::HalfOpenPermitsTooLarge,
            "half_open_permits",
        ),
        (
            b().successes_to_close(0),
            ConfigError::SuccessesToCloseZero,
            "successes_to_close",
        ),
        (
            b().half_open_permits(2).successes_to_close(3),
            ConfigError::SuccessesToCloseAbovePermits,
            "successes_to_close",
        ),
    ];
    for (cfg, err, field) in cases {
        let got = breaker_err(cfg);
        assert_eq!(got, err);
        assert_eq!(got.field(), field);
        assert!(got.message().contains(field), "{}", got.message());
        assert!(got.to_string().starts_with("BreakerConfig."));
    }
}

#[test]
fn breaker_limits_are_inclusive() {
    let cfg = BreakerConfig::new("x")
        .failure_threshold(totem_core::MAX_FAILURE_THRESHOLD)
        .reset_timeout(Duration::from_ticks(MAX_TIMEOUT_MS))
        .half_open_timeout(Duration::from_ticks(MAX_TIMEOUT_MS))
        .half_open_permits(totem_core::MAX_HALF_OPEN_PERMITS);
    assert!(cfg.validate().is_ok());
}

#[test]
fn retry_rules() {
    let r = || RetryConfig::new("x");
    let cases = [
        (
            r().max_attempts(0),
            ConfigError::MaxAttemptsZero,
            "max_attempts",
        ),
        (
            r().initial_delay(Duration::from_ticks(0)),
            ConfigError::InitialDelayZero,
            "initial_delay",
        ),
        (
            r().initial_delay(Duration::from_secs(11)),
            ConfigError::InitialDelayAboveMaxDelay,
            "initial_delay",
        ),
        (
            r().max_delay(Duration::from_ticks(u32::MAX)),
            ConfigError::MaxDelayTooLong,
            "max_delay",
        ),
        (
            r().backoff_factor(BackoffFactor::ratio(3, 0)),
            ConfigError::BackoffFactorZeroDenominator,
            "backoff_factor",
        ),
        (
            r().backoff_factor(BackoffFactor::integer(70_000)),
            ConfigError::BackoffFactorTooLarge,
            "backoff_factor",
        ),
        (
            r().backoff_factor(BackoffFactor::ratio(1, 2)),
            ConfigError::BackoffFactorBelowOne,
            "backoff_factor",
        ),
        (
            r().deadline(Duration::from_ticks(0)),
            ConfigError::DeadlineZero,
            "deadline",
        ),
        (
            r().deadline(Duration::from_ticks(u32::MAX)),
            ConfigError::DeadlineTooLong,
            "deadline",
        ),
    ];
    for (cfg, err, field) in cases {
        let got = retry_err(cfg);
        assert_eq!(got, err);
        assert_eq!(got.field(), field);
        assert!(got.message().contains(field));
        assert!(got.to_string().starts_with("RetryConfig."));
    }
}

#[test]
fn defaults_from_the_spec_are_valid() {
    let b = BreakerConfig::new("payment_processor");
    assert_eq!(b.failure_threshold, 5);
    assert_eq!(b.reset_timeout, Duration::from_secs(60));
    assert_eq!(b.half_open_timeout, Duration::from_secs(30));
    assert_eq!(
        (b.half_open_permits, b.effective_successes_to_close()),
        (1, 1)
    );
    assert!(b.validate().is_ok());
    let r = RetryConfig::new("payment_retry");
    assert_eq!(r.max_attempts, 3);
    assert_eq!(r.initial_delay, Duration::from_secs(1));
    assert_eq!(r.max_delay, Duration::from_secs(10));
    assert_eq!(r.backoff_factor, BackoffFactor::integer(2));
    assert!(r.validate().is_ok());
}

#[test]
fn arbitrary_values_never_panic() {
    // A coarse sweep; the fuzz target explores the rest.
    let values = [
        0u32,
        1,
        2,
        31,
        32,
        63,
        64,
        511,
        512,
        MAX_TIMEOUT_MS,
        MAX_TIMEOUT_MS + 1,
        u32::MAX,
    ];
    for &a in &values {
        for &b in &values {
            let _ = BreakerConfig::new("x")
                .failure_threshold(a)
                .half_open_permits(b)
                .successes_to_close(a)
                .reset_timeout(Duration::from_ticks(b))
                .half_open_timeout(Duration::from_ticks(a))
                .validate();
            let _ = RetryConfig::new("x")
                .max_attempts(a)
                .initial_delay(Duration::from_ticks(a))
                .max_delay(Duration::from_ticks(b))
                .backoff_factor(BackoffFactor::from_raw(b))
                .deadline(Duration::from_ticks(a))
                .validate();
        }
    }
}

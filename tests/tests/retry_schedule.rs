//! The backoff schedule: `min(max_delay, initial_delay * factor^(n-1))` in
//! integer milliseconds, jitter within its bounds and clamped after, the
//! same seed giving the same delays.
use totem_core::{validated, BackoffFactor, Duration, Jitter, ManualClock, Retry, RetryConfig};

fn delays(retry: &Retry<ManualClock>) -> Vec<u32> {
    retry.schedule().map(|d| d.as_ticks()).collect()
}

fn retry(cfg: RetryConfig, seed: u64) -> Retry<ManualClock> {
    Retry::new(cfg.validate().unwrap(), ManualClock::new(), seed)
}

#[test]
fn spec_defaults_give_one_then_two_seconds() {
    // 3 attempts counting the first call: 2 delays.
    assert_eq!(delays(&retry(RetryConfig::new("x"), 1)), [1_000, 2_000]);
}

#[test]
fn capped_at_max_delay() {
    let r = retry(RetryConfig::new("x").max_attempts(8), 1);
    assert_eq!(
        delays(&r),
        [1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000]
    );
}

#[test]
fn fractional_factor_in_fixed_point() {
    let r = retry(
        RetryConfig::new("x")
            .max_attempts(6)
            .initial_delay(Duration::from_millis(1_000))
            .max_delay(Duration::from_secs(60))
            .backoff_factor(BackoffFactor::ratio(3, 2)),
        1,
    );
    assert_eq!(delays(&r), [1_000, 1_500, 2_250, 3_375, 5_062]);
}

#[test]
fn factor_one_is_constant() {
    let r = retry(
        RetryConfig::new("x")
            .max_attempts(4)
            .backoff_factor(BackoffFactor::integer(1)),
        1,
    );
    assert_eq!(delays(&r), [1_000, 1_000, 1_000]);
}

#[test]
fn jitter_stays_in_bounds_and_under_max_delay() {
    for seed in 0..200u64 {
        let cfg = RetryConfig::new("x").max_attempts(10);
        let exact = delays(&retry(cfg, seed));
        let full = delays(&retry(cfg.jitter(Jitter::Full), seed));
        let equal = delays(&retry(cfg.jitter(Jitter::Equal), seed));
        let decorrelated = delays(&retry(cfg.jitter(Jitter::Decorrelated), seed));
        for i in 0..exact.len() {
            assert!(full[i] <= exact[i]);
            assert!(equal[i] >= exact[i] / 2 && equal[i] <= exact[i]);
            assert!(decorrelated[i] >= 1_000 && decorrelated[i] <= 10_000);
        }
    }
}

#[test]
fn decorrelated_grows_from_the_previous_delay() {
    for seed in 0..100u64 {
        let d = delays(&retry(
            RetryConfig::new("x")
                .max_attempts(10)
                .max_delay(Duration::from_secs(3_600))
                .jitter(Jitter::Decorrelated),
            seed,
        ));
        for w in d.windows(2) {
            assert!(w[1] <= w[0].saturating_mul(3), "{d:?}");
        }
    }
}

#[test]
fn same_seed_same_delays_different_seed_different_delays() {
    let cfg = RetryConfig::new("x").max_attempts(10).jitter(Jitter::Full);
    assert_eq!(delays(&retry(cfg, 42)), delays(&retry(cfg, 42)));
    assert_ne!(delays(&retry(cfg, 42)), delays(&retry(cfg, 43)));
}

#[test]
fn static_retry_reseeded_at_boot() {
    static CLOCK: ManualClock = ManualClock::new();
    static RETRY: Retry<&ManualClock> = Retry::new(
        validated!(RetryConfig::new("modem")
            .max_attempts(6)
            .jitter(Jitter::Equal)),
        &CLOCK,
        0,
    );
    RETRY.reseed(0x1234_5678_9abc);
    let a: Vec<_> = RETRY.schedule().collect();
    RETRY.reseed(0x1234_5678_9abc);
    let b: Vec<_> = RETRY.schedule().collect();
    assert_eq!(a, b);
}

#[test]
fn saturation_never_overflows() {
    let r = retry(
        RetryConfig::new("x")
            .max_attempts(64)
            .initial_delay(Duration::from_ticks(totem_core::MAX_DELAY_MS))
            .max_delay(Duration::from_ticks(totem_core::MAX_DELAY_MS))
            .backoff_factor(BackoffFactor::from_raw(u32::MAX)),
        1,
    );
    assert!(delays(&r).iter().all(|&d| d == totem_core::MAX_DELAY_MS));
}

//! Properties of retry, for random configurations, seeds and failure
//! patterns: the schedule without jitter is monotone and capped (and is the
//! exponential `min(max_delay, initial_delay * factor^(n-1))`); every jitter
//! kind stays in its bounds; the same seed gives the same delays; the
//! deadline is never overslept; attempts never exceed `max_attempts`.
//!
//! 10,000 cases per property by default; `TOTEM_PROPTEST_CASES` for more.

use std::cell::Cell;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use totem_core::MAX_DELAY_MS;
use totem_core::{
    BackoffFactor, Clock, Duration, GiveUp, Jitter, ManualClock, Retry, RetryConfig, Valid,
};

fn runner() -> TestRunner {
    let cases = std::env::var("TOTEM_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

fn run<S: Strategy>(strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>) {
    if let Err(e) = runner().run(&strategy, test) {
        panic!("{e}");
    }
}

fn millis() -> impl Strategy<Value = u32> {
    prop_oneof![
        3 => 0u32..=100,
        2 => 0u32..=100_000,
        1 => any::<u32>().prop_map(|v| v % (MAX_DELAY_MS + 1)),
        1 => Just(MAX_DELAY_MS),
    ]
}

fn factor() -> impl Strategy<Value = BackoffFactor> {
    prop_oneof![
        (1u32..=4).prop_map(BackoffFactor::integer),
        (1u32..=8, 1u32..=8).prop_map(|(a, b)| BackoffFactor::ratio(a.max(b), a.min(b))),
        ((1u32 << 16)..=u32::MAX).prop_map(BackoffFactor::from_raw),
    ]
}

fn jitter() -> impl Strategy<Value = Jitter> {
    prop_oneof![
        Just(Jitter::None),
        Just(Jitter::Full),
        Just(Jitter::Equal),
        Just(Jitter::Decorrelated),
    ]
}

/// A valid config: 1 ≤ initial ≤ max ≤ MAX_DELAY_MS, factor ≥ 1.
fn config() -> impl Strategy<Value = RetryConfig> {
    (1u32..=24, millis(), millis(), factor(), jitter()).prop_map(|(attempts, a, b, f, j)| {
        RetryConfig::new("prop")
            .max_attempts(attempts)
            .initial_delay(Duration::from_ticks(a.min(b).max(1)))
            .max_delay(Duration::from_ticks(a.max(b).max(1)))
            .backoff_factor(f)
            .jitter(j)
    })
}

fn delays(cfg: RetryConfig, seed: u64) -> Vec<u32> {
    let clock = ManualClock::new();
    let retry = Retry::new(valid(cfg), &clock, seed);
    retry.schedule().map(|d| d.as_ticks()).collect()
}

fn valid(cfg: RetryConfig) -> Valid<RetryConfig> {
    cfg.validate().expect("the strategy makes valid configs")
}

/// `min(max, initial * factor^(n-1))` with the factor in 16.16 fixed point,
/// exactly (u128, no intermediate rounding).
fn exact_bound(cfg: &RetryConfig, n: u32) -> u128 {
    let max = cfg.max_delay.as_ticks() as u128;
    let mut v = (cfg.initial_delay.as_ticks() as u128) << 16;
    for _ in 1..n {
        v = (v * cfg.backoff_factor.raw() as u128) >> 16;
        if v >> 16 >= max {
            return max;
        }
    }
    (v >> 16).min(max)
}

#[test]
fn prop_schedule_without_jitter_is_monotone_capped_and_exponential() {
    run((config(), any::<u64>()), |(cfg, seed)| {
        let cfg = cfg.jitter(Jitter::None);
        let d = delays(cfg, seed);
        let max = cfg.max_delay.as_ticks();
        prop_assert_eq!(d.len() as u32, cfg.max_attempts - 1);
        if let Some(&first) = d.first() {
            prop_assert_eq!(first, cfg.initial_delay.as_ticks());
        }
        for w in d.windows(2) {
            prop_assert!(w[0] <= w[1], "not monotone: {:?}", d);
        }
        for (i, &x) in d.iter().enumerate() {
            prop_assert!(x <= max, "above max_delay: {:?}", d);
            let n = i as u32 + 1;
            // Never above the exact exponential; an integer factor is exact.
            prop_assert!(x as u128 <= exact_bound(&cfg, n), "{:?} at {}", d, n);
            if cfg.backoff_factor.raw() & 0xFFFF == 0 {
                prop_assert_eq!(x as u128, exact_bound(&cfg, n), "{:?}", d);
            }
        }
        Ok(())
    });
}

#[test]
fn prop_every_jitter_kind_stays_in_its_bounds() {
    run((config(), jitter(), any::<u64>()), |(cfg, j, seed)| {
        let base = delays(cfg.jitter(Jitter::None), seed);
        let d = delays(cfg.jitter(j), seed);
        let (initial, max) = (cfg.initial_delay.as_ticks(), cfg.max_delay.as_ticks());
        prop_assert_eq!(d.len(), base.len());
        let mut prev = initial;
        for (&x, &b) in d.iter().zip(&base) {
            prop_assert!(x <= max);
            match j {
                Jitter::None => prop_assert_eq!(x, b),
                Jitter::Full => prop_assert!(x <= b, "full: {} > {}", x, b),
                Jitter::Equal => prop_assert!(b / 2 <= x && x <= b, "equal: {} vs {}", x, b),
                Jitter::Decorrelated => {
                    let hi = prev.saturating_mul(3).max(initial).min(max);
                    prop_assert!(
                        initial <= x && x <= hi,
                        "decorrelated: {} not in [{}, {}]",
                        x,
                        initial,
                        hi
                    );
                    prev = x;
                }
            }
        }
        Ok(())
    });
}

#[test]
fn prop_same_seed_same_delays() {
    run((config(), any::<u64>()), |(cfg, seed)| {
        prop_assert_eq!(delays(cfg, seed), delays(cfg, seed));
        Ok(())
    });
}

/// One retried call whose attempts take `work[i]` ms each and always fail,
/// on a clock that sleeping advances. Returns (attempts made, what the
/// caller saw, the clock at each sleep's end relative to the call's start).
fn failing_call(
    cfg: RetryConfig,
    seed: u64,
    work: &[u32],
) -> (u32, totem_core::RetryError<u32>, Vec<u64>) {
    let clock = ManualClock::starting_at(u32::MAX - 1_000); // across the wrap
    let start = clock.now();
    let retry = Retry::new(valid(cfg), &clock, seed);
    let calls = Cell::new(0u32);
    let wakes = std::cell::RefCell::new(Vec::new());
    let since_start = |c: &ManualClock| c.now().as_ticks().wrapping_sub(start.as_ticks()) as u64;
    let err = retry
        .call(
            &|d: Duration| {
                clock.advance(d);
                wakes.borrow_mut().push(since_start(&clock));
            },
            || {
                let n = calls.get();
                calls.set(n + 1);
                clock.advance(Duration::from_ticks(work[n as usize % work.len()]));
                Err::<(), u32>(n)
            },
        )
        .unwrap_err();
    (calls.get(), err, wakes.into_inner())
}

#[test]
fn prop_attempts_never_exceed_max_and_the_last_error_is_returned() {
    run(
        (
            config(),
            any::<u64>(),
            prop::collection::vec(0u32..50, 1..8),
        ),
        |(cfg, seed, work)| {
            let (calls, err, wakes) = failing_call(cfg, seed, &work);
            prop_assert!(calls <= cfg.max_attempts);
            prop_assert_eq!(err.attempts, calls);
            prop_assert_eq!(err.error, calls - 1, "the last attempt's error");
            prop_assert_eq!(wakes.len() as u32, calls - 1, "one sleep between attempts");
            prop_assert_eq!(err.reason, GiveUp::Exhausted);
            prop_assert_eq!(calls, cfg.max_attempts);
            Ok(())
        },
    );
}

#[test]
fn prop_deadline_is_never_overslept() {
    run(
        (
            config(),
            millis().prop_map(|d| d.max(1)),
            any::<u64>(),
            prop::collection::vec(0u32..50, 1..8),
        ),
        |(cfg, deadline, seed, work)| {
            let cfg = cfg.deadline(Duration::from_ticks(deadline));
            let (calls, err, wakes) = failing_call(cfg, seed, &work);
            prop_assert!(calls <= cfg.max_attempts);
            prop_assert_eq!(err.attempts, calls);
            // Every sleep ends within the deadline, counted from the start
            // of the call (the first attempt's own time included).
            for &w in &wakes {
                prop_assert!(
                    w <= deadline as u64,
                    "woke at {} ms, deadline {} ms ({:?})",
                    w,
                    deadline,
                    wakes
                );
            }
            // It gives up early only because of the deadline.
            if calls < cfg.max_attempts {
                prop_assert_eq!(err.reason, GiveUp::Deadline);
            }
            Ok(())
        },
    );
}

//! Real threads racing on one retry budget: the counts are exact, not
//! approximately right. Bounded (4 threads × 50 000 operations each), on a
//! fixed instant, asserting counts only.
use std::sync::Barrier;
use std::thread;

use totem_core::{Instant, RetryBudget, RetryBudgetConfig, MAX_BUDGET_RETRIES};

const THREADS: usize = 4;
const PER_THREAD: usize = 50_000;

/// Runs `THREADS` threads, each calling `op` `PER_THREAD` times once all
/// have started, and returns how many calls returned true.
fn race(op: impl Fn(usize) -> bool + Sync) -> u64 {
    let start = Barrier::new(THREADS);
    thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (start, op) = (&start, &op);
                s.spawn(move || {
                    start.wait();
                    (0..PER_THREAD).filter(|_| op(t)).count() as u64
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

#[test]
fn racing_withdrawals_take_exactly_what_the_budget_holds() {
    let budget = RetryBudget::try_new(
        RetryBudgetConfig::new()
            .retry_percent(0)
            .min_per_second(MAX_BUDGET_RETRIES)
            .max_retries(MAX_BUDGET_RETRIES),
    )
    .unwrap();
    let now = Instant::from_ticks(0);
    let granted = race(|_| budget.try_withdraw(now));
    assert_eq!(granted, u64::from(MAX_BUDGET_RETRIES));
    assert_eq!(budget.available(now), 0);
}

#[test]
fn racing_deposits_and_withdrawals_conserve_every_hundredth() {
    // Two threads deposit 50 000 calls each at 1 %: 1 000 retries in all,
    // exactly the cap, so no deposit is dropped. Two threads withdraw
    // meanwhile. Whatever the interleaving, what was granted plus what is
    // left is what was deposited.
    let budget = RetryBudget::try_new(
        RetryBudgetConfig::new()
            .retry_percent(1)
            .min_per_second(0)
            .max_retries(MAX_BUDGET_RETRIES),
    )
    .unwrap();
    let now = Instant::from_ticks(0);
    let granted = race(|t| {
        if t % 2 == 0 {
            budget.deposit();
            false
        } else {
            budget.try_withdraw(now)
        }
    });
    let left = u64::from(budget.available(now));
    assert_eq!(
        granted + left,
        u64::from(MAX_BUDGET_RETRIES),
        "granted {granted}, left {left}"
    );
}

#[test]
fn a_new_seconds_floor_is_applied_once_however_many_race_for_it() {
    // Empty at second 0; every thread withdraws at second 1: the floor's
    // 100 retries, and not one more.
    let budget = RetryBudget::try_new(
        RetryBudgetConfig::new()
            .retry_percent(1)
            .min_per_second(100)
            .max_retries(100),
    )
    .unwrap();
    let t0 = Instant::from_ticks(0);
    while budget.try_withdraw(t0) {}
    let t1 = Instant::from_ticks(1_000);
    assert_eq!(race(|_| budget.try_withdraw(t1)), 100);
}

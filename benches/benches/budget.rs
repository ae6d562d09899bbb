//! The retry budget's cost: one withdrawal, one deposit, and the pair a
//! retried call makes, Totem's `RetryBudget` beside tower's `TpsBudget`
//! (tower 0.5, feature `retry`) in the same run.
//!
//! What each side does per operation:
//! - Totem: one `AtomicU32`; a withdrawal is one compare-exchange loop
//!   (load, decide, CAS), a deposit the same, or a load alone when the
//!   budget is full. The time comes from the caller: the retry reads its
//!   own clock before a withdrawal (the rows "+ clock" include that read,
//!   on `totem_std::DefaultClock`), a deposit reads none.
//! - tower: every deposit and withdrawal reads `Instant::now()` and locks a
//!   `Mutex` to expire old slots, then sums ten slots and a writer, then
//!   (withdrawal) subtracts: a check and a subtraction in two steps.
//!
//! Rows:
//! - `withdraw_granted`: one withdrawal that succeeds. Totem's is asked at
//!   a new clock second each time, so the floor pays for it (the same one
//!   compare-exchange, with the floor applied in it); tower's has a reserve
//!   too large to run out.
//! - `withdraw_denied`: one withdrawal from an empty budget.
//! - `deposit`: one call's share (Totem's budget full: a load; tower
//!   always adds).
//! - `deposit_withdraw`: a deposit and a withdrawal it pays for, at 100 %,
//!   what a call that retries once costs in budget work.
//! - `retry_first_ok`: a retried call whose first attempt succeeds, without
//!   a budget and with a full one.
//!
//! Run: `cargo bench -p totem-benches --bench budget -- --noplot`.

use std::hint::black_box;
use std::time::Duration as StdDuration;

use criterion::Criterion;
use totem_benches::report::{print_table, row};
use totem_core::{Clock, Instant, RetryBudget, RetryBudgetConfig};
use totem_std::DefaultClock;
use tower::retry::budget::{Budget, TpsBudget};

fn totem(percent: u32, floor: u32) -> RetryBudget {
    RetryBudget::try_new(
        RetryBudgetConfig::new()
            .retry_percent(percent)
            .min_per_second(floor)
            .max_retries(100.max(floor)),
    )
    .expect("valid config")
}

/// tower's budget with a 10 s window (its default), `min_per_sec` and
/// `retry_percent` (a ratio, 1.0 = 100 %).
fn tower(min_per_sec: u32, retry_percent: f32) -> TpsBudget {
    TpsBudget::new(StdDuration::from_secs(10), min_per_sec, retry_percent)
}

fn withdraw_granted(c: &mut Criterion) {
    let mut g = c.benchmark_group("budget_withdraw_granted");
    let b = totem(1, 1);
    let mut ms = 0u32;
    g.bench_function("totem", |bench| {
        bench.iter(|| {
            ms = ms.wrapping_add(1_000);
            b.try_withdraw(black_box(Instant::from_ticks(ms)))
        })
    });
    // A reserve of i32::MAX / 2 a second over 10 s: never runs out.
    let t = tower(i32::MAX as u32 / 2, 0.2);
    g.bench_function("tower", |bench| bench.iter(|| black_box(&t).withdraw()));
    g.finish();
}

fn withdraw_denied(c: &mut Criterion) {
    let mut g = c.benchmark_group("budget_withdraw_denied");
    let b = totem(1, 0);
    let now = Instant::from_ticks(0);
    g.bench_function("totem", |bench| {
        bench.iter(|| black_box(&b).try_withdraw(black_box(now)))
    });
    let clock = DefaultClock::default();
    g.bench_function("totem_clock", |bench| {
        bench.iter(|| black_box(&b).try_withdraw(clock.now()))
    });
    let t = tower(0, 0.0);
    g.bench_function("tower", |bench| bench.iter(|| black_box(&t).withdraw()));
    g.finish();
}

fn deposit(c: &mut Criterion) {
    let mut g = c.benchmark_group("budget_deposit");
    let b = totem(20, 10);
    for _ in 0..1_000 {
        b.deposit();
    }
    g.bench_function("totem_full", |bench| bench.iter(|| black_box(&b).deposit()));
    let t = tower(10, 0.2);
    g.bench_function("tower", |bench| bench.iter(|| black_box(&t).deposit()));
    g.finish();
}

fn deposit_withdraw(c: &mut Criterion) {
    let mut g = c.benchmark_group("budget_deposit_withdraw");
    let b = totem(100, 0);
    let now = Instant::from_ticks(0);
    g.bench_function("totem", |bench| {
        bench.iter(|| {
            let b = black_box(&b);
            b.deposit();
            b.try_withdraw(black_box(now))
        })
    });
    let clock = DefaultClock::default();
    g.bench_function("totem_clock", |bench| {
        bench.iter(|| {
            let b = black_box(&b);
            b.deposit();
            b.try_withdraw(clock.now())
        })
    });
    let t = tower(0, 1.0);
    g.bench_function("tower", |bench| {
        bench.iter(|| {
            let t = black_box(&t);
            t.deposit();
            t.withdraw()
        })
    });
    g.finish();
}

/// The retry's first attempt succeeding, without a budget and with one
/// (full, so the deposit is a load): what a budget adds to a call that
/// needs no retry.
fn first_ok(c: &mut Criterion) {
    use totem_benches::subjects::totem::{retry, retry_call};
    let mut g = c.benchmark_group("budget_retry_first_ok");
    let x = black_box(42u64);
    let without = retry(true);
    g.bench_function("totem_no_budget", |bench| {
        bench.iter(|| retry_call(&without, x))
    });
    let budget: &'static RetryBudget = Box::leak(Box::new(totem(20, 10)));
    for _ in 0..1_000 {
        budget.deposit();
    }
    let with = retry(true).with_budget(budget);
    g.bench_function("totem_budget_full", |bench| {
        bench.iter(|| retry_call(&with, x))
    });
    g.finish();
}

fn tables() {
    let pairs = [
        ("One withdrawal, granted", "budget_withdraw_granted"),
        (
            "One withdrawal, denied (empty budget)",
            "budget_withdraw_denied",
        ),
        ("One deposit", "budget_deposit"),
        (
            "A deposit and the withdrawal it pays for",
            "budget_deposit_withdraw",
        ),
    ];
    print_table(
        "Retry whose first attempt succeeds, with and without a budget",
        &[
            row(
                "**Totem**, no budget",
                "budget_retry_first_ok",
                "totem_no_budget",
            ),
            row(
                "**Totem**, budget (full: the deposit is a load)",
                "budget_retry_first_ok",
                "totem_budget_full",
            ),
        ],
        &[row("no budget", "budget_retry_first_ok", "totem_no_budget")],
    );
    for (title, group) in pairs {
        let tower = row("tower TpsBudget", group, "tower");
        print_table(
            title,
            &[
                row("**Totem** RetryBudget", group, "totem"),
                row("**Totem** RetryBudget, budget full", group, "totem_full"),
                row(
                    "**Totem** RetryBudget + DefaultClock read",
                    group,
                    "totem_clock",
                ),
                tower,
            ],
            &[tower],
        );
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    withdraw_granted(&mut c);
    withdraw_denied(&mut c);
    deposit(&mut c);
    deposit_withdraw(&mut c);
    first_ok(&mut c);
    c.final_summary();
    if std::env::args().any(|a| a == "--bench") {
        tables();
    }
}

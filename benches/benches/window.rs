//! The failure-rate policy's cost on the CLOSED path: a successful call
//! through Totem's breaker with a sliding window, beside the default
//! consecutive-failure policy and recloser (whose breaker is a failure-rate
//! policy over a ring buffer of the last 100 calls), in the same run.
//!
//! What each side does per successful call:
//! - Totem, consecutive policy (the default): one load of the state word
//!   and one counter increment, no clock.
//! - Totem, count window (the last 100 calls in 32 buckets, `failure_rate`
//!   50 %): the same, then one call number (`fetch_add`), one
//!   compare-exchange on the bucket, a fence, and the sum of the buckets to
//!   judge the rate; no clock.
//! - Totem, time window (60 s in 10 buckets): as the count window, with one
//!   clock reading instead of the call number.
//! - Totem, slow calls (count window, 2 s): two clock readings more, at the
//!   start and the end of the call.
//! - recloser 1.4 (`Recloser::default()`: a ring of 100 calls, 50 %): an
//!   epoch guard (crossbeam-epoch), a load of the state, and the ring
//!   buffer's update of its slot and its failure count.
//!
//! Run: `cargo bench -p totem-benches --bench window -- --noplot`.

use std::hint::black_box;

use criterion::Criterion;
use totem_benches::report::{print_table, row};
use totem_benches::subjects::{recloser, totem};
use totem_core::{BreakerConfig, CircuitBreaker, Duration, RateWindow, SlidingWindow};
use totem_std::DefaultClock;

fn windowed(config: BreakerConfig) -> CircuitBreaker<DefaultClock> {
    CircuitBreaker::try_new(config, DefaultClock::default()).expect("valid config")
}

fn storage<const B: usize>() -> totem_core::WindowStorage {
    Box::leak(Box::new(RateWindow::<B>::new())).storage()
}

fn closed_success(c: &mut Criterion) {
    let mut g = c.benchmark_group("window_closed_success");
    let x = black_box(42u64);
    let consecutive = totem::new();
    g.bench_function("totem_consecutive", |b| {
        b.iter(|| totem::call(&consecutive, x))
    });
    let count = windowed(
        BreakerConfig::new("bench")
            .sliding_window(SlidingWindow::Calls(100), storage::<32>())
            .failure_rate(50)
            .minimum_calls(100),
    );
    g.bench_function("totem_count_window", |b| b.iter(|| totem::call(&count, x)));
    let time = windowed(
        BreakerConfig::new("bench")
            .sliding_window(
                SlidingWindow::Time(Duration::from_secs(60)),
                storage::<10>(),
            )
            .failure_rate(50)
            .minimum_calls(100),
    );
    g.bench_function("totem_time_window", |b| b.iter(|| totem::call(&time, x)));
    let slow = windowed(
        BreakerConfig::new("bench")
            .sliding_window(SlidingWindow::Calls(100), storage::<32>())
            .slow_calls(Duration::from_secs(2), 80)
            .minimum_calls(100),
    );
    g.bench_function("totem_slow_calls", |b| b.iter(|| totem::call(&slow, x)));
    let r = recloser::new();
    g.bench_function("recloser", |b| b.iter(|| recloser::call(&r, x)));
    g.finish();
}

fn tables() {
    let group = "window_closed_success";
    let recloser = row("recloser (ring of 100 calls, 50 %)", group, "recloser");
    print_table(
        "A successful call, CLOSED, with a failure-rate policy",
        &[
            row(
                "**Totem**, consecutive failures (the default)",
                group,
                "totem_consecutive",
            ),
            row(
                "**Totem**, count window (100 calls, 32 buckets, 50 %)",
                group,
                "totem_count_window",
            ),
            row(
                "**Totem**, time window (60 s, 10 buckets, 50 %)",
                group,
                "totem_time_window",
            ),
            row(
                "**Totem**, slow calls (count window, 2 s, 80 %)",
                group,
                "totem_slow_calls",
            ),
            recloser,
        ],
        &[recloser],
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    closed_success(&mut c);
    c.final_summary();
    if std::env::args().any(|a| a == "--bench") {
        tables();
    }
}

//! Single-thread speed: Totem, the baselines and the peers in one criterion run.
//!
//! Every subject wraps `|| Ok::<_, ()>(black_box(x))` (see `totem_benches::op`).
//! After criterion finishes (`cargo bench`, not `cargo test`), the ratio tables
//! are printed from the estimates this run just wrote.

use criterion::Criterion;
use std::hint::black_box;
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;
use totem_benches::report::{print_table, Row};
use totem_benches::subjects::{backoff, backon, baseline, cbrs, failsafe, recloser};

fn baselines(c: &mut Criterion) {
    let mut g = c.benchmark_group("baseline");
    let x = black_box(42u64);
    g.bench_function("plain", |b| b.iter(|| baseline::plain(x)));
    let counter = AtomicU64::new(0);
    g.bench_function("fetch_add", |b| b.iter(|| baseline::fetch_add(&counter, x)));
    let m = Mutex::new(0u64);
    g.bench_function("mutex", |b| b.iter(|| baseline::mutex(&m, x)));
    g.bench_function("instant_now", |b| b.iter(baseline::instant_now));
    g.finish();
}

fn closed_success(c: &mut Criterion) {
    let mut g = c.benchmark_group("closed_success");
    let x = black_box(42u64);
    let fs = failsafe::new();
    g.bench_function("failsafe", |b| b.iter(|| failsafe::call(&fs, x)));
    let rc = recloser::new();
    g.bench_function("recloser", |b| b.iter(|| recloser::call(&rc, x)));
    let cb = cbrs::new();
    g.bench_function("circuitbreaker_rs", |b| b.iter(|| cbrs::call(&cb, x)));
    g.finish();
}

fn open_rejection(c: &mut Criterion) {
    let mut g = c.benchmark_group("open_rejection");
    let x = black_box(42u64);
    let fs = failsafe::new_open();
    g.bench_function("failsafe", |b| b.iter(|| failsafe::call(&fs, x)));
    let rc = recloser::new_open();
    g.bench_function("recloser", |b| b.iter(|| recloser::call(&rc, x)));
    let cb = cbrs::new_open();
    g.bench_function("circuitbreaker_rs", |b| b.iter(|| cbrs::call(&cb, x)));
    g.finish();
}

fn retry_first_ok(c: &mut Criterion) {
    let mut g = c.benchmark_group("retry_first_ok");
    let x = black_box(42u64);
    g.bench_function("backon", |b| b.iter(|| backon::call(x)));
    let policy = backoff::new();
    g.bench_function("backoff", |b| b.iter(|| backoff::call(&policy, x)));
    g.finish();
}

fn breaker_retry(c: &mut Criterion) {
    let mut g = c.benchmark_group("breaker_retry");
    let x = black_box(42u64);
    let fs = failsafe::new();
    g.bench_function("failsafe_backon", |b| {
        b.iter(|| {
            use ::failsafe::CircuitBreaker;
            fs.call(|| backon::call_with(|| totem_benches::op::ok::<()>(x)))
        })
    });
    let rc = recloser::new();
    g.bench_function("recloser_backon", |b| {
        b.iter(|| rc.call(|| backon::call_with(|| totem_benches::op::ok::<()>(x))))
    });
    g.finish();
}

const fn row(label: &'static str, group: &'static str, function: &'static str) -> Row {
    Row {
        label,
        group,
        function,
    }
}

fn tables() {
    let fetch_add = row("fetch_add", "baseline", "fetch_add");
    let now = row("Instant::now", "baseline", "instant_now");
    let backon = row("backon", "retry_first_ok", "backon");
    print_table(
        "Baselines",
        &[
            row("plain call", "baseline", "plain"),
            row("AtomicU64::fetch_add(Relaxed) + call", "baseline", "fetch_add"),
            row("Mutex<u64> lock + increment + call", "baseline", "mutex"),
            row("Instant::now()", "baseline", "instant_now"),
        ],
        &[fetch_add, now],
    );
    print_table(
        "Closed breaker, successful call",
        &[
            row("failsafe", "closed_success", "failsafe"),
            row("recloser", "closed_success", "recloser"),
            row("circuitbreaker-rs", "closed_success", "circuitbreaker_rs"),
        ],
        &[fetch_add],
    );
    print_table(
        "Open breaker, rejected call",
        &[
            row("failsafe", "open_rejection", "failsafe"),
            row("recloser", "open_rejection", "recloser"),
            row("circuitbreaker-rs", "open_rejection", "circuitbreaker_rs"),
        ],
        &[now],
    );
    print_table(
        "Retry whose first attempt succeeds",
        &[
            row("backon (blocking)", "retry_first_ok", "backon"),
            row("backoff `retry`", "retry_first_ok", "backoff"),
        ],
        &[backon, fetch_add],
    );
    print_table(
        "Breaker around retry",
        &[
            row("failsafe(backon(op))", "breaker_retry", "failsafe_backon"),
            row("recloser(backon(op))", "breaker_retry", "recloser_backon"),
        ],
        &[fetch_add],
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    baselines(&mut c);
    closed_success(&mut c);
    open_rejection(&mut c);
    retry_first_ok(&mut c);
    breaker_retry(&mut c);
    c.final_summary();
    if std::env::args().any(|a| a == "--bench") {
        tables();
    }
}

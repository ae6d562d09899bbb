//! Single-thread speed: Totem, the baselines and the peers in one criterion run.
//!
//! Every subject wraps `|| Ok::<_, ()>(black_box(x))` (see `totem_benches::op`).
//! After criterion finishes (`cargo bench`, not `cargo test`), the ratio tables
//! are printed from the estimates this run just wrote.

use criterion::Criterion;
use std::hint::black_box;
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;
use totem_benches::report::{print_table, row};
use totem_benches::subjects::{backoff, backon, baseline, cbrs, failsafe, recloser, totem};

fn baselines(c: &mut Criterion) {
    let mut g = c.benchmark_group("baseline");
    let x = black_box(42u64);
    g.bench_function("plain", |b| b.iter(|| baseline::plain(x)));
    let counter = AtomicU64::new(0);
    g.bench_function("fetch_add", |b| b.iter(|| baseline::fetch_add(&counter, x)));
    let m = Mutex::new(0u64);
    g.bench_function("mutex", |b| b.iter(|| baseline::mutex(&m, x)));
    g.bench_function("instant_now", |b| b.iter(baseline::instant_now));
    g.bench_function("std_clock_now", |b| b.iter(baseline::std_clock_now));
    g.bench_function("coarse_clock_now", |b| b.iter(baseline::coarse_clock_now));
    g.finish();
}

fn closed_success(c: &mut Criterion) {
    let mut g = c.benchmark_group("closed_success");
    let x = black_box(42u64);
    let tb = totem::new();
    g.bench_function("totem", |b| b.iter(|| totem::call(&tb, x)));
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
    let tb = totem::new_open();
    g.bench_function("totem", |b| b.iter(|| totem::call(&tb, x)));
    let ts = totem::new_open_on(totem::StdClock);
    g.bench_function("totem_std_clock", |b| b.iter(|| totem::call(&ts, x)));
    let fs = failsafe::new_open();
    g.bench_function("failsafe", |b| b.iter(|| failsafe::call(&fs, x)));
    let rc = recloser::new_open();
    g.bench_function("recloser", |b| b.iter(|| recloser::call(&rc, x)));
    let cb = cbrs::new_open();
    g.bench_function("circuitbreaker_rs", |b| b.iter(|| cbrs::call(&cb, x)));
    g.finish();
}

fn half_open_rejection(c: &mut Criterion) {
    let mut g = c.benchmark_group("half_open_rejection");
    let x = black_box(42u64);
    totem::with_half_open_probe_taken(|tb| {
        g.bench_function("totem", |b| b.iter(|| totem::call(tb, x)));
    });
    g.finish();
}

fn retry_first_ok(c: &mut Criterion) {
    let mut g = c.benchmark_group("retry_first_ok");
    let x = black_box(42u64);
    let on = totem::retry(true);
    g.bench_function("totem_metrics_on", |b| b.iter(|| totem::retry_call(&on, x)));
    let off = totem::retry(false);
    g.bench_function("totem_metrics_off", |b| {
        b.iter(|| totem::retry_call(&off, x))
    });
    g.bench_function("backon", |b| b.iter(|| backon::call(x)));
    let policy = backoff::new();
    g.bench_function("backoff", |b| b.iter(|| backoff::call(&policy, x)));
    g.finish();
}

fn breaker_retry(c: &mut Criterion) {
    let mut g = c.benchmark_group("breaker_retry");
    let x = black_box(42u64);
    let (tb, tr) = (totem::new(), totem::retry(true));
    g.bench_function("totem", |b| b.iter(|| totem::breaker_retry(&tb, &tr, x)));
    g.bench_function("totem_retry_through", |b| {
        b.iter(|| totem::retry_through(&tb, &tr, x))
    });
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

fn tables() {
    let fetch_add = row("fetch_add", "baseline", "fetch_add");
    let now = row("Instant::now", "baseline", "instant_now");
    let backon = row("backon", "retry_first_ok", "backon");
    print_table(
        "Baselines",
        &[
            row("plain call", "baseline", "plain"),
            row(
                "AtomicU64::fetch_add(Relaxed) + call",
                "baseline",
                "fetch_add",
            ),
            row("Mutex<u64> lock + increment + call", "baseline", "mutex"),
            row("Instant::now()", "baseline", "instant_now"),
            row("totem_std::StdClock.now()", "baseline", "std_clock_now"),
            row(
                "totem_std::CoarseClock.now() (the default clock)",
                "baseline",
                "coarse_clock_now",
            ),
        ],
        &[fetch_add, now],
    );
    print_table(
        "Closed breaker, successful call",
        &[
            row("**Totem**", "closed_success", "totem"),
            row("failsafe", "closed_success", "failsafe"),
            row("recloser", "closed_success", "recloser"),
            row("circuitbreaker-rs", "closed_success", "circuitbreaker_rs"),
        ],
        &[fetch_add],
    );
    print_table(
        "Open (and half-open) breaker, rejected call",
        &[
            row(
                "**Totem** (default clock: CoarseClock)",
                "open_rejection",
                "totem",
            ),
            row("Totem on StdClock", "open_rejection", "totem_std_clock"),
            row(
                "**Totem**, HALF_OPEN, probe slot taken (default clock)",
                "half_open_rejection",
                "totem",
            ),
            row("failsafe", "open_rejection", "failsafe"),
            row("recloser", "open_rejection", "recloser"),
            row("circuitbreaker-rs", "open_rejection", "circuitbreaker_rs"),
        ],
        &[now],
    );
    print_table(
        "Retry whose first attempt succeeds",
        &[
            row(
                "**Totem**, metrics on",
                "retry_first_ok",
                "totem_metrics_on",
            ),
            row(
                "**Totem**, metrics off",
                "retry_first_ok",
                "totem_metrics_off",
            ),
            row("backon (blocking)", "retry_first_ok", "backon"),
            row("backoff `retry`", "retry_first_ok", "backoff"),
        ],
        &[backon, fetch_add],
    );
    print_table(
        "Breaker around retry",
        &[
            row(
                "**Totem** `breaker.call(retry.call(op))`",
                "breaker_retry",
                "totem",
            ),
            row(
                "**Totem** `retry.call_through(&breaker, op)`",
                "breaker_retry",
                "totem_retry_through",
            ),
            row("failsafe(backon(op))", "breaker_retry", "failsafe_backon"),
            row("recloser(backon(op))", "breaker_retry", "recloser_backon"),
        ],
        &[fetch_add],
    );
}

/// The speed targets, as ratios within this run.
fn targets() {
    use totem_benches::report::median;
    let m = |g: &str, f: &str| median(g, f).map(|e| e.point);
    println!("\n### Targets (single thread)\n");
    println!("| target | measured | limit | verdict |");
    println!("|---|---:|---:|---|");
    let verdict = |name: &str, value: Option<f64>, limit: f64, unit: &str| match value {
        Some(v) => println!(
            "| {name} | {v:.2}{unit} | {limit:.2}{unit} | {} |",
            if v <= limit { "met" } else { "**missed**" }
        ),
        None => println!("| {name} | not run | {limit:.2}{unit} | - |"),
    };
    let ratio = |a: Option<f64>, b: Option<f64>| Some(a? / b?);
    let fetch_add = m("baseline", "fetch_add");
    verdict(
        "closed-path success ÷ fetch_add",
        ratio(m("closed_success", "totem"), fetch_add),
        1.3,
        "×",
    );
    verdict(
        "open rejection ÷ Instant::now (default clock)",
        ratio(m("open_rejection", "totem"), m("baseline", "instant_now")),
        1.1,
        "×",
    );
    verdict(
        "half-open rejection ÷ Instant::now (default clock)",
        ratio(
            m("half_open_rejection", "totem"),
            m("baseline", "instant_now"),
        ),
        1.1,
        "×",
    );
    verdict(
        "open rejection on StdClock ÷ Instant::now",
        ratio(
            m("open_rejection", "totem_std_clock"),
            m("baseline", "instant_now"),
        ),
        1.1,
        "×",
    );
    let off = m("retry_first_ok", "totem_metrics_off");
    let on = m("retry_first_ok", "totem_metrics_on");
    verdict(
        "retry, first attempt ok, metrics off ÷ backon",
        ratio(off, m("retry_first_ok", "backon")),
        1.0,
        "×",
    );
    // What the runtime `metrics` flag costs when off: the retry's first
    // attempt with metrics off against the bare operation (the flag's branch
    // and the first-attempt check are all that separates them).
    verdict(
        "retry metrics off − plain call (ns), limit = 0.5 ns",
        (|| Some(off? - m("baseline", "plain")?))(),
        0.5,
        " ns",
    );
    // "At most one atomic add more": metrics on minus metrics off, against
    // one fetch_add minus the plain call it wraps.
    let one_add = (|| Some(fetch_add? - m("baseline", "plain")?))();
    verdict(
        "retry metrics on − metrics off (ns), limit = one fetch_add",
        (|| Some(on? - off?))(),
        one_add.unwrap_or(f64::NAN),
        " ns",
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    baselines(&mut c);
    closed_success(&mut c);
    open_rejection(&mut c);
    half_open_rejection(&mut c);
    retry_first_ok(&mut c);
    breaker_retry(&mut c);
    c.final_summary();
    if std::env::args().any(|a| a == "--bench") {
        tables();
        println!(
            "\nCoarseClock resolution (CoarseClock::resolution()): {:?}",
            totem::CoarseClock::resolution()
        );
        targets();
    }
}

//! The tower breaker layer's cost: `totem_std::BreakerLayer` over a
//! trivial `service_fn`, against the bare core call it wraps, the bare
//! service, and tower-resilience's circuit breaker layer on the same service.
//!
//! One call is `poll_ready`, `call` and one poll of the returned future,
//! with a no-op waker: every subject here is ready at once (a future that
//! was not would fail the bench, not be measured), so no runtime is needed.
//! The service wraps the same operation as the other benches,
//! `Ok::<_, ()>(black_box(x))`.
//!
//! Run: `cargo bench -p totem-benches --bench tower -- --noplot`.

use std::future::{ready, Future, Ready};
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration as StdDuration;

use criterion::Criterion;
use totem_benches::op;
use totem_benches::report::{print_table, row};
use totem_core::{BreakerConfig, CircuitBreaker, Duration, State};
use totem_std::BreakerLayer;
use totem_std::DefaultClock;
use tower::{service_fn, Layer, Service};
use tower_resilience::circuitbreaker::CircuitBreakerLayer;

/// The trivial service every subject wraps.
fn trivial(
) -> impl Service<u64, Response = u64, Error = (), Future = Ready<Result<u64, ()>>> + Clone {
    service_fn(|x: u64| ready(op::ok::<()>(x)))
}

/// A service that always fails, to trip the breakers before a rejection
/// bench.
fn failing(
) -> impl Service<u64, Response = u64, Error = (), Future = Ready<Result<u64, ()>>> + Clone {
    service_fn(|_: u64| ready(op::err(())))
}

/// The value of a future that is ready at its first poll.
#[inline(always)]
fn now<F: Future>(future: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("a benched future must be ready at once"),
    }
}

/// One call through a tower service: readiness, call, one poll.
#[inline(always)]
fn call<S: Service<u64>>(svc: &mut S, x: u64) -> Result<S::Response, S::Error> {
    let mut cx = Context::from_waker(Waker::noop());
    match svc.poll_ready(&mut cx) {
        Poll::Ready(Ok(())) => now(svc.call(x)),
        Poll::Ready(Err(e)) => Err(e),
        Poll::Pending => panic!("a benched service must be ready at once"),
    }
}

/// The layers hold `&'static` breakers: made once per bench process.
fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

/// A Totem breaker as `totem_std::breaker` builds it (default settings,
/// default clock), with an hour's reset timeout so that OPEN lasts.
fn totem_breaker() -> &'static CircuitBreaker<DefaultClock> {
    let config = BreakerConfig::new("bench").reset_timeout(Duration::from_secs(3_600));
    leak(totem_std::breaker(config).expect("valid config"))
}

fn closed_success(c: &mut Criterion) {
    let mut g = c.benchmark_group("tower_closed_success");
    let x = black_box(42u64);

    let core = totem_breaker();
    g.bench_function("core_call", |b| b.iter(|| core.call(|| op::ok::<()>(x))));
    let core_async = totem_breaker();
    g.bench_function("core_call_async", |b| {
        b.iter(|| now(core_async.call_async(|| ready(op::ok::<()>(x)))))
    });

    let mut bare = trivial();
    g.bench_function("service_fn", |b| b.iter(|| call(&mut bare, x)));

    let mut totem = BreakerLayer::new(totem_breaker()).layer(trivial());
    g.bench_function("totem_layer", |b| b.iter(|| call(&mut totem, x)));

    let mut peer = CircuitBreakerLayer::builder()
        .build()
        .expect("valid config")
        .layer(trivial());
    g.bench_function("tower_resilience", |b| b.iter(|| call(&mut peer, x)));
    g.finish();
}

fn open_rejection(c: &mut Criterion) {
    let mut g = c.benchmark_group("tower_open_rejection");
    let x = black_box(42u64);

    let core = totem_breaker();
    while core.state() != State::Open {
        let _ = core.call(|| op::err(()));
    }
    g.bench_function("core_call", |b| b.iter(|| core.call(|| op::ok::<()>(x))));

    let breaker = totem_breaker();
    let mut totem = BreakerLayer::new(breaker).layer(failing());
    while breaker.state() != State::Open {
        let _ = call(&mut totem, x);
    }
    g.bench_function("totem_layer", |b| b.iter(|| call(&mut totem, x)));

    let mut peer = CircuitBreakerLayer::builder()
        .wait_duration_in_open(StdDuration::from_secs(3_600))
        .build()
        .expect("valid config")
        .layer(failing());
    // Its default window: 100 calls, half of them failed.
    for _ in 0..200 {
        let _ = call(&mut peer, x);
    }
    assert!(
        matches!(call(&mut peer, x), Err(e) if e.is_circuit_open()),
        "tower-resilience's breaker must be open"
    );
    g.bench_function("tower_resilience", |b| b.iter(|| call(&mut peer, x)));
    g.finish();
}

fn tables() {
    let core = row("core call", "tower_closed_success", "core_call");
    print_table(
        "Tower breaker layer, closed, successful call",
        &[
            row(
                "Totem core `breaker.call(op)`",
                "tower_closed_success",
                "core_call",
            ),
            row(
                "Totem core `call_async`, polled once",
                "tower_closed_success",
                "core_call_async",
            ),
            row(
                "bare `service_fn` (ready, call, poll)",
                "tower_closed_success",
                "service_fn",
            ),
            row(
                "**Totem** `BreakerLayer`",
                "tower_closed_success",
                "totem_layer",
            ),
            row(
                "tower-resilience `CircuitBreakerLayer`",
                "tower_closed_success",
                "tower_resilience",
            ),
        ],
        &[core],
    );
    let core = row("core call", "tower_open_rejection", "core_call");
    print_table(
        "Tower breaker layer, open, rejected call",
        &[
            row(
                "Totem core `breaker.call(op)`",
                "tower_open_rejection",
                "core_call",
            ),
            row(
                "**Totem** `BreakerLayer`",
                "tower_open_rejection",
                "totem_layer",
            ),
            row(
                "tower-resilience `CircuitBreakerLayer`",
                "tower_open_rejection",
                "tower_resilience",
            ),
        ],
        &[core],
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    closed_success(&mut c);
    open_rejection(&mut c);
    c.final_summary();
    if std::env::args().any(|a| a == "--bench") {
        tables();
    }
}

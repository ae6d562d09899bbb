//! Heap use: bytes and allocations at construction, allocations per call.
//!
//! A counting global allocator (`totem_benches::alloc_count`) is installed for
//! this binary only. Everything runs on the main thread, one subject at a time.

use std::cell::RefCell;
use std::future::{ready, Future};
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use totem_benches::alloc_count::{snapshot, Counting, Stats};
use totem_benches::op;
use totem_benches::subjects::{backoff, backon, cbrs, failsafe, recloser, totem};
use tower::{service_fn, Layer, Service};

#[global_allocator]
static ALLOC: Counting = Counting;

const CALLS: u64 = 100_000;

struct Line {
    name: &'static str,
    size_of: usize,
    construction: Stats,
    first_call: Stats,
    steady: Stats,
    rejection: Option<Stats>,
}

/// Builds with `new`, then calls `call` once (first call) and `CALLS` times.
fn measure<S>(name: &'static str, new: impl Fn() -> S, call: impl Fn(&S, u64)) -> Line {
    let s0 = snapshot();
    let subject = black_box(new());
    let s1 = snapshot();
    call(&subject, 0);
    let s2 = snapshot();
    for i in 1..=CALLS {
        call(&subject, black_box(i));
    }
    let s3 = snapshot();
    drop(subject);
    Line {
        name,
        size_of: std::mem::size_of::<S>(),
        construction: s1.since(s0),
        first_call: s2.since(s1),
        steady: s3.since(s2),
        rejection: None,
    }
}

/// Allocations per call of `call` on an already open breaker.
fn rejections<S>(new_open: impl Fn() -> S, call: impl Fn(&S, u64)) -> Stats {
    let subject = new_open();
    call(&subject, 0);
    let s0 = snapshot();
    for i in 1..=CALLS {
        call(&subject, black_box(i));
    }
    snapshot().since(s0)
}

/// One call through a tower service that is ready at once: readiness, call,
/// one poll with a no-op waker (as in the `tower` bench).
fn tower_call<S: Service<u64>>(svc: &RefCell<S>, x: u64) -> Option<Result<S::Response, S::Error>> {
    let mut svc = svc.borrow_mut();
    let mut cx = Context::from_waker(Waker::noop());
    match svc.poll_ready(&mut cx) {
        Poll::Ready(Ok(())) => match pin!(svc.call(x)).poll(&mut cx) {
            Poll::Ready(r) => Some(r),
            Poll::Pending => None,
        },
        _ => None,
    }
}

/// Totem's tower breaker layer over a trivial `service_fn`, on a breaker
/// leaked once as the layer expects (its construction is counted).
fn totem_tower(
    breaker: totem::Breaker,
) -> RefCell<impl Service<u64, Response = u64, Error = impl Sized>> {
    let breaker: &'static totem::Breaker = Box::leak(Box::new(breaker));
    RefCell::new(
        totem_std::BreakerLayer::new(breaker).layer(service_fn(|x: u64| ready(op::ok::<()>(x)))),
    )
}

/// tower-resilience's circuit breaker layer over the same service; opened
/// by failures when `open` (its default window: 100 calls, half failed).
fn tower_resilience(open: bool) -> RefCell<impl Service<u64, Response = u64, Error = impl Sized>> {
    let svc = service_fn(move |x: u64| ready(if open { op::err(()) } else { op::ok::<()>(x) }));
    let svc = RefCell::new(
        tower_resilience::circuitbreaker::CircuitBreakerLayer::builder()
            .wait_duration_in_open(std::time::Duration::from_secs(3_600))
            .build()
            .expect("valid config")
            .layer(svc),
    );
    for x in 0..if open { 200 } else { 0 } {
        let _ = tower_call(&svc, x);
    }
    svc
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("alloc: not run (pass --bench, as `cargo bench` does)");
        return;
    }
    let mut lines = Vec::new();

    let mut l = measure("**Totem** breaker", totem::new, |b, x| {
        black_box(totem::call(b, x)).ok();
    });
    l.rejection = Some(rejections(totem::new_open, |b, x| {
        black_box(totem::call(b, x)).ok();
    }));
    lines.push(l);
    lines.push(measure(
        "**Totem** retry (metrics on)",
        || totem::retry(true),
        |r, x| {
            black_box(totem::retry_call(r, x)).ok();
        },
    ));
    lines.push(measure(
        "**Totem** breaker + retry",
        || (totem::new(), totem::retry(true)),
        |(b, r), x| {
            black_box(totem::breaker_retry(b, r, x)).ok();
        },
    ));

    let mut l = measure(
        "**Totem** tower `BreakerLayer` (ready, call, poll)",
        || totem_tower(totem::new()),
        |svc, x| {
            black_box(tower_call(svc, x));
        },
    );
    l.rejection = Some(rejections(
        || totem_tower(totem::new_open()),
        |svc, x| {
            black_box(tower_call(svc, x));
        },
    ));
    lines.push(l);

    let mut l = measure(
        "tower-resilience `CircuitBreakerLayer` (ready, call, poll)",
        || tower_resilience(false),
        |svc, x| {
            black_box(tower_call(svc, x));
        },
    );
    l.rejection = Some(rejections(
        || tower_resilience(true),
        |svc, x| {
            black_box(tower_call(svc, x));
        },
    ));
    lines.push(l);

    let mut l = measure("failsafe", failsafe::new, |b, x| {
        black_box(failsafe::call(b, x)).ok();
    });
    l.rejection = Some(rejections(failsafe::new_open, |b, x| {
        black_box(failsafe::call(b, x)).ok();
    }));
    lines.push(l);

    let mut l = measure("recloser", recloser::new, |b, x| {
        black_box(recloser::call(b, x)).ok();
    });
    l.rejection = Some(rejections(recloser::new_open, |b, x| {
        black_box(recloser::call(b, x)).ok();
    }));
    lines.push(l);

    let mut l = measure("circuitbreaker-rs", cbrs::new, |b, x| {
        black_box(cbrs::call(b, x)).ok();
    });
    l.rejection = Some(rejections(cbrs::new_open, |b, x| {
        black_box(cbrs::call(b, x)).ok();
    }));
    lines.push(l);

    lines.push(measure(
        "backon (blocking retry)",
        || (),
        |_, x| {
            black_box(backon::call(x)).ok();
        },
    ));
    lines.push(measure("backoff `retry`", backoff::new, |p, x| {
        black_box(backoff::call(p, x)).ok();
    }));

    println!("\n### Heap: construction and per call (counting global allocator, {CALLS} calls)\n");
    println!("| subject | size_of (bytes, inline) | heap live after construction (bytes) | allocations at construction | allocations in the first call | allocations per call (steady) | bytes per call (steady) | allocations per open rejection |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for l in &lines {
        let rej = l.rejection.map_or_else(
            || "-".to_owned(),
            |r| format!("{}", r.allocs as f64 / CALLS as f64),
        );
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            l.name,
            l.size_of,
            l.construction.live_bytes(),
            l.construction.allocs,
            l.first_call.allocs,
            l.steady.allocs as f64 / CALLS as f64,
            l.steady.bytes_allocated as f64 / CALLS as f64,
            rej
        );
    }
}

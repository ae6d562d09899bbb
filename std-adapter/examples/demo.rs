//! A breaker and a retry protecting a flaky "payment processor" that goes
//! down for a while and comes back. Prints every state change and the
//! metrics, and exits non-zero unless the breaker tripped and recovered.
//! Run: `cargo run -p totem-std --example demo`.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

use totem_core::{
    BreakerConfig, CallError, CircuitBreaker, Clock, Duration, Event, Jitter, RetryConfig, State,
};
use totem_std::DefaultClock;

/// The demo's start on the clock's timeline (the coarse clock counts from boot).
static START_MS: AtomicU32 = AtomicU32::new(0);

/// Milliseconds since the demo started, on the breaker's clock.
fn since_start(at: totem_core::Instant) -> u32 {
    at.as_ticks().wrapping_sub(START_MS.load(Ordering::Relaxed))
}

/// The simulated dependency: healthy, then down between 300 ms and 1100 ms.
fn payment_processor(id: u32) -> Result<u32, &'static str> {
    if (300..1_100).contains(&since_start(DefaultClock::default().now())) {
        Err("503 from payment processor")
    } else {
        Ok(id)
    }
}

static CHANGES: Mutex<Vec<State>> = Mutex::new(Vec::new());

fn log(event: &Event) {
    match event {
        Event::Transition(t) => {
            println!(
                "[{:>5} ms] {}: {} -> {} ({:?}, {} consecutive failures)",
                since_start(t.at),
                t.name,
                t.from,
                t.to,
                t.cause,
                t.consecutive_failures
            );
            CHANGES.lock().unwrap_or_else(|e| e.into_inner()).push(t.to);
        }
        Event::RetryScheduled(r) => println!(
            "[{:>5} ms] {}: attempt {} failed, retrying in {} ms",
            since_start(DefaultClock::default().now()),
            r.name,
            r.attempt,
            r.delay.as_ticks()
        ),
        _ => {}
    }
}

fn main() {
    START_MS.store(DefaultClock::default().now().as_ticks(), Ordering::Relaxed);
    let breaker: CircuitBreaker<DefaultClock, fn(&Event)> = totem_std::breaker(
        BreakerConfig::new("payment_processor")
            .failure_threshold(3)
            .reset_timeout(Duration::from_millis(400))
            .half_open_timeout(Duration::from_millis(300)),
    )
    .expect("valid breaker config")
    .with_observer(log as fn(&Event));
    let retry = totem_std::retry(
        RetryConfig::new("payment_retry")
            .max_attempts(2)
            .initial_delay(Duration::from_millis(10))
            .max_delay(Duration::from_millis(50))
            .jitter(Jitter::Equal),
    )
    .expect("valid retry config")
    .with_observer(log as fn(&Event));

    let (mut paid, mut failed, mut rejected) = (0, 0, 0);
    for id in 0..50 {
        // Breaker around retry (the spec's decorator order): the breaker sees
        // one outcome per retried call.
        match breaker.call(|| retry.call(&totem_std::sleep, || payment_processor(id))) {
            Ok(_) => paid += 1,
            Err(CallError::Rejected(_)) => rejected += 1,
            Err(CallError::Inner(_)) => failed += 1,
        }
        std::thread::sleep(std::time::Duration::from_millis(40));
    }

    let b = breaker.snapshot();
    let r = retry.snapshot();
    println!();
    println!(
        "calls: {paid} paid, {failed} failed, {rejected} rejected without calling the processor"
    );
    println!(
        "circuit_breaker_state={} circuit_breaker_failures={} circuit_breaker_success_rate={:.2} transitions={}",
        b.state as u8,
        b.failures_total,
        b.success_rate.map(|s| s.as_f64()).unwrap_or(1.0),
        b.transitions_total
    );
    println!(
        "time in state (ms): closed={} open={} half_open={}",
        b.time_in(State::Closed),
        b.time_in(State::Open),
        b.time_in(State::HalfOpen)
    );
    println!(
        "retry_attempts_total={} retry_success_total={} retry_delay_seconds={:.3}",
        r.attempts_total,
        r.success_total,
        r.delay_ms_total as f64 / 1000.0
    );
    let changes = CHANGES.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let recovered = changes.first() == Some(&State::Open)
        && changes.ends_with(&[State::HalfOpen, State::Closed])
        && b.state == State::Closed;
    if recovered {
        println!(
            "the breaker tripped while the processor was down and recovered when it came back"
        );
    } else {
        println!("unexpected sequence of states: {changes:?}");
        std::process::exit(1);
    }
}

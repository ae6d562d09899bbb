//! A blocking client through retry and breaker against the real flaky
//! service on loopback, on real time (bounded in calls and waits; outcomes
//! asserted, never durations).
use std::time::Duration as StdDuration;

use totem_core::{BreakerConfig, CallError, Duration, Jitter, RetryConfig, State};
use totem_demo::{blocking_agent, get_blocking, FlakyService, Health, HttpError};

/// Calls until `done` says so, at most `limit` times; the number of calls.
fn until(limit: u32, mut call: impl FnMut() -> bool) -> u32 {
    for n in 1..=limit {
        if call() {
            return n;
        }
        std::thread::sleep(StdDuration::from_millis(5));
    }
    panic!("not reached within {limit} calls");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opens_in_the_outage_spares_the_service_then_probes_and_closes() {
    let service = FlakyService::start().await.unwrap();
    let url = service.url();
    let breaker: &'static _ = Box::leak(Box::new(
        totem_std::breaker(
            BreakerConfig::new("blocking")
                .failure_threshold(3)
                .reset_timeout(Duration::from_millis(300)),
        )
        .unwrap(),
    ));
    let retry = totem_std::retry(
        RetryConfig::new("blocking")
            .max_attempts(3)
            .initial_delay(Duration::from_millis(5))
            .max_delay(Duration::from_millis(20))
            .jitter(Jitter::Equal),
    )
    .unwrap();
    let agent = blocking_agent(StdDuration::from_millis(200));
    let call =
        move || breaker.call(|| retry.call(&totem_std::sleep, || get_blocking(&agent, &url)));

    let (outcomes, seen) = tokio::task::block_in_place(|| {
        // Healthy: calls pass.
        assert_eq!(call().unwrap(), 200);
        // A transient error is absorbed by the retry: one call, one success.
        service.fail_next(1);
        assert_eq!(call().unwrap(), 200);
        assert_eq!(breaker.consecutive_failures(), 0);
        // The outage: retried calls fail until the breaker opens.
        service.set_health(Health::Failing);
        let mut outcomes = Vec::new();
        until(10, || {
            outcomes.push(call().map_err(|e| e.is_rejected()).map(|_| ()));
            breaker.state() == State::Open
        });
        let seen = service.requests();
        // While OPEN, calls are rejected without reaching the service.
        for _ in 0..20 {
            match call() {
                Err(CallError::Rejected(r)) => assert_eq!(r.state, State::Open),
                other => panic!("expected a rejection, got {other:?}"),
            }
        }
        (outcomes, seen)
    });
    assert_eq!(
        service.requests(),
        seen,
        "an OPEN breaker spares the service"
    );
    assert_eq!(
        outcomes,
        [Err(false); 3],
        "three failed calls, none rejected"
    );

    // Recovery: once reset_timeout passes a probe goes through and closes it.
    service.set_health(Health::Healthy);
    tokio::task::block_in_place(|| {
        until(200, || call().is_ok());
    });
    assert_eq!(breaker.state(), State::Closed);
    let s = breaker.snapshot();
    assert!(s.rejected_total >= 20);
    assert_eq!(s.transitions_by_cause.iter().sum::<u64>(), 3, "{s:?}");
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_service_is_cut_by_the_timeout_and_counts_as_a_failure() {
    let service = FlakyService::start().await.unwrap();
    service.set_health(Health::Hanging);
    let url = service.url();
    let breaker = totem_std::breaker(BreakerConfig::new("hang").failure_threshold(2)).unwrap();
    let agent = blocking_agent(StdDuration::from_millis(100));
    tokio::task::block_in_place(|| {
        for _ in 0..2 {
            let r = breaker.call(|| get_blocking(&agent, &url));
            assert!(
                matches!(r, Err(CallError::Inner(HttpError::Timeout))),
                "{r:?}"
            );
        }
    });
    assert_eq!(breaker.state(), State::Open, "the breaker is not wedged");
    assert_eq!(breaker.snapshot().failures_total, 2);
    service.stop().await;
}

//! OPEN: calls are rejected at once without running, with the time until a
//! probe; rejections are counted, not as failures.
mod common;
use common::*;
use totem_core::{BreakerConfig, CallError, Event, State};

#[test]
fn rejects_without_running_and_says_when_to_come_back() {
    let clock = CountingClock::default();
    let rec = Recorder::default();
    let b = breaker(
        BreakerConfig::new("api")
            .failure_threshold(1)
            .reset_timeout(secs(60)),
        &clock,
        &rec,
    );
    let _ = fail::<()>(&b);
    clock.advance(secs(15));
    let mut ran = false;
    let r = b.call(|| {
        ran = true;
        Ok::<_, &str>(())
    });
    assert!(!ran, "the operation must not run while OPEN");
    match r {
        Err(CallError::Rejected(rej)) => {
            assert_eq!(rej.state, State::Open);
            assert_eq!(rej.retry_after, Some(secs(45)));
            assert_eq!(rej.name, "api");
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    let s = b.snapshot();
    assert_eq!((s.rejected_total, s.failures_total), (1, 1));
    assert!(rec
        .events()
        .iter()
        .any(|e| matches!(e, Event::Rejected(r) if r.retry_after == Some(secs(45)))));
}

#[test]
fn rejections_do_not_extend_the_open_period() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("api")
            .failure_threshold(1)
            .reset_timeout(secs(10)),
        &clock,
        totem_core::NoObserver,
    );
    let _ = fail::<()>(&b);
    for _ in 0..9 {
        clock.advance(secs(1));
        assert!(b.try_acquire().is_err());
    }
    clock.advance(secs(1));
    assert!(
        b.try_acquire().is_ok(),
        "a probe is allowed once reset_timeout has passed"
    );
}

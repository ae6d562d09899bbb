//! HALF_OPEN never sticks with probes outstanding: if they have not
//! resolved within `half_open_timeout` of the first admission, the breaker
//! reopens at that expiry, open for `reset_timeout` from it; late results
//! never close it.
mod common;
use common::*;
use totem_core::{BreakerConfig, Cause, State};

fn cfg() -> BreakerConfig {
    BreakerConfig::new("api")
        .failure_threshold(1)
        .reset_timeout(secs(10))
        .half_open_timeout(secs(5))
}

#[test]
fn unresolved_probes_reopen_at_the_expiry() {
    let clock = CountingClock::default();
    let rec = Recorder::default();
    let b = breaker(cfg(), &clock, &rec);
    let _ = fail::<()>(&b); // open at 0
    clock.advance(secs(12));
    let hung = b.try_acquire().unwrap(); // first probe admitted at 12 s
    clock.advance(secs(4));
    assert_eq!(b.state(), State::HalfOpen);
    clock.advance(secs(2)); // 18 s: expired at 17 s
    assert_eq!(b.state(), State::Open);
    let reopen = *rec.transitions().last().unwrap();
    assert_eq!(
        (reopen.cause, reopen.at.as_ticks()),
        (Cause::HalfOpenTimeout, 17_000)
    );
    // Open for reset_timeout from the expiry, not from when it was noticed.
    match b.try_acquire() {
        Err(r) => assert_eq!(r.retry_after, Some(secs(9))),
        Ok(_) => panic!("must be open"),
    }
    // The hung probe finally answers: too late, it drives nothing.
    hung.success();
    assert_eq!(b.state(), State::Open);
    clock.advance(secs(9));
    assert_eq!(b.state(), State::HalfOpen);
}

#[test]
fn a_late_result_after_an_unnoticed_expiry_does_not_close() {
    let clock = CountingClock::default();
    let rec = Recorder::default();
    let b = breaker(cfg(), &clock, &rec);
    let _ = fail::<()>(&b);
    clock.advance(secs(10));
    let probe = b.try_acquire().unwrap();
    clock.advance(secs(6)); // expiry passed, nobody looked
    probe.success();
    assert_eq!(
        b.state(),
        State::Open,
        "the success arrived after the expiry"
    );
    assert_eq!(
        rec.transitions().last().unwrap().cause,
        Cause::HalfOpenTimeout
    );
    assert_eq!(
        b.snapshot().successes_total,
        1,
        "still counted in the totals"
    );
}

#[test]
fn expiry_long_ago_walks_through_open_to_a_new_idle_half_open() {
    let clock = CountingClock::default();
    let rec = Recorder::default();
    let b = breaker(cfg(), &clock, &rec);
    let _ = fail::<()>(&b);
    clock.advance(secs(10));
    let _hung = b.try_acquire().unwrap();
    clock.advance(secs(3_600));
    assert_eq!(b.state(), State::HalfOpen);
    let tos: Vec<_> = rec
        .transitions()
        .iter()
        .map(|t| (t.to, t.at.as_ticks()))
        .collect();
    assert_eq!(
        tos,
        [
            (State::Open, 0),
            (State::HalfOpen, 10_000),
            (State::Open, 15_000),
            (State::HalfOpen, 25_000)
        ]
    );
    // The new episode has no probe outstanding: it admits one.
    assert!(b.try_acquire().is_ok());
}

#[test]
fn resolved_probes_leave_no_timeout_pending() {
    let clock = CountingClock::default();
    let b = breaker(cfg().half_open_permits(2), &clock, totem_core::NoObserver);
    let _ = fail::<()>(&b);
    clock.advance(secs(10));
    b.try_acquire().unwrap().success(); // one of two successes needed
    clock.advance(secs(60));
    assert_eq!(
        b.state(),
        State::HalfOpen,
        "nothing outstanding: no reason to reopen"
    );
    b.try_acquire().unwrap().success();
    assert_eq!(b.state(), State::Closed);
}

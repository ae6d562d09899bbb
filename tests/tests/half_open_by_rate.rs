//! A half-open episode decided by rate (opt-in): every permitted probe
//! reports, then the breaker reopens if `half_open_failure_rate` % or more
//! failed (inclusive), and closes otherwise. The default stays "any failed
//! probe reopens".
mod common;
use common::*;
use totem_core::{BreakerConfig, Cause, ManualClock, State};

fn by_rate() -> BreakerConfig {
    BreakerConfig::new("db")
        .failure_threshold(1)
        .reset_timeout(secs(1))
        .half_open_permits(4)
        .half_open_failure_rate(50)
}

fn half_opened<'a>(
    cfg: BreakerConfig,
    clock: &'a ManualClock,
    rec: &'a Recorder,
) -> totem_core::CircuitBreaker<&'a ManualClock, &'a Recorder> {
    let b = breaker(cfg, clock, rec);
    let _ = fail::<()>(&b);
    clock.advance(secs(1));
    b
}

#[test]
fn a_failed_probe_does_not_reopen_until_every_probe_reported() {
    let clock = ManualClock::new();
    let rec = Recorder::default();
    let b = half_opened(by_rate(), &clock, &rec);
    let probes: Vec<_> = (0..4).map(|_| b.try_acquire().unwrap()).collect();
    assert!(b.try_acquire().is_err(), "four permits");
    let mut probes = probes.into_iter();
    probes.next().unwrap().failure();
    assert_eq!(b.state(), State::HalfOpen);
    probes.next().unwrap().success();
    probes.next().unwrap().success();
    assert_eq!(b.state(), State::HalfOpen);
    probes.next().unwrap().success();
    assert_eq!(b.state(), State::Closed, "1 of 4 failed, under 50 %");
    assert_eq!(
        rec.transitions().last().unwrap().cause,
        Cause::ProbesSucceeded
    );
}

#[test]
fn the_rate_is_inclusive() {
    let clock = ManualClock::new();
    let rec = Recorder::default();
    let b = half_opened(by_rate(), &clock, &rec);
    for outcome in [true, false, true, false] {
        let p = b.try_acquire().unwrap();
        if outcome {
            p.success()
        } else {
            p.failure()
        }
    }
    assert_eq!(b.state(), State::Open, "2 of 4 failed: 50 %");
    assert_eq!(rec.transitions().last().unwrap().cause, Cause::ProbeFailed);
}

#[test]
fn an_ignored_probe_gives_its_slot_back() {
    let clock = ManualClock::new();
    let rec = Recorder::default();
    let b = half_opened(by_rate(), &clock, &rec);
    b.try_acquire().unwrap().ignore();
    for _ in 0..4 {
        b.try_acquire().unwrap().success();
    }
    assert_eq!(b.state(), State::Closed);
}

#[test]
fn the_default_still_reopens_on_the_first_failed_probe() {
    let clock = ManualClock::new();
    let rec = Recorder::default();
    let b = half_opened(
        BreakerConfig::new("db")
            .failure_threshold(1)
            .reset_timeout(secs(1))
            .half_open_permits(4),
        &clock,
        &rec,
    );
    b.try_acquire().unwrap().success();
    b.try_acquire().unwrap().failure();
    assert_eq!(b.state(), State::Open);
}

#[test]
fn probes_unreported_at_the_half_open_timeout_reopen() {
    let clock = ManualClock::new();
    let rec = Recorder::default();
    let b = half_opened(by_rate().half_open_timeout(secs(2)), &clock, &rec);
    b.try_acquire().unwrap().success();
    let _hanging = b.try_acquire().unwrap();
    clock.advance(secs(2));
    assert_eq!(b.state(), State::Open);
    assert_eq!(
        rec.transitions().last().unwrap().cause,
        Cause::HalfOpenTimeout
    );
}

#[test]
fn a_rate_decided_episode_refuses_successes_to_close() {
    assert_eq!(
        by_rate().successes_to_close(2).validate().unwrap_err(),
        totem_core::ConfigError::SuccessesToCloseWithHalfOpenRate
    );
}

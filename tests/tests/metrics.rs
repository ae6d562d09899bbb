//! The core snapshot: monotone totals, the streak, the state, time in each
//! state, and a success rate since the last reset (None before any call).
mod common;
use common::*;
use totem_core::{BreakerConfig, Cause, State};

#[test]
fn totals_and_rate() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("payments").failure_threshold(3),
        &clock,
        totem_core::NoObserver,
    );
    let s = b.snapshot();
    assert_eq!(s.success_rate, None);
    assert_eq!((s.name, s.state), ("payments", State::Closed));
    for _ in 0..8 {
        let _ = succeed(&b);
    }
    let _ = fail::<()>(&b);
    let _ = fail::<()>(&b);
    b.try_acquire().unwrap().ignore();
    let s = b.snapshot();
    assert_eq!(
        (
            s.successes_total,
            s.failures_total,
            s.ignored_total,
            s.rejected_total,
            s.abandoned_total
        ),
        (8, 2, 1, 0, 0)
    );
    assert_eq!(s.success_rate.unwrap().per_mille(), 800);
    assert_eq!(s.consecutive_failures, 2);
}

#[test]
fn time_in_each_state() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("api")
            .failure_threshold(1)
            .reset_timeout(secs(10))
            .half_open_timeout(secs(5)),
        &clock,
        totem_core::NoObserver,
    );
    b.start_time_accounting();
    clock.advance(secs(100));
    let _ = fail::<()>(&b); // closed 100 s
    clock.advance(secs(25)); // open 10 s, then half-open (idle) 15 s
    let s = b.snapshot();
    assert_eq!(s.state, State::HalfOpen);
    assert_eq!(
        (
            s.time_in(State::Closed),
            s.time_in(State::Open),
            s.time_in(State::HalfOpen)
        ),
        (100_000, 10_000, 15_000)
    );
    let probe = b.try_acquire().unwrap();
    clock.advance(secs(2));
    probe.success(); // half-open 17 s in all
    clock.advance(secs(3));
    let s = b.snapshot();
    assert_eq!(
        (
            s.time_in(State::Closed),
            s.time_in(State::Open),
            s.time_in(State::HalfOpen)
        ),
        (103_000, 10_000, 17_000)
    );
    assert_eq!(s.transitions_total, 3);
}

#[test]
fn time_in_state_never_goes_backwards_between_snapshots() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("api")
            .failure_threshold(1)
            .reset_timeout(secs(1)),
        &clock,
        totem_core::NoObserver,
    );
    b.start_time_accounting();
    let mut last = [0u64; 5];
    for i in 0..200u32 {
        clock.advance(ms(37 + i % 500));
        match i % 7 {
            0 => {
                let _ = fail::<()>(&b);
            }
            3 => {
                let _ = succeed(&b);
            }
            5 => b.reset(),
            _ => {}
        }
        let now = b.snapshot().time_in_state_ms;
        for s in 0..5 {
            assert!(
                now[s] >= last[s],
                "state {s} went back: {} < {}",
                now[s],
                last[s]
            );
        }
        last = now;
    }
}

#[test]
fn snapshot_reads_half_open_lazily() {
    let clock = CountingClock::default();
    let b = half_open(BreakerConfig::new("api").reset_timeout(secs(1)), &clock);
    assert_eq!(b.snapshot().state, State::HalfOpen);
}

#[test]
fn a_published_stamp_that_looks_unanchored_is_not_anchored_again() {
    // Generation 15 at time 0 packs into the same bits as a new breaker's
    // stamp: a snapshot once took it for one and re-anchored it forever.
    let clock = CountingClock::default();
    let b = breaker(BreakerConfig::new("db"), &clock, totem_core::NoObserver);
    for _ in 0..7 {
        b.force_open();
        b.reset();
    }
    b.force_open(); // generation 15, stamped at 0
    let s = b.snapshot();
    assert_eq!((s.state, s.transitions_total), (State::ForcedOpen, 15));
    clock.advance(ms(5));
    assert_eq!(b.snapshot().time_in(State::ForcedOpen), 5);
}

#[test]
fn a_breaker_built_at_run_time_counts_time_from_construction() {
    let clock = CountingClock::default();
    let b = totem_core::CircuitBreaker::try_new(
        BreakerConfig::new("db")
            .failure_threshold(1)
            .reset_timeout(secs(1)),
        &clock,
    )
    .unwrap();
    clock.advance(secs(10));
    let _ = fail::<()>(&b);
    clock.advance(secs(1));
    succeed(&b).unwrap();
    clock.advance(secs(5));
    let s = b.snapshot();
    assert_eq!(s.time_in(State::Closed), 15_000);
    assert_eq!(s.time_in(State::Open), 1_000);
}

#[test]
fn transitions_are_counted_by_cause_so_a_short_open_is_not_missed() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("api")
            .failure_threshold(1)
            .reset_timeout(secs(1)),
        &clock,
        totem_core::NoObserver,
    );
    // Open, half-open, a failed probe, half-open, a good probe: back to
    // CLOSED before anyone took a snapshot.
    let _ = fail::<()>(&b);
    clock.advance(secs(1));
    let _ = fail::<()>(&b);
    clock.advance(secs(1));
    let _ = succeed(&b);
    b.force_open();
    b.reset();
    let s = b.snapshot();
    assert_eq!(s.state, State::Closed);
    let count = |c: Cause| s.transitions_by_cause[c as usize];
    assert_eq!(count(Cause::FailureThreshold), 1);
    assert_eq!(count(Cause::ResetTimeout), 2);
    assert_eq!(count(Cause::ProbeFailed), 1);
    assert_eq!(count(Cause::ProbesSucceeded), 1);
    assert_eq!((count(Cause::ForceOpen), count(Cause::Reset)), (1, 1));
    assert_eq!(
        (count(Cause::HalfOpenTimeout), count(Cause::Disable)),
        (0, 0)
    );
    assert_eq!(s.transitions_total, 7);
    // Entries into OPEN, whatever the edge: what an alert on flapping counts.
    let opened: u64 = Cause::ALL
        .iter()
        .filter(|c| c.to() == State::Open)
        .map(|&c| count(c))
        .sum();
    assert_eq!(opened, 2);
}

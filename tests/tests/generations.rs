//! Results of calls admitted before the last transition are counted in the
//! totals but never drive a transition, the streak or the probe count.
mod common;
use common::*;
use totem_core::{BreakerConfig, State};

#[test]
fn a_failure_from_before_a_reset_does_not_trip() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("api").failure_threshold(1),
        &clock,
        totem_core::NoObserver,
    );
    let old = b.try_acquire().unwrap();
    b.force_open();
    b.reset();
    old.failure();
    assert_eq!(b.state(), State::Closed);
    assert_eq!(b.consecutive_failures(), 0);
    assert_eq!(b.snapshot().failures_total, 1);
}

#[test]
fn a_success_from_before_the_trip_does_not_clear_the_streak() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("api")
            .failure_threshold(2)
            .reset_timeout(secs(1)),
        &clock,
        totem_core::NoObserver,
    );
    let slow = b.try_acquire().unwrap();
    let _ = fail::<()>(&b);
    let _ = fail::<()>(&b);
    assert_eq!(b.state(), State::Open);
    slow.success();
    assert_eq!(b.consecutive_failures(), 2);
    assert_eq!(b.snapshot().successes_total, 1);
    clock.advance(secs(1));
    // A closed-era permit cannot consume or release a probe slot either.
    let probe = b.try_acquire().unwrap();
    assert!(b.try_acquire().is_err());
    probe.success();
    assert_eq!(b.state(), State::Closed);
}

#[test]
fn a_stale_probe_failure_cannot_reopen_a_closed_breaker() {
    let clock = CountingClock::default();
    let b = half_open(
        BreakerConfig::new("api")
            .reset_timeout(secs(1))
            .half_open_permits(2)
            .successes_to_close(1),
        &clock,
    );
    let p1 = b.try_acquire().unwrap();
    let p2 = b.try_acquire().unwrap();
    p1.success();
    assert_eq!(b.state(), State::Closed);
    p2.failure(); // from the finished half-open episode
    assert_eq!(b.state(), State::Closed);
    assert_eq!(b.consecutive_failures(), 0);
    assert_eq!(b.snapshot().transitions_total, 3);
}

/// A breaker whose half-open episode needs three successful probes.
fn three_probe_breaker(
    clock: &CountingClock,
) -> totem_core::CircuitBreaker<&CountingClock, totem_core::NoObserver> {
    breaker(
        BreakerConfig::new("api")
            .failure_threshold(1)
            .reset_timeout(secs(1))
            .half_open_timeout(secs(1))
            .half_open_permits(3)
            .successes_to_close(3),
        clock,
        totem_core::NoObserver,
    )
}

/// Takes a CLOSED-era permit, then moves the breaker exactly `gap`
/// generations on, into a half-open episode: with `in_flight`, one probe is
/// outstanding (returned); without, the probes so far have all succeeded.
/// Commands make the bulk of the generations (`force_open` and `reset` are
/// one each); the trip and the probe admissions made while none is in
/// flight make the rest.
fn across<'a>(
    b: &'a totem_core::CircuitBreaker<&'a CountingClock, totem_core::NoObserver>,
    clock: &CountingClock,
    gap: u32,
    in_flight: bool,
) -> (
    totem_core::Permit<'a, &'a CountingClock, totem_core::NoObserver>,
    Option<totem_core::Permit<'a, &'a CountingClock, totem_core::NoObserver>>,
) {
    let old = b.try_acquire().unwrap();
    // trip + first probe = 2 generations; a second probe admitted after the
    // first succeeded makes 3.
    let tail = if gap.is_multiple_of(2) { 2 } else { 3 };
    for _ in 0..(gap - tail) / 2 {
        b.force_open();
        b.reset();
    }
    let _ = fail::<()>(b);
    clock.advance(secs(1));
    let mut probe = b.try_acquire().unwrap();
    if tail == 3 {
        probe.success();
        probe = b.try_acquire().unwrap();
    }
    if in_flight {
        (old, Some(probe))
    } else {
        probe.success();
        (old, None)
    }
}

#[test]
fn a_stale_result_cannot_corrupt_an_idle_half_open_episode() {
    let g = totem_core::GENERATIONS;
    for gap in [g - 1, g, g + 1] {
        let clock = CountingClock::default();
        let b = three_probe_breaker(&clock);
        let (old, _) = across(&b, &clock, gap, false);
        let done = b.snapshot().successes_total;
        assert_eq!(b.snapshot().probes_in_flight, 0);
        // At gap == GENERATIONS the permit's generation has come round: it
        // is taken for current, and with no probe in flight it drives
        // nothing (it used to count as a success no probe made).
        old.success();
        let s = b.snapshot();
        assert_eq!(
            (s.state, s.probes_in_flight),
            (State::HalfOpen, 0),
            "gap {gap}"
        );
        // The episode still works: a real probe times out...
        let probe = b.try_acquire().unwrap();
        assert_eq!(b.snapshot().probes_in_flight, 1, "gap {gap}");
        clock.advance(secs(1));
        assert_eq!(b.state(), State::Open, "gap {gap}: half_open_timeout fires");
        drop(probe);
        // ...and a fresh episode needs all three successes to close.
        clock.advance(secs(1));
        for left in (0..3).rev() {
            b.try_acquire().unwrap().success();
            let want = if left == 0 {
                State::Closed
            } else {
                State::HalfOpen
            };
            assert_eq!(b.state(), want, "gap {gap}, {left} left");
        }
        assert!(b.snapshot().successes_total > done);
    }
}

#[test]
fn a_stale_result_at_the_wrap_resolves_a_probe_as_it_would() {
    let g = totem_core::GENERATIONS;
    for gap in [g - 1, g, g + 1] {
        let clock = CountingClock::default();
        let b = three_probe_breaker(&clock);
        let (old, probe) = across(&b, &clock, gap, true);
        assert_eq!(b.snapshot().probes_in_flight, 1);
        old.success();
        let in_flight = b.snapshot().probes_in_flight;
        if gap == g {
            // Taken for the probe in flight: it resolves it.
            assert_eq!(in_flight, 0, "gap {gap}");
        } else {
            assert_eq!(in_flight, 1, "gap {gap}: a stale permit drove the episode");
        }
        // Whatever happened, the real probe's result leaves the word sound.
        probe.unwrap().success();
        let s = b.snapshot();
        assert_eq!(
            (s.state, s.probes_in_flight),
            (State::HalfOpen, 0),
            "gap {gap}"
        );
    }
}

#[test]
fn the_generation_bound_is_documented() {
    // 6 bits (the rest of the word holds the policies' counts): a permit
    // held across exactly 64 generations is taken for current.
    assert_eq!(totem_core::GENERATIONS, 64);
}

//! The async forms: no runtime needed; a dropped future releases its permit
//! (counted as abandoned); the async retry sleeps through a `Sleeper`.
mod common;
use std::cell::RefCell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use common::*;
use totem_core::{
    AbandonedPermit, BreakerConfig, Duration, ManualClock, Retry, RetryConfig, Sleeper, State,
};

/// Polls a future that never waits on I/O to completion.
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// A future that is pending once, then ready.
struct YieldOnce(bool);
impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            Poll::Pending
        }
    }
}

struct ManualSleeper<'a> {
    clock: &'a ManualClock,
    log: RefCell<Vec<u32>>,
}
impl Sleeper for ManualSleeper<'_> {
    fn sleep(&self, d: Duration) -> impl Future<Output = ()> {
        self.log.borrow_mut().push(d.as_ticks());
        self.clock.advance(d);
        YieldOnce(false)
    }
}

#[test]
fn async_call_counts_like_the_blocking_one() {
    let clock = CountingClock::default();
    let b = breaker(
        BreakerConfig::new("db").failure_threshold(1),
        &clock,
        totem_core::NoObserver,
    );
    assert_eq!(
        block_on(b.call_async(|| async { Ok::<_, ()>(7) })).unwrap(),
        7
    );
    assert!(block_on(b.call_async(|| async { Err::<(), _>("x") })).is_err());
    assert_eq!(b.state(), State::Open);
}

#[test]
fn a_dropped_future_abandons_its_permit() {
    let clock = CountingClock::default();
    let b = half_open(BreakerConfig::new("db").reset_timeout(secs(1)), &clock);
    {
        let mut fut = Box::pin(b.call_async(|| async {
            YieldOnce(false).await;
            Ok::<_, ()>(())
        }));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(fut.as_mut().poll(&mut cx).is_pending());
        assert!(
            b.try_acquire().is_err(),
            "the probe slot is held while the call is in flight"
        );
        // dropped here: the caller timed out
    }
    assert_eq!(b.snapshot().abandoned_total, 1);
    assert_eq!(
        b.state(),
        State::Open,
        "abandoned counts as a failure by default"
    );
}

#[test]
fn a_dropped_future_with_neutral_policy_frees_the_slot() {
    let clock = CountingClock::default();
    let b = half_open(
        BreakerConfig::new("db")
            .reset_timeout(secs(1))
            .abandoned(AbandonedPermit::Neutral),
        &clock,
    );
    {
        let mut fut = Box::pin(b.call_async(|| async {
            YieldOnce(false).await;
            Ok::<_, ()>(())
        }));
        let mut cx = Context::from_waker(Waker::noop());
        let _ = fut.as_mut().poll(&mut cx);
    }
    assert!(b.try_acquire().is_ok(), "the slot was released");
}

#[test]
fn async_retry_sleeps_through_the_sleeper() {
    let clock = ManualClock::new();
    let sleeper = ManualSleeper {
        clock: &clock,
        log: RefCell::new(Vec::new()),
    };
    let retry = Retry::new(
        RetryConfig::new("x").max_attempts(4).validate().unwrap(),
        &clock,
        1,
    );
    let mut n = 0;
    let v = block_on(retry.call_async(&sleeper, || {
        n += 1;
        let k = n;
        async move {
            if k < 3 {
                Err("busy")
            } else {
                Ok(k)
            }
        }
    }));
    assert_eq!(v.unwrap(), 3);
    assert_eq!(*sleeper.log.borrow(), [1_000, 2_000]);
}

#[test]
fn async_retry_through_a_breaker_stops_at_the_rejection() {
    let clock = ManualClock::new();
    let sleeper = ManualSleeper {
        clock: &clock,
        log: RefCell::new(Vec::new()),
    };
    let b = totem_core::CircuitBreaker::new(
        BreakerConfig::new("db")
            .failure_threshold(2)
            .validate()
            .unwrap(),
        &clock,
    );
    let retry = Retry::new(
        RetryConfig::new("db").max_attempts(6).validate().unwrap(),
        &clock,
        1,
    );
    let mut ran = 0;
    let err = block_on(retry.call_through_async(&b, &sleeper, || {
        ran += 1;
        async { Err::<(), _>("down") }
    }))
    .unwrap_err();
    assert_eq!(ran, 2, "op runs only when the breaker admits the attempt");
    assert!(err.error.is_rejected());
    assert_eq!(
        (err.attempts, err.reason),
        (3, totem_core::GiveUp::NotRetryable)
    );
}

#[test]
fn a_retry_dropped_in_its_sleep_counts_the_attempts_that_ran_and_no_retry() {
    let clock = ManualClock::new();
    let retry = Retry::new(RetryConfig::new("x").validate().unwrap(), &clock, 1);
    let sleeper = ManualSleeper {
        clock: &clock,
        log: RefCell::new(Vec::new()),
    };
    {
        let mut fut = pin!(retry.call_async(&sleeper, || async { Err::<(), _>("busy") }));
        let mut cx = Context::from_waker(Waker::noop());
        // The first attempt fails; the future is now asleep before the retry.
        assert!(fut.as_mut().poll(&mut cx).is_pending());
    } // dropped: a timeout around the whole retried call
    let s = retry.snapshot();
    assert_eq!(
        (s.attempts_total, s.retries_total, s.abandoned_total),
        (1, 0, 1)
    );
    assert_eq!((s.delay_ms_total, s.failure_total), (0, 0));
}

/// The async calls' futures are `Send` whenever what they hold is, so a
/// retry or a breaker call can run in a spawned task (a compile-time test).
#[test]
fn async_futures_are_send() {
    fn assert_send<F: Future + Send>(f: F) -> F {
        f
    }
    struct Ready;
    impl Sleeper for Ready {
        fn sleep(&self, _: Duration) -> impl Future<Output = ()> {
            std::future::ready(())
        }
    }
    let clock = ManualClock::new();
    let b = breaker(BreakerConfig::new("send"), &clock, totem_core::NoObserver);
    let retry = Retry::new(RetryConfig::new("send").validate().unwrap(), &clock, 1);
    let op = || async { Ok::<_, ()>(1) };
    assert_eq!(block_on(assert_send(b.call_async(op))), Ok(1));
    assert_eq!(
        block_on(assert_send(retry.call_async(&Ready, op))).unwrap(),
        1
    );
    let policy = |r: &Result<i32, ()>| r.is_err();
    assert_eq!(
        block_on(assert_send(retry.call_if_async(&policy, &Ready, op))).unwrap(),
        1
    );
    assert_eq!(
        block_on(assert_send(retry.call_through_async(&b, &Ready, op))).unwrap(),
        1
    );
}

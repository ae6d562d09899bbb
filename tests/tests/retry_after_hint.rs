//! A delay named by the result (`RetryPolicy::retry_after`, an HTTP 429's
//! Retry-After), on a manual clock: used instead of the schedule's delay,
//! clamped to `max_delay`, never past the deadline; the schedule still
//! advances; policies without a hint are unchanged.
use std::cell::RefCell;

mod common;

use common::{ms, secs};
use totem_core::{
    Clock, Duration, Event, GiveUp, ManualClock, ObserverFn, Retry, RetryConfig, RetryPolicy,
};

/// An HTTP-like error: a status, and the server's Retry-After if it sent
/// one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Status {
    code: u16,
    retry_after: Option<Duration>,
}

/// Retries 429 and 503, honouring their Retry-After.
struct HonourRetryAfter;

impl RetryPolicy<(), Status> for HonourRetryAfter {
    fn should_retry(&self, r: &Result<(), Status>) -> bool {
        matches!(
            r,
            Err(Status {
                code: 429 | 503,
                ..
            })
        )
    }

    fn retry_after(&self, r: &Result<(), Status>) -> Option<Duration> {
        r.as_ref().err()?.retry_after
    }
}

fn too_many(after: Option<Duration>) -> Status {
    Status {
        code: 429,
        retry_after: after,
    }
}

/// Runs `responses` in order through the retry, returning the sleeps made
/// and the result.
fn run(
    cfg: RetryConfig,
    clock: &ManualClock,
    responses: &[Status],
) -> (Vec<u32>, Result<(), totem_core::RetryError<Status>>) {
    let r = Retry::new(cfg.validate().unwrap(), clock, 1);
    let slept = RefCell::new(Vec::new());
    let sleeper = |d: Duration| {
        slept.borrow_mut().push(d.as_ticks());
        clock.advance(d);
    };
    let mut next = responses.iter();
    let result = r.call_if(&HonourRetryAfter, &sleeper, || {
        Err(*next.next().expect("no more responses"))
    });
    (slept.into_inner(), result)
}

#[test]
fn the_hint_replaces_the_scheduled_delay() {
    let clock = ManualClock::new();
    let (slept, result) = run(
        RetryConfig::new("api").max_attempts(2),
        &clock,
        &[too_many(Some(secs(4))), too_many(None)],
    );
    assert_eq!(slept, [4_000]);
    assert_eq!(result.unwrap_err().reason, GiveUp::Exhausted);
}

#[test]
fn without_a_hint_the_schedule_decides_and_it_still_advances() {
    let clock = ManualClock::new();
    // Hinted, then not: the second delay is the schedule's second (2 s),
    // not its first: the hinted retry was counted.
    let (slept, _) = run(
        RetryConfig::new("api").max_attempts(4),
        &clock,
        &[
            too_many(Some(ms(250))),
            too_many(None),
            too_many(Some(secs(3))),
            too_many(None),
        ],
    );
    assert_eq!(slept, [250, 2_000, 3_000]);
}

#[test]
fn the_hint_is_clamped_to_max_delay() {
    let clock = ManualClock::new();
    let (slept, _) = run(
        RetryConfig::new("api").max_attempts(2).max_delay(secs(10)),
        &clock,
        &[too_many(Some(secs(3_600))), too_many(None)],
    );
    assert_eq!(slept, [10_000]);
}

#[test]
fn a_hint_past_the_deadline_gives_up_without_sleeping() {
    let clock = ManualClock::new();
    let (slept, result) = run(
        RetryConfig::new("api").max_attempts(5).deadline(secs(5)),
        &clock,
        &[too_many(Some(secs(8)))],
    );
    assert!(slept.is_empty());
    let err = result.unwrap_err();
    assert_eq!((err.attempts, err.reason), (1, GiveUp::Deadline));
    // A hint that fits is slept; the next one that would pass the deadline
    // (2 s elapsed + 4 s > 5 s) ends the call.
    let clock = ManualClock::new();
    let (slept, result) = run(
        RetryConfig::new("api").max_attempts(5).deadline(secs(5)),
        &clock,
        &[too_many(Some(secs(2))), too_many(Some(secs(4)))],
    );
    assert_eq!(slept, [2_000]);
    assert_eq!(result.unwrap_err().reason, GiveUp::Deadline);
    assert!(clock.now().as_ticks() <= 5_000);
}

#[test]
fn a_zero_hint_retries_at_once() {
    let clock = ManualClock::new();
    let (slept, _) = run(
        RetryConfig::new("api").max_attempts(2),
        &clock,
        &[too_many(Some(ms(0))), too_many(None)],
    );
    assert_eq!(slept, [0]);
}

#[test]
fn a_result_not_retried_is_not_asked_for_a_hint() {
    struct Panicky;
    impl RetryPolicy<(), Status> for Panicky {
        fn should_retry(&self, _: &Result<(), Status>) -> bool {
            false
        }
        fn retry_after(&self, _: &Result<(), Status>) -> Option<Duration> {
            unreachable!("asked for a hint on a result that is not retried")
        }
    }
    let clock = ManualClock::new();
    let r = Retry::new(RetryConfig::new("api").validate().unwrap(), &clock, 1);
    let err = r
        .call_if(&Panicky, &clock, || Err::<(), _>(too_many(Some(secs(1)))))
        .unwrap_err();
    assert_eq!(err.reason, GiveUp::NotRetryable);
}

#[test]
fn the_event_and_the_metrics_carry_the_delay_slept() {
    let clock = ManualClock::new();
    let events = RefCell::new(Vec::new());
    let r = Retry::new(
        RetryConfig::new("api").max_attempts(2).validate().unwrap(),
        &clock,
        1,
    )
    .with_observer(ObserverFn(|e: &Event| events.borrow_mut().push(*e)));
    let mut first = true;
    let _ = r.call_if(&HonourRetryAfter, &clock, || {
        let hint = first.then_some(ms(1_500));
        first = false;
        Err::<(), _>(too_many(hint))
    });
    assert!(matches!(events.borrow()[0], Event::RetryScheduled(s) if s.delay.as_ticks() == 1_500));
    assert_eq!(r.snapshot().delay_ms_total, 1_500);
}

#[test]
fn closures_and_stock_policies_give_no_hint() {
    let closure = |r: &Result<(), Status>| r.is_err();
    assert_eq!(closure.retry_after(&Err(too_many(Some(secs(1))))), None);
    assert_eq!(
        RetryPolicy::<(), Status>::retry_after(&totem_core::RetryErrors, &Err(too_many(None))),
        None
    );
}

//! The replay itself: every logged call runs, at its logged time, through
//! the real breaker and retry of the configuration, on a manual clock.
//!
//! Calls overlap as they did in the log (a retry's backoff does not hold up
//! the calls logged after it), so they run as the core's async calls on a
//! small discrete-event scheduler: it moves the clock to the next thing due
//! (a logged call, the end of an attempt's latency, the end of a backoff)
//! and polls whoever waits for it. It decides nothing: every admission,
//! transition, delay and give-up comes from totem-core.

use std::cell::{Cell, RefCell};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use totem_core::{
    BreakerSnapshot, CallError, CircuitBreaker, Clock, Duration, Event, Instant, ManualClock,
    NotRejected, Observer, Outcome, Retry, RetryError, RetryErrors, RetrySnapshot, Sleeper,
    Transition,
};

use super::log::{Answer, Call};

/// How the breaker and the retry are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Order {
    /// `breaker.call(|| retry.call(op))`, the spec's order: the breaker
    /// sees one outcome per retried call.
    BreakerRetry,
    /// `retry.call(|| breaker.call(op))`: every attempt goes through the
    /// breaker, and a rejection ends the call.
    RetryBreaker,
}

impl Order {
    /// As written on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BreakerRetry => "breaker-retry",
            Self::RetryBreaker => "retry-breaker",
        }
    }
}

/// How a logged call ended in the replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The caller got a success.
    Succeeded,
    /// The caller got the service's error.
    Failed,
    /// The caller got an answer the breaker ignores.
    Ignored,
    /// The caller got a breaker rejection (the last attempt was refused).
    Rejected,
}

/// The timeline and the counts of one replay.
#[derive(Debug)]
pub struct Run {
    /// How each logged call ended, in the log's (sorted) order.
    pub endings: Vec<Ending>,
    /// The breaker's state changes, with their time in milliseconds since
    /// the start of the log.
    pub transitions: Vec<(u64, Transition)>,
    /// When the breaker refused an attempt.
    pub rejections: Vec<u64>,
    /// When the replay ended: the last call's end.
    pub end_ms: u64,
    /// Attempts that reached the service.
    pub service_attempts: u64,
    /// The breaker's metrics at the end.
    pub breaker: Option<BreakerSnapshot>,
    /// The retry's metrics at the end.
    pub retry: Option<RetrySnapshot>,
}

/// Events of the chosen breaker, stamped with the replay's time.
#[derive(Debug, Default)]
struct Recorded {
    transitions: Vec<(u64, Transition)>,
    rejections: Vec<u64>,
}

/// The observer every instance of the replayed registry reports to.
#[derive(Debug, Clone)]
pub struct Recorder {
    /// Only this breaker's events are kept (the registry builds them all).
    breaker: Option<Rc<str>>,
    now: Rc<Cell<u64>>,
    events: Rc<RefCell<Recorded>>,
}

impl Recorder {
    /// A recorder of `breaker`'s events.
    pub fn new(breaker: Option<&str>) -> Self {
        Self {
            breaker: breaker.map(Rc::from),
            now: Rc::default(),
            events: Rc::default(),
        }
    }
}

impl Observer for Recorder {
    fn on_event(&self, event: &Event) {
        let now = self.now.get();
        let mut events = self.events.borrow_mut();
        match event {
            Event::Transition(t) if Some(t.name) == self.breaker.as_deref() => {
                // `at` is the logical time, at or before the clock reading;
                // the clock holds the low 32 bits of the replay's time.
                let behind = (now as u32).wrapping_sub(t.at.as_ticks());
                events
                    .transitions
                    .push((now.saturating_sub(behind.into()), *t));
            }
            Event::Rejected(r) if Some(r.name) == self.breaker.as_deref() => {
                events.rejections.push(now)
            }
            _ => {}
        }
    }
}

/// The instances to replay through, built from the configuration on
/// `clock`, all reporting to `recorder`.
pub struct Subject {
    /// The manual clock every instance reads.
    pub clock: &'static ManualClock,
    /// The breaker, if one is replayed.
    pub breaker: Option<&'static CircuitBreaker<&'static ManualClock, Recorder>>,
    /// The retry, if one is replayed.
    pub retry: Option<&'static Retry<&'static ManualClock, Recorder>>,
    /// The observer of both.
    pub recorder: Recorder,
    /// How they are combined, when there are both.
    pub order: Order,
}

/// A logged call in flight.
type Task<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

/// A call that reached the service failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Failure;

/// What the service answered to an attempt.
type Answered = Result<Answer, Failure>;

/// The breaker's view of an answer.
fn classify<E>(result: &Result<Answer, E>) -> Outcome {
    match result {
        Ok(Answer::Ignored) => Outcome::Ignore,
        Ok(_) => Outcome::Success,
        Err(_) => Outcome::Failure,
    }
}

/// A snapshot at least this often anchors the breaker's time accounting
/// (the core asks for one every 18 h at most) and makes its lazy
/// transitions as a scrape would.
const SNAPSHOT_EVERY_MS: u64 = 60 * 60 * 1000;

/// The longest log replayed at once (a year): the clock steps through it
/// an hour at a time at most.
pub const MAX_SPAN_MS: u64 = 366 * 24 * 60 * 60 * 1000;

/// Replays `calls` (sorted by time) through `subject`.
pub fn replay(calls: &[Call], subject: &Subject) -> Run {
    let scheduler = Scheduler::new(subject.clock, subject.recorder.now.clone());
    let service = Service {
        calls,
        scheduler: &scheduler,
        attempts: Cell::new(0),
    };
    let endings: Vec<Cell<Option<Ending>>> = calls.iter().map(|_| Cell::new(None)).collect();
    {
        let mut tasks: BTreeMap<usize, Task<'_>> = BTreeMap::new();
        let mut last_snapshot = 0;
        let mut step = |at: u64, task: usize| {
            // Through a long quiet spell the clock moves an hour at a time,
            // so that the core's 32-bit time never jumps a wrap.
            while at - last_snapshot >= SNAPSHOT_EVERY_MS {
                last_snapshot += SNAPSHOT_EVERY_MS;
                scheduler.set_now(last_snapshot);
                if let Some(b) = subject.breaker {
                    b.snapshot();
                }
            }
            scheduler.set_now(at);
            scheduler.current.set(task);
            let fut = tasks.entry(task).or_insert_with(|| {
                Box::pin(one_call(task, &service, subject, &endings[task])) as Task<'_>
            });
            if fut
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()))
                .is_ready()
            {
                tasks.remove(&task);
            }
        };
        for (i, call) in calls.iter().enumerate() {
            // What fell due before this call (or with it, scheduled
            // earlier) runs first.
            while let Some((at, task)) = scheduler.next_due(call.at_ms) {
                step(at, task);
            }
            step(call.at_ms.max(scheduler.now.get()), i);
        }
        while let Some((at, task)) = scheduler.next_due(u64::MAX) {
            step(at, task);
        }
    }
    // Every call ends: a task waits only on a timer, and they have all run.
    debug_assert!(endings.iter().all(|e| e.get().is_some()));
    let breaker = subject.breaker.map(|b| b.snapshot());
    let recorded = subject.recorder.events.take();
    Run {
        endings: endings
            .iter()
            .map(|e| e.get().unwrap_or(Ending::Failed))
            .collect(),
        transitions: recorded.transitions,
        rejections: recorded.rejections,
        end_ms: scheduler.now.get(),
        service_attempts: service.attempts.get(),
        breaker,
        retry: subject.retry.map(|r| r.snapshot()),
    }
}

/// Logged call `index`, through the subject, from its logged time.
async fn one_call(
    index: usize,
    service: &Service<'_>,
    subject: &Subject,
    ending: &Cell<Option<Ending>>,
) {
    let sleeper = SimSleeper(service.scheduler);
    // The first attempt is the logged call itself; a retry sees the service
    // as the log does at the retry's own time.
    let first = Cell::new(true);
    let attempt = || {
        let own = first.replace(false).then_some(index);
        service.attempt(own)
    };
    let end = match (subject.breaker, subject.retry, subject.order) {
        (Some(b), Some(r), Order::BreakerRetry) => ending_of(
            b.call_classified_async(classify, || r.call_async(&sleeper, attempt))
                .await
                .map_err(|e| match e {
                    CallError::Inner(e) => CallError::Inner(e.error),
                    CallError::Rejected(r) => CallError::Rejected(r),
                }),
        ),
        (Some(b), Some(r), Order::RetryBreaker) => ending_of(
            r.call_if_async(&NotRejected, &sleeper, || {
                b.call_classified_async(classify, attempt)
            })
            .await
            .map_err(|e| e.error),
        ),
        (Some(b), None, _) => ending_of(b.call_classified_async(classify, attempt).await),
        (None, Some(r), _) => ending_of(
            r.call_if_async(&RetryErrors, &sleeper, attempt)
                .await
                .map_err(|e: RetryError<Failure>| CallError::Inner(e.error)),
        ),
        (None, None, _) => ending_of(attempt().await.map_err(CallError::Inner)),
    };
    ending.set(Some(end));
}

fn ending_of(result: Result<Answer, CallError<Failure>>) -> Ending {
    match result {
        Ok(Answer::Success) => Ending::Succeeded,
        Ok(Answer::Ignored) => Ending::Ignored,
        Ok(Answer::Failure) | Err(CallError::Inner(_)) => Ending::Failed,
        Err(CallError::Rejected(_)) => Ending::Rejected,
    }
}

/// The service as the log shows it.
struct Service<'a> {
    calls: &'a [Call],
    scheduler: &'a Scheduler,
    attempts: Cell<u64>,
}

impl Service<'_> {
    /// One attempt: logged call `own`, or for a retry the first call logged
    /// at or after now (the last one past the end of the log). It takes the
    /// call's latency, then answers as the call did.
    async fn attempt(&self, own: Option<usize>) -> Answered {
        self.attempts.set(self.attempts.get() + 1);
        let now = self.scheduler.now.get();
        let index = own.unwrap_or_else(|| {
            self.calls
                .partition_point(|c| c.at_ms < now)
                .min(self.calls.len() - 1)
        });
        let call = &self.calls[index];
        self.scheduler.sleep(call.latency_ms).await;
        match call.answer {
            Answer::Failure => Err(Failure),
            answer => Ok(answer),
        }
    }
}

/// Timers on the replay's time: who waits, until when.
struct Scheduler {
    clock: &'static ManualClock,
    /// Milliseconds since the start of the log (the clock holds their low
    /// 32 bits and wraps as the core expects).
    now: Rc<Cell<u64>>,
    /// (due, order of scheduling, task): earliest first, ties in order.
    timers: RefCell<BinaryHeap<Reverse<(u64, u64, usize)>>>,
    scheduled: Cell<u64>,
    /// The task being polled.
    current: Cell<usize>,
}

impl Scheduler {
    fn new(clock: &'static ManualClock, now: Rc<Cell<u64>>) -> Self {
        clock.set(Instant::from_ticks(0));
        now.set(0);
        Self {
            clock,
            now,
            timers: RefCell::default(),
            scheduled: Cell::new(0),
            current: Cell::new(0),
        }
    }

    fn set_now(&self, at: u64) {
        self.now.set(at);
        // Truncated on purpose: the core's time is a wrapping u32 of ms.
        self.clock.set(Instant::from_ticks(at as u32));
        debug_assert_eq!(self.clock.now().as_ticks(), at as u32);
    }

    /// The next timer due at or before `until`, taken off the queue.
    fn next_due(&self, until: u64) -> Option<(u64, usize)> {
        let mut timers = self.timers.borrow_mut();
        match timers.peek() {
            Some(Reverse((at, _, _))) if *at <= until => {
                timers.pop().map(|Reverse((at, _, task))| (at, task))
            }
            _ => None,
        }
    }

    fn sleep(&self, ms: u64) -> Sleep<'_> {
        Sleep {
            scheduler: self,
            ms,
            until: None,
        }
    }
}

/// Waits `ms` of replay time: due at the first poll plus `ms`.
struct Sleep<'a> {
    scheduler: &'a Scheduler,
    ms: u64,
    until: Option<u64>,
}

impl Future for Sleep<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        let s = self.scheduler;
        let now = s.now.get();
        match self.until {
            None if self.ms == 0 => Poll::Ready(()),
            None => {
                let until = now.saturating_add(self.ms);
                self.until = Some(until);
                let order = s.scheduled.get();
                s.scheduled.set(order + 1);
                s.timers
                    .borrow_mut()
                    .push(Reverse((until, order, s.current.get())));
                Poll::Pending
            }
            Some(until) if now >= until => Poll::Ready(()),
            Some(_) => Poll::Pending,
        }
    }
}

/// The retry's backoff, on the replay's time.
struct SimSleeper<'a>(&'a Scheduler);

impl Sleeper for SimSleeper<'_> {
    fn sleep(&self, delay: Duration) -> impl Future<Output = ()> {
        self.0.sleep(delay.as_ticks().into())
    }
}

#[cfg(test)]
mod tests {
    use totem_core::{BreakerConfig, Cause, RetryConfig, State};

    use super::*;

    fn call(at_ms: u64, answer: Answer, latency_ms: u64) -> Call {
        Call {
            at_ms,
            answer,
            latency_ms,
            error_class: String::new(),
        }
    }

    fn subject(threshold: u32, attempts: Option<u32>, order: Order) -> Subject {
        let clock: &'static ManualClock = Box::leak(Box::new(ManualClock::new()));
        let recorder = Recorder::new(Some("b"));
        let config = BreakerConfig::new("b")
            .failure_threshold(threshold)
            .reset_timeout(Duration::from_secs(10))
            .validate()
            .unwrap();
        let breaker = CircuitBreaker::new_with_observer(config, clock, recorder.clone());
        breaker.start_time_accounting();
        let retry = attempts.map(|n| {
            let config = RetryConfig::new("r")
                .max_attempts(n)
                .initial_delay(Duration::from_secs(1))
                .validate()
                .unwrap();
            &*Box::leak(Box::new(Retry::new_with_observer(
                config,
                clock,
                1,
                recorder.clone(),
            )))
        });
        Subject {
            clock,
            breaker: Some(Box::leak(Box::new(breaker))),
            retry,
            recorder,
            order,
        }
    }

    #[test]
    fn a_breaker_alone_trips_and_rejects_at_the_logged_times() {
        let calls: Vec<_> = (0..6).map(|i| call(i * 100, Answer::Failure, 0)).collect();
        let run = replay(&calls, &subject(3, None, Order::BreakerRetry));
        use Ending::*;
        assert_eq!(
            run.endings,
            [Failed, Failed, Failed, Rejected, Rejected, Rejected]
        );
        assert_eq!(run.transitions.len(), 1);
        assert_eq!(run.transitions[0].0, 200);
        assert_eq!(run.transitions[0].1.cause, Cause::FailureThreshold);
        assert_eq!(run.rejections, [300, 400, 500]);
        assert_eq!(run.service_attempts, 3);
    }

    #[test]
    fn a_retry_sees_the_service_as_logged_at_its_own_time() {
        // Failing until 1500 ms: the first call's retry at 1000 ms fails,
        // the one at 3000 ms (a 2 s backoff) meets the success logged then.
        let calls = [
            call(0, Answer::Failure, 0),
            call(1_000, Answer::Failure, 0),
            call(2_000, Answer::Success, 0),
            call(3_000, Answer::Success, 0),
        ];
        let run = replay(&calls, &subject(10, Some(3), Order::BreakerRetry));
        assert_eq!(run.endings[0], Ending::Succeeded);
        let retry = run.retry.unwrap();
        // Its retries slept 1 s and 2 s, the second call's one 1 s.
        assert_eq!((retry.retries_total, retry.delay_ms_total), (3, 4_000));
        // Calls overlap: the 1000 ms call ran at its own time, not after
        // the first call's backoff, and its own retry at 2000 ms succeeded.
        assert_eq!(run.endings[1], Ending::Succeeded);
        assert_eq!(run.service_attempts, 4 + 2 + 1);
        assert_eq!(run.end_ms, 3_000);
    }

    #[test]
    fn latency_holds_a_half_open_probe_and_the_calls_behind_it_are_rejected() {
        let mut calls = vec![call(0, Answer::Failure, 0)];
        // The probe at 10 s takes 500 ms; calls during it are rejected.
        calls.push(call(10_000, Answer::Success, 500));
        calls.push(call(10_100, Answer::Success, 0));
        calls.push(call(10_600, Answer::Success, 0));
        let run = replay(&calls, &subject(1, None, Order::BreakerRetry));
        use Ending::*;
        assert_eq!(run.endings, [Failed, Succeeded, Rejected, Succeeded]);
        let to: Vec<_> = run.transitions.iter().map(|(at, t)| (*at, t.to)).collect();
        assert_eq!(
            to,
            [
                (0, State::Open),
                (10_000, State::HalfOpen),
                (10_500, State::Closed)
            ]
        );
        let b = run.breaker.unwrap();
        assert_eq!(b.time_in(State::Open), 10_000);
        assert_eq!(b.time_in(State::HalfOpen), 500);
    }

    #[test]
    fn a_quiet_spell_longer_than_the_clocks_wrap_is_still_time_closed() {
        // 60 days between two calls: the core's u32 of milliseconds wraps
        // after 49.7.
        let day = 24 * 60 * 60 * 1000;
        let calls = [
            call(0, Answer::Success, 0),
            call(60 * day, Answer::Failure, 0),
        ];
        let run = replay(&calls, &subject(1, None, Order::BreakerRetry));
        assert_eq!(run.transitions.len(), 1);
        assert_eq!(run.transitions[0].0, 60 * day);
        let b = run.breaker.unwrap();
        assert_eq!(b.time_in(State::Closed), 60 * day);
        assert_eq!(b.time_in(State::Open), 0);
    }

    #[test]
    fn retrying_through_the_breaker_stops_at_a_rejection() {
        let calls = [call(0, Answer::Failure, 0), call(5_000, Answer::Failure, 0)];
        let run = replay(&calls, &subject(2, Some(5), Order::RetryBreaker));
        // Attempt 1 at 0 and attempt 2 at 1 s fail and trip the breaker;
        // attempt 3 at 3 s is refused and ends the call.
        assert_eq!(run.endings[0], Ending::Rejected);
        assert_eq!(run.transitions[0].0, 1_000);
        assert_eq!(run.rejections[0], 3_000);
    }
}

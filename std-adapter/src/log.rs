//! [`TracingObserver`]: breaker and retry events as `tracing` records.

use totem_core::{Clock, Duration, Event, GiveUp, Observer, State, Throttle};

use crate::clock::CoarseClock;

/// Writes breaker and retry events to `tracing`. Rejections are rate-limited
/// per observer: at most one line per interval (1 s by default) saying how
/// many calls were turned away, never one line per call. Cloning gives a
/// fresh rate limit, so each instance a registry builds has its own.
///
/// | event | level | message | fields |
/// |---|---|---|---|
/// | CLOSED/HALF_OPEN → OPEN, → FORCED_OPEN, → DISABLED | WARN | `circuit breaker opened` / `… forced open` / `… disabled` | `name`, `from`, `to`, `cause`, `consecutive_failures`, `at_ms` |
/// | → CLOSED (recovery, reset) | INFO | `circuit breaker closed` | as above |
/// | OPEN → HALF_OPEN | INFO | `circuit breaker half-open` | as above |
/// | calls rejected | WARN, at most one line per interval and breaker | `calls rejected` | `name`, `state`, `rejected` (calls since the last line), `retry_after_ms` |
/// | a retry scheduled | INFO | `retrying` | `name`, `attempt`, `delay_ms`, `error_class` |
/// | a retry gave up: out of attempts or past its deadline | WARN | `retry gave up` | `name`, `attempts`, `reason` |
/// | a retry gave up: not retryable (the policy declined the error, or a breaker rejected the call) | DEBUG | `retry gave up` | as above |
///
/// `at_ms` is the transition's logical time on the breaker's clock (a
/// deadline that passed unobserved is dated at the deadline).
///
/// Retention is the subscriber's business, not the observer's: the spec's
/// 30 days of logs are, for instance, `tracing-appender`'s daily rotation
/// with `max_log_files(30)`:
///
/// ```ignore
/// let files = tracing_appender::rolling::Builder::new()
///     .rotation(tracing_appender::rolling::Rotation::DAILY)
///     .filename_prefix("totem")
///     .max_log_files(30)
///     .build("/var/log/my-service")?;
/// tracing_subscriber::fmt().with_writer(files).init();
/// ```
///
/// ```
/// use totem_core::{BreakerConfig, State};
/// use totem_std::TracingObserver;
/// let breaker = totem_std::breaker(BreakerConfig::new("payments"))
///     .unwrap()
///     .with_observer(TracingObserver::new());
/// # assert_eq!(breaker.state(), State::Closed);
/// ```
#[derive(Debug)]
pub struct TracingObserver<C = CoarseClock> {
    rejections: Throttle,
    interval: Duration,
    /// Times the rejection lines (the coarse clock by default: a few ns, on
    /// a path that turns calls away).
    clock: C,
}

impl TracingObserver {
    /// An observer logging at most one rejection line per second.
    pub const fn new() -> Self {
        Self::with_rejection_interval(Duration::from_secs(1))
    }

    /// An observer logging at most one rejection line per `interval`.
    pub const fn with_rejection_interval(interval: Duration) -> Self {
        Self::with_clock(interval, CoarseClock)
    }
}

impl<C: Clock> TracingObserver<C> {
    /// An observer timing its rejection lines on `clock` (a paused or
    /// manual clock in tests).
    pub const fn with_clock(interval: Duration, clock: C) -> Self {
        Self {
            rejections: Throttle::new(interval),
            interval,
            clock,
        }
    }
}

impl Default for TracingObserver {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: Clock + Clone> Clone for TracingObserver<C> {
    fn clone(&self) -> Self {
        Self::with_clock(self.interval, self.clock.clone())
    }
}

impl<C: Clock> Observer for TracingObserver<C> {
    fn on_event(&self, event: &Event) {
        match event {
            Event::Transition(t) => {
                // One field list for every level (a level must be known
                // where the record is declared).
                macro_rules! transition {
                    ($level:ident, $message:literal) => {
                        tracing::$level!(
                            name = t.name,
                            from = t.from.as_str(),
                            to = t.to.as_str(),
                            cause = t.cause.as_str(),
                            consecutive_failures = t.consecutive_failures,
                            at_ms = t.at.as_ticks(),
                            $message
                        )
                    };
                }
                match t.to {
                    State::Open => transition!(warn, "circuit breaker opened"),
                    State::ForcedOpen => transition!(warn, "circuit breaker forced open"),
                    State::Disabled => transition!(warn, "circuit breaker disabled"),
                    State::HalfOpen => transition!(info, "circuit breaker half-open"),
                    State::Closed => transition!(info, "circuit breaker closed"),
                }
            }
            Event::Rejected(r) => {
                if let Some(held) = self.rejections.admit(self.clock.now()) {
                    let rejected = u64::from(held) + 1;
                    let retry_after_ms = r.retry_after.map(|d| d.as_ticks());
                    tracing::warn!(
                        name = r.name,
                        state = r.state.as_str(),
                        rejected,
                        retry_after_ms,
                        "calls rejected"
                    );
                }
            }
            Event::RetryScheduled(s) => tracing::info!(
                name = s.name,
                attempt = s.attempt,
                delay_ms = s.delay.as_ticks(),
                error_class = s.error_class,
                "retrying"
            ),
            // Out of attempts or time: the retries did not help, worth a
            // warning. Not retryable (the policy declined this error, or a
            // breaker rejected the call) is the caller's ordinary answer: at
            // one per rejected call it would flood the log. So is a retry
            // the budget refused: it happens to most failing calls during an
            // outage, by design; `retry_budget_denied_total` counts them.
            Event::RetryGaveUp(g) => match g.reason {
                GiveUp::Exhausted | GiveUp::Deadline => tracing::warn!(
                    name = g.name,
                    attempts = g.attempts,
                    reason = g.reason.as_str(),
                    "retry gave up"
                ),
                GiveUp::NotRetryable | GiveUp::BudgetExhausted => tracing::debug!(
                    name = g.name,
                    attempts = g.attempts,
                    reason = g.reason.as_str(),
                    "retry gave up"
                ),
            },
        }
    }
}

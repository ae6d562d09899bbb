//! The spec's daily reset ("Estados: reset diário"): once a day, at a UTC
//! time of day, a breaker is reset in full ([`ResetMode::Full`]) or has only
//! its streak and success rate cleared ([`ResetMode::Stats`]: an OPEN
//! breaker keeps its deadline). Totals (`_total` counters) are never reset.
//!
//! [`DailySchedule`] decides when (a pure function of the wall clock, at
//! most once per UTC day, whatever the clock does); [`DailyResetThread`]
//! runs it on a thread for blocking users, and `DailyResetTask` (feature
//! `tokio`) on a Tokio task.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use totem_core::{CircuitBreaker, Clock, Observer};

const DAY_SECS: u64 = 86_400;

/// A time of day in UTC, to the second.
///
/// ```
/// use totem_std::TimeOfDay;
/// let at = TimeOfDay::from_hms(3, 30, 0).unwrap();
/// assert_eq!(at.seconds_since_midnight(), 3 * 3600 + 30 * 60);
/// assert_eq!(at.to_string(), "03:30:00");
/// assert_eq!(TimeOfDay::from_hms(24, 0, 0), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay {
    secs: u32,
}

impl TimeOfDay {
    /// Midnight UTC.
    pub const MIDNIGHT: TimeOfDay = TimeOfDay { secs: 0 };

    /// `hour:minute:second`, or `None` unless hour < 24, minute < 60 and
    /// second < 60 (no leap second: a daily job has no use for 23:59:60).
    pub const fn from_hms(hour: u32, minute: u32, second: u32) -> Option<Self> {
        if hour < 24 && minute < 60 && second < 60 {
            Some(Self {
                secs: hour * 3_600 + minute * 60 + second,
            })
        } else {
            None
        }
    }

    /// Seconds since midnight UTC, `0..86_400`.
    pub const fn seconds_since_midnight(self) -> u32 {
        self.secs
    }

    /// The hour, `0..24`.
    pub const fn hour(self) -> u32 {
        self.secs / 3_600
    }

    /// The minute, `0..60`.
    pub const fn minute(self) -> u32 {
        self.secs / 60 % 60
    }

    /// The second, `0..60`.
    pub const fn second(self) -> u32 {
        self.secs % 60
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}:{:02}:{:02}",
            self.hour(),
            self.minute(),
            self.second()
        )
    }
}

/// What a daily reset does to its breaker.
///
/// ```
/// use totem_core::{BreakerConfig, CircuitBreaker, ManualClock, State};
/// use totem_std::ResetMode;
/// let clock = ManualClock::new();
/// let b = CircuitBreaker::try_new(BreakerConfig::new("db"), &clock).unwrap();
/// b.force_open();
/// ResetMode::Stats.apply(&b);
/// assert_eq!(b.state(), State::ForcedOpen);
/// ResetMode::Full.apply(&b);
/// assert_eq!(b.state(), State::Closed);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResetMode {
    /// [`CircuitBreaker::reset`]: back to CLOSED from any state.
    Full,
    /// [`CircuitBreaker::reset_stats`]: the streak and the success rate
    /// only; an OPEN breaker keeps its deadline.
    Stats,
}

impl ResetMode {
    /// Resets `breaker` in this mode. Totals are never reset either way.
    pub fn apply<C: Clock, O: Observer>(self, breaker: &CircuitBreaker<C, O>) {
        match self {
            Self::Full => breaker.reset(),
            Self::Stats => breaker.reset_stats(),
        }
    }

    /// `"full"` or `"stats"`, as a config file writes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Stats => "stats",
        }
    }
}

/// A breaker's daily reset: when, and what it does.
///
/// ```
/// use totem_std::{DailyReset, ResetMode, TimeOfDay};
/// let daily = DailyReset { at: TimeOfDay::from_hms(3, 0, 0).unwrap(), mode: ResetMode::Stats };
/// assert_eq!(daily.at.seconds_since_midnight(), 10_800);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DailyReset {
    /// When, in UTC.
    pub at: TimeOfDay,
    /// What it does.
    pub mode: ResetMode,
}

/// When a daily reset is due: at most once per UTC day, at or after the
/// time of day. A schedule started after today's time waits for tomorrow.
/// The wall clock is not trusted to be monotonic: a clock stepped back
/// (NTP) never fires a day twice, and a clock stepped forward over several
/// days fires once.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use totem_std::{DailySchedule, TimeOfDay};
/// let day = 86_400;
/// let at = |secs| UNIX_EPOCH + Duration::from_secs(secs);
/// // 03:00 UTC; started at 10:00 on day 100: not due until day 101, 03:00.
/// let mut s = DailySchedule::new(TimeOfDay::from_hms(3, 0, 0).unwrap(), at(100 * day + 36_000));
/// assert!(!s.poll(at(100 * day + 36_001)));
/// assert!(s.poll(at(101 * day + 10_800)));
/// assert!(!s.poll(at(101 * day + 10_801)), "once a day");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailySchedule {
    at: TimeOfDay,
    /// The last UTC day (days since the epoch) counted as done.
    done: u64,
}

impl DailySchedule {
    /// A schedule for `at`, starting at `now` (today counts as done if
    /// `at` has passed).
    pub fn new(at: TimeOfDay, now: SystemTime) -> Self {
        let (day, secs) = split(now);
        let done = if secs >= u64::from(at.secs) {
            day
        } else {
            day.saturating_sub(1)
        };
        Self { at, done }
    }

    /// Whether the reset is due at `now`; if so, it counts as done.
    pub fn poll(&mut self, now: SystemTime) -> bool {
        let (day, secs) = split(now);
        if day > self.done && secs >= u64::from(self.at.secs) {
            self.done = day;
            true
        } else {
            false
        }
    }

    /// How long to wait from `now` before polling again: until the next
    /// time of day, never zero, at most a day (so a clock that jumps is
    /// caught up with within a day).
    pub fn wait(&self, now: SystemTime) -> Duration {
        let (_, secs) = split(now);
        let at = u64::from(self.at.secs);
        let until = if secs < at {
            at - secs
        } else {
            DAY_SECS - secs + at
        };
        Duration::from_secs(until.max(1))
    }
}

/// Days since the epoch and seconds into that day (a time before the epoch
/// reads as the epoch).
fn split(now: SystemTime) -> (u64, u64) {
    let secs = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    (secs / DAY_SECS, secs % DAY_SECS)
}

/// A breaker a daily reset can apply to, whatever its clock and observer.
pub trait Resettable: Send + Sync {
    /// Applies `mode`.
    fn apply_reset(&self, mode: ResetMode);
}

impl<C, O> Resettable for CircuitBreaker<C, O>
where
    C: Clock + Send + Sync,
    O: Observer + Send + Sync,
{
    fn apply_reset(&self, mode: ResetMode) {
        mode.apply(self);
    }
}

/// A daily reset running on its own thread, for blocking users. Dropping
/// the handle stops the thread and waits for it.
///
/// ```
/// use totem_core::BreakerConfig;
/// use totem_std::{DailyReset, DailyResetThread, ResetMode, TimeOfDay};
/// let breaker = Box::leak(Box::new(totem_std::breaker(BreakerConfig::new("db")).unwrap()));
/// let daily = DailyReset { at: TimeOfDay::MIDNIGHT, mode: ResetMode::Stats };
/// let handle = DailyResetThread::spawn(breaker, daily).unwrap();
/// drop(handle); // stops it
/// ```
#[derive(Debug)]
pub struct DailyResetThread {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl DailyResetThread {
    /// Starts resetting `breaker` every day at `daily.at` (UTC, system
    /// time), in `daily.mode`.
    pub fn spawn(
        breaker: &'static dyn Resettable,
        daily: DailyReset,
    ) -> std::io::Result<DailyResetThread> {
        Self::spawn_with_wall_clock(breaker, daily, SystemTime::now)
    }

    /// [`spawn`](Self::spawn) reading the time of day from `wall` (a
    /// simulated clock in tests).
    pub fn spawn_with_wall_clock(
        breaker: &'static dyn Resettable,
        daily: DailyReset,
        wall: impl Fn() -> SystemTime + Send + 'static,
    ) -> std::io::Result<DailyResetThread> {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::Builder::new()
            .name("totem-daily-reset".into())
            .spawn(move || {
                let mut schedule = DailySchedule::new(daily.at, wall());
                // ORDERING: Acquire pairs with the Release store in `drop`.
                while !stopped.load(Ordering::Acquire) {
                    if schedule.poll(wall()) {
                        breaker.apply_reset(daily.mode);
                    }
                    // Woken early by `unpark` when stopping.
                    std::thread::park_timeout(schedule.wait(wall()));
                }
            })?;
        Ok(DailyResetThread {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for DailyResetThread {
    fn drop(&mut self) {
        // ORDERING: Release pairs with the thread's Acquire load: it sees
        // the request once it wakes.
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

/// A daily reset running on a Tokio task (feature `tokio`). Dropping the
/// handle stops it. Its waits are Tokio sleeps, so a paused runtime drives
/// it in tests.
///
/// ```
/// use totem_core::BreakerConfig;
/// use totem_std::{DailyReset, DailyResetTask, ResetMode, TimeOfDay};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let breaker = Box::leak(Box::new(totem_std::breaker(BreakerConfig::new("db")).unwrap()));
/// let daily = DailyReset { at: TimeOfDay::from_hms(3, 0, 0).unwrap(), mode: ResetMode::Stats };
/// let task = DailyResetTask::spawn(breaker, daily);
/// drop(task); // stops it
/// # }
/// ```
#[cfg(feature = "tokio")]
#[derive(Debug)]
pub struct DailyResetTask {
    task: ::tokio::task::JoinHandle<()>,
}

#[cfg(feature = "tokio")]
impl DailyResetTask {
    /// Starts resetting `breaker` every day at `daily.at` (UTC, system
    /// time), in `daily.mode`, on the current Tokio runtime.
    pub fn spawn(breaker: &'static dyn Resettable, daily: DailyReset) -> DailyResetTask {
        Self::spawn_with_wall_clock(breaker, daily, SystemTime::now)
    }

    /// [`spawn`](Self::spawn) reading the time of day from `wall` (in tests,
    /// a wall clock that follows Tokio's paused time).
    pub fn spawn_with_wall_clock(
        breaker: &'static dyn Resettable,
        daily: DailyReset,
        wall: impl Fn() -> SystemTime + Send + 'static,
    ) -> DailyResetTask {
        let task = ::tokio::spawn(async move {
            let mut schedule = DailySchedule::new(daily.at, wall());
            loop {
                if schedule.poll(wall()) {
                    breaker.apply_reset(daily.mode);
                }
                ::tokio::time::sleep(schedule.wait(wall())).await;
            }
        });
        DailyResetTask { task }
    }
}

#[cfg(feature = "tokio")]
impl Drop for DailyResetTask {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u64, secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(day * DAY_SECS + secs)
    }

    const THREE_AM: u64 = 3 * 3_600;

    fn three_am() -> TimeOfDay {
        TimeOfDay::from_hms(3, 0, 0).unwrap()
    }

    #[test]
    fn started_before_the_time_fires_today() {
        let mut s = DailySchedule::new(three_am(), at(10, 60));
        assert!(!s.poll(at(10, THREE_AM - 1)));
        assert!(s.poll(at(10, THREE_AM)));
        assert!(!s.poll(at(10, THREE_AM + 5)));
        assert!(s.poll(at(11, THREE_AM)));
    }

    #[test]
    fn started_after_the_time_waits_for_tomorrow() {
        let mut s = DailySchedule::new(three_am(), at(10, THREE_AM));
        assert!(!s.poll(at(10, 80_000)));
        assert!(!s.poll(at(11, THREE_AM - 1)));
        assert!(s.poll(at(11, THREE_AM + 10)), "late polls still fire");
    }

    #[test]
    fn a_clock_stepped_back_never_fires_a_day_twice() {
        let mut s = DailySchedule::new(three_am(), at(10, 0));
        assert!(s.poll(at(10, THREE_AM)));
        // NTP steps the clock back an hour, across the reset time.
        assert!(!s.poll(at(10, THREE_AM - 3_600)));
        assert!(!s.poll(at(10, THREE_AM)));
        // ... and back across midnight to yesterday.
        assert!(!s.poll(at(9, 80_000)));
        assert!(s.poll(at(11, THREE_AM)));
    }

    #[test]
    fn a_clock_stepped_forward_over_days_fires_once() {
        let mut s = DailySchedule::new(three_am(), at(10, 0));
        assert!(s.poll(at(15, THREE_AM + 1)));
        assert!(!s.poll(at(15, THREE_AM + 2)));
    }

    #[test]
    fn waits_until_the_next_time_of_day() {
        let s = DailySchedule::new(three_am(), at(10, 0));
        assert_eq!(s.wait(at(10, 0)), Duration::from_secs(THREE_AM));
        assert_eq!(s.wait(at(10, THREE_AM)), Duration::from_secs(DAY_SECS));
        assert_eq!(
            s.wait(at(10, THREE_AM + 60)),
            Duration::from_secs(DAY_SECS - 60)
        );
        assert_eq!(s.wait(at(10, THREE_AM - 1)), Duration::from_secs(1));
    }

    #[test]
    fn a_time_before_the_epoch_reads_as_the_epoch() {
        let before = UNIX_EPOCH - Duration::from_secs(5);
        let mut s = DailySchedule::new(TimeOfDay::MIDNIGHT, before);
        assert!(!s.poll(before));
        assert!(s.poll(at(1, 0)));
    }
}

//! The daily reset on Tokio's paused clock: a wall clock that follows
//! Tokio's time drives the task through simulated days, so no test waits.
#![cfg(feature = "tokio")]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use totem_core::{BreakerConfig, CircuitBreaker, State};
use totem_std::{DailyReset, DailyResetTask, ResetMode, TimeOfDay, TokioClock};

const DAY: u64 = 86_400;

/// A wall clock at `start` that moves with Tokio's (paused) time.
fn wall_from(start: SystemTime) -> impl Fn() -> SystemTime + Send + 'static {
    let origin = tokio::time::Instant::now();
    move || start + origin.elapsed()
}

fn breaker(threshold: u32) -> &'static CircuitBreaker<TokioClock> {
    Box::leak(Box::new(
        CircuitBreaker::try_new(
            BreakerConfig::new("db")
                .failure_threshold(threshold)
                .reset_timeout(totem_core::Duration::from_secs(3 * 3_600)),
            TokioClock::new(),
        )
        .unwrap(),
    ))
}

fn three_am(mode: ResetMode) -> DailyReset {
    DailyReset {
        at: TimeOfDay::from_hms(3, 0, 0).unwrap(),
        mode,
    }
}

#[tokio::test(start_paused = true)]
async fn stats_mode_clears_the_streak_at_the_time_and_keeps_totals() {
    let b = breaker(5);
    // Day 1000, 02:00 UTC.
    let start = UNIX_EPOCH + Duration::from_secs(1_000 * DAY + 2 * 3_600);
    let _task =
        DailyResetTask::spawn_with_wall_clock(b, three_am(ResetMode::Stats), wall_from(start));
    let _ = b.call(|| Err::<(), _>(()));
    let _ = b.call(|| Err::<(), _>(()));
    tokio::time::sleep(Duration::from_secs(3_599)).await;
    assert_eq!(b.consecutive_failures(), 2, "not yet 03:00");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(b.consecutive_failures(), 0, "cleared at 03:00");
    assert_eq!(b.snapshot().failures_total, 2, "totals are never reset");
    assert_eq!(b.snapshot().success_rate, None, "the rate restarts");
    // Again the next day, once.
    let _ = b.call(|| Err::<(), _>(()));
    tokio::time::sleep(Duration::from_secs(DAY - 10)).await;
    assert_eq!(b.consecutive_failures(), 1);
    tokio::time::sleep(Duration::from_secs(20)).await;
    assert_eq!(b.consecutive_failures(), 0);
}

#[tokio::test(start_paused = true)]
async fn stats_mode_keeps_an_open_breaker_open_and_full_mode_closes_it() {
    let start = UNIX_EPOCH + Duration::from_secs(2_000 * DAY + 2 * 3_600);
    let stats = breaker(1);
    let full = breaker(1);
    let _s =
        DailyResetTask::spawn_with_wall_clock(stats, three_am(ResetMode::Stats), wall_from(start));
    let _f =
        DailyResetTask::spawn_with_wall_clock(full, three_am(ResetMode::Full), wall_from(start));
    let _ = stats.call(|| Err::<(), _>(()));
    let _ = full.call(|| Err::<(), _>(()));
    tokio::time::sleep(Duration::from_secs(3_601)).await;
    // The OPEN breaker keeps its deadline (3 h after it opened, at 05:00).
    assert_eq!(stats.state(), State::Open);
    assert_eq!(full.state(), State::Closed);
}

#[tokio::test(start_paused = true)]
async fn dropping_the_task_stops_it() {
    let b = breaker(5);
    let start = UNIX_EPOCH + Duration::from_secs(3_000 * DAY + 2 * 3_600);
    let task =
        DailyResetTask::spawn_with_wall_clock(b, three_am(ResetMode::Stats), wall_from(start));
    let _ = b.call(|| Err::<(), _>(()));
    drop(task);
    tokio::time::sleep(Duration::from_secs(2 * DAY)).await;
    assert_eq!(b.consecutive_failures(), 1);
}

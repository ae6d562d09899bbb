//! # totem-embassy
//!
//! Totem on [Embassy](https://embassy.dev): [`EmbassyClock`] (zero-sized,
//! usable in a `static`), [`EmbassySleeper`] (an `embassy_time::Timer` that
//! never rounds a delay down to zero) and, with the `defmt` feature,
//! `DefmtObserver`, which logs state changes, rejections and retries.
//!
//! Every decision stays in [`totem_core`]: this crate only supplies time and
//! a way to sleep. An Embassy task calls the core directly:
//! `BREAKER.call_async(op)`, `RETRY.call_async(&EmbassySleeper, op)`.
//!
//! ```no_run
//! use totem_core::{
//!     settings, BreakerConfig, BreakerSettings, Duration, NoObserver, RetryConfig, RetrySettings,
//! };
//! use totem_embassy::{EmbassyBreaker, EmbassyClock, EmbassyRetry, EmbassySleeper};
//!
//! // The configuration is a constant in flash, checked at compile time: the
//! // statics hold only their atomics, and unused options cost no code.
//! settings! {
//!     Sensor: BreakerSettings = BreakerConfig::new("sensor")
//!         .failure_threshold(3)
//!         .reset_timeout(Duration::from_millis(500));
//!     SensorRetry: RetrySettings = RetryConfig::new("sensor").initial_delay(Duration::from_millis(20));
//! }
//!
//! // `static`s: shared by tasks and interrupt handlers alike.
//! static SENSOR: EmbassyBreaker<NoObserver, Sensor> =
//!     EmbassyBreaker::from_settings(Sensor, EmbassyClock, NoObserver);
//! // Reseed at boot from a chip-unique value: SENSOR_RETRY.reseed(uid).
//! static SENSOR_RETRY: EmbassyRetry<NoObserver, SensorRetry> =
//!     EmbassyRetry::from_settings(SensorRetry, EmbassyClock, 0, NoObserver);
//!
//! async fn read_sensor() -> Result<u16, ()> { Ok(42) }
//!
//! async fn sample() {
//!     // The spec's order: the breaker sees one outcome per retried read.
//!     let value = SENSOR
//!         .call_async(|| SENSOR_RETRY.call_async(&EmbassySleeper, read_sensor))
//!         .await;
//!     let _ = value;
//! }
//! ```
//!
//! ## Time
//! Totem counts milliseconds on a wrapping `u32`; Embassy counts ticks on a
//! `u64` at `embassy_time::TICK_HZ`. [`EmbassyClock`] reads
//! `embassy_time::Instant::now()` rounded down to a millisecond, and
//! [`EmbassySleeper`] converts a delay to ticks rounding **up** ([`ticks_for`]),
//! so a sleep is never shorter, on the same clock, than the delay asked for,
//! and a 1 ms delay at a 100 Hz tick is one tick, not zero.
//!
//! Reading the clock goes through the Embassy time driver, which on many
//! chips (and in the QEMU firmware of this project) takes a short critical
//! section for a 64-bit read; the breaker reads no clock on its CLOSED path.
//!
//! ## Alerts
//! [`BreakerWatch`] and [`RetryWatch`] judge the core's alert rules (the
//! spec's six, [`totem_core::BreakerAlerts`], [`totem_core::RetryAlerts`])
//! over a fixed-size history of an instance's snapshots, fed by a task
//! every few seconds; with the `defmt` feature each alert that fires or
//! clears is a `warn`.
//!
//! ## Features
//! - `defmt`: `DefmtObserver`, alert edges at `warn` (`log_edge`), and
//!   `defmt::Format` on the core's value types.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use core::future::Future;

mod alerts;

#[cfg(feature = "defmt")]
pub use alerts::log_edge;
pub use alerts::{BreakerWatch, RetryWatch, Rules, Watch};

pub use totem_core;
use totem_core::{
    BreakerSettings, CircuitBreaker, Clock, Duration, Instant, NoObserver, Retry, RetrySettings,
    Sleeper,
};

/// The Embassy time of day as a Totem [`Instant`]: milliseconds since boot
/// (`embassy_time::Instant::now()`, rounded down), truncated to the core's
/// wrapping 32-bit timeline (it wraps every 49.7 days, which the core
/// expects). Zero-sized and `const`-constructible, so a `static` breaker can
/// hold it.
///
/// ```
/// use totem_embassy::EmbassyClock;
/// assert_eq!(core::mem::size_of::<EmbassyClock>(), 0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct EmbassyClock;

impl EmbassyClock {
    /// The clock (the same as the unit value `EmbassyClock`).
    pub const fn new() -> Self {
        EmbassyClock
    }
}

impl Clock for EmbassyClock {
    #[inline]
    fn now(&self) -> Instant {
        // Truncation to u32 is the wrap the core is built for.
        Instant::from_ticks(embassy_time::Instant::now().as_millis() as u32)
    }
}

/// The number of ticks of a `tick_hz` clock that covers `delay`, rounded
/// **up**: a delay shorter than one tick becomes one tick, never zero (only a
/// zero delay is zero ticks).
///
/// ```
/// use totem_core::Duration;
/// use totem_embassy::ticks_for;
/// assert_eq!(ticks_for(Duration::from_millis(1), 100), 1); // 10 ms ticks: round up
/// assert_eq!(ticks_for(Duration::from_millis(10), 100), 1);
/// assert_eq!(ticks_for(Duration::from_millis(11), 100), 2);
/// assert_eq!(ticks_for(Duration::from_millis(1), 32_768), 33); // 32.768 -> 33
/// assert_eq!(ticks_for(Duration::from_millis(0), 100), 0);
/// ```
pub const fn ticks_for(delay: Duration, tick_hz: u64) -> u64 {
    // u32::MAX ms * a tick rate below 4.2 GHz stays below u64::MAX: no overflow.
    (delay.as_ticks() as u64 * tick_hz).div_ceil(1_000)
}

/// `delay` as an Embassy duration at the configured tick rate
/// (`embassy_time::TICK_HZ`), rounded up to whole ticks ([`ticks_for`]).
///
/// ```
/// use totem_core::Duration;
/// let d = totem_embassy::to_embassy(Duration::from_millis(250));
/// assert_eq!(d.as_millis(), 250);
/// ```
#[inline]
pub fn to_embassy(delay: Duration) -> embassy_time::Duration {
    embassy_time::Duration::from_ticks(ticks_for(delay, embassy_time::TICK_HZ))
}

/// A [`Sleeper`] over `embassy_time::Timer`: the retry loop's sleep in an
/// Embassy task. It waits at least `delay` on the Embassy clock (rounded up to
/// whole ticks, never down to zero), yields to the executor meanwhile, and
/// is cancelled by dropping the future.
///
/// ```no_run
/// use totem_core::{Duration, Sleeper};
/// # async fn f() {
/// totem_embassy::EmbassySleeper.sleep(Duration::from_millis(20)).await;
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct EmbassySleeper;

impl Sleeper for EmbassySleeper {
    #[inline]
    fn sleep(&self, delay: Duration) -> impl Future<Output = ()> {
        embassy_time::Timer::after(to_embassy(delay))
    }
}

/// A circuit breaker on the Embassy clock; `K` is where it finds its
/// configuration (a `settings!` type keeps it in flash).
pub type EmbassyBreaker<O = NoObserver, K = BreakerSettings> = CircuitBreaker<EmbassyClock, O, K>;

/// A retry on the Embassy clock; `K` is where it finds its configuration.
pub type EmbassyRetry<O = NoObserver, K = RetrySettings> = Retry<EmbassyClock, O, K>;

#[cfg(feature = "defmt")]
mod defmt_observer {
    use totem_core::{Event, Observer, State};

    /// An [`Observer`] that logs with `defmt`: transitions to OPEN at
    /// `warn`, other transitions and scheduled retries at `info`, rejections
    /// at `debug`, a retry that gave up at `warn`. States are printed as
    /// `CLOSED`, `OPEN`, `HALF_OPEN`, `FORCED_OPEN`, `DISABLED`; `at` is the
    /// logical time of the transition in Totem milliseconds.
    ///
    /// It is zero-sized and never blocks beyond the defmt logger's own
    /// critical section, so it may run in an interrupt handler.
    ///
    /// ```
    /// use totem_core::{validated, BreakerConfig, CircuitBreaker};
    /// use totem_embassy::{DefmtObserver, EmbassyClock};
    /// let breaker = CircuitBreaker::new(validated!(BreakerConfig::new("sensor")), EmbassyClock)
    ///     .with_observer(DefmtObserver);
    /// # let _ = breaker;
    /// ```
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
    pub struct DefmtObserver;

    impl Observer for DefmtObserver {
        fn on_event(&self, event: &Event) {
            match event {
                Event::Transition(t) => {
                    if matches!(t.to, State::Open | State::ForcedOpen) {
                        defmt::warn!(
                            "breaker {=str}: {=str} -> {=str} at {=u32} ms ({}, {=u32} consecutive failures)",
                            t.name,
                            t.from.label(),
                            t.to.label(),
                            t.at.as_ticks(),
                            t.cause,
                            t.consecutive_failures
                        );
                    } else {
                        defmt::info!(
                            "breaker {=str}: {=str} -> {=str} at {=u32} ms ({}, {=u32} consecutive failures)",
                            t.name,
                            t.from.label(),
                            t.to.label(),
                            t.at.as_ticks(),
                            t.cause,
                            t.consecutive_failures
                        );
                    }
                }
                Event::Rejected(r) => match r.retry_after {
                    Some(d) => defmt::debug!(
                        "breaker {=str}: rejected in {=str}, next probe in {=u32} ms",
                        r.name,
                        r.state.label(),
                        d.as_ticks()
                    ),
                    None => defmt::debug!(
                        "breaker {=str}: rejected in {=str}",
                        r.name,
                        r.state.label()
                    ),
                },
                Event::RetryScheduled(r) => defmt::info!(
                    "retry {=str}: attempt {=u32} failed, retrying in {=u32} ms",
                    r.name,
                    r.attempt,
                    r.delay.as_ticks()
                ),
                Event::RetryGaveUp(g) => defmt::warn!(
                    "retry {=str}: gave up after {=u32} attempts ({})",
                    g.name,
                    g.attempts,
                    g.reason
                ),
            }
        }
    }
}

#[cfg(feature = "defmt")]
pub use defmt_observer::DefmtObserver;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_tick_delays_round_up_to_one_tick() {
        for hz in [1, 10, 100, 128, 256, 1_000, 1_024, 32_768, 1_000_000] {
            for ms in 1..=50u32 {
                let ticks = ticks_for(Duration::from_millis(ms), hz);
                assert!(ticks >= 1, "{ms} ms at {hz} Hz became zero ticks");
                // Never shorter than asked: ticks / hz >= ms / 1000.
                assert!(
                    ticks * 1_000 >= u64::from(ms) * hz,
                    "{ms} ms at {hz} Hz too short"
                );
                // And less than one tick longer.
                assert!(
                    (ticks - 1) * 1_000 < u64::from(ms) * hz,
                    "{ms} ms at {hz} Hz too long"
                );
            }
        }
    }

    #[test]
    fn zero_stays_zero_and_the_largest_delay_does_not_overflow() {
        assert_eq!(ticks_for(Duration::from_millis(0), 1_000_000), 0);
        let max = Duration::from_ticks(u32::MAX);
        assert_eq!(ticks_for(max, 1_000), u64::from(u32::MAX));
        assert_eq!(ticks_for(max, 1_000_000), u64::from(u32::MAX) * 1_000);
        assert_eq!(
            ticks_for(max, 1_310_720_000),
            (u64::from(u32::MAX) * 1_310_720_000).div_ceil(1_000)
        );
    }

    #[test]
    fn agrees_with_embassy_from_millis_at_the_configured_rate() {
        for ms in [0u32, 1, 2, 999, 1_000, 60_000, u32::MAX] {
            assert_eq!(
                to_embassy(Duration::from_millis(ms)),
                embassy_time::Duration::from_millis(u64::from(ms))
            );
        }
    }
}

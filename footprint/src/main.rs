//! Measuring firmware for `cargo xtask footprint` (`scripts/footprint.sh`).
//!
//! Every measured API function is wrapped in a `#[no_mangle] #[inline(never)]`
//! entry point named `fp_*`, compiled in only when its cargo feature is on. The
//! xtask builds this firmware once per feature set and reports, for each
//! function, the flash it adds to the empty build (so shared helpers are
//! counted with the first function that needs them), then disassembles the
//! hot path (`fp_try_acquire`, `fp_record`, `fp_call`) and everything it
//! calls to check that on thumbv7em it never disables interrupts (`cpsid`).
//!
//! The breaker and the retry are `static`s in the default configuration
//! (consecutive-failure policy, metrics on, no observer), read time from
//! [`TickClock`] (one lock-free `AtomicU32` load, as a SysTick-driven
//! millisecond counter would be), and wrap an operation whose outcome the
//! compiler cannot predict. `main` calls every entry point so that none is
//! discarded; nothing here is meant to run.

#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering::Relaxed};
#[cfg(target_arch = "arm")]
use cortex_m_rt::{entry, exception};
#[cfg(target_arch = "riscv32")]
use riscv_rt::entry;
#[allow(unused_imports)]
use totem_core::{
    validated, AbandonedPermit, BreakerConfig, BreakerSettings, CircuitBreaker, Clock, Duration,
    Event, Instant, Jitter, NoObserver, Outcome, Retry, RetryConfig, RetrySettings,
};

#[cfg(target_arch = "arm")]
#[cfg(not(target_has_atomic = "32"))]
use cortex_m as _; // links `critical-section-single-core` on thumbv6m

/// Milliseconds since boot, advanced by the SysTick (Arm) or machine timer
/// (RISC-V) handler.
static TICKS: AtomicU32 = AtomicU32::new(0);
/// Stands for whatever decides the operation's outcome (a bus, a modem).
/// Read with [`unknown`]: nothing writes it, and the optimiser must not
/// conclude that it is always 0.
#[allow(dead_code)]
static INPUT: AtomicU32 = AtomicU32::new(0);
/// Which entry point the loop calls (read with [`unknown`], like `INPUT`).
static SELECT: AtomicU32 = AtomicU32::new(0);
/// Sink for results, so that no call is optimised away.
static SINK: AtomicU32 = AtomicU32::new(0);

/// A lock-free millisecond clock: one `AtomicU32` load.
#[derive(Debug, Clone, Copy)]
pub struct TickClock;

impl Clock for TickClock {
    #[inline]
    fn now(&self) -> Instant {
        Instant::from_ticks(TICKS.load(Relaxed))
    }
}

/// A value the optimiser cannot know: a volatile read. Without it, fat LTO
/// sees that `SELECT` and `INPUT` are never written and folds every
/// measured call (and the failure paths) away.
#[inline(always)]
fn unknown(cell: &AtomicU32) -> u32 {
    // SAFETY: `as_ptr` points to a live, aligned u32; a volatile read of it
    // is a plain load (nothing writes these cells).
    unsafe { core::ptr::read_volatile(cell.as_ptr()) }
}

#[cfg(target_arch = "arm")]
#[exception]
fn SysTick() {
    tick();
}

/// The machine timer's interrupt: RISC-V's tick.
#[cfg(target_arch = "riscv32")]
#[riscv_rt::core_interrupt(riscv::interrupt::Interrupt::MachineTimer)]
fn machine_timer() {
    tick();
}

#[inline(always)]
fn tick() {
    // Load + store: no read-modify-write, so this builds on thumbv6m too.
    TICKS.store(TICKS.load(Relaxed).wrapping_add(1), Relaxed);
}

// ---------------------------------------------------------------------------
// The measured configuration
// ---------------------------------------------------------------------------

#[cfg(not(feature = "abandoned_neutral"))]
const BREAKER_BASE: BreakerConfig = BreakerConfig::new("fp");
#[cfg(feature = "abandoned_neutral")]
const BREAKER_BASE: BreakerConfig = BreakerConfig::new("fp").abandoned(AbandonedPermit::Neutral);

// The policies beyond consecutive failures, each measured on its own.
#[cfg(feature = "growing_open_time")]
const BREAKER_GROWTH: BreakerConfig =
    BREAKER_BASE.reset_timeout_growth(2, Duration::from_ticks(600_000));
#[cfg(not(feature = "growing_open_time"))]
const BREAKER_GROWTH: BreakerConfig = BREAKER_BASE;
#[cfg(feature = "half_open_rate")]
const BREAKER_HALF_OPEN: BreakerConfig = BREAKER_GROWTH
    .half_open_permits(4)
    .half_open_failure_rate(50);
#[cfg(not(feature = "half_open_rate"))]
const BREAKER_HALF_OPEN: BreakerConfig = BREAKER_GROWTH;

/// The sliding window's buckets, in RAM: its symbol size is the RAM a
/// window of 10 buckets takes.
#[cfg(any(feature = "count_window", feature = "time_window"))]
#[no_mangle]
pub static FP_WINDOW: totem_core::RateWindow<10> = totem_core::RateWindow::new();
#[cfg(feature = "count_window")]
const BREAKER_WINDOW: BreakerConfig = BREAKER_HALF_OPEN
    .sliding_window(totem_core::SlidingWindow::Calls(100), FP_WINDOW.storage())
    .failure_rate(50);
#[cfg(all(feature = "time_window", not(feature = "count_window")))]
const BREAKER_WINDOW: BreakerConfig = BREAKER_HALF_OPEN
    .sliding_window(
        totem_core::SlidingWindow::Time(Duration::from_ticks(60_000)),
        FP_WINDOW.storage(),
    )
    .failure_rate(50);
#[cfg(not(any(feature = "count_window", feature = "time_window")))]
const BREAKER_WINDOW: BreakerConfig = BREAKER_HALF_OPEN;
#[cfg(feature = "slow_calls")]
const BREAKER_CONFIG: BreakerConfig = BREAKER_WINDOW.slow_calls(Duration::from_ticks(2_000), 80);
#[cfg(not(feature = "slow_calls"))]
const BREAKER_CONFIG: BreakerConfig = BREAKER_WINDOW;

const RETRY_BASE: RetryConfig = RetryConfig::new("fp");
#[cfg(feature = "retry_metrics_off")]
const RETRY_METRICS: RetryConfig = RETRY_BASE.metrics(false);
#[cfg(not(feature = "retry_metrics_off"))]
const RETRY_METRICS: RetryConfig = RETRY_BASE;
#[cfg(feature = "jitter_full")]
const RETRY_CONFIG: RetryConfig = RETRY_METRICS.jitter(Jitter::Full);
#[cfg(feature = "jitter_decorrelated")]
const RETRY_CONFIG: RetryConfig = RETRY_METRICS.jitter(Jitter::Decorrelated);
#[cfg(not(any(feature = "jitter_full", feature = "jitter_decorrelated")))]
const RETRY_CONFIG: RetryConfig = RETRY_METRICS;

/// The observer used with the `observer` feature: records the event kind.
#[cfg(feature = "observer")]
fn observe(e: &Event) {
    let code = match e {
        Event::Transition(t) => t.to as u32,
        _ => 100,
    };
    SINK.store(code, Relaxed);
}

#[cfg(not(feature = "observer"))]
type Obs = NoObserver;
#[cfg(feature = "observer")]
type Obs = fn(&Event);

totem_core::settings! {
    /// The measured breaker's configuration: a constant in flash.
    pub BreakerFlash: BreakerSettings = BREAKER_CONFIG;
    /// The measured retry's configuration: a constant in flash.
    pub RetryFlash: RetrySettings = RETRY_CONFIG;
}

/// The other two ways to hold the configuration, measured as options:
/// stored in the statics (as a run-time configuration is), or behind a
/// `&'static` to settings in flash.
#[cfg(feature = "settings_ref")]
static BREAKER_SETTINGS: BreakerSettings = BreakerSettings::new(validated!(BREAKER_CONFIG));
#[cfg(feature = "settings_ref")]
static RETRY_SETTINGS: RetrySettings = RetrySettings::new(validated!(RETRY_CONFIG));

#[cfg(not(any(feature = "settings_stored", feature = "settings_ref")))]
mod held {
    pub type Breaker = super::BreakerFlash;
    pub type Retry = super::RetryFlash;
    pub const BREAKER: Breaker = super::BreakerFlash;
    pub const RETRY: Retry = super::RetryFlash;
}
#[cfg(feature = "settings_stored")]
mod held {
    use super::{validated, BreakerSettings, RetrySettings, BREAKER_CONFIG, RETRY_CONFIG};
    pub type Breaker = BreakerSettings;
    pub type Retry = RetrySettings;
    pub const BREAKER: Breaker = BreakerSettings::new(validated!(BREAKER_CONFIG));
    pub const RETRY: Retry = RetrySettings::new(validated!(RETRY_CONFIG));
}
#[cfg(all(feature = "settings_ref", not(feature = "settings_stored")))]
mod held {
    use super::{BreakerSettings, RetrySettings};
    pub type Breaker = &'static BreakerSettings;
    pub type Retry = &'static RetrySettings;
    pub const BREAKER: Breaker = &super::BREAKER_SETTINGS;
    pub const RETRY: Retry = &super::RETRY_SETTINGS;
}

/// The breaker type measured.
pub type Breaker = CircuitBreaker<TickClock, Obs, held::Breaker>;
/// The retry type measured.
pub type Retrier = Retry<TickClock, Obs, held::Retry>;

#[cfg(not(feature = "observer"))]
const OBSERVER: Obs = NoObserver;
#[cfg(feature = "observer")]
const OBSERVER: Obs = observe;

/// The breaker, in RAM: its symbol size is the RAM one breaker takes.
#[no_mangle]
pub static FP_BREAKER: Breaker = CircuitBreaker::from_settings(held::BREAKER, TickClock, OBSERVER);
/// The retry, in RAM: its symbol size is the RAM one retry takes. Seeded
/// with 0, so that it is all zeros (in `.bss`, no image in flash); a
/// firmware gives it the chip's unique ID with `reseed` at boot.
#[no_mangle]
pub static FP_RETRY: Retrier = Retry::from_settings(held::RETRY, TickClock, 0, OBSERVER);

// ---------------------------------------------------------------------------
// The operation and the sleep
// ---------------------------------------------------------------------------

#[allow(dead_code)]
#[inline(always)]
fn op() -> Result<u32, u32> {
    let v = unknown(&INPUT);
    if v & 1 == 0 {
        Ok(v)
    } else {
        Err(v)
    }
}

#[allow(dead_code)]
#[inline(always)]
fn sleep(d: Duration) {
    // A real firmware would wait here; storing the delay keeps it observable.
    SINK.store(d.as_ticks(), Relaxed);
}

// ---------------------------------------------------------------------------
// Measured entry points
// ---------------------------------------------------------------------------

/// `try_acquire` alone (the permit is leaked so its recording is not counted).
#[cfg(feature = "try_acquire")]
#[no_mangle]
#[inline(never)]
pub fn fp_try_acquire(b: &Breaker) -> u32 {
    match b.try_acquire() {
        Ok(p) => {
            core::mem::forget(p);
            1
        }
        Err(_) => 0,
    }
}

/// `try_acquire` then recording an outcome on the permit (drop included).
#[cfg(feature = "record")]
#[no_mangle]
#[inline(never)]
pub fn fp_record(b: &Breaker, outcome: u32) -> u32 {
    match b.try_acquire() {
        Ok(p) => {
            p.record(match outcome {
                0 => Outcome::Success,
                1 => Outcome::Failure,
                _ => Outcome::Ignore,
            });
            1
        }
        Err(_) => 0,
    }
}

/// `call`: acquire, run, classify (`Err` = failure), record.
#[cfg(feature = "call")]
#[no_mangle]
#[inline(never)]
pub fn fp_call(b: &Breaker) -> u32 {
    match b.call(op) {
        Ok(v) => v,
        Err(e) => e.is_rejected() as u32,
    }
}

/// `state`.
#[cfg(feature = "state")]
#[no_mangle]
#[inline(never)]
pub fn fp_state(b: &Breaker) -> u32 {
    b.state() as u32
}

/// One retry delay step: the first delay of a fresh schedule.
#[cfg(feature = "retry_step")]
#[no_mangle]
#[inline(never)]
pub fn fp_retry_step(r: &Retrier) -> u32 {
    r.schedule().next().map_or(0, |d| d.as_ticks())
}

/// The whole blocking retry loop.
#[cfg(feature = "retry_call")]
#[no_mangle]
#[inline(never)]
pub fn fp_retry_call(r: &Retrier) -> u32 {
    match r.call(&sleep, op) {
        Ok(v) => v,
        Err(e) => e.attempts,
    }
}

/// Breaker around retry (the spec's decorator order).
#[cfg(feature = "breaker_retry")]
#[no_mangle]
#[inline(never)]
pub fn fp_breaker_retry(b: &Breaker, r: &Retrier) -> u32 {
    match b.call(|| r.call(&sleep, op)) {
        Ok(v) => v,
        Err(e) => e.is_rejected() as u32,
    }
}

// ---------------------------------------------------------------------------

#[entry]
fn main() -> ! {
    let (breaker, retry): (&Breaker, &Retrier) = (&FP_BREAKER, &FP_RETRY);
    let _ = (breaker, retry);
    loop {
        #[allow(unused_variables)]
        let s = unknown(&SELECT);
        #[allow(unused_mut)]
        let mut r = 0u32;
        #[cfg(feature = "try_acquire")]
        if s == 1 {
            r = fp_try_acquire(breaker);
        }
        #[cfg(feature = "record")]
        if s == 2 {
            r = fp_record(breaker, unknown(&INPUT));
        }
        #[cfg(feature = "call")]
        if s == 3 {
            r = fp_call(breaker);
        }
        #[cfg(feature = "state")]
        if s == 4 {
            r = fp_state(breaker);
        }
        #[cfg(feature = "retry_step")]
        if s == 5 {
            r = fp_retry_step(retry);
        }
        #[cfg(feature = "retry_call")]
        if s == 6 {
            r = fp_retry_call(retry);
        }
        #[cfg(feature = "breaker_retry")]
        if s == 7 {
            r = fp_breaker_retry(breaker, retry);
        }
        SINK.store(r, Relaxed);
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

//! Totem demo firmware: a `static` circuit breaker and a retry protect a simulated flaky sensor
//! whose failures follow a schedule in Embassy time. An Embassy task samples it through
//! `breaker(retry(read))`, and the sensor's data-ready interrupt, raised from the 1 ms tick
//! every 20 ms, records its own readings on the same breaker with `try_acquire` + permit.
//! Every state change and every retry is logged with defmt; at the end the firmware checks
//! what happened and exits 0 (semihosting) only if the expected sequence was seen, 1 otherwise
//! or on panic.
//!
//! One program for every board of `boards/boards.rs`: what differs per architecture (the
//! runtime, which interrupts are the tick and the sensor's, the critical section) is in
//! `arch/`; defmt frames and the exit code go over semihosting, which both Arm and RISC-V
//! have.
#![no_std]
#![no_main]

#[cfg(target_arch = "arm")]
#[path = "arch/cortex_m.rs"]
mod arch;
#[cfg(target_arch = "riscv32")]
#[path = "arch/riscv.rs"]
mod arch;
mod time_driver;

use core::cell::Cell;

use defmt_semihosting as _; // defmt global logger -> semihosting stdout
use embassy_executor::Spawner;
use embassy_time::{Instant, Ticker, Timer};
use portable_atomic::{AtomicU32, AtomicUsize, Ordering};
use totem_core::{
    settings, BreakerConfig, BreakerSettings, CallError, CircuitBreaker, Duration, Event, Jitter,
    Observer, Retry, RetryConfig, RetrySettings, State,
};
use totem_embassy::{DefmtObserver, EmbassyClock, EmbassySleeper};

// ---------------- the 1 ms tick ------------------------------------------------------------
/// The clock the architecture's tick is divided from: the board's, from its row in
/// `boards/boards.rs`.
const TIMER_HZ: u32 = match u32::from_str_radix(env!("TOTEM_TIMER_HZ"), 10) {
    Ok(hz) => hz,
    Err(_) => panic!("TOTEM_TIMER_HZ is not a frequency in Hz"),
};

/// The sensor "data ready" interrupt fires every `ISR_PERIOD_MS`, at `ISR_PHASE_MS` into the
/// period (so it never lands on the task's 50 ms sampling ticks).
const ISR_PERIOD_MS: u64 = 20;
const ISR_PHASE_MS: u64 = 5;

/// The architecture's timer interrupt, every 1 ms: Embassy's time, and the sensor's
/// data-ready line.
fn on_tick() {
    let t = time_driver::tick();
    if t % ISR_PERIOD_MS == ISR_PHASE_MS && t <= RUN_UNTIL_MS {
        // Outside the time driver's critical section: the breaker is used in that interrupt.
        arch::pend_sensor_interrupt();
    }
}
// -----------------------------------------------------------------------------------------

// ---------------- the simulated sensor: failures follow a schedule in Embassy time ---------
/// A short glitch: one read fails, the retry recovers it.
const GLITCH_MS: (u64, u64) = (198, 203);
/// An outage: the breaker opens, a half-open probe fails inside it, a later one closes it.
const OUTAGE_MS: (u64, u64) = (400, 850);
/// The task samples every 50 ms until then, then checks the log of events.
const RUN_UNTIL_MS: u64 = 1_400;

#[derive(Debug, Clone, Copy, PartialEq, Eq, defmt::Format)]
enum SensorError {
    /// The sensor did not acknowledge (the simulated failure).
    Nack,
}

/// What the schedule says the sensor does at `t` (ms since boot).
fn sensor_at(t: u64) -> Result<u16, SensorError> {
    // FORCE_WRONG_SEQUENCE=1 at build time: a sensor that never fails (the check must fail).
    let failing = option_env!("FORCE_WRONG_SEQUENCE").is_none()
        && ((GLITCH_MS.0..GLITCH_MS.1).contains(&t) || (OUTAGE_MS.0..OUTAGE_MS.1).contains(&t));
    if failing {
        Err(SensorError::Nack)
    } else {
        Ok(2_000 + (t / 10 % 50) as u16)
    }
}

/// An async read, as a driver would do it: start a conversion, wait 1 ms, get the value.
async fn read_sensor() -> Result<u16, SensorError> {
    let result = sensor_at(Instant::now().as_millis());
    Timer::after_millis(1).await;
    result
}
// -----------------------------------------------------------------------------------------

// ---------------- the static breaker and retry --------------------------------------------
// The configuration is a constant in flash, checked at compile time: the statics below hold
// only their atomics (zero-initialised, in `.bss`), and options left off cost no code.
settings! {
    SensorSettings: BreakerSettings = BreakerConfig::new("sensor")
        .failure_threshold(3)
        .reset_timeout(Duration::from_millis(300))
        .half_open_timeout(Duration::from_millis(200));
    SensorRetrySettings: RetrySettings = RetryConfig::new("sensor")
        .max_attempts(3)
        .initial_delay(Duration::from_millis(10))
        .max_delay(Duration::from_millis(40))
        .jitter(Jitter::Equal);
}

type SensorBreaker = CircuitBreaker<EmbassyClock, FirmwareObserver, SensorSettings>;
type SensorRetry = Retry<EmbassyClock, FirmwareObserver, SensorRetrySettings>;

// Plain `const`-built statics, shared by the task and the interrupt handler.
static BREAKER: SensorBreaker =
    CircuitBreaker::from_settings(SensorSettings, EmbassyClock, FirmwareObserver);
// Seeded at boot from the chip's unique ID (`RETRY.reseed(CHIP_UID)` in main).
static RETRY: SensorRetry =
    Retry::from_settings(SensorRetrySettings, EmbassyClock, 0, FirmwareObserver);

/// A stand-in for the chip's unique ID, which seeds the retry jitter on a real device.
const CHIP_UID: u64 = 0x0000_5EED_C0DE_F00D;
// -----------------------------------------------------------------------------------------

// ---------------- what happened, for the final check ---------------------------------------
const MAX_TRANSITIONS: usize = 16;
/// Each transition packed as `from << 28 | to << 24 | in_isr << 23 | at_ms` (at < 2^23 ms).
static TRANSITIONS: [AtomicU32; MAX_TRANSITIONS] = [const { AtomicU32::new(0) }; MAX_TRANSITIONS];
static TRANSITION_COUNT: AtomicUsize = AtomicUsize::new(0);
static RETRIES_SCHEDULED: AtomicU32 = AtomicU32::new(0);
static ISR_SUCCESSES: AtomicU32 = AtomicU32::new(0);
static ISR_FAILURES: AtomicU32 = AtomicU32::new(0);
static ISR_REJECTIONS: AtomicU32 = AtomicU32::new(0);
static TASK_RECOVERED_BY_RETRY: AtomicU32 = AtomicU32::new(0);
static TASK_READ_ATTEMPTS: AtomicU32 = AtomicU32::new(0);

/// Logs every event with the adapter's `DefmtObserver` and keeps the transitions and
/// retries for the final check. Runs in the task or in the interrupt, whichever caused it.
struct FirmwareObserver;

impl Observer for FirmwareObserver {
    fn on_event(&self, event: &Event) {
        DefmtObserver.on_event(event);
        match event {
            Event::Transition(t) => {
                let i = TRANSITION_COUNT.fetch_add(1, Ordering::Relaxed);
                if i < MAX_TRANSITIONS {
                    let packed = (t.from as u32) << 28
                        | (t.to as u32) << 24
                        | u32::from(arch::in_interrupt()) << 23
                        | (t.at.as_ticks() & 0x7F_FFFF);
                    TRANSITIONS[i].store(packed, Ordering::Relaxed);
                }
            }
            Event::RetryScheduled(_) => {
                RETRIES_SCHEDULED.fetch_add(1, Ordering::Relaxed);
            }
            Event::Rejected(_) | Event::RetryGaveUp(_) => {}
        }
    }
}

fn state_from(bits: u32) -> State {
    State::ALL[(bits as usize).min(State::ALL.len() - 1)]
}
// -----------------------------------------------------------------------------------------

/// The sensor's data-ready interrupt (`arch` says which one plays it): records the reading
/// on the same static breaker as the task, with a permit, never blocking.
fn sensor_interrupt() {
    match BREAKER.try_acquire() {
        Ok(permit) => match sensor_at(Instant::now().as_millis()) {
            Ok(_) => {
                permit.success();
                ISR_SUCCESSES.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                permit.failure();
                ISR_FAILURES.fetch_add(1, Ordering::Relaxed);
                defmt::info!("isr: sensor read failed ({}), failure recorded", e);
            }
        },
        Err(_rejected) => {
            // The breaker already logged the rejection (debug); count it.
            ISR_REJECTIONS.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    defmt::error!("panic: {}", defmt::Display2Format(info));
    semihosting::process::exit(1)
}

#[embassy_executor::task]
async fn sampler(breaker: &'static SensorBreaker, retry: &'static SensorRetry) {
    if option_env!("FORCE_PANIC").is_some() {
        panic!("forced");
    }
    let mut ticker = Ticker::every(embassy_time::Duration::from_millis(50));
    loop {
        ticker.next().await;
        let t = Instant::now().as_millis();
        if t > RUN_UNTIL_MS {
            break;
        }
        let attempts = Cell::new(0u32);
        // The spec's decorator order: the breaker sees one outcome per retried read.
        let result = breaker
            .call_async(|| {
                retry.call_async(&EmbassySleeper, || {
                    attempts.set(attempts.get() + 1);
                    TASK_READ_ATTEMPTS.fetch_add(1, Ordering::Relaxed);
                    read_sensor()
                })
            })
            .await;
        match result {
            Ok(value) if attempts.get() > 1 => {
                TASK_RECOVERED_BY_RETRY.fetch_add(1, Ordering::Relaxed);
                defmt::info!(
                    "task: t={=u64} ms read {=u16} after {=u32} attempts (retry recovered)",
                    t,
                    value,
                    attempts.get()
                );
            }
            Ok(value) => defmt::debug!("task: t={=u64} ms read {=u16}", t, value),
            Err(CallError::Inner(e)) => defmt::info!(
                "task: t={=u64} ms read failed after {=u32} attempts: {}",
                t,
                e.attempts,
                e.error
            ),
            Err(CallError::Rejected(r)) => defmt::info!(
                "task: t={=u64} ms rejected by the breaker ({=str})",
                t,
                r.state.label()
            ),
        }
    }
    let passed = check(breaker, retry);
    semihosting::process::exit(if passed { 0 } else { 1 })
}

/// The expected run: CLOSED -> OPEN (outage) -> HALF_OPEN -> OPEN (a probe inside the outage)
/// -> HALF_OPEN -> CLOSED (a probe after it), each HALF_OPEN exactly `reset_timeout` after
/// its OPEN (logical time), outcomes recorded from the interrupt (success, failure and
/// rejection), and at least one read recovered by the retry.
fn check(breaker: &SensorBreaker, retry: &SensorRetry) -> bool {
    use State::{Closed, HalfOpen, Open};
    const EXPECTED: [(State, State); 5] = [
        (Closed, Open),
        (Open, HalfOpen),
        (HalfOpen, Open),
        (Open, HalfOpen),
        (HalfOpen, Closed),
    ];

    let n = TRANSITION_COUNT.load(Ordering::Relaxed);
    let mut ok = true;
    let mut in_isr = 0;
    let mut prev_at = 0u32;
    let mut matches_expected = n == EXPECTED.len();
    for (i, slot) in TRANSITIONS.iter().take(n).enumerate() {
        let p = slot.load(Ordering::Relaxed);
        let (from, to, isr, at) = (
            state_from(p >> 28),
            state_from(p >> 24 & 0xF),
            p >> 23 & 1,
            p & 0x7F_FFFF,
        );
        in_isr += isr;
        defmt::info!(
            "check: transition {=usize}: {=str} -> {=str} at {=u32} ms{=str}",
            i + 1,
            from.label(),
            to.label(),
            at,
            if isr == 1 { " (in the interrupt)" } else { "" }
        );
        matches_expected &= EXPECTED.get(i) == Some(&(from, to));
        // Logical time: HALF_OPEN is reported at OPEN + reset_timeout, whenever it was noticed.
        if (from, to) == (Open, HalfOpen)
            && at.wrapping_sub(prev_at) != BREAKER.config().reset_timeout.as_ticks()
        {
            defmt::warn!(
                "check: HALF_OPEN at {=u32} ms is not reset_timeout after OPEN at {=u32} ms",
                at,
                prev_at
            );
            ok = false;
        }
        prev_at = at;
    }
    if !matches_expected {
        defmt::warn!(
            "check: expected CLOSED->OPEN->HALF_OPEN->OPEN->HALF_OPEN->CLOSED, saw {=usize} transitions",
            n
        );
        ok = false;
    }

    let b = breaker.snapshot();
    let r = retry.snapshot();
    let (isr_ok, isr_fail, isr_rej) = (
        ISR_SUCCESSES.load(Ordering::Relaxed),
        ISR_FAILURES.load(Ordering::Relaxed),
        ISR_REJECTIONS.load(Ordering::Relaxed),
    );
    defmt::info!(
        "check: breaker state={=str} successes={=u64} failures={=u64} rejected={=u64} abandoned={=u64} transitions={=u64}",
        b.state.label(),
        b.successes_total,
        b.failures_total,
        b.rejected_total,
        b.abandoned_total,
        b.transitions_total
    );
    defmt::info!(
        "check: time in state: CLOSED={=u64} OPEN={=u64} HALF_OPEN={=u64} ms",
        b.time_in(Closed),
        b.time_in(Open),
        b.time_in(HalfOpen)
    );
    defmt::info!(
        "check: interrupt recorded {=u32} successes, {=u32} failures, {=u32} rejections; {=u32} transitions happened in it",
        isr_ok,
        isr_fail,
        isr_rej,
        in_isr
    );
    defmt::info!(
        "check: retry attempts={=u64} retries={=u64} delay_ms={=u64}; task reads={=u32}, recovered by retry={=u32}",
        r.attempts_total,
        r.retries_total,
        r.delay_ms_total,
        TASK_READ_ATTEMPTS.load(Ordering::Relaxed),
        TASK_RECOVERED_BY_RETRY.load(Ordering::Relaxed)
    );
    if b.state != Closed || b.transitions_total != EXPECTED.len() as u64 {
        defmt::warn!("check: the breaker did not end CLOSED after 5 transitions");
        ok = false;
    }
    if isr_ok == 0 || isr_fail == 0 || isr_rej == 0 {
        defmt::warn!("check: the interrupt must record a success, a failure and a rejection");
        ok = false;
    }
    if TASK_RECOVERED_BY_RETRY.load(Ordering::Relaxed) == 0
        || RETRIES_SCHEDULED.load(Ordering::Relaxed) == 0
        || r.retries_total == 0
    {
        defmt::warn!("check: no read was recovered by the retry");
        ok = false;
    }
    if ok {
        defmt::info!("firmware: PASS");
    } else {
        defmt::warn!("firmware: FAIL");
    }
    ok
}

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    RETRY.reseed(CHIP_UID);
    BREAKER.start_time_accounting();
    defmt::info!(
        "firmware: start; sensor glitch at {=u64}..{=u64} ms, outage at {=u64}..{=u64} ms; breaker threshold {=u32}, reset {=u32} ms",
        GLITCH_MS.0,
        GLITCH_MS.1,
        OUTAGE_MS.0,
        OUTAGE_MS.1,
        BREAKER.config().failure_threshold,
        BREAKER.config().reset_timeout.as_ticks()
    );
    arch::start_tick();
    spawner.spawn(sampler(&BREAKER, &RETRY).unwrap());
}

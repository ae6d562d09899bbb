//! Cortex-M: SysTick is the 1 ms tick, PendSV the sensor's data-ready
//! interrupt. Both keep their reset priority, the same, so neither preempts
//! the other. Critical sections come from cortex-m's
//! `critical-section-single-core`.

use cortex_m::peripheral::scb::VectActive;
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::SCB;
use cortex_m_rt::exception;

/// Starts SysTick: one interrupt per 1 ms, divided from the core clock.
pub fn start_tick() {
    let Some(mut peripherals) = cortex_m::Peripherals::take() else {
        panic!("the core peripherals were already taken");
    };
    let syst = &mut peripherals.SYST;
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(crate::TIMER_HZ / 1_000 - 1);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}

/// Raises the sensor's data-ready interrupt; it runs once the current
/// handler returns.
pub fn pend_sensor_interrupt() {
    SCB::set_pendsv();
}

/// Whether the caller runs in an interrupt handler.
pub fn in_interrupt() -> bool {
    !matches!(SCB::vect_active(), VectActive::ThreadMode)
}

#[exception]
fn SysTick() {
    crate::on_tick();
}

#[exception]
fn PendSV() {
    crate::sensor_interrupt();
}

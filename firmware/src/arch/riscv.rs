//! RISC-V on the FE310 of the HiFive1 (QEMU `-machine sifive_e`): the machine
//! timer (`mtime`/`mtimecmp` in the CLINT) is the 1 ms tick, the machine
//! software interrupt (`msip`) the sensor's data-ready one. A trap runs with
//! interrupts masked, so neither handler preempts the other. Critical
//! sections come from riscv's `critical-section-single-hart`.

use core::cell::Cell;
use core::ptr;
use core::sync::atomic::{AtomicBool, Ordering};

use critical_section::{CriticalSection, Mutex};
use riscv::interrupt::Interrupt;

/// The CLINT's registers for hart 0 (SiFive's layout, which QEMU's follows).
const MSIP: *mut u32 = 0x0200_0000 as *mut u32;
const MTIMECMP: *mut u32 = 0x0200_4000 as *mut u32;
const MTIME: *const u32 = 0x0200_BFF8 as *const u32;

/// `mtime` when the tick started, and how many ticks are scheduled since:
/// each deadline is computed from the start, so a clock that is no multiple
/// of 1 kHz (the FE310's 32.768 kHz) does not drift.
static SCHEDULE: Mutex<Cell<(u64, u64)>> = Mutex::new(Cell::new((0, 0)));
/// Set while the sensor's handler runs: RISC-V has no register that says so.
static IN_SENSOR_INTERRUPT: AtomicBool = AtomicBool::new(false);

/// Starts the tick: the first deadline 1 ms from now, both interrupts
/// enabled.
pub fn start_tick() {
    critical_section::with(|cs| {
        SCHEDULE.borrow(cs).set((mtime(), 0));
        schedule_next_tick(cs);
    });
    // SAFETY: the handlers below are ready, and the state they share is
    // behind critical sections or atomics.
    unsafe {
        riscv::interrupt::enable_interrupt(Interrupt::MachineTimer);
        riscv::interrupt::enable_interrupt(Interrupt::MachineSoft);
        riscv::interrupt::enable();
    }
}

/// Raises the sensor's data-ready interrupt; it runs once the current
/// handler returns.
pub fn pend_sensor_interrupt() {
    // SAFETY: MSIP is hart 0's software-interrupt register.
    unsafe { ptr::write_volatile(MSIP, 1) };
}

/// Whether the caller runs in an interrupt handler (the only one that asks
/// is the sensor's).
pub fn in_interrupt() -> bool {
    IN_SENSOR_INTERRUPT.load(Ordering::Relaxed)
}

/// The 64-bit `mtime`, read as two words: again if the high word moved.
fn mtime() -> u64 {
    loop {
        // SAFETY: MTIME is the CLINT's counter, two aligned words.
        let (high, low, again) = unsafe {
            (
                ptr::read_volatile(MTIME.add(1)),
                ptr::read_volatile(MTIME),
                ptr::read_volatile(MTIME.add(1)),
            )
        };
        if high == again {
            return u64::from(high) << 32 | u64::from(low);
        }
    }
}

fn schedule_next_tick(cs: CriticalSection) {
    let (start, scheduled) = SCHEDULE.borrow(cs).get();
    let scheduled = scheduled + 1;
    SCHEDULE.borrow(cs).set((start, scheduled));
    let at = start + scheduled * u64::from(crate::TIMER_HZ) / 1_000;
    // SAFETY: MTIMECMP is hart 0's compare register, two aligned words. The
    // low word goes to its maximum first, so that no value between the old
    // and the new one lies below mtime (the privileged spec's sequence).
    unsafe {
        ptr::write_volatile(MTIMECMP, u32::MAX);
        ptr::write_volatile(MTIMECMP.add(1), (at >> 32) as u32);
        ptr::write_volatile(MTIMECMP, at as u32);
    }
}

#[riscv_rt::core_interrupt(Interrupt::MachineTimer)]
fn machine_timer() {
    critical_section::with(schedule_next_tick);
    crate::on_tick();
}

#[riscv_rt::core_interrupt(Interrupt::MachineSoft)]
fn machine_soft() {
    // SAFETY: as in `pend_sensor_interrupt`; 0 acknowledges it.
    unsafe { ptr::write_volatile(MSIP, 0) };
    IN_SENSOR_INTERRUPT.store(true, Ordering::Relaxed);
    crate::sensor_interrupt();
    IN_SENSOR_INTERRUPT.store(false, Ordering::Relaxed);
}

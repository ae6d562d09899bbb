#![no_std]
#![no_main]

use core::cell::{Cell, RefCell};
use core::task::Waker;

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::exception;
use cortex_m_semihosting::debug;
use defmt_semihosting as _; // defmt global logger -> semihosting stdout
use critical_section::Mutex;
use embassy_executor::Spawner;
use embassy_time::{Instant, Timer};
use embassy_time_driver::Driver;
use embassy_time_queue_utils::Queue;

// ---------------- minimal embassy-time driver over SysTick (1 kHz tick) ----------------
struct SysTickDriver {
    ticks: Mutex<Cell<u64>>,
    alarm: Mutex<Cell<u64>>,
    queue: Mutex<RefCell<Queue>>,
}

impl Driver for SysTickDriver {
    fn now(&self) -> u64 {
        critical_section::with(|cs| self.ticks.borrow(cs).get())
    }
    fn schedule_wake(&self, at: u64, waker: &Waker) {
        critical_section::with(|cs| {
            let mut q = self.queue.borrow(cs).borrow_mut();
            if q.schedule_wake(at, waker) {
                let now = self.ticks.borrow(cs).get();
                self.alarm.borrow(cs).set(q.next_expiration(now));
            }
        });
    }
}

embassy_time_driver::time_driver_impl!(static DRIVER: SysTickDriver = SysTickDriver {
    ticks: Mutex::new(Cell::new(0)),
    alarm: Mutex::new(Cell::new(u64::MAX)),
    queue: Mutex::new(RefCell::new(Queue::new())),
});

#[exception]
fn SysTick() {
    critical_section::with(|cs| {
        let t = DRIVER.ticks.borrow(cs).get() + 1;
        DRIVER.ticks.borrow(cs).set(t);
        if t >= DRIVER.alarm.borrow(cs).get() {
            let next = DRIVER.queue.borrow(cs).borrow_mut().next_expiration(t);
            DRIVER.alarm.borrow(cs).set(next);
        }
    });
}

// QEMU's lm3s6965evb (thumbv7m) core clock is 12 MHz, mps2-an386's (thumbv7em) 25 MHz.
#[cfg(target_abi = "eabihf")]
const CORE_HZ: u32 = 25_000_000;
#[cfg(not(target_abi = "eabihf"))]
const CORE_HZ: u32 = 12_000_000;

fn start_systick(mut syst: cortex_m::peripheral::SYST) {
    // One SysTick interrupt per 1 ms Embassy tick.
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(CORE_HZ / 1_000 - 1);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}
// -----------------------------------------------------------------------------------------

#[derive(defmt::Format)]
enum Demo { Closed }

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    defmt::error!("panic: {}", defmt::Display2Format(info));
    debug::exit(debug::EXIT_FAILURE);
    loop {}
}

#[embassy_executor::task]
async fn worker() {
    let t0 = Instant::now();
    if option_env!("FORCE_PANIC").is_some() { panic!("forced"); }
    Timer::after_millis(10).await;
    let dt = t0.elapsed().as_millis();
    defmt::info!("worker: slept {} ms, state={}", dt, Demo::Closed);
    debug::exit(if dt >= 10 { debug::EXIT_SUCCESS } else { debug::EXIT_FAILURE });
}

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    let p = cortex_m::Peripherals::take().unwrap();
    start_systick(p.SYST);
    defmt::info!("embassy main started");
    spawner.spawn(worker().unwrap());
}

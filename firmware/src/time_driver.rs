//! The embassy-time driver, the same on every architecture: a 1 kHz tick
//! count, advanced by the architecture's periodic timer interrupt
//! ([`tick`]), and one alarm over Embassy's timer queue.
//!
//! `now()` reads the 64-bit count in a critical section (a 32-bit core cannot
//! load it in one instruction), as many real drivers do: a clock read can
//! mask interrupts, so the breaker's CLOSED path reads no clock.

use core::cell::{Cell, RefCell};
use core::task::Waker;

use critical_section::Mutex;
use embassy_time_driver::Driver;
use embassy_time_queue_utils::Queue;

struct TickDriver {
    ticks: Mutex<Cell<u64>>,
    alarm: Mutex<Cell<u64>>,
    queue: Mutex<RefCell<Queue>>,
}

impl Driver for TickDriver {
    fn now(&self) -> u64 {
        critical_section::with(|cs| self.ticks.borrow(cs).get())
    }

    fn schedule_wake(&self, at: u64, waker: &Waker) {
        critical_section::with(|cs| {
            let mut queue = self.queue.borrow(cs).borrow_mut();
            if queue.schedule_wake(at, waker) {
                let now = self.ticks.borrow(cs).get();
                self.alarm.borrow(cs).set(queue.next_expiration(now));
            }
        });
    }
}

embassy_time_driver::time_driver_impl!(static DRIVER: TickDriver = TickDriver {
    ticks: Mutex::new(Cell::new(0)),
    alarm: Mutex::new(Cell::new(u64::MAX)),
    queue: Mutex::new(RefCell::new(Queue::new())),
});

/// One tick has passed: counts it and wakes the timers due. Returns the new
/// count, in ms since the tick started. Called by the timer interrupt only.
pub fn tick() -> u64 {
    critical_section::with(|cs| {
        let t = DRIVER.ticks.borrow(cs).get() + 1;
        DRIVER.ticks.borrow(cs).set(t);
        if t >= DRIVER.alarm.borrow(cs).get() {
            let next = DRIVER.queue.borrow(cs).borrow_mut().next_expiration(t);
            DRIVER.alarm.borrow(cs).set(next);
        }
        t
    })
}

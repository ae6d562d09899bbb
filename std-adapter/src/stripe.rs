//! [`thread_stripe`]: the per-thread cell index the std clocks give the
//! core's striped success counter.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The next index to hand out. Round robin rather than a hash of the thread
/// id: threads started one after the other (a pool's workers) get different
/// cells for certain, where a hash could put two on one cell.
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// An index not yet handed out.
const UNASSIGNED: usize = usize::MAX;

thread_local! {
    // `const`, with no destructor: reading it is one thread-relative load,
    // and it is readable at any point of a thread's life.
    static STRIPE: Cell<usize> = const { Cell::new(UNASSIGNED) };
}

/// This thread's stripe: which cell of a breaker's striped success counter
/// ([`totem_core::COUNTER_STRIPES`] of them on 64-bit std targets) its
/// successes are counted in. Handed out round robin at a thread's first
/// call, then fixed for the thread's life, so up to `COUNTER_STRIPES`
/// threads started together each count on a cache line of their own. What
/// [`StdClock`](crate::StdClock), [`CoarseClock`](crate::CoarseClock) and
/// `TokioClock` return from [`Clock::stripe`](totem_core::Clock::stripe);
/// a clock of your own on std can return it too.
///
/// ```
/// let here = totem_std::thread_stripe();
/// assert_eq!(totem_std::thread_stripe(), here, "fixed for the thread");
/// let there = std::thread::spawn(totem_std::thread_stripe).join().unwrap();
/// assert_ne!(there, here, "the next thread gets the next index");
/// ```
#[inline]
pub fn thread_stripe() -> usize {
    // `try_with` cannot fail for a value without a destructor; 0 (a shared
    // cell, still exact) would be the answer if it did.
    STRIPE
        .try_with(|stripe| match stripe.get() {
            UNASSIGNED => assign(stripe),
            assigned => assigned,
        })
        .unwrap_or(0)
}

#[cold]
#[inline(never)]
fn assign(stripe: &Cell<usize>) -> usize {
    // Relaxed: a ticket, not a publication. Masked below `UNASSIGNED` so
    // that a wrapped counter never hands out the marker.
    let index = NEXT.fetch_add(1, Ordering::Relaxed) & (UNASSIGNED >> 1);
    stripe.set(index);
    index
}

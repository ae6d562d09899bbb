//! [`StripedCounter`]: a total kept in several cells, each on its own cache
//! line, so that threads counting at once do not fight over one line
//! (resilience4j's `LongAdder`, without growth or allocation).
//!
//! Which cell a call uses is the clock's [`Clock::stripe`](crate::Clock::stripe):
//! 0 unless the clock says otherwise, so only clocks that know their thread
//! (the std frontend's) spread the writes. On MCUs there is one cell and the
//! counter is a plain [`AtomicCounter`], with the same code as before.

use crate::primitive::{
    bump, const_fn, AtomicCounter, CachePadded, CounterValue, Ordering, SPEED_OVER_SIZE,
};

/// How many cells a striped counter has: [`COUNTER_STRIPES`]. Two under the
/// model checkers: enough for two threads on cells of their own, and every
/// further cell would add loads for them to interleave.
const STRIPES: usize = if cfg!(any(totem_loom, totem_shuttle)) {
    2
} else if SPEED_OVER_SIZE {
    8
} else {
    1
};

const _: () = assert!(STRIPES.is_power_of_two());

/// How many cells the breaker's success counter is striped over: 8 on
/// std-class CPUs (x86_64, aarch64, powerpc64; the targets on which the
/// breaker pads its words to a cache line), each cell on its own 128-byte
/// line; 1 elsewhere, where the counter is one atomic as on any MCU.
/// [`Clock::stripe`](crate::Clock::stripe) chooses the cell, modulo this
/// number; `snapshot()` sums them.
///
/// ```
/// assert!(totem_core::COUNTER_STRIPES.is_power_of_two());
/// ```
pub const COUNTER_STRIPES: usize = STRIPES;

/// A monotone total over [`STRIPES`] padded cells.
#[derive(Debug)]
pub(crate) struct StripedCounter {
    cells: [CachePadded<AtomicCounter>; STRIPES],
}

impl StripedCounter {
    const_fn! {
        pub(crate) fn new() -> Self {
            Self { cells: cells() }
        }
    }

    /// Adds one in the cell `stripe` chooses (modulo the number of cells, so
    /// any value is valid; with one cell the index folds to 0).
    #[inline(always)]
    pub(crate) fn bump(&self, stripe: usize) {
        bump(&self.cells[stripe & (STRIPES - 1)].0);
    }

    /// The total: every cell, read once each (`Relaxed`, as [`bump`]).
    /// Wrapping, as a single 32-bit counter wraps on MCUs. Each cell only
    /// grows, so a sum is never below a sum read before it on the same
    /// thread: the success rate's base stays below the totals read after it.
    #[inline]
    pub(crate) fn load(&self) -> CounterValue {
        let mut sum: CounterValue = 0;
        for cell in &self.cells {
            sum = sum.wrapping_add(cell.0.load(Ordering::Relaxed));
        }
        sum
    }
}

#[cfg(not(any(totem_loom, totem_shuttle)))]
const fn cells() -> [CachePadded<AtomicCounter>; STRIPES] {
    [const { CachePadded(AtomicCounter::new(0)) }; STRIPES]
}
#[cfg(any(totem_loom, totem_shuttle))]
fn cells() -> [CachePadded<AtomicCounter>; STRIPES] {
    core::array::from_fn(|_| CachePadded(AtomicCounter::new(0)))
}

#[cfg(all(test, feature = "metrics"))]
mod tests {
    use super::*;

    #[test]
    fn the_total_sums_every_cell_whatever_the_stripe() {
        let c = StripedCounter::new();
        for stripe in [0, 1, 2, 7, 8, 9, usize::MAX] {
            c.bump(stripe);
        }
        assert_eq!(c.load(), 7);
    }

    #[test]
    fn stripes_spread_over_distinct_cells() {
        let c = StripedCounter::new();
        for stripe in 0..STRIPES {
            c.bump(stripe);
        }
        // One count in every cell: a sum that skipped a cell would fail the
        // total above, this checks the mapping does not fold stripes onto one.
        assert!(c
            .cells
            .iter()
            .all(|cell| cell.0.load(Ordering::Relaxed) == 1));
    }
}

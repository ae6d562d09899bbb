//! A counting global allocator.
//!
//! A bench binary installs it with
//! `#[global_allocator] static A: Counting = Counting;` and reads [`snapshot`]
//! before and after what it measures. The counters are process-wide: measure
//! from one thread, with no other thread running.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static FREES: AtomicU64 = AtomicU64::new(0);
static BYTES_ALLOCATED: AtomicU64 = AtomicU64::new(0);
static BYTES_FREED: AtomicU64 = AtomicU64::new(0);

/// Forwards to [`System`] and counts every allocation, reallocation and free.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counting;

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged; the counters only observe.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES_ALLOCATED.fetch_add(layout.size() as u64, Relaxed);
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES_ALLOCATED.fetch_add(layout.size() as u64, Relaxed);
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        FREES.fetch_add(1, Relaxed);
        BYTES_FREED.fetch_add(layout.size() as u64, Relaxed);
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A realloc counts as one allocation of the new size and one free of the old.
        ALLOCS.fetch_add(1, Relaxed);
        FREES.fetch_add(1, Relaxed);
        BYTES_ALLOCATED.fetch_add(new_size as u64, Relaxed);
        BYTES_FREED.fetch_add(layout.size() as u64, Relaxed);
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// The counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Allocations (including reallocations) so far.
    pub allocs: u64,
    /// Frees (including the old block of a reallocation) so far.
    pub frees: u64,
    /// Bytes requested so far.
    pub bytes_allocated: u64,
    /// Bytes returned so far.
    pub bytes_freed: u64,
}

impl Stats {
    /// What happened between `earlier` and `self`.
    pub fn since(self, earlier: Stats) -> Stats {
        Stats {
            allocs: self.allocs - earlier.allocs,
            frees: self.frees - earlier.frees,
            bytes_allocated: self.bytes_allocated - earlier.bytes_allocated,
            bytes_freed: self.bytes_freed - earlier.bytes_freed,
        }
    }

    /// Bytes still allocated (allocated minus freed), saturating at zero.
    pub fn live_bytes(self) -> u64 {
        self.bytes_allocated.saturating_sub(self.bytes_freed)
    }
}

/// Reads the counters.
pub fn snapshot() -> Stats {
    Stats {
        allocs: ALLOCS.load(Relaxed),
        frees: FREES.load(Relaxed),
        bytes_allocated: BYTES_ALLOCATED.load(Relaxed),
        bytes_freed: BYTES_FREED.load(Relaxed),
    }
}

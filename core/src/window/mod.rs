//! Sliding windows for the rate policies: a fixed array of atomic buckets
//! that really evict (a bucket is overwritten when its interval comes round
//! again), lock-free and allocation-free.
//!
//! A window is a ring of buckets, each counting the outcomes of one
//! interval, its *epoch*: a stretch of time (a time window: `span / B`
//! milliseconds each) or a run of calls (a count window: the calls are
//! numbered as they report, and each bucket takes `ceil(size / B)` of
//! them). A reader sums the buckets of the latest epochs. Every step is one
//! RMW on one 32-bit word, so a window is lock-free on a Cortex-M4.
//!
//! Exactness (loom model 10 checks it): once the outcomes racing a read
//! have landed, the window holds exactly the outcomes of its epochs (for a
//! count window of one call per bucket: exactly the last N calls, in the
//! order they were numbered). While they race, a read misses at most the
//! outcomes still in flight (one per recording thread) and never counts an
//! outcome twice or in the wrong epoch. An outcome whose bucket has already
//! moved on to a newer epoch is dropped (it is older than the window by
//! then), and so is one that races the restart of a bucket left idle for 32
//! epochs or more.
//!
//! A recorder that judges the window ([`record_and_count`]) puts a `SeqCst`
//! fence between its writes and its reads, and judges the window that ends
//! at the newest epoch it finds (not its own): of outcomes racing each
//! other, one then reads all the others in the window they all reach, so a
//! window over its threshold is always seen by at least one recorder, which
//! opens the breaker. Without the fence two recorders could each miss the
//! other's outcome (store buffering); judged at its own epoch, an older
//! recorder that sees a newer one's outcome would look past it. Either way
//! neither would trip.
//!
//! [`record_and_count`]: WindowStorage::record_and_count

mod bucket;
mod divisor;

use self::bucket::{decide_add, epoch_should_move, far_apart, tag_of, Count};
pub(crate) use self::divisor::Divisor;
use crate::limits::MAX_WINDOW_BUCKETS;
use crate::primitive::{const_fn, fence, AtomicU32, Ordering};

/// One interval's counts: failures and slow calls, each with the calls
/// they are out of, and the epoch they belong to.
#[derive(Debug)]
pub(crate) struct Bucket {
    epoch: AtomicU32,
    failed: AtomicU32,
    slow: AtomicU32,
}

impl Bucket {
    const_fn! {
        fn new() -> Bucket {
            Bucket {
                epoch: AtomicU32::new(0),
                failed: AtomicU32::new(0),
                slow: AtomicU32::new(0),
            }
        }
    }
}

/// The storage of a sliding window: `B` buckets (1 to
/// [`MAX_WINDOW_BUCKETS`], checked at build time), 12 bytes each, plus a
/// call counter. `const`, so it can be a `static` beside its breaker; a
/// [`BreakerConfig`](crate::BreakerConfig) names it with
/// [`sliding_window`](crate::BreakerConfig::sliding_window).
///
/// More buckets evict more finely: a count window of `size` calls in `B`
/// buckets is exactly the last `size` calls when `size <= B`; otherwise it
/// takes `k = ceil(size / B)` calls a bucket in `n = size / k` buckets and
/// holds the last `(n - 1) × k + 1` to `n × k` calls (never more than
/// `size`; exactly `size` at most when `k` divides it). A time window of
/// `span` covers between `span - span / B` and `span`.
///
/// ```
/// use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock, RateWindow, SlidingWindow, State};
///
/// static CLOCK: ManualClock = ManualClock::new();
/// static WINDOW: RateWindow<10> = RateWindow::new();
/// static BREAKER: CircuitBreaker<&ManualClock> = CircuitBreaker::new(
///     validated!(BreakerConfig::new("db")
///         .sliding_window(SlidingWindow::Calls(10), WINDOW.storage())
///         .failure_rate(50)
///         .minimum_calls(10)),
///     &CLOCK,
/// );
///
/// for i in 0..10 {
///     // Every other call fails: never two in a row, but a 50 % failure rate.
///     let _ = BREAKER.call(|| if i % 2 == 0 { Err("timeout") } else { Ok(()) });
/// }
/// assert_eq!(BREAKER.state(), State::Open);
/// ```
#[derive(Debug)]
pub struct RateWindow<const B: usize> {
    calls: AtomicU32,
    buckets: [Bucket; B],
}

impl<const B: usize> RateWindow<B> {
    const_fn! {
        /// An empty window. More than [`MAX_WINDOW_BUCKETS`] buckets, or
        /// none, fails the build.
        pub fn new() -> Self {
            const { assert!(B >= 1 && B <= MAX_WINDOW_BUCKETS, "a RateWindow has 1 to 32 buckets") };
            RateWindow {
                calls: AtomicU32::new(0),
                buckets: buckets::<B>(),
            }
        }
    }

    /// The handle a configuration takes (`const`, for `static`s).
    pub const fn storage(&'static self) -> WindowStorage {
        WindowStorage {
            calls: &self.calls,
            buckets: &self.buckets,
        }
    }
}

#[cfg(not(any(totem_loom, totem_shuttle)))]
const fn buckets<const B: usize>() -> [Bucket; B] {
    [const { Bucket::new() }; B]
}
#[cfg(any(totem_loom, totem_shuttle))]
fn buckets<const B: usize>() -> [Bucket; B] {
    core::array::from_fn(|_| Bucket::new())
}

#[cfg(not(any(totem_loom, totem_shuttle)))]
impl<const B: usize> Default for RateWindow<B> {
    fn default() -> Self {
        Self::new()
    }
}

/// A [`RateWindow`] as a configuration holds it: a `'static` reference
/// that forgets the bucket count's type. Two are equal when they are the
/// same window.
#[derive(Clone, Copy)]
pub struct WindowStorage {
    calls: &'static AtomicU32,
    buckets: &'static [Bucket],
}

impl core::fmt::Debug for WindowStorage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WindowStorage")
            .field("buckets", &self.buckets.len())
            .finish()
    }
}

impl PartialEq for WindowStorage {
    fn eq(&self, other: &Self) -> bool {
        core::ptr::eq(self.calls, other.calls)
    }
}

impl Eq for WindowStorage {}

#[cfg(feature = "defmt")]
impl defmt::Format for WindowStorage {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "WindowStorage {{ buckets: {} }}", self.buckets.len())
    }
}

/// An outcome's part in the slow-call count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SlowSample {
    /// The slow-call policy is off: the slow words are never touched.
    Off,
    /// The policy is on but the outcome has no duration: it counts in
    /// neither the slow calls nor the timed ones, but it still moves its
    /// bucket's slow word on to its epoch (an older epoch's count must not
    /// be read again as this one's).
    Untimed,
    /// Timed: slow or not.
    Took(bool),
}

/// What a window holds over its latest epochs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct WindowCounts {
    /// Outcomes recorded (successes and failures).
    pub(crate) calls: u32,
    /// Of which failures.
    pub(crate) failures: u32,
    /// Outcomes recorded with a duration (the slow-call policy's).
    pub(crate) timed: u32,
    /// Of which slow.
    pub(crate) slow: u32,
}

impl WindowCounts {
    /// Adds bucket `b`, whose epoch word says `e`, if its count words say
    /// so too.
    #[inline]
    fn add(&mut self, b: &Bucket, e: u32, timed: bool) {
        let f = Count::decode(b.failed.load(Ordering::Relaxed));
        if f.tag == tag_of(e) {
            self.calls += f.calls;
            self.failures += f.hits;
        }
        if timed {
            let s = Count::decode(b.slow.load(Ordering::Relaxed));
            if s.tag == tag_of(e) {
                self.timed += s.calls;
                self.slow += s.hits;
            }
        }
    }
}

impl WindowStorage {
    /// How many buckets the window has.
    pub const fn buckets(&self) -> u32 {
        self.buckets.len() as u32
    }

    /// Numbers one more call for a count window (wrapping: the window
    /// starts afresh once every 2^32 calls).
    #[inline]
    pub(crate) fn next_call(&self) -> u32 {
        self.calls.fetch_add(1, Ordering::Relaxed)
    }

    /// The number the next call will get.
    #[inline]
    pub(crate) fn calls_numbered(&self) -> u32 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Adds one outcome of `epoch` to its bucket (the window uses `n`
    /// buckets).
    pub(crate) fn record(&self, epoch: u32, n: Divisor, failed: bool, slow: SlowSample) {
        let b = &self.buckets[n.rem(epoch) as usize];
        // ORDERING: Acquire pairs with the Release of the epoch CAS below
        // (another recorder's): its count word writes are then visible.
        let seen = b.epoch.load(Ordering::Acquire);
        // A bucket with no call in it (new, cleared) is free whatever its
        // epoch says: just before the 32-bit clock wraps, epoch 0 reads as
        // a few epochs ahead of ours.
        let empty = Count::decode(b.failed.load(Ordering::Relaxed)).calls == 0;
        let stale = empty || far_apart(seen, epoch);
        add(&b.failed, epoch, Some(failed), stale);
        match slow {
            SlowSample::Off => {}
            SlowSample::Untimed => add(&b.slow, epoch, None, stale),
            SlowSample::Took(slow) => add(&b.slow, epoch, Some(slow), stale),
        }
        let mut current = seen;
        // A stale bucket's epoch moves to ours whichever way; after that,
        // only forward.
        let mut any_way = stale;
        while current != epoch && (any_way || epoch_should_move(current, epoch)) {
            // ORDERING: Release publishes our count word writes to readers
            // that Acquire this epoch; Acquire on failure for the same
            // reason as the load above.
            match b
                .epoch
                .compare_exchange_weak(current, epoch, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break,
                // Another recorder moved the epoch: move it on only if ours
                // is still newer.
                Err(actual) => {
                    current = actual;
                    any_way = false;
                }
            }
        }
    }

    /// Records an outcome (as [`record`](Self::record)), then, if `judge`,
    /// reads the window it lands in, to judge it.
    pub(crate) fn record_and_count(
        &self,
        epoch: u32,
        n: Divisor,
        failed: bool,
        slow: SlowSample,
        judge: bool,
    ) -> Option<WindowCounts> {
        self.record(epoch, n, failed, slow);
        if !judge {
            return None;
        }
        // ORDERING: a SeqCst fence between our writes and our reads, paired
        // with the same fence of every other recorder: of two racing
        // recorders, at least one reads the other's outcome (see the module
        // doc).
        fence(Ordering::SeqCst);
        let timed = !matches!(slow, SlowSample::Off);
        Some(self.judged_counts(epoch, n, timed))
    }

    /// The counts of the window a recorder of `epoch` judges: the `n`
    /// epochs ending at the newest epoch a bucket holds, if newer than
    /// `epoch` (by less than the tags can tell: a far one is a clock that
    /// stepped back), else at `epoch`. One pass over the buckets in use,
    /// and a second only when a newer epoch turned up.
    fn judged_counts(&self, epoch: u32, n: Divisor, timed: bool) -> WindowCounts {
        let mut newest = epoch;
        let mut e = epoch;
        let mut i = n.rem(epoch);
        let mut out = WindowCounts::default();
        for _ in 0..n.get() {
            let b = &self.buckets[i as usize];
            // ORDERING: Acquire, as in `counts`.
            let held = b.epoch.load(Ordering::Acquire);
            if held == e {
                out.add(b, e, timed);
            } else if held.wrapping_sub(newest).wrapping_sub(1) < u32::MAX / 2
                && !far_apart(held, epoch)
            {
                // An empty bucket's epoch (0 when new or cleared) is no
                // evidence of newer outcomes: just before the 32-bit clock
                // wraps, 0 reads as a few epochs ahead.
                let c = Count::decode(b.failed.load(Ordering::Relaxed));
                if c.calls > 0 && c.tag == tag_of(held) {
                    newest = held;
                }
            }
            e = e.wrapping_sub(1);
            i = if i == 0 { n.get() - 1 } else { i - 1 };
        }
        if newest == epoch {
            out
        } else {
            self.counts(newest, n, timed)
        }
    }

    /// The counts of the `n` epochs ending at `epoch` (the slow words only
    /// when `timed`: the slow-call policy is on).
    pub(crate) fn counts(&self, epoch: u32, n: Divisor, timed: bool) -> WindowCounts {
        let mut out = WindowCounts::default();
        let mut e = epoch;
        let mut i = n.rem(epoch);
        for _ in 0..n.get() {
            let b = &self.buckets[i as usize];
            // ORDERING: Acquire pairs with the recorders' Release epoch CAS:
            // the count words read next are at least as new as the epoch.
            if b.epoch.load(Ordering::Acquire) == e {
                out.add(b, e, timed);
            }
            e = e.wrapping_sub(1);
            i = if i == 0 { n.get() - 1 } else { i - 1 };
        }
        out
    }

    /// Empties every bucket (the breaker closed, or its stats were reset).
    /// An outcome racing the clear may land in it or be lost; none is
    /// counted twice.
    pub(crate) fn clear(&self) {
        // Numbering restarts too, so a count window knows from a call's
        // number how many calls it holds.
        self.calls.store(0, Ordering::Relaxed);
        for b in self.buckets {
            // ORDERING: Release, so a reader that sees the cleared epoch
            // sees the cleared counts (they are stored first).
            b.failed.store(0, Ordering::Relaxed);
            b.slow.store(0, Ordering::Relaxed);
            b.epoch.store(0, Ordering::Release);
        }
    }
}

/// One outcome into one count word (`hit`: a failure or a slow call; `None`:
/// no call to count, only the move to `epoch`): the CAS loop of
/// `fetch_update` over the pure decision. A bucket holding a newer epoch
/// refuses it (`None`).
#[inline]
fn add(word: &AtomicU32, epoch: u32, hit: Option<bool>, stale: bool) {
    // Stale applies to the bucket we first saw: if the CAS fails, the word
    // changed under us, most likely restarted by a recorder of our epoch,
    // whose count we must not wipe.
    let mut stale = stale;
    let _ = word.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
        let next = decide_add(bits, epoch, hit, stale);
        stale = false;
        next
    });
}

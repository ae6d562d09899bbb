//! The one place that chooses where atomics come from.
//!
//! * normal builds: [`portable_atomic`], which re-exports the native atomics
//!   where the target has them (thumbv7em, x86_64, aarch64: no lock, no
//!   critical section) and, with the `critical-section` feature, emulates CAS
//!   on targets that lack it (thumbv6m, riscv32imc). It is built without its
//!   `fallback` feature, so asking for an atomic the target cannot do natively
//!   (an `AtomicU64` on thumbv7em) is a compile error instead of a hidden
//!   lock table.
//! * `--cfg totem_loom`: loom's model-checked atomics.
//! * `--cfg totem_shuttle`: shuttle's, for its randomized schedulers.
//!
//! No other file names `core::sync::atomic`.

#[cfg(totem_loom)]
pub(crate) use loom::sync::atomic::{AtomicU32, Ordering};
#[cfg(not(any(totem_loom, totem_shuttle)))]
pub(crate) use portable_atomic::{AtomicU32, Ordering};
#[cfg(all(totem_shuttle, not(totem_loom)))]
pub(crate) use shuttle::sync::atomic::{AtomicU32, Ordering};

// A fence, for the sliding window's judge (see `window`).
#[cfg(all(feature = "policies", totem_loom))]
pub(crate) use loom::sync::atomic::fence;
#[cfg(all(feature = "policies", not(any(totem_loom, totem_shuttle))))]
pub(crate) use portable_atomic::fence;
#[cfg(all(feature = "policies", totem_shuttle, not(totem_loom)))]
pub(crate) use shuttle::sync::atomic::fence;

#[cfg(all(feature = "metrics", not(target_has_atomic = "64")))]
pub(crate) use self::AtomicU32 as AtomicCounter;
#[cfg(not(feature = "metrics"))]
pub(crate) use self::Uncounted as AtomicCounter;
/// Monotone event counters: 64-bit where the target has native 64-bit
/// atomics, 32-bit (wrapping, like a Prometheus counter reset) elsewhere;
/// without the `metrics` feature, [`Uncounted`].
#[cfg(all(feature = "metrics", totem_loom, target_has_atomic = "64"))]
pub(crate) use loom::sync::atomic::AtomicU64 as AtomicCounter;
#[cfg(all(
    feature = "metrics",
    not(any(totem_loom, totem_shuttle)),
    target_has_atomic = "64"
))]
pub(crate) use portable_atomic::AtomicU64 as AtomicCounter;
#[cfg(all(
    feature = "metrics",
    totem_shuttle,
    not(totem_loom),
    target_has_atomic = "64"
))]
pub(crate) use shuttle::sync::atomic::AtomicU64 as AtomicCounter;

/// The integer an [`AtomicCounter`] holds.
#[cfg(target_has_atomic = "64")]
pub(crate) type CounterValue = u64;
#[cfg(not(target_has_atomic = "64"))]
pub(crate) type CounterValue = u32;

/// The counter of a build without the `metrics` feature: zero-sized, it
/// counts nothing and always reads 0, so every total, time in state and
/// histogram takes no RAM and its code folds away, while the code that
/// keeps them is written once, for both builds.
#[cfg(not(feature = "metrics"))]
#[derive(Debug)]
pub(crate) struct Uncounted;

#[cfg(not(feature = "metrics"))]
impl Uncounted {
    pub(crate) const fn new(_: CounterValue) -> Self {
        Uncounted
    }

    #[inline(always)]
    pub(crate) fn load(&self, _: Ordering) -> CounterValue {
        0
    }

    #[inline(always)]
    pub(crate) fn store(&self, _: CounterValue, _: Ordering) {}

    #[inline(always)]
    pub(crate) fn fetch_add(&self, _: CounterValue, _: Ordering) -> CounterValue {
        0
    }

    #[inline(always)]
    pub(crate) fn compare_exchange_weak(
        &self,
        current: CounterValue,
        _: CounterValue,
        _: Ordering,
        _: Ordering,
    ) -> Result<CounterValue, CounterValue> {
        Ok(current)
    }
}

/// Emits a constructor that is `const fn` normally and a plain `fn` under
/// loom or shuttle, whose atomics have no `const fn new` (crossbeam-epoch's
/// `const_fn!`).
macro_rules! const_fn {
    ($(#[$attr:meta])* $vis:vis fn $($rest:tt)*) => {
        #[cfg(not(any(totem_loom, totem_shuttle)))]
        $(#[$attr])* $vis const fn $($rest)*
        #[cfg(any(totem_loom, totem_shuttle))]
        $(#[$attr])* $vis fn $($rest)*
    };
}
pub(crate) use const_fn;

/// Whether this is a std-class CPU (x86_64, aarch64, powerpc64), where hot
/// paths are laid out for speed (inlined whole, padded to cache lines);
/// elsewhere, on MCUs, they are laid out for size. The build script names
/// those CPUs once, as `cfg(totem_speed)`, which attributes read too.
pub(crate) const SPEED_OVER_SIZE: bool = cfg!(totem_speed);

/// Pads its content to a cache line on std-class CPUs, so that words written
/// by different threads do not share a line; no padding on MCUs, where RAM is
/// scarce and there is no cache coherency traffic to avoid.
#[cfg_attr(totem_speed, repr(align(128)))]
#[cfg_attr(not(totem_speed), repr(transparent))]
#[derive(Debug)]
pub(crate) struct CachePadded<T>(pub(crate) T);

/// Adds one to a counter. Totals are statistics, not synchronisation, so
/// `Relaxed` is enough: nothing else is published through them.
#[inline(always)]
pub(crate) fn bump(counter: &AtomicCounter) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Adds `n` to a counter (`Relaxed`, as [`bump`]).
#[inline(always)]
pub(crate) fn bump_by(counter: &AtomicCounter, n: u32) {
    counter.fetch_add(n as CounterValue, Ordering::Relaxed);
}

/// Reads a counter as `u64`.
#[inline(always)]
pub(crate) fn read(counter: &AtomicCounter) -> u64 {
    #[allow(clippy::useless_conversion)]
    u64::from(counter.load(Ordering::Relaxed))
}

/// `N` counters at zero: a `const` expression, so counter arrays can sit in
/// a `static` (a plain function under loom or shuttle, whose atomics have no
/// `const fn new`).
#[cfg(not(any(totem_loom, totem_shuttle)))]
pub(crate) const fn counters<const N: usize>() -> [AtomicCounter; N] {
    [const { AtomicCounter::new(0) }; N]
}
#[cfg(any(totem_loom, totem_shuttle))]
pub(crate) fn counters<const N: usize>() -> [AtomicCounter; N] {
    core::array::from_fn(|_| AtomicCounter::new(0))
}

/// Reads every counter of an array as `u64`.
pub(crate) fn read_all<const N: usize>(counters: &[AtomicCounter; N]) -> [u64; N] {
    let mut out = [0; N];
    for (slot, counter) in out.iter_mut().zip(counters.iter()) {
        *slot = read(counter);
    }
    out
}

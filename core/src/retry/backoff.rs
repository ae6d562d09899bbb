//! The backoff schedule ([`Backoff`], an `Iterator` of delays) and its
//! jitter, drawn from the retry's lock-free generator ([`SharedRng`]).
//!
//! All arithmetic is integer milliseconds with saturation; the backoff factor
//! is 16.16 fixed point, so an MCU without an FPU needs no float.

use crate::clock::Duration;
use crate::config::{Jitter, RetryConfig, Valid};
use crate::primitive::{AtomicU32, Ordering};

// ---------------------------------------------------------------------------
// Randomness
// ---------------------------------------------------------------------------

const GOLDEN_GAMMA: u32 = 0x9E37_79B9;

/// A 32-bit finaliser (lowbias32, Chris Wellons): a bijection that turns a
/// Weyl sequence into well-mixed output.
pub(super) const fn mix32(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^= x >> 16;
    x
}

/// Folds a 64-bit seed into the 32-bit generator state.
pub(super) const fn fold_seed(seed: u64) -> u32 {
    mix32((seed as u32) ^ mix32((seed >> 32) as u32))
}

/// The retry's own jitter source: a counter-based generator (a Weyl sequence
/// through a bijective mixer) whose state is one atomic, so one `Retry` in a
/// `static` can be shared by threads and interrupts without a lock. Each draw
/// is one `fetch_add`. Not cryptographic.
///
/// ```
/// # use totem_core::{validated, Jitter, ManualClock, Retry, RetryConfig};
/// # let clock = ManualClock::new();
/// let retry = Retry::new(validated!(RetryConfig::new("x").jitter(Jitter::Full)), &clock, 9);
/// let schedule: totem_core::Backoff<totem_core::SharedRng<'_>> = retry.schedule();
/// assert_eq!(schedule.count(), 2);
/// ```
#[derive(Debug)]
pub struct SharedRng<'a>(pub(super) &'a AtomicU32);

impl rand_core::TryRng for SharedRng<'_> {
    type Error = core::convert::Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        // Relaxed: each draw only needs a distinct counter value.
        let x = self.0.fetch_add(GOLDEN_GAMMA, Ordering::Relaxed);
        Ok(mix32(x.wrapping_add(GOLDEN_GAMMA)))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        rand_core::utils::next_u64_via_u32(self)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(4) {
            let x = self.try_next_u32()?.to_le_bytes();
            chunk.copy_from_slice(&x[..chunk.len()]);
        }
        Ok(())
    }
}

/// Uniform in `[lo, hi]` by multiply-shift (bias below 2^-32 per draw; no
/// rejection loop, so a draw has a fixed cost).
#[inline]
pub(super) fn uniform<R: rand_core::Rng>(rng: &mut R, lo: u32, hi: u32) -> u32 {
    let span = (hi - lo) as u64 + 1;
    lo + ((rng.next_u32() as u64 * span) >> 32) as u32
}

// ---------------------------------------------------------------------------
// The schedule
// ---------------------------------------------------------------------------

/// The delays before retry 1, 2, … (`max_attempts - 1` of them):
/// `min(max_delay, initial_delay * backoff_factor^(n-1))`, jittered, then
/// clamped to `max_delay`.
///
/// ```
/// use totem_core::{validated, Backoff, BackoffFactor, Duration, RetryConfig};
/// let cfg = validated!(RetryConfig::new("x")
///     .max_attempts(6)
///     .initial_delay(Duration::from_millis(100))
///     .max_delay(Duration::from_millis(1_000))
///     .backoff_factor(BackoffFactor::ratio(3, 2)));
/// let rng = rand_core::UnwrapErr(Never); // no jitter: never drawn
/// # #[derive(Debug)] struct Never;
/// # impl rand_core::TryRng for Never { type Error = core::convert::Infallible;
/// #   fn try_next_u32(&mut self) -> Result<u32, Self::Error> { unreachable!() }
/// #   fn try_next_u64(&mut self) -> Result<u64, Self::Error> { unreachable!() }
/// #   fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), Self::Error> { unreachable!() } }
/// let delays: Vec<u32> = Backoff::new(&cfg, rng).map(|d| d.as_ticks()).collect();
/// assert_eq!(delays, [100, 150, 225, 337, 506]);
/// ```
#[derive(Debug, Clone)]
pub struct Backoff<R> {
    plan: Plan,
    progress: Progress,
    rng: R,
}

/// What a schedule is made of, read from the configuration: a constant
/// when the configuration is (a `settings!` retry's), so that the jitter a
/// configuration leaves off costs no code.
#[derive(Debug, Clone, Copy)]
pub(super) struct Plan {
    max_ms: u32,
    initial_ms: u32,
    factor: u32,
    jitter: Jitter,
}

impl Plan {
    #[inline(always)]
    pub(super) const fn of(c: &RetryConfig) -> Plan {
        Plan {
            max_ms: c.max_delay.as_ticks(),
            initial_ms: c.initial_delay.as_ticks(),
            factor: c.backoff_factor.raw(),
            jitter: c.jitter,
        }
    }
}

/// Where one call's schedule is.
#[derive(Debug, Clone, Copy)]
pub(super) struct Progress {
    /// The next un-jittered delay, in 16.16 fixed-point milliseconds.
    next_fp: u64,
    /// The previous delay (decorrelated jitter).
    prev_ms: u32,
    left: u32,
}

impl Progress {
    #[inline(always)]
    pub(super) const fn start(c: &RetryConfig) -> Progress {
        Progress {
            next_fp: (c.initial_delay.as_ticks() as u64) << 16,
            prev_ms: c.initial_delay.as_ticks(),
            left: c.max_attempts - 1,
        }
    }

    /// The next delay without jitter, advancing the exponential.
    #[inline(always)]
    fn base(&mut self, plan: &Plan) -> u32 {
        let max_fp = (plan.max_ms as u64) << 16;
        let current = self.next_fp.min(max_fp);
        // Saturating: an overflow means "far above max_delay".
        self.next_fp = match current.checked_mul(plan.factor as u64) {
            Some(p) => (p >> 16).min(max_fp),
            None => max_fp,
        };
        (current >> 16) as u32
    }

    /// The next delay of `plan`, jittered from `rng`; `None` once the
    /// attempts are spent. The one step of both the public [`Backoff`] and
    /// the retry loops. Inlined whole on MCUs, where a constant plan then
    /// folds the jitter it leaves off; only hinted on std-class CPUs, where
    /// a copy in every retry loop made the loop too big to inline into its
    /// caller (+0.6 ns on a first attempt that succeeds).
    #[cfg_attr(totem_speed, inline)]
    #[cfg_attr(not(totem_speed), inline(always))]
    pub(super) fn next<R: rand_core::Rng>(&mut self, plan: &Plan, rng: &mut R) -> Option<Duration> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let d = self.base(plan);
        let jittered = match plan.jitter {
            Jitter::None => d,
            Jitter::Full => uniform(rng, 0, d),
            Jitter::Equal => d / 2 + uniform(rng, 0, d - d / 2),
            Jitter::Decorrelated => {
                let hi = self.prev_ms.saturating_mul(3).max(plan.initial_ms);
                let v = uniform(rng, plan.initial_ms, hi);
                self.prev_ms = v.min(plan.max_ms);
                v
            }
        };
        Some(Duration::from_ticks(jittered.min(plan.max_ms)))
    }

    /// The delays left.
    #[inline(always)]
    pub(super) const fn left(&self) -> u32 {
        self.left
    }
}

impl<R: rand_core::Rng> Backoff<R> {
    /// The schedule of a validated configuration, drawing jitter from `rng`
    /// (the same seed gives the same delays).
    ///
    /// ```
    /// # use totem_core::{validated, Backoff, RetryConfig};
    /// # use totem_core::SharedRng;
    /// let cfg = validated!(RetryConfig::new("x"));
    /// # struct Zero;
    /// # impl rand_core::TryRng for Zero { type Error = core::convert::Infallible;
    /// #   fn try_next_u32(&mut self) -> Result<u32, Self::Error> { Ok(0) }
    /// #   fn try_next_u64(&mut self) -> Result<u64, Self::Error> { Ok(0) }
    /// #   fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), Self::Error> { Ok(()) } }
    /// assert_eq!(Backoff::new(&cfg, Zero).count(), 2); // 3 attempts: 2 delays
    /// ```
    pub fn new(config: &Valid<RetryConfig>, rng: R) -> Self {
        let c = config.get();
        Self {
            plan: Plan::of(c),
            progress: Progress::start(c),
            rng,
        }
    }
}

impl<R: rand_core::Rng> Iterator for Backoff<R> {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        self.progress.next(&self.plan, &mut self.rng)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.progress.left() as usize;
        (left, Some(left))
    }
}

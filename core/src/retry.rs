//! Retry: the backoff schedule ([`Backoff`], an `Iterator` of delays),
//! jitter, predicates ([`RetryPolicy`]), the optional deadline, and the retry
//! loop, blocking ([`Retry::call`]) or async ([`Retry::call_async`]).
//!
//! All arithmetic is integer milliseconds with saturation; the backoff factor
//! is 16.16 fixed point, so an MCU without an FPU needs no float.

use core::future::Future;

use crate::breaker::{CallError, CircuitBreaker};
use crate::clock::{Clock, Duration};
use crate::config::{ConfigError, Jitter, RetryConfig, Valid};
use crate::event::{Event, NoObserver, Observer, RetryGaveUp, RetryScheduled};
use crate::primitive::{bump, bump_by, const_fn, read, AtomicCounter, AtomicU32, Ordering};

/// The longest `max_delay` and `deadline`: 2^31 − 1 ms (about 24.8 days),
/// half the wrapping 32-bit millisecond clock, so elapsed time stays
/// unambiguous.
///
/// It also bounds what a deadline can charge for one step (an attempt and the
/// sleep before it): a clock that jumps forward by 2^31 ms or more within a
/// step reads as one that stepped back, and that step is charged nothing.
///
/// ```
/// use totem_core::{retry::MAX_DELAY_MS, Duration, RetryConfig};
/// assert!(RetryConfig::new("x").max_delay(Duration::from_ticks(MAX_DELAY_MS)).validate().is_ok());
/// ```
pub const MAX_DELAY_MS: u32 = i32::MAX as u32;

/// How many error classes the retry metrics keep apart.
///
/// ```
/// # use totem_core::{validated, ManualClock, Retry, RetryConfig};
/// # let clock = ManualClock::new();
/// let retry = Retry::new(validated!(RetryConfig::new("x")), &clock, 1);
/// assert_eq!(retry.snapshot().errors_by_class.len(), totem_core::retry::ERROR_CLASSES);
/// ```
pub const ERROR_CLASSES: usize = 8;

/// Why a retried call returned an error.
///
/// ```
/// use totem_core::GiveUp;
/// assert_ne!(GiveUp::Exhausted, GiveUp::Deadline);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum GiveUp {
    /// `max_attempts` were made.
    Exhausted,
    /// The policy said this result is not worth retrying (a breaker
    /// rejection, by default, when retrying through a breaker).
    NotRetryable,
    /// The next delay would have ended past the deadline, so the retry gave
    /// up instead of sleeping (it never sleeps past the deadline).
    Deadline,
}

/// The last error of a retried call, with how many attempts were made.
///
/// ```
/// use totem_core::{validated, GiveUp, ManualClock, Retry, RetryConfig};
/// let clock = ManualClock::new();
/// let retry = Retry::new(validated!(RetryConfig::new("x").max_attempts(2)), &clock, 7);
/// let err = retry.call(|_| {}, || Err::<(), _>("down")).unwrap_err();
/// assert_eq!((err.error, err.attempts, err.reason), ("down", 2, GiveUp::Exhausted));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RetryError<E> {
    /// The last attempt's error.
    pub error: E,
    /// Attempts made, the first call included.
    pub attempts: u32,
    /// Why no further attempt was made.
    pub reason: GiveUp,
}

impl<E: core::fmt::Display> core::fmt::Display for RetryError<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{} (after {} attempts, {:?})",
            self.error, self.attempts, self.reason
        )
    }
}

impl<E: core::error::Error + 'static> core::error::Error for RetryError<E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Decides which results are retried, and how errors are classed in the
/// metrics. It is a different question from the breaker's classifier
/// (retryable is not the same as unhealthy).
///
/// Any `Fn(&Result<T, E>) -> bool` is a policy (true: try again).
///
/// ```
/// use totem_core::RetryPolicy;
/// let only_timeouts = |r: &Result<(), &str>| matches!(r, Err("timeout"));
/// assert!(only_timeouts.should_retry(&Err("timeout")));
/// assert!(!only_timeouts.should_retry(&Err("bad request")));
/// ```
pub trait RetryPolicy<T, E> {
    /// Whether this result should be tried again (asked only while attempts
    /// remain).
    fn should_retry(&self, result: &Result<T, E>) -> bool;

    /// The class of an error for the metrics, `0..ERROR_CLASSES` (larger
    /// values count as the last class). Default: 0.
    fn error_class(&self, _error: &E) -> usize {
        0
    }
}

/// The default policy: retry every `Err`, never an `Ok`.
///
/// ```
/// use totem_core::{RetryErrors, RetryPolicy};
/// assert!(RetryPolicy::<(), ()>::should_retry(&RetryErrors, &Err(())));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetryErrors;

impl<T, E> RetryPolicy<T, E> for RetryErrors {
    #[inline]
    fn should_retry(&self, result: &Result<T, E>) -> bool {
        result.is_err()
    }
}

/// The policy for retrying through a breaker: retry the operation's errors,
/// never a breaker rejection (an open breaker stops the retries).
///
/// ```
/// use totem_core::{CallError, NotRejected, Rejected, RetryPolicy, State};
/// let rejected: Result<(), CallError<()>> =
///     Err(CallError::Rejected(Rejected { name: "x", state: State::Open, retry_after: None }));
/// assert!(!NotRejected.should_retry(&rejected));
/// assert!(NotRejected.should_retry(&Err::<(), _>(CallError::Inner(()))));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NotRejected;

impl<T, E> RetryPolicy<T, CallError<E>> for NotRejected {
    #[inline]
    fn should_retry(&self, result: &Result<T, CallError<E>>) -> bool {
        matches!(result, Err(CallError::Inner(_)))
    }

    fn error_class(&self, error: &CallError<E>) -> usize {
        // Class 1 keeps rejections apart from the operation's own errors.
        usize::from(error.is_rejected())
    }
}

impl<T, E, F: Fn(&Result<T, E>) -> bool> RetryPolicy<T, E> for F {
    #[inline]
    fn should_retry(&self, result: &Result<T, E>) -> bool {
        self(result)
    }
}

/// Something that can wait asynchronously (an Embassy `Timer`, a Tokio
/// sleep). The core has no runtime of its own.
///
/// # Contract
///
/// An implementation:
/// - MUST complete no earlier than `delay` after it is first polled (round a
///   delay shorter than its tick up to one tick, never down to zero).
/// - MUST NOT block the thread: it returns a future that yields.
/// - MUST be cancel-safe: dropping the future cancels the wait.
///
/// ```
/// use core::future::Future;
/// use totem_core::{Duration, Sleeper};
/// struct Instant0;
/// impl Sleeper for Instant0 {
///     fn sleep(&self, _delay: Duration) -> impl Future<Output = ()> {
///         core::future::ready(())
///     }
/// }
/// # let _ = Instant0.sleep(Duration::from_millis(1));
/// ```
pub trait Sleeper {
    /// Waits for `delay`.
    fn sleep(&self, delay: Duration) -> impl Future<Output = ()>;
}

impl<S: Sleeper + ?Sized> Sleeper for &S {
    fn sleep(&self, delay: Duration) -> impl Future<Output = ()> {
        (**self).sleep(delay)
    }
}

// ---------------------------------------------------------------------------
// Randomness
// ---------------------------------------------------------------------------

const GOLDEN_GAMMA: u32 = 0x9E37_79B9;

/// A 32-bit finaliser (lowbias32, Chris Wellons): a bijection that turns a
/// Weyl sequence into well-mixed output.
const fn mix32(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^= x >> 16;
    x
}

/// Folds a 64-bit seed into the 32-bit generator state.
const fn fold_seed(seed: u64) -> u32 {
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
/// let schedule: totem_core::Backoff<totem_core::retry::SharedRng<'_>> = retry.schedule();
/// assert_eq!(schedule.count(), 2);
/// ```
#[derive(Debug)]
pub struct SharedRng<'a>(&'a AtomicU32);

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
fn uniform<R: rand_core::Rng>(rng: &mut R, lo: u32, hi: u32) -> u32 {
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
    /// The next un-jittered delay, in 16.16 fixed-point milliseconds.
    next_fp: u64,
    max_ms: u32,
    initial_ms: u32,
    factor: u32,
    jitter: Jitter,
    /// The previous delay (decorrelated jitter).
    prev_ms: u32,
    left: u32,
    rng: R,
}

impl<R: rand_core::Rng> Backoff<R> {
    /// The schedule of a validated configuration, drawing jitter from `rng`
    /// (the same seed gives the same delays).
    ///
    /// ```
    /// # use totem_core::{validated, Backoff, RetryConfig};
    /// # use totem_core::retry::SharedRng;
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
            next_fp: (c.initial_delay.as_ticks() as u64) << 16,
            max_ms: c.max_delay.as_ticks(),
            initial_ms: c.initial_delay.as_ticks(),
            factor: c.backoff_factor.raw(),
            jitter: c.jitter,
            prev_ms: c.initial_delay.as_ticks(),
            left: c.max_attempts - 1,
            rng,
        }
    }

    /// The next delay without jitter, advancing the exponential.
    #[inline]
    fn base(&mut self) -> u32 {
        let max_fp = (self.max_ms as u64) << 16;
        let current = self.next_fp.min(max_fp);
        // Saturating: an overflow means "far above max_delay".
        self.next_fp = match current.checked_mul(self.factor as u64) {
            Some(p) => (p >> 16).min(max_fp),
            None => max_fp,
        };
        (current >> 16) as u32
    }
}

impl<R: rand_core::Rng> Iterator for Backoff<R> {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let d = self.base();
        let jittered = match self.jitter {
            Jitter::None => d,
            Jitter::Full => uniform(&mut self.rng, 0, d),
            Jitter::Equal => d / 2 + uniform(&mut self.rng, 0, d - d / 2),
            Jitter::Decorrelated => {
                let hi = self.prev_ms.saturating_mul(3).max(self.initial_ms);
                let v = uniform(&mut self.rng, self.initial_ms, hi);
                self.prev_ms = v.min(self.max_ms);
                v
            }
        };
        Some(Duration::from_ticks(jittered.min(self.max_ms)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left as usize, Some(self.left as usize))
    }
}

// ---------------------------------------------------------------------------
// The retry
// ---------------------------------------------------------------------------

/// The retry's counters.
#[derive(Debug)]
struct Counters {
    succeeded: AtomicCounter,
    failed: AtomicCounter,
    abandoned: AtomicCounter,
    retries: AtomicCounter,
    delay_ms: AtomicCounter,
    errors: [AtomicCounter; ERROR_CLASSES],
}

/// A copy of a retry's metrics.
///
/// | spec metric | where |
/// |---|---|
/// | `retry_attempts_total` | [`attempts_total`](Self::attempts_total) |
/// | `retry_success_total` | [`success_total`](Self::success_total) |
/// | `retry_delay_seconds` | [`delay_ms_total`](Self::delay_ms_total) / 1000 |
/// | distribution of errors | [`errors_by_class`](Self::errors_by_class) |
///
/// ```
/// use totem_core::{validated, ManualClock, Retry, RetryConfig};
/// let clock = ManualClock::new();
/// let retry = Retry::new(validated!(RetryConfig::new("x")), &clock, 1);
/// let _ = retry.call(|_| {}, || Ok::<_, ()>(1));
/// let s = retry.snapshot();
/// assert_eq!((s.attempts_total, s.success_total, s.retries_total), (1, 1, 0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RetrySnapshot {
    /// The retry's name.
    pub name: &'static str,
    /// Attempts made: the first attempt of every call that ended, plus every
    /// retry. Exact whatever way a call ends.
    pub attempts_total: u64,
    /// Calls that ended in success.
    pub success_total: u64,
    /// Calls that ended in an error (or a result still retryable when
    /// attempts ran out).
    pub failure_total: u64,
    /// Calls that ended without a result: the operation panicked, or the
    /// call's future was dropped (a timeout, a cancelled task). Like an
    /// abandoned breaker permit, what ran is counted.
    pub abandoned_total: u64,
    /// Retries: attempts after the first, counted when they start (a call
    /// abandoned during its sleep did not retry).
    pub retries_total: u64,
    /// Milliseconds slept before the retries counted in `retries_total`.
    pub delay_ms_total: u64,
    /// Failed attempts per error class (see [`RetryPolicy::error_class`]).
    pub errors_by_class: [u64; ERROR_CLASSES],
}

impl RetrySnapshot {
    /// Successful calls over finished calls (`None` before any).
    ///
    /// ```
    /// # use totem_core::{validated, ManualClock, Retry, RetryConfig};
    /// # let clock = ManualClock::new();
    /// # let retry = Retry::new(validated!(RetryConfig::new("x")), &clock, 1);
    /// assert_eq!(retry.snapshot().success_rate(), None);
    /// ```
    pub fn success_rate(&self) -> Option<crate::SuccessRate> {
        let calls = self.success_total + self.failure_total;
        (calls != 0).then_some(crate::SuccessRate {
            successes: self.success_total,
            calls,
        })
    }

    /// Mean delay per retry in milliseconds (`None` before any retry).
    ///
    /// ```
    /// # use totem_core::{validated, ManualClock, Retry, RetryConfig};
    /// # let clock = ManualClock::new();
    /// # let retry = Retry::new(validated!(RetryConfig::new("x")), &clock, 1);
    /// assert_eq!(retry.snapshot().mean_delay_ms(), None);
    /// ```
    pub fn mean_delay_ms(&self) -> Option<u64> {
        (self.retries_total != 0).then(|| self.delay_ms_total / self.retries_total)
    }
}

/// What the loop does after an attempt.
enum Next<T, E> {
    Return(Result<T, RetryError<E>>),
    Sleep(Duration),
}

/// Counts a call as abandoned if it is dropped before it ends with a result:
/// its operation panicked, or its future was dropped. Disarmed on every
/// return, so the normal path pays nothing.
struct Ending<'r> {
    abandoned: Option<&'r AtomicCounter>,
}

impl<'r> Ending<'r> {
    #[inline(always)]
    fn arm<C, O>(retry: &'r Retry<C, O>) -> Self {
        Self {
            abandoned: retry
                .config
                .get()
                .metrics
                .then_some(&retry.counters.abandoned),
        }
    }

    /// The call ended with a result (already counted).
    #[inline(always)]
    fn ended<R>(self, r: R) -> R {
        core::mem::forget(self);
        r
    }
}

impl Drop for Ending<'_> {
    fn drop(&mut self) {
        if let Some(counter) = self.abandoned {
            bump(counter);
        }
    }
}

/// One retried call in progress: the decisions shared by the blocking and
/// the async loops.
struct Run<'r, C, O> {
    retry: &'r Retry<C, O>,
    attempt: u32,
    /// The clock at the start of the call, then at each deadline check
    /// (only with a deadline).
    last: Option<u32>,
    /// Time charged to the deadline so far.
    elapsed: u64,
    /// The sleep before the attempt that just ended.
    slept: u32,
    schedule: Backoff<SharedRng<'r>>,
}

impl<'r, C: Clock, O: Observer> Run<'r, C, O> {
    /// When the call started, read only if there is a deadline (the first
    /// attempt's time counts against it: the deadline is the call's total
    /// budget).
    fn start(retry: &Retry<C, O>) -> Option<u32> {
        retry
            .config
            .get()
            .deadline
            .map(|_| retry.clock.now().as_ticks())
    }

    fn new(retry: &'r Retry<C, O>, started: Option<u32>) -> Self {
        Self {
            retry,
            attempt: 0,
            last: started,
            elapsed: 0,
            slept: 0,
            schedule: Backoff::new(&retry.config, SharedRng(&retry.rng)),
        }
    }

    fn after<T, E>(&mut self, result: Result<T, E>, policy: &impl RetryPolicy<T, E>) -> Next<T, E> {
        self.attempt += 1;
        let cfg = self.retry.config.get();
        let metrics = cfg.metrics;
        if let (true, Err(e)) = (metrics, &result) {
            let class = policy.error_class(e).min(ERROR_CLASSES - 1);
            bump(&self.retry.counters.errors[class]);
        }
        if !policy.should_retry(&result) {
            if result.is_ok() {
                if metrics {
                    bump(&self.retry.counters.succeeded);
                }
            } else {
                self.gave_up(GiveUp::NotRetryable);
            }
            return Next::Return(finish(result, self.attempt, GiveUp::NotRetryable));
        }
        let Some(delay) = self.schedule.next() else {
            self.gave_up(GiveUp::Exhausted);
            return Next::Return(finish(result, self.attempt, GiveUp::Exhausted));
        };
        if let (Some(last), Some(deadline)) = (self.last, cfg.deadline) {
            // Elapsed time is charged step by step (a sleep and an attempt
            // at a time). A step reads as forward if it is under 2^31 ms, or
            // no shorter than the sleep it contains: after a sleep of
            // MAX_DELAY_MS, an attempt of a few ms more is still forward,
            // not a clock that stepped back (which a single reading from
            // the start of the call could not tell apart). A clock that
            // did step back charges nothing for that step.
            let now = self.retry.clock.now().as_ticks();
            let step = now.wrapping_sub(last);
            if step <= MAX_DELAY_MS || step.wrapping_sub(self.slept) <= MAX_DELAY_MS {
                self.elapsed += step as u64;
            }
            self.last = Some(now);
            if self.elapsed + delay.as_ticks() as u64 > deadline.as_ticks() as u64 {
                self.gave_up(GiveUp::Deadline);
                return Next::Return(finish(result, self.attempt, GiveUp::Deadline));
            }
        }
        self.slept = delay.as_ticks();
        self.retry
            .observer
            .on_event(&Event::RetryScheduled(RetryScheduled {
                name: cfg.name,
                attempt: self.attempt,
                delay,
            }));
        Next::Sleep(delay)
    }

    /// The sleep of `delay` is over and the next attempt starts: count the
    /// retry now, so that a call abandoned during its sleep counts none.
    fn retrying(&self, delay: Duration) {
        if self.retry.config.get().metrics {
            bump(&self.retry.counters.retries);
            bump_by(&self.retry.counters.delay_ms, delay.as_ticks());
        }
    }

    fn gave_up(&self, reason: GiveUp) {
        if self.retry.config.get().metrics {
            bump(&self.retry.counters.failed);
        }
        self.retry
            .observer
            .on_event(&Event::RetryGaveUp(RetryGaveUp {
                name: self.retry.config.get().name,
                attempts: self.attempt,
                reason,
            }));
    }
}

/// Retries an operation with exponential backoff and jitter.
///
/// ```
/// use totem_core::{validated, Duration, ManualClock, Retry, RetryConfig};
/// let clock = ManualClock::new();
/// let retry = Retry::new(validated!(RetryConfig::new("notify")), &clock, 0x5eed);
/// let mut calls = 0;
/// let mut slept = Vec::new();
/// let result = retry.call(
///     |d| slept.push(d.as_ticks()),
///     || { calls += 1; if calls < 3 { Err("busy") } else { Ok("sent") } },
/// );
/// assert_eq!(result.unwrap(), "sent");
/// assert_eq!(slept, [1_000, 2_000]);
/// ```
#[derive(Debug)]
pub struct Retry<C, O = NoObserver> {
    config: Valid<RetryConfig>,
    clock: C,
    observer: O,
    rng: AtomicU32,
    counters: Counters,
}

impl<C: Clock> Retry<C, NoObserver> {
    const_fn! {
        /// A retry. `seed` seeds the jitter: give each device its own (a chip
        /// ID, a factory serial; `totem-std` seeds from the OS). `const`, so
        /// it can be a `static`; see also [`reseed`](Self::reseed).
        ///
        /// ```
        /// use totem_core::{validated, ManualClock, Retry, RetryConfig};
        /// static CLOCK: ManualClock = ManualClock::new();
        /// static RETRY: Retry<&ManualClock> =
        ///     Retry::new(validated!(RetryConfig::new("modem")), &CLOCK, 0);
        /// RETRY.reseed(0xC0FFEE); // e.g. the chip's unique ID, at boot
        /// ```
        pub fn new(config: Valid<RetryConfig>, clock: C, seed: u64) -> Self {
            Retry::new_with_observer(config, clock, seed, NoObserver)
        }
    }

    /// Validates `config` and builds the retry, or says which field is wrong.
    ///
    /// ```
    /// use totem_core::{ConfigError, ManualClock, Retry, RetryConfig};
    /// let err = Retry::try_new(RetryConfig::new("x").max_attempts(0), ManualClock::new(), 1);
    /// assert_eq!(err.unwrap_err(), ConfigError::MaxAttemptsZero);
    /// ```
    pub fn try_new(config: RetryConfig, clock: C, seed: u64) -> Result<Self, ConfigError> {
        Ok(Self::new(config.validate()?, clock, seed))
    }
}

impl<C: Clock, O: Observer> Retry<C, O> {
    const_fn! {
        /// [`new`](Retry::new) with an observer: `const`, so a `static`
        /// retry can report its events.
        ///
        /// ```
        /// use totem_core::{validated, Event, ManualClock, Retry, RetryConfig};
        /// fn log(e: &Event) { let _ = e; }
        /// static CLOCK: ManualClock = ManualClock::new();
        /// static RETRY: Retry<&ManualClock, fn(&Event)> =
        ///     Retry::new_with_observer(validated!(RetryConfig::new("modem")), &CLOCK, 0, log);
        /// assert_eq!(RETRY.config().max_attempts, 3);
        /// ```
        pub fn new_with_observer(config: Valid<RetryConfig>, clock: C, seed: u64, observer: O) -> Self {
            Self {
                config,
                clock,
                observer,
                rng: AtomicU32::new(fold_seed(seed)),
                counters: Counters {
                    succeeded: AtomicCounter::new(0),
                    failed: AtomicCounter::new(0),
                    abandoned: AtomicCounter::new(0),
                    retries: AtomicCounter::new(0),
                    delay_ms: AtomicCounter::new(0),
                    errors: [
                        AtomicCounter::new(0),
                        AtomicCounter::new(0),
                        AtomicCounter::new(0),
                        AtomicCounter::new(0),
                        AtomicCounter::new(0),
                        AtomicCounter::new(0),
                        AtomicCounter::new(0),
                        AtomicCounter::new(0),
                    ],
                },
            }
        }
    }

    /// The same retry reporting to `observer`.
    ///
    /// ```
    /// # use totem_core::{validated, Event, ManualClock, Retry, RetryConfig};
    /// # let clock = ManualClock::new();
    /// let retry = Retry::new(validated!(RetryConfig::new("x")), &clock, 1)
    ///     .with_observer(totem_core::ObserverFn(|e: &Event| println!("{e:?}")));
    /// # let _ = retry;
    /// ```
    pub fn with_observer<O2: Observer>(self, observer: O2) -> Retry<C, O2> {
        Retry {
            config: self.config,
            clock: self.clock,
            observer,
            rng: self.rng,
            counters: self.counters,
        }
    }

    /// The configuration.
    ///
    /// ```
    /// # use totem_core::{validated, ManualClock, Retry, RetryConfig};
    /// # let clock = ManualClock::new();
    /// let retry = Retry::new(validated!(RetryConfig::new("x")), &clock, 1);
    /// assert_eq!(retry.config().max_attempts, 3);
    /// ```
    pub fn config(&self) -> &RetryConfig {
        self.config.get()
    }

    /// Restarts the jitter sequence from `seed` (for a `static` seeded at
    /// boot). The same seed gives the same delays.
    ///
    /// ```
    /// # use totem_core::{validated, Jitter, ManualClock, Retry, RetryConfig};
    /// # let clock = ManualClock::new();
    /// let retry = Retry::new(validated!(RetryConfig::new("x").jitter(Jitter::Full)), &clock, 0);
    /// retry.reseed(42);
    /// let a: Vec<_> = retry.schedule().collect();
    /// retry.reseed(42);
    /// assert_eq!(a, retry.schedule().collect::<Vec<_>>());
    /// ```
    pub fn reseed(&self, seed: u64) {
        // Relaxed: the generator state publishes nothing else.
        self.rng.store(fold_seed(seed), Ordering::Relaxed);
    }

    /// The delay schedule of one call, drawing jitter from this retry's
    /// generator.
    ///
    /// ```
    /// # use totem_core::{validated, ManualClock, Retry, RetryConfig};
    /// # let clock = ManualClock::new();
    /// let retry = Retry::new(validated!(RetryConfig::new("x")), &clock, 1);
    /// let delays: Vec<u32> = retry.schedule().map(|d| d.as_ticks()).collect();
    /// assert_eq!(delays, [1_000, 2_000]);
    /// ```
    pub fn schedule(&self) -> Backoff<SharedRng<'_>> {
        Backoff::new(&self.config, SharedRng(&self.rng))
    }

    /// Runs `op` until it succeeds, the policy says stop, attempts run out or
    /// the deadline would be passed, calling `sleep` between attempts. Every
    /// `Err` is retried; see [`call_if`](Self::call_if).
    ///
    /// ```
    /// # use totem_core::{validated, ManualClock, Retry, RetryConfig};
    /// # let clock = ManualClock::new();
    /// let retry = Retry::new(validated!(RetryConfig::new("x")), &clock, 1);
    /// assert_eq!(retry.call(|_| {}, || Ok::<_, ()>(5)).unwrap(), 5);
    /// ```
    #[inline]
    pub fn call<T, E>(
        &self,
        sleep: impl FnMut(Duration),
        op: impl FnMut() -> Result<T, E>,
    ) -> Result<T, RetryError<E>> {
        self.call_if(&RetryErrors, sleep, op)
    }

    /// [`call`](Self::call) with a [`RetryPolicy`] deciding what is retried.
    ///
    /// ```
    /// # use totem_core::{validated, GiveUp, ManualClock, Retry, RetryConfig};
    /// # let clock = ManualClock::new();
    /// let retry = Retry::new(validated!(RetryConfig::new("x")), &clock, 1);
    /// let only_busy = |r: &Result<(), &str>| matches!(r, Err("busy"));
    /// let err = retry.call_if(&only_busy, |_| {}, || Err("forbidden")).unwrap_err();
    /// assert_eq!((err.attempts, err.reason), (1, GiveUp::NotRetryable));
    /// ```
    pub fn call_if<T, E>(
        &self,
        policy: &impl RetryPolicy<T, E>,
        mut sleep: impl FnMut(Duration),
        mut op: impl FnMut() -> Result<T, E>,
    ) -> Result<T, RetryError<E>> {
        let ending = Ending::arm(self);
        let started = Run::start(self);
        let mut result = match self.first(op(), policy) {
            Ok(done) => return ending.ended(done),
            Err(result) => result,
        };
        let mut run = Run::new(self, started);
        loop {
            match run.after(result, policy) {
                Next::Return(r) => return ending.ended(r),
                Next::Sleep(d) => {
                    sleep(d);
                    run.retrying(d);
                }
            }
            result = op();
        }
    }

    /// The first attempt is the hot path: a success that needs no retry
    /// returns at once (no schedule, no clock, one counter); anything else
    /// comes back as `Err` to enter the retry loop.
    #[inline(always)]
    #[allow(clippy::type_complexity)]
    fn first<T, E>(
        &self,
        result: Result<T, E>,
        policy: &impl RetryPolicy<T, E>,
    ) -> Result<Result<T, RetryError<E>>, Result<T, E>> {
        if result.is_ok() && !policy.should_retry(&result) {
            if self.config.get().metrics {
                bump(&self.counters.succeeded);
            }
            Ok(finish(result, 1, GiveUp::NotRetryable))
        } else {
            Err(result)
        }
    }

    /// Retry around a breaker: each attempt goes through `breaker`, and a
    /// rejection stops the retries at once (it is returned, not retried).
    ///
    /// ```
    /// use totem_core::{validated, BreakerConfig, CallError, CircuitBreaker, GiveUp, ManualClock, Retry, RetryConfig};
    /// let clock = ManualClock::new();
    /// let breaker = CircuitBreaker::new(validated!(BreakerConfig::new("db").failure_threshold(2)), &clock);
    /// let retry = Retry::new(validated!(RetryConfig::new("db").max_attempts(5)), &clock, 1);
    /// let err = retry.call_through(&breaker, |_| {}, || Err::<(), _>("down")).unwrap_err();
    /// assert!(matches!(err.error, CallError::Rejected(_)));
    /// assert_eq!((err.attempts, err.reason), (3, GiveUp::NotRetryable));
    /// ```
    pub fn call_through<T, E, BC: Clock, BO: Observer>(
        &self,
        breaker: &CircuitBreaker<BC, BO>,
        sleep: impl FnMut(Duration),
        mut op: impl FnMut() -> Result<T, E>,
    ) -> Result<T, RetryError<CallError<E>>> {
        self.call_if(&NotRejected, sleep, || breaker.call(&mut op))
    }

    /// The async retry loop, sleeping with `sleeper`. Every `Err` is retried.
    ///
    /// ```
    /// # use totem_core::{validated, Duration, ManualClock, Retry, RetryConfig, Sleeper};
    /// # use core::future::Future;
    /// # struct NoWait;
    /// # impl Sleeper for NoWait { fn sleep(&self, _: Duration) -> impl Future<Output = ()> { core::future::ready(()) } }
    /// # let clock = ManualClock::new();
    /// let retry = Retry::new(validated!(RetryConfig::new("x")), &clock, 1);
    /// let fut = retry.call_async(&NoWait, || async { Ok::<_, ()>(1) });
    /// # let _ = fut;
    /// ```
    pub async fn call_async<T, E, F>(
        &self,
        sleeper: &impl Sleeper,
        op: impl FnMut() -> F,
    ) -> Result<T, RetryError<E>>
    where
        F: Future<Output = Result<T, E>>,
    {
        self.call_async_if(&RetryErrors, sleeper, op).await
    }

    /// The async retry loop with a [`RetryPolicy`].
    ///
    /// ```
    /// # use totem_core::{validated, Duration, ManualClock, Retry, RetryConfig, Sleeper};
    /// # use core::future::Future;
    /// # struct NoWait;
    /// # impl Sleeper for NoWait { fn sleep(&self, _: Duration) -> impl Future<Output = ()> { core::future::ready(()) } }
    /// # let clock = ManualClock::new();
    /// let retry = Retry::new(validated!(RetryConfig::new("x")), &clock, 1);
    /// let fut = retry.call_async_if(&|r: &Result<(), ()>| r.is_err(), &NoWait, || async { Ok(()) });
    /// # let _ = fut;
    /// ```
    pub async fn call_async_if<T, E, F>(
        &self,
        policy: &impl RetryPolicy<T, E>,
        sleeper: &impl Sleeper,
        mut op: impl FnMut() -> F,
    ) -> Result<T, RetryError<E>>
    where
        F: Future<Output = Result<T, E>>,
    {
        self.drive(policy, sleeper, async || op().await).await
    }

    /// The async retry loop over one attempt function (an async closure, so
    /// an attempt may borrow what the caller captured, like a breaker).
    async fn drive<T, E>(
        &self,
        policy: &impl RetryPolicy<T, E>,
        sleeper: &impl Sleeper,
        mut attempt: impl AsyncFnMut() -> Result<T, E>,
    ) -> Result<T, RetryError<E>> {
        let ending = Ending::arm(self);
        let started = Run::start(self);
        let mut result = match self.first(attempt().await, policy) {
            Ok(done) => return ending.ended(done),
            Err(result) => result,
        };
        let mut run = Run::new(self, started);
        loop {
            match run.after(result, policy) {
                Next::Return(r) => return ending.ended(r),
                Next::Sleep(d) => {
                    sleeper.sleep(d).await;
                    run.retrying(d);
                }
            }
            result = attempt().await;
        }
    }

    /// The async form of [`call_through`](Self::call_through): each attempt
    /// goes through `breaker` (`op` runs only when it is admitted), and a
    /// rejection stops the retries.
    ///
    /// ```
    /// # use totem_core::{validated, BreakerConfig, CircuitBreaker, Duration, ManualClock, Retry, RetryConfig, Sleeper};
    /// # use core::future::Future;
    /// # struct NoWait;
    /// # impl Sleeper for NoWait { fn sleep(&self, _: Duration) -> impl Future<Output = ()> { core::future::ready(()) } }
    /// # let clock = ManualClock::new();
    /// let breaker = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &clock);
    /// let retry = Retry::new(validated!(RetryConfig::new("db")), &clock, 1);
    /// let fut = retry.call_through_async(&breaker, &NoWait, || async { Ok::<_, ()>(1) });
    /// # let _ = fut;
    /// ```
    pub async fn call_through_async<T, E, F, BC: Clock, BO: Observer>(
        &self,
        breaker: &CircuitBreaker<BC, BO>,
        sleeper: &impl Sleeper,
        mut op: impl FnMut() -> F,
    ) -> Result<T, RetryError<CallError<E>>>
    where
        F: Future<Output = Result<T, E>>,
    {
        self.drive(&NotRejected, sleeper, async || {
            breaker.call_async(&mut op).await
        })
        .await
    }

    /// A copy of the metrics.
    ///
    /// ```
    /// # use totem_core::{validated, ManualClock, Retry, RetryConfig};
    /// # let clock = ManualClock::new();
    /// let retry = Retry::new(validated!(RetryConfig::new("x")), &clock, 1);
    /// let _ = retry.call(|_| {}, || Err::<(), _>(()));
    /// let s = retry.snapshot();
    /// assert_eq!((s.attempts_total, s.retries_total, s.delay_ms_total), (3, 2, 3_000));
    /// ```
    pub fn snapshot(&self) -> RetrySnapshot {
        let c = &self.counters;
        let mut errors = [0u64; ERROR_CLASSES];
        for (slot, counter) in errors.iter_mut().zip(c.errors.iter()) {
            *slot = read(counter);
        }
        let success_total = read(&c.succeeded);
        let failure_total = read(&c.failed);
        let abandoned_total = read(&c.abandoned);
        let retries_total = read(&c.retries);
        RetrySnapshot {
            name: self.config.get().name,
            attempts_total: success_total + failure_total + abandoned_total + retries_total,
            success_total,
            failure_total,
            abandoned_total,
            retries_total,
            delay_ms_total: read(&c.delay_ms),
            errors_by_class: errors,
        }
    }
}

/// The caller's result: an `Ok` is returned as is, an `Err` with the
/// attempts made and the reason (an `Ok` still retryable when attempts ran
/// out is returned as is too).
#[inline(always)]
fn finish<T, E>(result: Result<T, E>, attempts: u32, reason: GiveUp) -> Result<T, RetryError<E>> {
    result.map_err(|error| RetryError {
        error,
        attempts,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(u32);
    impl rand_core::TryRng for Fixed {
        type Error = core::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            Ok(self.0)
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            Ok(self.0 as u64)
        }
        fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), Self::Error> {
            Ok(())
        }
    }

    fn delays(cfg: RetryConfig, rng: u32) -> [u32; 4] {
        let cfg = cfg.max_attempts(5).validate().unwrap();
        let mut out = [0; 4];
        for (slot, d) in out.iter_mut().zip(Backoff::new(&cfg, Fixed(rng))) {
            *slot = d.as_ticks();
        }
        out
    }

    fn ms(n: u32) -> Duration {
        Duration::from_ticks(n)
    }

    #[test]
    fn exponential_capped() {
        let cfg = RetryConfig::new("x")
            .initial_delay(ms(1_000))
            .max_delay(ms(5_000));
        assert_eq!(delays(cfg, 0), [1_000, 2_000, 4_000, 5_000]);
    }

    #[test]
    fn fractional_factor_keeps_precision() {
        let cfg = RetryConfig::new("x")
            .initial_delay(ms(1))
            .backoff_factor(crate::BackoffFactor::ratio(3, 2));
        // floor(1.5^n): 1, 1, 2, 3 (step-wise flooring would stick at 1)
        assert_eq!(delays(cfg, 0), [1, 1, 2, 3]);
    }

    #[test]
    fn huge_factor_saturates() {
        let cfg = RetryConfig::new("x")
            .initial_delay(ms(7))
            .max_delay(ms(MAX_DELAY_MS))
            .backoff_factor(crate::BackoffFactor::from_raw(u32::MAX));
        assert_eq!(delays(cfg, 0), [7, 458_751, 2_147_483_647, 2_147_483_647]);
    }

    #[test]
    fn jitter_bounds_at_extremes() {
        let base = RetryConfig::new("x")
            .initial_delay(ms(1_000))
            .max_delay(ms(10_000));
        assert_eq!(delays(base.jitter(Jitter::Full), 0), [0; 4]);
        assert_eq!(
            delays(base.jitter(Jitter::Full), u32::MAX),
            [1_000, 2_000, 4_000, 8_000]
        );
        assert_eq!(
            delays(base.jitter(Jitter::Equal), 0),
            [500, 1_000, 2_000, 4_000]
        );
        assert_eq!(delays(base.jitter(Jitter::Decorrelated), 0), [1_000; 4]);
        assert_eq!(
            delays(base.jitter(Jitter::Decorrelated), u32::MAX),
            [3_000, 9_000, 10_000, 10_000]
        );
    }

    #[test]
    fn shared_rng_is_deterministic_per_seed() {
        let a = AtomicU32::new(fold_seed(1));
        let b = AtomicU32::new(fold_seed(1));
        let c = AtomicU32::new(fold_seed(2));
        let mut ra = SharedRng(&a);
        let mut rb = SharedRng(&b);
        let mut rc = SharedRng(&c);
        use rand_core::Rng;
        let xa: [u32; 4] = core::array::from_fn(|_| ra.next_u32());
        let xb: [u32; 4] = core::array::from_fn(|_| rb.next_u32());
        let xc: [u32; 4] = core::array::from_fn(|_| rc.next_u32());
        assert_eq!(xa, xb);
        assert_ne!(xa, xc);
    }
}

//! A sequential, deliberately plain reference model of the circuit breaker's
//! behaviour contract (the README's "Semantics you must know"), and [`check`],
//! which drives the model and a real [`CircuitBreaker`] on a [`ManualClock`]
//! through the same operations and compares them after every step.
//!
//! The model is written from the contract, not from the implementation: it
//! keeps the phase as an enum with its times as plain fields, counts probes
//! in flight and probes succeeded separately, evaluates every deadline at the
//! start of every operation, and uses a 64-bit generation count instead of
//! a packed, wrapping one. Where the contract leaves a number to the implementation, the
//! model uses the documented limit and says where it is documented:
//!
//! * elapsed times are read modulo 2^28 ms (the stamp of the breaker word, `totem_core::MAX_TIMEOUT_MS`); an elapsed
//!   time above [`MAX_TIMEOUT_MS`] is a clock that stepped back (or a wait
//!   longer than the window): a deadline counts as passed, at the time it
//!   is noticed (by an acquire, the result of a current permit, a command,
//!   `state()` or a snapshot), and the metrics count zero for that stretch;
//! * the failure streak saturates at [`MAX_FAILURE_THRESHOLD`];
//! * a permit held across exactly a multiple of [`GENERATIONS`] generations
//!   is taken for a current one (`totem_core::GENERATIONS`); the model counts
//!   generations where the documentation says they pass (every state change
//!   but OPEN → HALF_OPEN, every probe admitted while none is in flight), and
//!   a permit so taken drives what a current one would, except that it cannot
//!   be a probe when none is in flight;
//! * consecutive reopens count up to `totem_core::MAX_REOPENS_COUNTED`.
//!
//! The policies beyond consecutive failures are modelled as plainly:
//!
//! * a growing open time is `min(max, reset_timeout × factor^n)` after the
//!   n-th reopen in a row, n cleared on closing and by any command;
//! * a rate-decided half-open episode counts its failed probes beside the
//!   succeeded ones, and decides once all `half_open_permits` reported;
//! * the sliding window is a list of outcomes with their epoch (a count
//!   window: the outcome's number, counting the outcomes that entered it
//!   since it last emptied, over `k = ceil(N / B)` calls per bucket, in `N / k` buckets; a time
//!   window: the clock reading over `span / B` ms, in `B` buckets), and
//!   holds the ones of its last `buckets in use` epochs. Buckets are the
//!   epochs modulo the buckets in use: an outcome evicts its bucket's older
//!   epoch, and is dropped if its bucket already holds a newer one (a clock
//!   that stepped back); an empty bucket takes any epoch; the window is
//!   judged as ending at the newest epoch within 31 of the outcome's (the
//!   tags of the core's buckets tell 32 epochs apart; documented on
//!   `RateWindow`);
//! * slowness is `took >= slow_call_duration`, for outcomes recorded with a
//!   duration (`record_after`); SEMANTICS.md does not say what an outcome
//!   without one (`record`, an abandoned permit) counts as, and the core
//!   leaves it out of the slow-call rate and its `minimum_calls`, so the
//!   model does too.
//!
//! Time in state is booked per segment (from one transition's logical time
//! to the next); OPEN → HALF_OPEN continues the segment (its first open
//! time is OPEN, the rest HALF_OPEN), a breaker starts accounting
//! at its first snapshot, and a snapshot re-anchors a CLOSED / DISABLED /
//! FORCED_OPEN segment older than 2^26 ms (`CircuitBreaker::snapshot`); a
//! snapshot never reports less time in a state than an earlier one did.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::rc::Rc;

use totem_core::{
    AbandonedPermit, BreakerConfig, BreakerSnapshot, Cause, CircuitBreaker, Clock, Duration, Event,
    Instant, ManualClock, Observer, Outcome, Permit, Rejected, SlidingWindow, State, SuccessRate,
    Transition, GENERATIONS, MAX_FAILURE_THRESHOLD, MAX_REOPENS_COUNTED, MAX_TIMEOUT_MS,
};

/// Elapsed times are read modulo this many milliseconds.
pub const WINDOW_MS: u32 = 1 << 28;

/// A snapshot re-anchors a long CLOSED / DISABLED / FORCED_OPEN segment
/// once it is this old (about 18.6 h).
pub const ANCHOR_MS: u32 = 1 << 26;

/// `now - from`, modulo [`WINDOW_MS`].
pub fn elapsed(from: u32, now: u32) -> u32 {
    now.wrapping_sub(from) % WINDOW_MS
}

/// The length of a stretch for the metrics: zero when it reads as negative.
pub fn span(from: u32, to: u32) -> u64 {
    let e = elapsed(from, to);
    if e > MAX_TIMEOUT_MS {
        0
    } else {
        e as u64
    }
}

/// When a deadline `limit` ms after `start` passed, seen at `now`; `None`
/// if it has not.
pub fn passed_at(start: u32, limit: u32, now: u32) -> Option<u32> {
    let e = elapsed(start, now);
    if e > MAX_TIMEOUT_MS {
        // The clock stepped back (or waited longer than the window): the
        // deadline counts as passed, and it passes now.
        Some(now)
    } else if e >= limit {
        Some(now.wrapping_sub(e - limit))
    } else {
        None
    }
}

/// The configuration as the model reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelConfig {
    /// The breaker's name.
    pub name: &'static str,
    /// Consecutive failures that open a CLOSED breaker.
    pub threshold: u32,
    /// OPEN time before a probe is allowed (ms).
    pub reset_ms: u32,
    /// Time probes may stay unresolved (ms).
    pub half_open_ms: u32,
    /// Probes per half-open episode.
    pub permits: u32,
    /// Successful probes that close.
    pub to_close: u32,
    /// Whether an abandoned permit is a failure (else neutral).
    pub abandoned_is_failure: bool,
    /// The open time's growth per consecutive reopen (1: none).
    pub reset_factor: u32,
    /// The longest open time (ms).
    pub max_reset_ms: u32,
    /// `Some(p)`: a half-open episode is decided by its failure rate.
    pub half_open_rate: Option<u32>,
    /// The sliding window, if any.
    pub window: Option<ModelWindow>,
    /// Outcomes the window must hold before a rate is judged.
    pub minimum_calls: u32,
    /// `Some(p)`: open at `p` % failures in the window.
    pub failure_rate: Option<u32>,
    /// `Some((d, p))`: a call taking `d` ms or more is slow; open at `p` %
    /// slow calls in the window.
    pub slow: Option<(u32, u32)>,
}

/// A sliding window as the contract describes it: outcomes numbered (a
/// count window) or timed (a time window) fall into epochs of `unit` calls
/// or milliseconds, and the window is the last `epochs` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelWindow {
    /// A time window (else a count window).
    pub by_time: bool,
    /// Epochs in the window (the buckets in use).
    pub epochs: u32,
    /// Calls or milliseconds per epoch.
    pub unit: u32,
}

impl ModelWindow {
    /// The window of `size` over `buckets` buckets, as SEMANTICS.md and
    /// `RateWindow` document it: a count window of `N` calls takes
    /// `k = ceil(N / B)` calls per bucket in `N / k` buckets (rounded down:
    /// it never holds more than `N` calls); a time window of span `S` takes
    /// all `B` buckets, `S / B` ms each.
    pub fn of(size: SlidingWindow, buckets: u32) -> Self {
        match size {
            SlidingWindow::Calls(n) => {
                let per = n.div_ceil(buckets);
                Self {
                    by_time: false,
                    epochs: n / per,
                    unit: per,
                }
            }
            SlidingWindow::Time(span) => Self {
                by_time: true,
                epochs: buckets,
                unit: span.as_ticks() / buckets,
            },
        }
    }
}

impl ModelConfig {
    /// The model's reading of a breaker configuration.
    pub fn of(cfg: &BreakerConfig) -> Self {
        Self {
            name: cfg.name,
            threshold: cfg.failure_threshold,
            reset_ms: cfg.reset_timeout.as_ticks(),
            half_open_ms: cfg.half_open_timeout.as_ticks(),
            permits: cfg.half_open_permits,
            to_close: cfg.successes_to_close.unwrap_or(cfg.half_open_permits),
            abandoned_is_failure: cfg.abandoned == AbandonedPermit::Failure,
            reset_factor: cfg.reset_timeout_factor,
            max_reset_ms: cfg
                .max_reset_timeout
                .map_or(MAX_TIMEOUT_MS, |d| d.as_ticks()),
            half_open_rate: cfg.half_open_failure_rate,
            window: cfg
                .window
                .map(|w| ModelWindow::of(w.size, w.storage.buckets())),
            minimum_calls: cfg.minimum_calls,
            failure_rate: cfg.failure_rate,
            slow: cfg
                .slow_call_duration
                .map(|d| (d.as_ticks(), cfg.slow_call_rate)),
        }
    }

    /// How long the breaker stays OPEN after `reopens` consecutive reopens:
    /// `min(max, reset_timeout × factor^reopens)`.
    pub fn open_ms(&self, reopens: u32) -> u32 {
        let mut t = u64::from(self.reset_ms);
        for _ in 0..reopens {
            t = (t * u64::from(self.reset_factor)).min(u64::from(self.max_reset_ms));
        }
        t.min(u64::from(self.max_reset_ms)) as u32
    }
}

/// What the breaker is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Calls pass.
    Closed,
    /// Calls are rejected; `opened` is when it opened.
    Open {
        /// When it opened (ms).
        opened: u32,
    },
    /// `reset_timeout` passed after opening at `opened`; no probe yet.
    HalfOpen {
        /// When it opened (ms).
        opened: u32,
    },
    /// Half-open with probes admitted this episode.
    Probing {
        /// When the half-open timer started (the first probe's admission).
        timer: u32,
        /// Probes admitted and not yet resolved.
        in_flight: u32,
        /// Probes that succeeded this episode.
        succeeded: u32,
        /// Probes that failed this episode (only a rate-decided episode
        /// goes on after a failed probe).
        failed: u32,
    },
    /// Manually opened.
    ForcedOpen,
    /// Manually disabled.
    Disabled,
}

impl Phase {
    /// The public state.
    pub fn state(self) -> State {
        match self {
            Phase::Closed => State::Closed,
            Phase::Open { .. } => State::Open,
            Phase::HalfOpen { .. } | Phase::Probing { .. } => State::HalfOpen,
            Phase::ForcedOpen => State::ForcedOpen,
            Phase::Disabled => State::Disabled,
        }
    }
}

/// One outcome in the sliding window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// Its epoch: its number (a count window) or the clock reading when it
    /// reported (a time window), divided by the window's unit.
    pub epoch: u32,
    /// A failure (else a success).
    pub failed: bool,
    /// Slow or not; `None` when the slow-call policy is off or the outcome
    /// came without a duration (`record`, an abandoned permit).
    pub slow: Option<bool>,
}

/// Epochs a bucket can tell apart: a window has at most 32 buckets, and an
/// epoch 32 or more away from a bucket's (either way) is a bucket left idle
/// (or a clock that stepped back), which restarts (`RateWindow`'s docs).
const NEAR_EPOCHS: u32 = 31;

/// Whether epoch `a` is newer than `b` by 1 to [`NEAR_EPOCHS`].
fn newer_near(a: u32, b: u32) -> bool {
    (1..=NEAR_EPOCHS).contains(&a.wrapping_sub(b))
}

/// What a window holds over its epochs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WindowCounts {
    /// Outcomes.
    pub calls: u32,
    /// Of which failures.
    pub failures: u32,
    /// Outcomes with a duration.
    pub timed: u32,
    /// Of which slow.
    pub slow: u32,
}

/// `hits` out of `calls` is `percent` % or more.
fn reached(hits: u32, calls: u32, percent: u32) -> bool {
    u64::from(hits) * 100 >= u64::from(percent) * u64::from(calls)
}

/// A permit handed out by the model: the generation it was admitted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelPermit {
    /// The model's generation count at admission.
    pub generation: u64,
}

/// The reference model.
#[derive(Debug, Clone)]
pub struct Model {
    cfg: ModelConfig,
    phase: Phase,
    /// Bumped by every state change but OPEN → HALF_OPEN, and every
    /// (re)start of a probe episode: a permit from an earlier generation is
    /// stale, unless a multiple of [`GENERATIONS`] passed.
    generation: u64,
    streak: u32,
    /// Consecutive reopens (failed episodes, half-open timeouts), counted up
    /// to [`MAX_REOPENS_COUNTED`]; cleared on closing and by a command.
    reopens: u32,
    /// The sliding window's outcomes, oldest first (a plain list: buckets
    /// are the epochs modulo the buckets in use).
    window: Vec<Entry>,
    /// Outcomes that entered a count window since it last emptied (their
    /// numbers).
    numbered: u64,
    successes: u64,
    failures: u64,
    ignored: u64,
    rejected: u64,
    abandoned: u64,
    transitions: [u64; totem_core::Cause::ALL.len()],
    base_successes: u64,
    base_failures: u64,
    /// Booked milliseconds per state.
    time: [u64; 5],
    /// Start of the current accounting segment (`None`: not anchored yet).
    segment: Option<u32>,
    /// The largest time in each state reported so far: reported time in a
    /// state never goes backwards (a clock that stepped back shortens a
    /// segment, not what was already reported).
    reported: [u64; 5],
    events: Vec<Event>,
}

impl Model {
    /// A CLOSED breaker.
    pub fn new(cfg: ModelConfig) -> Self {
        Self {
            cfg,
            phase: Phase::Closed,
            generation: 0,
            streak: 0,
            reopens: 0,
            window: Vec::new(),
            numbered: 0,
            successes: 0,
            failures: 0,
            ignored: 0,
            rejected: 0,
            abandoned: 0,
            transitions: [0; totem_core::Cause::ALL.len()],
            base_successes: 0,
            base_failures: 0,
            time: [0; 5],
            segment: None,
            reported: [0; 5],
            events: Vec::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ModelConfig {
        &self.cfg
    }

    /// The phase (finer than the state).
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Generations so far.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Every event emitted so far.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The failure streak.
    pub fn consecutive_failures(&self) -> u32 {
        self.streak
    }

    /// Consecutive reopens counted so far.
    pub fn reopens(&self) -> u32 {
        self.reopens
    }

    /// The sliding window's outcomes.
    pub fn window(&self) -> &[Entry] {
        &self.window
    }

    /// The open time for the current run of reopens.
    fn open_ms(&self) -> u32 {
        self.cfg.open_ms(self.reopens)
    }

    /// The half-open episode failed at `at` (a failed episode or a
    /// half-open timeout): OPEN again, one more reopen in a row.
    fn reopen(&mut self, at: u32, cause: Cause) {
        self.reopens = (self.reopens + 1).min(MAX_REOPENS_COUNTED);
        self.enter(Phase::Open { opened: at }, at, cause);
    }

    /// Empties the window; a count window numbers its calls afresh.
    fn empty_window(&mut self) {
        self.window.clear();
        self.numbered = 0;
    }

    /// The window's counts over the epochs ending at `newest`.
    pub fn window_counts(&self, newest: u32) -> WindowCounts {
        let Some(w) = self.cfg.window else {
            return WindowCounts::default();
        };
        let mut c = WindowCounts::default();
        for e in &self.window {
            if newest.wrapping_sub(e.epoch) < w.epochs {
                c.calls += 1;
                c.failures += u32::from(e.failed);
                if let Some(slow) = e.slow {
                    c.timed += 1;
                    c.slow += u32::from(slow);
                }
            }
        }
        c
    }

    /// An outcome of a current CLOSED permit enters the window at `now`
    /// (`took`: its duration, if it came with one); a rate over its
    /// threshold opens the breaker.
    fn enter_window(&mut self, failed: bool, took: Option<u32>, now: u32) {
        let Some(w) = self.cfg.window else { return };
        let epoch = if w.by_time {
            now / w.unit
        } else {
            let number = self.numbered;
            self.numbered += 1;
            (number / u64::from(w.unit)) as u32
        };
        let slow = match (self.cfg.slow, took) {
            (Some((d, _)), Some(took)) => Some(took >= d),
            _ => None,
        };
        // Buckets really evict: an outcome lands in bucket `epoch % epochs`
        // and restarts it unless it holds the same epoch; a bucket that
        // already moved on to a newer epoch (only after a clock stepped
        // back) drops the outcome, as older than its window.
        let bucket = |e: u32| e % w.epochs;
        if !self
            .bucket_epoch(bucket(epoch))
            .is_some_and(|held| newer_near(held, epoch))
        {
            self.window
                .retain(|e| bucket(e.epoch) != bucket(epoch) || e.epoch == epoch);
            self.window.push(Entry {
                epoch,
                failed,
                slow,
            });
        }
        // Judged over the window that ends at the newest epoch the buckets
        // hold (the outcome's own, unless the clock stepped back).
        let newest = (0..w.epochs)
            .filter_map(|b| self.bucket_epoch(b))
            .filter(|&e| newer_near(e, epoch))
            .max_by_key(|&e| e.wrapping_sub(epoch))
            .unwrap_or(epoch);
        let c = self.window_counts(newest);
        let cause = match (self.cfg.failure_rate, self.cfg.slow) {
            (Some(p), _)
                if c.calls >= self.cfg.minimum_calls && reached(c.failures, c.calls, p) =>
            {
                Some(Cause::FailureRate)
            }
            (_, Some((_, p)))
                if c.timed >= self.cfg.minimum_calls && reached(c.slow, c.timed, p) =>
            {
                Some(Cause::SlowCallRate)
            }
            _ => None,
        };
        if let Some(cause) = cause {
            self.enter(Phase::Open { opened: now }, now, cause);
        }
    }

    /// The epoch bucket `b` holds: its outcomes', all of one epoch (`None`
    /// when it holds none: an empty bucket takes any epoch).
    fn bucket_epoch(&self, b: u32) -> Option<u32> {
        let w = self.cfg.window?;
        self.window
            .iter()
            .find(|e| e.epoch % w.epochs == b)
            .map(|e| e.epoch)
    }

    /// The window's success rate at `now` (`None` without a window).
    fn window_rate(&self, now: u32) -> Option<Option<SuccessRate>> {
        let w = self.cfg.window?;
        let newest = if w.by_time {
            now / w.unit
        } else if self.numbered == 0 {
            return Some(None);
        } else {
            ((self.numbered - 1) / u64::from(w.unit)) as u32
        };
        let c = self.window_counts(newest);
        Some((c.calls != 0).then_some(SuccessRate {
            successes: u64::from(c.calls - c.failures),
            calls: u64::from(c.calls),
        }))
    }

    fn bump_streak(&mut self) {
        if self.streak < MAX_FAILURE_THRESHOLD {
            self.streak += 1;
        }
    }

    /// Books the current segment up to `at`, in the phase it was spent in.
    fn book(&mut self, at: u32) {
        let Some(start) = self.segment else { return };
        let s = span(start, at);
        match self.phase {
            Phase::HalfOpen { .. } => {
                let open = s.min(u64::from(self.open_ms()));
                self.time[State::Open as usize] += open;
                self.time[State::HalfOpen as usize] += s - open;
            }
            phase => self.time[phase.state() as usize] += s,
        }
    }

    /// Moves to `to` at `at` (a new segment and generation), counting the
    /// transition and emitting its event when the public state changes.
    fn enter(&mut self, to: Phase, at: u32, cause: Cause) {
        let from = self.phase.state();
        self.book(at);
        self.segment = Some(at);
        self.phase = to;
        self.generation += 1;
        if to == Phase::Closed {
            // A closed breaker judges its rates afresh, and its open time
            // starts again from reset_timeout.
            self.empty_window();
            self.reopens = 0;
        }
        if from != to.state() {
            self.transitions[cause as usize] += 1;
            self.events.push(Event::Transition(Transition {
                name: self.cfg.name,
                from,
                to: to.state(),
                at: Instant::from_ticks(at),
                consecutive_failures: self.streak,
                cause,
            }));
        }
    }

    /// Makes every transition whose deadline has passed at `now`, each at
    /// its own (logical) time.
    fn settle(&mut self, now: u32) {
        loop {
            match self.phase {
                Phase::Open { opened } => {
                    let Some(at) = passed_at(opened, self.open_ms(), now) else {
                        return;
                    };
                    // The OPEN segment goes on (split when booked): the
                    // phase changes, the segment does not.
                    self.phase = Phase::HalfOpen { opened };
                    self.transitions[Cause::ResetTimeout as usize] += 1;
                    self.events.push(Event::Transition(Transition {
                        name: self.cfg.name,
                        from: State::Open,
                        to: State::HalfOpen,
                        at: Instant::from_ticks(at),
                        consecutive_failures: self.streak,
                        cause: Cause::ResetTimeout,
                    }));
                }
                Phase::Probing {
                    timer, in_flight, ..
                } if in_flight > 0 => {
                    let Some(at) = passed_at(timer, self.cfg.half_open_ms, now) else {
                        return;
                    };
                    self.reopen(at, Cause::HalfOpenTimeout);
                }
                _ => return,
            }
        }
    }

    fn reject(&mut self, state: State, retry_after: Option<Duration>) -> Rejected {
        self.rejected += 1;
        let r = Rejected {
            name: self.cfg.name,
            state,
            retry_after,
        };
        self.events.push(Event::Rejected(r));
        r
    }

    /// `try_acquire` at `now`.
    pub fn acquire(&mut self, now: u32) -> Result<ModelPermit, Rejected> {
        self.settle(now);
        match self.phase {
            Phase::Closed | Phase::Disabled => Ok(self.permit()),
            Phase::ForcedOpen => Err(self.reject(State::ForcedOpen, None)),
            Phase::Open { opened } => {
                let left = self.open_ms() - elapsed(opened, now);
                Err(self.reject(State::Open, Some(Duration::from_ticks(left))))
            }
            Phase::HalfOpen { .. } => {
                // The first probe of the episode starts the half-open timer.
                self.book(now);
                self.segment = Some(now);
                self.phase = Phase::Probing {
                    timer: now,
                    in_flight: 1,
                    succeeded: 0,
                    failed: 0,
                };
                self.generation += 1;
                Ok(self.permit())
            }
            Phase::Probing {
                timer,
                in_flight,
                succeeded,
                failed,
            } => {
                if in_flight + succeeded + failed >= self.cfg.permits {
                    return Err(self.reject(State::HalfOpen, None));
                }
                if in_flight == 0 {
                    // No probe is outstanding: this one starts the timer
                    // again (the timer measures how long probes stay
                    // unresolved; one admitted late must not inherit an
                    // expired or nearly expired timer).
                    self.book(now);
                    self.segment = Some(now);
                    self.generation += 1;
                    self.phase = Phase::Probing {
                        timer: now,
                        in_flight: 1,
                        succeeded,
                        failed,
                    };
                } else {
                    self.phase = Phase::Probing {
                        timer,
                        in_flight: in_flight + 1,
                        succeeded,
                        failed,
                    };
                }
                Ok(self.permit())
            }
        }
    }

    fn permit(&self) -> ModelPermit {
        ModelPermit {
            generation: self.generation,
        }
    }

    /// Records `outcome` for `permit` at `now`.
    pub fn record(&mut self, permit: ModelPermit, outcome: Outcome, now: u32) {
        self.record_took(permit, outcome, None, now);
    }

    /// Records `outcome` for `permit` at `now`, for a call that took `took`
    /// ms (`record_after`).
    pub fn record_after(&mut self, permit: ModelPermit, outcome: Outcome, took: u32, now: u32) {
        self.record_took(permit, outcome, Some(took), now);
    }

    fn record_took(&mut self, permit: ModelPermit, outcome: Outcome, took: Option<u32>, now: u32) {
        match outcome {
            Outcome::Success => self.successes += 1,
            Outcome::Failure => self.failures += 1,
            Outcome::Ignore => self.ignored += 1,
        }
        self.drive(permit, outcome, took, now);
    }

    /// A permit dropped without an outcome at `now`.
    pub fn abandon(&mut self, permit: ModelPermit, now: u32) {
        self.abandoned += 1;
        if self.cfg.abandoned_is_failure {
            self.failures += 1;
            self.drive(permit, Outcome::Failure, None, now);
        } else {
            self.drive(permit, Outcome::Ignore, None, now);
        }
    }

    /// What an outcome does to the state (totals already counted).
    fn drive(&mut self, permit: ModelPermit, outcome: Outcome, took: Option<u32>, now: u32) {
        // A permit admitted before the last transition counts in the totals
        // only, and does not look at the clock (which matters only when a
        // deadline passed an ambiguous time ago: it passes when noticed).
        // One from a multiple of GENERATIONS back is taken for current, but
        // nothing is current in these phases, and a half-open episode with
        // no probe in flight has no probe for it to be.
        let age = self.generation - permit.generation;
        if !age.is_multiple_of(u64::from(GENERATIONS)) {
            return;
        }
        if age != 0 {
            WRAPPED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        match self.phase {
            Phase::Open { .. } | Phase::HalfOpen { .. } | Phase::ForcedOpen => return,
            Phase::Probing { in_flight: 0, .. } => return,
            _ => {}
        }
        // A late probe result: the half-open timeout it missed comes first
        // (and makes it stale; what follows that timeout is left for the
        // next look).
        if let Phase::Probing {
            timer, in_flight, ..
        } = self.phase
        {
            if let (true, Some(at)) = (in_flight > 0, passed_at(timer, self.cfg.half_open_ms, now))
            {
                self.reopen(at, Cause::HalfOpenTimeout);
                return;
            }
        }
        match self.phase {
            Phase::Closed | Phase::Disabled => {
                match outcome {
                    Outcome::Ignore => return,
                    Outcome::Success => self.streak = 0,
                    Outcome::Failure => {
                        self.bump_streak();
                        if self.phase == Phase::Closed && self.streak >= self.cfg.threshold {
                            self.enter(Phase::Open { opened: now }, now, Cause::FailureThreshold);
                        }
                    }
                }
                // Only outcomes of current CLOSED permits enter the window
                // (not one that has just opened the breaker: it is no
                // longer current).
                if self.phase == Phase::Closed {
                    self.enter_window(outcome == Outcome::Failure, took, now);
                }
            }
            Phase::Probing {
                timer,
                in_flight,
                succeeded,
                failed,
            } => {
                let probing = |in_flight, succeeded, failed| Phase::Probing {
                    timer,
                    in_flight,
                    succeeded,
                    failed,
                };
                match (outcome, self.cfg.half_open_rate) {
                    (Outcome::Ignore, _) => {
                        self.phase = probing(in_flight - 1, succeeded, failed);
                    }
                    (Outcome::Success, None) => {
                        self.streak = 0;
                        if succeeded + 1 >= self.cfg.to_close {
                            self.enter(Phase::Closed, now, Cause::ProbesSucceeded);
                        } else {
                            self.phase = probing(in_flight - 1, succeeded + 1, failed);
                        }
                    }
                    (Outcome::Failure, None) => {
                        self.bump_streak();
                        self.reopen(now, Cause::ProbeFailed);
                    }
                    // Decided by rate: every probe reports, then the failed
                    // share decides.
                    (outcome, Some(p)) => {
                        let (succeeded, failed) = if outcome == Outcome::Success {
                            self.streak = 0;
                            (succeeded + 1, failed)
                        } else {
                            self.bump_streak();
                            (succeeded, failed + 1)
                        };
                        let reported = succeeded + failed;
                        if reported < self.cfg.permits {
                            self.phase = probing(in_flight - 1, succeeded, failed);
                        } else if reached(failed, reported, p) {
                            self.reopen(now, Cause::ProbeFailed);
                        } else {
                            // The streak stays: it counts failures since the
                            // last success, failed probes included.
                            self.enter(Phase::Closed, now, Cause::ProbesSucceeded);
                        }
                    }
                }
            }
            // Returned above.
            Phase::Open { .. } | Phase::HalfOpen { .. } | Phase::ForcedOpen => {}
        }
    }

    /// `state()` at `now`.
    pub fn state(&mut self, now: u32) -> State {
        self.settle(now);
        self.phase.state()
    }

    /// `reset()` at `now`.
    pub fn reset(&mut self, now: u32) {
        self.settle(now);
        self.streak = 0;
        if self.phase == Phase::Closed {
            // Already CLOSED: no transition, but the success rate restarts,
            // and with a window that rate is the window's.
            self.empty_window();
        } else {
            self.enter(Phase::Closed, now, Cause::Reset);
        }
        self.commanded();
        self.base_successes = self.successes;
        self.base_failures = self.failures;
    }

    /// A command (after its transition, if any, booked the segment it ended
    /// with the open time it had): the next opening starts again from
    /// `reset_timeout`.
    fn commanded(&mut self) {
        self.reopens = 0;
    }

    /// `reset_stats()` at `now`: the streak and the success rate restart,
    /// the window empties; no state changes (an OPEN breaker keeps its
    /// deadline, so neither the clock nor the reopens count are looked at).
    pub fn reset_stats(&mut self, _now: u32) {
        self.streak = 0;
        self.empty_window();
        self.base_successes = self.successes;
        self.base_failures = self.failures;
    }

    /// `force_open()` at `now`.
    pub fn force_open(&mut self, now: u32) {
        self.settle(now);
        if self.phase != Phase::ForcedOpen {
            self.enter(Phase::ForcedOpen, now, Cause::ForceOpen);
        }
        self.commanded();
    }

    /// `disable()` at `now`.
    pub fn disable(&mut self, now: u32) {
        self.settle(now);
        if self.phase != Phase::Disabled {
            self.enter(Phase::Disabled, now, Cause::Disable);
        }
        self.commanded();
    }

    fn long_lived(&self) -> bool {
        matches!(
            self.phase,
            Phase::Closed | Phase::Disabled | Phase::ForcedOpen
        )
    }

    /// `start_time_accounting()` at `now`.
    pub fn start_time_accounting(&mut self, now: u32) {
        if self.long_lived() && self.segment.is_none() {
            self.segment = Some(now);
        }
    }

    /// `snapshot()` at `now`.
    pub fn snapshot(&mut self, now: u32) -> BreakerSnapshot {
        self.settle(now);
        if self.long_lived() {
            match self.segment {
                None => self.segment = Some(now),
                Some(start) if elapsed(start, now) >= ANCHOR_MS => {
                    self.book(now);
                    self.segment = Some(now);
                }
                Some(_) => {}
            }
        }
        let mut time = self.time;
        if let Some(start) = self.segment {
            let s = span(start, now);
            match self.phase {
                Phase::HalfOpen { .. } => {
                    let open = s.min(u64::from(self.open_ms()));
                    time[State::Open as usize] += open;
                    time[State::HalfOpen as usize] += s - open;
                }
                phase => time[phase.state() as usize] += s,
            }
        }
        for (r, t) in self.reported.iter_mut().zip(time.iter_mut()) {
            *r = (*r).max(*t);
            *t = *r;
        }
        let successes = self.successes - self.base_successes;
        let calls = successes + self.failures - self.base_failures;
        let since_reset = (calls != 0).then_some(SuccessRate { successes, calls });
        BreakerSnapshot {
            name: self.cfg.name,
            state: self.phase.state(),
            consecutive_failures: self.streak,
            successes_total: self.successes,
            failures_total: self.failures,
            ignored_total: self.ignored,
            rejected_total: self.rejected,
            abandoned_total: self.abandoned,
            transitions_total: self.transitions.iter().sum(),
            transitions_by_cause: self.transitions,
            time_in_state_ms: time,
            // With a sliding window, the rate is the window's.
            success_rate: self.window_rate(now).unwrap_or(since_reset),
            probes_in_flight: match self.phase {
                Phase::Probing { in_flight, .. } => in_flight,
                _ => 0,
            },
        }
    }
}

// ---------------------------------------------------------------------------
// The harness
// ---------------------------------------------------------------------------

/// One operation of a test sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `try_acquire`; a permit is kept.
    Acquire,
    /// Record an outcome on the held permit `n % held`.
    Settle(usize, Outcome),
    /// Record an outcome on the held permit `n % held`, for a call that
    /// took this many ms (`record_after`).
    SettleAfter(usize, Outcome, u32),
    /// Drop the held permit `n % held` without an outcome.
    Drop(usize),
    /// Move the clock forward.
    Advance(u32),
    /// Move the clock back.
    StepBack(u32),
    /// `reset()`.
    Reset,
    /// `reset_stats()`.
    ResetStats,
    /// `force_open()`.
    ForceOpen,
    /// `disable()`.
    Disable,
    /// `state()`.
    State,
    /// `snapshot()`.
    Snapshot,
    /// `start_time_accounting()`.
    StartTimeAccounting,
    /// `n` times `force_open()` then `reset()`: 2n generations at once, so
    /// that a sequence can carry a held permit round the generation's wrap.
    Cycle(u16),
}

/// An observer that appends to a shared event log.
#[derive(Debug, Clone, Default)]
pub struct EventLog(pub Rc<RefCell<Vec<Event>>>);

impl Observer for EventLog {
    fn on_event(&self, event: &Event) {
        self.0.borrow_mut().push(*event);
    }
}

type Real = CircuitBreaker<ManualClock, EventLog>;

static WRAPPED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many results, in this process so far, came from a permit held across
/// a non-zero multiple of [`GENERATIONS`] generations (the sequences that
/// reach the generation's wrap).
pub fn wrapped_results() -> u64 {
    WRAPPED.load(std::sync::atomic::Ordering::Relaxed)
}

/// With the slow-call policy over a count window, makes every outcome of
/// `ops` come with a duration (`Settle` becomes `SettleAfter` of 0 ms) and
/// abandoned permits neutral; anything else is returned as it is.
///
/// Runs `ops` through a [`Model`] and a real breaker over the validated
/// `config`, the clock starting at `start_ms`, comparing after every step;
/// `Err` describes the first difference and the steps that led to it.
///
/// With `observe_every_step`, snapshots are compared after every operation;
/// without, only each operation's result, the events and the streak are (so
/// that deadlines are found lazily by acquire, record and the commands), and
/// snapshots at the explicit [`Op::Snapshot`] steps and at the end.
///
/// ```
/// use totem_core::{BreakerConfig, Outcome};
/// use totem_tests::model::{check, Op};
/// let ops = [Op::Acquire, Op::Settle(0, Outcome::Failure), Op::Advance(60_000), Op::State];
/// check(BreakerConfig::new("db").failure_threshold(1), 0, true, &ops).unwrap();
/// ```
pub fn check(
    config: BreakerConfig,
    start_ms: u32,
    observe_every_step: bool,
    ops: &[Op],
) -> Result<(), String> {
    let valid = config.validate().expect("check needs a valid config");
    let log = EventLog::default();
    let real =
        CircuitBreaker::new(valid, ManualClock::starting_at(start_ms)).with_observer(log.clone());
    let mut h = Harness {
        model: Model::new(ModelConfig::of(&config)),
        held: Vec::new(),
        real: &real,
        log,
        observe_every_step,
        steps: 0,
        events_checked: std::cell::Cell::new(0),
        trace: format!("config {config:?}, clock at {start_ms}, observe {observe_every_step}\n"),
    };
    for &op in ops {
        h.apply(op)?;
    }
    h.finish()
}

/// Drives a [`Model`] and a real breaker through the same operations.
struct Harness<'a> {
    model: Model,
    held: Vec<(Permit<'a, ManualClock, EventLog>, ModelPermit)>,
    real: &'a Real,
    log: EventLog,
    observe_every_step: bool,
    steps: usize,
    trace: String,
    /// How many events at the start of both logs are known to be equal
    /// (logs only grow: each comparison checks what is new).
    events_checked: std::cell::Cell<usize>,
}

impl Harness<'_> {
    fn now(&self) -> u32 {
        self.real.clock().now().as_ticks()
    }

    /// Applies `op` to both and compares; `Err` describes the divergence and
    /// the operations that led to it.
    fn apply(&mut self, op: Op) -> Result<(), String> {
        self.steps += 1;
        let _ = writeln!(self.trace, "{:>4}: t={} {op:?}", self.steps, self.now());
        self.step(op)?;
        self.compare_always(matches!(op, Op::State))?;
        if self.observe_every_step {
            self.compare_snapshots()?;
        }
        Ok(())
    }

    /// Settles every held permit (as the end of a sequence does), then
    /// compares snapshots.
    fn finish(&mut self) -> Result<(), String> {
        while !self.held.is_empty() {
            self.step(Op::Settle(0, Outcome::Ignore))?;
        }
        self.compare_snapshots()
    }

    fn fail(&self, what: String) -> Result<(), String> {
        Err(format!("{what}\nafter:\n{}", self.trace))
    }

    fn step(&mut self, op: Op) -> Result<(), String> {
        let clock = self.real.clock();
        match op {
            Op::Acquire => {
                let now = self.now();
                let m = self.model.acquire(now);
                let r = self.real.try_acquire();
                match (r, m) {
                    (Ok(rp), Ok(mp)) => self.held.push((rp, mp)),
                    (Err(re), Err(me)) if re == me => {}
                    (r, m) => {
                        let r = r.map(|_| "permit");
                        return self.fail(format!("acquire: real {r:?}, model {m:?}"));
                    }
                }
            }
            Op::Settle(n, outcome) => {
                if !self.held.is_empty() {
                    let (rp, mp) = self.held.remove(n % self.held.len());
                    let now = self.now();
                    self.model.record(mp, outcome, now);
                    rp.record(outcome);
                }
            }
            Op::SettleAfter(n, outcome, took) => {
                if !self.held.is_empty() {
                    let (rp, mp) = self.held.remove(n % self.held.len());
                    let now = self.now();
                    self.model.record_after(mp, outcome, took, now);
                    rp.record_after(outcome, Duration::from_ticks(took));
                }
            }
            Op::Drop(n) => {
                if !self.held.is_empty() {
                    let (rp, mp) = self.held.remove(n % self.held.len());
                    let now = self.now();
                    self.model.abandon(mp, now);
                    drop(rp);
                }
            }
            Op::Advance(ms) => clock.advance(Duration::from_ticks(ms)),
            Op::StepBack(ms) => clock.set(Instant::from_ticks(self.now().wrapping_sub(ms))),
            Op::Reset => {
                let now = self.now();
                self.model.reset(now);
                self.real.reset();
            }
            Op::ResetStats => {
                let now = self.now();
                self.model.reset_stats(now);
                self.real.reset_stats();
            }
            Op::ForceOpen => {
                let now = self.now();
                self.model.force_open(now);
                self.real.force_open();
            }
            Op::Disable => {
                let now = self.now();
                self.model.disable(now);
                self.real.disable();
            }
            Op::State => {
                let now = self.now();
                let (m, r) = (self.model.state(now), self.real.state());
                if m != r {
                    return self.fail(format!("state: real {r:?}, model {m:?}"));
                }
            }
            Op::Snapshot => return self.compare_snapshots(),
            Op::StartTimeAccounting => {
                let now = self.now();
                self.model.start_time_accounting(now);
                self.real.start_time_accounting();
            }
            Op::Cycle(n) => {
                for _ in 0..n {
                    self.step(Op::ForceOpen)?;
                    self.step(Op::Reset)?;
                }
            }
        }
        Ok(())
    }

    /// The events so far: the real breaker may lag behind the model only by
    /// deadline transitions it has not been asked to notice yet (the model
    /// evaluates deadlines at every operation, the breaker lazily); `exact`
    /// (after `state()` or a snapshot) allows no lag.
    fn compare_events(&self, exact: bool) -> Result<(), String> {
        let real = self.log.0.borrow();
        let model = self.model.events();
        let from = self.events_checked.get();
        let lag_ok = model.len() >= real.len()
            && model[from..real.len()] == real[from..]
            && model[real.len()..].iter().all(|e| {
                matches!(
                    e,
                    Event::Transition(Transition {
                        cause: Cause::ResetTimeout | Cause::HalfOpenTimeout,
                        ..
                    })
                )
            });
        if (exact && real.len() != model.len()) || !lag_ok {
            return self.fail(format!(
                "events differ after the first {from}:\n real  {:?}\n model {:?}",
                &real[from..],
                &model[from.min(model.len())..]
            ));
        }
        self.events_checked.set(real.len());
        Ok(())
    }

    fn compare_always(&self, exact: bool) -> Result<(), String> {
        self.compare_events(exact)?;
        let (r, m) = (
            self.real.consecutive_failures(),
            self.model.consecutive_failures(),
        );
        if r != m {
            return self.fail(format!("consecutive_failures: real {r}, model {m}"));
        }
        Ok(())
    }

    fn compare_snapshots(&mut self) -> Result<(), String> {
        let now = self.now();
        let m = self.model.snapshot(now);
        let r = self.real.snapshot();
        if r != m {
            return self.fail(format!("snapshot:\n real  {r:?}\n model {m:?}"));
        }
        // The snapshot makes every pending lazy transition: no lag allowed.
        self.compare_always(true)
    }
}

//! Time in each state, and snapshots. A segment of time runs from one
//! stamp to the next; each is booked once, by whoever replaces its stamp
//! (the winner of the next transition, or a snapshot re-anchoring a long
//! CLOSED period).

use super::machine::{decide_observed, public_state, Seen};
use super::word::{saturating_span, Kind, Stamp, Word};
use super::{BreakerSettings, CircuitBreaker};
use crate::clock::Clock;
use crate::config::Settings;
use crate::event::{Observer, State};
use crate::metrics::BreakerSnapshot;
use crate::primitive::{read, Ordering};

impl<C: Clock, O: Observer, K: Settings<BreakerSettings>> CircuitBreaker<C, O, K> {
    /// A copy of the metrics. Also anchors the time accounting of a long
    /// CLOSED (or DISABLED / FORCED_OPEN) period, so take snapshots at least
    /// every 18 h for exact time-in-state over weeks; a snapshot
    /// is lock-free and may make a pending lazy transition. Without the
    /// `metrics` feature nothing is counted: the state and the streak are
    /// read as always, and every total and time reads 0.
    ///
    /// ```
    /// # use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock, State};
    /// # let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &clock);
    /// assert_eq!(b.snapshot().success_rate, None);
    /// ```
    pub fn snapshot(&self) -> BreakerSnapshot {
        let c = &self.counters.0;
        let (w, time, now) = loop {
            // One clock reading, taken after the stamp, for both the lazy
            // transitions and the current segment: with a second, later
            // reading, a deadline passing in between had its whole stretch
            // counted in the earlier state.
            let (w, Seen { stamp, now }) = self.drive(self.load_word(), |w, seen| {
                decide_observed(w, seen, self.limits())
            });
            let long_lived =
                w.kind().is_closed() || matches!(w.kind(), Kind::Disabled | Kind::ForcedOpen);
            let anchored = stamp.belongs_to(w.gen());
            if long_lived
                && ((anchored && stamp.since(now) >= 1 << 26) || stamp.never_anchored(w.gen()))
            {
                self.anchor(w, stamp, now);
                continue;
            }
            let mut time = [0u64; 5];
            for s in State::ALL {
                time[s as usize] = c.time(s);
            }
            // Without the `metrics` feature no segment is booked, and the
            // current one alone would be a misleading total.
            if anchored && cfg!(feature = "metrics") {
                self.split(w, stamp.elapsed_saturating(now), |s, ms| {
                    time[s as usize] += ms as u64
                });
            }
            // A transition or an anchor between the loads above and the
            // booked times may have booked the segment counted as current:
            // read again (lock-free: it retries only when another thread
            // made progress). The word is checked with a read-modify-write,
            // which reads the latest value: a plain load may return an older
            // word, and the snapshot would count time in a state that a
            // transition, dated earlier than `now`, had already left. (A
            // transition whose clock reading precedes ours but whose CAS
            // comes after this check is dated before `now`: the time between
            // its reading and its CAS is then reported in both states, and
            // reported time never goes back. That window is the bound.)
            if self.load_stamp() == stamp && self.word_is(w) {
                break (w, time, now);
            }
        };
        let mut reported = [0u64; 5];
        for s in State::ALL {
            reported[s as usize] = c.report_time(s, time[s as usize]);
        }
        let (successes_total, failures_total, since_reset) = c.outcomes();
        // With a sliding window, the rate is the window's: the one the
        // breaker judges by.
        let success_rate = self.window_success_rate(now).unwrap_or(since_reset);
        let transitions_by_cause = c.transitions();
        BreakerSnapshot {
            name: self.config().name,
            state: public_state(w.kind()),
            consecutive_failures: w.streak() as u32,
            successes_total,
            failures_total,
            ignored_total: read(&c.ignored),
            rejected_total: read(&c.rejected),
            abandoned_total: read(&c.abandoned),
            transitions_total: transitions_by_cause.iter().sum(),
            transitions_by_cause,
            time_in_state_ms: reported,
            success_rate,
            probes_in_flight: if let Kind::Probing = w.kind() {
                w.in_flight() as u32
            } else {
                0
            },
        }
    }

    /// Starts counting time in the current state now. A breaker built in a
    /// `const` context has no clock reading, so its first CLOSED period is
    /// counted from this call (or from the first snapshot or transition).
    /// Call it once at start-up; later calls are harmless.
    ///
    /// ```
    /// use totem_core::{validated, BreakerConfig, CircuitBreaker, Duration, ManualClock, State};
    /// let clock = ManualClock::new();
    /// let b = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &clock);
    /// b.start_time_accounting();
    /// clock.advance(Duration::from_secs(3));
    /// assert_eq!(b.snapshot().time_in(State::Closed), 3_000);
    /// ```
    pub fn start_time_accounting(&self) {
        let w = self.load_word();
        // Only states without a deadline: an OPEN or probing stamp is the
        // deadline's origin and belongs to the CAS winner alone.
        if w.kind().is_closed() || matches!(w.kind(), Kind::Disabled | Kind::ForcedOpen) {
            let stamp = self.load_stamp();
            if stamp.never_anchored(w.gen()) {
                self.anchor(w, stamp, self.now_millis());
            }
        }
    }

    /// Moves the start of the current segment from `stamp` to `now` (read
    /// after `stamp` was loaded), booking the time in between.
    pub(super) fn anchor(&self, w: Word, stamp: Stamp, now: u32) {
        if self.load_word().gen() != w.gen() {
            return; // a transition happened; its winner publishes
        }
        let new = Stamp::new(w.gen(), now).bits();
        // ORDERING: as in `publish`. One attempt, from the stamp `now` was
        // read after: if it fails, a publisher or another anchor got there
        // first and the segment is already accounted for (anchoring from a
        // newer stamp could move it back in time and count a stretch twice).
        if self
            .words
            .0
            .stamp
            .compare_exchange(stamp.bits(), new, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            self.book(w, stamp, now);
        }
    }

    /// Adds the segment `prev.time .. at`, spent in `from`, to the time
    /// accumulators. If the predecessor never published its stamp (it was
    /// overtaken before it could), that segment is not booked.
    pub(super) fn book(&self, from: Word, prev: Stamp, at: u32) {
        if !prev.belongs_to(from.gen()) {
            return;
        }
        let c = &self.counters.0;
        self.split(from, saturating_span(prev.time(), at), |s, ms| {
            c.add_time(s, ms)
        });
    }

    /// Hands `ms` spent in a segment of word `w` to `add`, per public state.
    /// A HALF_OPEN segment starts at the opening: its first open time (grown
    /// with its reopens) was OPEN.
    #[inline]
    pub(super) fn split(&self, w: Word, ms: u32, mut add: impl FnMut(State, u32)) {
        if let Kind::HalfOpen = w.kind() {
            let open_ms = self.limits().open_ms(w.reopens());
            let open = if ms < open_ms { ms } else { open_ms };
            add(State::Open, open);
            add(State::HalfOpen, ms - open);
        } else {
            add(public_state(w.kind()), ms);
        }
    }
}

//! The one CAS loop that applies the machine's decisions to the state word
//! (governor's `measure_and_replace_one`), and the publication of each
//! transition: its stamp, its count and its one event.

use super::machine::{decide_outcome, public_state, Decision, Effect, Seen, Step};
use super::word::{Stamp, Word};
use super::{BreakerSettings, CircuitBreaker};
use crate::clock::{Clock, Instant};
use crate::config::Settings;
use crate::event::{Event, Observer, Transition};
use crate::primitive::Ordering;

impl<C: Clock, O: Observer, K: Settings<BreakerSettings>> CircuitBreaker<C, O, K> {
    #[inline(always)]
    pub(super) fn load_word(&self) -> Word {
        Word::from_bits(self.load_bits())
    }

    /// The word's bits, for the closed path's tests on them.
    #[inline(always)]
    pub(super) fn load_bits(&self) -> u32 {
        // ORDERING: Acquire pairs with the AcqRel CAS that wrote the word, so
        // a thread that sees a generation also sees the stamp writes that
        // happened before the *previous* winner's publication.
        self.words.0.word.load(Ordering::Acquire)
    }

    #[inline]
    pub(super) fn load_stamp(&self) -> Stamp {
        // ORDERING: Acquire pairs with the AcqRel stamp CAS in `publish`; the
        // tag says which generation the time belongs to.
        Stamp::from_bits(self.words.0.stamp.load(Ordering::Acquire))
    }

    /// The stamp that goes with `w`, which the caller loaded earlier. A
    /// stamp tagged for another generation is either not published yet (the
    /// word is still `w`: its deadline counts as not passed) or was published
    /// for a *later* word, and then `w` is stale: `Err` carries the fresh
    /// word to decide on. Without that check a reader that loaded the word
    /// just before a transition and the stamp just after it took a passed
    /// deadline for a pending one (state() said OPEN after the breaker had
    /// half-opened, try_acquire rejected as OPEN with a full reset_timeout).
    #[inline]
    pub(super) fn stamp_for(&self, w: Word) -> Result<Stamp, Word> {
        let stamp = self.load_stamp();
        if !stamp.belongs_to(w.gen()) {
            // ORDERING: the Acquire load of the stamp synchronises with the
            // Release of its publisher, whose CAS on the word came first, so
            // this load sees that word or a later one.
            let fresh = self.load_word();
            if fresh != w {
                return Err(fresh);
            }
        }
        Ok(stamp)
    }

    /// Whether the word is still `w`, as a read-modify-write (the latest
    /// value in the word's modification order, not a possibly older one).
    pub(super) fn word_is(&self, w: Word) -> bool {
        let bits = w.bits();
        // ORDERING: AcqRel, so that a transition after this in the word's
        // order synchronises with it. That transition read its clock before
        // its CAS, so it may be dated before our reading, by at most the time
        // between its reading and its CAS: the one way a snapshot can report
        // more time than has passed (see `snapshot`).
        self.words
            .0
            .word
            .compare_exchange(bits, bits, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    #[inline]
    pub(super) fn cas(&self, current: Word, new: Word) -> Result<(), Word> {
        // ORDERING: AcqRel: Release publishes the new word to the Acquire
        // loads above; Acquire on success orders our stamp publication after
        // the predecessor's. On failure we only need the fresh value (Acquire
        // for the same reason as `load_word`).
        self.words
            .0
            .word
            .compare_exchange_weak(
                current.bits(),
                new.bits(),
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .map(|_| ())
            .map_err(Word::from_bits)
    }

    #[inline]
    pub(super) fn now_millis(&self) -> u32 {
        self.clock.now().as_ticks()
    }

    /// The one CAS loop: decide on the word, CAS, and on failure decide
    /// again on the value the CAS returned. The stamp is loaded and the clock
    /// read only when the decision asks for them, in that order, and both
    /// are dropped whenever the word moves: a decision never compares a
    /// clock reading with a stamp published after it was taken.
    #[inline]
    pub(super) fn drive<R>(
        &self,
        mut w: Word,
        decide: impl Fn(Word, Option<Seen>) -> Decision<R>,
    ) -> R {
        let mut seen = None;
        loop {
            let (step, finish) = match decide(w, seen) {
                Decision::Done(r) => return r,
                Decision::NeedClock => {
                    match self.stamp_for(w) {
                        Ok(stamp) => {
                            let now = self.now_millis();
                            seen = Some(Seen { stamp, now });
                        }
                        // The stamp belongs to a later word: decide on that
                        // word (with a stamp and a clock of its own).
                        Err(fresh) => w = fresh,
                    }
                    continue;
                }
                Decision::Write(to, r) => match self.cas(w, to) {
                    Ok(()) => return r,
                    // Another outcome, probe or transition changed the word:
                    // decide again on its new value.
                    Err(actual) => {
                        w = actual;
                        seen = None;
                        continue;
                    }
                },
                Decision::Step(step, r) => (step, Some(r)),
                Decision::Advance(step) => (step, None),
            };
            match self.cas(w, step.to) {
                Ok(()) => {
                    self.complete(w, step);
                    match finish {
                        Some(r) => return r,
                        None => w = step.to,
                    }
                }
                // Lost to a concurrent change (possibly this same
                // transition, and then a permit we record for is now
                // stale): decide again on the word we were given.
                Err(actual) => w = actual,
            }
            seen = None;
        }
    }

    /// After winning the CAS `from` → `step.to`: publish the stamp (if the
    /// generation changed), count the transition and emit its one event.
    /// Out of line and cold: transitions are rare, and every decision's
    /// instance of `drive` shares this one copy.
    #[cold]
    #[inline(never)]
    pub(super) fn complete(&self, from: Word, step: Step) {
        if step.to.gen() != from.gen() {
            self.publish(from, step.to, step.at);
        }
        if step.to.kind().is_closed() {
            // A closed breaker judges its rates afresh.
            self.clear_window();
        }
        if let Some(cause) = step.cause {
            self.counters.0.record_transition(cause);
            self.observer.on_event(&Event::Transition(Transition {
                name: self.config().name,
                from: public_state(from.kind()),
                to: public_state(step.to.kind()),
                at: Instant::from_ticks(step.at),
                consecutive_failures: step.to.streak() as u32,
                cause,
            }));
        }
    }

    /// Writes the start time of generation `to.gen`, unless a later
    /// generation has already replaced it, then books the time spent in the
    /// segment that ended.
    pub(super) fn publish(&self, from: Word, to: Word, at: u32) {
        let stamps = &self.words.0.stamp;
        let new = Stamp::new(to.gen(), at).bits();
        // ORDERING: Acquire pairs with the AcqRel CAS of a later publisher:
        // if we see its stamp, the load of `word` below sees its generation.
        let mut current = stamps.load(Ordering::Acquire);
        loop {
            if self.load_word().gen() != to.gen() {
                // Superseded: the newer winner publishes its own stamp.
                return;
            }
            // ORDERING: AcqRel: Release publishes the stamp to readers'
            // Acquire loads; Acquire orders us after an earlier publisher.
            match stamps.compare_exchange_weak(current, new, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break,
                // Another publisher (or an anchoring snapshot) got in first:
                // re-check that we are still current, with its value.
                Err(actual) => current = actual,
            }
        }
        self.book(from, Stamp::from_bits(current), at);
    }

    /// Records the outcome of a permit of generation `gen` (out of line: the
    /// common success is decided inline in `on_outcome`).
    #[inline(never)]
    pub(super) fn apply_outcome(&self, gen: u8, effect: Effect) {
        self.drive(self.load_word(), |w, seen| {
            decide_outcome(w, seen, gen, effect, self.limits())
        })
    }
}

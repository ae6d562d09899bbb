//! The packed state words of a breaker, read and written field by field with
//! pure `const fn`s.
//!
//! A breaker is two `AtomicU32`s, so that it stays lock-free on a Cortex-M4
//! (32-bit CAS and nothing wider).
//!
//! ```text
//! word: authoritative; every transition is one CAS on it
//!
//!  31        23 22 21 20    17 16    13 12     9 8           3 2      0
//! +------------+-----+--------+--------+--------+-------------+--------+
//! | streak (9) |reop.|failed 4|succ. 4 |admit. 4|  gen (6)    |kind (3)|
//! +------------+-----+--------+--------+--------+-------------+--------+
//!
//!   kind        0 Closed, 1 Open, 2 HalfOpen (no probe yet this episode),
//!               3 Probing (half-open, a probe admitted), 4 ForcedOpen,
//!               5 Disabled; with the `policies` feature, CLOSED is 6
//!               (Closed: no window, the fast path) or 0 (ClosedSlow: a
//!               window to feed, or a breaker no decision has seen yet,
//!               as every breaker starts: its first acquire moves a breaker
//!               without a window to 6), so that the closed path learns
//!               from the kind it tests anyway whether to feed a window
//!   gen         generation: +1 (mod 64) on every state change except
//!               OPEN → HALF_OPEN (nothing is admitted while OPEN), and on a
//!               half-open probe admitted while no other is in flight; a
//!               permit remembers it, so a result from an earlier generation
//!               is counted but drives nothing
//!   admitted    half-open slots in use (probes in flight + probes reported)
//!   successes   successful probes this episode
//!   failed      failed probes this episode (only a rate-decided half-open
//!               keeps a failed probe's slot; otherwise it reopens at once);
//!               successes + failed never pass admitted, and the difference
//!               is the probes in flight
//!   reopen      consecutive reopens (failed episode or half-open timeout)
//!               since the breaker last closed, saturating at 3: the open
//!               time grows with it
//!   streak      consecutive failures, saturating at 511
//!
//! The generation is as narrow as the policies' fields leave it. A result
//! held across exactly a multiple of 64 generations is taken for a current
//! one; no finite tag can prevent that. It can do no harm to the word: in a
//! half-open episode with no probe in flight it drives nothing, and
//! otherwise it resolves one of the probes in flight as that probe would
//! have (in CLOSED, a late failure counts in the streak and the window).
//!
//! stamp: when the current segment started; written by the CAS winner after
//!        its CAS on `word`
//!
//!  31        28 27                                                        0
//! +------------+-----------------------------------------------------------+
//! |tag ^ 0xF (4)|                time: milliseconds mod 2^28               |
//! +------------+-----------------------------------------------------------+
//!
//!   tag   generation mod 16 of the word it belongs to; a stamp whose tag does
//!         not match the word is not published yet (its deadline counts as not
//!         passed). Stored inverted, so that a new breaker's stamp (tag 0xF,
//!         time 0) and so its whole `static` are zeros: it sits in `.bss`,
//!         with no image in flash
//!   time  Open: when it opened; HalfOpen: when it opened (half-open began
//!         reset_timeout later); Probing: when the probe that found none in
//!         flight was admitted; Closed, ForcedOpen, Disabled: when that
//!         state began (or when a snapshot last re-anchored it)
//! ```
//!
//! The field widths are declared with the limits they set
//! (`crate::limits`). The 28-bit time bounds the longest timeout
//! ([`MAX_TIMEOUT_MS`]): elapsed times are taken modulo 2^28 ms (74.6 h), so
//! a deadline further than that could not be told from a wrapped one.

pub(crate) use crate::limits::MAX_TIMEOUT_MS;
use crate::limits::{GEN_BITS, KIND_BITS, REOPEN_BITS, SLOT_BITS, STAMP_TIME_BITS, STREAK_BITS};

const GEN_SHIFT: u32 = KIND_BITS;
const ADMITTED_SHIFT: u32 = GEN_SHIFT + GEN_BITS;
const SUCCESSES_SHIFT: u32 = ADMITTED_SHIFT + SLOT_BITS;
const FAILED_SHIFT: u32 = SUCCESSES_SHIFT + SLOT_BITS;
const REOPEN_SHIFT: u32 = FAILED_SHIFT + SLOT_BITS;
const STREAK_SHIFT: u32 = REOPEN_SHIFT + REOPEN_BITS;

const KIND_MASK: u32 = (1 << KIND_BITS) - 1;
const GEN_MASK: u32 = (1 << GEN_BITS) - 1;
const SLOT_MASK: u32 = (1 << SLOT_BITS) - 1;
const REOPEN_MASK: u32 = (1 << REOPEN_BITS) - 1;
const STREAK_MASK: u32 = (1 << STREAK_BITS) - 1;

pub(crate) const STAMP_TIME_MASK: u32 = (1 << STAMP_TIME_BITS) - 1;
const TAG_MASK: u32 = 0xF;

/// What the breaker is doing, as packed in the word (finer than [`State`]:
/// half-open is split by whether a probe was admitted yet).
///
/// [`State`]: crate::State
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Kind {
    /// CLOSED, with no sliding window to feed: the fast path.
    #[cfg(not(feature = "policies"))]
    Closed = 0,
    /// CLOSED, with no sliding window to feed: the fast path.
    #[cfg(feature = "policies")]
    Closed = 6,
    /// CLOSED, on the slow path: a breaker with a sliding window, or one no
    /// decision has seen yet (every breaker starts here, the zero word).
    #[cfg(feature = "policies")]
    ClosedSlow = 0,
    Open = 1,
    HalfOpen = 2,
    Probing = 3,
    ForcedOpen = 4,
    Disabled = 5,
}

impl Kind {
    /// The kinds every build has (with `policies`, CLOSED has a second one,
    /// [`Kind::ClosedSlow`]): what the tests walk.
    #[cfg(test)]
    pub(crate) const EVERY_BUILD: [Kind; 6] = [
        Kind::Closed,
        Kind::Open,
        Kind::HalfOpen,
        Kind::Probing,
        Kind::ForcedOpen,
        Kind::Disabled,
    ];

    const fn from_bits(bits: u32) -> Kind {
        match bits {
            #[cfg(not(feature = "policies"))]
            0 => Kind::Closed,
            #[cfg(feature = "policies")]
            0 => Kind::ClosedSlow,
            #[cfg(feature = "policies")]
            6 => Kind::Closed,
            1 => Kind::Open,
            2 => Kind::HalfOpen,
            3 => Kind::Probing,
            4 => Kind::ForcedOpen,
            // Never encoded (7, and 6 without the `policies` feature);
            // reading them as Disabled is the choice that can neither trip
            // nor wedge the breaker.
            _ => Kind::Disabled,
        }
    }

    /// Whether this is CLOSED, on either path.
    #[inline(always)]
    pub(crate) const fn is_closed(self) -> bool {
        #[cfg(feature = "policies")]
        return matches!(self, Kind::Closed | Kind::ClosedSlow);
        #[cfg(not(feature = "policies"))]
        return matches!(self, Kind::Closed);
    }

    /// The kind a CLOSED word has when the breaker feeds a sliding window
    /// (`windowed`) or not.
    #[inline(always)]
    pub(crate) const fn closed(windowed: bool) -> Kind {
        #[cfg(feature = "policies")]
        if windowed {
            return Kind::ClosedSlow;
        }
        let _ = windowed;
        Kind::Closed
    }
}

/// The breaker word: its bits, read and written field by field with pure
/// `const fn`s, so that a decision holds it in one register and changes a
/// field with a mask and a shift (no decoding into a struct and back).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Word(u32);

impl Word {
    /// The word of a new breaker: CLOSED, generation 0, nothing counted.
    pub(crate) const INITIAL: Word = Word(Kind::closed(true) as u32);

    /// The word held in `bits` (an atomic's value).
    #[inline(always)]
    pub(crate) const fn from_bits(bits: u32) -> Word {
        Word(bits)
    }

    /// Its bits, to store in the atomic.
    #[inline(always)]
    pub(crate) const fn bits(self) -> u32 {
        self.0
    }

    #[inline(always)]
    const fn field(self, shift: u32, mask: u32) -> u32 {
        (self.0 >> shift) & mask
    }

    #[inline(always)]
    const fn with_field(self, shift: u32, mask: u32, value: u32) -> Word {
        Word((self.0 & !(mask << shift)) | ((value & mask) << shift))
    }

    #[inline(always)]
    pub(crate) const fn kind(self) -> Kind {
        Kind::from_bits(self.0 & KIND_MASK)
    }

    #[inline(always)]
    pub(crate) const fn gen(self) -> u8 {
        self.field(GEN_SHIFT, GEN_MASK) as u8
    }

    #[inline(always)]
    pub(crate) const fn admitted(self) -> u8 {
        self.field(ADMITTED_SHIFT, SLOT_MASK) as u8
    }

    #[inline(always)]
    pub(crate) const fn successes(self) -> u8 {
        self.field(SUCCESSES_SHIFT, SLOT_MASK) as u8
    }

    /// Always zero without the `policies` feature (never written there), so
    /// the default build carries no code for it.
    #[inline(always)]
    pub(crate) const fn failed(self) -> u8 {
        if cfg!(feature = "policies") {
            self.field(FAILED_SHIFT, SLOT_MASK) as u8
        } else {
            0
        }
    }

    /// Always zero without the `policies` feature, as [`Word::failed`].
    #[inline(always)]
    pub(crate) const fn reopens(self) -> u8 {
        if cfg!(feature = "policies") {
            self.field(REOPEN_SHIFT, REOPEN_MASK) as u8
        } else {
            0
        }
    }

    #[inline(always)]
    pub(crate) const fn streak(self) -> u16 {
        self.field(STREAK_SHIFT, STREAK_MASK) as u16
    }

    #[inline(always)]
    pub(crate) const fn with_kind(self, kind: Kind) -> Word {
        self.with_field(0, KIND_MASK, kind as u32)
    }

    /// The word with generation `gen`, taken modulo
    /// [`GENERATIONS`](crate::GENERATIONS).
    #[inline(always)]
    pub(crate) const fn with_gen(self, gen: u8) -> Word {
        self.with_field(GEN_SHIFT, GEN_MASK, gen as u32)
    }

    #[inline(always)]
    pub(crate) const fn with_admitted(self, admitted: u8) -> Word {
        self.with_field(ADMITTED_SHIFT, SLOT_MASK, admitted as u32)
    }

    #[inline(always)]
    pub(crate) const fn with_successes(self, successes: u8) -> Word {
        self.with_field(SUCCESSES_SHIFT, SLOT_MASK, successes as u32)
    }

    /// Written only with the `policies` feature (a no-op without it).
    #[inline(always)]
    pub(crate) const fn with_failed(self, failed: u8) -> Word {
        if cfg!(feature = "policies") {
            self.with_field(FAILED_SHIFT, SLOT_MASK, failed as u32)
        } else {
            self
        }
    }

    /// Written only with the `policies` feature (a no-op without it).
    #[inline(always)]
    pub(crate) const fn with_reopens(self, reopens: u8) -> Word {
        if cfg!(feature = "policies") {
            self.with_field(REOPEN_SHIFT, REOPEN_MASK, reopens as u32)
        } else {
            self
        }
    }

    #[inline(always)]
    pub(crate) const fn with_streak(self, streak: u16) -> Word {
        self.with_field(STREAK_SHIFT, STREAK_MASK, streak as u32)
    }

    /// The generation of a CLOSED word without a window to feed, read from
    /// its bits (`None` in any other state, and for a breaker on the slow
    /// path): the closed path's one test.
    #[inline(always)]
    pub(crate) const fn closed_gen(bits: u32) -> Option<u8> {
        Word::gen_if(bits, Kind::Closed)
    }

    /// The generation of a word on the slow path's CLOSED (`None` in any
    /// other state), read from its bits.
    #[cfg(feature = "policies")]
    #[inline(always)]
    pub(crate) const fn closed_slow_gen(bits: u32) -> Option<u8> {
        Word::gen_if(bits, Kind::ClosedSlow)
    }

    /// The generation of the word in `bits` if its kind is `kind`.
    #[inline(always)]
    const fn gen_if(bits: u32, kind: Kind) -> Option<u8> {
        if bits & KIND_MASK == kind as u32 {
            Some(Word(bits).gen())
        } else {
            None
        }
    }

    /// Whether the word in `bits` is CLOSED without a window to feed, of
    /// generation `gen` (below [`GENERATIONS`](crate::GENERATIONS)), with no
    /// streak: one mask and one compare.
    #[inline(always)]
    pub(crate) const fn closed_calm(bits: u32, gen: u8) -> bool {
        const MASK: u32 = KIND_MASK | (GEN_MASK << GEN_SHIFT) | (STREAK_MASK << STREAK_SHIFT);
        bits & MASK == (Kind::Closed as u32) | ((gen as u32) << GEN_SHIFT)
    }

    /// The generation after `gen` (wrapping at `GENERATIONS`).
    #[inline]
    pub(crate) const fn gen_after(gen: u8) -> u8 {
        (gen + 1) & GEN_MASK as u8
    }

    /// The same word moved to `kind` in the next generation, with the
    /// half-open episode cleared (the streak and the reopen count are kept).
    #[inline]
    pub(crate) const fn next(self, kind: Kind) -> Word {
        const KEPT: u32 = (REOPEN_MASK << REOPEN_SHIFT) | (STREAK_MASK << STREAK_SHIFT);
        Word(self.0 & KEPT)
            .with_kind(kind)
            .with_gen(Word::gen_after(self.gen()))
    }

    /// Half-open probes admitted and not yet reported.
    #[inline]
    pub(crate) const fn in_flight(self) -> u8 {
        // The decisions keep successes + failed <= admitted.
        self.admitted()
            .wrapping_sub(self.successes())
            .wrapping_sub(self.failed())
    }

    /// The reopen count after one more reopen (saturating).
    #[inline]
    #[cfg(feature = "policies")]
    pub(crate) const fn reopens_plus_one(self) -> u8 {
        let reopens = self.reopens();
        if (reopens as u32) < REOPEN_MASK {
            reopens + 1
        } else {
            reopens
        }
    }

    /// The streak after one more failure (saturating).
    #[inline]
    pub(crate) const fn streak_plus_one(self) -> u16 {
        let streak = self.streak();
        if (streak as u32) < STREAK_MASK {
            streak + 1
        } else {
            streak
        }
    }
}

/// Field by field, as the drawing above: a failing test shows the fields.
impl core::fmt::Debug for Word {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Word")
            .field("kind", &self.kind())
            .field("gen", &self.gen())
            .field("admitted", &self.admitted())
            .field("successes", &self.successes())
            .field("failed", &self.failed())
            .field("reopens", &self.reopens())
            .field("streak", &self.streak())
            .finish()
    }
}

/// The stamp word: its bits, read with pure `const fn`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp(u32);

impl Stamp {
    /// The stamp of a new breaker: tag 0xF never matches generation 0, so
    /// the first CLOSED segment has no start time until it is anchored.
    pub(crate) const UNANCHORED: Stamp = Stamp(0);

    /// The stamp of generation `gen` (its tag is the generation mod 16),
    /// at `millis` (taken mod 2^28).
    #[inline]
    pub(crate) const fn new(gen: u8, millis: u32) -> Stamp {
        Stamp(
            (((gen as u32 ^ TAG_MASK) & TAG_MASK) << STAMP_TIME_BITS) | (millis & STAMP_TIME_MASK),
        )
    }

    /// The stamp held in `bits` (an atomic's value).
    #[inline(always)]
    pub(crate) const fn from_bits(bits: u32) -> Stamp {
        Stamp(bits)
    }

    /// Its bits, to store in the atomic.
    #[inline(always)]
    pub(crate) const fn bits(self) -> u32 {
        self.0
    }

    /// The generation mod 16 it was published for.
    #[inline(always)]
    pub(crate) const fn tag(self) -> u8 {
        (((self.0 >> STAMP_TIME_BITS) ^ TAG_MASK) & TAG_MASK) as u8
    }

    /// Milliseconds mod 2^28.
    #[inline(always)]
    pub(crate) const fn time(self) -> u32 {
        self.0 & STAMP_TIME_MASK
    }

    /// Whether this is a new breaker's stamp, never anchored, for a word of
    /// generation `gen`. A published stamp can have the same bits (generation
    /// 15 at time 0): it belongs to its word, and then it is not this.
    #[inline]
    pub(crate) const fn never_anchored(self, gen: u8) -> bool {
        self.0 == Stamp::UNANCHORED.0 && !self.belongs_to(gen)
    }

    /// Whether this stamp belongs to a word of generation `gen`.
    #[inline]
    pub(crate) const fn belongs_to(self, gen: u8) -> bool {
        self.tag() as u32 == (gen as u32 & TAG_MASK)
    }

    /// Raw milliseconds since this stamp, modulo 2^28: a clock that stepped
    /// back reads as a long time. Used for deadlines, where "long" means
    /// passed: never stuck, at worst one early probe.
    #[inline]
    pub(crate) const fn since(self, now_millis: u32) -> u32 {
        now_millis.wrapping_sub(self.time()) & STAMP_TIME_MASK
    }

    /// Milliseconds since this stamp for accounting: a clock that stepped
    /// back (a negative elapsed time, modulo 2^28) saturates at zero.
    #[inline]
    pub(crate) const fn elapsed_saturating(self, now_millis: u32) -> u32 {
        saturating_span(self.time(), now_millis)
    }
}

/// `to - from` modulo 2^28, read as zero when it is "negative" (more than
/// half the range): time never runs backwards in the metrics.
#[inline]
pub(crate) const fn saturating_span(from: u32, to: u32) -> u32 {
    let d = to.wrapping_sub(from) & STAMP_TIME_MASK;
    if d > MAX_TIMEOUT_MS {
        0
    } else {
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The policies' fields hold only zero without the `policies` feature.
    const POLICY_COUNTS: &[u8] = if cfg!(feature = "policies") {
        &[0, 1, 15]
    } else {
        &[0]
    };
    const POLICY_REOPENS: &[u8] = if cfg!(feature = "policies") {
        &[0, 1, 3]
    } else {
        &[0]
    };

    /// A word with every field given, written in the order of the drawing.
    #[allow(clippy::too_many_arguments)]
    fn word(
        kind: Kind,
        gen: u8,
        admitted: u8,
        successes: u8,
        failed: u8,
        reopens: u8,
        streak: u16,
    ) -> Word {
        Word::INITIAL
            .with_kind(kind)
            .with_gen(gen)
            .with_admitted(admitted)
            .with_successes(successes)
            .with_failed(failed)
            .with_reopens(reopens)
            .with_streak(streak)
    }

    #[test]
    fn every_field_reads_back_what_was_written_at_every_extreme() {
        for kind in Kind::EVERY_BUILD {
            for gen in [0u8, 1, 32, 63] {
                for admitted in [0u8, 1, 15] {
                    for successes in [0u8, 1, 15] {
                        for &failed in POLICY_COUNTS {
                            for &reopens in POLICY_REOPENS {
                                for streak in [0u16, 1, 510, 511] {
                                    let w = word(
                                        kind, gen, admitted, successes, failed, reopens, streak,
                                    );
                                    let read = (
                                        w.kind(),
                                        w.gen(),
                                        w.admitted(),
                                        w.successes(),
                                        w.failed(),
                                        w.reopens(),
                                        w.streak(),
                                    );
                                    assert_eq!(
                                        read,
                                        (kind, gen, admitted, successes, failed, reopens, streak)
                                    );
                                    assert_eq!(Word::from_bits(w.bits()), w);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn fields_do_not_overlap() {
        assert_eq!(STREAK_SHIFT + STREAK_BITS, 32);
        let all = word(Kind::Disabled, 63, 15, 15, 15, 3, 511);
        assert_eq!(Word::INITIAL.with_streak(511).bits(), 511 << 23);
        assert_eq!(all.bits() & 0b111, 5);
        // The policies' bits: written only with the `policies` feature.
        let policy_bits = (0xF << FAILED_SHIFT) | (0b11 << REOPEN_SHIFT);
        if cfg!(feature = "policies") {
            assert_eq!(all.bits(), u32::MAX - 2);
        } else {
            assert_eq!(all.bits(), (u32::MAX - 2) & !policy_bits);
        }
        // Writing one field leaves every other as it was.
        let zero = Word::from_bits(0);
        assert_eq!(
            all.with_gen(0).bits(),
            all.bits() & !(GEN_MASK << GEN_SHIFT)
        );
        assert_eq!(
            all.with_streak(0).with_admitted(0).with_successes(0),
            zero.with_kind(Kind::Disabled)
                .with_gen(63)
                .with_failed(15)
                .with_reopens(3)
        );
    }

    #[test]
    fn a_field_written_past_its_width_wraps_within_it() {
        // The generation counts modulo GENERATIONS; nothing spills over.
        let w = Word::INITIAL.with_gen(64 + 5);
        assert_eq!(w.gen(), 5);
        assert_eq!(w.with_gen(0).bits(), Word::INITIAL.bits());
        assert_eq!(Word::gen_after(63), 0);
    }

    #[test]
    fn the_kinds_never_encoded_read_as_disabled() {
        assert_eq!(Word::from_bits(7).kind(), Kind::Disabled);
        if !cfg!(feature = "policies") {
            assert_eq!(Word::from_bits(6).kind(), Kind::Disabled);
        }
    }

    #[test]
    fn stamp_reads_back_its_generation_tag_and_time() {
        for gen in [0u8, 15, 16, 63] {
            for t in [0u32, 1, STAMP_TIME_MASK, u32::MAX] {
                let s = Stamp::new(gen, t);
                assert_eq!(s.tag(), gen % 16);
                assert_eq!(s.time(), t & STAMP_TIME_MASK);
                assert_eq!(Stamp::from_bits(s.bits()), s);
                assert!(s.belongs_to(gen));
                assert!(!s.belongs_to(gen.wrapping_add(1)));
            }
        }
    }

    #[test]
    fn the_closed_tests_on_bits_agree_with_the_fields() {
        let mut bits: u32 = 0x1234_5678;
        // Fewer under miri, which runs this a thousand times slower.
        let rounds = if cfg!(miri) { 300 } else { 100_000 };
        for _ in 0..rounds {
            // xorshift: words of every kind, generation and streak
            bits ^= bits << 13;
            bits ^= bits >> 17;
            bits ^= bits << 5;
            for raw in [
                bits,
                bits & !KIND_MASK,
                bits & !(KIND_MASK | (STREAK_MASK << STREAK_SHIFT)),
            ] {
                let w = Word::from_bits(raw);
                let closed = matches!(w.kind(), Kind::Closed);
                assert_eq!(
                    Word::closed_gen(raw),
                    if closed { Some(w.gen()) } else { None }
                );
                for gen in [w.gen(), Word::gen_after(w.gen())] {
                    let calm = closed && w.gen() == gen && w.streak() == 0;
                    assert_eq!(Word::closed_calm(raw, gen), calm, "{raw:#x} {gen}");
                }
            }
        }
    }

    #[test]
    fn a_new_breaker_is_all_zeros() {
        // So that a `static` breaker needs no initial image in flash.
        assert_eq!(Word::INITIAL.bits(), 0);
        assert_eq!(Stamp::UNANCHORED.bits(), 0);
        assert_eq!(Stamp::UNANCHORED.tag(), 0xF);
        assert_eq!(Stamp::UNANCHORED.time(), 0);
    }

    #[test]
    fn only_a_stamp_of_another_generation_is_never_anchored() {
        assert!(Stamp::UNANCHORED.never_anchored(0));
        // Generation 15 at time 0: the same bits, but published.
        assert_eq!(Stamp::new(15, 0), Stamp::UNANCHORED);
        assert!(!Stamp::new(15, 0).never_anchored(15));
        assert!(!Stamp::new(0, 0).never_anchored(0));
    }

    #[test]
    fn streak_saturates() {
        let w = Word::INITIAL.with_streak(511);
        assert_eq!(w.streak_plus_one(), 511);
        assert_eq!(Word::INITIAL.streak_plus_one(), 1);
    }

    #[test]
    fn elapsed_wraps_and_saturates() {
        let s = Stamp::new(0, u32::MAX - 9); // 10 ms before the 32-bit wrap
        assert_eq!(s.since(5), 15);
        assert_eq!(s.elapsed_saturating(5), 15);
        // the clock stepped back 100 ms
        let s = Stamp::new(0, 1_000);
        assert_eq!(s.elapsed_saturating(900), 0);
        assert!(s.since(900) > MAX_TIMEOUT_MS);
    }

    #[test]
    fn next_bumps_generation_and_clears_episode() {
        let w = word(Kind::Probing, 63, 3, 1, 1, 2, 7);
        let in_flight = if cfg!(feature = "policies") { 1 } else { 2 };
        assert_eq!(w.in_flight(), in_flight);
        let n = w.next(Kind::Closed);
        assert_eq!(n.kind(), Kind::Closed);
        assert_eq!(n.gen(), 0);
        let reopens = if cfg!(feature = "policies") { 2 } else { 0 };
        assert_eq!(
            (
                n.admitted(),
                n.successes(),
                n.failed(),
                n.reopens(),
                n.streak()
            ),
            (0, 0, 0, reopens, 7)
        );
    }

    #[test]
    #[cfg(feature = "policies")]
    fn reopens_saturate() {
        let w = Word::INITIAL.with_reopens(3);
        assert_eq!(w.reopens_plus_one(), 3);
        assert_eq!(Word::INITIAL.reopens_plus_one(), 1);
    }
}

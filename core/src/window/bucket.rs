//! A window bucket's count word: pure `const fn` encode, decode and the
//! decision of adding one call to it.
//!
//! ```text
//! count: one per bucket for failures, one for slow calls
//!
//!  31       26 25                      13 12                       0
//! +-----------+--------------------------+--------------------------+
//! |  tag (6)  |        calls (13)        |        hits (13)         |
//! +-----------+--------------------------+--------------------------+
//!
//!   tag    the bucket's epoch modulo 64: which interval (of time, or of
//!          calls) the counts belong to
//!   calls  outcomes recorded in the bucket (ignored ones never are)
//!   hits   of which failures (the failure word) or slow (the slow word)
//!
//! epoch: one more word per bucket, the bucket's full 32-bit epoch, advanced
//!        after the count words; a reader counts a bucket only when both
//!        the epoch word and the tags say it holds the epoch it wants
//! ```
//!
//! A bucket whose `calls` would overflow halves both counts first, so it
//! keeps its rate (a time window's bucket at more than 8191 calls weighs a
//! little less than its share; a count window's never gets there).

use crate::limits::{WINDOW_COUNT_BITS, WINDOW_TAG_BITS};

const COUNT_MASK: u32 = (1 << WINDOW_COUNT_BITS) - 1;
const TAG_MASK: u32 = (1 << WINDOW_TAG_BITS) - 1;
const CALLS_SHIFT: u32 = WINDOW_COUNT_BITS;
const TAG_SHIFT: u32 = 2 * WINDOW_COUNT_BITS;

/// The decoded count word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Count {
    pub(crate) tag: u32,
    pub(crate) calls: u32,
    pub(crate) hits: u32,
}

impl Count {
    /// An empty bucket of epoch `epoch`.
    #[inline]
    pub(crate) const fn empty(epoch: u32) -> Count {
        Count {
            tag: tag_of(epoch),
            calls: 0,
            hits: 0,
        }
    }

    #[inline]
    pub(crate) const fn encode(self) -> u32 {
        ((self.tag & TAG_MASK) << TAG_SHIFT)
            | ((self.calls & COUNT_MASK) << CALLS_SHIFT)
            | (self.hits & COUNT_MASK)
    }

    #[inline]
    pub(crate) const fn decode(bits: u32) -> Count {
        Count {
            tag: (bits >> TAG_SHIFT) & TAG_MASK,
            calls: (bits >> CALLS_SHIFT) & COUNT_MASK,
            hits: bits & COUNT_MASK,
        }
    }

    /// The counts with one more call, `hit` or not (halved first if full);
    /// `None`: no call, the same counts.
    #[inline]
    const fn plus(self, hit: Option<bool>) -> Count {
        let Some(hit) = hit else {
            return self;
        };
        let (calls, hits) = if self.calls == COUNT_MASK {
            (self.calls / 2, self.hits / 2)
        } else {
            (self.calls, self.hits)
        };
        Count {
            tag: self.tag,
            calls: calls + 1,
            hits: hits + hit as u32,
        }
    }
}

/// The tag of an epoch.
#[inline]
pub(crate) const fn tag_of(epoch: u32) -> u32 {
    epoch & TAG_MASK
}

/// Whether epoch `mine` is newer than the bucket's tag `theirs`: the tags
/// are 6 bits, so this holds for epochs less than 32 apart, which is what a
/// live bucket and a recorder are (a window has at most 32 buckets). Far
/// apart ones are told by the epoch word instead.
#[inline]
const fn tag_is_newer(mine: u32, theirs: u32) -> bool {
    let d = mine.wrapping_sub(theirs) & TAG_MASK;
    d != 0 && d <= TAG_MASK / 2
}

/// The count word after adding one call of epoch `epoch` (`hit`: a failure
/// or a slow call; `None`: no call, only the move to `epoch`), or `None`
/// when the word need not change or the bucket holds a newer epoch (the
/// call is older than the window, or raced one that just rolled the bucket
/// over: it is dropped, never counted in another epoch).
///
/// `stale`: the bucket's epoch word is 32 or more epochs away from ours (a
/// long idle spell, a clock that stepped back, a wrap), where the 6-bit tag
/// cannot be trusted: the bucket starts afresh whatever its tag says.
#[inline]
pub(crate) const fn decide_add(
    bits: u32,
    epoch: u32,
    hit: Option<bool>,
    stale: bool,
) -> Option<u32> {
    let c = Count::decode(bits);
    let mine = tag_of(epoch);
    if !stale && c.tag == mine {
        if hit.is_none() {
            return None;
        }
        return Some(c.plus(hit).encode());
    }
    if stale || tag_is_newer(mine, c.tag) {
        return Some(Count::empty(epoch).plus(hit).encode());
    }
    None
}

/// Whether epochs `a` and `b` are so far apart (either way) that a 6-bit
/// tag could alias them.
#[inline]
pub(crate) const fn far_apart(a: u32, b: u32) -> bool {
    let d = a.wrapping_sub(b);
    let d = if d > u32::MAX / 2 {
        d.wrapping_neg()
    } else {
        d
    };
    d > TAG_MASK / 2
}

/// Whether the epoch word should move from `current` to `mine`: forward,
/// or anywhere when the two are far apart (a clock that stepped back).
#[inline]
pub(crate) const fn epoch_should_move(current: u32, mine: u32) -> bool {
    if current == mine {
        return false;
    }
    let forward = mine.wrapping_sub(current);
    forward <= u32::MAX / 2 || far_apart(current, mine)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_round_trips_at_the_extremes() {
        for tag in [0, 1, 63] {
            for calls in [0, 1, COUNT_MASK] {
                for hits in [0, 1, COUNT_MASK] {
                    let c = Count { tag, calls, hits };
                    assert_eq!(Count::decode(c.encode()), c);
                }
            }
        }
        assert_eq!(
            Count {
                tag: 63,
                calls: COUNT_MASK,
                hits: COUNT_MASK
            }
            .encode(),
            u32::MAX
        );
    }

    #[test]
    fn same_epoch_adds() {
        let w = Count::empty(70).encode();
        let w = decide_add(w, 70, Some(true), false).unwrap();
        let w = decide_add(w, 70, Some(false), false).unwrap();
        assert_eq!(
            Count::decode(w),
            Count {
                tag: tag_of(70),
                calls: 2,
                hits: 1
            }
        );
    }

    #[test]
    fn a_newer_epoch_evicts_and_an_older_one_is_dropped() {
        let old = decide_add(Count::empty(10).encode(), 10, Some(true), false).unwrap();
        let new = decide_add(old, 20, Some(false), false).unwrap();
        assert_eq!(
            Count::decode(new),
            Count {
                tag: 20,
                calls: 1,
                hits: 0
            }
        );
        // A call of epoch 10 arriving after the bucket moved to 20.
        assert_eq!(decide_add(new, 10, Some(true), false), None);
    }

    #[test]
    fn a_stale_bucket_starts_afresh_even_when_its_tag_matches() {
        // Epoch 0 and epoch 64 share tag 0: only the epoch word tells them
        // apart, and the caller says it is stale.
        let old = decide_add(Count::empty(0).encode(), 0, Some(true), false).unwrap();
        let w = decide_add(old, 64, Some(false), true).unwrap();
        assert_eq!(
            Count::decode(w),
            Count {
                tag: 0,
                calls: 1,
                hits: 0
            }
        );
    }

    #[test]
    fn a_full_bucket_halves_and_keeps_its_rate() {
        let full = Count {
            tag: 5,
            calls: COUNT_MASK,
            hits: 4095,
        }
        .encode();
        let c = Count::decode(decide_add(full, 5, Some(true), false).unwrap());
        assert_eq!((c.calls, c.hits), (COUNT_MASK / 2 + 1, 4095 / 2 + 1));
    }

    #[test]
    fn a_move_without_a_call_restarts_a_stale_bucket_and_leaves_a_current_one() {
        let old = decide_add(Count::empty(0).encode(), 0, Some(true), false).unwrap();
        let moved = decide_add(old, 64, None, true).unwrap();
        assert_eq!(Count::decode(moved), Count::empty(64));
        assert_eq!(decide_add(moved, 64, None, false), None);
    }

    #[test]
    fn distances_wrap() {
        assert!(!far_apart(u32::MAX, 3));
        assert!(far_apart(0, 32));
        assert!(!far_apart(0, 31));
        assert!(epoch_should_move(u32::MAX, 2));
        assert!(!epoch_should_move(5, 4));
        assert!(epoch_should_move(5_000, 4), "a clock that stepped back");
        assert!(!epoch_should_move(7, 7));
    }
}

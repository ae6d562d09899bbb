//! [`RetryBudget`]: retries as a share of calls, with a floor per second,
//! shared by any number of retries. One `AtomicU32`: every deposit and
//! every withdrawal is one compare-exchange loop over it, so a budget never
//! grants a retry it does not hold, however many threads race for it.
//!
//! ```text
//! word
//!
//!  31                                     15 14                         0
//! +-----------------------------------------+---------------------------+
//! |          balance (17 bits)              |        second (15)        |
//! +-----------------------------------------+---------------------------+
//!
//!   balance  hundredths of a retry held (BUDGET_UNITS_PER_RETRY = 100 to a
//!            retry), at most max_retries * 100 <= 100 000 < 2^17; a call
//!            deposits retry_percent of them, a retry withdraws 100
//!   second   the clock's second (milliseconds / 1000) mod 2^15 when the
//!            floor was last applied, or when a clock that stepped back was
//!            last re-anchored
//! ```
//!
//! The floor is applied lazily, by the first withdrawal that finds the
//! clock in a later second than the word's: it raises the balance to
//! `min_per_second` in the same compare-exchange that takes the retry, so
//! it happens once per second whoever races for it. A second reads as later
//! if it is less than 2^14 s (4 h 33 min) ahead of the word's, modulo 2^15;
//! anything else is a clock that stepped back, and only moves the anchor:
//! it mints nothing, and the floor comes back one second of clock later. A
//! budget idle for longer than 4 h 33 min (modulo 9 h 6 min) reads the same
//! way, so its floor may come one second late; deposits are unaffected.

use crate::clock::Instant;
use crate::config::{ConfigError, RetryBudgetConfig, Valid};
use crate::limits::{BUDGET_BALANCE_BITS, BUDGET_SECOND_BITS, BUDGET_UNITS_PER_RETRY};
use crate::primitive::{const_fn, AtomicU32, CachePadded, Ordering};

const SECOND_MASK: u32 = (1 << BUDGET_SECOND_BITS) - 1;
/// A second this far ahead of the word's, or further, is behind it.
const HALF: u32 = 1 << (BUDGET_SECOND_BITS - 1);
const BALANCE_MASK: u32 = (1 << BUDGET_BALANCE_BITS) - 1;
const UNITS: u32 = BUDGET_UNITS_PER_RETRY;

/// The decoded budget word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Word {
    /// Hundredths of a retry.
    balance: u32,
    /// Clock seconds mod 2^15.
    second: u32,
}

impl Word {
    const fn decode(bits: u32) -> Word {
        Word {
            balance: bits >> BUDGET_SECOND_BITS,
            second: bits & SECOND_MASK,
        }
    }

    const fn encode(self) -> u32 {
        ((self.balance & BALANCE_MASK) << BUDGET_SECOND_BITS) | (self.second & SECOND_MASK)
    }
}

/// The word's second for a clock reading in milliseconds.
const fn second_of(now_ms: u32) -> u32 {
    (now_ms / 1000) & SECOND_MASK
}

/// The word as of clock second `second`: a later second raises the balance
/// to `floor` (hundredths) and becomes the anchor; an earlier one (a clock
/// that stepped back) becomes the anchor and adds nothing.
const fn at_second(w: Word, second: u32, floor: u32) -> Word {
    let ahead = second.wrapping_sub(w.second) & SECOND_MASK;
    if ahead == 0 {
        w
    } else if ahead < HALF {
        let balance = if w.balance < floor { floor } else { w.balance };
        Word { balance, second }
    } else {
        Word {
            balance: w.balance,
            second,
        }
    }
}

/// What a withdrawal at clock second `second` does with the word `w`:
/// the word to write (the same word when there is nothing to write) and
/// whether the retry is granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Withdrawal {
    to: Word,
    granted: bool,
}

/// The withdrawal's decision: check and subtract on one value of the word,
/// so that the compare-exchange that writes the result makes both one step.
const fn decide_withdraw(w: Word, second: u32, floor: u32) -> Withdrawal {
    let w = at_second(w, second, floor);
    if w.balance >= UNITS {
        Withdrawal {
            to: Word {
                balance: w.balance - UNITS,
                second: w.second,
            },
            granted: true,
        }
    } else {
        Withdrawal {
            to: w,
            granted: false,
        }
    }
}

/// The word after one call's deposit of `share` hundredths, capped at
/// `cap`; `None` when there is nothing to write (the budget is full, or
/// the share is 0). Reads no clock: the floor is the withdrawals' business.
const fn decide_deposit(w: Word, share: u32, cap: u32) -> Option<Word> {
    if share == 0 || w.balance >= cap {
        return None;
    }
    let balance = w.balance + share;
    Some(Word {
        balance: if balance > cap { cap } else { balance },
        second: w.second,
    })
}

/// Retries allowed as a share of calls, with a floor per second, shared by
/// every retry given it ([`Retry::with_budget`](crate::Retry::with_budget)).
///
/// Each call made through such a retry deposits `retry_percent` hundredths
/// of a retry; each retry after the first attempt withdraws a whole one,
/// and is not made if the budget does not hold one (the call gives up with
/// [`GiveUp::BudgetExhausted`](crate::GiveUp::BudgetExhausted)). At the
/// first withdrawal of each clock second the balance is raised to
/// `min_per_second`, so a service with few calls can still retry; the
/// balance never exceeds `max_retries`.
///
/// Lock-free, one `AtomicU32` (16 bytes on a Cortex-M4, a cache line on
/// std-class CPUs), `const`-constructible for a `static`.
///
/// ```
/// use totem_core::{validated, Instant, RetryBudget, RetryBudgetConfig};
/// static BUDGET: RetryBudget = RetryBudget::new(validated!(RetryBudgetConfig::new()
///     .retry_percent(50)
///     .min_per_second(1)
///     .max_retries(10)));
/// let t = Instant::from_ticks(0);
/// assert!(BUDGET.try_withdraw(t)); // the floor's one retry of second 0
/// assert!(!BUDGET.try_withdraw(t));
/// BUDGET.deposit();
/// BUDGET.deposit(); // two calls at 50 %: one retry
/// assert!(BUDGET.try_withdraw(t));
/// assert!(BUDGET.try_withdraw(Instant::from_ticks(1_000))); // a new second: the floor again
/// ```
///
/// The retries that share a budget must read the same timeline (one clock
/// source), since the floor's second is the clock's.
///
/// Budgets compare by identity: two are equal only if they are the same
/// budget.
#[derive(Debug)]
pub struct RetryBudget(CachePadded<Inner>);

#[derive(Debug)]
struct Inner {
    word: AtomicU32,
    config: Valid<RetryBudgetConfig>,
}

impl RetryBudget {
    const_fn! {
        /// A budget holding its floor (`min_per_second` retries), as if that
        /// had just been applied at clock second 0. `const`, so it can be a
        /// `static`.
        pub fn new(config: Valid<RetryBudgetConfig>) -> Self {
            let floor = config.get().min_per_second * UNITS;
            Self(CachePadded(Inner {
                word: AtomicU32::new(Word { balance: floor, second: 0 }.encode()),
                config,
            }))
        }
    }

    /// Validates `config` and builds the budget, or says which field is
    /// wrong.
    ///
    /// ```
    /// use totem_core::{ConfigError, RetryBudget, RetryBudgetConfig};
    /// let err = RetryBudget::try_new(RetryBudgetConfig::new().max_retries(0));
    /// assert_eq!(err.unwrap_err(), ConfigError::MaxRetriesZero);
    /// ```
    pub fn try_new(config: RetryBudgetConfig) -> Result<Self, ConfigError> {
        Ok(Self::new(config.validate()?))
    }

    /// The configuration.
    pub fn config(&self) -> &RetryBudgetConfig {
        self.0 .0.config.get()
    }

    /// One call's share: `retry_percent` hundredths of a retry, up to
    /// `max_retries`. A retry with this budget deposits once per call, at
    /// its start. Reads no clock; a full budget is only read, not written.
    #[inline]
    pub fn deposit(&self) {
        let config = self.config();
        let share = config.retry_percent;
        let cap = config.max_retries * UNITS;
        // Relaxed throughout: the word publishes no other data, and a
        // compare-exchange on one location acts on its latest value, which
        // is all that exactness needs.
        let mut current = self.0 .0.word.load(Ordering::Relaxed);
        loop {
            let Some(to) = decide_deposit(Word::decode(current), share, cap) else {
                return;
            };
            match self.0 .0.word.compare_exchange_weak(
                current,
                to.encode(),
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                // Another deposit or withdrawal changed the balance (or the
                // weak exchange failed spuriously): add to the value it
                // holds now.
                Err(actual) => current = actual,
            }
        }
    }

    /// Takes one retry if the budget holds one at `now` (applying the
    /// floor first if `now` is in a later second than the last
    /// withdrawal's). The check and the subtraction are one
    /// compare-exchange: of any number of racing withdrawals, exactly as
    /// many succeed as the budget held.
    pub fn try_withdraw(&self, now: Instant) -> bool {
        let second = second_of(now.as_ticks());
        let floor = self.config().min_per_second * UNITS;
        // Relaxed: as in `deposit`.
        let mut current = self.0 .0.word.load(Ordering::Relaxed);
        loop {
            let decision = decide_withdraw(Word::decode(current), second, floor);
            let to = decision.to.encode();
            if to == current {
                // Denied, with the floor and the anchor already in place.
                return decision.granted;
            }
            match self.0 .0.word.compare_exchange_weak(
                current,
                to,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return decision.granted,
                // Another withdrawal, a deposit or the floor of a new second
                // changed the word since it was read (or the weak exchange
                // failed spuriously): the check is made again on the value
                // it holds now, never on the one this thread read first.
                Err(actual) => current = actual,
            }
        }
    }

    /// Whole retries a withdrawal at `now` could take (the floor of a new
    /// second included). A reading, not a reservation.
    ///
    /// ```
    /// # use totem_core::{Instant, RetryBudget, RetryBudgetConfig};
    /// let budget = RetryBudget::try_new(RetryBudgetConfig::new().min_per_second(3))?;
    /// assert_eq!(budget.available(Instant::from_ticks(0)), 3);
    /// # Ok::<(), totem_core::ConfigError>(())
    /// ```
    pub fn available(&self, now: Instant) -> u32 {
        let floor = self.config().min_per_second * UNITS;
        let w = Word::decode(self.0 .0.word.load(Ordering::Relaxed));
        at_second(w, second_of(now.as_ticks()), floor).balance / UNITS
    }
}

impl PartialEq for RetryBudget {
    fn eq(&self, other: &Self) -> bool {
        core::ptr::eq(self, other)
    }
}

impl Eq for RetryBudget {}

#[cfg(feature = "defmt")]
impl defmt::Format for RetryBudget {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "RetryBudget {{ config: {} }}", self.config())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOOR: u32 = 2 * UNITS;

    fn w(balance: u32, second: u32) -> Word {
        Word { balance, second }
    }

    #[test]
    fn codec_round_trips_the_extremes() {
        for word in [
            w(0, 0),
            w(BALANCE_MASK, SECOND_MASK),
            w(100_000, 1),
            w(1, 32_767),
        ] {
            assert_eq!(Word::decode(word.encode()), word);
        }
        assert_eq!(w(1, 0).encode(), 1 << 15);
    }

    #[test]
    fn a_withdrawal_takes_one_retry_or_nothing() {
        let granted = decide_withdraw(w(250, 7), 7, FLOOR);
        assert_eq!(
            granted,
            Withdrawal {
                to: w(150, 7),
                granted: true
            }
        );
        // 99 hundredths are not a retry; nothing changes.
        let denied = decide_withdraw(w(99, 7), 7, FLOOR);
        assert_eq!(
            denied,
            Withdrawal {
                to: w(99, 7),
                granted: false
            }
        );
    }

    #[test]
    fn a_new_second_raises_the_balance_to_the_floor_once() {
        let d = decide_withdraw(w(30, 7), 8, FLOOR);
        assert_eq!(d.to, w(FLOOR - UNITS, 8));
        assert!(d.granted);
        // Above the floor: the floor adds nothing.
        assert_eq!(decide_withdraw(w(500, 7), 8, FLOOR).to, w(400, 8));
        // In the same second again: no second top-up.
        let again = decide_withdraw(d.to, 8, FLOOR);
        let again = decide_withdraw(again.to, 8, FLOOR);
        assert!(!again.granted);
    }

    #[test]
    fn a_clock_that_steps_back_mints_nothing_and_re_anchors() {
        // Empty at second 100; the clock goes back to second 40.
        let d = decide_withdraw(w(0, 100), 40, FLOOR);
        assert_eq!(
            d,
            Withdrawal {
                to: w(0, 40),
                granted: false
            }
        );
        // One second of clock later, the floor is back: no wedge.
        assert!(decide_withdraw(d.to, 41, FLOOR).granted);
    }

    #[test]
    fn seconds_compare_across_the_wrap_of_the_field() {
        // 32767 -> 0 is one second forward.
        assert!(decide_withdraw(w(0, SECOND_MASK), 0, FLOOR).granted);
        // Just under half the field ahead is forward; half or more is back.
        assert!(decide_withdraw(w(0, 0), HALF - 1, FLOOR).granted);
        assert!(!decide_withdraw(w(0, 0), HALF, FLOOR).granted);
        // The clock's own wrap at 2^32 ms: second 4294967 becomes 0, which
        // the field reads as a step back (the floor comes one second late).
        assert_eq!(second_of(u32::MAX), 4_294_967 & SECOND_MASK);
        assert_eq!(second_of(999), 0);
        assert_eq!(second_of(1_000), 1);
    }

    #[test]
    fn a_deposit_adds_the_share_up_to_the_cap() {
        assert_eq!(decide_deposit(w(0, 3), 20, 1_000), Some(w(20, 3)));
        assert_eq!(decide_deposit(w(990, 3), 20, 1_000), Some(w(1_000, 3)));
        assert_eq!(decide_deposit(w(1_000, 3), 20, 1_000), None);
        assert_eq!(decide_deposit(w(5, 3), 0, 1_000), None);
    }

    #[test]
    fn a_budget_holds_its_floor_when_built_and_never_overdraws() {
        let b = RetryBudget::new(
            RetryBudgetConfig::new()
                .retry_percent(25)
                .min_per_second(1)
                .max_retries(2)
                .validate()
                .unwrap(),
        );
        let t0 = Instant::from_ticks(0);
        assert_eq!(b.available(t0), 1);
        assert!(b.try_withdraw(t0));
        assert!(!b.try_withdraw(t0));
        for _ in 0..3 {
            b.deposit();
        }
        assert!(!b.try_withdraw(t0), "75 hundredths are not a retry");
        b.deposit();
        assert!(b.try_withdraw(t0));
        for _ in 0..100 {
            b.deposit();
        }
        assert_eq!(b.available(t0), 2, "capped at max_retries");
    }
}

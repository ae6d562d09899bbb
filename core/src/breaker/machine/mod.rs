//! The breaker as a pure machine: `const fn` decisions over the packed
//! state word, tested directly here and driven by proptest and fuzz through
//! the real breaker. Nothing here touches an atomic or a clock: a decision
//! that needs the time says so ([`Decision::NeedClock`]), and the driver
//! reads it.
//!
//! One file per concern, each importing only the ones above it:
//! - `decision`: what every decision speaks (what it has read, what it
//!   decides);
//! - `limits`: the configuration reduced to what decisions need;
//! - `deadline`: the time-driven transitions every decision starts with,
//!   and the readers' decisions (`state()`, snapshots);
//! - `window` (feature `policies`): the rate policies' verdicts;
//! - `acquire`: admitting a call or a probe;
//! - `outcome`: what a result does to the word;
//! - `command`: the manual commands and `reset_stats()`.

mod acquire;
mod command;
mod deadline;
mod decision;
mod limits;
mod outcome;
#[cfg(feature = "policies")]
mod window;

pub(crate) use self::acquire::decide_acquire;
pub(crate) use self::command::{decide_command, decide_reset_stats};
pub(crate) use self::deadline::{decide_observed, decide_state};
pub(crate) use self::decision::{public_state, Command, Decision, Effect, Seen, Step};
pub(crate) use self::limits::Limits;
pub(crate) use self::outcome::{decide_outcome, success_is_quiet};
#[cfg(feature = "policies")]
pub(crate) use self::window::{count_success_can_trip, decide_rate_trip, is_slow, window_verdict};

#[cfg(test)]
mod tests;

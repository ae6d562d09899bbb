//! Checks over the transitions a breaker emitted, gathered from several
//! threads in no particular order: the real-thread stress test and the
//! shuttle models judge a run by them.

use totem_core::{Cause, State, Transition};

/// What is wrong with a history of transitions (all zero / true when sound).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Transitions the contract does not allow (no commands are used).
    pub illegal: usize,
    /// Whether the transitions, ordered by date (those of the same
    /// millisecond in any order), form a legal path from CLOSED to the final
    /// state: false if any is dated before the transition it follows.
    pub path_by_date: bool,
    /// OPEN periods shorter than `reset_timeout`: a ResetTimeout with no
    /// opening at least `reset_timeout` before it, or another opening in
    /// between.
    pub short_open: usize,
    /// ResetTimeouts dated later than exactly `reset_timeout` after the
    /// opening they end (the logical time of the deadline).
    pub inexact: usize,
}

impl Verdict {
    /// Whether nothing is wrong.
    pub fn sound(&self) -> bool {
        self.illegal == 0 && self.path_by_date && self.short_open == 0 && self.inexact == 0
    }
}

/// Judges `transitions` (in any order) of a breaker with `reset_ms` that
/// ended in `last`.
///
/// ```
/// use totem_core::{Cause, Instant, State, Transition};
/// let t = |from, to, cause, at| Transition {
///     name: "x", from, to, at: Instant::from_ticks(at), consecutive_failures: 1, cause,
/// };
/// let history = [
///     t(State::Open, State::HalfOpen, Cause::ResetTimeout, 12),
///     t(State::Closed, State::Open, Cause::FailureThreshold, 2),
/// ];
/// assert!(totem_tests::history::judge(&history, 10, State::HalfOpen).sound());
/// ```
pub fn judge(transitions: &[Transition], reset_ms: u32, last: State) -> Verdict {
    let illegal = transitions.iter().filter(|t| !legal(t)).count();
    let mut sorted = transitions.to_vec();
    sorted.sort_by_key(|t| t.at.as_ticks());
    let path_by_date = reachable_after(&sorted).contains(&last);
    let openings: Vec<u32> = sorted
        .iter()
        .filter(|t| t.to == State::Open)
        .map(|t| t.at.as_ticks())
        .collect();
    let (mut short_open, mut inexact) = (0, 0);
    for t in sorted.iter().filter(|t| t.cause == Cause::ResetTimeout) {
        let at = t.at.as_ticks();
        match openings.iter().rev().find(|&&o| o < at) {
            Some(o) if at - o == reset_ms => {}
            Some(o) if at - o > reset_ms => inexact += 1,
            _ => short_open += 1,
        }
    }
    Verdict {
        illegal,
        path_by_date,
        short_open,
        inexact,
    }
}

/// The transitions the contract allows when no command is used.
fn legal(t: &Transition) -> bool {
    matches!(
        (t.from, t.to, t.cause),
        (State::Closed, State::Open, Cause::FailureThreshold)
            | (State::Open, State::HalfOpen, Cause::ResetTimeout)
            | (State::HalfOpen, State::Open, Cause::ProbeFailed)
            | (State::HalfOpen, State::Open, Cause::HalfOpenTimeout)
            | (State::HalfOpen, State::Closed, Cause::ProbesSucceeded)
    )
}

/// The states the breaker can be in after the transitions, sorted by date
/// (those of the same millisecond in any order): empty if no order of them
/// is a legal path from CLOSED.
fn reachable_after(sorted: &[Transition]) -> Vec<State> {
    let mut states = vec![State::Closed];
    for group in sorted.chunk_by(|a, b| a.at == b.at) {
        let mut next = Vec::new();
        for &start in &states {
            ends_of(group, start, &mut vec![false; group.len()], &mut next);
        }
        next.sort_by_key(|s| *s as u8);
        next.dedup();
        states = next;
        if states.is_empty() {
            break;
        }
    }
    states
}

/// Every state in which a path through all of `group` (in some order)
/// starting at `from` can end.
fn ends_of(group: &[Transition], from: State, used: &mut [bool], out: &mut Vec<State>) {
    if used.iter().all(|u| *u) {
        out.push(from);
        return;
    }
    for k in 0..group.len() {
        if !used[k] && group[k].from == from {
            used[k] = true;
            ends_of(group, group[k].to, used, out);
            used[k] = false;
        }
    }
}

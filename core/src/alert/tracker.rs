//! [`AlertTracker`]: which alerts of one instance are active, since when,
//! and the edges (fired, cleared) from one evaluation to the next. Fixed
//! size: one set and one instant per alert.

use super::{Alert, AlertSet};
use crate::clock::Instant;

/// Remembers since when each alert of an instance is active and reports
/// what changed at each update. A firmware keeps one per instance (in a
/// `static` behind its own cell, or in a task); `totem-std`'s `Alerts` keeps
/// one per breaker and retry.
///
/// ```
/// use totem_core::{Alert, AlertChange, AlertSet, AlertTracker, Instant};
/// let mut tracker = AlertTracker::new();
/// let t = Instant::from_ticks;
/// let fired: Vec<_> = tracker.update(t(1_000), AlertSet::EMPTY.with(Alert::RetryRetries)).collect();
/// assert_eq!(fired[0].change, AlertChange::Fired);
/// assert_eq!(tracker.since(Alert::RetryRetries), Some(t(1_000)));
/// // Still active: no edge, and the same since-when.
/// assert_eq!(tracker.update(t(2_000), AlertSet::EMPTY.with(Alert::RetryRetries)).count(), 0);
/// let cleared: Vec<_> = tracker.update(t(3_000), AlertSet::EMPTY).collect();
/// assert_eq!((cleared[0].change, cleared[0].since, cleared[0].at), (AlertChange::Cleared, t(1_000), t(3_000)));
/// assert_eq!(tracker.since(Alert::RetryRetries), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AlertTracker {
    active: AlertSet,
    since: [Instant; 6],
}

/// Whether an alert started or stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum AlertChange {
    /// It became active.
    Fired,
    /// It is no longer active.
    Cleared,
}

/// An alert that fired or cleared at an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AlertEdge {
    /// The alert.
    pub alert: Alert,
    /// Fired or cleared.
    pub change: AlertChange,
    /// When it fired (for a cleared alert, when the episode began).
    pub since: Instant,
    /// The update that saw the change.
    pub at: Instant,
}

/// The edges of one update, in [`Alert::ALL`] order: an iterator over a
/// copy, so the tracker is free again at once.
#[derive(Debug, Clone)]
pub struct AlertEdges {
    fired: AlertSet,
    cleared: AlertSet,
    since: [Instant; 6],
    at: Instant,
    next: usize,
}

impl Iterator for AlertEdges {
    type Item = AlertEdge;

    fn next(&mut self) -> Option<AlertEdge> {
        while self.next < Alert::ALL.len() {
            let alert = Alert::ALL[self.next];
            self.next += 1;
            let change = if self.fired.contains(alert) {
                AlertChange::Fired
            } else if self.cleared.contains(alert) {
                AlertChange::Cleared
            } else {
                continue;
            };
            return Some(AlertEdge {
                alert,
                change,
                since: self.since[alert as usize],
                at: self.at,
            });
        }
        None
    }
}

impl AlertTracker {
    /// Nothing active.
    pub const fn new() -> Self {
        Self {
            active: AlertSet::EMPTY,
            since: [Instant::from_ticks(0); 6],
        }
    }

    /// Records that `active` is what is active at `now`, and returns what
    /// changed since the last update.
    pub fn update(&mut self, now: Instant, active: AlertSet) -> AlertEdges {
        let fired = active.without(self.active);
        let cleared = self.active.without(active);
        for alert in fired.iter() {
            self.since[alert as usize] = now;
        }
        let edges = AlertEdges {
            fired,
            cleared,
            since: self.since,
            at: now,
            next: 0,
        };
        self.active = active;
        edges
    }

    /// The alerts active at the last update.
    pub const fn active(&self) -> AlertSet {
        self.active
    }

    /// Since when `alert` has been active, if it is.
    pub const fn since(&self, alert: Alert) -> Option<Instant> {
        if self.active.contains(alert) {
            Some(self.since[alert as usize])
        } else {
            None
        }
    }
}

impl Default for AlertTracker {
    fn default() -> Self {
        Self::new()
    }
}

//! Alerts: the spec's six rules as pure functions over snapshots, so a
//! firmware can raise them as well as Prometheus.
//!
//! - [`BreakerAlerts`], [`RetryAlerts`]: the thresholds (the spec's
//!   defaults, each configurable and validated), the rules as `const fn`s
//!   over an earlier and a later snapshot, and [`check`](BreakerAlerts::check),
//!   which finds a rule that under its instance's configuration can never
//!   fire or fires on every call.
//! - [`Sample`]: a snapshot and when it was taken; `evaluate` picks each
//!   rule's window from a history of them.
//! - [`AlertTracker`]: since when each alert is active, and the edges.
//!
//! Rates are judged from counter increases over the rule's window (what
//! `increase()` does in Prometheus), and need a minimum number of calls in
//! it, or one failed call would be an alert.
//!
//! ```
//! use totem_core::{validated, Alert, AlertTracker, BreakerAlerts, BreakerConfig, CircuitBreaker};
//! use totem_core::{Clock, Duration, ManualClock, Sample};
//!
//! let clock = ManualClock::new();
//! let db = CircuitBreaker::new(validated!(BreakerConfig::new("db").failure_threshold(3)), &clock);
//! let rules = validated!(BreakerAlerts::new());
//! let mut history = Vec::new();
//! let mut tracker = AlertTracker::new();
//! for minute in 0..9 {
//!     let _ = db.call(|| Err::<(), _>("down")); // opens at minute 2; every probe fails
//!     let now = Sample::new(clock.now(), db.snapshot());
//!     let active = rules.get().evaluate(&history, &now);
//!     for edge in tracker.update(now.at, active) {
//!         println!("minute {minute}: {} {} {:?}", now.snapshot.name, edge.alert, edge.change);
//!     }
//!     history.push(now);
//!     clock.advance(Duration::from_secs(60));
//! }
//! assert!(tracker.active().contains(Alert::BreakerNotClosed));
//! ```

mod breaker;
mod error;
mod kind;
mod retry;
mod sample;
mod tracker;
mod warning;

pub use self::breaker::BreakerAlerts;
pub use self::error::AlertConfigError;
pub use self::kind::{Alert, AlertSet, Severity};
pub use self::retry::RetryAlerts;
pub use self::sample::Sample;
pub use self::tracker::{AlertChange, AlertEdge, AlertEdges, AlertTracker};
pub use self::warning::{Problem, RuleWarning};

//! Shared helpers for Totem's behaviour tests, the sequential reference
//! model ([`model`]) that proptest (`tests/model_proptest.rs`) and the fuzz
//! targets (`fuzz/`) check the real breaker against, and the checks over a
//! concurrent run's transitions ([`history`]).

use std::sync::Mutex;

pub mod history;
pub mod model;
pub use model::{Model, ModelConfig, Op};

use totem_core::Event;

/// An observer that records every event, for tests.
///
/// ```
/// use totem_core::{Event, Observer, Rejected, State};
/// use totem_tests::Recorder;
/// let r = Recorder::default();
/// r.on_event(&Event::Rejected(Rejected { name: "x", state: State::Open, retry_after: None }));
/// assert_eq!(r.events().len(), 1);
/// ```
#[derive(Debug, Default)]
pub struct Recorder {
    events: Mutex<Vec<Event>>,
}

impl Recorder {
    /// Every event so far, in order.
    pub fn events(&self) -> Vec<Event> {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Only the state changes, as `(from, to, at_ms, cause)`.
    pub fn transitions(&self) -> Vec<totem_core::Transition> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                Event::Transition(t) => Some(t),
                _ => None,
            })
            .collect()
    }
}

impl totem_core::Observer for Recorder {
    fn on_event(&self, event: &Event) {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(*event);
    }
}

//! What a replay's transitions mean to someone tuning thresholds: trips,
//! reopens, false trips, flapping, and the state over time.

use totem_core::State;

use super::simulate::Run;

/// When trips count as flapping (the spec's "oscilação de estado"): at
/// least `trips` trips within `window_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flapping {
    /// Trips that make a flap, at least 2.
    pub trips: usize,
    /// The window they fall in, in milliseconds.
    pub window_ms: u64,
}

/// A trip and what followed it, until the breaker closed again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Episode {
    /// When the breaker opened from CLOSED.
    pub tripped_at: u64,
    /// Why (the transition's cause).
    pub cause: &'static str,
    /// When it closed again, if it did before the replay ended.
    pub closed_at: Option<u64>,
    /// Failed half-open episodes before it closed (HALF_OPEN -> OPEN).
    pub reopens: usize,
    /// Attempts the breaker refused meanwhile.
    pub rejected: usize,
    /// The first half-open episode closed it: the dependency was healthy
    /// at the first probe.
    pub false_trip: bool,
    /// The trip is part of a flap.
    pub flapping: bool,
}

/// The state between two times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// From (included), milliseconds since the start of the log.
    pub from: u64,
    /// To (excluded).
    pub to: u64,
    /// The breaker's state meanwhile.
    pub state: State,
}

/// The reading of one replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    /// Every trip, in time order, with what followed it.
    pub episodes: Vec<Episode>,
    /// HALF_OPEN -> OPEN transitions.
    pub reopens: usize,
    /// Runs of flapping trips (consecutive trips that are all part of a
    /// flap make one episode).
    pub flapping_episodes: usize,
    /// The breaker's state from the start to the end of the replay.
    pub spans: Vec<Span>,
}

impl Analysis {
    /// CLOSED -> OPEN transitions.
    pub fn trips(&self) -> usize {
        self.episodes.len()
    }

    /// Trips whose first half-open episode closed the breaker.
    pub fn false_trips(&self) -> usize {
        self.episodes.iter().filter(|e| e.false_trip).count()
    }
}

fn is_trip(from: State, to: State) -> bool {
    from == State::Closed && to == State::Open
}

/// Reads `run`.
pub fn analyse(run: &Run, flapping: Flapping) -> Analysis {
    let mut episodes: Vec<Episode> = Vec::new();
    let mut reopens = 0;
    for (i, &(at, t)) in run.transitions.iter().enumerate() {
        if is_trip(t.from, t.to) {
            let end = run.transitions[i + 1..]
                .iter()
                .find(|(_, n)| n.to == State::Closed);
            let closed_at = end.map(|(at, _)| *at);
            let until = closed_at.unwrap_or(u64::MAX);
            let episode_reopens = run.transitions[i + 1..]
                .iter()
                .take_while(|(at, _)| *at < until)
                .filter(|(_, n)| n.from == State::HalfOpen && n.to == State::Open)
                .count();
            episodes.push(Episode {
                tripped_at: at,
                cause: t.cause.as_str(),
                closed_at,
                reopens: episode_reopens,
                rejected: run
                    .rejections
                    .iter()
                    .filter(|r| (at..until).contains(r))
                    .count(),
                false_trip: closed_at.is_some() && episode_reopens == 0,
                flapping: false,
            });
        } else if t.from == State::HalfOpen && t.to == State::Open {
            reopens += 1;
        }
    }
    let flapping_episodes = mark_flapping(&mut episodes, flapping);
    Analysis {
        episodes,
        reopens,
        flapping_episodes,
        spans: spans(run),
    }
}

/// Marks every trip that has `trips - 1` others within the window ending
/// at it, together with them; returns the number of runs of marked trips.
fn mark_flapping(episodes: &mut [Episode], flapping: Flapping) -> usize {
    let n = flapping.trips.max(2);
    for last in n - 1..episodes.len() {
        let first = last + 1 - n;
        if episodes[last].tripped_at - episodes[first].tripped_at <= flapping.window_ms {
            for e in &mut episodes[first..=last] {
                e.flapping = true;
            }
        }
    }
    let mut runs = 0;
    let mut previous = false;
    for e in episodes.iter() {
        if e.flapping && !previous {
            runs += 1;
        }
        previous = e.flapping;
    }
    runs
}

/// The state over `0..run.end_ms`, from the transitions.
fn spans(run: &Run) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut from = 0;
    let mut state = State::Closed;
    for &(at, t) in &run.transitions {
        if at > from {
            spans.push(Span {
                from,
                to: at,
                state,
            });
        }
        from = from.max(at);
        state = t.to;
    }
    spans.push(Span {
        from,
        to: run.end_ms.max(from),
        state,
    });
    spans
}

/// How bad a state is to a caller, for a column that spans several: open
/// shows over half-open, half-open over closed.
fn severity(state: State) -> u8 {
    match state {
        State::Closed | State::Disabled => 0,
        State::HalfOpen => 1,
        State::Open | State::ForcedOpen => 2,
    }
}

/// One character per column of `bucket_ms`: the worst state in it.
pub fn state_strip(spans: &[Span], columns: usize, bucket_ms: u64) -> String {
    (0..columns as u64)
        .map(|c| {
            let (start, end) = (
                c.saturating_mul(bucket_ms),
                (c + 1).saturating_mul(bucket_ms),
            );
            let worst = spans
                .iter()
                .filter(|s| s.from < end && s.to > start)
                .map(|s| s.state)
                .max_by_key(|s| severity(*s));
            match worst {
                None | Some(State::Closed) => '.',
                Some(State::HalfOpen) => 'h',
                Some(State::Open) => 'O',
                Some(State::ForcedOpen) => 'F',
                Some(State::Disabled) => 'd',
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use totem_core::{Cause, Instant, Transition};

    use super::*;
    use crate::replay::simulate::Run;

    fn run(transitions: &[(u64, Cause)], rejections: &[u64], end_ms: u64) -> Run {
        let mut state = State::Closed;
        Run {
            endings: Vec::new(),
            transitions: transitions
                .iter()
                .map(|&(at, cause)| {
                    let t = Transition {
                        name: "b",
                        from: state,
                        to: cause.to(),
                        at: Instant::from_ticks(at as u32),
                        consecutive_failures: 0,
                        cause,
                    };
                    state = t.to;
                    (at, t)
                })
                .collect(),
            rejections: rejections.to_vec(),
            end_ms,
            service_attempts: 0,
            breaker: None,
            retry: None,
        }
    }

    const FLAP: Flapping = Flapping {
        trips: 3,
        window_ms: 1_000,
    };

    use Cause::*;

    #[test]
    fn a_trip_closed_by_its_first_probe_is_a_false_trip() {
        let r = run(
            &[
                (10, FailureThreshold),
                (20, ResetTimeout),
                (21, ProbesSucceeded),
                (100, FailureThreshold),
                (110, ResetTimeout),
                (111, ProbeFailed),
                (121, ResetTimeout),
                (122, ProbesSucceeded),
            ],
            &[15, 105, 115, 200],
            300,
        );
        let a = analyse(&r, FLAP);
        assert_eq!((a.trips(), a.false_trips(), a.reopens), (2, 1, 1));
        assert_eq!(a.episodes[0].closed_at, Some(21));
        assert_eq!(a.episodes[0].rejected, 1);
        assert_eq!((a.episodes[1].reopens, a.episodes[1].rejected), (1, 2));
        assert!(!a.episodes[1].false_trip);
    }

    #[test]
    fn a_trip_still_open_at_the_end_is_not_a_false_trip() {
        let a = analyse(&run(&[(10, FailureThreshold)], &[11, 12], 50), FLAP);
        assert_eq!(a.episodes[0].closed_at, None);
        assert!(!a.episodes[0].false_trip);
        assert_eq!(a.episodes[0].rejected, 2);
    }

    #[test]
    fn three_trips_within_the_window_flap() {
        let mut transitions = Vec::new();
        // Trips at 0, 400, 800 (a flap), then 5000 alone, then 9000, 9500,
        // 9900 (another).
        for at in [0, 400, 800, 5_000, 9_000, 9_500, 9_900] {
            transitions.extend([
                (at, FailureThreshold),
                (at + 10, ResetTimeout),
                (at + 11, ProbesSucceeded),
            ]);
        }
        let a = analyse(&run(&transitions, &[], 10_000), FLAP);
        let flaps: Vec<_> = a.episodes.iter().map(|e| e.flapping).collect();
        assert_eq!(flaps, [true, true, true, false, true, true, true]);
        assert_eq!(a.flapping_episodes, 2);
    }

    #[test]
    fn two_trips_do_not_flap_when_three_are_needed() {
        let a = analyse(
            &run(
                &[
                    (0, FailureThreshold),
                    (5, ResetTimeout),
                    (6, ProbesSucceeded),
                    (7, FailureThreshold),
                ],
                &[],
                10,
            ),
            FLAP,
        );
        assert_eq!(a.flapping_episodes, 0);
    }

    #[test]
    fn the_strip_shows_the_worst_state_of_each_column() {
        let r = run(
            &[
                (150, FailureThreshold),
                (420, ResetTimeout),
                (430, ProbesSucceeded),
            ],
            &[],
            600,
        );
        let a = analyse(&r, FLAP);
        assert_eq!(state_strip(&a.spans, 6, 100), ".OOOO.");
        let r = run(&[(450, FailureThreshold), (500, ResetTimeout)], &[], 600);
        assert_eq!(state_strip(&analyse(&r, FLAP).spans, 6, 100), "....Oh");
    }
}

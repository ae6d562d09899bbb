//! The tracing observer: levels and fields of each event, and rejections
//! rate-limited to one line per interval however many calls are turned away.
#![cfg(feature = "tracing")]

use std::io::Write;
use std::sync::{Arc, Mutex};

use totem_core::{BreakerConfig, CircuitBreaker, Duration, ManualClock, Retry, RetryConfig};
use totem_std::TracingObserver;

/// Everything the subscriber writes, as text.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn lines(&self) -> Vec<String> {
        String::from_utf8(self.0.lock().unwrap().clone())
            .unwrap()
            .lines()
            .map(|l| l.trim_start().to_owned())
            .collect()
    }
}

fn capture(f: impl FnOnce()) -> Vec<String> {
    let out = Captured::default();
    let writer = out.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .finish();
    tracing::subscriber::with_default(subscriber, f);
    out.lines()
}

#[test]
fn opening_warns_and_recovery_informs_with_the_context() {
    let clock: &'static ManualClock = Box::leak(Box::new(ManualClock::new()));
    let lines = capture(|| {
        let b = CircuitBreaker::try_new(
            BreakerConfig::new("payments")
                .failure_threshold(2)
                .reset_timeout(Duration::from_secs(1)),
            clock,
        )
        .unwrap()
        .with_observer(TracingObserver::with_clock(Duration::from_secs(1), clock));
        let _ = b.call(|| Err::<(), _>(()));
        let _ = b.call(|| Err::<(), _>(()));
        clock.advance(Duration::from_secs(1));
        let _ = b.call(|| Ok::<_, ()>(()));
    });
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(
        lines[0].starts_with("WARN circuit breaker opened"),
        "{}",
        lines[0]
    );
    for field in [
        "name=\"payments\"",
        "from=\"closed\"",
        "to=\"open\"",
        "cause=\"failure_threshold\"",
        "consecutive_failures=2",
        "at_ms=0",
    ] {
        assert!(lines[0].contains(field), "{field} missing in {}", lines[0]);
    }
    assert!(
        lines[1].starts_with("INFO circuit breaker half-open"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("at_ms=1000"), "{}", lines[1]);
    assert!(
        lines[2].starts_with("INFO circuit breaker closed"),
        "{}",
        lines[2]
    );
    assert!(
        lines[2].contains("cause=\"probes_succeeded\""),
        "{}",
        lines[2]
    );
}

#[test]
fn ten_thousand_rejections_make_one_line_per_interval() {
    let clock: &'static ManualClock = Box::leak(Box::new(ManualClock::new()));
    let lines = capture(|| {
        let b = CircuitBreaker::try_new(
            BreakerConfig::new("search")
                .failure_threshold(1)
                .reset_timeout(Duration::from_secs(60)),
            clock,
        )
        .unwrap()
        .with_observer(TracingObserver::with_clock(Duration::from_secs(1), clock));
        let _ = b.call(|| Err::<(), _>(()));
        for _ in 0..10_000 {
            assert!(b.call(|| Ok::<_, ()>(())).is_err());
        }
        clock.advance(Duration::from_secs(1));
        let _ = b.call(|| Ok::<_, ()>(()));
    });
    let rejected: Vec<_> = lines
        .iter()
        .filter(|l| l.contains("calls rejected"))
        .collect();
    assert_eq!(rejected.len(), 2, "{lines:#?}");
    assert!(rejected[0].contains("rejected=1 "), "{}", rejected[0]);
    assert!(
        rejected[0].contains("retry_after_ms=60000"),
        "{}",
        rejected[0]
    );
    // The second line, an interval later, accounts for the calls in between.
    assert!(rejected[1].contains("rejected=10000 "), "{}", rejected[1]);
    assert!(
        rejected[1].contains("retry_after_ms=59000"),
        "{}",
        rejected[1]
    );
}

#[test]
fn retries_and_give_ups() {
    let clock = ManualClock::new();
    let lines = capture(|| {
        let r = Retry::try_new(RetryConfig::new("notify").max_attempts(2), &clock, 1)
            .unwrap()
            .with_observer(TracingObserver::new());
        let _ = r.call(&clock, || Err::<(), _>("busy"));
    });
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(lines[0].starts_with("INFO retrying"), "{}", lines[0]);
    for field in [
        "name=\"notify\"",
        "attempt=1",
        "delay_ms=1000",
        "error_class=0",
    ] {
        assert!(lines[0].contains(field), "{field} missing in {}", lines[0]);
    }
    assert!(lines[1].starts_with("WARN retry gave up"), "{}", lines[1]);
    assert!(lines[1].contains("attempts=2") && lines[1].contains("reason=\"exhausted\""));
}

#[test]
fn a_give_up_on_a_rejection_is_no_warning() {
    let clock = ManualClock::new();
    let lines = capture(|| {
        let b =
            CircuitBreaker::try_new(BreakerConfig::new("db").failure_threshold(1), &clock).unwrap();
        let r = Retry::try_new(RetryConfig::new("db"), &clock, 1)
            .unwrap()
            .with_observer(TracingObserver::new());
        b.force_open();
        for _ in 0..100 {
            let _ = r.call_through(&b, &clock, || Ok::<_, ()>(()));
        }
    });
    assert!(
        lines.iter().all(|l| !l.starts_with("WARN")),
        "one warning per rejected call: {lines:#?}"
    );
}

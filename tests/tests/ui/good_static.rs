use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock, Retry, RetryConfig};

static CLOCK: ManualClock = ManualClock::new();
static BREAKER: CircuitBreaker<&ManualClock> =
    CircuitBreaker::new(validated!(BreakerConfig::new("ok").failure_threshold(3)), &CLOCK);
static RETRY: Retry<&ManualClock> = Retry::new(validated!(RetryConfig::new("ok")), &CLOCK, 1);

fn main() {
    assert!(BREAKER.try_acquire().is_ok());
    assert_eq!(RETRY.config().max_attempts, 3);
}

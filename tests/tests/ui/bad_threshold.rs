use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock};

static CLOCK: ManualClock = ManualClock::new();
static BREAKER: CircuitBreaker<&ManualClock> =
    CircuitBreaker::new(validated!(BreakerConfig::new("bad").failure_threshold(0)), &CLOCK);

fn main() {
    let _ = BREAKER.state();
}

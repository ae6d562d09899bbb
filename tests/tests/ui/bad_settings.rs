use totem_core::{settings, BreakerConfig, BreakerSettings, CircuitBreaker, ManualClock, NoObserver};

settings! {
    Bad: BreakerSettings = BreakerConfig::new("bad").half_open_permits(0);
}

static CLOCK: ManualClock = ManualClock::new();
static BREAKER: CircuitBreaker<&ManualClock, NoObserver, Bad> =
    CircuitBreaker::from_settings(Bad, &CLOCK, NoObserver);

fn main() {
    let _ = BREAKER.state();
}

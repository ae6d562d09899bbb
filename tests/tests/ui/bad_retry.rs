use totem_core::{validated, ManualClock, Retry, RetryConfig};

static CLOCK: ManualClock = ManualClock::new();
static RETRY: Retry<&ManualClock> = Retry::new(validated!(RetryConfig::new("bad").max_attempts(0)), &CLOCK, 1);

fn main() {
    let _ = RETRY.config();
}

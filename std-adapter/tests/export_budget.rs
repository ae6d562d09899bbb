//! `retry_budget_denied_total`: the calls a shared retry budget refused a
//! retry, per retry, with its HELP; 0 for a retry without a budget.
#![cfg(feature = "prometheus")]

use totem_core::{ManualClock, Retry, RetryBudget, RetryBudgetConfig, RetryConfig};
use totem_std::Exporter;

#[test]
fn refusals_are_counted_per_retry_with_their_help() {
    let clock: &'static ManualClock = Box::leak(Box::new(ManualClock::new()));
    let budget: &'static RetryBudget = Box::leak(Box::new(
        RetryBudget::try_new(
            RetryBudgetConfig::new()
                .retry_percent(1)
                .min_per_second(1)
                .max_retries(1),
        )
        .unwrap(),
    ));
    let with: &'static Retry<&ManualClock> = Box::leak(Box::new(
        Retry::try_new(RetryConfig::new("with"), clock, 1)
            .unwrap()
            .with_budget(budget),
    ));
    let without: &'static Retry<&ManualClock> = Box::leak(Box::new(
        Retry::try_new(RetryConfig::new("without"), clock, 1).unwrap(),
    ));
    // The floor's one retry, then two refusals.
    for _ in 0..2 {
        let _ = with.call(&|_| {}, || Err::<(), _>("down"));
    }
    let _ = without.call(&|_| {}, || Err::<(), _>("down"));
    let exporter = Exporter::new().retry(with).unwrap().retry(without).unwrap();
    let text = exporter.encode();
    assert!(text.contains(
        "# HELP retry_budget_denied_total Retried calls that gave up because their shared retry budget held no retry (always 0 without a budget); counted in retry_calls_total{result=\"failure\"} too.\n\
         # TYPE retry_budget_denied_total counter\n\
         retry_budget_denied_total{name=\"with\"} 2\n\
         retry_budget_denied_total{name=\"without\"} 0\n"
    ), "{text}");
    assert!(text.contains("retry_calls_total{name=\"with\",result=\"failure\"} 2\n"));
}

//! Retry budgets in configuration files: `[budget.<name>]` tables, named by
//! the retries that draw on them; one budget per table, shared; the core's
//! rules, with the file, line, instance and field.
#![cfg(feature = "config")]

use totem_core::{GiveUp, NoObserver, RetryBudgetConfig};
use totem_std::{ConfigErrorKind, ConfigFile, ConfigFileError, DefaultClock, Registry};

fn load(text: &str) -> Result<Registry, ConfigFileError> {
    Registry::from_toml_str(text, "totem.toml", DefaultClock::default(), NoObserver)
}

fn error(text: &str) -> ConfigFileError {
    match ConfigFile::from_toml_str(text, "totem.toml") {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e,
    }
}

#[test]
fn every_budget_key_maps_onto_the_core_config() {
    let text = "version = 1\n\
                [budget.db]\n\
                retry_percent = 5\n\
                min_per_second = 2\n\
                max_retries = 40\n\
                [budget.defaults]\n\
                [retry.query]\n\
                budget = \"db\"\n";
    let file = ConfigFile::from_toml_str(text, "totem.toml").unwrap();
    assert_eq!(
        *file.budget("db").unwrap(),
        RetryBudgetConfig::new()
            .retry_percent(5)
            .min_per_second(2)
            .max_retries(40)
    );
    assert_eq!(*file.budget("defaults").unwrap(), RetryBudgetConfig::new());
    assert_eq!(file.budget_names().collect::<Vec<_>>(), ["db", "defaults"]);
    assert_eq!(file.retry_budget("query"), Some("db"));
}

#[test]
fn retries_naming_one_budget_share_it() {
    let registry = load(
        "version = 1\n\
         [budget.db]\n\
         retry_percent = 1\n\
         min_per_second = 1\n\
         max_retries = 1\n\
         [retry.read]\n\
         initial_delay = \"1ms\"\n\
         budget = \"db\"\n\
         [retry.write]\n\
         initial_delay = \"1ms\"\n\
         budget = \"db\"\n\
         [retry.free]\n\
         initial_delay = \"1ms\"\n",
    )
    .unwrap();
    let (read, write, free) = (
        registry.retry("read").unwrap(),
        registry.retry("write").unwrap(),
        registry.retry("free").unwrap(),
    );
    assert!(std::ptr::eq(
        read.budget().unwrap(),
        registry.budget("db").unwrap()
    ));
    assert!(free.budget().is_none());
    // The budget's one retry goes to `read`; `write` finds none left.
    let err = read.call(&|_| {}, || Err::<(), _>("down")).unwrap_err();
    assert_eq!((err.attempts, err.reason), (2, GiveUp::BudgetExhausted));
    let err = write.call(&|_| {}, || Err::<(), _>("down")).unwrap_err();
    assert_eq!((err.attempts, err.reason), (1, GiveUp::BudgetExhausted));
    let err = free.call(&|_| {}, || Err::<(), _>("down")).unwrap_err();
    assert_eq!((err.attempts, err.reason), (3, GiveUp::Exhausted));
}

#[test]
fn a_budget_no_table_defines_is_an_error_at_its_name() {
    let e = error("version = 1\n[retry.query]\nbudget = \"dbb\"\n[budget.db]\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:3:10: retry.query.budget: no retry budget named \"dbb\": `budget` names a [budget.<name>] table of the same file"
    );
    assert!(matches!(e.kind(), ConfigErrorKind::UnknownBudget(n) if n == "dbb"));
}

#[test]
fn the_cores_rules_name_the_budget_and_its_field() {
    let cases = [
        (
            "version = 1\n[budget.db]\nretry_percent = 101\n",
            "totem.toml:3:1: budget.db.retry_percent: RetryBudgetConfig.retry_percent must be at most 100",
        ),
        (
            "version = 1\n[budget.db]\nmax_retries = 1001\n",
            "totem.toml:3:1: budget.db.max_retries: RetryBudgetConfig.max_retries must be at most 1000 (MAX_BUDGET_RETRIES)",
        ),
        (
            "version = 1\n[budget.db]\nmin_per_second = 11\nmax_retries = 10\n",
            "totem.toml:3:1: budget.db.min_per_second: RetryBudgetConfig.min_per_second must not exceed max_retries",
        ),
        (
            // The default max_retries (100) is the other half of the rule.
            "version = 1\n[budget.db]\nmin_per_second = 101\n",
            "totem.toml:3:1: budget.db.min_per_second: RetryBudgetConfig.min_per_second must not exceed max_retries",
        ),
    ];
    for (text, message) in cases {
        assert_eq!(error(text).to_string(), message, "{text}");
    }
}

#[test]
fn budget_tables_refuse_unknown_keys_and_wrong_types() {
    let e = error("version = 1\n[budget.db]\nretry_ratio = 0.2\n");
    assert!(
        e.to_string().starts_with(
            "totem.toml:3:1: budget.db.retry_ratio: unknown field `retry_ratio`, expected one of"
        ),
        "{e}"
    );
    let e = error("version = 1\n[retry.r]\nbudget = 3\n");
    assert_eq!(
        e.to_string(),
        "totem.toml:3:10: retry.r.budget: invalid type: integer `3`, expected a string"
    );
    let e = error("version = 1\nbudget = 3\n");
    assert!(e.to_string().contains("`budget` holds named tables"), "{e}");
}

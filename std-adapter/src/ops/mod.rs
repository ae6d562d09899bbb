//! What an operator runs beside a service (feature `ops`), all generated
//! from one configuration file: Prometheus alerting rules for the spec's
//! six alerts, a `prometheus.yml` that scrapes and evaluates them often
//! enough and keeps the spec's 15 days of metrics, and a Grafana dashboard.
//! The `totem` tool prints them; a deployment script or a test can call
//! them directly.

mod alerting_rules;
mod dashboard;
mod prometheus_config;
mod units;

pub use self::alerting_rules::{alerting_rules, rule_warnings};
pub use self::dashboard::{dashboard_queries, grafana_dashboard, PanelQuery};
pub use self::prometheus_config::{
    prometheus_config, retention_flag, scrape_interval, METRICS_RETENTION,
};
pub use self::units::format_duration;

//! A Grafana dashboard for the instances of a configuration file, with the
//! spec's panels, querying only the series the exporter writes
//! (`METRICS.md`).

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::ConfigFile;

/// A Grafana dashboard (JSON, to import) for the instances of `file`:
/// what `totem dashboard` writes. Breaker panels show the state over time,
/// the success rate, calls by result, failures and the time in each state;
/// retry panels show attempts and retries per minute, the success rate,
/// the average delay and errors by class. It asks for a Prometheus data
/// source (the `datasource` variable) and has a `name` variable whose
/// values are the file's instance names; every query selects
/// `name=~"$name"`. The uid is made from `title`.
///
/// ```
/// let file = totem_std::ConfigFile::from_toml_str("version = 1\n[breaker.db]\n", "totem.toml")?;
/// let json = totem_std::grafana_dashboard(&file, "Payments");
/// assert!(json.contains(r#""uid": "payments""#));
/// # Ok::<(), totem_std::ConfigFileError>(())
/// ```
pub fn grafana_dashboard(file: &ConfigFile, title: &str) -> String {
    format!("{:#}\n", dashboard(file, title))
}

/// One query of a panel of the [`grafana_dashboard`], with Grafana's
/// variables left in: `$name` (a regex of instance names),
/// `$__rate_interval` and `$__range` (durations such as `1m`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PanelQuery {
    /// The panel's title.
    pub panel: &'static str,
    /// The PromQL.
    pub expr: String,
}

/// Every query of every panel of the [`grafana_dashboard`], in the order
/// of the panels (what `totem dashboard --queries` prints). Run with the
/// variables filled in, each returns series once Prometheus has scraped a
/// few samples of the exporter's `/metrics`.
///
/// ```
/// let queries = totem_std::dashboard_queries();
/// assert!(queries.iter().all(|q| q.expr.contains(r#"name=~"$name""#)));
/// ```
pub fn dashboard_queries() -> Vec<PanelQuery> {
    panels()
        .into_iter()
        .flat_map(|p| {
            p.targets.into_iter().map(move |t| PanelQuery {
                panel: p.title,
                expr: t.expr,
            })
        })
        .collect()
}

/// The instances' selector in every query.
const NAME: &str = r#"name=~"$name""#;

/// One query of a panel.
struct Target {
    expr: String,
    legend: &'static str,
    /// One value over the dashboard's range rather than a series.
    instant: bool,
}

/// A panel: its title, Grafana type, what it shows and where.
struct Panel {
    title: &'static str,
    kind: &'static str,
    description: &'static str,
    unit: &'static str,
    targets: Vec<Target>,
    /// Grafana's `fieldConfig.defaults` beyond the unit (thresholds,
    /// mappings, bounds).
    defaults: Value,
    options: Value,
    /// Width and height in grid units (24 across).
    size: (u32, u32),
}

fn series(expr: String, legend: &'static str) -> Target {
    Target {
        expr,
        legend,
        instant: false,
    }
}

fn instant(expr: String, legend: &'static str) -> Target {
    Target {
        expr,
        legend,
        instant: true,
    }
}

/// Thresholds that turn red below `limit` (a rate) or above it.
fn thresholds(limit: f64, below_is_bad: bool) -> Value {
    let (first, second) = if below_is_bad {
        ("red", "green")
    } else {
        ("green", "red")
    };
    json!({
        "mode": "absolute",
        "steps": [{ "color": first, "value": null }, { "color": second, "value": limit }],
    })
}

/// Draws the thresholds as a dashed line on a time series.
fn threshold_line() -> Value {
    json!({ "thresholdsStyle": { "mode": "dashed" } })
}

/// The breaker's states as `circuit_breaker_state` labels them, with the
/// value the state panel gives each (`State as u8`) and a colour.
const STATES: [(&str, u8, &str, &str); 5] = [
    ("closed", 0, "CLOSED", "green"),
    ("open", 1, "OPEN", "red"),
    ("half_open", 2, "HALF_OPEN", "yellow"),
    ("forced_open", 3, "FORCED_OPEN", "purple"),
    ("disabled", 4, "DISABLED", "text"),
];

/// The panels in order, breakers first. Breaker panels are the spec's
/// (state, success rate, failures, time in each state) and calls by result;
/// retry panels are the spec's (attempts per minute, success rate, average
/// delay, error distribution).
fn panels() -> Vec<Panel> {
    // Each state's 0/1 series times its number, folded into one value per
    // breaker: only the current state's series is 1.
    let state = STATES
        .iter()
        .map(|(label, value, _, _)| {
            format!(r#"circuit_breaker_state{{{NAME},state="{label}"}} * {value}"#)
        })
        .collect::<Vec<_>>()
        .join(" or ");
    let mappings: serde_json::Map<String, Value> = STATES
        .iter()
        .map(|(_, value, text, color)| {
            (
                value.to_string(),
                json!({ "text": text, "color": color, "index": value }),
            )
        })
        .collect();
    vec![
        Panel {
            title: "Breaker state",
            kind: "state-timeline",
            description: "Each breaker's state over time, from circuit_breaker_state (one 0/1 series per state, folded into one value: 0 closed, 1 open, 2 half-open, 3 forced open, 4 disabled). A state shorter than the scrape interval can fall between two scrapes; circuit_breaker_transitions_total still counts it.",
            unit: "none",
            targets: vec![series(format!("max by (name) ({state})"), "{{name}}")],
            defaults: json!({ "mappings": [{ "type": "value", "options": mappings }] }),
            options: json!({ "showValue": "never", "mergeValues": true }),
            size: (24, 6),
        },
        Panel {
            title: "Breaker success rate",
            kind: "timeseries",
            description: "Successes over successes plus failures, from the rate of circuit_breaker_calls_total over each interval (not the circuit_breaker_success_rate gauge, which counts since the breaker's last reset). Ignored and rejected calls count in neither. Red below 80 %, the spec's alert.",
            unit: "percentunit",
            targets: vec![series(
                format!(
                    r#"sum by (name) (rate(circuit_breaker_calls_total{{{NAME},result="success"}}[$__rate_interval])) / sum by (name) (rate(circuit_breaker_calls_total{{{NAME},result=~"success|failure"}}[$__rate_interval]))"#
                ),
                "{{name}}",
            )],
            defaults: json!({ "min": 0, "max": 1, "thresholds": thresholds(0.8, true), "custom": threshold_line() }),
            options: json!({}),
            size: (12, 8),
        },
        Panel {
            title: "Breaker calls by result",
            kind: "timeseries",
            description: "Calls per second by result (success, failure, ignored, rejected), from circuit_breaker_calls_total. Rejected calls did not reach the dependency.",
            unit: "reqps",
            targets: vec![series(
                format!(r#"sum by (name, result) (rate(circuit_breaker_calls_total{{{NAME}}}[$__rate_interval]))"#),
                "{{name}} {{result}}",
            )],
            defaults: json!({ "min": 0 }),
            options: json!({}),
            size: (12, 8),
        },
        Panel {
            title: "Breaker failures",
            kind: "stat",
            description: "Failures recorded in the dashboard's time range: the increase of circuit_breaker_failures_total (a counter, so a restart does not lose them).",
            unit: "short",
            targets: vec![instant(
                format!(r#"sum by (name) (increase(circuit_breaker_failures_total{{{NAME}}}[$__range]))"#),
                "{{name}}",
            )],
            defaults: json!({ "decimals": 0 }),
            options: json!({ "graphMode": "none", "reduceOptions": { "calcs": ["lastNotNull"] } }),
            size: (8, 6),
        },
        Panel {
            title: "Breaker time in each state",
            kind: "bargauge",
            description: "Time each breaker spent in each state during the dashboard's time range: the increase of circuit_breaker_time_in_state_seconds_total.",
            unit: "s",
            targets: vec![instant(
                format!(r#"sum by (name, state) (increase(circuit_breaker_time_in_state_seconds_total{{{NAME}}}[$__range]))"#),
                "{{name}} {{state}}",
            )],
            defaults: json!({ "min": 0 }),
            options: json!({ "orientation": "horizontal", "displayMode": "basic", "reduceOptions": { "calcs": ["lastNotNull"] } }),
            size: (16, 6),
        },
        Panel {
            title: "Retry attempts per minute",
            kind: "timeseries",
            description: "Attempts (the first call included) and retries (attempts after the first) per minute, from retry_attempts_total and retry_retries_total. Red above 5 retries a minute, the spec's alert.",
            unit: "short",
            targets: vec![
                series(
                    format!(r#"sum by (name) (rate(retry_attempts_total{{{NAME}}}[$__rate_interval])) * 60"#),
                    "{{name}} attempts",
                ),
                series(
                    format!(r#"sum by (name) (rate(retry_retries_total{{{NAME}}}[$__rate_interval])) * 60"#),
                    "{{name}} retries",
                ),
            ],
            defaults: json!({ "min": 0, "thresholds": thresholds(5.0, false), "custom": threshold_line() }),
            options: json!({}),
            size: (12, 8),
        },
        Panel {
            title: "Retry success rate",
            kind: "timeseries",
            description: "Retried calls that ended in success over the calls that ended, from the rates of retry_success_total and retry_calls_total over each interval. Calls still running count in neither. Red below 50 %, the spec's alert.",
            unit: "percentunit",
            targets: vec![series(
                format!(
                    r#"sum by (name) (rate(retry_success_total{{{NAME}}}[$__rate_interval])) / sum by (name) (rate(retry_calls_total{{{NAME}}}[$__rate_interval]))"#
                ),
                "{{name}}",
            )],
            defaults: json!({ "min": 0, "max": 1, "thresholds": thresholds(0.5, true), "custom": threshold_line() }),
            options: json!({}),
            size: (12, 8),
        },
        Panel {
            title: "Retry average delay",
            kind: "timeseries",
            description: "The mean delay slept before a retry in each interval: the rate of retry_delay_seconds_sum over the rate of retry_delay_seconds_count. Red above 30 s, the spec's alert.",
            unit: "s",
            targets: vec![series(
                format!(
                    r#"sum by (name) (rate(retry_delay_seconds_sum{{{NAME}}}[$__rate_interval])) / sum by (name) (rate(retry_delay_seconds_count{{{NAME}}}[$__rate_interval]))"#
                ),
                "{{name}}",
            )],
            defaults: json!({ "min": 0, "thresholds": thresholds(30.0, false), "custom": threshold_line() }),
            options: json!({}),
            size: (12, 8),
        },
        Panel {
            title: "Retry error distribution",
            kind: "piechart",
            description: "Failed attempts by error class during the dashboard's time range, from retry_errors_total (the class is the retry policy's error_class, 0 to 7).",
            unit: "short",
            targets: vec![instant(
                format!(r#"sum by (name, class) (increase(retry_errors_total{{{NAME}}}[$__range]))"#),
                "{{name}} class {{class}}",
            )],
            defaults: json!({}),
            options: json!({ "legend": { "displayMode": "table", "placement": "right", "values": ["value", "percent"] }, "reduceOptions": { "calcs": ["lastNotNull"] } }),
            size: (12, 8),
        },
    ]
}

/// The dashboard's uid: its title in lower case, letters and digits, `-`
/// between words (Grafana allows 40 characters).
fn uid(title: &str) -> String {
    let words: Vec<String> = title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let uid: String = words.join("-").chars().take(40).collect();
    match uid.trim_end_matches('-') {
        "" => "totem".into(),
        uid => uid.into(),
    }
}

/// The dashboard for `file`'s instances.
fn dashboard(file: &ConfigFile, title: &str) -> Value {
    let datasource = json!({ "type": "prometheus", "uid": "${datasource}" });
    let mut grid = Vec::new();
    let (mut x, mut y, mut row_height) = (0, 0, 0);
    let mut id = 0;
    let mut next_id = || {
        id += 1;
        id
    };
    for (i, panel) in panels().into_iter().enumerate() {
        let row = match i {
            0 => Some("Circuit breakers"),
            5 => Some("Retries"),
            _ => None,
        };
        let (w, h) = panel.size;
        if x + w > 24 || row.is_some() {
            (x, y, row_height) = (0, y + row_height, 0);
        }
        if let Some(row) = row {
            grid.push(json!({
                "id": next_id(),
                "type": "row",
                "title": row,
                "collapsed": false,
                "gridPos": { "x": 0, "y": y, "w": 24, "h": 1 },
                "panels": [],
            }));
            y += 1;
        }
        let targets: Vec<Value> = panel
            .targets
            .iter()
            .zip('A'..)
            .map(|(t, ref_id)| {
                json!({
                    "datasource": datasource,
                    "refId": ref_id.to_string(),
                    "expr": t.expr,
                    "legendFormat": t.legend,
                    "instant": t.instant,
                    "range": !t.instant,
                })
            })
            .collect();
        let mut defaults = panel.defaults;
        defaults["unit"] = json!(panel.unit);
        grid.push(json!({
            "id": next_id(),
            "type": panel.kind,
            "title": panel.title,
            "description": panel.description,
            "datasource": datasource,
            "gridPos": { "x": x, "y": y, "w": w, "h": h },
            "targets": targets,
            "fieldConfig": { "defaults": defaults, "overrides": [] },
            "options": panel.options,
        }));
        x += w;
        row_height = row_height.max(h);
    }

    let names: BTreeSet<&str> = file.breaker_names().chain(file.retry_names()).collect();
    let mut options = vec![json!({ "text": "All", "value": "$__all", "selected": true })];
    options.extend(
        names
            .iter()
            .map(|n| json!({ "text": n, "value": n, "selected": false })),
    );
    json!({
        "uid": uid(title),
        "title": title,
        "description": format!(
            "Generated by `totem dashboard` from {} (config hash {}).",
            file.info().source.display(),
            file.info().hash
        ),
        "tags": ["totem", "resilience"],
        "editable": true,
        "graphTooltip": 1,
        "schemaVersion": 39,
        "version": 1,
        "time": { "from": "now-6h", "to": "now" },
        "refresh": "30s",
        "timezone": "browser",
        "annotations": { "list": [] },
        "templating": { "list": [
            {
                "name": "datasource",
                "label": "Prometheus",
                "type": "datasource",
                "query": "prometheus",
                "current": {},
                "hide": 0,
                "refresh": 1,
                "regex": "",
                "options": [],
            },
            {
                "name": "name",
                "label": "Instance",
                "type": "custom",
                "description": "The breakers and retries of the configuration file (the `name` label of every series).",
                "query": names.iter().copied().collect::<Vec<_>>().join(","),
                "multi": true,
                "includeAll": true,
                "current": { "text": ["All"], "value": ["$__all"], "selected": true },
                "options": options,
                "hide": 0,
            },
        ]},
        "panels": grid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str =
        "version = 1\n[breaker.payments]\n[breaker.critical]\n[retry.critical]\n[retry.notify]\n";

    fn generated() -> Value {
        let file = ConfigFile::from_toml_str(CONFIG, "totem.toml").unwrap();
        dashboard(&file, "Payments: prod")
    }

    #[test]
    fn the_name_variable_lists_every_instance_once() {
        let d = generated();
        let vars = d["templating"]["list"].as_array().unwrap();
        let name = vars.iter().find(|v| v["name"] == "name").unwrap();
        assert_eq!(name["query"], "critical,notify,payments");
        let values: Vec<_> = name["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["value"].as_str().unwrap())
            .collect();
        assert_eq!(values, ["$__all", "critical", "notify", "payments"]);
        assert!(vars
            .iter()
            .any(|v| v["type"] == "datasource" && v["query"] == "prometheus"));
    }

    #[test]
    fn every_query_selects_the_name_variable_and_the_datasource() {
        let d = generated();
        let drawn: Vec<&Value> = d["panels"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["type"] != "row")
            .collect();
        assert_eq!(drawn.len(), panels().len());
        for p in drawn {
            assert_eq!(p["datasource"]["uid"], "${datasource}");
            assert!(!p["description"].as_str().unwrap().is_empty());
            for t in p["targets"].as_array().unwrap() {
                let expr = t["expr"].as_str().unwrap();
                assert!(expr.contains(r#"name=~"$name""#), "{expr}");
                assert_eq!(t["datasource"]["uid"], "${datasource}");
            }
        }
    }

    #[test]
    fn panels_tile_the_grid_without_overlap() {
        let d = generated();
        let mut cells = BTreeSet::new();
        for p in d["panels"].as_array().unwrap() {
            let g = &p["gridPos"];
            let [x, y, w, h] = ["x", "y", "w", "h"].map(|k| g[k].as_u64().unwrap());
            assert!(x + w <= 24, "{}", p["title"]);
            for cell in (x..x + w).flat_map(|cx| (y..y + h).map(move |cy| (cx, cy))) {
                assert!(cells.insert(cell), "{} overlaps at {cell:?}", p["title"]);
            }
        }
    }

    #[test]
    fn the_state_query_folds_every_state_into_its_gauge_number() {
        let expr = &panels()[0].targets[0].expr;
        for s in totem_core::State::ALL {
            let term = format!(r#"state="{}"}} * {}"#, s.as_str(), s as u8);
            assert!(expr.contains(&term), "{term} missing from {expr}");
        }
    }

    #[test]
    fn the_uid_is_made_from_the_title() {
        assert_eq!(generated()["uid"], "payments-prod");
        assert_eq!(uid("!!!"), "totem");
        assert_eq!(uid(&"x".repeat(50)).len(), 40);
    }
}

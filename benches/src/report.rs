//! Reads criterion's estimates back after a run and prints ratio tables.
//!
//! Criterion stores each benchmark's estimates in
//! `<criterion home>/<group>/<function>/new/estimates.json`. The home is
//! `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else
//! `<target dir of the running bench binary>/criterion` (the binary lives in
//! `<target>/release/deps/`). Benchmark ids here use only `[a-z0-9_+]`, so the
//! directory names are the ids.

use std::path::PathBuf;

/// Where criterion writes its results for this run.
pub fn criterion_home() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.parent()?.join("criterion")))
        .unwrap_or_else(|| PathBuf::from("target/criterion"))
}

/// A point estimate with its 95 % confidence interval, in nanoseconds.
#[derive(Debug, Clone, Copy)]
pub struct Estimate {
    /// Lower bound of the confidence interval.
    pub lower: f64,
    /// Point estimate.
    pub point: f64,
    /// Upper bound of the confidence interval.
    pub upper: f64,
}

/// Finds `"key":` after `from` in `s` and parses the number after it.
fn number_after(s: &str, from: usize, key: &str) -> Option<(f64, usize)> {
    let pat = format!("\"{key}\":");
    let at = from + s[from..].find(&pat)? + pat.len();
    let rest = s[at..].trim_start();
    let len = rest
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
        .unwrap_or(rest.len());
    Some((rest[..len].parse().ok()?, at))
}

/// The median estimate of `group/function` from the last run, if it exists.
///
/// The file is small and fixed-shape JSON; it is scanned rather than parsed
/// to keep this crate free of a JSON dependency.
pub fn median(group: &str, function: &str) -> Option<Estimate> {
    let path = criterion_home()
        .join(group)
        .join(function)
        .join("new")
        .join("estimates.json");
    let s = std::fs::read_to_string(path).ok()?;
    let at = s.find("\"median\":")?;
    let (lower, _) = number_after(&s, at, "lower_bound")?;
    let (upper, _) = number_after(&s, at, "upper_bound")?;
    let (point, _) = number_after(&s, at, "point_estimate")?;
    Some(Estimate {
        lower,
        point,
        upper,
    })
}

/// One row of a ratio table: a label and the criterion id `group/function`.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// What the row shows.
    pub label: &'static str,
    /// Criterion group.
    pub group: &'static str,
    /// Criterion function id.
    pub function: &'static str,
}

/// A [`Row`]: its label, then the criterion id `group/function`.
pub const fn row(label: &'static str, group: &'static str, function: &'static str) -> Row {
    Row {
        label,
        group,
        function,
    }
}

/// Prints a markdown table of `rows` with ratio columns to each reference.
///
/// Rows that were not run (filtered out) are skipped.
pub fn print_table(title: &str, rows: &[Row], references: &[Row]) {
    let refs: Vec<(Row, Option<Estimate>)> = references
        .iter()
        .map(|r| (*r, median(r.group, r.function)))
        .collect();
    println!("\n### {title}\n");
    print!("| subject | median ns/call | 95 % CI |");
    for (r, _) in &refs {
        print!(" ÷ {} |", r.label);
    }
    println!();
    print!("|---|---:|---:|");
    for _ in &refs {
        print!("---:|");
    }
    println!();
    for row in rows {
        let Some(e) = median(row.group, row.function) else {
            continue;
        };
        print!(
            "| {} | {:.2} | {:.2}–{:.2} |",
            row.label, e.point, e.lower, e.upper
        );
        for (_, r) in &refs {
            match r {
                Some(r) => print!(" {:.2}× |", e.point / r.point),
                None => print!(" - |"),
            }
        }
        println!();
    }
}

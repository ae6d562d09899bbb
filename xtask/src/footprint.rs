//! Flash and RAM footprint of totem-core on Cortex-M and RISC-V, and the
//! hot-path check.
//!
//! Builds the measuring firmware in `footprint/` (opt-level "z", fat LTO, one
//! codegen unit, panic = abort) for each of [`TARGETS`], once per feature set,
//! and prints:
//! * flash bytes each API function adds to the empty firmware;
//! * flash bytes each configuration option adds on top of the default;
//! * RAM per breaker and per retry (size of the `static`);
//! * the same totals for the lean build, without the core's counters;
//! * on a target whose atomics take a critical section (thumbv6m), the
//!   longest one each hot-path entry point can reach: the most instructions
//!   run with interrupts masked, from the disassembly;
//!
//! and fails if, on [`STRICT_TARGET`],
//! * the hot path ([`HOT_PATH`] and every function they reach by a direct
//!   branch) contains `cpsid` (a critical section), or
//! * a portable-atomic lock table (its `fallback` seqlocks) is linked.
//!
//! `FOOTPRINT_BUDGET` (bytes, 2048 unless set) is the budget for breaker +
//! retry on that target, checked for the default build and for the lean one
//! (without the core's `metrics` feature); with `FOOTPRINT_STRICT=1` a lean
//! build over it fails.

mod binutils;
mod builds;
mod disassembly;
mod hot_path;
mod masked;
mod sections;
mod symbols;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::Result;
use builds::Builds;
use disassembly::Disassembly;
use sections::Sections;

const TARGETS: [&str; 4] = [
    "thumbv7em-none-eabihf",
    "thumbv6m-none-eabi",
    "riscv32imac-unknown-none-elf",
    "riscv32imc-unknown-none-elf",
];
/// The targets the ARM disassembler reads; on the others (RISC-V, whose
/// atomics are native with the A extension) only sizes and symbols are read.
const DISASSEMBLED: [&str; 2] = ["thumbv7em-none-eabihf", "thumbv6m-none-eabi"];
/// The target checked: it has CAS, so a critical section on its hot path is
/// a regression. thumbv6m has none, and its atomics take one by design.
const STRICT_TARGET: &str = "thumbv7em-none-eabihf";
/// The entry points whose reach must not disable interrupts.
const HOT_PATH: [&str; 3] = ["fp_try_acquire", "fp_record", "fp_call"];
const DEFAULT_BUDGET: i64 = 2048;

/// An API function measured: the feature of `footprint/` that compiles its
/// entry point in, and the build its added flash is measured against.
struct Function {
    feature: &'static str,
    /// `None`: the empty firmware; else an earlier function's build.
    baseline: Option<&'static str>,
    label: &'static str,
}

const FUNCTIONS: &[Function] = &[
    Function {
        feature: "try_acquire",
        baseline: None,
        label: "try_acquire (CLOSED fast path + slow path)",
    },
    Function {
        feature: "record",
        baseline: Some("try_acquire"),
        label: "recording an outcome on the permit (+ its drop)",
    },
    Function {
        feature: "call",
        baseline: None,
        label: "call (acquire, run, classify, record)",
    },
    Function {
        feature: "state",
        baseline: None,
        label: "state",
    },
    Function {
        feature: "retry_step",
        baseline: None,
        label: "one retry delay step (schedule().next())",
    },
    Function {
        feature: "retry_call",
        baseline: None,
        label: "retry call (whole blocking loop)",
    },
    Function {
        feature: "breaker_retry",
        baseline: None,
        label: "breaker.call(retry.call(op)) (breaker around retry)",
    },
];

/// A configuration option, measured on top of every function (`all`) in
/// the default configuration: its feature of `footprint/`, and its label.
const OPTIONS: &[(&str, &str)] = &[
    (
        "observer",
        "an observer (a fn(&Event) that stores the event kind) on breaker and retry",
    ),
    (
        "settings_stored",
        "configuration stored in the statics (as a run-time one is), not a settings! constant",
    ),
    (
        "settings_ref",
        "configuration behind a &'static to settings in flash, not a settings! constant",
    ),
    ("abandoned_neutral", "abandoned permit = neutral"),
    ("retry_metrics_off", "retry metrics off"),
    ("jitter_full", "full jitter"),
    ("jitter_decorrelated", "decorrelated jitter"),
    (
        "growing_open_time",
        "growing open time (reset_timeout_growth(2, 10 min))",
    ),
    (
        "half_open_rate",
        "half-open decided by rate (4 probes, half_open_failure_rate(50))",
    ),
    (
        "count_window",
        "failure rate over a count window (100 calls, 10 buckets)",
    ),
    (
        "time_window",
        "failure rate over a time window (60 s, 10 buckets)",
    ),
    (
        "slow_calls",
        "slow calls (2 s, 80 %) over a count window (100 calls, 10 buckets)",
    ),
];

/// `cargo xtask footprint`: the report of every target, then the verdict.
pub fn run(args: &[String]) -> Result {
    if !args.is_empty() {
        return Err(format!(
            "footprint takes no arguments (got {}); set FOOTPRINT_BUDGET, FOOTPRINT_STRICT=1",
            args.join(" ")
        ));
    }
    let budget = budget(std::env::var("FOOTPRINT_BUDGET").ok().as_deref())?;
    let strict = std::env::var("FOOTPRINT_STRICT").is_ok_and(|v| v == "1");
    binutils::ensure_installed()?;
    let builds = Builds::new()?;
    let mut passed = true;
    for target in TARGETS {
        let (all, totals) = measure(&builds, target)?;
        passed &= check(target, &all, totals, budget, strict)?;
    }
    if !passed {
        return Err("footprint: FAIL: see above".into());
    }
    println!();
    println!("footprint: OK");
    Ok(())
}

/// The budget for breaker + retry, in bytes (`FOOTPRINT_BUDGET`).
fn budget(value: Option<&str>) -> Result<i64> {
    match value {
        None | Some("") => Ok(DEFAULT_BUDGET),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| format!("FOOTPRINT_BUDGET={v}: not a whole number of bytes")),
    }
}

/// The flash breaker + retry add to the empty firmware: with the default
/// features, and in the lean build (without the core's counters).
#[derive(Debug, Clone, Copy)]
struct Totals {
    default: i64,
    lean: i64,
}

/// Builds and prints the tables of `target`; returns the full build's ELF
/// and its totals.
fn measure(builds: &Builds, target: &str) -> Result<(PathBuf, Totals)> {
    println!();
    println!("### {target}");
    println!();
    let empty = sections(&builds.build(target, &[])?)?;
    let all_elf = builds.build(target, &["all"])?;
    let all = sections(&all_elf)?;

    println!("| API function | flash bytes added | of which .data image |");
    println!("|---|---:|---:|");
    let mut measured: HashMap<&str, Sections> = HashMap::new();
    for function in FUNCTIONS {
        let this = sections(&builds.build(target, &[function.feature])?)?;
        let base = match function.baseline {
            None => empty,
            Some(feature) => measured[feature],
        };
        measured.insert(function.feature, this);
        println!(
            "| {} | {} | {} |",
            function.label,
            this.flash - base.flash,
            this.data_image - base.data_image
        );
    }
    let total = all.flash - empty.flash;
    println!(
        "| **total, breaker + retry (all of the above)** | **{total}** | {} |",
        all.data_image - empty.data_image
    );
    println!();
    println!(
        "empty firmware (vector table, clock, loop): {} bytes of flash",
        empty.flash
    );
    println!();

    let nm = binutils::nm(&["--print-size", "--radix=d"], &all_elf)?;
    let ram = |symbol| ram_of(&nm, symbol);
    // The RAM of a build's breaker and window statics.
    let statics = |nm: &str| {
        ["FP_BREAKER", "FP_RETRY", "FP_WINDOW"]
            .iter()
            .filter_map(|s| symbols::size_of(nm, s))
            .sum::<u64>() as i64
    };
    let all_ram = statics(&nm);

    println!("| option, on top of the default configuration | flash bytes added | RAM bytes added (breaker + retry + window) |");
    println!("|---|---:|---:|");
    for (feature, label) in OPTIONS {
        let elf = builds.build(target, &["all", feature])?;
        let with = sections(&elf)?;
        let with_nm = binutils::nm(&["--print-size", "--radix=d"], &elf)?;
        println!(
            "| {label} | {} | {} |",
            with.flash - all.flash,
            statics(&with_nm) - all_ram
        );
    }
    let lean_elf = builds.build_lean(target, &["all"])?;
    let lean = sections(&lean_elf)?;
    let lean_nm = binutils::nm(&["--print-size", "--radix=d"], &lean_elf)?;
    println!(
        "| lean build: without the `metrics` feature (no counters) | {} | {} |",
        lean.flash - all.flash,
        statics(&lean_nm) - all_ram
    );
    println!();

    println!(
        "RAM: one breaker (FP_BREAKER) {}, one retry (FP_RETRY) {}",
        ram("FP_BREAKER"),
        ram("FP_RETRY")
    );
    let lean_ram = |symbol| ram_of(&lean_nm, symbol);
    println!(
        "lean build: breaker + retry {} bytes of flash; RAM: one breaker {}, one retry {}",
        lean.flash - empty.flash,
        lean_ram("FP_BREAKER"),
        lean_ram("FP_RETRY")
    );
    println!();
    println!("Totem's symbols in the full build (bytes, type, name; t = code, D = .data):");
    println!("```");
    let sorted = binutils::nm(
        &["--print-size", "--size-sort", "--radix=d", "-C"],
        &all_elf,
    )?;
    for line in symbols::totem_symbols(&sorted) {
        println!("{line}");
    }
    println!("```");
    let totals = Totals {
        default: total,
        lean: lean.flash - empty.flash,
    };
    Ok((all_elf, totals))
}

/// The RAM a `static` takes, from `nm --print-size`; a static the linker
/// dropped (nothing reads or writes it) takes none.
fn ram_of(nm: &str, symbol: &str) -> String {
    symbols::size_of(nm, symbol).map_or(
        "none (the linker dropped it: nothing uses it)".into(),
        |n| format!("{n} bytes"),
    )
}

fn sections(elf: &Path) -> Result<Sections> {
    Ok(sections::parse(&binutils::size(elf)?))
}

/// Prints the hot path, lock table and budget verdicts of the full build
/// `all` of `target`; false when one fails.
fn check(target: &str, all: &Path, totals: Totals, budget: i64, strict: bool) -> Result<bool> {
    if !DISASSEMBLED.contains(&target) {
        let nm = binutils::nm(&["-C"], all)?;
        let locks = symbols::lock_table(&nm);
        if locks.is_empty() {
            println!("portable-atomic lock table: not linked");
        } else {
            println!(
                "portable-atomic lock table: FAIL, linked: {}",
                locks.join("\n")
            );
            return Ok(false);
        }
        return Ok(true);
    }
    let disassembly = Disassembly::parse(&binutils::objdump(all)?);
    let path =
        hot_path::walk(&disassembly, &HOT_PATH).map_err(|e| format!("{}: {e}", all.display()))?;
    let cpsid = binutils::demangle(&path.cpsid)?.join(" ");
    let nm = binutils::nm(&["-C"], all)?;
    let locks = symbols::lock_table(&nm);
    if !path.indirect.is_empty() {
        println!(
            "note: indirect calls (not followed) in: {}",
            binutils::demangle(&path.indirect)?.join(" ")
        );
    }
    if target != STRICT_TARGET {
        if cpsid.is_empty() {
            println!("hot path: no cpsid");
        } else {
            println!(
                "hot path: enters a critical section (cpsid in {cpsid}): expected here, the target has no CAS"
            );
            print_masked(&disassembly, all)?;
        }
        return Ok(true);
    }
    let mut passed = true;
    if cpsid.is_empty() {
        println!(
            "hot path: no cpsid in {} and the {} function(s) they reach: OK",
            HOT_PATH.join(", "),
            path.reached - HOT_PATH.len()
        );
    } else {
        println!("hot path: FAIL, cpsid in: {cpsid}");
        passed = false;
    }
    if locks.is_empty() {
        println!("portable-atomic lock table: not linked: OK");
    } else {
        println!(
            "portable-atomic lock table: FAIL, linked: {}",
            locks.join("\n")
        );
        passed = false;
    }
    for (build, total) in [("default", totals.default), ("lean", totals.lean)] {
        let verdict = if total > budget {
            format!("> {budget}: missed")
        } else {
            format!("<= {budget}: met")
        };
        println!("budget: breaker + retry, {build} build = {total} bytes {verdict}");
    }
    // Strict: the lean build, the one offered for the budget, must fit.
    if totals.lean > budget {
        passed &= !strict;
    }
    Ok(passed)
}

/// Prints the longest critical section each entry point of the hot path
/// reaches, in instructions run with interrupts masked.
fn print_masked(disassembly: &Disassembly, all: &Path) -> Result {
    println!();
    println!("| hot-path entry point | longest critical section it reaches (instructions, cpsid .. unmask) | in |");
    println!("|---|---:|---|");
    for root in HOT_PATH {
        let in_elf = |e: String| format!("{}: {e}", all.display());
        let path = hot_path::walk(disassembly, &[root]).map_err(in_elf)?;
        match masked::longest(disassembly, &path.cpsid).map_err(in_elf)? {
            Some(longest) => println!(
                "| {root} | {} | {} |",
                longest.instructions,
                binutils::demangle(&[longest.function])?.join("")
            ),
            None => println!("| {root} | none | |"),
        }
    }
    println!();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_defaults_and_refuses_what_is_not_a_number() {
        assert_eq!(budget(None), Ok(DEFAULT_BUDGET));
        assert_eq!(budget(Some("")), Ok(DEFAULT_BUDGET));
        assert_eq!(budget(Some("4096")), Ok(4096));
        assert!(budget(Some("2k"))
            .unwrap_err()
            .contains("FOOTPRINT_BUDGET=2k"));
    }

    #[test]
    fn a_baseline_is_measured_before_the_function_measured_against_it() {
        for (i, function) in FUNCTIONS.iter().enumerate() {
            if let Some(baseline) = function.baseline {
                assert!(
                    FUNCTIONS[..i].iter().any(|f| f.feature == baseline),
                    "{} is measured against {baseline}, not measured before it",
                    function.feature
                );
            }
        }
    }

    #[test]
    fn every_feature_measured_is_one_of_the_firmware() {
        let manifest = std::fs::read_to_string(crate::root().join("footprint/Cargo.toml"))
            .expect("footprint/Cargo.toml");
        let features = FUNCTIONS
            .iter()
            .map(|f| f.feature)
            .chain(OPTIONS.iter().map(|(f, _)| *f))
            .chain(["all"]);
        for feature in features {
            assert!(
                manifest
                    .lines()
                    .any(|l| l.starts_with(&format!("{feature} = "))),
                "footprint/Cargo.toml has no feature {feature}"
            );
        }
    }
}

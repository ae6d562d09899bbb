//! Two threads on one shared subject (`Arc`), ns per call, with the
//! parallelism check of `totem_benches::contended` (rounds where the two
//! threads did not really run at the same time are discarded and counted).
//!
//! Tuning through the environment: `TOTEM_CONTENDED_ROUNDS` (21 kept rounds),
//! `TOTEM_CONTENDED_MAX_ROUNDS` (5 × that),
//! `TOTEM_CONTENDED_PHASE_MS` (20), `TOTEM_CONTENDED_MIN_SPEEDUP` (1.7),
//! `TOTEM_CONTENDED_MIN_CPU` (0.9). A first argument that is not a flag
//! filters subjects by substring.

use std::hint::black_box;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use totem_benches::contended::{measure, print_table, Config, Outcome};
use totem_benches::subjects::{baseline, cbrs, failsafe, recloser, totem};

/// Dependent multiplies after the fetch_add in the "private work" row.
const PRIVATE_WORK: usize = 40;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") {
        // `cargo test --benches` runs bench binaries without `--bench`: build-check only.
        println!("contended: not run (pass --bench, as `cargo bench` does)");
        return;
    }
    let filter = args.iter().find(|a| !a.starts_with('-')).cloned();
    let cfg = Config::from_env();
    let wanted = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    let mut out: Vec<Outcome> = Vec::new();
    // The reference every round also runs: fetch_add on its own shared atomic.
    let reference_cell = Arc::new(AtomicU64::new(0));
    let reference = |i: u64| {
        black_box(baseline::fetch_add(&reference_cell, i)).ok();
    };

    if wanted("fetch_add") {
        // The reference against itself (another atomic): the ratio shows the
        // harness's own spread.
        let c = Arc::new(AtomicU64::new(0));
        out.push(measure(
            "AtomicU64::fetch_add + call",
            &cfg,
            &reference,
            |i| {
                black_box(baseline::fetch_add(&c, i)).ok();
            },
        ));
        // The same shared fetch_add followed by ~9 ns of private work (about
        // 17 ns per call alone): it shows how much of a contended ratio comes
        // from doing anything at all between two RMWs on a line the other
        // thread also writes.
        let c = Arc::new(AtomicU64::new(0));
        out.push(measure(
            "AtomicU64::fetch_add + call + private work (~17 ns alone)",
            &cfg,
            &reference,
            |i| {
                black_box(baseline::fetch_add(&c, i)).ok();
                let mut v = i;
                for _ in 0..PRIVATE_WORK {
                    v = black_box(v.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                }
                black_box(v);
            },
        ));
    }
    if wanted("mutex") {
        let m = Arc::new(Mutex::new(0u64));
        out.push(measure(
            "Mutex<u64> lock + increment + call",
            &cfg,
            &reference,
            |i| {
                black_box(baseline::mutex(&m, i)).ok();
            },
        ));
    }
    if wanted("totem") {
        let b = Arc::new(totem::new());
        out.push(measure("**Totem**", &cfg, &reference, |i| {
            black_box(totem::call(&b, i)).ok();
        }));
    }
    if wanted("failsafe") {
        let b = Arc::new(failsafe::new());
        out.push(measure("failsafe", &cfg, &reference, |i| {
            black_box(failsafe::call(&b, i)).ok();
        }));
    }
    if wanted("recloser") {
        let b = Arc::new(recloser::new());
        out.push(measure("recloser", &cfg, &reference, |i| {
            black_box(recloser::call(&b, i)).ok();
        }));
    }
    if wanted("circuitbreaker") {
        let b = Arc::new(cbrs::new());
        out.push(measure("circuitbreaker-rs", &cfg, &reference, |i| {
            black_box(cbrs::call(&b, i)).ok();
        }));
    }
    println!(
        "\n### Contended: 2 threads, one shared breaker, closed, successful calls\n\n\
         config: rounds run until {} are kept (at most {}), {} ms per phase; every round also \
         runs the reference (fetch_add on one shared AtomicU64, 2 threads); a round is kept if \
         the plain-pair speedup >= {} before and after it, the two reference threads overlap >= {} \
         and each got CPU/wall >= {}\n",
        cfg.rounds,
        cfg.max_rounds,
        cfg.phase.as_millis(),
        cfg.min_speedup,
        cfg.min_overlap,
        cfg.min_cpu
    );
    print_table(&out, "fetch_add");
    if let Some(r) = out
        .iter()
        .find(|o| o.name == "**Totem**")
        .and_then(|o| o.ratio)
    {
        println!(
            "\ntarget: contended Totem <= 1.2x contended fetch_add: {r:.2}x, {}",
            if r <= 1.2 { "met" } else { "**missed**" }
        );
    }
    // Striped success counting: two threads on one breaker each pay about
    // what one thread pays alone.
    if let Some(o) = out.iter().find(|o| o.name == "**Totem**") {
        if let Some(ns) = o.ns_per_call {
            let r = ns / o.ns_single;
            println!(
                "target: contended Totem per thread <= 1.5x Totem alone: {ns:.2} / {:.2} ns = {r:.2}x, {}",
                o.ns_single,
                if r <= 1.5 { "met" } else { "**missed**" }
            );
        }
    }
}

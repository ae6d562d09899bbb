//! Two threads on one shared subject, with a check that they really ran in parallel.
//!
//! The bench machine has two vCPUs shared with other work, so two threads that
//! are "running" may in fact take turns on one CPU; then the contended number
//! measures the scheduler, not cache-line traffic. Every round therefore runs:
//!
//! 1. a plain-call loop on one thread (the reference time `t1`, the best seen);
//! 2. the same loop on two threads at once (`t2`): when they truly run in
//!    parallel, the pair does twice the work in about the same time, so the
//!    *speedup* `2 * t1 / t2` is close to 2, and close to 1 when they share a CPU;
//! 3. the reference (`fetch_add` on one shared `AtomicU64`) on two threads;
//! 4. the subject on two threads at once (the measurement);
//! 5. the plain-call pair again.
//!
//! A round is kept only if both plain pairs reach [`Config::min_speedup`], the
//! two threads of the reference pair overlapped in time by at least
//! [`Config::min_overlap`], and each reference thread got at least
//! [`Config::min_cpu`] of its wall time as CPU time
//! (`CLOCK_THREAD_CPUTIME_ID`; a preempted thread shows less). The subject's
//! own overlap and CPU share are reported rather than checked: a lock-based
//! subject may park its threads, or let one finish first, by design.
//! Everything else is counted as discarded and reported.
//!
//! The figure reported is nanoseconds per call *per thread*: each thread's
//! elapsed time divided by its number of calls, averaged over the two threads;
//! the median over the kept rounds. The ratio to the reference is the median
//! of the per-round ratios, so that both sides of each ratio ran in the same
//! conditions.

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How the harness runs.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Rounds to keep per subject (`TOTEM_CONTENDED_ROUNDS`, default 21):
    /// the harness runs rounds until this many pass the parallelism check,
    /// or until it has run [`Config::max_rounds`].
    pub rounds: usize,
    /// Most rounds run per subject (`TOTEM_CONTENDED_MAX_ROUNDS`, default
    /// 5 × `rounds`).
    pub max_rounds: usize,
    /// Target length of one phase (`TOTEM_CONTENDED_PHASE_MS`, default 20 ms).
    pub phase: Duration,
    /// Smallest plain-pair speedup that counts as parallel
    /// (`TOTEM_CONTENDED_MIN_SPEEDUP`, default 1.7).
    pub min_speedup: f64,
    /// Smallest overlap of the two reference threads, as a share of the
    /// measurement window (default 0.9).
    pub min_overlap: f64,
    /// Smallest CPU time / wall time of each reference thread
    /// (`TOTEM_CONTENDED_MIN_CPU`, default 0.9).
    pub min_cpu: f64,
}

impl Config {
    /// The defaults, overridden by the environment variables named above.
    pub fn from_env() -> Self {
        fn var<T: std::str::FromStr>(name: &str, default: T) -> T {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        }
        let rounds = var("TOTEM_CONTENDED_ROUNDS", 21);
        Config {
            rounds,
            max_rounds: var("TOTEM_CONTENDED_MAX_ROUNDS", 5 * rounds),
            phase: Duration::from_millis(var("TOTEM_CONTENDED_PHASE_MS", 20)),
            min_speedup: var("TOTEM_CONTENDED_MIN_SPEEDUP", 1.7),
            min_overlap: 0.9,
            min_cpu: var("TOTEM_CONTENDED_MIN_CPU", 0.9),
        }
    }
}

/// What one subject measured.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The subject's name.
    pub name: String,
    /// Median ns per call per thread over the kept rounds (None if none kept).
    pub ns_per_call: Option<f64>,
    /// Smallest and largest kept value.
    pub range: Option<(f64, f64)>,
    /// Median ns per call per thread of the reference, in the kept rounds.
    pub reference_ns: Option<f64>,
    /// Median of the per-round ratios subject / reference (kept rounds).
    pub ratio: Option<f64>,
    /// Median ns per call when one thread runs the subject alone.
    pub ns_single: f64,
    /// Rounds kept.
    pub kept: usize,
    /// Rounds run (kept and discarded).
    pub rounds: usize,
    /// Median plain-pair speedup over all rounds (2.0 = perfectly parallel).
    pub speedup: f64,
    /// Median plain-pair speedup over the kept rounds.
    pub kept_speedup: Option<f64>,
    /// Median over the kept rounds of the subject threads' smallest CPU time
    /// / wall time (below 1 when a thread blocks or is preempted).
    pub cpu_share: Option<f64>,
    /// Median over the kept rounds of the subject threads' overlap in time
    /// (below 1 when one thread finishes first, e.g. behind an unfair lock).
    pub overlap: Option<f64>,
}

#[derive(Debug, Clone, Copy)]
struct Timing {
    start: Duration,
    end: Duration,
    cpu: Duration,
}

impl Timing {
    fn wall(&self) -> Duration {
        self.end.saturating_sub(self.start)
    }
}

fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Runs `f(0..n)` on `k` threads started together; returns each thread's timing.
fn run_threads<F: Fn(u64) + Sync>(k: usize, n: u64, f: &F) -> Vec<Timing> {
    let epoch = Instant::now();
    let arrived = AtomicUsize::new(0);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..k)
            .map(|_| {
                let arrived = &arrived;
                s.spawn(move || {
                    arrived.fetch_add(1, Ordering::AcqRel);
                    let mut spins = 0u32;
                    while arrived.load(Ordering::Acquire) < k {
                        spins = spins.wrapping_add(1);
                        if spins.is_multiple_of(1024) {
                            std::thread::yield_now();
                        } else {
                            std::hint::spin_loop();
                        }
                    }
                    let cpu0 = thread_cpu_time();
                    let start = epoch.elapsed();
                    for i in 0..n {
                        f(black_box(i));
                    }
                    let end = epoch.elapsed();
                    let cpu = thread_cpu_time().saturating_sub(cpu0);
                    Timing { start, end, cpu }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("bench thread panicked"))
            .collect()
    })
}

/// The plain call every round uses to check parallelism.
fn plain(i: u64) {
    black_box(crate::op::ok::<()>(i)).ok();
}

fn per_call_ns(t: &[Timing], n: u64) -> f64 {
    t.iter().map(|t| t.wall().as_nanos() as f64).sum::<f64>() / (t.len() as f64 * n as f64)
}

/// How many calls of `f` fill about `phase`, measured on one thread.
fn calibrate<F: Fn(u64) + Sync>(f: &F, phase: Duration) -> u64 {
    let mut n = 1_000u64;
    loop {
        let t = run_threads(1, n, f)[0].wall();
        if t >= Duration::from_millis(2) || n >= 1 << 40 {
            let ns = t.as_nanos().max(1) as f64 / n as f64;
            return ((phase.as_nanos() as f64 / ns) as u64).max(1_000);
        }
        n *= 4;
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        f64::NAN
    } else {
        v[v.len() / 2]
    }
}

/// Share of the measurement window during which both threads were measuring.
fn overlap(t: &[Timing]) -> f64 {
    let window_start = t.iter().map(|t| t.start).min().unwrap_or_default();
    let window_end = t.iter().map(|t| t.end).max().unwrap_or_default();
    let overlap_start = t.iter().map(|t| t.start).max().unwrap_or_default();
    let overlap_end = t.iter().map(|t| t.end).min().unwrap_or_default();
    overlap_end.saturating_sub(overlap_start).as_nanos() as f64
        / window_end.saturating_sub(window_start).as_nanos().max(1) as f64
}

/// The smallest CPU time / wall time of the threads.
fn cpu_share(t: &[Timing]) -> f64 {
    t.iter()
        .map(|t| t.cpu.as_nanos() as f64 / t.wall().as_nanos().max(1) as f64)
        .fold(f64::INFINITY, f64::min)
}

fn range(v: &[f64]) -> Option<(f64, f64)> {
    if v.is_empty() {
        return None;
    }
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(0.0, f64::max);
    Some((lo, hi))
}

/// Measures `f` on two threads at once, paired with `reference` (also on two
/// threads) in every round, as described in the module docs.
///
/// Each round runs: the plain-call check, the reference pair, the subject
/// pair, the plain-call check again. The ratio reported is the median of the
/// per-round ratios subject / reference over the kept rounds, so both sides
/// of every ratio ran under the same conditions.
///
/// `f` and `reference` are called with a running index; they must reach their
/// shared subject through a reference they captured (an `Arc` clone).
pub fn measure<R: Fn(u64) + Sync, F: Fn(u64) + Sync>(
    name: &str,
    cfg: &Config,
    reference: &R,
    f: F,
) -> Outcome {
    let n_plain = calibrate(&plain, cfg.phase);
    let n_ref = calibrate(reference, cfg.phase);
    let n = calibrate(&f, cfg.phase);
    let mut t1_best = f64::INFINITY;
    let (mut kept, mut kept_ref, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let (mut speedups, mut kept_speedups, mut singles) = (Vec::new(), Vec::new(), Vec::new());
    let (mut cpu_shares, mut overlaps) = (Vec::new(), Vec::new());
    let mut run = 0;
    while kept.len() < cfg.rounds && run < cfg.max_rounds {
        run += 1;
        let t1 = run_threads(1, n_plain, &plain)[0].wall().as_nanos() as f64;
        t1_best = t1_best.min(t1);
        let speedup = |t: &[Timing]| {
            let start = t.iter().map(|t| t.start).min().unwrap_or_default();
            let end = t.iter().map(|t| t.end).max().unwrap_or_default();
            2.0 * t1_best / end.saturating_sub(start).as_nanos().max(1) as f64
        };
        let before = speedup(&run_threads(2, n_plain, &plain));
        let reference_pair = run_threads(2, n_ref, reference);
        let subject = run_threads(2, n, &f);
        let after = speedup(&run_threads(2, n_plain, &plain));
        if singles.len() < 5 {
            singles.push(per_call_ns(&run_threads(1, n, &f), n));
        }
        let worst = before.min(after);
        speedups.push(worst);
        // Overlap and CPU share are checked on the reference only: it never
        // blocks, so a low value there means preemption. A subject built on a
        // lock may park a thread on purpose, and an unfair lock lets one
        // thread finish long before the other (failsafe's parking_lot mutex
        // does both), so for the subject they are reported, not used to
        // discard.
        if worst >= cfg.min_speedup
            && overlap(&reference_pair) >= cfg.min_overlap
            && cpu_share(&reference_pair) >= cfg.min_cpu
        {
            let (s, r) = (
                per_call_ns(&subject, n),
                per_call_ns(&reference_pair, n_ref),
            );
            kept.push(s);
            kept_ref.push(r);
            ratios.push(s / r);
            kept_speedups.push(worst);
            cpu_shares.push(cpu_share(&subject));
            overlaps.push(overlap(&subject));
        }
    }
    let some = |v: &mut Vec<f64>| (!v.is_empty()).then(|| median(v));
    Outcome {
        name: name.to_owned(),
        range: range(&kept),
        ns_per_call: some(&mut kept),
        reference_ns: some(&mut kept_ref),
        ratio: some(&mut ratios),
        ns_single: median(&mut singles),
        kept: kept.len(),
        rounds: run,
        speedup: median(&mut speedups),
        kept_speedup: some(&mut kept_speedups),
        cpu_share: some(&mut cpu_shares),
        overlap: some(&mut overlaps),
    }
}

/// Prints the outcomes as a markdown table.
pub fn print_table(outcomes: &[Outcome], reference: &str) {
    println!(
        "| subject (2 threads, one shared instance) | ns/call/thread (median) | kept range | {reference} in the same rounds | ratio (median of per-round ratios) | 1 thread alone, ns/call | rounds kept / run | plain-pair speedup, kept rounds (all rounds) | subject CPU/wall | subject threads' overlap |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let f = |v: Option<f64>, suffix: &str| {
        v.map_or_else(|| "-".to_owned(), |v| format!("{v:.2}{suffix}"))
    };
    for o in outcomes {
        let ns = o
            .ns_per_call
            .map_or_else(|| "discarded".to_owned(), |v| format!("{v:.2}"));
        let range = o
            .range
            .map_or_else(|| "-".to_owned(), |(a, b)| format!("{a:.2}–{b:.2}"));
        println!(
            "| {} | {} | {} | {} | {} | {:.2} | {}/{} | {} ({:.2}) | {} | {} |",
            o.name,
            ns,
            range,
            f(o.reference_ns, ""),
            f(o.ratio, "×"),
            o.ns_single,
            o.kept,
            o.rounds,
            f(o.kept_speedup, ""),
            o.speedup,
            f(o.cpu_share, ""),
            f(o.overlap, "")
        );
    }
}

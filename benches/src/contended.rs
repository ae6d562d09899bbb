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
//! 3. the subject on two threads at once (the measurement);
//! 4. the plain-call pair again.
//!
//! A round is kept only if both plain pairs reach [`Config::min_speedup`], the
//! two subject threads overlapped in time by at least [`Config::min_overlap`],
//! and each subject thread got at least [`Config::min_cpu`] of its wall time
//! as CPU time (`CLOCK_THREAD_CPUTIME_ID`): a thread that was preempted during
//! the measurement shows a lower ratio. Everything else is counted as
//! discarded and reported.
//!
//! The figure reported is nanoseconds per call *per thread*: each thread's
//! elapsed time divided by its number of calls, averaged over the two threads;
//! the median over the kept rounds.

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
    /// Smallest overlap of the two subject threads, as a share of the
    /// measurement window (default 0.9).
    pub min_overlap: f64,
    /// Smallest CPU time / wall time of each subject thread
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
    /// Median ns per call when one thread runs the subject alone.
    pub ns_single: f64,
    /// Rounds kept.
    pub kept: usize,
    /// Rounds run (kept and discarded).
    pub rounds: usize,
    /// Median plain-pair speedup over all rounds (2.0 = perfectly parallel).
    pub speedup: f64,
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

/// Measures `f` on two threads at once, as described in the module docs.
///
/// `f` is called with a running index; it must reach the shared subject through
/// a reference it captured (an `Arc` clone or a borrow of one).
pub fn measure<F: Fn(u64) + Sync>(name: &str, cfg: &Config, f: F) -> Outcome {
    let n_plain = calibrate(&plain, cfg.phase);
    let n = calibrate(&f, cfg.phase);
    let mut t1_best = f64::INFINITY;
    let mut kept = Vec::new();
    let mut speedups = Vec::new();
    let mut singles = Vec::new();
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
        let subject = run_threads(2, n, &f);
        let after = speedup(&run_threads(2, n_plain, &plain));
        singles.push(per_call_ns(&run_threads(1, n, &f), n));
        speedups.push(before.min(after));

        let window_start = subject.iter().map(|t| t.start).min().unwrap_or_default();
        let window_end = subject.iter().map(|t| t.end).max().unwrap_or_default();
        let overlap_start = subject.iter().map(|t| t.start).max().unwrap_or_default();
        let overlap_end = subject.iter().map(|t| t.end).min().unwrap_or_default();
        let overlap = overlap_end.saturating_sub(overlap_start).as_nanos() as f64
            / window_end.saturating_sub(window_start).as_nanos().max(1) as f64;
        let cpu_ok = subject
            .iter()
            .all(|t| t.cpu.as_nanos() as f64 >= cfg.min_cpu * t.wall().as_nanos() as f64);
        if before >= cfg.min_speedup
            && after >= cfg.min_speedup
            && overlap >= cfg.min_overlap
            && cpu_ok
        {
            kept.push(per_call_ns(&subject, n));
        }
    }
    let kept_n = kept.len();
    let range = if kept.is_empty() {
        None
    } else {
        let lo = kept.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = kept.iter().copied().fold(0.0, f64::max);
        Some((lo, hi))
    };
    Outcome {
        name: name.to_owned(),
        ns_per_call: if kept.is_empty() {
            None
        } else {
            Some(median(&mut kept))
        },
        range,
        ns_single: median(&mut singles),
        kept: kept_n,
        rounds: run,
        speedup: median(&mut speedups),
    }
}

/// Prints the outcomes as a markdown table, with ratios to the row named `reference`.
pub fn print_table(outcomes: &[Outcome], reference: &str) {
    let reference_ns = outcomes
        .iter()
        .find(|o| o.name == reference)
        .and_then(|o| o.ns_per_call);
    println!(
        "| subject (2 threads, one shared instance) | ns/call/thread (median) | kept range | ratio to {reference} | 1 thread alone, ns/call | rounds kept | plain-pair speedup (median) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for o in outcomes {
        let ns = o
            .ns_per_call
            .map_or_else(|| "discarded".to_owned(), |v| format!("{v:.2}"));
        let range = o
            .range
            .map_or_else(|| "-".to_owned(), |(a, b)| format!("{a:.2}–{b:.2}"));
        let ratio = match (o.ns_per_call, reference_ns) {
            (Some(v), Some(r)) => format!("{:.2}×", v / r),
            _ => "-".to_owned(),
        };
        println!(
            "| {} | {} | {} | {} | {:.2} | {}/{} | {:.2} |",
            o.name, ns, range, ratio, o.ns_single, o.kept, o.rounds, o.speedup
        );
    }
}

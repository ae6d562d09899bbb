//! Operation sequences against the reference model: the bytes choose a
//! configuration (with or without a growing open time, a rate-decided
//! half-open, a count or time sliding window with failure-rate and
//! slow-call policies), a starting time and up to 256 operations (a cycle
//! of commands counts as one, so a held permit can be carried round the
//! generation's wrap), which `totem_tests::model::check` runs through the
//! model and the real breaker, comparing after every step. Any difference
//! is a crash.
//!
//! Windows come from one `static` per bucket count, emptied before each
//! input (an emptied window is a new one: a count window numbers its calls
//! afresh): a process runs millions of inputs, and a window per input
//! would leak.
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use totem_core::{
    AbandonedPermit, BreakerConfig, CircuitBreaker, Duration, ManualClock, Outcome, RateWindow,
    SlidingWindow, WindowStorage, MAX_RESET_TIMEOUT_FACTOR, MAX_TIMEOUT_MS,
};
use totem_tests::model::{check, ModelWindow, Op};

fn timeout(u: &mut Unstructured) -> Result<u32> {
    Ok(match u.int_in_range(0u8..=3)? {
        0 => u.int_in_range(1..=50)?,
        1 => u.int_in_range(1..=100_000)?,
        2 => MAX_TIMEOUT_MS - u.int_in_range(0..=100)?,
        _ => u.int_in_range(1..=MAX_TIMEOUT_MS)?,
    })
}

/// The shared window of `buckets` buckets (emptied by `fresh` before use).
fn window(buckets: u8) -> WindowStorage {
    static W1: RateWindow<1> = RateWindow::new();
    static W2: RateWindow<2> = RateWindow::new();
    static W4: RateWindow<4> = RateWindow::new();
    static W8: RateWindow<8> = RateWindow::new();
    static W32: RateWindow<32> = RateWindow::new();
    match buckets {
        1 => W1.storage(),
        2 => W2.storage(),
        4 => W4.storage(),
        8 => W8.storage(),
        _ => W32.storage(),
    }
}

fn percent(u: &mut Unstructured) -> Result<u32> {
    Ok(match u.int_in_range(0u8..=3)? {
        0 => 1,
        1 => 50,
        2 => 100,
        _ => u.int_in_range(1..=100)?,
    })
}

fn config(u: &mut Unstructured) -> Result<BreakerConfig> {
    let permits = u.int_in_range(1..=4)?;
    let reset = timeout(u)?;
    let mut c = BreakerConfig::new("fuzz")
        .failure_threshold(if u.ratio(1, 8)? {
            u.int_in_range(1..=511)?
        } else {
            u.int_in_range(1..=4)?
        })
        .reset_timeout(Duration::from_ticks(reset))
        .half_open_timeout(Duration::from_ticks(timeout(u)?))
        .half_open_permits(permits);
    if u.ratio(1, 4)? {
        c = c.half_open_failure_rate(percent(u)?);
    } else if u.arbitrary()? {
        c = c.successes_to_close(u.int_in_range(1..=permits)?);
    }
    if u.arbitrary()? {
        c = c.abandoned(AbandonedPermit::Neutral);
    }
    if u.ratio(1, 3)? {
        let factor = if u.arbitrary()? {
            u.int_in_range(2..=3)?
        } else {
            u.int_in_range(1..=MAX_RESET_TIMEOUT_FACTOR)?
        };
        let max = if u.arbitrary()? {
            MAX_TIMEOUT_MS
        } else {
            u.int_in_range(reset..=MAX_TIMEOUT_MS.min(reset.saturating_mul(200)))?
        };
        c = c.reset_timeout_growth(factor, Duration::from_ticks(max));
    }
    if u.ratio(2, 3)? {
        let buckets = *u.choose(&[1u8, 2, 4, 8, 32])?;
        let (size, most) = if u.ratio(2, 5)? {
            let span = if u.arbitrary()? {
                u.int_in_range(32..=300)?
            } else {
                u.int_in_range(32..=MAX_TIMEOUT_MS)?
            };
            (SlidingWindow::Time(Duration::from_ticks(span)), 12)
        } else {
            let n = if u.arbitrary()? {
                u.int_in_range(1..=12)?
            } else {
                u.int_in_range(1..=70)?
            };
            let size = SlidingWindow::Calls(n);
            // minimum_calls up to what the window holds.
            let w = ModelWindow::of(size, u32::from(buckets));
            (size, w.epochs * w.unit)
        };
        c = c
            .sliding_window(size, window(buckets))
            .minimum_calls(u.int_in_range(1..=most)?);
        if u.ratio(2, 3)? {
            c = c.failure_rate(percent(u)?);
        }
        if u.arbitrary()? {
            let d = if u.arbitrary()? {
                u.int_in_range(1..=5)?
            } else {
                u.int_in_range(1..=60)?
            };
            c = c.slow_calls(Duration::from_ticks(d), percent(u)?);
        }
    }
    Ok(c)
}

/// Empties a shared window before an input uses it.
fn fresh(c: BreakerConfig) -> BreakerConfig {
    if let Ok(valid) = c.validate() {
        CircuitBreaker::new(valid, ManualClock::new()).reset_stats();
    }
    c
}

fn outcome(u: &mut Unstructured) -> Result<Outcome> {
    Ok(*u.choose(&[Outcome::Success, Outcome::Failure, Outcome::Ignore])?)
}

fn op(u: &mut Unstructured) -> Result<Op> {
    Ok(match u.int_in_range(0u8..=19)? {
        0..=3 => Op::Acquire,
        4..=6 => Op::Settle(u.int_in_range(0..=7)?, outcome(u)?),
        17..=18 => Op::SettleAfter(
            u.int_in_range(0..=7)?,
            outcome(u)?,
            if u.ratio(7, 8)? {
                u.int_in_range(0..=70)?
            } else {
                u.arbitrary()?
            },
        ),
        7 => Op::Drop(u.int_in_range(0..=7)?),
        8..=9 => Op::Advance(u.int_in_range(0..=60)?),
        // Long enough for a grown open time to pass.
        19 => Op::Advance(u.int_in_range(0..=2_000)?),
        10 => Op::Advance(u.arbitrary()?),
        11 => Op::StepBack(if u.arbitrary()? {
            u.int_in_range(1..=5)?
        } else {
            u.arbitrary()?
        }),
        12 => *u.choose(&[Op::Reset, Op::ResetStats, Op::ForceOpen, Op::Disable])?,
        13 => Op::State,
        14 => Op::Snapshot,
        15 => Op::StartTimeAccounting,
        // 2n generations at once: near 512 carries a held permit round the
        // generation's wrap.
        _ => Op::Cycle(if u.arbitrary()? {
            u.int_in_range(0..=3)?
        } else {
            u.int_in_range(509..=512)?
        }),
    })
}

fn run(u: &mut Unstructured) -> Result<()> {
    let cfg = fresh(config(u)?);
    let start: u32 = u.arbitrary()?;
    let observe: bool = u.arbitrary()?;
    let mut ops = Vec::new();
    while ops.len() < 256 && !u.is_empty() {
        ops.push(op(u)?);
    }
    if let Err(divergence) = check(cfg, start, observe, &ops) {
        panic!("the breaker diverged from the reference model:\n{divergence}");
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});

//! Operation sequences against the reference model: the bytes choose a
//! configuration, a starting time and up to 256 operations (a cycle of
//! commands counts as one, so a held permit can be carried round the
//! generation's wrap), which
//! `totem_tests::model::check` runs through the model and the real breaker,
//! comparing after every step. Any difference is a crash.
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use totem_core::{AbandonedPermit, BreakerConfig, Duration, Outcome, MAX_TIMEOUT_MS};
use totem_tests::model::{check, Op};

fn timeout(u: &mut Unstructured) -> Result<u32> {
    Ok(match u.int_in_range(0u8..=3)? {
        0 => u.int_in_range(1..=50)?,
        1 => u.int_in_range(1..=100_000)?,
        2 => MAX_TIMEOUT_MS - u.int_in_range(0..=100)?,
        _ => u.int_in_range(1..=MAX_TIMEOUT_MS)?,
    })
}

fn config(u: &mut Unstructured) -> Result<BreakerConfig> {
    let permits = u.int_in_range(1..=4)?;
    let mut c = BreakerConfig::new("fuzz")
        .failure_threshold(if u.ratio(1, 8)? {
            u.int_in_range(1..=511)?
        } else {
            u.int_in_range(1..=4)?
        })
        .reset_timeout(Duration::from_ticks(timeout(u)?))
        .half_open_timeout(Duration::from_ticks(timeout(u)?))
        .half_open_permits(permits);
    if u.arbitrary()? {
        c = c.successes_to_close(u.int_in_range(1..=permits)?);
    }
    if u.arbitrary()? {
        c = c.abandoned(AbandonedPermit::Neutral);
    }
    Ok(c)
}

fn outcome(u: &mut Unstructured) -> Result<Outcome> {
    Ok(*u.choose(&[Outcome::Success, Outcome::Failure, Outcome::Ignore])?)
}

fn op(u: &mut Unstructured) -> Result<Op> {
    Ok(match u.int_in_range(0u8..=16)? {
        0..=3 => Op::Acquire,
        4..=6 => Op::Settle(u.int_in_range(0..=7)?, outcome(u)?),
        7 => Op::Drop(u.int_in_range(0..=7)?),
        8..=9 => Op::Advance(u.int_in_range(0..=60)?),
        10 => Op::Advance(u.arbitrary()?),
        11 => Op::StepBack(if u.arbitrary()? {
            u.int_in_range(1..=5)?
        } else {
            u.arbitrary()?
        }),
        12 => *u.choose(&[Op::Reset, Op::ForceOpen, Op::Disable])?,
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
    let cfg = config(u)?;
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

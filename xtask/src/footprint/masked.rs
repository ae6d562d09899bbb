//! How long a critical section keeps interrupts masked: the most
//! instructions run from a `cpsid i` to the instruction that unmasks them
//! (`cpsie i`, or `msr PRIMASK` putting the saved mask back), both counted,
//! over every path through the function's branches and through what it
//! calls in between. Counted from the disassembly, so an instruction count,
//! not cycles. A loop, a call through a register, or a return with
//! interrupts still masked has no bound this way: an error, not a number.

use std::collections::HashMap;

use super::disassembly::{Disassembly, Flow, Instruction};
use crate::Result;

/// The longest masked stretch found, and the function it is in.
#[derive(Debug, PartialEq, Eq)]
pub struct Masked {
    pub function: String,
    pub instructions: usize,
}

/// The longest masked stretch of any of `functions`; `None` if none of
/// them masks interrupts.
pub fn longest<'a>(
    disassembly: &'a Disassembly,
    functions: &'a [String],
) -> Result<Option<Masked>> {
    let mut paths = Paths::new(disassembly);
    let mut longest: Option<Masked> = None;
    for function in functions {
        let code = paths.code(function)?;
        for (i, _) in code
            .iter()
            .enumerate()
            .filter(|(_, c)| c.masks_interrupts())
        {
            let instructions = 1 + paths.longest(function, i + 1, End::Unmasked)?;
            if longest
                .as_ref()
                .is_none_or(|l| instructions > l.instructions)
            {
                longest = Some(Masked {
                    function: function.clone(),
                    instructions,
                });
            }
        }
    }
    Ok(longest)
}

/// Where a path ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum End {
    /// At the instruction that unmasks interrupts.
    Unmasked,
    /// At a return: a function called while they are masked.
    Returned,
}

/// A path's length, once known, or that it is being measured (reached
/// again: a loop).
#[derive(Debug, Clone, Copy)]
enum Memo {
    Measuring,
    Known(usize),
}

/// The longest paths measured so far, by function, instruction and end.
struct Paths<'a> {
    disassembly: &'a Disassembly,
    memo: HashMap<(&'a str, usize, End), Memo>,
}

impl<'a> Paths<'a> {
    fn new(disassembly: &'a Disassembly) -> Self {
        Self {
            disassembly,
            memo: HashMap::new(),
        }
    }

    fn code(&self, function: &str) -> Result<&'a [Instruction]> {
        self.disassembly
            .function(function)
            .ok_or_else(|| format!("{function} is not in the disassembly"))
    }

    /// The most instructions run from instruction `at` of `function` to
    /// `end`, the last one counted.
    fn longest(&mut self, function: &'a str, at: usize, end: End) -> Result<usize> {
        match self.memo.get(&(function, at, end)) {
            Some(Memo::Known(n)) => return Ok(*n),
            Some(Memo::Measuring) => {
                return Err(format!(
                    "{function}: a loop with interrupts masked has no bound"
                ))
            }
            None => {}
        }
        self.memo.insert((function, at, end), Memo::Measuring);
        let n = self.step(function, at, end)?;
        self.memo.insert((function, at, end), Memo::Known(n));
        Ok(n)
    }

    fn step(&mut self, function: &'a str, at: usize, end: End) -> Result<usize> {
        let code = self.code(function)?;
        let instruction = code.get(at).ok_or_else(|| {
            format!("{function}: runs past its last instruction with interrupts masked")
        })?;
        let masks = instruction.masks_interrupts() || instruction.unmasks_interrupts();
        match end {
            End::Unmasked if instruction.unmasks_interrupts() => return Ok(1),
            End::Returned if masks => {
                return Err(format!(
                    "{function} masks or unmasks interrupts, called while they are masked"
                ))
            }
            _ => {}
        }
        let index = |address: u64| code.iter().position(|c| c.address() == address);
        let rest = match instruction.flow() {
            Flow::Next => self.longest(function, at + 1, end)?,
            Flow::Jump(address) => match index(address) {
                Some(target) => self.longest(function, target, end)?,
                None => self.tail_call(function, instruction, end)?,
            },
            Flow::Branch(address) => {
                let taken = match index(address) {
                    Some(target) => self.longest(function, target, end)?,
                    None => self.tail_call(function, instruction, end)?,
                };
                taken.max(self.longest(function, at + 1, end)?)
            }
            Flow::Call(callee) => {
                self.longest(callee, 0, End::Returned)? + self.longest(function, at + 1, end)?
            }
            Flow::IndirectCall => {
                return Err(format!(
                    "{function}: a call through a register with interrupts masked"
                ))
            }
            Flow::Return if end == End::Returned => 0,
            Flow::Return => {
                return Err(format!("{function}: returns with interrupts masked"));
            }
        };
        Ok(1 + rest)
    }

    /// A branch to another function: it returns for this one.
    fn tail_call(&mut self, function: &str, branch: &'a Instruction, end: End) -> Result<usize> {
        match (end, branch.branch_target()) {
            (End::Returned, Some(callee)) => self.longest(callee, 0, End::Returned),
            _ => Err(format!(
                "{function}: leaves for {} with interrupts masked",
                branch.operands()
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn longest_in(objdump: &str, functions: &[&str]) -> Result<Option<Masked>> {
        let functions: Vec<String> = functions.iter().map(|f| (*f).to_owned()).collect();
        longest(&Disassembly::parse(objdump), &functions)
    }

    // portable-atomic's CAS on thumbv6m (trimmed): the mismatch branch is
    // the shorter path.
    const CAS: &str = "
00000d9c <cas>:
     d9c:\tpush\t{r4, r6, r7, lr}
     da2:\tmrs\tr4, PRIMASK
     da6:\tcpsid\ti
     da8:\tldr\tr1, [r0, #0]
     daa:\tcmp\tr1, r3
     dac:\tbne.n\tdb4 <cas+0x18>
     dae:\tstr\tr2, [r0, #0]
     db0:\tmovs\tr0, #0
     db2:\tb.n\tdb6 <cas+0x1a>
     db4:\tmovs\tr0, #1
     db6:\tmsr\tPRIMASK, r4
     dba:\tisb\tsy
     dbe:\tpop\t{r4, r6, r7, pc}

00000dc0 <load>:
     dc0:\tmrs\tr1, PRIMASK
     dc4:\tcpsid\ti
     dc6:\tldr\tr0, [r0, #0]
     dc8:\tmsr\tPRIMASK, r1
     dcc:\tbx\tlr
";

    #[test]
    fn the_longest_path_from_cpsid_to_the_restored_mask_is_counted_both_ends_included() {
        let cas = longest_in(CAS, &["cas"]).unwrap().unwrap();
        // cpsid, ldr, cmp, bne (not taken), str, movs, b, msr.
        assert_eq!(cas.instructions, 8);
        let both = longest_in(CAS, &["load", "cas"]).unwrap().unwrap();
        assert_eq!(both.function, "cas");
        assert_eq!(longest_in(CAS, &["load"]).unwrap().unwrap().instructions, 3);
    }

    #[test]
    fn a_function_called_while_masked_counts_its_longest_path() {
        let objdump = "
00000100 <f>:
     100:\tcpsid\ti
     102:\tbl\t200 <g>
     106:\tcpsie\ti
     108:\tbx\tlr
00000200 <g>:
     200:\tcmp\tr0, #0
     202:\tbeq.n\t208 <g+0x8>
     204:\tadds\tr0, #1
     206:\tadds\tr0, #1
     208:\tbx\tlr
";
        // cpsid, bl, [cmp, beq, adds, adds, bx], cpsie.
        assert_eq!(
            longest_in(objdump, &["f"]).unwrap().unwrap().instructions,
            8
        );
    }

    #[test]
    fn no_cpsid_is_no_stretch() {
        assert_eq!(longest_in(CAS, &[]).unwrap(), None);
        let objdump = "
00000100 <f>:
     100:\tadds\tr0, #1
     102:\tbx\tlr
";
        assert_eq!(longest_in(objdump, &["f"]).unwrap(), None);
    }

    #[test]
    fn what_has_no_bound_is_an_error() {
        let looping = "
00000100 <f>:
     100:\tcpsid\ti
     102:\tsubs\tr0, #1
     104:\tbne.n\t102 <f+0x2>
     106:\tcpsie\ti
     108:\tbx\tlr
";
        let returning = "
00000100 <f>:
     100:\tcpsid\ti
     102:\tbx\tlr
";
        let indirect = "
00000100 <f>:
     100:\tcpsid\ti
     102:\tblx\tr3
     104:\tcpsie\ti
";
        for (objdump, says) in [
            (looping, "loop"),
            (returning, "returns"),
            (indirect, "register"),
        ] {
            let err = longest_in(objdump, &["f"]).unwrap_err();
            assert!(err.contains(says), "{err}");
        }
    }
}

//! The functions of a firmware and their instructions, from
//! `arm-none-eabi-objdump -d --no-show-raw-insn`.

use std::collections::{BTreeSet, HashMap};

/// One instruction: its address, and `mnemonic<TAB>operands[<TAB>comment]`
/// as objdump prints it after the address.
#[derive(Debug)]
pub struct Instruction {
    address: u64,
    fields: Vec<String>,
}

/// The condition codes of a Thumb conditional branch (`b<cond>`).
const CONDITIONS: [&str; 16] = [
    "eq", "ne", "cs", "cc", "hs", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le",
];

/// Where control goes after an instruction.
#[derive(Debug, PartialEq, Eq)]
pub enum Flow<'a> {
    /// On to the next instruction.
    Next,
    /// To the address only (`b`): within the function, or a tail call.
    Jump(u64),
    /// To the address or on to the next instruction (`beq`, `cbz`, ...).
    Branch(u64),
    /// Calls the function and comes back to the next instruction (`bl`).
    Call(&'a str),
    /// Calls through a register (`blx rN`): a callee no disassembly names.
    IndirectCall,
    /// Returns (`bx lr`, a `pop` or load into `pc`).
    Return,
}

impl Instruction {
    pub fn address(&self) -> u64 {
        self.address
    }

    pub fn mnemonic(&self) -> &str {
        &self.fields[0]
    }

    pub fn operands(&self) -> &str {
        self.fields.get(1).map_or("", String::as_str)
    }

    /// Whether it masks interrupts: `cpsid i` (a critical section begins).
    pub fn masks_interrupts(&self) -> bool {
        self.mnemonic() == "cpsid"
    }

    /// Whether it may unmask them: `cpsie i`, or `msr PRIMASK, rN` (the
    /// saved mask put back).
    pub fn unmasks_interrupts(&self) -> bool {
        self.mnemonic() == "cpsie"
            || (self.mnemonic() == "msr" && self.operands().starts_with("PRIMASK"))
    }

    /// Where control goes after it (`.n`/`.w` width suffixes aside). A
    /// branch whose address cannot be read counts as a return: control
    /// leaves what can be followed.
    pub fn flow(&self) -> Flow<'_> {
        let base = self.mnemonic().split('.').next().unwrap_or_default();
        let to = |flow: fn(u64) -> Flow<'static>| self.target_address().map_or(Flow::Return, flow);
        match base {
            "bl" => self.branch_target().map_or(Flow::IndirectCall, Flow::Call),
            "blx" => Flow::IndirectCall,
            "bx" => Flow::Return,
            "b" => to(Flow::Jump),
            "cbz" | "cbnz" => to(Flow::Branch),
            _ if base.len() == 3 && base.starts_with('b') && CONDITIONS.contains(&&base[1..]) => {
                to(Flow::Branch)
            }
            "pop" | "ldm" | "ldmia" if self.operands().contains("pc") => Flow::Return,
            _ if self.operands().starts_with("pc,") => Flow::Return,
            _ => Flow::Next,
        }
    }

    /// The address a direct branch goes to: the hex number before its
    /// `<symbol>` (the last operand, after a register for `cbz`).
    fn target_address(&self) -> Option<u64> {
        let operand = self.operands().split(' ').find(|o| is_hex(o))?;
        u64::from_str_radix(operand, 16).ok()
    }

    /// The function a direct branch (`bl`, `b`, `b.w`, `beq.n`, ...) goes
    /// to: objdump ends such a line with `<symbol>` or `<symbol+0xoffset>`.
    pub fn branch_target(&self) -> Option<&str> {
        if !self.mnemonic().starts_with('b') {
            return None;
        }
        let last = self.fields.last()?.strip_suffix('>')?;
        let (_, symbol) = last.rsplit_once('<')?;
        if symbol.is_empty() || symbol.contains('>') {
            return None;
        }
        Some(match symbol.rsplit_once("+0x") {
            Some((name, offset)) if is_hex(offset) => name,
            _ => symbol,
        })
    }
}

/// Every function of the disassembly, by (mangled) symbol name.
#[derive(Debug, Default)]
pub struct Disassembly {
    functions: HashMap<String, Vec<Instruction>>,
}

impl Disassembly {
    /// Reads objdump's output: a `00000400 <name>:` line opens a function,
    /// each `     400:<TAB>...` line after it is one of its instructions;
    /// anything else (section headers, `...` gaps) is skipped.
    pub fn parse(objdump: &str) -> Self {
        let mut disassembly = Self::default();
        let mut current: Option<&mut Vec<Instruction>> = None;
        for line in objdump.lines() {
            if let Some(name) = function_header(line) {
                current = Some(disassembly.functions.entry(name.to_owned()).or_default());
            } else if let (Some(function), Some((address, fields))) =
                (current.as_mut(), instruction(line))
            {
                function.push(Instruction {
                    address,
                    fields: fields.split('\t').map(str::to_owned).collect(),
                });
            }
        }
        disassembly
    }

    /// The instructions of `function`, in address order (as objdump lists
    /// them), if it is there.
    pub fn function(&self, function: &str) -> Option<&[Instruction]> {
        self.functions.get(function).map(Vec::as_slice)
    }

    /// Whether `function` is there, with at least one instruction.
    pub fn has(&self, function: &str) -> bool {
        self.functions.get(function).is_some_and(|i| !i.is_empty())
    }

    /// Whether `function` disables interrupts (`cpsid`: enters a critical
    /// section).
    pub fn has_cpsid(&self, function: &str) -> bool {
        self.instructions(function)
            .any(|i| i.fields.iter().any(|f| f.starts_with("cpsid")))
    }

    /// Whether `function` calls through a register (`blx rN`): a callee no
    /// disassembly can name.
    pub fn has_indirect_call(&self, function: &str) -> bool {
        self.instructions(function)
            .any(|i| i.mnemonic().starts_with("blx") && i.operands().starts_with('r'))
    }

    /// The other functions `function` branches to directly, in name order.
    pub fn callees(&self, function: &str) -> BTreeSet<&str> {
        self.instructions(function)
            .filter_map(Instruction::branch_target)
            .filter(|callee| *callee != function)
            .collect()
    }

    fn instructions(&self, function: &str) -> impl Iterator<Item = &Instruction> {
        self.functions.get(function).into_iter().flatten()
    }
}

/// The name in a `00000400 <name>:` line.
fn function_header(line: &str) -> Option<&str> {
    let (address, rest) = line.split_once(" <")?;
    let name = rest.strip_suffix(">:")?;
    (is_hex(address) && !name.is_empty() && !name.contains('>')).then_some(name)
}

/// The address, and what follows it, in a `     400:<TAB>bl<TAB>134c <f>`
/// line.
fn instruction(line: &str) -> Option<(u64, &str)> {
    let (address, rest) = line.trim_start().split_once(":\t")?;
    if !is_hex(address) || rest.is_empty() {
        return None;
    }
    Some((u64::from_str_radix(address, 16).ok()?, rest))
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured from thumbv6m-none-eabi (trimmed).
    const OBJDUMP: &str = "
thumbv6m-none-eabi.all.elf:     file format elf32-littlearm


Disassembly of section .text:

000000c0 <Reset>:
      c0:\tbl\t107a <DefaultPreInit>
      c4:\tldr\tr0, [pc, #32]\t@ (e8 <Reset+0x28>)
      cc:\tbeq.n\td2 <Reset+0x12>
      e2:\tbl\t106c <main>
      e8:\t.word\t0x200000e8

00000d68 <_ZN15portable_atomic9AtomicU324load17h90bcdb2c49a1b520E>:
     d68:\tpush\t{r7, lr}
     d6c:\tmrs\tr1, PRIMASK
     d70:\tcpsid\ti
     d72:\tldr\tr0, [r0, #0]
     d74:\tmsr\tPRIMASK, r1
     d7c:\tpop\t{r7, pc}
\t...

00001054 <fp_try_acquire>:
    1054:\tpush\t{r1, r2, r3, r4, r5, r6, r7, lr}
    105c:\tbl\td68 <_ZN15portable_atomic9AtomicU324load17h90bcdb2c49a1b520E>
    1060:\tb.w\t1080 <OUTLINED_FUNCTION_0+0x4>
    1064:\tblx\tr3
    106a:\tpop\t{r7, pc}

0000106c <main>:
    106c:\tpush\t{r7, lr}
    106e:\tb.n\t106c <main>
";

    #[test]
    fn functions_and_their_instructions_are_read() {
        let d = Disassembly::parse(OBJDUMP);
        assert!(d.has("Reset") && d.has("fp_try_acquire") && d.has("main"));
        assert!(!d.has("DefaultPreInit"));
    }

    #[test]
    fn cpsid_is_found_where_it_is() {
        let d = Disassembly::parse(OBJDUMP);
        assert!(d.has_cpsid("_ZN15portable_atomic9AtomicU324load17h90bcdb2c49a1b520E"));
        assert!(!d.has_cpsid("fp_try_acquire"));
    }

    #[test]
    fn callees_are_direct_branches_to_other_functions_offsets_dropped() {
        let d = Disassembly::parse(OBJDUMP);
        assert_eq!(
            d.callees("fp_try_acquire").into_iter().collect::<Vec<_>>(),
            [
                "OUTLINED_FUNCTION_0",
                "_ZN15portable_atomic9AtomicU324load17h90bcdb2c49a1b520E"
            ]
        );
        // A branch within the function, or a literal load naming a symbol, is no call.
        assert_eq!(
            d.callees("Reset").into_iter().collect::<Vec<_>>(),
            ["DefaultPreInit", "main"]
        );
        assert!(d.callees("main").is_empty());
    }

    #[test]
    fn flow_tells_jumps_branches_calls_and_returns_apart() {
        let objdump = "
00000100 <f>:
     100:\tb.n\t10a <f+0xa>
     102:\tbls.n\t100 <f>
     104:\tcbz\tr0, 10a <f+0xa>
     106:\tbl\t200 <g>
     10a:\tbic\tr0, r1
     10c:\tblx\tr3
     10e:\tpop\t{r4, pc}
     110:\tbx\tlr
     112:\tcpsid\ti
     114:\tmsr\tPRIMASK, r4
     118:\tmsr\tBASEPRI, r4
";
        let d = Disassembly::parse(objdump);
        let code = d.function("f").unwrap();
        let flows: Vec<Flow> = code.iter().map(Instruction::flow).collect();
        assert_eq!(
            flows[..8],
            [
                Flow::Jump(0x10a),
                Flow::Branch(0x100),
                Flow::Branch(0x10a),
                Flow::Call("g"),
                Flow::Next,
                Flow::IndirectCall,
                Flow::Return,
                Flow::Return,
            ]
        );
        let masks: Vec<(bool, bool)> = code[8..]
            .iter()
            .map(|i| (i.masks_interrupts(), i.unmasks_interrupts()))
            .collect();
        assert_eq!(masks, [(true, false), (false, true), (false, false)]);
    }

    #[test]
    fn a_call_through_a_register_is_indirect() {
        let d = Disassembly::parse(OBJDUMP);
        assert!(d.has_indirect_call("fp_try_acquire"));
        assert!(!d.has_indirect_call("Reset"));
    }
}

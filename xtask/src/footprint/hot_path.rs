//! The hot path: the functions reached from some roots by direct branches,
//! and which of them enter a critical section.

use std::collections::{BTreeSet, HashSet, VecDeque};

use super::disassembly::Disassembly;
use crate::Result;

/// What a walk from the roots found.
#[derive(Debug, PartialEq, Eq)]
pub struct HotPath {
    /// How many functions it reached, the roots included.
    pub reached: usize,
    /// The reached functions that contain `cpsid`, in the order reached.
    pub cpsid: Vec<String>,
    /// The reached functions with an indirect call, which the walk cannot
    /// follow (a clean result is then partial), in name order.
    pub indirect: Vec<String>,
}

/// Walks the call graph of `disassembly` breadth-first from `roots`,
/// following direct branches (callees in name order). A root that is not in
/// the disassembly is an error: the check would pass vacuously.
pub fn walk(disassembly: &Disassembly, roots: &[&str]) -> Result<HotPath> {
    if let Some(missing) = roots.iter().find(|r| !disassembly.has(r)) {
        return Err(format!(
            "{missing} is not in the firmware: the check would pass vacuously"
        ));
    }
    let mut queue: VecDeque<&str> = roots.iter().copied().collect();
    let mut seen = HashSet::new();
    let mut cpsid = Vec::new();
    let mut indirect = BTreeSet::new();
    while let Some(function) = queue.pop_front() {
        if !seen.insert(function) {
            continue;
        }
        if disassembly.has_cpsid(function) {
            cpsid.push(function.to_owned());
        }
        if disassembly.has_indirect_call(function) {
            indirect.insert(function.to_owned());
        }
        queue.extend(
            disassembly
                .callees(function)
                .into_iter()
                .filter(|callee| !seen.contains(callee)),
        );
    }
    Ok(HotPath {
        reached: seen.len(),
        cpsid,
        indirect: indirect.into_iter().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // A hot path that reaches a cpsid two calls down, through a `bl` and a
    // tail call (`b.w`), as thumbv6m's emulated atomics do.
    const REACHED: &str = "
00000100 <fp_record>:
     100:\tpush\t{r7, lr}
     102:\tbl\t200 <_ZN4core6record17h0000000000000001E>
     106:\tpop\t{r7, pc}

00000200 <_ZN4core6record17h0000000000000001E>:
     200:\tcmp\tr0, #0
     202:\tbne.n\t206 <_ZN4core6record17h0000000000000001E+0x6>
     204:\tb.w\t300 <_ZN15portable_atomic9fetch_add17h0000000000000002E>
     206:\tbx\tlr

00000300 <_ZN15portable_atomic9fetch_add17h0000000000000002E>:
     300:\tmrs\tr1, PRIMASK
     304:\tcpsid\ti
     306:\tmsr\tPRIMASK, r1
     30a:\tbx\tlr

00000400 <unrelated>:
     400:\tcpsid\ti
     402:\tbx\tlr
";

    // The same cpsid, in a function nothing on the hot path branches to:
    // only its address is loaded (a literal, not a call).
    const NOT_REACHED: &str = "
00000100 <fp_record>:
     100:\tpush\t{r7, lr}
     102:\tldr\tr0, [pc, #4]\t@ (108 <fp_record+0x8>)
     104:\tldrex\tr1, [r0]
     106:\tpop\t{r7, pc}
     108:\t.word\t0x00000300

00000300 <_ZN15portable_atomic9fetch_add17h0000000000000002E>:
     300:\tmrs\tr1, PRIMASK
     304:\tcpsid\ti
     30a:\tbx\tlr
";

    #[test]
    fn a_cpsid_reached_through_bl_and_a_tail_call_is_found() {
        let path = walk(&Disassembly::parse(REACHED), &["fp_record"]).unwrap();
        assert_eq!(
            path,
            HotPath {
                reached: 3,
                cpsid: vec!["_ZN15portable_atomic9fetch_add17h0000000000000002E".into()],
                indirect: vec![],
            }
        );
    }

    #[test]
    fn a_cpsid_not_reached_is_not_reported() {
        let path = walk(&Disassembly::parse(NOT_REACHED), &["fp_record"]).unwrap();
        assert_eq!(path.reached, 1);
        assert!(path.cpsid.is_empty());
    }

    #[test]
    fn a_function_reached_twice_is_counted_once_in_the_order_first_reached() {
        let objdump = "
00000100 <a>:
     100:\tbl\t300 <c>
     104:\tbl\t200 <b>
00000200 <b>:
     200:\tbl\t300 <c>
     204:\tcpsid\ti
00000300 <c>:
     300:\tcpsid\ti
     302:\tblx\tr3
";
        let path = walk(&Disassembly::parse(objdump), &["a", "b"]).unwrap();
        assert_eq!(path.reached, 3);
        assert_eq!(path.cpsid, ["b", "c"]);
        assert_eq!(path.indirect, ["c"]);
    }

    #[test]
    fn a_missing_root_is_an_error_not_a_pass() {
        let err = walk(&Disassembly::parse(NOT_REACHED), &["fp_call"]).unwrap_err();
        assert!(err.contains("fp_call"), "{err}");
    }
}

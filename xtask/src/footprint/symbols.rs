//! Symbols of a firmware, from `arm-none-eabi-nm`.

use regex::Regex;

/// The size of `symbol` (a `static`: the RAM it takes), from
/// `nm --print-size --radix=d` (`address size type name` lines).
pub fn size_of(nm: &str, symbol: &str) -> Option<u64> {
    nm.lines().find_map(|line| {
        let (fields, name) = split_fields::<3>(line)?;
        if name != symbol {
            return None;
        }
        fields[1].parse().ok()
    })
}

/// Totem's symbols, and the runtime helpers they pull in, from
/// `nm --print-size --size-sort --radix=d -C` (demangled names may hold
/// spaces): one `size type name` line each, in nm's order, for code and data.
pub fn totem_symbols(nm: &str) -> Vec<String> {
    let ours = Regex::new(
        "totem_core|fp_|FP_|OUTLINED_FUNCTION|compiler_builtins|portable_atomic|__aeabi",
    )
    .expect("a valid pattern");
    nm.lines()
        .filter_map(|line| {
            let (fields, name) = split_fields::<3>(line)?;
            let size: u64 = fields[1].parse().ok()?;
            let kind = fields[2];
            let code_or_data = matches!(kind, "t" | "T" | "r" | "R" | "d" | "D" | "b" | "B");
            (code_or_data && ours.is_match(line)).then(|| format!("{size:6} {kind} {name}"))
        })
        .collect()
}

/// The lines of `nm -C` that name a lock of portable-atomic (its `fallback`
/// seqlock table, which an atomic emulated with locks would link),
/// matched in any case, as `LOCKS` and `lock` both are.
pub fn lock_table(nm: &str) -> Vec<&str> {
    const CRATE: &str = "portable_atomic";
    nm.lines()
        .filter(|line| {
            let line = line.to_ascii_lowercase();
            line.find(CRATE)
                .is_some_and(|at| line[at + CRATE.len()..].contains("lock"))
        })
        .collect()
}

/// The first `N` whitespace-separated fields of `line`, and the rest of it
/// (a name, which may hold spaces) when there is one.
fn split_fields<const N: usize>(line: &str) -> Option<([&str; N], &str)> {
    let mut fields = [""; N];
    let mut rest = line.trim_start();
    for field in &mut fields {
        let end = rest.find(char::is_whitespace)?;
        *field = &rest[..end];
        rest = rest[end..].trim_start();
    }
    (!rest.is_empty()).then_some((fields, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NM: &str = "\
00004934 T BusFault
00004934 00000006 T DefaultHandler_
536870912 00000136 D FP_BREAKER
536871048 00000096 D FP_RETRY
00004946 00000014 t OUTLINED_FUNCTION_0
536871144 00000004 b totem_footprint::INPUT
";

    const NM_SORTED: &str = "\
00004212 00000006 T DefaultHandler_
00004204 00000008 T main
00000896 00000022 t totem_core::retry::run::Run<C,O>::gave_up
00000404 00000088 t totem_core::breaker::driver::<impl totem_core::breaker::CircuitBreaker<C,O>>::cas
536870912 00000136 D FP_BREAKER
00000004 00000004 R __RESET_VECTOR
00000100 00000012 N totem_core::debug_info
";

    #[test]
    fn a_static_has_its_size_and_a_missing_one_none() {
        assert_eq!(size_of(NM, "FP_BREAKER"), Some(136));
        assert_eq!(size_of(NM, "FP_RETRY"), Some(96));
        assert_eq!(size_of(NM, "BusFault"), None);
        assert_eq!(size_of(NM, "FP_NOTHING"), None);
    }

    #[test]
    fn totem_symbols_keep_names_with_spaces_and_skip_the_rest() {
        assert_eq!(
            totem_symbols(NM_SORTED),
            [
                "    22 t totem_core::retry::run::Run<C,O>::gave_up",
                "    88 t totem_core::breaker::driver::<impl totem_core::breaker::CircuitBreaker<C,O>>::cas",
                "   136 D FP_BREAKER",
            ]
        );
    }

    #[test]
    fn the_lock_table_is_found_by_name() {
        let nm = "00000100 t portable_atomic::imp::fallback::lock\n\
                  20000000 b portable_atomic::imp::fallback::LOCKS\n\
                  00000200 t portable_atomic::AtomicU32::load\n\
                  00000300 t clock::portable_atomic::AtomicU32::load\n";
        assert_eq!(lock_table(nm).len(), 2);
        assert!(lock_table(NM).is_empty());
    }
}

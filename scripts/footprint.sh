#!/usr/bin/env bash
# Flash and RAM footprint of totem-core on Cortex-M, and the hot-path check.
#
# Builds the measuring firmware in footprint/ (opt-level "z", fat LTO, one
# codegen unit, panic = abort) for thumbv7em-none-eabihf and thumbv6m-none-eabi,
# once per feature set, and prints:
#   * flash bytes each API function adds to the empty firmware;
#   * flash bytes each configuration option adds on top of the default;
#   * RAM per breaker and per retry (size of the `static`);
# and FAILS (exit 1) if, on thumbv7em-none-eabihf,
#   * the hot path (fp_try_acquire, fp_record, fp_call, and every function they reach
#     by a direct branch) contains `cpsid` (a critical section), or
#   * a portable-atomic lock table (its `fallback` seqlocks) is linked.
#
# Installs what it needs, idempotently: the toolchain of rust-toolchain.toml,
# and binutils-arm-none-eabi (apt) when arm-none-eabi-nm is missing.
#
# Usage: scripts/footprint.sh            (from anywhere; honours CARGO_TARGET_DIR)
#        FOOTPRINT_BUDGET=2048 scripts/footprint.sh   budget for breaker + retry
#        FOOTPRINT_STRICT=1 ...          also fail when the budget is missed
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MANIFEST=$ROOT/footprint/Cargo.toml
TARGETS=(thumbv7em-none-eabihf thumbv6m-none-eabi)
STRICT_TARGET=thumbv7em-none-eabihf
BUDGET=${FOOTPRINT_BUDGET:-2048}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/footprint/target}
OUT=$CARGO_TARGET_DIR/footprint-report
mkdir -p "$OUT"

say() { printf '%s\n' "$*"; }
die() { printf 'footprint: FAIL: %s\n' "$*" >&2; exit 1; }

# --- tools -------------------------------------------------------------------
# The targets come from rust-toolchain.toml.
rustup toolchain install >/dev/null
if ! command -v arm-none-eabi-nm >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends binutils-arm-none-eabi >/dev/null
fi
for tool in arm-none-eabi-nm arm-none-eabi-size arm-none-eabi-objdump arm-none-eabi-c++filt; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found after installing binutils-arm-none-eabi"
done

# --- building ----------------------------------------------------------------
# build TARGET FEATURES -> path of a copy of the ELF (features comma-separated)
build() {
    local target=$1 features=$2
    local name=${features:-empty}
    name=${name//,/+}
    local elf=$OUT/$target.$name.elf
    (cd "$ROOT/footprint" &&
        cargo build --quiet --manifest-path "$MANIFEST" --release --target "$target" \
            ${features:+--features "$features"}) ||
        die "build failed: $target features=[$features]"
    cp "$CARGO_TARGET_DIR/$target/release/totem-footprint" "$elf"
    printf '%s' "$elf"
}

# Flash: everything loaded into flash (vector table, code, constants, .data image).
flash() {
    arm-none-eabi-size -A "$1" |
        awk '$1 ~ /^\.(vector_table|text|rodata|data)$/ { s += $2 } END { print s + 0 }'
}
# The .data image alone (initial values of the statics, copied to RAM at boot).
dataimg() {
    arm-none-eabi-size -A "$1" | awk '$1 == ".data" { s += $2 } END { print s + 0 }'
}
# RAM taken by one symbol (a static), in bytes.
symsize() {
    arm-none-eabi-nm --print-size --radix=d "$1" |
        awk -v s="$2" '$4 == s { print $2 + 0; found = 1 } END { if (!found) print "-" }'
}

# hot_path_cpsid ELF ROOT... -> prints "function" for every reached function
# that contains cpsid; prints nothing when clean. Follows direct branches
# (bl, b.w, b, conditional b*) to other functions; an indirect call (blx rN)
# is not followed, and the default configuration has none on this path.
hot_path_cpsid() {
    local elf=$1
    shift
    local dis=$OUT/dis.txt
    arm-none-eabi-objdump -d --no-show-raw-insn "$elf" |
        awk '/^[0-9a-f]+ <[^>]+>:$/ { f = $2; gsub(/[<>:]/, "", f); next }
             f != "" && NF > 1 { print f "\t" $0 }' >"$dis"
    local -A seen=()
    local queue=("$@") f callee
    for f in "$@"; do
        grep -q "^$f	" "$dis" || die "$f is not in $elf: the check would pass vacuously"
    done
    while [ ${#queue[@]} -gt 0 ]; do
        f=${queue[0]}
        queue=("${queue[@]:1}")
        [ -n "${seen[$f]:-}" ] && continue
        seen[$f]=1
        if awk -F'\t' -v f="$f" '$1 == f && $0 ~ /\tcpsid/ { hit = 1 } END { exit !hit }' "$dis"; then
            say "$f"
        fi
        while read -r callee; do
            [ -n "$callee" ] && [ -z "${seen[$callee]:-}" ] && queue+=("$callee")
        done < <(awk -F'\t' -v f="$f" '$1 == f && $3 ~ /^b/ && $0 ~ /<[^>]+>$/ {
                    m = $0; sub(/.*</, "", m); sub(/>$/, "", m); sub(/\+0x[0-9a-f]+$/, "", m)
                    if (m != f) print m }' "$dis" | sort -u)
    done
    printf '%s\n' "${!seen[@]}" >"$OUT/reached.txt"
    # Indirect calls cannot be followed: flag them so that a clean result is
    # never silently partial.
    awk -F'\t' 'NR == FNR { r[$1] = 1; next } ($1 in r) && $3 ~ /^blx/ && $4 ~ /^r/ { print $1 }' \
        "$OUT/reached.txt" "$dis" | sort -u >"$OUT/indirect.txt"
}

API=(
    "try_acquire|try_acquire|none|try_acquire (CLOSED fast path + slow path)"
    "record|record|try_acquire|recording an outcome on the permit (+ its drop)"
    "call|call|none|call (acquire, run, classify, record)"
    "state|state|none|state"
    "retry_step|retry_step|none|one retry delay step (schedule().next())"
    "retry_call|retry_call|none|retry call (whole blocking loop)"
    "breaker_retry|breaker_retry|none|breaker.call(retry.call(op)) (breaker around retry)"
)
# feature|label|reference build (default: all)
OPTIONS=(
    "observer|an observer (a fn(&Event) that stores the event kind) on breaker and retry"
    "abandoned_neutral|abandoned permit = neutral"
    "retry_metrics_off|retry metrics off"
    "jitter_full|full jitter"
    "jitter_decorrelated|decorrelated jitter"
)

status=0
for target in "${TARGETS[@]}"; do
    say ""
    say "### $target"
    say ""
    empty=$(build "$target" "")
    all=$(build "$target" "all")
    f_empty=$(flash "$empty")
    f_all=$(flash "$all")
    declare -A F=() D=()
    F[none]=$f_empty
    D[none]=$(dataimg "$empty")
    say "| API function | flash bytes added | of which .data image |"
    say "|---|---:|---:|"
    for entry in "${API[@]}"; do
        IFS='|' read -r feat features minus label <<<"$entry"
        elf=$(build "$target" "$features")
        F[$feat]=$(flash "$elf")
        D[$feat]=$(dataimg "$elf")
        say "| $label | $((F[$feat] - F[$minus])) | $((D[$feat] - D[$minus])) |"
    done
    total=$((f_all - f_empty))
    say "| **total, breaker + retry (all of the above)** | **$total** | $(($(dataimg "$all") - D[none])) |"
    say ""
    say "empty firmware (vector table, clock, loop): $f_empty bytes of flash"
    say ""
    say "| option, on top of the default configuration | flash bytes added |"
    say "|---|---:|"
    for entry in "${OPTIONS[@]}"; do
        IFS='|' read -r feat label reference <<<"$entry"
        elf=$(build "$target" "all,$feat")
        ref=$f_all
        [ -n "$reference" ] && ref=$(flash "$(build "$target" "$reference")")
        say "| $label | $(($(flash "$elf") - ref)) |"
    done
    say ""
    say "RAM: one breaker (FP_BREAKER) $(symsize "$all" FP_BREAKER) bytes, one retry (FP_RETRY) $(symsize "$all" FP_RETRY) bytes"
    say ""
    say "Totem's symbols in the full build (bytes, type, name; t = code, D = .data):"
    say '```'
    arm-none-eabi-nm --print-size --size-sort --radix=d -C "$all" |
        awk '$3 ~ /^[tTrRdDbB]$/ && $0 ~ /totem_core|fp_|FP_|OUTLINED_FUNCTION|compiler_builtins|portable_atomic|__aeabi/ {
                 s = $0; sub(/^[0-9]+ +[0-9]+ +/, "", s); printf "%6d %s\n", $2, s }'
    say '```'

    hits=$(hot_path_cpsid "$all" fp_try_acquire fp_record fp_call | arm-none-eabi-c++filt)
    reached=$(wc -l <"$OUT/reached.txt")
    locks=$(arm-none-eabi-nm -C "$all" | grep -Ei 'portable_atomic.*(lock|LOCKS)' || true)
    if [ -s "$OUT/indirect.txt" ]; then
        say "note: indirect calls (not followed) in: $(arm-none-eabi-c++filt <"$OUT/indirect.txt" | tr '\n' ' ')"
    fi
    if [ "$target" = "$STRICT_TARGET" ]; then
        if [ -n "$hits" ]; then
            say "hot path: FAIL, cpsid in: $(tr '\n' ' ' <<<"$hits")"
            status=1
        else
            say "hot path: no cpsid in fp_try_acquire, fp_record, fp_call and the $((reached - 3)) function(s) they reach: OK"
        fi
        if [ -n "$locks" ]; then
            say "portable-atomic lock table: FAIL, linked: $locks"
            status=1
        else
            say "portable-atomic lock table: not linked: OK"
        fi
        if [ "$total" -gt "$BUDGET" ]; then
            say "budget: breaker + retry = $total bytes > $BUDGET: MISSED"
            [ "${FOOTPRINT_STRICT:-0}" = 1 ] && status=1
        else
            say "budget: breaker + retry = $total bytes <= $BUDGET: met"
        fi
    else
        if [ -n "$hits" ]; then
            say "hot path: enters a critical section (cpsid in $(tr '\n' ' ' <<<"$hits")): expected here, the target has no CAS"
        else
            say "hot path: no cpsid"
        fi
    fi
done

[ "$status" = 0 ] || die "see above"
say ""
say "footprint: OK"

#!/usr/bin/env bash
# Build the Totem demo firmware, run it in QEMU, decode its defmt log, print it, and check it.
#
#   scripts/firmware.sh                 # thumbv7m (lm3s6965evb) + thumbv7em (mps2-an386) in QEMU,
#                                       # and a build-only check for thumbv6m (Cortex-M0, no CAS)
#   scripts/firmware.sh thumbv7m-none-eabi    # one target only
#
# Needs: scripts/install-firmware-tools.sh (targets, qemu-system-arm, defmt-print).
# A run passes when QEMU exits 0 (the firmware's own verdict, via semihosting), the log has no
# panic/ERROR line, and every pattern of firmware/expected-log.txt matches a log line, in order.
# Any other outcome (non-zero exit, panic, timeout, missing or out-of-order line) fails.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FW="$ROOT/firmware"
EXPECTED="$FW/expected-log.txt"
TIMEOUT="${FIRMWARE_TIMEOUT:-60}"
# Always firmware/target (gitignored), whatever CARGO_TARGET_DIR says: the ELF path must be known.
TARGET_DIR="$FW/target"
OUT="${FIRMWARE_OUT:-$TARGET_DIR/qemu-logs}"
mkdir -p "$OUT"

if [ "$#" -gt 0 ]; then TARGETS=("$@"); else
    TARGETS=(thumbv7m-none-eabi thumbv7em-none-eabihf thumbv6m-none-eabi)
fi

for tool in qemu-system-arm defmt-print; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "firmware.sh: $tool missing; run scripts/install-firmware-tools.sh" >&2; exit 2; }
done

# check_log LOG: every non-comment line of $EXPECTED is an extended regex that must match a
# line of LOG, each after the line the previous pattern matched.
check_log() {
    local log="$1" pos=0 pattern n
    while IFS= read -r pattern; do
        case "$pattern" in ''|'#'*) continue ;; esac
        n="$(tail -n +"$((pos + 1))" "$log" | grep -n -E -m1 -- "$pattern" | cut -d: -f1)"
        if [ -z "$n" ]; then
            echo "firmware.sh: expected line not found (in order) after log line $pos: /$pattern/" >&2
            return 1
        fi
        pos=$((pos + n))
    done < "$EXPECTED"
    if grep -n -E 'panic|ERROR' "$log" >&2; then
        echo "firmware.sh: the log has a panic/ERROR line" >&2
        return 1
    fi
    return 0
}

fail=0
for target in "${TARGETS[@]}"; do
    echo "=== firmware: build $target"
    ( cd "$FW" && cargo build --release --locked --target "$target" --target-dir "$TARGET_DIR" ) \
        || { fail=1; continue; }
    elf="$TARGET_DIR/$target/release/totem-firmware"
    case "$target" in
        thumbv7m-none-eabi)    machine=(-cpu cortex-m3 -machine lm3s6965evb) ;;
        thumbv7em-none-eabihf) machine=(-cpu cortex-m4 -machine mps2-an386) ;;
        *) echo "=== firmware: $target built (no QEMU run: QEMU has no suitable board for it)"
           continue ;;
    esac
    raw="$OUT/$target.defmt"
    log="$OUT/$target.log"
    echo "=== firmware: run $target in QEMU (${machine[*]})"
    timeout "$TIMEOUT" qemu-system-arm "${machine[@]}" -nographic \
        -semihosting-config enable=on,target=native -kernel "$elf" > "$raw"
    rc=$?
    defmt-print -e "$elf" < "$raw" > "$log" 2>&1
    cat "$log"
    if [ "$rc" -eq 124 ]; then
        echo "firmware.sh: $target: QEMU timed out after ${TIMEOUT}s" >&2; fail=1; continue
    elif [ "$rc" -ne 0 ]; then
        echo "firmware.sh: $target: firmware exited with $rc" >&2; fail=1; continue
    fi
    if ! check_log "$log"; then fail=1; continue; fi
    echo "=== firmware: $target passed (exit 0, expected sequence seen)"
done

if [ "$fail" -ne 0 ]; then echo "firmware.sh: FAILED" >&2; exit 1; fi
echo "firmware.sh: all targets passed"

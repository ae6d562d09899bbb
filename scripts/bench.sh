#!/usr/bin/env bash
# Totem beside its peers: the full benchmark run, or a compile check for CI.
#
#   scripts/bench.sh check   compile the benches only (what CI runs)
#   scripts/bench.sh quick   short criterion times, 7 contended rounds (~2 min)
#   scripts/bench.sh [full]  the run BENCHMARKS.md reports (~6 min)
#
# Writes the tables to $CARGO_TARGET_DIR/bench-report.md (and stdout); the
# raw criterion output goes to $CARGO_TARGET_DIR/bench-criterion.log.
# Honours CARGO_TARGET_DIR (default: <repo>/target). Run it on an otherwise
# idle machine: the contended bench discards rounds in which its two threads
# did not really run in parallel, and says how many it kept.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
MODE=${1:-full}

case "$MODE" in
check)
    cargo bench --locked -p totem-benches --no-run
    exit 0
    ;;
quick)
    CRITERION=(--warm-up-time 0.5 --measurement-time 1)
    export TOTEM_CONTENDED_ROUNDS=${TOTEM_CONTENDED_ROUNDS:-5}
    export TOTEM_CONTENDED_MAX_ROUNDS=${TOTEM_CONTENDED_MAX_ROUNDS:-25}
    export TOTEM_CONTENDED_PHASE_MS=${TOTEM_CONTENDED_PHASE_MS:-10}
    ;;
full)
    CRITERION=(--warm-up-time 2 --measurement-time 5)
    export TOTEM_CONTENDED_ROUNDS=${TOTEM_CONTENDED_ROUNDS:-15}
    export TOTEM_CONTENDED_MAX_ROUNDS=${TOTEM_CONTENDED_MAX_ROUNDS:-150}
    export TOTEM_CONTENDED_PHASE_MS=${TOTEM_CONTENDED_PHASE_MS:-20}
    ;;
*)
    echo "usage: $0 [check|quick|full]" >&2
    exit 2
    ;;
esac

REPORT=$CARGO_TARGET_DIR/bench-report.md
LOG=$CARGO_TARGET_DIR/bench-criterion.log
mkdir -p "$CARGO_TARGET_DIR"
cargo bench -p totem-benches --no-run 2>&1 | tail -n 1

{
    echo "## Run of $(date -u '+%Y-%m-%d %H:%M UTC') ($MODE)"
    echo
    echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "- rustc: $(rustc -V)"
    echo "- CPU: $(lscpu | awk -F: '/Model name/ { gsub(/^ +/, "", $2); print $2; exit }'), nproc = $(nproc), $(lscpu | awk -F: '/Hypervisor vendor/ { gsub(/^ +/, "", $2); print "hypervisor " $2; exit }')"
    echo "- load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- criterion: ${CRITERION[*]}; contended: until $TOTEM_CONTENDED_ROUNDS rounds are kept (at most $TOTEM_CONTENDED_MAX_ROUNDS), $TOTEM_CONTENDED_PHASE_MS ms per phase"
    echo
    echo "## Single thread (criterion, median of 100 samples)"
    cargo bench -p totem-benches --bench speed -- --noplot "${CRITERION[@]}" 2>&1 |
        tee "$LOG" | awk '/^### /{ on = 1 } on'
    echo
    echo "## Tower layers (criterion)"
    cargo bench -p totem-benches --bench tower -- --noplot "${CRITERION[@]}" 2>&1 |
        tee -a "$LOG" | awk '/^### /{ on = 1 } on'
    echo
    echo "## Retry budget (criterion)"
    cargo bench -p totem-benches --bench budget -- --noplot "${CRITERION[@]}" 2>&1 |
        tee -a "$LOG" | awk '/^### /{ on = 1 } on'
    echo
    echo "## Failure-rate window (criterion)"
    cargo bench -p totem-benches --bench window -- --noplot "${CRITERION[@]}" 2>&1 |
        tee -a "$LOG" | awk '/^### /{ on = 1 } on'
    echo
    echo "## Contended"
    cargo bench -p totem-benches --bench contended 2>/dev/null | awk '/^### /{ on = 1 } on'
    echo
    echo "## Heap"
    cargo bench -p totem-benches --bench alloc 2>/dev/null | awk '/^### /{ on = 1 } on'
} | tee "$REPORT"
echo
echo "report: $REPORT"

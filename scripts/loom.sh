#!/usr/bin/env bash
# Runs every loom model of the breaker (tests/tests/loom.rs) under
# `--cfg totem_loom` (not plain `--cfg loom`, which breaks tokio's build).
#
#   scripts/loom.sh                       # CI bound: LOOM_MAX_PREEMPTIONS=3
#   LOOM_MAX_PREEMPTIONS=4 scripts/loom.sh   # deeper (see the timings in the
#                                            # verification notes)
#   scripts/loom.sh model_4               # one model (a test-name filter)
#
# Idempotent; needs only the stable toolchain (loom comes from crates.io).
set -euo pipefail
cd "$(dirname "$0")/.."

export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-3}"
# A build of its own: the cfg changes every crate's fingerprint.
export CARGO_TARGET_DIR="${TOTEM_LOOM_TARGET_DIR:-${CARGO_TARGET_DIR:-target}/loom}"
export RUSTFLAGS="${RUSTFLAGS:-} --cfg totem_loom"
# loom's own failure report: the interleaving that broke the invariant.
export LOOM_LOCATION="${LOOM_LOCATION:-1}"

echo "loom: LOOM_MAX_PREEMPTIONS=$LOOM_MAX_PREEMPTIONS, target dir $CARGO_TARGET_DIR"
# --test-threads 1: the models share two cores with the rest of the machine;
# one at a time gives each model's time on its own line.
exec cargo test --release -p totem-tests --test loom -- --test-threads 1 "$@"

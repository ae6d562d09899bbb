#!/usr/bin/env bash
# Runs the shuttle models of the breaker (tests/tests/shuttle.rs) under
# `--cfg totem_shuttle`: random and PCT schedules, 100,000 per model by
# default (TOTEM_SHUTTLE_ITERATIONS to change).
#
#   scripts/shuttle.sh                               # CI
#   TOTEM_SHUTTLE_ITERATIONS=1000000 scripts/shuttle.sh   # deeper
#
# Idempotent; needs only the stable toolchain (shuttle comes from crates.io).
set -euo pipefail
cd "$(dirname "$0")/.."

# A build of its own: the cfg changes every crate's fingerprint.
export CARGO_TARGET_DIR="${TOTEM_SHUTTLE_TARGET_DIR:-${CARGO_TARGET_DIR:-target}/shuttle}"
export RUSTFLAGS="${RUSTFLAGS:-} --cfg totem_shuttle"
exec cargo test --release -p totem-tests --test shuttle -- "$@"

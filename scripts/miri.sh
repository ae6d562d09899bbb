#!/usr/bin/env bash
# The core's tests under miri (undefined behaviour, data races through the
# atomics, overflow): `cargo +nightly miri test -p totem-core --lib --tests`,
# then the clock-edge tests of the real breaker (tests/tests/edge_*.rs)
# (doctests skipped: 110+ compiled doctests take long under miri and test
# documentation, not memory). Extra arguments go to the test binary, e.g.
#   scripts/miri.sh breaker::tests
# Idempotent: adds the nightly miri component if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

toolchain="${MIRI_TOOLCHAIN:-nightly}"
if ! rustup +"$toolchain" component list --installed 2>/dev/null | grep -q '^miri'; then
    echo "miri: adding the miri component to $toolchain"
    rustup +"$toolchain" component add miri rust-src
fi
cargo +"$toolchain" miri setup
# A target dir of its own (miri's artefacts are not reusable by cargo test).
export CARGO_TARGET_DIR="${TOTEM_MIRI_TARGET_DIR:-${CARGO_TARGET_DIR:-target}/miri}"
cargo +"$toolchain" miri test -p totem-core --lib --tests -- "$@"
# The real breaker end to end, on ManualClock, chosen by concern: the clock's
# edges (wrap, step back, months idle), the half-open timer and manual
# commands. A few seconds under miri; the proptest, the generation's wrap and
# the real-thread stress test are too slow for it.
cargo +"$toolchain" miri test -p totem-tests \
    --test clock_edges --test half_open_timeout --test manual_control -- "$@"

#!/usr/bin/env bash
# Flash and RAM footprint of totem-core on Cortex-M, and the hot-path check: a thin wrapper
# over `cargo xtask footprint` (xtask/src/footprint.rs), which builds footprint/ per feature
# set for thumbv7em-none-eabihf, thumbv6m-none-eabi and riscv32imac-unknown-none-elf, prints the flash each API function
# and option adds, the RAM per breaker and retry and, on thumbv6m, the longest critical
# section (instructions run with interrupts masked) each hot-path entry point reaches, and
# fails (exit 1) on a thumbv7em hot-path cpsid or a linked portable-atomic lock table. It
# installs binutils-arm-none-eabi (apt) when missing; the toolchain and targets come from
# rust-toolchain.toml.
#
#   scripts/footprint.sh                           (honours CARGO_TARGET_DIR)
#   FOOTPRINT_BUDGET=2048 scripts/footprint.sh     budget for breaker + retry
#   FOOTPRINT_STRICT=1 scripts/footprint.sh        also fail when the lean build misses the budget
set -euo pipefail
cd "$(dirname "$0")/.."
rustup toolchain install >/dev/null
exec cargo xtask footprint "$@"

#!/usr/bin/env bash
# The firmware in QEMU: a thin wrapper over `cargo xtask firmware` (xtask/src/firmware.rs),
# which builds each target, runs it on its board, decodes and checks the defmt log.
#
#   scripts/firmware.sh                       # every target, each on its board
#   scripts/firmware.sh thumbv7m-none-eabi    # one target
#
# Needs: scripts/install-firmware-tools.sh (qemu-system-arm, qemu-system-riscv32, defmt-print).
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo xtask firmware "$@"

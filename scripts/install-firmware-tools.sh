#!/usr/bin/env bash
# Idempotent install of what the firmware build and its QEMU run need:
#   - the bare-metal Rust targets, from rust-toolchain.toml (thumbv7m: lm3s6965evb,
#     thumbv7em: mps2-an386, thumbv6m: microbit, riscv32imac: sifive_e)
#   - qemu-system-arm and qemu-system-riscv32 (Debian packages qemu-system-arm and
#     qemu-system-misc), only those missing
#   - defmt-print (crates.io), only if missing
# Safe to run again: every step is skipped when already done.
set -euo pipefail

rustup toolchain install >/dev/null

# Debian package for each emulator missing.
missing=()
command -v qemu-system-arm >/dev/null 2>&1 || missing+=(qemu-system-arm)
command -v qemu-system-riscv32 >/dev/null 2>&1 || missing+=(qemu-system-misc)
if [ "${#missing[@]}" -gt 0 ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi

if ! command -v defmt-print >/dev/null 2>&1; then
    cargo install defmt-print --locked
fi

qemu-system-arm --version | head -n 1
qemu-system-riscv32 --version | head -n 1
defmt-print --version

#!/usr/bin/env bash
# The full suite that CI runs (`.ci/run` calls this script). Installs what it
# needs, idempotently. Deeper runs are separate commands (see README).
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS=0
last=0
# Each step's heading also says how long the previous one took.
step() {
  printf '\n==> %s   (previous step: %ss)\n' "$*" "$((SECONDS - last))"
  last=$SECONDS
}

step "toolchain, components and targets (declared once, in rust-toolchain.toml)"
rustup toolchain install >/dev/null

step "format and lints"
cargo fmt --all -- --check
# The bare-metal crates are outside the workspace, so --all skips them.
cargo fmt --manifest-path firmware/Cargo.toml -- --check
cargo fmt --manifest-path footprint/Cargo.toml -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

step "core on the MCU targets (with and without defmt)"
cargo build --locked -p totem-core --target thumbv7em-none-eabihf
cargo build --locked -p totem-core --target thumbv7em-none-eabihf --features defmt
# The breaker policies (rates over a sliding window, a growing open time) on
# the MCU targets too.
cargo build --locked -p totem-core --target thumbv7em-none-eabihf --features policies,defmt
cargo build --locked -p totem-core --target thumbv6m-none-eabi --features critical-section,policies
for t in thumbv6m-none-eabi riscv32imc-unknown-none-elf; do
  cargo build --locked -p totem-core --target "$t" --features critical-section
  cargo build --locked -p totem-core --target "$t" --features critical-section,defmt
done
# The A extension's CAS: lock-free, no critical-section feature.
cargo build --locked -p totem-core --target riscv32imac-unknown-none-elf --features defmt
# The lean build: without the counters (`metrics`, a default feature).
cargo build --locked -p totem-core --target thumbv7em-none-eabihf --no-default-features
cargo build --locked -p totem-core --target thumbv6m-none-eabi --no-default-features --features critical-section

step "core and totem-embassy without the metrics feature (the lean build): lints and unit tests"
cargo clippy --locked -p totem-core --all-targets --no-default-features -- -D warnings
cargo clippy --locked -p totem-core --all-targets --no-default-features --features policies -- -D warnings
cargo test --locked -q -p totem-core --no-default-features --lib
cargo check --locked -p totem-embassy --no-default-features

step "Prometheus and promtool, for the exporter's, the rules' and the end-to-end tests (Debian package, idempotent)"
./scripts/install-prometheus.sh

step "demo: breakers in front of a flaky HTTP service on loopback trip and recover (about 20 s)"
cargo run --locked -q -p totem-demo

step "docs build without warnings"
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps --workspace

step "doc tests"
cargo test --locked --workspace --doc

step "totem-embassy with defmt (host, virtual time)"
cargo clippy --locked -p totem-embassy --all-targets --features defmt -- -D warnings
cargo test --locked -p totem-embassy --features defmt

step "totem-std with every feature (tokio, tower, config, tracing, prometheus, both /metrics servers, ops, the totem CLI): lints, docs, tests"
# Each feature alone builds (a feature that leans on another's dependencies
# would only show up in a user's build).
for feature in tokio tower config tracing prometheus metrics-server metrics-server-blocking ops cli; do
  cargo check --locked -q -p totem-std --no-default-features --features "$feature"
done
cargo clippy --locked -p totem-std --all-targets --all-features -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --locked -p totem-std --all-features --no-deps
cargo test --locked -p totem-std --all-features

step "firmware in QEMU: thumbv7m (lm3s6965evb), thumbv7em (mps2-an386), thumbv6m (microbit), riscv32imac (sifive_e)"
./scripts/install-firmware-tools.sh
./scripts/firmware.sh

step "benches compile (the criterion run itself is ./scripts/bench.sh full)"
./scripts/bench.sh check

step "firmware footprint; fails on a thumbv7em hot-path cpsid, a portable-atomic lock table, or a lean build over 2048 B"
FOOTPRINT_STRICT=1 ./scripts/footprint.sh

step "loom models of every concurrent transition (LOOM_MAX_PREEMPTIONS=3)"
./scripts/loom.sh

step "shuttle models: random and PCT schedules of the transition races"
./scripts/shuttle.sh

step "miri: core tests and clock edge tests"
./scripts/miri.sh

step "fuzz smoke: op sequences vs the reference model, config construction (30 s each)"
./scripts/fuzz.sh

step "unit, behaviour, reference-model proptest (10,000 cases), retry property tests, the demo end to end with a real Prometheus"
cargo nextest run --locked --workspace --no-fail-fast

echo "last step: $((SECONDS - last))s; suite finished in ${SECONDS}s"

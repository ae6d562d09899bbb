#!/usr/bin/env bash
# cargo-fuzz targets (fuzz/, nightly only):
#   model_ops  operation sequences, real breaker vs the reference model
#   config     configuration from arbitrary values: typed errors, no panic
#
#   scripts/fuzz.sh                          # smoke: each target 30 s (CI)
#   FUZZ_SECONDS=600 scripts/fuzz.sh          # longer, every target
#   FUZZ_SECONDS=14400 scripts/fuzz.sh model_ops   # the long run, one target
#
# The corpus grows in fuzz/corpus/<target> (not committed); a crash is saved
# in fuzz/artifacts/<target>/ and replayed with
#   cargo +nightly fuzz run <target> fuzz/artifacts/<target>/crash-...
# Idempotent: installs cargo-fuzz if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-30}"
toolchain="${FUZZ_TOOLCHAIN:-nightly}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(model_ops config)
fi

cd fuzz
# Build first, so that each target's time budget is spent fuzzing.
cargo +"$toolchain" fuzz build
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    echo "fuzz: $t for ${seconds} s"
    cargo +"$toolchain" fuzz run "$t" "corpus/$t" -- \
        -max_total_time="$seconds" -max_len=4096 -print_final_stats=1
done
echo "fuzz: ${#targets[@]} passed, 0 failed"

#!/usr/bin/env bash
# Measures the weights of DecentralML's pallets and writes runtime/src/weights/<pallet>.rs.
#
#   scripts/benchmark-weights.sh [PALLET...]   # default: pallet_training pallet_backing pallet_licensing
#
# Builds the node with `--features runtime-benchmarks` (its own build: benchmarking code never
# ships in a production runtime) and runs each pallet's frame benchmarks in the runtime's wasm.
# Run it on an otherwise idle machine: the figures are wall-clock times. STEPS and REPEAT
# trade precision for time (default 20 and 10: about 15 minutes for the three pallets on 2
# cores; the SDK's usual 50 and 20 take over an hour).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# shellcheck disable=SC1091
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/dml-target}"
STEPS="${STEPS:-20}"
REPEAT="${REPEAT:-10}"

pallets=("$@")
[ ${#pallets[@]} -eq 0 ] && pallets=(pallet_training pallet_backing pallet_licensing)

cargo build --locked -p decentralml --features runtime-benchmarks
# Called through PATH so that the generated files record the command, not this machine's paths.
export PATH="$CARGO_TARGET_DIR/debug:$PATH"

mkdir -p runtime/src/weights
for pallet in "${pallets[@]}"; do
  output="runtime/src/weights/$pallet.rs"
  echo "==> $pallet ($STEPS steps, $REPEAT repeats) -> $output"
  decentralml node benchmark pallet --chain dev --pallet "$pallet" --extrinsic '*' \
    --steps "$STEPS" --repeat "$REPEAT" --wasm-execution compiled \
    --header scripts/weights-header.txt --output "$output"
  # The host name says nothing about the weights; the CPU line stays.
  sed -i 's/HOSTNAME: `[^`]*`, //' "$output"
done
echo "weights written; rebuild the runtime to charge them"

#!/usr/bin/env bash
# Runs everything CI runs: formatting, every crate's unit and integration tests (real node
# binaries; real IPFS and S3 servers on loopback), the local-network smoke test and the book.
#
#   scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh --dev
# The end-to-end tests train on MNIST (and fail without it under CI=true).
./scripts/fetch-data.sh mnist
# shellcheck disable=SC1091
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/dml-target}"

started=$SECONDS
step() {
  printf '\n\033[1;34m==> %s\033[0m (%s s so far)\n' "$*" "$((SECONDS - started))"
}

step "formatting"
cargo fmt --all --check

step "unit and integration tests"
if [ -x scripts/with-test-servers.sh ]; then
  scripts/with-test-servers.sh cargo test --workspace --locked
else
  cargo test --workspace --locked
fi

step "pallet benchmarks, run as tests"
# The benchmarks the weights come from must keep working: each runs once on its pallet's mock
# runtime, and at its components' extremes in the real runtime (runtime/tests/benchmarks.rs).
SKIP_WASM_BUILD=1 cargo test --locked --features runtime-benchmarks \
  -p pallet-training -p pallet-backing -p pallet-licensing -p decentralml-runtime

step "local network script"
scripts/local-testnet.sh --smoke --validators 3 --block-time-ms 500 \
  --rpc-base 19944 --p2p-base 39333

step "documentation"
mdbook build docs
python3 scripts/check-doc-links.py

step "all tests passed in $((SECONDS - started)) s"

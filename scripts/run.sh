#!/usr/bin/env bash
# The main job: installs the prerequisites and MNIST, builds DecentralML and runs the demo:
# a development chain, a local store, a task approved by the council, 10 trainers, 3
# validators and an aggregator training MNIST over 5 rounds. Prints accuracy per round and
# who was paid or slashed, and writes a plot.
#
#   scripts/run.sh [decentralml demo options, e.g. --byzantine 2 --attack sign-flip]
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
./scripts/fetch-data.sh mnist
# shellcheck disable=SC1091
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/dml-target}"

echo "==> building decentralml (from scratch: about 22 minutes on 2 cores; then seconds)"
build_started=$SECONDS
cargo build --locked -p decentralml
echo "==> built in $((SECONDS - build_started)) s"

echo "==> running the demo (decentralml demo --help lists the options)"
exec "$CARGO_TARGET_DIR/debug/decentralml" demo "$@"

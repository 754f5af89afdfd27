#!/usr/bin/env bash
# The main job: installs the prerequisites, builds DecentralML and starts a development chain
# that produces and finalizes blocks. Ctrl-C stops it.
#
#   scripts/run.sh [extra `decentralml node` options]
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
# shellcheck disable=SC1091
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/dml-target}"

echo "==> building the node (from scratch: about an hour on 2 cores; then seconds)"
cargo build --locked -p decentralml

echo "==> starting a development chain: RPC on ws://127.0.0.1:9944, Ctrl-C to stop"
exec "$CARGO_TARGET_DIR/debug/decentralml" node --dev "$@"

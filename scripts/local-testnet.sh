#!/usr/bin/env bash
# Runs a DecentralML network of validators on this machine, talking over loopback.
#
#   scripts/local-testnet.sh [--validators 3|4] [--block-time-ms MS] [--dir DIR] [--smoke]
#
# Validators are the well-known dev accounts Alice, Bob, Charlie (and Dave with 4). Alice's
# RPC is on ws://127.0.0.1:9944, Bob's on 9945, and so on. Ctrl-C stops every node.
# --smoke waits until every node has finalized a few blocks, then stops: a quick health check.
# Without --dir, state and logs live in a temporary directory removed on exit.
#
# GRANDPA needs more than 2/3 of the validators online to finalize: with 3 validators all of
# them, with 4 any three.
set -euo pipefail
cd "$(dirname "$0")/.."

validators=3
block_time_ms=1000
dir=""
smoke=0
rpc_base=9944
p2p_base=30333
while [ $# -gt 0 ]; do
  case "$1" in
    --validators) validators="$2"; shift 2 ;;
    --block-time-ms) block_time_ms="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --smoke) smoke=1; shift ;;
    --rpc-base) rpc_base="$2"; shift 2 ;;
    --p2p-base) p2p_base="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$validators" in
  3) chain=local; names=(alice bob charlie) ;;
  4) chain=local4; names=(alice bob charlie dave) ;;
  *) echo "--validators must be 3 or 4 (the built-in chains 'local' and 'local4')" >&2; exit 2 ;;
esac

: "${CARGO_TARGET_DIR:=$HOME/.cache/dml-target}"
bin="${DECENTRALML_BIN:-$CARGO_TARGET_DIR/debug/decentralml}"
if [ ! -x "$bin" ]; then
  echo "building the node (first time: tens of minutes on 2 cores)…"
  CARGO_TARGET_DIR="$CARGO_TARGET_DIR" cargo build -p decentralml
fi

made_dir=0
if [ -z "$dir" ]; then dir=$(mktemp -d -t decentralml-testnet-XXXXXX); made_dir=1; fi
mkdir -p "$dir"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  # A directory we made ourselves holds only throw-away state; one given by --dir is kept.
  if [ "$made_dir" = 1 ]; then rm -rf "$dir"; fi
}
trap cleanup EXIT INT TERM

rpc_call() { # port method
  curl -s -H 'Content-Type: application/json' \
    -d "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"$2\",\"params\":[]}" "http://127.0.0.1:$1"
}
finalized_number() { # port
  local hash header
  hash=$(rpc_call "$1" chain_getFinalizedHead | sed -n 's/.*"result":"\(0x[0-9a-f]*\)".*/\1/p')
  [ -n "$hash" ] || { echo -1; return; }
  header=$(curl -s -H 'Content-Type: application/json' \
    -d "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"chain_getHeader\",\"params\":[\"$hash\"]}" \
    "http://127.0.0.1:$1")
  printf '%d\n' "$(echo "$header" | sed -n 's/.*"number":"\(0x[0-9a-f]*\)".*/\1/p')"
}

boot=""
for i in "${!names[@]}"; do
  name=${names[$i]}
  printf '%064x' $((i + 1)) > "$dir/$name.node-key"
  args=(node --chain "$chain" --block-time-ms "$block_time_ms" --base-path "$dir/$name"
        "--$name" --validator --name "$name" --node-key-file "$dir/$name.node-key"
        --port $((p2p_base + i)) --rpc-port $((rpc_base + i)) --no-mdns --no-prometheus
        --no-telemetry --rpc-cors all)
  [ -n "$boot" ] && args+=(--bootnodes "$boot")
  "$bin" "${args[@]}" >"$dir/$name.log" 2>&1 &
  pids+=($!)
  if [ -z "$boot" ]; then
    peer=$("$bin" node key inspect-node-key --file "$dir/$name.node-key")
    boot="/ip4/127.0.0.1/tcp/$p2p_base/p2p/$peer"
  fi
  echo "$name: ws://127.0.0.1:$((rpc_base + i))  log: $dir/$name.log"
done

if [ "$smoke" = 1 ]; then
  deadline=$((SECONDS + 120))
  for i in "${!names[@]}"; do
    until [ "$(finalized_number $((rpc_base + i)) 2>/dev/null || echo -1)" -ge 3 ]; do
      if [ $SECONDS -ge $deadline ]; then
        echo "FAIL: ${names[$i]} did not finalize block #3 within 120 s; log tail:" >&2
        tail -20 "$dir/${names[$i]}.log" >&2
        exit 1
      fi
      sleep 1
    done
    echo "${names[$i]} finalized #$(finalized_number $((rpc_base + i)))"
  done
  echo "OK: $validators validators produce and finalize blocks"
  exit 0
fi

echo "network running; Ctrl-C stops it"
wait

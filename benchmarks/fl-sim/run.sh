#!/usr/bin/env bash
# Reruns the FedAvg-paper anchor experiments whose results sit in this folder.
#
#   benchmarks/fl-sim/run.sh [GROUP...]     # groups: 2nn-iid 2nn-shards cnn-iid cnn-shards
#
# Each run writes <name>.csv and <name>.svg here, and a <name>.checkpoint after every round:
# running the script again resumes an interrupted run where it stopped (delete the checkpoint
# to start that run over). SIMULATE overrides the simulator command (default: the crate's
# example built in release mode; `decentralml simulate` takes the same arguments). OUT puts
# the outputs elsewhere (a long run's checkpoint outlives a fresh checkout there).
set -euo pipefail
cd "$(dirname "$0")/../.."
read -r -a SIMULATE <<<"${SIMULATE:-cargo run --release -q -p decentralml-sim --example simulate --}"
OUT="${OUT:-benchmarks/fl-sim}"

# FedAvg paper settings: 100 clients, C = 0.1, SGD; E and B per experiment.
run() {
  local name="$1"
  shift
  echo "== $name: ${SIMULATE[*]} --dataset mnist --clients 100 --fraction 0.1 --seed 0 --quiet --log-every 25 --out $OUT --name $name --resume $*"
  "${SIMULATE[@]}" --dataset mnist --clients 100 --fraction 0.1 --seed 0 --quiet --log-every 25 \
    --out "$OUT" --name "$name" --resume "$@"
}

two_nn() { run "$1" --model 2nn --epochs 1 --batch-size 10 --target-accuracy 0.97 "${@:2}"; }
cnn() { run "$1" --model cnn --epochs 5 --batch-size 10 --target-accuracy 0.99 "${@:2}"; }

group_2nn_iid() {
  two_nn mnist-2nn-iid-fedavg-lr0.1 --partition iid --lr 0.1 --strategy fedavg --rounds 200
  two_nn mnist-2nn-iid-fedavg-lr0.2 --partition iid --lr 0.2 --strategy fedavg --rounds 200
  two_nn mnist-2nn-iid-fedavgm-lr0.2 --partition iid --lr 0.2 \
    --strategy fedavgm:lr=1.0,momentum=0.7 --rounds 200
}

group_2nn_shards() {
  two_nn mnist-2nn-shards-fedavg-lr0.1 --partition shards --lr 0.1 --strategy fedavg --rounds 700
  two_nn mnist-2nn-shards-fedavg-lr0.2 --partition shards --lr 0.2 --strategy fedavg --rounds 700
  two_nn mnist-2nn-shards-fedavgm-lr0.2 --partition shards --lr 0.2 \
    --strategy fedavgm:lr=1.0,momentum=0.7 --rounds 700
}

group_cnn_iid() {
  cnn mnist-cnn-iid-fedavg-lr0.1 --partition iid --lr 0.1 --strategy fedavg --rounds 100 \
    --stop-at-target
  cnn mnist-cnn-iid-fedavgm-lr0.1 --partition iid --lr 0.1 \
    --strategy fedavgm:lr=1.0,momentum=0.7 --rounds 100 --stop-at-target
}

group_cnn_shards() {
  cnn mnist-cnn-shards-fedavgm-lr0.1 --partition shards --lr 0.1 \
    --strategy fedavgm:lr=1.0,momentum=0.7 --rounds 400 --stop-at-target
  cnn mnist-cnn-shards-fedavg-lr0.1 --partition shards --lr 0.1 --strategy fedavg --rounds 400 \
    --stop-at-target
}

groups=("$@")
[ ${#groups[@]} -eq 0 ] && groups=(2nn-iid 2nn-shards cnn-iid cnn-shards)
for group in "${groups[@]}"; do
  case "$group" in
    2nn-iid) group_2nn_iid ;;
    2nn-shards) group_2nn_shards ;;
    cnn-iid) group_cnn_iid ;;
    cnn-shards) group_cnn_shards ;;
    *) echo "unknown group $group (2nn-iid 2nn-shards cnn-iid cnn-shards)" >&2; exit 1 ;;
  esac
done

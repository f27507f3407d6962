#!/usr/bin/env bash
# setup-debian.sh — installs everything tvmc needs to build and test on
# Debian 12 (bookworm), with apt-get. Idempotent: when every package is
# already installed it does nothing (no apt-get update either). Runs as root,
# or through sudo when started by another user.
set -euo pipefail

packages=(
  # toolchain and build system
  build-essential pkg-config meson ninja-build
  # libraries tvmc links: LLVM 19 (ORC JIT), libffi, hwloc, the DLPack header
  llvm-19-dev libffi-dev libhwloc-dev libdlpack-dev
  # what llvm-config-19 --system-libs may ask for in a static LLVM setup
  zlib1g-dev libzstd-dev libedit-dev libxml2-dev libcurl4-openssl-dev
  # the ONNX importer (protobuf-c; onnx.proto from libonnx-dev), the ONNX
  # conformance data, and python3-onnx for making small test models
  libprotobuf-c-dev protobuf-c-compiler libonnx-dev libonnx-testdata python3-onnx
  # clang and its sanitizer runtimes (fuzz targets)
  clang libclang-rt-14-dev
  # Python binding tests
  python3-numpy python3-pytest
  # Rust crate tests (Debian's cargo/rustc 1.63 is enough: edition 2021, no crates)
  cargo
  # bench/bench_perf's comparisons (optional at build time: compiled out if missing)
  libopenblas-dev libdnnl-dev
  # whole-model tests (test/models): torch exports the models; ONNX Runtime,
  # the reference, comes from npm (onnxruntime-node) and runs under node
  python3-torch python3-torchvision nodejs
)
# npm is its own package in Debian but part of NodeSource's nodejs; ask for
# it only where no npm is installed, so neither setup conflicts.
if ! command -v npm >/dev/null 2>&1; then
  packages+=(npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup-debian: all ${#packages[@]} packages are installed"
  exit 0
fi

as_root=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "setup-debian: missing packages (${missing[*]}) and not root; run as root" >&2
    exit 1
  fi
fi

echo "setup-debian: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${packages[@]}"

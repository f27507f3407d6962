#!/usr/bin/env bash
# run-demo.sh — the main job on a fresh Debian 12 machine: install the
# dependencies (apt-get, idempotent), configure and build tvmc with meson,
# run the quickstart example, then the tvmc command line on the shipped
# model (examples/models/tiny_cnn.onnx): its outputs and timings.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/common.sh"

bash "$here/setup-debian.sh"
configure_build build
ninja -C "$TVMC_ROOT/build"
echo
echo "== examples/quickstart =="
"$TVMC_ROOT/build/examples/quickstart"
echo
echo "== tvmc run examples/models/tiny_cnn.onnx --print-time =="
"$TVMC_ROOT/build/tools/tvmc/tvmc" run "$TVMC_ROOT/examples/models/tiny_cnn.onnx" --print-time

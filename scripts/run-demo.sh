#!/usr/bin/env bash
# run-demo.sh — the main job on a fresh Debian 12 machine: install the
# dependencies (apt-get, idempotent), configure and build tvmc with meson,
# and run the quickstart example.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/common.sh"

bash "$here/setup-debian.sh"
configure_build build
ninja -C "$TVMC_ROOT/build"
echo
echo "== examples/quickstart =="
"$TVMC_ROOT/build/examples/quickstart"

# common.sh — helpers shared by the scripts in this folder (sourced).

# The repository root, whatever the caller's working directory.
TVMC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# configure_build DIR [meson options...]: `meson setup` DIR with LLVM 19's
# native file, unless DIR is already a configured build directory.
configure_build() {
  local dir=$1
  shift
  if [[ -f "$TVMC_ROOT/$dir/meson-private/coredata.dat" ]]; then
    return 0
  fi
  (cd "$TVMC_ROOT" && meson setup "$dir" --native-file llvm19.ini "$@")
}

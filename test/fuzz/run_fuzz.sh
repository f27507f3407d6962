#!/usr/bin/env bash
# run_fuzz.sh replay|run FUZZER [CORPUS] — the meson tests of test/fuzz
# (suite 'fuzz'). CORPUS names the seed folder (default corpus; fuzz_onnx
# uses corpus_onnx); regress/ belongs to the builder target, regress/NAME/
# to the target whose corpus is corpus_NAME (fuzz_schedule: regress/schedule).
#
#   replay  runs every input of corpus/ and regress/ once (LeakSanitizer on);
#           fails on any crash, leak, timeout or finding.
#   run     fuzzes for TVMC_FUZZ_SECONDS seconds (default 150) starting from
#           corpus/; new inputs go to a temporary corpus, crash/leak/timeout
#           files to a temporary directory whose path is printed. Fails on
#           any finding. TVMC_FUZZ_JOBS > 1 uses libFuzzer's -fork mode.
#
# Environment: TVMC_FUZZ_SRC (set by meson) is this directory.
set -uo pipefail
mode=$1
fuzzer=$2
corpus=${3:-corpus}
src=${TVMC_FUZZ_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
seconds=${TVMC_FUZZ_SECONDS:-150}
jobs=${TVMC_FUZZ_JOBS:-1}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}

# The limits of RELIABILITY.md G3 (timeout 10 s rather than 5: the machine
# running the standard tier is small and shared).
limits=(-timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 -max_len=2048)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tvmc-fuzz.XXXXXX")
artifacts=$tmp/artifacts
mkdir -p "$artifacts"

case $mode in
replay)
  dirs=("$src/$corpus")
  [[ $corpus == corpus && -d $src/regress ]] && dirs+=("$src/regress")
  [[ $corpus == corpus_* && -d $src/regress/${corpus#corpus_} ]] &&
    dirs+=("$src/regress/${corpus#corpus_}")
  echo "replaying $(find "${dirs[@]}" -type f | wc -l) inputs from ${dirs[*]}"
  "$fuzzer" "${limits[@]}" -runs=0 -detect_leaks=1 -artifact_prefix="$artifacts/" "${dirs[@]}"
  rc=$?
  ;;
run)
  work=$tmp/corpus
  mkdir -p "$work"
  echo "fuzzing for ${seconds}s ($jobs process(es)); corpus $work, artifacts $artifacts"
  fork=()
  ((jobs > 1)) && fork=(-fork="$jobs")
  "$fuzzer" "${limits[@]}" "${fork[@]}" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$work" "$src/$corpus"
  rc=$?
  echo "new corpus inputs: $(find "$work" -type f | wc -l)"
  ;;
*)
  echo "usage: $0 replay|run FUZZER" >&2
  exit 2
  ;;
esac

found=$(find "$artifacts" -type f | wc -l)
if ((rc != 0 || found > 0)); then
  echo "FAILED (libFuzzer exit $rc); findings kept in $artifacts:"
  ls -l "$artifacts"
  exit 1
fi
rm -rf "$tmp"
exit 0

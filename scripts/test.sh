#!/usr/bin/env bash
# test.sh — the whole test suite on a fresh Debian 12 machine:
#   1. install the dependencies (scripts/setup-debian.sh, idempotent);
#   2. release build (build/):            every meson test;
#   3. ASan+UBSan build (build-asan/):    the C tests and examples;
#   4. TSan build (build-tsan/):          the concurrency test;
#   5. fuzz build (build-fuzz/, clang with libFuzzer, ASan+UBSan, the library
#      coverage-instrumented): suite 'fuzz' — replay of test/fuzz/corpus and
#      test/fuzz/regress, then TVMC_FUZZ_SECONDS (default 150) of fuzzing.
# Build directories are configured only when they are not set up yet.
# The last line printed is "N passed, N failed" (all builds together);
# the exit status is non-zero when anything failed.
#
# Environment: TVMC_SANITIZERS=0 skips steps 3 and 4 (so does configuring
# build/ with -Dtest_sanitizers=false). TVMC_FUZZ=0 skips step 5 (so does a
# machine without clang).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/common.sh"
cd "$TVMC_ROOT"

bash "$here/setup-debian.sh" || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
skipped=0
summary=()

# count_log NAME FILE: adds the results of a meson testlog (one JSON object
# per line, each with a "result") to the totals.
count_log() {
  local name=$1 file=$2 ok bad skip
  if [[ ! -f $file ]]; then
    summary+=("$name: no test log (tests did not run)")
    failed=$((failed + 1))
    return
  fi
  ok=$(grep -cE '"result": "(OK|EXPECTEDFAIL)"' "$file")
  bad=$(grep -cE '"result": "(FAIL|TIMEOUT|UNEXPECTEDPASS|ERROR)"' "$file")
  skip=$(grep -cE '"result": "SKIP"' "$file")
  passed=$((passed + ok))
  failed=$((failed + bad))
  skipped=$((skipped + skip))
  summary+=("$name: $ok passed, $bad failed, $skip skipped")
}

# phase NAME DIR "MESON SETUP OPTIONS" "MESON TEST ARGS"
phase() {
  local name=$1 dir=$2 setup_opts=$3 test_args=$4
  # meson appends "-SETUP" to the log name when a test setup is used
  local logbase="tvmc-$name" log
  echo
  echo "=================== $name ($dir) ==================="
  rm -f "$dir/meson-logs/$logbase".json "$dir/meson-logs/$logbase"-*.json
  # shellcheck disable=SC2086
  if ! configure_build "$dir" $setup_opts; then
    summary+=("$name: meson setup failed")
    failed=$((failed + 1))
    return
  fi
  if ! ninja -C "$dir"; then
    summary+=("$name: build failed")
    failed=$((failed + 1))
    return
  fi
  # shellcheck disable=SC2086
  meson test -C "$dir" --print-errorlogs --logbase "$logbase" $test_args
  log=$(ls "$dir/meson-logs/$logbase".json "$dir/meson-logs/$logbase"-*.json 2>/dev/null | head -n 1)
  count_log "$name" "${log:-$dir/meson-logs/$logbase.json}"
}

start=$SECONDS
phase release build "" ""

sanitizers=${TVMC_SANITIZERS:-1}
if [[ $sanitizers != 0 ]] &&
   meson introspect build --buildoptions 2>/dev/null |
     grep -q '"name": "test_sanitizers", "value": false'; then
  sanitizers=0
fi

if [[ $sanitizers != 0 ]]; then
  phase asan build-asan "-Db_sanitize=address,undefined -Db_lundef=false" \
    "--setup asan --suite core --suite examples"
  phase tsan build-tsan "-Db_sanitize=thread -Db_lundef=false" \
    "--setup tsan --suite threads"
else
  summary+=("sanitizer builds skipped (TVMC_SANITIZERS=0 or -Dtest_sanitizers=false)")
fi

# The fuzz build needs clang (libFuzzer) and instruments the library itself
# for coverage; the flags reach meson through the environment at the first
# `meson setup` only (configure_build leaves a configured directory alone).
if [[ ${TVMC_FUZZ:-1} != 0 ]] && command -v clang >/dev/null; then
  CC=clang CXX=clang++ \
  CFLAGS="-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined" \
    phase fuzz build-fuzz "-Db_sanitize=address,undefined -Db_lundef=false -Dtest_sanitizers=false" \
      "--suite fuzz"
else
  summary+=("fuzz build skipped (TVMC_FUZZ=0 or no clang)")
fi

echo
echo "=================== summary ($((SECONDS - start)) s) ==================="
for line in "${summary[@]}"; do echo "$line"; done
((skipped > 0)) && echo "$skipped skipped"
echo "$passed passed, $failed failed"
((failed == 0))

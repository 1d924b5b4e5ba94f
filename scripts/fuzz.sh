#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz for a bounded time (issue 16).
# The targets are built by scripts/sanitize-test.sh into ./build-clang
# (clang, -fsanitize=fuzzer,address,undefined). Each target starts from a
# copy of its committed seed corpus (tests/fuzz/corpus/<target>) plus its
# regression inputs (tests/fuzz/regressions/<target>), so the repository is
# never written; new inputs and crashes go to build-clang/fuzz-work/.
#
# Usage: scripts/fuzz.sh [TARGET...]        (default: every target)
#   FUZZ_SECONDS  seconds per target (default 20)
#   FUZZ_MAX_LEN  largest input in bytes (default 16384)
# A crash, leak, timeout (10 s per input) or out-of-memory (2 GiB RSS, or
# one allocation over it) fails the run; the reproducer's path is printed.
# To reproduce: build-clang/tests/fuzz/fuzz_<target> <reproducer>.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build-clang}
seconds=${FUZZ_SECONDS:-20}
max_len=${FUZZ_MAX_LEN:-16384}

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for dir in tests/fuzz/corpus/*/; do targets+=("$(basename "$dir")"); done
fi

work=$PWD/$build/fuzz-work
rm -rf "$work"
mkdir -p "$work"
# Same failure policy as scripts/sanitize-test.sh.
supp=$PWD/tests/sanitizers
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:print_stacktrace=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$supp/ubsan.supp${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

failed=()
for target in "${targets[@]}"; do
  bin=$build/tests/fuzz/fuzz_$target
  [ -x "$bin" ] || { echo "fuzz: $bin not built (scripts/sanitize-test.sh builds it)"; exit 1; }
  mkdir -p "$work/$target/corpus" "$work/$target/artifacts"
  cp -r "tests/fuzz/corpus/$target/." "$work/$target/corpus/"
  seeds=("$work/$target/corpus")
  [ -d "tests/fuzz/regressions/$target" ] && seeds+=("tests/fuzz/regressions/$target")
  start=$SECONDS
  if "$bin" -max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=2048 -timeout=10 \
       -print_final_stats=1 -artifact_prefix="$work/$target/artifacts/" "${seeds[@]}" \
       >"$work/$target/log" 2>&1; then
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$target/log" | grep -o '[0-9]*$' || true)
    cov=$(grep -o 'cov: [0-9]*' "$work/$target/log" | tail -1 || true)
    echo "fuzz: $target ok ($((SECONDS - start)) s, ${execs:-?} runs, ${cov:-cov: ?})"
  else
    echo "fuzz: $target FAILED; last lines of $work/$target/log:"
    tail -n 40 "$work/$target/log"
    for f in "$work/$target/artifacts"/*; do
      [ -e "$f" ] || continue
      echo "fuzz: reproducer $f"
      echo "      replay: $bin $f"
      echo "      keep it: cp $f tests/fuzz/regressions/$target/ (and fix the bug)"
    done
    failed+=("$target")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}"
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds} s each, no crash"

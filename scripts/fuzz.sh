#!/usr/bin/env bash
# Fuzzes the readers of untrusted input with libFuzzer (tests/fuzz/README.md).
#
#   scripts/fuzz.sh [TARGET...] [SECONDS]     # default: every target, 600 s each
#   scripts/fuzz.sh --list
#
# Builds build-fuzz/ with clang (-DCHALK_FUZZ=ON: ASan + UBSan + coverage), then runs each
# target one after the other for SECONDS on a working corpus in build-fuzz/corpus/TARGET,
# seeded from tests/fuzz/corpus/TARGET (which it never changes). A crash, leak, timeout or
# out-of-memory input is written to build-fuzz/crashes/TARGET/; copy it into
# tests/fuzz/corpus/TARGET with the fix so the corpus test (fuzz_corpus_TARGET) keeps it.
# Ends with one line per target (runs, seconds, corpus size, result); exit 1 if any failed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CHALK_ROOT"

all_targets=(tar_index docker_archive oci_archive image_json reference con4m dockerfile net_tables)
if [ "${1:-}" = --list ]; then
  printf '%s\n' "${all_targets[@]}"
  exit 0
fi
targets=()
seconds=600
for arg in "$@"; do
  case "$arg" in
    '' | *[!0-9]*)
      printf '%s\n' "${all_targets[@]}" | grep -qxF "$arg" ||
        die "unknown fuzz target \`$arg\` (scripts/fuzz.sh --list names them)"
      targets+=("$arg")
      ;;
    *) seconds=$arg ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

ensure_packages "${CHALK_BUILD_PACKAGES[@]}" clang libclang-rt-14-dev
CC=clang CXX=clang++ chalk_configure build-fuzz -DCHALK_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
log "building the fuzz targets in build-fuzz/ with -j$CHALK_JOBS"
cmake --build build-fuzz -j "$CHALK_JOBS" --target "${targets[@]/#/fuzz_}" >&2 ||
  die "build of the fuzz targets failed"

results=()
failed=0
for target in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$target
  crashes=build-fuzz/crashes/$target
  mkdir -p "$corpus" "$crashes"
  log "fuzzing $target for ${seconds}s (log: build-fuzz/$target.log)"
  status=0
  # -timeout: an input a reader spends 10 s on is a hang; -rss_limit_mb: the readers stream,
  # so an input that needs 2 GB is a bug too.
  TMPDIR=$CHALK_ROOT/build-fuzz ASAN_OPTIONS=detect_leaks=1 \
    "build-fuzz/tests/fuzz/fuzz_$target" "$corpus" "tests/fuzz/corpus/$target" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$crashes/" >"build-fuzz/$target.log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build-fuzz/$target.log" | tail -n 1)
  if [ "$status" -eq 0 ]; then
    verdict=ok
  else
    verdict="FAILED (exit $status): $(ls "$crashes" | head -n 1)"
    failed=1
    tail -n 30 "build-fuzz/$target.log" >&2
  fi
  results+=("$(printf '%-16s %10s runs %6ss  corpus %5s files  %s' "$target" "${runs:-?}" "$seconds" \
    "$(find "$corpus" -type f | wc -l)" "$verdict")")
done
printf '%s\n' "${results[@]}"
exit "$failed"

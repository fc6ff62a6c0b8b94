#!/usr/bin/env bash
# Everything CI checks, from a fresh Debian machine: installs the packages, checks the C++
# format (scripts/format.sh --check), builds (warnings as errors) in build/, runs the unit,
# integration and e2e tiers against a Docker engine (started privately if none answers,
# stopped at exit) while an ASan+UBSan build compiles in build-asan/ at low priority, then
# runs unit + integration there. Fails on any failed, skipped or not-run
# test, and on a tier with no test at all. Ends with a summary block whose last line is
# `total: N passed, N failed, N skipped`.
#
# Environment: CHALK_JOBS (build and ctest jobs, default 2), CHALK_E2E_JOBS (default 2: the e2e tests use unique names and wait mostly on the engine),
# CHALK_SKIP_ASAN=1 (leave out the sanitizer build, for quick local runs; CI never sets it).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CHALK_ROOT"

# When no engine answers, this run starts its own in a directory of this checkout's, so that
# runs in other checkouts and the developer's `scripts/engine.sh start` engine never share
# (and never stop) it; only an engine this run started is stopped, and its state removed.
export CHALK_ENGINE_DIR=${CHALK_ENGINE_DIR:-/tmp/chalk-engine-$(printf '%s' "$CHALK_ROOT" | sha256sum | cut -c1-12)}
unset CHALK_ENGINE_PID
finish() {
  local rc=$?
  if [ -n "${asan_pid:-}" ] && kill -0 "$asan_pid" 2>/dev/null; then
    kill -- "-$asan_pid" 2>/dev/null || kill "$asan_pid" 2>/dev/null || true
  fi
  if [ -z "$summary_printed" ]; then
    bad_tiers+=("step \`$step_name\` failed (exit $rc)")
    summary
  fi
  if [ -n "${CHALK_ENGINE_PID:-}" ]; then
    bash "$CHALK_ROOT/scripts/engine.sh" stop || true
    rm -rf --one-file-system "$CHALK_ENGINE_DIR" 2>/dev/null || true
  fi
  exit "$rc"
}
trap finish EXIT
summary_printed=
step_name=start

run_start=$SECONDS
step_times=()
tier_rows=()
sum_passed=0
sum_failed=0
sum_skipped=0
bad_tiers=()

# A step must succeed (its failure ends the run through `die` or `set -e`); its time is
# recorded for the summary.
step_begin() {
  step_name=$1
  step_t=$SECONDS
  log "$1"
}
step_end() {
  step_times+=("$step_name $((SECONDS - step_t))s")
}

# run_tier BUILD_DIR LABEL JOBS: runs one CTest label; its result goes into the summary.
run_tier() {
  local dir=$1 label=$2 jobs=$3 t=$SECONDS junit rc=0 total passed failed skipped
  junit=$CHALK_ROOT/$dir/ctest-$label.xml
  rm -f "$junit"
  log "ctest -L $label in $dir"
  ctest --test-dir "$CHALK_ROOT/$dir" -L "^$label\$" --output-on-failure --no-tests=error \
    -j "$jobs" --output-junit "$junit" || rc=$?
  total=0 passed=0 failed=0
  if [ -f "$junit" ]; then
    total=$(grep -c '<testcase ' "$junit" || true)
    passed=$(grep -c 'status="run"' "$junit" || true)
    failed=$(grep -c 'status="fail"' "$junit" || true)
  fi
  skipped=$((total - passed - failed))
  tier_rows+=("$(printf '%-12s %-11s %7d %7d %8d %6d %6ss' "$label" "$dir" "$passed" "$failed" "$skipped" "$total" $((SECONDS - t)))")
  sum_passed=$((sum_passed + passed))
  sum_failed=$((sum_failed + failed))
  sum_skipped=$((sum_skipped + skipped))
  if [ "$rc" -ne 0 ] || [ "$total" -eq 0 ] || [ "$failed" -ne 0 ] || [ "$skipped" -ne 0 ]; then
    bad_tiers+=("$label in $dir (ctest exit $rc, $total tests, $failed failed, $skipped skipped or not run)")
  fi
}

summary() {
  summary_printed=1
  echo
  echo "==================== chalk test summary ===================="
  printf '%-12s %-11s %7s %7s %8s %6s %7s\n' tier "build dir" passed failed skipped total time
  local row
  for row in "${tier_rows[@]}"; do echo "$row"; done
  echo "steps: $(IFS=,; echo "${step_times[*]}" | sed 's/,/, /g')"
  echo "wall time: $((SECONDS - run_start))s"
  if [ ${#bad_tiers[@]} -eq 0 ]; then
    echo "result: OK"
  else
    echo "result: FAILED"
    for row in "${bad_tiers[@]}"; do echo "  - $row"; done
  fi
  echo "total: $sum_passed passed, $sum_failed failed, $sum_skipped skipped"
}

step_begin packages
ensure_packages "${CHALK_BUILD_PACKAGES[@]}" "${CHALK_TEST_PACKAGES[@]}"
ensure_s3rver
ensure_duckdb
ensure_python_module botocore
step_end

step_begin "format"
bash "$CHALK_ROOT/scripts/format.sh" --check
step_end

step_begin "static libcurl"
curl_args=()
curl_arg=$(static_curl_args)
[ -z "$curl_arg" ] || curl_args+=("$curl_arg")
step_end

step_begin "build (build/)"
chalk_build build -DCHALK_WERROR=ON "${curl_args[@]}"
step_end

step_begin "engine and base image"
if ! engine_answers; then
  engine_env=$(bash "$CHALK_ROOT/scripts/engine.sh" start)
  eval "$engine_env"
fi
log "tests use the engine at ${DOCKER_HOST:-the default socket}"
bash "$CHALK_ROOT/scripts/engine.sh" base-image
step_end

# The sanitizer build compiles at low priority while the tiers of build/ run: they mostly
# wait on the engine, registries and receivers, so the two overlap instead of queueing.
asan_pid=
asan_log=$CHALK_ROOT/build-asan/build.log
if [ "${CHALK_SKIP_ASAN:-}" = 1 ] && [ "${CI:-}" != true ]; then
  warn "CHALK_SKIP_ASAN=1: the sanitizer build and its tiers are left out of this run"
else
  log "building build-asan/ in the background (log: $asan_log)"
  asan_started=$SECONDS
  mkdir -p "$CHALK_ROOT/build-asan"
  # Its own session, so that an early exit stops the whole build (see finish).
  setsid nice -n 15 bash -c 'source "$1/scripts/lib.sh" && chalk_build build-asan -DCHALK_SANITIZE=ON -DCHALK_WERROR=ON' \
    _ "$CHALK_ROOT" >"$asan_log" 2>&1 &
  asan_pid=$!
fi

run_tier build unit "$CHALK_JOBS"
run_tier build integration "$CHALK_JOBS"
run_tier build e2e "${CHALK_E2E_JOBS:-2}"

if [ -n "$asan_pid" ]; then
  step_begin "build (build-asan/), finishing"
  if ! wait "$asan_pid"; then
    tail -n 40 "$asan_log" >&2
    die "the sanitizer build failed (log: $asan_log)"
  fi
  step_end
  log "build-asan/ took $((SECONDS - asan_started))s from its start"
  run_tier build-asan unit "$CHALK_JOBS"
  run_tier build-asan integration "$CHALK_JOBS"
fi

summary
[ ${#bad_tiers[@]} -eq 0 ]

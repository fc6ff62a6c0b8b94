#!/usr/bin/env bash
# The runtime shim's threads (supervisor, reporter threads, signal handling) under
# ThreadSanitizer: build-tsan/ builds only the shim's unit tests and its socket-sources
# integration test with -fsanitize=thread, then runs them; any data race or lock-order
# inversion fails the run. Not part of scripts/test.sh (which runs ASan+UBSan): run it by hand.
#   scripts/tsan.sh
# The static /chalk binary itself cannot carry a sanitizer runtime, so shim_integration_tests
# (which runs it) is left out; its logic is what chalk_shim_lib's tests exercise here.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

flags="-O1 -g1 -fsanitize=thread -fno-omit-frame-pointer"
args=(-G Ninja -DCHALK_WERROR=ON "-DCMAKE_C_FLAGS=$flags" "-DCMAKE_CXX_FLAGS=$flags"
  -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread)
# The shim's folder needs its static libcurl configured even though its executable is not built.
curl_arg=$(static_curl_args)
if [ -n "$curl_arg" ]; then args+=("$curl_arg"); fi
dir=$(chalk_configure build-tsan "${args[@]}")
targets=(shim_unit_tests shim_socket_sources_tests)
log "building ${targets[*]} in $dir with -j$CHALK_JOBS"
cmake --build "$dir" -j "$CHALK_JOBS" --target "${targets[@]}" >&2 || die "build of $dir failed"

# halt_on_error: the first report fails the binary; second_deadlock_stack: both stacks of an
# inversion.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
status=0
for test in "$dir/tests/unit/shim/shim_unit_tests" "$dir/tests/integration/shim/shim_socket_sources_tests"; do
  log "running $(basename "$test") under ThreadSanitizer"
  "$test" --gtest_brief=1 || status=1
done
[ "$status" = 0 ] || die "ThreadSanitizer: a shim test failed or a race was reported (above)"
log "ThreadSanitizer: the shim's unit and integration tests pass with no report"

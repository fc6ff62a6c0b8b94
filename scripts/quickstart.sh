#!/usr/bin/env bash
# From a fresh Debian machine to the first guide (network heartbeats), end to end:
# installs the packages, builds, installs the `docker chalk` plugin, starts a private Docker
# engine if none answers, imports the busybox base image, then follows the guide on
# scripts/example (busybox httpd on port 9999):
#   1. docker chalk load configs/net-heartbeat.c4m; docker chalk dump; heartbeat rate -> 2 s;
#      docker chalk load the edited config
#   2. docker chalk build -t chalk-quickstart/http:latest <example>   (prints the build report)
#   3. docker run it for a few seconds and show a heartbeat listing port 9999
# Every step that fails stops the script with a message naming it.
# `--guide-only` runs just the three guide steps with the `docker chalk` and engine already
# in place (tests/e2e/quickstart_test.sh runs it so on a private plugin copy).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

tag=chalk-quickstart/http:latest
rate_seconds=2
run_seconds=${CHALK_QUICKSTART_SECONDS:-5}

# Each step says when it began, so a first run shows where its minutes went.
step() { printf '\n### %s  [%dm%02ds]\n' "$*" $((SECONDS / 60)) $((SECONDS % 60)); }
pretty() { python3 -m json.tool --indent 2 <<<"$1" 2>/dev/null || echo "$1"; }
# show COMMAND...: prints the command as the guide would type it, then runs it.
show() {
  printf '$ %s\n' "$*"
  "$@"
}

case "${1:-}" in
  "") guide_only= ;;
  --guide-only) guide_only=1 ;;
  *) die "usage: $0 [--guide-only]" ;;
esac

engine_started=
if [ -z "$guide_only" ]; then
  step "Packages and build"
  ensure_packages "${CHALK_BUILD_PACKAGES[@]}" docker.io busybox-static
  curl_arg=$(static_curl_args)
  chalk_build_plugin build ${curl_arg:+"$curl_arg"}
  bash "$CHALK_ROOT/scripts/install.sh"

  step "Docker engine"
  if ! engine_answers; then
    engine_env=$(bash "$CHALK_ROOT/scripts/engine.sh" start)
    eval "$engine_env"
    engine_started=1
    echo "Started a private Docker engine; to use it from your shell: export DOCKER_HOST=$DOCKER_HOST"
  fi
  bash "$CHALK_ROOT/scripts/engine.sh" base-image
fi
docker chalk --help >/dev/null 2>&1 || die "\`docker chalk\` does not run the installed plugin (see scripts/install.sh)"
engine_answers || die "no Docker engine answers on ${DOCKER_HOST:-the default socket}"

work=$(mktemp -d "${TMPDIR:-/tmp}/chalk-quickstart.XXXXXX")
container=chalk-quickstart-$$
cleanup() {
  docker rm -f "$container" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

step "Step 1: configure chalk (net-heartbeat.c4m, heartbeat every ${rate_seconds} seconds)"
show docker chalk load "$CHALK_ROOT/configs/net-heartbeat.c4m" || die "step 1: \`docker chalk load\` of configs/net-heartbeat.c4m failed"
show docker chalk dump "$work/net-heartbeat.c4m" || die "step 1: \`docker chalk dump\` failed"
sed -E -i "s/^([[:space:]]*exec\.heartbeat_rate:[[:space:]]*)<<[^>]*>>/\1<<$rate_seconds seconds>>/" "$work/net-heartbeat.c4m"
grep -q "exec.heartbeat_rate: *<<$rate_seconds seconds>>" "$work/net-heartbeat.c4m" ||
  die "step 1: the dumped config has no \`exec.heartbeat_rate: <<...>>\` line to edit"
printf '(edited: %s)\n' "$(grep 'exec.heartbeat_rate' "$work/net-heartbeat.c4m")"
show docker chalk load "$work/net-heartbeat.c4m" || die "step 1: \`docker chalk load\` of the edited config failed"

step "Step 2: build the example container with chalk"
cp -r "$CHALK_ROOT/scripts/example" "$work/example"
printf '$ docker chalk build -t %s %s\n' "$tag" "$work/example"
docker chalk build -t "$tag" "$work/example" >"$work/build-report.json" ||
  die "step 2: \`docker chalk build\` failed"
# docker build's own output comes first; the report is the last line that is a JSON array.
report=$(grep '^\[' "$work/build-report.json" | tail -n 1 || true)
[[ "$report" == *'"_OPERATION":'*'"build"'* ]] || {
  cat "$work/build-report.json" >&2
  die "step 2: \`docker chalk build\` printed no build report"
}
grep -v '^\[' "$work/build-report.json" || true
echo "Build report:"
pretty "$report"

step "Step 3: run the chalked container for ${run_seconds} seconds"
show docker run -d --network none --name "$container" "$tag" >/dev/null || die "step 3: \`docker run\` of $tag failed"
sleep "$run_seconds"
docker logs "$container" >"$work/run.log" 2>&1 || die "step 3: cannot read the container's output"
docker rm -f "$container" >/dev/null
heartbeat=$(grep '"_OPERATION": *"heartbeat"' "$work/run.log" | tail -n 1 || true)
if [ -z "$heartbeat" ]; then
  cat "$work/run.log" >&2
  die "step 3: the container printed no heartbeat report in ${run_seconds} seconds"
fi
echo "Last heartbeat report:"
pretty "$heartbeat"
[[ "$heartbeat" == *'"9999"'* ]] || die "step 3: the heartbeat does not list port 9999"

step "Done"
echo "The heartbeat lists the example's listening port 9999: see _OP_TCP_SOCKET_INFO above."
printf 'From the start of this script to that heartbeat: %dm%02ds.\n' $((SECONDS / 60)) $((SECONDS % 60))
if [ -n "$engine_started" ]; then
  echo "The private Docker engine keeps running. To use it from your shell:"
  echo "  export DOCKER_HOST=$DOCKER_HOST"
  echo "Stop it with: scripts/engine.sh stop"
fi

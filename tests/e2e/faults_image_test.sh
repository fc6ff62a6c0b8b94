#!/usr/bin/env bash
# Faults around the user's image (issue 15): the disk filling up during an archive insert and
# during an in-place OCI layout update, the engine going away during `docker chalk build`
# (while docker builds, and once it is done),
# `docker load` failing, a sink receiver killed while a chalked container runs. Expected each
# time: the input and the user's image intact, docker's or the documented exit code, nothing
# partial left, one clear line. (Registry faults: registry_faults_test.sh; sinks that fail or
# hang: faults_test.sh.)
source "$(dirname "$0")/lib.sh"
require_engine
require_chalk_bin
make_temp_dir
cd "$E2E_TMP"

# chalk_lines FILE: the lines of FILE chalk wrote (`docker chalk: ...` from the plugin,
# `chalk: ...` from the shim).
chalk_lines() { grep -cE '^(docker )?chalk: ' "$1" || true; }

# small_tmpfs DIR SIZE: a fresh tmpfs of SIZE (mount's k/m suffixes) at DIR, unmounted at exit.
small_tmpfs() {
  mkdir -p "$1"
  mount -t tmpfs -o "size=$2" tmpfs "$1" || fail "cannot mount a $2 tmpfs at $1 (the e2e tests run as root)"
  on_exit umount -l "$1"
}

# leftovers DIR: the temporary files chalk's atomic writes would leave behind.
leftovers() { find "$1" -name '.tmp-*' -o -name '*.tmp' | sort; }

note "disk full: insert -o onto a 20 MB tmpfs of a 30 MB archive"
big_tag=chalk-e2e/$(unique_name faults-big):1
build_image_from "$big_tag" <<'DOCKERFILE'
FROM chalk-test/busybox:latest
RUN dd if=/dev/urandom of=/payload bs=1M count=30 2>/dev/null
ENTRYPOINT ["sh", "-c", "echo hello"]
DOCKERFILE
save_image "$big_tag" big.tar
input_sum=$(sha256sum <big.tar)
small_tmpfs "$E2E_TMP/full" 20m
set +e
"$CHALK_BIN" insert big.tar -o "$E2E_TMP/full/out.tar" >full.out 2>full.err
status=$?
set -e
assert_eq 1 "$status" "exit code of insert onto a full disk"
assert_eq 1 "$(wc -l <full.err)" "stderr lines of insert onto a full disk ($(cat full.err))"
assert_contains "$(cat full.err)" "$E2E_TMP/full/out.tar" "the disk-full line"
assert_contains "$(cat full.err)" "No space left on device" "the disk-full line"
assert_not_contains "$(cat full.err)" '` to:' "the disk-full line (one context per layer, none dangling)"
assert_eq "" "$(grep '^\[{' full.out || true)" "a report after a failed insert"
assert_eq "$input_sum" "$(sha256sum <big.tar)" "the input archive after a failed insert"
assert_eq "" "$(ls -A "$E2E_TMP/full")" "files left on the full disk"
note "exit $status: $(cat full.err)"

note "disk full: in-place insert into an OCI layout on a tmpfs with no room for the new blobs"
mkdir layout-src
skopeo_run copy --quiet "docker-archive:$E2E_TMP/big.tar" "oci:$E2E_TMP/layout-src:v1"
layout_kb=$(du -sk layout-src | cut -f1)
# Room for the layout as it is plus 512 kB: less than the shim alone, which the chalk layer adds.
small_tmpfs "$E2E_TMP/tight" "$((layout_kb + 512))k"
cp -a layout-src/. tight/
( cd tight && find . -type f -exec sha256sum {} + | sort ) >layout-before.txt
set +e
"$CHALK_BIN" insert "oci:$E2E_TMP/tight:v1" >tight.out 2>tight.err
status=$?
set -e
assert_eq 1 "$status" "exit code of the in-place insert onto a full disk"
assert_eq 1 "$(wc -l <tight.err)" "stderr lines of the in-place insert onto a full disk ($(cat tight.err))"
assert_contains "$(cat tight.err)" "$E2E_TMP/tight/" "the disk-full line"
assert_contains "$(cat tight.err)" "No space left on device" "the disk-full line"
assert_eq "$(cat layout-before.txt)" "$(cd tight && find . -type f -exec sha256sum {} + | sort)" \
  "the layout's files (index.json, blobs) after a failed in-place insert"
assert_eq "" "$(leftovers tight)" "temporary files left in the layout"
umoci_run stat --image "$E2E_TMP/tight:v1" >/dev/null || fail "umoci cannot read the layout after the failed insert"
note "exit $status: $(cat tight.err)"

# The engine API through engine_proxy.py; PROXY_LOG records each request it saw.
PROXY_SOCKET=$E2E_TMP/engine.sock
PROXY_LOG=$E2E_TMP/engine-proxy.log
# start_engine_proxy [ENGINE_PROXY_OPTION...]: a fresh proxy at PROXY_SOCKET (PROXY_PID).
start_engine_proxy() {
  local upstream=${DOCKER_HOST#unix://} i
  [ "$upstream" != "${DOCKER_HOST:-}" ] || fail "the fault tests need a unix:// DOCKER_HOST, not \`${DOCKER_HOST:-}\`"
  rm -f "$PROXY_SOCKET"
  : >"$PROXY_LOG"
  python3 "$E2E_SOURCE_DIR/tests/e2e/engine_proxy.py" --listen "$PROXY_SOCKET" --upstream "$upstream" \
    --log "$PROXY_LOG" "$@" 2>"$E2E_TMP/engine-proxy.err" &
  PROXY_PID=$!
  on_exit kill "$PROXY_PID"
  for ((i = 0; i < 100; i++)); do
    [ -S "$PROXY_SOCKET" ] && return 0
    sleep 0.1
  done
  fail "engine_proxy.py did not start: $(cat "$E2E_TMP/engine-proxy.err")"
}

mkdir app
# A RUN line of this run only: a cached step would end the build before the engine goes away.
cat >app/Dockerfile <<DOCKERFILE
FROM chalk-test/busybox:latest
RUN echo $(unique_name run) >/run-id && sleep 3
ENTRYPOINT ["echo", "hello"]
DOCKERFILE

note "the engine goes away during docker chalk build"
gone_tag=chalk-e2e/$(unique_name faults-gone):1
remove_image_at_exit "$gone_tag"
start_engine_proxy
set +e
DOCKER_HOST=unix://$PROXY_SOCKET "$CHALK_BIN" build -t "$gone_tag" app >gone.out 2>gone.err &
build_pid=$!
for ((i = 0; i < 100; i++)); do
  grep -q '/build?' "$PROXY_LOG" && break
  sleep 0.1
done
sleep 1 # inside `RUN sleep 3`
kill "$PROXY_PID"
wait "$build_pid"
status=$?
set -e
grep -q '/build?' "$PROXY_LOG" || fail "docker build never reached the engine proxy: $(cat gone.err)"
[ "$status" -ne 0 ] || fail "docker chalk build exited 0 with its engine gone"
assert_eq "" "$(grep '^\[{' gone.out || true)" "a build report when the engine went away"
assert_eq 0 "$(chalk_lines gone.err)" "chalk's lines after docker build failed (docker's error is the line): $(cat gone.err)"
docker image inspect "$gone_tag" >/dev/null 2>&1 && fail "an image is tagged $gone_tag after the failed build"
note "exit $status: $(grep -v '^ \|DEPRECATED\|^$' gone.err | tail -1)"

note "the engine goes away once docker build is done, at chalk's first question: fails open"
late_tag=chalk-e2e/$(unique_name faults-late):1
remove_image_at_exit "$late_tag"
start_engine_proxy --exit-on '^GET /v[0-9.]+/images/sha256:'
set +e
DOCKER_HOST=unix://$PROXY_SOCKET "$CHALK_BIN" build -t "$late_tag" app >late.out 2>late.err
status=$?
set -e
grep -q '^GET /v[0-9.]*/images/sha256:' "$PROXY_LOG" || fail "chalk never asked the engine about the built image: $(cat "$PROXY_LOG")"
assert_eq 0 "$status" "exit code (docker build's) when the engine goes away while chalking: $(cat late.err)"
assert_eq 1 "$(chalk_lines late.err)" "chalk's lines: $(cat late.err)"
assert_contains "$(grep '^docker chalk' late.err)" "chalk: warning: chalking \`$late_tag\`" "the warning"
assert_eq "" "$(grep '^\[{' late.out || true)" "a build report claiming a chalked image"
assert_eq "" "$(docker image inspect -f '{{index .Config.Labels "run.chalk.metadata-id"}}' "$late_tag")" \
  "a chalk label on docker's image"
assert_eq hello "$(docker run --rm --network none "$late_tag")" "docker's image runs"
note "$(grep '^docker chalk' late.err)"

note "docker load fails (the engine answers 500): the build fails open, docker's image unchalked"
load_tag=chalk-e2e/$(unique_name faults-load):1
remove_image_at_exit "$load_tag"
start_engine_proxy --fail-load
mkdir load-tmp
set +e
TMPDIR=$E2E_TMP/load-tmp DOCKER_HOST=unix://$PROXY_SOCKET "$CHALK_BIN" build -t "$load_tag" app >load.out 2>load.err
status=$?
set -e
kill "$PROXY_PID"
grep -q 'POST .*/images/load' "$PROXY_LOG" || fail "docker chalk build never loaded an image through the proxy"
assert_eq 0 "$status" "exit code (docker build's) when loading the chalked image fails: $(cat load.err)"
assert_eq 1 "$(grep -c 'warning' load.err)" "warning lines: $(cat load.err)"
assert_contains "$(grep warning load.err)" "chalk: warning: chalking \`$load_tag\`" "the warning"
assert_contains "$(grep warning load.err)" "injected load failure" "the warning's cause"
assert_eq "" "$(ls -A load-tmp)" "chalk's temporary archives left in TMPDIR"
assert_eq "" "$(docker image inspect -f '{{index .Config.Labels "run.chalk.metadata-id"}}' "$load_tag" 2>/dev/null || true)" \
  "a chalk label on docker's image"
assert_eq '["echo","hello"]' "$(docker image inspect -f '{{json .Config.Entrypoint}}' "$load_tag")" "docker's entrypoint"
assert_eq hello "$(docker run --rm --network none "$load_tag")" "docker's image runs"
note "$(grep warning load.err)"

note "a sink receiver killed while a chalked container runs: the program runs on, its exit code kept"
mkdir received
start_receiver "$E2E_TMP/received"
receiver_pid=$!
cat >beat.c4m <<C4M
exec.heartbeat: true
exec.heartbeat_rate: <<100 ms>>
sink_config to_receiver {
  sink: "post"
  uri:  "http://127.0.0.1:$RECEIVER_PORT/beat"
}
subscribe("report", "to_receiver")
C4M
beat_tag=chalk-e2e/$(unique_name faults-beat):1
remove_image_at_exit "$beat_tag"
mkdir beat
cat >beat/Dockerfile <<'DOCKERFILE'
FROM chalk-test/busybox:latest
ENTRYPOINT ["sh", "-c", "i=0; while [ $i -lt 30 ]; do i=$((i + 1)); echo tick $i; sleep 0.1; done; exit 7"]
DOCKERFILE
"$CHALK_BIN" --config "$E2E_TMP/beat.c4m" build -t "$beat_tag" beat >beat.out 2>beat.err ||
  fail "docker chalk build of $beat_tag failed: $(cat beat.err)"
container=$(unique_name faults-beat)
on_exit docker rm -f "$container"
docker run -d --name "$container" --network host "$beat_tag" >/dev/null || fail "docker run of $beat_tag failed"
for ((i = 0; i < 100; i++)); do
  [ -s received/requests.log ] && break
  sleep 0.1
done
[ -s received/requests.log ] || fail "no heartbeat reached the receiver: $(docker logs "$container" 2>&1 | tail -5)"
kill "$receiver_pid"
status=$(timeout 60 docker wait "$container") || fail "the container did not end"
assert_eq 7 "$status" "the program's exit code with its receiver killed"
docker logs "$container" >beat.log 2>beat.stderr
assert_eq 30 "$(grep -c '^tick' beat.log)" "the program's ticks (it ran to its end)"
assert_eq 1 "$(chalk_lines beat.stderr)" "the shim's lines about the dead receiver: $(cat beat.stderr)"
assert_contains "$(cat beat.stderr)" "sink 'to_receiver' (post)" "the shim's line"
note "$(cat beat.stderr)"

note "ok"

#!/usr/bin/env bash
# The runtime shim inside containers on the real engine (REPORTS.md §8): exit codes, signals
# reaching the program (docker stop), PID 1 reaping orphans, and heartbeat reports with the
# network tables (IPv4 and IPv6 listeners) read from `docker logs`.
source "$(dirname "$0")/lib.sh"
require_engine
require_chalk_bin
make_temp_dir
cd "$E2E_TMP"

# chalk_build TAG [DOCKER_CHALK_OPTION...] <<DOCKERFILE: docker chalk build of the Dockerfile read
# from stdin; the build report is left in TAG's report file, named in REPORT.
chalk_build() {
  local tag=$1 dir
  shift
  dir=$(mktemp -d "$E2E_TMP/context.XXXXXX")
  cat >"$dir/Dockerfile"
  remove_image_at_exit "$tag"
  "$CHALK_BIN" "$@" build -t "$tag" "$dir" >"$dir.out" 2>"$dir.err" || fail "docker chalk build of $tag failed: $(cat "$dir.err")"
  REPORT=$dir.json
  { grep '^\[{' "$dir.out" || true; } | tail -1 >"$REPORT"
  [ -s "$REPORT" ] || fail "no build report for $tag: $(cat "$dir.out")"
}

# start_container NAME IMAGE [DOCKER_RUN_OPTION...] -- [ARG...]: docker run -d, removed at exit.
start_container() {
  local name=$1 image=$2
  shift 2
  local options=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    options+=("$1")
    shift
  done
  [ $# -gt 0 ] && shift
  on_exit docker rm -f "$name"
  docker run -d --name "$name" "${options[@]}" "$image" "$@" >/dev/null || fail "docker run -d $image failed"
}

# wait_logs CONTAINER TEXT SECONDS: waits until the container's logs contain TEXT.
wait_logs() {
  local deadline=$((SECONDS + $3))
  until docker logs "$1" 2>&1 | grep -qF -- "$2"; do
    [ $SECONDS -lt $deadline ] || fail "\`$2\` never appeared in the logs of $1: $(docker logs "$1" 2>&1 | tail -20)"
    sleep 0.2
  done
}

exit_code_of() { docker inspect -f '{{.State.ExitCode}}' "$1"; }

image=chalk-e2e/$(unique_name shim):1
chalk_build "$image" <<'DOCKERFILE'
FROM chalk-test/busybox:latest
ENTRYPOINT ["sh", "-c"]
CMD ["echo default"]
DOCKERFILE
assert_eq '["/chalk","exec","--exec-command-name","sh","--","-c"]' \
  "$(docker image inspect -f '{{json .Config.Entrypoint}}' "$image")" "the image is wrapped"

note "exit codes: the program's, 128+N when it dies of signal N"
set +e
docker run --rm --network none "$image" 'exit 42' >/dev/null 2>&1
status=$?
set -e
assert_eq 42 "$status" "exit code of \`exit 42\`"
set +e
docker run --rm --network none "$image" 'kill -9 $$' >/dev/null 2>&1
status=$?
set -e
assert_eq 137 "$status" "exit code of a program killed by SIGKILL"
assert_eq "$(docker run --rm --network none --entrypoint /chalk "$image" version >/dev/null 2>&1; echo $?)" 0 \
  "/chalk version in the image"

note "PID 1 is the shim; the program is its child"
ps_out=$(docker run --rm --network none "$image" 'echo "$$ $PPID"; tr "\0" " " </proc/1/cmdline')
assert_eq "1" "$(head -1 <<<"$ps_out" | cut -d' ' -f2)" "the program's parent PID"
assert_contains "$(tail -1 <<<"$ps_out")" "/chalk exec --exec-command-name sh -- -c" "PID 1's command line"

note "SIGHUP (docker kill) and SIGTERM (docker stop) reach the program; docker stop returns quickly"
container=$(unique_name term)
start_container "$container" "$image" --network none -- \
  "trap 'echo term-handled; exit 0' TERM; trap 'echo hup-handled' HUP; echo ready; while :; do sleep 0.1; done"
wait_logs "$container" ready 20
docker kill -s HUP "$container" >/dev/null || fail "docker kill -s HUP failed"
wait_logs "$container" hup-handled 10
[ "$(docker inspect -f '{{.State.Running}}' "$container")" == true ] || fail "the container stopped after SIGHUP"
start=$SECONDS
docker stop -t 30 "$container" >/dev/null || fail "docker stop failed"
[ $((SECONDS - start)) -lt 10 ] || fail "docker stop took $((SECONDS - start)) s (timeout 30 s): SIGTERM did not reach the program"
assert_contains "$(docker logs "$container" 2>&1)" "term-handled" "logs after docker stop"
assert_eq 1 "$(docker logs "$container" 2>&1 | grep -c hup-handled)" "SIGHUP deliveries to the program"
assert_eq 0 "$(exit_code_of "$container")" "exit code after the handler"

note "a program without a handler dies of the forwarded SIGTERM (128+15)"
container=$(unique_name sleeper)
start_container "$container" "$image" --network none -- "echo ready; exec sleep 1000"
wait_logs "$container" ready 20
start=$SECONDS
docker stop -t 30 "$container" >/dev/null || fail "docker stop failed"
[ $((SECONDS - start)) -lt 10 ] || fail "docker stop of a sleeping program took $((SECONDS - start)) s"
assert_eq 143 "$(exit_code_of "$container")" "exit code of a program killed by SIGTERM"

note "as PID 1 the shim reaps orphans: no zombies"
reap=$(docker run --rm --network none "$image" '
  for i in 1 2 3 4 5 6 7 8; do (sleep 0.2 &); done
  (sleep 30 &)
  sleep 1.5
  zombies=0; orphan_parent=none
  for stat in /proc/[0-9]*/stat; do
    read -r pid comm state ppid rest <"$stat" 2>/dev/null || continue
    [ "$state" = Z ] && zombies=$((zombies + 1))
    [ "$comm" = "(sleep)" ] && orphan_parent=$ppid
  done
  echo "zombies=$zombies orphan_parent=$orphan_parent"')
assert_eq "zombies=0 orphan_parent=1" "$reap" "zombies and the orphan's parent"

note "the default config sends nothing from the shim: the program's output only"
assert_eq "default" "$(docker run --rm --network none "$image" 2>&1)" "output of an unconfigured shim"

note "an exec report to stdout: once, the build's IDs, the program's process; also when it exits at once"
cat >exec.c4m <<'C4M'
sink_config exec_out {
  enabled: true
  sink:    "stdout"
}
custom_report exec_report {
  report_template: "report_default"
  sink_configs:    ["exec_out"]
  use_when:        ["exec"]
}
C4M
exec_image=chalk-e2e/$(unique_name exec):1
chalk_build "$exec_image" --config "$E2E_TMP/exec.c4m" <<'DOCKERFILE'
FROM chalk-test/busybox:latest
ENTRYPOINT ["sh", "-c"]
DOCKERFILE
exec_build=$REPORT
for program in 'echo out; sleep 0.5; exit 3' 'exit 3'; do
  set +e
  docker run --rm --network none "$exec_image" "$program" >exec.out 2>exec.err
  status=$?
  set -e
  assert_eq 3 "$status" "exit code with an exec report ($program)"
  python3 - exec.out "$exec_build" "$program" <<'PYTHON' || fail "exec report ($program): see above"
import json, sys
out, report, program = sys.argv[1:]
build = json.load(open(report))[0]["_CHALKS"][0]
lines = open(out).read().splitlines()
reports = [json.loads(l)[0] for l in lines if l.startswith("[{")]
def check(ok, what):
    if not ok:
        sys.exit("FAIL: " + what)
check(len(reports) == 1 and reports[0]["_OPERATION"] == "exec", "one exec report: %r" % lines)
r = reports[0]
check(("out" in lines) == program.startswith("echo out"), "the program's output: %r" % lines)
check(r["CHALK_ID"] == build["CHALK_ID"] and r["METADATA_ID"] == build["METADATA_ID"], "the build's IDs")
check(bool(r.get("_EXEC_ID")), "_EXEC_ID")
chalk = r["_CHALKS"][0]
check(chalk["CHALK_ID"] == build["CHALK_ID"], "_CHALKS[0].CHALK_ID")
if program.startswith("echo out"):
    check(chalk.get("_PROCESS_ARGV") == ["sh", "-c", program], "_PROCESS_ARGV %r" % chalk.get("_PROCESS_ARGV"))
    check(chalk.get("_PROCESS_PARENT_PID") == 1, "_PROCESS_PARENT_PID %r" % chalk.get("_PROCESS_PARENT_PID"))
PYTHON
  assert_eq "" "$(cat exec.err)" "the shim's stderr ($program)"
done

note "heartbeat reports with the listening ports (IPv4 and IPv6), every second"
sed 's/<<30 minutes>>/<<1 seconds>>/' "$E2E_SOURCE_DIR/configs/net-heartbeat.c4m" >heartbeat.c4m
grep -q '<<1 seconds>>' heartbeat.c4m || fail "cannot set the heartbeat rate in configs/net-heartbeat.c4m"
hb_image=chalk-e2e/$(unique_name heartbeat):1
chalk_build "$hb_image" --config "$E2E_TMP/heartbeat.c4m" <<'DOCKERFILE'
FROM chalk-test/busybox:latest
ENTRYPOINT ["sh", "-c"]
DOCKERFILE
hb_report=$REPORT
port4=$(free_port)
port6=$(free_port)
container=$(unique_name heartbeat)
start_container "$container" "$hb_image" --network host -- \
  "httpd -p 127.0.0.1:$port4 && exec httpd -f -p [::]:$port6"
wait_logs "$container" '"_HEARTBEAT_COUNT":3' 20
docker logs "$container" >heartbeat.log 2>heartbeat.err
python3 - heartbeat.log "$hb_report" "$port4" "$port6" <<'PYTHON'
import json, sys
log, report, port4, port6 = sys.argv[1:]
build = json.load(open(report))[0]["_CHALKS"][0]
beats = []
for line in open(log):
    line = line.strip()
    if line.startswith("[{"):
        doc = json.loads(line)
        assert isinstance(doc, list) and len(doc) == 1, "a delivery is a one-element array"
        if doc[0]["_OPERATION"] == "heartbeat":
            beats.append(doc[0])
def check(ok, what):
    if not ok:
        sys.exit("FAIL: " + what)
check(len(beats) >= 3, "fewer than 3 heartbeats: %d" % len(beats))
check([b["_HEARTBEAT_COUNT"] for b in beats[:3]] == [1, 2, 3], "_HEARTBEAT_COUNT 1, 2, 3: %r" % [b["_HEARTBEAT_COUNT"] for b in beats])
for b in beats:
    check(b["CHALK_ID"] == build["CHALK_ID"], "heartbeat CHALK_ID %r is not the build's %r" % (b["CHALK_ID"], build["CHALK_ID"]))
    check(b.get("METADATA_ID") == build["METADATA_ID"], "heartbeat METADATA_ID")
    check(b.get("_EXEC_ID") == beats[0]["_EXEC_ID"] and b["_EXEC_ID"], "one _EXEC_ID per container")
    for key in ("_TIMESTAMP", "_DATETIME", "_OP_TCP_SOCKET_INFO", "_OP_IPV4_ROUTES", "_OP_IPV4_INTERFACES"):
        check(key in b, "heartbeat without " + key)
gaps = [beats[i + 1]["_TIMESTAMP"] - beats[i]["_TIMESTAMP"] for i in range(2)]
check(all(500 <= g <= 2500 for g in gaps), "heartbeats not about 1 s apart: %r ms" % gaps)
rows = beats[-1]["_OP_TCP_SOCKET_INFO"]
check(all(len(r) == 7 and all(isinstance(c, str) for c in r) for r in rows), "socket rows are 7 strings")
any6 = ":".join(["0000"] * 8)
check(["127.0.0.1", port4, "0.0.0.0", "0", "LISTEN"] in [r[:5] for r in rows],
      "no IPv4 LISTEN row for 127.0.0.1:%s in %r" % (port4, rows))
check([any6, port6, any6, "0", "LISTEN"] in [r[:5] for r in rows],
      "no IPv6 LISTEN row for [::]:%s in %r" % (port6, rows))
PYTHON
assert_eq "" "$(grep -v '^$' heartbeat.err || true)" "the shim's stderr"

note "docker stop of a program that exits on TERM returns in under 1 s, chalked as unchalked"
# The shim lingers after the program only for a report in flight (REPORTS.md §8): with nothing
# to send, with heartbeats to stdout, and with heartbeats POSTed to a receiver that answers,
# stopping costs what it costs without chalk (printed as the reference); a report stuck in
# flight holds it at most 1 s.
# post_heartbeat_image RECEIVER_DIR [RECEIVER_ARG...]: starts a receiver and sets POST_IMAGE to
# a chalked `sh -c` image heartbeating to it every 100 ms.
post_heartbeat_image() {
  local dir=$1
  shift
  mkdir "$dir"
  start_receiver "$dir" "$@"
  cat >"$dir.c4m" <<C4M
exec.heartbeat: true
exec.heartbeat_rate: <<100 ms>>
sink_config to_receiver {
  sink: "post"
  uri:  "http://127.0.0.1:$RECEIVER_PORT/beat"
}
subscribe("report", "to_receiver")
C4M
  POST_IMAGE=chalk-e2e/$(unique_name stop-post):1
  chalk_build "$POST_IMAGE" --config "$dir.c4m" <<'DOCKERFILE'
FROM chalk-test/busybox:latest
ENTRYPOINT ["sh", "-c"]
DOCKERFILE
}
post_heartbeat_image "$E2E_TMP/stop-received"
post_image=$POST_IMAGE
post_heartbeat_image "$E2E_TMP/stop-hang" --hang
hang_image=$POST_IMAGE
plain_image=chalk-e2e/$(unique_name stop-plain):1
build_image_from "$plain_image" <<'DOCKERFILE'
FROM chalk-test/busybox:latest
ENTRYPOINT ["sh", "-c"]
DOCKERFILE
# time_stop IMAGE [DOCKER_RUN_OPTION...]: sets STOP_MS to the milliseconds `docker stop -t 10`
# took on a running container of IMAGE whose program exits 0 on TERM (checked). Call it
# directly, never in `$(...)`: a subshell would lose the container's clean-up.
time_stop() {
  local image=$1 name started ended
  shift
  name=$(unique_name stop)
  start_container "$name" "$image" "$@" -- 'trap "exit 0" TERM; echo ready; while :; do sleep 0.1; done'
  wait_logs "$name" ready 20
  sleep 1  # past the exec report and a few heartbeats
  started=$(date +%s%N)
  docker stop -t 10 "$name" >/dev/null || fail "docker stop of $image failed"
  ended=$(date +%s%N)
  assert_eq 0 "$(exit_code_of "$name")" "exit code of $image after docker stop"
  STOP_MS=$(((ended - started) / 1000000))
}
time_stop "$plain_image" --network none
plain_ms=$STOP_MS
note "unchalked reference: docker stop took $plain_ms ms"
for variant in "$image none" "$hb_image none" "$post_image host"; do
  read -r stopped network <<<"$variant"
  time_stop "$stopped" --network "$network"
  note "chalked $stopped: docker stop took $STOP_MS ms"
  [ "$STOP_MS" -lt 1000 ] || fail "docker stop of the chalked $stopped took $STOP_MS ms (unchalked: $plain_ms ms)"
done
# A receiver that never answers always has a heartbeat in flight: the shim waits for it, but
# at most its 1 s grace.
time_stop "$hang_image" --network host
note "chalked, heartbeats to a receiver that never answers: docker stop took $STOP_MS ms"
[ "$STOP_MS" -lt 2000 ] || fail "docker stop with a report stuck in flight took $STOP_MS ms (grace: 1 s; unchalked: $plain_ms ms)"
[ "$(wc -l <stop-received/requests.log)" -ge 5 ] || fail "the receiver got $(wc -l <stop-received/requests.log) heartbeats, not a run's worth"
note "ok"

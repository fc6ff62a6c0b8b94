#!/usr/bin/env bash
# Sink faults against real peers (REPORTS.md §8, §9): the HTTP receiver is down, answers 500,
# or never answers. The program in the container runs on and keeps its exit code, each report
# gets at most 3 attempts (100 ms, then 400 ms apart), one attempt is in flight at a time, the
# failure is one stderr line per sink, a build is held no longer than the bounded retries, and
# the shim's memory stays flat over ~10 heartbeats that never get an answer; a 4xx is final.
source "$(dirname "$0")/lib.sh"
require_engine
use_chalk_plugin
make_temp_dir
cd "$E2E_TMP"


# sink_lines FILE: the `chalk: sink ...` lines of FILE.
sink_lines() { grep "^chalk: sink 'http' (post): " "$1" || true; }

# The URL comes from the container's environment, so one image serves every scenario.
cat >faults.c4m <<'C4M'
exec.heartbeat: true
exec.heartbeat_rate: <<1 seconds>>
sink_config http {
  sink: "post"
  uri:  env("CHALK_POST_URL")
}
if env("CHALK_POST_URL") != "" {
  subscribe("report", "http")
}
C4M
docker chalk load faults.c4m 2>load.err || fail "load failed: $(cat load.err)"
tag=chalk-e2e/$(unique_name faults):1
remove_image_at_exit "$tag"
mkdir ctx
printf 'FROM %s\nENTRYPOINT ["sh", "-c", "sleep $0; exit 7"]\nCMD ["5"]\n' "$E2E_BASE_IMAGE" >ctx/Dockerfile
docker chalk build -t "$tag" ctx >build.out 2>build.err || fail "docker chalk build failed: $(cat build.err)"

# run_timed NAME URL: runs the 5 s program with CHALK_POST_URL=URL; sets ELAPSED; checks exit 7.
run_timed() {
  local start status
  start=$(date +%s.%N)
  set +e
  docker run --rm --network host -e "CHALK_POST_URL=$2" "$tag" >"$1.out" 2>"$1.err"
  status=$?
  set -e
  ELAPSED=$(python3 -c "import time; print(round(time.time() - $start, 1))")
  assert_eq 7 "$status" "$1: the program's exit code through the shim"
  python3 -c "import sys; sys.exit(not 5 <= $ELAPSED <= 10)" ||
    fail "$1: the 5 s program took $ELAPSED s"
}

note "receiver down: the program runs on, one error line"
closed=$(free_port)
run_timed down "http://127.0.0.1:$closed/r"
sink_lines down.err >down.lines
assert_eq 1 "$(wc -l <down.lines)" "error lines for a receiver that is down"
assert_contains "$(cat down.lines)" "127.0.0.1:$closed" "the error line"
assert_eq "$(wc -l <down.err)" "$(wc -l <down.lines)" "stderr lines besides the sink's"

note "500 for every request: 3 attempts per report, 100 ms then 400 ms apart"
start_receiver "$E2E_TMP/r500" --fail 1000000
run_timed always500 "http://127.0.0.1:$RECEIVER_PORT/r"
sink_lines always500.err >always500.lines
assert_eq 1 "$(wc -l <always500.lines)" "error lines for a receiver answering 500"
assert_contains "$(cat always500.lines)" "500" "the error line"
python3 - r500 <<'PYTHON' || fail "retries against 500s are wrong (above)"
import collections, json, os, sys
d = sys.argv[1]
attempts = collections.OrderedDict()
for line in open(os.path.join(d, "requests.log")):
    seq, status, path, when = line.split()
    body = json.load(open(os.path.join(d, seq + ".body")))[0]
    key = (body.get("_OPERATION"), body.get("_HEARTBEAT_COUNT"))
    attempts.setdefault(key, []).append(float(when))
problems = []
if ("exec", None) not in attempts:
    problems.append("the exec report never arrived")
for key, times in attempts.items():
    if len(times) > 3:
        problems.append(f"{key}: {len(times)} attempts")
    gaps = [b - a for a, b in zip(times, times[1:])]
    if len(gaps) >= 1 and not 0.09 <= gaps[0] < 0.39:
        problems.append(f"{key}: first retry after {gaps[0]:.3f} s, expected 0.1 s")
    if len(gaps) >= 2 and not 0.39 <= gaps[1] < 1.0:
        problems.append(f"{key}: second retry after {gaps[1]:.3f} s, expected 0.4 s")
if len(attempts[("exec", None)]) != 3:
    problems.append(f"exec report: {len(attempts[('exec', None)])} attempts, expected 3")
for p in problems:
    print(p, file=sys.stderr)
sys.exit(1 if problems else 0)
PYTHON

note "500 for the first two requests: the exec report arrives on the third attempt, no error"
start_receiver "$E2E_TMP/r500x2" --fail 2
run_timed twice500 "http://127.0.0.1:$RECEIVER_PORT/r"
[ ! -s twice500.err ] || fail "stderr after a successful retry: $(cat twice500.err)"
assert_eq "500 500 200" "$(head -3 r500x2/requests.log | awk '{print $2}' | xargs)" "statuses of the first attempts"
cmp -s r500x2/0001.body r500x2/0003.body || fail "the retried body differs from the first attempt's"
ok=$(grep -c ' 200 ' r500x2/requests.log)
[ "$ok" -ge 5 ] || fail "only $ok reports delivered after the 500s (exec + 4 heartbeats expected)"

note "403: final at once, the sink is off for the rest of the process"
start_receiver "$E2E_TMP/r403" --fail 1000000 --fail-status 403
run_timed forbidden "http://127.0.0.1:$RECEIVER_PORT/r"
sink_lines forbidden.err >forbidden.lines
assert_eq 1 "$(wc -l <forbidden.lines)" "error lines for a receiver answering 403"
assert_contains "$(cat forbidden.lines)" "403" "the error line"
assert_eq 1 "$(wc -l <r403/requests.log)" "POSTs after a 403 (one attempt, then the sink is disabled)"

note "a build against a receiver that never answers is held at most 3 x 5 s + backoff"
start_receiver "$E2E_TMP/hang-build" --hang
start=$SECONDS
CHALK_POST_URL=http://127.0.0.1:$RECEIVER_PORT/r docker chalk build -t "$tag-hang" ctx >hang-build.out 2>hang-build.err ||
  fail "build failed against a hanging receiver: $(cat hang-build.err)"
remove_image_at_exit "$tag-hang"
took=$((SECONDS - start))
[ "$took" -le 24 ] || fail "the build took $took s against a hanging receiver"
assert_eq 3 "$(wc -l <hang-build/requests.log)" "attempts of the build report"
sink_lines hang-build.err >hang-build.lines
assert_eq 1 "$(wc -l <hang-build.lines)" "error lines of the build"

note "a sink's timeout (int, ms) bounds each attempt instead of the 5 s default"
printf 'sink_config http { sink: "post"; uri: "http://127.0.0.1:%s/t"; timeout: 1000 }\nsubscribe("report", "http")\n' \
  "$RECEIVER_PORT" >timeout.c4m
save_image "$E2E_BASE_IMAGE" base.tar
start=$(date +%s.%N)
docker chalk --config timeout.c4m insert base.tar -o base-chalked.tar >timeout.out 2>timeout.err ||
  fail "insert failed against a hanging receiver: $(cat timeout.err)"
python3 -c "import sys, time; sys.exit(not time.time() - $start <= 6)" || fail "insert with timeout 1000 ms took over 6 s"
sink_lines timeout.err >timeout.lines
assert_eq 1 "$(wc -l <timeout.lines)" "error lines with timeout 1000"
assert_eq 3 "$(grep -c ' /t ' hang-build/requests.log)" "attempts with timeout 1000"

note "a receiver that never answers: the container runs on, attempts are serial, memory stays flat"
start_receiver "$E2E_TMP/hang" --hang
name=$(unique_name faults-hang)
on_exit docker rm -f "$name"
t0=$(date +%s.%N)
docker run -d --name "$name" --network host -e "CHALK_POST_URL=http://127.0.0.1:$RECEIVER_PORT/r" "$tag" 20 >/dev/null ||
  fail "docker run -d failed"
pid=$(docker inspect -f '{{.State.Pid}}' "$name")
[ "$pid" -gt 0 ] || fail "no PID for the container"
: >rss.txt
for ((i = 0; i < 17; i++)); do
  sleep 1
  [ "$(docker inspect -f '{{.State.Running}}' "$name")" == true ] || fail "the container stopped after $i s"
  awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" >>rss.txt || fail "cannot read /proc/$pid/status"
done
status=$(docker wait "$name")
took=$(python3 -c "import time; print(round(time.time() - $t0, 1))")
assert_eq 7 "$status" "exit code of the program with a hanging receiver"
python3 -c "import sys; sys.exit(not $took <= 24)" || fail "the 20 s program took $took s with a hanging receiver"
docker logs "$name" >hang.out 2>hang.err
sink_lines hang.err >hang.lines
assert_eq 1 "$(wc -l <hang.lines)" "error lines for a receiver that never answers"
assert_contains "$(cat hang.lines)" "(after 3 attempts)" "the error line"
python3 - rss.txt hang/requests.log "$took" <<'PYTHON' || fail "hanging receiver: attempts or memory wrong (above)"
import sys
import json, os
rss = [int(x) for x in open(sys.argv[1]).read().split()]
log = [line.split() for line in open(sys.argv[2])]
times = [float(fields[3]) for fields in log]
took = float(sys.argv[3])
problems = []
# One pending report per sink: once the exec report's 3 attempts end (~15 s), the next one
# sent is the newest heartbeat, not the first of a backlog.
reports = []
for fields in log:
    body = json.load(open(os.path.join(os.path.dirname(sys.argv[2]), fields[0] + ".body")))[0]
    key = (body.get("_OPERATION"), body.get("_HEARTBEAT_COUNT"))
    if key not in reports:
        reports.append(key)
if reports[0] != ("exec", None):
    problems.append(f"the first report attempted is {reports[0]}, not the exec report")
if len(reports) > 1 and (reports[1][0] != "heartbeat" or reports[1][1] < 10):
    problems.append(f"after the exec report's attempts the shim sent {reports[1]}, not the newest heartbeat")
# After 3 s the shim has its heartbeat thread and a connection in flight: the baseline.
growth = max(rss[3:]) - rss[2]
if growth > 256:
    problems.append(f"VmRSS grew by {growth} kB over {len(rss)} heartbeats: {rss}")
# Arrival times as the receiver logged them: one logged late (a loaded machine) shortens the
# next gap by as much, so each attempt is measured from the first, with 0.1 s of slack each.
gaps = [b - a for a, b in zip(times, times[1:])]
if any(times[k] - times[0] < 4.9 * k for k in range(1, len(times))) or any(g < 4.0 for g in gaps):
    problems.append(f"attempts overlap or do not wait for the 5 s timeout: gaps {gaps}")
if len(times) > took / 5 + 1:
    problems.append(f"{len(times)} attempts in {took} s with a 5 s timeout")
if len(times) < 3:
    problems.append(f"only {len(times)} attempts in {took} s")
for p in problems:
    print(p, file=sys.stderr)
print(f"RSS kB: {rss}", file=sys.stderr)
sys.exit(1 if problems else 0)
PYTHON
note "ok"

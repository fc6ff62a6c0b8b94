#!/usr/bin/env bash
# Report sinks with real peers: a loopback HTTP receiver (tests/e2e/receiver.py) gets the
# build, insert, exec and heartbeat reports (the last two from a container on the host
# network); the file and rotating_log sinks write JSON Lines from a container into a
# bind-mounted directory (REPORTS.md §8, §9).
source "$(dirname "$0")/lib.sh"
require_engine
use_chalk_plugin
make_temp_dir
cd "$E2E_TMP"



# bodies DIR: the reports the receiver answered 200, one JSON array per line, in arrival order.
bodies() {
  python3 - "$1" <<'PYTHON'
import json, os, sys
d = sys.argv[1]
for line in open(os.path.join(d, "requests.log")):
    seq, status = line.split()[:2]
    if status == "200":
        print(json.dumps(json.load(open(os.path.join(d, seq + ".body")))))
PYTHON
}

start_receiver "$E2E_TMP/recv"
url=http://127.0.0.1:$RECEIVER_PORT/reports
cat >http.c4m <<C4M
exec.heartbeat: true
exec.heartbeat_rate: <<1 seconds>>
sink_config to_receiver {
  sink: "post"
  uri:  "$url"
  headers: {"X-Chalk-Test": "e2e"}
}
subscribe("report", "to_receiver")
C4M
docker chalk load http.c4m 2>load.err || fail "load of the http config failed: $(cat load.err)"

note "build: the build report is POSTed as a one-element array"
tag=chalk-e2e/$(unique_name reports):1
remove_image_at_exit "$tag"
mkdir ctx
printf 'FROM %s\nENTRYPOINT ["sleep"]\nCMD ["4"]\n' "$E2E_BASE_IMAGE" >ctx/Dockerfile
docker chalk build -t "$tag" ctx >build.out 2>build.err || fail "docker chalk build failed: $(cat build.err)"
assert_not_contains "$(cat build.err)" "chalk: sink" "build stderr"
bodies recv >seen.jsonl
assert_eq 1 "$(wc -l <seen.jsonl)" "POSTs after the build"
head -1 seen.jsonl >build.json
assert_eq "list 1" "$(json build.json 'type(d).__name__ + " " + str(len(d))')" "build POST body shape"
assert_eq build "$(json build.json 'd[0]["_OPERATION"]')" "_OPERATION of the POSTed build report"
chalk_id=$(docker image inspect -f '{{index .Config.Labels "run.chalk.chalk-id"}}' "$tag")
metadata_id=$(docker image inspect -f '{{index .Config.Labels "run.chalk.metadata-id"}}' "$tag")
[ -n "$chalk_id" ] && [ -n "$metadata_id" ] || fail "the built image has no chalk labels"
assert_eq "$chalk_id" "$(json build.json 'd[0]["_CHALKS"][0]["CHALK_ID"]')" "CHALK_ID of the build report"
assert_eq "$metadata_id" "$(json build.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')" "METADATA_ID of the build report"
headers=$(tr -d '\r' <recv/0001.headers)
assert_contains "$headers" "Content-Type: application/json" "headers of the build POST"
assert_contains "$headers" "X-Chalk-Test: e2e" "headers of the build POST (the config's headers)"
assert_eq "POST /reports" "$(awk '{print "POST", $3}' recv/requests.log)" "request path"

note "insert: the insert report is POSTed"
plain=chalk-e2e/$(unique_name plain):1
build_image_from "$plain" <<DOCKERFILE
FROM $E2E_BASE_IMAGE
CMD ["true"]
DOCKERFILE
save_image "$plain" plain.tar
docker chalk insert plain.tar -o chalked.tar >insert.out 2>insert.err || fail "insert failed: $(cat insert.err)"
bodies recv >seen.jsonl
assert_eq 2 "$(wc -l <seen.jsonl)" "POSTs after the insert"
sed -n 2p seen.jsonl >insert.json
assert_eq insert "$(json insert.json 'd[0]["_OPERATION"]')" "_OPERATION of the POSTed insert report"
assert_eq 1 "$(json insert.json 'd[0]["_OP_CHALK_COUNT"]')" "_OP_CHALK_COUNT of the insert report"

note "run on the host network: exec report, then heartbeats 1, 2, 3 with the build's IDs"
start=$SECONDS
docker run --rm --network host "$tag" >run.out 2>run.err || fail "the chalked container failed: $(cat run.err)"
[ $((SECONDS - start)) -le 9 ] || fail "the container took $((SECONDS - start)) s for a 4 s program"
[ ! -s run.out ] || fail "the shim wrote to the program's stdout: $(cat run.out)"
[ ! -s run.err ] || fail "the shim wrote to the program's stderr: $(cat run.err)"
bodies recv | tail -n +3 >run.jsonl
python3 - run.jsonl "$chalk_id" "$metadata_id" <<'PYTHON' || fail "exec/heartbeat reports are wrong (above)"
import json, sys
reports = [json.loads(line) for line in open(sys.argv[1])]
chalk_id, metadata_id = sys.argv[2], sys.argv[3]
problems = []
if any(len(r) != 1 for r in reports):
    problems.append("a POST body is not a one-element array")
reports = [r[0] for r in reports]
ops = [r.get("_OPERATION") for r in reports]
if ops.count("exec") != 1 or ops[0] != "exec":
    problems.append(f"expected one exec report first, got operations {ops}")
beats = [r.get("_HEARTBEAT_COUNT") for r in reports if r.get("_OPERATION") == "heartbeat"]
if beats[:3] != [1, 2, 3] or beats != list(range(1, len(beats) + 1)):
    problems.append(f"_HEARTBEAT_COUNT sequence {beats}, expected 1, 2, 3[, 4]")
for r in reports:
    if r.get("CHALK_ID") != chalk_id or r.get("METADATA_ID") != metadata_id:
        problems.append(f"{r.get('_OPERATION')}: CHALK_ID/METADATA_ID {r.get('CHALK_ID')}/{r.get('METADATA_ID')}, "
                        f"expected {chalk_id}/{metadata_id}")
stamps = [r.get("_TIMESTAMP", 0) for r in reports if r.get("_OPERATION") == "heartbeat"]
gaps = [b - a for a, b in zip(stamps, stamps[1:])]
if any(not 700 <= g <= 1300 for g in gaps):
    problems.append(f"heartbeats not 1 s apart (exec.heartbeat_rate): _TIMESTAMP gaps {gaps} ms")
exec_ids = {r.get("_EXEC_ID") for r in reports}
if len(exec_ids) != 1 or not next(iter(exec_ids)):
    problems.append(f"_EXEC_ID not one constant value: {exec_ids}")
for p in problems:
    print(p, file=sys.stderr)
sys.exit(1 if problems else 0)
PYTHON
first_exec_id=$(head -1 run.jsonl | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["_EXEC_ID"])')

note "a second container gets its own _EXEC_ID"
before=$(bodies recv | wc -l)
docker run --rm --network host "$tag" 1 >/dev/null 2>&1 || fail "the second container failed"
bodies recv | tail -n +$((before + 1)) >second.jsonl
[ -s second.jsonl ] || fail "no report from the second container"
second_exec_id=$(head -1 second.jsonl | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["_EXEC_ID"])')
[ "$second_exec_id" != "$first_exec_id" ] || fail "two containers share _EXEC_ID $first_exec_id"

note "file and rotating_log sinks: JSON Lines from the plugin and from a container into a bind mount"
cat >files.c4m <<'C4M'
exec.heartbeat: true
exec.heartbeat_rate: <<1 seconds>>
sink_config jsonl {
  sink:     "file"
  filename: env("REPORT_DIR") + "/sub/dir/reports.jsonl"
}
sink_config rot {
  sink:     "rotating_log"
  filename: env("REPORT_DIR") + "/rot.log"
  max:      <<3kb>>
}
if env("REPORT_DIR") != "" {
  subscribe("report", "jsonl")
  subscribe("report", "rot")
}
C4M
files_tag=chalk-e2e/$(unique_name files):1
remove_image_at_exit "$files_tag"
mkdir hostout out
REPORT_DIR=$E2E_TMP/hostout docker chalk --config files.c4m build -t "$files_tag" ctx >files-build.out 2>files-build.err ||
  fail "build with the file sinks failed: $(cat files-build.err)"
assert_eq 1 "$(wc -l <hostout/sub/dir/reports.jsonl)" "lines the build wrote to the file sink"
assert_eq build "$(json hostout/sub/dir/reports.jsonl 'd["_OPERATION"]')" "the file sink holds the bare build object"
assert_eq 600 "$(stat -c %a hostout/sub/dir/reports.jsonl)" "mode of a new report file"
cmp -s hostout/sub/dir/reports.jsonl hostout/rot.log || fail "the first rotating_log line differs from the file sink's"

docker run --rm -e REPORT_DIR=/out -v "$E2E_TMP/out:/out" "$files_tag" 5 >files-run.out 2>files-run.err ||
  fail "the container with file sinks failed: $(cat files-run.err)"
[ ! -s files-run.err ] || fail "the shim wrote to stderr: $(cat files-run.err)"
python3 - out/sub/dir/reports.jsonl out/rot.log "$(json hostout/sub/dir/reports.jsonl 'd["_CHALKS"][0]["CHALK_ID"]')" <<'PYTHON' ||
import json, os, sys
full, rot, chalk_id = sys.argv[1:]
problems = []
lines = open(full, "rb").read().split(b"\n")
if lines[-1] != b"":
    problems.append("the file does not end with a newline")
objs = [json.loads(line) for line in lines[:-1]]
if any(not isinstance(o, dict) for o in objs):
    problems.append("a line of the file sink is not a bare JSON object")
ops = [o.get("_OPERATION") for o in objs]
beats = [o.get("_HEARTBEAT_COUNT") for o in objs if o.get("_OPERATION") == "heartbeat"]
if ops[0] != "exec" or beats[:4] != [1, 2, 3, 4]:
    problems.append(f"file sink operations {ops}, heartbeats {beats}")
if any(o.get("CHALK_ID") != chalk_id for o in objs):
    problems.append("a report in the file sink has another CHALK_ID")
size = os.path.getsize(rot)
rot_lines = open(rot, "rb").read().split(b"\n")
rot_objs = [json.loads(line) for line in rot_lines[:-1]]
if size > 3000:
    problems.append(f"rotating_log is {size} bytes, max is 3000")
if not 0 < len(rot_objs) < len(objs):
    problems.append(f"rotating_log kept {len(rot_objs)} of {len(objs)} reports: nothing was dropped")
if rot_lines[:-1] != lines[len(lines) - len(rot_lines):-1]:
    problems.append("rotating_log does not hold the newest whole lines of the report stream")
if oct(os.stat(full).st_mode & 0o777) != "0o600":
    problems.append(f"mode {oct(os.stat(full).st_mode & 0o777)} of the file created in the container")
for p in problems:
    print(p, file=sys.stderr)
sys.exit(1 if problems else 0)
PYTHON
  fail "the file sinks written from the container are wrong (above)"
note "ok"

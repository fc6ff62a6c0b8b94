#!/usr/bin/env bash
# The network-heartbeat guide (shared/seeds/000_*.txt) step by step with the real plugin:
# `load URL` of net-heartbeat.c4m (served on 127.0.0.1), `dump` it to a file, change
# `exec.heartbeat_rate` to <<1 seconds>>, `load` it, `docker chalk build` a small HTTP server
# image, run it: the heartbeat report on stdout carries the template's keys and the server's
# listening socket. Then the guide's HTTP variant: enable `output_to_http` with a receiver's URL.
source "$(dirname "$0")/lib.sh"
require_engine
use_chalk_plugin
make_temp_dir
cd "$E2E_TMP"


# check_heartbeats FILE CHALK_ID HOSTNAME MIN PORT: FILE holds one report per line, each the array
# `[ {...} ]` of one heartbeat built from the guide's network_report template.
check_heartbeats() {
  python3 - "$@" <<'PYTHON'
import json, sys
path, chalk_id, hostname, minimum, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
template = {"CHALK_ID", "CHALK_PTR", "_OPERATION", "_TIMESTAMP", "_CHALKS", "_OP_PLATFORM", "_OP_HOSTNAME",
            "_OP_HOSTINFO", "_OP_NODENAME", "_OP_ERRORS", "_OP_TCP_SOCKET_INFO", "_OP_UDP_SOCKET_INFO",
            "_OP_IPV4_ROUTES", "_OP_IPV6_ROUTES", "_OP_IPV4_INTERFACES", "_OP_IPV6_INTERFACES", "_OP_ARP_TABLE"}
# A template naming either spelling of the host keys gets both (CONFIG.md §9); every shim
# report carries the join keys, and heartbeats _DATETIME (REPORTS.md §5).
allowed = template | {"_OP_HOST_VERSION", "_OP_HOST_NODENAME", "METADATA_ID", "_EXEC_ID", "_HEARTBEAT_COUNT",
                      "_DATETIME"}
problems = []
lines = [line for line in open(path).read().split("\n") if line]
if len(lines) < minimum:
    problems.append(f"{len(lines)} reports, expected at least {minimum}")
stamps, counts, exec_ids = [], [], set()
for n, line in enumerate(lines, 1):
    try:
        reports = json.loads(line)
    except ValueError:
        problems.append(f"line {n} is not JSON: {line[:200]}")
        continue
    if not isinstance(reports, list) or len(reports) != 1:
        problems.append(f"line {n} is not a one-report array")
        continue
    r = reports[0]
    if r.get("_OPERATION") != "heartbeat":
        problems.append(f"line {n}: _OPERATION {r.get('_OPERATION')}")
    extra = set(r) - allowed
    if extra:
        problems.append(f"line {n}: keys outside the network_report template: {sorted(extra)}")
    for key in ("CHALK_ID", "_TIMESTAMP", "_OP_PLATFORM", "_OP_HOSTNAME", "_OP_HOSTINFO", "_OP_NODENAME",
                "_OP_TCP_SOCKET_INFO", "_OP_IPV4_INTERFACES", "METADATA_ID", "_EXEC_ID", "_HEARTBEAT_COUNT"):
        if key not in r:
            problems.append(f"line {n}: no {key}")
    if r.get("CHALK_ID") != chalk_id:
        problems.append(f"line {n}: CHALK_ID {r.get('CHALK_ID')}, expected {chalk_id}")
    if r.get("_OP_HOSTNAME") != hostname:
        problems.append(f"line {n}: _OP_HOSTNAME {r.get('_OP_HOSTNAME')}, expected the container's {hostname}")
    if not any(port in row and "LISTEN" in row for row in r.get("_OP_TCP_SOCKET_INFO", [])):
        problems.append(f"line {n}: no LISTEN socket on port {port} in {r.get('_OP_TCP_SOCKET_INFO')}")
    stamps.append(r.get("_TIMESTAMP", 0))
    counts.append(r.get("_HEARTBEAT_COUNT"))
    exec_ids.add(r.get("_EXEC_ID"))
if stamps != sorted(set(stamps)):
    problems.append(f"_TIMESTAMP not increasing: {stamps}")
if counts != list(range(1, len(counts) + 1)):
    problems.append(f"_HEARTBEAT_COUNT sequence {counts}")
if len(exec_ids) != 1:
    problems.append(f"_EXEC_ID not constant: {exec_ids}")
for p in problems:
    print(p, file=sys.stderr)
sys.exit(1 if problems else 0)
PYTHON
}

note "step 1: load the guide's config from a URL, dump it, set the rate to 1 second, load it"
mkdir served
cp "$E2E_SOURCE_DIR/configs/net-heartbeat.c4m" served/
start_receiver "$E2E_TMP/files" --files "$E2E_TMP/served"
docker chalk load "http://127.0.0.1:$RECEIVER_PORT/net-heartbeat.c4m" 2>load-url.err ||
  fail "load URL failed: $(cat load-url.err)"
docker chalk dump net-heartbeat.c4m || fail "dump FILE failed"
cmp net-heartbeat.c4m served/net-heartbeat.c4m || fail "the dumped config differs from the loaded one"
assert_eq 1 "$(grep -cx 'exec.heartbeat_rate: *<<30 minutes>>' net-heartbeat.c4m)" "the guide's rate line in the dump"
sed -i 's/^\(exec.heartbeat_rate: *\)<<30 minutes>>$/\1<<1 seconds>>/' net-heartbeat.c4m
docker chalk load net-heartbeat.c4m 2>load.err || fail "load of the edited config failed: $(cat load.err)"
docker chalk dump | cmp -s - net-heartbeat.c4m || fail "dump after loading the edited config differs"

note "step 2: docker chalk build prints the build report"
tag=chalk-e2e/$(unique_name guide):1
remove_image_at_exit "$tag"
mkdir app
printf 'FROM %s\nENTRYPOINT ["httpd", "-f", "-p", "9999"]\n' "$E2E_BASE_IMAGE" >app/Dockerfile
(cd app && docker chalk build -t "$tag" .) >build.out 2>build.err || fail "docker chalk build failed: $(cat build.err)"
# stdout is docker build's own output, then the report (one line: stdout is not a terminal).
tail -1 build.out >report.json
python3 - report.json "$tag" <<'PYTHON' || fail "the build report on stdout is wrong (above)"
import json, sys
reports = json.load(open(sys.argv[1]))
problems = []
r = reports[0]
c = r["_CHALKS"][0]
expect = {"_OPERATION": r.get("_OPERATION") == "build", "_OP_CHALK_COUNT": r.get("_OP_CHALK_COUNT") == 1,
          "_OP_UNMARKED_COUNT": r.get("_OP_UNMARKED_COUNT") == 0, "DOCKER_TAGS": c.get("DOCKER_TAGS") == [sys.argv[2]],
          "DOCKER_LABELS": c.get("DOCKER_LABELS") == {}, "one report": len(reports) == 1,
          "DOCKER_FILE": "httpd" in c.get("DOCKER_FILE", "")}
for key in ("CHALK_ID", "METADATA_ID", "_IMAGE_ID", "_CURRENT_HASH", "_DATETIME", "_OP_ARGV"):
    expect[key] = key in c or key in r
problems = [k for k, ok in expect.items() if not ok]
for p in problems:
    print(f"build report: wrong or missing {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
PYTHON
chalk_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["_CHALKS"][0]["CHALK_ID"])' report.json)

note "step 3: run it; heartbeats with the server's socket appear on stdout"
name=$(unique_name guide)
on_exit docker rm -f "$name"
docker run -d --name "$name" "$tag" >/dev/null || fail "docker run failed"
sleep 4.5
[ "$(docker inspect -f '{{.State.Running}}' "$name")" == true ] || fail "the server container stopped"
hostname=$(docker inspect -f '{{.Config.Hostname}}' "$name")
docker logs "$name" >run.out 2>run.err
[ ! -s run.err ] || fail "the shim wrote to the container's stderr: $(cat run.err)"
check_heartbeats run.out "$chalk_id" "$hostname" 3 9999 || fail "the heartbeats on stdout are wrong (above)"
docker rm -f "$name" >/dev/null

note "the guide's variant: output_to_http enabled with a receiver's URL"
start_receiver "$E2E_TMP/recv"
python3 - net-heartbeat.c4m "http://127.0.0.1:$RECEIVER_PORT/webhook" <<'PYTHON'
import re, sys
path, url = sys.argv[1], sys.argv[2]
text = open(path).read()
block = re.search(r"sink_config output_to_http \{.*?\n\}", text, re.S).group(0)
edited = block.replace("enabled: false", "enabled: true").replace("http://some.web.location/webhook", url)
assert edited != block
open(path, "w").write(text.replace(block, edited))
PYTHON
docker chalk load net-heartbeat.c4m 2>load2.err || fail "load with output_to_http enabled failed: $(cat load2.err)"
http_tag=chalk-e2e/$(unique_name guide-http):1
remove_image_at_exit "$http_tag"
# On the host network (to reach the receiver on 127.0.0.1) the server takes a free port.
port=$(free_port)
mkdir app2
printf 'FROM %s\nENTRYPOINT ["httpd", "-f", "-p", "%s"]\n' "$E2E_BASE_IMAGE" "$port" >app2/Dockerfile
(cd app2 && docker chalk build -t "$http_tag" .) >build2.out 2>build2.err || fail "build failed: $(cat build2.err)"
http_id=$(tail -1 build2.out | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["_CHALKS"][0]["CHALK_ID"])')
assert_eq 0 "$(grep -c . recv/requests.log || true)" "POSTs from the build (the custom report is for heartbeats)"
name=$(unique_name guide-http)
on_exit docker rm -f "$name"
docker run -d --name "$name" --network host "$http_tag" >/dev/null || fail "docker run failed"
sleep 4.5
hostname=$(docker inspect -f '{{.Config.Hostname}}' "$name")
docker logs "$name" >run2.out 2>run2.err
[ ! -s run2.err ] || fail "the shim wrote to the container's stderr: $(cat run2.err)"
check_heartbeats run2.out "$http_id" "$hostname" 3 "$port" || fail "the heartbeats on stdout are wrong (above)"
for body in recv/*.body; do
  cat "$body"
  echo
done >posted.jsonl
check_heartbeats posted.jsonl "$http_id" "$hostname" 3 "$port" || fail "the heartbeats POSTed to output_to_http are wrong (above)"
note "ok"

#!/usr/bin/env bash
# Soak of the runtime shim (issue 15): a chalked container heartbeats every 100 ms to a
# loopback HTTP receiver. After CHALK_SOAK_WARMUP_SECONDS (default 90: the first connections,
# OpenSSL and allocator arenas settle in 60 to 90 s), the shim's resident memory, open
# descriptors and threads are sampled from the host every CHALK_SOAK_SAMPLE_SECONDS (default
# 5) for CHALK_SOAK_SECONDS (default 60; the closing figures come from a 600 s run) and must
# stay flat: average RSS of the last third of the samples within 256 kB of the first third's
# (and within 1 MB overall), no more descriptors in the second half
# than in the first (a POST may hold a socket at any sample), a constant thread count.
source "$(dirname "$0")/lib.sh"
require_engine
require_chalk_bin
make_temp_dir
cd "$E2E_TMP"

duration=${CHALK_SOAK_SECONDS:-60}
warmup=${CHALK_SOAK_WARMUP_SECONDS:-90}
every=${CHALK_SOAK_SAMPLE_SECONDS:-5}
[ "$duration" -ge $((every * 4)) ] || fail "CHALK_SOAK_SECONDS=$duration is too short for samples every $every s"

mkdir received
start_receiver "$E2E_TMP/received"
# The shipped heartbeat config, at 100 ms, to the receiver instead of the screen.
python3 - "$E2E_SOURCE_DIR/configs/net-heartbeat.c4m" soak.c4m "http://127.0.0.1:$RECEIVER_PORT/beat" <<'PYTHON'
import re, sys
text = open(sys.argv[1]).read()
edits = [("<<30 minutes>>", "<<100 ms>>"),
         ('enabled: true\n  sink:    "stdout"', 'enabled: false\n  sink:    "stdout"'),
         ('enabled: false\n  sink:    "post"', 'enabled: true\n  sink:    "post"'),
         ('"http://some.web.location/webhook"', '"%s"' % sys.argv[3])]
for old, new in edits:
    if old not in text:
        sys.exit("FAIL: configs/net-heartbeat.c4m no longer has %r" % old)
    text = text.replace(old, new)
open(sys.argv[2], "w").write(text)
PYTHON

image=chalk-e2e/$(unique_name soak):1
mkdir context
cat >context/Dockerfile <<'DOCKERFILE'
FROM chalk-test/busybox:latest
ENTRYPOINT ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done"]
DOCKERFILE
remove_image_at_exit "$image"
"$CHALK_BIN" --config "$E2E_TMP/soak.c4m" build -t "$image" context >build.out 2>build.err ||
  fail "docker chalk build of $image failed: $(cat build.err)"
container=$(unique_name soak)
on_exit docker rm -f "$container"
docker run -d --name "$container" --network host "$image" >/dev/null || fail "docker run of $image failed"
shim_pid=$(docker inspect -f '{{.State.Pid}}' "$container")
[ "$shim_pid" -gt 0 ] || fail "no host pid for $container"
assert_contains "$(tr '\0' ' ' <"/proc/$shim_pid/cmdline")" "/chalk exec" "the container's first process"

note "warming up for $warmup s, then sampling the shim (pid $shim_pid) every $every s for $duration s"
sleep "$warmup"
printf 'seconds rss_kb fds threads beats\n' >samples.txt
for ((t = 0; t <= duration; t += every)); do
  [ "$t" -eq 0 ] || sleep "$every"
  [ -d "/proc/$shim_pid" ] || fail "the shim exited during the soak: $(docker logs "$container" 2>&1 | tail -5)"
  rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$shim_pid/status")
  threads=$(sed -n 's/^Threads:[[:space:]]*//p' "/proc/$shim_pid/status")
  fds=$(find "/proc/$shim_pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
  beats=$(wc -l <received/requests.log)
  printf '%s %s %s %s %s\n' "$t" "$rss" "$fds" "$threads" "$beats" >>samples.txt
done
cat samples.txt >&2

python3 - samples.txt "$duration" "$warmup" <<'PYTHON'
import sys
rows = [list(map(int, line.split())) for line in open(sys.argv[1]).readlines()[1:]]
duration, warmup = int(sys.argv[2]), int(sys.argv[3])
def check(ok, what):
    if not ok:
        sys.exit("FAIL: " + what)
rss = [r[1] for r in rows]
fds = [r[2] for r in rows]
threads = [r[3] for r in rows]
beats = rows[-1][4]
half = len(rows) // 2
check(beats >= (warmup + duration) * 10 * 0.8, "the receiver got %d heartbeats in %d s (100 ms rate)" % (beats, warmup + duration))
# The heap breathes by a few hundred kB between samples; growth shows in the trend.
third = max(1, len(rows) // 3)
early, late = sum(rss[:third]) / third, sum(rss[-third:]) / third
check(late - early <= 256, "the shim's RSS grew: %.0f kB on average early, %.0f kB late: %r" % (early, late, rss))
check(max(rss) - min(rss) <= 1024, "the shim's RSS moved by more than 1 MB: %r" % rss)
check(max(fds[half:]) <= max(fds[:half]), "the shim's descriptors grew: %r" % fds)
check(max(threads) == min(threads), "the shim's threads went from %d to %d" % (min(threads), max(threads)))
print("-- soak: %d heartbeats; after the warm-up RSS %d..%d kB, fds %d..%d, threads %d"
      % (beats, min(rss), max(rss), min(fds), max(fds), threads[0]), file=sys.stderr)
PYTHON
assert_eq "" "$(docker logs "$container" 2>&1)" "the container's output"

note "ok"

#!/usr/bin/env bash
# Benchmarks (not tests): prints the figures the issues ask for, each as a ratio against a
# named peer measured in the same run on the same data.
#
#   scripts/bench.sh [oci] [build] [shim] [config] [deployments] [registry]   # default: every section
#
# Sections:
#   oci     images of 10 MB, 400 MB and 1 GB (CHALK_BENCH_SIZES="10 400 1024", in MB, for every
#           section that moves an image; random data + 3,000 small files, 4 layers), one table:
#           archive->archive insert vs `cp`
#           of the archive; peak RSS of insert (archive, and layout -> new layout); in-place
#           OCI layout insert vs `umoci insert` + `umoci config --config.entrypoint`.
#   build   `docker chalk build` overhead over plain `docker build` (warm cache) vs the
#           original tool's rebuild method (a second docker build FROM the image with COPY of
#           mark + shim and ENTRYPOINT), at each size. Needs an engine.
#   shim    start-up overhead of the shim: chalked vs unchalked `true` in docker, and the shim
#           alone outside docker; its peak RSS.
#   config  parse + check + evaluate of each shipped config; CPU cost of one heartbeat in the
#           shim (CPU time over many heartbeats, and callgrind instruction counts).
#   deployments  `deployments --json` over 200,000 reports (build, push, heartbeat; JSON Lines
#           in the s3 layout, 50 per file) and 20,000 ECS tasks vs the README's SQL join in
#           DuckDB over the same files (tests/integration/deployments/duckdb_join.mjs); peak RSS.
#   registry  the images of each size in a loopback docker-registry: `insert docker://` (no
#           engine) vs `skopeo copy docker://A docker://B` (A and B two registries); blob bytes
#           uploaded when chalking a first and a second, different image in one registry
#           (counted by tests/e2e/registry_proxy.py in front of it).
# Ends with one table of every figure against its peer (or its goal where it has none), the
# machine and its load. Work files live in ${CHALK_BENCH_DIR:-/tmp/chalk-bench} (generated
# once, reused).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_dir=${CHALK_BENCH_DIR:-/tmp/chalk-bench}
runs=${CHALK_BENCH_RUNS:-5}
sizes=${CHALK_BENCH_SIZES:-10 400 1024}
build_dir=${CHALK_BUILD_DIR:-$CHALK_ROOT/build}
chalk=${CHALK_BIN:-$build_dir/plugin/docker-chalk}
shim=$build_dir/runtime-shim/chalk-shim.stripped

# seconds CMD...: median wall time of $runs runs, after one warm-up (page cache warm).
seconds() {
  local json
  json=$(mktemp)
  hyperfine --style none --warmup 1 --runs "$runs" --export-json "$json" "$*" >/dev/null 2>&1 ||
    die "benchmark command failed: $*"
  python3 -c 'import json,sys; print("%.4f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$json"
  rm -f "$json"
}

# seconds_prepared PREPARE CMD: as `seconds`, with PREPARE run (untimed) before every run.
seconds_prepared() {
  local json
  json=$(mktemp)
  hyperfine --style none --warmup 1 --runs "$runs" --prepare "$1" --export-json "$json" "$2" >/dev/null 2>&1 ||
    die "benchmark command failed: $2"
  python3 -c 'import json,sys; print("%.4f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$json"
  rm -f "$json"
}

# median_ms MS...: the median of the numbers after the first (a warm-up), in seconds.
median_ms() { shift; printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { printf "%.4f", v[int((NR + 1) / 2)] / 1000 }'; }

ratio() { python3 -c 'import sys; print("%.2f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }

# peak_rss_mb CMD...: maximum resident set size of CMD in MB.
peak_rss_mb() {
  local kb
  kb=$(/usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -n 1)
  python3 -c 'import sys; print("%.1f" % (int(sys.argv[1]) / 1024))' "$kb"
}

row() { printf '%-58s %12s %12s %8s %s\n' "$@"; }

# summarize FIGURE OURS PEER RATIO GOAL: a line of the closing table.
summary=()
summarize() { summary+=("$(printf '%-66s %11s %11s %9s  %s' "$@")"); }

# image_dir MB: where the MB-sized benchmark image lives.
image_dir() { echo "$bench_dir/src-${1}mb"; }

# make_image MB: an image of about MB megabytes (three layers of random data, and one of
# 3,000 small files), as an OCI layout (gzip layers, written by umoci) and a docker-archive.
make_image() {
  local size=$1 src
  src=$(image_dir "$1")
  [ -f "$src/done" ] && return 0
  log "generating the $size MB benchmark image in $src (once)"
  rm -rf "$src"
  mkdir -p "$src"
  (
    cd "$src"
    umoci init --layout layout >/dev/null
    umoci new --image layout:big >/dev/null
    for i in 1 2 3; do
      mkdir -p "rootfs$i/data"
      head -c $((size * 1024 * 1024 / 3)) /dev/urandom >"rootfs$i/data/blob$i"
      umoci insert --image layout:big "rootfs$i/data/blob$i" "/data/blob$i" >/dev/null
    done
    mkdir -p small/etc/many
    for i in $(seq 1 3000); do echo "small file $i" >"small/etc/many/f$i"; done
    umoci insert --image layout:big small/etc /etc >/dev/null
    umoci config --image layout:big --config.entrypoint /bin/sh >/dev/null
    skopeo --insecure-policy copy oci:layout:big docker-archive:image.tar:bench/big:1 >/dev/null
    rm -rf rootfs1 rootfs2 rootfs3 small
    touch done
  )
}

# The machine and how busy it is: figures from a shared machine mean little without it.
machine_line() {
  local cpu
  cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
  echo "$(nproc) x ${cpu:-unknown CPU}, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo), $(uname -r); load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

# oci: for each size in CHALK_BENCH_SIZES (MB; default 10 400 1024), one row: archive ->
# archive insert vs cp of the archive, the insert's peak RSS (and that of a layout -> new
# layout insert), in-place OCI layout insert vs umoci insert + umoci config.
section_oci() {
  ensure_packages umoci skopeo hyperfine time
  local size work=$bench_dir/work
  for size in $sizes; do make_image "$size"; done
  mkdir -p "$work"
  echo "chalk-bench" >"$work/chalk.json"
  printf '%s\n' "== oci: median of $runs runs (warm page cache); $(machine_line)"
  printf '%-9s %9s %9s %7s %9s %9s %9s %9s %7s\n' "image" "insert s" "cp s" "ratio" "RSS MB" "RSS lay" \
    "layout s" "umoci s" "ratio"
  for size in $sizes; do
    local src archive_s cp_s rss layout_rss layout_s umoci_s
    src=$(image_dir "$size")
    # Each run starts with the previous output gone and nothing dirty, so neither side pays
    # for the other's writeback (at 1 GB a dirty page cache moved either by a factor of 2).
    archive_s=$(seconds_prepared "rm -f $work/out.tar && sync" "$chalk insert $src/image.tar -o $work/out.tar")
    cp_s=$(seconds_prepared "rm -f $work/copy.tar && sync" "cp $src/image.tar $work/copy.tar")
    rss=$(peak_rss_mb "$chalk" insert "$src/image.tar" -o "$work/out.tar")
    layout_rss=$(peak_rss_mb "$chalk" insert "oci:$src/layout:big" -o "$work/rss-layout" --format oci)
    # As for the archive runs: the fresh copy's writeback (up to the image's size) must not
    # land on the timed command, ours flushing its few new files or umoci's.
    local reset="rm -rf $work/layout && cp -r $src/layout $work/layout && sync"
    layout_s=$(seconds_prepared "$reset" "$chalk insert oci:$work/layout:big")
    umoci_s=$(seconds_prepared "$reset" "umoci insert --image $work/layout:big $work/chalk.json /chalk.json && umoci config --image $work/layout:big --config.entrypoint /chalk")
    local shown
    shown=$(du -sh "$src/image.tar" | cut -f1)
    printf '%-9s %9s %9s %7s %9s %9s %9s %9s %7s\n' "$shown" "$archive_s" "$cp_s" \
      "$(ratio "$archive_s" "$cp_s")x" "$rss" "$layout_rss" "$layout_s" "$umoci_s" "$(ratio "$layout_s" "$umoci_s")x"
    summarize "$shown archive -> archive insert vs cp (s)" "$archive_s" "$cp_s" "$(ratio "$archive_s" "$cp_s")x" "<= 1.5x"
    summarize "$shown in-place layout insert vs umoci insert + config (s)" "$layout_s" "$umoci_s" \
      "$(ratio "$layout_s" "$umoci_s")x" "<= 0.5x"
    summarize "$shown peak RSS of the archive insert (MB)" "$rss" "-" "-" "<= 64 MB at 1 GB"
    rm -rf "$work/out.tar" "$work/copy.tar" "$work/rss-layout" "$work/layout"
  done
  echo "goals: insert <= 1.5x cp, RSS <= 64 MB at 1 GB, in-place layout insert <= 0.5x umoci; load after: $(cut -d' ' -f1-3 /proc/loadavg)"
}

section_build() {
  ensure_packages hyperfine
  engine_answers || die "the build section needs a Docker engine: eval \"\$(scripts/engine.sh start)\""
  bash "$CHALK_ROOT/scripts/engine.sh" base-image
  local work=$bench_dir/build size
  mkdir -p "$work"
  printf '%s\n' "== build: overhead over a warm-cache docker build; median of $runs runs"
  row "measure" "chalk (s)" "rebuild (s)" "ratio" "goal"
  for size in $sizes; do
    local ctx=$work/ctx$size tag=chalk-bench/build$size:1
    mkdir -p "$ctx"
    [ -f "$ctx/data" ] || head -c $((size * 1024 * 1024)) /dev/urandom >"$ctx/data"
    printf 'FROM %s\nCOPY data /data\nENTRYPOINT ["/bin/sh","-c","true"]\n' "$CHALK_BASE_IMAGE" >"$ctx/Dockerfile"
    docker build -q -t "$tag" "$ctx" >/dev/null
    # The overhead within each run: its wall time less the time of the docker build it ran,
    # both from the plugin's -D lines (so the build's own run-to-run spread does not enter the
    # figure), and the part of it no client can cut: the engine's docker load.
    local overhead load debug=$work/debug$size.log overheads=() loads=()
    for _ in $(seq $((runs + 1))); do
      local start end built loaded
      start=$(date +%s%N)
      "$chalk" -D chalk build -q -t "$tag-chalked" "$ctx" >/dev/null 2>"$debug" ||
        die "docker-chalk chalk build failed: $(tail -n 3 "$debug")"
      end=$(date +%s%N)
      built=$(sed -n 's#.*docker build ran \([0-9]*\) ms#\1#p' "$debug")
      loaded=$(sed -n 's#.*POST /v[0-9.]*/images/load.* in \([0-9]*\) ms#\1#p' "$debug")
      [ -n "$built" ] && [ -n "$loaded" ] || die "docker-chalk -D chalk build printed no timings (see $debug)"
      overheads+=($(((end - start) / 1000000 - built)))
      loads+=("$loaded")
    done
    overhead=$(median_ms "${overheads[@]}")  # the first run is a warm-up
    load=$(median_ms "${loads[@]}")
    # The rebuild method: a fresh mark each time (so its COPY is never cached) and the shim.
    local rebuild_ctx=$work/rebuild$size
    mkdir -p "$rebuild_ctx"
    cp "$shim" "$rebuild_ctx/chalk"
    printf 'FROM %s\nCOPY chalk /chalk\nCOPY chalk.json /chalk.json\nENTRYPOINT ["/chalk","exec","--exec-command-name","/bin/sh","--","-c","true"]\n' \
      "$tag" >"$rebuild_ctx/Dockerfile"
    local rebuild
    rebuild=$(seconds_prepared "date +%s%N >$rebuild_ctx/chalk.json" "docker build -q -t $tag-rebuilt $rebuild_ctx")
    row "${size} MB: chalk build - docker build vs rebuild method" "$overhead" "$rebuild" "$(ratio "$overhead" "$rebuild")x" "<= 0.3x, flat"
    row "${size} MB:   of which the engine's docker load" "$load" "$rebuild" "$(ratio "$load" "$rebuild")x" "(the engine's part)"
    summarize "${size} MB chalk build - docker build vs the rebuild method (s)" "$overhead" "$rebuild" \
      "$(ratio "$overhead" "$rebuild")x" "<= 0.3x"
    docker image rm -f "$tag" "$tag-chalked" "$tag-rebuilt" >/dev/null 2>&1 || true
  done
}

section_shim() {
  ensure_packages hyperfine time
  [ -x "$shim" ] || die "the shim is not built: $shim"
  printf '%s\n' "== shim: start-up overhead and memory; median of 100 runs (docker: $runs)"
  row "measure" "shim" "plain" "delta" "goal"
  printf 'chalk-shim.stripped: %s bytes (goal <= 2.5 MB)\n' "$(stat -c %s "$shim")"
  summarize "chalk-shim.stripped (bytes)" "$(stat -c %s "$shim")" "-" "-" "<= 2.5 MB"
  # A synced copy: pages the linker just wrote would count as the binary's own RSS.
  local root
  root=$(mktemp -d)
  cp "$shim" "$root/chalk"
  sync
  printf '{"MAGIC":"dadfedabbadabbed","CHALK_ID":"BENCH0-0000-0000-000000","METADATA_ID":"BENCH0-0000-0000-000000"}\n' >"$root/chalk.json"
  # Unconfigured (no chalk.c4m), then the shipped net-heartbeat config (stdout, every 30 min:
  # the program ends long before the first beat, so this is the config's start-up cost).
  local config json ours plain kb
  for config in none net-heartbeat; do
    rm -f "$root/chalk.c4m"
    [ "$config" = none ] || cp "$CHALK_ROOT/configs/$config.c4m" "$root/chalk.c4m"
    json=$(mktemp)
    CHALK_SHIM_ROOT=$root hyperfine -N --style none --warmup 10 --runs 100 --export-json "$json" \
      "$root/chalk exec -- /bin/true" "/bin/true" >/dev/null 2>&1 || die "hyperfine of the shim failed"
    read -r ours plain < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print("%.3f %.3f" % (r[0]["median"]*1000, r[1]["median"]*1000))' "$json")
    rm -f "$json"
    local delta
    delta=$(python3 -c 'import sys; print("%.2f" % (float(sys.argv[1]) - float(sys.argv[2])))' "$ours" "$plain")
    row "exec -- /bin/true, config $config: hyperfine median (ms)" "$ours" "$plain" "$delta" "<= 1 ms"
    summarize "shim exec -- /bin/true vs /bin/true, config $config (ms)" "$ours" "$plain" "+$delta" "<= +1 ms"
    # /usr/bin/time: elapsed and peak RSS of the shim itself (min elapsed of 20 runs, max RSS).
    read -r ours kb < <(for _ in $(seq 20); do CHALK_SHIM_ROOT=$root /usr/bin/time -f '%e %M' "$root/chalk" exec -- /bin/true 2>&1 >/dev/null | tail -n 1; done |
      sort -n | awk 'NR == 1 { e = $1 } $2 > m { m = $2 } END { print e * 1000, m }')
    read -r plain _ < <(for _ in $(seq 20); do /usr/bin/time -f '%e %M' /bin/true 2>&1 | tail -n 1; done | sort -n | head -n 1)
    row "exec -- /bin/true, config $config: /usr/bin/time (ms, 10 ms ticks)" "$ours" "$(python3 -c 'import sys; print("%g" % (float(sys.argv[1]) * 1000))' "$plain")" "-" "<= 1 ms"
    local rss_mb
    rss_mb=$(python3 -c 'import sys; print("%.2f" % (int(sys.argv[1]) / 1024))' "$kb")
    row "shim peak RSS, config $config (MB)" "$rss_mb" "-" "-" "<= 3 MB"
    summarize "shim peak RSS, config $config (MB)" "$rss_mb" "-" "-" "<= 3 MB"
  done
  rm -rf "$root"
  if engine_answers; then
    bash "$CHALK_ROOT/scripts/engine.sh" base-image
    local work=$bench_dir/shim tag=chalk-bench/true:1
    mkdir -p "$work"
    printf 'FROM %s\nENTRYPOINT ["true"]\n' "$CHALK_BASE_IMAGE" >"$work/Dockerfile"
    docker build -q -t "$tag" "$work" >/dev/null
    "$chalk" build -q -t "$tag-chalked" "$work" >/dev/null 2>&1
    ours=$(seconds "docker run --rm --network none $tag-chalked")
    plain=$(seconds "docker run --rm --network none $tag")
    row "docker run of true: chalked vs unchalked (s)" "$ours" "$plain" "$(python3 -c 'import sys; print("%.1f ms" % ((float(sys.argv[1]) - float(sys.argv[2])) * 1000))' "$ours" "$plain")" "-"
    docker image rm -f "$tag" "$tag-chalked" >/dev/null 2>&1 || true
  fi
}

section_config() {
  ensure_packages valgrind time
  local bench_bin=$build_dir/tests/bench/config_bench
  [ -x "$bench_bin" ] || die "build first: $bench_bin is missing"
  printf '%s\n' "== config: parse + check + evaluate (median of 200 runs) and one heartbeat's cost"
  row "measure" "median" "min" "-" "goal"
  local name median min
  while read -r name median min; do
    row "evaluate $(basename "$name") (us)" "$median" "$min" "-" "<= 1000 us"
    summarize "parse + check + evaluate $(basename "$name") (us)" "$median" "-" "-" "<= 1000 us"
  done < <("$bench_bin" "$CHALK_ROOT"/configs/*.c4m)

  [ -x "$shim" ] || die "the shim is not built: $shim"
  local root
  root=$(mktemp -d)
  printf '{"MAGIC":"dadfedabbadabbed","CHALK_ID":"BENCH0-0000-0000-000000","METADATA_ID":"BENCH0-0000-0000-000000"}\n' >"$root/chalk.json"
  # Heartbeats every 10 ms for 3 s to a file sink, against the same run with none.
  cat >"$root/beats.c4m" <<'CONFIG'
exec.heartbeat: true
exec.heartbeat_rate: <<10 ms>>
sink_config beats { sink: "file"
  filename: "/dev/null" }
subscribe("report", "beats")
CONFIG
  printf 'sink_config beats { sink: "file"\n  filename: "/dev/null" }\nsubscribe("report", "beats")\n' >"$root/none.c4m"
  local cpu_beats cpu_none
  cp "$root/beats.c4m" "$root/chalk.c4m"
  cpu_beats=$(CHALK_SHIM_ROOT=$root /usr/bin/time -f '%U %S' "$shim" exec -- /bin/sleep 3 2>&1 >/dev/null | tail -n 1)
  cp "$root/none.c4m" "$root/chalk.c4m"
  cpu_none=$(CHALK_SHIM_ROOT=$root /usr/bin/time -f '%U %S' "$shim" exec -- /bin/sleep 3 2>&1 >/dev/null | tail -n 1)
  # User time is the shim's own work; system time is mostly the kernel walking its TCP hash
  # tables for /proc/net/tcp and tcp6 (what netstat pays too), which grows with the machine.
  local per_beat
  per_beat=$(python3 -c 'import sys
a=list(map(float,sys.argv[1].split())); b=list(map(float,sys.argv[2].split()))
print("%.3f %.3f" % ((a[0]-b[0])*1000/300, (a[1]-b[1])*1000/300))' "$cpu_beats" "$cpu_none")
  row "CPU per heartbeat, 300 beats in 3 s: user / system (ms)" "${per_beat% *}" "${per_beat#* }" "-" "<= 1 ms"
  # One heartbeat's tables with 1,000 sockets open in a fresh network namespace, as in a
  # container: netlink sock_diag vs /proc/net. Containers share the kernel's TCP hash with the
  # host (walked once per dump) unless the host sets net.ipv4.tcp_child_ehash_entries: both.
  local tables_bin=$build_dir/tests/bench/heartbeat_tables_bench line
  [ -x "$tables_bin" ] || die "build first: $tables_bin is missing"
  local shared own
  shared="unshare --net sh -c 'ip link set lo up && exec $tables_bin 1000 200'"
  own="unshare --net sh -c 'sysctl -qw net.ipv4.tcp_child_ehash_entries=4096 net.ipv4.udp_child_hash_entries=4096 && unshare --net sh -c \"ip link set lo up && exec $tables_bin 1000 200\"'"
  local namespace command source read_ms beat_ms namespaces=(shared)
  # Per-namespace hashes need Linux 6.1 (tcp) and 6.2 (udp).
  [ -e /proc/sys/net/ipv4/udp_child_hash_entries ] && namespaces+=(own)
  for namespace in "${namespaces[@]}"; do
    command=${!namespace}
    while read -r source read_ms beat_ms _; do
      row "1,000 sockets, $namespace TCP hash, $source: tables / +JSON (ms CPU)" "$read_ms" "$beat_ms" "-" "<= 1 ms"
    done < <(eval "$command") || die "heartbeat_tables_bench failed"
  done
  # The whole shim with 1,000 sockets in its namespace: 10 ms heartbeats to a file for 3 s,
  # against the same run without heartbeats (CPU of both from getrusage: the sum is exact, the
  # user/system split is sampled). What a container pays per heartbeat, report and sink included.
  cat >"$root/sockets.py" <<'PY'
import socket, sys, time
count, held = int(sys.argv[1]), []
for family, address in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.bind((address, 0))
    listener.listen(4096)
    held.append(listener)
    for _ in range(count // 8):
        client = socket.socket(family, socket.SOCK_STREAM)
        client.connect(listener.getsockname()[:2])
        held += [client, listener.accept()[0]]
    for _ in range(count // 4):
        udp = socket.socket(family, socket.SOCK_DGRAM)
        udp.bind((address, 0))
        held.append(udp)
print("ready", flush=True)
time.sleep(3600)
PY
  sed "s|/dev/null|$root/beats.jsonl|" "$root/beats.c4m" >"$root/sockets-beats.c4m"
  sed "s|/dev/null|$root/beats.jsonl|" "$root/none.c4m" >"$root/sockets-none.c4m"
  cat >"$root/beats_in_namespace.sh" <<'SH'
set -eu
root=$1 shim=$2
ip link set lo up
python3 "$root/sockets.py" 1000 >"$root/ready" &
holder=$!
while ! grep -q ready "$root/ready" 2>/dev/null; do sleep 0.05; done
for config in beats none; do
  cp "$root/sockets-$config.c4m" "$root/chalk.c4m"
  rm -f "$root/beats.jsonl"
  CHALK_SHIM_ROOT=$root /usr/bin/time -f '%U %S' "$shim" exec -- /bin/sleep 3 2>&1 >/dev/null | tail -n 1 | tr '\n' ' '
  wc -l <"$root/beats.jsonl" | tr '\n' ' '
done
echo
kill "$holder"
SH
  local run_in_namespace beats_line
  for namespace in "${namespaces[@]}"; do
    if [ "$namespace" = shared ]; then
      run_in_namespace="unshare --net sh $root/beats_in_namespace.sh $root $shim"
    else
      run_in_namespace="unshare --net sh -c 'sysctl -qw net.ipv4.tcp_child_ehash_entries=4096 net.ipv4.udp_child_hash_entries=4096 && unshare --net sh $root/beats_in_namespace.sh $root $shim'"
    fi
    beats_line=$(eval "$run_in_namespace") || die "the shim's heartbeats with 1,000 sockets failed"
    local beat_cpu
    beat_cpu=$(python3 -c '
import sys
user, system, lines, none_user, none_system, _ = map(float, sys.argv[1].split())
print("%.2f" % ((user + system - none_user - none_system) * 1000 / (lines - 1)))' "$beats_line")
    row "shim heartbeat, 1,000 sockets, $namespace TCP hash (ms CPU)" "$beat_cpu" "-" "-" "<= 1 ms"
    summarize "shim heartbeat CPU, 1,000 sockets, $namespace TCP hash (ms)" "$beat_cpu" "-" "-" "<= 1 ms"
  done
  # Instruction counts: 20 heartbeats vs none, under callgrind (stable across runs).
  local insns_beats insns_none
  sed 's/<<10 ms>>/<<50 ms>>/' "$root/beats.c4m" >"$root/chalk.c4m"
  insns_beats=$(CHALK_SHIM_ROOT=$root valgrind --tool=callgrind --callgrind-out-file=/dev/null "$shim" exec -- /bin/sleep 1.02 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' | head -n 1)
  cp "$root/none.c4m" "$root/chalk.c4m"
  insns_none=$(CHALK_SHIM_ROOT=$root valgrind --tool=callgrind --callgrind-out-file=/dev/null "$shim" exec -- /bin/sleep 1.02 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' | head -n 1)
  row "instructions per heartbeat (callgrind, 20 beats)" \
    "$(python3 -c 'import sys; print((int(sys.argv[1]) - int(sys.argv[2])) // 20)' "${insns_beats:-0}" "${insns_none:-0}")" "-" "-" "-"
  rm -rf "$root"
}

section_deployments() {
  ensure_duckdb
  local data=$bench_dir/deployments
  if [ ! -d "$data/reports" ]; then
    log "generating 200,000 reports and 20,000 ECS tasks in $data"
    rm -rf "$data"
    python3 "$CHALK_ROOT/tests/bench/deployments_data.py" 200000 20000 "$data"
  fi
  printf '%s\n' "== deployments: 200,000 reports + 20,000 ECS tasks, --json vs DuckDB running the README's SQL"
  row "measure" "chalk" "duckdb" "ratio" "goal"
  local ours theirs
  ours=$(seconds "$chalk deployments --reports $data/reports --custodian $data/custodian --json >/dev/null")
  theirs=$(seconds "node $CHALK_ROOT/tests/integration/deployments/duckdb_join.mjs $CHALK_ROOT/plugin/deployments/README.md $data/reports $data/custodian-lines >/dev/null 2>&1")
  row "wall time (s)" "$ours" "$theirs" "$(ratio "$ours" "$theirs")" "<= 1.0x"
  summarize "deployments --json vs DuckDB's SQL, 200,000 reports (s)" "$ours" "$theirs" "$(ratio "$ours" "$theirs")x" "<= 1.0x"
  row "peak RSS of deployments (MB)" \
    "$(peak_rss_mb "$chalk" deployments --reports "$data/reports" --custodian "$data/custodian" --json)" "-" "-" "< 256 MB"
}


# bench_registry NAME: a docker-registry on loopback with storage under $bench_dir; sets
# REGISTRY_ADDR, stopped when the script exits.
bench_registry() {
  local dir=$bench_dir/registry-$1 port
  mkdir -p "$dir"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s/storage\nhttp:\n  addr: 127.0.0.1:%s\n' \
    "$dir" "$port" >"$dir/config.yml"
  docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
  bench_pids+=("$!")
  REGISTRY_ADDR=127.0.0.1:$port
  until curl -s -o /dev/null "http://$REGISTRY_ADDR/v2/"; do sleep 0.1; done
}

# uploaded_bytes LOG: blob bytes a registry_proxy.py log recorded.
uploaded_bytes() { awk '($1 == "PUT" || $1 == "PATCH") && $2 ~ /blobs\/uploads/ { n += $3 } END { print n + 0 }' "$1"; }

section_registry() {
  ensure_packages skopeo hyperfine docker-registry curl
  local size src work=$bench_dir/registry-work
  for size in $sizes; do make_image "$size"; done
  rm -rf "$bench_dir"/registry-a "$bench_dir"/registry-b "$work"
  mkdir -p "$work"
  bench_registry a
  local a=$REGISTRY_ADDR
  bench_registry b
  local b=$REGISTRY_ADDR
  local skopeo_copy="skopeo --insecure-policy copy --src-tls-verify=false --dest-tls-verify=false"
  printf '%s\n' "== registry: images in a loopback registry; median of $runs runs"
  row "measure" "chalk (s)" "peer (s)" "ratio" "goal"
  local ours peer
  for size in $sizes; do
    src=$(image_dir "$size")
    $skopeo_copy "oci:$src/layout:big" "docker://$a/bench/big$size:src" >/dev/null
    ours=$(seconds_prepared "$skopeo_copy docker://$a/bench/big$size:src docker://$a/bench/big$size:work >/dev/null" \
      "$chalk insert docker://$a/bench/big$size:work")
    peer=$(seconds_prepared "rm -rf $bench_dir/registry-b/storage" \
      "$skopeo_copy docker://$a/bench/big$size:src docker://$b/bench/big$size:copy")
    row "$size MB: insert docker:// (no engine) vs skopeo copy A -> B" "$ours" "$peer" "$(ratio "$ours" "$peer")x" "<= 0.2x"
    summarize "$size MB insert docker:// (no engine) vs skopeo copy A -> B (s)" "$ours" "$peer" \
      "$(ratio "$ours" "$peer")x" "<= 0.2x"
  done
  size=${sizes%% *}

  # Bytes: through the recording proxy, a first image, then a second, different one.
  python3 "$CHALK_ROOT/tests/e2e/registry_proxy.py" --upstream "$a" --log "$work/proxy.log" >"$work/proxy.port" &
  bench_pids+=("$!")
  until [ -s "$work/proxy.port" ]; do sleep 0.1; done
  local proxy=127.0.0.1:$(head -1 "$work/proxy.port")
  $skopeo_copy "docker://$a/bench/big$size:src" "docker://$a/bench/first:1" >/dev/null
  mkdir -p "$work/second"
  (cd "$work/second" && umoci init --layout layout >/dev/null && umoci new --image layout:s >/dev/null &&
    mkdir -p rootfs/etc && echo second >rootfs/etc/second && umoci insert --image layout:s rootfs/etc/second /etc/second >/dev/null &&
    umoci config --image layout:s --config.entrypoint /bin/sh >/dev/null)
  $skopeo_copy "oci:$work/second/layout:s" "docker://$a/bench/second:1" >/dev/null
  : >"$work/proxy.log"
  "$chalk" insert "docker://$proxy/bench/first:1" >/dev/null
  row "blob bytes uploaded chalking a first image" "$(uploaded_bytes "$work/proxy.log")" "-" "-" "-"
  : >"$work/proxy.log"
  "$chalk" insert "docker://$proxy/bench/second:1" >/dev/null
  local second
  second=$(uploaded_bytes "$work/proxy.log")
  row "blob bytes uploaded chalking a second, different image" "$second" "-" "-" "mark + config only"
  summarize "blob bytes uploaded chalking a second image in a registry" "$second" "-" "-" "mark + config only"
}

bench_pids=()
trap 'for pid in "${bench_pids[@]}"; do kill "$pid" 2>/dev/null || true; done' EXIT

[ -x "$chalk" ] || die "build first: $chalk is missing (scripts/test.sh or scripts/quickstart.sh builds it)"
sections=("$@")
run_started="$(date -u '+%Y-%m-%d %H:%M UTC') at $(git -C "$CHALK_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'); $(machine_line)"
[ ${#sections[@]} -gt 0 ] || sections=(oci build shim config deployments registry)
for section in "${sections[@]}"; do
  case "$section" in
    oci) section_oci ;;
    build) section_build ;;
    shim) section_shim ;;
    config) section_config ;;
    deployments) section_deployments ;;
    registry) section_registry ;;
    *) die "unknown section \`$section\` (known: oci build shim config deployments registry)" ;;
  esac
done
printf '\n%s\n' "== summary: each figure against its peer in this run (or its goal); started $run_started"
printf '%s\n' "   ended $(date -u '+%Y-%m-%d %H:%M UTC'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-66s %11s %11s %9s  %s\n' "figure" "chalk" "peer" "ratio" "goal"
printf '%s\n' "${summary[@]}"

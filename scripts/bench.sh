#!/usr/bin/env bash
# Benchmarks (not tests): prints the figures the issues ask for, each as a ratio against a
# named peer measured in the same run on the same data.
#
#   scripts/bench.sh [oci]     # default: every section
#
# Sections:
#   oci   400 MB image (random data + 3,000 small files, 4 layers):
#         in-place OCI layout insert vs `umoci insert` + `umoci config --config.entrypoint`;
#         archive->archive insert vs `cp` of the archive; peak RSS of insert.
# Work files live in ${CHALK_BENCH_DIR:-/tmp/chalk-bench} (generated once, reused).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_dir=${CHALK_BENCH_DIR:-/tmp/chalk-bench}
runs=${CHALK_BENCH_RUNS:-5}
chalk=${CHALK_BIN:-$CHALK_ROOT/build/plugin/docker-chalk}

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

ratio() { python3 -c 'import sys; print("%.2f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }

# peak_rss_mb CMD...: maximum resident set size of CMD in MB.
peak_rss_mb() {
  local kb
  kb=$(/usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -n 1)
  python3 -c 'import sys; print("%.1f" % (int(sys.argv[1]) / 1024))' "$kb"
}

row() { printf '%-58s %12s %12s %8s %s\n' "$@"; }

# The 400 MB image, as an OCI layout (gzip layers, written by umoci) and a docker-archive.
make_big_image() {
  local src=$bench_dir/src
  [ -f "$src/done" ] && return 0
  log "generating the 400 MB benchmark image in $src (once)"
  rm -rf "$src"
  mkdir -p "$src"
  (
    cd "$src"
    umoci init --layout layout >/dev/null
    umoci new --image layout:big >/dev/null
    for i in 1 2 3; do
      mkdir -p "rootfs$i/data"
      head -c $((130 * 1024 * 1024)) /dev/urandom >"rootfs$i/data/blob$i"
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

section_oci() {
  ensure_packages umoci skopeo hyperfine time
  make_big_image
  local src=$bench_dir/src work=$bench_dir/work
  mkdir -p "$work"
  echo "chalk-bench" >"$work/chalk.json"
  printf '%s\n' "== oci: $(du -sh "$src/image.tar" | cut -f1) docker-archive, $(du -sh "$src/layout" | cut -f1) OCI layout; median of $runs runs"
  row "measure" "chalk (s)" "peer (s)" "ratio" "goal"

  local reset="rm -rf $work/layout && cp -r $src/layout $work/layout"
  local ours peer
  ours=$(seconds_prepared "$reset" "$chalk insert oci:$work/layout:big")
  peer=$(seconds_prepared "$reset" "umoci insert --image $work/layout:big $work/chalk.json /chalk.json && umoci config --image $work/layout:big --config.entrypoint /chalk")
  row "in-place OCI layout insert vs umoci insert + config" "$ours" "$peer" "$(ratio "$ours" "$peer")x" "<= 0.5x"

  ours=$(seconds "$chalk insert $src/image.tar -o $work/out.tar")
  peer=$(seconds "cp $src/image.tar $work/copy.tar")
  row "docker-archive -> docker-archive insert vs cp" "$ours" "$peer" "$(ratio "$ours" "$peer")x" "<= 2x"

  local rss
  rss=$(peak_rss_mb "$chalk" insert "$src/image.tar" -o "$work/out.tar")
  row "peak RSS of archive insert (MB)" "$rss" "-" "-" "<= 64 MB"
  rss=$(peak_rss_mb "$chalk" insert "oci:$src/layout:big" -o "$work/rss-layout" --format oci)
  row "peak RSS of layout -> new layout insert (MB)" "$rss" "-" "-" "<= 64 MB"
  rm -rf "$work/out.tar" "$work/copy.tar" "$work/rss-layout" "$work/layout"
}

[ -x "$chalk" ] || die "build first: $chalk is missing (scripts/test.sh or scripts/quickstart.sh builds it)"
sections=("$@")
[ ${#sections[@]} -gt 0 ] || sections=(oci)
for section in "${sections[@]}"; do
  case "$section" in
    oci) section_oci ;;
    *) die "unknown section \`$section\` (known: oci)" ;;
  esac
done

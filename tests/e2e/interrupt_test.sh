#!/usr/bin/env bash
# Interrupted inserts (INT, TERM, KILL mid-write) leave nothing behind: the shell's exit
# status, the input byte-identical, no `.tmp-` file or directory (after KILL: once the next
# run swept what the killed one could not remove), for archive -> archive in place, `-o
# other.tar`, `--format oci -o DIR` and an in-place OCI layout.
source "$(dirname "$0")/lib.sh"
require_engine
require_chalk_bin
make_temp_dir
cd "$E2E_TMP"
interrupter=$E2E_SOURCE_DIR/tests/e2e/interrupter.py

# 150 MB of random bytes: writing the archive takes long enough to be caught half-way.
tag=chalk-e2e/$(unique_name interrupt):1
build_image_from "$tag" <<DOCKERFILE
FROM $E2E_BASE_IMAGE
RUN head -c 157286400 /dev/urandom >/big
DOCKERFILE
save_image "$tag" big.tar
docker image rm -f "$tag" >/dev/null
input_sha=$(sha256sum <big.tar)

# leftovers DIR: the temporaries of ours under DIR.
leftovers() {
  find "$1" -name '*.tmp-*' | sort
}

# interrupt SIGNAL EXPECTED_STATUS DIR MIN_BYTES ARGS...: `insert ARGS`, signalled while it
# writes a temporary under DIR holding MIN_BYTES; checks the exit status.
interrupt() {
  local signal=$1 expected=$2 directory=$3 min_bytes=$4 status
  shift 4
  status=$(python3 "$interrupter" "$signal" "$directory" "$min_bytes" "$CHALK_BIN" insert "$@" 2>run.err) ||
    fail "insert $* was not interrupted by $signal: $(cat run.err)"
  assert_eq "$expected" "$status" "exit status of insert $* after SIG$signal"
}

# after_kill DIR ARGS...: a killed run may leave named temporaries (its layer files, a new
# layout's directory); once they are older than a minute (aged here) the next run removes
# them, and that run leaves nothing either.
after_kill() {
  local directory=$1 left
  shift
  left=$(leftovers "$directory")
  note "SIGKILL left: ${left:-nothing}"
  leftovers "$directory" | xargs -r -d '\n' touch -d '2 minutes ago'
  "$CHALK_BIN" insert "$@" >next.out 2>next.err || fail "insert $* after a killed run: $(cat next.err)"
  assert_eq "" "$(leftovers "$directory")" "temporaries after the run that followed a KILL"
}

for case in "INT 130" "TERM 143" "KILL 137"; do
  read -r signal expected <<<"$case"

  note "SIG$signal while insert rewrites an archive in place"
  mkdir -p in-place && cp big.tar in-place/big.tar
  interrupt "$signal" "$expected" in-place $((32 << 20)) in-place/big.tar
  assert_eq "$input_sha" "$(sha256sum <in-place/big.tar)" "the archive after SIG$signal"
  if [ "$signal" = KILL ]; then
    after_kill in-place in-place/big.tar
  else
    assert_eq "" "$(leftovers in-place)" "temporaries after SIG$signal"
  fi
  rm -rf in-place

  note "SIG$signal while insert writes -o other.tar"
  mkdir -p to-archive
  interrupt "$signal" "$expected" to-archive $((32 << 20)) big.tar -o to-archive/out.tar
  assert_eq "$input_sha" "$(sha256sum <big.tar)" "the input after SIG$signal"
  [ ! -e to-archive/out.tar ] || fail "SIG$signal left a partial to-archive/out.tar"
  if [ "$signal" = KILL ]; then
    after_kill to-archive big.tar -o to-archive/out.tar
    "$CHALK_BIN" extract to-archive/out.tar >/dev/null || fail "the archive written after a KILL does not validate"
  else
    assert_eq "" "$(leftovers to-archive)" "temporaries after SIG$signal"
  fi
  rm -rf to-archive

  note "SIG$signal while insert writes --format oci -o DIR"
  mkdir -p to-layout
  interrupt "$signal" "$expected" to-layout $((32 << 20)) big.tar --format oci -o to-layout/layout
  assert_eq "$input_sha" "$(sha256sum <big.tar)" "the input after SIG$signal"
  [ ! -e to-layout/layout ] || fail "SIG$signal left a partial layout"
  if [ "$signal" = KILL ]; then
    [ -n "$(leftovers to-layout)" ] || fail "a killed layout write left no temporary directory: the sweep is untested"
    after_kill to-layout big.tar --format oci -o to-layout/layout
  else
    assert_eq "" "$(leftovers to-layout)" "temporaries after SIG$signal"
  fi
  rm -rf to-layout
done

# An in-place layout update writes only the small mark layer, config and manifest: the
# moment to catch is the mark layer being built beside index.json.
"$CHALK_BIN" insert big.tar --format oci -o layout >/dev/null 2>insert.err || fail "insert into a layout: $(cat insert.err)"
for case in "INT 130" "TERM 143" "KILL 137"; do
  read -r signal expected <<<"$case"
  note "SIG$signal while insert updates an OCI layout in place"
  index_sha=$(sha256sum <layout/index.json)
  interrupt "$signal" "$expected" layout 0 oci:layout
  assert_eq "$index_sha" "$(sha256sum <layout/index.json)" "index.json after SIG$signal"
  if [ "$signal" = KILL ]; then
    after_kill layout oci:layout
  else
    assert_eq "" "$(leftovers layout)" "temporaries after SIG$signal"
  fi
done

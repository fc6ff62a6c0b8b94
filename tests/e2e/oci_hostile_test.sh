#!/usr/bin/env bash
# Hostile image inputs and outputs, with docker load as the judge: every hostile input of
# tests/support/hostile_fixtures gives one line and exit 2 (no crash, no hang); extract
# agrees with docker load about which image an archive holds; concurrent inserts into one
# layout both land; outputs keep their mode, follow links and refuse devices.
source "$(dirname "$0")/lib.sh"
require_engine
require_chalk_bin
[ -n "${CHALK_HOSTILE_FIXTURES:-}" ] || fail "CHALK_HOSTILE_FIXTURES is not set (the chalk-hostile-fixtures target was not built)"
make_temp_dir
cd "$E2E_TMP"

note "hostile inputs: one line, exit 2, within seconds"
"$CHALK_HOSTILE_FIXTURES" hostile >cases.tsv || fail "chalk-hostile-fixtures failed"
while IFS=$'\t' read -r name path expected; do
  for op in extract insert; do
    status=0
    timeout 60 "$CHALK_BIN" "$op" "$path" >out.json 2>err.txt </dev/null || status=$?
    [ "$status" -eq 2 ] || fail "$op $name: exit $status, not 2: $(cat err.txt)"
    assert_contains "$(cat err.txt)" "$expected"
    [ "$(grep -c . err.txt)" -eq 1 ] || fail "$op $name: more than one line: $(cat err.txt)"
  done
done <cases.tsv

tag=chalk-e2e/$(unique_name hostile):1
build_image_from "$tag" <<DOCKERFILE
FROM $E2E_BASE_IMAGE
CMD ["echo", "hello"]
DOCKERFILE
save_image "$tag" img.tar
"$CHALK_BIN" insert img.tar -o chalked.tar >/dev/null 2>&1 || fail "insert failed"

note "index.json says chalked, manifest.json (what docker load reads) says not: extract refuses"
mkdir mixed
tar -xf chalked.tar -C mixed
tar -xf img.tar -C mixed  # its manifest.json replaces ours
tar -cf mixed.tar -C mixed .
status=0
"$CHALK_BIN" extract mixed.tar >/dev/null 2>err.txt || status=$?
[ "$status" -eq 2 ] || fail "extract of a disagreeing archive: exit $status: $(cat err.txt)"
assert_contains "$(cat err.txt)" "manifest.json and index.json describe different images"
mixed_tag=chalk-e2e/$(unique_name mixed):1
python3 - "$mixed_tag" <<'PY'
import json, sys
items = json.load(open("mixed/manifest.json"))
items[0]["RepoTags"] = [sys.argv[1]]
json.dump(items, open("mixed/manifest.json", "w"))
PY
tar -cf mixed.tar -C mixed .
docker load -i mixed.tar >/dev/null || fail "docker load of the disagreeing archive failed"
remove_image_at_exit "$mixed_tag"
if docker run --rm --network none --entrypoint cat "$mixed_tag" /chalk.json >/dev/null 2>&1; then
  fail "docker load took the chalked image: the disagreement test is not testing anything"
fi

note "manifest.json hard-linked to a name defined twice: we read what docker load reads"
linked_tag=chalk-e2e/$(unique_name linked):1
python3 - chalked.tar img.tar linked.tar "$linked_tag" <<'PY'
import io, json, sys, tarfile
chalked, plain, out, tag = sys.argv[1:]
def manifest(path):
    with tarfile.open(path) as t:
        items = json.load(t.extractfile("manifest.json"))
    items[0]["RepoTags"] = [tag]
    return json.dumps(items).encode()
def add_bytes(t, name, data):
    info = tarfile.TarInfo(name); info.size = len(data); t.addfile(info, io.BytesIO(data))
seen = set()
with tarfile.open(out, "w", format=tarfile.USTAR_FORMAT) as t:
    for path in (chalked, plain):
        with tarfile.open(path) as source:
            for member in source.getmembers():
                if member.name in ("manifest.json", "index.json", "oci-layout", "repositories") or member.name in seen:
                    continue
                seen.add(member.name)
                t.addfile(member, source.extractfile(member) if member.isfile() else None)
    add_bytes(t, "m.json", manifest(chalked))
    link = tarfile.TarInfo("manifest.json"); link.type = tarfile.LNKTYPE; link.linkname = "m.json"; t.addfile(link)
    add_bytes(t, "m.json", manifest(plain))
PY
"$CHALK_BIN" extract linked.tar >linked.json 2>err.txt || fail "extract of the hard-linked archive failed: $(cat err.txt)"
assert_eq 1 "$(json linked.json 'd[0]["_OP_CHALK_COUNT"]')" "extract reads the chalked image the link holds"
docker load -i linked.tar >/dev/null || fail "docker load of the hard-linked archive failed"
remove_image_at_exit "$linked_tag"
docker run --rm --network none --entrypoint cat "$linked_tag" /chalk.json >/dev/null 2>&1 ||
  fail "docker load took the other image: we and docker disagree"

note "two inserts at once into one layout: both land"
skopeo_run copy -q "docker-archive:img.tar" "oci:layout:v1" || fail "skopeo copy v1 failed"
skopeo_run copy -q "docker-archive:img.tar" "oci:layout:v2" || fail "skopeo copy v2 failed"
"$CHALK_BIN" insert oci:layout:v1 >v1.json 2>v1.err &
first=$!
"$CHALK_BIN" insert oci:layout:v2 >v2.json 2>v2.err &
second=$!
wait "$first" || fail "insert v1 failed: $(cat v1.err)"
wait "$second" || fail "insert v2 failed: $(cat v2.err)"
"$CHALK_BIN" extract oci:layout >both.json || fail "extract of the layout failed"
assert_eq 2 "$(json both.json 'd[0]["_OP_CHALK_COUNT"]')" "both concurrent inserts are in the layout"

note "outputs: mode kept, links followed, devices and missing directories refused"
cp img.tar private.tar
chmod 600 private.tar
"$CHALK_BIN" insert private.tar >/dev/null 2>&1 || fail "insert in place failed"
assert_eq 600 "$(stat -c %a private.tar)" "mode of a replaced output"
cp img.tar real.tar
ln -s real.tar link.tar
"$CHALK_BIN" insert link.tar >/dev/null 2>&1 || fail "insert through a link failed"
[ -L link.tar ] || fail "the link was replaced by a file"
"$CHALK_BIN" extract real.tar >real.json || fail "extract of the link's target failed"
assert_eq 1 "$(json real.json 'd[0]["_OP_CHALK_COUNT"]')" "the link's target is chalked"
status=0
"$CHALK_BIN" insert img.tar -o /dev/null >/dev/null 2>err.txt || status=$?
[ "$status" -eq 2 ] || fail "insert -o /dev/null: exit $status"
assert_contains "$(cat err.txt)" "is a character device, not a regular file"
[ -c /dev/null ] || fail "/dev/null was replaced"
status=0
"$CHALK_BIN" insert img.tar -o missing-dir/x.tar >/dev/null 2>err.txt || status=$?
[ "$status" -eq 2 ] || fail "insert -o missing-dir/x.tar: exit $status"
assert_contains "$(cat err.txt)" "output \`missing-dir/x.tar\`: directory \`missing-dir\` does not exist"
[ -z "$(ls -A . | grep '\.tmp-' || true)" ] || fail "temporary files left behind: $(ls -A)"

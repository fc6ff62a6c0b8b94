#!/usr/bin/env bash
# Registries that misbehave, through tests/e2e/registry_proxy.py in front of Debian's
# docker-registry: a recording proxy shows `extract docker://` fetches the config and the
# chalk layer only, and that a blob the registry has is never sent again; a proxy that
# drops uploads half way and one that misstates manifest digests make insert fail with one
# line, a non-zero exit, and the tag where it was; so does `docker chalk push` when the
# registry goes away (the proxy exits) at its first upload.
source "$(dirname "$0")/lib.sh"
require_engine
use_chalk_plugin
cd "$E2E_TMP"
start_registry
name=$(unique_name f-registry-faults)
ref_path=$name/app:1

# start_proxy LOG [FAULT...]: sets PROXY_ADDR.
start_proxy() {
  local log=$1
  shift
  : >"$log"
  start_server "$log" python3 "$E2E_SOURCE_DIR/tests/e2e/registry_proxy.py" --upstream "$REGISTRY_ADDR" --log "$log" "$@"
  PROXY_ADDR=127.0.0.1:$SERVER_PORT
}
upstream_digest() { skopeo_run inspect --tls-verify=false --format '{{.Digest}}' "docker://$REGISTRY_ADDR/$1"; }

build_image_from "chalk-e2e/$name:1" <<DOCKERFILE
FROM $E2E_BASE_IMAGE
RUN head -c 3000000 /dev/urandom >/payload
ENTRYPOINT ["echo"]
CMD ["faults"]
DOCKERFILE
docker tag "chalk-e2e/$name:1" "$REGISTRY_ADDR/$ref_path"
remove_image_at_exit "$REGISTRY_ADDR/$ref_path"
docker push -q "$REGISTRY_ADDR/$ref_path" >/dev/null || fail "docker push"
original=$(upstream_digest "$ref_path")

note "a registry that closes the connection mid-upload: one line, tag unmoved"
start_proxy drop.log --drop-uploads
set +e
docker chalk insert --upload-chunk-size 100000 "docker://$PROXY_ADDR/$ref_path" >drop.out 2>drop.err
status=$?
set -e
[ "$status" -ne 0 ] || fail "insert through a proxy dropping uploads succeeded"
assert_eq 1 "$(wc -l <drop.err)" "one line on stderr"
grep -q dropped drop.log || fail "the proxy never dropped an upload: $(cat drop.log)"
assert_contains "$(cat drop.err)" "$PROXY_ADDR"
assert_eq "$original" "$(upstream_digest "$ref_path")" "the tag after a dropped upload"

note "docker chalk push while the registry goes away mid-push: docker's exit code, one line, tag unmoved"
gone_ref=$REGISTRY_ADDR/$name/gone:1
docker tag "chalk-e2e/$name:1" "$gone_ref"
remove_image_at_exit "$gone_ref"
docker push -q "$gone_ref" >/dev/null || fail "docker push of $gone_ref"
gone_original=$(upstream_digest "$name/gone:1")
start_proxy gone.log --exit-on-upload
docker tag "chalk-e2e/$name:1" "$PROXY_ADDR/$name/gone:1"
remove_image_at_exit "$PROXY_ADDR/$name/gone:1"
docker chalk insert "$PROXY_ADDR/$name/gone:1" >gone-insert.json 2>gone-insert.err ||
  fail "insert of the local $PROXY_ADDR/$name/gone:1: $(cat gone-insert.err)"
set +e
timeout 300 docker chalk push "$PROXY_ADDR/$name/gone:1" >gone.out 2>gone.err
status=$?
set -e
[ "$status" -ne 124 ] || fail "docker chalk push to a registry gone mid-push still ran after 300 s"
[ "$status" -ne 0 ] || fail "docker chalk push to a registry gone mid-push exited 0"
grep -q ' gone$' gone.log || fail "the registry never went away mid-push: $(cat gone.log)"
assert_eq 1 "$(grep -cv '^$' gone.err)" "lines on stderr ($(cat gone.err))"
assert_eq "" "$(grep '^\[{' gone.out || true)" "a push report after a failed push"
assert_eq "$gone_original" "$(upstream_digest "$name/gone:1")" "the tag after the registry went away"
note "exit $status: $(cat gone.err)"

note "a registry that misstates a manifest's digest: refused"
start_proxy bad.log --bad-manifest-digest
set +e
docker chalk insert "docker://$PROXY_ADDR/$ref_path" >bad.out 2>bad.err
status=$?
set -e
[ "$status" -ne 0 ] || fail "insert through a proxy misstating digests succeeded"
assert_eq 1 "$(wc -l <bad.err)" "one line on stderr"
assert_contains "$(cat bad.err)" "sha256:0000000000000000000000000000000000000000000000000000000000000000"
assert_eq "$original" "$(upstream_digest "$ref_path")" "the tag after a misstated digest"

note "recorded: insert in chunks, then extract fetches the config and the chalk layer only"
start_proxy record.log
docker chalk insert --upload-chunk-size 100000 "docker://$PROXY_ADDR/$ref_path" >insert.json 2>insert.err ||
  fail "insert through the recording proxy: $(cat insert.err)"
chalked=$(upstream_digest "$ref_path")
assert_eq "$chalked" "sha256:$(json insert.json "d[0]['_CHALKS'][0]['_REPO_DIGESTS']['$PROXY_ADDR']['$name/app'][0]")" "insert digest"
patches=$(grep -c '^PATCH .*/blobs/uploads/' record.log || true)
[ "$patches" -ge 2 ] || fail "a chalk layer larger than the chunk size went up in one request: $(cat record.log)"
payload_puts=$(awk '$1 == "PUT" && $2 ~ /blobs\/uploads/ && $3 > 1000000' record.log | wc -l)
assert_eq 0 "$payload_puts" "no base layer uploaded again"
: >record.log
docker chalk extract "docker://$PROXY_ADDR/$ref_path" >extract.json 2>extract.err || fail "extract: $(cat extract.err)"
assert_eq "$(json insert.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')" "$(json extract.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')" "extract"
chalk_layer=$(skopeo_run inspect --tls-verify=false --raw "docker://$REGISTRY_ADDR/$ref_path" | python3 -c 'import json,sys; print(json.load(sys.stdin)["layers"][-1]["digest"])')
blob_gets=$(grep '^GET .*/blobs/sha256:' record.log | sed 's#.*/blobs/##; s# .*##' | sort)
config=$(skopeo_run inspect --tls-verify=false --raw "docker://$REGISTRY_ADDR/$ref_path" | python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["digest"])')
assert_eq "$(printf '%s\n' "$chalk_layer" "$config" | sort)" "$blob_gets" "blobs fetched by extract"

note "chalking it again: the base layers are neither fetched nor uploaded"
: >record.log
docker chalk insert "docker://$PROXY_ADDR/$ref_path" >again.json 2>again.err || fail "second insert: $(cat again.err)"
assert_eq 0 "$(awk '$3 > 1000000' record.log | wc -l)" "no request carried a base layer"
assert_eq "$config" "$(grep '^GET .*/blobs/sha256:' record.log | sed 's#.*/blobs/##; s# .*##')" "the only blob fetched to re-chalk"
uploaded_bytes() { awk '($1 == "PUT" || $1 == "PATCH") && $2 ~ /blobs\/uploads/ { n += $3 } END { print n + 0 }' "$1"; }

note "a second, different image chalked in the same registry uploads no shim bytes"
other=$REGISTRY_ADDR/$name/other:1
remove_image_at_exit "$other"
docker tag "$E2E_BASE_IMAGE" "$other"
docker push -q "$other" >/dev/null || fail "docker push of a second image"
: >record.log
docker chalk insert "docker://$PROXY_ADDR/$name/other:1" >other.json 2>other.err || fail "insert of a second image: $(cat other.err)"
sent=$(uploaded_bytes record.log)
[ "$sent" -lt 65536 ] || fail "chalking a second image uploaded $sent bytes (the shim again?): $(cat record.log)"
note "second image: $sent blob bytes uploaded"

echo "PASS: dropped uploads, misstated digests, only new blobs uploaded, extract reads one layer"

#!/usr/bin/env bash
# docker chalk insert / extract on image archives and layouts, checked by tools we did not
# write: docker load + run, skopeo inspect, umoci stat.
source "$(dirname "$0")/lib.sh"
require_engine
require_chalk_bin
make_temp_dir
cd "$E2E_TMP"


tag=chalk-e2e/$(unique_name insert):1
build_image_from "$tag" <<DOCKERFILE
FROM $E2E_BASE_IMAGE
LABEL team=platform
ENTRYPOINT ["echo"]
CMD ["hello"]
DOCKERFILE
save_image "$tag" img.tar
cp img.tar img.orig.tar

note "insert into a new docker-archive"
"$CHALK_BIN" insert img.tar -o chalked.tar >report.json 2>insert.err || fail "insert failed: $(cat insert.err)"
cmp -s img.tar img.orig.tar || fail "insert -o modified its input"
assert_eq insert "$(json report.json 'd[0]["_OPERATION"]')" "_OPERATION"
assert_eq 1 "$(json report.json 'd[0]["_OP_CHALK_COUNT"]')" "_OP_CHALK_COUNT"
chalk_id=$(json report.json 'd[0]["_CHALKS"][0]["CHALK_ID"]')
metadata_id=$(json report.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')
assert_eq "['$tag']" "$(json report.json 'd[0]["_CHALKS"][0]["DOCKER_TAGS"]')" "DOCKER_TAGS"
assert_eq "{'team': 'platform'}" "$(json report.json 'd[0]["_CHALKS"][0]["DOCKER_LABELS"]')" "DOCKER_LABELS"

note "docker load + run the chalked archive"
loaded=$(docker load -i chalked.tar) || fail "docker load failed"
assert_contains "$loaded" "$tag"
remove_image_at_exit "$tag"
assert_eq hello "$(docker run --rm --network none "$tag")" "the program's output"
assert_eq "bye" "$(docker run --rm --network none "$tag" bye)" "docker run args replace CMD"
docker run --rm --network none --entrypoint cat "$tag" /chalk.json >mark.json || fail "no /chalk.json in the image"
assert_eq dadfedabbadabbed "$(json mark.json 'd["MAGIC"]')" "MAGIC"
assert_eq "$metadata_id" "$(json mark.json 'd["METADATA_ID"]')" "METADATA_ID in the image"
history=$(docker history --no-trunc --format '{{.CreatedBy}}' "$tag" | head -1)
assert_eq "COPY chalk.json /chalk.json # chalk" "$history" "history entry"
label=$(docker image inspect -f '{{index .Config.Labels "run.chalk.metadata-id"}}' "$tag")
assert_eq "$metadata_id" "$label" "metadata-id label"

note "extract reads it back and validates it"
"$CHALK_BIN" extract chalked.tar >extract.json || fail "extract failed"
assert_eq "$chalk_id" "$(json extract.json 'd[0]["_CHALKS"][0]["CHALK_ID"]')" "extracted CHALK_ID"
assert_eq True "$(json extract.json 'd[0]["_CHALKS"][0]["_VALIDATED_METADATA"]')" "_VALIDATED_METADATA"
"$CHALK_BIN" extract img.tar >unmarked.json || fail "extract of an unchalked image failed"
assert_eq 1 "$(json unmarked.json 'd[0]["_OP_UNMARKED_COUNT"]')" "_OP_UNMARKED_COUNT"

note "local image references: extract and insert resolve through the engine"
"$CHALK_BIN" extract "$tag" >local.json || fail "extract of a local image failed"
assert_eq "$metadata_id" "$(json local.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')" "METADATA_ID read from the local image"
assert_eq True "$(json local.json 'd[0]["_CHALKS"][0]["_VALIDATED_METADATA"]')" "local _VALIDATED_METADATA"
local_tag=chalk-e2e/$(unique_name local):1
docker tag "$E2E_BASE_IMAGE" "$local_tag"
remove_image_at_exit "$local_tag"
base_id=$(docker image inspect -f '{{.Id}}' "$E2E_BASE_IMAGE")
"$CHALK_BIN" insert "$local_tag" >local-insert.json || fail "insert of a local image failed"
assert_eq "['$local_tag']" "$(json local-insert.json 'd[0]["_CHALKS"][0]["DOCKER_TAGS"]')" "DOCKER_TAGS of a local insert"
assert_eq "$base_id" "$(docker image inspect -f '{{.Id}}' "$E2E_BASE_IMAGE")" "the other tag of the same image stays"
assert_eq "sha256:$(json local-insert.json 'd[0]["_CHALKS"][0]["_IMAGE_ID"]')" \
  "$(docker image inspect -f '{{.Id}}' "$local_tag")" "the named tag moves to the chalked image"
assert_eq works "$(docker run --rm --network none "$local_tag" echo works)" "the chalked local image runs"
"$CHALK_BIN" extract "$E2E_BASE_IMAGE" >base.json || fail "extract of the unchalked base image failed"
assert_eq 1 "$(json base.json 'd[0]["_OP_UNMARKED_COUNT"]')" "the base image is unmarked"

note "skopeo reads every output format; umoci accepts the layouts"
inspect=$(skopeo_run inspect "docker-archive:$PWD/chalked.tar") || fail "skopeo cannot read our docker-archive"
assert_contains "$inspect" "$metadata_id"
"$CHALK_BIN" insert img.tar -o chalked-oci.tar --format oci-archive >/dev/null || fail "insert --format oci-archive"
skopeo_run inspect "oci-archive:$PWD/chalked-oci.tar" >/dev/null || fail "skopeo cannot read our oci-archive"
"$CHALK_BIN" insert img.tar -o layout --format oci >/dev/null || fail "insert --format oci"
skopeo_run inspect "oci:$PWD/layout" >/dev/null || fail "skopeo cannot read our OCI layout"
ref=$(json layout/index.json 'd["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"]')
umoci_run stat --image "layout:$ref" >/dev/null || fail "umoci stat rejects our OCI layout"
# skopeo's spelling of the same output: the transport prefix sets the format.
"$CHALK_BIN" insert img.tar -o "oci:$PWD/prefixed" >/dev/null || fail "insert -o oci:DIR"
skopeo_run inspect "oci:$PWD/prefixed" >/dev/null || fail "skopeo cannot read the layout written by -o oci:DIR"
"$CHALK_BIN" insert img.tar -o "oci-archive:$PWD/prefixed.tar" >/dev/null || fail "insert -o oci-archive:FILE"
skopeo_run inspect "oci-archive:$PWD/prefixed.tar" >/dev/null || fail "skopeo cannot read the oci-archive written by -o oci-archive:FILE"

note "in-place insert of a layout written by skopeo, then re-chalked: one mark layer"
skopeo_run copy "docker-archive:$PWD/img.tar" "oci:$PWD/sk:v1" >/dev/null || fail "skopeo copy to an OCI layout"
"$CHALK_BIN" insert "oci:$PWD/sk:v1" >first.json || fail "in-place insert"
"$CHALK_BIN" insert "oci:$PWD/sk:v1" >second.json || fail "second in-place insert"
umoci_run stat --image sk:v1 >stat.txt || fail "umoci stat after in-place inserts"
assert_eq 1 "$(grep -c 'COPY chalk.json /chalk.json # chalk' stat.txt)" "chalk history entries after re-chalking"
skopeo_run copy "oci:$PWD/sk:v1" "docker-archive:$PWD/sk.tar:$tag-sk" >/dev/null || fail "skopeo copy of our layout"
docker load -i sk.tar >/dev/null || fail "docker load of skopeo's copy of our layout"
remove_image_at_exit "$tag-sk"
assert_eq hello "$(docker run --rm --network none "$tag-sk")" "image copied by skopeo runs"

note "an index with two platforms (the second made by hand): both chalked, one CHALK_ID"
python3 - "$PWD/sk" <<'PYTHON'
import hashlib, json, os, sys
root = sys.argv[1]
def blob(data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(root, "blobs", "sha256", digest), "wb") as f:
        f.write(data)
    return "sha256:" + digest
def read(digest):
    return open(os.path.join(root, "blobs", "sha256", digest.split(":")[1]), "rb").read()
index = json.load(open(os.path.join(root, "index.json")))
amd = index["manifests"][0]
manifest = json.loads(read(amd["digest"]))
config = json.loads(read(manifest["config"]["digest"]))
config["architecture"] = "arm64"
config["variant"] = "v8"
data = json.dumps(config).encode()
manifest["config"] = {"mediaType": manifest["config"]["mediaType"], "digest": blob(data), "size": len(data)}
arm_data = json.dumps(manifest).encode()
arm = {"mediaType": amd["mediaType"], "digest": blob(arm_data), "size": len(arm_data),
       "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}}
amd = {k: v for k, v in amd.items() if k != "annotations"}
amd["platform"] = {"architecture": "amd64", "os": "linux"}
inner = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                    "manifests": [amd, arm]}).encode()
index["manifests"] = [{"mediaType": "application/vnd.oci.image.index.v1+json", "digest": blob(inner),
                       "size": len(inner), "annotations": {"org.opencontainers.image.ref.name": "multi"}}]
json.dump(index, open(os.path.join(root, "index.json"), "w"))
PYTHON
"$CHALK_BIN" insert "oci:$PWD/sk:multi" >multi.json || fail "insert of a two-platform index"
assert_eq 2 "$(json multi.json 'd[0]["_OP_CHALK_COUNT"]')" "one chalk per platform"
multi_id=$(json multi.json 'd[0]["_CHALKS"][0]["CHALK_ID"]')
assert_eq "$multi_id" "$(json multi.json 'd[0]["_CHALKS"][1]["CHALK_ID"]')" "shared CHALK_ID"
assert_eq "['linux/amd64', 'linux/arm64']" "$(json multi.json '[c["DOCKER_PLATFORM"] for c in d[0]["_CHALKS"]]')" "platforms"
raw=$(skopeo_run inspect --raw "oci:$PWD/sk:multi") || fail "skopeo cannot read the chalked index"
assert_contains "$raw" '"arm64"'
for arch in amd64 arm64; do
  skopeo_run inspect --override-arch "$arch" "oci:$PWD/sk:multi" >"$arch.json" || fail "skopeo cannot read the $arch image"
  assert_eq "$arch" "$(json "$arch.json" 'd["Architecture"]')" "$arch platform"
  assert_eq "$multi_id" "$(json "$arch.json" 'd["Labels"]["run.chalk.chalk-id"]')" "$arch image chalk-id label"
done

note "bad input: one line on stderr, exit 2, no output left behind"
head -c 20000 img.tar >truncated.tar
set +e
"$CHALK_BIN" insert truncated.tar -o out-bad.tar >bad.out 2>bad.err
status=$?
set -e
assert_eq 2 "$status" "exit code for a truncated archive"
assert_eq 1 "$(wc -l <bad.err)" "stderr lines"
assert_contains "$(cat bad.err)" "truncated.tar"
[ ! -e out-bad.tar ] || fail "an output file was left behind"
[ ! -s bad.out ] || fail "something was printed on stdout"
set +e
"$CHALK_BIN" insert no-such-image.tar >bad.out 2>bad.err
status=$?
set -e
assert_eq 2 "$status" "exit code for a name that is neither a file nor a local image"
assert_eq 1 "$(wc -l <bad.err)" "stderr lines"
assert_contains "$(cat bad.err)" "no-such-image.tar\`: no such file, directory or local image"
note "ok"

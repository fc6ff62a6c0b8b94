#!/usr/bin/env bash
# Registries over plain HTTP on loopback (Debian's docker-registry): `docker chalk push`
# reports the digest the registry serves (checked against skopeo and docker push's own
# output); `insert docker://` chalks an image in the registry with no engine (pulled and run
# by the engine afterwards, mark readable); a two-platform index stays an index with both
# platforms chalked; `extract docker://` fetches only the chalk layer.
source "$(dirname "$0")/lib.sh"
require_engine
use_chalk_plugin
cd "$E2E_TMP"
start_registry
registry=$REGISTRY_ADDR

skopeo_digest() { skopeo_run inspect --tls-verify=false --format '{{.Digest}}' "docker://$1"; }

name=$(unique_name f-registry)
mkdir app
cat >app/Dockerfile <<DOCKERFILE
FROM $E2E_BASE_IMAGE
ENTRYPOINT ["echo"]
CMD ["hello from the registry"]
DOCKERFILE

note "docker chalk push: the report's digest is the registry's, as skopeo and docker push say"
remove_image_at_exit "$registry/$name/app:1"
docker chalk build -t "$registry/$name/app:1" app >build.out 2>build.err || fail "build failed: $(cat build.err)"
report_of build.out build.json
metadata_id=$(json build.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')
chalk_id=$(json build.json 'd[0]["_CHALKS"][0]["CHALK_ID"]')
docker chalk push "$registry/$name/app:1" >push.out 2>push.err || fail "docker chalk push failed: $(cat push.err)"
report_of push.out push.json
assert_eq push "$(json push.json 'd[0]["_OPERATION"]')" "_OPERATION"
assert_eq 0 "$(json push.json 'd[0]["_OP_EXIT_CODE"]')" "_OP_EXIT_CODE"
assert_eq 1 "$(json push.json 'd[0]["_OP_CHALK_COUNT"]')" "_OP_CHALK_COUNT"
assert_eq "$chalk_id" "$(json push.json 'd[0]["_CHALKS"][0]["CHALK_ID"]')" "CHALK_ID"
assert_eq "$metadata_id" "$(json push.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')" "METADATA_ID"
reported=$(json push.json "d[0]['_CHALKS'][0]['_REPO_DIGESTS']['$registry']['$name/app'][0]")
tagged=$(json push.json "d[0]['_CHALKS'][0]['_REPO_TAGS']['$registry']['$name/app']['1']")
assert_eq "sha256:$reported" "$(skopeo_digest "$registry/$name/app:1")" "_REPO_DIGESTS vs skopeo inspect"
assert_eq "$reported" "$tagged" "_REPO_TAGS"
docker_said=$(grep -o 'digest: sha256:[0-9a-f]*' push.out | head -1)
assert_eq "digest: sha256:$reported" "$docker_said" "_REPO_DIGESTS vs docker push's output"

note "docker chalk push -a: every tag reported"
remove_image_at_exit "$registry/$name/app:2"
docker tag "$registry/$name/app:1" "$registry/$name/app:2"
docker chalk push -a "$registry/$name/app" >all.out 2>all.err || fail "docker chalk push -a failed: $(cat all.err)"
report_of all.out all.json
assert_eq "['1', '2']" "$(json all.json "sorted(t for c in d[0]['_CHALKS'] for t in c['_REPO_TAGS']['$registry']['$name/app'])")" "tags reported"

note "an unchalked image: pushed, reported as such"
plain=$registry/$name/plain:1
build_image_from "$plain" <<DOCKERFILE
FROM $E2E_BASE_IMAGE
ENTRYPOINT ["echo"]
CMD ["plain"]
DOCKERFILE
docker chalk push "$plain" >plain.out 2>plain.err || fail "push of an unchalked image failed: $(cat plain.err)"
report_of plain.out plain.json
assert_contains "$(cat plain.err)" "image is not chalked; report is limited"
assert_eq 1 "$(json plain.json 'd[0]["_OP_UNMARKED_COUNT"]')" "_OP_UNMARKED_COUNT"
assert_eq False "$(json plain.json '"CHALK_ID" in d[0]["_CHALKS"][0]')" "no CHALK_ID"
assert_eq "$(skopeo_digest "$plain")" "sha256:$(json plain.json "d[0]['_CHALKS'][0]['_REPO_DIGESTS']['$registry']['$name/plain'][0]")" \
  "unchalked image's digest"

note "insert docker://: chalked in the registry, pulled and run by the engine"
before=$(skopeo_digest "$plain")
docker chalk insert "docker://$plain" >insert.json 2>insert.err || fail "insert docker:// failed: $(cat insert.err)"
after=$(skopeo_digest "$plain")
[ "$before" != "$after" ] || fail "the tag did not move to the chalked image"
assert_eq "$after" "sha256:$(json insert.json "d[0]['_CHALKS'][0]['_REPO_DIGESTS']['$registry']['$name/plain'][0]")" "insert report's digest"
inserted_metadata_id=$(json insert.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')
docker image rm "$plain" >/dev/null
docker pull -q "$plain" >/dev/null || fail "docker pull of the image chalked in the registry"
assert_eq plain "$(docker run --rm --network none "$plain")" "the pulled image runs its program"
docker run --rm --network none --entrypoint cat "$plain" /chalk.json >mark.json || fail "no /chalk.json in the pulled image"
assert_eq "$inserted_metadata_id" "$(json mark.json 'd["METADATA_ID"]')" "the mark in the pulled image"

note "extract docker://: the mark read back"
docker chalk extract "docker://$plain" >extract.json 2>extract.err || fail "extract docker:// failed: $(cat extract.err)"
assert_eq "$inserted_metadata_id" "$(json extract.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')" "extracted METADATA_ID"
assert_eq True "$(json extract.json 'd[0]["_CHALKS"][0]["_VALIDATED_METADATA"]')" "_VALIDATED_METADATA"
docker chalk extract "docker://$registry/$name/app:1" >extract-app.json || fail "extract of the pushed image"
assert_eq "$metadata_id" "$(json extract-app.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')" "METADATA_ID of the pushed image"

note "insert docker://A -o docker://B: A untouched, B written"
docker chalk insert "docker://$plain" -o "docker://$registry/$name/copy:7" >copy.json 2>copy.err || fail "insert -o failed: $(cat copy.err)"
assert_eq "$after" "$(skopeo_digest "$plain")" "the source tag stays"
assert_eq "$(skopeo_digest "$registry/$name/copy:7")" "sha256:$(json copy.json "d[0]['_CHALKS'][0]['_REPO_DIGESTS']['$registry']['$name/copy'][0]")" "copy's digest"

note "a two-platform index stays an index, both platforms chalked"
skopeo_run copy --src-tls-verify=false "docker://$plain" "oci:$PWD/multi:m" >/dev/null || fail "skopeo copy to a layout"
python3 - "$PWD/multi" <<'PYTHON'
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
                       "size": len(inner), "annotations": {"org.opencontainers.image.ref.name": "m"}}]
json.dump(index, open(os.path.join(root, "index.json"), "w"))
PYTHON
multi=$registry/$name/multi:1
skopeo_run copy --all --dest-tls-verify=false "oci:$PWD/multi:m" "docker://$multi" >/dev/null || fail "skopeo copy of the index"
docker chalk insert "docker://$multi" >multi.json 2>multi.err || fail "insert of an index: $(cat multi.err)"
assert_eq 2 "$(json multi.json 'd[0]["_OP_CHALK_COUNT"]')" "one chalk per platform"
skopeo_run inspect --raw --tls-verify=false "docker://$multi" >raw.json || fail "skopeo inspect --raw"
assert_eq application/vnd.oci.image.index.v1+json "$(json raw.json 'd["mediaType"]')" "still an index"
assert_eq "['amd64', 'arm64']" "$(json raw.json '[m["platform"]["architecture"] for m in d["manifests"]]')" "both platforms"
list=$(json multi.json "d[0]['_CHALKS'][0]['_REPO_LIST_DIGESTS']['$registry']['$name/multi'][0]")
assert_eq "$(skopeo_digest "$multi")" "sha256:$list" "_REPO_LIST_DIGESTS"
for i in 0 1; do
  arch=$(json raw.json "d['manifests'][$i]['platform']['architecture']")
  digest=$(json raw.json "d['manifests'][$i]['digest']")
  skopeo_run inspect --tls-verify=false --config "docker://$registry/$name/multi@$digest" >"config-$arch.json" ||
    fail "skopeo inspect --config of $arch"
  assert_eq "COPY chalk.json /chalk.json # chalk" "$(json "config-$arch.json" 'd["history"][-1]["created_by"]')" "$arch chalked"
  assert_eq "$digest" "sha256:$(json multi.json "[c for c in d[0]['_CHALKS'] if c['DOCKER_PLATFORM'].split('/')[1] == '$arch'][0]['_REPO_DIGESTS']['$registry']['$name/multi'][0]")" \
    "$arch _REPO_DIGESTS"
done
docker chalk extract "docker://$multi" >multi-extract.json || fail "extract of the index"
assert_eq 2 "$(json multi-extract.json 'd[0]["_OP_CHALK_COUNT"]')" "marks read from both platforms"

note "docker chalk build --push (classic builder): the chalked image reaches the registry"
pushed=$registry/$name/built:1
remove_image_at_exit "$pushed"
docker chalk build --push -t "$pushed" app >bp.out 2>bp.err || fail "build --push failed: $(cat bp.err)"
grep '^\[{' bp.out >bp.reports || true
assert_eq 2 "$(wc -l <bp.reports)" "a build report and a push report"
head -1 bp.reports >bp-build.json
tail -1 bp.reports >bp-push.json
assert_eq build "$(json bp-build.json 'd[0]["_OPERATION"]')" "first report"
assert_eq push "$(json bp-push.json 'd[0]["_OPERATION"]')" "second report"
assert_eq "$(json bp-build.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')" "$(json bp-push.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')" \
  "the pushed image is the chalked one"
assert_eq "$(skopeo_digest "$pushed")" "sha256:$(json bp-push.json "d[0]['_CHALKS'][0]['_REPO_DIGESTS']['$registry']['$name/built'][0]")" \
  "build --push digest"
docker chalk extract "docker://$pushed" >bp-extract.json || fail "extract of the pushed build"
assert_eq "$(json bp-build.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')" "$(json bp-extract.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')" \
  "mark in the registry"
docker chalk build --output type=registry -t "$registry/$name/built:2" app >bo.out 2>bo.err ||
  fail "build --output type=registry failed: $(cat bo.err)"
remove_image_at_exit "$registry/$name/built:2"
docker chalk extract "docker://$registry/$name/built:2" >bo-extract.json || fail "extract after --output type=registry"
assert_eq 1 "$(json bo-extract.json 'd[0]["_OP_CHALK_COUNT"]')" "--output type=registry pushed the chalked image"

note "Docker CLI hooks: a plain docker push on a terminal gets the next step"
cp "$DOCKER_CONFIG/config.json" config.saved 2>/dev/null || echo '{}' >config.saved
python3 - "$DOCKER_CONFIG/config.json" <<'PYTHON'
import json, os, sys
path = sys.argv[1]
config = json.load(open(path)) if os.path.exists(path) else {}
config["features"] = {"hooks": "true"}
config["plugins"] = {"chalk": {"hooks": "push,image push,build"}}
json.dump(config, open(path, "w"))
PYTHON
script -qec "docker push $registry/$name/app:1" hook.out >/dev/null </dev/null || fail "docker push under a terminal: $(cat hook.out)"
assert_contains "$(tr -d '\r' <hook.out)" "docker chalk push $registry/$name/app:1" "the hook's next step"
docker push "$registry/$name/app:1" >nohook.out 2>&1 || fail "docker push without a terminal"
assert_not_contains "$(cat nohook.out)" "docker chalk push" "output without a terminal"
cp config.saved "$DOCKER_CONFIG/config.json"

note "bad input: an unknown repository"
set +e
docker chalk insert "docker://$registry/$name/nothing-here:1" >unknown.out 2>unknown.err
status=$?
set -e
[ "$status" -ne 0 ] || fail "insert of an unknown repository succeeded"
assert_eq 1 "$(wc -l <unknown.err)" "one line on stderr"
assert_contains "$(cat unknown.err)" "$name/nothing-here"
echo "PASS: push report digests, insert/extract docker://, index kept whole, pulled image runs"

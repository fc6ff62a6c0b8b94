#!/usr/bin/env bash
# Image names as users type them (issue 10, REPORTS.md §11): the first guide's exact command
# `docker chalk build -t mychalkedcontainer .` (a name without `:TAG`) chalks the image and
# prints the build report; every shape of `-t` (name, name:tag, host:port/name,
# host:port/name:tag, several at once) ends on the chalked image; `insert` of a local image
# finds its tag by any spelling of the same reference; `-t name@sha256:…` is refused as docker
# refuses it (its error, its status, nothing chalked).
source "$(dirname "$0")/lib.sh"
require_engine
use_chalk_plugin
make_temp_dir
cd "$E2E_TMP"

# report_of OUT FILE: the build report, the last JSON-array line of OUT.
report_of() {
  { grep '^\[{' "$1" || true; } | tail -1 >"$2"
  [ -s "$2" ] || fail "no report in $1: $(cat "$1")"
}
image_id() { docker image inspect -f '{{.Id}}' "$1"; }
label_of() { docker image inspect -f '{{index .Config.Labels "run.chalk.metadata-id"}}' "$1"; }

mkdir app
printf 'FROM %s\nENTRYPOINT ["echo", "hi"]\n' "$E2E_BASE_IMAGE" >app/Dockerfile

note "the guide's command, exactly: docker chalk build -t mychalkedcontainer ."
remove_image_at_exit mychalkedcontainer
(cd app && docker chalk build -t mychalkedcontainer .) >guide.out 2>guide.err ||
  fail "docker chalk build -t mychalkedcontainer . failed: $(cat guide.err)"
assert_not_contains "$(cat guide.err)" "unchalked" "stderr of the guide's build"
report_of guide.out guide.json
assert_eq 1 "$(json guide.json 'd[0]["_OP_CHALK_COUNT"]')" "_OP_CHALK_COUNT"
assert_eq "['mychalkedcontainer']" "$(json guide.json 'd[0]["_CHALKS"][0]["DOCKER_TAGS"]')" "DOCKER_TAGS as typed"
chalk_id=$(json guide.json 'd[0]["_CHALKS"][0]["CHALK_ID"]')
metadata_id=$(json guide.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')
image=$(json guide.json 'd[0]["_CHALKS"][0]["_IMAGE_ID"]')
assert_eq "sha256:$image" "$(image_id mychalkedcontainer:latest)" "mychalkedcontainer:latest is the chalked image"
assert_eq "$metadata_id" "$(label_of mychalkedcontainer)" "metadata-id label"
docker chalk extract mychalkedcontainer >extract.json 2>extract.err || fail "extract failed: $(cat extract.err)"
assert_eq True "$(json extract.json 'd[0]["_CHALKS"][0]["_VALIDATED_METADATA"]')" "extract validates"
assert_eq "$chalk_id" "$(json extract.json 'd[0]["_CHALKS"][0]["CHALK_ID"]')" "extracted CHALK_ID"
assert_eq hi "$(docker run --rm --network none mychalkedcontainer)" "the program runs through the shim"

note "every shape of -t, several at once: each name ends on the chalked image"
base=$(unique_name chalk-e2e-names)
names=("$base" "$base:v1" "localhost:5000/$base" "localhost:5000/team/$base:v2" "docker.io/library/$base:v3")
args=()
for name in "${names[@]}"; do
  remove_image_at_exit "$name"
  args+=(-t "$name")
done
(cd app && docker chalk build "${args[@]}" .) >shapes.out 2>shapes.err || fail "build with every shape failed: $(cat shapes.err)"
assert_not_contains "$(cat shapes.err)" "unchalked" "stderr of the build with every shape"
report_of shapes.out shapes.json
assert_eq "$(printf '%s\n' "${names[@]}")" "$(json shapes.json '"\n".join(d[0]["_CHALKS"][0]["DOCKER_TAGS"])')" \
  "DOCKER_TAGS in order, as typed"
image=$(json shapes.json 'd[0]["_CHALKS"][0]["_IMAGE_ID"]')
for name in "$base:latest" "$base:v1" "localhost:5000/$base:latest" "localhost:5000/team/$base:v2" "$base:v3"; do
  assert_eq "sha256:$image" "$(image_id "$name")" "$name is the chalked image"
done

note "insert of a local image by another spelling of its name moves that tag only"
plain=$(unique_name chalk-e2e-plain)
remove_image_at_exit "$plain"
remove_image_at_exit "$plain:other"
docker build -q -t "$plain" -t "$plain:other" app >/dev/null || fail "docker build of the plain image failed"
before=$(image_id "$plain:other")
docker chalk insert "docker.io/library/$plain:latest" >insert.json 2>insert.err || fail "insert failed: $(cat insert.err)"
image=$(json insert.json 'd[0]["_CHALKS"][0]["_IMAGE_ID"]')
assert_eq "sha256:$image" "$(image_id "$plain:latest")" "$plain:latest moved to the chalked image"
assert_eq "$before" "$(image_id "$plain:other")" "the other tag stays on the original image"

note "-t name@sha256:<digest> is refused as docker build refuses it, and nothing is chalked"
digested=$(unique_name chalk-e2e-digest)@sha256:$(printf '%064d' 0 | tr 0 a)
kept=$(unique_name chalk-e2e-kept):1
remove_image_at_exit "$kept"
set +e
(cd app && docker build -t "$kept" -t "$digested" .) >docker-digest.out 2>docker-digest.err
docker_status=$?
(cd app && docker chalk build -t "$kept" -t "$digested" .) >digest.out 2>digest.err
chalk_status=$?
set -e
[ "$docker_status" -ne 0 ] || fail "docker build accepted a digest as a tag: the comparison is moot"
assert_eq "$docker_status" "$chalk_status" "exit status of docker chalk build -t NAME@sha256:..."
docker_error=$(grep -i 'digest' docker-digest.err | tail -1)
[ -n "$docker_error" ] || fail "docker's refusal does not mention the digest: $(cat docker-digest.err)"
assert_contains "$(cat digest.err)" "$docker_error" "stderr of docker chalk build -t NAME@sha256:..."
assert_not_contains "$(cat digest.out)" '"CHALK_ID"' "stdout of the refused build"
if docker image inspect "$kept" >/dev/null 2>&1; then
  fail "the refused build left $kept behind"
fi

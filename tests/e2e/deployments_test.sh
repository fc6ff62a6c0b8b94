#!/usr/bin/env bash
# docker chalk deployments on a real build: the build report of `docker chalk build` joined
# with a kubectl pod list whose imageID is that image's ID (`docker://sha256:...`, as
# Kubernetes with the docker runtime reports locally built images): repository, commit and
# evidence come out right in the table and JSON; bad lines are skipped, not fatal.
source "$(dirname "$0")/lib.sh"
require_engine
require_chalk_bin
use_chalk_plugin
make_temp_dir
cd "$E2E_TMP"

note "a chalked build from a git repository with a remote"
make_git_app app https://example.com/acme/deployed-app.git "deployed commit"
commit=$(git -C app rev-parse HEAD)
tag=c-deployments-e2e/$(unique_name app):1
remove_image_at_exit "$tag"
(cd app && docker chalk build -t "$tag" .) >build.out 2>build.err || fail "docker chalk build failed: $(cat build.err)"
report_of build.out build.json
image_id=$(docker image inspect -f '{{.Id}}' "$tag")

note "a pod list running that image ID and one image nobody chalked"
cat >pods.json <<JSON
{"apiVersion": "v1", "kind": "List", "items": [
 {"metadata": {"name": "app-5f7d8-x1", "namespace": "shop", "labels": {"pod-template-hash": "5f7d8"},
   "ownerReferences": [{"kind": "ReplicaSet", "name": "app-5f7d8", "controller": true}]},
  "spec": {"nodeName": "node-1"},
  "status": {"startTime": "2026-01-02T03:04:05Z", "containerStatuses": [{"name": "app", "image": "$tag",
    "imageID": "docker://$image_id", "state": {"running": {"startedAt": "2026-01-02T03:04:06Z"}}}]}},
 {"metadata": {"name": "other", "namespace": "shop"}, "spec": {"nodeName": "node-1"},
  "status": {"containerStatuses": [{"name": "other", "image": "busybox",
    "imageID": "docker://sha256:$(printf '0%.0s' {1..64})", "state": {"running": {}}}]}}
]}
JSON
docker chalk deployments --reports build.json --pods edge=pods.json --json >rows.json 2>rows.err ||
  fail "deployments failed: $(cat rows.err)"
assert_eq 2 "$(json rows.json 'len(d)')" "rows"
assert_eq "https://example.com/acme/deployed-app.git" "$(json rows.json 'd[0]["repository"]')" "repository"
assert_eq "$commit" "$(json rows.json 'd[0]["commit"]')" "commit"
assert_eq "$image_id" "$(json rows.json 'd[0]["image_id"]')" "image_id"
assert_eq image_id "$(json rows.json 'd[0]["evidence"]')" "evidence"
assert_eq "edge/shop/Deployment/app" \
  "$(json rows.json 'd[0]["cluster"] + "/" + d[0]["namespace"] + "/" + d[0]["workload"]')" "where"
assert_eq "$(json build.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')" "$(json rows.json 'd[0]["metadata_id"]')" "METADATA_ID"
assert_eq untraced "$(json rows.json 'd[1]["evidence"]')" "the unchalked pod"

note "the same as a table, filtered by commit"
docker chalk deployments --reports build.json --pods edge=pods.json --commit "${commit:0:10}" >table.txt ||
  fail "deployments table failed"
assert_contains "$(cat table.txt)" "${commit:0:12}" "table"
assert_contains "$(cat table.txt)" "kubernetes:edge" "table"
assert_not_contains "$(cat table.txt)" "untraced" "table filtered by commit"

note "bad input: a broken line is named and skipped, the rest joined, exit 0"
{ cat build.json; echo '{"_OPERATION": "build", "_CHALKS": ['; } >mixed.jsonl
docker chalk deployments --reports mixed.jsonl --pods edge=pods.json --json >mixed.json 2>mixed.err ||
  fail "deployments with one bad line failed: $(cat mixed.err)"
assert_contains "$(cat mixed.err)" "skipped \`mixed.jsonl:2\`: not JSON" "warning"
assert_eq image_id "$(json mixed.json 'd[0]["evidence"]')" "still joined"

note "nothing readable: exit 2"
set +e
docker chalk deployments --reports nothing-here.jsonl >none.out 2>none.err
status=$?
set -e
assert_eq 2 "$status" "exit code when nothing could be read"
assert_contains "$(cat none.err)" "nothing could be read" "error"

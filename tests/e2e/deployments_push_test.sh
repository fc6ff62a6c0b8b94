#!/usr/bin/env bash
# docker chalk deployments joined on the registry digest of a real push, as the second guide
# does by hand: `docker chalk build` + `docker chalk push` to a loopback registry, then a
# Cloud Custodian aws.ecs-task output (`custodian run -s OUT` layout) whose imageDigest and a
# kubectl pod list whose imageID (`REGISTRY/app@sha256:...`) are that push's digest. Both rows
# must lead to the build's repository and commit, with the registry's own digest.
source "$(dirname "$0")/lib.sh"
require_engine
use_chalk_plugin
cd "$E2E_TMP"
start_registry
registry=$REGISTRY_ADDR

note "a chalked build from a git repository, pushed to the loopback registry"
make_git_app app https://example.com/acme/backend.git "backend release"
commit=$(git -C app rev-parse HEAD)
image=$registry/app:1
remove_image_at_exit "$image"
(cd app && docker chalk build -t "$image" .) >build.out 2>build.err || fail "docker chalk build failed: $(cat build.err)"
report_of build.out build.json
docker chalk push "$image" >push.out 2>push.err || fail "docker chalk push failed: $(cat push.err)"
report_of push.out push.json
digest=sha256:$(json push.json "d[0]['_CHALKS'][0]['_REPO_DIGESTS']['$registry']['app'][0]")
assert_eq "$(skopeo_run inspect --tls-verify=false --format '{{.Digest}}' "docker://$image")" "$digest" \
  "push report's digest vs skopeo inspect"
metadata_id=$(json build.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')

note "custodian output: the backend service running that digest in production"
cluster_arn=arn:aws:ecs:us-east-1:123456789012:cluster/production
task_definition=arn:aws:ecs:us-east-1:123456789012:task-definition/backend:6
mkdir -p out/ecs-tasks out/ecs-services
cat >out/ecs-tasks/metadata.json <<JSON
{"policy": {"name": "ecs-tasks", "resource": "aws.ecs-task"}, "execution": {"start": 1767323045}}
JSON
cat >out/ecs-tasks/resources.json <<JSON
[{"clusterArn": "$cluster_arn", "group": "service:backend", "lastStatus": "RUNNING",
  "startedAt": "2026-01-02T03:04:05.617000+00:00", "taskDefinitionArn": "$task_definition",
  "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/production/450d8c21f9dd4bd9902cd3e458d611f9",
  "containers": [{"name": "backend", "image": "$image", "imageDigest": "$digest", "lastStatus": "RUNNING"}]}]
JSON
cat >out/ecs-services/metadata.json <<JSON
{"policy": {"name": "ecs-services", "resource": "aws.ecs-service"}, "execution": {"start": 1767323045}}
JSON
cat >out/ecs-services/resources.json <<JSON
[{"serviceName": "backend", "clusterArn": "$cluster_arn", "runningCount": 1, "desiredCount": 2,
  "taskDefinition": "$task_definition"}]
JSON

note "a pod list: the backend Deployment running the image by its registry digest"
cat >pods.json <<JSON
{"apiVersion": "v1", "kind": "List", "items": [
 {"metadata": {"name": "backend-7c9d4-q2x", "namespace": "shop", "labels": {"pod-template-hash": "7c9d4"},
   "ownerReferences": [{"kind": "ReplicaSet", "name": "backend-7c9d4", "controller": true}]},
  "spec": {"nodeName": "node-1"},
  "status": {"startTime": "2026-01-02T03:04:05Z", "containerStatuses": [{"name": "backend", "image": "$image",
    "imageID": "${registry}/app@${digest}", "state": {"running": {"startedAt": "2026-01-02T03:04:06Z"}}}]}}
]}
JSON

docker chalk deployments --reports build.json --reports push.json --custodian out --pods staging=pods.json --json \
  >rows.json 2>rows.err || fail "deployments failed: $(cat rows.err)"
assert_eq 2 "$(json rows.json 'len(d)')" "rows"
for i in 0 1; do
  assert_eq "https://example.com/acme/backend.git" "$(json rows.json "d[$i]['repository']")" "row $i repository"
  assert_eq "$commit" "$(json rows.json "d[$i]['commit']")" "row $i commit"
  assert_eq "$metadata_id" "$(json rows.json "d[$i]['metadata_id']")" "row $i METADATA_ID"
  assert_eq "$digest" "$(json rows.json "d[$i]['image_digest']")" "row $i image_digest"
  assert_eq registry_digest "$(json rows.json "d[$i]['evidence']")" "row $i evidence"
done
assert_eq "ecs production us-east-1 backend 1 2" \
  "$(json rows.json '" ".join(str(d[0][k]) for k in ("platform", "cluster", "region", "workload", "running", "desired"))')" \
  "the ECS row"
assert_eq "kubernetes staging shop Deployment/backend ['node-1']" \
  "$(json rows.json '" ".join(str(d[1][k]) for k in ("platform", "cluster", "namespace", "workload", "nodes"))')" \
  "the Kubernetes row"

note "without the push report the digest leads nowhere: both rows untraced"
docker chalk deployments --reports build.json --custodian out --pods staging=pods.json --json >build-only.json ||
  fail "deployments with the build report only failed"
assert_eq "['untraced', 'untraced']" "$(json build-only.json '[r["evidence"] for r in d]')" "evidence without the push"
echo "PASS: ECS task and pod joined to the build on the registry digest of a real push"

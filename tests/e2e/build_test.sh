#!/usr/bin/env bash
# docker chalk build on the real engine: tags, --iidfile, -q, the build report's keys, git
# provenance, extract of the saved image, docker's exit code for a failing Dockerfile, fail
# open, mark-only config, and images built FROM chalked images (chalk build, plain docker build,
# re-chalking).
source "$(dirname "$0")/lib.sh"
require_engine
require_chalk_bin
use_chalk_plugin
make_temp_dir
cd "$E2E_TMP"


# report_of OUT FILE: the build report is the last line of OUT that is a JSON array (docker's
# own build output comes before it on the same stream).
report_of() {
  { grep '^\[{' "$1" || true; } | tail -1 >"$2"
  [ -s "$2" ] || fail "no report in $1: $(cat "$1")"
}

# chalk_history REF: how many history entries are chalk layers.
chalk_history() {
  docker history --no-trunc --format '{{.CreatedBy}}' "$1" | grep -c 'COPY chalk.json /chalk.json # chalk' || true
}

image_id() { docker image inspect -f '{{.Id}}' "$1"; }
label_of() { docker image inspect -f '{{index .Config.Labels "run.chalk.metadata-id"}}' "$1"; }
entrypoint_of() { docker image inspect -f '{{json .Config.Entrypoint}}' "$1"; }

# new_context NAME: a build context directory holding the Dockerfile read from stdin.
new_context() {
  mkdir -p "$E2E_TMP/$1"
  cat >"$E2E_TMP/$1/Dockerfile"
}

note "one tag, git context, labels, secrets in the environment: the build report's keys"
new_context app <<DOCKERFILE
FROM $E2E_BASE_IMAGE
LABEL team=platform
ENTRYPOINT ["echo"]
CMD ["hello"]
DOCKERFILE
(
  cd app
  git init -q -b main .
  git add Dockerfile
  git -c user.name=Tester -c user.email=tester@example.com commit -q -m "first commit"
) || fail "cannot make the git repository"
commit=$(git -C app rev-parse HEAD)
tag=chalk-e2e/$(unique_name build):1
remove_image_at_exit "$tag"
(cd app && AWS_SECRET_ACCESS_KEY=very-secret-value docker chalk build -t "$tag" .) >one.out 2>one.err ||
  fail "docker chalk build failed: $(cat one.err)"
report_of one.out one.json
assert_not_contains "$(cat one.out one.err)" "very-secret-value" "build output"
assert_eq build "$(json one.json 'd[0]["_OPERATION"]')" "_OPERATION"
assert_eq 0 "$(json one.json 'd[0]["_OP_EXIT_CODE"]')" "_OP_EXIT_CODE"
assert_eq 1 "$(json one.json 'd[0]["_OP_CHALK_COUNT"]')" "_OP_CHALK_COUNT"
assert_eq True "$(json one.json '"PATH" in d[0]["_ENV"]')" "_ENV has PATH"
assert_eq "<<redact>>" "$(json one.json 'd[0]["_ENV"]["AWS_SECRET_ACCESS_KEY"]')" "_ENV AWS_SECRET_ACCESS_KEY"
assert_eq 1 "$(json one.json 'len(d[0]["_CHALKS"])')" "_CHALKS entries"
chalk() { json one.json "d[0][\"_CHALKS\"][0]$1"; }
assert_eq "$E2E_TMP/app/Dockerfile" "$(chalk '["DOCKERFILE_PATH"]')" "DOCKERFILE_PATH (absolute)"
assert_eq "$(cat app/Dockerfile)" "$(chalk '["DOCKER_FILE"]')" "DOCKER_FILE"
assert_eq "['$tag']" "$(chalk '["DOCKER_TAGS"]')" "DOCKER_TAGS"
assert_eq "{'team': 'platform'}" "$(chalk '["DOCKER_LABELS"]')" "DOCKER_LABELS"
assert_eq "." "$(chalk '["DOCKER_CONTEXT"]')" "DOCKER_CONTEXT"
assert_eq "linux/amd64" "$(chalk '["DOCKER_PLATFORM"]')" "DOCKER_PLATFORM"
id=$(image_id "$tag")
assert_eq "${id#sha256:}" "$(chalk '["_IMAGE_ID"]')" "_IMAGE_ID is docker's image Id"
chalk_id=$(chalk '["CHALK_ID"]')
metadata_id=$(chalk '["METADATA_ID"]')
assert_eq "$metadata_id" "$(label_of "$tag")" "run.chalk.metadata-id label on the tag"
assert_eq '["/chalk","exec","--exec-command-name","echo","--"]' "$(entrypoint_of "$tag")" "wrapped entrypoint"
assert_eq hello "$(docker run --rm --network none "$tag")" "the program's output"
assert_eq 1 "$(chalk_history "$tag")" "chalk history entries"
history_len=$(docker history -q "$tag" | wc -l)
docker run --rm --network none --entrypoint cat "$tag" /chalk.json >mark.json || fail "no /chalk.json in the image"
assert_eq "$chalk_id" "$(json mark.json 'd["CHALK_ID"]')" "CHALK_ID in /chalk.json"

note "extract of the saved image returns the build's CHALK_ID"
save_image "$tag" app.tar
docker chalk extract app.tar >extract.json || fail "extract failed"
assert_eq 1 "$(json extract.json 'd[0]["_OP_CHALK_COUNT"]')" "extract _OP_CHALK_COUNT"
assert_eq "$chalk_id" "$(json extract.json 'd[0]["_CHALKS"][0]["CHALK_ID"]')" "extracted CHALK_ID"
assert_eq "$metadata_id" "$(json extract.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')" "extracted METADATA_ID"
assert_eq True "$(json extract.json 'd[0]["_CHALKS"][0]["_VALIDATED_METADATA"]')" "_VALIDATED_METADATA"

note "no tag, --iidfile and -q: stdout is only the chalked image's ID"
"$CHALK_BIN" build -q --iidfile "$E2E_TMP/iid.txt" app >quiet.out 2>quiet.err || fail "build -q failed: $(cat quiet.err)"
quiet_id=$(cat quiet.out)
on_exit docker image rm -f "$quiet_id"
assert_eq 1 "$(wc -l <quiet.out)" "stdout lines with -q"
[[ "$quiet_id" =~ ^sha256:[0-9a-f]{64}$ ]] || fail "-q printed \`$quiet_id\`, not an image ID"
assert_eq "$quiet_id" "$(cat iid.txt)" "--iidfile content"
assert_eq "$quiet_id" "$(image_id "$quiet_id")" "the ID names an image"
report_of quiet.err quiet.json
assert_eq "${quiet_id#sha256:}" "$(json quiet.json 'd[0]["_CHALKS"][0]["_IMAGE_ID"]')" "-q ID is the chalked one"
assert_eq "$(json quiet.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')" "$(label_of "$quiet_id")" "label on the -q image"

note "several tags: each moves to the chalked image"
tag_a=chalk-e2e/$(unique_name multi-a):1
tag_b=chalk-e2e/$(unique_name multi-b):2
remove_image_at_exit "$tag_a"
remove_image_at_exit "$tag_b"
"$CHALK_BIN" build -t "$tag_a" --tag "$tag_b" app >multi.out 2>multi.err || fail "build with two tags failed: $(cat multi.err)"
report_of multi.out multi.json
assert_eq "['$tag_a', '$tag_b']" "$(json multi.json 'sorted(d[0]["_CHALKS"][0]["DOCKER_TAGS"])')" "DOCKER_TAGS"
multi_metadata=$(json multi.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')
for t in "$tag_a" "$tag_b"; do
  assert_eq "$multi_metadata" "$(label_of "$t")" "run.chalk.metadata-id label on $t"
  assert_eq "$(json multi.json 'd[0]["_CHALKS"][0]["_IMAGE_ID"]')" "$(image_id "$t" | cut -d: -f2)" "$t image Id"
done

note "a failing Dockerfile gives docker's exit code and no image"
new_context broken <<DOCKERFILE
FROM $E2E_BASE_IMAGE
RUN exit 3
DOCKERFILE
broken_tag=chalk-e2e/$(unique_name broken):1
remove_image_at_exit "$broken_tag"
set +e
docker build -q -t "$broken_tag" broken >/dev/null 2>&1
docker_status=$?
"$CHALK_BIN" build -t "$broken_tag" broken >broken.out 2>broken.err
chalk_status=$?
set -e
[ "$docker_status" -ne 0 ] || fail "plain docker build of the broken Dockerfile succeeded"
assert_eq "$docker_status" "$chalk_status" "exit code of docker chalk build for a failing Dockerfile"
if docker image inspect "$broken_tag" >/dev/null 2>&1; then fail "a failed build left $broken_tag"; fi
# The failed build's report goes to the `fail` topic, which has no sink by default.
assert_not_contains "$(cat broken.out)" '"_OPERATION":"build"' "stdout of the failed build"
set +e
docker build --no-such-flag app >/dev/null 2>&1
docker_status=$?
"$CHALK_BIN" build --no-such-flag app >badflag.out 2>badflag.err
chalk_status=$?
set -e
assert_eq "$docker_status" "$chalk_status" "exit code of docker chalk build for an unknown docker build flag"
assert_contains "$(cat badflag.err)" "unknown flag: --no-such-flag" "docker's message"

note "docker.wrap_entrypoint: false gives a mark-only image"
printf 'docker.wrap_entrypoint: false\n' >nowrap.c4m
nowrap_tag=chalk-e2e/$(unique_name nowrap):1
remove_image_at_exit "$nowrap_tag"
docker chalk --config "$E2E_TMP/nowrap.c4m" build -t "$nowrap_tag" app >nowrap.out 2>nowrap.err ||
  fail "build with wrap_entrypoint false failed: $(cat nowrap.err)"
report_of nowrap.out nowrap.json
assert_eq 1 "$(json nowrap.json 'd[0]["_OP_CHALK_COUNT"]')" "mark-only _OP_CHALK_COUNT"
assert_eq '["echo"]' "$(entrypoint_of "$nowrap_tag")" "mark-only entrypoint"
assert_eq 1 "$(grep -c warning nowrap.err)" "warning lines for a mark-only build"
assert_contains "$(grep warning nowrap.err)" "wrap_entrypoint" "the mark-only warning"
assert_eq null "$(docker image inspect -f '{{json .Config.OnBuild}}' "$nowrap_tag")" "no OnBuild trigger without a shim"
assert_eq "$(json nowrap.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')" "$(label_of "$nowrap_tag")" "mark-only label"
docker run --rm --network none --entrypoint cat "$nowrap_tag" /chalk.json >nowrap-mark.json || fail "no /chalk.json in the mark-only image"
assert_eq dadfedabbadabbed "$(json nowrap-mark.json 'd["MAGIC"]')" "mark-only MAGIC"
if docker run --rm --network none --entrypoint ls "$nowrap_tag" /chalk >/dev/null 2>&1; then
  fail "a mark-only image carries /chalk"
fi
assert_eq hello "$(docker run --rm --network none "$nowrap_tag")" "mark-only image runs"

note "docker chalk build FROM a chalked image: the child's own mark, one shim in the entrypoint"
new_context child <<DOCKERFILE
FROM $tag
RUN echo child >/child.txt
CMD ["child", "says", "hi"]
DOCKERFILE
child_tag=chalk-e2e/$(unique_name child):1
remove_image_at_exit "$child_tag"
"$CHALK_BIN" build -t "$child_tag" child >child.out 2>child.err || fail "chalk build of the child failed: $(cat child.err)"
report_of child.out child.json
child_chalk_id=$(json child.json 'd[0]["_CHALKS"][0]["CHALK_ID"]')
[ "$child_chalk_id" != "$chalk_id" ] || fail "the child reuses the parent's CHALK_ID"
assert_eq '["/chalk","exec","--exec-command-name","echo","--"]' "$(entrypoint_of "$child_tag")" "child entrypoint"
assert_eq "child says hi" "$(docker run --rm --network none "$child_tag")" "the child's output"
save_image "$child_tag" child.tar
"$CHALK_BIN" extract child.tar >child-extract.json || fail "extract of the child failed"
assert_eq "$child_chalk_id" "$(json child-extract.json 'd[0]["_CHALKS"][0]["CHALK_ID"]')" "child's extracted CHALK_ID"
assert_eq True "$(json child-extract.json 'd[0]["_CHALKS"][0]["_VALIDATED_METADATA"]')" "child _VALIDATED_METADATA"

note "plain docker build FROM a chalked image: unmarked, parent as base, still runs"
plain_tag=chalk-e2e/$(unique_name plain):1
build_image_from "$plain_tag" <<DOCKERFILE
FROM $tag
RUN echo plain >/plain.txt
DOCKERFILE
assert_eq hello "$(docker run --rm --network none "$plain_tag")" "plain child's output"
save_image "$plain_tag" plain.tar
"$CHALK_BIN" extract plain.tar >plain-extract.json || fail "extract of the plain child failed"
assert_eq 0 "$(json plain-extract.json 'd[0]["_OP_CHALK_COUNT"]')" "plain child _OP_CHALK_COUNT"
assert_eq 1 "$(json plain-extract.json 'd[0]["_OP_UNMARKED_COUNT"]')" "plain child _OP_UNMARKED_COUNT"
assert_eq base "$(json plain-extract.json 'd[0]["_COLLECTED_ARTIFACTS"][0]["_OP_ARTIFACT_CONTEXT"]')" \
  "plain child _OP_ARTIFACT_CONTEXT"
assert_eq "$metadata_id" "$(json plain-extract.json 'd[0]["_COLLECTED_ARTIFACTS"][0]["OLD_CHALK_METADATA_ID"]')" \
  "plain child OLD_CHALK_METADATA_ID"
docker run --rm --network none --entrypoint cat "$plain_tag" /chalk.json >plain-mark.json || fail "no /chalk.json in the plain child"
assert_eq False "$(json plain-mark.json '"MAGIC" in d')" "the plain child's /chalk.json presents no mark"
assert_eq "$metadata_id" "$(json plain-mark.json 'd["OLD_CHALK_METADATA_ID"]')" "OLD_CHALK_METADATA_ID in the plain child"
assert_eq "$chalk_id" "$(json plain-mark.json 'd["EMBEDDED_CHALK"][0]["CHALK_ID"]')" "EMBEDDED_CHALK in the plain child"

note "chalking a chalked image again (chalk build, insert): one shim; insert keeps one chalk layer"
new_context same <<DOCKERFILE
FROM $tag
DOCKERFILE
again_tag=chalk-e2e/$(unique_name again):1
remove_image_at_exit "$again_tag"
"$CHALK_BIN" build -t "$again_tag" same >again.out 2>again.err || fail "re-chalking build failed: $(cat again.err)"
# The parent's OnBuild trigger runs in this build, so its chalk layers are no longer the last:
# they stay below (§2), then the trigger's RUN, then the new shim and mark layers.
assert_eq 2 "$(chalk_history "$again_tag")" "chalk history entries after chalk build FROM a chalked image"
assert_eq "$((history_len + 3))" "$(docker history -q "$again_tag" | wc -l)" "history length after chalk build FROM a chalked image"
assert_eq '["RUN [\"/chalk\",\"onbuild\"]"]' "$(docker image inspect -f '{{json .Config.OnBuild}}' "$again_tag")" \
  "OnBuild after chalk build FROM a chalked image (never duplicated)"
assert_eq '["/chalk","exec","--exec-command-name","echo","--"]' "$(entrypoint_of "$again_tag")" "entrypoint after re-chalking"
report_of again.out again.json
assert_eq "$(json again.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')" "$(label_of "$again_tag")" "the new mark's label"
assert_eq hello "$(docker run --rm --network none "$again_tag")" "re-chalked image runs"
"$CHALK_BIN" insert app.tar -o reinserted.tar >reinsert.json 2>reinsert.err || fail "insert on a chalked archive failed: $(cat reinsert.err)"
loaded=$(docker load -i reinserted.tar) || fail "docker load of the re-chalked archive failed"
reinserted=$(sed -n 's/^Loaded image ID: //p; s/^Loaded image: //p' <<<"$loaded" | tail -1)
[ -n "$reinserted" ] || fail "docker load printed no image: $loaded"
assert_eq 1 "$(chalk_history "$reinserted")" "chalk history entries after insert on a chalked image"
assert_eq "$history_len" "$(docker history -q "$reinserted" | wc -l)" "history length after insert"
assert_eq '["/chalk","exec","--exec-command-name","echo","--"]' "$(entrypoint_of "$reinserted")" "entrypoint after insert"
assert_eq "$(json reinsert.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')" "$(label_of "$reinserted")" "insert's label"
assert_eq hello "$(docker run --rm --network none "$reinserted")" "re-inserted image runs"
note "fail open: chalking fails after docker build succeeded (TMPDIR missing)"
for variant in user-iidfile own-iidfile; do
  open_tag=chalk-e2e/$(unique_name "open-$variant"):1
  remove_image_at_exit "$open_tag"
  extra=()
  [ "$variant" == user-iidfile ] && extra=(--iidfile "$E2E_TMP/open-iid.txt")
  set +e
  TMPDIR=$E2E_TMP/missing/dir "$CHALK_BIN" build "${extra[@]}" -t "$open_tag" app >open.out 2>open.err
  status=$?
  set -e
  assert_eq 0 "$status" "exit code when chalking fails ($variant; stderr: $(cat open.err))"
  docker image inspect "$open_tag" >/dev/null 2>&1 || fail "docker's image is not under $open_tag ($variant)"
  assert_eq "" "$(label_of "$open_tag")" "no chalk label on docker's image ($variant)"
  assert_eq '["echo"]' "$(entrypoint_of "$open_tag")" "docker's entrypoint ($variant)"
  assert_eq 1 "$(grep -c 'warning' open.err)" "warning lines on stderr ($variant)"
  assert_contains "$(grep warning open.err)" "chalk: warning: chalking \`$open_tag\`" "the warning ($variant)"
  assert_eq hello "$(docker run --rm --network none "$open_tag")" "docker's image runs ($variant)"
done

note "git provenance of the first build (context is a git repository)"
assert_eq "$commit" "$(chalk '["COMMIT_ID"]')" "COMMIT_ID"
assert_eq main "$(chalk '["BRANCH"]')" "BRANCH"
assert_contains "$(chalk '["AUTHOR"]')" "Tester" "AUTHOR"
assert_eq "$commit" "$(docker image inspect -f '{{index .Config.Labels "run.crashoverride.commit-id"}}' "$tag")" \
  "run.crashoverride.commit-id label"
assert_eq "$commit" "$(json mark.json 'd["COMMIT_ID"]')" "COMMIT_ID in /chalk.json"

note "ok"

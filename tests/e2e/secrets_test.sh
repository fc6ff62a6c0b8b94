#!/usr/bin/env bash
# Credentials never travel where they should not (issue 10): a config spelling out credentials
# is not copied into images (unless it says so) and nothing of them reaches a layer, a label
# or the history; `_OP_ARGV` hides --build-arg values; ORIGIN_URI and DOCKER_CONTEXT lose a
# remote's token; `load URL` names the URL without user information or token in every line;
# a config loaded from a URL is the whole file (past the transport's 8 KiB) or an error naming
# the 1 MB limit.
source "$(dirname "$0")/lib.sh"
require_engine
use_chalk_plugin
make_temp_dir
cd "$E2E_TMP"

report_of() {
  { grep '^\[{' "$1" || true; } | tail -1 >"$2"
  [ -s "$2" ] || fail "no report in $1: $(cat "$1")"
}
chalk_history() {
  docker history --no-trunc --format '{{.CreatedBy}}' "$1" | grep -c 'COPY chalk.json /chalk.json # chalk' || true
}

# assert_image_free_of REF WORD...: no WORD in any byte docker save writes for REF (every
# layer, the config with its labels and history) nor in docker inspect and docker history.
assert_image_free_of() {
  local ref=$1 word
  shift
  docker save -o image.tar "$ref" || fail "docker save of $ref failed"
  docker image inspect "$ref" >inspect.json
  docker history --no-trunc "$ref" >history.txt
  for word in "$@"; do
    ! grep -aqF "$word" image.tar inspect.json history.txt || fail "\`$word\` is in image $ref"
  done
}

mkdir app
printf 'FROM %s\nENTRYPOINT ["echo", "hi"]\n' "$E2E_BASE_IMAGE" >app/Dockerfile
secrets=(pw-literal-1 tok-literal-2 bearer-literal-3 s3-literal-4)
literal_config() {
  cat <<C4M
sink_config leaky_post {
  sink: "post"
  uri: "http://reporter:pw-literal-1@127.0.0.1:9/in?token=tok-literal-2"
  headers: {"Authorization": "Bearer bearer-literal-3"}
}
sink_config leaky_s3 {
  sink: "s3"
  uri: "s3://bucket/reports"
  uid: "AKIAEXAMPLE"
  secret: "s3-literal-4"
}
C4M
}

note "a config with literal credentials is refused for images: build left unchalked, nothing leaks"
literal_config >literal.c4m
tag=chalk-e2e/$(unique_name secrets):1
remove_image_at_exit "$tag"
(cd app && docker chalk --config "$E2E_TMP/literal.c4m" build -t "$tag" .) >literal.out 2>literal.err ||
  fail "docker chalk build must keep docker's exit code 0: $(cat literal.err)"
assert_contains "$(cat literal.err)" "image left unchalked" "build stderr"
assert_contains "$(cat literal.err)" "literal credentials" "build stderr"
assert_contains "$(cat literal.err)" 'env("NAME")' "build stderr"
assert_contains "$(cat literal.err)" "allow_credentials_in_images: true" "build stderr"
for word in "${secrets[@]}"; do assert_not_contains "$(cat literal.out literal.err)" "$word" "build output"; done
assert_eq 0 "$(chalk_history "$tag")" "chalk layers in the refused image"
assert_image_free_of "$tag" "${secrets[@]}"

note "insert refuses the same config (exit 2, one line, no credential)"
docker save -o plain.tar "$tag" || fail "docker save failed"
set +e
docker chalk --config "$E2E_TMP/literal.c4m" insert plain.tar -o chalked.tar >insert.out 2>insert.err
status=$?
set -e
assert_eq 2 "$status" "insert exit code"
assert_eq 1 "$(wc -l <insert.err)" "insert stderr lines"
for word in "${secrets[@]}"; do assert_not_contains "$(cat insert.out insert.err)" "$word" "insert output"; done
[ ! -e chalked.tar ] || fail "insert left chalked.tar behind"

note "load warns about the literal credentials without showing them"
docker chalk load literal.c4m 2>load-literal.err || fail "load failed: $(cat load-literal.err)"
assert_contains "$(cat load-literal.err)" "spells out credentials" "load stderr"
for word in "${secrets[@]}"; do assert_not_contains "$(cat load-literal.err)" "$word" "load stderr"; done
docker chalk load "$E2E_SOURCE_DIR/configs/default.c4m" 2>/dev/null || fail "load of the default config failed"

note "allow_credentials_in_images: true embeds them (and shows this test would see them)"
{ literal_config; echo "allow_credentials_in_images: true"; } >allowed.c4m
allowed=chalk-e2e/$(unique_name secrets-allowed):1
remove_image_at_exit "$allowed"
(cd app && docker chalk --config "$E2E_TMP/allowed.c4m" build -t "$allowed" .) >allowed.out 2>allowed.err ||
  fail "build with allow_credentials_in_images failed: $(cat allowed.err)"
assert_eq 1 "$(chalk_history "$allowed")" "chalk layers with allow_credentials_in_images"
docker save -o allowed.tar "$allowed"
grep -aqF pw-literal-1 allowed.tar || fail "the allowed config is not in the image: the leak check above proves nothing"

note "the same sinks through env(): chalked, and no credential in the image"
cat >env.c4m <<'C4M'
sink_config post_from_env {
  sink: "post"
  uri: env("E2E_POST_URL")
  headers: {"Authorization": "Bearer " + env("E2E_POST_TOKEN")}
}
sink_config s3_from_env {
  sink: "s3"
  uri: "s3://bucket/reports"
  uid: env("E2E_S3_UID")
  secret: env("E2E_S3_SECRET")
}
C4M
from_env=chalk-e2e/$(unique_name secrets-env):1
remove_image_at_exit "$from_env"
(cd app && E2E_POST_URL="http://reporter:pw-literal-1@127.0.0.1:9/in?token=tok-literal-2" E2E_POST_TOKEN=bearer-literal-3 \
  E2E_S3_UID=AKIAEXAMPLE E2E_S3_SECRET=s3-literal-4 \
  docker chalk --config "$E2E_TMP/env.c4m" build -t "$from_env" .) >env.out 2>env.err ||
  fail "build with the env() config failed: $(cat env.err)"
assert_not_contains "$(cat env.err)" "unchalked" "stderr of the env() build"
assert_eq 1 "$(chalk_history "$from_env")" "chalk layers with the env() config"
assert_image_free_of "$from_env" "${secrets[@]}"

note "_OP_ARGV hides --build-arg values; ORIGIN_URI and labels lose the remote's token"
(
  cd app
  git init -q -b main .
  git add Dockerfile
  git -c user.name=Tester -c user.email=tester@example.com commit -q -m first
  git remote add origin "https://gituser:git-pw-5@git.example.com/org/app.git?access_token=git-token-6&ref=main"
) || fail "cannot make the git repository"
argv_tag=chalk-e2e/$(unique_name secrets-argv):1
remove_image_at_exit "$argv_tag"
(cd app && docker chalk build --build-arg NPM_TOKEN=arg-secret-7 --build-arg=PASSWORD=arg-secret-8 -t "$argv_tag" .) >argv.out 2>argv.err || fail "build with build args failed: $(cat argv.err)"
report_of argv.out argv.json
argv=$(json argv.json '" ".join(d[0]["_OP_ARGV"][1:])')
assert_contains "$argv" "--build-arg NPM_TOKEN=<<redact>> --build-arg=PASSWORD=<<redact>> -t $argv_tag ." "_OP_ARGV"
assert_eq "https://git.example.com/org/app.git?ref=main" "$(json argv.json 'd[0]["_CHALKS"][0]["ORIGIN_URI"]')" "ORIGIN_URI"
for word in git-pw-5 git-token-6 arg-secret-7 arg-secret-8; do
  assert_not_contains "$(cat argv.out argv.err)" "$word" "build output"
done
assert_image_free_of "$argv_tag" git-pw-5 git-token-6 arg-secret-7 arg-secret-8

note "load URL: the URL's user information and token appear in no line"
mkdir served
printf '# a config served over HTTP\n' >served/small.c4m
start_receiver "$E2E_TMP/files" --files "$E2E_TMP/served"
set +e
docker chalk load "http://loader:load-pw-9@127.0.0.1:$RECEIVER_PORT/missing.c4m?token=load-tok-10" >missing.out 2>missing.err
status=$?
set -e
[ "$status" -ne 0 ] || fail "load of a missing URL succeeded"
assert_contains "$(cat missing.err)" "http://127.0.0.1:$RECEIVER_PORT/missing.c4m" "load error"
docker chalk load "http://loader:load-pw-9@127.0.0.1:$RECEIVER_PORT/small.c4m?token=load-tok-10" >small.out 2>small.err ||
  fail "load of a URL with credentials failed: $(cat small.err)"
for word in load-pw-9 load-tok-10; do
  assert_not_contains "$(cat missing.out missing.err small.out small.err)" "$word" "load output"
done

note "load URL: a 20 KB config arrives whole; one over 1 MB is refused naming the limit"
{
  echo "# padded past the transport's 8 KiB body cap"
  for i in $(seq 1 400); do echo "# padding line $i ................................................"; done
  echo 'log_level = "error"'
} >served/large.c4m
[ "$(wc -c <served/large.c4m)" -gt 16384 ] || fail "the large config is too small to prove anything"
docker chalk load "http://127.0.0.1:$RECEIVER_PORT/large.c4m" 2>large.err || fail "load of the large config failed: $(cat large.err)"
docker chalk dump | cmp -s - served/large.c4m || fail "the loaded config is not the whole served file"
head -c 1048577 /dev/zero | tr '\0' '#' >served/huge.c4m
set +e
docker chalk load "http://127.0.0.1:$RECEIVER_PORT/huge.c4m" 2>huge.err
status=$?
set -e
[ "$status" -ne 0 ] || fail "load of a config over 1 MB succeeded"
assert_contains "$(cat huge.err)" "1048576-byte limit for configs" "load error for a huge config"
docker chalk dump | cmp -s - served/large.c4m || fail "a refused load changed the embedded config"

#!/usr/bin/env bash
# Docker's global options reach the plugin before its name (`docker -H X chalk build`) and
# are honoured, with DOCKER_HOST unset: -H/--host, -c/--context (and the current context of
# config.json), --config DIR (contexts and plugins in another client config directory),
# -D/--debug (which also shows the Engine API calls), -l/--log-level and --tls* on every
# `docker` command the plugin runs (seen through a docker_exe wrapper that logs its arguments).
source "$(dirname "$0")/lib.sh"

require_engine
use_chalk_plugin
cd "$E2E_TMP"
host=${DOCKER_HOST:-unix:///var/run/docker.sock}
unset DOCKER_HOST DOCKER_CONTEXT

mkdir app
cat >app/Dockerfile <<DOCKERFILE
FROM $E2E_BASE_IMAGE
RUN echo globals > /globals.txt
DOCKERFILE

# chalked TAG [DOCKER GLOBAL OPTION...]: TAG's extract report says it is chalked.
chalked() {
  local tag=$1
  shift
  docker "$@" chalk extract "$tag" >extract.json 2>extract.err || fail "extract of $tag ($*) failed: $(cat extract.err)"
  assert_eq 1 "$(json extract.json 'd[0]["_OP_CHALK_COUNT"]')" "chalk count of $tag ($*)"
}

note "-H before chalk: version, build and extract on that engine"
docker -H "$host" chalk version >version.out 2>version.err || fail "docker -H ... chalk version failed: $(cat version.err)"
assert_contains "$(cat version.out)" "chalk" "version output"
docker --host="$host" chalk version >/dev/null || fail "docker --host=... chalk version failed"
tag_h=chalk-e2e/$(unique_name e-engine-host):1
on_exit docker -H "$host" image rm -f "$tag_h"
docker -H "$host" chalk build -q -t "$tag_h" app >build.out 2>build.err || fail "build with -H failed: $(cat build.err)"
chalked "$tag_h" -H "$host"

note "-H and --context together are refused as docker refuses them (docker itself stops first)"
status=0
"$CHALK_PLUGIN" -H "$host" --context x chalk version 2>conflict.err || status=$?
assert_eq 2 "$status" "exit code for -H with --context"
assert_contains "$(cat conflict.err)" "either specify --host or --context" "the conflict message"

note "--context NAME and the current context of config.json"
ctx=$(unique_name e-engine-ctx)
docker context create "$ctx" --docker "host=$host" >/dev/null || fail "docker context create failed"
tag_c=chalk-e2e/$(unique_name e-engine-ctx):1
on_exit docker -H "$host" image rm -f "$tag_c"
docker --context "$ctx" chalk build -q -t "$tag_c" app >/dev/null 2>build.err || fail "build with --context failed: $(cat build.err)"
chalked "$tag_c" -c "$ctx"
docker context use "$ctx" >/dev/null
chalked "$tag_c"
status=0
docker --context "$ctx-missing" chalk extract "$tag_c" >/dev/null 2>missing.err || status=$?
[ "$status" -ne 0 ] || fail "extract through a missing context succeeded"
docker context use default >/dev/null

note "--config DIR: another client config directory, with its own plugin and contexts"
other=$E2E_TMP/other-config
mkdir -p "$other/cli-plugins"
cp "$CHALK_PLUGIN" "$other/cli-plugins/docker-chalk"
DOCKER_CONFIG=$other docker context create "$ctx-other" --docker "host=$host" >/dev/null
# The context exists only in $other: the plugin and each docker it runs must look there.
docker context inspect "$ctx-other" >/dev/null 2>&1 && fail "the context leaked into DOCKER_CONFIG"
tag_o=chalk-e2e/$(unique_name e-engine-cfg):1
on_exit docker -H "$host" image rm -f "$tag_o"
docker --config "$other" --context "$ctx-other" chalk build -q -t "$tag_o" app >/dev/null 2>build.err ||
  fail "build with --config DIR --context failed: $(cat build.err)"
chalked "$tag_o" --config "$other" --context "$ctx-other"

note "--debug: the plugin says which engine it uses"
docker --debug -H "$host" chalk extract "$tag_h" >/dev/null 2>debug.err || fail "extract with --debug failed: $(cat debug.err)"
assert_contains "$(cat debug.err)" "docker chalk: debug: engine $host (context default)" "debug output"
# The engine's HTTP API, its version negotiated down to the engine's (1.41 for 20.10).
api_version=$(docker -H "$host" version --format '{{.Server.APIVersion}}')
assert_contains "$(cat debug.err)" "docker chalk: debug: engine GET /v$api_version/images/" "debug output of an API call"
docker -H "$host" chalk extract "$tag_h" >/dev/null 2>quiet.err
assert_not_contains "$(cat quiet.err)" "debug:" "output without --debug"

note "-D, -l and --tls* reach every docker command the plugin runs"
cat >docker-wrapper <<WRAPPER
#!/bin/sh
printf '%s\n' "\$*" >>"$E2E_TMP/docker-calls.log"
exec docker "\$@"
WRAPPER
chmod +x docker-wrapper
printf 'docker_exe: "%s"\n' "$E2E_TMP/docker-wrapper" >wrapper.c4m
tag_l=chalk-e2e/$(unique_name e-engine-log):1
on_exit docker -H "$host" image rm -f "$tag_l"
docker -H "$host" -l error chalk --config wrapper.c4m build -q -t "$tag_l" app >/dev/null 2>build.err ||
  fail "build with --log-level failed: $(cat build.err)"
[ -s docker-calls.log ] || fail "the plugin ran no docker command through docker_exe"
while read -r line; do
  assert_contains "$line" "--host=$host --log-level=error " "a docker command the plugin ran"
done <docker-calls.log
assert_contains "$(cat docker-calls.log)" "--log-level=error build " "the user's docker build"
chalked "$tag_l" -H "$host"
: >docker-calls.log
docker -D -H "$host" chalk --config wrapper.c4m build -q -t "$tag_l" app >/dev/null 2>debug.err ||
  fail "build with -D failed: $(cat debug.err)"
assert_contains "$(cat docker-calls.log)" "--host=$host --debug build " "the user's docker build under -D"
# docker itself refuses TLS on a unix socket and fails this build; what matters here is
# that the user's docker build was given the same TLS options.
touch ca.pem cert.pem key.pem
docker -H "$host" --tlsverify --tlscacert "$E2E_TMP/ca.pem" --tlscert "$E2E_TMP/cert.pem" --tlskey "$E2E_TMP/key.pem" \
  chalk --config wrapper.c4m build -q app >/dev/null 2>tls.err || true
assert_contains "$(cat docker-calls.log)" "--tlsverify --tlscacert=$E2E_TMP/ca.pem --tlscert=$E2E_TMP/cert.pem --tlskey=$E2E_TMP/key.pem build " \
  "the user's docker build under --tls*"
echo "PASS: -H, --context, current context, --config DIR, --debug, --log-level and --tls* before chalk"

# shellcheck shell=bash
# Helpers of the e2e tests (tests/e2e/*_test.sh), which CTest runs with bash and these
# variables: CHALK_SOURCE_DIR, CHALK_BUILD_DIR and, once the plugin target exists, CHALK_BIN.
# Source it first; it sets `set -euo pipefail`. A test fails (exit 1, `FAIL: ...` on stderr)
# whenever something it needs is missing: an e2e test never skips.
#
#   source "$(dirname "$0")/lib.sh"
#   require_engine                        # an engine answers and the busybox base image is there
#   make_temp_dir                         # $E2E_TMP, removed at exit with everything registered
#   build_image_from "chalk-e2e/$(unique_name app):1" <<EOF
#   FROM $E2E_BASE_IMAGE
#   CMD ["echo", "hi"]
#   EOF
#   start_registry                        # $REGISTRY_ADDR (127.0.0.1:PORT), stopped at exit
#   skopeo_run copy docker-archive:x.tar "docker://$REGISTRY_ADDR/x:1"
set -euo pipefail

E2E_SOURCE_DIR=${CHALK_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
E2E_BASE_IMAGE=${CHALK_BASE_IMAGE:-chalk-test/busybox:latest}
E2E_TMP=
e2e_cleanups=()

fail() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}

note() { printf -- '-- %s\n' "$*" >&2; }

# assert_eq EXPECTED ACTUAL [WHAT]
assert_eq() {
  [ "$1" == "$2" ] || fail "${3:-values differ}: expected \`$1\`, got \`$2\`"
}

# assert_contains HAYSTACK NEEDLE [WHAT]
assert_contains() {
  [[ "$1" == *"$2"* ]] || fail "${3:-text} does not contain \`$2\`; it is:"$'\n'"$1"
}

# assert_not_contains HAYSTACK NEEDLE [WHAT]
assert_not_contains() {
  [[ "$1" != *"$2"* ]] || fail "${3:-text} contains \`$2\`; it is:"$'\n'"$1"
}

# on_exit COMMAND...: runs COMMAND at exit, the last registered first.
on_exit() {
  e2e_cleanups+=("$(printf '%q ' "$@")")
}

e2e_run_cleanups() {
  local status=$? i
  for ((i = ${#e2e_cleanups[@]} - 1; i >= 0; i--)); do
    eval "${e2e_cleanups[$i]}" >/dev/null 2>&1 || true
  done
  exit "$status"
}
trap e2e_run_cleanups EXIT

# make_temp_dir: sets E2E_TMP to a fresh directory removed at exit (idempotent).
make_temp_dir() {
  [ -n "$E2E_TMP" ] && return 0
  E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/chalk-e2e.XXXXXX")
  on_exit rm -rf "$E2E_TMP"
}

# unique_name PREFIX: a name no other test run uses (image tags, containers).
unique_name() {
  printf '%s-%s-%s\n' "$1" "$$" "$RANDOM"
}

# require_engine: a Docker engine must answer on $DOCKER_HOST and the base image must exist
# (imported on first use by scripts/engine.sh, which is idempotent).
require_engine() {
  command -v docker >/dev/null 2>&1 || fail "no docker client on PATH"
  timeout 20 docker info >/dev/null 2>&1 ||
    fail "no Docker engine answers on ${DOCKER_HOST:-the default socket}: run \`eval \"\$(scripts/engine.sh start)\"\`"
  if ! docker image inspect "$E2E_BASE_IMAGE" >/dev/null 2>&1; then
    bash "$E2E_SOURCE_DIR/scripts/engine.sh" base-image || fail "cannot import the base image $E2E_BASE_IMAGE"
  fi
}

# require_chalk_bin: CHALK_BIN must name the built docker-chalk executable.
require_chalk_bin() {
  [ -n "${CHALK_BIN:-}" ] || fail "CHALK_BIN is not set (the docker-chalk target was not built in this tree)"
  [ -x "$CHALK_BIN" ] || fail "CHALK_BIN \`$CHALK_BIN\` is not an executable"
}

# use_chalk_plugin: makes `docker chalk` run a private copy of $CHALK_BIN (so `load`, which
# rewrites the binary, never touches the build tree or ~/.docker) by pointing DOCKER_CONFIG at
# a temporary directory. Prints nothing; sets CHALK_PLUGIN to the copy's path.
use_chalk_plugin() {
  require_chalk_bin
  make_temp_dir
  export DOCKER_CONFIG=$E2E_TMP/docker-config
  mkdir -p "$DOCKER_CONFIG/cli-plugins"
  CHALK_PLUGIN=$DOCKER_CONFIG/cli-plugins/docker-chalk
  cp "$CHALK_BIN" "$CHALK_PLUGIN"
  chmod 0755 "$CHALK_PLUGIN"
}

# remove_image_at_exit REF
remove_image_at_exit() {
  on_exit docker image rm -f "$1"
}

# build_image TAG CONTEXT_DIR [DOCKER_BUILD_ARG...]: `docker build` of CONTEXT_DIR (holding
# its Dockerfile); the image is removed at exit.
build_image() {
  local tag=$1 context=$2
  shift 2
  remove_image_at_exit "$tag"
  docker build -q -t "$tag" "$@" "$context" >/dev/null || fail "docker build of $context as $tag failed"
}

# build_image_from TAG [DOCKER_BUILD_ARG...] <<EOF ... EOF: builds the Dockerfile text read
# from stdin in an otherwise empty context, left in BUILD_CONTEXT. Call it directly, never in
# `$(...)`: a subshell would lose the clean-up it registers.
build_image_from() {
  local tag=$1
  shift
  make_temp_dir
  BUILD_CONTEXT=$(mktemp -d "$E2E_TMP/context.XXXXXX")
  cat >"$BUILD_CONTEXT/Dockerfile"
  build_image "$tag" "$BUILD_CONTEXT" "$@"
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_http URL SECONDS: waits until URL answers any HTTP status.
wait_http() {
  local deadline=$((SECONDS + $2))
  until curl -s -o /dev/null "$1"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

# require_command NAME PACKAGE: fails naming the Debian PACKAGE when NAME is not on PATH
# (scripts/test.sh installs them all; a test run by hand may meet a machine without one).
require_command() { command -v "$1" >/dev/null 2>&1 || fail "$1 is not installed (Debian package $2)"; }

# start_registry [USER PASSWORD]: starts Debian's docker-registry on 127.0.0.1 with its storage
# in a temporary directory, with htpasswd basic auth when USER and PASSWORD are given; sets
# REGISTRY_ADDR (127.0.0.1:PORT) and REGISTRY_PID; stopped at exit (or by stop_registry).
start_registry() {
  require_command docker-registry docker-registry
  make_temp_dir
  local dir port auth=""
  dir=$(mktemp -d "$E2E_TMP/registry.XXXXXX")
  port=$(free_port)
  if [ $# -eq 2 ]; then
    require_command htpasswd apache2-utils
    htpasswd -Bbn "$1" "$2" >"$dir/htpasswd" 2>/dev/null || fail "htpasswd failed"
    auth=$'auth:\n  htpasswd:\n    realm: chalk-test\n    path: '"$dir/htpasswd"
  fi
  cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
$auth
EOF
  docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
  REGISTRY_PID=$!
  REGISTRY_ADDR=127.0.0.1:$port
  on_exit stop_registry "$REGISTRY_PID"
  if ! wait_http "http://$REGISTRY_ADDR/v2/" 20; then
    cat "$dir/log" >&2
    fail "docker-registry did not answer on $REGISTRY_ADDR"
  fi
}

# stop_registry [PID]: stops the registry started by start_registry.
stop_registry() {
  local pid=${1:-${REGISTRY_PID:-}}
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# skopeo_run ARG...: skopeo without a system signature policy (the test decides what to trust).
skopeo_run() {
  require_command skopeo skopeo
  skopeo --insecure-policy "$@"
}

# umoci_run ARG...
umoci_run() {
  require_command umoci umoci
  umoci "$@"
}

# save_image REF FILE: `docker save` of REF into the docker-archive FILE.
save_image() {
  docker save -o "$2" "$1" || fail "docker save of $1 failed"
}

# start_server NAME COMMAND...: runs a loopback test server that prints its port as its first
# line, waits up to 10 s for that line and sets SERVER_PORT; NAME.port and NAME.err keep its
# output, and the server is stopped at exit.
start_server() {
  local name=$1 i
  shift
  SERVER_PORT=
  : >"$name.port"
  "$@" >"$name.port" 2>"$name.err" &
  on_exit kill "$!"
  for ((i = 0; i < 100; i++)); do
    SERVER_PORT=$(head -1 "$name.port")
    [ -n "$SERVER_PORT" ] && return 0
    sleep 0.1
  done
  fail "$(basename "$2") did not start: $(cat "$name.err")"
}

# start_receiver DIR [ARG...]: runs tests/e2e/receiver.py (a loopback HTTP receiver recording
# every POST into DIR; ARGs such as --fail-first N, --hang) and sets RECEIVER_PORT; stopped at exit.
start_receiver() {
  local dir=$1
  shift
  start_server "$dir" python3 "$E2E_SOURCE_DIR/tests/e2e/receiver.py" --dir "$dir" "$@"
  RECEIVER_PORT=$SERVER_PORT
}

# make_git_app DIR REMOTE MESSAGE: a build context DIR (a Dockerfile FROM the base image
# running `true`) committed as the only commit of a git repository whose origin is REMOTE.
make_git_app() {
  mkdir -p "$1"
  printf 'FROM %s\nCMD ["true"]\n' "$E2E_BASE_IMAGE" >"$1/Dockerfile"
  (
    cd "$1"
    git init -q -b main .
    git remote add origin "$2"
    git add Dockerfile
    git -c user.name=Tester -c user.email=tester@example.com commit -q -m "$3"
  ) || fail "cannot make the git repository in $1"
}

# report_of OUT FILE: the report a command printed is the last line of OUT that is a JSON
# array; written to FILE, a failure when there is none.
report_of() {
  { grep '^\[{' "$1" || true; } | tail -1 >"$2"
  [ -s "$2" ] || fail "no report in $1: $(cat "$1")"
}

# json FILE EXPR: evaluates a Python expression over the JSON document `d` in FILE.
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

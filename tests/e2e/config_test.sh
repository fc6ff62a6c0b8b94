#!/usr/bin/env bash
# Configuration through the real `docker chalk` CLI plugin (CONFIG.md §1, §8.1, §10):
# `load FILE` then `dump` gives the same bytes; a broken config changes nothing (binary
# byte-identical, exit 1, one `FILE:LINE:COL: phase: message` line) in every phase; `load URL`
# from a loopback HTTP server; `--config FILE` for one run only; the shim evaluates the
# chalk layer's config in the container's environment; every shipped configs/*.c4m
# loads with and without the environment variables it reads.
source "$(dirname "$0")/lib.sh"
require_engine
use_chalk_plugin
make_temp_dir
cd "$E2E_TMP"


posts() { grep -c . "$1/requests.log" || true; }

note "a fresh plugin embeds configs/default.c4m"
docker chalk dump >dump0.c4m || fail "dump failed"
cmp -s dump0.c4m "$E2E_SOURCE_DIR/configs/default.c4m" || fail "the embedded config is not configs/default.c4m"

note "load FILE then dump gives identical bytes (CRLF, UTF-8, no final newline)"
printf '# caf\xc3\xa9 \xe2\x9c\x93 comment\r\nlog_level: "error"   # trailing\r\n\r\n/* block\n comment */\nexec.heartbeat_rate: <<2 mins>>\n\tdocker.wrap_entrypoint: true' >odd.c4m
docker chalk load odd.c4m 2>odd.err || fail "load of a valid config failed: $(cat odd.err)"
docker chalk dump >odd.dump || fail "dump failed"
cmp odd.c4m odd.dump || fail "dump after load differs from the loaded file"
docker chalk dump odd.file.c4m 2>/dev/null || fail "dump FILE failed"
cmp odd.c4m odd.file.c4m || fail "dump FILE differs from the loaded file"

note "a broken config changes nothing: exit 1, one FILE:LINE:COL: phase: message line, same binary"
# Lines that print the location and the message but do not start with it (CONFIG.md §1: the
# error *is* the line `FILE:LINE:COL: PHASE: message`); reported at the end so that every other
# check of this test still runs.
format_problems=()
cp "$CHALK_PLUGIN" plugin.before
# broken NAME EXPECTED_PREFIX MESSAGE_PART TEXT
broken() {
  local name=$1 prefix=$2 message=$3 status err
  printf '%b' "$4" >"$name.c4m"
  set +e
  docker chalk load "$name.c4m" >"$name.out" 2>"$name.err"
  status=$?
  set -e
  assert_eq 1 "$status" "exit code of load $name.c4m"
  assert_eq 1 "$(wc -l <"$name.err")" "stderr lines of load $name.c4m"
  [ ! -s "$name.out" ] || fail "load $name.c4m printed on stdout: $(cat "$name.out")"
  err=$(cat "$name.err")
  assert_contains "$err" "$prefix" "the error of $name.c4m"
  assert_contains "$err" "$message" "the error of $name.c4m"
  [[ "$err" == "$prefix"* ]] || format_problems+=("$err")
  cmp -s "$CHALK_PLUGIN" plugin.before || fail "load of $name.c4m changed the plugin binary"
  docker chalk dump | cmp -s - odd.c4m || fail "dump after the rejected $name.c4m is not the previous config"
}
broken lex "lex.c4m:2:4: lex: " "Unterminated string" 'a: 1\nx: "abc\n'
broken parse "parse.c4m:2:1: parse: " "section body '{' must be on the same line as 'sec foo'" 'sec foo\n{\n  x: 1\n}\n'
broken check "check.c4m:2:4: check: " "doesn't match previous type ('string' vs 'int')" 'x: 1\nx: "s"\n'
broken runtime "runtime.c4m:2:1: runtime: " "log_level: attribute is locked and can't be set" \
  '~log_level: "info"\nlog_level: "error"\n'
broken schema "schema.c4m:1:1: schema: " "When checking log_level: Value is not one of the valid choices" \
  'log_level: "debug"\n'
# No warn() or subscribe() of a config rejected later runs (CONFIG.md §5, §6).
broken effects "effects.c4m:3:1: schema: " "Unknown field for a  section: bogus" \
  'warn("must not print")\nsubscribe("report", "console_err")\nbogus: 1\n'
assert_not_contains "$(cat effects.err)" "must not print" "the error of effects.c4m"

note "load URL from a loopback HTTP server"
mkdir served
cp "$E2E_SOURCE_DIR/configs/net-heartbeat.c4m" served/net-heartbeat.c4m
printf 'log_level: "debug"\n' >served/broken.c4m
start_receiver "$E2E_TMP/files" --files "$E2E_TMP/served"
base=http://127.0.0.1:$RECEIVER_PORT
docker chalk load "$base/net-heartbeat.c4m" 2>url.err || fail "load URL failed: $(cat url.err)"
docker chalk dump | cmp -s - served/net-heartbeat.c4m || fail "dump after load URL differs from the served file"
cp "$CHALK_PLUGIN" plugin.before
for missing in broken.c4m nothere.c4m; do
  set +e
  docker chalk load "$base/$missing" >url-bad.out 2>url-bad.err
  status=$?
  set -e
  assert_eq 1 "$status" "exit code of load $base/$missing"
  assert_eq 1 "$(wc -l <url-bad.err)" "stderr lines of load $base/$missing"
  cmp -s "$CHALK_PLUGIN" plugin.before || fail "a failed load URL changed the plugin binary"
done
assert_contains "$(cat url-bad.err)" "404" "the error of a missing URL"
set +e
docker chalk load "$base/broken.c4m" 2>url-broken.err
set -e
url_err=$(cat url-broken.err)
assert_contains "$url_err" "$base/broken.c4m:1:1: schema: " "the error of a broken config at a URL"
[[ "$url_err" == "$base/broken.c4m:1:1: schema: "* ]] || format_problems+=("$url_err")

note "--config FILE applies to one run only and leaves the binary as it is"
plain=chalk-e2e/$(unique_name config):1
build_image_from "$plain" <<DOCKERFILE
FROM $E2E_BASE_IMAGE
CMD ["true"]
DOCKERFILE
save_image "$plain" plain.tar
start_receiver "$E2E_TMP/recv"
printf 'sink_config r { sink: "post"; uri: "http://127.0.0.1:%s/once" }\nsubscribe("report", "r")\n' \
  "$RECEIVER_PORT" >once.c4m
docker chalk load "$E2E_SOURCE_DIR/configs/default.c4m" 2>/dev/null || fail "load default.c4m failed"
cp "$CHALK_PLUGIN" plugin.before
docker chalk --config once.c4m insert plain.tar -o once.tar >once.out 2>once.err || fail "insert --config: $(cat once.err)"
assert_eq 1 "$(posts recv)" "POSTs after the run with --config"
assert_eq insert "$(python3 -c 'import json; print(json.load(open("recv/0001.body"))[0]["_OPERATION"])')" "POSTed operation"
cmp -s "$CHALK_PLUGIN" plugin.before || fail "--config changed the plugin binary"
docker chalk dump | cmp -s - "$E2E_SOURCE_DIR/configs/default.c4m" || fail "--config changed the embedded config"
docker chalk insert plain.tar -o again.tar >again.out 2>again.err || fail "insert without --config: $(cat again.err)"
assert_eq 1 "$(posts recv)" "POSTs after a run without --config"
assert_eq insert "$(python3 -c 'import json; print(json.load(open("again.out"))[0]["_OPERATION"])')" \
  "the run without --config prints its report to stdout"
set +e
docker chalk --config schema.c4m insert plain.tar -o never.tar >never.out 2>never.err
status=$?
set -e
assert_eq 1 "$status" "exit code with a broken --config"
assert_eq 1 "$(wc -l <never.err)" "stderr lines with a broken --config"
[ ! -e never.tar ] || fail "a broken --config did work: never.tar exists"
[ ! -s never.out ] || fail "a broken --config printed a report: $(cat never.out)"
never_err=$(cat never.err)
[[ "$never_err" == "schema.c4m:1:1: schema: "* ]] || format_problems+=("$never_err")

note "each shipped config loads with and without its environment variables"
vars=(CHALK_POST_URL CHALK_POST_HEADERS AWS_S3_BUCKET_URI AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION
  AWS_DEFAULT_REGION AWS_ENDPOINT_URL)
unset_vars=()
for v in "${vars[@]}"; do unset_vars+=(-u "$v"); done
with_vars=("CHALK_POST_URL=http://127.0.0.1:$RECEIVER_PORT/shipped" $'CHALK_POST_HEADERS=Authorization: Bearer t0k\nX-Team: e2e'
  AWS_S3_BUCKET_URI=s3://bucket/prefix AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=secret-example
  AWS_REGION=eu-west-1 AWS_ENDPOINT_URL=http://127.0.0.1:9)
shipped=0
for config in "$E2E_SOURCE_DIR"/configs/*.c4m; do
  shipped=$((shipped + 1))
  name=$(basename "$config" .c4m)
  env "${unset_vars[@]}" docker chalk load "$config" >"$name.bare.out" 2>"$name.bare.err" ||
    fail "load $name.c4m without its variables failed: $(cat "$name.bare.err")"
  assert_not_contains "$(cat "$name.bare.err")" "error" "load $name.c4m without its variables"
  docker chalk dump | cmp -s - "$config" || fail "dump after load $name.c4m (no variables) differs from the file"
  env "${unset_vars[@]}" "${with_vars[@]}" docker chalk load "$config" >"$name.env.out" 2>"$name.env.err" ||
    fail "load $name.c4m with its variables failed: $(cat "$name.env.err")"
  assert_not_contains "$(cat "$name.env.err")" "error" "load $name.c4m with its variables"
  docker chalk dump | cmp -s - "$config" || fail "dump after load $name.c4m (with variables) differs from the file"
done
[ "$shipped" -ge 4 ] || fail "only $shipped configs in configs/"

note "the loaded http-reports.c4m reads CHALK_POST_URL and CHALK_POST_HEADERS at run time"
docker chalk load "$E2E_SOURCE_DIR/configs/http-reports.c4m" 2>/dev/null || fail "load http-reports.c4m failed"
before=$(posts recv)
env "${with_vars[@]}" docker chalk insert plain.tar -o shipped.tar >shipped.out 2>shipped.err ||
  fail "insert with http-reports.c4m failed: $(cat shipped.err)"
assert_eq $((before + 1)) "$(posts recv)" "POSTs with http-reports.c4m and CHALK_POST_URL"
last=$(tail -1 recv/requests.log | awk '{print $1}')
assert_eq /shipped "$(tail -1 recv/requests.log | awk '{print $3}')" "POST path from CHALK_POST_URL"
headers=$(tr -d '\r' <"recv/$last.headers")
assert_contains "$headers" "Authorization: Bearer t0k" "headers from CHALK_POST_HEADERS"
assert_contains "$headers" "X-Team: e2e" "headers from CHALK_POST_HEADERS"
env "${unset_vars[@]}" docker chalk insert plain.tar -o shipped2.tar >shipped2.out 2>shipped2.err ||
  fail "insert with http-reports.c4m without CHALK_POST_URL failed: $(cat shipped2.err)"
assert_eq $((before + 1)) "$(posts recv)" "POSTs without CHALK_POST_URL"
assert_contains "$(cat shipped2.err)" "CHALK_POST_URL is not set" "the warning without CHALK_POST_URL"

note "the shim evaluates the chalk layer's config in the container's environment; rejected: one line, no report"
printf '%s\n' 'exec.heartbeat: true' 'exec.heartbeat_rate: <<1 seconds>>' \
  "sink_config r { sink: \"post\"; uri: \"http://127.0.0.1:$RECEIVER_PORT/shim\" }" 'subscribe("report", "r")' \
  'if env("MAKE_IT_BAD") == "yes" {' '  log_level: "debug"' '}' >shim.c4m
shim_tag=chalk-e2e/$(unique_name shimconfig):1
remove_image_at_exit "$shim_tag"
mkdir shimctx
printf 'FROM %s\nENTRYPOINT ["sh", "-c", "echo out; echo err >&2; sleep 2; exit 5"]\n' "$E2E_BASE_IMAGE" >shimctx/Dockerfile
docker chalk --config shim.c4m build -t "$shim_tag" shimctx >shim-build.out 2>shim-build.err ||
  fail "build with shim.c4m failed: $(cat shim-build.err)"
before=$(posts recv)
set +e
docker run --rm --network host -e MAKE_IT_BAD=yes "$shim_tag" >shim-bad.out 2>shim-bad.err
status=$?
set -e
assert_eq 5 "$status" "exit code of the program under a rejected config"
assert_eq out "$(cat shim-bad.out)" "the program's stdout under a rejected config"
assert_eq 2 "$(wc -l <shim-bad.err)" "stderr lines: the program's and the config error"
assert_contains "$(cat shim-bad.err)" "err" "the program's stderr"
grep -q "^chalk: (chalk-layer):6:3: schema: When checking log_level: Value is not one of the valid choices" shim-bad.err ||
  fail "no \`chalk: (chalk-layer):6:3: schema: …\` line: $(cat shim-bad.err)"
assert_eq "$before" "$(posts recv)" "POSTs from a container whose config was rejected"
set +e
docker run --rm --network host "$shim_tag" >shim-good.out 2>shim-good.err
status=$?
set -e
assert_eq 5 "$status" "exit code of the program under an accepted config"
assert_eq err "$(cat shim-good.err)" "stderr under an accepted config"
[ "$(posts recv)" -ge $((before + 2)) ] || fail "the same image without MAKE_IT_BAD sent no exec and heartbeat reports"
assert_eq /shim "$(tail -1 recv/requests.log | awk '{print $3}')" "path of the container's reports"

if [ ${#format_problems[@]} -gt 0 ]; then
  fail "config errors must be exactly \`FILE:LINE:COL: PHASE: message\` (CONFIG.md §1); got:"$'\n'"$(printf '%s\n' "${format_problems[@]}")"
fi
note "ok"

#!/usr/bin/env bash
# Registries with authentication (Debian's docker-registry on loopback):
#  - htpasswd basic auth behind TLS with a CA this test makes: credentials from config.json
#    `auths` and from a `docker-credential-*` helper; certificates verified (--cert-dir);
#  - bearer tokens from a token server this test runs (tests/e2e/token_server.py, signing
#    with a key it makes): tokens refreshed when the registry refuses an expired one.
# For each: docker chalk push reports the digest skopeo and docker push see; insert/extract
# docker:// work; wrong credentials and expired tokens fail with one line, no tag moved,
# and no secret printed.
source "$(dirname "$0")/lib.sh"
require_engine
use_chalk_plugin
cd "$E2E_TMP"
name=$(unique_name f-registry-auth)
user=chalker
password=correct-horse-battery
export PATH=$E2E_TMP/bin:$PATH
mkdir -p bin certs
require_command htpasswd apache2-utils
require_command openssl openssl

report_of() {
  { grep '^\[{' "$1" || true; } | tail -1 >"$2"
  [ -s "$2" ] || fail "no report in $1: $(cat "$1")"
}

# run_registry DIR AUTH_YAML [TLS_YAML]: docker-registry on a free loopback port; sets ADDR.
run_registry() {
  local dir=$1 port
  port=$(free_port)
  cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/storage
http:
  addr: 127.0.0.1:$port
${3:-}
$2
EOF
  docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
  on_exit kill "$!"
  ADDR=127.0.0.1:$port
  local i
  for ((i = 0; i < 100; i++)); do
    curl -sk -o /dev/null "https://$ADDR/v2/" && return 0
    curl -s -o /dev/null "http://$ADDR/v2/" && return 0
    sleep 0.2
  done
  fail "docker-registry did not start: $(cat "$dir/log")"
}

# expect_failure OUT ERR ARGS...: `docker chalk ARGS` must fail with one line and no secret.
expect_failure() {
  local out=$1 err=$2
  shift 2
  set +e
  docker chalk "$@" >"$out" 2>"$err"
  local status=$?
  set -e
  [ "$status" -ne 0 ] || fail "\`docker chalk $*\` succeeded; expected a failure"
  assert_eq 1 "$(wc -l <"$err")" "one line on stderr for \`$*\`"
  assert_not_contains "$(cat "$out" "$err")" "$password" "output of \`$*\`"
}

mkdir app
cat >app/Dockerfile <<DOCKERFILE
FROM $E2E_BASE_IMAGE
ENTRYPOINT ["echo"]
CMD ["authenticated"]
DOCKERFILE

# check_push ADDR SKOPEO_ARGS...: build, docker chalk push, compare digests.
check_push() {
  local addr=$1 ref
  shift
  ref=$addr/$name/app:1
  remove_image_at_exit "$ref"
  docker chalk build -t "$ref" app >build.out 2>build.err || fail "build failed: $(cat build.err)"
  docker chalk push "$ref" >push.out 2>push.err || fail "docker chalk push to $addr failed: $(cat push.err)"
  report_of push.out push.json
  local reported
  reported=$(json push.json "d[0]['_CHALKS'][0]['_REPO_DIGESTS']['$addr']['$name/app'][0]") ||
    fail "no _REPO_DIGESTS in the push report: $(cat push.json) $(cat push.err)"
  assert_eq "$(skopeo_run inspect "$@" --format '{{.Digest}}' "docker://$ref")" "sha256:$reported" "push report vs skopeo"
  assert_eq "digest: sha256:$reported" "$(grep -o 'digest: sha256:[0-9a-f]*' push.out | head -1)" "push report vs docker push"
  assert_not_contains "$(cat push.out push.err)" "$password" "push output"
}

note "basic auth behind TLS: a CA and a server certificate for 127.0.0.1"
openssl req -x509 -newkey rsa:2048 -nodes -keyout certs/ca.key -out certs/ca.crt -days 2 -subj /CN=chalk-test-ca \
  2>/dev/null || fail "openssl: CA"
openssl req -newkey rsa:2048 -nodes -keyout certs/server.key -out certs/server.csr -subj /CN=127.0.0.1 2>/dev/null ||
  fail "openssl: server key"
printf 'subjectAltName=IP:127.0.0.1\n' >certs/san.ext
openssl x509 -req -in certs/server.csr -CA certs/ca.crt -CAkey certs/ca.key -CAcreateserial -out certs/server.crt \
  -days 2 -extfile certs/san.ext 2>/dev/null || fail "openssl: server certificate"
mkdir basic
htpasswd -Bbn "$user" "$password" >basic/htpasswd 2>/dev/null
run_registry "$E2E_TMP/basic" $'auth:\n  htpasswd:\n    realm: chalk-test\n    path: '"$E2E_TMP/basic/htpasswd" \
  $'  tls:\n    certificate: '"$E2E_TMP/certs/server.crt"$'\n    key: '"$E2E_TMP/certs/server.key"
basic=$ADDR
mkdir -p "certs.d/$basic"
cp certs/ca.crt "certs.d/$basic/ca.crt"
creds=(--creds "$user:$password" --cert-dir "$E2E_TMP/certs.d/$basic")

note "basic: credentials through config.json (docker login)"
echo "$password" | docker login -u "$user" --password-stdin "$basic" >/dev/null 2>&1 || fail "docker login $basic"
grep -q '"auth"' "$DOCKER_CONFIG/config.json" || fail "docker login stored no auth in config.json"
check_push "$basic" "${creds[@]}"
ref=$basic/$name/app:1
docker chalk insert --cert-dir "$E2E_TMP/certs.d" "docker://$ref" -o "docker://$basic/$name/copy:1" >insert.json 2>insert.err ||
  fail "insert over TLS with config.json credentials: $(cat insert.err)"
assert_eq "$(skopeo_run inspect "${creds[@]}" --format '{{.Digest}}' "docker://$basic/$name/copy:1")" \
  "sha256:$(json insert.json "d[0]['_CHALKS'][0]['_REPO_DIGESTS']['$basic']['$name/copy'][0]")" "insert digest over TLS"

note "basic: the certificate is verified (no CA given: refused, no fall back to plain HTTP)"
expect_failure untrusted.out untrusted.err insert --cert-dir "$E2E_TMP/nowhere" "docker://$ref"
assert_contains "$(cat untrusted.err)" "$basic"

note "basic: wrong password: one line, the tag does not move"
before=$(skopeo_run inspect "${creds[@]}" --format '{{.Digest}}' "docker://$ref")
good_config=$(cat "$DOCKER_CONFIG/config.json")
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$basic" "$(printf '%s:wrong-%s' "$user" "$password" | base64 -w0)" \
  >"$DOCKER_CONFIG/config.json"
expect_failure wrong.out wrong.err insert --cert-dir "$E2E_TMP/certs.d" "docker://$ref"
assert_contains "$(cat wrong.err)" "authentication failed"
assert_not_contains "$(cat wrong.out wrong.err)" "wrong-$password" "output"
assert_eq "$before" "$(skopeo_run inspect "${creds[@]}" --format '{{.Digest}}' "docker://$ref")" "tag after a refused insert"

note "basic: credentials through a docker-credential helper (credsStore)"
cat >bin/docker-credential-chalktest <<EOF
#!/bin/sh
read -r server
[ "\$1" = get ] && [ "\$server" = "$basic" ] || { echo "credentials not found in native keychain"; exit 1; }
echo "\$server" >>"$E2E_TMP/helper.log"
printf '{"ServerURL":"%s","Username":"$user","Secret":"$password"}\n' "\$server"
EOF
chmod +x bin/docker-credential-chalktest
echo '{"credsStore":"chalktest"}' >"$DOCKER_CONFIG/config.json"
docker chalk insert --cert-dir "$E2E_TMP/certs.d" "docker://$ref" >helper.json 2>helper.err ||
  fail "insert with credentials from a helper: $(cat helper.err)"
[ -s helper.log ] || fail "the credential helper was not asked"
assert_eq "$(skopeo_run inspect "${creds[@]}" --format '{{.Digest}}' "docker://$ref")" \
  "sha256:$(json helper.json "d[0]['_CHALKS'][0]['_REPO_DIGESTS']['$basic']['$name/app'][0]")" "insert digest with a helper"
docker chalk extract --cert-dir "$E2E_TMP/certs.d" "docker://$ref" >extract.json || fail "extract with a helper"
assert_eq "$(json helper.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')" "$(json extract.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')" \
  "extract over TLS"
echo "$good_config" >"$DOCKER_CONFIG/config.json"

note "bearer tokens: a token server signing with a key this test makes"
mkdir token
openssl req -x509 -newkey rsa:2048 -nodes -keyout token/key.pem -out token/cert.pem -days 2 -subj /CN=chalk-token \
  2>/dev/null || fail "openssl: token key"
openssl x509 -in token/cert.pem -outform DER -out token/cert.der
# start_token_server: sets TOKEN_PORT; the next token after token/expire-next appears is
# expired, and every one while token/expire-all exists.
start_token_server() {
  start_server token/server python3 "$E2E_SOURCE_DIR/tests/e2e/token_server.py" --key token/key.pem --cert-der token/cert.der \
    --issuer chalk-test-issuer --user "$user" --password "$password" \
    --expire-next "$E2E_TMP/token/expire-next" --expire-while "$E2E_TMP/token/expire-all" --log "$E2E_TMP/token/log"
  TOKEN_PORT=$SERVER_PORT
}
start_token_server
mkdir bearer
run_registry "$E2E_TMP/bearer" $'auth:\n  token:\n    realm: http://127.0.0.1:'"$TOKEN_PORT"$'/token\n    service: chalk-registry\n    issuer: chalk-test-issuer\n    rootcertbundle: '"$E2E_TMP/token/cert.pem"
bearer=$ADDR
echo "$password" | docker login -u "$user" --password-stdin "$bearer" >/dev/null 2>&1 || fail "docker login $bearer"
check_push "$bearer" --creds "$user:$password" --tls-verify=false

note "bearer: insert and extract with tokens (one expired token refreshed on the way)"
ref=$bearer/$name/app:1
touch token/expire-next
docker chalk insert "docker://$ref" >token-insert.json 2>token-insert.err || fail "insert with tokens: $(cat token-insert.err)"
assert_eq "$(skopeo_run inspect --tls-verify=false --creds "$user:$password" --format '{{.Digest}}' "docker://$ref")" \
  "sha256:$(json token-insert.json "d[0]['_CHALKS'][0]['_REPO_DIGESTS']['$bearer']['$name/app'][0]")" "insert digest with tokens"
[ ! -e token/expire-next ] && grep -q '^expired' token/log || fail "the insert never met an expired token"
docker chalk extract "docker://$ref" >token-extract.json || fail "extract with tokens"
assert_eq "$(json token-insert.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')" "$(json token-extract.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')" \
  "extract with tokens"

note "bearer: wrong password, and a token server handing out only expired tokens"
before=$(skopeo_run inspect --tls-verify=false --creds "$user:$password" --format '{{.Digest}}' "docker://$ref")
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$bearer" "$(printf '%s:wrong' "$user" | base64 -w0)" >"$DOCKER_CONFIG/config.json"
expect_failure token-wrong.out token-wrong.err insert "docker://$ref"
assert_contains "$(cat token-wrong.err)" "authentication failed"
echo "$good_config" >"$DOCKER_CONFIG/config.json"
echo "$password" | docker login -u "$user" --password-stdin "$bearer" >/dev/null 2>&1 || fail "docker login $bearer again"
touch token/expire-all
expect_failure expired.out expired.err insert "docker://$ref"
assert_contains "$(cat expired.err)" "authentication"
rm token/expire-all
assert_eq "$before" "$(skopeo_run inspect --tls-verify=false --creds "$user:$password" --format '{{.Digest}}' "docker://$ref")" "tag after expired tokens"
echo "PASS: basic auth over TLS (config.json, credential helper), bearer tokens (refresh, expiry), wrong passwords"

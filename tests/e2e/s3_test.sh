#!/usr/bin/env bash
# The s3 sink with the shipped configs/s3-reports.c4m against real S3 peers on 127.0.0.1:
# - s3rver (npm) stores what we PUT (it checks the access key id, not V4 signatures);
# - tests/integration/sinks/sigv4_verifier.py recomputes every SigV4 signature with botocore,
#   so a wrong secret is caught by the server.
# Build reports (plugin) and exec reports (shim, host network) arrive as one JSON object per
# object under PREFIX/op=OP/dt=YYYY-MM-DD/<13-digit ms>-<26 chars>.json. A secret in the
# environment at build time is in no layer, label or history entry of the image, while the
# container, given the secret in its environment, signs with it (REPORTS.md §9, CONFIG.md §8.1).
source "$(dirname "$0")/lib.sh"
require_engine
use_chalk_plugin
make_temp_dir
cd "$E2E_TMP"
# shellcheck source=scripts/lib.sh
source "$E2E_SOURCE_DIR/scripts/lib.sh"
ensure_s3rver
require_command node nodejs
python3 -c 'import botocore' 2>/dev/null || fail "python3 cannot import botocore (Debian package python3-botocore)"

bucket=chalk-reports
key_re='^fleet/op=OPERATION/dt=[0-9]{4}-[0-9]{2}-[0-9]{2}/[0-9]{13}-[0-9A-HJKMNP-TV-Z]{26}\.json$'

# wait_port PORT: until something listens on 127.0.0.1:PORT (20 s).
wait_port() {
  local i
  for ((i = 0; i < 200; i++)); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 1)" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# objects ROOT OPERATION: the keys (relative to ROOT/bucket) of the objects under op=OPERATION.
objects() {
  (cd "$1/$bucket" 2>/dev/null && find . -path "./fleet/op=$2/*" -type f ! -name '*._S3rver_object.md5' \
    ! -name '*._S3rver_metadata.json' | sed -e 's|^\./||' -e 's|\._S3rver_object$||' | sort) || true
}

# check_object ROOT OPERATION FILE_SUFFIX CHALK_ID: exactly one object for OPERATION, whose key
# matches the layout and today's UTC date, whose content is one JSON object and a newline with
# that _OPERATION and CHALK_ID. Prints the object's path.
check_object() {
  local root=$1 op=$2 suffix=$3 id=$4 keys key file
  keys=$(objects "$root" "$op")
  assert_eq 1 "$(printf '%s' "$keys" | grep -c .)" "objects for op=$op in $root"
  key=$keys
  [[ "$key" =~ ${key_re/OPERATION/$op} ]] || fail "object key \`$key\` does not follow PREFIX/op=OP/dt=DATE/MS-ID.json"
  assert_contains "$key" "/dt=$(date -u +%Y-%m-%d)/" "object key"
  file=$root/$bucket/$key$suffix
  python3 - "$file" "$op" "$id" <<'PYTHON' || fail "object $key has the wrong content (above)"
import json, sys
data = open(sys.argv[1], "rb").read()
problems = []
if not data.endswith(b"\n") or data.count(b"\n") != 1:
    problems.append("the object is not exactly one line ending with a newline")
obj = json.loads(data)
if not isinstance(obj, dict):
    problems.append("the object holds a JSON array, not the bare report object")
elif obj.get("_OPERATION") != sys.argv[2]:
    problems.append(f"_OPERATION {obj.get('_OPERATION')}")
else:
    chalk_id = obj.get("CHALK_ID") or obj["_CHALKS"][0]["CHALK_ID"]
    if chalk_id != sys.argv[3]:
        problems.append(f"CHALK_ID {chalk_id}, expected {sys.argv[3]}")
for p in problems:
    print(p, file=sys.stderr)
sys.exit(1 if problems else 0)
PYTHON
  printf '%s\n' "$file"
}

docker chalk load "$E2E_SOURCE_DIR/configs/s3-reports.c4m" 2>load.err || fail "load of s3-reports.c4m failed: $(cat load.err)"
mkdir ctx
printf 'FROM %s\nENTRYPOINT ["sleep"]\nCMD ["1"]\n' "$E2E_BASE_IMAGE" >ctx/Dockerfile

note "s3rver: the build report is stored as one JSON Lines object"
s3_port=$(free_port)
mkdir s3rver
"$CHALK_S3RVER" -d "$E2E_TMP/s3rver" -a 127.0.0.1 -p "$s3_port" -s --configure-bucket "$bucket" >s3rver.log 2>&1 &
on_exit kill "$!"
wait_port "$s3_port" || fail "s3rver did not listen on $s3_port: $(cat s3rver.log)"
s3_env=("AWS_S3_BUCKET_URI=s3://$bucket/fleet" AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
  "AWS_ENDPOINT_URL=http://127.0.0.1:$s3_port")
tag=chalk-e2e/$(unique_name s3):1
remove_image_at_exit "$tag"
env "${s3_env[@]}" docker chalk build -t "$tag" ctx >build.out 2>build.err || fail "build failed: $(cat build.err)"
assert_not_contains "$(cat build.err)" "chalk: sink" "build stderr"
chalk_id=$(docker image inspect -f '{{index .Config.Labels "run.chalk.chalk-id"}}' "$tag")
metadata_id=$(docker image inspect -f '{{index .Config.Labels "run.chalk.metadata-id"}}' "$tag")
obj=$(check_object s3rver build ._S3rver_object "$chalk_id")
meta=$(cat "${obj%._S3rver_object}._S3rver_metadata.json")
assert_contains "$meta" "application/json" "s3rver's metadata of the object (Content-Type)"

note "s3rver: the exec report from a container on the host network"
docker run --rm --network host "${s3_env[@]/#/--env=}" "$tag" >run.out 2>run.err || fail "the container failed: $(cat run.err)"
assert_not_contains "$(cat run.err)" "chalk: sink" "the container's stderr"
obj=$(check_object s3rver exec ._S3rver_object "$chalk_id")
assert_eq "$metadata_id" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["METADATA_ID"])' "$obj")" \
  "METADATA_ID of the exec object"

note "s3rver: an unknown access key is one clear error line, the build is unaffected"
env "${s3_env[@]}" AWS_ACCESS_KEY_ID=NOT-A-KEY docker chalk build -t "$tag-badkey" ctx >badkey.out 2>badkey.err ||
  fail "build failed with a bad access key: $(cat badkey.err)"
remove_image_at_exit "$tag-badkey"
grep "^chalk: sink 'my_s3_config' (s3): " badkey.err >badkey.lines || fail "no sink error line: $(cat badkey.err)"
assert_eq 1 "$(wc -l <badkey.lines)" "sink error lines"
assert_contains "$(cat badkey.lines)" "InvalidAccessKeyId" "the error line"
assert_not_contains "$(cat badkey.lines)" "S3RVER" "the error line (no credentials)"

note "verifier: a secret from the build environment is in no layer, label or history entry"
verifier_dir=$E2E_TMP/verified
secret=topsecret-123
access_key=AKIDCHALKE2E
start_server verifier python3 "$E2E_SOURCE_DIR/tests/integration/sinks/sigv4_verifier.py" --dir "$verifier_dir" \
  --access-key "$access_key" --secret "$secret"
v_port=$SERVER_PORT
v_env=("AWS_S3_BUCKET_URI=s3://$bucket/fleet" "AWS_ACCESS_KEY_ID=$access_key" "AWS_SECRET_ACCESS_KEY=$secret"
  "AWS_ENDPOINT_URL=http://127.0.0.1:$v_port" AWS_REGION=eu-west-1)
secret_tag=chalk-e2e/$(unique_name s3secret):1
remove_image_at_exit "$secret_tag"
env "${v_env[@]}" docker chalk build -t "$secret_tag" ctx >secret-build.out 2>secret-build.err ||
  fail "build failed: $(cat secret-build.err)"
assert_not_contains "$(cat secret-build.err)" "chalk: sink" "build stderr (the verifier checked the signature)"
secret_id=$(docker image inspect -f '{{index .Config.Labels "run.chalk.chalk-id"}}' "$secret_tag")
check_object "$verifier_dir" build "" "$secret_id" >/dev/null

save_image "$secret_tag" secret.tar
mkdir saved
tar -xf secret.tar -C saved || fail "cannot unpack the saved image"
! grep -rlaF "$secret" saved >leaks.txt || fail "the secret is in the saved image: $(cat leaks.txt)"
layers=0
while IFS= read -r layer; do
  layers=$((layers + 1))
  mkdir -p "unpacked/$layers"
  tar -xf "saved/$layer" -C "unpacked/$layers" 2>/dev/null || fail "cannot unpack layer $layer"
done < <(python3 -c 'import json,sys; [print(l) for l in json.load(open(sys.argv[1]))[0]["Layers"]]' saved/manifest.json)
[ "$layers" -ge 2 ] || fail "the saved image has $layers layers, expected the base and the chalk layer"
! grep -rlaF "$secret" unpacked >leaks.txt || fail "the secret is in a layer's files: $(cat leaks.txt)"
grep -rqa "AWS_SECRET_ACCESS_KEY" unpacked || fail "the chalk layer does not carry the config source that reads the secret"
inspect=$(docker image inspect "$secret_tag")
assert_not_contains "$inspect" "$secret" "docker image inspect (labels, env, config)"
history=$(docker history --no-trunc "$secret_tag")
assert_not_contains "$history" "$secret" "docker history"

note "verifier: the container signs with the secret from its own environment"
docker run --rm --network host "${v_env[@]/#/--env=}" "$secret_tag" >secret-run.out 2>secret-run.err ||
  fail "the container failed: $(cat secret-run.err)"
assert_not_contains "$(cat secret-run.err)" "chalk: sink" "the container's stderr"
check_object "$verifier_dir" exec "" "$secret_id" >/dev/null
! grep -rlaF "$secret" "$verifier_dir" secret-build.out secret-build.err secret-run.out secret-run.err >leaks.txt ||
  fail "a report or an output shows the secret: $(cat leaks.txt)"

note "verifier: a wrong secret is one clear error line naming no secret, in the plugin and the shim"
env "${v_env[@]}" AWS_SECRET_ACCESS_KEY=wrong-secret-456 docker chalk build -t "$secret_tag-wrong" ctx \
  >wrong-build.out 2>wrong-build.err || fail "build failed with a wrong secret: $(cat wrong-build.err)"
remove_image_at_exit "$secret_tag-wrong"
grep "^chalk: sink 'my_s3_config' (s3): " wrong-build.err >wrong-build.lines || fail "no sink error line: $(cat wrong-build.err)"
assert_eq 1 "$(wc -l <wrong-build.lines)" "sink error lines of the build"
assert_contains "$(cat wrong-build.lines)" "SignatureDoesNotMatch" "the build's error line"
assert_not_contains "$(cat wrong-build.err)" "wrong-secret-456" "the build's stderr"
docker run --rm --network host "${v_env[@]/#/--env=}" -e AWS_SECRET_ACCESS_KEY=wrong-secret-456 "$secret_tag" \
  >wrong-run.out 2>wrong-run.err || fail "the container failed with a wrong secret: $(cat wrong-run.err)"
grep "^chalk: sink 'my_s3_config' (s3): " wrong-run.err >wrong-run.lines || fail "no sink error line: $(cat wrong-run.err)"
assert_eq 1 "$(wc -l <wrong-run.lines)" "sink error lines of the container"
assert_contains "$(cat wrong-run.lines)" "SignatureDoesNotMatch" "the container's error line"
assert_not_contains "$(cat wrong-run.err)" "wrong-secret-456" "the container's stderr"
assert_eq 1 "$(objects "$verifier_dir" exec | grep -c .)" "exec objects after the wrong secret (still the first only)"
note "the build's warning about the default region has the config warning format"
# Checked last so that a failure here leaves every check above run. The loaded config is the
# embedded one: its warnings are `(embedded):LINE:COL: warning: …` (CONFIG.md §1, §9).
grep -Eq "^\(embedded\):[0-9]+:[0-9]+: warning: .*us-east-1" build.err ||
  fail "no \`(embedded):LINE:COL: warning:\` line naming the default region us-east-1 in the build's stderr:"$'\n'"$(grep -i region build.err)"
note "ok"

#!/usr/bin/env bash
# `deployments --reports s3://BUCKET/PREFIX` against s3rver: the fixtures' reports stored as
# the s3 sink stores them (one JSON Lines object per key, PREFIX/op=OP/dt=DATE/...), read
# back with ListObjectsV2 + GET signed with the credentials of the config's s3 sink
# (configs/s3-reports.c4m), give the same rows as the same reports on disk; --since leaves
# a partition out; a wrong access key is a warning naming the bucket, never the key.
# Usage: s3_test.sh DOCKER_CHALK SOURCE_DIR
set -euo pipefail
chalk_bin=$1
source_dir=$2
fixtures=$source_dir/tests/unit/deployments/fixtures
fail() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}
s3rver=${CHALK_S3RVER:-${XDG_CACHE_HOME:-$HOME/.cache}/chalk/npm/node_modules/.bin/s3rver}
[ -x "$s3rver" ] || fail "no s3rver at $s3rver (scripts/lib.sh ensure_s3rver)"
work=$(mktemp -d "${TMPDIR:-/tmp}/chalk-s3-deployments.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
bucket=chalk-deployments
mkdir "$work/s3rver"
"$s3rver" -d "$work/s3rver" -a 127.0.0.1 -p "$port" -s --configure-bucket "$bucket" >"$work/s3rver.log" 2>&1 &
pids+=("$!")
for ((i = 0; i < 100; i++)); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

# The bucket as the s3 sink fills it: each report one object, `fleet/op=OP/dt=DATE/MS-ID.json`.
python3 "$source_dir/tests/integration/deployments/bucket_layout.py" "$fixtures" "$work/layout" ||
  fail "cannot write the layout"
python3 - "$work/layout/reports" "http://127.0.0.1:$port" "$bucket" <<'PY' || fail "cannot fill the bucket"
import os, sys
import botocore.session
root, endpoint, bucket = sys.argv[1:4]
client = botocore.session.get_session().create_client(
    "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="S3RVER", aws_secret_access_key="S3RVER")
for directory, _, files in os.walk(root):
    for name in files:
        path = os.path.join(directory, name)
        client.put_object(Bucket=bucket, Key=os.path.relpath(path, root), Body=open(path, "rb").read(),
                          ContentType="application/json")
PY

export AWS_S3_BUCKET_URI=s3://$bucket/fleet AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
export AWS_ENDPOINT_URL=http://127.0.0.1:$port
common=(--custodian "$fixtures/custodian" --pods "prod-k8s=$fixtures/pods.json" --json)
"$chalk_bin" --config "$source_dir/configs/s3-reports.c4m" deployments --reports "s3://$bucket/fleet" "${common[@]}" \
  >"$work/s3.json" 2>"$work/s3.err" || fail "deployments from s3 failed: $(cat "$work/s3.err")"
"$chalk_bin" deployments --reports "$fixtures/reports" --reports "$fixtures/stdout-pushes.txt" \
  --reports "$fixtures/receiver-heartbeats.json" "${common[@]}" >"$work/local.json" || fail "deployments from disk failed"
[ -s "$work/local.json" ] && cmp -s "$work/s3.json" "$work/local.json" ||
  fail "rows from s3 differ from rows from disk: $(diff "$work/s3.json" "$work/local.json" | head -20)"
grep -q '"evidence":"registry_digest"' "$work/s3.json" || fail "no row joined by registry digest"

# The production build is in the dt=2023-09-18 partition: left out, its ECS row is untraced.
"$chalk_bin" --config "$source_dir/configs/s3-reports.c4m" deployments --reports "s3://$bucket/fleet" \
  --since 2023-09-19 --cluster production "${common[@]}" >"$work/since.json" || fail "deployments --since failed"
python3 -c 'import json,sys; rows=json.load(open(sys.argv[1])); sys.exit(0 if [r["evidence"] for r in rows]==["untraced"] else 1)' \
  "$work/since.json" || fail "--since did not leave the 2023-09-18 partition out: $(cat "$work/since.json")"

# A wrong access key: the listing fails, one warning names the bucket, nothing else read: exit 2.
set +e
AWS_ACCESS_KEY_ID=WRONG-KEY-ID "$chalk_bin" --config "$source_dir/configs/s3-reports.c4m" deployments \
  --reports "s3://$bucket/fleet" >"$work/bad.out" 2>"$work/bad.err"
status=$?
set -e
[ "$status" -eq 2 ] || fail "exit code $status with a wrong key, expected 2: $(cat "$work/bad.err")"
grep -q "skipped \`s3://$bucket/fleet\`: listing \`s3://$bucket/fleet/\`: HTTP 403 InvalidAccessKeyId" "$work/bad.err" ||
  fail "no warning naming the listing: $(cat "$work/bad.err")"
grep -q 'WRONG-KEY-ID\|S3RVER' "$work/bad.err" && fail "a credential in the message: $(cat "$work/bad.err")"
echo "ok: s3 rows equal disk rows, --since honoured, wrong key reported without credentials"

#!/usr/bin/env bash
# The README's SQL join (Athena/Trino) run in DuckDB (npm @duckdb/node-api, scripts/lib.sh
# ensure_duckdb) over the fixtures in the bucket layout gives the same rows as
# `deployments --json` over the same reports and the Custodian output the layout was made from.
# Usage: duckdb_test.sh DOCKER_CHALK SOURCE_DIR
set -euo pipefail
chalk_bin=$1
source_dir=$2
here=$source_dir/tests/integration/deployments
fail() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}
export CHALK_NPM_MODULES=${CHALK_NPM_MODULES:-${XDG_CACHE_HOME:-$HOME/.cache}/chalk/npm/node_modules}
[ -f "$CHALK_NPM_MODULES/@duckdb/node-api/package.json" ] ||
  fail "no @duckdb/node-api in $CHALK_NPM_MODULES (scripts/lib.sh ensure_duckdb)"
work=$(mktemp -d "${TMPDIR:-/tmp}/chalk-duckdb.XXXXXX")
trap 'rm -rf "$work"' EXIT

python3 "$here/bucket_layout.py" "$source_dir/tests/unit/deployments/fixtures" "$work" || fail "cannot write the layout"
node "$here/duckdb_join.mjs" "$source_dir/plugin/deployments/README.md" "$work/reports" "$work/custodian" \
  >"$work/sql.json" 2>"$work/sql.err" || fail "the README's SQL failed in DuckDB: $(cat "$work/sql.err")"
"$chalk_bin" deployments --reports "$work/reports" \
  --custodian "$source_dir/tests/unit/deployments/fixtures/custodian/us-east-1" --json >"$work/chalk.json" ||
  fail "deployments failed"
python3 - "$work/sql.json" "$work/chalk.json" <<'PY' || fail "SQL rows differ from deployments --json"
import json, sys
sql, chalk = (json.load(open(path)) for path in sys.argv[1:3])
key = lambda row: json.dumps(row, sort_keys=True)
if len(chalk) < 6 or sorted(map(key, sql)) != sorted(map(key, chalk)):
    print(f"{len(sql)} SQL rows, {len(chalk)} chalk rows", file=sys.stderr)
    for row in sorted(set(map(key, sql)) ^ set(map(key, chalk))):
        print(("sql:   " if row in map(key, sql) else "chalk: ") + row, file=sys.stderr)
    sys.exit(1)
PY
echo "ok: $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$work/chalk.json") rows equal"

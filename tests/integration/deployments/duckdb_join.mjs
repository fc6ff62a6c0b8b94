// Runs the README's Athena/Trino join (plugin/deployments/README.md, the block after the
// `deployments-sql` marker) in DuckDB over a report tree and a Custodian tree in the bucket
// layout, and prints its rows as one JSON array. DuckDB speaks a dialect of its own: the
// Trino functions the query uses are defined as macros over DuckDB's, and Trino's
// `ARRAY(T)` type is spelled `T[]`; nothing else of the query is touched.
// Usage: node duckdb_join.mjs README REPORTS_DIR CUSTODIAN_DIR
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const modules = process.env.CHALK_NPM_MODULES;
const require = createRequire(`${modules}/`);
const { DuckDBInstance } = require('@duckdb/node-api');

const [readme, reports, custodian] = process.argv.slice(2);
const text = readFileSync(readme, 'utf8');
const marker = text.indexOf('<!-- deployments-sql');
if (marker < 0) throw new Error(`${readme}: no deployments-sql block`);
const start = text.indexOf('```sql\n', marker) + 7;
let sql = text.slice(start, text.indexOf('\n```', start));
for (let before = ''; before !== sql;) {
  before = sql;
  sql = sql.replace(/ARRAY\(([A-Z\[\]]+)\)/g, '$1[]');
}

const trino = [
  `CREATE MACRO json_extract_scalar(j, p) AS json_extract_string(j, p)`,
  `CREATE MACRO json_format(j) AS CAST(j AS VARCHAR)`,
  `CREATE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)`,
  `CREATE MACRO to_unixtime(t) AS epoch(t)`,
  `CREATE MACRO from_unixtime(x, zone) AS make_timestamp(CAST(round(x * 1000000) AS BIGINT))`,
  `CREATE MACRO to_iso8601(t) AS strftime(t, '%Y-%m-%dT%H:%M:%S.%gZ')`,
  `CREATE MACRO element_at(list, i) AS list[i]`,
];
const tables = [
  `CREATE VIEW chalk_reports AS SELECT json AS line, op, dt FROM read_ndjson_objects('${reports}/**/*.json',
     hive_partitioning = true, hive_types_autocast = false)`,
  `CREATE VIEW custodian_resources AS SELECT json AS line, resource, region, run FROM read_ndjson_objects(
     '${custodian}/**/*.json', hive_partitioning = true, hive_types_autocast = false)`,
];
const db = await DuckDBInstance.create(':memory:');
const connection = await db.connect();
for (const statement of [...trino, ...tables]) await connection.run(statement);
const started = process.hrtime.bigint();
const result = await connection.runAndReadAll(`SELECT CAST(to_json(q) AS VARCHAR) AS row FROM (\n${sql}\n) q`);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const rows = result.getRows().map(([row]) => JSON.parse(row));
process.stdout.write('[\n' + rows.map((row) => JSON.stringify(row)).join(',\n') + (rows.length ? '\n' : '') + ']\n');
process.stderr.write(`duckdb: ${rows.length} rows in ${seconds.toFixed(3)} s\n`);

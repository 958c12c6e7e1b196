#!/usr/bin/env node
// Differential tests: the same deterministic data (differential/gen-data.mjs)
// in a private dynalite and in SQLite, the same queries
// (differential/corpus.mjs) on both, the results compared.
//
//   node tests/sql/run-differential.mjs [--only SUBSTRING]
//
// Comparison (each query is one test):
//   - column count must agree (names are not compared: SQLite names
//     expressions differently);
//   - NULL = NULL; text exactly; integers exactly (ddbsql's exact decimals
//     against SQLite's 64-bit integers, compared as decimal text);
//   - a SQLite REAL (the data's two-place decimals are doubles there, as are
//     AVG and math functions' results) against ddbsql's exact number: equal
//     within a relative 1e-9 (|a-b| <= 1e-9 * max(1, |a|, |b|)), far tighter
//     than the data's two decimal places and far looser than the doubles'
//     own error over a few thousand additions;
//   - a ddbsql boolean equals SQLite's 1/0 (SQLite has no boolean type);
//   - rows in order when the case says its ORDER BY is total (checked: the
//     runner also runs SQLite with reverse_unordered_selects and fails a case
//     whose order then changes), as multisets otherwise.
// Exclusions (constructs whose semantics differ on purpose) are listed at the
// top of differential/corpus.mjs. A mismatch is an engine bug to report, not a
// reason to loosen the comparison.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCorpus } from './differential/corpus.mjs';
import { buildSqlite, loadDynamo, runSqliteBatch } from './differential/load.mjs';
import { compareResults, showTheirs } from './lib/compare.mjs';
import {
  makeWorkDir, pool, renderCell, Reporter, runSql, SQL_BIN, startDynalite, startRedis, writeConfig,
} from './lib/env.mjs';

function parseArgs(argv) {
  const o = { only: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--only') o.only = argv[++i];
    else {
      console.error('usage: run-differential.mjs [--only SUBSTRING]');
      process.exit(2);
    }
  }
  return o;
}

// The rows with doubles rounded to 9 significant digits: summing in another
// order may change a double's last bits, which is not an ordering question.
function orderKey(rows) {
  return JSON.stringify(rows.map((r) => r.map((c) => (c.t === 'real' ? Number(Number(c.v).toPrecision(9)) : c.v))));
}

function sample(rows, show, n = 8) {
  const lines = rows.slice(0, n).map((r) => `    ${r.map(show).join(' | ')}`);
  if (rows.length > n) lines.push(`    ... (${rows.length} rows)`);
  return lines.join('\n');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const rep = new Reporter('differential: ');
  let cases = buildCorpus();
  if (opts.only) cases = cases.filter((c) => c.name.includes(opts.only));
  if (!fs.existsSync(SQL_BIN)) {
    rep.notOk('ddbsql-sql', `${SQL_BIN} not found: build it`);
    process.exit(rep.finish());
  }
  const workDir = makeWorkDir('diff');
  const dbPath = path.join(workDir, 'diff.sqlite');
  const t0 = Date.now();
  let redis;
  let dyn;
  let config;
  try {
    buildSqlite(dbPath);
    redis = await startRedis(workDir);
    dyn = await startDynalite(workDir, 'dynalite-diff');
    await loadDynamo(dyn.endpoint);
    config = writeConfig(path.join(workDir, 'diff.conf'), { schema: 'gen', endpoint: dyn.endpoint, redisPort: redis.port, keyPrefix: 'diff:' });
  } catch (e) {
    rep.notOk('set up dynalite and SQLite', e.stack || e.message);
    await dyn?.stop();
    await redis?.stop();
    process.exit(rep.finish());
  }
  const theirs = runSqliteBatch(dbPath, cases.map((c) => c.sqlite || c.sql));
  const reversed = runSqliteBatch(dbPath, cases.map((c) => c.sqlite || c.sql), { reverseUnordered: true });
  // Warm the metadata cache (one description per table) before the pool starts.
  await Promise.all(['users', 'events', 'items', 'codes'].map((t) => runSql(`SELECT COUNT(*) FROM ${t} WHERE 1 = 0`, { config })));
  console.log(`# data loaded in ${Date.now() - t0} ms; ${cases.length} queries`);
  const jobs = Math.max(2, Math.min(6, os.availableParallelism?.() ?? os.cpus().length));
  const ours = await pool(cases, jobs, (c) => runSql(c.sql, { config, maxRows: 1000 }));
  await dyn.stop();
  await redis.stop();
  cases.forEach((c, i) => {
    const head = `ddbsql: ${c.sql}${c.sqlite ? `\n  SQLite: ${c.sqlite}` : ''}`;
    const r = ours[i];
    const t = theirs[i];
    if (t.error) return rep.notOk(c.name, `${head}\nSQLite refused the query (a corpus bug): ${t.error}`);
    if (c.ordered && orderKey(t.rows) !== orderKey(reversed[i].rows)) {
      return rep.notOk(c.name, `${head}\nthe case is marked ordered but its ORDER BY is not total (a corpus bug)`);
    }
    if (r.sanitizer) return rep.notOk(c.name, `${head}\nsanitizer report:\n${r.sanitizer}`);
    if (r.problem) return rep.notOk(c.name, `${head}\n${r.problem}`);
    if (r.status === 1) {
      return rep.notOk(c.name, `${head}\nddbsql refused it: ${r.result.error}${r.result.hint ? ` (hint: ${r.result.hint})` : ''}\n  SQLite's ${t.rows.length} rows:\n${sample(t.rows, showTheirs)}`);
    }
    if (r.result.truncated) return rep.notOk(c.name, `${head}\nmore than 1000 rows: the corpus should keep results smaller`);
    const why = compareResults(c, r.result, t.rows);
    if (why) {
      return rep.notOk(c.name, `${head}\n${why}\n  ddbsql (${r.result.rows.length} rows):\n${sample(r.result.rows, renderCell)}\n  SQLite (${t.rows.length} rows):\n${sample(t.rows, showTheirs)}`);
    }
    return rep.ok(c.name);
  });
  fs.rmSync(workDir, { recursive: true, force: true });
  process.exit(rep.finish());
}

main().catch((e) => {
  console.error(e.stack || e.message);
  process.exit(1);
});

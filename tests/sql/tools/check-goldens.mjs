#!/usr/bin/env node
// Reviews the query golden files against an independent oracle: the same
// question asked of SQLite over the demo dataset (tools/demo-sqlite.mjs),
// with the SQLite spelling in tools/oracle.json. Entries "manual: ..." say
// what the answer must be and are checked by reading the output.
//
//   node tests/sql/tools/check-goldens.mjs [--only SUBSTRING] [--write] [--accept NAME ...]
//
// Prints, per case: AGREE (ddbsql's result equals the oracle's under the
// differential rules: exact integers and text, 1e-9 for SQLite's doubles),
// DIFFER (with both results: an engine bug or a wrong oracle, to be
// resolved, never blessed), MANUAL (ddbsql's rendering, to read against the
// entry's description), or MISSING.
// --write writes the .out of every AGREE case; --accept NAME writes the .out
// of a MANUAL case once it has been read and found right.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runSqliteBatch } from '../differential/load.mjs';
import { compareResults, showTheirs } from '../lib/compare.mjs';
import { makeWorkDir, pool, REPO_ROOT, runSql } from '../lib/env.mjs';
import { directives, renderResult, startDemo } from '../run-golden.mjs';
import { buildDemoSqlite } from './demo-sqlite.mjs';

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
const write = args.includes('--write');
const accept = new Set();
for (let i = 0; i < args.length; i++) if (args[i] === '--accept') while (args[i + 1] && !args[i + 1].startsWith('--')) accept.add(args[++i]);

const oracle = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'tests/sql/tools/oracle.json'), 'utf8'));
const dir = path.join(REPO_ROOT, 'tests/sql/queries');
const names = fs.readdirSync(dir).filter((f) => f.endsWith('.sql')).map((f) => f.slice(0, -4)).sort()
  .filter((n) => !only || n.includes(only));

const workDir = makeWorkDir('check');
const db = buildDemoSqlite(path.join(workDir, 'demo.sqlite'));
const demo = await startDemo(workDir);
const jobs = Math.max(2, Math.min(6, os.availableParallelism?.() ?? os.cpus().length));
const runs = await pool(names, jobs, async (n) => {
  const sql = fs.readFileSync(path.join(dir, `${n}.sql`), 'utf8');
  const d = directives(sql);
  return { n, sql, d, r: await runSql(sql, { config: demo.config, maxRows: d.maxRows, format: d.format, plan: d.plan }) };
});
await demo.stop();
const sqliteNames = names.filter((n) => oracle[n] && !oracle[n].startsWith('manual'));
const theirs = Object.fromEntries(runSqliteBatch(db, sqliteNames.map((n) => oracle[n])).map((t, i) => [sqliteNames[i], t]));
const counts = { AGREE: 0, DIFFER: 0, MANUAL: 0, MISSING: 0 };
for (const { n, sql, d, r } of runs) {
  const outPath = path.join(dir, `${n}.out`);
  const o = oracle[n];
  const got = r.problem ? null : renderResult(r, d);
  let verdict;
  let detail = '';
  if (!o) verdict = 'MISSING';
  else if (o.startsWith('manual')) verdict = 'MANUAL';
  else if (r.problem) [verdict, detail] = ['DIFFER', r.problem];
  else if (theirs[n].error) [verdict, detail] = ['DIFFER', `the oracle failed: ${theirs[n].error}`];
  else if (r.status === 1) [verdict, detail] = ['DIFFER', `ddbsql: ${r.result.error}`];
  else {
    const why = compareResults({ ordered: !d.unordered }, r.result, theirs[n].rows);
    if (why) [verdict, detail] = ['DIFFER', `${why}\n  SQLite: ${theirs[n].rows.slice(0, 6).map((row) => row.map(showTheirs).join(' | ')).join('\n          ')}`];
    else verdict = 'AGREE';
  }
  counts[verdict]++;
  const same = got !== null && fs.existsSync(outPath) && fs.readFileSync(outPath, 'utf8') === got;
  console.log(`${verdict.padEnd(7)} ${n}${same ? ' (= .out)' : ''}`);
  if (verdict === 'DIFFER') console.log(`  ${sql.trim().split('\n').join('\n  ')}\n  ${detail.split('\n').join('\n  ')}\n  ddbsql:\n    ${(got || '').split('\n').slice(0, 12).join('\n    ')}`);
  if (verdict === 'MANUAL' && !same) console.log(`  expect: ${o.slice(8)}\n  ${sql.trim().split('\n').join('\n  ')}\n  ddbsql:\n    ${(got || r.problem || '').split('\n').slice(0, 40).join('\n    ')}`);
  if (got !== null && ((write && verdict === 'AGREE') || accept.has(n))) fs.writeFileSync(outPath, got);
}
console.log(counts);
fs.rmSync(workDir, { recursive: true, force: true });

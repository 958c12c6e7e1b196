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
import {
  makeWorkDir, Num, pool, renderCell, Reporter, runSql, SQL_BIN, startDynalite, startRedis, writeConfig,
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

// ---- exact decimal text helpers ---------------------------------------------------

/** Canonical decimal text ("-12.5", "0", "1200") of a plain or exponent number, or null. */
function canonDecimal(text) {
  const m = /^([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  let digits = (m[2] || '') + (m[3] || '');
  let exp = (m[4] ? Number(m[4]) : 0) - (m[3] || '').length;
  digits = digits.replace(/^0+/, '');
  if (digits === '') return '0';
  while (digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    exp++;
  }
  let s;
  if (exp >= 0) s = digits + '0'.repeat(exp);
  else if (-exp >= digits.length) s = `0.${'0'.repeat(-exp - digits.length)}${digits}`;
  else s = `${digits.slice(0, digits.length + exp)}.${digits.slice(digits.length + exp)}`;
  return (m[1] === '-' ? '-' : '') + s;
}

function isIntegralText(text) {
  const c = canonDecimal(text);
  return c !== null && !c.includes('.');
}

// ---- cell comparison ------------------------------------------------------------------

// ours: a parseJsonExact value (Num, string, boolean, null, object/array).
// theirs: {t: 'null'|'int'|'real'|'text'|'blob', v}.
function cellEqual(ours, theirs) {
  if (theirs.t === 'null') return ours === null;
  if (ours === null) return false;
  if (typeof ours === 'boolean') return theirs.t === 'int' && theirs.v === (ours ? '1' : '0');
  if (theirs.t === 'text') return typeof ours === 'string' && ours === theirs.v;
  if (!(ours instanceof Num)) return false;
  if (theirs.t === 'int') return canonDecimal(ours.text) === canonDecimal(theirs.v);
  if (theirs.t === 'real') {
    const a = Number(ours.text);
    const b = Number(theirs.v);
    if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  }
  return false;
}

// A sort key that puts equal cells (per cellEqual) next to each other: type
// class, then a rounded number or the text.
function oursKey(v) {
  if (v === null) return '0';
  if (typeof v === 'boolean') return `2${numKey(v ? 1 : 0)}`;
  if (v instanceof Num) return `2${numKey(Number(v.text))}`;
  if (typeof v === 'string') return `3${v}`;
  return `4${JSON.stringify(v)}`;
}
function theirsKey(c) {
  if (c.t === 'null') return '0';
  if (c.t === 'int' || c.t === 'real') return `2${numKey(Number(c.v))}`;
  if (c.t === 'text') return `3${c.v}`;
  return `4${c.v}`;
}
function numKey(x) {
  // order-preserving text of x rounded to 9 significant digits
  if (x === 0) return 'M0';
  const r = Number(x.toPrecision(9));
  const e = Math.floor(Math.log10(Math.abs(r)));
  const mant = (Math.abs(r) / 10 ** e).toFixed(8);
  const ek = String(e + 500).padStart(4, '0');
  if (r > 0) return `P${ek}${mant}`;
  const inv = (s) => s.replace(/\d/g, (d) => String(9 - Number(d)));
  return `N${inv(ek)}${inv(mant)}`;
}

function compareResults(c, ours, theirs) {
  const ncols = ours.columns.length;
  if (theirs.length && theirs[0].length !== ncols) return `column count: ddbsql ${ncols}, SQLite ${theirs[0].length}`;
  let a = ours.rows.map((r, i) => ({ r, i }));
  let b = theirs.map((r, i) => ({ r, i }));
  if (a.length !== b.length) return `row count: ddbsql ${a.length}, SQLite ${b.length}`;
  if (!c.ordered) {
    const ka = (x) => x.r.map(oursKey).join('\u0001');
    const kb = (x) => x.r.map(theirsKey).join('\u0001');
    a = [...a].sort((x, y) => (ka(x) < ka(y) ? -1 : ka(x) > ka(y) ? 1 : 0));
    b = [...b].sort((x, y) => (kb(x) < kb(y) ? -1 : kb(x) > kb(y) ? 1 : 0));
  }
  for (let i = 0; i < a.length; i++) {
    const ra = a[i].r;
    const rb = b[i].r;
    if (ra.length !== rb.length) return `row ${i + 1}: ddbsql has ${ra.length} values, SQLite ${rb.length}`;
    for (let j = 0; j < ra.length; j++) {
      if (!cellEqual(ra[j], rb[j])) {
        return `${c.ordered ? `row ${i + 1}` : `row ${i + 1} after sorting both`}, column ${j + 1}:\n` +
          `  ddbsql: ${ra.map(renderCell).join(' | ')}\n  SQLite: ${rb.map(showTheirs).join(' | ')}`;
      }
    }
  }
  return null;
}

function showTheirs(c) {
  if (c.t === 'null') return 'NULL';
  if (c.t === 'text') return JSON.stringify(c.v);
  return c.v;
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
    if (c.ordered && JSON.stringify(t.rows) !== JSON.stringify(reversed[i].rows)) {
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

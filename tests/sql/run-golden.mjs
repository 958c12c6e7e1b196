#!/usr/bin/env node
// Golden tests of the SQL engine over the demo dataset
// (deploy/local/demo-data.mjs), through the ddbsql-sql command-line runner.
//
//   node tests/sql/run-golden.mjs [queries|plans|all] [--only SUBSTRING]
//
// tests/sql/queries/NAME.sql -> NAME.out: the result's columns and rows (or
//   the error and hint), rendered by renderResult() below.
// tests/sql/plans/NAME.sql -> NAME.out: the DynamoDB requests the engine sent
//   (its --trace, each request as JSON with sorted keys), what each returned,
//   the items read (stats.items_read) and the row count.
//
// Directives: comment lines at the top of a .sql file (the whole file,
// comments included, is the statement sent):
//   -- unordered        no ORDER BY: rows are compared as a sorted multiset
//   -- max-rows: N      --max-rows N (default 1000)
//   -- format: objects  --format objects
//   -- plan             --plan (mode plan: nothing is read)
//   -- page: N          follow next_cursor to the Nth page (of max-rows rows)
//                       and check that page only (plans: its calls alone)
//
// Every run is also checked for: sanitizer reports, a broken output
// contract, DynamoDB operations other than GetItem/BatchGetItem/Query/Scan
// (metadata calls aside), and string literals of the SQL spliced into an
// expression instead of travelling as ExpressionAttributeValues.
//
// SQL_GOLDEN_BLESS=1 writes missing .out files and rewrites differing ones
// (review `git diff` before committing: a wrong result is an engine bug, not
// a new golden). Output is TAP-like, ending with "N passed, N failed".

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadDemo } from '../../deploy/local/load-demo.mjs';
import {
  makeWorkDir, pool, renderCell, Reporter, REPO_ROOT, runSql, SQL_BIN, sortedJson, startDynalite,
  startRedis, writeConfig,
} from './lib/env.mjs';

const SUITES = { queries: 'tests/sql/queries', plans: 'tests/sql/plans' };
const DATA_OPS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan']);
const META_OPS = new Set(['ListTables', 'DescribeTable']);
const DEMO_TABLES = { customers: 'customer_id', orders: 'customer_id', order_items: 'order_id', products: 'product_id' };

function parseArgs(argv) {
  const o = { suites: ['queries', 'plans'], only: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--only') o.only = argv[++i];
    else if (argv[i] === 'all') o.suites = ['queries', 'plans'];
    else if (SUITES[argv[i]]) o.suites = [argv[i]];
    else {
      console.error('usage: run-golden.mjs [queries|plans|all] [--only SUBSTRING]');
      process.exit(2);
    }
  }
  return o;
}

export function directives(sql) {
  const d = { unordered: false, maxRows: 1000, format: null, plan: false, page: 1 };
  for (const line of sql.split('\n')) {
    const m = /^\s*--\s*(.*?)\s*$/.exec(line);
    if (!m) {
      if (line.trim() === '') continue;
      break;
    }
    const t = m[1];
    if (t === 'unordered') d.unordered = true;
    else if (t === 'plan') d.plan = true;
    else if (/^max-rows:\s*\d+$/.test(t)) d.maxRows = Number(t.split(':')[1]);
    else if (/^format:\s*\w+$/.test(t)) d.format = t.split(':')[1].trim();
    else if (/^page:\s*\d+$/.test(t)) d.page = Number(t.split(':')[1]);
  }
  return d;
}

/** The string literals of a statement ('...' with '' escapes), outside comments. */
export function stringLiterals(sql) {
  const out = [];
  let i = 0;
  while (i < sql.length) {
    if (sql.startsWith('--', i)) {
      const e = sql.indexOf('\n', i);
      i = e < 0 ? sql.length : e;
    } else if (sql.startsWith('/*', i)) {
      const e = sql.indexOf('*/', i + 2);
      i = e < 0 ? sql.length : e + 2;
    } else if (sql[i] === '"') {
      const e = sql.indexOf('"', i + 1);
      i = e < 0 ? sql.length : e + 1;
    } else if (sql[i] === "'") {
      let s = '';
      i++;
      while (i < sql.length) {
        if (sql[i] === "'" && sql[i + 1] === "'") {
          s += "'";
          i += 2;
        } else if (sql[i] === "'") {
          i++;
          break;
        } else s += sql[i++];
      }
      out.push(s);
    } else i++;
  }
  return out;
}

const EXPR_KEYS = ['KeyConditionExpression', 'FilterExpression', 'ProjectionExpression', 'ConditionExpression'];
const EXPR_WORDS = /\b(AND|OR|NOT|BETWEEN|IN|begins_with|attribute_exists|attribute_not_exists|attribute_type|contains|size)\b/g;

/** Problems with the calls a statement made: wrong operations, spliced literals. */
function checkTrace(sql, trace) {
  const problems = [];
  const literals = stringLiterals(sql).filter((s) => s.length >= 2);
  for (const ev of trace) {
    if (!DATA_OPS.has(ev.op) && !META_OPS.has(ev.op)) problems.push(`the engine sent ${ev.op}: only GetItem, BatchGetItem, Query and Scan are allowed`);
    const exprs = [];
    const collect = (req) => {
      for (const k of EXPR_KEYS) if (req && typeof req[k] === 'string') exprs.push([k, req[k]]);
    };
    collect(ev.request);
    for (const ri of Object.values(ev.request?.RequestItems || {})) collect(ri);
    for (const [k, text] of exprs) {
      const bare = text.replace(/[#:][A-Za-z0-9_]+/g, ' ').replace(EXPR_WORDS, ' ');
      for (const lit of literals) {
        if (bare.includes(lit)) problems.push(`${ev.op} ${k} contains the literal ${JSON.stringify(lit)} instead of a placeholder: ${text}`);
      }
    }
  }
  return problems;
}

export function renderResult(r, d) {
  if (r.status === 1) {
    let s = `-- error\n${r.result.error}\n`;
    if (r.result.hint) s += `-- hint\n${r.result.hint}\n`;
    return s;
  }
  const res = r.result;
  const lines = [];
  lines.push(`-- columns: ${res.columns.map((c) => `${c.name} (${c.type})`).join(' | ')}`);
  let rows = res.rows.map((row) => (Array.isArray(row) ? row.map(renderCell).join(' | ') : renderCell(row)));
  const n = rows.length;
  lines.push(`-- ${n} row${n === 1 ? '' : 's'}${d.unordered ? ' (unordered: sorted by the test runner)' : ''}${res.truncated ? ', truncated (more rows exist)' : ''}`);
  if (d.unordered) rows = [...rows].sort();
  lines.push(...rows);
  return `${lines.join('\n')}\n`;
}

/** Runs a case: pages before d.page through their next_cursor, then the page checked (traced). */
async function runCase(sql, d, config) {
  let cursor;
  for (let p = 1; p < d.page; p++) {
    const r = await runSql(sql, { config, maxRows: d.maxRows, format: d.format, cursor });
    if (r.problem || r.sanitizer) return r;
    if (!r.result || !r.result.next_cursor) return { ...r, problem: `page ${p} has no next_cursor, so there is no page ${d.page}` };
    cursor = r.result.next_cursor;
  }
  return runSql(sql, { config, maxRows: d.maxRows, format: d.format, plan: d.plan, trace: true, cursor });
}

export function renderPlan(r, d = {}) {
  if (r.status === 1) {
    let s = `-- error\n${r.result.error}\n`;
    if (r.result.hint) s += `-- hint\n${r.result.hint}\n`;
    return s;
  }
  const res = r.result;
  const calls = r.trace.filter((ev) => !META_OPS.has(ev.op));
  const lines = [];
  const stats = res.stats || {};
  if (d.page > 1) lines.push(`-- page: ${d.page}`);
  lines.push(`-- rows: ${String(res.row_count ?? res.rows.length)}${res.truncated ? ' (truncated)' : ''}`);
  lines.push(`-- items_read: ${stats.items_read === undefined ? '(missing from stats)' : String(stats.items_read)}`);
  lines.push(`-- calls: ${calls.length}`);
  for (const ev of calls) {
    lines.push(`${ev.op} ${sortedJson(ev.request ?? {})}`);
    lines.push(`  => items ${ev.items}, scanned ${ev.scanned}`);
  }
  return `${lines.join('\n')}\n`;
}

function diffText(want, got) {
  const a = want.split('\n');
  const b = got.split('\n');
  const out = [];
  const n = Math.max(a.length, b.length);
  let shown = 0;
  for (let i = 0; i < n && shown < 12; i++) {
    if (a[i] === b[i]) continue;
    shown++;
    out.push(`line ${i + 1}:`);
    out.push(`  expected: ${a[i] === undefined ? '(nothing)' : a[i].slice(0, 400)}`);
    out.push(`  got:      ${b[i] === undefined ? '(nothing)' : b[i].slice(0, 400)}`);
  }
  return out.join('\n');
}

/** Starts redis + dynalite with the demo data; returns {config, stop()}. */
export async function startDemo(workDir, log = () => {}) {
  const redis = await startRedis(workDir);
  const dyn = await startDynalite(workDir, 'dynalite-demo');
  try {
    log(`dynalite at ${dyn.endpoint}, loading the demo data`);
    await loadDemo(dyn.endpoint);
  } catch (e) {
    await dyn.stop();
    await redis.stop();
    throw e;
  }
  const config = writeConfig(path.join(workDir, 'demo.conf'), {
    schema: 'demo', endpoint: dyn.endpoint, redisPort: redis.port, keyPrefix: 'golden:',
  });
  // Warm the metadata cache, so no case's trace holds the catalog's calls.
  await Promise.all(Object.entries(DEMO_TABLES).map(([t, pk]) => runSql(`SELECT ${pk} FROM ${t} WHERE ${pk} = 'warm-up'`, { config })));
  return { config, endpoint: dyn.endpoint, stop: async () => { await dyn.stop(); await redis.stop(); } };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const bless = !!process.env.SQL_GOLDEN_BLESS;
  const rep = new Reporter('');
  if (!fs.existsSync(SQL_BIN)) {
    rep.notOk('golden: ddbsql-sql', `${SQL_BIN} not found: build it (make VARIANT=${process.env.DDBSQL_TEST_VARIANT || 'asan'})`);
    process.exit(rep.finish());
  }
  const cases = [];
  for (const s of opts.suites) {
    const dir = path.join(REPO_ROOT, SUITES[s]);
    if (!fs.existsSync(dir)) continue;
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.sql')).sort()) {
      const name = `${s}/${f.slice(0, -4)}`;
      if (opts.only && !name.includes(opts.only)) continue;
      cases.push({ suite: s, name, sqlPath: path.join(dir, f), outPath: path.join(dir, `${f.slice(0, -4)}.out`) });
    }
  }
  const workDir = makeWorkDir('golden');
  let demo;
  const t0 = Date.now();
  try {
    demo = await startDemo(workDir);
  } catch (e) {
    rep.notOk('golden: start dynalite with the demo data', e.stack || e.message);
    process.exit(rep.finish());
  }
  console.log(`# demo data ready in ${Date.now() - t0} ms; ${cases.length} cases`);
  const jobs = Math.max(2, Math.min(6, os.availableParallelism?.() ?? os.cpus().length));
  const results = await pool(cases, jobs, async (c) => {
    const sql = fs.readFileSync(c.sqlPath, 'utf8');
    const d = directives(sql);
    const r = await runCase(sql, d, demo.config);
    return { c, sql, d, r };
  });
  await demo.stop();
  let blessed = 0;
  for (const { c, sql, d, r } of results) {
    const head = `query (${path.relative(REPO_ROOT, c.sqlPath)}):\n  ${sql.trim().split('\n').join('\n  ')}`;
    if (r.problem || r.sanitizer) {
      rep.notOk(c.name, `${head}\n${r.sanitizer ? `sanitizer report:\n${r.sanitizer}` : r.problem}`);
      continue;
    }
    const traceProblems = checkTrace(sql, r.trace);
    const got = c.suite === 'plans' ? renderPlan(r, d) : renderResult(r, d);
    const want = fs.existsSync(c.outPath) ? fs.readFileSync(c.outPath, 'utf8') : null;
    if (want !== got && bless) {
      fs.writeFileSync(c.outPath, got);
      blessed++;
      console.log(`# blessed ${path.relative(REPO_ROOT, c.outPath)}`);
    } else if (want === null) {
      rep.notOk(c.name, `${head}\nno expected file ${path.relative(REPO_ROOT, c.outPath)}; got:\n${got}(SQL_GOLDEN_BLESS=1 writes it: review it first)`);
      continue;
    } else if (want !== got) {
      rep.notOk(c.name, `${head}\n${diffText(want, got)}\nfull output:\n${got}`);
      continue;
    }
    if (traceProblems.length) rep.notOk(c.name, `${head}\n${traceProblems.join('\n')}`);
    else rep.ok(c.name);
  }
  if (bless) console.log(`# ${blessed} file(s) written: review them with git diff`);
  fs.rmSync(workDir, { recursive: true, force: true });
  process.exit(rep.finish());
}

if (import.meta.url === pathToFileURL(process.argv[1] || '').href) main();

#!/usr/bin/env node
// Runs every SQL example in the bundled documentation (docs/resources/*.md,
// served as MCP resources) through build/<variant>/bin/ddbsql-sql over the
// demo data, so the docs cannot drift from what the engine does. Each
// ```sql block is one test.
//
//   node tests/sql/run-doc-examples.mjs [--only SUBSTRING] [--list]
//
// The fence's info string says how to run the block and what to expect:
//
//   ```sql                     must succeed
//   ```sql error               must fail (a tool error, exit status 1)
//   ```sql max_rows=2          --max-rows 2 (also format=objects, mode=plan)
//   ```sql cursor=previous     continue the previous block's result: the same
//                              SQL with --cursor set to its next_cursor
//   ```sql max_items_read=500  run under a config with this [sql] setting
//                              (also max_memory_mb, max_capacity_units)
//
// The block right after it (blank lines between are fine) may give the
// expected output:
//
//   ```text    exactly what the tool's text content is (ddbsql-sql --text):
//              the table and summary line, the plan, or the error text.
//              Compared after normalising: trailing spaces, the elapsed
//              " · N ms", and cursor tokens ("pass cursor \"...\"").
//   ```json    a subset of structuredContent: every key given must be equal
//              (deeply; numbers compared by their exact text)
//
// A block without either only has to succeed (or fail, with `error`); use
// that for results that change (CURRENT_DATE). Output is TAP-like, ending
// with "N passed, N failed"; a failure prints the expected and actual text.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from './lib/cli.mjs';
import { exactJson, makeWorkDir, Num, parseJsonExact, pool, Reporter, REPO_ROOT, SQL_BIN, VARIANT } from './lib/env.mjs';
import { startDemo } from './run-golden.mjs';

const DOCS_DIR = path.join(REPO_ROOT, 'docs/resources');
const RUN_OPTS = new Set(['max_rows', 'format', 'mode', 'cursor']);
const SQL_KEYS = new Set(['max_items_read', 'max_memory_mb', 'max_capacity_units']);

function parseArgs(argv) {
  const o = { only: null, list: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--only') o.only = argv[++i];
    else if (argv[i] === '--list') o.list = true;
    else {
      console.error('usage: run-doc-examples.mjs [--only SUBSTRING] [--list]');
      process.exit(2);
    }
  }
  return o;
}

/** The fenced blocks of a Markdown file: [{info, body, line}] (line of the opening fence). */
export function fencedBlocks(text) {
  const lines = text.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(lines[i]);
    if (!m) continue;
    const fence = m[2];
    const body = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
      if (close.test(lines[j])) break;
      body.push(lines[j].slice(Math.min(m[1].length, lines[j].length - lines[j].trimStart().length)));
    }
    blocks.push({ info: m[3].trim(), body: body.join('\n'), line: i + 1, endLine: j + 1 });
    i = j;
  }
  return blocks;
}

/** The examples of one file: sql blocks with their options and expected output. */
export function examples(file, text) {
  const blocks = fencedBlocks(text);
  const lines = text.split('\n');
  const out = [];
  for (let k = 0; k < blocks.length; k++) {
    const b = blocks[k];
    const words = b.info.split(/\s+/).filter(Boolean);
    if (words[0] !== 'sql') continue;
    const ex = { file, line: b.line, sql: b.body.trim(), expectError: false, run: {}, sqlConf: {}, want: null, problems: [] };
    for (const w of words.slice(1)) {
      const kv = /^([a-z_]+)=(.+)$/.exec(w);
      if (w === 'error') ex.expectError = true;
      else if (kv && RUN_OPTS.has(kv[1])) ex.run[kv[1]] = kv[2];
      else if (kv && SQL_KEYS.has(kv[1])) ex.sqlConf[kv[1]] = kv[2];
      else ex.problems.push(`unknown option '${w}' in the fence (${b.info})`);
    }
    if (ex.run.cursor && ex.run.cursor !== 'previous') ex.problems.push("cursor= takes only 'previous'");
    // The expected output: the next block, when only blank lines separate them.
    const next = blocks[k + 1];
    if (next && lines.slice(b.endLine, next.line - 1).every((l) => l.trim() === '')) {
      const kind = next.info.split(/\s+/)[0];
      if (kind === 'text' || kind === 'json') {
        ex.want = { kind, body: next.body };
        k++;
      }
    }
    const first = ex.sql.split('\n').find((l) => l.trim() && !l.trim().startsWith('--')) || ex.sql;
    ex.name = `${file}:${b.line} ${first.trim().slice(0, 60)}`;
    out.push(ex);
  }
  return out;
}

/** Text output made comparable: no trailing spaces or blank tail, elapsed and cursors fixed. */
export function normaliseText(s) {
  return s
    .split('\n')
    .map((l) => l.replace(/\s+$/, '').replace(/ · \d+ ms$/, ' · N ms').replace(/pass cursor "[^"]*"/, 'pass cursor "…"'))
    .join('\n')
    .replace(/\n+$/, '');
}

/** Deep equality of want (from the docs) with got (parseJsonExact output), numbers by text. */
function subsetMismatch(want, got, where = '') {
  if (want instanceof Num || got instanceof Num) {
    const a = want instanceof Num ? want.text : JSON.stringify(want);
    const b = got instanceof Num ? got.text : JSON.stringify(got);
    return a === b ? null : `${where || 'value'}: expected ${a}, got ${b}`;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) return `${where}: expected ${exactJson(want)}, got ${exactJson(got ?? null)}`;
    for (let i = 0; i < want.length; i++) {
      const m = subsetMismatch(want[i], got[i], `${where}[${i}]`);
      if (m) return m;
    }
    return null;
  }
  if (want && typeof want === 'object') {
    if (!got || typeof got !== 'object' || Array.isArray(got)) return `${where}: expected an object, got ${exactJson(got ?? null)}`;
    for (const k of Object.keys(want)) {
      const m = subsetMismatch(want[k], got[k], where ? `${where}.${k}` : k);
      if (m) return m;
    }
    return null;
  }
  return want === got ? null : `${where}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`;
}

function lineDiff(want, got) {
  const a = want.split('\n');
  const b = got.split('\n');
  const out = [];
  for (let i = 0; i < Math.max(a.length, b.length) && out.length < 24; i++) {
    if (a[i] === b[i]) continue;
    out.push(`line ${i + 1}:`);
    out.push(`  expected: ${a[i] === undefined ? '(nothing)' : a[i].slice(0, 300)}`);
    out.push(`  got:      ${b[i] === undefined ? '(nothing)' : b[i].slice(0, 300)}`);
  }
  return out.join('\n');
}

/** A config like the demo's with extra [sql] settings (cached per setting set). */
const configs = new Map();
function configFor(base, sqlConf, workDir) {
  const keys = Object.keys(sqlConf).sort();
  if (!keys.length) return base;
  const id = keys.map((k) => `${k}=${sqlConf[k]}`).join(',');
  if (!configs.has(id)) {
    const text = fs.readFileSync(base, 'utf8');
    const extra = keys.map((k) => `${k} = ${sqlConf[k]}`).join('\n');
    const file = path.join(workDir, `doc-${configs.size}.conf`);
    fs.writeFileSync(file, text.replace(/^\[sql\]$/m, `[sql]\n${extra}`), { mode: 0o600 });
    configs.set(id, file);
  }
  return configs.get(id);
}

/** Runs one example; prev is the previous example's outcome in the same file. */
async function runExample(ex, config, prev) {
  if (ex.problems.length) return { why: ex.problems.join('\n') };
  const args = ['--config', config];
  if (ex.run.max_rows) args.push('--max-rows', ex.run.max_rows);
  if (ex.run.format) args.push('--format', ex.run.format);
  if (ex.run.mode === 'plan') args.push('--plan');
  else if (ex.run.mode && ex.run.mode !== 'execute') return { why: `mode=${ex.run.mode}: expected plan or execute` };
  if (ex.run.cursor) {
    if (!prev || prev.sql !== ex.sql) return { why: 'cursor=previous needs the previous sql block to hold the same statement' };
    if (!prev.nextCursor) return { why: `the previous block gave no next_cursor${prev.why ? ` (it failed: ${prev.why.split('\n')[0]})` : ''}` };
    args.push('--cursor', prev.nextCursor);
  }
  args.push('--', ex.sql);
  const json = await runCli(args);
  if (json.problem) return { why: json.problem };
  let result;
  try {
    result = parseJsonExact(json.stdout);
  } catch {
    return { why: `stdout is not JSON: ${json.stdout.slice(0, 400)}` };
  }
  const failed = json.status === 1;
  const outcome = { sql: ex.sql, nextCursor: !failed && typeof result.next_cursor === 'string' ? result.next_cursor : null };
  if (failed !== ex.expectError) {
    const text = await runCli(['--text', ...args]);
    outcome.why = ex.expectError
      ? `expected an error, but it succeeded:\n${text.stdout}`
      : `expected rows, got an error:\n${text.stdout}`;
    return outcome;
  }
  if (ex.want?.kind === 'json') {
    let want;
    try {
      want = parseJsonExact(ex.want.body.trim());
    } catch (e) {
      outcome.why = `the json block is not JSON: ${e.message}`;
      return outcome;
    }
    const m = subsetMismatch(want, result);
    if (m) outcome.why = `${m}\nfull result: ${exactJson(result).slice(0, 2000)}`;
  } else if (ex.want?.kind === 'text') {
    const text = await runCli(['--text', ...args]);
    if (text.problem) {
      outcome.why = text.problem;
      return outcome;
    }
    const want = normaliseText(ex.want.body);
    const got = normaliseText(text.stdout);
    if (want !== got) outcome.why = `${lineDiff(want, got)}\nfull output:\n${text.stdout}`;
  }
  return outcome;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const rep = new Reporter('docs/');
  const files = fs.existsSync(DOCS_DIR) ? fs.readdirSync(DOCS_DIR).filter((f) => f.endsWith('.md')).sort() : [];
  const byFile = files.map((f) => examples(f, fs.readFileSync(path.join(DOCS_DIR, f), 'utf8')));
  const selected = byFile.map((list) => list.filter((ex) => !opts.only || ex.name.includes(opts.only)));
  if (opts.list) {
    for (const ex of selected.flat()) console.log(`${ex.name}${ex.expectError ? ' (error)' : ''}${ex.want ? ` [${ex.want.kind}]` : ''}`);
    return;
  }
  if (!fs.existsSync(SQL_BIN)) {
    rep.notOk('ddbsql-sql', `${SQL_BIN} not found: build it (make VARIANT=${VARIANT})`);
    process.exit(rep.finish());
  }
  if (selected.flat().length === 0) {
    rep.notOk('examples', `no \`\`\`sql blocks found in ${DOCS_DIR}${opts.only ? ` matching ${opts.only}` : ''}`);
    process.exit(rep.finish());
  }
  const workDir = makeWorkDir('docs');
  let demo;
  try {
    demo = await startDemo(workDir);
  } catch (e) {
    rep.notOk('start dynalite with the demo data', e.stack || e.message);
    process.exit(rep.finish());
  }
  // Files run in parallel; a file's examples in order (cursor=previous).
  // With --only, a continuation keeps the block it continues.
  const jobs = Math.max(2, Math.min(4, os.availableParallelism?.() ?? os.cpus().length));
  const perFile = await pool(byFile.map((list, i) => ({ list, keep: selected[i] })), jobs, async ({ list, keep }) => {
    const results = [];
    let prev = null;
    for (let i = 0; i < list.length; i++) {
      const ex = list[i];
      const needed = keep.includes(ex) || (list[i + 1]?.run.cursor && keep.includes(list[i + 1]));
      if (!needed) continue;
      const config = configFor(demo.config, ex.sqlConf, workDir);
      prev = await runExample(ex, config, prev);
      if (keep.includes(ex)) results.push({ ex, outcome: prev });
    }
    return results;
  });
  await demo.stop();
  for (const { ex, outcome } of perFile.flat()) {
    if (outcome.why) rep.notOk(ex.name, `${path.join('docs/resources', ex.file)}:${ex.line}\n  ${ex.sql.split('\n').join('\n  ')}\n${outcome.why}`);
    else rep.ok(ex.name);
  }
  fs.rmSync(workDir, { recursive: true, force: true });
  process.exit(rep.finish());
}

main();

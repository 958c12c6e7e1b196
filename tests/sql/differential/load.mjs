// Loads the differential dataset (gen-data.mjs) into a DynamoDB endpoint
// (dynalite) and into a SQLite database file.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { dynamoClient } from '../../../deploy/local/load-demo.mjs';
import { generateRows, sqliteScript, tableDefinitions, toItem } from './gen-data.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitActive(call, name) {
  const deadline = Date.now() + 30000;
  for (;;) {
    const t = (await call('DescribeTable', { TableName: name })).Table;
    if (t.TableStatus === 'ACTIVE' && (t.GlobalSecondaryIndexes || []).every((i) => i.IndexStatus === 'ACTIVE')) return;
    if (Date.now() > deadline) throw new Error(`table ${name} not ACTIVE after 30 s`);
    await sleep(20);
  }
}

async function writeAll(call, table, items) {
  const batches = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      let req = { [table]: batches[next++].map((Item) => ({ PutRequest: { Item } })) };
      for (let attempt = 1; Object.keys(req).length; attempt++) {
        if (attempt > 10) throw new Error(`BatchWriteItem on ${table}: still unprocessed after 10 attempts`);
        const r = await call('BatchWriteItem', { RequestItems: req });
        req = r.UnprocessedItems || {};
        if (Object.keys(req).length) await sleep(10 * 2 ** attempt);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** Creates and fills the tables in an empty DynamoDB. */
export async function loadDynamo(endpoint, data = generateRows()) {
  const call = dynamoClient(endpoint);
  await Promise.all(tableDefinitions().map(async (def) => {
    await call('CreateTable', def);
    await waitActive(call, def.TableName);
    await writeAll(call, def.TableName, data[def.TableName].map(toItem));
  }));
}

/** Creates dbPath (replacing it) with the tables filled. */
export function buildSqlite(dbPath, data = generateRows()) {
  fs.rmSync(dbPath, { force: true });
  const r = spawnSync('sqlite3', ['-bail', dbPath], { input: sqliteScript(data), encoding: 'utf8' });
  if (r.error) throw new Error(`sqlite3: ${r.error.message} (tests/install-deps.sh installs it)`);
  if (r.status !== 0) throw new Error(`sqlite3 failed to load the data (status ${r.status}): ${r.stderr}`);
}

/** One SQLite value from .mode quote: {t: 'null'|'int'|'real'|'text'|'blob', v}. */
function parseQuoteLine(line) {
  const cells = [];
  let i = 0;
  while (i <= line.length) {
    if (line.startsWith('NULL', i)) {
      cells.push({ t: 'null', v: null });
      i += 4;
    } else if (line[i] === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= line.length) throw new Error(`unterminated string in sqlite output: ${line}`);
        if (line[i] === "'" && line[i + 1] === "'") {
          s += "'";
          i += 2;
        } else if (line[i] === "'") {
          i++;
          break;
        } else s += line[i++];
      }
      cells.push({ t: 'text', v: s });
    } else if (line[i] === 'X' && line[i + 1] === "'") {
      const e = line.indexOf("'", i + 2);
      cells.push({ t: 'blob', v: line.slice(i + 2, e) });
      i = e + 1;
    } else {
      const m = /^[-+]?(\d+(\.\d*)?([eE][-+]?\d+)?|Inf)/.exec(line.slice(i));
      if (!m) throw new Error(`cannot read sqlite output at ${i}: ${line}`);
      cells.push({ t: /[.eE]|Inf/.test(m[0]) ? 'real' : 'int', v: m[0] });
      i += m[0].length;
    }
    if (i >= line.length) break;
    if (line[i] !== ',') throw new Error(`expected ',' at ${i} in sqlite output: ${line}`);
    i++;
  }
  return cells;
}

/**
 * Runs every statement in one sqlite3 process (LIKE case-sensitive). Returns, per statement,
 * {rows: [[cell...]]} or {error: text}.
 */
export function runSqliteBatch(dbPath, statements, { reverseUnordered = false } = {}) {
  // reverse_unordered_selects: rows whose order the query leaves open come
  // out the other way round, which shows an ORDER BY that is not total.
  const script = ['.mode quote', '.headers off',
    `PRAGMA case_sensitive_like = ON; PRAGMA reverse_unordered_selects = ${reverseUnordered ? 'ON' : 'OFF'};`];
  statements.forEach((s, i) => {
    if (s.includes('\n@@')) throw new Error('statement contains the batch marker');
    script.push(`.print '@@Q ${i}'`, `${s.replace(/;\s*$/, '')};`);
  });
  script.push(".print '@@END'");
  const r = spawnSync('sqlite3', [dbPath], { input: `${script.join('\n')}\n`, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['pipe', 'pipe', 'pipe'] });
  if (r.error) throw new Error(`sqlite3: ${r.error.message}`);
  // Errors go to stderr with the line of the script: map them back.
  const lineOf = [];
  let line = 3; // the three lines before the first statement
  statements.forEach((s, i) => {
    line++; // .print
    const n = s.replace(/;\s*$/, '').split('\n').length;
    lineOf.push([line + 1, line + n, i]);
    line += n;
  });
  const out = statements.map(() => ({ rows: [] }));
  for (const l of r.stderr.split('\n')) {
    const m = /near line (\d+)/.exec(l);
    if (!m) continue;
    const ln = Number(m[1]);
    const hit = lineOf.find(([a, b]) => ln >= a && ln <= b);
    if (hit) out[hit[2]] = { error: l };
  }
  let cur = -1;
  for (const l of r.stdout.split('\n')) {
    const m = /^@@Q (\d+)$/.exec(l);
    if (m) {
      cur = Number(m[1]);
      continue;
    }
    if (l === '@@END') break;
    if (cur < 0 || out[cur].error || l === '') continue;
    out[cur].rows.push(parseQuoteLine(l));
  }
  // An error sqlite3 did not place: name it on every statement it may be.
  if (!r.stdout.includes('@@END')) throw new Error(`sqlite3 stopped early: ${r.stderr.slice(0, 2000)}`);
  return out;
}

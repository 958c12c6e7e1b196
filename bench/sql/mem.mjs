#!/usr/bin/env node
// `make bench-mem`: the resident memory of ddbsql while it streams a Scan
// aggregate over 200k items (see bench/README.md).
//
// 1. dynalite with a LevelDB store under build/bench/ (git-ignored), holding
//    table bench_items with ITEMS items; loaded with BatchWriteItem the first
//    time (a minute or two) and kept for later runs (a marker file records
//    what was loaded; anything else is reloaded from scratch).
// 2. the local stack around it (redis, lighttpd, one ddbsql-mcp worker) with
//    [sql] max_items_read and time_limit_ms raised for the query.
// 3. SELECT COUNT(*), SUM(x) FROM bench_items, twice, each time sampling
//    VmRSS from /proc every SAMPLE_MS:
//      - through the ddbsql-sql command-line runner (a process of its own);
//      - through the FastCGI worker (tools/call run_sql over HTTP).
//    Reported: RSS at the start, the peak (the highest sample, and the
//    kernel's VmHWM), at the end, and the result checked against the data.
//
// Environment: ITEMS=200000, SAMPLE_MS=50, LOG_LEVEL=warn.
// Not a test: nothing is asserted about memory. It exits non-zero only when
// the query fails or its answer is wrong.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { dynamoClient } from '../../deploy/local/load-demo.mjs';
import { DEMO_REGION, freePort, startStack } from '../../deploy/local/stack.mjs';
import {
  childrenOf, envCount, fmt, lighttpdPid, procMemory, REPO_ROOT, runSql, say, sleep, writeResults,
} from './lib.mjs';

const ITEMS = envCount('ITEMS', 200000, 1000, 5000000);
const SAMPLE_MS = envCount('SAMPLE_MS', 50, 5, 5000);
const LOG_LEVEL = process.env.LOG_LEVEL || 'warn';
const TABLE = 'bench_items';
const DATA_VERSION = 1; // bump when the items below change
const STORE = path.join(REPO_ROOT, 'build/bench/dynalite-mem');
const MARKER = path.join(STORE, `ddbsql-bench-loaded.json`);
const DYNALITE_CLI = path.join(REPO_ROOT, 'deploy/local/node_modules/dynalite/cli.js');
const SQL_BIN = path.join(REPO_ROOT, 'build/release/bin/ddbsql-sql');
const SQL = `SELECT COUNT(*) AS n, SUM(x) AS total FROM ${TABLE}`;
const MiB = (kib) => kib / 1024;

// Item i: x = (i * 7919) % 1000, so SUM(x) is known without reading.
function item(i) {
  return {
    id: { S: `i${String(i).padStart(7, '0')}` },
    x: { N: String((i * 7919) % 1000) },
    g: { S: `g${String(i % 100).padStart(2, '0')}` },
    note: { S: `item ${i} of the ddbsql memory benchmark, padded to a realistic size` },
  };
}
function expectedSum(n) {
  let s = 0;
  for (let i = 0; i < n; i++) s += (i * 7919) % 1000;
  return s;
}

let dynalite = null;
process.on('exit', () => {
  if (dynalite) {
    try {
      process.kill(-dynalite.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

async function startDynalite() {
  fs.mkdirSync(STORE, { recursive: true });
  const port = await freePort();
  const log = fs.openSync(path.join(path.dirname(STORE), 'dynalite-mem.log'), 'a');
  dynalite = spawn(process.execPath, [DYNALITE_CLI, '--host', '127.0.0.1', '--port', String(port), '--path', STORE,
    '--createTableMs', '5', '--deleteTableMs', '5'], { detached: true, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const endpoint = `http://127.0.0.1:${port}`;
  const call = dynamoClient(endpoint, DEMO_REGION);
  for (let i = 0; ; i++) {
    try {
      await call('ListTables', {});
      return { endpoint, call };
    } catch (e) {
      if (i > 200) throw new Error(`dynalite did not start: ${e.message}`);
      await sleep(50);
    }
  }
}

async function ensureData(call) {
  const want = { version: DATA_VERSION, table: TABLE, items: ITEMS };
  let have = null;
  try {
    have = JSON.parse(fs.readFileSync(MARKER, 'utf8'));
  } catch {
    /* not loaded */
  }
  const tables = (await call('ListTables', {})).TableNames || [];
  if (have && JSON.stringify(have) === JSON.stringify(want) && tables.includes(TABLE)) {
    say(`${TABLE}: ${ITEMS} items already loaded in ${path.relative(REPO_ROOT, STORE)}`);
    return;
  }
  fs.rmSync(MARKER, { force: true });
  if (tables.includes(TABLE)) {
    await call('DeleteTable', { TableName: TABLE });
    for (let i = 0; (await call('ListTables', {})).TableNames.includes(TABLE); i++) {
      if (i > 400) throw new Error(`${TABLE} was not deleted`);
      await sleep(50);
    }
  }
  await call('CreateTable', {
    TableName: TABLE,
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
  for (let i = 0; (await call('DescribeTable', { TableName: TABLE })).Table.TableStatus !== 'ACTIVE'; i++) {
    if (i > 400) throw new Error(`${TABLE} did not become ACTIVE`);
    await sleep(50);
  }
  say(`loading ${ITEMS} items into ${TABLE} (BatchWriteItem, 25 per call; once, kept in ${path.relative(REPO_ROOT, STORE)})...`);
  const t0 = Date.now();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < ITEMS) {
      const lo = next;
      next = Math.min(ITEMS, next + 25);
      const batch = [];
      for (let i = lo; i < next; i++) batch.push({ PutRequest: { Item: item(i) } });
      let req = { [TABLE]: batch };
      for (let attempt = 1; Object.keys(req).length; attempt++) {
        if (attempt > 10) throw new Error('BatchWriteItem: items still unprocessed after 10 attempts');
        req = (await call('BatchWriteItem', { RequestItems: req })).UnprocessedItems || {};
        if (Object.keys(req).length) await sleep(20 * 2 ** attempt);
      }
      done += batch.length;
      if (done % 50000 < 25) say(`  ${done} items (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  fs.writeFileSync(MARKER, JSON.stringify(want));
  say(`loaded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

// Samples a process's VmRSS every SAMPLE_MS until stop() is called.
function sampler(pid, accept = () => true) {
  const samples = [];
  const t0 = Date.now();
  const take = () => {
    if (!accept()) return;
    const m = procMemory(pid);
    if (m && Number.isFinite(m.rssKiB)) samples.push({ t_ms: Date.now() - t0, rss_kib: m.rssKiB, hwm_kib: m.hwmKiB });
  };
  take();
  const timer = setInterval(take, SAMPLE_MS);
  return {
    samples,
    stop() {
      take();
      clearInterval(timer);
      return samples;
    },
  };
}

function describe(samples) {
  const rss = samples.map((s) => s.rss_kib);
  return {
    samples: samples.length,
    start_kib: rss[0],
    peak_kib: Math.max(...rss),
    end_kib: rss[rss.length - 1],
    hwm_kib: Math.max(...samples.map((s) => s.hwm_kib)),
  };
}

function checkResult(r, what) {
  const row = r.rows?.[0] || [];
  const [n, total] = Array.isArray(row) ? row : [row.n, row.total];
  const want = expectedSum(ITEMS);
  if (Number(n) !== ITEMS || Number(total) !== want) {
    throw new Error(`${what}: got n=${n} total=${total}, expected ${ITEMS} and ${want}`);
  }
  return { n: Number(n), total: Number(total), items_read: r.stats?.items_read, calls: r.stats?.calls, elapsed_ms: r.stats?.elapsed_ms, memory_peak_bytes: r.stats?.memory_peak_bytes };
}

// The CLI: a process of its own, sampled from exec to exit.
async function viaCli(configPath) {
  const child = spawn(SQL_BIN, ['--config', configPath, '--', SQL], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  // Count samples only once the child is ddbsql-sql (not Node's fork).
  const isSql = () => {
    try {
      return fs.readlinkSync(`/proc/${child.pid}/exe`) === fs.realpathSync(SQL_BIN);
    } catch {
      return false;
    }
  };
  const s = sampler(child.pid, isSql);
  const t0 = Date.now();
  const code = await new Promise((resolve) => child.on('exit', resolve));
  // The reading at exec (a few KiB: the loader alone) says nothing; the
  // start is the first reading once the process has had SAMPLE_MS to load
  // its libraries and config.
  const samples = s.stop().filter((x, i, all) => x.t_ms >= all[0].t_ms + SAMPLE_MS * 0.8 || all.length === 1);
  if (code !== 0) throw new Error(`ddbsql-sql exited ${code}: ${out}${err}`);
  return { wall_ms: Date.now() - t0, result: checkResult(JSON.parse(out), 'ddbsql-sql'), memory: describe(samples), series: samples };
}

// The FastCGI worker: warmed with one small query, then sampled around the big one.
async function viaWorker(stack) {
  const web = lighttpdPid(stack.lighttpdConfPath);
  // ddbsql-mcp also serves the discovery documents from a pool of its own,
  // so every ddbsql-mcp worker is sampled and the one that ran the query
  // (the one whose memory moved most) is reported.
  const workers = web ? childrenOf(web).filter((p) => p.cmdline[0]?.endsWith('ddbsql-mcp')) : [];
  if (workers.length === 0) throw new Error('no ddbsql-mcp worker under lighttpd');
  await runSql(stack.mcpUrl, 1, `SELECT COUNT(*) AS n FROM ${TABLE} WHERE id = 'i0000001'`);
  await sleep(200);
  const samplers = workers.map((w) => sampler(w.pid));
  const t0 = Date.now();
  const r = await runSql(stack.mcpUrl, 2, SQL);
  const wall = Date.now() - t0;
  await sleep(300); // the worker back to idle
  const series = samplers.map((x) => x.stop());
  const spread = (xs) => (xs.length ? Math.max(...xs.map((x) => x.rss_kib ?? 0)) - Math.min(...xs.map((x) => x.rss_kib ?? 0)) : -1);
  const samples = series.reduce((best, xs) => (spread(xs) > spread(best) ? xs : best), series[0]);
  return { wall_ms: wall, result: checkResult(r, 'run_sql'), memory: describe(samples), series: samples };
}

async function main() {
  if (!fs.existsSync(SQL_BIN)) throw new Error(`${SQL_BIN} not found: run make first`);
  const { endpoint, call } = await startDynalite();
  await ensureData(call);
  say('starting the stack (release build, one worker)...');
  const stack = await startStack({
    variant: 'release',
    maxProcs: 1,
    dynamoEndpoint: endpoint,
    loadDemo: false,
    logLevel: LOG_LEVEL,
    configSql: { max_items_read: Math.max(1000000, ITEMS * 2), time_limit_ms: 600000 },
  });
  try {
    say(`query: ${SQL}  (sampling VmRSS every ${SAMPLE_MS} ms)`);
    const cli = await viaCli(stack.configPath);
    const worker = await viaWorker(stack);
    // Again on the same worker: memory kept from the first must be reused.
    const worker2 = await viaWorker(stack);
    say('');
    say(`${'process'.padEnd(30)} ${'start MiB'.padStart(10)} ${'peak MiB'.padStart(9)} ${'end MiB'.padStart(8)} ${'VmHWM MiB'.padStart(10)} ${'samples'.padStart(8)} ${'query s'.padStart(8)} ${'items read'.padStart(11)}`);
    for (const [label, r] of [['ddbsql-sql (CLI)', cli], ['ddbsql-mcp worker (run_sql)', worker], ['same worker, second query', worker2]]) {
      const m = r.memory;
      say(`${label.padEnd(30)} ${fmt(MiB(m.start_kib), 1).padStart(10)} ${fmt(MiB(m.peak_kib), 1).padStart(9)} ${fmt(MiB(m.end_kib), 1).padStart(8)} ${fmt(MiB(m.hwm_kib), 1).padStart(10)} ${String(m.samples).padStart(8)} ${fmt(r.wall_ms / 1000, 1).padStart(8)} ${String(r.result.items_read).padStart(11)}`);
    }
    const peak = Math.max(MiB(cli.memory.hwm_kib), MiB(worker2.memory.hwm_kib));
    say('');
    say(`target: flat, well under 64 MiB: peak ${fmt(peak, 1)} MiB, ${peak < 64 ? 'under' : 'NOT under'} 64 MiB`);
    say(`the worker grew ${fmt(MiB(worker.memory.peak_kib - worker.memory.start_kib), 1)} MiB during the first query and kept ${fmt(MiB(worker.memory.end_kib - worker.memory.start_kib), 1)} MiB after it; the second query added ${fmt(MiB(worker2.memory.end_kib - worker.memory.end_kib), 1)} MiB`);
    const file = writeResults('mem', {
      settings: { items: ITEMS, sample_ms: SAMPLE_MS, log_level: LOG_LEVEL },
      query: SQL,
      cli: { ...cli, series: cli.series },
      worker: { ...worker, series: worker.series },
      worker_second_query: { ...worker2, series: worker2.series },
      target: { peak_mib_under: 64, peak_mib: peak, met: peak < 64 },
    });
    say(`results: ${path.relative(REPO_ROOT, file)}`);
  } finally {
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`bench-mem: ${e.stack || e.message}`);
    process.exit(1);
  },
);

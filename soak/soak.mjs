#!/usr/bin/env node
// `make soak`: ddbsql behind lighttpd (release build, auth = oauth with the
// demo API client's real tokens) under steady load for a bounded time, with
// two faults at set times, and a report of what a long run would reveal:
//
//   load     three wrk streams at once, in one-minute rounds: /mcp tools/list
//            and /mcp run_sql on key queries (Query, GetItem, a GSI Query),
//            each with a bearer token from /token, and /token
//            client_credentials itself (HTTP Basic)
//   faults   Redis stopped and started again (at 40% of the run, down for
//            SOAK_REDIS_DOWN_MS), and DynamoDB throttling half of the reads
//            for SOAK_THROTTLE_MS (at 65%), injected by the fault proxy
//            (tests/faults/ddb-fault-proxy.mjs) between the workers and
//            dynalite; a probe (once a second) signs in, refreshes, runs SQL
//            and times the recovery
//   report   errors (non-2xx and socket errors; target 0), each minute's
//            throughput against the first (target: no decline), every
//            FastCGI worker's resident memory and open descriptors at the
//            start and the end (targets: growth under 1 MiB, flat), Redis
//            connections (CLIENT LIST; flat), and the recovery from each
//            fault. A table on stdout, the whole as JSON in soak/results/.
//
// Environment: SOAK_SECONDS (default 300), SOAK_WARMUP (15 s, not counted),
// SOAK_CONNECTIONS ("3,3,2": tools/list, run_sql, /token), SOAK_REDIS_DOWN_MS
// (5000), SOAK_THROTTLE_MS (30000), SOAK_NO_FAULTS=1 (load only), VARIANT
// (release). Exit status 0 when every target is met, 1 otherwise.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT, freePort, startStack } from '../deploy/local/stack.mjs';
import { demoOAuthConfig, newDemoCredentials, writeSigningKey } from '../deploy/local/oauth-demo.mjs';
import { generateDemoData } from '../deploy/local/demo-data.mjs';
import { startDynalite } from '../tests/faults/ddb-fault-proxy.mjs';
import { fcgiWorkers, redisClients } from '../tests/faults/procs.mjs';
import * as flow from '../tests/faults/oauth-flow.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.SOAK_SECONDS || 300);
const WARMUP = Number(process.env.SOAK_WARMUP ?? 15);
const [C_LIST, C_SQL, C_TOKEN] = (process.env.SOAK_CONNECTIONS || '3,3,2').split(',').map(Number);
const REDIS_DOWN_MS = Number(process.env.SOAK_REDIS_DOWN_MS || 5000);
const THROTTLE_MS = Number(process.env.SOAK_THROTTLE_MS || 30000);
const FAULTS = process.env.SOAK_NO_FAULTS !== '1';
const VARIANT = process.env.VARIANT || 'release';
const RSS_GROWTH_LIMIT_KIB = 1024;
// "No decline": every minute within 10% of the first (the machine's noise).
const NO_DECLINE = 0.9;
const REDIRECT = 'http://127.0.0.1:9/callback';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (m) => console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${m}`);

if (!Number.isFinite(SECONDS) || SECONDS < 30) {
  console.error('soak: SOAK_SECONDS must be at least 30');
  process.exit(2);
}
if (spawnSync('wrk', ['--version']).error) {
  console.error('soak: wrk is not installed (make deps installs it)');
  process.exit(2);
}

// ---- the request bodies ---------------------------------------------------------

function bodies(dir) {
  const demo = Object.fromEntries(generateDemoData().map(({ definition, items }) => [definition.TableName, items]));
  const customers = [...new Set(demo.orders.map((o) => o.customer_id.S))].sort().slice(0, 20);
  const categories = [...new Set(demo.products.map((p) => p.category?.S).filter(Boolean))].sort();
  const sql = [];
  customers.forEach((c, i) => {
    sql.push(`SELECT order_id, status, total FROM orders WHERE customer_id = '${c}' ORDER BY order_id`); // Query
    sql.push(`SELECT customer_id, name, tier FROM customers WHERE customer_id = '${c}'`); // GetItem
    const cat = categories[i % categories.length];
    if (cat) sql.push(`SELECT product_id, price FROM products WHERE category = '${cat}' ORDER BY price LIMIT 5`); // GSI Query
  });
  const rpc = (id, method, params) => JSON.stringify({ jsonrpc: '2.0', id, method, params });
  const files = {
    list: path.join(dir, 'tools-list.jsonl'),
    sql: path.join(dir, 'run-sql.jsonl'),
    token: path.join(dir, 'token.txt'),
  };
  fs.writeFileSync(files.list, `${rpc(1, 'tools/list', {})}\n`);
  fs.writeFileSync(files.sql, sql.map((q, i) => rpc(i + 1, 'tools/call', { name: 'run_sql', arguments: { sql: q } })).join('\n') + '\n');
  fs.writeFileSync(files.token, 'grant_type=client_credentials\n');
  return { files, queries: sql };
}

// ---- wrk ---------------------------------------------------------------------------

function wrk({ url, connections, seconds, env }) {
  return new Promise((resolve) => {
    const p = spawn('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', path.join(HERE, 'soak.lua'), url], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('SOAKJSON '));
      if (!line) return resolve({ failed: `wrk exited ${code}: ${out.slice(-500)}` });
      resolve(JSON.parse(line.slice(9)));
    });
  });
}

// ---- the fault proxy, in a process of its own ---------------------------------------

async function startProxy(target) {
  const port = await freePort();
  const proc = spawn(process.execPath, [path.join(REPO_ROOT, 'tests/faults/ddb-fault-proxy.mjs'), '--target', target, '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    proc.stdout.once('data', resolve);
    proc.on('exit', (c) => reject(new Error(`the fault proxy exited (${c})`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const control = async (method, body) => {
    const r = await fetch(`${url}/__faults`, { method, body: body ? JSON.stringify(body) : undefined });
    return r.json();
  };
  return {
    url,
    setRules: (rules) => control('POST', rules),
    clear: () => control('DELETE'),
    stats: async () => (await control('GET')).stats,
    stop: () => proc.kill('SIGTERM'),
  };
}

// ---- measurements ---------------------------------------------------------------------

function snapshotWorkers(stack) {
  return fcgiWorkers(stack.configPath).map((w) => ({ endpoint: w.socket.replace(/^ddbsql-|\.sock$/g, ''), pid: w.pid, rssKiB: w.rssKiB, fds: w.fds }));
}

async function redisCount(stack) {
  try {
    return (await redisClients(stack.redisPort)).length;
  } catch {
    return null; // down
  }
}

// ---- the probe: sign-in, refresh, SQL, once a second --------------------------------------

function startProbe(base, mcpUrl, creds, getToken, events, intervalMs = 500) {
  let running = true;
  let n = 0;
  let refreshToken = null;
  const signIn = { clientId: 'soak-app', redirectUri: REDIRECT, user: creds.user.name, password: creds.user.password, resource: mcpUrl };
  const note = (kind, ok, status, ms, extra = {}) => events.push({ t: Date.now(), kind, ok, status, ms, ...extra });
  const loop = async () => {
    while (running) {
      const t0 = Date.now();
      // A refresh needs Redis; without a token (first time, or Redis came
      // back empty) the whole sign-in comes first.
      try {
        if (!refreshToken) {
          const tokens = await flow.signInTokens(base, signIn);
          refreshToken = tokens.refresh_token;
          note('sign-in', true, 200, Date.now() - t0);
        }
        const t1 = Date.now();
        const r = await flow.refresh(base, 'soak-app', refreshToken);
        note('refresh', r.status === 200, r.status, Date.now() - t1);
        if (r.status === 200) refreshToken = r.json.refresh_token;
        else if (r.status === 400) refreshToken = null; // gone with the Redis restart
      } catch (e) {
        note('sign-in', false, /HTTP (\d+)/.exec(e.message)?.[1] || 0, Date.now() - t0, { error: e.message.slice(0, 200) });
      }
      const t2 = Date.now();
      try {
        const res = await fetch(mcpUrl, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: `Bearer ${getToken()}` },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'run_sql', arguments: { sql: "SELECT COUNT(*) AS n FROM orders WHERE customer_id = 'C0002'" } } }),
          signal: AbortSignal.timeout(30000),
        });
        const j = await res.json().catch(() => null);
        note('run_sql', res.status === 200 && j?.result && !j.result.isError, res.status, Date.now() - t2, j?.result?.isError ? { error: j.result.content?.[0]?.text?.slice(0, 200) } : {});
      } catch (e) {
        note('run_sql', false, 0, Date.now() - t2, { error: e.message });
      }
      if (n++ % 10 === 0) {
        // The endpoints nothing else keeps busy: they too must come back.
        const t3 = Date.now();
        try {
          const g = await flow.register(base, REDIRECT, 'soak-probe');
          note('register', g.status === 201, g.status, Date.now() - t3);
          const v = await fetch(`${base}/revoke`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
            body: 'client_id=soak-app&token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
          });
          await v.arrayBuffer();
          note('revoke', v.status === 200, v.status, Date.now() - t3);
        } catch (e) {
          note('register', false, 0, Date.now() - t3, { error: e.message });
        }
      }
      await sleep(Math.max(0, intervalMs - (Date.now() - t0)));
    }
  };
  const done = loop();
  return {
    async stop() {
      running = false;
      await done;
    },
  };
}

// ---- the report ------------------------------------------------------------------------------

function pad(s, n, right = false) {
  s = String(s);
  return right ? s.padStart(n) : s.padEnd(n);
}

function report(r) {
  const lines = [];
  const out = (s = '') => lines.push(s);
  out('');
  out(`ddbsql soak: ${r.seconds} s (+${r.warmup} s warm-up), ${r.variant} build behind lighttpd, auth = oauth, ${r.max_procs} workers per endpoint`);
  out(`load: tools/list x${r.connections.list}, run_sql x${r.connections.sql}, /token client_credentials x${r.connections.token} connections (wrk)`);
  out('');
  out('minute  tools/list req/s  run_sql req/s  /token req/s  total req/s  vs 1st  errors  notes');
  for (const m of r.minutes) {
    out(
      `${pad(m.minute, 6)}  ${pad(m.rps.list.toFixed(0), 16, true)}  ${pad(m.rps.sql.toFixed(0), 13, true)}  ${pad(m.rps.token.toFixed(0), 12, true)}  ${pad(m.rps.total.toFixed(0), 11, true)}  ${pad(m.ratio.toFixed(2), 6, true)}  ${pad(m.errors, 6, true)}  ${m.notes.join('; ')}`,
    );
  }
  out('');
  out(`errors: ${r.errors.non_2xx} non-2xx, ${r.errors.socket} socket errors, ${r.errors.other_bad_bodies} wrong answers (target 0): ${r.targets.errors ? 'met' : 'NOT MET'}; ` + `run_sql tool errors (isError) ${r.errors.tool_errors}${r.errors.tool_errors ? ` (${r.errors.tool_errors_in_fault_windows} in the throttling minute)` : ''}`);
  out(`throughput: lowest minute without a fault ${r.throughput.lowest_ratio_without_faults.toFixed(2)} of the first (target >= ${NO_DECLINE}: ${r.targets.no_decline ? 'met' : 'NOT MET'}); with the faults ${r.throughput.lowest_ratio.toFixed(2)}`);
  out('');
  out('worker            pid      RSS start   RSS end   growth   fds start  fds end');
  for (const w of r.workers) {
    out(`${pad(w.endpoint, 16)}  ${pad(w.pid, 7)}  ${pad(`${w.rss_start_kib} KiB`, 10, true)}  ${pad(w.rss_end_kib === null ? 'gone' : `${w.rss_end_kib} KiB`, 9, true)}  ${pad(w.growth_kib === null ? '-' : `${w.growth_kib >= 0 ? '+' : ''}${w.growth_kib} KiB`, 9, true)}  ${pad(w.fds_start, 9, true)}  ${pad(w.fds_end ?? '-', 7, true)}`);
  }
  out(`memory: largest growth ${r.memory.max_growth_kib} KiB (target under ${RSS_GROWTH_LIMIT_KIB} KiB): ${r.targets.memory ? 'met' : 'NOT MET'}; workers replaced during the run: ${r.workers_replaced.length}`);
  out(`descriptors: ${r.targets.fds ? 'flat' : 'NOT flat'}; Redis connections (CLIENT LIST): ${r.redis.start} at the start, ${r.redis.end} at the end, at most ${r.redis.max} (${r.targets.redis ? 'flat' : 'NOT flat'})`);
  if (r.faults.redis) {
    const f = r.faults.redis;
    out('');
    out(`fault: Redis stopped at ${f.at_s} s for ${f.down_ms} ms: the probe's /token refresh answered ${f.answers_while_down} while down; ` + `the first request after Redis was back (sent ${f.recovery_ms === null ? 'NEVER' : `${f.recovery_ms} ms`} after) was served, ` + `a new sign-in + refresh succeeded ${f.refresh_ok_ms === null ? 'NEVER' : `${f.refresh_ok_ms} ms`} after (Redis came back empty); load errors in that minute: ${f.load_errors}`);
  }
  if (r.faults.throttle) {
    const f = r.faults.throttle;
    out(`fault: DynamoDB throttled ${Math.round(f.share * 100)}% of reads from ${f.at_s} s for ${f.ms} ms: ${f.throttled_calls} calls throttled, ` + `retried by the workers; probe run_sql ${f.probe_ok}/${f.probe_total} ok during it (median ${f.probe_median_ms} ms), ` + `first ok after it ${f.recovery_ms === null ? 'NEVER' : `${f.recovery_ms} ms`}; run_sql tool errors: ${f.tool_errors}`);
  }
  out('');
  out(`all targets met: ${r.targets.all ? 'yes' : 'NO'}`);
  return lines.join('\n');
}

// ---- main ---------------------------------------------------------------------------------------

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ddbsql-soak-'));
  const creds = newDemoCredentials();
  const keyFile = writeSigningKey(path.join(work, 'keys', 'soak.pem'));
  const configExtra = `${demoOAuthConfig({
    keyFile,
    creds,
    oauth: { access_token_ttl_seconds: 900, registration_rate_limit: 1000000, login_max_attempts_per_user: 1000000, login_max_attempts_per_ip: 1000000 },
  })}
[client soak-app]
redirect_uris = ${REDIRECT}
`;
  log('starting dynalite, the fault proxy and the stack');
  const dynalite = await startDynalite();
  const proxy = await startProxy(dynalite.url);
  const maxProcs = 2;
  let stack;
  const cleanup = async () => {
    await stack?.stop();
    proxy.stop();
    await dynalite.stop();
  };
  try {
    // The executables are copied, so a rebuild during the run (make, by
    // anyone) cannot change what is measured.
    const binDir = path.join(work, 'bin');
    fs.mkdirSync(binDir);
    const built = path.join(REPO_ROOT, 'build', VARIANT, 'bin');
    for (const f of fs.readdirSync(built)) fs.copyFileSync(path.join(built, f), path.join(binDir, f));
    for (const f of fs.readdirSync(binDir)) fs.chmodSync(path.join(binDir, f), 0o755);
    stack = await startStack({ variant: VARIANT, binDir, auth: 'oauth', configExtra, dynamoEndpoint: proxy.url, maxProcs, workDir: path.join(work, 'stack'), log });
    const base = stack.baseUrl;
    const { files } = bodies(work);

    let accessToken = null;
    const newToken = async () => {
      const r = await flow.clientCredentials(base, creds.apiClient.clientId, creds.apiClient.clientSecret);
      if (r.status !== 200) throw new Error(`client_credentials: HTTP ${r.status} ${r.text}`);
      accessToken = r.json.access_token;
    };
    await newToken();
    const streams = () => [
      ['list', wrkArgs(stack.mcpUrl, C_LIST, { SOAK_BODIES: files.list, SOAK_AUTH: `Bearer ${accessToken}`, SOAK_EXPECT: '"tools"', SOAK_REJECT: '"error"' })],
      ['sql', wrkArgs(stack.mcpUrl, C_SQL, { SOAK_BODIES: files.sql, SOAK_AUTH: `Bearer ${accessToken}`, SOAK_EXPECT: '"structuredContent"', SOAK_REJECT: '"isError":true' })],
      ['token', wrkArgs(`${base}/token`, C_TOKEN, { SOAK_BODIES: files.token, SOAK_FORM: '1', SOAK_AUTH: flow.basicAuth(creds.apiClient.clientId, creds.apiClient.clientSecret), SOAK_EXPECT: '"access_token"' })],
    ];
    function wrkArgs(url, connections, env) {
      return { url, connections, env };
    }
    const round = async (seconds) => {
      await newToken();
      const res = await Promise.all(streams().map(([name, a]) => wrk({ ...a, seconds }).then((x) => [name, x])));
      return Object.fromEntries(res);
    };

    // Warm-up: every worker of every endpoint does its work once (two
    // requests at a time reach both workers of a pool), so first-use
    // allocations (scrypt's 16 MiB, a Redis connection) are not counted as
    // growth; then the load itself for a while.
    log('warm-up: every endpoint, both workers');
    const signIn = { clientId: 'soak-app', redirectUri: REDIRECT, user: creds.user.name, password: creds.user.password, resource: stack.mcpUrl };
    for (let i = 0; i < 3; i++) {
      await Promise.all(
        [0, 1].map(async () => {
          const t = await flow.signInTokens(base, signIn);
          await flow.refresh(base, 'soak-app', t.refresh_token);
          await flow.register(base, REDIRECT, 'soak-warm-up');
          await fetch(`${base}/revoke`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `client_id=soak-app&token=${t.refresh_token}` }).then((r) => r.arrayBuffer());
        }),
      );
    }
    if (WARMUP > 0) {
      log(`warm-up: ${WARMUP} s of load`);
      const warmEvents = [];
      const warmProbe = startProbe(base, stack.mcpUrl, creds, () => accessToken, warmEvents);
      await round(WARMUP);
      await warmProbe.stop();
    }
    const startWorkers = snapshotWorkers(stack);
    const redisStart = await redisCount(stack);
    let redisMax = redisStart;
    const samples = [];
    const events = [];
    const t0 = Date.now();
    const probe = startProbe(base, stack.mcpUrl, creds, () => accessToken, events);
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await sleep(5000);
        const n = await redisCount(stack);
        if (n !== null) redisMax = Math.max(redisMax, n);
        samples.push({ t: Date.now() - t0, redis: n, workers: snapshotWorkers(stack) });
      }
    })();

    // The faults, at set times of the run.
    const faults = {};
    const faultTasks = [];
    if (FAULTS) {
      const redisAt = Math.round(SECONDS * 0.4 * 1000);
      const throttleAt = Math.round(SECONDS * 0.65 * 1000);
      const throttleMs = Math.min(THROTTLE_MS, Math.round(SECONDS * 1000 * 0.15));
      faultTasks.push(
        (async () => {
          await sleep(redisAt);
          log(`fault: stopping Redis for ${REDIS_DOWN_MS} ms`);
          await stack.stopRedis();
          const down = Date.now(); // stopped: nothing answers from here on
          await sleep(REDIS_DOWN_MS);
          await stack.startRedis();
          faults.redis = { at_ms: down - t0, down_ms: Date.now() - down, back: Date.now() };
          log('fault: Redis is back');
        })(),
        (async () => {
          await sleep(throttleAt);
          log(`fault: DynamoDB throttles half of the reads for ${throttleMs} ms`);
          const before = await proxy.stats();
          const start = Date.now();
          await proxy.setRules([{ fault: 'throttle', ops: ['Query', 'GetItem', 'BatchGetItem', 'Scan'], p: 0.5, forMs: throttleMs }]);
          await sleep(throttleMs);
          await proxy.clear();
          const after = await proxy.stats();
          faults.throttle = {
            at_ms: start - t0,
            ms: Date.now() - start,
            end: Date.now(),
            start,
            throttled: Object.entries(after.faultsByOp)
              .filter(([k]) => k.startsWith('throttle '))
              .reduce((n, [k, v]) => n + v - (before.faultsByOp[k] || 0), 0),
          };
          log('fault: throttling over');
        })(),
      );
    }

    const minutes = [];
    const rounds = Math.ceil(SECONDS / 60);
    for (let i = 0; i < rounds; i++) {
      const secs = Math.min(60, SECONDS - i * 60);
      const from = Date.now();
      const res = await round(secs);
      minutes.push({ minute: i + 1, seconds: secs, from: from - t0, to: Date.now() - t0, res });
      const total = Object.values(res).reduce((n, x) => n + (x.requests || 0), 0);
      log(`minute ${i + 1}: ${total} requests, ${(total / secs).toFixed(0)} req/s`);
    }
    await Promise.all(faultTasks);
    await probe.stop();
    sampling = false;
    await sampler;
    const endWorkers = snapshotWorkers(stack);
    const redisEnd = await redisCount(stack);

    // ---- figures ----
    const errs = (x) => (x.failed ? 1 : x.errors.connect + x.errors.read + x.errors.write + x.errors.timeout);
    const inWindow = (m, f) => f && m.from < f.to && f.from < m.to;
    const redisWin = faults.redis && { from: faults.redis.at_ms, to: faults.redis.at_ms + faults.redis.down_ms + 2000 };
    const throttleWin = faults.throttle && { from: faults.throttle.at_ms, to: faults.throttle.at_ms + faults.throttle.ms };
    const mins = minutes.map((m) => {
      const rps = Object.fromEntries(Object.entries(m.res).map(([k, x]) => [k, (x.requests || 0) / m.seconds]));
      rps.total = rps.list + rps.sql + rps.token;
      const non2xx = Object.values(m.res).reduce((n, x) => n + (x.non_2xx || 0), 0);
      const socket = Object.values(m.res).reduce((n, x) => n + errs(x), 0);
      const badBody = Object.values(m.res).reduce((n, x) => n + (x.bad_body || 0), 0);
      const notes = [];
      if (inWindow(m, redisWin)) notes.push('Redis restarted');
      if (inWindow(m, throttleWin)) notes.push('DynamoDB throttling');
      if (m.seconds < 60) notes.push(`${m.seconds} s`);
      for (const [k, x] of Object.entries(m.res)) if (x.first_bad) notes.push(`${k}: ${x.first_bad.slice(0, 120)}`);
      return { minute: m.minute, seconds: m.seconds, rps, non_2xx: non2xx, socket_errors: socket, bad_body: badBody, errors: non2xx + socket, fault: notes.some((n) => /Redis|throttling/.test(n)), notes, wrk: m.res };
    });
    const first = mins[0].rps.total;
    for (const m of mins) m.ratio = m.rps.total / first;
    const full = mins.filter((m) => m.seconds >= 30);
    const lowest = Math.min(...full.map((m) => m.ratio));
    const lowestClean = Math.min(...full.filter((m) => !m.fault).map((m) => m.ratio));

    const workers = startWorkers.map((w) => {
      const e = endWorkers.find((x) => x.pid === w.pid);
      return { endpoint: w.endpoint, pid: w.pid, rss_start_kib: w.rssKiB, rss_end_kib: e ? e.rssKiB : null, growth_kib: e ? e.rssKiB - w.rssKiB : null, fds_start: w.fds, fds_end: e ? e.fds : null };
    });
    const replaced = endWorkers.filter((e) => !startWorkers.some((w) => w.pid === e.pid)).map((e) => e);
    const maxGrowth = Math.max(...workers.filter((w) => w.growth_kib !== null).map((w) => w.growth_kib));

    const probeIn = (kind, from, to) => events.filter((e) => e.kind === kind && e.t >= from && e.t <= to);
    const toolErrors = mins.reduce((n, m) => n + (m.wrk.sql?.bad_body || 0), 0);
    const report_ = {
      when: new Date(t0).toISOString(),
      host: { cpus: os.cpus().length, loadavg: os.loadavg() },
      variant: VARIANT,
      seconds: SECONDS,
      warmup: WARMUP,
      max_procs: maxProcs,
      connections: { list: C_LIST, sql: C_SQL, token: C_TOKEN },
      queries: fs.readFileSync(files.sql, 'utf8').split('\n').filter(Boolean).length,
      minutes: mins,
      errors: {
        non_2xx: mins.reduce((n, m) => n + m.non_2xx, 0),
        socket: mins.reduce((n, m) => n + m.socket_errors, 0),
        tool_errors: toolErrors,
        tool_errors_in_fault_windows: mins.filter((m) => m.notes.includes('DynamoDB throttling')).reduce((n, m) => n + (m.wrk.sql?.bad_body || 0), 0),
        other_bad_bodies: mins.reduce((n, m) => n + (m.wrk.list?.bad_body || 0) + (m.wrk.token?.bad_body || 0), 0),
      },
      throughput: { first_minute_rps: first, lowest_ratio: lowest, lowest_ratio_without_faults: Number.isFinite(lowestClean) ? lowestClean : lowest },
      workers,
      workers_replaced: replaced,
      memory: { max_growth_kib: maxGrowth },
      redis: { start: redisStart, end: redisEnd, max: redisMax },
      samples,
      faults: {},
      probe: events,
    };
    if (faults.redis) {
      const f = faults.redis;
      const down = probeIn('refresh', t0 + f.at_ms, f.back);
      const firstRefreshOk = events.find((e) => e.kind === 'refresh' && e.ok && e.t > f.back);
      const firstAnswer = events.find((e) => ['refresh', 'sign-in', 'register', 'revoke'].includes(e.kind) && e.t > f.back && Number(e.status) !== 503 && Number(e.status) > 0);
      report_.faults.redis = {
        at_s: Math.round(f.at_ms / 1000),
        down_ms: f.down_ms,
        answers_while_down: Object.entries(down.reduce((a, e) => ({ ...a, [e.status]: (a[e.status] || 0) + 1 }), {})).map(([s, n]) => `${n}x ${s}`).join(', ') || 'none',
        recovery_ms: firstAnswer ? Math.max(0, firstAnswer.t - firstAnswer.ms - f.back) : null,
        refresh_ok_ms: firstRefreshOk ? firstRefreshOk.t - f.back : null,
        load_errors: mins.filter((m) => m.notes.includes('Redis restarted')).reduce((n, m) => n + m.errors, 0),
      };
    }
    if (faults.throttle) {
      const f = faults.throttle;
      const during = probeIn('run_sql', f.start, f.end);
      const ms = during.map((e) => e.ms).sort((a, b) => a - b);
      const firstOk = events.find((e) => e.kind === 'run_sql' && e.ok && e.t > f.end);
      report_.faults.throttle = {
        at_s: Math.round(f.at_ms / 1000),
        ms: f.ms,
        share: 0.5,
        throttled_calls: f.throttled,
        probe_total: during.length,
        probe_ok: during.filter((e) => e.ok).length,
        probe_median_ms: ms.length ? ms[Math.floor(ms.length / 2)] : null,
        recovery_ms: firstOk ? Math.max(0, firstOk.t - firstOk.ms - f.end) : null,
        tool_errors: report_.errors.tool_errors_in_fault_windows,
      };
    }
    const fdsFlat = workers.every((w) => w.fds_end === null || w.fds_end <= w.fds_start);
    report_.targets = {
      errors:
        report_.errors.non_2xx === 0 &&
        report_.errors.socket === 0 &&
        report_.errors.other_bad_bodies === 0 &&
        report_.errors.tool_errors === report_.errors.tool_errors_in_fault_windows,
      // Minutes with a fault are reported, not judged: throttling slows reads on purpose.
      no_decline: report_.throughput.lowest_ratio_without_faults >= NO_DECLINE,
      memory: maxGrowth < RSS_GROWTH_LIMIT_KIB && replaced.length === 0,
      fds: fdsFlat,
      redis: redisEnd !== null && redisMax <= redisStart,
    };
    report_.targets.all = Object.values(report_.targets).every(Boolean);
    const text = report(report_);
    console.log(text);
    const dir = path.join(HERE, 'results');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${new Date(t0).toISOString().replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, `${JSON.stringify(report_, null, 1)}\n`);
    console.log(`\nsaved ${path.relative(REPO_ROOT, file)}`);
    await cleanup();
    fs.rmSync(work, { recursive: true, force: true });
    process.exit(report_.targets.all ? 0 : 1);
  } catch (e) {
    console.error(`soak: ${e.stack || e.message}`);
    await cleanup();
    process.exit(2);
  }
}

main();

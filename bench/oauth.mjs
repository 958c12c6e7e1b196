#!/usr/bin/env node
// `make bench-oauth` (through bench/run.sh): the authorization server and
// the bearer check, measured side by side with wrk in one run (issue 4 §9):
//
//   /token      client_credentials for a confidential client (HTTP Basic),
//               answering an ES256 JWT access token (RFC 9068):
//                 ddbsql         ddbsql-token behind lighttpd (FastCGI)
//                 oidc-provider  node oidc-provider, configured for the same
//                                grant and the same token (bench/peer/
//                                oidc-provider-server.mjs)
//   tools/list  on /mcp:
//                 unauthenticated  a stack with auth = none
//                 bearer (cached)  auth = oauth, one token over and over (as a
//                                  client sends it for its 10 minutes): the
//                                  worker's verified-token cache answers
//                 bearer (fresh)   auth = oauth, a different token each
//                                  request (TOKENS of them, more than the
//                                  workers' caches hold): a full ES256
//                                  signature check every time
//
// The oauth stack's config is made with ddbsql-admin (a signing key and the
// API client, whose secret it prints once). See bench/README.md.
//
// Environment (all optional):
//   DURATION=5     seconds measured per case and round (also "10s", "1m")
//   WARMUP=2       seconds of warm-up per case, not counted
//   CONNECTIONS=4  wrk connections
//   THREADS=2      wrk threads (at most CONNECTIONS)
//   WORKERS=2      FastCGI workers per endpoint (lighttpd max-procs)
//   PEER_PROCS=1   oidc-provider processes (node:cluster)
//   TOKENS=4096    distinct tokens for "bearer (fresh)"
//   ROUNDS=5       every case is measured this many times, all cases in turn
//                  in each round. A ratio is computed per round from the
//                  cases measured seconds apart, and the median over the
//                  rounds is reported (a shared machine's load drifts; pairs
//                  measured close together see the same load)
//   LOG_LEVEL=info ddbsql's log_level (info: one access line per request)
//
// Not a test: no timing is asserted. It exits non-zero only when something
// could not be measured or a measured response was wrong.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_ACCESS_KEY_ID, DEMO_REGION, DEMO_SECRET_ACCESS_KEY, freePort, startStack } from '../deploy/local/stack.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..');
const WRK_SCRIPT = path.join(HERE, 'wrk.lua');
const PEER_SCRIPT = path.join(HERE, 'peer/oidc-provider-server.mjs');
const ADMIN = path.join(REPO_ROOT, 'build/release/bin/ddbsql-admin');
const RESULTS_DIR = path.join(HERE, 'results');
const PROTOCOL_VERSION = '2025-11-25';
const SCOPE = 'query schemas:read';
const TOKEN_BODY = `grant_type=client_credentials&scope=${encodeURIComponent(SCOPE)}`;
const TARGET_TOKEN_RATIO = 3;
const TARGET_AUTH_SHARE = 0.8;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const say = (s = '') => process.stdout.write(`${s}\n`);

// ---- settings ------------------------------------------------------------------

function seconds(name, dflt, min) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const m = /^(\d+)\s*(s|m)?$/.exec(raw.trim());
  if (!m) throw new Error(`${name}=${raw}: expected a whole number of seconds, e.g. 10, 10s or 1m`);
  const v = Number(m[1]) * (m[2] === 'm' ? 60 : 1);
  if (v < min) throw new Error(`${name}=${raw}: must be at least ${min} s`);
  return v;
}

function count(name, dflt, min, max) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  if (!/^\d+$/.test(raw.trim())) throw new Error(`${name}=${raw}: expected a whole number`);
  const v = Number(raw);
  if (v < min || v > max) throw new Error(`${name}=${raw}: must be between ${min} and ${max}`);
  return v;
}

function settings() {
  const connections = count('CONNECTIONS', 4, 1, 10000);
  const workers = count('WORKERS', 2, 1, 64);
  const logLevel = process.env.LOG_LEVEL || 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) {
    throw new Error(`LOG_LEVEL=${logLevel}: expected debug, info, warn or error`);
  }
  return {
    duration: seconds('DURATION', 5, 1),
    warmup: seconds('WARMUP', 2, 0),
    connections,
    threads: Math.min(count('THREADS', 2, 1, 256), connections),
    workers,
    peerProcs: count('PEER_PROCS', 1, 1, 64),
    tokens: count('TOKENS', 4096, 1, 100000),
    rounds: count('ROUNDS', 5, 1, 50),
    logLevel,
  };
}

// ---- processes ---------------------------------------------------------------------

const children = new Set();
let workDirToRemove = null;
process.on('exit', () => {
  if (workDirToRemove) fs.rmSync(workDirToRemove, { recursive: true, force: true });
  for (const c of children) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

function procStatus(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+) kB/m.exec(text);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

// Resident memory (KiB) of the processes whose executable is named name
// (the FastCGI workers of a lighttpd), or of a process and its children.
function rssOf(pred) {
  let total = 0;
  let n = 0;
  for (const ent of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${ent}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = fs.readFileSync(`/proc/${ent}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (f[0] === 'Z' || !pred({ pid: Number(ent), ppid: Number(f[1]), cmd })) continue;
      const kb = procStatus(Number(ent));
      if (kb != null) {
        total += kb;
        n++;
      }
    } catch {
      /* exited meanwhile */
    }
  }
  return { kib: total, processes: n };
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

// CPU time (microseconds, user + system) used so far by the processes pred
// accepts ({pid, ppid, pgrp, cmd}).
function cpuUs(pred) {
  let ticks = 0;
  for (const ent of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${ent}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = fs.readFileSync(`/proc/${ent}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (!pred({ pid: Number(ent), ppid: Number(f[1]), pgrp: Number(f[2]), cmd })) continue;
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      /* exited meanwhile */
    }
  }
  return (ticks / CLK_TCK) * 1e6;
}

// A stack's server side: its lighttpd's process group (lighttpd and its
// FastCGI workers) and its redis-server.
function stackProcs(stack) {
  const web = allPids().find((p) => path.basename(p.cmd[0] || '') === 'lighttpd' && p.cmd.includes(stack.lighttpdConfPath));
  if (!web) throw new Error(`the lighttpd of ${stack.baseUrl} was not found`);
  const pgrp = Number(fs.readFileSync(`/proc/${web.pid}/stat`, 'utf8').split(') ')[1].split(' ')[2]);
  const redisPort = String(stack.redisPort);
  return (p) =>
    p.pgrp === pgrp ||
    (path.basename(p.cmd[0] || '').startsWith('redis-server') && p.cmd.includes('--port') && p.cmd[p.cmd.indexOf('--port') + 1] === redisPort);
}

function allPids() {
  const out = [];
  for (const ent of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${ent}/cmdline`, 'utf8').split('\0').filter(Boolean);
      out.push({ pid: Number(ent), cmd });
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

function runCapture(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const entry = { pid: p.pid };
    children.add(entry);
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code, signal) => {
      children.delete(entry);
      resolve({ code, signal, out, err });
    });
  });
}

function admin(conf, ...args) {
  const r = spawnSync(ADMIN, ['--config', conf, ...args], { encoding: 'utf8', timeout: 30000 });
  if (r.status !== 0) throw new Error(`ddbsql-admin ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

async function startPeer(workDir, spec) {
  const specPath = path.join(workDir, 'oidc-peer-spec.json');
  fs.writeFileSync(specPath, JSON.stringify(spec), { mode: 0o600 });
  const port = await freePort();
  const logPath = path.join(workDir, 'oidc-peer.log');
  const fd = fs.openSync(logPath, 'a');
  const p = spawn(process.execPath, [PEER_SCRIPT, String(port), specPath], {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  fs.closeSync(fd);
  const entry = { pid: p.pid };
  children.add(entry);
  const deadline = Date.now() + 20000;
  while (!fs.readFileSync(logPath, 'utf8').includes(`listening on ${port}`)) {
    if (p.exitCode !== null || Date.now() > deadline) {
      throw new Error(`oidc-provider did not start; its log ${logPath}:\n${fs.readFileSync(logPath, 'utf8')}`);
    }
    await sleep(50);
  }
  return {
    pid: p.pid,
    url: `http://127.0.0.1:${port}/token`,
    logPath,
    stop: async () => {
      try {
        process.kill(-p.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      await sleep(200);
      try {
        process.kill(-p.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      children.delete(entry);
    },
  };
}

// ---- HTTP -----------------------------------------------------------------------------

function basic(id, secret) {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

async function getToken(who, url, auth) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: auth },
    body: TOKEN_BODY,
    signal: AbortSignal.timeout(10000),
  });
  const text = await res.text();
  let doc = null;
  try {
    doc = JSON.parse(text);
  } catch {
    /* below */
  }
  if (res.status !== 200 || !doc?.access_token) throw new Error(`${who}: ${url} answered HTTP ${res.status}: ${text.slice(0, 400)}`);
  return { raw: text, doc };
}

function decodeJwt(t) {
  const [h, p] = t.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url')), claims: JSON.parse(Buffer.from(p, 'base64url')) };
}

async function toolsList(who, url, token) {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'MCP-Protocol-Version': PROTOCOL_VERSION };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }),
    signal: AbortSignal.timeout(10000),
  });
  const text = await res.text();
  if (res.status !== 200 || !text.includes('"result"')) throw new Error(`${who}: tools/list answered HTTP ${res.status}: ${text.slice(0, 400)}`);
  return text;
}

// ---- wrk -------------------------------------------------------------------------------

async function wrk(cfg, url, env, durationS) {
  const args = ['-t', String(cfg.threads), '-c', String(cfg.connections), '-d', `${durationS}s`, '-s', WRK_SCRIPT, url];
  const r = await runCapture('wrk', args, env);
  const line = r.out.split('\n').find((l) => l.startsWith('BENCHJSON '));
  if (r.code !== 0 || !line) throw new Error(`wrk ${args.join(' ')} failed (${r.signal || `exit ${r.code}`}):\n${r.out}${r.err}`);
  const j = JSON.parse(line.slice('BENCHJSON '.length));
  const e = j.errors;
  j.socket_errors = e.connect + e.read + e.write + e.timeout;
  j.bad = j.non_2xx + j.bad_body + j.socket_errors;
  j.rps = j.requests / (j.duration_us / 1e6);
  return j;
}

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => r.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ')).join('\n');
}

// ---- main --------------------------------------------------------------------------------

async function main() {
  const cfg = settings();
  if (!fs.existsSync(ADMIN)) throw new Error(`${ADMIN} not found: build it first (make)`);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddbsql-bench-oauth-'));
  workDirToRemove = workDir;
  const started = new Date();
  let oauthStack = null;
  let plainStack = null;
  let peer = null;
  try {
    say(`ddbsql bench-oauth: ${cfg.workers} FastCGI worker(s) per endpoint, oidc-provider ${cfg.peerProcs} process(es); ` +
      `wrk ${cfg.threads} thread(s), ${cfg.connections} connection(s); ${cfg.duration} s per case after ${cfg.warmup} s of warm-up, ` +
      `${cfg.rounds} round(s); log_level ${cfg.logLevel}`);
    const load0 = os.loadavg();
    const ncpu = os.cpus().length;
    say(`load average at start: ${load0.map((x) => x.toFixed(2)).join(' ')} on ${ncpu} CPU(s)` +
      (load0[0] > 0.5 * ncpu ? '  (busy machine: expect noisy numbers)' : ''));

    // The oauth stack: a config made with ddbsql-admin.
    const port = await freePort();
    const conf = path.join(workDir, 'ddbsql.conf');
    fs.writeFileSync(conf, `# bench/oauth.mjs: auth = oauth; the key and the client come from ddbsql-admin
public_url = http://127.0.0.1:${port}
auth = oauth
log_level = ${cfg.logLevel}

[redis]
host = 127.0.0.1
port = ${await freePort()}

[schema demo]
region = ${DEMO_REGION}
endpoint = http://127.0.0.1:${await freePort()}
credentials = static
access_key_id = ${DEMO_ACCESS_KEY_ID}
secret_access_key = ${DEMO_SECRET_ACCESS_KEY}
`, { mode: 0o600 });
    admin(conf, 'key', 'generate', '--kid', 'bench-1', '--dir', path.join(workDir, 'keys'));
    const created = admin(conf, 'client', 'create', 'bench-api', '--scopes', SCOPE);
    const secret = /^client_secret: (\S+)$/m.exec(created)?.[1];
    if (!secret) throw new Error(`no client_secret in ddbsql-admin's output:\n${created}`);
    const auth = basic('bench-api', secret);
    oauthStack = await startStack({
      variant: 'release',
      config: conf,
      port,
      maxProcs: cfg.workers,
      workDir: path.join(workDir, 'stack-oauth'),
      log: (m) => say(`[stack oauth] ${m}`),
    });
    // The same stack with auth = none, on the same DynamoDB (tools/list reads none).
    plainStack = await startStack({
      variant: 'release',
      maxProcs: cfg.workers,
      logLevel: cfg.logLevel,
      dynamoEndpoint: oauthStack.dynamoEndpoint,
      loadDemo: false,
      workDir: path.join(workDir, 'stack-none'),
      log: (m) => say(`[stack none] ${m}`),
    });

    peer = await startPeer(workDir, {
      issuer: `http://127.0.0.1:${port}`,
      resource: oauthStack.mcpUrl,
      clientId: 'bench-api',
      clientSecret: secret,
      procs: cfg.peerProcs,
    });

    // What each token endpoint answers, checked before measuring.
    const ourTok = await getToken('ddbsql', `${oauthStack.baseUrl}/token`, auth);
    const peerTok = await getToken('oidc-provider', peer.url, auth);
    const tokens = {};
    for (const [who, t] of [['ddbsql', ourTok], ['oidc-provider', peerTok]]) {
      const { header, claims } = decodeJwt(t.doc.access_token);
      if (header.alg !== 'ES256' || header.typ !== 'at+jwt' || claims.aud !== oauthStack.mcpUrl || claims.scope !== SCOPE) {
        throw new Error(`${who}'s token is not an ES256 at+jwt for ${oauthStack.mcpUrl} with scope "${SCOPE}": ${JSON.stringify({ header, claims })}`);
      }
      tokens[who] = {
        response_bytes: t.raw.length,
        token_bytes: t.doc.access_token.length,
        header,
        claims: Object.keys(claims).sort(),
        expires_in: t.doc.expires_in,
      };
    }
    say(`[bench] tokens: ddbsql ${tokens.ddbsql.token_bytes} B (response ${tokens.ddbsql.response_bytes} B), ` +
      `oidc-provider ${tokens['oidc-provider'].token_bytes} B (response ${tokens['oidc-provider'].response_bytes} B); ` +
      `both ES256 at+jwt, claims ${tokens.ddbsql.claims.join(',')} / ${tokens['oidc-provider'].claims.join(',')}`);

    // tools/list: the same answer with and without a bearer.
    const plainBody = await toolsList('auth = none', plainStack.mcpUrl, null);
    const authBody = await toolsList('auth = oauth', oauthStack.mcpUrl, ourTok.doc.access_token);
    if (plainBody !== authBody) say('[bench] WARNING: tools/list differs between auth = none and the bearer with both scopes');
    // Fresh tokens for the uncached case.
    say(`[bench] fetching ${cfg.tokens} access tokens for the "fresh token" case ...`);
    const fresh = [];
    const batch = 32;
    for (let i = 0; i < cfg.tokens; i += batch) {
      const got = await Promise.all(
        Array.from({ length: Math.min(batch, cfg.tokens - i) }, () => getToken('ddbsql', `${oauthStack.baseUrl}/token`, auth)),
      );
      for (const g of got) fresh.push(g.doc.access_token);
    }
    const tokenFile = path.join(workDir, 'tokens.txt');
    fs.writeFileSync(tokenFile, `${fresh.join('\n')}\n`, { mode: 0o600 });

    const tokenBodyFile = path.join(workDir, 'token-body.txt');
    fs.writeFileSync(tokenBodyFile, TOKEN_BODY);
    const listBodyFile = path.join(workDir, 'tools-list.json');
    fs.writeFileSync(listBodyFile, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }));
    const tokenEnv = { BENCH_METHOD: 'POST', BENCH_BODY: tokenBodyFile, BENCH_FORM: '1', BENCH_AUTH: auth, BENCH_EXPECT: '"access_token"' };
    const listEnv = { BENCH_METHOD: 'POST', BENCH_BODY: listBodyFile, BENCH_EXPECT: '"run_sql"' };
    const oauthProcs = stackProcs(oauthStack);
    const plainProcs = stackProcs(plainStack);
    const peerProcs = (p) => p.pgrp === peer.pid;
    const cases = [
      { group: '/token', target: 'ddbsql', name: 'ddbsql (lighttpd+FastCGI)', url: `${oauthStack.baseUrl}/token`, env: tokenEnv, procs: oauthProcs },
      { group: '/token', target: 'oidc-provider', name: `oidc-provider (${cfg.peerProcs} proc)`, url: peer.url, env: tokenEnv, procs: peerProcs },
      { group: 'tools/list', target: 'none', name: 'unauthenticated (auth = none)', url: plainStack.mcpUrl, env: listEnv, procs: plainProcs },
      {
        group: 'tools/list',
        target: 'cached',
        name: 'bearer, same token (cached)',
        url: oauthStack.mcpUrl,
        env: { ...listEnv, BENCH_AUTH: `Bearer ${ourTok.doc.access_token}` },
        procs: oauthProcs,
      },
      // wrk builds this request anew each time (a Lua request() picking the
      // next token), which costs wrk some CPU on a shared machine; the
      // unauthenticated reference of this case pays the same (auth = none
      // ignores the header).
      {
        group: 'tools/list',
        target: 'none-rotating',
        name: 'unauthenticated, same wrk path as below',
        url: plainStack.mcpUrl,
        env: { ...listEnv, BENCH_TOKENS: tokenFile },
        procs: plainProcs,
      },
      {
        group: 'tools/list',
        target: 'fresh',
        name: `bearer, ${cfg.tokens} tokens (verified)`,
        url: oauthStack.mcpUrl,
        env: { ...listEnv, BENCH_TOKENS: tokenFile },
        procs: oauthProcs,
      },
    ];
    for (let round = 1; round <= cfg.rounds; round++) {
      for (const c of cases) {
        process.stdout.write(`[bench] round ${round}: ${c.group} ${c.name}: warm-up ${cfg.warmup} s, measuring ${cfg.duration} s ... `);
        if (cfg.warmup > 0) await wrk(cfg, c.url, c.env, cfg.warmup);
        const cpu0 = cpuUs(c.procs);
        const r = await wrk(cfg, c.url, c.env, cfg.duration);
        r.server_cpu_us_per_request = (cpuUs(c.procs) - cpu0) / Math.max(1, r.requests);
        (c.rounds ||= []).push(r);
        c.bad = (c.bad || 0) + r.bad;
        say(`${r.rps.toFixed(0)} req/s${r.bad ? `, ${r.bad} BAD responses (${r.first_bad})` : ''}`);
      }
    }

    // Per case: the median round (by req/s). Per ratio: the median of the
    // ratios of each round.
    const median = (xs) => {
      const v = [...xs].sort((a, b) => a - b);
      return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    };
    for (const c of cases) {
      const sorted = [...c.rounds].sort((a, b) => a.rps - b.rps);
      c.result = sorted[Math.floor((sorted.length - 1) / 2)];
      c.rpsMin = sorted[0].rps;
      c.rpsMax = sorted[sorted.length - 1].rps;
      c.cpuUs = median(c.rounds.map((r) => r.server_cpu_us_per_request));
    }
    const byRound = (t) => cases.find((c) => c.target === t).rounds.map((r) => r.rps);
    const perRound = (a, b) => byRound(a).map((v, i) => v / byRound(b)[i]);
    const rounds = {
      token_ddbsql_vs_oidc_provider: perRound('ddbsql', 'oidc-provider'),
      tools_list_cached_vs_unauthenticated: perRound('cached', 'none'),
      tools_list_fresh_vs_unauthenticated: perRound('fresh', 'none-rotating'),
    };
    const ratios = Object.fromEntries(Object.entries(rounds).map(([k, v]) => [k, median(v)]));
    // The same ratios from the servers' CPU per request (what throughput
    // would be if the servers had the machine to themselves and were CPU
    // bound): much steadier than req/s on a shared machine.
    const cpu = (t) => cases.find((c) => c.target === t).cpuUs;
    const cpuRatios = {
      token_ddbsql_vs_oidc_provider: cpu('oidc-provider') / cpu('ddbsql'),
      tools_list_cached_vs_unauthenticated: cpu('none') / cpu('cached'),
      tools_list_fresh_vs_unauthenticated: cpu('none-rotating') / cpu('fresh'),
    };
    // The oauth stack's ddbsql-token workers (the /token and /revoke endpoints).
    const web = allPids().find((p) => path.basename(p.cmd[0] || '') === 'lighttpd' && p.cmd.includes(oauthStack.lighttpdConfPath));
    const memory = {
      ddbsql_token_workers: rssOf((p) => p.ppid === web?.pid && path.basename(p.cmd[0] || '') === 'ddbsql-token'),
      oidc_provider: rssOf((p) => p.pid === peer.pid || p.ppid === peer.pid),
    };

    const ms = (us) => (us / 1000).toFixed(2);
    const rows = [['case', 'server', 'req/s', 'min-max', 'p50 ms', 'p99 ms', 'server CPU us/req', 'bad']];
    for (const c of cases) {
      rows.push([c.group, c.name, c.result.rps.toFixed(0), `${c.rpsMin.toFixed(0)}-${c.rpsMax.toFixed(0)}`,
        ms(c.result.latency_us.p50), ms(c.result.latency_us.p99), c.cpuUs.toFixed(0), c.bad]);
    }
    say('');
    say(table(rows));
    say('');
    const x = (v) => `${v.toFixed(2)}x`;
    const pct = (v) => `${(v * 100).toFixed(0)}%`;
    const met = (ok) => (ok ? 'met' : 'NOT met');
    const spread = (k, f) => `(rounds: ${rounds[k].map(f).join(' ')})`;
    say('req/s: the median round; min-max over the rounds; server CPU: user+system time of the server processes ' +
      '(lighttpd, its workers and the stack\'s redis; the node process) per request, median round.');
    say('Ratios: throughput = the median of the per-round req/s ratios; CPU = the inverse ratio of CPU per request.');
    say(`/token: ddbsql ${x(ratios.token_ddbsql_vs_oidc_provider)} oidc-provider's throughput ` +
      `(target >= ${TARGET_TOKEN_RATIO}x: ${met(ratios.token_ddbsql_vs_oidc_provider >= TARGET_TOKEN_RATIO)}) ` +
      spread('token_ddbsql_vs_oidc_provider', x));
    say(`        by CPU per request: ${x(cpuRatios.token_ddbsql_vs_oidc_provider)} ` +
      `(${met(cpuRatios.token_ddbsql_vs_oidc_provider >= TARGET_TOKEN_RATIO)})`);
    say(`tools/list with a bearer, same token: ${pct(ratios.tools_list_cached_vs_unauthenticated)} of unauthenticated ` +
      `(target >= ${pct(TARGET_AUTH_SHARE)}: ${met(ratios.tools_list_cached_vs_unauthenticated >= TARGET_AUTH_SHARE)}) ` +
      spread('tools_list_cached_vs_unauthenticated', pct));
    say(`        by CPU per request: ${pct(cpuRatios.tools_list_cached_vs_unauthenticated)} ` +
      `(${met(cpuRatios.tools_list_cached_vs_unauthenticated >= TARGET_AUTH_SHARE)})`);
    say(`tools/list with a bearer, a new token every request (full ES256 check): ${pct(ratios.tools_list_fresh_vs_unauthenticated)} ` +
      `of unauthenticated (${met(ratios.tools_list_fresh_vs_unauthenticated >= TARGET_AUTH_SHARE)}) ` +
      spread('tools_list_fresh_vs_unauthenticated', pct));
    say(`        by CPU per request: ${pct(cpuRatios.tools_list_fresh_vs_unauthenticated)} ` +
      `(${met(cpuRatios.tools_list_fresh_vs_unauthenticated >= TARGET_AUTH_SHARE)})`);
    const mib = (m) => `${(m.kib / 1024).toFixed(1)} MiB in ${m.processes} process(es)`;
    say(`memory after the load: ddbsql-token (/token and /revoke workers) ${mib(memory.ddbsql_token_workers)}; ` +
      `oidc-provider ${mib(memory.oidc_provider)}`);

    const bad = cases.filter((c) => c.bad);
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const out = path.join(RESULTS_DIR, `oauth-${started.toISOString().replace(/[:.]/g, '-')}.json`);
    const gitCommit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout.trim();
    const oidcVersion = JSON.parse(fs.readFileSync(path.join(HERE, 'node_modules/oidc-provider/package.json'), 'utf8')).version;
    fs.writeFileSync(out, `${JSON.stringify({
      started: started.toISOString(),
      git_commit: gitCommit,
      settings: cfg,
      load_average_start: load0,
      cpus: ncpu,
      node: process.version,
      oidc_provider: oidcVersion,
      tokens,
      cases: cases.map((c) => ({ group: c.group, target: c.target, name: c.name, url: c.url, bad: c.bad, median: c.result, rounds: c.rounds })),
      ratios,
      ratios_per_round: rounds,
      ratios_by_cpu: cpuRatios,
      server_cpu_us_per_request: Object.fromEntries(cases.map((c) => [c.target, c.cpuUs])),
      targets: {
        token_ratio: TARGET_TOKEN_RATIO,
        token_ratio_met: ratios.token_ddbsql_vs_oidc_provider >= TARGET_TOKEN_RATIO,
        authorised_share: TARGET_AUTH_SHARE,
        authorised_share_met_cached: ratios.tools_list_cached_vs_unauthenticated >= TARGET_AUTH_SHARE,
        authorised_share_met_fresh: ratios.tools_list_fresh_vs_unauthenticated >= TARGET_AUTH_SHARE,
      },
      memory,
    }, null, 2)}\n`);
    say(`results: ${path.relative(REPO_ROOT, out)}`);
    if (bad.length) {
      say(`bench-oauth: ${bad.length} case(s) had bad responses: the figures above are not valid`);
      process.exitCode = 1;
    }
  } finally {
    await peer?.stop();
    await plainStack?.stop();
    await oauthStack?.stop();
  }
}

main().catch((e) => {
  console.error(`bench-oauth: ${e.stack || e.message}`);
  process.exit(1);
});

#!/usr/bin/env node
// `make bench` (through bench/run.sh): ddbsql's /mcp behind lighttpd against
// three references, measured side by side with wrk in one run:
//   static      lighttpd serving a file holding ddbsql's exact response body
//               (the ceiling for anything behind this web server)
//   empty FCGI  bench/fcgi_empty.c behind the same lighttpd: a FastCGI
//               responder that reads the request and answers ddbsql's exact
//               bytes, doing nothing else (the cap the FastCGI hop puts on
//               any application)
//   TS SDK      the official MCP TypeScript SDK's stateless Streamable HTTP
//               server (bench/peer/ts-sdk-server.mjs) serving the same payloads
// for the JSON-RPC requests initialize and tools/list. See bench/README.md.
//
// Environment (all optional):
//   DURATION=10      seconds measured per case (also "10s", "1m")
//   WARMUP=2         seconds of warm-up per case, not counted
//   CONNECTIONS=4    wrk connections
//   THREADS=2        wrk threads (at most CONNECTIONS)
//   WORKERS=2        ddbsql-mcp FastCGI workers (lighttpd max-procs)
//   LOG_LEVEL=info   ddbsql's log_level (info logs one access line per request,
//                    as a default deployment does)
//
// This is not a test: it asserts no timing. It exits non-zero only when
// something could not be measured or a measured response was wrong (a status
// outside 2xx, an unexpected body, a socket error): a benchmark of errors is
// worthless.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startStack } from '../deploy/local/stack.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..');
const WRK_SCRIPT = path.join(HERE, 'wrk.lua');
const PEER_SCRIPT = path.join(HERE, 'peer/ts-sdk-server.mjs');
// Built by bench/run.sh from bench/fcgi_empty.c (not part of the product build).
const EMPTY_FCGI_BIN = path.join(REPO_ROOT, 'build/bench/fcgi_empty');
const RESULTS_DIR = path.join(HERE, 'results');
const PROTOCOL_VERSION = '2025-11-25';
const MCP_HEADERS = {
  'Content-Type': 'application/json',
  Accept: 'application/json, text/event-stream',
  'MCP-Protocol-Version': PROTOCOL_VERSION,
};

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
  const logLevel = process.env.LOG_LEVEL || 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) {
    throw new Error(`LOG_LEVEL=${logLevel}: expected debug, info, warn or error`);
  }
  return {
    duration: seconds('DURATION', 10, 1),
    warmup: seconds('WARMUP', 2, 0),
    connections,
    threads: Math.min(count('THREADS', 2, 1, 256), connections),
    workers: count('WORKERS', 2, 1, 64),
    logLevel,
  };
}

// ---- processes and /proc -----------------------------------------------------------

const children = new Set(); // {pid, group} to kill if we die early
let benchWorkDir = null; // removed on any exit
const benchExtraDirs = []; // likewise
process.on('exit', () => {
  for (const d of [benchWorkDir, ...benchExtraDirs]) if (d) fs.rmSync(d, { recursive: true, force: true });
  for (const c of children) {
    try {
      process.kill(c.group ? -c.pid : c.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

function procStatus(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => {
      const m = new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text);
      return m ? Number(m[1]) : null;
    };
    return { pid, name: /^Name:\s+(.*)$/m.exec(text)?.[1], rssKiB: kb('VmRSS'), peakKiB: kb('VmHWM') };
  } catch {
    return null;
  }
}

function allProcs() {
  const out = [];
  for (const ent of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${ent}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmdline = fs.readFileSync(`/proc/${ent}/cmdline`, 'utf8').split('\0').filter(Boolean);
      out.push({ pid: Number(ent), state: f[0], ppid: Number(f[1]), cmdline });
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

// A lighttpd (found by its config path), its ddbsql-mcp workers and its
// empty FastCGI app workers.
function lighttpdProcesses(lighttpdConf) {
  const procs = allProcs();
  const web = procs.find((p) => p.cmdline[0]?.endsWith('lighttpd') && p.cmdline.includes(lighttpdConf));
  if (!web) return { lighttpd: null, workers: [], emptyWorkers: [] };
  const kids = (name) =>
    procs
      .filter((p) => p.ppid === web.pid && p.state !== 'Z' && path.basename(p.cmdline[0] || '') === name)
      .map((p) => procStatus(p.pid))
      .filter(Boolean);
  return { lighttpd: procStatus(web.pid), workers: kids('ddbsql-mcp'), emptyWorkers: kids(path.basename(EMPTY_FCGI_BIN)) };
}

function runCapture(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const entry = { pid: p.pid, group: false };
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

function versionOf(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout || ''}${r.stderr || ''}`.split('\n').find((l) => l.trim()) || null;
}

// What the stack's error log (lighttpd and the workers' stderr) says beyond
// the access lines: worker starts (more than WORKERS means a worker died and
// was restarted under load) and anything logged at warn or error.
function errorLogNotes(text, workers) {
  const started = new Set();
  const lines = [];
  let more = 0;
  for (const line of text.split('\n')) {
    if (!line || line.includes(' info: access ')) continue;
    const s = /ddbsql-mcp\[(\d+)\] info: ddbsql-mcp \S+ serving /.exec(line);
    if (s) {
      started.add(s[1]);
      continue;
    }
    if (/ddbsql-mcp\[\d+\] info: /.test(line) || /\(server\.c\.\d+\) server (started|stopped)/.test(line)) continue;
    // The reload that adds the empty FastCGI app (see referenceServers).
    if (/\(server\.c\.\d+\) \[note\] graceful shutdown started/.test(line)) continue;
    if (lines.length < 20) lines.push(line.slice(0, 300));
    else more++;
  }
  if (more) lines.push(`... and ${more} more line(s)`);
  return { workersStarted: started.size, restarts: Math.max(0, started.size - workers), lines };
}

// ---- HTTP helpers -------------------------------------------------------------------

async function post(url, body) {
  const res = await fetch(url, { method: 'POST', headers: MCP_HEADERS, body, signal: AbortSignal.timeout(10000) });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

async function get(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(10000) });
  return { status: res.status, text: await res.text() };
}

// Fetches one JSON-RPC result, failing loudly on anything but a 200 with a result.
async function rpcResult(who, url, body) {
  const r = await post(url, body);
  let doc = null;
  try {
    doc = JSON.parse(r.text);
  } catch {
    /* reported below */
  }
  if (r.status !== 200 || !doc || !doc.result) {
    throw new Error(`${who}: ${JSON.parse(body).method} at ${url} answered HTTP ${r.status} (${r.type}): ${r.text.slice(0, 400)}`);
  }
  return { raw: r.text, result: doc.result };
}

// JSON with object keys sorted, to compare payloads whatever the key order.
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

// ---- the static ceiling and the empty FastCGI app ------------------------------------------

// A lighttpd config string literal.
const lq = (s) => `"${String(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

// lighttpd config for the empty FastCGI app: one URL per request, each with
// its own response body file, with the per-endpoint settings that
// deploy/lighttpd/ddbsql.conf gives ddbsql-mcp (check-local off, the same
// max-procs, a bin-environment).
function emptyAppConf(apps, sockDir, workers) {
  const lines = Object.values(apps).map(
    (a) =>
      `  ${lq(a.urlPath)} => (( "bin-path" => ${lq(EMPTY_FCGI_BIN)}, "socket" => ${lq(path.join(sockDir, a.sockName))}, ` +
      `"check-local" => "disable", "max-procs" => ${workers}, "bin-environment" => ( "BENCH_EMPTY_BODY" => ${lq(a.bodyPath)} ) )),`,
  );
  return `
# Added by bench/bench.mjs: the empty FastCGI app (bench/fcgi_empty.c), one endpoint per request.
server.modules += ( "mod_fastcgi" )
fastcgi.server += (
${lines.join('\n')}
)
`;
}

// Retries the checks (async functions that throw when not ready) until all pass.
async function waitServing(checks, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      for (const check of checks) await check();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`${what}: ${e.message}`);
      await sleep(100);
    }
  }
}

// Puts both references next to ddbsql: the static files in the stack's
// document root, and the empty FastCGI app as more fastcgi.server endpoints
// of the stack's lighttpd, added to its config and loaded with a graceful
// restart (SIGUSR1: same process, config re-read, workers restarted). When
// that cannot be done, a second lighttpd with the same main settings serves
// both instead.
//   staticFiles  {file name: content}
//   apps         {method: {urlPath, sockName, bodyPath, requestBody, expected}}
//   ddbsqlCheck  async function that throws unless ddbsql answers
async function referenceServers(stack, workDir, cfg, staticFiles, apps, ddbsqlCheck) {
  // Unix socket paths must fit in sun_path (108 bytes; lighttpd adds "-N").
  let sockDir = path.join(workDir, 'sock');
  if (sockDir.length > 80) {
    sockDir = fs.mkdtempSync('/tmp/ddbsql-bench-sock-');
    benchExtraDirs.push(sockDir);
  } else {
    fs.mkdirSync(sockDir, { recursive: true });
  }
  const extra = emptyAppConf(apps, sockDir, cfg.workers);
  const checks = (baseUrl) => [
    ...Object.values(apps).map((a) => async () => {
      const r = await post(`${baseUrl}${a.urlPath}`, a.requestBody);
      if (r.status !== 200 || r.text !== a.expected) throw new Error(`${a.urlPath} answered HTTP ${r.status}: ${r.text.slice(0, 200)}`);
    }),
    ...Object.entries(staticFiles).map(([name, text]) => async () => {
      const r = await get(`${baseUrl}/${name}`);
      if (r.status !== 200 || r.text !== text) throw new Error(`the static file ${name} is not served as written (HTTP ${r.status})`);
    }),
  ];

  const conf = fs.readFileSync(stack.lighttpdConfPath, 'utf8');
  const m = /^\s*server\.document-root\s*=\s*"((?:[^"\\]|\\.)*)"/m.exec(conf);
  const docRoot = m ? m[1].replace(/\\(.)/g, '$1') : null;
  const web = lighttpdProcesses(stack.lighttpdConfPath).lighttpd;
  let whyNot = null;
  if (!docRoot || !fs.existsSync(docRoot)) whyNot = 'its config names no existing document root';
  else if (!web) whyNot = 'its process was not found';
  else {
    fs.writeFileSync(stack.lighttpdConfPath, conf + extra);
    const t = spawnSync('lighttpd', ['-tt', '-f', stack.lighttpdConfPath], { encoding: 'utf8' });
    if (t.status !== 0) {
      fs.writeFileSync(stack.lighttpdConfPath, conf);
      whyNot = `lighttpd -tt rejected the added endpoints: ${`${t.stdout}${t.stderr}`.trim()}`;
    }
  }
  if (!whyNot) {
    for (const [name, text] of Object.entries(staticFiles)) fs.writeFileSync(path.join(docRoot, name), text);
    // The error log is read from here on: the reload restarts ddbsql's workers.
    const logOffset = stack.readErrorLog().length;
    process.kill(web.pid, 'SIGUSR1');
    // The empty app's URLs answer only once the new config is live.
    await waitServing(
      [...checks(stack.baseUrl), ddbsqlCheck],
      30000,
      `the stack's lighttpd did not serve the empty FastCGI app after reloading ${stack.lighttpdConfPath} (error log ${stack.errorLogPath})`,
    );
    if (lighttpdProcesses(stack.lighttpdConfPath).lighttpd?.pid !== web.pid) throw new Error("the stack's lighttpd did not survive its reload");
    return {
      baseUrl: stack.baseUrl,
      confPath: stack.lighttpdConfPath,
      where: 'the same lighttpd instance as ddbsql',
      logOffset,
      stop: async () => {},
    };
  }

  say(`[bench] cannot add the references to the stack's lighttpd (${whyNot}); starting a second lighttpd`);
  const ownRoot = path.join(workDir, 'htdocs');
  fs.mkdirSync(ownRoot, { recursive: true });
  for (const [name, text] of Object.entries(staticFiles)) fs.writeFileSync(path.join(ownRoot, name), text);
  const port = await freePort();
  const confPath = path.join(workDir, 'lighttpd-refs.conf');
  fs.writeFileSync(confPath, `# bench/bench.mjs: the static file and the empty FastCGI app, same main settings as the stack's lighttpd
server.bind = "127.0.0.1"
server.port = ${port}
server.document-root = ${lq(ownRoot)}
server.errorlog = ${lq(path.join(workDir, 'lighttpd-refs-error.log'))}
server.upload-dirs = ( ${lq(workDir)} )
server.max-request-field-size = 65535
server.stream-response-body = 2
server.modules += ( "mod_accesslog" )
accesslog.filename = ${lq(path.join(workDir, 'lighttpd-refs-access.log'))}
${extra}`);
  const p = spawn('lighttpd', ['-D', '-f', confPath], { detached: true, stdio: 'ignore' });
  const entry = { pid: p.pid, group: true };
  children.add(entry);
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitServing(
    [
      async () => {
        if (p.exitCode !== null) throw new Error(`lighttpd exited (${p.exitCode})`);
      },
      ...checks(baseUrl),
    ],
    15000,
    `the second lighttpd (${confPath}) did not serve the references`,
  );
  return {
    baseUrl,
    confPath,
    where: `a second lighttpd (${confPath})`,
    logOffset: 0,
    stop: async () => {
      try {
        process.kill(-p.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      children.delete(entry);
    },
  };
}

// ---- the TS SDK peer ---------------------------------------------------------------------

async function startPeer(workDir, spec) {
  const specPath = path.join(workDir, 'peer-spec.json');
  fs.writeFileSync(specPath, JSON.stringify(spec));
  const port = await freePort();
  const logPath = path.join(workDir, 'peer.log');
  const fd = fs.openSync(logPath, 'a');
  const p = spawn(process.execPath, [PEER_SCRIPT, String(port), specPath], {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  fs.closeSync(fd);
  const entry = { pid: p.pid, group: true };
  children.add(entry);
  const deadline = Date.now() + 15000;
  while (!fs.readFileSync(logPath, 'utf8').includes(`listening on ${port}`)) {
    if (p.exitCode !== null || Date.now() > deadline) {
      throw new Error(`the TS SDK peer did not start; its log ${logPath}:\n${fs.readFileSync(logPath, 'utf8')}`);
    }
    await sleep(50);
  }
  return {
    pid: p.pid,
    url: `http://127.0.0.1:${port}/mcp`,
    logPath,
    stop: async () => {
      try {
        process.kill(-p.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      const until = Date.now() + 3000;
      while (p.exitCode === null && p.signalCode === null && Date.now() < until) await sleep(25);
      try {
        process.kill(-p.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      children.delete(entry);
    },
  };
}

// ---- wrk -----------------------------------------------------------------------------------

async function wrk(cfg, url, env, durationS) {
  const args = ['-t', String(cfg.threads), '-c', String(cfg.connections), '-d', `${durationS}s`, '-s', WRK_SCRIPT, url];
  const r = await runCapture('wrk', args, env);
  const line = r.out.split('\n').find((l) => l.startsWith('BENCHJSON '));
  if (r.code !== 0 || !line) {
    throw new Error(`wrk ${args.join(' ')} failed (${r.signal || `exit ${r.code}`}):\n${r.out}${r.err}`);
  }
  const j = JSON.parse(line.slice('BENCHJSON '.length));
  const e = j.errors;
  j.socket_errors = e.connect + e.read + e.write + e.timeout;
  j.bad = j.non_2xx + j.bad_body + j.socket_errors;
  j.rps = j.requests / (j.duration_us / 1e6);
  return j;
}

// ---- output ------------------------------------------------------------------------------------

const ms = (us) => (us / 1000).toFixed(2);
const mib = (kib) => (kib == null ? '?' : `${(kib / 1024).toFixed(1)} MiB`);

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows
    .map((r) => r.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  '))
    .join('\n');
}

// ---- main --------------------------------------------------------------------------------------

async function main() {
  const cfg = settings();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddbsql-bench-'));
  benchWorkDir = workDir;
  const started = new Date();
  let stack = null;
  let peer = null;
  let stat = null;
  try {
    say(`ddbsql bench: ${cfg.workers} ddbsql-mcp worker(s); wrk ${cfg.threads} thread(s), ${cfg.connections} connection(s); ` +
      `${cfg.duration} s per case after ${cfg.warmup} s of warm-up; log_level ${cfg.logLevel}`);
    // Everything here shares the machine's cores: other load skews the numbers.
    const load0 = os.loadavg();
    const ncpu = os.cpus().length;
    say(`load average at start: ${load0.map((x) => x.toFixed(2)).join(' ')} on ${ncpu} CPU(s)` +
      (load0[0] > 0.5 * ncpu ? '  (busy machine: expect noisy numbers)' : ''));
    stack = await startStack({
      variant: 'release',
      maxProcs: cfg.workers,
      logLevel: cfg.logLevel,
      log: (m) => say(`[stack] ${m}`),
    });

    // The two requests, exactly as wrk will send them.
    const requests = {
      initialize: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'ddbsql-bench', version: '1' } },
      }),
      'tools/list': JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }),
    };
    const bodyFiles = {};
    for (const [method, body] of Object.entries(requests)) {
      bodyFiles[method] = path.join(workDir, `${method.replace('/', '-')}.json`);
      fs.writeFileSync(bodyFiles[method], body);
    }

    // ddbsql's answers: the payloads every other server must reproduce.
    const ours = {};
    for (const [method, body] of Object.entries(requests)) ours[method] = await rpcResult('ddbsql', stack.mcpUrl, body);
    say(`[bench] ddbsql answers: initialize ${ours.initialize.raw.length} B, tools/list ${ours['tools/list'].raw.length} B ` +
      `(${ours['tools/list'].result.tools.length} tools)`);

    // The references: the same bytes as a file, and from the empty FastCGI app.
    const staticNames = { initialize: 'bench-initialize.json', 'tools/list': 'bench-tools-list.json' };
    const apps = {};
    for (const method of Object.keys(requests)) {
      const slug = method.replace('/', '-');
      const bodyPath = path.join(workDir, `empty-${slug}.body`);
      fs.writeFileSync(bodyPath, ours[method].raw);
      apps[method] = {
        urlPath: `/bench-empty-${slug}`,
        sockName: `empty-${slug}.sock`,
        bodyPath,
        requestBody: requests[method],
        expected: ours[method].raw,
      };
    }
    stat = await referenceServers(
      stack,
      workDir,
      cfg,
      { [staticNames.initialize]: ours.initialize.raw, [staticNames['tools/list']]: ours['tools/list'].raw },
      apps,
      () => rpcResult('ddbsql', stack.mcpUrl, requests.initialize),
    );
    say(`[bench] static files and the empty FastCGI app (${cfg.workers} worker(s) per request, same bytes as ddbsql) served by ${stat.where}`);

    peer = await startPeer(workDir, { initialize: ours.initialize.result, toolsList: ours['tools/list'].result });
    const payloads = {};
    for (const [method, body] of Object.entries(requests)) {
      const theirs = await rpcResult('TS SDK peer', peer.url, body);
      payloads[method] = {
        ddbsql_bytes: ours[method].raw.length,
        static_bytes: ours[method].raw.length,
        empty_fcgi_bytes: ours[method].raw.length,
        ts_sdk_bytes: theirs.raw.length,
        same_result: canonical(theirs.result) === canonical(ours[method].result),
      };
      if (!payloads[method].same_result) {
        say(`[bench] WARNING: the TS SDK peer's ${method} result differs from ddbsql's`);
      }
    }
    say(`[bench] TS SDK peer on ${peer.url} (pid ${peer.pid}); payloads match ddbsql's: ` +
      Object.entries(payloads).map(([m, p]) => `${m} ${p.same_result ? 'yes' : 'NO'} (${p.ts_sdk_bytes} B)`).join(', '));

    // The cases, per request: ddbsql, its static ceiling, the empty FastCGI
    // app (the FastCGI hop's cap), the TS SDK.
    const cases = [];
    for (const method of Object.keys(requests)) {
      const post = { BENCH_METHOD: 'POST', BENCH_BODY: bodyFiles[method], BENCH_EXPECT: '"result"' };
      cases.push({ method, target: 'ddbsql', url: stack.mcpUrl, env: post });
      cases.push({
        method,
        target: 'static',
        url: `${stat.baseUrl}/${staticNames[method]}`,
        env: { BENCH_METHOD: 'GET', BENCH_EXPECT: '"result"' },
      });
      cases.push({ method, target: 'empty-fcgi', url: `${stat.baseUrl}${apps[method].urlPath}`, env: post });
      cases.push({ method, target: 'ts-sdk', url: peer.url, env: post });
    }
    for (const c of cases) {
      process.stdout.write(`[bench] ${c.method} ${c.target}: warm-up ${cfg.warmup} s, measuring ${cfg.duration} s ... `);
      if (cfg.warmup > 0) c.warmup = await wrk(cfg, c.url, c.env, cfg.warmup);
      c.result = await wrk(cfg, c.url, c.env, cfg.duration);
      say(`${c.result.rps.toFixed(0)} req/s${c.result.bad ? `, ${c.result.bad} BAD responses` : ''}`);
    }

    // Memory once the load is over (VmRSS now, VmHWM the peak).
    const procs = lighttpdProcesses(stack.lighttpdConfPath);
    const refProcs = stat.confPath === stack.lighttpdConfPath ? procs : lighttpdProcesses(stat.confPath);
    const peerMem = procStatus(peer.pid);
    // From the reload on (when there was one): it restarted ddbsql's workers.
    const logNotes = errorLogNotes(stack.readErrorLog().slice(stat.logOffset), cfg.workers);

    // Ratios: each server's req/s over each reference's, per request.
    const rps = (m, t) => cases.find((c) => c.method === m && c.target === t).result.rps;
    const ratios = {};
    const fastcgiCap = {};
    for (const method of Object.keys(requests)) {
      const d = rps(method, 'ddbsql');
      ratios[method] = {
        ddbsql_vs_ts_sdk: d / rps(method, 'ts-sdk'),
        ddbsql_vs_static: d / rps(method, 'static'),
        ddbsql_vs_empty_fcgi: d / rps(method, 'empty-fcgi'),
        empty_fcgi_vs_static: rps(method, 'empty-fcgi') / rps(method, 'static'),
        ts_sdk_vs_static: rps(method, 'ts-sdk') / rps(method, 'static'),
      };
      fastcgiCap[method] = {
        empty_fcgi_vs_static: ratios[method].empty_fcgi_vs_static,
        static_target_reachable_behind_fastcgi: ratios[method].empty_fcgi_vs_static >= 0.5,
        ddbsql_share_of_cap: ratios[method].ddbsql_vs_empty_fcgi,
      };
    }

    const names = {
      ddbsql: 'ddbsql (lighttpd+FastCGI)',
      static: 'static file (lighttpd)',
      'empty-fcgi': 'empty FastCGI app (lighttpd)',
      'ts-sdk': 'TS SDK (stateless)',
    };
    const pct = (x) => `${(x * 100).toFixed(0)}%`;
    const rows = [['case', 'server', 'resp B', 'req/s', 'p50 ms', 'p99 ms', 'vs TS SDK', 'vs static', 'vs empty FCGI', 'bad']];
    for (const c of cases) {
      const r = c.result;
      const bytes = c.target === 'ts-sdk' ? payloads[c.method].ts_sdk_bytes : payloads[c.method].ddbsql_bytes;
      rows.push([
        c.method,
        names[c.target],
        bytes,
        r.rps.toFixed(0),
        ms(r.latency_us.p50),
        ms(r.latency_us.p99),
        `${(r.rps / rps(c.method, 'ts-sdk')).toFixed(2)}x`,
        pct(r.rps / rps(c.method, 'static')),
        pct(r.rps / rps(c.method, 'empty-fcgi')),
        r.bad,
      ]);
    }
    say('');
    say(table(rows));
    say('');
    say('ddbsql against the three references (req/s ratios):');
    for (const [method, rt] of Object.entries(ratios)) {
      say(`  ${method.padEnd(10)}  ${rt.ddbsql_vs_ts_sdk.toFixed(2)}x the TS SDK;  ${pct(rt.ddbsql_vs_static)} of the static file;  ` +
        `${pct(rt.ddbsql_vs_empty_fcgi)} of the empty FastCGI app (which reaches ${pct(rt.empty_fcgi_vs_static)} of the static file)`);
    }
    say('');
    say('targets (ddbsql req/s):');
    for (const [method, rt] of Object.entries(ratios)) {
      const a = rt.ddbsql_vs_ts_sdk >= 5 ? 'met' : 'NOT met';
      const b = rt.ddbsql_vs_static >= 0.5 ? 'met' : 'NOT met';
      say(`  ${method.padEnd(10)}  ${rt.ddbsql_vs_ts_sdk.toFixed(2)}x the TS SDK (target >= 5x: ${a});  ` +
        `${pct(rt.ddbsql_vs_static)} of the static file (target >= 50%: ${b})`);
    }
    // The empty FastCGI app shows what the >= 50% target asks of FastCGI itself.
    say('the FastCGI hop (the empty FastCGI app against the static file):');
    for (const [method, cap] of Object.entries(fastcgiCap)) {
      say(cap.static_target_reachable_behind_fastcgi
        ? `  ${method.padEnd(10)}  the empty FastCGI app reaches ${pct(cap.empty_fcgi_vs_static)} of static, so >= 50% is reachable ` +
          `behind FastCGI here; ddbsql reaches ${pct(cap.ddbsql_share_of_cap)} of the empty app`
        : `  ${method.padEnd(10)}  the FastCGI hop caps any application at ${pct(cap.empty_fcgi_vs_static)} of static on this machine; ` +
          `ddbsql reaches ${pct(cap.ddbsql_share_of_cap)} of that cap`);
    }
    say('');
    say('resident memory after the run (VmRSS; peak VmHWM):');
    const memLine = (label, p) => say(`  ${label.padEnd(22)} pid ${String(p.pid).padEnd(7)} ${mib(p.rssKiB).padStart(9)}  (peak ${mib(p.peakKiB)})`);
    for (const w of procs.workers) memLine('ddbsql-mcp worker', w);
    if (!procs.workers.length) say('  ddbsql-mcp workers: not found');
    if (procs.lighttpd) memLine('lighttpd', procs.lighttpd);
    if (refProcs !== procs && refProcs.lighttpd) memLine('lighttpd (references)', refProcs.lighttpd);
    for (const w of refProcs.emptyWorkers) memLine('empty FastCGI worker', w);
    if (peerMem) memLine('TS SDK peer (node)', peerMem);

    if (logNotes.restarts > 0 || logNotes.lines.length) {
      say('');
      say(`server error log: ${logNotes.workersStarted} ddbsql-mcp worker start(s) for ${cfg.workers} worker(s)` +
        (logNotes.restarts > 0 ? ` (${logNotes.restarts} restart(s) during the run)` : ''));
      for (const l of logNotes.lines) say(`  ${l}`);
    }

    const bad = cases.filter((c) => c.result.bad || (c.warmup && c.warmup.bad));
    const git = (a) => spawnSync('git', a, { cwd: REPO_ROOT, encoding: 'utf8' }).stdout?.trim() || null;
    const report = {
      started_at: started.toISOString(),
      finished_at: new Date().toISOString(),
      git: { commit: git(['rev-parse', 'HEAD']), dirty: Boolean(git(['status', '--porcelain', '--untracked-files=no'])) },
      machine: {
        cpus: os.cpus().length,
        cpu_model: os.cpus()[0]?.model || null,
        mem_bytes: os.totalmem(),
        kernel: `${os.type()} ${os.release()}`,
        loadavg_at_start: load0,
        loadavg_at_end: os.loadavg(),
      },
      versions: {
        node: process.version,
        wrk: versionOf('wrk', ['-v']),
        lighttpd: versionOf('lighttpd', ['-v']),
        ts_sdk: JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'tests/node_modules/@modelcontextprotocol/sdk/package.json'), 'utf8')).version,
      },
      settings: {
        ...cfg,
        protocol_version: PROTOCOL_VERSION,
        static_server: stat.where,
        empty_fcgi_server: stat.where,
        empty_fcgi_workers_per_request: cfg.workers,
        empty_fcgi_bin: path.relative(REPO_ROOT, EMPTY_FCGI_BIN),
      },
      payloads,
      cases: cases.map((c) => ({ method: c.method, target: c.target, url: c.url, warmup: c.warmup || null, result: c.result })),
      ratios,
      targets: {
        ddbsql_vs_ts_sdk_min: 5,
        ddbsql_vs_static_min: 0.5,
        met: Object.fromEntries(
          Object.entries(ratios).map(([m, rt]) => [m, { ts_sdk: rt.ddbsql_vs_ts_sdk >= 5, static: rt.ddbsql_vs_static >= 0.5 }]),
        ),
      },
      fastcgi_cap: fastcgiCap,
      memory: {
        ddbsql_workers: procs.workers,
        lighttpd: procs.lighttpd,
        references_lighttpd: refProcs === procs ? null : refProcs.lighttpd,
        empty_fcgi_workers: refProcs.emptyWorkers,
        ts_sdk_peer: peerMem,
      },
      error_log: logNotes,
      bad_cases: bad.map((c) => `${c.method} ${c.target}`),
    };
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const out = path.join(RESULTS_DIR, `${started.toISOString().replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    say('');
    say(`results: ${path.relative(process.cwd(), out) || out}`);
    if (bad.length) {
      say('');
      for (const c of bad) {
        const r = c.result.bad ? c.result : c.warmup;
        say(`BAD RESPONSES in ${c.method} ${c.target}: ${r.non_2xx} non-2xx, ${r.bad_body} unexpected bodies, ` +
          `${r.socket_errors} socket errors; first: ${r.first_bad || '(socket error)'}`);
      }
      say('these numbers measure errors, not the servers: fix the cause before reading them');
      process.exitCode = 1;
    }
  } finally {
    if (peer) await peer.stop();
    if (stat) await stat.stop();
    if (stack) await stack.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`\nmake bench: ${e.message}`);
  process.exit(1);
});

#!/usr/bin/env node
// The local ddbsql stack: redis-server, dynalite (an in-memory DynamoDB) with
// the demo dataset, and lighttpd running the ddbsql FastCGI executables with
// deploy/lighttpd/ddbsql.conf. One module for `make run` (run as a script)
// and for the integration tests (import { startStack }).
//
// Script use:   node deploy/local/stack.mjs
//   PORT=8080        port of the web server (default 8080)
//   CONFIG=path      serve with this ddbsql config instead of a generated one;
//                    dynalite and redis are started only where the config
//                    points at a loopback address where nothing answers yet
//   VARIANT=release  build variant whose executables are served (or asan)
//   AUTH=oauth|none  auth of the generated config. oauth (the default once the
//                    endpoint list routes /token): a fresh signing key, a demo
//                    user and a demo API client, printed and written to
//                    run/demo.json (git-ignored); none: no sign-in at all
//   DDBSQL_RUN_DIR   work dir of the script (default .run; it is emptied)
//   DDBSQL_DEMO_JSON where the demo credentials go (default run/demo.json)
//
// Every process started here runs in its own process group and is stopped by
// stop(), on process exit and on SIGINT/SIGTERM; a small watchdog kills them
// if this process dies without getting the chance (SIGKILL).

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dynamoClient, loadDemo } from './load-demo.mjs';
import { demoOAuthConfig, newDemoCredentials, writeSigningKey } from './oauth-demo.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '../..');
const DYNALITE_CLI = path.join(HERE, 'node_modules/dynalite/cli.js');
const LIGHTTPD_SNIPPET = path.join(REPO_ROOT, 'deploy/lighttpd/ddbsql.conf');

// Dummy keys for dynalite, which does not check signatures.
export const DEMO_ACCESS_KEY_ID = 'AKIDLOCALDEMO0000000';
export const DEMO_SECRET_ACCESS_KEY = 'localdemosecretlocaldemosecretlocaldemo0';
export const DEMO_REGION = 'us-east-1';
// Signs run_sql cursors in the generated config. Fixed so every worker of the
// local stack (max-procs > 1) accepts the others' cursors; a development
// value only, never for a real deployment.
export const DEV_CURSOR_SECRET = '64646273716c2d6c6f63616c2d6465762d637572736f722d7365637265742121';

// Sanitizer settings for the asan variant: stop at the first report, and let
// it go to stderr, which lighttpd hands to the error log.
export const SANITIZER_ENV = {
  ASAN_OPTIONS: 'halt_on_error=1:abort_on_error=0:detect_leaks=1:print_summary=1:strict_string_checks=1:fast_unwind_on_malloc=0',
  UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1:print_summary=1',
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const isLoopbackHost = (h) => /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]|::1)$/i.test(h);

// ---- small helpers ----------------------------------------------------------

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function tcpAnswers(port, host = '127.0.0.1', timeoutMs = 300) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    const done = (v) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.on('connect', () => done(true));
    s.on('error', () => done(false));
  });
}

function redisPing(target, timeoutMs = 500) {
  return new Promise((resolve) => {
    const s = target.socket ? net.connect(target.socket) : net.connect(target.port, target.host);
    let got = '';
    const done = (v) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      got += d;
      if (got.includes('\r\n')) done(got.startsWith('+PONG'));
    });
    s.on('error', () => done(false));
  });
}

async function httpAnswers(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

// Reads the few keys of a ddbsql config the stack needs (see docs/CONFIG.md
// for the syntax). Validation is the executable's job (--check-config).
export function readConfigKeys(file) {
  const out = { global: {}, redis: null, schemas: {} };
  let section = out.global;
  for (const raw of fs.readFileSync(file, 'utf8').split('\n')) {
    const line = raw.replace(/(^|\s)[#;].*$/, '').trim();
    if (!line) continue;
    const sec = /^\[\s*([A-Za-z_]+)(?:\s+([^\]]+?))?\s*\]$/.exec(line);
    if (sec) {
      if (sec[1] === 'redis') section = out.redis = {};
      else if (sec[1] === 'schema') section = out.schemas[sec[2]] = {};
      else section = {};
      continue;
    }
    const kv = /^([A-Za-z_]+)\s*=\s*(.*)$/.exec(line);
    if (kv) section[kv[1]] = kv[2].replace(/^"(.*)"$/, '$1');
  }
  return out;
}

function sanitizerReportsIn(text) {
  const lines = text.split('\n');
  const reports = [];
  const start = /(==\d+==ERROR: (Address|Leak|Memory|Thread)Sanitizer|: runtime error: |==\d+==WARNING: .*Sanitizer)/;
  for (let i = 0; i < lines.length; i++) {
    if (!start.test(lines[i])) continue;
    let j = i + 1;
    while (j < lines.length && j < i + 200 && !/^SUMMARY: /.test(lines[j - 1])) j++;
    reports.push(lines.slice(i, j).join('\n'));
    i = j - 1;
  }
  return reports;
}

function lighttpdString(s) {
  return `"${String(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

// ---- process management -----------------------------------------------------

const liveStacks = new Set();
let handlersInstalled = false;

function installExitHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  // Synchronous last resort: the event loop is gone, so just SIGKILL.
  process.on('exit', () => {
    for (const st of liveStacks) st.killNow();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, async () => {
      await Promise.allSettled([...liveStacks].map((st) => st.stop()));
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

class Service {
  constructor(name, cmd, args, { logFile, env, cwd }) {
    this.name = name;
    const fd = fs.openSync(logFile, 'a');
    // detached: own process group, so stop() can reach the children
    // (lighttpd's workers) and a terminal's Ctrl-C reaches only us.
    this.proc = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env, cwd });
    fs.closeSync(fd);
    this.pgid = this.proc.pid;
    this.exited = false;
    this.exitInfo = null;
    this.exitPromise = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        this.exited = true;
        this.exitInfo = signal ? `killed by ${signal}` : `exit status ${code}`;
        resolve();
      });
      this.proc.on('error', (e) => {
        this.exited = true;
        this.exitInfo = e.message;
        resolve();
      });
    });
  }

  // True while a live (non-zombie) process is in the group. Zombies are
  // ignored: an orphaned worker's zombie may never be reaped in a container
  // whose PID 1 does not reap.
  groupAlive() {
    if (!this.pgid) return false;
    try {
      process.kill(-this.pgid, 0);
    } catch {
      return false;
    }
    for (const ent of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(ent)) continue;
      let stat;
      try {
        stat = fs.readFileSync(`/proc/${ent}/stat`, 'utf8');
      } catch {
        continue;
      }
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === this.pgid && f[0] !== 'Z') return true;
    }
    return false;
  }

  killNow() {
    try {
      process.kill(-this.pgid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }

  // SIGTERM to the leader, then wait for the whole group (workers flush
  // sanitizer reports on exit), then SIGKILL whatever is left.
  async stop(graceMs = 8000) {
    if (!this.exited) {
      try {
        process.kill(this.proc.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    const deadline = Date.now() + graceMs;
    while ((!this.exited || this.groupAlive()) && Date.now() < deadline) await sleep(25);
    if (!this.exited || this.groupAlive()) {
      this.killNow();
      await Promise.race([this.exitPromise, sleep(2000)]);
    }
  }
}

async function waitReady(service, check, what, timeoutMs, logFile) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (service.exited) {
      const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n') : '';
      throw new Error(`${service.name} exited (${service.exitInfo}) before ${what}; its log ${logFile}:\n${tail}`);
    }
    if (Date.now() > deadline) throw new Error(`${service.name}: ${what} did not happen within ${timeoutMs} ms (log: ${logFile})`);
    await sleep(30);
  }
}

// ---- the stack ----------------------------------------------------------------

function defaultConfigText(o) {
  const kv = (obj) => Object.entries(obj || {}).map(([k, v]) => `${k} = ${v}`).join('\n');
  const origins = [`http://127.0.0.1:${o.port}`, `http://localhost:${o.port}`, ...(o.extraOrigins || [])];
  return `# Generated by deploy/local/stack.mjs for the local stack. Reference: docs/CONFIG.md
public_url = http://127.0.0.1:${o.port}
allowed_origins = ${origins.join(' ')}
auth = ${o.auth || 'none'}
log_level = ${o.logLevel}
${kv(o.configGlobal)}

[redis]
host = 127.0.0.1
port = ${o.redisPort}
${kv(o.configRedis)}

[sql]
cursor_secret = ${DEV_CURSOR_SECRET}
${kv(o.configSql)}

[schema demo]
default = true
region = ${DEMO_REGION}
endpoint = ${o.dynamoEndpoint}
credentials = static
access_key_id = ${DEMO_ACCESS_KEY_ID}
secret_access_key = ${DEMO_SECRET_ACCESS_KEY}
${kv(o.configSchema)}
${o.configExtra || ''}
`.replace(/\n{3,}/g, '\n\n');
}

/**
 * Starts the stack. Options (all optional):
 *   variant        'release' (default) or 'asan' (adds SANITIZER_ENV to the workers)
 *   binDir         directory of the ddbsql-* executables (default build/<variant>/bin)
 *   port           web server port (default: a free loopback port)
 *   config         path of a ddbsql config to use as is (see the CONFIG notes above)
 *   workDir        where logs, configs and sockets go (default: a new temp dir,
 *                  removed by stop() unless keepWorkDir or sanitizer reports)
 *   keepWorkDir    keep the work dir after stop()
 *   redis          false: start no redis (the generated config still names a port
 *                  where nothing listens: "Redis down")
 *   dynamoEndpoint use this DynamoDB instead of starting dynalite (demo data is
 *                  loaded into it unless loadDemo is false)
 *   loadDemo       default true
 *   maxProcs       workers per endpoint (default 2)
 *   env            extra environment for the workers
 *   logLevel       ddbsql log_level of the generated config (default info)
 *   auth           auth of the generated config: 'none' (default) or 'oauth'
 *                  (give the [oauth] and [signing_key] sections in configExtra)
 *   configGlobal, configRedis, configSql, configSchema   {key: value} added
 *                  to the generated config's global section, [redis], [sql],
 *                  [schema demo] (the generated [sql] has a fixed development
 *                  cursor_secret, so cursors work across workers)
 *   configExtra    text appended to the generated config (more sections)
 *   extraOrigins   more allowed_origins
 *   log            function(message) for progress (default: silent)
 */
export async function startStack(opts = {}) {
  // Free ports are picked, then bound by another process: another test may
  // have taken one in between. Start again on new ports when that happened.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startStackOnce({ ...opts });
    } catch (e) {
      const portClash = /already in use|EADDRINUSE|Address in use/i.test(e.message);
      if (!portClash || opts.port || opts.config || attempt >= 3) throw e;
    }
  }
}

async function startStackOnce(opts) {
  const log = opts.log || (() => {});
  const variant = opts.variant || 'release';
  const binDir = opts.binDir || path.join(REPO_ROOT, 'build', variant, 'bin');
  const mcpBin = path.join(binDir, 'ddbsql-mcp');
  if (!fs.existsSync(mcpBin)) {
    throw new Error(`${mcpBin} not found: build it first (make${variant === 'release' ? '' : ` VARIANT=${variant}`})`);
  }
  if (!fs.existsSync(DYNALITE_CLI)) {
    throw new Error(`${DYNALITE_CLI} not found: run tests/install-deps.sh (npm ci in deploy/local)`);
  }

  const ownWorkDir = !opts.workDir;
  const workDir = opts.workDir || fs.mkdtempSync(path.join(os.tmpdir(), 'ddbsql-stack-'));
  fs.mkdirSync(workDir, { recursive: true });
  // Unix socket paths must fit in sun_path (108 bytes, lighttpd adds "-N").
  let sockDir = path.join(workDir, 'sock');
  let ownSockDir = false;
  if (sockDir.length > 80) {
    // A long TMPDIR would overflow sun_path too; /tmp is always short.
    const base = os.tmpdir().length > 40 ? '/tmp' : os.tmpdir();
    sockDir = fs.mkdtempSync(path.join(base, 'ddbsql-sock-'));
    ownSockDir = true;
  } else {
    fs.mkdirSync(sockDir, { recursive: true });
  }
  const errorLogPath = path.join(workDir, 'error.log');
  const services = [];
  let stopped = false;
  let finalLog = null;

  // Watchdog: if this process dies without running stop(), kill the groups
  // listed in pgids (one per line) and exit.
  const pgidFile = path.join(workDir, 'pgids');
  fs.writeFileSync(pgidFile, '');
  const watchdog = spawn(
    'sh',
    ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ` +
      `for g in $(cat "$1" 2>/dev/null); do kill -9 -$g 2>/dev/null; done`, 'watchdog', pgidFile],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.unref();

  const track = (svc) => {
    services.push(svc);
    fs.appendFileSync(pgidFile, `${svc.pgid}\n`);
    return svc;
  };

  const stack = {
    workDir,
    errorLogPath,
    variant,
    readErrorLog() {
      if (finalLog !== null) return finalLog;
      return fs.existsSync(errorLogPath) ? fs.readFileSync(errorLogPath, 'utf8') : '';
    },
    sanitizerReports() {
      return sanitizerReportsIn(stack.readErrorLog());
    },
    killNow() {
      for (const s of services) s.killNow();
      try {
        process.kill(watchdog.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      stack.stopping = true;
      liveStacks.delete(stack);
      // The web server first (its workers may still talk to redis/dynalite).
      const web = services.filter((s) => s.name === 'lighttpd');
      await Promise.all(web.map((s) => s.stop()));
      await Promise.all(services.filter((s) => s.name !== 'lighttpd').map((s) => s.stop(3000)));
      try {
        process.kill(watchdog.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      finalLog = fs.existsSync(errorLogPath) ? fs.readFileSync(errorLogPath, 'utf8') : '';
      if (ownSockDir) fs.rmSync(sockDir, { recursive: true, force: true });
      if (ownWorkDir && !opts.keepWorkDir && sanitizerReportsIn(finalLog).length === 0) {
        fs.rmSync(workDir, { recursive: true, force: true });
      }
    },
  };
  liveStacks.add(stack);
  installExitHandlers();

  const startService = async (name, cmd, args, check, what, extra = {}) => {
    const logFile = extra.logFile || path.join(workDir, `${name}.log`);
    const svc = track(new Service(name, cmd, args, { logFile, env: extra.env || process.env, cwd: workDir }));
    await waitReady(svc, check, what, extra.timeoutMs || 20000, logFile);
    return svc;
  };

  try {
    const port = opts.port || (await freePort());
    if (await tcpAnswers(port)) throw new Error(`port ${port} is already in use on 127.0.0.1`);

    // What the config needs: given, or generated around services we start.
    let configPath;
    let redisTarget = null; // {host, port} or {socket}, started by us when set
    let redisPort = null;
    const dynamoToStart = []; // loopback ports where we start dynalite
    let dynamoEndpoint = opts.dynamoEndpoint || null;

    if (opts.config) {
      configPath = path.resolve(opts.config);
      const keys = readConfigKeys(configPath);
      const r = keys.redis || {};
      if (r.socket) {
        if (!(await redisPing({ socket: r.socket }))) redisTarget = { socket: r.socket };
      } else {
        const host = r.host || '127.0.0.1';
        redisPort = Number(r.port || 6379);
        if (isLoopbackHost(host) && !(await redisPing({ host, port: redisPort }))) redisTarget = { host: '127.0.0.1', port: redisPort };
      }
      for (const s of Object.values(keys.schemas)) {
        if (!s.endpoint) continue; // real AWS
        const u = new URL(s.endpoint);
        const p = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
        if (u.protocol === 'http:' && isLoopbackHost(u.hostname) && !(await tcpAnswers(p)) && !dynamoToStart.includes(p)) {
          dynamoToStart.push(p);
          dynamoEndpoint = dynamoEndpoint || `http://127.0.0.1:${p}`;
        }
      }
      if (!dynamoToStart.length && !opts.dynamoEndpoint) dynamoEndpoint = null;
    } else {
      redisPort = await freePort();
      if (opts.redis !== false) redisTarget = { host: '127.0.0.1', port: redisPort };
      if (!dynamoEndpoint) {
        const p = await freePort();
        dynamoToStart.push(p);
        dynamoEndpoint = `http://127.0.0.1:${p}`;
      }
    }

    // Redis: no persistence, nothing written outside the work dir.
    const redisArgs = (t) => [
      '--bind', '127.0.0.1', '--port', String(t.socket ? 0 : t.port),
      ...(t.socket ? ['--unixsocket', t.socket, '--unixsocketperm', '700'] : []),
      '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', workDir, '--loglevel', 'warning',
    ];
    if (redisTarget) {
      log(`starting redis-server on ${redisTarget.socket || `127.0.0.1:${redisTarget.port}`}`);
      await startService('redis', 'redis-server', redisArgs(redisTarget), () => redisPing(redisTarget), 'answering PING');
    }
    stack.stopRedis = async () => {
      for (const s of services.filter((x) => x.name === 'redis' && !x.exited)) await s.stop(3000);
    };
    stack.startRedis = async () => {
      const t = redisTarget || { host: '127.0.0.1', port: redisPort };
      await startService('redis', 'redis-server', redisArgs(t), () => redisPing(t), 'answering PING');
    };

    for (const p of dynamoToStart) {
      log(`starting dynalite on 127.0.0.1:${p}`);
      await startService(
        'dynalite', process.execPath,
        [DYNALITE_CLI, '--host', '127.0.0.1', '--port', String(p), '--createTableMs', '5', '--deleteTableMs', '5', '--updateTableMs', '5'],
        async () => {
          try {
            await dynamoClient(`http://127.0.0.1:${p}`)('ListTables', {});
            return true;
          } catch {
            return false;
          }
        },
        'answering ListTables',
        { logFile: path.join(workDir, `dynalite-${p}.log`) },
      );
    }
    if (dynamoEndpoint && opts.loadDemo !== false && (dynamoToStart.length || opts.dynamoEndpoint)) {
      log(`loading the demo dataset into ${dynamoEndpoint}`);
      await loadDemo(dynamoEndpoint, { region: DEMO_REGION });
    }

    if (!configPath) {
      configPath = path.join(workDir, 'ddbsql.conf');
      fs.writeFileSync(
        configPath,
        defaultConfigText({ ...opts, port, redisPort, dynamoEndpoint, logLevel: opts.logLevel || 'info' }),
        { mode: 0o600 },
      );
    }

    const workerEnv = {
      DDBSQL_CONFIG: configPath,
      ...(variant === 'asan' ? SANITIZER_ENV : {}),
      ...(opts.env || {}),
    };

    // Validate the config the way an operator would, for a clear message.
    const check = spawnSync(mcpBin, ['--check-config'], {
      env: { ...process.env, ...workerEnv },
      encoding: 'utf8',
      timeout: 15000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (check.status !== 0) {
      throw new Error(`${mcpBin} --check-config rejected ${configPath} (${check.error?.message || `status ${check.status ?? check.signal}`}):\n${check.stdout}${check.stderr}`);
    }

    // lighttpd: a small main config around the shared endpoint list.
    const docRoot = path.join(workDir, 'htdocs');
    fs.mkdirSync(docRoot, { recursive: true });
    const envArray = Object.entries(workerEnv).map(([k, v]) => `  ${lighttpdString(k)} => ${lighttpdString(v)},`).join('\n');
    const lighttpdConf = path.join(workDir, 'lighttpd.conf');
    fs.writeFileSync(lighttpdConf, `# Generated by deploy/local/stack.mjs
server.bind = "127.0.0.1"
server.port = ${port}
server.document-root = ${lighttpdString(docRoot)}
server.errorlog = ${lighttpdString(errorLogPath)}
server.upload-dirs = ( ${lighttpdString(workDir)} )
# Let ddbsql's own limits (413/431) be what clients see.
server.max-request-field-size = 65535
# Stream responses (SSE) as the workers write them.
server.stream-response-body = 2
server.modules += ( "mod_accesslog" )
accesslog.filename = ${lighttpdString(path.join(workDir, 'access.log'))}

var.ddbsql_bindir = ${lighttpdString(binDir)}
var.ddbsql_sockdir = ${lighttpdString(sockDir)}
var.ddbsql_max_procs = ${Number(opts.maxProcs || 2)}
var.ddbsql_env = (
${envArray}
)
include ${lighttpdString(LIGHTTPD_SNIPPET)}
`);
    const baseUrl = `http://127.0.0.1:${port}`;
    log(`starting lighttpd on ${baseUrl}`);
    // lighttpd's stdout/stderr and its workers' stderr all go to the error log.
    await startService('lighttpd', 'lighttpd', ['-D', '-f', lighttpdConf], () => httpAnswers(`${baseUrl}/`), 'answering HTTP', {
      logFile: errorLogPath,
      env: { ...process.env, ...workerEnv },
      timeoutMs: 30000,
    });

    Object.assign(stack, {
      baseUrl,
      mcpUrl: `${baseUrl}/mcp`,
      port,
      configPath,
      redisPort,
      dynamoEndpoint,
      lighttpdConfPath: lighttpdConf,
    });
    // Report an unexpected end of the web server on the stack.
    const web = services.find((s) => s.name === 'lighttpd');
    stack.exited = web.exitPromise.then(() => web.exitInfo);
    return stack;
  } catch (e) {
    opts.keepWorkDir = true; // keep the logs the message points at
    await stack.stop();
    throw e;
  }
}

// ---- script mode ----------------------------------------------------------------

// The auth of `make run` when AUTH is not set: oauth once the shared endpoint
// list routes /token (without it no client could get a token), else none.
function defaultAuth() {
  const routesToken = /^\s*"\/token"\s*=>/m.test(fs.readFileSync(LIGHTTPD_SNIPPET, 'utf8'));
  return routesToken ? 'oauth' : 'none';
}

// The demo credentials of an auth = oauth stack, for scripts: written with
// mode 0600 (they are secrets, if only demo ones).
function writeDemoJson(file, doc) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
}

async function main() {
  const variant = process.env.VARIANT || 'release';
  const port = Number(process.env.PORT || 0) || null;
  const config = process.env.CONFIG || null;
  const auth = process.env.AUTH || (config ? null : defaultAuth());
  if (auth && auth !== 'oauth' && auth !== 'none') {
    console.error(`make run: AUTH must be oauth or none, not '${auth}'`);
    process.exit(2);
  }
  const demoJson = process.env.DDBSQL_DEMO_JSON || path.join(REPO_ROOT, 'run', 'demo.json');
  let usePort = port;
  if (!usePort && config) {
    // Listen where the config's public_url says, when that is a local http URL.
    try {
      const u = new URL(readConfigKeys(config).global.public_url);
      if (u.protocol === 'http:' && isLoopbackHost(u.hostname) && u.port) usePort = Number(u.port);
    } catch {
      /* --check-config will say what is wrong */
    }
  }
  usePort = usePort || 8080;
  const workDir = process.env.DDBSQL_RUN_DIR || path.join(REPO_ROOT, '.run');
  fs.rmSync(workDir, { recursive: true, force: true });
  fs.rmSync(demoJson, { force: true }); // never leave an older run's credentials behind

  // auth = oauth: a signing key for this run, a demo user and API client.
  let creds = null;
  let configExtra = '';
  if (!config && auth === 'oauth') {
    creds = newDemoCredentials();
    const keyFile = writeSigningKey(path.join(workDir, 'keys', 'local-dev.pem'));
    configExtra = demoOAuthConfig({ keyFile, creds });
  }

  let stack;
  try {
    stack = await startStack({
      variant,
      port: usePort,
      config,
      workDir,
      keepWorkDir: true,
      ...(config ? {} : { auth, configExtra }),
      // MCP Inspector's web UI (npx @modelcontextprotocol/inspector)
      extraOrigins: ['http://localhost:6274', 'http://127.0.0.1:6274'],
      log: (m) => console.log(`[stack] ${m}`),
    });
  } catch (e) {
    console.error(`\nmake run: could not start the stack: ${e.message}`);
    process.exit(1);
  }
  const initBody = `'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"0"}}}'`;
  let authText;
  let curlText;
  if (creds) {
    const tokenUrl = `${stack.baseUrl}/token`;
    writeDemoJson(demoJson, {
      note: 'DEMO ONLY: generated by make run for this local stack; never use these anywhere else.',
      mcp_url: stack.mcpUrl,
      issuer: stack.baseUrl,
      authorization_endpoint: `${stack.baseUrl}/authorize`,
      token_endpoint: tokenUrl,
      user: { name: creds.user.name, password: creds.user.password, scopes: 'query schemas:read' },
      api_client: {
        client_id: creds.apiClient.clientId,
        client_secret: creds.apiClient.clientSecret,
        grant_type: 'client_credentials',
        scopes: creds.apiClient.scopes,
      },
    });
    const rel = path.relative(process.cwd(), demoJson);
    authText = `
Sign-in (auth = oauth). DEMO ONLY: made for this run, also in ${rel.startsWith('..') ? demoJson : rel}:
  Browser sign-in:  user ${creds.user.name}, password ${creds.user.password}
  API client:       client_id ${creds.apiClient.clientId}, client_secret ${creds.apiClient.clientSecret}
                    (client_credentials, scopes: ${creds.apiClient.scopes})
`;
    curlText = `  curl:           TOKEN=$(curl -s -u ${creds.apiClient.clientId}:${creds.apiClient.clientSecret} -d grant_type=client_credentials ${tokenUrl} \\
                    | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')
                  curl -s ${stack.mcpUrl} -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
                    -H 'Accept: application/json, text/event-stream' -d ${initBody}`;
  } else {
    authText = config ? '' : `
No sign-in (auth = none; AUTH=oauth make run for OAuth with a demo user and API client).
`;
    curlText = `  curl:           curl -s ${stack.mcpUrl} -H 'Content-Type: application/json' \\
                    -H 'Accept: application/json, text/event-stream' \\
                    -d ${initBody}`;
  }
  console.log(`
ddbsql is running (${variant} build, auth = ${config ? 'as configured' : auth}).

  MCP endpoint:  ${stack.mcpUrl}
  Config:        ${stack.configPath}
  Logs:          ${stack.errorLogPath}  (web server and workers)
                 ${path.join(workDir, 'access.log')}
  DynamoDB:      ${stack.dynamoEndpoint || 'as configured'}${stack.dynamoEndpoint && !config ? '  (dynalite, demo tables: customers orders order_items products)' : ''}
  Redis:         ${stack.redisPort ? `127.0.0.1:${stack.redisPort}` : 'as configured'}
${authText}
Connect a client${creds ? ` (it opens a browser: sign in as ${creds.user.name} and approve)` : ''}:
  Claude Code:    claude mcp add --transport http ddbsql ${stack.mcpUrl}
  MCP Inspector:  npx @modelcontextprotocol/inspector   (transport "Streamable HTTP", URL ${stack.mcpUrl})
${curlText}

Press Ctrl-C to stop.`);
  process.on('SIGINT', () => console.log('\nstopping...'));
  const why = await stack.exited;
  if (stack.stopping) return; // Ctrl-C: the signal handler stops and exits
  console.error(`\nlighttpd stopped unexpectedly (${why}); last lines of ${stack.errorLogPath}:`);
  console.error(stack.readErrorLog().split('\n').slice(-30).join('\n'));
  await stack.stop();
  process.exit(1);
}

if (import.meta.url === pathToFileURL(process.argv[1] || '').href) {
  main();
}

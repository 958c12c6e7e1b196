// Shared plumbing of the SQL test runners (run-golden.mjs,
// run-differential.mjs): the ddbsql-sql executable under test, private
// dynalite and redis processes on free loopback ports, config files that
// point at them, and one function that runs a statement and parses the
// result contract:
//
//   ddbsql-sql [--config FILE] [--max-rows N] [--format rows|objects] [--plan] [--trace] SQL
//   stdout: {"columns":[{"name","type"}],"rows":[[...]],"row_count":N,"truncated":bool,
//            "next_cursor"?,"stats":{...,"plan":"..."}}
//   exit 1 with {"error":"...","hint":"..."} on a SQL error
//   --trace: one JSON line per DynamoDB call on stderr:
//            {"op":"Query","request":{...},"items":N,"scanned":N}

import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_ACCESS_KEY_ID, DEMO_REGION, DEMO_SECRET_ACCESS_KEY, freePort } from '../../../deploy/local/stack.mjs';
import { dynamoClient } from '../../../deploy/local/load-demo.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '../../..');
export const VARIANT = process.env.DDBSQL_TEST_VARIANT || 'asan';
export const SQL_BIN = process.env.DDBSQL_SQL_BIN || path.join(REPO_ROOT, 'build', VARIANT, 'bin', 'ddbsql-sql');
const DYNALITE_CLI = path.join(REPO_ROOT, 'deploy/local/node_modules/dynalite/cli.js');

const SANITIZER_ENV = {
  ASAN_OPTIONS: 'halt_on_error=1:abort_on_error=0:detect_leaks=1:print_summary=1:strict_string_checks=1',
  UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1:print_summary=1',
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A work dir for logs and configs, removed by cleanup() unless kept. */
export function makeWorkDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `ddbsql-sqltest-${prefix}-`));
}

// Processes started here, killed (by their own process group) on exit.
const started = new Set();
process.on('exit', () => {
  for (const p of started) {
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => process.exit(sig === 'SIGINT' ? 130 : 143));
}

function startProcess(cmd, args, logFile) {
  const fd = fs.openSync(logFile, 'a');
  const p = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  started.add(p);
  p.exitedP = new Promise((resolve) => p.on('exit', () => resolve()));
  p.on('exit', () => {
    p.exited = true;
    started.delete(p);
  });
  return p;
}

async function stopProcess(p) {
  if (!p || p.exited) return;
  try {
    process.kill(-p.pid, 'SIGTERM');
  } catch {
    return;
  }
  await Promise.race([p.exitedP, sleep(3000)]);
  if (!p.exited) {
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** Starts dynalite on a free loopback port. Returns {endpoint, stop()}. */
export async function startDynalite(workDir, name = 'dynalite') {
  if (!fs.existsSync(DYNALITE_CLI)) throw new Error(`${DYNALITE_CLI} not found: run tests/install-deps.sh`);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const log = path.join(workDir, `${name}.log`);
    const p = startProcess(process.execPath, [DYNALITE_CLI, '--host', '127.0.0.1', '--port', String(port),
      '--createTableMs', '0', '--deleteTableMs', '0', '--updateTableMs', '0'], log);
    const endpoint = `http://127.0.0.1:${port}`;
    const call = dynamoClient(endpoint);
    const deadline = Date.now() + 20000;
    let ok = false;
    while (!p.exited && Date.now() < deadline) {
      try {
        await call('ListTables', {});
        ok = true;
        break;
      } catch {
        await sleep(30);
      }
    }
    if (ok) return { endpoint, call, stop: () => stopProcess(p) };
    await stopProcess(p);
    const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
    if (attempt < 3 && /EADDRINUSE/.test(text)) continue;
    throw new Error(`dynalite did not start on port ${port}; its log ${log}:\n${text.slice(-2000)}`);
  }
}

/** Starts redis-server on a free loopback port (no persistence). Returns {port, stop()}. */
export async function startRedis(workDir) {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const log = path.join(workDir, 'redis.log');
    const p = startProcess('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '',
      '--appendonly', 'no', '--daemonize', 'no', '--dir', workDir, '--loglevel', 'warning'], log);
    const deadline = Date.now() + 10000;
    while (!p.exited && Date.now() < deadline) {
      if (await redisPing(port)) return { port, stop: () => stopProcess(p) };
      await sleep(30);
    }
    await stopProcess(p);
    if (attempt >= 3) throw new Error(`redis-server did not start on port ${port}; see ${log}`);
  }
}

async function redisPing(port) {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    const done = (v) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(500, () => done(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      got += d;
      if (got.includes('\r\n')) done(got.startsWith('+PONG'));
    });
    s.on('error', () => done(false));
  });
}

/** Writes a ddbsql config with one default schema `schema` over endpoint. */
export function writeConfig(file, { schema, endpoint, redisPort, keyPrefix, extraGlobal = '', extraSchema = '' }) {
  fs.writeFileSync(file, `# Generated by tests/sql/lib/env.mjs
public_url = http://127.0.0.1:1
auth = none
log_level = warn
metadata_ttl_seconds = 86400
sample_size = 10000
${extraGlobal}

[redis]
host = 127.0.0.1
port = ${redisPort}
key_prefix = ${keyPrefix}

[sql]
# a fixed test key, so cursors are stable and no warning is logged
cursor_secret = 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff

[schema ${schema}]
default = true
region = ${DEMO_REGION}
endpoint = ${endpoint}
credentials = static
access_key_id = ${DEMO_ACCESS_KEY_ID}
secret_access_key = ${DEMO_SECRET_ACCESS_KEY}
${extraSchema}
`, { mode: 0o600 });
  return file;
}

const SANITIZER_START = /(==\d+==ERROR: (Address|Leak|Memory)Sanitizer|: runtime error: |==\d+==WARNING: .*Sanitizer)/;

/**
 * Runs one statement. Returns
 *   {status, result (parsed stdout JSON or null), stdout, stderr,
 *    trace: [{op, request, items, scanned}], sanitizer: report text or null,
 *    problem: text when the run broke the contract (crash, bad JSON)}.
 */
export function runSql(sql, { config, maxRows, format, plan = false, trace = false, cursor, timeoutMs = 60000 } = {}) {
  const args = [];
  if (config) args.push('--config', config);
  if (maxRows !== undefined) args.push('--max-rows', String(maxRows));
  if (format) args.push('--format', format);
  if (plan) args.push('--plan');
  if (cursor) args.push('--cursor', cursor);
  if (trace) args.push('--trace');
  args.push('--', sql);
  return new Promise((resolve) => {
    execFile(SQL_BIN, args, {
      env: { ...process.env, ...(VARIANT === 'asan' ? SANITIZER_ENV : {}), ...(config ? { DDBSQL_CONFIG: config } : {}) },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      const out = { status, stdout, stderr, result: null, trace: [], sanitizer: null, problem: null };
      if (err && err.killed) out.problem = `timed out after ${timeoutMs} ms`;
      else if (err && status === null) out.problem = `${err.signal ? `killed by ${err.signal}` : err.message}`;
      const lines = stderr.split('\n');
      const i = lines.findIndex((l) => SANITIZER_START.test(l));
      if (i >= 0) out.sanitizer = lines.slice(i, i + 60).join('\n');
      for (const l of lines) {
        if (!l.startsWith('{')) continue;
        try {
          const ev = JSON.parse(l);
          if (ev && typeof ev.op === 'string') out.trace.push(ev);
        } catch {
          /* a log line, not a trace event */
        }
      }
      if (!out.problem) {
        try {
          out.result = parseJsonExact(stdout);
        } catch {
          out.problem = `exit status ${status}, stdout is not JSON: ${stdout.slice(0, 500)}${stderr ? `\nstderr: ${stderr.slice(0, 1500)}` : ''}`;
        }
      }
      if (!out.problem && status !== 0 && status !== 1) {
        out.problem = `exit status ${status}: ${stderr.slice(0, 1500)}`;
      }
      if (!out.problem && status === 1 && !(out.result && typeof out.result.error === 'string')) {
        out.problem = `exit status 1 without an {"error": ...} document: ${stdout.slice(0, 500)}`;
      }
      if (!out.problem && status === 0 && !(out.result && Array.isArray(out.result.rows) && Array.isArray(out.result.columns))) {
        out.problem = `exit status 0 without columns and rows: ${stdout.slice(0, 500)}`;
      }
      resolve(out);
    });
  });
}

/** Runs fn over items with at most n at a time; results in input order. */
export async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
  return out;
}

/** JSON with object keys sorted at every level (stable request rendering). */
export function sortedJson(v) {
  const sortKeys = (x) => {
    if (Array.isArray(x)) return x.map(sortKeys);
    if (x && typeof x === 'object') {
      const o = {};
      for (const k of Object.keys(x).sort()) o[k] = sortKeys(x[k]);
      return o;
    }
    return x;
  };
  return JSON.stringify(sortKeys(v));
}

/** TAP-ish reporting shared by the runners: "ok N - name" / "not ok N - name". */
export class Reporter {
  constructor(prefix) {
    this.prefix = prefix;
    this.n = 0;
    this.pass = 0;
    this.fail = 0;
    this.skip = 0;
    this.failed = [];
  }

  ok(name) {
    this.n++;
    this.pass++;
    console.log(`ok ${this.n} - ${this.prefix}${name}`);
  }

  notOk(name, details) {
    this.n++;
    this.fail++;
    this.failed.push(name);
    console.log(`not ok ${this.n} - ${this.prefix}${name}`);
    if (details) console.log(details.replace(/\n+$/, '').split('\n').map((l) => `#   ${l}`).join('\n'));
  }

  skipped(name, why) {
    this.n++;
    this.skip++;
    console.log(`ok ${this.n} - ${this.prefix}${name} # SKIP ${why}`);
  }

  finish() {
    console.log(`1..${this.n}`);
    console.log(`${this.pass} passed, ${this.fail} failed${this.skip ? `, ${this.skip} skipped` : ''}`);
    return this.fail === 0 ? 0 : 1;
  }
}

/** A JSON number kept as its exact text (JSON.parse would round 0.30 to 0.3
 * and lose digits past 2^53). */
export class Num {
  constructor(text) {
    this.text = text;
  }

  toString() {
    return this.text;
  }
}

/** JSON.parse, except that numbers become Num (exact text). */
export function parseJsonExact(text) {
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const fail = (what) => {
    throw new SyntaxError(`JSON: ${what} at offset ${i}`);
  };
  const value = () => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const o = {};
      ws();
      if (text[i] === '}') {
        i++;
        return o;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const k = str();
        ws();
        if (text[i++] !== ':') fail("expected ':'");
        o[k] = value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return o;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const a = [];
      ws();
      if (text[i] === ']') {
        i++;
        return a;
      }
      for (;;) {
        a.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return a;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m && m[0]) {
      i += m[0].length;
      return new Num(m[0]);
    }
    for (const [w, v] of [['true', true], ['false', false], ['null', null]]) {
      if (text.startsWith(w, i)) {
        i += w.length;
        return v;
      }
    }
    return fail('unexpected character');
  };
  const str = () => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail('unterminated string');
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const v = value();
  ws();
  if (i !== text.length) fail('trailing text');
  return v;
}

/** Compact JSON of a parseJsonExact value (numbers written from their text). */
export function exactJson(v) {
  if (v === null) return 'null';
  if (v instanceof Num) return v.text;
  if (Array.isArray(v)) return `[${v.map(exactJson).join(',')}]`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${exactJson(x)}`).join(',')}}`;
  return JSON.stringify(v);
}

/** One cell for the golden files: NULL, true/false, a number's exact text,
 * a JSON string, or compact JSON for maps and lists. */
export function renderCell(v) {
  if (v === null || v === undefined) return 'NULL';
  return exactJson(v);
}

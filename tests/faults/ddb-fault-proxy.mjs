#!/usr/bin/env node
// A small fault-injecting proxy in front of a DynamoDB endpoint (dynalite in
// the tests). ddbsql's workers talk to it as if it were DynamoDB; the test
// decides, request by request or for a while, what each DynamoDB call gets:
//
//   throttle      400 ProvisionedThroughputExceededException (a table's capacity)
//   throttling    400 ThrottlingException (the account's request rate)
//   error500      500 InternalServerError
//   error503      503 ServiceUnavailable
//   delay         wait delayMs, then pass the request through (a slow DynamoDB)
//   drop          read the request, then close the connection without an answer
//   pass          forward as is (the default when no rule matches)
//
// A rule is {fault, ops?, times?, forMs?, delayMs?, p?}: ops limits it to
// some operations (the X-Amz-Target suffix: 'Query', 'Scan', 'DescribeTable',
// ...), times to the next N matching calls, forMs to a period from now, p
// (0..1) to that share of the matching calls, drawn at random (the others
// pass and do not count against times). Rules are tried in order; the first
// live one that matches applies.
//
// JS API (tests and the soak):
//   const proxy = await startFaultProxy({ target: 'http://127.0.0.1:4567' });
//   proxy.url; proxy.setRules([{ fault: 'throttle', ops: ['Query'], times: 3 }]);
//   proxy.addRule(rule); proxy.clear(); proxy.stats(); proxy.resetStats();
//   await proxy.stopListening(); await proxy.listen();   // "nothing listening" and back
//   await proxy.close();
//
// HTTP control on the same port (DynamoDB's own requests are all POST /):
//   GET /__faults           the stats and rules as JSON
//   POST /__faults          body: a rule or an array of rules; replaces the rules
//   POST /__faults/add      body: one rule, appended
//   DELETE /__faults        clears the rules
//
// Script use: node tests/faults/ddb-fault-proxy.mjs --target URL [--port N]
//
// startDynalite() starts a dynalite of deploy/local on a free loopback port.

import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DYNALITE_CLI = path.resolve(HERE, '../../deploy/local/node_modules/dynalite/cli.js');

export const FAULTS = ['throttle', 'throttling', 'error500', 'error503', 'delay', 'drop', 'pass'];

const ERROR_ANSWERS = {
  throttle: [
    400,
    'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  ],
  throttling: [400, 'com.amazon.coral.availability#ThrottlingException', 'Rate of requests exceeds the allowed throughput.'],
  error500: [500, 'com.amazonaws.dynamodb.v20120810#InternalServerError', 'Internal server error'],
  error503: [503, 'com.amazonaws.dynamodb.v20120810#ServiceUnavailableException', 'Service unavailable'],
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function checkRule(rule) {
  if (!rule || typeof rule !== 'object') throw new Error('a fault rule is an object');
  if (!FAULTS.includes(rule.fault)) throw new Error(`unknown fault '${rule.fault}' (one of ${FAULTS.join(', ')})`);
  if (rule.ops !== undefined && !(Array.isArray(rule.ops) && rule.ops.every((o) => typeof o === 'string'))) {
    throw new Error('ops is a list of operation names');
  }
  for (const k of ['times', 'forMs', 'delayMs']) {
    if (rule[k] !== undefined && !(Number.isInteger(rule[k]) && rule[k] >= 0)) throw new Error(`${k} is a whole number >= 0`);
  }
  if (rule.fault === 'delay' && !rule.delayMs) throw new Error('a delay rule needs delayMs');
  if (rule.p !== undefined && !(typeof rule.p === 'number' && rule.p >= 0 && rule.p <= 1)) throw new Error('p is a number from 0 to 1');
  return {
    fault: rule.fault,
    ops: rule.ops ? [...rule.ops] : null,
    left: rule.times ?? Infinity,
    until: rule.forMs !== undefined ? Date.now() + rule.forMs : Infinity,
    delayMs: rule.delayMs || 0,
    p: rule.p ?? 1,
  };
}

function newStats() {
  return {
    requests: 0, // DynamoDB calls received
    byOp: {}, // op -> calls
    faults: {}, // fault -> calls it answered (pass included)
    faultsByOp: {}, // "fault op" -> calls
    forwarded: 0, // calls passed to the target (after any delay)
    aborted: 0, // calls whose client went away before the answer
    upstreamErrors: 0, // the target failed (answered 502)
    inFlight: 0,
  };
}

/**
 * Starts the proxy. target: the DynamoDB URL behind it; port: where to
 * listen (default: a free loopback port, kept across stopListening/listen).
 */
export async function startFaultProxy({ target, port = 0, host = '127.0.0.1' } = {}) {
  if (!target) throw new Error('startFaultProxy: target (the DynamoDB URL) is required');
  const up = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let rules = [];
  let stats = newStats();
  const inFlight = new Map(); // id -> {op, remotePort, started}
  let nextId = 1;
  const sockets = new Set();

  const pick = (op) => {
    const now = Date.now();
    rules = rules.filter((r) => r.left > 0 && r.until > now);
    const r = rules.find((x) => !x.ops || x.ops.includes(op));
    if (!r || (r.p < 1 && Math.random() >= r.p)) return { fault: 'pass', delayMs: 0 };
    r.left--;
    return r;
  };

  const count = (fault, op) => {
    stats.faults[fault] = (stats.faults[fault] || 0) + 1;
    const k = `${fault} ${op}`;
    stats.faultsByOp[k] = (stats.faultsByOp[k] || 0) + 1;
  };

  const answerError = (res, fault) => {
    const [status, type, message] = ERROR_ANSWERS[fault];
    const body = JSON.stringify({ __type: type, message });
    res.writeHead(status, {
      'Content-Type': 'application/x-amz-json-1.0',
      'Content-Length': Buffer.byteLength(body),
      'x-amzn-RequestId': `fault-proxy-${nextId}`,
    });
    res.end(body);
  };

  const forward = (req, res, body, gone) =>
    new Promise((resolve) => {
      const headers = { ...req.headers, 'content-length': Buffer.byteLength(body) };
      const u = http.request(
        { host: up.hostname, port: up.port || 80, method: req.method, path: req.url, headers, agent },
        (ur) => {
          const chunks = [];
          ur.on('data', (d) => chunks.push(d));
          ur.on('end', () => {
            if (!gone()) {
              const out = Buffer.concat(chunks);
              const h = { ...ur.headers, 'content-length': out.length };
              delete h['transfer-encoding'];
              res.writeHead(ur.statusCode, h);
              res.end(out);
            }
            resolve();
          });
          ur.on('error', () => resolve());
        },
      );
      u.on('error', (e) => {
        stats.upstreamErrors++;
        if (!gone()) {
          res.writeHead(502, { 'Content-Type': 'text/plain' });
          res.end(`fault proxy: the target ${target} failed: ${e.message}`);
        }
        resolve();
      });
      stats.forwarded++;
      u.end(body);
    });

  const control = async (req, res, body) => {
    const send = (status, obj) => {
      const text = JSON.stringify(obj);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    try {
      if (req.method === 'GET') return send(200, { stats: proxy.stats(), rules: proxy.rules() });
      if (req.method === 'DELETE') {
        proxy.clear();
        return send(200, { ok: true });
      }
      if (req.method === 'POST') {
        const doc = JSON.parse(body.toString('utf8') || 'null');
        if (req.url.startsWith('/__faults/add')) proxy.addRule(doc);
        else proxy.setRules(Array.isArray(doc) ? doc : doc ? [doc] : []);
        return send(200, { ok: true, rules: proxy.rules() });
      }
      return send(405, { error: 'GET, POST or DELETE' });
    } catch (e) {
      return send(400, { error: e.message });
    }
  };

  const server = http.createServer(async (req, res) => {
    const chunks = [];
    try {
      for await (const c of req) chunks.push(c);
    } catch {
      return; // the client went away while sending
    }
    const body = Buffer.concat(chunks);
    if (req.url.startsWith('/__faults')) return control(req, res, body);

    const target = String(req.headers['x-amz-target'] || '');
    const op = target.includes('.') ? target.slice(target.lastIndexOf('.') + 1) : target || '?';
    const id = nextId++;
    stats.requests++;
    stats.byOp[op] = (stats.byOp[op] || 0) + 1;
    stats.inFlight++;
    inFlight.set(id, { op, remotePort: req.socket.remotePort, started: Date.now() });
    let answered = false;
    let closed = false;
    res.on('finish', () => (answered = true));
    res.on('close', () => {
      if (!answered && !closed) stats.aborted++;
      closed = true;
    });
    const gone = () => closed || res.destroyed;
    try {
      const rule = pick(op);
      count(rule.fault, op);
      switch (rule.fault) {
        case 'throttle':
        case 'throttling':
        case 'error500':
        case 'error503':
          answerError(res, rule.fault);
          break;
        case 'drop':
          answered = true; // on purpose, not an abort
          req.socket.destroy();
          break;
        case 'delay': {
          const end = Date.now() + rule.delayMs;
          while (Date.now() < end && !gone()) await sleep(Math.min(20, end - Date.now()));
          if (!gone()) await forward(req, res, body, gone);
          break;
        }
        default:
          await forward(req, res, body, gone);
      }
    } finally {
      stats.inFlight--;
      inFlight.delete(id);
    }
  });
  server.keepAliveTimeout = 30000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  let boundPort = port;
  const listen = () =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(boundPort, host, () => {
        server.off('error', reject);
        boundPort = server.address().port;
        resolve();
      });
    });
  const stopListening = () =>
    new Promise((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      // Kept-alive connections too: "nothing listening" means nothing answers.
      for (const s of sockets) s.destroy();
    });
  await listen();

  const proxy = {
    get port() {
      return boundPort;
    },
    get url() {
      return `http://${host}:${boundPort}`;
    },
    target,
    setRules(list) {
      rules = (list || []).map(checkRule);
    },
    addRule(rule) {
      rules.push(checkRule(rule));
    },
    clear() {
      rules = [];
    },
    rules() {
      return rules.map((r) => ({
        fault: r.fault,
        ops: r.ops,
        left: r.left === Infinity ? null : r.left,
        untilMs: r.until === Infinity ? null : r.until - Date.now(),
        delayMs: r.delayMs || undefined,
        p: r.p < 1 ? r.p : undefined,
      }));
    },
    /** A snapshot of the counters, plus the calls in flight now. */
    stats() {
      return {
        ...structuredClone(stats),
        calls: [...inFlight.values()].map((c) => ({ ...c, ageMs: Date.now() - c.started })),
      };
    },
    resetStats() {
      const live = stats.inFlight;
      stats = newStats();
      stats.inFlight = live;
    },
    /** Waits until a call of op is in flight; returns it ({op, remotePort}). */
    async waitInFlight(op, timeoutMs = 10000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const c = [...inFlight.values()].find((x) => !op || x.op === op);
        if (c) return c;
        if (Date.now() > deadline) throw new Error(`fault proxy: no ${op || ''} call in flight within ${timeoutMs} ms`);
        await sleep(10);
      }
    },
    listen,
    stopListening,
    get listening() {
      return server.listening;
    },
    async close() {
      await stopListening();
      agent.destroy();
    },
  };
  return proxy;
}

function tcpAnswers(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts dynalite (in memory) on a free loopback port: {url, port, stop()}. */
export async function startDynalite() {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const proc = spawn(process.execPath, [DYNALITE_CLI, '--host', '127.0.0.1', '--port', String(port), '--createTableMs', '5', '--deleteTableMs', '5', '--updateTableMs', '5'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (d) => (stderr += d));
    let exited = false;
    proc.on('exit', () => (exited = true));
    const deadline = Date.now() + 20000;
    while (!exited && Date.now() < deadline && !(await tcpAnswers(port))) await sleep(30);
    if (!exited && (await tcpAnswers(port))) {
      return {
        port,
        url: `http://127.0.0.1:${port}`,
        pid: proc.pid,
        async stop() {
          if (exited) return;
          proc.kill('SIGTERM');
          for (let i = 0; i < 100 && !exited; i++) await sleep(20);
          if (!exited) proc.kill('SIGKILL');
        },
      };
    }
    proc.kill('SIGKILL');
    if (attempt >= 3 || !/EADDRINUSE/.test(stderr)) throw new Error(`dynalite did not start on ${port}: ${stderr.slice(-2000)}`);
  }
}

// ---- script mode ------------------------------------------------------------

async function main() {
  const args = process.argv.slice(2);
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const target = opt('--target');
  if (!target) {
    console.error('usage: ddb-fault-proxy.mjs --target URL [--port N]');
    process.exit(2);
  }
  const proxy = await startFaultProxy({ target, port: Number(opt('--port') || 0) });
  console.log(`fault proxy on ${proxy.url} -> ${target}; control: ${proxy.url}/__faults`);
}

if (import.meta.url === pathToFileURL(process.argv[1] || '').href) main();

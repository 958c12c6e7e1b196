// DynamoDB faults under run_sql, through lighttpd: a fault proxy
// (tests/faults/ddb-fault-proxy.mjs) sits between the workers and dynalite
// and answers chosen calls with throttling, 5xx, dropped connections or a
// long delay, or stops listening altogether. What must hold:
//   - faults that stop within the retry budget are retried away: the query
//     succeeds, and the proxy saw exactly the retries;
//   - faults that persist end in a tool error (isError) that says what
//     happened and what to do, after at most [dynamodb] max_attempts calls;
//   - DynamoDB unreachable: the same, quickly;
//   - a slow DynamoDB: [sql] time_limit_ms holds, the worker hangs up on
//     DynamoDB and serves the next request;
//   - a ddbsql-mcp worker killed mid-request: that request fails, lighttpd
//     starts a new worker, every other request is answered;
//   - no worker crashes or restarts because of a fault (same PIDs), and no
//     sanitizer reports.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateDemoData } from '../../deploy/local/demo-data.mjs';
import { assertNoSanitizerReports, describeResponse, httpRequest, rpc, startTestStack } from './lib/harness.mjs';
import { startDynalite, startFaultProxy } from '../faults/ddb-fault-proxy.mjs';
import { fcgiWorkers, pidOfLocalPort } from '../faults/procs.mjs';

const MAX_ATTEMPTS = 5;
const TIME_LIMIT_MS = 2500;
const RETRY_BUDGET_MS = 3000;

const DEMO = Object.fromEntries(generateDemoData().map(({ definition, items }) => [definition.TableName, items]));
// A customer with orders: the key query reads one partition with Query.
const CUSTOMER = (() => {
  const n = new Map();
  for (const o of DEMO.orders) n.set(o.customer_id.S, (n.get(o.customer_id.S) || 0) + 1);
  return [...n.entries()].filter(([, k]) => k >= 2).map(([c]) => c).sort()[0];
})();
const ORDERS = DEMO.orders.filter((o) => o.customer_id.S === CUSTOMER).length;
const KEY_QUERY = `SELECT order_id, total FROM orders WHERE customer_id = '${CUSTOMER}'`;
const SCAN_QUERY = 'SELECT COUNT(*) AS n FROM products';

let dynalite;
let proxy;
let stack;
let nextId = 1;

before(async () => {
  dynalite = await startDynalite();
  proxy = await startFaultProxy({ target: dynalite.url });
  stack = await startTestStack({
    dynamoEndpoint: proxy.url,
    maxProcs: 2,
    configSql: { time_limit_ms: TIME_LIMIT_MS },
    configExtra: `
[dynamodb]
connect_timeout_ms = 300
request_timeout_ms = 3000
retry_budget_ms = ${RETRY_BUDGET_MS}
max_attempts = ${MAX_ATTEMPTS}
base_backoff_ms = 20
`,
  });
  // Every worker knows the tables (DescribeTable is cached per worker), so
  // the faults below reach the reads themselves.
  for (let i = 0; i < 4; i++) {
    await okSql(KEY_QUERY);
    await okSql(SCAN_QUERY);
  }
});

after(async () => {
  await stack?.stop();
  await proxy?.close();
  await dynalite?.stop();
});

function mcpWorkers() {
  return fcgiWorkers(stack.configPath).filter((w) => w.socket === 'ddbsql-mcp.sock');
}

async function runSql(sql) {
  const t0 = Date.now();
  const r = await httpRequest(stack.mcpUrl, { body: rpc(nextId++, 'tools/call', { name: 'run_sql', arguments: { sql } }) });
  r.ms = Date.now() - t0;
  return r;
}

async function okSql(sql) {
  const r = await runSql(sql);
  assert.equal(r.status, 200, describeResponse(r));
  assert.equal(r.json?.result?.isError, undefined, describeResponse(r));
  return r;
}

/** A tool error: HTTP 200, result.isError, no structured result; its text. */
async function toolError(sql) {
  const r = await runSql(sql);
  assert.equal(r.status, 200, describeResponse(r));
  assert.equal(r.json?.result?.isError, true, describeResponse(r));
  assert.equal(r.json.result.structuredContent, undefined);
  return { text: r.json.result.content[0].text, ms: r.ms };
}

function assertKeyQueryRows(r) {
  assert.equal(r.json.result.structuredContent.row_count, ORDERS, describeResponse(r));
}

/** The faults of one test, and afterwards: rules cleared, the same workers. */
async function withFaults(rules, fn) {
  const pids = mcpWorkers().map((w) => w.pid);
  assert.equal(pids.length, 2, `two mcp workers: ${JSON.stringify(mcpWorkers())}`);
  proxy.resetStats();
  proxy.setRules(rules);
  try {
    await fn();
  } finally {
    proxy.clear();
  }
  // No worker died or was replaced, and both still answer.
  assert.deepEqual(mcpWorkers().map((w) => w.pid), pids, 'a worker crashed or was restarted');
  const again = await Promise.all([okSql(KEY_QUERY), okSql(KEY_QUERY)]);
  for (const r of again) assertKeyQueryRows(r);
}

// ---- faults that stop in time ---------------------------------------------------

test('throttling that stops within the budget is retried away', async () => {
  await withFaults([{ fault: 'throttle', ops: ['Query'], times: 3 }], async () => {
    const r = await okSql(KEY_QUERY);
    assertKeyQueryRows(r);
    assert.deepEqual(proxy.stats().faultsByOp, { 'throttle Query': 3, 'pass Query': 1 });
  });
  await withFaults([{ fault: 'throttling', ops: ['Scan'], times: 2 }], async () => {
    const r = await okSql(SCAN_QUERY);
    assert.equal(r.json.result.structuredContent.rows[0][0], DEMO.products.length);
    const s = proxy.stats().faultsByOp;
    assert.equal(s['throttling Scan'], 2, JSON.stringify(s));
    assert.ok(s['pass Scan'] >= 1, JSON.stringify(s));
  });
});

test('5xx answers and dropped connections that stop are retried away', async () => {
  await withFaults(
    [
      { fault: 'error503', ops: ['Query'], times: 2 },
      { fault: 'error500', ops: ['Query'], times: 1 },
      { fault: 'drop', ops: ['Query'], times: 1 },
    ],
    async () => {
      const r = await okSql(KEY_QUERY);
      assertKeyQueryRows(r);
      const s = proxy.stats().faultsByOp;
      assert.equal(s['error503 Query'], 2, JSON.stringify(s));
      assert.equal(s['error500 Query'], 1, JSON.stringify(s));
      assert.equal(s['drop Query'], 1, JSON.stringify(s));
      assert.equal(s['pass Query'], 1, JSON.stringify(s));
    },
  );
});

// ---- faults that persist ----------------------------------------------------------

test('persistent throttling: a tool error that says throttled and what to do, after max_attempts calls', async () => {
  await withFaults([{ fault: 'throttle', ops: ['Query'] }], async () => {
    const { text } = await toolError(KEY_QUERY);
    assert.match(text, /^The query stopped: DynamoDB returned an error: /);
    assert.match(text, new RegExp(`DynamoDB throttled the request \\(ProvisionedThroughputExceededException\\) ${MAX_ATTEMPTS} times in [0-9.]+ s; the table's read capacity is exhausted: retry later or narrow the query`));
    assert.match(text, /What to change: .*wait a little and (retry|run the query again)/);
    assert.deepEqual(proxy.stats().faultsByOp, { [`throttle Query`]: MAX_ATTEMPTS });
  });
  await withFaults([{ fault: 'throttling', ops: ['Scan'] }], async () => {
    const { text } = await toolError(SCAN_QUERY);
    assert.match(text, /DynamoDB throttled the request \(ThrottlingException\) \d+ times .*the account's request rate limit is exceeded: retry later/);
  });
});

test('persistent throttling while a table is described: the error is about DynamoDB, not the table name', async () => {
  // A table no worker has described yet: the first call is DescribeTable.
  await withFaults([{ fault: 'throttling', ops: ['DescribeTable'] }], async () => {
    const { text } = await toolError('SELECT COUNT(*) FROM order_items');
    assert.match(text, /DescribeTable in schema 'demo' failed: DynamoDB throttled the request \(ThrottlingException\)/);
    assert.match(text, /retry later/);
    assert.doesNotMatch(text, /did you mean/, 'a throttled table is no misspelled table');
    assert.equal(proxy.stats().faultsByOp['throttling DescribeTable'], MAX_ATTEMPTS);
  });
});

test('persistent 5xx: a tool error that says DynamoDB kept failing and to retry later', async () => {
  await withFaults([{ fault: 'error503', ops: ['Query'] }], async () => {
    const { text } = await toolError(KEY_QUERY);
    const ep = proxy.url;
    assert.ok(text.includes(`DynamoDB at ${ep} kept failing Query (last: HTTP 503 ServiceUnavailableException) after ${MAX_ATTEMPTS} attempts`), text);
    assert.match(text, /the service is having trouble; retry later/);
    assert.equal(proxy.stats().faultsByOp['error503 Query'], MAX_ATTEMPTS);
  });
  await withFaults([{ fault: 'error500' }], async () => {
    const { text } = await toolError(SCAN_QUERY);
    assert.match(text, /kept failing Scan \(last: HTTP 500 InternalServerError\)/);
  });
});

test('connections dropped without an answer: a tool error naming the endpoint', async () => {
  await withFaults([{ fault: 'drop', ops: ['Query'] }], async () => {
    const { text } = await toolError(KEY_QUERY);
    assert.ok(text.includes(`cannot reach DynamoDB at ${proxy.url}: the server closed the connection without answering (${MAX_ATTEMPTS} attempts`), text);
    assert.match(text, /What to change: .*(unavailable|could not be reached)/);
  });
});

test('DynamoDB unreachable (nothing listening): a clear tool error within the retry budget; back when it is', async () => {
  await withFaults([], async () => {
    await proxy.stopListening();
    try {
      for (const sql of [KEY_QUERY, SCAN_QUERY]) {
        const { text, ms } = await toolError(sql);
        assert.ok(text.includes(`cannot reach DynamoDB at ${proxy.url}: Connection refused (${MAX_ATTEMPTS} attempts`), text);
        assert.match(text, /What to change: .*(unavailable|could not be reached)/);
        // Refused connections fail fast; the budget bounds the whole call
        // (loose bound: a loaded machine and the sanitizers are slow).
        assert.ok(ms < RETRY_BUDGET_MS + 5000, `answered after ${ms} ms`);
      }
    } finally {
      await proxy.listen();
    }
  });
});

// ---- a slow DynamoDB ---------------------------------------------------------------

test('a slow DynamoDB: the query stops at its time limit and the worker serves the next request', async () => {
  await withFaults([{ fault: 'delay', ops: ['Query'], delayMs: 20000 }], async () => {
    const { text, ms } = await toolError(KEY_QUERY);
    assert.match(text, /^The query stopped: it reached its time limit: the query ran past its time limit/);
    assert.ok(text.includes(`The server allows ${TIME_LIMIT_MS} ms per query ([sql] time_limit_ms)`), text);
    // The limit holds: not before it, and not long after it (loose bound).
    assert.ok(ms >= TIME_LIMIT_MS - 100, `answered after ${ms} ms, before the limit`);
    assert.ok(ms < TIME_LIMIT_MS + 4000, `answered after ${ms} ms, long past the ${TIME_LIMIT_MS} ms limit`);
    // The worker hung up on DynamoDB rather than waiting for the answer.
    for (let i = 0; i < 100 && proxy.stats().aborted < 1; i++) await new Promise((r) => setTimeout(r, 20));
    const s = proxy.stats();
    assert.equal(s.aborted, 1, JSON.stringify(s));
    assert.equal(s.forwarded, 0, JSON.stringify(s));
  });
});

// ---- a worker killed mid-request ------------------------------------------------------

test('a ddbsql-mcp worker killed mid-request: that request fails, lighttpd starts a new worker, the rest is answered', async () => {
  const before = mcpWorkers().map((w) => w.pid);
  assert.equal(before.length, 2);
  proxy.resetStats();
  proxy.setRules([{ fault: 'delay', ops: ['Query'], delayMs: 20000 }]);
  let victim;
  try {
    // The query waits on DynamoDB (for less than its time limit: the kill
    // must come first).
    const slow = runSql(KEY_QUERY);
    const call = await proxy.waitInFlight('Query');
    const t0 = Date.now();
    victim = pidOfLocalPort(call.remotePort, proxy.port);
    assert.ok(before.includes(victim), `the call in flight comes from an mcp worker (${victim}; workers ${before})`);
    // Meanwhile the other worker answers (lighttpd sends a request to the
    // least busy worker).
    const other = await httpRequest(stack.mcpUrl, { body: rpc(1000, 'ping') });
    assert.equal(other.status, 200, describeResponse(other));
    process.kill(victim, 'SIGKILL');
    const r = await slow;
    assert.ok(r.status >= 500, `the killed request's answer (${Date.now() - t0} ms after the call began): ${describeResponse(r)}`);
  } finally {
    proxy.clear();
  }
  // lighttpd notices and starts a replacement; every request is answered.
  let now = [];
  for (let i = 0; i < 100; i++) {
    const r = await okSql(KEY_QUERY);
    assertKeyQueryRows(r);
    now = mcpWorkers().map((w) => w.pid);
    if (now.length === 2 && !now.includes(victim)) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(now.length, 2, `two mcp workers again: ${now}`);
  assert.ok(!now.includes(victim), 'the killed worker is gone');
  assert.ok(now.some((p) => !before.includes(p)), 'a new worker replaced it');
  const rs = await Promise.all([1, 2, 3, 4].map(() => okSql(KEY_QUERY)));
  for (const r of rs) assertKeyQueryRows(r);
});

test('no sanitizer reports from the workers', async () => {
  await stack.stop();
  assertNoSanitizerReports(stack);
});

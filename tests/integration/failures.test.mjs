// How /mcp behaves when things around it fail: a DynamoDB endpoint that
// does not answer, Redis going away mid-test, a broken config file; and the
// access log (one line per request, never a secret).
//
// One stack: the demo schema on dynalite, plus a schema `down` whose
// endpoint is a closed loopback port, with a small [dynamodb] retry budget
// so calls to it fail quickly.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  assertNoSanitizerReports,
  DEMO_SECRET_ACCESS_KEY,
  describeResponse,
  freePort,
  httpRequest,
  MCP_BIN,
  rpc,
  startTestStack,
  tempDir,
} from './lib/harness.mjs';

// Credentials of the unreachable schema: distinct, so the log check can
// tell whether either schema's secret leaked.
const DOWN_ACCESS_KEY_ID = 'AKIDUNREACHABLE00000';
const DOWN_SECRET = 'unreachableSchemaSecretKeyValue0123456789';

let stack;
let downEndpoint;
let dir;
let nextId = 1;

before(async () => {
  downEndpoint = `http://127.0.0.1:${await freePort()}`;
  dir = tempDir('failures');
  stack = await startTestStack({
    logLevel: 'debug', // the most logging there is: still no secrets
    configExtra: `
[dynamodb]
connect_timeout_ms = 500
request_timeout_ms = 2000
retry_budget_ms = 1500
max_attempts = 2
base_backoff_ms = 10

[schema down]
region = us-east-1
endpoint = ${downEndpoint}
credentials = static
access_key_id = ${DOWN_ACCESS_KEY_ID}
secret_access_key = ${DOWN_SECRET}
`,
  });
});

after(async () => {
  await stack?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function call(method, params) {
  return httpRequest(stack.mcpUrl, { body: rpc(nextId++, method, params) });
}

async function tool(name, args) {
  const r = await call('tools/call', { name, arguments: args });
  assert.equal(r.status, 200, describeResponse(r));
  assert.ok(r.json.result, describeResponse(r));
  return r;
}

async function assertServing() {
  const p = await call('ping');
  assert.equal(p.status, 200, describeResponse(p));
  assert.deepEqual(p.json.result, {});
  const t = await tool('list_tables', {});
  assert.equal(t.json.result.isError, undefined, describeResponse(t));
  assert.ok(t.json.result.structuredContent.tables.some((x) => x.name === 'orders'), describeResponse(t));
}

// ---- DynamoDB unreachable -----------------------------------------------------------

test('DynamoDB unreachable: tools return isError naming the endpoint', async () => {
  for (const [name, args] of [
    ['list_tables', { schema_name: 'down' }],
    ['describe_table', { table_name: 'down.orders' }],
    ['describe_table', { table_name: 'orders', schema_name: 'down' }],
  ]) {
    const r = await tool(name, args);
    const where = `${name} ${JSON.stringify(args)}: ${describeResponse(r)}`;
    assert.equal(r.json.result.isError, true, where);
    assert.equal(r.json.result.structuredContent, undefined, where);
    const text = r.json.result.content[0].text;
    assert.ok(text.includes(downEndpoint.replace(/^http:\/\//, '')), `names the endpoint: ${where}`);
    assert.match(text, /down/, `names the schema: ${where}`);
  }
});

test('DynamoDB unreachable: the table resource is a JSON-RPC error naming the endpoint', async () => {
  const r = await call('resources/read', { uri: 'ddbsql://schemas/down/tables/orders' });
  assert.equal(r.status, 200, describeResponse(r));
  assert.ok(r.json.error, describeResponse(r));
  assert.ok(r.json.error.message.includes(downEndpoint.replace(/^http:\/\//, '')), describeResponse(r));
});

test('DynamoDB unreachable: the next requests (and the other schema) still answer', async () => {
  await assertServing();
  const again = await tool('list_tables', { schema_name: 'down' });
  assert.equal(again.json.result.isError, true, describeResponse(again));
  await assertServing();
});

// ---- Redis down --------------------------------------------------------------------------

test('Redis stopped mid-test: tools still work (per-worker cache)', async () => {
  const before = await tool('list_tables', { refresh: 'force' });
  assert.equal(before.json.result.isError, undefined, describeResponse(before));
  await stack.stopRedis();
  for (const args of [{ refresh: 'force' }, {}, { refresh: 'skip' }]) {
    const r = await tool('list_tables', args);
    assert.equal(r.json.result.isError, undefined, `${JSON.stringify(args)}: ${describeResponse(r)}`);
    assert.deepEqual(
      r.json.result.structuredContent.tables.map((t) => t.name).sort(),
      before.json.result.structuredContent.tables.map((t) => t.name).sort(),
    );
  }
  for (const args of [{ table_name: 'orders', refresh: 'force' }, { table_name: 'customers' }]) {
    const d = await tool('describe_table', args);
    assert.equal(d.json.result.isError, undefined, `${JSON.stringify(args)}: ${describeResponse(d)}`);
  }
  const res = await call('resources/read', { uri: 'ddbsql://schemas/demo/tables/products' });
  assert.ok(res.json.result?.contents?.[0]?.text, describeResponse(res));
  await assertServing();
});

test('Redis back: tools keep working', async () => {
  await stack.startRedis();
  for (let i = 0; i < 4; i++) {
    const r = await tool('describe_table', { table_name: 'order_items', refresh: i === 0 ? 'force' : 'if_stale' });
    assert.equal(r.json.result.isError, undefined, describeResponse(r));
  }
  await assertServing();
});

// ---- configuration errors ------------------------------------------------------------------

function checkConfig(text) {
  const file = path.join(dir, `check-${nextId++}.conf`);
  fs.writeFileSync(file, text);
  const r = spawnSync(MCP_BIN, ['--check-config'], {
    env: { ...process.env, DDBSQL_CONFIG: file, ASAN_OPTIONS: 'detect_leaks=1:halt_on_error=1' },
    encoding: 'utf8',
    timeout: 30000,
  });
  return { file, status: r.status, signal: r.signal, output: `${r.stdout}${r.stderr}` };
}

const GOOD = `public_url = http://127.0.0.1:8080
auth = none

[redis]
host = 127.0.0.1

[schema demo]
region = us-east-1
credentials = static
access_key_id = AKIDEXAMPLE
secret_access_key = ${DOWN_SECRET}
`;

// The 1-based line of the first line of text starting with prefix.
const lineOf = (text, prefix) => text.split('\n').findIndex((l) => l.startsWith(prefix)) + 1;

test('--check-config accepts a valid file', () => {
  const r = checkConfig(GOOD);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /OK/);
  assert.ok(!r.output.includes(DOWN_SECRET), r.output);
});

test('--check-config: a config error exits 78 naming file, line, section and key', () => {
  const cases = [
    // [description, config text, line prefix, section, key]
    ['bad region', GOOD.replace('region = us-east-1', 'region = us-east'), 'region =', '[schema demo]', 'region'],
    ['unknown key', GOOD.replace('host = 127.0.0.1', 'hots = 127.0.0.1'), 'hots =', '[redis]', 'hots'],
    ['out of range', `${GOOD}\n[dynamodb]\nmax_attempts = 50\n`, 'max_attempts =', '[dynamodb]', 'max_attempts'],
    [
      'duplicate secret',
      `${GOOD}secret_access_key = ${DOWN_SECRET}x\n`,
      `secret_access_key = ${DOWN_SECRET}x`,
      '[schema demo]',
      'secret_access_key',
    ],
    [
      'secret without static credentials',
      GOOD.replace('credentials = static\naccess_key_id = AKIDEXAMPLE\n', ''),
      'secret_access_key =',
      '[schema demo]',
      'secret_access_key',
    ],
  ];
  for (const [what, text, prefix, section, key] of cases) {
    const r = checkConfig(text);
    const where = `${what}: exit ${r.status ?? r.signal}:\n${r.output}`;
    assert.equal(r.status, 78, where);
    const line = lineOf(text, prefix);
    assert.ok(line > 0, `test bug: ${prefix} not in the config`);
    assert.ok(r.output.includes(`${r.file}:${line}:`), `names file and line ${line}: ${where}`);
    assert.ok(r.output.includes(section), `names the section: ${where}`);
    assert.ok(r.output.includes(key), `names the key: ${where}`);
    assert.ok(!r.output.includes(DOWN_SECRET), `never prints the secret: ${where}`);
    assert.doesNotMatch(r.output, /Sanitizer|runtime error/, where);
  }
  const missing = spawnSync(MCP_BIN, ['--check-config'], {
    env: { ...process.env, DDBSQL_CONFIG: path.join(dir, 'no-such.conf') },
    encoding: 'utf8',
  });
  assert.equal(missing.status, 78, missing.stderr);
  assert.ok(`${missing.stdout}${missing.stderr}`.includes('no-such.conf'), missing.stderr);
});

// ---- the access log --------------------------------------------------------------------------

test('the access log has one line per request (rid, method, path, status) and no secret', async () => {
  const sent = [];
  const note = async (r, method) => sent.push({ rid: r.rid, method, status: r.status, r });
  await note(await call('ping'), 'POST');
  await note(await call('tools/call', { name: 'list_tables', arguments: {} }), 'POST');
  await note(await call('no/such/method'), 'POST');
  await note(await httpRequest(stack.mcpUrl, { body: '{"broken"' }), 'POST');
  await note(await httpRequest(stack.mcpUrl, { body: { jsonrpc: '2.0', method: 'notifications/initialized' } }), 'POST');
  await note(await httpRequest(stack.mcpUrl, { method: 'GET' }), 'GET');
  await note(await httpRequest(stack.mcpUrl, { method: 'DELETE' }), 'DELETE');
  await note(await httpRequest(stack.mcpUrl, { body: rpc(1, 'ping'), headers: { Origin: 'http://evil.example' } }), 'POST');
  await note(await tool('list_tables', { schema_name: 'down' }), 'POST');
  assert.deepEqual(sent.map((s) => s.status), [200, 200, 200, 400, 202, 405, 405, 403, 200]);

  // Workers write the line when the request ends; give lighttpd a moment
  // to pass it on.
  let lines = [];
  for (let i = 0; i < 100; i++) {
    lines = stack.readErrorLog().split('\n');
    if (sent.every((s) => lines.some((l) => l.includes(s.rid)))) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const s of sent) {
    assert.match(s.rid || '', /^[0-9a-f]{32}$/, describeResponse(s.r));
    const mine = lines.filter((l) => l.includes(`rid=${s.rid}`));
    assert.equal(mine.length, 1, `one access line for rid ${s.rid}:\n${mine.join('\n')}`);
    const l = mine[0];
    assert.ok(l.includes(`method=${s.method}`), l);
    assert.ok(l.includes('path=/mcp'), l);
    assert.ok(l.includes(`status=${s.status}`), l);
  }
  const log = stack.readErrorLog();
  assert.ok(!log.includes(DEMO_SECRET_ACCESS_KEY), 'the demo schema secret_access_key is in the log');
  assert.ok(!log.includes(DOWN_SECRET), 'the down schema secret_access_key is in the log');
});

test('no sanitizer reports from the workers', async () => {
  await stack.stop(); // workers report leaks when they exit
  const log = stack.readErrorLog();
  assert.ok(!log.includes(DEMO_SECRET_ACCESS_KEY) && !log.includes(DOWN_SECRET), 'a secret is in the log after shutdown');
  assertNoSanitizerReports(stack);
});

// The Streamable HTTP rules of /mcp, checked with raw fetch: methods, media
// types, protocol version header, Origin (DNS rebinding), notifications,
// request ids, and a battery of malformed JSON-RPC bodies. Afterwards the
// workers must still answer and have no sanitizer reports.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeResponse,
  httpRequest,
  httpRequestChunked,
  PROTOCOL_VERSION,
  rpc,
  assertNoSanitizerReports,
  startTestStack,
} from './lib/harness.mjs';

// Small enough to test 413 quickly, large enough for the 10 KB id case.
const MAX_BODY = 16384;

let stack;
const seen = []; // every response, for the header checks

before(async () => {
  stack = await startTestStack({ configGlobal: { max_body_bytes: MAX_BODY } });
});

after(async () => {
  await stack?.stop();
});

async function send(opts) {
  const r = await httpRequest(stack.mcpUrl, opts);
  seen.push(r);
  return r;
}

const ping = (id = 1) => rpc(id, 'ping');

// A JSON-RPC error answer with this HTTP status and code.
function assertRpcError(r, status, code, id = null) {
  const where = describeResponse(r);
  assert.equal(r.status, status, where);
  assert.match(r.headers.get('content-type') || '', /^application\/json/, where);
  assert.equal(r.json?.jsonrpc, '2.0', where);
  assert.equal(r.json?.error?.code, code, where);
  assert.equal(typeof r.json.error.message, 'string', where);
  assert.ok(r.json.error.message.length > 10, `the message says what is wrong: ${where}`);
  assert.deepEqual(r.json.id, id, where);
  assert.equal(r.json.result, undefined, where);
}

test('a plain POST works: initialize, then ping', async () => {
  const init = await send({
    body: rpc(1, 'initialize', {
      protocolVersion: PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: 'raw', version: '0' },
    }),
  });
  assert.equal(init.status, 200, describeResponse(init));
  assert.equal(init.json.result.protocolVersion, PROTOCOL_VERSION);
  const r = await send({ body: ping(2) });
  assert.equal(r.status, 200, describeResponse(r));
  assert.deepEqual(r.json, { jsonrpc: '2.0', id: 2, result: {} });
});

test('initialize with an unknown protocol version is answered with the latest one', async () => {
  const r = await send({
    body: rpc(1, 'initialize', { protocolVersion: '1999-01-01', capabilities: {}, clientInfo: { name: 'x', version: '0' } }),
    headers: { 'MCP-Protocol-Version': undefined },
  });
  assert.equal(r.status, 200, describeResponse(r));
  assert.match(r.json.result.protocolVersion, /^\d{4}-\d\d-\d\d$/);
  assert.notEqual(r.json.result.protocolVersion, '1999-01-01');
});

test('a chunked request body (no Content-Length) is read in full', async () => {
  const text = JSON.stringify(rpc(7, 'tools/call', { name: 'describe_table', arguments: { table_name: 'products' } }));
  const r = await httpRequestChunked(stack.mcpUrl, [text.slice(0, 10), text.slice(10, 40), text.slice(40)]);
  seen.push(r);
  assert.equal(r.status, 200, describeResponse(r));
  assert.equal(r.json.id, 7);
  assert.equal(r.json.result.structuredContent.table_name, 'products', describeResponse(r));
});

test('GET and DELETE: 405 with Allow', async () => {
  for (const method of ['GET', 'DELETE', 'PUT']) {
    const r = await send({ method, headers: { Accept: 'application/json, text/event-stream' } });
    assert.equal(r.status, 405, `${method}: ${describeResponse(r)}`);
    const allow = r.headers.get('allow') || '';
    assert.match(allow, /\bPOST\b/, `${method}: Allow header: ${allow}`);
    assert.doesNotMatch(allow, /\bGET\b/);
  }
});

test('a wrong Content-Type is 415', async () => {
  for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx']) {
    const r = await send({ body: JSON.stringify(ping()), headers: { 'Content-Type': ct } });
    assertRpcError(r, 415, -32600);
  }
  const none = await send({
    body: JSON.stringify(ping()),
    rawHeaders: true,
    headers: { Accept: 'application/json' },
  });
  assert.equal(none.status, 415, describeResponse(none));
  // Parameters and case do not matter.
  const cs = await send({ body: ping(), headers: { 'Content-Type': 'Application/JSON; charset=utf-8' } });
  assert.equal(cs.status, 200, describeResponse(cs));
});

test('an Accept header without application/json is 406', async () => {
  for (const accept of ['text/event-stream', 'text/html', 'application/json;q=0']) {
    const r = await send({ body: ping(), headers: { Accept: accept } });
    assertRpcError(r, 406, -32600);
  }
  for (const accept of ['application/json', '*/*', 'application/*', 'text/event-stream, application/json']) {
    const r = await send({ body: ping(), headers: { Accept: accept } });
    assert.equal(r.status, 200, `${accept}: ${describeResponse(r)}`);
  }
});

test('an unsupported MCP-Protocol-Version is 400; supported ones are accepted', async () => {
  for (const v of ['1999-01-01', '2024-11-05', 'latest']) {
    const r = await send({ body: ping(), headers: { 'MCP-Protocol-Version': v } });
    assertRpcError(r, 400, -32600);
    assert.ok(r.json.error.message.includes(v), r.json.error.message);
  }
  for (const v of ['2025-11-25', '2025-06-18', '2025-03-26']) {
    const r = await send({ body: ping(), headers: { 'MCP-Protocol-Version': v } });
    assert.equal(r.status, 200, `${v}: ${describeResponse(r)}`);
  }
});

test('older protocol versions get no outputSchema or structuredContent', async () => {
  const headers = { 'MCP-Protocol-Version': '2025-03-26' };
  const list = await send({ body: rpc(1, 'tools/list'), headers });
  assert.equal(list.status, 200, describeResponse(list));
  for (const t of list.json.result.tools) assert.equal(t.outputSchema, undefined, t.name);
  const call = await send({ body: rpc(2, 'tools/call', { name: 'list_tables', arguments: {} }), headers });
  assert.equal(call.json.result.structuredContent, undefined);
  assert.match(call.json.result.content[0].text, /demo\.orders/);
});

test('a forbidden Origin is 403; an allowed Origin gets 200 and CORS headers', async () => {
  for (const origin of ['http://evil.example', `http://127.0.0.1:${stack.port + 1}`, 'null']) {
    const r = await send({ body: ping(), headers: { Origin: origin } });
    assertRpcError(r, 403, -32600);
    assert.equal(r.headers.get('access-control-allow-origin'), null, origin);
  }
  for (const origin of [`http://127.0.0.1:${stack.port}`, `http://localhost:${stack.port}`]) {
    const r = await send({ body: ping(), headers: { Origin: origin } });
    assert.equal(r.status, 200, `${origin}: ${describeResponse(r)}`);
    assert.equal(r.headers.get('access-control-allow-origin'), origin);
    assert.match(r.headers.get('vary') || '', /Origin/i);
    assert.match(r.headers.get('access-control-expose-headers') || '', /X-Request-Id/i);
  }
  // The CORS preflight of a browser client.
  const pre = await send({
    method: 'OPTIONS',
    rawHeaders: true,
    headers: {
      Origin: `http://localhost:${stack.port}`,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type, mcp-protocol-version',
    },
  });
  assert.ok(pre.status === 204 || pre.status === 200, describeResponse(pre));
  assert.match(pre.headers.get('access-control-allow-methods') || '', /POST/);
  assert.match(pre.headers.get('access-control-allow-headers') || '', /MCP-Protocol-Version/i);
  const badPre = await send({ method: 'OPTIONS', rawHeaders: true, headers: { Origin: 'http://evil.example' } });
  assert.equal(badPre.status, 403, describeResponse(badPre));
});

test('a non-loopback Host is 403 (DNS rebinding without an Origin)', async () => {
  // fetch cannot override Host; use node:http.
  const { request } = await import('node:http');
  const body = JSON.stringify(ping());
  const status = await new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: stack.port,
        path: '/mcp',
        method: 'POST',
        headers: {
          Host: `evil.example.com:${stack.port}`,
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
          'Content-Length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  assert.equal(status, 403);
});

test('a notification or a response is accepted with 202 and an empty body', async () => {
  const bodies = [
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7, reason: 'test' } },
    { jsonrpc: '2.0', method: 'notifications/unknown-to-the-server' },
    { jsonrpc: '2.0', id: 5, result: {} },
    { jsonrpc: '2.0', id: 'abc', error: { code: -32601, message: 'no' } },
  ];
  for (const b of bodies) {
    const r = await send({ body: b });
    assert.equal(r.status, 202, `${JSON.stringify(b)}: ${describeResponse(r)}`);
    assert.equal(r.text, '', JSON.stringify(b));
  }
});

test('bad JSON: malformed text and invalid UTF-8 are 400 -32700', async () => {
  const bodies = [
    '{"jsonrpc":"2.0",',
    '{"jsonrpc":"2.0","id":1,"method":"ping"',
    "{'jsonrpc':'2.0','id':1,'method':'ping'}",
    '{"jsonrpc":"2.0","id":1,"method":"ping"} trailing',
    '{"jsonrpc":"2.0","id":NaN,"method":"ping"}',
    'nul\u0000l',
    '\u00ff',
  ];
  for (const b of bodies) assertRpcError(await send({ body: b }), 400, -32700);
  const badUtf8 = [
    [0xff, 0xfe],
    [0xc0, 0xaf], // overlong '/'
    [0xed, 0xa0, 0x80], // a UTF-16 surrogate
    [0xe2, 0x82], // truncated sequence
  ];
  for (const bytes of badUtf8) {
    const body = Buffer.concat([
      Buffer.from('{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"write-query","arguments":{"question":"a'),
      Buffer.from(bytes),
      Buffer.from('"}}}'),
    ]);
    const r = await send({ body });
    assertRpcError(r, 400, -32700);
  }
});

test('an empty body is 400 -32700', async () => {
  assertRpcError(await send({ body: '' }), 400, -32700);
  assertRpcError(await send({ body: undefined }), 400, -32700);
  assertRpcError(await send({ body: '   \n' }), 400, -32700);
});

test('a batch, a non-object message, or a missing/wrong jsonrpc is -32600', async () => {
  assertRpcError(await send({ body: JSON.stringify([ping(1), ping(2)]) }), 400, -32600);
  assertRpcError(await send({ body: '[]' }), 400, -32600);
  for (const b of ['"ping"', '42', 'true']) assertRpcError(await send({ body: b }), 400, -32600);
  assertRpcError(await send({ body: { id: 1, method: 'ping' } }), 400, -32600, 1);
  assertRpcError(await send({ body: { jsonrpc: '1.0', id: 1, method: 'ping' } }), 400, -32600, 1);
  assertRpcError(await send({ body: { jsonrpc: 2.0, id: 1, method: 'ping' } }), 400, -32600, 1);
  assertRpcError(await send({ body: { jsonrpc: '2.0', id: 1 } }), 400, -32600, 1);
  assertRpcError(await send({ body: { jsonrpc: '2.0', id: 1, method: 42 } }), 400, -32600, 1);
  assertRpcError(await send({ body: { jsonrpc: '2.0', id: 1, method: '' } }), 400, -32600, 1);
  assertRpcError(await send({ body: { jsonrpc: '2.0', id: 1, method: 'x'.repeat(500) } }), 400, -32600, 1);
  assertRpcError(await send({ body: { jsonrpc: '2.0', id: 1, result: {}, error: { code: 1, message: 'x' } } }), 400, -32600, 1);
});

test('params that are not an object are rejected', async () => {
  for (const params of [5, 'x', true]) {
    assertRpcError(await send({ body: { jsonrpc: '2.0', id: 3, method: 'ping', params } }), 400, -32600, 3);
  }
  // An array is a by-position params list, which MCP does not use.
  const arr = await send({ body: { jsonrpc: '2.0', id: 3, method: 'ping', params: [1] } });
  assert.equal(arr.status, 400, describeResponse(arr));
  assert.ok([-32600, -32602].includes(arr.json.error.code), describeResponse(arr));
});

test('an unknown method is -32601 with the request id', async () => {
  const r = await send({ body: rpc('abc', 'tables/drop') });
  assertRpcError(r, 200, -32601, 'abc');
  assert.match(r.json.error.message, /tables\/drop/);
});

test('ids: a huge integer, a 10 KB string, null, an object or a fraction are -32600', async () => {
  const huge = await send({ body: '{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"ping"}' });
  assertRpcError(huge, 400, -32600);
  const long = await send({ body: rpc('x'.repeat(10 * 1024), 'ping') });
  assertRpcError(long, 400, -32600);
  assert.ok(long.text.length < 2048, 'the long id is not echoed');
  for (const id of ['null', '{"a":1}', '[1]', '1.5', 'true']) {
    const r = await send({ body: `{"jsonrpc":"2.0","id":${id},"method":"ping"}` });
    assertRpcError(r, 400, -32600);
  }
  // The extremes that do fit are fine and echoed exactly.
  const big = await send({ body: '{"jsonrpc":"2.0","id":9007199254740991,"method":"ping"}' });
  assert.equal(big.status, 200, describeResponse(big));
  assert.match(big.text, /"id":9007199254740991/);
  const neg = await send({ body: '{"jsonrpc":"2.0","id":-42,"method":"ping"}' });
  assert.match(neg.text, /"id":-42/);
  const str = await send({ body: rpc('ü-ünïcode-✓', 'ping') });
  assert.equal(str.json.id, 'ü-ünïcode-✓');
});

test('deep nesting is rejected, not a crash', async () => {
  const deep = `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":${'['.repeat(5000)}${']'.repeat(5000)}}}`;
  const r = await send({ body: deep });
  assert.equal(r.status, 400, describeResponse(r));
  assert.ok([-32700, -32600].includes(r.json.error.code), describeResponse(r));
});

test(`a body over max_body_bytes (${MAX_BODY}) is 413`, async () => {
  const big = JSON.stringify(rpc(1, 'ping', { pad: 'x'.repeat(MAX_BODY + 100) }));
  const r = await send({ body: big });
  assert.equal(r.status, 413, describeResponse(r));
  assert.match(r.text, new RegExp(String(MAX_BODY)), 'says what the limit is');
  // Refusals speak JSON-RPC like every other /mcp error (no id: none was read).
  assert.equal(r.json?.jsonrpc, '2.0', describeResponse(r));
  assert.equal(r.json.id, null, describeResponse(r));
  assert.equal(r.json.error.code, -32600, describeResponse(r));
  // The same body sent chunked (no Content-Length up front).
  const chunked = await httpRequestChunked(stack.mcpUrl, [big.slice(0, 8000), big.slice(8000)]);
  seen.push(chunked);
  assert.equal(chunked.status, 413, describeResponse(chunked));
  // Just under the limit is fine.
  const fits = JSON.stringify(rpc(2, 'ping', { pad: '' }));
  const pad = 'y'.repeat(MAX_BODY - Buffer.byteLength(fits) - 10);
  const ok = await send({ body: JSON.stringify(rpc(2, 'ping', { pad })) });
  assert.equal(ok.status, 200, describeResponse(ok));
});

test('many and oversized headers are refused with 431, not a crash', async () => {
  const many = {};
  for (let i = 0; i < 300; i++) many[`X-Filler-${i}`] = 'v';
  const r = await send({ body: ping(), headers: many });
  assert.equal(r.status, 431, describeResponse(r));
  assert.equal(r.json?.error?.code, -32600, describeResponse(r));
  const long = await send({ body: ping(), headers: { 'X-Long': 'z'.repeat(20000) } });
  assert.equal(long.status, 431, describeResponse(long));
});

test('no response ever has Mcp-Session-Id; every response has an X-Request-Id', () => {
  assert.ok(seen.length > 50, `${seen.length} responses seen`);
  const ids = new Set();
  for (const r of seen) {
    assert.equal(r.headers.get('mcp-session-id'), null, describeResponse(r));
    assert.match(r.rid || '', /^[0-9a-f]{32}$/, `X-Request-Id: ${describeResponse(r)}`);
    ids.add(r.rid);
  }
  assert.equal(ids.size, seen.length, 'request ids are unique');
});

test('after the bad input the workers still answer', async () => {
  // More requests than workers, so every worker must answer.
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => send({ body: ping(100 + i) })));
  for (const [i, r] of results.entries()) {
    assert.equal(r.status, 200, describeResponse(r));
    assert.equal(r.json.id, 100 + i);
  }
  const t = await send({ body: rpc(200, 'tools/call', { name: 'describe_table', arguments: { table_name: 'orders' } }) });
  assert.equal(t.status, 200, describeResponse(t));
  assert.equal(t.json.result.isError, undefined, describeResponse(t));
  assertNoSanitizerReports(stack);
});

test('no sanitizer reports from the workers', async () => {
  await stack.stop(); // workers report leaks when they exit
  assertNoSanitizerReports(stack);
});

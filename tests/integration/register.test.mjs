// POST /register (OAuth dynamic client registration, RFC 7591) through the
// real stack: lighttpd routes it to ddbsql-register, registrations land in
// Redis. Covers a registration by the MCP TypeScript SDK from the advertised
// registration_endpoint, the RFC 7591 errors (an http redirect URI that is
// not loopback, bad metadata), the body cap, the per-address rate limit,
// Redis stopped and restarted under a running worker, and the access log
// (one line per request, no request body in it).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { discoverAuthorizationServerMetadata, registerClient } from '@modelcontextprotocol/sdk/client/auth.js';
import { assertNoSanitizerReports, describeResponse, httpRequest, startTestStack, tempDir } from './lib/harness.mjs';
import { newKey, writeKey } from './lib/tokens.mjs';

const RATE_LIMIT = 4;
const NAME_MARK = 'register-it-client-name-4f6a'; // must never reach the log

let stack;
let base;
let registerUrl;

before(async () => {
  const dir = tempDir('register');
  const key = writeKey(dir, 'k.pem', newKey());
  stack = await startTestStack({
    auth: 'oauth',
    configExtra: `
[oauth]
registration_rate_limit = ${RATE_LIMIT}
registration_rate_window_seconds = 600

[signing_key k1]
path = ${key}
`,
  });
  base = stack.baseUrl;
  registerUrl = `${base}/register`;
});

after(async () => {
  await stack?.stop();
});

const JSON_HEADERS = { 'Content-Type': 'application/json' };

// Every request comes from its own loopback address (127.0.1.N), so the
// per-address limit only bites in the test about it.
let nextHost = 1;
const freshAddress = () => `127.0.1.${nextHost++}`;

/** POST /register with node's http client from localAddress (default: a
 * fresh one). Returns {status, headers (a Headers), json, text}. */
function post(body, { headers = JSON_HEADERS, localAddress = freshAddress() } = {}) {
  return new Promise((resolve, reject) => {
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request(
      registerUrl,
      { method: 'POST', localAddress, headers: { ...headers, 'Content-Length': Buffer.byteLength(payload) } },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) h.set(k, Array.isArray(v) ? v.join(', ') : v);
          resolve({ status: res.statusCode, headers: h, json, text, rid: h.get('x-request-id') });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const register = (body, headers = JSON_HEADERS) => post(body, { headers });
const registerFrom = (localAddress, body) => post(body, { localAddress });

/** One inline Redis command to the stack's redis-server; the integer or
 * bulk-string reply. */
function redisCommand(line) {
  return new Promise((resolve, reject) => {
    const s = net.connect(stack.redisPort, '127.0.0.1');
    let got = '';
    s.on('connect', () => s.write(`${line}\r\n`));
    s.on('data', (d) => {
      got += d;
      const m = /^:(-?\d+)\r\n$/.exec(got) || /^\$(\d+)\r\n/.exec(got);
      if (got[0] === ':' && m) {
        s.destroy();
        resolve(Number(m[1]));
      } else if (got[0] === '$' && m && got.length >= m[0].length + Number(m[1]) + 2) {
        s.destroy();
        resolve(got.slice(m[0].length, m[0].length + Number(m[1])));
      } else if (got[0] === '-' || got.startsWith('$-1')) {
        s.destroy();
        reject(new Error(`redis: ${got.trim()}`));
      }
    });
    s.on('error', reject);
  });
}

function assertRfc7591Error(r, status, error, descriptionPart) {
  assert.equal(r.status, status, describeResponse(r));
  assert.equal(r.headers.get('content-type'), 'application/json', describeResponse(r));
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.json.error, error, describeResponse(r));
  if (descriptionPart) assert.ok(r.json.error_description.includes(descriptionPart), r.json.error_description);
}

const GOOD = {
  client_name: NAME_MARK,
  redirect_uris: ['http://127.0.0.1:33418/callback', 'http://[::1]:33418/callback', 'https://app.example.com/oauth/cb'],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
  scope: 'query schemas:read',
};

test('a public client registers: 201 with the registered metadata, not cacheable', async () => {
  const before = Math.floor(Date.now() / 1000);
  const r = await register(GOOD);
  assert.equal(r.status, 201, describeResponse(r));
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.match(r.json.client_id, /^dcr_[0-9a-f]{32}$/);
  assert.ok(r.json.client_id_issued_at >= before && r.json.client_id_issued_at <= before + 60);
  assert.deepEqual(
    { ...r.json, client_id: undefined, client_id_issued_at: undefined },
    { ...GOOD, client_id: undefined, client_id_issued_at: undefined },
  );
  assert.equal(r.json.client_secret, undefined);
  // Stored in Redis under the key prefix for registered_client_ttl_days (30).
  const ttl = await redisCommand(`TTL ddbsql:oauth:client:${r.json.client_id}`);
  assert.ok(ttl > 30 * 86400 - 120 && ttl <= 30 * 86400, `TTL ${ttl}`);
  const stored = JSON.parse(await redisCommand(`GET ddbsql:oauth:client:${r.json.client_id}`));
  assert.deepEqual(stored, r.json);
  const again = await register(GOOD);
  assert.equal(again.status, 201);
  assert.notEqual(again.json.client_id, r.json.client_id);
});

test('the MCP SDK registers through the registration_endpoint it discovers', async () => {
  const metadata = await discoverAuthorizationServerMetadata(base);
  assert.equal(metadata.registration_endpoint, registerUrl);
  const info = await registerClient(base, {
    metadata,
    clientMetadata: {
      client_name: 'sdk-registered',
      redirect_uris: ['http://127.0.0.1:8765/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
  });
  assert.match(info.client_id, /^dcr_[0-9a-f]{32}$/);
  assert.deepEqual(info.redirect_uris, ['http://127.0.0.1:8765/callback']);
  assert.equal(info.token_endpoint_auth_method, 'none');
});

test('an http redirect URI that is not loopback gets invalid_redirect_uri', async () => {
  for (const uri of ['http://app.example.com/callback', 'http://127.0.0.1.nip.io/cb', 'http://localhost.evil.example/cb']) {
    const r = await register({ ...GOOD, redirect_uris: [uri] });
    assertRfc7591Error(r, 400, 'invalid_redirect_uri', `'${uri}' uses http on a host other than 127.0.0.1, [::1] or localhost`);
  }
  const frag = await register({ ...GOOD, redirect_uris: ['https://app.example.com/cb#x'] });
  assertRfc7591Error(frag, 400, 'invalid_redirect_uri', 'fragment');
});

test('bad metadata gets invalid_client_metadata with what is wrong', async () => {
  const secret = await register({ ...GOOD, token_endpoint_auth_method: 'client_secret_basic' });
  assertRfc7591Error(secret, 400, 'invalid_client_metadata', 'only public clients');
  const cc = await register({ ...GOOD, grant_types: ['client_credentials'] });
  assertRfc7591Error(cc, 400, 'invalid_client_metadata', 'client_credentials');
  const dup = await register('{"redirect_uris":["https://a.example/cb"],"redirect_uris":["https://b.example/cb"]}');
  assertRfc7591Error(dup, 400, 'invalid_client_metadata', 'the member "redirect_uris" appears twice');
  const type = await register({ ...GOOD, client_name: 7 });
  assertRfc7591Error(type, 400, 'invalid_client_metadata', 'client_name must be a string');
});

test('an oversized body gets 413 invalid_request, and other HTTP misuse is refused', async () => {
  const big = JSON.stringify({ ...GOOD, padding: 'x'.repeat(20000) });
  const r = await register(big);
  assertRfc7591Error(r, 413, 'invalid_request');
  const form = await register('redirect_uris=https://a.example/cb', { 'Content-Type': 'application/x-www-form-urlencoded' });
  assertRfc7591Error(form, 415, 'invalid_request', 'application/json');
  const get = await httpRequest(registerUrl, { method: 'GET', rawHeaders: true });
  assertRfc7591Error(get, 405, 'invalid_request');
  assert.equal(get.headers.get('allow'), 'POST, OPTIONS');
  const pre = await httpRequest(registerUrl, {
    method: 'OPTIONS',
    rawHeaders: true,
    headers: { Origin: 'http://localhost:6274', 'Access-Control-Request-Method': 'POST' },
  });
  assert.equal(pre.status, 204, describeResponse(pre));
  assert.equal(pre.headers.get('access-control-allow-origin'), '*');
});

test('registrations are rate-limited per client address', async () => {
  // 127.0.0.2 is a fresh address: RATE_LIMIT requests pass, the next is refused.
  for (let i = 0; i < RATE_LIMIT; i++) {
    const r = await registerFrom('127.0.0.2', { ...GOOD, client_name: `burst ${i}` });
    assert.equal(r.status, 201, r.text);
  }
  const refused = await registerFrom('127.0.0.2', GOOD);
  assert.equal(refused.status, 429, refused.text);
  assert.equal(refused.json.error, 'temporarily_unavailable');
  assert.match(refused.json.error_description, /Too many client registrations from this address/);
  const wait = Number(refused.headers.get('retry-after'));
  assert.ok(wait > 0 && wait <= 600, `Retry-After ${refused.headers.get('retry-after')}`);
  // Another address is not affected.
  const other = await registerFrom('127.0.0.3', GOOD);
  assert.equal(other.status, 201, other.text);
});

test('Redis down: 503 with a clear error; back up: registrations work again without a restart', async () => {
  await stack.stopRedis();
  try {
    const r = await register({ ...GOOD, client_name: 'while redis is down' });
    assertRfc7591Error(r, 503, 'temporarily_unavailable', 'Redis');
    assert.ok(Number(r.headers.get('retry-after')) > 0);
  } finally {
    await stack.startRedis();
  }
  const ok = await registerFrom('127.0.0.4', GOOD);
  assert.equal(ok.status, 201, ok.text);
});

test('one access line per request, with the outcome and never the body', async () => {
  const r = await register({ ...GOOD, client_name: NAME_MARK });
  assert.equal(r.status, 201);
  const rid = r.headers.get('x-request-id');
  const log = stack.readErrorLog();
  const lines = log.split('\n').filter((l) => l.includes(`rid=${rid}`));
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0], /access .*path=\/register status=201 .*principal=dcr_[0-9a-f]{32} registered client=dcr_/);
  assert.ok(!log.includes(NAME_MARK), 'a client_name reached the log');
  assert.ok(!log.includes('33418'), 'a redirect URI reached the log');
});

test('no sanitizer reports', () => {
  assertNoSanitizerReports(stack);
});

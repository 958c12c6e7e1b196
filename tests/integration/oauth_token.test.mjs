// /token and /revoke through lighttpd and ddbsql-token on the real stack
// (auth = oauth, a generated signing key, pre-registered confidential API
// clients): the MCP TypeScript SDK's ClientCredentialsProvider gets a token
// and the same SDK client lists the tools and runs SQL on /mcp with it;
// scope narrowing shows in tools/list; the wire format of RFC 6749 §5.1/5.2
// answers (no-store, Basic challenge); client_secret_post; /revoke; Redis
// stopped and started again (503, then recovery without a worker restart,
// while client_credentials keeps working); one access line per request
// that names the grant, client and outcome and never a secret or token.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { assertNoSanitizerReports, describeResponse, httpRequest, resultText, startTestStack, tempDir } from './lib/harness.mjs';
import { newKey, writeKey } from './lib/tokens.mjs';
import { clientSecretHash, randomSecret } from '../../deploy/local/oauth-demo.mjs';

const KEY = newKey();
const SVC_SECRET = randomSecret();
const NARROW_SECRET = randomSecret();

let stack;
let base;
const secrets = [SVC_SECRET, NARROW_SECRET];
const issuedTokens = [];

before(async () => {
  const dir = tempDir('token');
  const key = writeKey(dir, 'k1.pem', KEY);
  stack = await startTestStack({
    auth: 'oauth',
    configExtra: `
[oauth]
clock_leeway_seconds = 5

[signing_key k1]
path = ${key}
active = true

[client svc]
name = Integration service
type = confidential
secret_hash = ${clientSecretHash(SVC_SECRET)}
grant_types = client_credentials

[client svc-query]
type = confidential
secret_hash = ${clientSecretHash(NARROW_SECRET)}
scopes = query
grant_types = client_credentials

[client app]
redirect_uris = http://127.0.0.1:9/callback
`,
  });
  base = stack.baseUrl;
});

after(async () => {
  await stack?.stop();
});

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

function basic(id, secret) {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

async function token(body, headers = {}, path = '/token') {
  const r = await httpRequest(`${base}${path}`, { body, headers: { ...FORM, ...headers }, rawHeaders: true });
  if (r.json?.access_token) issuedTokens.push(r.json.access_token);
  if (r.json?.refresh_token) issuedTokens.push(r.json.refresh_token);
  return r;
}

async function sdkClient(provider) {
  const client = new Client({ name: 'oauth-token-it', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { authProvider: provider });
  await client.connect(transport);
  return client;
}

test('the SDK client-credentials provider gets a token at /token and uses it on /mcp', async () => {
  const provider = new ClientCredentialsProvider({ clientId: 'svc', clientSecret: SVC_SECRET, expectedIssuer: base });
  const client = await sdkClient(provider);
  try {
    const t = provider.tokens();
    issuedTokens.push(t.access_token);
    assert.equal(t.token_type, 'Bearer');
    assert.equal(t.expires_in, 600);
    assert.equal(t.scope, 'query schemas:read');
    assert.equal(t.refresh_token, undefined, 'client_credentials issues no refresh token');
    const claims = JSON.parse(Buffer.from(t.access_token.split('.')[1], 'base64url'));
    assert.equal(claims.iss, base);
    assert.equal(claims.aud, stack.mcpUrl);
    assert.equal(claims.sub, 'svc');
    assert.equal(claims.client_id, 'svc');
    assert.equal(claims.exp - claims.iat, 600);

    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((x) => x.name).sort(), ['describe_table', 'list_tables', 'run_sql']);
    const res = await client.callTool({ name: 'run_sql', arguments: { sql: 'SELECT COUNT(*) AS n FROM customers' } });
    assert.ok(!res.isError, resultText(res));
    assert.match(resultText(res), /\bn\b[\s\S]*\d+/);
  } finally {
    await client.close();
  }
});

test('a client allowed only query sees only run_sql', async () => {
  const provider = new ClientCredentialsProvider({ clientId: 'svc-query', clientSecret: NARROW_SECRET, expectedIssuer: base });
  const client = await sdkClient(provider);
  try {
    issuedTokens.push(provider.tokens().access_token);
    assert.equal(provider.tokens().scope, 'query');
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((x) => x.name), ['run_sql']);
  } finally {
    await client.close();
  }
});

test('token answers follow RFC 6749 §5.1 and §5.2 through lighttpd', async () => {
  // client_secret_basic, narrowed by request.
  let r = await token('grant_type=client_credentials&scope=schemas%3Aread', { Authorization: basic('svc', SVC_SECRET) });
  assert.equal(r.status, 200, describeResponse(r));
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.headers.get('pragma'), 'no-cache');
  assert.equal(r.json.scope, 'schemas:read');
  assert.deepEqual(Object.keys(r.json).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
  // The token works on /mcp as a bearer token.
  const list = await httpRequest(stack.mcpUrl, {
    body: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    headers: { Authorization: `Bearer ${r.json.access_token}` },
  });
  assert.equal(list.status, 200, describeResponse(list));

  // client_secret_post.
  r = await token(`grant_type=client_credentials&client_id=svc&client_secret=${encodeURIComponent(SVC_SECRET)}`);
  assert.equal(r.status, 200, describeResponse(r));

  // A wrong secret: 401 with a Basic challenge.
  r = await token('grant_type=client_credentials', { Authorization: basic('svc', 'wrong-secret') });
  assert.equal(r.status, 401, describeResponse(r));
  assert.equal(r.json.error, 'invalid_client');
  assert.equal(r.headers.get('www-authenticate'), 'Basic realm="ddbsql", charset="UTF-8"');
  assert.equal(r.headers.get('cache-control'), 'no-store');

  // The resource, when given, must be the MCP URL.
  r = await token(`grant_type=client_credentials&resource=${encodeURIComponent('https://evil.example/mcp')}`, {
    Authorization: basic('svc', SVC_SECRET),
  });
  assert.equal(r.status, 400);
  assert.equal(r.json.error, 'invalid_target');
  r = await token(`grant_type=client_credentials&resource=${encodeURIComponent(stack.mcpUrl)}`, {
    Authorization: basic('svc', SVC_SECRET),
  });
  assert.equal(r.status, 200, describeResponse(r));

  // Duplicated parameters, unknown grants, a wrong content type, GET.
  r = await token('grant_type=client_credentials&scope=query&scope=query', { Authorization: basic('svc', SVC_SECRET) });
  assert.equal(r.status, 400);
  assert.equal(r.json.error, 'invalid_request');
  r = await token('grant_type=password&username=a&password=b', { Authorization: basic('svc', SVC_SECRET) });
  assert.equal(r.json.error, 'unsupported_grant_type');
  r = await token('grant_type=client_credentials', { 'Content-Type': 'application/json', Authorization: basic('svc', SVC_SECRET) });
  assert.equal(r.status, 400);
  assert.equal(r.json.error, 'invalid_request');
  r = await httpRequest(`${base}/token`, { method: 'GET', headers: {}, rawHeaders: true });
  assert.equal(r.status, 405);
  assert.equal(r.headers.get('allow'), 'POST, OPTIONS');

  // An oversized body: 413 invalid_request, from ddbsql's own cap.
  r = await token(`grant_type=client_credentials&scope=${'q'.repeat(9000)}`, { Authorization: basic('svc', SVC_SECRET) });
  assert.equal(r.status, 413, describeResponse(r));
  assert.equal(r.json.error, 'invalid_request');

  // A public client cannot use client_credentials.
  r = await token('grant_type=client_credentials&client_id=app');
  assert.equal(r.status, 400);
  assert.equal(r.json.error, 'unauthorized_client');

  // A browser-based client's CORS preflight.
  r = await httpRequest(`${base}/token`, {
    method: 'OPTIONS',
    headers: { Origin: 'http://localhost:6274', 'Access-Control-Request-Method': 'POST' },
    rawHeaders: true,
  });
  assert.equal(r.status, 204);
  assert.equal(r.headers.get('access-control-allow-origin'), '*');
});

test('/revoke answers 200 for access tokens and unknown tokens, and authenticates the client', async () => {
  const t = await token('grant_type=client_credentials', { Authorization: basic('svc', SVC_SECRET) });
  let r = await token(`token=${t.json.access_token}&token_type_hint=access_token`, { Authorization: basic('svc', SVC_SECRET) }, '/revoke');
  assert.equal(r.status, 200, describeResponse(r));
  assert.equal(r.headers.get('cache-control'), 'no-store');
  r = await token('token=unknownunknownunknownunknownunknownunknown1&client_id=app', {}, '/revoke');
  assert.equal(r.status, 200, describeResponse(r));
  r = await token('token=x', { Authorization: basic('svc', 'wrong') }, '/revoke');
  assert.equal(r.status, 401);
  assert.equal(r.json.error, 'invalid_client');
  r = await token('client_id=app', {}, '/revoke');
  assert.equal(r.status, 400);
  assert.equal(r.json.error, 'invalid_request');
});

test('Redis down: 503 for what needs it, client_credentials goes on; back without a restart', async () => {
  const refreshBody = 'grant_type=refresh_token&client_id=app&refresh_token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
  let r = await token(refreshBody);
  assert.equal(r.status, 400, describeResponse(r));
  assert.equal(r.json.error, 'invalid_grant');
  await stack.stopRedis();
  try {
    for (let i = 0; i < 4; i++) { // reach every worker
      r = await token(refreshBody);
      assert.equal(r.status, 503, describeResponse(r));
      assert.equal(r.json.error, 'temporarily_unavailable');
      assert.match(r.json.error_description, /Redis/);
      assert.equal(r.headers.get('retry-after'), '5');
    }
    r = await token('grant_type=client_credentials', { Authorization: basic('svc', SVC_SECRET) });
    assert.equal(r.status, 200, describeResponse(r));
  } finally {
    await stack.startRedis();
  }
  for (let i = 0; i < 4; i++) {
    r = await token(refreshBody);
    assert.equal(r.status, 400, describeResponse(r));
    assert.equal(r.json.error, 'invalid_grant');
  }
});

test('one access line per request: grant, client, outcome; never a secret or token', async () => {
  const r = await token('grant_type=client_credentials&scope=query', { Authorization: basic('svc-query', NARROW_SECRET) });
  assert.equal(r.status, 200);
  await new Promise((res) => setTimeout(res, 200));
  const log = stack.readErrorLog();
  const line = log.split('\n').find((l) => l.includes(`rid=${r.rid}`));
  assert.ok(line, `no access line for ${r.rid}`);
  assert.match(line, /path=\/token status=200 .*principal=svc-query grant=client_credentials outcome=ok scope=query/);
  const bad = log.split('\n').find((l) => /path=\/token status=401/.test(l));
  assert.match(bad, /principal=svc grant=client_credentials error=invalid_client reason=bad_secret/);
  for (const s of [...secrets, ...issuedTokens]) assert.ok(!log.includes(s), 'a secret or token reached the log');
  assertNoSanitizerReports(stack);
});

// /mcp as an OAuth resource server (auth = oauth), through the real stack
// (lighttpd + ddbsql-mcp) and the official MCP TypeScript SDK client:
// discovery documents, 401 challenges, invalid tokens (issue 4 §8: wrong
// audience, expired, alg none, HS256 signed with the public key, bad
// signature, another issuer), scope-filtered tools/list, the 403 step-up
// and the SDK flows that follow the challenges, key rotation, and the
// principal (never the token) in the log. Tokens are minted here with
// node's crypto and the same key files the workers load.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  UnauthorizedError,
  discoverAuthorizationServerMetadata,
  discoverOAuthProtectedResourceMetadata,
  discoverOAuthServerInfo,
} from '@modelcontextprotocol/sdk/client/auth.js';
import {
  assertNoSanitizerReports,
  describeResponse,
  httpRequest,
  resultText,
  rpc,
  startTestStack,
  tempDir,
} from './lib/harness.mjs';
import { hs256, mint, newKey, signRaw, unsigned, writeKey } from './lib/tokens.mjs';

const ACTIVE = newKey();
const OLD = newKey(); // configured, verifies only
const STRANGER = newKey(); // not configured at all

let stack;
let base;
let prmUrl;
let keyDir;
const sentTokens = []; // every token sent, to check none reaches the log

const INIT = rpc(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'oauth-it', version: '0' } });

before(async () => {
  keyDir = tempDir('oauth');
  const active = writeKey(keyDir, 'active.pem', ACTIVE);
  const old = writeKey(keyDir, 'old.pem', OLD);
  stack = await startTestStack({
    auth: 'oauth',
    configExtra: `
[oauth]
clock_leeway_seconds = 5

[signing_key k-2026]
path = ${active}
active = true

[signing_key k-2025]
path = ${old}
`,
  });
  base = stack.baseUrl;
  prmUrl = `${base}/.well-known/oauth-protected-resource/mcp`;
});

after(async () => {
  await stack?.stop();
});

function token(opts = {}) {
  const t = mint(opts.pem || ACTIVE.pem, { kid: 'k-2026', iss: base, aud: stack.mcpUrl, ...opts });
  sentTokens.push(t);
  return t;
}

function bearer(t) {
  return { Authorization: `Bearer ${t}` };
}

const CHALLENGE = () => `Bearer resource_metadata="${prmUrl}", scope="query schemas:read"`;

/** A connected SDK client sending a fixed bearer token. */
async function clientWith(t) {
  const client = new Client({ name: 'oauth-it', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { requestInit: { headers: bearer(t) } });
  await client.connect(transport);
  return client;
}

/** An OAuthClientProvider for a pre-registered public client that records
 * where the SDK would send the browser. */
function recordingProvider(tokens) {
  const seen = { authorizationUrl: null, discovery: null };
  return {
    seen,
    get redirectUrl() {
      return 'http://127.0.0.1:9/callback';
    },
    get clientMetadata() {
      return { client_name: 'oauth-it', redirect_uris: ['http://127.0.0.1:9/callback'], token_endpoint_auth_method: 'none' };
    },
    clientInformation: () => ({ client_id: 'pre-registered-it' }),
    tokens: () => tokens,
    saveTokens: () => {},
    saveCodeVerifier: () => {},
    codeVerifier: () => 'unused',
    saveDiscoveryState: (s) => {
      seen.discovery = s;
    },
    redirectToAuthorization: (url) => {
      seen.authorizationUrl = url;
    },
  };
}

// ---- discovery ----------------------------------------------------------------

test('discovery documents are served through lighttpd, from the config', async () => {
  for (const url of [prmUrl, `${base}/.well-known/oauth-protected-resource`]) {
    const r = await httpRequest(url, { method: 'GET', rawHeaders: true });
    assert.equal(r.status, 200, describeResponse(r));
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    assert.deepEqual(r.json, {
      resource: stack.mcpUrl,
      authorization_servers: [base],
      bearer_methods_supported: ['header'],
      scopes_supported: ['query', 'schemas:read'],
    });
  }
  for (const url of [`${base}/.well-known/oauth-authorization-server`, `${base}/.well-known/openid-configuration`]) {
    const r = await httpRequest(url, { method: 'GET', rawHeaders: true });
    assert.equal(r.status, 200, describeResponse(r));
    assert.deepEqual(r.json, {
      issuer: base,
      authorization_endpoint: `${base}/authorize`,
      token_endpoint: `${base}/token`,
      registration_endpoint: `${base}/register`,
      revocation_endpoint: `${base}/revoke`,
      jwks_uri: `${base}/.well-known/jwks.json`,
      scopes_supported: ['query', 'schemas:read'],
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
      client_id_metadata_document_supported: true,
      authorization_response_iss_parameter_supported: true,
    });
  }
  // The JWKS holds both keys' public halves, exactly as node computes them.
  const r = await httpRequest(`${base}/.well-known/jwks.json`, { method: 'GET', rawHeaders: true });
  assert.equal(r.status, 200);
  const expect = (kid, k) => ({ kty: 'EC', crv: 'P-256', x: k.jwk.x, y: k.jwk.y, kid, use: 'sig', alg: 'ES256' });
  assert.deepEqual(r.json, { keys: [expect('k-2026', ACTIVE), expect('k-2025', OLD)] });
  assert.ok(!r.text.includes('"d"'), 'the JWKS must not hold private keys');
});

test('the SDK discovers everything from the MCP URL alone', async () => {
  const prm = await discoverOAuthProtectedResourceMetadata(new URL(stack.mcpUrl));
  assert.equal(prm.resource, stack.mcpUrl);
  const info = await discoverOAuthServerInfo(new URL(stack.mcpUrl));
  assert.equal(info.authorizationServerUrl, base);
  assert.equal(info.authorizationServerMetadata.issuer, base);
  assert.deepEqual(info.authorizationServerMetadata.code_challenge_methods_supported, ['S256']);
  const as = await discoverAuthorizationServerMetadata(base);
  assert.equal(as.token_endpoint, `${base}/token`);
});

// ---- 401 ------------------------------------------------------------------------

test('without a token: 401 with the challenge, for every method', async () => {
  for (const body of [INIT, rpc(2, 'tools/list'), rpc(3, 'ping')]) {
    const r = await httpRequest(stack.mcpUrl, { body });
    assert.equal(r.status, 401, describeResponse(r));
    assert.equal(r.headers.get('www-authenticate'), CHALLENGE());
    assert.equal(r.json.id, null);
    assert.match(r.json.error.message, /^Unauthorized: this MCP endpoint needs an OAuth access token/);
  }
  const basic = await httpRequest(stack.mcpUrl, { body: INIT, headers: { Authorization: 'Basic dXNlcjpwYXNz' } });
  assert.equal(basic.status, 401);
  assert.equal(basic.headers.get('www-authenticate'), CHALLENGE());
  const get = await httpRequest(stack.mcpUrl, { method: 'GET', headers: { Accept: 'text/event-stream' } });
  assert.equal(get.status, 401);
  // The SDK without credentials gets the 401 as an error.
  const client = new Client({ name: 'oauth-it', version: '1.0.0' });
  await assert.rejects(client.connect(new StreamableHTTPClientTransport(new URL(stack.mcpUrl))), (e) => e instanceof StreamableHTTPError && e.code === 401);
  // A CORS preflight needs no token.
  const pre = await httpRequest(stack.mcpUrl, {
    method: 'OPTIONS',
    rawHeaders: true,
    headers: { Origin: base, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' },
  });
  assert.equal(pre.status, 204, describeResponse(pre));
});

test('invalid tokens get 401 invalid_token; malformed credentials get 400', async () => {
  const now = Math.floor(Date.now() / 1000);
  const good = { iss: base, sub: 'mallory', aud: stack.mcpUrl, client_id: 'c', scope: 'query schemas:read', iat: now, exp: now + 600, jti: 'j' };
  const H = (o = {}) => JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid: 'k-2026', ...o });
  const valid = signRaw(ACTIVE.pem, H(), JSON.stringify(good));
  const flipped = valid.slice(0, valid.length - 20) + (valid[valid.length - 20] === 'A' ? 'B' : 'A') + valid.slice(valid.length - 19);
  const cases = {
    expired: [token({ claims: { iat: now - 1000, exp: now - 100 } }), 'The access token expired'],
    'wrong audience': [token({ aud: 'https://other.example/mcp' }), 'The access token is invalid'],
    'another issuer': [token({ iss: 'https://evil.example' }), 'The access token is invalid'],
    'alg none': [unsigned(H({ alg: 'none' }), JSON.stringify(good)), 'The access token is invalid'],
    'HS256 signed with the public key': [hs256(H({ alg: 'HS256' }), JSON.stringify(good), ACTIVE.publicPem), 'The access token is invalid'],
    'bad signature': [flipped, 'The access token is invalid'],
    'unknown key': [token({ pem: STRANGER.pem, kid: 'k-stranger' }), 'The access token is invalid'],
    'a configured kid, another key': [token({ pem: STRANGER.pem }), 'The access token is invalid'],
    'duplicate aud': [
      signRaw(ACTIVE.pem, H(), JSON.stringify(good).replace('"aud":', '"aud":"https://evil.example","aud":')),
      'The access token is invalid',
    ],
    'not a JWT': ['abc.def.ghi', 'The access token is invalid'],
    oversized: [token({ claims: { pad: 'x'.repeat(9000) } }), 'The access token is invalid'],
  };
  for (const [name, [t, desc]] of Object.entries(cases)) {
    sentTokens.push(t);
    const r = await httpRequest(stack.mcpUrl, { body: rpc(1, 'tools/list'), headers: bearer(t) });
    assert.equal(r.status, 401, `${name}: ${describeResponse(r)}`);
    assert.equal(r.headers.get('www-authenticate'), `${CHALLENGE()}, error="invalid_token", error_description="${desc}"`, name);
    assert.ok(!r.text.includes(t), `${name}: the answer echoes the token`);
  }
  for (const h of ['Bearer a b', 'Bearer', `Bearer ${valid}, Bearer ${valid}`, 'Bearer a*b']) {
    const r = await httpRequest(stack.mcpUrl, { body: INIT, headers: { Authorization: h } });
    assert.equal(r.status, 400, `${h}: ${describeResponse(r)}`);
    assert.match(r.headers.get('www-authenticate'), /error="invalid_request"/);
  }
  const q = await httpRequest(`${stack.mcpUrl}?access_token=${valid}`, { body: INIT, headers: bearer(valid) });
  assert.equal(q.status, 400, describeResponse(q));
  // Control: the same token in the header alone is fine.
  const ok = await httpRequest(stack.mcpUrl, { body: INIT, headers: bearer(valid) });
  assert.equal(ok.status, 200, describeResponse(ok));
});

// ---- scopes ---------------------------------------------------------------------

test('tools/list shows what the scopes allow; calls outside them get 403 (SDK and raw)', async () => {
  const all = await clientWith(token({ scope: 'query schemas:read' }));
  assert.deepEqual((await all.listTools()).tools.map((t) => t.name).sort(), ['describe_table', 'list_tables', 'run_sql']);
  const tables = await all.callTool({ name: 'list_tables', arguments: {} });
  assert.ok(!tables.isError, resultText(tables));
  assert.match(resultText(tables), /customers/);
  const sql = await all.callTool({ name: 'run_sql', arguments: { sql: 'SELECT COUNT(*) AS n FROM customers' } });
  assert.ok(!sql.isError, resultText(sql));
  await all.close();

  const queryOnly = token({ sub: 'svc-report', client_id: 'svc-report', scope: 'query' });
  const q = await clientWith(queryOnly);
  assert.deepEqual((await q.listTools()).tools.map((t) => t.name), ['run_sql']);
  await assert.rejects(q.callTool({ name: 'list_tables', arguments: {} }), (e) => e instanceof StreamableHTTPError && e.code === 403);
  const r = await httpRequest(stack.mcpUrl, { body: rpc('c-1', 'tools/call', { name: 'describe_table', arguments: { table_name: 'customers' } }), headers: bearer(queryOnly) });
  assert.equal(r.status, 403, describeResponse(r));
  assert.equal(
    r.headers.get('www-authenticate'),
    `Bearer error="insufficient_scope", scope="query schemas:read", resource_metadata="${prmUrl}", error_description="This request needs the schemas:read scope"`,
  );
  assert.equal(r.json.id, 'c-1');
  await q.close();

  const readOnly = await clientWith(token({ scope: 'schemas:read' }));
  assert.deepEqual((await readOnly.listTools()).tools.map((t) => t.name).sort(), ['describe_table', 'list_tables']);
  const d = await readOnly.callTool({ name: 'describe_table', arguments: { table_name: 'customers' } });
  assert.ok(!d.isError, resultText(d));
  await assert.rejects(readOnly.callTool({ name: 'run_sql', arguments: { sql: 'SELECT 1' } }), (e) => e.code === 403);
  await readOnly.close();

  const none = await clientWith(token({ scope: '' }));
  assert.deepEqual((await none.listTools()).tools, []);
  await none.close();
});

test('the SDK follows a 403 step-up challenge to /authorize with the scopes it needs', async () => {
  const provider = recordingProvider({ access_token: token({ scope: 'query' }), token_type: 'Bearer' });
  const client = new Client({ name: 'oauth-it', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { authProvider: provider }));
  assert.deepEqual((await client.listTools()).tools.map((t) => t.name), ['run_sql']);
  await assert.rejects(client.callTool({ name: 'list_tables', arguments: {} }), (e) => e instanceof UnauthorizedError);
  const u = provider.seen.authorizationUrl;
  assert.ok(u, 'the SDK did not start an authorization');
  assert.equal(`${u.origin}${u.pathname}`, `${base}/authorize`);
  assert.equal(u.searchParams.get('scope'), 'query schemas:read');
  assert.equal(u.searchParams.get('resource'), stack.mcpUrl);
  assert.equal(u.searchParams.get('response_type'), 'code');
  assert.equal(u.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(u.searchParams.get('client_id'), 'pre-registered-it');
  assert.equal(provider.seen.discovery.resourceMetadataUrl, prmUrl);
  await client.close();
});

test('the SDK follows a 401 challenge from nothing but the MCP URL', async () => {
  const provider = recordingProvider(undefined);
  const client = new Client({ name: 'oauth-it', version: '1.0.0' });
  await assert.rejects(client.connect(new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { authProvider: provider })), (e) => e instanceof UnauthorizedError);
  const u = provider.seen.authorizationUrl;
  assert.ok(u, 'the SDK did not start an authorization');
  assert.equal(`${u.origin}${u.pathname}`, `${base}/authorize`);
  assert.equal(u.searchParams.get('scope'), 'query schemas:read');
  assert.equal(u.searchParams.get('resource'), stack.mcpUrl);
  assert.equal(provider.seen.discovery.resourceMetadataUrl, prmUrl);
  assert.equal(provider.seen.discovery.authorizationServerUrl, base);
});

// ---- keys and the log -------------------------------------------------------------

test('a token signed by a configured, no longer active key still verifies', async () => {
  const t = token({ pem: OLD.pem, kid: 'k-2025', sub: 'rotated-user' });
  const r = await httpRequest(stack.mcpUrl, { body: rpc(1, 'tools/list'), headers: bearer(t) });
  assert.equal(r.status, 200, describeResponse(r));
  assert.equal(r.json.result.tools.length, 3);
});

test('the access log names the principal and never a token', async () => {
  // Give the workers a moment to flush their lines into the error log.
  await new Promise((res) => setTimeout(res, 200));
  const log = stack.readErrorLog();
  assert.match(log, /access rid=\S+ method=POST path=\/mcp status=200 .* principal=alice,client=test-client /);
  assert.match(log, /principal=svc-report rpc=tools\/call tool=list_tables auth=insufficient_scope/);
  assert.match(log, /status=401 .* principal=- auth=expired/);
  assert.match(log, /status=401 .* principal=- auth=bad_alg/);
  assert.match(log, /status=401 .* principal=- auth=wrong_audience/);
  assert.match(log, /status=401 .* principal=- auth=missing/);
  for (const t of sentTokens) {
    const sig = t.slice(t.lastIndexOf('.') + 1);
    assert.ok(!log.includes(t), 'a token is in the log');
    if (sig.length > 20) assert.ok(!log.includes(sig), 'a token signature is in the log');
  }
  // Nor any private key material.
  assert.ok(!log.includes(ACTIVE.pem.split('\n')[1]));
});

test('no sanitizer reports from the workers', () => {
  assertNoSanitizerReports(stack);
});

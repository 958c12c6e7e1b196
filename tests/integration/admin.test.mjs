// ddbsql-admin on a real stack: a config set up only with the admin tool
// (a signing key, two API clients) serves /token and /mcp. The clients get
// access tokens with client_credentials (client_secret_basic and
// client_secret_post) using the secrets the tool printed once, the tokens
// carry the tool's key id and the clients' scopes, and /mcp accepts them
// with the tools those scopes allow. Revocation reaches the stack's Redis.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  BIN_DIR,
  DEMO_ACCESS_KEY_ID,
  DEMO_SECRET_ACCESS_KEY,
  assertNoSanitizerReports,
  freePort,
  httpRequest,
  rpc,
  startTestStack,
  tempDir,
} from './lib/harness.mjs';
import { SANITIZER_ENV } from '../../deploy/local/stack.mjs';

const ADMIN = path.join(BIN_DIR, 'ddbsql-admin');

let dir;
let conf;
let stack;
const secrets = {};

function admin(...args) {
  const r = spawnSync(ADMIN, ['--config', conf, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...SANITIZER_ENV },
    timeout: 30000,
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

function adminOk(...args) {
  const r = admin(...args);
  assert.equal(r.status, 0, `ddbsql-admin ${args.join(' ')}: exit ${r.status}\n${r.out}${r.err}`);
  return r;
}

function secretOf(out) {
  const m = /^client_secret: (\S+)$/m.exec(out);
  assert.ok(m, `no client_secret line in:\n${out}`);
  return m[1];
}

before(async () => {
  dir = tempDir('admin');
  const port = await freePort();
  const redisPort = await freePort();
  const dynamoPort = await freePort();
  conf = path.join(dir, 'ddbsql.conf');
  fs.writeFileSync(
    conf,
    `# Written by tests/integration/admin.test.mjs; the rest comes from ddbsql-admin.
public_url = http://127.0.0.1:${port}
auth = oauth

[redis]
host = 127.0.0.1
port = ${redisPort}

[schema demo]
region = us-east-1
endpoint = http://127.0.0.1:${dynamoPort}
credentials = static
access_key_id = ${DEMO_ACCESS_KEY_ID}
secret_access_key = ${DEMO_SECRET_ACCESS_KEY}
`,
    { mode: 0o600 },
  );
  adminOk('key', 'generate', '--kid', 'it-key-1', '--dir', path.join(dir, 'keys'));
  secrets.full = secretOf(adminOk('client', 'create', 'it-full', '--scopes', 'query schemas:read').out);
  secrets.query = secretOf(adminOk('client', 'create', 'it-query', '--scopes', 'query', '--name', 'Query only').out);
  stack = await startTestStack({ config: conf, port });
});

after(async () => {
  await stack?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function basic(id, secret) {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

async function token(body, headers = {}) {
  return httpRequest(`${stack.baseUrl}/token`, {
    body,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
  });
}

function claims(jwt) {
  const [h, p] = jwt.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url')), payload: JSON.parse(Buffer.from(p, 'base64url')) };
}

async function toolNames(accessToken) {
  const r = await httpRequest(stack.mcpUrl, {
    body: JSON.stringify(rpc(1, 'tools/list', {})),
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'MCP-Protocol-Version': '2025-06-18',
      Authorization: `Bearer ${accessToken}`,
    },
  });
  assert.equal(r.status, 200, r.text);
  return r.json.result.tools.map((t) => t.name).sort();
}

test('the config ddbsql-admin wrote keeps its comment and holds no secret', () => {
  const text = fs.readFileSync(conf, 'utf8');
  assert.match(text, /^# Written by tests\/integration\/admin\.test\.mjs/);
  assert.ok(!text.includes(secrets.full) && !text.includes(secrets.query));
  assert.match(text, /\[client it-full\]\ntype = confidential\nsecret_hash = sha256:[0-9a-f]{64}\n/);
  assert.equal(fs.statSync(path.join(dir, 'keys', 'it-key-1.pem')).mode & 0o777, 0o600);
});

test('an API client made by ddbsql-admin gets a token (client_secret_basic) that /mcp accepts', async () => {
  const r = await token('grant_type=client_credentials', { Authorization: basic('it-full', secrets.full) });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.json.token_type, 'Bearer');
  assert.equal(r.json.scope, 'query schemas:read');
  assert.equal(r.json.refresh_token, undefined);
  const { header, payload } = claims(r.json.access_token);
  assert.equal(header.kid, 'it-key-1');
  assert.equal(header.alg, 'ES256');
  assert.equal(payload.client_id, 'it-full');
  assert.equal(payload.sub, 'it-full');
  assert.equal(payload.aud, stack.mcpUrl);
  assert.deepEqual(await toolNames(r.json.access_token), ['describe_table', 'list_tables', 'run_sql']);
});

test('the client limited to query gets only that (client_secret_post)', async () => {
  const r = await token(
    `grant_type=client_credentials&client_id=it-query&client_secret=${encodeURIComponent(secrets.query)}&scope=query%20schemas%3Aread`,
  );
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.scope, 'query');
  assert.deepEqual(await toolNames(r.json.access_token), ['run_sql']);
});

test('a wrong secret is refused', async () => {
  const r = await token('grant_type=client_credentials', { Authorization: basic('it-full', secrets.query) });
  assert.equal(r.status, 401, r.text);
  assert.equal(r.json.error, 'invalid_client');
});

test('revoke client reaches the stack\'s Redis; key list sees the key', () => {
  const r = adminOk('revoke', 'client', 'it-full');
  assert.match(r.out, /Revoked client 'it-full': 0 refresh token families revoked\./);
  const k = adminOk('key', 'list');
  assert.match(k.out, /it-key-1\s+yes\s+ok\s/);
});

test('no sanitizer reports', () => {
  assertNoSanitizerReports(stack);
});

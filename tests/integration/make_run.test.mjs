// `make run` with AUTH=oauth (deploy/local/stack.mjs run as a script, as
// deploy/local/run.sh does, with its work dir and run/demo.json moved to a
// temp dir): it prints demo credentials marked demo-only and writes them,
// with the MCP URL, to demo.json (mode 0600); the demo user signs in on the
// /authorize pages; the demo API client gets a token (client_credentials)
// that lists every tool; Ctrl-C stops everything.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { REPO_ROOT, VARIANT, freePort, tempDir } from './lib/harness.mjs';

let proc;
let out = '';
let dir;
let demo;
let exited;

before(async () => {
  dir = tempDir('make-run');
  const port = await freePort();
  proc = spawn(process.execPath, [path.join(REPO_ROOT, 'deploy/local/stack.mjs')], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      AUTH: 'oauth',
      PORT: String(port),
      VARIANT,
      DDBSQL_RUN_DIR: path.join(dir, 'run'),
      DDBSQL_DEMO_JSON: path.join(dir, 'demo.json'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  proc.stdout.on('data', (d) => {
    out += d;
  });
  proc.stderr.on('data', (d) => {
    out += d;
  });
  const deadline = Date.now() + 90000;
  while (!out.includes('Press Ctrl-C to stop.')) {
    if (proc.exitCode !== null) throw new Error(`stack.mjs exited early:\n${out}`);
    if (Date.now() > deadline) throw new Error(`stack.mjs did not start within 90 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  demo = JSON.parse(fs.readFileSync(path.join(dir, 'demo.json'), 'utf8'));
});

after(async () => {
  if (proc && proc.exitCode === null) {
    proc.kill('SIGINT');
    await exited;
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('demo credentials are printed, marked demo-only, and written to demo.json (0600)', () => {
  const st = fs.statSync(path.join(dir, 'demo.json'));
  assert.equal(st.mode & 0o777, 0o600);
  assert.match(demo.note, /^DEMO ONLY/);
  assert.match(demo.mcp_url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  assert.equal(demo.token_endpoint, demo.mcp_url.replace(/\/mcp$/, '/token'));
  assert.equal(demo.user.name, 'demo');
  assert.equal(demo.user.scopes, 'query schemas:read');
  assert.ok(demo.user.password.length >= 16);
  assert.equal(demo.api_client.client_id, 'demo-api');
  assert.equal(demo.api_client.scopes, 'query schemas:read');
  assert.ok(demo.api_client.client_secret.length >= 40);
  assert.match(out, /auth = oauth/);
  assert.match(out, /DEMO ONLY/);
  assert.ok(out.includes(`user demo, password ${demo.user.password}`));
  assert.ok(out.includes(`client_id demo-api, client_secret ${demo.api_client.client_secret}`));
  assert.ok(out.includes(`MCP endpoint:  ${demo.mcp_url}`));
  // The config holds hashes only.
  const conf = fs.readFileSync(path.join(dir, 'run', 'ddbsql.conf'), 'utf8');
  assert.ok(!conf.includes(demo.user.password) && !conf.includes(demo.api_client.client_secret));
  assert.match(conf, /^password_hash = \$scrypt\$ln=14,r=8,p=1\$/m);
});

test('the demo user signs in on the /authorize pages', async () => {
  const base = demo.issuer;
  const redirect = 'http://127.0.0.1:9/callback';
  const reg = await fetch(`${base}/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ client_name: 'make-run-it', redirect_uris: [redirect], token_endpoint_auth_method: 'none' }),
  });
  assert.equal(reg.status, 201);
  const { client_id: clientId } = await reg.json();
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirect,
    state: 'st',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  });
  const page = await fetch(`${base}/authorize?${q}`);
  assert.equal(page.status, 200);
  const cookie = page.headers.get('set-cookie').split(';')[0];
  const html = await page.text();
  const field = (h, n) => new RegExp(`name="${n}" value="([^"]*)"`).exec(h)[1];
  const login = await fetch(`${base}/authorize`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie },
    body: new URLSearchParams({
      step: 'login',
      request: field(html, 'request'),
      csrf: field(html, 'csrf'),
      username: demo.user.name,
      password: demo.user.password,
    }),
  });
  assert.equal(login.status, 200);
  const consent = await login.text();
  assert.match(consent, /make-run-it<\/strong> wants to use ddbsql as <strong>demo<\/strong>/);
});

test('the demo API client gets a token that lists every tool', async () => {
  const r = await fetch(demo.token_endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: `Basic ${Buffer.from(`${demo.api_client.client_id}:${demo.api_client.client_secret}`).toString('base64')}`,
    },
    body: 'grant_type=client_credentials',
  });
  const tok = await r.json();
  assert.equal(r.status, 200, JSON.stringify(tok));
  assert.equal(tok.scope, 'query schemas:read');
  const client = new Client({ name: 'make-run-it', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(demo.mcp_url), {
      requestInit: { headers: { Authorization: `Bearer ${tok.access_token}` } },
    }),
  );
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((x) => x.name).sort(), ['describe_table', 'list_tables', 'run_sql']);
  await client.close();
});

test('Ctrl-C stops the stack', async () => {
  proc.kill('SIGINT');
  const { code } = await exited;
  assert.equal(code, 130);
  const base = demo.issuer;
  await assert.rejects(fetch(`${base}/mcp`, { signal: AbortSignal.timeout(2000) }));
});

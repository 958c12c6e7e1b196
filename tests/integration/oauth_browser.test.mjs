// /authorize in a real browser: headless Chromium (Debian `chromium`)
// driven by playwright-core through the real stack (lighttpd +
// ddbsql-authorize + ddbsql-register + ddbsql-mcp, auth = oauth), the way a
// person uses the sign-in and consent pages: approve, deny, a wrong
// password, pages that cannot be framed, error pages that never redirect.
// Then the official MCP TypeScript SDK client's OAuth flow from nothing but
// the MCP URL: discovery, the client known through DCR at /register, a
// client ID metadata document (CIMD, served over https from a local test
// server with the test-only loopback switch) or pre-registration, the
// browser sign-in and consent (the SDK's redirect followed by Playwright),
// the code coming back to a local redirect listener, and the SDK exchanging
// it at /token.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError, auth } from '@modelcontextprotocol/sdk/client/auth.js';
import { assertNoSanitizerReports, startTestStack, tempDir } from './lib/harness.mjs';
import { passwordHash, writeSigningKey } from '../../deploy/local/oauth-demo.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ALICE_PW = `alice-${crypto.randomBytes(6).toString('hex')}`;
const BOB_PW = `bob-${crypto.randomBytes(6).toString('hex')}`;

let stack;
let base;
let browser;
let listener; // the local redirect listener (the "native app")
let callbackUrl;
let cimd; // the https server of the client ID metadata document
const secrets = [ALICE_PW, BOB_PW]; // never to be found in the log

// ---- the redirect listener ------------------------------------------------------

function startListener() {
  const hits = [];
  const waiters = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, `http://${req.headers.host}`);
    if (url.pathname === '/plain') {
      // A page without anti-framing headers: the control of the framing test.
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!DOCTYPE html><h1 id="plain">framed fine</h1>');
      return;
    }
    hits.push(url);
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!DOCTYPE html><title>done</title><p>You can close this window.</p>');
    while (waiters.length) waiters.shift()(url);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        port,
        hits,
        close: () => new Promise((r) => server.close(r)),
        next(timeoutMs = 20000) {
          return new Promise((res, rej) => {
            const t = setTimeout(() => rej(new Error('no request reached the redirect listener')), timeoutMs);
            waiters.push((u) => {
              clearTimeout(t);
              res(u);
            });
          });
        },
      });
    });
  });
}

/** An https server on 127.0.0.1 with a fresh self-signed certificate
 * (openssl), serving a client ID metadata document at /client.json. */
async function startCimdServer(dir) {
  const key = path.join(dir, 'cimd-key.pem');
  const cert = path.join(dir, 'cimd-cert.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
  { encoding: 'utf8' });
  assert.equal(r.status, 0, `openssl: ${r.stderr}`);
  let doc = '{}';
  const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
    if (req.url !== '/client.json') {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'max-age=60' });
    res.end(doc);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${server.address().port}/client.json`;
  return {
    url,
    certFile: cert,
    setDocument: (d) => {
      doc = JSON.stringify(d);
    },
    close: () => new Promise((res) => server.close(res)),
  };
}

// ---- set-up -----------------------------------------------------------------------

before(async () => {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} not found: run tests/install-deps.sh (Debian package chromium)`);
  listener = await startListener();
  callbackUrl = `http://127.0.0.1:${listener.port}/callback`;
  const dir = tempDir('browser');
  const key = writeSigningKey(path.join(dir, 'signing.pem'));
  cimd = await startCimdServer(dir);
  cimd.setDocument({
    client_id: cimd.url,
    client_name: 'CIMD Browser Test',
    redirect_uris: [callbackUrl],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  });
  stack = await startTestStack({
    auth: 'oauth',
    configExtra: `
[oauth]
login_max_attempts_per_user = 20
cimd_allow_loopback = true
cimd_ca_file = ${cimd.certFile}

[signing_key k1]
path = ${key}
active = true

[user alice]
password_hash = ${passwordHash(ALICE_PW, { ln: 10 })}

[user bob]
password_hash = ${passwordHash(BOB_PW, { ln: 10 })}
scopes = query

[client web-app]
name = Web App
redirect_uris = http://127.0.0.1/callback
`,
  });
  base = stack.baseUrl;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Chromium's sandbox needs user namespaces, which root in a container lacks.
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
});

after(async () => {
  await browser?.close();
  await listener?.close();
  await cimd?.close();
  if (stack) {
    await stack.stop();
    const log = stack.readErrorLog();
    for (const s of secrets) assert.ok(!log.includes(s), 'a secret (password, code or token) reached the log');
    assertNoSanitizerReports(stack);
  }
});

// ---- helpers ------------------------------------------------------------------------

function pkce() {
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

function authorizeUrl({ clientId = 'web-app', redirectUri = callbackUrl, state, challenge, scope, extra = {} }) {
  const u = new URL(`${base}/authorize`);
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('client_id', clientId);
  u.searchParams.set('redirect_uri', redirectUri);
  if (state) u.searchParams.set('state', state);
  if (challenge) {
    u.searchParams.set('code_challenge', challenge);
    u.searchParams.set('code_challenge_method', 'S256');
  }
  if (scope) u.searchParams.set('scope', scope);
  u.searchParams.set('resource', stack.mcpUrl);
  for (const [k, v] of Object.entries(extra)) u.searchParams.set(k, v);
  return u.href;
}

function expectPageHeaders(headers) {
  assert.match(headers['content-security-policy'], /frame-ancestors 'none'/);
  assert.match(headers['content-security-policy'], /default-src 'none'/);
  assert.equal(headers['x-frame-options'], 'DENY');
  assert.equal(headers['referrer-policy'], 'no-referrer');
  assert.equal(headers['cache-control'], 'no-store');
  assert.equal(headers['x-content-type-options'], 'nosniff');
}

/** Signs in on the login page the page shows; returns the POST's response. */
async function signIn(page, user, password) {
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.url().startsWith(`${base}/authorize`) && r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
  await page.waitForLoadState('domcontentloaded');
  return resp;
}

/** Clicks Approve or Deny and returns the URL the redirect listener got. */
async function decide(page, button) {
  const hit = listener.next();
  await page.getByRole('button', { name: button }).click();
  const url = await hit;
  await page.waitForURL((u) => u.href.startsWith(callbackUrl));
  return url;
}

/** The token endpoint's answer to a code (authorization_code grant). */
async function exchange({ code, verifier, clientId = 'web-app', redirectUri = callbackUrl }) {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    client_id: clientId,
    code_verifier: verifier,
    resource: stack.mcpUrl,
  });
  const r = await fetch(`${base}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
  });
  const json = await r.json();
  return { status: r.status, json };
}

async function toolNames(accessToken) {
  const client = new Client({ name: 'browser-it', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(stack.mcpUrl), {
    requestInit: { headers: { Authorization: `Bearer ${accessToken}` } },
  });
  await client.connect(transport);
  const { tools } = await client.listTools();
  await client.close();
  return tools.map((t) => t.name).sort();
}

// ---- a person on the pages ------------------------------------------------------------

test('sign in and approve: the code comes back to the redirect URI with state and iss', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const { verifier, challenge } = pkce();
  const state = crypto.randomBytes(8).toString('hex');
  const resp = await page.goto(authorizeUrl({ state, challenge, scope: 'query schemas:read' }));
  assert.equal(resp.status(), 200);
  expectPageHeaders(resp.headers());
  assert.match(await page.title(), /^Sign in/);
  await assert.doesNotReject(page.getByRole('heading', { name: 'Sign in to ddbsql' }).waitFor());
  assert.match(await page.locator('main').innerText(), /to continue to Web App/);
  // The session cookie: HttpOnly, SameSite=Lax, scoped to the endpoint.
  const cookies = await ctx.cookies(`${base}/authorize`);
  assert.equal(cookies.length, 1);
  assert.equal(cookies[0].name, 'ddbsql_login');
  assert.equal(cookies[0].httpOnly, true);
  assert.equal(cookies[0].sameSite, 'Lax');
  assert.equal(cookies[0].path, '/authorize');
  // The page carries only an opaque id, not the request's parameters.
  const html = await page.content();
  assert.ok(!html.includes(challenge) && !html.includes(state));

  const consent = await signIn(page, 'alice', ALICE_PW);
  assert.equal(consent.status(), 200);
  expectPageHeaders(consent.headers());
  await page.getByRole('heading', { name: 'Allow access to ddbsql?' }).waitFor();
  const text = await page.locator('main').innerText();
  assert.match(text, /Web App wants to use ddbsql as alice\./);
  assert.match(text, /registered by your administrator/);
  assert.match(text, new RegExp(`http://127\\.0\\.0\\.1:${listener.port} \\(an application on this computer\\)`));
  assert.match(text, /Run read-only SQL queries/);
  assert.match(text, /See which tables there are/);
  assert.ok(!html.includes(ALICE_PW));

  const url = await decide(page, 'Approve');
  assert.equal(url.pathname, '/callback');
  const code = url.searchParams.get('code');
  assert.match(code, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(url.searchParams.get('state'), state);
  assert.equal(url.searchParams.get('iss'), base);
  assert.equal(url.searchParams.get('error'), null);
  secrets.push(code);
  await ctx.close();

  const tok = await exchange({ code, verifier });
  assert.equal(tok.status, 200, JSON.stringify(tok.json));
  assert.equal(tok.json.token_type, 'Bearer');
  assert.equal(tok.json.scope, 'query schemas:read');
  secrets.push(tok.json.access_token, tok.json.refresh_token);
  assert.deepEqual(await toolNames(tok.json.access_token), ['describe_table', 'list_tables', 'run_sql']);
  // The code was for one use.
  const again = await exchange({ code, verifier });
  assert.equal(again.status, 400);
  assert.equal(again.json.error, 'invalid_grant');
});

test('deny: access_denied goes back with state and iss, and no code', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const { challenge } = pkce();
  await page.goto(authorizeUrl({ state: 'deny-me', challenge }));
  await signIn(page, 'alice', ALICE_PW);
  await page.getByRole('heading', { name: 'Allow access to ddbsql?' }).waitFor();
  const url = await decide(page, 'Deny');
  assert.equal(url.searchParams.get('error'), 'access_denied');
  assert.equal(url.searchParams.get('error_description'), 'The user denied the request');
  assert.equal(url.searchParams.get('state'), 'deny-me');
  assert.equal(url.searchParams.get('iss'), base);
  assert.equal(url.searchParams.get('code'), null);
  await ctx.close();
});

test('a wrong password: one refusal message, the name kept, then a retry works', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const { challenge } = pkce();
  await page.goto(authorizeUrl({ state: 's', challenge }));
  const bad = await signIn(page, 'alice', 'not-the-password');
  assert.equal(bad.status(), 401);
  expectPageHeaders(bad.headers());
  assert.equal((await page.getByRole('alert').innerText()).trim(), 'Wrong user name or password.');
  assert.equal(await page.getByLabel('User name').inputValue(), 'alice');
  assert.equal(await page.getByLabel('Password').inputValue(), '');
  // An unknown user gets the very same answer.
  const unknown = await signIn(page, 'nobody', 'whatever');
  assert.equal(unknown.status(), 401);
  assert.equal((await page.getByRole('alert').innerText()).trim(), 'Wrong user name or password.');
  const ok = await signIn(page, 'alice', ALICE_PW);
  assert.equal(ok.status(), 200);
  await page.getByRole('heading', { name: 'Allow access to ddbsql?' }).waitFor();
  await ctx.close();
});

test('the sign-in and consent pages cannot be framed (clickjacking)', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const { challenge } = pkce();
  const framed = authorizeUrl({ state: 'f', challenge });
  const plain = `http://127.0.0.1:${listener.port}/plain`;
  const reached = page.waitForResponse((r) => r.url().startsWith(`${base}/authorize`));
  await page.goto(`http://127.0.0.1:${listener.port}/blank`);
  await page.setContent(`<iframe id="a" src="${framed}"></iframe><iframe id="b" src="${plain}"></iframe>`, {
    waitUntil: 'load',
  });
  const resp = await reached;
  assert.equal(resp.status(), 200, 'the framed request reached /authorize');
  expectPageHeaders(resp.headers());
  // The control frame (no such headers) renders; the sign-in page does not.
  await page.frameLocator('#b').locator('#plain').waitFor();
  let rendered = 0;
  for (const f of page.frames()) rendered += await f.locator('input[name=password]').count();
  assert.equal(rendered, 0, 'the sign-in form rendered inside a frame');
  await ctx.close();
});

test('a lookalike redirect_uri or an unknown client gets an error page, never a redirect', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const { challenge } = pkce();
  const before = listener.hits.length;
  for (const u of [
    authorizeUrl({ state: 's', challenge, redirectUri: `${callbackUrl}/extra` }),
    authorizeUrl({ state: 's', challenge, redirectUri: `${callbackUrl}?next=https://evil.example` }),
    authorizeUrl({ state: 's', challenge, redirectUri: callbackUrl.replace('/callback', '/Callback') }),
    authorizeUrl({ state: 's', challenge, redirectUri: `${callbackUrl}/` }),
    authorizeUrl({ state: 's', challenge, clientId: 'no-such-client' }),
  ]) {
    const resp = await page.goto(u);
    assert.equal(resp.status(), 400, u);
    expectPageHeaders(resp.headers());
    assert.ok(page.url().startsWith(`${base}/authorize`));
    assert.match(await page.locator('main').innerText(), /You were not sent back to the application/);
  }
  assert.equal(listener.hits.length, before, 'the redirect listener was reached');
  // With the client and redirect_uri good, other errors do go back: PKCE plain.
  const hit = listener.next();
  await page.goto(authorizeUrl({ state: 'p', extra: { code_challenge: 'abc', code_challenge_method: 'plain' } }));
  const url = await hit;
  assert.equal(url.searchParams.get('error'), 'invalid_request');
  assert.match(url.searchParams.get('error_description'), /S256/);
  assert.equal(url.searchParams.get('state'), 'p');
  assert.equal(url.searchParams.get('iss'), base);
  await ctx.close();
});

test('a user who may grant only query: the consent page and the code say so', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const { verifier, challenge } = pkce();
  await page.goto(authorizeUrl({ state: 'b', challenge, scope: 'query schemas:read' }));
  await signIn(page, 'bob', BOB_PW);
  const text = await page.locator('main').innerText();
  assert.match(text, /Run read-only SQL queries/);
  assert.doesNotMatch(text, /See which tables/);
  const url = await decide(page, 'Approve');
  const code = url.searchParams.get('code');
  secrets.push(code);
  await ctx.close();
  const tok = await exchange({ code, verifier });
  assert.equal(tok.status, 200, JSON.stringify(tok.json));
  assert.equal(tok.json.scope, 'query');
  secrets.push(tok.json.access_token, tok.json.refresh_token);
  assert.deepEqual(await toolNames(tok.json.access_token), ['run_sql']);
});

// ---- the MCP SDK client ----------------------------------------------------------------

/** An OAuthClientProvider for a native app with a loopback redirect, keeping
 * everything in memory and recording where it sends the browser. known:
 * client information it starts with (a pre-registered client); metadataUrl:
 * its client ID metadata document (CIMD). */
function sdkProvider(name, { known, metadataUrl } = {}) {
  const s = { info: known, tokens: undefined, verifier: undefined, authorizationUrl: undefined };
  return {
    s,
    ...(metadataUrl ? { clientMetadataUrl: metadataUrl } : {}),
    get redirectUrl() {
      return callbackUrl;
    },
    get clientMetadata() {
      return {
        client_name: name,
        redirect_uris: [callbackUrl],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      };
    },
    state: () => crypto.randomBytes(16).toString('base64url'),
    clientInformation: () => s.info,
    saveClientInformation: (i) => {
      s.info = i;
    },
    tokens: () => s.tokens,
    saveTokens: (tk) => {
      s.tokens = tk;
    },
    saveCodeVerifier: (v) => {
      s.verifier = v;
    },
    codeVerifier: () => s.verifier,
    redirectToAuthorization: (u) => {
      s.authorizationUrl = u;
    },
  };
}

/**
 * The SDK's whole flow: connect (401, discovery, the client made known,
 * redirectToAuthorization), the browser (sign in as alice, check the
 * consent page with consentText, approve), the code at the listener, then
 * finishAuth at /token and a connected client with every tool.
 */
async function sdkFlow(provider, { clientId, consentText }) {
  const client = new Client({ name: 'sdk-browser-it', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { authProvider: provider });
  await assert.rejects(client.connect(transport), (e) => e instanceof UnauthorizedError);

  // Discovery happened and the client is known; the SDK wants the browser at /authorize.
  const authUrl = provider.s.authorizationUrl;
  assert.ok(authUrl, 'the SDK did not send the browser anywhere');
  assert.equal(`${authUrl.origin}${authUrl.pathname}`, `${base}/authorize`);
  assert.match(authUrl.searchParams.get('client_id'), clientId);
  assert.equal(authUrl.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(authUrl.searchParams.get('resource'), stack.mcpUrl);
  assert.equal(authUrl.searchParams.get('redirect_uri'), callbackUrl);
  const state = authUrl.searchParams.get('state');

  // The person: sign in and approve in the browser.
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(authUrl.href);
  await signIn(page, 'alice', ALICE_PW);
  const text = await page.locator('main').innerText();
  for (const re of consentText) assert.match(text, re);
  const url = await decide(page, 'Approve');
  await ctx.close();
  const code = url.searchParams.get('code');
  assert.match(code, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(url.searchParams.get('state'), state);
  assert.equal(url.searchParams.get('iss'), base);
  secrets.push(code);

  // The SDK exchanges the code at /token and connects with the token.
  await transport.finishAuth(code);
  assert.ok(provider.s.tokens?.access_token);
  assert.ok(provider.s.tokens?.refresh_token);
  secrets.push(provider.s.tokens.access_token, provider.s.tokens.refresh_token);
  const c2 = new Client({ name: 'sdk-browser-it', version: '1.0.0' });
  await c2.connect(new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { authProvider: provider }));
  const { tools } = await c2.listTools();
  assert.deepEqual(tools.map((x) => x.name).sort(), ['describe_table', 'list_tables', 'run_sql']);
  const r = await c2.callTool({ name: 'list_tables', arguments: {} });
  assert.ok(!r.isError, JSON.stringify(r));
  await c2.close();
}

test('the MCP SDK client: from the MCP URL alone, via DCR, through the browser', async () => {
  const provider = sdkProvider('SDK Browser Test');
  await sdkFlow(provider, {
    clientId: /^dcr_[0-9a-f]{32}$/,
    consentText: [/SDK Browser Test wants to use ddbsql as alice\./, /registered itself/],
  });
  assert.match(provider.s.info?.client_id || '', /^dcr_[0-9a-f]{32}$/);
  // Refresh through the SDK: the refresh token rotates and the new access
  // token works. The retired one is refused; at most once, within the
  // token endpoint's short grace for a lost response, it gets the same
  // successor again (oauth/refresh_token.h).
  const first = provider.s.tokens;
  assert.equal(await auth(provider, { serverUrl: stack.mcpUrl }), 'AUTHORIZED');
  const second = provider.s.tokens;
  secrets.push(second.access_token, second.refresh_token);
  assert.notEqual(second.refresh_token, first.refresh_token);
  assert.notEqual(second.access_token, first.access_token);
  const reuse = () =>
    fetch(`${base}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: provider.s.info.client_id }),
    }).then(async (r) => ({ status: r.status, json: await r.json() }));
  let again = await reuse();
  if (again.status === 200) {
    assert.equal(again.json.refresh_token, second.refresh_token, 'a retired refresh token minted a new one');
    secrets.push(again.json.access_token);
    again = await reuse();
  }
  assert.equal(again.status, 400);
  assert.equal(again.json.error, 'invalid_grant');
  assert.deepEqual(await toolNames(second.access_token), ['describe_table', 'list_tables', 'run_sql']);
});

test('the MCP SDK client: via a client ID metadata document (CIMD), through the browser', async () => {
  const provider = sdkProvider('ignored: the document names the client', { metadataUrl: cimd.url });
  const host = new URL(cimd.url).host;
  await sdkFlow(provider, {
    clientId: new RegExp(`^${cimd.url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`),
    consentText: [/CIMD Browser Test wants to use ddbsql as alice\./, new RegExp(`identified by ${host.replace(/\./g, '\\.')}`)],
  });
});

test('the MCP SDK client: a pre-registered client, through the browser', async () => {
  const provider = sdkProvider('Web App', { known: { client_id: 'web-app' } });
  await sdkFlow(provider, {
    clientId: /^web-app$/,
    consentText: [/Web App wants to use ddbsql as alice\./, /registered by your administrator/],
  });
});

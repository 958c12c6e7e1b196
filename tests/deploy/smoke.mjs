#!/usr/bin/env node
// The end-to-end smoke suite run through every front end by
// deploy/check-configs.sh (make test-deploy): the same checks against
// lighttpd, Apache mod_fcgid (also its shared-hosting set-up, under a base
// path) and nginx + spawn-fcgi, each serving ddbsql with auth = oauth, Redis
// and dynalite with the demo data.
//
//   node tests/deploy/smoke.mjs material DIR
//       writes DIR/oauth.conf (the [oauth] sections: a signing key, a user, an
//       API client) and DIR/creds.json (their secrets) for the configs
//   node tests/deploy/smoke.mjs run --public-url URL --creds FILE
//       [--slow-port P --dynamo URL]   a DynamoDB proxy that holds a request on
//                                      demand (schema "slow"): the worker tests
//       [--tls-proxy PORT --upstream URL --cert F --cert-key F
//        [--forwarded-for ADDR]]       end TLS on PORT (the public URL's port)
//                                      and forward plain HTTP to URL, saying
//                                      in X-Forwarded-For that the client is
//                                      ADDR (the web server must take it)
//       [--redis-port P]               Redis checked for half-written state
//       [--no-discovery]               the discovery paths are not routed here
//                                      (shared hosting): tokens are passed as is
//
// Output: one line per check, "ok - what" or "not ok - what" followed by
// "# " lines of detail; check-configs.sh numbers them into its TAP.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { demoOAuthConfig, newDemoCredentials, writeSigningKey } from '../../deploy/local/oauth-demo.mjs';
import { generateDemoData } from '../../deploy/local/demo-data.mjs';

const PROTOCOL_VERSION = '2025-06-18';
const MAX_BODY = 1048576; // ddbsql's default max_body_bytes
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- material for the configs ------------------------------------------------

function material(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const creds = newDemoCredentials();
  const keyFile = writeSigningKey(path.join(dir, 'signing.pem'));
  // ln=10: the fastest scrypt cost ddbsql accepts, so signing in is quick.
  fs.writeFileSync(path.join(dir, 'oauth.conf'), demoOAuthConfig({ keyFile, creds, ln: 10 }), { mode: 0o644 });
  fs.writeFileSync(path.join(dir, 'creds.json'), JSON.stringify(creds), { mode: 0o600 });
}

// ---- a tiny runner -----------------------------------------------------------

let failures = 0;
async function point(name, fn) {
  const t0 = Date.now();
  try {
    const skip = await fn();
    if (process.env.SMOKE_TIMES) console.log(`# ${Date.now() - t0} ms`); // to see where time goes
    console.log(typeof skip === 'string' ? `ok - ${name} # SKIP ${skip}` : `ok - ${name}`);
  } catch (e) {
    failures++;
    console.log(`not ok - ${name}`);
    const text = e instanceof assert.AssertionError ? e.message : e.stack || String(e);
    for (const line of text.split('\n').slice(0, 30)) console.log(`# ${line}`);
  }
}

function describe(r, text) {
  const hdrs = [...r.headers].map(([k, v]) => `${k}: ${v}`).join('\n  ');
  return `HTTP ${r.status}\n  ${hdrs}\n${String(text ?? '').slice(0, 1500)}`;
}

async function req(url, { method = 'GET', headers = {}, body, redirect = 'manual', timeoutMs = 30000 } = {}) {
  const r = await fetch(url, { method, headers, body, redirect, signal: AbortSignal.timeout(timeoutMs), duplex: 'half' });
  const text = await r.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, headers: r.headers, text, json, r };
}

const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const mcpHeaders = (token) => ({
  'Content-Type': 'application/json',
  Accept: 'application/json, text/event-stream',
  'MCP-Protocol-Version': PROTOCOL_VERSION,
  ...(token ? { Authorization: `Bearer ${token}` } : {}),
});

// ---- the DynamoDB proxy of schema "slow" ---------------------------------------

// Forwards to dynalite; when armed, holds the next request and reports the
// worker that sent it (its pid, from the connection's port), until released.
function startSlowProxy(port, dynamo) {
  const target = new URL(dynamo);
  let armed = null;
  const server = http.createServer((inReq, inRes) => {
    const forward = () => {
      const out = http.request(
        { host: target.hostname, port: target.port, method: inReq.method, path: inReq.url, headers: inReq.headers },
        (res) => {
          inRes.writeHead(res.statusCode, res.headers);
          res.pipe(inRes);
        },
      );
      out.on('error', () => inRes.destroy());
      inReq.pipe(out);
    };
    if (!armed) return forward();
    const a = armed;
    armed = null;
    a.arrived({ pid: pidOfPeer(inReq.socket.remotePort), release: forward, socket: inReq.socket });
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () =>
      resolve({
        // Resolves with {pid, release} when the next request arrives.
        arm(timeoutMs = 20000) {
          return new Promise((res, rej) => {
            const t = setTimeout(() => rej(new Error('no request reached the DynamoDB proxy')), timeoutMs);
            armed = {
              arrived: (x) => {
                clearTimeout(t);
                res(x);
              },
            };
          });
        },
        close: () => {
          server.closeAllConnections();
          return new Promise((r) => server.close(r));
        },
      }),
    );
  });
}

// The pid of the local process whose TCP socket has source port `port`.
function pidOfPeer(port) {
  const r = spawnSync('ss', ['-Htnp', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8' });
  const m = /pid=(\d+)/.exec(r.stdout || '');
  return m ? Number(m[1]) : null;
}

function processState(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return null; // gone
  }
}

async function waitGone(pid, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const st = processState(pid);
    if (st === null || st === 'Z') return true;
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
}

// ---- the TLS-terminating proxy ------------------------------------------------

// What a load balancer does: TLS outside, plain HTTP to the web server, with
// X-Forwarded-Proto/-For (ddbsql ignores them: its URLs come from public_url).
function startTlsProxy(port, upstream, certFile, keyFile, forwardedFor) {
  const up = new URL(upstream);
  const server = https.createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) }, (inReq, inRes) => {
    const client = forwardedFor || inReq.socket.remoteAddress;
    const headers = { ...inReq.headers, 'x-forwarded-proto': 'https', 'x-forwarded-for': client };
    const out = http.request({ host: up.hostname, port: up.port, method: inReq.method, path: inReq.url, headers }, (res) => {
      inRes.writeHead(res.statusCode, res.headers);
      res.pipe(inRes);
    });
    out.on('error', (e) => {
      inRes.writeHead(502, { 'Content-Type': 'text/plain' });
      inRes.end(`tls proxy: ${e.message}`);
    });
    inReq.pipe(out);
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () =>
      resolve({
        close: () => {
          server.closeAllConnections();
          return new Promise((r) => server.close(r));
        },
      }),
    );
  });
}

// ---- Redis ------------------------------------------------------------------------

function redisCli(port, args, input) {
  const r = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', input, timeout: 10000 });
  if (r.status !== 0) throw new Error(`redis-cli ${args.join(' ')}: ${r.stderr || r.error}`);
  return r.stdout;
}

// ---- the suite ------------------------------------------------------------------

async function run(opts) {
  const pub = new URL(opts.publicUrl);
  const base = opts.publicUrl.replace(/\/$/, '');
  const basePath = pub.pathname === '/' ? '' : pub.pathname.replace(/\/$/, '');
  const mcpUrl = `${base}/mcp`;
  const creds = JSON.parse(fs.readFileSync(opts.creds, 'utf8'));
  const api = creds.apiClient;
  const demo = Object.fromEntries(generateDemoData().map(({ definition, items }) => [definition.TableName, items]));
  const countSql = 'SELECT COUNT(*) AS n FROM demo.customers';
  const expectCount = (sc) => assert.deepEqual(sc?.rows, [[demo.customers.length]], JSON.stringify(sc).slice(0, 500));

  let tls = null;
  let slow = null;
  if (opts.tlsProxy) tls = await startTlsProxy(Number(opts.tlsProxy), opts.upstream, opts.cert, opts.certKey, opts.forwardedFor);
  if (opts.slowPort) slow = await startSlowProxy(Number(opts.slowPort), opts.dynamo);

  const newToken = async () => {
    const r = await req(`${base}/token`, {
      method: 'POST',
      headers: { ...FORM, Authorization: basic(api.clientId, api.clientSecret) },
      body: 'grant_type=client_credentials',
    });
    assert.equal(r.status, 200, describe(r, r.text));
    return r.json.access_token;
  };
  const sdkClient = async ({ token, provider } = {}) => {
    const client = new Client({ name: 'ddbsql-deploy-smoke', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), provider
      ? { authProvider: provider }
      : { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
    await client.connect(transport);
    return client;
  };
  const rpc = (token, id, method, params, pad = 0) => {
    const msg = JSON.stringify({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) });
    return req(mcpUrl, { method: 'POST', headers: mcpHeaders(token), body: pad ? msg + ' '.repeat(pad - msg.length) : msg });
  };
  const runSqlBody = (sql) => ({ name: 'run_sql', arguments: { sql } });

  try {
    // -- discovery --------------------------------------------------------------
    const prmUrl = `${pub.origin}/.well-known/oauth-protected-resource${basePath}/mcp`;
    if (!opts.noDiscovery) {
      await point('discovery: the protected resource metadata (RFC 9728) names /mcp and the issuer', async () => {
        const r = await req(prmUrl);
        assert.equal(r.status, 200, describe(r, r.text));
        assert.equal(r.json.resource, mcpUrl);
        assert.deepEqual(r.json.authorization_servers, [base]);
      });
      await point('discovery: the authorization server metadata (RFC 8414) gives the endpoints under public_url', async () => {
        const r = await req(`${pub.origin}/.well-known/oauth-authorization-server${basePath}`);
        assert.equal(r.status, 200, describe(r, r.text));
        assert.equal(r.json.issuer, base);
        for (const [k, p] of [['authorization_endpoint', 'authorize'], ['token_endpoint', 'token'], ['registration_endpoint', 'register'], ['revocation_endpoint', 'revoke']]) {
          assert.equal(r.json[k], `${base}/${p}`, k);
        }
        assert.equal(r.json.jwks_uri, `${base}/.well-known/jwks.json`);
      });
      await point('discovery: the JWKS holds the P-256 signing key', async () => {
        const as = await req(`${pub.origin}/.well-known/oauth-authorization-server${basePath}`);
        const r = await req(as.json.jwks_uri);
        assert.equal(r.status, 200, describe(r, r.text));
        assert.ok(r.json.keys.length >= 1);
        assert.ok(r.json.keys.every((k) => k.kty === 'EC' && k.crv === 'P-256' && k.kid && !k.d), JSON.stringify(r.json));
      });
    }

    // -- Authorization reaches the worker --------------------------------------
    await point('/mcp without a token: 401 with a Bearer challenge naming the resource metadata', async () => {
      const r = await rpc(null, 1, 'tools/list');
      assert.equal(r.status, 401, describe(r, r.text));
      const ch = r.headers.get('www-authenticate') || '';
      assert.match(ch, /^Bearer /);
      assert.ok(ch.includes(`resource_metadata="${prmUrl}"`), ch);
    });
    await point('the Authorization header reaches the worker: a forged bearer token gets error="invalid_token"', async () => {
      const r = await rpc('eyJhbGciOiJFUzI1NiJ9.e30.AAAA', 1, 'tools/list');
      assert.equal(r.status, 401, describe(r, r.text));
      assert.match(r.headers.get('www-authenticate') || '', /error="invalid_token"/);
    });

    // -- client_credentials and the MCP SDK --------------------------------------
    let token;
    await point('client_credentials at /token (client_secret_basic): a bearer token, no-store', async () => {
      const r = await req(`${base}/token`, {
        method: 'POST',
        headers: { ...FORM, Authorization: basic(api.clientId, api.clientSecret) },
        body: 'grant_type=client_credentials',
      });
      assert.equal(r.status, 200, describe(r, r.text));
      assert.equal(r.headers.get('cache-control'), 'no-store');
      assert.equal(r.json.token_type, 'Bearer');
      assert.equal(r.json.scope, api.scopes);
      const claims = JSON.parse(Buffer.from(r.json.access_token.split('.')[1], 'base64url'));
      assert.equal(claims.iss, base);
      assert.equal(claims.aud, mcpUrl);
      token = r.json.access_token;
    });
    await point(`MCP SDK client: tools/list with the token${opts.noDiscovery ? '' : ' (found through discovery by the SDK\'s ClientCredentialsProvider)'}`, async () => {
      const provider = opts.noDiscovery
        ? null
        : new ClientCredentialsProvider({ clientId: api.clientId, clientSecret: api.clientSecret, expectedIssuer: base });
      const client = await sdkClient(provider ? { provider } : { token: token || (await newToken()) });
      try {
        const { tools } = await client.listTools();
        assert.deepEqual(tools.map((x) => x.name).sort(), ['describe_table', 'list_tables', 'run_sql']);
      } finally {
        await client.close();
      }
    });
    await point('MCP SDK client: run_sql answers from the demo data', async () => {
      const client = await sdkClient({ token: token || (await newToken()) });
      try {
        const r = await client.callTool(runSqlBody(countSql));
        assert.ok(!r.isError, JSON.stringify(r).slice(0, 1000));
        expectCount(r.structuredContent);
        const one = await client.callTool(runSqlBody("SELECT customer_id FROM demo.customers WHERE customer_id = 'C0007'"));
        assert.deepEqual(one.structuredContent?.rows, [['C0007']], JSON.stringify(one).slice(0, 1000));
      } finally {
        await client.close();
      }
    });

    // -- request bodies -----------------------------------------------------------
    await point(`a run_sql body of exactly max_body_bytes (${MAX_BODY} bytes) reaches the worker whole`, async () => {
      const t = token || (await newToken());
      const r = await rpc(t, 7, 'tools/call', runSqlBody(countSql), MAX_BODY);
      assert.equal(r.status, 200, describe(r, r.text));
      assert.equal(r.json.id, 7);
      expectCount(r.json.result.structuredContent);
    });
    await point('a body one byte over max_body_bytes gets ddbsql\'s 413 (a JSON-RPC error)', async () => {
      const t = token || (await newToken());
      const r = await rpc(t, 8, 'tools/call', runSqlBody(countSql), MAX_BODY + 1);
      assert.equal(r.status, 413, describe(r, r.text));
      assert.equal(r.json?.jsonrpc, '2.0', describe(r, r.text));
      assert.match(r.json.error.message, /over the limit of 1048576 bytes/);
    });
    await point('a large answer (every customer, all columns) arrives whole', async () => {
      const t = token || (await newToken());
      const r = await rpc(t, 10, 'tools/call', { name: 'run_sql', arguments: { sql: 'SELECT * FROM demo.customers', max_rows: 1000 } });
      assert.equal(r.status, 200, describe(r, r.text));
      const sc = r.json.result.structuredContent;
      assert.equal(sc.rows.length, demo.customers.length, JSON.stringify(sc).slice(0, 300));
      assert.ok(r.text.length > 100000, `only ${r.text.length} bytes`);
    });
    await point('a browser\'s CORS preflight (OPTIONS /mcp) reaches the worker', async () => {
      const r = await req(mcpUrl, {
        method: 'OPTIONS',
        headers: { Origin: pub.origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' },
      });
      assert.equal(r.status, 204, describe(r, r.text));
      assert.equal(r.headers.get('access-control-allow-origin'), pub.origin);
      assert.match(r.headers.get('access-control-allow-headers') || '', /Authorization/);
    });
    await point('a chunked body (no Content-Length) reaches the worker whole', async () => {
      const t = token || (await newToken());
      const msg = JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: runSqlBody(countSql) });
      const body = new ReadableStream({
        start(c) {
          for (let i = 0; i < msg.length; i += 40) c.enqueue(new TextEncoder().encode(msg.slice(i, i + 40)));
          c.close();
        },
      });
      const r = await req(mcpUrl, { method: 'POST', headers: mcpHeaders(t), body });
      assert.equal(r.status, 200, describe(r, r.text));
      expectCount(r.json.result.structuredContent);
    });

    // -- the browser flow: /register, /authorize pages, /token, /revoke ---------------
    const redirectUri = 'http://127.0.0.1:9/callback';
    let clientId;
    let cookie;
    let page;
    let pageUrl;
    let approved;
    const verifier = crypto.randomBytes(32).toString('base64url');
    const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
    const field = (html, n) => new RegExp(`name="${n}" value="([^"]*)"`).exec(html)?.[1];
    const formAction = (html) => new URL(/<form[^>]*action="([^"]*)"/.exec(html)[1].replace(/&amp;/g, '&'), pageUrl).href;
    await point('/register: a public client registers (DCR)', async () => {
      const r = await req(`${base}/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ client_name: 'deploy-smoke', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' }),
      });
      assert.equal(r.status, 201, describe(r, r.text));
      clientId = r.json.client_id;
    });
    await point('/authorize: the sign-in page, unframeable, with a session cookie fit for public_url', async () => {
      assert.ok(clientId, 'no client (registration failed)');
      const q = new URLSearchParams({
        response_type: 'code', client_id: clientId, redirect_uri: redirectUri, state: 'st-1',
        code_challenge: challenge, code_challenge_method: 'S256', scope: 'query schemas:read', resource: mcpUrl,
      });
      pageUrl = `${base}/authorize?${q}`;
      const r = await req(pageUrl);
      assert.equal(r.status, 200, describe(r, r.text));
      assert.match(r.text, /name="password"/);
      assert.equal(r.headers.get('x-frame-options'), 'DENY');
      const set = r.headers.get('set-cookie') || '';
      if (pub.protocol === 'https:') {
        assert.match(set, /^__Host-[^=]+=[^;]+; Path=\/;.*\bSecure\b/, set);
      } else {
        assert.ok(set.includes(`Path=${basePath}/authorize;`), set);
        assert.doesNotMatch(set, /Secure/);
      }
      cookie = set.split(';')[0];
      page = r.text;
    });
    await point('/authorize: signing in shows the consent page', async () => {
      assert.ok(page, 'no sign-in page');
      const r = await req(formAction(page), {
        method: 'POST',
        headers: { ...FORM, Cookie: cookie, Origin: pub.origin },
        body: new URLSearchParams({ step: 'login', request: field(page, 'request'), csrf: field(page, 'csrf'), username: creds.user.name, password: creds.user.password }).toString(),
      });
      assert.equal(r.status, 200, describe(r, r.text));
      assert.match(r.text, /deploy-smoke<\/strong> wants to use ddbsql as <strong>demo<\/strong>/);
      page = r.text;
      // Signing in starts the login session: a new cookie.
      cookie = (r.headers.get('set-cookie') || cookie).split(';')[0];
    });
    if (opts.forwardedFor && opts.redisPort) {
      await point(`behind the proxy the worker sees the client's address (${opts.forwardedFor}, X-Forwarded-For from a trusted proxy): the sign-in limit counts it`, async () => {
        // oauth/rate_limit.c: the per-address counter is keyed by its SHA-256.
        const key = `ddbsql:rl:login-ip:${crypto.createHash('sha256').update(opts.forwardedFor).digest('hex')}`;
        const ttl = Number(redisCli(opts.redisPort, ['TTL', key]).trim());
        assert.ok(ttl > 0, `no sign-in counter ${key} for ${opts.forwardedFor} (TTL ${ttl})`);
      });
    }
    await point('/authorize: approving sends the browser to the redirect URI with a code, the state and iss', async () => {
      assert.match(page || '', /value="approve"/, 'no consent page');
      const r = await req(formAction(page), {
        method: 'POST',
        headers: { ...FORM, Cookie: cookie, Origin: pub.origin },
        body: new URLSearchParams({ step: 'consent', request: field(page, 'request'), csrf: field(page, 'csrf'), decision: 'approve' }).toString(),
      });
      assert.ok([302, 303].includes(r.status), describe(r, r.text));
      const loc = new URL(r.headers.get('location'));
      assert.equal(`${loc.origin}${loc.pathname}`, redirectUri);
      assert.equal(loc.searchParams.get('state'), 'st-1');
      assert.equal(loc.searchParams.get('iss'), base);
      approved = loc.searchParams.get('code');
      assert.ok(approved);
    });
    let refresh;
    await point('/token: the code (with its PKCE verifier) gives tokens that list the tools', async () => {
      assert.ok(approved, 'no code');
      const r = await req(`${base}/token`, {
        method: 'POST',
        headers: FORM,
        body: new URLSearchParams({ grant_type: 'authorization_code', code: approved, redirect_uri: redirectUri, client_id: clientId, code_verifier: verifier, resource: mcpUrl }).toString(),
      });
      assert.equal(r.status, 200, describe(r, r.text));
      assert.ok(r.json.refresh_token);
      refresh = r.json.refresh_token;
      const list = await rpc(r.json.access_token, 2, 'tools/list');
      assert.equal(list.status, 200, describe(list, list.text));
      assert.equal(list.json.result.tools.length, 3);
    });
    await point('/revoke: the refresh token is revoked, then refused at /token', async () => {
      assert.ok(refresh, 'no refresh token');
      const r = await req(`${base}/revoke`, { method: 'POST', headers: FORM, body: new URLSearchParams({ token: refresh, client_id: clientId }).toString() });
      assert.equal(r.status, 200, describe(r, r.text));
      const again = await req(`${base}/token`, {
        method: 'POST',
        headers: FORM,
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh, client_id: clientId }).toString(),
      });
      assert.equal(again.status, 400, describe(again, again.text));
      assert.equal(again.json.error, 'invalid_grant');
    });

    // -- workers stopped or killed mid-request -----------------------------------------
    if (slow) {
      const slowSql = 'SELECT COUNT(*) AS n FROM slow.customers';
      const recovers = async () => {
        // The front end restarts the worker or picks another; a few tries.
        const deadline = Date.now() + 20000;
        let last;
        for (;;) {
          try {
            last = await rpc(await newToken(), 3, 'tools/call', runSqlBody(countSql));
            if (last.status === 200 && !last.json?.result?.isError) return expectCount(last.json.result.structuredContent);
          } catch (e) {
            last = { status: 0, headers: new Headers(), text: e.message };
          }
          if (Date.now() > deadline) assert.fail(`no recovery within 20 s; last answer:\n${describe(last, last.text)}`);
          await sleep(250);
        }
      };
      // Starts a run_sql whose DynamoDB call the proxy holds; returns the
      // pending answer and the worker serving it.
      const midRequest = async (id) => {
        const t = await newToken();
        const held = slow.arm();
        const pending = rpc(t, id, 'tools/call', runSqlBody(slowSql));
        const worker = await held;
        assert.ok(worker.pid, 'the worker holding the request was not found (ss -tnp)');
        return { pending, ...worker };
      };
      await point('a worker sent SIGTERM mid-request finishes the response, then exits', async () => {
        const { pending, pid, release } = await midRequest(4);
        process.kill(pid, 'SIGTERM');
        await sleep(200); // let the signal land mid-request
        assert.ok(processState(pid) !== null && processState(pid) !== 'Z', 'the worker died at once on SIGTERM');
        release();
        const r = await pending;
        assert.equal(r.status, 200, describe(r, r.text));
        expectCount(r.json.result.structuredContent);
        assert.ok(await waitGone(pid), `worker ${pid} did not exit after its response`);
      });
      await point('after that, the front end serves /mcp again', recovers);
      await point('a worker killed (SIGKILL) mid-request: the client gets a 5xx answer, not a hang', async () => {
        const { pending, pid, socket } = await midRequest(5);
        process.kill(pid, 'SIGKILL');
        assert.ok(await waitGone(pid), `worker ${pid} survived SIGKILL`);
        socket.destroy();
        const r = await pending;
        assert.ok(r.status >= 500 && r.status <= 504, describe(r, r.text));
      });
      await point('after that, the front end recovers: a new or another worker serves /mcp', recovers);
    }
    if (opts.redisPort) {
      await point('Redis holds no half-written state: every ddbsql key expires, and sign-in state still works', async () => {
        const keys = redisCli(opts.redisPort, ['--scan', '--pattern', 'ddbsql:*']).split('\n').filter(Boolean);
        assert.ok(keys.length > 0, 'no keys at all: is this the Redis the workers use?');
        const ttls = redisCli(opts.redisPort, [], keys.map((k) => `TTL "${k}"\n`).join('')).split('\n').filter(Boolean);
        const immortal = keys.filter((k, i) => Number(ttls[i]) < 0);
        assert.deepEqual(immortal, [], 'keys without an expiry');
        // A fresh code flow end to end is the consistency check that matters.
        const r = await req(`${base}/token`, {
          method: 'POST',
          headers: { ...FORM, Authorization: basic(api.clientId, api.clientSecret) },
          body: 'grant_type=client_credentials',
        });
        assert.equal(r.status, 200, describe(r, r.text));
      });
    }
  } finally {
    await slow?.close();
    await tls?.close();
  }
}

// ---- main ------------------------------------------------------------------------

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}'`);
    const k = a.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (k === 'noDiscovery') o[k] = true;
    else o[k] = argv[++i];
  }
  return o;
}

const [cmd, ...rest] = process.argv.slice(2);
if (cmd === 'material' && rest.length === 1) {
  material(rest[0]);
} else if (cmd === 'run') {
  const o = parseArgs(rest);
  if (!o.publicUrl || !o.creds) {
    console.error('smoke.mjs run: --public-url and --creds are required');
    process.exit(2);
  }
  await run(o);
  process.exit(failures ? 1 : 0);
} else {
  console.error('usage: smoke.mjs material DIR | run --public-url URL --creds FILE [options] (see the header)');
  process.exit(2);
}

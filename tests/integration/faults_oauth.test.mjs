// Faults around the OAuth endpoints, through lighttpd with auth = oauth:
//   - Redis stopped and restarted while /mcp and /token carry load: what
//     needs Redis (/token for codes and refresh tokens, /authorize,
//     /register) answers 503 with Retry-After while it is down; /mcp with
//     valid tokens and client_credentials never fail; everything works
//     again at once after the restart, with the same worker processes;
//   - a ddbsql-token worker SIGKILLed at exact points of a request (before
//     its refresh rotation reaches Redis, after Redis ran it but before the
//     answer left, after a code was redeemed): lighttpd starts a new worker,
//     the client sees an error for that request only, and Redis holds a
//     consistent state (checked key by key) that the client's retry
//     resolves as the design says (the rotation, or the lost-answer grace).
//
// Redis sits behind a small proxy (tests/faults/redis-fault-proxy.mjs) that
// can hold one chosen command, so "killed mid-request" is an exact point,
// not a race. Stopping Redis stops the proxy too: nothing listens, as when
// Redis itself is down.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { clientSecretHash, passwordHash, randomSecret } from '../../deploy/local/oauth-demo.mjs';
import { assertNoSanitizerReports, describeResponse, freePort, httpRequest, rpc, startTestStack, tempDir } from './lib/harness.mjs';
import { newKey, writeKey } from './lib/tokens.mjs';
import { startRedisProxy, startRedisServer } from '../faults/redis-fault-proxy.mjs';
import { fcgiWorkers, pidOfLocalPort, redisCommand, redisHash, redisKeys } from '../faults/procs.mjs';
import * as flow from '../faults/oauth-flow.mjs';

const SVC_SECRET = randomSecret();
const PASSWORD = randomSecret(12);
const REDIRECT = 'http://127.0.0.1:9/callback';
const PREFIX = 'ddbsql:';

// The Lua scripts of oauth/refresh_token.c and oauth/auth_code.c, known by
// a line only they have.
const isRotation = (argv) => argv[0] === 'EVAL' && argv[1].includes("redis.call('HSET', fkey, 'cur', ARGV[4], 'prev', ARGV[3])");
const isCodeRedemption = (argv) => argv[0] === 'EVAL' && argv[1].startsWith("local used = redis.call('GET', KEYS[2])");

let dir;
let redis;
let proxy;
let stack;
let base;
let signIn;

before(async () => {
  dir = tempDir('faults-oauth');
  const key = writeKey(dir, 'k1.pem', newKey());
  redis = await startRedisServer({ port: await freePort(), dir });
  stack = await startTestStack({
    auth: 'oauth',
    redis: false, // the config's Redis port is the proxy's, started below
    loadDemo: false, // DynamoDB faults are faults_dynamodb's; here run_sql needs no table
    maxProcs: 2,
    configExtra: `
[oauth]
registration_rate_limit = 1000000
login_max_attempts_per_user = 1000000
login_max_attempts_per_ip = 1000000

[signing_key k1]
path = ${key}

[client svc]
type = confidential
secret_hash = ${clientSecretHash(SVC_SECRET)}
grant_types = client_credentials

[client app]
redirect_uris = ${REDIRECT}

[user alice]
password_hash = ${passwordHash(PASSWORD, { ln: 10 })}
`,
  });
  proxy = await startRedisProxy({ targetPort: redis.port, port: stack.redisPort });
  base = stack.baseUrl;
  signIn = { clientId: 'app', redirectUri: REDIRECT, user: 'alice', password: PASSWORD, resource: stack.mcpUrl };
});

after(async () => {
  await stack?.stop();
  await proxy?.close();
  await redis?.stop();
});

async function stopRedis() {
  await redis.stop();
  await proxy.stopListening();
}

async function startRedis() {
  redis = await startRedisServer({ port: redis.port, dir });
  await proxy.listen();
}

function workerPids() {
  return fcgiWorkers(stack.configPath).map((w) => `${w.socket}:${w.pid}`);
}

async function waitForWorkers(socket, n, without) {
  let ws = [];
  for (let i = 0; i < 200; i++) {
    ws = fcgiWorkers(stack.configPath).filter((w) => w.socket === socket);
    if (ws.length === n && !ws.some((w) => w.pid === without)) return ws;
    // lighttpd restarts a dead worker when a request needs it, or within a second.
    await flow.clientCredentials(base, 'svc', SVC_SECRET);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${socket}: ${n} workers without ${without} expected, found ${JSON.stringify(ws)}`);
}

/** Runs the requests of the load until stop() and counts the answers. */
function startLoad(accessToken) {
  const counts = {};
  const failures = [];
  let running = true;
  const note = (kind, ok, what) => {
    counts[kind] = counts[kind] || { ok: 0, failed: 0 };
    counts[kind][ok ? 'ok' : 'failed']++;
    if (!ok && failures.length < 20) failures.push(`${kind}: ${what}`);
  };
  const pause = () => new Promise((r) => setTimeout(r, 10)); // a steady load, not a flood
  const mcp = async (kind, body, check) => {
    await pause();
    try {
      const r = await httpRequest(stack.mcpUrl, { body, headers: { Authorization: `Bearer ${accessToken}` } });
      note(kind, r.status === 200 && check(r), describeResponse(r).slice(0, 600));
    } catch (e) {
      note(kind, false, e.message);
    }
  };
  const loops = [
    async () => {
      while (running) await mcp('tools/list', rpc(1, 'tools/list'), (r) => r.json?.result?.tools?.length === 3);
    },
    async () => {
      while (running) {
        await mcp('run_sql', rpc(2, 'tools/call', { name: 'run_sql', arguments: { sql: 'SELECT 1 + 1 AS two' } }), (r) => r.json?.result?.structuredContent?.rows?.[0]?.[0] === 2);
        // The metadata cache is in Redis, with a per-worker fallback.
        await mcp('list_tables', rpc(3, 'tools/call', { name: 'list_tables', arguments: { refresh: 'force' } }), (r) => Array.isArray(r.json?.result?.structuredContent?.tables));
      }
    },
    async () => {
      while (running) {
        await pause();
        try {
          const r = await flow.clientCredentials(base, 'svc', SVC_SECRET);
          note('client_credentials', r.status === 200 && !!r.json?.access_token, `HTTP ${r.status} ${r.text.slice(0, 300)}`);
        } catch (e) {
          note('client_credentials', false, e.message);
        }
      }
    },
  ];
  const done = Promise.all(loops.map((f) => f()));
  return {
    counts,
    failures,
    async stop() {
      running = false;
      await done;
    },
  };
}

function assert503(r, what) {
  assert.equal(r.status, 503, `${what}: ${r.status} ${r.text.slice(0, 400)}`);
  assert.equal(r.headers.get('retry-after'), '5', what);
}

test('Redis stopped and restarted under load: 503 for what needs it, /mcp and client_credentials unaffected, recovery without new workers', async () => {
  const cc = await flow.clientCredentials(base, 'svc', SVC_SECRET);
  assert.equal(cc.status, 200, cc.text);
  const pids = workerPids();
  const load = startLoad(cc.json.access_token);
  try {
    // Up: every flow works.
    const tokens = await flow.signInTokens(base, signIn);
    const refreshed = await flow.refresh(base, 'app', tokens.refresh_token);
    assert.equal(refreshed.status, 200, refreshed.text);
    const pending = await flow.authorizationCode(base, signIn); // redeemed while Redis is down
    assert.equal((await flow.register(base, REDIRECT)).status, 201);

    await stopRedis();
    const downSince = { ...load.counts['tools/list'] };
    // Down: two of each at once, so both workers of each endpoint answer.
    const down = async () => {
      const r = await flow.refresh(base, 'app', refreshed.json.refresh_token);
      assert503(r, 'refresh');
      assert.equal(r.json.error, 'temporarily_unavailable');
      assert.match(r.json.error_description, /Redis/);
      const c = await flow.exchangeCode(base, { clientId: 'app', code: pending.code, verifier: pending.verifier, redirectUri: REDIRECT });
      assert503(c, 'code exchange');
      assert.equal(c.json.error, 'temporarily_unavailable');
      const a = await flow.getAuthorize(flow.authorizeUrl(base, { clientId: 'app', redirectUri: REDIRECT, challenge: flow.pkce().challenge, resource: stack.mcpUrl }));
      assert503(a, '/authorize');
      assert.match(a.headers.get('content-type'), /^text\/html/);
      const g = await flow.register(base, REDIRECT);
      assert503(g, '/register');
      assert.equal(g.json.error, 'temporarily_unavailable');
    };
    await Promise.all([down(), down()]);
    // The load went on meanwhile.
    for (let i = 0; i < 100 && (load.counts['tools/list']?.ok || 0) < (downSince.ok || 0) + 5; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(load.counts['tools/list'].ok >= downSince.ok + 5, 'tools/list went on while Redis was down');

    await startRedis();
    // Back (and empty: this Redis keeps nothing across restarts): each
    // flow works at once, on both workers.
    const back = async () => {
      const t = await flow.signInTokens(base, signIn);
      const r = await flow.refresh(base, 'app', t.refresh_token);
      assert.equal(r.status, 200, r.text);
      const a = await flow.getAuthorize(flow.authorizeUrl(base, { clientId: 'app', redirectUri: REDIRECT, challenge: flow.pkce().challenge, resource: stack.mcpUrl }));
      assert.equal(a.status, 200, a.text.slice(0, 300));
      assert.equal((await flow.register(base, REDIRECT)).status, 201);
    };
    await Promise.all([back(), back()]);
  } finally {
    await load.stop();
  }
  assert.deepEqual(load.failures, [], JSON.stringify(load.counts));
  for (const kind of ['tools/list', 'run_sql', 'list_tables', 'client_credentials']) assert.ok(load.counts[kind]?.ok > 0, `${kind}: ${JSON.stringify(load.counts)}`);
  assert.deepEqual(workerPids(), pids, 'a worker was restarted');
});

// ---- a ddbsql-token worker killed mid-request ----------------------------------------

/** Redis's view of a token family: {family, token: {hash: fields}}. */
async function familyState(familyId) {
  const family = await redisHash(redis.port, `${PREFIX}rtf:${familyId}`);
  const tokens = {};
  for (const k of await redisKeys(redis.port, `${PREFIX}rt:*`)) {
    const h = await redisHash(redis.port, k);
    if (h.fam === familyId) tokens[k.slice(`${PREFIX}rt:`.length)] = h;
  }
  return { family, tokens };
}

/** The invariants of an active family (oauth/refresh_token.h): exactly one
 * live token, it is `cur`; every other token is retired (has a successor),
 * and prev's successor is cur. */
function assertConsistent({ family, tokens }, what) {
  const where = `${what}: ${JSON.stringify({ family, tokens }, null, 1)}`;
  assert.equal(family.st, 'a', `the family is active: ${where}`);
  const live = Object.entries(tokens).filter(([, t]) => !t.succ);
  assert.equal(live.length, 1, `one live token: ${where}`);
  assert.equal(live[0][0], family.cur, `the live token is cur: ${where}`);
  for (const [h, t] of Object.entries(tokens)) {
    if (h !== family.cur) assert.ok(tokens[t.succ] || t.succ === family.cur, `${h} retired into a token of the family: ${where}`);
  }
  if (family.prev) assert.equal(tokens[family.prev]?.succ, family.cur, `prev's successor is cur: ${where}`);
}

/** Sends a refresh (or another /token request) and kills the ddbsql-token
 * worker that sent the held Redis command; the client's answer. */
async function killAtHold(match, when, send) {
  const before = fcgiWorkers(stack.configPath).filter((w) => w.socket === 'ddbsql-token.sock');
  assert.equal(before.length, 2);
  const held = proxy.hold(match, when);
  const answer = send();
  let info;
  let timer;
  try {
    info = await Promise.race([
      held.reached,
      new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`the ${when} hold was never reached`)), 20000))),
    ]);
  } catch (e) {
    held.cancel();
    held.release();
    throw e;
  } finally {
    clearTimeout(timer);
  }
  const pid = pidOfLocalPort(info.clientPort, proxy.port);
  assert.ok(before.some((w) => w.pid === pid), `a ddbsql-token worker holds the connection (${pid}; ${JSON.stringify(before)})`);
  process.kill(pid, 'SIGKILL');
  const r = await answer;
  assert.ok(r.status >= 500, `the killed request fails: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  await waitForWorkers('ddbsql-token.sock', 2, pid);
  return r;
}

test('a ddbsql-token worker killed before its refresh rotation reached Redis: nothing changed, the retry rotates', async () => {
  const t = await flow.signInTokens(base, signIn);
  const h0 = flow.secretHash(t.refresh_token);
  const familyId = (await redisHash(redis.port, `${PREFIX}rt:${h0}`)).fam;
  assert.match(familyId || '', /^[0-9a-f]{32}$/);
  const start = await familyState(familyId);
  assertConsistent(start, 'before');

  await killAtHold(isRotation, 'before', () => flow.refresh(base, 'app', t.refresh_token));
  assert.deepEqual(await familyState(familyId), start, 'Redis is exactly as before the request');

  const r = await flow.refresh(base, 'app', t.refresh_token);
  assert.equal(r.status, 200, r.text);
  const h1 = flow.secretHash(r.json.refresh_token);
  const s = await familyState(familyId);
  assertConsistent(s, 'after the retry');
  assert.equal(s.family.cur, h1);
  assert.equal(s.family.prev, h0);
  assert.notEqual(s.family.g, '1', 'no grace was used');
  const again = await flow.refresh(base, 'app', r.json.refresh_token);
  assert.equal(again.status, 200, again.text);
});

test('a ddbsql-token worker killed after Redis ran the rotation (the answer lost): consistent, and the retry gets the same successor once', async () => {
  const t = await flow.signInTokens(base, signIn);
  const h0 = flow.secretHash(t.refresh_token);
  const familyId = (await redisHash(redis.port, `${PREFIX}rt:${h0}`)).fam;

  await killAtHold(isRotation, 'after', () => flow.refresh(base, 'app', t.refresh_token));
  // The rotation happened as a whole: a successor is live, the presented
  // token is retired into it, and nobody has the successor yet.
  const s = await familyState(familyId);
  assertConsistent(s, 'after the kill');
  assert.notEqual(s.family.cur, h0);
  assert.equal(s.family.prev, h0);
  assert.equal(s.tokens[h0].succ, s.family.cur);
  assert.notEqual(s.family.g, '1');

  // The client retries with the token it has: the grace hands it the
  // successor Redis already holds (the lost answer), not a new one.
  const r = await flow.refresh(base, 'app', t.refresh_token);
  assert.equal(r.status, 200, r.text);
  assert.equal(flow.secretHash(r.json.refresh_token), s.family.cur, 'the same successor');
  const s2 = await familyState(familyId);
  assertConsistent(s2, 'after the retry');
  assert.equal(s2.family.g, '1', 'the grace is used up');
  const next = await flow.refresh(base, 'app', r.json.refresh_token);
  assert.equal(next.status, 200, next.text);
  // The old token again is a reuse: the whole family is revoked.
  const reuse = await flow.refresh(base, 'app', t.refresh_token);
  assert.equal(reuse.status, 400, reuse.text);
  assert.equal(reuse.json.error, 'invalid_grant');
  assert.equal((await familyState(familyId)).family.st, 'r');
});

test('a ddbsql-token worker killed right after redeeming a code: no family without tokens, the retry is a replay', async () => {
  const { code, verifier } = await flow.authorizationCode(base, signIn);
  const codeHash = flow.secretHash(code);
  assert.equal((await redisKeys(redis.port, `${PREFIX}code:${codeHash}`)).length, 1);
  const rtBefore = await redisKeys(redis.port, `${PREFIX}rt:*`);

  await killAtHold(isCodeRedemption, 'after', () => flow.exchangeCode(base, { clientId: 'app', code, verifier, redirectUri: REDIRECT }));
  // Redeemed as a whole: the code is gone and its tombstone names the
  // family reserved for it, which has no token yet.
  assert.deepEqual(await redisKeys(redis.port, `${PREFIX}code:${codeHash}`), []);
  const familyId = await redisCommand(redis.port, 'GET', `${PREFIX}code-used:${codeHash}`);
  assert.match(familyId || '', /^[0-9a-f]{32}$/, 'the tombstone names the family');
  assert.deepEqual(await redisHash(redis.port, `${PREFIX}rtf:${familyId}`), {});
  assert.deepEqual(await redisKeys(redis.port, `${PREFIX}rt:*`), rtBefore, 'no refresh token was written');

  // A second redemption is a replay (RFC 6749 §10.5): refused, and the
  // reserved family can never start.
  const r = await flow.exchangeCode(base, { clientId: 'app', code, verifier, redirectUri: REDIRECT });
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.error, 'invalid_grant');
  assert.equal((await redisHash(redis.port, `${PREFIX}rtf:${familyId}`)).st, 'r');
  // A new sign-in works.
  const t = await flow.signInTokens(base, signIn);
  assert.equal((await flow.refresh(base, 'app', t.refresh_token)).status, 200);
});

test('no sanitizer reports from the workers', async () => {
  await stack.stop();
  assertNoSanitizerReports(stack);
});

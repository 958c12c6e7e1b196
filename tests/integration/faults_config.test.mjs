// Config errors at start-up, for every key docs/CONFIG.md documents: a bad
// value of each key, in an otherwise valid config (auth = oauth with a
// signing key, a client, a user and a schema), makes `ddbsql-mcp
// --check-config` (what a worker runs at start, fcgi/mcp_main.c) exit 78
// with a message naming the file, the line, the section and the key, and
// never a secret. The keys are read from the tables of docs/CONFIG.md, so
// a key documented without a case here fails the test, and so does a case
// for a key the documentation does not have.
//
// The exact wording of each message is the config loader's unit tests'
// business (tests/unit/core/conf, tests/unit/oauth/test_users.c); this is
// the end-to-end check through the executable, one case per key at least.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MCP_BIN, REPO_ROOT, tempDir } from './lib/harness.mjs';
import { newKey, writeKey } from './lib/tokens.mjs';
import { clientSecretHash, passwordHash } from '../../deploy/local/oauth-demo.mjs';

const SCHEMA_SECRET = 'wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY01';
const REDIS_PASSWORD = 'redis-password-not-to-print';
const CURSOR_SECRET = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
const USER_HASH = passwordHash('a password nobody sees', { ln: 10 });
const CLIENT_HASH = clientSecretHash('client secret nobody sees');

let dir;
let keyFile;
let looseKey; // mode 0644: refused when the worker loads it
let notAKey; // a readable file that is no key

before(() => {
  dir = tempDir('config');
  keyFile = writeKey(dir, 'k1.pem', newKey());
  looseKey = writeKey(dir, 'loose.pem', newKey(), 0o644);
  notAKey = path.join(dir, 'not-a-key.pem');
  fs.writeFileSync(notAKey, 'not a key\n', { mode: 0o600 });
});

after(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

// The valid config the cases change: [section, [[key, value], ...]].
function baseConfig() {
  return [
    ['', [['public_url', 'http://127.0.0.1:8080'], ['auth', 'oauth']]],
    ['redis', [['host', '127.0.0.1'], ['password', REDIS_PASSWORD]]],
    ['dynamodb', []],
    ['sql', [['cursor_secret', CURSOR_SECRET]]],
    ['oauth', []],
    ['signing_key k1', [['path', keyFile], ['active', 'true']]],
    ['client app', [['redirect_uris', 'http://127.0.0.1:9/callback']]],
    ['client svc', [['type', 'confidential'], ['secret_hash', CLIENT_HASH], ['grant_types', 'client_credentials']]],
    ['user alice', [['password_hash', USER_HASH]]],
    ['schema prod', [['region', 'us-east-1'], ['credentials', 'static'], ['access_key_id', 'AKIDEXAMPLE'], ['secret_access_key', SCHEMA_SECRET]]],
  ];
}

// The documented section of a config section ('client app' -> 'client').
const docSection = (sec) => sec.split(' ')[0];

// One case per documented key (some keys have more): the section, the key,
// its bad value, and other keys of that section to set first (null removes).
const CASES = [
  // global
  ['', 'public_url', 'ftp://127.0.0.1'],
  ['', 'allowed_origins', 'http://127.0.0.1:8080/app'],
  ['', 'auth', 'basic'],
  ['', 'max_body_bytes', '1023'],
  ['', 'max_params', '15'],
  ['', 'max_param_bytes', '1048577'],
  ['', 'log_level', 'verbose'],
  ['', 'metadata_ttl_seconds', '-1'],
  ['', 'sample_size', '0'],
  // [redis]
  ['redis', 'host', 'bad/host'],
  ['redis', 'port', '65536'],
  ['redis', 'socket', 'run/redis.sock', { host: null }],
  ['redis', 'password', '""'],
  ['redis', 'db', '16'],
  ['redis', 'connect_timeout_ms', '9'],
  ['redis', 'command_timeout_ms', '60001'],
  ['redis', 'key_prefix', '"bad prefix"'],
  // [dynamodb]
  ['dynamodb', 'connect_timeout_ms', '99'],
  ['dynamodb', 'request_timeout_ms', '300001'],
  ['dynamodb', 'retry_budget_ms', '99'],
  ['dynamodb', 'max_attempts', '21'],
  ['dynamodb', 'base_backoff_ms', '0'],
  // [sql]
  ['sql', 'max_items_read', '0'],
  ['sql', 'max_capacity_units', '-1'],
  ['sql', 'time_limit_ms', '99'],
  ['sql', 'max_memory_mb', '4097'],
  ['sql', 'max_scan_segments', '17'],
  ['sql', 'default_rows', '0'],
  ['sql', 'max_rows', '1001'],
  ['sql', 'cursor_secret', '00112233'],
  ['sql', 'cursor_secret_file', 'relative/cursor.key', { cursor_secret: null }],
  ['sql', 'cursor_secret_file', '/nonexistent/cursor.key', { cursor_secret: null }],
  // [oauth]
  ['oauth', 'issuer', 'ftp://auth.example'],
  ['oauth', 'access_token_ttl_seconds', '59'],
  ['oauth', 'clock_leeway_seconds', '301'],
  ['oauth', 'session_lifetime_hours', '0'],
  ['oauth', 'refresh_token_ttl_seconds', '59'],
  ['oauth', 'registered_client_ttl_days', '3651'],
  ['oauth', 'trust_remote_user', 'maybe'],
  ['oauth', 'cimd_allow_loopback', '2'],
  ['oauth', 'cimd_ca_file', 'relative.pem', { cimd_allow_loopback: 'true' }],
  ['oauth', 'registration_rate_limit', '0'],
  ['oauth', 'registration_rate_window_seconds', '86401'],
  ['oauth', 'login_session_ttl_seconds', '59'],
  ['oauth', 'login_max_attempts_per_user', '0'],
  ['oauth', 'login_max_attempts_per_ip', '0'],
  ['oauth', 'login_window_seconds', '86401'],
  // [signing_key KID]: the config's own checks, then the key file's (read
  // when the worker starts, after the config loaded)
  ['signing_key k1', 'path', 'keys/k1.pem'],
  ['signing_key k1', 'path', () => looseKey],
  ['signing_key k1', 'path', () => notAKey],
  ['signing_key k1', 'active', 'sure'],
  // [client ID]
  ['client app', 'name', '"a\tb"'],
  ['client app', 'redirect_uris', 'http://app.example.com/cb'],
  ['client app', 'type', 'secret'],
  ['client svc', 'secret_hash', 'sha256:beef'],
  ['client app', 'scopes', 'admin'],
  ['client app', 'grant_types', 'password'],
  // [user NAME]
  ['user alice', 'password_hash', 'hunter2'],
  ['user alice', 'scopes', 'quer'],
  ['user alice', 'disabled', 'maybe'],
  // [schema NAME]
  ['schema prod', 'default', 'maybe'],
  ['schema prod', 'region', 'us-east'],
  ['schema prod', 'endpoint', 'localhost:4567'],
  ['schema prod', 'credentials', 'env'],
  ['schema prod', 'access_key_id', '"AKID EXAMPLE"'],
  ['schema prod', 'secret_access_key', `"${SCHEMA_SECRET} x"`],
  ['schema prod', 'session_token', '"tok en"'],
  ['schema prod', 'profile', '"my profile"', { credentials: 'profile', access_key_id: null, secret_access_key: null }],
  ['schema prod', 'role_arn', 'arn:aws:iam::123:role/x', { external_id: 'ext-id-1' }],
  ['schema prod', 'external_id', 'x', { role_arn: 'arn:aws:iam::123456789012:role/r' }],
  ['schema prod', 'role_session_name', 'a', { role_arn: 'arn:aws:iam::123456789012:role/r', external_id: 'ext-id-1' }],
  ['schema prod', 'role_duration_seconds', '899', { role_arn: 'arn:aws:iam::123456789012:role/r', external_id: 'ext-id-1' }],
  ['schema prod', 'sts_endpoint', 'sts.amazonaws.com', { role_arn: 'arn:aws:iam::123456789012:role/r', external_id: 'ext-id-1' }],
  ['schema prod', 'tables', 'ab'],
];

// Values that must never be printed.
const SECRETS = [SCHEMA_SECRET, REDIS_PASSWORD, CURSOR_SECRET, USER_HASH.split('$').pop(), CLIENT_HASH.slice(7), 'tok en', 'hunter2'];

/** The documented keys: {section: [key, ...]} from the tables of docs/CONFIG.md. */
function documentedKeys() {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'docs/CONFIG.md'), 'utf8');
  const out = {};
  let section = null;
  for (const line of text.split('\n')) {
    const h = /^## (?:Global keys|`\[([a-z_]+)(?: [A-Z]+)?\]`)\s*$/.exec(line);
    if (h) {
      section = h[1] || '';
      out[section] = [];
      continue;
    }
    if (/^## /.test(line)) section = null;
    const row = /^\| `([a-z_]+)` \|/.exec(line);
    if (row && section !== null) out[section].push(row[1]);
  }
  return out;
}

/** The config text of a case and the 1-based line of its key. */
function buildCase([sec, key, value, extra = {}]) {
  const lines = [];
  let keyLine = 0;
  for (const [name, kvs] of baseConfig()) {
    if (name) lines.push('', `[${name}]`);
    const kv = new Map(kvs);
    if (name === sec) {
      for (const [k, v] of Object.entries(extra)) {
        if (v === null) kv.delete(k);
        else kv.set(k, v);
      }
      kv.delete(key); // written last, so its line is its own
    }
    for (const [k, v] of kv) lines.push(`${k} = ${v}`);
    if (name === sec) {
      lines.push(`${key} = ${typeof value === 'function' ? value() : value}`);
      keyLine = lines.length;
    }
  }
  return { text: `${lines.join('\n')}\n`, keyLine };
}

function checkConfig(file) {
  return new Promise((resolve) => {
    const p = spawn(MCP_BIN, ['--check-config'], {
      env: { ...process.env, DDBSQL_CONFIG: file, ASAN_OPTIONS: 'detect_leaks=1:halt_on_error=1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    p.stdout.on('data', (d) => (output += d));
    p.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 60000);
    p.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, output });
    });
  });
}

/** Runs fn over items, n at a time. */
async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

test('every key of docs/CONFIG.md has a bad-value case, and every case a documented key', () => {
  const doc = documentedKeys();
  for (const s of ['', 'redis', 'dynamodb', 'sql', 'oauth', 'signing_key', 'client', 'user', 'schema']) {
    assert.ok(doc[s]?.length, `docs/CONFIG.md has no key table for [${s || 'global'}]`);
  }
  const covered = new Set(CASES.map(([sec, key]) => `${docSection(sec)}.${key}`));
  const documented = new Set(Object.entries(doc).flatMap(([s, keys]) => keys.map((k) => `${s}.${k}`)));
  assert.deepEqual([...documented].filter((k) => !covered.has(k)), [], 'documented keys without a case');
  assert.deepEqual([...covered].filter((k) => !documented.has(k)), [], 'cases for keys docs/CONFIG.md does not document');
});

test('the base config is valid', async () => {
  const file = path.join(dir, 'base.conf');
  const { text } = buildCase(['', 'log_level', 'info']);
  fs.writeFileSync(file, text);
  const r = await checkConfig(file);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /: OK \(1 schema, default 'prod'\)/);
});

test('a bad value of each key: exit 78, the message names file, line, section and key, never a secret', async () => {
  const results = await pool(CASES, 3, async (c, i) => {
    const { text, keyLine } = buildCase(c);
    const file = path.join(dir, `case-${i}.conf`);
    fs.writeFileSync(file, text);
    return { c, file, keyLine, ...(await checkConfig(file)) };
  });
  const problems = [];
  for (const { c, file, keyLine, status, signal, output } of results) {
    const [sec, key] = c;
    const label = `[${sec || 'global'}] ${key} = ${typeof c[2] === 'function' ? c[2]() : c[2]}`;
    const named = sec ? `[${sec}] ${key}:` : ` ${key}:`;
    const why = [];
    if (status !== 78) why.push(`exit ${status ?? signal}, not 78`);
    if (!output.includes(`${file}:${keyLine}:`)) why.push(`does not name ${path.basename(file)}:${keyLine}`);
    if (!output.includes(named)) why.push(`does not name '${named}'`);
    if (/Sanitizer|runtime error/.test(output)) why.push('a sanitizer report');
    for (const s of SECRETS) if (output.includes(s)) why.push(`prints a secret (${s.slice(0, 6)}...)`);
    if (why.length) problems.push(`${label}: ${why.join('; ')}\n    ${output.trim().split('\n').join('\n    ')}`);
  }
  assert.deepEqual(problems, [], `\n${problems.join('\n')}`);
});

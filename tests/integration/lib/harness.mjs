// Shared helpers for the integration tests: which build to test, the local
// stack (deploy/local/stack.mjs) with test defaults, raw HTTP requests to
// /mcp, an MCP SDK client, and the expected answers computed from the demo
// dataset (deploy/local/demo-data.mjs).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { REPO_ROOT, startStack } from '../../../deploy/local/stack.mjs';
import { generateDemoData } from '../../../deploy/local/demo-data.mjs';

export { REPO_ROOT };
export { DEMO_SECRET_ACCESS_KEY, DEMO_ACCESS_KEY_ID, freePort } from '../../../deploy/local/stack.mjs';
export { dynamoClient } from '../../../deploy/local/load-demo.mjs';

// tests/run-all.sh sets DDBSQL_TEST_VARIANT=asan; asan is also the default
// when a file is run by hand (node --test tests/integration/x.test.mjs).
export const VARIANT = process.env.DDBSQL_TEST_VARIANT || 'asan';
export const BIN_DIR = path.join(REPO_ROOT, 'build', VARIANT, 'bin');
export const MCP_BIN = path.join(BIN_DIR, 'ddbsql-mcp');

// The MCP protocol version the raw-HTTP tests speak.
export const PROTOCOL_VERSION = '2025-06-18';

/** startStack() with the variant under test; the work dir is kept when a
 * test fails to start it (stack.mjs does that) or sanitizers reported. */
export function startTestStack(opts = {}) {
  return startStack({ variant: VARIANT, ...opts });
}

/** A temp dir for files a test writes (configs, conformance results). */
export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `ddbsql-it-${prefix}-`));
}

/** The standard headers of an MCP client POST. */
export function mcpHeaders(extra = {}) {
  return {
    'Content-Type': 'application/json',
    Accept: 'application/json, text/event-stream',
    'MCP-Protocol-Version': PROTOCOL_VERSION,
    ...extra,
  };
}

async function readResponse(res) {
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined; // not JSON: tests look at text
  }
  return { status: res.status, headers: res.headers, text, json, rid: res.headers.get('x-request-id') };
}

/**
 * One HTTP request to url. body may be a string, a Buffer or an object
 * (sent as JSON). headers replace the MCP defaults entirely when
 * rawHeaders is true. Returns {status, headers, text, json, rid}.
 */
export async function httpRequest(url, { method = 'POST', body, headers, rawHeaders = false } = {}) {
  // A header given as undefined is left out (to drop a default one).
  const h = Object.fromEntries(
    Object.entries(rawHeaders ? headers || {} : mcpHeaders(headers)).filter(([, v]) => v !== undefined),
  );
  let payload = body;
  if (body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body)) payload = JSON.stringify(body);
  const res = await fetch(url, {
    method,
    headers: h,
    body: payload,
    signal: AbortSignal.timeout(30000),
  });
  return readResponse(res);
}

/** Like httpRequest, with the body sent chunked (no Content-Length), one
 * chunk per string in chunks. */
export async function httpRequestChunked(url, chunks, headers = {}) {
  const body = new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
      controller.close();
    },
  });
  const res = await fetch(url, {
    method: 'POST',
    headers: mcpHeaders(headers),
    body,
    duplex: 'half',
    signal: AbortSignal.timeout(30000),
  });
  return readResponse(res);
}

/** A JSON-RPC request object. */
export function rpc(id, method, params) {
  const msg = { jsonrpc: '2.0', id, method };
  if (params !== undefined) msg.params = params;
  return msg;
}

/** Describes a response for assertion messages. */
export function describeResponse(r) {
  const hdrs = [...r.headers].map(([k, v]) => `${k}: ${v}`).join('\n  ');
  return `HTTP ${r.status}\n  ${hdrs}\n${r.text.slice(0, 2000)}`;
}

/** A connected MCP SDK client (initialize + notifications/initialized). */
export async function connectClient(mcpUrl, name = 'ddbsql-integration-tests') {
  const client = new Client({ name, version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl));
  await client.connect(transport);
  return client;
}

/** The text of the first content block of a tool result. */
export function resultText(result) {
  return (result.content || []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');
}

/** The sanitizer reports of a stack as an assertion message. */
export function sanitizerSummary(stack) {
  const reports = stack.sanitizerReports();
  return `${reports.length} sanitizer report(s) in ${stack.errorLogPath}:\n${reports.join('\n----\n').slice(0, 8000)}`;
}

/** Fails with the reports (once, without a diff) when there are any. */
export function assertNoSanitizerReports(stack) {
  if (stack.sanitizerReports().length) assert.fail(sanitizerSummary(stack));
}

// ---- expected answers from the demo dataset ---------------------------------

const TYPE_ORDER = ['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS'];
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

// Mirrors ddbsql's column inference (README "Tools"): every attribute path,
// nested maps as dotted paths (segments that are not identifiers quoted
// SQL-style), up to maxDepth segments.
function inferColumns(items, maxDepth) {
  const cols = new Map();
  const walk = (map, prefix, depth) => {
    for (const [name, av] of Object.entries(map)) {
      const seg = depth === 0 || IDENT.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
      const p = depth === 0 ? seg : `${prefix}.${seg}`;
      const type = Object.keys(av)[0];
      let c = cols.get(p);
      if (!c) cols.set(p, (c = { present: 0, counts: new Map() }));
      c.present++;
      c.counts.set(type, (c.counts.get(type) || 0) + 1);
      if (type === 'M' && depth + 1 < maxDepth) walk(av.M, p, depth + 1);
    }
  };
  for (const item of items) walk(item, '', 0);
  return cols;
}

function keyOf(def, which) {
  const k = def.KeySchema.find((x) => x.KeyType === which);
  if (!k) return null;
  const d = def.AttributeDefinitions.find((a) => a.AttributeName === k.AttributeName);
  return { name: k.AttributeName, type: d ? d.AttributeType : 'S' };
}

function indexesOf(def, items) {
  const typeOf = (n) => def.AttributeDefinitions.find((a) => a.AttributeName === n)?.AttributeType || 'S';
  const one = (name, type, ks, projection) => {
    const hash = ks.find((k) => k.KeyType === 'HASH').AttributeName;
    const range = ks.find((k) => k.KeyType === 'RANGE')?.AttributeName;
    const ix = { name, type, hashKey: hash, hashKeyType: typeOf(hash) };
    if (range) Object.assign(ix, { sortKey: range, sortKeyType: typeOf(range) });
    ix.projection = { type: projection?.ProjectionType || 'ALL' };
    if (projection?.NonKeyAttributes) ix.projection.attributes = [...projection.NonKeyAttributes];
    // A secondary index holds only items that have all its key attributes.
    if (type !== 'PRIMARY' && items.length > 0) {
      ix.sparse = items.some((it) => !(hash in it) || (range !== undefined && !(range in it)));
    }
    return ix;
  };
  return [
    one('PRIMARY', 'PRIMARY', def.KeySchema, null),
    ...(def.GlobalSecondaryIndexes || []).map((g) => one(g.IndexName, 'GSI', g.KeySchema, g.Projection)),
    ...(def.LocalSecondaryIndexes || []).map((l) => one(l.IndexName, 'LSI', l.KeySchema, l.Projection)),
  ];
}

/**
 * What describe_table should report for each demo table when the sample
 * covers the whole table: {name: {count, partitionKey, sortKey, indexes,
 * columns: [{name, type, types, nullable, present_count, key?}]}}.
 */
export function expectedDemo({ maxDepth = 4 } = {}) {
  const out = {};
  for (const { definition: def, items } of generateDemoData()) {
    const pk = keyOf(def, 'HASH');
    const sk = keyOf(def, 'RANGE');
    const inferred = inferColumns(items, maxDepth);
    const col = (p, key) => {
      const c = inferred.get(p) || { present: 0, counts: new Map() };
      const byCount = [...c.counts.entries()].sort(
        (a, b) => b[1] - a[1] || TYPE_ORDER.indexOf(a[0]) - TYPE_ORDER.indexOf(b[0]),
      );
      const main = key ? key.type : (byCount.find(([t]) => t !== 'NULL') || ['NULL'])[0];
      const e = {
        name: p,
        type: main,
        types: byCount.map(([t]) => t),
        nullable: !key && (c.present < items.length || c.counts.has('NULL')),
        present_count: c.present,
        present_fraction: items.length ? c.present / items.length : 0,
      };
      if (key) e.key = key.role;
      return e;
    };
    const keyNames = [pk.name, sk?.name].filter(Boolean);
    const columns = [col(pk.name, { ...pk, role: 'partition' })];
    if (sk) columns.push(col(sk.name, { ...sk, role: 'sort' }));
    for (const p of [...inferred.keys()].filter((k) => !keyNames.includes(k)).sort()) columns.push(col(p, null));
    out[def.TableName] = {
      count: items.length,
      partitionKey: pk,
      sortKey: sk,
      indexes: indexesOf(def, items),
      columns,
      items,
    };
  }
  return out;
}

#!/usr/bin/env node
// Loads the demo dataset (demo-data.mjs) into a DynamoDB endpoint, normally
// the local dynalite: `node deploy/local/load-demo.mjs http://127.0.0.1:4567`
// (all four tables, or only the ones named after the URL).
//
// Dev tooling only (ddbsql itself never writes). Plain fetch, no SDK: every
// request carries a real SigV4 signature made with dummy keys, which dynalite
// accepts without checking. Idempotent: a table that already exists with the
// expected item count is left alone; one with another count is rewritten
// (puts overwrite the same keys).

import { createHash, createHmac } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { generateDemoData } from './demo-data.mjs';

const DUMMY_KEY_ID = 'AKIDLOCALDEMO0000000';
const DUMMY_SECRET = 'localdemosecretlocaldemosecretlocaldemo0';

const sha256hex = (s) => createHash('sha256').update(s).digest('hex');
const hmac = (key, s) => createHmac('sha256', key).update(s).digest();

// AWS Signature Version 4 headers for a DynamoDB JSON call.
function signedHeaders(url, region, target, body, now) {
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const host = url.host;
  const headers = {
    'content-type': 'application/x-amz-json-1.0',
    host,
    'x-amz-date': amzDate,
    'x-amz-target': `DynamoDB_20120810.${target}`,
  };
  const names = Object.keys(headers).sort();
  const canonical = [
    'POST',
    url.pathname || '/',
    '',
    ...names.map((n) => `${n}:${headers[n]}`),
    '',
    names.join(';'),
    sha256hex(body),
  ].join('\n');
  const scope = `${day}/${region}/dynamodb/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonical)].join('\n');
  let k = hmac(`AWS4${DUMMY_SECRET}`, day);
  k = hmac(k, region);
  k = hmac(k, 'dynamodb');
  k = hmac(k, 'aws4_request');
  const sig = createHmac('sha256', k).update(toSign).digest('hex');
  headers.authorization =
    `AWS4-HMAC-SHA256 Credential=${DUMMY_KEY_ID}/${scope}, SignedHeaders=${names.join(';')}, Signature=${sig}`;
  delete headers.host; // fetch sets it (to the same value)
  return headers;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function dynamoClient(endpoint, region = 'us-east-1') {
  const url = new URL(endpoint);
  // One call; retries throttling and 5xx a few times.
  return async function call(target, payload) {
    const body = JSON.stringify(payload);
    for (let attempt = 1; ; attempt++) {
      let res, text;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: signedHeaders(url, region, target, body, new Date()),
          body,
        });
        text = await res.text();
      } catch (e) {
        if (attempt >= 5) throw new Error(`${target} to ${endpoint}: ${e.message}`);
        await sleep(50 * 2 ** attempt);
        continue;
      }
      if (res.ok) return text ? JSON.parse(text) : {};
      let err = {};
      try {
        err = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      const type = String(err.__type || '').split('#').pop();
      const retryable = res.status >= 500 || /Throttl|ProvisionedThroughputExceeded/.test(type);
      if (retryable && attempt < 5) {
        await sleep(50 * 2 ** attempt);
        continue;
      }
      const e = new Error(`${target} failed: HTTP ${res.status} ${type}: ${err.message || err.Message || text}`);
      e.type = type;
      throw e;
    }
  };
}

async function listTables(call) {
  const names = [];
  let start;
  do {
    const r = await call('ListTables', start ? { ExclusiveStartTableName: start } : {});
    names.push(...(r.TableNames || []));
    start = r.LastEvaluatedTableName;
  } while (start);
  return names;
}

async function waitActive(call, name, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = (await call('DescribeTable', { TableName: name })).Table;
    const indexes = t.GlobalSecondaryIndexes || [];
    if (t.TableStatus === 'ACTIVE' && indexes.every((i) => i.IndexStatus === 'ACTIVE')) return t;
    if (Date.now() > deadline) throw new Error(`table ${name} not ACTIVE after ${timeoutMs} ms`);
    await sleep(50);
  }
}

async function countItems(call, name) {
  let count = 0;
  let start;
  do {
    const r = await call('Scan', { TableName: name, Select: 'COUNT', ...(start && { ExclusiveStartKey: start }) });
    count += r.Count;
    start = r.LastEvaluatedKey;
  } while (start);
  return count;
}

// Writes items 25 per BatchWriteItem, a few batches at once, resending
// UnprocessedItems with backoff until none are left.
async function writeItems(call, name, items, parallel = 8) {
  const batches = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      let requests = { [name]: batches[next++].map((Item) => ({ PutRequest: { Item } })) };
      for (let attempt = 1; Object.keys(requests).length; attempt++) {
        if (attempt > 10) throw new Error(`BatchWriteItem on ${name}: items still unprocessed after 10 attempts`);
        const r = await call('BatchWriteItem', { RequestItems: requests });
        requests = r.UnprocessedItems || {};
        if (Object.keys(requests).length) await sleep(20 * 2 ** attempt);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, batches.length) }, worker));
}

// Creates and fills the demo tables (only those named in `tables`, when
// given). Returns {table: 'created'|'reloaded'|'kept'}.
export async function loadDemo(endpoint, { region = 'us-east-1', log = () => {}, tables = null } = {}) {
  const call = dynamoClient(endpoint, region);
  const existing = new Set(await listTables(call));
  const result = {};
  const wanted = generateDemoData().filter(({ definition }) => !tables || tables.includes(definition.TableName));
  await Promise.all(
    wanted.map(async ({ definition, items }) => {
      const name = definition.TableName;
      if (existing.has(name)) {
        await waitActive(call, name);
        const count = await countItems(call, name);
        if (count === items.length) {
          result[name] = 'kept';
          log(`${name}: present with ${count} items, kept`);
          return;
        }
        log(`${name}: has ${count} items, expected ${items.length}: rewriting`);
        result[name] = 'reloaded';
      } else {
        try {
          await call('CreateTable', definition);
        } catch (e) {
          if (e.type !== 'ResourceInUseException') throw e; // created concurrently
        }
        await waitActive(call, name);
        result[name] = 'created';
      }
      await writeItems(call, name, items);
      log(`${name}: ${items.length} items loaded`);
    }),
  );
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] || '').href) {
  const endpoint = process.argv[2];
  if (!endpoint || !/^https?:\/\//.test(endpoint)) {
    console.error('usage: node deploy/local/load-demo.mjs <endpoint URL, e.g. http://127.0.0.1:4567> [TABLE...]');
    process.exit(2);
  }
  const tables = process.argv.length > 3 ? process.argv.slice(3) : null;
  loadDemo(endpoint, { log: (m) => console.log(m), tables }).catch((e) => {
    console.error(`load-demo: ${e.message}`);
    process.exit(1);
  });
}

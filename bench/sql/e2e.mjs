#!/usr/bin/env node
// `make bench-e2e`: run_sql end to end over dynalite for a partition-key
// query, against the same Query made directly with the AWS SDK for
// JavaScript v3, on the same dynalite with the demo data, in one run (see
// bench/README.md).
//
// Measured, one request at a time, in rounds (each round sends one request
// of every kind, in a rotating order, so drift in the machine's load hits
// all alike):
//   ddbsql HTTP   POST /mcp tools/call run_sql through lighttpd and a
//                 ddbsql-mcp FastCGI worker (the release build), which sends
//                 one Query to dynalite and renders the rows
//   AWS SDK v3    DynamoDBClient.send(QueryCommand) for the same key, paged
//                 to the end (one page here), from this Node process
//   raw fetch     the same Query as one SigV4-signed fetch (no SDK): the
//                 floor for any client of this dynalite
// and, separately (fewer runs: each is a new process), the ddbsql-sql
// command-line runner, which pays process start, config load and its Redis
// metadata lookup every time.
//
// Environment: REQUESTS=200 (per kind), WARMUP_REQUESTS=20, CLI_REQUESTS=30,
// WORKERS=1 (ddbsql-mcp processes), LOG_LEVEL=info.
// Not a test: nothing about timings is asserted. It exits non-zero only when
// a request fails or the answers differ (a benchmark of errors is worthless).

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { generateDemoData } from '../../deploy/local/demo-data.mjs';
import { dynamoClient } from '../../deploy/local/load-demo.mjs';
import {
  DEMO_ACCESS_KEY_ID, DEMO_REGION, DEMO_SECRET_ACCESS_KEY, startStack,
} from '../../deploy/local/stack.mjs';
import { envCount, fmt, REPO_ROOT, runSql, say, summary, writeResults } from './lib.mjs';

const REQUESTS = envCount('REQUESTS', 200, 1, 100000);
const WARMUP = envCount('WARMUP_REQUESTS', 20, 0, 10000);
const CLI_REQUESTS = envCount('CLI_REQUESTS', 30, 0, 10000);
const WORKERS = envCount('WORKERS', 1, 1, 64);
const LOG_LEVEL = process.env.LOG_LEVEL || 'info';
const SQL_BIN = path.join(REPO_ROOT, 'build/release/bin/ddbsql-sql');

// The customer with the most orders (8 in the demo data): a one-page Query.
function pickCustomer() {
  const orders = generateDemoData().find((t) => t.definition.TableName === 'orders').items;
  const n = new Map();
  for (const it of orders) n.set(it.customer_id.S, (n.get(it.customer_id.S) || 0) + 1);
  const [id, count] = [...n.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
  return { id, count };
}

async function main() {
  // The SDK warns that its releases after January 2027 need Node 22: noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const customer = process.env.CUSTOMER ? { id: process.env.CUSTOMER, count: null } : pickCustomer();
  const sql = `SELECT * FROM orders WHERE customer_id = '${customer.id}'`;
  const queryInput = {
    TableName: 'orders',
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': 'customer_id' },
    ExpressionAttributeValues: { ':pk': { S: customer.id } },
  };

  say(`starting the local stack (release build, ${WORKERS} worker${WORKERS > 1 ? 's' : ''}, dynalite with the demo data)...`);
  const stack = await startStack({ variant: 'release', maxProcs: WORKERS, logLevel: LOG_LEVEL });
  try {
    const sdk = new DynamoDBClient({
      endpoint: stack.dynamoEndpoint,
      region: DEMO_REGION,
      credentials: { accessKeyId: DEMO_ACCESS_KEY_ID, secretAccessKey: DEMO_SECRET_ACCESS_KEY },
      maxAttempts: 1,
    });
    const raw = dynamoClient(stack.dynamoEndpoint, DEMO_REGION);
    let id = 1;
    const kinds = {
      ddbsql_http: {
        label: 'ddbsql run_sql (HTTP: lighttpd + FastCGI)',
        run: async () => {
          const r = await runSql(stack.mcpUrl, id++, sql);
          if (r.stats?.calls?.Query !== 1) throw new Error(`run_sql made ${JSON.stringify(r.stats?.calls)} calls, expected one Query`);
          return r.row_count;
        },
      },
      sdk: {
        label: 'AWS SDK v3 QueryCommand (direct)',
        run: async () => {
          let n = 0;
          let start;
          do {
            const out = await sdk.send(new QueryCommand({ ...queryInput, ...(start && { ExclusiveStartKey: start }) }));
            n += out.Items.length;
            start = out.LastEvaluatedKey;
          } while (start);
          return n;
        },
      },
      raw: {
        label: 'signed fetch, no SDK (the floor)',
        run: async () => {
          const out = await raw('Query', queryInput);
          if (out.LastEvaluatedKey) throw new Error('raw Query: more than one page');
          return out.Items.length;
        },
      },
    };
    const names = Object.keys(kinds);

    // Warm-up, which also checks that every path returns the same rows.
    const counts = {};
    for (const k of names) counts[k] = await kinds[k].run();
    const expected = counts.sdk;
    for (const k of names) {
      if (counts[k] !== expected) throw new Error(`${kinds[k].label} returned ${counts[k]} rows, the SDK ${expected}`);
    }
    say(`query: ${sql}  (${expected} items, one Query page)`);
    for (let i = 1; i < WARMUP; i++) for (const k of names) await kinds[k].run();

    const times = Object.fromEntries(names.map((k) => [k, []]));
    say(`measuring ${REQUESTS} sequential requests of each kind, interleaved...`);
    for (let i = 0; i < REQUESTS; i++) {
      for (let j = 0; j < names.length; j++) {
        const k = names[(i + j) % names.length];
        const t0 = process.hrtime.bigint();
        const n = await kinds[k].run();
        times[k].push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (n !== expected) throw new Error(`${kinds[k].label}: ${n} rows, expected ${expected}`);
      }
    }

    // The CLI: a new process per query, like a script calling it.
    if (CLI_REQUESTS > 0) {
      names.push('cli');
      kinds.cli = { label: 'ddbsql-sql CLI (a process per query)' };
      times.cli = [];
      const args = ['--config', stack.configPath, '--', sql];
      for (let i = 0; i < CLI_REQUESTS + 2; i++) {
        const t0 = process.hrtime.bigint();
        const r = spawnSync(SQL_BIN, args, { encoding: 'utf8', env: { ...process.env, DDBSQL_CONFIG: stack.configPath } });
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (r.status !== 0) throw new Error(`ddbsql-sql exited ${r.status}: ${r.stdout}${r.stderr}`);
        const n = JSON.parse(r.stdout).row_count;
        if (n !== expected) throw new Error(`ddbsql-sql: ${n} rows, expected ${expected}`);
        if (i >= 2) times.cli.push(ms); // the first two warm the page cache
      }
    }

    const stats = Object.fromEntries(names.map((k) => [k, summary(times[k])]));
    const base = stats.sdk;
    say('');
    say(`${'path'.padEnd(44)} ${'n'.padStart(5)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'mean ms'.padStart(8)} ${'p50 vs SDK'.padStart(11)} ${'p95 vs SDK'.padStart(11)}`);
    for (const k of names) {
      const s = stats[k];
      say(`${kinds[k].label.padEnd(44)} ${String(s.n).padStart(5)} ${fmt(s.p50_ms).padStart(8)} ${fmt(s.p95_ms).padStart(8)} ${fmt(s.mean_ms).padStart(8)} ${`${fmt(s.p50_ms / base.p50_ms)}x`.padStart(11)} ${`${fmt(s.p95_ms / base.p95_ms)}x`.padStart(11)}`);
    }
    const ratio = stats.ddbsql_http.p50_ms / base.p50_ms;
    const ratio95 = stats.ddbsql_http.p95_ms / base.p95_ms;
    say('');
    say(`target: ddbsql run_sql over HTTP within 1.3x of the SDK's Query (median): ${fmt(ratio)}x, ${ratio <= 1.3 ? 'met' : 'NOT met'} (p95 ${fmt(ratio95)}x)`);
    say(`ddbsql's own share: ${fmt(stats.ddbsql_http.p50_ms - stats.raw.p50_ms)} ms over a bare signed fetch, median`);
    const file = writeResults('e2e', {
      settings: { requests: REQUESTS, warmup: WARMUP, cli_requests: CLI_REQUESTS, workers: WORKERS, log_level: LOG_LEVEL },
      query: { sql, sdk_input: queryInput, items: expected },
      results: Object.fromEntries(names.map((k) => [k, { label: kinds[k].label, ...stats[k] }])),
      ratio_p50: ratio,
      ratio_p95: ratio95,
      target: { ratio_p50_at_most: 1.3, met: ratio <= 1.3 },
    });
    say(`results: ${path.relative(REPO_ROOT, file)}`);
    sdk.destroy();
  } finally {
    await stack.stop();
  }
}

main().catch((e) => {
  console.error(`bench-e2e: ${e.stack || e.message}`);
  process.exit(1);
});

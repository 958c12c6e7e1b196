// run_sql through the official MCP TypeScript SDK client against the local
// stack (lighttpd, two workers sharing the dev cursor secret, dynalite with
// the demo dataset): a key query, paging with cursors (streaming and
// re-executed plans), format=objects, mode=plan, and errors a model can act
// on. The SDK validates every structuredContent against the advertised
// outputSchema, since tools/list is called first.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateDemoData } from '../../deploy/local/demo-data.mjs';
import { assertNoSanitizerReports, connectClient, resultText, startTestStack } from './lib/harness.mjs';

const DEMO = Object.fromEntries(generateDemoData().map(({ definition, items }) => [definition.TableName, items]));
const CUSTOMER_IDS = DEMO.customers.map((c) => c.customer_id.S).sort();

let stack;
let client;

// A customer with several orders, for the key query.
const KEY_CUSTOMER = (() => {
  const n = new Map();
  for (const o of DEMO.orders) n.set(o.customer_id.S, (n.get(o.customer_id.S) || 0) + 1);
  return [...n.entries()].filter(([, k]) => k >= 3).map(([c]) => c).sort()[0];
})();

before(async () => {
  // A body limit above 1 MiB, so the SQL size limit itself is what answers.
  stack = await startTestStack({ configGlobal: { max_body_bytes: 4 * 1024 * 1024 } });
  client = await connectClient(stack.mcpUrl);
  await client.listTools(); // caches the output schemas the SDK validates against
});

after(async () => {
  await client?.close().catch(() => {});
  await stack?.stop();
});

async function runSql(args) {
  return client.callTool({ name: 'run_sql', arguments: args });
}

async function ok(args) {
  const r = await runSql(args);
  assert.ok(!r.isError, `run_sql ${JSON.stringify(args)} failed: ${resultText(r)}`);
  assert.ok(r.structuredContent, 'structuredContent is missing');
  return r;
}

async function toolError(args) {
  const r = await runSql(args);
  assert.equal(r.isError, true, `expected an error for ${JSON.stringify(args)}, got: ${resultText(r).slice(0, 500)}`);
  assert.equal(r.structuredContent, undefined);
  return resultText(r);
}

test('tools/list: run_sql with its schemas, read-only', async () => {
  const { tools } = await client.listTools();
  const t = tools.find((x) => x.name === 'run_sql');
  assert.ok(t, `run_sql not listed: ${tools.map((x) => x.name)}`);
  assert.equal(t.annotations.readOnlyHint, true);
  assert.deepEqual(t.inputSchema.required, ['sql']);
  assert.equal(t.inputSchema.properties.max_rows.maximum, 1000);
  assert.deepEqual(t.inputSchema.properties.format.enum, ['rows', 'objects']);
  assert.deepEqual(t.inputSchema.properties.mode.enum, ['execute', 'plan']);
  assert.ok(t.outputSchema.properties.stats);
});

test('a key query reads one partition with Query and returns its rows exactly', async () => {
  const want = DEMO.orders
    .filter((o) => o.customer_id.S === KEY_CUSTOMER)
    .sort((a, b) => (a.order_id.S < b.order_id.S ? -1 : 1))
    .map((o) => [o.order_id.S, Number(o.total.N)]);
  assert.ok(want.length >= 3, `the demo data has orders for ${KEY_CUSTOMER}`);
  const r = await ok({ sql: `SELECT order_id, total FROM demo.orders WHERE customer_id = '${KEY_CUSTOMER}' ORDER BY order_id` });
  const sc = r.structuredContent;
  assert.deepEqual(sc.columns.map((c) => c.name), ['order_id', 'total']);
  assert.deepEqual(sc.rows, want);
  assert.equal(sc.row_count, want.length);
  assert.equal(sc.truncated, false);
  assert.equal(sc.next_cursor, undefined);
  assert.ok(sc.stats.calls.Query >= 1, `stats: ${JSON.stringify(sc.stats)}`);
  assert.equal(sc.stats.calls.Scan, 0);
  assert.equal(sc.stats.items_read, want.length);
  assert.match(sc.stats.plan, /Query/);
  const text = resultText(r);
  assert.match(text, /^order_id\s+total\n/);
  assert.match(text, new RegExp(`\\n${want.length} rows? · ${want.length} items? read · [0-9.]+ RCU · Query×\\d+ · \\d+ ms\\n$`));
});

async function pageThrough(sql, maxRows) {
  const pages = [];
  let cursor;
  for (let i = 0; i < 20; i++) {
    const r = await ok(cursor ? { sql, cursor } : { sql, max_rows: maxRows });
    const sc = r.structuredContent;
    pages.push(sc.rows.map((row) => row[0]));
    if (!sc.truncated) {
      assert.equal(sc.next_cursor, undefined);
      return pages;
    }
    assert.equal(typeof sc.next_cursor, 'string');
    assert.ok(resultText(r).includes(`(truncated; pass cursor "${sc.next_cursor}" for more)`), resultText(r).slice(-400));
    cursor = sc.next_cursor;
  }
  assert.fail('more than 20 pages');
}

test('truncation and cursors: a scan continues where it stopped, without overlap', async () => {
  const pages = await pageThrough('SELECT customer_id FROM demo.customers', 150);
  assert.deepEqual(pages.map((p) => p.length), [150, 150, 100]);
  const all = pages.flat();
  assert.equal(new Set(all).size, all.length, 'a row came back twice');
  assert.deepEqual([...all].sort(), CUSTOMER_IDS);
});

test('truncation and cursors: a sorted result re-executes and skips the rows already returned', async () => {
  const pages = await pageThrough('SELECT customer_id FROM demo.customers ORDER BY customer_id DESC', 170);
  assert.deepEqual(pages.map((p) => p.length), [170, 170, 60]);
  assert.deepEqual(pages.flat(), [...CUSTOMER_IDS].reverse());
});

test('a cursor keeps the page size and format, and only continues its own SQL', async () => {
  const sql = 'SELECT customer_id, tier FROM demo.customers ORDER BY customer_id';
  const first = await ok({ sql, max_rows: 7, format: 'objects' });
  const next = await ok({ sql, cursor: first.structuredContent.next_cursor });
  assert.equal(next.structuredContent.format, 'objects');
  assert.deepEqual(next.structuredContent.rows.map((o) => o.customer_id), CUSTOMER_IDS.slice(7, 14));
  const text = await toolError({ sql: `${sql} `, cursor: first.structuredContent.next_cursor });
  assert.match(text, /^Invalid cursor: the cursor belongs to a different query/);
  assert.match(text, /Rerun the query without the cursor/);
  const tampered = first.structuredContent.next_cursor.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
  assert.match(await toolError({ sql, cursor: tampered }), /^Invalid cursor: the cursor is not valid/);
});

test('format=objects keys rows by column name; a repeated name gets a suffix', async () => {
  const c = DEMO.customers.find((x) => x.customer_id.S === 'C0001');
  const r = await ok({
    sql: "SELECT customer_id, name, customer_id FROM demo.customers WHERE customer_id = 'C0001'",
    format: 'objects',
  });
  const sc = r.structuredContent;
  assert.deepEqual(sc.columns.map((x) => x.key), ['customer_id', 'name', 'customer_id_2']);
  assert.deepEqual(sc.rows, [{ customer_id: 'C0001', name: c.name.S, customer_id_2: 'C0001' }]);
  assert.equal(sc.format, 'objects');
  assert.ok(sc.stats.calls.GetItem + sc.stats.calls.Query >= 1, JSON.stringify(sc.stats));
});

test('mode=plan shows the plan and reads nothing', async () => {
  const r = await ok({ sql: "SELECT * FROM demo.orders WHERE customer_id = 'C0002'", mode: 'plan' });
  const sc = r.structuredContent;
  assert.equal(sc.mode, 'plan');
  assert.equal(sc.row_count, 0);
  assert.deepEqual(sc.rows, []);
  assert.equal(sc.stats.items_read, 0);
  assert.deepEqual(sc.stats.calls, { GetItem: 0, BatchGetItem: 0, Query: 0, Scan: 0 });
  assert.equal(typeof sc.stats.plan, 'string');
  assert.match(sc.stats.plan, /Query/);
  assert.equal(resultText(r).trimEnd(), sc.stats.plan.trimEnd());
});

test('EXPLAIN returns the plan as rows and as text', async () => {
  const r = await ok({ sql: 'EXPLAIN SELECT * FROM demo.products' });
  const sc = r.structuredContent;
  assert.equal(sc.explain, true);
  assert.match(sc.stats.plan, /Scan/);
  assert.equal(resultText(r).trimEnd(), sc.stats.plan.trimEnd());
});

test('errors are isError results that say where and what to change', async () => {
  let text = await toolError({ sql: 'SELEC customer_id FROM demo.customers' });
  assert.match(text, /^SQL syntax error: line 1, column 1: /);
  text = await toolError({ sql: 'SELECT nope FROM demo.no_such_table' });
  assert.match(text, /^SQL error: line 1, column \d+: .*no_such_table/);
  text = await toolError({ sql: 'SELECT 1', max_rows: 5000 });
  assert.equal(text, "Invalid arguments for run_sql: 'max_rows' must be between 1 and 1000; got 5000.");
  text = await toolError({ sql: 'SELECT 1', format: 'csv' });
  assert.equal(text, 'Invalid arguments for run_sql: \'format\' must be one of "rows", "objects"; got "csv".');
  text = await toolError({ sql: 'SELECT customer_id FROM demo.customers', mode: 'plan', cursor: 'x.y' });
  assert.match(text, /cannot be combined with mode "plan"/);
});

test('a SQL error is an isError result with the position and a hint', async () => {
  const r = await runSql({ sql: "SELECT nmae FROM demo.customers WHERE customer_id = 'C0002'" });
  assert.equal(r.isError, true);
  assert.equal(resultText(r),
    'SQL error: line 1, column 8: unknown column nmae\n'
    + 'Hint: did you mean name? If the attribute exists but the sample missed it, write it in double quotes\n');
  const t = await toolError({ sql: 'SELECT status, COUNT(*) FROM demo.orders' });
  assert.match(t, /^SQL error: line 1, column 8: column status must appear in GROUP BY or inside an aggregate\nHint: /);
});

test('writes, DDL, transactions and a second statement are refused, and nothing is written', async () => {
  const cases = [
    ["INSERT INTO demo.orders (customer_id, order_id) VALUES ('C0001', 'O999999')", 'line 1, column 1: INSERT statements are not allowed: ddbsql is read-only'],
    ["UPDATE demo.customers SET tier = 'gold' WHERE customer_id = 'C0002'", 'line 1, column 1: UPDATE statements are not allowed'],
    ["DELETE FROM demo.orders WHERE customer_id = 'C0002'", 'line 1, column 1: DELETE statements are not allowed'],
    ['DROP TABLE demo.orders', 'line 1, column 1: DROP statements are not allowed'],
    ['BEGIN', 'line 1, column 1: BEGIN (transaction control) statements are not allowed'],
    ["SELECT 1; DELETE FROM demo.orders WHERE customer_id = 'C0002'", 'line 1, column 11: only one statement is allowed, and a second one (DELETE) follows'],
    ["INSERT INTO \"orders\" VALUE {'customer_id': 'C0001'}", 'line 1, column 1: INSERT statements are not allowed'],
    ['WITH RECURSIVE n AS (SELECT 1) SELECT * FROM n', 'line 1, column 6: WITH RECURSIVE is not supported'],
  ];
  for (const [sql, want] of cases) {
    const text = await toolError({ sql });
    assert.ok(text.startsWith(`SQL syntax error: ${want}`), `${sql}\n=> ${text}`);
  }
  const r = await ok({ sql: "SELECT COUNT(*) AS n FROM demo.orders WHERE customer_id = 'C0002'" });
  assert.equal(r.structuredContent.rows[0][0], DEMO.orders.filter((o) => o.customer_id.S === 'C0002').length);
});

test('bad input through MCP: NUL bytes, unterminated text, deep nesting, huge IN lists, 1 MiB of SQL', async () => {
  const MiB = 1024 * 1024;
  const cases = [
    ["SELECT 'a\u0000b'", 'SQL syntax error: line 1, column 10: the SQL text contains a NUL byte'],
    ["SELECT name FROM demo.customers WHERE tier = 'gold", "SQL syntax error: line 1, column 46: unterminated string literal: a ' is missing"],
    ['SELECT 1 /* never closed', 'SQL syntax error: line 1, column 10: unterminated comment: a /* has no closing */'],
    [`SELECT ${'('.repeat(50000)}1${')'.repeat(50000)}`, 'SQL syntax error: line 1, column 207: the statement is nested too deeply (the limit is 200 levels)'],
    [`SELECT 1 WHERE 1 IN (${Array.from({ length: 10001 }, (_, i) => i).join(',')})`, 'SQL syntax error: line 1, column '],
    [`SELECT 1${' '.repeat(MiB - 7)}`, `Invalid arguments for run_sql: 'sql' is ${MiB + 1} characters long; the limit is ${MiB}.`],
  ];
  for (const [sql, want] of cases) {
    const text = await toolError({ sql });
    assert.ok(text.startsWith(want), `${sql.slice(0, 60)}...\n=> ${text.slice(0, 300)}`);
  }
  assert.match(await toolError({ sql: `SELECT 1 WHERE 1 IN (${Array.from({ length: 10001 }, (_, i) => i).join(',')})` }),
    /the IN list has too many items \(the limit is 10000\)/);
  // Just under the limits works.
  let r = await ok({ sql: `SELECT 1 AS one${' '.repeat(MiB - 15)}` });
  assert.deepEqual(r.structuredContent.rows, [[1]]);
  r = await ok({ sql: `SELECT COUNT(*) AS n FROM demo.customers WHERE customer_id IN (${CUSTOMER_IDS.map((c) => `'${c}'`).join(', ')})` });
  assert.deepEqual(r.structuredContent.rows, [[CUSTOMER_IDS.length]]);
});

test('no sanitizer reports from the workers', () => {
  assertNoSanitizerReports(stack);
});

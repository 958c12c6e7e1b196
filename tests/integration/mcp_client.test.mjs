// /mcp driven by the official MCP TypeScript SDK client, as an assistant's
// client would: initialize, list and call every tool, read every resource,
// get every prompt, complete arguments. Answers are checked against the demo
// dataset (deploy/local/demo-data.mjs) loaded into dynalite.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import {
  connectClient,
  dynamoClient,
  REPO_ROOT,
  expectedDemo,
  resultText,
  assertNoSanitizerReports,
  startTestStack,
} from './lib/harness.mjs';

const DEMO = expectedDemo();
const TABLES = Object.keys(DEMO).sort();
// Large enough that describe_table samples every item of every demo table,
// so inferred columns can be compared exactly with the dataset.
const SAMPLE_SIZE = 5000;

let stack;
let client;
const describeCache = new Map();

before(async () => {
  stack = await startTestStack({ configGlobal: { sample_size: SAMPLE_SIZE } });
  client = await connectClient(stack.mcpUrl);
});

after(async () => {
  await client?.close().catch(() => {});
  await stack?.stop();
});

async function callTool(name, args) {
  return client.callTool({ name, arguments: args });
}

async function describe(table) {
  if (!describeCache.has(table)) {
    const r = await callTool('describe_table', { table_name: table });
    assert.ok(!r.isError, `describe_table ${table} failed: ${resultText(r)}`);
    describeCache.set(table, r);
  }
  return describeCache.get(table);
}

// A JSON-RPC error from the server, as the SDK raises it.
async function rpcError(promise) {
  try {
    const r = await promise;
    assert.fail(`expected a JSON-RPC error, got a result: ${JSON.stringify(r).slice(0, 500)}`);
  } catch (e) {
    if (!(e instanceof McpError)) throw e;
    return e;
  }
}

// ---- initialize ---------------------------------------------------------------

test('initialize: server info, capabilities and instructions', () => {
  const info = client.getServerVersion();
  assert.equal(info.name, 'ddbsql');
  assert.match(info.version, /^\d+\.\d+\.\d+/);
  const caps = client.getServerCapabilities();
  for (const c of ['tools', 'resources', 'prompts', 'logging', 'completions']) {
    assert.ok(caps[c], `capability ${c} missing: ${JSON.stringify(caps)}`);
  }
  const instr = client.getInstructions();
  assert.ok(instr && instr.includes('list_tables'), `instructions: ${instr}`);
});

// ---- tools ------------------------------------------------------------------------

test('tools/list offers exactly list_tables, describe_table and run_sql, read-only, with schemas', async () => {
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), ['describe_table', 'list_tables', 'run_sql']);
  for (const t of tools) {
    assert.ok(t.description && t.description.length > 40, `${t.name}: description`);
    assert.equal(t.inputSchema.type, 'object', `${t.name}: inputSchema`);
    assert.equal(t.outputSchema?.type, 'object', `${t.name}: outputSchema`);
    assert.equal(t.annotations?.readOnlyHint, true, `${t.name}: readOnlyHint`);
    assert.equal(t.annotations?.destructiveHint, false, `${t.name}: destructiveHint`);
  }
  const describeTool = tools.find((t) => t.name === 'describe_table');
  assert.deepEqual(describeTool.inputSchema.required, ['table_name']);
});

test('list_tables: the demo tables with their item counts', async () => {
  const r = await callTool('list_tables', {});
  assert.ok(!r.isError, resultText(r));
  const s = r.structuredContent;
  assert.equal(s.schema_name, 'demo');
  assert.equal(s.truncated, false);
  assert.deepEqual(s.tables.map((t) => t.name).sort(), TABLES);
  // item_count is DynamoDB's approximate ItemCount (DescribeTable), which
  // ddbsql passes through; ask the same DynamoDB for it.
  const ddb = dynamoClient(stack.dynamoEndpoint);
  for (const t of s.tables) {
    assert.equal(t.qualified_name, `demo.${t.name}`);
    assert.equal(t.physical_table_name, t.name);
    const raw = (await ddb('DescribeTable', { TableName: t.name })).Table;
    assert.equal(t.item_count, raw.ItemCount, `${t.name}: item_count`);
    assert.match(t.refreshed_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  }
  const text = resultText(r);
  for (const name of TABLES) assert.ok(text.includes(`demo.${name}`), `text lists demo.${name}:\n${text}`);
});

test('describe_table orders: key schema, GSIs by_status and sparse by_coupon, LSI by_date', async () => {
  const s = (await describe('orders')).structuredContent;
  assert.equal(s.schema_name, 'demo');
  assert.equal(s.table_name, 'orders');
  assert.equal(s.qualified_name, 'demo.orders');
  assert.deepEqual(s.key_schema, {
    partition_key: { name: 'customer_id', type: 'S' },
    sort_key: { name: 'order_id', type: 'S' },
  });
  const byName = Object.fromEntries(s.indexes.map((i) => [i.name, i]));
  assert.deepEqual(Object.keys(byName).sort(), ['PRIMARY', 'by_coupon', 'by_date', 'by_status']);
  assert.equal(byName.by_status.type, 'GSI');
  assert.equal(byName.by_status.hashKey, 'status');
  assert.equal(byName.by_status.sortKey, 'order_date');
  assert.equal(byName.by_status.projection.type, 'ALL');
  assert.equal(byName.by_coupon.type, 'GSI');
  assert.equal(byName.by_coupon.hashKey, 'coupon_code');
  assert.equal(byName.by_coupon.sortKey, undefined);
  assert.equal(byName.by_coupon.projection.type, 'KEYS_ONLY');
  // Only ~15% of orders carry a coupon: the index is sparse, and says so.
  assert.equal(byName.by_coupon.sparse, true);
  assert.equal(byName.by_status.sparse, false);
  assert.equal(byName.PRIMARY.sparse, undefined);
  assert.equal(byName.by_date.type, 'LSI');
  assert.equal(byName.by_date.hashKey, 'customer_id');
  assert.equal(byName.by_date.sortKey, 'order_date');
  assert.equal(byName.by_date.projection.type, 'ALL');
  const text = resultText(await describe('orders'));
  for (const w of ['customer_id', 'order_id', 'by_status', 'by_coupon', 'by_date', 'KEYS_ONLY',
    'SPARSE: it holds only items that have coupon_code']) {
    assert.ok(text.includes(w), `text mentions ${w}:\n${text}`);
  }
});

for (const table of TABLES) {
  test(`describe_table ${table}: keys, indexes and inferred columns match the dataset`, async () => {
    const exp = DEMO[table];
    const s = (await describe(table)).structuredContent;
    assert.deepEqual(s.key_schema.partition_key, exp.partitionKey);
    assert.deepEqual(s.key_schema.sort_key, exp.sortKey || undefined);
    const strip = (ix) => {
      const { item_count: _c, status: _s, ...rest } = ix;
      return rest;
    };
    assert.deepEqual(s.indexes.map(strip), exp.indexes);
    // The sample covered the whole table.
    assert.equal(s.sample.whole_table, true, JSON.stringify(s.sample));
    assert.equal(s.sample.items_sampled, exp.count);
    assert.equal(s.sample.columns_truncated, false);
    assert.deepEqual(s.columns.map((c) => c.name), exp.columns.map((c) => c.name));
    for (let i = 0; i < exp.columns.length; i++) {
      const got = s.columns[i];
      const want = exp.columns[i];
      const where = `${table}.${want.name}: ${JSON.stringify(got)}`;
      assert.equal(got.type, want.type, where);
      assert.deepEqual([...got.types].sort(), [...want.types].sort(), where);
      assert.equal(got.types[0], want.types[0], where);
      assert.equal(got.nullable, want.nullable, where);
      assert.equal(got.present_count, want.present_count, where);
      assert.ok(Math.abs(got.present_fraction - want.present_fraction) < 1e-3, where);
      assert.equal(got.key, want.key, where);
    }
    for (const c of exp.columns.filter((x) => !x.name.includes('.'))) {
      assert.equal(s.attribute_types[c.name], c.type, `attribute_types.${c.name}`);
    }
  });
}

test('describe_table: nested paths, sets, NULL types and the sparse coupon_code', async () => {
  const cols = async (t) => Object.fromEntries((await describe(t)).structuredContent.columns.map((c) => [c.name, c]));
  const orders = await cols('orders');
  assert.equal(orders['shipping.address.city']?.type, 'S');
  assert.equal(orders.shipping?.type, 'M');
  // notes is a string, NULL on some orders, absent on most.
  assert.ok(orders.notes.types.includes('NULL') && orders.notes.types.includes('S'));
  assert.equal(orders.notes.type, 'S');
  assert.equal(orders.notes.nullable, true);
  // coupon_code: on about 15% of the orders.
  const coupon = orders.coupon_code;
  assert.equal(coupon.nullable, true);
  assert.ok(coupon.present_fraction > 0.05 && coupon.present_fraction < 0.3, JSON.stringify(coupon));
  const customers = await cols('customers');
  assert.equal(customers.tags.type, 'SS');
  assert.equal(customers['address.geo.lat'].type, 'N');
  assert.ok(customers.phone.types.includes('NULL'));
  assert.equal(customers.phone.nullable, true);
  const products = await cols('products');
  assert.equal(products.ratings.type, 'NS');
  assert.equal(products.image.type, 'B');
  assert.equal(products.tags.type, 'L');
  assert.equal(products['attributes.weight_g'].type, 'N');
  const text = resultText(await describe('customers'));
  assert.ok(text.includes('address.geo.lat'), text);
});

test('refresh: force re-reads DynamoDB, a following if_stale answers from the cache', async () => {
  const forced = await callTool('list_tables', { refresh: 'force' });
  assert.ok(!forced.isError, resultText(forced));
  assert.equal(forced.structuredContent.refreshed, true);
  const cached = await callTool('list_tables', { refresh: 'if_stale' });
  assert.equal(cached.structuredContent.refreshed, false);
  assert.ok(cached.structuredContent.stale_after_seconds > 0);
  const skip = await callTool('list_tables', { refresh: 'skip' });
  assert.equal(skip.structuredContent.refreshed, false);

  const d1 = await callTool('describe_table', { table_name: 'products', refresh: 'force' });
  assert.equal(d1.structuredContent.refreshed, true);
  const d2 = await callTool('describe_table', { table_name: 'products' });
  assert.equal(d2.structuredContent.refreshed, false);
  assert.deepEqual(d2.structuredContent.columns, d1.structuredContent.columns);
});

test('describe_table: qualified name demo.orders and a case-insensitive table name', async () => {
  const q = await callTool('describe_table', { table_name: 'demo.orders' });
  assert.ok(!q.isError, resultText(q));
  assert.equal(q.structuredContent.qualified_name, 'demo.orders');
  const both = await callTool('describe_table', { table_name: 'demo.orders', schema_name: 'demo' });
  assert.ok(!both.isError, resultText(both));
  const ci = await callTool('describe_table', { table_name: 'ORDERS' });
  assert.ok(!ci.isError, resultText(ci));
  assert.equal(ci.structuredContent.table_name, 'orders');
  const ls = await callTool('list_tables', { schema_name: 'demo' });
  assert.ok(!ls.isError, resultText(ls));
  assert.equal(ls.structuredContent.schema_name, 'demo');
});

test('unknown schema or table: an isError result that says how to fix the call', async () => {
  const s1 = await callTool('list_tables', { schema_name: 'nosuchschema' });
  assert.equal(s1.isError, true);
  assert.match(resultText(s1), /nosuchschema/);
  assert.match(resultText(s1), /demo/, 'names the configured schemas');
  const s2 = await callTool('describe_table', { table_name: 'orders', schema_name: 'nosuchschema' });
  assert.equal(s2.isError, true);
  assert.match(resultText(s2), /nosuchschema/);
  assert.match(resultText(s2), /demo/);
  const t = await callTool('describe_table', { table_name: 'no_such_table' });
  assert.equal(t.isError, true);
  assert.match(resultText(t), /no_such_table/);
  assert.match(resultText(t), /list_tables/, 'points to list_tables');
  const bad = await callTool('describe_table', { table_name: 'x' });
  assert.equal(bad.isError, true);
  assert.match(resultText(bad), /not a valid DynamoDB table name|list_tables/);
  // A qualified name whose schema disagrees with schema_name.
  const clash = await callTool('describe_table', { table_name: 'demo.orders', schema_name: 'other' });
  assert.equal(clash.isError, true, resultText(clash));
});

test('invalid arguments: an isError result naming the argument', async () => {
  const cases = [
    ['describe_table', {}, 'table_name'],
    ['describe_table', { table_name: 42 }, 'table_name'],
    ['describe_table', { table_name: '' }, 'table_name'],
    ['describe_table', { table_name: 'orders', refresh: 'sometimes' }, 'refresh'],
    ['list_tables', { refresh: true }, 'refresh'],
    ['list_tables', { schema_name: 'x'.repeat(100) }, 'schema_name'],
    ['list_tables', { bogus: 1 }, 'bogus'],
  ];
  for (const [tool, args, name] of cases) {
    const r = await callTool(tool, args);
    const where = `${tool} ${JSON.stringify(args)}: ${resultText(r)}`;
    assert.equal(r.isError, true, where);
    assert.ok(resultText(r).includes(name), where);
  }
});

test('unknown tool: JSON-RPC error -32602', async () => {
  const e = await rpcError(client.callTool({ name: 'drop_table', arguments: {} }));
  assert.equal(e.code, ErrorCode.InvalidParams);
  assert.match(e.message, /drop_table/);
  assert.match(e.message, /list_tables/, 'lists the available tools');
});

// ---- resources ---------------------------------------------------------------------

test('resources: list and read every document (non-empty Markdown)', async () => {
  const { resources } = await client.listResources();
  const uris = resources.map((r) => r.uri).sort();
  for (const u of ['ddbsql://docs/getting-started', 'ddbsql://docs/limitations', 'ddbsql://docs/sql-reference']) {
    assert.ok(uris.includes(u), `${u} listed: ${uris}`);
  }
  for (const r of resources) {
    assert.ok(r.name && r.description, JSON.stringify(r));
    assert.equal(r.mimeType, 'text/markdown');
    const { contents } = await client.readResource({ uri: r.uri });
    assert.equal(contents.length, 1);
    assert.equal(contents[0].uri, r.uri);
    assert.equal(contents[0].mimeType, 'text/markdown');
    assert.ok(contents[0].text.trim().length > 100, `${r.uri} is not empty`);
    assert.match(contents[0].text, /^#/m, `${r.uri} is Markdown`);
    if (r.size !== undefined) assert.equal(r.size, Buffer.byteLength(contents[0].text), `${r.uri} size`);
  }
});

test('resources: the documents are docs/resources/*.md as they are in the tree, with run_sql available', async () => {
  const dir = path.join(REPO_ROOT, 'docs/resources');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.md')).sort();
  const { resources } = await client.listResources();
  const docs = resources.filter((r) => r.uri.startsWith('ddbsql://docs/')).map((r) => r.uri).sort();
  assert.deepEqual(docs, files.map((f) => `ddbsql://docs/${f.slice(0, -3)}`).sort());
  for (const f of files) {
    const uri = `ddbsql://docs/${f.slice(0, -3)}`;
    const { contents } = await client.readResource({ uri });
    // The build embeds the files: a stale embedding would serve other text.
    assert.equal(contents[0].text, fs.readFileSync(path.join(dir, f), 'utf8'), `${uri} is ${f}`);
    assert.doesNotMatch(contents[0].text, /\bplanned\b|not offered by this version|No SQL yet/i, `${uri} still calls run_sql planned`);
  }
  const { contents } = await client.readResource({ uri: 'ddbsql://docs/sql-reference' });
  // The function list the "unknown function" hint points at.
  for (const f of ['COALESCE', 'NULLIF', 'CAST', 'SUBSTRING', 'DATE_TRUNC', 'EXTRACT', 'CONTAINS', 'ROW_NUMBER']) {
    assert.ok(contents[0].text.includes(f), `sql-reference documents ${f}`);
  }
});

test('resources: the table template, read for demo/orders, returns JSON', async () => {
  const { resourceTemplates } = await client.listResourceTemplates();
  const t = resourceTemplates.find((x) => x.uriTemplate === 'ddbsql://schemas/{schema}/tables/{table}');
  assert.ok(t, JSON.stringify(resourceTemplates));
  assert.equal(t.mimeType, 'application/json');
  const uri = 'ddbsql://schemas/demo/tables/orders';
  const { contents } = await client.readResource({ uri });
  assert.equal(contents[0].uri, uri);
  assert.equal(contents[0].mimeType, 'application/json');
  const doc = JSON.parse(contents[0].text);
  assert.equal(doc.table_name, 'orders');
  assert.equal(doc.key_schema.partition_key.name, 'customer_id');
  assert.ok(doc.columns.some((c) => c.name === 'shipping.address.city'));
});

test('resources: unknown documents and tables are -32002 errors naming the URI', async () => {
  for (const uri of ['ddbsql://docs/nope', 'ddbsql://schemas/demo/tables/no_such_table', 'ddbsql://schemas/nope/tables/orders', 'https://example.com/x']) {
    const e = await rpcError(client.readResource({ uri }));
    assert.equal(e.code, -32002, `${uri}: ${e.message}`);
    assert.ok(e.message.includes(uri), `${uri}: ${e.message}`);
  }
});

// ---- prompts ---------------------------------------------------------------------

test('prompts/list: explore-data and write-query with their arguments', async () => {
  const { prompts } = await client.listPrompts();
  assert.deepEqual(prompts.map((p) => p.name).sort(), ['explore-data', 'write-query']);
  for (const p of prompts) assert.ok(p.description, p.name);
  const wq = prompts.find((p) => p.name === 'write-query');
  assert.equal(wq.arguments.find((a) => a.name === 'question')?.required, true);
  const ed = prompts.find((p) => p.name === 'explore-data');
  assert.deepEqual(ed.arguments.map((a) => [a.name, a.required]).sort(), [['schema', false], ['table', false]]);
});

test('prompts/get explore-data without arguments', async () => {
  const all = await client.getPrompt({ name: 'explore-data' });
  assert.equal(all.messages.length, 1);
  assert.equal(all.messages[0].role, 'user');
  assert.equal(all.messages[0].content.type, 'text');
  assert.match(all.messages[0].content.text, /list_tables/);
  assert.match(all.messages[0].content.text, /demo/);
});

test('prompts/get explore-data with a schema and a table', async () => {
  const one = await client.getPrompt({ name: 'explore-data', arguments: { schema: 'demo', table: 'orders' } });
  assert.equal(one.messages[0].role, 'user');
  assert.match(one.messages[0].content.text, /describe_table/);
  assert.match(one.messages[0].content.text, /orders/);
});

test('prompts/get write-query with a question', async () => {
  const question = 'Which customers in Berlin spent the most in 2025?';
  const q = await client.getPrompt({ name: 'write-query', arguments: { question } });
  assert.equal(q.messages[0].role, 'user');
  assert.ok(q.messages[0].content.text.includes(question), q.messages[0].content.text);
  assert.match(q.messages[0].content.text, /describe_table/);
  // run_sql is registered, so the prompt has the model run the query.
  assert.match(q.messages[0].content.text, /Run it with run_sql/);
});

test('prompts: a missing required argument, unknown prompt or schema is -32602', async () => {
  const missing = await rpcError(client.getPrompt({ name: 'write-query', arguments: {} }));
  assert.equal(missing.code, ErrorCode.InvalidParams);
  assert.match(missing.message, /question/);
  const unknown = await rpcError(client.getPrompt({ name: 'nope' }));
  assert.equal(unknown.code, ErrorCode.InvalidParams);
  const schema = await rpcError(client.getPrompt({ name: 'explore-data', arguments: { schema: 'nosuch' } }));
  assert.equal(schema.code, ErrorCode.InvalidParams);
  assert.match(schema.message, /nosuch/);
});

// ---- completion, ping, logging ---------------------------------------------------------

test('completion: schema and table names', async () => {
  const ref = { type: 'ref/prompt', name: 'explore-data' };
  const schemas = await client.complete({ ref, argument: { name: 'schema', value: 'de' } });
  assert.deepEqual(schemas.completion.values, ['demo']);
  const none = await client.complete({ ref, argument: { name: 'schema', value: 'zz' } });
  assert.deepEqual(none.completion.values, []);
  const tables = await client.complete({
    ref,
    argument: { name: 'table', value: 'ORD' },
    context: { arguments: { schema: 'demo' } },
  });
  assert.deepEqual([...tables.completion.values].sort(), ['order_items', 'orders']);
  const every = await client.complete({ ref, argument: { name: 'table', value: '' } });
  assert.deepEqual([...every.completion.values].sort(), TABLES);
  const res = await client.complete({
    ref: { type: 'ref/resource', uri: 'ddbsql://schemas/{schema}/tables/{table}' },
    argument: { name: 'table', value: 'pro' },
  });
  assert.deepEqual(res.completion.values, ['products']);
});

test('ping and logging/setLevel', async () => {
  assert.deepEqual(await client.ping(), {});
  for (const level of ['debug', 'info', 'warning', 'error']) {
    assert.deepEqual(await client.setLoggingLevel(level), {});
  }
  const e = await rpcError(client.setLoggingLevel('loud'));
  assert.equal(e.code, ErrorCode.InvalidParams);
});

test('no sanitizer reports from the workers', async () => {
  await client.close();
  await stack.stop(); // workers report leaks when they exit
  assertNoSanitizerReports(stack);
});

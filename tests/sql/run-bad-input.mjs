#!/usr/bin/env node
// Bad input through the real run_sql path (issue 3, section 5): every
// refused statement type, unterminated strings and comments, nesting past
// the depth cap, IN lists past and just under their cap, 1 MiB of SQL and
// more, NUL bytes. Each statement goes through build/<variant>/bin/ddbsql-sql,
// which runs the run_sql tool's own code (input schema, sql_run, error
// objects); the large and binary ones are sent on stdin, as a tool argument
// can carry them but a command-line argument cannot.
//
//   node tests/sql/run-bad-input.mjs [--only SUBSTRING]
//
// Each case checks the exit status, the error object ({error, kind, line,
// column, hint}): its kind, its position, and that the message says what is
// wrong; "just under the limit" cases must succeed. Every run is checked for
// sanitizer reports and must finish well within its time limit (nothing
// hangs). Output is TAP-like, ending with "N passed, N failed".

import fs from 'node:fs';
import os from 'node:os';
import { startDemo } from './run-golden.mjs';
import { runCli } from './lib/cli.mjs';
import { exactJson, makeWorkDir, parseJsonExact, pool, Reporter, SQL_BIN, VARIANT } from './lib/env.mjs';

const MiB = 1024 * 1024;
const SQL_MAX_DEPTH = 200; // sql/limits.h
const SQL_MAX_IN_LIST = 10000;
const SQL_MAX_SETOPS = 64;

const READ_ONLY = 'statements are not allowed: ddbsql is read-only and accepts only one SELECT (or WITH ... SELECT) query';
const refused = (what, column = 1, line = 1) => ({ kind: 'parse', line, column, text: `${what} ${READ_ONLY}` });
const syntax = (line, column, text) => ({ kind: 'parse', line, column, text });

/** A string of n copies of unit between head and tail. */
const rep = (head, unit, n, tail = '') => head + unit.repeat(n) + tail;
const keys = (n, from = 1) => Array.from({ length: n }, (_, i) => `'C${String(from + i).padStart(4, '0')}'`).join(', ');

// name -> {sql (string or Buffer), expect: error spec | {ok: true, rows?}}
const CASES = [
  // ---- refused statement types -------------------------------------------
  ['refuse/insert', "INSERT INTO orders (customer_id, order_id) VALUES ('C0001', 'O9')", refused('INSERT')],
  ['refuse/insert_select', 'INSERT INTO orders SELECT * FROM orders', refused('INSERT')],
  ['refuse/update', "UPDATE orders SET status = 'x' WHERE customer_id = 'C0002'", refused('UPDATE')],
  ['refuse/delete', "DELETE FROM orders WHERE customer_id = 'C0002'", refused('DELETE')],
  ['refuse/merge', 'MERGE INTO orders o USING customers c ON o.customer_id = c.customer_id WHEN MATCHED THEN DELETE', refused('MERGE')],
  ['refuse/upsert', "UPSERT INTO orders VALUES ('C0001', 'O9')", refused('UPSERT')],
  ['refuse/replace', "REPLACE INTO orders VALUES ('C0001', 'O9')", refused('REPLACE')],
  ['refuse/create_table', 'CREATE TABLE t (a INT)', refused('CREATE')],
  ['refuse/create_index', 'CREATE INDEX i ON orders (status)', refused('CREATE')],
  ['refuse/drop', 'DROP TABLE orders', refused('DROP')],
  ['refuse/alter', 'ALTER TABLE orders ADD COLUMN x INT', refused('ALTER')],
  ['refuse/truncate', 'TRUNCATE TABLE orders', refused('TRUNCATE')],
  ['refuse/grant', 'GRANT SELECT ON orders TO someone', refused('GRANT')],
  ['refuse/revoke', 'REVOKE SELECT ON orders FROM someone', refused('REVOKE')],
  ['refuse/begin', 'BEGIN', refused('BEGIN (transaction control)')],
  ['refuse/start_transaction', 'START TRANSACTION', refused('START TRANSACTION (transaction control)')],
  ['refuse/commit', 'COMMIT', refused('COMMIT (transaction control)')],
  ['refuse/rollback', 'ROLLBACK', refused('ROLLBACK (transaction control)')],
  ['refuse/savepoint', 'SAVEPOINT s1', refused('SAVEPOINT')],
  ['refuse/set', "SET search_path = 'demo'", refused('SET')],
  ['refuse/call', 'CALL cleanup()', refused('CALL')],
  ['refuse/copy', "COPY orders TO '/tmp/orders.csv'", refused('COPY')],
  ['refuse/show', 'SHOW TABLES', { ...refused('SHOW'), text: 'use the list_tables and describe_table tools' }],
  ['refuse/describe', 'DESCRIBE orders', { ...refused('DESCRIBE'), text: 'use the list_tables and describe_table tools' }],
  ['refuse/lowercase_leading_comment', '/* cleanup */\n  delete from orders', refused('DELETE', 3, 2)],
  ['refuse/explain_insert', "EXPLAIN INSERT INTO orders VALUES ('C0001', 'O9')", refused('INSERT', 9)],
  ['refuse/select_into', 'SELECT * INTO backup FROM orders', syntax(1, 10, 'SELECT ... INTO is not allowed: ddbsql is read-only')],
  ['refuse/for_update', "SELECT * FROM orders WHERE customer_id = 'C0002' FOR UPDATE", syntax(1, 50, 'FOR UPDATE/SHARE is not supported: ddbsql is read-only')],
  ['refuse/with_then_delete', 'WITH x AS (SELECT 1) DELETE FROM orders', refused('DELETE', 22)],
  ['refuse/delete_inside_with', 'WITH gone AS (DELETE FROM orders RETURNING *) SELECT * FROM gone', refused('DELETE', 15)],
  ['refuse/with_recursive', 'WITH RECURSIVE n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n) SELECT i FROM n',
    syntax(1, 6, 'WITH RECURSIVE is not supported: recursive queries could read without bound')],
  ['refuse/second_statement', 'SELECT 1; SELECT 2', syntax(1, 11, 'only one statement is allowed, and a second one (SELECT) follows')],
  ['refuse/second_statement_drop', "SELECT customer_id FROM customers WHERE customer_id = 'C0002';\nDROP TABLE customers",
    syntax(2, 1, 'only one statement is allowed, and a second one (DROP) follows')],
  ['refuse/second_statement_commit', 'SELECT 1; COMMIT', syntax(1, 11, 'a second one (COMMIT) follows')],
  ['refuse/double_semicolon', 'SELECT 1;;', syntax(1, 10, 'only one statement is allowed, but more text follows')],
  // PartiQL, DynamoDB's own SQL-like language
  ['partiql/insert_value', "INSERT INTO \"orders\" VALUE {'customer_id': 'C0001', 'order_id': 'O9'}", refused('INSERT')],
  ['partiql/update', "UPDATE \"orders\" SET status = 'shipped' WHERE customer_id = 'C0002' AND order_id = 'O000001'", refused('UPDATE')],
  ['partiql/delete', "DELETE FROM \"orders\" WHERE customer_id = 'C0002' AND order_id = 'O000001'", refused('DELETE')],
  ['partiql/document_literal', "SELECT * FROM orders WHERE shipping = {'method': 'express'}",
    syntax(1, 39, "invalid character '{': document literals such as {'a': 1} (PartiQL) are not supported")],
  ['partiql/bag_literal', "SELECT * FROM orders WHERE status IN <<'shipped', 'pending'>>",
    syntax(1, 38, 'IN takes a parenthesised list, as in x IN (1, 2); <<bag>> literals (PartiQL) are not supported')],
  ['partiql/is_missing', 'SELECT order_id FROM orders WHERE coupon_code IS MISSING',
    syntax(1, 50, 'IS [NOT] MISSING (PartiQL) is not supported: a missing attribute reads as NULL')],
  ['partiql/parameter', 'SELECT * FROM orders WHERE customer_id = ?',
    syntax(1, 42, "invalid character '?': parameters are not supported; write the value in the SQL")],
  ['partiql/index_as_table', "SELECT * FROM \"orders\".\"by_status\" WHERE status = 'shipped'",
    { kind: 'bind', line: 1, column: 15, text: "unknown schema 'orders'" }],

  // ---- unterminated strings, identifiers and comments ---------------------
  ['unterminated/string', "SELECT name FROM customers WHERE tier = 'gold", syntax(1, 41, "unterminated string literal: a ' is missing")],
  ['unterminated/string_multiline', "SELECT name\nFROM customers\nWHERE tier = 'gold\nORDER BY name", syntax(3, 14, "unterminated string literal: a ' is missing")],
  ['unterminated/string_escaped_quote_at_end', "SELECT 'it''", syntax(1, 8, "unterminated string literal: a ' is missing")],
  ['unterminated/quoted_identifier', 'SELECT "name FROM customers', syntax(1, 8, 'unterminated quoted identifier: a " is missing')],
  ['unterminated/block_comment', 'SELECT 1 /* no end', syntax(1, 10, 'unterminated comment: a /* has no closing */')],
  ['unterminated/block_comment_multiline', 'SELECT 1\n/* first\n   second', syntax(2, 1, 'unterminated comment: a /* has no closing */')],
  ['unterminated/paren', 'SELECT (1 + 2', syntax(1, 14, "expected ')'")],
  ['unterminated/only_comment', '-- nothing but a comment', syntax(1, 25, 'the SQL text is empty; write a SELECT query')],
  ['unterminated/empty_after_semicolon', ';', syntax(1, 1, 'the SQL text is empty; write a SELECT query')],

  // ---- nesting: past the cap is an error, just under works ----------------
  ['depth/parentheses_100000', rep('SELECT ', '(', 100000, '1') + ')'.repeat(100000),
    syntax(1, 7 + SQL_MAX_DEPTH, `nested too deeply (the limit is ${SQL_MAX_DEPTH} levels)`)],
  ['depth/parentheses_just_under', rep('SELECT ', '(', SQL_MAX_DEPTH - 2, '1') + ')'.repeat(SQL_MAX_DEPTH - 2), { ok: true, rows: [['1']] }],
  ['depth/parentheses_at_cap', rep('SELECT ', '(', SQL_MAX_DEPTH - 1, '1') + ')'.repeat(SQL_MAX_DEPTH - 1),
    syntax(1, 7 + SQL_MAX_DEPTH, 'nested too deeply')],
  ['depth/scalar_subqueries_1000', (() => { let s = 'SELECT 1'; for (let i = 0; i < 1000; i++) s = `SELECT (${s})`; return s; })(),
    { kind: 'parse', text: `nested too deeply (the limit is ${SQL_MAX_DEPTH} levels)` }],
  ['depth/scalar_subqueries_just_under', (() => { let s = 'SELECT 1'; for (let i = 0; i < 99; i++) s = `SELECT (${s})`; return s; })(), { ok: true, rows: [['1']] }],
  ['depth/derived_tables_1000', (() => { let s = 'SELECT customer_id FROM customers'; for (let i = 0; i < 1000; i++) s = `SELECT * FROM (${s}) t${i}`; return s; })(),
    { kind: 'parse', text: 'nested too deeply' }],
  ['depth/derived_tables_just_under', (() => {
    let s = "SELECT customer_id FROM customers WHERE customer_id = 'C0002'";
    for (let i = 0; i < 99; i++) s = `SELECT customer_id FROM (${s}) t${i}`;
    return s;
  })(), { ok: true, rows: [['"C0002"']] }],
  ['depth/exists_100000', rep('SELECT 1 WHERE ', 'EXISTS (SELECT 1 WHERE ', 30000, 'TRUE') + ')'.repeat(30000), { kind: 'parse', text: 'nested too deeply' }],
  ['depth/not_100000', rep('SELECT ', 'NOT ', 100000, 'TRUE'), syntax(1, 8 + 4 * (SQL_MAX_DEPTH - 1), 'nested too deeply')],
  ['depth/unary_minus_100000', rep('SELECT ', '- ', 100000, '1'), syntax(1, 8 + 2 * (SQL_MAX_DEPTH - 1), 'nested too deeply')],
  ['depth/case_1000', rep('SELECT ', 'CASE WHEN TRUE THEN ', 1000, '1') + ' END'.repeat(1000), { kind: 'parse', text: 'nested too deeply' }],
  ['depth/function_calls_1000', rep('SELECT ', 'ABS(', 1000, '1') + ')'.repeat(1000), { kind: 'parse', text: 'nested too deeply' }],
  ['depth/operator_chain_100000', rep('SELECT 1', ' + 1', 100000),
    { kind: 'parse', line: 1, text: 'the expression is too long or nested too deeply (the limit is a tree of height 2000)' }],
  ['depth/operator_chain_just_under', rep('SELECT 1', ' + 1', 1999), { ok: true, rows: [['2000']] }],
  ['depth/and_chain_just_under', rep("SELECT customer_id FROM customers WHERE customer_id = 'C0002'", ' AND 1 = 1', 1990), { ok: true, rows: [['"C0002"']] }],
  ['depth/set_operations_past_cap', Array.from({ length: SQL_MAX_SETOPS + 2 }, (_, i) => `SELECT ${i}`).join(' UNION ALL '),
    { kind: 'parse', text: `too many set operations (the limit is ${SQL_MAX_SETOPS} per query)` }],
  ['depth/set_operations_at_cap', Array.from({ length: SQL_MAX_SETOPS + 1 }, (_, i) => `SELECT ${i}`).join(' UNION ALL '), { ok: true, count: SQL_MAX_SETOPS + 1 }],

  // ---- IN lists -------------------------------------------------------------
  ['in_list/past_cap', `SELECT customer_id FROM customers WHERE customer_id IN (${keys(SQL_MAX_IN_LIST + 1)})`,
    { kind: 'parse', line: 1, text: `the IN list has too many items (the limit is ${SQL_MAX_IN_LIST})` }],
  ['in_list/huge_300000', `SELECT 1 WHERE 1 IN (${Array.from({ length: 300000 }, (_, i) => i % 10).join(',')})`, { kind: 'parse', text: 'too many' }],
  ['in_list/at_cap_keys', `SELECT COUNT(*) AS n FROM customers WHERE customer_id IN (${keys(SQL_MAX_IN_LIST)})`, { ok: true, rows: [['400']] }],
  ['in_list/at_cap_numbers', `SELECT COUNT(*) AS n FROM products WHERE price IN (${Array.from({ length: SQL_MAX_IN_LIST }, (_, i) => (i / 100).toFixed(2)).join(', ')})`,
    { ok: true, count: 1 }],

  // ---- size -------------------------------------------------------------------
  ['size/one_mib_exactly', Buffer.from(`SELECT 1 AS one${' '.repeat(MiB - 15)}`), { ok: true, rows: [['1']] }],
  ['size/one_mib_in_a_comment', Buffer.from(`SELECT 1 AS one /*${'x'.repeat(MiB - 20)}*/`), { ok: true, rows: [['1']] }],
  ['size/one_mib_string_literal', Buffer.from(`SELECT LENGTH('${'y'.repeat(MiB - 17)}')`), { ok: true, rows: [[String(MiB - 17)]] }],
  ['size/one_byte_past', Buffer.from(`SELECT 1${' '.repeat(MiB - 7)}`),
    { kind: 'argument', text: `Invalid arguments for run_sql: 'sql' is ${MiB + 1} characters long; the limit is ${MiB}.` }],
  ['size/two_mib', Buffer.from(`SELECT 1 /*${'z'.repeat(2 * MiB)}*/`), { kind: 'argument', text: `the limit is ${MiB}` }],
  ['size/past_in_bytes_not_characters', Buffer.from(`SELECT '${'é'.repeat(MiB / 2)}'`),
    { kind: 'parse', text: `the SQL text is too long: ${MiB + 9} bytes (the limit is ${MiB} bytes, 1 MiB)` }],

  // ---- NUL bytes --------------------------------------------------------------
  ['nul/after_statement', Buffer.from('SELECT 1\0'), syntax(1, 9, 'the SQL text contains a NUL byte')],
  ['nul/in_string', Buffer.from("SELECT 'a\0b'"), syntax(1, 10, 'the SQL text contains a NUL byte')],
  ['nul/in_quoted_identifier', Buffer.from('SELECT "a\0b" FROM customers'), syntax(1, 10, 'the SQL text contains a NUL byte')],
  ['nul/in_line_comment', Buffer.from('SELECT 1 -- x\0y'), syntax(1, 14, 'the SQL text contains a NUL byte')],
  ['nul/in_block_comment', Buffer.from('SELECT 1 /* \0 */'), syntax(1, 13, 'the SQL text contains a NUL byte')],
  ['nul/second_line', Buffer.from("SELECT name\nFROM customers\0 WHERE customer_id = 'C0002'"), syntax(2, 15, 'the SQL text contains a NUL byte')],
  ['nul/only_nul', Buffer.from('\0'), syntax(1, 1, 'the SQL text contains a NUL byte')],
];

function parseArgs(argv) {
  const o = { only: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--only') o.only = argv[++i];
    else {
      console.error('usage: run-bad-input.mjs [--only SUBSTRING]');
      process.exit(2);
    }
  }
  return o;
}

/** Runs one statement through ddbsql-sql, on stdin; parses its JSON output. */
async function run(sql, config) {
  const r = await runCli(['--config', config, '--max-rows', '1000', '-'], { stdin: sql });
  if (!r.problem) {
    try {
      r.result = parseJsonExact(r.stdout);
    } catch {
      r.problem = `stdout is not JSON: ${r.stdout.slice(0, 300)}`;
    }
  }
  return r;
}

/** What is wrong with r against the expectation, or null. */
function check(r, want) {
  if (r.problem) return r.problem;
  const res = r.result;
  const num = (v) => (v === undefined || v === null ? v : Number(String(v)));
  if (want.ok) {
    if (r.status !== 0) return `expected rows, got an error: ${exactJson(res).slice(0, 600)}`;
    if (want.rows) {
      const got = res.rows.map((row) => row.map((v) => (v === null ? 'NULL' : typeof v === 'string' ? JSON.stringify(v) : String(v))));
      if (JSON.stringify(got) !== JSON.stringify(want.rows)) return `expected rows ${JSON.stringify(want.rows)}, got ${JSON.stringify(got).slice(0, 600)}`;
    }
    if (want.count !== undefined && num(res.row_count) !== want.count) return `expected ${want.count} rows, got ${res.row_count}`;
    return null;
  }
  if (r.status !== 1) return `expected an error, got exit status ${r.status}: ${r.stdout.slice(0, 300)}`;
  const problems = [];
  if (typeof res.error !== 'string' || !res.error) problems.push('no error message');
  else if (!res.error.includes(want.text)) problems.push(`the message lacks ${JSON.stringify(want.text)}`);
  if (want.kind && res.kind !== want.kind) problems.push(`kind ${JSON.stringify(res.kind)}, expected ${JSON.stringify(want.kind)}`);
  if (want.kind === 'parse' || want.kind === 'bind') {
    // A SQL error says where: "line L, column C: ..." and the same as numbers.
    const m = /^line (\d+), column (\d+): /.exec(res.error || '');
    if (!m || Number(m[1]) !== num(res.line) || Number(m[2]) !== num(res.column)) {
      if (!/too long: \d+ bytes/.test(res.error)) problems.push('the message does not start with its line and column');
    }
    if (want.line !== undefined && num(res.line) !== want.line) problems.push(`line ${num(res.line)}, expected ${want.line}`);
    if (want.column !== undefined && num(res.column) !== want.column) problems.push(`column ${num(res.column)}, expected ${want.column}`);
  }
  return problems.length ? `${problems.join('; ')}\nerror object: ${exactJson(res).slice(0, 800)}` : null;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const rep_ = new Reporter('bad-input/');
  if (!fs.existsSync(SQL_BIN)) {
    rep_.notOk('ddbsql-sql', `${SQL_BIN} not found: build it (make VARIANT=${VARIANT})`);
    process.exit(rep_.finish());
  }
  const cases = CASES.filter(([name]) => !opts.only || name.includes(opts.only));
  const workDir = makeWorkDir('bad-input');
  let demo;
  try {
    demo = await startDemo(workDir);
  } catch (e) {
    rep_.notOk('start dynalite with the demo data', e.stack || e.message);
    process.exit(rep_.finish());
  }
  const jobs = Math.max(2, Math.min(4, os.availableParallelism?.() ?? os.cpus().length));
  const results = await pool(cases, jobs, async ([name, sql, want]) => ({ name, want, r: await run(sql, demo.config) }));
  await demo.stop();
  for (const { name, want, r } of results) {
    const why = check(r, want);
    if (why) rep_.notOk(name, why);
    else rep_.ok(name);
  }
  fs.rmSync(workDir, { recursive: true, force: true });
  process.exit(rep_.finish());
}

main();

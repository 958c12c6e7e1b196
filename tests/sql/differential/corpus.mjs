// The differential corpus: hand-written query templates over the
// gen-data.mjs tables, instantiated with parameters from a seeded PRNG.
//
// Each case: {name, sql (ddbsql), sqlite (when the spelling differs), ordered}.
// ordered: the ORDER BY gives a total order of the result, so the row order
// is compared too; otherwise results compare as multisets.
//
// Only constructs whose semantics agree between SQLite and ddbsql are here.
// Deliberate exclusions (covered by the golden files instead):
//   - `/`: SQLite divides integers as integers, ddbsql exactly (7/2 = 3.5);
//     division appears only with a REAL (decimal) operand.
//   - ROUND(x, n) with n > 0 on decimals: SQLite rounds the binary double
//     (2.675 -> 2.67), ddbsql the exact decimal (2.68). ROUND(x) is kept
//     (x.5 is exact in binary).
//   - CAST(decimal AS INTEGER): SQLite truncates, ddbsql rounds.
//   - `^`: bitwise XOR in ddbsql, not an operator in SQLite.
//   - INTERSECT ALL / EXCEPT ALL: SQLite has neither.
//   - comparisons across types (a string with a number): SQLite's type
//     affinity converts, ddbsql's follow DynamoDB (never equal).
//   - LIKE: SQLite's is case-insensitive by default; the runner sets
//     PRAGMA case_sensitive_like = ON. No non-ASCII text (LOWER/UPPER are
//     ASCII in both).
//   - a scalar subquery returning several rows (SQLite takes the first).
//   - booleans: the data has 0/1 flags; a boolean result of ddbsql compares
//     equal to SQLite's 1/0.
//   - VALUES with column aliases: SQLite spells it as a CTE with a column list.
// Numbers: integers compare exactly; a SQLite REAL (decimals are doubles
// there) compares with a relative tolerance of 1e-9 (see run-differential.mjs).

import { CATEGORIES, CITIES, generateRows, KINDS, makeRng, TAGS } from './gen-data.mjs';

export function buildCorpus() {
  const data = generateRows();
  const rng = makeRng(777);
  const cases = [];
  const add = (name, sql, opts = {}) => cases.push({ name, sql: sql.trim(), sqlite: opts.sqlite?.trim(), ordered: !!opts.ordered });
  const uids = data.users.map((u) => u.uid);
  const pick = (arr) => rng.pick(arr);
  const picks = (arr, k) => {
    const s = new Set();
    while (s.size < k) s.add(pick(arr));
    return [...s];
  };
  const q = (s) => `'${s.replace(/'/g, "''")}'`;
  const eventsOf = (uid) => data.events.filter((e) => e.uid === uid);
  const busy = uids.filter((u) => eventsOf(u).length >= 8);

  // ---- key lookups: GetItem, BatchGetItem, Query on table/GSI/LSI --------------
  for (const u of [...picks(uids, 4), 'U999']) add(`get_user_${u}`, `SELECT uid, name, city, age, score, nick FROM users WHERE uid = ${q(u)}`);
  for (let i = 0; i < 4; i++) {
    const u = pick(busy);
    const ev = eventsOf(u);
    const s = i === 3 ? 5 : pick(ev).seq;
    add(`get_event_${u}_${s}`, `SELECT uid, seq, kind, amount, qty, note FROM events WHERE uid = ${q(u)} AND seq = ${s}`);
  }
  for (let i = 0; i < 4; i++) {
    const ks = [...picks(uids, 3 + i * 2), 'U000'];
    add(`batch_users_${i}`, `SELECT uid, name, grp FROM users WHERE uid IN (${ks.map(q).join(', ')}) ORDER BY uid`, { ordered: true });
  }
  add('batch_items_numeric', `SELECT item_id, title, price FROM items WHERE item_id IN (3, 17, 42, 199, 250) ORDER BY item_id`, { ordered: true });
  for (let i = 0; i < 6; i++) {
    const u = pick(busy);
    add(`query_events_${i}`, `SELECT seq, kind, amount, qty FROM events WHERE uid = ${q(u)} ORDER BY seq${i % 2 ? ' DESC' : ''}`, { ordered: true });
  }
  const skOps = [['>', 50], ['>=', 40], ['<', 60], ['<=', 30], ['BETWEEN', '30 AND 80']];
  skOps.forEach(([op, v], i) => {
    const u = pick(busy);
    add(`query_events_sk_${i}`, `SELECT seq, amount FROM events WHERE uid = ${q(u)} AND seq ${op} ${v} ORDER BY seq DESC`, { ordered: true });
  });
  for (let i = 0; i < 3; i++) {
    const u = pick(busy);
    add(`query_events_limit_${i}`, `SELECT seq, kind FROM events WHERE uid = ${q(u)} ORDER BY seq DESC LIMIT ${i + 2}`, { ordered: true });
  }
  for (const c of picks(CITIES, 4)) {
    add(`gsi_city_${c}`, `SELECT uid, age, name FROM users WHERE city = ${q(c)} ORDER BY age, uid`, { ordered: true });
  }
  for (let i = 0; i < 3; i++) {
    const c = pick(CITIES);
    const lo = rng.int(18, 50);
    add(`gsi_city_age_${i}`, `SELECT uid, age FROM users WHERE city = ${q(c)} AND age BETWEEN ${lo} AND ${lo + 15} ORDER BY age DESC, uid`, { ordered: true });
  }
  for (const k of picks(KINDS, 4)) {
    const m = rng.int(1, 9);
    add(`gsi_kind_prefix_${k}_${m}`, `SELECT uid, seq, day FROM events WHERE kind = ${q(k)} AND day LIKE '2025-0${m}%' ORDER BY day, uid, seq`, { ordered: true });
  }
  for (const k of picks(KINDS, 3)) add(`gsi_kind_range_${k}`, `SELECT COUNT(*), SUM(qty) FROM events WHERE kind = ${q(k)} AND day >= '2025-07-01'`);
  for (const t of TAGS) add(`sparse_tag_${t.replace(/\W/g, '')}`, `SELECT uid, seq, tag, amount FROM events WHERE tag = ${q(t)} ORDER BY uid, seq`, { ordered: true });
  add('sparse_tag_is_null', 'SELECT COUNT(*) FROM events WHERE tag IS NULL');
  add('sparse_tag_not_equal', "SELECT COUNT(*) FROM events WHERE tag <> 'red'");
  add('sparse_city_missing', 'SELECT uid FROM users WHERE city IS NULL ORDER BY uid', { ordered: true });
  for (let i = 0; i < 3; i++) {
    const u = pick(busy);
    add(`lsi_amount_${i}`, `SELECT seq, amount FROM events WHERE uid = ${q(u)} AND amount > ${rng.int(0, 200)} ORDER BY amount, seq`, { ordered: true });
  }
  for (const c of picks(CATEGORIES, 3)) {
    add(`gsi_category_${c}`, `SELECT item_id, title, price, stock FROM items WHERE category = ${q(c)} AND price < ${rng.int(100, 600)} ORDER BY price, item_id`, { ordered: true });
  }
  for (const n of [1, 100, 200, 201]) add(`get_item_${n}`, `SELECT item_id, title, category, price, stock, owner, rating FROM items WHERE item_id = ${n}`);

  // ---- scans with filters ----------------------------------------------------
  for (let i = 0; i < 4; i++) {
    const a = rng.int(20, 70);
    add(`scan_age_active_${i}`, `SELECT uid, age FROM users WHERE age > ${a} AND active = ${i % 2} ORDER BY uid`, { ordered: true });
  }
  for (const p of ['al', 'Al', 'AL', 'car', 'e', 'Mal', 'z']) add(`like_prefix_${p}`, `SELECT uid, name FROM users WHERE name LIKE '${p}%' ORDER BY uid`, { ordered: true });
  for (const p of ['ice', 'o', "O'N", ' de ']) add(`like_infix_${p.replace(/\W/g, '_')}`, `SELECT uid, name FROM users WHERE name LIKE ${q(`%${p}%`)} ORDER BY uid`, { ordered: true });
  add('like_underscore', "SELECT uid, name FROM users WHERE name LIKE '_ve %' ORDER BY uid", { ordered: true });
  add('like_not', "SELECT COUNT(*) FROM users WHERE name NOT LIKE '%e%'");
  add('like_escape_underscore', "SELECT uid, seq, tag FROM events WHERE tag LIKE 'x!_%' ESCAPE '!' ORDER BY uid, seq", { ordered: true });
  add('like_escape_percent', "SELECT uid, nick FROM users WHERE nick LIKE '%!%' ESCAPE '!' ORDER BY uid", { ordered: true });
  add('like_percent_literal_wild', "SELECT uid, seq, tag FROM events WHERE tag LIKE 'x%y' ORDER BY uid, seq", { ordered: true });
  for (let i = 0; i < 3; i++) {
    const lo = rng.int(0, 400);
    add(`between_score_${i}`, `SELECT uid, score FROM users WHERE score BETWEEN ${lo} AND ${lo + 100}.5 ORDER BY score, uid`, { ordered: true });
  }
  add('not_between', 'SELECT COUNT(*) FROM users WHERE age NOT BETWEEN 30 AND 60');
  for (let i = 0; i < 3; i++) {
    const cs = picks(CITIES, 3);
    add(`in_cities_${i}`, `SELECT uid, city FROM users WHERE city IN (${cs.map(q).join(', ')}) ORDER BY uid`, { ordered: true });
    add(`not_in_cities_${i}`, `SELECT COUNT(*) FROM users WHERE city NOT IN (${cs.map(q).join(', ')})`);
  }
  add('not_in_with_null', "SELECT COUNT(*) FROM users WHERE city NOT IN ('Paris', NULL)");
  add('in_with_null', "SELECT COUNT(*) FROM users WHERE city IN ('Paris', NULL)");
  add('is_null_nick', 'SELECT uid FROM users WHERE nick IS NULL AND grp = 3 ORDER BY uid', { ordered: true });
  add('is_not_null_nick', 'SELECT uid, nick FROM users WHERE nick IS NOT NULL ORDER BY uid', { ordered: true });
  add('not_equal_age', 'SELECT COUNT(*) FROM users WHERE age <> 40');
  add('three_valued_not_or', "SELECT uid FROM users WHERE NOT (age > 30 OR city = 'Paris') ORDER BY uid", { ordered: true });
  add('three_valued_and_null', 'SELECT COUNT(*) FROM users WHERE NOT (age > 30 AND score > 100)');
  add('or_across_columns', "SELECT uid FROM users WHERE city = 'Oslo' OR age < 20 OR nick = 'x' ORDER BY uid", { ordered: true });
  add('filter_decimal_eq', `SELECT uid, seq FROM events WHERE amount = ${pick(data.events.filter((e) => e.amount)).amount.dec} ORDER BY uid, seq`, { ordered: true });
  add('filter_negative', 'SELECT uid, seq, amount FROM events WHERE amount < 0 AND qty > 15 ORDER BY uid, seq', { ordered: true });
  add('filter_string_range', "SELECT uid, created FROM users WHERE created >= '2025-06' AND created < '2025-07' ORDER BY uid", { ordered: true });
  add('filter_expr_both_sides', 'SELECT uid, seq FROM events WHERE qty * 10 > seq + 150 ORDER BY uid, seq LIMIT 40', { ordered: true });
  add('filter_items_numeric_range', 'SELECT item_id FROM items WHERE item_id > 190 OR item_id < 4 ORDER BY item_id', { ordered: true });
  add('filter_pk_range_scan', "SELECT uid FROM users WHERE uid BETWEEN 'U100' AND 'U110' ORDER BY uid", { ordered: true });
  add('filter_pk_not_equal', "SELECT COUNT(*) FROM users WHERE uid <> 'U001'");
  add('filter_sk_only', 'SELECT COUNT(*) FROM events WHERE seq = 15');
  add('filter_flag_bool_expr', 'SELECT uid, seq, flag = 1 AND qty > 10 FROM events WHERE uid = ' + q(pick(busy)) + ' ORDER BY seq', { ordered: true });

  // ---- ORDER BY / LIMIT / OFFSET ------------------------------------------------
  for (let i = 0; i < 4; i++) {
    add(`order_age_desc_${i}`, `SELECT uid, age FROM users ORDER BY age DESC, uid LIMIT ${rng.int(3, 20)} OFFSET ${rng.int(0, 30)}`, { ordered: true });
  }
  add('order_nulls_first_asc', 'SELECT uid, score FROM users ORDER BY score, uid LIMIT 40', { ordered: true });
  add('order_nulls_last_desc', 'SELECT uid, city FROM users ORDER BY city DESC, uid LIMIT 300', { ordered: true });
  add('order_by_position', 'SELECT grp, uid FROM users ORDER BY 1 DESC, 2 LIMIT 25', { ordered: true });
  add('order_by_alias', 'SELECT uid, age * 2 AS dbl FROM users WHERE age IS NOT NULL ORDER BY dbl, uid LIMIT 30', { ordered: true });
  add('order_by_expression', 'SELECT uid, name FROM users ORDER BY LENGTH(name) DESC, uid LIMIT 20', { ordered: true });
  add('order_by_not_selected', 'SELECT uid FROM users ORDER BY created, uid LIMIT 15', { ordered: true });
  add('order_by_string_case', 'SELECT DISTINCT name FROM users ORDER BY name LIMIT 50', { ordered: true });
  add('limit_zero', 'SELECT uid FROM users LIMIT 0');
  add('offset_past_end', 'SELECT uid FROM users ORDER BY uid LIMIT 10 OFFSET 1000', { ordered: true });
  add('offset_only', 'SELECT uid FROM users ORDER BY uid OFFSET 295', { ordered: true, sqlite: 'SELECT uid FROM users ORDER BY uid LIMIT -1 OFFSET 295' });
  add('order_decimal', 'SELECT item_id, price FROM items ORDER BY price DESC, item_id LIMIT 12', { ordered: true });
  add('order_mixed_directions', 'SELECT uid, seq, kind FROM events ORDER BY kind, seq DESC, uid LIMIT 60', { ordered: true });

  // ---- aggregates -------------------------------------------------------------------
  add('agg_users_all', 'SELECT COUNT(*), COUNT(age), COUNT(DISTINCT city), SUM(age), MIN(age), MAX(age), AVG(age) FROM users');
  add('agg_scores', 'SELECT SUM(score), AVG(score), MIN(score), MAX(score), COUNT(score) FROM users');
  for (let g = 0; g < 4; g++) add(`agg_users_grp_${g}`, `SELECT COUNT(*), SUM(score), MIN(name), MAX(created) FROM users WHERE grp = ${g * 3}`);
  add('agg_empty', 'SELECT COUNT(*), SUM(age), MIN(age), AVG(score), COUNT(DISTINCT city) FROM users WHERE age > 1000');
  add('agg_events_totals', 'SELECT COUNT(*), SUM(amount), SUM(qty), AVG(qty), COUNT(DISTINCT uid), COUNT(tag), COUNT(note) FROM events');
  add('agg_min_max_strings', 'SELECT MIN(note), MAX(note), MIN(day), MAX(day) FROM events');
  add('group_city', 'SELECT city, COUNT(*) AS n, SUM(score), MIN(age), MAX(age) FROM users GROUP BY city ORDER BY city', { ordered: true });
  add('group_grp_having', 'SELECT grp, COUNT(*) FROM users GROUP BY grp HAVING COUNT(*) > 28 ORDER BY grp', { ordered: true });
  add('group_by_position', 'SELECT active, grp, COUNT(*) FROM users GROUP BY 1, 2 ORDER BY 1, 2', { ordered: true });
  add('group_by_alias', 'SELECT MOD(age, 10) AS bucket, COUNT(*) FROM users WHERE age IS NOT NULL GROUP BY bucket ORDER BY bucket', { ordered: true });
  add('group_by_expression', 'SELECT UPPER(city), COUNT(*) FROM users GROUP BY UPPER(city) ORDER BY 1', { ordered: true });
  add('group_by_case', "SELECT CASE WHEN age < 30 THEN 'young' WHEN age < 60 THEN 'mid' ELSE 'old' END AS band, COUNT(*), AVG(score) FROM users GROUP BY 1 ORDER BY 1", { ordered: true });
  add('group_events_uid_having', 'SELECT uid, COUNT(*), SUM(amount), SUM(qty) FROM events GROUP BY uid HAVING SUM(qty) > 110 ORDER BY uid', { ordered: true });
  add('group_kind_distinct', 'SELECT kind, COUNT(DISTINCT uid), COUNT(*), MAX(amount) FROM events GROUP BY kind ORDER BY kind', { ordered: true });
  add('group_having_not_selected', 'SELECT kind FROM events GROUP BY kind HAVING MIN(qty) = 0 AND AVG(amount) > 200 ORDER BY kind', { ordered: true });
  add('group_having_without_agg_in_select', 'SELECT city FROM users GROUP BY city HAVING COUNT(DISTINCT grp) >= 8 ORDER BY city', { ordered: true });
  add('group_two_keys', 'SELECT kind, flag, COUNT(*), SUM(qty) FROM events GROUP BY kind, flag ORDER BY kind, flag', { ordered: true });
  add('group_null_key', 'SELECT tag, COUNT(*) FROM events GROUP BY tag ORDER BY tag', { ordered: true });
  add('group_by_day_prefix', 'SELECT SUBSTRING(day, 1, 7) AS month, COUNT(*), SUM(amount) FROM events GROUP BY SUBSTRING(day, 1, 7) ORDER BY month', { ordered: true });
  add('agg_expression_args', 'SELECT SUM(qty * 2 + 1), MAX(amount - 1), MIN(-qty) FROM events');
  add('agg_case_inside', "SELECT SUM(CASE kind WHEN 'buy' THEN qty ELSE 0 END), COUNT(CASE WHEN flag = 1 THEN 1 END) FROM events");
  add('agg_order_by_aggregate', 'SELECT city, COUNT(*) FROM users WHERE city IS NOT NULL GROUP BY city ORDER BY COUNT(*) DESC, city', { ordered: true });
  add('agg_count_distinct_expr', 'SELECT COUNT(DISTINCT LOWER(city)), COUNT(DISTINCT grp) FROM users');
  add('agg_having_only', 'SELECT COUNT(*) FROM users HAVING COUNT(*) > 5');
  add('agg_having_false', 'SELECT COUNT(*) FROM users HAVING COUNT(*) > 5000');
  add('agg_group_limit', 'SELECT grp, SUM(age) FROM users GROUP BY grp ORDER BY SUM(age) DESC, grp LIMIT 3', { ordered: true });
  for (let i = 0; i < 3; i++) {
    const u = pick(busy);
    add(`agg_query_one_user_${i}`, `SELECT COUNT(*), SUM(amount), MIN(seq), MAX(seq) FROM events WHERE uid = ${q(u)}`);
  }

  // ---- DISTINCT ------------------------------------------------------------------------
  add('distinct_city', 'SELECT DISTINCT city FROM users');
  add('distinct_two', 'SELECT DISTINCT kind, flag FROM events ORDER BY kind, flag', { ordered: true });
  add('distinct_lower', 'SELECT DISTINCT LOWER(kind) FROM events ORDER BY 1', { ordered: true });
  add('distinct_with_nulls', 'SELECT DISTINCT tag FROM events ORDER BY tag', { ordered: true });
  add('distinct_limit', 'SELECT DISTINCT grp FROM users ORDER BY grp DESC LIMIT 4', { ordered: true });
  add('distinct_numbers_equal_values', 'SELECT DISTINCT rating FROM items ORDER BY rating', { ordered: true });

  // ---- joins ----------------------------------------------------------------------------
  for (let g = 0; g < 3; g++) {
    add(`join_inner_${g}`, `SELECT u.uid, u.name, e.seq, e.amount FROM users u JOIN events e ON e.uid = u.uid WHERE u.grp = ${g} AND u.active = 1 ORDER BY u.uid, e.seq`, { ordered: true });
  }
  add('join_inner_explicit', "SELECT e.uid, e.seq, u.city FROM events e INNER JOIN users u ON u.uid = e.uid WHERE e.kind = 'refund' ORDER BY e.uid, e.seq", { ordered: true });
  add('join_lookup_items_owner', 'SELECT i.item_id, i.owner, u.name FROM items i JOIN users u ON u.uid = i.owner ORDER BY i.item_id', { ordered: true });
  add('join_left_dangling', 'SELECT i.item_id, i.owner, u.name FROM items i LEFT JOIN users u ON u.uid = i.owner ORDER BY i.item_id', { ordered: true });
  add('join_left_no_match_only', 'SELECT i.item_id, i.owner FROM items i LEFT JOIN users u ON u.uid = i.owner WHERE u.uid IS NULL ORDER BY i.item_id', { ordered: true });
  add('join_left_on_extra_condition', "SELECT u.uid, e.seq FROM users u LEFT JOIN events e ON e.uid = u.uid AND e.kind = 'share' WHERE u.grp = 5 ORDER BY u.uid, e.seq", { ordered: true });
  add('join_right', 'SELECT i.item_id, u.uid FROM (SELECT item_id, owner FROM items WHERE item_id <= 60) i RIGHT JOIN (SELECT uid FROM users WHERE grp = 2) u ON u.uid = i.owner ORDER BY u.uid, i.item_id', { ordered: true });
  add('join_full', 'SELECT i.item_id, u.uid FROM (SELECT item_id, owner FROM items WHERE item_id <= 60) i FULL JOIN (SELECT uid FROM users WHERE grp = 2) u ON u.uid = i.owner');
  add('join_full_outer_count', 'SELECT COUNT(*), COUNT(i.item_id), COUNT(u.uid) FROM items i FULL OUTER JOIN users u ON u.uid = i.owner');
  add('join_using', "SELECT uid, name, seq FROM events JOIN users USING (uid) WHERE kind = 'Click' ORDER BY uid, seq", { ordered: true });
  add('join_using_left', 'SELECT uid, COUNT(seq) FROM users LEFT JOIN events USING (uid) WHERE grp = 7 GROUP BY uid ORDER BY uid', { ordered: true });
  add('join_comma', 'SELECT a.code, b.code FROM codes a, codes b WHERE a.weight = b.weight AND a.code < b.code ORDER BY a.code, b.code', { ordered: true });
  add('join_cross', 'SELECT c.code, k.kind FROM codes c CROSS JOIN (SELECT DISTINCT kind FROM events) k WHERE c.weight = 1 ORDER BY c.code, k.kind', { ordered: true });
  add('join_cross_count', 'SELECT COUNT(*) FROM codes a CROSS JOIN codes b CROSS JOIN codes c');
  add('join_non_equi', "SELECT e.uid, e.seq, c.code FROM events e JOIN codes c ON e.qty < c.weight WHERE e.uid IN ('U010', 'U020', 'U030') ORDER BY e.uid, e.seq, c.code", { ordered: true });
  add('join_codes_kind', 'SELECT c.label, COUNT(*) FROM events e JOIN codes c ON c.code = e.kind GROUP BY c.label ORDER BY c.label', { ordered: true });
  add('join_codes_tag_left', 'SELECT e.tag, c.label, COUNT(*) FROM events e LEFT JOIN codes c ON c.code = e.tag GROUP BY e.tag, c.label ORDER BY e.tag, c.label', { ordered: true });
  add('join_self', 'SELECT a.uid, b.uid FROM users a JOIN users b ON a.name = b.name AND a.uid < b.uid ORDER BY a.uid, b.uid', { ordered: true });
  add('join_three_way', "SELECT u.uid, e.seq, i.item_id FROM users u JOIN events e ON e.uid = u.uid JOIN items i ON i.owner = u.uid WHERE e.kind = 'buy' AND u.grp = 4 ORDER BY u.uid, e.seq, i.item_id", { ordered: true });
  add('join_aggregate_per_user', 'SELECT u.city, COUNT(e.seq), SUM(e.amount) FROM users u LEFT JOIN events e ON e.uid = u.uid GROUP BY u.city ORDER BY u.city', { ordered: true });
  add('join_filter_both_sides', "SELECT u.uid, e.seq FROM users u JOIN events e ON u.uid = e.uid WHERE u.city = 'Bern' AND e.amount > 250 ORDER BY u.uid, e.seq", { ordered: true });
  add('join_key_lookup_point', `SELECT e.seq, u.name FROM events e JOIN users u ON u.uid = e.uid WHERE e.uid = ${q(pick(busy))} ORDER BY e.seq`, { ordered: true });
  add('join_numeric_key', 'SELECT e.uid, e.seq, i.title FROM events e JOIN items i ON i.item_id = e.qty WHERE e.uid < \'U020\' ORDER BY e.uid, e.seq', { ordered: true });
  add('join_left_then_inner', "SELECT i.item_id, u.uid, c.label FROM items i LEFT JOIN users u ON u.uid = i.owner JOIN codes c ON c.code = i.category WHERE i.item_id < 80 ORDER BY i.item_id", { ordered: true });
  add('join_parenthesised', 'SELECT a.code, b.code, c.code FROM codes a JOIN (codes b JOIN codes c ON b.weight = c.weight) ON a.weight = b.weight WHERE a.weight = 3 ORDER BY 1, 2, 3', { ordered: true });

  // ---- subqueries ---------------------------------------------------------------------------
  add('scalar_subquery_avg', 'SELECT uid, age FROM users WHERE age > (SELECT AVG(age) FROM users) + 20 ORDER BY uid', { ordered: true });
  for (let g = 0; g < 2; g++) add(`correlated_scalar_count_${g}`, `SELECT u.uid, (SELECT COUNT(*) FROM events e WHERE e.uid = u.uid) AS n FROM users u WHERE u.grp = ${g + 6} ORDER BY u.uid`, { ordered: true });
  add('correlated_scalar_max', "SELECT u.uid, (SELECT MAX(e.amount) FROM events e WHERE e.uid = u.uid AND e.kind = 'buy') FROM users u WHERE u.city = 'Oslo' ORDER BY u.uid", { ordered: true });
  add('scalar_in_select_uncorrelated', 'SELECT uid, (SELECT COUNT(*) FROM codes) FROM users WHERE uid < \'U005\' ORDER BY uid', { ordered: true });
  add('in_subquery', "SELECT uid, name FROM users WHERE uid IN (SELECT uid FROM events WHERE kind = 'refund' AND qty > 18) ORDER BY uid", { ordered: true });
  add('not_in_subquery', "SELECT COUNT(*) FROM users WHERE uid NOT IN (SELECT uid FROM events WHERE kind = 'buy')");
  add('not_in_subquery_with_nulls', 'SELECT COUNT(*) FROM users WHERE city NOT IN (SELECT city FROM users WHERE grp = 1)');
  add('in_subquery_numeric', 'SELECT item_id, title FROM items WHERE item_id IN (SELECT qty FROM events WHERE kind = \'share\') ORDER BY item_id', { ordered: true });
  add('exists_correlated', "SELECT uid FROM users u WHERE EXISTS (SELECT 1 FROM events e WHERE e.uid = u.uid AND e.tag = 'blue') ORDER BY uid", { ordered: true });
  add('not_exists_correlated', 'SELECT uid FROM users u WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.uid = u.uid) ORDER BY uid', { ordered: true });
  add('exists_uncorrelated', "SELECT COUNT(*) FROM users WHERE EXISTS (SELECT 1 FROM codes WHERE code = 'K1')");
  add('correlated_in_where_compare', 'SELECT e.uid, e.seq, e.amount FROM events e WHERE e.uid < \'U020\' AND e.amount > (SELECT AVG(e2.amount) FROM events e2 WHERE e2.uid = e.uid) * 2 ORDER BY e.uid, e.seq', { ordered: true });
  add('derived_table', 'SELECT x.city, x.n FROM (SELECT city, COUNT(*) AS n FROM users GROUP BY city) x WHERE x.n > 25 ORDER BY x.city', { ordered: true });
  add('derived_table_join', 'SELECT u.uid, t.total FROM users u JOIN (SELECT uid, SUM(amount) AS total FROM events GROUP BY uid) t ON t.uid = u.uid WHERE u.grp = 8 ORDER BY u.uid', { ordered: true });
  add('derived_nested', 'SELECT MAX(n) FROM (SELECT grp, COUNT(*) AS n FROM (SELECT * FROM users WHERE active = 1) a GROUP BY grp) b');
  add('subquery_in_having', 'SELECT grp, COUNT(*) FROM users GROUP BY grp HAVING COUNT(*) > (SELECT COUNT(*) FROM users) / 10.0 ORDER BY grp', { ordered: true });
  add('subquery_in_case', "SELECT uid, CASE WHEN uid IN (SELECT owner FROM items WHERE owner IS NOT NULL) THEN 'owner' ELSE 'none' END FROM users WHERE grp = 1 ORDER BY uid", { ordered: true });

  // ---- CTEs -------------------------------------------------------------------------------------
  add('cte_single', 'WITH big AS (SELECT uid, amount FROM events WHERE amount > 400) SELECT COUNT(*), SUM(amount) FROM big');
  add('cte_chain', 'WITH a AS (SELECT uid, SUM(qty) AS q FROM events GROUP BY uid), b AS (SELECT uid, q FROM a WHERE q > 80) SELECT b.uid, b.q, u.city FROM b JOIN users u ON u.uid = b.uid ORDER BY b.uid', { ordered: true });
  add('cte_used_twice', 'WITH g AS (SELECT grp, COUNT(*) AS n FROM users GROUP BY grp) SELECT a.grp, b.grp FROM g a JOIN g b ON a.n = b.n AND a.grp < b.grp ORDER BY 1, 2', { ordered: true });
  add('cte_column_list', 'WITH t (k, total) AS (SELECT kind, SUM(qty) FROM events GROUP BY kind) SELECT k, total FROM t ORDER BY total DESC, k', { ordered: true });
  add('cte_values', "SELECT v.k, v.w, COUNT(e.seq) FROM (VALUES ('buy', 1), ('view', 2), ('none', 3)) AS v (k, w) LEFT JOIN events e ON e.kind = v.k GROUP BY v.k, v.w ORDER BY v.k", {
    ordered: true,
    sqlite: "WITH v (k, w) AS (VALUES ('buy', 1), ('view', 2), ('none', 3)) SELECT v.k, v.w, COUNT(e.seq) FROM v LEFT JOIN events e ON e.kind = v.k GROUP BY v.k, v.w ORDER BY v.k",
  });
  add('values_alone', "SELECT n * 2, s FROM (VALUES (1, 'a'), (2, 'b'), (3, NULL)) AS v (n, s) ORDER BY n", {
    ordered: true,
    sqlite: "WITH v (n, s) AS (VALUES (1, 'a'), (2, 'b'), (3, NULL)) SELECT n * 2, s FROM v ORDER BY n",
  });
  add('cte_in_subquery', "WITH r AS (SELECT uid FROM events WHERE kind = 'refund') SELECT COUNT(*) FROM users WHERE uid IN (SELECT uid FROM r)");

  // ---- set operations ---------------------------------------------------------------------------
  add('union', 'SELECT city FROM users WHERE grp = 1 UNION SELECT city FROM users WHERE grp = 2 ORDER BY 1', { ordered: true });
  add('union_all', 'SELECT uid FROM users WHERE grp = 1 UNION ALL SELECT uid FROM users WHERE age < 25');
  add('union_all_count', 'SELECT COUNT(*) FROM (SELECT kind FROM events UNION ALL SELECT code FROM codes) t');
  add('intersect', 'SELECT uid FROM events WHERE kind = \'buy\' INTERSECT SELECT uid FROM events WHERE kind = \'refund\' ORDER BY uid', { ordered: true });
  add('except', 'SELECT uid FROM users EXCEPT SELECT uid FROM events ORDER BY uid', { ordered: true });
  add('except_nulls', 'SELECT city FROM users WHERE grp < 5 EXCEPT SELECT city FROM users WHERE grp >= 5');
  add('union_order_limit', 'SELECT name FROM users WHERE grp = 0 UNION SELECT title FROM items WHERE stock < 10 ORDER BY 1 DESC LIMIT 7 OFFSET 2', { ordered: true });
  add('union_two_columns', "SELECT uid, 'user' FROM users WHERE grp = 9 UNION SELECT owner, 'item' FROM items WHERE rating = 5 AND owner IS NOT NULL ORDER BY 1, 2", { ordered: true });
  add('union_chain', "SELECT code FROM codes WHERE weight = 0 UNION SELECT code FROM codes WHERE weight = 1 EXCEPT SELECT code FROM codes WHERE code LIKE 'K%' ORDER BY 1", { ordered: true });
  add('intersect_numbers', 'SELECT qty FROM events WHERE kind = \'view\' INTERSECT SELECT rating FROM items ORDER BY 1', { ordered: true });

  // ---- CASE, COALESCE, NULLIF --------------------------------------------------------------------
  add('case_searched', "SELECT uid, CASE WHEN age IS NULL THEN 'unknown' WHEN age < 30 THEN 'young' ELSE 'older' END FROM users WHERE grp = 2 ORDER BY uid", { ordered: true });
  add('case_simple', "SELECT seq, CASE kind WHEN 'buy' THEN 'B' WHEN 'view' THEN 'V' ELSE kind END FROM events WHERE uid = " + q(pick(busy)) + ' ORDER BY seq', { ordered: true });
  add('case_no_else', "SELECT uid, CASE WHEN score > 900 THEN 'high' END FROM users WHERE grp = 4 ORDER BY uid", { ordered: true });
  add('case_null_when', 'SELECT COUNT(*), SUM(CASE WHEN nick IS NULL THEN 1 ELSE 0 END) FROM users');
  add('coalesce', "SELECT uid, COALESCE(nick, city, 'none') FROM users WHERE grp = 6 ORDER BY uid", { ordered: true });
  add('coalesce_numbers', 'SELECT SUM(COALESCE(qty, 0)), SUM(COALESCE(amount, -1)) FROM events');
  add('nullif', "SELECT uid, NULLIF(city, 'Paris'), NULLIF(grp, 3) FROM users WHERE grp IN (3, 4) ORDER BY uid", { ordered: true });

  // ---- strings -------------------------------------------------------------------------------------
  add('upper_lower_length', 'SELECT uid, UPPER(name), LOWER(name), LENGTH(name) FROM users WHERE grp = 5 ORDER BY uid', { ordered: true });
  add('substring_forms', 'SELECT uid, SUBSTRING(name, 2, 3), SUBSTRING(name, 4), SUBSTRING(name FROM 1 FOR 2) FROM users WHERE grp = 7 ORDER BY uid', {
    ordered: true,
    sqlite: 'SELECT uid, SUBSTRING(name, 2, 3), SUBSTRING(name, 4), SUBSTRING(name, 1, 2) FROM users WHERE grp = 7 ORDER BY uid',
  });
  add('substring_past_end', "SELECT SUBSTRING(uid, 3, 10), SUBSTRING(uid, 9) FROM users WHERE uid = 'U123'");
  add('trim_forms', 'SELECT uid, TRIM(nick), TRIM(LEADING FROM nick), TRIM(TRAILING FROM nick), LENGTH(TRIM(nick)) FROM users WHERE nick IS NOT NULL ORDER BY uid', {
    ordered: true,
    sqlite: 'SELECT uid, TRIM(nick), LTRIM(nick), RTRIM(nick), LENGTH(TRIM(nick)) FROM users WHERE nick IS NOT NULL ORDER BY uid',
  });
  add('trim_chars', "SELECT uid, TRIM(BOTH 'U0' FROM uid) FROM users WHERE uid < 'U012' ORDER BY uid", {
    ordered: true,
    sqlite: "SELECT uid, TRIM(uid, 'U0') FROM users WHERE uid < 'U012' ORDER BY uid",
  });
  add('replace', "SELECT uid, REPLACE(name, 'e', 'E'), REPLACE(name, ' ', '') FROM users WHERE grp = 1 ORDER BY uid", { ordered: true });
  add('position', "SELECT uid, POSITION('e' IN name), POSITION(' ' IN name), POSITION('zz' IN name) FROM users WHERE grp = 8 ORDER BY uid", {
    ordered: true,
    sqlite: "SELECT uid, INSTR(name, 'e'), INSTR(name, ' '), INSTR(name, 'zz') FROM users WHERE grp = 8 ORDER BY uid",
  });
  add('concat', "SELECT uid, name || ' (' || city || ')', uid || '-' || CAST(grp AS TEXT) FROM users WHERE grp = 0 ORDER BY uid", { ordered: true });
  add('concat_null', "SELECT COUNT(*) FROM users WHERE (nick || 'x') IS NULL");
  add('string_compare_case', "SELECT COUNT(*) FROM users WHERE name < 'a'");
  add('lower_filter', "SELECT uid FROM users WHERE LOWER(city) = 'austin' ORDER BY uid", { ordered: true });
  add('upper_group', 'SELECT UPPER(kind), COUNT(*) FROM events GROUP BY UPPER(kind) ORDER BY 1', { ordered: true });
  add('length_filter', 'SELECT uid, name FROM users WHERE LENGTH(name) > 14 ORDER BY uid', { ordered: true });

  // ---- arithmetic and math ----------------------------------------------------------------------
  add('arith_ints', 'SELECT uid, seq, qty * 2 + 1, qty - seq, -qty, seq % 7 FROM events WHERE uid = ' + q(pick(busy)) + ' ORDER BY seq', { ordered: true });
  add('arith_decimals', 'SELECT uid, seq, amount * qty, amount + 0.01, amount - 100.5, amount / 4 FROM events WHERE uid = ' + q(pick(busy)) + ' ORDER BY seq', { ordered: true });
  add('arith_precedence', 'SELECT 2 + 3 * 4 - 5, (2 + 3) * 4, 10 - 2 - 3, -(-4), 7 % 3, -7 % 3');
  add('abs_floor_ceil', 'SELECT uid, ABS(score), FLOOR(score), CEIL(score), ROUND(score) FROM users WHERE grp = 3 ORDER BY uid', { ordered: true });
  add('mod_function', 'SELECT seq, MOD(seq, 7), MOD(qty, 4) FROM events WHERE uid = ' + q(pick(busy)) + ' ORDER BY seq', { ordered: true });
  add('bitwise', 'SELECT seq, seq & 7, seq | 8, seq << 2, seq >> 1, ~seq FROM events WHERE uid = ' + q(pick(busy)) + ' ORDER BY seq', { ordered: true });
  add('arith_in_filter', 'SELECT COUNT(*) FROM events WHERE amount * 2 > qty * 50');
  add('arith_null_propagation', 'SELECT COUNT(*), COUNT(qty + amount), COUNT(qty * 0) FROM events');
  add('round_half', 'SELECT ROUND(2.5), ROUND(-2.5), ROUND(0.5), ROUND(1.49), FLOOR(-1.5), CEIL(-1.5), ABS(-0.75)');
  add('decimal_literals', 'SELECT 0.25 + 0.5, 1.5 * 2, 100 - 0.01, 3 * 0.5');
  add('cast_forms', 'SELECT uid, CAST(age AS TEXT), CAST(grp AS DECIMAL), CAST(SUBSTRING(uid, 2) AS INTEGER) FROM users WHERE grp = 2 ORDER BY uid', { ordered: true });
  add('cast_text_to_int', "SELECT CAST('42' AS INTEGER) + 1, CAST('7' AS INT) * 2, CAST(' 12 ' AS INTEGER)", { sqlite: "SELECT CAST('42' AS INTEGER) + 1, CAST('7' AS INT) * 2, CAST(' 12 ' AS INTEGER)" });
  add('cast_double', 'SELECT seq, CAST(qty AS DOUBLE) / 4 FROM events WHERE uid = ' + q(pick(busy)) + ' ORDER BY seq', { ordered: true });

  // ---- window functions --------------------------------------------------------------------------
  add('win_row_number', 'SELECT uid, city, age, ROW_NUMBER() OVER (PARTITION BY city ORDER BY age, uid) FROM users WHERE grp < 3 ORDER BY uid', { ordered: true });
  add('win_rank_ties', 'SELECT uid, age, RANK() OVER (ORDER BY age) FROM users WHERE grp = 4 ORDER BY uid', { ordered: true });
  add('win_dense_rank', 'SELECT uid, grp, age, DENSE_RANK() OVER (PARTITION BY grp ORDER BY age DESC) FROM users WHERE grp IN (1, 2) ORDER BY uid', { ordered: true });
  add('win_running_sum_unique', 'SELECT uid, seq, amount, SUM(amount) OVER (PARTITION BY uid ORDER BY seq) FROM events WHERE uid < \'U015\' ORDER BY uid, seq', { ordered: true });
  add('win_running_sum_peers', "SELECT uid, seq, day, SUM(qty) OVER (PARTITION BY kind ORDER BY SUBSTRING(day, 1, 7)) FROM events WHERE kind = 'share' ORDER BY uid, seq", { ordered: true });
  add('win_count_partition', 'SELECT uid, city, COUNT(*) OVER (PARTITION BY city) FROM users WHERE grp = 9 ORDER BY uid', { ordered: true });
  add('win_avg_all', 'SELECT uid, age, AVG(age) OVER () FROM users WHERE grp = 0 ORDER BY uid', { ordered: true });
  add('win_min_max', 'SELECT uid, grp, MIN(score) OVER (PARTITION BY grp), MAX(score) OVER (PARTITION BY grp) FROM users WHERE grp > 7 ORDER BY uid', { ordered: true });
  add('win_running_count_desc', 'SELECT uid, age, COUNT(*) OVER (ORDER BY age DESC) FROM users WHERE city = \'Paris\' ORDER BY uid', { ordered: true });
  add('win_top_per_group', 'SELECT uid, grp, score FROM (SELECT uid, grp, score, ROW_NUMBER() OVER (PARTITION BY grp ORDER BY score DESC, uid) AS rn FROM users) t WHERE rn <= 2 ORDER BY grp, rn', { ordered: true });
  add('win_over_aggregate', 'SELECT city, COUNT(*), RANK() OVER (ORDER BY COUNT(*) DESC) FROM users GROUP BY city ORDER BY city', { ordered: true });
  add('win_in_expression', 'SELECT uid, seq, amount - AVG(amount) OVER (PARTITION BY uid) FROM events WHERE uid < \'U008\' ORDER BY uid, seq', { ordered: true });
  add('win_multiple_partitions', 'SELECT uid, seq, ROW_NUMBER() OVER (PARTITION BY uid ORDER BY seq DESC), COUNT(*) OVER (PARTITION BY kind) FROM events WHERE uid < \'U006\' ORDER BY uid, seq', { ordered: true });
  add('win_nulls_in_order', 'SELECT uid, score, RANK() OVER (ORDER BY score) FROM users WHERE grp = 5 ORDER BY uid', { ordered: true });

  // ---- parameterised families to widen coverage --------------------------------------------------
  for (let i = 0; i < 12; i++) {
    const g = rng.int(0, 9);
    const a = rng.int(20, 60);
    const c = pick(CITIES);
    const shapes = [
      `SELECT uid, name, age FROM users WHERE grp = ${g} AND age >= ${a} ORDER BY age, uid`,
      `SELECT city, COUNT(*), MIN(score) FROM users WHERE age < ${a} GROUP BY city ORDER BY city`,
      `SELECT u.uid, COUNT(e.seq) FROM users u LEFT JOIN events e ON e.uid = u.uid AND e.qty > ${a % 20} WHERE u.grp = ${g} GROUP BY u.uid ORDER BY u.uid`,
      `SELECT uid FROM users WHERE city = ${q(c)} AND (age < ${a} OR score > ${a * 10}) ORDER BY uid`,
    ];
    add(`family_${i}`, shapes[i % shapes.length], { ordered: true });
  }
  for (let i = 0; i < 12; i++) {
    const k = pick(KINDS);
    const u = pick(busy);
    const shapes = [
      `SELECT seq, amount, qty FROM events WHERE uid = ${q(u)} AND kind = ${q(k)} ORDER BY seq`,
      `SELECT kind, SUM(amount), COUNT(*) FROM events WHERE uid = ${q(u)} GROUP BY kind ORDER BY kind`,
      `SELECT e.seq, c.label FROM events e LEFT JOIN codes c ON c.code = e.kind WHERE e.uid = ${q(u)} ORDER BY e.seq`,
      `SELECT uid, seq FROM events WHERE kind = ${q(k)} AND qty = ${i % 20} ORDER BY uid, seq`,
    ];
    add(`family_events_${i}`, shapes[i % shapes.length], { ordered: true });
  }
  for (let i = 0; i < 10; i++) {
    const c = pick(CATEGORIES);
    const p = rng.int(50, 700);
    const shapes = [
      `SELECT item_id, price FROM items WHERE category = ${q(c)} AND price >= ${p} ORDER BY price DESC, item_id LIMIT 5`,
      `SELECT category, COUNT(*), SUM(stock), AVG(price) FROM items WHERE price < ${p} GROUP BY category ORDER BY category`,
      `SELECT i.item_id, u.city FROM items i JOIN users u ON u.uid = i.owner WHERE i.category = ${q(c)} ORDER BY i.item_id`,
      `SELECT rating, COUNT(*), MAX(title) FROM items WHERE stock > ${p % 100} GROUP BY rating ORDER BY rating`,
      `SELECT item_id, title FROM items WHERE title LIKE ${q(`%${pick(['alpha', 'beta', 'Alpha', 'BETA', 'pi'])}%`)} AND price > ${p} ORDER BY item_id`,
    ];
    add(`family_items_${i}`, shapes[i % shapes.length], { ordered: true });
  }
  for (let i = 0; i < 8; i++) {
    const g = rng.int(0, 9);
    const shapes = [
      `SELECT uid, RANK() OVER (PARTITION BY city ORDER BY score DESC) FROM users WHERE grp = ${g} ORDER BY uid`,
      `SELECT uid FROM users WHERE grp = ${g} UNION SELECT owner FROM items WHERE rating = ${1 + (g % 5)} AND owner IS NOT NULL ORDER BY 1`,
      `SELECT uid, (SELECT SUM(qty) FROM events e WHERE e.uid = u.uid) FROM users u WHERE grp = ${g} AND active = 1 ORDER BY uid`,
      `WITH s AS (SELECT uid, COUNT(*) AS n FROM events GROUP BY uid) SELECT u.grp, SUM(s.n), MAX(s.n) FROM users u JOIN s ON s.uid = u.uid WHERE u.grp <= ${g} GROUP BY u.grp ORDER BY u.grp`,
    ];
    add(`family_mixed_${i}`, shapes[i % shapes.length], { ordered: true });
  }
  return cases;
}

/* sql_run (sql/engine.c) over a real catalog and dynalite (the tables of
 * tests/unit/support/sql_fixture.h): the rows and column types of
 * representative queries (projection of every DynamoDB type, filters,
 * joins, grouping, windows, set operations, VALUES, CTEs, correlated and
 * uncorrelated subqueries), max_rows / truncated / next_skip for blocking
 * and streaming plans, exact items read by key reads (read amplification),
 * the limits (items budget, time limit, memory limit on a sort, a group, a
 * DISTINCT), the failure kinds with their positions, plan mode and EXPLAIN,
 * the trace hook and the query clock.
 *
 * tests/unit/sql/test_engine.c (another engineer's) covers SELECT *
 * expansion and cursors in depth; this file covers query results and
 * limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/base/json_util.h"
#include "sql/engine.h"
#include "tests/unit/support/sql_fixture.h"

static sqlfx FX;
static bool have_dynalite;

static int group_setup(void **state)
{
    (void)state;
    have_dynalite = sqlfx_open(&FX);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    sqlfx_close(&FX);
    return 0;
}

static int need_dynalite(void **state)
{
    (void)state;
    if (!have_dynalite) {
        print_message("SKIP: node is not installed, so dynalite cannot run\n");
        skip();
    }
    return 0;
}

/* ---- running ----------------------------------------------------------------------- */

static sql_engine_env env_default(void)
{
    sql_engine_env env = {.cat = FX.cat, .max_segments = 1, .time_limit_ms = 60000};
    return env;
}

static sql_run_opts opts_rows(int64_t max_rows)
{
    sql_run_opts o = {.mode = SQL_MODE_EXECUTE, .max_rows = max_rows};
    return o;
}

/* "name (TYPE) | ...\n" then one line per row, cells as compact JSON (NULL
 * for SQL NULL). */
static char *render(const sql_result *r)
{
    buf_t b = BUF_INIT(1 << 22);
    for (int c = 0; c < r->ncols; c++)
        buf_printf(&b, "%s%s (%s)", c ? " | " : "", r->columns[c].name, r->columns[c].type);
    buf_putc(&b, '\n');
    for (int64_t i = 0; i < r->nrows; i++) {
        for (int c = 0; c < r->ncols; c++) {
            json_object *j = value_to_json(&r->rows[i * r->ncols + c]);
            buf_printf(&b, "%s%s", c ? " | " : "", j ? json_compact(j) : "NULL");
            json_object_put(j);
        }
        buf_putc(&b, '\n');
    }
    return buf_steal(&b);
}

static void run_with(const sql_engine_env *env, const sql_run_opts *o, const char *sql,
                     sql_result *r)
{
    bool ok = sql_run(env, sql, strlen(sql), o, r);
    assert_int_equal(ok, r->fail == SQL_FAIL_NONE);
}

/* Runs sql (max_rows rows) and expects success. */
static void run_ok(const char *sql, int64_t max_rows, sql_result *r)
{
    sql_engine_env env = env_default();
    sql_run_opts o = opts_rows(max_rows);
    run_with(&env, &o, sql, r);
    if (r->fail != SQL_FAIL_NONE)
        fail_msg("%s failed (%d, kind %d): %d:%d %s (hint: %s)", sql, r->fail, r->exec_kind,
                 r->err.line, r->err.column, r->err.message, r->hint);
}

static void assert_rows(const char *sql, const sql_result *r, const char *want)
{
    char *got = render(r);
    if (strcmp(got, want) != 0)
        fail_msg("%s\n--- got ---\n%s--- want ---\n%s", sql, got, want);
    free(got);
}

/* Runs sql and compares the whole result (columns, types, rows in order). */
static void expect(const char *sql, const char *want)
{
    sql_result r;
    run_ok(sql, 100, &r);
    assert_rows(sql, &r, want);
    assert_false(r.truncated);
    sql_result_free(&r);
}

static void expect_reads(const char *sql, const char *rows, int64_t items_read, int64_t get,
                         int64_t batch, int64_t query, int64_t scan);

static int64_t calls(const sql_result *r, ddb_op op)
{
    return r->stats.calls[op];
}

/* The DynamoDB calls a result made: GetItem, BatchGetItem, Query, Scan. */
static void assert_calls(const sql_result *r, int64_t get, int64_t batch, int64_t query,
                         int64_t scan)
{
    if (calls(r, DDB_GET_ITEM) != get || calls(r, DDB_BATCH_GET_ITEM) != batch ||
        calls(r, DDB_QUERY) != query || calls(r, DDB_SCAN) != scan)
        fail_msg("calls G%lld B%lld Q%lld S%lld, want G%lld B%lld Q%lld S%lld",
                 (long long)calls(r, DDB_GET_ITEM), (long long)calls(r, DDB_BATCH_GET_ITEM),
                 (long long)calls(r, DDB_QUERY), (long long)calls(r, DDB_SCAN), (long long)get,
                 (long long)batch, (long long)query, (long long)scan);
}

/* ---- projection and types --------------------------------------------------------- */

static void test_every_dynamodb_type(void **state)
{
    (void)state;
    const char *sql = "SELECT name, age, active, address, tags, scores, avatar, blobs, history, "
                      "nickname, user_id FROM users WHERE user_id = 'u01'";
    sql_result r;
    run_ok(sql, 100, &r);
    assert_rows(
        sql, &r,
        "name (STRING) | age (NUMBER) | active (BOOLEAN) | address (MAP) | tags (SS) | "
        "scores (NS) | avatar (BINARY) | blobs (BS) | history (LIST) | nickname (NULL) | "
        "user_id (STRING)\n"
        "\"Ada\" | 23 | false | {\"city\":\"Paris\",\"zip\":\"Z1\"} | [\"admin\",\"dev\"] | "
        "[1,2.5] | \"AAEC\" | [\"AQ==\",\"Ag==\"] | [1,\"x\"] | NULL | \"u01\"\n");
    assert_int_equal(r.nrows, 1);
    assert_int_equal(r.stats.items_read, 1);
    assert_int_equal(r.stats.items_returned, 1);
    assert_calls(&r, 1, 0, 0, 0);
    sql_result_free(&r);
}

static void test_expressions_and_paths(void **state)
{
    (void)state;
    expect("SELECT CAST(age AS TEXT) || '!' AS s, UPPER(name) AS u, address.city AS city, "
           "history[1] AS h, age * 2 + 1 AS x FROM users WHERE user_id = 'u03'",
           "s (STRING) | u (STRING) | city (STRING) | h (NULL) | x (NUMBER)\n"
           "\"29!\" | \"CY\" | \"London\" | NULL | 59\n");
    expect("SELECT history[1] AS h, history[0] + 1 AS n FROM users WHERE user_id = 'u01'",
           "h (STRING) | n (NUMBER)\n"
           "\"x\" | 2\n");
    /* No FROM: one row of constants; a column of NULLs is typed NULL. */
    expect("SELECT 1 AS a, 'x' AS b, NULL AS c, TRUE AS d, 7 / 2 AS e",
           "a (NUMBER) | b (STRING) | c (NULL) | d (BOOLEAN) | e (NUMBER)\n"
           "1 | \"x\" | NULL | true | 3.5\n");
    /* A column whose values differ in type is MIXED. */
    expect("SELECT CASE WHEN id = 1 THEN 'one' ELSE id END AS v FROM nums WHERE id IN (1, 2) "
           "ORDER BY id",
           "v (MIXED)\n"
           "\"one\"\n"
           "2\n");
}

/* SELECT * (expansion itself is tested in depth by test_engine.c): every
 * DynamoDB type keeps its type through the expansion, an attribute an item
 * lacks is NULL, and a missing item leaves only the key attributes. */
static void test_select_star_types(void **state)
{
    (void)state;
    expect_reads("SELECT * FROM users WHERE user_id IN ('u01', 'u12') ORDER BY user_id",
                 "user_id (STRING) | active (BOOLEAN) | address (MAP) | age (NUMBER) | avatar "
                 "(BINARY) | blobs (BS) | history (LIST) | name (STRING) | nickname (NULL) | "
                 "scores (NS) | tags (SS)\n"
                 "\"u01\" | false | {\"city\":\"Paris\",\"zip\":\"Z1\"} | 23 | \"AAEC\" | "
                 "[\"AQ==\",\"Ag==\"] | [1,\"x\"] | \"Ada\" | NULL | [1,2.5] | "
                 "[\"admin\",\"dev\"]\n"
                 "\"u12\" | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL\n",
                 2, 0, 1, 0, 0);
    expect_reads("SELECT * FROM users WHERE user_id = 'nope'", "user_id (NULL)\n", 0, 1, 0, 0, 0);
    expect("SELECT * FROM events WHERE device = 'd2' AND ts = 5",
           "device (STRING) | ts (NUMBER) | alert (STRING) | kind (STRING) | reading (NUMBER)\n"
           "\"d2\" | 5 | \"low\" | \"door\" | 205\n");
    expect("SELECT n.*, n.sq + 1 AS next FROM nums n WHERE id IN (1, 2) ORDER BY id",
           "id (NUMBER) | odd (BOOLEAN) | sq (NUMBER) | next (NUMBER)\n"
           "1 | true | 1 | 2\n"
           "2 | false | 4 | 5\n");
}

/* ---- filters ------------------------------------------------------------------------ */

static void test_filters(void **state)
{
    (void)state;
    const char *sql = "SELECT user_id, name FROM users WHERE age > 40 ORDER BY user_id";
    sql_result r;
    run_ok(sql, 100, &r);
    assert_rows(sql, &r,
                "user_id (STRING) | name (STRING)\n"
                "\"u07\" | \"Gus\"\n"
                "\"u08\" | \"Hal\"\n"
                "\"u09\" | \"Ivy\"\n"
                "\"u10\" | \"Jo\"\n"
                "\"u11\" | \"Kim\"\n");
    /* A Scan reads every item; the FilterExpression returns only matches. */
    assert_int_equal(r.stats.items_read, 12);
    assert_int_equal(r.stats.items_returned, 5);
    assert_calls(&r, 0, 0, 0, 1);
    sql_result_free(&r);

    expect("SELECT name, age FROM users WHERE age BETWEEN 30 AND 40 ORDER BY age DESC",
           "name (STRING) | age (NUMBER)\n"
           "\"Fay\" | 38\n"
           "\"Eve\" | 35\n"
           "\"Dee\" | 32\n");
    /* NULL sorts first ascending; a missing attribute is NULL. */
    expect("SELECT user_id, age FROM users WHERE age IS NULL OR age < 26 ORDER BY age",
           "user_id (STRING) | age (NUMBER)\n"
           "\"u12\" | NULL\n"
           "\"u01\" | 23\n");
    expect("SELECT user_id FROM users WHERE name LIKE '_o%' ORDER BY 1", "user_id (STRING)\n"
                                                                         "\"u02\"\n"
                                                                         "\"u10\"\n");
}

/* ---- key reads: exact items read --------------------------------------------------- */

static void expect_reads(const char *sql, const char *rows, int64_t items_read, int64_t get,
                         int64_t batch, int64_t query, int64_t scan)
{
    sql_result r;
    run_ok(sql, 100, &r);
    assert_rows(sql, &r, rows);
    /* The result is freed before a failure, which would leak it. */
    char msg[512] = "";
    if (r.stats.items_read != items_read)
        snprintf(msg, sizeof msg, "%s read %lld items, want %lld", sql,
                 (long long)r.stats.items_read, (long long)items_read);
    else if (calls(&r, DDB_GET_ITEM) != get || calls(&r, DDB_BATCH_GET_ITEM) != batch ||
             calls(&r, DDB_QUERY) != query || calls(&r, DDB_SCAN) != scan)
        snprintf(msg, sizeof msg, "%s: calls G%lld B%lld Q%lld S%lld, want G%lld B%lld Q%lld S%lld",
                 sql, (long long)calls(&r, DDB_GET_ITEM), (long long)calls(&r, DDB_BATCH_GET_ITEM),
                 (long long)calls(&r, DDB_QUERY), (long long)calls(&r, DDB_SCAN), (long long)get,
                 (long long)batch, (long long)query, (long long)scan);
    sql_result_free(&r);
    if (msg[0])
        fail_msg("%s", msg);
}

static void test_key_reads_read_only_their_items(void **state)
{
    (void)state;
    expect_reads("SELECT name FROM users WHERE user_id = 'u05'", "name (STRING)\n\"Eve\"\n", 1, 1,
                 0, 0, 0);
    /* A key that does not exist reads nothing, and the result is empty. */
    expect_reads("SELECT reading FROM events WHERE device = 'd1' AND ts = 99", "reading (NULL)\n",
                 0, 1, 0, 0, 0);
    /* Another condition is checked on the one item read. */
    expect_reads("SELECT name FROM users WHERE user_id = 'u01' AND age = 99", "name (NULL)\n", 1, 1,
                 0, 0, 0);
    /* BatchGetItem: only the keys that exist are read. */
    expect_reads("SELECT name FROM users WHERE user_id IN ('u01', 'u02', 'u03', 'zz') "
                 "ORDER BY name",
                 "name (STRING)\n\"Ada\"\n\"Bob\"\n\"Cy\"\n", 3, 0, 1, 0, 0);
    expect_reads("SELECT device, ts FROM events WHERE device IN ('d1', 'd2') AND ts = 3 "
                 "ORDER BY device",
                 "device (STRING) | ts (NUMBER)\n\"d1\" | 3\n\"d2\" | 3\n", 2, 0, 1, 0, 0);
    /* A Query reads the items its key condition selects. */
    expect_reads("SELECT ts, reading FROM events WHERE device = 'd3' AND ts >= 8",
                 "ts (NUMBER) | reading (NUMBER)\n8 | 308\n9 | 309\n10 | 310\n", 3, 0, 0, 1, 0);
    expect_reads("SELECT ts FROM events WHERE kind = 'boot' AND ts > 5 ORDER BY ts",
                 "ts (NUMBER)\n6\n6\n6\n9\n9\n9\n", 6, 0, 0, 1, 0);
    /* A sparse KEYS_ONLY index: its 2 entries, then the 2 items by key. */
    expect_reads("SELECT device, ts, reading FROM events WHERE alert = 'high' ORDER BY device",
                 "device (STRING) | ts (NUMBER) | reading (NUMBER)\n\"d1\" | 10 | 110\n"
                 "\"d3\" | 7 | 307\n",
                 4, 0, 1, 1, 0);
    expect_reads("SELECT device, ts FROM events WHERE alert = 'low'",
                 "device (STRING) | ts (NUMBER)\n\"d2\" | 5\n", 1, 0, 0, 1, 0);
    /* IN on a partition key: one Query per value, not a Scan of 30. */
    expect_reads("SELECT device, ts FROM events WHERE device IN ('d1', 'd3') AND ts > 8 "
                 "ORDER BY device, ts",
                 "device (STRING) | ts (NUMBER)\n\"d1\" | 9\n\"d1\" | 10\n\"d3\" | 9\n"
                 "\"d3\" | 10\n",
                 4, 0, 0, 2, 0);
    /* ORDER BY the sort key with LIMIT stops the Query after 3 items. */
    expect_reads("SELECT ts FROM events WHERE device = 'd1' ORDER BY ts DESC LIMIT 3",
                 "ts (NUMBER)\n10\n9\n8\n", 3, 0, 0, 1, 0);
}

/* ---- joins ------------------------------------------------------------------------- */

static void test_joins(void **state)
{
    (void)state;
    /* A lookup join: 4 devices scanned, then their 3 distinct owners by key. */
    expect_reads("SELECT d.device, u.name FROM devices d JOIN users u ON d.owner = u.user_id "
                 "ORDER BY d.device",
                 "device (STRING) | name (STRING)\n\"d1\" | \"Ada\"\n\"d2\" | \"Bob\"\n"
                 "\"d3\" | \"Ada\"\n\"d4\" | \"Eve\"\n",
                 7, 0, 1, 0, 1);
    /* ON conditions of a LEFT JOIN restrict the right side only. */
    expect("SELECT d.device, u.name FROM devices d LEFT JOIN users u ON d.owner = u.user_id "
           "AND u.age > 30 ORDER BY d.device",
           "device (STRING) | name (STRING)\n"
           "\"d1\" | NULL\n"
           "\"d2\" | NULL\n"
           "\"d3\" | NULL\n"
           "\"d4\" | \"Eve\"\n");
    expect("SELECT u.name, d.device FROM users u LEFT JOIN devices d ON d.owner = u.user_id "
           "WHERE u.user_id IN ('u01', 'u03') ORDER BY 1, 2",
           "name (STRING) | device (STRING)\n"
           "\"Ada\" | \"d1\"\n"
           "\"Ada\" | \"d3\"\n"
           "\"Cy\" | NULL\n");
    /* USING: the merged column; for a FULL JOIN, whichever side has it. */
    expect("SELECT device FROM (VALUES ('d1'), ('d9')) v (device) FULL JOIN devices "
           "USING (device) ORDER BY 1",
           "device (STRING)\n\"d1\"\n\"d2\"\n\"d3\"\n\"d4\"\n\"d9\"\n");
    expect_reads("SELECT device, model, ts, kind FROM devices JOIN events USING (device) "
                 "WHERE device = 'd1' AND ts = 1",
                 "device (STRING) | model (STRING) | ts (NUMBER) | kind (STRING)\n"
                 "\"d1\" | \"X\" | 1 | \"temp\"\n",
                 2, 2, 0, 0, 0);
    expect("SELECT e.device, COUNT(*) AS n FROM events e JOIN devices d ON d.device = e.device "
           "WHERE d.model = 'X' GROUP BY e.device ORDER BY 1",
           "device (STRING) | n (NUMBER)\n\"d1\" | 10\n\"d3\" | 10\n");
    /* A join on an inequality (nested loop). */
    expect("SELECT a.id, b.id FROM nums a JOIN nums b ON b.sq < a.id ORDER BY 1, 2",
           "id (NUMBER) | id (NUMBER)\n2 | 1\n3 | 1\n4 | 1\n5 | 1\n5 | 2\n");
}

/* ---- grouping ------------------------------------------------------------------------ */

static void test_group_by(void **state)
{
    (void)state;
    expect("SELECT kind, COUNT(*) AS n, SUM(reading) AS s, AVG(reading) AS a, MIN(ts) AS lo, "
           "MAX(ts) AS hi FROM events GROUP BY kind ORDER BY kind",
           "kind (STRING) | n (NUMBER) | s (NUMBER) | a (NUMBER) | lo (NUMBER) | hi (NUMBER)\n"
           "\"boot\" | 9 | 1854 | 206 | 3 | 9\n"
           "\"door\" | 9 | 1845 | 205 | 2 | 8\n"
           "\"temp\" | 12 | 2466 | 205.5 | 1 | 10\n");
    /* Without GROUP BY: one row; NULLs are skipped by all but COUNT(*). */
    expect("SELECT COUNT(*) AS n, COUNT(age) AS c, MIN(age) AS lo, MAX(age) AS hi, "
           "SUM(age) AS s, AVG(age) AS a FROM users",
           "n (NUMBER) | c (NUMBER) | lo (NUMBER) | hi (NUMBER) | s (NUMBER) | a (NUMBER)\n"
           "12 | 11 | 23 | 53 | 418 | 38\n");
    /* NULL is a group of its own, sorted first. */
    expect("SELECT active, COUNT(*) AS n FROM users GROUP BY active ORDER BY active",
           "active (BOOLEAN) | n (NUMBER)\nNULL | 1\nfalse | 6\ntrue | 5\n");
    expect("SELECT address.city AS city, COUNT(*) AS n FROM users GROUP BY address.city "
           "HAVING COUNT(*) > 3 ORDER BY city",
           "city (STRING) | n (NUMBER)\n\"Oslo\" | 4\n\"Paris\" | 4\n");
    expect("SELECT CASE WHEN age > 30 THEN 'old' ELSE 'young' END AS k, COUNT(*) AS n "
           "FROM users GROUP BY 1 ORDER BY 1",
           "k (STRING) | n (NUMBER)\n\"old\" | 8\n\"young\" | 4\n");
    expect("SELECT COUNT(DISTINCT owner) AS owners, COUNT(*) AS n FROM devices",
           "owners (NUMBER) | n (NUMBER)\n3 | 4\n");
    /* An empty input still gives the one aggregate row. */
    expect("SELECT COUNT(*) AS n, SUM(reading) AS s FROM events WHERE device = 'd9'",
           "n (NUMBER) | s (NULL)\n0 | NULL\n");
}

/* ---- windows -------------------------------------------------------------------------- */

static void test_windows(void **state)
{
    (void)state;
    expect("SELECT device, ts, ROW_NUMBER() OVER (PARTITION BY device ORDER BY reading DESC) "
           "AS rn FROM events WHERE kind = 'door' ORDER BY device, rn",
           "device (STRING) | ts (NUMBER) | rn (NUMBER)\n"
           "\"d1\" | 8 | 1\n\"d1\" | 5 | 2\n\"d1\" | 2 | 3\n"
           "\"d2\" | 8 | 1\n\"d2\" | 5 | 2\n\"d2\" | 2 | 3\n"
           "\"d3\" | 8 | 1\n\"d3\" | 5 | 2\n\"d3\" | 2 | 3\n");
    expect("SELECT device, RANK() OVER (ORDER BY model) AS r, DENSE_RANK() OVER (ORDER BY model) "
           "AS dr FROM devices ORDER BY device",
           "device (STRING) | r (NUMBER) | dr (NUMBER)\n"
           "\"d1\" | 1 | 1\n\"d2\" | 3 | 2\n\"d3\" | 1 | 1\n\"d4\" | 4 | 3\n");
    expect("SELECT ts, SUM(reading) OVER (PARTITION BY device) AS s, COUNT(*) OVER () AS n "
           "FROM events WHERE device = 'd1' AND ts <= 2",
           "ts (NUMBER) | s (NUMBER) | n (NUMBER)\n1 | 203 | 2\n2 | 203 | 2\n");
    /* After grouping. */
    expect("SELECT kind, COUNT(*) AS n, RANK() OVER (ORDER BY COUNT(*) DESC) AS r FROM events "
           "GROUP BY kind ORDER BY kind",
           "kind (STRING) | n (NUMBER) | r (NUMBER)\n"
           "\"boot\" | 9 | 2\n\"door\" | 9 | 2\n\"temp\" | 12 | 1\n");
}

/* ---- set operations, VALUES, CTEs ---------------------------------------------------- */

static void test_set_operations(void **state)
{
    (void)state;
    expect("SELECT device FROM devices UNION SELECT device FROM events ORDER BY 1",
           "device (STRING)\n\"d1\"\n\"d2\"\n\"d3\"\n\"d4\"\n");
    expect_reads("SELECT kind FROM events WHERE device = 'd1' AND ts < 4 UNION ALL "
                 "SELECT kind FROM events WHERE device = 'd2' AND ts < 3",
                 "kind (STRING)\n\"temp\"\n\"door\"\n\"boot\"\n\"temp\"\n\"door\"\n", 5, 0, 0, 2,
                 0);
    expect("SELECT owner FROM devices EXCEPT SELECT user_id FROM users WHERE age < 25 ORDER BY 1",
           "owner (STRING)\n\"u02\"\n\"u05\"\n");
    expect("SELECT owner FROM devices INTERSECT SELECT user_id FROM users WHERE age < 30 "
           "ORDER BY 1",
           "owner (STRING)\n\"u01\"\n\"u02\"\n");
    /* The left side names the columns. */
    expect("SELECT 1 AS a, 'x' AS b UNION ALL SELECT 2, 'y' ORDER BY a DESC",
           "a (NUMBER) | b (STRING)\n2 | \"y\"\n1 | \"x\"\n");
}

static void test_values_and_ctes(void **state)
{
    (void)state;
    expect_reads("SELECT * FROM (VALUES (1, 'a'), (2, NULL), (3, 'c')) v ORDER BY 1 DESC",
                 "column1 (NUMBER) | column2 (STRING)\n3 | \"c\"\n2 | NULL\n1 | \"a\"\n", 0, 0, 0,
                 0, 0);
    expect("SELECT n, label FROM (VALUES (1, 'one'), (2, 'two')) AS t (n, label) WHERE n > 1",
           "n (NUMBER) | label (STRING)\n2 | \"two\"\n");
    expect("WITH hot AS (SELECT device, MAX(reading) AS m FROM events GROUP BY device) "
           "SELECT device, m FROM hot WHERE m > 200 ORDER BY device",
           "device (STRING) | m (NUMBER)\n\"d2\" | 210\n\"d3\" | 310\n");
    expect("WITH a AS (SELECT user_id FROM users WHERE age < 27), b AS (SELECT owner FROM "
           "devices) SELECT user_id FROM a WHERE user_id IN (SELECT owner FROM b) ORDER BY 1",
           "user_id (STRING)\n\"u01\"\n\"u02\"\n");
    /* A derived table joined to a table. */
    expect("SELECT d.device, t.n FROM devices d JOIN (SELECT device, COUNT(*) AS n FROM events "
           "WHERE kind = 'boot' GROUP BY device) t ON t.device = d.device ORDER BY 1",
           "device (STRING) | n (NUMBER)\n\"d1\" | 3\n\"d2\" | 3\n\"d3\" | 3\n");
}

/* ---- subqueries --------------------------------------------------------------------------- */

static void test_correlated_subqueries(void **state)
{
    (void)state;
    /* The inner read is a Query on the outer row's key, once per outer row. */
    expect_reads("SELECT d.device, (SELECT COUNT(*) FROM events e WHERE e.device = d.device) "
                 "AS n FROM devices d ORDER BY d.device",
                 "device (STRING) | n (NUMBER)\n\"d1\" | 10\n\"d2\" | 10\n\"d3\" | 10\n"
                 "\"d4\" | 0\n",
                 34, 0, 0, 4, 1);
    expect_reads("SELECT device FROM devices d WHERE NOT EXISTS (SELECT 1 FROM events e "
                 "WHERE e.device = d.device)",
                 "device (STRING)\n\"d4\"\n", 34, 0, 0, 4, 1);
    expect("SELECT user_id FROM users u WHERE EXISTS (SELECT 1 FROM devices d WHERE "
           "d.owner = u.user_id) ORDER BY 1",
           "user_id (STRING)\n\"u01\"\n\"u02\"\n\"u05\"\n");
    expect("SELECT e.device, e.ts FROM events e WHERE e.reading = (SELECT MAX(reading) FROM "
           "events x WHERE x.device = e.device) ORDER BY 1",
           "device (STRING) | ts (NUMBER)\n\"d1\" | 10\n\"d2\" | 10\n\"d3\" | 10\n");
}

static void test_uncorrelated_subqueries(void **state)
{
    (void)state;
    /* Run once: two Scans, whatever the number of outer rows. */
    expect_reads("SELECT name FROM users WHERE age = (SELECT MAX(age) FROM users)",
                 "name (STRING)\n\"Kim\"\n", 24, 0, 0, 0, 2);
    /* key IN (subquery): the subquery's Scan, then the users it names by
       key (one BatchGetItem) instead of a Scan of users. */
    expect_reads("SELECT name FROM users WHERE user_id IN (SELECT owner FROM devices WHERE "
                 "model = 'X')",
                 "name (STRING)\n\"Ada\"\n", 5, 0, 1, 0, 1);
    expect("SELECT (SELECT name FROM users WHERE user_id = 'u02') AS who",
           "who (STRING)\n\"Bob\"\n");
    /* No row: NULL. */
    expect("SELECT (SELECT name FROM users WHERE user_id = 'zz') AS who", "who (NULL)\nNULL\n");
}

static void test_scalar_subquery_with_two_rows_fails(void **state)
{
    (void)state;
    sql_engine_env env = env_default();
    sql_run_opts o = opts_rows(100);
    sql_result r;
    run_with(&env, &o, "SELECT (SELECT device FROM devices WHERE model = 'X') AS d", &r);
    assert_int_equal(r.fail, SQL_FAIL_EXEC);
    assert_int_equal(r.exec_kind, EXEC_ERR_SQL);
    assert_int_equal(r.err.line, 1);
    assert_int_equal(r.err.column, 8);
    assert_non_null(strstr(r.err.message, "more than one row"));
    sql_result_free(&r);
}

/* ---- pages ----------------------------------------------------------------------------- */

static void test_pages_of_a_blocking_plan(void **state)
{
    (void)state;
    /* ORDER BY over a Scan: each page re-executes and skips. */
    const char *sql = "SELECT user_id FROM users ORDER BY user_id";
    sql_engine_env env = env_default();
    static const struct {
        int64_t skip;
        const char *rows;
        bool truncated;
        int64_t next_skip;
    } pages[] = {
        {0, "user_id (STRING)\n\"u01\"\n\"u02\"\n\"u03\"\n", true, 3},
        {3, "user_id (STRING)\n\"u04\"\n\"u05\"\n\"u06\"\n", true, 6},
        {9, "user_id (STRING)\n\"u10\"\n\"u11\"\n\"u12\"\n", false, 12},
        {12, "user_id (NULL)\n", false, 12},
    };
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        sql_run_opts o = opts_rows(3);
        o.skip = pages[i].skip;
        sql_result r;
        run_with(&env, &o, sql, &r);
        assert_int_equal(r.fail, SQL_FAIL_NONE);
        assert_rows(sql, &r, pages[i].rows);
        assert_int_equal(r.truncated, pages[i].truncated);
        assert_int_equal(r.next_skip, pages[i].next_skip);
        assert_null(r.next_start_key); /* a Sort cannot resume a read */
        assert_int_equal(r.stats.items_read, 12);
        sql_result_free(&r);
    }
    /* Exactly max_rows rows: not truncated. */
    sql_result r;
    run_ok("SELECT name FROM users WHERE user_id IN ('u01', 'u02') ORDER BY name", 2, &r);
    assert_int_equal(r.nrows, 2);
    assert_false(r.truncated);
    assert_int_equal(r.next_skip, 2);
    sql_result_free(&r);
    /* One past: truncated. */
    run_ok("SELECT name FROM users WHERE user_id IN ('u01', 'u02', 'u03') ORDER BY name", 2, &r);
    assert_rows("", &r, "name (STRING)\n\"Ada\"\n\"Bob\"\n");
    assert_true(r.truncated);
    assert_int_equal(r.next_skip, 2);
    sql_result_free(&r);
}

static void test_pages_of_a_streaming_query(void **state)
{
    (void)state;
    /* Each page reads its rows plus one to learn whether more exist, and
       the next page starts after the last row's key. */
    const char *sql = "SELECT ts FROM events WHERE device = 'd1'";
    sql_engine_env env = env_default();
    sql_run_opts o = opts_rows(4);
    sql_result r;
    run_with(&env, &o, sql, &r);
    assert_int_equal(r.fail, SQL_FAIL_NONE);
    assert_rows(sql, &r, "ts (NUMBER)\n1\n2\n3\n4\n");
    assert_true(r.truncated);
    assert_int_equal(r.next_skip, 4);
    assert_int_equal(r.stats.items_read, 5);
    assert_non_null(r.next_start_key);
    assert_string_equal(json_compact(r.next_start_key),
                        "{\"device\":{\"S\":\"d1\"},\"ts\":{\"N\":\"4\"}}");
    json_object *key = json_object_get(r.next_start_key);
    sql_result_free(&r);

    o.skip = 4;
    o.start_key = key;
    run_with(&env, &o, sql, &r);
    assert_rows(sql, &r, "ts (NUMBER)\n5\n6\n7\n8\n");
    assert_true(r.truncated);
    assert_int_equal(r.next_skip, 8);
    assert_int_equal(r.stats.items_read, 5); /* not the 4 rows skipped */
    assert_string_equal(json_compact(r.next_start_key),
                        "{\"device\":{\"S\":\"d1\"},\"ts\":{\"N\":\"8\"}}");
    json_object_put(key);
    key = json_object_get(r.next_start_key);
    sql_result_free(&r);

    o.skip = 8;
    o.start_key = key;
    run_with(&env, &o, sql, &r);
    assert_rows(sql, &r, "ts (NUMBER)\n9\n10\n");
    assert_false(r.truncated);
    assert_int_equal(r.next_skip, 10);
    assert_int_equal(r.stats.items_read, 2);
    assert_null(r.next_start_key);
    json_object_put(key);
    sql_result_free(&r);
}

/* ---- limits -------------------------------------------------------------------------------- */

static void expect_failure(const sql_engine_env *env, const char *sql, sql_fail fail,
                           exec_err_kind kind, int line, int column, const char *message)
{
    sql_run_opts o = opts_rows(100);
    sql_result r;
    run_with(env, &o, sql, &r);
    if (r.fail != fail || r.exec_kind != kind || r.err.line != line || r.err.column != column ||
        strcmp(r.err.message, message) != 0)
        fail_msg("%s\n  got  fail %d kind %d %d:%d %s\n  want fail %d kind %d %d:%d %s", sql,
                 r.fail, r.exec_kind, r.err.line, r.err.column, r.err.message, fail, kind, line,
                 column, message);
    sql_result_free(&r);
}

static void test_items_budget(void **state)
{
    (void)state;
    sql_engine_env env = env_default();
    env.limits.max_items_read = 10;
    sql_run_opts o = opts_rows(100);
    sql_result r;
    run_with(&env, &o, "SELECT COUNT(*) FROM events", &r);
    assert_int_equal(r.fail, SQL_FAIL_EXEC);
    assert_int_equal(r.exec_kind, EXEC_ERR_BUDGET);
    static const char head[] = "the query read 30 items, past its budget of 10 items (";
    if (strncmp(r.err.message, head, sizeof head - 1) != 0 ||
        !strstr(r.err.message, "1 DynamoDB calls so far); add a condition on a key or an index "
                               "so it can Query instead of Scan, or add a LIMIT"))
        fail_msg("budget message: %s", r.err.message);
    assert_int_equal(r.stats.items_read, 30); /* what was read is reported */
    assert_int_equal(r.nrows, 0);
    assert_non_null(r.plan);
    sql_result_free(&r);

    /* Reading exactly the budget is fine; one item more is not. */
    env.limits.max_items_read = 30;
    run_with(&env, &o, "SELECT COUNT(*) FROM events", &r);
    assert_int_equal(r.fail, SQL_FAIL_NONE);
    assert_rows("", &r, "count (NUMBER)\n30\n");
    sql_result_free(&r);
    env.limits.max_items_read = 29;
    run_with(&env, &o, "SELECT COUNT(*) FROM events", &r);
    assert_int_equal(r.exec_kind, EXEC_ERR_BUDGET);
    sql_result_free(&r);

    /* A key read within a budget of 1 passes; a batch of 3 past 2 does not. */
    env.limits.max_items_read = 1;
    run_with(&env, &o, "SELECT name FROM users WHERE user_id = 'u01'", &r);
    assert_int_equal(r.fail, SQL_FAIL_NONE);
    sql_result_free(&r);
    env.limits.max_items_read = 2;
    run_with(&env, &o, "SELECT name FROM users WHERE user_id IN ('u01', 'u02', 'u03')", &r);
    assert_int_equal(r.exec_kind, EXEC_ERR_BUDGET);
    assert_non_null(strstr(r.err.message, "the query read 3 items, past its budget of 2 items"));
    sql_result_free(&r);
}

static void test_time_limit(void **state)
{
    (void)state;
    /* A deadline already past (monotonic ms 1): the first check stops it. */
    sql_engine_env env = env_default();
    env.limits.deadline_ms = 1;
    expect_failure(&env, "SELECT COUNT(*) FROM events", SQL_FAIL_EXEC, EXEC_ERR_TIMEOUT, 0, 0,
                   "the query ran past its time limit after reading 0 items; add a condition on a "
                   "key or an index, or a LIMIT");
    expect_failure(&env, "SELECT name FROM users WHERE user_id = 'u01'", SQL_FAIL_EXEC,
                   EXEC_ERR_TIMEOUT, 0, 0,
                   "the query ran past its time limit after reading 0 items; add a condition on a "
                   "key or an index, or a LIMIT");
    /* time_limit_ms applies only when no deadline is given: generous here. */
    env.limits.deadline_ms = 0;
    env.time_limit_ms = 600000;
    sql_run_opts o = opts_rows(100);
    sql_result r;
    run_with(&env, &o, "SELECT COUNT(*) FROM events", &r);
    assert_int_equal(r.fail, SQL_FAIL_NONE);
    sql_result_free(&r);
}

static void test_memory_limit(void **state)
{
    (void)state;
    sql_engine_env env = env_default();
    env.limits.max_memory_bytes = 1024;
    static const char tail[] = "; narrow the rows with a WHERE on a key, aggregate fewer groups, "
                               "or add a LIMIT";
    char want[512];
    snprintf(want, sizeof want, "the query needs more than its memory limit of 1 KiB (in Sort)%s",
             tail);
    expect_failure(&env, "SELECT ts FROM events ORDER BY reading", SQL_FAIL_EXEC, EXEC_ERR_MEMORY,
                   0, 0, want);
    snprintf(want, sizeof want,
             "the query needs more than its memory limit of 1 KiB (in HashAggregate)%s", tail);
    expect_failure(&env, "SELECT device, ts, COUNT(*) FROM events GROUP BY device, ts",
                   SQL_FAIL_EXEC, EXEC_ERR_MEMORY, 0, 0, want);
    snprintf(want, sizeof want,
             "the query needs more than its memory limit of 1 KiB (in Distinct)%s", tail);
    expect_failure(&env, "SELECT DISTINCT reading FROM events", SQL_FAIL_EXEC, EXEC_ERR_MEMORY, 0,
                   0, want);

    /* Under the limit, the peak is reported (and a sort of 30 rows held
       something). */
    env.limits.max_memory_bytes = 1 << 20;
    sql_run_opts o = opts_rows(100);
    sql_result r;
    run_with(&env, &o, "SELECT ts FROM events ORDER BY reading", &r);
    assert_int_equal(r.fail, SQL_FAIL_NONE);
    assert_int_equal(r.nrows, 30);
    assert_true(r.mem_peak > 1024);
    assert_true(r.mem_peak <= (size_t)1 << 20);
    sql_result_free(&r);
    /* A streaming read holds nothing. */
    run_with(&env, &o, "SELECT ts FROM events WHERE device = 'd1'", &r);
    assert_int_equal(r.mem_peak, 0);
    sql_result_free(&r);
}

/* ---- failures ------------------------------------------------------------------------ */

static void test_failure_kinds(void **state)
{
    (void)state;
    sql_engine_env env = env_default();
    expect_failure(&env, "SELECT name FROM users WHERE", SQL_FAIL_PARSE, EXEC_OK, 1, 29,
                   "unexpected end of the statement; expected an expression");
    expect_failure(&env, "SELECT nmae FROM users", SQL_FAIL_BIND, EXEC_OK, 1, 8,
                   "unknown column nmae");
    expect_failure(&env, "SELECT 1/0", SQL_FAIL_EXEC, EXEC_ERR_SQL, 1, 9, "division by zero in /");
    expect_failure(&env, "SELECT name FROM users WHERE user_id = 'u01' AND age / 0 = 1",
                   SQL_FAIL_EXEC, EXEC_ERR_SQL, 1, 54, "division by zero in /");

    sql_run_opts o = opts_rows(100);
    sql_result r;
    /* A bind error has its hint and no plan. */
    run_with(&env, &o, "SELECT nmae FROM users", &r);
    assert_string_equal(r.hint, "did you mean name? If the attribute exists but the sample "
                                "missed it, write it in double quotes");
    assert_null(r.plan);
    assert_int_equal(r.ncols, 0);
    sql_result_free(&r);
    /* A runtime error comes after planning: the plan is there. */
    run_with(&env, &o, "SELECT 1/0", &r);
    assert_non_null(r.plan);
    sql_result_free(&r);
    /* A parse error: refused writes are parse failures too. */
    run_with(&env, &o, "DELETE FROM users", &r);
    assert_int_equal(r.fail, SQL_FAIL_PARSE);
    assert_null(r.plan);
    sql_result_free(&r);
}

/* ---- plan mode and EXPLAIN ----------------------------------------------------------- */

static void test_plan_mode_and_explain(void **state)
{
    (void)state;
    sql_engine_env env = env_default();
    sql_run_opts o = opts_rows(100);
    o.mode = SQL_MODE_PLAN;
    sql_result r;
    run_with(&env, &o, "SELECT ts FROM events WHERE device = 'd1'", &r);
    assert_int_equal(r.fail, SQL_FAIL_NONE);
    assert_int_equal(r.nrows, 0);
    assert_int_equal(r.ncols, 0);
    assert_false(r.explain);
    assert_int_equal(r.stats.items_read, 0);
    assert_calls(&r, 0, 0, 0, 0);
    assert_non_null(r.plan);
    assert_int_equal(strncmp(r.plan, "Result columns: ts\nProject (columns: 1)\n", 40), 0);
    assert_non_null(strstr(r.plan, "    DynamoDB Query demo.events\n"));
    assert_non_null(strstr(r.plan, "\nPaging: streaming; "));
    sql_result_free(&r);
    run_with(&env, &o, "SELECT ts FROM events ORDER BY reading", &r);
    assert_non_null(strstr(r.plan, "\nPaging: a next page runs the query again and skips the "
                                   "rows already returned\n"));
    sql_result_free(&r);

    /* EXPLAIN: one STRING column, one row per plan line, paged like rows. */
    o.mode = SQL_MODE_EXECUTE;
    o.max_rows = 2;
    run_with(&env, &o, "EXPLAIN SELECT name FROM users WHERE user_id = 'u01'", &r);
    assert_int_equal(r.fail, SQL_FAIL_NONE);
    assert_true(r.explain);
    assert_rows("EXPLAIN", &r,
                "plan (STRING)\n\"Result columns: name\"\n\"Project (columns: 1)\"\n");
    assert_true(r.truncated);
    assert_int_equal(r.next_skip, 2);
    assert_calls(&r, 0, 0, 0, 0);
    sql_result_free(&r);
    o.skip = 2;
    o.max_rows = 100;
    run_with(&env, &o, "EXPLAIN SELECT name FROM users WHERE user_id = 'u01'", &r);
    assert_int_equal(r.nrows, 5);
    assert_string_equal(r.rows[0].u.bytes->data, "  Filter");
    assert_string_equal(r.rows[1].u.bytes->data, "    DynamoDB GetItem demo.users");
    assert_string_equal(r.rows[4].u.bytes->data,
                        "Paging: a next page runs the query again and skips the rows already "
                        "returned");
    assert_false(r.truncated);
    assert_int_equal(r.next_skip, 7);
    sql_result_free(&r);
}

/* ---- trace hook and clock ------------------------------------------------------------- */

typedef struct seen {
    int n;
    ddb_op ops[8];
    int64_t items[8];
} seen;

static void on_trace(void *ctx, const ddb_trace_event *ev)
{
    seen *s = ctx;
    if (s->n < 8) {
        s->ops[s->n] = ev->op;
        s->items[s->n] = ev->items;
    }
    s->n++;
}

static void test_trace_hook_sees_each_call(void **state)
{
    (void)state;
    sql_engine_env env = env_default();
    seen s = {0};
    env.trace = on_trace;
    env.trace_ctx = &s;
    sql_run_opts o = opts_rows(100);
    sql_result r;
    run_with(&env, &o,
             "SELECT d.model, u.name FROM devices d JOIN users u ON d.owner = u.user_id "
             "WHERE d.device = 'd2'",
             &r);
    assert_int_equal(r.fail, SQL_FAIL_NONE);
    assert_rows("", &r, "model (STRING) | name (STRING)\n\"Y\" | \"Bob\"\n");
    assert_int_equal(s.n, 2);
    assert_int_equal(s.ops[0], DDB_GET_ITEM);
    assert_int_equal(s.items[0], 1);
    assert_int_equal(s.ops[1], DDB_BATCH_GET_ITEM);
    assert_int_equal(s.items[1], 1);
    sql_result_free(&r);
    /* The hook is removed after the run: a later run without it sees none. */
    env.trace = NULL;
    env.trace_ctx = NULL;
    run_with(&env, &o, "SELECT name FROM users WHERE user_id = 'u01'", &r);
    assert_int_equal(s.n, 2);
    sql_result_free(&r);
}

static void test_query_clock(void **state)
{
    (void)state;
    sql_engine_env env = env_default();
    env.now_ms = 1700000000123LL;
    sql_run_opts o = opts_rows(100);
    sql_result r;
    run_with(&env, &o, "SELECT CURRENT_TIMESTAMP AS t, CURRENT_DATE AS d", &r);
    assert_rows("", &r, "t (STRING) | d (STRING)\n\"2023-11-14T22:13:20.123Z\" | \"2023-11-14\"\n");
    sql_result_free(&r);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, need_dynalite)
    const struct CMUnitTest tests[] = {
        T(test_every_dynamodb_type),
        T(test_expressions_and_paths),
        T(test_select_star_types),
        T(test_filters),
        T(test_key_reads_read_only_their_items),
        T(test_joins),
        T(test_group_by),
        T(test_windows),
        T(test_set_operations),
        T(test_values_and_ctes),
        T(test_correlated_subqueries),
        T(test_uncorrelated_subqueries),
        T(test_scalar_subquery_with_two_rows_fails),
        T(test_pages_of_a_blocking_plan),
        T(test_pages_of_a_streaming_query),
        T(test_items_budget),
        T(test_time_limit),
        T(test_memory_limit),
        T(test_failure_kinds),
        T(test_plan_mode_and_explain),
        T(test_trace_hook_sees_each_call),
        T(test_query_clock),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

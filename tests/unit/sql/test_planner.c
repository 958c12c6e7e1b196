/* The binder and planner (sql/planner.c) through sql_plan_build over a real
 * catalog (a dynalite with the tables of tests/unit/support/sql_fixture.h):
 * the access path chosen for each table read (GetItem, BatchGetItem, Query
 * with its sort-key condition, GSI and sparse-GSI Query, Scan, IN split
 * into one Query per value), the exact DynamoDB requests EXPLAIN shows, join
 * methods, ORDER BY/LIMIT pushed into a Query, streaming cursors, the result
 * columns, and the binder's errors with their exact message, position and
 * hint. Every plan and every failed build is freed: LeakSanitizer (asan) and
 * valgrind (release) check the error paths. Planning never reads items, so
 * nothing here depends on the data beyond the catalog's sample. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sql/arena.h"
#include "sql/limits.h"
#include "sql/parser.h"
#include "sql/planner.h"
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

/* ---- building plans ------------------------------------------------------------ */

typedef struct built {
    sql_arena arena;
    sql_plan plan;
    char *text; /* op_explain of the root */
} built;

static void build_ok_opts(built *b, const char *sql, const plan_opts *po)
{
    memset(b, 0, sizeof *b);
    sql_arena_init(&b->arena, SQL_MAX_ARENA);
    sql_error err = {0};
    sql_stmt *st = sql_parse(sql, strlen(sql), &b->arena, &err);
    if (!st)
        fail_msg("parse failed for %s: %d:%d %s", sql, err.line, err.column, err.message);
    char hint[512];
    if (!sql_plan_build(FX.cat, st, po, &b->plan, &err, hint, sizeof hint))
        fail_msg("plan failed for %s: %d:%d %s (hint: %s)", sql, err.line, err.column, err.message,
                 hint);
    assert_non_null(b->plan.root);
    buf_t t = BUF_INIT(1 << 20);
    op_explain(b->plan.root, &t, 0);
    b->text = buf_steal(&t);
}

static void build_ok(built *b, const char *sql)
{
    plan_opts po = {.max_segments = 1};
    build_ok_opts(b, sql, &po);
}

static void built_free(built *b)
{
    sql_plan_free(&b->plan);
    sql_arena_free(&b->arena);
    free(b->text);
}

/* The operator lines of an EXPLAIN text: without the "why:" and
 * "request:" detail lines. */
static char *shape_of(const char *text)
{
    buf_t out = BUF_INIT(1 << 20);
    for (const char *p = text; *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p + 1) : strlen(p);
        const char *s = p;
        while (*s == ' ')
            s++;
        if (strncmp(s, "why: ", 5) != 0 && strncmp(s, "request: ", 9) != 0)
            buf_append(&out, p, len);
        p += len;
    }
    return buf_steal(&out);
}

/* The n-th (0-based) "request: ..." of an EXPLAIN text, without the label;
 * "" when there is none. */
static char *request_of(const char *text, int n)
{
    for (const char *p = strstr(text, "request: "); p; p = strstr(p + 1, "request: ")) {
        if (n-- > 0)
            continue;
        p += 9;
        return xstrndup(p, strcspn(p, "\n"));
    }
    return xstrdup("");
}

static void assert_shape(const char *sql, const char *want)
{
    built b;
    build_ok(&b, sql);
    char *shape = shape_of(b.text);
    if (strcmp(shape, want) != 0)
        fail_msg("plan of %s\n--- got ---\n%s--- want ---\n%s--- full ---\n%s", sql, shape, want,
                 b.text);
    free(shape);
    built_free(&b);
}

/* The plan's shape and its first request, both exactly. */
static void assert_read(const char *sql, const char *shape, const char *request)
{
    built b;
    build_ok(&b, sql);
    char *got = shape_of(b.text);
    char *req = request_of(b.text, 0);
    if (strcmp(got, shape) != 0 || strcmp(req, request) != 0)
        fail_msg("plan of %s\n--- got ---\n%s%s\n--- want ---\n%s%s", sql, got, req, shape,
                 request);
    free(got);
    free(req);
    built_free(&b);
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("expected to find\n  %s\nin\n%s", needle, hay);
}

static void assert_lacks(const char *hay, const char *needle)
{
    if (strstr(hay, needle))
        fail_msg("did not expect\n  %s\nin\n%s", needle, hay);
}

/* Binding fails with exactly this position, message and hint. */
static void bind_fails(const char *sql, int line, int column, const char *message, const char *hint)
{
    sql_arena a;
    sql_arena_init(&a, SQL_MAX_ARENA);
    sql_error err = {0};
    sql_stmt *st = sql_parse(sql, strlen(sql), &a, &err);
    if (!st)
        fail_msg("parse failed for %s: %s", sql, err.message);
    plan_opts po = {.max_segments = 1};
    sql_plan p;
    char h[512] = "unset";
    bool ok = sql_plan_build(FX.cat, st, &po, &p, &err, h, sizeof h);
    if (ok) {
        buf_t t = BUF_INIT(1 << 20);
        op_explain(p.root, &t, 0);
        fail_msg("%s planned, expected \"%s\":\n%s", sql, message, buf_cstr(&t));
    }
    /* A failed build leaves nothing to use (and sql_plan_free is safe). */
    assert_null(p.root);
    sql_plan_free(&p);
    sql_arena_free(&a);
    if (err.line != line || err.column != column || strcmp(err.message, message) != 0 ||
        strcmp(h, hint) != 0)
        fail_msg("%s\n  got  %d:%d %s\n       hint: %s\n  want %d:%d %s\n       hint: %s", sql,
                 err.line, err.column, err.message, h, line, column, message, hint);
}

/* ---- GetItem ---------------------------------------------------------------------- */

static void test_get_item_partition_key(void **state)
{
    (void)state;
    assert_read("SELECT name FROM users WHERE user_id = 'u01'",
                "Project (columns: 1)\n"
                "  Filter\n"
                "    DynamoDB GetItem demo.users\n",
                "{\"TableName\":\"users\",\"Key\":{\"user_id\":{\"S\":\"u01\"}},"
                "\"ProjectionExpression\":\"#n0, #n1\",\"ExpressionAttributeNames\":{\"#n0\":"
                "\"user_id\",\"#n1\":\"name\"},\"ConsistentRead\":false,"
                "\"ReturnConsumedCapacity\":\"TOTAL\"}");
    /* The constant may be on either side. */
    assert_shape("SELECT name FROM users WHERE 'u02' = user_id",
                 "Project (columns: 1)\n"
                 "  Filter\n"
                 "    DynamoDB GetItem demo.users\n");
}

static void test_get_item_composite_and_numeric_keys(void **state)
{
    (void)state;
    assert_read(
        "SELECT reading FROM events WHERE device = 'd1' AND ts = 5",
        "Project (columns: 1)\n"
        "  Filter\n"
        "    DynamoDB GetItem demo.events\n",
        "{\"TableName\":\"events\",\"Key\":{\"device\":{\"S\":\"d1\"},\"ts\":{\"N\":\"5\"}},"
        "\"ProjectionExpression\":\"#n0, #n1, #n2\",\"ExpressionAttributeNames\":{\"#n0\":"
        "\"device\",\"#n1\":\"ts\",\"#n2\":\"reading\"},\"ConsistentRead\":false,"
        "\"ReturnConsumedCapacity\":\"TOTAL\"}");
    assert_read("SELECT sq FROM nums WHERE id = 3",
                "Project (columns: 1)\n"
                "  Filter\n"
                "    DynamoDB GetItem demo.nums\n",
                "{\"TableName\":\"nums\",\"Key\":{\"id\":{\"N\":\"3\"}},\"ProjectionExpression\":"
                "\"#n0, #n1\",\"ExpressionAttributeNames\":{\"#n0\":\"id\",\"#n1\":\"sq\"},"
                "\"ConsistentRead\":false,\"ReturnConsumedCapacity\":\"TOTAL\"}");
}

static void test_key_value_that_cannot_match(void **state)
{
    (void)state;
    /* NULL, or a number for a string key: no item can match, and no call is
       made (the read still exists, so EXPLAIN says why it reads nothing). */
    const char *sqls[] = {"SELECT name FROM users WHERE user_id = NULL",
                          "SELECT name FROM users WHERE user_id = 5"};
    for (size_t i = 0; i < 2; i++) {
        built b;
        build_ok(&b, sqls[i]);
        assert_contains(b.text, "DynamoDB GetItem demo.users\n");
        assert_contains(b.text, "request: none (the key value cannot match any item)\n");
        built_free(&b);
    }
}

/* ---- BatchGetItem ---------------------------------------------------------------- */

static void test_batch_get_in_list(void **state)
{
    (void)state;
    assert_read("SELECT name FROM users WHERE user_id IN ('u01', 'u02', 'u03')",
                "Project (columns: 1)\n"
                "  Filter\n"
                "    DynamoDB BatchGetItem demo.users (3 keys)\n",
                "{\"RequestItems\":{\"users\":{\"Keys\":[{\"user_id\":{\"S\":\"u01\"}},"
                "{\"user_id\":{\"S\":\"u02\"}},{\"user_id\":{\"S\":\"u03\"}}],"
                "\"ProjectionExpression\":\"#n0, #n1\",\"ExpressionAttributeNames\":{\"#n0\":"
                "\"user_id\",\"#n1\":\"name\"},\"ConsistentRead\":false}},"
                "\"ReturnConsumedCapacity\":\"TOTAL\"}");
    /* A key listed twice is read once. */
    assert_shape("SELECT name FROM users WHERE user_id IN ('u01', 'u01', 'u02')",
                 "Project (columns: 1)\n"
                 "  Filter\n"
                 "    DynamoDB BatchGetItem demo.users (2 keys)\n");
    assert_shape("SELECT id FROM nums WHERE id IN (1, 3, 99)",
                 "Project (columns: 1)\n"
                 "  Filter\n"
                 "    DynamoDB BatchGetItem demo.nums (3 keys)\n");
}

static void test_batch_get_composite_key(void **state)
{
    (void)state;
    /* Partition key = and sort key IN: the full keys. */
    assert_read("SELECT ts FROM events WHERE device = 'd1' AND ts IN (1, 2)",
                "Project (columns: 1)\n"
                "  Filter\n"
                "    DynamoDB BatchGetItem demo.events (2 keys)\n",
                "{\"RequestItems\":{\"events\":{\"Keys\":[{\"device\":{\"S\":\"d1\"},\"ts\":{\"N\":"
                "\"1\"}},{\"device\":{\"S\":\"d1\"},\"ts\":{\"N\":\"2\"}}],"
                "\"ProjectionExpression\":\"#n0, #n1\",\"ExpressionAttributeNames\":{\"#n0\":"
                "\"device\",\"#n1\":\"ts\"},\"ConsistentRead\":false}},"
                "\"ReturnConsumedCapacity\":\"TOTAL\"}");
    /* Partition key IN times sort key =: 2 x 1 keys. */
    assert_shape("SELECT ts FROM events WHERE device IN ('d1', 'd2') AND ts = 3",
                 "Project (columns: 1)\n"
                 "  Filter\n"
                 "    DynamoDB BatchGetItem demo.events (2 keys)\n");
}

/* ---- Query ----------------------------------------------------------------------- */

static void test_query_sort_key_conditions(void **state)
{
    (void)state;
    static const struct {
        const char *cond;
        const char *kce; /* KeyConditionExpression and its values */
    } cases[] = {
        {"", "\"KeyConditionExpression\":\"#n0 = :v0\""},
        {" AND ts >= 5", "\"KeyConditionExpression\":\"#n0 = :v0 AND #n1 >= :v1\""},
        {" AND ts > 5", "\"KeyConditionExpression\":\"#n0 = :v0 AND #n1 > :v1\""},
        {" AND ts < 5", "\"KeyConditionExpression\":\"#n0 = :v0 AND #n1 < :v1\""},
        {" AND ts <= 5", "\"KeyConditionExpression\":\"#n0 = :v0 AND #n1 <= :v1\""},
        {" AND 5 < ts", "\"KeyConditionExpression\":\"#n0 = :v0 AND #n1 > :v1\""},
        {" AND ts BETWEEN 2 AND 4",
         "\"KeyConditionExpression\":\"#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT reading FROM events WHERE device = 'd1'%s",
                 cases[i].cond);
        built b;
        build_ok(&b, sql);
        char *shape = shape_of(b.text);
        assert_string_equal(shape, "Project (columns: 1)\n"
                                   "  Filter\n"
                                   "    DynamoDB Query demo.events\n");
        char *req = request_of(b.text, 0);
        assert_contains(req, cases[i].kce);
        assert_contains(req, "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"d1\"}");
        assert_contains(req, "\"ScanIndexForward\":true");
        assert_lacks(req, "\"IndexName\"");
        assert_lacks(req, "FilterExpression");
        free(req);
        free(shape);
        built_free(&b);
    }
    /* The values of a BETWEEN, in order. */
    built b;
    build_ok(&b, "SELECT reading FROM events WHERE device = 'd1' AND ts BETWEEN 2 AND 4");
    assert_contains(b.text, "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"d1\"},\":v1\":{\"N\":"
                            "\"2\"},\":v2\":{\"N\":\"4\"}}");
    built_free(&b);
}

static void test_query_residual_goes_to_filter_expression(void **state)
{
    (void)state;
    /* A condition on a non-key attribute rides along as FilterExpression
       (LIKE 'p%' as begins_with), and is checked again above the read. */
    assert_read("SELECT note FROM events WHERE device = 'd1' AND note LIKE 'fi%'",
                "Project (columns: 1)\n"
                "  Filter\n"
                "    DynamoDB Query demo.events\n",
                "{\"TableName\":\"events\",\"KeyConditionExpression\":\"#n0 = :v0\","
                "\"FilterExpression\":\"begins_with(#n1, :v1)\",\"ProjectionExpression\":\"#n0, "
                "#n1, #n2\",\"ExpressionAttributeNames\":{\"#n0\":\"device\",\"#n1\":\"note\","
                "\"#n2\":\"ts\"},\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"d1\"},\":v1\":{"
                "\"S\":\"fi\"}},\"ScanIndexForward\":true,\"ConsistentRead\":false,"
                "\"ReturnConsumedCapacity\":\"TOTAL\"}");
}

static void test_query_order_and_limit(void **state)
{
    (void)state;
    /* ORDER BY the sort key DESC with LIMIT: a backward Query that stops
       after 3 items, and no Sort. */
    built b;
    build_ok(&b, "SELECT ts FROM events WHERE device = 'd1' ORDER BY ts DESC LIMIT 3");
    char *shape = shape_of(b.text);
    assert_string_equal(shape, "Limit (limit: 3)\n"
                               "  Project (columns: 1)\n"
                               "    Filter\n"
                               "      DynamoDB Query demo.events backward\n");
    assert_contains(b.text, "\"ScanIndexForward\":false,\"Limit\":3,");
    free(shape);
    built_free(&b);

    /* Ascending on the sort key: the Query's own order, no Sort either. */
    assert_shape("SELECT ts FROM events WHERE device = 'd1' ORDER BY ts",
                 "Project (columns: 1)\n"
                 "  Filter\n"
                 "    DynamoDB Query demo.events\n");
    /* Any other order needs a Sort over the whole partition. */
    assert_shape("SELECT ts FROM events WHERE device = 'd1' ORDER BY reading",
                 "Project (columns: 1)\n"
                 "  Sort (keys: 1)\n"
                 "    Project (columns: 2)\n"
                 "      Filter\n"
                 "        DynamoDB Query demo.events\n");
}

static void test_query_gsi(void **state)
{
    (void)state;
    assert_read("SELECT ts FROM events WHERE kind = 'temp' AND ts > 5",
                "Project (columns: 1)\n"
                "  Filter\n"
                "    DynamoDB Query demo.events index by_kind\n",
                "{\"TableName\":\"events\",\"IndexName\":\"by_kind\",\"KeyConditionExpression\":"
                "\"#n0 = :v0 AND #n1 > :v1\",\"ProjectionExpression\":\"#n0, #n1, #n2\","
                "\"ExpressionAttributeNames\":{\"#n0\":\"kind\",\"#n1\":\"ts\",\"#n2\":\"device\"},"
                "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"temp\"},\":v1\":{\"N\":\"5\"}},"
                "\"ScanIndexForward\":true,\"ConsistentRead\":false,\"ReturnConsumedCapacity\":"
                "\"TOTAL\"}");
}

static void test_sparse_gsi(void **state)
{
    (void)state;
    /* Equality on the sparse index's key implies it is present: the index
       is used. Its projection is KEYS_ONLY, so the keys suffice... */
    assert_read(
        "SELECT device, ts FROM events WHERE alert = 'high'",
        "Project (columns: 2)\n"
        "  Filter\n"
        "    DynamoDB Query demo.events index by_alert\n",
        "{\"TableName\":\"events\",\"IndexName\":\"by_alert\",\"KeyConditionExpression\":"
        "\"#n0 = :v0\",\"ProjectionExpression\":\"#n0, #n1, #n2\","
        "\"ExpressionAttributeNames\":{\"#n0\":\"alert\",\"#n1\":\"device\",\"#n2\":\"ts\"},"
        "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"high\"}},\"ScanIndexForward\":"
        "true,\"ConsistentRead\":false,\"ReturnConsumedCapacity\":\"TOTAL\"}");
    /* ...and any other attribute is fetched from the table by key. */
    assert_shape("SELECT device, ts, reading FROM events WHERE alert = 'low'",
                 "Project (columns: 3)\n"
                 "  Filter\n"
                 "    DynamoDB Query demo.events index by_alert, then BatchGetItem by key\n");
    /* Conditions that hold for items without alert must see every item. */
    const char *scans[] = {"SELECT ts FROM events WHERE alert IS NOT NULL",
                           "SELECT ts FROM events WHERE alert <> 'x'",
                           "SELECT ts FROM events WHERE alert IS NULL"};
    for (size_t i = 0; i < 3; i++)
        assert_shape(scans[i], "Project (columns: 1)\n"
                               "  Filter\n"
                               "    DynamoDB Scan demo.events\n");
}

/* ---- IN split -------------------------------------------------------------------- */

static void test_in_on_partition_key_splits_into_queries(void **state)
{
    (void)state;
    /* IN on the partition key of a table with a sort key: one Query per
       distinct value (rows are disjoint: UNION ALL), each with the sort-key
       condition, instead of a Scan. */
    built b;
    build_ok(&b, "SELECT ts FROM events WHERE device IN ('d1', 'd2', 'd1') AND ts > 8");
    char *shape = shape_of(b.text);
    assert_string_equal(shape, "Project (columns: 1)\n"
                               "  Filter\n"
                               "    SetOp UNION ALL\n"
                               "      DynamoDB Query demo.events\n"
                               "      DynamoDB Query demo.events\n");
    char *r0 = request_of(b.text, 0), *r1 = request_of(b.text, 1);
    assert_contains(r0, "\"KeyConditionExpression\":\"#n0 = :v0 AND #n1 > :v1\"");
    assert_contains(r0, "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"d1\"},\":v1\":{\"N\":"
                        "\"8\"}}");
    assert_contains(r1, "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"d2\"},\":v1\":{\"N\":"
                        "\"8\"}}");
    free(r0);
    free(r1);
    free(shape);
    built_free(&b);

    /* The same for an indexed attribute. */
    build_ok(&b, "SELECT ts FROM events WHERE kind IN ('door', 'boot')");
    shape = shape_of(b.text);
    assert_string_equal(shape, "Project (columns: 1)\n"
                               "  Filter\n"
                               "    SetOp UNION ALL\n"
                               "      DynamoDB Query demo.events index by_kind\n"
                               "      DynamoDB Query demo.events index by_kind\n");
    assert_contains(b.text, "{\":v0\":{\"S\":\"door\"}}");
    assert_contains(b.text, "{\":v0\":{\"S\":\"boot\"}}");
    free(shape);
    built_free(&b);

    /* NOT IN cannot be split. */
    assert_shape("SELECT ts FROM events WHERE device NOT IN ('d1', 'd2')",
                 "Project (columns: 1)\n"
                 "  Filter\n"
                 "    DynamoDB Scan demo.events\n");
}

/* ---- Scan ------------------------------------------------------------------------ */

static void test_scan_otherwise(void **state)
{
    (void)state;
    assert_read("SELECT ts FROM events WHERE reading > 300",
                "Project (columns: 1)\n"
                "  Filter\n"
                "    DynamoDB Scan demo.events\n",
                "{\"TableName\":\"events\",\"FilterExpression\":\"#n0 > :v0\","
                "\"ProjectionExpression\":\"#n0, #n1, #n2\",\"ExpressionAttributeNames\":{\"#n0\":"
                "\"reading\",\"#n1\":\"ts\",\"#n2\":\"device\"},\"ExpressionAttributeValues\":{"
                "\":v0\":{\"N\":\"300\"}},\"ConsistentRead\":false,\"ReturnConsumedCapacity\":"
                "\"TOTAL\"}");
    /* OR on the key, a function of the key, the sort key alone: no key
       condition. */
    const char *scans[] = {"SELECT name FROM users WHERE user_id = 'u01' OR user_id = 'u02'",
                           "SELECT name FROM users WHERE UPPER(user_id) = 'U01'",
                           "SELECT name FROM users WHERE user_id > 'u05'"};
    for (size_t i = 0; i < 3; i++)
        assert_shape(scans[i], "Project (columns: 1)\n"
                               "  Filter\n"
                               "    DynamoDB Scan demo.users\n");
    assert_shape("SELECT device FROM events WHERE ts = 3", "Project (columns: 1)\n"
                                                           "  Filter\n"
                                                           "    DynamoDB Scan demo.events\n");
    /* No WHERE: no Filter either. */
    assert_shape("SELECT name FROM users", "Project (columns: 1)\n"
                                           "  DynamoDB Scan demo.users\n");
}

/* ---- joins ----------------------------------------------------------------------- */

static void test_join_methods(void **state)
{
    (void)state;
    /* devices (4 items) joined on users' key: a batched key lookup reads
       fewer items than reading users whole. */
    built b;
    build_ok(&b, "SELECT d.model, u.name FROM devices d JOIN users u ON d.owner = u.user_id");
    char *shape = shape_of(b.text);
    assert_string_equal(shape,
                        "Project (columns: 2)\n"
                        "  LookupJoin INNER demo.users AS u by BatchGetItem on user_id, residual\n"
                        "    DynamoDB Scan demo.devices AS d\n");
    free(shape);
    built_free(&b);

    /* The key restriction of one side implied for the other through the
       join equality: both sides are single GetItems. */
    assert_shape("SELECT device, model, ts FROM devices JOIN events USING (device) "
                 "WHERE device = 'd1' AND ts = 1",
                 "Project (columns: 3)\n"
                 "  HashJoin INNER (keys: 1)\n"
                 "    Filter\n"
                 "      DynamoDB GetItem demo.devices\n"
                 "    Filter\n"
                 "      DynamoDB GetItem demo.events\n");
    assert_shape("SELECT e.ts, d.model FROM events e JOIN devices d ON e.device = d.device "
                 "WHERE e.device = 'd2'",
                 "Project (columns: 2)\n"
                 "  HashJoin INNER (keys: 1)\n"
                 "    Filter\n"
                 "      DynamoDB Query demo.events AS e\n"
                 "    Filter\n"
                 "      DynamoDB GetItem demo.devices AS d\n");
    /* No equality: a nested loop. */
    build_ok(&b, "SELECT d.device, n.id FROM devices d JOIN nums n ON n.sq > 10");
    assert_contains(b.text, "NestedLoopJoin INNER");
    built_free(&b);
}

/* ---- streaming, cursors and page hints ------------------------------------------ */

static void test_streaming_reader_and_start_key(void **state)
{
    (void)state;
    built b;
    build_ok(&b, "SELECT ts FROM events WHERE device = 'd1'");
    assert_non_null(b.plan.resume_reader);
    assert_false(b.plan.start_key_used);
    assert_int_equal(b.plan.nclients, 1);
    built_free(&b);

    /* A blocking operator, a LIMIT, a key read or two reads: re-execute. */
    const char *blocking[] = {
        "SELECT ts FROM events WHERE device = 'd1' ORDER BY reading",
        "SELECT device, COUNT(*) FROM events GROUP BY device",
        "SELECT ts FROM events WHERE device = 'd1' LIMIT 3",
        "SELECT name FROM users WHERE user_id = 'u01'",
        "SELECT device FROM devices UNION ALL SELECT device FROM events",
        "SELECT DISTINCT kind FROM events",
    };
    for (size_t i = 0; i < sizeof blocking / sizeof blocking[0]; i++) {
        build_ok(&b, blocking[i]);
        if (b.plan.resume_reader)
            fail_msg("%s should not stream", blocking[i]);
        built_free(&b);
    }

    /* A cursor's key that names exactly the Query's key attributes resumes
       the read after it. */
    json_object *key = json_tokener_parse("{\"device\":{\"S\":\"d1\"},\"ts\":{\"N\":\"4\"}}");
    plan_opts po = {.max_segments = 1, .start_key = key, .row_hint = 5};
    build_ok_opts(&b, "SELECT ts FROM events WHERE device = 'd1'", &po);
    assert_true(b.plan.start_key_used);
    assert_non_null(b.plan.resume_reader);
    assert_contains(b.text, "\"Limit\":5,");
    built_free(&b);
    json_object_put(key);

    /* One that does not fit (the plan changed: a GSI Query's items also
       carry the index key) is not used: the run re-executes and skips. */
    key = json_tokener_parse("{\"device\":{\"S\":\"d1\"},\"ts\":{\"N\":\"4\"}}");
    po.start_key = key;
    build_ok_opts(&b, "SELECT ts FROM events WHERE kind = 'temp'", &po);
    assert_false(b.plan.start_key_used);
    assert_lacks(b.text, "ExclusiveStartKey");
    built_free(&b);
    json_object_put(key);
}

/* ---- result columns --------------------------------------------------------------- */

static void assert_cols(const char *sql, int n, const char *const *names)
{
    built b;
    build_ok(&b, sql);
    if (b.plan.ncols != n)
        fail_msg("%s: %d columns, want %d", sql, b.plan.ncols, n);
    for (int i = 0; i < n; i++) {
        if (strcmp(b.plan.cols[i].name, names[i]) != 0)
            fail_msg("%s: column %d is %s, want %s", sql, i, b.plan.cols[i].name, names[i]);
        assert_false(b.plan.cols[i].star);
    }
    built_free(&b);
}

static void test_column_names(void **state)
{
    (void)state;
    /* An alias, else a column's last name step, else a function's name,
       else colN (N = the position in the SELECT list). */
    assert_cols("SELECT name AS n, age + 1, UPPER(name), address.city, COUNT(*) OVER () "
                "FROM users",
                5, (const char *const[]){"n", "col2", "upper", "city", "count"});
    /* VALUES columns are column1, column2... until the alias list names them. */
    assert_cols("SELECT * FROM (VALUES (1, 'a'), (2, 'b')) v", 2,
                (const char *const[]){"column1", "column2"});
    assert_cols("SELECT column2 FROM (VALUES (1, 'a')) v", 1, (const char *const[]){"column2"});
    assert_cols("SELECT * FROM (VALUES (1, 'a')) v (x, y)", 2, (const char *const[]){"x", "y"});
    /* A CTE's column list renames its query's columns. */
    assert_cols("WITH c (a, b) AS (SELECT user_id, age FROM users) SELECT * FROM c", 2,
                (const char *const[]){"a", "b"});
    /* A set operation takes the left side's names. */
    assert_cols("SELECT device AS x FROM devices UNION SELECT owner FROM devices", 1,
                (const char *const[]){"x"});
}

static void test_star_columns(void **state)
{
    (void)state;
    built b;
    build_ok(&b, "SELECT * FROM events WHERE device = 'd1'");
    assert_int_equal(b.plan.ncols, 1);
    assert_true(b.plan.cols[0].star);
    assert_string_equal(b.plan.cols[0].name, "events");
    assert_string_equal(b.plan.cols[0].pk, "device");
    assert_string_equal(b.plan.cols[0].sk, "ts");
    /* The whole item is read: no ProjectionExpression. */
    assert_lacks(b.text, "ProjectionExpression");
    built_free(&b);

    build_ok(&b, "SELECT d.*, 1 AS one, u.* FROM devices d JOIN users u ON d.owner = u.user_id");
    assert_int_equal(b.plan.ncols, 3);
    assert_true(b.plan.cols[0].star);
    assert_string_equal(b.plan.cols[0].name, "d");
    assert_string_equal(b.plan.cols[0].pk, "device");
    assert_null(b.plan.cols[0].sk);
    assert_false(b.plan.cols[1].star);
    assert_string_equal(b.plan.cols[1].name, "one");
    assert_true(b.plan.cols[2].star);
    assert_string_equal(b.plan.cols[2].name, "u");
    assert_string_equal(b.plan.cols[2].pk, "user_id");
    built_free(&b);
}

static void test_using_merges_the_column(void **state)
{
    (void)state;
    /* Unqualified, a USING column is the joined column, not ambiguous. */
    built b;
    build_ok(&b, "SELECT device, model, ts FROM devices JOIN events USING (device)");
    assert_int_equal(b.plan.ncols, 3);
    assert_string_equal(b.plan.cols[0].name, "device");
    built_free(&b);
    build_ok(&b, "SELECT device FROM devices FULL JOIN events USING (device) WHERE device = 'd1'");
    built_free(&b);
    /* Written with ON, the same name is ambiguous. */
    bind_fails("SELECT device FROM devices d JOIN events e ON d.device = e.device", 1, 8,
               "column device is ambiguous: more than one table has it",
               "qualify the column with its table's alias, e.g. o.status");
}

/* ---- binder errors ------------------------------------------------------------------ */

static void test_error_unknown_column(void **state)
{
    (void)state;
    bind_fails("SELECT nmae FROM users", 1, 8, "unknown column nmae",
               "did you mean name? If the attribute exists but the sample missed it, write it in "
               "double quotes");
    /* The position is the column's, on its line. */
    bind_fails("SELECT name\nFROM users\nWHERE nmae = 1 AND age > 2", 3, 7, "unknown column nmae",
               "did you mean name? If the attribute exists but the sample missed it, write it in "
               "double quotes");
    bind_fails("SELECT name FROM users WHERE user_id = 'u01' ORDER BY nmae", 1, 55,
               "unknown column nmae",
               "did you mean name? If the attribute exists but the sample missed it, write it in "
               "double quotes");
    /* Nothing near: the way to find the columns. */
    bind_fails("SELECT zzzzzz FROM users", 1, 8, "unknown column zzzzzz",
               "call describe_table to see the columns; if the attribute exists but the sample "
               "missed it, write it in double quotes");
    /* A derived table's columns are its query's. */
    bind_fails("SELECT n FROM (SELECT name AS n FROM users) d WHERE d.zz = 1", 1, 53,
               "d has no column zz", "use one of the columns its query defines");
    bind_fails("WITH c AS (SELECT user_id, age FROM users) SELECT nmae FROM c", 1, 51,
               "unknown column nmae",
               "call describe_table to see the columns; if the attribute exists but the sample "
               "missed it, write it in double quotes");
    /* Inside EXISTS (its bound query is freed with the expression). */
    bind_fails("SELECT name FROM users WHERE EXISTS (SELECT nmae FROM devices)", 1, 45,
               "unknown column nmae",
               "call describe_table to see the columns; if the attribute exists but the sample "
               "missed it, write it in double quotes");
}

static void test_error_unknown_table_schema_alias(void **state)
{
    (void)state;
    /* The nearest table the catalog knows is suggested (users is known
       once described). */
    built b;
    build_ok(&b, "SELECT name FROM users");
    built_free(&b);
    bind_fails("SELECT name FROM userz", 1, 18,
               "table 'userz' does not exist in schema 'demo'. Call list_tables to see the tables "
               "you can use.",
               "did you mean demo.users?");
    bind_fails("SELECT name FROM users u JOIN userz z ON u.user_id = z.user_id", 1, 31,
               "table 'userz' does not exist in schema 'demo'. Call list_tables to see the tables "
               "you can use.",
               "did you mean demo.users?");
    bind_fails("SELECT name FROM nope.users", 1, 18,
               "unknown schema 'nope'. Configured schemas: 'demo'. Omit schema_name to use the "
               "default schema 'demo'.",
               "name a configured schema, or leave it out for the default one");
    bind_fails("SELECT x.name FROM users u", 1, 8,
               "unknown table or alias x: the FROM clause has u, and no column is named x",
               "qualify columns with one of: u");
    bind_fails("SELECT u.* FROM users", 1, 8, "u.* names no table of the FROM clause",
               "use the alias of a table in the FROM clause");
    bind_fails("SELECT *", 1, 8, "SELECT * needs a FROM clause",
               "name the columns, or add a FROM clause");
}

/* A transport that throttles every call, as DynamoDB does under load. */
static int throttling_transport(void *ctx, ddb_op op, json_object *req, const char *body,
                                buf_t *resp)
{
    (void)ctx, (void)op, (void)req, (void)body;
    buf_puts(resp, "{\"__type\":\"com.amazon.coral.availability#ThrottlingException\","
                   "\"message\":\"Rate of requests exceeds the allowed throughput.\"}");
    return 400;
}

static void test_error_table_throttled(void **state)
{
    (void)state;
    /* A table that cannot be described because DynamoDB throttled the call
       is no misspelled table: the hint says to retry, not "did you mean". */
    catalog_error ce;
    ddb_client *c = catalog_client(FX.cat, catalog_schema(FX.cat, NULL, &ce));
    ddb_client_set_transport(c, throttling_transport, NULL);
    bind_fails("SELECT * FROM not_described_yet", 1, 15,
               "DescribeTable in schema 'demo' failed: the transport failed DescribeTable with "
               "HTTP 400 (ThrottlingException: Rate of requests exceeds the allowed throughput.)",
               "this is not a mistake in the SQL: DynamoDB failed while the table was being "
               "described; wait a little and run the query again, and tell the user if it keeps "
               "failing");
    ddb_client_set_transport(c, NULL, NULL);
}

static void test_error_ambiguous(void **state)
{
    (void)state;
    bind_fails("SELECT name FROM users u JOIN users v ON u.user_id = v.user_id", 1, 8,
               "column name is ambiguous: more than one table has it",
               "qualify the column with its table's alias, e.g. o.status");
    bind_fails("SELECT d.device FROM devices d JOIN events e ON d.device = e.device "
               "WHERE kind = 'x' AND device = 'd1'",
               1, 90, "column device is ambiguous: more than one table has it",
               "qualify the column with its table's alias, e.g. o.status");
}

static void test_error_grouping(void **state)
{
    (void)state;
    bind_fails("SELECT name, COUNT(*) FROM users GROUP BY age", 1, 8,
               "column name must appear in GROUP BY or inside an aggregate",
               "add it to GROUP BY, or use it inside an aggregate such as MAX(...)");
    bind_fails("SELECT COUNT(*) AS n, name FROM users", 1, 23,
               "column name must appear in GROUP BY or inside an aggregate",
               "add it to GROUP BY, or use it inside an aggregate such as MAX(...)");
    bind_fails("SELECT age FROM users GROUP BY age HAVING name = 'x'", 1, 43,
               "column name must appear in GROUP BY or inside an aggregate",
               "add it to GROUP BY, or use it inside an aggregate such as MAX(...)");
    bind_fails("SELECT name FROM users WHERE COUNT(*) > 1", 1, 30,
               "COUNT(...) is not allowed in WHERE: WHERE filters rows before they are grouped",
               "filter on aggregates with HAVING (after GROUP BY), or compute them in a subquery");
    bind_fails("SELECT SUM(COUNT(*)) FROM users", 1, 12,
               "aggregate calls cannot be nested: COUNT(...) inside another aggregate",
               "aggregate one level at a time: compute the inner aggregate in a derived table, "
               "e.g. SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM t GROUP BY k) x");
    bind_fails("SELECT name FROM users GROUP BY 5", 1, 33,
               "GROUP BY position 5 does not name an expression of the SELECT list",
               "positions count the SELECT list from 1");
}

static void test_error_window_placement(void **state)
{
    (void)state;
    static const char hint[] = "compute it in a derived table, e.g. SELECT * FROM (SELECT ..., "
                               "ROW_NUMBER() OVER (...) AS rn FROM t) x WHERE rn <= 3";
    bind_fails("SELECT name FROM users WHERE ROW_NUMBER() OVER (ORDER BY age) = 1", 1, 30,
               "window function ROW_NUMBER(...) OVER is allowed only in the SELECT list and ORDER "
               "BY",
               hint);
    bind_fails("SELECT name FROM users GROUP BY ROW_NUMBER() OVER (ORDER BY age)", 1, 33,
               "window function ROW_NUMBER(...) OVER is allowed only in the SELECT list and ORDER "
               "BY",
               hint);
}

static void test_error_order_by(void **state)
{
    (void)state;
    bind_fails("SELECT name FROM users ORDER BY 2", 1, 33,
               "ORDER BY position 2 is not between 1 and 1",
               "positions count the SELECT list from 1");
    bind_fails("SELECT name, age FROM users ORDER BY 0", 1, 38,
               "ORDER BY position 0 is not between 1 and 2",
               "positions count the SELECT list from 1");
    bind_fails("SELECT DISTINCT name FROM users ORDER BY age", 1, 42,
               "with SELECT DISTINCT, ORDER BY expressions must appear in the SELECT list",
               "add the expression to the SELECT list");
}

static void test_error_set_operation_widths(void **state)
{
    (void)state;
    bind_fails("SELECT name FROM users UNION SELECT name, age FROM users", 1, 24,
               "the two sides of UNION have 1 and 2 columns",
               "make both sides select the same number of columns");
    bind_fails("SELECT name FROM users UNION ALL SELECT name, age FROM users", 1, 24,
               "the two sides of UNION have 1 and 2 columns",
               "make both sides select the same number of columns");
    bind_fails("SELECT 1 INTERSECT SELECT 1, 2", 1, 10,
               "the two sides of INTERSECT have 1 and 2 columns",
               "make both sides select the same number of columns");
    bind_fails("SELECT 1, 2, 3 EXCEPT SELECT 1", 1, 16,
               "the two sides of EXCEPT have 3 and 1 columns",
               "make both sides select the same number of columns");
}

static void test_error_values_and_using(void **state)
{
    (void)state;
    /* VALUES columns are named column1... : another name is unknown. */
    bind_fails("SELECT a FROM (VALUES (1, 2)) v", 1, 8, "unknown column a",
               "call describe_table to see the columns; if the attribute exists but the sample "
               "missed it, write it in double quotes");
    bind_fails("SELECT device FROM devices JOIN events USING (nothing)", 1, 28,
               "USING column nothing is not a column of devices",
               "USING (c) needs a column c on both sides; otherwise write ON a.x = b.y");
}

static void test_error_subquery_columns(void **state)
{
    (void)state;
    /* A scalar or IN subquery gives one column (EXISTS may select any);
       its bound query is freed on the way out (LeakSanitizer/valgrind). */
    bind_fails("SELECT (SELECT owner, model FROM devices) FROM users", 1, 8,
               "the subquery returns 2 columns where one is needed",
               "select exactly one column in the subquery");
    bind_fails("SELECT name FROM users WHERE user_id IN (SELECT owner, model FROM devices)", 1, 38,
               "the subquery returns 2 columns where one is needed",
               "select exactly one column in the subquery");
    /* An error inside the subquery is reported as itself. */
    bind_fails("SELECT name FROM users WHERE age > (SELECT nmae FROM users WHERE user_id = "
               "'u01')",
               1, 44, "unknown column nmae",
               "did you mean name? If the attribute exists but the sample missed it, write it in "
               "double quotes");
    built b;
    build_ok(&b, "SELECT name FROM users WHERE EXISTS (SELECT owner, model FROM devices)");
    built_free(&b);
}

static void test_error_functions(void **state)
{
    (void)state;
    bind_fails("SELECT UPPR(name) FROM users", 1, 8, "unknown function UPPR",
               "did you mean UPPER? All functions are listed in ddbsql://docs/sql-reference");
    bind_fails("SELECT LENGTH() FROM users", 1, 8, "LENGTH takes 1 argument, got 0", "LENGTH(s)");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, need_dynalite)
    const struct CMUnitTest tests[] = {
        T(test_get_item_partition_key),
        T(test_get_item_composite_and_numeric_keys),
        T(test_key_value_that_cannot_match),
        T(test_batch_get_in_list),
        T(test_batch_get_composite_key),
        T(test_query_sort_key_conditions),
        T(test_query_residual_goes_to_filter_expression),
        T(test_query_order_and_limit),
        T(test_query_gsi),
        T(test_sparse_gsi),
        T(test_in_on_partition_key_splits_into_queries),
        T(test_scan_otherwise),
        T(test_join_methods),
        T(test_streaming_reader_and_start_key),
        T(test_column_names),
        T(test_star_columns),
        T(test_using_merges_the_column),
        T(test_error_unknown_column),
        T(test_error_unknown_table_schema_alias),
        T(test_error_table_throttled),
        T(test_error_ambiguous),
        T(test_error_grouping),
        T(test_error_window_placement),
        T(test_error_order_by),
        T(test_error_set_operation_widths),
        T(test_error_values_and_using),
        T(test_error_subquery_columns),
        T(test_error_functions),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

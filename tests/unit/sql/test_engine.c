/* sql_run (sql/engine.c) end to end over a real dynalite through the
 * catalog: SELECT * expansion (key attributes first, the rest by name,
 * clashes between stars), EXPLAIN and plan mode (no DynamoDB call),
 * streaming cursors (a page resumes from the last item's key and reads
 * only about its own rows), re-executing cursors, LIMIT stopping the read,
 * ORDER BY on the sort key without a sort, and the lookup join. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/support/aws_test_env.h"
#include "tests/unit/support/dynalite.h"
#include "tests/unit/support/mcp_fixture.h"

#include "core/catalog/catalog.h"
#include "sql/engine.h"

static dynalite *dyn;
static config cfg;
static catalog *cat;

/* ---- data ------------------------------------------------------------------------ */

#define TABLE_JSON(name, keys, defs)                                                               \
    "{\"TableName\":\"" name "\",\"AttributeDefinitions\":[" defs "],\"KeySchema\":[" keys         \
    "],\"ProvisionedThroughput\":{\"ReadCapacityUnits\":5,\"WriteCapacityUnits\":5}}"
#define DEF(n, t) "{\"AttributeName\":\"" n "\",\"AttributeType\":\"" t "\"}"
#define HASH(n)   "{\"AttributeName\":\"" n "\",\"KeyType\":\"HASH\"}"
#define RANGE(n)  "{\"AttributeName\":\"" n "\",\"KeyType\":\"RANGE\"}"

/* items: id (S) + n (N). Partition "a" has n = 1..20 with v = n; items 1-3
 * carry attributes the others lack (Zeta, alpha as a NULL, color, size as a
 * number and as a string). Partition "b" has n = 1..3. */
static void load_items(void)
{
    dynalite_create_table(
        dyn, TABLE_JSON("items", HASH("id") "," RANGE("n"), DEF("id", "S") "," DEF("n", "N")));
    buf_t b = BUF_INIT(1 << 20);
    buf_putc(&b, '[');
    for (int n = 1; n <= 20; n++) {
        const char *extra = n == 1   ? ",\"color\":{\"S\":\"red\"}"
                            : n == 2 ? ",\"size\":{\"N\":\"5\"},\"Zeta\":{\"BOOL\":true}"
                            : n == 3 ? ",\"size\":{\"S\":\"L\"},\"alpha\":{\"NULL\":true}"
                                     : "";
        buf_printf(&b, "%s{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"%d\"},\"v\":{\"N\":\"%d\"}%s}",
                   n > 1 ? "," : "", n, n, extra);
    }
    for (int n = 1; n <= 3; n++)
        buf_printf(&b, ",{\"id\":{\"S\":\"b\"},\"n\":{\"N\":\"%d\"},\"v\":{\"N\":\"%d\"}}", n,
                   100 + n);
    buf_putc(&b, ']');
    dynalite_put_items(dyn, "items", buf_cstr(&b));
    buf_free(&b);
}

/* big: id (S) k000..k059, grp = i % 3. */
#define BIG_N 60
static void load_big(void)
{
    dynalite_create_table(dyn, TABLE_JSON("big", HASH("id"), DEF("id", "S")));
    buf_t b = BUF_INIT(1 << 20);
    buf_putc(&b, '[');
    for (int i = 0; i < BIG_N; i++)
        buf_printf(&b, "%s{\"id\":{\"S\":\"k%03d\"},\"grp\":{\"N\":\"%d\"}}", i ? "," : "", i,
                   i % 3);
    buf_putc(&b, ']');
    dynalite_put_items(dyn, "big", buf_cstr(&b));
    buf_free(&b);
}

/* people: id (S) p00..p39 with name and city; pets: id (S) t1..t3 with
 * name, owner (a person) and kind. Both have id and name: SELECT * over a
 * join of the two clashes. */
static void load_people(void)
{
    dynalite_create_table(dyn, TABLE_JSON("people", HASH("id"), DEF("id", "S")));
    buf_t b = BUF_INIT(1 << 20);
    buf_putc(&b, '[');
    for (int i = 0; i < 40; i++)
        buf_printf(&b,
                   "%s{\"id\":{\"S\":\"p%02d\"},\"name\":{\"S\":\"person %d\"},\"city\":{\"S\":"
                   "\"c%d\"}}",
                   i ? "," : "", i, i, i % 4);
    buf_putc(&b, ']');
    dynalite_put_items(dyn, "people", buf_cstr(&b));
    buf_free(&b);
    dynalite_create_table(dyn, TABLE_JSON("pets", HASH("id"), DEF("id", "S")));
    dynalite_put_items(
        dyn, "pets",
        "[{\"id\":{\"S\":\"t1\"},\"name\":{\"S\":\"Rex\"},\"owner\":{\"S\":\"p01\"},\"kind\":{"
        "\"S\":\"dog\"}},"
        "{\"id\":{\"S\":\"t2\"},\"name\":{\"S\":\"Tom\"},\"owner\":{\"S\":\"p02\"},\"kind\":{"
        "\"S\":\"cat\"}},"
        "{\"id\":{\"S\":\"t3\"},\"name\":{\"S\":\"Kit\"},\"owner\":{\"S\":\"p99\"},\"kind\":{"
        "\"S\":\"cat\"}}]");
}

/* wide: one item with 1100 attributes. */
static void load_wide(void)
{
    dynalite_create_table(dyn, TABLE_JSON("wide", HASH("id"), DEF("id", "S")));
    buf_t b = BUF_INIT(1 << 20);
    buf_puts(&b, "[{\"id\":{\"S\":\"w\"}");
    for (int i = 0; i < 1100; i++)
        buf_printf(&b, ",\"a%04d\":{\"N\":\"%d\"}", i, i);
    buf_puts(&b, "}]");
    dynalite_put_items(dyn, "wide", buf_cstr(&b));
    buf_free(&b);
}

static int group_setup(void **state)
{
    (void)state;
    aws_test_env_isolate();
    dyn = dynalite_start();
    if (!dyn)
        return 0;
    load_items();
    load_big();
    load_people();
    load_wide();
    fx_config_load(&cfg,
                   FX_GLOBAL_CONF("sample_size = 1000\n")
                       FX_SCHEMA_CONF("t", "default = true\nendpoint = %s\ntables = *\n"),
                   fake_http_free_port(), dynalite_url(dyn));
    cat = catalog_new(&cfg, NULL);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (cat) {
        catalog_free(cat);
        config_free(&cfg);
    }
    dynalite_stop(dyn);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    if (!dyn) {
        print_message("SKIP: node is not installed, so dynalite cannot run\n");
        skip();
    }
    return 0;
}

/* ---- running ----------------------------------------------------------------------- */

/* The DynamoDB calls of the last run. */
static struct {
    int n;
    char ops[64][16];
    char reqs[64][2048];
} calls;

static void on_call(void *ctx, const ddb_trace_event *ev)
{
    (void)ctx;
    if (ev->op == DDB_DESCRIBE_TABLE || ev->op == DDB_LIST_TABLES || calls.n == 64)
        return;
    snprintf(calls.ops[calls.n], sizeof calls.ops[0], "%s", ddb_op_name(ev->op));
    snprintf(calls.reqs[calls.n], sizeof calls.reqs[0], "%s",
             ev->request ? json_compact(ev->request) : "");
    calls.n++;
}

static bool run_page(const char *sql, int64_t max_rows, int64_t skip, json_object *start_key,
                     sql_mode mode, sql_result *r)
{
    memset(&calls, 0, sizeof calls);
    sql_engine_env env = {.cat = cat, .max_segments = 1, .trace = on_call};
    sql_run_opts o = {.mode = mode, .max_rows = max_rows, .skip = skip, .start_key = start_key};
    bool ok = sql_run(&env, sql, strlen(sql), &o, r);
    if (!ok)
        print_message("sql_run failed: %s (hint: %s)\n", r->err.message, r->hint);
    return ok;
}

static void run_ok(const char *sql, int64_t max_rows, sql_result *r)
{
    assert_true(run_page(sql, max_rows, 0, NULL, SQL_MODE_EXECUTE, r));
}

static const value_t *cell(const sql_result *r, int64_t row, int col)
{
    assert_true(row < r->nrows && col < r->ncols);
    return &r->rows[row * r->ncols + col];
}

/* A cell as text: strings as they are, numbers by their text, NULL as
 * "NULL", anything else as JSON. */
static const char *text(const sql_result *r, int64_t row, int col)
{
    static char out[4][256];
    static int k;
    char *o = out[k++ % 4];
    const value_t *v = cell(r, row, col);
    if (v->type == VAL_NULL) {
        snprintf(o, 256, "NULL");
    } else if (v->type == VAL_STRING) {
        snprintf(o, 256, "%s", v->u.bytes->data);
    } else {
        json_object *j = value_to_json(v);
        snprintf(o, 256, "%s", json_compact(j));
        json_object_put(j);
    }
    return o;
}

static void assert_columns(const sql_result *r, const char *const *names, const char *const *types,
                           int n)
{
    if (r->ncols != n) {
        for (int i = 0; i < r->ncols; i++)
            print_message("column %d: %s (%s)\n", i, r->columns[i].name, r->columns[i].type);
    }
    assert_int_equal(r->ncols, n);
    for (int i = 0; i < n; i++) {
        assert_string_equal(r->columns[i].name, names[i]);
        if (types)
            assert_string_equal(r->columns[i].type, types[i]);
    }
}

/* ---- SELECT * ------------------------------------------------------------------------- */

static void test_star_keys_first_then_names(void **state)
{
    (void)state;
    sql_result r;
    run_ok("SELECT * FROM items WHERE id = 'a' AND n <= 3", 100, &r);
    /* Byte order puts Zeta before alpha; size is a number and a string. */
    static const char *const names[] = {"id", "n", "Zeta", "alpha", "color", "size", "v"};
    static const char *const types[] = {"STRING", "NUMBER", "BOOLEAN", "NULL",
                                        "STRING", "MIXED",  "NUMBER"};
    assert_columns(&r, names, types, 7);
    assert_int_equal(r.nrows, 3);
    assert_string_equal(text(&r, 0, 1), "1");
    assert_string_equal(text(&r, 0, 4), "red");
    assert_string_equal(text(&r, 0, 5), "NULL"); /* missing */
    assert_string_equal(text(&r, 1, 2), "true");
    assert_string_equal(text(&r, 1, 5), "5");
    assert_string_equal(text(&r, 2, 5), "L");
    assert_string_equal(text(&r, 2, 6), "3");
    sql_result_free(&r);
}

static void test_star_no_rows_keeps_keys(void **state)
{
    (void)state;
    sql_result r;
    run_ok("SELECT * FROM items WHERE id = 'nobody'", 100, &r);
    static const char *const names[] = {"id", "n"};
    static const char *const types[] = {"NULL", "NULL"};
    assert_columns(&r, names, types, 2);
    assert_int_equal(r.nrows, 0);
    sql_result_free(&r);
}

static void test_star_with_other_columns(void **state)
{
    (void)state;
    sql_result r;
    run_ok("SELECT v + 1 AS w, i.*, n FROM items i WHERE id = 'b' AND n = 2", 100, &r);
    static const char *const names[] = {"w", "id", "n", "v", "n"};
    assert_columns(&r, names, NULL, 5);
    assert_string_equal(text(&r, 0, 0), "103");
    assert_string_equal(text(&r, 0, 1), "b");
    assert_string_equal(text(&r, 0, 3), "102");
    assert_string_equal(text(&r, 0, 4), "2");
    sql_result_free(&r);
}

static void test_star_join_clash_is_qualified(void **state)
{
    (void)state;
    sql_result r;
    run_ok("SELECT * FROM pets t JOIN people p ON p.id = t.owner WHERE t.id = 't1'", 100, &r);
    /* id and name come from both stars: alias.attr; the rest keep their names. */
    static const char *const names[] = {"t.id", "kind", "t.name", "owner",
                                        "p.id", "city", "p.name"};
    assert_columns(&r, names, NULL, 7);
    assert_int_equal(r.nrows, 1);
    assert_string_equal(text(&r, 0, 0), "t1");
    assert_string_equal(text(&r, 0, 2), "Rex");
    assert_string_equal(text(&r, 0, 4), "p01");
    assert_string_equal(text(&r, 0, 6), "person 1");
    sql_result_free(&r);
}

static void test_star_same_table_twice(void **state)
{
    (void)state;
    sql_result r;
    run_ok("SELECT p.*, p.* FROM people p WHERE id = 'p03'", 100, &r);
    static const char *const names[] = {"p.id",   "p.city",   "p.name",
                                        "p.id_2", "p.city_2", "p.name_2"};
    assert_columns(&r, names, NULL, 6);
    assert_string_equal(text(&r, 0, 5), "person 3");
    sql_result_free(&r);
}

static void test_star_left_join_null_side(void **state)
{
    (void)state;
    sql_result r;
    run_ok("SELECT t.id, p.* FROM pets t LEFT JOIN people p ON p.id = t.owner ORDER BY t.id", 100,
           &r);
    static const char *const names[] = {"id", "id", "city", "name"};
    assert_columns(&r, names, NULL, 4);
    assert_int_equal(r.nrows, 3);
    assert_string_equal(text(&r, 2, 0), "t3");
    assert_string_equal(text(&r, 2, 1), "NULL"); /* p99 does not exist */
    assert_string_equal(text(&r, 2, 3), "NULL");
    assert_string_equal(text(&r, 1, 3), "person 2");
    sql_result_free(&r);
}

static void test_star_too_many_columns(void **state)
{
    (void)state;
    sql_result r;
    assert_false(run_page("SELECT * FROM wide", 10, 0, NULL, SQL_MODE_EXECUTE, &r));
    assert_int_equal(r.fail, SQL_FAIL_EXEC);
    assert_non_null(strstr(r.err.message, "SELECT * would give 1101 columns"));
    assert_non_null(strstr(r.hint, "name the attributes"));
    sql_result_free(&r);
    /* Naming a few is fine. */
    run_ok("SELECT id, a0001, \"a1099\" FROM wide", 10, &r);
    assert_string_equal(text(&r, 0, 2), "1099");
    sql_result_free(&r);
}

/* ---- EXPLAIN and plan mode ---------------------------------------------------------------- */

static void test_explain_rows_read_nothing(void **state)
{
    (void)state;
    sql_result r;
    run_ok("EXPLAIN SELECT id FROM items WHERE id = 'a' AND n > 5", 100, &r);
    assert_true(r.explain);
    static const char *const names[] = {"plan"};
    static const char *const types[] = {"STRING"};
    assert_columns(&r, names, types, 1);
    assert_int_equal(calls.n, 0);
    assert_int_equal(r.stats.items_read, 0);
    /* One row per line of the plan text. */
    int64_t lines = 0;
    for (const char *p = r.plan; *p; p++)
        lines += *p == '\n';
    assert_int_equal(r.nrows, lines);
    bool query = false, why = false, request = false;
    for (int64_t i = 0; i < r.nrows; i++) {
        const char *t = text(&r, i, 0);
        query |= strstr(t, "DynamoDB Query t.items") != NULL;
        why |= strstr(t, "why: Query on items (id = ..., n > ...)") != NULL;
        request |= strstr(t, "\"KeyConditionExpression\":\"#n0 = :v0 AND #n1 > :v1\"") != NULL;
    }
    assert_true(query && why && request);
    assert_non_null(strstr(r.plan, "Paging: streaming"));
    sql_result_free(&r);
}

static void test_plan_mode_reads_nothing(void **state)
{
    (void)state;
    sql_result r;
    /* The subquery's value would be a key: EXPLAIN does not run it. */
    assert_true(run_page("SELECT n FROM items WHERE id = (SELECT MIN(id) FROM items)", 10, 0, NULL,
                         SQL_MODE_PLAN, &r));
    assert_int_equal(calls.n, 0);
    assert_int_equal(r.nrows, 0);
    assert_false(r.explain);
    assert_non_null(strstr(r.plan, "built when the query runs"));
    sql_result_free(&r);
}

/* ---- cursors ----------------------------------------------------------------------------- */

/* Reads every page of sql (max_rows each) through streaming cursors:
 * checks each page resumes from the key, reads at most max_rows + 1
 * items, and returns the first column of every row, in order, into got. */
static int stream_all(const char *sql, int64_t max_rows, char got[][16], int cap)
{
    int n = 0, pages = 0;
    json_object *key = NULL;
    int64_t skip = 0;
    for (;;) {
        sql_result r;
        assert_true(run_page(sql, max_rows, skip, key, SQL_MODE_EXECUTE, &r));
        pages++;
        if (key)
            assert_non_null(strstr(calls.reqs[0], "\"ExclusiveStartKey\""));
        assert_true(r.stats.items_read <= max_rows + 1);
        for (int64_t i = 0; i < r.nrows && n < cap; i++)
            snprintf(got[n++], 16, "%s", text(&r, i, 0));
        json_object_put(key);
        key = NULL;
        if (!r.truncated) {
            assert_null(r.next_start_key);
            sql_result_free(&r);
            break;
        }
        assert_non_null(r.next_start_key);
        assert_int_equal(r.nrows, max_rows);
        assert_int_equal(r.next_skip, skip + max_rows);
        key = json_object_get(r.next_start_key);
        skip = r.next_skip;
        sql_result_free(&r);
        assert_true(pages < 100);
    }
    return n;
}

static void test_stream_query_pages(void **state)
{
    (void)state;
    char got[64][16];
    int n = stream_all("SELECT n FROM items WHERE id = 'a'", 6, got, 64);
    assert_int_equal(n, 20);
    for (int i = 0; i < 20; i++) {
        char want[16];
        snprintf(want, sizeof want, "%d", i + 1);
        assert_string_equal(got[i], want);
    }
}

static void test_stream_query_backward_no_sort(void **state)
{
    (void)state;
    char got[64][16];
    int n = stream_all("SELECT n FROM items WHERE id = 'a' AND n >= 4 ORDER BY n DESC", 5, got, 64);
    assert_int_equal(n, 17);
    for (int i = 0; i < 17; i++) {
        char want[16];
        snprintf(want, sizeof want, "%d", 20 - i);
        assert_string_equal(got[i], want);
    }
    sql_result r;
    run_ok("SELECT n FROM items WHERE id = 'a' ORDER BY n DESC", 5, &r);
    assert_null(strstr(r.plan, "Sort"));
    assert_non_null(strstr(r.plan, "\"ScanIndexForward\":false"));
    sql_result_free(&r);
}

static void test_stream_scan_pages_read_their_own_items(void **state)
{
    (void)state;
    char got[BIG_N + 8][16];
    int n = stream_all("SELECT id FROM big", 7, got, BIG_N + 8);
    assert_int_equal(n, BIG_N);
    /* Every item exactly once. */
    bool seen[BIG_N] = {0};
    for (int i = 0; i < n; i++) {
        int k = atoi(got[i] + 1);
        assert_true(k >= 0 && k < BIG_N);
        assert_false(seen[k]);
        seen[k] = true;
    }
}

static void test_stream_with_filter(void **state)
{
    (void)state;
    /* The filter drops two items in three: a page reads past them, and the
       next one starts after the last row's item, not after what the
       look-ahead read. */
    char got[BIG_N][16];
    int n = 0, pages = 0;
    json_object *key = NULL;
    int64_t skip = 0;
    for (;;) {
        sql_result r;
        assert_true(
            run_page("SELECT id FROM big WHERE grp = 1", 4, skip, key, SQL_MODE_EXECUTE, &r));
        pages++;
        for (int64_t i = 0; i < r.nrows; i++)
            snprintf(got[n++], 16, "%s", text(&r, i, 0));
        json_object_put(key);
        key = r.truncated ? json_object_get(r.next_start_key) : NULL;
        skip = r.next_skip;
        bool more = r.truncated;
        sql_result_free(&r);
        if (!more)
            break;
        assert_non_null(key);
    }
    assert_int_equal(n, BIG_N / 3);
    for (int i = 0; i < n; i++)
        assert_int_equal(atoi(got[i] + 1) % 3, 1);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            assert_string_not_equal(got[i], got[j]);
}

static void test_blocking_plan_skips(void **state)
{
    (void)state;
    sql_result r;
    run_ok("SELECT id FROM big ORDER BY id", 7, &r);
    assert_true(r.truncated);
    assert_null(r.next_start_key); /* the sort must see every item */
    assert_int_equal(r.next_skip, 7);
    assert_string_equal(text(&r, 6, 0), "k006");
    sql_result_free(&r);
    assert_true(run_page("SELECT id FROM big ORDER BY id", 7, 7, NULL, SQL_MODE_EXECUTE, &r));
    assert_string_equal(text(&r, 0, 0), "k007");
    assert_int_equal(r.next_skip, 14);
    sql_result_free(&r);
}

static void test_unfit_start_key_reexecutes(void **state)
{
    (void)state;
    /* A key that does not name the read's key attributes (the plan has
       changed since the cursor was issued): the page is found by skipping. */
    json_object *bad = json_tokener_parse("{\"zzz\":{\"S\":\"x\"}}");
    sql_result r, want;
    assert_true(run_page("SELECT n FROM items WHERE id = 'a'", 3, 5, bad, SQL_MODE_EXECUTE, &r));
    assert_null(strstr(calls.reqs[0], "ExclusiveStartKey"));
    run_ok("SELECT n FROM items WHERE id = 'a'", 8, &want);
    assert_int_equal(r.nrows, 3);
    for (int i = 0; i < 3; i++)
        assert_string_equal(text(&r, i, 0), text(&want, 5 + i, 0));
    sql_result_free(&r);
    sql_result_free(&want);
    json_object_put(bad);
}

static void test_limit_stops_reading(void **state)
{
    (void)state;
    sql_result r;
    run_ok("SELECT id FROM big LIMIT 3", 100, &r);
    assert_int_equal(r.nrows, 3);
    assert_int_equal(r.stats.items_read, 3);
    assert_false(r.truncated);
    sql_result_free(&r);
    /* OFFSET rows are read too, and no more. */
    run_ok("SELECT id FROM big LIMIT 3 OFFSET 10", 100, &r);
    assert_int_equal(r.nrows, 3);
    assert_int_equal(r.stats.items_read, 13);
    sql_result_free(&r);
    /* A LIMIT plan re-executes for page 2: it reads the skipped rows, its
       own and one more, not all twenty. */
    assert_true(run_page("SELECT id FROM big LIMIT 20", 5, 5, NULL, SQL_MODE_EXECUTE, &r));
    assert_int_equal(r.nrows, 5);
    assert_true(r.truncated);
    assert_int_equal(r.stats.items_read, 11);
    sql_result_free(&r);
    /* With ORDER BY the sort key: backward, and only LIMIT items. */
    run_ok("SELECT n FROM items WHERE id = 'a' ORDER BY n DESC LIMIT 2", 100, &r);
    assert_int_equal(r.nrows, 2);
    assert_string_equal(text(&r, 0, 0), "20");
    assert_string_equal(text(&r, 1, 0), "19");
    assert_int_equal(r.stats.items_read, 2);
    sql_result_free(&r);
    /* ORDER BY something else: everything is read, then sorted. */
    run_ok("SELECT n FROM items WHERE id = 'a' ORDER BY v DESC LIMIT 2", 100, &r);
    assert_string_equal(text(&r, 0, 0), "20");
    assert_int_equal(r.stats.items_read, 20);
    sql_result_free(&r);
}

/* ---- joins ----------------------------------------------------------------------------------- */

static void test_lookup_join_when_selective(void **state)
{
    (void)state;
    sql_result r;
    /* 3 pets, 40 people: 3 lookups beat reading 40. */
    run_ok("SELECT t.name, p.name FROM pets t JOIN people p ON p.id = t.owner ORDER BY t.name", 100,
           &r);
    assert_non_null(strstr(r.plan, "LookupJoin INNER t.people AS p by BatchGetItem on id"));
    assert_int_equal(r.nrows, 2);
    assert_string_equal(text(&r, 0, 0), "Rex");
    assert_string_equal(text(&r, 0, 1), "person 1");
    assert_string_equal(text(&r, 1, 0), "Tom");
    assert_int_equal(r.stats.items_read, 3 + 2); /* the scan, then the 2 owners found */
    assert_int_equal(r.stats.calls[DDB_BATCH_GET_ITEM], 1);
    sql_result_free(&r);
    /* With the tables the other way round, the join reads people by key
       for each pet all the same, and the columns come back in order. */
    run_ok("SELECT p.name, t.name FROM people p JOIN pets t ON p.id = t.owner ORDER BY t.name", 100,
           &r);
    assert_non_null(strstr(r.plan, "LookupJoin INNER t.people AS p"));
    assert_string_equal(text(&r, 0, 0), "person 1");
    assert_string_equal(text(&r, 0, 1), "Rex");
    assert_int_equal(r.stats.items_read, 5);
    sql_result_free(&r);
    /* A left join keeps the pet whose owner is missing. */
    run_ok("SELECT t.id, p.city FROM pets t LEFT JOIN people p ON p.id = t.owner AND p.city = 'c2' "
           "ORDER BY t.id",
           100, &r);
    assert_non_null(strstr(r.plan, "LookupJoin LEFT"));
    assert_int_equal(r.nrows, 3);
    assert_string_equal(text(&r, 0, 1), "NULL"); /* p01 lives in c1 */
    assert_string_equal(text(&r, 1, 1), "c2");
    assert_string_equal(text(&r, 2, 1), "NULL");
    sql_result_free(&r);
}

static void test_hash_join_when_not_selective(void **state)
{
    (void)state;
    sql_result r;
    /* 60 rows of big, each looking up one of 40 people: reading people
       once is cheaper. */
    run_ok("SELECT COUNT(*) FROM big b JOIN people p ON p.id = b.grp", 100, &r);
    assert_null(strstr(r.plan, "LookupJoin"));
    assert_non_null(strstr(r.plan, "HashJoin"));
    assert_string_equal(text(&r, 0, 0), "0");
    assert_int_equal(r.stats.items_read, BIG_N + 40);
    sql_result_free(&r);
    /* But 3 pets looking up big by its key beat reading big's 60. */
    run_ok("SELECT COUNT(*) FROM big b JOIN pets t ON t.id = b.id", 100, &r);
    assert_non_null(strstr(r.plan, "LookupJoin INNER t.big AS b by BatchGetItem on id"));
    assert_string_equal(text(&r, 0, 0), "0");
    assert_int_equal(r.stats.items_read, 3);
    sql_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_star_keys_first_then_names, setup),
        cmocka_unit_test_setup(test_star_no_rows_keeps_keys, setup),
        cmocka_unit_test_setup(test_star_with_other_columns, setup),
        cmocka_unit_test_setup(test_star_join_clash_is_qualified, setup),
        cmocka_unit_test_setup(test_star_same_table_twice, setup),
        cmocka_unit_test_setup(test_star_left_join_null_side, setup),
        cmocka_unit_test_setup(test_star_too_many_columns, setup),
        cmocka_unit_test_setup(test_explain_rows_read_nothing, setup),
        cmocka_unit_test_setup(test_plan_mode_reads_nothing, setup),
        cmocka_unit_test_setup(test_stream_query_pages, setup),
        cmocka_unit_test_setup(test_stream_query_backward_no_sort, setup),
        cmocka_unit_test_setup(test_stream_scan_pages_read_their_own_items, setup),
        cmocka_unit_test_setup(test_stream_with_filter, setup),
        cmocka_unit_test_setup(test_blocking_plan_skips, setup),
        cmocka_unit_test_setup(test_unfit_start_key_reexecutes, setup),
        cmocka_unit_test_setup(test_limit_stops_reading, setup),
        cmocka_unit_test_setup(test_lookup_join_when_selective, setup),
        cmocka_unit_test_setup(test_hash_join_when_not_selective, setup),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

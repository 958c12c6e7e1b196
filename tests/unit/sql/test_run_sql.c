/* The run_sql tool (sql/run_sql.c) over a scripted engine: this file
 * defines sql_run and sql_result_free itself, so the tool layer is tested
 * with hand-built sql_result values (and the real engine is never linked
 * in). Covers argument checks through the input schema, the structured
 * result and its text, cursors end to end through tools/call, errors, and
 * the engine environment built from [sql]. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/support/mcp_fixture.h"

#include "core/mcp/arg_schema.h"
#include "core/mcp/tools.h"
#include "sql/cursor.h"
#include "sql/engine.h"
#include "sql/run_sql.h"

/* The configured cursor secret (hex of these 32 bytes). */
static const char SECRET_HEX[] = "72756e5f73716c20756e69742074657374207365637265742031323334353637";
static const unsigned char SECRET[] = "run_sql unit test secret 1234567";

/* ---- the scripted engine ----------------------------------------------------- */

typedef enum {
    FAKE_TABLE, /* a fixed 3-row table with every kind of value */
    FAKE_PAGER, /* ids 1..total, paged by skip or by start key */
    FAKE_DUPS,  /* columns with repeated names */
    FAKE_ERROR, /* fails as scripted */
    FAKE_PLAN,  /* EXPLAIN: plan lines as rows */
    FAKE_WIDE,  /* 1000 rows of 12 long strings */
} fake_kind;

static struct {
    fake_kind kind;
    int calls;
    sql_engine_env env;
    sql_run_opts opts;
    char start_key[256]; /* opts.start_key as JSON, "" when NULL */
    char sql[512];
    /* FAKE_PAGER */
    int64_t total;
    bool streaming;
    /* FAKE_ERROR */
    sql_fail fail;
    exec_err_kind exec_kind;
    int line, column;
    const char *message, *hint;
} F;

static void set_cols(sql_result *r, int n, const char *const *names, const char *const *types)
{
    r->ncols = n;
    r->columns = xcalloc((size_t)n, sizeof *r->columns);
    for (int i = 0; i < n; i++) {
        r->columns[i].name = xstrdup(names[i]);
        r->columns[i].type = xstrdup(types[i]);
    }
}

static value_t num(const char *text)
{
    value_t v;
    assert_int_equal(value_number_parse(text, strlen(text), &v), DEC_OK);
    return v;
}

static value_t map_city(const char *city)
{
    char text[128];
    snprintf(text, sizeof text, "{\"city\":{\"S\":\"%s\"}}", city);
    json_object *doc = fx_json(text);
    value_t v = value_doc(VAL_MAP, doc);
    json_object_put(doc);
    return v;
}

static void fill_table(sql_result *r)
{
    static const char *const names[] = {"id", "name", "total", "address", "note"};
    static const char *const types[] = {"NUMBER", "STRING", "NUMBER", "MAP", "STRING"};
    set_cols(r, 5, names, types);
    r->nrows = 3;
    r->rows = xcalloc(15, sizeof *r->rows);
    value_t *v = r->rows;
    char longx[81];
    memset(longx, 'x', 80);
    longx[80] = '\0';
    v[0] = num("1"), v[1] = value_cstring("Alice"), v[2] = num("12.50");
    v[3] = map_city("Paris"), v[4] = value_null();
    v[5] = num("2"), v[6] = value_cstring("Bob\nSmith"), v[7] = num("7");
    v[8] = value_null(), v[9] = value_cstring(longx);
    v[10] = num("10"), v[11] = value_cstring(""), v[12] = num("100.125");
    v[13] = map_city("Z\xc3\xbcrich"), v[14] = value_cstring("ok");
    r->stats.items_read = 7;
    r->stats.items_returned = 3;
    r->stats.capacity_units = 0.5;
    r->stats.calls[DDB_QUERY] = 1;
    r->elapsed_ms = 12;
    r->mem_peak = 4096;
    r->plan = xstrdup("Query demo.orders (partition key = 'c-001')\n");
}

static void fill_pager(sql_result *r)
{
    static const char *const names[] = {"id"};
    static const char *const types[] = {"NUMBER"};
    set_cols(r, 1, names, types);
    int64_t start = F.opts.skip;
    if (F.streaming && F.opts.start_key) {
        const char *n = jget_str(jget_obj(F.opts.start_key, "id"), "N");
        assert_non_null(n);
        start = atoll(n);
    }
    int64_t n = F.total - start < F.opts.max_rows ? F.total - start : F.opts.max_rows;
    r->nrows = n;
    r->rows = xcalloc((size_t)n + 1, sizeof *r->rows);
    for (int64_t i = 0; i < n; i++)
        r->rows[i] = value_int(start + i + 1);
    r->truncated = start + n < F.total;
    r->next_skip = start + n;
    if (r->truncated && F.streaming) {
        char key[64];
        snprintf(key, sizeof key, "{\"id\":{\"N\":\"%lld\"}}", (long long)(start + n));
        r->next_start_key = fx_json(key);
    }
    r->stats.items_read = n;
    r->stats.calls[DDB_SCAN] = 1;
    r->plan = xstrdup("Scan demo.numbers\n");
}

static void fill_dups(sql_result *r)
{
    static const char *const names[] = {"id", "id", "id_2", "name", "id"};
    static const char *const types[] = {"NUMBER", "NUMBER", "STRING", "STRING", "NULL"};
    set_cols(r, 5, names, types);
    r->nrows = 1;
    r->rows = xcalloc(5, sizeof *r->rows);
    r->rows[0] = value_int(1);
    r->rows[1] = value_int(2);
    r->rows[2] = value_cstring("two");
    r->rows[3] = value_cstring("n");
    r->rows[4] = value_null();
    r->plan = xstrdup("Join\n");
}

static void fill_plan(sql_result *r)
{
    static const char *const names[] = {"plan"};
    static const char *const types[] = {"STRING"};
    set_cols(r, 1, names, types);
    r->explain = true;
    r->nrows = 2;
    r->rows = xcalloc(2, sizeof *r->rows);
    r->rows[0] = value_cstring("Limit 10");
    r->rows[1] = value_cstring("  Scan demo.orders");
    r->plan = xstrdup("Limit 10\n  Scan demo.orders\n");
}

static void fill_wide(sql_result *r)
{
    static const char *const names[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"};
    static const char *const types[] = {"STRING", "STRING", "STRING", "STRING", "STRING", "STRING",
                                        "STRING", "STRING", "STRING", "STRING", "STRING", "STRING"};
    set_cols(r, 12, names, types);
    r->nrows = 1000;
    r->rows = xcalloc(12000, sizeof *r->rows);
    char s[101];
    memset(s, 'w', 100);
    s[100] = '\0';
    for (int i = 0; i < 12000; i++)
        r->rows[i] = value_cstring(s);
    r->plan = xstrdup("Scan\n");
}

bool sql_run(const sql_engine_env *env, const char *sql, size_t len, const sql_run_opts *opts,
             sql_result *out)
{
    memset(out, 0, sizeof *out);
    F.calls++;
    F.env = *env;
    F.opts = *opts;
    snprintf(F.start_key, sizeof F.start_key, "%s",
             opts->start_key ? json_compact(opts->start_key) : "");
    snprintf(F.sql, sizeof F.sql, "%.*s", (int)len, sql);
    if (opts->mode == SQL_MODE_PLAN) {
        out->plan = xstrdup("Scan demo.orders\n");
        return true;
    }
    switch (F.kind) {
    case FAKE_TABLE:
        fill_table(out);
        break;
    case FAKE_PAGER:
        fill_pager(out);
        break;
    case FAKE_DUPS:
        fill_dups(out);
        break;
    case FAKE_PLAN:
        fill_plan(out);
        break;
    case FAKE_WIDE:
        fill_wide(out);
        break;
    case FAKE_ERROR:
        out->fail = F.fail;
        out->exec_kind = F.exec_kind;
        sql_error_set(&out->err, F.line, F.column, 0, "%s", F.message);
        snprintf(out->hint, sizeof out->hint, "%s", F.hint ? F.hint : "");
        break;
    }
    return out->fail == SQL_FAIL_NONE;
}

void sql_result_free(sql_result *r)
{
    for (int i = 0; i < r->ncols; i++) {
        free(r->columns[i].name);
        free(r->columns[i].type);
    }
    free(r->columns);
    for (int64_t i = 0; i < r->nrows * r->ncols; i++)
        value_free(&r->rows[i]);
    free(r->rows);
    json_object_put(r->next_start_key);
    free(r->plan);
    memset(r, 0, sizeof *r);
}

/* ---- the server ------------------------------------------------------------------ */

static fake_http *fake;
static config cfg;
static mcp_app app;

static void open_app(const char *sql_section)
{
    fake = fake_http_start();
    fx_config_load(&cfg, FX_GLOBAL_CONF("") "%s" FX_SCHEMA_CONF("demo", "endpoint = %s\n"),
                   fake_http_free_port(), sql_section, fake_http_url(fake));
    app.cfg = &cfg;
    app.cat = catalog_new(&cfg, NULL);
    tools_register_metadata();
    run_sql_init(&cfg);
    run_sql_register();
}

static void close_app(void)
{
    tools_reset();
    catalog_free(app.cat);
    config_free(&cfg);
    fake_http_stop(fake);
    memset(&app, 0, sizeof app);
}

static int setup(void **state)
{
    (void)state;
    memset(&F, 0, sizeof F);
    char section[512];
    snprintf(section, sizeof section, "[sql]\ncursor_secret = %s\n", SECRET_HEX);
    open_app(section);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    close_app();
    return 0;
}

/* tools/call run_sql with these arguments (JSON text); the whole result. */
static json_object *call_version(const char *version, const char *args)
{
    buf_t params = BUF_INIT(1 << 20);
    buf_printf(&params, "{\"name\":\"run_sql\",\"arguments\":%s}", args);
    json_object *r = fx_rpc_ok(&app, version, "tools/call", buf_cstr(&params));
    buf_free(&params);
    return r;
}

static json_object *call(const char *args)
{
    return call_version("2025-11-25", args);
}

static json_object *call_ok(const char *args)
{
    json_object *r = call(args);
    if (jget_bool(r, "isError", false))
        fail_msg("run_sql failed: %s", fx_tool_text(r));
    assert_non_null(jget_obj(r, "structuredContent"));
    return r;
}

static const char *call_err(const char *args, json_object **keep)
{
    json_object *r = call(args);
    if (!jget_bool(r, "isError", false))
        fail_msg("expected a tool error, got %s", json_compact(r));
    assert_null(jget(r, "structuredContent"));
    *keep = r;
    return fx_tool_text(r);
}

static json_object *tool_listing(const char *name)
{
    json_object *list = fx_rpc_ok(&app, "2025-11-25", "tools/list", NULL);
    json_object *found = NULL;
    for (size_t i = 0; i < fx_len(list, "tools"); i++) {
        json_object *t = json_object_array_get_idx(jget(list, "tools"), i);
        if (strcmp(jget_str(t, "name"), name) == 0)
            found = json_object_get(t);
    }
    json_object_put(list);
    assert_non_null(found);
    return found;
}

/* The structured result against the advertised outputSchema: required
 * members and their types, and stats' members. */
static void assert_matches_output_schema(json_object *sc)
{
    json_object *t = tool_listing("run_sql");
    json_object *schema = jget_obj(t, "outputSchema");
    buf_t err = BUF_INIT(4096);
    if (!arg_schema_check(schema, sc, &err))
        fail_msg("output does not match its schema: %s", buf_cstr(&err));
    buf_reset(&err);
    if (!arg_schema_check(jget_obj(jget_obj(schema, "properties"), "stats"), jget(sc, "stats"),
                          &err))
        fail_msg("stats do not match the schema: %s", buf_cstr(&err));
    json_object *cols = jget_arr(sc, "columns");
    for (size_t i = 0; i < json_object_array_length(cols); i++) {
        json_object *c = json_object_array_get_idx(cols, i);
        assert_non_null(jget_str(c, "name"));
        assert_non_null(jget_str(c, "type"));
    }
    buf_free(&err);
    json_object_put(t);
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_listed(void **state)
{
    (void)state;
    json_object *t = tool_listing("run_sql");
    assert_string_equal(fx_str(t, "title"), "Run a SQL query");
    fx_assert_contains(fx_str(t, "description"), "cursor set to next_cursor");
    assert_true(fx_bool(t, "annotations.readOnlyHint"));
    assert_int_equal(fx_int(t, "inputSchema.properties.max_rows.maximum"), 1000);
    fx_assert_contains(fx_str(t, "inputSchema.properties.max_rows.description"), "default 100");
    assert_string_equal(fx_str(t, "inputSchema.required.0"), "sql");
    assert_string_equal(fx_str(t, "outputSchema.properties.stats.properties.calls.required.3"),
                        "Scan");
    json_object_put(t);
    /* The scope: query only. */
    rpc_error e;
    json_object *list = fx_dispatch(&app, "2025-11-25", SCOPE_SCHEMAS_READ, "tools/list", NULL, &e);
    fx_assert_not_contains(json_compact(list), "run_sql");
    json_object_put(list);
    list = fx_dispatch(&app, "2025-11-25", SCOPE_QUERY, "tools/list", NULL, &e);
    fx_assert_contains(json_compact(list), "\"run_sql\"");
    json_object_put(list);
}

/* Bad arguments are refused by the input schema, before the engine runs. */
static void test_bad_arguments(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"{\"sql\":\"SELECT 1\",\"max_rows\":0}",
         "Invalid arguments for run_sql: 'max_rows' must be between 1 and 1000; got 0."},
        {"{\"sql\":\"SELECT 1\",\"max_rows\":5000}",
         "Invalid arguments for run_sql: 'max_rows' must be between 1 and 1000; got 5000."},
        {"{\"sql\":\"SELECT 1\",\"max_rows\":2.5}",
         "Invalid arguments for run_sql: 'max_rows' must be an integer, not a number."},
        {"{\"sql\":\"SELECT 1\",\"format\":\"csv\"}",
         "Invalid arguments for run_sql: 'format' must be one of \"rows\", \"objects\"; got "
         "\"csv\"."},
        {"{\"sql\":\"SELECT 1\",\"mode\":\"dry\"}", "Invalid arguments for run_sql: 'mode' must be "
                                                    "one of \"execute\", \"plan\"; got \"dry\"."},
        {"{}", "Invalid arguments for run_sql: 'sql' is required."},
        {"{\"sql\":\"\"}", "Invalid arguments for run_sql: 'sql' must not be empty."},
        {"{\"sql\":7}", "Invalid arguments for run_sql: 'sql' must be a string, not an integer."},
        {"{\"sql\":\"SELECT 1\",\"limit\":5}",
         "Invalid arguments for run_sql: unknown argument 'limit'; accepted arguments: sql, "
         "max_rows, cursor, format, mode."},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_object *keep;
        const char *text = call_err(cases[i][0], &keep);
        if (strcmp(text, cases[i][1]) != 0)
            fail_msg("for %s\n got: %s\nwant: %s", cases[i][0], text, cases[i][1]);
        json_object_put(keep);
    }
    assert_int_equal(F.calls, 0);
}

static void test_rows_result(void **state)
{
    (void)state;
    F.kind = FAKE_TABLE;
    json_object *r = call_ok("{\"sql\":\"SELECT * FROM demo.orders\"}");
    json_object *sc = jget_obj(r, "structuredContent");
    assert_matches_output_schema(sc);
    /* What the engine was asked. */
    assert_int_equal(F.calls, 1);
    assert_string_equal(F.sql, "SELECT * FROM demo.orders");
    assert_int_equal(F.opts.mode, SQL_MODE_EXECUTE);
    assert_int_equal(F.opts.max_rows, 100);
    assert_int_equal(F.opts.skip, 0);
    assert_string_equal(F.start_key, "");
    assert_string_equal(json_compact(jget(sc, "columns")),
                        "[{\"name\":\"id\",\"type\":\"NUMBER\"},{\"name\":\"name\",\"type\":"
                        "\"STRING\"},{\"name\":\"total\",\"type\":\"NUMBER\"},{\"name\":"
                        "\"address\",\"type\":\"MAP\"},{\"name\":\"note\",\"type\":\"STRING\"}]");
    /* Exact numbers keep their text (12.50). */
    assert_string_equal(json_compact(jget(sc, "rows")),
                        "[[1,\"Alice\",12.50,{\"city\":\"Paris\"},null],"
                        "[2,\"Bob\\nSmith\",7,null,"
                        "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                        "xxxxxxxx\"],"
                        "[10,\"\",100.125,{\"city\":\"Z\xc3\xbcrich\"},\"ok\"]]");
    assert_int_equal(fx_int(sc, "row_count"), 3);
    assert_false(fx_bool(sc, "truncated"));
    assert_null(jget(sc, "next_cursor"));
    assert_string_equal(fx_str(sc, "format"), "rows");
    assert_string_equal(fx_str(sc, "mode"), "execute");
    assert_false(fx_bool(sc, "explain"));
    assert_string_equal(json_compact(jget(sc, "stats")),
                        "{\"items_read\":7,\"items_returned\":3,\"capacity_units\":0.5,"
                        "\"calls\":{\"GetItem\":0,\"BatchGetItem\":0,\"Query\":1,\"Scan\":0},"
                        "\"elapsed_ms\":12,\"memory_peak_bytes\":4096,"
                        "\"plan\":\"Query demo.orders (partition key = 'c-001')\\n\"}");
    /* The text: aligned, numbers right-aligned, control characters
       escaped, long values cut at 60 characters, then the summary line. */
    const char *want = "id  name          total  address            note\n"
                       "--  ----------  -------  -----------------  "
                       "------------------------------------------------------------\n"
                       " 1  Alice         12.50  {\"city\":\"Paris\"}   NULL\n"
                       " 2  Bob\\nSmith        7  NULL               "
                       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\xe2\x80\xa6\n"
                       "10  \"\"          100.125  {\"city\":\"Z\xc3\xbcrich\"}  ok\n"
                       "(values longer than 60 characters are cut short here; structuredContent "
                       "has them in full)\n"
                       "3 rows \xc2\xb7 7 items read \xc2\xb7 0.5 RCU \xc2\xb7 Query\xc3\x97"
                       "1 \xc2\xb7 12 ms\n";
    const char *text = fx_tool_text(r);
    if (strcmp(text, want) != 0)
        fail_msg("text:\n%s\nwanted:\n%s", text, want);
    json_object_put(r);
}

/* A successful query's cost goes into the request's access-log detail. */
static void test_access_log_detail(void **state)
{
    (void)state;
    F.kind = FAKE_TABLE;
    static const char *const env[] = {"REQUEST_METHOD=POST", "SCRIPT_NAME=/mcp", NULL};
    http_request req;
    fx_request(&req, env, NULL);
    mcp_call c = {.app = &app, .req = &req, .protocol_version = "2025-11-25", .scopes = SCOPE_ALL};
    json_object *args = fx_json("{\"sql\":\"SELECT 1\"}");
    buf_t err = BUF_INIT(8192);
    json_object *out = tools_find("run_sql")->run(&c, args, &err);
    assert_non_null(out);
    assert_string_equal(
        req.detail, "rpc=tools/call tool=run_sql rows=3 truncated=no items_read=7 rcu=0.5 ms=12");
    json_object_put(out);
    json_object_put(args);
    buf_free(&err);
    http_request_free(&req);
}

/* Before 2025-06-18 there is no structuredContent: the text carries it all. */
static void test_old_protocol(void **state)
{
    (void)state;
    F.kind = FAKE_TABLE;
    json_object *r = call_version("2025-03-26", "{\"sql\":\"SELECT * FROM demo.orders\"}");
    assert_null(jget(r, "structuredContent"));
    fx_assert_contains(fx_tool_text(r), " 1  Alice         12.50");
    json_object_put(r);
}

/* Pages of 100 from 250 rows: each continuation starts where the previous
 * page ended; no row is repeated or skipped. */
static void page_through(bool streaming)
{
    F.kind = FAKE_PAGER;
    F.total = 250;
    F.streaming = streaming;
    const char *sql = "SELECT id FROM demo.numbers";
    char args[CURSOR_MAX_TEXT + 256];
    snprintf(args, sizeof args, "{\"sql\":\"%s\"}", sql);
    int64_t next_id = 1;
    for (int page = 0; page < 3; page++) {
        json_object *r = call_ok(args);
        json_object *sc = jget_obj(r, "structuredContent");
        assert_matches_output_schema(sc);
        json_object *rows = jget_arr(sc, "rows");
        size_t n = json_object_array_length(rows);
        assert_int_equal(n, page < 2 ? 100 : 50);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(json_object_get_int64(
                                 json_object_array_get_idx(json_object_array_get_idx(rows, i), 0)),
                             next_id++);
        if (page == 0) {
            assert_int_equal(F.opts.skip, 0);
            assert_string_equal(F.start_key, "");
        } else {
            assert_int_equal(F.opts.skip, page * 100);
            assert_string_equal(F.start_key, !streaming  ? ""
                                             : page == 1 ? "{\"id\":{\"N\":\"100\"}}"
                                                         : "{\"id\":{\"N\":\"200\"}}");
        }
        assert_int_equal(F.opts.max_rows, 100);
        if (page < 2) {
            assert_true(fx_bool(sc, "truncated"));
            const char *cur = fx_str(sc, "next_cursor");
            char line[CURSOR_MAX_TEXT + 128];
            snprintf(line, sizeof line,
                     "100 rows (truncated; pass cursor \"%s\" for more) \xc2\xb7 100 items read "
                     "\xc2\xb7 0 RCU \xc2\xb7 Scan\xc3\x97"
                     "1 \xc2\xb7 0 ms\n",
                     cur);
            fx_assert_contains(fx_tool_text(r), line);
            snprintf(args, sizeof args, "{\"sql\":\"%s\",\"cursor\":\"%s\"}", sql, cur);
        } else {
            assert_false(fx_bool(sc, "truncated"));
            assert_null(jget(sc, "next_cursor"));
            fx_assert_contains(fx_tool_text(r), "50 rows \xc2\xb7 50 items read");
        }
        json_object_put(r);
    }
    assert_int_equal(next_id, 251);
}

static void test_cursor_reexecute(void **state)
{
    (void)state;
    page_through(false);
}

static void test_cursor_streaming(void **state)
{
    (void)state;
    page_through(true);
}

/* A continuation without max_rows or format keeps those of the first call;
 * given ones win. */
static void test_cursor_keeps_page_shape(void **state)
{
    (void)state;
    F.kind = FAKE_PAGER;
    F.total = 100;
    json_object *r =
        call_ok("{\"sql\":\"SELECT id FROM t\",\"max_rows\":30,\"format\":\"objects\"}");
    char args[CURSOR_MAX_TEXT + 256];
    snprintf(args, sizeof args, "{\"sql\":\"SELECT id FROM t\",\"cursor\":\"%s\"}",
             fx_str(jget(r, "structuredContent"), "next_cursor"));
    json_object_put(r);
    r = call_ok(args);
    json_object *sc = jget_obj(r, "structuredContent");
    assert_int_equal(F.opts.max_rows, 30);
    assert_int_equal(F.opts.skip, 30);
    assert_string_equal(fx_str(sc, "format"), "objects");
    assert_string_equal(json_compact(json_object_array_get_idx(jget(sc, "rows"), 0)),
                        "{\"id\":31}");
    snprintf(args, sizeof args,
             "{\"sql\":\"SELECT id FROM t\",\"cursor\":\"%s\",\"max_rows\":5,\"format\":\"rows\"}",
             fx_str(sc, "next_cursor"));
    json_object_put(r);
    r = call_ok(args);
    sc = jget_obj(r, "structuredContent");
    assert_int_equal(F.opts.max_rows, 5);
    assert_int_equal(F.opts.skip, 60);
    assert_string_equal(json_compact(jget(sc, "rows")), "[[61],[62],[63],[64],[65]]");
    json_object_put(r);
}

static char *first_cursor(const char *sql)
{
    F.kind = FAKE_PAGER;
    F.total = 500;
    char args[512];
    snprintf(args, sizeof args, "{\"sql\":\"%s\"}", sql);
    json_object *r = call_ok(args);
    char *c = xstrdup(fx_str(jget(r, "structuredContent"), "next_cursor"));
    json_object_put(r);
    return c;
}

static void expect_cursor_error(const char *sql, const char *cursor, const char *what)
{
    char args[CURSOR_MAX_TEXT + 512];
    snprintf(args, sizeof args, "{\"sql\":\"%s\",\"cursor\":\"%s\"}", sql, cursor);
    int before = F.calls;
    json_object *keep;
    const char *text = call_err(args, &keep);
    fx_assert_contains(text, "Invalid cursor: ");
    fx_assert_contains(text, what);
    fx_assert_contains(text, "What to change: Rerun the query without the cursor");
    assert_int_equal(F.calls, before); /* the engine never ran */
    json_object_put(keep);
}

static void test_cursor_rejected(void **state)
{
    (void)state;
    char *c = first_cursor("SELECT id FROM t");
    /* Different SQL text. */
    expect_cursor_error("SELECT id FROM t WHERE id > 3", c, "belongs to a different query");
    /* Altered, and cut short. */
    char *t = xstrdup(c);
    t[5] = t[5] == 'A' ? 'B' : 'A';
    expect_cursor_error("SELECT id FROM t", t, "signature does not match");
    t[5] = c[5];
    t[strlen(t) - 3] = '\0';
    expect_cursor_error("SELECT id FROM t", t, "not valid");
    free(t);
    /* Signed with another key (another server, or a worker without the
       shared secret). */
    cursor_key other;
    cursor_key_init(&other, (const unsigned char *)"another secret, another server!!", 32);
    sql_cursor sc = {.skip = 10, .max_rows = 10, .issued_s = wall_ms() / 1000};
    cursor_sql_hash("SELECT id FROM t", 16, sc.sql_hash);
    t = cursor_encode(&other, &sc);
    expect_cursor_error("SELECT id FROM t", t, "signature does not match");
    free(t);
    /* Expired: made with the configured secret an hour and a bit ago. */
    cursor_key mine;
    cursor_key_init(&mine, SECRET, 32);
    sc.issued_s = wall_ms() / 1000 - CURSOR_TTL_S - 60;
    t = cursor_encode(&mine, &sc);
    expect_cursor_error("SELECT id FROM t", t, "expired: it was issued 61 minutes ago");
    free(t);
    /* ... while a fresh one made with it is accepted, so every worker given
       the same cursor_secret honours the others' cursors. */
    sc.issued_s = wall_ms() / 1000;
    t = cursor_encode(&mine, &sc);
    char args[CURSOR_MAX_TEXT + 512];
    snprintf(args, sizeof args, "{\"sql\":\"SELECT id FROM t\",\"cursor\":\"%s\"}", t);
    json_object *r = call_ok(args);
    assert_int_equal(F.opts.skip, 10);
    assert_int_equal(F.opts.max_rows, 10);
    json_object_put(r);
    free(t);
    /* A cursor with mode=plan. */
    snprintf(args, sizeof args,
             "{\"sql\":\"SELECT id FROM t\",\"cursor\":\"%s\",\"mode\":\"plan\"}", c);
    json_object *keep;
    const char *text = call_err(args, &keep);
    assert_string_equal(text, "Invalid arguments: 'cursor' continues the rows of a query; it "
                              "cannot be combined with mode \"plan\"\n"
                              "What to change: Drop the cursor, or drop mode=\"plan\".\n");
    json_object_put(keep);
    free(c);
}

/* Expiry through run_sql_execute's clock. */
static void test_cursor_expiry_clock(void **state)
{
    (void)state;
    char *c = first_cursor("SELECT id FROM t");
    run_sql_env env = {.cfg = &cfg, .cat = app.cat};
    char args[CURSOR_MAX_TEXT + 512];
    snprintf(args, sizeof args, "{\"sql\":\"SELECT id FROM t\",\"cursor\":\"%s\"}", c);
    json_object *a = fx_json(args), *err = NULL;
    env.now_s = wall_ms() / 1000 + CURSOR_TTL_S - 60;
    json_object *r = run_sql_execute(&env, a, &err);
    assert_non_null(r);
    assert_null(err);
    json_object_put(r);
    env.now_s = wall_ms() / 1000 + CURSOR_TTL_S + 60;
    assert_null(run_sql_execute(&env, a, &err));
    assert_string_equal(fx_str(err, "kind"), "cursor");
    fx_assert_contains(fx_str(err, "error"), "expired");
    json_object_put(err);
    json_object_put(a);
    free(c);
}

static void test_objects_duplicate_names(void **state)
{
    (void)state;
    F.kind = FAKE_DUPS;
    json_object *r = call_ok("{\"sql\":\"SELECT ...\",\"format\":\"objects\"}");
    json_object *sc = jget_obj(r, "structuredContent");
    assert_matches_output_schema(sc);
    /* id, id -> id_3 (id_2 is a column's own name), id_2, name, id -> id_4 */
    assert_string_equal(json_compact(jget(sc, "columns")),
                        "[{\"name\":\"id\",\"type\":\"NUMBER\",\"key\":\"id\"},"
                        "{\"name\":\"id\",\"type\":\"NUMBER\",\"key\":\"id_3\"},"
                        "{\"name\":\"id_2\",\"type\":\"STRING\",\"key\":\"id_2\"},"
                        "{\"name\":\"name\",\"type\":\"STRING\",\"key\":\"name\"},"
                        "{\"name\":\"id\",\"type\":\"NULL\",\"key\":\"id_4\"}]");
    assert_string_equal(json_compact(jget(sc, "rows")),
                        "[{\"id\":1,\"id_3\":2,\"id_2\":\"two\",\"name\":\"n\",\"id_4\":null}]");
    /* The text shows the columns' own names. */
    const char *text = fx_tool_text(r);
    fx_assert_contains(text, "id  id  id_2  name  id\n"
                             "--  --  ----  ----  ----\n"
                             " 1   2  two   n     NULL\n");
    json_object_put(r);
    /* format=rows has no keys. */
    r = call_ok("{\"sql\":\"SELECT ...\"}");
    fx_assert_not_contains(json_compact(jget(r, "structuredContent")), "\"key\"");
    json_object_put(r);
}

static void test_plan_mode_and_explain(void **state)
{
    (void)state;
    F.kind = FAKE_TABLE;
    json_object *r = call_ok("{\"sql\":\"SELECT * FROM demo.orders\",\"mode\":\"plan\"}");
    assert_int_equal(F.opts.mode, SQL_MODE_PLAN);
    json_object *sc = jget_obj(r, "structuredContent");
    assert_matches_output_schema(sc);
    assert_string_equal(fx_str(sc, "mode"), "plan");
    assert_int_equal(fx_int(sc, "row_count"), 0);
    assert_string_equal(fx_tool_text(r), "Scan demo.orders\n");
    json_object_put(r);

    F.kind = FAKE_PLAN;
    r = call_ok("{\"sql\":\"EXPLAIN SELECT * FROM demo.orders LIMIT 10\"}");
    sc = jget_obj(r, "structuredContent");
    assert_true(fx_bool(sc, "explain"));
    assert_string_equal(fx_str(sc, "mode"), "execute");
    assert_string_equal(json_compact(jget(sc, "rows")),
                        "[[\"Limit 10\"],[\"  Scan demo.orders\"]]");
    assert_string_equal(fx_tool_text(r), "Limit 10\n  Scan demo.orders\n");
    json_object_put(r);
}

static void expect_engine_error(const char *want_text)
{
    json_object *keep;
    const char *text = call_err("{\"sql\":\"SELECT 1\"}", &keep);
    if (strcmp(text, want_text) != 0)
        fail_msg("got:\n%s\nwant:\n%s", text, want_text);
    json_object_put(keep);
}

static void test_errors(void **state)
{
    (void)state;
    F.kind = FAKE_ERROR;
    F.fail = SQL_FAIL_PARSE;
    F.line = 1, F.column = 10, F.message = "expected FROM, found 'FORM'";
    F.hint = "did you mean FROM?";
    expect_engine_error("SQL syntax error: line 1, column 10: expected FROM, found 'FORM'\n"
                        "Hint: did you mean FROM?\n");
    F.fail = SQL_FAIL_BIND;
    F.line = 2, F.column = 3, F.message = "unknown column 'totl' in demo.orders";
    F.hint = "did you mean 'total'?";
    expect_engine_error("SQL error: line 2, column 3: unknown column 'totl' in demo.orders\n"
                        "Hint: did you mean 'total'?\n");
    F.fail = SQL_FAIL_EXEC;
    F.exec_kind = EXEC_ERR_BUDGET;
    F.line = 0, F.message = "read 100000 items of demo.orders (Scan) without finishing";
    F.hint = NULL;
    expect_engine_error(
        "The query stopped: it reached its read budget: read 100000 items of demo.orders (Scan) "
        "without finishing\n"
        "What to change: Read fewer items: add an equality condition on the partition key (or on "
        "a secondary index's partition key) so DynamoDB can Query instead of Scan, narrow the "
        "sort-key range, or add LIMIT. Check what a query reads first with mode=\"plan\". The "
        "server allows 100000 items read per query ([sql] max_items_read, "
        "max_capacity_units).\n");
    F.exec_kind = EXEC_ERR_TIMEOUT;
    F.message = "the query ran for 30000 ms";
    F.hint = "add a key condition";
    json_object *keep;
    const char *text = call_err("{\"sql\":\"SELECT 1\"}", &keep);
    fx_assert_contains(text, "The query stopped: it reached its time limit: the query ran for "
                             "30000 ms\nHint: add a key condition\nWhat to change: ");
    fx_assert_contains(text, "The server allows 30000 ms per query ([sql] time_limit_ms).");
    json_object_put(keep);
    F.exec_kind = EXEC_ERR_MEMORY;
    F.hint = NULL;
    text = call_err("{\"sql\":\"SELECT 1\"}", &keep);
    fx_assert_contains(text, "it reached its memory limit");
    fx_assert_contains(text, "The server allows 64 MB per query ([sql] max_memory_mb).");
    json_object_put(keep);
    F.exec_kind = EXEC_ERR_DYNAMODB;
    F.message = "DynamoDB throttled the Scan";
    text = call_err("{\"sql\":\"SELECT 1\"}", &keep);
    fx_assert_contains(text, "DynamoDB returned an error: DynamoDB throttled the Scan\n");
    fx_assert_contains(text, "wait a little and retry");
    /* An unreachable or failing DynamoDB gets advice too, not only throttling. */
    fx_assert_contains(text, "If it was unavailable (it could not be reached or kept failing), "
                             "wait a little and retry; if that keeps happening, tell the user.");
    json_object_put(keep);
    F.exec_kind = EXEC_ERR_SQL;
    F.line = 1, F.column = 12, F.message = "division by zero";
    text = call_err("{\"sql\":\"SELECT 1\"}", &keep);
    fx_assert_contains(text, "The query failed while running: line 1, column 12: division by zero");
    json_object_put(keep);
}

/* The error object itself (what ddbsql-sql prints). */
static void test_error_object(void **state)
{
    (void)state;
    F.kind = FAKE_ERROR;
    F.fail = SQL_FAIL_PARSE;
    F.line = 3, F.column = 7, F.message = "unexpected end of input";
    F.hint = NULL;
    run_sql_env env = {.cfg = &cfg, .cat = app.cat};
    json_object *a = fx_json("{\"sql\":\"SELECT\"}"), *err = NULL;
    assert_null(run_sql_execute(&env, a, &err));
    assert_string_equal(json_compact(err),
                        "{\"error\":\"line 3, column 7: unexpected end of input\",\"hint\":null,"
                        "\"kind\":\"parse\",\"advice\":null,\"line\":3,\"column\":7}");
    json_object_put(err);
    F.fail = SQL_FAIL_EXEC;
    F.exec_kind = EXEC_ERR_BUDGET;
    F.line = 0;
    F.message = "too many items";
    assert_null(run_sql_execute(&env, a, &err));
    assert_string_equal(fx_str(err, "kind"), "budget");
    assert_string_equal(fx_str(err, "error"), "too many items");
    assert_null(jget(err, "line"));
    fx_assert_contains(fx_str(err, "advice"), "Read fewer items");
    json_object_put(err);
    json_object_put(a);
}

/* [sql] becomes the engine's environment; the catalog is the app's. */
static void test_engine_env(void **state)
{
    (void)state;
    close_app();
    open_app("[sql]\nmax_items_read = 5000\nmax_capacity_units = 40\ntime_limit_ms = 1500\n"
             "max_memory_mb = 2\nmax_scan_segments = 8\ndefault_rows = 20\nmax_rows = 50\n");
    F.kind = FAKE_TABLE;
    json_object *r = call_ok("{\"sql\":\"SELECT 1\"}");
    json_object_put(r);
    assert_ptr_equal(F.env.cat, app.cat);
    assert_int_equal(F.env.limits.max_items_read, 5000);
    assert_true(F.env.limits.max_capacity == 40.0);
    assert_int_equal(F.env.limits.max_memory_bytes, 2 * 1024 * 1024);
    assert_int_equal(F.env.limits.deadline_ms, 0);
    assert_int_equal(F.env.time_limit_ms, 1500);
    assert_int_equal(F.env.max_segments, 8);
    assert_null(F.env.trace);
    assert_int_equal(F.opts.max_rows, 20);
    /* max_rows' maximum follows the config. */
    json_object *keep;
    const char *text = call_err("{\"sql\":\"SELECT 1\",\"max_rows\":51}", &keep);
    assert_string_equal(
        text, "Invalid arguments for run_sql: 'max_rows' must be between 1 and 50; got 51.");
    json_object_put(keep);
    json_object *t = tool_listing("run_sql");
    assert_int_equal(fx_int(t, "inputSchema.properties.max_rows.maximum"), 50);
    fx_assert_contains(fx_str(t, "inputSchema.properties.max_rows.description"), "default 20");
    json_object_put(t);
    /* Budget advice names the configured limits. */
    F.kind = FAKE_ERROR;
    F.fail = SQL_FAIL_EXEC;
    F.exec_kind = EXEC_ERR_BUDGET;
    F.message = "stop";
    text = call_err("{\"sql\":\"SELECT 1\"}", &keep);
    fx_assert_contains(text, "The server allows 5000 items read and 40 read capacity units per "
                             "query");
    json_object_put(keep);
}

/* Without a secret each process has a random key: its own cursors work,
 * and run_sql_init reports that none is configured. */
static void test_no_secret(void **state)
{
    (void)state;
    close_app();
    open_app("");
    assert_false(run_sql_init(&cfg));
    char *c = first_cursor("SELECT id FROM t");
    char args[CURSOR_MAX_TEXT + 512];
    snprintf(args, sizeof args, "{\"sql\":\"SELECT id FROM t\",\"cursor\":\"%s\"}", c);
    json_object *r = call_ok(args);
    assert_int_equal(F.opts.skip, 100);
    json_object_put(r);
    /* After a restart (a new random key) the old cursor is refused. */
    run_sql_init(&cfg);
    expect_cursor_error("SELECT id FROM t", c, "signature does not match");
    free(c);
}

/* A huge page's text stays bounded; structuredContent keeps every row. */
static void test_text_bounded(void **state)
{
    (void)state;
    F.kind = FAKE_PAGER;
    F.total = 1000;
    json_object *r = call_ok("{\"sql\":\"SELECT id FROM t\",\"max_rows\":1000}");
    assert_int_equal(fx_len(r, "structuredContent.rows"), 1000);
    const char *text = fx_tool_text(r);
    fx_assert_contains(text, "  id\n----\n   1\n   2\n");
    fx_assert_contains(text, "\n1000\n1000 rows \xc2\xb7");
    json_object_put(r);
    /* 12 columns of 60 characters in 1000 rows: past the text's bound. */
    F.kind = FAKE_WIDE;
    r = call_ok("{\"sql\":\"SELECT * FROM wide\",\"max_rows\":1000}");
    assert_int_equal(fx_len(r, "structuredContent.rows"), 1000);
    text = fx_tool_text(r);
    assert_true(strlen(text) < 600 * 1024);
    fx_assert_contains(text, "of the 1000 rows; structuredContent has them all)\n");
    fx_assert_contains(text, "1000 rows \xc2\xb7 0 items read");
    json_object_put(r);
    /* No columns at all. */
    F.kind = FAKE_PLAN;
    run_sql_env env = {.cfg = &cfg, .cat = app.cat};
    json_object *a = fx_json("{\"sql\":\"SELECT 1\",\"mode\":\"plan\"}"), *err = NULL;
    json_object *res = run_sql_execute(&env, a, &err);
    assert_non_null(res);
    buf_t out = BUF_INIT(4096);
    jset_str(res, "mode", "execute"); /* render as rows: no columns, no rows */
    run_sql_render(res, &out);
    fx_assert_contains(buf_cstr(&out), "(no rows)\n0 rows \xc2\xb7 0 items read \xc2\xb7 0 RCU "
                                       "\xc2\xb7 no DynamoDB calls \xc2\xb7 0 ms\n");
    buf_free(&out);
    json_object_put(res);
    json_object_put(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_listed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rows_result, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_protocol, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_log_detail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cursor_reexecute, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cursor_streaming, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cursor_keeps_page_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cursor_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cursor_expiry_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_objects_duplicate_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_mode_and_explain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_object, setup, teardown),
        cmocka_unit_test_setup_teardown(test_engine_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_secret, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_bounded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

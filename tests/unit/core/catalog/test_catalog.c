#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/support/capture_stderr.h"
#include "tests/unit/support/mcp_fixture.h"

#include "core/aws/ddb_client.h"
#include "core/base/log.h"
#include "core/catalog/catalog.h"
#include "core/store/redis_store.h"

#include <signal.h>

/* One catalog over a scripted fake DynamoDB. Schemas: demo (the default,
 * an allow-list), wide (tables = *) and down (an endpoint where nothing
 * listens). */
static struct {
    fake_http *f;
    config cfg;
    bool cfg_loaded;
    catalog *cat;
    redis_store *redis;
    pid_t redis_pid;
    int down_port;
} T;

/* redis_port 0: no Redis (the catalog's cache is memory only). */
static void open_catalog_redis(int ttl, int sample_size, const char *demo_tables, int redis_port)
{
    T.f = fake_http_start();
    T.down_port = fake_http_free_port();
    fx_config_load(&T.cfg,
                   FX_GLOBAL_CONF("metadata_ttl_seconds = %d\nsample_size = %d\n")
                       FX_SCHEMA_CONF("demo", "default = true\nendpoint = %s\ntables = %s\n")
                           FX_SCHEMA_CONF("wide", "endpoint = %s\ntables = *\n")
                               FX_SCHEMA_CONF("down", "endpoint = http://127.0.0.1:%d\n"),
                   ttl, sample_size, redis_port ? redis_port : fake_http_free_port(),
                   fake_http_url(T.f), demo_tables, fake_http_url(T.f), T.down_port);
    T.cfg_loaded = true;
    if (redis_port)
        T.redis = redis_store_new(&T.cfg.redis);
    T.cat = catalog_new(&T.cfg, T.redis);
}

static void open_catalog(int ttl, int sample_size, const char *demo_tables)
{
    open_catalog_redis(ttl, sample_size, demo_tables, 0);
}

static int teardown(void **state)
{
    (void)state;
    catalog_free(T.cat);
    redis_store_free(T.redis);
    if (T.cfg_loaded)
        config_free(&T.cfg);
    fake_http_stop(T.f);
    fx_redis_stop(&T.redis_pid);
    memset(&T, 0, sizeof T);
    return 0;
}

static size_t nreq(void)
{
    return fake_http_nrequests(T.f);
}

static json_object *list_ok(const char *schema, refresh_mode mode)
{
    catalog_error err = {0};
    json_object *o = catalog_list_tables(T.cat, schema, mode, &err);
    if (!o)
        fprintf(stderr, "list_tables failed: %d %s\n", err.status, err.message);
    assert_non_null(o);
    return o;
}

static json_object *describe_ok(const char *schema, const char *table, refresh_mode mode)
{
    catalog_error err = {0};
    json_object *o = catalog_describe_table(T.cat, schema, table, mode, &err);
    if (!o)
        fprintf(stderr, "describe_table(%s, %s) failed: %d %s\n", schema ? schema : "NULL", table,
                err.status, err.message);
    assert_non_null(o);
    return o;
}

static void describe_fails(const char *schema, const char *table, refresh_mode mode,
                           catalog_status want, const char *fragment)
{
    catalog_error err = {0};
    json_object *o = catalog_describe_table(T.cat, schema, table, mode, &err);
    if (o)
        fprintf(stderr, "describe_table(%s) unexpectedly gave %s\n", table, json_compact(o));
    assert_null(o);
    if (err.status != want || !strstr(err.message, fragment)) {
        fprintf(stderr, "got %d \"%s\"\nwant %d \"...%s...\"\n", err.status, err.message, want,
                fragment);
        fail();
    }
}

static void assert_iso8601(const char *s)
{
    assert_non_null(s);
    assert_int_equal(strlen(s), 24);
    assert_true(s[4] == '-' && s[10] == 'T' && s[19] == '.' && s[23] == 'Z');
}

/* A Scan answer with n simple items starting at number first. */
static void push_scan(int first, int n, const char *last_key)
{
    buf_t b = BUF_INIT(1 << 20);
    buf_puts(&b, "{\"Items\":[");
    for (int i = 0; i < n; i++)
        buf_printf(&b, "%s{\"pk\":{\"S\":\"k%d\"},\"n\":{\"N\":\"%d\"}}", i ? "," : "", first + i,
                   first + i);
    buf_printf(&b, "],\"Count\":%d,\"ScannedCount\":%d", n, n);
    if (last_key)
        buf_printf(&b, ",\"LastEvaluatedKey\":%s", last_key);
    buf_puts(&b, "}");
    fx_ddb_ok(T.f, buf_cstr(&b));
    buf_free(&b);
}

/* A ListTables page of names prefix<first>..prefix<first+n-1>. */
static void push_list(const char *prefix, int first, int n, bool more)
{
    buf_t b = BUF_INIT(1 << 20);
    buf_puts(&b, "{\"TableNames\":[");
    for (int i = 0; i < n; i++)
        buf_printf(&b, "%s\"%s%03d\"", i ? "," : "", prefix, first + i);
    buf_puts(&b, "]");
    if (more)
        buf_printf(&b, ",\"LastEvaluatedTableName\":\"%s%03d\"", prefix, first + n - 1);
    buf_puts(&b, "}");
    fx_ddb_ok(T.f, buf_cstr(&b));
    buf_free(&b);
}

/* ---- list_tables ------------------------------------------------------------- */

static void test_list_allow_list(void **state)
{
    (void)state;
    open_catalog(300, 10, "orders Customers ghost_table");
    fx_ddb_describe(T.f, "orders", 10, true);
    fx_ddb_describe(T.f, "Customers", 3, false);
    fx_ddb_not_found(T.f);
    capture_stderr_start();
    json_object *r = list_ok(NULL, REFRESH_IF_STALE);
    char *log = capture_stderr_stop();
    /* The missing allowed table is skipped, with a warning for the operator. */
    fx_assert_contains(log, "schema 'demo' allows table 'ghost_table', which does not exist");
    free(log);
    assert_string_equal(fx_str(r, "schema_name"), "demo");
    assert_int_equal(fx_len(r, "tables"), 2);
    static const char *const keys[] = {"name",       "qualified_name", "physical_table_name",
                                       "item_count", "refreshed_at",   NULL};
    fx_assert_keys(fx_path(r, "tables.0"), keys);
    assert_string_equal(fx_str(r, "tables.0.name"), "orders");
    assert_string_equal(fx_str(r, "tables.0.qualified_name"), "demo.orders");
    assert_string_equal(fx_str(r, "tables.0.physical_table_name"), "orders");
    assert_int_equal(fx_int(r, "tables.0.item_count"), 10);
    assert_iso8601(fx_str(r, "tables.0.refreshed_at"));
    assert_string_equal(fx_str(r, "tables.1.name"), "Customers");
    assert_string_equal(fx_str(r, "tables.1.qualified_name"), "demo.Customers");
    assert_int_equal(fx_int(r, "tables.1.item_count"), 3);
    assert_false(fx_bool(r, "truncated"));
    assert_true(fx_bool(r, "refreshed"));
    assert_iso8601(fx_str(r, "refreshed_at"));
    int64_t left = fx_int(r, "stale_after_seconds");
    assert_true(left > 0 && left <= 300);
    json_object_put(r);
    /* An allow-list needs no ListTables: one DescribeTable per table. */
    assert_int_equal(nreq(), 3);
    fx_assert_ddb_req(T.f, 0, "DescribeTable", "orders");
    fx_assert_ddb_req(T.f, 1, "DescribeTable", "Customers");
    fx_assert_ddb_req(T.f, 2, "DescribeTable", "ghost_table");
    /* The signed request goes to the schema's endpoint. */
    const fake_http_req *q = fake_http_request(T.f, 0);
    assert_string_equal(q->method, "POST");
    fx_assert_contains(fake_http_header_get(q, "Authorization"),
                       "Credential=AKIDUNITTEST00000000/");

    /* Within the TTL the cache answers; only the missing table is asked
     * about again (it may have been created since). */
    fx_ddb_not_found(T.f);
    capture_stderr_start();
    r = list_ok("demo", REFRESH_IF_STALE);
    free(capture_stderr_stop());
    assert_int_equal(nreq(), 4);
    fx_assert_ddb_req(T.f, 3, "DescribeTable", "ghost_table");
    assert_false(fx_bool(r, "refreshed"));
    assert_int_equal(fx_len(r, "tables"), 2);
    assert_int_equal(fx_int(r, "tables.0.item_count"), 10);
    json_object_put(r);
}

static void test_list_star_paginates(void **state)
{
    (void)state;
    open_catalog(300, 10, "orders");
    push_list("t", 0, 100, true);
    push_list("t", 100, 5, false);
    for (int i = 0; i < 105; i++) {
        char name[16];
        snprintf(name, sizeof name, "t%03d", i);
        fx_ddb_describe(T.f, name, i, false);
    }
    json_object *r = list_ok("wide", REFRESH_IF_STALE);
    assert_string_equal(fx_str(r, "schema_name"), "wide");
    assert_int_equal(fx_len(r, "tables"), 105);
    assert_false(fx_bool(r, "truncated"));
    assert_string_equal(fx_str(r, "tables.0.qualified_name"), "wide.t000");
    assert_string_equal(fx_str(r, "tables.104.name"), "t104");
    assert_int_equal(fx_int(r, "tables.104.item_count"), 104);
    json_object_put(r);

    assert_int_equal(nreq(), 2 + 105);
    fx_assert_ddb_req(T.f, 0, "ListTables", NULL);
    json_object *b = fx_ddb_body(T.f, 0);
    assert_int_equal(jget_int(b, "Limit", 0), 100);
    assert_null(jget(b, "ExclusiveStartTableName"));
    json_object_put(b);
    fx_assert_ddb_req(T.f, 1, "ListTables", NULL);
    b = fx_ddb_body(T.f, 1);
    assert_string_equal(jget_str(b, "ExclusiveStartTableName"), "t099");
    json_object_put(b);
    fx_assert_ddb_req(T.f, 2, "DescribeTable", "t000");
    fx_assert_ddb_req(T.f, 106, "DescribeTable", "t104");
}

static void test_list_cap_200(void **state)
{
    (void)state;
    open_catalog(300, 10, "orders");
    push_list("t", 0, 100, true);
    push_list("t", 100, 100, true);
    push_list("t", 200, 50, false);
    for (int i = 0; i < CATALOG_LIST_CAP; i++) {
        char name[16];
        snprintf(name, sizeof name, "t%03d", i);
        fx_ddb_describe(T.f, name, 1, false);
    }
    json_object *r = list_ok("wide", REFRESH_IF_STALE);
    assert_int_equal(fx_len(r, "tables"), CATALOG_LIST_CAP);
    assert_true(fx_bool(r, "truncated"));
    assert_string_equal(fx_str(r, "tables.199.name"), "t199");
    json_object_put(r);
    /* Three pages, then a description of each listed table only. */
    assert_int_equal(nreq(), 3 + CATALOG_LIST_CAP);
    fx_assert_ddb_req(T.f, 2, "ListTables", NULL);
    fx_assert_ddb_req(T.f, 3 + CATALOG_LIST_CAP - 1, "DescribeTable", "t199");
}

static void test_list_exactly_200_not_truncated(void **state)
{
    (void)state;
    open_catalog(300, 10, "orders");
    push_list("t", 0, 100, true);
    push_list("t", 100, 100, true);
    push_list("t", 200, 0, false);
    for (int i = 0; i < CATALOG_LIST_CAP; i++) {
        char name[16];
        snprintf(name, sizeof name, "t%03d", i);
        fx_ddb_describe(T.f, name, 1, false);
    }
    json_object *r = list_ok("wide", REFRESH_IF_STALE);
    assert_int_equal(fx_len(r, "tables"), CATALOG_LIST_CAP);
    assert_false(fx_bool(r, "truncated"));
    json_object_put(r);
}

static void test_list_skips_tables_deleted_meanwhile(void **state)
{
    (void)state;
    open_catalog(300, 10, "orders");
    push_list("t", 0, 2, false);
    fx_ddb_not_found(T.f);
    fx_ddb_describe(T.f, "t001", 7, false);
    capture_stderr_start();
    json_object *r = list_ok("wide", REFRESH_IF_STALE);
    free(capture_stderr_stop());
    assert_int_equal(fx_len(r, "tables"), 1);
    assert_string_equal(fx_str(r, "tables.0.name"), "t001");
    json_object_put(r);
}

static void test_list_unknown_schema(void **state)
{
    (void)state;
    open_catalog(300, 10, "orders");
    catalog_error err = {0};
    assert_null(catalog_list_tables(T.cat, "prod", REFRESH_IF_STALE, &err));
    assert_int_equal(err.status, CATALOG_NO_SCHEMA);
    assert_string_equal(err.message,
                        "unknown schema 'prod'. Configured schemas: 'demo', 'wide', 'down'. Omit "
                        "schema_name to use the default schema 'demo'.");
    /* Schema names are exact. */
    assert_null(catalog_list_tables(T.cat, "DEMO", REFRESH_IF_STALE, &err));
    assert_int_equal(err.status, CATALOG_NO_SCHEMA);
    assert_int_equal(nreq(), 0);
}

/* ---- describe_table ---------------------------------------------------------- */

static const char ORDERS_DESCRIBE[] =
    "{\"Table\":{\"TableName\":\"orders\",\"TableStatus\":\"ACTIVE\",\"ItemCount\":1500,"
    "\"TableSizeBytes\":98765,"
    "\"BillingModeSummary\":{\"BillingMode\":\"PAY_PER_REQUEST\"},"
    "\"AttributeDefinitions\":[{\"AttributeName\":\"customer_id\",\"AttributeType\":\"S\"},"
    "{\"AttributeName\":\"order_ts\",\"AttributeType\":\"N\"},"
    "{\"AttributeName\":\"status\",\"AttributeType\":\"S\"}],"
    "\"KeySchema\":[{\"AttributeName\":\"customer_id\",\"KeyType\":\"HASH\"},"
    "{\"AttributeName\":\"order_ts\",\"KeyType\":\"RANGE\"}],"
    "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"by_status\","
    "\"KeySchema\":[{\"AttributeName\":\"status\",\"KeyType\":\"HASH\"},"
    "{\"AttributeName\":\"order_ts\",\"KeyType\":\"RANGE\"}],"
    "\"Projection\":{\"ProjectionType\":\"INCLUDE\",\"NonKeyAttributes\":[\"total\"]},"
    "\"IndexStatus\":\"ACTIVE\",\"ItemCount\":1500}],"
    "\"LocalSecondaryIndexes\":[{\"IndexName\":\"by_status_local\","
    "\"KeySchema\":[{\"AttributeName\":\"customer_id\",\"KeyType\":\"HASH\"},"
    "{\"AttributeName\":\"status\",\"KeyType\":\"RANGE\"}],"
    "\"Projection\":{\"ProjectionType\":\"KEYS_ONLY\"}}]}}";

static void test_describe_indexes_and_columns(void **state)
{
    (void)state;
    open_catalog(300, 5, "orders Customers");
    fx_ddb_ok(T.f, ORDERS_DESCRIBE);
    fx_ddb_ok(T.f, "{\"Items\":["
                   "{\"customer_id\":{\"S\":\"c1\"},\"order_ts\":{\"N\":\"1\"},"
                   "\"status\":{\"S\":\"NEW\"},\"total\":{\"N\":\"9.5\"},"
                   "\"address\":{\"M\":{\"city\":{\"S\":\"Oslo\"}}}},"
                   "{\"customer_id\":{\"S\":\"c2\"},\"order_ts\":{\"N\":\"2\"},"
                   "\"status\":{\"S\":\"SHIPPED\"},\"total\":{\"N\":\"3\"}}],"
                   "\"Count\":2,\"LastEvaluatedKey\":{\"customer_id\":{\"S\":\"c2\"},"
                   "\"order_ts\":{\"N\":\"2\"}}}");
    fx_ddb_ok(T.f, "{\"Items\":[{\"customer_id\":{\"S\":\"c3\"},\"order_ts\":{\"N\":\"3\"},"
                   "\"status\":{\"NULL\":true},\"total\":{\"S\":\"n/a\"}}],\"Count\":1}");
    json_object *r = describe_ok(NULL, "orders", REFRESH_IF_STALE);

    static const char *const keys[] = {
        "schema_name", "table_name", "qualified_name", "physical_table_name",
        "item_count",  "size_bytes", "status",         "billing_mode",
        "key_schema",  "indexes",    "columns",        "attribute_types",
        "sample",      "refreshed",  "refreshed_at",   "stale_after_seconds",
        NULL};
    fx_assert_keys(r, keys);
    assert_string_equal(fx_str(r, "schema_name"), "demo");
    assert_string_equal(fx_str(r, "table_name"), "orders");
    assert_string_equal(fx_str(r, "qualified_name"), "demo.orders");
    assert_string_equal(fx_str(r, "physical_table_name"), "orders");
    assert_int_equal(fx_int(r, "item_count"), 1500);
    assert_int_equal(fx_int(r, "size_bytes"), 98765);
    assert_string_equal(fx_str(r, "status"), "ACTIVE");
    assert_string_equal(fx_str(r, "billing_mode"), "PAY_PER_REQUEST");
    assert_string_equal(fx_str(r, "key_schema.partition_key.name"), "customer_id");
    assert_string_equal(fx_str(r, "key_schema.sort_key.type"), "N");
    assert_int_equal(fx_len(r, "indexes"), 3);
    assert_string_equal(fx_str(r, "indexes.0.type"), "PRIMARY");
    assert_string_equal(fx_str(r, "indexes.1.name"), "by_status");
    assert_string_equal(fx_str(r, "indexes.1.type"), "GSI");
    assert_string_equal(fx_str(r, "indexes.1.projection.type"), "INCLUDE");
    assert_string_equal(fx_str(r, "indexes.1.projection.attributes.0"), "total");
    assert_string_equal(fx_str(r, "indexes.2.type"), "LSI");
    assert_string_equal(fx_str(r, "indexes.2.sortKey"), "status");
    assert_string_equal(fx_str(r, "indexes.2.projection.type"), "KEYS_ONLY");
    /* Every sampled item has status and order_ts: neither index is sparse.
     * The primary key carries no flag (it always holds every item). */
    assert_null(fx_path(r, "indexes.0.sparse"));
    assert_false(fx_bool(r, "indexes.1.sparse"));
    assert_false(fx_bool(r, "indexes.2.sparse"));

    /* Columns: keys first, then the rest in order; nested paths included. */
    static const char *const cols[] = {"customer_id",  "order_ts", "address",
                                       "address.city", "status",   "total"};
    assert_int_equal(fx_len(r, "columns"), 6);
    for (size_t i = 0; i < 6; i++) {
        char path[32];
        snprintf(path, sizeof path, "columns.%zu.name", i);
        assert_string_equal(fx_str(r, path), cols[i]);
    }
    assert_string_equal(fx_str(r, "columns.0.key"), "partition");
    assert_string_equal(fx_str(r, "columns.1.key"), "sort");
    assert_true(fx_bool(r, "columns.4.nullable")); /* status was NULL once */
    assert_string_equal(fx_str(r, "columns.5.type"), "N");
    assert_int_equal(fx_len(r, "columns.5.types"), 2);
    /* attribute_types: top-level attributes only. */
    json_object *types = fx_path(r, "attribute_types");
    assert_string_equal(json_compact(types), "{\"customer_id\":\"S\",\"order_ts\":\"N\","
                                             "\"address\":\"M\",\"status\":\"S\",\"total\":\"N\"}");
    assert_int_equal(fx_int(r, "sample.items_sampled"), 3);
    assert_int_equal(fx_int(r, "sample.requested"), 5);
    assert_true(fx_bool(r, "sample.whole_table"));
    assert_false(fx_bool(r, "sample.columns_truncated"));
    fx_assert_contains(fx_str(r, "sample.method"), "Scan");
    assert_true(fx_bool(r, "refreshed"));
    assert_iso8601(fx_str(r, "refreshed_at"));
    json_object_put(r);

    /* DescribeTable, then two Scan pages with the remaining budget. */
    assert_int_equal(nreq(), 3);
    fx_assert_ddb_req(T.f, 0, "DescribeTable", "orders");
    fx_assert_ddb_req(T.f, 1, "Scan", "orders");
    json_object *b = fx_ddb_body(T.f, 1);
    assert_int_equal(jget_int(b, "Limit", 0), 5);
    assert_null(jget(b, "ExclusiveStartKey"));
    json_object_put(b);
    fx_assert_ddb_req(T.f, 2, "Scan", "orders");
    b = fx_ddb_body(T.f, 2);
    assert_int_equal(jget_int(b, "Limit", 0), 3);
    assert_string_equal(json_compact(jget(b, "ExclusiveStartKey")),
                        "{\"customer_id\":{\"S\":\"c2\"},\"order_ts\":{\"N\":\"2\"}}");
    json_object_put(b);
}

static void test_describe_marks_sparse_indexes(void **state)
{
    (void)state;
    open_catalog(300, 10, "orders");
    fx_ddb_ok(T.f, ORDERS_DESCRIBE);
    /* The second item has no status: both indexes keyed on it are sparse. */
    fx_ddb_ok(T.f, "{\"Items\":["
                   "{\"customer_id\":{\"S\":\"c1\"},\"order_ts\":{\"N\":\"1\"},"
                   "\"status\":{\"S\":\"NEW\"}},"
                   "{\"customer_id\":{\"S\":\"c2\"},\"order_ts\":{\"N\":\"2\"}}],"
                   "\"Count\":2}");
    json_object *r = describe_ok(NULL, "orders", REFRESH_IF_STALE);
    assert_null(fx_path(r, "indexes.0.sparse"));
    assert_true(fx_bool(r, "indexes.1.sparse"));
    assert_true(fx_bool(r, "indexes.2.sparse"));
    char *first = xstrdup(json_compact(fx_path(r, "indexes")));
    /* Changing the answer must not reach the cached description. */
    json_object_array_del_idx(fx_path(r, "indexes"), 0, 3);
    json_object_put(r);
    r = describe_ok(NULL, "orders", REFRESH_SKIP);
    assert_string_equal(json_compact(fx_path(r, "indexes")), first);
    free(first);
    json_object_put(r);
    assert_int_equal(nreq(), 2);
}

static void test_describe_sample_stops_at_sample_size(void **state)
{
    (void)state;
    open_catalog(300, 3, "orders");
    fx_ddb_describe(T.f, "orders", 1000, false);
    push_scan(0, 3, "{\"pk\":{\"S\":\"k2\"}}");
    json_object *r = describe_ok("demo", "orders", REFRESH_IF_STALE);
    assert_int_equal(fx_int(r, "sample.items_sampled"), 3);
    assert_int_equal(fx_int(r, "sample.requested"), 3);
    assert_false(fx_bool(r, "sample.whole_table"));
    assert_int_equal(fx_len(r, "columns"), 2);
    json_object_put(r);
    assert_int_equal(nreq(), 2);
}

static void test_describe_empty_table(void **state)
{
    (void)state;
    open_catalog(300, 3, "orders");
    fx_ddb_describe(T.f, "orders", 0, true);
    push_scan(0, 0, NULL);
    json_object *r = describe_ok("demo", "orders", REFRESH_IF_STALE);
    assert_int_equal(fx_int(r, "sample.items_sampled"), 0);
    assert_true(fx_bool(r, "sample.whole_table"));
    /* The key columns are still there, typed from the key schema. */
    assert_int_equal(fx_len(r, "columns"), 2);
    assert_string_equal(fx_str(r, "columns.1.name"), "sk");
    assert_string_equal(fx_str(r, "columns.1.type"), "N");
    json_object_put(r);
}

static void test_case_insensitive_resolution(void **state)
{
    (void)state;
    open_catalog(300, 3, "orders Customers Mixed mixed");
    /* A unique case-insensitive match resolves to the physical name. */
    fx_ddb_describe(T.f, "Customers", 1, false);
    push_scan(0, 1, NULL);
    json_object *r = describe_ok(NULL, "CUSTOMERS", REFRESH_IF_STALE);
    assert_string_equal(fx_str(r, "table_name"), "Customers");
    assert_string_equal(fx_str(r, "qualified_name"), "demo.Customers");
    json_object_put(r);
    fx_assert_ddb_req(T.f, 0, "DescribeTable", "Customers");
    fx_assert_ddb_req(T.f, 1, "Scan", "Customers");
    /* Exact matches win over case-insensitive ones. */
    fx_ddb_describe(T.f, "mixed", 1, false);
    push_scan(0, 1, NULL);
    r = describe_ok(NULL, "mixed", REFRESH_IF_STALE);
    assert_string_equal(fx_str(r, "table_name"), "mixed");
    json_object_put(r);
    /* Two case-insensitive matches are ambiguous: no guess, no request. */
    size_t before = nreq();
    describe_fails(NULL, "MIXED", REFRESH_IF_STALE, CATALOG_NO_TABLE,
                   "table 'MIXED' is not available in schema 'demo'. Available tables: orders, "
                   "Customers, Mixed, mixed.");
    assert_int_equal(nreq(), before);
}

static void test_case_insensitive_with_star(void **state)
{
    (void)state;
    open_catalog(300, 3, "orders");
    /* With tables = *, a listing (fetched once, then cached) resolves case. */
    fx_ddb_ok(T.f, "{\"TableNames\":[\"Users\",\"dup\",\"Dup\"]}");
    fx_ddb_describe(T.f, "Users", 4, false);
    push_scan(0, 2, NULL);
    json_object *r = describe_ok("wide", "users", REFRESH_IF_STALE);
    assert_string_equal(fx_str(r, "qualified_name"), "wide.Users");
    json_object_put(r);
    assert_int_equal(nreq(), 3);
    fx_assert_ddb_req(T.f, 0, "ListTables", NULL);
    fx_assert_ddb_req(T.f, 1, "DescribeTable", "Users");
    /* Ambiguous: the name is used as given, and DynamoDB decides. */
    fx_ddb_not_found(T.f);
    describe_fails("wide", "DUP", REFRESH_IF_STALE, CATALOG_NO_TABLE,
                   "table 'DUP' does not exist in schema 'wide'. Call list_tables");
    assert_int_equal(nreq(), 4); /* the cached listing was used */
    fx_assert_ddb_req(T.f, 3, "DescribeTable", "DUP");
}

static void test_allow_list_hides_tables(void **state)
{
    (void)state;
    open_catalog(300, 3, "orders Customers");
    const char *want = "table 'secrets' is not available in schema 'demo'. Available tables: "
                       "orders, Customers. Call list_tables to see them with item counts.";
    describe_fails(NULL, "secrets", REFRESH_IF_STALE, CATALOG_NO_TABLE, want);
    describe_fails("demo", "secrets", REFRESH_FORCE, CATALOG_NO_TABLE, want);
    describe_fails(NULL, "demo.secrets", REFRESH_SKIP, CATALOG_NO_TABLE, want);
    /* DynamoDB is never asked about a table outside the allow-list. */
    assert_int_equal(nreq(), 0);
}

static void test_qualified_names(void **state)
{
    (void)state;
    open_catalog(300, 3, "orders events.v2");
    /* schema.table picks the schema. */
    fx_ddb_ok(T.f, "{\"TableNames\":[\"orders\"]}");
    fx_ddb_describe(T.f, "orders", 2, false);
    push_scan(0, 2, NULL);
    json_object *r = describe_ok(NULL, "wide.orders", REFRESH_IF_STALE);
    assert_string_equal(fx_str(r, "schema_name"), "wide");
    assert_string_equal(fx_str(r, "qualified_name"), "wide.orders");
    json_object_put(r);
    /* Agreeing schema_name is fine. */
    r = describe_ok("wide", "wide.orders", REFRESH_SKIP);
    assert_string_equal(fx_str(r, "schema_name"), "wide");
    json_object_put(r);
    assert_int_equal(nreq(), 3);
    /* Disagreeing is an error naming both. */
    describe_fails("demo", "wide.orders", REFRESH_IF_STALE, CATALOG_BAD_NAME,
                   "table_name 'wide.orders' names schema 'wide' but schema_name is 'demo'; give "
                   "one or make them agree");
    /* A dotted table name whose prefix is no schema is a table name. */
    fx_ddb_describe(T.f, "events.v2", 2, false);
    push_scan(0, 1, NULL);
    r = describe_ok(NULL, "events.v2", REFRESH_IF_STALE);
    assert_string_equal(fx_str(r, "qualified_name"), "demo.events.v2");
    json_object_put(r);
    fx_assert_ddb_req(T.f, 3, "DescribeTable", "events.v2");
    /* Unknown schema, named either way. */
    describe_fails("nope", "orders", REFRESH_IF_STALE, CATALOG_NO_SCHEMA,
                   "unknown schema 'nope'. Configured schemas: 'demo', 'wide', 'down'.");
    describe_fails(NULL, "nope.orders", REFRESH_IF_STALE, CATALOG_NO_TABLE,
                   "table 'nope.orders' is not available in schema 'demo'");
}

static void test_bad_table_names(void **state)
{
    (void)state;
    open_catalog(300, 3, "orders");
    const char *frag = "is not a valid DynamoDB table name (3 to 255 letters, digits, '_', '-' or "
                       "'.'). Use a name from list_tables.";
    describe_fails(NULL, "ab", REFRESH_IF_STALE, CATALOG_BAD_NAME, frag);
    describe_fails(NULL, "", REFRESH_IF_STALE, CATALOG_BAD_NAME, frag);
    describe_fails(NULL, "or ders", REFRESH_IF_STALE, CATALOG_BAD_NAME, "'or ders' is not a valid");
    describe_fails("wide", "a/b/c", REFRESH_IF_STALE, CATALOG_BAD_NAME, frag);
    describe_fails("wide",
                   "ta\xc3\xa9"
                   "ble",
                   REFRESH_IF_STALE, CATALOG_BAD_NAME, frag);
    describe_fails("wide", "wide.x", REFRESH_IF_STALE, CATALOG_BAD_NAME, "'x' is not a valid");
    char longname[300];
    memset(longname, 'a', 256);
    longname[256] = '\0';
    describe_fails("wide", longname, REFRESH_IF_STALE, CATALOG_BAD_NAME, frag);
    assert_int_equal(nreq(), 0);
}

/* Another deployment sharing Redis (same schema name and key prefix) or
 * this one before its allow-list was narrowed may have cached a listing
 * with more tables: an allow-list schema never lists beyond its list. */
static void test_allow_list_ignores_cached_listings(void **state)
{
    (void)state;
    int port;
    fx_redis_start(&T.redis_pid, &port);
    open_catalog_redis(300, 3, "orders", port);
    char val[512];
    snprintf(val, sizeof val,
             "{\"fetched_ms\":%lld,\"doc\":{\"names\":[\"orders\",\"secret_table\"],"
             "\"truncated\":false}}",
             (long long)wall_ms());
    const char *argv[] = {"SET", "ddbsql:meta:v1:demo:list", val};
    char err[256];
    redisReply *r = redis_store_cmd(T.redis, true, 3, argv, NULL, err, sizeof err);
    assert_non_null(r);
    freeReplyObject(r);
    snprintf(val, sizeof val,
             "{\"fetched_ms\":%lld,\"doc\":{\"table_name\":\"secret_table\","
             "\"item_count\":99}}",
             (long long)wall_ms());
    argv[1] = "ddbsql:meta:v1:demo:desc:secret_table";
    r = redis_store_cmd(T.redis, true, 3, argv, NULL, err, sizeof err);
    assert_non_null(r);
    freeReplyObject(r);

    fx_ddb_describe(T.f, "orders", 1, false);
    json_object *l = list_ok(NULL, REFRESH_SKIP);
    assert_int_equal(fx_len(l, "tables"), 1);
    assert_string_equal(fx_str(l, "tables.0.name"), "orders");
    json_object_put(l);
    json_object *n = catalog_table_names(T.cat, T.cfg.default_schema, "");
    assert_string_equal(json_compact(n), "[\"orders\"]");
    json_object_put(n);
    describe_fails(NULL, "secret_table", REFRESH_SKIP, CATALOG_NO_TABLE, "is not available");
    assert_int_equal(nreq(), 1);
}

/* ---- refresh modes and the cache --------------------------------------------- */

static void test_refresh_modes(void **state)
{
    (void)state;
    open_catalog(300, 3, "orders");
    fx_ddb_describe(T.f, "orders", 5, false);
    push_scan(0, 2, NULL);
    json_object *r = describe_ok(NULL, "orders", REFRESH_IF_STALE);
    assert_true(fx_bool(r, "refreshed"));
    json_object_put(r);
    assert_int_equal(nreq(), 2);

    /* if_stale within the TTL: the cache answers, DynamoDB sees nothing. */
    r = describe_ok(NULL, "orders", REFRESH_IF_STALE);
    assert_false(fx_bool(r, "refreshed"));
    assert_int_equal(fx_int(r, "item_count"), 5);
    json_object_put(r);
    assert_int_equal(nreq(), 2);
    /* skip: the cache too. */
    r = describe_ok(NULL, "orders", REFRESH_SKIP);
    assert_false(fx_bool(r, "refreshed"));
    json_object_put(r);
    /* list_tables reuses the description, and is as fresh as it. */
    r = list_ok(NULL, REFRESH_IF_STALE);
    assert_int_equal(fx_int(r, "tables.0.item_count"), 5);
    assert_false(fx_bool(r, "refreshed"));
    assert_string_equal(fx_str(r, "refreshed_at"), fx_str(r, "tables.0.refreshed_at"));
    json_object_put(r);
    assert_int_equal(nreq(), 2);

    /* force re-reads both the description and the sample. */
    fx_ddb_describe(T.f, "orders", 6, false);
    push_scan(0, 3, NULL);
    r = describe_ok(NULL, "orders", REFRESH_FORCE);
    assert_true(fx_bool(r, "refreshed"));
    assert_int_equal(fx_int(r, "item_count"), 6);
    assert_int_equal(fx_int(r, "sample.items_sampled"), 3);
    json_object_put(r);
    assert_int_equal(nreq(), 4);
    fx_assert_ddb_req(T.f, 2, "DescribeTable", "orders");
    fx_assert_ddb_req(T.f, 3, "Scan", "orders");
    /* ...and the cache now holds the new version. */
    r = describe_ok(NULL, "orders", REFRESH_SKIP);
    assert_int_equal(fx_int(r, "item_count"), 6);
    json_object_put(r);
    /* A forced list refreshes the counts. */
    fx_ddb_describe(T.f, "orders", 7, false);
    r = list_ok(NULL, REFRESH_FORCE);
    assert_true(fx_bool(r, "refreshed"));
    assert_int_equal(fx_int(r, "tables.0.item_count"), 7);
    json_object_put(r);
    assert_int_equal(nreq(), 5);
}

static void test_ttl_zero_always_stale(void **state)
{
    (void)state;
    open_catalog(0, 3, "orders");
    fx_ddb_describe(T.f, "orders", 1, false);
    push_scan(0, 1, NULL);
    fx_ddb_describe(T.f, "orders", 2, false);
    push_scan(0, 1, NULL);
    json_object *r = describe_ok(NULL, "orders", REFRESH_IF_STALE);
    assert_int_equal(fx_int(r, "stale_after_seconds"), 0);
    json_object_put(r);
    r = describe_ok(NULL, "orders", REFRESH_IF_STALE);
    assert_int_equal(fx_int(r, "item_count"), 2);
    json_object_put(r);
    assert_int_equal(nreq(), 4);
    /* skip still answers from the cache. */
    r = describe_ok(NULL, "orders", REFRESH_SKIP);
    assert_int_equal(fx_int(r, "item_count"), 2);
    assert_false(fx_bool(r, "refreshed"));
    json_object_put(r);
    assert_int_equal(nreq(), 4);
}

static void test_skip_with_empty_cache_fetches(void **state)
{
    (void)state;
    open_catalog(300, 3, "orders");
    fx_ddb_describe(T.f, "orders", 1, false);
    push_scan(0, 1, NULL);
    json_object *r = describe_ok(NULL, "orders", REFRESH_SKIP);
    assert_true(fx_bool(r, "refreshed"));
    json_object_put(r);
    assert_int_equal(nreq(), 2);
}

static void test_stale_served_when_dynamodb_down(void **state)
{
    (void)state;
    open_catalog(300, 3, "orders");
    fx_ddb_ok(T.f, "{\"TableNames\":[\"users\"]}");
    fx_ddb_describe(T.f, "users", 11, false);
    fx_ddb_describe(T.f, "orders", 12, false);
    push_scan(0, 2, NULL);
    json_object *r = list_ok("wide", REFRESH_IF_STALE);
    json_object_put(r);
    r = describe_ok(NULL, "orders", REFRESH_IF_STALE);
    json_object_put(r);
    assert_int_equal(nreq(), 4);

    /* DynamoDB goes away. */
    fake_http_stop(T.f);
    T.f = NULL;
    capture_stderr_start();
    r = describe_ok(NULL, "orders", REFRESH_FORCE);
    assert_false(fx_bool(r, "refreshed"));
    assert_int_equal(fx_int(r, "item_count"), 12);
    assert_int_equal(fx_int(r, "sample.items_sampled"), 2);
    json_object_put(r);
    r = list_ok("wide", REFRESH_FORCE);
    assert_false(fx_bool(r, "refreshed"));
    assert_int_equal(fx_len(r, "tables"), 1);
    assert_int_equal(fx_int(r, "tables.0.item_count"), 11);
    json_object_put(r);
    char *log = capture_stderr_stop();
    /* The operator is told why the answer is stale. */
    fx_assert_contains(log, "serving stale metadata for demo.orders: cannot reach DynamoDB at");
    fx_assert_contains(log, "serving a stale table list for wide");
    free(log);
}

static void test_stale_served_on_server_errors(void **state)
{
    (void)state;
    open_catalog(300, 3, "orders");
    fx_ddb_describe(T.f, "orders", 12, false);
    push_scan(0, 2, NULL);
    json_object_put(describe_ok(NULL, "orders", REFRESH_IF_STALE));
    fx_ddb_error(T.f, 500, "InternalServerError", "boom");
    fx_ddb_error(T.f, 400, "ProvisionedThroughputExceededException", "slow down");
    capture_stderr_start();
    json_object *r = describe_ok(NULL, "orders", REFRESH_FORCE);
    free(capture_stderr_stop());
    assert_false(fx_bool(r, "refreshed"));
    json_object_put(r);
    assert_int_equal(nreq(), 4);
}

static void test_deleted_table_not_served_stale(void **state)
{
    (void)state;
    open_catalog(300, 3, "orders");
    fx_ddb_describe(T.f, "orders", 12, false);
    push_scan(0, 2, NULL);
    json_object_put(describe_ok(NULL, "orders", REFRESH_IF_STALE));
    fx_ddb_not_found(T.f);
    describe_fails(NULL, "orders", REFRESH_FORCE, CATALOG_NO_TABLE,
                   "table 'orders' does not exist in schema 'demo'. Call list_tables to see the "
                   "tables you can use.");
}

/* ---- DynamoDB failures ------------------------------------------------------ */

static void test_dynamodb_unreachable(void **state)
{
    (void)state;
    open_catalog(300, 3, "orders");
    char where[64];
    snprintf(where, sizeof where, "cannot reach DynamoDB at http://127.0.0.1:%d", T.down_port);
    catalog_error err = {0};
    assert_null(catalog_list_tables(T.cat, "down", REFRESH_IF_STALE, &err));
    assert_int_equal(err.status, CATALOG_DYNAMODB);
    fx_assert_contains(err.message, "ListTables in schema 'down' failed: ");
    fx_assert_contains(err.message, where);
    describe_fails("down", "orders", REFRESH_IF_STALE, CATALOG_DYNAMODB,
                   "DescribeTable in schema 'down' failed: cannot reach DynamoDB at");
    describe_fails(NULL, "down.orders", REFRESH_SKIP, CATALOG_DYNAMODB, where);
    /* Table-name completion never fails: it knows nothing. */
    json_object *names = catalog_table_names(T.cat, config_schema(&T.cfg, "down"), "");
    assert_int_equal(json_object_array_length(names), 0);
    json_object_put(names);
}

static void test_dynamodb_errors(void **state)
{
    (void)state;
    open_catalog(300, 3, "orders");
    fx_ddb_error(T.f, 400, "AccessDeniedException", "User is not authorized");
    describe_fails(NULL, "orders", REFRESH_IF_STALE, CATALOG_DYNAMODB,
                   "DescribeTable in schema 'demo' failed: DynamoDB denied DescribeTable "
                   "(AccessDeniedException: User is not authorized)");
    /* The description works but sampling is denied. */
    fx_ddb_describe(T.f, "orders", 1, false);
    fx_ddb_error(T.f, 400, "AccessDeniedException", "no scan");
    describe_fails(NULL, "orders", REFRESH_IF_STALE, CATALOG_DYNAMODB,
                   "Scan (sampling items) in schema 'demo' failed: DynamoDB denied Scan");
    /* A description without a key schema. */
    fx_ddb_ok(T.f, "{\"Table\":{\"TableName\":\"orders\"}}");
    describe_fails(NULL, "orders", REFRESH_FORCE, CATALOG_DYNAMODB,
                   "DynamoDB returned a description of 'orders' without a key schema");
    /* ListTables denied. */
    fx_ddb_error(T.f, 400, "AccessDeniedException", "no list");
    catalog_error err = {0};
    assert_null(catalog_list_tables(T.cat, "wide", REFRESH_IF_STALE, &err));
    assert_int_equal(err.status, CATALOG_DYNAMODB);
    fx_assert_contains(err.message,
                       "ListTables in schema 'wide' failed: DynamoDB denied ListTables");
}

/* ---- small helpers ---------------------------------------------------------- */

static void test_table_names(void **state)
{
    (void)state;
    open_catalog(300, 3, "orders order_items Customers");
    const schema_conf *demo = config_schema(&T.cfg, "demo");
    json_object *n = catalog_table_names(T.cat, demo, "ORD");
    assert_string_equal(json_compact(n), "[\"orders\",\"order_items\"]");
    json_object_put(n);
    n = catalog_table_names(T.cat, demo, "");
    assert_int_equal(json_object_array_length(n), 3);
    json_object_put(n);
    n = catalog_table_names(T.cat, demo, NULL);
    assert_int_equal(json_object_array_length(n), 3);
    json_object_put(n);
    n = catalog_table_names(T.cat, demo, "zzz");
    assert_int_equal(json_object_array_length(n), 0);
    json_object_put(n);
    assert_int_equal(nreq(), 0);
    /* tables = *: one ListTables, then the cache. */
    fx_ddb_ok(T.f, "{\"TableNames\":[\"alpha\",\"Beta\",\"beta2\"]}");
    const schema_conf *wide = config_schema(&T.cfg, "wide");
    n = catalog_table_names(T.cat, wide, "b");
    assert_string_equal(json_compact(n), "[\"Beta\",\"beta2\"]");
    json_object_put(n);
    n = catalog_table_names(T.cat, wide, "a");
    assert_string_equal(json_compact(n), "[\"alpha\"]");
    json_object_put(n);
    assert_int_equal(nreq(), 1);
}

static void test_schema_and_refresh_parsing(void **state)
{
    (void)state;
    open_catalog(300, 3, "orders");
    catalog_error err = {0};
    assert_ptr_equal(catalog_schema(T.cat, NULL, &err), T.cfg.default_schema);
    assert_ptr_equal(catalog_schema(T.cat, "", &err), T.cfg.default_schema);
    assert_ptr_equal(catalog_schema(T.cat, "wide", &err), config_schema(&T.cfg, "wide"));
    assert_null(catalog_schema(T.cat, "w", &err));
    assert_int_equal(err.status, CATALOG_NO_SCHEMA);
    /* One client per schema, reused. */
    const schema_conf *wide = config_schema(&T.cfg, "wide");
    ddb_client *c1 = catalog_client(T.cat, wide);
    assert_non_null(c1);
    assert_ptr_equal(catalog_client(T.cat, wide), c1);
    assert_ptr_not_equal(catalog_client(T.cat, T.cfg.default_schema), c1);
    assert_string_equal(ddb_client_endpoint(c1), fake_http_url(T.f));

    refresh_mode m = REFRESH_FORCE;
    assert_true(refresh_mode_parse(NULL, &m));
    assert_int_equal(m, REFRESH_IF_STALE);
    assert_true(refresh_mode_parse("force", &m));
    assert_int_equal(m, REFRESH_FORCE);
    assert_true(refresh_mode_parse("skip", &m));
    assert_int_equal(m, REFRESH_SKIP);
    assert_true(refresh_mode_parse("if_stale", &m));
    assert_int_equal(m, REFRESH_IF_STALE);
    m = REFRESH_SKIP;
    assert_false(refresh_mode_parse("FORCE", &m));
    assert_false(refresh_mode_parse("", &m));
    assert_int_equal(m, REFRESH_SKIP);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    ddb_global_init();
#define T_(f) cmocka_unit_test_teardown(f, teardown)
    const struct CMUnitTest tests[] = {
        T_(test_list_allow_list),
        T_(test_list_star_paginates),
        T_(test_list_cap_200),
        T_(test_list_exactly_200_not_truncated),
        T_(test_list_skips_tables_deleted_meanwhile),
        T_(test_list_unknown_schema),
        T_(test_describe_indexes_and_columns),
        T_(test_describe_marks_sparse_indexes),
        T_(test_describe_sample_stops_at_sample_size),
        T_(test_describe_empty_table),
        T_(test_case_insensitive_resolution),
        T_(test_case_insensitive_with_star),
        T_(test_allow_list_hides_tables),
        T_(test_qualified_names),
        T_(test_bad_table_names),
        T_(test_allow_list_ignores_cached_listings),
        T_(test_refresh_modes),
        T_(test_ttl_zero_always_stale),
        T_(test_skip_with_empty_cache_fetches),
        T_(test_stale_served_when_dynamodb_down),
        T_(test_stale_served_on_server_errors),
        T_(test_deleted_table_not_served_stale),
        T_(test_dynamodb_unreachable),
        T_(test_dynamodb_errors),
        T_(test_table_names),
        T_(test_schema_and_refresh_parsing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

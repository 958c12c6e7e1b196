/* list_tables and describe_table as MCP tools (core/mcp/tool_metadata.c):
 * argument checks, structured results that match the advertised output
 * schemas, the text rendering, and catalog errors as tool errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/support/capture_stderr.h"
#include "tests/unit/support/mcp_fixture.h"

#include "core/mcp/arg_schema.h"
#include "core/mcp/tools.h"

static fx_mcp M;

static int setup(void **state)
{
    (void)state;
    fx_mcp_open(&M, "orders customers ghost_table");
    tools_register_metadata();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tools_reset();
    fx_mcp_close(&M);
    return 0;
}

/* tools/call under 2025-11-25; returns the result (caller puts). */
static json_object *call(const char *tool, const char *args)
{
    char params[2048];
    snprintf(params, sizeof params, "{\"name\":\"%s\",\"arguments\":%s}", tool, args);
    return fx_rpc_ok(&M.app, "2025-11-25", "tools/call", params);
}

static const char *tool_error(json_object *r)
{
    if (!jget_bool(r, "isError", false)) {
        fprintf(stderr, "expected a tool error: %s\n", json_compact(r));
        fail();
    }
    return fx_tool_text(r);
}

/* Checks a structured result against the tool's advertised outputSchema:
 * top-level required members and types, and each array item's required
 * members. */
static void assert_matches_output_schema(const char *tool, json_object *structured)
{
    json_object *list = fx_rpc_ok(&M.app, "2025-11-25", "tools/list", NULL);
    json_object *schema = NULL;
    for (size_t i = 0; i < fx_len(list, "tools"); i++) {
        json_object *t = json_object_array_get_idx(jget(list, "tools"), i);
        if (strcmp(jget_str(t, "name"), tool) == 0)
            schema = jget_obj(t, "outputSchema");
    }
    assert_non_null(schema);
    buf_t err = BUF_INIT(4096);
    if (!arg_schema_check(schema, structured, &err)) {
        fprintf(stderr, "%s output does not match its schema: %s\n", tool, buf_cstr(&err));
        fail();
    }
    buf_free(&err);
    json_object_object_foreach(jget_obj(schema, "properties"), name, prop)
    {
        json_object *items = jget_obj(prop, "items");
        json_object *req = jget_arr(items, "required");
        json_object *arr = jget_arr(structured, name);
        for (size_t i = 0; req && arr && i < json_object_array_length(arr); i++)
            for (size_t k = 0; k < json_object_array_length(req); k++) {
                const char *member = json_object_get_string(json_object_array_get_idx(req, k));
                if (!jget(json_object_array_get_idx(arr, i), member)) {
                    fprintf(stderr, "%s.%zu lacks %s\n", name, i, member);
                    fail();
                }
            }
    }
    json_object_put(list);
}

static const char ORDERS_DESCRIBE[] =
    "{\"Table\":{\"TableName\":\"orders\",\"TableStatus\":\"ACTIVE\",\"ItemCount\":1500,"
    "\"TableSizeBytes\":98765,"
    "\"AttributeDefinitions\":[{\"AttributeName\":\"customer_id\",\"AttributeType\":\"S\"},"
    "{\"AttributeName\":\"order_ts\",\"AttributeType\":\"N\"},"
    "{\"AttributeName\":\"status\",\"AttributeType\":\"S\"},"
    "{\"AttributeName\":\"total\",\"AttributeType\":\"N\"}],"
    "\"KeySchema\":[{\"AttributeName\":\"customer_id\",\"KeyType\":\"HASH\"},"
    "{\"AttributeName\":\"order_ts\",\"KeyType\":\"RANGE\"}],"
    "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"by_status\","
    "\"KeySchema\":[{\"AttributeName\":\"status\",\"KeyType\":\"HASH\"},"
    "{\"AttributeName\":\"order_ts\",\"KeyType\":\"RANGE\"}],"
    "\"Projection\":{\"ProjectionType\":\"INCLUDE\",\"NonKeyAttributes\":[\"total\",\"note\"]},"
    "\"IndexStatus\":\"ACTIVE\"}],"
    "\"LocalSecondaryIndexes\":[{\"IndexName\":\"by_total\","
    "\"KeySchema\":[{\"AttributeName\":\"customer_id\",\"KeyType\":\"HASH\"},"
    "{\"AttributeName\":\"total\",\"KeyType\":\"RANGE\"}],"
    "\"Projection\":{\"ProjectionType\":\"KEYS_ONLY\"}}]}}";

static const char ORDERS_SCAN[] =
    "{\"Items\":["
    "{\"customer_id\":{\"S\":\"c1\"},\"order_ts\":{\"N\":\"1\"},\"status\":{\"S\":\"NEW\"},"
    "\"total\":{\"N\":\"9.5\"},\"address\":{\"M\":{\"city\":{\"S\":\"Oslo\"}}}},"
    "{\"customer_id\":{\"S\":\"c2\"},\"order_ts\":{\"N\":\"2\"},\"status\":{\"S\":\"NEW\"},"
    "\"total\":{\"N\":\"3\"}},"
    "{\"customer_id\":{\"S\":\"c3\"},\"order_ts\":{\"N\":\"3\"},\"status\":{\"NULL\":true}}],"
    "\"Count\":3}";

static void test_list_tables(void **state)
{
    (void)state;
    fx_ddb_describe(M.f, "orders", 10, false);
    fx_ddb_describe(M.f, "customers", 1, false);
    fx_ddb_not_found(M.f);
    capture_stderr_start();
    json_object *r = call("list_tables", "{}");
    free(capture_stderr_stop());
    assert_null(jget(r, "isError"));
    json_object *sc = jget_obj(r, "structuredContent");
    assert_matches_output_schema("list_tables", sc);
    assert_string_equal(fx_str(sc, "schema_name"), "demo");
    assert_int_equal(fx_len(sc, "tables"), 2);
    const char *text = fx_tool_text(r);
    char want[512];
    snprintf(want, sizeof want,
             "Schema 'demo': 2 tables.\n"
             "- demo.orders (about 10 items)\n"
             "- demo.customers (about 1 item)\n"
             "Metadata refreshed from DynamoDB at %s; fresh for another %lld s.\n"
             "Next: call describe_table with a table_name to see its keys, indexes and columns.\n",
             fx_str(sc, "refreshed_at"), (long long)fx_int(sc, "stale_after_seconds"));
    assert_string_equal(text, want);
    json_object_put(r);

    /* From the cache: "cached" in the text, and no DynamoDB call but the
     * missing table's. */
    fx_ddb_not_found(M.f);
    capture_stderr_start();
    r = call("list_tables", "{\"schema_name\":\"demo\",\"refresh\":\"if_stale\"}");
    free(capture_stderr_stop());
    fx_assert_contains(fx_tool_text(r), "Metadata cached at ");
    assert_false(fx_bool(r, "structuredContent.refreshed"));
    json_object_put(r);
    assert_int_equal(fake_http_nrequests(M.f), 4);
}

static void test_list_tables_singular_and_empty(void **state)
{
    (void)state;
    /* prod lists alpha_table and beta_table; only one exists. */
    fx_ddb_describe(M.f, "alpha_table", 1, false);
    fx_ddb_not_found(M.f);
    capture_stderr_start();
    json_object *r = call("list_tables", "{\"schema_name\":\"prod\"}");
    free(capture_stderr_stop());
    fx_assert_contains(fx_tool_text(r),
                       "Schema 'prod': 1 table.\n- prod.alpha_table (about 1 item)");
    json_object_put(r);
    /* dev (tables = *) with no tables: no "Next" hint. */
    fx_ddb_ok(M.f, "{\"TableNames\":[]}");
    r = call("list_tables", "{\"schema_name\":\"dev\"}");
    const char *text = fx_tool_text(r);
    fx_assert_contains(text, "Schema 'dev': 0 tables.\nMetadata refreshed from DynamoDB at ");
    fx_assert_not_contains(text, "Next:");
    assert_int_equal(fx_len(r, "structuredContent.tables"), 0);
    json_object_put(r);
}

static void test_list_tables_truncated_text(void **state)
{
    (void)state;
    buf_t b = BUF_INIT(1 << 20);
    for (int page = 0; page < 3; page++) {
        buf_reset(&b);
        buf_puts(&b, "{\"TableNames\":[");
        for (int i = 0; i < 100; i++)
            buf_printf(&b, "%s\"t%03d\"", i ? "," : "", page * 100 + i);
        buf_printf(&b, "],\"LastEvaluatedTableName\":\"t%03d\"}", page * 100 + 99);
        fx_ddb_ok(M.f, buf_cstr(&b));
    }
    buf_free(&b);
    for (int i = 0; i < 200; i++) {
        char name[16];
        snprintf(name, sizeof name, "t%03d", i);
        fx_ddb_describe(M.f, name, i, false);
    }
    json_object *r = call("list_tables", "{\"schema_name\":\"dev\"}");
    fx_assert_contains(fx_tool_text(r),
                       "Schema 'dev': 200 tables (truncated at 200; more exist).\n- dev.t000");
    assert_true(fx_bool(r, "structuredContent.truncated"));
    json_object_put(r);
}

static void test_describe_table(void **state)
{
    (void)state;
    fx_ddb_ok(M.f, ORDERS_DESCRIBE);
    fx_ddb_ok(M.f, ORDERS_SCAN);
    json_object *r = call("describe_table", "{\"table_name\":\"orders\"}");
    assert_null(jget(r, "isError"));
    json_object *sc = jget_obj(r, "structuredContent");
    assert_matches_output_schema("describe_table", sc);
    assert_string_equal(fx_str(sc, "qualified_name"), "demo.orders");
    char want[2048];
    snprintf(want, sizeof want,
             "Table demo.orders (DynamoDB table 'orders'): about 1500 items, 98765 bytes, ACTIVE, "
             "PROVISIONED.\n"
             "Primary key: customer_id (S, partition key) + order_ts (N, sort key)\n"
             "GSI by_status: status (S) + order_ts (N); projects INCLUDE (total, note)\n"
             "LSI by_total: customer_id (S) + total (N); projects KEYS_ONLY; SPARSE: it holds only "
             "items that have customer_id and total\n"
             "Columns seen in 3 sampled items (the whole table):\n"
             "- customer_id: S, partition key\n"
             "- order_ts: N, sort key\n"
             "- address: M, in 33%% of items, nullable\n"
             "- address.city: S, in 33%% of items, nullable\n"
             "- status: S|NULL, in 100%% of items, nullable\n"
             "- total: N, in 67%% of items, nullable\n"
             "Nested map attributes are listed as dotted paths (a.b.c). Types are DynamoDB's: S "
             "string, N number, B binary, BOOL, NULL, M map, L list, SS/NS/BS sets.\n"
             "Metadata refreshed from DynamoDB at %s; fresh for another %lld s.\n",
             fx_str(sc, "refreshed_at"), (long long)fx_int(sc, "stale_after_seconds"));
    assert_string_equal(fx_tool_text(r), want);
    json_object_put(r);
    assert_int_equal(fake_http_nrequests(M.f), 2);

    /* refresh: skip and if_stale use the cache; force re-reads. */
    r = call("describe_table", "{\"table_name\":\"demo.orders\",\"refresh\":\"skip\"}");
    assert_false(fx_bool(r, "structuredContent.refreshed"));
    json_object_put(r);
    r = call("describe_table", "{\"table_name\":\"ORDERS\",\"schema_name\":\"demo\"}");
    assert_false(fx_bool(r, "structuredContent.refreshed"));
    json_object_put(r);
    assert_int_equal(fake_http_nrequests(M.f), 2);
    fx_ddb_ok(M.f, ORDERS_DESCRIBE);
    fx_ddb_ok(M.f, ORDERS_SCAN);
    r = call("describe_table", "{\"table_name\":\"orders\",\"refresh\":\"force\"}");
    assert_true(fx_bool(r, "structuredContent.refreshed"));
    json_object_put(r);
    assert_int_equal(fake_http_nrequests(M.f), 4);
}

static void test_describe_sample_text(void **state)
{
    (void)state;
    /* One item, then an empty last page: the whole table, singular. */
    fx_ddb_describe(M.f, "orders", 99, false);
    fx_ddb_ok(M.f, "{\"Items\":[{\"pk\":{\"S\":\"a\"}}],\"Count\":1,"
                   "\"LastEvaluatedKey\":{\"pk\":{\"S\":\"a\"}}}");
    fx_ddb_ok(M.f, "{\"Items\":[],\"Count\":0}");
    json_object *r = call("describe_table", "{\"table_name\":\"orders\"}");
    const char *text = fx_tool_text(r);
    fx_assert_contains(text, "Primary key: pk (S, partition key)\n"
                             "Columns seen in 1 sampled item (the whole table):\n"
                             "- pk: S, partition key\n");
    fx_assert_not_contains(text, "sort key");
    json_object_put(r);
    /* The sample size reached with more items left: not the whole table. */
    fx_ddb_describe(M.f, "orders", 99, false);
    fx_ddb_ok(M.f, "{\"Items\":[{\"pk\":{\"S\":\"a\"}}],\"Count\":1,"
                   "\"LastEvaluatedKey\":{\"pk\":{\"S\":\"a\"}}}");
    fx_ddb_ok(M.f, "{\"Items\":[{\"pk\":{\"S\":\"b\"}},{\"pk\":{\"S\":\"c\"}},"
                   "{\"pk\":{\"S\":\"d\"},\"x\":{\"BOOL\":true}},{\"pk\":{\"S\":\"e\"}}],"
                   "\"Count\":4,\"LastEvaluatedKey\":{\"pk\":{\"S\":\"e\"}}}");
    r = call("describe_table", "{\"table_name\":\"orders\",\"refresh\":\"force\"}");
    text = fx_tool_text(r);
    fx_assert_contains(text, "Columns seen in 5 sampled items:\n"
                             "- pk: S, partition key\n"
                             "- x: BOOL, in 20% of items, nullable\n");
    assert_false(fx_bool(r, "structuredContent.sample.whole_table"));
    json_object_put(r);
}

static void test_invalid_arguments(void **state)
{
    (void)state;
    static const struct {
        const char *tool, *args, *want;
    } cases[] = {
        {"describe_table", "{}", "Invalid arguments for describe_table: 'table_name' is required."},
        {"describe_table", "{\"table_name\":\"\"}",
         "Invalid arguments for describe_table: 'table_name' must not be empty."},
        {"describe_table", "{\"table_name\":\"orders\",\"refresh\":\"sometimes\"}",
         "Invalid arguments for describe_table: 'refresh' must be one of \"if_stale\", "
         "\"force\", \"skip\"; got \"sometimes\"."},
        {"describe_table", "{\"table\":\"orders\"}",
         "Invalid arguments for describe_table: 'table_name' is required."},
        {"describe_table", "{\"table_name\":\"orders\",\"table\":\"orders\"}",
         "Invalid arguments for describe_table: unknown argument 'table'; accepted arguments: "
         "table_name, schema_name, refresh."},
        {"describe_table", "{\"table_name\":[\"orders\"]}",
         "Invalid arguments for describe_table: 'table_name' must be a string, not an array."},
        {"list_tables", "{\"schema\":\"demo\"}",
         "Invalid arguments for list_tables: unknown argument 'schema'; accepted arguments: "
         "schema_name, refresh."},
        {"list_tables",
         "{\"schema_name\":\"s234567890123456789012345678901234567890123456789012345678901234\"}",
         "Invalid arguments for list_tables: 'schema_name' is 64 characters long; the limit is "
         "63."},
        {"list_tables", "{\"refresh\":true}",
         "Invalid arguments for list_tables: 'refresh' must be a string, not a boolean."},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_object *r = call(cases[i].tool, cases[i].args);
        const char *text = tool_error(r);
        if (strcmp(text, cases[i].want) != 0) {
            fprintf(stderr, "%s %s\n  got  %s\n  want %s\n", cases[i].tool, cases[i].args, text,
                    cases[i].want);
            fail();
        }
        json_object_put(r);
    }
    assert_int_equal(fake_http_nrequests(M.f), 0);
}

static void test_catalog_errors_are_tool_errors(void **state)
{
    (void)state;
    json_object *r = call("list_tables", "{\"schema_name\":\"staging\"}");
    assert_string_equal(tool_error(r), "list_tables failed: unknown schema 'staging'. Configured "
                                       "schemas: 'demo', 'dev', 'prod'. Omit schema_name to use "
                                       "the default schema 'demo'.");
    json_object_put(r);
    r = call("describe_table", "{\"table_name\":\"secrets\"}");
    assert_string_equal(tool_error(r),
                        "describe_table failed: table 'secrets' is not available in schema "
                        "'demo'. Available tables: orders, customers, ghost_table. Call "
                        "list_tables to see them with item counts.");
    json_object_put(r);
    r = call("describe_table", "{\"table_name\":\"dev.orders\",\"schema_name\":\"prod\"}");
    fx_assert_contains(tool_error(r), "describe_table failed: table_name 'dev.orders' names schema "
                                      "'dev' but schema_name is 'prod'");
    json_object_put(r);
    assert_int_equal(fake_http_nrequests(M.f), 0);

    fx_ddb_not_found(M.f);
    r = call("describe_table", "{\"table_name\":\"ghost_table\"}");
    assert_string_equal(tool_error(r),
                        "describe_table failed: table 'ghost_table' does not exist in schema "
                        "'demo'. Call list_tables to see the tables you can use.");
    json_object_put(r);

    fx_ddb_error(M.f, 500, "InternalServerError", "boom");
    r = call("list_tables", "{\"schema_name\":\"dev\"}");
    const char *text = tool_error(r);
    fx_assert_contains(text, "list_tables failed: ListTables in schema 'dev' failed: DynamoDB at ");
    fx_assert_contains(text, "kept failing ListTables (last: HTTP 500 InternalServerError)");
    json_object_put(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_list_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_tables_singular_and_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_tables_truncated_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_describe_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_describe_sample_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catalog_errors_are_tool_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* MCP prompts (core/mcp/prompts.c): listing, argument checks, and texts
 * that mention only the tools this server offers the caller. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/support/mcp_fixture.h"

#include "core/mcp/prompts.h"
#include "core/mcp/tools.h"

static fx_mcp M;

static int setup(void **state)
{
    (void)state;
    fx_mcp_open(&M, "orders customers");
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

/* A stand-in for the SQL engine's tool, registered by some tests. */
static json_object *run_nothing(mcp_call *call, json_object *args, buf_t *err)
{
    (void)call;
    (void)args;
    buf_puts(err, "not in unit tests");
    return NULL;
}

static void render_nothing(json_object *result, buf_t *out)
{
    (void)result;
    (void)out;
}

static const tool_def RUN_SQL = {
    .name = "run_sql",
    .title = "Run SQL",
    .description = "Runs SQL.",
    .input_schema = "{\"type\":\"object\",\"properties\":{\"sql\":{\"type\":\"string\"}},"
                    "\"required\":[\"sql\"]}",
    .output_schema = "{\"type\":\"object\"}",
    .scope = SCOPE_QUERY,
    .run = run_nothing,
    .render = render_nothing,
};

/* prompts/get through dispatch; returns the single message's text
 * (copied into a static buffer) after checking the result's shape. */
static const char *get_text(unsigned scopes, const char *params)
{
    static char text[16384];
    rpc_error err;
    json_object *r = fx_dispatch(&M.app, "2025-11-25", scopes, "prompts/get", params, &err);
    if (!r)
        fprintf(stderr, "prompts/get %s: %d %s\n", params, err.code, err.message);
    assert_non_null(r);
    static const char *const keys[] = {"description", "messages", NULL};
    fx_assert_keys(r, keys);
    assert_int_equal(fx_len(r, "messages"), 1);
    assert_string_equal(fx_str(r, "messages.0.role"), "user");
    assert_string_equal(fx_str(r, "messages.0.content.type"), "text");
    snprintf(text, sizeof text, "%s", fx_str(r, "messages.0.content.text"));
    json_object_put(r);
    return text;
}

static void expect_get_error(const char *params, const char *want)
{
    json_object *e =
        fx_rpc_err(&M.app, "2025-11-25", "prompts/get", params, RPC_INVALID_PARAMS, want);
    assert_string_equal(fx_str(e, "message"), want);
    json_object_put(e);
}

static void test_list(void **state)
{
    (void)state;
    json_object *r = fx_rpc_ok(&M.app, "2025-11-25", "prompts/list", NULL);
    assert_string_equal(
        json_compact(r),
        "{\"prompts\":["
        "{\"name\":\"explore-data\",\"title\":\"Explore the data\",\"description\":\"Walk through "
        "the tables of a schema (or one table): keys, indexes, attributes and sample rows, ending "
        "with an overview of the data model.\",\"arguments\":["
        "{\"name\":\"schema\",\"description\":\"Schema to explore (default: the default "
        "schema).\",\"required\":false},"
        "{\"name\":\"table\",\"description\":\"A table to focus on (default: all tables).\","
        "\"required\":false}]},"
        "{\"name\":\"write-query\",\"title\":\"Write a query\",\"description\":\"Turn a question "
        "in plain words into a ddbsql SQL query, checking table keys and indexes first so the "
        "query reads as little as possible.\",\"arguments\":["
        "{\"name\":\"question\",\"description\":\"The question to answer, in plain words.\","
        "\"required\":true},"
        "{\"name\":\"schema\",\"description\":\"Schema to query (default: the default schema).\","
        "\"required\":false}]}]}");
    json_object_put(r);
    /* Titles exist from 2025-06-18 on. */
    r = fx_rpc_ok(&M.app, "2025-03-26", "prompts/list", NULL);
    assert_null(fx_path(r, "prompts.0.title"));
    assert_null(fx_path(r, "prompts.1.title"));
    assert_string_equal(fx_str(r, "prompts.1.name"), "write-query");
    json_object_put(r);
}

static void test_has_argument(void **state)
{
    (void)state;
    assert_true(prompts_has_argument("explore-data", "schema"));
    assert_true(prompts_has_argument("explore-data", "table"));
    assert_false(prompts_has_argument("explore-data", "question"));
    assert_true(prompts_has_argument("write-query", "question"));
    assert_true(prompts_has_argument("write-query", "schema"));
    assert_false(prompts_has_argument("write-query", "table"));
    assert_false(prompts_has_argument("nope", "schema"));
    assert_false(prompts_has_argument("explore-data", ""));
}

static void test_explore_without_run_sql(void **state)
{
    (void)state;
    const char *t = get_text(SCOPE_ALL, "{\"name\":\"explore-data\"}");
    fx_assert_contains(t, "Help me explore the data in the DynamoDB schema 'demo' through ddbsql.");
    fx_assert_contains(t, "1. Call list_tables with schema_name \"demo\"");
    fx_assert_contains(t, "2. For the tables that look central, call describe_table.");
    fx_assert_contains(t, "3. Finish with a short overview of the data model");
    fx_assert_contains(t, "ddbsql://docs/sql-reference");
    fx_assert_not_contains(t, "run_sql");
    /* Focused on one table of another schema. */
    t = get_text(SCOPE_ALL, "{\"name\":\"explore-data\",\"arguments\":{\"schema\":\"prod\","
                            "\"table\":\"alpha_table\"}}");
    fx_assert_contains(t, "schema 'prod'");
    fx_assert_contains(t, "1. Call describe_table with table_name \"alpha_table\" and schema_name "
                          "\"prod\".");
    fx_assert_contains(t, "2. Finish with a short overview");
    fx_assert_not_contains(t, "list_tables");
    fx_assert_not_contains(t, "run_sql");
    /* Empty strings mean "not given". */
    t = get_text(SCOPE_ALL, "{\"name\":\"explore-data\",\"arguments\":{\"schema\":\"\","
                            "\"table\":\"\"}}");
    fx_assert_contains(t, "schema 'demo'");
    fx_assert_contains(t, "Call list_tables");
}

static void test_explore_with_run_sql(void **state)
{
    (void)state;
    tools_register(&RUN_SQL);
    const char *t = get_text(SCOPE_ALL, "{\"name\":\"explore-data\"}");
    fx_assert_contains(t, "3. Use run_sql with small queries (LIMIT 10)");
    fx_assert_contains(t, "4. Finish with a short overview");
    /* Registered but not granted to this caller: not mentioned. */
    t = get_text(SCOPE_SCHEMAS_READ, "{\"name\":\"explore-data\"}");
    fx_assert_not_contains(t, "run_sql");
}

static void test_write_query(void **state)
{
    (void)state;
    const char *t = get_text(SCOPE_ALL, "{\"name\":\"write-query\",\"arguments\":{\"question\":"
                                        "\"Which customers ordered most last month?\"}}");
    fx_assert_contains(t, "Write a SQL query for ddbsql that answers this question:\n\nWhich "
                          "customers ordered most last month?\n\n");
    fx_assert_contains(t, "Work in the DynamoDB schema 'demo'.");
    fx_assert_contains(t, "1. Call list_tables (schema_name \"demo\")");
    fx_assert_contains(t, "2. Call describe_table on each table you will use.");
    fx_assert_contains(t, "(for example demo.orders)");
    /* Page sizes come from [sql] (the defaults here). */
    fx_assert_contains(t, "results come 100 rows at a time by default (at most 1000 per call)");
    fx_assert_contains(t, "4. This server does not let you run queries, so present the SQL");
    fx_assert_not_contains(t, "run_sql");

    tools_register(&RUN_SQL);
    t = get_text(SCOPE_ALL, "{\"name\":\"write-query\",\"arguments\":{\"question\":\"q?\","
                            "\"schema\":\"dev\"}}");
    fx_assert_contains(t, "Work in the DynamoDB schema 'dev'.");
    fx_assert_contains(t, "4. Run it with run_sql");
    t = get_text(SCOPE_SCHEMAS_READ,
                 "{\"name\":\"write-query\",\"arguments\":{\"question\":\"q?\"}}");
    fx_assert_not_contains(t, "run_sql");
}

static void test_get_errors(void **state)
{
    (void)state;
    expect_get_error("{\"name\":\"write-query\"}",
                     "Invalid params: prompt 'write-query' needs the argument 'question'");
    expect_get_error("{\"name\":\"write-query\",\"arguments\":{\"question\":\"\"}}",
                     "Invalid params: prompt 'write-query' needs the argument 'question'");
    expect_get_error("{\"name\":\"write-query\",\"arguments\":{\"question\":null}}",
                     "Invalid params: argument 'question' must be a string of at most 2000 "
                     "characters");
    expect_get_error("{\"name\":\"nope\"}", "Invalid params: unknown prompt 'nope'; available: "
                                            "explore-data, write-query");
    expect_get_error("{}", "Invalid params: unknown prompt ''; available: explore-data, "
                           "write-query");
    expect_get_error("{\"name\":\"explore-data\",\"arguments\":{\"schema\":\"staging\"}}",
                     "Invalid params: unknown schema 'staging' (use completion/complete to list "
                     "schemas)");
    expect_get_error("{\"name\":\"write-query\",\"arguments\":{\"question\":\"q\","
                     "\"schema\":\"DEMO\"}}",
                     "Invalid params: unknown schema 'DEMO' (use completion/complete to list "
                     "schemas)");
    expect_get_error("{\"name\":\"explore-data\",\"arguments\":{\"question\":\"q\"}}",
                     "Invalid params: prompt 'explore-data' has no argument 'question'");
    expect_get_error("{\"name\":\"explore-data\",\"arguments\":{\"table\":5}}",
                     "Invalid params: argument 'table' must be a string of at most 2000 "
                     "characters");
    expect_get_error("{\"name\":\"explore-data\",\"arguments\":[\"demo\"]}",
                     "Invalid params: \"arguments\" must be an object");
    char params[2200], longq[2100];
    memset(longq, 'q', 2001);
    longq[2001] = '\0';
    snprintf(params, sizeof params,
             "{\"name\":\"write-query\",\"arguments\":{\"question\":\"%s\"}}", longq);
    expect_get_error(params, "Invalid params: argument 'question' must be a string of at most "
                             "2000 characters");
    /* 2000 characters are fine. */
    longq[2000] = '\0';
    snprintf(params, sizeof params,
             "{\"name\":\"write-query\",\"arguments\":{\"question\":\"%s\"}}", longq);
    fx_assert_contains(get_text(SCOPE_ALL, params), longq);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_has_argument, setup, teardown),
        cmocka_unit_test_setup_teardown(test_explore_without_run_sql, setup, teardown),
        cmocka_unit_test_setup_teardown(test_explore_with_run_sql, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

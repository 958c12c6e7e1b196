/* completion/complete (core/mcp/completion.c): schema and table names for
 * prompt arguments and the table-description template. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/support/mcp_fixture.h"

#include "core/mcp/tools.h"

static fx_mcp M;

static int setup(void **state)
{
    (void)state;
    fx_mcp_open(&M, "orders order_items customers Orders_archive");
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

/* completion/complete with ref (JSON), argument name and value, and an
 * optional context (JSON); returns result.completion as compact text. */
static const char *complete_with(unsigned scopes, const char *ref, const char *arg,
                                 const char *value, const char *context)
{
    static char out[8192];
    char params[2048];
    snprintf(params, sizeof params,
             "{\"ref\":%s,\"argument\":{\"name\":\"%s\",\"value\":\"%s\"}%s%s%s}", ref, arg, value,
             context ? ",\"context\":{\"arguments\":" : "", context ? context : "",
             context ? "}" : "");
    rpc_error err;
    json_object *r = fx_dispatch(&M.app, "2025-11-25", scopes, "completion/complete", params, &err);
    if (!r)
        fprintf(stderr, "%s: %d %s\n", params, err.code, err.message);
    assert_non_null(r);
    static const char *const keys[] = {"completion", NULL};
    fx_assert_keys(r, keys);
    snprintf(out, sizeof out, "%s", json_compact(jget(r, "completion")));
    json_object_put(r);
    return out;
}

static const char *complete(const char *ref, const char *arg, const char *value)
{
    return complete_with(SCOPE_ALL, ref, arg, value, NULL);
}

#define PROMPT(name) "{\"type\":\"ref/prompt\",\"name\":\"" name "\"}"
#define TEMPLATE     "{\"type\":\"ref/resource\",\"uri\":\"ddbsql://schemas/{schema}/tables/{table}\"}"

static void test_schema_names(void **state)
{
    (void)state;
    const char *all = "{\"values\":[\"demo\",\"dev\",\"prod\"],\"total\":3,\"hasMore\":false}";
    assert_string_equal(complete(PROMPT("explore-data"), "schema", ""), all);
    assert_string_equal(complete(PROMPT("explore-data"), "schema", "d"),
                        "{\"values\":[\"demo\",\"dev\"],\"total\":2,\"hasMore\":false}");
    /* Prefixes match case-insensitively; values keep their case. */
    assert_string_equal(complete(PROMPT("write-query"), "schema", "DE"),
                        "{\"values\":[\"demo\",\"dev\"],\"total\":2,\"hasMore\":false}");
    assert_string_equal(complete(PROMPT("write-query"), "schema", "dem"),
                        "{\"values\":[\"demo\"],\"total\":1,\"hasMore\":false}");
    assert_string_equal(complete(PROMPT("write-query"), "schema", "demox"),
                        "{\"values\":[],\"total\":0,\"hasMore\":false}");
    /* The resource template's {schema} too. */
    assert_string_equal(complete(TEMPLATE, "schema", "p"),
                        "{\"values\":[\"prod\"],\"total\":1,\"hasMore\":false}");
    /* No DynamoDB call for schema names. */
    assert_int_equal(fake_http_nrequests(M.f), 0);
}

static void test_unknown_refs_complete_nothing(void **state)
{
    (void)state;
    const char *none = "{\"values\":[],\"total\":0,\"hasMore\":false}";
    assert_string_equal(complete(PROMPT("no-such-prompt"), "schema", "d"), none);
    assert_string_equal(complete(PROMPT("write-query"), "question", "wh"), none);
    assert_string_equal(complete(PROMPT("write-query"), "table", "or"), none); /* no such arg */
    assert_string_equal(complete(PROMPT("explore-data"), "nope", ""), none);
    assert_string_equal(
        complete("{\"type\":\"ref/resource\",\"uri\":\"ddbsql://docs/limitations\"}", "schema", ""),
        none);
    assert_int_equal(fake_http_nrequests(M.f), 0);
}

static void test_table_names(void **state)
{
    (void)state;
    /* An allow-list schema completes from its list, without DynamoDB. */
    assert_string_equal(complete(PROMPT("explore-data"), "table", "ord"),
                        "{\"values\":[\"orders\",\"order_items\",\"Orders_archive\"],\"total\":3,"
                        "\"hasMore\":false}");
    assert_string_equal(complete(TEMPLATE, "table", "c"),
                        "{\"values\":[\"customers\"],\"total\":1,\"hasMore\":false}");
    /* The schema chosen so far narrows the tables. */
    assert_string_equal(
        complete_with(SCOPE_ALL, PROMPT("explore-data"), "table", "", "{\"schema\":\"prod\"}"),
        "{\"values\":[\"alpha_table\",\"beta_table\"],\"total\":2,"
        "\"hasMore\":false}");
    assert_string_equal(complete_with(SCOPE_ALL, TEMPLATE, "table", "b", "{\"schema\":\"prod\"}"),
                        "{\"values\":[\"beta_table\"],\"total\":1,\"hasMore\":false}");
    /* An unknown schema in the context: nothing. */
    assert_string_equal(complete_with(SCOPE_ALL, TEMPLATE, "table", "", "{\"schema\":\"nope\"}"),
                        "{\"values\":[],\"total\":0,\"hasMore\":false}");
    assert_int_equal(fake_http_nrequests(M.f), 0);
    /* tables = *: one ListTables, then the cache. */
    fx_ddb_ok(M.f, "{\"TableNames\":[\"events\",\"Everything\",\"users\"]}");
    assert_string_equal(complete_with(SCOPE_ALL, TEMPLATE, "table", "e", "{\"schema\":\"dev\"}"),
                        "{\"values\":[\"events\",\"Everything\"],\"total\":2,\"hasMore\":false}");
    assert_string_equal(complete_with(SCOPE_ALL, TEMPLATE, "table", "u", "{\"schema\":\"dev\"}"),
                        "{\"values\":[\"users\"],\"total\":1,\"hasMore\":false}");
    assert_int_equal(fake_http_nrequests(M.f), 1);
    /* Without schemas:read, table names are not revealed. */
    assert_string_equal(complete_with(SCOPE_QUERY, TEMPLATE, "table", "", NULL),
                        "{\"values\":[],\"total\":0,\"hasMore\":false}");
    /* Schema names are (they are in the prompts' own error messages). */
    assert_string_equal(complete_with(SCOPE_QUERY, TEMPLATE, "schema", "pr", NULL),
                        "{\"values\":[\"prod\"],\"total\":1,\"hasMore\":false}");
}

static void test_table_names_when_dynamodb_is_down(void **state)
{
    (void)state;
    fx_ddb_error(M.f, 500, "InternalServerError", "down");
    assert_string_equal(complete_with(SCOPE_ALL, TEMPLATE, "table", "", "{\"schema\":\"dev\"}"),
                        "{\"values\":[],\"total\":0,\"hasMore\":false}");
}

static void test_at_most_100_values(void **state)
{
    (void)state;
    buf_t b = BUF_INIT(1 << 16);
    buf_puts(&b, "{\"TableNames\":[");
    for (int i = 0; i < 100; i++)
        buf_printf(&b, "%s\"t%03d\"", i ? "," : "", i);
    buf_puts(&b, "],\"LastEvaluatedTableName\":\"t099\"}");
    fx_ddb_ok(M.f, buf_cstr(&b));
    buf_reset(&b);
    buf_puts(&b, "{\"TableNames\":[");
    for (int i = 100; i < 130; i++)
        buf_printf(&b, "%s\"t%03d\"", i > 100 ? "," : "", i);
    buf_puts(&b, "]}");
    fx_ddb_ok(M.f, buf_cstr(&b));
    buf_free(&b);
    rpc_error err;
    json_object *r =
        fx_dispatch(&M.app, "2025-11-25", SCOPE_ALL, "completion/complete",
                    "{\"ref\":" TEMPLATE ",\"argument\":{\"name\":\"table\","
                    "\"value\":\"t\"},\"context\":{\"arguments\":{\"schema\":\"dev\"}}}",
                    &err);
    assert_non_null(r);
    assert_int_equal(fx_len(r, "completion.values"), 100);
    assert_string_equal(fx_str(r, "completion.values.99"), "t099");
    assert_int_equal(fx_int(r, "completion.total"), 130);
    assert_true(fx_bool(r, "completion.hasMore"));
    json_object_put(r);
}

static void test_bad_params(void **state)
{
    (void)state;
    const char *need = "Invalid params: completion/complete needs ref.type, argument.name and "
                       "argument.value";
    static const char *const bad[] = {
        "{}",
        "{\"ref\":" PROMPT("explore-data") "}",
        "{\"ref\":" PROMPT("explore-data") ",\"argument\":{\"name\":\"schema\"}}",
        "{\"ref\":" PROMPT("explore-data") ",\"argument\":{\"value\":\"d\"}}",
        "{\"ref\":{\"name\":\"x\"},\"argument\":{\"name\":\"schema\",\"value\":\"d\"}}",
        "{\"ref\":\"ref/prompt\",\"argument\":{\"name\":\"schema\",\"value\":\"d\"}}",
        "{\"ref\":" PROMPT("explore-data") ",\"argument\":{\"name\":\"schema\",\"value\":5}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        json_object_put(fx_rpc_err(&M.app, "2025-11-25", "completion/complete", bad[i],
                                   RPC_INVALID_PARAMS, need));
    json_object_put(fx_rpc_err(&M.app, "2025-11-25", "completion/complete",
                               "{\"ref\":{\"type\":\"ref/prompt\"},\"argument\":{\"name\":"
                               "\"schema\",\"value\":\"\"}}",
                               RPC_INVALID_PARAMS, "Invalid params: ref.name is required"));
    json_object_put(fx_rpc_err(&M.app, "2025-11-25", "completion/complete",
                               "{\"ref\":{\"type\":\"ref/resource\"},\"argument\":{\"name\":"
                               "\"schema\",\"value\":\"\"}}",
                               RPC_INVALID_PARAMS, "Invalid params: ref.uri is required"));
    json_object_put(fx_rpc_err(&M.app, "2025-11-25", "completion/complete",
                               "{\"ref\":{\"type\":\"ref/tool\",\"name\":\"x\"},\"argument\":{"
                               "\"name\":\"schema\",\"value\":\"\"}}",
                               RPC_INVALID_PARAMS,
                               "Invalid params: ref.type must be \"ref/prompt\" or "
                               "\"ref/resource\""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_schema_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_refs_complete_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_names_when_dynamodb_is_down, setup, teardown),
        cmocka_unit_test_setup_teardown(test_at_most_100_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_params, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The method table and lifecycle methods of core/mcp/server.c, through
 * mcp_http_handle (as a client sees them) and mcp_dispatch (for scopes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/support/mcp_fixture.h"

#include "core/base/version.h"
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

static void test_versions(void **state)
{
    (void)state;
    assert_true(mcp_version_supported("2025-11-25"));
    assert_true(mcp_version_supported("2025-06-18"));
    assert_true(mcp_version_supported("2025-03-26"));
    assert_false(mcp_version_supported("2024-11-05"));
    assert_false(mcp_version_supported("2025-11-25x"));
    assert_false(mcp_version_supported(""));
    assert_false(mcp_version_supported(NULL));
    assert_false(mcp_version_has_structured("2025-03-26"));
    assert_true(mcp_version_has_structured("2025-06-18"));
    assert_true(mcp_version_has_structured("2025-11-25"));
    assert_false(mcp_version_has_structured(NULL));
    assert_string_equal(MCP_LATEST_VERSION, "2025-11-25");
}

static void test_app_new_free(void **state)
{
    (void)state;
    /* mcp_app_new connects to nothing until a request needs it. */
    mcp_app *app = mcp_app_new(&M.cfg);
    assert_non_null(app);
    assert_ptr_equal(app->cfg, &M.cfg);
    assert_non_null(app->redis);
    assert_non_null(app->cat);
    json_object *r = fx_rpc_ok(app, NULL, "ping", NULL);
    assert_string_equal(json_compact(r), "{}");
    json_object_put(r);
    mcp_app_free(app);
    mcp_app_free(NULL);
}

static void expect_initialize(const char *requested, const char *want)
{
    char params[200];
    snprintf(params, sizeof params,
             "{\"protocolVersion\":\"%s\",\"capabilities\":{},"
             "\"clientInfo\":{\"name\":\"unit\",\"version\":\"1\"}}",
             requested);
    json_object *r = fx_rpc_ok(&M.app, NULL, "initialize", params);
    assert_string_equal(fx_str(r, "protocolVersion"), want);
    assert_string_equal(json_compact(fx_path(r, "capabilities")),
                        "{\"tools\":{\"listChanged\":false},"
                        "\"resources\":{\"subscribe\":false,\"listChanged\":false},"
                        "\"prompts\":{\"listChanged\":false},\"logging\":{},\"completions\":{}}");
    assert_string_equal(fx_str(r, "serverInfo.name"), "ddbsql");
    assert_string_equal(fx_str(r, "serverInfo.version"), DDBSQL_VERSION);
    /* Titles exist from 2025-06-18 on. */
    if (mcp_version_has_structured(want))
        assert_string_equal(fx_str(r, "serverInfo.title"), "ddbsql: read-only SQL over DynamoDB");
    else
        assert_null(fx_path(r, "serverInfo.title"));
    const char *instr = fx_str(r, "instructions");
    fx_assert_contains(instr, "list_tables");
    fx_assert_contains(instr, "describe_table");
    fx_assert_contains(instr, "ddbsql://docs/sql-reference");
    static const char *const keys[] = {"protocolVersion", "capabilities", "serverInfo",
                                       "instructions", NULL};
    fx_assert_keys(r, keys);
    json_object_put(r);
}

static void test_initialize_negotiation(void **state)
{
    (void)state;
    expect_initialize("2025-11-25", "2025-11-25");
    expect_initialize("2025-06-18", "2025-06-18");
    expect_initialize("2025-03-26", "2025-03-26");
    /* Versions we do not speak get our latest. */
    expect_initialize("2024-11-05", "2025-11-25");
    expect_initialize("2099-01-01", "2025-11-25");
    expect_initialize("", "2025-11-25");
}

static void test_initialize_needs_version(void **state)
{
    (void)state;
    const char *want = "Invalid params: initialize needs \"protocolVersion\" (a string such as "
                       "\"2025-11-25\")";
    json_object_put(
        fx_rpc_err(&M.app, NULL, "initialize", "{\"capabilities\":{}}", RPC_INVALID_PARAMS, want));
    json_object_put(fx_rpc_err(&M.app, NULL, "initialize", NULL, RPC_INVALID_PARAMS, want));
    json_object_put(fx_rpc_err(&M.app, NULL, "initialize", "{\"protocolVersion\":20251125}",
                               RPC_INVALID_PARAMS, want));
}

static void test_ping(void **state)
{
    (void)state;
    json_object *r = fx_rpc_ok(&M.app, "2025-11-25", "ping", NULL);
    assert_string_equal(json_compact(r), "{}");
    json_object_put(r);
    r = fx_rpc_ok(&M.app, NULL, "ping", "{\"_meta\":{\"progressToken\":1}}");
    assert_string_equal(json_compact(r), "{}");
    json_object_put(r);
}

static void test_unknown_method(void **state)
{
    (void)state;
    json_object *e = fx_rpc_err(&M.app, NULL, "tools/delete", NULL, RPC_METHOD_NOT_FOUND,
                                "Method not found: tools/delete");
    assert_null(jget(e, "data"));
    json_object_put(e);
    /* Method names are exact. */
    json_object_put(
        fx_rpc_err(&M.app, NULL, "PING", NULL, RPC_METHOD_NOT_FOUND, "Method not found: PING"));
    json_object_put(fx_rpc_err(&M.app, NULL, "resources/subscribe", "{\"uri\":\"x\"}",
                               RPC_METHOD_NOT_FOUND, "Method not found: resources/subscribe"));
    /* A notification's name sent as a request is no method either. */
    json_object_put(fx_rpc_err(&M.app, NULL, "notifications/initialized", NULL,
                               RPC_METHOD_NOT_FOUND, "Method not found"));
}

static void test_logging_set_level(void **state)
{
    (void)state;
    static const char *const levels[] = {"debug", "info",     "notice", "warning",
                                         "error", "critical", "alert",  "emergency"};
    for (size_t i = 0; i < 8; i++) {
        char params[64];
        snprintf(params, sizeof params, "{\"level\":\"%s\"}", levels[i]);
        json_object *r = fx_rpc_ok(&M.app, NULL, "logging/setLevel", params);
        assert_string_equal(json_compact(r), "{}");
        json_object_put(r);
    }
    const char *want = "Invalid params: \"level\" must be one of debug, info, notice, warning, "
                       "error, critical, alert, emergency";
    json_object_put(fx_rpc_err(&M.app, NULL, "logging/setLevel", "{\"level\":\"verbose\"}",
                               RPC_INVALID_PARAMS, want));
    json_object_put(fx_rpc_err(&M.app, NULL, "logging/setLevel", "{\"level\":\"INFO\"}",
                               RPC_INVALID_PARAMS, want));
    json_object_put(
        fx_rpc_err(&M.app, NULL, "logging/setLevel", "{\"level\":3}", RPC_INVALID_PARAMS, want));
    json_object_put(fx_rpc_err(&M.app, NULL, "logging/setLevel", NULL, RPC_INVALID_PARAMS, want));
}

static void test_every_method_accepts_missing_params(void **state)
{
    (void)state;
    /* Methods without required params answer with params absent. */
    static const char *const methods[] = {"ping", "tools/list", "resources/list",
                                          "resources/templates/list", "prompts/list"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        rpc_error err;
        json_object *r = fx_dispatch(&M.app, "2025-11-25", SCOPE_ALL, methods[i], NULL, &err);
        if (!r)
            fprintf(stderr, "%s: %d %s\n", methods[i], err.code, err.message);
        assert_non_null(r);
        json_object_put(r);
    }
    /* The others say what is missing. */
    static const struct {
        const char *method, *fragment;
    } need[] = {
        {"initialize", "protocolVersion"},
        {"tools/call", "\"name\" (the tool name) is required"},
        {"resources/read", "\"uri\" is required"},
        {"prompts/get", "unknown prompt ''"},
        {"logging/setLevel", "\"level\" must be one of"},
        {"completion/complete", "needs ref.type, argument.name and argument.value"},
    };
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        rpc_error err;
        json_object *r = fx_dispatch(&M.app, "2025-11-25", SCOPE_ALL, need[i].method, NULL, &err);
        assert_null(r);
        assert_int_equal(err.code, RPC_INVALID_PARAMS);
        fx_assert_contains(err.message, need[i].fragment);
    }
}

static void test_cursors_rejected(void **state)
{
    (void)state;
    static const char *const methods[] = {"tools/list", "resources/list",
                                          "resources/templates/list", "prompts/list"};
    for (size_t i = 0; i < 4; i++)
        json_object_put(fx_rpc_err(&M.app, NULL, methods[i], "{\"cursor\":\"abc\"}",
                                   RPC_INVALID_PARAMS, "Invalid params: unknown cursor"));
}

static void test_scopes_filter_tools_and_tables(void **state)
{
    (void)state;
    rpc_error err;
    /* query alone: the metadata tools need schemas:read. */
    json_object *r = fx_dispatch(&M.app, "2025-11-25", SCOPE_QUERY, "tools/list", NULL, &err);
    assert_string_equal(json_compact(r), "{\"tools\":[]}");
    json_object_put(r);
    r = fx_dispatch(&M.app, "2025-11-25", SCOPE_QUERY, "tools/call",
                    "{\"name\":\"list_tables\",\"arguments\":{}}", &err);
    assert_null(r);
    assert_int_equal(err.code, RPC_INVALID_PARAMS);
    assert_string_equal(err.message, "Unknown tool: 'list_tables'. Available tools: ");
    r = fx_dispatch(&M.app, "2025-11-25", SCOPE_QUERY, "resources/templates/list", NULL, &err);
    assert_string_equal(json_compact(r), "{\"resourceTemplates\":[]}");
    json_object_put(r);
    r = fx_dispatch(&M.app, "2025-11-25", SCOPE_QUERY, "resources/read",
                    "{\"uri\":\"ddbsql://schemas/demo/tables/orders\"}", &err);
    assert_null(r);
    assert_int_equal(err.code, RPC_RESOURCE_NOT_FOUND);
    fx_assert_contains(err.message, "the schemas:read scope is needed");
    json_object_put(err.data);
    /* Documentation stays readable. */
    r = fx_dispatch(&M.app, "2025-11-25", SCOPE_QUERY, "resources/list", NULL, &err);
    assert_true(fx_len(r, "resources") >= 3);
    json_object_put(r);
    /* schemas:read alone: both metadata tools. */
    r = fx_dispatch(&M.app, "2025-11-25", SCOPE_SCHEMAS_READ, "tools/list", NULL, &err);
    assert_int_equal(fx_len(r, "tools"), 2);
    json_object_put(r);
    /* No scope at all. */
    r = fx_dispatch(&M.app, "2025-11-25", 0, "tools/list", NULL, &err);
    assert_int_equal(fx_len(r, "tools"), 0);
    json_object_put(r);
    assert_int_equal(fake_http_nrequests(M.f), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_app_new_free),
        cmocka_unit_test(test_initialize_negotiation),
        cmocka_unit_test(test_initialize_needs_version),
        cmocka_unit_test(test_ping),
        cmocka_unit_test(test_unknown_method),
        cmocka_unit_test(test_logging_set_level),
        cmocka_unit_test(test_every_method_accepts_missing_params),
        cmocka_unit_test(test_cursors_rejected),
        cmocka_unit_test(test_scopes_filter_tools_and_tables),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/* The tool registry and tools/list, tools/call (core/mcp/tools.c), with a
 * test tool besides the metadata tools. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/support/mcp_fixture.h"

#include "core/mcp/tools.h"

static fx_mcp M;

/* echo_tool: needs the query scope; echoes "text", fails on "fail". */
static json_object *run_echo(mcp_call *call, json_object *args, buf_t *err)
{
    (void)call;
    const char *text = jget_str(args, "text");
    if (strcmp(text, "fail") == 0) {
        buf_printf(err, "cannot echo 'fail'; try another text");
        return NULL;
    }
    json_object *o = json_object_new_object();
    jset_str(o, "echo", text);
    if (jget(args, "times"))
        jset_int(o, "times", jget_int(args, "times", 0));
    return o;
}

static void render_echo(json_object *result, buf_t *out)
{
    buf_printf(out, "echo: %s", jget_str(result, "echo"));
}

static const tool_def ECHO = {
    .name = "echo_tool",
    .title = "Echo",
    .description = "Echoes its text.",
    .input_schema = "{\"type\":\"object\",\"properties\":{"
                    "\"text\":{\"type\":\"string\",\"minLength\":1},"
                    "\"times\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":3}},"
                    "\"required\":[\"text\"],\"additionalProperties\":false}",
    .output_schema = "{\"type\":\"object\",\"properties\":{\"echo\":{\"type\":\"string\"}},"
                     "\"required\":[\"echo\"]}",
    .scope = SCOPE_QUERY,
    .run = run_echo,
    .render = render_echo,
};

static int setup(void **state)
{
    (void)state;
    fx_mcp_open(&M, "orders customers");
    tools_register_metadata();
    tools_register(&ECHO);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tools_reset();
    fx_mcp_close(&M);
    return 0;
}

static void test_registry(void **state)
{
    (void)state;
    assert_ptr_equal(tools_find("echo_tool"), &ECHO);
    assert_string_equal(tools_find("list_tables")->name, "list_tables");
    assert_string_equal(tools_find("describe_table")->name, "describe_table");
    assert_null(tools_find("run_sql"));
    assert_null(tools_find("LIST_TABLES"));
    assert_null(tools_find(""));
    tools_reset();
    assert_null(tools_find("list_tables"));
    assert_null(tools_find("echo_tool"));
    /* Registering again after a reset works. */
    tools_register_metadata();
    tools_register(&ECHO);
    assert_non_null(tools_find("echo_tool"));
}

/* Runs fn in a child and expects it to abort with a message naming why. */
static void expect_abort(void (*fn)(void), const char *fragment)
{
    fflush(NULL);
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(pipefd[1], 2);
        close(pipefd[0]);
        fn();
        _exit(0); /* not reached when fn aborts */
    }
    close(pipefd[1]);
    char out[2048];
    size_t n = 0;
    ssize_t got;
    while (n < sizeof out - 1 && (got = read(pipefd[0], out + n, sizeof out - 1 - n)) > 0)
        n += (size_t)got;
    out[n] = '\0';
    close(pipefd[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    fx_assert_contains(out, fragment);
}

static void register_duplicate(void)
{
    tools_register(&ECHO);
}

static const tool_def BAD_SCHEMA = {
    .name = "bad_tool",
    .title = "Bad",
    .description = "Has a broken schema.",
    .input_schema = "{\"type\":\"object\",",
    .output_schema = "{}",
    .scope = SCOPE_QUERY,
    .run = run_echo,
    .render = render_echo,
};

static void register_bad_schema(void)
{
    tools_register(&BAD_SCHEMA);
}

static const tool_def ARRAY_SCHEMA = {
    .name = "array_tool",
    .title = "Array",
    .description = "Has a schema that is not an object.",
    .input_schema = "{}",
    .output_schema = "[]",
    .scope = SCOPE_QUERY,
    .run = run_echo,
    .render = render_echo,
};

static void register_array_schema(void)
{
    tools_register(&ARRAY_SCHEMA);
}

static void register_too_many(void)
{
    static tool_def many[MCP_MAX_TOOLS];
    static char names[MCP_MAX_TOOLS][16];
    for (size_t i = 0; i < MCP_MAX_TOOLS; i++) {
        snprintf(names[i], sizeof names[i], "tool_%zu", i);
        many[i] = ECHO;
        many[i].name = names[i];
        tools_register(&many[i]);
    }
}

static void test_register_aborts_on_programming_errors(void **state)
{
    (void)state;
    expect_abort(register_duplicate, "ddbsql: fatal: cannot register tool echo_tool");
    expect_abort(register_bad_schema, "ddbsql: fatal: tool bad_tool has an invalid schema");
    expect_abort(register_array_schema,
                 "ddbsql: fatal: tool array_tool has an invalid schema: it is not a JSON object");
    expect_abort(register_too_many, "ddbsql: fatal: cannot register tool tool_");
}

static void test_list_shapes_by_version(void **state)
{
    (void)state;
    static const char *const old_keys[] = {"name", "description", "inputSchema", "annotations",
                                           NULL};
    static const char *const new_keys[] = {
        "name", "title", "description", "inputSchema", "outputSchema", "annotations", NULL};
    static const char *const versions[] = {"2025-03-26", "2025-06-18", "2025-11-25"};
    for (size_t v = 0; v < 3; v++) {
        json_object *r = fx_rpc_ok(&M.app, versions[v], "tools/list", NULL);
        assert_int_equal(fx_len(r, "tools"), 3);
        assert_string_equal(fx_str(r, "tools.0.name"), "list_tables");
        assert_string_equal(fx_str(r, "tools.1.name"), "describe_table");
        assert_string_equal(fx_str(r, "tools.2.name"), "echo_tool");
        for (size_t i = 0; i < 3; i++) {
            json_object *t = json_object_array_get_idx(jget(r, "tools"), i);
            fx_assert_keys(t, v == 0 ? old_keys : new_keys);
            /* Every tool is read-only, and says so. */
            char want[256];
            snprintf(want, sizeof want,
                     "{\"title\":\"%s\",\"readOnlyHint\":true,\"destructiveHint\":false,"
                     "\"idempotentHint\":true,\"openWorldHint\":false}",
                     i == 0   ? "List tables"
                     : i == 1 ? "Describe a table"
                              : "Echo");
            assert_string_equal(json_compact(jget(t, "annotations")), want);
            assert_string_equal(fx_str(t, "inputSchema.type"), "object");
        }
        if (v > 0) {
            assert_string_equal(fx_str(r, "tools.2.title"), "Echo");
            assert_string_equal(json_compact(fx_path(r, "tools.2.outputSchema")),
                                ECHO.output_schema);
        }
        /* The input schema is the tool's own, unchanged. */
        assert_string_equal(json_compact(fx_path(r, "tools.2.inputSchema")), ECHO.input_schema);
        assert_string_equal(fx_str(r, "tools.2.description"), "Echoes its text.");
        json_object_put(r);
    }
}

static void test_list_filters_by_scope(void **state)
{
    (void)state;
    rpc_error err;
    json_object *r = fx_dispatch(&M.app, "2025-11-25", SCOPE_QUERY, "tools/list", NULL, &err);
    assert_int_equal(fx_len(r, "tools"), 1);
    assert_string_equal(fx_str(r, "tools.0.name"), "echo_tool");
    json_object_put(r);
    r = fx_dispatch(&M.app, "2025-11-25", SCOPE_SCHEMAS_READ, "tools/list", NULL, &err);
    assert_int_equal(fx_len(r, "tools"), 2);
    assert_string_equal(fx_str(r, "tools.1.name"), "describe_table");
    json_object_put(r);
    r = fx_dispatch(&M.app, "2025-11-25", SCOPE_ALL, "tools/list", NULL, &err);
    assert_int_equal(fx_len(r, "tools"), 3);
    json_object_put(r);
    r = fx_dispatch(&M.app, "2025-11-25", SCOPE_ALL, "tools/list", "{\"cursor\":\"\"}", &err);
    assert_null(r);
    assert_int_equal(err.code, RPC_INVALID_PARAMS);
    assert_string_equal(err.message, "Invalid params: unknown cursor");
}

static void test_call_success(void **state)
{
    (void)state;
    /* With structured content (2025-06-18 and later). */
    json_object *r = fx_rpc_ok(&M.app, "2025-06-18", "tools/call",
                               "{\"name\":\"echo_tool\",\"arguments\":{\"text\":\"hi\"}}");
    assert_string_equal(json_compact(r), "{\"content\":[{\"type\":\"text\",\"text\":\"echo: hi\"}],"
                                         "\"structuredContent\":{\"echo\":\"hi\"}}");
    json_object_put(r);
    r = fx_rpc_ok(&M.app, "2025-11-25", "tools/call",
                  "{\"name\":\"echo_tool\",\"arguments\":{\"text\":\"x\",\"times\":2}}");
    assert_string_equal(json_compact(fx_path(r, "structuredContent")),
                        "{\"echo\":\"x\",\"times\":2}");
    json_object_put(r);
    /* Without (2025-03-26): text only. */
    r = fx_rpc_ok(&M.app, NULL, "tools/call",
                  "{\"name\":\"echo_tool\",\"arguments\":{\"text\":\"hi\"}}");
    assert_string_equal(json_compact(r),
                        "{\"content\":[{\"type\":\"text\",\"text\":\"echo: hi\"}]}");
    json_object_put(r);
    /* Optional arguments given as null are "not given". */
    r = fx_rpc_ok(&M.app, "2025-11-25", "tools/call",
                  "{\"name\":\"echo_tool\",\"arguments\":{\"text\":\"y\",\"times\":null}}");
    assert_string_equal(json_compact(fx_path(r, "structuredContent")), "{\"echo\":\"y\"}");
    json_object_put(r);
}

static void test_call_tool_error_is_result(void **state)
{
    (void)state;
    json_object *r = fx_rpc_ok(&M.app, "2025-11-25", "tools/call",
                               "{\"name\":\"echo_tool\",\"arguments\":{\"text\":\"fail\"}}");
    assert_string_equal(json_compact(r), "{\"content\":[{\"type\":\"text\",\"text\":\"cannot echo "
                                         "'fail'; try another text\"}],\"isError\":true}");
    json_object_put(r);
}

/* tools/call with arguments (JSON text) must give an isError result whose
 * text is exactly want. */
static void expect_invalid_arguments(const char *tool, const char *args, const char *want)
{
    char params[1024];
    if (args)
        snprintf(params, sizeof params, "{\"name\":\"%s\",\"arguments\":%s}", tool, args);
    else
        snprintf(params, sizeof params, "{\"name\":\"%s\"}", tool);
    json_object *r = fx_rpc_ok(&M.app, "2025-11-25", "tools/call", params);
    if (!jget_bool(r, "isError", false) || strcmp(fx_tool_text(r), want) != 0) {
        fprintf(stderr, "%s\n  got  %s\n  want %s\n", params, json_compact(r), want);
        fail();
    }
    assert_null(jget(r, "structuredContent"));
    json_object_put(r);
}

static void test_call_invalid_arguments(void **state)
{
    (void)state;
    expect_invalid_arguments("echo_tool", "{}",
                             "Invalid arguments for echo_tool: 'text' is required.");
    expect_invalid_arguments("echo_tool", NULL,
                             "Invalid arguments for echo_tool: 'text' is required.");
    expect_invalid_arguments("echo_tool", "{\"text\":\"a\",\"txt\":\"b\"}",
                             "Invalid arguments for echo_tool: unknown argument 'txt'; accepted "
                             "arguments: text, times.");
    expect_invalid_arguments("echo_tool", "{\"text\":7}",
                             "Invalid arguments for echo_tool: 'text' must be a string, not an "
                             "integer.");
    expect_invalid_arguments("echo_tool", "{\"text\":\"\"}",
                             "Invalid arguments for echo_tool: 'text' must not be empty.");
    expect_invalid_arguments("echo_tool", "{\"text\":\"a\",\"times\":4}",
                             "Invalid arguments for echo_tool: 'times' must be between 1 and 3; "
                             "got 4.");
    expect_invalid_arguments("describe_table", "{\"schema_name\":\"demo\"}",
                             "Invalid arguments for describe_table: 'table_name' is required.");
    /* Nothing reached DynamoDB. */
    assert_int_equal(fake_http_nrequests(M.f), 0);
}

static void test_call_protocol_errors(void **state)
{
    (void)state;
    json_object_put(fx_rpc_err(&M.app, NULL, "tools/call", "{}", RPC_INVALID_PARAMS,
                               "Invalid params: \"name\" (the tool name) is required"));
    json_object_put(fx_rpc_err(&M.app, NULL, "tools/call", "{\"name\":5}", RPC_INVALID_PARAMS,
                               "\"name\" (the tool name) is required"));
    json_object *e =
        fx_rpc_err(&M.app, NULL, "tools/call", "{\"name\":\"run_sql\"}", RPC_INVALID_PARAMS, "");
    assert_string_equal(fx_str(e, "message"), "Unknown tool: 'run_sql'. Available tools: "
                                              "list_tables, describe_table, echo_tool");
    json_object_put(e);
    json_object_put(
        fx_rpc_err(&M.app, NULL, "tools/call", "{\"name\":\"echo_tool\",\"arguments\":[\"hi\"]}",
                   RPC_INVALID_PARAMS, "Invalid params: \"arguments\" must be an object"));
    json_object_put(fx_rpc_err(&M.app, NULL, "tools/call",
                               "{\"name\":\"echo_tool\",\"arguments\":\"text=hi\"}",
                               RPC_INVALID_PARAMS, "\"arguments\" must be an object"));
}

static void test_call_respects_scopes(void **state)
{
    (void)state;
    rpc_error err;
    json_object *r = fx_dispatch(&M.app, "2025-11-25", SCOPE_SCHEMAS_READ, "tools/call",
                                 "{\"name\":\"echo_tool\",\"arguments\":{\"text\":\"hi\"}}", &err);
    assert_null(r);
    assert_int_equal(err.code, RPC_INVALID_PARAMS);
    assert_string_equal(err.message,
                        "Unknown tool: 'echo_tool'. Available tools: list_tables, describe_table");
    r = fx_dispatch(&M.app, "2025-11-25", SCOPE_QUERY, "tools/call",
                    "{\"name\":\"echo_tool\",\"arguments\":{\"text\":\"hi\"}}", &err);
    assert_non_null(r);
    json_object_put(r);
}

static void test_call_sets_access_log_detail(void **state)
{
    (void)state;
    static const char *const env[] = {"REQUEST_METHOD=POST", NULL};
    struct {
        const char *params, *detail;
    } cases[] = {
        {"{\"name\":\"echo_tool\",\"arguments\":{\"text\":\"hi\"}}",
         "rpc=tools/call tool=echo_tool"},
        {"{\"name\":\"echo_tool\",\"arguments\":{\"text\":\"fail\"}}",
         "rpc=tools/call tool=echo_tool outcome=tool_error"},
        {"{\"name\":\"echo_tool\",\"arguments\":{}}", "rpc=tools/call tool=echo_tool"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        http_request req;
        fx_request(&req, env, NULL);
        mcp_call call = {
            .app = &M.app, .req = &req, .protocol_version = "2025-11-25", .scopes = SCOPE_ALL};
        json_object *p = fx_json(cases[i].params);
        rpc_error err = {0};
        json_object *r = tools_call(&call, p, &err);
        assert_non_null(r);
        assert_string_equal(req.detail, cases[i].detail);
        json_object_put(r);
        json_object_put(p);
        http_request_free(&req);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_registry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_aborts_on_programming_errors, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_list_shapes_by_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_filters_by_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_success, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_tool_error_is_result, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_invalid_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_protocol_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_respects_scopes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_sets_access_log_detail, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

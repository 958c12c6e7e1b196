/* The Streamable HTTP rules of mcp_http_handle (core/mcp/transport.c):
 * Origin and Host checks, CORS, methods, media types, the protocol
 * version header, and how JSON-RPC outcomes map to HTTP. */
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

#define PING "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"

/* A POST with the usual good headers plus or minus some: each entry of
 * extra is "NAME=value" (replacing the default of that name) or "-NAME"
 * (dropping it). */
static json_object *post_with(const char *const *extra, const char *body, http_response *resp)
{
    const char *defaults[] = {
        "REQUEST_METHOD=POST",           "SCRIPT_NAME=/mcp",
        "CONTENT_TYPE=application/json", "HTTP_ACCEPT=application/json, text/event-stream",
        "HTTP_HOST=127.0.0.1:8080",
    };
    const char *params[32];
    size_t n = 0;
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
        size_t nl = strcspn(defaults[i], "=");
        bool replaced = false;
        for (size_t k = 0; extra && extra[k]; k++) {
            const char *e = extra[k][0] == '-' ? extra[k] + 1 : extra[k];
            if (strncmp(e, defaults[i], nl) == 0 && (e[nl] == '=' || e[nl] == '\0'))
                replaced = true;
        }
        if (!replaced)
            params[n++] = defaults[i];
    }
    for (size_t k = 0; extra && extra[k]; k++)
        if (extra[k][0] != '-')
            params[n++] = extra[k];
    params[n] = NULL;
    return fx_handle(&M.app, params, body, resp);
}

static const char *header(const http_response *r, const char *name)
{
    static char value[512];
    return fx_resp_header(r, name, value, sizeof value) ? value : NULL;
}

/* Expects an HTTP error whose body is a JSON-RPC error with id null. */
static void expect_http_error(const char *const *extra, const char *body, int status, int code,
                              const char *fragment)
{
    http_response resp;
    json_object *doc = post_with(extra, body, &resp);
    if (resp.status != status) {
        fprintf(stderr, "HTTP %d (want %d) with %s: %s\n", resp.status, status,
                extra && extra[0] ? extra[0] : "defaults", buf_cstr(&resp.body));
        json_object_put(doc);
        http_response_free(&resp);
        fail();
    }
    assert_non_null(doc);
    assert_string_equal(fx_str(doc, "jsonrpc"), "2.0");
    assert_true(json_object_is_type(fx_path(doc, "id"), json_type_null) && jget(doc, "error"));
    assert_int_equal(fx_int(doc, "error.code"), code);
    fx_assert_contains(fx_str(doc, "error.message"), fragment);
    assert_string_equal(header(&resp, "Content-Type"), "application/json");
    json_object_put(doc);
    http_response_free(&resp);
}

static void expect_ok(const char *const *extra)
{
    http_response resp;
    json_object *doc = post_with(extra, PING, &resp);
    if (resp.status != 200)
        fprintf(stderr, "HTTP %d: %s\n", resp.status, buf_cstr(&resp.body));
    assert_int_equal(resp.status, 200);
    assert_string_equal(json_compact(doc), "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}");
    json_object_put(doc);
    http_response_free(&resp);
}

static void test_plain_post(void **state)
{
    (void)state;
    http_response resp;
    json_object *doc = post_with(NULL, PING, &resp);
    assert_int_equal(resp.status, 200);
    assert_string_equal(json_compact(doc), "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}");
    assert_string_equal(header(&resp, "Content-Type"), "application/json");
    /* No Origin: no CORS headers. */
    assert_null(header(&resp, "Access-Control-Allow-Origin"));
    json_object_put(doc);
    http_response_free(&resp);
}

static void test_origin_allowed(void **state)
{
    (void)state;
    static const char *const origins[] = {"HTTP_ORIGIN=http://127.0.0.1:8080",
                                          "HTTP_ORIGIN=HTTP://127.0.0.1:8080",
                                          "HTTP_ORIGIN=http://127.0.0.1:8080/"};
    for (size_t i = 0; i < 3; i++) {
        const char *extra[] = {origins[i], NULL};
        http_response resp;
        json_object *doc = post_with(extra, PING, &resp);
        assert_int_equal(resp.status, 200);
        assert_string_equal(header(&resp, "Access-Control-Allow-Origin"),
                            strchr(origins[i], '=') + 1);
        assert_string_equal(header(&resp, "Vary"), "Origin");
        fx_assert_contains(header(&resp, "Access-Control-Expose-Headers"), "X-Request-Id");
        json_object_put(doc);
        http_response_free(&resp);
    }
}

static void test_origin_forbidden(void **state)
{
    (void)state;
    static const char *const origins[] = {
        "HTTP_ORIGIN=http://evil.example",
        "HTTP_ORIGIN=http://127.0.0.1:8081",
        "HTTP_ORIGIN=https://127.0.0.1:8080",
        "HTTP_ORIGIN=null",
        "HTTP_ORIGIN=http://127.0.0.1:8080.evil.example",
        "HTTP_ORIGIN=http://localhost:8080",
        "HTTP_ORIGIN=",
    };
    for (size_t i = 0; i < sizeof origins / sizeof origins[0]; i++) {
        const char *extra[] = {origins[i], NULL};
        expect_http_error(extra, PING, 403, RPC_INVALID_REQUEST,
                          "Forbidden: this Origin is not allowed (see allowed_origins in the "
                          "ddbsql config)");
        /* No CORS grant for a refused origin, not even on a preflight. */
        http_response resp;
        json_object *doc = post_with(extra, PING, &resp);
        assert_null(header(&resp, "Access-Control-Allow-Origin"));
        json_object_put(doc);
        http_response_free(&resp);
        const char *pre[] = {"REQUEST_METHOD=OPTIONS", origins[i], "-CONTENT_TYPE", NULL};
        doc = post_with(pre, NULL, &resp);
        assert_int_equal(resp.status, 403);
        assert_null(header(&resp, "Access-Control-Allow-Origin"));
        json_object_put(doc);
        http_response_free(&resp);
    }
}

static void test_host_loopback_only_without_auth(void **state)
{
    (void)state;
    static const char *const good[] = {"HTTP_HOST=127.0.0.1:8080",
                                       "HTTP_HOST=localhost:8080",
                                       "HTTP_HOST=LOCALHOST",
                                       "HTTP_HOST=[::1]:8080",
                                       "HTTP_HOST=[::1]",
                                       "HTTP_HOST=127.0.0.2",
                                       "-HTTP_HOST"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        const char *extra[] = {good[i], NULL};
        expect_ok(extra);
    }
    static const char *const bad[] = {
        "HTTP_HOST=evil.example",  "HTTP_HOST=evil.example:8080",
        "HTTP_HOST=10.0.0.1:8080", "HTTP_HOST=localhost.evil.example",
        "HTTP_HOST=[::2]:8080",    "HTTP_HOST=",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *extra[] = {bad[i], NULL};
        expect_http_error(extra, PING, 403, RPC_INVALID_REQUEST,
                          "Forbidden: without authentication this server answers only loopback "
                          "Host names");
    }
}

/* DNS names that merely start like a loopback address resolve wherever
 * their owner wants: only literal 127.x.y.z addresses are loopback. */
static void test_host_names_that_look_loopback(void **state)
{
    (void)state;
    static const char *const bad[] = {"HTTP_HOST=127.0.0.1.evil.example",
                                      "HTTP_HOST=127.evil.example:8080",
                                      "HTTP_HOST=127.0.0.1.nip.io:8080"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *extra[] = {bad[i], NULL};
        expect_http_error(extra, PING, 403, RPC_INVALID_REQUEST,
                          "Forbidden: without authentication this server answers only loopback "
                          "Host names");
    }
}

static void test_options_preflight(void **state)
{
    (void)state;
    const char *extra[] = {"REQUEST_METHOD=OPTIONS", "HTTP_ORIGIN=http://127.0.0.1:8080",
                           "HTTP_ACCESS_CONTROL_REQUEST_METHOD=POST", "-CONTENT_TYPE", NULL};
    http_response resp;
    json_object *doc = post_with(extra, NULL, &resp);
    assert_null(doc);
    assert_int_equal(resp.status, 204);
    assert_int_equal(resp.body.len, 0);
    assert_string_equal(header(&resp, "Access-Control-Allow-Origin"), "http://127.0.0.1:8080");
    assert_string_equal(header(&resp, "Access-Control-Allow-Methods"), "POST, OPTIONS");
    const char *allowed = header(&resp, "Access-Control-Allow-Headers");
    fx_assert_contains(allowed, "Content-Type");
    fx_assert_contains(allowed, "Accept");
    fx_assert_contains(allowed, "Authorization");
    fx_assert_contains(allowed, "MCP-Protocol-Version");
    assert_string_equal(header(&resp, "Access-Control-Max-Age"), "600");
    assert_string_equal(header(&resp, "Allow"), "POST, OPTIONS");
    http_response_free(&resp);

    /* Without an Origin (not a CORS preflight) it still describes the endpoint. */
    const char *plain[] = {"REQUEST_METHOD=OPTIONS", "-CONTENT_TYPE", NULL};
    doc = post_with(plain, NULL, &resp);
    assert_null(doc);
    assert_int_equal(resp.status, 204);
    assert_string_equal(header(&resp, "Allow"), "POST, OPTIONS");
    assert_null(header(&resp, "Access-Control-Allow-Origin"));
    http_response_free(&resp);
}

static void test_other_methods_405(void **state)
{
    (void)state;
    static const char *const methods[] = {"REQUEST_METHOD=GET", "REQUEST_METHOD=DELETE",
                                          "REQUEST_METHOD=PUT", "REQUEST_METHOD=HEAD",
                                          "REQUEST_METHOD=post"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        const char *extra[] = {methods[i], "HTTP_ACCEPT=text/event-stream", NULL};
        http_response resp;
        json_object *doc = post_with(extra, NULL, &resp);
        assert_int_equal(resp.status, 405);
        assert_string_equal(header(&resp, "Allow"), "POST, OPTIONS");
        assert_int_equal(fx_int(doc, "error.code"), RPC_INVALID_REQUEST);
        fx_assert_contains(fx_str(doc, "error.message"),
                           "Method Not Allowed: this stateless MCP endpoint takes JSON-RPC "
                           "messages by POST only (no SSE stream, no sessions)");
        json_object_put(doc);
        http_response_free(&resp);
    }
}

static void test_content_type(void **state)
{
    (void)state;
    const char *want = "Unsupported Media Type: send the JSON-RPC message with Content-Type: "
                       "application/json";
    const char *plain[] = {"CONTENT_TYPE=text/plain", NULL};
    expect_http_error(plain, PING, 415, RPC_INVALID_REQUEST, want);
    const char *none[] = {"-CONTENT_TYPE", NULL};
    expect_http_error(none, PING, 415, RPC_INVALID_REQUEST, want);
    const char *form[] = {"CONTENT_TYPE=application/x-www-form-urlencoded", NULL};
    expect_http_error(form, PING, 415, RPC_INVALID_REQUEST, want);
    const char *near[] = {"CONTENT_TYPE=application/jsonx", NULL};
    expect_http_error(near, PING, 415, RPC_INVALID_REQUEST, want);
    /* Parameters and case do not matter. */
    const char *charset[] = {"CONTENT_TYPE=application/json; charset=utf-8", NULL};
    expect_ok(charset);
    const char *upper[] = {"CONTENT_TYPE=Application/JSON", NULL};
    expect_ok(upper);
}

static void test_accept(void **state)
{
    (void)state;
    const char *want = "Not Acceptable: the Accept header must allow application/json";
    static const char *const bad[] = {"HTTP_ACCEPT=text/html", "HTTP_ACCEPT=text/event-stream",
                                      "HTTP_ACCEPT=application/json;q=0, text/event-stream",
                                      "HTTP_ACCEPT=application/xml"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *extra[] = {bad[i], NULL};
        expect_http_error(extra, PING, 406, RPC_INVALID_REQUEST, want);
    }
    static const char *const good[] = {
        "HTTP_ACCEPT=application/json", "HTTP_ACCEPT=*/*", "HTTP_ACCEPT=application/*",
        "HTTP_ACCEPT=text/event-stream, application/json;q=0.5", "-HTTP_ACCEPT"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        const char *extra[] = {good[i], NULL};
        expect_ok(extra);
    }
}

static void test_protocol_version_header(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "HTTP_MCP_PROTOCOL_VERSION=1999-01-01", "HTTP_MCP_PROTOCOL_VERSION=2024-11-05",
        "HTTP_MCP_PROTOCOL_VERSION=2025-06-18 ", "HTTP_MCP_PROTOCOL_VERSION="};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *extra[] = {bad[i], NULL};
        char want[160];
        snprintf(want, sizeof want,
                 "Bad Request: unsupported MCP-Protocol-Version '%s'; supported: 2025-11-25, "
                 "2025-06-18, 2025-03-26",
                 strchr(bad[i], '=') + 1);
        expect_http_error(extra, PING, 400, RPC_INVALID_REQUEST, want);
    }
    static const char *const good[] = {"HTTP_MCP_PROTOCOL_VERSION=2025-11-25",
                                       "HTTP_MCP_PROTOCOL_VERSION=2025-06-18",
                                       "HTTP_MCP_PROTOCOL_VERSION=2025-03-26"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        const char *extra[] = {good[i], NULL};
        expect_ok(extra);
    }
}

/* A version header that is not UTF-8 is echoed with '?' for the bad
 * bytes, so the answer stays valid JSON (found by fuzz_mcp; expect_http_error
 * parses the body strictly). */
static void test_protocol_version_header_not_utf8(void **state)
{
    (void)state;
    const char *extra[] = {"HTTP_MCP_PROTOCOL_VERSION=202HT\xa9", NULL};
    expect_http_error(extra, PING, 400, RPC_INVALID_REQUEST,
                      "unsupported MCP-Protocol-Version '202HT?'; supported: ");
    /* A multi-byte character cut by the 40-byte bound of the echo. */
    char cut[128] = "HTTP_MCP_PROTOCOL_VERSION=";
    for (int i = 0; i < 20; i++)
        strcat(cut, i == 19 ? "x\xc3\xa9" : "\xc3\xa9");
    const char *extra2[] = {cut, NULL};
    expect_http_error(extra2, PING, 400, RPC_INVALID_REQUEST, "\xc3\xa9x?'; supported: ");
}

static void test_notifications_and_responses_202(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":1}}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"no/such/notification\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{}}",
        "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"error\":{\"code\":-32601,\"message\":\"no\"}}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        http_response resp;
        json_object *doc = post_with(NULL, bodies[i], &resp);
        assert_null(doc);
        assert_int_equal(resp.status, 202);
        assert_int_equal(resp.body.len, 0);
        assert_null(header(&resp, "Content-Type"));
        http_response_free(&resp);
    }
}

static void test_invalid_messages_400(void **state)
{
    (void)state;
    expect_http_error(NULL, "{", 400, RPC_PARSE_ERROR, "Parse error");
    expect_http_error(NULL, "", 400, RPC_PARSE_ERROR, "Parse error");
    expect_http_error(NULL, "[" PING "]", 400, RPC_INVALID_REQUEST, "batches are not supported");
    expect_http_error(NULL, "{\"jsonrpc\":\"2.0\",\"method\":\"\"}", 400, RPC_INVALID_REQUEST,
                      "\"method\" must be 1 to 128 characters");
    expect_http_error(NULL, "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}", 400,
                      RPC_INVALID_REQUEST, "\"id\" must be a string or an integer, not null");
    /* A recoverable id is echoed in the error. */
    http_response resp;
    json_object *doc = post_with(
        NULL, "{\"jsonrpc\":\"2.0\",\"id\":\"q7\",\"method\":\"ping\",\"params\":[]}", &resp);
    assert_int_equal(resp.status, 400);
    assert_string_equal(fx_str(doc, "id"), "q7");
    assert_int_equal(fx_int(doc, "error.code"), RPC_INVALID_PARAMS);
    json_object_put(doc);
    http_response_free(&resp);
}

static void test_ids_echoed(void **state)
{
    (void)state;
    http_response resp;
    json_object *doc =
        post_with(NULL, "{\"jsonrpc\":\"2.0\",\"id\":\"abc-1\",\"method\":\"ping\"}", &resp);
    assert_string_equal(json_compact(doc), "{\"jsonrpc\":\"2.0\",\"id\":\"abc-1\",\"result\":{}}");
    json_object_put(doc);
    http_response_free(&resp);
    doc = post_with(NULL, "{\"jsonrpc\":\"2.0\",\"id\":-42,\"method\":\"ping\"}", &resp);
    assert_string_equal(json_compact(doc), "{\"jsonrpc\":\"2.0\",\"id\":-42,\"result\":{}}");
    json_object_put(doc);
    http_response_free(&resp);
    /* A JSON-RPC error from a method still travels as HTTP 200. */
    doc = post_with(NULL, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"nope\"}", &resp);
    assert_int_equal(resp.status, 200);
    assert_string_equal(json_compact(doc),
                        "{\"jsonrpc\":\"2.0\",\"id\":9,\"error\":{\"code\":-32601,"
                        "\"message\":\"Method not found: nope\"}}");
    json_object_put(doc);
    http_response_free(&resp);
}

static void test_version_header_selects_shapes(void **state)
{
    (void)state;
    /* No header: 2025-03-26 shapes (no outputSchema). */
    json_object *r = fx_rpc_ok(&M.app, NULL, "tools/list", NULL);
    assert_null(fx_path(r, "tools.0.outputSchema"));
    json_object_put(r);
    r = fx_rpc_ok(&M.app, "2025-03-26", "tools/list", NULL);
    assert_null(fx_path(r, "tools.0.outputSchema"));
    json_object_put(r);
    r = fx_rpc_ok(&M.app, "2025-06-18", "tools/list", NULL);
    assert_non_null(fx_path(r, "tools.0.outputSchema"));
    json_object_put(r);
    r = fx_rpc_ok(&M.app, "2025-11-25", "tools/list", NULL);
    assert_non_null(fx_path(r, "tools.0.outputSchema"));
    json_object_put(r);
}

static void test_access_log_detail(void **state)
{
    (void)state;
    static const char *const params[] = {"REQUEST_METHOD=POST", "SCRIPT_NAME=/mcp",
                                         "CONTENT_TYPE=application/json", NULL};
    struct {
        const char *body, *detail;
    } cases[] = {
        {PING, "rpc=ping"},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"nope\"}", "rpc=nope rpc_error=-32601"},
        {"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
         "rpc=notifications/initialized"},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}", "rpc=response"},
        {"nonsense", "rpc_error=-32700"},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
         "\"describe_table\",\"arguments\":{}}}",
         "rpc=tools/call tool=describe_table"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        http_request req;
        fx_request(&req, params, cases[i].body);
        http_response resp;
        http_response_init(&resp);
        mcp_http_handle(&M.app, &req, &resp);
        assert_string_equal(req.detail, cases[i].detail);
        http_request_free(&req);
        http_response_free(&resp);
    }
    const char *origin[] = {"REQUEST_METHOD=POST", "HTTP_ORIGIN=http://evil.example", NULL};
    http_request req;
    fx_request(&req, origin, PING);
    http_response resp;
    http_response_init(&resp);
    mcp_http_handle(&M.app, &req, &resp);
    assert_string_equal(req.detail, "rejected=origin");
    http_request_free(&req);
    http_response_free(&resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_post),
        cmocka_unit_test(test_origin_allowed),
        cmocka_unit_test(test_origin_forbidden),
        cmocka_unit_test(test_host_loopback_only_without_auth),
        cmocka_unit_test(test_host_names_that_look_loopback),
        cmocka_unit_test(test_options_preflight),
        cmocka_unit_test(test_other_methods_405),
        cmocka_unit_test(test_content_type),
        cmocka_unit_test(test_accept),
        cmocka_unit_test(test_protocol_version_header),
        cmocka_unit_test(test_protocol_version_header_not_utf8),
        cmocka_unit_test(test_notifications_and_responses_202),
        cmocka_unit_test(test_invalid_messages_400),
        cmocka_unit_test(test_ids_echoed),
        cmocka_unit_test(test_version_header_selects_shapes),
        cmocka_unit_test(test_access_log_detail),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

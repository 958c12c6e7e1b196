#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/base/json_util.h"
#include "core/mcp/jsonrpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses text (of explicit length) and expects failure with this code and
 * message fragment. Returns the recovered id (caller puts) for checks. */
static json_object *expect_fail_n(const char *text, size_t len, int code, const char *fragment)
{
    rpc_message msg;
    rpc_error err = {0};
    json_object *id = (json_object *)&err; /* must be overwritten */
    bool ok = rpc_parse(text, len, &msg, &err, &id);
    if (ok) {
        fprintf(stderr, "unexpectedly parsed: %.*s\n", (int)len, text);
        rpc_message_free(&msg);
        fail();
    }
    if (err.code != code || !strstr(err.message, fragment)) {
        fprintf(stderr, "input %.*s\n  got %d \"%s\"\n  want %d \"...%s...\"\n", (int)len, text,
                err.code, err.message, code, fragment);
        fail();
    }
    assert_null(err.data);
    assert_null(msg.root); /* nothing left owned by msg */
    return id;
}

static json_object *expect_fail(const char *text, int code, const char *fragment)
{
    return expect_fail_n(text, strlen(text), code, fragment);
}

static void expect_fail_noid(const char *text, int code, const char *fragment)
{
    json_object *id = expect_fail(text, code, fragment);
    assert_null(id);
}

static void parse_ok(const char *text, rpc_message *msg)
{
    rpc_error err = {0};
    json_object *id = NULL;
    if (!rpc_parse(text, strlen(text), msg, &err, &id)) {
        fprintf(stderr, "failed to parse %s: %d %s\n", text, err.code, err.message);
        fail();
    }
    /* id_out is only for errors: a success leaves nothing to release. */
    assert_null(id);
}

static void test_invalid_json_is_parse_error(void **state)
{
    (void)state;
    expect_fail_noid("", RPC_PARSE_ERROR, "Parse error: the body is not valid JSON");
    expect_fail_noid("{", RPC_PARSE_ERROR, "Parse error");
    expect_fail_noid("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"", RPC_PARSE_ERROR,
                     "unexpected end");
    expect_fail_noid("{'jsonrpc':'2.0'}", RPC_PARSE_ERROR, "Parse error");
    /* Strict mode: no trailing commas, no comments. */
    expect_fail_noid("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",}", RPC_PARSE_ERROR,
                     "Parse error");
    expect_fail_noid("{\"jsonrpc\":\"2.0\",/*c*/\"id\":1,\"method\":\"ping\"}", RPC_PARSE_ERROR,
                     "Parse error");
}

static void test_trailing_garbage_rejected(void **state)
{
    (void)state;
    expect_fail_noid("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"} x", RPC_PARSE_ERROR,
                     "at byte 41");
    expect_fail_noid("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}{}", RPC_PARSE_ERROR,
                     "at byte 40");
    /* A NUL byte after the message is data too. */
    static const char nul[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\0";
    json_object *id = expect_fail_n(nul, sizeof nul - 1, RPC_PARSE_ERROR, "unexpected data");
    assert_null(id);
    /* Whitespace after the message is fine. */
    rpc_message m;
    parse_ok("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"} \r\n\t", &m);
    assert_int_equal(m.kind, RPC_REQUEST);
    rpc_message_free(&m);
}

static void test_invalid_utf8_rejected(void **state)
{
    (void)state;
    expect_fail_noid("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"p\xffng\"}", RPC_PARSE_ERROR,
                     "Parse error");
    /* An overlong encoding of '/', and an encoded surrogate. */
    expect_fail_noid("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xc0\xaf\"}", RPC_PARSE_ERROR,
                     "Parse error: the body is not valid UTF-8");
    expect_fail_noid("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xed\xa0\x80\"}", RPC_PARSE_ERROR,
                     "not valid UTF-8");
    /* A truncated sequence inside a key. */
    expect_fail_noid(
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"\xe2\x82\":1}}",
        RPC_PARSE_ERROR, "Parse error");
    /* Valid multi-byte text is accepted. */
    rpc_message m;
    parse_ok("{\"jsonrpc\":\"2.0\",\"id\":\"\xc3\xa9\xe2\x82\xac\",\"method\":\"ping\"}", &m);
    assert_string_equal(json_object_get_string(m.id), "\xc3\xa9\xe2\x82\xac");
    rpc_message_free(&m);
}

static void test_depth_limit(void **state)
{
    (void)state;
    char deep[400];
    size_t n = 0;
    n += (size_t)snprintf(deep, sizeof deep, "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":");
    for (int i = 0; i < 70; i++)
        deep[n++] = '[';
    for (int i = 0; i < 70; i++)
        deep[n++] = ']';
    deep[n++] = '}';
    deep[n] = '\0';
    expect_fail_noid(deep, RPC_PARSE_ERROR, "Parse error");
}

static void test_batch_and_non_object(void **state)
{
    (void)state;
    expect_fail_noid("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", RPC_INVALID_REQUEST,
                     "JSON-RPC batches are not supported; send one message per POST");
    expect_fail_noid("[]", RPC_INVALID_REQUEST, "batches are not supported");
    expect_fail_noid("42", RPC_INVALID_REQUEST, "a JSON-RPC message must be a JSON object");
    expect_fail_noid("\"ping\"", RPC_INVALID_REQUEST, "must be a JSON object");
    expect_fail_noid("true", RPC_INVALID_REQUEST, "must be a JSON object");
    expect_fail_noid(" null ", RPC_INVALID_REQUEST, "must be a JSON object, not null");
}

static void test_jsonrpc_member(void **state)
{
    (void)state;
    const char *want = "\"jsonrpc\" must be the string \"2.0\"";
    /* The id is recovered so the error can echo it. */
    json_object *id = expect_fail("{\"id\":7,\"method\":\"ping\"}", RPC_INVALID_REQUEST, want);
    assert_non_null(id);
    assert_int_equal(json_object_get_int64(id), 7);
    json_object_put(id);
    id = expect_fail("{\"jsonrpc\":\"1.0\",\"id\":\"a\",\"method\":\"ping\"}", RPC_INVALID_REQUEST,
                     want);
    assert_string_equal(json_object_get_string(id), "a");
    json_object_put(id);
    expect_fail_noid("{\"jsonrpc\":2.0,\"method\":\"ping\"}", RPC_INVALID_REQUEST, want);
    expect_fail_noid("{\"jsonrpc\":null,\"method\":\"ping\"}", RPC_INVALID_REQUEST, want);
    expect_fail_noid("{\"jsonrpc\":\"2.0 \",\"method\":\"ping\"}", RPC_INVALID_REQUEST, want);
}

static void test_bad_ids(void **state)
{
    (void)state;
    const char *want = "\"id\" must be a string or an integer, not ";
    expect_fail_noid("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}", RPC_INVALID_REQUEST,
                     "\"id\" must be a string or an integer, not null");
    expect_fail_noid("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}", RPC_INVALID_REQUEST,
                     want);
    expect_fail_noid("{\"jsonrpc\":\"2.0\",\"id\":1.0,\"method\":\"ping\"}", RPC_INVALID_REQUEST,
                     want);
    expect_fail_noid("{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"ping\"}", RPC_INVALID_REQUEST,
                     "not boolean");
    expect_fail_noid("{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"ping\"}",
                     RPC_INVALID_REQUEST, "not object");
    expect_fail_noid("{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"ping\"}", RPC_INVALID_REQUEST,
                     "not array");
    /* Integers json-c cannot hold exactly are refused, never echoed changed. */
    const char *big = "outside the 64-bit integer range";
    expect_fail_noid("{\"jsonrpc\":\"2.0\",\"id\":99999999999999999999,\"method\":\"ping\"}",
                     RPC_INVALID_REQUEST, big);
    expect_fail_noid("{\"jsonrpc\":\"2.0\",\"id\":10000000000000000000,\"method\":\"ping\"}",
                     RPC_INVALID_REQUEST, big);
    expect_fail_noid("{\"jsonrpc\":\"2.0\",\"id\":-99999999999999999999,\"method\":\"ping\"}",
                     RPC_INVALID_REQUEST, big);
    /* The bad id is not echoed even when another member is wrong too. */
    expect_fail_noid("{\"jsonrpc\":\"1.0\",\"id\":null,\"method\":\"ping\"}", RPC_INVALID_REQUEST,
                     "\"jsonrpc\" must be");
}

static void test_id_limits(void **state)
{
    (void)state;
    char text[600];
    char id[300];
    memset(id, 'x', 257);
    id[257] = '\0';
    snprintf(text, sizeof text, "{\"jsonrpc\":\"2.0\",\"id\":\"%s\",\"method\":\"ping\"}", id);
    expect_fail_noid(text, RPC_INVALID_REQUEST, "\"id\" is longer than 256 characters");
    id[256] = '\0';
    snprintf(text, sizeof text, "{\"jsonrpc\":\"2.0\",\"id\":\"%s\",\"method\":\"ping\"}", id);
    rpc_message m;
    parse_ok(text, &m);
    assert_int_equal(json_object_get_string_len(m.id), 256);
    rpc_message_free(&m);
    /* Large but representable integers, negative ones, zero and "" are ids. */
    static const char *const ok[] = {
        "{\"jsonrpc\":\"2.0\",\"id\":9223372036854775806,\"method\":\"ping\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":-5,\"method\":\"ping\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"ping\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":\"\",\"method\":\"ping\"}",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        parse_ok(ok[i], &m);
        assert_int_equal(m.kind, RPC_REQUEST);
        rpc_message_free(&m);
    }
    parse_ok(ok[0], &m);
    assert_true(json_object_get_int64(m.id) == INT64_C(9223372036854775806));
    rpc_message_free(&m);
}

static void test_method_checks(void **state)
{
    (void)state;
    const char *missing = "\"method\" is missing or not a string";
    json_object *id =
        expect_fail("{\"jsonrpc\":\"2.0\",\"id\":\"r1\"}", RPC_INVALID_REQUEST, missing);
    assert_string_equal(json_object_get_string(id), "r1"); /* echoed in the error */
    json_object_put(id);
    id = expect_fail("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":42}", RPC_INVALID_REQUEST, missing);
    assert_int_equal(json_object_get_int64(id), 3);
    json_object_put(id);
    expect_fail_noid("{\"jsonrpc\":\"2.0\",\"method\":null}", RPC_INVALID_REQUEST, missing);
    expect_fail_noid("{\"jsonrpc\":\"2.0\"}", RPC_INVALID_REQUEST, missing);
    id = expect_fail("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"\"}", RPC_INVALID_REQUEST,
                     "\"method\" must be 1 to 128 characters");
    json_object_put(id);
    char text[400], method[200];
    memset(method, 'm', 129);
    method[129] = '\0';
    snprintf(text, sizeof text, "{\"jsonrpc\":\"2.0\",\"method\":\"%s\"}", method);
    expect_fail_noid(text, RPC_INVALID_REQUEST, "1 to 128 characters");
    method[128] = '\0';
    snprintf(text, sizeof text, "{\"jsonrpc\":\"2.0\",\"method\":\"%s\"}", method);
    rpc_message m;
    parse_ok(text, &m);
    assert_int_equal(strlen(m.method), 128);
    rpc_message_free(&m);
}

static void test_params_shapes(void **state)
{
    (void)state;
    json_object *id =
        expect_fail("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/list\",\"params\":\"x\"}",
                    RPC_INVALID_REQUEST, "\"params\" must be an object when present, not string");
    assert_int_equal(json_object_get_int64(id), 9);
    json_object_put(id);
    id = expect_fail("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/list\",\"params\":5}",
                     RPC_INVALID_REQUEST, "not int");
    json_object_put(id);
    id = expect_fail("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/list\",\"params\":true}",
                     RPC_INVALID_REQUEST, "not boolean");
    json_object_put(id);
    id =
        expect_fail("{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"tools/list\",\"params\":[1,2]}",
                    RPC_INVALID_PARAMS,
                    "Invalid params: MCP methods take \"params\" as an object, not an array");
    assert_string_equal(json_object_get_string(id), "p");
    json_object_put(id);

    /* Absent, null and object params are accepted. */
    rpc_message m;
    parse_ok("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", &m);
    assert_null(m.params);
    rpc_message_free(&m);
    parse_ok("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":null}", &m);
    assert_null(m.params);
    rpc_message_free(&m);
    parse_ok("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"x\"}}",
             &m);
    assert_non_null(m.params);
    assert_string_equal(jget_str(m.params, "name"), "x");
    rpc_message_free(&m);
}

static void test_request_notification_response(void **state)
{
    (void)state;
    rpc_message m;
    parse_ok("{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":\"tools/list\",\"params\":{}}", &m);
    assert_int_equal(m.kind, RPC_REQUEST);
    assert_string_equal(m.method, "tools/list");
    assert_string_equal(json_object_get_string(m.id), "abc");
    assert_non_null(m.params);
    rpc_message_free(&m);
    assert_null(m.root);

    parse_ok("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", &m);
    assert_int_equal(m.kind, RPC_NOTIFICATION);
    assert_null(m.id);
    assert_string_equal(m.method, "notifications/initialized");
    rpc_message_free(&m);

    parse_ok("{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{}}", &m);
    assert_int_equal(m.kind, RPC_RESPONSE);
    assert_null(m.method);
    assert_int_equal(json_object_get_int64(m.id), 5);
    rpc_message_free(&m);

    parse_ok("{\"jsonrpc\":\"2.0\",\"id\":\"e\",\"error\":{\"code\":-1,\"message\":\"no\"}}", &m);
    assert_int_equal(m.kind, RPC_RESPONSE);
    assert_string_equal(json_object_get_string(m.id), "e");
    rpc_message_free(&m);

    /* "result": null is still a result. */
    parse_ok("{\"jsonrpc\":\"2.0\",\"id\":6,\"result\":null}", &m);
    assert_int_equal(m.kind, RPC_RESPONSE);
    rpc_message_free(&m);

    /* A message with both a method and a result is a request. */
    parse_ok("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"result\":1}", &m);
    assert_int_equal(m.kind, RPC_REQUEST);
    rpc_message_free(&m);
}

static void test_bad_responses(void **state)
{
    (void)state;
    json_object *id =
        expect_fail("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"error\":{}}",
                    RPC_INVALID_REQUEST, "a response has \"result\" or \"error\", not both");
    json_object_put(id);
    expect_fail_noid("{\"jsonrpc\":\"2.0\",\"result\":{}}", RPC_INVALID_REQUEST,
                     "a response needs an \"id\"");
    expect_fail_noid("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"result\":{}}", RPC_INVALID_REQUEST,
                     "\"id\" must be a string or an integer");
    expect_fail_noid("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{}}", RPC_INVALID_REQUEST,
                     "not null");
}

static void test_result_envelope(void **state)
{
    (void)state;
    json_object *sid = json_object_new_string("req-1");
    json_object *res = json_object_new_object();
    jset_str(res, "k", "v");
    json_object *doc = rpc_result(sid, res);
    assert_string_equal(json_compact(doc),
                        "{\"jsonrpc\":\"2.0\",\"id\":\"req-1\",\"result\":{\"k\":\"v\"}}");
    json_object_put(doc);
    /* The id was copied, not taken. */
    assert_string_equal(json_object_get_string(sid), "req-1");
    json_object_put(sid);

    json_object *iid = json_object_new_int64(INT64_C(9007199254740993));
    doc = rpc_result(iid, NULL);
    assert_string_equal(json_compact(doc),
                        "{\"jsonrpc\":\"2.0\",\"id\":9007199254740993,\"result\":{}}");
    json_object_put(doc);
    json_object_put(iid);
}

static void test_error_envelope(void **state)
{
    (void)state;
    rpc_error e = {0};
    rpc_error_set(&e, RPC_METHOD_NOT_FOUND, "Method not found: %s", "foo/bar");
    json_object *doc = rpc_error_response(NULL, &e);
    assert_string_equal(json_compact(doc), "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-"
                                           "32601,\"message\":\"Method not found: foo/bar\"}}");
    json_object_put(doc);

    json_object *id = json_object_new_int(12);
    rpc_error_set(&e, RPC_RESOURCE_NOT_FOUND, "Resource not found");
    e.data = json_object_new_object();
    jset_str(e.data, "uri", "ddbsql://x");
    doc = rpc_error_response(id, &e);
    assert_null(e.data); /* taken */
    assert_string_equal(json_compact(doc),
                        "{\"jsonrpc\":\"2.0\",\"id\":12,\"error\":{\"code\":-32002,\"message\":"
                        "\"Resource not found\",\"data\":{\"uri\":\"ddbsql://x\"}}}");
    json_object_put(doc);
    json_object_put(id);

    /* Long messages are truncated to the buffer, never overflowing it. */
    char longmsg[2000];
    memset(longmsg, 'a', sizeof longmsg - 1);
    longmsg[sizeof longmsg - 1] = '\0';
    rpc_error_set(&e, RPC_INTERNAL_ERROR, "%s", longmsg);
    assert_int_equal(strlen(e.message), sizeof e.message - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invalid_json_is_parse_error),
        cmocka_unit_test(test_trailing_garbage_rejected),
        cmocka_unit_test(test_invalid_utf8_rejected),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_batch_and_non_object),
        cmocka_unit_test(test_jsonrpc_member),
        cmocka_unit_test(test_bad_ids),
        cmocka_unit_test(test_id_limits),
        cmocka_unit_test(test_method_checks),
        cmocka_unit_test(test_params_shapes),
        cmocka_unit_test(test_request_notification_response),
        cmocka_unit_test(test_bad_responses),
        cmocka_unit_test(test_result_envelope),
        cmocka_unit_test(test_error_envelope),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

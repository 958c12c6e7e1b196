#include "core/http/request.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A body reader over a fixed string that counts what was asked of it. */
typedef struct fake_body {
    const char *data;
    size_t len, pos;
    size_t max_chunk; /* 0: as much as asked */
    size_t calls;
    bool fail; /* return -1 on the next call */
} fake_body;

static ssize_t fake_read(void *ctx, char *dst, size_t n)
{
    fake_body *fb = ctx;
    fb->calls++;
    if (fb->fail)
        return -1;
    size_t left = fb->len - fb->pos;
    if (n > left)
        n = left;
    if (fb->max_chunk && n > fb->max_chunk)
        n = fb->max_chunk;
    memcpy(dst, fb->data + fb->pos, n);
    fb->pos += n;
    return (ssize_t)n;
}

static fake_body body_of(const char *s)
{
    return (fake_body){s, strlen(s), 0, 0, 0, false};
}

static bool is_hex32(const char *s)
{
    if (strlen(s) != 32)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

static void test_basic_request(void **state)
{
    (void)state;
    char *env[] = {"REQUEST_METHOD=POST",
                   "SCRIPT_NAME=/mcp",
                   "PATH_INFO=",
                   "QUERY_STRING=a=1&b=2",
                   "CONTENT_LENGTH=5",
                   "CONTENT_TYPE=application/json",
                   "HTTP_ACCEPT=*/*",
                   "HTTP_MCP_PROTOCOL_VERSION=2025-06-18",
                   "REMOTE_ADDR=127.0.0.1",
                   NULL};
    fake_body fb = body_of("hello, and more");
    http_request req, req2;
    char err[256];
    assert_int_equal(http_request_init(&req, env, fake_read, &fb, NULL, err, sizeof err), 0);
    assert_string_equal(req.method, "POST");
    assert_string_equal(req.path, "/mcp");
    assert_string_equal(req.query, "a=1&b=2");
    assert_int_equal(req.body.len, 5);
    assert_string_equal(buf_cstr(&req.body), "hello");
    assert_int_equal(fb.pos, 5); /* exactly CONTENT_LENGTH read */
    assert_true(is_hex32(req.request_id));
    assert_string_equal(req.principal, "");
    assert_string_equal(req.detail, "");
    assert_string_equal(http_param(&req, "REMOTE_ADDR"), "127.0.0.1");
    assert_null(http_param(&req, "remote_addr")); /* exact names */
    assert_int_equal(req.params.n, 9);

    fake_body fb2 = body_of("hello");
    assert_int_equal(http_request_init(&req2, env, fake_read, &fb2, NULL, err, sizeof err), 0);
    assert_string_not_equal(req.request_id, req2.request_id);
    http_request_free(&req);
    http_request_free(&req2);
}

static void test_defaults_when_absent(void **state)
{
    (void)state;
    http_request req;
    char err[64];
    char *env[] = {"ODD_PARAM_WITHOUT_VALUE", NULL};
    assert_int_equal(http_request_init(&req, env, NULL, NULL, NULL, err, sizeof err), 0);
    assert_string_equal(req.method, "");
    assert_string_equal(req.query, "");
    assert_string_equal(req.path, "");
    assert_int_equal(req.body.len, 0);
    assert_string_equal(http_param(&req, "ODD_PARAM_WITHOUT_VALUE"), "");
    http_request_free(&req);
    assert_int_equal(http_request_init(&req, NULL, NULL, NULL, NULL, err, sizeof err), 0);
    assert_string_equal(req.method, "");
    http_request_free(&req);
}

static http_limits small_limits(void)
{
    http_limits l;
    http_limits_default(&l);
    l.max_params = 4;
    l.max_param_bytes = 40;
    l.max_total_params_bytes = 100;
    l.max_body_bytes = 64;
    return l;
}

static void expect_status(char **env, fake_body *fb, const http_limits *lim, int status,
                          const char *needle)
{
    http_request req;
    char err[256] = "";
    int got = http_request_init(&req, env, fb ? fake_read : NULL, fb, lim, err, sizeof err);
    if (got != status)
        fail_msg("status %d, expected %d (err: %s)", got, status, err);
    if (needle && !strstr(err, needle))
        fail_msg("error '%s' should contain '%s'", err, needle);
    /* Whatever happened, the request is usable for the access log. */
    assert_non_null(req.method);
    assert_non_null(req.path);
    assert_non_null(req.query);
    assert_true(is_hex32(req.request_id));
    http_request_free(&req);
}

static void test_param_caps_431(void **state)
{
    (void)state;
    http_limits lim = small_limits();
    fake_body fb = body_of("");
    char *too_many[] = {"REQUEST_METHOD=GET", "A=1", "B=2", "C=3", "HTTP_X_FIFTH=5", NULL};
    expect_status(too_many, &fb, &lim, 431, "'HTTP_X_FIFTH' is beyond the limit of 4");
    char *at_count[] = {"REQUEST_METHOD=GET", "A=1", "B=2", "C=3", NULL};
    expect_status(at_count, &fb, &lim, 0, NULL);

    /* 40 bytes is the most for one name=value. */
    char *too_long[] = {"REQUEST_METHOD=GET", "HTTP_X_BIG=123456789012345678901234567890", NULL};
    expect_status(too_long, &fb, &lim, 431, "'HTTP_X_BIG' is longer than 40 bytes");
    char *at_len[] = {"HTTP_X_BIG=12345678901234567890123456789", NULL};
    expect_status(at_len, &fb, &lim, 0, NULL);

    /* Each fits, together they are over 100 bytes. */
    char *total[] = {"HTTP_X_A=123456789012345678901234567890",
                     "HTTP_X_B=123456789012345678901234567890",
                     "HTTP_X_C=123456789012345678901234567890", NULL};
    fake_body unread = body_of("body");
    expect_status(total, &unread, &lim, 431, "over 100 bytes in total (at 'HTTP_X_C')");
    expect_status(too_many, &unread, &lim, 431, NULL);
    expect_status(too_long, &unread, &lim, 431, NULL);
    assert_int_equal(unread.calls, 0); /* refused requests read no body */

    /* Odd bytes in a name are not echoed raw. */
    char *evil[] = {"A=1", "B=1", "C=1", "D=1", "HTTP_X\r\nY'=1", NULL};
    expect_status(evil, &fb, &lim, 431, "'HTTP_X??Y?' is beyond");
}

static void test_content_length_rejections(void **state)
{
    (void)state;
    http_limits lim = small_limits();
    static const char *const bad[] = {
        "abc", "-1", "+5", " 5", "5 ", "0x10", "5.0", "1e3", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char cl[64];
        snprintf(cl, sizeof cl, "CONTENT_LENGTH=%s", bad[i]);
        char *env[] = {"REQUEST_METHOD=POST", cl, NULL};
        fake_body fb = body_of("12345");
        expect_status(env, &fb, &lim, 400, "is not a valid length");
        assert_int_equal(fb.calls, 0);
    }
}

static void test_content_length_over_cap_413_unread(void **state)
{
    (void)state;
    http_limits lim = small_limits();
    char *env[] = {"REQUEST_METHOD=POST", "CONTENT_LENGTH=65", NULL};
    fake_body fb = body_of("x");
    expect_status(env, &fb, &lim, 413, "(65 bytes) is over the limit of 64 bytes");
    assert_int_equal(fb.calls, 0); /* not a byte read */

    char *huge[] = {"CONTENT_LENGTH=18446744073709551615", NULL};
    expect_status(huge, &fb, &lim, 413, NULL);
    assert_int_equal(fb.calls, 0);
}

static void test_content_length_reads(void **state)
{
    (void)state;
    http_limits lim = small_limits();
    char body64[65];
    memset(body64, 'b', 64);
    body64[64] = '\0';
    char *env[] = {"CONTENT_LENGTH=64", NULL};
    fake_body fb = body_of(body64);
    fb.max_chunk = 7; /* the reader may return short counts */
    http_request req;
    char err[256];
    assert_int_equal(http_request_init(&req, env, fake_read, &fb, &lim, err, sizeof err), 0);
    assert_int_equal(req.body.len, 64);
    assert_memory_equal(req.body.data, body64, 64);
    http_request_free(&req);

    /* Fewer bytes than promised. */
    char *env10[] = {"CONTENT_LENGTH=10", NULL};
    fake_body short_fb = body_of("abcd");
    expect_status(env10, &short_fb, &lim, 400, "ended early: got 4 of 10 bytes");

    /* A read error. */
    fake_body broken = body_of("abcd");
    broken.fail = true;
    expect_status(env10, &broken, &lim, 400, "reading the request body failed");

    /* CONTENT_LENGTH=0 reads nothing, even with data waiting. */
    char *env0[] = {"CONTENT_LENGTH=0", NULL};
    fake_body extra = body_of("ignored");
    expect_status(env0, &extra, &lim, 0, NULL);
    assert_int_equal(extra.pos, 0);

    /* Leading zeros are still digits. */
    char *env3[] = {"CONTENT_LENGTH=003", NULL};
    fake_body three = body_of("abcdef");
    assert_int_equal(http_request_init(&req, env3, fake_read, &three, &lim, err, sizeof err), 0);
    assert_string_equal(buf_cstr(&req.body), "abc");
    assert_int_equal(three.pos, 3);
    http_request_free(&req);
}

static void test_no_length_reads_to_eof_up_to_cap(void **state)
{
    (void)state;
    http_limits lim = small_limits();
    char data[200];
    memset(data, 'z', sizeof data - 1);
    data[sizeof data - 1] = '\0';
    http_request req;
    char err[256];

    /* No CONTENT_LENGTH (a streamed chunked body) and an empty one (nginx
     * without a body) both mean "read to the end". */
    char *none[] = {"REQUEST_METHOD=POST", NULL};
    char *empty[] = {"REQUEST_METHOD=POST", "CONTENT_LENGTH=", NULL};
    char **envs[] = {none, empty};
    for (int i = 0; i < 2; i++) {
        data[64] = '\0'; /* exactly the cap */
        fake_body fb = body_of(data);
        fb.max_chunk = 5;
        assert_int_equal(http_request_init(&req, envs[i], fake_read, &fb, &lim, err, sizeof err),
                         0);
        assert_int_equal(req.body.len, 64);
        http_request_free(&req);

        data[64] = 'z'; /* one over */
        fb = body_of(data);
        expect_status(envs[i], &fb, &lim, 413, "over the limit of 64 bytes");
        assert_true(fb.pos <= 65); /* stops right after the cap */
        data[sizeof data - 1] = '\0';
    }
    fake_body none_fb = body_of("");
    expect_status(none, &none_fb, &lim, 0, NULL);
    fake_body broken = body_of("abc");
    broken.fail = true;
    expect_status(none, &broken, &lim, 400, "reading the request body failed");
    /* No reader at all: an empty body. */
    expect_status(none, NULL, &lim, 0, NULL);
}

static void test_header_mapping(void **state)
{
    (void)state;
    char *env[] = {"CONTENT_TYPE=application/json",
                   "CONTENT_LENGTH=0",
                   "HTTP_MCP_PROTOCOL_VERSION=2025-06-18",
                   "HTTP_MCP_SESSION_ID=abc",
                   "HTTP_AUTHORIZATION=Bearer t",
                   "HTTP_CONTENT_TYPE=wrong",
                   NULL};
    http_request req;
    char err[64];
    assert_int_equal(http_request_init(&req, env, NULL, NULL, NULL, err, sizeof err), 0);
    assert_string_equal(http_header(&req, "Content-Type"), "application/json");
    assert_string_equal(http_header(&req, "content-type"), "application/json");
    assert_string_equal(http_header(&req, "CONTENT-LENGTH"), "0");
    assert_string_equal(http_header(&req, "MCP-Protocol-Version"), "2025-06-18");
    assert_string_equal(http_header(&req, "mcp-protocol-version"), "2025-06-18");
    assert_string_equal(http_header(&req, "Mcp-Session-Id"), "abc");
    assert_string_equal(http_header(&req, "Authorization"), "Bearer t");
    assert_null(http_header(&req, "Accept"));
    assert_null(http_header(&req, ""));
    assert_null(http_header(&req, NULL));
    char longname[400];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_null(http_header(&req, longname));
    http_request_free(&req);
}

static void test_media_type(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"application/json", "application/json"},
        {"Application/JSON; charset=utf-8", "application/json"},
        {"  text/plain ;x=y", "text/plain"},
        {"application/x-www-form-urlencoded", "application/x-www-form-urlencoded"},
        {"text/event-stream;", "text/event-stream"},
        {"", ""},
        {";charset=utf-8", ""},
    };
    char out[40];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        http_media_type(cases[i].in, out, sizeof out);
        assert_string_equal(out, cases[i].out);
    }
    http_media_type(NULL, out, sizeof out);
    assert_string_equal(out, "");
    /* Too long to hold: "" rather than a prefix that might match. */
    char small[17];
    http_media_type("application/json-patch+json", small, sizeof small);
    assert_string_equal(small, "");
    http_media_type("application/json", small, sizeof small);
    assert_string_equal(small, "application/json");
}

static void test_accepts_table(void **state)
{
    (void)state;
    static const struct {
        const char *accept, *type;
        bool ok;
    } cases[] = {
        {NULL, "application/json", true},
        {"", "application/json", true},
        {"application/json", "application/json", true},
        {"APPLICATION/JSON", "application/json", true},
        {"application/json", "text/event-stream", false},
        {"application/json, text/event-stream", "text/event-stream", true},
        {"application/json,text/event-stream", "application/json", true},
        {"*/*", "application/json", true},
        {"application/*", "application/json", true},
        {"application/*", "text/plain", false},
        {"text/*;q=0.5, */*;q=0.1", "application/json", true},
        {"application/json;q=0", "application/json", false},
        {"application/json;q=0.0", "application/json", false},
        {"application/json;q=0.000", "application/json", false},
        {"application/json;q=0.001", "application/json", true},
        {"application/json ; q=1.0", "application/json", true},
        {"application/json;Q=0", "application/json", false},
        /* The most specific range decides. */
        {"application/json;q=0, */*", "application/json", false},
        {"*/*;q=0, application/json", "application/json", true},
        {"application/*;q=0, application/json", "application/json", true},
        {"application/*;q=0, */*", "application/json", false},
        {"*/*;q=0", "application/json", false},
        /* Parameters other than q do not stop a match. */
        {"application/json;charset=utf-8", "application/json", true},
        {"text/html;level=1;q=0.5", "text/html", true},
        /* Malformed elements are ignored. */
        {"application/json;q=2", "application/json", false},
        {"application/json;q=abc", "application/json", false},
        {"application/json;q=0.1234", "application/json", false},
        {"application/json;q=1.5", "application/json", false},
        {"application", "application/json", false},
        {"*/json", "application/json", false},
        {"/json", "application/json", false},
        {"application/json;q=2, text/plain, */*;q=0.2", "application/json", true},
        /* Old Java clients send a bare "*". */
        {"text/html, image/gif, *; q=0.2", "application/json", true},
        {",,, application/json ,", "application/json", true},
        {"text/event-stream", "text/event-stream", true},
        {"application/jsonx", "application/json", false},
        {"application/js", "application/json", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (http_accepts(cases[i].accept, cases[i].type) != cases[i].ok)
            fail_msg("http_accepts(\"%s\", \"%s\") should be %s",
                     cases[i].accept ? cases[i].accept : "(null)", cases[i].type,
                     cases[i].ok ? "true" : "false");
}

static const char *path_for(char **env, http_request *req)
{
    char err[128];
    assert_int_equal(http_request_init(req, env, NULL, NULL, NULL, err, sizeof err), 0);
    return req->path;
}

static void test_path_derivation(void **state)
{
    (void)state;
    http_request req;
    /* lighttpd, "/mcp" prefix mount. */
    char *l1[] = {"SCRIPT_NAME=/mcp", "REQUEST_URI=/mcp?x=1", NULL};
    assert_string_equal(path_for(l1, &req), "/mcp");
    http_request_free(&req);
    char *l2[] = {"SCRIPT_NAME=/mcp", "PATH_INFO=/extra", "REQUEST_URI=/mcp/extra", NULL};
    assert_string_equal(path_for(l2, &req), "/mcp/extra");
    http_request_free(&req);
    /* lighttpd "/" mount with fix-root-scriptname. */
    char *l3[] = {"SCRIPT_NAME=", "PATH_INFO=/mcp", "REQUEST_URI=/mcp", NULL};
    assert_string_equal(path_for(l3, &req), "/mcp");
    http_request_free(&req);
    /* Apache mod_fcgid: the alias in SCRIPT_NAME, the rest in PATH_INFO. */
    char *a1[] = {"SCRIPT_NAME=/ddbsql", "PATH_INFO=/mcp", "REQUEST_URI=/ddbsql/mcp?q", NULL};
    assert_string_equal(path_for(a1, &req), "/ddbsql/mcp");
    http_request_free(&req);
    /* nginx: the whole (decoded) path in SCRIPT_NAME. */
    char *n1[] = {"SCRIPT_NAME=/a b/mcp", "REQUEST_URI=/a%20b/mcp", NULL};
    assert_string_equal(path_for(n1, &req), "/a b/mcp");
    http_request_free(&req);
    /* Neither set: REQUEST_URI's path, decoded, without the query. */
    char *r1[] = {"REQUEST_URI=/a%20b/c%2Fd?code=secret#frag", NULL};
    assert_string_equal(path_for(r1, &req), "/a b/c/d");
    http_request_free(&req);
    char *r2[] = {"SCRIPT_NAME=", "PATH_INFO=", "REQUEST_URI=/x?y=%zz", NULL};
    assert_string_equal(path_for(r2, &req), "/x");
    http_request_free(&req);
    char *r3[] = {"REQUEST_URI=http://example.com/abs/path?q=1", NULL};
    assert_string_equal(path_for(r3, &req), "/abs/path");
    http_request_free(&req);
    char *r4[] = {"REQUEST_URI=http://example.com", NULL};
    assert_string_equal(path_for(r4, &req), "");
    http_request_free(&req);
    /* A bad escape in the path is a client error. */
    char *bad[] = {"REQUEST_URI=/a%zz", NULL};
    expect_status(bad, NULL, NULL, 400, "malformed percent-escape");
    char *nul[] = {"REQUEST_URI=/a%00b", NULL};
    expect_status(nul, NULL, NULL, 400, "encoded NUL");
}

static void test_set_detail(void **state)
{
    (void)state;
    http_request req;
    char err[64];
    assert_int_equal(http_request_init(&req, NULL, NULL, NULL, NULL, err, sizeof err), 0);
    http_set_detail(&req, "rpc=%s id=%d", "tools/call", 7);
    assert_string_equal(req.detail, "rpc=tools/call id=7");
    char big[400];
    memset(big, 'd', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    http_set_detail(&req, "%s", big);
    assert_int_equal(strlen(req.detail), sizeof req.detail - 1);
    http_request_free(&req);
}

static void test_default_limits(void **state)
{
    (void)state;
    http_limits l;
    http_limits_default(&l);
    assert_int_equal(l.max_body_bytes, HTTP_DEFAULT_MAX_BODY);
    assert_int_equal(l.max_params, HTTP_DEFAULT_MAX_PARAMS);
    assert_int_equal(l.max_param_bytes, HTTP_DEFAULT_MAX_PARAM_BYTES);
    assert_int_equal(l.max_total_params_bytes, HTTP_DEFAULT_MAX_TOTAL_PARAMS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_request),
        cmocka_unit_test(test_defaults_when_absent),
        cmocka_unit_test(test_param_caps_431),
        cmocka_unit_test(test_content_length_rejections),
        cmocka_unit_test(test_content_length_over_cap_413_unread),
        cmocka_unit_test(test_content_length_reads),
        cmocka_unit_test(test_no_length_reads_to_eof_up_to_cap),
        cmocka_unit_test(test_header_mapping),
        cmocka_unit_test(test_media_type),
        cmocka_unit_test(test_accepts_table),
        cmocka_unit_test(test_path_derivation),
        cmocka_unit_test(test_set_detail),
        cmocka_unit_test(test_default_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#include "core/http/response.h"

#include "core/base/alloc.h"
#include "core/base/json_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

/* A writer into a buffer; max_chunk > 0 makes it accept short counts, and
 * fail_after stops it after that many bytes. */
typedef struct sink {
    buf_t out;
    size_t max_chunk;
    size_t fail_after;
    bool return_zero;
} sink;

static ssize_t sink_write(void *ctx, const char *data, size_t n)
{
    sink *s = ctx;
    if (s->return_zero)
        return 0;
    if (s->fail_after && s->out.len + n > s->fail_after)
        return -1;
    if (s->max_chunk && n > s->max_chunk)
        n = s->max_chunk;
    if (!buf_append(&s->out, data, n))
        return -1;
    return (ssize_t)n;
}

static sink new_sink(void)
{
    sink s = {BUF_INIT(32u << 20), 0, 0, false};
    return s;
}

static void test_default_response_wire_format(void **state)
{
    (void)state;
    http_response r;
    http_response_init(&r);
    assert_int_equal(r.status, 200);
    sink s = new_sink();
    assert_true(http_response_write(&r, "0123456789abcdef0123456789abcdef", sink_write, &s));
    assert_string_equal(buf_cstr(&s.out), "Status: 200 OK\r\n"
                                          "X-Request-Id: 0123456789abcdef0123456789abcdef\r\n"
                                          "Content-Length: 0\r\n"
                                          "\r\n");
    buf_free(&s.out);
    http_response_free(&r);
}

static void test_text_response_wire_format(void **state)
{
    (void)state;
    http_response r;
    http_response_init(&r);
    assert_true(http_response_header(&r, "Cache-Control", "no-store"));
    http_response_text(&r, 201, "text/plain; charset=utf-8", "hello");
    assert_true(http_response_header(&r, "X-Extra", "a\tb"));
    sink s = new_sink();
    s.max_chunk = 3; /* short writes are continued */
    assert_true(http_response_write(&r, "rid", sink_write, &s));
    assert_string_equal(buf_cstr(&s.out), "Status: 201 Created\r\n"
                                          "Cache-Control: no-store\r\n"
                                          "Content-Type: text/plain; charset=utf-8\r\n"
                                          "X-Extra: a\tb\r\n"
                                          "X-Request-Id: rid\r\n"
                                          "Content-Length: 5\r\n"
                                          "\r\n"
                                          "hello");
    buf_free(&s.out);
    http_response_free(&r);
}

static void test_json_response(void **state)
{
    (void)state;
    http_response r;
    http_response_init(&r);
    json_object *doc = json_object_new_object();
    json_object_object_add(doc, "url", json_object_new_string("http://h/x"));
    json_object_object_add(doc, "n", json_object_new_int(1));
    http_response_text(&r, 500, "text/plain", "first");
    http_response_json(&r, 202, doc);
    http_response_json(&r, 200, doc); /* again: one Content-Type, body replaced */
    json_object_put(doc);
    assert_int_equal(r.status, 200);
    assert_string_equal(buf_cstr(&r.headers), "Content-Type: application/json\r\n");
    assert_string_equal(buf_cstr(&r.body), "{\"url\":\"http://h/x\",\"n\":1}");
    http_response_json(&r, 404, NULL);
    assert_string_equal(buf_cstr(&r.body), "null");
    http_response_text(&r, 400, NULL, NULL);
    assert_int_equal(r.status, 400);
    assert_string_equal(buf_cstr(&r.headers), "Content-Type: text/plain; charset=utf-8\r\n");
    assert_int_equal(r.body.len, 0);
    http_response_free(&r);
}

/* A JSON answer is UTF-8 even when a value is not (found by fuzz_mcp: an
 * MCP-Protocol-Version header byte echoed in an error message): such
 * bytes become '?', valid characters stay. */
static void test_json_response_not_utf8(void **state)
{
    (void)state;
    http_response r;
    http_response_init(&r);
    json_object *doc = json_object_new_object();
    json_object_object_add(doc, "m",
                           json_object_new_string("version '202HT\xa9' caf\xc3\xa9 \xc3"));
    http_response_json(&r, 400, doc);
    json_object_put(doc);
    assert_int_equal(r.status, 400);
    assert_string_equal(buf_cstr(&r.body), "{\"m\":\"version '202HT?' caf\xc3\xa9 ?\"}");
    assert_true(utf8_valid(r.body.data, r.body.len));
    http_response_free(&r);
}

static void test_header_injection_refused(void **state)
{
    (void)state;
    http_response r;
    http_response_init(&r);
    assert_true(http_response_header(&r, "X-Ok", "v"));
    static const char *const bad_values[] = {
        "a\r\nSet-Cookie: x=1", "a\nb", "a\rb", "a\x01", "a\x7f", "\x1b[0m",
    };
    for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++)
        assert_false(http_response_header(&r, "X-Bad", bad_values[i]));
    static const char *const bad_names[] = {
        "",           "X Bad",        "X-Bad:",       "X-Bad\r\nY",     "X\x01",
        "X-\xc3\xa9", "(comment)",    "a/b",          "Content-Length", "content-length",
        "Status",     "X-Request-Id", "x-request-id",
    };
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++)
        assert_false(http_response_header(&r, bad_names[i], "v"));
    assert_false(http_response_header(&r, NULL, "v"));
    assert_false(http_response_header(&r, "X-A", NULL));
    /* Nothing of the refused ones got in. */
    assert_string_equal(buf_cstr(&r.headers), "X-Ok: v\r\n");
    /* Allowed: every tchar, HTAB, obs-text, an empty value. */
    assert_true(http_response_header(&r, "!#$%&'*+-.^_`|~09azAZ", "x"));
    assert_true(http_response_header(&r, "X-Utf8", "caf\xc3\xa9"));
    assert_true(http_response_header(&r, "X-Empty", ""));
    /* A Content-Type given by the caller with CRLF falls back safely. */
    http_response_text(&r, 200, "text/plain\r\nX-Evil: 1", "x");
    assert_null(strstr(buf_cstr(&r.headers), "X-Evil"));
    assert_non_null(strstr(buf_cstr(&r.headers), "Content-Type: application/octet-stream\r\n"));
    http_response_free(&r);
}

static void test_header_space_is_bounded(void **state)
{
    (void)state;
    http_response r;
    http_response_init(&r);
    char value[1000];
    memset(value, 'v', sizeof value - 1);
    value[sizeof value - 1] = '\0';
    int added = 0;
    while (http_response_header(&r, "X-Fill", value))
        added++;
    assert_true(added > 0);
    assert_true(r.headers.len <= HTTP_MAX_RESPONSE_HEADERS);
    size_t len = r.headers.len;
    assert_false(http_response_header(&r, "X-Fill", value));
    assert_int_equal(r.headers.len, len);
    http_response_free(&r);
}

static void test_oversized_body_becomes_500(void **state)
{
    (void)state;
    http_response r;
    http_response_init(&r);
    char *big = xmalloc(HTTP_MAX_RESPONSE_BODY + 2);
    memset(big, 'x', HTTP_MAX_RESPONSE_BODY + 1);
    big[HTTP_MAX_RESPONSE_BODY + 1] = '\0';
    http_response_text(&r, 200, "text/plain", big);
    free(big);
    assert_int_equal(r.status, 500);
    assert_string_equal(buf_cstr(&r.body), "{\"error\":\"the response is too large\"}");
    assert_string_equal(buf_cstr(&r.headers), "Content-Type: application/json\r\n");
    http_response_free(&r);
}

static void test_no_body_statuses(void **state)
{
    (void)state;
    http_response r;
    http_response_init(&r);
    buf_puts(&r.body, "should not be sent");
    r.status = 204;
    sink s = new_sink();
    assert_true(http_response_write(&r, "id", sink_write, &s));
    assert_string_equal(buf_cstr(&s.out), "Status: 204 No Content\r\nX-Request-Id: id\r\n\r\n");
    buf_reset(&s.out);
    r.status = 304;
    assert_true(http_response_write(&r, "id", sink_write, &s));
    assert_string_equal(buf_cstr(&s.out), "Status: 304 Not Modified\r\nX-Request-Id: id\r\n\r\n");
    buf_reset(&s.out);
    /* Out-of-range status codes are sent as 500. */
    r.status = 0;
    buf_reset(&r.body);
    assert_true(http_response_write(&r, NULL, sink_write, &s));
    assert_string_equal(buf_cstr(&s.out),
                        "Status: 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n");
    buf_free(&s.out);
    http_response_free(&r);
}

static void test_bad_request_id_not_written(void **state)
{
    (void)state;
    http_response r;
    http_response_init(&r);
    sink s = new_sink();
    assert_true(http_response_write(&r, "abc\r\nX-Evil: 1", sink_write, &s));
    assert_null(strstr(buf_cstr(&s.out), "X-Evil"));
    assert_null(strstr(buf_cstr(&s.out), "X-Request-Id"));
    buf_reset(&s.out);
    assert_true(http_response_write(&r, "", sink_write, &s));
    assert_null(strstr(buf_cstr(&s.out), "X-Request-Id"));
    buf_free(&s.out);
    http_response_free(&r);
}

static void test_writer_failures(void **state)
{
    (void)state;
    http_response r;
    http_response_init(&r);
    http_response_text(&r, 200, "text/plain", "0123456789");
    sink s = new_sink();
    s.fail_after = 20; /* fails inside the header block */
    assert_false(http_response_write(&r, "id", sink_write, &s));
    buf_free(&s.out);
    s = new_sink();
    s.fail_after = 85; /* the 82-byte header block fits, the body does not */
    assert_false(http_response_write(&r, "id", sink_write, &s));
    assert_int_equal(s.out.len, 82);
    buf_free(&s.out);
    s = new_sink();
    s.return_zero = true; /* no progress must not loop forever */
    assert_false(http_response_write(&r, "id", sink_write, &s));
    buf_free(&s.out);
    http_response_free(&r);
}

static void test_reason_phrases(void **state)
{
    (void)state;
    static const struct {
        int status;
        const char *reason;
    } table[] = {
        {200, "OK"},
        {201, "Created"},
        {202, "Accepted"},
        {204, "No Content"},
        {301, "Moved Permanently"},
        {302, "Found"},
        {303, "See Other"},
        {304, "Not Modified"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {406, "Not Acceptable"},
        {408, "Request Timeout"},
        {409, "Conflict"},
        {411, "Length Required"},
        {413, "Content Too Large"},
        {415, "Unsupported Media Type"},
        {422, "Unprocessable Content"},
        {429, "Too Many Requests"},
        {431, "Request Header Fields Too Large"},
        {500, "Internal Server Error"},
        {502, "Bad Gateway"},
        {503, "Service Unavailable"},
        {504, "Gateway Timeout"},
        {299, "Unknown"},
        {-1, "Unknown"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        assert_string_equal(http_reason(table[i].status), table[i].reason);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_response_wire_format),
        cmocka_unit_test(test_text_response_wire_format),
        cmocka_unit_test(test_json_response),
        cmocka_unit_test(test_json_response_not_utf8),
        cmocka_unit_test(test_header_injection_refused),
        cmocka_unit_test(test_header_space_is_bounded),
        cmocka_unit_test(test_oversized_body_becomes_500),
        cmocka_unit_test(test_no_body_statuses),
        cmocka_unit_test(test_bad_request_id_not_written),
        cmocka_unit_test(test_writer_failures),
        cmocka_unit_test(test_reason_phrases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

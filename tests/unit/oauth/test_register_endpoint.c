/* oauth/register_endpoint: POST /register through http_handle_one (the
 * path a FastCGI request takes), on a real redis-server: 201 with the
 * registered metadata, RFC 7591 errors, body cap, rate limit, Redis down,
 * CORS, and the access log line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oauth/register_endpoint.h"
#include "oauth/dcr.h"

#include "tests/unit/support/capture_stderr.h"
#include "tests/unit/support/redis_server.h"

#include "core/base/alloc.h"
#include "core/base/buf.h"
#include "core/base/json_util.h"
#include "core/base/log.h"
#include "core/base/timeutil.h"
#include "core/http/fcgi_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static test_redis *redis;
static config cfg;
static register_app app;

static void load_config(const char *extra)
{
    char path[] = "/tmp/ddbsql-register-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    buf_t b = BUF_INIT(1 << 16);
    buf_printf(&b,
               "public_url = http://127.0.0.1:8080\n%s"
               "[redis]\nport = %d\nconnect_timeout_ms = 300\n"
               "[schema demo]\nregion = us-east-1\nendpoint = http://127.0.0.1:4567\n",
               extra ? extra : "", test_redis_port(redis));
    assert_int_equal(write(fd, b.data, b.len), (ssize_t)b.len);
    close(fd);
    buf_free(&b);
    char err[1024];
    bool ok = config_load(path, &cfg, err, sizeof err);
    unlink(path);
    if (!ok)
        fail_msg("config: %s", err);
}

/* auth = oauth needs a signing key; the register endpoint never uses it,
 * but the config must be valid. */
static char keyfile[64];

static int group_setup(void **state)
{
    (void)state;
    log_init("register");
    redis = test_redis_start();
    snprintf(keyfile, sizeof keyfile, "/tmp/ddbsql-register-key-XXXXXX");
    int fd = mkstemp(keyfile);
    assert_true(fd >= 0);
    close(fd);
    char extra[256];
    snprintf(extra, sizeof extra,
             "auth = oauth\n[oauth]\nregistration_rate_limit = 4\n[signing_key k1]\npath = %s\n",
             keyfile);
    load_config(extra);
    app.cfg = &cfg;
    app.rs = redis_store_new(&cfg.redis);
    http_set_refusal_formatter(register_http_refusal);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    redis_store_free(app.rs);
    config_free(&cfg);
    unlink(keyfile);
    test_redis_stop(redis);
    return 0;
}

/* Before each test: a clean Redis (no rate-limit counts). */
static int flush(void **state)
{
    (void)state;
    char err[256];
    redisReply *r = redis_store_cmdf(app.rs, true, err, sizeof err, "FLUSHALL");
    assert_non_null(r);
    freeReplyObject(r);
    return 0;
}

typedef struct body_src {
    const char *p;
    size_t len, off;
} body_src;

static ssize_t read_body(void *ctx, char *dst, size_t n)
{
    body_src *b = ctx;
    if (n > b->len - b->off)
        n = b->len - b->off;
    memcpy(dst, b->p + b->off, n);
    b->off += n;
    return (ssize_t)n;
}

typedef struct answer {
    int status;
    json_object *json;
    http_response resp;
    char *log;
} answer;

static void answer_free(answer *a)
{
    json_object_put(a->json);
    http_response_free(&a->resp);
    free(a->log);
}

static const char *header(const answer *a, const char *name)
{
    static char v[512];
    const char *p = buf_cstr(&a->resp.headers);
    size_t n = strlen(name);
    while (*p) {
        const char *eol = strstr(p, "\r\n");
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len > n + 1 && !strncasecmp(p, name, n) && p[n] == ':') {
            snprintf(v, sizeof v, "%.*s", (int)(len - n - 2), p + n + 2);
            return v;
        }
        if (!eol)
            break;
        p = eol + 2;
    }
    return NULL;
}

/* One request: method, path, content type (NULL: none), body, address. */
static answer request(const char *method, const char *path, const char *ctype, const char *body,
                      const char *addr)
{
    char m[64], p[256], ct[128], cl[64], ra[96];
    snprintf(m, sizeof m, "REQUEST_METHOD=%s", method);
    snprintf(p, sizeof p, "SCRIPT_NAME=%s", path);
    snprintf(ct, sizeof ct, "CONTENT_TYPE=%s", ctype ? ctype : "");
    snprintf(cl, sizeof cl, "CONTENT_LENGTH=%zu", body ? strlen(body) : 0);
    /* Without an address given, each request comes from a new one, so the
       rate limit only bites where a test means it to. */
    static int next_host = 1;
    if (addr)
        snprintf(ra, sizeof ra, "REMOTE_ADDR=%s", addr);
    else
        snprintf(ra, sizeof ra, "REMOTE_ADDR=192.0.2.%d", next_host++ % 250 + 1);
    char *env[] = {m, p, ct, cl, ra, "HTTP_HOST=127.0.0.1:8080", NULL};
    body_src src = {body ? body : "", body ? strlen(body) : 0, 0};
    http_limits limits;
    http_limits_default(&limits);
    limits.max_body_bytes = REGISTER_MAX_BODY;
    answer a;
    memset(&a, 0, sizeof a);
    char rid[33];
    capture_stderr_start();
    http_handle_one(env, read_body, &src, &limits, register_http_handle, &app, &a.resp, rid);
    a.log = capture_stderr_stop();
    a.status = a.resp.status;
    char err[256];
    if (a.resp.body.len)
        a.json = json_parse_strict(a.resp.body.data, a.resp.body.len, 16, err, sizeof err);
    return a;
}

static answer post(const char *body, const char *addr)
{
    return request("POST", "/register", "application/json", body, addr);
}

static void expect_error(answer *a, int status, const char *error, const char *desc)
{
    if (a->status != status)
        fail_msg("status %d, expected %d: %s", a->status, status, buf_cstr(&a->resp.body));
    assert_non_null(a->json);
    assert_string_equal(jget_str(a->json, "error"), error);
    if (desc && !strstr(jget_str(a->json, "error_description"), desc))
        fail_msg("error_description '%s', expected '%s'", jget_str(a->json, "error_description"),
                 desc);
    assert_string_equal(header(a, "Cache-Control"), "no-store");
    assert_string_equal(header(a, "Access-Control-Allow-Origin"), "*");
}

static void test_register_created(void **state)
{
    (void)state;
    int64_t before = wall_ms() / 1000;
    answer a = post("{\"client_name\":\"Integration Client\",\"redirect_uris\":[\"http://"
                    "127.0.0.1:49152/callback\",\"https://app.example.com/cb\"],"
                    "\"grant_types\":[\"authorization_code\",\"refresh_token\"],"
                    "\"response_types\":[\"code\"],\"token_endpoint_auth_method\":\"none\","
                    "\"scope\":\"query schemas:read\",\"logo_uri\":\"https://app.example.com/l\"}",
                    NULL);
    if (a.status != 201)
        fail_msg("status %d: %s", a.status, buf_cstr(&a.resp.body));
    assert_string_equal(header(&a, "Content-Type"), "application/json");
    assert_string_equal(header(&a, "Cache-Control"), "no-store");
    assert_string_equal(header(&a, "Pragma"), "no-cache");
    const char *id = jget_str(a.json, "client_id");
    assert_true(dcr_is_client_id(id));
    int64_t at = jget_int(a.json, "client_id_issued_at", 0);
    assert_true(at >= before && at <= wall_ms() / 1000);
    assert_string_equal(jget_str(a.json, "client_name"), "Integration Client");
    assert_string_equal(jget_str(a.json, "token_endpoint_auth_method"), "none");
    assert_string_equal(jget_str(a.json, "scope"), "query schemas:read");
    assert_string_equal(json_compact(jget(a.json, "redirect_uris")),
                        "[\"http://127.0.0.1:49152/callback\",\"https://app.example.com/cb\"]");
    assert_string_equal(json_compact(jget(a.json, "grant_types")),
                        "[\"authorization_code\",\"refresh_token\"]");
    assert_string_equal(json_compact(jget(a.json, "response_types")), "[\"code\"]");
    assert_null(jget(a.json, "client_secret"));
    assert_null(jget(a.json, "logo_uri")); /* not kept, so not registered */
    /* Stored: the registry finds it. */
    client_metadata m;
    char why[256];
    assert_int_equal(dcr_lookup(app.rs, &cfg.oauth, id, &m, why, sizeof why), DCR_OK);
    assert_string_equal(m.client_name, "Integration Client");
    client_metadata_free(&m);
    /* One access line: the outcome and the id, never the body. */
    assert_non_null(strstr(a.log, "access rid="));
    assert_non_null(strstr(a.log, "status=201"));
    assert_non_null(strstr(a.log, "registered client="));
    assert_non_null(strstr(a.log, id));
    assert_null(strstr(a.log, "Integration Client"));
    assert_null(strstr(a.log, "49152"));
    size_t lines = 0;
    for (const char *q = a.log; *q; q++)
        lines += *q == '\n';
    assert_int_equal(lines, 1);
    answer_free(&a);

    /* The default media type parameters are fine; the minimum body too. */
    a = request("POST", "/register", "application/json; charset=utf-8",
                "{\"redirect_uris\":[\"com.example.app:/cb\"]}", NULL);
    assert_int_equal(a.status, 201);
    assert_null(jget(a.json, "client_name"));
    assert_string_equal(json_compact(jget(a.json, "grant_types")),
                        "[\"authorization_code\",\"refresh_token\"]");
    answer_free(&a);
}

static void test_metadata_errors(void **state)
{
    (void)state;
    answer a = post("{\"redirect_uris\":[\"http://app.example.com/callback\"]}", NULL);
    expect_error(&a, 400, "invalid_redirect_uri",
                 "redirect_uris[0]: 'http://app.example.com/callback' uses http on a host other "
                 "than 127.0.0.1, [::1] or localhost");
    assert_non_null(strstr(a.log, "error=invalid_redirect_uri"));
    answer_free(&a);
    a = post("{\"redirect_uris\":[\"https://a.example/cb\"],\"token_endpoint_auth_method\":"
             "\"client_secret_post\"}",
             NULL);
    expect_error(&a, 400, "invalid_client_metadata", "only public clients");
    answer_free(&a);
    a = post("{\"redirect_uris\":[\"https://a.example/cb\"],\"client_name\":\"a\","
             "\"client_name\":\"b\"}",
             NULL);
    expect_error(&a, 400, "invalid_client_metadata", "the member \"client_name\" appears twice");
    answer_free(&a);
    a = post("{\"redirect_uris\":\"https://a.example/cb\"}", NULL);
    expect_error(&a, 400, "invalid_client_metadata", "redirect_uris must be an array");
    answer_free(&a);
    a = post("{\"redirect_uris\":[\"https://a.example/cb\"],\"grant_types\":[\"client_"
             "credentials\"]}",
             NULL);
    expect_error(&a, 400, "invalid_client_metadata", "client_credentials");
    answer_free(&a);
    a = post("{\"redirect_uris\":[\"https://a.example/cb\"]", NULL);
    expect_error(&a, 400, "invalid_client_metadata", "not valid JSON");
    answer_free(&a);
    a = post("", NULL);
    expect_error(&a, 400, "invalid_client_metadata", "not valid JSON");
    answer_free(&a);
    char name[400];
    snprintf(name, sizeof name,
             "{\"redirect_uris\":[\"https://a.example/cb\"],\"client_name\":\"%0200d\"}", 0);
    a = post(name, NULL);
    expect_error(&a, 400, "invalid_client_metadata", "client_name must be 1 to 128 bytes");
    answer_free(&a);
}

static void test_http_rules(void **state)
{
    (void)state;
    /* Over the body cap: 413, refused while read, before the handler. */
    buf_t big = BUF_INIT(64 * 1024);
    buf_puts(&big, "{\"redirect_uris\":[\"https://a.example/cb\"],\"pad\":\"");
    while (big.len < REGISTER_MAX_BODY + 10)
        buf_putc(&big, 'x');
    buf_puts(&big, "\"}");
    answer a = post(buf_cstr(&big), NULL);
    expect_error(&a, 413, "invalid_request", NULL);
    buf_free(&big);
    answer_free(&a);

    a = request("POST", "/register", "application/x-www-form-urlencoded",
                "redirect_uris=https://a.example/cb", NULL);
    expect_error(&a, 415, "invalid_request", "Content-Type: application/json");
    answer_free(&a);
    a = request("POST", "/register", NULL, "{}", NULL);
    expect_error(&a, 415, "invalid_request", NULL);
    answer_free(&a);
    a = request("GET", "/register", NULL, NULL, NULL);
    expect_error(&a, 405, "invalid_request", "POST");
    assert_string_equal(header(&a, "Allow"), "POST, OPTIONS");
    answer_free(&a);
    a = request("PUT", "/register", "application/json", "{}", NULL);
    expect_error(&a, 405, "invalid_request", NULL);
    answer_free(&a);
    a = request("POST", "/register/x", "application/json", "{}", NULL);
    expect_error(&a, 404, "not_found", NULL);
    answer_free(&a);
    a = request("POST", "/registerx", "application/json", "{}", NULL);
    expect_error(&a, 404, "not_found", NULL);
    answer_free(&a);
    a = request("OPTIONS", "/register", NULL, NULL, NULL);
    assert_int_equal(a.status, 204);
    assert_string_equal(header(&a, "Access-Control-Allow-Origin"), "*");
    assert_string_equal(header(&a, "Access-Control-Allow-Methods"), "POST, OPTIONS");
    assert_string_equal(header(&a, "Access-Control-Allow-Headers"), "Content-Type");
    answer_free(&a);
}

static void test_rate_limit(void **state)
{
    (void)state;
    const char *body = "{\"redirect_uris\":[\"https://a.example/cb\"]}";
    for (int i = 0; i < 4; i++) {
        answer a = post(body, "198.51.100.20");
        assert_int_equal(a.status, 201);
        answer_free(&a);
    }
    answer a = post(body, "198.51.100.20");
    expect_error(&a, 429, "temporarily_unavailable", "Too many client registrations");
    int wait = atoi(header(&a, "Retry-After"));
    assert_true(wait > 0 && wait <= 600);
    assert_non_null(strstr(a.log, "error=rate_limited"));
    answer_free(&a);
    /* Invalid requests count too: the limit is on requests, not successes. */
    a = post("{}", "198.51.100.21");
    assert_int_equal(a.status, 400);
    answer_free(&a);
    a = post(body, "198.51.100.21");
    assert_int_equal(a.status, 201);
    answer_free(&a);
}

static void test_redis_down(void **state)
{
    (void)state;
    test_redis_pause(redis);
    answer a = post("{\"redirect_uris\":[\"https://a.example/cb\"]}", NULL);
    expect_error(&a, 503, "temporarily_unavailable", "session store (Redis) cannot be reached");
    assert_string_equal(header(&a, "Retry-After"), "5");
    assert_non_null(strstr(a.log, "error=unavailable"));
    answer_free(&a);
    test_redis_resume(redis);
    a = post("{\"redirect_uris\":[\"https://a.example/cb\"]}", NULL);
    assert_int_equal(a.status, 201);
    answer_free(&a);
}

static void test_auth_none_is_404(void **state)
{
    (void)state;
    config none;
    memset(&none, 0, sizeof none);
    none.auth_none = true;
    register_app off = {.cfg = &none, .rs = app.rs};
    char *env[] = {"REQUEST_METHOD=POST", "SCRIPT_NAME=/register", NULL};
    body_src src = {"", 0, 0};
    http_limits limits;
    http_limits_default(&limits);
    http_response resp;
    char rid[33];
    capture_stderr_start();
    http_handle_one(env, read_body, &src, &limits, register_http_handle, &off, &resp, rid);
    free(capture_stderr_stop());
    assert_int_equal(resp.status, 404);
    assert_non_null(strstr(buf_cstr(&resp.body), "auth = none"));
    http_response_free(&resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_register_created, flush),
        cmocka_unit_test_setup(test_metadata_errors, flush),
        cmocka_unit_test_setup(test_http_rules, flush),
        cmocka_unit_test_setup(test_rate_limit, flush),
        cmocka_unit_test_setup(test_redis_down, flush),
        cmocka_unit_test(test_auth_none_is_404),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

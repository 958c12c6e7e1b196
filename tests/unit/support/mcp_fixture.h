/* Helpers for the MCP and catalog unit tests: a config loaded from text, a
 * scripted fake DynamoDB (on top of fake_http), HTTP requests built from
 * env arrays, and JSON assertions. Everything is static inline so a test
 * that does not use, say, the HTTP helpers does not link the HTTP module.
 * Include after <cmocka.h>. */
#ifndef DDBSQL_TEST_MCP_FIXTURE_H
#define DDBSQL_TEST_MCP_FIXTURE_H

#include "fake_http.h"

#include "core/base/alloc.h"
#include "core/base/buf.h"
#include "core/base/json_util.h"
#include "core/base/timeutil.h"
#include "core/conf/config.h"
#include "core/http/request.h"
#include "core/http/response.h"
#include "core/mcp/mcp.h"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- config ---------------------------------------------------------------- */

/* Writes the text to a temp file, loads it and removes the file. Fails the
 * test (printing config_load's message) when the config is invalid. */
static inline void fx_config_load(config *cfg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline void fx_config_load(config *cfg, const char *fmt, ...)
{
    buf_t text = BUF_INIT(1 << 20);
    va_list ap;
    va_start(ap, fmt);
    assert_true(buf_vprintf(&text, fmt, ap));
    va_end(ap);
    char path[] = "/tmp/ddbsql-unit-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text.data, text.len), (ssize_t)text.len);
    close(fd);
    char err[1024] = "";
    bool ok = config_load(path, cfg, err, sizeof err);
    unlink(path);
    if (!ok)
        fprintf(stderr, "config_load failed: %s\n--- config ---\n%s\n", err, buf_cstr(&text));
    buf_free(&text);
    assert_true(ok);
}

/* The global part every test config shares: auth none on loopback, extra
 * global keys, and a Redis port (%d) nothing listens on unless the test
 * starts a server there. DynamoDB calls get one attempt each, so an
 * unexpected request fails fast instead of being retried. */
#define FX_GLOBAL_CONF(extra)                                                                      \
    "public_url = http://127.0.0.1:8080\n"                                                         \
    "auth = none\n" extra "[redis]\n"                                                              \
    "port = %d\n"                                                                                  \
    "connect_timeout_ms = 200\n"                                                                   \
    "command_timeout_ms = 500\n"                                                                   \
    "[dynamodb]\n"                                                                                 \
    "max_attempts = 1\n"                                                                           \
    "connect_timeout_ms = 1000\n"                                                                  \
    "request_timeout_ms = 5000\n"                                                                  \
    "retry_budget_ms = 5000\n"

/* A schema section with static dummy keys (the fake never checks them). */
#define FX_SCHEMA_CONF(name, extra)                                                                \
    "[schema " name "]\n"                                                                          \
    "region = us-east-1\n"                                                                         \
    "credentials = static\n"                                                                       \
    "access_key_id = AKIDUNITTEST00000000\n"                                                       \
    "secret_access_key = unittestsecretunittestsecretunittest0000\n" extra

/* ---- fake DynamoDB ---------------------------------------------------------- */

#define FX_DDB_CT "application/x-amz-json-1.0"

static inline void fx_ddb_ok(fake_http *f, const char *body)
{
    fake_http_push_simple(f, 200, FX_DDB_CT, body);
}

/* An AWS JSON-protocol error answer. */
static inline void fx_ddb_error(fake_http *f, int status, const char *type, const char *message)
{
    char body[1024];
    snprintf(body, sizeof body,
             "{\"__type\":\"com.amazonaws.dynamodb.v20120810#%s\",\"message\":\"%s\"}", type,
             message);
    fake_http_push_simple(f, status, FX_DDB_CT, body);
}

static inline void fx_ddb_not_found(fake_http *f)
{
    fx_ddb_error(f, 400, "ResourceNotFoundException", "Requested resource not found");
}

/* DescribeTable's answer for a table keyed by pk (S), optionally sk (N). */
static inline void fx_ddb_describe(fake_http *f, const char *table, long long items, bool sort)
{
    char body[2048];
    snprintf(body, sizeof body,
             "{\"Table\":{\"TableName\":\"%s\",\"TableStatus\":\"ACTIVE\",\"ItemCount\":%lld,"
             "\"TableSizeBytes\":%lld,"
             "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}%s],"
             "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}%s],"
             "\"BillingModeSummary\":{\"BillingMode\":\"PAY_PER_REQUEST\"},"
             "\"TableArn\":\"arn:aws:dynamodb:us-east-1:000000000000:table/%s\"}}",
             table, items, items * 100,
             sort ? ",{\"AttributeName\":\"sk\",\"AttributeType\":\"N\"}" : "",
             sort ? ",{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}" : "", table);
    fx_ddb_ok(f, body);
}

/* The operation of a recorded request ("DescribeTable"), from X-Amz-Target. */
static inline const char *fx_ddb_op(fake_http *f, size_t i)
{
    const fake_http_req *r = fake_http_request(f, i);
    assert_non_null(r);
    const char *target = fake_http_header_get(r, "X-Amz-Target");
    assert_non_null(target);
    const char *dot = strchr(target, '.');
    return dot ? dot + 1 : target;
}

/* The JSON body of a recorded request (caller puts). */
static inline json_object *fx_ddb_body(fake_http *f, size_t i)
{
    const fake_http_req *r = fake_http_request(f, i);
    assert_non_null(r);
    char err[160];
    json_object *o = json_parse_strict(r->body, r->body_len, 64, err, sizeof err);
    assert_non_null(o);
    return o;
}

/* Asserts request i is op on table (TableName in its body). */
static inline void fx_assert_ddb_req(fake_http *f, size_t i, const char *op, const char *table)
{
    assert_string_equal(fx_ddb_op(f, i), op);
    if (table) {
        json_object *b = fx_ddb_body(f, i);
        const char *t = jget_str(b, "TableName");
        assert_non_null(t);
        assert_string_equal(t, table);
        json_object_put(b);
    }
}

/* ---- JSON ------------------------------------------------------------------- */

static inline json_object *fx_json(const char *text)
{
    char err[160];
    json_object *o = json_parse_strict(text, strlen(text), 64, err, sizeof err);
    if (!o)
        fprintf(stderr, "bad test JSON (%s): %s\n", err, text);
    assert_non_null(o);
    return o;
}

/* Follows a path like "result.tools.0.name" (numbers index arrays). */
static inline json_object *fx_path(json_object *o, const char *path)
{
    char seg[128];
    const char *p = path;
    while (o && *p) {
        size_t n = strcspn(p, ".");
        assert_true(n < sizeof seg);
        memcpy(seg, p, n);
        seg[n] = '\0';
        p += n + (p[n] == '.');
        if (json_object_is_type(o, json_type_array)) {
            char *end;
            long i = strtol(seg, &end, 10);
            o = *end || i < 0 ? NULL : json_object_array_get_idx(o, (size_t)i);
        } else {
            o = jget(o, seg);
        }
    }
    return o;
}

static inline const char *fx_str(json_object *o, const char *path)
{
    json_object *v = fx_path(o, path);
    if (!v || !json_object_is_type(v, json_type_string)) {
        fprintf(stderr, "no string at %s in %s\n", path, o ? json_compact(o) : "(null)");
        fail();
    }
    return json_object_get_string(v);
}

static inline int64_t fx_int(json_object *o, const char *path)
{
    json_object *v = fx_path(o, path);
    if (!v || !json_object_is_type(v, json_type_int)) {
        fprintf(stderr, "no integer at %s in %s\n", path, o ? json_compact(o) : "(null)");
        fail();
    }
    return json_object_get_int64(v);
}

static inline bool fx_bool(json_object *o, const char *path)
{
    json_object *v = fx_path(o, path);
    if (!v || !json_object_is_type(v, json_type_boolean)) {
        fprintf(stderr, "no boolean at %s in %s\n", path, o ? json_compact(o) : "(null)");
        fail();
    }
    return json_object_get_boolean(v);
}

static inline size_t fx_len(json_object *o, const char *path)
{
    json_object *v = fx_path(o, path);
    if (!v || !json_object_is_type(v, json_type_array)) {
        fprintf(stderr, "no array at %s in %s\n", path, o ? json_compact(o) : "(null)");
        fail();
    }
    return json_object_array_length(v);
}

/* Asserts that haystack contains needle, printing both when it does not. */
#define fx_assert_contains(haystack, needle)                                                       \
    do {                                                                                           \
        const char *h_ = (haystack), *n_ = (needle);                                               \
        if (!h_ || !strstr(h_, n_)) {                                                              \
            fprintf(stderr, "expected to find \"%s\" in \"%s\"\n", n_, h_ ? h_ : "(null)");        \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

#define fx_assert_not_contains(haystack, needle)                                                   \
    do {                                                                                           \
        const char *h_ = (haystack), *n_ = (needle);                                               \
        if (h_ && strstr(h_, n_)) {                                                                \
            fprintf(stderr, "did not expect \"%s\" in \"%s\"\n", n_, h_);                          \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

/* Asserts that an object has exactly these keys (NULL-terminated list). */
static inline void fx_assert_keys(json_object *o, const char *const *keys)
{
    assert_non_null(o);
    assert_true(json_object_is_type(o, json_type_object));
    size_t n = 0;
    for (; keys[n]; n++) {
        if (!jget(o, keys[n])) {
            fprintf(stderr, "missing key %s in %s\n", keys[n], json_compact(o));
            fail();
        }
    }
    if ((size_t)json_object_object_length(o) != n) {
        fprintf(stderr, "unexpected keys in %s\n", json_compact(o));
        fail();
    }
}

/* ---- a real redis-server ------------------------------------------------------ */

static inline bool fx_redis_ping(int port)
{
    struct timeval tv = {0, 200 * 1000};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
    bool ok = false;
    if (c && !c->err) {
        redisReply *r = redisCommand(c, "PING");
        ok = r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0;
        if (r)
            freeReplyObject(r);
    }
    if (c)
        redisFree(c);
    return ok;
}

/* Starts redis-server (no persistence) on a free loopback port and waits
 * until it answers PING. Tests run in parallel, so a port found free may
 * be taken by the time Redis binds it: then it tries another. */
static inline void fx_redis_start(pid_t *pid, int *port)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        *port = fake_http_free_port();
        char portstr[16];
        snprintf(portstr, sizeof portstr, "%d", *port);
        *pid = fork();
        assert_true(*pid >= 0);
        if (*pid == 0) {
            int null = open("/dev/null", O_RDWR);
            dup2(null, 1);
            dup2(null, 2);
            execlp("redis-server", "redis-server", "--port", portstr, "--bind", "127.0.0.1",
                   "--save", "", "--appendonly", "no", "--daemonize", "no", (char *)NULL);
            _exit(127);
        }
        bool exited = false;
        for (int i = 0; i < 200 && !fx_redis_ping(*port); i++) {
            int st;
            if (waitpid(*pid, &st, WNOHANG) == *pid) {
                fprintf(stderr, "redis-server on port %d exited (status %d)\n", *port, st);
                exited = true;
                break;
            }
            sleep_ms(25);
        }
        if (!exited && fx_redis_ping(*port))
            return;
        if (!exited) {
            kill(*pid, SIGKILL);
            waitpid(*pid, NULL, 0);
        }
        *pid = 0;
    }
    fprintf(stderr, "could not start redis-server\n");
    fail();
}

static inline void fx_redis_stop(pid_t *pid)
{
    if (*pid > 0) {
        kill(*pid, SIGTERM);
        waitpid(*pid, NULL, 0);
        *pid = 0;
    }
}

/* ---- HTTP ------------------------------------------------------------------- */

typedef struct fx_body {
    const char *p;
    size_t len, off;
} fx_body;

static inline ssize_t fx_body_read(void *ctx, char *dst, size_t n)
{
    fx_body *b = ctx;
    size_t left = b->len - b->off;
    if (n > left)
        n = left;
    memcpy(dst, b->p + b->off, n);
    b->off += n;
    return (ssize_t)n;
}

/* Builds a request from "NAME=value" params (NULL-terminated) and a body;
 * CONTENT_LENGTH is added when a body is given. */
static inline void fx_request(http_request *req, const char *const *params, const char *body)
{
    char *env[64];
    size_t n = 0;
    for (; params[n]; n++) {
        assert_true(n < 60);
        env[n] = xstrdup(params[n]);
    }
    char cl[48];
    if (body) {
        snprintf(cl, sizeof cl, "CONTENT_LENGTH=%zu", strlen(body));
        env[n++] = xstrdup(cl);
    }
    env[n] = NULL;
    fx_body b = {body ? body : "", body ? strlen(body) : 0, 0};
    http_limits limits;
    http_limits_default(&limits);
    char err[256] = "";
    int rc = http_request_init(req, env, fx_body_read, &b, &limits, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "http_request_init: %d %s\n", rc, err);
    assert_int_equal(rc, 0);
    for (size_t i = 0; i < n; i++)
        free(env[i]);
}

/* A response header's value ("" when absent) copied into out. */
static inline bool fx_resp_header(const http_response *r, const char *name, char *out,
                                  size_t outlen)
{
    const char *p = buf_cstr(&r->headers);
    size_t nlen = strlen(name);
    while (*p) {
        const char *eol = strstr(p, "\r\n");
        size_t linelen = eol ? (size_t)(eol - p) : strlen(p);
        if (linelen > nlen && strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
            const char *v = p + nlen + 1;
            while (*v == ' ')
                v++;
            snprintf(out, outlen, "%.*s", (int)(linelen - (size_t)(v - p)), v);
            return true;
        }
        if (!eol)
            break;
        p = eol + 2;
    }
    if (outlen)
        out[0] = '\0';
    return false;
}

/* ---- an MCP server over a fake DynamoDB --------------------------------------- */

/* Schemas: demo (the default; tables = demo_tables), dev (tables = *) and
 * prod (tables = alpha_table beta_table), all served by one fake DynamoDB.
 * The app has no Redis: the catalog caches in memory. */
typedef struct fx_mcp {
    fake_http *f;
    config cfg;
    mcp_app app;
} fx_mcp;

static inline void fx_mcp_open(fx_mcp *m, const char *demo_tables)
{
    memset(m, 0, sizeof *m);
    m->f = fake_http_start();
    fx_config_load(&m->cfg,
                   FX_GLOBAL_CONF("sample_size = 5\n")
                       FX_SCHEMA_CONF("demo", "default = true\nendpoint = %s\ntables = %s\n")
                           FX_SCHEMA_CONF("dev", "endpoint = %s\n")
                               FX_SCHEMA_CONF("prod", "endpoint = %s\ntables = alpha_table, "
                                                      "beta_table\n"),
                   fake_http_free_port(), fake_http_url(m->f), demo_tables, fake_http_url(m->f),
                   fake_http_url(m->f));
    m->app.cfg = &m->cfg;
    m->app.cat = catalog_new(&m->cfg, NULL);
}

static inline void fx_mcp_close(fx_mcp *m)
{
    if (!m->f)
        return;
    catalog_free(m->app.cat);
    config_free(&m->cfg);
    fake_http_stop(m->f);
    memset(m, 0, sizeof *m);
}

/* Runs one HTTP request through mcp_http_handle. params are CGI params;
 * resp must be freed by the caller. Returns the parsed JSON body (caller
 * puts), or NULL when the body is empty. */
static inline json_object *fx_handle(mcp_app *app, const char *const *params, const char *body,
                                     http_response *resp)
{
    http_request req;
    fx_request(&req, params, body);
    http_response_init(resp);
    mcp_http_handle(app, &req, resp);
    http_request_free(&req);
    if (resp->body.len == 0)
        return NULL;
    char err[160];
    json_object *doc = json_parse_strict(resp->body.data, resp->body.len, 64, err, sizeof err);
    if (!doc)
        fprintf(stderr, "response body is not JSON (%s): %s\n", err, buf_cstr(&resp->body));
    assert_non_null(doc);
    return doc;
}

/* A well-formed MCP POST: headers a real client sends, an optional
 * MCP-Protocol-Version, and the body. */
static inline json_object *fx_post(mcp_app *app, const char *version, const char *body,
                                   http_response *resp)
{
    char vh[96];
    snprintf(vh, sizeof vh, "HTTP_MCP_PROTOCOL_VERSION=%s", version ? version : "");
    const char *params[] = {"REQUEST_METHOD=POST",
                            "SCRIPT_NAME=/mcp",
                            "SERVER_PROTOCOL=HTTP/1.1",
                            "CONTENT_TYPE=application/json",
                            "HTTP_ACCEPT=application/json, text/event-stream",
                            "HTTP_HOST=127.0.0.1:8080",
                            version ? vh : NULL,
                            NULL};
    return fx_handle(app, params, body, resp);
}

/* Calls method with params (JSON text or NULL) as request id 1 under the
 * given protocol version; expects HTTP 200 and returns the whole
 * JSON-RPC response (caller puts). */
static inline json_object *fx_rpc(mcp_app *app, const char *version, const char *method,
                                  const char *params)
{
    buf_t body = BUF_INIT(1 << 20);
    buf_printf(&body, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\"", method);
    if (params)
        buf_printf(&body, ",\"params\":%s", params);
    buf_puts(&body, "}");
    http_response resp;
    json_object *doc = fx_post(app, version, buf_cstr(&body), &resp);
    if (resp.status != 200)
        fprintf(stderr, "%s: HTTP %d %s\n", buf_cstr(&body), resp.status, buf_cstr(&resp.body));
    assert_int_equal(resp.status, 200);
    assert_non_null(doc);
    assert_int_equal(fx_int(doc, "id"), 1);
    http_response_free(&resp);
    buf_free(&body);
    return doc;
}

/* fx_rpc that expects a result; returns it (a new reference). */
static inline json_object *fx_rpc_ok(mcp_app *app, const char *version, const char *method,
                                     const char *params)
{
    json_object *doc = fx_rpc(app, version, method, params);
    json_object *result = jget(doc, "result");
    if (!result)
        fprintf(stderr, "%s failed: %s\n", method, json_compact(doc));
    assert_non_null(result);
    json_object_get(result);
    json_object_put(doc);
    return result;
}

/* fx_rpc that expects a JSON-RPC error with this code and message
 * fragment; returns the error object (a new reference). */
static inline json_object *fx_rpc_err(mcp_app *app, const char *version, const char *method,
                                      const char *params, int code, const char *fragment)
{
    json_object *doc = fx_rpc(app, version, method, params);
    json_object *e = jget_obj(doc, "error");
    if (!e || jget_int(e, "code", 0) != code || !jget_str(e, "message") ||
        !strstr(jget_str(e, "message"), fragment)) {
        fprintf(stderr, "%s %s\n  got  %s\n  want error %d \"...%s...\"\n", method,
                params ? params : "", json_compact(doc), code, fragment);
        fail();
    }
    assert_null(jget(doc, "result"));
    json_object_get(e);
    json_object_put(doc);
    return e;
}

/* mcp_dispatch with explicit scopes and version (no HTTP rules). */
static inline json_object *fx_dispatch(mcp_app *app, const char *version, unsigned scopes,
                                       const char *method, const char *params, rpc_error *err)
{
    static const char *const env[] = {"REQUEST_METHOD=POST", "SCRIPT_NAME=/mcp", NULL};
    http_request req;
    fx_request(&req, env, NULL);
    mcp_call call = {.app = app, .req = &req, .protocol_version = version, .scopes = scopes};
    json_object *p = params ? fx_json(params) : NULL;
    memset(err, 0, sizeof *err);
    json_object *r = mcp_dispatch(&call, method, p, err);
    json_object_put(p);
    http_request_free(&req);
    return r;
}

/* The text of a tools/call result's single content block. */
static inline const char *fx_tool_text(json_object *result)
{
    assert_int_equal(fx_len(result, "content"), 1);
    assert_string_equal(fx_str(result, "content.0.type"), "text");
    return fx_str(result, "content.0.text");
}

#endif

/* oauth/authorize_endpoint: /authorize through http_handle_one (the path
 * a FastCGI request takes) on a real redis-server, with real codes
 * (oauth/auth_code.h): the sign-in page and its cookie, sign-in (right,
 * wrong, unknown and disabled users, the rate limit), consent on every
 * authorization (approve, deny, used once), CSRF (missing, wrong, another
 * form's, another browser's), error pages that never redirect, error
 * redirects with state and iss, scopes narrowed by client and user,
 * REMOTE_USER, prompt=none, Redis down and back, the security headers and
 * the access log line (never a password, code, cookie or token). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oauth/auth_code.h"
#include "oauth/authorize_endpoint.h"
#include "oauth/dcr.h"
#include "oauth/password.h"

#include "tests/unit/support/capture_stderr.h"
#include "tests/unit/support/redis_server.h"

#include "core/base/alloc.h"
#include "core/base/buf.h"
#include "core/base/log.h"
#include "core/base/timeutil.h"
#include "core/http/fcgi_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
#define ISS_ENC   "iss=http%3A%2F%2F127.0.0.1%3A8080"
#define PASSWORD  "correct horse battery"

static test_redis *redis;
static config cfg;
static redis_store *rs;
static client_registry *reg;
static authorize_app app;
static char keyfile[64];

/* ---- set-up ------------------------------------------------------------------- */

static void load_config(void)
{
    char err[1024];
    password_params fast = {PASSWORD_LN_MIN, 8, 1};
    char *hash = password_hash(PASSWORD, strlen(PASSWORD), &fast, err, sizeof err);
    assert_non_null(hash);
    char path[] = "/tmp/ddbsql-authorize-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    buf_t b = BUF_INIT(1 << 16);
    buf_printf(&b,
               "public_url = http://127.0.0.1:8080\nauth = oauth\n"
               "[redis]\nport = %d\nconnect_timeout_ms = 300\n"
               "[schema demo]\nregion = us-east-1\nendpoint = http://127.0.0.1:4567\n"
               "[oauth]\nlogin_max_attempts_per_user = 3\nlogin_max_attempts_per_ip = 1000\n"
               "[signing_key k1]\npath = %s\n"
               "[user alice]\npassword_hash = %s\n"
               "[user bob]\npassword_hash = %s\nscopes = query\n"
               "[user carol]\npassword_hash = %s\ndisabled = true\n"
               "[client app]\nname = Test App\nredirect_uris = https://app.example.com/cb\n"
               "[client narrow]\nname = Narrow\nredirect_uris = https://narrow.example.com/cb\n"
               "scopes = query\n",
               test_redis_port(redis), keyfile, hash, hash, hash);
    free(hash);
    assert_int_equal(write(fd, b.data, b.len), (ssize_t)b.len);
    close(fd);
    buf_free(&b);
    bool ok = config_load(path, &cfg, err, sizeof err);
    unlink(path);
    if (!ok)
        fail_msg("config: %s", err);
}

static int group_setup(void **state)
{
    (void)state;
    log_init("authorize");
    redis = test_redis_start();
    snprintf(keyfile, sizeof keyfile, "/tmp/ddbsql-authorize-key-XXXXXX");
    int fd = mkstemp(keyfile);
    assert_true(fd >= 0);
    close(fd);
    load_config();
    rs = redis_store_new(&cfg.redis);
    reg = client_registry_new(&cfg, rs);
    char err[256];
    assert_true(authorize_app_init(&app, &cfg, rs, reg, auth_code_issue, err, sizeof err));
    http_set_refusal_formatter(authorize_http_refusal);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    authorize_app_free(&app);
    client_registry_free(reg);
    redis_store_free(rs);
    config_free(&cfg);
    unlink(keyfile);
    test_redis_stop(redis);
    return 0;
}

static int flush(void **state)
{
    (void)state;
    char err[256];
    redisReply *r = redis_store_cmdf(rs, true, err, sizeof err, "FLUSHALL");
    assert_non_null(r);
    freeReplyObject(r);
    return 0;
}

/* ---- requests --------------------------------------------------------------------- */

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
    http_response resp;
    char *log;
    const char *body;
} answer;

static void answer_free(answer *a)
{
    http_response_free(&a->resp);
    free(a->log);
    memset(a, 0, sizeof *a);
}

/* A response header's value (the first), or NULL. */
static const char *header(const answer *a, const char *name)
{
    static char v[4096];
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

/* A browser: its cookie and its address. */
typedef struct browser {
    char cookie[128]; /* "ddbsql_login=<id>" or "" */
    char addr[64];
} browser;

static void take_cookie(browser *b, const answer *a)
{
    const char *sc = header(a, "Set-Cookie");
    if (!sc)
        return;
    size_t n = strcspn(sc, ";");
    snprintf(b->cookie, sizeof b->cookie, "%.*s", (int)n, sc);
}

typedef struct extra_env {
    const char *remote_user;
    const char *path;
    const char *method;
    const char *ctype;
} extra_env;

static answer request(browser *b, const char *method, const char *query, const char *body,
                      const extra_env *x)
{
    char m[64], p[256], q[16384], ct[128], cl[64], ra[96], ck[200], ru[300];
    snprintf(m, sizeof m, "REQUEST_METHOD=%s", x && x->method ? x->method : method);
    snprintf(p, sizeof p, "SCRIPT_NAME=%s", x && x->path ? x->path : "/authorize");
    snprintf(q, sizeof q, "QUERY_STRING=%s", query ? query : "");
    snprintf(ct, sizeof ct, "CONTENT_TYPE=%s",
             x && x->ctype ? x->ctype
             : body        ? "application/x-www-form-urlencoded"
                           : "");
    snprintf(cl, sizeof cl, "CONTENT_LENGTH=%zu", body ? strlen(body) : 0);
    snprintf(ra, sizeof ra, "REMOTE_ADDR=%s", b && b->addr[0] ? b->addr : "192.0.2.1");
    snprintf(ck, sizeof ck, "HTTP_COOKIE=%s", b ? b->cookie : "");
    snprintf(ru, sizeof ru, "REMOTE_USER=%s", x && x->remote_user ? x->remote_user : "");
    char *env[] = {m, p, q, ct, cl, ra, "HTTP_HOST=127.0.0.1:8080", NULL, NULL, NULL};
    int e = 7;
    if (b && b->cookie[0])
        env[e++] = ck;
    if (x && x->remote_user)
        env[e++] = ru;
    body_src src = {body ? body : "", body ? strlen(body) : 0, 0};
    http_limits limits;
    http_limits_default(&limits);
    limits.max_body_bytes = AUTHORIZE_MAX_BODY;
    answer a;
    memset(&a, 0, sizeof a);
    char rid[33];
    capture_stderr_start();
    http_handle_one(env, read_body, &src, &limits, authorize_http_handle, &app, &a.resp, rid);
    a.log = capture_stderr_stop();
    a.status = a.resp.status;
    a.body = buf_cstr(&a.resp.body);
    if (b)
        take_cookie(b, &a);
    return a;
}

static answer get(browser *b, const char *query)
{
    return request(b, "GET", query, NULL, NULL);
}

static answer post(browser *b, const char *body)
{
    return request(b, "POST", NULL, body, NULL);
}

/* The value of a hidden field of the page. */
static void hidden(const answer *a, const char *name, char *out, size_t outlen)
{
    char pat[64];
    snprintf(pat, sizeof pat, "name=\"%s\" value=\"", name);
    const char *p = strstr(a->body, pat);
    if (!p)
        fail_msg("no hidden field %s in the page: %s", name, a->body);
    p += strlen(pat);
    size_t n = strcspn(p, "\"");
    snprintf(out, outlen, "%.*s", (int)n, p);
}

typedef struct form {
    char request[64];
    char csrf[64];
} form;

static form form_of(const answer *a)
{
    form f;
    hidden(a, "request", f.request, sizeof f.request);
    hidden(a, "csrf", f.csrf, sizeof f.csrf);
    return f;
}

static answer login(browser *b, const form *f, const char *user, const char *pw)
{
    char body[512];
    snprintf(body, sizeof body, "step=login&request=%s&csrf=%s&username=%s&password=%s", f->request,
             f->csrf, user, pw);
    return post(b, body);
}

static answer decide(browser *b, const form *f, const char *decision)
{
    char body[512];
    snprintf(body, sizeof body, "step=consent&request=%s&csrf=%s&decision=%s", f->request, f->csrf,
             decision);
    return post(b, body);
}

#define APP_RURI "https%3A%2F%2Fapp.example.com%2Fcb"

static char *authz_query(const char *client, const char *ruri, const char *extra)
{
    buf_t b = BUF_INIT(1 << 16);
    buf_printf(&b,
               "response_type=code&client_id=%s&redirect_uri=%s&state=xyz&code_challenge=" CHALLENGE
               "&code_challenge_method=S256%s%s",
               client, ruri, extra ? "&" : "", extra ? extra : "");
    return buf_steal(&b);
}

static void expect_status(const answer *a, int status)
{
    if (a->status != status)
        fail_msg("status %d, expected %d: %s\nheaders:\n%s\nlog:\n%s", a->status, status, a->body,
                 buf_cstr(&a->resp.headers), a->log);
}

static void expect_security_headers(const answer *a)
{
    const char *csp = header(a, "Content-Security-Policy");
    assert_non_null(csp);
    assert_non_null(strstr(csp, "frame-ancestors 'none'"));
    assert_non_null(strstr(csp, "default-src 'none'"));
    assert_string_equal(header(a, "X-Frame-Options"), "DENY");
    assert_string_equal(header(a, "Cache-Control"), "no-store");
    assert_string_equal(header(a, "Referrer-Policy"), "no-referrer");
    assert_string_equal(header(a, "X-Content-Type-Options"), "nosniff");
}

static void expect_in(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("'%s' not found in:\n%s", needle, hay);
}

static void expect_not_in(const char *hay, const char *needle)
{
    if (needle && *needle && strstr(hay, needle))
        fail_msg("'%s' must not appear in:\n%s", needle, hay);
}

/* The login page for app, then a signed-in consent page. */
static answer start(browser *b, const char *client, const char *ruri, const char *extra)
{
    char *q = authz_query(client, ruri, extra);
    answer a = get(b, q);
    free(q);
    return a;
}

static answer signed_in_consent(browser *b, const char *user, const char *client, const char *ruri,
                                const char *extra)
{
    answer a = start(b, client, ruri, extra);
    expect_status(&a, 200);
    form f = form_of(&a);
    answer_free(&a);
    a = login(b, &f, user, "correct+horse+battery");
    return a;
}

/* The code of a success redirect: consumed, so the grant can be checked. */
static void consume_code(const char *location, auth_code_grant *g)
{
    const char *c = strstr(location, "code=");
    assert_non_null(c);
    char code[AUTH_CODE_LEN + 1];
    snprintf(code, sizeof code, "%.*s", AUTH_CODE_LEN, c + 5);
    char err[256];
    assert_int_equal(auth_code_consume(rs, code, g, err, sizeof err), AUTH_CODE_OK);
}

/* ---- the sign-in page ------------------------------------------------------------ */

static void test_login_page_and_cookie(void **state)
{
    (void)state;
    browser b = {0};
    answer a = start(&b, "app", APP_RURI, "scope=query");
    expect_status(&a, 200);
    expect_security_headers(&a);
    assert_string_equal(header(&a, "Content-Type"), "text/html; charset=utf-8");
    assert_null(header(&a, "Location"));
    const char *sc = header(&a, "Set-Cookie");
    assert_non_null(sc);
    assert_true(strncmp(sc, "ddbsql_login=", 13) == 0);
    expect_in(sc, "; Path=/authorize");
    expect_in(sc, "; HttpOnly");
    expect_in(sc, "; SameSite=Lax");
    expect_in(sc, "Max-Age=900");
    expect_in(a.body, "Sign in to ddbsql");
    expect_in(a.body, "Test App");
    expect_in(a.body, "action=\"/authorize\"");
    expect_in(a.body, "name=\"step\" value=\"login\"");
    form f = form_of(&a);
    assert_int_equal(strlen(f.request), 43);
    assert_int_equal(strlen(f.csrf), 43);
    /* The request's parameters are not in the page (only the opaque id). */
    expect_not_in(a.body, CHALLENGE);
    expect_not_in(a.body, "xyz");
    expect_in(a.log, "outcome=login_shown client=app");
    answer_free(&a);

    /* A second request from the same browser keeps its pre-login session. */
    char before[128];
    snprintf(before, sizeof before, "%s", b.cookie);
    a = start(&b, "app", APP_RURI, NULL);
    expect_status(&a, 200);
    assert_null(header(&a, "Set-Cookie"));
    assert_string_equal(b.cookie, before);
    answer_free(&a);
}

/* ---- the whole flow -------------------------------------------------------------- */

static void test_sign_in_consent_approve(void **state)
{
    (void)state;
    browser b = {0};
    int64_t t0 = wall_ms() / 1000;
    answer a = start(&b, "app", APP_RURI, "resource=http%3A%2F%2F127.0.0.1%3A8080%2Fmcp");
    expect_status(&a, 200);
    form lf = form_of(&a);
    char prelogin[128];
    snprintf(prelogin, sizeof prelogin, "%s", b.cookie);
    answer_free(&a);

    a = login(&b, &lf, "alice", "correct+horse+battery");
    expect_status(&a, 200);
    expect_security_headers(&a);
    /* A new session (session fixation): a new cookie. */
    assert_non_null(header(&a, "Set-Cookie"));
    assert_string_not_equal(b.cookie, prelogin);
    expect_in(header(&a, "Set-Cookie"), "Max-Age=3600");
    expect_in(a.body, "Allow access to ddbsql?");
    expect_in(a.body, "<strong>Test App</strong> wants to use ddbsql as <strong>alice</strong>");
    expect_in(a.body, "registered by your administrator");
    expect_in(a.body, "https://app.example.com</strong>");
    expect_in(a.body, "Run read-only SQL queries");
    expect_in(a.body, "See which tables there are");
    expect_in(a.body, "name=\"step\" value=\"consent\"");
    expect_in(a.log, "outcome=login_ok_consent_shown client=app");
    expect_in(a.log, "principal=alice");
    expect_not_in(a.log, "correct");
    form cf = form_of(&a);
    assert_string_equal(cf.request, lf.request);
    assert_string_not_equal(cf.csrf, lf.csrf);
    answer_free(&a);

    a = decide(&b, &cf, "approve");
    expect_status(&a, 302);
    expect_security_headers(&a);
    const char *loc = header(&a, "Location");
    assert_non_null(loc);
    assert_true(strncmp(loc, "https://app.example.com/cb?code=", 32) == 0);
    expect_in(loc, "&state=xyz&" ISS_ENC);
    assert_int_equal(strlen(loc), strlen("https://app.example.com/cb?code=") + AUTH_CODE_LEN +
                                      strlen("&state=xyz&" ISS_ENC));
    expect_in(a.log, "outcome=code_issued client=app");
    expect_in(a.log, "principal=alice");
    /* Neither the code, the cookie nor a token is logged. */
    char code[AUTH_CODE_LEN + 1];
    snprintf(code, sizeof code, "%.*s", AUTH_CODE_LEN, loc + 32);
    expect_not_in(a.log, code);
    expect_not_in(a.log, strchr(b.cookie, '=') + 1);
    expect_not_in(a.log, cf.csrf);
    expect_not_in(a.log, cf.request);
    auth_code_grant g;
    consume_code(loc, &g);
    assert_string_equal(g.client_id, "app");
    assert_string_equal(g.redirect_uri, "https://app.example.com/cb");
    assert_string_equal(g.code_challenge, CHALLENGE);
    assert_string_equal(g.scope, "query schemas:read");
    assert_string_equal(g.resource, "http://127.0.0.1:8080/mcp");
    assert_string_equal(g.user, "alice");
    assert_true(g.auth_time >= t0 && g.auth_time <= wall_ms() / 1000);
    auth_code_grant_free(&g);
    answer_free(&a);

    /* Used once: the same form again issues nothing. */
    a = decide(&b, &cf, "approve");
    expect_status(&a, 400);
    assert_null(header(&a, "Location"));
    expect_in(a.body, "already");
    answer_free(&a);

    /* The pre-login cookie is worthless now. */
    browser old = {0};
    snprintf(old.cookie, sizeof old.cookie, "%s", prelogin);
    a = decide(&old, &cf, "approve");
    expect_status(&a, 400);
    expect_in(a.log, "outcome=no_session");
    answer_free(&a);
}

static void test_signed_in_browser_is_asked_again(void **state)
{
    (void)state;
    browser b = {0};
    answer a = signed_in_consent(&b, "alice", "app", APP_RURI, NULL);
    expect_status(&a, 200);
    form f = form_of(&a);
    answer_free(&a);
    a = decide(&b, &f, "approve");
    expect_status(&a, 302);
    answer_free(&a);
    /* A new authorization: no password, but consent again. */
    a = start(&b, "app", APP_RURI, "scope=schemas%3Aread");
    expect_status(&a, 200);
    expect_in(a.body, "Allow access to ddbsql?");
    expect_not_in(a.body, "Run read-only SQL queries");
    assert_null(header(&a, "Set-Cookie"));
    expect_in(a.log, "outcome=consent_shown");
    f = form_of(&a);
    answer_free(&a);
    a = decide(&b, &f, "approve");
    expect_status(&a, 302);
    auth_code_grant g;
    consume_code(header(&a, "Location"), &g);
    assert_string_equal(g.scope, "schemas:read");
    auth_code_grant_free(&g);
    answer_free(&a);
    /* prompt=login asks for the password again. */
    a = start(&b, "app", APP_RURI, "prompt=login");
    expect_status(&a, 200);
    expect_in(a.body, "Sign in to ddbsql");
    answer_free(&a);
}

static void test_deny(void **state)
{
    (void)state;
    browser b = {0};
    answer a = signed_in_consent(&b, "alice", "app", APP_RURI, NULL);
    form f = form_of(&a);
    answer_free(&a);
    a = decide(&b, &f, "deny");
    expect_status(&a, 302);
    expect_security_headers(&a);
    assert_string_equal(
        header(&a, "Location"),
        "https://app.example.com/cb?error=access_denied&error_description=The%20user"
        "%20denied%20the%20request&state=xyz&" ISS_ENC);
    expect_in(a.log, "outcome=denied");
    answer_free(&a);
    /* The request is used up by the answer. */
    a = decide(&b, &f, "approve");
    expect_status(&a, 400);
    answer_free(&a);
    /* Neither approve nor deny (the browser is signed in: consent at once). */
    a = start(&b, "app", APP_RURI, NULL);
    expect_status(&a, 200);
    f = form_of(&a);
    answer_free(&a);
    a = decide(&b, &f, "maybe");
    expect_status(&a, 400);
    answer_free(&a);
    a = decide(&b, &f, "approve"); /* still usable */
    expect_status(&a, 302);
    answer_free(&a);
}

/* ---- sign-in refusals --------------------------------------------------------------- */

static void test_wrong_password_unknown_and_disabled_users(void **state)
{
    (void)state;
    const char *cases[][3] = {
        {"alice", "wrong", "wrong password"},
        {"mallory", "correct+horse+battery", "no such user"},
        {"carol", "correct+horse+battery", "the user is disabled"},
    };
    for (size_t i = 0; i < 3; i++) {
        browser b = {0};
        answer a = start(&b, "app", APP_RURI, NULL);
        form f = form_of(&a);
        answer_free(&a);
        a = login(&b, &f, cases[i][0], cases[i][1]);
        expect_status(&a, 401);
        expect_security_headers(&a);
        expect_in(a.body, "Wrong user name or password.");
        expect_in(a.body, "role=\"alert\"");
        char refill[80];
        snprintf(refill, sizeof refill, "value=\"%s\"", cases[i][0]);
        expect_in(a.body, refill);
        assert_null(header(&a, "Set-Cookie"));
        expect_in(a.log, "outcome=login_failed");
        expect_in(a.log, cases[i][2]);
        expect_not_in(a.log, "correct");
        /* The page's new form works: the right password signs in. */
        form f2 = form_of(&a);
        assert_string_equal(f2.request, f.request);
        answer_free(&a);
        a = login(&b, &f2, "alice", "correct+horse+battery");
        expect_status(&a, 200);
        expect_in(a.body, "Allow access");
        answer_free(&a);
    }
    /* A form without the password. */
    browser b = {0};
    answer a = start(&b, "app", APP_RURI, NULL);
    form f = form_of(&a);
    answer_free(&a);
    char body[256];
    snprintf(body, sizeof body, "step=login&request=%s&csrf=%s&username=alice", f.request, f.csrf);
    a = post(&b, body);
    expect_status(&a, 400);
    expect_in(a.body, "Enter your user name and your password.");
    answer_free(&a);
}

static void test_rate_limit(void **state)
{
    (void)state;
    browser b = {0};
    snprintf(b.addr, sizeof b.addr, "198.51.100.7");
    answer a = start(&b, "app", APP_RURI, NULL);
    form f = form_of(&a);
    answer_free(&a);
    for (int i = 0; i < 3; i++) {
        a = login(&b, &f, "alice", "nope");
        expect_status(&a, 401);
        answer_free(&a);
    }
    a = login(&b, &f, "alice", "nope");
    expect_status(&a, 429);
    expect_security_headers(&a);
    expect_in(a.body, "Too many sign-in attempts. Try again in ");
    const char *ra = header(&a, "Retry-After");
    assert_non_null(ra);
    assert_true(atoi(ra) > 0 && atoi(ra) <= 900);
    expect_in(a.log, "outcome=login_locked reason=by=user");
    answer_free(&a);
    /* Locked means locked: the right password too. */
    a = login(&b, &f, "alice", "correct+horse+battery");
    expect_status(&a, 429);
    answer_free(&a);
    /* Another user is not locked. */
    a = login(&b, &f, "bob", "correct+horse+battery");
    expect_status(&a, 200);
    answer_free(&a);
}

/* ---- CSRF and binding --------------------------------------------------------------- */

static void test_csrf(void **state)
{
    (void)state;
    browser b = {0};
    answer a = start(&b, "app", APP_RURI, NULL);
    form lf = form_of(&a);
    answer_free(&a);
    char body[512];
    /* Login without a token, with a wrong one. */
    snprintf(body, sizeof body,
             "step=login&request=%s&username=alice&password=correct+horse+battery", lf.request);
    a = post(&b, body);
    expect_status(&a, 403);
    expect_security_headers(&a);
    expect_in(a.body, "security token");
    expect_in(a.log, "outcome=csrf_failed reason=missing_token");
    assert_null(header(&a, "Set-Cookie"));
    answer_free(&a);
    form bad = lf;
    bad.csrf[0] = bad.csrf[0] == 'A' ? 'B' : 'A';
    a = login(&b, &bad, "alice", "correct+horse+battery");
    expect_status(&a, 403);
    expect_in(a.log, "reason=wrong_token");
    answer_free(&a);

    /* Sign in; then the consent step with the login form's token. */
    a = login(&b, &lf, "alice", "correct+horse+battery");
    expect_status(&a, 200);
    form cf = form_of(&a);
    answer_free(&a);
    a = decide(&b, &lf, "approve");
    expect_status(&a, 403);
    answer_free(&a);
    /* Consent without a token. */
    snprintf(body, sizeof body, "step=consent&request=%s&decision=approve", cf.request);
    a = post(&b, body);
    expect_status(&a, 403);
    assert_null(header(&a, "Location"));
    answer_free(&a);

    /* Another browser (an attacker's page posting with its own session)
     * cannot answer this request, even with a token valid for itself. */
    browser evil = {0};
    answer e = signed_in_consent(&evil, "bob", "app", APP_RURI, NULL);
    form ef = form_of(&e);
    answer_free(&e);
    form mixed = {{0}, {0}};
    snprintf(mixed.request, sizeof mixed.request, "%s", cf.request);
    snprintf(mixed.csrf, sizeof mixed.csrf, "%s", ef.csrf);
    a = decide(&evil, &mixed, "approve");
    expect_status(&a, 403);
    expect_in(a.log, "reason=session_mismatch");
    answer_free(&a);
    a = decide(&evil, &cf, "approve");
    expect_status(&a, 403);
    answer_free(&a);
    /* The victim's own request's token in the attacker's browser for the
     * attacker's request: wrong binding. */
    snprintf(mixed.request, sizeof mixed.request, "%s", ef.request);
    snprintf(mixed.csrf, sizeof mixed.csrf, "%s", cf.csrf);
    a = decide(&evil, &mixed, "approve");
    expect_status(&a, 403);
    answer_free(&a);

    /* None of that used the request up: the real form still works. */
    a = decide(&b, &cf, "approve");
    expect_status(&a, 302);
    answer_free(&a);
}

static void test_bad_posts(void **state)
{
    (void)state;
    browser none = {0};
    answer a = post(&none, "step=consent&request=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&csrf=x"
                           "&decision=approve");
    expect_status(&a, 400);
    expect_in(a.body, "session has expired");
    answer_free(&a);
    browser b = {0};
    a = start(&b, "app", APP_RURI, NULL);
    form f = form_of(&a);
    answer_free(&a);
    /* Unknown request id, unknown step, duplicated fields, wrong type. */
    form unk = f;
    unk.request[0] = unk.request[0] == 'A' ? 'B' : 'A';
    a = login(&b, &unk, "alice", "x");
    expect_status(&a, 400);
    expect_in(a.log, "outcome=no_pending");
    answer_free(&a);
    char body[512];
    snprintf(body, sizeof body, "step=other&request=%s&csrf=%s", f.request, f.csrf);
    a = post(&b, body);
    expect_status(&a, 400);
    answer_free(&a);
    snprintf(body, sizeof body, "step=login&request=%s&csrf=%s&username=alice&username=bob",
             f.request, f.csrf);
    a = post(&b, body);
    expect_status(&a, 400);
    expect_in(a.body, "given more than once");
    answer_free(&a);
    extra_env json = {.ctype = "application/json"};
    a = request(&b, "POST", NULL, "{}", &json);
    expect_status(&a, 415);
    expect_security_headers(&a);
    answer_free(&a);
    /* An oversized form is refused before it is read: an HTML page. */
    buf_t big = BUF_INIT(1 << 20);
    buf_puts(&big, "step=login&password=");
    for (int i = 0; i < AUTHORIZE_MAX_BODY; i++)
        buf_putc(&big, 'x');
    a = post(&b, buf_cstr(&big));
    expect_status(&a, 413);
    expect_security_headers(&a);
    expect_in(a.body, "<!DOCTYPE html>");
    answer_free(&a);
    buf_free(&big);
    /* A field over the form's limit. */
    buf_init(&big, 1 << 20);
    buf_printf(&big, "step=login&request=%s&csrf=%s&username=alice&password=", f.request, f.csrf);
    for (int i = 0; i < 1100; i++)
        buf_putc(&big, 'x');
    a = post(&b, buf_cstr(&big));
    expect_status(&a, 400);
    expect_in(a.body, "too long");
    answer_free(&a);
    buf_free(&big);
}

/* ---- error pages and error redirects ------------------------------------------------- */

static void test_errors_before_the_client_is_known_are_pages(void **state)
{
    (void)state;
    const char *queries[] = {
        "response_type=code&client_id=nobody&redirect_uri=" APP_RURI "&state=x",
        "response_type=code&client_id=app&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb%2F",
        "response_type=code&client_id=app&redirect_uri=https%3A%2F%2Fevil.example%2Fcb",
        "response_type=code&client_id=app&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb%3Fa%3D1",
        "response_type=code&client_id=app&redirect_uri=https%3A%2F%2FAPP.example.com%2Fcb",
        "response_type=code&client_id=app&client_id=app&redirect_uri=" APP_RURI,
        "response_type=code&redirect_uri=" APP_RURI,
        "response_type=code&client_id=app",
        "",
    };
    for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
        browser b = {0};
        answer a = get(&b, queries[i]);
        expect_status(&a, 400);
        expect_security_headers(&a);
        assert_null(header(&a, "Location"));
        assert_null(header(&a, "Set-Cookie"));
        expect_in(a.body, "You were not sent back to the application");
        expect_in(a.log, "outcome=error_page");
        answer_free(&a);
    }
}

static void test_errors_after_the_client_is_known_redirect(void **state)
{
    (void)state;
    struct {
        const char *query, *location;
    } cases[] = {
        {"response_type=code&client_id=app&redirect_uri=" APP_RURI
         "&state=s1&code_challenge=" CHALLENGE "&code_challenge_method=plain",
         "https://app.example.com/cb?error=invalid_request&error_description=code_challenge_method"
         "%20must%20be%20S256%20%28plain%20and%20other%20methods%20are%20not%20accepted%29"
         "&state=s1&" ISS_ENC},
        {"response_type=code&client_id=app&redirect_uri=" APP_RURI "&state=s2",
         "https://app.example.com/cb?error=invalid_request&error_description=PKCE%20is%20required"
         "%3A%20send%20code_challenge%20with%20code_challenge_method%3DS256&state=s2&" ISS_ENC},
        {"response_type=code&client_id=app&redirect_uri=" APP_RURI "&code_challenge=" CHALLENGE
         "&code_challenge_method=S256&scope=admin",
         "https://app.example.com/cb?error=invalid_scope&error_description=Unknown%20scope%20%27"
         "admin%27%3B%20this%20server%20knows%20query%20schemas%3Aread&" ISS_ENC},
        {"response_type=code&client_id=app&redirect_uri=" APP_RURI "&code_challenge=" CHALLENGE
         "&code_challenge_method=S256&state=s3&resource=https%3A%2F%2Fother.example%2Fmcp",
         "https://app.example.com/cb?error=invalid_target&error_description=resource%20must%20be"
         "%20this%20server%27s%20MCP%20endpoint%20URL%2C%20exactly%3A%20http%3A%2F%2F127.0.0.1"
         "%3A8080%2Fmcp&state=s3&" ISS_ENC},
        {"response_type=code&client_id=app&redirect_uri=" APP_RURI "&state=s4&state=s5",
         "https://app.example.com/cb?error=invalid_request&error_description=Invalid%20"
         "authorization%20request%3A%20parameter%20%27state%27%20is%20given%20more%20than%20once"
         "&" ISS_ENC},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        browser b = {0};
        answer a = get(&b, cases[i].query);
        expect_status(&a, 302);
        expect_security_headers(&a);
        assert_string_equal(header(&a, "Location"), cases[i].location);
        assert_null(header(&a, "Set-Cookie"));
        expect_in(a.log, "outcome=error_redirect");
        answer_free(&a);
    }
    /* prompt=none can never be answered without the person. */
    browser b = {0};
    char *q = authz_query("app", APP_RURI, "prompt=none");
    answer a = get(&b, q);
    free(q);
    expect_status(&a, 302);
    expect_in(header(&a, "Location"), "error=login_required");
    answer_free(&a);
}

/* ---- scopes ------------------------------------------------------------------------ */

static void test_scopes_narrowed_by_client_and_user(void **state)
{
    (void)state;
    /* The client may have only query: a request for both gets query. */
    browser b = {0};
    answer a = signed_in_consent(&b, "alice", "narrow", "https%3A%2F%2Fnarrow.example.com%2Fcb",
                                 "scope=query+schemas%3Aread");
    expect_status(&a, 200);
    expect_in(a.body, "Run read-only SQL queries");
    expect_not_in(a.body, "See which tables");
    form f = form_of(&a);
    answer_free(&a);
    a = decide(&b, &f, "approve");
    expect_status(&a, 302);
    auth_code_grant g;
    consume_code(header(&a, "Location"), &g);
    assert_string_equal(g.scope, "query");
    auth_code_grant_free(&g);
    answer_free(&a);

    /* bob may grant only query. */
    browser bb = {0};
    a = signed_in_consent(&bb, "bob", "app", APP_RURI, NULL);
    expect_status(&a, 200);
    expect_not_in(a.body, "See which tables");
    f = form_of(&a);
    answer_free(&a);
    a = decide(&bb, &f, "approve");
    consume_code(header(&a, "Location"), &g);
    assert_string_equal(g.scope, "query");
    assert_string_equal(g.user, "bob");
    auth_code_grant_free(&g);
    answer_free(&a);
    /* ... and nothing of schemas:read alone. */
    a = start(&bb, "app", APP_RURI, "scope=schemas%3Aread");
    expect_status(&a, 302);
    assert_string_equal(header(&a, "Location"),
                        "https://app.example.com/cb?error=access_denied&error_description=The%20"
                        "signed-in%20user%20may%20not%20grant%20any%20of%20the%20requested%20scopes"
                        "&state=xyz&" ISS_ENC);
    answer_free(&a);
}

static void test_dcr_client(void **state)
{
    (void)state;
    client_metadata m;
    char why[512];
    const char *reg_body = "{\"client_name\":\"Self Made\",\"redirect_uris\":"
                           "[\"http://127.0.0.1:5000/callback\"],\"token_endpoint_auth_method\":"
                           "\"none\"}";
    assert_int_equal(dcr_register(rs, &cfg.oauth, reg_body, strlen(reg_body), wall_ms() / 1000, &m,
                                  why, sizeof why),
                     DCR_OK);
    browser b = {0};
    /* Any loopback port (RFC 8252). */
    answer a = signed_in_consent(&b, "alice", m.client_id,
                                 "http%3A%2F%2F127.0.0.1%3A41234%2Fcallback", NULL);
    expect_status(&a, 200);
    expect_in(a.body, "Self Made");
    expect_in(a.body, "registered itself");
    expect_in(a.body, "http://127.0.0.1:41234</strong> (an application on this computer)");
    form f = form_of(&a);
    answer_free(&a);
    a = decide(&b, &f, "approve");
    expect_status(&a, 302);
    expect_in(header(&a, "Location"), "http://127.0.0.1:41234/callback?code=");
    answer_free(&a);
    client_metadata_free(&m);
}

/* ---- REMOTE_USER ------------------------------------------------------------------- */

static void test_remote_user(void **state)
{
    (void)state;
    char *q = authz_query("app", APP_RURI, NULL);
    /* Not trusted: REMOTE_USER is ignored, the login page is shown. */
    browser b = {0};
    extra_env ru = {.remote_user = "dave"};
    answer a = request(&b, "GET", q, NULL, &ru);
    expect_status(&a, 200);
    expect_in(a.body, "Sign in to ddbsql");
    answer_free(&a);

    cfg.oauth.trust_remote_user = true;
    browser r = {0};
    a = request(&r, "GET", q, NULL, &ru);
    expect_status(&a, 200);
    expect_in(a.body, "as <strong>dave</strong>");
    expect_in(header(&a, "Set-Cookie"), "Max-Age=3600");
    form f = form_of(&a);
    answer_free(&a);
    a = decide(&r, &f, "approve");
    expect_status(&a, 302);
    auth_code_grant g;
    consume_code(header(&a, "Location"), &g);
    assert_string_equal(g.user, "dave");
    assert_string_equal(g.scope, "query schemas:read");
    auth_code_grant_free(&g);
    answer_free(&a);
    /* The same browser again: its session is reused. */
    a = request(&r, "GET", q, NULL, &ru);
    expect_status(&a, 200);
    assert_null(header(&a, "Set-Cookie"));
    answer_free(&a);
    /* Another REMOTE_USER in that browser: a new session for that user. */
    extra_env ru2 = {.remote_user = "bob"};
    a = request(&r, "GET", q, NULL, &ru2);
    expect_status(&a, 200);
    expect_in(a.body, "as <strong>bob</strong>");
    assert_non_null(header(&a, "Set-Cookie"));
    answer_free(&a);
    /* A disabled user is refused. */
    extra_env ru3 = {.remote_user = "carol"};
    browser c = {0};
    a = request(&c, "GET", q, NULL, &ru3);
    expect_status(&a, 403);
    expect_security_headers(&a);
    assert_null(header(&a, "Location"));
    answer_free(&a);
    /* prompt=none while the web server vouches: consent is still needed. */
    free(q);
    q = authz_query("app", APP_RURI, "prompt=none");
    a = request(&c, "GET", q, NULL, &ru);
    expect_status(&a, 302);
    expect_in(header(&a, "Location"), "error=consent_required");
    answer_free(&a);
    cfg.oauth.trust_remote_user = false;
    free(q);
}

/* ---- Redis down, routing ------------------------------------------------------------ */

static void test_redis_down_and_back(void **state)
{
    (void)state;
    browser b = {0};
    answer a = start(&b, "app", APP_RURI, NULL);
    form f = form_of(&a);
    answer_free(&a);
    test_redis_pause(redis);
    browser n = {0};
    a = start(&n, "app", APP_RURI, NULL);
    expect_status(&a, 503);
    expect_security_headers(&a);
    assert_string_equal(header(&a, "Retry-After"), "5");
    expect_in(a.body, "Redis");
    expect_in(a.log, "outcome=unavailable");
    answer_free(&a);
    a = login(&b, &f, "alice", "correct+horse+battery");
    expect_status(&a, 503);
    answer_free(&a);
    test_redis_resume(redis);
    /* Back, without a restart (the old session is gone with Redis' data). */
    a = start(&n, "app", APP_RURI, NULL);
    expect_status(&a, 200);
    f = form_of(&a);
    answer_free(&a);
    a = login(&n, &f, "alice", "correct+horse+battery");
    expect_status(&a, 200);
    answer_free(&a);
}

static void test_routing(void **state)
{
    (void)state;
    extra_env put = {.method = "PUT"};
    answer a = request(NULL, "GET", NULL, NULL, &put);
    expect_status(&a, 405);
    assert_string_equal(header(&a, "Allow"), "GET, POST");
    expect_security_headers(&a);
    answer_free(&a);
    extra_env other = {.path = "/authorize/x"};
    a = request(NULL, "GET", NULL, NULL, &other);
    expect_status(&a, 404);
    answer_free(&a);
    cfg.auth_none = true;
    char *q = authz_query("app", APP_RURI, NULL);
    a = get(NULL, q);
    free(q);
    cfg.auth_none = false;
    expect_status(&a, 404);
    expect_in(a.body, "auth = none");
    answer_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_login_page_and_cookie, flush),
        cmocka_unit_test_setup(test_sign_in_consent_approve, flush),
        cmocka_unit_test_setup(test_signed_in_browser_is_asked_again, flush),
        cmocka_unit_test_setup(test_deny, flush),
        cmocka_unit_test_setup(test_wrong_password_unknown_and_disabled_users, flush),
        cmocka_unit_test_setup(test_rate_limit, flush),
        cmocka_unit_test_setup(test_csrf, flush),
        cmocka_unit_test_setup(test_bad_posts, flush),
        cmocka_unit_test_setup(test_errors_before_the_client_is_known_are_pages, flush),
        cmocka_unit_test_setup(test_errors_after_the_client_is_known_redirect, flush),
        cmocka_unit_test_setup(test_scopes_narrowed_by_client_and_user, flush),
        cmocka_unit_test_setup(test_dcr_client, flush),
        cmocka_unit_test_setup(test_remote_user, flush),
        cmocka_unit_test_setup(test_redis_down_and_back, flush),
        cmocka_unit_test_setup(test_routing, flush),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

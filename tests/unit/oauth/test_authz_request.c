/* oauth/authz_request: validation of GET /authorize requests against
 * pre-registered clients. The client and redirect_uri come first and every
 * problem with them is an error page (lookalike redirect URIs of every
 * kind, unknown clients, a CIMD document that cannot be fetched, missing or
 * duplicated values); after that errors are redirects (PKCE missing or
 * plain, response_type, resource, scopes, duplicated and oversized
 * parameters). Also the redirect URL builder and the user scope filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oauth/authz_request.h"
#include "oauth/scope.h"

#include "core/base/alloc.h"
#include "core/base/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* RFC 7636 Appendix B. */
#define VERIFIER  "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
#define MCP_URL   "http://127.0.0.1:8080/mcp"
#define HASH      "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

static config cfg;
static client_registry *reg;

static int group_setup(void **state)
{
    (void)state;
    char path[] = "/tmp/ddbsql-authz-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text =
        "public_url = http://127.0.0.1:8080\nauth = none\n"
        "[redis]\nport = 1\nconnect_timeout_ms = 50\n"
        "[schema demo]\nregion = us-east-1\nendpoint = http://127.0.0.1:4567\n"
        "[client app]\nname = Test App\n"
        "redirect_uris = https://app.example.com/cb http://127.0.0.1/callback "
        "com.example.app:/cb https://app.example.com/q?x=1\n"
        "[client narrow]\nredirect_uris = https://narrow.example.com/cb\nscopes = query\n"
        "[client bot]\ntype = confidential\nsecret_hash = " HASH "\n"
        "grant_types = client_credentials\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    char err[1024];
    bool ok = config_load(path, &cfg, err, sizeof err);
    unlink(path);
    if (!ok)
        fail_msg("config: %s", err);
    reg = client_registry_new(&cfg, NULL);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    client_registry_free(reg);
    config_free(&cfg);
    return 0;
}

static void parse(const char *q, authz_request *r)
{
    authz_request_parse(reg, &cfg, q, strlen(q), r);
}

/* A valid request for client app, with extra parameters appended. */
static char *req_with(const char *redirect_uri_enc, const char *extra)
{
    buf_t b = BUF_INIT(1 << 20);
    buf_printf(&b,
               "response_type=code&client_id=app&redirect_uri=%s&state=xyz"
               "&code_challenge=" CHALLENGE "&code_challenge_method=S256%s%s",
               redirect_uri_enc, extra && *extra ? "&" : "", extra ? extra : "");
    return buf_steal(&b);
}

#define GOOD_RURI "https%3A%2F%2Fapp.example.com%2Fcb"

static void expect_page(const char *q, int status, const char *error, const char *needle)
{
    authz_request r;
    parse(q, &r);
    if (r.outcome != AUTHZ_ERROR_PAGE)
        fail_msg("%s: expected an error page, got outcome %d (%s: %s)", q, r.outcome,
                 r.error ? r.error : "-", r.description);
    assert_int_equal(r.status, status);
    assert_string_equal(r.error, error);
    if (needle && !strstr(r.description, needle))
        fail_msg("%s: description '%s' lacks '%s'", q, r.description, needle);
    authz_request_free(&r);
}

static void expect_redirect(const char *q, const char *error, const char *needle, const char *state)
{
    authz_request r;
    parse(q, &r);
    if (r.outcome != AUTHZ_ERROR_REDIRECT)
        fail_msg("%s: expected an error redirect, got outcome %d (%s: %s)", q, r.outcome,
                 r.error ? r.error : "-", r.description);
    assert_string_equal(r.error, error);
    assert_string_equal(r.redirect_uri, "https://app.example.com/cb");
    if (needle && !strstr(r.description, needle))
        fail_msg("%s: description '%s' lacks '%s'", q, r.description, needle);
    if (state)
        assert_string_equal(r.state, state);
    else
        assert_null(r.state);
    /* error_description holds only RFC 6749 characters. */
    for (const char *p = r.description; *p; p++)
        assert_true(*p >= 0x20 && *p <= 0x7e && *p != '"' && *p != '\\');
    authz_request_free(&r);
}

/* ---- valid requests ------------------------------------------------------------- */

static void test_valid_request(void **state)
{
    (void)state;
    char *q = req_with(GOOD_RURI, "scope=query+schemas%3Aread&resource="
                                  "http%3A%2F%2F127.0.0.1%3A8080%2Fmcp");
    authz_request r;
    parse(q, &r);
    assert_int_equal(r.outcome, AUTHZ_VALID);
    assert_string_equal(r.client_id, "app");
    assert_string_equal(r.client->name, "Test App");
    assert_string_equal(r.redirect_uri, "https://app.example.com/cb");
    assert_string_equal(r.state, "xyz");
    assert_string_equal(r.code_challenge, CHALLENGE);
    assert_string_equal(r.scope, "query schemas:read");
    assert_string_equal(r.resource, MCP_URL);
    assert_null(r.prompt);
    authz_request_free(&r);
    free(q);
}

static void test_defaults_and_optional_parameters(void **state)
{
    (void)state;
    /* No scope: every scope the client may have; no resource: the MCP URL;
     * no state: none; unknown parameters are ignored. */
    authz_request r;
    parse("client_id=app&redirect_uri=" GOOD_RURI "&response_type=code&code_challenge=" CHALLENGE
          "&code_challenge_method=S256&foo=bar&prompt=login&response_mode=query",
          &r);
    assert_int_equal(r.outcome, AUTHZ_VALID);
    assert_string_equal(r.scope, "query schemas:read");
    assert_string_equal(r.resource, MCP_URL);
    assert_null(r.state);
    assert_string_equal(r.prompt, "login");
    authz_request_free(&r);
    /* An empty value counts as omitted (RFC 6749 §3.1). */
    char *q = req_with(GOOD_RURI, "scope=&state=");
    parse(q, &r);
    assert_int_equal(r.outcome, AUTHZ_VALID);
    assert_string_equal(r.scope, "query schemas:read");
    assert_string_equal(r.state, "xyz");
    authz_request_free(&r);
    free(q);
}

static void test_registered_redirect_forms(void **state)
{
    (void)state;
    const char *ok[] = {
        "https%3A%2F%2Fapp.example.com%2Fcb",
        "http%3A%2F%2F127.0.0.1%2Fcallback",
        "http%3A%2F%2F127.0.0.1%3A53124%2Fcallback", /* any port on loopback (RFC 8252) */
        "com.example.app%3A%2Fcb",
        "https%3A%2F%2Fapp.example.com%2Fq%3Fx%3D1",
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        char *q = req_with(ok[i], NULL);
        authz_request r;
        parse(q, &r);
        if (r.outcome != AUTHZ_VALID)
            fail_msg("%s: %s", ok[i], r.description);
        authz_request_free(&r);
        free(q);
    }
}

/* ---- the client and redirect_uri: error pages only ------------------------------ */

static void test_lookalike_redirect_uris_get_a_page(void **state)
{
    (void)state;
    const char *bad[] = {
        "https%3A%2F%2Fapp.example.com%2Fcb%2Fextra",        /* extra path */
        "https%3A%2F%2Fapp.example.com%2Fcbx",               /* longer last segment */
        "https%3A%2F%2Fapp.example.com%2Fcb%3Fnext%3D1",     /* a query string */
        "https%3A%2F%2Fapp.example.com%2Fcb%2F",             /* trailing slash */
        "https%3A%2F%2Fapp.example.com%2FCB",                /* case change in the path */
        "https%3A%2F%2FApp.Example.com%2Fcb",                /* case change in the host */
        "HTTPS%3A%2F%2Fapp.example.com%2Fcb",                /* case change in the scheme */
        "http%3A%2F%2Fapp.example.com%2Fcb",                 /* http instead of https */
        "https%3A%2F%2Fapp.example.com%3A443%2Fcb",          /* default port spelled out */
        "https%3A%2F%2Fapp.example.com%2Fcb%23frag",         /* a fragment */
        "https%3A%2F%2Fapp.example.com%252Fcb",              /* an encoded slash */
        "https%3A%2F%2Fapp.example.com.evil.example%2Fcb",   /* a longer host */
        "https%3A%2F%2Fapp.example.com%40evil.example%2Fcb", /* user-info trick */
        "https%3A%2F%2Fevil.example%2Fcb",                   /* another site */
        "https%3A%2F%2Fapp.example.com%2Fq%3Fx%3D2",         /* the registered query changed */
        "https%3A%2F%2Fapp.example.com%2Fq",                 /* the registered query dropped */
        "http%3A%2F%2Flocalhost%2Fcallback",                 /* localhost for 127.0.0.1 */
        "http%3A%2F%2F127.0.0.1%3A53124%2Fcallback%2F",      /* loopback, other path */
        "http%3A%2F%2F127.0.0.2%2Fcallback",                 /* another loopback address */
        "com.example.app%3A%2Fcb%2Fx",                       /* private scheme, other path */
        "com.example.evil%3A%2Fcb",                          /* another private scheme */
        "%20https%3A%2F%2Fapp.example.com%2Fcb",             /* leading space */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *q = req_with(bad[i], NULL);
        authz_request r;
        parse(q, &r);
        if (!(r.outcome == AUTHZ_ERROR_PAGE && r.status == 400 &&
              strstr(r.description, "not one the application registered")))
            fail_msg("%s: expected the redirect_uri error page, got outcome %d: %s", bad[i],
                     r.outcome, r.description);
        assert_null(r.redirect_uri);
        authz_request_free(&r);
        free(q);
    }
    /* %63 is 'c': the decoded value is what is compared, and it matches. */
    char *q = req_with("https%3A%2F%2Fapp.example.com%2F%63b", NULL);
    authz_request r;
    parse(q, &r);
    assert_int_equal(r.outcome, AUTHZ_VALID);
    authz_request_free(&r);
    free(q);
}

static void test_client_problems_get_a_page(void **state)
{
    (void)state;
    expect_page("response_type=code&redirect_uri=" GOOD_RURI, 400, "invalid_request",
                "client_id is missing");
    expect_page("client_id=nobody&redirect_uri=" GOOD_RURI "&response_type=code", 400,
                "invalid_client", "not known");
    /* A DCR client_id without a registry store: Redis is needed, so 503. */
    expect_page("client_id=dcr_0123456789abcdef0123456789abcdef&redirect_uri=" GOOD_RURI, 503,
                "temporarily_unavailable", "Redis");
    /* A CIMD client whose document cannot be fetched (loopback is refused). */
    expect_page("client_id=https%3A%2F%2F127.0.0.1%3A9%2Fclient.json&redirect_uri=" GOOD_RURI
                "&response_type=code",
                400, "invalid_client", "metadata document");
    /* Even a request with every other mistake gets a page, not a redirect. */
    expect_page("client_id=nobody&redirect_uri=" GOOD_RURI "&response_type=token&state=a&state=b",
                400, "invalid_client", NULL);
    expect_page("client_id=app&response_type=code&code_challenge=" CHALLENGE, 400,
                "invalid_request", "redirect_uri is missing");
    /* A client without the redirect URI (client_credentials only). */
    expect_page("client_id=bot&redirect_uri=" GOOD_RURI "&response_type=code", 400,
                "invalid_request", "not one the application registered");
}

static void test_duplicated_or_oversized_client_parameters_get_a_page(void **state)
{
    (void)state;
    expect_page("client_id=app&client_id=app&redirect_uri=" GOOD_RURI, 400, "invalid_request",
                "client_id is given more than once");
    expect_page("client_id=app&client_id=other&redirect_uri=" GOOD_RURI, 400, "invalid_request",
                "more than once");
    expect_page("client_id=app&redirect_uri=" GOOD_RURI "&redirect_uri=" GOOD_RURI, 400,
                "invalid_request", "redirect_uri is given more than once");
    buf_t b = BUF_INIT(1 << 20);
    buf_puts(&b, "client_id=");
    for (int i = 0; i < AUTHZ_PARAM_MAX + 1; i++)
        buf_putc(&b, 'a');
    buf_puts(&b, "&redirect_uri=" GOOD_RURI);
    expect_page(buf_cstr(&b), 400, "invalid_request", "client_id is too long");
    buf_free(&b);
    /* A malformed escape: nothing can be trusted, a page. */
    expect_page("client_id=app&redirect_uri=" GOOD_RURI "&state=%zz", 400, "invalid_request",
                "malformed");
    expect_page("", 400, "invalid_request", "client_id is missing");
}

/* ---- after that: redirects ---------------------------------------------------- */

static void test_pkce_is_required_and_s256_only(void **state)
{
    (void)state;
    const char *base = "response_type=code&client_id=app&redirect_uri=" GOOD_RURI "&state=s1";
    char q[1024];
    snprintf(q, sizeof q, "%s", base);
    expect_redirect(q, "invalid_request", "PKCE is required", "s1");
    snprintf(q, sizeof q, "%s&code_challenge=" CHALLENGE, base);
    expect_redirect(q, "invalid_request", "code_challenge_method is missing", "s1");
    snprintf(q, sizeof q, "%s&code_challenge=" CHALLENGE "&code_challenge_method=plain", base);
    expect_redirect(q, "invalid_request", "must be S256", "s1");
    snprintf(q, sizeof q, "%s&code_challenge=" VERIFIER "&code_challenge_method=plain", base);
    expect_redirect(q, "invalid_request", "must be S256", "s1");
    snprintf(q, sizeof q, "%s&code_challenge=" CHALLENGE "&code_challenge_method=s256", base);
    expect_redirect(q, "invalid_request", "must be S256", "s1");
    snprintf(q, sizeof q, "%s&code_challenge_method=S256", base);
    expect_redirect(q, "invalid_request", "PKCE is required", "s1");
    const char *malformed[] = {
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c",    /* 42 */
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM=",  /* padded */
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw%2BcM", /* '+' (base64, not base64url) */
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN",   /* non-zero trailing bits */
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c.",
    };
    for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++) {
        snprintf(q, sizeof q, "%s&code_challenge=%s&code_challenge_method=S256", base,
                 malformed[i]);
        expect_redirect(q, "invalid_request", "code_challenge must be", "s1");
    }
}

static void test_response_type_and_mode(void **state)
{
    (void)state;
    const char *rest = "client_id=app&redirect_uri=" GOOD_RURI "&state=s2&code_challenge=" CHALLENGE
                       "&code_challenge_method=S256";
    char q[1024];
    snprintf(q, sizeof q, "%s", rest);
    expect_redirect(q, "invalid_request", "response_type is missing", "s2");
    snprintf(q, sizeof q, "%s&response_type=token", rest);
    expect_redirect(q, "unsupported_response_type", "code", "s2");
    snprintf(q, sizeof q, "%s&response_type=code+id_token", rest);
    expect_redirect(q, "unsupported_response_type", NULL, "s2");
    snprintf(q, sizeof q, "%s&response_type=code&response_mode=fragment", rest);
    expect_redirect(q, "invalid_request", "response_mode", "s2");
}

static void test_resource_must_be_the_mcp_url(void **state)
{
    (void)state;
    const char *bad[] = {
        "http%3A%2F%2F127.0.0.1%3A8080%2Fmcp%2F", "http%3A%2F%2F127.0.0.1%3A8080",
        "http%3A%2F%2Flocalhost%3A8080%2Fmcp",    "https%3A%2F%2Fother.example%2Fmcp",
        "http%3A%2F%2F127.0.0.1%3A8080%2FMCP",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char extra[256];
        snprintf(extra, sizeof extra, "resource=%s", bad[i]);
        char *q = req_with(GOOD_RURI, extra);
        expect_redirect(q, "invalid_target", MCP_URL, "xyz");
        free(q);
    }
    char *q = req_with(GOOD_RURI, "resource=http%3A%2F%2F127.0.0.1%3A8080%2Fmcp&resource="
                                  "http%3A%2F%2F127.0.0.1%3A8080%2Fmcp");
    expect_redirect(q, "invalid_request", "resource", "xyz");
    free(q);
}

static void test_scopes(void **state)
{
    (void)state;
    char *q = req_with(GOOD_RURI, "scope=schemas%3Aread");
    authz_request r;
    parse(q, &r);
    assert_int_equal(r.outcome, AUTHZ_VALID);
    assert_string_equal(r.scope, "schemas:read");
    authz_request_free(&r);
    free(q);
    /* Duplicates are dropped; the order of the request is kept. */
    q = req_with(GOOD_RURI, "scope=schemas%3Aread+query+query");
    parse(q, &r);
    assert_string_equal(r.scope, "schemas:read query");
    authz_request_free(&r);
    free(q);

    q = req_with(GOOD_RURI, "scope=query+admin");
    expect_redirect(q, "invalid_scope", "Unknown scope 'admin'", "xyz");
    free(q);
    q = req_with(GOOD_RURI, "scope=query++schemas%3Aread");
    expect_redirect(q, "invalid_scope", "Invalid scope", "xyz");
    free(q);
    q = req_with(GOOD_RURI, "scope=QUERY");
    expect_redirect(q, "invalid_scope", "Unknown scope", "xyz");
    free(q);
}

static void test_scope_escalation_is_narrowed_or_refused(void **state)
{
    (void)state;
    const char *base = "response_type=code&client_id=narrow&redirect_uri="
                       "https%3A%2F%2Fnarrow.example.com%2Fcb&state=n1&code_challenge=" CHALLENGE
                       "&code_challenge_method=S256";
    char q[1024];
    authz_request r;
    /* More than the client may have: narrowed to what it may. */
    snprintf(q, sizeof q, "%s&scope=query+schemas%%3Aread", base);
    parse(q, &r);
    assert_int_equal(r.outcome, AUTHZ_VALID);
    assert_string_equal(r.scope, "query");
    authz_request_free(&r);
    snprintf(q, sizeof q, "%s", base);
    parse(q, &r);
    assert_int_equal(r.outcome, AUTHZ_VALID);
    assert_string_equal(r.scope, "query");
    authz_request_free(&r);
    /* Only what it may not have: refused. */
    snprintf(q, sizeof q, "%s&scope=schemas%%3Aread", base);
    parse(q, &r);
    assert_int_equal(r.outcome, AUTHZ_ERROR_REDIRECT);
    assert_string_equal(r.error, "invalid_scope");
    assert_string_equal(r.redirect_uri, "https://narrow.example.com/cb");
    assert_string_equal(r.description, "The client may not be granted any of the requested scopes");
    authz_request_free(&r);
}

static void test_duplicated_and_oversized_parameters_redirect(void **state)
{
    (void)state;
    /* Once the client and redirect_uri are known good, the error goes back. */
    char *q = req_with(GOOD_RURI, "scope=query&scope=query");
    expect_redirect(q, "invalid_request", "parameter 'scope' is given more than once", "xyz");
    free(q);
    q = req_with(GOOD_RURI, "code_challenge_method=S256");
    expect_redirect(q, "invalid_request", "code_challenge_method", "xyz");
    free(q);
    q = req_with(GOOD_RURI, "response_type=code");
    expect_redirect(q, "invalid_request", "more than once", "xyz");
    free(q);
    /* A duplicated state is not echoed. */
    q = req_with(GOOD_RURI, "state=other");
    expect_redirect(q, "invalid_request", "state", NULL);
    free(q);
    /* A state over the limit is refused and not echoed. */
    buf_t b = BUF_INIT(1 << 20);
    buf_puts(&b, "response_type=code&client_id=app&redirect_uri=" GOOD_RURI
                 "&code_challenge=" CHALLENGE "&code_challenge_method=S256&state=");
    for (int i = 0; i < AUTHZ_STATE_MAX + 1; i++)
        buf_putc(&b, 's');
    expect_redirect(buf_cstr(&b), "invalid_request", "state is longer than 1024", NULL);
    buf_free(&b);
    /* A parameter over the general limit. */
    buf_init(&b, 1 << 20);
    buf_puts(&b, "response_type=code&client_id=app&redirect_uri=" GOOD_RURI "&state=ok&scope=");
    for (int i = 0; i < AUTHZ_PARAM_MAX + 10; i++)
        buf_putc(&b, 'q');
    expect_redirect(buf_cstr(&b), "invalid_request",
                    "parameter 'scope' has a malformed %-escape or is too long", "ok");
    buf_free(&b);
    /* Too many parameters. */
    buf_init(&b, 1 << 20);
    buf_puts(&b, "response_type=code&client_id=app&redirect_uri=" GOOD_RURI "&state=many");
    for (int i = 0; i < AUTHZ_MAX_PARAMS; i++)
        buf_printf(&b, "&x%d=1", i);
    expect_redirect(buf_cstr(&b), "invalid_request", "too many parameters", "many");
    buf_free(&b);
    /* Control characters in a value. */
    q = req_with(GOOD_RURI, "scope=query%01");
    expect_redirect(q, "invalid_request", "scope", "xyz");
    free(q);
}

/* ---- responses -------------------------------------------------------------------- */

static void test_redirect_urls(void **state)
{
    (void)state;
    char *u = authz_error_url("https://app.example.com/cb", "access_denied",
                              "The user denied the request", "a b&c=d/é", "http://127.0.0.1:8080");
    assert_string_equal(u, "https://app.example.com/cb?error=access_denied&error_description="
                           "The%20user%20denied%20the%20request&state=a%20b%26c%3Dd%2F%C3%A9"
                           "&iss=http%3A%2F%2F127.0.0.1%3A8080");
    free(u);
    /* A registered query is kept; no state, no state parameter. */
    u = authz_error_url("https://app.example.com/q?x=1", "invalid_scope", NULL, NULL,
                        "https://as.example");
    assert_string_equal(u, "https://app.example.com/q?x=1&error=invalid_scope&iss=https%3A%2F%2F"
                           "as.example");
    free(u);
    const char *params[] = {"code", "abc", "state", "", "iss", "https://as.example", NULL};
    u = authz_redirect_url("com.example.app:/cb", params);
    assert_string_equal(u, "com.example.app:/cb?code=abc&iss=https%3A%2F%2Fas.example");
    free(u);
    u = authz_redirect_url("https://app.example.com/q?", params);
    assert_string_equal(u, "https://app.example.com/q?code=abc&iss=https%3A%2F%2Fas.example");
    free(u);
}

static void test_scope_for_user(void **state)
{
    (void)state;
    char *s = authz_scope_for_user("query schemas:read", SCOPE_ALL);
    assert_string_equal(s, "query schemas:read");
    free(s);
    s = authz_scope_for_user("schemas:read query", SCOPE_QUERY);
    assert_string_equal(s, "query");
    free(s);
    s = authz_scope_for_user("query", SCOPE_SCHEMAS_READ);
    assert_string_equal(s, "");
    free(s);
    s = authz_scope_for_user("query admin", SCOPE_ALL);
    assert_string_equal(s, "query");
    free(s);
}

static void test_challenge_format(void **state)
{
    (void)state;
    assert_true(authz_challenge_ok(CHALLENGE));
    assert_false(authz_challenge_ok(NULL));
    assert_false(authz_challenge_ok(""));
    assert_true(authz_challenge_ok(VERIFIER)); /* any S256-shaped string passes the format */
    assert_false(authz_challenge_ok("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl"));
    assert_true(authz_challenge_ok("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA8"));
    assert_false(authz_challenge_ok("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA9"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_request),
        cmocka_unit_test(test_defaults_and_optional_parameters),
        cmocka_unit_test(test_registered_redirect_forms),
        cmocka_unit_test(test_lookalike_redirect_uris_get_a_page),
        cmocka_unit_test(test_client_problems_get_a_page),
        cmocka_unit_test(test_duplicated_or_oversized_client_parameters_get_a_page),
        cmocka_unit_test(test_pkce_is_required_and_s256_only),
        cmocka_unit_test(test_response_type_and_mode),
        cmocka_unit_test(test_resource_must_be_the_mcp_url),
        cmocka_unit_test(test_scopes),
        cmocka_unit_test(test_scope_escalation_is_narrowed_or_refused),
        cmocka_unit_test(test_duplicated_and_oversized_parameters_redirect),
        cmocka_unit_test(test_redirect_urls),
        cmocka_unit_test(test_scope_for_user),
        cmocka_unit_test(test_challenge_format),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

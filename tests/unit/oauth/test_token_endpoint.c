/* oauth/token_endpoint: /token and /revoke driven with real requests over a
 * real redis-server and a real signing key: the three grants, client
 * authentication (Basic, post, public), and the attack cases with their
 * exact errors (code replay and the revocation of its tokens, refresh
 * reuse, missing/plain/wrong PKCE verifiers, redirect_uri and client
 * mismatches, scope escalation, a wrong resource, a wrong secret, an
 * oversized body, duplicated parameters, Redis down -> 503 and back),
 * revocation (RFC 7009), and the request parser on its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oauth/token_endpoint.h"

#include "core/base/base64.h"
#include "core/base/crypto.h"
#include "oauth/auth_code.h"
#include "oauth/jwt.h"
#include "oauth/refresh_token.h"
#include "tests/unit/support/mcp_fixture.h"
#include "tests/unit/support/oauth_keys.h"
#include "tests/unit/support/redis_server.h"

#define NOW          1800000000
#define BASE         "http://127.0.0.1:8080"
#define MCP_URL      BASE "/mcp"
#define API_SECRET   "api-secret-0123456789abcdefghijklmnopqrstuv"
#define CONF_SECRET  "conf+secret/with=odd%chars"
#define REDIRECT     "http://127.0.0.1:9999/cb"
#define VERIFIER     "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define CHALLENGE    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" /* RFC 7636 App. B */
#define VERIFIER_BAD "Xdjftxxx4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

static test_redis *srv;
static redis_store *store;
static config cfg;
static signing_keys *keys;
static client_registry *clients;
static token_app app;
static char *keydir;
static int64_t fake_now = NOW;

static int64_t clock_fn(void)
{
    return fake_now;
}

static int group_setup(void **state)
{
    (void)state;
    srv = test_redis_start();
    keydir = tk_mkdtemp();
    char *pem = tk_pem_new("EC", "P-256");
    char *keyfile = tk_write_file(keydir, "k1.pem", pem, 0600);
    free(pem);
    char *api_hash = client_secret_hash(API_SECRET, strlen(API_SECRET));
    char *conf_hash = client_secret_hash(CONF_SECRET, strlen(CONF_SECRET));
    fx_config_load(&cfg,
                   "public_url = " BASE "\n"
                   "auth = oauth\n"
                   "[redis]\nport = %d\nconnect_timeout_ms = 200\ncommand_timeout_ms = 500\n"
                   "key_prefix = test:\n"
                   "[oauth]\ntrust_remote_user = true\nsession_lifetime_hours = 12\n"
                   "refresh_token_ttl_seconds = 3600\n"
                   "[signing_key k1]\npath = %s\nactive = true\n"
                   "[client api]\ntype = confidential\nsecret_hash = %s\n"
                   "grant_types = client_credentials\n"
                   "[client api-q]\ntype = confidential\nsecret_hash = %s\nscopes = query\n"
                   "grant_types = client_credentials\n"
                   "[client app]\nredirect_uris = " REDIRECT "\n"
                   "[client app2]\nredirect_uris = " REDIRECT "\n"
                   "[client app-noref]\nredirect_uris = " REDIRECT "\n"
                   "grant_types = authorization_code\n"
                   "[client conf-app]\ntype = confidential\nsecret_hash = %s\n"
                   "redirect_uris = " REDIRECT "\n"
                   "[user carol]\nscopes = query\n"
                   "[user dave]\ndisabled = true\n"
                   "[schema demo]\nregion = us-east-1\ncredentials = static\n"
                   "access_key_id = AKIDUNITTEST00000000\n"
                   "secret_access_key = unittestsecretunittestsecretunittest0000\n",
                   test_redis_port(srv), keyfile, api_hash, api_hash, conf_hash);
    free(api_hash);
    free(conf_hash);
    free(keyfile);
    char err[512];
    if (!signing_keys_load_config(&cfg.oauth, &keys, err, sizeof err))
        fail_msg("keys: %s", err);
    store = redis_store_new(&cfg.redis);
    clients = client_registry_new(&cfg, store);
    app =
        (token_app){.cfg = &cfg, .rs = store, .clients = clients, .keys = keys, .clock = clock_fn};
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    client_registry_free(clients);
    redis_store_free(store);
    signing_keys_free(keys);
    config_free(&cfg);
    test_redis_stop(srv);
    tk_rmdir(keydir);
    return 0;
}

static int each_setup(void **state)
{
    (void)state;
    fake_now = NOW;
    test_redis_flush(srv);
    return 0;
}

/* ---- requests -------------------------------------------------------------------- */

typedef struct answer {
    int status;
    json_object *json;
    char www[256], cache[64], pragma[64], retry[16], cors[16];
    char detail[200], principal[128];
} answer;

static void answer_free(answer *a)
{
    if (a->json)
        json_object_put(a->json);
    memset(a, 0, sizeof *a);
}

/* One request: method, path, Authorization (NULL: none), body, and
 * optionally a query string and a Content-Type (NULL: the form type). */
static answer call_full(const char *method, const char *path, const char *authz, const char *body,
                        const char *query, const char *ctype)
{
    char m[64], sn[128], q[512], ct[256], au[1024];
    snprintf(m, sizeof m, "REQUEST_METHOD=%s", method);
    snprintf(sn, sizeof sn, "SCRIPT_NAME=%s", path);
    snprintf(q, sizeof q, "QUERY_STRING=%s", query ? query : "");
    snprintf(ct, sizeof ct, "CONTENT_TYPE=%s", ctype ? ctype : "application/x-www-form-urlencoded");
    snprintf(au, sizeof au, "HTTP_AUTHORIZATION=%s", authz ? authz : "");
    const char *params[] = {m, sn, q, ct, authz ? au : NULL, NULL};
    http_request req;
    fx_request(&req, params, body);
    http_response resp;
    http_response_init(&resp);
    token_http_handle(&app, &req, &resp);
    answer a = {.status = resp.status};
    if (resp.body.len)
        a.json = fx_json(buf_cstr(&resp.body));
    fx_resp_header(&resp, "WWW-Authenticate", a.www, sizeof a.www);
    fx_resp_header(&resp, "Cache-Control", a.cache, sizeof a.cache);
    fx_resp_header(&resp, "Pragma", a.pragma, sizeof a.pragma);
    fx_resp_header(&resp, "Retry-After", a.retry, sizeof a.retry);
    fx_resp_header(&resp, "Access-Control-Allow-Origin", a.cors, sizeof a.cors);
    snprintf(a.detail, sizeof a.detail, "%s", req.detail);
    snprintf(a.principal, sizeof a.principal, "%s", req.principal);
    http_response_free(&resp);
    http_request_free(&req);
    return a;
}

static answer call(const char *path, const char *authz, const char *body)
{
    return call_full("POST", path, authz, body, NULL, NULL);
}

static char *basic(const char *id, const char *secret)
{
    char up[512];
    snprintf(up, sizeof up, "%s:%s", id, secret);
    char *b = base64_encode(up, strlen(up));
    char *h = malloc(strlen(b) + 8);
    sprintf(h, "Basic %s", b);
    free(b);
    return h;
}

/* Asserts an RFC 6749 §5.2 error answer. */
static void assert_error(const answer *a, int status, const char *error)
{
    if (a->status != status || !a->json || strcmp(fx_str(a->json, "error"), error) != 0)
        fail_msg("expected %d %s, got %d %s", status, error, a->status,
                 a->json ? json_object_to_json_string(a->json) : "(no body)");
    assert_non_null(fx_str(a->json, "error_description"));
    assert_string_equal(a->cache, "no-store");
    assert_string_equal(a->pragma, "no-cache");
}

static void assert_reason(const answer *a, const char *reason)
{
    char want[64];
    snprintf(want, sizeof want, "reason=%s", reason);
    if (!strstr(a->detail, want))
        fail_msg("log detail '%s' lacks %s", a->detail, want);
}

/* Verifies an issued access token; returns its claims. */
static jwt_claims verify_access(const char *token)
{
    jwt_verifier v = {.keys = keys, .issuer = BASE, .audience = MCP_URL, .leeway_seconds = 0};
    jwt_claims c;
    char err[256];
    jwt_status st = jwt_verify(&v, token, strlen(token), fake_now, &c, err, sizeof err);
    if (st != JWT_OK)
        fail_msg("access token: %s", err);
    return c;
}

static void assert_tokens(const answer *a, const char *sub, const char *client, const char *scope,
                          bool refresh)
{
    if (a->status != 200)
        fail_msg("expected 200, got %d %s", a->status,
                 a->json ? json_object_to_json_string(a->json) : "");
    assert_string_equal(fx_str(a->json, "token_type"), "Bearer");
    assert_int_equal(fx_int(a->json, "expires_in"), 600);
    assert_string_equal(fx_str(a->json, "scope"), scope);
    assert_string_equal(a->cache, "no-store");
    assert_string_equal(a->pragma, "no-cache");
    assert_string_equal(a->cors, "*");
    jwt_claims c = verify_access(fx_str(a->json, "access_token"));
    assert_string_equal(c.sub, sub);
    assert_string_equal(c.client_id, client);
    assert_string_equal(c.scope, scope);
    assert_int_equal(c.exp, fake_now + 600);
    jwt_claims_free(&c);
    if (refresh)
        assert_int_equal(strlen(fx_str(a->json, "refresh_token")), REFRESH_TOKEN_LEN);
    else
        assert_null(jget(a->json, "refresh_token"));
    assert_non_null(strstr(a->detail, "outcome=ok"));
}

/* A code as /authorize would issue it. */
static char *new_code(const char *client, const char *user, const char *scope, int64_t auth_time)
{
    auth_code_grant g = {.client_id = (char *)client,
                         .redirect_uri = REDIRECT,
                         .code_challenge = CHALLENGE,
                         .scope = (char *)scope,
                         .resource = MCP_URL,
                         .user = (char *)user,
                         .auth_time = auth_time};
    char err[256];
    char *code = auth_code_issue(store, &g, err, sizeof err);
    if (!code)
        fail_msg("auth_code_issue: %s", err);
    return code;
}

static answer redeem(const char *client, const char *authz, const char *code, const char *verifier,
                     const char *extra)
{
    char body[2048];
    snprintf(
        body, sizeof body,
        "grant_type=authorization_code&code=%s&redirect_uri=http%%3A%%2F%%2F127.0.0.1%%3A9999%%"
        "2Fcb&code_verifier=%s%s%s%s",
        code, verifier, client ? "&client_id=" : "", client ? client : "", extra ? extra : "");
    return call("/token", authz, body);
}

static answer refresh(const char *client, const char *token, const char *extra)
{
    char body[1024];
    snprintf(body, sizeof body, "grant_type=refresh_token&refresh_token=%s&client_id=%s%s", token,
             client, extra ? extra : "");
    return call("/token", NULL, body);
}

/* ---- client_credentials ------------------------------------------------------------------ */

static void test_client_credentials_basic(void **state)
{
    (void)state;
    char *h = basic("api", API_SECRET);
    answer a = call("/token", h, "grant_type=client_credentials");
    assert_tokens(&a, "api", "api", "query schemas:read", false);
    assert_string_equal(a.principal, "api");
    assert_non_null(strstr(a.detail, "grant=client_credentials"));
    assert_null(strstr(a.detail, API_SECRET));
    answer_free(&a);
    /* Narrowing by request; unknown scopes are dropped. */
    a = call("/token", h, "grant_type=client_credentials&scope=query");
    assert_tokens(&a, "api", "api", "query", false);
    answer_free(&a);
    a = call("/token", h, "grant_type=client_credentials&scope=schemas%3Aread+admin");
    assert_tokens(&a, "api", "api", "schemas:read", false);
    answer_free(&a);
    /* Nothing requested is allowed. */
    a = call("/token", h, "grant_type=client_credentials&scope=admin");
    assert_error(&a, 400, "invalid_scope");
    answer_free(&a);
    a = call("/token", h, "grant_type=client_credentials&scope=%22bad%22");
    assert_error(&a, 400, "invalid_scope");
    assert_reason(&a, "scope_syntax");
    answer_free(&a);
    /* The resource, when given, must be the MCP URL. */
    a = call("/token", h,
             "grant_type=client_credentials&resource=http%3A%2F%2F127.0.0.1%3A8080%2Fmcp");
    assert_tokens(&a, "api", "api", "query schemas:read", false);
    answer_free(&a);
    a = call("/token", h,
             "grant_type=client_credentials&resource=https%3A%2F%2Fevil.example%2Fmcp");
    assert_error(&a, 400, "invalid_target");
    answer_free(&a);
    free(h);
    /* A client allowed only query. */
    h = basic("api-q", API_SECRET);
    a = call("/token", h, "grant_type=client_credentials");
    assert_tokens(&a, "api-q", "api-q", "query", false);
    answer_free(&a);
    a = call("/token", h, "grant_type=client_credentials&scope=schemas%3Aread");
    assert_error(&a, 400, "invalid_scope");
    answer_free(&a);
    free(h);
}

static void test_client_credentials_post_and_secrets(void **state)
{
    (void)state;
    answer a = call("/token", NULL,
                    "grant_type=client_credentials&client_id=api&client_secret=" API_SECRET);
    assert_tokens(&a, "api", "api", "query schemas:read", false);
    answer_free(&a);
    /* Wrong secret: Basic gets 401 with a Basic challenge; post too. */
    char *h = basic("api", "wrong");
    a = call("/token", h, "grant_type=client_credentials");
    assert_error(&a, 401, "invalid_client");
    assert_string_equal(a.www, "Basic realm=\"ddbsql\", charset=\"UTF-8\"");
    assert_reason(&a, "bad_secret");
    assert_null(strstr(a.detail, "wrong"));
    answer_free(&a);
    free(h);
    a = call("/token", NULL, "grant_type=client_credentials&client_id=api&client_secret=wrong");
    assert_error(&a, 401, "invalid_client");
    answer_free(&a);
    /* A prefix or an extension of the secret is wrong too. */
    a = call("/token", NULL,
             "grant_type=client_credentials&client_id=api&client_secret=api-secret");
    assert_error(&a, 401, "invalid_client");
    answer_free(&a);
    a = call("/token", NULL,
             "grant_type=client_credentials&client_id=api&client_secret=" API_SECRET "x");
    assert_error(&a, 401, "invalid_client");
    answer_free(&a);
    /* Unknown client. */
    h = basic("nobody", "x");
    a = call("/token", h, "grant_type=client_credentials");
    assert_error(&a, 401, "invalid_client");
    answer_free(&a);
    free(h);
    /* A confidential client without its secret. */
    a = call("/token", NULL, "grant_type=client_credentials&client_id=api");
    assert_error(&a, 401, "invalid_client");
    assert_reason(&a, "secret_missing");
    answer_free(&a);
    /* A public client cannot use client_credentials (nor send a secret). */
    a = call("/token", NULL, "grant_type=client_credentials&client_id=app");
    assert_error(&a, 400, "unauthorized_client");
    answer_free(&a);
    a = call("/token", NULL, "grant_type=client_credentials&client_id=app&client_secret=x");
    assert_error(&a, 401, "invalid_client");
    assert_reason(&a, "public_with_secret");
    answer_free(&a);
    /* A client that may not use the grant. */
    h = basic("conf-app", CONF_SECRET);
    a = call("/token", h, "grant_type=client_credentials");
    assert_error(&a, 400, "unauthorized_client");
    answer_free(&a);
    free(h);
}

/* RFC 6749 §2.3.1: Basic user and password are form-encoded; a client that
 * does not encode is accepted too. */
static void test_basic_encoding(void **state)
{
    (void)state;
    char *h = basic("conf-app", "conf%2Bsecret%2Fwith%3Dodd%25chars");
    char *code = new_code("conf-app", "carol", "query", NOW - 10);
    answer a = redeem(NULL, h, code, VERIFIER, NULL);
    assert_tokens(&a, "carol", "conf-app", "query", true);
    answer_free(&a);
    free(code);
    free(h);
    h = basic("conf-app", CONF_SECRET);
    code = new_code("conf-app", "carol", "query", NOW - 10);
    a = redeem(NULL, h, code, VERIFIER, NULL);
    assert_tokens(&a, "carol", "conf-app", "query", true);
    answer_free(&a);
    free(code);
    free(h);
    /* Malformed Basic credentials and other schemes. */
    const char *bad[] = {
        "Basic", "Basic !!!", "Basic YXBp", "Basic OnNlY3JldA==", "Bearer abc", "Digest x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        a = call("/token", bad[i], "grant_type=client_credentials");
        assert_error(&a, 401, "invalid_client");
        assert_string_equal(a.www, "Basic realm=\"ddbsql\", charset=\"UTF-8\"");
        answer_free(&a);
    }
}

/* ---- authorization_code ------------------------------------------------------------------ */

static void test_code_flow_and_replay(void **state)
{
    (void)state;
    char *code = new_code("app", "alice", "query schemas:read", NOW - 60);
    answer a = redeem("app", NULL, code, VERIFIER, "&resource=http%3A%2F%2F127.0.0.1%3A8080%2Fmcp");
    assert_tokens(&a, "alice", "app", "query schemas:read", true);
    char rt[REFRESH_TOKEN_LEN + 1];
    snprintf(rt, sizeof rt, "%s", fx_str(a.json, "refresh_token"));
    answer_free(&a);

    /* The refresh token works... */
    a = refresh("app", rt, NULL);
    assert_tokens(&a, "alice", "app", "query schemas:read", true);
    char rt2[REFRESH_TOKEN_LEN + 1];
    snprintf(rt2, sizeof rt2, "%s", fx_str(a.json, "refresh_token"));
    answer_free(&a);

    /* ...until the code is replayed: invalid_grant, and every token issued
       from it is revoked (RFC 6749 §10.5). */
    a = redeem("app", NULL, code, VERIFIER, NULL);
    assert_error(&a, 400, "invalid_grant");
    assert_reason(&a, "code_replayed");
    assert_non_null(strstr(fx_str(a.json, "error_description"), "already used"));
    answer_free(&a);
    a = refresh("app", rt2, NULL);
    assert_error(&a, 400, "invalid_grant");
    assert_reason(&a, "revoked");
    answer_free(&a);
    free(code);

    /* Unknown code. */
    a = redeem("app", NULL, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", VERIFIER, NULL);
    assert_error(&a, 400, "invalid_grant");
    assert_reason(&a, "code_unknown");
    answer_free(&a);
}

/* A replay racing the first redemption: the family is revoked before it
 * exists, so the first redemption gets no tokens either. */
static void test_code_replay_before_issue(void **state)
{
    (void)state;
    char *code = new_code("app", "alice", "query", NOW - 60);
    auth_code_grant g;
    char err[256];
    assert_int_equal(auth_code_consume(store, code, &g, err, sizeof err), AUTH_CODE_OK);
    answer a = redeem("app", NULL, code, VERIFIER, NULL); /* the replay */
    assert_error(&a, 400, "invalid_grant");
    answer_free(&a);
    refresh_grant rg = {.client_id = "app",
                        .user = "alice",
                        .scope = "query",
                        .resource = MCP_URL,
                        .auth_time = NOW - 60,
                        .expires = NOW + 3600};
    memcpy(rg.family, g.family, sizeof rg.family);
    char tok[REFRESH_TOKEN_LEN + 1];
    assert_int_equal(refresh_family_create(store, &rg, 3600, NOW, tok, err, sizeof err),
                     REFRESH_EXISTS);
    auth_code_grant_free(&g);
    free(code);
}

static void test_pkce(void **state)
{
    (void)state;
    struct {
        const char *verifier; /* NULL: not sent */
        const char *error;
        const char *reason;
    } cases[] = {
        {NULL, "invalid_request", "pkce_missing"},
        {"short", "invalid_request", "pkce_malformed"},
        {VERIFIER "!", "invalid_request", "pkce_malformed"},
        /* "plain": the challenge itself sent as the verifier */
        {CHALLENGE, "invalid_grant", "pkce_mismatch"},
        {VERIFIER_BAD, "invalid_grant", "pkce_mismatch"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *code = new_code("app", "alice", "query", NOW - 60);
        char body[1024];
        snprintf(body, sizeof body,
                 "grant_type=authorization_code&code=%s&redirect_uri=http%%3A%%2F%%2F127.0.0.1%%"
                 "3A9999%%2Fcb&client_id=app%s%s",
                 code, cases[i].verifier ? "&code_verifier=" : "",
                 cases[i].verifier ? cases[i].verifier : "");
        answer a = call("/token", NULL, body);
        assert_error(&a, 400, cases[i].error);
        assert_reason(&a, cases[i].reason);
        answer_free(&a);
        /* A malformed request leaves the code alone; a wrong verifier burns it. */
        a = redeem("app", NULL, code, VERIFIER, NULL);
        if (!strcmp(cases[i].error, "invalid_request")) {
            assert_tokens(&a, "alice", "app", "query", true);
        } else {
            assert_error(&a, 400, "invalid_grant");
            assert_reason(&a, "code_replayed");
        }
        answer_free(&a);
        free(code);
    }
    assert_true(token_pkce_s256_matches(VERIFIER, CHALLENGE));
    assert_false(token_pkce_s256_matches(CHALLENGE, CHALLENGE));
    assert_false(token_pkce_verifier_valid("a"));
    char v128[129], v129[130];
    memset(v128, 'a', 128);
    v128[128] = '\0';
    memset(v129, 'a', 129);
    v129[129] = '\0';
    assert_true(token_pkce_verifier_valid(v128));
    assert_false(token_pkce_verifier_valid(v129));
}

static void test_code_bindings(void **state)
{
    (void)state;
    /* redirect_uri lookalikes. */
    const char *uris[] = {
        "http%3A%2F%2F127.0.0.1%3A9999%2Fcb%2F", "http%3A%2F%2F127.0.0.1%3A9999%2Fcb%2Fx",
        "http%3A%2F%2F127.0.0.1%3A9999%2Fcb%3Fa%3D1", "http%3A%2F%2F127.0.0.1%3A9999%2FCB",
        "http%3A%2F%2F127.0.0.1%3A9998%2Fcb"};
    for (size_t i = 0; i < sizeof uris / sizeof *uris; i++) {
        char *code = new_code("app", "alice", "query", NOW - 60);
        char body[1024];
        snprintf(body, sizeof body,
                 "grant_type=authorization_code&code=%s&redirect_uri=%s&client_id=app&code_"
                 "verifier=" VERIFIER,
                 code, uris[i]);
        answer a = call("/token", NULL, body);
        assert_error(&a, 400, "invalid_grant");
        assert_reason(&a, "redirect_uri");
        answer_free(&a);
        free(code);
    }
    /* Another client. */
    char *code = new_code("app", "alice", "query", NOW - 60);
    answer a = redeem("app2", NULL, code, VERIFIER, NULL);
    assert_error(&a, 400, "invalid_grant");
    assert_reason(&a, "code_client");
    answer_free(&a);
    free(code);
    /* Another resource. */
    code = new_code("app", "alice", "query", NOW - 60);
    a = redeem("app", NULL, code, VERIFIER, "&resource=https%3A%2F%2Fother.example%2Fmcp");
    assert_error(&a, 400, "invalid_target");
    answer_free(&a);
    free(code);
    /* A confidential client must authenticate. */
    code = new_code("conf-app", "alice", "query", NOW - 60);
    a = redeem("conf-app", NULL, code, VERIFIER, NULL);
    assert_error(&a, 401, "invalid_client");
    answer_free(&a);
    free(code);
    /* Missing parameters. */
    a = call("/token", NULL,
             "grant_type=authorization_code&client_id=app&code_verifier=" VERIFIER
             "&redirect_uri=x");
    assert_error(&a, 400, "invalid_request");
    assert_non_null(strstr(fx_str(a.json, "error_description"), "code"));
    answer_free(&a);
    a = call("/token", NULL,
             "grant_type=authorization_code&client_id=app&code=abc&code_verifier=" VERIFIER);
    assert_error(&a, 400, "invalid_request");
    assert_non_null(strstr(fx_str(a.json, "error_description"), "redirect_uri"));
    answer_free(&a);
}

static void test_code_user_and_scope(void **state)
{
    (void)state;
    /* carol may grant query only: the token is bounded by her scopes. */
    char *code = new_code("app", "carol", "query schemas:read", NOW - 60);
    answer a = redeem("app", NULL, code, VERIFIER, NULL);
    assert_tokens(&a, "carol", "app", "query", true);
    answer_free(&a);
    free(code);
    /* dave was disabled after signing in. */
    code = new_code("app", "dave", "query", NOW - 60);
    a = redeem("app", NULL, code, VERIFIER, NULL);
    assert_error(&a, 400, "invalid_grant");
    assert_reason(&a, "user_refused");
    answer_free(&a);
    free(code);
    /* A client without refresh_token gets no refresh token. */
    code = new_code("app-noref", "alice", "query", NOW - 60);
    a = redeem("app-noref", NULL, code, VERIFIER, NULL);
    assert_tokens(&a, "alice", "app-noref", "query", false);
    answer_free(&a);
    free(code);
    /* A sign-in older than the session lifetime: no refresh token. */
    code = new_code("app", "alice", "query", NOW - 13 * 3600);
    a = redeem("app", NULL, code, VERIFIER, NULL);
    assert_tokens(&a, "alice", "app", "query", false);
    answer_free(&a);
    free(code);
}

/* ---- refresh_token ------------------------------------------------------------------------ */

static void get_refresh(const char *client, const char *user, const char *scope, int64_t auth_time,
                        char out[REFRESH_TOKEN_LEN + 1])
{
    char *code = new_code(client, user, scope, auth_time);
    answer a = redeem(client, NULL, code, VERIFIER, NULL);
    assert_int_equal(a.status, 200);
    snprintf(out, REFRESH_TOKEN_LEN + 1, "%s", fx_str(a.json, "refresh_token"));
    answer_free(&a);
    free(code);
}

static void test_refresh_rotation_and_reuse(void **state)
{
    (void)state;
    char r0[REFRESH_TOKEN_LEN + 1], r1[REFRESH_TOKEN_LEN + 1], r2[REFRESH_TOKEN_LEN + 1];
    get_refresh("app", "alice", "query schemas:read", NOW - 60, r0);
    fake_now = NOW + 700;
    answer a = refresh("app", r0, NULL);
    assert_tokens(&a, "alice", "app", "query schemas:read", true);
    snprintf(r1, sizeof r1, "%s", fx_str(a.json, "refresh_token"));
    assert_string_not_equal(r0, r1);
    answer_free(&a);
    fake_now = NOW + 1400;
    /* Narrowing: the access token only. */
    a = refresh("app", r1, "&scope=query");
    assert_tokens(&a, "alice", "app", "query", true);
    snprintf(r2, sizeof r2, "%s", fx_str(a.json, "refresh_token"));
    answer_free(&a);
    fake_now = NOW + 2100;
    /* The refresh token kept the whole grant. */
    char r3[REFRESH_TOKEN_LEN + 1];
    a = refresh("app", r2, NULL);
    assert_tokens(&a, "alice", "app", "query schemas:read", true);
    snprintf(r3, sizeof r3, "%s", fx_str(a.json, "refresh_token"));
    answer_free(&a);
    /* Reuse of r1 (rotated long ago): the family is revoked. */
    a = refresh("app", r1, NULL);
    assert_error(&a, 400, "invalid_grant");
    assert_reason(&a, "reused");
    answer_free(&a);
    a = refresh("app", r3, NULL);
    assert_error(&a, 400, "invalid_grant");
    assert_reason(&a, "revoked");
    answer_free(&a);
}

static void test_refresh_grace(void **state)
{
    (void)state;
    char r0[REFRESH_TOKEN_LEN + 1], r1[REFRESH_TOKEN_LEN + 1];
    get_refresh("app", "alice", "query", NOW - 60, r0);
    answer a = refresh("app", r0, NULL);
    assert_int_equal(a.status, 200);
    snprintf(r1, sizeof r1, "%s", fx_str(a.json, "refresh_token"));
    answer_free(&a);
    /* The response was lost: a retry within the grace gets the same token. */
    fake_now = NOW + 3;
    a = refresh("app", r0, NULL);
    assert_tokens(&a, "alice", "app", "query", true);
    assert_string_equal(fx_str(a.json, "refresh_token"), r1);
    answer_free(&a);
    /* Not twice. */
    a = refresh("app", r0, NULL);
    assert_error(&a, 400, "invalid_grant");
    assert_reason(&a, "reused");
    answer_free(&a);
}

static void test_refresh_attacks(void **state)
{
    (void)state;
    char r0[REFRESH_TOKEN_LEN + 1];
    get_refresh("app", "alice", "query", NOW - 60, r0);
    /* Escalation. */
    answer a = refresh("app", r0, "&scope=query+schemas%3Aread");
    assert_error(&a, 400, "invalid_scope");
    assert_reason(&a, "scope_widened");
    answer_free(&a);
    a = refresh("app", r0, "&scope=admin");
    assert_error(&a, 400, "invalid_scope");
    answer_free(&a);
    /* Another client. */
    a = refresh("app2", r0, NULL);
    assert_error(&a, 400, "invalid_grant");
    assert_reason(&a, "wrong_client");
    answer_free(&a);
    /* Another resource. */
    a = refresh("app", r0, "&resource=https%3A%2F%2Fother.example%2Fmcp");
    assert_error(&a, 400, "invalid_target");
    answer_free(&a);
    /* Garbage. */
    a = refresh("app", "not-a-token", NULL);
    assert_error(&a, 400, "invalid_grant");
    assert_reason(&a, "unknown");
    answer_free(&a);
    /* None of that used the token up. */
    a = refresh("app", r0, NULL);
    assert_tokens(&a, "alice", "app", "query", true);
    answer_free(&a);
}

static void test_refresh_session_end(void **state)
{
    (void)state;
    char r0[REFRESH_TOKEN_LEN + 1], r1[REFRESH_TOKEN_LEN + 1];
    get_refresh("app", "alice", "query", NOW - 60, r0);
    /* Within the token's hour, and within the 12 h session: fine. */
    fake_now = NOW + 3000;
    answer a = refresh("app", r0, NULL);
    assert_int_equal(a.status, 200);
    snprintf(r1, sizeof r1, "%s", fx_str(a.json, "refresh_token"));
    answer_free(&a);
    /* Past the session's absolute end (login + 12 h), however fresh the token. */
    fake_now = NOW - 60 + 12 * 3600;
    a = refresh("app", r1, NULL);
    assert_error(&a, 400, "invalid_grant");
    assert_reason(&a, "expired");
    answer_free(&a);
}

static void test_refresh_user_disabled(void **state)
{
    (void)state;
    /* A refresh family of a user who is no longer allowed is revoked. */
    refresh_grant rg = {.client_id = "app",
                        .user = "dave",
                        .scope = "query",
                        .resource = MCP_URL,
                        .auth_time = NOW - 60,
                        .expires = NOW + 3600};
    snprintf(rg.family, sizeof rg.family, "%s", "0123456789abcdef0123456789abcdef");
    char tok[REFRESH_TOKEN_LEN + 1], err[256];
    assert_int_equal(refresh_family_create(store, &rg, 3600, NOW, tok, err, sizeof err),
                     REFRESH_OK);
    answer a = refresh("app", tok, NULL);
    assert_error(&a, 400, "invalid_grant");
    assert_reason(&a, "user_refused");
    answer_free(&a);
    refresh_grant out;
    assert_int_equal(refresh_token_peek(store, tok, NOW, &out, err, sizeof err), REFRESH_REVOKED);
}

/* ---- /revoke ------------------------------------------------------------------------------ */

static void test_revoke(void **state)
{
    (void)state;
    char r0[REFRESH_TOKEN_LEN + 1], body[256];
    get_refresh("app", "alice", "query", NOW - 60, r0);
    /* Another client's request: 200, no effect. */
    snprintf(body, sizeof body, "token=%s&client_id=app2", r0);
    answer a = call("/revoke", NULL, body);
    assert_int_equal(a.status, 200);
    assert_string_equal(a.cache, "no-store");
    answer_free(&a);
    a = refresh("app", r0, NULL);
    assert_int_equal(a.status, 200);
    char r1[REFRESH_TOKEN_LEN + 1];
    snprintf(r1, sizeof r1, "%s", fx_str(a.json, "refresh_token"));
    const char *access = fx_str(a.json, "access_token");
    /* An access token: 200 without effect (stateless JWT). */
    char abody[4096];
    snprintf(abody, sizeof abody, "token=%s&token_type_hint=access_token&client_id=app", access);
    answer b = call("/revoke", NULL, abody);
    assert_int_equal(b.status, 200);
    assert_non_null(strstr(b.detail, "kind=access_token"));
    answer_free(&b);
    answer_free(&a);
    /* The owner revokes: the whole family ends. */
    snprintf(body, sizeof body, "token=%s&token_type_hint=refresh_token&client_id=app", r1);
    a = call("/revoke", NULL, body);
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.detail, "grant=revoke outcome=ok"));
    answer_free(&a);
    a = refresh("app", r1, NULL);
    assert_error(&a, 400, "invalid_grant");
    assert_reason(&a, "revoked");
    answer_free(&a);
    /* Unknown or malformed tokens: 200. */
    a = call("/revoke", NULL, "token=whatever&client_id=app");
    assert_int_equal(a.status, 200);
    answer_free(&a);
    /* The request itself must be right. */
    a = call("/revoke", NULL, "client_id=app");
    assert_error(&a, 400, "invalid_request");
    answer_free(&a);
    a = call("/revoke", NULL, "token=x&client_id=api");
    assert_error(&a, 401, "invalid_client");
    answer_free(&a);
    char *h = basic("api", API_SECRET);
    a = call("/revoke", h, "token=x");
    assert_int_equal(a.status, 200);
    answer_free(&a);
    free(h);
    a = call("/revoke", NULL, "token=x");
    assert_error(&a, 401, "invalid_client");
    answer_free(&a);
}

/* ---- the request itself -------------------------------------------------------------------- */

static void test_request_rules(void **state)
{
    (void)state;
    char *h = basic("api", API_SECRET);
    answer a = call_full("GET", "/token", h, NULL, NULL, NULL);
    assert_error(&a, 405, "invalid_request");
    answer_free(&a);
    a = call_full("POST", "/token", h, "grant_type=client_credentials", "scope=query", NULL);
    assert_error(&a, 400, "invalid_request");
    assert_reason(&a, "query_parameters");
    answer_free(&a);
    a = call_full("POST", "/token", h, "{\"grant_type\":\"client_credentials\"}", NULL,
                  "application/json");
    assert_error(&a, 400, "invalid_request");
    assert_reason(&a, "content_type");
    answer_free(&a);
    /* The media type with a charset parameter is fine. */
    a = call_full("POST", "/token", h, "grant_type=client_credentials", NULL,
                  "application/x-www-form-urlencoded; charset=UTF-8");
    assert_int_equal(a.status, 200);
    answer_free(&a);
    a = call("/token", h, "grant_type=client_credentials&grant_type=client_credentials");
    assert_error(&a, 400, "invalid_request");
    assert_reason(&a, "form");
    answer_free(&a);
    a = call("/token", h, "grant_type=client_credentials&scope=query&scope=query");
    assert_error(&a, 400, "invalid_request");
    answer_free(&a);
    a = call("/token", h, "grant_type=password&username=a&password=b");
    assert_error(&a, 400, "unsupported_grant_type");
    answer_free(&a);
    a = call("/token", h, "scope=query");
    assert_error(&a, 400, "invalid_request");
    answer_free(&a);
    /* Two authentication methods at once. */
    a = call("/token", h, "grant_type=client_credentials&client_secret=" API_SECRET);
    assert_error(&a, 400, "invalid_request");
    assert_reason(&a, "two_auth_methods");
    answer_free(&a);
    a = call("/token", h, "grant_type=client_credentials&client_id=api-q");
    assert_error(&a, 400, "invalid_request");
    assert_reason(&a, "client_id_mismatch");
    answer_free(&a);
    /* No client at all. */
    a = call("/token", NULL, "grant_type=client_credentials");
    assert_error(&a, 401, "invalid_client");
    answer_free(&a);
    /* An oversized parameter and an oversized body. */
    char big[TOKEN_MAX_BODY + 64];
    int n = snprintf(big, sizeof big, "grant_type=client_credentials&scope=");
    memset(big + n, 'q', TOKEN_MAX_VALUE + 1);
    big[n + TOKEN_MAX_VALUE + 1] = '\0';
    a = call("/token", h, big);
    assert_error(&a, 400, "invalid_request");
    answer_free(&a);
    memset(big + n, 'q', sizeof big - (size_t)n - 1);
    big[sizeof big - 1] = '\0';
    a = call("/token", h, big);
    assert_error(&a, 413, "invalid_request");
    answer_free(&a);
    free(h);
    /* OPTIONS: the CORS preflight. */
    a = call_full("OPTIONS", "/token", NULL, NULL, NULL, NULL);
    assert_int_equal(a.status, 204);
    assert_string_equal(a.cors, "*");
    answer_free(&a);
    /* Other paths. */
    a = call("/tokens", NULL, "grant_type=client_credentials");
    assert_int_equal(a.status, 404);
    answer_free(&a);
}

/* The refusal formatter used while the request is read (413 and the like). */
static void test_refusal_formatter(void **state)
{
    (void)state;
    http_response r;
    http_response_init(&r);
    token_http_refusal(&r, 413, "The request body is too large.");
    assert_int_equal(r.status, 413);
    json_object *j = fx_json(buf_cstr(&r.body));
    assert_string_equal(fx_str(j, "error"), "invalid_request");
    json_object_put(j);
    char v[64];
    fx_resp_header(&r, "Cache-Control", v, sizeof v);
    assert_string_equal(v, "no-store");
    http_response_free(&r);
}

/* ---- Redis down and back --------------------------------------------------------------------- */

static void test_store_down(void **state)
{
    (void)state;
    char r0[REFRESH_TOKEN_LEN + 1];
    get_refresh("app", "alice", "query", NOW - 60, r0);
    char *code = new_code("app", "alice", "query", NOW - 60);
    test_redis_pause(srv);
    answer a = redeem("app", NULL, code, VERIFIER, NULL);
    assert_error(&a, 503, "temporarily_unavailable");
    assert_string_equal(a.retry, "5");
    assert_non_null(strstr(fx_str(a.json, "error_description"), "Redis"));
    answer_free(&a);
    a = refresh("app", r0, NULL);
    assert_error(&a, 503, "temporarily_unavailable");
    answer_free(&a);
    char body[256];
    snprintf(body, sizeof body, "token=%s&client_id=app", r0);
    a = call("/revoke", NULL, body);
    assert_error(&a, 503, "temporarily_unavailable");
    answer_free(&a);
    /* client_credentials of a configured client needs no Redis. */
    char *h = basic("api", API_SECRET);
    a = call("/token", h, "grant_type=client_credentials");
    assert_tokens(&a, "api", "api", "query schemas:read", false);
    answer_free(&a);
    free(h);
    test_redis_resume(srv);
    /* Back (empty): the same app answers again, without a restart. */
    free(code);
    code = new_code("app", "alice", "query", NOW - 60);
    a = redeem("app", NULL, code, VERIFIER, NULL);
    if (a.status == 503) { /* at most one request lands on the dropped connection */
        answer_free(&a);
        free(code);
        code = new_code("app", "alice", "query", NOW - 60);
        a = redeem("app", NULL, code, VERIFIER, NULL);
    }
    assert_tokens(&a, "alice", "app", "query", true);
    answer_free(&a);
    free(code);
}

static void test_auth_none(void **state)
{
    (void)state;
    config none;
    fx_config_load(&none, FX_GLOBAL_CONF("") FX_SCHEMA_CONF("demo", ""), 1);
    token_app a2 = {.cfg = &none, .rs = store, .clients = clients, .keys = keys};
    const char *params[] = {"REQUEST_METHOD=POST", "SCRIPT_NAME=/token",
                            "CONTENT_TYPE=application/x-www-form-urlencoded", NULL};
    http_request req;
    fx_request(&req, params, "grant_type=client_credentials");
    http_response resp;
    http_response_init(&resp);
    token_http_handle(&a2, &req, &resp);
    assert_int_equal(resp.status, 404);
    http_response_free(&resp);
    http_request_free(&req);
    config_free(&none);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_client_credentials_basic, each_setup),
        cmocka_unit_test_setup(test_client_credentials_post_and_secrets, each_setup),
        cmocka_unit_test_setup(test_basic_encoding, each_setup),
        cmocka_unit_test_setup(test_code_flow_and_replay, each_setup),
        cmocka_unit_test_setup(test_code_replay_before_issue, each_setup),
        cmocka_unit_test_setup(test_pkce, each_setup),
        cmocka_unit_test_setup(test_code_bindings, each_setup),
        cmocka_unit_test_setup(test_code_user_and_scope, each_setup),
        cmocka_unit_test_setup(test_refresh_rotation_and_reuse, each_setup),
        cmocka_unit_test_setup(test_refresh_grace, each_setup),
        cmocka_unit_test_setup(test_refresh_attacks, each_setup),
        cmocka_unit_test_setup(test_refresh_session_end, each_setup),
        cmocka_unit_test_setup(test_refresh_user_disabled, each_setup),
        cmocka_unit_test_setup(test_revoke, each_setup),
        cmocka_unit_test_setup(test_request_rules, each_setup),
        cmocka_unit_test_setup(test_refusal_formatter, each_setup),
        cmocka_unit_test_setup(test_store_down, each_setup),
        cmocka_unit_test_setup(test_auth_none, each_setup),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/* core/mcp/transport.c with auth = oauth: every /mcp request needs a valid
 * bearer token (401/400 challenges otherwise), tools/list shows what the
 * token's scopes allow, tools/call outside them is a 403 step-up challenge,
 * the principal is logged, and the discovery documents are served. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/support/capture_stderr.h"
#include "tests/unit/support/mcp_fixture.h"
#include "tests/unit/support/oauth_keys.h"

#include "core/base/log.h"
#include "core/mcp/tools.h"
#include "oauth/discovery.h"
#include "oauth/jwt.h"

#define BASE          "https://ddbsql.example.com"
#define PRM           BASE "/.well-known/oauth-protected-resource/mcp"
#define CHALLENGE_401 "Bearer resource_metadata=\"" PRM "\", scope=\"query schemas:read\""

static fake_http *F;
static config C;
static mcp_app A;

/* A stand-in for run_sql (registered by sql/, not core): needs query. */
static json_object *run_echo(mcp_call *call, json_object *args, buf_t *err)
{
    (void)call;
    (void)args;
    (void)err;
    json_object *o = json_object_new_object();
    jset_str(o, "ran", "yes");
    return o;
}

static void render_echo(json_object *r, buf_t *out)
{
    buf_puts(out, jget_str(r, "ran"));
}

static const tool_def FAKE_RUN_SQL = {
    .name = "run_sql",
    .title = "Run SQL",
    .description = "test stand-in",
    .input_schema = "{\"type\":\"object\"}",
    .output_schema = "{\"type\":\"object\"}",
    .scope = SCOPE_QUERY,
    .run = run_echo,
    .render = render_echo,
};

static int setup(void **state)
{
    (void)state;
    F = fake_http_start();
    fx_config_load(&C,
                   "public_url = " BASE "\nauth = oauth\n[signing_key k1]\npath = /unused.pem\n"
                   "[redis]\nport = %d\n" FX_SCHEMA_CONF("demo", "endpoint = %s\n"),
                   fake_http_free_port(), fake_http_url(F));
    char err[256];
    signing_keys *ks = signing_keys_new();
    char *pem = tk_pem_new("EC", "P-256");
    assert_true(signing_keys_add_pem(ks, "k1", pem, strlen(pem), true, err, sizeof err));
    free(pem);
    memset(&A, 0, sizeof A);
    A.cfg = &C;
    A.cat = catalog_new(&C, NULL);
    A.resource_metadata_url = discovery_resource_metadata_url(&C);
    mcp_app_set_keys(&A, ks);
    tools_register_metadata();
    tools_register(&FAKE_RUN_SQL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tools_reset();
    catalog_free(A.cat);
    mcp_app_set_keys(&A, NULL); /* frees the keys and the token cache */
    free(A.resource_metadata_url);
    config_free(&C);
    fake_http_stop(F);
    return 0;
}

static char *token_for(const char *sub, const char *client, const char *scope)
{
    char err[256];
    jwt_issue_params p = {C.oauth.issuer,   sub, C.mcp_url, client, scope,
                          wall_ms() / 1000, 600, NULL};
    char *t = jwt_issue(A.keys, &p, NULL, err, sizeof err);
    assert_non_null(t);
    return t;
}

typedef struct outcome {
    http_response resp;
    json_object *doc;
    char principal[128];
    char detail[160];
    char www[1024];
} outcome;

/* POSTs body to /mcp with the given Authorization (NULL: none) and extra
 * CGI params. */
static void post(outcome *o, const char *authorization, const char *body, const char *extra)
{
    char auth[9000];
    const char *params[12];
    size_t n = 0;
    params[n++] = "REQUEST_METHOD=POST";
    params[n++] = "SCRIPT_NAME=/mcp";
    params[n++] = "CONTENT_TYPE=application/json";
    params[n++] = "HTTP_ACCEPT=application/json, text/event-stream";
    params[n++] = "HTTP_HOST=ddbsql.example.com";
    params[n++] = "HTTP_MCP_PROTOCOL_VERSION=2025-11-25";
    if (authorization) {
        snprintf(auth, sizeof auth, "HTTP_AUTHORIZATION=%s", authorization);
        params[n++] = auth;
    }
    if (extra)
        params[n++] = extra;
    params[n] = NULL;
    http_request req;
    fx_request(&req, params, body);
    http_response_init(&o->resp);
    mcp_http_handle(&A, &req, &o->resp);
    snprintf(o->principal, sizeof o->principal, "%s", req.principal);
    snprintf(o->detail, sizeof o->detail, "%s", req.detail);
    http_request_free(&req);
    fx_resp_header(&o->resp, "WWW-Authenticate", o->www, sizeof o->www);
    char err[160];
    o->doc = o->resp.body.len
                 ? json_parse_strict(o->resp.body.data, o->resp.body.len, 64, err, sizeof err)
                 : NULL;
}

static void done(outcome *o)
{
    json_object_put(o->doc);
    http_response_free(&o->resp);
}

static void post_bearer(outcome *o, const char *token, const char *body)
{
    char h[9000];
    snprintf(h, sizeof h, "Bearer %s", token);
    post(o, h, body, NULL);
}

#define PING       "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"
#define TOOLS_LIST "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}"
#define CALL(tool)                                                                                 \
    "{\"jsonrpc\":\"2.0\",\"id\":\"c-7\",\"method\":\"tools/call\",\"params\":{\"name\":\"" tool   \
    "\",\"arguments\":{}}}"

static void test_missing_token(void **state)
{
    (void)state;
    static const char *const none[] = {NULL, "Basic dXNlcjpwYXNz", "Digest realm=x"};
    static const char *const bodies[] = {PING, TOOLS_LIST, CALL("run_sql"),
                                         "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
                                         "\"params\":{\"protocolVersion\":\"2025-11-25\"}}",
                                         "not even json"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        for (size_t j = 0; j < sizeof bodies / sizeof bodies[0]; j++) {
            outcome o;
            post(&o, none[i], bodies[j], NULL);
            assert_int_equal(o.resp.status, 401);
            assert_string_equal(o.www, CHALLENGE_401);
            assert_true(json_object_is_type(fx_path(o.doc, "id"), json_type_null));
            assert_int_equal(fx_int(o.doc, "error.code"), RPC_INVALID_REQUEST);
            fx_assert_contains(fx_str(o.doc, "error.message"),
                               "Unauthorized: this MCP endpoint needs an OAuth access token");
            assert_string_equal(o.detail, "auth=missing");
            assert_string_equal(o.principal, "");
            done(&o);
        }
    }
    /* GET (no SSE here) is refused for the token first, like everything. */
    outcome o;
    post(&o, NULL, NULL, "REQUEST_METHOD=GET");
    assert_int_equal(o.resp.status, 401);
    done(&o);
}

static void test_malformed_credentials(void **state)
{
    (void)state;
    static const char *const bad[] = {"Bearer", "Bearer a b", "Bearer abc,Bearer def",
                                      "Bearer a\"b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        outcome o;
        post(&o, bad[i], PING, NULL);
        assert_int_equal(o.resp.status, 400);
        assert_string_equal(o.www, CHALLENGE_401 ", error=\"invalid_request\", error_description="
                                                 "\"The Authorization header must be 'Bearer' "
                                                 "followed by exactly one token\"");
        assert_string_equal(o.detail, "auth=bad_credentials");
        done(&o);
    }
    /* A token in the URL is refused even next to a good header. */
    char *t = token_for("alice", "cli", "query");
    char h[9000];
    snprintf(h, sizeof h, "Bearer %s", t);
    outcome o;
    post(&o, h, PING, "QUERY_STRING=access_token=abc");
    assert_int_equal(o.resp.status, 400);
    fx_assert_contains(fx_str(o.doc, "error.message"), "only in the Authorization header");
    done(&o);
    free(t);
}

static void test_invalid_tokens(void **state)
{
    (void)state;
    char err[256];
    int64_t now = wall_ms() / 1000;
    /* Expired, for another resource, from another issuer. */
    jwt_issue_params expired = {C.oauth.issuer, "alice",    C.mcp_url, "cli",
                                "query",        now - 4000, 600,       NULL};
    jwt_issue_params other_aud = {
        C.oauth.issuer, "alice", "https://other.example/mcp", "cli", "query", now, 600, NULL};
    jwt_issue_params other_iss = {
        "https://evil.example", "alice", C.mcp_url, "cli", "query", now, 600, NULL};
    const jwt_issue_params *cases[] = {&expired, &other_aud, &other_iss};
    const char *descs[] = {"The access token expired", "The access token is invalid",
                           "The access token is invalid"};
    const char *codes[] = {"auth=expired", "auth=wrong_audience", "auth=wrong_issuer"};
    for (size_t i = 0; i < 3; i++) {
        char *t = jwt_issue(A.keys, cases[i], NULL, err, sizeof err);
        assert_non_null(t);
        capture_stderr_start();
        outcome o;
        post_bearer(&o, t, TOOLS_LIST);
        char *logged = capture_stderr_stop();
        assert_int_equal(o.resp.status, 401);
        char want[1024];
        snprintf(want, sizeof want,
                 CHALLENGE_401 ", error=\"invalid_token\", error_description=\"%s\"", descs[i]);
        assert_string_equal(o.www, want);
        assert_string_equal(o.detail, codes[i]);
        fx_assert_contains(fx_str(o.doc, "error.message"),
                           "the access token is invalid or expired");
        /* The log says why, never the token. */
        fx_assert_contains(logged, "bearer credentials refused");
        assert_null(strstr(logged, t));
        assert_null(strstr(logged, strrchr(t, '.') + 1));
        assert_null(strstr(o.resp.body.data, t));
        free(logged);
        done(&o);
        free(t);
    }
    outcome o;
    post(&o, "Bearer not.a.token", PING, NULL);
    assert_int_equal(o.resp.status, 401);
    assert_string_equal(o.detail, "auth=malformed");
    done(&o);
}

/* The names in a tools/list answer, sorted by the registry's order. */
static void tools_are(const char *token, const char *want)
{
    outcome o;
    post_bearer(&o, token, TOOLS_LIST);
    assert_int_equal(o.resp.status, 200);
    char names[256] = "";
    json_object *tools = fx_path(o.doc, "result.tools");
    for (size_t i = 0; i < json_object_array_length(tools); i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? " " : "",
                 jget_str(json_object_array_get_idx(tools, i), "name"));
    assert_string_equal(names, want);
    done(&o);
}

static void forbidden(const char *token, const char *tool, const char *scope_param,
                      const char *needed)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"jsonrpc\":\"2.0\",\"id\":\"c-7\",\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"%s\",\"arguments\":{}}}",
             tool);
    outcome o;
    post_bearer(&o, token, body);
    assert_int_equal(o.resp.status, 403);
    char want[1024];
    snprintf(want, sizeof want,
             "Bearer error=\"insufficient_scope\", scope=\"%s\", resource_metadata=\"" PRM
             "\", error_description=\"This request needs the %s scope\"",
             scope_param, needed);
    assert_string_equal(o.www, want);
    assert_string_equal(fx_str(o.doc, "id"), "c-7");
    fx_assert_contains(fx_str(o.doc, "error.message"), "Forbidden: the tool");
    fx_assert_contains(fx_str(o.doc, "error.message"), needed);
    fx_assert_contains(o.detail, "auth=insufficient_scope");
    done(&o);
}

static void test_scopes(void **state)
{
    (void)state;
    char *all = token_for("alice", "cli", "query schemas:read");
    char *query = token_for("svc", "svc", "query");
    char *read = token_for("bob", "inspector", "schemas:read");
    char *none = token_for("carol", "cli", "");
    char *unknown = token_for("dave", "cli", "admin other:thing");

    tools_are(all, "list_tables describe_table run_sql");
    tools_are(query, "run_sql");
    tools_are(read, "list_tables describe_table");
    tools_are(none, "");
    tools_are(unknown, "");

    forbidden(query, "list_tables", "query schemas:read", "schemas:read");
    forbidden(query, "describe_table", "query schemas:read", "schemas:read");
    forbidden(read, "run_sql", "query schemas:read", "query");
    forbidden(none, "run_sql", "query", "query");
    forbidden(none, "list_tables", "schemas:read", "schemas:read");

    /* Allowed: runs, and the principal is in the access log fields. The
     * same token again is answered from the worker's cache. */
    size_t hits = jwt_cache_hits(A.token_cache);
    outcome o;
    post_bearer(&o, query, CALL("run_sql"));
    assert_int_equal(o.resp.status, 200);
    assert_string_equal(fx_str(o.doc, "result.content.0.text"), "yes");
    assert_string_equal(o.principal, "svc");
    assert_string_equal(o.detail, "rpc=tools/call tool=run_sql");
    done(&o);
    assert_true(jwt_cache_hits(A.token_cache) > hits);
    post_bearer(&o, read, PING);
    assert_int_equal(o.resp.status, 200);
    assert_string_equal(o.principal, "bob,client=inspector");
    done(&o);
    /* An unknown tool is an ordinary JSON-RPC error, not a 403. */
    post_bearer(&o, all, CALL("drop_everything"));
    assert_int_equal(o.resp.status, 200);
    fx_assert_contains(fx_str(o.doc, "error.message"), "Unknown tool: 'drop_everything'");
    done(&o);
    post_bearer(&o, none, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{}}");
    assert_int_equal(o.resp.status, 200);
    fx_assert_contains(fx_str(o.doc, "error.message"), "\"name\" (the tool name) is required");
    done(&o);
    /* Notifications need the token too, and then pass. */
    post_bearer(&o, none, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    assert_int_equal(o.resp.status, 202);
    done(&o);

    free(all);
    free(query);
    free(read);
    free(none);
    free(unknown);
}

/* No token passthrough: a tool that reads DynamoDB does so with the
 * schema's own AWS credentials (a SigV4 signature), and the client's
 * access token appears nowhere in what is sent upstream. */
static void test_token_not_passed_through(void **state)
{
    (void)state;
    char *t = token_for("alice", "cli", "schemas:read");
    size_t before = fake_http_nrequests(F);
    fx_ddb_ok(F, "{\"TableNames\":[\"orders\"]}");
    fx_ddb_describe(F, "orders", 3, false);
    outcome o;
    post_bearer(&o, t,
                "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":"
                "\"list_tables\",\"arguments\":{\"refresh\":\"force\"}}}");
    assert_int_equal(o.resp.status, 200);
    fx_assert_contains(fx_str(o.doc, "result.content.0.text"), "demo.orders");
    done(&o);
    size_t after = fake_http_nrequests(F);
    assert_int_equal(after, before + 2); /* ListTables, DescribeTable */
    const char *sig = strrchr(t, '.') + 1;
    for (size_t k = before; k < after; k++) {
        const fake_http_req *r = fake_http_request(F, k);
        const char *auth = fake_http_header_get(r, "Authorization");
        assert_non_null(auth);
        assert_true(strncmp(auth, "AWS4-HMAC-SHA256 Credential=AKIDUNITTEST00000000/", 49) == 0);
        for (size_t i = 0; i < r->nheaders; i++) {
            assert_null(strstr(r->headers[i].value, t));
            assert_null(strstr(r->headers[i].value, sig));
        }
        assert_null(strstr(r->path, sig));
        assert_null(strstr(r->body, sig));
    }
    free(t);
}

static void test_transport_rules_still_apply(void **state)
{
    (void)state;
    /* Origin is checked before the token (DNS rebinding), and a preflight
     * needs no token. */
    outcome o;
    post(&o, NULL, PING, "HTTP_ORIGIN=https://evil.example");
    assert_int_equal(o.resp.status, 403);
    assert_string_equal(o.www, "");
    done(&o);
    const char *params[] = {"REQUEST_METHOD=OPTIONS", "SCRIPT_NAME=/mcp",
                            "HTTP_ORIGIN=https://ddbsql.example.com",
                            "HTTP_ACCESS_CONTROL_REQUEST_HEADERS=authorization", NULL};
    http_response resp;
    json_object *doc = fx_handle(&A, params, NULL, &resp);
    assert_int_equal(resp.status, 204);
    char v[256];
    assert_true(fx_resp_header(&resp, "Access-Control-Allow-Headers", v, sizeof v));
    fx_assert_contains(v, "Authorization");
    json_object_put(doc);
    http_response_free(&resp);
    /* The 401 is readable by a browser client (CORS exposes the challenge). */
    post(&o, NULL, PING, "HTTP_ORIGIN=https://ddbsql.example.com");
    assert_int_equal(o.resp.status, 401);
    assert_true(fx_resp_header(&o.resp, "Access-Control-Expose-Headers", v, sizeof v));
    fx_assert_contains(v, "WWW-Authenticate");
    done(&o);
    /* With a token, a non-loopback Host is fine (that rule is auth = none's). */
    char *t = token_for("alice", "cli", "query");
    post_bearer(&o, t, PING);
    assert_int_equal(o.resp.status, 200);
    done(&o);
    free(t);
}

static void test_discovery_routes(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        const char *member, *value;
    } docs[] = {
        {"/.well-known/oauth-protected-resource/mcp", "resource", BASE "/mcp"},
        {"/.well-known/oauth-protected-resource", "resource", BASE "/mcp"},
        {"/.well-known/oauth-authorization-server", "issuer", BASE},
        {"/.well-known/openid-configuration", "token_endpoint", BASE "/token"},
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        char sn[128];
        snprintf(sn, sizeof sn, "SCRIPT_NAME=%s", docs[i].path);
        const char *params[] = {"REQUEST_METHOD=GET", sn, NULL};
        http_response resp;
        json_object *doc = fx_handle(&A, params, NULL, &resp);
        assert_int_equal(resp.status, 200);
        assert_string_equal(jget_str(doc, docs[i].member), docs[i].value);
        json_object_put(doc);
        http_response_free(&resp);
    }
    /* lighttpd may split the path into SCRIPT_NAME and PATH_INFO. */
    const char *split[] = {"REQUEST_METHOD=GET", "SCRIPT_NAME=/.well-known", "PATH_INFO=/jwks.json",
                           NULL};
    http_response resp;
    json_object *doc = fx_handle(&A, split, NULL, &resp);
    assert_int_equal(resp.status, 200);
    assert_string_equal(jget_str(json_object_array_get_idx(jget_arr(doc, "keys"), 0), "kid"), "k1");
    json_object_put(doc);
    http_response_free(&resp);
}

int main(void)
{
    log_init("test");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_token),
        cmocka_unit_test(test_malformed_credentials),
        cmocka_unit_test(test_invalid_tokens),
        cmocka_unit_test(test_scopes),
        cmocka_unit_test(test_token_not_passed_through),
        cmocka_unit_test(test_transport_rules_still_apply),
        cmocka_unit_test(test_discovery_routes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/* oauth/discovery: the RFC 9728 and RFC 8414 documents and the JWKS, the
 * well-known paths they answer, and how they are served. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oauth/discovery.h"

#include "tests/unit/support/mcp_fixture.h"
#include "tests/unit/support/oauth_keys.h"

#define SCHEMA "[schema a]\nregion = us-east-1\n"
#define KEY    "[signing_key k1]\npath = /etc/ddbsql/k1.pem\n"

static signing_keys *keys;

static int setup(void **state)
{
    (void)state;
    char err[256];
    keys = signing_keys_new();
    char *pem = tk_pem_new("EC", "P-256");
    assert_true(signing_keys_add_pem(keys, "k1", pem, strlen(pem), true, err, sizeof err));
    free(pem);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    signing_keys_free(keys);
    return 0;
}

/* The exact member names, in order. */
static void has_members(json_object *o, const char *const *names)
{
    size_t n = 0;
    json_object_object_foreach(o, key, val)
    {
        (void)val;
        if (!names[n] || strcmp(names[n], key) != 0)
            fail_msg("member %zu is '%s', expected '%s'", n, key, names[n] ? names[n] : "(end)");
        n++;
    }
    if (names[n])
        fail_msg("member '%s' missing", names[n]);
}

static const char *arr(json_object *o, const char *key)
{
    return json_compact(jget(o, key));
}

static void test_documents(void **state)
{
    (void)state;
    config c;
    fx_config_load(&c, "public_url = https://db.example.com\nauth = oauth\n" KEY SCHEMA);

    char *prm_url = discovery_resource_metadata_url(&c);
    assert_string_equal(prm_url, "https://db.example.com/.well-known/oauth-protected-resource/mcp");
    free(prm_url);
    char *tok = discovery_issuer_url(&c, OAUTH_PATH_TOKEN);
    assert_string_equal(tok, "https://db.example.com/token");
    free(tok);

    json_object *prm = discovery_protected_resource(&c);
    static const char *const prm_keys[] = {"resource", "authorization_servers",
                                           "bearer_methods_supported", "scopes_supported", NULL};
    has_members(prm, prm_keys);
    assert_string_equal(jget_str(prm, "resource"), "https://db.example.com/mcp");
    assert_string_equal(arr(prm, "authorization_servers"), "[\"https://db.example.com\"]");
    assert_string_equal(arr(prm, "bearer_methods_supported"), "[\"header\"]");
    assert_string_equal(arr(prm, "scopes_supported"), "[\"query\",\"schemas:read\"]");
    json_object_put(prm);

    json_object *as = discovery_authorization_server(&c);
    static const char *const as_keys[] = {"issuer",
                                          "authorization_endpoint",
                                          "token_endpoint",
                                          "registration_endpoint",
                                          "revocation_endpoint",
                                          "jwks_uri",
                                          "scopes_supported",
                                          "response_types_supported",
                                          "grant_types_supported",
                                          "code_challenge_methods_supported",
                                          "token_endpoint_auth_methods_supported",
                                          "client_id_metadata_document_supported",
                                          "authorization_response_iss_parameter_supported",
                                          NULL};
    has_members(as, as_keys);
    assert_string_equal(jget_str(as, "issuer"), "https://db.example.com");
    assert_string_equal(jget_str(as, "authorization_endpoint"), "https://db.example.com/authorize");
    assert_string_equal(jget_str(as, "token_endpoint"), "https://db.example.com/token");
    assert_string_equal(jget_str(as, "registration_endpoint"), "https://db.example.com/register");
    assert_string_equal(jget_str(as, "revocation_endpoint"), "https://db.example.com/revoke");
    assert_string_equal(jget_str(as, "jwks_uri"), "https://db.example.com/.well-known/jwks.json");
    assert_string_equal(arr(as, "response_types_supported"), "[\"code\"]");
    assert_string_equal(arr(as, "grant_types_supported"),
                        "[\"authorization_code\",\"refresh_token\",\"client_credentials\"]");
    assert_string_equal(arr(as, "code_challenge_methods_supported"), "[\"S256\"]");
    assert_string_equal(arr(as, "token_endpoint_auth_methods_supported"),
                        "[\"none\",\"client_secret_basic\",\"client_secret_post\"]");
    assert_true(jget_bool(as, "client_id_metadata_document_supported", false));
    assert_true(jget_bool(as, "authorization_response_iss_parameter_supported", false));
    json_object_put(as);

    json_object *jwks = discovery_jwks(keys);
    assert_int_equal(json_object_array_length(jget_arr(jwks, "keys")), 1);
    assert_string_equal(jget_str(json_object_array_get_idx(jget_arr(jwks, "keys"), 0), "kid"),
                        "k1");
    json_object_put(jwks);
    config_free(&c);
}

static void test_paths(void **state)
{
    (void)state;
    config c;
    fx_config_load(&c, "public_url = https://db.example.com\nauth = oauth\n" KEY SCHEMA);
    static const struct {
        const char *path;
        discovery_doc want;
    } root[] = {
        {"/.well-known/oauth-protected-resource/mcp", DISCOVERY_PROTECTED_RESOURCE},
        {"/.well-known/oauth-protected-resource", DISCOVERY_PROTECTED_RESOURCE},
        {"/.well-known/oauth-authorization-server", DISCOVERY_AUTHORIZATION_SERVER},
        {"/.well-known/openid-configuration", DISCOVERY_AUTHORIZATION_SERVER},
        {"/.well-known/jwks.json", DISCOVERY_JWKS},
        {"/.well-known/oauth-protected-resource/", DISCOVERY_NONE},
        {"/.well-known/oauth-protected-resource/mcp/", DISCOVERY_NONE},
        {"/.well-known/oauth-protected-resource/other", DISCOVERY_NONE},
        {"/.well-known/oauth-authorization-server/x", DISCOVERY_NONE},
        {"/.well-known/OAUTH-protected-resource", DISCOVERY_NONE},
        {"/.well-known/acme-challenge/x", DISCOVERY_NONE},
        {"/mcp", DISCOVERY_NONE},
        {"", DISCOVERY_NONE},
        {NULL, DISCOVERY_NONE},
    };
    for (size_t i = 0; i < sizeof root / sizeof root[0]; i++)
        if (discovery_match(&c, root[i].path) != root[i].want)
            fail_msg("%s: got %d", root[i].path ? root[i].path : "NULL",
                     discovery_match(&c, root[i].path));
    config_free(&c);

    /* public_url and issuer with paths: the path-inserted forms. */
    fx_config_load(&c, "public_url = https://h.example/ddbsql\nauth = oauth\n[oauth]\n"
                       "issuer = https://h.example/auth\n" KEY SCHEMA);
    char *u = discovery_resource_metadata_url(&c);
    assert_string_equal(u, "https://h.example/.well-known/oauth-protected-resource/ddbsql/mcp");
    free(u);
    static const struct {
        const char *path;
        discovery_doc want;
    } sub[] = {
        {"/.well-known/oauth-protected-resource/ddbsql/mcp", DISCOVERY_PROTECTED_RESOURCE},
        {"/.well-known/oauth-protected-resource/ddbsql", DISCOVERY_PROTECTED_RESOURCE},
        {"/.well-known/oauth-protected-resource", DISCOVERY_NONE},
        {"/.well-known/oauth-protected-resource/mcp", DISCOVERY_NONE},
        {"/.well-known/oauth-authorization-server/auth", DISCOVERY_AUTHORIZATION_SERVER},
        {"/.well-known/openid-configuration/auth", DISCOVERY_AUTHORIZATION_SERVER},
        {"/auth/.well-known/openid-configuration", DISCOVERY_AUTHORIZATION_SERVER},
        {"/.well-known/oauth-authorization-server", DISCOVERY_NONE},
        {"/auth/.well-known/jwks.json", DISCOVERY_JWKS},
        {"/.well-known/jwks.json", DISCOVERY_NONE},
    };
    for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++)
        if (discovery_match(&c, sub[i].path) != sub[i].want)
            fail_msg("%s: got %d", sub[i].path, discovery_match(&c, sub[i].path));
    json_object *prm = discovery_protected_resource(&c);
    assert_string_equal(jget_str(prm, "resource"), "https://h.example/ddbsql/mcp");
    assert_string_equal(arr(prm, "authorization_servers"), "[\"https://h.example/auth\"]");
    json_object_put(prm);
    json_object *as = discovery_authorization_server(&c);
    assert_string_equal(jget_str(as, "token_endpoint"), "https://h.example/auth/token");
    assert_string_equal(jget_str(as, "jwks_uri"), "https://h.example/auth/.well-known/jwks.json");
    json_object_put(as);
    config_free(&c);
}

/* Serves path with method; returns the parsed body (or NULL). */
static json_object *serve(const config *c, const char *method, const char *path,
                          http_response *resp, bool *handled)
{
    char m[64], p[256];
    snprintf(m, sizeof m, "REQUEST_METHOD=%s", method);
    snprintf(p, sizeof p, "SCRIPT_NAME=%s", path);
    const char *params[] = {m, p, "HTTP_ORIGIN=https://app.example", NULL};
    http_request req;
    fx_request(&req, params, NULL);
    http_response_init(resp);
    *handled = discovery_serve(c, keys, &req, resp);
    http_request_free(&req);
    if (!*handled || resp->body.len == 0)
        return NULL;
    char err[160];
    return json_parse_strict(resp->body.data, resp->body.len, 16, err, sizeof err);
}

static const char *hdr(const http_response *r, const char *name)
{
    static char v[512];
    return fx_resp_header(r, name, v, sizeof v) ? v : NULL;
}

static void test_serve(void **state)
{
    (void)state;
    config c;
    fx_config_load(&c, "public_url = https://db.example.com\nauth = oauth\n" KEY SCHEMA);
    http_response r;
    bool handled;
    json_object *d = serve(&c, "GET", "/.well-known/oauth-protected-resource/mcp", &r, &handled);
    assert_true(handled);
    assert_int_equal(r.status, 200);
    assert_string_equal(jget_str(d, "resource"), "https://db.example.com/mcp");
    assert_string_equal(hdr(&r, "Content-Type"), "application/json");
    assert_string_equal(hdr(&r, "Access-Control-Allow-Origin"), "*");
    assert_string_equal(hdr(&r, "Cache-Control"), "public, max-age=300");
    json_object_put(d);
    http_response_free(&r);

    d = serve(&c, "HEAD", "/.well-known/openid-configuration", &r, &handled);
    assert_int_equal(r.status, 200);
    assert_string_equal(jget_str(d, "issuer"), "https://db.example.com");
    json_object_put(d);
    http_response_free(&r);

    d = serve(&c, "GET", "/.well-known/jwks.json", &r, &handled);
    assert_int_equal(r.status, 200);
    assert_string_equal(jget_str(json_object_array_get_idx(jget_arr(d, "keys"), 0), "crv"),
                        "P-256");
    json_object_put(d);
    http_response_free(&r);

    d = serve(&c, "OPTIONS", "/.well-known/oauth-authorization-server", &r, &handled);
    assert_int_equal(r.status, 204);
    assert_null(d);
    assert_string_equal(hdr(&r, "Access-Control-Allow-Origin"), "*");
    assert_string_equal(hdr(&r, "Access-Control-Allow-Methods"), "GET, HEAD, OPTIONS");
    assert_non_null(strstr(hdr(&r, "Access-Control-Allow-Headers"), "MCP-Protocol-Version"));
    http_response_free(&r);

    d = serve(&c, "POST", "/.well-known/oauth-authorization-server", &r, &handled);
    assert_int_equal(r.status, 405);
    assert_string_equal(hdr(&r, "Allow"), "GET, HEAD, OPTIONS");
    assert_string_equal(jget_str(d, "error"), "method_not_allowed");
    json_object_put(d);
    http_response_free(&r);

    /* Any other well-known name routed here is a 404; other paths are not ours. */
    d = serve(&c, "GET", "/.well-known/acme-challenge/token", &r, &handled);
    assert_true(handled);
    assert_int_equal(r.status, 404);
    assert_string_equal(jget_str(d, "error"), "not_found");
    json_object_put(d);
    http_response_free(&r);
    d = serve(&c, "GET", "/mcp", &r, &handled);
    assert_false(handled);
    assert_int_equal(r.headers.len, 0);
    http_response_free(&r);
    config_free(&c);

    /* auth = none: no OAuth, so no documents. */
    fx_config_load(&c, "public_url = http://127.0.0.1:8080\nauth = none\n" SCHEMA);
    d = serve(&c, "GET", "/.well-known/oauth-protected-resource/mcp", &r, &handled);
    assert_true(handled);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(jget_str(d, "error_description"), "auth = none"));
    json_object_put(d);
    http_response_free(&r);
    config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_documents),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_serve),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/* oauth/bearer: the Authorization header (RFC 6750 §2.1), token
 * verification into a principal, and the WWW-Authenticate challenges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oauth/bearer.h"
#include "oauth/scope.h"

#include "core/base/alloc.h"
#include "tests/unit/support/oauth_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ISS "https://ddbsql.example.com"
#define AUD "https://ddbsql.example.com/mcp"
#define PRM "https://ddbsql.example.com/.well-known/oauth-protected-resource/mcp"
#define NOW 1700000000LL

static signing_keys *keys;
static jwt_verifier V = {.issuer = ISS, .audience = AUD, .leeway_seconds = 60};
static char err[512];

static int setup(void **state)
{
    (void)state;
    keys = signing_keys_new();
    char *pem = tk_pem_new("EC", "P-256");
    assert_true(signing_keys_add_pem(keys, "k1", pem, strlen(pem), true, err, sizeof err));
    free(pem);
    V.keys = keys;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    signing_keys_free(keys);
    return 0;
}

static char *mint(const char *sub, const char *client, const char *scope, int64_t iat)
{
    jwt_issue_params p = {ISS, sub, AUD, client, scope, iat, 600, NULL};
    char *t = jwt_issue(keys, &p, NULL, err, sizeof err);
    assert_non_null(t);
    return t;
}

static void parses(const char *header, const char *token)
{
    const char *t;
    size_t n;
    if (bearer_parse_header(header, &t, &n) != BEARER_OK)
        fail_msg("'%s' refused", header);
    assert_int_equal(n, strlen(token));
    assert_memory_equal(t, token, n);
}

static void test_parse_header(void **state)
{
    (void)state;
    parses("Bearer abc", "abc");
    parses("bearer abc", "abc");
    parses("BEARER abc", "abc");
    parses("BeArEr abc", "abc");
    parses("Bearer    abc", "abc");
    parses("  Bearer abc  ", "abc");
    parses("Bearer abc\t", "abc");
    parses("Bearer a-._~+/Z09==", "a-._~+/Z09==");
    parses("Bearer eyJ.eyJ.sig", "eyJ.eyJ.sig");

    static const char *const missing[] = {NULL,        "",         "   ",      "Basic dXNlcjpwYXNz",
                                          "Bearerabc", "Digest x", "DPoP abc", "Token abc"};
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        const char *t = "x";
        size_t n = 9;
        assert_int_equal(bearer_parse_header(missing[i], &t, &n), BEARER_MISSING);
        assert_null(t);
        assert_int_equal(n, 0);
    }
    static const char *const malformed[] = {
        "Bearer",
        "Bearer ",
        "Bearer\tabc",
        "Bearer abc def",
        "Bearer abc,Bearer def",
        "Bearer abc, Bearer def",
        "Bearer a=b",
        "Bearer =abc",
        "Bearer ===",
        "Bearer a\"b",
        "Bearer a%20b",
        "Bearer a\x01",
        "Bearer \xc3\xa9",
        "Bearer a;b",
        "Bearer abc\n",
    };
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        const char *t;
        size_t n;
        if (bearer_parse_header(malformed[i], &t, &n) != BEARER_MALFORMED)
            fail_msg("'%s' not malformed", malformed[i]);
    }
}

static void test_authenticate(void **state)
{
    (void)state;
    char *t = mint("alice", "claude-code", "schemas:read query", NOW);
    char header[9000];
    snprintf(header, sizeof header, "Bearer %s", t);
    bearer_principal p;
    jwt_status why;
    assert_int_equal(bearer_authenticate(header, &V, NOW, &p, &why, err, sizeof err), BEARER_OK);
    assert_int_equal(why, JWT_OK);
    assert_string_equal(p.sub, "alice");
    assert_string_equal(p.client_id, "claude-code");
    assert_string_equal(p.scope, "schemas:read query");
    assert_int_equal(p.scopes, SCOPE_ALL);
    assert_int_equal(p.exp, NOW + 600);
    assert_int_equal(strlen(p.jti), 32);
    char label[128];
    bearer_principal_label(&p, label, sizeof label);
    assert_string_equal(label, "alice,client=claude-code");
    bearer_principal_free(&p);
    bearer_principal_free(&p);
    free(t);

    /* client_credentials: the client is the subject. Unknown scopes have
     * no bit. */
    t = mint("svc-reporting", "svc-reporting", "query future:scope", NOW);
    snprintf(header, sizeof header, "bearer %s", t);
    assert_int_equal(bearer_authenticate(header, &V, NOW, &p, &why, err, sizeof err), BEARER_OK);
    assert_int_equal(p.scopes, SCOPE_QUERY);
    bearer_principal_label(&p, label, sizeof label);
    assert_string_equal(label, "svc-reporting");
    bearer_principal_free(&p);

    /* Expired: invalid, and why says so. */
    assert_int_equal(bearer_authenticate(header, &V, NOW + 3600, &p, &why, err, sizeof err),
                     BEARER_INVALID);
    assert_int_equal(why, JWT_ERR_EXPIRED);
    assert_null(p.sub);
    assert_null(strstr(err, t));
    /* Another audience (a token for some other resource). */
    V.audience = "https://other.example/mcp";
    assert_int_equal(bearer_authenticate(header, &V, NOW, &p, &why, err, sizeof err),
                     BEARER_INVALID);
    assert_int_equal(why, JWT_ERR_AUDIENCE);
    V.audience = AUD;
    free(t);

    assert_int_equal(bearer_authenticate(NULL, &V, NOW, &p, &why, err, sizeof err), BEARER_MISSING);
    assert_int_equal(why, JWT_OK);
    assert_int_equal(bearer_authenticate("Basic Zm9vOmJhcg==", &V, NOW, &p, &why, err, sizeof err),
                     BEARER_MISSING);
    assert_int_equal(bearer_authenticate("Bearer a b", &V, NOW, &p, &why, err, sizeof err),
                     BEARER_MALFORMED);
    assert_int_equal(bearer_authenticate("Bearer not-a-jwt", &V, NOW, &p, &why, err, sizeof err),
                     BEARER_INVALID);
    assert_int_equal(why, JWT_ERR_MALFORMED);
    /* No keys at all: every token is refused. */
    t = mint("alice", "c", "query", NOW);
    snprintf(header, sizeof header, "Bearer %s", t);
    jwt_verifier nokeys = {.issuer = ISS, .audience = AUD, .leeway_seconds = 60};
    assert_int_equal(bearer_authenticate(header, &nokeys, NOW, &p, &why, err, sizeof err),
                     BEARER_INVALID);
    assert_int_equal(why, JWT_ERR_KID);
    free(t);

    bearer_principal empty = {0};
    bearer_principal_label(&empty, label, sizeof label);
    assert_string_equal(label, "");
}

static void challenge_is(bearer_status st, jwt_status why, const char *want)
{
    buf_t b = BUF_INIT(4096);
    assert_true(bearer_challenge_unauthorized(&b, PRM, st, why));
    assert_string_equal(buf_cstr(&b), want);
    buf_free(&b);
}

static void test_challenges(void **state)
{
    (void)state;
    challenge_is(BEARER_MISSING, JWT_OK,
                 "Bearer resource_metadata=\"" PRM "\", scope=\"query schemas:read\"");
    challenge_is(BEARER_INVALID, JWT_ERR_SIGNATURE,
                 "Bearer resource_metadata=\"" PRM "\", scope=\"query schemas:read\", "
                 "error=\"invalid_token\", error_description=\"The access token is invalid\"");
    challenge_is(BEARER_INVALID, JWT_ERR_AUDIENCE,
                 "Bearer resource_metadata=\"" PRM "\", scope=\"query schemas:read\", "
                 "error=\"invalid_token\", error_description=\"The access token is invalid\"");
    challenge_is(BEARER_INVALID, JWT_ERR_EXPIRED,
                 "Bearer resource_metadata=\"" PRM "\", scope=\"query schemas:read\", "
                 "error=\"invalid_token\", error_description=\"The access token expired\"");
    challenge_is(BEARER_MALFORMED, JWT_OK,
                 "Bearer resource_metadata=\"" PRM "\", scope=\"query schemas:read\", "
                 "error=\"invalid_request\", error_description=\"The Authorization header must be "
                 "'Bearer' followed by exactly one token\"");
    assert_int_equal(bearer_http_status(BEARER_MALFORMED), 400);
    assert_int_equal(bearer_http_status(BEARER_INVALID), 401);
    assert_int_equal(bearer_http_status(BEARER_MISSING), 401);

    buf_t b = BUF_INIT(4096);
    assert_true(bearer_challenge_insufficient_scope(&b, PRM, SCOPE_SCHEMAS_READ, SCOPE_QUERY));
    assert_string_equal(buf_cstr(&b),
                        "Bearer error=\"insufficient_scope\", scope=\"query schemas:read\", "
                        "resource_metadata=\"" PRM "\", error_description=\"This request needs "
                        "the query scope\"");
    buf_reset(&b);
    assert_true(bearer_challenge_insufficient_scope(&b, PRM, 0, SCOPE_SCHEMAS_READ));
    assert_string_equal(buf_cstr(&b),
                        "Bearer error=\"insufficient_scope\", scope=\"schemas:read\", "
                        "resource_metadata=\"" PRM "\", error_description=\"This request needs "
                        "the schemas:read scope\"");
    buf_reset(&b);

    /* Quoting, and refusal of bytes a header cannot carry. */
    assert_true(bearer_challenge_param(&b, "realm", "a \"b\" \\c"));
    assert_true(bearer_challenge_param(&b, "x", NULL));
    assert_true(bearer_challenge_param(&b, "y", ""));
    assert_string_equal(buf_cstr(&b), "Bearer realm=\"a \\\"b\\\" \\\\c\", y=\"\"");
    assert_false(bearer_challenge_param(&b, "z", "line\r\nSet-Cookie: x=1"));
    assert_int_equal(b.len, 0);
    assert_false(bearer_challenge_param(&b, "z", "caf\xc3\xa9"));
    buf_free(&b);

    /* A full buffer fails cleanly. */
    buf_t small = BUF_INIT(20);
    assert_false(bearer_challenge_unauthorized(&small, PRM, BEARER_MISSING, JWT_OK));
    assert_int_equal(small.len, 0);
    buf_free(&small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_header),
        cmocka_unit_test(test_authenticate),
        cmocka_unit_test(test_challenges),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

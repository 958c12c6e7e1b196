/* oauth/token_request: reading /token and /revoke requests without any
 * lookup: method, URL parameters, Content-Type, body caps, duplicated
 * parameters, client identification (Basic with and without form encoding,
 * client_secret_post, client_id alone, two methods at once), the grant
 * types and their required parameters, the PKCE verifier's form and the
 * S256 check (RFC 7636 Appendix B). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oauth/token_request.h"

#include "core/base/base64.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORM     "application/x-www-form-urlencoded"
#define VERIFIER "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define CHALLEN  "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

static token_request tr;
static token_error e;

static bool parse_kind(token_endpoint_kind kind, const char *authz, const char *body)
{
    return token_request_parse(kind, "POST", "", FORM, authz, body, strlen(body), &tr, &e);
}

static bool parse(const char *authz, const char *body)
{
    return parse_kind(TOKEN_ENDPOINT_TOKEN, authz, body);
}

/* Expects a refusal with this status, error and reason; *out is empty. */
static void refused(bool ok, int status, const char *error, const char *reason)
{
    if (ok)
        fail_msg("accepted; expected %s (%s)", error, reason);
    if (e.status != status || strcmp(e.error, error) != 0 || strcmp(e.reason, reason) != 0)
        fail_msg("expected %d %s %s, got %d %s %s: %s", status, error, reason, e.status, e.error,
                 e.reason, e.description);
    assert_true(e.description[0] != '\0');
    assert_null(tr.client_id);
    assert_null(tr.client_secret);
    assert_int_equal(tr.form.n, 0);
    assert_int_equal(e.challenge, strcmp(error, "invalid_client") == 0);
    token_request_free(&tr);
}

static char *basic(const char *userpass)
{
    char *b = base64_encode(userpass, strlen(userpass));
    char *h = malloc(strlen(b) + 8);
    sprintf(h, "Basic %s", b);
    free(b);
    return h;
}

static void test_grants(void **state)
{
    (void)state;
    assert_true(parse(NULL, "grant_type=authorization_code&code=c&redirect_uri=r&client_id=app"
                            "&code_verifier=" VERIFIER "&resource=http%3A%2F%2Fx%2Fmcp"));
    assert_int_equal(tr.grant, TOKEN_GRANT_AUTHORIZATION_CODE);
    assert_int_equal(tr.auth, CLIENT_AUTH_NONE);
    assert_false(tr.basic);
    assert_string_equal(tr.client_id, "app");
    assert_string_equal(tr.code, "c");
    assert_string_equal(tr.redirect_uri, "r");
    assert_string_equal(tr.code_verifier, VERIFIER);
    assert_string_equal(tr.resource, "http://x/mcp");
    assert_null(tr.scope);
    token_request_free(&tr);

    assert_true(
        parse(NULL, "grant_type=refresh_token&refresh_token=abc&client_id=app&scope=query"));
    assert_int_equal(tr.grant, TOKEN_GRANT_REFRESH_TOKEN);
    assert_string_equal(tr.refresh_token, "abc");
    assert_string_equal(tr.scope, "query");
    token_request_free(&tr);

    assert_true(parse(NULL, "grant_type=client_credentials&client_id=api&client_secret=s%2Bx"));
    assert_int_equal(tr.grant, TOKEN_GRANT_CLIENT_CREDENTIALS);
    assert_int_equal(tr.auth, CLIENT_AUTH_CLIENT_SECRET_POST);
    assert_string_equal(tr.client_secret, "s+x");
    token_request_free(&tr);

    /* Unknown parameters are ignored (RFC 6749 §3.2); empty ones are absent. */
    assert_true(parse(NULL, "grant_type=client_credentials&client_id=api&foo=bar&scope="));
    assert_null(tr.scope);
    token_request_free(&tr);

    refused(parse(NULL, "grant_type=password&client_id=a"), 400, "unsupported_grant_type",
            "grant_type");
    refused(parse(NULL, "client_id=a"), 400, "invalid_request", "missing_parameter");
    refused(parse(NULL, "grant_type=refresh_token&client_id=a"), 400, "invalid_request",
            "missing_parameter");
    refused(
        parse(NULL,
              "grant_type=authorization_code&client_id=a&redirect_uri=r&code_verifier=" VERIFIER),
        400, "invalid_request", "missing_parameter");
    refused(parse(NULL, "grant_type=authorization_code&client_id=a&code=c&code_verifier=" VERIFIER),
            400, "invalid_request", "missing_parameter");
    refused(parse(NULL, "grant_type=client_credentials&client_id=a&scope=a%20%20b"), 400,
            "invalid_scope", "scope_syntax");
}

static void test_pkce_form(void **state)
{
    (void)state;
    refused(parse(NULL, "grant_type=authorization_code&client_id=a&code=c&redirect_uri=r"), 400,
            "invalid_request", "pkce_missing");
    const char *bad[] = {
        "short", VERIFIER "%2B", VERIFIER "%20",
        /* 129 characters */
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char body[512];
        snprintf(body, sizeof body,
                 "grant_type=authorization_code&client_id=a&code=c&redirect_uri=r&code_verifier=%s",
                 bad[i]);
        refused(parse(NULL, body), 400, "invalid_request", "pkce_malformed");
    }
    assert_true(token_pkce_verifier_valid(VERIFIER));
    assert_true(token_pkce_verifier_valid("~.-_0123456789abcdefghijklmnopqrstuvwxyzABCDEF"));
    assert_false(token_pkce_verifier_valid(NULL));
    assert_false(token_pkce_verifier_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 42 */
    assert_true(token_pkce_verifier_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 43 */
    /* RFC 7636 Appendix B. */
    assert_true(token_pkce_s256_matches(VERIFIER, CHALLEN));
    assert_false(token_pkce_s256_matches(CHALLEN, CHALLEN)); /* "plain" */
    assert_false(token_pkce_s256_matches(VERIFIER, CHALLEN "A"));
    assert_false(token_pkce_s256_matches(VERIFIER, NULL));
    assert_false(token_pkce_s256_matches("short", CHALLEN));
}

static void test_client_identification(void **state)
{
    (void)state;
    char *h = basic("api:se%2Bcret");
    assert_true(parse(h, "grant_type=client_credentials"));
    assert_true(tr.basic);
    assert_int_equal(tr.auth, CLIENT_AUTH_CLIENT_SECRET_BASIC);
    assert_string_equal(tr.client_id, "api");
    assert_string_equal(tr.client_secret, "se%2Bcret");   /* as sent */
    assert_string_equal(tr.client_secret_alt, "se+cret"); /* form-decoded (§2.3.1) */
    token_request_free(&tr);
    /* The same client_id in the body is fine; another is not. */
    assert_true(parse(h, "grant_type=client_credentials&client_id=api"));
    token_request_free(&tr);
    refused(parse(h, "grant_type=client_credentials&client_id=other"), 400, "invalid_request",
            "client_id_mismatch");
    refused(parse(h, "grant_type=client_credentials&client_secret=x"), 400, "invalid_request",
            "two_auth_methods");
    free(h);
    /* A plain secret: no alternative; a colon in the secret is kept. */
    h = basic("api:a:b");
    assert_true(parse(h, "grant_type=client_credentials"));
    assert_string_equal(tr.client_secret, "a:b");
    assert_null(tr.client_secret_alt);
    token_request_free(&tr);
    free(h);
    /* An encoded client_id is decoded. */
    h = basic("my%20app:s");
    assert_true(parse(h, "grant_type=client_credentials"));
    assert_string_equal(tr.client_id, "my app");
    token_request_free(&tr);
    free(h);
    /* The scheme is case-insensitive. */
    assert_true(parse("basic YXBpOnM=", "grant_type=client_credentials"));
    token_request_free(&tr);

    const char *bad[] = {"Basic",
                         "Basic ",
                         "Basic !!!",
                         "Basic YXBp" /* api */,
                         "Basic OnM=" /* :s */,
                         "Basic YXBpOg==" /* api: */,
                         "Basic YSV6ejpz" /* a%zz:s, not form-encoded */};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        refused(parse(bad[i], "grant_type=client_credentials"), 401, "invalid_client",
                "basic_malformed");
    refused(parse("Bearer abc", "grant_type=client_credentials"), 401, "invalid_client",
            "auth_scheme");
    refused(parse("Basicx YXBpOnM=", "grant_type=client_credentials"), 401, "invalid_client",
            "auth_scheme");
    char longh[5000];
    memset(longh, 'A', sizeof longh - 1);
    longh[sizeof longh - 1] = '\0';
    memcpy(longh, "Basic ", 6);
    refused(parse(longh, "grant_type=client_credentials"), 401, "invalid_client", "basic_too_long");
    /* Nothing identifies the client. */
    refused(parse(NULL, "grant_type=client_credentials"), 401, "invalid_client", "no_client");
    refused(parse(NULL, "grant_type=client_credentials&client_secret=x"), 401, "invalid_client",
            "no_client");
}

static void test_transport_rules(void **state)
{
    (void)state;
    const char *body = "grant_type=client_credentials&client_id=a";
    size_t n = strlen(body);
    refused(token_request_parse(TOKEN_ENDPOINT_TOKEN, "GET", "", FORM, NULL, body, n, &tr, &e), 405,
            "invalid_request", "method");
    refused(token_request_parse(TOKEN_ENDPOINT_TOKEN, NULL, "", FORM, NULL, body, n, &tr, &e), 405,
            "invalid_request", "method");
    refused(
        token_request_parse(TOKEN_ENDPOINT_TOKEN, "POST", "code=x", FORM, NULL, body, n, &tr, &e),
        400, "invalid_request", "query_parameters");
    refused(token_request_parse(TOKEN_ENDPOINT_TOKEN, "POST", "", "application/json", NULL, body, n,
                                &tr, &e),
            400, "invalid_request", "content_type");
    refused(token_request_parse(TOKEN_ENDPOINT_TOKEN, "POST", "", NULL, NULL, body, n, &tr, &e),
            400, "invalid_request", "content_type");
    assert_true(token_request_parse(TOKEN_ENDPOINT_TOKEN, "POST", NULL,
                                    "Application/X-WWW-Form-Urlencoded; charset=utf-8", NULL, body,
                                    n, &tr, &e));
    token_request_free(&tr);
    /* Caps: the body, a value, the number of parameters. */
    refused(token_request_parse(TOKEN_ENDPOINT_TOKEN, "POST", "", FORM, NULL, body,
                                TOKEN_MAX_BODY + 1, &tr, &e),
            413, "invalid_request", "body_too_large");
    char big[TOKEN_MAX_VALUE + 64];
    int k = snprintf(big, sizeof big, "grant_type=client_credentials&client_id=");
    memset(big + k, 'a', TOKEN_MAX_VALUE + 1);
    big[k + TOKEN_MAX_VALUE + 1] = '\0';
    refused(parse(NULL, big), 400, "invalid_request", "form");
    char many[1024] = "grant_type=client_credentials&client_id=a";
    for (int i = 0; i < TOKEN_MAX_PARAMS; i++) {
        char p[16];
        snprintf(p, sizeof p, "&p%d=1", i);
        strcat(many, p);
    }
    refused(parse(NULL, many), 400, "invalid_request", "form");
    /* Duplicates, even with equal values; malformed escapes; NUL. */
    refused(parse(NULL, "grant_type=client_credentials&client_id=a&client_id=a"), 400,
            "invalid_request", "form");
    refused(parse(NULL, "grant_type=client_credentials&grant_type=refresh_token&client_id=a"), 400,
            "invalid_request", "form");
    refused(parse(NULL, "grant_type=client_credentials&client_id=%zz"), 400, "invalid_request",
            "form");
    refused(parse(NULL, "grant_type=client_credentials&client_id=a%00b"), 400, "invalid_request",
            "form");
    /* An empty body. */
    refused(token_request_parse(TOKEN_ENDPOINT_TOKEN, "POST", "", FORM, NULL, NULL, 0, &tr, &e),
            400, "invalid_request", "missing_parameter");
}

static void test_revoke_requests(void **state)
{
    (void)state;
    assert_true(parse_kind(TOKEN_ENDPOINT_REVOKE, NULL,
                           "token=abc&token_type_hint=refresh_token&client_id=app"));
    assert_int_equal(tr.grant, TOKEN_GRANT_NONE);
    assert_string_equal(tr.token, "abc");
    assert_string_equal(tr.token_type_hint, "refresh_token");
    token_request_free(&tr);
    /* No grant_type needed; an unknown hint is ignored. */
    assert_true(parse_kind(TOKEN_ENDPOINT_REVOKE, NULL, "token=abc&token_type_hint=x&client_id=a"));
    token_request_free(&tr);
    refused(parse_kind(TOKEN_ENDPOINT_REVOKE, NULL, "client_id=app"), 400, "invalid_request",
            "missing_parameter");
    refused(parse_kind(TOKEN_ENDPOINT_REVOKE, NULL, "token=abc"), 401, "invalid_client",
            "no_client");
    assert_string_equal(token_grant_name(TOKEN_GRANT_NONE), "revoke");
    assert_string_equal(token_grant_name(TOKEN_GRANT_AUTHORIZATION_CODE), "authorization_code");
    assert_string_equal(token_grant_name(TOKEN_GRANT_REFRESH_TOKEN), "refresh_token");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grants),
        cmocka_unit_test(test_pkce_form),
        cmocka_unit_test(test_client_identification),
        cmocka_unit_test(test_transport_rules),
        cmocka_unit_test(test_revoke_requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* oauth/client_metadata: RFC 7591 metadata from DCR requests, CIMD
 * documents and stored registrations, with strict JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oauth/client_metadata.h"

#include "core/base/buf.h"
#include "core/base/json_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CIMD_URL "https://app.example.com/oauth/client.json"

static char why[1024];

static client_metadata_status parse(const char *json, client_metadata_source src,
                                    client_metadata *m)
{
    why[0] = '\0';
    return client_metadata_parse(json, strlen(json), src, CIMD_URL, m, why, sizeof why);
}

static void ok_dcr(const char *json, client_metadata *m)
{
    if (parse(json, CLIENT_METADATA_DCR, m) != CLIENT_METADATA_OK)
        fail_msg("refused: %s\n%s", why, json);
}

/* Refused with st and a message containing want; *out left empty. */
static void bad(const char *json, client_metadata_source src, client_metadata_status st,
                const char *want)
{
    client_metadata m;
    client_metadata_status got = parse(json, src, &m);
    if (got != st)
        fail_msg("status %d, expected %d (%s)\n%s", got, st, why, json);
    if (!strstr(why, want))
        fail_msg("got '%s', expected '%s'\n%s", why, want, json);
    assert_null(m.redirect_uris);
    assert_null(m.client_name);
    assert_null(m.scope);
    assert_null(m.client_id);
}

static void test_dcr_minimal_defaults(void **state)
{
    (void)state;
    client_metadata m;
    ok_dcr("{\"redirect_uris\":[\"http://127.0.0.1:33418/callback\"]}", &m);
    assert_null(m.client_id);
    assert_null(m.client_name);
    assert_int_equal(m.nredirect_uris, 1);
    assert_string_equal(m.redirect_uris[0], "http://127.0.0.1:33418/callback");
    assert_int_equal(m.grant_types, OAUTH_GRANT_AUTHORIZATION_CODE | OAUTH_GRANT_REFRESH_TOKEN);
    assert_string_equal(m.scope, "query schemas:read");
    assert_int_equal(m.client_id_issued_at, 0);
    client_metadata_free(&m);
    client_metadata_free(&m); /* idempotent */
}

static void test_dcr_full(void **state)
{
    (void)state;
    client_metadata m;
    ok_dcr(
        "{\"client_name\":\"Claude Code (ddbsql) \xe2\x9c\x93\",\"redirect_uris\":"
        "[\"https://app.example.com/cb\",\"com.example.app:/cb\",\"https://app.example.com/cb\"],"
        "\"grant_types\":[\"authorization_code\"],\"response_types\":[\"code\"],"
        "\"token_endpoint_auth_method\":\"none\",\"scope\":\"schemas:read openid query\","
        "\"client_uri\":\"https://app.example.com\",\"logo_uri\":\"https://app.example.com/l.png\","
        "\"contacts\":[\"ops@example.com\"],\"software_id\":\"x\",\"software_version\":\"1.0\","
        "\"application_type\":\"native\",\"jwks\":{\"keys\":[]},"
        "\"client_id\":\"chosen-by-client\",\"client_secret\":\"ignored\","
        "\"x-vendor-extension\":{\"a\":[1,2,{\"b\":null}]}}",
        &m);
    assert_null(m.client_id); /* the server assigns it */
    assert_string_equal(m.client_name, "Claude Code (ddbsql) \xe2\x9c\x93");
    assert_int_equal(m.nredirect_uris, 2); /* the repeated URI counted once */
    assert_string_equal(m.redirect_uris[1], "com.example.app:/cb");
    assert_int_equal(m.grant_types, OAUTH_GRANT_AUTHORIZATION_CODE);
    assert_string_equal(m.scope, "query schemas:read"); /* openid dropped, canonical order */

    /* The registered view (RFC 7591 §3.2.1). */
    m.client_id = strdup("dcr_0123");
    m.client_id_issued_at = 1700000000;
    json_object *o = client_metadata_to_json(&m);
    assert_string_equal(
        json_compact(o),
        "{\"client_id\":\"dcr_0123\",\"client_id_issued_at\":1700000000,\"client_name\":"
        "\"Claude Code (ddbsql) \xe2\x9c\x93\",\"redirect_uris\":[\"https://app.example.com/cb\","
        "\"com.example.app:/cb\"],\"grant_types\":[\"authorization_code\"],\"response_types\":["
        "\"code\"],\"token_endpoint_auth_method\":\"none\",\"scope\":\"query schemas:read\"}");
    /* ... which reads back as a stored registration. */
    const char *text = json_compact(o);
    client_metadata s;
    assert_int_equal(client_metadata_parse(text, strlen(text), CLIENT_METADATA_STORED, NULL, &s,
                                           why, sizeof why),
                     CLIENT_METADATA_OK);
    assert_string_equal(s.client_id, "dcr_0123");
    assert_int_equal(s.client_id_issued_at, 1700000000);
    assert_int_equal(s.nredirect_uris, 2);
    assert_int_equal(s.grant_types, OAUTH_GRANT_AUTHORIZATION_CODE);
    client_metadata_free(&s);
    json_object_put(o);
    client_metadata_free(&m);
}

static void test_json_strictness(void **state)
{
    (void)state;
    const client_metadata_source D = CLIENT_METADATA_DCR;
    bad("", D, CLIENT_METADATA_INVALID, "not valid JSON");
    bad("{\"redirect_uris\":[\"https://a.example/cb\"]", D, CLIENT_METADATA_INVALID,
        "not valid JSON");
    bad("{\"redirect_uris\":[\"https://a.example/cb\"]} x", D, CLIENT_METADATA_INVALID,
        "not valid JSON");
    bad("{'redirect_uris':[]}", D, CLIENT_METADATA_INVALID, "not valid JSON");
    bad("[]", D, CLIENT_METADATA_INVALID, "must be a JSON object");
    bad("\"x\"", D, CLIENT_METADATA_INVALID, "must be a JSON object");
    bad("null", D, CLIENT_METADATA_INVALID, "not valid JSON");
    bad("{\"client_name\":\"\xff\",\"redirect_uris\":[\"https://a.example/cb\"]}", D,
        CLIENT_METADATA_INVALID, "not valid JSON");
    bad("{\"redirect_uris\":[\"https://a.example/cb\"],\"redirect_uris\":[\"https://b.example/"
        "cb\"]}",
        D, CLIENT_METADATA_INVALID, "the member \"redirect_uris\" appears twice");
    /* An escaped spelling is the same name. */
    bad("{\"client_name\":\"a\",\"redirect_uris\":[\"https://a.example/cb\"],"
        "\"client_\\u006eame\":\"b\"}",
        D, CLIENT_METADATA_INVALID, "\"client_name\" appears twice");
    bad("{\"redirect_uris\":[\"https://a.example/cb\"],\"jwks\":{\"keys\":[{\"kid\":\"1\","
        "\"kid\":\"2\"}]}}",
        D, CLIENT_METADATA_INVALID, "\"kid\" appears twice");
    /* Depth and size caps. */
    buf_t deep = BUF_INIT(1 << 16);
    buf_puts(&deep, "{\"redirect_uris\":[\"https://a.example/cb\"],\"x\":");
    for (int i = 0; i < 40; i++)
        buf_puts(&deep, "[");
    for (int i = 0; i < 40; i++)
        buf_puts(&deep, "]");
    buf_puts(&deep, "}");
    bad(buf_cstr(&deep), D, CLIENT_METADATA_INVALID, "not valid JSON");
    buf_free(&deep);
    buf_t big = BUF_INIT(1 << 16);
    buf_puts(&big, "{\"redirect_uris\":[\"https://a.example/cb\"],\"pad\":\"");
    for (int i = 0; i < CLIENT_METADATA_MAX_BYTES; i++)
        buf_putc(&big, 'a');
    buf_puts(&big, "\"}");
    bad(buf_cstr(&big), D, CLIENT_METADATA_INVALID, "larger than 16384 bytes");
    buf_free(&big);
    client_metadata m;
    assert_int_equal(client_metadata_parse(NULL, 0, D, NULL, &m, why, sizeof why),
                     CLIENT_METADATA_INVALID);
}

static void test_redirect_uris(void **state)
{
    (void)state;
    const client_metadata_source D = CLIENT_METADATA_DCR;
    bad("{}", D, CLIENT_METADATA_BAD_REDIRECT, "redirect_uris is missing");
    bad("{\"redirect_uris\":[]}", D, CLIENT_METADATA_BAD_REDIRECT, "redirect_uris is empty");
    bad("{\"redirect_uris\":\"https://a.example/cb\"}", D, CLIENT_METADATA_INVALID,
        "redirect_uris must be an array of strings");
    bad("{\"redirect_uris\":[\"https://a.example/cb\",7]}", D, CLIENT_METADATA_INVALID,
        "redirect_uris[1] must be a string");
    bad("{\"redirect_uris\":[\"https://a.example/cb\",\"http://evil.example/cb\"]}", D,
        CLIENT_METADATA_BAD_REDIRECT,
        "redirect_uris[1]: 'http://evil.example/cb' uses http on a host other than 127.0.0.1");
    bad("{\"redirect_uris\":[\"https://a.example/cb#x\"]}", D, CLIENT_METADATA_BAD_REDIRECT,
        "fragment");
    bad("{\"redirect_uris\":[\"javascript:alert(1)\"]}", D, CLIENT_METADATA_BAD_REDIRECT,
        "neither https");
    bad("{\"redirect_uris\":[\"https://a.example/cb\\u0000.evil\"]}", D,
        CLIENT_METADATA_BAD_REDIRECT, "NUL");
    bad("{\"redirect_uris\":[\"https://a.example/\\u0001\"]}", D, CLIENT_METADATA_BAD_REDIRECT,
        "control");
    buf_t many = BUF_INIT(4096);
    buf_puts(&many, "{\"redirect_uris\":[");
    for (int i = 0; i <= CLIENT_METADATA_MAX_REDIRECTS; i++)
        buf_printf(&many, "%s\"https://a.example/cb%d\"", i ? "," : "", i);
    buf_puts(&many, "]}");
    bad(buf_cstr(&many), D, CLIENT_METADATA_INVALID, "redirect_uris has 11 entries (at most 10)");
    buf_free(&many);
}

static void test_members(void **state)
{
    (void)state;
    const client_metadata_source D = CLIENT_METADATA_DCR;
#define R "\"redirect_uris\":[\"https://a.example/cb\"]"
    bad("{" R ",\"token_endpoint_auth_method\":\"client_secret_basic\"}", D,
        CLIENT_METADATA_INVALID,
        "token_endpoint_auth_method 'client_secret_basic' is not supported: only public clients");
    bad("{" R ",\"token_endpoint_auth_method\":\"private_key_jwt\"}", D, CLIENT_METADATA_INVALID,
        "'private_key_jwt' is not supported");
    bad("{" R ",\"token_endpoint_auth_method\":7}", D, CLIENT_METADATA_INVALID,
        "token_endpoint_auth_method must be a string");
    /* A member given as null counts as absent (some clients send every field). */
    client_metadata m;
    ok_dcr("{" R ",\"token_endpoint_auth_method\":null,\"client_name\":null,\"scope\":null}", &m);
    assert_null(m.client_name);
    assert_string_equal(m.scope, "query schemas:read");
    client_metadata_free(&m);
    bad("{\"redirect_uris\":null}", D, CLIENT_METADATA_BAD_REDIRECT, "redirect_uris is missing");
    bad("{" R ",\"grant_types\":[\"client_credentials\"]}", D, CLIENT_METADATA_INVALID,
        "client_credentials needs a confidential client");
    bad("{" R ",\"grant_types\":[\"authorization_code\",\"implicit\"]}", D, CLIENT_METADATA_INVALID,
        "grant_types: 'implicit' is not supported");
    bad("{" R ",\"grant_types\":[\"refresh_token\"]}", D, CLIENT_METADATA_INVALID,
        "grant_types must include authorization_code");
    bad("{" R ",\"grant_types\":\"authorization_code\"}", D, CLIENT_METADATA_INVALID,
        "grant_types must be a non-empty array");
    bad("{" R ",\"grant_types\":[]}", D, CLIENT_METADATA_INVALID, "non-empty array");
    bad("{" R ",\"grant_types\":[1]}", D, CLIENT_METADATA_INVALID, "grant_types[0] must be");
    bad("{" R ",\"response_types\":[\"token\"]}", D, CLIENT_METADATA_INVALID,
        "response_types: 'token' is not supported (only code)");
    bad("{" R ",\"response_types\":[\"code\",\"code id_token\"]}", D, CLIENT_METADATA_INVALID,
        "'code id_token' is not supported");
    bad("{" R ",\"response_types\":[]}", D, CLIENT_METADATA_INVALID, "response_types must be");
    bad("{" R ",\"client_name\":42}", D, CLIENT_METADATA_INVALID, "client_name must be a string");
    bad("{" R ",\"client_name\":\"\"}", D, CLIENT_METADATA_INVALID, "1 to 128 bytes");
    bad("{" R ",\"client_name\":\"   \"}", D, CLIENT_METADATA_INVALID, "client_name is blank");
    bad("{" R ",\"client_name\":\"a\\nb\"}", D, CLIENT_METADATA_INVALID,
        "control, line-separator or bidirectional-override character at byte 2");
    bad("{" R ",\"client_name\":\"a\\u0000b\"}", D, CLIENT_METADATA_INVALID, "at byte 2");
    bad("{" R ",\"client_name\":\"Good\\u202egnp.exe\"}", D, CLIENT_METADATA_INVALID,
        "bidirectional-override");
    bad("{" R ",\"client_name\":\"x\\u2066y\"}", D, CLIENT_METADATA_INVALID, "bidirectional");
    bad("{" R ",\"client_name\":\"x\\u2028y\"}", D, CLIENT_METADATA_INVALID, "line-separator");
    bad("{" R ",\"client_name\":\"x\\u0085y\"}", D, CLIENT_METADATA_INVALID, "control");
    bad("{" R ",\"client_name\":\"x\\ufeffy\"}", D, CLIENT_METADATA_INVALID, "at byte 2");
    char longname[300];
    snprintf(longname, sizeof longname, "{" R ",\"client_name\":\"%0129d\"}", 0);
    bad(longname, D, CLIENT_METADATA_INVALID,
        "client_name must be 1 to 128 bytes long (it has 129)");
    bad("{" R ",\"scope\":\"openid profile\"}", D, CLIENT_METADATA_INVALID,
        "scope names none of the scopes this server has (query schemas:read)");
    bad("{" R ",\"scope\":\"query  schemas:read\"}", D, CLIENT_METADATA_INVALID, "scope: ");
    bad("{" R ",\"scope\":[\"query\"]}", D, CLIENT_METADATA_INVALID, "scope must be a string");
    bad("{" R ",\"scope\":\"query\\u0000x\"}", D, CLIENT_METADATA_INVALID, "NUL");
    bad("{" R ",\"client_uri\":7}", D, CLIENT_METADATA_INVALID, "client_uri must be a string");
    bad("{" R ",\"software_statement\":{}}", D, CLIENT_METADATA_INVALID,
        "software_statement must be a string");
    bad("{" R ",\"application_type\":\"desktop\"}", D, CLIENT_METADATA_INVALID,
        "application_type must be");
    bad("{" R ",\"contacts\":\"a@b\"}", D, CLIENT_METADATA_INVALID, "contacts must be an array");
    bad("{" R ",\"contacts\":[\"a\",1]}", D, CLIENT_METADATA_INVALID, "contacts[1] must be");
    bad("{" R ",\"jwks\":[]}", D, CLIENT_METADATA_INVALID, "jwks must be an object");
    buf_t longuri = BUF_INIT(8192);
    buf_puts(&longuri, "{" R ",\"logo_uri\":\"https://a.example/");
    for (int i = 0; i < CLIENT_METADATA_MAX_STRING; i++)
        buf_putc(&longuri, 'x');
    buf_puts(&longuri, "\"}");
    bad(buf_cstr(&longuri), D, CLIENT_METADATA_INVALID, "logo_uri is longer than 2048 bytes");
    buf_free(&longuri);
#undef R
}

static void test_cimd_document(void **state)
{
    (void)state;
    const client_metadata_source C = CLIENT_METADATA_CIMD;
    client_metadata m;
    assert_int_equal(parse("{\"client_id\":\"" CIMD_URL "\",\"client_name\":\"Example\","
                           "\"redirect_uris\":[\"http://127.0.0.1:3000/callback\"],"
                           "\"token_endpoint_auth_method\":\"none\"}",
                           C, &m),
                     CLIENT_METADATA_OK);
    assert_string_equal(m.client_id, CIMD_URL);
    assert_string_equal(m.client_name, "Example");
    client_metadata_free(&m);

    bad("{\"redirect_uris\":[\"https://a.example/cb\"]}", C, CLIENT_METADATA_INVALID,
        "client_id is missing (it must be the document's own URL)");
    bad("{\"client_id\":\"" CIMD_URL "/\",\"redirect_uris\":[\"https://a.example/cb\"]}", C,
        CLIENT_METADATA_INVALID,
        "client_id '" CIMD_URL "/' is not exactly the URL the document was fetched from");
    bad("{\"client_id\":\"https://APP.example.com/oauth/client.json\",\"redirect_uris\":[\"https:"
        "//a.example/cb\"]}",
        C, CLIENT_METADATA_INVALID, "not exactly the URL");
    bad("{\"client_id\":7,\"redirect_uris\":[\"https://a.example/cb\"]}", C,
        CLIENT_METADATA_INVALID, "client_id must be a string");
    bad("{\"client_id\":\"" CIMD_URL "\",\"client_secret\":\"s\",\"redirect_uris\":[\"https://"
        "a.example/cb\"]}",
        C, CLIENT_METADATA_INVALID, "may not carry client_secret");
    bad("{\"client_id\":\"" CIMD_URL "\",\"token_endpoint_auth_method\":\"client_secret_post\","
        "\"redirect_uris\":[\"https://a.example/cb\"]}",
        C, CLIENT_METADATA_INVALID, "only public clients");
    bad("{\"client_id\":\"" CIMD_URL "\",\"redirect_uris\":[\"http://evil.example/cb\"]}", C,
        CLIENT_METADATA_BAD_REDIRECT, "redirect_uris[0]");
    /* No expected URL: nothing can match. */
    assert_int_equal(client_metadata_parse("{\"client_id\":\"x\",\"redirect_uris\":[\"https://"
                                           "a.example/cb\"]}",
                                           63, C, NULL, &m, why, sizeof why),
                     CLIENT_METADATA_INVALID);
}

static void test_stored(void **state)
{
    (void)state;
    const client_metadata_source S = CLIENT_METADATA_STORED;
    bad("{\"client_id\":\"dcr_1\",\"redirect_uris\":[\"https://a.example/cb\"]}", S,
        CLIENT_METADATA_INVALID, "client_id_issued_at must be a non-negative integer");
    bad("{\"client_id\":\"dcr_1\",\"client_id_issued_at\":\"1\",\"redirect_uris\":[\"https://"
        "a.example/cb\"]}",
        S, CLIENT_METADATA_INVALID, "client_id_issued_at");
    bad("{\"client_id_issued_at\":1,\"redirect_uris\":[\"https://a.example/cb\"]}", S,
        CLIENT_METADATA_INVALID, "client_id is missing");
}

static void test_duplicate_scanner(void **state)
{
    (void)state;
    char name[16];
    static const char *const fine[] = {
        "{}",
        "{\"a\":1,\"b\":{\"a\":2},\"c\":[{\"a\":1},{\"a\":2}]}",
        "{\"a\":\"{\\\"a\\\":1,\\\"a\\\":2}\",\"b\":\"a\"}",
        "{\"a\\\"\":1,\"a\":2}",
        "[{\"x\":1},{\"x\":1}]",
        "{\"A\":1,\"a\":2}",
    };
    for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++)
        if (json_has_duplicate_member(fine[i], strlen(fine[i]), name, sizeof name))
            fail_msg("duplicate '%s' reported in %s", name, fine[i]);
    const char *dup = "{\"a\":1,\"b\":[{\"k\":1,\"z\":{},\"k\":2}]}";
    assert_true(json_has_duplicate_member(dup, strlen(dup), name, sizeof name));
    assert_string_equal(name, "k");
    dup = "{\"\\u00e9\":1,\"\xc3\xa9\":2}";
    assert_true(json_has_duplicate_member(dup, strlen(dup), name, sizeof name));
    assert_string_equal(name, "\xc3\xa9");
    assert_true(json_has_duplicate_member(dup, strlen(dup), NULL, 0));
}

static void test_grant_bits(void **state)
{
    (void)state;
    assert_int_equal(oauth_grant_bit("authorization_code"), OAUTH_GRANT_AUTHORIZATION_CODE);
    assert_int_equal(oauth_grant_bit("refresh_token"), OAUTH_GRANT_REFRESH_TOKEN);
    assert_int_equal(oauth_grant_bit("client_credentials"), OAUTH_GRANT_CLIENT_CREDENTIALS);
    assert_int_equal(oauth_grant_bit("password"), 0);
    assert_int_equal(oauth_grant_bit("Refresh_Token"), 0);
    assert_int_equal(oauth_grant_bit(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dcr_minimal_defaults),
        cmocka_unit_test(test_dcr_full),
        cmocka_unit_test(test_json_strictness),
        cmocka_unit_test(test_redirect_uris),
        cmocka_unit_test(test_members),
        cmocka_unit_test(test_cimd_document),
        cmocka_unit_test(test_stored),
        cmocka_unit_test(test_duplicate_scanner),
        cmocka_unit_test(test_grant_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* core/conf/config: the [client ID] sections (pre-registered OAuth clients)
 * and the [oauth] keys of client registration (cimd_ca_file,
 * registration_rate_limit, registration_rate_window_seconds). Kept apart
 * from test_config.c, which covers the rest of the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/base/buf.h"
#include "core/conf/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HASH "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

/* The lines before the tested text: the test text starts at line 7. */
#define HEAD                                                                                       \
    "public_url = http://127.0.0.1:8080\n"                                                         \
    "auth = none\n"                                                                                \
    "[schema demo]\n"                                                                              \
    "region = us-east-1\n"                                                                         \
    "endpoint = http://127.0.0.1:4567\n"                                                           \
    "\n"

static char path[64];
static char err[2048];

static bool load(const char *text, config *c)
{
    snprintf(path, sizeof path, "/tmp/ddbsql-conf-clients-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    buf_t b = BUF_INIT(1 << 16);
    buf_puts(&b, HEAD);
    buf_puts(&b, text);
    assert_int_equal(write(fd, b.data, b.len), (ssize_t)b.len);
    close(fd);
    buf_free(&b);
    err[0] = '\0';
    bool ok = config_load(path, c, err, sizeof err);
    unlink(path);
    return ok;
}

static void load_ok(const char *text, config *c)
{
    if (!load(text, c))
        fail_msg("refused: %s\n%s", err, text);
}

/* Fails with "<path>:<where_what>...". */
static void bad(const char *text, const char *where_what)
{
    config c;
    if (load(text, &c)) {
        config_free(&c);
        fail_msg("accepted:\n%s", text);
    }
    char want[1024];
    snprintf(want, sizeof want, "%s:%s", path, where_what);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("for:\n%s\ngot:      %s\nexpected: %s...", text, err, want);
}

static void test_defaults(void **state)
{
    (void)state;
    config c;
    load_ok("", &c);
    assert_int_equal(c.oauth.nclients, 0);
    assert_null(c.oauth.clients);
    assert_null(c.oauth.cimd_ca_file);
    assert_int_equal(c.oauth.registration_rate_limit, 10);
    assert_int_equal(c.oauth.registration_rate_window_seconds, 600);
    config_free(&c);
}

static void test_public_and_confidential(void **state)
{
    (void)state;
    config c;
    load_ok(
        "[client codex]\n"
        "name = Codex CLI\n"
        "redirect_uris = http://127.0.0.1:1455/auth/callback  https://app.example.com/cb?a=1,b=2\n"
        "\n"
        "[client reporting-bot]\n"
        "type = confidential\n"
        "secret_hash = " HASH "\n"
        "grant_types = client_credentials\n"
        "scopes = schemas:read\n"
        "\n"
        "[client web.app]\n"
        "type = Confidential\n"
        "secret_hash = " HASH "\n"
        "grant_types = authorization_code, refresh_token client_credentials\n"
        "redirect_uris = https://web.example.com/oauth/callback\n"
        "scopes = schemas:read query\n"
        "[oauth]\n"
        "registration_rate_limit = 3\n"
        "registration_rate_window_seconds = 60\n",
        &c);
    assert_int_equal(c.oauth.nclients, 3);
    const client_conf *a = &c.oauth.clients[0];
    assert_string_equal(a->client_id, "codex");
    assert_string_equal(a->name, "Codex CLI");
    assert_false(a->confidential);
    assert_null(a->secret_hash);
    assert_int_equal(a->nredirect_uris, 2);
    assert_string_equal(a->redirect_uris[0], "http://127.0.0.1:1455/auth/callback");
    assert_string_equal(a->redirect_uris[1], "https://app.example.com/cb?a=1,b=2"); /* comma kept */
    assert_string_equal(a->scopes, "query schemas:read");
    assert_int_equal(a->grant_types, OAUTH_GRANT_AUTHORIZATION_CODE | OAUTH_GRANT_REFRESH_TOKEN);
    const client_conf *b = &c.oauth.clients[1];
    assert_string_equal(b->client_id, "reporting-bot");
    assert_string_equal(b->name, "reporting-bot"); /* defaults to the id */
    assert_true(b->confidential);
    assert_string_equal(b->secret_hash, HASH);
    assert_int_equal(b->nredirect_uris, 0);
    assert_string_equal(b->scopes, "schemas:read");
    assert_int_equal(b->grant_types, OAUTH_GRANT_CLIENT_CREDENTIALS);
    const client_conf *w = &c.oauth.clients[2];
    assert_true(w->confidential);
    assert_string_equal(w->scopes, "query schemas:read"); /* canonical order */
    assert_int_equal(w->grant_types, OAUTH_GRANT_AUTHORIZATION_CODE | OAUTH_GRANT_REFRESH_TOKEN |
                                         OAUTH_GRANT_CLIENT_CREDENTIALS);
    assert_int_equal(c.oauth.registration_rate_limit, 3);
    assert_int_equal(c.oauth.registration_rate_window_seconds, 60);
    config_free(&c);
}

static void test_bad_clients(void **state)
{
    (void)state;
    bad("[client bad/id]\n", "7: [client bad/id] 'bad/id' is not a valid client id");
    bad("[client dcr_0123]\n", "7: [client dcr_0123] 'dcr_0123' starts with 'dcr_'");
    bad("[client]\n", "7: [client] [client] needs a name: [client NAME]");
    bad("[client a]\nredirect_uris = https://a.example/cb\n[client a]\n",
        "9: section [client a] appears twice");
    bad("[client a]\n", "7: [client a] redirect_uris: missing (required with the "
                        "authorization_code grant)");
    bad("[client a]\nredirect_uris = http://app.example.com/cb\n",
        "8: [client a] redirect_uris: 'http://app.example.com/cb' uses http on a host other than "
        "127.0.0.1, [::1] or localhost");
    bad("[client a]\nredirect_uris = https://a.example/cb#x\n",
        "8: [client a] redirect_uris: 'https://a.example/cb#x' has a fragment");
    bad("[client a]\nredirect_uris = https://a.example/cb https://a.example/cb\n",
        "8: [client a] redirect_uris: 'https://a.example/cb' is listed twice");
    bad("[client a]\nredirect_uris = https://a.example/cb\ntype = secret\n",
        "9: [client a] type: 'secret' is not one of public, confidential");
    bad("[client a]\nredirect_uris = https://a.example/cb\ntype = confidential\n",
        "7: [client a] secret_hash: missing (required with type = confidential)");
    bad("[client a]\nredirect_uris = https://a.example/cb\nsecret_hash = " HASH "\n",
        "9: [client a] secret_hash: is only used with type = confidential");
    bad("[client a]\ntype = confidential\nsecret_hash = hunter2\n",
        "9: [client a] secret_hash: (hidden) is not sha256:<64 lowercase hex digits>");
    bad("[client a]\ntype = confidential\nsecret_hash = "
        "sha256:9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\n",
        "9: [client a] secret_hash: (hidden) is not sha256:");
    bad("[client a]\ngrant_types = client_credentials\n",
        "8: [client a] grant_types: client_credentials needs type = confidential");
    bad("[client a]\nredirect_uris = https://a.example/cb\ngrant_types = refresh_token\n",
        "9: [client a] grant_types: refresh_token is only issued with authorization_code");
    bad("[client a]\nredirect_uris = https://a.example/cb\ngrant_types = authorisation_code\n",
        "9: [client a] grant_types: 'authorisation_code' is not a grant type (did you mean "
        "'authorization_code'?)");
    bad("[client a]\nredirect_uris = https://a.example/cb\ngrant_types = password\n",
        "9: [client a] grant_types: 'password' is not a grant type (known: authorization_code, "
        "refresh_token, client_credentials)");
    bad("[client a]\nredirect_uris = https://a.example/cb\n"
        "grant_types = authorization_code authorization_code\n",
        "9: [client a] grant_types: 'authorization_code' is listed twice");
    bad("[client a]\ntype = confidential\nsecret_hash = " HASH "\ngrant_types = "
        "client_credentials\nredirect_uris = https://a.example/cb\n",
        "11: [client a] redirect_uris: is only used with grant_types including "
        "authorization_code");
    bad("[client a]\nredirect_uris = https://a.example/cb\nscopes = query schema:read\n",
        "9: [client a] scopes: 'schema:read' is not a scope of this server (did you mean "
        "'schemas:read'?)");
    bad("[client a]\nredirect_uris = https://a.example/cb\nscopes = admin\n",
        "9: [client a] scopes: 'admin' is not a scope of this server (known: query "
        "schemas:read)");
    bad("[client a]\nredirect_uris = https://a.example/cb\nscopes = query,schemas:read\n",
        "9: [client a] scopes: 'query,schemas:read' is not a scope of this server");
    bad("[client a]\nredirect_uris = https://a.example/cb\nname = \"a\tb\"\n",
        "9: [client a] name: 'a\tb' has a control character");
    bad("[client a]\nredirect_uris = https://a.example/cb\nsecret = x\n",
        "9: [client a] secret: unknown key 'secret'");
    buf_t many = BUF_INIT(8192);
    buf_puts(&many, "[client a]\nredirect_uris =");
    for (int i = 0; i < 33; i++)
        buf_printf(&many, " https://a.example/cb%d", i);
    buf_puts(&many, "\n");
    bad(buf_cstr(&many), "8: [client a] redirect_uris: lists 33 URIs (at most 32)");
    buf_free(&many);
}

static void test_oauth_registration_keys(void **state)
{
    (void)state;
    bad("[oauth]\nregistration_rate_limit = 0\n",
        "8: [oauth] registration_rate_limit: '0' is out of range (1 to 1000000)");
    bad("[oauth]\nregistration_rate_window_seconds = 86401\n",
        "8: [oauth] registration_rate_window_seconds: '86401' is out of range (1 to 86400)");
    bad("[oauth]\ncimd_ca_file = relative.pem\n",
        "8: [oauth] cimd_ca_file: 'relative.pem' is not an absolute path");
    bad("[oauth]\ncimd_ca_file = /nonexistent/ca.pem\n",
        "8: [oauth] cimd_ca_file: '/nonexistent/ca.pem' is not a readable file");
    char ca[] = "/tmp/ddbsql-ca-XXXXXX";
    int fd = mkstemp(ca);
    assert_true(fd >= 0);
    close(fd);
    char text[256];
    snprintf(text, sizeof text, "[oauth]\ncimd_ca_file = %s\n", ca);
    bad(text, "8: [oauth] cimd_ca_file: is for tests only and is used only with "
              "cimd_allow_loopback = true");
    snprintf(text, sizeof text, "[oauth]\ncimd_allow_loopback = true\ncimd_ca_file = %s\n", ca);
    config c;
    load_ok(text, &c);
    assert_true(c.oauth.cimd_allow_loopback);
    assert_string_equal(c.oauth.cimd_ca_file, ca);
    config_free(&c);
    unlink(ca);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_public_and_confidential),
        cmocka_unit_test(test_bad_clients),
        cmocka_unit_test(test_oauth_registration_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* oauth/client_registry: one lookup over pre-registered (config), CIMD
 * (a local TLS server) and DCR (a real redis-server) clients; redirect URI,
 * grant, auth-method and secret checks on the records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oauth/client_registry.h"
#include "oauth/dcr.h"

#include "tests/unit/support/fake_https.h"
#include "tests/unit/support/redis_server.h"

#include "core/base/buf.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* sha256("test") */
#define HASH "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

static test_redis *redis;
static fake_https *srv;
static redis_store *rs;
static config cfg;
static client_registry *reg;
static char why[1024];

static void load_config(const char *extra)
{
    char path[] = "/tmp/ddbsql-registry-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    buf_t b = BUF_INIT(1 << 16);
    buf_printf(&b,
               "public_url = http://127.0.0.1:8080\nauth = none\n"
               "[redis]\nport = %d\n"
               "[schema demo]\nregion = us-east-1\nendpoint = http://127.0.0.1:4567\n"
               "[client codex]\nname = Codex\n"
               "redirect_uris = http://127.0.0.1:1455/auth/callback https://app.example.com/cb\n"
               "scopes = query\n"
               "[client bot]\ntype = confidential\nsecret_hash = " HASH "\n"
               "grant_types = client_credentials\n"
               "%s",
               test_redis_port(redis), extra ? extra : "");
    assert_int_equal(write(fd, b.data, b.len), (ssize_t)b.len);
    close(fd);
    buf_free(&b);
    char err[1024];
    bool ok = config_load(path, &cfg, err, sizeof err);
    unlink(path);
    if (!ok)
        fail_msg("config: %s", err);
}

/* The configured CIMD options with generous timeouts: under valgrind on a
 * loaded machine a TLS handshake takes seconds. */
static void set_slow_machine_timeouts(client_registry *r)
{
    cimd_options o;
    cimd_options_from_config(&cfg.oauth, &o);
    o.connect_timeout_ms = 10000;
    o.total_timeout_ms = 30000;
    client_registry_set_cimd_options(r, &o);
}

static int group_setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    redis = test_redis_start();
    srv = fake_https_start();
    char extra[512];
    snprintf(extra, sizeof extra, "[oauth]\ncimd_allow_loopback = true\ncimd_ca_file = %s\n",
             fake_https_ca_file(srv));
    load_config(extra);
    rs = redis_store_new(&cfg.redis);
    reg = client_registry_new(&cfg, rs);
    set_slow_machine_timeouts(reg);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    client_registry_free(reg);
    redis_store_free(rs);
    config_free(&cfg);
    fake_https_stop(srv);
    test_redis_stop(redis);
    curl_global_cleanup();
    return 0;
}

static oauth_client *lookup_ok(client_registry *r, const char *id)
{
    oauth_client *c = (oauth_client *)1;
    client_status st = client_lookup(r, id, &c, why, sizeof why);
    if (st != CLIENT_OK)
        fail_msg("%s: %s: %s", id, client_status_code(st), why);
    assert_non_null(c);
    return c;
}

static void lookup_fails(client_registry *r, const char *id, client_status want, const char *text)
{
    oauth_client *c = (oauth_client *)1;
    client_status st = client_lookup(r, id, &c, why, sizeof why);
    assert_null(c);
    if (st != want)
        fail_msg("%s: %s, expected %s (%s)", id ? id : "(null)", client_status_code(st),
                 client_status_code(want), why);
    if (!strstr(why, text))
        fail_msg("%s: got '%s', expected '%s'", id ? id : "(null)", why, text);
}

static void test_preregistered_public(void **state)
{
    (void)state;
    oauth_client *c = lookup_ok(reg, "codex");
    assert_string_equal(c->client_id, "codex");
    assert_string_equal(c->name, "Codex");
    assert_int_equal(c->kind, CLIENT_PREREGISTERED);
    assert_string_equal(client_kind_name(c->kind), "pre-registered");
    assert_null(c->host);
    assert_false(c->confidential);
    assert_int_equal(c->auth_method, CLIENT_AUTH_NONE);
    assert_null(c->secret_hash);
    assert_int_equal(c->scopes.n, 1);
    assert_string_equal(c->scopes.items[0], "query");
    assert_true(client_allows_grant(c, OAUTH_GRANT_AUTHORIZATION_CODE));
    assert_true(client_allows_grant(c, OAUTH_GRANT_REFRESH_TOKEN));
    assert_false(client_allows_grant(c, OAUTH_GRANT_CLIENT_CREDENTIALS));
    assert_false(client_allows_grant(c, 0));
    assert_true(client_auth_method_allowed(c, CLIENT_AUTH_NONE));
    assert_false(client_auth_method_allowed(c, CLIENT_AUTH_CLIENT_SECRET_BASIC));
    assert_false(client_auth_method_allowed(c, CLIENT_AUTH_CLIENT_SECRET_POST));
    assert_false(client_secret_verify(c, "test", 4)); /* public: no secret can match */

    assert_true(redirect_uri_allowed(c, "https://app.example.com/cb"));
    assert_true(redirect_uri_allowed(c, "http://127.0.0.1:1455/auth/callback"));
    assert_true(redirect_uri_allowed(c, "http://127.0.0.1:50123/auth/callback")); /* RFC 8252 */
    static const char *const refused[] = {
        "https://app.example.com/cb/",
        "https://app.example.com/cb/x",
        "https://app.example.com/cb?x=1",
        "https://app.example.com/CB",
        "https://App.example.com/cb",
        "https://app.example.com:443/cb",
        "https://app.example.com.evil/cb",
        "http://app.example.com/cb",
        "http://localhost:1455/auth/callback",
        "http://127.0.0.1:1455/auth/callback/",
        "",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (redirect_uri_allowed(c, refused[i]))
            fail_msg("'%s' allowed", refused[i]);
    assert_false(redirect_uri_allowed(c, NULL));
    assert_false(redirect_uri_allowed(NULL, "https://app.example.com/cb"));
    oauth_client_free(c);
    oauth_client_free(NULL);
}

static void test_preregistered_confidential(void **state)
{
    (void)state;
    oauth_client *c = lookup_ok(reg, "bot");
    assert_true(c->confidential);
    assert_int_equal(c->auth_method, CLIENT_AUTH_CLIENT_SECRET_BASIC);
    assert_string_equal(c->secret_hash, HASH);
    assert_int_equal(c->nredirect_uris, 0);
    assert_false(redirect_uri_allowed(c, "https://app.example.com/cb"));
    assert_int_equal(c->grant_types, OAUTH_GRANT_CLIENT_CREDENTIALS);
    assert_int_equal(c->scopes.n, 2);
    assert_true(client_auth_method_allowed(c, CLIENT_AUTH_CLIENT_SECRET_BASIC));
    assert_true(client_auth_method_allowed(c, CLIENT_AUTH_CLIENT_SECRET_POST));
    assert_false(client_auth_method_allowed(c, CLIENT_AUTH_NONE));
    assert_true(client_secret_verify(c, "test", 4));
    assert_false(client_secret_verify(c, "test", 3));
    assert_false(client_secret_verify(c, "tesT", 4));
    assert_false(client_secret_verify(c, "test ", 5));
    assert_false(client_secret_verify(c, "", 0));
    assert_false(client_secret_verify(c, NULL, 4));
    assert_false(client_secret_verify(NULL, "test", 4));
    oauth_client_free(c);

    char *h = client_secret_hash("test", 4);
    assert_string_equal(h, HASH);
    free(h);
    h = client_secret_hash("", 0);
    assert_string_equal(h,
                        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    free(h);
}

static void test_dcr_clients(void **state)
{
    (void)state;
    const char *body = "{\"client_name\":\"Registered\",\"redirect_uris\":[\"http://127.0.0.1:9/"
                       "cb\"],\"grant_types\":[\"authorization_code\"],\"scope\":\"schemas:read\"}";
    client_metadata m;
    assert_int_equal(
        dcr_register(rs, &cfg.oauth, body, strlen(body), 1700000000, &m, why, sizeof why), DCR_OK);
    oauth_client *c = lookup_ok(reg, m.client_id);
    assert_int_equal(c->kind, CLIENT_DCR);
    assert_string_equal(c->name, "Registered");
    assert_false(c->confidential);
    assert_int_equal(c->auth_method, CLIENT_AUTH_NONE);
    assert_int_equal(c->issued_at, 1700000000);
    assert_true(redirect_uri_allowed(c, "http://127.0.0.1:9/cb"));
    assert_true(redirect_uri_allowed(c, "http://127.0.0.1:10/cb"));
    assert_false(redirect_uri_allowed(c, "http://127.0.0.1:9/cb2"));
    assert_true(client_allows_grant(c, OAUTH_GRANT_AUTHORIZATION_CODE));
    assert_false(client_allows_grant(c, OAUTH_GRANT_REFRESH_TOKEN));
    assert_int_equal(c->scopes.n, 1);
    assert_string_equal(c->scopes.items[0], "schemas:read");
    oauth_client_free(c);

    /* A client_name-less registration is called by its id. */
    body = "{\"redirect_uris\":[\"com.example.app:/cb\"]}";
    client_metadata m2;
    assert_int_equal(dcr_register(rs, &cfg.oauth, body, strlen(body), 1, &m2, why, sizeof why),
                     DCR_OK);
    c = lookup_ok(reg, m2.client_id);
    assert_string_equal(c->name, m2.client_id);
    oauth_client_free(c);
    client_metadata_free(&m2);

    lookup_fails(reg, "dcr_00000000000000000000000000000000", CLIENT_ERR_UNKNOWN,
                 "unknown client_id 'dcr_00000000000000000000000000000000': no client is "
                 "registered");

    /* Without Redis: unavailable, never unknown. */
    client_registry *none = client_registry_new(&cfg, NULL);
    lookup_fails(none, m.client_id, CLIENT_ERR_UNAVAILABLE, "kept in Redis");
    /* Pre-registered clients need no Redis. */
    c = lookup_ok(none, "codex");
    oauth_client_free(c);
    client_registry_free(none);

    test_redis_pause(redis);
    lookup_fails(reg, m.client_id, CLIENT_ERR_UNAVAILABLE,
                 "the client registry (Redis) is "
                 "unavailable");
    c = lookup_ok(reg, "bot");
    oauth_client_free(c);
    test_redis_resume(redis);
    /* Redis came back empty (nothing is persisted in the test): unknown now. */
    lookup_fails(reg, m.client_id, CLIENT_ERR_UNKNOWN, "unknown client_id");
    client_metadata_free(&m);
}

static const char *test_cimd_url(const char *path)
{
    static char u[256];
    snprintf(u, sizeof u, "https://127.0.0.1:%d%s", fake_https_port(srv), path);
    return u;
}

static void test_cimd_clients(void **state)
{
    (void)state;
    char url[256], doc[1024];
    snprintf(url, sizeof url, "%s", test_cimd_url("/app/client.json"));
    snprintf(doc, sizeof doc,
             "{\"client_id\":\"%s\",\"client_name\":\"CIMD App\",\"redirect_uris\":[\"http://"
             "localhost:7777/callback\"],\"token_endpoint_auth_method\":\"none\"}",
             url);
    fake_https_push_json(srv, 200, "Cache-Control: max-age=300\r\n", doc);
    oauth_client *c = lookup_ok(reg, url);
    assert_int_equal(c->kind, CLIENT_CIMD);
    assert_string_equal(client_kind_name(c->kind), "cimd");
    assert_string_equal(c->client_id, url);
    assert_string_equal(c->name, "CIMD App");
    char host[64];
    snprintf(host, sizeof host, "127.0.0.1:%d", fake_https_port(srv));
    assert_string_equal(c->host, host);
    assert_false(c->confidential);
    assert_true(redirect_uri_allowed(c, "http://localhost:7777/callback"));
    assert_false(redirect_uri_allowed(c, "http://localhost:7778/callback"));
    assert_int_equal(c->grant_types, OAUTH_GRANT_AUTHORIZATION_CODE | OAUTH_GRANT_REFRESH_TOKEN);
    oauth_client_free(c);
    /* Cached: the second lookup makes no request. */
    size_t n = fake_https_nrequests(srv);
    c = lookup_ok(reg, url);
    oauth_client_free(c);
    assert_int_equal(fake_https_nrequests(srv), n);

    /* No client_name: the host names it. */
    snprintf(url, sizeof url, "%s", test_cimd_url("/anon.json"));
    snprintf(doc, sizeof doc, "{\"client_id\":\"%s\",\"redirect_uris\":[\"https://a.example/cb\"]}",
             url);
    fake_https_push_json(srv, 200, NULL, doc);
    c = lookup_ok(reg, url);
    assert_string_equal(c->name, host);
    oauth_client_free(c);

    /* Fetch failures and invalid documents. */
    snprintf(url, sizeof url, "%s", test_cimd_url("/moved.json"));
    fake_https_resp moved = {.status = 302, .headers = "Location: https://a.example/x\r\n"};
    fake_https_push(srv, &moved);
    lookup_fails(reg, url, CLIENT_ERR_CIMD_FETCH, "answered with a redirect (HTTP 302)");
    snprintf(url, sizeof url, "%s", test_cimd_url("/other.json"));
    fake_https_push_json(srv, 200, NULL,
                         "{\"client_id\":\"https://elsewhere.example/c.json\",\"redirect_uris\":["
                         "\"https://a.example/cb\"]}");
    lookup_fails(reg, url, CLIENT_ERR_CIMD_INVALID, "is not exactly the URL");
    lookup_fails(reg, "http://127.0.0.1/c.json", CLIENT_ERR_BAD_ID, "must use https://");
    lookup_fails(reg, "https://127.0.0.1", CLIENT_ERR_BAD_ID, "must have a path");

    /* Without the test switch, loopback is refused (SSRF) before any request. */
    cimd_options strict;
    cimd_options_from_config(&cfg.oauth, &strict);
    strict.allow_loopback = false;
    client_registry_set_cimd_options(reg, &strict);
    n = fake_https_nrequests(srv);
    lookup_fails(reg, test_cimd_url("/fresh.json"), CLIENT_ERR_CIMD_FETCH,
                 "a loopback address, which is not fetched");
    assert_int_equal(fake_https_nrequests(srv), n);
    set_slow_machine_timeouts(reg);
}

static void test_unknown_ids(void **state)
{
    (void)state;
    lookup_fails(reg, "nobody", CLIENT_ERR_UNKNOWN, "unknown client_id 'nobody'");
    lookup_fails(reg, "Codex", CLIENT_ERR_UNKNOWN, "unknown client_id 'Codex'"); /* exact */
    lookup_fails(reg, "", CLIENT_ERR_UNKNOWN, "no client_id");
    lookup_fails(reg, NULL, CLIENT_ERR_UNKNOWN, "no client_id");
    lookup_fails(reg, "a\x01\x7f b", CLIENT_ERR_UNKNOWN,
                 "unknown client_id 'a??"
                 "?b'");
    buf_t big = BUF_INIT(8192);
    while (big.len <= CLIENT_ID_MAX)
        buf_putc(&big, 'x');
    lookup_fails(reg, buf_cstr(&big), CLIENT_ERR_BAD_ID, "longer than 2048 bytes");
    buf_reset(&big);
    for (int i = 0; i < 100; i++)
        buf_putc(&big, 'y');
    lookup_fails(reg, buf_cstr(&big), CLIENT_ERR_UNKNOWN, "yyy...'");
    buf_free(&big);
    assert_string_equal(client_status_code(CLIENT_OK), "ok");
    assert_string_equal(client_status_code(CLIENT_ERR_UNKNOWN), "unknown_client");
    assert_string_equal(client_status_code(CLIENT_ERR_BAD_ID), "invalid_client_id");
    assert_string_equal(client_status_code(CLIENT_ERR_CIMD_FETCH), "cimd_fetch_failed");
    assert_string_equal(client_status_code(CLIENT_ERR_CIMD_INVALID), "cimd_invalid_metadata");
    assert_string_equal(client_status_code(CLIENT_ERR_UNAVAILABLE), "unavailable");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_preregistered_public),
        cmocka_unit_test(test_preregistered_confidential),
        cmocka_unit_test(test_dcr_clients),
        cmocka_unit_test(test_cimd_clients),
        cmocka_unit_test(test_unknown_ids),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

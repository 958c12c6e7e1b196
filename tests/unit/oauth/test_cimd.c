/* oauth/cimd: the client_id URL rules, Cache-Control, and fetching Client
 * ID Metadata Documents from a local TLS server (tests/unit/support/
 * fake_https) under the SSRF rules, with the Redis cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oauth/cimd.h"

#include "tests/unit/support/fake_https.h"
#include "tests/unit/support/redis_server.h"

#include "core/base/buf.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char why[1024];
static fake_https *srv;
static test_redis *redis;

static int group_setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    redis = test_redis_start();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    test_redis_stop(redis);
    curl_global_cleanup();
    return 0;
}

static int setup(void **state)
{
    (void)state;
    srv = fake_https_start();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fake_https_stop(srv);
    srv = NULL;
    return 0;
}

/* Options that trust the test server and admit loopback. The timeouts are
 * generous: under valgrind on a loaded machine a TLS handshake takes
 * seconds (the timeout cases set their own). */
static cimd_options test_opts(void)
{
    cimd_options o = {.allow_loopback = true,
                      .ca_file = fake_https_ca_file(srv),
                      .connect_timeout_ms = 10000,
                      .total_timeout_ms = 30000};
    return o;
}

/* The URL of path on the test server ("/client.json"), as host. */
static const char *url_at(const char *host, const char *path)
{
    static char u[256];
    snprintf(u, sizeof u, "https://%s:%d%s", host, fake_https_port(srv), path);
    return u;
}

static char *doc_for(const char *url, const char *extra)
{
    buf_t b = BUF_INIT(8192);
    buf_printf(&b,
               "{\"client_id\":\"%s\",\"client_name\":\"Test client\",\"redirect_uris\":[\"http://"
               "127.0.0.1:4000/callback\"]%s}",
               url, extra ? extra : "");
    return buf_steal(&b);
}

/* ---- URL rules ----------------------------------------------------------- */

static void test_url_rules(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "https://app.example.com/client.json",
        "https://app.example.com:8443/oauth/client-metadata.json",
        "https://app.example.com/c?v=1",
        "https://192.0.2.1/c.json",
        "https://[2001:db8::1]/c.json",
        "https://app.example.com/a.b/..c/c.json", /* dots inside segments are fine */
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        cimd_url u;
        if (!cimd_url_check(ok[i], &u, why, sizeof why))
            fail_msg("%s refused: %s", ok[i], why);
    }
    static const struct {
        const char *url, *why;
    } bad[] = {
        {"", "empty"},
        {"http://app.example.com/client.json", "must use https://"},
        {"HTTPS://app.example.com/client.json", "must use https://"},
        {"ftp://app.example.com/client.json", "must use https://"},
        {"https://app.example.com", "must have a path"},
        {"https://app.example.com/", "must have a path"},
        {"https://app.example.com/?x=1", "must have a path"},
        {"https://app.example.com/c.json#frag", "fragment"},
        {"https://user@app.example.com/c.json", "user-info"},
        {"https://user:pw@app.example.com/c.json", "user-info"},
        {"https://app.example.com/./c.json", "'.' or '..' path segments"},
        {"https://app.example.com/a/../c.json", "'.' or '..' path segments"},
        {"https://app.example.com/a/%2e%2E/c.json", "'.' or '..' path segments"},
        {"https://app.example.com/a/%2e/c.json", "'.' or '..' path segments"},
        {"https://app.example.com/a/..", "'.' or '..' path segments"},
        {"https://app.example.com/a/.?x", "'.' or '..' path segments"},
        {"https://app.example.com:0/c.json", "invalid port"},
        {"https://app.example.com:70000/c.json", "invalid port"},
        {"https://app.example.com:x/c.json", "invalid port"},
        {"https://app..example.com/c.json", "not a DNS name"},
        {"https://-app.example.com/c.json", "not a DNS name"},
        {"https://app_example.com/c.json", "not a DNS name"},
        {"https://%61pp.example.com/c.json", "not a DNS name"},
        {"https://b\xc3\xbc"
         "cher.example/c.json",
         "non-ASCII"},
        {"https://app.example.com/c json", "space"},
        {"https://app.example.com\\@evil.example/c.json", "backslash"},
        {"https://[::1/c.json", "invalid IPv6"},
        {"https://[fe80::1%25eth0]/c.json", "invalid IPv6"},
        {"https://127.1/c.json", "not in a form this server accepts"},
        {"https://0x7f000001/c.json", "not in a form this server accepts"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = '\0';
        if (cimd_url_check(bad[i].url, NULL, why, sizeof why))
            fail_msg("%s accepted", bad[i].url);
        if (!strstr(why, bad[i].why))
            fail_msg("%s: got '%s', expected '%s'", bad[i].url, why, bad[i].why);
    }
    assert_false(cimd_url_check(NULL, NULL, why, sizeof why));
    buf_t big = BUF_INIT(8192);
    buf_puts(&big, "https://app.example.com/");
    while (big.len <= CLIENT_ID_MAX)
        buf_putc(&big, 'a');
    assert_false(cimd_url_check(buf_cstr(&big), NULL, why, sizeof why));
    assert_non_null(strstr(why, "longer than 2048"));
    buf_free(&big);

    cimd_url u;
    char host[CIMD_HOST_MAX + 8];
    assert_true(cimd_url_check("https://App.Example.com/c.json", &u, why, sizeof why));
    assert_string_equal(u.host, "App.Example.com");
    assert_int_equal(u.port, 443);
    assert_false(u.ip_literal);
    cimd_url_display_host(&u, host, sizeof host);
    assert_string_equal(host, "App.Example.com");
    assert_true(cimd_url_check("https://[2001:db8::1]:8443/c.json", &u, why, sizeof why));
    assert_string_equal(u.host, "[2001:db8::1]");
    assert_int_equal(u.port, 8443);
    assert_true(u.ip_literal);
    cimd_url_display_host(&u, host, sizeof host);
    assert_string_equal(host, "[2001:db8::1]:8443");
    assert_true(cimd_url_check("https://203.0.113.5/c", &u, why, sizeof why));
    assert_true(u.ip_literal);

    assert_true(cimd_is_url("https://app.example.com/c.json"));
    assert_true(cimd_is_url("http://app.example.com/c.json"));
    assert_true(cimd_is_url("javascript://x"));
    assert_false(cimd_is_url("my-client"));
    assert_false(cimd_is_url("dcr_0123"));
    assert_false(cimd_is_url("urn:x:y"));
    assert_false(cimd_is_url("://x"));
    assert_false(cimd_is_url(NULL));
}

static void test_cache_ttl(void **state)
{
    (void)state;
    static const struct {
        const char *cc;
        int ttl;
    } t[] = {
        {NULL, CIMD_CACHE_DEFAULT_SECONDS},
        {"", CIMD_CACHE_DEFAULT_SECONDS},
        {"public", CIMD_CACHE_DEFAULT_SECONDS},
        {"max-age=3600", 3600},
        {"public, max-age=120", 120},
        {"Max-Age=120", 120},
        {"max-age=\"600\"", 600},
        {"max-age=0", CIMD_CACHE_MIN_SECONDS},
        {"max-age=5", CIMD_CACHE_MIN_SECONDS},
        {"max-age=999999999999999999", CIMD_CACHE_MAX_SECONDS},
        {"max-age=604800", CIMD_CACHE_MAX_SECONDS},
        {"max-age=-1", CIMD_CACHE_DEFAULT_SECONDS},
        {"max-age=12x", CIMD_CACHE_DEFAULT_SECONDS},
        {"max-age=", CIMD_CACHE_DEFAULT_SECONDS},
        {"max-age=100, max-age=7200", 100}, /* the first one counts */
        {"no-store", 0},
        {"max-age=3600, no-store", 0},
        {"No-Cache", 0},
        {"private, no-cache, max-age=60", 0},
        {"no-storex", CIMD_CACHE_DEFAULT_SECONDS},
        {" , ,max-age=90 ,", 90},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        int got = cimd_cache_ttl(t[i].cc);
        if (got != t[i].ttl)
            fail_msg("'%s': %d, expected %d", t[i].cc ? t[i].cc : "(null)", got, t[i].ttl);
    }
}

/* ---- fetching ------------------------------------------------------------- */

static cimd_status fetch(const char *url, const cimd_options *o, char **body, int *ttl)
{
    size_t len;
    why[0] = '\0';
    cimd_status st = cimd_fetch(url, o, body, &len, ttl, why, sizeof why);
    if (st == CIMD_OK)
        assert_int_equal(len, strlen(*body));
    else
        assert_null(*body);
    return st;
}

static void expect_fetch_error(const char *url, const cimd_options *o, cimd_status want,
                               const char *text)
{
    char *body;
    int ttl;
    cimd_status st = fetch(url, o, &body, &ttl);
    if (st != want)
        fail_msg("%s: status %d, expected %d (%s)", url, st, want, why);
    if (!strstr(why, text))
        fail_msg("%s: got '%s', expected '%s'", url, why, text);
}

static void test_fetch_ok(void **state)
{
    (void)state;
    cimd_options o = test_opts();
    const char *url = url_at("127.0.0.1", "/client.json");
    char *doc = doc_for(url, NULL);
    fake_https_push_json(srv, 200, "Cache-Control: public, max-age=120\r\n", doc);
    char *body;
    int ttl;
    assert_int_equal(fetch(url, &o, &body, &ttl), CIMD_OK);
    assert_string_equal(body, doc);
    assert_int_equal(ttl, 120);
    free(body);
    assert_int_equal(fake_https_nrequests(srv), 1);
    const char *head = fake_https_request_head(srv, 0);
    assert_non_null(strstr(head, "GET /client.json HTTP/1.1\r\n"));
    assert_non_null(strstr(head, "Accept: application/json\r\n"));
    assert_null(strstr(head, "Accept-Encoding")); /* the size cap is the document's size */

    /* Through the name localhost: resolved by curl, checked per address. */
    const char *lurl = url_at("localhost", "/client.json");
    fake_https_push_json(srv, 200, NULL, doc);
    assert_int_equal(fetch(lurl, &o, &body, &ttl), CIMD_OK);
    assert_int_equal(ttl, CIMD_CACHE_DEFAULT_SECONDS);
    free(body);

    /* Exactly the size cap is fine. */
    buf_t b = BUF_INIT(CIMD_MAX_BYTES + 1);
    buf_puts(&b, doc);
    while (b.len < CIMD_MAX_BYTES)
        buf_putc(&b, ' ');
    fake_https_push_json(srv, 200, NULL, buf_cstr(&b));
    assert_int_equal(fetch(url, &o, &body, &ttl), CIMD_OK);
    assert_int_equal(strlen(body), CIMD_MAX_BYTES);
    free(body);
    buf_free(&b);
    free(doc);
}

/* Loopback without the test switch: refused before any connection. */
static void test_loopback_refused_without_switch(void **state)
{
    (void)state;
    cimd_options o = test_opts();
    o.allow_loopback = false;
    fake_https_push_json(srv, 200, NULL, "{}");
    expect_fetch_error(url_at("127.0.0.1", "/client.json"), &o, CIMD_ERR_FETCH,
                       "resolves to 127.0.0.1, a loopback address, which is not fetched "
                       "(server-side request forgery protection");
    expect_fetch_error(url_at("localhost", "/client.json"), &o, CIMD_ERR_FETCH,
                       "a loopback address, which is not fetched");
    expect_fetch_error(url_at("[::1]", "/client.json"), &o, CIMD_ERR_FETCH,
                       "resolves to ::1, a loopback address");
    assert_int_equal(fake_https_nrequests(srv), 0);
}

/* Special ranges stay refused even with the loopback switch on. */
static void test_special_addresses_refused(void **state)
{
    (void)state;
    cimd_options o = test_opts();
    o.connect_timeout_ms = 1000;
    static const struct {
        const char *host, *what;
    } t[] = {
        {"0.0.0.0", "0.0.0.0, an unspecified address"}, /* reaches localhost on Linux */
        {"10.1.2.3", "10.1.2.3, a private address"},
        {"172.16.0.1", "a private address"},
        {"192.168.1.1", "a private address"},
        {"169.254.169.254", "169.254.169.254, a link-local address"},
        {"100.64.0.1", "a shared (carrier-grade NAT) address"},
        {"224.0.0.1", "a multicast address"},
        {"192.0.2.1", "a documentation address"},
        {"[fd00::1]", "fd00::1, a private address"},
        {"[fe80::1]", "a link-local address"},
        {"[::ffff:10.0.0.1]", "a private address"},
        {"[::ffff:169.254.169.254]", "a link-local address"},
        {"[::]", "an unspecified address"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char url[128];
        snprintf(url, sizeof url, "https://%s:%d/client.json", t[i].host, fake_https_port(srv));
        expect_fetch_error(url, &o, CIMD_ERR_FETCH, t[i].what);
    }
    assert_int_equal(fake_https_nrequests(srv), 0);
}

static void test_fetch_failures(void **state)
{
    (void)state;
    cimd_options o = test_opts();
    const char *url = url_at("127.0.0.1", "/client.json");

    /* Not https: refused without a request. */
    char http[128];
    snprintf(http, sizeof http, "http://127.0.0.1:%d/client.json", fake_https_port(srv));
    expect_fetch_error(http, &o, CIMD_ERR_URL, "must use https://");
    assert_int_equal(fake_https_nrequests(srv), 0);

    /* A redirect is an error, and is not followed. */
    fake_https_resp redirect = {.status = 302, .headers = "Location: https://127.0.0.1/other\r\n"};
    fake_https_push(srv, &redirect);
    fake_https_push_json(srv, 200, NULL, "{}");
    expect_fetch_error(url, &o, CIMD_ERR_FETCH,
                       "answered with a redirect (HTTP 302); redirects are not followed");
    assert_int_equal(fake_https_nrequests(srv), 1);
    fake_https_resp moved = {.status = 301, .headers = "Location: /x\r\n"};
    fake_https_push(srv, &moved);
    /* (the leftover 200 above is served first; drain it) */
    char *body;
    int ttl;
    assert_int_equal(fetch(url, &o, &body, &ttl), CIMD_OK);
    free(body);
    expect_fetch_error(url, &o, CIMD_ERR_FETCH, "redirect (HTTP 301)");

    fake_https_push_json(srv, 404, NULL, "{\"error\":\"nope\"}");
    expect_fetch_error(url, &o, CIMD_ERR_FETCH, "answered HTTP 404 (200 is required)");
    fake_https_push_json(srv, 204, NULL, "");
    expect_fetch_error(url, &o, CIMD_ERR_FETCH, "answered HTTP 204");

    /* Too big, with and without a Content-Length. */
    char *big = malloc(CIMD_MAX_BYTES + 2);
    memset(big, ' ', CIMD_MAX_BYTES + 1);
    big[0] = '{';
    big[CIMD_MAX_BYTES] = '}';
    big[CIMD_MAX_BYTES + 1] = '\0';
    fake_https_push_json(srv, 200, NULL, big);
    expect_fetch_error(url, &o, CIMD_ERR_FETCH, "is larger than 5120 bytes");
    fake_https_resp stream = {.status = 200, .body = big, .no_length = true};
    fake_https_push(srv, &stream);
    expect_fetch_error(url, &o, CIMD_ERR_FETCH, "is larger than 5120 bytes");
    free(big);

    /* A server that does not answer in time. */
    o.total_timeout_ms = 400;
    fake_https_resp slow = {.status = 200, .body = "{}", .delay_ms = 3000};
    fake_https_push(srv, &slow);
    expect_fetch_error(url, &o, CIMD_ERR_FETCH, "did not answer within 400 ms");
    o = test_opts();

    /* A certificate the client does not trust: another server's CA. (Not
       the system store: loading it is slow under valgrind.) */
    fake_https *other = fake_https_start();
    o.ca_file = fake_https_ca_file(other);
    fake_https_push_json(srv, 200, NULL, "{}");
    expect_fetch_error(url, &o, CIMD_ERR_FETCH, "certificate");
    fake_https_stop(other);

    /* Nothing listening / an unknown host. */
    o = test_opts();
    o.connect_timeout_ms = 1000;
    expect_fetch_error("https://127.0.0.1:1/client.json", &o, CIMD_ERR_FETCH, "failed");
    /* An unknown host: "not found", or, where DNS itself does not answer
       (an offline machine), the timeout; never a success. */
    assert_int_equal(fetch("https://no-such-host.invalid/client.json", &o, &body, &ttl),
                     CIMD_ERR_FETCH);
    if (!strstr(why, "was not found (DNS)") && !strstr(why, "did not answer within"))
        fail_msg("unexpected: %s", why);
}

/* ---- with validation and the cache --------------------------------------- */

static redis_store *store(void)
{
    redis_conf c = test_redis_conf(redis);
    return redis_store_new(&c);
}

static bool key_exists(redis_store *rs, const char *url, long long *ttl)
{
    char *key = cimd_cache_key(rs, url), err[256];
    redisReply *r = redis_store_cmdf(rs, true, err, sizeof err, "TTL %s", key);
    free(key);
    assert_non_null(r);
    bool exists = r->integer >= 0;
    if (ttl)
        *ttl = r->integer;
    freeReplyObject(r);
    return exists;
}

static void test_get_and_cache(void **state)
{
    (void)state;
    redis_store *rs = store();
    cimd_options o = test_opts();
    const char *url = url_at("127.0.0.1", "/cached.json");
    char *doc = doc_for(url, ",\"scope\":\"query\"");
    fake_https_push_json(srv, 200, "Cache-Control: max-age=120\r\n", doc);
    client_metadata m;
    bool cached = true;
    assert_int_equal(cimd_get(rs, url, &o, &m, &cached, why, sizeof why), CIMD_OK);
    assert_false(cached);
    assert_string_equal(m.client_id, url);
    assert_string_equal(m.client_name, "Test client");
    assert_string_equal(m.scope, "query");
    assert_int_equal(m.nredirect_uris, 1);
    client_metadata_free(&m);
    long long ttl;
    assert_true(key_exists(rs, url, &ttl));
    assert_true(ttl > 60 && ttl <= 120);
    /* The second lookup is answered from Redis: no request. */
    assert_int_equal(cimd_get(rs, url, &o, &m, &cached, why, sizeof why), CIMD_OK);
    assert_true(cached);
    assert_string_equal(m.client_id, url);
    client_metadata_free(&m);
    assert_int_equal(fake_https_nrequests(srv), 1);
    /* The key is a hash of the URL, under the prefix. */
    char *key = cimd_cache_key(rs, url);
    assert_int_equal(strncmp(key, "test:oauth:cimd:", 16), 0);
    assert_int_equal(strlen(key), 16 + 64);
    free(key);
    free(doc);
    redis_store_free(rs);
}

static void test_get_invalid_not_cached(void **state)
{
    (void)state;
    redis_store *rs = store();
    cimd_options o = test_opts();
    const char *url = url_at("127.0.0.1", "/mismatch.json");
    /* client_id with a trailing slash: not the URL. */
    char wrong[300];
    snprintf(wrong, sizeof wrong, "%s/", url);
    char *doc = doc_for(wrong, NULL);
    fake_https_push_json(srv, 200, "Cache-Control: max-age=3600\r\n", doc);
    client_metadata m;
    assert_int_equal(cimd_get(rs, url, &o, &m, NULL, why, sizeof why), CIMD_ERR_INVALID);
    assert_non_null(strstr(why, "the client metadata document at https://127.0.0.1:"));
    assert_non_null(strstr(why, "is not exactly the URL the document was fetched from"));
    assert_null(m.client_id);
    assert_false(key_exists(rs, url, NULL));
    free(doc);

    /* A failed fetch is not cached either. */
    fake_https_push_json(srv, 500, "Cache-Control: max-age=3600\r\n", "{}");
    assert_int_equal(cimd_get(rs, url, &o, &m, NULL, why, sizeof why), CIMD_ERR_FETCH);
    assert_false(key_exists(rs, url, NULL));

    /* A bad redirect URI in the document. */
    doc = doc_for(url, NULL);
    char *bad = strdup(doc);
    char *p = strstr(bad, "http://127.0.0.1:4000");
    memcpy(p, "http://10.0.0.1:40000", 21);
    fake_https_push_json(srv, 200, NULL, bad);
    assert_int_equal(cimd_get(rs, url, &o, &m, NULL, why, sizeof why), CIMD_ERR_INVALID);
    assert_non_null(strstr(why, "redirect_uris[0]"));
    free(bad);

    /* no-store: valid but not kept, so fetched each time. */
    fake_https_push_json(srv, 200, "Cache-Control: no-store\r\n", doc);
    fake_https_push_json(srv, 200, "Cache-Control: no-store\r\n", doc);
    size_t before = fake_https_nrequests(srv);
    assert_int_equal(cimd_get(rs, url, &o, &m, NULL, why, sizeof why), CIMD_OK);
    client_metadata_free(&m);
    assert_false(key_exists(rs, url, NULL));
    assert_int_equal(cimd_get(rs, url, &o, &m, NULL, why, sizeof why), CIMD_OK);
    client_metadata_free(&m);
    assert_int_equal(fake_https_nrequests(srv), before + 2);

    /* A non-https client_id never reaches the network. */
    assert_int_equal(cimd_get(rs, "http://127.0.0.1/x.json", &o, &m, NULL, why, sizeof why),
                     CIMD_ERR_URL);
    free(doc);
    redis_store_free(rs);
}

/* Redis down costs only the cache; no Redis at all works too. */
static void test_get_without_redis(void **state)
{
    (void)state;
    cimd_options o = test_opts();
    const char *url = url_at("127.0.0.1", "/nocache.json");
    char *doc = doc_for(url, NULL);
    fake_https_push_json(srv, 200, NULL, doc);
    client_metadata m;
    bool cached = true;
    assert_int_equal(cimd_get(NULL, url, &o, &m, &cached, why, sizeof why), CIMD_OK);
    assert_false(cached);
    client_metadata_free(&m);

    redis_conf c = test_redis_conf(redis);
    c.port = 1; /* nothing listens there */
    c.connect_timeout_ms = 200;
    redis_store *down = redis_store_new(&c);
    fake_https_push_json(srv, 200, NULL, doc);
    assert_int_equal(cimd_get(down, url, &o, &m, &cached, why, sizeof why), CIMD_OK);
    assert_false(cached);
    assert_string_equal(m.client_id, url);
    client_metadata_free(&m);
    redis_store_free(down);
    free(doc);
}

static void test_options_from_config(void **state)
{
    (void)state;
    oauth_conf oc;
    memset(&oc, 0, sizeof oc);
    cimd_options o;
    cimd_options_from_config(&oc, &o);
    assert_false(o.allow_loopback);
    assert_null(o.ca_file);
    assert_int_equal(o.connect_timeout_ms, CIMD_CONNECT_TIMEOUT_MS);
    assert_int_equal(o.total_timeout_ms, CIMD_TOTAL_TIMEOUT_MS);
    oc.cimd_ca_file = "/tmp/ca.pem";
    cimd_options_from_config(&oc, &o);
    assert_null(o.ca_file); /* only with the loopback switch */
    oc.cimd_allow_loopback = true;
    cimd_options_from_config(&oc, &o);
    assert_true(o.allow_loopback);
    assert_string_equal(o.ca_file, "/tmp/ca.pem");
    cimd_options_from_config(NULL, &o);
    assert_false(o.allow_loopback);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_rules),
        cmocka_unit_test(test_cache_ttl),
        cmocka_unit_test(test_options_from_config),
        cmocka_unit_test_setup_teardown(test_fetch_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loopback_refused_without_switch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_special_addresses_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_and_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_invalid_not_cached, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_without_redis, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

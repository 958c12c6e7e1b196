/* oauth/dcr: registering public clients in Redis, finding them again (and
 * renewing their lifetime), and the per-address registration limit, on a
 * real redis-server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oauth/dcr.h"

#include "tests/unit/support/redis_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static test_redis *redis;
static redis_store *rs;
static oauth_conf conf;
static char why[1024];

static int group_setup(void **state)
{
    (void)state;
    redis = test_redis_start();
    redis_conf c = test_redis_conf(redis);
    rs = redis_store_new(&c);
    memset(&conf, 0, sizeof conf);
    conf.registered_client_ttl_days = 30;
    conf.registration_rate_limit = 3;
    conf.registration_rate_window_seconds = 60;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    redis_store_free(rs);
    test_redis_stop(redis);
    return 0;
}

static redisReply *cmd(const char *fmt, const char *arg)
{
    char err[256];
    redisReply *r = redis_store_cmdf(rs, true, err, sizeof err, fmt, arg);
    if (!r)
        fail_msg("redis: %s", err);
    return r;
}

static long long key_ttl(const char *key)
{
    redisReply *r = cmd("TTL %s", key);
    long long t = r->integer;
    freeReplyObject(r);
    return t;
}

static long long count_keys(const char *pattern)
{
    redisReply *r = cmd("KEYS %s", pattern);
    long long n = (long long)r->elements;
    freeReplyObject(r);
    return n;
}

static void test_client_id_form(void **state)
{
    (void)state;
    assert_true(dcr_is_client_id("dcr_0123456789abcdef0123456789abcdef"));
    assert_false(dcr_is_client_id("dcr_0123456789ABCDEF0123456789abcdef"));
    assert_false(dcr_is_client_id("dcr_0123456789abcdef0123456789abcde"));
    assert_false(dcr_is_client_id("dcr_0123456789abcdef0123456789abcdef0"));
    assert_false(dcr_is_client_id("xcr_0123456789abcdef0123456789abcdef"));
    assert_false(dcr_is_client_id("dcr_0123456789abcdef0123456789abcdeg"));
    assert_false(dcr_is_client_id("dcr_*"));
    assert_false(dcr_is_client_id(""));
    assert_false(dcr_is_client_id(NULL));
}

static void test_register_and_lookup(void **state)
{
    (void)state;
    const char *body = "{\"client_name\":\"My MCP client\",\"redirect_uris\":[\"http://"
                       "127.0.0.1:33418/callback\"],\"token_endpoint_auth_method\":\"none\","
                       "\"grant_types\":[\"authorization_code\",\"refresh_token\"]}";
    client_metadata m;
    assert_int_equal(dcr_register(rs, &conf, body, strlen(body), 1700000000, &m, why, sizeof why),
                     DCR_OK);
    assert_true(dcr_is_client_id(m.client_id));
    assert_int_equal(m.client_id_issued_at, 1700000000);
    assert_string_equal(m.client_name, "My MCP client");
    char *key = dcr_client_key(rs, m.client_id);
    char want[128];
    snprintf(want, sizeof want, "test:oauth:client:%s", m.client_id);
    assert_string_equal(key, want);
    long long ttl = key_ttl(key);
    assert_true(ttl > 30LL * 86400 - 60 && ttl <= 30LL * 86400);

    /* A second registration gets another id. */
    client_metadata m2;
    assert_int_equal(dcr_register(rs, &conf, body, strlen(body), 1700000001, &m2, why, sizeof why),
                     DCR_OK);
    assert_string_not_equal(m.client_id, m2.client_id);
    client_metadata_free(&m2);

    /* Found again, with every field, and its lifetime renewed. */
    redisReply *r = cmd("EXPIRE %s 100", key);
    freeReplyObject(r);
    assert_true(key_ttl(key) <= 100);
    client_metadata f;
    assert_int_equal(dcr_lookup(rs, &conf, m.client_id, &f, why, sizeof why), DCR_OK);
    assert_string_equal(f.client_id, m.client_id);
    assert_string_equal(f.client_name, "My MCP client");
    assert_int_equal(f.client_id_issued_at, 1700000000);
    assert_int_equal(f.nredirect_uris, 1);
    assert_string_equal(f.redirect_uris[0], "http://127.0.0.1:33418/callback");
    assert_int_equal(f.grant_types, OAUTH_GRANT_AUTHORIZATION_CODE | OAUTH_GRANT_REFRESH_TOKEN);
    assert_string_equal(f.scope, "query schemas:read");
    client_metadata_free(&f);
    assert_true(key_ttl(key) > 30LL * 86400 - 60);

    /* Unknown, malformed and unreadable registrations. */
    assert_int_equal(
        dcr_lookup(rs, &conf, "dcr_00000000000000000000000000000000", &f, why, sizeof why),
        DCR_NOT_FOUND);
    assert_non_null(strstr(why, "no client is registered with this id"));
    assert_null(f.client_id);
    assert_int_equal(dcr_lookup(rs, &conf, "dcr_*", &f, why, sizeof why), DCR_NOT_FOUND);
    r = cmd("SET %s {\"client_id\":\"other\"}", key);
    freeReplyObject(r);
    assert_int_equal(dcr_lookup(rs, &conf, m.client_id, &f, why, sizeof why), DCR_NOT_FOUND);
    assert_non_null(strstr(why, "unreadable"));
    free(key);
    client_metadata_free(&m);
}

static void test_register_refusals_store_nothing(void **state)
{
    (void)state;
    long long before = count_keys("test:oauth:client:*");
    static const struct {
        const char *body;
        dcr_status st;
        const char *why;
    } t[] = {
        {"{\"redirect_uris\":[\"http://app.example.com/cb\"]}", DCR_INVALID_REDIRECT_URI,
         "uses http on a host other than"},
        {"{\"redirect_uris\":[]}", DCR_INVALID_REDIRECT_URI, "redirect_uris is empty"},
        {"{\"redirect_uris\":[\"https://a.example/cb\"],\"token_endpoint_auth_method\":"
         "\"client_secret_basic\"}",
         DCR_INVALID_METADATA, "only public clients"},
        {"{\"redirect_uris\":[\"https://a.example/cb\"],\"redirect_uris\":[\"https://b.example/"
         "cb\"]}",
         DCR_INVALID_METADATA, "appears twice"},
        {"not json", DCR_INVALID_METADATA, "not valid JSON"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        client_metadata m;
        dcr_status st =
            dcr_register(rs, &conf, t[i].body, strlen(t[i].body), 1700000000, &m, why, sizeof why);
        if (st != t[i].st || !strstr(why, t[i].why))
            fail_msg("%s: %d '%s'", t[i].body, st, why);
        assert_null(m.client_id);
    }
    assert_int_equal(count_keys("test:oauth:client:*"), before);
}

static void test_rate_limit(void **state)
{
    (void)state;
    char err[256];
    int wait = -1;
    for (int i = 0; i < 3; i++)
        assert_int_equal(dcr_rate_check(rs, &conf, "192.0.2.7", &wait, err, sizeof err),
                         DCR_RATE_OK);
    assert_int_equal(wait, 0);
    assert_int_equal(dcr_rate_check(rs, &conf, "192.0.2.7", &wait, err, sizeof err),
                     DCR_RATE_LIMITED);
    assert_true(wait > 0 && wait <= 60);
    /* Another address has its own count. */
    assert_int_equal(dcr_rate_check(rs, &conf, "192.0.2.8", &wait, err, sizeof err), DCR_RATE_OK);
    /* IPv6: one /64 is one host's worth of addresses. */
    for (int i = 0; i < 3; i++) {
        char a[64];
        snprintf(a, sizeof a, "2001:db8:1:2::%x", i + 1);
        assert_int_equal(dcr_rate_check(rs, &conf, a, &wait, err, sizeof err), DCR_RATE_OK);
    }
    assert_int_equal(dcr_rate_check(rs, &conf, "2001:db8:1:2:ffff::9", &wait, err, sizeof err),
                     DCR_RATE_LIMITED);
    assert_int_equal(dcr_rate_check(rs, &conf, "2001:db8:1:3::1", &wait, err, sizeof err),
                     DCR_RATE_OK);
    /* The counters expire with the window. */
    redisReply *r = cmd("KEYS %s", "test:rl:register-ip:*");
    assert_int_equal(r->elements, 4);
    for (size_t i = 0; i < r->elements; i++) {
        long long t = key_ttl(r->element[i]->str);
        assert_true(t > 0 && t <= 60);
    }
    freeReplyObject(r);
    /* A missing address counts under "" (one shared bucket), not unlimited. */
    for (int i = 0; i < 3; i++)
        assert_int_equal(dcr_rate_check(rs, &conf, NULL, &wait, err, sizeof err), DCR_RATE_OK);
    assert_int_equal(dcr_rate_check(rs, &conf, "", &wait, err, sizeof err), DCR_RATE_LIMITED);
}

/* Redis down: every operation says so; back up: everything works again. */
static void test_redis_down(void **state)
{
    (void)state;
    const char *body = "{\"redirect_uris\":[\"https://a.example/cb\"]}";
    client_metadata m;
    int wait;
    char err[256];
    test_redis_pause(redis);
    assert_int_equal(dcr_register(rs, &conf, body, strlen(body), 1, &m, why, sizeof why),
                     DCR_STORE_ERROR);
    assert_non_null(strstr(why, "Redis at 127.0.0.1:"));
    assert_null(m.client_id);
    assert_int_equal(
        dcr_lookup(rs, &conf, "dcr_00000000000000000000000000000000", &m, why, sizeof why),
        DCR_STORE_ERROR);
    assert_int_equal(dcr_rate_check(rs, &conf, "192.0.2.99", &wait, err, sizeof err),
                     DCR_RATE_STORE_ERROR);
    test_redis_resume(redis);
    assert_int_equal(dcr_register(rs, &conf, body, strlen(body), 1, &m, why, sizeof why), DCR_OK);
    client_metadata f;
    assert_int_equal(dcr_lookup(rs, &conf, m.client_id, &f, why, sizeof why), DCR_OK);
    client_metadata_free(&f);
    client_metadata_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_id_form),
        cmocka_unit_test(test_register_and_lookup),
        cmocka_unit_test(test_register_refusals_store_nothing),
        cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_redis_down),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

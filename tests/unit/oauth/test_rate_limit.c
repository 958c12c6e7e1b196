/* oauth/rate_limit: sign-in attempts per user and per address against a
 * real redis-server: lockout with the time left, recovery when the window
 * ends, success handing the attempt back, IPv6 /64 buckets, Redis down. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oauth/rate_limit.h"

#include "core/base/timeutil.h"
#include "tests/unit/support/redis_server.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <string.h>

static test_redis *srv;
static redis_store *store;
static char err[512];

static int group_setup(void **state)
{
    (void)state;
    srv = test_redis_start();
    redis_conf rc = test_redis_conf(srv);
    store = redis_store_new(&rc);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    redis_store_free(store);
    test_redis_stop(srv);
    return 0;
}

/* Each test starts from an empty Redis. */
static int each_setup(void **state)
{
    (void)state;
    test_redis_flush(srv);
    return 0;
}

static rate_status attempt(const rate_limit_conf *c, const char *user, const char *addr, int *left,
                           rate_by *by)
{
    return rate_limit_login_attempt(store, c, user, addr, left, by, err, sizeof err);
}

/* Ends every window now, as time passing would. */
static void end_windows(void)
{
    struct timeval tv = {1, 0};
    redisContext *rc = redisConnectWithTimeout("127.0.0.1", test_redis_port(srv), tv);
    assert_non_null(rc);
    redisReply *keys = redisCommand(rc, "KEYS test:rl:*");
    assert_non_null(keys);
    assert_true(keys->elements > 0);
    for (size_t i = 0; i < keys->elements; i++)
        freeReplyObject(redisCommand(rc, "PEXPIRE %s 1", keys->element[i]->str));
    freeReplyObject(keys);
    redisFree(rc);
    sleep_ms(20);
}

static size_t nkeys(void)
{
    struct timeval tv = {1, 0};
    redisContext *rc = redisConnectWithTimeout("127.0.0.1", test_redis_port(srv), tv);
    assert_non_null(rc);
    redisReply *keys = redisCommand(rc, "KEYS *");
    size_t n = keys->elements;
    freeReplyObject(keys);
    redisFree(rc);
    return n;
}

static void test_user_lockout_and_recovery(void **state)
{
    (void)state;
    rate_limit_conf c = {3, 100, 60};
    int left = -1;
    rate_by by = RATE_BY_BOTH;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(attempt(&c, "alice", "10.0.0.1", &left, &by), RATE_OK);
        assert_int_equal(left, 0);
        assert_int_equal(by, RATE_BY_NONE);
    }
    /* The fourth is refused, from any address, with the time left. */
    assert_int_equal(attempt(&c, "alice", "10.0.0.1", &left, &by), RATE_LOCKED);
    assert_true(left > 0 && left <= 60);
    assert_int_equal(by, RATE_BY_USER);
    assert_int_equal(attempt(&c, "alice", "10.9.9.9", &left, &by), RATE_LOCKED);
    assert_int_equal(by, RATE_BY_USER);
    /* Locked attempts are not counted against the address. */
    for (int i = 0; i < 10; i++)
        assert_int_equal(attempt(&c, "alice", "10.0.0.2", NULL, NULL), RATE_LOCKED);
    /* Other users are not affected; names are exact. */
    assert_int_equal(attempt(&c, "bob", "10.0.0.1", &left, &by), RATE_OK);
    assert_int_equal(attempt(&c, "Alice", "10.0.0.1", &left, &by), RATE_OK);
    /* When the window ends, alice may try again. */
    end_windows();
    assert_int_equal(attempt(&c, "alice", "10.0.0.1", &left, &by), RATE_OK);
    assert_int_equal(left, 0);
}

static void test_address_lockout(void **state)
{
    (void)state;
    rate_limit_conf c = {100, 5, 60};
    char user[16];
    int left;
    rate_by by;
    for (int i = 0; i < 5; i++) {
        snprintf(user, sizeof user, "user%d", i);
        assert_int_equal(attempt(&c, user, "192.0.2.7", &left, &by), RATE_OK);
    }
    assert_int_equal(attempt(&c, "someone-else", "192.0.2.7", &left, &by), RATE_LOCKED);
    assert_int_equal(by, RATE_BY_ADDR);
    assert_true(left > 0 && left <= 60);
    assert_int_equal(attempt(&c, "someone-else", "192.0.2.8", &left, &by), RATE_OK);
    /* Both limits used up: both named. */
    rate_limit_conf tight = {1, 1, 60};
    assert_int_equal(attempt(&tight, "carol", "198.51.100.1", &left, &by), RATE_OK);
    assert_int_equal(attempt(&tight, "carol", "198.51.100.1", &left, &by), RATE_LOCKED);
    assert_int_equal(by, RATE_BY_BOTH);
}

static void test_success_resets(void **state)
{
    (void)state;
    rate_limit_conf c = {3, 2, 60};
    assert_int_equal(attempt(&c, "alice", "10.0.0.1", NULL, NULL), RATE_OK);
    assert_int_equal(rate_limit_login_success(store, &c, "alice", "10.0.0.1", err, sizeof err),
                     RATE_OK);
    /* The address got its attempt back: two more fit. */
    assert_int_equal(attempt(&c, "alice", "10.0.0.1", NULL, NULL), RATE_OK);
    assert_int_equal(attempt(&c, "alice", "10.0.0.1", NULL, NULL), RATE_OK);
    assert_int_equal(attempt(&c, "alice", "10.0.0.1", NULL, NULL), RATE_LOCKED);
    /* The user's count was cleared by the success: from another address,
     * three attempts fit again. */
    assert_int_equal(rate_limit_login_success(store, &c, "alice", "10.0.0.1", err, sizeof err),
                     RATE_OK);
    for (int i = 0; i < 2; i++)
        assert_int_equal(attempt(&c, "alice", "10.0.0.3", NULL, NULL), RATE_OK);
    assert_int_equal(attempt(&c, "alice", "10.0.0.4", NULL, NULL), RATE_OK);
    assert_int_equal(attempt(&c, "alice", "10.0.0.5", NULL, NULL), RATE_LOCKED);
    /* A success with nothing counted changes nothing (no negative count). */
    assert_int_equal(rate_limit_login_success(store, &c, "dave", "10.7.7.7", err, sizeof err),
                     RATE_OK);
    assert_int_equal(attempt(&c, "erin", "10.7.7.7", NULL, NULL), RATE_OK);
    assert_int_equal(attempt(&c, "erin", "10.7.7.7", NULL, NULL), RATE_OK);
    assert_int_equal(attempt(&c, "erin", "10.7.7.7", NULL, NULL), RATE_LOCKED);
}

static void test_no_limits(void **state)
{
    (void)state;
    rate_limit_conf c = {0, 0, 60};
    for (int i = 0; i < 50; i++)
        assert_int_equal(attempt(&c, "alice", "10.0.0.1", NULL, NULL), RATE_OK);
    assert_int_equal(nkeys(), 0);
    /* NULL user and address count as "" (still limited). */
    rate_limit_conf one = {1, 0, 60};
    assert_int_equal(attempt(&one, NULL, NULL, NULL, NULL), RATE_OK);
    assert_int_equal(attempt(&one, "", "", NULL, NULL), RATE_LOCKED);
}

static void bucket(const char *addr, const char *want)
{
    char out[128];
    rate_limit_addr_bucket(addr, out, sizeof out);
    assert_string_equal(out, want);
}

static void test_address_buckets(void **state)
{
    (void)state;
    bucket("192.0.2.1", "192.0.2.1");
    bucket("::ffff:192.0.2.1", "192.0.2.1");
    bucket("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64");
    bucket("2001:db8:1:2::1", "2001:db8:1:2::/64");
    bucket("::1", "::/64");
    bucket("unix:", "unix:");
    bucket("", "");
    bucket(NULL, "");
    /* In practice: two addresses of one /64 share a limit. */
    rate_limit_conf c = {100, 2, 60};
    assert_int_equal(attempt(&c, "a", "2001:db8::1", NULL, NULL), RATE_OK);
    assert_int_equal(attempt(&c, "b", "2001:db8::ffff:2", NULL, NULL), RATE_OK);
    assert_int_equal(attempt(&c, "c", "2001:db8::3", NULL, NULL), RATE_LOCKED);
    assert_int_equal(attempt(&c, "c", "2001:db8:0:1::3", NULL, NULL), RATE_OK);
}

static void test_redis_down(void **state)
{
    (void)state;
    rate_limit_conf c = {3, 3, 60};
    assert_int_equal(attempt(&c, "alice", "10.0.0.1", NULL, NULL), RATE_OK);
    test_redis_pause(srv);
    int left = 7;
    err[0] = '\0';
    assert_int_equal(attempt(&c, "alice", "10.0.0.1", &left, NULL), RATE_STORE_ERROR);
    assert_int_equal(left, 0);
    assert_non_null(strstr(err, "Redis"));
    assert_int_equal(rate_limit_login_success(store, &c, "alice", "10.0.0.1", err, sizeof err),
                     RATE_STORE_ERROR);
    test_redis_resume(srv);
    assert_int_equal(attempt(&c, "alice", "10.0.0.1", NULL, NULL), RATE_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_user_lockout_and_recovery, each_setup),
        cmocka_unit_test_setup(test_address_lockout, each_setup),
        cmocka_unit_test_setup(test_success_resets, each_setup),
        cmocka_unit_test_setup(test_no_limits, each_setup),
        cmocka_unit_test_setup(test_address_buckets, each_setup),
        cmocka_unit_test_setup(test_redis_down, each_setup),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

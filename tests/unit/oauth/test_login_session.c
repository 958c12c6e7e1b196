/* oauth/login_session: sessions in a real redis-server (create, lookup,
 * expiry, revoke, revoke every session of a user, Redis down and back), and
 * the cookie (attributes, strict reading of the Cookie header). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oauth/login_session.h"

#include "core/base/base64.h"
#include "core/base/crypto.h"
#include "core/base/timeutil.h"
#include "tests/unit/support/redis_server.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static test_redis *srv;
static redis_store *store;
static char err[512];

#define NOW 1700000000

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

static long long raw_int(const char *fmt, const char *arg)
{
    redisReply *r = test_redis_command(srv, fmt, arg);
    assert_int_equal(r->type, REDIS_REPLY_INTEGER);
    long long v = r->integer;
    freeReplyObject(r);
    return v;
}

static void session_key(const login_session *s, char *out, size_t n)
{
    snprintf(out, n, "test:login:%s", s->handle);
}

static void create_ok(const char *user, login_method m, int ttl, char id[LOGIN_ID_LEN + 1],
                      login_session *s)
{
    login_status st = login_session_create(store, user, m, ttl, NOW, id, s, err, sizeof err);
    if (st != LOGIN_OK)
        fail_msg("create(%s) = %d: %s", user ? user : "(pre-login)", st, err);
}

static void test_create_and_lookup(void **state)
{
    (void)state;
    char id[LOGIN_ID_LEN + 1];
    login_session s;
    create_ok("alice", LOGIN_METHOD_PASSWORD, 3600, id, &s);
    assert_int_equal(strlen(id), LOGIN_ID_LEN);
    assert_string_equal(s.user, "alice");
    assert_int_equal(s.method, LOGIN_METHOD_PASSWORD);
    assert_int_equal(s.login_time, NOW);
    assert_int_equal(s.expires, NOW + 3600);

    /* Redis knows the session by the SHA-256 of the id, never the id. */
    uint8_t *raw_id;
    size_t n;
    assert_true(base64url_decode(id, LOGIN_ID_LEN, &raw_id, &n));
    assert_int_equal(n, 32);
    uint8_t h[SHA256_LEN];
    char hex[65];
    sha256(raw_id, n, h);
    hex_encode(h, sizeof h, hex);
    free(raw_id);
    assert_string_equal(s.handle, hex);
    redisReply *keys = test_redis_command(srv, "KEYS *");
    assert_int_equal(keys->type, REDIS_REPLY_ARRAY);
    assert_int_equal(keys->elements, 2); /* the session and alice's index */
    for (size_t i = 0; i < keys->elements; i++)
        assert_null(strstr(keys->element[i]->str, id));
    freeReplyObject(keys);
    char key[256];
    session_key(&s, key, sizeof key);
    long long ttl = raw_int("TTL %s", key);
    assert_true(ttl > 3590 && ttl <= 3600);

    login_session got;
    assert_int_equal(login_session_lookup(store, id, NOW + 10, &got, err, sizeof err), LOGIN_OK);
    assert_string_equal(got.user, "alice");
    assert_int_equal(got.method, LOGIN_METHOD_PASSWORD);
    assert_int_equal(got.login_time, NOW);
    assert_int_equal(got.expires, NOW + 3600);
    assert_string_equal(got.handle, s.handle);
    assert_memory_equal(got.csrf_secret, s.csrf_secret, CSRF_SECRET_LEN);
    login_session_free(&got);

    /* A second session: another id, another CSRF secret. */
    char id2[LOGIN_ID_LEN + 1];
    login_session s2;
    create_ok("alice", LOGIN_METHOD_REMOTE_USER, 60, id2, &s2);
    assert_string_not_equal(id, id2);
    assert_memory_not_equal(s.csrf_secret, s2.csrf_secret, CSRF_SECRET_LEN);
    assert_int_equal(login_session_lookup(store, id2, NOW, &got, err, sizeof err), LOGIN_OK);
    assert_int_equal(got.method, LOGIN_METHOD_REMOTE_USER);
    login_session_free(&got);
    login_session_free(&s);
    login_session_free(&s2);
    assert_string_equal(login_method_name(LOGIN_METHOD_PASSWORD), "password");
    assert_string_equal(login_method_name(LOGIN_METHOD_REMOTE_USER), "remote_user");
    assert_string_equal(login_method_name(LOGIN_METHOD_NONE), "none");
}

static void test_prelogin_session(void **state)
{
    (void)state;
    char id[LOGIN_ID_LEN + 1];
    login_session s, got;
    create_ok(NULL, LOGIN_METHOD_NONE, LOGIN_PRELOGIN_TTL, id, &s);
    assert_null(s.user);
    assert_int_equal(s.login_time, 0);
    assert_int_equal(login_session_lookup(store, id, NOW, &got, err, sizeof err), LOGIN_OK);
    assert_null(got.user);
    assert_int_equal(got.method, LOGIN_METHOD_NONE);
    assert_memory_equal(got.csrf_secret, s.csrf_secret, CSRF_SECRET_LEN);
    login_session_free(&got);
    /* Not indexed under any user: one key only. */
    redisReply *keys = test_redis_command(srv, "KEYS *");
    assert_int_equal(keys->elements, 1);
    freeReplyObject(keys);
    /* Sign-in: a new session replaces it (no fixation). */
    char id2[LOGIN_ID_LEN + 1];
    login_session s2;
    create_ok("bob", LOGIN_METHOD_PASSWORD, 3600, id2, &s2);
    assert_int_equal(login_session_revoke(store, &s, err, sizeof err), LOGIN_OK);
    assert_int_equal(login_session_lookup(store, id, NOW, &got, err, sizeof err), LOGIN_NONE);
    assert_int_equal(login_session_lookup(store, id2, NOW, &got, err, sizeof err), LOGIN_OK);
    login_session_free(&got);
    login_session_free(&s);
    login_session_free(&s2);
}

static void test_expiry(void **state)
{
    (void)state;
    char id[LOGIN_ID_LEN + 1];
    login_session s, got;
    create_ok("alice", LOGIN_METHOD_PASSWORD, 100, id, &s);
    assert_int_equal(login_session_lookup(store, id, NOW + 99, &got, err, sizeof err), LOGIN_OK);
    login_session_free(&got);
    /* Past exp: gone, even while Redis still holds it. */
    assert_int_equal(login_session_lookup(store, id, NOW + 100, &got, err, sizeof err), LOGIN_NONE);
    assert_null(got.user);
    /* Redis expiring the key: gone too. */
    char key[256];
    session_key(&s, key, sizeof key);
    assert_int_equal(raw_int("PEXPIRE %s 1", key), 1);
    sleep_ms(20);
    assert_int_equal(login_session_lookup(store, id, NOW, &got, err, sizeof err), LOGIN_NONE);
    /* The next session of the user prunes the index of the expired one. */
    char id2[LOGIN_ID_LEN + 1];
    login_session s2;
    create_ok("alice", LOGIN_METHOD_PASSWORD, 100, id2, &s2);
    char ukey[256];
    uint8_t h[SHA256_LEN];
    char hex[65];
    sha256("alice", 5, h);
    hex_encode(h, sizeof h, hex);
    snprintf(ukey, sizeof ukey, "test:login-user:%s", hex);
    assert_int_equal(raw_int("SCARD %s", ukey), 1);
    login_session_free(&s);
    login_session_free(&s2);
}

static void test_revoke(void **state)
{
    (void)state;
    char id[LOGIN_ID_LEN + 1];
    login_session s, got;
    create_ok("alice", LOGIN_METHOD_PASSWORD, 3600, id, &s);
    assert_int_equal(login_session_revoke(store, &s, err, sizeof err), LOGIN_OK);
    assert_int_equal(login_session_lookup(store, id, NOW, &got, err, sizeof err), LOGIN_NONE);
    /* Again: already gone is fine. */
    assert_int_equal(login_session_revoke(store, &s, err, sizeof err), LOGIN_OK);
    redisReply *keys = test_redis_command(srv, "KEYS *");
    assert_int_equal(keys->elements, 0); /* the index emptied and vanished */
    freeReplyObject(keys);
    login_session_free(&s);
}

static void test_revoke_user(void **state)
{
    (void)state;
    char ids[3][LOGIN_ID_LEN + 1], bob_id[LOGIN_ID_LEN + 1], pre_id[LOGIN_ID_LEN + 1];
    login_session s, got;
    for (int i = 0; i < 3; i++) {
        create_ok("alice", LOGIN_METHOD_PASSWORD, 3600, ids[i], &s);
        login_session_free(&s);
    }
    create_ok("bob", LOGIN_METHOD_PASSWORD, 3600, bob_id, &s);
    login_session_free(&s);
    create_ok(NULL, LOGIN_METHOD_NONE, 600, pre_id, &s);
    login_session_free(&s);
    size_t n = 99;
    assert_int_equal(login_session_revoke_user(store, "alice", &n, err, sizeof err), LOGIN_OK);
    assert_int_equal(n, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(login_session_lookup(store, ids[i], NOW, &got, err, sizeof err),
                         LOGIN_NONE);
    assert_int_equal(login_session_lookup(store, bob_id, NOW, &got, err, sizeof err), LOGIN_OK);
    login_session_free(&got);
    assert_int_equal(login_session_lookup(store, pre_id, NOW, &got, err, sizeof err), LOGIN_OK);
    login_session_free(&got);
    assert_int_equal(login_session_revoke_user(store, "alice", &n, err, sizeof err), LOGIN_OK);
    assert_int_equal(n, 0);
    assert_int_equal(login_session_revoke_user(store, "nobody", NULL, err, sizeof err), LOGIN_OK);
    assert_int_equal(login_session_revoke_user(store, "", &n, err, sizeof err), LOGIN_BAD_INPUT);
    /* A user name that merely shares a prefix is another user. */
    assert_int_equal(login_session_revoke_user(store, "bo", &n, err, sizeof err), LOGIN_OK);
    assert_int_equal(n, 0);
    assert_int_equal(login_session_lookup(store, bob_id, NOW, &got, err, sizeof err), LOGIN_OK);
    login_session_free(&got);
}

static void create_bad(const char *user, login_method m, int ttl, const char *want)
{
    char id[LOGIN_ID_LEN + 1] = "x";
    login_session s;
    err[0] = '\0';
    assert_int_equal(login_session_create(store, user, m, ttl, NOW, id, &s, err, sizeof err),
                     LOGIN_BAD_INPUT);
    assert_string_equal(id, "");
    assert_null(s.user);
    if (!strstr(err, want))
        fail_msg("got '%s', expected '%s'", err, want);
}

static void test_bad_input(void **state)
{
    (void)state;
    create_bad("", LOGIN_METHOD_PASSWORD, 60, "1 to 256 bytes");
    char big[LOGIN_USER_MAX + 2];
    memset(big, 'u', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    create_bad(big, LOGIN_METHOD_PASSWORD, 60, "1 to 256 bytes");
    big[LOGIN_USER_MAX] = '\0'; /* exactly the maximum is fine */
    char id[LOGIN_ID_LEN + 1];
    login_session s;
    create_ok(big, LOGIN_METHOD_REMOTE_USER, 60, id, &s);
    login_session_free(&s);
    create_bad("al\nice", LOGIN_METHOD_PASSWORD, 60, "control characters");
    create_bad("al\x7f", LOGIN_METHOD_PASSWORD, 60, "control characters");
    create_bad("al\xff", LOGIN_METHOD_PASSWORD, 60, "valid UTF-8");
    create_bad(NULL, LOGIN_METHOD_PASSWORD, 60, "needs one");
    create_bad("alice", LOGIN_METHOD_NONE, 60, "no user");
    create_bad("alice", LOGIN_METHOD_PASSWORD, 0, "at least one second");
}

static void test_malformed_ids_and_entries(void **state)
{
    (void)state;
    char id[LOGIN_ID_LEN + 1];
    login_session s, got;
    create_ok("alice", LOGIN_METHOD_PASSWORD, 3600, id, &s);
    static const char *const bad_ids[] = {
        NULL,
        "",
        "short",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",   /* 42 */
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* 44 */
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",  /* '+' is not base64url */
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB",  /* non-zero trailing bits */
    };
    for (size_t i = 0; i < sizeof bad_ids / sizeof *bad_ids; i++)
        assert_int_equal(login_session_lookup(store, bad_ids[i], NOW, &got, err, sizeof err),
                         LOGIN_NONE);
    /* A well-formed id nobody issued. */
    assert_int_equal(login_session_lookup(store, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NOW,
                                          &got, err, sizeof err),
                     LOGIN_NONE);
    /* A damaged entry counts as no session. */
    char key[256];
    session_key(&s, key, sizeof key);
    freeReplyObject(test_redis_command(srv, "HSET %s csrf zz", key));
    assert_int_equal(login_session_lookup(store, id, NOW, &got, err, sizeof err), LOGIN_NONE);
    freeReplyObject(test_redis_command(srv, "HSET %s csrf %064d method root", key, 0));
    assert_int_equal(login_session_lookup(store, id, NOW, &got, err, sizeof err), LOGIN_NONE);
    freeReplyObject(test_redis_command(srv, "HSET %s method password user %s", key, ""));
    assert_int_equal(login_session_lookup(store, id, NOW, &got, err, sizeof err), LOGIN_NONE);
    freeReplyObject(test_redis_command(srv, "HSET %s user alice", key));
    assert_int_equal(login_session_lookup(store, id, NOW, &got, err, sizeof err), LOGIN_OK);
    login_session_free(&got);
    /* Another type under the key. */
    freeReplyObject(test_redis_command(srv, "DEL %s", key));
    freeReplyObject(test_redis_command(srv, "SET %s x", key));
    assert_int_equal(login_session_lookup(store, id, NOW, &got, err, sizeof err),
                     LOGIN_STORE_ERROR);
    login_session_free(&s);
}

static void test_redis_down_and_back(void **state)
{
    (void)state;
    char id[LOGIN_ID_LEN + 1];
    login_session s, got;
    create_ok("alice", LOGIN_METHOD_PASSWORD, 3600, id, &s);
    test_redis_pause(srv);
    char id2[LOGIN_ID_LEN + 1];
    login_session s2;
    assert_int_equal(login_session_create(store, "alice", LOGIN_METHOD_PASSWORD, 60, NOW, id2, &s2,
                                          err, sizeof err),
                     LOGIN_STORE_ERROR);
    assert_non_null(strstr(err, "Redis"));
    assert_null(s2.user);
    assert_string_equal(id2, "");
    assert_int_equal(login_session_lookup(store, id, NOW, &got, err, sizeof err),
                     LOGIN_STORE_ERROR);
    assert_int_equal(login_session_revoke(store, &s, err, sizeof err), LOGIN_STORE_ERROR);
    assert_int_equal(login_session_revoke_user(store, "alice", NULL, err, sizeof err),
                     LOGIN_STORE_ERROR);
    /* A malformed id needs no Redis: still simply no session. */
    assert_int_equal(login_session_lookup(store, "bad", NOW, &got, err, sizeof err), LOGIN_NONE);
    /* Back (empty, as after a restart without persistence): the same
     * store recovers by itself. */
    test_redis_resume(srv);
    assert_int_equal(login_session_lookup(store, id, NOW, &got, err, sizeof err), LOGIN_NONE);
    create_ok("alice", LOGIN_METHOD_PASSWORD, 60, id2, &s2);
    assert_int_equal(login_session_lookup(store, id2, NOW, &got, err, sizeof err), LOGIN_OK);
    login_session_free(&got);
    login_session_free(&s);
    login_session_free(&s2);
}

/* ---- the cookie ------------------------------------------------------------ */

static void test_cookie_attributes(void **state)
{
    (void)state;
    login_cookie c;
    assert_true(login_cookie_init(&c, "https://mcp.example.com/authorize"));
    assert_string_equal(c.name, "__Host-ddbsql_login");
    assert_string_equal(c.path, "/");
    assert_true(c.secure);
    const char *id = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    char *v = login_cookie_set(&c, id, 3600);
    assert_string_equal(v, "__Host-ddbsql_login=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA; "
                           "Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax");
    free(v);
    v = login_cookie_clear(&c);
    assert_string_equal(v, "__Host-ddbsql_login=; Path=/; Max-Age=0; HttpOnly; Secure; "
                           "SameSite=Lax");
    free(v);
    /* __Host- wins over a path prefix on https. */
    assert_true(login_cookie_init(&c, "https://example.com/ddbsql/authorize?x#y"));
    assert_string_equal(c.path, "/");

    /* Plain http (loopback): no Secure, no prefix, scoped to the path. */
    assert_true(login_cookie_init(&c, "http://127.0.0.1:8080/authorize"));
    assert_string_equal(c.name, "ddbsql_login");
    assert_string_equal(c.path, "/authorize");
    assert_false(c.secure);
    v = login_cookie_set(&c, id, 60);
    assert_string_equal(v, "ddbsql_login=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA; "
                           "Path=/authorize; Max-Age=60; HttpOnly; SameSite=Lax");
    free(v);
    assert_true(login_cookie_init(&c, "http://localhost:8080/base/authorize?q=1"));
    assert_string_equal(c.path, "/base/authorize");
    assert_true(login_cookie_init(&c, "http://localhost:8080"));
    assert_string_equal(c.path, "/");

    assert_false(login_cookie_init(&c, NULL));
    assert_false(login_cookie_init(&c, "ftp://example.com/"));
    assert_false(login_cookie_init(&c, "https:///authorize"));
    assert_false(login_cookie_init(&c, "http://h/a;b"));
    assert_false(login_cookie_init(&c, "http://h/a b"));
}

static void test_cookie_find(void **state)
{
    (void)state;
    login_cookie c;
    assert_true(login_cookie_init(&c, "https://mcp.example.com/authorize"));
    const char *id = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_01234"; /* 43, valid */
    char got[LOGIN_ID_LEN + 1], h[9000];
#define FINDS(hdr)                                                                                 \
    do {                                                                                           \
        if (!login_cookie_find(&c, (hdr), got))                                                    \
            fail_msg("not found in: %s", (hdr));                                                   \
        assert_string_equal(got, id);                                                              \
    } while (0)
#define MISSES(hdr)                                                                                \
    do {                                                                                           \
        if (login_cookie_find(&c, (hdr), got))                                                     \
            fail_msg("found in: %s", (hdr));                                                       \
        assert_string_equal(got, "");                                                              \
    } while (0)
    snprintf(h, sizeof h, "__Host-ddbsql_login=%s", id);
    FINDS(h);
    snprintf(h, sizeof h, "a=1; __Host-ddbsql_login=%s; b=2", id);
    FINDS(h);
    snprintf(h, sizeof h, "a=1;__Host-ddbsql_login=%s ;b", id);
    FINDS(h);
    /* The unprefixed name (settable by a sibling host) is not ours on https. */
    snprintf(h, sizeof h, "ddbsql_login=%s; __Host-ddbsql_login=%s", id, id);
    FINDS(h);
    snprintf(h, sizeof h, "ddbsql_login=%s", id);
    MISSES(h);
    /* Twice, even with the same value: trust neither. */
    snprintf(h, sizeof h, "__Host-ddbsql_login=%s; __Host-ddbsql_login=%s", id, id);
    MISSES(h);
    snprintf(h, sizeof h, "__Host-ddbsql_login=%s; __Host-ddbsql_login", id);
    MISSES(h);
    /* A longer name that starts like ours; case matters. */
    snprintf(h, sizeof h, "__Host-ddbsql_login2=%s", id);
    MISSES(h);
    snprintf(h, sizeof h, "__host-ddbsql_login=%s", id);
    MISSES(h);
    /* Values that are not an id. */
    MISSES("__Host-ddbsql_login=");
    MISSES("__Host-ddbsql_login=short");
    snprintf(h, sizeof h, "__Host-ddbsql_login=\"%s\"", id);
    MISSES(h);
    snprintf(h, sizeof h, "__Host-ddbsql_login=%sA", id);
    MISSES(h);
    MISSES("__Host-ddbsql_login=abcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_0123+");
    MISSES("__Host-ddbsql_login=abcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_01235"); /* trailing bits */
    MISSES("");
    MISSES(NULL);
    /* Over the size cap: not read at all. */
    memset(h, 'x', sizeof h);
    int off = snprintf(h, sizeof h, "__Host-ddbsql_login=%s; pad=", id);
    h[off] = 'x'; /* snprintf's NUL */
    h[off + LOGIN_COOKIE_MAX] = '\0';
    MISSES(h);
    h[LOGIN_COOKIE_MAX] = '\0';
    FINDS(h);
#undef FINDS
#undef MISSES
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_create_and_lookup, each_setup),
        cmocka_unit_test_setup(test_prelogin_session, each_setup),
        cmocka_unit_test_setup(test_expiry, each_setup),
        cmocka_unit_test_setup(test_revoke, each_setup),
        cmocka_unit_test_setup(test_revoke_user, each_setup),
        cmocka_unit_test_setup(test_bad_input, each_setup),
        cmocka_unit_test_setup(test_malformed_ids_and_entries, each_setup),
        cmocka_unit_test_setup(test_redis_down_and_back, each_setup),
        cmocka_unit_test(test_cookie_attributes),
        cmocka_unit_test(test_cookie_find),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

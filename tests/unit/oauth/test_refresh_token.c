/* oauth/refresh_token: token families in a real redis-server: creation
 * (hashed, lifetimes), rotation, reuse revoking the family (RFC 9700
 * §4.14.2), the one-time grace for a lost response and its bounds, wrong
 * client, the absolute session end, pre-emptive revocation (a replayed
 * code), RFC 7009 revocation, revocation per user and per client,
 * concurrent rotation, Redis down and back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oauth/refresh_token.h"

#include "tests/unit/support/redis_server.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOW     1700000000
#define SESSION (12 * 3600)
#define TTL     (7 * 24 * 3600)

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

static int each_setup(void **state)
{
    (void)state;
    test_redis_flush(srv);
    return 0;
}

static const char FAM1[] = "0123456789abcdef0123456789abcdef";
static const char FAM2[] = "fedcba9876543210fedcba9876543210";
static const char FAM3[] = "00000000000000000000000000000003";

static refresh_grant grant(const char *family, const char *client, const char *user)
{
    refresh_grant g = {.client_id = (char *)client,
                       .user = (char *)user,
                       .scope = "query schemas:read",
                       .resource = "https://mcp.example.com/mcp",
                       .auth_time = NOW - 60,
                       .expires = NOW - 60 + SESSION};
    snprintf(g.family, sizeof g.family, "%s", family);
    return g;
}

static void create_ok(const refresh_grant *g, int ttl, char tok[REFRESH_TOKEN_LEN + 1])
{
    refresh_status st = refresh_family_create(store, g, ttl, NOW, tok, err, sizeof err);
    if (st != REFRESH_OK)
        fail_msg("create: %s: %s", refresh_status_code(st), err);
    assert_int_equal(strlen(tok), REFRESH_TOKEN_LEN);
}

static refresh_status rotate(const char *tok, const char *client, int64_t now,
                             char next[REFRESH_TOKEN_LEN + 1])
{
    refresh_grant out;
    refresh_status st =
        refresh_token_rotate(store, tok, client, TTL, now, &out, next, err, sizeof err);
    if (st == REFRESH_OK || st == REFRESH_GRACE) {
        assert_string_equal(out.client_id, client);
        assert_int_equal(strlen(next), REFRESH_TOKEN_LEN);
    } else {
        assert_null(out.client_id);
        assert_string_equal(next, "");
    }
    refresh_grant_free(&out);
    return st;
}

static refresh_status peek(const char *tok, int64_t now)
{
    refresh_grant out;
    refresh_status st = refresh_token_peek(store, tok, now, &out, err, sizeof err);
    refresh_grant_free(&out);
    return st;
}

/* True when any key or value in Redis contains s. */
static bool redis_contains(const char *s)
{
    redisReply *keys = test_redis_command(srv, "KEYS *");
    bool found = false;
    for (size_t i = 0; i < keys->elements && !found; i++) {
        const char *k = keys->element[i]->str;
        found = strstr(k, s) != NULL;
        redisReply *type = test_redis_command(srv, "TYPE %s", k);
        redisReply *vals = NULL;
        if (!strcmp(type->str, "hash"))
            vals = test_redis_command(srv, "HGETALL %s", k);
        else if (!strcmp(type->str, "set"))
            vals = test_redis_command(srv, "SMEMBERS %s", k);
        for (size_t j = 0; vals && j < vals->elements; j++)
            found = found || strstr(vals->element[j]->str, s);
        if (vals)
            freeReplyObject(vals);
        freeReplyObject(type);
    }
    freeReplyObject(keys);
    return found;
}

static long long family_ttl(const char *family)
{
    redisReply *r = test_redis_command(srv, "TTL test:rtf:%s", family);
    long long v = r->integer;
    freeReplyObject(r);
    return v;
}

static void test_create_peek(void **state)
{
    (void)state;
    refresh_grant g = grant(FAM1, "client-a", "alice");
    char tok[REFRESH_TOKEN_LEN + 1];
    create_ok(&g, TTL, tok);
    refresh_grant out;
    assert_int_equal(refresh_token_peek(store, tok, NOW, &out, err, sizeof err), REFRESH_OK);
    assert_string_equal(out.family, FAM1);
    assert_string_equal(out.client_id, "client-a");
    assert_string_equal(out.user, "alice");
    assert_string_equal(out.scope, "query schemas:read");
    assert_string_equal(out.resource, "https://mcp.example.com/mcp");
    assert_int_equal(out.auth_time, NOW - 60);
    assert_int_equal(out.expires, NOW - 60 + SESSION);
    refresh_grant_free(&out);
    /* Redis holds hashes only; the family lives until the session's end. */
    assert_false(redis_contains(tok));
    long long ft = family_ttl(FAM1);
    assert_true(ft > SESSION - 60 - 5 && ft <= SESSION - 60);
    /* Malformed and unknown tokens. */
    assert_int_equal(peek("nope", NOW), REFRESH_UNKNOWN);
    assert_int_equal(peek("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NOW), REFRESH_UNKNOWN);
    assert_int_equal(peek(NULL, NOW), REFRESH_UNKNOWN);
    /* Two families never share a token. */
    refresh_grant g2 = grant(FAM2, "client-a", "alice");
    char tok2[REFRESH_TOKEN_LEN + 1];
    create_ok(&g2, TTL, tok2);
    assert_string_not_equal(tok, tok2);
}

static void test_rotation_chain(void **state)
{
    (void)state;
    refresh_grant g = grant(FAM1, "client-a", "alice");
    char t0[REFRESH_TOKEN_LEN + 1], t1[REFRESH_TOKEN_LEN + 1], t2[REFRESH_TOKEN_LEN + 1];
    create_ok(&g, TTL, t0);
    assert_int_equal(rotate(t0, "client-a", NOW + 100, t1), REFRESH_OK);
    assert_string_not_equal(t0, t1);
    assert_int_equal(rotate(t1, "client-a", NOW + 200, t2), REFRESH_OK);
    assert_string_not_equal(t1, t2);
    assert_string_not_equal(t0, t2);
    assert_false(redis_contains(t0));
    assert_false(redis_contains(t1));
    assert_false(redis_contains(t2));
    /* Only the newest retired token keeps its successor for the grace. */
    redisReply *keys = test_redis_command(srv, "KEYS test:rt:*");
    assert_int_equal(keys->elements, 3);
    int with_grace = 0;
    for (size_t i = 0; i < keys->elements; i++) {
        redisReply *h = test_redis_command(srv, "HEXISTS %s gb", keys->element[i]->str);
        with_grace += (int)h->integer;
        freeReplyObject(h);
    }
    freeReplyObject(keys);
    assert_int_equal(with_grace, 1);
    assert_int_equal(peek(t2, NOW + 300), REFRESH_OK);
}

/* RFC 9700 §4.14.2: a retired token used again revokes the family. */
static void test_reuse_revokes_family(void **state)
{
    (void)state;
    refresh_grant g = grant(FAM1, "client-a", "alice");
    char t0[REFRESH_TOKEN_LEN + 1], t1[REFRESH_TOKEN_LEN + 1], t2[REFRESH_TOKEN_LEN + 1],
        x[REFRESH_TOKEN_LEN + 1];
    create_ok(&g, TTL, t0);
    assert_int_equal(rotate(t0, "client-a", NOW + 100, t1), REFRESH_OK);
    assert_int_equal(rotate(t1, "client-a", NOW + 200, t2), REFRESH_OK);
    /* Hours later, the first token comes back: reuse. */
    assert_int_equal(rotate(t0, "client-a", NOW + 3600, x), REFRESH_REUSED);
    assert_non_null(strstr(err, "already used"));
    /* The whole family is gone: the live token too, and the family is
       remembered as revoked until its end. */
    assert_int_equal(rotate(t2, "client-a", NOW + 3601, x), REFRESH_REVOKED);
    assert_int_equal(peek(t2, NOW + 3601), REFRESH_REVOKED);
    assert_int_equal(rotate(t1, "client-a", NOW + 3601, x), REFRESH_REVOKED);
    assert_true(family_ttl(FAM1) > 0);
    /* Other families are untouched. */
    refresh_grant g2 = grant(FAM2, "client-a", "alice");
    char u0[REFRESH_TOKEN_LEN + 1], u1[REFRESH_TOKEN_LEN + 1];
    create_ok(&g2, TTL, u0);
    assert_int_equal(rotate(u0, "client-a", NOW + 3602, u1), REFRESH_OK);
}

/* A lost response: the old token again within the grace gets the same
 * successor, once. */
static void test_grace_once(void **state)
{
    (void)state;
    refresh_grant g = grant(FAM1, "client-a", "alice");
    char t0[REFRESH_TOKEN_LEN + 1], t1[REFRESH_TOKEN_LEN + 1], again[REFRESH_TOKEN_LEN + 1],
        x[REFRESH_TOKEN_LEN + 1];
    create_ok(&g, TTL, t0);
    assert_int_equal(rotate(t0, "client-a", NOW, t1), REFRESH_OK);
    assert_int_equal(rotate(t0, "client-a", NOW + REFRESH_GRACE_SECONDS, again), REFRESH_GRACE);
    assert_string_equal(again, t1);
    /* A second retry is a reuse: the family is revoked. */
    assert_int_equal(rotate(t0, "client-a", NOW + REFRESH_GRACE_SECONDS, x), REFRESH_REUSED);
    assert_int_equal(rotate(t1, "client-a", NOW + REFRESH_GRACE_SECONDS, x), REFRESH_REVOKED);
}

static void test_grace_bounds(void **state)
{
    (void)state;
    char t0[REFRESH_TOKEN_LEN + 1], t1[REFRESH_TOKEN_LEN + 1], t2[REFRESH_TOKEN_LEN + 1],
        x[REFRESH_TOKEN_LEN + 1];
    /* Too late. */
    refresh_grant g = grant(FAM1, "client-a", "alice");
    create_ok(&g, TTL, t0);
    assert_int_equal(rotate(t0, "client-a", NOW, t1), REFRESH_OK);
    assert_int_equal(rotate(t0, "client-a", NOW + REFRESH_GRACE_SECONDS + 1, x), REFRESH_REUSED);
    assert_int_equal(peek(t1, NOW + 20), REFRESH_REVOKED);

    /* The successor was already used: someone built on it. */
    g = grant(FAM2, "client-a", "alice");
    create_ok(&g, TTL, t0);
    assert_int_equal(rotate(t0, "client-a", NOW, t1), REFRESH_OK);
    assert_int_equal(rotate(t1, "client-a", NOW + 1, t2), REFRESH_OK);
    assert_int_equal(rotate(t0, "client-a", NOW + 2, x), REFRESH_REUSED);
    assert_int_equal(peek(t2, NOW + 3), REFRESH_REVOKED);

    /* Once per family: after a grace, a later lost response is a reuse. */
    g = grant(FAM3, "client-a", "alice");
    create_ok(&g, TTL, t0);
    assert_int_equal(rotate(t0, "client-a", NOW, t1), REFRESH_OK);
    assert_int_equal(rotate(t0, "client-a", NOW + 1, x), REFRESH_GRACE);
    assert_int_equal(rotate(t1, "client-a", NOW + 100, t2), REFRESH_OK);
    assert_int_equal(rotate(t1, "client-a", NOW + 101, x), REFRESH_REUSED);
    assert_int_equal(peek(t2, NOW + 102), REFRESH_REVOKED);
}

static void test_grace_wrong_client(void **state)
{
    (void)state;
    refresh_grant g = grant(FAM1, "client-a", "alice");
    char t0[REFRESH_TOKEN_LEN + 1], t1[REFRESH_TOKEN_LEN + 1], x[REFRESH_TOKEN_LEN + 1];
    create_ok(&g, TTL, t0);
    /* Another client: refused, nothing changes. */
    assert_int_equal(rotate(t0, "client-b", NOW, x), REFRESH_WRONG_CLIENT);
    assert_non_null(strstr(err, "another client"));
    assert_int_equal(rotate(t0, "client-a", NOW, t1), REFRESH_OK);
    /* Not even a retired token's grace goes to another client. */
    assert_int_equal(rotate(t0, "client-b", NOW + 1, x), REFRESH_WRONG_CLIENT);
    assert_int_equal(rotate(t0, "client-a", NOW + 1, x), REFRESH_GRACE);
    assert_string_equal(x, t1);
}

static void test_lifetimes(void **state)
{
    (void)state;
    char t0[REFRESH_TOKEN_LEN + 1], t1[REFRESH_TOKEN_LEN + 1], x[REFRESH_TOKEN_LEN + 1];
    /* The session's absolute end: no rotation at or after it. */
    refresh_grant g = grant(FAM1, "client-a", "alice");
    g.expires = NOW + 1000;
    create_ok(&g, TTL, t0);
    assert_int_equal(rotate(t0, "client-a", NOW + 500, t1), REFRESH_OK);
    /* The new token is capped by the session: its key dies with it. */
    long long ft = family_ttl(FAM1);
    assert_true(ft > 0 && ft <= 1000);
    assert_int_equal(peek(t1, NOW + 1000), REFRESH_EXPIRED);
    assert_int_equal(rotate(t1, "client-a", NOW + 1000, x), REFRESH_EXPIRED);
    assert_non_null(strstr(err, "expired"));

    /* A token's own lifetime (idle): unused for token_ttl, it is over. */
    g = grant(FAM2, "client-a", "alice");
    create_ok(&g, 100, t0);
    assert_int_equal(peek(t0, NOW + 99), REFRESH_OK);
    assert_int_equal(peek(t0, NOW + 100), REFRESH_EXPIRED);
    assert_int_equal(rotate(t0, "client-a", NOW + 100, x), REFRESH_EXPIRED);
    assert_int_equal(rotate(t0, "client-a", NOW + 99, t1), REFRESH_OK);

    /* A session already over cannot start a family. */
    g = grant(FAM3, "client-a", "alice");
    g.expires = NOW;
    assert_int_equal(refresh_family_create(store, &g, TTL, NOW, x, err, sizeof err),
                     REFRESH_BAD_INPUT);
}

/* A code replayed before (or while) its tokens are issued. */
static void test_preemptive_revocation(void **state)
{
    (void)state;
    assert_int_equal(refresh_family_revoke(store, FAM1, err, sizeof err), REFRESH_OK);
    long long ft = family_ttl(FAM1);
    assert_true(ft > 0 && ft <= REFRESH_REVOKED_MARKER_TTL);
    refresh_grant g = grant(FAM1, "client-a", "alice");
    char tok[REFRESH_TOKEN_LEN + 1];
    assert_int_equal(refresh_family_create(store, &g, TTL, NOW, tok, err, sizeof err),
                     REFRESH_EXISTS);
    assert_string_equal(tok, "");
    /* After: revoking an issued family ends its tokens. */
    g = grant(FAM2, "client-a", "alice");
    create_ok(&g, TTL, tok);
    assert_int_equal(refresh_family_revoke(store, FAM2, err, sizeof err), REFRESH_OK);
    assert_int_equal(peek(tok, NOW), REFRESH_REVOKED);
    assert_int_equal(refresh_family_revoke(store, "not-hex", err, sizeof err), REFRESH_BAD_INPUT);
}

static void test_revoke_token(void **state)
{
    (void)state;
    refresh_grant g = grant(FAM1, "client-a", "alice");
    char t0[REFRESH_TOKEN_LEN + 1], t1[REFRESH_TOKEN_LEN + 1], x[REFRESH_TOKEN_LEN + 1];
    create_ok(&g, TTL, t0);
    assert_int_equal(rotate(t0, "client-a", NOW, t1), REFRESH_OK);
    /* Another client cannot revoke it. */
    assert_int_equal(refresh_token_revoke(store, t1, "client-b", err, sizeof err),
                     REFRESH_WRONG_CLIENT);
    assert_int_equal(peek(t1, NOW + 1), REFRESH_OK);
    /* Unknown and malformed tokens: fine (RFC 7009 §2.2). */
    assert_int_equal(refresh_token_revoke(store, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                          "client-a", err, sizeof err),
                     REFRESH_OK);
    assert_int_equal(refresh_token_revoke(store, "garbage", "client-a", err, sizeof err),
                     REFRESH_OK);
    /* Revoking a retired token ends the whole grant too. */
    assert_int_equal(refresh_token_revoke(store, t0, "client-a", err, sizeof err), REFRESH_OK);
    assert_int_equal(peek(t1, NOW + 1), REFRESH_REVOKED);
    assert_int_equal(rotate(t1, "client-a", NOW + 1, x), REFRESH_REVOKED);
    /* Again: still fine. */
    assert_int_equal(refresh_token_revoke(store, t1, "client-a", err, sizeof err), REFRESH_OK);
}

static void test_revoke_user_and_client(void **state)
{
    (void)state;
    char a1[REFRESH_TOKEN_LEN + 1], a2[REFRESH_TOKEN_LEN + 1], b1[REFRESH_TOKEN_LEN + 1];
    refresh_grant g = grant(FAM1, "client-a", "alice");
    create_ok(&g, TTL, a1);
    g = grant(FAM2, "client-b", "alice");
    create_ok(&g, TTL, a2);
    g = grant(FAM3, "client-a", "bob");
    create_ok(&g, TTL, b1);
    size_t n = 99;
    assert_int_equal(refresh_revoke_user(store, "alice", &n, err, sizeof err), REFRESH_OK);
    assert_int_equal(n, 2);
    assert_int_equal(peek(a1, NOW), REFRESH_REVOKED);
    assert_int_equal(peek(a2, NOW), REFRESH_REVOKED);
    assert_int_equal(peek(b1, NOW), REFRESH_OK);
    assert_int_equal(refresh_revoke_user(store, "alice", &n, err, sizeof err), REFRESH_OK);
    assert_int_equal(n, 0);
    /* Per client: client-a's families (bob's; alice's was revoked already). */
    assert_int_equal(refresh_revoke_client(store, "client-a", &n, err, sizeof err), REFRESH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(peek(b1, NOW), REFRESH_REVOKED);
    assert_int_equal(refresh_revoke_client(store, "", &n, err, sizeof err), REFRESH_BAD_INPUT);
    assert_int_equal(refresh_revoke_user(store, "nobody", NULL, err, sizeof err), REFRESH_OK);
}

/* The indexes forget families that have ended. */
static void test_index_pruned(void **state)
{
    (void)state;
    char t[REFRESH_TOKEN_LEN + 1];
    refresh_grant g = grant(FAM1, "client-a", "alice");
    create_ok(&g, TTL, t);
    freeReplyObject(test_redis_command(srv, "DEL test:rtf:%s", FAM1)); /* as if it expired */
    g = grant(FAM2, "client-a", "alice");
    create_ok(&g, TTL, t);
    redisReply *keys = test_redis_command(srv, "KEYS test:rtf-user:*");
    assert_int_equal(keys->elements, 1);
    redisReply *m = test_redis_command(srv, "SMEMBERS %s", keys->element[0]->str);
    assert_int_equal(m->elements, 1);
    assert_string_equal(m->element[0]->str, FAM2);
    freeReplyObject(m);
    freeReplyObject(keys);
}

static void test_bad_create(void **state)
{
    (void)state;
    char t[REFRESH_TOKEN_LEN + 1];
    refresh_grant g = grant("XYZ", "client-a", "alice");
    assert_int_equal(refresh_family_create(store, &g, TTL, NOW, t, err, sizeof err),
                     REFRESH_BAD_INPUT);
    g = grant(FAM1, "", "alice");
    assert_int_equal(refresh_family_create(store, &g, TTL, NOW, t, err, sizeof err),
                     REFRESH_BAD_INPUT);
    assert_non_null(strstr(err, "client_id"));
    g = grant(FAM1, "client-a", NULL);
    assert_int_equal(refresh_family_create(store, &g, TTL, NOW, t, err, sizeof err),
                     REFRESH_BAD_INPUT);
    g = grant(FAM1, "client-a", "alice");
    assert_int_equal(refresh_family_create(store, &g, 0, NOW, t, err, sizeof err),
                     REFRESH_BAD_INPUT);
    redisReply *keys = test_redis_command(srv, "KEYS *");
    assert_int_equal(keys->elements, 0);
    freeReplyObject(keys);
    assert_string_equal(refresh_status_code(REFRESH_REUSED), "reused");
    assert_string_equal(refresh_status_code(REFRESH_STORE_DOWN), "store_down");
}

/* Several processes present the same token at once: one rotation, at most
 * one grace, every other one a reuse that revokes the family. */
static void test_concurrent_rotation(void **state)
{
    (void)state;
    refresh_grant g = grant(FAM1, "client-a", "alice");
    char t0[REFRESH_TOKEN_LEN + 1];
    create_ok(&g, TTL, t0);
    enum { N = 6 };
    pid_t pids[N];
    for (int i = 0; i < N; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            redis_conf rc = test_redis_conf(srv);
            redis_store *own = redis_store_new(&rc);
            refresh_grant out;
            char next[REFRESH_TOKEN_LEN + 1], e[256];
            refresh_status st =
                refresh_token_rotate(own, t0, "client-a", TTL, NOW, &out, next, e, sizeof e);
            refresh_grant_free(&out);
            redis_store_free(own);
            _exit(20 + (int)st);
        }
    }
    int counts[16] = {0};
    for (int i = 0; i < N; i++) {
        int wst;
        assert_int_equal(waitpid(pids[i], &wst, 0), pids[i]);
        assert_true(WIFEXITED(wst));
        int st = WEXITSTATUS(wst) - 20;
        assert_true(st >= 0 && st < 16);
        counts[st]++;
    }
    assert_int_equal(counts[REFRESH_OK], 1);
    assert_int_equal(counts[REFRESH_GRACE], 1);
    assert_int_equal(counts[REFRESH_REUSED] + counts[REFRESH_REVOKED], N - 2);
    assert_int_equal(peek(t0, NOW), REFRESH_REVOKED);
}

static void test_store_down(void **state)
{
    (void)state;
    refresh_grant g = grant(FAM1, "client-a", "alice");
    char t0[REFRESH_TOKEN_LEN + 1], t1[REFRESH_TOKEN_LEN + 1];
    create_ok(&g, TTL, t0);
    test_redis_pause(srv);
    refresh_grant out;
    g = grant(FAM2, "client-a", "alice");
    assert_int_equal(refresh_family_create(store, &g, TTL, NOW, t1, err, sizeof err),
                     REFRESH_STORE_DOWN);
    assert_non_null(strstr(err, "Redis"));
    assert_int_equal(refresh_token_peek(store, t0, NOW, &out, err, sizeof err), REFRESH_STORE_DOWN);
    refresh_grant_free(&out);
    assert_int_equal(
        refresh_token_rotate(store, t0, "client-a", TTL, NOW, &out, t1, err, sizeof err),
        REFRESH_STORE_DOWN);
    refresh_grant_free(&out);
    assert_int_equal(refresh_token_revoke(store, t0, "client-a", err, sizeof err),
                     REFRESH_STORE_DOWN);
    assert_int_equal(refresh_family_revoke(store, FAM1, err, sizeof err), REFRESH_STORE_DOWN);
    assert_int_equal(refresh_revoke_user(store, "alice", NULL, err, sizeof err),
                     REFRESH_STORE_DOWN);
    test_redis_resume(srv);
    /* Back, empty: the old token is unknown, new families work. */
    assert_int_equal(peek(t0, NOW), REFRESH_UNKNOWN);
    g = grant(FAM2, "client-a", "alice");
    create_ok(&g, TTL, t1);
    assert_int_equal(peek(t1, NOW), REFRESH_OK);
}

/* Redis restarted between two commands: a rotation reconnects and answers
 * (the restarted Redis is empty: UNKNOWN) instead of failing. */
static void test_restart_between_commands(void **state)
{
    (void)state;
    refresh_grant g = grant(FAM1, "client-a", "alice");
    char t0[REFRESH_TOKEN_LEN + 1], t1[REFRESH_TOKEN_LEN + 1];
    create_ok(&g, TTL, t0);
    test_redis_pause(srv);
    test_redis_resume(srv);
    assert_int_equal(rotate(t0, "client-a", NOW, t1), REFRESH_UNKNOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_create_peek, each_setup),
        cmocka_unit_test_setup(test_rotation_chain, each_setup),
        cmocka_unit_test_setup(test_reuse_revokes_family, each_setup),
        cmocka_unit_test_setup(test_grace_once, each_setup),
        cmocka_unit_test_setup(test_grace_bounds, each_setup),
        cmocka_unit_test_setup(test_grace_wrong_client, each_setup),
        cmocka_unit_test_setup(test_lifetimes, each_setup),
        cmocka_unit_test_setup(test_preemptive_revocation, each_setup),
        cmocka_unit_test_setup(test_revoke_token, each_setup),
        cmocka_unit_test_setup(test_revoke_user_and_client, each_setup),
        cmocka_unit_test_setup(test_index_pruned, each_setup),
        cmocka_unit_test_setup(test_bad_create, each_setup),
        cmocka_unit_test_setup(test_concurrent_rotation, each_setup),
        cmocka_unit_test_setup(test_store_down, each_setup),
        cmocka_unit_test_setup(test_restart_between_commands, each_setup),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

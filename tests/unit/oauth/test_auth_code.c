/* oauth/auth_code: codes in a real redis-server: issue (hashed, 60 s, every
 * field kept), single use (a second redemption is REPLAYED and names the
 * same family; concurrent redemptions: one wins), unknown and malformed
 * codes, refused grants, Redis down and back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oauth/auth_code.h"

#include "core/base/base64.h"
#include "core/base/crypto.h"
#include "tests/unit/support/redis_server.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

static auth_code_grant sample(void)
{
    auth_code_grant g = {
        .client_id = "https://app.example.com/client.json",
        .redirect_uri = "http://127.0.0.1:33418/callback",
        .code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        .scope = "query schemas:read",
        .resource = "https://mcp.example.com/mcp",
        .user = "alice",
        .auth_time = 1700000000,
    };
    return g;
}

static char *issue_ok(const auth_code_grant *g)
{
    char *code = auth_code_issue(store, g, err, sizeof err);
    if (!code)
        fail_msg("auth_code_issue: %s", err);
    return code;
}

static void code_key(const char *code, const char *kind, char *out, size_t n)
{
    uint8_t *rawc;
    size_t len;
    assert_true(base64url_decode(code, strlen(code), &rawc, &len));
    uint8_t h[SHA256_LEN];
    char hex[65];
    sha256(rawc, len, h);
    free(rawc);
    hex_encode(h, sizeof h, hex);
    snprintf(out, n, "test:%s:%s", kind, hex);
}

static void test_issue_and_consume(void **state)
{
    (void)state;
    auth_code_grant g = sample();
    char *code = issue_ok(&g);
    assert_int_equal(strlen(code), AUTH_CODE_LEN);

    /* Redis holds the grant under the code's hash, for 60 s, never the code. */
    char key[256];
    code_key(code, "code", key, sizeof key);
    redisReply *ttl = test_redis_command(srv, "TTL %s", key);
    assert_int_equal(ttl->type, REDIS_REPLY_INTEGER);
    assert_true(ttl->integer > 50 && ttl->integer <= AUTH_CODE_TTL);
    freeReplyObject(ttl);
    redisReply *keys = test_redis_command(srv, "KEYS *");
    assert_int_equal(keys->elements, 1);
    assert_null(strstr(keys->element[0]->str, code));
    freeReplyObject(keys);

    auth_code_grant got;
    assert_int_equal(auth_code_consume(store, code, &got, err, sizeof err), AUTH_CODE_OK);
    assert_string_equal(got.client_id, g.client_id);
    assert_string_equal(got.redirect_uri, g.redirect_uri);
    assert_string_equal(got.code_challenge, g.code_challenge);
    assert_string_equal(got.scope, g.scope);
    assert_string_equal(got.resource, g.resource);
    assert_string_equal(got.user, g.user);
    assert_int_equal(got.auth_time, g.auth_time);
    assert_int_equal(strlen(got.family), AUTH_CODE_FAMILY_LEN);
    char family[AUTH_CODE_FAMILY_LEN + 1];
    memcpy(family, got.family, sizeof family);
    auth_code_grant_free(&got);

    /* The grant is gone; a tombstone remembers the code as used. */
    redisReply *ex = test_redis_command(srv, "EXISTS %s", key);
    assert_int_equal(ex->integer, 0);
    freeReplyObject(ex);
    char used[256];
    code_key(code, "code-used", used, sizeof used);
    redisReply *t = test_redis_command(srv, "TTL %s", used);
    assert_true(t->integer > AUTH_CODE_TOMBSTONE_TTL - 10 && t->integer <= AUTH_CODE_TOMBSTONE_TTL);
    freeReplyObject(t);

    /* Replay: REPLAYED, naming the family to revoke, every time. */
    for (int i = 0; i < 2; i++) {
        assert_int_equal(auth_code_consume(store, code, &got, err, sizeof err), AUTH_CODE_REPLAYED);
        assert_string_equal(got.family, family);
        assert_null(got.client_id);
        assert_non_null(strstr(err, "already used"));
        auth_code_grant_free(&got);
    }
    free(code);
}

static void test_codes_differ(void **state)
{
    (void)state;
    auth_code_grant g = sample();
    char *a = issue_ok(&g), *b = issue_ok(&g);
    assert_string_not_equal(a, b);
    auth_code_grant ga, gb;
    assert_int_equal(auth_code_consume(store, a, &ga, err, sizeof err), AUTH_CODE_OK);
    assert_int_equal(auth_code_consume(store, b, &gb, err, sizeof err), AUTH_CODE_OK);
    assert_string_not_equal(ga.family, gb.family);
    auth_code_grant_free(&ga);
    auth_code_grant_free(&gb);
    free(a);
    free(b);
}

static void test_unknown_and_malformed(void **state)
{
    (void)state;
    auth_code_grant got;
    const char *bad[] = {
        "",
        "short",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",   /* 42 */
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* 44 */
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",  /* not base64url */
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB",  /* non-zero trailing bits */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(auth_code_consume(store, bad[i], &got, err, sizeof err),
                         AUTH_CODE_UNKNOWN);
        assert_non_null(strstr(err, "malformed"));
        auth_code_grant_free(&got);
    }
    assert_int_equal(auth_code_consume(store, NULL, &got, err, sizeof err), AUTH_CODE_UNKNOWN);
    /* Well formed, never issued. */
    assert_int_equal(auth_code_consume(store, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &got,
                                       err, sizeof err),
                     AUTH_CODE_UNKNOWN);
    assert_non_null(strstr(err, "unknown or expired"));
    auth_code_grant_free(&got);
}

static void test_expired(void **state)
{
    (void)state;
    auth_code_grant g = sample();
    char *code = issue_ok(&g);
    char key[256];
    code_key(code, "code", key, sizeof key);
    freeReplyObject(test_redis_command(srv, "DEL %s", key)); /* what Redis does after 60 s */
    auth_code_grant got;
    assert_int_equal(auth_code_consume(store, code, &got, err, sizeof err), AUTH_CODE_UNKNOWN);
    auth_code_grant_free(&got);
    free(code);
}

static void test_refused_grants(void **state)
{
    (void)state;
    auth_code_grant g = sample();
    g.user = NULL;
    assert_null(auth_code_issue(store, &g, err, sizeof err));
    assert_non_null(strstr(err, "user"));
    g = sample();
    g.code_challenge = "";
    assert_null(auth_code_issue(store, &g, err, sizeof err));
    assert_non_null(strstr(err, "code_challenge"));
    g = sample();
    char *big = malloc(AUTH_CODE_FIELD_MAX + 2);
    memset(big, 'a', AUTH_CODE_FIELD_MAX + 1);
    big[AUTH_CODE_FIELD_MAX + 1] = '\0';
    g.redirect_uri = big;
    assert_null(auth_code_issue(store, &g, err, sizeof err));
    assert_non_null(strstr(err, "redirect_uri"));
    free(big);
    g = sample();
    g.auth_time = 0;
    assert_null(auth_code_issue(store, &g, err, sizeof err));
    redisReply *keys = test_redis_command(srv, "KEYS *");
    assert_int_equal(keys->elements, 0);
    freeReplyObject(keys);
}

/* Many processes redeem one code at once: exactly one gets it. */
static void test_concurrent_consume(void **state)
{
    (void)state;
    auth_code_grant g = sample();
    char *code = issue_ok(&g);
    enum { N = 8 };
    pid_t pids[N];
    for (int i = 0; i < N; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            redis_conf rc = test_redis_conf(srv);
            redis_store *own = redis_store_new(&rc);
            auth_code_grant got;
            char e[256];
            auth_code_status st = auth_code_consume(own, code, &got, e, sizeof e);
            auth_code_grant_free(&got);
            redis_store_free(own);
            _exit(st == AUTH_CODE_OK ? 10 : st == AUTH_CODE_REPLAYED ? 11 : 12);
        }
    }
    int ok = 0, replayed = 0;
    for (int i = 0; i < N; i++) {
        int wst;
        assert_int_equal(waitpid(pids[i], &wst, 0), pids[i]);
        assert_true(WIFEXITED(wst));
        ok += WEXITSTATUS(wst) == 10;
        replayed += WEXITSTATUS(wst) == 11;
    }
    assert_int_equal(ok, 1);
    assert_int_equal(replayed, N - 1);
    free(code);
}

static void test_store_down(void **state)
{
    (void)state;
    auth_code_grant g = sample();
    char *code = issue_ok(&g);
    test_redis_pause(srv);
    assert_null(auth_code_issue(store, &g, err, sizeof err));
    assert_non_null(strstr(err, "Redis"));
    auth_code_grant got;
    assert_int_equal(auth_code_consume(store, code, &got, err, sizeof err), AUTH_CODE_STORE_DOWN);
    assert_non_null(strstr(err, "Redis"));
    auth_code_grant_free(&got);
    test_redis_resume(srv);
    /* Back (empty: nothing persisted): the same handle works again. */
    char *again = auth_code_issue(store, &g, err, sizeof err);
    if (!again) /* the first command may land on the dead connection */
        again = issue_ok(&g);
    assert_int_equal(auth_code_consume(store, again, &got, err, sizeof err), AUTH_CODE_OK);
    auth_code_grant_free(&got);
    free(again);
    free(code);
}

/* Redis restarted between two commands: the consume finds the connection
 * dead, reconnects and answers (the restarted Redis is empty: UNKNOWN),
 * rather than failing the first request after a restart. */
static void test_restart_between_commands(void **state)
{
    (void)state;
    auth_code_grant g = sample();
    char *code = issue_ok(&g);
    test_redis_pause(srv);
    test_redis_resume(srv);
    auth_code_grant got;
    assert_int_equal(auth_code_consume(store, code, &got, err, sizeof err), AUTH_CODE_UNKNOWN);
    auth_code_grant_free(&got);
    free(code);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_issue_and_consume, each_setup),
        cmocka_unit_test_setup(test_codes_differ, each_setup),
        cmocka_unit_test_setup(test_unknown_and_malformed, each_setup),
        cmocka_unit_test_setup(test_expired, each_setup),
        cmocka_unit_test_setup(test_refused_grants, each_setup),
        cmocka_unit_test_setup(test_concurrent_consume, each_setup),
        cmocka_unit_test_setup(test_store_down, each_setup),
        cmocka_unit_test_setup(test_restart_between_commands, each_setup),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

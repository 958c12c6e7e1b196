/* oauth/authz_pending: pending authorization requests in a real
 * redis-server: stored hashed with a TTL, loaded whole, rebound to another
 * session only while they exist, taken exactly once, malformed ids, and
 * Redis down and back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oauth/authz_pending.h"

#include "core/base/base64.h"
#include "core/base/crypto.h"
#include "tests/unit/support/redis_server.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static test_redis *srv;
static redis_store *store;
static char err[512];

#define SESSION_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SESSION_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

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

static authz_pending sample(const char *session, const char *state)
{
    authz_pending p = {
        .client_id = "https://app.example.com/client.json",
        .redirect_uri = "http://127.0.0.1:4000/cb?x=1",
        .state = (char *)state,
        .code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        .scope = "query schemas:read",
        .resource = "http://127.0.0.1:8080/mcp",
    };
    memcpy(p.session, session, LOGIN_HANDLE_LEN + 1);
    return p;
}

static void key_of(const char *id, char *out, size_t outlen)
{
    uint8_t *dec;
    size_t n;
    assert_true(base64url_decode(id, strlen(id), &dec, &n));
    uint8_t h[SHA256_LEN];
    sha256(dec, n, h);
    free(dec);
    char hex[65];
    hex_encode(h, sizeof h, hex);
    snprintf(out, outlen, "test:authz:%s", hex);
}

static void test_create_and_load(void **state)
{
    (void)state;
    authz_pending p = sample(SESSION_A, "st \xc3\xa9 & =");
    char id[AUTHZ_ID_LEN + 1];
    assert_int_equal(authz_pending_create(store, &p, id, err, sizeof err), AUTHZ_OK);
    assert_int_equal(strlen(id), AUTHZ_ID_LEN);
    /* Redis holds the id's hash, with the TTL. */
    char key[128];
    key_of(id, key, sizeof key);
    redisReply *r = test_redis_command(srv, "TTL %s", key);
    assert_true(r->integer > AUTHZ_PENDING_TTL - 5 && r->integer <= AUTHZ_PENDING_TTL);
    freeReplyObject(r);
    r = test_redis_command(srv, "KEYS *%s*", id);
    assert_int_equal(r->elements, 0);
    freeReplyObject(r);

    authz_pending got;
    assert_int_equal(authz_pending_load(store, id, &got, err, sizeof err), AUTHZ_OK);
    assert_string_equal(got.client_id, p.client_id);
    assert_string_equal(got.redirect_uri, p.redirect_uri);
    assert_string_equal(got.state, "st \xc3\xa9 & =");
    assert_string_equal(got.code_challenge, p.code_challenge);
    assert_string_equal(got.scope, p.scope);
    assert_string_equal(got.resource, p.resource);
    assert_string_equal(got.session, SESSION_A);
    authz_pending_free(&got);

    /* Two requests get different ids. */
    char id2[AUTHZ_ID_LEN + 1];
    p.state = "";
    assert_int_equal(authz_pending_create(store, &p, id2, err, sizeof err), AUTHZ_OK);
    assert_string_not_equal(id, id2);
    assert_int_equal(authz_pending_load(store, id2, &got, err, sizeof err), AUTHZ_OK);
    assert_string_equal(got.state, "");
    authz_pending_free(&got);
}

static void test_malformed_and_unknown_ids(void **state)
{
    (void)state;
    authz_pending got;
    const char *bad[] = {NULL,
                         "",
                         "short",
                         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA*",
                         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" /* 44 */,
                         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" /* well-formed, unknown */};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(authz_pending_load(store, bad[i], &got, err, sizeof err), AUTHZ_NONE);
        assert_int_equal(authz_pending_take(store, bad[i], err, sizeof err), AUTHZ_NONE);
        assert_int_equal(authz_pending_rebind(store, bad[i], SESSION_B, err, sizeof err),
                         AUTHZ_NONE);
    }
    /* Nothing was created by the rebind of an unknown id. */
    redisReply *r = test_redis_command(srv, "DBSIZE");
    assert_int_equal(r->integer, 0);
    freeReplyObject(r);
}

static void test_incomplete_record_is_none(void **state)
{
    (void)state;
    authz_pending p = sample(SESSION_A, "s");
    char id[AUTHZ_ID_LEN + 1];
    assert_int_equal(authz_pending_create(store, &p, id, err, sizeof err), AUTHZ_OK);
    char key[128];
    key_of(id, key, sizeof key);
    freeReplyObject(test_redis_command(srv, "HDEL %s code_challenge", key));
    authz_pending got;
    assert_int_equal(authz_pending_load(store, id, &got, err, sizeof err), AUTHZ_NONE);
}

static void test_rebind(void **state)
{
    (void)state;
    authz_pending p = sample(SESSION_A, "s");
    char id[AUTHZ_ID_LEN + 1];
    assert_int_equal(authz_pending_create(store, &p, id, err, sizeof err), AUTHZ_OK);
    assert_int_equal(authz_pending_rebind(store, id, SESSION_B, err, sizeof err), AUTHZ_OK);
    authz_pending got;
    assert_int_equal(authz_pending_load(store, id, &got, err, sizeof err), AUTHZ_OK);
    assert_string_equal(got.session, SESSION_B);
    authz_pending_free(&got);
    /* The TTL is kept. */
    char key[128];
    key_of(id, key, sizeof key);
    redisReply *r = test_redis_command(srv, "TTL %s", key);
    assert_true(r->integer > 0);
    freeReplyObject(r);
    /* Gone: no rebind, and no record without a TTL is made. */
    freeReplyObject(test_redis_command(srv, "DEL %s", key));
    assert_int_equal(authz_pending_rebind(store, id, SESSION_B, err, sizeof err), AUTHZ_NONE);
    r = test_redis_command(srv, "EXISTS %s", key);
    assert_int_equal(r->integer, 0);
    freeReplyObject(r);
}

static void test_take_once(void **state)
{
    (void)state;
    authz_pending p = sample(SESSION_A, "s");
    char id[AUTHZ_ID_LEN + 1];
    assert_int_equal(authz_pending_create(store, &p, id, err, sizeof err), AUTHZ_OK);
    assert_int_equal(authz_pending_take(store, id, err, sizeof err), AUTHZ_OK);
    assert_int_equal(authz_pending_take(store, id, err, sizeof err), AUTHZ_NONE);
    authz_pending got;
    assert_int_equal(authz_pending_load(store, id, &got, err, sizeof err), AUTHZ_NONE);
}

static void test_redis_down_and_back(void **state)
{
    (void)state;
    authz_pending p = sample(SESSION_A, "s");
    char id[AUTHZ_ID_LEN + 1];
    assert_int_equal(authz_pending_create(store, &p, id, err, sizeof err), AUTHZ_OK);
    test_redis_pause(srv);
    authz_pending got;
    assert_int_equal(authz_pending_load(store, id, &got, err, sizeof err), AUTHZ_STORE_ERROR);
    assert_non_null(strstr(err, "Redis"));
    assert_int_equal(authz_pending_take(store, id, err, sizeof err), AUTHZ_STORE_ERROR);
    assert_int_equal(authz_pending_rebind(store, id, SESSION_B, err, sizeof err),
                     AUTHZ_STORE_ERROR);
    char id2[AUTHZ_ID_LEN + 1];
    assert_int_equal(authz_pending_create(store, &p, id2, err, sizeof err), AUTHZ_STORE_ERROR);
    assert_string_equal(id2, "");
    test_redis_resume(srv);
    /* Nothing was persisted, but the store works again at once. */
    assert_int_equal(authz_pending_load(store, id, &got, err, sizeof err), AUTHZ_NONE);
    assert_int_equal(authz_pending_create(store, &p, id2, err, sizeof err), AUTHZ_OK);
    assert_int_equal(authz_pending_load(store, id2, &got, err, sizeof err), AUTHZ_OK);
    authz_pending_free(&got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_create_and_load, each_setup),
        cmocka_unit_test_setup(test_malformed_and_unknown_ids, each_setup),
        cmocka_unit_test_setup(test_incomplete_record_is_none, each_setup),
        cmocka_unit_test_setup(test_rebind, each_setup),
        cmocka_unit_test_setup(test_take_once, each_setup),
        cmocka_unit_test_setup(test_redis_down_and_back, each_setup),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

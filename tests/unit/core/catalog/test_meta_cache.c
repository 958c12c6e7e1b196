#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/support/capture_stderr.h"
#include "tests/unit/support/mcp_fixture.h"

#include "core/base/json_util.h"
#include "core/base/timeutil.h"
#include "core/catalog/meta_cache.h"
#include "core/store/redis_store.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- a real redis-server on a free port -------------------------------------- */

static pid_t redis_pid;
static int redis_port;

static void redis_start(void)
{
    fx_redis_start(&redis_pid, &redis_port);
}

static void redis_stop(void)
{
    fx_redis_stop(&redis_pid);
}

static redis_store *store_at(int port, const char *prefix)
{
    redis_conf rc = {
        .host = (char *)"127.0.0.1",
        .port = port,
        .connect_timeout_ms = 500,
        .command_timeout_ms = 1000,
        .key_prefix = (char *)prefix,
    };
    return redis_store_new(&rc);
}

/* Runs a command on a store and returns its reply (caller frees). */
static redisReply *cmd(redis_store *r, const char *a0, const char *a1, const char *a2)
{
    const char *argv[] = {a0, a1, a2};
    char err[256];
    redisReply *rep = redis_store_cmd(r, true, a2 ? 3 : 2, argv, NULL, err, sizeof err);
    if (!rep)
        fprintf(stderr, "redis: %s\n", err);
    assert_non_null(rep);
    return rep;
}

/* ---- helpers ---------------------------------------------------------------- */

static json_object *doc(const char *tag)
{
    json_object *o = json_object_new_object();
    jset_str(o, "tag", tag);
    return o;
}

/* Asserts the cache holds a document tagged tag, fetched at want_ms. */
static void expect_hit(meta_cache *c, const char *key, const char *tag, int64_t want_ms)
{
    int64_t at = -1;
    json_object *got = meta_cache_get(c, key, &at);
    if (!got) {
        fprintf(stderr, "no cached document for %s\n", key);
        fail();
    }
    assert_string_equal(jget_str(got, "tag"), tag);
    assert_int_equal(at, want_ms);
    json_object_put(got);
}

static void expect_miss(meta_cache *c, const char *key)
{
    int64_t at = 12345;
    json_object *got = meta_cache_get(c, key, &at);
    if (got)
        fprintf(stderr, "unexpected document for %s: %s\n", key, json_compact(got));
    assert_null(got);
    assert_int_equal(at, 12345); /* untouched on a miss */
}

static void put(meta_cache *c, const char *key, const char *tag, int64_t at)
{
    json_object *d = doc(tag);
    meta_cache_put(c, key, d, at, 60);
    json_object_put(d); /* the cache keeps its own reference */
}

/* ---- memory level ------------------------------------------------------------ */

static void test_memory_put_get(void **state)
{
    (void)state;
    meta_cache *c = meta_cache_new(NULL, 8);
    expect_miss(c, "demo:list");
    put(c, "demo:list", "one", 1000);
    expect_hit(c, "demo:list", "one", 1000);
    expect_miss(c, "demo:lis");
    /* A newer document replaces it; an older one does not. */
    put(c, "demo:list", "two", 2000);
    expect_hit(c, "demo:list", "two", 2000);
    put(c, "demo:list", "old", 1500);
    expect_hit(c, "demo:list", "two", 2000);
    /* Equal times: the later put wins. */
    put(c, "demo:list", "three", 2000);
    expect_hit(c, "demo:list", "three", 2000);
    /* get hands out a reference the caller may keep after the cache moves on. */
    int64_t at;
    json_object *kept = meta_cache_get(c, "demo:list", &at);
    put(c, "demo:list", "four", 3000);
    assert_string_equal(jget_str(kept, "tag"), "three");
    json_object_put(kept);
    meta_cache_free(c);
    meta_cache_free(NULL);
}

static void test_memory_lru_eviction(void **state)
{
    (void)state;
    meta_cache *c = meta_cache_new(NULL, 2);
    put(c, "a", "A", 1);
    put(c, "b", "B", 1);
    expect_hit(c, "a", "A", 1); /* a is now more recently used than b */
    put(c, "c", "C", 1);        /* evicts b */
    expect_miss(c, "b");
    expect_hit(c, "a", "A", 1);
    expect_hit(c, "c", "C", 1);
    /* Updating an entry counts as a use. */
    put(c, "a", "A2", 2);
    put(c, "d", "D", 1); /* evicts c */
    expect_miss(c, "c");
    expect_hit(c, "a", "A2", 2);
    expect_hit(c, "d", "D", 1);
    meta_cache_free(c);

    /* A zero-sized cache still holds one entry. */
    c = meta_cache_new(NULL, 0);
    put(c, "x", "X", 5);
    expect_hit(c, "x", "X", 5);
    put(c, "y", "Y", 5);
    expect_miss(c, "x");
    expect_hit(c, "y", "Y", 5);
    meta_cache_free(c);
}

/* ---- with Redis ---------------------------------------------------------------- */

static void test_redis_shared_between_workers(void **state)
{
    (void)state;
    redis_start();
    /* Two workers: separate connections and memory levels, one Redis. */
    redis_store *ra = store_at(redis_port, "unit:"), *rb = store_at(redis_port, "unit:");
    meta_cache *a = meta_cache_new(ra, 8), *b = meta_cache_new(rb, 8);

    put(a, "demo:desc:orders", "from-a", 1000);
    /* Stored under the prefix with the retention as its TTL. */
    redisReply *r = cmd(ra, "GET", "unit:meta:v1:demo:desc:orders", NULL);
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    assert_string_equal(r->str, "{\"fetched_ms\":1000,\"doc\":{\"tag\":\"from-a\"}}");
    freeReplyObject(r);
    r = cmd(ra, "TTL", "unit:meta:v1:demo:desc:orders", NULL);
    assert_int_equal(r->type, REDIS_REPLY_INTEGER);
    assert_true(r->integer > 0 && r->integer <= 60);
    freeReplyObject(r);

    /* b never fetched it but sees it through Redis. */
    expect_hit(b, "demo:desc:orders", "from-a", 1000);

    /* b refreshes; a's memory copy is older, so Redis' newer one wins. */
    put(b, "demo:desc:orders", "from-b", 2000);
    expect_hit(a, "demo:desc:orders", "from-b", 2000);

    /* Redis holding an older copy than memory: memory wins. */
    r = cmd(ra, "SET", "unit:meta:v1:demo:desc:orders",
            "{\"fetched_ms\":500,\"doc\":{\"tag\":\"ancient\"}}");
    freeReplyObject(r);
    expect_hit(a, "demo:desc:orders", "from-b", 2000);
    expect_hit(b, "demo:desc:orders", "from-b", 2000);

    /* A fresh worker takes whatever Redis has. */
    meta_cache *c = meta_cache_new(ra, 8);
    expect_hit(c, "demo:desc:orders", "ancient", 500);
    meta_cache_free(c);

    meta_cache_free(a);
    meta_cache_free(b);
    redis_store_free(ra);
    redis_store_free(rb);
    redis_stop();
}

/* get_fresh answers from memory when its copy is new enough, without
 * asking Redis; otherwise it behaves like get and sees Redis' newer copy. */
static void test_get_fresh_spares_redis(void **state)
{
    (void)state;
    redis_start();
    redis_store *ra = store_at(redis_port, "unit:"), *rb = store_at(redis_port, "unit:");
    meta_cache *a = meta_cache_new(ra, 8), *b = meta_cache_new(rb, 8);
    put(a, "demo:desc:t", "a-1000", 1000);
    put(b, "demo:desc:t", "b-2000", 2000); /* Redis now holds b's newer copy */

    int64_t at = 0;
    json_object *got = meta_cache_get_fresh(a, "demo:desc:t", 900, &at);
    assert_string_equal(jget_str(got, "tag"), "a-1000"); /* memory suffices */
    assert_int_equal(at, 1000);
    json_object_put(got);
    got = meta_cache_get_fresh(a, "demo:desc:t", 1500, &at);
    assert_string_equal(jget_str(got, "tag"), "b-2000"); /* too old: Redis asked */
    assert_int_equal(at, 2000);
    json_object_put(got);
    /* Redis gone: a memory copy that is fresh enough still answers. */
    redis_stop();
    got = meta_cache_get_fresh(a, "demo:desc:t", 2000, &at);
    assert_string_equal(jget_str(got, "tag"), "b-2000");
    json_object_put(got);
    /* And a miss everywhere stays a miss. */
    assert_null(meta_cache_get_fresh(a, "demo:desc:none", 0, &at));

    meta_cache_free(a);
    meta_cache_free(b);
    redis_store_free(ra);
    redis_store_free(rb);
}

static void test_redis_retention_and_prefix(void **state)
{
    (void)state;
    redis_start();
    redis_store *rs = store_at(redis_port, "other-app.");
    meta_cache *c = meta_cache_new(rs, 8);
    json_object *d = doc("x");
    meta_cache_put(c, "k", d, 42, 0); /* 0 s would mean "never expire": use 1 */
    meta_cache_put(c, "k2", d, 42, 7200);
    json_object_put(d);
    redisReply *r = cmd(rs, "TTL", "other-app.meta:v1:k", NULL);
    assert_int_equal(r->type, REDIS_REPLY_INTEGER);
    assert_true(r->integer >= 0 && r->integer <= 1);
    freeReplyObject(r);
    r = cmd(rs, "TTL", "other-app.meta:v1:k2", NULL);
    assert_true(r->integer > 3600 && r->integer <= 7200);
    freeReplyObject(r);
    /* Another prefix does not see it. */
    redis_store *rs2 = store_at(redis_port, "ddbsql:");
    meta_cache *c2 = meta_cache_new(rs2, 8);
    expect_miss(c2, "k2");
    meta_cache_free(c2);
    redis_store_free(rs2);
    meta_cache_free(c);
    redis_store_free(rs);
    redis_stop();
}

static void test_redis_bad_values_ignored(void **state)
{
    (void)state;
    redis_start();
    redis_store *rs = store_at(redis_port, "unit:");
    meta_cache *c = meta_cache_new(rs, 8);
    static const char *const bad[] = {
        "not json",
        "{\"fetched_ms\":1000}",
        "{\"doc\":{\"tag\":\"no time\"}}",
        "{\"fetched_ms\":0,\"doc\":{\"tag\":\"zero\"}}",
        "{\"fetched_ms\":\"1000\",\"doc\":{\"tag\":\"string time\"}}",
        "{\"fetched_ms\":1000,\"doc\":[1]}",
        "[]",
        "{\"fetched_ms\":1000,\"doc\":{\"tag\":\"x\"}} trailing",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        redisReply *r = cmd(rs, "SET", "unit:meta:v1:bad", bad[i]);
        freeReplyObject(r);
        expect_miss(c, "bad");
    }
    /* A value of another Redis type is ignored too. */
    redisReply *r = cmd(rs, "DEL", "unit:meta:v1:bad", NULL);
    freeReplyObject(r);
    r = cmd(rs, "SADD", "unit:meta:v1:bad", "member");
    freeReplyObject(r);
    expect_miss(c, "bad");
    /* With a good memory copy, a bad Redis value does not hide it. */
    put(c, "good", "mem", 10);
    r = cmd(rs, "SET", "unit:meta:v1:good", "garbage");
    freeReplyObject(r);
    expect_hit(c, "good", "mem", 10);
    meta_cache_free(c);
    redis_store_free(rs);
    redis_stop();
}

static void test_redis_down_memory_only(void **state)
{
    (void)state;
    /* Nothing listens on this port. */
    redis_store *rs = store_at(fake_http_free_port(), "unit:");
    meta_cache *c = meta_cache_new(rs, 4);
    capture_stderr_start();
    expect_miss(c, "k");
    put(c, "k", "mem", 100);
    expect_hit(c, "k", "mem", 100);
    put(c, "k", "mem2", 200);
    expect_hit(c, "k", "mem2", 200);
    char *log = capture_stderr_stop();
    /* One warning, not one per command, and it names the fallback. */
    const char *first =
        strstr(log, "metadata cache: read failed, using this worker's memory cache");
    if (!first)
        fprintf(stderr, "log was: %s\n", log);
    assert_non_null(first);
    assert_null(strstr(first + 1, "metadata cache:"));
    free(log);
    meta_cache_free(c);
    redis_store_free(rs);
}

static void test_redis_stops_midway(void **state)
{
    (void)state;
    redis_start();
    redis_store *ra = store_at(redis_port, "unit:"), *rb = store_at(redis_port, "unit:");
    meta_cache *a = meta_cache_new(ra, 8), *b = meta_cache_new(rb, 8);
    put(a, "k", "v1", 1000);
    expect_hit(b, "k", "v1", 1000); /* b now holds it in memory too */
    redis_stop();
    capture_stderr_start();
    /* Both keep answering from memory; writes still land in memory. */
    expect_hit(a, "k", "v1", 1000);
    expect_hit(b, "k", "v1", 1000);
    put(a, "k", "v2", 2000);
    expect_hit(a, "k", "v2", 2000);
    expect_hit(b, "k", "v1", 1000); /* no Redis to share through */
    expect_miss(b, "never");
    free(capture_stderr_stop());
    meta_cache_free(a);
    meta_cache_free(b);
    redis_store_free(ra);
    redis_store_free(rb);
}

static int teardown(void **state)
{
    (void)state;
    redis_stop(); /* after a failed assertion */
    return 0;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory_put_get),
        cmocka_unit_test(test_memory_lru_eviction),
        cmocka_unit_test_teardown(test_redis_shared_between_workers, teardown),
        cmocka_unit_test_teardown(test_get_fresh_spares_redis, teardown),
        cmocka_unit_test_teardown(test_redis_retention_and_prefix, teardown),
        cmocka_unit_test_teardown(test_redis_bad_values_ignored, teardown),
        cmocka_unit_test(test_redis_down_memory_only),
        cmocka_unit_test_teardown(test_redis_stops_midway, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

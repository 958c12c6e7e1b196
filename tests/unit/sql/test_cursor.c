/* run_sql's signed cursors (sql/cursor.c): round trips, and refusal of
 * altered, truncated, foreign, expired and other-SQL cursors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/base/base64.h"
#include "core/base/json_util.h"
#include "sql/cursor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char SECRET[32] = "0123456789abcdef0123456789abcdef";
static const char SQL[] = "SELECT * FROM demo.orders WHERE customer_id = 'c-001'";
#define NOW 1800000000

static cursor_key key;
static char msg[512];

static int setup(void **state)
{
    (void)state;
    cursor_key_init(&key, SECRET, sizeof SECRET);
    return 0;
}

static char *make(int64_t skip, const char *start_key, int max_rows, bool objects, int64_t at)
{
    sql_cursor c = {.skip = skip, .max_rows = max_rows, .objects = objects, .issued_s = at};
    cursor_sql_hash(SQL, strlen(SQL), c.sql_hash);
    if (start_key) {
        char err[128];
        c.start_key = json_parse_strict(start_key, strlen(start_key), 16, err, sizeof err);
        assert_non_null(c.start_key);
    }
    char *s = cursor_encode(&key, &c);
    cursor_free(&c);
    return s;
}

static cursor_status decode(const char *text, const char *sql, int64_t now, sql_cursor *out)
{
    msg[0] = '\0';
    cursor_status st = cursor_decode(&key, text, sql, strlen(sql), now, out, msg, sizeof msg);
    if (st != CURSOR_OK) {
        assert_null(out->start_key);
        assert_true(msg[0] != '\0');
    }
    return st;
}

static void test_round_trip(void **state)
{
    (void)state;
    char *s = make(300, "{\"pk\":{\"S\":\"c-001\"},\"sk\":{\"N\":\"17\"}}", 100, true, NOW);
    /* URL-safe and one line: base64url, a dot, base64url. */
    for (const char *p = s; *p; p++)
        assert_non_null(
            strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.", *p));
    sql_cursor c;
    assert_int_equal(decode(s, SQL, NOW + 10, &c), CURSOR_OK);
    assert_int_equal(c.skip, 300);
    assert_int_equal(c.max_rows, 100);
    assert_true(c.objects);
    assert_int_equal(c.issued_s, NOW);
    assert_string_equal(json_compact(c.start_key),
                        "{\"pk\":{\"S\":\"c-001\"},\"sk\":{\"N\":\"17\"}}");
    cursor_free(&c);
    assert_null(c.start_key);
    free(s);

    s = make(0, NULL, 1000, false, NOW);
    assert_int_equal(decode(s, SQL, NOW, &c), CURSOR_OK);
    assert_int_equal(c.skip, 0);
    assert_null(c.start_key);
    assert_int_equal(c.max_rows, 1000);
    assert_false(c.objects);
    cursor_free(&c);
    free(s);
}

/* Changing any one character, or cutting the cursor anywhere, is caught. */
static void test_tampered_and_truncated(void **state)
{
    (void)state;
    char *s = make(100, "{\"pk\":{\"S\":\"x\"}}", 50, false, NOW);
    size_t n = strlen(s);
    sql_cursor c;
    for (size_t i = 0; i < n; i++) {
        char *t = strdup(s);
        t[i] = t[i] == 'A' ? 'B' : 'A';
        if (decode(t, SQL, NOW, &c) != CURSOR_MALFORMED)
            fail_msg("changing position %zu was not noticed: %s", i, t);
        free(t);
    }
    for (size_t len = 0; len < n; len++) {
        char *t = strndup(s, len);
        if (decode(t, SQL, NOW, &c) != CURSOR_MALFORMED)
            fail_msg("a cursor cut to %zu bytes was accepted", len);
        free(t);
    }
    /* Extra text after it. */
    char *t = malloc(n + 3);
    snprintf(t, n + 3, "%s==", s);
    assert_int_equal(decode(t, SQL, NOW, &c), CURSOR_MALFORMED);
    free(t);
    free(s);
}

static void test_other_sql(void **state)
{
    (void)state;
    char *s = make(100, NULL, 50, false, NOW);
    sql_cursor c;
    /* Exactly the same text only: not even a trailing space differs. */
    assert_int_equal(decode(s, "SELECT * FROM demo.orders WHERE customer_id = 'c-001' ", NOW, &c),
                     CURSOR_OTHER_SQL);
    assert_non_null(strstr(msg, "different query"));
    assert_int_equal(decode(s, "SELECT 1", NOW, &c), CURSOR_OTHER_SQL);
    free(s);
}

static void test_expiry(void **state)
{
    (void)state;
    char *s = make(100, NULL, 50, false, NOW);
    sql_cursor c;
    assert_int_equal(decode(s, SQL, NOW + CURSOR_TTL_S, &c), CURSOR_OK);
    cursor_free(&c);
    assert_int_equal(decode(s, SQL, NOW + CURSOR_TTL_S + 1, &c), CURSOR_EXPIRED);
    assert_non_null(strstr(msg, "expired: it was issued 60 minutes ago"));
    assert_int_equal(decode(s, SQL, NOW + 5 * 3600, &c), CURSOR_EXPIRED);
    /* Issued in the future beyond the allowed clock skew. */
    assert_int_equal(decode(s, SQL, NOW - CURSOR_SKEW_S, &c), CURSOR_OK);
    cursor_free(&c);
    assert_int_equal(decode(s, SQL, NOW - CURSOR_SKEW_S - 1, &c), CURSOR_EXPIRED);
    assert_non_null(strstr(msg, "future"));
    free(s);
}

/* Workers sharing a secret share the key; another secret, or no secret (a
 * random key per process), does not accept the cursor. */
static void test_keys(void **state)
{
    (void)state;
    char *s = make(1, NULL, 5, false, NOW);
    cursor_key same, other, rnd1, rnd2;
    cursor_key_init(&same, SECRET, sizeof SECRET);
    assert_memory_equal(same.k, key.k, sizeof key.k);
    /* The key is derived, not the secret itself. */
    assert_memory_not_equal(key.k, SECRET, sizeof key.k);
    unsigned char secret2[32];
    memcpy(secret2, SECRET, sizeof secret2);
    secret2[31] ^= 1;
    cursor_key_init(&other, secret2, sizeof secret2);
    cursor_key_init(&rnd1, NULL, 0);
    cursor_key_init(&rnd2, NULL, 0);
    assert_memory_not_equal(rnd1.k, rnd2.k, sizeof rnd1.k);
    sql_cursor c;
    assert_int_equal(cursor_decode(&same, s, SQL, strlen(SQL), NOW, &c, msg, sizeof msg),
                     CURSOR_OK);
    cursor_free(&c);
    assert_int_equal(cursor_decode(&other, s, SQL, strlen(SQL), NOW, &c, msg, sizeof msg),
                     CURSOR_MALFORMED);
    assert_non_null(strstr(msg, "signature does not match"));
    assert_int_equal(cursor_decode(&rnd1, s, SQL, strlen(SQL), NOW, &c, msg, sizeof msg),
                     CURSOR_MALFORMED);
    cursor_key_wipe(&rnd1);
    assert_memory_equal(rnd1.k, (uint8_t[SHA256_LEN]){0}, SHA256_LEN);
    free(s);
}

static void test_garbage(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",        ".",
        "..",      "abc",
        "abc.def", "a.b.c",
        "!!!.???", "eyJ2IjoxfQ.",
        ".AAAA",   "eyJ2IjoxfQ.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    };
    sql_cursor c;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (decode(bad[i], SQL, NOW, &c) != CURSOR_MALFORMED)
            fail_msg("accepted '%s'", bad[i]);
    char *huge = malloc(CURSOR_MAX_TEXT + 2);
    memset(huge, 'A', CURSOR_MAX_TEXT + 1);
    huge[CURSOR_MAX_TEXT + 1] = '\0';
    assert_int_equal(decode(huge, SQL, NOW, &c), CURSOR_MALFORMED);
    assert_non_null(strstr(msg, "longer than any cursor"));
    free(huge);
}

/* A correctly signed payload is still checked member by member, so a
 * leaked key cannot smuggle odd values (negative skip, huge pages) in. */
static char *sign(const char *payload)
{
    char *body = base64url_encode(payload, strlen(payload));
    uint8_t tag[SHA256_LEN];
    hmac_sha256(key.k, sizeof key.k, body, strlen(body), tag);
    char *t = base64url_encode(tag, sizeof tag);
    char *out = malloc(strlen(body) + strlen(t) + 2);
    sprintf(out, "%s.%s", body, t);
    free(body);
    free(t);
    return out;
}

static void test_signed_but_invalid_payloads(void **state)
{
    (void)state;
    uint8_t h[SHA256_LEN];
    cursor_sql_hash(SQL, strlen(SQL), h);
    char *hb = base64url_encode(h, sizeof h);
    char good[512];
    snprintf(good, sizeof good, "{\"v\":1,\"h\":\"%s\",\"s\":5,\"m\":10,\"f\":\"rows\",\"t\":%d}",
             hb, NOW);
    char *s = sign(good);
    sql_cursor c;
    assert_int_equal(decode(s, SQL, NOW, &c), CURSOR_OK);
    assert_int_equal(c.skip, 5);
    cursor_free(&c);
    free(s);
    const char *fmts[] = {
        "{\"v\":2,\"h\":\"%s\",\"s\":5,\"m\":10,\"f\":\"rows\",\"t\":%d}",
        "{\"v\":1,\"h\":\"%s\",\"s\":-1,\"m\":10,\"f\":\"rows\",\"t\":%d}",
        "{\"v\":1,\"h\":\"%s\",\"s\":5,\"m\":0,\"f\":\"rows\",\"t\":%d}",
        "{\"v\":1,\"h\":\"%s\",\"s\":5,\"m\":1001,\"f\":\"rows\",\"t\":%d}",
        "{\"v\":1,\"h\":\"%s\",\"s\":5,\"m\":10,\"f\":\"csv\",\"t\":%d}",
        "{\"v\":1,\"h\":\"%s\",\"s\":\"5\",\"m\":10,\"f\":\"rows\",\"t\":%d}",
        "{\"v\":1,\"h\":\"%s\",\"s\":5.5,\"m\":10,\"f\":\"rows\",\"t\":%d}",
        "{\"v\":1,\"h\":\"%s\",\"s\":5,\"m\":10,\"f\":\"rows\",\"t\":%d,\"x\":1}",
        "{\"v\":1,\"h\":\"%s\",\"s\":5,\"m\":10,\"f\":\"rows\",\"t\":%d,\"k\":[1]}",
        "{\"v\":1,\"h\":\"%.20s\",\"s\":5,\"m\":10,\"f\":\"rows\",\"t\":%d}",
        "[\"%s\",%d]",
    };
    for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
        char p[512];
        snprintf(p, sizeof p, fmts[i], hb, NOW);
        s = sign(p);
        if (decode(s, SQL, NOW, &c) != CURSOR_MALFORMED)
            fail_msg("accepted payload %s", p);
        assert_non_null(strstr(msg, "contents"));
        free(s);
    }
    s = sign("not json");
    assert_int_equal(decode(s, SQL, NOW, &c), CURSOR_MALFORMED);
    free(s);
    free(hb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_tampered_and_truncated),
        cmocka_unit_test(test_other_sql),
        cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_signed_but_invalid_payloads),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}

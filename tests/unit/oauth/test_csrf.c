/* oauth/csrf: tokens bound to a session secret, a form purpose and an
 * authorization request; a known answer, and every way a token must fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oauth/csrf.h"

#include <string.h>

static uint8_t secret[CSRF_SECRET_LEN], other[CSRF_SECRET_LEN];

static int setup(void **state)
{
    (void)state;
    for (int i = 0; i < CSRF_SECRET_LEN; i++) {
        secret[i] = (uint8_t)i;
        other[i] = (uint8_t)(i + 1);
    }
    return 0;
}

static void test_known_answer(void **state)
{
    (void)state;
    char t[CSRF_TOKEN_LEN + 1];
    /* HMAC-SHA-256(00..1f, "ddbsql-csrf-v1\0consent\0req-123"), base64url,
     * computed independently (Python hmac). */
    csrf_token(secret, CSRF_PURPOSE_CONSENT, "req-123", t);
    assert_string_equal(t, "21dp54e31-fDw5P9QtbjzO2LC-Zp4Y1cgpVzvivjSEs");
    assert_int_equal(strlen(t), CSRF_TOKEN_LEN);
    csrf_token(secret, CSRF_PURPOSE_LOGIN, "", t);
    assert_string_equal(t, "AGL3ZjUt8I4FQF6Yx9ZcsHqXfR74HoBGlu_K6rn8kE8");
    /* NULL binding is the same as "". */
    char t2[CSRF_TOKEN_LEN + 1];
    csrf_token(secret, CSRF_PURPOSE_LOGIN, NULL, t2);
    assert_string_equal(t, t2);
}

static void test_good_and_bad(void **state)
{
    (void)state;
    char t[CSRF_TOKEN_LEN + 1];
    csrf_token(secret, CSRF_PURPOSE_CONSENT, "req-123", t);
    assert_true(csrf_check(secret, CSRF_PURPOSE_CONSENT, "req-123", t));
    /* Another session, form or request. */
    assert_false(csrf_check(other, CSRF_PURPOSE_CONSENT, "req-123", t));
    assert_false(csrf_check(secret, CSRF_PURPOSE_LOGIN, "req-123", t));
    assert_false(csrf_check(secret, CSRF_PURPOSE_CONSENT, "req-124", t));
    assert_false(csrf_check(secret, CSRF_PURPOSE_CONSENT, "", t));
    /* Purpose and binding cannot be shifted into each other. */
    char a[CSRF_TOKEN_LEN + 1], b[CSRF_TOKEN_LEN + 1];
    csrf_token(secret, "ab", "c", a);
    csrf_token(secret, "a", "bc", b);
    assert_string_not_equal(a, b);
    /* Missing, empty, truncated, extended, altered. */
    assert_false(csrf_check(secret, CSRF_PURPOSE_CONSENT, "req-123", NULL));
    assert_false(csrf_check(secret, CSRF_PURPOSE_CONSENT, "req-123", ""));
    char cut[CSRF_TOKEN_LEN + 1];
    memcpy(cut, t, CSRF_TOKEN_LEN - 1);
    cut[CSRF_TOKEN_LEN - 1] = '\0';
    assert_false(csrf_check(secret, CSRF_PURPOSE_CONSENT, "req-123", cut));
    char longer[CSRF_TOKEN_LEN + 3];
    memcpy(longer, t, CSRF_TOKEN_LEN);
    memcpy(longer + CSRF_TOKEN_LEN, "A", 2);
    assert_false(csrf_check(secret, CSRF_PURPOSE_CONSENT, "req-123", longer));
    for (int i = 0; i < CSRF_TOKEN_LEN; i++) {
        char alt[CSRF_TOKEN_LEN + 1];
        memcpy(alt, t, sizeof alt);
        alt[i] = alt[i] == 'A' ? 'B' : 'A';
        assert_false(csrf_check(secret, CSRF_PURPOSE_CONSENT, "req-123", alt));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answer),
        cmocka_unit_test(test_good_and_bad),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}

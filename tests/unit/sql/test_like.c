#include "sql/like.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

static int m(const char *s, const char *p, const char *esc)
{
    char err[200];
    return like_match(s, strlen(s), p, strlen(p), esc, esc ? strlen(esc) : 0, err, sizeof err);
}

static void test_match_table(void **state)
{
    (void)state;
    static const struct {
        const char *s, *p, *esc;
        int want;
    } cases[] = {
        {"", "", NULL, 1},
        {"", "%", NULL, 1},
        {"", "_", NULL, 0},
        {"abc", "abc", NULL, 1},
        {"abc", "ABC", NULL, 0},
        {"abc", "a%", NULL, 1},
        {"abc", "%c", NULL, 1},
        {"abc", "%b%", NULL, 1},
        {"abc", "a_c", NULL, 1},
        {"abc", "a__c", NULL, 0},
        {"abc", "___", NULL, 1},
        {"abc", "__", NULL, 0},
        {"abcabd", "%ab_", NULL, 1},
        {"abcab", "a%ab", NULL, 1},
        {"mississippi", "%iss%ppi", NULL, 1},
        {"mississippi", "m%s%s%i", NULL, 1},
        {"mississippi", "m%x%", NULL, 0},
        {"ab", "a%%%b", NULL, 1},
        {"héllo", "h_llo", NULL, 1},
        {"héllo", "h__llo", NULL, 0},
        {"日本語", "___", NULL, 1},
        {"日本語", "_本%", NULL, 1},
        {"😀x", "_x", NULL, 1},
        {"50%", "50!%", "!", 1},
        {"500", "50!%", "!", 0},
        {"a_b", "a!_b", "!", 1},
        {"axb", "a!_b", "!", 0},
        {"a!b", "a!!b", "!", 1},
        {"a%b", "a§%b", "§", 1},
        {"a\\b", "a\\b", NULL, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = m(cases[i].s, cases[i].p, cases[i].esc);
        if (got != cases[i].want)
            fail_msg("case %zu: '%s' LIKE '%s' = %d, want %d", i, cases[i].s, cases[i].p, got,
                     cases[i].want);
    }
}

static void test_bad_escapes(void **state)
{
    (void)state;
    char err[200];
    assert_int_equal(like_match("a", 1, "a", 1, "", 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "exactly one character"));
    assert_int_equal(like_match("a", 1, "a", 1, "ab", 2, err, sizeof err), -1);
    assert_int_equal(like_match("a", 1, "a!x", 3, "!", 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "byte 2"));
    assert_int_equal(like_match("a", 1, "a!", 2, "!", 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "ends with the escape"));
    /* No error buffer is fine. */
    assert_int_equal(like_match("a", 1, "a!", 2, "!", 1, NULL, 0), -1);
}

static void test_no_exponential_backtracking(void **state)
{
    (void)state;
    size_t n = 20000;
    char *s = malloc(n + 1);
    memset(s, 'a', n);
    s[n] = '\0';
    /* Would take forever with naive recursive backtracking. */
    assert_int_equal(m(s, "%a%a%a%a%a%a%a%a%a%a%b", NULL), 0);
    s[n - 1] = 'b';
    assert_int_equal(m(s, "%a%a%a%a%a%a%a%a%a%a%b", NULL), 1);
    free(s);
}

static void test_literal_prefix(void **state)
{
    (void)state;
    char *p = NULL;
    size_t len = 0;
    assert_true(like_literal_prefix("abc%", 4, NULL, 0, &p, &len));
    assert_string_equal(p, "abc");
    assert_int_equal(len, 3);
    free(p);
    assert_true(like_literal_prefix("a!%b%%", 6, "!", 1, &p, &len));
    assert_string_equal(p, "a%b");
    free(p);
    assert_true(like_literal_prefix("日本%", strlen("日本%"), NULL, 0, &p, &len));
    assert_string_equal(p, "日本");
    free(p);
    assert_false(like_literal_prefix("abc", 3, NULL, 0, &p, &len));
    assert_false(like_literal_prefix("%", 1, NULL, 0, &p, &len));
    assert_false(like_literal_prefix("a_c%", 4, NULL, 0, &p, &len));
    assert_false(like_literal_prefix("a%c", 3, NULL, 0, &p, &len));
    assert_false(like_literal_prefix("a!x%", 4, "!", 1, &p, &len));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_table),
        cmocka_unit_test(test_bad_escapes),
        cmocka_unit_test(test_no_exponential_backtracking),
        cmocka_unit_test(test_literal_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#include "core/base/alloc.h"
#include "core/base/secure.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

static void test_ct_memeq(void **state)
{
    (void)state;
    assert_true(ct_memeq("abc", 3, "abc", 3));
    assert_false(ct_memeq("abc", 3, "abd", 3));
    assert_false(ct_memeq("abc", 3, "xbc", 3));
    /* A prefix is not equal, whichever side is shorter. */
    assert_false(ct_memeq("abc", 3, "abcd", 4));
    assert_false(ct_memeq("abcd", 4, "abc", 3));
    assert_false(ct_memeq("", 0, "a", 1));
    assert_true(ct_memeq("", 0, "", 0));
    /* Bytes past the terminator take part: these are binary compares. */
    assert_false(ct_memeq("a\0b", 3, "a\0c", 3));
    assert_true(ct_memeq("a\0b", 3, "a\0b", 3));
    /* Trailing zero bytes must not make different lengths equal. */
    assert_false(ct_memeq("a\0", 2, "a", 1));
}

static void test_ct_streq(void **state)
{
    (void)state;
    assert_true(ct_streq("token", "token"));
    assert_false(ct_streq("token", "tokem"));
    assert_false(ct_streq("token", "toke"));
    assert_true(ct_streq("", ""));
    assert_false(ct_streq(NULL, "a"));
    assert_false(ct_streq("a", NULL));
    assert_false(ct_streq(NULL, NULL));
}

static void test_secure_wipe(void **state)
{
    (void)state;
    unsigned char b[16];
    memset(b, 0x5a, sizeof b);
    secure_wipe(b, 8);
    for (int i = 0; i < 8; i++)
        assert_int_equal(b[i], 0);
    for (int i = 8; i < 16; i++)
        assert_int_equal(b[i], 0x5a);
    secure_wipe(NULL, 10); /* tolerated */
    secure_free_str(NULL);
    secure_free_str(xstrdup("password"));
}

static bool all_lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static void test_random_hex_format(void **state)
{
    (void)state;
    char id[33];
    memset(id, 'X', sizeof id);
    random_hex(id, 16);
    assert_int_equal(strlen(id), 32);
    assert_true(all_lower_hex(id, 32));
    /* More than the internal 64-byte chunk. */
    char big[2 * 100 + 1];
    random_hex(big, 100);
    assert_int_equal(strlen(big), 200);
    assert_true(all_lower_hex(big, 200));
    char none[1] = {'X'};
    random_hex(none, 0);
    assert_int_equal(none[0], '\0');
}

static void test_random_hex_does_not_repeat(void **state)
{
    (void)state;
    /* 128-bit ids: any repeat among 200 means a broken generator. */
    enum { N = 200 };
    static char ids[N][33];
    for (int i = 0; i < N; i++) {
        random_hex(ids[i], 16);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(ids[i], ids[j]);
    }
}

static void test_random_bytes_fill(void **state)
{
    (void)state;
    /* The chance that 64 random bytes are all zero is 2^-512. */
    unsigned char b[64] = {0};
    random_bytes(b, sizeof b);
    int nonzero = 0;
    for (size_t i = 0; i < sizeof b; i++)
        nonzero += b[i] != 0;
    assert_true(nonzero > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ct_memeq),
        cmocka_unit_test(test_ct_streq),
        cmocka_unit_test(test_secure_wipe),
        cmocka_unit_test(test_random_hex_format),
        cmocka_unit_test(test_random_hex_does_not_repeat),
        cmocka_unit_test(test_random_bytes_fill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#include "sql/arena.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

static void test_allocations_are_zeroed_and_aligned(void **state)
{
    (void)state;
    sql_arena a;
    sql_arena_init(&a, 1 << 20);
    for (size_t n = 1; n < 200; n += 7) {
        unsigned char *p = sql_arena_alloc(&a, n);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(p[i], 0);
        memset(p, 0xAB, n); /* the next allocation must not overlap */
    }
    sql_arena_free(&a);
    assert_null(a.head);
    assert_int_equal(a.used, 0);
}

static void test_large_allocations_get_their_own_chunk(void **state)
{
    (void)state;
    sql_arena a;
    sql_arena_init(&a, 4 << 20);
    char *small = sql_arena_alloc(&a, 10);
    char *big = sql_arena_alloc(&a, 1 << 20);
    char *small2 = sql_arena_alloc(&a, 10);
    assert_non_null(small);
    assert_non_null(big);
    assert_non_null(small2);
    memset(big, 1, 1 << 20);
    assert_int_equal(small[0], 0);
    assert_int_equal(small2[0], 0);
    sql_arena_free(&a);
}

static void test_maximum_is_enforced(void **state)
{
    (void)state;
    sql_arena a;
    sql_arena_init(&a, 64);
    assert_non_null(sql_arena_alloc(&a, 48));
    assert_null(sql_arena_alloc(&a, 17)); /* rounds to 32: over */
    assert_non_null(sql_arena_alloc(&a, 16));
    assert_null(sql_arena_alloc(&a, 1));
    assert_null(sql_arena_alloc(&a, SIZE_MAX)); /* no overflow in the rounding */
    assert_null(sql_arena_strndup(&a, "x", 1));
    sql_arena_free(&a);
}

static void test_strndup_copies_and_terminates(void **state)
{
    (void)state;
    sql_arena a;
    sql_arena_init(&a, 1024);
    char *s = sql_arena_strndup(&a, "hello world", 5);
    assert_string_equal(s, "hello");
    char *e = sql_arena_strndup(&a, "", 0);
    assert_string_equal(e, "");
    sql_arena_free(&a);
    /* A freed arena can be used again. */
    assert_non_null(sql_arena_alloc(&a, 8));
    sql_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allocations_are_zeroed_and_aligned),
        cmocka_unit_test(test_large_allocations_get_their_own_chunk),
        cmocka_unit_test(test_maximum_is_enforced),
        cmocka_unit_test(test_strndup_copies_and_terminates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* op_subquery_keys: the distinct non-NULL values of an IN subquery. */
#include "sql/exec_ops.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "tests/unit/support/test_rows_op.h"

static void expect_keys(int width, const char *rows, const char *want)
{
    op_t *src = test_rows_op(width, rows);
    op_t *k = op_subquery_keys(subplan_new(src, false));
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    char *got = test_run_op(k, &ctx);
    assert_string_equal(got, want);
    free(got);
    /* A second open runs the subquery again and gives the same keys. */
    got = test_run_op(k, &ctx);
    assert_string_equal(got, want);
    assert_int_equal(test_rows_stats_of(src)->opens, 2);
    free(got);
    op_free(k);
}

static void test_distinct_in_first_seen_order(void **state)
{
    (void)state;
    expect_keys(1, "'b'; 'a'; 'b'; NULL; 'c'; 'a'", "'b';'a';'c'");
}

static void test_numbers_equal_by_value(void **state)
{
    (void)state;
    /* 1 and 1.0 are one key, as for IN. */
    expect_keys(1, "1; 1.0; 2; 2.5d", "1;2;2.5d");
}

static void test_first_column_only_and_empty(void **state)
{
    (void)state;
    expect_keys(2, "'x', 1; 'x', 2; 'y', 3", "'x';'y'");
    expect_keys(1, "", "");
    expect_keys(1, "NULL; NULL", "");
}

static void test_subquery_error(void **state)
{
    (void)state;
    op_t *src = test_rows_op(1, "'a'; 'b'; 'c'");
    test_rows_fail_at(src, 1);
    op_t *k = op_subquery_keys(subplan_new(src, false));
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    char *got = test_run_op(k, &ctx);
    assert_true(strncmp(got, "ERR: ", 5) == 0);
    free(got);
    op_free(k);
}

static void test_memory_limit(void **state)
{
    (void)state;
    op_t *src =
        test_rows_op(1, "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'; 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'; "
                        "'cccccccccccccccccccccccccccccc'");
    op_t *k = op_subquery_keys(subplan_new(src, false));
    exec_limits lim = {.max_memory_bytes = 64};
    exec_ctx ctx;
    exec_ctx_init(&ctx, &lim, 0);
    char *got = test_run_op(k, &ctx);
    assert_non_null(strstr(got, "IN subquery keys"));
    free(got);
    op_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distinct_in_first_seen_order),
        cmocka_unit_test(test_numbers_equal_by_value),
        cmocka_unit_test(test_first_column_only_and_empty),
        cmocka_unit_test(test_subquery_error),
        cmocka_unit_test(test_memory_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

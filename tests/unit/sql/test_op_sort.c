#include "sql/exec_ops.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "tests/unit/support/test_rows_op.h"

static exec_ctx ctx;

static int setup(void **state)
{
    (void)state;
    exec_ctx_init(&ctx, NULL, 0);
    return 0;
}

static void expect_rows(op_t *op, const char *want)
{
    char *got = test_run_op(op, &ctx);
    assert_string_equal(got, want);
    free(got);
    assert_int_equal(ctx.mem_used, 0);
}

/* keys: (column or computed expression, desc) pairs. */
static sort_key *keys(int n, ...)
{
    sort_key *k = xcalloc((size_t)n, sizeof *k);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        k[i].expr = va_arg(ap, bexpr *);
        k[i].desc = va_arg(ap, int);
    }
    va_end(ap);
    return k;
}

static void test_sort_ascending_nulls_first(void **state)
{
    (void)state;
    op_t *op = op_sort(test_rows_op(1, "3; NULL; 1; 2.5; -4; NULL"), keys(1, t_col(0), 0), 1, -1);
    expect_rows(op, "NULL;NULL;-4;1;2.5;3");
    op_free(op);
}

static void test_sort_descending_nulls_last(void **state)
{
    (void)state;
    op_t *op = op_sort(test_rows_op(1, "3; NULL; 1; 2.5; -4"), keys(1, t_col(0), 1), 1, -1);
    expect_rows(op, "3;2.5;1;-4;NULL");
    op_free(op);
}

static void test_sort_mixed_types_by_value_order(void **state)
{
    (void)state;
    op_t *op = op_sort(test_rows_op(1, "'b'; 2; true; 1.5d; 'a'; false; NULL"),
                       keys(1, t_col(0), 0), 1, -1);
    expect_rows(op, "NULL;false;true;1.5d;2;'a';'b'");
    op_free(op);
}

static void test_sort_is_stable_and_multi_key(void **state)
{
    (void)state;
    const char *rows = "1,'x',1; 2,'y',2; 1,'y',3; 2,'x',4; 1,'x',5; 2,'y',6; 1,'y',7";
    /* One key: equal keys keep their input order. */
    op_t *op = op_sort(test_rows_op(3, rows), keys(1, t_col(0), 1), 1, -1);
    expect_rows(op, "2,'y',2;2,'x',4;2,'y',6;1,'x',1;1,'y',3;1,'x',5;1,'y',7");
    op_free(op);
    /* Two keys, mixed directions. */
    op = op_sort(test_rows_op(3, rows), keys(2, t_col(1), 0, t_col(0), 1), 2, -1);
    expect_rows(op, "2,'x',4;1,'x',1;1,'x',5;2,'y',2;2,'y',6;1,'y',3;1,'y',7");
    op_free(op);
}

static void test_sort_computed_key(void **state)
{
    (void)state;
    /* ORDER BY -a, with the key stored after the row's columns. */
    op_t *op = op_sort(test_rows_op(2, "1,'a'; 3,'b'; 2,'c'"),
                       keys(1, t_bin(SQL_OP_SUB, t_const("0"), t_col(0)), 0), 1, -1);
    assert_int_equal(op->width, 2);
    expect_rows(op, "3,'b';2,'c';1,'a'");
    /* Re-open: same result. */
    expect_rows(op, "3,'b';2,'c';1,'a'");
    op_free(op);
}

static void test_sort_key_error(void **state)
{
    (void)state;
    op_t *op = op_sort(test_rows_op(1, "1; 0; 2"),
                       keys(1, t_bin(SQL_OP_DIV, t_const("1"), t_col(0)), 0), 1, -1);
    char *got = test_run_op(op, &ctx);
    assert_non_null(strstr(got, "division by zero"));
    free(got);
    assert_int_equal(ctx.mem_used, 0);
    op_free(op);
    /* Same under top-N. */
    exec_ctx_init(&ctx, NULL, 0);
    op = op_sort(test_rows_op(1, "1; 0; 2"), keys(1, t_bin(SQL_OP_DIV, t_const("1"), t_col(0)), 0),
                 1, 2);
    got = test_run_op(op, &ctx);
    assert_non_null(strstr(got, "division by zero"));
    free(got);
    op_free(op);
}

static void test_sort_empty_and_child_error(void **state)
{
    (void)state;
    op_t *op = op_sort(test_rows_op(1, ""), keys(1, t_col(0), 0), 1, -1);
    expect_rows(op, "");
    op_free(op);
    op = op_sort(test_rows_op(1, ""), keys(1, t_col(0), 0), 1, 5);
    expect_rows(op, "");
    op_free(op);
    op_t *src = test_rows_op(1, "1; 2; 3");
    test_rows_fail_at(src, 2);
    op = op_sort(src, keys(1, t_col(0), 0), 1, -1);
    char *got = test_run_op(op, &ctx);
    assert_string_equal(got, "ERR: test source failed at row 2");
    free(got);
    assert_int_equal(ctx.mem_used, 0);
    op_free(op);
}

static void test_topn_keeps_earliest_ties(void **state)
{
    (void)state;
    op_t *op = op_sort(test_rows_op(2, "1,'a'; 0,'b'; 1,'c'; 0,'d'; 1,'e'; 0,'f'"),
                       keys(1, t_col(0), 0), 1, 2);
    expect_rows(op, "0,'b';0,'d'");
    op_free(op);
    op = op_sort(test_rows_op(2, "1,'a'; 0,'b'; 1,'c'; 0,'d'; 1,'e'; 0,'f'"), keys(1, t_col(0), 1),
                 1, 4);
    expect_rows(op, "1,'a';1,'c';1,'e';0,'b'");
    op_free(op);
}

static void test_topn_zero_never_opens_child(void **state)
{
    (void)state;
    op_t *src = test_rows_op(1, "1; 2");
    op_t *op = op_sort(src, keys(1, t_col(0), 0), 1, 0);
    expect_rows(op, "");
    assert_int_equal(test_rows_stats_of(src)->opens, 0);
    op_free(op);
}

/* Deterministic data with many ties and NULLs: "k,'p',i" rows. */
static char *random_rows(unsigned seed, int n)
{
    buf_t b = BUF_INIT(1 << 20);
    uint32_t x = seed * 2654435761u + 1;
    for (int i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        uint32_t r = x >> 16;
        if (i)
            buf_putc(&b, ';');
        if (r % 11 == 0)
            buf_printf(&b, "NULL,'p%u',%d", r % 3, i);
        else
            buf_printf(&b, "%u,'p%u',%d", r % 17, r % 3, i);
    }
    return buf_steal(&b);
}

static void test_topn_equals_sort_then_limit(void **state)
{
    (void)state;
    static const int64_t ns[] = {1, 2, 3, 7, 50, 199, 200, 201, 1000};
    for (unsigned seed = 1; seed <= 4; seed++) {
        char *rows = random_rows(seed, 200);
        for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
            for (int desc = 0; desc <= 1; desc++) {
                op_t *full = op_limit(
                    op_sort(test_rows_op(3, rows), keys(2, t_col(1), 0, t_col(0), desc), 2, -1),
                    ns[t], 0);
                op_t *top =
                    op_sort(test_rows_op(3, rows), keys(2, t_col(1), 0, t_col(0), desc), 2, ns[t]);
                char *a = test_run_op(full, &ctx);
                char *b = test_run_op(top, &ctx);
                assert_string_equal(a, b);
                assert_int_equal(ctx.mem_used, 0);
                free(a);
                free(b);
                op_free(full);
                op_free(top);
            }
        }
        free(rows);
    }
}

static void test_memory_limit(void **state)
{
    (void)state;
    char *rows = random_rows(7, 2000);
    exec_limits lim = {.max_memory_bytes = 64 * 1024};
    exec_ctx_init(&ctx, &lim, 0);
    op_t *op = op_sort(test_rows_op(3, rows), keys(1, t_col(0), 0), 1, -1);
    char *got = test_run_op(op, &ctx);
    assert_int_equal(ctx.err_kind, EXEC_ERR_MEMORY);
    assert_non_null(strstr(got, "memory limit"));
    assert_non_null(strstr(got, "Sort"));
    assert_int_equal(ctx.mem_used, 0);
    free(got);
    op_free(op);

    /* Top-N holds only topn rows: the same input fits. */
    exec_ctx_init(&ctx, &lim, 0);
    op = op_sort(test_rows_op(3, rows), keys(1, t_col(0), 0), 1, 10);
    got = test_run_op(op, &ctx);
    assert_int_equal(ctx.err_kind, EXEC_OK);
    assert_true(ctx.mem_peak > 0);
    assert_true(ctx.mem_peak < 16 * 1024);
    assert_int_equal(ctx.mem_used, 0);
    free(got);
    op_free(op);
    free(rows);
}

static void test_memory_released_on_early_close(void **state)
{
    (void)state;
    op_t *op = op_sort(test_rows_op(1, "3;1;2"), keys(1, t_col(0), 0), 1, -1);
    assert_true(op_open(op, &ctx));
    assert_true(ctx.mem_used > 0);
    value_t row[1];
    assert_int_equal(op_next(op, &ctx, row), 1);
    row_free(row, 1);
    op_close(op);
    assert_int_equal(ctx.mem_used, 0);
    op_close(op);
    op_free(op);
}

static void test_explain(void **state)
{
    (void)state;
    op_t *op = op_sort(test_rows_op(2, ""), keys(2, t_col(0), 0, t_col(1), 1), 2, 10);
    buf_t b = BUF_INIT(1024);
    op_explain(op, &b, 0);
    assert_string_equal(buf_cstr(&b), "Sort (keys: 2, top 10)\n  TestRows (rows: 0)\n");
    op_free(op);
    buf_reset(&b);
    op = op_sort(test_rows_op(2, ""), keys(1, t_col(0), 0), 1, -1);
    op_explain(op, &b, 1);
    assert_string_equal(buf_cstr(&b), "  Sort (keys: 1)\n    TestRows (rows: 0)\n");
    op_free(op);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_sort_ascending_nulls_first, setup),
        cmocka_unit_test_setup(test_sort_descending_nulls_last, setup),
        cmocka_unit_test_setup(test_sort_mixed_types_by_value_order, setup),
        cmocka_unit_test_setup(test_sort_is_stable_and_multi_key, setup),
        cmocka_unit_test_setup(test_sort_computed_key, setup),
        cmocka_unit_test_setup(test_sort_key_error, setup),
        cmocka_unit_test_setup(test_sort_empty_and_child_error, setup),
        cmocka_unit_test_setup(test_topn_keeps_earliest_ties, setup),
        cmocka_unit_test_setup(test_topn_zero_never_opens_child, setup),
        cmocka_unit_test_setup(test_topn_equals_sort_then_limit, setup),
        cmocka_unit_test_setup(test_memory_limit, setup),
        cmocka_unit_test_setup(test_memory_released_on_early_close, setup),
        cmocka_unit_test_setup(test_explain, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

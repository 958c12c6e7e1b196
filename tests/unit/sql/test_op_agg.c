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

/* (kind, argument or NULL, distinct) triples; positions are column 10 + i. */
static agg_spec *aggs(int n, ...)
{
    agg_spec *a = xcalloc((size_t)n, sizeof *a);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        a[i].kind = (agg_kind)va_arg(ap, int);
        a[i].arg = va_arg(ap, bexpr *);
        a[i].distinct = va_arg(ap, int);
        a[i].pos = (sql_pos){1, 10 + i, (size_t)(9 + i)};
    }
    va_end(ap);
    return a;
}

static op_t *all_six(op_t *child)
{
    return op_hash_agg(child, NULL, 0,
                       aggs(6, AGG_COUNT_STAR, NULL, 0, AGG_COUNT, t_col(0), 0, AGG_SUM, t_col(0),
                            0, AGG_AVG, t_col(0), 0, AGG_MIN, t_col(0), 0, AGG_MAX, t_col(0), 0),
                       6);
}

static void test_no_groups_empty_input_gives_one_row(void **state)
{
    (void)state;
    op_t *op = all_six(test_rows_op(1, ""));
    assert_int_equal(op->width, 6);
    expect_rows(op, "0,0,NULL,NULL,NULL,NULL");
    /* Re-open: the same single row again. */
    expect_rows(op, "0,0,NULL,NULL,NULL,NULL");
    op_free(op);
    op = all_six(test_rows_op(1, "NULL; NULL"));
    expect_rows(op, "2,0,NULL,NULL,NULL,NULL");
    op_free(op);
}

static void test_basic_aggregates(void **state)
{
    (void)state;
    op_t *op = all_six(test_rows_op(1, "3; NULL; 1.50; -2; 10"));
    expect_rows(op, "5,4,12.50,3.125,-2,10");
    op_free(op);
}

static void test_avg_is_exact_decimal(void **state)
{
    (void)state;
    op_t *op = op_hash_agg(test_rows_op(1, "1; 2"), NULL, 0, aggs(1, AGG_AVG, t_col(0), 0), 1);
    expect_rows(op, "1.5");
    op_free(op);
    op = op_hash_agg(test_rows_op(1, "1; 2; 2"), NULL, 0, aggs(1, AGG_AVG, t_col(0), 0), 1);
    expect_rows(op, "1.6666666666666666666666666666666666667");
    op_free(op);
    op = op_hash_agg(test_rows_op(1, "0.1; 0.2"), NULL, 0, aggs(1, AGG_SUM, t_col(0), 0), 1);
    expect_rows(op, "0.3");
    op_free(op);
}

static void test_double_input_makes_double(void **state)
{
    (void)state;
    op_t *op = op_hash_agg(test_rows_op(1, "1; 0.5d; 2"), NULL, 0,
                           aggs(2, AGG_SUM, t_col(0), 0, AGG_AVG, t_col(0), 0), 2);
    expect_rows(op, "3.5d,1.1666666666666667d");
    op_free(op);
}

static void test_sum_of_string_is_error(void **state)
{
    (void)state;
    op_t *op = op_hash_agg(test_rows_op(1, "1; 'x'"), NULL, 0,
                           aggs(2, AGG_COUNT, t_col(0), 0, AGG_AVG, t_col(0), 0), 2);
    char *got = test_run_op(op, &ctx);
    assert_non_null(strstr(got, "ERR: line 1, column 11: AVG needs numbers, got STRING"));
    assert_non_null(strstr(got, "CAST"));
    free(got);
    assert_int_equal(ctx.mem_used, 0);
    op_free(op);

    exec_ctx_init(&ctx, NULL, 0);
    op = op_hash_agg(test_rows_op(1, "true"), NULL, 0, aggs(1, AGG_SUM, t_col(0), 0), 1);
    got = test_run_op(op, &ctx);
    assert_non_null(strstr(got, "line 1, column 10: SUM needs numbers, got BOOLEAN"));
    free(got);
    op_free(op);
}

static void test_sum_overflow_is_error(void **state)
{
    (void)state;
    op_t *op =
        op_hash_agg(test_rows_op(1, "9E+125; 9E+125"), NULL, 0, aggs(1, AGG_SUM, t_col(0), 0), 1);
    char *got = test_run_op(op, &ctx);
    assert_non_null(strstr(got, "ERR: line 1, column 10: SUM left the exact number range"));
    assert_non_null(strstr(got, "after 2 values"));
    free(got);
    op_free(op);
}

static void test_min_max_any_type(void **state)
{
    (void)state;
    op_t *op = op_hash_agg(test_rows_op(1, "'pear'; NULL; 'apple'; 'zoo'"), NULL, 0,
                           aggs(2, AGG_MIN, t_col(0), 0, AGG_MAX, t_col(0), 0), 2);
    expect_rows(op, "'apple','zoo'");
    op_free(op);
    /* Mixed types follow value_order: numbers before strings. */
    op = op_hash_agg(test_rows_op(1, "'a'; 5; 2.5d"), NULL, 0,
                     aggs(2, AGG_MIN, t_col(0), 0, AGG_MAX, t_col(0), 0), 2);
    expect_rows(op, "2.5d,'a'");
    op_free(op);
}

static void test_group_by_first_appearance_and_nulls(void **state)
{
    (void)state;
    op_t *src = test_rows_op(2, "'b',1; NULL,2; 'a',3; 'b',4; NULL,5; 'a',NULL; 'c',7");
    op_t *op = op_hash_agg(src, t_exprs(1, t_col(0)), 1,
                           aggs(2, AGG_COUNT_STAR, NULL, 0, AGG_SUM, t_col(1), 0), 2);
    assert_int_equal(op->width, 3);
    expect_rows(op, "'b',2,5;NULL,2,7;'a',2,3;'c',1,7");
    op_free(op);
}

static void test_group_keys_equal_across_scales(void **state)
{
    (void)state;
    /* 1, 1.0 and the double 1.0 are one group (value_equal); the key is the
       first one seen. Strings never equal numbers. */
    op_t *op = op_hash_agg(test_rows_op(1, "1; 1.0; '1'; 1.0d; 2"), t_exprs(1, t_col(0)), 1,
                           aggs(1, AGG_COUNT_STAR, NULL, 0), 1);
    expect_rows(op, "1,3;'1',1;2,1");
    op_free(op);
}

static void test_group_by_two_keys_and_expression(void **state)
{
    (void)state;
    op_t *src = test_rows_op(3, "1,'x',10; 2,'x',20; 3,'y',30; 4,'x',40; 5,'y',50; 6,'y',60");
    /* GROUP BY a % 2, b */
    op_t *op = op_hash_agg(src, t_exprs(2, t_bin(SQL_OP_MOD, t_col(0), t_const("2")), t_col(1)), 2,
                           aggs(2, AGG_MAX, t_col(2), 0, AGG_MIN, t_col(0), 0), 2);
    expect_rows(op, "1,'x',10,1;0,'x',40,2;1,'y',50,3;0,'y',60,6");
    op_free(op);
}

static void test_distinct_aggregates(void **state)
{
    (void)state;
    op_t *src = test_rows_op(2, "'g',1; 'g',1.0; 'g',2; 'h',2; 'g',NULL; 'h',2; 'h',3; 'g',2");
    op_t *op = op_hash_agg(src, t_exprs(1, t_col(0)), 1,
                           aggs(5, AGG_COUNT, t_col(1), 1, AGG_SUM, t_col(1), 1, AGG_COUNT,
                                t_col(1), 0, AGG_AVG, t_col(1), 1, AGG_MAX, t_col(1), 1),
                           5);
    /* g: distinct {1, 2} (1.0 equals 1); h: distinct {2, 3}. */
    expect_rows(op, "'g',2,3,4,1.5,2;'h',2,5,3,2.5,3");
    op_free(op);
}

static void test_group_key_error(void **state)
{
    (void)state;
    op_t *op =
        op_hash_agg(test_rows_op(1, "1; 0"), t_exprs(1, t_bin(SQL_OP_DIV, t_const("1"), t_col(0))),
                    1, aggs(1, AGG_COUNT_STAR, NULL, 0), 1);
    char *got = test_run_op(op, &ctx);
    assert_non_null(strstr(got, "division by zero"));
    free(got);
    assert_int_equal(ctx.mem_used, 0);
    op_free(op);
}

static void test_child_error(void **state)
{
    (void)state;
    op_t *src = test_rows_op(1, "1;2;3");
    test_rows_fail_at(src, 1);
    op_t *op = op_hash_agg(src, t_exprs(1, t_col(0)), 1, aggs(1, AGG_COUNT_STAR, NULL, 0), 1);
    char *got = test_run_op(op, &ctx);
    assert_string_equal(got, "ERR: test source failed at row 1");
    free(got);
    assert_int_equal(ctx.mem_used, 0);
    op_free(op);
}

static void test_many_groups_and_memory_limit(void **state)
{
    (void)state;
    buf_t b = BUF_INIT(1 << 20);
    for (int i = 0; i < 3000; i++)
        buf_printf(&b, "%s%d,%d", i ? ";" : "", i % 1000, i);
    op_t *op = op_hash_agg(test_rows_op(2, buf_cstr(&b)), t_exprs(1, t_col(0)), 1,
                           aggs(2, AGG_COUNT_STAR, NULL, 0, AGG_SUM, t_col(1), 0), 2);
    assert_true(op_open(op, &ctx));
    value_t row[3];
    for (int g = 0; g < 1000; g++) {
        assert_int_equal(op_next(op, &ctx, row), 1);
        char *k = test_value_text(&row[0]), *c = test_value_text(&row[1]),
             *s = test_value_text(&row[2]);
        char want[32];
        snprintf(want, sizeof want, "%d", g);
        assert_string_equal(k, want);
        assert_string_equal(c, "3");
        snprintf(want, sizeof want, "%d", 3 * g + 3000);
        assert_string_equal(s, want);
        free(k);
        free(c);
        free(s);
        row_free(row, 3);
    }
    assert_int_equal(op_next(op, &ctx, row), 0);
    op_close(op);
    assert_int_equal(ctx.mem_used, 0);

    exec_limits lim = {.max_memory_bytes = 32 * 1024};
    exec_ctx_init(&ctx, &lim, 0);
    char *got = test_run_op(op, &ctx);
    assert_int_equal(ctx.err_kind, EXEC_ERR_MEMORY);
    assert_non_null(strstr(got, "HashAggregate"));
    assert_int_equal(ctx.mem_used, 0);
    free(got);
    op_free(op);
    buf_free(&b);
}

static void test_explain(void **state)
{
    (void)state;
    op_t *op = op_hash_agg(test_rows_op(2, ""), t_exprs(1, t_col(0)), 1,
                           aggs(2, AGG_COUNT_STAR, NULL, 0, AGG_SUM, t_col(1), 0), 2);
    buf_t b = BUF_INIT(1024);
    op_explain(op, &b, 0);
    assert_string_equal(buf_cstr(&b),
                        "HashAggregate (groups: 1, aggregates: 2)\n  TestRows (rows: 0)\n");
    buf_free(&b);
    op_free(op);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_no_groups_empty_input_gives_one_row, setup),
        cmocka_unit_test_setup(test_basic_aggregates, setup),
        cmocka_unit_test_setup(test_avg_is_exact_decimal, setup),
        cmocka_unit_test_setup(test_double_input_makes_double, setup),
        cmocka_unit_test_setup(test_sum_of_string_is_error, setup),
        cmocka_unit_test_setup(test_sum_overflow_is_error, setup),
        cmocka_unit_test_setup(test_min_max_any_type, setup),
        cmocka_unit_test_setup(test_group_by_first_appearance_and_nulls, setup),
        cmocka_unit_test_setup(test_group_keys_equal_across_scales, setup),
        cmocka_unit_test_setup(test_group_by_two_keys_and_expression, setup),
        cmocka_unit_test_setup(test_distinct_aggregates, setup),
        cmocka_unit_test_setup(test_group_key_error, setup),
        cmocka_unit_test_setup(test_child_error, setup),
        cmocka_unit_test_setup(test_many_groups_and_memory_limit, setup),
        cmocka_unit_test_setup(test_explain, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

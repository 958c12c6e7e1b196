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

/* Left and right operands shared by the cases: (x, y) rows with
 * duplicates and NULLs. */
#define L "1,'a'; 1,'a'; 1,'a'; 2,NULL; 2,NULL; 3,'c'; NULL,NULL"
#define R "1,'a'; 1.0,'a'; 2,NULL; 4,'d'; NULL,NULL; NULL,NULL"

static void check(sql_setop kind, bool all, const char *left, const char *right, const char *want)
{
    op_t *op = op_setop(test_rows_op(2, left), test_rows_op(2, right), kind, all);
    expect_rows(op, want);
    /* Re-open after close: the same again. */
    expect_rows(op, want);
    op_free(op);
}

static void test_union(void **state)
{
    (void)state;
    check(SQL_UNION, true, L, R,
          "1,'a';1,'a';1,'a';2,NULL;2,NULL;3,'c';NULL,NULL;1,'a';1.0,'a';2,NULL;4,'d';NULL,"
          "NULL;NULL,NULL");
    check(SQL_UNION, false, L, R, "1,'a';2,NULL;3,'c';NULL,NULL;4,'d'");
}

static void test_intersect(void **state)
{
    (void)state;
    /* ALL: min of the multiplicities (1,'a': 3 vs 2). */
    check(SQL_INTERSECT, true, L, R, "1,'a';1,'a';2,NULL;NULL,NULL");
    check(SQL_INTERSECT, false, L, R, "1,'a';2,NULL;NULL,NULL");
}

static void test_except(void **state)
{
    (void)state;
    /* ALL: left multiplicity minus right's (1,'a': 3 - 2 = 1). */
    check(SQL_EXCEPT, true, L, R, "1,'a';2,NULL;3,'c'");
    check(SQL_EXCEPT, false, L, R, "3,'c'");
    check(SQL_EXCEPT, false, "5,1; 6,1; 5,1; NULL,1; NULL,1", "6,1", "5,1;NULL,1");
}

static void test_empty_sides(void **state)
{
    (void)state;
    check(SQL_UNION, false, "", "", "");
    check(SQL_UNION, true, "", "1,'a'", "1,'a'");
    check(SQL_INTERSECT, false, L, "", "");
    check(SQL_INTERSECT, true, "", R, "");
    check(SQL_EXCEPT, true, "1,'a'; 1,'a'", "", "1,'a';1,'a'");
    check(SQL_EXCEPT, false, "1,'a'; 1,'a'", "", "1,'a'");
    check(SQL_EXCEPT, false, "", R, "");
}

static void test_strings_are_not_numbers(void **state)
{
    (void)state;
    op_t *op = op_setop(test_rows_op(1, "1; '1'; 1.00"), test_rows_op(1, "'1'"), SQL_EXCEPT, false);
    expect_rows(op, "1");
    op_free(op);
}

static void test_errors_propagate(void **state)
{
    (void)state;
    op_t *right = test_rows_op(2, R);
    test_rows_fail_at(right, 3);
    op_t *op = op_setop(test_rows_op(2, L), right, SQL_INTERSECT, false);
    char *got = test_run_op(op, &ctx);
    assert_string_equal(got, "ERR: test source failed at row 3");
    free(got);
    assert_int_equal(ctx.mem_used, 0);
    op_free(op);

    exec_ctx_init(&ctx, NULL, 0);
    right = test_rows_op(2, R);
    test_rows_fail_at(right, 0);
    op = op_setop(test_rows_op(2, L), right, SQL_UNION, true);
    got = test_run_op(op, &ctx);
    assert_string_equal(got, "ERR: test source failed at row 0");
    free(got);
    op_free(op);
}

static void test_distinct(void **state)
{
    (void)state;
    op_t *op = op_distinct(test_rows_op(2, L));
    expect_rows(op, "1,'a';2,NULL;3,'c';NULL,NULL");
    expect_rows(op, "1,'a';2,NULL;3,'c';NULL,NULL");
    op_free(op);
    op = op_distinct(test_rows_op(1, "1; 1.0; 1.0d; '1'; true; 1"));
    expect_rows(op, "1;'1';true");
    op_free(op);
    op = op_distinct(test_rows_op(1, ""));
    expect_rows(op, "");
    op_free(op);
    op = op_distinct(test_rows_op(0, "(); ()"));
    expect_rows(op, "()");
    op_free(op);
}

static void test_memory_limit(void **state)
{
    (void)state;
    buf_t b = BUF_INIT(1 << 20);
    for (int i = 0; i < 2000; i++)
        buf_printf(&b, "%s%d", i ? ";" : "", i);
    exec_limits lim = {.max_memory_bytes = 32 * 1024};

    exec_ctx_init(&ctx, &lim, 0);
    op_t *op = op_distinct(test_rows_op(1, buf_cstr(&b)));
    char *got = test_run_op(op, &ctx);
    assert_int_equal(ctx.err_kind, EXEC_ERR_MEMORY);
    assert_non_null(strstr(got, "Distinct"));
    assert_int_equal(ctx.mem_used, 0);
    free(got);
    op_free(op);

    exec_ctx_init(&ctx, &lim, 0);
    op = op_setop(test_rows_op(1, "1"), test_rows_op(1, buf_cstr(&b)), SQL_EXCEPT, true);
    got = test_run_op(op, &ctx);
    assert_int_equal(ctx.err_kind, EXEC_ERR_MEMORY);
    assert_non_null(strstr(got, "set operation"));
    assert_int_equal(ctx.mem_used, 0);
    free(got);
    op_free(op);

    /* UNION ALL holds nothing. */
    exec_ctx_init(&ctx, &lim, 0);
    op = op_setop(test_rows_op(1, buf_cstr(&b)), test_rows_op(1, buf_cstr(&b)), SQL_UNION, true);
    got = test_run_op(op, &ctx);
    assert_int_equal(ctx.err_kind, EXEC_OK);
    assert_int_equal(ctx.mem_peak, 0);
    free(got);
    op_free(op);
    buf_free(&b);
}

static void test_explain(void **state)
{
    (void)state;
    op_t *op = op_setop(test_rows_op(1, "1"), op_distinct(test_rows_op(1, "")), SQL_EXCEPT, true);
    buf_t b = BUF_INIT(1024);
    op_explain(op, &b, 0);
    assert_string_equal(buf_cstr(&b), "SetOp EXCEPT ALL\n"
                                      "  TestRows (rows: 1)\n"
                                      "  Distinct\n"
                                      "    TestRows (rows: 0)\n");
    buf_free(&b);
    op_free(op);
    op = op_setop(test_rows_op(1, ""), test_rows_op(1, ""), SQL_INTERSECT, false);
    b = (buf_t)BUF_INIT(1024);
    op_explain(op, &b, 0);
    assert_string_equal(buf_cstr(&b), "SetOp INTERSECT\n"
                                      "  TestRows (rows: 0)\n"
                                      "  TestRows (rows: 0)\n");
    buf_free(&b);
    op_free(op);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_union, setup),
        cmocka_unit_test_setup(test_intersect, setup),
        cmocka_unit_test_setup(test_except, setup),
        cmocka_unit_test_setup(test_empty_sides, setup),
        cmocka_unit_test_setup(test_strings_are_not_numbers, setup),
        cmocka_unit_test_setup(test_errors_propagate, setup),
        cmocka_unit_test_setup(test_distinct, setup),
        cmocka_unit_test_setup(test_memory_limit, setup),
        cmocka_unit_test_setup(test_explain, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

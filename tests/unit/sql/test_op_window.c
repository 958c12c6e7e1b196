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

/* One spec: PARTITION BY the given columns (-1 ends), ORDER BY the given
 * columns (negative = descending, written -(col + 1)). */
static win_spec spec(win_kind kind, bexpr *arg, int np, const int *part, int no, const int *ord)
{
    win_spec s = {0};
    s.kind = kind;
    s.arg = arg;
    s.pos = (sql_pos){2, 5, 20};
    s.npartition = np;
    s.partition = np ? xcalloc((size_t)np, sizeof *s.partition) : NULL;
    for (int i = 0; i < np; i++)
        s.partition[i] = t_col(part[i]);
    s.norder = no;
    s.order = no ? xcalloc((size_t)no, sizeof *s.order) : NULL;
    for (int i = 0; i < no; i++) {
        s.order[i].desc = ord[i] < 0;
        s.order[i].expr = t_col(ord[i] < 0 ? -ord[i] - 1 : ord[i]);
    }
    return s;
}

static win_spec *specs(int n, ...)
{
    win_spec *v = xcalloc((size_t)n, sizeof *v);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        v[i] = va_arg(ap, win_spec);
    va_end(ap);
    return v;
}

static const int P0[] = {0};
static const int O1[] = {1};
static const int O1D[] = {-2};

static void test_ranking_with_peers(void **state)
{
    (void)state;
    /* (g, x): ORDER BY x within PARTITION BY g. */
    op_t *src = test_rows_op(2, "'a',10; 'b',5; 'a',20; 'a',10; 'b',5; 'a',30; 'b',NULL");
    win_spec *s =
        specs(3, spec(WIN_ROW_NUMBER, NULL, 1, P0, 1, O1), spec(WIN_RANK, NULL, 1, P0, 1, O1),
              spec(WIN_DENSE_RANK, NULL, 1, P0, 1, O1));
    op_t *op = op_window(src, s, 3);
    assert_int_equal(op->width, 5);
    /* Rows grouped by partition, in window order; ties keep input order. */
    expect_rows(op, "'a',10,1,1,1;'a',10,2,1,1;'a',20,3,3,2;'a',30,4,4,3;"
                    "'b',NULL,1,1,1;'b',5,2,2,2;'b',5,3,2,2");
    /* Re-open computes the same again. */
    expect_rows(op, "'a',10,1,1,1;'a',10,2,1,1;'a',20,3,3,2;'a',30,4,4,3;"
                    "'b',NULL,1,1,1;'b',5,2,2,2;'b',5,3,2,2");
    op_free(op);
}

static void test_running_aggregates_include_peers(void **state)
{
    (void)state;
    op_t *src = test_rows_op(2, "'a',1; 'a',2; 'a',2; 'a',3; 'a',NULL");
    win_spec *s =
        specs(5, spec(WIN_SUM, t_col(1), 1, P0, 1, O1), spec(WIN_COUNT, t_col(1), 1, P0, 1, O1),
              spec(WIN_COUNT_STAR, NULL, 1, P0, 1, O1), spec(WIN_MAX, t_col(1), 1, P0, 1, O1),
              spec(WIN_AVG, t_col(1), 1, P0, 1, O1));
    op_t *op = op_window(src, s, 5);
    /* NULL sorts first: its frame holds only itself (SUM NULL, COUNT 0). */
    expect_rows(op, "'a',NULL,NULL,0,1,NULL,NULL;"
                    "'a',1,1,1,2,1,1;"
                    "'a',2,5,3,4,2,1.6666666666666666666666666666666666667;"
                    "'a',2,5,3,4,2,1.6666666666666666666666666666666666667;"
                    "'a',3,8,4,5,3,2");
    op_free(op);
}

static void test_descending_order_frame(void **state)
{
    (void)state;
    op_t *src = test_rows_op(2, "'a',1; 'a',3; 'a',2; 'a',3");
    win_spec *s =
        specs(2, spec(WIN_SUM, t_col(1), 1, P0, 1, O1D), spec(WIN_MIN, t_col(1), 1, P0, 1, O1D));
    op_t *op = op_window(src, s, 2);
    expect_rows(op, "'a',3,6,3;'a',3,6,3;'a',2,8,2;'a',1,9,1");
    op_free(op);
}

static void test_whole_partition_without_order(void **state)
{
    (void)state;
    op_t *src = test_rows_op(2, "'x',1; 'y',10; 'x',2; 'y',NULL; 'x',3");
    win_spec *s =
        specs(3, spec(WIN_SUM, t_col(1), 1, P0, 0, NULL), spec(WIN_COUNT, t_col(1), 1, P0, 0, NULL),
              spec(WIN_ROW_NUMBER, NULL, 1, P0, 0, NULL));
    op_t *op = op_window(src, s, 3);
    expect_rows(op, "'x',1,6,3,1;'x',2,6,3,2;'x',3,6,3,3;'y',10,10,1,1;'y',NULL,10,1,2");
    op_free(op);
    /* No partition, no order: one frame over everything, input order. */
    src = test_rows_op(1, "3; 1; 2");
    s = specs(1, spec(WIN_MIN, t_col(0), 0, NULL, 0, NULL));
    op = op_window(src, s, 1);
    expect_rows(op, "3,1;1,1;2,1");
    op_free(op);
}

static void test_specs_with_different_windows(void **state)
{
    (void)state;
    /* (g, x). Spec 0: ROW_NUMBER() OVER (ORDER BY x DESC); spec 1:
       SUM(x) OVER (PARTITION BY g). Output follows spec 0's order. */
    op_t *src = test_rows_op(2, "'a',1; 'b',4; 'a',3; 'b',2");
    win_spec *s = specs(2, spec(WIN_ROW_NUMBER, NULL, 0, NULL, 1, O1D),
                        spec(WIN_SUM, t_col(1), 1, P0, 0, NULL));
    op_t *op = op_window(src, s, 2);
    expect_rows(op, "'b',4,1,6;'a',3,2,4;'b',2,3,6;'a',1,4,4");
    op_free(op);
}

static void test_empty_input(void **state)
{
    (void)state;
    win_spec *s = specs(1, spec(WIN_RANK, NULL, 1, P0, 1, O1));
    op_t *op = op_window(test_rows_op(2, ""), s, 1);
    expect_rows(op, "");
    op_free(op);
}

static void test_errors(void **state)
{
    (void)state;
    win_spec *s = specs(1, spec(WIN_SUM, t_col(1), 1, P0, 0, NULL));
    op_t *op = op_window(test_rows_op(2, "'a',1; 'a','x'"), s, 1);
    char *got = test_run_op(op, &ctx);
    assert_non_null(strstr(got, "ERR: line 2, column 5: SUM needs numbers, got STRING"));
    free(got);
    assert_int_equal(ctx.mem_used, 0);
    op_free(op);

    exec_ctx_init(&ctx, NULL, 0);
    s = specs(1, spec(WIN_ROW_NUMBER, NULL, 0, NULL, 0, NULL));
    s[0].partition = xcalloc(1, sizeof *s[0].partition);
    s[0].partition[0] = t_bin(SQL_OP_DIV, t_const("1"), t_col(0));
    s[0].npartition = 1;
    op = op_window(test_rows_op(1, "1; 0"), s, 1);
    got = test_run_op(op, &ctx);
    assert_non_null(strstr(got, "division by zero"));
    free(got);
    assert_int_equal(ctx.mem_used, 0);
    op_free(op);

    exec_ctx_init(&ctx, NULL, 0);
    op_t *src = test_rows_op(1, "1; 2");
    test_rows_fail_at(src, 1);
    s = specs(1, spec(WIN_ROW_NUMBER, NULL, 0, NULL, 0, NULL));
    op = op_window(src, s, 1);
    got = test_run_op(op, &ctx);
    assert_string_equal(got, "ERR: test source failed at row 1");
    free(got);
    op_free(op);
}

static void test_memory_limit(void **state)
{
    (void)state;
    buf_t b = BUF_INIT(1 << 20);
    for (int i = 0; i < 2000; i++)
        buf_printf(&b, "%s'group %d',%d", i ? ";" : "", i % 7, i);
    exec_limits lim = {.max_memory_bytes = 48 * 1024};
    exec_ctx_init(&ctx, &lim, 0);
    win_spec *s = specs(1, spec(WIN_RANK, NULL, 1, P0, 1, O1));
    op_t *op = op_window(test_rows_op(2, buf_cstr(&b)), s, 1);
    char *got = test_run_op(op, &ctx);
    assert_int_equal(ctx.err_kind, EXEC_ERR_MEMORY);
    assert_non_null(strstr(got, "Window"));
    assert_int_equal(ctx.mem_used, 0);
    free(got);
    op_free(op);
    buf_free(&b);
}

static void test_explain(void **state)
{
    (void)state;
    win_spec *s =
        specs(2, spec(WIN_RANK, NULL, 1, P0, 1, O1), spec(WIN_COUNT_STAR, NULL, 0, NULL, 0, NULL));
    op_t *op = op_window(test_rows_op(2, ""), s, 2);
    buf_t b = BUF_INIT(1024);
    op_explain(op, &b, 0);
    assert_string_equal(buf_cstr(&b), "Window (functions: 2)\n  TestRows (rows: 0)\n");
    buf_free(&b);
    op_free(op);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_ranking_with_peers, setup),
        cmocka_unit_test_setup(test_running_aggregates_include_peers, setup),
        cmocka_unit_test_setup(test_descending_order_frame, setup),
        cmocka_unit_test_setup(test_whole_partition_without_order, setup),
        cmocka_unit_test_setup(test_specs_with_different_windows, setup),
        cmocka_unit_test_setup(test_empty_input, setup),
        cmocka_unit_test_setup(test_errors, setup),
        cmocka_unit_test_setup(test_memory_limit, setup),
        cmocka_unit_test_setup(test_explain, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

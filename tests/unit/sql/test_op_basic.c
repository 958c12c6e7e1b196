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

/* Runs op, checks the text, frees op and checks nothing stays charged. */
static void expect_rows(op_t *op, const char *want)
{
    char *got = test_run_op(op, &ctx);
    assert_string_equal(got, want);
    free(got);
    assert_int_equal(ctx.mem_used, 0);
}

static bexpr ***values_rows(size_t nrows, int width, const char *const *cells)
{
    bexpr ***rows = xcalloc(nrows, sizeof *rows);
    for (size_t r = 0; r < nrows; r++) {
        rows[r] = width ? xcalloc((size_t)width, sizeof **rows) : NULL;
        for (int c = 0; c < width; c++)
            rows[r][c] = t_const(cells[r * (size_t)width + (size_t)c]);
    }
    return rows;
}

/* ---- values ---------------------------------------------------------------- */

static void test_values_rows(void **state)
{
    (void)state;
    const char *cells[] = {"1", "'a'", "NULL", "2.50"};
    op_t *op = op_values(values_rows(2, 2, cells), 2, 2);
    expect_rows(op, "1,'a';NULL,2.50");
    /* Re-open after close runs it again from the start. */
    expect_rows(op, "1,'a';NULL,2.50");
    op_free(op);
}

static void test_values_width_zero(void **state)
{
    (void)state;
    op_t *op = op_values(values_rows(1, 0, NULL), 1, 0);
    expect_rows(op, "()");
    op_free(op);
    op = op_values(NULL, 0, 3);
    expect_rows(op, "");
    op_free(op);
}

static void test_values_reads_outer_row(void **state)
{
    (void)state;
    bexpr ***rows = xcalloc(1, sizeof *rows);
    rows[0] = xcalloc(2, sizeof **rows);
    sql_pos pos = {1, 1, 0};
    bexpr *outer = bexpr_new(BX_OUTER, pos);
    outer->depth = 1;
    outer->slot = 1;
    rows[0][0] = t_bin(SQL_OP_ADD, outer, t_const("1"));
    rows[0][1] = t_const("'x'");
    op_t *op = op_values(rows, 1, 2);
    value_t orow[2] = {test_value("5"), test_value("41")};
    ctx.outer[ctx.nouter++] = orow;
    expect_rows(op, "42,'x'");
    value_free(&orow[1]);
    orow[1] = test_value("9");
    expect_rows(op, "10,'x'");
    ctx.nouter--;
    row_free(orow, 2);
    op_free(op);
}

static void test_values_error_at_open(void **state)
{
    (void)state;
    bexpr ***rows = xcalloc(2, sizeof *rows);
    rows[0] = t_exprs(1, t_const("1"));
    rows[1] = t_exprs(1, t_bin(SQL_OP_DIV, t_const("1"), t_const("0")));
    op_t *op = op_values(rows, 2, 1);
    char *got = test_run_op(op, &ctx);
    assert_non_null(strstr(got, "ERR: "));
    assert_non_null(strstr(got, "division by zero"));
    assert_int_equal(ctx.err_kind, EXEC_ERR_SQL);
    free(got);
    op_free(op);
}

/* ---- filter ---------------------------------------------------------------- */

static void test_filter_keeps_true_rows_only(void **state)
{
    (void)state;
    op_t *src = test_rows_op(2, "1,'a'; 3,'b'; NULL,'c'; 5,'d'; 2,'e'");
    op_t *op = op_filter(src, t_bin(SQL_OP_GT, t_col(0), t_const("2")));
    expect_rows(op, "3,'b';5,'d'");
    expect_rows(op, "3,'b';5,'d'");
    assert_int_equal(test_rows_stats_of(src)->opens, 2);
    op_free(op);
}

static void test_filter_non_boolean_is_error(void **state)
{
    (void)state;
    op_t *op = op_filter(test_rows_op(1, "1; 2"), t_col(0));
    char *got = test_run_op(op, &ctx);
    assert_non_null(strstr(got, "ERR: "));
    assert_non_null(strstr(got, "NUMBER"));
    free(got);
    op_free(op);
}

static void test_filter_child_error_propagates(void **state)
{
    (void)state;
    op_t *src = test_rows_op(1, "1; 2; 3");
    test_rows_fail_at(src, 2);
    op_t *op = op_filter(src, t_const("true"));
    char *got = test_run_op(op, &ctx);
    assert_string_equal(got, "ERR: test source failed at row 2");
    free(got);
    op_free(op);
}

static void test_filter_checks_limits_in_long_loops(void **state)
{
    (void)state;
    buf_t b = BUF_INIT(1 << 20);
    for (int i = 0; i < 5000; i++)
        buf_printf(&b, "%s%d", i ? ";" : "", i);
    /* A deadline long past: the filter notices within a few thousand
       dropped rows instead of reading on. */
    exec_limits lim = {.deadline_ms = 1};
    exec_ctx_init(&ctx, &lim, 0);
    op_t *src = test_rows_op(1, buf_cstr(&b));
    op_t *op = op_filter(src, t_const("false"));
    char *got = test_run_op(op, &ctx);
    assert_int_equal(ctx.err_kind, EXEC_ERR_TIMEOUT);
    assert_non_null(strstr(got, "time limit"));
    assert_true(test_rows_stats_of(src)->pulled < 5000);
    free(got);
    op_free(op);
    buf_free(&b);
}

/* ---- project --------------------------------------------------------------- */

static void test_project_columns_and_expressions(void **state)
{
    (void)state;
    op_t *src = test_rows_op(3, "1,'a',true; 2,'b',false; NULL,'c',NULL");
    /* slot 1 twice (copied then moved), a computed column reading slot 0
       after it is also output plainly. */
    bexpr **ex = t_exprs(5, t_col(1), t_col(0), t_bin(SQL_OP_MUL, t_col(0), t_const("10")),
                         t_col(1), t_const("'k'"));
    op_t *op = op_project(src, ex, 5);
    assert_int_equal(op->width, 5);
    expect_rows(op, "'a',1,10,'a','k';'b',2,20,'b','k';'c',NULL,NULL,'c','k'");
    op_free(op);
}

static void test_project_error_frees_partial_row(void **state)
{
    (void)state;
    op_t *src = test_rows_op(2, "'s',1; 'x',0");
    bexpr **ex = t_exprs(3, t_col(0), t_bin(SQL_OP_DIV, t_const("1"), t_col(1)),
                         t_bin(SQL_OP_CONCAT, t_col(0), t_col(0)));
    op_t *op = op_project(src, ex, 3);
    char *got = test_run_op(op, &ctx);
    assert_non_null(strstr(got, "division by zero"));
    free(got);
    op_free(op);
}

static void test_project_width_zero(void **state)
{
    (void)state;
    op_t *op = op_project(test_rows_op(1, "1; 2"), t_exprs(0), 0);
    expect_rows(op, "();()");
    op_free(op);
}

/* ---- limit ----------------------------------------------------------------- */

static void test_limit_stops_pulling(void **state)
{
    (void)state;
    op_t *src = test_rows_op(1, "1;2;3;4;5;6;7;8;9;10");
    op_t *op = op_limit(src, 3, 0);
    expect_rows(op, "1;2;3");
    assert_int_equal(test_rows_stats_of(src)->pulled, 3);
    op_free(op);
}

static void test_limit_offset(void **state)
{
    (void)state;
    op_t *src = test_rows_op(1, "1;2;3;4;5;6");
    op_t *op = op_limit(src, 2, 3);
    expect_rows(op, "4;5");
    assert_int_equal(test_rows_stats_of(src)->pulled, 5);
    /* Re-open restarts the count. */
    expect_rows(op, "4;5");
    op_free(op);

    op = op_limit(test_rows_op(1, "1;2;3"), -1, 1);
    expect_rows(op, "2;3");
    op_free(op);
    op = op_limit(test_rows_op(1, "1;2;3"), 10, 5);
    expect_rows(op, "");
    op_free(op);
    op = op_limit(test_rows_op(1, "1;2;3"), -1, 0);
    expect_rows(op, "1;2;3");
    op_free(op);
}

static void test_limit_zero_never_opens_child(void **state)
{
    (void)state;
    op_t *src = test_rows_op(1, "1;2");
    op_t *op = op_limit(src, 0, 0);
    expect_rows(op, "");
    assert_int_equal(test_rows_stats_of(src)->opens, 0);
    assert_int_equal(test_rows_stats_of(src)->pulled, 0);
    op_free(op);
}

static void test_limit_child_error_in_offset(void **state)
{
    (void)state;
    op_t *src = test_rows_op(1, "1;2;3");
    test_rows_fail_at(src, 1);
    op_t *op = op_limit(src, 1, 2);
    char *got = test_run_op(op, &ctx);
    assert_string_equal(got, "ERR: test source failed at row 1");
    free(got);
    op_free(op);
}

static void test_close_idempotent_and_free_unopened(void **state)
{
    (void)state;
    op_t *src = test_rows_op(1, "1;2");
    op_t *op = op_limit(op_filter(src, t_const("true")), 5, 0);
    op_close(op);
    op_close(op);
    assert_true(op_open(op, &ctx));
    value_t row[1];
    assert_int_equal(op_next(op, &ctx, row), 1);
    row_free(row, 1);
    op_close(op);
    op_close(op);
    op_free(op);
    /* Never opened at all. */
    op_free(op_project(test_rows_op(1, "1"), t_exprs(1, t_col(0)), 1));
    op_free(NULL);
}

static void test_explain_tree(void **state)
{
    (void)state;
    op_t *op = op_limit(
        op_project(op_filter(test_rows_op(2, "1,2"), t_const("true")), t_exprs(1, t_col(1)), 1), 10,
        5);
    buf_t b = BUF_INIT(4096);
    op_explain(op, &b, 0);
    assert_string_equal(buf_cstr(&b), "Limit (limit: 10, offset: 5)\n"
                                      "  Project (columns: 1)\n"
                                      "    Filter\n"
                                      "      TestRows (rows: 1)\n");
    buf_reset(&b);
    op_t *v = op_values(NULL, 0, 2);
    op_explain(v, &b, 1);
    assert_string_equal(buf_cstr(&b), "  Values (rows: 0, columns: 2)\n");
    buf_free(&b);
    op_free(op);
    op_free(v);
    b = (buf_t)BUF_INIT(4096);
    op = op_limit(test_rows_op(1, ""), -1, 2);
    op_explain(op, &b, 0);
    assert_string_equal(buf_cstr(&b), "Limit (offset: 2)\n  TestRows (rows: 0)\n");
    buf_reset(&b);
    op_free(op);
    op = op_limit(test_rows_op(1, ""), 7, 0);
    op_explain(op, &b, 0);
    assert_string_equal(buf_cstr(&b), "Limit (limit: 7)\n  TestRows (rows: 0)\n");
    buf_free(&b);
    op_free(op);
}

static bexpr *t_subq(op_t *root, bool correlated)
{
    bexpr *e = bexpr_new(BX_EXISTS, (sql_pos){1, 1, 0});
    e->sub = subplan_new(root, correlated);
    return e;
}

/* Subqueries show their plans under the operator that evaluates them. */
static void test_explain_subqueries(void **state)
{
    (void)state;
    bexpr *pred = t_bin(SQL_OP_AND, t_subq(test_rows_op(1, "1"), false),
                        t_subq(op_filter(test_rows_op(1, "2"), t_const("true")), true));
    op_t *op = op_project(op_filter(test_rows_op(1, "1"), pred),
                          t_exprs(2, t_col(0), t_subq(test_rows_op(2, ""), false)), 2);
    buf_t b = BUF_INIT(4096);
    op_explain(op, &b, 0);
    assert_string_equal(buf_cstr(&b), "Project (columns: 2)\n"
                                      "  Subquery (run once, result kept)\n"
                                      "    TestRows (rows: 0)\n"
                                      "  Filter\n"
                                      "    Subquery (run once, result kept)\n"
                                      "      TestRows (rows: 1)\n"
                                      "    Subquery (run for each row)\n"
                                      "      Filter\n"
                                      "        TestRows (rows: 1)\n"
                                      "    TestRows (rows: 1)\n");
    buf_free(&b);
    op_free(op);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_values_rows, setup),
        cmocka_unit_test_setup(test_values_width_zero, setup),
        cmocka_unit_test_setup(test_values_reads_outer_row, setup),
        cmocka_unit_test_setup(test_values_error_at_open, setup),
        cmocka_unit_test_setup(test_filter_keeps_true_rows_only, setup),
        cmocka_unit_test_setup(test_filter_non_boolean_is_error, setup),
        cmocka_unit_test_setup(test_filter_child_error_propagates, setup),
        cmocka_unit_test_setup(test_filter_checks_limits_in_long_loops, setup),
        cmocka_unit_test_setup(test_project_columns_and_expressions, setup),
        cmocka_unit_test_setup(test_project_error_frees_partial_row, setup),
        cmocka_unit_test_setup(test_project_width_zero, setup),
        cmocka_unit_test_setup(test_limit_stops_pulling, setup),
        cmocka_unit_test_setup(test_limit_offset, setup),
        cmocka_unit_test_setup(test_limit_zero_never_opens_child, setup),
        cmocka_unit_test_setup(test_limit_child_error_in_offset, setup),
        cmocka_unit_test_setup(test_close_idempotent_and_free_unopened, setup),
        cmocka_unit_test_setup(test_explain_tree, setup),
        cmocka_unit_test_setup(test_explain_subqueries, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

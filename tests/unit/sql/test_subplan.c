#include "sql/exec.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "sql/bexpr.h"
#include "sql/eval.h"
#include "sql/value_set.h"

/* ---- a test-only operator: a vector of rows ---------------------------------- *
 * Emits its rows in order; with pred, only those for which pred (over the
 * stored row, may read outer rows) is TRUE; with proj, one column: proj
 * evaluated over the stored row. Counts every call and records the outer
 * row it saw at open. */
typedef struct vec_op {
    op_t base;
    value_t *rows;
    int nrows, in_width;
    bexpr *pred, *proj;
    int fail_at;    /* next fails at this stored row index (-1: never) */
    bool fail_open; /* open fails */
    int pos;
    bool is_open, done;
    int opens, nexts, closes;
    const value_t *seen_outer;
    int seen_nouter;
} vec_op;

static int destroyed;

static bool vec_open(op_t *op, exec_ctx *ctx)
{
    vec_op *v = (vec_op *)op;
    assert_false(v->is_open); /* close before reopening */
    v->opens++;
    v->is_open = true;
    v->done = false;
    v->pos = 0;
    v->seen_nouter = ctx->nouter;
    v->seen_outer = ctx->nouter > 0 ? ctx->outer[ctx->nouter - 1] : NULL;
    if (v->fail_open)
        return exec_fail(ctx, EXEC_ERR_DYNAMODB, NULL, "open failed");
    return true;
}

static int vec_next(op_t *op, exec_ctx *ctx, value_t *row)
{
    vec_op *v = (vec_op *)op;
    assert_true(v->is_open);
    assert_false(v->done); /* never called again after 0 or -1 */
    v->nexts++;
    while (v->pos < v->nrows) {
        int i = v->pos++;
        const value_t *in = &v->rows[(size_t)i * (size_t)v->in_width];
        if (i == v->fail_at) {
            v->done = true;
            exec_fail(ctx, EXEC_ERR_DYNAMODB, NULL, "next failed");
            return -1;
        }
        if (v->pred) {
            int t = eval_pred(ctx, v->pred, in);
            if (t < 0) {
                v->done = true;
                return -1;
            }
            if (t == 0)
                continue;
        }
        if (v->proj) {
            if (!eval_expr(ctx, v->proj, in, &row[0])) {
                v->done = true;
                return -1;
            }
        } else {
            for (int c = 0; c < v->in_width; c++)
                row[c] = value_copy(&in[c]);
        }
        return 1;
    }
    v->done = true;
    return 0;
}

static void vec_close(op_t *op)
{
    vec_op *v = (vec_op *)op;
    if (v->is_open)
        v->closes++;
    v->is_open = false;
}

static void vec_destroy(op_t *op)
{
    vec_op *v = (vec_op *)op;
    row_free(v->rows, v->nrows * v->in_width);
    free(v->rows);
    bexpr_free(v->pred);
    bexpr_free(v->proj);
    free(v);
    destroyed++;
}

static void vec_explain(const op_t *op, buf_t *out, int indent)
{
    (void)op;
    (void)out;
    (void)indent;
}

static const op_vt vec_vt = {"Vec", vec_open, vec_next, vec_close, vec_destroy, vec_explain};

/* rows: nrows * in_width values, taken over. */
static vec_op *vec_new(int in_width, int nrows, value_t *rows)
{
    vec_op *v = xcalloc(1, sizeof *v);
    v->base.vt = &vec_vt;
    v->base.width = in_width;
    v->in_width = in_width;
    v->nrows = nrows;
    v->rows = xcalloc((size_t)(nrows * in_width + 1), sizeof *v->rows);
    for (int i = 0; i < nrows * in_width; i++)
        v->rows[i] = rows[i];
    v->fail_at = -1;
    return v;
}

static void vec_set_proj(vec_op *v, bexpr *proj)
{
    v->proj = proj;
    v->base.width = 1;
}

/* One-column rows of integers (INT64_MIN: NULL). */
static vec_op *vec_ints(int n, const int64_t *ints)
{
    value_t *rows = xcalloc((size_t)n + 1, sizeof *rows);
    for (int i = 0; i < n; i++)
        rows[i] = ints[i] == INT64_MIN ? value_null() : value_int(ints[i]);
    vec_op *v = vec_new(1, n, rows);
    free(rows);
    return v;
}

static sql_pos at(int col)
{
    sql_pos p = {1, col, (size_t)(col - 1)};
    return p;
}

static bexpr *outer_col(int depth, int slot)
{
    bexpr *e = bexpr_new(BX_OUTER, at(1));
    e->depth = depth;
    e->slot = slot;
    return e;
}

/* COL(slot) = OUTER(depth, oslot) */
static bexpr *eq_outer(int slot, int depth, int oslot)
{
    return bexpr_binary(SQL_OP_EQ, bexpr_col(slot, at(1)), outer_col(depth, oslot), at(1));
}

static bool is_int(const value_t *v, int64_t want)
{
    value_t w = value_int(want);
    bool eq = v->type == VAL_NUMBER && value_equal(v, &w);
    value_free(&w);
    return eq;
}

/* ---- scalar ------------------------------------------------------------------ */

static void test_scalar_uncorrelated_runs_once(void **state)
{
    (void)state;
    vec_op *op = vec_ints(1, (int64_t[]){42});
    subplan *s = subplan_new(&op->base, false);
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    sql_pos p = at(3);
    for (int i = 0; i < 100; i++) {
        value_t row[1] = {value_int(i)};
        value_t v;
        assert_true(subplan_scalar(&ctx, s, row, &p, &v));
        assert_true(is_int(&v, 42));
        value_free(&v);
        value_free(&row[0]);
        assert_int_equal(ctx.nouter, 0);
    }
    assert_int_equal(op->opens, 1);
    assert_int_equal(op->closes, 1);
    assert_int_equal(op->nexts, 2); /* the row, then the check for a second */
    assert_true(s->have_cache);
    assert_true(ctx.mem_used > 0); /* the cached value is charged */
    subplan_unref(s);
}

static void test_scalar_empty_is_null(void **state)
{
    (void)state;
    vec_op *op = vec_ints(0, NULL);
    subplan *s = subplan_new(&op->base, false);
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    for (int i = 0; i < 3; i++) {
        value_t v;
        assert_true(subplan_scalar(&ctx, s, NULL, NULL, &v));
        assert_int_equal(v.type, VAL_NULL);
    }
    assert_int_equal(op->opens, 1);
    subplan_unref(s);
}

static void test_scalar_more_than_one_row(void **state)
{
    (void)state;
    vec_op *op = vec_ints(3, (int64_t[]){1, 2, 3});
    subplan *s = subplan_new(&op->base, false);
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    sql_pos p = at(17);
    value_t v;
    assert_false(subplan_scalar(&ctx, s, NULL, &p, &v));
    assert_int_equal(v.type, VAL_NULL);
    assert_int_equal(ctx.err_kind, EXEC_ERR_SQL);
    char m[600];
    sql_error_format(&ctx.err, m, sizeof m);
    assert_string_equal(m, "line 1, column 17: scalar subquery returned more than one row; add "
                           "LIMIT 1 or an aggregate");
    assert_int_equal(op->nexts, 2); /* stops at the second row */
    assert_int_equal(op->closes, op->opens);
    assert_int_equal(ctx.nouter, 0);
    assert_false(s->have_cache); /* a failure is not cached */
    subplan_unref(s);
}

static void test_scalar_correlated_reruns_with_row(void **state)
{
    (void)state;
    value_t rows[] = {value_int(1),       value_cstring("a"), value_int(2),
                      value_cstring("b"), value_int(3),       value_cstring("c")};
    vec_op *op = vec_new(2, 3, rows);
    op->pred = eq_outer(0, 1, 0);
    vec_set_proj(op, bexpr_col(1, at(1)));
    subplan *s = subplan_new(&op->base, true);
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    static const struct {
        int64_t key;
        const char *want;
    } cases[] = {{2, "b"}, {3, "c"}, {9, NULL}, {1, "a"}, {2, "b"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        value_t row[1] = {value_int(cases[i].key)};
        value_t v;
        assert_true(subplan_scalar(&ctx, s, row, NULL, &v));
        if (cases[i].want)
            assert_string_equal(v.u.bytes->data, cases[i].want);
        else
            assert_int_equal(v.type, VAL_NULL);
        assert_ptr_equal(op->seen_outer, row); /* the current row, pushed */
        assert_int_equal(op->seen_nouter, 1);
        assert_int_equal(ctx.nouter, 0);
        value_free(&v);
        value_free(&row[0]);
    }
    assert_int_equal(op->opens, 5);
    assert_int_equal(op->closes, 5);
    assert_false(s->have_cache);
    assert_int_equal(ctx.mem_used, 0);
    subplan_unref(s);
}

/* ---- EXISTS ------------------------------------------------------------------ */

static void test_exists(void **state)
{
    (void)state;
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    vec_op *op = vec_ints(3, (int64_t[]){1, 2, 3});
    subplan *s = subplan_new(&op->base, false);
    for (int i = 0; i < 10; i++) {
        bool found = false;
        assert_true(subplan_exists(&ctx, s, NULL, &found));
        assert_true(found);
    }
    assert_int_equal(op->opens, 1);
    assert_int_equal(op->nexts, 1); /* the first row decides */
    subplan_unref(s);

    op = vec_ints(0, NULL);
    s = subplan_new(&op->base, false);
    for (int i = 0; i < 3; i++) {
        bool found = true;
        assert_true(subplan_exists(&ctx, s, NULL, &found));
        assert_false(found);
    }
    assert_int_equal(op->opens, 1);
    subplan_unref(s);

    /* Correlated: per row. */
    op = vec_ints(3, (int64_t[]){1, 2, 3});
    op->pred = eq_outer(0, 1, 0);
    s = subplan_new(&op->base, true);
    for (int64_t k = 0; k < 5; k++) {
        value_t row[1] = {value_int(k)};
        bool found;
        assert_true(subplan_exists(&ctx, s, row, &found));
        assert_int_equal(found, k >= 1 && k <= 3);
        value_free(&row[0]);
    }
    assert_int_equal(op->opens, 5);
    assert_int_equal(op->closes, 5);
    assert_int_equal(ctx.nouter, 0);
    subplan_unref(s);
}

/* ---- IN ---------------------------------------------------------------------- */

static int in(exec_ctx *ctx, subplan *s, value_t needle)
{
    int r = 99;
    assert_true(subplan_in(ctx, s, NULL, &needle, &r));
    value_free(&needle);
    return r;
}

static void test_in_uncorrelated(void **state)
{
    (void)state;
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    vec_op *op = vec_ints(4, (int64_t[]){1, 2, 2, INT64_MIN});
    subplan *s = subplan_new(&op->base, false);
    assert_int_equal(in(&ctx, s, value_int(2)), 1);
    assert_int_equal(in(&ctx, s, value_int(5)), -1); /* not found, but a NULL */
    assert_int_equal(in(&ctx, s, value_null()), -1);
    assert_int_equal(in(&ctx, s, value_double(1.0)), 1);
    assert_int_equal(op->opens, 1);
    assert_int_equal(value_set_count(s->set), 2);
    assert_true(s->set_has_null);
    assert_true(ctx.mem_used >= value_set_bytes(s->set) - 64);
    subplan_unref(s);

    op = vec_ints(2, (int64_t[]){1, 2});
    s = subplan_new(&op->base, false);
    assert_int_equal(in(&ctx, s, value_int(5)), 0);
    assert_int_equal(in(&ctx, s, value_cstring("1")), 0); /* a mismatch is not equal */
    dec_t d = {100, -2};
    assert_int_equal(in(&ctx, s, value_number(&d)), 1); /* 1.00 */
    assert_int_equal(in(&ctx, s, value_null()), -1);
    subplan_unref(s);

    /* NULL IN (empty) is FALSE. */
    op = vec_ints(0, NULL);
    s = subplan_new(&op->base, false);
    assert_int_equal(in(&ctx, s, value_null()), 0);
    assert_int_equal(in(&ctx, s, value_int(1)), 0);
    assert_int_equal(op->opens, 1);
    subplan_unref(s);

    /* Only NULLs: unknown for any needle. */
    op = vec_ints(2, (int64_t[]){INT64_MIN, INT64_MIN});
    s = subplan_new(&op->base, false);
    assert_int_equal(in(&ctx, s, value_int(1)), -1);
    assert_int_equal(in(&ctx, s, value_null()), -1);
    subplan_unref(s);
}

static void test_in_memory_limit(void **state)
{
    (void)state;
    int64_t ints[2000];
    for (int i = 0; i < 2000; i++)
        ints[i] = i;
    vec_op *op = vec_ints(2000, ints);
    subplan *s = subplan_new(&op->base, false);
    exec_limits lim = {.max_memory_bytes = 16 * 1024};
    exec_ctx ctx;
    exec_ctx_init(&ctx, &lim, 0);
    value_t needle = value_int(1);
    int r;
    assert_false(subplan_in(&ctx, s, NULL, &needle, &r));
    assert_int_equal(ctx.err_kind, EXEC_ERR_MEMORY);
    assert_non_null(strstr(ctx.err.message, "IN subquery"));
    assert_int_equal(ctx.mem_used, 0); /* the partial set was released */
    assert_int_equal(op->closes, op->opens);
    assert_int_equal(ctx.nouter, 0);
    assert_false(s->have_cache);
    assert_null(s->set);
    value_free(&needle);
    subplan_unref(s);
}

static void test_in_correlated(void **state)
{
    (void)state;
    /* rows (key, value): the subquery is SELECT value WHERE key = outer.0 */
    value_t rows[] = {value_int(1), value_int(10), value_int(1), value_int(11),
                      value_int(2), value_null(),  value_int(2), value_int(20),
                      value_int(3), value_int(30), value_int(1), value_int(12)};
    vec_op *op = vec_new(2, 6, rows);
    op->pred = eq_outer(0, 1, 0);
    vec_set_proj(op, bexpr_col(1, at(1)));
    subplan *s = subplan_new(&op->base, true);
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    static const struct {
        int64_t key, needle; /* INT64_MIN: NULL */
        int want;
    } cases[] = {
        {1, 10, 1},         {1, 12, 1},        {1, 13, 0}, {2, 20, 1}, {2, 21, -1},
        {3, INT64_MIN, -1}, {4, INT64_MIN, 0}, {4, 10, 0}, {3, 30, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        value_t row[1] = {value_int(cases[i].key)};
        value_t needle = cases[i].needle == INT64_MIN ? value_null() : value_int(cases[i].needle);
        int r = 99;
        int nexts = op->nexts;
        assert_true(subplan_in(&ctx, s, row, &needle, &r));
        if (r != cases[i].want)
            fail_msg("case %zu: got %d, want %d", i, r, cases[i].want);
        assert_ptr_equal(op->seen_outer, row);
        value_free(&row[0]);
        value_free(&needle);
        if (i == 0) /* a match stops the scan at once */
            assert_int_equal(op->nexts - nexts, 1);
    }
    assert_int_equal(op->opens, (int)(sizeof cases / sizeof cases[0]));
    assert_int_equal(op->closes, op->opens);
    assert_int_equal(ctx.mem_used, 0);
    subplan_unref(s);
}

/* ---- failures, nesting, sharing ---------------------------------------------- */

static void test_errors_propagate_and_are_not_cached(void **state)
{
    (void)state;
    vec_op *op = vec_ints(3, (int64_t[]){1, 2, 3});
    op->fail_at = 1;
    subplan *s = subplan_new(&op->base, false);
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    value_t needle = value_int(9);
    int r;
    assert_false(subplan_in(&ctx, s, NULL, &needle, &r));
    assert_int_equal(ctx.err_kind, EXEC_ERR_DYNAMODB);
    assert_string_equal(ctx.err.message, "next failed");
    assert_int_equal(ctx.nouter, 0);
    assert_int_equal(op->closes, 1);
    assert_false(s->have_cache);
    value_t v;
    assert_false(subplan_scalar(&ctx, s, NULL, NULL, &v));
    assert_int_equal(op->opens, 2); /* reruns: nothing was cached */
    assert_int_equal(v.type, VAL_NULL);
    value_free(&needle);

    op->fail_at = -1;
    op->fail_open = true;
    bool found;
    exec_ctx_init(&ctx, NULL, 0);
    assert_false(subplan_exists(&ctx, s, NULL, &found));
    assert_string_equal(ctx.err.message, "open failed");
    assert_int_equal(op->closes, op->opens);
    assert_int_equal(ctx.nouter, 0);
    assert_false(s->have_cache);
    subplan_unref(s);
}

static void test_outer_stack_limit(void **state)
{
    (void)state;
    vec_op *op = vec_ints(1, (int64_t[]){1});
    subplan *s = subplan_new(&op->base, true);
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    value_t dummy[1] = {value_null()};
    for (int i = 0; i < EXEC_MAX_OUTER - 1; i++)
        ctx.outer[ctx.nouter++] = dummy;
    value_t v;
    assert_true(subplan_scalar(&ctx, s, dummy, NULL, &v)); /* the last free level */
    value_free(&v);
    ctx.outer[ctx.nouter++] = dummy;
    assert_false(subplan_scalar(&ctx, s, dummy, NULL, &v));
    assert_non_null(strstr(ctx.err.message, "nested more than 256 levels"));
    assert_int_equal(ctx.nouter, EXEC_MAX_OUTER);
    assert_int_equal(op->opens, 1);
    subplan_unref(s);
}

/* A subquery inside a subquery: the inner one sees both enclosing rows, at
 * depth 1 (the middle query's row) and depth 2 (the top row). */
static void test_nested_correlation(void **state)
{
    (void)state;
    /* inner rows (a, b): SELECT b WHERE a = outer1.0 + outer2.0 */
    value_t irows[] = {value_int(11),      value_cstring("x"), value_int(12),
                       value_cstring("y"), value_int(22),      value_cstring("z")};
    vec_op *inner = vec_new(2, 3, irows);
    inner->pred =
        bexpr_binary(SQL_OP_EQ, bexpr_col(0, at(1)),
                     bexpr_binary(SQL_OP_ADD, outer_col(1, 0), outer_col(2, 0), at(1)), at(1));
    vec_set_proj(inner, bexpr_col(1, at(1)));
    bexpr *sq = bexpr_new(BX_SUBQ, at(1));
    sq->sub = subplan_new(&inner->base, true);
    /* middle rows (m): SELECT (inner) for each m */
    vec_op *mid = vec_ints(2, (int64_t[]){1, 2});
    vec_set_proj(mid, sq);
    subplan *s = subplan_new(&mid->base, true);
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    value_t row[1] = {value_int(10)};
    /* m = 1: a = 11 -> x; m = 2: a = 12 -> y; the scalar sees two rows. */
    value_t v;
    assert_false(subplan_scalar(&ctx, s, row, NULL, &v));
    assert_non_null(strstr(ctx.err.message, "more than one row"));
    value_free(&row[0]);
    /* With top = 20: m = 2 gives 22 -> z; m = 1 gives 21 -> NULL. */
    exec_ctx_init(&ctx, NULL, 0);
    row[0] = value_int(20);
    int r;
    value_t needle = value_cstring("z");
    assert_true(subplan_in(&ctx, s, row, &needle, &r));
    assert_int_equal(r, 1);
    value_free(&needle);
    needle = value_cstring("x");
    assert_true(subplan_in(&ctx, s, row, &needle, &r));
    assert_int_equal(r, -1); /* m = 1 gave NULL */
    value_free(&needle);
    value_free(&row[0]);
    assert_int_equal(ctx.nouter, 0);
    assert_int_equal(inner->opens, 2 + 2 + 2);
    assert_int_equal(inner->seen_nouter, 2);
    subplan_unref(s);
}

static void test_ref_unref_and_clone(void **state)
{
    (void)state;
    destroyed = 0;
    vec_op *op = vec_ints(1, (int64_t[]){1});
    subplan *s = subplan_new(&op->base, false);
    assert_ptr_equal(subplan_ref(s), s);
    assert_int_equal(s->refs, 2);
    subplan_unref(s);
    assert_int_equal(destroyed, 0);
    subplan_unref(s);
    assert_int_equal(destroyed, 1);
    subplan_unref(NULL);

    /* bexpr_clone shares the subplan, and its cache. */
    op = vec_ints(1, (int64_t[]){7});
    bexpr *e = bexpr_new(BX_SUBQ, at(1));
    e->sub = subplan_new(&op->base, false);
    bexpr *c = bexpr_clone(e);
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    value_t v;
    assert_true(eval_expr(&ctx, e, NULL, &v));
    assert_true(is_int(&v, 7));
    value_free(&v);
    assert_true(eval_expr(&ctx, c, NULL, &v));
    assert_true(is_int(&v, 7));
    value_free(&v);
    assert_int_equal(op->opens, 1);
    bexpr_free(e);
    assert_int_equal(destroyed, 1);
    bexpr_free(c);
    assert_int_equal(destroyed, 2);
}

/* ---- through the evaluator --------------------------------------------------- */

static const char *truth(exec_ctx *ctx, bexpr *e, const value_t *row)
{
    value_t v;
    assert_true(eval_expr(ctx, e, row, &v));
    const char *r = v.type == VAL_NULL   ? "NULL"
                    : v.type != VAL_BOOL ? "?"
                    : v.u.b              ? "TRUE"
                                         : "FALSE";
    value_free(&v);
    return r;
}

static void test_eval_subquery_nodes(void **state)
{
    (void)state;
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);

    /* [NOT] EXISTS, correlated on the row's column 0. */
    vec_op *op = vec_ints(2, (int64_t[]){1, 2});
    op->pred = eq_outer(0, 1, 0);
    bexpr *ex = bexpr_new(BX_EXISTS, at(1));
    ex->sub = subplan_new(&op->base, true);
    value_t r1[1] = {value_int(1)}, r5[1] = {value_int(5)}, rn[1] = {value_null()};
    assert_string_equal(truth(&ctx, ex, r1), "TRUE");
    assert_string_equal(truth(&ctx, ex, r5), "FALSE");
    ex->negated = true;
    assert_string_equal(truth(&ctx, ex, r1), "FALSE");
    assert_string_equal(truth(&ctx, ex, r5), "TRUE");
    bexpr_free(ex);

    /* x [NOT] IN (SELECT ...) with a NULL in the subquery. */
    op = vec_ints(3, (int64_t[]){1, 2, INT64_MIN});
    bexpr *ins = bexpr_new(BX_IN_SUBQ, at(1));
    bexpr_add_arg(ins, bexpr_col(0, at(1)));
    ins->sub = subplan_new(&op->base, false);
    assert_string_equal(truth(&ctx, ins, r1), "TRUE");
    assert_string_equal(truth(&ctx, ins, r5), "NULL");
    assert_string_equal(truth(&ctx, ins, rn), "NULL");
    ins->negated = true;
    assert_string_equal(truth(&ctx, ins, r1), "FALSE");
    assert_string_equal(truth(&ctx, ins, r5), "NULL");
    assert_int_equal(op->opens, 1);
    bexpr_free(ins);

    /* NOT IN (empty) is TRUE even for NULL. */
    op = vec_ints(0, NULL);
    ins = bexpr_new(BX_IN_SUBQ, at(1));
    bexpr_add_arg(ins, bexpr_col(0, at(1)));
    ins->sub = subplan_new(&op->base, false);
    ins->negated = true;
    assert_string_equal(truth(&ctx, ins, rn), "TRUE");
    assert_string_equal(truth(&ctx, ins, r5), "TRUE");
    bexpr_free(ins);

    /* A scalar subquery in arithmetic; its error carries the node's position. */
    op = vec_ints(1, (int64_t[]){40});
    bexpr *sq = bexpr_new(BX_SUBQ, at(9));
    sq->sub = subplan_new(&op->base, false);
    bexpr *sum = bexpr_binary(SQL_OP_ADD, sq, bexpr_col(0, at(1)), at(5));
    value_t v;
    value_t r2[1] = {value_int(2)};
    assert_true(eval_expr(&ctx, sum, r2, &v));
    assert_true(is_int(&v, 42));
    value_free(&v);
    bexpr_free(sum);
    op = vec_ints(2, (int64_t[]){1, 2});
    sq = bexpr_new(BX_SUBQ, at(9));
    sq->sub = subplan_new(&op->base, false);
    assert_false(eval_expr(&ctx, sq, NULL, &v));
    assert_int_equal(ctx.err.column, 9);
    bexpr_free(sq);
    assert_int_equal(ctx.nouter, 0);
    value_free(&r1[0]);
    value_free(&r5[0]);
    value_free(&r2[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalar_uncorrelated_runs_once),
        cmocka_unit_test(test_scalar_empty_is_null),
        cmocka_unit_test(test_scalar_more_than_one_row),
        cmocka_unit_test(test_scalar_correlated_reruns_with_row),
        cmocka_unit_test(test_exists),
        cmocka_unit_test(test_in_uncorrelated),
        cmocka_unit_test(test_in_memory_limit),
        cmocka_unit_test(test_in_correlated),
        cmocka_unit_test(test_errors_propagate_and_are_not_cached),
        cmocka_unit_test(test_outer_stack_limit),
        cmocka_unit_test(test_nested_correlation),
        cmocka_unit_test(test_ref_unref_and_clone),
        cmocka_unit_test(test_eval_subquery_nodes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

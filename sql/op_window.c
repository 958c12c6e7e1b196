/* Window functions: buffers the child's rows; for each window spec, sorts
 * row numbers by (partition, window order) stably and walks partitions and
 * peer groups once, writing each row's result into a column after the
 * child's. Rows come out in the first spec's order. */
#include <stdlib.h>

#include "core/base/alloc.h"
#include "sql/eval.h"
#include "sql/op_internal.h"

typedef struct win_op {
    op_t base;
    op_t *child;
    win_spec *specs;
    int nspecs;
    rowvec rows; /* child's columns, then one result per spec */
    rowvec keys; /* per spec while computing: partition, order, argument */
    size_t *idx; /* the spec's sorted row numbers */
    size_t *out; /* output order (the first spec's) */
    size_t cap;  /* of idx and out */
    size_t pos;
    int *cols;  /* 0..max key width, for rows_order */
    bool *desc; /* per key column while sorting one spec */
    memacct mem;
} win_op;

typedef struct win_sort {
    const rowvec *keys;
    const int *cols;
    const bool *desc;
    int n;
} win_sort;

static int win_cmp(const void *ctx, size_t a, size_t b)
{
    const win_sort *w = ctx;
    return rows_order(rowvec_at(w->keys, a), rowvec_at(w->keys, b), w->cols, w->desc, w->n);
}

static agg_kind agg_of(win_kind k)
{
    switch (k) {
    case WIN_COUNT:
        return AGG_COUNT;
    case WIN_SUM:
        return AGG_SUM;
    case WIN_AVG:
        return AGG_AVG;
    case WIN_MIN:
        return AGG_MIN;
    case WIN_MAX:
        return AGG_MAX;
    default:
        return AGG_COUNT_STAR;
    }
}

static bool is_ranking(win_kind k)
{
    return k == WIN_ROW_NUMBER || k == WIN_RANK || k == WIN_DENSE_RANK;
}

/* Evaluates the spec's partition, order and argument for every row. */
static bool eval_keys(win_op *w, exec_ctx *ctx, const win_spec *sp)
{
    int np = sp->npartition, no = sp->norder;
    for (size_t r = 0; r < w->rows.n; r++) {
        const value_t *row = rowvec_at(&w->rows, r);
        value_t *k = rowvec_push(&w->keys);
        for (int i = 0; i < np + no + 1; i++) {
            const bexpr *e = i < np        ? sp->partition[i]
                             : i < np + no ? sp->order[i - np].expr
                                           : sp->arg;
            if (!e)
                continue;
            if (e->kind == BX_COL) {
                k[i] = value_copy(&row[e->slot]);
            } else if (!eval_expr(ctx, e, row, &k[i])) {
                k[i] = value_null();
                return false;
            }
        }
        if (!memacct_row(&w->mem, k, w->keys.width))
            return false;
        if ((r + 1) % OP_CHECK_EVERY == 0 && !exec_check_limits(ctx))
            return false;
    }
    return true;
}

static void set_result(win_op *w, size_t r, int s, value_t v)
{
    value_t *dst = &rowvec_at(&w->rows, r)[w->child->width + s];
    value_free(dst);
    *dst = v;
}

/* Results of spec s for the rows idx[lo..hi) of one partition. */
static bool compute_partition(win_op *w, exec_ctx *ctx, int s, size_t lo, size_t hi)
{
    const win_spec *sp = &w->specs[s];
    int np = sp->npartition, no = sp->norder;
    agg_kind ak = agg_of(sp->kind);
    agg_acc acc;
    acc_init(&acc);
    int64_t dense = 0;
    bool ok = true;
    /* Peer groups: rows equal on the window order (the whole partition
       without one), which share the frame's end and the rank. */
    for (size_t g = lo; g < hi && ok;) {
        size_t ge = g + 1;
        const value_t *gk = rowvec_at(&w->keys, w->idx[g]);
        while (ge < hi &&
               (no == 0 || keys_equal(gk + np, rowvec_at(&w->keys, w->idx[ge]) + np, no)))
            ge++;
        dense++;
        if (is_ranking(sp->kind)) {
            for (size_t i = g; i < ge; i++) {
                int64_t v = sp->kind == WIN_ROW_NUMBER ? (int64_t)(i - lo + 1)
                            : sp->kind == WIN_RANK     ? (int64_t)(g - lo + 1)
                                                       : dense;
                set_result(w, w->idx[i], s, value_int(v));
            }
        } else {
            for (size_t i = g; i < ge && ok; i++)
                ok = acc_add(ctx, &acc, ak, &rowvec_at(&w->keys, w->idx[i])[np + no], &sp->pos);
            value_t res = value_null();
            ok = ok && acc_result(ctx, &acc, ak, &sp->pos, &res);
            for (size_t i = g; i < ge && ok; i++)
                set_result(w, w->idx[i], s, value_copy(&res));
            value_free(&res);
        }
        g = ge;
    }
    acc_free(&acc);
    return ok;
}

static bool compute_spec(win_op *w, exec_ctx *ctx, int s)
{
    const win_spec *sp = &w->specs[s];
    int np = sp->npartition, no = sp->norder;
    size_t n = w->rows.n;
    rowvec_free(&w->keys);
    rowvec_init(&w->keys, np + no + 1);
    if (!eval_keys(w, ctx, sp))
        return false;
    for (int i = 0; i < np + no; i++)
        w->desc[i] = i >= np && sp->order[i - np].desc;
    win_sort ws = {&w->keys, w->cols, w->desc, np + no};
    for (size_t i = 0; i < n; i++)
        w->idx[i] = i;
    idx_sort(w->idx, n, win_cmp, &ws);
    for (size_t lo = 0; lo < n;) {
        size_t hi = lo + 1;
        const value_t *pk = rowvec_at(&w->keys, w->idx[lo]);
        while (hi < n && keys_equal(pk, rowvec_at(&w->keys, w->idx[hi]), np))
            hi++;
        if (!compute_partition(w, ctx, s, lo, hi))
            return false;
        lo = hi;
    }
    if (s == 0) {
        size_t *t = w->out;
        w->out = w->idx;
        w->idx = t;
    }
    return true;
}

static bool win_open(op_t *op, exec_ctx *ctx)
{
    win_op *w = (win_op *)op;
    op->vt->close(op);
    memacct_start(&w->mem, ctx, "Window");
    if (!op_open(w->child, ctx))
        return false;
    int stride = w->rows.stride;
    for (uint64_t n = 1;; n++) {
        value_t *row = rowvec_push(&w->rows);
        int r = op_next(w->child, ctx, row);
        if (r != 1) {
            w->rows.n--;
            if (r < 0)
                return false;
            break;
        }
        if (!memacct_row(&w->mem, row, stride))
            return false;
        if (n % OP_CHECK_EVERY == 0 && !exec_check_limits(ctx))
            return false;
    }
    if (w->rows.n > w->cap) {
        w->cap = w->rows.n;
        w->idx = xreallocarray(w->idx, w->cap, sizeof *w->idx);
        w->out = xreallocarray(w->out, w->cap, sizeof *w->out);
    }
    /* The first spec last, so its order is the one left for output. */
    for (int s = w->nspecs - 1; s >= 0; s--) {
        size_t before = w->mem.held;
        if (!compute_spec(w, ctx, s))
            return false;
        /* The spec's keys are dropped: give their charge back. */
        exec_mem_release(ctx, w->mem.held - before);
        w->mem.held = before;
        rowvec_clear(&w->keys);
    }
    if (w->nspecs == 0)
        for (size_t i = 0; i < w->rows.n; i++)
            w->out[i] = i;
    return true;
}

static int win_next(op_t *op, exec_ctx *ctx, value_t *row)
{
    (void)ctx;
    win_op *w = (win_op *)op;
    if (w->pos >= w->rows.n)
        return 0;
    row_move(row, rowvec_at(&w->rows, w->out[w->pos++]), op->width);
    return 1;
}

static void win_close(op_t *op)
{
    win_op *w = (win_op *)op;
    op_close(w->child);
    rowvec_clear(&w->rows);
    rowvec_clear(&w->keys);
    w->pos = 0;
    memacct_release(&w->mem);
}

static void win_destroy(op_t *op)
{
    win_op *w = (win_op *)op;
    op_free(w->child);
    for (int s = 0; s < w->nspecs; s++) {
        win_spec *sp = &w->specs[s];
        bexpr_free(sp->arg);
        for (int i = 0; i < sp->npartition; i++)
            bexpr_free(sp->partition[i]);
        free(sp->partition);
        for (int i = 0; i < sp->norder; i++)
            bexpr_free(sp->order[i].expr);
        free(sp->order);
    }
    free(w->specs);
    rowvec_free(&w->rows);
    rowvec_free(&w->keys);
    free(w->idx);
    free(w->out);
    free(w->cols);
    free(w->desc);
    free(w);
}

static void win_explain(const op_t *op, buf_t *out, int indent)
{
    const win_op *w = (const win_op *)op;
    explain_line(out, indent, "Window (functions: %d)", w->nspecs);
    op_explain(w->child, out, indent + 1);
}

static const op_vt win_vt = {"Window", win_open, win_next, win_close, win_destroy, win_explain};

op_t *op_window(op_t *child, win_spec *specs, int nspecs)
{
    win_op *w = xcalloc(1, sizeof *w);
    w->base.vt = &win_vt;
    w->base.width = child->width + nspecs;
    w->child = child;
    w->specs = specs;
    w->nspecs = nspecs;
    rowvec_init(&w->rows, w->base.width);
    rowvec_init(&w->keys, 1);
    int maxk = 1;
    for (int s = 0; s < nspecs; s++)
        if (specs[s].npartition + specs[s].norder > maxk)
            maxk = specs[s].npartition + specs[s].norder;
    w->cols = xcalloc((size_t)maxk, sizeof *w->cols);
    w->desc = xcalloc((size_t)maxk, sizeof *w->desc);
    for (int i = 0; i < maxk; i++)
        w->cols[i] = i;
    return &w->base;
}

/* The streaming operators: values, filter, project, limit. */
#include <inttypes.h>
#include <stdlib.h>

#include "core/base/alloc.h"
#include "sql/eval.h"
#include "sql/op_internal.h"

/* ---- values --------------------------------------------------------------- */

typedef struct values_op {
    op_t base;
    bexpr ***rows;
    size_t nrows;
    rowvec out; /* evaluated at open, moved out by next */
    size_t pos;
} values_op;

static bool values_open(op_t *op, exec_ctx *ctx)
{
    values_op *v = (values_op *)op;
    rowvec_clear(&v->out);
    v->pos = 0;
    for (size_t r = 0; r < v->nrows; r++) {
        value_t *row = rowvec_push(&v->out);
        for (int c = 0; c < op->width; c++) {
            if (!eval_expr(ctx, v->rows[r][c], NULL, &row[c])) {
                row[c] = value_null();
                rowvec_clear(&v->out);
                return false;
            }
        }
    }
    return true;
}

static int values_next(op_t *op, exec_ctx *ctx, value_t *row)
{
    (void)ctx;
    values_op *v = (values_op *)op;
    if (v->pos >= v->out.n)
        return 0;
    row_move(row, rowvec_at(&v->out, v->pos++), op->width);
    return 1;
}

static void values_close(op_t *op)
{
    values_op *v = (values_op *)op;
    rowvec_clear(&v->out);
    v->pos = 0;
}

static void values_destroy(op_t *op)
{
    values_op *v = (values_op *)op;
    for (size_t r = 0; r < v->nrows; r++) {
        for (int c = 0; v->rows[r] && c < op->width; c++)
            bexpr_free(v->rows[r][c]);
        free(v->rows[r]);
    }
    free(v->rows);
    rowvec_free(&v->out);
    free(v);
}

static void values_explain(const op_t *op, buf_t *out, int indent)
{
    const values_op *v = (const values_op *)op;
    explain_line(out, indent, "Values (rows: %zu, columns: %d)", v->nrows, op->width);
}

static const op_vt values_vt = {"Values",     values_open,    values_next,
                                values_close, values_destroy, values_explain};

op_t *op_values(bexpr ***rows, size_t nrows, int width)
{
    values_op *v = xcalloc(1, sizeof *v);
    v->base.vt = &values_vt;
    v->base.width = width;
    v->rows = rows;
    v->nrows = nrows;
    rowvec_init(&v->out, width);
    return &v->base;
}

/* ---- filter --------------------------------------------------------------- */

typedef struct filter_op {
    op_t base;
    op_t *child;
    bexpr *pred;
    uint64_t dropped;
} filter_op;

static bool filter_open(op_t *op, exec_ctx *ctx)
{
    filter_op *f = (filter_op *)op;
    f->dropped = 0;
    return op_open(f->child, ctx);
}

static int filter_next(op_t *op, exec_ctx *ctx, value_t *row)
{
    filter_op *f = (filter_op *)op;
    for (;;) {
        int r = op_next(f->child, ctx, row);
        if (r != 1)
            return r;
        int p = eval_pred(ctx, f->pred, row);
        if (p == 1)
            return 1;
        row_free(row, op->width);
        if (p < 0)
            return -1;
        if (++f->dropped % OP_CHECK_EVERY == 0 && !exec_check_limits(ctx))
            return -1;
    }
}

static void filter_close(op_t *op)
{
    op_close(((filter_op *)op)->child);
}

static void filter_destroy(op_t *op)
{
    filter_op *f = (filter_op *)op;
    op_free(f->child);
    bexpr_free(f->pred);
    free(f);
}

static void filter_explain(const op_t *op, buf_t *out, int indent)
{
    const filter_op *f = (const filter_op *)op;
    explain_line(out, indent, "Filter");
    explain_subqueries(f->pred, out, indent + 1);
    op_explain(f->child, out, indent + 1);
}

static const op_vt filter_vt = {"Filter",     filter_open,    filter_next,
                                filter_close, filter_destroy, filter_explain};

op_t *op_filter(op_t *child, bexpr *pred)
{
    filter_op *f = xcalloc(1, sizeof *f);
    f->base.vt = &filter_vt;
    f->base.width = child->width;
    f->child = child;
    f->pred = pred;
    return &f->base;
}

/* ---- project -------------------------------------------------------------- */

typedef struct project_op {
    op_t base;
    op_t *child;
    bexpr **exprs;
    value_t *in; /* the child's row, reused */
    /* For a plain column: move the child's value when this is the last
       column output that reads the slot (no copy), else copy. */
    bool *move;
} project_op;

static bool project_open(op_t *op, exec_ctx *ctx)
{
    return op_open(((project_op *)op)->child, ctx);
}

static int project_next(op_t *op, exec_ctx *ctx, value_t *row)
{
    project_op *p = (project_op *)op;
    int cw = p->child->width;
    int r = op_next(p->child, ctx, p->in);
    if (r != 1)
        return r;
    /* Computed columns first: they read the row before columns move out. */
    for (int i = 0; i < op->width; i++) {
        const bexpr *e = p->exprs[i];
        if (e->kind == BX_COL)
            continue;
        if (!eval_expr(ctx, e, p->in, &row[i])) {
            row[i] = value_null();
            for (int j = 0; j < i; j++)
                if (p->exprs[j]->kind != BX_COL)
                    value_free(&row[j]);
            row_free(p->in, cw);
            return -1;
        }
    }
    for (int i = 0; i < op->width; i++) {
        const bexpr *e = p->exprs[i];
        if (e->kind != BX_COL)
            continue;
        if (p->move[i]) {
            row[i] = p->in[e->slot];
            p->in[e->slot] = value_null();
        } else {
            row[i] = value_copy(&p->in[e->slot]);
        }
    }
    row_free(p->in, cw);
    return 1;
}

static void project_close(op_t *op)
{
    op_close(((project_op *)op)->child);
}

static void project_destroy(op_t *op)
{
    project_op *p = (project_op *)op;
    op_free(p->child);
    for (int i = 0; i < op->width; i++)
        bexpr_free(p->exprs[i]);
    free(p->exprs);
    free(p->in);
    free(p->move);
    free(p);
}

static void project_explain(const op_t *op, buf_t *out, int indent)
{
    const project_op *p = (const project_op *)op;
    explain_line(out, indent, "Project (columns: %d)", op->width);
    for (int i = 0; i < op->width; i++)
        explain_subqueries(p->exprs[i], out, indent + 1);
    op_explain(p->child, out, indent + 1);
}

static const op_vt project_vt = {"Project",     project_open,    project_next,
                                 project_close, project_destroy, project_explain};

op_t *op_project(op_t *child, bexpr **exprs, int n)
{
    project_op *p = xcalloc(1, sizeof *p);
    p->base.vt = &project_vt;
    p->base.width = n;
    p->child = child;
    p->exprs = exprs;
    p->in = xcalloc(child->width > 0 ? (size_t)child->width : 1, sizeof *p->in);
    p->move = xcalloc(n > 0 ? (size_t)n : 1, sizeof *p->move);
    for (int i = 0; i < n; i++) {
        if (exprs[i]->kind != BX_COL)
            continue;
        p->move[i] = true;
        for (int j = i + 1; j < n; j++)
            if (exprs[j]->kind == BX_COL && exprs[j]->slot == exprs[i]->slot)
                p->move[i] = false;
    }
    return &p->base;
}

/* ---- limit ---------------------------------------------------------------- */

typedef struct limit_op {
    op_t base;
    op_t *child;
    int64_t limit, offset;
    int64_t skipped, emitted;
    bool opened_child;
} limit_op;

static bool limit_open(op_t *op, exec_ctx *ctx)
{
    limit_op *l = (limit_op *)op;
    l->skipped = l->emitted = 0;
    l->opened_child = false;
    if (l->limit == 0)
        return true; /* nothing to read: the child is never started */
    l->opened_child = true;
    return op_open(l->child, ctx);
}

static int limit_next(op_t *op, exec_ctx *ctx, value_t *row)
{
    limit_op *l = (limit_op *)op;
    if (!l->opened_child || (l->limit >= 0 && l->emitted >= l->limit))
        return 0; /* enough: the child is not pulled again */
    while (l->skipped < l->offset) {
        int r = op_next(l->child, ctx, row);
        if (r != 1)
            return r;
        row_free(row, op->width);
        if (++l->skipped % OP_CHECK_EVERY == 0 && !exec_check_limits(ctx))
            return -1;
    }
    int r = op_next(l->child, ctx, row);
    if (r == 1)
        l->emitted++;
    return r;
}

static void limit_close(op_t *op)
{
    limit_op *l = (limit_op *)op;
    op_close(l->child);
    l->opened_child = false;
}

static void limit_destroy(op_t *op)
{
    limit_op *l = (limit_op *)op;
    op_free(l->child);
    free(l);
}

static void limit_explain(const op_t *op, buf_t *out, int indent)
{
    const limit_op *l = (const limit_op *)op;
    if (l->limit >= 0 && l->offset > 0)
        explain_line(out, indent, "Limit (limit: %" PRId64 ", offset: %" PRId64 ")", l->limit,
                     l->offset);
    else if (l->limit >= 0)
        explain_line(out, indent, "Limit (limit: %" PRId64 ")", l->limit);
    else
        explain_line(out, indent, "Limit (offset: %" PRId64 ")", l->offset);
    op_explain(l->child, out, indent + 1);
}

static const op_vt limit_vt = {"Limit",     limit_open,    limit_next,
                               limit_close, limit_destroy, limit_explain};

op_t *op_limit(op_t *child, int64_t limit, int64_t offset)
{
    limit_op *l = xcalloc(1, sizeof *l);
    l->base.vt = &limit_vt;
    l->base.width = child->width;
    l->child = child;
    l->limit = limit < 0 ? -1 : limit;
    l->offset = offset < 0 ? 0 : offset;
    return &l->base;
}

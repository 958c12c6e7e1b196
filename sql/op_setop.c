/* DISTINCT and the set operations. Only what must be remembered is held:
 * DISTINCT and UNION keep the rows seen so far (and stream), INTERSECT and
 * EXCEPT keep the right side's distinct rows with their multiplicity and
 * stream the left side through them. Rows compare with value_equal on every
 * column, so NULLs are equal to each other. */
#include <stdlib.h>

#include "core/base/alloc.h"
#include "sql/op_internal.h"

/* ---- distinct ------------------------------------------------------------- */

typedef struct distinct_op {
    op_t base;
    op_t *child;
    keyset seen;
    memacct mem;
    uint64_t n;
} distinct_op;

/* Adds row to seen; *fresh says whether it was new. */
static bool remember(keyset *seen, memacct *mem, const value_t *row, int width, bool *fresh,
                     size_t *entry)
{
    size_t e = keyset_find_or_add(seen, row, keys_hash(row, width), fresh);
    if (entry)
        *entry = e;
    return !*fresh || memacct_bytes(mem, exec_row_bytes(row, width) + KEYSET_ENTRY_BYTES);
}

static bool distinct_open(op_t *op, exec_ctx *ctx)
{
    distinct_op *d = (distinct_op *)op;
    op->vt->close(op);
    memacct_start(&d->mem, ctx, "Distinct");
    d->n = 0;
    return op_open(d->child, ctx);
}

static int distinct_next(op_t *op, exec_ctx *ctx, value_t *row)
{
    distinct_op *d = (distinct_op *)op;
    for (;;) {
        int r = op_next(d->child, ctx, row);
        if (r != 1)
            return r;
        bool fresh;
        if (!remember(&d->seen, &d->mem, row, op->width, &fresh, NULL)) {
            row_free(row, op->width);
            return -1;
        }
        if (fresh)
            return 1;
        row_free(row, op->width);
        if (++d->n % OP_CHECK_EVERY == 0 && !exec_check_limits(ctx))
            return -1;
    }
}

static void distinct_close(op_t *op)
{
    distinct_op *d = (distinct_op *)op;
    op_close(d->child);
    keyset_clear(&d->seen);
    memacct_release(&d->mem);
}

static void distinct_destroy(op_t *op)
{
    distinct_op *d = (distinct_op *)op;
    op_free(d->child);
    keyset_free(&d->seen);
    free(d);
}

static void distinct_explain(const op_t *op, buf_t *out, int indent)
{
    explain_line(out, indent, "Distinct");
    op_explain(((const distinct_op *)op)->child, out, indent + 1);
}

static const op_vt distinct_vt = {"Distinct",     distinct_open,    distinct_next,
                                  distinct_close, distinct_destroy, distinct_explain};

op_t *op_distinct(op_t *child)
{
    distinct_op *d = xcalloc(1, sizeof *d);
    d->base.vt = &distinct_vt;
    d->base.width = child->width;
    d->child = child;
    keyset_init(&d->seen, child->width);
    return &d->base;
}

/* ---- set operations ------------------------------------------------------- */

typedef struct setop_op {
    op_t base;
    op_t *left, *right;
    sql_setop kind;
    bool all;
    keyset set;
    /* INTERSECT/EXCEPT, per entry: right-side rows not yet matched; -1 for
       a row EXCEPT has emitted from the left. */
    int64_t *count;
    size_t countcap;
    bool on_right; /* UNION: the left side is done */
    uint64_t n;
    memacct mem;
} setop_op;

static const char *setop_name(sql_setop k)
{
    return k == SQL_UNION ? "UNION" : k == SQL_INTERSECT ? "INTERSECT" : "EXCEPT";
}

static void set_count(setop_op *s, size_t e, int64_t v)
{
    if (e >= s->countcap) {
        s->countcap = s->countcap ? s->countcap * 2 : 64;
        s->count = xreallocarray(s->count, s->countcap, sizeof *s->count);
    }
    s->count[e] = v;
}

/* INTERSECT/EXCEPT: the right side's distinct rows and multiplicities. */
static bool load_right(setop_op *s, exec_ctx *ctx)
{
    int w = s->base.width;
    value_t *row = xcalloc(w > 0 ? (size_t)w : 1, sizeof *row);
    bool ok = op_open(s->right, ctx);
    for (uint64_t n = 1; ok; n++) {
        int r = op_next(s->right, ctx, row);
        if (r != 1) {
            ok = r == 0;
            break;
        }
        bool fresh;
        size_t e;
        ok = remember(&s->set, &s->mem, row, w, &fresh, &e);
        set_count(s, e, fresh ? 1 : s->count[e] + 1);
        row_free(row, w);
        if (ok && n % OP_CHECK_EVERY == 0)
            ok = exec_check_limits(ctx);
    }
    free(row);
    op_close(s->right); /* everything needed is in the set */
    return ok;
}

static bool setop_open(op_t *op, exec_ctx *ctx)
{
    setop_op *s = (setop_op *)op;
    op->vt->close(op);
    memacct_start(&s->mem, ctx, "set operation");
    s->on_right = false;
    s->n = 0;
    if (s->kind != SQL_UNION && !load_right(s, ctx))
        return false;
    return op_open(s->left, ctx);
}

/* Whether a left row of INTERSECT/EXCEPT is output. */
static bool keep_left(setop_op *s, const value_t *row, bool *keep)
{
    int w = s->base.width;
    uint64_t h = keys_hash(row, w);
    int64_t e = keyset_find(&s->set, row, h);
    if (s->kind == SQL_INTERSECT) {
        *keep = e >= 0 && s->count[e] > 0;
        if (*keep)
            s->count[e] = s->all ? s->count[e] - 1 : 0;
        return true;
    }
    if (s->all) {
        *keep = !(e >= 0 && s->count[e] > 0);
        if (!*keep)
            s->count[e]--;
        return true;
    }
    *keep = e < 0; /* neither on the right nor emitted already */
    if (!*keep)
        return true;
    bool fresh;
    size_t ne;
    if (!remember(&s->set, &s->mem, row, w, &fresh, &ne))
        return false;
    set_count(s, ne, -1);
    return true;
}

static int setop_next(op_t *op, exec_ctx *ctx, value_t *row)
{
    setop_op *s = (setop_op *)op;
    int w = op->width;
    for (;;) {
        op_t *from = s->on_right ? s->right : s->left;
        int r = op_next(from, ctx, row);
        if (r < 0)
            return -1;
        if (r == 0) {
            if (s->kind != SQL_UNION || s->on_right)
                return 0;
            s->on_right = true;
            if (!op_open(s->right, ctx))
                return -1;
            continue;
        }
        bool keep = true;
        bool ok = true;
        if (s->kind == SQL_UNION) {
            if (!s->all)
                ok = remember(&s->set, &s->mem, row, w, &keep, NULL);
        } else {
            ok = keep_left(s, row, &keep);
        }
        if (ok && keep)
            return 1;
        row_free(row, w);
        if (!ok || (++s->n % OP_CHECK_EVERY == 0 && !exec_check_limits(ctx)))
            return -1;
    }
}

static void setop_close(op_t *op)
{
    setop_op *s = (setop_op *)op;
    op_close(s->left);
    op_close(s->right);
    keyset_clear(&s->set);
    memacct_release(&s->mem);
}

static void setop_destroy(op_t *op)
{
    setop_op *s = (setop_op *)op;
    op_free(s->left);
    op_free(s->right);
    keyset_free(&s->set);
    free(s->count);
    free(s);
}

static void setop_explain(const op_t *op, buf_t *out, int indent)
{
    const setop_op *s = (const setop_op *)op;
    explain_line(out, indent, "SetOp %s%s", setop_name(s->kind), s->all ? " ALL" : "");
    op_explain(s->left, out, indent + 1);
    op_explain(s->right, out, indent + 1);
}

static const op_vt setop_vt = {"SetOp",     setop_open,    setop_next,
                               setop_close, setop_destroy, setop_explain};

op_t *op_setop(op_t *left, op_t *right, sql_setop kind, bool all)
{
    setop_op *s = xcalloc(1, sizeof *s);
    s->base.vt = &setop_vt;
    s->base.width = left->width;
    s->left = left;
    s->right = right;
    s->kind = kind;
    s->all = all;
    keyset_init(&s->set, left->width);
    return &s->base;
}

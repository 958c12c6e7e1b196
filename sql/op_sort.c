/* ORDER BY: a stable merge sort of the buffered rows, or, under a LIMIT, a
 * bounded max-heap that keeps the best topn rows (memory O(topn)). Keys that
 * are plain columns are compared in place; computed keys are stored after
 * the row's columns. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "sql/eval.h"
#include "sql/op_internal.h"

typedef struct sort_op {
    op_t base;
    op_t *child;
    bexpr **exprs;
    int nkeys;
    bool *desc;
    int *cols;  /* column of key k in a stored row */
    int nextra; /* computed keys, stored at width.. */
    int64_t topn;
    rowvec rows; /* stride width + nextra */
    size_t *order;
    size_t norder, ordercap, pos;
    /* top-N: heap[0..nheap) are row numbers, worst (largest) first;
       seq orders equal keys by arrival; bytes is each row's charge. */
    size_t *heap;
    uint64_t *seq;
    size_t *bytes;
    size_t nheap, heapcap;
    value_t *scratch;
    memacct mem;
} sort_op;

/* Compares stored rows by the keys, then by arrival (top-N). */
static int cmp_rows(const sort_op *s, size_t a, size_t b)
{
    int c = rows_order(rowvec_at(&s->rows, a), rowvec_at(&s->rows, b), s->cols, s->desc, s->nkeys);
    if (c || !s->seq)
        return c;
    return s->seq[a] < s->seq[b] ? -1 : s->seq[a] > s->seq[b];
}

static int idx_cmp(const void *ctx, size_t a, size_t b)
{
    return cmp_rows(ctx, a, b);
}

/* Computed keys of a row whose columns are in place. */
static bool eval_keys(sort_op *s, exec_ctx *ctx, value_t *row)
{
    int w = s->base.width;
    for (int k = 0; k < s->nkeys; k++) {
        if (s->cols[k] < w)
            continue;
        value_t *dst = &row[s->cols[k]];
        if (!eval_expr(ctx, s->exprs[k], row, dst)) {
            *dst = value_null();
            return false;
        }
    }
    return true;
}

static void grow_order(sort_op *s, size_t n)
{
    if (n > s->ordercap) {
        s->ordercap = n;
        s->order = xreallocarray(s->order, n, sizeof *s->order);
    }
}

static bool sort_all(sort_op *s, exec_ctx *ctx)
{
    int stride = s->rows.stride;
    for (uint64_t n = 1;; n++) {
        value_t *row = rowvec_push(&s->rows);
        int r = op_next(s->child, ctx, row);
        if (r != 1) {
            s->rows.n--;
            if (r < 0)
                return false;
            break;
        }
        if (!eval_keys(s, ctx, row) || !memacct_row(&s->mem, row, stride))
            return false;
        if (n % OP_CHECK_EVERY == 0 && !exec_check_limits(ctx))
            return false;
    }
    grow_order(s, s->rows.n);
    for (size_t i = 0; i < s->rows.n; i++)
        s->order[i] = i;
    s->norder = s->rows.n;
    idx_sort(s->order, s->norder, idx_cmp, s);
    return true;
}

/* Max-heap on (keys, arrival): heap[0] is the row to drop first. */
static void sift_down(sort_op *s, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < s->nheap && cmp_rows(s, s->heap[l], s->heap[m]) > 0)
            m = l;
        if (r < s->nheap && cmp_rows(s, s->heap[r], s->heap[m]) > 0)
            m = r;
        if (m == i)
            return;
        size_t t = s->heap[i];
        s->heap[i] = s->heap[m];
        s->heap[m] = t;
        i = m;
    }
}

static void sift_up(sort_op *s, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (cmp_rows(s, s->heap[i], s->heap[p]) <= 0)
            return;
        size_t t = s->heap[i];
        s->heap[i] = s->heap[p];
        s->heap[p] = t;
        i = p;
    }
}

static bool sort_top(sort_op *s, exec_ctx *ctx)
{
    int stride = s->rows.stride;
    value_t *in = s->scratch;
    for (uint64_t n = 0;; n++) {
        int r = op_next(s->child, ctx, in);
        if (r < 0)
            return false;
        if (r == 0)
            break;
        if (!eval_keys(s, ctx, in)) {
            row_free(in, stride);
            return false;
        }
        if (n % OP_CHECK_EVERY == OP_CHECK_EVERY - 1 && !exec_check_limits(ctx)) {
            row_free(in, stride);
            return false;
        }
        size_t slot;
        bool grew = (int64_t)s->nheap < s->topn;
        if (grew) {
            /* Filling up: rows 0..nheap are the heap's rows. */
            slot = s->rows.n;
            rowvec_push(&s->rows);
            if (s->nheap == s->heapcap) {
                s->heapcap = s->heapcap ? s->heapcap * 2 : 16;
                s->heap = xreallocarray(s->heap, s->heapcap, sizeof *s->heap);
                s->seq = xreallocarray(s->seq, s->heapcap, sizeof *s->seq);
                s->bytes = xreallocarray(s->bytes, s->heapcap, sizeof *s->bytes);
            }
        } else {
            /* Full: the new row replaces the worst only when strictly
               better, so among equal keys the earlier rows stay. */
            slot = s->heap[0];
            if (rows_order(in, rowvec_at(&s->rows, slot), s->cols, s->desc, s->nkeys) >= 0) {
                row_free(in, stride);
                continue;
            }
            row_free(rowvec_at(&s->rows, slot), stride);
            exec_mem_release(ctx, s->bytes[slot]);
            s->mem.held -= s->bytes[slot];
        }
        value_t *dst = rowvec_at(&s->rows, slot);
        row_move(dst, in, stride);
        s->seq[slot] = n;
        s->bytes[slot] = exec_row_bytes(dst, stride);
        if (!memacct_bytes(&s->mem, s->bytes[slot]))
            return false;
        if (grew) {
            s->heap[s->nheap++] = slot;
            sift_up(s, s->nheap - 1);
        } else {
            sift_down(s, 0);
        }
    }
    grow_order(s, s->nheap);
    if (s->nheap)
        memcpy(s->order, s->heap, s->nheap * sizeof *s->order);
    s->norder = s->nheap;
    idx_sort(s->order, s->norder, idx_cmp, s);
    return true;
}

static bool sort_open(op_t *op, exec_ctx *ctx)
{
    sort_op *s = (sort_op *)op;
    memacct_release(&s->mem);
    rowvec_clear(&s->rows);
    memacct_start(&s->mem, ctx, "Sort");
    s->norder = s->pos = s->nheap = 0;
    if (s->topn == 0)
        return true; /* LIMIT 0: the child is never started */
    if (!op_open(s->child, ctx))
        return false;
    return s->topn > 0 ? sort_top(s, ctx) : sort_all(s, ctx);
}

static int sort_next(op_t *op, exec_ctx *ctx, value_t *row)
{
    (void)ctx;
    sort_op *s = (sort_op *)op;
    if (s->pos >= s->norder)
        return 0;
    row_move(row, rowvec_at(&s->rows, s->order[s->pos++]), op->width);
    return 1;
}

static void sort_close(op_t *op)
{
    sort_op *s = (sort_op *)op;
    op_close(s->child);
    rowvec_clear(&s->rows);
    if (s->scratch)
        row_free(s->scratch, s->rows.stride);
    s->norder = s->pos = s->nheap = 0;
    memacct_release(&s->mem);
}

static void sort_destroy(op_t *op)
{
    sort_op *s = (sort_op *)op;
    op_free(s->child);
    for (int k = 0; k < s->nkeys; k++)
        bexpr_free(s->exprs[k]);
    free(s->exprs);
    free(s->desc);
    free(s->cols);
    rowvec_free(&s->rows);
    free(s->order);
    free(s->heap);
    free(s->seq);
    free(s->bytes);
    free(s->scratch);
    free(s);
}

static void sort_explain(const op_t *op, buf_t *out, int indent)
{
    const sort_op *s = (const sort_op *)op;
    if (s->topn >= 0)
        explain_line(out, indent, "Sort (keys: %d, top %" PRId64 ")", s->nkeys, s->topn);
    else
        explain_line(out, indent, "Sort (keys: %d)", s->nkeys);
    op_explain(s->child, out, indent + 1);
}

static const op_vt sort_vt = {"Sort", sort_open, sort_next, sort_close, sort_destroy, sort_explain};

op_t *op_sort(op_t *child, sort_key *keys, int nkeys, int64_t topn)
{
    sort_op *s = xcalloc(1, sizeof *s);
    s->base.vt = &sort_vt;
    int w = s->base.width = child->width;
    s->child = child;
    s->nkeys = nkeys;
    s->topn = topn < 0 ? -1 : topn;
    size_t nk = nkeys > 0 ? (size_t)nkeys : 1;
    s->exprs = xcalloc(nk, sizeof *s->exprs);
    s->desc = xcalloc(nk, sizeof *s->desc);
    s->cols = xcalloc(nk, sizeof *s->cols);
    for (int k = 0; k < nkeys; k++) {
        s->exprs[k] = keys[k].expr;
        s->desc[k] = keys[k].desc;
        s->cols[k] = keys[k].expr->kind == BX_COL ? keys[k].expr->slot : w + s->nextra++;
    }
    free(keys);
    rowvec_init(&s->rows, w + s->nextra);
    if (s->topn > 0)
        s->scratch = xcalloc((size_t)s->rows.stride, sizeof *s->scratch);
    return &s->base;
}

/* Joins. Both kinds buffer the right child once per open and stream the
 * left child: the hash join pairs a left row only with the right rows of its
 * key (a chain per distinct right key), the nested-loop join with every
 * right row. The condition (residual or ON) is evaluated over a combined row
 * that borrows the left and right values; matches are copied out. */
#include <stdlib.h>

#include "core/base/alloc.h"
#include "sql/eval.h"
#include "sql/op_internal.h"

#define NONE SIZE_MAX

typedef struct join_op {
    op_t base;
    op_t *left, *right;
    bool hashed;
    join_kind kind;
    bexpr *cond; /* residual / ON over the combined row; may be NULL */
    int lw, rw;
    /* hash join */
    keyeval lkeys, rkeys;
    keyset groups;           /* distinct non-NULL right keys */
    size_t *head, *tail;     /* per group: its first and last right row */
    size_t *chain;           /* per right row: the next of its group */
    size_t groupcap, rowcap; /* of head/tail and chain/matched */
    /* the run */
    rowvec rrows;
    bool *matched; /* per right row (RIGHT/FULL) */
    value_t *lrow;
    value_t *comb; /* borrowed: lrow then the candidate right row */
    bool have_left, left_matched, left_done;
    size_t cur;  /* next candidate right row (chain or position) */
    size_t upos; /* RIGHT/FULL: unmatched right rows output so far */
    uint64_t n;
    memacct mem;
} join_op;

static bool outer_left(const join_op *j)
{
    return j->kind == JOIN_LEFT || j->kind == JOIN_FULL;
}

static bool outer_right(const join_op *j)
{
    return j->kind == JOIN_RIGHT || j->kind == JOIN_FULL;
}

static void grow_rows(join_op *j, size_t n)
{
    if (n <= j->rowcap)
        return;
    j->rowcap = j->rowcap ? j->rowcap * 2 : 64;
    j->chain = xreallocarray(j->chain, j->rowcap, sizeof *j->chain);
    j->matched = xreallocarray(j->matched, j->rowcap, sizeof *j->matched);
}

/* Links right row r into the chain of its key (rows with a NULL key join
   nothing and stay unchained). */
static bool chain_row(join_op *j, exec_ctx *ctx, size_t r)
{
    if (!keyeval_run(&j->rkeys, ctx, rowvec_at(&j->rrows, r)))
        return false;
    bool ok = true;
    const value_t *k = j->rkeys.vals;
    int nk = j->rkeys.n;
    if (!keys_have_null(k, nk)) {
        bool added;
        size_t g = keyset_find_or_add(&j->groups, k, keys_hash(k, nk), &added);
        if (added) {
            if (g >= j->groupcap) {
                j->groupcap = j->groupcap ? j->groupcap * 2 : 64;
                j->head = xreallocarray(j->head, j->groupcap, sizeof *j->head);
                j->tail = xreallocarray(j->tail, j->groupcap, sizeof *j->tail);
            }
            j->head[g] = r;
            ok = memacct_bytes(&j->mem, exec_row_bytes(k, nk) + KEYSET_ENTRY_BYTES);
        } else {
            j->chain[j->tail[g]] = r;
        }
        j->tail[g] = r;
    }
    keyeval_done(&j->rkeys);
    return ok;
}

static bool build(join_op *j, exec_ctx *ctx)
{
    if (!op_open(j->right, ctx))
        return false;
    for (uint64_t n = 1;; n++) {
        value_t *row = rowvec_push(&j->rrows);
        int r = op_next(j->right, ctx, row);
        if (r != 1) {
            j->rrows.n--;
            if (r < 0)
                return false;
            break;
        }
        size_t ri = j->rrows.n - 1;
        grow_rows(j, j->rrows.n);
        j->chain[ri] = NONE;
        j->matched[ri] = false;
        if (!memacct_row(&j->mem, row, j->rw))
            return false;
        if (j->hashed && !chain_row(j, ctx, ri))
            return false;
        if (n % OP_CHECK_EVERY == 0 && !exec_check_limits(ctx))
            return false;
    }
    op_close(j->right); /* everything needed is buffered */
    return true;
}

static bool join_open(op_t *op, exec_ctx *ctx)
{
    join_op *j = (join_op *)op;
    op->vt->close(op);
    memacct_start(&j->mem, ctx, j->hashed ? "HashJoin" : "NestedLoopJoin");
    j->have_left = j->left_done = false;
    j->upos = 0;
    j->n = 0;
    if (!build(j, ctx))
        return false;
    if (j->rrows.n == 0 && !outer_left(j)) {
        j->left_done = true; /* nothing can match: the left side is not read */
        return true;
    }
    return op_open(j->left, ctx);
}

/* Starts the candidates of a new left row. */
static bool start_left(join_op *j, exec_ctx *ctx)
{
    for (int i = 0; i < j->lw; i++)
        j->comb[i] = j->lrow[i];
    j->left_matched = false;
    if (!j->hashed) {
        j->cur = 0;
        return true;
    }
    j->cur = NONE;
    if (!keyeval_run(&j->lkeys, ctx, j->lrow))
        return false;
    const value_t *k = j->lkeys.vals;
    if (!keys_have_null(k, j->lkeys.n)) {
        int64_t g = keyset_find(&j->groups, k, keys_hash(k, j->lkeys.n));
        if (g >= 0)
            j->cur = j->head[g];
    }
    keyeval_done(&j->lkeys);
    return true;
}

static size_t next_candidate(join_op *j)
{
    size_t r = j->cur;
    if (j->hashed) {
        if (r != NONE)
            j->cur = j->chain[r];
        return r;
    }
    if (r >= j->rrows.n)
        return NONE;
    j->cur++;
    return r;
}

static int join_next(op_t *op, exec_ctx *ctx, value_t *row)
{
    join_op *j = (join_op *)op;
    int lw = j->lw, rw = j->rw;
    for (;;) {
        if (j->have_left) {
            size_t r;
            while ((r = next_candidate(j)) != NONE) {
                const value_t *rr = rowvec_at(&j->rrows, r);
                for (int i = 0; i < rw; i++)
                    j->comb[lw + i] = rr[i];
                if (++j->n % OP_CHECK_EVERY == 0 && !exec_check_limits(ctx))
                    return -1;
                if (j->cond) {
                    int p = eval_pred(ctx, j->cond, j->comb);
                    if (p < 0)
                        return -1;
                    if (p == 0)
                        continue;
                }
                j->left_matched = true;
                j->matched[r] = true;
                row_copy(row, j->comb, lw + rw);
                return 1;
            }
            j->have_left = false;
            if (!j->left_matched && outer_left(j)) {
                row_move(row, j->lrow, lw);
                row_nullify(row + lw, rw);
                return 1;
            }
            row_free(j->lrow, lw);
        }
        if (!j->left_done) {
            int r = op_next(j->left, ctx, j->lrow);
            if (r < 0)
                return -1;
            if (r == 0) {
                j->left_done = true;
                continue;
            }
            j->have_left = true;
            if (!start_left(j, ctx))
                return -1;
            continue;
        }
        if (!outer_right(j))
            return 0;
        while (j->upos < j->rrows.n) {
            size_t r = j->upos++;
            if (j->matched[r])
                continue;
            row_nullify(row, lw);
            row_move(row + lw, rowvec_at(&j->rrows, r), rw);
            return 1;
        }
        return 0;
    }
}

static void join_close(op_t *op)
{
    join_op *j = (join_op *)op;
    op_close(j->left);
    op_close(j->right);
    if (j->have_left)
        row_free(j->lrow, j->lw);
    j->have_left = false;
    rowvec_clear(&j->rrows);
    keyset_clear(&j->groups);
    memacct_release(&j->mem);
}

static void join_destroy(op_t *op)
{
    join_op *j = (join_op *)op;
    op_free(j->left);
    op_free(j->right);
    bexpr_free(j->cond);
    keyeval_free(&j->lkeys);
    keyeval_free(&j->rkeys);
    keyset_free(&j->groups);
    rowvec_free(&j->rrows);
    free(j->head);
    free(j->tail);
    free(j->chain);
    free(j->matched);
    free(j->lrow);
    free(j->comb);
    free(j);
}

static void join_explain(const op_t *op, buf_t *out, int indent)
{
    const join_op *j = (const join_op *)op;
    if (j->hashed)
        explain_line(out, indent, "HashJoin %s (keys: %d%s)", join_kind_name(j->kind), j->lkeys.n,
                     j->cond ? ", residual" : "");
    else
        explain_line(out, indent, "NestedLoopJoin %s%s", join_kind_name(j->kind),
                     j->cond ? "" : " (cross)");
    explain_subqueries(j->cond, out, indent + 1);
    op_explain(j->left, out, indent + 1);
    op_explain(j->right, out, indent + 1);
}

static const op_vt join_vt = {"Join", join_open, join_next, join_close, join_destroy, join_explain};

static join_op *join_new(op_t *left, op_t *right, bexpr *cond, join_kind kind)
{
    join_op *j = xcalloc(1, sizeof *j);
    j->base.vt = &join_vt;
    j->lw = left->width;
    j->rw = right->width;
    j->base.width = j->lw + j->rw;
    j->left = left;
    j->right = right;
    j->cond = cond;
    j->kind = kind;
    rowvec_init(&j->rrows, j->rw);
    j->lrow = xcalloc(j->lw > 0 ? (size_t)j->lw : 1, sizeof *j->lrow);
    j->comb = xcalloc(j->base.width > 0 ? (size_t)j->base.width : 1, sizeof *j->comb);
    return j;
}

op_t *op_hash_join(op_t *left, op_t *right, bexpr **lkeys, bexpr **rkeys, int nkeys,
                   bexpr *residual, join_kind kind)
{
    join_op *j = join_new(left, right, residual, kind);
    j->hashed = true;
    keyeval_init(&j->lkeys, lkeys, nkeys);
    keyeval_init(&j->rkeys, rkeys, nkeys);
    keyset_init(&j->groups, nkeys);
    return &j->base;
}

op_t *op_nl_join(op_t *left, op_t *right, bexpr *on, join_kind kind)
{
    join_op *j = join_new(left, right, on, kind);
    keyeval_init(&j->lkeys, NULL, 0);
    keyeval_init(&j->rkeys, NULL, 0);
    keyset_init(&j->groups, 0);
    return &j->base;
}

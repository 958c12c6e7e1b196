/* GROUP BY and aggregates: a hash table of group keys (groups numbered in
 * order of first appearance) with one accumulator per aggregate per group.
 * DISTINCT aggregates share one set of (group, aggregate, value) tuples. */
#include <stdlib.h>

#include "core/base/alloc.h"
#include "sql/eval.h"
#include "sql/op_internal.h"

typedef struct agg_op {
    op_t base;
    op_t *child;
    keyeval groups;
    agg_spec *aggs;
    int naggs;
    keyset groupset;
    agg_acc *accs; /* accs[g * naggs + a] */
    size_t acccap; /* groups */
    keyset seen;   /* DISTINCT: (group, aggregate, value) */
    value_t *in;   /* the child's row, reused */
    size_t ngroups_out, pos;
    memacct mem;
} agg_op;

static size_t group_count(const agg_op *a)
{
    return a->groups.n ? keyset_count(&a->groupset) : a->ngroups_out;
}

static bool new_group(agg_op *a, const value_t *key)
{
    size_t g = group_count(a) - 1;
    if (g >= a->acccap) {
        a->acccap = a->acccap ? a->acccap * 2 : 16;
        a->accs =
            xreallocarray(a->accs, a->acccap * (size_t)(a->naggs ? a->naggs : 1), sizeof *a->accs);
    }
    for (int i = 0; i < a->naggs; i++)
        acc_init(&a->accs[g * (size_t)a->naggs + (size_t)i]);
    size_t bytes = (size_t)a->naggs * sizeof(agg_acc) + KEYSET_ENTRY_BYTES;
    if (key)
        bytes += exec_row_bytes(key, a->groups.n);
    return memacct_bytes(&a->mem, bytes);
}

/* True when v has not been seen yet for aggregate i of group g. */
static bool first_seen(agg_op *a, size_t g, int i, const value_t *v, bool *fresh)
{
    value_t t[3] = {value_int((int64_t)g), value_int(i), *v};
    uint64_t h = value_hash(v) ^ ((uint64_t)g * 0x9e3779b97f4a7c15ULL) ^
                 ((uint64_t)(i + 1) * 0xc2b2ae3d27d4eb4fULL);
    keyset_find_or_add(&a->seen, t, h, fresh);
    if (!*fresh)
        return true;
    return memacct_bytes(&a->mem, exec_row_bytes(t, 3) + KEYSET_ENTRY_BYTES);
}

static bool accumulate(agg_op *a, exec_ctx *ctx, size_t g, const value_t *row)
{
    agg_acc *accs = &a->accs[g * (size_t)a->naggs];
    for (int i = 0; i < a->naggs; i++) {
        const agg_spec *sp = &a->aggs[i];
        if (sp->kind == AGG_COUNT_STAR) {
            accs[i].count++;
            continue;
        }
        value_t tmp = value_null();
        const value_t *v = eval_borrow(ctx, sp->arg, row, &tmp);
        if (!v)
            return false;
        bool ok = true, fresh = true;
        if (sp->distinct && v->type != VAL_NULL && sp->kind != AGG_MIN && sp->kind != AGG_MAX)
            ok = first_seen(a, g, i, v, &fresh);
        if (ok && fresh)
            ok = acc_add(ctx, &accs[i], sp->kind, v, &sp->pos);
        value_free(&tmp);
        if (!ok)
            return false;
    }
    return true;
}

static bool agg_open(op_t *op, exec_ctx *ctx)
{
    agg_op *a = (agg_op *)op;
    op->vt->close(op);
    memacct_start(&a->mem, ctx, "HashAggregate");
    if (!op_open(a->child, ctx))
        return false;
    int ng = a->groups.n;
    if (ng == 0) {
        a->ngroups_out = 1; /* one row, even for empty input */
        if (!new_group(a, NULL))
            return false;
    }
    for (uint64_t n = 1;; n++) {
        int r = op_next(a->child, ctx, a->in);
        if (r < 0)
            return false;
        if (r == 0)
            break;
        size_t g = 0;
        bool ok = true;
        if (ng) {
            ok = keyeval_run(&a->groups, ctx, a->in);
            if (ok) {
                bool added;
                g = keyset_find_or_add(&a->groupset, a->groups.vals, keys_hash(a->groups.vals, ng),
                                       &added);
                if (added)
                    ok = new_group(a, keyset_key(&a->groupset, g));
                keyeval_done(&a->groups);
            }
        }
        ok = ok && accumulate(a, ctx, g, a->in);
        row_free(a->in, a->child->width);
        if (!ok)
            return false;
        if (n % OP_CHECK_EVERY == 0 && !exec_check_limits(ctx))
            return false;
    }
    if (ng)
        a->ngroups_out = keyset_count(&a->groupset);
    return true;
}

static int agg_next(op_t *op, exec_ctx *ctx, value_t *row)
{
    agg_op *a = (agg_op *)op;
    if (a->pos >= a->ngroups_out)
        return 0;
    size_t g = a->pos++;
    int ng = a->groups.n;
    if (ng)
        row_move(row, keyset_key(&a->groupset, g), ng);
    const agg_acc *accs = &a->accs[g * (size_t)a->naggs];
    for (int i = 0; i < a->naggs; i++) {
        if (!acc_result(ctx, &accs[i], a->aggs[i].kind, &a->aggs[i].pos, &row[ng + i])) {
            row_free(row, ng + i);
            return -1;
        }
    }
    return 1;
}

static void agg_close(op_t *op)
{
    agg_op *a = (agg_op *)op;
    op_close(a->child);
    size_t n = group_count(a) * (size_t)a->naggs;
    for (size_t i = 0; i < n; i++)
        acc_free(&a->accs[i]);
    keyset_clear(&a->groupset);
    keyset_clear(&a->seen);
    a->ngroups_out = a->pos = 0;
    memacct_release(&a->mem);
}

static void agg_destroy(op_t *op)
{
    agg_op *a = (agg_op *)op;
    op_free(a->child);
    keyeval_free(&a->groups);
    for (int i = 0; i < a->naggs; i++)
        bexpr_free(a->aggs[i].arg);
    free(a->aggs);
    keyset_free(&a->groupset);
    keyset_free(&a->seen);
    free(a->accs);
    free(a->in);
    free(a);
}

static void agg_explain(const op_t *op, buf_t *out, int indent)
{
    const agg_op *a = (const agg_op *)op;
    explain_line(out, indent, "HashAggregate (groups: %d, aggregates: %d)", a->groups.n, a->naggs);
    op_explain(a->child, out, indent + 1);
}

static const op_vt agg_vt = {"HashAggregate", agg_open,    agg_next,
                             agg_close,       agg_destroy, agg_explain};

op_t *op_hash_agg(op_t *child, bexpr **groups, int ngroups, agg_spec *aggs, int naggs)
{
    agg_op *a = xcalloc(1, sizeof *a);
    a->base.vt = &agg_vt;
    a->base.width = ngroups + naggs;
    a->child = child;
    keyeval_init(&a->groups, groups, ngroups);
    a->aggs = aggs;
    a->naggs = naggs;
    keyset_init(&a->groupset, ngroups);
    keyset_init(&a->seen, 3);
    a->in = xcalloc(child->width > 0 ? (size_t)child->width : 1, sizeof *a->in);
    return &a->base;
}

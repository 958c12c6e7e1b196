#include "sql/bexpr.h"

#include "core/base/alloc.h"
#include "sql/exec.h"

bexpr *bexpr_new(bx_kind kind, sql_pos pos)
{
    bexpr *e = xcalloc(1, sizeof *e);
    e->kind = kind;
    e->pos = pos;
    e->slot = -1;
    e->rel = -1;
    return e;
}

bexpr *bexpr_const(value_t v, sql_pos pos)
{
    bexpr *e = bexpr_new(BX_CONST, pos);
    e->value = v;
    return e;
}

bexpr *bexpr_col(int slot, sql_pos pos)
{
    bexpr *e = bexpr_new(BX_COL, pos);
    e->slot = slot;
    return e;
}

bexpr *bexpr_unary(sql_op op, bexpr *a, sql_pos pos)
{
    bexpr *e = bexpr_new(BX_UNARY, pos);
    e->op = op;
    bexpr_add_arg(e, a);
    return e;
}

bexpr *bexpr_binary(sql_op op, bexpr *a, bexpr *b, sql_pos pos)
{
    bexpr *e = bexpr_new(BX_BINARY, pos);
    e->op = op;
    bexpr_add_arg(e, a);
    bexpr_add_arg(e, b);
    return e;
}

void bexpr_add_arg(bexpr *e, bexpr *child)
{
    /* Grow by doubling from 2; capacity is implied by nargs (powers of 2). */
    size_t n = e->nargs;
    if (n == 0 || (n >= 2 && (n & (n - 1)) == 0))
        e->args = xreallocarray(e->args, n == 0 ? 2 : n * 2, sizeof *e->args);
    e->args[e->nargs++] = child;
}

bexpr *bexpr_clone(const bexpr *e)
{
    if (!e)
        return NULL;
    bexpr *c = xmalloc(sizeof *c);
    *c = *e;
    c->value = value_copy(&e->value);
    c->args = NULL;
    c->nargs = 0;
    for (size_t i = 0; i < e->nargs; i++)
        bexpr_add_arg(c, bexpr_clone(e->args[i]));
    if (e->nsteps) {
        c->steps = xmallocarray(e->nsteps, sizeof *c->steps);
        for (size_t i = 0; i < e->nsteps; i++) {
            c->steps[i].index = e->steps[i].index;
            c->steps[i].name = e->steps[i].name ? xstrdup(e->steps[i].name) : NULL;
        }
    }
    c->sub = e->sub ? subplan_ref(e->sub) : NULL;
    return c;
}

void bexpr_free(bexpr *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->nargs; i++)
        bexpr_free(e->args[i]);
    free(e->args);
    for (size_t i = 0; i < e->nsteps; i++)
        free(e->steps[i].name);
    free(e->steps);
    value_free(&e->value);
    if (e->sub)
        subplan_unref(e->sub);
    free(e);
}

bool bexpr_is_constant(const bexpr *e)
{
    if (e->kind == BX_COL || e->kind == BX_OUTER || e->sub)
        return false;
    for (size_t i = 0; i < e->nargs; i++)
        if (!bexpr_is_constant(e->args[i]))
            return false;
    return true;
}

bool bexpr_uses_only(const bexpr *e, int lo, int hi)
{
    if (e->kind == BX_COL && (e->slot < lo || e->slot >= hi))
        return false;
    if (e->sub && e->sub->correlated)
        return false;
    for (size_t i = 0; i < e->nargs; i++)
        if (!bexpr_uses_only(e->args[i], lo, hi))
            return false;
    return true;
}

void bexpr_shift_slots(bexpr *e, int delta)
{
    if (e->kind == BX_COL)
        e->slot += delta;
    for (size_t i = 0; i < e->nargs; i++)
        bexpr_shift_slots(e->args[i], delta);
}

void bexpr_each_slot(const bexpr *e, void (*fn)(void *ctx, int slot), void *ctx)
{
    if (e->kind == BX_COL)
        fn(ctx, e->slot);
    for (size_t i = 0; i < e->nargs; i++)
        bexpr_each_slot(e->args[i], fn, ctx);
}

size_t bexpr_conjuncts(bexpr *e, bexpr **out, size_t max)
{
    if (e->kind == BX_BINARY && e->op == SQL_OP_AND) {
        size_t n = bexpr_conjuncts(e->args[0], out, max);
        return n +
               bexpr_conjuncts(e->args[1], n < max ? out + n : out + max, n < max ? max - n : 0);
    }
    if (max > 0)
        out[0] = e;
    return 1;
}

/* Subquery runtime (the subplan_* functions of sql/exec.h).
 *
 * A subplan runs its root operator with the current row pushed onto
 * ctx->outer, so the subquery's BX_OUTER nodes can read it. An uncorrelated
 * subplan gives the same answer for every row: it runs once and its result
 * is cached in the subplan (the scalar value, the EXISTS flag, or the IN
 * set). A subplan serves one kind of expression (the binder builds one per
 * subquery; clones share it), so the cache holds that kind's result only.
 *
 * A subplan may have no root: eval.c keeps a long constant IN list's hash
 * set as a subplan whose cache is filled from the start. */
#include <stdlib.h>

#include "core/base/alloc.h"
#include "sql/exec.h"
#include "sql/value_set.h"

#define SCALAR_MANY "scalar subquery returned more than one row; add LIMIT 1 or an aggregate"

subplan *subplan_new(op_t *root, bool correlated)
{
    subplan *s = xcalloc(1, sizeof *s);
    s->refs = 1;
    s->root = root;
    s->correlated = correlated;
    s->scalar = value_null();
    return s;
}

subplan *subplan_ref(subplan *s)
{
    s->refs++;
    return s;
}

void subplan_unref(subplan *s)
{
    if (!s || --s->refs > 0)
        return;
    op_free(s->root);
    value_free(&s->scalar);
    value_set_free(s->set);
    free(s);
}

/* One run of the root: open with row pushed as the innermost outer row,
 * then next/close through run_next/run_end. */
typedef struct run {
    exec_ctx *ctx;
    subplan *s;
    value_t local[4];
    value_t *row;
    int width;
    bool open;
} run;

static bool run_start(run *r, exec_ctx *ctx, subplan *s, const value_t *outer_row)
{
    r->ctx = ctx;
    r->s = s;
    r->open = false;
    r->width = s->root ? s->root->width : 0;
    r->row = r->width <= 4 ? r->local : xcalloc((size_t)r->width, sizeof *r->row);
    for (int i = 0; i < r->width; i++)
        r->row[i] = value_null();
    if (!s->root) {
        return exec_fail(ctx, EXEC_ERR_SQL, NULL, "internal error: a subquery without a plan");
    }
    if (ctx->nouter >= EXEC_MAX_OUTER)
        return exec_fail(ctx, EXEC_ERR_SQL, NULL,
                         "subqueries are nested more than %d levels deep while running",
                         EXEC_MAX_OUTER);
    ctx->outer[ctx->nouter++] = outer_row;
    r->open = true;
    return op_open(s->root, ctx);
}

/* 1 a row (in r->row, owned by the run until the next call), 0 done, -1
 * error. */
static int run_next(run *r)
{
    row_free(r->row, r->width);
    int n = op_next(r->s->root, r->ctx, r->row);
    if (n != 1) /* the row holds nothing then */
        for (int i = 0; i < r->width; i++)
            r->row[i] = value_null();
    return n;
}

static void run_end(run *r)
{
    row_free(r->row, r->width);
    if (r->open) {
        op_close(r->s->root);
        r->ctx->nouter--;
        r->open = false;
    }
    if (r->row != r->local)
        free(r->row);
    r->row = NULL;
}

/* ---- scalar ----------------------------------------------------------------- */

static bool run_scalar(exec_ctx *ctx, subplan *s, const value_t *row, const sql_pos *pos,
                       value_t *out)
{
    run r;
    *out = value_null();
    bool ok = run_start(&r, ctx, s, row);
    int n = ok ? run_next(&r) : -1;
    if (n == 1) {
        *out = value_copy(&r.row[0]);
        n = run_next(&r);
        if (n == 1)
            ok = exec_fail(ctx, EXEC_ERR_SQL, pos, SCALAR_MANY);
    }
    if (n < 0)
        ok = false;
    run_end(&r);
    if (!ok)
        value_free(out);
    return ok;
}

bool subplan_scalar(exec_ctx *ctx, subplan *s, const value_t *row, const sql_pos *pos, value_t *out)
{
    *out = value_null();
    if (s->correlated)
        return run_scalar(ctx, s, row, pos, out);
    if (!s->have_cache) {
        value_t v;
        if (!run_scalar(ctx, s, row, pos, &v))
            return false;
        if (!exec_mem_charge(ctx, exec_row_bytes(&v, 1), "a scalar subquery's result")) {
            value_free(&v);
            return false;
        }
        s->scalar = v;
        s->exists = v.type != VAL_NULL;
        s->have_cache = true;
    }
    *out = value_copy(&s->scalar);
    return true;
}

/* ---- EXISTS ------------------------------------------------------------------ */

bool subplan_exists(exec_ctx *ctx, subplan *s, const value_t *row, bool *out)
{
    *out = false;
    if (!s->correlated && s->have_cache) {
        *out = s->exists;
        return true;
    }
    run r;
    bool ok = run_start(&r, ctx, s, row);
    int n = ok ? run_next(&r) : -1; /* the first row decides */
    run_end(&r);
    if (n < 0)
        return false;
    *out = n == 1;
    if (!s->correlated) {
        s->exists = *out;
        s->have_cache = true;
    }
    return true;
}

/* ---- IN ---------------------------------------------------------------------- */

/* Fills the cache of an uncorrelated IN: the distinct non-NULL values, each
 * charged to the memory account. */
static bool build_set(exec_ctx *ctx, subplan *s, const value_t *row)
{
    value_set *set = value_set_new();
    size_t charged = 0;
    bool has_null = false, any = false;
    run r;
    bool ok = run_start(&r, ctx, s, row);
    int n = 0;
    while (ok && (n = run_next(&r)) == 1) {
        any = true;
        if (r.row[0].type == VAL_NULL) {
            has_null = true;
            continue;
        }
        size_t grew;
        value_set_add(set, &r.row[0], &grew);
        charged += grew;
        ok = exec_mem_charge(ctx, grew, "an IN subquery's values");
    }
    if (ok && n < 0)
        ok = false;
    run_end(&r);
    if (!ok) {
        exec_mem_release(ctx, charged);
        value_set_free(set);
        return false;
    }
    s->set = set;
    s->set_has_null = has_null;
    s->exists = any;
    s->have_cache = true;
    return true;
}

/* A correlated IN: stream the rows and stop at the first match. */
static bool run_in(exec_ctx *ctx, subplan *s, const value_t *row, const value_t *needle, int *out)
{
    run r;
    bool ok = run_start(&r, ctx, s, row);
    bool any = false, unknown = false, found = false;
    int n = ok ? 0 : -1;
    while (ok && !found && (n = run_next(&r)) == 1) {
        any = true;
        vcmp c = value_compare(needle, &r.row[0]);
        if (c == VCMP_EQ)
            found = true;
        else if (c == VCMP_NULL)
            unknown = true;
    }
    run_end(&r);
    if (n < 0)
        return false;
    *out = found ? 1 : (unknown || (any && needle->type == VAL_NULL)) ? -1 : 0;
    return true;
}

bool subplan_in(exec_ctx *ctx, subplan *s, const value_t *row, const value_t *needle, int *out)
{
    *out = 0;
    if (s->correlated || (s->have_cache && !s->set))
        return run_in(ctx, s, row, needle, out);
    if (!s->have_cache && !build_set(ctx, s, row))
        return false;
    bool nonempty = s->set_has_null || value_set_count(s->set) > 0;
    if (needle->type == VAL_NULL)
        *out = nonempty ? -1 : 0; /* NULL IN (empty) is FALSE */
    else if (value_set_contains(s->set, needle))
        *out = 1;
    else
        *out = s->set_has_null ? -1 : 0;
    return true;
}

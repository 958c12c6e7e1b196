/* The distinct non-NULL values of an uncorrelated IN subquery, as one-column
 * rows. The planner puts it on the left of a key-lookup join, so that
 * `pk IN (SELECT ...)` reads the table by those keys instead of scanning it.
 * The subquery runs once per open; its values are held under the memory
 * limit. */
#include <stdlib.h>

#include "core/base/alloc.h"
#include "sql/op_internal.h"
#include "sql/value_set.h"

typedef struct keys_op {
    op_t base;
    subplan *sub;
    rowvec out;
    size_t pos;
    memacct mem;
} keys_op;

static bool keys_open(op_t *op, exec_ctx *ctx)
{
    keys_op *k = (keys_op *)op;
    rowvec_clear(&k->out);
    k->pos = 0;
    memacct_start(&k->mem, ctx, "IN subquery keys");
    op_t *root = k->sub->root;
    int w = root->width;
    value_t *row = xcalloc((size_t)(w ? w : 1), sizeof *row);
    value_set *seen = value_set_new();
    bool ok = op_open(root, ctx);
    while (ok) {
        int r = op_next(root, ctx, row);
        if (r <= 0) {
            ok = r == 0;
            break;
        }
        size_t grew = 0;
        if (row[0].type != VAL_NULL && value_set_add(seen, &row[0], &grew)) {
            ok = memacct_bytes(&k->mem, grew) && memacct_row(&k->mem, row, 1);
            if (ok)
                row_move(rowvec_push(&k->out), row, 1);
        }
        row_free(row, w);
    }
    op_close(root);
    value_set_free(seen);
    free(row);
    return ok;
}

static int keys_next(op_t *op, exec_ctx *ctx, value_t *row)
{
    (void)ctx;
    keys_op *k = (keys_op *)op;
    if (k->pos >= k->out.n)
        return 0;
    row_move(row, rowvec_at(&k->out, k->pos++), 1);
    return 1;
}

static void keys_close(op_t *op)
{
    keys_op *k = (keys_op *)op;
    rowvec_clear(&k->out);
    memacct_release(&k->mem);
    k->pos = 0;
}

static void keys_destroy(op_t *op)
{
    keys_op *k = (keys_op *)op;
    rowvec_free(&k->out);
    subplan_unref(k->sub);
    free(k);
}

static void keys_explain(const op_t *op, buf_t *out, int indent)
{
    const keys_op *k = (const keys_op *)op;
    explain_line(out, indent, "Distinct keys of the IN subquery (runs once)");
    op_explain(k->sub->root, out, indent + 1);
}

static const op_vt keys_vt = {"SubqueryKeys", keys_open,    keys_next,
                              keys_close,     keys_destroy, keys_explain};

op_t *op_subquery_keys(subplan *sub)
{
    keys_op *k = xcalloc(1, sizeof *k);
    k->base.vt = &keys_vt;
    k->base.width = 1;
    k->sub = sub;
    rowvec_init(&k->out, 1);
    return &k->base;
}

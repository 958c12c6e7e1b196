/* The batched key-lookup join (op_ddb_lookup_join in ddb_read.h). Per batch
 * of up to 100 left rows: evaluate each row's key, read the right items of
 * the distinct keys (one BatchGetItem when the key is the right table's
 * whole primary key, else a Query per distinct key), then give the left
 * rows in their order, each followed by its matches. The right spec's
 * filters are sent with each Query and, since a BatchGetItem cannot take
 * them, also checked here on every right row. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/base/json_util.h"
#include "sql/ddb_batch.h"
#include "sql/ddb_pages.h"
#include "sql/ddb_read.h"
#include "sql/ddb_spec.h"
#include "sql/eval.h"
#include "sql/op_internal.h"

#define LJ_BATCH 100
#define NO_KEY   SIZE_MAX

typedef struct lj_op {
    op_t base;
    op_t *left;
    bexpr *pk_expr, *sk_expr; /* sk_expr NULL unless the read key has a sort key */
    ddb_read_spec r;
    bexpr *residual;
    join_kind kind;
    int lw, rw, kw; /* kw: 1 or 2 key values */
    bool by_batch;  /* the keys are the right table's primary key */
    json_object *entry;
    ddb_batch_target bt;
    /* the run */
    memacct mem;
    bool left_done;
    bool right_empty;     /* the right's own sort-key condition matches nothing */
    skc_kind skc;         /* without sk_expr: the right's own sort-key condition */
    json_object *lo, *hi; /* its operands */
    uint64_t checks;
    /* the batch */
    rowvec lrows;
    size_t lkey[LJ_BATCH]; /* per left row: its distinct key, or NO_KEY */
    keyset keys;
    json_object *kpk[LJ_BATCH], *ksk[LJ_BATCH]; /* per distinct key: the values to send */
    size_t mstart[LJ_BATCH], mcount[LJ_BATCH];  /* per distinct key: its rows in rrows */
    rowvec rrows;
    /* position */
    size_t li, mi;
    bool in_left, lmatched;
    value_t *comb; /* borrowed: a left row, then a right row */
} lj_op;

static void batch_clear(lj_op *j)
{
    rowvec_clear(&j->lrows);
    rowvec_clear(&j->rrows);
    for (size_t e = 0; e < keyset_count(&j->keys); e++) {
        json_object_put(j->kpk[e]);
        json_object_put(j->ksk[e]);
        j->kpk[e] = j->ksk[e] = NULL;
    }
    keyset_clear(&j->keys);
    memacct_release(&j->mem);
    j->li = j->mi = 0;
    j->in_left = false;
}

static void lj_close(op_t *op)
{
    lj_op *j = (lj_op *)op;
    op_close(j->left);
    batch_clear(j);
    json_object_put(j->lo);
    json_object_put(j->hi);
    j->lo = j->hi = NULL;
}

static bool lj_open(op_t *op, exec_ctx *ctx)
{
    lj_op *j = (lj_op *)op;
    lj_close(op);
    memacct_start(&j->mem, ctx, "LookupJoin");
    j->left_done = false;
    j->right_empty = false;
    j->checks = 0;
    j->skc = SKC_NONE;
    if (!j->by_batch && !j->sk_expr && j->r.key_sk && j->r.skc != SKC_NONE) {
        j->skc = j->r.skc;
        if (!ddb_spec_sk_condition(&j->r, ctx, &j->skc, &j->lo, &j->hi, &j->right_empty))
            return false;
    }
    if (j->right_empty && j->kind == JOIN_INNER) {
        j->left_done = true; /* nothing can match: the left side is not read */
        return true;
    }
    return op_open(j->left, ctx);
}

/* Adds item as a right row of the current key when the right's filters
 * hold for it. */
static bool add_match(lj_op *j, exec_ctx *ctx, json_object *item)
{
    value_t *row = rowvec_push(&j->rrows);
    if (!ddb_item_row(ctx, j->r.slot_paths, j->r.nslots, item, row)) {
        j->rrows.n--;
        return false;
    }
    for (int f = 0; f < j->r.nfilters; f++) {
        int p = eval_pred(ctx, j->r.filters[f], row);
        if (p != 1) {
            row_free(row, j->rw);
            j->rrows.n--;
            return p == 0;
        }
    }
    return memacct_row(&j->mem, row, j->rw);
}

/* Right rows for keys[0..n) (key objects), in order; missing ones skipped. */
static bool add_by_key(lj_op *j, exec_ctx *ctx, json_object *const *keys, size_t n)
{
    json_object *items[DDB_BATCH_MAX_KEYS];
    bool ok = ddb_batch_get(ctx, &j->bt, keys, n, items);
    for (size_t i = 0; i < n; i++) {
        if (ok && items[i])
            ok = add_match(j, ctx, items[i]);
        json_object_put(items[i]);
    }
    return ok;
}

/* Every right item of distinct key e, with a Query (and, for an index that
 * lacks attributes, a BatchGetItem of the full items). */
static bool query_key(lj_op *j, exec_ctx *ctx, size_t e)
{
    skc_kind skc = j->ksk[e] ? SKC_EQ : j->skc;
    json_object *lo = json_object_get(j->ksk[e] ? j->ksk[e] : j->lo);
    json_object *req = ddb_spec_query_request(&j->r, ctx, json_object_get(j->kpk[e]), skc, lo,
                                              json_object_get(j->hi), j->r.fetch_by_key);
    ddb_pages pg;
    ddb_pages_init(&pg, j->r.client, DDB_QUERY, req, 1, NULL);
    const char *tkey[2] = {j->r.table_pk, j->r.table_sk};
    json_object *keys[DDB_BATCH_MAX_KEYS];
    size_t nkeys = 0;
    bool ok = true;
    for (;;) {
        json_object *item;
        int rc = ddb_pages_next(&pg, ctx, &item);
        ok = rc >= 0;
        if (rc <= 0)
            break;
        if (!j->r.fetch_by_key) {
            if (!(ok = add_match(j, ctx, item)))
                break;
            continue;
        }
        json_object *key = ddb_item_key(item, tkey, 2);
        if (key)
            keys[nkeys++] = key;
        if (nkeys == DDB_BATCH_MAX_KEYS) {
            ok = add_by_key(j, ctx, keys, nkeys);
            while (nkeys)
                json_object_put(keys[--nkeys]);
            if (!ok)
                break;
        }
    }
    if (ok && nkeys)
        ok = add_by_key(j, ctx, keys, nkeys);
    while (nkeys)
        json_object_put(keys[--nkeys]);
    ddb_pages_free(&pg);
    return ok;
}

/* The distinct key of left row i, or NO_KEY when it can match nothing. */
static bool key_row(lj_op *j, exec_ctx *ctx, size_t i)
{
    const value_t *row = rowvec_at(&j->lrows, i);
    value_t v[2] = {value_null(), value_null()};
    json_object *pk = NULL, *sk = NULL;
    j->lkey[i] = NO_KEY;
    int r = ddb_key_eval(ctx, j->pk_expr, row, j->r.key_pk_type, DDB_PK_MAX_BYTES, &pk, &v[0]);
    if (r > 0 && j->sk_expr)
        r = ddb_key_eval(ctx, j->sk_expr, row, j->r.key_sk_type, DDB_SK_MAX_BYTES, &sk, &v[1]);
    if (r > 0 && !j->right_empty) {
        bool added;
        size_t e = keyset_find_or_add(&j->keys, v, keys_hash(v, j->kw), &added);
        j->lkey[i] = e;
        if (added) {
            j->kpk[e] = pk;
            j->ksk[e] = sk;
            pk = sk = NULL;
        }
    }
    json_object_put(pk);
    json_object_put(sk);
    row_free(v, 2);
    return r >= 0;
}

/* Reads the next batch of left rows and their right rows. */
static bool fill_batch(lj_op *j, exec_ctx *ctx)
{
    batch_clear(j);
    while (j->lrows.n < LJ_BATCH) {
        value_t *row = rowvec_push(&j->lrows);
        int r = op_next(j->left, ctx, row);
        if (r != 1) {
            j->lrows.n--;
            if (r < 0)
                return false;
            j->left_done = true;
            break;
        }
        if (!memacct_row(&j->mem, row, j->lw) || !key_row(j, ctx, j->lrows.n - 1))
            return false;
    }
    size_t nk = keyset_count(&j->keys);
    if (j->by_batch) {
        json_object *keys[LJ_BATCH];
        for (size_t e = 0; e < nk; e++)
            keys[e] = ddb_key_object(j->r.table_pk, json_object_get(j->kpk[e]), j->r.table_sk,
                                     json_object_get(j->ksk[e]));
        json_object *items[LJ_BATCH] = {NULL};
        bool ok = nk == 0 || ddb_batch_get(ctx, &j->bt, keys, nk, items);
        for (size_t e = 0; e < nk; e++) {
            j->mstart[e] = j->rrows.n;
            if (ok && items[e])
                ok = add_match(j, ctx, items[e]);
            json_object_put(items[e]);
            j->mcount[e] = j->rrows.n - j->mstart[e];
            json_object_put(keys[e]);
        }
        return ok;
    }
    for (size_t e = 0; e < nk; e++) {
        j->mstart[e] = j->rrows.n;
        if (!query_key(j, ctx, e))
            return false;
        j->mcount[e] = j->rrows.n - j->mstart[e];
    }
    return true;
}

static int lj_next(op_t *op, exec_ctx *ctx, value_t *row)
{
    lj_op *j = (lj_op *)op;
    for (;;) {
        if (j->li < j->lrows.n) {
            const value_t *lrow = rowvec_at(&j->lrows, j->li);
            if (!j->in_left) {
                memcpy(j->comb, lrow, (size_t)j->lw * sizeof *j->comb);
                j->in_left = true;
                j->lmatched = false;
                j->mi = 0;
            }
            size_t e = j->lkey[j->li];
            while (e != NO_KEY && j->mi < j->mcount[e]) {
                const value_t *rrow = rowvec_at(&j->rrows, j->mstart[e] + j->mi++);
                memcpy(j->comb + j->lw, rrow, (size_t)j->rw * sizeof *j->comb);
                if (++j->checks % OP_CHECK_EVERY == 0 && !exec_check_limits(ctx))
                    return -1;
                if (j->residual) {
                    int p = eval_pred(ctx, j->residual, j->comb);
                    if (p < 0)
                        return -1;
                    if (p == 0)
                        continue;
                }
                j->lmatched = true;
                row_copy(row, j->comb, j->lw + j->rw);
                return 1;
            }
            j->in_left = false;
            j->li++;
            if (!j->lmatched && j->kind == JOIN_LEFT) {
                row_copy(row, lrow, j->lw);
                row_nullify(row + j->lw, j->rw);
                return 1;
            }
            continue;
        }
        if (j->left_done)
            return 0;
        if (!fill_batch(j, ctx))
            return -1;
    }
}

static void lj_destroy(op_t *op)
{
    lj_op *j = (lj_op *)op;
    lj_close(op);
    op_free(j->left);
    bexpr_free(j->pk_expr);
    bexpr_free(j->sk_expr);
    bexpr_free(j->residual);
    ddb_read_spec_clear(&j->r);
    json_object_put(j->entry);
    rowvec_free(&j->lrows);
    rowvec_free(&j->rrows);
    keyset_free(&j->keys);
    free(j->comb);
    free(j);
}

static void lj_explain(const op_t *op, buf_t *out, int indent)
{
    const lj_op *j = (const lj_op *)op;
    buf_t line = BUF_INIT(4096);
    buf_printf(&line, "LookupJoin %s %s", join_kind_name(j->kind),
               j->r.label ? j->r.label : j->r.table);
    if (j->by_batch)
        buf_printf(&line, " by BatchGetItem on %s%s%s", j->r.table_pk, j->r.table_sk ? ", " : "",
                   j->r.table_sk ? j->r.table_sk : "");
    else
        buf_printf(&line, " by a Query per key on %s%s%s", j->r.key_pk, j->sk_expr ? ", " : "",
                   j->sk_expr ? j->r.key_sk : "");
    if (j->r.index)
        buf_printf(&line, " (index %s%s)", j->r.index,
                   j->r.fetch_by_key ? ", then BatchGetItem by key" : "");
    if (j->r.nfilters)
        buf_printf(&line, ", %d right filter%s", j->r.nfilters, j->r.nfilters > 1 ? "s" : "");
    if (j->residual)
        buf_puts(&line, ", residual");
    explain_line(out, indent, "%s", buf_cstr(&line));
    buf_free(&line);
    if (j->r.note)
        explain_line(out, indent + 1, "why: %s", j->r.note);
    op_explain(j->left, out, indent + 1);
}

static const op_vt lj_vt = {"LookupJoin", lj_open, lj_next, lj_close, lj_destroy, lj_explain};

op_t *op_ddb_lookup_join(op_t *left, bexpr *pk_expr, bexpr *sk_expr, ddb_read_spec *right,
                         bexpr *residual, join_kind kind)
{
    lj_op *j = xcalloc(1, sizeof *j);
    j->base.vt = &lj_vt;
    j->left = left;
    j->r = *right;
    memset(right, 0, sizeof *right);
    if (!j->r.key_sk) {
        bexpr_free(sk_expr); /* the read key has no sort key to match */
        sk_expr = NULL;
    }
    j->pk_expr = pk_expr;
    j->sk_expr = sk_expr;
    j->residual = residual;
    j->kind = kind == JOIN_LEFT ? JOIN_LEFT : JOIN_INNER;
    j->lw = left->width;
    j->rw = j->r.nslots;
    j->kw = sk_expr ? 2 : 1;
    j->base.width = j->lw + j->rw;
    /* Per-key reads: no page-size hint, no cursor, no segments. */
    j->r.limit_hint = -1;
    j->r.segments = 1;
    json_object_put(j->r.start_key);
    j->r.start_key = NULL;
    j->by_batch = !j->r.index && (!j->r.table_sk || sk_expr);
    j->entry = ddb_spec_batch_entry(&j->r);
    j->bt = (ddb_batch_target){.client = j->r.client,
                               .table = j->r.table,
                               .pk = j->r.table_pk,
                               .sk = j->r.table_sk,
                               .entry = j->entry,
                               .label = j->r.label};
    rowvec_init(&j->lrows, j->lw);
    rowvec_init(&j->rrows, j->rw);
    keyset_init(&j->keys, j->kw);
    j->comb = xcalloc(j->base.width > 0 ? (size_t)j->base.width : 1, sizeof *j->comb);
    return &j->base;
}

/* The DynamoDB read operator (GetItem, BatchGetItem, Query, Scan, and
 * fetch_by_key over an index); see ddb_read.h. Requests are built at open
 * (key values evaluated then) and sent only while rows are pulled. */
#include "sql/ddb_read.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/base/json_util.h"
#include "sql/ddb_batch.h"
#include "sql/ddb_expr.h"
#include "sql/ddb_guard.h"
#include "sql/ddb_pages.h"
#include "sql/ddb_spec.h"
#include "sql/eval.h"
#include "sql/op_internal.h"

void ddb_read_spec_clear(ddb_read_spec *s)
{
    free(s->table);
    free(s->index);
    free(s->label);
    free(s->table_pk);
    free(s->table_sk);
    free(s->key_pk);
    free(s->key_sk);
    bexpr_free(s->pk_value);
    bexpr_free(s->sk_value);
    bexpr_free(s->sk_lo);
    bexpr_free(s->sk_hi);
    for (int i = 0; i < s->nkeys; i++) {
        if (s->batch_pk)
            bexpr_free(s->batch_pk[i]);
        if (s->batch_sk)
            bexpr_free(s->batch_sk[i]);
    }
    free(s->batch_pk);
    free(s->batch_sk);
    for (int i = 0; i < s->nfilters; i++)
        bexpr_free(s->filters[i]);
    free(s->filters);
    for (int i = 0; i < s->nslots; i++)
        ddb_path_free(&s->slot_paths[i]);
    free(s->slot_paths);
    json_object_put(s->start_key);
    free(s->note);
    memset(s, 0, sizeof *s);
}

bool ddb_filter_pushable(const bexpr *e, const ddb_path *slot_paths, int nslots)
{
    return ddb_expr_pushable(e, slot_paths, nslots);
}

/* ---- what a run reads ------------------------------------------------------- */

/* The requests of one run, from the spec and the key values at open. */
typedef struct read_plan {
    bool empty;         /* a key value matches nothing: no call at all */
    json_object *req;   /* GetItem, or the first Query/Scan page (owned) */
    json_object **keys; /* BatchGetItem: the distinct keys, in order (owned) */
    size_t nkeys;
} read_plan;

static void plan_free(read_plan *p)
{
    json_object_put(p->req);
    for (size_t i = 0; i < p->nkeys; i++)
        json_object_put(p->keys[i]);
    free(p->keys);
    memset(p, 0, sizeof *p);
}

/* Evaluates a key; false on error. *av NULL: it matches nothing. */
static bool key_of(exec_ctx *ctx, const bexpr *e, char type, size_t max, json_object **av)
{
    *av = NULL;
    return !e || ddb_key_eval(ctx, e, NULL, type, max, av, NULL) >= 0;
}

static bool plan_get(const ddb_read_spec *s, exec_ctx *ctx, read_plan *p)
{
    json_object *pk = NULL, *sk = NULL;
    if (!key_of(ctx, s->pk_value, s->table_pk_type, DDB_PK_MAX_BYTES, &pk))
        return false;
    if (s->table_sk && !key_of(ctx, s->sk_value, s->table_sk_type, DDB_SK_MAX_BYTES, &sk)) {
        json_object_put(pk);
        return false;
    }
    if (!pk || (s->table_sk && !sk)) {
        json_object_put(pk);
        json_object_put(sk);
        p->empty = true;
        return true;
    }
    p->req = ddb_spec_get_request(s, ddb_key_object(s->table_pk, pk, s->table_sk, sk));
    return true;
}

/* The distinct keys that can match, in order of first appearance. */
static bool plan_batch(const ddb_read_spec *s, exec_ctx *ctx, read_plan *p)
{
    int w = s->table_sk ? 2 : 1;
    keyset seen;
    keyset_init(&seen, w);
    p->keys = xcalloc(s->nkeys > 0 ? (size_t)s->nkeys : 1, sizeof *p->keys);
    bool ok = true;
    for (int i = 0; i < s->nkeys && ok; i++) {
        value_t v[2] = {value_null(), value_null()};
        json_object *pk = NULL, *sk = NULL;
        int r =
            ddb_key_eval(ctx, s->batch_pk[i], NULL, s->table_pk_type, DDB_PK_MAX_BYTES, &pk, &v[0]);
        if (r > 0 && s->table_sk)
            r = s->batch_sk ? ddb_key_eval(ctx, s->batch_sk[i], NULL, s->table_sk_type,
                                           DDB_SK_MAX_BYTES, &sk, &v[1])
                            : 0;
        ok = r >= 0;
        bool added = false;
        if (r > 0)
            keyset_find_or_add(&seen, v, keys_hash(v, w), &added);
        row_free(v, 2);
        if (added) {
            p->keys[p->nkeys++] = ddb_key_object(s->table_pk, pk, s->table_sk, sk);
        } else {
            json_object_put(pk);
            json_object_put(sk);
        }
    }
    keyset_free(&seen);
    p->empty = ok && p->nkeys == 0;
    return ok;
}

static bool plan_query(const ddb_read_spec *s, exec_ctx *ctx, read_plan *p)
{
    json_object *pk, *lo = NULL, *hi = NULL;
    skc_kind skc = s->key_sk ? s->skc : SKC_NONE;
    if (!key_of(ctx, s->pk_value, s->key_pk_type, DDB_PK_MAX_BYTES, &pk))
        return false;
    bool empty = !pk;
    bool ok = empty || skc == SKC_NONE || ddb_spec_sk_condition(s, ctx, &skc, &lo, &hi, &empty);
    if (!ok || empty) {
        json_object_put(pk);
        json_object_put(lo);
        json_object_put(hi);
        p->empty = ok;
        return ok;
    }
    p->req = ddb_spec_query_request(s, ctx, pk, skc, lo, hi, s->fetch_by_key);
    return true;
}

static bool make_plan(const ddb_read_spec *s, exec_ctx *ctx, read_plan *p)
{
    memset(p, 0, sizeof *p);
    bool ok = true;
    switch (s->kind) {
    case ACC_GET:
        ok = plan_get(s, ctx, p);
        break;
    case ACC_BATCH_GET:
        ok = plan_batch(s, ctx, p);
        break;
    case ACC_QUERY:
        ok = plan_query(s, ctx, p);
        break;
    case ACC_SCAN:
        p->req = ddb_spec_scan_request(s, ctx, s->fetch_by_key);
        break;
    }
    if (!ok)
        plan_free(p);
    return ok;
}

/* ---- the operator ------------------------------------------------------------ */

typedef struct read_op {
    op_t base;
    ddb_read_spec s;
    ddb_op op; /* of the paged read */
    bool resumable;
    const char *key_names[4]; /* of a resume key: the table's, then the index's */
    json_object *entry;       /* BatchGetItem's KeysAndAttributes (BATCH_GET, fetch_by_key) */
    ddb_batch_target bt;
    /* the run */
    read_plan plan;
    bool get_done;
    size_t kpos; /* BATCH_GET: next key to read */
    bool have_pages;
    ddb_pages pages;
    json_object **buf; /* items fetched by key, to return in order (refs) */
    size_t nbuf, bpos;
    json_object *last; /* the last item returned (a ref), when resumable */
} read_op;

static void buf_drop(read_op *r)
{
    for (size_t i = r->bpos; i < r->nbuf; i++)
        json_object_put(r->buf[i]);
    r->nbuf = r->bpos = 0;
}

static void read_close(op_t *op)
{
    read_op *r = (read_op *)op;
    plan_free(&r->plan);
    if (r->have_pages && r->resumable) {
        json_object *it = ddb_pages_last_item(&r->pages); /* row mode keeps it there */
        if (it) {
            json_object_put(r->last);
            r->last = it;
        }
    }
    if (r->have_pages)
        ddb_pages_free(&r->pages);
    r->have_pages = false;
    buf_drop(r);
    r->get_done = false;
    r->kpos = 0;
    /* last stays: the cursor asks for it after the run */
}

static bool read_open(op_t *op, exec_ctx *ctx)
{
    read_op *r = (read_op *)op;
    read_close(op);
    json_object_put(r->last);
    r->last = NULL;
    if (!make_plan(&r->s, ctx, &r->plan))
        return false;
    if (!r->plan.empty && (r->s.kind == ACC_QUERY || r->s.kind == ACC_SCAN)) {
        ddb_pages_init(&r->pages, r->s.client, r->op, json_object_get(r->plan.req),
                       r->s.kind == ACC_SCAN ? r->s.segments : 1, r->s.start_key);
        if (!r->s.fetch_by_key) /* rows straight from the answers' text */
            ddb_pages_decode_rows(&r->pages, r->s.slot_paths, r->s.nslots, r->resumable);
        r->have_pages = true;
    }
    return true;
}

/* Fetches keys[0..n) by key into the buffer, in order, skipping those the
 * table does not have. */
static bool fill_by_key(read_op *r, exec_ctx *ctx, json_object *const *keys, size_t n)
{
    json_object **items = xcalloc(n ? n : 1, sizeof *items);
    bool ok = ddb_batch_get(ctx, &r->bt, keys, n, items);
    r->nbuf = r->bpos = 0;
    for (size_t i = 0; i < n; i++)
        if (items[i])
            r->buf[r->nbuf++] = items[i];
    free(items);
    return ok;
}

/* fetch_by_key: the next keys from the index, then their items. At most
 * the page-size hint at once, so a LIMIT does not fetch a hundred. */
static int fetch_next_batch(read_op *r, exec_ctx *ctx)
{
    size_t want = DDB_BATCH_MAX_KEYS;
    if (r->s.limit_hint > 0 && (uint64_t)r->s.limit_hint < want)
        want = (size_t)r->s.limit_hint;
    json_object *keys[DDB_BATCH_MAX_KEYS];
    size_t n = 0;
    int rc = 1;
    while (n < want) {
        json_object *item;
        rc = ddb_pages_next(&r->pages, ctx, &item);
        if (rc <= 0)
            break;
        json_object *key = ddb_item_key(item, r->key_names, 2);
        if (key)
            keys[n++] = key;
    }
    bool ok = rc >= 0 && (n == 0 || fill_by_key(r, ctx, keys, n));
    for (size_t i = 0; i < n; i++)
        json_object_put(keys[i]);
    if (!ok)
        return -1;
    return n > 0 ? 1 : 0;
}

/* The next item of the run (borrowed until the next call): 1, 0 at the
 * end, -1 on error. */
static int next_item(read_op *r, exec_ctx *ctx, json_object **item)
{
    for (;;) {
        if (r->bpos < r->nbuf) {
            *item = r->buf[r->bpos];
            r->buf[r->bpos++] = NULL;
            json_object_put(r->last); /* the buffer's reference moves to last */
            r->last = *item;
            return 1;
        }
        buf_drop(r);
        switch (r->s.kind) {
        case ACC_GET: {
            if (r->get_done)
                return 0;
            r->get_done = true;
            json_object *resp;
            if (!ddb_guarded_call(ctx, r->s.client, DDB_GET_ITEM, r->plan.req, &resp))
                return -1;
            json_object *it = jget_obj(resp, "Item");
            if (it)
                r->buf[r->nbuf++] = json_object_get(it);
            json_object_put(resp);
            continue;
        }
        case ACC_BATCH_GET: {
            if (r->kpos >= r->plan.nkeys)
                return 0;
            size_t n = r->plan.nkeys - r->kpos;
            if (n > DDB_BATCH_MAX_KEYS)
                n = DDB_BATCH_MAX_KEYS;
            if (!fill_by_key(r, ctx, r->plan.keys + r->kpos, n))
                return -1;
            r->kpos += n;
            continue;
        }
        case ACC_QUERY:
        case ACC_SCAN:
            if (r->s.fetch_by_key) {
                int rc = fetch_next_batch(r, ctx);
                if (rc <= 0)
                    return rc;
                continue;
            }
            {
                int rc = ddb_pages_next(&r->pages, ctx, item);
                if (rc == 1 && r->resumable) {
                    json_object_put(r->last);
                    r->last = json_object_get(*item);
                }
                return rc;
            }
        }
        return 0;
    }
}

static int read_next(op_t *op, exec_ctx *ctx, value_t *row)
{
    read_op *r = (read_op *)op;
    if (r->plan.empty)
        return 0;
    if (r->have_pages && r->pages.shape)
        return ddb_pages_next_row(&r->pages, ctx, row);
    json_object *item;
    int rc = next_item(r, ctx, &item);
    if (rc != 1)
        return rc;
    return ddb_item_row(ctx, r->s.slot_paths, r->s.nslots, item, row) ? 1 : -1;
}

static void read_destroy(op_t *op)
{
    read_op *r = (read_op *)op;
    read_close(op);
    json_object_put(r->last);
    json_object_put(r->entry);
    ddb_read_spec_clear(&r->s);
    free(r->buf);
    free(r);
}

/* ---- EXPLAIN ------------------------------------------------------------------- */

static const char *kind_name(acc_kind k)
{
    switch (k) {
    case ACC_GET:
        return "GetItem";
    case ACC_BATCH_GET:
        return "BatchGetItem";
    case ACC_QUERY:
        return "Query";
    case ACC_SCAN:
        return "Scan";
    }
    return "?";
}

/* What e needs that only the running query has: 1 an enclosing query's
 * row, 2 a subquery's value (which EXPLAIN must not run), 0 nothing. */
static int known_at_run(const bexpr *e)
{
    if (!e)
        return 0;
    if (e->sub)
        return 2;
    int k = e->kind == BX_OUTER;
    for (size_t i = 0; i < e->nargs && k < 2; i++) {
        int a = known_at_run(e->args[i]);
        k = a > k ? a : k;
    }
    return k;
}

static int spec_known_at_run(const ddb_read_spec *s)
{
    const bexpr *one[4] = {s->pk_value, s->sk_value, s->sk_lo, s->sk_hi};
    int k = 0;
    for (int i = 0; i < 4; i++) {
        int a = known_at_run(one[i]);
        k = a > k ? a : k;
    }
    for (int i = 0; i < s->nkeys; i++) {
        int a = known_at_run(s->batch_pk[i]), b = s->batch_sk ? known_at_run(s->batch_sk[i]) : 0;
        k = a > k ? a : k;
        k = b > k ? b : k;
    }
    for (int i = 0; i < s->nfilters; i++) {
        int a = known_at_run(s->filters[i]);
        k = a > k ? a : k;
    }
    return k;
}

/* The request of the first call, when its values are known before the
 * query runs. EXPLAIN never calls DynamoDB, so a value that needs a
 * subquery is not computed here. */
static void explain_request(const read_op *r, buf_t *out, int indent)
{
    int later = spec_known_at_run(&r->s);
    if (later == 2) {
        explain_line(out, indent,
                     "request: built when the query runs (a value comes from a subquery)");
        return;
    }
    if (later == 1) {
        explain_line(out, indent, "request: built per outer row");
        return;
    }
    exec_ctx scratch;
    exec_ctx_init(&scratch, NULL, 0);
    read_plan p;
    if (!make_plan(&r->s, &scratch, &p)) {
        explain_line(out, indent, "request: built per outer row");
        return;
    }
    if (p.empty) {
        explain_line(out, indent, "request: none (the key value cannot match any item)");
    } else if (r->s.kind == ACC_BATCH_GET) {
        size_t n = p.nkeys < DDB_BATCH_MAX_KEYS ? p.nkeys : DDB_BATCH_MAX_KEYS;
        json_object *req = ddb_batch_request(&r->bt, p.keys, n);
        explain_line(out, indent, "request: %s", json_compact(req));
        json_object_put(req);
    } else {
        if (r->s.kind == ACC_SCAN && r->s.segments > 1) {
            jset_int(p.req, "Segment", 0);
            jset_int(p.req, "TotalSegments", r->s.segments);
        }
        explain_line(out, indent, "request: %s", json_compact(p.req));
    }
    plan_free(&p);
}

static void read_explain(const op_t *op, buf_t *out, int indent)
{
    const read_op *r = (const read_op *)op;
    const ddb_read_spec *s = &r->s;
    buf_t line = BUF_INIT(4096);
    buf_printf(&line, "DynamoDB %s %s", kind_name(s->kind), s->label ? s->label : s->table);
    if (s->index)
        buf_printf(&line, " index %s", s->index);
    if (s->kind == ACC_BATCH_GET)
        buf_printf(&line, " (%d keys)", s->nkeys);
    if (s->kind == ACC_QUERY && !s->forward)
        buf_puts(&line, " backward");
    if (s->kind == ACC_SCAN && s->segments > 1)
        buf_printf(&line, " in %d segments", s->segments);
    if (s->fetch_by_key)
        buf_puts(&line, ", then BatchGetItem by key");
    explain_line(out, indent, "%s", buf_cstr(&line));
    buf_free(&line);
    if (s->note)
        explain_line(out, indent + 1, "why: %s", s->note);
    explain_request(r, out, indent + 1);
}

static const op_vt read_vt = {"DynamoDBRead", read_open,    read_next,
                              read_close,     read_destroy, read_explain};

op_t *op_ddb_read(ddb_read_spec *spec)
{
    read_op *r = xcalloc(1, sizeof *r);
    r->base.vt = &read_vt;
    r->s = *spec;
    memset(spec, 0, sizeof *spec);
    r->base.width = r->s.nslots;
    r->op = r->s.kind == ACC_SCAN ? DDB_SCAN : DDB_QUERY;
    r->resumable = (r->s.kind == ACC_QUERY || (r->s.kind == ACC_SCAN && r->s.segments <= 1)) &&
                   !r->s.fetch_by_key;
    r->key_names[0] = r->s.table_pk;
    r->key_names[1] = r->s.table_sk;
    if (r->s.index) {
        r->key_names[2] = r->s.key_pk;
        r->key_names[3] = r->s.key_sk;
    }
    r->entry = ddb_spec_batch_entry(&r->s);
    r->bt = (ddb_batch_target){.client = r->s.client,
                               .table = r->s.table,
                               .pk = r->s.table_pk,
                               .sk = r->s.table_sk,
                               .entry = r->entry,
                               .label = r->s.label};
    r->buf = xcalloc(DDB_BATCH_MAX_KEYS, sizeof *r->buf);
    return &r->base;
}

json_object *op_ddb_resume_key(const op_t *op)
{
    if (!op || op->vt != &read_vt)
        return NULL;
    const read_op *r = (const read_op *)op;
    if (!r->resumable)
        return NULL;
    json_object *last = r->have_pages ? ddb_pages_last_item(&r->pages) : json_object_get(r->last);
    json_object *key = last ? ddb_item_key(last, r->key_names, 4) : NULL;
    json_object_put(last);
    return key;
}

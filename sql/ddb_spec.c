/* Requests of a planned read; see ddb_spec.h. */
#include "sql/ddb_spec.h"

#include <math.h>
#include <stdint.h>

#include "core/base/json_util.h"
#include "sql/ddb_expr.h"
#include "sql/eval.h"

/* Expression buffers: DynamoDB takes 4 KB per expression; ddb_expr keeps
 * filters and projections within that, key conditions are short. */
#define EXPR_BUF_MAX (64u << 10)

json_object *ddb_key_av(const value_t *v, char type, size_t max_len)
{
    switch (v->type) {
    case VAL_STRING:
        if (type != 'S')
            return NULL;
        break;
    case VAL_BINARY:
        if (type != 'B')
            return NULL;
        break;
    case VAL_NUMBER:
        if (type != 'N')
            return NULL;
        break;
    case VAL_DOUBLE:
        if (type != 'N' || !isfinite(v->u.f))
            return NULL;
        break;
    default:
        return NULL;
    }
    if ((v->type == VAL_STRING || v->type == VAL_BINARY) &&
        (v->u.bytes->len == 0 || (max_len && v->u.bytes->len > max_len)))
        return NULL;
    char err[128];
    return ddb_from_value(v, err, sizeof err);
}

int ddb_key_eval(exec_ctx *ctx, const bexpr *e, const value_t *row, char type, size_t max_len,
                 json_object **av, value_t *v)
{
    *av = NULL;
    value_t tmp = value_null();
    const value_t *val = &tmp;
    if (e->kind == BX_CONST)
        val = &e->value; /* borrowed: no copy per key */
    else if (e->kind == BX_COL && row)
        val = &row[e->slot];
    else if (!eval_expr(ctx, e, row, &tmp))
        return -1;
    *av = ddb_key_av(val, type, max_len);
    if (v)
        *v = *av ? value_copy(val) : value_null();
    value_free(&tmp);
    return *av != NULL;
}

bool ddb_item_row(exec_ctx *ctx, const ddb_path *paths, int n, json_object *item, value_t *row)
{
    for (int i = 0; i < n; i++) {
        if (paths[i].n == 0) {
            row[i] = value_doc(VAL_MAP, item);
            continue;
        }
        char err[256];
        if (!ddb_item_get(item, &paths[i], &row[i], err, sizeof err)) {
            row_free(row, i);
            return exec_fail(ctx, EXEC_ERR_DYNAMODB, NULL,
                             "DynamoDB returned a malformed attribute %s: %s",
                             paths[i].steps[0].name ? paths[i].steps[0].name : "?", err);
        }
    }
    return true;
}

json_object *ddb_key_object(const char *pk, json_object *pk_av, const char *sk, json_object *sk_av)
{
    json_object *key = json_object_new_object();
    jset(key, pk, pk_av);
    if (sk && sk_av)
        jset(key, sk, sk_av);
    else
        json_object_put(sk_av);
    return key;
}

json_object *ddb_item_key(json_object *item, const char *const *names, int n)
{
    json_object *key = json_object_new_object();
    for (int i = 0; i < n; i++) {
        if (!names[i] || jget(key, names[i]))
            continue;
        json_object *av = jget(item, names[i]);
        if (!av) {
            json_object_put(key);
            return NULL;
        }
        jset(key, names[i], json_object_get(av));
    }
    return key;
}

/* What a sort-key operand can be. */
enum { SK_ERROR = -1, SK_NOTHING = 0, SK_FITS = 1, SK_EMPTY = 2 };

/* Evaluates a sort-key operand (no length limit: a range bound may be
 * longer than any key). SK_NOTHING when no key can compare with it as SQL
 * would (NULL, another type): every ordering is then false in SQL too.
 * SK_EMPTY for an empty string or binary of the key's type, which DynamoDB
 * does not take but which orders before every key. A DOUBLE outside
 * DynamoDB's number range is an error: SQL would still order numbers
 * against it. */
static int sk_operand(const ddb_read_spec *s, exec_ctx *ctx, const bexpr *e, json_object **av,
                      value_t *v)
{
    int r = ddb_key_eval(ctx, e, NULL, s->key_sk_type, 0, av, v);
    if (r != 0)
        return r < 0 ? SK_ERROR : SK_FITS;
    value_t x;
    if (!eval_expr(ctx, e, NULL, &x))
        return SK_ERROR;
    int cls = SK_NOTHING;
    if (x.type == VAL_DOUBLE && s->key_sk_type == 'N') {
        cls = SK_ERROR;
        exec_fail(ctx, EXEC_ERR_SQL, &e->pos,
                  "the DOUBLE %g is outside DynamoDB's number range (1E-130 to 9.99E+125 in "
                  "magnitude), so it cannot bound the sort key of %s; compare with a NUMBER",
                  x.u.f, s->label ? s->label : s->table);
    } else if (((x.type == VAL_STRING && s->key_sk_type == 'S') ||
                (x.type == VAL_BINARY && s->key_sk_type == 'B')) &&
               x.u.bytes->len == 0) {
        cls = SK_EMPTY;
    }
    value_free(&x);
    return cls;
}

bool ddb_spec_sk_condition(const ddb_read_spec *s, exec_ctx *ctx, skc_kind *skc, json_object **lo,
                           json_object **hi, bool *empty)
{
    value_t vlo = value_null(), vhi = value_null();
    bool ok = true;
    if (*skc == SKC_EQ) {
        ok = ddb_key_eval(ctx, s->sk_lo, NULL, s->key_sk_type, DDB_SK_MAX_BYTES, lo, NULL) >= 0;
        *empty = !*lo;
        return ok;
    }
    int a = sk_operand(s, ctx, s->sk_lo, lo, &vlo);
    int b = *skc == SKC_BETWEEN && a != SK_ERROR ? sk_operand(s, ctx, s->sk_hi, hi, &vhi) : SK_FITS;
    if (a == SK_ERROR || b == SK_ERROR) {
        ok = false;
    } else if (a == SK_NOTHING || b == SK_NOTHING || b == SK_EMPTY) {
        *empty = true; /* nothing is <= "", and keys are never empty */
    } else if (a == SK_EMPTY) {
        /* "" is below every key: > and >= hold for all, < and <= for none */
        if (*skc == SKC_LT || *skc == SKC_LE)
            *empty = true;
        else if (*skc == SKC_BETWEEN) {
            *skc = SKC_LE;
            *lo = *hi;
            *hi = NULL;
        } else
            *skc = SKC_NONE;
    } else if (*skc == SKC_BETWEEN && value_compare(&vlo, &vhi) == VCMP_GT) {
        *empty = true; /* DynamoDB rejects lo > hi; SQL's BETWEEN is false */
    }
    value_free(&vlo);
    value_free(&vhi);
    return ok;
}

/* ---- request bodies ---------------------------------------------------------- */

/* Adds "ProjectionExpression" for the slots (or, keys_only, the table's
 * key) plus the key attributes named. */
static void add_projection(json_object *req, ddb_expr *x, const ddb_read_spec *s, bool keys_only,
                           bool with_index_keys)
{
    const char *keys[4] = {s->table_pk, s->table_sk, NULL, NULL};
    if (with_index_keys && s->index) {
        keys[2] = s->key_pk;
        keys[3] = s->key_sk;
    }
    buf_t text = BUF_INIT(EXPR_BUF_MAX);
    if (ddb_expr_projection(x, &text, s->slot_paths, keys_only ? 0 : s->nslots, keys, 4))
        jset_str(req, "ProjectionExpression", buf_cstr(&text));
    buf_free(&text);
}

static void add_filter(json_object *req, ddb_expr *x, const ddb_read_spec *s, exec_ctx *ctx)
{
    buf_t text = BUF_INIT(EXPR_BUF_MAX);
    if (ddb_expr_filter(x, &text, s->filters, s->nfilters, s->slot_paths, s->nslots, ctx) > 0)
        jset_str(req, "FilterExpression", buf_cstr(&text));
    buf_free(&text);
}

/* The members every read ends with. */
static void add_tail(json_object *req, const ddb_read_spec *s, bool paged)
{
    if (paged && s->limit_hint > 0)
        jset_int(req, "Limit", s->limit_hint < INT32_MAX ? s->limit_hint : INT32_MAX);
    jset_bool(req, "ConsistentRead", false);
    jset_str(req, "ReturnConsumedCapacity", "TOTAL");
}

static json_object *new_request(const ddb_read_spec *s)
{
    json_object *req = json_object_new_object();
    jset_str(req, "TableName", s->table);
    if (s->index)
        jset_str(req, "IndexName", s->index);
    return req;
}

json_object *ddb_spec_get_request(const ddb_read_spec *s, json_object *key)
{
    json_object *req = json_object_new_object();
    jset_str(req, "TableName", s->table);
    jset(req, "Key", key);
    ddb_expr x;
    ddb_expr_init(&x);
    add_projection(req, &x, s, false, false);
    ddb_expr_attach(&x, req);
    add_tail(req, s, false);
    return req;
}

json_object *ddb_spec_query_request(const ddb_read_spec *s, exec_ctx *ctx, json_object *pk_av,
                                    skc_kind skc, json_object *lo, json_object *hi, bool keys_only)
{
    json_object *req = new_request(s);
    ddb_expr x;
    ddb_expr_init(&x);
    buf_t text = BUF_INIT(EXPR_BUF_MAX);
    ddb_expr_key_condition(&x, &text, s->key_pk, pk_av, s->key_sk, skc, lo, hi);
    jset_str(req, "KeyConditionExpression", buf_cstr(&text));
    buf_free(&text);
    add_filter(req, &x, s, ctx);
    add_projection(req, &x, s, keys_only, !keys_only);
    ddb_expr_attach(&x, req);
    jset_bool(req, "ScanIndexForward", s->forward);
    add_tail(req, s, true);
    return req;
}

json_object *ddb_spec_scan_request(const ddb_read_spec *s, exec_ctx *ctx, bool keys_only)
{
    json_object *req = new_request(s);
    ddb_expr x;
    ddb_expr_init(&x);
    add_filter(req, &x, s, ctx);
    add_projection(req, &x, s, keys_only, !keys_only);
    ddb_expr_attach(&x, req);
    add_tail(req, s, true);
    return req;
}

json_object *ddb_spec_batch_entry(const ddb_read_spec *s)
{
    json_object *entry = json_object_new_object();
    ddb_expr x;
    ddb_expr_init(&x);
    add_projection(entry, &x, s, false, false);
    ddb_expr_attach(&x, entry);
    jset_bool(entry, "ConsistentRead", false);
    return entry;
}

/* Access-path choice (sql/access_path.h).
 *
 * Outline: parse the description (the table, then every usable secondary
 * index), classify each conjunct (which key attribute it constrains and how,
 * which attribute it proves present), build one candidate per usable access
 * (GetItem, BatchGetItem, a Query per table/index), estimate each, pick one,
 * and only then allocate the spec, so a malformed description leaks nothing.
 *
 * Cost model (items DynamoDB reads; only the ranking matters):
 *   - n = the table's item_count (at least 1); an index's own item_count
 *     when the description has one.
 *   - Items per partition-key value: 1 on a table without a sort key (the
 *     key is unique); otherwise n / sqrt(n) = sqrt(n), i.e. we assume
 *     sqrt(n) distinct partition keys. An LSI shares the table's partition
 *     keys (its count / sqrt(table count)); a GSI is sqrt(its count).
 *   - A sort-key condition divides that: = by 100, begins_with by 10,
 *     BETWEEN (or a lower and an upper bound) by 8, one bound by 4. At
 *     least 1 item.
 *   - fetch_by_key (the index does not project what the query needs)
 *     doubles it: one BatchGetItem read per index item.
 *   - GetItem reads 1; BatchGetItem one per key, at most AP_BATCH_MAX_KEYS
 *     (past that, a Query or Scan is likely cheaper and a single read would
 *     hold too many requests).
 *   - LIMIT: when rows stream in the wanted order (no ORDER BY for this
 *     read, or the Query's sort key gives it), the read stops after about
 *     limit_hint * 4^r items, r being the conjuncts the key condition does
 *     not consume (each assumed to keep a quarter of the rows).
 * Keyed candidates are compared by that estimate (ties: GetItem, then
 * BatchGetItem, then Query; the table before its indexes, indexes in the
 * description's order). One that satisfies ORDER BY wins when it is at
 * most twice the cheapest. A Scan is chosen only when there is no keyed
 * candidate: keyed reads are bounded by their keys, while ItemCount may be
 * hours stale, so "Scan is cheaper" is never trusted. */
#include "sql/access_path.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/base/json_util.h"
#include "sql/exec.h"
#include "sql/like.h"

#define AP_BATCH_MAX_KEYS     1000
#define AP_SCAN_SEGMENT_ITEMS 10000.0
#define AP_SEL_EQ             100.0
#define AP_SEL_PREFIX         10.0
#define AP_SEL_BETWEEN        8.0
#define AP_SEL_RANGE          4.0
#define AP_RESIDUAL_KEEP      4.0
#define AP_ORDER_SLACK        2.0
#define AP_MAX_INDEXES        64

/* ---- the description ------------------------------------------------------ */

typedef enum proj_kind { PROJ_ALL, PROJ_KEYS_ONLY, PROJ_INCLUDE } proj_kind;

/* The table itself or one secondary index. */
typedef struct ixinfo {
    const char *name; /* NULL for the table */
    bool gsi, lsi;
    const char *pk, *sk; /* sk NULL when none */
    char pkt, skt;
    proj_kind proj;
    json_object *include; /* INCLUDE's attribute names (array), or NULL */
    double items;         /* its item count, at least 1 */
    int sparse;           /* -1 unknown, 0 not sparse, 1 sparse (sampling) */
} ixinfo;

typedef struct tinfo {
    const char *table;
    ixinfo t;
    ixinfo ix[AP_MAX_INDEXES];
    int nix;
    json_object *columns; /* sampled columns, or NULL */
    int64_t sampled;      /* items sampled (0: unknown) */
} tinfo;

static bool fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return false;
}

static bool key_type(const char *s, char *out)
{
    if (!s || strlen(s) != 1 || !strchr("SNB", s[0]))
        return false;
    *out = s[0];
    return true;
}

static double count_of(json_object *obj, double dflt)
{
    json_object *v = jget(obj, "item_count");
    if (!v || !json_object_is_type(v, json_type_int))
        return dflt;
    int64_t n = json_object_get_int64(v);
    return n > 0 ? (double)n : 1.0;
}

static bool has_count(json_object *obj)
{
    json_object *v = jget(obj, "item_count");
    return v && json_object_is_type(v, json_type_int) && json_object_get_int64(v) > 0;
}

/* Sampled items that have attr (top level). */
static int64_t present_of(json_object *columns, const char *attr)
{
    for (size_t i = 0; attr && columns && i < json_object_array_length(columns); i++) {
        json_object *col = json_object_array_get_idx(columns, i);
        const char *n = jget_str(col, "name");
        if (n && strcmp(n, attr) == 0)
            return jget_int(col, "present_count", 0);
    }
    return 0;
}

/* DynamoDB refreshes ItemCount about every six hours, so a table written
 * since reports 0 (or too few). Without a positive count, the sample stands
 * in: items_sampled is a lower bound (the exact count when the sample read
 * the whole table), and an index holds the share of sampled items that
 * carry its key attributes. */
static void counts_from_sample(json_object *d, json_object *ixs, tinfo *t)
{
    if (t->sampled <= 0)
        return;
    if (!has_count(d))
        t->t.items = (double)t->sampled;
    size_t k = 0;
    for (size_t i = 0; ixs && i < json_object_array_length(ixs) && k < (size_t)t->nix; i++) {
        json_object *o = json_object_array_get_idx(ixs, i);
        const char *name = jget_str(o, "name");
        if (!name || strcmp(name, t->ix[k].name) != 0)
            continue;
        ixinfo *ix = &t->ix[k++];
        if (has_count(o))
            continue;
        int64_t have = present_of(t->columns, ix->pk);
        if (ix->sk) {
            int64_t s2 = present_of(t->columns, ix->sk);
            have = s2 < have ? s2 : have;
        }
        double items = t->t.items * (double)have / (double)t->sampled;
        ix->items = items < 1.0 ? 1.0 : items;
    }
}

static bool parse_index(json_object *o, size_t i, ixinfo *ix, double table_items, char *err,
                        size_t errlen)
{
    const char *type = jget_str(o, "type");
    ix->name = jget_str(o, "name");
    if (!ix->name || !*ix->name)
        return fail(err, errlen, "table description: indexes[%zu] has no name", i);
    ix->gsi = strcmp(type, "GSI") == 0;
    ix->lsi = strcmp(type, "LSI") == 0;
    if (!ix->gsi && !ix->lsi)
        return fail(err, errlen, "table description: index %s has type '%s' (want GSI or LSI)",
                    ix->name, type);
    ix->pk = jget_str(o, "hashKey");
    if (!ix->pk || !*ix->pk || !key_type(jget_str(o, "hashKeyType"), &ix->pkt))
        return fail(err, errlen,
                    "table description: index %s lacks hashKey or an S/N/B hashKeyType", ix->name);
    ix->sk = jget_str(o, "sortKey");
    if (ix->sk && (!*ix->sk || !key_type(jget_str(o, "sortKeyType"), &ix->skt)))
        return fail(err, errlen, "table description: index %s has a sortKey without an S/N/B type",
                    ix->name);
    json_object *proj = jget_obj(o, "projection");
    const char *pt = jget_str(proj, "type");
    if (pt && strcmp(pt, "ALL") == 0)
        ix->proj = PROJ_ALL;
    else if (pt && strcmp(pt, "KEYS_ONLY") == 0)
        ix->proj = PROJ_KEYS_ONLY;
    else if (pt && strcmp(pt, "INCLUDE") == 0)
        ix->proj = PROJ_INCLUDE;
    else
        return fail(err, errlen,
                    "table description: index %s has no projection type ALL, KEYS_ONLY or INCLUDE",
                    ix->name);
    ix->include = jget_arr(proj, "attributes");
    ix->items = count_of(o, table_items);
    json_object *sp = jget(o, "sparse");
    ix->sparse =
        sp && json_object_is_type(sp, json_type_boolean) ? json_object_get_boolean(sp) : -1;
    return true;
}

static bool parse_desc(json_object *d, tinfo *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    if (!d || !json_object_is_type(d, json_type_object))
        return fail(err, errlen, "table description: not a JSON object");
    t->table = jget_str(d, "physical_table_name");
    if (!t->table)
        t->table = jget_str(d, "table_name");
    if (!t->table || !*t->table)
        return fail(err, errlen, "table description: no table_name");
    json_object *ks = jget_obj(d, "key_schema");
    json_object *pk = jget_obj(ks, "partition_key"), *sk = jget_obj(ks, "sort_key");
    t->t.pk = jget_str(pk, "name");
    if (!t->t.pk || !*t->t.pk || !key_type(jget_str(pk, "type"), &t->t.pkt))
        return fail(err, errlen,
                    "table description of %s: key_schema.partition_key needs a name and an S/N/B "
                    "type",
                    t->table);
    if (sk) {
        t->t.sk = jget_str(sk, "name");
        if (!t->t.sk || !*t->t.sk || !key_type(jget_str(sk, "type"), &t->t.skt))
            return fail(err, errlen,
                        "table description of %s: key_schema.sort_key needs a name and an S/N/B "
                        "type",
                        t->table);
    }
    t->t.proj = PROJ_ALL;
    t->t.sparse = 0;
    t->t.items = count_of(d, 1.0);
    t->columns = jget_arr(d, "columns");
    t->sampled = jget_int(jget_obj(d, "sample"), "items_sampled", 0);

    json_object *ixs = jget(d, "indexes");
    if (ixs && !json_object_is_type(ixs, json_type_array))
        return fail(err, errlen, "table description of %s: indexes is not an array", t->table);
    size_t n = ixs ? json_object_array_length(ixs) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(ixs, i);
        const char *type = jget_str(o, "type");
        if (!type)
            return fail(err, errlen, "table description of %s: indexes[%zu] has no type", t->table,
                        i);
        if (strcmp(type, "PRIMARY") == 0)
            continue; /* the table itself: key_schema says the same */
        /* An index being built (CREATING, backfilling) would miss items
           and one being deleted may vanish mid-read; UPDATING (a
           throughput change) is complete. */
        const char *status = jget_str(o, "status");
        ixinfo ix = {0};
        if (!parse_index(o, i, &ix, t->t.items, err, errlen))
            return false;
        if (status && strcmp(status, "ACTIVE") != 0 && strcmp(status, "UPDATING") != 0)
            continue;
        if (t->nix == AP_MAX_INDEXES)
            return fail(err, errlen, "table description of %s: more than %d indexes", t->table,
                        AP_MAX_INDEXES);
        t->ix[t->nix++] = ix;
    }
    counts_from_sample(d, ixs, t);
    return true;
}

/* ---- conjuncts ------------------------------------------------------------ */

typedef enum kc_kind {
    KC_NONE,
    KC_EQ,
    KC_IN,
    KC_LT,
    KC_LE,
    KC_GT,
    KC_GE,
    KC_BETWEEN,
    KC_PREFIX,
} kc_kind;

/* What one conjunct says about key attributes. */
typedef struct kcond {
    const char *attr; /* attribute of a key-usable condition (kind != KC_NONE) */
    kc_kind kind;
    const bexpr *a, *b; /* EQ and the orderings: a; BETWEEN: a AND b */
    const bexpr *in;    /* KC_IN: the IN node, values args[1..] */
    bexpr *prefix;      /* KC_PREFIX: the literal prefix as a STRING constant (owned) */
    /* Attributes the conjunct can only be true with (not NULL, so present). */
    const char *present[2];
} kcond;

/* The top-level attribute a slot reads, when it reads exactly one. */
static const char *slot_attr(const access_input *in, const bexpr *e)
{
    if (e->kind != BX_COL || e->slot < 0 || e->slot >= in->nslots)
        return NULL;
    const ddb_path *p = &in->slot_paths[e->slot];
    return p->n == 1 && p->steps[0].name ? p->steps[0].name : NULL;
}

/* Constant for one read: no column of this row and no correlated subquery
 * (outer-row reads and uncorrelated subqueries are fixed while it runs). */
static bool read_constant(const bexpr *e)
{
    if (e->kind == BX_COL || (e->sub && e->sub->correlated))
        return false;
    for (size_t i = 0; i < e->nargs; i++)
        if (!read_constant(e->args[i]))
            return false;
    return true;
}

static kc_kind cmp_kind(sql_op op, bool flipped)
{
    switch (op) {
    case SQL_OP_EQ:
        return KC_EQ;
    case SQL_OP_LT:
        return flipped ? KC_GT : KC_LT;
    case SQL_OP_LE:
        return flipped ? KC_GE : KC_LE;
    case SQL_OP_GT:
        return flipped ? KC_LT : KC_GT;
    case SQL_OP_GE:
        return flipped ? KC_LE : KC_GE;
    default:
        return KC_NONE;
    }
}

static bool is_string_const(const bexpr *e)
{
    return e->kind == BX_CONST && e->value.type == VAL_STRING;
}

/* Every form below is NULL when its attribute is NULL (missing), so a row
 * passing it has the attribute: that is what `present` records. */
static void classify(const access_input *in, const bexpr *e, kcond *k)
{
    memset(k, 0, sizeof *k);
    switch (e->kind) {
    case BX_BINARY: {
        if (e->op != SQL_OP_EQ && e->op != SQL_OP_NE && e->op != SQL_OP_LT && e->op != SQL_OP_LE &&
            e->op != SQL_OP_GT && e->op != SQL_OP_GE)
            return;
        const char *l = slot_attr(in, e->args[0]), *r = slot_attr(in, e->args[1]);
        k->present[0] = l;
        k->present[1] = r;
        if (l && read_constant(e->args[1])) {
            k->kind = cmp_kind(e->op, false);
            k->a = e->args[1];
            k->attr = k->kind != KC_NONE ? l : NULL;
        } else if (r && read_constant(e->args[0])) {
            k->kind = cmp_kind(e->op, true);
            k->a = e->args[0];
            k->attr = k->kind != KC_NONE ? r : NULL;
        }
        return;
    }
    case BX_IN_LIST: {
        const char *a = e->nargs >= 2 ? slot_attr(in, e->args[0]) : NULL;
        k->present[0] = a;
        if (!a || e->negated)
            return;
        for (size_t i = 1; i < e->nargs; i++)
            if (!read_constant(e->args[i]))
                return;
        k->attr = a;
        k->kind = e->nargs == 2 ? KC_EQ : KC_IN; /* IN (v) is = v */
        k->a = e->args[1];
        k->in = e;
        return;
    }
    case BX_BETWEEN: {
        const char *a = e->nargs == 3 ? slot_attr(in, e->args[0]) : NULL;
        k->present[0] = a;
        if (a && !e->negated && read_constant(e->args[1]) && read_constant(e->args[2])) {
            k->attr = a;
            k->kind = KC_BETWEEN;
            k->a = e->args[1];
            k->b = e->args[2];
        }
        return;
    }
    case BX_LIKE: {
        const char *a = e->nargs >= 2 ? slot_attr(in, e->args[0]) : NULL;
        k->present[0] = a;
        if (!a || e->negated || !is_string_const(e->args[1]) ||
            (e->nargs == 3 && !is_string_const(e->args[2])))
            return;
        const vbytes *pat = e->args[1]->value.u.bytes;
        const vbytes *esc = e->nargs == 3 ? e->args[2]->value.u.bytes : NULL;
        char *prefix;
        size_t plen;
        if (!like_literal_prefix(pat->data, pat->len, esc ? esc->data : NULL, esc ? esc->len : 0,
                                 &prefix, &plen))
            return;
        k->attr = a;
        k->kind = KC_PREFIX;
        k->prefix = bexpr_const(value_string(prefix, plen), e->args[1]->pos);
        free(prefix);
        return;
    }
    case BX_IS_NULL:
        if (e->negated && e->nargs == 1)
            k->present[0] = slot_attr(in, e->args[0]);
        return;
    default:
        return;
    }
}

static bool attr_eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* The first conjunct constraining attr with kind, or -1. */
static int find_cond(const kcond *k, int n, const char *attr, kc_kind kind)
{
    for (int i = 0; i < n; i++)
        if (k[i].kind == kind && attr_eq(k[i].attr, attr))
            return i;
    return -1;
}

static bool implies_present(const kcond *k, int n, const char *attr)
{
    for (int i = 0; i < n; i++)
        if (attr_eq(k[i].present[0], attr) || attr_eq(k[i].present[1], attr))
            return true;
    return false;
}

/* ---- candidates ----------------------------------------------------------- */

typedef struct cand {
    acc_kind kind;
    int rank;                /* tie-break: lower wins */
    const ixinfo *ix;        /* the table (&t->t) or an index */
    int pk_conj;             /* GET/QUERY: the partition-key equality */
    int sk_conj;             /* GET: the sort-key equality, or -1 */
    skc_kind skc;            /* QUERY */
    int lo_conj, hi_conj;    /* QUERY: the conjuncts giving sk_lo/sk_hi (-1 none) */
    bool lo_exact, hi_exact; /* the conjunct is fully expressed by the key condition */
    bool fetch;
    bool ordered;
    bool assumed_present; /* sort key presence taken from the sparse flags */
    double est;
    int consumed; /* conjuncts fully expressed by the key condition */
    /* BATCH_GET: deduplicated values (borrowed from the conjuncts) */
    const bexpr **bpk, **bsk;
    int npk, nsk;
    int bpk_conj, bsk_conj;
} cand;

typedef struct planner {
    const access_input *in;
    tinfo *t;
    kcond *k;
    int n;
    bool limited;          /* the LIMIT model applies when the order allows it */
    const ixinfo *skipped; /* an index left out because items may lack its sort key */
} planner;

static double ap_sqrt(double x)
{
    if (x <= 1.0)
        return 1.0;
    double r = x > 4.0 ? x / 2.0 : x;
    for (int i = 0; i < 100; i++) {
        double nr = 0.5 * (r + x / r);
        if (nr >= r)
            break;
        r = nr;
    }
    return r;
}

/* Items the read stops after when rows stream in a usable order. */
static double limit_items(const planner *p, int residual)
{
    double need = p->in->limit_hint > 0 ? (double)p->in->limit_hint : 1.0;
    for (int i = 0; i < residual && need < 1e15; i++)
        need *= AP_RESIDUAL_KEEP;
    return need;
}

static void apply_limit(const planner *p, cand *c)
{
    if (!p->limited || (p->in->order_slot >= 0 && !c->ordered))
        return;
    double need = limit_items(p, p->n - c->consumed);
    if (c->fetch)
        need *= 2.0;
    if (need < c->est)
        c->est = need;
}

/* Distinct values of an IN list (BX_CONST duplicates dropped: BatchGetItem
 * rejects a repeated key), or -1 when there are more than max. */
static int in_values(const bexpr *in, const bexpr **out, int max)
{
    if ((int)in->nargs - 1 > max)
        return -1;
    int n = 0;
    for (size_t i = 1; i < in->nargs; i++) {
        const bexpr *v = in->args[i];
        bool dup = false;
        for (int j = 0; v->kind == BX_CONST && j < n && !dup; j++)
            dup = out[j]->kind == BX_CONST && value_equal(&out[j]->value, &v->value);
        if (!dup)
            out[n++] = v;
    }
    return n;
}

/* The values a BatchGetItem key part takes: an equality, else an IN list.
 * Returns the count (0: no such condition, -1: too many). */
static int key_values(const planner *p, const char *attr, const bexpr ***vals, int *conj)
{
    int eq = find_cond(p->k, p->n, attr, KC_EQ);
    if (eq >= 0) {
        *vals = xmalloc(sizeof **vals);
        (*vals)[0] = p->k[eq].a;
        *conj = eq;
        return 1;
    }
    int in = find_cond(p->k, p->n, attr, KC_IN);
    if (in < 0)
        return 0;
    *vals = xmallocarray(p->k[in].in->nargs, sizeof **vals);
    *conj = in;
    int n = in_values(p->k[in].in, *vals, AP_BATCH_MAX_KEYS);
    if (n < 0) {
        free(*vals);
        *vals = NULL;
    }
    return n;
}

static bool try_batch(const planner *p, cand *c)
{
    const ixinfo *t = &p->t->t;
    memset(c, 0, sizeof *c);
    c->npk = key_values(p, t->pk, &c->bpk, &c->bpk_conj);
    c->nsk = 1;
    if (c->npk > 0 && t->sk)
        c->nsk = key_values(p, t->sk, &c->bsk, &c->bsk_conj);
    bool one = c->npk == 1 && c->nsk == 1;
    if (c->npk <= 0 || c->nsk <= 0 || one || (long)c->npk * c->nsk > AP_BATCH_MAX_KEYS) {
        free(c->bpk);
        free(c->bsk);
        c->bpk = c->bsk = NULL;
        return false;
    }
    c->kind = ACC_BATCH_GET;
    c->rank = 1;
    c->ix = t;
    c->est = (double)c->npk * c->nsk;
    c->consumed = 1 + (t->sk ? 1 : 0);
    apply_limit(p, c);
    return true;
}

static bool attr_listed(json_object *arr, const char *name)
{
    for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
        const char *s = json_object_get_string(json_object_array_get_idx(arr, i));
        if (s && strcmp(s, name) == 0)
            return true;
    }
    return false;
}

/* True when index ix holds attribute name (a top-level name). */
static bool projects(const tinfo *t, const ixinfo *ix, const char *name)
{
    if (ix->proj == PROJ_ALL)
        return true;
    if (!name)
        return false;
    if (attr_eq(name, t->t.pk) || attr_eq(name, t->t.sk) || attr_eq(name, ix->pk) ||
        attr_eq(name, ix->sk))
        return true;
    return ix->proj == PROJ_INCLUDE && attr_listed(ix->include, name);
}

/* True when the index holds everything the read's slots need. */
static bool covers(const planner *p, const ixinfo *ix)
{
    if (ix->proj == PROJ_ALL)
        return true;
    for (int i = 0; i < p->in->nslots; i++) {
        const ddb_path *sp = &p->in->slot_paths[i];
        if (sp->n == 0 || !projects(p->t, ix, sp->steps[0].name))
            return false;
    }
    return true;
}

/* Sampled columns say every sampled item has attr. */
static bool sampled_everywhere(const tinfo *t, const char *attr)
{
    if (t->sampled <= 0)
        return false;
    for (size_t i = 0; t->columns && i < json_object_array_length(t->columns); i++) {
        json_object *col = json_object_array_get_idx(t->columns, i);
        if (attr_eq(jget_str(col, "name"), attr))
            return jget_int(col, "present_count", 0) >= t->sampled;
    }
    return false;
}

/* Whether a Query on ix returns every row the conjuncts allow.
 *
 * A secondary index holds only the items that carry all of its key
 * attributes (a GSI both keys, an LSI its sort key), whatever its sparse
 * flag says. A Query needs partition key = v, and SQL's `k = v` is not true
 * when k is missing, so the partition key never loses a row. The sort key
 * can: the index is used only when
 *   (0) its sort key is one of the table's key attributes (on every item);
 *   (a) a conjunct is false/NULL whenever the sort key is NULL or missing
 *       (any comparison, IN, BETWEEN or LIKE with it as an operand, or
 *       IS NOT NULL), so the missing items are not wanted anyway; or
 *   (b) sampling found the sort key on every sampled item: the index's
 *       sparse flag is false, or the sampled columns show that attribute
 *       on every item (a sparse flag can be true because of the partition
 *       key alone). This is an assumption from a sample, so the reason line
 *       says so.
 * No sparse flag (nothing sampled) counts as sparse. */
static bool complete(const planner *p, const ixinfo *ix, bool *assumed)
{
    *assumed = false;
    if (!ix->name || !ix->sk)
        return true;
    if (attr_eq(ix->sk, p->t->t.pk) || attr_eq(ix->sk, p->t->t.sk))
        return true; /* a table key attribute is on every item */
    if (implies_present(p->k, p->n, ix->sk))
        return true;
    if (ix->sparse == 0 || sampled_everywhere(p->t, ix->sk)) {
        *assumed = true;
        return true;
    }
    return false;
}

/* Items per partition-key value of ix (see the cost model). */
static double per_partition(const tinfo *t, const ixinfo *ix)
{
    if (!ix->name)
        return t->t.sk ? ap_sqrt(t->t.items) : 1.0;
    if (ix->lsi)
        return ix->items / ap_sqrt(t->t.items);
    return ap_sqrt(ix->items);
}

/* Picks the most selective sort-key condition of ix into c; returns the
 * divisor. */
static double choose_skc(const planner *p, const ixinfo *ix, cand *c)
{
    c->skc = SKC_NONE;
    c->lo_conj = c->hi_conj = -1;
    if (!ix->sk)
        return 1.0;
    int eq = find_cond(p->k, p->n, ix->sk, KC_EQ);
    if (eq >= 0) {
        c->skc = SKC_EQ;
        c->lo_conj = eq;
        c->lo_exact = true;
        return AP_SEL_EQ;
    }
    int pre = ix->skt == 'S' ? find_cond(p->k, p->n, ix->sk, KC_PREFIX) : -1;
    if (pre >= 0) {
        c->skc = SKC_BEGINS_WITH;
        c->lo_conj = pre;
        c->lo_exact = true;
        return AP_SEL_PREFIX;
    }
    int bt = find_cond(p->k, p->n, ix->sk, KC_BETWEEN);
    if (bt >= 0) {
        c->skc = SKC_BETWEEN;
        c->lo_conj = c->hi_conj = bt;
        c->lo_exact = true;
        return AP_SEL_BETWEEN;
    }
    int lo = find_cond(p->k, p->n, ix->sk, KC_GE), hi = find_cond(p->k, p->n, ix->sk, KC_LE);
    bool lo_incl = lo >= 0, hi_incl = hi >= 0;
    if (lo < 0)
        lo = find_cond(p->k, p->n, ix->sk, KC_GT);
    if (hi < 0)
        hi = find_cond(p->k, p->n, ix->sk, KC_LT);
    if (lo >= 0 && hi >= 0) {
        /* DynamoDB takes one sort-key condition: BETWEEN is inclusive, so
           a strict bound stays a residual condition (the executor's filter
           applies it). */
        c->skc = SKC_BETWEEN;
        c->lo_conj = lo;
        c->hi_conj = hi;
        c->lo_exact = lo_incl;
        c->hi_exact = hi_incl;
        return AP_SEL_BETWEEN;
    }
    if (lo >= 0 || hi >= 0) {
        int one = lo >= 0 ? lo : hi;
        switch (p->k[one].kind) {
        case KC_GE:
            c->skc = SKC_GE;
            break;
        case KC_GT:
            c->skc = SKC_GT;
            break;
        case KC_LE:
            c->skc = SKC_LE;
            break;
        default:
            c->skc = SKC_LT;
            break;
        }
        c->lo_conj = one;
        c->lo_exact = true;
        return AP_SEL_RANGE;
    }
    return 1.0;
}

static bool order_by_sort_key(const planner *p, const ixinfo *ix)
{
    const access_input *in = p->in;
    if (in->order_slot < 0 || in->order_slot >= in->nslots || !ix->sk)
        return false;
    const ddb_path *op = &in->slot_paths[in->order_slot];
    return op->n == 1 && attr_eq(op->steps[0].name, ix->sk);
}

static bool try_query(planner *p, const ixinfo *ix, int rank, cand *c)
{
    memset(c, 0, sizeof *c);
    c->pk_conj = find_cond(p->k, p->n, ix->pk, KC_EQ);
    if (c->pk_conj < 0)
        return false;
    /* On a table without a sort key the equality is a GetItem. */
    if (!ix->name && !ix->sk)
        return false;
    if (!complete(p, ix, &c->assumed_present)) {
        if (!p->skipped)
            p->skipped = ix;
        return false;
    }
    c->kind = ACC_QUERY;
    c->rank = 2 + rank;
    c->ix = ix;
    c->sk_conj = -1;
    double div = choose_skc(p, ix, c);
    c->consumed = 1 + (c->lo_conj >= 0 && c->lo_exact) +
                  (c->hi_conj >= 0 && c->hi_conj != c->lo_conj && c->hi_exact);
    double items = per_partition(p->t, ix) / div;
    c->est = items < 1.0 ? 1.0 : items;
    c->fetch = !covers(p, ix);
    if (c->fetch)
        c->est *= 2.0;
    c->ordered = order_by_sort_key(p, ix);
    apply_limit(p, c);
    return true;
}

static bool try_get(const planner *p, cand *c)
{
    const ixinfo *t = &p->t->t;
    memset(c, 0, sizeof *c);
    c->pk_conj = find_cond(p->k, p->n, t->pk, KC_EQ);
    c->sk_conj = t->sk ? find_cond(p->k, p->n, t->sk, KC_EQ) : -1;
    if (c->pk_conj < 0 || (t->sk && c->sk_conj < 0))
        return false;
    c->kind = ACC_GET;
    c->rank = 0;
    c->ix = t;
    c->est = 1.0;
    c->ordered = true; /* at most one row */
    c->consumed = t->sk ? 2 : 1;
    return true;
}

static bool better(const cand *a, const cand *b)
{
    if (a->est != b->est)
        return a->est < b->est;
    return a->rank < b->rank;
}

static void cand_free(cand *c)
{
    free(c->bpk);
    free(c->bsk);
    c->bpk = c->bsk = NULL;
}

/* ---- the spec ------------------------------------------------------------- */

static void copy_paths(ddb_read_spec *s, const access_input *in)
{
    s->nslots = in->nslots;
    s->slot_paths = in->nslots ? xcalloc((size_t)in->nslots, sizeof *s->slot_paths) : NULL;
    for (int i = 0; i < in->nslots; i++) {
        const ddb_path *src = &in->slot_paths[i];
        ddb_path *dst = &s->slot_paths[i];
        dst->n = src->n;
        dst->steps = src->n ? xcalloc(src->n, sizeof *dst->steps) : NULL;
        for (size_t j = 0; j < src->n; j++) {
            dst->steps[j].index = src->steps[j].index;
            dst->steps[j].name = src->steps[j].name ? xstrdup(src->steps[j].name) : NULL;
        }
    }
}

typedef struct mentions {
    const access_input *in;
    const char *a, *b; /* attributes looked for */
    bool hit;
} mentions;

static void mention_cb(void *ctx, int slot)
{
    mentions *m = ctx;
    if (slot < 0 || slot >= m->in->nslots)
        return;
    const ddb_path *sp = &m->in->slot_paths[slot];
    const char *first = sp->n ? sp->steps[0].name : NULL;
    if (attr_eq(first, m->a) || attr_eq(first, m->b))
        m->hit = true;
}

typedef struct projected {
    const planner *p;
    const ixinfo *ix;
    bool all;
} projected;

static void projected_cb(void *ctx, int slot)
{
    projected *pr = ctx;
    const access_input *in = pr->p->in;
    if (slot < 0 || slot >= in->nslots || in->slot_paths[slot].n == 0 ||
        !projects(pr->p->t, pr->ix, in->slot_paths[slot].steps[0].name))
        pr->all = false;
}

/* Conjunct i as a FilterExpression part of c. GetItem and BatchGetItem take
 * no FilterExpression. A Query's may not name the queried keys (DynamoDB
 * rejects it; those conditions are key conditions or stay with the
 * executor), and with fetch_by_key it runs on the index item, so it may
 * only read attributes the index projects (a missing one would drop the
 * row). */
static bool filter_ok(const planner *p, const cand *c, int i)
{
    const access_input *in = p->in;
    const bexpr *e = in->conj[i];
    if (c->kind == ACC_GET || c->kind == ACC_BATCH_GET)
        return false;
    if (c->kind == ACC_QUERY) {
        mentions m = {in, c->ix->pk, c->ix->sk, false};
        bexpr_each_slot(e, mention_cb, &m);
        if (m.hit)
            return false;
        if (c->fetch) {
            projected pr = {p, c->ix, true};
            bexpr_each_slot(e, projected_cb, &pr);
            if (!pr.all)
                return false;
        }
    }
    return ddb_filter_pushable(e, in->slot_paths, in->nslots);
}

static const char *kc_text(kc_kind k)
{
    switch (k) {
    case KC_EQ:
        return "=";
    case KC_LT:
        return "<";
    case KC_LE:
        return "<=";
    case KC_GT:
        return ">";
    case KC_GE:
        return ">=";
    default:
        return "?";
    }
}

/* Appends to out[0..len) at *o, truncating. */
static void put(char *out, size_t len, size_t *o, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void put(char *out, size_t len, size_t *o, const char *fmt, ...)
{
    if (*o + 1 >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(out + *o, len - *o, fmt, ap);
    va_end(ap);
    if (w > 0)
        *o = (size_t)w < len - *o ? *o + (size_t)w : len - 1;
}

/* The key condition for the reason line ("id = ..., ts BETWEEN ..."). */
static void cond_text(const planner *p, const cand *c, char *out, size_t len, size_t *o)
{
    const ixinfo *ix = c->ix;
    if (c->kind == ACC_BATCH_GET) {
        put(out, len, o, "%s %s", ix->pk, c->npk > 1 ? "IN (...)" : "= ...");
        if (ix->sk)
            put(out, len, o, ", %s %s", ix->sk, c->nsk > 1 ? "IN (...)" : "= ...");
        return;
    }
    put(out, len, o, "%s = ...", ix->pk);
    if (c->kind == ACC_GET) {
        if (ix->sk)
            put(out, len, o, ", %s = ...", ix->sk);
        return;
    }
    switch (c->skc) {
    case SKC_NONE:
        break;
    case SKC_BETWEEN:
        put(out, len, o, ", %s BETWEEN ... AND ...", ix->sk);
        break;
    case SKC_BEGINS_WITH:
        put(out, len, o, ", begins_with(%s, ...)", ix->sk);
        break;
    default:
        put(out, len, o, ", %s %s ...", ix->sk, kc_text(p->k[c->lo_conj].kind));
        break;
    }
}

static void set_reason(const planner *p, const cand *c, access_choice *out, int segments)
{
    const tinfo *t = p->t;
    char *r = out->reason;
    size_t len = sizeof out->reason, o = 0;
    r[0] = '\0';
    switch (c->kind) {
    case ACC_GET:
        put(r, len, &o, "GetItem on %s (", t->table);
        cond_text(p, c, r, len, &o);
        put(r, len, &o, "): 1 item");
        break;
    case ACC_BATCH_GET:
        put(r, len, &o, "BatchGetItem on %s (", t->table);
        cond_text(p, c, r, len, &o);
        put(r, len, &o, "): %d keys", c->npk * c->nsk);
        break;
    case ACC_QUERY:
        if (c->ix->name)
            put(r, len, &o, "Query on index %s (", c->ix->name);
        else
            put(r, len, &o, "Query on %s (", t->table);
        cond_text(p, c, r, len, &o);
        put(r, len, &o, ")%s%s: ~%.0f items", c->fetch ? ", fetching items by key" : "",
            c->ordered ? (p->in->order_desc ? ", backward" : ", in order") : "", c->est);
        if (c->assumed_present)
            put(r, len, &o, "; assumes every item has %s (sampled)", c->ix->sk);
        break;
    case ACC_SCAN:
        put(r, len, &o, "Scan");
        if (segments > 1)
            put(r, len, &o, " in %d segments", segments);
        if (p->skipped)
            put(r, len, &o, ": index %s not used (items without %s would be missed)",
                p->skipped->name, p->skipped->sk);
        else
            put(r, len, &o, ": no usable condition on a key of %s", t->table);
        put(r, len, &o, "; ~%.0f items", c->est);
        break;
    }
}

static void fill_spec(const planner *p, const cand *c, access_choice *out)
{
    const access_input *in = p->in;
    const tinfo *t = p->t;
    ddb_read_spec *s = &out->spec;
    memset(s, 0, sizeof *s);
    s->kind = c->kind;
    s->client = in->client;
    s->table = xstrdup(t->table);
    s->index = c->ix->name ? xstrdup(c->ix->name) : NULL;
    s->label = xstrdup(in->label ? in->label : t->table);
    s->table_pk = xstrdup(t->t.pk);
    s->table_sk = t->t.sk ? xstrdup(t->t.sk) : NULL;
    s->table_pk_type = t->t.pkt;
    s->table_sk_type = t->t.sk ? t->t.skt : 0;
    s->key_pk = xstrdup(c->ix->pk);
    s->key_sk = c->ix->sk ? xstrdup(c->ix->sk) : NULL;
    s->key_pk_type = c->ix->pkt;
    s->key_sk_type = c->ix->sk ? c->ix->skt : 0;
    s->limit_hint = in->limit_hint;
    s->forward = true;
    s->segments = 1;
    s->fetch_by_key = c->fetch;
    copy_paths(s, in);

    /* Conjuncts the key condition expresses exactly are not filters. */
    bool *used = xcalloc((size_t)p->n + 1, sizeof *used);
    switch (c->kind) {
    case ACC_GET:
        s->pk_value = bexpr_clone(p->k[c->pk_conj].a);
        used[c->pk_conj] = true;
        if (c->sk_conj >= 0) {
            s->sk_value = bexpr_clone(p->k[c->sk_conj].a);
            used[c->sk_conj] = true;
        }
        break;
    case ACC_BATCH_GET:
        s->nkeys = c->npk * c->nsk;
        s->batch_pk = xcalloc((size_t)s->nkeys, sizeof *s->batch_pk);
        if (c->bsk)
            s->batch_sk = xcalloc((size_t)s->nkeys, sizeof *s->batch_sk);
        for (int i = 0; i < c->npk; i++)
            for (int j = 0; j < c->nsk; j++) {
                s->batch_pk[i * c->nsk + j] = bexpr_clone(c->bpk[i]);
                if (c->bsk)
                    s->batch_sk[i * c->nsk + j] = bexpr_clone(c->bsk[j]);
            }
        used[c->bpk_conj] = true;
        if (c->bsk)
            used[c->bsk_conj] = true;
        break;
    case ACC_QUERY:
        s->pk_value = bexpr_clone(p->k[c->pk_conj].a);
        used[c->pk_conj] = true;
        s->skc = c->skc;
        s->forward = c->ordered ? !in->order_desc : true;
        if (c->skc == SKC_BEGINS_WITH) {
            s->sk_lo = bexpr_clone(p->k[c->lo_conj].prefix);
        } else if (c->skc == SKC_BETWEEN && c->lo_conj == c->hi_conj) {
            s->sk_lo = bexpr_clone(p->k[c->lo_conj].a);
            s->sk_hi = bexpr_clone(p->k[c->lo_conj].b);
        } else if (c->skc == SKC_BETWEEN) {
            s->sk_lo = bexpr_clone(p->k[c->lo_conj].a);
            s->sk_hi = bexpr_clone(p->k[c->hi_conj].a);
        } else if (c->skc != SKC_NONE) {
            s->sk_lo = bexpr_clone(p->k[c->lo_conj].a);
        }
        if (c->lo_conj >= 0 && c->lo_exact)
            used[c->lo_conj] = true;
        if (c->hi_conj >= 0 && c->hi_exact)
            used[c->hi_conj] = true;
        break;
    case ACC_SCAN:
        break;
    }

    for (int i = 0; i < p->n; i++)
        if (!used[i] && filter_ok(p, c, i)) {
            s->filters = xreallocarray(s->filters, (size_t)s->nfilters + 1, sizeof *s->filters);
            s->filters[s->nfilters++] = bexpr_clone(in->conj[i]);
        }
    free(used);

    if (c->kind == ACC_SCAN) {
        /* Parallel segments only pay off on a large read: one per 10000
           items expected, capped by max_segments. */
        double segs = c->est / AP_SCAN_SEGMENT_ITEMS;
        int max = in->max_segments > 1 ? in->max_segments : 1;
        int n = 1;
        while (n < max && (double)n < segs)
            n++;
        s->segments = c->est < AP_SCAN_SEGMENT_ITEMS ? 1 : n;
    }
    out->order_satisfied = c->ordered;
    out->est_items = c->est;
    set_reason(p, c, out, s->segments);
}

/* ---- entry point ---------------------------------------------------------- */

bool access_choose(const access_input *in, access_choice *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!in)
        return fail(err, errlen, "access path: no input");
    if (in->nconj < 0 || (in->nconj > 0 && !in->conj) || in->nslots < 0 ||
        (in->nslots > 0 && !in->slot_paths))
        return fail(err, errlen, "access path: conjuncts or slot paths missing");
    for (int i = 0; i < in->nconj; i++)
        if (!in->conj[i])
            return fail(err, errlen, "access path: conjunct %d is NULL", i);
    tinfo *t = xmalloc(sizeof *t);
    if (!parse_desc(in->desc, t, err, errlen)) {
        free(t);
        return false;
    }
    planner p = {in, t, NULL, in->nconj, false, NULL};
    p.limited = in->limit_hint >= 0;
    p.k = xcalloc((size_t)in->nconj + 1, sizeof *p.k);
    for (int i = 0; i < in->nconj; i++)
        classify(in, in->conj[i], &p.k[i]);

    cand best = {0}, c;
    bool have = false;
    if (try_get(&p, &c)) {
        best = c;
        have = true;
    }
    if (try_batch(&p, &c)) {
        if (!have || better(&c, &best)) {
            cand_free(&best);
            best = c;
            have = true;
        } else {
            cand_free(&c);
        }
    }
    /* The cheapest candidate, and the cheapest one giving ORDER BY. */
    cand ordered = {0};
    bool have_ordered = have && best.ordered;
    if (have_ordered)
        ordered = best;
    for (int i = -1; i < t->nix; i++) {
        const ixinfo *ix = i < 0 ? &t->t : &t->ix[i];
        if (!try_query(&p, ix, i + 1, &c))
            continue;
        if (c.ordered && (!have_ordered || better(&c, &ordered))) {
            ordered = c;
            have_ordered = true;
        }
        if (!have || better(&c, &best)) {
            cand_free(&best);
            best = c;
            have = true;
        }
    }
    if (have && !best.ordered && have_ordered && in->order_slot >= 0 &&
        ordered.est <= AP_ORDER_SLACK * best.est) {
        cand_free(&best);
        best = ordered;
    }
    if (!have) {
        memset(&best, 0, sizeof best);
        best.kind = ACC_SCAN;
        best.ix = &t->t;
        best.est = t->t.items;
        apply_limit(&p, &best);
    }
    fill_spec(&p, &best, out);
    cand_free(&best);
    for (int i = 0; i < in->nconj; i++)
        bexpr_free(p.k[i].prefix);
    free(p.k);
    free(t);
    return true;
}

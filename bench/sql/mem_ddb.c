#include "bench/sql/mem_ddb.h"

#include "core/base/alloc.h"
#include "core/base/base64.h"
#include "core/base/json_util.h"
#include "sql/ddb_value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* DynamoDB's page limit: 1 MB of item data read. */
#define PAGE_BYTES    (1024 * 1024)
#define MAX_PROJECTED 64

typedef struct mtable {
    char *name, *pk, *sk;
    char pk_type, sk_type;
    json_object **items;
    size_t *sizes; /* each item's size as DynamoDB counts it */
    size_t n, cap;
    int64_t bytes;
    json_object *pos;   /* key text -> index, built on the first ExclusiveStartKey */
    json_object *pages; /* page key -> page text */
} mtable;

/* A table's rows for one set of slot paths and one filter (row source). */
typedef struct row_cache {
    char *key;
    int nslots;
    size_t n;      /* the table's items */
    value_t *rows; /* every item's row, n * nslots */
    size_t *kept;  /* the items the filter keeps, in order */
    size_t nkept;
} row_cache;

struct mem_ddb {
    mtable *t;
    size_t n;
    json_object **log; /* pages served (references) */
    size_t nlog, caplog;
    bool no_filter;
    row_cache *rc;
    size_t nrc;
    /* the last request's entry, by the identity of what it depends on (a
       read's pages share their request's members): no key built per page */
    struct {
        const void *table, *paths, *filter, *values;
        size_t entry;
        bool set;
    } memo;
};

void mem_ddb_set_filtering(mem_ddb *m, bool on)
{
    m->no_filter = !on;
}

void mem_ddb_log_reset(mem_ddb *m)
{
    for (size_t i = 0; i < m->nlog; i++)
        json_object_put(m->log[i]);
    m->nlog = 0;
}

size_t mem_ddb_log_count(const mem_ddb *m)
{
    return m->nlog;
}

const char *mem_ddb_log_page(const mem_ddb *m, size_t i, size_t *len)
{
    if (i >= m->nlog)
        return NULL;
    *len = (size_t)json_object_get_string_len(m->log[i]);
    return json_object_get_string(m->log[i]);
}

static void log_page(mem_ddb *m, json_object *page)
{
    if (m->nlog == m->caplog) {
        m->caplog = m->caplog ? m->caplog * 2 : 64;
        m->log = xreallocarray(m->log, m->caplog, sizeof *m->log);
    }
    m->log[m->nlog++] = json_object_get(page);
}

mem_ddb *mem_ddb_new(void)
{
    return xcalloc(1, sizeof(mem_ddb));
}

void mem_ddb_free(mem_ddb *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        mtable *t = &m->t[i];
        for (size_t k = 0; k < t->n; k++)
            json_object_put(t->items[k]);
        free(t->items);
        free(t->sizes);
        json_object_put(t->pos);
        json_object_put(t->pages);
        free(t->name);
        free(t->pk);
        free(t->sk);
    }
    mem_ddb_log_reset(m);
    for (size_t i = 0; i < m->nrc; i++) {
        size_t n = m->rc[i].n * (size_t)m->rc[i].nslots;
        for (size_t k = 0; k < n; k++)
            value_free(&m->rc[i].rows[k]);
        free(m->rc[i].rows);
        free(m->rc[i].kept);
        free(m->rc[i].key);
    }
    free(m->rc);
    free(m->log);
    free(m->t);
    free(m);
}

void mem_ddb_add_table(mem_ddb *m, const char *name, const char *pk, char pk_type, const char *sk,
                       char sk_type)
{
    m->t = xreallocarray(m->t, m->n + 1, sizeof *m->t);
    mtable *t = &m->t[m->n++];
    memset(t, 0, sizeof *t);
    t->name = xstrdup(name);
    t->pk = xstrdup(pk);
    t->pk_type = pk_type;
    t->sk = sk ? xstrdup(sk) : NULL;
    t->sk_type = sk_type;
    t->pages = json_object_new_object();
}

static mtable *find_table(mem_ddb *m, const char *name)
{
    for (size_t i = 0; name && i < m->n; i++)
        if (strcmp(m->t[i].name, name) == 0)
            return &m->t[i];
    return NULL;
}

/* The size DynamoDB bills for an attribute value (close enough: names and
 * string bytes exactly, numbers by their text). */
static size_t av_size(json_object *av)
{
    size_t n = 0;
    json_object_object_foreach(av, type, v)
    {
        if (strcmp(type, "M") == 0) {
            n += 3;
            json_object_object_foreach(v, k, sub) n += strlen(k) + av_size(sub);
        } else if (strcmp(type, "L") == 0) {
            n += 3;
            for (size_t i = 0; i < json_object_array_length(v); i++)
                n += 1 + av_size(json_object_array_get_idx(v, i));
        } else if (json_object_is_type(v, json_type_string)) {
            n += (size_t)json_object_get_string_len(v);
        } else {
            n += 1;
        }
    }
    return n;
}

void mem_ddb_put(mem_ddb *m, const char *table, json_object *item)
{
    mtable *t = find_table(m, table);
    if (!t) {
        fprintf(stderr, "mem_ddb: no table %s\n", table);
        abort();
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 1024;
        t->items = xreallocarray(t->items, t->cap, sizeof *t->items);
        t->sizes = xreallocarray(t->sizes, t->cap, sizeof *t->sizes);
    }
    size_t size = 0;
    json_object_object_foreach(item, k, v) size += strlen(k) + av_size(v);
    t->items[t->n] = item;
    t->sizes[t->n++] = size;
    t->bytes += (int64_t)size;
}

static int error(buf_t *resp, int status, const char *type, const char *msg)
{
    json_object *e = json_object_new_object();
    char full[128];
    snprintf(full, sizeof full, "com.amazonaws.dynamodb.v20120810#%s", type);
    jset_str(e, "__type", full);
    jset_str(e, "message", msg);
    buf_puts(resp, json_compact(e));
    json_object_put(e);
    return status;
}

static json_object *key_schema_elem(const char *name, const char *type)
{
    json_object *o = json_object_new_object();
    jset_str(o, "AttributeName", name);
    jset_str(o, "KeyType", type);
    return o;
}

static json_object *attr_def(const char *name, char type)
{
    json_object *o = json_object_new_object();
    char t[2] = {type, 0};
    jset_str(o, "AttributeName", name);
    jset_str(o, "AttributeType", t);
    return o;
}

static int describe(mtable *t, buf_t *resp)
{
    json_object *tab = json_object_new_object();
    jset_str(tab, "TableName", t->name);
    jset_str(tab, "TableStatus", "ACTIVE");
    json_object *ks = json_object_new_array(), *defs = json_object_new_array();
    json_object_array_add(ks, key_schema_elem(t->pk, "HASH"));
    json_object_array_add(defs, attr_def(t->pk, t->pk_type));
    if (t->sk) {
        json_object_array_add(ks, key_schema_elem(t->sk, "RANGE"));
        json_object_array_add(defs, attr_def(t->sk, t->sk_type));
    }
    jset(tab, "KeySchema", ks);
    jset(tab, "AttributeDefinitions", defs);
    jset_int(tab, "ItemCount", (int64_t)t->n);
    jset_int(tab, "TableSizeBytes", t->bytes);
    json_object *bm = json_object_new_object();
    jset_str(bm, "BillingMode", "PAY_PER_REQUEST");
    jset(tab, "BillingModeSummary", bm);
    json_object *o = json_object_new_object();
    jset(o, "Table", tab);
    buf_puts(resp, json_compact(o));
    json_object_put(o);
    return 200;
}

/* The text identifying an item's primary key. */
static void key_text(const mtable *t, json_object *key, char *out, size_t outlen)
{
    json_object *pk = jget_obj(key, t->pk), *sk = t->sk ? jget_obj(key, t->sk) : NULL;
    snprintf(out, outlen, "%s\x1f%s", pk ? json_compact(pk) : "", sk ? json_compact(sk) : "");
}

static json_object *item_key(const mtable *t, json_object *item)
{
    json_object *k = json_object_new_object();
    jset(k, t->pk, json_object_get(jget(item, t->pk)));
    if (t->sk)
        jset(k, t->sk, json_object_get(jget(item, t->sk)));
    return k;
}

/* Index of the item with this key, or -1. */
static int64_t position_of(mtable *t, json_object *key)
{
    char text[1024];
    if (!t->pos) {
        t->pos = json_object_new_object();
        for (size_t i = 0; i < t->n; i++) {
            key_text(t, t->items[i], text, sizeof text);
            json_object_object_add(t->pos, text, json_object_new_int64((int64_t)i));
        }
    }
    key_text(t, key, text, sizeof text);
    json_object *v = jget(t->pos, text);
    return v ? json_object_get_int64(v) : -1;
}

typedef struct projection {
    const char *names[MAX_PROJECTED];
    int n; /* 0: every attribute */
} projection;

/* The top-level attributes a ProjectionExpression names ("#n0, #n1.#n2",
 * placeholders resolved). False when it names more than we keep. */
static bool parse_projection(json_object *req, projection *p, char *spec, size_t speclen)
{
    p->n = 0;
    const char *pe = jget_str(req, "ProjectionExpression");
    json_object *names = jget_obj(req, "ExpressionAttributeNames");
    snprintf(spec, speclen, "*");
    if (!pe)
        return true;
    size_t used = 0;
    spec[0] = '\0';
    const char *s = pe;
    while (*s) {
        while (*s == ' ' || *s == ',')
            s++;
        if (!*s)
            break;
        const char *e = s;
        while (*e && *e != ',' && *e != '.' && *e != '[' && *e != ' ')
            e++;
        char tok[256];
        snprintf(tok, sizeof tok, "%.*s", (int)(e - s), s);
        /* The request's own string: it outlives tok. */
        const char *name = tok[0] == '#' ? jget_str(names, tok) : NULL;
        if (p->n == MAX_PROJECTED)
            return false;
        if (!name)
            return false; /* literal names are not used by the engine */
        bool dup = false;
        for (int i = 0; i < p->n; i++)
            dup = dup || strcmp(p->names[i], name) == 0;
        if (!dup) {
            p->names[p->n++] = name;
            used += (size_t)snprintf(spec + used, used < speclen ? speclen - used : 0, "%s,", name);
        }
        while (*e && *e != ',')
            e++;
        s = e;
    }
    return true;
}

static json_object *project(json_object *item, const projection *p)
{
    if (p->n == 0)
        return json_object_get(item);
    json_object *o = json_object_new_object();
    for (int i = 0; i < p->n; i++) {
        json_object *v = jget(item, p->names[i]);
        if (v)
            jset(o, p->names[i], json_object_get(v));
    }
    return o;
}

/* ---- FilterExpression ------------------------------------------------------------ */

/* The AttributeValue at a path written with #name placeholders
 * ("#n0.#n1[2]"), or NULL when missing; *ok false when the path is not of
 * that form (the filter then keeps the item). */
static json_object *filter_attr(json_object *item, json_object *names, const char *s, size_t len,
                                bool *ok)
{
    json_object *av = NULL, *cur = item;
    size_t i = 0;
    bool first = true;
    *ok = false;
    while (i < len) {
        if (s[i] == '[') {
            char *end;
            unsigned long idx = strtoul(s + i + 1, &end, 10);
            if (first || end == s + i + 1 || *end != ']')
                return NULL;
            i = (size_t)(end - s) + 1;
            json_object *l = jget_arr(av, "L");
            av = l && idx < json_object_array_length(l) ? json_object_array_get_idx(l, idx) : NULL;
        } else {
            if (!first) {
                if (s[i] != '.')
                    return NULL;
                i++;
                cur = jget_obj(av, "M");
            }
            if (i >= len || s[i] != '#')
                return NULL;
            size_t j = i;
            while (j < len && s[j] != '.' && s[j] != '[')
                j++;
            char ph[64];
            snprintf(ph, sizeof ph, "%.*s", (int)(j - i), s + i);
            const char *name = jget_str(names, ph);
            if (!name)
                return NULL;
            av = cur ? jget_obj(cur, name) : NULL;
            i = j;
        }
        first = false;
        if (!av) {
            /* missing; the rest of the path must still be well formed */
            while (i < len && (s[i] == '.' || s[i] == '[' || s[i] == '#' || s[i] == ']' ||
                               (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z')))
                i++;
            *ok = i == len;
            return NULL;
        }
    }
    *ok = true;
    return av;
}

/* -1, 0, 1 comparing two AttributeValues of one scalar type (S, N, B);
 * 2 when they are not both S, both N or both B. */
static int av_cmp(json_object *a, json_object *b)
{
    static const char *const types[] = {"S", "N", "B"};
    for (int t = 0; t < 3; t++) {
        const char *x = jget_str(a, types[t]), *y = jget_str(b, types[t]);
        if (!x || !y)
            continue;
        if (t == 1) {
            dec_t dx, dy;
            if (dec_parse(x, strlen(x), false, &dx) != DEC_OK ||
                dec_parse(y, strlen(y), false, &dy) != DEC_OK)
                return 2;
            return dec_cmp(&dx, &dy);
        }
        uint8_t *bx = NULL, *by = NULL;
        size_t lx = strlen(x), ly = strlen(y);
        if (t == 2 && !(base64_decode(x, lx, &bx, &lx) && base64_decode(y, ly, &by, &ly))) {
            free(bx);
            free(by);
            return 2;
        }
        int c =
            memcmp(t == 2 ? (const char *)bx : x, t == 2 ? (const char *)by : y, lx < ly ? lx : ly);
        free(bx);
        free(by);
        return c < 0 ? -1 : c > 0 ? 1 : lx < ly ? -1 : lx > ly;
    }
    return 2;
}

/* False when the conjunct s[0..len) ("#n0 > :v1", "(#n0 >= :v0 AND #n0 <=
 * :v1)") is certainly false for item as DynamoDB evaluates it. */
static bool conjunct_keeps(json_object *req, json_object *item, const char *s, size_t len);

static bool filter_keeps_text(json_object *req, json_object *item, const char *s, size_t len)
{
    int depth = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] == '(')
            depth++;
        else if (i < len && s[i] == ')')
            depth--;
        bool cut = i == len || (depth == 0 && len - i >= 5 && memcmp(s + i, " AND ", 5) == 0);
        if (!cut)
            continue;
        if (!conjunct_keeps(req, item, s + start, i - start))
            return false;
        start = i + 5;
        i += 4;
    }
    return true;
}

static bool conjunct_keeps(json_object *req, json_object *item, const char *s, size_t len)
{
    if (len >= 2 && s[0] == '(' && s[len - 1] == ')') {
        /* one group: only a plain AND of comparisons (BETWEEN) is looked into */
        int depth = 0;
        for (size_t i = 1; i + 1 < len; i++) {
            depth += s[i] == '(' ? 1 : s[i] == ')' ? -1 : 0;
            if (depth < 0 || (depth == 0 && len - i >= 4 && memcmp(s + i, " OR ", 4) == 0))
                return true;
        }
        return filter_keeps_text(req, item, s + 1, len - 2);
    }
    static const char *const ops[] = {" <= ", " >= ", " <> ", " = ", " < ", " > "};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        size_t ol = strlen(ops[k]);
        for (size_t i = 0; i + ol <= len; i++) {
            if (memcmp(s + i, ops[k], ol) != 0)
                continue;
            const char *rhs = s + i + ol;
            size_t rl = len - i - ol;
            if (k == 2 || rl == 0 || rhs[0] != ':' || memchr(rhs, ' ', rl) || memchr(s, '(', i))
                return true; /* <>, or not "path op :value" */
            char ph[64];
            snprintf(ph, sizeof ph, "%.*s", (int)rl, rhs);
            json_object *val = jget_obj(jget_obj(req, "ExpressionAttributeValues"), ph);
            bool ok;
            json_object *av =
                filter_attr(item, jget_obj(req, "ExpressionAttributeNames"), s, i, &ok);
            if (!ok || !val)
                return true;
            if (!av)
                return false; /* a comparison with a missing attribute is false */
            int c = av_cmp(av, val);
            if (c == 2)
                return true; /* other types: left to the engine */
            switch (k) {
            case 0:
                return c <= 0;
            case 1:
                return c >= 0;
            case 3:
                return c == 0;
            case 4:
                return c < 0;
            default:
                return c > 0;
            }
        }
    }
    return true;
}

static bool filter_keeps(const mem_ddb *m, json_object *req, json_object *item)
{
    const char *fe = jget_str(req, "FilterExpression");
    return m->no_filter || !fe || filter_keeps_text(req, item, fe, strlen(fe));
}

/* What a request's answer depends on besides its position: for cache keys. */
static void request_sig(const mem_ddb *m, json_object *req, buf_t *out)
{
    const char *fe = m->no_filter ? NULL : jget_str(req, "FilterExpression");
    if (fe) {
        buf_printf(out, "|F:%s|", fe);
        buf_puts(out, json_compact(jget_obj(req, "ExpressionAttributeValues")));
        buf_puts(out, json_compact(jget_obj(req, "ExpressionAttributeNames")));
    }
}

/* ---- Scan ------------------------------------------------------------------------- */

static int scan(mem_ddb *m, mtable *t, json_object *req, buf_t *resp)
{
    int64_t seg = jget_int(req, "Segment", 0), total = jget_int(req, "TotalSegments", 1);
    int64_t limit = jget_int(req, "Limit", 0);
    if (total < 1 || seg < 0 || seg >= total)
        return error(resp, 400, "ValidationException", "bad Segment/TotalSegments");
    const char *select = jget_str(req, "Select");
    bool count_only = select && strcmp(select, "COUNT") == 0;
    projection p;
    char spec[4096];
    if (!parse_projection(req, &p, spec, sizeof spec))
        return error(resp, 400, "ValidationException",
                     "the in-memory DynamoDB reads only #name placeholders in "
                     "ProjectionExpression");
    size_t lo = (size_t)((int64_t)t->n * seg / total),
           hi = (size_t)((int64_t)t->n * (seg + 1) / total);
    size_t start = lo;
    json_object *esk = jget_obj(req, "ExclusiveStartKey");
    if (esk) {
        int64_t at = position_of(t, esk);
        if (at < (int64_t)lo || at >= (int64_t)hi)
            return error(resp, 400, "ValidationException",
                         "ExclusiveStartKey is not an item of this segment");
        start = (size_t)at + 1;
    }
    buf_t kb = BUF_INIT(1 << 20);
    buf_printf(&kb, "%s|%lld/%lld|%lld|%zu|%d", spec, (long long)seg, (long long)total,
               (long long)limit, start, count_only);
    request_sig(m, req, &kb);
    const char *pkey = buf_cstr(&kb);
    json_object *cached = jget(t->pages, pkey);
    if (!cached) {
        json_object *page = json_object_new_object(), *items = json_object_new_array();
        size_t i = start, bytes = 0;
        int64_t count = 0;
        while (i < hi && (limit <= 0 || (int64_t)(i - start) < limit) &&
               (i == start || bytes + t->sizes[i] <= PAGE_BYTES)) {
            bytes += t->sizes[i];
            if (filter_keeps(m, req, t->items[i])) {
                count++;
                if (!count_only)
                    json_object_array_add(items, project(t->items[i], &p));
            }
            i++;
        }
        if (!count_only)
            jset(page, "Items", items);
        else
            json_object_put(items);
        jset_int(page, "Count", count);
        jset_int(page, "ScannedCount", (int64_t)(i - start));
        if (i < hi)
            jset(page, "LastEvaluatedKey", item_key(t, t->items[i - 1]));
        json_object *cc = json_object_new_object();
        jset_str(cc, "TableName", t->name);
        /* Eventually consistent: half a unit per 4 KB read. */
        jset(cc, "CapacityUnits", json_object_new_double((double)((bytes + 4095) / 4096) * 0.5));
        jset(page, "ConsumedCapacity", cc);
        const char *text = json_object_to_json_string_ext(page, JSON_C_TO_STRING_PLAIN |
                                                                    JSON_C_TO_STRING_NOSLASHESCAPE);
        cached = json_object_new_string(text);
        json_object_object_add(t->pages, pkey, cached);
        json_object_put(page);
    }
    buf_free(&kb);
    if (!buf_append(resp, json_object_get_string(cached),
                    (size_t)json_object_get_string_len(cached)))
        return error(resp, 500, "InternalServerError", "page larger than the response buffer");
    log_page(m, cached);
    return 200;
}

/* ---- the row source ------------------------------------------------------------- */

/* The cache entry of t's rows for paths and req's filter, built on first use. */
static row_cache *rows_for(mem_ddb *m, mtable *t, json_object *req, const ddb_path *paths,
                           int nslots, char *err, size_t errlen)
{
    const void *filter = jget(req, "FilterExpression"),
               *values = jget(req, "ExpressionAttributeValues");
    if (m->memo.set && m->memo.table == t && m->memo.paths == paths && m->memo.filter == filter &&
        m->memo.values == values && m->rc[m->memo.entry].nslots == nslots)
        return &m->rc[m->memo.entry];
    m->memo.set = false;
    buf_t kb = BUF_INIT(1 << 20);
    buf_printf(&kb, "%s\x1d", t->name);
    for (int i = 0; i < nslots; i++) {
        buf_putc(&kb, '\x1e');
        for (size_t k = 0; k < paths[i].n; k++) {
            if (paths[i].steps[k].name)
                buf_printf(&kb, ".\"%s\"", paths[i].steps[k].name);
            else
                buf_printf(&kb, "[%zu]", paths[i].steps[k].index);
        }
    }
    request_sig(m, req, &kb);
    for (size_t i = 0; i < m->nrc; i++)
        if (strcmp(m->rc[i].key, buf_cstr(&kb)) == 0) {
            buf_free(&kb);
            m->memo.set = true;
            m->memo.table = t;
            m->memo.paths = paths;
            m->memo.filter = filter;
            m->memo.values = values;
            m->memo.entry = i;
            return &m->rc[i];
        }
    row_cache rc = {.key = buf_steal(&kb), .nslots = nslots, .n = t->n};
    rc.rows = xcalloc(t->n * (size_t)nslots + 1, sizeof *rc.rows);
    rc.kept = xcalloc(t->n + 1, sizeof *rc.kept);
    for (size_t i = 0; i < t->n; i++) {
        if (filter_keeps(m, req, t->items[i]))
            rc.kept[rc.nkept++] = i;
        for (int s = 0; s < nslots; s++) {
            value_t *v = &rc.rows[i * (size_t)nslots + (size_t)s];
            if (paths[s].n == 0)
                *v = value_doc(VAL_MAP, t->items[i]);
            else if (!ddb_item_get(t->items[i], &paths[s], v, err, errlen))
                return NULL; /* not reached: the items are valid (the entry leaks) */
        }
    }
    m->rc = xreallocarray(m->rc, m->nrc + 1, sizeof *m->rc);
    m->rc[m->nrc] = rc;
    return &m->rc[m->nrc++];
}

bool mem_ddb_row_source(void *ctx, ddb_op op, json_object *req, const ddb_path *paths, int nslots,
                        ddb_page *out, char *err, size_t errlen)
{
    mem_ddb *m = ctx;
    mtable *t = find_table(m, jget_str(req, "TableName"));
    if (op != DDB_SCAN || !t) {
        snprintf(err, errlen, "the in-memory rows serve Scans of known tables only");
        return false;
    }
    int64_t seg = jget_int(req, "Segment", 0), total = jget_int(req, "TotalSegments", 1);
    int64_t limit = jget_int(req, "Limit", 0);
    if (total < 1 || seg < 0 || seg >= total) {
        snprintf(err, errlen, "bad Segment/TotalSegments");
        return false;
    }
    size_t lo = (size_t)((int64_t)t->n * seg / total),
           hi = (size_t)((int64_t)t->n * (seg + 1) / total), start = lo;
    json_object *esk = jget_obj(req, "ExclusiveStartKey");
    if (esk) {
        int64_t at = position_of(t, esk);
        if (at < (int64_t)lo || at >= (int64_t)hi) {
            snprintf(err, errlen, "ExclusiveStartKey is not an item of this segment");
            return false;
        }
        start = (size_t)at + 1;
    }
    row_cache *rc = rows_for(m, t, req, paths, nslots, err, errlen);
    if (!rc)
        return false;
    /* Pages of at most 64 KB of values returned, as DynamoDB's answers are
       bounded: a page's values are then a heap allocation, not a fresh
       mapping whose page faults would be counted against the engine. A
       Limit bounds the items read, as DynamoDB's does. */
    size_t per_page = 65536 / ((size_t)(nslots > 0 ? nslots : 1) * sizeof(value_t));
    if (per_page < 1)
        per_page = 1;
    size_t stop = limit > 0 && (size_t)limit < hi - start ? start + (size_t)limit : hi;
    size_t a = 0, b = rc->nkept; /* the first kept item at or after start */
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (rc->kept[mid] < start)
            a = mid + 1;
        else
            b = mid;
    }
    size_t n = 0;
    while (a + n < rc->nkept && rc->kept[a + n] < stop && n < per_page)
        n++;
    /* read up to the last item given when the page is full, else to stop */
    size_t end = n == per_page && a + n < rc->nkept && rc->kept[a + n] < stop
                     ? rc->kept[a + n - 1] + 1
                     : stop;
    out->rows = xmallocarray(n * (size_t)nslots + 1, sizeof *out->rows);
    value_t *dst = out->rows;
    for (size_t k = 0; k < n; k++) {
        const value_t *src = &rc->rows[rc->kept[a + k] * (size_t)nslots];
        for (int s = 0; s < nslots; s++)
            *dst++ = value_copy(&src[s]);
    }
    out->nitems = n;
    if (end < hi)
        jset(out->summary, "LastEvaluatedKey", item_key(t, t->items[end - 1]));
    return true;
}

int mem_ddb_transport(void *ctx, ddb_op op, json_object *req, const char *body, buf_t *resp)
{
    (void)body;
    mem_ddb *m = ctx;
    if (op == DDB_LIST_TABLES) {
        json_object *o = json_object_new_object(), *names = json_object_new_array();
        for (size_t i = 0; i < m->n; i++)
            json_object_array_add(names, json_object_new_string(m->t[i].name));
        jset(o, "TableNames", names);
        buf_puts(resp, json_compact(o));
        json_object_put(o);
        return 200;
    }
    mtable *t = find_table(m, jget_str(req, "TableName"));
    if (op == DDB_DESCRIBE_TABLE || op == DDB_SCAN) {
        if (!t)
            return error(resp, 400, "ResourceNotFoundException", "Requested resource not found");
        return op == DDB_DESCRIBE_TABLE ? describe(t, resp) : scan(m, t, req, resp);
    }
    char msg[128];
    snprintf(msg, sizeof msg, "the in-memory DynamoDB of the benchmark does not serve %s",
             ddb_op_name(op));
    return error(resp, 400, "ValidationException", msg);
}

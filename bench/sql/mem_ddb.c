#include "bench/sql/mem_ddb.h"

#include "core/base/alloc.h"
#include "core/base/json_util.h"

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

struct mem_ddb {
    mtable *t;
    size_t n;
    json_object **log; /* pages served (references) */
    size_t nlog, caplog;
};

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
    char pkey[4300];
    snprintf(pkey, sizeof pkey, "%s|%lld/%lld|%lld|%zu|%d", spec, (long long)seg, (long long)total,
             (long long)limit, start, count_only);
    json_object *cached = jget(t->pages, pkey);
    if (!cached) {
        json_object *page = json_object_new_object(), *items = json_object_new_array();
        size_t i = start, bytes = 0;
        while (i < hi && (limit <= 0 || (int64_t)(i - start) < limit) &&
               (i == start || bytes + t->sizes[i] <= PAGE_BYTES)) {
            bytes += t->sizes[i];
            if (!count_only)
                json_object_array_add(items, project(t->items[i], &p));
            i++;
        }
        int64_t count = (int64_t)(i - start);
        if (!count_only)
            jset(page, "Items", items);
        else
            json_object_put(items);
        jset_int(page, "Count", count);
        jset_int(page, "ScannedCount", count);
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
    if (!buf_append(resp, json_object_get_string(cached),
                    (size_t)json_object_get_string_len(cached)))
        return error(resp, 500, "InternalServerError", "page larger than the response buffer");
    log_page(m, cached);
    return 200;
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

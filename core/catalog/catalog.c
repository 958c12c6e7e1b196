#include "catalog.h"

#include "column_infer.h"
#include "meta_cache.h"
#include "table_desc.h"

#include "../base/alloc.h"
#include "../base/buf.h"
#include "../base/json_util.h"
#include "../base/log.h"
#include "../base/timeutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CACHE_ENTRIES   512
#define SCAN_PAGE_LIMIT 1000 /* items per sampling Scan request */

struct catalog {
    const config *cfg;
    meta_cache *cache;
    ddb_client **clients; /* one per configured schema, created lazily */
};

static void fail(catalog_error *err, catalog_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(catalog_error *err, catalog_status st, const char *fmt, ...)
{
    err->status = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

bool refresh_mode_parse(const char *s, refresh_mode *out)
{
    if (!s || strcmp(s, "if_stale") == 0)
        *out = REFRESH_IF_STALE;
    else if (strcmp(s, "force") == 0)
        *out = REFRESH_FORCE;
    else if (strcmp(s, "skip") == 0)
        *out = REFRESH_SKIP;
    else
        return false;
    return true;
}

catalog *catalog_new(const config *cfg, redis_store *redis)
{
    catalog *c = xcalloc(1, sizeof *c);
    c->cfg = cfg;
    c->cache = meta_cache_new(redis, CACHE_ENTRIES);
    c->clients = xcalloc(cfg->nschemas ? cfg->nschemas : 1, sizeof *c->clients);
    return c;
}

void catalog_free(catalog *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->cfg->nschemas; i++)
        ddb_client_free(c->clients[i]);
    free(c->clients);
    meta_cache_free(c->cache);
    free(c);
}

static void schema_names(const config *cfg, buf_t *out)
{
    for (size_t i = 0; i < cfg->nschemas; i++)
        buf_printf(out, "%s'%s'", i ? ", " : "", cfg->schemas[i].name);
}

const schema_conf *catalog_schema(catalog *c, const char *name, catalog_error *err)
{
    if (!name || !*name)
        return c->cfg->default_schema;
    const schema_conf *s = config_schema(c->cfg, name);
    if (!s) {
        buf_t names = BUF_INIT(512);
        schema_names(c->cfg, &names);
        fail(err, CATALOG_NO_SCHEMA,
             "unknown schema '%.100s'. Configured schemas: %s. Omit schema_name to use the default "
             "schema '%s'.",
             name, buf_cstr(&names), c->cfg->default_schema->name);
        buf_free(&names);
    }
    return s;
}

ddb_client *catalog_client(catalog *c, const schema_conf *s)
{
    size_t i = (size_t)(s - c->cfg->schemas);
    if (!c->clients[i])
        c->clients[i] = ddb_client_new(s, &c->cfg->dynamodb);
    return c->clients[i];
}

static void ddb_fail(catalog_error *err, const schema_conf *s, const char *what,
                     const ddb_error *de)
{
    fail(err, de->status == DDB_ERR_NOT_FOUND ? CATALOG_NO_TABLE : CATALOG_DYNAMODB,
         "%s in schema '%s' failed: %s", what, s->name, de->message);
}

static int retain_seconds(const config *cfg)
{
    /* Keep documents well past staleness so `refresh: skip` and outages
     * can still be answered from the cache. */
    int r = cfg->metadata_ttl_seconds * 4;
    return r < 3600 ? 3600 : r;
}

/* Whether a cached document answers a call in this refresh mode. */
static bool cache_serves(const config *cfg, refresh_mode mode, json_object *cached,
                         int64_t fetched_ms)
{
    if (!cached || mode == REFRESH_FORCE)
        return false;
    return mode == REFRESH_SKIP ||
           wall_ms() - fetched_ms < (int64_t)cfg->metadata_ttl_seconds * 1000;
}

/* The cached document for key, if any: the worker's own copy when it is
 * fresh enough for the mode, else the newest of memory and Redis. */
static json_object *cache_lookup(catalog *c, const char *key, refresh_mode mode,
                                 int64_t *fetched_ms)
{
    int64_t min = mode == REFRESH_FORCE  ? INT64_MAX
                  : mode == REFRESH_SKIP ? INT64_MIN
                                         : wall_ms() - (int64_t)c->cfg->metadata_ttl_seconds * 1000;
    return meta_cache_get_fresh(c->cache, key, min, fetched_ms);
}

/* Cached or fetched: a table's normalised description. */
static json_object *get_desc(catalog *c, const schema_conf *s, const char *table, refresh_mode mode,
                             int64_t *fetched_ms, bool *refreshed, catalog_error *err)
{
    char key[400];
    snprintf(key, sizeof key, "%s:desc:%s", s->name, table);
    json_object *cached = cache_lookup(c, key, mode, fetched_ms);
    if (cache_serves(c->cfg, mode, cached, *fetched_ms))
        return cached;

    json_object *req = json_object_new_object(), *resp = NULL;
    jset_str(req, "TableName", table);
    ddb_error de;
    ddb_status st = ddb_call(catalog_client(c, s), DDB_DESCRIBE_TABLE, req, 0, &resp, &de);
    json_object_put(req);
    if (st != DDB_OK) {
        if (cached && st != DDB_ERR_NOT_FOUND) {
            log_msg(LOG_WARN, "serving stale metadata for %s.%s: %s", s->name, table, de.message);
            return cached;
        }
        json_object_put(cached);
        if (st == DDB_ERR_NOT_FOUND)
            fail(err, CATALOG_NO_TABLE,
                 "table '%s' does not exist in schema '%s'. Call list_tables to see the tables "
                 "you can use.",
                 table, s->name);
        else
            ddb_fail(err, s, "DescribeTable", &de);
        return NULL;
    }
    json_object *doc = table_desc_from_ddb(jget_obj(resp, "Table"));
    json_object_put(resp);
    if (!doc) {
        json_object_put(cached);
        fail(err, CATALOG_DYNAMODB, "DynamoDB returned a description of '%s' without a key schema",
             table);
        return NULL;
    }
    json_object_put(cached);
    *fetched_ms = wall_ms();
    *refreshed = true;
    meta_cache_put(c->cache, key, doc, *fetched_ms, retain_seconds(c->cfg));
    return doc;
}

/* Reads up to sample_size items with Scan and infers the columns. */
static json_object *sample_columns(catalog *c, const schema_conf *s, const char *table,
                                   json_object *key_schema, catalog_error *err)
{
    column_stats *stats = column_stats_new(COLUMN_INFER_MAX_COLUMNS, COLUMN_INFER_MAX_DEPTH);
    ddb_client *client = catalog_client(c, s);
    json_object *start_key = NULL;
    bool complete = false;
    size_t want = (size_t)c->cfg->sample_size;
    while (column_stats_items(stats) < want) {
        json_object *req = json_object_new_object(), *resp = NULL;
        jset_str(req, "TableName", table);
        size_t left = want - column_stats_items(stats);
        jset_int(req, "Limit", (int64_t)(left < SCAN_PAGE_LIMIT ? left : SCAN_PAGE_LIMIT));
        if (start_key)
            jset(req, "ExclusiveStartKey", start_key);
        start_key = NULL;
        ddb_error de;
        ddb_status st = ddb_call(client, DDB_SCAN, req, 0, &resp, &de);
        json_object_put(req);
        if (st != DDB_OK) {
            column_stats_free(stats);
            ddb_fail(err, s, "Scan (sampling items)", &de);
            return NULL;
        }
        json_object *items = jget_arr(resp, "Items");
        for (size_t i = 0; items && i < json_object_array_length(items); i++)
            column_stats_add_item(stats, json_object_array_get_idx(items, i));
        json_object *lek = jget_obj(resp, "LastEvaluatedKey");
        if (lek)
            start_key = json_object_get(lek);
        json_object_put(resp);
        if (!start_key) {
            complete = true;
            break;
        }
    }
    json_object_put(start_key);
    json_object *doc = json_object_new_object();
    jset(doc, "columns", column_stats_to_json(stats, key_schema));
    json_object *sample = json_object_new_object();
    jset_int(sample, "items_sampled", (int64_t)column_stats_items(stats));
    jset_int(sample, "requested", (int64_t)want);
    jset_bool(sample, "whole_table", complete);
    jset_bool(sample, "columns_truncated", column_stats_truncated(stats));
    jset_str(sample, "method", "Scan from the start of the table (partition-hash order)");
    jset(doc, "sample", sample);
    column_stats_free(stats);
    return doc;
}

static json_object *get_columns(catalog *c, const schema_conf *s, const char *table,
                                json_object *key_schema, refresh_mode mode, int64_t *fetched_ms,
                                bool *refreshed, catalog_error *err)
{
    char key[400];
    snprintf(key, sizeof key, "%s:cols:%s", s->name, table);
    json_object *cached = cache_lookup(c, key, mode, fetched_ms);
    if (cache_serves(c->cfg, mode, cached, *fetched_ms))
        return cached;
    json_object *doc = sample_columns(c, s, table, key_schema, err);
    if (!doc) {
        if (cached && err->status == CATALOG_DYNAMODB) {
            log_msg(LOG_WARN, "serving stale columns for %s.%s: %s", s->name, table, err->message);
            return cached;
        }
        json_object_put(cached);
        return NULL;
    }
    json_object_put(cached);
    *fetched_ms = wall_ms();
    *refreshed = true;
    meta_cache_put(c->cache, key, doc, *fetched_ms, retain_seconds(c->cfg));
    return doc;
}

static bool valid_table_name(const char *t)
{
    size_t n = strlen(t);
    if (n < 3 || n > 255)
        return false;
    for (const char *p = t; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-' || *p == '.'))
            return false;
    return true;
}

/* Cached listing (names only), fetched when needed. */
static json_object *get_names(catalog *c, const schema_conf *s, refresh_mode mode,
                              int64_t *fetched_ms, bool *refreshed, catalog_error *err)
{
    char key[200];
    snprintf(key, sizeof key, "%s:list", s->name);
    /* An allow-list is its own listing, never a cached one: that could
     * predate a narrower allow-list or come from another deployment
     * sharing Redis, and list tables the config hides. */
    json_object *cached = s->all_tables ? cache_lookup(c, key, mode, fetched_ms) : NULL;
    if (cache_serves(c->cfg, mode, cached, *fetched_ms))
        return cached;

    json_object *names = json_object_new_array();
    bool truncated = false;
    if (!s->all_tables) {
        for (size_t i = 0; i < s->ntables; i++) {
            if (json_object_array_length(names) == CATALOG_LIST_CAP) {
                truncated = true;
                break;
            }
            json_object_array_add(names, json_object_new_string(s->tables[i]));
        }
    } else {
        char *start = NULL;
        for (;;) {
            json_object *req = json_object_new_object(), *resp = NULL;
            jset_int(req, "Limit", 100);
            if (start)
                jset_str(req, "ExclusiveStartTableName", start);
            free(start);
            start = NULL;
            ddb_error de;
            ddb_status st = ddb_call(catalog_client(c, s), DDB_LIST_TABLES, req, 0, &resp, &de);
            json_object_put(req);
            if (st != DDB_OK) {
                json_object_put(names);
                if (cached) {
                    log_msg(LOG_WARN, "serving a stale table list for %s: %s", s->name, de.message);
                    return cached;
                }
                ddb_fail(err, s, "ListTables", &de);
                return NULL;
            }
            json_object *page = jget_arr(resp, "TableNames");
            for (size_t i = 0; page && i < json_object_array_length(page); i++) {
                if (json_object_array_length(names) == CATALOG_LIST_CAP) {
                    truncated = true;
                    break;
                }
                json_object_array_add(names, json_object_get(json_object_array_get_idx(page, i)));
            }
            const char *next = jget_str(resp, "LastEvaluatedTableName");
            if (next && !truncated)
                start = xstrdup(next);
            else if (next)
                truncated = true;
            json_object_put(resp);
            if (!start)
                break;
        }
    }
    json_object_put(cached);
    json_object *doc = json_object_new_object();
    jset(doc, "names", names);
    jset_bool(doc, "truncated", truncated);
    *fetched_ms = wall_ms();
    if (!s->all_tables)
        return doc; /* nothing was fetched, nothing to share */
    *refreshed = true;
    meta_cache_put(c->cache, key, doc, *fetched_ms, retain_seconds(c->cfg));
    return doc;
}

static void set_freshness(const config *cfg, json_object *out, bool refreshed, int64_t fetched_ms)
{
    char iso[ISO8601_LEN];
    iso8601_ms(fetched_ms, iso);
    int64_t left = (int64_t)cfg->metadata_ttl_seconds - (wall_ms() - fetched_ms) / 1000;
    jset_bool(out, "refreshed", refreshed);
    jset_str(out, "refreshed_at", iso);
    jset_int(out, "stale_after_seconds", left > 0 ? left : 0);
}

json_object *catalog_list_tables(catalog *c, const char *schema, refresh_mode mode,
                                 catalog_error *err)
{
    const schema_conf *s = catalog_schema(c, schema, err);
    if (!s)
        return NULL;
    int64_t list_at = 0;
    bool refreshed = false;
    json_object *names = get_names(c, s, mode, &list_at, &refreshed, err);
    if (!names)
        return NULL;
    json_object *tables = json_object_new_array();
    json_object *arr = jget_arr(names, "names");
    int64_t oldest = list_at; /* the answer is as fresh as its oldest part */
    /* A forced list refresh also refreshes each table's counts. */
    for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
        const char *name = json_object_get_string(json_object_array_get_idx(arr, i));
        int64_t at = 0;
        json_object *desc = get_desc(c, s, name, mode, &at, &refreshed, err);
        if (!desc) {
            if (err->status == CATALOG_NO_TABLE) {
                log_msg(LOG_WARN, "schema '%s' allows table '%s', which does not exist", s->name,
                        name);
                continue;
            }
            json_object_put(tables);
            json_object_put(names);
            return NULL;
        }
        json_object *t = json_object_new_object();
        char qualified[400], iso[ISO8601_LEN];
        snprintf(qualified, sizeof qualified, "%s.%s", s->name, name);
        iso8601_ms(at, iso);
        if (at < oldest)
            oldest = at;
        jset_str(t, "name", name);
        jset_str(t, "qualified_name", qualified);
        jset_str(t, "physical_table_name", name);
        jset_int(t, "item_count", jget_int(desc, "item_count", 0));
        jset_str(t, "refreshed_at", iso);
        json_object_array_add(tables, t);
        json_object_put(desc);
    }
    json_object *out = json_object_new_object();
    jset_str(out, "schema_name", s->name);
    jset(out, "tables", tables);
    jset_bool(out, "truncated", jget_bool(names, "truncated", false));
    set_freshness(c->cfg, out, refreshed, oldest);
    json_object_put(names);
    return out;
}

/* Finds the allowed table a user meant: exact first, then the unique
 * case-insensitive match. Writes the physical name into out. */
static bool resolve_table(catalog *c, const schema_conf *s, const char *table, char *out,
                          size_t outlen, catalog_error *err)
{
    if (!valid_table_name(table)) {
        fail(err, CATALOG_BAD_NAME,
             "'%.100s' is not a valid DynamoDB table name (3 to 255 letters, digits, '_', '-' or "
             "'.'). Use a name from list_tables.",
             table);
        return false;
    }
    const char *match = NULL;
    size_t nci = 0;
    json_object *names = NULL;
    if (s->all_tables) {
        /* Case-insensitive help needs a listing; a cached one is enough. */
        int64_t at;
        bool refreshed;
        catalog_error ignored;
        names = get_names(c, s, REFRESH_SKIP, &at, &refreshed, &ignored);
        json_object *arr = jget_arr(names, "names");
        for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
            const char *n = json_object_get_string(json_object_array_get_idx(arr, i));
            if (strcmp(n, table) == 0) {
                match = n;
                nci = 1;
                break;
            }
            if (strcasecmp(n, table) == 0 && nci++ == 0)
                match = n;
        }
        if (!match || nci > 1)
            match = table; /* DescribeTable will say whether it exists */
    } else {
        for (size_t i = 0; i < s->ntables; i++) {
            if (strcmp(s->tables[i], table) == 0) {
                match = s->tables[i];
                nci = 1;
                break;
            }
            if (strcasecmp(s->tables[i], table) == 0 && nci++ == 0)
                match = s->tables[i];
        }
        if (!match || nci > 1) {
            buf_t list = BUF_INIT(2048);
            for (size_t i = 0; i < s->ntables && i < 30; i++)
                buf_printf(&list, "%s%s", i ? ", " : "", s->tables[i]);
            fail(err, CATALOG_NO_TABLE,
                 "table '%.100s' is not available in schema '%s'. Available tables: %s. Call "
                 "list_tables to see them with item counts.",
                 table, s->name, buf_cstr(&list));
            buf_free(&list);
            return false;
        }
    }
    snprintf(out, outlen, "%s", match);
    json_object_put(names);
    return true;
}

/* Splits "schema.table" when the prefix names a configured schema (table
 * names may themselves contain dots). */
static const schema_conf *split_qualified(catalog *c, const char *schema, const char **table,
                                          catalog_error *err)
{
    const char *dot = strchr(*table, '.');
    if (dot) {
        char prefix[128];
        size_t n = (size_t)(dot - *table);
        if (n < sizeof prefix) {
            memcpy(prefix, *table, n);
            prefix[n] = '\0';
            const schema_conf *qs = config_schema(c->cfg, prefix);
            if (qs) {
                if (schema && *schema && strcmp(schema, prefix) != 0) {
                    fail(err, CATALOG_BAD_NAME,
                         "table_name '%.100s' names schema '%s' but schema_name is '%.100s'; give "
                         "one or make them agree",
                         *table, prefix, schema);
                    return NULL;
                }
                *table = dot + 1;
                return qs;
            }
        }
    }
    return catalog_schema(c, schema, err);
}

static int64_t present_count(json_object *columns, const char *name)
{
    for (size_t i = 0; columns && i < json_object_array_length(columns); i++) {
        json_object *col = json_object_array_get_idx(columns, i);
        const char *n = jget_str(col, "name");
        if (n && strcmp(n, name) == 0)
            return jget_int(col, "present_count", 0);
    }
    return 0;
}

/* A secondary index holds only the items that have all its key
 * attributes. When some sampled items lack one, the index is sparse: a
 * read through it silently misses those items, which a model (and the
 * planner) must know. Unknown (absent) when nothing was sampled. The
 * cached description is shared, so the flags go on a copy. */
static json_object *indexes_with_sparsity(json_object *indexes, json_object *columns,
                                          int64_t sampled)
{
    json_object *out = NULL;
    if (!indexes || json_object_deep_copy(indexes, &out, NULL) != 0 || !out)
        return json_object_new_array();
    for (size_t i = 0; sampled > 0 && i < json_object_array_length(out); i++) {
        json_object *ix = json_object_array_get_idx(out, i);
        if (strcmp(jget_str(ix, "type"), "PRIMARY") == 0)
            continue;
        const char *keys[2] = {jget_str(ix, "hashKey"), jget_str(ix, "sortKey")};
        bool sparse = false;
        for (int k = 0; k < 2; k++)
            if (keys[k] && present_count(columns, keys[k]) < sampled)
                sparse = true;
        jset_bool(ix, "sparse", sparse);
    }
    return out;
}

json_object *catalog_describe_table(catalog *c, const char *schema, const char *table,
                                    refresh_mode mode, catalog_error *err)
{
    const schema_conf *s = split_qualified(c, schema, &table, err);
    if (!s)
        return NULL;
    char physical[256];
    if (!resolve_table(c, s, table, physical, sizeof physical, err))
        return NULL;
    int64_t desc_at = 0, cols_at = 0;
    bool refreshed = false;
    json_object *desc = get_desc(c, s, physical, mode, &desc_at, &refreshed, err);
    if (!desc)
        return NULL;
    json_object *cols =
        get_columns(c, s, physical, jget_obj(desc, "key_schema"), mode, &cols_at, &refreshed, err);
    if (!cols) {
        json_object_put(desc);
        return NULL;
    }
    json_object *out = json_object_new_object();
    char qualified[400];
    snprintf(qualified, sizeof qualified, "%s.%s", s->name, physical);
    jset_str(out, "schema_name", s->name);
    jset_str(out, "table_name", physical);
    jset_str(out, "qualified_name", qualified);
    jset_str(out, "physical_table_name", physical);
    static const char *copy[] = {"item_count",   "size_bytes", "status",
                                 "billing_mode", "key_schema", "indexes"};
    for (size_t i = 0; i < sizeof copy / sizeof copy[0]; i++)
        if (strcmp(copy[i], "indexes") != 0)
            jset(out, copy[i], json_object_get(jget(desc, copy[i])));
    json_object *columns = jget_arr(cols, "columns");
    jset(out, "indexes",
         indexes_with_sparsity(jget_arr(desc, "indexes"), columns,
                               jget_int(jget_obj(cols, "sample"), "items_sampled", 0)));
    jset(out, "columns", json_object_get(columns));
    /* attribute_types: top-level attribute -> its main type. */
    json_object *types = json_object_new_object();
    for (size_t i = 0; columns && i < json_object_array_length(columns); i++) {
        json_object *col = json_object_array_get_idx(columns, i);
        const char *name = jget_str(col, "name");
        if (name && !strchr(name, '.'))
            jset_str(types, name, jget_str(col, "type"));
    }
    jset(out, "attribute_types", types);
    jset(out, "sample", json_object_get(jget(cols, "sample")));
    set_freshness(c->cfg, out, refreshed, desc_at < cols_at ? desc_at : cols_at);
    json_object_put(desc);
    json_object_put(cols);
    return out;
}

json_object *catalog_table_names(catalog *c, const schema_conf *s, const char *prefix)
{
    json_object *out = json_object_new_array();
    int64_t at;
    bool refreshed;
    catalog_error err;
    json_object *names = get_names(c, s, REFRESH_SKIP, &at, &refreshed, &err);
    json_object *arr = jget_arr(names, "names");
    size_t plen = prefix ? strlen(prefix) : 0;
    for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
        const char *n = json_object_get_string(json_object_array_get_idx(arr, i));
        if (strncasecmp(n, prefix ? prefix : "", plen) == 0)
            json_object_array_add(out, json_object_new_string(n));
    }
    json_object_put(names);
    return out;
}

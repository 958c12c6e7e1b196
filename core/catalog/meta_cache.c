#include "meta_cache.h"

#include "../base/alloc.h"
#include "../base/buf.h"
#include "../base/json_util.h"
#include "../base/log.h"
#include "../base/timeutil.h"

#include <stdlib.h>
#include <string.h>

#define MAX_CACHED_DOC (4 * 1024 * 1024)

typedef struct entry {
    char *key;
    json_object *doc;
    int64_t fetched_ms;
    uint64_t used; /* LRU clock */
} entry;

struct meta_cache {
    redis_store *redis;
    entry *entries;
    size_t n, max;
    uint64_t clock;
    int64_t last_redis_warning_ms;
};

meta_cache *meta_cache_new(redis_store *redis, size_t max_entries)
{
    meta_cache *c = xcalloc(1, sizeof *c);
    c->redis = redis;
    c->max = max_entries ? max_entries : 1;
    c->entries = xcalloc(c->max, sizeof *c->entries);
    return c;
}

void meta_cache_free(meta_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->entries[i].key);
        json_object_put(c->entries[i].doc);
    }
    free(c->entries);
    free(c);
}

/* Redis failures are expected while it restarts; one warning a minute is
 * enough to be noticed without flooding the web server log. */
static void redis_warn(meta_cache *c, const char *what, const char *err)
{
    int64_t now = mono_ms();
    if (c->last_redis_warning_ms && now - c->last_redis_warning_ms < 60000)
        return;
    c->last_redis_warning_ms = now;
    log_msg(LOG_WARN, "metadata cache: %s failed, using this worker's memory cache: %s", what, err);
}

static char *redis_key(meta_cache *c, const char *key)
{
    buf_t b = BUF_INIT(1024);
    if (!buf_printf(&b, "%smeta:v1:%s", redis_store_prefix(c->redis), key)) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b);
}

static entry *mem_find(meta_cache *c, const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->entries[i].key, key) == 0)
            return &c->entries[i];
    return NULL;
}

static void mem_put(meta_cache *c, const char *key, json_object *doc, int64_t fetched_ms)
{
    entry *e = mem_find(c, key);
    if (e && e->fetched_ms > fetched_ms)
        return;
    if (!e && c->n < c->max) {
        e = &c->entries[c->n++];
        e->key = xstrdup(key);
        e->doc = NULL;
    } else if (!e) {
        e = &c->entries[0];
        for (size_t i = 1; i < c->n; i++)
            if (c->entries[i].used < e->used)
                e = &c->entries[i];
        free(e->key);
        e->key = xstrdup(key);
    }
    json_object_put(e->doc);
    e->doc = json_object_get(doc);
    e->fetched_ms = fetched_ms;
    e->used = ++c->clock;
}

static json_object *redis_get(meta_cache *c, const char *key, int64_t *fetched_ms)
{
    if (!c->redis)
        return NULL;
    char *rk = redis_key(c, key);
    if (!rk)
        return NULL;
    char err[256];
    const char *argv[] = {"GET", rk};
    redisReply *r = redis_store_cmd(c->redis, true, 2, argv, NULL, err, sizeof err);
    free(rk);
    if (!r) {
        redis_warn(c, "read", err);
        return NULL;
    }
    json_object *doc = NULL;
    if (r->type == REDIS_REPLY_STRING && r->len <= MAX_CACHED_DOC) {
        char jerr[128];
        json_object *wrap = json_parse_strict(r->str, r->len, 128, jerr, sizeof jerr);
        json_object *inner = jget_obj(wrap, "doc");
        int64_t at = jget_int(wrap, "fetched_ms", 0);
        if (inner && at > 0) {
            doc = json_object_get(inner);
            *fetched_ms = at;
        }
        json_object_put(wrap);
    }
    freeReplyObject(r);
    return doc;
}

json_object *meta_cache_get(meta_cache *c, const char *key, int64_t *fetched_ms)
{
    entry *e = mem_find(c, key);
    int64_t rat = 0;
    json_object *rdoc = redis_get(c, key, &rat);
    if (rdoc && (!e || rat > e->fetched_ms)) {
        mem_put(c, key, rdoc, rat);
        *fetched_ms = rat;
        return rdoc;
    }
    json_object_put(rdoc);
    if (!e)
        return NULL;
    e->used = ++c->clock;
    *fetched_ms = e->fetched_ms;
    return json_object_get(e->doc);
}

json_object *meta_cache_get_fresh(meta_cache *c, const char *key, int64_t min_fetched_ms,
                                  int64_t *fetched_ms)
{
    entry *e = mem_find(c, key);
    if (e && e->fetched_ms >= min_fetched_ms) {
        e->used = ++c->clock;
        *fetched_ms = e->fetched_ms;
        return json_object_get(e->doc);
    }
    return meta_cache_get(c, key, fetched_ms);
}

void meta_cache_put(meta_cache *c, const char *key, json_object *doc, int64_t fetched_ms,
                    int retain_s)
{
    mem_put(c, key, doc, fetched_ms);
    if (!c->redis)
        return;
    char *rk = redis_key(c, key);
    if (!rk)
        return;
    json_object *wrap = json_object_new_object();
    jset_int(wrap, "fetched_ms", fetched_ms);
    jset(wrap, "doc", json_object_get(doc));
    const char *val = json_compact(wrap);
    char ttl[24], err[256];
    snprintf(ttl, sizeof ttl, "%d", retain_s > 0 ? retain_s : 1);
    const char *argv[] = {"SET", rk, val, "EX", ttl};
    size_t lens[] = {3, strlen(rk), strlen(val), 2, strlen(ttl)};
    redisReply *r = redis_store_cmd(c->redis, true, 5, argv, lens, err, sizeof err);
    if (!r)
        redis_warn(c, "write", err);
    else
        freeReplyObject(r);
    json_object_put(wrap);
    free(rk);
}

/* A two-level cache for table metadata: a small per-worker LRU in memory,
 * backed by Redis so every worker shares what any worker fetched. Redis
 * being down degrades to the memory level, never to an error. */
#ifndef DDBSQL_META_CACHE_H
#define DDBSQL_META_CACHE_H

#include "../store/redis_store.h"

#include <json-c/json.h>
#include <stdint.h>

typedef struct meta_cache meta_cache;

/* redis may be NULL (memory only). */
meta_cache *meta_cache_new(redis_store *redis, size_t max_entries);
void meta_cache_free(meta_cache *c);
/* The newest cached document for key (a new reference) and when it was
 * fetched (wall ms), or NULL. */
json_object *meta_cache_get(meta_cache *c, const char *key, int64_t *fetched_ms);
/* Like meta_cache_get, but a memory entry fetched at or after
 * min_fetched_ms answers at once, sparing the Redis round trip on the hot
 * path (every query's planning reads table metadata). */
json_object *meta_cache_get_fresh(meta_cache *c, const char *key, int64_t min_fetched_ms,
                                  int64_t *fetched_ms);
/* Stores doc (not taken) fetched at fetched_ms; Redis keeps it retain_s. */
void meta_cache_put(meta_cache *c, const char *key, json_object *doc, int64_t fetched_ms,
                    int retain_s);

#endif

/* The metadata catalog: which tables each schema exposes, how they are
 * keyed and indexed, and what columns their items carry. It resolves
 * user-supplied names (respecting each schema's allow-list), fetches from
 * DynamoDB, and caches with a TTL in meta_cache. The MCP tools render its
 * documents; the SQL planner reads them. */
#ifndef DDBSQL_CATALOG_H
#define DDBSQL_CATALOG_H

#include "../aws/ddb_client.h"
#include "../conf/config.h"
#include "../store/redis_store.h"

#include <json-c/json.h>
#include <stdbool.h>

typedef enum { REFRESH_IF_STALE, REFRESH_FORCE, REFRESH_SKIP } refresh_mode;

/* "if_stale", "force", "skip" (NULL means if_stale). */
bool refresh_mode_parse(const char *s, refresh_mode *out);

typedef enum {
    CATALOG_OK = 0,
    CATALOG_NO_SCHEMA, /* unknown schema name */
    CATALOG_NO_TABLE,  /* not in the allow-list, or not in DynamoDB */
    CATALOG_BAD_NAME,  /* malformed name */
    CATALOG_DYNAMODB,  /* DynamoDB failed; message from ddb_error */
} catalog_status;

typedef struct catalog_error {
    catalog_status status;
    char message[1024]; /* says what was wrong and how to fix the call */
} catalog_error;

typedef struct catalog catalog;

/* redis may be NULL. Both must outlive the catalog. */
catalog *catalog_new(const config *cfg, redis_store *redis);
void catalog_free(catalog *c);

/* A schema by name (NULL or "" = the default). */
const schema_conf *catalog_schema(catalog *c, const char *name, catalog_error *err);
/* The DynamoDB client of a schema (created on first use). */
ddb_client *catalog_client(catalog *c, const schema_conf *s);

/* list_tables' structured result: {schema_name, tables:[{name,
 * qualified_name, physical_table_name, item_count, refreshed_at}],
 * truncated, refreshed, refreshed_at, stale_after_seconds}. NULL on error. */
json_object *catalog_list_tables(catalog *c, const char *schema, refresh_mode mode,
                                 catalog_error *err);

/* describe_table's structured result (see README "Tools"). table may be
 * "schema.table"; schema may be NULL. NULL on error. */
json_object *catalog_describe_table(catalog *c, const char *schema, const char *table,
                                    refresh_mode mode, catalog_error *err);

/* Table names of a schema starting with prefix, from cached metadata when
 * there is any (never fails: an empty array when nothing is known). */
json_object *catalog_table_names(catalog *c, const schema_conf *s, const char *prefix);

#define CATALOG_LIST_CAP 200

#endif

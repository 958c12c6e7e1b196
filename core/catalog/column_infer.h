/* Infers a schemaless table's columns from sampled items: every attribute
 * path (nested maps as dotted paths a query can use), the DynamoDB types
 * seen there, and how many sampled items have it. */
#ifndef DDBSQL_COLUMN_INFER_H
#define DDBSQL_COLUMN_INFER_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#define COLUMN_INFER_MAX_COLUMNS 1000
#define COLUMN_INFER_MAX_DEPTH   4

typedef struct column_stats column_stats;

column_stats *column_stats_new(size_t max_columns, int max_depth);
void column_stats_free(column_stats *s);
/* item is one DynamoDB-JSON item ({"attr":{"S":"x"},...}). */
void column_stats_add_item(column_stats *s, json_object *item);
size_t column_stats_items(const column_stats *s);
/* True when more distinct paths were seen than max_columns. */
bool column_stats_truncated(const column_stats *s);
/* The columns array: key attributes first (from key_schema, which is the
 * table description's key_schema object), then every other path in
 * lexicographic order. Each is {name, type, types, nullable,
 * present_count, present_fraction, key?}. */
json_object *column_stats_to_json(const column_stats *s, json_object *key_schema);

/* The DynamoDB type tag of an attribute value ("S", "M", ...), or NULL. */
const char *ddb_value_type(json_object *value);

#endif

/* DynamoDB AttributeValue JSON ({"S":..}, {"N":".."}, {"B":base64},
 * {"BOOL":..}, {"NULL":true}, {"M":{..}}, {"L":[..]}, {"SS":[..]},
 * {"NS":[..]}, {"BS":[..]}) to SQL values and back, and nested attribute
 * paths (a.b.c, a.list[2].d) on items. */
#ifndef DDBSQL_SQL_DDB_VALUE_H
#define DDBSQL_SQL_DDB_VALUE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "sql/value.h"

/* DynamoDB's own nesting limit for documents. */
#define DDB_MAX_DEPTH 32
/* Steps in one attribute path. */
#define DDB_PATH_MAX_STEPS 32

/* Checks av against DynamoDB's rules: exactly one type key; S a string;
 * N a valid number (38 digits, range 1E-130..1E+126); B valid base64; BOOL a
 * boolean; NULL true; M/L recursively (at most DDB_MAX_DEPTH deep); sets
 * non-empty, of the right element type, without duplicates. On failure the
 * message says what and where ("$.M.tags.SS[1]: duplicate set element"). */
bool ddb_validate(json_object *av, char *err, size_t errlen);

/* Validates av and converts it (an owned value; documents share av's
 * json-c objects). {"NULL":true} is SQL NULL. On failure returns false and
 * leaves *out NULL. */
bool ddb_to_value(json_object *av, value_t *out, char *err, size_t errlen);

/* Like ddb_to_value, but checks documents (M, L, sets) only for their
 * container type, not their contents: for items DynamoDB itself returned,
 * which it has validated, so a row costs O(attributes) rather than O(item
 * size) on every read. Document operations in value.h tolerate malformed
 * contents (they never crash on them). */
bool ddb_to_value_shallow(json_object *av, value_t *out, char *err, size_t errlen);

/* The AttributeValue for v (a new reference), for key conditions and
 * ExpressionAttributeValues. SQL NULL is {"NULL":true}; a number keeps its
 * original text; a DOUBLE must be finite and within DynamoDB's range. NULL
 * with a message on failure. */
json_object *ddb_from_value(const value_t *v, char *err, size_t errlen);

/* One step of a path: an attribute/map key, or a list index. */
typedef struct ddb_path_step {
    char *name; /* NULL for an index step */
    size_t index;
} ddb_path_step;

typedef struct ddb_path {
    ddb_path_step *steps;
    size_t n;
} ddb_path;

/* Parses "a.b.c", "a.list[2].d", "m[0][1]"; a segment in double quotes is
 * taken literally ("a.b"."c" is two steps, "" escapes a quote). The path
 * starts with a name. On failure the message gives the byte offset. */
bool ddb_path_parse(const char *s, size_t len, ddb_path *out, char *err, size_t errlen);
void ddb_path_free(ddb_path *p);

/* The AttributeValue at path in item (an object of name -> AttributeValue),
 * borrowed; NULL when missing, or when a step does not fit (a key into a
 * non-map, an index into a non-list or past its end). */
json_object *ddb_item_lookup(json_object *item, const ddb_path *p);

/* ddb_item_lookup converted with ddb_to_value_shallow (items come from
 * DynamoDB): missing is SQL NULL. False only when the attribute found is
 * malformed. */
bool ddb_item_get(json_object *item, const ddb_path *p, value_t *out, char *err, size_t errlen);

#endif

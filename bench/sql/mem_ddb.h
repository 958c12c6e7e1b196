/* An in-memory DynamoDB for the engine CPU benchmark: tables of items in
 * DynamoDB JSON, answered through ddb_client_set_transport, so the whole
 * engine (catalog, planner, the reader decoding DynamoDB JSON, operators)
 * runs exactly as in production with no network.
 *
 * It answers ListTables, DescribeTable and Scan (Segment/TotalSegments,
 * ExclusiveStartKey, Limit, ProjectionExpression with #name placeholders,
 * Select COUNT, pages of at most 1 MB of item data as DynamoDB counts it).
 * Query, GetItem and BatchGetItem get a ValidationException saying they are
 * not served.
 *
 * FilterExpression: the conjuncts (top-level ANDs) that are comparisons of
 * an attribute path with a value (=, <, <=, >, >=, and BETWEEN written as
 * a >= x AND a <= y) drop an item as DynamoDB would when the attribute is
 * missing, or has the value's type (S, N or B) and the comparison is false.
 * Anything else (OR, NOT, IN, functions, size, mismatched types) keeps the
 * item: a FilterExpression may return more than DynamoDB would, never fewer,
 * and the engine checks every pushed predicate again, so results are the
 * same. mem_ddb_set_filtering(m, false) ignores FilterExpression entirely.
 *
 * Each page is serialised once, the first time it is asked for, and kept:
 * later requests for it copy the stored text, as a server would send it.
 *
 * mem_ddb_row_source answers the same Scans with rows already decoded
 * (ddb_pages_set_row_source, sql/ddb_pages.h): the benchmark's "engine only"
 * mode. Each table's rows for a set of slot paths and a filter are decoded
 * once (ddb_item_get, the reader's rules) and kept; a request copies them
 * (value_copy: a reference each), in pages of at most 64 KB of values (or
 * the request's Limit). */
#ifndef DDBSQL_BENCH_MEM_DDB_H
#define DDBSQL_BENCH_MEM_DDB_H

#include "core/aws/ddb_client.h"
#include "core/base/buf.h"
#include "sql/ddb_page_decode.h"

#include <json-c/json.h>

typedef struct mem_ddb mem_ddb;

mem_ddb *mem_ddb_new(void);
void mem_ddb_free(mem_ddb *m);

/* Adds a table keyed by pk (type 'S' or 'N') and optional sk (NULL). */
void mem_ddb_add_table(mem_ddb *m, const char *name, const char *pk, char pk_type, const char *sk,
                       char sk_type);
/* Appends an item (DynamoDB JSON, ownership taken) to a table. */
void mem_ddb_put(mem_ddb *m, const char *table, json_object *item);

/* The Scan pages served since the last reset (their text, borrowed until
 * the next reset), so the benchmark can time decoding them on their own. */
void mem_ddb_log_reset(mem_ddb *m);
size_t mem_ddb_log_count(const mem_ddb *m);
const char *mem_ddb_log_page(const mem_ddb *m, size_t i, size_t *len);

/* The transport: pass m as its ctx. */
int mem_ddb_transport(void *ctx, ddb_op op, json_object *req, const char *body, buf_t *resp);

/* Whether FilterExpression is applied (default true). */
void mem_ddb_set_filtering(mem_ddb *m, bool on);

/* The row source (sql/ddb_pages.h): pass m as its ctx. */
bool mem_ddb_row_source(void *ctx, ddb_op op, json_object *req, const ddb_path *paths, int nslots,
                        ddb_page *out, char *err, size_t errlen);

#endif

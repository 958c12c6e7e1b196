/* An in-memory DynamoDB for the engine CPU benchmark: tables of items in
 * DynamoDB JSON, answered through ddb_client_set_transport, so the whole
 * engine (catalog, planner, the reader decoding DynamoDB JSON, operators)
 * runs exactly as in production with no network.
 *
 * It answers ListTables, DescribeTable and Scan (Segment/TotalSegments,
 * ExclusiveStartKey, Limit, ProjectionExpression with #name placeholders,
 * Select COUNT, pages of at most 1 MB of item data as DynamoDB counts it).
 * FilterExpression is ignored: every item of the page is returned, so the
 * engine filters more rows than it would over DynamoDB (a FilterExpression
 * may return more, never fewer, so results are the same). Query, GetItem
 * and BatchGetItem get a ValidationException saying they are not served.
 *
 * Each page is serialised once, the first time it is asked for, and kept:
 * later requests for it copy the stored text, as a server would send it. */
#ifndef DDBSQL_BENCH_MEM_DDB_H
#define DDBSQL_BENCH_MEM_DDB_H

#include "core/aws/ddb_client.h"
#include "core/base/buf.h"

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

#endif

/* Items by primary key with BatchGetItem: keys are deduplicated (DynamoDB
 * rejects a request that names one key twice, and 1 and 1.0 are one N
 * key), sent in batches of at most 100, and UnprocessedKeys are sent again
 * after a backoff (ddb_client_retry_delay) until every key is answered,
 * the attempts run out without progress, or the query's time limit would
 * pass. BatchGetItem answers in no particular order; the results come back
 * aligned with the keys given, so a caller's output is deterministic. */
#ifndef DDBSQL_SQL_DDB_BATCH_H
#define DDBSQL_SQL_DDB_BATCH_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/aws/ddb_client.h"
#include "sql/exec.h"

#define DDB_BATCH_MAX_KEYS 100

typedef struct ddb_batch_target {
    ddb_client *client;
    const char *table;
    const char *pk, *sk; /* the table's key attributes (sk NULL when none) */
    json_object *entry;  /* KeysAndAttributes without "Keys" (borrowed) */
    const char *label;   /* for messages: "demo.orders" */
} ddb_batch_target;

/* Reads the items of keys[0..n) (key objects {"pk": AV[, "sk": AV]},
 * borrowed; duplicates allowed). items[i] receives key i's item (a new
 * reference), or NULL when the table has none. False when the query must
 * stop (ctx has why; items[] are then all NULL). */
bool ddb_batch_get(exec_ctx *ctx, const ddb_batch_target *t, json_object *const *keys, size_t n,
                   json_object **items);

/* One BatchGetItem body for keys[0..n) (n <= 100, distinct; borrowed). */
json_object *ddb_batch_request(const ddb_batch_target *t, json_object *const *keys, size_t n);

#endif

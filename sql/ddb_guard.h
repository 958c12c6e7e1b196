/* Every DynamoDB call a query makes goes through here: it runs under the
 * query's deadline, a failure becomes the query's error (EXEC_ERR_DYNAMODB
 * with the client's message, which says what failed and what to do, or
 * EXEC_ERR_TIMEOUT when the query's own time limit is what ran out), and
 * after the call the cost guard (exec_check_limits) decides whether the
 * query may go on. The statistics are summed by the engine's trace hook on
 * the client, not here. */
#ifndef DDBSQL_SQL_DDB_GUARD_H
#define DDBSQL_SQL_DDB_GUARD_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/aws/ddb_client.h"
#include "sql/exec.h"

/* One call. False when the query must stop (ctx has why; *resp is NULL);
 * otherwise *resp is the answer (the caller puts it). */
bool ddb_guarded_call(exec_ctx *ctx, ddb_client *c, ddb_op op, json_object *req,
                      json_object **resp);

/* n calls at once (ddb_call_many). False when any failed (ctx has the first
 * failure; every response is put and resps[] are NULL). */
bool ddb_guarded_call_many(exec_ctx *ctx, ddb_client *c, ddb_op op, json_object *const *reqs,
                           size_t n, json_object **resps);

/* ddb_guarded_call_many with the answers decoded by the caller
 * (ddb_call_many_decoded): resps[] receive the decoder's summaries. */
bool ddb_guarded_call_many_decoded(exec_ctx *ctx, ddb_client *c, ddb_op op,
                                   json_object *const *reqs, size_t n, ddb_decode_fn decode,
                                   void *decode_ctx, json_object **resps);

#endif

/* DynamoDB calls under a query's limits; see ddb_guard.h. */
#include "sql/ddb_guard.h"

#include <stdlib.h>

#include "core/base/alloc.h"
#include "core/base/timeutil.h"

/* The query's error for a failed call. */
static bool fail(exec_ctx *ctx, const ddb_error *err)
{
    if (err->status == DDB_ERR_TIMEOUT && ctx->limits.deadline_ms &&
        mono_ms() >= ctx->limits.deadline_ms && !exec_check_limits(ctx))
        return false; /* the query's time limit: its own message */
    return exec_fail(ctx, EXEC_ERR_DYNAMODB, NULL, "%s", err->message);
}

bool ddb_guarded_call(exec_ctx *ctx, ddb_client *c, ddb_op op, json_object *req, json_object **resp)
{
    ddb_error err;
    if (ddb_call(c, op, req, ctx->limits.deadline_ms, resp, &err) != DDB_OK)
        return fail(ctx, &err);
    if (!exec_check_limits(ctx)) {
        json_object_put(*resp);
        *resp = NULL;
        return false;
    }
    return true;
}

bool ddb_guarded_call_many(exec_ctx *ctx, ddb_client *c, ddb_op op, json_object *const *reqs,
                           size_t n, json_object **resps)
{
    ddb_error *errs = xcalloc(n ? n : 1, sizeof *errs);
    bool ok = ddb_call_many(c, op, reqs, n, ctx->limits.deadline_ms, resps, errs) == DDB_OK;
    for (size_t i = 0; i < n && !ok; i++)
        if (errs[i].status != DDB_OK) {
            fail(ctx, &errs[i]);
            break;
        }
    free(errs);
    if (ok)
        ok = exec_check_limits(ctx);
    for (size_t i = 0; i < n && !ok; i++) {
        json_object_put(resps[i]);
        resps[i] = NULL;
    }
    return ok;
}

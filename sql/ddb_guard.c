/* DynamoDB calls under a query's limits; see ddb_guard.h. */
#include "sql/ddb_guard.h"

#include <stdlib.h>

#include "core/base/alloc.h"
#include "core/base/timeutil.h"

/* Within this much of the query's deadline, a call that timed out was cut
 * short by that deadline (libcurl's timers may fire a little early). */
#define DEADLINE_SLACK_MS 100

/* The query's error for a failed call. */
static bool fail(exec_ctx *ctx, const ddb_error *err)
{
    int64_t deadline = ctx->limits.deadline_ms;
    if (err->status == DDB_ERR_TIMEOUT && deadline) {
        int64_t left = deadline - mono_ms();
        if (left < DEADLINE_SLACK_MS) {
            if (left >= 0)
                sleep_ms(left + 1); /* so the guard sees the deadline passed */
            if (!exec_check_limits(ctx))
                return false; /* the query's time limit, in its own words */
        }
    }
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
    return ddb_guarded_call_many_decoded(ctx, c, op, reqs, n, NULL, NULL, resps);
}

bool ddb_guarded_call_many_decoded(exec_ctx *ctx, ddb_client *c, ddb_op op,
                                   json_object *const *reqs, size_t n, ddb_decode_fn decode,
                                   void *decode_ctx, json_object **resps)
{
    ddb_error *errs = xcalloc(n ? n : 1, sizeof *errs);
    bool ok = ddb_call_many_decoded(c, op, reqs, n, ctx->limits.deadline_ms, decode, decode_ctx,
                                    resps, errs) == DDB_OK;
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

/* Query/Scan paging; see ddb_pages.h. */
#include "sql/ddb_pages.h"

#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/base/json_util.h"
#include "sql/ddb_guard.h"

void ddb_pages_init(ddb_pages *p, ddb_client *c, ddb_op op, json_object *req, int segments,
                    json_object *start_key)
{
    memset(p, 0, sizeof *p);
    p->client = c;
    p->op = op;
    p->req = req;
    p->segments = segments > 1 ? segments : 1;
    size_t n = (size_t)p->segments;
    p->resume = xcalloc(n, sizeof *p->resume);
    p->page = xcalloc(n, sizeof *p->page);
    p->started = xcalloc(n, sizeof *p->started);
    if (start_key && p->segments == 1)
        p->resume[0] = json_object_get(start_key);
}

void ddb_pages_free(ddb_pages *p)
{
    for (int i = 0; i < p->segments && p->page; i++) {
        json_object_put(p->resume[i]);
        json_object_put(p->page[i]);
    }
    free(p->resume);
    free(p->page);
    free(p->started);
    json_object_put(p->req);
    memset(p, 0, sizeof *p);
}

/* The request for segment i's next page: the first request's members
 * (shared, not copied), then the segment and where to go on from. */
static json_object *segment_request(ddb_pages *p, int i)
{
    json_object *r = json_object_new_object();
    json_object_object_foreach(p->req, k, v)
    {
        jset(r, k, json_object_get(v));
    }
    if (p->segments > 1) {
        jset_int(r, "Segment", i);
        jset_int(r, "TotalSegments", p->segments);
    }
    if (p->resume[i])
        jset(r, "ExclusiveStartKey", json_object_get(p->resume[i]));
    return r;
}

/* Requests the next page of every segment that has one. False on error;
 * p->finished when no segment has more. */
static bool next_round(ddb_pages *p, exec_ctx *ctx)
{
    int n = p->segments;
    json_object **reqs = xcalloc((size_t)n, sizeof *reqs);
    json_object **resps = xcalloc((size_t)n, sizeof *resps);
    int *which = xcalloc((size_t)n, sizeof *which);
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        json_object_put(p->page[i]);
        p->page[i] = NULL;
        if (p->started[i] && !p->resume[i])
            continue; /* this segment is done */
        which[k] = i;
        reqs[k++] = segment_request(p, i);
    }
    bool ok = true;
    if (k == 0)
        p->finished = true;
    else if (k == 1)
        ok = ddb_guarded_call(ctx, p->client, p->op, reqs[0], &resps[0]);
    else
        ok = ddb_guarded_call_many(ctx, p->client, p->op, reqs, k, resps);
    for (size_t j = 0; j < k; j++) {
        int i = which[j];
        json_object_put(reqs[j]);
        if (!ok)
            continue;
        p->started[i] = true;
        json_object_put(p->resume[i]);
        json_object *lek = jget_obj(resps[j], "LastEvaluatedKey");
        p->resume[i] = lek ? json_object_get(lek) : NULL;
        p->page[i] = resps[j];
    }
    free(reqs);
    free(resps);
    free(which);
    p->in_round = ok;
    p->seg = 0;
    p->idx = 0;
    return ok;
}

int ddb_pages_next(ddb_pages *p, exec_ctx *ctx, json_object **item)
{
    *item = NULL;
    for (;;) {
        if (p->finished)
            return 0;
        if (!p->in_round || p->seg >= p->segments) {
            if (!next_round(p, ctx))
                return -1;
            continue;
        }
        json_object *items = p->page[p->seg] ? jget_arr(p->page[p->seg], "Items") : NULL;
        if (items && p->idx < json_object_array_length(items)) {
            *item = json_object_array_get_idx(items, p->idx++);
            return 1;
        }
        p->seg++;
        p->idx = 0;
    }
}

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
        if (p->rows)
            ddb_page_free(&p->rows[i]);
    }
    free(p->resume);
    free(p->page);
    free(p->started);
    free(p->rows);
    ddb_shape_free(p->shape);
    json_object_put(p->last);
    json_object_put(p->req);
    memset(p, 0, sizeof *p);
}

void ddb_pages_decode_rows(ddb_pages *p, const ddb_path *paths, int nslots, bool keep_last)
{
    p->shape = ddb_shape_new(paths, nslots);
    p->paths = paths;
    p->nslots = nslots;
    p->keep_last = keep_last;
    p->rows = xcalloc((size_t)p->segments, sizeof *p->rows);
}

/* ---- row sources ---------------------------------------------------------------- */

#define MAX_ROW_SOURCES 8

typedef struct row_source {
    ddb_client *client;
    ddb_row_source_fn fn;
    void *ctx;
} row_source;

static row_source row_sources[MAX_ROW_SOURCES];

static const row_source *source_of(const ddb_client *c)
{
    for (int i = 0; i < MAX_ROW_SOURCES; i++)
        if (row_sources[i].client == c && row_sources[i].fn)
            return &row_sources[i];
    return NULL;
}

void ddb_pages_set_row_source(ddb_client *c, ddb_row_source_fn fn, void *ctx)
{
    int free_at = -1;
    for (int i = 0; i < MAX_ROW_SOURCES; i++) {
        if (row_sources[i].client == c) {
            row_sources[i].fn = fn;
            row_sources[i].ctx = ctx;
            if (!fn)
                row_sources[i].client = NULL;
            return;
        }
        if (!row_sources[i].client && free_at < 0)
            free_at = i;
    }
    if (fn && free_at >= 0)
        row_sources[free_at] = (row_source){c, fn, ctx};
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

/* Decoding a segment's answer straight into its rows (ddb_decode_fn). */
typedef struct decode_ctx {
    ddb_pages *p;
    const int *which; /* request j is segment which[j] */
} decode_ctx;

static json_object *decode_page(void *vctx, size_t j, const char *body, size_t len, int64_t *items,
                                char *err, size_t errlen)
{
    decode_ctx *dc = vctx;
    ddb_pages *p = dc->p;
    ddb_page *pg = &p->rows[dc->which[j]];
    ddb_page_free(pg);
    ddb_decode_opts o = {.op = p->op};
    if (!ddb_page_decode(p->shape, &o, body, len, pg, err, errlen)) {
        ddb_page_free(pg);
        return NULL;
    }
    *items = (int64_t)pg->nitems;
    return json_object_get(pg->summary);
}

/* The answers of a row source, counted as DynamoDB's calls would be. */
static bool source_round(ddb_pages *p, exec_ctx *ctx, const row_source *src,
                         json_object *const *reqs, const int *which, size_t k, json_object **resps)
{
    for (size_t j = 0; j < k; j++) {
        ddb_page *pg = &p->rows[which[j]];
        ddb_page_free(pg);
        pg->nslots = p->nslots;
        pg->summary = json_object_new_object();
        char err[256] = "";
        if (!src->fn(src->ctx, p->op, reqs[j], p->paths, p->nslots, pg, err, sizeof err)) {
            for (size_t i = 0; i < j; i++) {
                json_object_put(resps[i]);
                resps[i] = NULL;
            }
            return exec_fail(ctx, EXEC_ERR_DYNAMODB, NULL, "the row source failed: %s", err);
        }
        resps[j] = json_object_get(pg->summary);
        ctx->stats.calls[p->op]++;
        ctx->stats.items_read += (int64_t)pg->nitems;
        ctx->stats.items_returned += (int64_t)pg->nitems;
    }
    if (exec_check_limits(ctx))
        return true;
    for (size_t j = 0; j < k; j++) {
        json_object_put(resps[j]);
        resps[j] = NULL;
    }
    return false;
}

/* Requests the next page of every segment that has one. False on error;
 * p->finished when no segment has more. */
static bool next_round(ddb_pages *p, exec_ctx *ctx)
{
    int n = p->segments;
    json_object **reqs = xcalloc((size_t)n, sizeof *reqs);
    json_object **resps = xcalloc((size_t)n, sizeof *resps);
    int *which = xcalloc((size_t)n, sizeof *which);
    if (p->have_last) {
        /* the last row's page is about to go: keep its item */
        json_object_put(p->last);
        p->last = ddb_page_item(&p->rows[p->last_seg], p->last_row);
        p->have_last = false;
    }
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        json_object_put(p->page[i]);
        p->page[i] = NULL;
        if (p->rows)
            ddb_page_free(&p->rows[i]);
        if (p->started[i] && !p->resume[i])
            continue; /* this segment is done */
        which[k] = i;
        reqs[k++] = segment_request(p, i);
    }
    bool ok = true;
    const row_source *src = p->shape ? source_of(p->client) : NULL;
    decode_ctx dctx = {p, which};
    if (k == 0)
        p->finished = true;
    else if (src)
        ok = source_round(p, ctx, src, reqs, which, k, resps);
    else if (p->shape)
        ok = ddb_guarded_call_many_decoded(ctx, p->client, p->op, reqs, k, decode_page, &dctx,
                                           resps);
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

int ddb_pages_next_row(ddb_pages *p, exec_ctx *ctx, value_t *row)
{
    for (;;) {
        if (p->finished)
            return 0;
        if (!p->in_round || p->seg >= p->segments) {
            if (!next_round(p, ctx))
                return -1;
            continue;
        }
        ddb_page *pg = &p->rows[p->seg];
        size_t at = pg->taken;
        char err[512];
        int rc = ddb_page_take_row(pg, row, err, sizeof err);
        if (rc < 0) {
            exec_fail(ctx, EXEC_ERR_DYNAMODB, NULL, "%s", err);
            return -1;
        }
        if (rc > 0) {
            if (p->keep_last) {
                p->have_last = true;
                p->last_seg = p->seg;
                p->last_row = at;
            }
            return 1;
        }
        p->seg++;
    }
}

json_object *ddb_pages_last_item(const ddb_pages *p)
{
    if (p->have_last)
        return ddb_page_item(&p->rows[p->last_seg], p->last_row);
    return p->last ? json_object_get(p->last) : NULL;
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

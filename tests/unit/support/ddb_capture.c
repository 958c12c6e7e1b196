#include "ddb_capture.h"

#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/base/json_util.h"
#include "fake_http.h"

static void on_call(void *p, const ddb_trace_event *ev)
{
    ddb_capture *c = p;
    if (c->ctx) {
        exec_stats *st = &c->ctx->stats;
        st->items_read += ev->scanned;
        st->items_returned += ev->items;
        st->capacity_units += ev->capacity_units;
        st->calls[ev->op]++;
        st->ddb_ms += ev->elapsed_ms;
    }
    if (c->n < DDB_CAPTURE_MAX) {
        c->ops[c->n] = ev->op;
        c->reqs[c->n] = xstrdup(ev->request ? json_compact(ev->request) : "{}");
        c->items[c->n] = ev->items;
        c->scanned[c->n] = ev->scanned;
    }
    c->n++;
}

ddb_client *ddb_capture_client(const char *endpoint, int max_attempts, ddb_capture *cap)
{
    schema_conf schema = {.name = "demo",
                          .region = "us-east-1",
                          .endpoint = (char *)endpoint,
                          .creds = CREDS_STATIC,
                          .access_key_id = "AKIDUNITTEST00000000",
                          .secret_access_key = "unittestsecretunittestsecretunittest0000"};
    dynamodb_conf dconf = {.connect_timeout_ms = 1000,
                           .request_timeout_ms = 5000,
                           .retry_budget_ms = 5000,
                           .max_attempts = max_attempts,
                           .base_backoff_ms = 1};
    ddb_client *c = ddb_client_new(&schema, &dconf);
    ddb_client_set_trace(c, on_call, cap);
    return c;
}

void ddb_capture_reset(ddb_capture *cap)
{
    for (int i = 0; i < cap->n && i < DDB_CAPTURE_MAX; i++) {
        free(cap->reqs[i]);
        cap->reqs[i] = NULL;
    }
    cap->n = 0;
}

ddb_fake *ddb_fake_new(int max_attempts)
{
    ddb_fake *x = xcalloc(1, sizeof *x);
    x->f = fake_http_start();
    exec_ctx_init(&x->ctx, NULL, 0);
    x->cap.ctx = &x->ctx;
    x->c = ddb_capture_client(fake_http_url(x->f), max_attempts, &x->cap);
    return x;
}

void ddb_fake_free(ddb_fake *x)
{
    if (!x)
        return;
    ddb_client_free(x->c);
    ddb_capture_reset(&x->cap);
    fake_http_stop(x->f);
    free(x);
}

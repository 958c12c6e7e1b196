#include "ddb_client.h"

#include "../base/alloc.h"
#include "../base/json_util.h"
#include "../base/log.h"
#include "../base/secure.h"
#include "../base/timeutil.h"
#include "aws_creds.h"
#include "aws_http.h"
#include "ddb_request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest single backoff sleep, as the AWS SDKs' standard retry mode. */
#define BACKOFF_CAP_MS 20000

struct ddb_client {
    char *schema;
    char *region;
    char *endpoint; /* for messages: no trailing slash */
    char *url;      /* endpoint + "/" */
    dynamodb_conf conf;
    aws_creds_provider *creds;
    CURL *h; /* reused: keeps the connection alive between calls */
    ddb_trace_fn trace;
    void *trace_ctx;
};

void ddb_client_set_trace(ddb_client *c, ddb_trace_fn fn, void *ctx)
{
    c->trace = fn;
    c->trace_ctx = ctx;
}

void ddb_global_init(void)
{
    aws_http_global_init();
}

const char *ddb_op_name(ddb_op op)
{
    const char *t = ddb_target(op);
    return t ? strchr(t, '.') + 1 : "UnknownOperation";
}

const char *ddb_status_name(ddb_status s)
{
    switch (s) {
    case DDB_OK:
        return "ok";
    case DDB_ERR_THROTTLED:
        return "throttled";
    case DDB_ERR_UNAVAILABLE:
        return "unavailable";
    case DDB_ERR_TIMEOUT:
        return "timeout";
    case DDB_ERR_CREDENTIALS:
        return "credentials";
    case DDB_ERR_ACCESS:
        return "access_denied";
    case DDB_ERR_NOT_FOUND:
        return "not_found";
    case DDB_ERR_VALIDATION:
        return "validation";
    case DDB_ERR_PROTOCOL:
        return "protocol";
    }
    return "unknown";
}

const char *ddb_client_endpoint(const ddb_client *c)
{
    return c->endpoint;
}

static int positive_or(int v, int dflt)
{
    return v > 0 ? v : dflt;
}

ddb_client *ddb_client_new(const schema_conf *schema, const dynamodb_conf *dconf)
{
    ddb_global_init();
    ddb_client *c = xcalloc(1, sizeof *c);
    c->schema = xstrdup(schema->name ? schema->name : "?");
    c->region = xstrdup(schema->region ? schema->region : "us-east-1");
    buf_t ep = BUF_INIT(4096);
    if (schema->endpoint && *schema->endpoint)
        buf_puts(&ep, schema->endpoint);
    else
        buf_printf(&ep, "https://dynamodb.%s.amazonaws.com", c->region);
    while (ep.len && ep.data[ep.len - 1] == '/')
        ep.data[--ep.len] = '\0';
    c->endpoint = buf_steal(&ep);
    size_t n = strlen(c->endpoint) + 2;
    c->url = xmalloc(n);
    snprintf(c->url, n, "%s/", c->endpoint);
    dynamodb_conf d = dconf ? *dconf : (dynamodb_conf){0};
    c->conf.connect_timeout_ms = positive_or(d.connect_timeout_ms, 2000);
    c->conf.request_timeout_ms = positive_or(d.request_timeout_ms, 10000);
    c->conf.retry_budget_ms = positive_or(d.retry_budget_ms, 20000);
    c->conf.max_attempts = positive_or(d.max_attempts, 8);
    c->conf.base_backoff_ms = positive_or(d.base_backoff_ms, 50);
    c->creds = aws_creds_provider_new(schema, &c->conf);
    c->h = curl_easy_init();
    if (!c->h)
        die_oom(0);
    return c;
}

void ddb_client_free(ddb_client *c)
{
    if (!c)
        return;
    curl_easy_cleanup(c->h);
    aws_creds_provider_free(c->creds);
    free(c->schema);
    free(c->region);
    free(c->endpoint);
    free(c->url);
    free(c);
}

/* Full jitter: uniform in [0, min(cap, base * 2^retry)]. */
static int64_t backoff_ms(int base, int retry)
{
    int64_t ceiling = base;
    for (int i = 0; i < retry && ceiling < BACKOFF_CAP_MS; i++)
        ceiling *= 2;
    if (ceiling > BACKOFF_CAP_MS)
        ceiling = BACKOFF_CAP_MS;
    uint64_t r;
    random_bytes(&r, sizeof r);
    return (int64_t)(r % (uint64_t)(ceiling + 1));
}

static const char *throttle_reason(const char *type)
{
    if (strcmp(type, "ProvisionedThroughputExceededException") == 0)
        return "the table's read capacity is exhausted";
    if (strcmp(type, "RequestLimitExceeded") == 0 || strcmp(type, "ThrottlingException") == 0)
        return "the account's request rate limit is exceeded";
    return "the request rate is too high";
}

/* Rewrites err's message after the last retryable attempt. */
static ddb_status give_up(ddb_client *c, ddb_op op, ddb_fate last, int throttles, int64_t start,
                          ddb_error *err)
{
    double secs = (double)(mono_ms() - start) / 1000.0;
    char last_msg[sizeof err->message];
    snprintf(last_msg, sizeof last_msg, "%s", err->message);
    switch (last) {
    case DDB_FATE_THROTTLED:
        err->status = DDB_ERR_THROTTLED;
        snprintf(err->message, sizeof err->message,
                 "DynamoDB throttled the request (%s) %d times in %.1f s; %s: retry later or "
                 "narrow the query",
                 *err->aws_type ? err->aws_type : "HTTP 429", throttles, secs,
                 throttle_reason(err->aws_type));
        break;
    case DDB_FATE_SERVER:
        err->status = DDB_ERR_UNAVAILABLE;
        snprintf(err->message, sizeof err->message,
                 "DynamoDB at %s kept failing %s (last: HTTP %d %s) after %d attempts in %.1f s: "
                 "the service is having trouble; retry later",
                 c->endpoint, ddb_op_name(op), err->http_status,
                 *err->aws_type ? err->aws_type : "", err->attempts, secs);
        break;
    case DDB_FATE_TIMEOUT:
        err->status = DDB_ERR_TIMEOUT;
        snprintf(err->message, sizeof err->message,
                 "DynamoDB at %s did not answer %s within the time allowed (%d attempts in %.1f "
                 "s): retry later or narrow the query",
                 c->endpoint, ddb_op_name(op), err->attempts, secs);
        break;
    case DDB_FATE_TRANSPORT:
        err->status = DDB_ERR_UNAVAILABLE;
        snprintf(err->message, sizeof err->message, "%.400s (%d attempts in %.1f s)", last_msg,
                 err->attempts, secs);
        break;
    default:
        break; /* err already says what happened */
    }
    return err->status;
}

static ddb_status call_with_retries(ddb_client *c, ddb_op op, json_object *req, int64_t deadline_ms,
                                    json_object **resp, ddb_error *err);

static double capacity_of(json_object *cc)
{
    if (!cc)
        return 0;
    if (json_object_is_type(cc, json_type_array)) {
        double sum = 0;
        for (size_t i = 0; i < json_object_array_length(cc); i++)
            sum += capacity_of(json_object_array_get_idx(cc, i));
        return sum;
    }
    json_object *u = jget(cc, "CapacityUnits");
    return u ? json_object_get_double(u) : 0;
}

static void trace_call(ddb_client *c, ddb_op op, json_object *req, json_object *resp,
                       const ddb_error *err, int64_t elapsed_ms)
{
    ddb_trace_event ev = {
        .op = op, .request = req, .response = resp, .error = err, .elapsed_ms = elapsed_ms};
    if (resp) {
        if (op == DDB_GET_ITEM) {
            ev.items = jget_obj(resp, "Item") ? 1 : 0;
        } else if (op == DDB_BATCH_GET_ITEM) {
            json_object_object_foreach(jget_obj(resp, "Responses"), table, items)
            {
                (void)table;
                if (json_object_is_type(items, json_type_array))
                    ev.items += (int64_t)json_object_array_length(items);
            }
        } else {
            ev.items = jget_int(resp, "Count", 0);
        }
        ev.scanned = jget_int(resp, "ScannedCount", ev.items);
        ev.capacity_units = capacity_of(jget(resp, "ConsumedCapacity"));
    }
    c->trace(c->trace_ctx, &ev);
}

ddb_status ddb_call(ddb_client *c, ddb_op op, json_object *req, int64_t deadline_ms,
                    json_object **resp, ddb_error *err)
{
    int64_t start = mono_ms();
    ddb_status st = call_with_retries(c, op, req, deadline_ms, resp, err);
    if (c->trace)
        trace_call(c, op, req, st == DDB_OK ? *resp : NULL, err, mono_ms() - start);
    return st;
}

static ddb_status call_with_retries(ddb_client *c, ddb_op op, json_object *req, int64_t deadline_ms,
                                    json_object **resp, ddb_error *err)
{
    *resp = NULL;
    memset(err, 0, sizeof *err);
    if (!ddb_target(op)) {
        err->status = DDB_ERR_VALIDATION;
        snprintf(err->message, sizeof err->message,
                 "operation %d is not one of the six read operations ddbsql sends", (int)op);
        return err->status;
    }
    int64_t start = mono_ms();
    int64_t end = start + c->conf.retry_budget_ms;
    if (deadline_ms > 0 && deadline_ms < end)
        end = deadline_ms;
    const char *body = req ? json_compact(req) : "{}";
    int throttles = 0;
    bool refreshed = false;
    ddb_fate last = DDB_FATE_TIMEOUT;

    for (;;) {
        int64_t remaining = end - mono_ms();
        if (remaining <= 0) {
            if (err->attempts == 0) {
                err->status = DDB_ERR_TIMEOUT;
                snprintf(err->message, sizeof err->message,
                         "the deadline passed before %s could be sent to DynamoDB",
                         ddb_op_name(op));
                return err->status;
            }
            return give_up(c, op, last, throttles, start, err);
        }
        char cerr[sizeof err->message];
        const aws_creds *creds = aws_creds_get(c->creds, cerr, sizeof cerr);
        if (!creds) {
            err->status = DDB_ERR_CREDENTIALS;
            snprintf(err->message, sizeof err->message, "%s", cerr);
            return err->status;
        }
        bool temp = creds->session_token != NULL || creds->expires_ms != 0;
        long timeout =
            c->conf.request_timeout_ms < remaining ? c->conf.request_timeout_ms : (long)remaining;
        long connect = c->conf.connect_timeout_ms < timeout ? c->conf.connect_timeout_ms : timeout;
        ddb_xfer x;
        ddb_xfer_opts o = {
            .url = c->url,
            .region = c->region,
            .creds = creds,
            .body = body,
            .connect_timeout_ms = connect,
            .timeout_ms = timeout,
        };
        ddb_xfer_prepare(&x, c->h, op, &o);
        CURLcode rc = curl_easy_perform(c->h);
        err->attempts++;
        last = ddb_xfer_finish(&x, c->h, rc, c->endpoint, temp, resp, err);
        ddb_xfer_release(&x);
        /* Forget the options (they point at x and hold the secret key); the
         * connection stays open for the next call. */
        curl_easy_reset(c->h);

        switch (last) {
        case DDB_FATE_OK:
            return DDB_OK;
        case DDB_FATE_FAIL:
            return err->status;
        case DDB_FATE_REFRESH_CREDS:
            if (refreshed)
                return err->status;
            refreshed = true;
            log_msg(LOG_INFO,
                    "schema '%s': DynamoDB rejected the %s credentials (%s); "
                    "refreshing them",
                    c->schema, creds->source, err->aws_type);
            aws_creds_invalidate(c->creds);
            continue;
        case DDB_FATE_THROTTLED:
            throttles++;
            break;
        case DDB_FATE_TIMEOUT:
            /* The attempt was cut short by the deadline: no time is left. */
            if (timeout < c->conf.request_timeout_ms)
                return give_up(c, op, last, throttles, start, err);
            break;
        case DDB_FATE_SERVER:
        case DDB_FATE_TRANSPORT:
            break;
        }
        if (err->attempts >= c->conf.max_attempts)
            return give_up(c, op, last, throttles, start, err);
        int64_t delay = backoff_ms(c->conf.base_backoff_ms, err->attempts - 1);
        if (mono_ms() + delay >= end)
            return give_up(c, op, last, throttles, start, err);
        log_msg(LOG_DEBUG, "schema '%s': %s attempt %d: %s; retrying in %lld ms", c->schema,
                ddb_op_name(op), err->attempts, err->message, (long long)delay);
        sleep_ms(delay);
    }
}

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
    /* ddb_call_many: a multi handle (its connection cache outlives one
       batch of calls) and easy handles, created on first use */
    CURLM *multi;
    CURL *pool[DDB_MANY_MAX];
    ddb_trace_fn trace;
    void *trace_ctx;
    ddb_transport_fn transport; /* NULL: HTTP */
    void *transport_ctx;
};

void ddb_client_set_transport(ddb_client *c, ddb_transport_fn fn, void *ctx)
{
    c->transport = fn;
    c->transport_ctx = ctx;
}

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
    if (c->multi)
        curl_multi_cleanup(c->multi);
    for (int i = 0; i < DDB_MANY_MAX; i++)
        if (c->pool[i])
            curl_easy_cleanup(c->pool[i]);
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

/* decoded >= 0: the items a decoder counted (its summary has none to count). */
static void trace_call(ddb_client *c, ddb_op op, json_object *req, json_object *resp,
                       const ddb_error *err, int64_t elapsed_ms, int64_t decoded)
{
    ddb_trace_event ev = {
        .op = op, .request = req, .response = resp, .error = err, .elapsed_ms = elapsed_ms};
    if (resp) {
        if (decoded >= 0 && (op == DDB_GET_ITEM || op == DDB_BATCH_GET_ITEM)) {
            ev.items = decoded;
        } else if (op == DDB_GET_ITEM) {
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

/* ---- one call's attempts -------------------------------------------------
 * A call is a sequence of attempts with backoff between them. The state
 * below lets ddb_call run attempts one after another on the client's handle
 * with curl_easy_perform, and ddb_call_many run several calls' attempts at
 * once on a multi handle, judging and retrying each exactly the same way. */

typedef struct call_state {
    ddb_op op;
    const char *body;
    int64_t start, end; /* monotonic ms: the call's budget */
    int throttles;
    bool refreshed;
    ddb_fate last;
    /* the attempt in flight */
    bool temp;          /* signed with temporary credentials */
    const char *source; /* where those credentials came from (a static string) */
    long timeout;
    ddb_xfer x;
    /* a caller's decoder of 2xx bodies (NULL: json-c) */
    ddb_decode_fn decode;
    void *decode_ctx;
    size_t index;
    int64_t items; /* the decoder's count, -1 without one */
    /* the outcome */
    json_object **resp;
    ddb_error *err;
    ddb_status status;
} call_state;

/* False when the call is over before any attempt (status says why). */
static bool call_init(call_state *s, ddb_client *c, ddb_op op, json_object *req,
                      int64_t deadline_ms, json_object **resp, ddb_error *err)
{
    memset(s, 0, sizeof *s);
    s->op = op;
    s->items = -1;
    s->resp = resp;
    s->err = err;
    *resp = NULL;
    memset(err, 0, sizeof *err);
    s->last = DDB_FATE_TIMEOUT;
    if (!ddb_target(op)) {
        err->status = DDB_ERR_VALIDATION;
        snprintf(err->message, sizeof err->message,
                 "operation %d is not one of the six read operations ddbsql sends", (int)op);
        s->status = err->status;
        return false;
    }
    s->start = mono_ms();
    s->end = s->start + c->conf.retry_budget_ms;
    if (deadline_ms > 0 && deadline_ms < s->end)
        s->end = deadline_ms;
    s->body = req ? json_compact(req) : "{}";
    return true;
}

static bool call_over(call_state *s, ddb_status st)
{
    s->status = st;
    return false;
}

/* attempt_finish's "the call is over". */
static int64_t call_end(call_state *s, ddb_status st)
{
    s->status = st;
    return -1;
}

/* Prepares the next attempt on h. False when the call is over instead. */
static bool attempt_start(ddb_client *c, call_state *s, CURL *h)
{
    ddb_error *err = s->err;
    int64_t remaining = s->end - mono_ms();
    if (remaining <= 0) {
        if (err->attempts == 0) {
            err->status = DDB_ERR_TIMEOUT;
            snprintf(err->message, sizeof err->message,
                     "the deadline passed before %s could be sent to DynamoDB", ddb_op_name(s->op));
            return call_over(s, err->status);
        }
        return call_over(s, give_up(c, s->op, s->last, s->throttles, s->start, err));
    }
    char cerr[sizeof err->message];
    const aws_creds *creds = aws_creds_get(c->creds, cerr, sizeof cerr);
    if (!creds) {
        err->status = DDB_ERR_CREDENTIALS;
        snprintf(err->message, sizeof err->message, "%s", cerr);
        return call_over(s, err->status);
    }
    s->temp = creds->session_token != NULL || creds->expires_ms != 0;
    s->source = creds->source;
    s->timeout =
        c->conf.request_timeout_ms < remaining ? c->conf.request_timeout_ms : (long)remaining;
    long connect =
        c->conf.connect_timeout_ms < s->timeout ? c->conf.connect_timeout_ms : s->timeout;
    ddb_xfer_opts o = {
        .url = c->url,
        .region = c->region,
        .creds = creds,
        .body = s->body,
        .connect_timeout_ms = connect,
        .timeout_ms = s->timeout,
    };
    ddb_xfer_prepare(&s->x, h, s->op, &o);
    return true;
}

/* A 2xx answer of a decoded call: the decoder's summary, or a protocol
 * error in the decoder's words. */
static ddb_fate decode_answer(call_state *s, const char *body, size_t len)
{
    ddb_error *err = s->err;
    char derr[sizeof err->message];
    derr[0] = '\0';
    int64_t items = 0;
    json_object *sum = s->decode(s->decode_ctx, s->index, body, len, &items, derr, sizeof derr);
    if (sum && json_object_is_type(sum, json_type_object)) {
        *s->resp = sum;
        s->items = items;
        return DDB_FATE_OK;
    }
    json_object_put(sum);
    err->status = DDB_ERR_PROTOCOL;
    snprintf(err->message, sizeof err->message, "%s",
             *derr ? derr : "DynamoDB's answer could not be decoded");
    return DDB_FATE_FAIL;
}

/* Judges the finished attempt on h (rc: its transfer result). Returns the
 * delay before the next attempt, or -1 when the call is over. */
static int64_t attempt_finish(ddb_client *c, call_state *s, CURL *h, CURLcode rc)
{
    ddb_error *err = s->err;
    err->attempts++;
    long http = 0;
    if (s->decode && rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http);
    if (http >= 200 && http < 300) {
        int attempts = err->attempts;
        memset(err, 0, sizeof *err);
        err->attempts = attempts;
        err->http_status = (int)http;
        s->last = decode_answer(s, buf_cstr(&s->x.resp), s->x.resp.len);
    } else {
        s->last = ddb_xfer_finish(&s->x, h, rc, c->endpoint, s->temp, s->resp, err);
    }
    ddb_xfer_release(&s->x);
    /* Forget the options (they point at the xfer and hold the secret key);
     * the connection stays open for the next call. */
    curl_easy_reset(h);

    switch (s->last) {
    case DDB_FATE_OK:
        return call_end(s, DDB_OK);
    case DDB_FATE_FAIL:
        return call_end(s, err->status);
    case DDB_FATE_REFRESH_CREDS:
        if (s->refreshed)
            return call_end(s, err->status);
        s->refreshed = true;
        log_msg(LOG_INFO,
                "schema '%s': DynamoDB rejected the %s credentials (%s); "
                "refreshing them",
                c->schema, s->source, err->aws_type);
        aws_creds_invalidate(c->creds);
        return 0;
    case DDB_FATE_THROTTLED:
        s->throttles++;
        break;
    case DDB_FATE_TIMEOUT:
        /* The attempt was cut short by the deadline: no time is left. */
        if (s->timeout < c->conf.request_timeout_ms)
            return call_end(s, give_up(c, s->op, s->last, s->throttles, s->start, err));
        break;
    case DDB_FATE_SERVER:
    case DDB_FATE_TRANSPORT:
        break;
    }
    if (err->attempts >= c->conf.max_attempts)
        return call_end(s, give_up(c, s->op, s->last, s->throttles, s->start, err));
    int64_t delay = backoff_ms(c->conf.base_backoff_ms, err->attempts - 1);
    if (mono_ms() + delay >= s->end)
        return call_end(s, give_up(c, s->op, s->last, s->throttles, s->start, err));
    log_msg(LOG_DEBUG, "schema '%s': %s attempt %d: %s; retrying in %lld ms", c->schema,
            ddb_op_name(s->op), err->attempts, err->message, (long long)delay);
    return delay;
}

/* One exchange with the installed transport, judged like an HTTP answer. */
static void transport_attempt(ddb_client *c, call_state *s, json_object *req)
{
    ddb_error *err = s->err;
    const char *op = ddb_op_name(s->op);
    buf_t body = BUF_INIT(DDB_MAX_RESPONSE);
    int http = c->transport(c->transport_ctx, s->op, req, s->body, &body);
    err->attempts = 1;
    err->http_status = http;
    if (http >= 200 && http < 300 && s->decode) {
        s->status =
            decode_answer(s, buf_cstr(&body), body.len) == DDB_FATE_OK ? DDB_OK : err->status;
        buf_free(&body);
        return;
    }
    if (http >= 200 && http < 300) {
        char jerr[128];
        json_object *doc =
            json_parse_strict(buf_cstr(&body), body.len, JSON_DEFAULT_MAX_DEPTH, jerr, sizeof jerr);
        if (doc && json_object_is_type(doc, json_type_object)) {
            *s->resp = doc;
            s->status = DDB_OK;
        } else {
            json_object_put(doc);
            s->status = err->status = DDB_ERR_PROTOCOL;
            snprintf(err->message, sizeof err->message,
                     "the transport answered %s with something that is not a JSON object (%s)", op,
                     doc ? "another JSON type" : jerr);
        }
        buf_free(&body);
        return;
    }
    char type[96], msg[320];
    ddb_parse_error(buf_cstr(&body), body.len, type, sizeof type, msg, sizeof msg);
    buf_free(&body);
    snprintf(err->aws_type, sizeof err->aws_type, "%s", type);
    if (strcmp(type, "ResourceNotFoundException") == 0)
        err->status = DDB_ERR_NOT_FOUND;
    else if (http == 429 || strstr(type, "Throttl") || strstr(type, "ThroughputExceeded"))
        err->status = DDB_ERR_THROTTLED;
    else if (http <= 0 || http >= 500)
        err->status = DDB_ERR_UNAVAILABLE;
    else
        err->status = DDB_ERR_VALIDATION;
    s->status = err->status;
    snprintf(err->message, sizeof err->message, "the transport failed %s with HTTP %d (%s: %s)", op,
             http, *type ? type : "no error type", msg);
}

/* One call; decode (may be NULL) as for ddb_call_decoded. */
static ddb_status call_one(ddb_client *c, ddb_op op, json_object *req, int64_t deadline_ms,
                           ddb_decode_fn decode, void *decode_ctx, size_t index, json_object **resp,
                           ddb_error *err)
{
    if (c->transport) {
        int64_t t0 = mono_ms();
        call_state ts;
        if (call_init(&ts, c, op, req, deadline_ms, resp, err)) {
            ts.decode = decode;
            ts.decode_ctx = decode_ctx;
            ts.index = index;
            transport_attempt(c, &ts, req);
        }
        if (c->trace)
            trace_call(c, op, req, ts.status == DDB_OK ? *resp : NULL, err, mono_ms() - t0,
                       ts.items);
        return ts.status;
    }
    int64_t start = mono_ms();
    call_state s;
    if (call_init(&s, c, op, req, deadline_ms, resp, err)) {
        s.decode = decode;
        s.decode_ctx = decode_ctx;
        s.index = index;
        while (attempt_start(c, &s, c->h)) {
            CURLcode rc = curl_easy_perform(c->h);
            int64_t delay = attempt_finish(c, &s, c->h, rc);
            if (delay < 0)
                break;
            if (delay > 0)
                sleep_ms(delay);
        }
    }
    if (c->trace)
        trace_call(c, op, req, s.status == DDB_OK ? *resp : NULL, err, mono_ms() - start, s.items);
    return s.status;
}

ddb_status ddb_call(ddb_client *c, ddb_op op, json_object *req, int64_t deadline_ms,
                    json_object **resp, ddb_error *err)
{
    return call_one(c, op, req, deadline_ms, NULL, NULL, 0, resp, err);
}

ddb_status ddb_call_decoded(ddb_client *c, ddb_op op, json_object *req, int64_t deadline_ms,
                            ddb_decode_fn decode, void *decode_ctx, json_object **summary,
                            ddb_error *err)
{
    return call_one(c, op, req, deadline_ms, decode, decode_ctx, 0, summary, err);
}

int64_t ddb_client_retry_delay(const ddb_client *c, int retry)
{
    if (retry < 0 || retry + 1 >= c->conf.max_attempts)
        return -1;
    return backoff_ms(c->conf.base_backoff_ms, retry);
}

/* ---- several calls at once ------------------------------------------------ */

typedef enum { SLOT_WAITING, SLOT_RUNNING, SLOT_DONE } slot_phase;

typedef struct many_slot {
    call_state s;
    slot_phase phase;
    int64_t wake;    /* WAITING: start the next attempt at this time */
    int handle;      /* RUNNING: index into the client's pool */
    int64_t elapsed; /* DONE: the call's duration */
} many_slot;

static CURL *pool_handle(ddb_client *c, int i)
{
    if (!c->pool[i]) {
        c->pool[i] = curl_easy_init();
        if (!c->pool[i])
            die_oom(0);
    }
    return c->pool[i];
}

/* Starts every waiting call that is due while handles are free. */
static void many_start_due(ddb_client *c, many_slot *slots, size_t n, bool *busy, size_t *done)
{
    int64_t now = mono_ms();
    for (size_t i = 0; i < n; i++) {
        many_slot *sl = &slots[i];
        if (sl->phase != SLOT_WAITING || sl->wake > now)
            continue;
        int h = 0;
        while (h < DDB_MANY_MAX && busy[h])
            h++;
        if (h == DDB_MANY_MAX)
            return;
        CURL *easy = pool_handle(c, h);
        if (!attempt_start(c, &sl->s, easy)) {
            sl->phase = SLOT_DONE;
            sl->elapsed = mono_ms() - sl->s.start;
            (*done)++;
            continue;
        }
        if (curl_multi_add_handle(c->multi, easy) != CURLM_OK)
            die_oom(0); /* only fails on misuse or out of memory */
        busy[h] = true;
        sl->handle = h;
        sl->phase = SLOT_RUNNING;
    }
}

/* Judges every finished transfer. */
static void many_collect(ddb_client *c, many_slot *slots, size_t n, bool *busy, size_t *done)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(c->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle;
        CURLcode rc = msg->data.result;
        size_t i = 0;
        while (i < n && !(slots[i].phase == SLOT_RUNNING && c->pool[slots[i].handle] == easy))
            i++;
        curl_multi_remove_handle(c->multi, easy);
        if (i == n)
            continue; /* not reached: every transfer belongs to a slot */
        many_slot *sl = &slots[i];
        busy[sl->handle] = false;
        int64_t delay = attempt_finish(c, &sl->s, easy, rc);
        if (delay < 0) {
            sl->phase = SLOT_DONE;
            sl->elapsed = mono_ms() - sl->s.start;
            (*done)++;
        } else {
            sl->phase = SLOT_WAITING;
            sl->wake = mono_ms() + delay;
        }
    }
}

/* How long to wait for network activity: until the earliest waiting call
 * is due (when a handle is free for it), at most a second. */
static int many_wait_ms(const many_slot *slots, size_t n, const bool *busy)
{
    bool free_handle = false;
    for (int h = 0; h < DDB_MANY_MAX && !free_handle; h++)
        free_handle = !busy[h];
    int64_t wait = 1000, now = mono_ms();
    for (size_t i = 0; i < n && free_handle; i++) {
        if (slots[i].phase != SLOT_WAITING)
            continue;
        int64_t w = slots[i].wake - now;
        if (w < wait)
            wait = w < 0 ? 0 : w;
    }
    return (int)wait;
}

ddb_status ddb_call_many(ddb_client *c, ddb_op op, json_object *const *reqs, size_t n,
                         int64_t deadline_ms, json_object **resps, ddb_error *errs)
{
    return ddb_call_many_decoded(c, op, reqs, n, deadline_ms, NULL, NULL, resps, errs);
}

ddb_status ddb_call_many_decoded(ddb_client *c, ddb_op op, json_object *const *reqs, size_t n,
                                 int64_t deadline_ms, ddb_decode_fn decode, void *decode_ctx,
                                 json_object **resps, ddb_error *errs)
{
    if (n == 1 || c->transport) {
        ddb_status first = DDB_OK;
        for (size_t i = 0; i < n; i++) {
            ddb_status st =
                call_one(c, op, reqs[i], deadline_ms, decode, decode_ctx, i, &resps[i], &errs[i]);
            if (st != DDB_OK && first == DDB_OK)
                first = st;
        }
        return first;
    }
    many_slot *slots = xcalloc(n ? n : 1, sizeof *slots);
    size_t done = 0;
    for (size_t i = 0; i < n; i++) {
        if (!call_init(&slots[i].s, c, op, reqs[i], deadline_ms, &resps[i], &errs[i])) {
            slots[i].phase = SLOT_DONE;
            done++;
        }
        slots[i].s.decode = decode;
        slots[i].s.decode_ctx = decode_ctx;
        slots[i].s.index = i;
    }
    if (done < n && !c->multi) {
        c->multi = curl_multi_init();
        if (!c->multi)
            die_oom(0);
    }
    bool busy[DDB_MANY_MAX] = {false};
    while (done < n) {
        many_start_due(c, slots, n, busy, &done);
        int running = 0;
        curl_multi_perform(c->multi, &running);
        many_collect(c, slots, n, busy, &done);
        if (done == n)
            break;
        int wait = many_wait_ms(slots, n, busy);
        if (running > 0 || wait == 0)
            curl_multi_poll(c->multi, NULL, 0, wait, NULL);
        else
            sleep_ms(wait);
    }
    ddb_status first = DDB_OK;
    for (size_t i = 0; i < n; i++) {
        if (slots[i].s.status != DDB_OK && first == DDB_OK)
            first = slots[i].s.status;
        if (c->trace)
            trace_call(c, op, reqs[i], slots[i].s.status == DDB_OK ? resps[i] : NULL, &errs[i],
                       slots[i].elapsed, slots[i].s.items);
    }
    free(slots);
    return first;
}

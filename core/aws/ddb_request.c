#include "ddb_request.h"

#include "../base/alloc.h"
#include "../base/json_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *ddb_target(ddb_op op)
{
    switch (op) {
    case DDB_LIST_TABLES:
        return "DynamoDB_20120810.ListTables";
    case DDB_DESCRIBE_TABLE:
        return "DynamoDB_20120810.DescribeTable";
    case DDB_SCAN:
        return "DynamoDB_20120810.Scan";
    case DDB_QUERY:
        return "DynamoDB_20120810.Query";
    case DDB_GET_ITEM:
        return "DynamoDB_20120810.GetItem";
    case DDB_BATCH_GET_ITEM:
        return "DynamoDB_20120810.BatchGetItem";
    }
    return NULL;
}

static struct curl_slist *add_header(struct curl_slist *l, const char *line)
{
    struct curl_slist *n = curl_slist_append(l, line);
    if (!n)
        die_oom(strlen(line));
    return n;
}

bool ddb_xfer_prepare(ddb_xfer *x, CURL *h, ddb_op op, const ddb_xfer_opts *o)
{
    const char *target = ddb_target(op);
    if (!target)
        return false;
    memset(x, 0, sizeof *x);
    x->op = op;
    buf_init(&x->resp, DDB_MAX_RESPONSE);
    x->sink = (aws_http_sink){&x->resp, false};

    char line[128];
    snprintf(line, sizeof line, "X-Amz-Target: %s", target);
    x->headers = add_header(NULL, "Content-Type: application/x-amz-json-1.0");
    x->headers = add_header(x->headers, line);

    /* reset keeps live connections, so the next request reuses them. */
    curl_easy_reset(h);
    char sigv4[128];
    snprintf(sigv4, sizeof sigv4, "aws:amz:%s:dynamodb", o->region);
    aws_http_sign(h, sigv4, o->creds, &x->headers);
    curl_easy_setopt(h, CURLOPT_URL, o->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    /* CURLOPT_NOSIGNAL stays 0: this libcurl resolves names in a thread (no
     * alarm), and with it 0 libcurl ignores SIGPIPE during the transfer, so a
     * peer hanging up mid-write cannot kill the worker. */
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "ddbsql");
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(o->body));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, o->body);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, aws_http_sink_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &x->sink);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(h, CURLOPT_PRIVATE, x);
    return true;
}

void ddb_xfer_release(ddb_xfer *x)
{
    aws_http_slist_free(x->headers);
    x->headers = NULL;
    buf_free(&x->resp);
}

void ddb_parse_error(const char *body, size_t len, char *type, size_t typelen, char *msg,
                     size_t msglen)
{
    type[0] = '\0';
    msg[0] = '\0';
    char jerr[128];
    json_object *doc = len ? json_parse_strict(body, len, 16, jerr, sizeof jerr) : NULL;
    if (!doc)
        return;
    const char *t = jget_str(doc, "__type");
    if (t) {
        /* "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException" */
        const char *hash = strrchr(t, '#');
        if (hash)
            t = hash + 1;
        snprintf(type, typelen, "%.*s", (int)strcspn(t, ":"), t);
    }
    const char *m = jget_str(doc, "message");
    if (!m)
        m = jget_str(doc, "Message");
    if (m)
        snprintf(msg, msglen, "%s", m);
    json_object_put(doc);
}

static bool is_throttle(const char *type)
{
    static const char *const names[] = {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "Throttling",
        "TooManyRequestsException",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(type, names[i]) == 0)
            return true;
    return false;
}

static ddb_fate fail(ddb_error *err, ddb_status st, ddb_fate fate, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static ddb_fate fail(ddb_error *err, ddb_status st, ddb_fate fate, const char *fmt, ...)
{
    err->status = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return fate;
}

static ddb_fate judge_transport(ddb_xfer *x, CURL *h, CURLcode rc, const char *endpoint,
                                ddb_error *err)
{
    const char *op = ddb_op_name(x->op);
    if (x->sink.overflow)
        return fail(err, DDB_ERR_PROTOCOL, DDB_FATE_FAIL,
                    "DynamoDB's answer to %s is larger than %u MiB: narrow the query (add a "
                    "LIMIT or a tighter condition)",
                    op, DDB_MAX_RESPONSE >> 20);
    char why[320];
    aws_http_describe(h, rc, x->errbuf, why, sizeof why);
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        return fail(err, DDB_ERR_TIMEOUT, DDB_FATE_TIMEOUT,
                    "DynamoDB at %s did not answer %s in time: %s", endpoint, op, why);
    case CURLE_COULDNT_RESOLVE_HOST:
        return fail(err, DDB_ERR_UNAVAILABLE, DDB_FATE_TRANSPORT,
                    "cannot resolve the host of %s: %s (check the schema's region and endpoint, "
                    "and DNS)",
                    endpoint, why);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
        return fail(err, DDB_ERR_UNAVAILABLE, DDB_FATE_FAIL,
                    "TLS verification of %s failed: %s (check the endpoint and the system's CA "
                    "certificates)",
                    endpoint, why);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return fail(err, DDB_ERR_UNAVAILABLE, DDB_FATE_FAIL,
                    "the DynamoDB endpoint %s is not a usable http(s) URL: %s", endpoint, why);
    default:
        return fail(err, DDB_ERR_UNAVAILABLE, DDB_FATE_TRANSPORT, "cannot reach DynamoDB at %s: %s",
                    endpoint, why);
    }
}

ddb_fate ddb_xfer_finish(ddb_xfer *x, CURL *h, CURLcode rc, const char *endpoint, bool temp_creds,
                         json_object **resp, ddb_error *err)
{
    int attempts = err->attempts;
    memset(err, 0, sizeof *err);
    err->attempts = attempts;
    *resp = NULL;
    if (rc != CURLE_OK)
        return judge_transport(x, h, rc, endpoint, err);

    const char *op = ddb_op_name(x->op);
    long http = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http);
    err->http_status = (int)http;
    const char *body = buf_cstr(&x->resp);
    if (http >= 200 && http < 300) {
        char jerr[128];
        json_object *doc =
            json_parse_strict(body, x->resp.len, JSON_DEFAULT_MAX_DEPTH, jerr, sizeof jerr);
        if (doc && json_object_is_type(doc, json_type_object)) {
            *resp = doc;
            return DDB_FATE_OK;
        }
        json_object_put(doc);
        return fail(err, DDB_ERR_PROTOCOL, DDB_FATE_FAIL,
                    "DynamoDB at %s answered %s with something that is not a JSON object (%s): "
                    "check that the schema's endpoint is DynamoDB",
                    endpoint, op, doc ? "another JSON type" : jerr);
    }

    char type[96], msg[320];
    ddb_parse_error(body, x->resp.len, type, sizeof type, msg, sizeof msg);
    snprintf(err->aws_type, sizeof err->aws_type, "%s", type);
    const char *shown = *type ? type : "no error type";
    if (http == 429 || is_throttle(type))
        return fail(err, DDB_ERR_THROTTLED, DDB_FATE_THROTTLED, "DynamoDB throttled %s (%s: %s)",
                    op, shown, msg);
    if (http >= 500)
        return fail(err, DDB_ERR_UNAVAILABLE, DDB_FATE_SERVER,
                    "DynamoDB at %s failed %s with HTTP %ld (%s: %s)", endpoint, op, http, shown,
                    msg);
    if (strcmp(type, "ExpiredTokenException") == 0)
        return fail(err, DDB_ERR_CREDENTIALS, DDB_FATE_REFRESH_CREDS,
                    "the session token of the schema's credentials has expired "
                    "(ExpiredTokenException: %s): refresh the credentials",
                    msg);
    if (strcmp(type, "UnrecognizedClientException") == 0)
        return fail(err, DDB_ERR_CREDENTIALS, temp_creds ? DDB_FATE_REFRESH_CREDS : DDB_FATE_FAIL,
                    "DynamoDB does not recognise the access key or session token "
                    "(UnrecognizedClientException: %s): check the schema's credentials",
                    msg);
    if (strcmp(type, "InvalidSignatureException") == 0 ||
        strcmp(type, "IncompleteSignatureException") == 0 ||
        strcmp(type, "MissingAuthenticationTokenException") == 0 ||
        strcmp(type, "InvalidClientTokenId") == 0)
        return fail(err, DDB_ERR_CREDENTIALS, DDB_FATE_FAIL,
                    "DynamoDB rejected the request's signature (%s: %s): check the secret access "
                    "key and the schema's region",
                    type, msg);
    if (strcmp(type, "AccessDeniedException") == 0 || http == 403)
        return fail(err, DDB_ERR_ACCESS, DDB_FATE_FAIL,
                    "DynamoDB denied %s (%s: %s): the IAM policy of these credentials must allow "
                    "dynamodb:%s on the table",
                    op, shown, msg, op);
    if (strcmp(type, "ResourceNotFoundException") == 0)
        return fail(err, DDB_ERR_NOT_FOUND, DDB_FATE_FAIL,
                    "table not found (ResourceNotFoundException: %s): check the name (table "
                    "names are case-sensitive) and the schema's region",
                    msg);
    if (http >= 400 && http < 500)
        return fail(err, DDB_ERR_VALIDATION, DDB_FATE_FAIL,
                    "DynamoDB rejected the %s request (HTTP %ld, %s: %s)", op, http, shown, msg);
    return fail(err, DDB_ERR_PROTOCOL, DDB_FATE_FAIL,
                "DynamoDB at %s answered %s with unexpected HTTP %ld: check the schema's endpoint",
                endpoint, op, http);
}

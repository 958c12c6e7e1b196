/* One DynamoDB HTTP attempt, split into preparation (configure an easy
 * handle: URL, SigV4, headers, body, timeouts, capped response sink) and
 * judgement (classify the finished transfer: success, retryable, or a
 * final error with a message). ddb_client runs attempts with
 * curl_easy_perform; a curl-multi executor (parallel Scan segments) can
 * prepare several handles, drive them with curl_multi_perform, and judge
 * each one the same way. Internal to core/aws. */
#ifndef DDBSQL_DDB_REQUEST_H
#define DDBSQL_DDB_REQUEST_H

#include "../base/buf.h"
#include "aws_creds.h"
#include "aws_http.h"
#include "ddb_client.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <stdbool.h>

#define DDB_MAX_RESPONSE (16u << 20)

/* "DynamoDB_20120810.Scan" etc.; NULL for any value outside ddb_op. This
 * table is the only way a target reaches the wire. */
const char *ddb_target(ddb_op op);

typedef struct ddb_xfer {
    ddb_op op;
    struct curl_slist *headers;
    buf_t resp;
    aws_http_sink sink;
    char errbuf[CURL_ERROR_SIZE];
} ddb_xfer;

typedef struct ddb_xfer_opts {
    const char *url;    /* endpoint + "/" */
    const char *region; /* SigV4 scope */
    const aws_creds *creds;
    const char *body; /* JSON text; borrowed, must outlive the transfer */
    long connect_timeout_ms;
    long timeout_ms;
} ddb_xfer_opts;

/* Resets h (keeping its live connections) and configures one signed POST.
 * Returns false, configuring nothing, when op is not one of the six. The
 * xfer must stay at the same address until ddb_xfer_release. */
bool ddb_xfer_prepare(ddb_xfer *x, CURL *h, ddb_op op, const ddb_xfer_opts *o);
/* Frees what prepare allocated (the handle is left to its owner). */
void ddb_xfer_release(ddb_xfer *x);

typedef enum {
    DDB_FATE_OK,
    DDB_FATE_FAIL,          /* final: err says why */
    DDB_FATE_THROTTLED,     /* retry with backoff */
    DDB_FATE_SERVER,        /* 5xx: retry with backoff */
    DDB_FATE_TRANSPORT,     /* connection-level failure: retry with backoff */
    DDB_FATE_TIMEOUT,       /* the attempt timed out: retry if time remains */
    DDB_FATE_REFRESH_CREDS, /* expired temporary credentials: refresh, retry once */
} ddb_fate;

/* Judges a finished transfer (rc from curl_easy_perform or the multi
 * message). On DDB_FATE_OK *resp is the parsed JSON object; otherwise
 * err's status, http_status, aws_type and message describe this attempt
 * (attempts is left to the caller). temp_creds says whether the request
 * was signed with temporary credentials. */
ddb_fate ddb_xfer_finish(ddb_xfer *x, CURL *h, CURLcode rc, const char *endpoint, bool temp_creds,
                         json_object **resp, ddb_error *err);

/* Reads a DynamoDB error body: __type without its "namespace#" prefix and
 * message (or Message). Missing parts become "". */
void ddb_parse_error(const char *body, size_t len, char *type, size_t typelen, char *msg,
                     size_t msglen);

#endif

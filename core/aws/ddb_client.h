/* DynamoDB JSON-protocol client over libcurl, signed with libcurl's
 * built-in SigV4 (CURLOPT_AWS_SIGV4). It is read-only by construction:
 * the operation is an enum of the six read APIs, and there is no way to
 * name any other X-Amz-Target. One curl handle per client is reused across
 * requests so connections stay alive within a worker. */
#ifndef DDBSQL_DDB_CLIENT_H
#define DDBSQL_DDB_CLIENT_H

#include "../base/buf.h"
#include "../conf/config.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum {
    DDB_LIST_TABLES,
    DDB_DESCRIBE_TABLE,
    DDB_SCAN,
    DDB_QUERY,
    DDB_GET_ITEM,
    DDB_BATCH_GET_ITEM,
} ddb_op;

typedef enum {
    DDB_OK = 0,
    DDB_ERR_THROTTLED,   /* still throttled when the retry budget ran out */
    DDB_ERR_UNAVAILABLE, /* connection failed, DNS, TLS, or 5xx after retries */
    DDB_ERR_TIMEOUT,     /* the call's deadline passed */
    DDB_ERR_CREDENTIALS, /* no credentials, or AWS rejected them */
    DDB_ERR_ACCESS,      /* AccessDenied: IAM does not allow the action */
    DDB_ERR_NOT_FOUND,   /* ResourceNotFoundException */
    DDB_ERR_VALIDATION,  /* ValidationException: the request was wrong */
    DDB_ERR_PROTOCOL,    /* an answer that was not the JSON we expect */
} ddb_status;

typedef struct ddb_error {
    ddb_status status;
    int http_status; /* 0 when no HTTP answer */
    int attempts;
    char aws_type[96]; /* e.g. "ProvisionedThroughputExceededException" */
    char message[512]; /* for a person: what failed and what to do */
} ddb_error;

typedef struct ddb_client ddb_client;

/* Initialises libcurl (curl_global_init) once per process. Call it from
 * main at start-up, before any thread exists; ddb_client_new calls it too. */
void ddb_global_init(void);

ddb_client *ddb_client_new(const schema_conf *schema, const dynamodb_conf *dconf);
void ddb_client_free(ddb_client *c);

/* Sends one request, retrying throttling, 5xx and transport errors with
 * exponential backoff and full jitter until the retry budget or the
 * deadline (monotonic ms; 0 = the configured budget from now) runs out.
 * On DDB_OK *resp is the parsed answer (caller puts it). */
ddb_status ddb_call(ddb_client *c, ddb_op op, json_object *req, int64_t deadline_ms,
                    json_object **resp, ddb_error *err);

/* Sends n requests of one operation concurrently (libcurl's multi
 * interface; at most DDB_MANY_MAX in flight, the rest wait for a free
 * handle), each retried exactly as ddb_call retries, under one deadline.
 * resps[i] and errs[i] receive request i's outcome as ddb_call would give
 * it (responses the caller puts). The trace hook sees one event per call,
 * in index order, once all are done. Returns DDB_OK when every call
 * succeeded, else the status of the first (lowest index) that failed.
 * Used for the segments of a parallel Scan. */
#define DDB_MANY_MAX 16
ddb_status ddb_call_many(ddb_client *c, ddb_op op, json_object *const *reqs, size_t n,
                         int64_t deadline_ms, json_object **resps, ddb_error *errs);

/* Calls whose successful answers the caller decodes itself: the large
 * answers of Query, Scan and BatchGetItem, which the SQL reader turns into
 * rows without building a json-c tree per item (sql/ddb_page_decode.h).
 * decode is given the body of each 2xx answer, once per call, and returns
 * the answer's summary: a JSON object with everything but the items (the
 * trace hook's response), and *items, the items the answer held; or NULL
 * with a message in err, which fails the call with DDB_ERR_PROTOCOL and that
 * message as it is (the answer is not retried). Everything else (errors,
 * retries, deadlines, the transport, the trace hook) is as for ddb_call and
 * ddb_call_many. index is the request's position (0 for ddb_call_decoded).
 * With decode NULL these are ddb_call and ddb_call_many. */
typedef json_object *(*ddb_decode_fn)(void *ctx, size_t index, const char *body, size_t len,
                                      int64_t *items, char *err, size_t errlen);
ddb_status ddb_call_decoded(ddb_client *c, ddb_op op, json_object *req, int64_t deadline_ms,
                            ddb_decode_fn decode, void *decode_ctx, json_object **summary,
                            ddb_error *err);
ddb_status ddb_call_many_decoded(ddb_client *c, ddb_op op, json_object *const *reqs, size_t n,
                                 int64_t deadline_ms, ddb_decode_fn decode, void *decode_ctx,
                                 json_object **summaries, ddb_error *errs);

/* For callers that retry partial results themselves (BatchGetItem's
 * UnprocessedKeys): the full-jitter delay (ms) before retry number retry
 * (0-based) under the client's backoff settings, or -1 once that retry would
 * go past the configured attempts. */
int64_t ddb_client_retry_delay(const ddb_client *c, int retry);

/* One finished call, as seen by a trace hook. Everything is borrowed for
 * the duration of the hook. The SQL engine sums these into its statistics,
 * and tests use the hook as the seam that captures the exact requests the
 * planner sent (it sees what went over the wire, not a mock). */
typedef struct ddb_trace_event {
    ddb_op op;
    json_object *request;  /* NULL when the caller sent {} */
    json_object *response; /* NULL when the call failed */
    const ddb_error *error;
    int64_t elapsed_ms;
    int64_t items;         /* items returned: Count, Item, or Responses */
    int64_t scanned;       /* items DynamoDB read: ScannedCount (else items) */
    double capacity_units; /* ConsumedCapacity, when the request asked for it */
} ddb_trace_event;

typedef void (*ddb_trace_fn)(void *ctx, const ddb_trace_event *ev);
/* Installs (or, with NULL, removes) the client's trace hook. */
void ddb_client_set_trace(ddb_client *c, ddb_trace_fn fn, void *ctx);

/* A transport in place of HTTP, for benchmarks and tests that run the
 * engine over data held in memory (bench/sql). It receives each request as
 * the JSON text the client would send (req is the same request as an
 * object, NULL for {}) and writes the HTTP status it answers and the
 * response body into resp (bounded; left empty for an empty body). The
 * client then judges that answer like DynamoDB's: a 2xx body is parsed as
 * the response object, any other status is an error named by the body's
 * __type and message. No signing, no credentials and no retries: each call
 * is one exchange. ddb_call_many runs its calls one after another. */
typedef int (*ddb_transport_fn)(void *ctx, ddb_op op, json_object *req, const char *body,
                                buf_t *resp);
/* Installs (or, with NULL, removes) the client's transport. */
void ddb_client_set_transport(ddb_client *c, ddb_transport_fn fn, void *ctx);

const char *ddb_op_name(ddb_op op); /* "DescribeTable" */
const char *ddb_status_name(ddb_status s);
/* The endpoint URL used (for messages and EXPLAIN). */
const char *ddb_client_endpoint(const ddb_client *c);

#endif

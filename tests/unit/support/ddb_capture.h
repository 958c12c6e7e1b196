/* A DynamoDB client for reader tests whose calls are captured through its
 * trace hook: each call is summed into an exec_ctx's statistics, as the SQL
 * engine's own hook does (so the cost guard sees them), and its operation,
 * request text and item counts are kept for assertions. */
#ifndef DDBSQL_TEST_DDB_CAPTURE_H
#define DDBSQL_TEST_DDB_CAPTURE_H

#include <stdint.h>

#include "core/aws/ddb_client.h"
#include "sql/exec.h"

#define DDB_CAPTURE_MAX 64

typedef struct ddb_capture {
    exec_ctx *ctx; /* where statistics are summed (may be NULL) */
    int n;         /* calls so far (only the first DDB_CAPTURE_MAX are kept) */
    ddb_op ops[DDB_CAPTURE_MAX];
    char *reqs[DDB_CAPTURE_MAX]; /* compact JSON */
    int64_t items[DDB_CAPTURE_MAX], scanned[DDB_CAPTURE_MAX];
} ddb_capture;

/* A client for endpoint with static test keys, short timeouts, max_attempts
 * attempts per call and a 1 ms backoff base, traced into cap. */
ddb_client *ddb_capture_client(const char *endpoint, int max_attempts, ddb_capture *cap);
/* Forgets the calls captured so far. */
void ddb_capture_reset(ddb_capture *cap);

/* A scripted fake DynamoDB (fake_http) and a captured client for it,
 * summing into ctx. */
typedef struct ddb_fake {
    struct fake_http *f;
    ddb_capture cap;
    ddb_client *c;
    exec_ctx ctx;
} ddb_fake;

ddb_fake *ddb_fake_new(int max_attempts);
void ddb_fake_free(ddb_fake *x);

#endif

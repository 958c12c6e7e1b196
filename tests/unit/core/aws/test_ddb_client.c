#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/aws/ddb_client.h"
#include "core/base/json_util.h"
#include "core/base/timeutil.h"
#include "tests/unit/support/aws_test_env.h"
#include "tests/unit/support/dynalite.h"
#include "tests/unit/support/fake_http.h"
#include "tests/unit/support/sigv4_check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define AKID   "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN  "FQoGZXIvYXdzEXAMPLEtoken/with+chars=="

#define JSON "application/x-amz-json-1.0"
#define PTEE                                                                                       \
    "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException\","     \
    "\"message\":\"The level of configured provisioned throughput for the table was exceeded.\"}"

typedef struct fixture {
    fake_http *srv;
    schema_conf schema;
    dynamodb_conf dconf;
    char endpoint[64];
} fixture;

static int setup(void **state)
{
    aws_test_env_isolate();
    fixture *f = calloc(1, sizeof *f);
    f->srv = fake_http_start();
    snprintf(f->endpoint, sizeof f->endpoint, "%s", fake_http_url(f->srv));
    f->schema = (schema_conf){
        .name = "t",
        .region = "us-east-1",
        .endpoint = f->endpoint,
        .creds = CREDS_STATIC,
        .access_key_id = AKID,
        .secret_access_key = SECRET,
    };
    /* Generous limits: under valgrind on a loaded machine an answer from the
       local fake server can take seconds, and a timed-out first attempt
       would be retried (the timeout tests set their own). */
    f->dconf = (dynamodb_conf){
        .connect_timeout_ms = 5000,
        .request_timeout_ms = 20000,
        .retry_budget_ms = 30000,
        .max_attempts = 6,
        .base_backoff_ms = 2,
    };
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    fake_http_stop(f->srv);
    free(f);
    return 0;
}

/* One call with a fresh client; returns the status. */
static ddb_status call(fixture *f, ddb_op op, const char *req_json, int64_t deadline,
                       json_object **resp, ddb_error *err)
{
    ddb_client *c = ddb_client_new(&f->schema, &f->dconf);
    json_object *req = req_json ? json_tokener_parse(req_json) : NULL;
    ddb_status st = ddb_call(c, op, req, deadline, resp, err);
    json_object_put(req);
    ddb_client_free(c);
    return st;
}

static void assert_signed(fixture *f, size_t i, const char *target, bool with_token)
{
    const fake_http_req *r = fake_http_request(f->srv, i);
    assert_non_null(r);
    assert_string_equal(r->method, "POST");
    assert_string_equal(r->path, "/");
    assert_string_equal(fake_http_header_get(r, "Content-Type"), JSON);
    assert_string_equal(fake_http_header_get(r, "X-Amz-Target"), target);
    const char *amzdate = fake_http_header_get(r, "X-Amz-Date");
    assert_non_null(amzdate);
    char prefix[160];
    snprintf(prefix, sizeof prefix,
             "AWS4-HMAC-SHA256 Credential=" AKID "/%.8s/us-east-1/dynamodb/aws4_request", amzdate);
    const char *auth = fake_http_header_get(r, "Authorization");
    assert_non_null(auth);
    assert_memory_equal(auth, prefix, strlen(prefix));
    const char *tok = fake_http_header_get(r, "X-Amz-Security-Token");
    if (with_token) {
        assert_non_null(tok);
        assert_string_equal(tok, TOKEN);
        assert_true(sigv4_signs_header(r, "x-amz-security-token"));
    } else {
        assert_null(tok);
    }
    assert_true(sigv4_signs_header(r, "x-amz-target"));
    char why[256];
    if (!sigv4_check(r, SECRET, "us-east-1", "dynamodb", why, sizeof why))
        fail_msg("bad signature: %s", why);
    /* The secret never travels. */
    for (size_t h = 0; h < r->nheaders; h++)
        assert_null(strstr(r->headers[h].value, SECRET));
}

static void test_signed_request_shape(void **state)
{
    fixture *f = *state;
    fake_http_push_simple(f->srv, 200, JSON, "{\"TableNames\":[\"a\",\"b\"]}");
    json_object *resp = NULL;
    ddb_error err;
    assert_int_equal(call(f, DDB_LIST_TABLES, "{\"Limit\":10}", 0, &resp, &err), DDB_OK);
    assert_int_equal(err.attempts, 1);
    assert_int_equal(json_object_array_length(jget_arr(resp, "TableNames")), 2);
    json_object_put(resp);
    assert_int_equal(fake_http_nrequests(f->srv), 1);
    assert_signed(f, 0, "DynamoDB_20120810.ListTables", false);
    assert_string_equal(fake_http_request(f->srv, 0)->body, "{\"Limit\":10}");
}

static void test_signed_with_session_token(void **state)
{
    fixture *f = *state;
    f->schema.session_token = TOKEN;
    fake_http_push_simple(f->srv, 200, JSON, "{\"Table\":{\"TableName\":\"x\"}}");
    json_object *resp = NULL;
    ddb_error err;
    assert_int_equal(call(f, DDB_DESCRIBE_TABLE, "{\"TableName\":\"x\"}", 0, &resp, &err), DDB_OK);
    json_object_put(resp);
    assert_signed(f, 0, "DynamoDB_20120810.DescribeTable", true);
}

static void test_every_op_has_its_target(void **state)
{
    fixture *f = *state;
    static const struct {
        ddb_op op;
        const char *target;
    } ops[] = {
        {DDB_LIST_TABLES, "DynamoDB_20120810.ListTables"},
        {DDB_DESCRIBE_TABLE, "DynamoDB_20120810.DescribeTable"},
        {DDB_SCAN, "DynamoDB_20120810.Scan"},
        {DDB_QUERY, "DynamoDB_20120810.Query"},
        {DDB_GET_ITEM, "DynamoDB_20120810.GetItem"},
        {DDB_BATCH_GET_ITEM, "DynamoDB_20120810.BatchGetItem"},
    };
    ddb_client *c = ddb_client_new(&f->schema, &f->dconf);
    for (size_t i = 0; i < 6; i++) {
        fake_http_push_simple(f->srv, 200, JSON, "{}");
        json_object *resp = NULL;
        ddb_error err;
        assert_int_equal(ddb_call(c, ops[i].op, NULL, 0, &resp, &err), DDB_OK);
        json_object_put(resp);
        assert_string_equal(fake_http_header_get(fake_http_request(f->srv, i), "X-Amz-Target"),
                            ops[i].target);
        assert_string_equal(fake_http_request(f->srv, i)->body, "{}");
        assert_string_equal(ddb_op_name(ops[i].op), ops[i].target + strlen("DynamoDB_20120810."));
    }
    /* One reused handle: every request went over the same connection. */
    assert_int_equal(fake_http_nconnections(f->srv), 1);
    ddb_client_free(c);
}

static void test_rejects_other_operations(void **state)
{
    fixture *f = *state;
    json_object *resp = NULL;
    ddb_error err;
    assert_int_equal(call(f, (ddb_op)6, NULL, 0, &resp, &err), DDB_ERR_VALIDATION);
    assert_null(resp);
    assert_int_equal(call(f, (ddb_op)-1, NULL, 0, &resp, &err), DDB_ERR_VALIDATION);
    assert_non_null(strstr(err.message, "not one of the six read operations"));
    assert_int_equal(fake_http_nrequests(f->srv), 0);
    assert_string_equal(ddb_op_name((ddb_op)42), "UnknownOperation");
}

static void test_throttled_then_success(void **state)
{
    fixture *f = *state;
    fake_http_push_simple(f->srv, 400, JSON, PTEE);
    fake_http_push_simple(f->srv, 400, JSON,
                          "{\"__type\":\"com.amazon.coral.availability#ThrottlingException\","
                          "\"message\":\"Rate exceeded\"}");
    fake_http_push_simple(f->srv, 429, "text/plain", "slow down");
    fake_http_push_simple(f->srv, 200, JSON, "{\"Items\":[],\"Count\":0}");
    json_object *resp = NULL;
    ddb_error err;
    assert_int_equal(call(f, DDB_SCAN, "{\"TableName\":\"t\"}", 0, &resp, &err), DDB_OK);
    assert_int_equal(err.attempts, 4);
    assert_int_equal(jget_int(resp, "Count", -1), 0);
    json_object_put(resp);
    assert_int_equal(fake_http_nrequests(f->srv), 4);
    for (size_t i = 0; i < 4; i++)
        assert_signed(f, i, "DynamoDB_20120810.Scan", false);
}

static void test_throttled_gives_up_after_attempts(void **state)
{
    fixture *f = *state;
    f->dconf.max_attempts = 3;
    for (int i = 0; i < 10; i++)
        fake_http_push_simple(f->srv, 400, JSON, PTEE);
    json_object *resp = NULL;
    ddb_error err;
    assert_int_equal(call(f, DDB_SCAN, "{\"TableName\":\"t\"}", 0, &resp, &err), DDB_ERR_THROTTLED);
    assert_null(resp);
    assert_int_equal(err.attempts, 3);
    assert_int_equal(fake_http_nrequests(f->srv), 3);
    assert_int_equal(err.http_status, 400);
    assert_string_equal(err.aws_type, "ProvisionedThroughputExceededException");
    assert_non_null(strstr(err.message, "DynamoDB throttled the request "
                                        "(ProvisionedThroughputExceededException) 3 times in"));
    assert_non_null(strstr(err.message, "read capacity is exhausted"));
    assert_non_null(strstr(err.message, "retry later or narrow the query"));
}

static void test_throttled_gives_up_after_budget(void **state)
{
    fixture *f = *state;
    f->dconf.max_attempts = 20;
    f->dconf.retry_budget_ms = 300;
    f->dconf.base_backoff_ms = 100; /* backoff ceilings 100, 200, 400...: the budget ends it */
    for (int i = 0; i < 25; i++)
        fake_http_push_simple(f->srv, 400, JSON, PTEE);
    json_object *resp = NULL;
    ddb_error err;
    assert_int_equal(call(f, DDB_QUERY, "{}", 0, &resp, &err), DDB_ERR_THROTTLED);
    assert_true(err.attempts >= 1);
    assert_true(err.attempts < 20);
    assert_int_equal((size_t)err.attempts, fake_http_nrequests(f->srv));
    char expect[64];
    snprintf(expect, sizeof expect, ") %d times in", err.attempts);
    assert_non_null(strstr(err.message, expect));
}

static void test_server_errors_are_retried(void **state)
{
    fixture *f = *state;
    fake_http_push_simple(f->srv, 500, JSON,
                          "{\"__type\":\"com.amazonaws.dynamodb.v20120810#InternalServerError\","
                          "\"message\":\"Internal server error\"}");
    fake_http_push_simple(f->srv, 503, JSON,
                          "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ServiceUnavailable\"}");
    fake_http_push_simple(f->srv, 200, JSON, "{\"Item\":{}}");
    json_object *resp = NULL;
    ddb_error err;
    assert_int_equal(call(f, DDB_GET_ITEM, "{}", 0, &resp, &err), DDB_OK);
    assert_int_equal(err.attempts, 3);
    json_object_put(resp);

    /* Still failing when the attempts run out: unavailable. */
    f->dconf.max_attempts = 2;
    fake_http_push_simple(f->srv, 500, JSON,
                          "{\"__type\":\"com.amazonaws.dynamodb.v20120810#InternalServerError\"}");
    fake_http_push_simple(f->srv, 503, JSON,
                          "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ServiceUnavailable\"}");
    assert_int_equal(call(f, DDB_GET_ITEM, "{}", 0, &resp, &err), DDB_ERR_UNAVAILABLE);
    assert_int_equal(err.attempts, 2);
    assert_int_equal(err.http_status, 503);
    assert_string_equal(err.aws_type, "ServiceUnavailable");
    assert_non_null(strstr(err.message, "kept failing GetItem"));
    assert_int_equal(fake_http_nrequests(f->srv), 5);
}

static void test_hangup_is_retried(void **state)
{
    fixture *f = *state;
    fake_http_push_close(f->srv);
    fake_http_push_simple(f->srv, 200, JSON, "{}");
    json_object *resp = NULL;
    ddb_error err;
    assert_int_equal(call(f, DDB_LIST_TABLES, NULL, 0, &resp, &err), DDB_OK);
    json_object_put(resp);
    assert_int_equal(err.attempts, 2);
}

static void test_slow_answers(void **state)
{
    fixture *f = *state;
    f->dconf.request_timeout_ms = 1000;
    /* Slow but within the attempt's time: accepted. */
    fake_http_resp slow = {.action = FH_RESPOND,
                           .status = 200,
                           .headers = "Content-Type: " JSON "\r\n",
                           .body = "{\"Count\":1}",
                           .delay_ms = 100};
    fake_http_push(f->srv, &slow);
    /* Slower than the attempt allows: that attempt times out, the next one
     * is answered at once. */
    slow.delay_ms = 3000;
    fake_http_push(f->srv, &slow);
    fake_http_push_simple(f->srv, 200, JSON, "{\"Count\":2}");
    json_object *resp = NULL;
    ddb_error err;
    assert_int_equal(call(f, DDB_SCAN, "{}", 0, &resp, &err), DDB_OK);
    assert_int_equal(err.attempts, 1);
    assert_int_equal(jget_int(resp, "Count", 0), 1);
    json_object_put(resp);
    assert_int_equal(call(f, DDB_SCAN, "{}", 0, &resp, &err), DDB_OK);
    assert_int_equal(err.attempts, 2);
    assert_int_equal(jget_int(resp, "Count", 0), 2);
    json_object_put(resp);
}

static void test_connection_refused(void **state)
{
    fixture *f = *state;
    f->dconf.max_attempts = 3;
    snprintf(f->endpoint, sizeof f->endpoint, "http://127.0.0.1:%d", fake_http_free_port());
    json_object *resp = NULL;
    ddb_error err;
    assert_int_equal(call(f, DDB_LIST_TABLES, NULL, 0, &resp, &err), DDB_ERR_UNAVAILABLE);
    assert_int_equal(err.attempts, 3);
    assert_int_equal(err.http_status, 0);
    char expect[128];
    snprintf(expect, sizeof expect, "cannot reach DynamoDB at %s: Connection refused", f->endpoint);
    assert_non_null(strstr(err.message, expect));
}

static void test_never_answers_times_out(void **state)
{
    fixture *f = *state;
    f->dconf.request_timeout_ms = 150;
    for (int i = 0; i < 20; i++)
        fake_http_push_hang(f->srv);
    json_object *resp = NULL;
    ddb_error err;
    int64_t deadline = mono_ms() + 600;
    assert_int_equal(call(f, DDB_SCAN, "{}", deadline, &resp, &err), DDB_ERR_TIMEOUT);
    assert_null(resp);
    assert_true(err.attempts >= 1);
    assert_int_equal(err.http_status, 0);
    assert_non_null(strstr(err.message, "did not answer Scan"));

    /* A single attempt cut short by the caller's deadline. */
    f->dconf.request_timeout_ms = 5000;
    size_t before = fake_http_nrequests(f->srv);
    deadline = mono_ms() + 400;
    assert_int_equal(call(f, DDB_SCAN, "{}", deadline, &resp, &err), DDB_ERR_TIMEOUT);
    assert_int_equal(err.attempts, 1);
    assert_int_equal(fake_http_nrequests(f->srv), before + 1);
}

static void test_deadline_already_passed(void **state)
{
    fixture *f = *state;
    json_object *resp = NULL;
    ddb_error err;
    assert_int_equal(call(f, DDB_SCAN, "{}", mono_ms() - 1, &resp, &err), DDB_ERR_TIMEOUT);
    assert_int_equal(err.attempts, 0);
    assert_int_equal(fake_http_nrequests(f->srv), 0);
}

static void test_error_mapping(void **state)
{
    fixture *f = *state;
    static const struct {
        int http;
        const char *body;
        ddb_status st;
        const char *type;
        const char *words;
    } cases[] = {
        {400,
         "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\","
         "\"message\":\"Requested resource not found\"}",
         DDB_ERR_NOT_FOUND, "ResourceNotFoundException", "table not found"},
        {400,
         "{\"__type\":\"com.amazon.coral.service#AccessDeniedException\",\"Message\":\"User: "
         "arn:aws:iam::1:user/x is not authorized\"}",
         DDB_ERR_ACCESS, "AccessDeniedException", "must allow dynamodb:Query"},
        {400,
         "{\"__type\":\"com.amazon.coral.validate#ValidationException\",\"message\":\"1 "
         "validation error detected\"}",
         DDB_ERR_VALIDATION, "ValidationException", "1 validation error detected"},
        {400,
         "{\"__type\":\"com.amazon.coral.service#UnrecognizedClientException\",\"message\":\"The "
         "security token included in the request is invalid.\"}",
         DDB_ERR_CREDENTIALS, "UnrecognizedClientException", "check the schema's credentials"},
        {400,
         "{\"__type\":\"com.amazon.coral.service#InvalidSignatureException\",\"message\":\"The "
         "request signature we calculated does not match\"}",
         DDB_ERR_CREDENTIALS, "InvalidSignatureException", "secret access key"},
        {200, "<html>not json</html>", DDB_ERR_PROTOCOL, "", "not a JSON object"},
        {200, "[1,2]", DDB_ERR_PROTOCOL, "", "not a JSON object"},
        {302, "", DDB_ERR_PROTOCOL, "", "unexpected HTTP 302"},
        {404, "<html>nope</html>", DDB_ERR_VALIDATION, "", "HTTP 404"},
    };
    size_t n = sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < n; i++) {
        fake_http_push_simple(f->srv, cases[i].http, JSON, cases[i].body);
        json_object *resp = NULL;
        ddb_error err;
        ddb_status st = call(f, DDB_QUERY, "{}", 0, &resp, &err);
        if (st != cases[i].st || strcmp(err.aws_type, cases[i].type) != 0 ||
            !strstr(err.message, cases[i].words))
            fail_msg("case %zu: status %s type '%s' message '%s'", i, ddb_status_name(st),
                     err.aws_type, err.message);
        assert_null(resp);
        assert_int_equal(err.attempts, 1); /* none of these is retried */
        assert_int_equal(err.http_status, cases[i].http);
    }
    assert_int_equal(fake_http_nrequests(f->srv), n);
}

static void test_expired_token_refreshes_once(void **state)
{
    fixture *f = *state;
    f->schema.session_token = TOKEN;
    const char *expired = "{\"__type\":\"com.amazon.coral.service#ExpiredTokenException\","
                          "\"message\":\"The security token included in the request is expired\"}";
    fake_http_push_simple(f->srv, 400, JSON, expired);
    fake_http_push_simple(f->srv, 200, JSON, "{}");
    json_object *resp = NULL;
    ddb_error err;
    assert_int_equal(call(f, DDB_LIST_TABLES, NULL, 0, &resp, &err), DDB_OK);
    json_object_put(resp);
    assert_int_equal(err.attempts, 2);

    /* Rejected again after the refresh: a credentials error, not a loop. */
    fake_http_push_simple(f->srv, 400, JSON, expired);
    fake_http_push_simple(f->srv, 400, JSON, expired);
    assert_int_equal(call(f, DDB_LIST_TABLES, NULL, 0, &resp, &err), DDB_ERR_CREDENTIALS);
    assert_int_equal(err.attempts, 2);
    assert_string_equal(err.aws_type, "ExpiredTokenException");
    assert_int_equal(fake_http_nrequests(f->srv), 4);

    /* Temporary credentials that are "unrecognised" get one refresh too. */
    fake_http_push_simple(f->srv, 400, JSON,
                          "{\"__type\":\"com.amazon.coral.service#UnrecognizedClientException\"}");
    fake_http_push_simple(f->srv, 200, JSON, "{}");
    assert_int_equal(call(f, DDB_LIST_TABLES, NULL, 0, &resp, &err), DDB_OK);
    json_object_put(resp);
    assert_int_equal(err.attempts, 2);
}

static void test_credentials_failure(void **state)
{
    fixture *f = *state;
    f->schema.creds = CREDS_PROFILE;
    f->schema.profile = "nosuch";
    json_object *resp = NULL;
    ddb_error err;
    assert_int_equal(call(f, DDB_LIST_TABLES, NULL, 0, &resp, &err), DDB_ERR_CREDENTIALS);
    assert_non_null(strstr(err.message, "schema 't'"));
    assert_non_null(strstr(err.message, "profile 'nosuch'"));
    assert_non_null(strstr(err.message, "/nonexistent/ddbsql-test/credentials: not found"));
    assert_int_equal(fake_http_nrequests(f->srv), 0);
}

typedef struct trace_log {
    int events;
    ddb_op ops[8];
    int64_t items[8], scanned[8];
    double capacity[8];
    ddb_status status[8];
    char request[8][128];
} trace_log;

static void record(void *ctx, const ddb_trace_event *ev)
{
    trace_log *t = ctx;
    int i = t->events++;
    if (i >= 8)
        return;
    t->ops[i] = ev->op;
    t->items[i] = ev->items;
    t->scanned[i] = ev->scanned;
    t->capacity[i] = ev->capacity_units;
    t->status[i] = ev->error->status;
    snprintf(t->request[i], sizeof t->request[i], "%s",
             ev->request ? json_compact(ev->request) : "");
    assert_true(ev->elapsed_ms >= 0);
    assert_true((ev->response != NULL) == (ev->error->status == DDB_OK));
}

/* The trace hook sees one event per call (after retries), with the items
 * returned and read and the capacity consumed, counted per operation. */
static void test_trace_hook(void **state)
{
    fixture *f = *state;
    fake_http_push_simple(f->srv, 400, JSON, PTEE); /* retried: still one event */
    fake_http_push_simple(f->srv, 200, JSON,
                          "{\"Items\":[{},{}],\"Count\":2,\"ScannedCount\":7,"
                          "\"ConsumedCapacity\":{\"TableName\":\"t\",\"CapacityUnits\":1.5}}");
    fake_http_push_simple(f->srv, 200, JSON, "{\"Item\":{\"k\":{\"S\":\"a\"}}}");
    fake_http_push_simple(f->srv, 200, JSON,
                          "{\"Responses\":{\"t\":[{},{},{}],\"u\":[{}]},"
                          "\"ConsumedCapacity\":[{\"CapacityUnits\":2},{\"CapacityUnits\":0.5}]}");
    fake_http_push_simple(f->srv, 400, JSON,
                          "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
                          "ResourceNotFoundException\",\"message\":\"no\"}");
    ddb_client *c = ddb_client_new(&f->schema, &f->dconf);
    trace_log t = {0};
    ddb_client_set_trace(c, record, &t);
    const char *reqs[] = {"{\"TableName\":\"t\"}", "{\"TableName\":\"t\",\"Key\":{}}",
                          "{\"RequestItems\":{}}", "{\"TableName\":\"gone\"}"};
    ddb_op ops[] = {DDB_SCAN, DDB_GET_ITEM, DDB_BATCH_GET_ITEM, DDB_DESCRIBE_TABLE};
    for (int i = 0; i < 4; i++) {
        json_object *req = json_tokener_parse(reqs[i]), *resp = NULL;
        ddb_error err;
        ddb_call(c, ops[i], req, 0, &resp, &err);
        json_object_put(resp);
        json_object_put(req);
    }
    ddb_client_set_trace(c, NULL, NULL); /* removed: no more events */
    fake_http_push_simple(f->srv, 200, JSON, "{\"TableNames\":[]}");
    json_object *resp = NULL;
    ddb_error err;
    assert_int_equal(ddb_call(c, DDB_LIST_TABLES, NULL, 0, &resp, &err), DDB_OK);
    json_object_put(resp);
    ddb_client_free(c);

    assert_int_equal(t.events, 4);
    assert_int_equal(t.ops[0], DDB_SCAN);
    assert_int_equal(t.items[0], 2);
    assert_int_equal(t.scanned[0], 7);
    assert_true(t.capacity[0] == 1.5);
    assert_string_equal(t.request[0], "{\"TableName\":\"t\"}");
    assert_int_equal(t.items[1], 1);
    assert_int_equal(t.scanned[1], 1);
    assert_int_equal(t.items[2], 4);
    assert_true(t.capacity[2] == 2.5);
    assert_int_equal(t.status[3], DDB_ERR_NOT_FOUND);
    assert_int_equal(t.items[3], 0);
}

/* ---- ddb_call_many ----------------------------------------------------- */

/* n Scan requests for segments 0..n-1 of table t. */
static void segment_reqs(json_object **reqs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char text[128];
        snprintf(text, sizeof text, "{\"TableName\":\"t\",\"Segment\":%zu,\"TotalSegments\":%zu}",
                 i, n);
        reqs[i] = json_tokener_parse(text);
    }
}

static void put_all(json_object **objs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_object_put(objs[i]);
        objs[i] = NULL;
    }
}

/* n segment Scans through ddb_call_many on a fresh client traced into t. */
static ddb_status run_many(fixture *f, size_t n, json_object **reqs, json_object **resps,
                           ddb_error *errs, trace_log *t)
{
    segment_reqs(reqs, n);
    ddb_client *c = ddb_client_new(&f->schema, &f->dconf);
    ddb_client_set_trace(c, record, t);
    ddb_status st = ddb_call_many(c, DDB_SCAN, reqs, n, 0, resps, errs);
    ddb_client_free(c);
    return st;
}

/* The calls are in flight together (one connection each: HTTP/1.1 cannot
 * share one between concurrent requests), every request arrives exactly
 * once, each response goes to its own call, and the trace hook sees one
 * event per call in index order. */
static void test_call_many_runs_concurrently(void **state)
{
    fixture *f = *state;
    fake_http_resp slow = {.action = FH_RESPOND,
                           .status = 200,
                           .headers = "Content-Type: " JSON "\r\n",
                           .body = "{\"Items\":[],\"Count\":0,\"ScannedCount\":0}",
                           .delay_ms = 200};
    fake_http_push(f->srv, &slow);
    fake_http_push_simple(f->srv, 200, JSON, "{\"Items\":[{}],\"Count\":1,\"ScannedCount\":1}");
    fake_http_push_simple(f->srv, 200, JSON, "{\"Items\":[{}],\"Count\":1,\"ScannedCount\":1}");
    json_object *reqs[3], *resps[3];
    ddb_error errs[3];
    trace_log t = {0};
    assert_int_equal(run_many(f, 3, reqs, resps, errs, &t), DDB_OK);
    assert_int_equal(fake_http_nrequests(f->srv), 3);
    assert_int_equal(fake_http_nconnections(f->srv), 3);
    int64_t total = 0;
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(errs[i].status, DDB_OK);
        assert_int_equal(errs[i].attempts, 1);
        assert_non_null(resps[i]);
        total += jget_int(resps[i], "Count", -1);
        assert_signed(f, i, "DynamoDB_20120810.Scan", false);
    }
    assert_int_equal(total, 2);
    /* Every request arrived once (in any order). */
    bool seen[3] = {false, false, false};
    for (size_t i = 0; i < 3; i++) {
        json_object *body = json_tokener_parse(fake_http_request(f->srv, i)->body);
        int64_t seg = jget_int(body, "Segment", -1);
        assert_true(seg >= 0 && seg < 3 && !seen[seg]);
        seen[seg] = true;
        json_object_put(body);
    }
    assert_int_equal(t.events, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(t.ops[i], DDB_SCAN);
        assert_string_equal(t.request[i], json_compact(reqs[i]));
    }
    assert_int_equal(t.items[0] + t.items[1] + t.items[2], 2);
    put_all(resps, 3);
    put_all(reqs, 3);
}

/* Each call is retried on its own, as ddb_call would. */
static void test_call_many_retries_each_call(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 3; i++)
        fake_http_push_simple(f->srv, 400, JSON, PTEE);
    for (int i = 0; i < 3; i++)
        fake_http_push_simple(f->srv, 200, JSON, "{\"Items\":[],\"Count\":0}");
    json_object *reqs[3], *resps[3];
    ddb_error errs[3];
    trace_log t = {0};
    assert_int_equal(run_many(f, 3, reqs, resps, errs, &t), DDB_OK);
    int attempts = 0;
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(errs[i].status, DDB_OK);
        assert_non_null(resps[i]);
        attempts += errs[i].attempts;
    }
    assert_int_equal(attempts, 6);
    assert_int_equal(fake_http_nrequests(f->srv), 6);
    assert_int_equal(t.events, 3); /* one per call, retries included */
    put_all(resps, 3);
    put_all(reqs, 3);
}

/* A call that fails does not stop the others; the result is its status. */
static void test_call_many_one_fails(void **state)
{
    fixture *f = *state;
    f->dconf.max_attempts = 2;
    fake_http_push_simple(f->srv, 200, JSON, "{\"Count\":0}");
    fake_http_push_simple(f->srv, 400, JSON,
                          "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ValidationException\","
                          "\"message\":\"bad segment\"}");
    fake_http_push_simple(f->srv, 200, JSON, "{\"Count\":0}");
    json_object *reqs[3], *resps[3];
    ddb_error errs[3];
    trace_log t = {0};
    assert_int_equal(run_many(f, 3, reqs, resps, errs, &t), DDB_ERR_VALIDATION);
    int failed = 0;
    for (int i = 0; i < 3; i++) {
        if (errs[i].status == DDB_OK) {
            assert_non_null(resps[i]);
            assert_int_equal(t.status[i], DDB_OK);
            continue;
        }
        failed++;
        assert_null(resps[i]);
        assert_int_equal(errs[i].status, DDB_ERR_VALIDATION);
        assert_int_equal(errs[i].attempts, 1); /* not retried */
        assert_non_null(strstr(errs[i].message, "bad segment"));
        assert_int_equal(t.status[i], DDB_ERR_VALIDATION);
    }
    assert_int_equal(failed, 1);
    assert_int_equal(fake_http_nrequests(f->srv), 3);
    put_all(resps, 3);
    put_all(reqs, 3);
}

/* Throttling that outlasts the attempts fails that call with the
 * client's throttling message; the deadline is shared. */
static void test_call_many_throttled_and_deadline(void **state)
{
    fixture *f = *state;
    f->dconf.max_attempts = 2;
    for (int i = 0; i < 4; i++)
        fake_http_push_simple(f->srv, 400, JSON, PTEE);
    json_object *reqs[2], *resps[2];
    ddb_error errs[2];
    segment_reqs(reqs, 2);
    ddb_client *c = ddb_client_new(&f->schema, &f->dconf);
    assert_int_equal(ddb_call_many(c, DDB_SCAN, reqs, 2, 0, resps, errs), DDB_ERR_THROTTLED);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(errs[i].status, DDB_ERR_THROTTLED);
        assert_int_equal(errs[i].attempts, 2);
        assert_non_null(strstr(errs[i].message, "retry later or narrow the query"));
        assert_null(resps[i]);
    }
    assert_int_equal(fake_http_nrequests(f->srv), 4);
    /* A deadline already passed: nothing is sent. */
    assert_int_equal(ddb_call_many(c, DDB_SCAN, reqs, 2, mono_ms() - 1, resps, errs),
                     DDB_ERR_TIMEOUT);
    assert_non_null(strstr(errs[1].message, "deadline passed before Scan"));
    assert_int_equal(fake_http_nrequests(f->srv), 4);
    /* Not a read operation: refused without a request. */
    assert_int_equal(ddb_call_many(c, (ddb_op)6, reqs, 2, 0, resps, errs), DDB_ERR_VALIDATION);
    assert_int_equal(ddb_call_many(c, DDB_SCAN, reqs, 0, 0, resps, errs), DDB_OK);
    assert_int_equal(fake_http_nrequests(f->srv), 4);
    ddb_client_free(c);
    put_all(reqs, 2);
}

/* More calls than handles: the rest wait their turn; all complete; the
 * multi handle's connections outlive a batch, so the next one reuses them
 * (libcurl may still open a few more, so not exactly the same number). */
static void test_call_many_more_than_handles(void **state)
{
    fixture *f = *state;
    enum { N = DDB_MANY_MAX + 4 };
    for (int i = 0; i < 2 * N; i++)
        fake_http_push_simple(f->srv, 200, JSON, "{\"Items\":[{}],\"Count\":1}");
    json_object *reqs[N], *resps[N];
    ddb_error errs[N];
    segment_reqs(reqs, N);
    ddb_client *c = ddb_client_new(&f->schema, &f->dconf);
    assert_int_equal(ddb_call_many(c, DDB_SCAN, reqs, N, 0, resps, errs), DDB_OK);
    for (int i = 0; i < N; i++)
        assert_int_equal(jget_int(resps[i], "Count", -1), 1);
    put_all(resps, N);
    size_t conns = fake_http_nconnections(f->srv);
    assert_true(conns >= 2 && conns <= DDB_MANY_MAX);
    assert_int_equal(ddb_call_many(c, DDB_SCAN, reqs, N, 0, resps, errs), DDB_OK);
    put_all(resps, N);
    assert_int_equal(fake_http_nrequests(f->srv), 2 * N);
    assert_true(fake_http_nconnections(f->srv) - conns < N);
    ddb_client_free(c);
    put_all(reqs, N);
}

static void test_retry_delay(void **state)
{
    fixture *f = *state;
    f->dconf.max_attempts = 3;
    f->dconf.base_backoff_ms = 10;
    ddb_client *c = ddb_client_new(&f->schema, &f->dconf);
    for (int i = 0; i < 50; i++) {
        int64_t d0 = ddb_client_retry_delay(c, 0), d1 = ddb_client_retry_delay(c, 1);
        assert_true(d0 >= 0 && d0 <= 10);
        assert_true(d1 >= 0 && d1 <= 20);
    }
    assert_int_equal(ddb_client_retry_delay(c, 2), -1); /* a 4th attempt: past max_attempts */
    assert_int_equal(ddb_client_retry_delay(c, -1), -1);
    ddb_client_free(c);
}

static void test_endpoint_and_names(void **state)
{
    fixture *f = *state;
    f->schema.endpoint = NULL;
    f->schema.region = "eu-west-1";
    ddb_client *c = ddb_client_new(&f->schema, &f->dconf);
    assert_string_equal(ddb_client_endpoint(c), "https://dynamodb.eu-west-1.amazonaws.com");
    ddb_client_free(c);
    snprintf(f->endpoint, sizeof f->endpoint, "http://127.0.0.1:4567/");
    f->schema.endpoint = f->endpoint;
    c = ddb_client_new(&f->schema, NULL);
    assert_string_equal(ddb_client_endpoint(c), "http://127.0.0.1:4567");
    ddb_client_free(c);
    assert_string_equal(ddb_status_name(DDB_ERR_THROTTLED), "throttled");
    assert_string_equal(ddb_status_name(DDB_ERR_NOT_FOUND), "not_found");
    assert_string_equal(ddb_op_name(DDB_BATCH_GET_ITEM), "BatchGetItem");
}

/* ---- a transport in place of HTTP ------------------------------------ */

typedef struct fake_transport {
    int calls;
    ddb_op ops[8];
    char bodies[8][128];
} fake_transport;

/* Answers by the request: a Scan echoes its Segment, DescribeTable of
 * "gone" is not found, "bad" gets a JSON array, "busy" a 500, "slow" a 429. */
static int answer(void *ctx, ddb_op op, json_object *req, const char *body, buf_t *resp)
{
    fake_transport *t = ctx;
    if (t->calls < 8) {
        t->ops[t->calls] = op;
        snprintf(t->bodies[t->calls], sizeof t->bodies[t->calls], "%s", body);
    }
    t->calls++;
    const char *table = jget_str(req, "TableName");
    if (op == DDB_SCAN) {
        buf_printf(resp, "{\"Items\":[{\"seg\":{\"N\":\"%d\"}}],\"Count\":1,\"ScannedCount\":3}",
                   (int)jget_int(req, "Segment", -1));
        return 200;
    }
    if (table && strcmp(table, "gone") == 0) {
        buf_puts(resp, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
                       "ResourceNotFoundException\",\"message\":\"Requested resource not found\"}");
        return 400;
    }
    if (table && strcmp(table, "bad") == 0) {
        buf_puts(resp, "[1]");
        return 200;
    }
    if (table && strcmp(table, "busy") == 0)
        return 500;
    if (table && strcmp(table, "slow") == 0)
        return 429;
    buf_puts(resp, "{\"Table\":{\"TableName\":\"t\"}}");
    return 200;
}

static ddb_status call_with(ddb_client *c, ddb_op op, const char *req_json, json_object **resp,
                            ddb_error *err)
{
    json_object *req = req_json ? json_tokener_parse(req_json) : NULL;
    ddb_status st = ddb_call(c, op, req, 0, resp, err);
    json_object_put(req);
    return st;
}

/* With a transport installed, calls never reach HTTP: the transport gets
 * the request's JSON text and its answer is judged like DynamoDB's, with
 * one attempt per call, traced as usual; removing it restores HTTP. */
static void test_transport(void **state)
{
    fixture *f = *state;
    ddb_client *c = ddb_client_new(&f->schema, &f->dconf);
    fake_transport t = {0};
    trace_log tl = {0};
    ddb_client_set_transport(c, answer, &t);
    ddb_client_set_trace(c, record, &tl);
    json_object *resp = NULL;
    ddb_error err;

    assert_int_equal(call_with(c, DDB_DESCRIBE_TABLE, "{\"TableName\":\"t\"}", &resp, &err),
                     DDB_OK);
    assert_string_equal(jget_str(jget_obj(resp, "Table"), "TableName"), "t");
    assert_int_equal(err.attempts, 1);
    json_object_put(resp);
    assert_int_equal(t.ops[0], DDB_DESCRIBE_TABLE);
    assert_string_equal(t.bodies[0], "{\"TableName\":\"t\"}");

    assert_int_equal(call_with(c, DDB_LIST_TABLES, NULL, &resp, &err), DDB_OK);
    json_object_put(resp);
    assert_string_equal(t.bodies[1], "{}");

    assert_int_equal(call_with(c, DDB_DESCRIBE_TABLE, "{\"TableName\":\"gone\"}", &resp, &err),
                     DDB_ERR_NOT_FOUND);
    assert_null(resp);
    assert_int_equal(err.http_status, 400);
    assert_string_equal(err.aws_type, "ResourceNotFoundException");
    assert_non_null(strstr(err.message, "Requested resource not found"));

    assert_int_equal(call_with(c, DDB_DESCRIBE_TABLE, "{\"TableName\":\"bad\"}", &resp, &err),
                     DDB_ERR_PROTOCOL);
    assert_null(resp);
    assert_non_null(strstr(err.message, "not a JSON object"));
    /* Not retried, whatever the status. */
    assert_int_equal(call_with(c, DDB_DESCRIBE_TABLE, "{\"TableName\":\"busy\"}", &resp, &err),
                     DDB_ERR_UNAVAILABLE);
    assert_int_equal(err.attempts, 1);
    assert_int_equal(call_with(c, DDB_DESCRIBE_TABLE, "{\"TableName\":\"slow\"}", &resp, &err),
                     DDB_ERR_THROTTLED);
    assert_int_equal(t.calls, 6);
    assert_int_equal(tl.events, 6);
    assert_int_equal(tl.status[2], DDB_ERR_NOT_FOUND);

    /* ddb_call_many: one exchange per request, each answer to its call. */
    json_object *reqs[3], *resps[3];
    ddb_error errs[3];
    segment_reqs(reqs, 3);
    memset(&tl, 0, sizeof tl); /* the log holds 8 events */
    assert_int_equal(ddb_call_many(c, DDB_SCAN, reqs, 3, 0, resps, errs), DDB_OK);
    for (int i = 0; i < 3; i++) {
        json_object *item = json_object_array_get_idx(jget_arr(resps[i], "Items"), 0);
        assert_string_equal(jget_str(jget_obj(item, "seg"), "N"), i == 0   ? "0"
                                                                  : i == 1 ? "1"
                                                                           : "2");
    }
    assert_int_equal(tl.events, 3);
    assert_int_equal(tl.ops[2], DDB_SCAN);
    assert_int_equal(tl.scanned[2], 3);
    assert_string_equal(tl.request[1], "{\"TableName\":\"t\",\"Segment\":1,\"TotalSegments\":3}");
    put_all(resps, 3);
    put_all(reqs, 3);
    assert_int_equal(fake_http_nrequests(f->srv), 0);

    /* Removed: back to HTTP. */
    ddb_client_set_transport(c, NULL, NULL);
    fake_http_push_simple(f->srv, 200, JSON, "{\"TableNames\":[]}");
    assert_int_equal(call_with(c, DDB_LIST_TABLES, NULL, &resp, &err), DDB_OK);
    json_object_put(resp);
    assert_int_equal(fake_http_nrequests(f->srv), 1);
    assert_int_equal(t.calls, 9);
    ddb_client_free(c);
}

/* ---- answers decoded by the caller ------------------------------------ */

typedef struct decoder_log {
    int calls;
    size_t index[8];
    char bodies[8][160];
} decoder_log;

/* A decoder: the summary says which request and how long the body was;
 * a body holding "bad" is refused with a message of its own. */
static json_object *decode_test(void *ctx, size_t index, const char *body, size_t len,
                                int64_t *items, char *err, size_t errlen)
{
    decoder_log *d = ctx;
    if (d->calls < 8) {
        d->index[d->calls] = index;
        snprintf(d->bodies[d->calls], sizeof d->bodies[0], "%.*s", (int)len, body);
    }
    d->calls++;
    if (strstr(body, "bad")) {
        snprintf(err, errlen, "DynamoDB's answer is not what the test decoder takes");
        return NULL;
    }
    json_object *sum = json_object_new_object();
    jset_int(sum, "index", (int64_t)index);
    jset_int(sum, "len", (int64_t)len);
    jset_int(sum, "Count", 5);
    jset_int(sum, "ScannedCount", 9);
    *items = 42;
    return sum;
}

/* A decoded call gets the raw body of a 2xx answer, once, after retries;
 * its summary is the response (and what the trace sees); a refusal fails
 * the call as a protocol error in the decoder's words, not retried; error
 * answers are judged as for ddb_call and never reach the decoder; over a
 * transport and through ddb_call_many_decoded alike. */
static void test_decoded_calls(void **state)
{
    fixture *f = *state;
    const char *page = "{\"Items\":[{\"k\":{\"S\":\"a\"}}],\"Count\":1}";
    fake_http_push_simple(f->srv, 400, JSON, PTEE);
    fake_http_push_simple(f->srv, 200, JSON, page);
    fake_http_push_simple(f->srv, 200, JSON, "{\"bad\":1}");
    fake_http_push_simple(f->srv, 400, JSON,
                          "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
                          "ResourceNotFoundException\",\"message\":\"no\"}");
    fake_http_push_simple(f->srv, 200, JSON, "{\"Responses\":{}}");
    ddb_client *c = ddb_client_new(&f->schema, &f->dconf);
    trace_log t = {0};
    decoder_log d = {0};
    ddb_client_set_trace(c, record, &t);
    json_object *req = json_tokener_parse("{\"TableName\":\"t\"}"), *sum = NULL;
    ddb_error err;

    assert_int_equal(ddb_call_decoded(c, DDB_SCAN, req, 0, decode_test, &d, &sum, &err), DDB_OK);
    assert_int_equal(err.attempts, 2);
    assert_int_equal(d.calls, 1);
    assert_string_equal(d.bodies[0], page);
    assert_int_equal(jget_int(sum, "len", -1), (int64_t)strlen(page));
    json_object_put(sum);
    assert_int_equal(t.items[0], 5); /* a Scan's Count, from the summary */
    assert_int_equal(t.scanned[0], 9);

    assert_int_equal(ddb_call_decoded(c, DDB_SCAN, req, 0, decode_test, &d, &sum, &err),
                     DDB_ERR_PROTOCOL);
    assert_null(sum);
    assert_string_equal(err.message, "DynamoDB's answer is not what the test decoder takes");
    assert_int_equal(err.attempts, 1);
    assert_int_equal(err.http_status, 200);
    assert_int_equal(t.status[1], DDB_ERR_PROTOCOL);

    assert_int_equal(ddb_call_decoded(c, DDB_SCAN, req, 0, decode_test, &d, &sum, &err),
                     DDB_ERR_NOT_FOUND);
    assert_null(sum);
    assert_int_equal(d.calls, 2); /* not given to the decoder */

    assert_int_equal(ddb_call_decoded(c, DDB_BATCH_GET_ITEM, req, 0, decode_test, &d, &sum, &err),
                     DDB_OK);
    json_object_put(sum);
    assert_int_equal(t.items[3], 42); /* what the decoder counted */
    assert_int_equal(fake_http_nrequests(f->srv), 5);

    /* several at once: each body to its own index */
    for (int i = 0; i < 3; i++) {
        char body[64];
        snprintf(body, sizeof body, "{\"Items\":[],\"pad\":\"%.*s\"}", i * 10,
                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        fake_http_push_simple(f->srv, 200, JSON, body);
    }
    json_object *reqs[3], *sums[3];
    ddb_error errs[3];
    segment_reqs(reqs, 3);
    memset(&d, 0, sizeof d);
    assert_int_equal(ddb_call_many_decoded(c, DDB_SCAN, reqs, 3, 0, decode_test, &d, sums, errs),
                     DDB_OK);
    assert_int_equal(d.calls, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(jget_int(sums[i], "index", -1), i);
        /* the body the decoder saw for index i is the answer to request i */
        for (int k = 0; k < 3; k++)
            if (d.index[k] == (size_t)i)
                assert_int_equal(jget_int(sums[i], "len", -1), (int64_t)strlen(d.bodies[k]));
    }
    put_all(sums, 3);

    /* NULL decoder: ddb_call as ever */
    fake_http_push_simple(f->srv, 200, JSON, page);
    assert_int_equal(ddb_call_decoded(c, DDB_SCAN, req, 0, NULL, NULL, &sum, &err), DDB_OK);
    assert_int_equal(json_object_array_length(jget_arr(sum, "Items")), 1);
    json_object_put(sum);

    /* over a transport */
    fake_transport ft = {0};
    ddb_client_set_transport(c, answer, &ft);
    memset(&d, 0, sizeof d);
    assert_int_equal(ddb_call_many_decoded(c, DDB_SCAN, reqs, 3, 0, decode_test, &d, sums, errs),
                     DDB_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(d.index[i], (size_t)i);
        char want[96];
        snprintf(want, sizeof want,
                 "{\"Items\":[{\"seg\":{\"N\":\"%d\"}}],\"Count\":1,\"ScannedCount\":3}", i);
        assert_string_equal(d.bodies[i], want);
    }
    put_all(sums, 3);
    /* an error answer over the transport never reaches the decoder */
    json_object *gone = json_tokener_parse("{\"TableName\":\"gone\"}");
    assert_int_equal(ddb_call_decoded(c, DDB_DESCRIBE_TABLE, gone, 0, decode_test, &d, &sum, &err),
                     DDB_ERR_NOT_FOUND);
    assert_int_equal(d.calls, 3);
    json_object_put(gone);
    put_all(reqs, 3);
    json_object_put(req);
    ddb_client_free(c);
}

/* ---- the real thing: dynalite --------------------------------------- */

static void test_dynalite(void **state)
{
    fixture *f = *state;
    dynalite *d = dynalite_start();
    if (!d) {
        print_message("SKIP test_dynalite: node is not installed\n");
        skip();
    }
    snprintf(f->endpoint, sizeof f->endpoint, "%s", dynalite_url(d));
    f->schema.session_token = TOKEN;
    ddb_client *c = ddb_client_new(&f->schema, &f->dconf);
    json_object *resp = NULL;
    ddb_error err;
    ddb_status st = ddb_call(c, DDB_LIST_TABLES, NULL, 0, &resp, &err);
    if (st != DDB_OK)
        fail_msg("ListTables: %s: %s", ddb_status_name(st), err.message);
    assert_non_null(jget_arr(resp, "TableNames"));
    json_object_put(resp);

    json_object *req = json_tokener_parse("{\"TableName\":\"no_such_table\"}");
    st = ddb_call(c, DDB_DESCRIBE_TABLE, req, 0, &resp, &err);
    json_object_put(req);
    assert_int_equal(st, DDB_ERR_NOT_FOUND);
    assert_string_equal(err.aws_type, "ResourceNotFoundException");
    assert_int_equal(err.http_status, 400);
    assert_int_equal(err.attempts, 1);
    assert_non_null(strstr(err.message, "table not found"));

    /* Parallel calls against the real thing. */
    dynalite_create_table(d, "{\"TableName\":\"tbl\",\"AttributeDefinitions\":[{\"AttributeName\":"
                             "\"k\",\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":"
                             "\"k\",\"KeyType\":\"HASH\"}],\"ProvisionedThroughput\":{"
                             "\"ReadCapacityUnits\":1,\"WriteCapacityUnits\":1}}");
    dynalite_put_items(d, "tbl",
                       "[{\"k\":{\"S\":\"a\"}},{\"k\":{\"S\":\"b\"}},{\"k\":{\"S\":"
                       "\"c\"}}]");
    json_object *reqs[4], *resps[4];
    ddb_error errs[4];
    for (int i = 0; i < 4; i++) {
        char text[96];
        snprintf(text, sizeof text, "{\"TableName\":\"tbl\",\"Segment\":%d,\"TotalSegments\":4}",
                 i);
        reqs[i] = json_tokener_parse(text);
    }
    assert_int_equal(ddb_call_many(c, DDB_SCAN, reqs, 4, 0, resps, errs), DDB_OK);
    int64_t total = 0;
    for (int i = 0; i < 4; i++)
        total += jget_int(resps[i], "Count", -100);
    assert_int_equal(total, 3);
    put_all(resps, 4);
    put_all(reqs, 4);
    ddb_client_free(c);
    dynalite_stop(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_signed_request_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signed_with_session_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_op_has_its_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejects_other_operations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_throttled_then_success, setup, teardown),
        cmocka_unit_test_setup_teardown(test_throttled_gives_up_after_attempts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_throttled_gives_up_after_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_errors_are_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hangup_is_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slow_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connection_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_never_answers_times_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deadline_already_passed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_mapping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expired_token_refreshes_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_credentials_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trace_hook, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_many_runs_concurrently, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_many_retries_each_call, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_many_one_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_many_throttled_and_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_many_more_than_handles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_delay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_endpoint_and_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transport, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decoded_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dynalite, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

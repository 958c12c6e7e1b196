#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/base/json_util.h"
#include "core/base/timeutil.h"
#include "sql/ddb_guard.h"
#include "tests/unit/support/ddb_capture.h"
#include "tests/unit/support/fake_http.h"

#define JSON_CT "application/x-amz-json-1.0"

typedef ddb_fake fx;

static int setup(void **state)
{
    *state = ddb_fake_new(1);
    return 0;
}

static int teardown(void **state)
{
    ddb_fake_free(*state);
    return 0;
}

static json_object *scan_req(void)
{
    return json_tokener_parse("{\"TableName\":\"tbl\"}");
}

/* A call's answer is returned; after it the cost guard decides. */
static void test_call_then_cost_guard(void **state)
{
    fx *x = *state;
    fake_http_push_simple(x->f, 200, JSON_CT, "{\"Items\":[],\"Count\":0,\"ScannedCount\":4}");
    fake_http_push_simple(x->f, 200, JSON_CT, "{\"Items\":[],\"Count\":0,\"ScannedCount\":4}");
    x->ctx.limits.max_items_read = 5;
    json_object *req = scan_req(), *resp = NULL;
    assert_true(ddb_guarded_call(&x->ctx, x->c, DDB_SCAN, req, &resp));
    assert_int_equal(jget_int(resp, "ScannedCount", -1), 4);
    json_object_put(resp);
    assert_false(ddb_guarded_call(&x->ctx, x->c, DDB_SCAN, req, &resp));
    assert_null(resp);
    assert_int_equal(x->ctx.err_kind, EXEC_ERR_BUDGET);
    assert_int_equal(x->ctx.stats.items_read, 8);
    assert_int_equal(x->ctx.stats.calls[DDB_SCAN], 2);
    json_object_put(req);
}

/* [sql] max_capacity_units: the read capacity DynamoDB reports consuming
 * (ConsumedCapacity) is summed, and the query stops once past it, even
 * with items to spare. */
static void test_capacity_guard(void **state)
{
    fx *x = *state;
    static const char page[] =
        "{\"Items\":[],\"Count\":0,\"ScannedCount\":1,"
        "\"ConsumedCapacity\":{\"TableName\":\"tbl\",\"CapacityUnits\":2.5}}";
    fake_http_push_simple(x->f, 200, JSON_CT, page);
    fake_http_push_simple(x->f, 200, JSON_CT, page);
    x->ctx.limits.max_items_read = 1000;
    x->ctx.limits.max_capacity = 4.0;
    json_object *req = scan_req(), *resp = NULL;
    assert_true(ddb_guarded_call(&x->ctx, x->c, DDB_SCAN, req, &resp));
    json_object_put(resp);
    assert_false(ddb_guarded_call(&x->ctx, x->c, DDB_SCAN, req, &resp));
    assert_null(resp);
    assert_int_equal(x->ctx.err_kind, EXEC_ERR_BUDGET);
    assert_true(x->ctx.stats.capacity_units == 5.0);
    assert_non_null(strstr(x->ctx.err.message,
                           "the query consumed 5.0 read capacity units, past its budget of 4.0"));
    json_object_put(req);
}

/* A failed call is the query's error, in the client's words. */
static void test_failure_message(void **state)
{
    fx *x = *state;
    fake_http_push_simple(x->f, 400, JSON_CT,
                          "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
                          "ResourceNotFoundException\",\"message\":\"Requested resource not "
                          "found\"}");
    json_object *req = scan_req(), *resp = NULL;
    assert_false(ddb_guarded_call(&x->ctx, x->c, DDB_SCAN, req, &resp));
    assert_null(resp);
    assert_int_equal(x->ctx.err_kind, EXEC_ERR_DYNAMODB);
    assert_string_equal(x->ctx.err.message,
                        "table not found (ResourceNotFoundException: Requested resource not "
                        "found): check the name (table names are case-sensitive) and the "
                        "schema's region");
    assert_int_equal(x->ctx.err.line, 0);
    json_object_put(req);
}

/* The query's own deadline cutting a call short is a timeout of the
 * query, not a DynamoDB failure. */
static void test_query_deadline(void **state)
{
    fx *x = *state;
    fake_http_push_hang(x->f);
    x->ctx.limits.deadline_ms = mono_ms() + 300;
    json_object *req = scan_req(), *resp = NULL;
    assert_false(ddb_guarded_call(&x->ctx, x->c, DDB_SCAN, req, &resp));
    assert_int_equal(x->ctx.err_kind, EXEC_ERR_TIMEOUT);
    assert_non_null(strstr(x->ctx.err.message, "ran past its time limit"));
    json_object_put(req);
}

static void test_many(void **state)
{
    fx *x = *state;
    json_object *reqs[2] = {scan_req(), scan_req()}, *resps[2];
    fake_http_push_simple(x->f, 200, JSON_CT, "{\"Count\":0,\"ScannedCount\":3}");
    fake_http_push_simple(x->f, 200, JSON_CT, "{\"Count\":0,\"ScannedCount\":3}");
    assert_true(ddb_guarded_call_many(&x->ctx, x->c, DDB_SCAN, reqs, 2, resps));
    assert_non_null(resps[0]);
    assert_non_null(resps[1]);
    json_object_put(resps[0]);
    json_object_put(resps[1]);

    /* one fails: every answer is dropped, the failure is the error */
    fake_http_push_simple(x->f, 200, JSON_CT, "{\"Count\":0}");
    fake_http_push_simple(x->f, 400, JSON_CT,
                          "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ValidationException\","
                          "\"message\":\"bad segment\"}");
    assert_false(ddb_guarded_call_many(&x->ctx, x->c, DDB_SCAN, reqs, 2, resps));
    assert_null(resps[0]);
    assert_null(resps[1]);
    assert_int_equal(x->ctx.err_kind, EXEC_ERR_DYNAMODB);
    assert_non_null(strstr(x->ctx.err.message, "ValidationException: bad segment"));

    /* all succeed but the budget is gone */
    exec_ctx_init(&x->ctx, NULL, 0);
    x->ctx.limits.max_items_read = 5;
    fake_http_push_simple(x->f, 200, JSON_CT, "{\"Count\":0,\"ScannedCount\":3}");
    fake_http_push_simple(x->f, 200, JSON_CT, "{\"Count\":0,\"ScannedCount\":3}");
    assert_false(ddb_guarded_call_many(&x->ctx, x->c, DDB_SCAN, reqs, 2, resps));
    assert_null(resps[0]);
    assert_null(resps[1]);
    assert_int_equal(x->ctx.err_kind, EXEC_ERR_BUDGET);
    json_object_put(reqs[0]);
    json_object_put(reqs[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_call_then_cost_guard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_capacity_guard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failure_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_query_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

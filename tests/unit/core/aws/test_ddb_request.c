#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/aws/creds_sources.h"
#include "core/aws/ddb_request.h"
#include "core/base/json_util.h"
#include "tests/unit/support/fake_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
    fake_http *srv;
    CURL *h;
    aws_creds creds;
    char url[64];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    ddb_global_init();
    f->srv = fake_http_start();
    f->h = curl_easy_init();
    aws_creds_set(&f->creds, "AKIDREQ", "reqsecret", NULL, 0, "static");
    snprintf(f->url, sizeof f->url, "%s/", fake_http_url(f->srv));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    curl_easy_cleanup(f->h);
    fake_http_stop(f->srv);
    aws_creds_clear(&f->creds);
    free(f);
    return 0;
}

static void test_targets(void **state)
{
    (void)state;
    assert_string_equal(ddb_target(DDB_LIST_TABLES), "DynamoDB_20120810.ListTables");
    assert_string_equal(ddb_target(DDB_BATCH_GET_ITEM), "DynamoDB_20120810.BatchGetItem");
    assert_null(ddb_target((ddb_op)6));
    assert_null(ddb_target((ddb_op)-1));
    assert_null(ddb_target((ddb_op)1000));
}

static void test_parse_error(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        const char *type;
        const char *msg;
    } cases[] = {
        {"{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\","
         "\"message\":\"Requested resource not found\"}",
         "ResourceNotFoundException", "Requested resource not found"},
        {"{\"__type\":\"com.amazon.coral.service#AccessDeniedException\",\"Message\":\"M\"}",
         "AccessDeniedException", "M"},
        {"{\"__type\":\"ThrottlingException\"}", "ThrottlingException", ""},
        {"{\"__type\":\"SerializationException:http://internal.amazon.com/coral/\"}",
         "SerializationException", ""},
        {"<html>502 Bad Gateway</html>", "", ""},
        {"", "", ""},
        {"{\"__type\":7,\"message\":[1]}", "", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char type[96], msg[128];
        ddb_parse_error(cases[i].body, strlen(cases[i].body), type, sizeof type, msg, sizeof msg);
        if (strcmp(type, cases[i].type) != 0 || strcmp(msg, cases[i].msg) != 0)
            fail_msg("case %zu: '%s' '%s'", i, type, msg);
    }
    /* Long values are cut to the buffers. */
    char type[8], msg[8];
    const char *b = "{\"__type\":\"a#VeryLongTypeName\",\"message\":\"a long message\"}";
    ddb_parse_error(b, strlen(b), type, sizeof type, msg, sizeof msg);
    assert_string_equal(type, "VeryLon");
    assert_string_equal(msg, "a long ");
}

static ddb_xfer_opts opts(fixture *f, const char *body)
{
    return (ddb_xfer_opts){
        .url = f->url,
        .region = "us-west-2",
        .creds = &f->creds,
        .body = body,
        .connect_timeout_ms = 500,
        .timeout_ms = 5000,
    };
}

static void test_prepare_then_perform(void **state)
{
    fixture *f = *state;
    ddb_xfer x;
    ddb_xfer_opts o = opts(f, "{\"TableName\":\"t\"}");
    assert_false(ddb_xfer_prepare(&x, f->h, (ddb_op)99, &o));

    /* The same steps a multi-based executor takes, driven by hand. */
    fake_http_push_simple(f->srv, 200, "application/x-amz-json-1.0", "{\"Count\":3}");
    assert_true(ddb_xfer_prepare(&x, f->h, DDB_SCAN, &o));
    ddb_xfer *priv = NULL;
    curl_easy_getinfo(f->h, CURLINFO_PRIVATE, (char **)&priv);
    assert_ptr_equal(priv, &x);
    CURLcode rc = curl_easy_perform(f->h);
    json_object *resp = NULL;
    ddb_error err = {.attempts = 1};
    assert_int_equal(ddb_xfer_finish(&x, f->h, rc, "E", false, &resp, &err), DDB_FATE_OK);
    assert_int_equal(jget_int(resp, "Count", 0), 3);
    assert_int_equal(err.attempts, 1);
    assert_int_equal(err.http_status, 200);
    json_object_put(resp);
    ddb_xfer_release(&x);
    const fake_http_req *r = fake_http_request(f->srv, 0);
    assert_string_equal(fake_http_header_get(r, "X-Amz-Target"), "DynamoDB_20120810.Scan");
    assert_non_null(
        strstr(fake_http_header_get(r, "Authorization"), "/us-west-2/dynamodb/aws4_request"));
    assert_string_equal(r->body, "{\"TableName\":\"t\"}");
}

static void test_judgements(void **state)
{
    fixture *f = *state;
    static const struct {
        int http;
        const char *body;
        bool temp;
        ddb_fate fate;
        ddb_status st;
    } cases[] = {
        {400, "{\"__type\":\"x#ProvisionedThroughputExceededException\"}", false,
         DDB_FATE_THROTTLED, DDB_ERR_THROTTLED},
        {400, "{\"__type\":\"x#RequestLimitExceeded\"}", false, DDB_FATE_THROTTLED,
         DDB_ERR_THROTTLED},
        {429, "", false, DDB_FATE_THROTTLED, DDB_ERR_THROTTLED},
        {500, "{\"__type\":\"x#InternalServerError\"}", false, DDB_FATE_SERVER,
         DDB_ERR_UNAVAILABLE},
        {502, "<html/>", false, DDB_FATE_SERVER, DDB_ERR_UNAVAILABLE},
        {400, "{\"__type\":\"x#ExpiredTokenException\"}", true, DDB_FATE_REFRESH_CREDS,
         DDB_ERR_CREDENTIALS},
        {400, "{\"__type\":\"x#UnrecognizedClientException\"}", true, DDB_FATE_REFRESH_CREDS,
         DDB_ERR_CREDENTIALS},
        {400, "{\"__type\":\"x#UnrecognizedClientException\"}", false, DDB_FATE_FAIL,
         DDB_ERR_CREDENTIALS},
        {400, "{\"__type\":\"x#MissingAuthenticationTokenException\"}", false, DDB_FATE_FAIL,
         DDB_ERR_CREDENTIALS},
        {403, "", false, DDB_FATE_FAIL, DDB_ERR_ACCESS},
        {400, "{\"__type\":\"x#ResourceNotFoundException\"}", false, DDB_FATE_FAIL,
         DDB_ERR_NOT_FOUND},
        {400, "{\"__type\":\"x#ValidationException\"}", false, DDB_FATE_FAIL, DDB_ERR_VALIDATION},
        {200, "{\"a\":", false, DDB_FATE_FAIL, DDB_ERR_PROTOCOL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fake_http_push_simple(f->srv, cases[i].http, "application/x-amz-json-1.0", cases[i].body);
        ddb_xfer x;
        ddb_xfer_opts o = opts(f, "{}");
        assert_true(ddb_xfer_prepare(&x, f->h, DDB_QUERY, &o));
        CURLcode rc = curl_easy_perform(f->h);
        json_object *resp = NULL;
        ddb_error err = {0};
        ddb_fate fate = ddb_xfer_finish(&x, f->h, rc, "E", cases[i].temp, &resp, &err);
        ddb_xfer_release(&x);
        if (fate != cases[i].fate || err.status != cases[i].st || !err.message[0])
            fail_msg("case %zu: fate %d status %d '%s'", i, fate, err.status, err.message);
        assert_null(resp);
        assert_int_equal(err.http_status, cases[i].http);
    }
}

static void test_response_too_large(void **state)
{
    fixture *f = *state;
    size_t n = DDB_MAX_RESPONSE + 1;
    char *big = malloc(n + 1);
    memset(big, ' ', n);
    big[n] = '\0';
    fake_http_push_simple(f->srv, 200, "application/x-amz-json-1.0", big);
    free(big);
    ddb_xfer x;
    ddb_xfer_opts o = opts(f, "{}");
    assert_true(ddb_xfer_prepare(&x, f->h, DDB_SCAN, &o));
    CURLcode rc = curl_easy_perform(f->h);
    json_object *resp = NULL;
    ddb_error err = {0};
    assert_int_equal(ddb_xfer_finish(&x, f->h, rc, "E", false, &resp, &err), DDB_FATE_FAIL);
    ddb_xfer_release(&x);
    assert_int_equal(err.status, DDB_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "larger than 16 MiB"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_targets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prepare_then_perform, setup, teardown),
        cmocka_unit_test_setup_teardown(test_judgements, setup, teardown),
        cmocka_unit_test_setup_teardown(test_response_too_large, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

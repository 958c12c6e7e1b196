#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/aws/aws_http.h"
#include "core/aws/creds_sources.h"
#include "tests/unit/support/fake_http.h"
#include "tests/unit/support/sigv4_check.h"

#include <stdio.h>
#include <string.h>

static int setup(void **state)
{
    *state = fake_http_start();
    return 0;
}

static int teardown(void **state)
{
    fake_http_stop(*state);
    return 0;
}

static aws_http_req base_req(const char *url)
{
    return (aws_http_req){
        .method = "GET",
        .url = url,
        .connect_timeout_ms = 500,
        .timeout_ms = 2000,
        .max_response = 4096,
    };
}

static void test_get_with_headers(void **state)
{
    fake_http *srv = *state;
    fake_http_push_simple(srv, 404, "text/plain", "nothing here");
    char url[128];
    snprintf(url, sizeof url, "%s/a/b?c=d", fake_http_url(srv));
    const char *headers[] = {"X-One: 1", "X-Two: two", NULL};
    aws_http_req req = base_req(url);
    req.headers = headers;
    aws_http_resp resp;
    assert_true(aws_http_perform(&req, &resp));
    assert_int_equal(resp.status, 404);
    assert_string_equal(buf_cstr(&resp.body), "nothing here");
    aws_http_resp_free(&resp);
    const fake_http_req *r = fake_http_request(srv, 0);
    assert_string_equal(r->method, "GET");
    assert_string_equal(r->path, "/a/b?c=d");
    assert_string_equal(fake_http_header_get(r, "X-One"), "1");
    assert_string_equal(fake_http_header_get(r, "X-Two"), "two");
    assert_null(fake_http_header_get(r, "Authorization"));
}

static void test_put_and_post_bodies(void **state)
{
    fake_http *srv = *state;
    fake_http_push_simple(srv, 200, "text/plain", "t");
    fake_http_push_simple(srv, 200, "text/plain", "p");
    aws_http_req req = base_req(fake_http_url(srv));
    req.method = "PUT";
    aws_http_resp resp;
    assert_true(aws_http_perform(&req, &resp));
    aws_http_resp_free(&resp);
    req.method = "POST";
    req.body = "a=1&b=2";
    assert_true(aws_http_perform(&req, &resp));
    assert_string_equal(buf_cstr(&resp.body), "p");
    aws_http_resp_free(&resp);
    assert_string_equal(fake_http_request(srv, 0)->method, "PUT");
    assert_int_equal(fake_http_request(srv, 0)->body_len, 0);
    assert_string_equal(fake_http_request(srv, 1)->method, "POST");
    assert_string_equal(fake_http_request(srv, 1)->body, "a=1&b=2");
}

static void test_signed(void **state)
{
    fake_http *srv = *state;
    aws_creds creds = {0};
    aws_creds_set(&creds, "AKIDSIGN", "signsecret", "signtoken", 0, "static");
    for (int with_token = 1; with_token >= 0; with_token--) {
        fake_http_push_simple(srv, 200, "text/xml", "<ok/>");
        aws_http_req req = base_req(fake_http_url(srv));
        req.method = "POST";
        req.body = "Action=GetCallerIdentity&Version=2011-06-15";
        req.sigv4 = "aws:amz:ap-south-1:sts";
        req.creds = &creds;
        aws_http_resp resp;
        assert_true(aws_http_perform(&req, &resp));
        aws_http_resp_free(&resp);
        const fake_http_req *r = fake_http_request(srv, fake_http_nrequests(srv) - 1);
        char why[256];
        if (!sigv4_check(r, "signsecret", "ap-south-1", "sts", why, sizeof why))
            fail_msg("%s", why);
        if (with_token)
            assert_string_equal(fake_http_header_get(r, "X-Amz-Security-Token"), "signtoken");
        else
            assert_null(fake_http_header_get(r, "X-Amz-Security-Token"));
        aws_creds_set(&creds, "AKIDSIGN", "signsecret", NULL, 0, "static");
    }
    aws_creds_clear(&creds);
}

static void test_response_cap(void **state)
{
    fake_http *srv = *state;
    fake_http_push_simple(srv, 200, "text/plain", "0123456789abcdef");
    aws_http_req req = base_req(fake_http_url(srv));
    req.max_response = 10;
    aws_http_resp resp;
    assert_false(aws_http_perform(&req, &resp));
    assert_int_equal(resp.status, 0);
    assert_string_equal(resp.error, "the answer is larger than 10 bytes");
    assert_true(resp.body.len <= 10);
    aws_http_resp_free(&resp);
}

static void test_transport_errors(void **state)
{
    fake_http *srv = *state;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", fake_http_free_port());
    aws_http_req req = base_req(url);
    aws_http_resp resp;
    assert_false(aws_http_perform(&req, &resp));
    assert_int_equal(resp.code, CURLE_COULDNT_CONNECT);
    assert_string_equal(resp.error, "Connection refused");
    aws_http_resp_free(&resp);

    fake_http_push_hang(srv);
    req = base_req(fake_http_url(srv));
    req.timeout_ms = 100;
    assert_false(aws_http_perform(&req, &resp));
    assert_int_equal(resp.code, CURLE_OPERATION_TIMEDOUT);
    assert_memory_equal(resp.error, "timed out", 9);
    aws_http_resp_free(&resp);

    fake_http_push_close(srv);
    assert_false(aws_http_perform(&req, &resp));
    assert_string_equal(resp.error, "the server closed the connection without answering");
    aws_http_resp_free(&resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_with_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_and_post_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_response_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transport_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

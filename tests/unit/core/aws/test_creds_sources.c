#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/aws/creds_sources.h"
#include "core/base/timeutil.h"
#include "tests/unit/support/aws_test_env.h"
#include "tests/unit/support/fake_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DOC                                                                                        \
    "{\"Code\":\"Success\",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"ASIAMETA\","                    \
    "\"SecretAccessKey\":\"metasecret\",\"Token\":\"metatoken\","                                  \
    "\"Expiration\":\"2099-01-02T03:04:05Z\"}"

static char why[512];

static int setup(void **state)
{
    aws_test_env_isolate();
    *state = fake_http_start();
    return 0;
}

static int teardown(void **state)
{
    fake_http_stop(*state);
    return 0;
}

static void assert_meta_creds(const aws_creds *c, const char *source)
{
    assert_string_equal(c->access_key_id, "ASIAMETA");
    assert_string_equal(c->secret_access_key, "metasecret");
    assert_string_equal(c->session_token, "metatoken");
    int64_t exp;
    assert_true(iso8601_parse("2099-01-02T03:04:05Z", &exp));
    assert_int_equal(c->expires_ms, exp);
    assert_string_equal(c->source, source);
}

static void test_creds_values(void **state)
{
    (void)state;
    aws_creds c = {0};
    aws_creds_set(&c, "A", "S", "", 0, "static");
    assert_null(c.session_token); /* an empty token is no token */
    assert_true(aws_creds_fresh(&c, 300000));
    aws_creds d = {0};
    aws_creds_copy(&d, &c);
    assert_string_equal(d.access_key_id, "A");
    assert_ptr_not_equal(d.access_key_id, c.access_key_id);
    aws_creds_set(&c, "B", "T", "tok", wall_ms() + 60000, "ecs");
    assert_string_equal(c.access_key_id, "B");
    assert_true(aws_creds_fresh(&c, 1000));
    assert_false(aws_creds_fresh(&c, 300000)); /* expires within five minutes */
    aws_creds_clear(&c);
    assert_null(c.access_key_id);
    assert_false(aws_creds_fresh(&c, 0));
    aws_creds_clear(&d);
}

static void test_env(void **state)
{
    (void)state;
    aws_creds c = {0};
    assert_int_equal(creds_from_env(&c, why, sizeof why), SRC_ABSENT);
    assert_string_equal(why, "AWS_ACCESS_KEY_ID not set");
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    assert_int_equal(creds_from_env(&c, why, sizeof why), SRC_FAILED);
    assert_string_equal(why, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
    assert_int_equal(creds_from_env(&c, why, sizeof why), SRC_OK);
    assert_string_equal(c.access_key_id, "AKIAENV");
    assert_string_equal(c.secret_access_key, "envsecret");
    assert_null(c.session_token);
    assert_int_equal(c.expires_ms, 0);
    assert_string_equal(c.source, "env");
    setenv("AWS_SESSION_TOKEN", "envtoken", 1);
    assert_int_equal(creds_from_env(&c, why, sizeof why), SRC_OK);
    assert_string_equal(c.session_token, "envtoken");
    aws_creds_clear(&c);
}

static void test_parse_json(void **state)
{
    (void)state;
    aws_creds c = {0};
    assert_true(creds_parse_json(DOC, strlen(DOC), "imds", &c, why, sizeof why));
    assert_meta_creds(&c, "imds");
    static const struct {
        const char *doc;
        const char *words;
    } bad[] = {
        {"not json", "not JSON"},
        {"[]", "not a JSON object"},
        {"{\"Code\":\"Failure\",\"AccessKeyId\":\"a\",\"SecretAccessKey\":\"b\"}", "Code=Failure"},
        {"{\"AccessKeyId\":\"a\"}", "no AccessKeyId/SecretAccessKey"},
        {"{\"AccessKeyId\":\"\",\"SecretAccessKey\":\"b\"}", "no AccessKeyId/SecretAccessKey"},
        {"{\"AccessKeyId\":\"a\",\"SecretAccessKey\":\"b\",\"Expiration\":\"soon\"}",
         "Expiration 'soon' is not a timestamp"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = '\0';
        assert_false(creds_parse_json(bad[i].doc, strlen(bad[i].doc), "ecs", &c, why, sizeof why));
        if (!strstr(why, bad[i].words))
            fail_msg("case %zu: '%s'", i, why);
        assert_null(strstr(why, "metasecret"));
    }
    /* A failed parse leaves earlier credentials alone. */
    assert_string_equal(c.access_key_id, "ASIAMETA");
    aws_creds_clear(&c);
}

static void test_ecs_not_configured(void **state)
{
    (void)state;
    aws_creds c = {0};
    assert_int_equal(creds_from_ecs(ECS_CREDS_BASE, &c, why, sizeof why), SRC_ABSENT);
    assert_string_equal(why, "not configured");
    assert_null(c.access_key_id);
}

static void test_ecs_relative_uri(void **state)
{
    fake_http *srv = *state;
    fake_http_push_simple(srv, 200, "application/json", DOC);
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc-123", 1);
    /* The token is only for FULL_URI endpoints. */
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "tok", 1);
    aws_creds c = {0};
    assert_int_equal(creds_from_ecs(fake_http_url(srv), &c, why, sizeof why), SRC_OK);
    assert_meta_creds(&c, "ecs");
    const fake_http_req *r = fake_http_request(srv, 0);
    assert_string_equal(r->method, "GET");
    assert_string_equal(r->path, "/v2/credentials/abc-123");
    assert_null(fake_http_header_get(r, "Authorization"));
    aws_creds_clear(&c);

    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "v2/x", 1);
    assert_int_equal(creds_from_ecs(fake_http_url(srv), &c, why, sizeof why), SRC_FAILED);
    assert_non_null(strstr(why, "must start with '/'"));
}

static void test_ecs_full_uri_with_token(void **state)
{
    fake_http *srv = *state;
    char uri[128];
    snprintf(uri, sizeof uri, "%s/creds?id=1", fake_http_url(srv));
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri, 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic abcdef", 1);
    fake_http_push_simple(srv, 200, "application/json", DOC);
    aws_creds c = {0};
    assert_int_equal(creds_from_ecs(ECS_CREDS_BASE, &c, why, sizeof why), SRC_OK);
    assert_meta_creds(&c, "ecs");
    assert_string_equal(fake_http_request(srv, 0)->path, "/creds?id=1");
    assert_string_equal(fake_http_header_get(fake_http_request(srv, 0), "Authorization"),
                        "Basic abcdef");
    aws_creds_clear(&c);

    /* The token file wins over the variable; its trailing newline goes. */
    char *path = aws_test_temp_file("from-file-token\n");
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", path, 1);
    fake_http_push_simple(srv, 200, "application/json", DOC);
    assert_int_equal(creds_from_ecs(ECS_CREDS_BASE, &c, why, sizeof why), SRC_OK);
    assert_string_equal(fake_http_header_get(fake_http_request(srv, 1), "Authorization"),
                        "from-file-token");
    aws_creds_clear(&c);
    unlink(path);
    assert_int_equal(creds_from_ecs(ECS_CREDS_BASE, &c, why, sizeof why), SRC_FAILED);
    assert_non_null(strstr(why, "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"));
    free(path);
    unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");

    /* A token cannot smuggle a header. */
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "a\r\nX-Evil: 1", 1);
    assert_int_equal(creds_from_ecs(ECS_CREDS_BASE, &c, why, sizeof why), SRC_FAILED);
    assert_non_null(strstr(why, "line break"));
    assert_int_equal(fake_http_nrequests(srv), 2);
}

static void test_ecs_full_uri_rules(void **state)
{
    fake_http *srv = *state;
    aws_creds c = {0};
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://203.0.113.9/creds", 1);
    assert_int_equal(creds_from_ecs(ECS_CREDS_BASE, &c, why, sizeof why), SRC_FAILED);
    assert_non_null(strstr(why, "host '203.0.113.9' is not allowed over http"));
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "ftp://127.0.0.1/creds", 1);
    assert_int_equal(creds_from_ecs(ECS_CREDS_BASE, &c, why, sizeof why), SRC_FAILED);
    assert_non_null(strstr(why, "must be http or https"));

    /* The endpoint answering an error, or not at all. */
    char uri[128];
    snprintf(uri, sizeof uri, "%s/creds", fake_http_url(srv));
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri, 1);
    fake_http_push_simple(srv, 403, "text/plain", "denied");
    assert_int_equal(creds_from_ecs(ECS_CREDS_BASE, &c, why, sizeof why), SRC_FAILED);
    assert_non_null(strstr(why, "answered HTTP 403"));
    snprintf(uri, sizeof uri, "http://127.0.0.1:%d/creds", fake_http_free_port());
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri, 1);
    assert_int_equal(creds_from_ecs(ECS_CREDS_BASE, &c, why, sizeof why), SRC_FAILED);
    assert_non_null(strstr(why, "unreachable: Connection refused"));
    assert_null(c.access_key_id);
}

static void test_imds_v2_flow(void **state)
{
    fake_http *srv = *state;
    char ep[128];
    snprintf(ep, sizeof ep, "%s/", fake_http_url(srv)); /* a trailing slash is fine */
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", ep, 1);
    unsetenv("AWS_EC2_METADATA_DISABLED");
    fake_http_push_simple(srv, 200, "text/plain", "IMDSTOKEN123");
    fake_http_push_simple(srv, 200, "text/plain", "my-role\n");
    fake_http_push_simple(srv, 200, "text/plain", DOC);
    aws_creds c = {0};
    assert_int_equal(creds_from_imds(&c, why, sizeof why), SRC_OK);
    assert_meta_creds(&c, "imds");
    assert_int_equal(fake_http_nrequests(srv), 3);
    const fake_http_req *r = fake_http_request(srv, 0);
    assert_string_equal(r->method, "PUT");
    assert_string_equal(r->path, "/latest/api/token");
    assert_string_equal(fake_http_header_get(r, "X-aws-ec2-metadata-token-ttl-seconds"), "21600");
    r = fake_http_request(srv, 1);
    assert_string_equal(r->method, "GET");
    assert_string_equal(r->path, "/latest/meta-data/iam/security-credentials/");
    assert_string_equal(fake_http_header_get(r, "X-aws-ec2-metadata-token"), "IMDSTOKEN123");
    r = fake_http_request(srv, 2);
    assert_string_equal(r->path, "/latest/meta-data/iam/security-credentials/my-role");
    assert_string_equal(fake_http_header_get(r, "X-aws-ec2-metadata-token"), "IMDSTOKEN123");
    aws_creds_clear(&c);
}

static void test_imds_failures(void **state)
{
    fake_http *srv = *state;
    aws_creds c = {0};
    assert_int_equal(creds_from_imds(&c, why, sizeof why), SRC_ABSENT);
    assert_string_equal(why, "disabled by AWS_EC2_METADATA_DISABLED");
    unsetenv("AWS_EC2_METADATA_DISABLED");

    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", fake_http_url(srv), 1);
    fake_http_push_simple(srv, 403, "text/plain", "");
    assert_int_equal(creds_from_imds(&c, why, sizeof why), SRC_FAILED);
    assert_non_null(strstr(why, "refused the IMDSv2 session token request (HTTP 403)"));

    fake_http_push_simple(srv, 200, "text/plain", "tok");
    fake_http_push_simple(srv, 404, "text/plain", "");
    assert_int_equal(creds_from_imds(&c, why, sizeof why), SRC_FAILED);
    assert_string_equal(why, "no IAM role is attached to this instance");

    fake_http_push_simple(srv, 200, "text/plain", "tok");
    fake_http_push_simple(srv, 200, "text/plain", "../../etc");
    assert_int_equal(creds_from_imds(&c, why, sizeof why), SRC_FAILED);
    assert_non_null(strstr(why, "role name is not valid"));
    assert_int_equal(fake_http_nrequests(srv), 5);

    char ep[64];
    snprintf(ep, sizeof ep, "http://127.0.0.1:%d", fake_http_free_port());
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", ep, 1);
    assert_int_equal(creds_from_imds(&c, why, sizeof why), SRC_FAILED);
    assert_non_null(strstr(why, "unreachable at http://127.0.0.1:"));
    assert_null(c.access_key_id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_creds_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ecs_not_configured, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ecs_relative_uri, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ecs_full_uri_with_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ecs_full_uri_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_imds_v2_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_imds_failures, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

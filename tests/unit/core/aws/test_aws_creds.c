#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/aws/aws_creds.h"
#include "core/base/timeutil.h"
#include "tests/unit/support/aws_test_env.h"
#include "tests/unit/support/capture_stderr.h"
#include "tests/unit/support/fake_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ROLE "arn:aws:iam::123456789012:role/ddbsql-read"

typedef struct fixture {
    fake_http *srv;
    schema_conf schema;
    dynamodb_conf dconf;
    char sts[64];
    char err[2048];
    char *file;
} fixture;

static int setup(void **state)
{
    aws_test_env_isolate();
    fixture *f = calloc(1, sizeof *f);
    f->srv = fake_http_start();
    snprintf(f->sts, sizeof f->sts, "%s", fake_http_url(f->srv));
    f->schema = (schema_conf){.name = "x", .region = "us-east-1", .creds = CREDS_CHAIN};
    f->dconf = (dynamodb_conf){.connect_timeout_ms = 500, .request_timeout_ms = 2000};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    fake_http_stop(f->srv);
    if (f->file) {
        unlink(f->file);
        free(f->file);
    }
    free(f);
    return 0;
}

static void use_role(fixture *f)
{
    f->schema.creds = CREDS_STATIC;
    f->schema.access_key_id = "AKIABASE";
    f->schema.secret_access_key = "basesecret";
    f->schema.role_arn = ROLE;
    f->schema.external_id = "ext-123";
    f->schema.role_duration_seconds = 900;
    f->schema.sts_endpoint = f->sts;
}

/* Scripts one AssumeRole answer whose credentials expire in_ms from now. */
static void push_role(fixture *f, const char *akid, int64_t in_ms)
{
    char exp[ISO8601_LEN], xml[1024];
    iso8601_ms(wall_ms() + in_ms, exp);
    snprintf(xml, sizeof xml,
             "<AssumeRoleResponse><AssumeRoleResult><Credentials>"
             "<AccessKeyId>%s</AccessKeyId><SecretAccessKey>rolesecret-%s</SecretAccessKey>"
             "<SessionToken>roletoken-%s</SessionToken><Expiration>%s</Expiration>"
             "</Credentials></AssumeRoleResult></AssumeRoleResponse>",
             akid, akid, akid, exp);
    fake_http_push_simple(f->srv, 200, "text/xml", xml);
}

static void push_doc(fixture *f, const char *akid, int64_t in_ms)
{
    char exp[ISO8601_LEN], doc[512];
    iso8601_ms(wall_ms() + in_ms, exp);
    snprintf(doc, sizeof doc,
             "{\"AccessKeyId\":\"%s\",\"SecretAccessKey\":\"docsecret\",\"Token\":\"doctoken\","
             "\"Expiration\":\"%s\"}",
             akid, exp);
    fake_http_push_simple(f->srv, 200, "application/json", doc);
}

static void test_static(void **state)
{
    fixture *f = *state;
    f->schema.creds = CREDS_STATIC;
    f->schema.access_key_id = "AKIASTATIC";
    f->schema.secret_access_key = "staticsecret";
    f->schema.session_token = "statictoken";
    aws_creds_provider *p = aws_creds_provider_new(&f->schema, &f->dconf);
    const aws_creds *c = aws_creds_get(p, f->err, sizeof f->err);
    assert_non_null(c);
    assert_string_equal(c->access_key_id, "AKIASTATIC");
    assert_string_equal(c->secret_access_key, "staticsecret");
    assert_string_equal(c->session_token, "statictoken");
    assert_int_equal(c->expires_ms, 0);
    assert_string_equal(c->source, "static");
    assert_ptr_equal(aws_creds_get(p, f->err, sizeof f->err), c);
    aws_creds_invalidate(p);
    c = aws_creds_get(p, f->err, sizeof f->err);
    assert_non_null(c);
    assert_string_equal(c->access_key_id, "AKIASTATIC");
    aws_creds_provider_free(p);

    f->schema.secret_access_key = NULL;
    p = aws_creds_provider_new(&f->schema, &f->dconf);
    assert_null(aws_creds_get(p, f->err, sizeof f->err));
    assert_non_null(strstr(f->err, "credentials = static needs access_key_id and "
                                   "secret_access_key in [schema x]"));
    aws_creds_provider_free(p);
}

static void test_profile(void **state)
{
    fixture *f = *state;
    f->file = aws_test_temp_file("[default]\naws_access_key_id = AKIADEF\n"
                                 "aws_secret_access_key = s1\n"
                                 "[analytics-ro]\naws_access_key_id = AKIAANA\n"
                                 "aws_secret_access_key = s2\n");
    setenv("AWS_SHARED_CREDENTIALS_FILE", f->file, 1);
    f->schema.creds = CREDS_PROFILE;
    f->schema.profile = "analytics-ro";
    aws_creds_provider *p = aws_creds_provider_new(&f->schema, &f->dconf);
    const aws_creds *c = aws_creds_get(p, f->err, sizeof f->err);
    assert_non_null(c);
    assert_string_equal(c->access_key_id, "AKIAANA");
    assert_string_equal(c->source, "profile");
    aws_creds_provider_free(p);

    f->schema.profile = "missing";
    p = aws_creds_provider_new(&f->schema, &f->dconf);
    assert_null(aws_creds_get(p, f->err, sizeof f->err));
    assert_non_null(strstr(f->err, "schema 'x': cannot load profile 'missing'"));
    assert_non_null(strstr(f->err, "no [missing] profile"));
    aws_creds_provider_free(p);
}

/* A fresh provider's credentials, copied out (NULL source on failure). */
static const char *chain_source(fixture *f, char *akid, size_t akidlen)
{
    aws_creds_provider *p = aws_creds_provider_new(&f->schema, &f->dconf);
    const aws_creds *c = aws_creds_get(p, f->err, sizeof f->err);
    const char *src = c ? c->source : NULL;
    snprintf(akid, akidlen, "%s", c ? c->access_key_id : "");
    aws_creds_provider_free(p);
    return src;
}

static void test_chain_order(void **state)
{
    fixture *f = *state;
    char akid[64];
    /* Everything configured: the environment wins. */
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
    f->file = aws_test_temp_file("[default]\naws_access_key_id = AKIAFILE\n"
                                 "aws_secret_access_key = s\n"
                                 "[other]\naws_access_key_id = AKIAOTHER\n"
                                 "aws_secret_access_key = s\n");
    setenv("AWS_SHARED_CREDENTIALS_FILE", f->file, 1);
    char uri[128];
    snprintf(uri, sizeof uri, "%s/ecs", fake_http_url(f->srv));
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri, 1);
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", fake_http_url(f->srv), 1);
    unsetenv("AWS_EC2_METADATA_DISABLED");
    assert_string_equal(chain_source(f, akid, sizeof akid), "env");
    assert_string_equal(akid, "AKIAENV");

    /* Then the shared file: the default profile, or AWS_PROFILE's. */
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    assert_string_equal(chain_source(f, akid, sizeof akid), "profile");
    assert_string_equal(akid, "AKIAFILE");
    setenv("AWS_PROFILE", "other", 1);
    assert_string_equal(chain_source(f, akid, sizeof akid), "profile");
    assert_string_equal(akid, "AKIAOTHER");
    assert_int_equal(fake_http_nrequests(f->srv), 0);

    /* Then ECS. */
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/ddbsql-test/credentials", 1);
    push_doc(f, "ASIAECS", 3600000);
    assert_string_equal(chain_source(f, akid, sizeof akid), "ecs");
    assert_string_equal(akid, "ASIAECS");
    assert_int_equal(fake_http_nrequests(f->srv), 1);
    assert_string_equal(fake_http_request(f->srv, 0)->path, "/ecs");

    /* Then IMDSv2. */
    unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    fake_http_push_simple(f->srv, 200, "text/plain", "tok");
    fake_http_push_simple(f->srv, 200, "text/plain", "role");
    push_doc(f, "ASIAIMDS", 3600000);
    assert_string_equal(chain_source(f, akid, sizeof akid), "imds");
    assert_string_equal(akid, "ASIAIMDS");
    assert_int_equal(fake_http_nrequests(f->srv), 4);
    assert_string_equal(fake_http_request(f->srv, 1)->path, "/latest/api/token");
}

static void test_chain_failure_says_what_was_tried(void **state)
{
    fixture *f = *state;
    aws_creds_provider *p = aws_creds_provider_new(&f->schema, &f->dconf);
    assert_null(aws_creds_get(p, f->err, sizeof f->err));
    assert_string_equal(
        f->err, "no AWS credentials found for schema 'x': tried environment (AWS_ACCESS_KEY_ID "
                "not set), shared credentials file (/nonexistent/ddbsql-test/credentials: not "
                "found), ECS (not configured), EC2 IMDSv2 (disabled by "
                "AWS_EC2_METADATA_DISABLED); set credentials = static or profile in [schema x], "
                "or run on an instance with a role");
    /* An IMDS endpoint that is not there fails fast and says so. */
    unsetenv("AWS_EC2_METADATA_DISABLED");
    char ep[64];
    snprintf(ep, sizeof ep, "http://127.0.0.1:%d", fake_http_free_port());
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", ep, 1);
    assert_null(aws_creds_get(p, f->err, sizeof f->err));
    assert_non_null(strstr(f->err, "EC2 IMDSv2 (unreachable at http://127.0.0.1:"));
    aws_creds_provider_free(p);
}

static void test_chain_caches_until_near_expiry(void **state)
{
    fixture *f = *state;
    char uri[128];
    snprintf(uri, sizeof uri, "%s/ecs", fake_http_url(f->srv));
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri, 1);
    aws_creds_provider *p = aws_creds_provider_new(&f->schema, &f->dconf);
    push_doc(f, "ASIA1", 3600000);
    const aws_creds *c = aws_creds_get(p, f->err, sizeof f->err);
    assert_non_null(c);
    assert_string_equal(c->access_key_id, "ASIA1");
    c = aws_creds_get(p, f->err, sizeof f->err);
    assert_string_equal(c->access_key_id, "ASIA1");
    assert_int_equal(fake_http_nrequests(f->srv), 1);
    /* Invalidation forces a new fetch; one that expires within five
     * minutes is replaced on the next get. */
    aws_creds_invalidate(p);
    push_doc(f, "ASIA2", 4 * 60 * 1000);
    c = aws_creds_get(p, f->err, sizeof f->err);
    assert_string_equal(c->access_key_id, "ASIA2");
    push_doc(f, "ASIA3", 3600000);
    c = aws_creds_get(p, f->err, sizeof f->err);
    assert_string_equal(c->access_key_id, "ASIA3");
    assert_int_equal(fake_http_nrequests(f->srv), 3);
    aws_creds_provider_free(p);
}

static void test_assume_role_and_cache(void **state)
{
    fixture *f = *state;
    use_role(f);
    push_role(f, "ASIAROLE1", 3600000);
    aws_creds_provider *p = aws_creds_provider_new(&f->schema, &f->dconf);
    const aws_creds *c = aws_creds_get(p, f->err, sizeof f->err);
    if (!c)
        fail_msg("%s", f->err);
    assert_string_equal(c->access_key_id, "ASIAROLE1");
    assert_string_equal(c->secret_access_key, "rolesecret-ASIAROLE1");
    assert_string_equal(c->session_token, "roletoken-ASIAROLE1");
    assert_string_equal(c->source, "assume-role");
    assert_true(c->expires_ms > wall_ms());
    const fake_http_req *r = fake_http_request(f->srv, 0);
    assert_non_null(
        strstr(r->body, "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fddbsql-read"));
    assert_non_null(strstr(r->body, "ExternalId=ext-123"));
    assert_non_null(strstr(r->body, "RoleSessionName=ddbsql"));
    assert_non_null(strstr(r->body, "DurationSeconds=900"));
    assert_non_null(strstr(fake_http_header_get(r, "Authorization"), "Credential=AKIABASE/"));

    /* Cached: the second get makes no STS call. */
    c = aws_creds_get(p, f->err, sizeof f->err);
    assert_string_equal(c->access_key_id, "ASIAROLE1");
    assert_int_equal(fake_http_nrequests(f->srv), 1);

    /* After the service rejects them, a new AssumeRole. */
    aws_creds_invalidate(p);
    push_role(f, "ASIAROLE2", 3600000);
    c = aws_creds_get(p, f->err, sizeof f->err);
    assert_string_equal(c->access_key_id, "ASIAROLE2");
    assert_int_equal(fake_http_nrequests(f->srv), 2);
    aws_creds_provider_free(p);
}

static void test_assume_role_refresh_near_expiry(void **state)
{
    fixture *f = *state;
    use_role(f);
    aws_creds_provider *p = aws_creds_provider_new(&f->schema, &f->dconf);
    push_role(f, "ASIASHORT", 4 * 60 * 1000); /* inside the five-minute margin */
    push_role(f, "ASIALONG", 3600000);
    const aws_creds *c = aws_creds_get(p, f->err, sizeof f->err);
    assert_string_equal(c->access_key_id, "ASIASHORT");
    c = aws_creds_get(p, f->err, sizeof f->err);
    assert_string_equal(c->access_key_id, "ASIALONG");
    c = aws_creds_get(p, f->err, sizeof f->err);
    assert_string_equal(c->access_key_id, "ASIALONG");
    assert_int_equal(fake_http_nrequests(f->srv), 2);
    aws_creds_provider_free(p);
}

static void test_assume_role_errors(void **state)
{
    fixture *f = *state;
    use_role(f);
    const char *denied = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                         "<Message>not authorized to perform: sts:AssumeRole</Message></Error>"
                         "</ErrorResponse>";
    fake_http_push_simple(f->srv, 403, "text/xml", denied);
    aws_creds_provider *p = aws_creds_provider_new(&f->schema, &f->dconf);
    assert_null(aws_creds_get(p, f->err, sizeof f->err));
    assert_non_null(strstr(f->err, "STS denied AssumeRole of " ROLE));
    assert_non_null(strstr(f->err, "ExternalId"));
    assert_non_null(strstr(f->err, "static credentials"));
    assert_null(strstr(f->err, "basesecret"));
    assert_null(strstr(f->err, "ext-123")); /* named by its key, not its value */

    /* Credentials that still have minutes to live outlast a failed
     * refresh, with a warning that carries no secret. */
    push_role(f, "ASIASHORT", 4 * 60 * 1000);
    const aws_creds *c = aws_creds_get(p, f->err, sizeof f->err);
    assert_string_equal(c->access_key_id, "ASIASHORT");
    fake_http_push_simple(f->srv, 403, "text/xml", denied);
    capture_stderr_start();
    c = aws_creds_get(p, f->err, sizeof f->err);
    char *log = capture_stderr_stop();
    assert_non_null(c);
    assert_string_equal(c->access_key_id, "ASIASHORT");
    assert_non_null(strstr(log, "using the current ones until they expire"));
    assert_null(strstr(log, "rolesecret"));
    assert_null(strstr(log, "roletoken"));
    assert_null(strstr(log, "basesecret"));
    free(log);
    assert_int_equal(fake_http_nrequests(f->srv), 3);
    aws_creds_provider_free(p);
}

static void test_assume_role_refreshes_expired_base(void **state)
{
    fixture *f = *state;
    use_role(f);
    f->schema.creds = CREDS_CHAIN;
    char uri[128];
    snprintf(uri, sizeof uri, "%s/ecs", fake_http_url(f->srv));
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri, 1);
    push_doc(f, "ASIABASE1", 3600000);
    fake_http_push_simple(f->srv, 400, "text/xml",
                          "<ErrorResponse><Error><Code>ExpiredToken</Code><Message>The security "
                          "token included in the request is expired</Message></Error>"
                          "</ErrorResponse>");
    push_doc(f, "ASIABASE2", 3600000);
    push_role(f, "ASIAROLE", 3600000);
    aws_creds_provider *p = aws_creds_provider_new(&f->schema, &f->dconf);
    const aws_creds *c = aws_creds_get(p, f->err, sizeof f->err);
    if (!c)
        fail_msg("%s", f->err);
    assert_string_equal(c->access_key_id, "ASIAROLE");
    assert_int_equal(fake_http_nrequests(f->srv), 4);
    assert_string_equal(fake_http_request(f->srv, 2)->path, "/ecs");
    assert_non_null(strstr(fake_http_header_get(fake_http_request(f->srv, 3), "Authorization"),
                           "Credential=ASIABASE2/"));
    assert_string_equal(fake_http_header_get(fake_http_request(f->srv, 3), "X-Amz-Security-Token"),
                        "doctoken");
    aws_creds_provider_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_static, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chain_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chain_failure_says_what_was_tried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chain_caches_until_near_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assume_role_and_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assume_role_refresh_near_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assume_role_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assume_role_refreshes_expired_base, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

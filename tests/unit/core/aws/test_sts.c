#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/aws/creds_sources.h"
#include "core/aws/sts.h"
#include "core/base/timeutil.h"
#include "core/base/urlcode.h"
#include "tests/unit/support/fake_http.h"
#include "tests/unit/support/sigv4_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROLE "arn:aws:iam::123456789012:role/ddbsql-read"
#define XML  "text/xml"

static const char *ok_xml =
    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
    "  <AssumeRoleResult>\n"
    "    <SourceIdentity>x</SourceIdentity>\n"
    "    <AssumedRoleUser>\n"
    "      <Arn>arn:aws:sts::123456789012:assumed-role/ddbsql-read/ddbsql</Arn>\n"
    "      <AssumedRoleId>ARO123EXAMPLE123:ddbsql</AssumedRoleId>\n"
    "    </AssumedRoleUser>\n"
    "    <Credentials>\n"
    "      <AccessKeyId>ASIAROLE</AccessKeyId>\n"
    "      <SecretAccessKey>role/secret+key</SecretAccessKey>\n"
    "      <SessionToken>role&amp;token&#61;&#x3D;</SessionToken>\n"
    "      <Expiration>2099-11-09T13:34:41Z</Expiration>\n"
    "    </Credentials>\n"
    "    <PackedPolicySize>6</PackedPolicySize>\n"
    "  </AssumeRoleResult>\n"
    "  <ResponseMetadata><RequestId>c6104cbe</RequestId></ResponseMetadata>\n"
    "</AssumeRoleResponse>\n";

static const char *denied_xml =
    "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
    "  <Error>\n"
    "    <Type>Sender</Type>\n"
    "    <Code>AccessDenied</Code>\n"
    "    <Message>User: arn:aws:iam::111:user/u is not authorized to perform: sts:AssumeRole on "
    "resource: " ROLE "</Message>\n"
    "  </Error>\n"
    "  <RequestId>abc</RequestId>\n"
    "</ErrorResponse>\n";

typedef struct fixture {
    fake_http *srv;
    sts_assume_params p;
    aws_creds base;
    char err[1024];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->srv = fake_http_start();
    f->p = (sts_assume_params){
        .schema = "prod",
        .endpoint = fake_http_url(f->srv),
        .region = "eu-west-1",
        .role_arn = ROLE,
        .external_id = "ext-4f1c/2d3e",
        .session_name = "ddbsql",
        .duration_seconds = 900,
        .connect_timeout_ms = 500,
        .timeout_ms = 2000,
    };
    aws_creds_set(&f->base, "AKIABASE", "basesecret", "basetoken", 0, "env");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    fake_http_stop(f->srv);
    aws_creds_clear(&f->base);
    free(f);
    return 0;
}

static void test_xml_element(void **state)
{
    (void)state;
    const char *x = "<A><AB>no</AB><B attr=\"1\">yes</B ><C/><D>un";
    const char *in;
    size_t n;
    assert_true(xml_element(x, strlen(x), "B", &in, &n));
    assert_int_equal(n, 3);
    assert_memory_equal(in, "yes", 3);
    assert_true(xml_element(x, strlen(x), "AB", &in, &n));
    assert_memory_equal(in, "no", 2);
    assert_true(xml_element(x, strlen(x), "C", &in, &n));
    assert_int_equal(n, 0);
    assert_false(xml_element(x, strlen(x), "D", &in, &n)); /* unterminated */
    assert_false(xml_element(x, strlen(x), "E", &in, &n));
    /* The search stays inside the given span. */
    assert_false(xml_element(x, 8, "B", &in, &n));
}

static void test_xml_text(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *out; /* NULL: rejected */
    } cases[] = {
        {"plain", "plain"},
        {"a&amp;b&lt;c&gt;d&quot;e&apos;f", "a&b<c>d\"e'f"},
        {"&#65;&#x42;&#X43;", "ABC"},
        {"&#xE9;&#x20AC;&#x1F600;", "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"},
        {"&unknown;", NULL},
        {"&amp", NULL},
        {"&#;", NULL},
        {"&#x;", NULL},
        {"&#0;", NULL},
        {"&#xD800;", NULL},
        {"&#x110000;", NULL},
        {"&#12a;", NULL},
        {"<![CDATA[x]]>", NULL},
        {"a<b/>", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf_t b = BUF_INIT(64);
        bool ok = xml_text(cases[i].in, strlen(cases[i].in), &b);
        if (cases[i].out) {
            if (!ok || strcmp(buf_cstr(&b), cases[i].out) != 0)
                fail_msg("case %zu: '%s'", i, buf_cstr(&b));
        } else if (ok) {
            fail_msg("case %zu accepted: '%s'", i, buf_cstr(&b));
        }
        buf_free(&b);
    }
    buf_t small = BUF_INIT(3);
    assert_false(xml_text("abcd", 4, &small));
    buf_free(&small);
}

static void test_assume_role_request_and_answer(void **state)
{
    fixture *f = *state;
    fake_http_push_simple(f->srv, 200, XML, ok_xml);
    aws_creds out = {0};
    assert_int_equal(sts_assume_role(&f->p, &f->base, &out, f->err, sizeof f->err), STS_OK);
    assert_string_equal(out.access_key_id, "ASIAROLE");
    assert_string_equal(out.secret_access_key, "role/secret+key");
    assert_string_equal(out.session_token, "role&token==");
    int64_t exp;
    assert_true(iso8601_parse("2099-11-09T13:34:41Z", &exp));
    assert_int_equal(out.expires_ms, exp);
    assert_string_equal(out.source, "assume-role");
    aws_creds_clear(&out);

    assert_int_equal(fake_http_nrequests(f->srv), 1);
    const fake_http_req *r = fake_http_request(f->srv, 0);
    assert_string_equal(r->method, "POST");
    assert_string_equal(r->path, "/");
    assert_non_null(
        strstr(fake_http_header_get(r, "Content-Type"), "application/x-www-form-urlencoded"));
    kvlist_t form = {0};
    char ferr[128];
    assert_true(form_parse(r->body, r->body_len, 20, 4096, &form, ferr, sizeof ferr));
    assert_string_equal(kvlist_get(&form, "Action"), "AssumeRole");
    assert_string_equal(kvlist_get(&form, "Version"), "2011-06-15");
    assert_string_equal(kvlist_get(&form, "RoleArn"), ROLE);
    assert_string_equal(kvlist_get(&form, "RoleSessionName"), "ddbsql");
    assert_string_equal(kvlist_get(&form, "ExternalId"), "ext-4f1c/2d3e");
    assert_string_equal(kvlist_get(&form, "DurationSeconds"), "900");
    kvlist_free(&form);
    /* Signed for STS in the schema's region, with the base credentials. */
    assert_string_equal(fake_http_header_get(r, "X-Amz-Security-Token"), "basetoken");
    const char *auth = fake_http_header_get(r, "Authorization");
    assert_non_null(strstr(auth, "Credential=AKIABASE/"));
    char why[256];
    if (!sigv4_check(r, "basesecret", "eu-west-1", "sts", why, sizeof why))
        fail_msg("bad signature: %s", why);
}

static void test_no_external_id(void **state)
{
    fixture *f = *state;
    f->p.external_id = NULL;
    aws_creds_clear(&f->base);
    aws_creds_set(&f->base, "AKIABASE", "basesecret", NULL, 0, "static");
    fake_http_push_simple(f->srv, 200, XML, ok_xml);
    aws_creds out = {0};
    assert_int_equal(sts_assume_role(&f->p, &f->base, &out, f->err, sizeof f->err), STS_OK);
    aws_creds_clear(&out);
    const fake_http_req *r = fake_http_request(f->srv, 0);
    assert_null(strstr(r->body, "ExternalId"));
    assert_null(fake_http_header_get(r, "X-Amz-Security-Token"));
}

static void test_access_denied(void **state)
{
    fixture *f = *state;
    fake_http_push_simple(f->srv, 403, XML, denied_xml);
    aws_creds out = {0};
    assert_int_equal(sts_assume_role(&f->p, &f->base, &out, f->err, sizeof f->err), STS_ERR);
    assert_null(out.access_key_id);
    assert_int_equal(fake_http_nrequests(f->srv), 1); /* not retried */
    assert_non_null(strstr(f->err, "schema 'prod'"));
    assert_non_null(strstr(f->err, "STS denied AssumeRole of " ROLE));
    assert_non_null(strstr(f->err, "ExternalId"));
    assert_non_null(strstr(f->err, "AccessDenied: User: arn:aws:iam::111:user/u"));
    assert_non_null(strstr(f->err, "external_id in [schema prod]"));
    assert_null(strstr(f->err, "basesecret"));
    assert_null(strstr(f->err, "basetoken"));
}

static void test_error_codes(void **state)
{
    fixture *f = *state;
    static const struct {
        int http;
        const char *code;
        sts_status st;
        const char *words;
    } cases[] = {
        {403, "InvalidClientTokenId", STS_ERR, "access key or session token is not valid"},
        {403, "SignatureDoesNotMatch", STS_ERR, "secret access key does not match"},
        {400, "ExpiredToken", STS_ERR_EXPIRED_BASE, "have expired"},
        {403, "RegionDisabledException", STS_ERR, "not activated in region eu-west-1"},
        {400, "ValidationError", STS_ERR, "role_duration_seconds"},
        {400, "SomethingNew", STS_ERR, "HTTP 400, SomethingNew"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[512];
        snprintf(body, sizeof body,
                 "<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>m "
                 "%zu</Message></Error></ErrorResponse>",
                 cases[i].code, i);
        fake_http_push_simple(f->srv, cases[i].http, XML, body);
        aws_creds out = {0};
        sts_status st = sts_assume_role(&f->p, &f->base, &out, f->err, sizeof f->err);
        if (st != cases[i].st || !strstr(f->err, cases[i].words) || !strstr(f->err, ROLE))
            fail_msg("case %zu: %d '%s'", i, st, f->err);
        assert_null(out.access_key_id);
    }
    assert_int_equal(fake_http_nrequests(f->srv), 6);
}

static void test_retries_then_success(void **state)
{
    fixture *f = *state;
    fake_http_push_simple(
        f->srv, 400, XML,
        "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
        "</ErrorResponse>");
    fake_http_push_simple(f->srv, 503, "text/html", "<html>busy</html>");
    fake_http_push_simple(f->srv, 200, XML, ok_xml);
    aws_creds out = {0};
    assert_int_equal(sts_assume_role(&f->p, &f->base, &out, f->err, sizeof f->err), STS_OK);
    assert_string_equal(out.access_key_id, "ASIAROLE");
    aws_creds_clear(&out);
    assert_int_equal(fake_http_nrequests(f->srv), 3);

    /* Unavailable throughout: a message that says so. */
    for (int i = 0; i < 3; i++)
        fake_http_push_simple(f->srv, 500, XML, "");
    assert_int_equal(sts_assume_role(&f->p, &f->base, &out, f->err, sizeof f->err), STS_ERR);
    assert_non_null(strstr(f->err, "HTTP 500"));
    assert_non_null(strstr(f->err, "retry later"));
    assert_int_equal(fake_http_nrequests(f->srv), 6);
}

static void test_unusable_answers(void **state)
{
    fixture *f = *state;
    aws_creds out = {0};
    fake_http_push_simple(f->srv, 200, XML,
                          "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A"
                          "</AccessKeyId></Credentials></AssumeRoleResult></AssumeRoleResponse>");
    assert_int_equal(sts_assume_role(&f->p, &f->base, &out, f->err, sizeof f->err), STS_ERR);
    assert_non_null(strstr(f->err, "without usable credentials"));
    fake_http_push_simple(f->srv, 200, "application/json", "{\"not\":\"xml\"}");
    assert_int_equal(sts_assume_role(&f->p, &f->base, &out, f->err, sizeof f->err), STS_ERR);
    assert_non_null(strstr(f->err, "without usable credentials"));
    assert_null(out.access_key_id);

    char ep[64];
    snprintf(ep, sizeof ep, "http://127.0.0.1:%d", fake_http_free_port());
    f->p.endpoint = ep;
    assert_int_equal(sts_assume_role(&f->p, &f->base, &out, f->err, sizeof f->err), STS_ERR);
    assert_non_null(strstr(f->err, "cannot reach STS at http://127.0.0.1:"));
    assert_non_null(strstr(f->err, "Connection refused"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_xml_element, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xml_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assume_role_request_and_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_external_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_denied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_codes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retries_then_success, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unusable_answers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

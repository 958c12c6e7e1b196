/* oauth/form: OAuth parameters from urlencoded text: decoding, empty
 * values as omitted, refused duplicates, caps on count and length, UTF-8
 * and control characters, and messages fit for error_description. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oauth/form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char err[512];

static kvlist_t ok(const char *in, const oauth_form_limits *lim)
{
    kvlist_t f;
    err[0] = '\0';
    if (!oauth_form_parse(in, strlen(in), lim, &f, err, sizeof err))
        fail_msg("'%s' refused: %s", in, err);
    return f;
}

/* Refused with a message containing want; the message is a valid
 * error_description (printable ASCII, no '"' or '\'). */
static void bad(const char *in, size_t len, const oauth_form_limits *lim, const char *want)
{
    kvlist_t f;
    err[0] = '\0';
    if (oauth_form_parse(in, len, lim, &f, err, sizeof err)) {
        oauth_form_free(&f);
        fail_msg("'%.*s' accepted", (int)len, in);
    }
    assert_null(f.items);
    assert_int_equal(f.n, 0);
    if (!strstr(err, want))
        fail_msg("'%.*s': got '%s', expected '%s'", (int)len, in, err, want);
    for (const char *p = err; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e || *p == '"' || *p == '\\')
            fail_msg("message has a character not allowed in error_description: '%s'", err);
}

static void bad_s(const char *in, const char *want)
{
    bad(in, strlen(in), NULL, want);
}

static void test_decodes(void **state)
{
    (void)state;
    kvlist_t f = ok("response_type=code&client_id=https%3A%2F%2Fa.example%2Fc.json"
                    "&state=a+b%2Bc&scope=query%20schemas%3Aread",
                    NULL);
    assert_int_equal(f.n, 4);
    assert_string_equal(oauth_form_get(&f, "response_type"), "code");
    assert_string_equal(oauth_form_get(&f, "client_id"), "https://a.example/c.json");
    assert_string_equal(oauth_form_get(&f, "state"), "a b+c");
    assert_string_equal(oauth_form_get(&f, "scope"), "query schemas:read");
    assert_null(oauth_form_get(&f, "redirect_uri"));
    assert_null(oauth_form_get(&f, "Scope")); /* names are case-sensitive */
    assert_null(oauth_form_get(NULL, "scope"));
    oauth_form_free(&f);

    /* UTF-8 and a tab are fine in values (a password may hold them). */
    f = ok("password=p%C3%A4ss%09word&username=%E2%9C%93", NULL);
    assert_string_equal(oauth_form_get(&f, "password"), "p\xc3\xa4ss\tword");
    assert_string_equal(oauth_form_get(&f, "username"), "\xe2\x9c\x93");
    oauth_form_free(&f);
}

static void test_empty_counts_as_omitted(void **state)
{
    (void)state;
    kvlist_t f = ok("", NULL);
    assert_int_equal(f.n, 0);
    oauth_form_free(&f);
    f = ok("&&&", NULL);
    assert_int_equal(f.n, 0);
    oauth_form_free(&f);
    /* "scope=" and a bare "scope" are omitted, so a later scope is no
     * duplicate; "=x" has no name and is dropped. */
    f = ok("scope=&state=s&scope&=x&scope=query&&", NULL);
    assert_int_equal(f.n, 2);
    assert_string_equal(f.items[0].key, "state");
    assert_string_equal(f.items[1].key, "scope");
    assert_string_equal(oauth_form_get(&f, "scope"), "query");
    oauth_form_free(&f);
    /* NULL input is an empty form. */
    assert_true(oauth_form_parse(NULL, 5, NULL, &f, err, sizeof err));
    assert_int_equal(f.n, 0);
    oauth_form_free(&f);
    oauth_form_free(NULL);
}

static void test_duplicates_refused(void **state)
{
    (void)state;
    bad_s("client_id=a&client_id=a", "parameter 'client_id' is given more than once");
    bad_s("state=1&code=x&state=2", "parameter 'state' is given more than once");
    /* The same name, spelled with an escape, is the same parameter. */
    bad_s("scope=a&sc%6Fpe=b", "parameter 'scope' is given more than once");
    bad_s("a+b=1&a%20b=2", "a parameter is given more than once");
    /* A name that is not plain is not echoed. */
    bad_s("%3Cscript%3E=1&%3Cscript%3E=2", "a parameter is given more than once");
    assert_null(strstr(err, "script"));
}

static void test_caps(void **state)
{
    (void)state;
    oauth_form_limits lim = {3, 8};
    kvlist_t f = ok("a=1&b=2&c=12345678", &lim);
    assert_int_equal(f.n, 3);
    oauth_form_free(&f);
    bad("a=1&b=2&c=3&d=4", 15, &lim, "too many parameters (at most 3)");
    /* Empty segments do not count; empty values do (they are parameters). */
    f = ok("&&a=1&&b=2&&c=3&&", &lim);
    oauth_form_free(&f);
    bad("a=&b=&c=&d=", 11, &lim, "too many parameters");
    /* Length is measured decoded: 8 escaped bytes fit. */
    f = ok("a=%41%41%41%41%41%41%41%41", &lim);
    assert_string_equal(oauth_form_get(&f, "a"), "AAAAAAAA");
    oauth_form_free(&f);
    bad("a=123456789", 11, &lim, "parameter 'a' has a malformed %-escape or is too long");
    bad("abcdefghi=1", 11, &lim, "parameter 1 has a malformed %-escape or a name longer than 8");

    /* The defaults: 32 parameters of up to 4096 bytes. */
    char big[5000];
    memset(big, 'v', sizeof big);
    memcpy(big, "k=", 2);
    bad(big, 4099, NULL, "parameter 'k' has a malformed %-escape or is too long");
    f = ok("", NULL);
    oauth_form_free(&f);
    char many[400] = "";
    for (int i = 0; i < 33; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%sp%d=1", i ? "&" : "", i);
    bad_s(many, "too many parameters (at most 32)");
}

static void test_malformed(void **state)
{
    (void)state;
    bad_s("a=%", "parameter 'a' has a malformed %-escape");
    bad_s("a=%4", "malformed");
    bad_s("a=%zz", "malformed");
    bad_s("a=x%00y", "malformed"); /* NUL */
    bad_s("%=1", "parameter 1 has a malformed %-escape");
    bad_s("b=1&a%=1", "parameter 2 has a malformed");
    bad_s("a=%FF", "parameter 'a' is not valid UTF-8 text");
    bad_s("a=%C0%AF", "not valid UTF-8");    /* overlong '/' */
    bad_s("a=%ED%A0%80", "not valid UTF-8"); /* a surrogate */
    bad_s("a=x%0Ay", "control characters");
    bad_s("a=x%0Dy", "control characters");
    bad_s("a=%7F", "control characters");
    bad_s("a=%1B%5B31m", "control characters");
    /* A raw NUL byte in the input is refused like an escaped one. */
    bad("a=x\0y", 5, NULL, "parameter 'a' has a malformed");
    /* An odd name with a bad value is not echoed; the message stays clean. */
    bad_s("%22%5C=%FF", "a parameter is not valid UTF-8");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decodes),
        cmocka_unit_test(test_empty_counts_as_omitted),
        cmocka_unit_test(test_duplicates_refused),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

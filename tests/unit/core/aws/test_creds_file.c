#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/aws/creds_file.h"
#include "tests/unit/support/aws_test_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char why[1024];

static const char *sample = "# comment line\n"
                            "; another comment\n"
                            "[default]\n"
                            "aws_access_key_id = AKIADEFAULT\n"
                            "aws_secret_access_key=defaultsecret\n"
                            "\n"
                            "[ prod ]   # trailing comment\n"
                            "  AWS_ACCESS_KEY_ID   =   AKIAPROD   ; inline comment\n"
                            "aws_secret_access_key = prod/secret+with=chars\r\n"
                            "aws_session_token = prodtoken\n"
                            "s3 =\n"
                            "    max_concurrent_requests = 20\n"
                            "region = eu-west-1\n"
                            "[assumer]\n"
                            "role_arn = arn:aws:iam::123456789012:role/x\n"
                            "source_profile = default\n"
                            "[half]\n"
                            "aws_access_key_id = AKIAHALF\n"
                            "[default-ish]\n"
                            "aws_access_key_id = WRONG\n";

static src_status load(const char *text, const char *profile, aws_creds *c)
{
    char *path = aws_test_temp_file(text);
    src_status st = creds_file_load(path, profile, c, why, sizeof why);
    unlink(path);
    free(path);
    return st;
}

static void test_profiles(void **state)
{
    (void)state;
    aws_creds c = {0};
    assert_int_equal(load(sample, "default", &c), SRC_OK);
    assert_string_equal(c.access_key_id, "AKIADEFAULT");
    assert_string_equal(c.secret_access_key, "defaultsecret");
    assert_null(c.session_token);
    assert_int_equal(c.expires_ms, 0);
    assert_string_equal(c.source, "profile");

    assert_int_equal(load(sample, "prod", &c), SRC_OK);
    assert_string_equal(c.access_key_id, "AKIAPROD");
    assert_string_equal(c.secret_access_key, "prod/secret+with=chars");
    assert_string_equal(c.session_token, "prodtoken");
    aws_creds_clear(&c);
}

static void test_profile_problems(void **state)
{
    (void)state;
    aws_creds c = {0};
    assert_int_equal(load(sample, "nosuch", &c), SRC_FAILED);
    assert_non_null(strstr(why, "no [nosuch] profile"));
    assert_int_equal(load(sample, "half", &c), SRC_FAILED);
    assert_non_null(strstr(why, "profile [half] has no aws_secret_access_key"));
    assert_int_equal(load(sample, "assumer", &c), SRC_FAILED);
    assert_non_null(strstr(why, "uses role_arn, credential_process or SSO"));
    assert_int_equal(load("[p]\naws_secret_access_key = s\n", "p", &c), SRC_FAILED);
    assert_non_null(strstr(why, "has no aws_access_key_id"));
    assert_int_equal(load("", "default", &c), SRC_FAILED);
    assert_non_null(strstr(why, "no [default] profile"));
    assert_null(c.access_key_id);
    /* Messages never carry a secret. */
    assert_int_equal(load("[p]\naws_secret_access_key = TOPSECRET\n", "p", &c), SRC_FAILED);
    assert_null(strstr(why, "TOPSECRET"));
}

static void test_syntax_errors(void **state)
{
    (void)state;
    aws_creds c = {0};
    assert_int_equal(load("[default]\naws_access_key_id = A\njunk line\n", "default", &c),
                     SRC_FAILED);
    assert_non_null(strstr(why, "line 3: expected key = value"));
    assert_int_equal(load("[default\naws_access_key_id = A\n", "default", &c), SRC_FAILED);
    assert_non_null(strstr(why, "line 1: a section header must look like [name]"));
    assert_null(c.access_key_id);
}

static void test_missing_and_unreadable(void **state)
{
    (void)state;
    aws_creds c = {0};
    assert_int_equal(
        creds_file_load("/nonexistent/dir/credentials", "default", &c, why, sizeof why),
        SRC_ABSENT);
    assert_string_equal(why, "/nonexistent/dir/credentials: not found");
    if (geteuid() != 0) { /* root reads anything */
        char *path = aws_test_temp_file("[default]\n");
        chmod(path, 0);
        assert_int_equal(creds_file_load(path, "default", &c, why, sizeof why), SRC_FAILED);
        assert_non_null(strstr(why, "cannot read: Permission denied"));
        unlink(path);
        free(path);
    }
    /* A huge file is refused rather than read into memory. */
    size_t n = CREDS_FILE_MAX + 10;
    char *big = malloc(n + 1);
    memset(big, '#', n);
    big[n] = '\0';
    assert_int_equal(load(big, "default", &c), SRC_FAILED);
    assert_non_null(strstr(why, "not a credentials file"));
    free(big);
}

static void test_path(void **state)
{
    (void)state;
    char path[256];
    aws_test_env_isolate();
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/etc/x/creds", 1);
    assert_true(creds_file_path(path, sizeof path));
    assert_string_equal(path, "/etc/x/creds");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    setenv("HOME", "/home/someone", 1);
    assert_true(creds_file_path(path, sizeof path));
    assert_string_equal(path, "/home/someone/.aws/credentials");
    unsetenv("HOME");
    assert_false(creds_file_path(path, sizeof path));
    assert_non_null(strstr(path, "HOME is not set"));
    if (home)
        setenv("HOME", home, 1);
    free(home);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profiles),      cmocka_unit_test(test_profile_problems),
        cmocka_unit_test(test_syntax_errors), cmocka_unit_test(test_missing_and_unreadable),
        cmocka_unit_test(test_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

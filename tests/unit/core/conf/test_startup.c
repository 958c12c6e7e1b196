#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/base/log.h"
#include "core/conf/startup.h"
#include "tests/unit/support/capture_stderr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Writes text to a new temporary config file; returns its path (unlink it). */
static char *write_conf(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/ddbsql-startup-XXXXXX.conf");
    int fd = mkstemps(path, 5);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    assert_non_null(fp);
    assert_true(fputs(text, fp) >= 0);
    assert_int_equal(fclose(fp), 0);
    return path;
}

#define CONF_HEAD                                                                                  \
    "public_url = http://127.0.0.1:8080\n"                                                         \
    "auth = none\n"
#define CONF_SCHEMA                                                                                \
    "[schema demo]\n"                                                                              \
    "region = us-east-1\n"

/* Which of a warning and an error log_msg prints under the current level. */
static void logged(bool *warn, bool *error)
{
    capture_stderr_start();
    log_msg(LOG_WARN, "startup-test-warning");
    log_msg(LOG_ERROR, "startup-test-error");
    char *out = capture_stderr_stop();
    *warn = strstr(out, "startup-test-warning") != NULL;
    *error = strstr(out, "startup-test-error") != NULL;
    free(out);
}

static void test_level_names(void **state)
{
    (void)state;
    assert_int_equal(config_log_level("debug"), LOG_DEBUG);
    assert_int_equal(config_log_level("info"), LOG_INFO);
    assert_int_equal(config_log_level("warn"), LOG_WARN);
    assert_int_equal(config_log_level("error"), LOG_ERROR);
    assert_int_equal(config_log_level(NULL), LOG_INFO);
    assert_int_equal(config_log_level("ERROR"), LOG_INFO); /* config_load lower-cases it */
    assert_int_equal(config_log_level(""), LOG_INFO);
}

static void test_start_applies_the_log_level(void **state)
{
    (void)state;
    log_set_level(LOG_DEBUG);
    config cfg;
    char err[1024] = "";
    const char *path = write_conf(CONF_HEAD "log_level = error\n" CONF_SCHEMA);
    assert_true(config_start(path, &cfg, err, sizeof err));
    unlink(path);
    assert_string_equal(cfg.log_level, "error");
    bool warn, error;
    logged(&warn, &error);
    assert_false(warn);
    assert_true(error);
    config_free(&cfg);

    /* No log_level: the default, info, which shows warnings. */
    path = write_conf(CONF_HEAD CONF_SCHEMA);
    assert_true(config_start(path, &cfg, err, sizeof err));
    unlink(path);
    logged(&warn, &error);
    assert_true(warn);
    assert_true(error);
    config_free(&cfg);
}

static void test_a_bad_file_changes_nothing(void **state)
{
    (void)state;
    log_set_level(LOG_ERROR);
    config cfg;
    char err[1024] = "";
    const char *path = write_conf(CONF_HEAD "log_level = debug\nlog_level = chatty\n" CONF_SCHEMA);
    assert_false(config_start(path, &cfg, err, sizeof err));
    /* config_load's message, naming the file and the line. */
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, ":4:"));
    unlink(path);
    /* The level named on an earlier line was not applied. */
    bool warn, error;
    logged(&warn, &error);
    assert_false(warn);
    assert_true(error);

    /* A file that does not exist (the one just removed). */
    char missing[64];
    snprintf(missing, sizeof missing, "%s", path);
    assert_false(config_start(missing, &cfg, err, sizeof err));
    assert_non_null(strstr(err, missing));
}

static int usage_calls;
static void count_usage(void)
{
    usage_calls++;
}

static int args(bool *check_only, int argc, ...)
{
    char *argv[8] = {"ddbsql-test"};
    va_list ap;
    va_start(ap, argc);
    for (int i = 1; i < argc && i < 8; i++)
        argv[i] = va_arg(ap, char *);
    va_end(ap);
    return startup_fcgi_args(argc, argv, "ddbsql-test", count_usage, check_only);
}

static void test_fcgi_args(void **state)
{
    (void)state;
    bool check = true;
    usage_calls = 0;
    /* Nothing: serve. */
    assert_int_equal(args(&check, 1), -1);
    assert_false(check);
    assert_int_equal(args(&check, 2, "--check-config"), -1);
    assert_true(check);
    /* --help prints the usage and ends; an unknown option too, with 64. */
    assert_int_equal(args(&check, 2, "--help"), 0);
    assert_int_equal(usage_calls, 1);
    capture_stderr_start();
    assert_int_equal(args(&check, 3, "--check-config", "--bogus"), 64);
    char *err = capture_stderr_stop();
    assert_non_null(strstr(err, "ddbsql-test: unknown option '--bogus'"));
    free(err);
    assert_int_equal(usage_calls, 2);
}

static void test_fcgi_config(void **state)
{
    (void)state;
    char *path = write_conf(CONF_HEAD CONF_SCHEMA);
    setenv(CONFIG_ENV_VAR, path, 1);
    config cfg;
    const char *read_from = NULL;
    assert_true(startup_fcgi_config(&cfg, &read_from));
    assert_string_equal(read_from, path);
    config_free(&cfg);
    /* A bad file: false, and the log says why and that nothing is served. */
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("public_url = nope\n", fp);
    fclose(fp);
    capture_stderr_start();
    assert_false(startup_fcgi_config(&cfg, &read_from));
    char *err = capture_stderr_stop();
    assert_non_null(strstr(err, "public_url"));
    assert_non_null(strstr(err, "refusing to serve until the configuration is fixed"));
    free(err);
    unsetenv(CONFIG_ENV_VAR);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_level_names),
        cmocka_unit_test(test_start_applies_the_log_level),
        cmocka_unit_test(test_a_bad_file_changes_nothing),
        cmocka_unit_test(test_fcgi_args),
        cmocka_unit_test(test_fcgi_config),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    log_set_level(LOG_INFO);
    return rc;
}

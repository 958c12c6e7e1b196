#include "core/base/log.h"

#include "tests/unit/support/capture_stderr.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static size_t count_char(const char *s, char c)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == c;
    return n;
}

static int setup(void **state)
{
    (void)state;
    log_init("test");
    log_set_level(LOG_INFO);
    return 0;
}

static void test_line_format(void **state)
{
    (void)state;
    capture_stderr_start();
    log_msg(LOG_INFO, "hello %d %s", 42, "world");
    char *out = capture_stderr_stop();
    /* "2026-11-24T14:18:03.123Z ddbsql-test[1234] info: hello 42 world\n" */
    assert_int_equal(count_char(out, '\n'), 1);
    assert_int_equal(out[strlen(out) - 1], '\n');
    assert_true(strlen(out) > 25);
    assert_int_equal(out[4], '-');
    assert_int_equal(out[10], 'T');
    assert_int_equal(out[23], 'Z');
    assert_int_equal(out[24], ' ');
    char expect[128];
    snprintf(expect, sizeof expect, " ddbsql-test[%d] info: hello 42 world\n", (int)getpid());
    assert_string_equal(out + 24, expect);
    free(out);
}

static void test_one_line_per_call(void **state)
{
    (void)state;
    capture_stderr_start();
    log_msg(LOG_INFO, "one");
    log_msg(LOG_WARN, "two");
    log_msg(LOG_ERROR, "three");
    char *out = capture_stderr_stop();
    assert_int_equal(count_char(out, '\n'), 3);
    assert_non_null(strstr(out, "info: one\n"));
    assert_non_null(strstr(out, "warn: two\n"));
    assert_non_null(strstr(out, "error: three\n"));
    free(out);
}

static void test_control_characters_replaced(void **state)
{
    (void)state;
    capture_stderr_start();
    log_msg(LOG_INFO, "user=%s end",
            "evil\n2026-01-01T00:00:00.000Z ddbsql-x[1] info: forged\r\t\x1b[31m\x7f");
    char *out = capture_stderr_stop();
    /* Still one line: the newline in the value cannot start a new one. */
    assert_int_equal(count_char(out, '\n'), 1);
    assert_null(strchr(out, '\r'));
    assert_null(strchr(out, '\t'));
    assert_null(strchr(out, '\x1b'));
    assert_null(strchr(out, '\x7f'));
    assert_non_null(
        strstr(out, "user=evil 2026-01-01T00:00:00.000Z ddbsql-x[1] info: forged   [31m  end\n"));
    free(out);
}

static void test_level_filter(void **state)
{
    (void)state;
    log_set_level(LOG_WARN);
    capture_stderr_start();
    log_msg(LOG_DEBUG, "dropped debug");
    log_msg(LOG_INFO, "dropped info");
    log_msg(LOG_WARN, "kept warn");
    char *out = capture_stderr_stop();
    log_set_level(LOG_INFO);
    assert_null(strstr(out, "dropped"));
    assert_non_null(strstr(out, "warn: kept warn\n"));
    free(out);

    log_set_level(LOG_DEBUG);
    capture_stderr_start();
    log_msg(LOG_DEBUG, "now shown");
    out = capture_stderr_stop();
    log_set_level(LOG_INFO);
    assert_non_null(strstr(out, "debug: now shown\n"));
    free(out);
}

static void test_long_message_truncated_to_one_line(void **state)
{
    (void)state;
    char *big = malloc(10000);
    assert_non_null(big);
    memset(big, 'x', 9999);
    big[9999] = '\0';
    capture_stderr_start();
    log_msg(LOG_INFO, "%s", big);
    char *out = capture_stderr_stop();
    free(big);
    assert_int_equal(count_char(out, '\n'), 1);
    assert_int_equal(out[strlen(out) - 1], '\n');
    assert_true(strlen(out) < 2048);
    assert_true(strlen(out) > 1900);
    free(out);
}

static void test_component(void **state)
{
    (void)state;
    log_init("a-very-long-component-name-that-goes-on-and-on");
    assert_int_equal(strlen(log_component()), 31); /* truncated to fit */
    log_init("token");
    assert_string_equal(log_component(), "token");
    capture_stderr_start();
    log_msg(LOG_ERROR, "x");
    char *out = capture_stderr_stop();
    assert_non_null(strstr(out, " ddbsql-token["));
    free(out);
    log_init("test");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_format),
        cmocka_unit_test(test_one_line_per_call),
        cmocka_unit_test(test_control_characters_replaced),
        cmocka_unit_test(test_level_filter),
        cmocka_unit_test(test_long_message_truncated_to_one_line),
        cmocka_unit_test(test_component),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}

#include "sql/sql_error.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

static void test_format_with_and_without_position(void **state)
{
    (void)state;
    sql_error e;
    char out[600];
    sql_error_set(&e, 3, 14, 40, "unexpected '%s'; expected %s", "FORM", "FROM");
    assert_int_equal(e.line, 3);
    assert_int_equal(e.column, 14);
    assert_int_equal(e.offset, 40);
    assert_string_equal(e.message, "unexpected 'FORM'; expected FROM");
    sql_error_format(&e, out, sizeof out);
    assert_string_equal(out, "line 3, column 14: unexpected 'FORM'; expected FROM");
    sql_error_set(&e, 0, 0, 0, "too long");
    sql_error_format(&e, out, sizeof out);
    assert_string_equal(out, "too long");
}

static void test_long_messages_are_truncated(void **state)
{
    (void)state;
    sql_error e;
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    sql_error_set(&e, 1, 1, 0, "%s", big);
    assert_int_equal(strlen(e.message), sizeof e.message - 1);
    char small[16];
    sql_error_format(&e, small, sizeof small);
    assert_string_equal(small, "line 1, column ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_with_and_without_position),
        cmocka_unit_test(test_long_messages_are_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

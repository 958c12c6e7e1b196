#include "sql/op_internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "tests/unit/support/test_rows_op.h"

static exec_ctx ctx;
static const sql_pos POS = {3, 7, 40};

static int setup(void **state)
{
    (void)state;
    exec_ctx_init(&ctx, NULL, 0);
    return 0;
}

/* Feeds the ';'-separated values to a fresh accumulator; returns the result
 * text, or "ERR: ..." . malloc'd. */
static char *run(agg_kind kind, const char *vals)
{
    agg_acc a;
    acc_init(&a);
    char *copy = xstrdup(vals), *save = NULL;
    bool ok = true;
    for (char *t = strtok_r(copy, ";", &save); t && ok; t = strtok_r(NULL, ";", &save)) {
        value_t v = test_value(t);
        ok = acc_add(&ctx, &a, kind, &v, &POS);
        value_free(&v);
    }
    free(copy);
    value_t out = value_null();
    ok = ok && acc_result(&ctx, &a, kind, &POS, &out);
    acc_free(&a);
    char *s;
    if (ok) {
        s = test_value_text(&out);
    } else {
        char msg[600], *m = xmalloc(620);
        sql_error_format(&ctx.err, msg, sizeof msg);
        snprintf(m, 620, "ERR: %s", msg);
        s = m;
    }
    value_free(&out);
    return s;
}

static void expect(agg_kind kind, const char *vals, const char *want)
{
    exec_ctx_init(&ctx, NULL, 0);
    char *got = run(kind, vals);
    assert_string_equal(got, want);
    free(got);
}

static void test_counts(void **state)
{
    (void)state;
    expect(AGG_COUNT_STAR, "1;NULL;'a'", "3");
    expect(AGG_COUNT, "1;NULL;'a'", "2");
    expect(AGG_COUNT, "NULL", "0");
    agg_acc a;
    acc_init(&a);
    value_t out;
    assert_true(acc_result(&ctx, &a, AGG_COUNT_STAR, &POS, &out));
    char *t = test_value_text(&out);
    assert_string_equal(t, "0");
    free(t);
    value_free(&out);
    acc_free(&a);
}

static void test_sum_avg_exact(void **state)
{
    (void)state;
    expect(AGG_SUM, "1.50;1", "2.50");
    expect(AGG_SUM, "0.1;0.2;NULL", "0.3");
    expect(AGG_SUM, "NULL;NULL", "NULL");
    expect(AGG_AVG, "NULL", "NULL");
    expect(AGG_AVG, "1;2", "1.5");
    expect(AGG_AVG, "1;2;2", "1.6666666666666666666666666666666666667");
    expect(AGG_AVG, "-1;-2", "-1.5");
    expect(AGG_AVG, "10;20", "15");
    expect(AGG_SUM, "99999999999999999999999999999999999999;1",
           "100000000000000000000000000000000000000");
}

static void test_double_makes_double(void **state)
{
    (void)state;
    expect(AGG_SUM, "1;0.25d", "1.25d");
    expect(AGG_AVG, "1;2d", "1.5d");
    expect(AGG_SUM, "0.5d", "0.5d");
}

static void test_non_numbers_are_errors(void **state)
{
    (void)state;
    expect(AGG_SUM, "1;'2'",
           "ERR: line 3, column 7: SUM needs numbers, got STRING; a string is never converted "
           "implicitly: CAST it to DECIMAL or DOUBLE");
    expect(AGG_AVG, "true",
           "ERR: line 3, column 7: AVG needs numbers, got BOOLEAN; a string is never converted "
           "implicitly: CAST it to DECIMAL or DOUBLE");
    expect(AGG_SUM, "9E+125;9E+125",
           "ERR: line 3, column 7: SUM left the exact number range (numeric value out of range) "
           "after 2 "
           "values; CAST the argument AS DOUBLE for an approximate result");
}

static void test_min_max(void **state)
{
    (void)state;
    expect(AGG_MIN, "3;NULL;1.5;2", "1.5");
    expect(AGG_MAX, "3;NULL;1.5;2", "3");
    expect(AGG_MAX, "3;3.0", "3"); /* the first of equals stays */
    expect(AGG_MIN, "'b';'a';'c'", "'a'");
    expect(AGG_MAX, "NULL", "NULL");
    expect(AGG_MIN, "'a';1;true", "true");
    expect(AGG_MAX, "'a';1;true", "'a'");
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(agg_name(AGG_COUNT_STAR), "COUNT");
    assert_string_equal(agg_name(AGG_COUNT), "COUNT");
    assert_string_equal(agg_name(AGG_SUM), "SUM");
    assert_string_equal(agg_name(AGG_AVG), "AVG");
    assert_string_equal(agg_name(AGG_MIN), "MIN");
    assert_string_equal(agg_name(AGG_MAX), "MAX");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_counts, setup),
        cmocka_unit_test_setup(test_sum_avg_exact, setup),
        cmocka_unit_test_setup(test_double_makes_double, setup),
        cmocka_unit_test_setup(test_non_numbers_are_errors, setup),
        cmocka_unit_test_setup(test_min_max, setup),
        cmocka_unit_test_setup(test_names, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

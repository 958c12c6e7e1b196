#include "core/base/timeutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

static void test_iso8601_format(void **state)
{
    (void)state;
    char out[ISO8601_LEN];
    iso8601_ms(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00.000Z");
    iso8601_ms(1700000000123LL, out);
    assert_string_equal(out, "2023-11-14T22:13:20.123Z");
    iso8601_ms(951782400007LL, out); /* a leap day */
    assert_string_equal(out, "2000-02-29T00:00:00.007Z");
    assert_int_equal(strlen(out), ISO8601_LEN - 1);
}

static void parses_to(const char *s, int64_t expect)
{
    int64_t got = -1;
    if (!iso8601_parse(s, &got))
        fail_msg("'%s' should parse", s);
    assert_int_equal(got, expect);
}

static void test_iso8601_parse(void **state)
{
    (void)state;
    parses_to("1970-01-01T00:00:00Z", 0);
    parses_to("2023-11-14T22:13:20.123Z", 1700000000123LL);
    parses_to("2023-11-14T22:13:20Z", 1700000000000LL);
    parses_to("2023-11-14T22:13:20.5Z", 1700000000500LL);
    parses_to("2023-11-14T22:13:20.12Z", 1700000000120LL);
    parses_to("2023-11-14T22:13:20.123999Z", 1700000000123LL); /* extra digits dropped */
    parses_to("2024-02-29T00:00:00Z", 1709164800000LL);
    parses_to("2000-02-29T12:00:00Z", 951825600000LL);
}

static void test_iso8601_round_trip(void **state)
{
    (void)state;
    const int64_t samples[] = {
        0, 1, 999, 86399999, 1700000000123LL, 4102444799999LL, 951782400000LL};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        char s[ISO8601_LEN];
        iso8601_ms(samples[i], s);
        int64_t back = -1;
        assert_true(iso8601_parse(s, &back));
        assert_int_equal(back, samples[i]);
    }
}

static void test_iso8601_rejects_junk(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "junk",
        "2026-01-01T00:00:00",       /* no zone */
        "2026-01-01 00:00:00Z",      /* space, not T */
        "2026-01-01t00:00:00Z",      /* lowercase t */
        "2026-01-01T00:00:00z",      /* lowercase z */
        " 2026-01-01T00:00:00Z",     /* leading space */
        "+026-01-01T00:00:00Z",      /* sign */
        "2026-1-01T00:00:00Z",       /* short month */
        "2026-01-1T00:00:00Z",       /* short day */
        "2026-01-01T0:00:00Z",       /* short hour */
        "2026-01-01T00:00:0Z",       /* short second */
        "2026-00-01T00:00:00Z",      /* month 0 */
        "2026-13-01T00:00:00Z",      /* month 13 */
        "2026-01-00T00:00:00Z",      /* day 0 */
        "2026-01-32T00:00:00Z",      /* day 32 */
        "2026-02-29T00:00:00Z",      /* not a leap year */
        "1900-02-29T00:00:00Z",      /* century, not a leap year */
        "2026-04-31T00:00:00Z",      /* April has 30 days */
        "2026-01-01T24:00:00Z",      /* hour 24 */
        "2026-01-01T00:60:00Z",      /* minute 60 */
        "2026-01-01T00:00:61Z",      /* second 61 */
        "2026-01-01T00:00:00.Z",     /* empty fraction */
        "2026-01-01T00:00:00.1a2Z",  /* junk in the fraction */
        "2026-01-01T00:00:00ZZ",     /* trailing junk */
        "2026-01-01T00:00:00Z ",     /* trailing space */
        "2026-01-01T00:00:00+00:00", /* offsets are not accepted */
        "2026-01-01",                /* date only */
        "2026-01-01T00:00",          /* short */
        "20260101T000000Z",          /* basic format */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t v = 42;
        if (iso8601_parse(bad[i], &v))
            fail_msg("'%s' should be rejected", bad[i]);
        assert_int_equal(v, 42); /* untouched */
    }
}

static void test_clocks(void **state)
{
    (void)state;
    int64_t a = mono_ms();
    int64_t b = mono_ms();
    assert_true(b >= a);
    /* The wall clock is after 2020-01-01. */
    assert_true(wall_ms() > 1577836800000LL);
    sleep_ms(0);
    sleep_ms(-5);
    sleep_ms(1);
    assert_true(mono_ms() >= b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iso8601_format),
        cmocka_unit_test(test_iso8601_parse),
        cmocka_unit_test(test_iso8601_round_trip),
        cmocka_unit_test(test_iso8601_rejects_junk),
        cmocka_unit_test(test_clocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

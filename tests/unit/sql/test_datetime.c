#include "sql/datetime.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- helpers ------------------------------------------------------------------ */

static dt_time parse_ok(const char *s)
{
    dt_time t;
    char err[160] = "";
    if (!dt_parse(s, strlen(s), &t, err, sizeof err))
        fail_msg("'%s' did not parse: %s", s, err);
    return t;
}

static void parse_err(const char *s, const char *want)
{
    dt_time t;
    char err[160] = "";
    if (dt_parse(s, strlen(s), &t, err, sizeof err))
        fail_msg("'%s' parsed; want the error %s", s, want);
    assert_string_equal(err, want);
}

static const char *fmt(const dt_time *t)
{
    static char b[DT_STR_MAX];
    size_t n = dt_format(t, b);
    assert_int_equal(n, strlen(b));
    return b;
}

static const char *dec_str(const dec_t *d)
{
    static char b[DEC_STR_MAX];
    dec_format(d, b);
    return b;
}

static const char *extract(const dt_time *t, dt_field f)
{
    dec_t d;
    dt_extract(t, f, &d);
    return dec_str(&d);
}

static dt_time epoch_ok(const char *n)
{
    dec_t d;
    assert_int_equal(dec_parse(n, strlen(n), false, &d), DEC_OK);
    dt_time t;
    char err[160] = "";
    if (!dt_from_epoch(&d, &t, err, sizeof err))
        fail_msg("epoch %s: %s", n, err);
    return t;
}

static const char *epoch_err(const char *n)
{
    static char err[160];
    dec_t d;
    assert_int_equal(dec_parse(n, strlen(n), false, &d), DEC_OK);
    dt_time t;
    err[0] = '\0';
    assert_false(dt_from_epoch(&d, &t, err, sizeof err));
    return err;
}

static const char *doy(const char *date)
{
    dt_time t = parse_ok(date);
    return extract(&t, DT_F_DOY);
}

/* The UTC timestamp of t as 'YYYY-MM-DDTHH:MM:SSZ', whatever its form. */
static const char *utc(const dt_time *t)
{
    dt_time u = *t;
    u.form = DT_TIMESTAMP;
    u.sep = 'T';
    u.frac_digits = 0;
    u.zone = true;
    return fmt(&u);
}

/* ---- calendar ------------------------------------------------------------------- */

static void test_civil(void **state)
{
    (void)state;
    assert_int_equal(dt_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(dt_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(dt_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(dt_days_from_civil(2024, 2, 29), 19782);
    assert_int_equal(dt_days_from_civil(0, 1, 1), -719528);
    assert_int_equal(dt_days_from_civil(9999, 12, 31), 2932896);
    assert_int_equal(dt_days_from_civil(-1, 12, 31), -719529);
    int64_t y;
    int m, d;
    dt_civil_from_days(-719528, &y, &m, &d);
    assert_true(y == 0 && m == 1 && d == 1);
    dt_civil_from_days(-719529, &y, &m, &d);
    assert_true(y == -1 && m == 12 && d == 31);

    /* Every day from year -1 to 10000 follows the one before. */
    int64_t py = -2;
    int pm = 12, pd = 31;
    for (int64_t days = dt_days_from_civil(-1, 1, 1); days <= dt_days_from_civil(10000, 12, 31);
         days++) {
        dt_civil_from_days(days, &y, &m, &d);
        if (d == 1 && m == 1)
            assert_true(y == py + 1 && pm == 12 && pd == 31);
        else if (d == 1)
            assert_true(y == py && m == pm + 1 && pd == dt_days_in_month(py, pm));
        else
            assert_true(y == py && m == pm && d == pd + 1);
        assert_int_equal(dt_days_from_civil(y, m, d), days);
        py = y, pm = m, pd = d;
    }
}

static void test_leap(void **state)
{
    (void)state;
    assert_true(dt_is_leap(2000));
    assert_true(dt_is_leap(2024));
    assert_true(dt_is_leap(0));
    assert_true(dt_is_leap(-4));
    assert_false(dt_is_leap(1900));
    assert_false(dt_is_leap(2100));
    assert_false(dt_is_leap(2023));
    assert_false(dt_is_leap(-1));
    assert_int_equal(dt_days_in_month(2024, 2), 29);
    assert_int_equal(dt_days_in_month(2023, 2), 28);
    assert_int_equal(dt_days_in_month(1900, 2), 28);
    assert_int_equal(dt_days_in_month(2000, 2), 29);
    assert_int_equal(dt_days_in_month(2023, 4), 30);
    assert_int_equal(dt_days_in_month(2023, 12), 31);
    assert_int_equal(dt_days_in_month(2023, 13), 0);
    assert_int_equal(dt_days_in_month(2023, 0), 0);
}

/* The fields agree with the C library's UTC calendar (gmtime_r and strftime's
 * %V, both independent of TZ) for every day of 1800..2200, at a varying time
 * of day. */
static void test_against_libc(void **state)
{
    (void)state;
    int64_t from = dt_days_from_civil(1800, 1, 1), to = dt_days_from_civil(2200, 12, 31);
    for (int64_t days = from; days <= to; days++) {
        int64_t sod = (days * 7919) % 86400;
        if (sod < 0)
            sod += 86400;
        dt_time t = {0};
        t.sec = days * 86400 + sod;
        t.form = DT_TIMESTAMP;
        time_t tt = (time_t)t.sec;
        struct tm tm;
        assert_non_null(gmtime_r(&tt, &tm));
        char want[64], iso[16];
        strftime(iso, sizeof iso, "%V", &tm);
        snprintf(want, sizeof want, "%d %d %d %d %d %d %d %d %d %d", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_wday,
                 tm.tm_yday + 1, atoi(iso), tm.tm_mon / 3 + 1);
        char got[64];
        static const dt_field fs[] = {DT_F_YEAR,   DT_F_MONTH, DT_F_DAY, DT_F_HOUR, DT_F_MINUTE,
                                      DT_F_SECOND, DT_F_DOW,   DT_F_DOY, DT_F_WEEK, DT_F_QUARTER};
        int n = 0;
        for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
            n +=
                snprintf(got + n, sizeof got - (size_t)n, "%s%s", i ? " " : "", extract(&t, fs[i]));
        if (strcmp(got, want) != 0)
            fail_msg("day %lld: got %s, want %s", (long long)days, got, want);
        /* A week starts on the Monday at or before the day. */
        dt_time w;
        assert_true(dt_trunc(&t, DT_F_WEEK, &w));
        int64_t wdays = w.sec / 86400;
        assert_int_equal(w.sec % 86400, 0);
        assert_true(days - wdays >= 0 && days - wdays <= 6);
        assert_string_equal(extract(&w, DT_F_DOW), "1");
    }
}

/* ---- parsing ------------------------------------------------------------------- */

static void test_parse_forms(void **state)
{
    (void)state;
    dt_time t = parse_ok("2024-02-29");
    assert_int_equal(t.form, DT_DATE);
    assert_int_equal(t.sec, INT64_C(1709164800));
    assert_string_equal(fmt(&t), "2024-02-29");

    t = parse_ok("2024-02-29T12:34:56Z");
    assert_int_equal(t.form, DT_TIMESTAMP);
    assert_int_equal(t.sec, INT64_C(1709210096));
    assert_true(t.zone);
    assert_int_equal(t.sep, 'T');
    assert_int_equal(t.frac_digits, 0);
    assert_string_equal(fmt(&t), "2024-02-29T12:34:56Z");

    t = parse_ok("2024-02-29 12:34");
    assert_int_equal(t.sec, INT64_C(1709210040));
    assert_false(t.zone);
    assert_int_equal(t.sep, ' ');
    assert_string_equal(fmt(&t), "2024-02-29 12:34:00");

    t = parse_ok("2024-02-29t12:34:56.5z"); /* lower-case T and Z */
    assert_string_equal(fmt(&t), "2024-02-29T12:34:56.5Z");
    assert_string_equal(dec_str(&t.frac), "0.5");

    t = parse_ok("2024-02-29T12:34:56.123456789");
    assert_int_equal(t.frac_digits, 9);
    assert_string_equal(dec_str(&t.frac), "0.123456789");
    assert_string_equal(fmt(&t), "2024-02-29T12:34:56.123456789");

    t = parse_ok("2024-02-29T12:34:56,25Z"); /* ISO allows a comma */
    assert_string_equal(dec_str(&t.frac), "0.25");
    assert_string_equal(fmt(&t), "2024-02-29T12:34:56.25Z");

    t = parse_ok("2024-02-29T12:34:56.000Z");
    assert_string_equal(dec_str(&t.frac), "0.000");
    assert_string_equal(fmt(&t), "2024-02-29T12:34:56.000Z");

    t = parse_ok("2024-02-29T12:34:56.999999999999999999Z"); /* 18 digits */
    assert_string_equal(fmt(&t), "2024-02-29T12:34:56.999999999999999999Z");

    t = parse_ok("  2024-02-29T00:00Z \t\n");
    assert_string_equal(fmt(&t), "2024-02-29T00:00:00Z");

    /* The edges of the supported range. */
    t = parse_ok("0000-01-01T00:00:00Z");
    assert_int_equal(t.sec, DT_MIN_SEC);
    t = parse_ok("9999-12-31T23:59:59Z");
    assert_int_equal(t.sec, DT_MAX_SEC);
    t = parse_ok("1969-12-31T23:59:59.75Z");
    assert_int_equal(t.sec, -1);
    assert_string_equal(fmt(&t), "1969-12-31T23:59:59.75Z");
}

static void test_parse_offsets(void **state)
{
    (void)state;
    dt_time z = parse_ok("2024-01-01T00:00:00Z");
    dt_time t = parse_ok("2024-01-01T02:00:00+02:00");
    assert_int_equal(t.sec, z.sec);
    assert_true(t.zone);
    assert_string_equal(fmt(&t), "2024-01-01T00:00:00Z"); /* written in UTC */
    t = parse_ok("2023-12-31T23:30:00-01:00");
    assert_string_equal(utc(&t), "2024-01-01T00:30:00Z");
    t = parse_ok("2024-01-01T05:30+0530");
    assert_int_equal(t.sec, z.sec);
    t = parse_ok("2024-01-01T05:00:00+05");
    assert_int_equal(t.sec, z.sec);
    t = parse_ok("2024-01-01T00:00:00.5-00:00");
    assert_int_equal(t.sec, z.sec);
    assert_string_equal(fmt(&t), "2024-01-01T00:00:00.5Z");
    t = parse_ok("2024-03-01T00:15:00+23:59");
    assert_string_equal(utc(&t), "2024-02-29T00:16:00Z");
    /* A date with no time is midnight UTC; a time with no zone is UTC. */
    assert_int_equal(parse_ok("2024-01-01").sec, z.sec);
    assert_int_equal(parse_ok("2024-01-01T00:00").sec, z.sec);
}

static void test_parse_errors(void **state)
{
    (void)state;
    parse_err("", "it does not start with a date YYYY-MM-DD");
    parse_err("   ", "it does not start with a date YYYY-MM-DD");
    parse_err("yesterday", "it does not start with a date YYYY-MM-DD");
    parse_err("2024-1-01", "it does not start with a date YYYY-MM-DD");
    parse_err("2024/01/01", "it does not start with a date YYYY-MM-DD");
    parse_err("24-01-01", "it does not start with a date YYYY-MM-DD");
    parse_err("+2024-01-01", "it does not start with a date YYYY-MM-DD");
    parse_err("2024-01-0", "it does not start with a date YYYY-MM-DD");
    parse_err("20240101", "it does not start with a date YYYY-MM-DD");
    parse_err("2024-13-01", "month 13 is not 1..12");
    parse_err("2024-00-10", "month 0 is not 1..12");
    parse_err("2024-01-00", "day 0 is not 1..31 for 2024-01");
    parse_err("2023-02-29", "day 29 is not 1..28 for 2023-02");
    parse_err("1900-02-29", "day 29 is not 1..28 for 1900-02");
    parse_err("2024-02-30", "day 30 is not 1..29 for 2024-02");
    parse_err("2024-04-31", "day 31 is not 1..30 for 2024-04");
    parse_err("2024-01-01X", "unexpected 'X' after the date (use T or a space before the time)");
    parse_err("2024-01-01T", "expected the time as HH:MM after the date");
    parse_err("2024-01-01T1:00", "expected the time as HH:MM after the date");
    parse_err("2024-01-01T10", "expected the time as HH:MM after the date");
    parse_err("2024-01-01T10:", "expected the minutes as two digits after '10:'");
    parse_err("2024-01-01T10:00:", "expected the seconds as two digits after '10:00:'");
    parse_err("2024-01-01T10:00:0", "expected the seconds as two digits after '10:00:'");
    parse_err("2024-01-01T10:00:00.", "expected digits after the seconds' decimal point");
    parse_err("2024-01-01T10:00:00.1234567890123456789",
              "more than 18 digits in the fraction of a second");
    parse_err("2024-01-01T10:00.5", "unexpected '.' after the time");
    parse_err("2024-01-01T24:00", "hour 24 is not 0..23");
    parse_err("2024-01-01T23:60", "minute 60 is not 0..59");
    parse_err("2024-12-31T23:59:60Z", "second 60 is not 0..59 (leap seconds are not supported)");
    parse_err("2024-01-01T10:00:00Zjunk", "unexpected 'j' after the time");
    parse_err("2024-01-01T10:00:00 Z", "unexpected ' ' after the time");
    parse_err("2024-01-01T10:00:00+", "expected the offset as +HH:MM or -HH:MM after '+'");
    parse_err("2024-01-01T10:00:00+5", "expected the offset as +HH:MM or -HH:MM after '+'");
    parse_err("2024-01-01T10:00:00+05:3", "expected the offset's minutes as two digits after "
                                          "'+05:'");
    parse_err("2024-01-01T10:00:00+053", "expected the offset as +HH:MM or -HH:MM");
    parse_err("2024-01-01T10:00:00+24:00", "offset +24:00 is not a valid UTC offset");
    parse_err("2024-01-01T10:00:00-05:60", "offset -05:60 is not a valid UTC offset");
    parse_err("0000-01-01T00:00:00+00:01", "the instant in UTC falls outside the years 0000..9999");
    parse_err("9999-12-31T23:59:59-00:01", "the instant in UTC falls outside the years 0000..9999");
    /* Bytes past the end are never read (the length is what counts). */
    dt_time t;
    char err[160];
    assert_true(dt_parse("2024-01-01T10:00:00Zjunk", 20, &t, err, sizeof err));
    assert_false(dt_parse("2024-01-01", 9, &t, err, sizeof err));
}

/* ---- epoch numbers --------------------------------------------------------------- */

static void test_epoch(void **state)
{
    (void)state;
    dt_time t = epoch_ok("0");
    assert_int_equal(t.form, DT_EPOCH_S);
    assert_string_equal(utc(&t), "1970-01-01T00:00:00Z");
    t = epoch_ok("1700000000");
    assert_string_equal(utc(&t), "2023-11-14T22:13:20Z");
    assert_string_equal(dec_str(&t.frac), "0");
    /* Milliseconds above 1e11 in magnitude. */
    t = epoch_ok("1700000000123");
    assert_int_equal(t.form, DT_EPOCH_MS);
    assert_string_equal(utc(&t), "2023-11-14T22:13:20Z");
    assert_string_equal(dec_str(&t.frac), "0.123");
    t = epoch_ok("100000000000"); /* 1e11 itself is seconds */
    assert_int_equal(t.form, DT_EPOCH_S);
    assert_string_equal(utc(&t), "5138-11-16T09:46:40Z");
    t = epoch_ok("100000000001");
    assert_int_equal(t.form, DT_EPOCH_MS);
    assert_string_equal(utc(&t), "1973-03-03T09:46:40Z");
    assert_string_equal(dec_str(&t.frac), "0.001");
    t = epoch_ok("1E+11");
    assert_int_equal(t.form, DT_EPOCH_S);
    t = epoch_ok("-100000000001");
    assert_int_equal(t.form, DT_EPOCH_MS);
    assert_string_equal(utc(&t), "1966-10-31T14:13:19Z");
    assert_string_equal(dec_str(&t.frac), "0.999");
    /* Fractions are exact and floored toward the past. */
    t = epoch_ok("1.25");
    assert_int_equal(t.sec, 1);
    assert_string_equal(dec_str(&t.frac), "0.25");
    t = epoch_ok("-1.5");
    assert_int_equal(t.sec, -2);
    assert_string_equal(dec_str(&t.frac), "0.5");
    t = epoch_ok("-1");
    assert_string_equal(utc(&t), "1969-12-31T23:59:59Z");
    t = epoch_ok("1.7E+9");
    assert_int_equal(t.sec, 1700000000);
    assert_string_equal(dec_str(&t.frac), "0");
    t = epoch_ok("1E-100");
    assert_int_equal(t.sec, 0);
    assert_string_equal(dec_str(&t.frac), "1E-100");
    /* The range: years 0000..9999 in either unit. */
    t = epoch_ok("-62167219200");
    assert_string_equal(utc(&t), "0000-01-01T00:00:00Z");
    t = epoch_ok("253402300799999");
    assert_string_equal(utc(&t), "9999-12-31T23:59:59Z");
    assert_string_equal(epoch_err("-62167219201"),
                        "it is outside the years 0000..9999 as epoch seconds");
    assert_string_equal(epoch_err("-62167219200.5"),
                        "it is outside the years 0000..9999 as epoch seconds");
    assert_string_equal(epoch_err("253402300800000"),
                        "it is outside the years 0000..9999 as epoch milliseconds");
    assert_string_equal(epoch_err("-1E+20"),
                        "it is outside the years 0000..9999 as epoch milliseconds");
    assert_string_equal(epoch_err("9.99E+125"),
                        "it is outside the years 0000..9999 as epoch milliseconds");
}

static void test_epoch_out(void **state)
{
    (void)state;
    dec_t d;
    dt_time t = epoch_ok("1700000000.75"), r;
    dt_to_epoch(&t, &d);
    assert_string_equal(dec_str(&d), "1700000000.75");
    assert_true(dt_trunc(&t, DT_F_SECOND, &r));
    dt_to_epoch(&r, &d);
    assert_string_equal(dec_str(&d), "1700000000");
    t = epoch_ok("1700000000123");
    dt_to_epoch(&t, &d);
    assert_string_equal(dec_str(&d), "1700000000123");
    assert_true(dt_trunc(&t, DT_F_MINUTE, &r));
    dt_to_epoch(&r, &d);
    assert_string_equal(dec_str(&d), "1699999980000");
    t = epoch_ok("1700000000123.5");
    dt_to_epoch(&t, &d);
    assert_string_equal(dec_str(&d), "1700000000123.5");
    t = epoch_ok("-100000000001");
    dt_to_epoch(&t, &d);
    assert_string_equal(dec_str(&d), "-100000000001");
    assert_true(dt_trunc(&t, DT_F_DAY, &r));
    dt_to_epoch(&r, &d);
    assert_string_equal(dec_str(&d), "-100051200000");
    t = epoch_ok("0");
    dt_to_epoch(&t, &d);
    assert_string_equal(dec_str(&d), "0");
}

static void test_from_ms(void **state)
{
    (void)state;
    dt_time t;
    assert_true(dt_from_ms(INT64_C(1709210096789), false, &t));
    assert_string_equal(fmt(&t), "2024-02-29T12:34:56.789Z");
    assert_true(dt_from_ms(INT64_C(1709210096789), true, &t));
    assert_int_equal(t.form, DT_DATE);
    assert_string_equal(fmt(&t), "2024-02-29");
    assert_true(dt_from_ms(0, false, &t));
    assert_string_equal(fmt(&t), "1970-01-01T00:00:00.000Z");
    assert_true(dt_from_ms(-1, false, &t));
    assert_string_equal(fmt(&t), "1969-12-31T23:59:59.999Z");
    assert_true(dt_from_ms(-1, true, &t));
    assert_string_equal(fmt(&t), "1969-12-31");
    assert_true(dt_from_ms(5, false, &t));
    assert_string_equal(fmt(&t), "1970-01-01T00:00:00.005Z");
    assert_false(dt_from_ms(INT64_MAX, false, &t));
    assert_false(dt_from_ms(INT64_MIN, true, &t));
}

/* ---- fields ----------------------------------------------------------------------- */

static void test_fields(void **state)
{
    (void)state;
    dt_field f;
    assert_true(dt_field_parse("year", 4, &f));
    assert_int_equal(f, DT_F_YEAR);
    assert_true(dt_field_parse("Epoch", 5, &f));
    assert_int_equal(f, DT_F_EPOCH);
    assert_true(dt_field_parse("DOW", 3, &f));
    assert_int_equal(f, DT_F_DOW);
    assert_true(dt_field_parse("YEARS", 4, &f)); /* only len bytes count */
    assert_false(dt_field_parse("YEARS", 5, &f));
    assert_false(dt_field_parse("", 0, &f));
    assert_false(dt_field_parse("YEA", 3, &f));
    for (int i = 0; i < DT_F_COUNT_; i++) {
        const char *name = dt_field_name((dt_field)i);
        assert_true(dt_field_parse(name, strlen(name), &f));
        assert_int_equal(f, i);
        assert_non_null(strstr(DT_EXTRACT_FIELDS, name));
        assert_int_equal(dt_field_truncates(f), strstr(DT_TRUNC_UNITS, name) != NULL);
    }
    assert_string_equal(dt_field_name(DT_F_COUNT_), "?");
    assert_false(dt_field_truncates(DT_F_DOW));
    assert_false(dt_field_truncates(DT_F_DOY));
    assert_false(dt_field_truncates(DT_F_EPOCH));
}

static void test_extract(void **state)
{
    (void)state;
    dt_time t = parse_ok("2024-02-29T13:45:06.250Z");
    assert_string_equal(extract(&t, DT_F_YEAR), "2024");
    assert_string_equal(extract(&t, DT_F_QUARTER), "1");
    assert_string_equal(extract(&t, DT_F_MONTH), "2");
    assert_string_equal(extract(&t, DT_F_WEEK), "9");
    assert_string_equal(extract(&t, DT_F_DAY), "29");
    assert_string_equal(extract(&t, DT_F_HOUR), "13");
    assert_string_equal(extract(&t, DT_F_MINUTE), "45");
    assert_string_equal(extract(&t, DT_F_SECOND), "6.250");
    assert_string_equal(extract(&t, DT_F_DOW), "4");
    assert_string_equal(extract(&t, DT_F_DOY), "60");
    assert_string_equal(extract(&t, DT_F_EPOCH), "1709214306.250");

    t = parse_ok("2024-02-29T13:45:06Z");
    assert_string_equal(extract(&t, DT_F_SECOND), "6");
    t = parse_ok("2024-02-29T13:45:06.000000001Z");
    assert_string_equal(extract(&t, DT_F_SECOND), "6.000000001");
    t = parse_ok("1969-12-31T23:59:59.5Z");
    assert_string_equal(extract(&t, DT_F_EPOCH), "-0.5");
    assert_string_equal(extract(&t, DT_F_SECOND), "59.5");
    t = parse_ok("0000-01-01");
    assert_string_equal(extract(&t, DT_F_YEAR), "0");
    assert_string_equal(extract(&t, DT_F_DOW), "6"); /* a Saturday (proleptic) */
    assert_string_equal(extract(&t, DT_F_WEEK), "52");
    assert_string_equal(extract(&t, DT_F_EPOCH), "-62167219200");
    t = parse_ok("9999-12-31T23:59:59.999Z");
    assert_string_equal(extract(&t, DT_F_DOY), "365");
    assert_string_equal(extract(&t, DT_F_WEEK), "52");
    assert_string_equal(extract(&t, DT_F_QUARTER), "4");

    /* Leap years: day of year after February. */
    assert_string_equal(doy("2024-03-01"), "61");
    assert_string_equal(doy("2023-03-01"), "60");
    assert_string_equal(doy("2000-12-31"), "366");
    assert_string_equal(doy("1900-12-31"), "365");
}

static void test_iso_week(void **state)
{
    (void)state;
    static const struct {
        const char *date;
        const char *week;
    } cases[] = {
        {"2021-01-01", "53"}, /* Friday: the last week of 2020 */
        {"2021-01-03", "53"}, {"2021-01-04", "1"},  {"2020-12-31", "53"}, {"2020-01-01", "1"},
        {"2018-12-31", "1"}, /* Monday: week 1 of 2019 */
        {"2019-12-30", "1"},  {"2024-12-30", "1"},  {"2025-01-01", "1"},  {"2024-01-01", "1"},
        {"2023-01-01", "52"}, /* Sunday: the last week of 2022 */
        {"2022-01-02", "52"}, {"2022-01-03", "1"},  {"2015-12-31", "53"}, {"2016-01-03", "53"},
        {"2016-01-04", "1"},  {"2026-12-31", "53"}, {"2027-01-01", "53"}, {"2027-01-03", "53"},
        {"2027-01-04", "1"},  {"2008-12-29", "1"},  {"2010-01-03", "53"}, {"2009-12-31", "53"},
        {"2004-12-31", "53"}, /* a leap year starting on Thursday */
        {"2032-12-31", "53"}, /* a leap year starting on Thursday */
        {"2020-06-15", "25"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dt_time t = parse_ok(cases[i].date);
        const char *got = extract(&t, DT_F_WEEK);
        if (strcmp(got, cases[i].week) != 0)
            fail_msg("%s: week %s, want %s", cases[i].date, got, cases[i].week);
    }
}

/* ---- truncation -------------------------------------------------------------------- */

static const char *trunc_str(const char *s, dt_field unit)
{
    dt_time t = parse_ok(s), r;
    if (!dt_trunc(&t, unit, &r))
        return "FAIL";
    return fmt(&r);
}

static void test_trunc(void **state)
{
    (void)state;
    const char *ts = "2024-05-15T13:45:06.250Z";
    assert_string_equal(trunc_str(ts, DT_F_YEAR), "2024-01-01T00:00:00.000Z");
    assert_string_equal(trunc_str(ts, DT_F_QUARTER), "2024-04-01T00:00:00.000Z");
    assert_string_equal(trunc_str(ts, DT_F_MONTH), "2024-05-01T00:00:00.000Z");
    assert_string_equal(trunc_str(ts, DT_F_WEEK), "2024-05-13T00:00:00.000Z");
    assert_string_equal(trunc_str(ts, DT_F_DAY), "2024-05-15T00:00:00.000Z");
    assert_string_equal(trunc_str(ts, DT_F_HOUR), "2024-05-15T13:00:00.000Z");
    assert_string_equal(trunc_str(ts, DT_F_MINUTE), "2024-05-15T13:45:00.000Z");
    assert_string_equal(trunc_str(ts, DT_F_SECOND), "2024-05-15T13:45:06.000Z");
    assert_string_equal(trunc_str(ts, DT_F_DOW), "FAIL");
    assert_string_equal(trunc_str(ts, DT_F_DOY), "FAIL");
    assert_string_equal(trunc_str(ts, DT_F_EPOCH), "FAIL");
    /* Quarters. */
    assert_string_equal(trunc_str("2024-03-31", DT_F_QUARTER), "2024-01-01");
    assert_string_equal(trunc_str("2024-06-30", DT_F_QUARTER), "2024-04-01");
    assert_string_equal(trunc_str("2024-07-01", DT_F_QUARTER), "2024-07-01");
    assert_string_equal(trunc_str("2024-12-31", DT_F_QUARTER), "2024-10-01");
    /* Weeks cross months and years. */
    assert_string_equal(trunc_str("2024-03-03", DT_F_WEEK), "2024-02-26");
    assert_string_equal(trunc_str("2021-01-03", DT_F_WEEK), "2020-12-28");
    assert_string_equal(trunc_str("2024-02-29", DT_F_WEEK), "2024-02-26");
    /* A date truncated below a day stays the same date. */
    assert_string_equal(trunc_str("2024-05-15", DT_F_HOUR), "2024-05-15");
    assert_string_equal(trunc_str("2024-05-15", DT_F_SECOND), "2024-05-15");
    /* Before 1970. */
    assert_string_equal(trunc_str("1969-12-31T23:59:59.9Z", DT_F_HOUR), "1969-12-31T23:00:00.0Z");
    assert_string_equal(trunc_str("1969-12-31T23:59:59.9Z", DT_F_MONTH), "1969-12-01T00:00:00.0Z");
    assert_string_equal(trunc_str("1900-03-01T10:00", DT_F_WEEK), "1900-02-26T00:00:00");
    /* The earliest dates: 0000-01-01 is a Saturday, its week began in year -1. */
    assert_string_equal(trunc_str("0000-01-01", DT_F_WEEK), "FAIL");
    assert_string_equal(trunc_str("0000-01-02T12:00", DT_F_WEEK), "FAIL");
    assert_string_equal(trunc_str("0000-01-03", DT_F_WEEK), "0000-01-03"); /* the first Monday */
    assert_string_equal(trunc_str("0000-01-09", DT_F_WEEK), "0000-01-03");
    assert_string_equal(trunc_str("0000-01-03", DT_F_YEAR), "0000-01-01");
    assert_string_equal(trunc_str("9999-12-31T23:59:59Z", DT_F_WEEK), "9999-12-27T00:00:00Z");
    /* The form is kept. */
    dt_time t = parse_ok("2024-05-15 13:45:06.5"), r;
    assert_true(dt_trunc(&t, DT_F_DAY, &r));
    assert_int_equal(r.form, DT_TIMESTAMP);
    assert_int_equal(r.sep, ' ');
    assert_false(r.zone);
    assert_int_equal(r.frac_digits, 1);
    assert_true(dec_is_zero(&r.frac));
    assert_string_equal(fmt(&r), "2024-05-15 00:00:00.0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_civil),         cmocka_unit_test(test_leap),
        cmocka_unit_test(test_against_libc),  cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_parse_offsets), cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_epoch),         cmocka_unit_test(test_epoch_out),
        cmocka_unit_test(test_from_ms),       cmocka_unit_test(test_fields),
        cmocka_unit_test(test_extract),       cmocka_unit_test(test_iso_week),
        cmocka_unit_test(test_trunc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

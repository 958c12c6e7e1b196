#include "sql/decimal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

static dec_t D(const char *s)
{
    dec_t d;
    dec_status st = dec_parse(s, strlen(s), false, &d);
    if (st != DEC_OK)
        fail_msg("parse \"%s\": %s", s, dec_status_str(st));
    return d;
}

static void assert_dec(const dec_t *d, const char *expect, const char *ctx)
{
    char buf[DEC_STR_MAX];
    size_t n = dec_format(d, buf);
    assert_int_equal(n, strlen(buf));
    if (strcmp(buf, expect) != 0)
        fail_msg("%s: got %s, expected %s", ctx, buf, expect);
}

/* Parse then format: the scale is kept. */
static const struct {
    const char *in, *out;
} roundtrip[] = {
    {"0", "0"},
    {"-0", "0"},
    {"+0.00", "0.00"},
    {"-0.000", "0.000"},
    {"1", "1"},
    {"-1", "-1"},
    {"+7", "7"},
    {"1.50", "1.50"},
    {"-0.50", "-0.50"},
    {".5", "0.5"},
    {"5.", "5"},
    {"007.100", "7.100"},
    {"1e3", "1000"},
    {"1E+3", "1000"},
    {"1.5e-3", "0.0015"},
    {"123.456e1", "1234.56"},
    {"12e-5", "0.00012"},
    {"99999999999999999999999999999999999999", "99999999999999999999999999999999999999"},
    {"-99999999999999999999999999999999999999", "-99999999999999999999999999999999999999"},
    {"0.00000000000000000000000000000000000001", "1E-38"},
    {"1E+125", "1E+125"},
    {"9.9999999999999999999999999999999999999E+125",
     "9.9999999999999999999999999999999999999E+125"},
    {"1E-130", "1E-130"},
    {"-1.5E-130", "-1.5E-130"},
    {"1E+39", "1000000000000000000000000000000000000000"},
    {"1E+40", "1E+40"},
    {"1.23E-26", "1.23E-26"},
    {"1.23E-25", "0.000000000000000000000000123"},
    /* Trailing zeros beyond 38 digits are not significant. */
    {"1.0000000000000000000000000000000000000000", "1.0000000000000000000000000000000000000"},
    {"100000000000000000000000000000000000000000000",
     "1.0000000000000000000000000000000000000E+44"},
    {"0E+500", "0"},
    {"0E-500", "0"},
};

static void test_parse_format_roundtrip(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof roundtrip / sizeof roundtrip[0]; i++) {
        dec_t d = D(roundtrip[i].in);
        assert_dec(&d, roundtrip[i].out, roundtrip[i].in);
        /* The formatted text parses back to the same number. */
        dec_t again = D(roundtrip[i].out);
        assert_int_equal(dec_cmp(&d, &again), 0);
    }
}

static const struct {
    const char *in;
    dec_status st;
} bad[] = {
    {"", DEC_ERR_SYNTAX},
    {"-", DEC_ERR_SYNTAX},
    {"+", DEC_ERR_SYNTAX},
    {".", DEC_ERR_SYNTAX},
    {"-.", DEC_ERR_SYNTAX},
    {"e5", DEC_ERR_SYNTAX},
    {"1e", DEC_ERR_SYNTAX},
    {"1e+", DEC_ERR_SYNTAX},
    {"1.2.3", DEC_ERR_SYNTAX},
    {" 1", DEC_ERR_SYNTAX},
    {"1 ", DEC_ERR_SYNTAX},
    {"--1", DEC_ERR_SYNTAX},
    {"1x", DEC_ERR_SYNTAX},
    {"0x10", DEC_ERR_SYNTAX},
    {"NaN", DEC_ERR_SYNTAX},
    {"Infinity", DEC_ERR_SYNTAX},
    {"1,5", DEC_ERR_SYNTAX},
    {"1e5.5", DEC_ERR_SYNTAX},
    {"123456789012345678901234567890123456789", DEC_ERR_PRECISION},
    {"1.00000000000000000000000000000000000001", DEC_ERR_PRECISION},
    {"1E+126", DEC_ERR_RANGE},
    {"10E+125", DEC_ERR_RANGE},
    {"1E-131", DEC_ERR_RANGE},
    {"0.1E-130", DEC_ERR_RANGE},
    {"1e999999999999999999", DEC_ERR_RANGE},
    {"1e-999999999999999999", DEC_ERR_RANGE},
};

static void test_parse_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dec_t d;
        dec_status st = dec_parse(bad[i].in, strlen(bad[i].in), false, &d);
        if (st != bad[i].st)
            fail_msg("\"%s\": got %s, expected %s", bad[i].in, dec_status_str(st),
                     dec_status_str(bad[i].st));
    }
    /* A NUL inside the length is not a digit. */
    dec_t d;
    assert_int_equal(dec_parse("1\0002", 3, false, &d), DEC_ERR_SYNTAX);
    assert_string_equal(dec_status_str(DEC_ERR_DIV_ZERO), "division by zero");
}

static void test_parse_round_excess(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } c[] = {
        {"123456789012345678901234567890123456789", "123456789012345678901234567890123456790"},
        {"1234567890123456789012345678901234567850", "1234567890123456789012345678901234567800"},
        {"1234567890123456789012345678901234567750", "1234567890123456789012345678901234567800"},
        {"1234567890123456789012345678901234567851", "1234567890123456789012345678901234567900"},
        {"3.14159265358979323846264338327950288419716939937510",
         "3.1415926535897932384626433832795028842"},
        {"99999999999999999999999999999999999999.5", "100000000000000000000000000000000000000"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        dec_t d;
        assert_int_equal(dec_parse(c[i].in, strlen(c[i].in), true, &d), DEC_OK);
        assert_dec(&d, c[i].out, c[i].in);
    }
}

typedef dec_status (*binop)(const dec_t *, const dec_t *, dec_t *);

/* r is the expected result, or "!" for an expected error. */
struct binop_case {
    const char *a, *b, *r;
};

static void check_binops(const char *name, binop op, const struct binop_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dec_t a = D(c[i].a), b = D(c[i].b), r;
        char ctx[200];
        snprintf(ctx, sizeof ctx, "%s(%s, %s)", name, c[i].a, c[i].b);
        dec_status st = op(&a, &b, &r);
        if (c[i].r[0] == '!') {
            if (st == DEC_OK)
                fail_msg("%s: expected an error", ctx);
            continue;
        }
        if (st != DEC_OK)
            fail_msg("%s: %s", ctx, dec_status_str(st));
        assert_dec(&r, c[i].r, ctx);
    }
}

#define CASES(x) x, sizeof x / sizeof x[0]

static const struct binop_case add_cases[] = {
    {"0.1", "0.2", "0.3"},
    {"1", "2", "3"},
    {"1.50", "1", "2.50"},
    {"-1", "1", "0"},
    {"-1.0", "1", "0.0"},
    {"0", "-3.25", "-3.25"},
    {"-3.25", "0", "-3.25"},
    {"9.99", "0.01", "10.00"},
    {"-9.99", "-0.01", "-10.00"},
    {"99999999999999999999999999999999999999", "1", "100000000000000000000000000000000000000"},
    /* Carry past 38 digits rounds half-even. */
    {"99999999999999999999999999999999999999", "0.5", "100000000000000000000000000000000000000"},
    {"12345678901234567890123456789012345678", "0.5", "12345678901234567890123456789012345678"},
    {"12345678901234567890123456789012345677", "0.5", "12345678901234567890123456789012345678"},
    {"12345678901234567890123456789012345677", "0.51", "12345678901234567890123456789012345678"},
    /* Far-apart exponents: the tiny operand only affects rounding. */
    {"1E+100", "1E-100", "1.0000000000000000000000000000000000000E+100"},
    {"1E+100", "-1E-100", "1.0000000000000000000000000000000000000E+100"},
    {"1E-130", "1E-130", "2E-130"},
    {"1E+125", "1E+125", "2E+125"},
    {"9E+125", "1E+125", "!"},
    {"-9.9999999999999999999999999999999999999E+125", "-1E+89", "!"},
    {"0.00", "1", "1"},
};

static const struct binop_case sub_cases[] = {
    {"0.3", "0.1", "0.2"},     {"1", "1.00", "0.00"},
    {"10.00", "0.01", "9.99"}, {"0", "5", "-5"},
    {"-5", "-5", "0"},         {"1E+38", "1", "99999999999999999999999999999999999999"},
    {"1E-130", "1E-130", "0"}, {"1E+125", "-9E+125", "!"},
};

static const struct binop_case mul_cases[] = {
    {"0.1", "0.2", "0.02"},
    {"1.5", "2", "3.0"},
    {"-1.5", "2", "-3.0"},
    {"-1.5", "-2", "3.0"},
    {"0", "-5", "0"},
    {"123456789", "987654321", "121932631112635269"},
    {"99999999999999999999999999999999999999", "99999999999999999999999999999999999999",
     "9.9999999999999999999999999999999999998E+75"},
    {"12345678901234567890123456789012345678", "10", "123456789012345678901234567890123456780"},
    /* Half-even at the 38th digit: ..5 exactly rounds to even. */
    {"1000000000000000000000000000000000001", "25", "25000000000000000000000000000000000025"},
    {"10000000000000000000000000000000000001", "25", "250000000000000000000000000000000000020"},
    {"10000000000000000000000000000000000003", "25", "250000000000000000000000000000000000080"},
    {"1E+100", "1E+25", "1E+125"},
    {"1E+100", "1E+26", "!"},
    {"1E-100", "1E-30", "1E-130"},
    {"1E-100", "1E-31", "!"},
};

static const struct binop_case div_cases[] = {
    {"1", "4", "0.25"},
    {"6", "2", "3"},
    {"1", "3", "0.33333333333333333333333333333333333333"},
    {"2", "3", "0.66666666666666666666666666666666666667"},
    {"-2", "3", "-0.66666666666666666666666666666666666667"},
    {"1.00", "4", "0.25"},
    {"1", "0.25", "4"},
    {"100", "10", "10"},
    {"1E+3", "1", "1E+3" /* formatted plainly below */},
    {"0", "7", "0"},
    {"10", "3", "3.3333333333333333333333333333333333333"},
    {"1", "7", "0.14285714285714285714285714285714285714"},
    {"99999999999999999999999999999999999999", "0.1", "999999999999999999999999999999999999990"},
    {"1E+125", "0.1", "!"},
    {"1E-130", "10", "!"},
    {"5", "0", "!"},
    {"0", "0", "!"},
};

static void test_add_sub(void **state)
{
    (void)state;
    check_binops("add", dec_add, CASES(add_cases));
    check_binops("sub", dec_sub, CASES(sub_cases));
}

static void test_mul(void **state)
{
    (void)state;
    check_binops("mul", dec_mul, CASES(mul_cases));
}

static void test_div(void **state)
{
    (void)state;
    /* "1E+3" / 1 is 1000 at exponent 3; check numerically, then the rest. */
    dec_t a = D("1E+3"), b = D("1"), r;
    assert_int_equal(dec_div(&a, &b, &r), DEC_OK);
    assert_dec(&r, "1000", "1E3/1");
    struct binop_case rest[sizeof div_cases / sizeof div_cases[0]];
    size_t n = 0;
    for (size_t i = 0; i < sizeof div_cases / sizeof div_cases[0]; i++)
        if (strcmp(div_cases[i].a, "1E+3") != 0)
            rest[n++] = div_cases[i];
    check_binops("div", dec_div, rest, n);
    dec_t z = D("0");
    assert_int_equal(dec_div(&b, &z, &r), DEC_ERR_DIV_ZERO);
}

static const struct binop_case mod_cases[] = {
    {"7", "3", "1"},
    {"-7", "3", "-1"},
    {"7", "-3", "1"},
    {"-7", "-3", "-1"},
    {"7.5", "2", "1.5"},
    {"1", "0.3", "0.1"},
    {"6", "3", "0"},
    {"0", "3", "0"},
    {"1E+100", "7", "4"}, /* 10^100 mod 7 = 4 */
    {"5.5", "1E+10", "5.5"},
    /* Exponents at opposite ends of the range: exact, through the wide path. */
    {"1E+125", "3E-130", "1E-130"},
    {"1E+125", "7.000000000000000000000000000000000000E-130",
     "6.000000000000000000000000000000000000E-130"},
    {"-9.9999999999999999999999999999999999999E+125", "1E-130", "0"},
    {"5", "0", "!"},
};

static void test_mod(void **state)
{
    (void)state;
    check_binops("mod", dec_mod, CASES(mod_cases));
}

static void test_sum_is_exact(void **state)
{
    (void)state;
    dec_t sum = D("0"), tenth = D("0.1");
    for (int i = 0; i < 10000; i++)
        assert_int_equal(dec_add(&sum, &tenth, &sum), DEC_OK);
    assert_dec(&sum, "1000.0", "sum of 10000 x 0.1");
    /* Mixed scales and signs cancel exactly. */
    const char *vals[] = {"19.99", "-0.01", "1E+2", "0.001", "-119.98", "-0.001"};
    dec_t s = D("0");
    for (size_t i = 0; i < 6; i++) {
        dec_t v = D(vals[i]);
        assert_int_equal(dec_add(&s, &v, &s), DEC_OK);
    }
    assert_dec(&s, "0.000", "mixed sum");
}

static void test_compare_and_hash(void **state)
{
    (void)state;
    static const struct {
        const char *a, *b;
        int c;
    } c[] = {
        {"1", "1.0", 0},          {"1.0", "1.00", 0},
        {"0", "-0", 0},           {"0.00", "0E+5", 0},
        {"1", "2", -1},           {"2", "1", 1},
        {"-1", "1", -1},          {"-2", "-1", -1},
        {"0.1", "0.09", 1},       {"1E+3", "999", 1},
        {"1E+3", "1000.0", 0},    {"-1E+3", "-999", -1},
        {"1E-130", "0", 1},       {"-1E-130", "0", -1},
        {"123.45", "123.450", 0}, {"99999999999999999999999999999999999999", "1E+38", -1},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        dec_t a = D(c[i].a), b = D(c[i].b);
        if (dec_cmp(&a, &b) != c[i].c || dec_cmp(&b, &a) != -c[i].c)
            fail_msg("cmp(%s, %s) != %d", c[i].a, c[i].b, c[i].c);
        if (c[i].c == 0)
            assert_true(dec_hash(&a) == dec_hash(&b));
        else
            assert_true(dec_hash(&a) != dec_hash(&b));
    }
}

static void test_round_floor_ceil(void **state)
{
    (void)state;
    static const struct {
        const char *x;
        int n;
        const char *round, *floor, *ceil;
    } c[] = {
        {"2.5", 0, "3", "2", "3"},
        {"-2.5", 0, "-3", "-3", "-2"},
        {"2.4", 0, "2", "2", "3"},
        {"-2.4", 0, "-2", "-3", "-2"},
        {"1.2345", 2, "1.23", "1", "2"},
        {"1.235", 2, "1.24", "1", "2"},
        {"-1.235", 2, "-1.24", "-2", "-1"},
        {"1234.5", -2, "1200", "1234", "1235"},
        {"1250", -2, "1300", "1250", "1250"},
        {"7", 2, "7", "7", "7"},
        {"0.004", 2, "0.00", "0", "1"},
        {"-0.004", 2, "0.00", "-1", "0"},
        {"9.99", 1, "10.0", "9", "10"},
        {"0.5", 0, "1", "0", "1"},
        {"1E-100", 0, "0", "0", "1"},
        {"-1E-100", 0, "0", "-1", "0"},
        {"1E+100", 0, "1E+100", "1E+100", "1E+100"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        dec_t x = D(c[i].x), r;
        char ctx[100];
        snprintf(ctx, sizeof ctx, "round(%s, %d)", c[i].x, c[i].n);
        assert_int_equal(dec_round(&x, c[i].n, &r), DEC_OK);
        assert_dec(&r, c[i].round, ctx);
        snprintf(ctx, sizeof ctx, "floor(%s)", c[i].x);
        assert_int_equal(dec_floor(&x, &r), DEC_OK);
        assert_dec(&r, c[i].floor, ctx);
        snprintf(ctx, sizeof ctx, "ceil(%s)", c[i].x);
        assert_int_equal(dec_ceil(&x, &r), DEC_OK);
        assert_dec(&r, c[i].ceil, ctx);
    }
    dec_t big = D("9.9999999999999999999999999999999999999E+125"), r;
    assert_int_equal(dec_round(&big, -125, &r), DEC_ERR_RANGE);
}

static void test_int64(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int64_t v;
        bool ok;
    } c[] = {
        {"0", 0, true},
        {"42", 42, true},
        {"-42", -42, true},
        {"42.5", 43, true},
        {"-42.5", -43, true},
        {"42.49", 42, true},
        {"1E+3", 1000, true},
        {"9223372036854775807", INT64_MAX, true},
        {"-9223372036854775808", INT64_MIN, true},
        {"9223372036854775808", 0, false},
        {"-9223372036854775809", 0, false},
        {"9223372036854775807.5", 0, false},
        {"1E+19", 0, false},
        {"1E+100", 0, false},
        {"1E-100", 0, true},
        {"0E+50", 0, true},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        dec_t d = D(c[i].in);
        int64_t v = -1;
        dec_status st = dec_to_int64(&d, &v);
        if (c[i].ok) {
            if (st != DEC_OK || v != c[i].v)
                fail_msg("to_int64(%s)", c[i].in);
        } else if (st != DEC_ERR_RANGE) {
            fail_msg("to_int64(%s) should overflow", c[i].in);
        }
    }
    const int64_t ints[] = {0, 1, -1, INT64_MAX, INT64_MIN, 1234567890123};
    for (size_t i = 0; i < 6; i++) {
        dec_t d;
        int64_t back;
        dec_from_int64(ints[i], &d);
        assert_int_equal(dec_to_int64(&d, &back), DEC_OK);
        assert_true(back == ints[i]);
        assert_true(dec_is_integer(&d));
    }
    dec_t f = D("1.5"), g = D("1.50E+1"), h = D("2.000");
    assert_false(dec_is_integer(&f));
    assert_true(dec_is_integer(&g));
    assert_true(dec_is_integer(&h));
}

static void test_double(void **state)
{
    (void)state;
    dec_t d = D("0.1");
    assert_true(dec_to_double(&d) == 0.1);
    d = D("-1.5E+100");
    assert_true(dec_to_double(&d) == -1.5e100);
    d = D("123456789012345678901234567890");
    assert_true(dec_to_double(&d) == 123456789012345678901234567890.0);
    static const struct {
        double v;
        const char *out;
    } c[] = {{0.1, "0.1"},     {0.30000000000000004, "0.30000000000000004"},
             {-2.5, "-2.5"},   {1e20, "100000000000000000000"},
             {0.0, "0"},       {-0.0, "0"},
             {1e-5, "0.00001"}};
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        assert_int_equal(dec_from_double(c[i].v, &d), DEC_OK);
        assert_dec(&d, c[i].out, "from_double");
    }
    assert_int_equal(dec_from_double(NAN, &d), DEC_ERR_RANGE);
    assert_int_equal(dec_from_double(INFINITY, &d), DEC_ERR_RANGE);
    assert_int_equal(dec_from_double(1e300, &d), DEC_ERR_RANGE);
    assert_int_equal(dec_from_double(1e-300, &d), DEC_ERR_RANGE);
}

static void test_negate_abs_sign(void **state)
{
    (void)state;
    dec_t d = D("-1.50"), r;
    dec_negate(&d, &r);
    assert_dec(&r, "1.50", "negate");
    dec_abs(&d, &r);
    assert_dec(&r, "1.50", "abs");
    assert_int_equal(dec_sign(&d), -1);
    assert_int_equal(dec_sign(&r), 1);
    d = D("0");
    dec_negate(&d, &r);
    assert_dec(&r, "0", "negate zero");
    assert_int_equal(dec_sign(&r), 0);
    assert_true(dec_is_zero(&r));
}

/* Deterministic pseudo-random integers with a random scale, checked against
 * exact __int128 arithmetic. */
static uint64_t rng_state = 0x2545F4914F6CDD1DULL;

static int64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    /* Mix magnitudes: small, medium and near the int64 limits. */
    switch (rng_state % 4) {
    case 0:
        return (int64_t)(rng_state % 2001) - 1000;
    case 1:
        return (int64_t)(rng_state % 2000000001) - 1000000000;
    default:
        return (int64_t)rng_state;
    }
}

static dec_t scaled(__int128 c, int32_t e)
{
    dec_t d;
    d.coef = c;
    d.exp = e;
    return d;
}

static void test_properties_against_int128(void **state)
{
    (void)state;
    for (int i = 0; i < 20000; i++) {
        int64_t x = rnd(), y = rnd();
        int32_t e = (int32_t)(rng_state % 7) - 3; /* same scale for both */
        dec_t a = scaled(x, e), b = scaled(y, e), r, expect;
        assert_int_equal(dec_add(&a, &b, &r), DEC_OK);
        expect = scaled((__int128)x + y, e);
        assert_int_equal(dec_cmp(&r, &expect), 0);
        assert_int_equal(dec_sub(&a, &b, &r), DEC_OK);
        expect = scaled((__int128)x - y, e);
        assert_int_equal(dec_cmp(&r, &expect), 0);
        assert_int_equal(dec_mul(&a, &b, &r), DEC_OK);
        expect = scaled((__int128)x * y, 2 * e);
        assert_int_equal(dec_cmp(&r, &expect), 0);
        assert_int_equal(dec_cmp(&a, &b), x < y ? -1 : x > y);
        if (x != y)
            assert_true(dec_hash(&a) != dec_hash(&b));
        if (y != 0) {
            /* (x*y)/y = x exactly; x mod y as C computes it. */
            dec_t p = scaled((__int128)x * y, 0), yy = scaled(y, 0), xx = scaled(x, 0);
            assert_int_equal(dec_div(&p, &yy, &r), DEC_OK);
            assert_int_equal(dec_cmp(&r, &xx), 0);
            assert_int_equal(dec_mod(&xx, &yy, &r), DEC_OK);
            expect = scaled((__int128)x % y, 0);
            assert_int_equal(dec_cmp(&r, &expect), 0);
            /* Division rounds to within half a unit in the 38th digit:
             * |q*y - x| <= |y| * 10^(adj(q) - 37) / 2. Checked via the
             * residual being tiny relative to x. */
            assert_int_equal(dec_div(&xx, &yy, &r), DEC_OK);
            dec_t back, diff;
            assert_int_equal(dec_mul(&r, &yy, &back), DEC_OK);
            assert_int_equal(dec_sub(&back, &xx, &diff), DEC_OK);
            if (!dec_is_zero(&diff)) {
                char t[DEC_STR_MAX];
                dec_format(&diff, t);
                /* A residual of a 38-digit quotient is far below 1E-15 of x. */
                double rel = fabs(dec_to_double(&diff)) / (fabs((double)x) + 1e-300);
                if (rel > 1e-30)
                    fail_msg("%lld / %lld: residual %s", (long long)x, (long long)y, t);
            }
        }
        int64_t back64;
        assert_int_equal(dec_to_int64(&(dec_t){.coef = x, .exp = 0}, &back64), DEC_OK);
        assert_true(back64 == x);
        char t[DEC_STR_MAX];
        dec_t parsed;
        dec_format(&a, t);
        assert_int_equal(dec_parse(t, strlen(t), false, &parsed), DEC_OK);
        assert_int_equal(dec_cmp(&parsed, &a), 0);
        if (e <= 0) /* plain notation keeps the scale */
            assert_int_equal(parsed.exp, a.exp);
    }
}

/* A random decimal anywhere in the range: 1..38 digits, any exponent. */
static dec_t rnd_dec(void)
{
    char t[80];
    int nd = (int)((uint64_t)rnd() % 38) + 1;
    size_t o = 0;
    if (rnd() & 1)
        t[o++] = '-';
    for (int i = 0; i < nd; i++)
        t[o++] = (char)('0' + (int)((uint64_t)rnd() % 10));
    int adj = (int)((uint64_t)rnd() % 256) - 130;
    snprintf(t + o, sizeof t - o, "E%d", adj - nd + 1);
    dec_t d;
    if (dec_parse(t, strlen(t), false, &d) != DEC_OK)
        dec_from_int64(0, &d); /* leading zeros pushed it out of range */
    return d;
}

static void assert_valid(const dec_t *d)
{
    __int128 m = d->coef < 0 ? -d->coef : d->coef;
    char t[DEC_STR_MAX];
    size_t n = dec_format(d, t);
    assert_true(n < DEC_STR_MAX);
    dec_t back;
    assert_int_equal(dec_parse(t, n, false, &back), DEC_OK);
    assert_int_equal(dec_cmp(&back, d), 0);
    if (m == 0)
        return;
    __int128 lim = 1;
    for (int i = 0; i < 38; i++)
        lim *= 10;
    assert_true(m < lim);
}

static void test_random_full_range(void **state)
{
    (void)state;
    for (int i = 0; i < 5000; i++) {
        dec_t a = rnd_dec(), b = rnd_dec(), r1, r2, z;
        dec_status s1, s2;
        s1 = dec_add(&a, &b, &r1);
        s2 = dec_add(&b, &a, &r2);
        assert_int_equal(s1, s2);
        if (s1 == DEC_OK) {
            assert_valid(&r1);
            assert_int_equal(dec_cmp(&r1, &r2), 0);
        } else {
            assert_int_equal(s1, DEC_ERR_RANGE);
        }
        s1 = dec_sub(&a, &b, &r1);
        s2 = dec_sub(&b, &a, &r2);
        assert_int_equal(s1, s2);
        if (s1 == DEC_OK) {
            assert_valid(&r1);
            dec_negate(&r2, &r2);
            assert_int_equal(dec_cmp(&r1, &r2), 0);
        }
        s1 = dec_mul(&a, &b, &r1);
        s2 = dec_mul(&b, &a, &r2);
        assert_int_equal(s1, s2);
        if (s1 == DEC_OK) {
            assert_valid(&r1);
            assert_int_equal(dec_cmp(&r1, &r2), 0);
            assert_int_equal(dec_sign(&r1), dec_sign(&a) * dec_sign(&b));
        }
        s1 = dec_div(&a, &b, &r1);
        if (dec_is_zero(&b))
            assert_int_equal(s1, DEC_ERR_DIV_ZERO);
        else if (s1 == DEC_OK)
            assert_valid(&r1);
        else
            assert_int_equal(s1, DEC_ERR_RANGE);
        s1 = dec_mod(&a, &b, &r1);
        if (s1 == DEC_OK) {
            assert_valid(&r1);
            dec_abs(&r1, &r1);
            dec_abs(&b, &z);
            assert_true(dec_cmp(&r1, &z) <= 0); /* |a mod b| <= |b| (rounded) */
        }
        assert_int_equal(dec_cmp(&a, &b), -dec_cmp(&b, &a));
        s1 = dec_round(&a, (int32_t)(rnd() % 300), &r1);
        if (s1 == DEC_OK)
            assert_valid(&r1);
        if (dec_floor(&a, &r1) == DEC_OK) {
            assert_valid(&r1);
            assert_true(dec_cmp(&r1, &a) <= 0);
        }
        if (dec_ceil(&a, &r1) == DEC_OK) {
            assert_valid(&r1);
            assert_true(dec_cmp(&r1, &a) >= 0);
        }
    }
}

static void test_random_text_never_crashes(void **state)
{
    (void)state;
    static const char alphabet[] = "0123456789.eE+- x";
    for (int i = 0; i < 20000; i++) {
        char t[64];
        size_t n = (size_t)((uint64_t)rnd() % 40);
        for (size_t k = 0; k < n; k++)
            t[k] = alphabet[(uint64_t)rnd() % (sizeof alphabet - 1)];
        dec_t d;
        for (int round_excess = 0; round_excess < 2; round_excess++)
            if (dec_parse(t, n, round_excess, &d) == DEC_OK)
                assert_valid(&d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_format_roundtrip),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_round_excess),
        cmocka_unit_test(test_add_sub),
        cmocka_unit_test(test_mul),
        cmocka_unit_test(test_div),
        cmocka_unit_test(test_mod),
        cmocka_unit_test(test_sum_is_exact),
        cmocka_unit_test(test_compare_and_hash),
        cmocka_unit_test(test_round_floor_ceil),
        cmocka_unit_test(test_int64),
        cmocka_unit_test(test_double),
        cmocka_unit_test(test_negate_abs_sign),
        cmocka_unit_test(test_properties_against_int128),
        cmocka_unit_test(test_random_full_range),
        cmocka_unit_test(test_random_text_never_crashes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#include "sql/value.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static value_t num(const char *s)
{
    value_t v;
    if (value_number_parse(s, strlen(s), &v) != DEC_OK)
        fail_msg("number %s", s);
    return v;
}

static value_t doc(value_type t, const char *json)
{
    json_object *j = json_tokener_parse(json);
    if (!j)
        fail_msg("bad test JSON %s", json);
    value_t v = value_doc(t, j);
    json_object_put(j); /* the value holds its own reference */
    return v;
}

/* The value's JSON output as text (caller frees). */
static char *json_text(const value_t *v)
{
    json_object *j = value_to_json(v);
    char *s = strdup(
        json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(j);
    return s;
}

static void assert_json(const value_t *v, const char *expect)
{
    char *s = json_text(v);
    if (strcmp(s, expect) != 0) {
        char msg[512];
        snprintf(msg, sizeof msg, "got %s, expected %s", s, expect);
        free(s);
        fail_msg("%s", msg);
    }
    free(s);
}

static void test_copy_shares_and_free_resets(void **state)
{
    (void)state;
    value_t s = value_cstring("hello");
    value_t c = value_copy(&s);
    assert_ptr_equal(s.u.bytes, c.u.bytes);
    assert_int_equal(s.u.bytes->refs, 2);
    value_free(&s);
    assert_int_equal(s.type, VAL_NULL);
    assert_int_equal(c.u.bytes->refs, 1);
    assert_string_equal(c.u.bytes->data, "hello");
    value_free(&c);
    value_free(&c); /* freeing a NULL value is harmless */

    value_t n = num("1.50");
    value_t n2 = value_copy(&n);
    assert_ptr_equal(n.u.num.text, n2.u.num.text);
    value_free(&n);
    assert_json(&n2, "1.50");
    value_free(&n2);

    value_t d = doc(VAL_LIST, "[{\"S\":\"a\"}]");
    value_t d2 = value_copy(&d);
    value_free(&d);
    assert_json(&d2, "[\"a\"]");
    value_free(&d2);

    value_t b = value_binary("\0\1\2", 3);
    assert_int_equal(b.u.bytes->len, 3);
    assert_json(&b, "\"AAEC\"");
    value_free(&b);
    assert_string_equal(value_type_name(VAL_NS), "NS");
    assert_string_equal(value_type_name(VAL_BOOL), "BOOLEAN");
}

static void test_number_text_preserved(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } c[] = {
        {"1.50", "1.50"},
        {"1E+3", "1E+3"}, /* valid JSON: passed through */
        {"-0", "-0"},
        {"123456789012345678901234567890.12345678", "123456789012345678901234567890.12345678"},
        {"0.000000000000000000000000000000000001", "0.000000000000000000000000000000000001"},
        {".5", "0.5"},  /* not JSON: canonical */
        {"5.", "5"},    /* not JSON */
        {"+7", "7"},    /* not JSON */
        {"007", "7"},   /* not JSON */
        {"1e3", "1e3"}, /* valid JSON */
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        value_t v = num(c[i].in);
        assert_json(&v, c[i].out);
        char buf[DEC_STR_MAX];
        assert_string_equal(value_number_text(&v, buf), c[i].out);
        value_free(&v);
    }
    /* Computed numbers have no text and keep their scale. */
    dec_t a, b, r;
    dec_parse("0.1", 3, false, &a);
    dec_parse("0.2", 3, false, &b);
    dec_add(&a, &b, &r);
    value_t v = value_number(&r);
    assert_json(&v, "0.3");
    value_free(&v);
    value_t bad;
    assert_int_equal(value_number_parse("abc", 3, &bad), DEC_ERR_SYNTAX);
    assert_int_equal(bad.type, VAL_NULL);
    v = value_int(-42);
    assert_json(&v, "-42");
    value_free(&v);
}

/* Ascending under value_order; entries in one group are equal. */
static value_t ordered[32];
static int group[32];
static size_t n_ordered;

static void add(int g, value_t v)
{
    group[n_ordered] = g;
    ordered[n_ordered++] = v;
}

static void test_total_order_and_hash(void **state)
{
    (void)state;
    n_ordered = 0;
    add(0, value_null());
    add(0, value_null());
    add(1, value_bool(false));
    add(2, value_bool(true));
    add(3, value_double(-INFINITY));
    add(4, num("-1E+100"));
    add(5, num("-2.5"));
    add(5, value_double(-2.5));
    add(6, num("0"));
    add(6, num("-0.00"));
    add(6, value_double(-0.0));
    add(7, num("0.1"));
    add(7, value_double(0.1));
    add(8, num("1"));
    add(8, num("1.000"));
    add(8, value_double(1.0));
    add(9, value_double(1e300));
    add(10, value_double(NAN));
    add(11, value_cstring(""));
    add(12, value_cstring("A"));
    add(13, value_cstring("a"));
    add(14, value_cstring("ab"));
    add(15, value_cstring("\xc3\xa9")); /* é sorts after ASCII */
    add(16, value_binary("", 0));
    add(17, value_binary("\x01", 1));
    add(18, doc(VAL_LIST, "[{\"N\":\"1\"}]"));
    add(18, doc(VAL_LIST, "[{\"N\":\"1.0\"}]"));
    add(19, doc(VAL_MAP, "{\"a\":{\"S\":\"x\"},\"b\":{\"N\":\"2\"}}"));
    add(19, doc(VAL_MAP, "{\"b\":{\"N\":\"2.00\"},\"a\":{\"S\":\"x\"}}"));
    add(20, doc(VAL_SS, "[\"x\",\"y\"]"));
    add(20, doc(VAL_SS, "[\"y\",\"x\"]"));
    add(21, doc(VAL_NS, "[\"1\",\"2\"]"));
    for (size_t i = 0; i < n_ordered; i++) {
        for (size_t j = 0; j < n_ordered; j++) {
            int c = value_order(&ordered[i], &ordered[j]);
            int expect = group[i] < group[j] ? -1 : group[i] > group[j];
            int got = c < 0 ? -1 : c > 0;
            if (got != expect)
                fail_msg("order(#%zu, #%zu) = %d, expected %d", i, j, got, expect);
            assert_int_equal(value_equal(&ordered[i], &ordered[j]), expect == 0);
            if (expect == 0 && value_hash(&ordered[i]) != value_hash(&ordered[j]))
                fail_msg("equal values #%zu and #%zu hash differently", i, j);
            if (expect != 0 && value_hash(&ordered[i]) == value_hash(&ordered[j]))
                fail_msg("#%zu and #%zu collide", i, j);
        }
    }
    for (size_t i = 0; i < n_ordered; i++)
        value_free(&ordered[i]);
}

static void test_sql_compare(void **state)
{
    (void)state;
    value_t n1 = num("1"), n2 = num("2.0"), d2 = value_double(2.0), s = value_cstring("1"),
            nul = value_null(), t = value_bool(true), l1 = doc(VAL_LIST, "[{\"S\":\"a\"}]"),
            l2 = doc(VAL_LIST, "[{\"S\":\"b\"}]"), l1b = doc(VAL_LIST, "[{\"S\":\"a\"}]");
    assert_int_equal(value_compare(&n1, &n2), VCMP_LT);
    assert_int_equal(value_compare(&n2, &n1), VCMP_GT);
    assert_int_equal(value_compare(&n2, &d2), VCMP_EQ);
    assert_int_equal(value_compare(&n1, &s), VCMP_MISMATCH);
    assert_int_equal(value_compare(&t, &n1), VCMP_MISMATCH);
    assert_int_equal(value_compare(&nul, &n1), VCMP_NULL);
    assert_int_equal(value_compare(&n1, &nul), VCMP_NULL);
    assert_int_equal(value_compare(&nul, &nul), VCMP_NULL);
    assert_int_equal(value_compare(&l1, &l1b), VCMP_EQ);
    assert_int_equal(value_compare(&l1, &l2), VCMP_MISMATCH);
    assert_int_equal(value_compare(&l1, &n1), VCMP_MISMATCH);
    value_t vals[] = {n1, n2, d2, s, nul, t, l1, l2, l1b};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
        value_free(&vals[i]);
}

/* CAST cases: expected JSON of the result, or "!" + a fragment of the error. */
static const struct {
    const char *in; /* n:number s:string d:double b:bool x:NULL B:binary L:list */
    cast_target t;
    const char *out;
} casts[] = {
    {"n1.50", CAST_TEXT, "\"1.50\""},
    {"n-7", CAST_TEXT, "\"-7\""},
    {"d0.1", CAST_TEXT, "\"0.1\""},
    {"d1e20", CAST_TEXT, "\"1e+20\""},
    {"btrue", CAST_TEXT, "\"true\""},
    {"shi", CAST_TEXT, "\"hi\""},
    {"Bhi", CAST_TEXT, "\"aGk=\""},
    {"L[{\"N\":\"1\"},{\"S\":\"x\"}]", CAST_TEXT, "\"[1,\\\"x\\\"]\""},
    {"x", CAST_TEXT, "null"},
    {"n2.5", CAST_INTEGER, "3"},
    {"n-2.5", CAST_INTEGER, "-3"},
    {"n2.49", CAST_INTEGER, "2"},
    {"n1E+19", CAST_INTEGER, "!out of range"},
    {"s 42 ", CAST_INTEGER, "42"},
    {"s-1.5", CAST_INTEGER, "-2"},
    {"s1e3", CAST_INTEGER, "1000"},
    {"sabc", CAST_INTEGER, "!cannot cast STRING 'abc' to INTEGER: not a valid number"},
    {"s", CAST_INTEGER, "!not a valid number"},
    {"s9223372036854775808", CAST_INTEGER, "!out of range"},
    {"d2.5", CAST_INTEGER, "3"},
    {"dnan", CAST_INTEGER, "!not a finite number"},
    {"d1e300", CAST_INTEGER, "!out of range"},
    {"d1e-300", CAST_INTEGER, "0"},
    {"btrue", CAST_INTEGER, "1"},
    {"bfalse", CAST_INTEGER, "0"},
    {"Bx", CAST_INTEGER, "!cannot cast BINARY to INTEGER"},
    {"L[]", CAST_INTEGER, "!cannot cast LIST to INTEGER"},
    {"s0.10", CAST_DECIMAL, "0.10"},
    {"s  -1e-3 ", CAST_DECIMAL, "-0.001"},
    {"s3.14159265358979323846264338327950288419716939937510", CAST_DECIMAL,
     "3.1415926535897932384626433832795028842"},
    {"s1e200", CAST_DECIMAL, "!numeric value out of range"},
    {"d0.1", CAST_DECIMAL, "0.1"},
    {"n1.50", CAST_DECIMAL, "1.50"},
    {"btrue", CAST_DECIMAL, "1"},
    {"n0.1", CAST_DOUBLE, "0.1"},
    {"n1.50", CAST_DOUBLE, "1.5"},
    {"s 2.5e3", CAST_DOUBLE, "2500"},
    {"s1e400", CAST_DOUBLE, "!out of range"},
    {"s0x10", CAST_DOUBLE, "!not a valid number"},
    {"s1.5abc", CAST_DOUBLE, "!not a valid number"},
    {"sInfinity", CAST_DOUBLE, "\"Infinity\""},
    {"bfalse", CAST_DOUBLE, "0"},
    {"n0", CAST_BOOLEAN, "false"},
    {"n0.5", CAST_BOOLEAN, "true"},
    {"d0", CAST_BOOLEAN, "false"},
    {"dnan", CAST_BOOLEAN, "!NaN"},
    {"sTRUE", CAST_BOOLEAN, "true"},
    {"s f ", CAST_BOOLEAN, "false"},
    {"syes", CAST_BOOLEAN, "true"},
    {"soff", CAST_BOOLEAN, "false"},
    {"s1", CAST_BOOLEAN, "true"},
    {"s0", CAST_BOOLEAN, "false"},
    {"smaybe", CAST_BOOLEAN, "!expected true or false"},
    {"L[]", CAST_BOOLEAN, "!cannot cast LIST to BOOLEAN"},
    {"x", CAST_BOOLEAN, "null"},
};

static value_t make(const char *spec)
{
    const char *s = spec + 1;
    switch (spec[0]) {
    case 'n':
        return num(s);
    case 's':
        return value_cstring(s);
    case 'd':
        return value_double(strcmp(s, "nan") == 0 ? NAN : strtod(s, NULL));
    case 'b':
        return value_bool(strcmp(s, "true") == 0);
    case 'B':
        return value_binary(s, strlen(s));
    case 'L':
        return doc(VAL_LIST, s);
    default:
        return value_null();
    }
}

static void test_cast_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof casts / sizeof casts[0]; i++) {
        value_t in = make(casts[i].in), out;
        char err[256] = "";
        bool ok = value_cast(&in, casts[i].t, &out, err, sizeof err);
        if (casts[i].out[0] == '!') {
            if (ok)
                fail_msg("cast #%zu (%s) should fail", i, casts[i].in);
            assert_int_equal(out.type, VAL_NULL);
            if (!strstr(err, casts[i].out + 1))
                fail_msg("cast #%zu: error \"%s\" lacks \"%s\"", i, err, casts[i].out + 1);
        } else {
            if (!ok)
                fail_msg("cast #%zu (%s): %s", i, casts[i].in, err);
            char *j = json_text(&out);
            if (strcmp(j, casts[i].out) != 0) {
                char msg[300];
                snprintf(msg, sizeof msg, "cast #%zu (%s): got %s expected %s", i, casts[i].in, j,
                         casts[i].out);
                free(j);
                fail_msg("%s", msg);
            }
            free(j);
        }
        value_free(&in);
        value_free(&out);
    }
}

static void test_cast_result_types(void **state)
{
    (void)state;
    value_t s = value_cstring("12"), out;
    char err[128];
    assert_true(value_cast(&s, CAST_INTEGER, &out, err, sizeof err));
    assert_int_equal(out.type, VAL_NUMBER);
    value_free(&out);
    assert_true(value_cast(&s, CAST_DOUBLE, &out, err, sizeof err));
    assert_int_equal(out.type, VAL_DOUBLE);
    assert_true(out.u.f == 12.0);
    value_free(&out);
    assert_true(value_cast(&s, CAST_BOOLEAN, &out, err, sizeof err) == false);
    assert_true(value_cast(&s, CAST_TEXT, &out, err, sizeof err));
    assert_ptr_equal(out.u.bytes, s.u.bytes); /* shared, not copied */
    value_free(&out);
    value_free(&s);
    /* A long string is shortened in the message. */
    char longs[200];
    memset(longs, 'z', sizeof longs - 1);
    longs[sizeof longs - 1] = '\0';
    s = value_cstring(longs);
    assert_false(value_cast(&s, CAST_INTEGER, &out, err, sizeof err));
    assert_non_null(strstr(err, "zzz...'"));
    value_free(&s);
}

static void test_json_output(void **state)
{
    (void)state;
    static const struct {
        value_type t;
        const char *doc, *json;
    } c[] = {
        {VAL_MAP,
         "{\"n\":{\"N\":\"12.50\"},\"s\":{\"S\":\"x/\\\"y\"},\"b\":{\"B\":\"AQI=\"},"
         "\"t\":{\"BOOL\":true},\"z\":{\"NULL\":true},\"l\":{\"L\":[{\"N\":\"1\"},{\"M\":{}}]},"
         "\"ss\":{\"SS\":[\"a\"]},\"ns\":{\"NS\":[\"1.0\",\"-2E+5\"]},\"bs\":{\"BS\":[\"AA==\"]}}",
         "{\"n\":12.50,\"s\":\"x/\\\"y\",\"b\":\"AQI=\",\"t\":true,\"z\":null,\"l\":[1,{}],"
         "\"ss\":[\"a\"],\"ns\":[1.0,-2E+5],\"bs\":[\"AA==\"]}"},
        {VAL_LIST, "[]", "[]"},
        {VAL_LIST, "[{\"N\":\"99999999999999999999999999999999999999\"}]",
         "[99999999999999999999999999999999999999]"},
        {VAL_SS, "[\"b\",\"a\"]", "[\"b\",\"a\"]"},
        {VAL_NS, "[\"0.1\"]", "[0.1]"},
        {VAL_BS, "[\"AQ==\"]", "[\"AQ==\"]"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        value_t v = doc(c[i].t, c[i].doc);
        assert_json(&v, c[i].json);
        value_free(&v);
    }
    value_t v = value_double(NAN);
    assert_json(&v, "\"NaN\"");
    v = value_double(-INFINITY);
    assert_json(&v, "\"-Infinity\"");
    v = value_double(0.1 + 0.2);
    assert_json(&v, "0.30000000000000004");
    v = value_bool(false);
    assert_json(&v, "false");
    v = value_null();
    assert_json(&v, "null");
    v = value_cstring("caf\xc3\xa9");
    assert_json(&v, "\"caf\xc3\xa9\"");
    value_free(&v);
    v = num("1E+3");
    json_object *j = value_to_json(&v);
    assert_true(json_object_get_double(j) == 1000.0); /* still a number for json-c */
    json_object_put(j);
    value_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_shares_and_free_resets),
        cmocka_unit_test(test_number_text_preserved),
        cmocka_unit_test(test_total_order_and_hash),
        cmocka_unit_test(test_sql_compare),
        cmocka_unit_test(test_cast_table),
        cmocka_unit_test(test_cast_result_types),
        cmocka_unit_test(test_json_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

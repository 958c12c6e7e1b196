#include "core/base/json_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_object *parse(const char *s, char *err, size_t errlen)
{
    return json_parse_strict(s, strlen(s), JSON_DEFAULT_MAX_DEPTH, err, errlen);
}

static void parses_as(const char *s, const char *compact)
{
    char err[128] = "";
    json_object *o = parse(s, err, sizeof err);
    if (!o)
        fail_msg("'%s' should parse, got: %s", s, err);
    assert_string_equal(json_compact(o), compact);
    json_object_put(o);
}

static void fails_with(const char *s, size_t len, const char *needle)
{
    char err[128] = "";
    json_object *o = json_parse_strict(s, len, JSON_DEFAULT_MAX_DEPTH, err, sizeof err);
    if (o) {
        json_object_put(o);
        fail_msg("'%s' should not parse", s);
    }
    if (!strstr(err, needle))
        fail_msg("error for '%s' is '%s', expected it to contain '%s'", s, err, needle);
}

static void test_valid_documents(void **state)
{
    (void)state;
    parses_as("{\"a\":[1,2,{\"b\":null}],\"c\":\"x/y\"}",
              "{\"a\":[1,2,{\"b\":null}],\"c\":\"x/y\"}");
    parses_as("  [ true , false ]\n\t", "[true,false]");
    /* Top-level scalars are complete documents too. */
    parses_as("123", "123");
    parses_as("-7", "-7");
    parses_as("true", "true");
    parses_as("\"s\"", "\"s\"");
    parses_as("1.5e3", "1.5e3");
    parses_as("\"\xc3\xa9\\u00e9\"", "\"\xc3\xa9\xc3\xa9\"");
}

static void test_trailing_garbage_rejected_with_offset(void **state)
{
    (void)state;
    fails_with("{} x", 4, "byte 3");
    fails_with("{}}", 3, "byte 2");
    fails_with("[1] [2]", 7, "byte 4");
    fails_with("1 2", 3, "byte 2");
    /* An embedded NUL ends the value; what follows is garbage. */
    fails_with("{}\0{}", 5, "byte 2");
}

static void test_truncated_and_malformed(void **state)
{
    (void)state;
    fails_with("", 0, "end of JSON text at byte 0");
    fails_with("   ", 3, "end of JSON text at byte 3");
    fails_with("{\"a\":", 5, "end of JSON text at byte 5");
    fails_with("[1,2", 4, "end of JSON text at byte 4");
    fails_with("\"abc", 4, "end of JSON text at byte 4");
    fails_with("tru", 3, "unexpected character at byte 0");
    fails_with("[1,]", 4, "byte 3 (found ']')");
    fails_with("{\"a\":1,}", 8, "a string key expected at byte 7");
    fails_with("{\"a\" 1}", 7, "':' expected at byte 5");
    fails_with("[1 2]", 5, "',' or ']' expected at byte 3");
    fails_with("/* c */ 1", 9, "byte 0");
    fails_with("\"a\0b\"", 5, "control character in a string at byte 2");
}

/* Inputs json-c's own strict mode lets through. */
static void test_json_c_laxness_rejected(void **state)
{
    (void)state;
    fails_with("{'a':1}", 7, "a string key expected at byte 1");
    fails_with("'a'", 3, "byte 0");
    fails_with("NaN", 3, "unexpected character at byte 0");
    fails_with("[Infinity]", 10, "byte 1");
    fails_with("-Infinity", 9, "digit expected in a number at byte 1");
    fails_with("1.", 2, "end of JSON text at byte 2");
    fails_with("[1.]", 4, "digit expected in a number at byte 3");
    fails_with("1.e5", 4, "byte 2");
    fails_with("01", 2, "unexpected data after the JSON value at byte 1");
    fails_with("[-]", 3, "byte 2");
    fails_with("1e", 2, "byte 2");
    fails_with("+1", 2, "byte 0");
    fails_with("\"a\tb\"", 5, "control character in a string at byte 2");
    fails_with("\"a\nb\"", 5, "control character in a string at byte 2");
    fails_with("\"\\x41\"", 6, "invalid escape in a string at byte 2");
    fails_with("\"\\u12\"", 6, "invalid \\u escape");
    fails_with("TRUE", 4, "byte 0");
    fails_with("truex", 5, "unexpected data after the JSON value at byte 4");
    fails_with("null", 4, "null document");
}

static char *nested(int depth)
{
    char *s = malloc((size_t)depth * 2 + 2);
    assert_non_null(s);
    int o = 0;
    for (int i = 0; i < depth; i++)
        s[o++] = '[';
    s[o++] = '1';
    for (int i = 0; i < depth; i++)
        s[o++] = ']';
    s[o] = '\0';
    return s;
}

static void test_depth_limit(void **state)
{
    (void)state;
    char err[128];
    char *ok = nested(5), *deep = nested(6);
    json_object *o = json_parse_strict(ok, strlen(ok), 5, err, sizeof err);
    assert_non_null(o);
    json_object_put(o);
    assert_null(json_parse_strict(deep, strlen(deep), 5, err, sizeof err));
    assert_non_null(strstr(err, "nesting deeper than 5 levels at byte 5"));
    free(ok);
    free(deep);
    char *very = nested(100000);
    assert_null(json_parse_strict(very, strlen(very), JSON_DEFAULT_MAX_DEPTH, err, sizeof err));
    free(very);
    /* The default limit, and max_depth <= 0 meaning the default. */
    char *at = nested(JSON_DEFAULT_MAX_DEPTH), *over = nested(JSON_DEFAULT_MAX_DEPTH + 1);
    o = json_parse_strict(at, strlen(at), 0, err, sizeof err);
    assert_non_null(o);
    json_object_put(o);
    assert_null(json_parse_strict(over, strlen(over), 0, err, sizeof err));
    free(at);
    free(over);
}

static void test_invalid_utf8_rejected(void **state)
{
    (void)state;
    fails_with("\"\xff\"", 3, "invalid UTF-8 in a string at byte 1");
    /* json-c alone accepts this overlong '/'. */
    fails_with("\"\xc0\xaf\"", 4, "invalid UTF-8 in a string at byte 1");
    fails_with("\"\xed\xa0\x80\"", 5, "invalid UTF-8 in a string at byte 1"); /* surrogate */
    fails_with("\"a\xc3\"", 4, "invalid UTF-8 in a string at byte 2");        /* truncated */
    fails_with("{\"\x80\":1}", 6, "invalid UTF-8 in a string at byte 2");     /* in a key */
    fails_with("\"ok\" \xe2\x82", 7, "after the JSON value at byte 5 (found byte 0xe2)");
    fails_with("\xef\xbb\xbf{}", 5, "byte 0"); /* a BOM is not JSON */
}

static void test_utf8_valid_table(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        bool ok;
    } cases[] = {
        {"", true},
        {"plain ascii", true},
        {"\xc3\xa9", true},          /* é */
        {"\xe2\x82\xac", true},      /* € */
        {"\xf0\x9f\x98\x80", true},  /* emoji */
        {"\xf4\x8f\xbf\xbf", true},  /* U+10FFFF */
        {"\xc0\x80", false},         /* overlong NUL */
        {"\xc1\xbf", false},         /* overlong */
        {"\xe0\x80\x80", false},     /* overlong 3-byte */
        {"\xf0\x80\x80\x80", false}, /* overlong 4-byte */
        {"\xed\xa0\x80", false},     /* surrogate U+D800 */
        {"\xed\xbf\xbf", false},     /* surrogate U+DFFF */
        {"\xf4\x90\x80\x80", false}, /* > U+10FFFF */
        {"\xf5\x80\x80\x80", false},
        {"\x80", false},     /* lone continuation */
        {"\xe2\x82", false}, /* truncated */
        {"a\xc3", false},    /* truncated at the end */
        {"\xc3\x28", false}, /* bad continuation */
        {"\xff", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (utf8_valid(cases[i].s, strlen(cases[i].s)) != cases[i].ok)
            fail_msg("utf8_valid case %zu should be %d", i, cases[i].ok);
    /* An explicit length bounds the check. */
    assert_true(utf8_valid("ab\xff", 2));
}

/* utf8_scrub: each byte that does not begin a valid sequence becomes '?',
 * valid sequences are kept, the length never changes. */
static void test_utf8_scrub(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"", ""},
        {"plain", "plain"},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
        {"202HT\xa9", "202HT?"},                         /* a header byte (fuzz_mcp) */
        {"unknown '\xc3\xa9\xc3", "unknown '\xc3\xa9?"}, /* cut by "%.Ns" */
        {"\xe2\x82x", "??x"},
        {"\xc0\x80", "??"},
        {"\xed\xa0\x80", "???"},
        {"\xf4\x90\x80\x80", "????"},
        {"\xff\xfe", "??"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%s", cases[i].in);
        utf8_scrub(buf, strlen(buf));
        if (strcmp(buf, cases[i].out) != 0)
            fail_msg("utf8_scrub case %zu gave '%s'", i, buf);
        assert_true(utf8_valid(buf, strlen(buf)));
    }
    /* The length bounds it: bytes past it are left alone. */
    char b[] = "a\xff\xff";
    utf8_scrub(b, 2);
    assert_memory_equal(b, "a?\xff", 3);
}

static void test_accessors_on_wrong_types(void **state)
{
    (void)state;
    char err[128];
    const char *doc = "{\"s\":\"str\",\"i\":42,\"b\":true,\"o\":{\"k\":1},\"a\":[1],\"n\":null,"
                      "\"d\":1.5}";
    json_object *o = parse(doc, err, sizeof err);
    assert_non_null(o);
    assert_string_equal(jget_str(o, "s"), "str");
    assert_int_equal(jget_int(o, "i", -1), 42);
    assert_true(jget_bool(o, "b", false));
    assert_non_null(jget_obj(o, "o"));
    assert_non_null(jget_arr(o, "a"));
    /* json-c represents a JSON null as NULL: same as absent. */
    assert_null(jget(o, "n"));
    /* Wrong types give NULL or the default. */
    assert_null(jget_str(o, "i"));
    assert_null(jget_str(o, "n"));
    assert_int_equal(jget_int(o, "s", -1), -1);
    assert_int_equal(jget_int(o, "d", -1), -1);
    assert_int_equal(jget_int(o, "b", -1), -1);
    assert_false(jget_bool(o, "i", false));
    assert_true(jget_bool(o, "s", true));
    assert_null(jget_obj(o, "a"));
    assert_null(jget_arr(o, "o"));
    /* Missing keys. */
    assert_null(jget(o, "missing"));
    assert_int_equal(jget_int(o, "missing", 7), 7);
    /* Not an object at all. */
    json_object *arr = jget_arr(o, "a");
    assert_null(jget(arr, "s"));
    assert_null(jget_str(arr, "s"));
    assert_null(jget(NULL, "s"));
    assert_int_equal(jget_int(NULL, "i", 3), 3);
    json_object_put(o);
}

static void test_builders_and_compact(void **state)
{
    (void)state;
    json_object *o = json_object_new_object();
    jset_str(o, "url", "http://h/p");
    jset_int(o, "n", -5);
    jset_bool(o, "f", false);
    json_object *inner = json_object_new_array();
    json_object_array_add(inner, json_object_new_int(1));
    jset(o, "arr", inner);
    /* '/' is not escaped; output is compact. */
    assert_string_equal(json_compact(o),
                        "{\"url\":\"http://h/p\",\"n\":-5,\"f\":false,\"arr\":[1]}");
    jset_int(o, "n", 6); /* replaces */
    assert_int_equal(jget_int(o, "n", 0), 6);
    json_object_put(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_documents),
        cmocka_unit_test(test_trailing_garbage_rejected_with_offset),
        cmocka_unit_test(test_truncated_and_malformed),
        cmocka_unit_test(test_json_c_laxness_rejected),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_invalid_utf8_rejected),
        cmocka_unit_test(test_utf8_valid_table),
        cmocka_unit_test(test_utf8_scrub),
        cmocka_unit_test(test_accessors_on_wrong_types),
        cmocka_unit_test(test_builders_and_compact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

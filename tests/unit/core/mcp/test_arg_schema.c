#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/base/buf.h"
#include "core/base/json_util.h"
#include "core/mcp/arg_schema.h"

#include <stdio.h>
#include <string.h>

static const char SCHEMA[] = "{\"type\":\"object\",\"properties\":{"
                             "\"name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":5},"
                             "\"count\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":10},"
                             "\"mode\":{\"type\":\"string\",\"enum\":[\"fast\",\"slow\"]},"
                             "\"level\":{\"type\":\"integer\",\"enum\":[1,2,3]},"
                             "\"flag\":{\"type\":\"boolean\"},"
                             "\"ratio\":{\"type\":\"number\",\"minimum\":0},"
                             "\"tags\":{\"type\":\"array\"},"
                             "\"opts\":{\"type\":\"object\"},"
                             "\"code\":{\"type\":\"string\",\"minLength\":3}},"
                             "\"required\":[\"name\"],\"additionalProperties\":false}";

static json_object *schema;

static int setup(void **state)
{
    (void)state;
    char err[160];
    schema = json_parse_strict(SCHEMA, strlen(SCHEMA), 32, err, sizeof err);
    return schema ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    json_object_put(schema);
    return 0;
}

/* Checks args (JSON text) against s; returns the error ("" when valid). */
static const char *check_with(json_object *s, const char *args_text, bool *ok)
{
    static char out[1024];
    char err[160];
    json_object *args = json_parse_strict(args_text, strlen(args_text), 32, err, sizeof err);
    if (!args && strcmp(args_text, "null") != 0) {
        fprintf(stderr, "bad test JSON: %s\n", args_text);
        fail();
    }
    buf_t msg = BUF_INIT(4096);
    *ok = arg_schema_check(s, args, &msg);
    snprintf(out, sizeof out, "%s", buf_cstr(&msg));
    buf_free(&msg);
    json_object_put(args);
    return out;
}

static void expect_ok(const char *args)
{
    bool ok;
    const char *err = check_with(schema, args, &ok);
    if (!ok) {
        fprintf(stderr, "%s rejected: %s\n", args, err);
        fail();
    }
    assert_string_equal(err, "");
}

static void expect_err(const char *args, const char *want)
{
    bool ok;
    const char *err = check_with(schema, args, &ok);
    if (ok || strcmp(err, want) != 0) {
        fprintf(stderr, "%s\n  got  %s: \"%s\"\n  want \"%s\"\n", args, ok ? "ok" : "error", err,
                want);
        fail();
    }
}

static void test_valid_arguments(void **state)
{
    (void)state;
    expect_ok("{\"name\":\"abc\"}");
    expect_ok("{\"name\":\"a\",\"count\":1,\"mode\":\"slow\",\"level\":3,\"flag\":false,"
              "\"ratio\":0.5,\"tags\":[],\"opts\":{},\"code\":\"abc\"}");
    expect_ok("{\"name\":\"abcde\",\"count\":10}");
    /* An integer-valued number is an integer; an integer is a number. */
    expect_ok("{\"name\":\"x\",\"count\":2.0}");
    expect_ok("{\"name\":\"x\",\"ratio\":7}");
    /* A string's length is counted in characters, not bytes. */
    expect_ok("{\"name\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}");
}

static void test_arguments_must_be_object(void **state)
{
    (void)state;
    expect_err("[]", "arguments must be a JSON object");
    expect_err("\"x\"", "arguments must be a JSON object");
    expect_err("null", "arguments must be a JSON object");
}

static void test_required(void **state)
{
    (void)state;
    expect_err("{}", "'name' is required");
    expect_err("{\"count\":3}", "'name' is required");
    /* null means "not given", so it does not satisfy required. */
    expect_err("{\"name\":null}", "'name' is required");
}

static void test_unknown_argument_lists_accepted(void **state)
{
    (void)state;
    expect_err("{\"name\":\"a\",\"bogus\":1}",
               "unknown argument 'bogus'; accepted arguments: name, count, mode, level, flag, "
               "ratio, tags, opts, code");
    /* Argument names are matched exactly. */
    expect_err("{\"Name\":\"a\",\"name\":\"a\"}",
               "unknown argument 'Name'; accepted arguments: name, count, mode, level, flag, "
               "ratio, tags, opts, code");
    /* Very long names are cut in the message. */
    char args[400], longname[200];
    memset(longname, 'k', 150);
    longname[150] = '\0';
    snprintf(args, sizeof args, "{\"name\":\"a\",\"%s\":1}", longname);
    bool ok;
    const char *err = check_with(schema, args, &ok);
    assert_false(ok);
    char want[100];
    snprintf(want, sizeof want, "unknown argument '%.64s'; ", longname);
    assert_true(strncmp(err, want, strlen(want)) == 0);
}

static void test_open_schema_ignores_unknown(void **state)
{
    (void)state;
    char err[160];
    const char *text = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}";
    json_object *open = json_parse_strict(text, strlen(text), 32, err, sizeof err);
    bool ok;
    assert_string_equal(check_with(open, "{\"zzz\":1,\"a\":\"x\"}", &ok), "");
    assert_true(ok);
    assert_string_equal(check_with(open, "{\"a\":1}", &ok), "'a' must be a string, not an integer");
    assert_false(ok);
    json_object_put(open);
    /* A closed schema without properties takes no arguments. */
    text = "{\"type\":\"object\",\"additionalProperties\":false}";
    json_object *none = json_parse_strict(text, strlen(text), 32, err, sizeof err);
    assert_string_equal(check_with(none, "{}", &ok), "");
    assert_true(ok);
    assert_string_equal(check_with(none, "{\"x\":1}", &ok),
                        "unknown argument 'x'; accepted arguments: none");
    assert_false(ok);
    json_object_put(none);
    /* additionalProperties: true is open too. */
    text = "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":true}";
    open = json_parse_strict(text, strlen(text), 32, err, sizeof err);
    check_with(open, "{\"zzz\":1}", &ok);
    assert_true(ok);
    json_object_put(open);
}

static void test_wrong_types(void **state)
{
    (void)state;
    expect_err("{\"name\":5}", "'name' must be a string, not an integer");
    expect_err("{\"name\":true}", "'name' must be a string, not a boolean");
    expect_err("{\"name\":[\"a\"]}", "'name' must be a string, not an array");
    expect_err("{\"name\":\"a\",\"count\":\"3\"}", "'count' must be an integer, not a string");
    expect_err("{\"name\":\"a\",\"count\":2.5}", "'count' must be an integer, not a number");
    expect_err("{\"name\":\"a\",\"flag\":\"true\"}", "'flag' must be a boolean, not a string");
    expect_err("{\"name\":\"a\",\"flag\":1}", "'flag' must be a boolean, not an integer");
    expect_err("{\"name\":\"a\",\"ratio\":\"0.5\"}", "'ratio' must be a number, not a string");
    expect_err("{\"name\":\"a\",\"tags\":{}}", "'tags' must be an array, not an object");
    expect_err("{\"name\":\"a\",\"opts\":[]}", "'opts' must be an object, not an array");
}

static void test_enum(void **state)
{
    (void)state;
    expect_err("{\"name\":\"a\",\"mode\":\"medium\"}",
               "'mode' must be one of \"fast\", \"slow\"; got \"medium\"");
    expect_err("{\"name\":\"a\",\"mode\":\"FAST\"}",
               "'mode' must be one of \"fast\", \"slow\"; got \"FAST\"");
    expect_err("{\"name\":\"a\",\"level\":4}", "'level' must be one of 1, 2, 3; got 4");
    /* The type check comes first. */
    expect_err("{\"name\":\"a\",\"mode\":1}", "'mode' must be a string, not an integer");
}

static void test_lengths(void **state)
{
    (void)state;
    expect_err("{\"name\":\"\"}", "'name' must not be empty");
    expect_err("{\"name\":\"abcdef\"}", "'name' is 6 characters long; the limit is 5");
    expect_err("{\"name\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}",
               "'name' is 6 characters long; the limit is 5");
    /* An escaped NUL does not hide the rest of the string from the limit. */
    expect_err("{\"name\":\"a\\u0000bcdef\"}", "'name' is 7 characters long; the limit is 5");
    expect_err("{\"name\":\"a\",\"code\":\"ab\"}", "'code' must be at least 3 characters long");
    expect_err("{\"name\":\"a\",\"code\":\"\"}", "'code' must be at least 3 characters long");
}

static void test_numeric_range(void **state)
{
    (void)state;
    expect_err("{\"name\":\"a\",\"count\":0}", "'count' must be between 1 and 10; got 0");
    expect_err("{\"name\":\"a\",\"count\":11}", "'count' must be between 1 and 10; got 11");
    expect_err("{\"name\":\"a\",\"count\":-3}", "'count' must be between 1 and 10; got -3");
    expect_err("{\"name\":\"a\",\"ratio\":-0.5}", "'ratio' must be between 0 and inf; got -0.5");
    expect_ok("{\"name\":\"a\",\"ratio\":1e300}");
}

static void test_null_means_not_given(void **state)
{
    (void)state;
    expect_ok("{\"name\":\"a\",\"count\":null,\"mode\":null,\"flag\":null}");
    /* null does not excuse an unknown argument. */
    expect_err("{\"name\":\"a\",\"nope\":null}",
               "unknown argument 'nope'; accepted arguments: name, count, mode, level, flag, "
               "ratio, tags, opts, code");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_arguments),
        cmocka_unit_test(test_arguments_must_be_object),
        cmocka_unit_test(test_required),
        cmocka_unit_test(test_unknown_argument_lists_accepted),
        cmocka_unit_test(test_open_schema_ignores_unknown),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_enum),
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_numeric_range),
        cmocka_unit_test(test_null_means_not_given),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

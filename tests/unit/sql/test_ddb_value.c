#include "sql/ddb_value.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_object *J(const char *s)
{
    /* Deep enough for the nesting-limit tests (json-c's default is 32). */
    struct json_tokener *tok = json_tokener_new_ex(256);
    json_object *j = json_tokener_parse_ex(tok, s, (int)strlen(s));
    json_tokener_free(tok);
    if (!j)
        fail_msg("bad test JSON %s", s);
    return j;
}

static char *plain(json_object *j)
{
    return strdup(
        json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* AttributeValue -> value type, its result JSON, and back to the same AV. */
static const struct {
    const char *av;
    value_type type;
    const char *json;
    const char *back; /* NULL: the same as av */
} good[] = {
    {"{\"S\":\"hello\"}", VAL_STRING, "\"hello\"", NULL},
    {"{\"S\":\"\"}", VAL_STRING, "\"\"", NULL},
    {"{\"S\":\"caf\xc3\xa9\"}", VAL_STRING, "\"caf\xc3\xa9\"", NULL},
    {"{\"N\":\"12.50\"}", VAL_NUMBER, "12.50", NULL},
    {"{\"N\":\"-1E-130\"}", VAL_NUMBER, "-1E-130", NULL},
    {"{\"N\":\"99999999999999999999999999999999999999\"}", VAL_NUMBER,
     "99999999999999999999999999999999999999", NULL},
    {"{\"N\":\".5\"}", VAL_NUMBER, "0.5", "{\"N\":\"0.5\"}"},
    {"{\"B\":\"AQID\"}", VAL_BINARY, "\"AQID\"", NULL},
    {"{\"B\":\"\"}", VAL_BINARY, "\"\"", NULL},
    {"{\"BOOL\":true}", VAL_BOOL, "true", NULL},
    {"{\"BOOL\":false}", VAL_BOOL, "false", NULL},
    {"{\"NULL\":true}", VAL_NULL, "null", NULL},
    {"{\"M\":{\"a\":{\"N\":\"1\"},\"b\":{\"L\":[{\"S\":\"x\"}]}}}", VAL_MAP,
     "{\"a\":1,\"b\":[\"x\"]}", NULL},
    {"{\"M\":{}}", VAL_MAP, "{}", NULL},
    {"{\"L\":[]}", VAL_LIST, "[]", NULL},
    {"{\"L\":[{\"NULL\":true},{\"BOOL\":false},{\"NS\":[\"1\",\"2.5\"]}]}", VAL_LIST,
     "[null,false,[1,2.5]]", NULL},
    {"{\"SS\":[\"a\",\"b\"]}", VAL_SS, "[\"a\",\"b\"]", NULL},
    {"{\"NS\":[\"1\",\"-0.5\",\"1E+10\"]}", VAL_NS, "[1,-0.5,1E+10]", NULL},
    {"{\"BS\":[\"AA==\",\"AQ==\"]}", VAL_BS, "[\"AA==\",\"AQ==\"]", NULL},
};

static void test_good_attribute_values(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        json_object *av = J(good[i].av);
        value_t v;
        char err[256] = "";
        if (!ddb_to_value(av, &v, err, sizeof err))
            fail_msg("%s: %s", good[i].av, err);
        assert_int_equal(v.type, good[i].type);
        json_object *j = value_to_json(&v);
        char *s = plain(j);
        json_object_put(j);
        if (strcmp(s, good[i].json) != 0) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s: json %s, expected %s", good[i].av, s, good[i].json);
            free(s);
            fail_msg("%s", msg);
        }
        free(s);
        json_object *back = ddb_from_value(&v, err, sizeof err);
        assert_non_null(back);
        s = plain(back);
        json_object *expect = J(good[i].back ? good[i].back : good[i].av);
        char *e = plain(expect);
        if (strcmp(s, e) != 0) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s: back %s, expected %s", good[i].av, s, e);
            free(s);
            free(e);
            fail_msg("%s", msg);
        }
        free(s);
        free(e);
        json_object_put(expect);
        json_object_put(back);
        value_free(&v);
        json_object_put(av); /* the value kept its own reference meanwhile */
    }
}

/* Malformed AttributeValues and a fragment of the expected message. */
static const struct {
    const char *av, *msg;
} bad[] = {
    {"[]", "$: an AttributeValue must be a JSON object"},
    {"\"x\"", "must be a JSON object"},
    {"{}", "exactly one type key, not 0"},
    {"{\"S\":\"a\",\"N\":\"1\"}", "exactly one type key, not 2"},
    {"{\"X\":1}", "unknown AttributeValue type \"X\""},
    {"{\"s\":\"lower\"}", "unknown AttributeValue type \"s\""},
    {"{\"S\":1}", "S must be a string"},
    {"{\"N\":1}", "N must be a string"},
    {"{\"N\":\"abc\"}", "N \"abc\": not a valid number"},
    {"{\"N\":\"\"}", "not a valid number"},
    {"{\"N\":\"1E+126\"}", "out of range"},
    {"{\"N\":\"1234567890123456789012345678901234567890\"}", "more than 38 significant digits"},
    {"{\"B\":\"!!\"}", "B must be a base64 string"},
    {"{\"B\":5}", "B must be a base64 string"},
    {"{\"BOOL\":\"true\"}", "BOOL must be true or false"},
    {"{\"NULL\":false}", "NULL must be true"},
    {"{\"NULL\":1}", "NULL must be true"},
    {"{\"M\":[]}", "M must be an object"},
    {"{\"M\":{\"a\":{\"N\":\"x\"}}}", "$.M.a: N \"x\""},
    {"{\"L\":{}}", "L must be an array"},
    {"{\"L\":[{\"S\":\"ok\"},{\"Q\":1}]}", "$.L[1]: unknown AttributeValue type"},
    {"{\"M\":{\"a\":{\"L\":[{\"M\":{\"b\":{}}}]}}}",
     "$.M.a.L[0].M.b: an AttributeValue must have exactly one type key"},
    {"{\"SS\":[]}", "SS must not be empty"},
    {"{\"SS\":\"a\"}", "SS must be an array"},
    {"{\"SS\":[\"a\",1]}", "SS[1] must be a string"},
    {"{\"SS\":[\"a\",\"b\",\"a\"]}", "SS has duplicate elements"},
    {"{\"NS\":[\"1\",\"x\"]}", "NS[1] \"x\": not a valid number"},
    {"{\"NS\":[\"1\",\"1.0\"]}", "NS has duplicate elements"},
    {"{\"NS\":[2]}", "NS[0] must be a string"},
    {"{\"BS\":[\"AA==\",\"*\"]}", "BS[1] is not valid base64"},
    {"{\"BS\":[\"AA==\",\"AA==\"]}", "BS has duplicate elements"},
};

static void test_bad_attribute_values(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_object *av = J(bad[i].av);
        value_t v = value_bool(true);
        char err[256] = "";
        if (ddb_to_value(av, &v, err, sizeof err))
            fail_msg("%s should be rejected", bad[i].av);
        assert_int_equal(v.type, VAL_NULL);
        if (!strstr(err, bad[i].msg))
            fail_msg("%s: message \"%s\" lacks \"%s\"", bad[i].av, err, bad[i].msg);
        assert_false(ddb_validate(av, err, sizeof err));
        json_object_put(av);
    }
}

static void test_depth_limit(void **state)
{
    (void)state;
    char buf[2048] = "";
    for (int depth = 31; depth <= 33; depth++) {
        size_t o = 0;
        for (int i = 0; i < depth - 1; i++)
            o += (size_t)snprintf(buf + o, sizeof buf - o, "{\"L\":[");
        o += (size_t)snprintf(buf + o, sizeof buf - o, "{\"S\":\"x\"}");
        for (int i = 0; i < depth - 1; i++)
            o += (size_t)snprintf(buf + o, sizeof buf - o, "]}");
        json_object *av = J(buf);
        char err[256] = "";
        bool ok = ddb_validate(av, err, sizeof err);
        assert_int_equal(ok, depth <= DDB_MAX_DEPTH);
        if (!ok)
            assert_non_null(strstr(err, "nested deeper than 32"));
        json_object_put(av);
    }
}

static void test_from_value_scalars(void **state)
{
    (void)state;
    char err[128];
    value_t v = value_double(0.1);
    json_object *av = ddb_from_value(&v, err, sizeof err);
    char *s = plain(av);
    assert_string_equal(s, "{\"N\":\"0.1\"}");
    free(s);
    json_object_put(av);
    v = value_double(-0.0);
    av = ddb_from_value(&v, err, sizeof err);
    s = plain(av);
    assert_string_equal(s, "{\"N\":\"0\"}");
    free(s);
    json_object_put(av);
    v = value_double(NAN);
    assert_null(ddb_from_value(&v, err, sizeof err));
    assert_non_null(strstr(err, "cannot be a DynamoDB number"));
    v = value_double(1e300);
    assert_null(ddb_from_value(&v, err, sizeof err));
    v = value_null();
    av = ddb_from_value(&v, err, sizeof err);
    s = plain(av);
    assert_string_equal(s, "{\"NULL\":true}");
    free(s);
    json_object_put(av);
    dec_t d;
    dec_parse("1.10", 4, false, &d);
    v = value_number(&d); /* computed: canonical text keeps the scale */
    av = ddb_from_value(&v, err, sizeof err);
    s = plain(av);
    assert_string_equal(s, "{\"N\":\"1.10\"}");
    free(s);
    json_object_put(av);
    v = value_binary("\xff", 1);
    av = ddb_from_value(&v, err, sizeof err);
    s = plain(av);
    assert_string_equal(s, "{\"B\":\"/w==\"}");
    free(s);
    json_object_put(av);
    value_free(&v);
}

/* Path parsing: the steps, as "name" or "[i]" joined by spaces, or "!msg". */
static const struct {
    const char *path, *steps;
} paths[] = {
    {"a", "a"},
    {"a.b.c", "a b c"},
    {"a.list[2].d", "a list [2] d"},
    {"m[0][10]", "m [0] [10]"},
    {"\"a.b\".c", "a.b c"},
    {"\"say \"\"hi\"\"\"", "say \"hi\""},
    {"with space.x", "with space x"},
    {"", "!expected a name at offset 0"},
    {".a", "!empty name at offset 0"},
    {"a.", "!expected a name at offset 2"},
    {"a..b", "!empty name at offset 2"},
    {"[0]", "!empty name at offset 0"},
    {"a[", "!expected [digits] at offset 1"},
    {"a[x]", "!expected [digits] at offset 1"},
    {"a[1", "!expected [digits] at offset 1"},
    {"a[]", "!expected [digits] at offset 1"},
    {"a]", "!expected '.' or '[' at offset 1"},
    {"a[1]b", "!expected '.' or '[' at offset 4"},
    {"\"abc", "!unterminated quoted name at offset 0"},
    {"a[99999999999]", "!list index too large"},
};

static void test_path_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        ddb_path p;
        char err[256] = "";
        bool ok = ddb_path_parse(paths[i].path, strlen(paths[i].path), &p, err, sizeof err);
        if (paths[i].steps[0] == '!') {
            if (ok)
                fail_msg("path \"%s\" should fail", paths[i].path);
            assert_null(p.steps);
            if (!strstr(err, paths[i].steps + 1))
                fail_msg("path \"%s\": \"%s\" lacks \"%s\"", paths[i].path, err,
                         paths[i].steps + 1);
            continue;
        }
        if (!ok)
            fail_msg("path \"%s\": %s", paths[i].path, err);
        char got[256] = "";
        size_t o = 0;
        for (size_t k = 0; k < p.n; k++) {
            if (p.steps[k].name)
                o += (size_t)snprintf(got + o, sizeof got - o, "%s%s", k ? " " : "",
                                      p.steps[k].name);
            else
                o += (size_t)snprintf(got + o, sizeof got - o, "%s[%zu]", k ? " " : "",
                                      p.steps[k].index);
        }
        if (strcmp(got, paths[i].steps) != 0)
            fail_msg("path \"%s\": steps %s, expected %s", paths[i].path, got, paths[i].steps);
        ddb_path_free(&p);
    }
    /* NUL bytes and too many steps are refused. */
    ddb_path p;
    char err[128];
    assert_false(ddb_path_parse("a\0b", 3, &p, err, sizeof err));
    char deep[200] = "a";
    for (int i = 0; i < 40; i++)
        strcat(deep, ".b");
    assert_false(ddb_path_parse(deep, strlen(deep), &p, err, sizeof err));
    assert_non_null(strstr(err, "too many steps"));
}

static const char *ITEM =
    "{\"id\":{\"S\":\"u1\"},\"n\":{\"N\":\"3.0\"},\"a\":{\"M\":{\"b\":{\"M\":{\"c\":{\"S\":"
    "\"deep\"}}},"
    "\"list\":{\"L\":[{\"N\":\"0\"},{\"S\":\"one\"},{\"M\":{\"d\":{\"BOOL\":true}}}]}}},"
    "\"tags\":{\"SS\":[\"x\"]},\"nul\":{\"NULL\":true},\"bad\":{\"N\":\"oops\"}}";

static const struct {
    const char *path, *json; /* "!" = error */
} lookups[] = {
    {"id", "\"u1\""},         {"n", "3.0"},
    {"a.b.c", "\"deep\""},    {"a.list[0]", "0"},
    {"a.list[1]", "\"one\""}, {"a.list[2].d", "true"},
    {"a.list[3]", "null"},                         /* past the end */
    {"a.list[1].x", "null"},                       /* key into a string */
    {"a.b[0]", "null"},                            /* index into a map */
    {"a.missing.c", "null"},                       /* missing */
    {"tags", "[\"x\"]"},      {"tags[0]", "null"}, /* sets are not indexable */
    {"nul", "null"},          {"nope", "null"},
    {"id.x", "null"},         {"bad", "!"},
};

static void test_item_paths(void **state)
{
    (void)state;
    json_object *item = J(ITEM);
    for (size_t i = 0; i < sizeof lookups / sizeof lookups[0]; i++) {
        ddb_path p;
        char err[256] = "";
        assert_true(ddb_path_parse(lookups[i].path, strlen(lookups[i].path), &p, err, sizeof err));
        value_t v;
        bool ok = ddb_item_get(item, &p, &v, err, sizeof err);
        ddb_path_free(&p);
        if (lookups[i].json[0] == '!') {
            assert_false(ok);
            assert_non_null(strstr(err, "not a valid number"));
            continue;
        }
        if (!ok)
            fail_msg("%s: %s", lookups[i].path, err);
        json_object *j = value_to_json(&v);
        char *s = plain(j);
        json_object_put(j);
        if (strcmp(s, lookups[i].json) != 0) {
            char msg[256];
            snprintf(msg, sizeof msg, "%s: got %s expected %s", lookups[i].path, s,
                     lookups[i].json);
            free(s);
            fail_msg("%s", msg);
        }
        free(s);
        value_free(&v);
    }
    /* A value from a path outlives the item it came from. */
    ddb_path p;
    char err[64];
    assert_true(ddb_path_parse("a.list", 6, &p, err, sizeof err));
    value_t v;
    assert_true(ddb_item_get(item, &p, &v, err, sizeof err));
    ddb_path_free(&p);
    json_object_put(item);
    assert_int_equal(v.type, VAL_LIST);
    json_object *j = value_to_json(&v);
    char *s = plain(j);
    assert_string_equal(s, "[0,\"one\",{\"d\":true}]");
    free(s);
    json_object_put(j);
    value_free(&v);
    /* Not an item. */
    json_object *arr = J("[1]");
    assert_true(ddb_path_parse("a", 1, &p, err, sizeof err));
    assert_null(ddb_item_lookup(arr, &p));
    ddb_path_free(&p);
    json_object_put(arr);
}

static void test_shallow_conversion(void **state)
{
    (void)state;
    /* Malformed contents inside documents: only the deep check rejects them,
     * and every value operation copes with them. */
    static const char *const docs[] = {
        "{\"L\":[5,null,{\"X\":1},{\"N\":null},{\"NS\":[null,3]},{\"M\":[]},{\"S\":7},[]]}",
        "{\"M\":{\"a\":5,\"b\":{\"L\":{}},\"c\":{\"SS\":null},\"d\":{}}}",
        "{\"NS\":[null,\"x\",5]}",
        "{\"SS\":[1,null]}",
        "{\"BS\":[]}",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        json_object *av = J(docs[i]);
        value_t v, w, c;
        char err[256];
        assert_false(ddb_to_value(av, &v, err, sizeof err));
        if (!ddb_to_value_shallow(av, &v, err, sizeof err))
            fail_msg("%s: %s", docs[i], err);
        w = value_copy(&v);
        assert_true(value_equal(&v, &w));
        (void)value_hash(&v);
        json_object *j = value_to_json(&v);
        assert_non_null(j);
        json_object_put(j);
        assert_true(value_cast(&v, CAST_TEXT, &c, err, sizeof err));
        value_free(&c);
        json_object *back = ddb_from_value(&v, err, sizeof err);
        assert_non_null(back);
        json_object_put(back);
        value_free(&v);
        value_free(&w);
        json_object_put(av);
    }
    /* The top level is still checked, scalars fully. */
    static const char *const bad_top[] = {"{\"M\":[]}",    "{\"L\":{}}", "{\"SS\":\"a\"}",
                                          "{\"N\":\"x\"}", "{}",         "{\"B\":\"!\"}",
                                          "{\"Q\":1}"};
    for (size_t i = 0; i < sizeof bad_top / sizeof bad_top[0]; i++) {
        json_object *av = J(bad_top[i]);
        value_t v;
        char err[256];
        if (ddb_to_value_shallow(av, &v, err, sizeof err))
            fail_msg("%s should be rejected", bad_top[i]);
        assert_int_equal(v.type, VAL_NULL);
        json_object_put(av);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_attribute_values),
        cmocka_unit_test(test_bad_attribute_values),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_from_value_scalars),
        cmocka_unit_test(test_path_parse),
        cmocka_unit_test(test_item_paths),
        cmocka_unit_test(test_shallow_conversion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

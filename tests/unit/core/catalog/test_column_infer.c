#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/base/json_util.h"
#include "core/catalog/column_infer.h"

#include <stdio.h>
#include <string.h>

static json_object *parse(const char *text)
{
    char err[160];
    json_object *o = json_parse_strict(text, strlen(text), 64, err, sizeof err);
    if (!o)
        fprintf(stderr, "bad JSON (%s): %s\n", err, text);
    assert_non_null(o);
    return o;
}

static void add(column_stats *s, const char *item)
{
    json_object *o = parse(item);
    column_stats_add_item(s, o);
    json_object_put(o);
}

/* The columns for key_schema (JSON text or NULL), compared as compact text
 * so present_fraction's rounding is checked too. */
static void expect_columns(column_stats *s, const char *key_schema, const char *want)
{
    json_object *ks = key_schema ? parse(key_schema) : NULL;
    json_object *cols = column_stats_to_json(s, ks);
    if (strcmp(json_compact(cols), want) != 0) {
        fprintf(stderr, "got  %s\nwant %s\n", json_compact(cols), want);
        fail();
    }
    json_object_put(cols);
    json_object_put(ks);
}

static void test_value_types(void **state)
{
    (void)state;
    static const char *const tags[] = {"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"};
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        char text[64];
        snprintf(text, sizeof text, "{\"%s\":\"x\"}", tags[i]);
        json_object *v = parse(text);
        assert_string_equal(ddb_value_type(v), tags[i]);
        json_object_put(v);
    }
    json_object *v = parse("{\"X\":1}");
    assert_null(ddb_value_type(v));
    json_object_put(v);
    v = parse("{}");
    assert_null(ddb_value_type(v));
    json_object_put(v);
    v = parse("\"S\"");
    assert_null(ddb_value_type(v));
    json_object_put(v);
    v = parse("{\"s\":\"lowercase\"}");
    assert_null(ddb_value_type(v));
    json_object_put(v);
    assert_null(ddb_value_type(NULL));
}

static void test_nested_paths_and_quoting(void **state)
{
    (void)state;
    column_stats *s = column_stats_new(100, 4);
    add(s, "{\"id\":{\"S\":\"1\"},\"address\":{\"M\":{\"city\":{\"S\":\"Paris\"},"
           "\"zip code\":{\"S\":\"75001\"},\"say \\\"hi\\\"\":{\"S\":\"x\"},"
           "\"geo\":{\"M\":{\"lat\":{\"N\":\"48.8\"}}}}}}");
    assert_int_equal(column_stats_items(s), 1);
    assert_false(column_stats_truncated(s));
    expect_columns(s, NULL,
                   "["
                   "{\"name\":\"address\",\"type\":\"M\",\"types\":[\"M\"],\"nullable\":false,"
                   "\"present_count\":1,\"present_fraction\":1},"
                   "{\"name\":\"address.\\\"say \\\"\\\"hi\\\"\\\"\\\"\",\"type\":\"S\","
                   "\"types\":[\"S\"],\"nullable\":false,\"present_count\":1,"
                   "\"present_fraction\":1},"
                   "{\"name\":\"address.\\\"zip code\\\"\",\"type\":\"S\",\"types\":[\"S\"],"
                   "\"nullable\":false,\"present_count\":1,\"present_fraction\":1},"
                   "{\"name\":\"address.city\",\"type\":\"S\",\"types\":[\"S\"],"
                   "\"nullable\":false,\"present_count\":1,\"present_fraction\":1},"
                   "{\"name\":\"address.geo\",\"type\":\"M\",\"types\":[\"M\"],"
                   "\"nullable\":false,\"present_count\":1,\"present_fraction\":1},"
                   "{\"name\":\"address.geo.lat\",\"type\":\"N\",\"types\":[\"N\"],"
                   "\"nullable\":false,\"present_count\":1,\"present_fraction\":1},"
                   "{\"name\":\"id\",\"type\":\"S\",\"types\":[\"S\"],\"nullable\":false,"
                   "\"present_count\":1,\"present_fraction\":1}]");
    column_stats_free(s);
}

static void test_depth_limit(void **state)
{
    (void)state;
    column_stats *s = column_stats_new(100, 2);
    add(s, "{\"a\":{\"M\":{\"b\":{\"M\":{\"c\":{\"S\":\"deep\"}}}}}}");
    json_object *cols = column_stats_to_json(s, NULL);
    assert_int_equal(json_object_array_length(cols), 2); /* a, a.b; not a.b.c */
    assert_string_equal(jget_str(json_object_array_get_idx(cols, 0), "name"), "a");
    assert_string_equal(jget_str(json_object_array_get_idx(cols, 1), "name"), "a.b");
    json_object_put(cols);
    column_stats_free(s);

    /* Lists are columns of type L; their elements are not paths. */
    s = column_stats_new(100, 4);
    add(s, "{\"l\":{\"L\":[{\"M\":{\"x\":{\"S\":\"1\"}}}]}}");
    cols = column_stats_to_json(s, NULL);
    assert_int_equal(json_object_array_length(cols), 1);
    assert_string_equal(jget_str(json_object_array_get_idx(cols, 0), "type"), "L");
    json_object_put(cols);
    column_stats_free(s);
}

static void test_type_frequencies_and_nullable(void **state)
{
    (void)state;
    column_stats *s = column_stats_new(100, 4);
    add(s, "{\"v\":{\"N\":\"1\"},\"always\":{\"S\":\"a\"},\"nul\":{\"NULL\":true}}");
    add(s, "{\"v\":{\"N\":\"2\"},\"always\":{\"S\":\"b\"},\"nul\":{\"NULL\":true}}");
    add(s, "{\"v\":{\"S\":\"three\"},\"always\":{\"S\":\"c\"}}");
    add(s, "{\"v\":{\"NULL\":true},\"always\":{\"S\":\"d\"},\"tie\":{\"SS\":[\"x\"]}}");
    add(s, "{\"v\":{\"N\":\"5\"},\"always\":{\"S\":\"e\"},\"tie\":{\"S\":\"x\"},"
           "\"bad\":{\"NOPE\":1},\"bad2\":\"plain\"}");
    assert_int_equal(column_stats_items(s), 5);
    /* Types by frequency (ties in DynamoDB's order: S before SS); the
     * primary type ignores NULL; nullable when absent somewhere or NULL
     * somewhere; attributes without a type tag are skipped. */
    expect_columns(s, NULL,
                   "["
                   "{\"name\":\"always\",\"type\":\"S\",\"types\":[\"S\"],\"nullable\":false,"
                   "\"present_count\":5,\"present_fraction\":1},"
                   "{\"name\":\"nul\",\"type\":\"NULL\",\"types\":[\"NULL\"],\"nullable\":true,"
                   "\"present_count\":2,\"present_fraction\":0.4},"
                   "{\"name\":\"tie\",\"type\":\"S\",\"types\":[\"S\",\"SS\"],\"nullable\":true,"
                   "\"present_count\":2,\"present_fraction\":0.4},"
                   "{\"name\":\"v\",\"type\":\"N\",\"types\":[\"N\",\"S\",\"NULL\"],"
                   "\"nullable\":true,\"present_count\":5,\"present_fraction\":1}]");
    column_stats_free(s);
}

static void test_present_fraction_text(void **state)
{
    (void)state;
    column_stats *s = column_stats_new(100, 4);
    add(s, "{\"a\":{\"S\":\"x\"},\"b\":{\"S\":\"x\"}}");
    add(s, "{\"a\":{\"S\":\"x\"}}");
    add(s, "{\"a\":{\"S\":\"x\"}}");
    json_object *cols = column_stats_to_json(s, NULL);
    json_object *b = json_object_array_get_idx(cols, 1);
    assert_string_equal(jget_str(b, "name"), "b");
    /* Serialised with four significant digits, not 0.33333333333333331. */
    assert_string_equal(json_compact(jget(b, "present_fraction")), "0.3333");
    assert_true(json_object_get_double(jget(b, "present_fraction")) > 0.3333);
    assert_true(jget_bool(b, "nullable", false));
    json_object_put(cols);
    column_stats_free(s);
}

static void test_key_columns_first(void **state)
{
    (void)state;
    column_stats *s = column_stats_new(100, 4);
    /* sk is numeric in the key schema even where an item disagrees. */
    add(s,
        "{\"zz\":{\"S\":\"1\"},\"sk\":{\"N\":\"1\"},\"aa\":{\"BOOL\":true},\"pk\":{\"S\":\"a\"}}");
    add(s, "{\"sk\":{\"S\":\"2\"},\"pk\":{\"S\":\"b\"}}");
    expect_columns(s,
                   "{\"partition_key\":{\"name\":\"pk\",\"type\":\"S\"},"
                   "\"sort_key\":{\"name\":\"sk\",\"type\":\"N\"}}",
                   "["
                   "{\"name\":\"pk\",\"type\":\"S\",\"types\":[\"S\"],\"nullable\":false,"
                   "\"present_count\":2,\"present_fraction\":1,\"key\":\"partition\"},"
                   "{\"name\":\"sk\",\"type\":\"N\",\"types\":[\"S\",\"N\"],\"nullable\":false,"
                   "\"present_count\":2,\"present_fraction\":1,\"key\":\"sort\"},"
                   "{\"name\":\"aa\",\"type\":\"BOOL\",\"types\":[\"BOOL\"],\"nullable\":true,"
                   "\"present_count\":1,\"present_fraction\":0.5},"
                   "{\"name\":\"zz\",\"type\":\"S\",\"types\":[\"S\"],\"nullable\":true,"
                   "\"present_count\":1,\"present_fraction\":0.5}]");
    column_stats_free(s);
}

static void test_keys_of_an_empty_sample(void **state)
{
    (void)state;
    /* An empty table still has its key columns, typed from the schema. */
    column_stats *s = column_stats_new(100, 4);
    expect_columns(s, "{\"partition_key\":{\"name\":\"id\",\"type\":\"N\"}}",
                   "[{\"name\":\"id\",\"type\":\"N\",\"types\":[\"N\"],\"nullable\":false,"
                   "\"present_count\":0,\"present_fraction\":0,\"key\":\"partition\"}]");
    column_stats_free(s);
}

static void test_truncation(void **state)
{
    (void)state;
    column_stats *s = column_stats_new(3, 4);
    add(s, "{\"a\":{\"S\":\"1\"},\"b\":{\"S\":\"1\"}}");
    assert_false(column_stats_truncated(s));
    add(s, "{\"a\":{\"S\":\"1\"},\"c\":{\"S\":\"1\"},\"d\":{\"S\":\"1\"},\"e\":{\"S\":\"1\"}}");
    assert_true(column_stats_truncated(s));
    /* Known columns keep counting after the limit is reached. */
    add(s, "{\"a\":{\"N\":\"1\"},\"f\":{\"S\":\"1\"}}");
    expect_columns(s, NULL,
                   "["
                   "{\"name\":\"a\",\"type\":\"S\",\"types\":[\"S\",\"N\"],\"nullable\":false,"
                   "\"present_count\":3,\"present_fraction\":1},"
                   "{\"name\":\"b\",\"type\":\"S\",\"types\":[\"S\"],\"nullable\":true,"
                   "\"present_count\":1,\"present_fraction\":0.3333},"
                   "{\"name\":\"c\",\"type\":\"S\",\"types\":[\"S\"],\"nullable\":true,"
                   "\"present_count\":1,\"present_fraction\":0.3333}]");
    column_stats_free(s);

    /* The default limit holds many columns. */
    s = column_stats_new(COLUMN_INFER_MAX_COLUMNS, COLUMN_INFER_MAX_DEPTH);
    json_object *item = json_object_new_object();
    for (int i = 0; i < COLUMN_INFER_MAX_COLUMNS + 5; i++) {
        char name[16];
        snprintf(name, sizeof name, "c%04d", i);
        json_object *v = json_object_new_object();
        jset_str(v, "N", "1");
        jset(item, name, v);
    }
    column_stats_add_item(s, item);
    json_object_put(item);
    assert_true(column_stats_truncated(s));
    json_object *cols = column_stats_to_json(s, NULL);
    assert_int_equal(json_object_array_length(cols), COLUMN_INFER_MAX_COLUMNS);
    json_object_put(cols);
    column_stats_free(s);
}

static void test_non_items_ignored(void **state)
{
    (void)state;
    column_stats *s = column_stats_new(10, 4);
    column_stats_add_item(s, NULL);
    json_object *arr = parse("[1,2]");
    column_stats_add_item(s, arr);
    json_object_put(arr);
    assert_int_equal(column_stats_items(s), 0);
    json_object *cols = column_stats_to_json(s, NULL);
    assert_int_equal(json_object_array_length(cols), 0);
    json_object_put(cols);
    column_stats_free(s);

    /* A map tag whose value is not an object counts, with nothing below. */
    s = column_stats_new(10, 4);
    add(s, "{\"m\":{\"M\":\"oops\"},\"n\":{\"M\":null}}");
    expect_columns(s, NULL,
                   "[{\"name\":\"m\",\"type\":\"M\",\"types\":[\"M\"],\"nullable\":false,"
                   "\"present_count\":1,\"present_fraction\":1},"
                   "{\"name\":\"n\",\"type\":\"M\",\"types\":[\"M\"],\"nullable\":false,"
                   "\"present_count\":1,\"present_fraction\":1}]");
    column_stats_free(s);

    /* Zero columns allowed: everything is truncated, nothing crashes. */
    s = column_stats_new(0, 4);
    add(s, "{\"a\":{\"S\":\"1\"}}");
    assert_true(column_stats_truncated(s));
    column_stats_free(s);
}

static void test_very_long_paths_skipped(void **state)
{
    (void)state;
    /* A path longer than the path buffer is skipped, its siblings kept. */
    column_stats *s = column_stats_new(10, 4);
    char name[1100];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    json_object *inner = json_object_new_object();
    json_object *leaf = json_object_new_object();
    jset_str(leaf, "S", "x");
    jset(inner, name, leaf);
    leaf = json_object_new_object();
    jset_str(leaf, "S", "y");
    jset(inner, "ok", leaf);
    json_object *m = json_object_new_object();
    jset(m, "M", inner);
    json_object *item = json_object_new_object();
    jset(item, "m", m);
    column_stats_add_item(s, item);
    json_object_put(item);
    json_object *cols = column_stats_to_json(s, NULL);
    assert_int_equal(json_object_array_length(cols), 2);
    assert_string_equal(jget_str(json_object_array_get_idx(cols, 0), "name"), "m");
    assert_string_equal(jget_str(json_object_array_get_idx(cols, 1), "name"), "m.ok");
    json_object_put(cols);
    column_stats_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_types),
        cmocka_unit_test(test_nested_paths_and_quoting),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_type_frequencies_and_nullable),
        cmocka_unit_test(test_present_fraction_text),
        cmocka_unit_test(test_key_columns_first),
        cmocka_unit_test(test_keys_of_an_empty_sample),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_non_items_ignored),
        cmocka_unit_test(test_very_long_paths_skipped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

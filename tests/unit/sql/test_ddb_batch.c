#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/buf.h"
#include "core/base/json_util.h"
#include "sql/ddb_batch.h"
#include "tests/unit/support/ddb_capture.h"
#include "tests/unit/support/fake_http.h"

#define JSON_CT "application/x-amz-json-1.0"

typedef struct fx {
    ddb_fake *fake;
    json_object *entry;
    ddb_batch_target t;
    /* shorthands into fake */
    fake_http *f;
    ddb_capture *cap;
    exec_ctx *ctx;
} fx;

static fx *fx_new(int max_attempts, const char *sk)
{
    fx *x = calloc(1, sizeof *x);
    x->fake = ddb_fake_new(max_attempts);
    x->f = x->fake->f;
    x->cap = &x->fake->cap;
    x->ctx = &x->fake->ctx;
    x->entry = json_tokener_parse("{\"ConsistentRead\":false}");
    x->t = (ddb_batch_target){.client = x->fake->c,
                              .table = "tbl",
                              .pk = "id",
                              .sk = sk,
                              .entry = x->entry,
                              .label = "demo.tbl"};
    return x;
}

static int setup(void **state)
{
    *state = fx_new(3, NULL);
    return 0;
}

static int teardown(void **state)
{
    fx *x = *state;
    ddb_fake_free(x->fake);
    json_object_put(x->entry);
    free(x);
    return 0;
}

static void answer(fx *x, const char *body)
{
    fake_http_push_simple(x->f, 200, JSON_CT, body);
}

/* Reads keys written as JSON key objects; returns the items' "v" (or "-"
 * for none) as "a,-,b", or "ERR". */
static char *read_keys(fx *x, const char *const *keys, size_t n)
{
    json_object **k = calloc(n + 1, sizeof *k), **items = calloc(n + 1, sizeof *items);
    for (size_t i = 0; i < n; i++)
        k[i] = json_tokener_parse(keys[i]);
    bool ok = ddb_batch_get(x->ctx, &x->t, k, n, items);
    buf_t b = BUF_INIT(1 << 16);
    for (size_t i = 0; i < n; i++) {
        if (!ok)
            assert_null(items[i]);
        const char *v = items[i] ? jget_str(jget_obj(items[i], "v"), "S") : "-";
        buf_printf(&b, "%s%s", i ? "," : "", v ? v : "?");
        json_object_put(items[i]);
        json_object_put(k[i]);
    }
    if (!ok) {
        buf_reset(&b);
        buf_puts(&b, "ERR");
    }
    free(k);
    free(items);
    return buf_steal(&b);
}

#define S_KEY(s) "{\"id\":{\"S\":\"" s "\"}}"

/* One request with each key once; answers in any order come back aligned
 * with the keys given, duplicates included. */
static void test_order_and_duplicates(void **state)
{
    fx *x = *state;
    answer(x, "{\"Responses\":{\"tbl\":[{\"id\":{\"S\":\"c\"},\"v\":{\"S\":\"C\"}},"
              "{\"id\":{\"S\":\"b\"},\"v\":{\"S\":\"B\"}}]}}");
    const char *keys[] = {S_KEY("b"), S_KEY("a"), S_KEY("b"), S_KEY("c")};
    char *got = read_keys(x, keys, 4);
    assert_string_equal(got, "B,-,B,C");
    free(got);
    assert_int_equal(x->cap->n, 1);
    assert_string_equal(x->cap->reqs[0],
                        "{\"RequestItems\":{\"tbl\":{\"Keys\":[{\"id\":{\"S\":\"b\"}},{\"id\":{"
                        "\"S\":\"a\"}},{\"id\":{\"S\":\"c\"}}],\"ConsistentRead\":false}},"
                        "\"ReturnConsumedCapacity\":\"TOTAL\"}");
}

/* 1 and 1.0 are one N key; composite keys match on both parts. */
static void test_numbers_and_composite_keys(void **state)
{
    fx *x = *state;
    answer(x, "{\"Responses\":{\"tbl\":[{\"id\":{\"N\":\"1\"},\"v\":{\"S\":\"one\"}}]}}");
    const char *keys[] = {"{\"id\":{\"N\":\"1.0\"}}", "{\"id\":{\"N\":\"1\"}}",
                          "{\"id\":{\"N\":\"2\"}}"};
    char *got = read_keys(x, keys, 3);
    assert_string_equal(got, "one,one,-");
    free(got);
    assert_non_null(strstr(x->cap->reqs[0], "\"Keys\":[{\"id\":{\"N\":\"1.0\"}},{\"id\":{\"N\":"
                                            "\"2\"}}]"));
    teardown(state);

    fx *y = fx_new(3, "s");
    *state = y;
    answer(y, "{\"Responses\":{\"tbl\":[{\"id\":{\"S\":\"a\"},\"s\":{\"N\":\"2\"},\"v\":{\"S\":"
              "\"a2\"}},{\"id\":{\"S\":\"a\"},\"s\":{\"N\":\"1\"},\"v\":{\"S\":\"a1\"}}]}}");
    const char *ck[] = {"{\"id\":{\"S\":\"a\"},\"s\":{\"N\":\"1\"}}",
                        "{\"id\":{\"S\":\"a\"},\"s\":{\"N\":\"2\"}}",
                        "{\"id\":{\"S\":\"a\"},\"s\":{\"N\":\"3\"}}"};
    got = read_keys(y, ck, 3);
    assert_string_equal(got, "a1,a2,-");
    free(got);
}

/* Batches of at most 100 distinct keys. */
static void test_batches_of_100(void **state)
{
    fx *x = *state;
    answer(x, "{\"Responses\":{\"tbl\":[]}}");
    answer(x, "{\"Responses\":{\"tbl\":[{\"id\":{\"S\":\"k149\"},\"v\":{\"S\":\"last\"}}]}}");
    char text[160][24];
    const char *keys[160];
    for (int i = 0; i < 160; i++) {
        snprintf(text[i], sizeof text[i], S_KEY("k%d"), i % 150); /* 10 repeats */
        keys[i] = text[i];
    }
    char *got = read_keys(x, keys, 160);
    assert_non_null(strstr(got, ",last,"));
    free(got);
    assert_int_equal(x->cap->n, 2);
    for (int c = 0; c < 2; c++) {
        int n = 0;
        for (const char *p = x->cap->reqs[c]; (p = strstr(p, "{\"id\":")); p++)
            n++;
        assert_int_equal(n, c == 0 ? 100 : 50);
    }
}

/* UnprocessedKeys are sent again until answered. */
static void test_unprocessed_keys(void **state)
{
    fx *x = *state;
    answer(x, "{\"Responses\":{\"tbl\":[{\"id\":{\"S\":\"c\"},\"v\":{\"S\":\"C\"}}]},"
              "\"UnprocessedKeys\":{\"tbl\":{\"Keys\":[{\"id\":{\"S\":\"a\"}},{\"id\":{\"S\":"
              "\"b\"}}]}}}");
    answer(x, "{\"Responses\":{\"tbl\":[{\"id\":{\"S\":\"b\"},\"v\":{\"S\":\"B\"}}]},"
              "\"UnprocessedKeys\":{\"tbl\":{\"Keys\":[{\"id\":{\"S\":\"a\"}}]}}}");
    answer(x, "{\"Responses\":{\"tbl\":[{\"id\":{\"S\":\"a\"},\"v\":{\"S\":\"A\"}}]},"
              "\"UnprocessedKeys\":{}}");
    const char *keys[] = {S_KEY("a"), S_KEY("b"), S_KEY("c")};
    char *got = read_keys(x, keys, 3);
    assert_string_equal(got, "A,B,C");
    free(got);
    /* progress every time: more rounds than max_attempts is fine */
    assert_int_equal(x->cap->n, 3);
    assert_non_null(strstr(x->cap->reqs[1], "\"Keys\":[{\"id\":{\"S\":\"a\"}},{\"id\":{\"S\":"
                                            "\"b\"}}]"));
    assert_non_null(strstr(x->cap->reqs[2], "\"Keys\":[{\"id\":{\"S\":\"a\"}}]"));
}

/* Keys never processed: the query fails after the configured attempts,
 * saying what to do. */
static void test_unprocessed_forever(void **state)
{
    fx *x = *state;
    for (int i = 0; i < 5; i++)
        answer(x, "{\"Responses\":{\"tbl\":[]},\"UnprocessedKeys\":{\"tbl\":{\"Keys\":[{\"id\":{"
                  "\"S\":\"a\"}}]}}}");
    const char *keys[] = {S_KEY("a"), S_KEY("z")};
    char *got = read_keys(x, keys, 2);
    assert_string_equal(got, "ERR");
    free(got);
    /* the first call made progress (z answered); then max_attempts calls without */
    assert_int_equal(x->cap->n, 4);
    assert_int_equal(x->ctx->err_kind, EXEC_ERR_DYNAMODB);
    assert_string_equal(x->ctx->err.message,
                        "DynamoDB left 1 of 2 keys of a BatchGetItem on demo.tbl unprocessed after "
                        "every retry: the table's read capacity or the request rate is exhausted; "
                        "retry later or read fewer keys");
}

/* A failed call, and a key without its attributes, are errors. */
static void test_errors(void **state)
{
    fx *x = *state;
    fake_http_push_simple(x->f, 400, JSON_CT,
                          "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ValidationException\","
                          "\"message\":\"Provided list of item keys contains duplicates\"}");
    const char *keys[] = {S_KEY("a")};
    char *got = read_keys(x, keys, 1);
    assert_string_equal(got, "ERR");
    free(got);
    assert_non_null(strstr(x->ctx->err.message, "contains duplicates"));

    exec_ctx_init(x->ctx, NULL, 0);
    const char *bad[] = {"{\"other\":{\"S\":\"a\"}}"};
    got = read_keys(x, bad, 1);
    assert_string_equal(got, "ERR");
    free(got);
    assert_non_null(strstr(x->ctx->err.message, "lacks its key attributes"));
    assert_int_equal(fake_http_nrequests(x->f), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_order_and_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers_and_composite_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batches_of_100, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unprocessed_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unprocessed_forever, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

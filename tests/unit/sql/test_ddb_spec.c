#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/json_util.h"
#include "sql/ddb_spec.h"
#include "tests/unit/support/test_rows_op.h"

static const sql_pos P0 = {1, 1, 0};

static char *av_text(json_object *av)
{
    char *s = strdup(av ? json_compact(av) : "none");
    json_object_put(av);
    return s;
}

#define assert_av(av, want)                                                                        \
    do {                                                                                           \
        char *t_ = av_text(av);                                                                    \
        assert_string_equal(t_, want);                                                             \
        free(t_);                                                                                  \
    } while (0)

/* ---- key values ---------------------------------------------------------------- */

static void test_key_fit(void **state)
{
    (void)state;
    value_t v = test_value("'abc'");
    assert_av(ddb_key_av(&v, 'S', 0), "{\"S\":\"abc\"}");
    assert_av(ddb_key_av(&v, 'S', 3), "{\"S\":\"abc\"}");
    assert_av(ddb_key_av(&v, 'S', 2), "none"); /* longer than a key may be */
    assert_av(ddb_key_av(&v, 'N', 0), "none");
    assert_av(ddb_key_av(&v, 'B', 0), "none");
    value_free(&v);
    v = test_value("''");
    assert_av(ddb_key_av(&v, 'S', 0), "none"); /* keys are never empty */
    value_free(&v);
    v = test_value("12.50");
    assert_av(ddb_key_av(&v, 'N', 0), "{\"N\":\"12.50\"}");
    assert_av(ddb_key_av(&v, 'S', 0), "none");
    value_free(&v);
    v = value_double(0.1);
    assert_av(ddb_key_av(&v, 'N', 0), "{\"N\":\"0.1\"}");
    v = value_double(INFINITY);
    assert_av(ddb_key_av(&v, 'N', 0), "none");
    v = value_double(1e300);
    assert_av(ddb_key_av(&v, 'N', 0), "none");
    v = value_binary("\x01\x02", 2);
    assert_av(ddb_key_av(&v, 'B', 0), "{\"B\":\"AQI=\"}");
    assert_av(ddb_key_av(&v, 'S', 0), "none");
    value_free(&v);
    v = value_bool(true);
    assert_av(ddb_key_av(&v, 'S', 0), "none");
    v = value_null();
    assert_av(ddb_key_av(&v, 'N', 0), "none");
}

static void test_key_eval(void **state)
{
    (void)state;
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    value_t row[2] = {test_value("'k1'"), test_value("7")};
    json_object *av;
    value_t v;
    bexpr *c0 = t_col(0), *c1 = t_col(1), *k = t_const("3");
    assert_int_equal(ddb_key_eval(&ctx, c0, row, 'S', 0, &av, &v), 1);
    assert_av(av, "{\"S\":\"k1\"}");
    assert_int_equal(v.type, VAL_STRING);
    value_free(&v);
    assert_int_equal(ddb_key_eval(&ctx, c1, row, 'S', 0, &av, &v), 0);
    assert_null(av);
    assert_int_equal(v.type, VAL_NULL);
    assert_int_equal(ddb_key_eval(&ctx, k, NULL, 'N', 0, &av, NULL), 1);
    assert_av(av, "{\"N\":\"3\"}");
    /* computed over the row */
    bexpr *sum = t_bin(SQL_OP_ADD, t_col(1), t_const("1"));
    assert_int_equal(ddb_key_eval(&ctx, sum, row, 'N', 0, &av, NULL), 1);
    assert_av(av, "{\"N\":\"8\"}");
    /* an evaluation error is the query's */
    bexpr *bad = t_bin(SQL_OP_DIV, t_col(1), t_const("0"));
    assert_int_equal(ddb_key_eval(&ctx, bad, row, 'N', 0, &av, NULL), -1);
    assert_int_equal(ctx.err_kind, EXEC_ERR_SQL);
    /* a column with no row is an error, not a crash */
    exec_ctx_init(&ctx, NULL, 0);
    assert_int_equal(ddb_key_eval(&ctx, c0, NULL, 'S', 0, &av, NULL), -1);
    bexpr_free(c0);
    bexpr_free(c1);
    bexpr_free(k);
    bexpr_free(sum);
    bexpr_free(bad);
    row_free(row, 2);
}

static void test_keys_of_items(void **state)
{
    (void)state;
    json_object *k = ddb_key_object("pk", json_tokener_parse("{\"S\":\"a\"}"), "sk",
                                    json_tokener_parse("{\"N\":\"1\"}"));
    assert_string_equal(json_compact(k), "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}");
    json_object_put(k);
    k = ddb_key_object("pk", json_tokener_parse("{\"S\":\"a\"}"), NULL,
                       json_tokener_parse("{\"N\":\"1\"}"));
    assert_string_equal(json_compact(k), "{\"pk\":{\"S\":\"a\"}}");
    json_object_put(k);

    json_object *item = json_tokener_parse(
        "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"g\":{\"S\":\"x\"},\"v\":{\"N\":\"9\"}}");
    const char *names[] = {"pk", "sk", "g", NULL, "pk"};
    k = ddb_item_key(item, names, 5);
    assert_string_equal(json_compact(k), "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"g\":{"
                                         "\"S\":\"x\"}}");
    json_object_put(k);
    const char *missing[] = {"pk", "nope"};
    assert_null(ddb_item_key(item, missing, 2));
    json_object_put(item);
}

static void test_item_row(void **state)
{
    (void)state;
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    json_object *item = json_tokener_parse(
        "{\"a\":{\"S\":\"x\"},\"m\":{\"M\":{\"b\":{\"L\":[{\"N\":\"1\"},{\"N\":\"2\"}]}}},"
        "\"n\":{\"NULL\":true},\"bad\":{\"N\":\"1x\"}}");
    const char *texts[] = {"a", "m.b[1]", "missing", "n"};
    ddb_path paths[5];
    char err[128];
    for (int i = 0; i < 4; i++)
        assert_true(ddb_path_parse(texts[i], strlen(texts[i]), &paths[i], err, sizeof err));
    paths[4] = (ddb_path){NULL, 0}; /* the whole item */
    value_t row[5];
    assert_true(ddb_item_row(&ctx, paths, 5, item, row));
    char *t = test_value_text(&row[0]);
    assert_string_equal(t, "'x'");
    free(t);
    t = test_value_text(&row[1]);
    assert_string_equal(t, "2");
    free(t);
    assert_int_equal(row[2].type, VAL_NULL);
    assert_int_equal(row[3].type, VAL_NULL);
    assert_int_equal(row[4].type, VAL_MAP);
    assert_ptr_equal(row[4].u.doc, item); /* shared, not copied */
    row_free(row, 5);

    ddb_path bad;
    assert_true(ddb_path_parse("bad", 3, &bad, err, sizeof err));
    ddb_path two[2] = {paths[0], bad};
    assert_false(ddb_item_row(&ctx, two, 2, item, row));
    assert_int_equal(ctx.err_kind, EXEC_ERR_DYNAMODB);
    assert_non_null(strstr(ctx.err.message, "DynamoDB returned a malformed attribute bad"));
    assert_int_equal(row[0].type, VAL_NULL); /* nothing left to free */
    ddb_path_free(&bad);
    for (int i = 0; i < 4; i++)
        ddb_path_free(&paths[i]);
    json_object_put(item);
}

/* ---- sort-key conditions ----------------------------------------------------------- */

static ddb_read_spec sk_spec(char type, skc_kind skc, const char *lo, const char *hi)
{
    ddb_read_spec s = {0};
    s.table = strdup("t");
    s.key_pk = strdup("pk");
    s.key_sk = strdup("sk");
    s.key_pk_type = 'S';
    s.key_sk_type = type;
    s.skc = skc;
    s.sk_lo =
        lo ? (!strcmp(lo, "inf") ? bexpr_const(value_double(INFINITY), P0) : t_const(lo)) : NULL;
    s.sk_hi = hi ? t_const(hi) : NULL;
    return s;
}

/* One case: the condition sent ("EMPTY" when none can hold, "ERROR"). */
static char *sk_case(char type, skc_kind skc, const char *lo, const char *hi)
{
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    ddb_read_spec s = sk_spec(type, skc, lo, hi);
    json_object *jlo = NULL, *jhi = NULL;
    bool empty = false;
    skc_kind k = s.skc;
    char out[1024];
    if (!ddb_spec_sk_condition(&s, &ctx, &k, &jlo, &jhi, &empty))
        snprintf(out, sizeof out, "ERROR %s", ctx.err.message);
    else if (empty)
        snprintf(out, sizeof out, "EMPTY");
    else
        snprintf(out, sizeof out, "%d %s %s", (int)k, jlo ? json_compact(jlo) : "-",
                 jhi ? json_compact(jhi) : "-");
    json_object_put(jlo);
    json_object_put(jhi);
    free(s.table);
    free(s.key_pk);
    free(s.key_sk);
    bexpr_free(s.sk_lo);
    bexpr_free(s.sk_hi);
    return strdup(out);
}

#define assert_sk(type, skc, lo, hi, want)                                                         \
    do {                                                                                           \
        char *g_ = sk_case(type, skc, lo, hi);                                                     \
        if (strcmp(g_, want) != 0)                                                                 \
            fail_msg("%s %s: got %s, want %s", #skc, lo ? lo : "-", g_, want);                     \
        free(g_);                                                                                  \
    } while (0)

static void test_sk_conditions(void **state)
{
    (void)state;
    assert_sk('S', SKC_EQ, "'a'", NULL, "1 {\"S\":\"a\"} -");
    assert_sk('S', SKC_EQ, "''", NULL, "EMPTY");
    assert_sk('S', SKC_EQ, "1", NULL, "EMPTY");
    assert_sk('N', SKC_LT, "5", NULL, "2 {\"N\":\"5\"} -");
    assert_sk('N', SKC_LT, "'5'", NULL, "EMPTY"); /* another type: SQL's < is false */
    assert_sk('N', SKC_GE, "NULL", NULL, "EMPTY");
    assert_sk('N', SKC_BETWEEN, "1", "9", "6 {\"N\":\"1\"} {\"N\":\"9\"}");
    assert_sk('N', SKC_BETWEEN, "9", "1", "EMPTY"); /* lo > hi */
    assert_sk('N', SKC_BETWEEN, "1", "NULL", "EMPTY");
    /* an empty string orders before every key */
    assert_sk('S', SKC_GT, "''", NULL, "0 - -");
    assert_sk('S', SKC_GE, "''", NULL, "0 - -");
    assert_sk('S', SKC_LT, "''", NULL, "EMPTY");
    assert_sk('S', SKC_LE, "''", NULL, "EMPTY");
    assert_sk('S', SKC_BETWEEN, "''", "'m'", "3 {\"S\":\"m\"} -");
    assert_sk('S', SKC_BETWEEN, "'a'", "''", "EMPTY");
    assert_sk('S', SKC_BEGINS_WITH, "'ab'", NULL, "7 {\"S\":\"ab\"} -");
    assert_sk('S', SKC_BEGINS_WITH, "''", NULL, "0 - -");
    assert_sk('N', SKC_BEGINS_WITH, "'1'", NULL, "EMPTY");
    /* a DOUBLE DynamoDB cannot hold */
    char *g = sk_case('N', SKC_LT, "inf", NULL);
    assert_non_null(strstr(g, "ERROR the DOUBLE inf is outside DynamoDB's number range"));
    free(g);
}

/* ---- request bodies ------------------------------------------------------------------ */

static ddb_read_spec req_spec(const char *paths)
{
    ddb_read_spec s = {0};
    s.table = strdup("orders");
    s.label = strdup("demo.orders");
    s.table_pk = strdup("c");
    s.table_sk = strdup("o");
    s.table_pk_type = s.table_sk_type = 'S';
    s.key_pk = strdup("c");
    s.key_sk = strdup("o");
    s.key_pk_type = s.key_sk_type = 'S';
    s.forward = true;
    s.limit_hint = -1;
    s.segments = 1;
    s.slot_paths = calloc(8, sizeof *s.slot_paths);
    char buf[128];
    snprintf(buf, sizeof buf, "%s", paths);
    for (char *save = NULL, *p = strtok_r(buf, "|", &save); p; p = strtok_r(NULL, "|", &save)) {
        char err[64];
        if (strcmp(p, "*") != 0)
            assert_true(ddb_path_parse(p, strlen(p), &s.slot_paths[s.nslots], err, sizeof err));
        s.nslots++;
    }
    return s;
}

static void spec_free(ddb_read_spec *s)
{
    free(s->table);
    free(s->label);
    free(s->index);
    free(s->table_pk);
    free(s->table_sk);
    free(s->key_pk);
    free(s->key_sk);
    for (int i = 0; i < s->nslots; i++)
        ddb_path_free(&s->slot_paths[i]);
    free(s->slot_paths);
    for (int i = 0; i < s->nfilters; i++)
        bexpr_free(s->filters[i]);
    free(s->filters);
}

#define assert_req(req, want)                                                                      \
    do {                                                                                           \
        json_object *r_ = (req);                                                                   \
        if (strcmp(json_compact(r_), want) != 0)                                                   \
            fail_msg("request\n  got  %s\n  want %s", json_compact(r_), want);                     \
        json_object_put(r_);                                                                       \
    } while (0)

static void test_requests(void **state)
{
    (void)state;
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    ddb_read_spec s = req_spec("a.b|o|x");
    s.filters = calloc(1, sizeof *s.filters);
    s.filters[0] = t_bin(SQL_OP_GT, t_col(2), t_const("5"));
    s.nfilters = 1;
    s.limit_hint = 25;
    assert_req(ddb_spec_scan_request(&s, &ctx, false),
               "{\"TableName\":\"orders\",\"FilterExpression\":\"#n0 > :v0\","
               "\"ProjectionExpression\":\"#n1, #n2, #n0, #n3\",\"ExpressionAttributeNames\":{"
               "\"#n0\":\"x\",\"#n1\":\"a\",\"#n2\":\"o\",\"#n3\":\"c\"},"
               "\"ExpressionAttributeValues\":{\":v0\":{\"N\":\"5\"}},\"Limit\":25,"
               "\"ConsistentRead\":false,\"ReturnConsumedCapacity\":\"TOTAL\"}");
    /* keys only (the index side of fetch_by_key): the table's key, filters kept */
    s.index = strdup("by_x");
    free(s.key_pk);
    free(s.key_sk);
    s.key_pk = strdup("x");
    s.key_sk = NULL;
    s.forward = false;
    assert_req(ddb_spec_query_request(&s, &ctx, json_tokener_parse("{\"N\":\"1\"}"), SKC_NONE, NULL,
                                      NULL, true),
               "{\"TableName\":\"orders\",\"IndexName\":\"by_x\",\"KeyConditionExpression\":\"#n0 "
               "= :v0\",\"FilterExpression\":\"#n0 > :v1\",\"ProjectionExpression\":\"#n1, #n2\","
               "\"ExpressionAttributeNames\":{\"#n0\":\"x\",\"#n1\":\"c\",\"#n2\":\"o\"},"
               "\"ExpressionAttributeValues\":{\":v0\":{\"N\":\"1\"},\":v1\":{\"N\":\"5\"}},"
               "\"ScanIndexForward\":false,\"Limit\":25,\"ConsistentRead\":false,"
               "\"ReturnConsumedCapacity\":\"TOTAL\"}");
    /* BatchGetItem's entry and GetItem: the table's key, never a filter or Limit */
    assert_req(
        ddb_spec_batch_entry(&s),
        "{\"ProjectionExpression\":\"#n0, #n1, #n2, #n3\",\"ExpressionAttributeNames\":{"
        "\"#n0\":\"a\",\"#n1\":\"o\",\"#n2\":\"x\",\"#n3\":\"c\"},\"ConsistentRead\":false}");
    assert_req(ddb_spec_get_request(&s, json_tokener_parse("{\"c\":{\"S\":\"k\"}}")),
               "{\"TableName\":\"orders\",\"Key\":{\"c\":{\"S\":\"k\"}},\"ProjectionExpression\":"
               "\"#n0, #n1, #n2, #n3\",\"ExpressionAttributeNames\":{\"#n0\":\"a\",\"#n1\":\"o\","
               "\"#n2\":\"x\",\"#n3\":\"c\"},\"ConsistentRead\":false,\"ReturnConsumedCapacity\":"
               "\"TOTAL\"}");
    spec_free(&s);

    /* The whole item: no projection, and no empty maps. */
    s = req_spec("*");
    assert_req(ddb_spec_scan_request(&s, &ctx, false),
               "{\"TableName\":\"orders\",\"ConsistentRead\":false,\"ReturnConsumedCapacity\":"
               "\"TOTAL\"}");
    assert_req(ddb_spec_batch_entry(&s), "{\"ConsistentRead\":false}");
    spec_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_fit),       cmocka_unit_test(test_key_eval),
        cmocka_unit_test(test_keys_of_items), cmocka_unit_test(test_item_row),
        cmocka_unit_test(test_sk_conditions), cmocka_unit_test(test_requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

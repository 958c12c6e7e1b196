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
#include "sql/ddb_expr.h"
#include "sql/functions.h"
#include "tests/unit/support/test_rows_op.h"

static const sql_pos P0 = {1, 1, 0};

/* ---- building blocks ------------------------------------------------------- */

/* Slot paths of the test row: 0 status, 1 total, 2 address.city, 3 tags,
 * 4 the whole item, 5 "odd name.x" (a quoted name with a dot). */
enum { S_STATUS, S_TOTAL, S_CITY, S_TAGS, S_ITEM, S_ODD, NSLOTS };
static ddb_path slots[NSLOTS];

static int setup(void **state)
{
    (void)state;
    const char *texts[] = {"status", "total", "address.city", "tags", NULL, "\"odd name.x\""};
    char err[128];
    for (int i = 0; i < NSLOTS; i++) {
        if (!texts[i]) {
            slots[i] = (ddb_path){NULL, 0};
            continue;
        }
        assert_true(ddb_path_parse(texts[i], strlen(texts[i]), &slots[i], err, sizeof err));
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < NSLOTS; i++)
        ddb_path_free(&slots[i]);
    return 0;
}

static bexpr *str(const char *s)
{
    return bexpr_const(value_cstring(s), P0);
}

static bexpr *num(const char *text)
{
    value_t v;
    assert_int_equal(value_number_parse(text, strlen(text), &v), DEC_OK);
    return bexpr_const(v, P0);
}

static bexpr *null_c(void)
{
    return bexpr_const(value_null(), P0);
}

static bexpr *node(bx_kind kind, bool negated, int nargs, ...)
{
    bexpr *e = bexpr_new(kind, P0);
    e->negated = negated;
    va_list ap;
    va_start(ap, nargs);
    for (int i = 0; i < nargs; i++)
        bexpr_add_arg(e, va_arg(ap, bexpr *));
    va_end(ap);
    return e;
}

static bexpr *func(int fn, int nargs, bexpr *a, bexpr *b)
{
    bexpr *e = bexpr_new(BX_FUNC, P0);
    e->fn = fn;
    bexpr_add_arg(e, a);
    if (nargs > 1)
        bexpr_add_arg(e, b);
    return e;
}

/* BX_PATH: steps into a slot's document. */
static bexpr *path_into(int slot, const char *name, long index)
{
    bexpr *e = bexpr_new(BX_PATH, P0);
    bexpr_add_arg(e, t_col(slot));
    e->steps = calloc(2, sizeof *e->steps);
    e->steps[0].name = strdup(name);
    e->nsteps = 1;
    if (index >= 0) {
        e->steps[1].index = (size_t)index;
        e->nsteps = 2;
    }
    return e;
}

static bool pushable(bexpr *e)
{
    bool r = ddb_expr_pushable(e, slots, NSLOTS);
    bexpr_free(e);
    return r;
}

/* The FilterExpression for conjuncts conj[0..n) (freed) as
 * `text | names | values`; NULL names/values print as {}. */
static char *filter_of(exec_ctx *ctx, bexpr **conj, int n, int *written)
{
    ddb_expr x;
    ddb_expr_init(&x);
    buf_t out = BUF_INIT(1 << 20);
    int w = ddb_expr_filter(&x, &out, conj, n, slots, NSLOTS, ctx);
    if (written)
        *written = w;
    json_object *req = json_object_new_object();
    ddb_expr_attach(&x, req);
    json_object *names = jget(req, "ExpressionAttributeNames");
    json_object *values = jget(req, "ExpressionAttributeValues");
    /* Every placeholder that was kept is used, and every one used exists. */
    if (names) {
        json_object_object_foreach(names, k, v)
        {
            (void)v;
            assert_non_null(strstr(buf_cstr(&out), k));
        }
    }
    if (values) {
        json_object_object_foreach(values, vk, vv)
        {
            (void)vv;
            assert_non_null(strstr(buf_cstr(&out), vk));
        }
    }
    buf_t r = BUF_INIT(1 << 20);
    buf_printf(&r, "%s | %s | %s", buf_cstr(&out), names ? json_compact(names) : "{}",
               values ? json_compact(values) : "{}");
    json_object_put(req);
    buf_free(&out);
    for (int i = 0; i < n; i++)
        bexpr_free(conj[i]);
    return buf_steal(&r);
}

static void assert_filter(bexpr *e, const char *expect)
{
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    int written;
    char *got = filter_of(&ctx, &e, 1, &written);
    if (strcmp(got, expect) != 0)
        fail_msg("filter\n  got  %s\n  want %s", got, expect);
    assert_int_equal(written, strstr(expect, " | ") == expect ? 0 : 1);
    assert_int_equal(ctx.err_kind, EXEC_OK);
    free(got);
}

/* ---- placeholders ---------------------------------------------------------- */

static void test_names_values_paths(void **state)
{
    (void)state;
    ddb_expr x;
    ddb_expr_init(&x);
    buf_t out = BUF_INIT(4096);
    ddb_expr_path(&x, &out, &slots[S_CITY]);
    buf_puts(&out, " ");
    ddb_expr_name(&x, &out, "address"); /* the same name: the same placeholder */
    buf_puts(&out, " ");
    ddb_expr_path(&x, &out, &slots[S_ODD]);
    char err[64];
    ddb_path p;
    assert_true(ddb_path_parse("m[0][12].k", 10, &p, err, sizeof err));
    buf_puts(&out, " ");
    ddb_expr_path(&x, &out, &p);
    ddb_path_free(&p);
    buf_puts(&out, " ");
    ddb_expr_value(&x, &out, json_tokener_parse("{\"S\":\"it's \\\"x\\\"\"}"));
    assert_string_equal(buf_cstr(&out), "#n0.#n1 #n0 #n2 #n3[0][12].#n4 :v0");
    json_object *req = json_object_new_object();
    ddb_expr_attach(&x, req);
    assert_string_equal(json_compact(req),
                        "{\"ExpressionAttributeNames\":{\"#n0\":\"address\",\"#n1\":\"city\","
                        "\"#n2\":\"odd name.x\",\"#n3\":\"m\",\"#n4\":\"k\"},"
                        "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"it's \\\"x\\\"\"}}}");
    json_object_put(req);
    assert_null(x.names);

    /* Nothing used: nothing attached (DynamoDB rejects empty maps). */
    req = json_object_new_object();
    ddb_expr_attach(&x, req);
    assert_string_equal(json_compact(req), "{}");
    json_object_put(req);
    buf_free(&out);
}

static void test_key_conditions(void **state)
{
    (void)state;
    static const struct {
        skc_kind k;
        const char *text;
    } cases[] = {
        {SKC_NONE, "#n0 = :v0"},
        {SKC_EQ, "#n0 = :v0 AND #n1 = :v1"},
        {SKC_LT, "#n0 = :v0 AND #n1 < :v1"},
        {SKC_LE, "#n0 = :v0 AND #n1 <= :v1"},
        {SKC_GT, "#n0 = :v0 AND #n1 > :v1"},
        {SKC_GE, "#n0 = :v0 AND #n1 >= :v1"},
        {SKC_BETWEEN, "#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2"},
        {SKC_BEGINS_WITH, "#n0 = :v0 AND begins_with(#n1, :v1)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ddb_expr x;
        ddb_expr_init(&x);
        buf_t out = BUF_INIT(4096);
        ddb_expr_key_condition(&x, &out, "pk", json_tokener_parse("{\"S\":\"a\"}"), "sk",
                               cases[i].k, json_tokener_parse("{\"N\":\"1\"}"),
                               json_tokener_parse("{\"N\":\"9\"}"));
        assert_string_equal(buf_cstr(&out), cases[i].text);
        json_object *req = json_object_new_object();
        ddb_expr_attach(&x, req);
        json_object *vals = jget(req, "ExpressionAttributeValues");
        int nvals = cases[i].k == SKC_NONE ? 1 : cases[i].k == SKC_BETWEEN ? 3 : 2;
        assert_int_equal(json_object_object_length(vals), nvals);
        assert_string_equal(json_compact(jget(vals, ":v0")), "{\"S\":\"a\"}");
        if (nvals == 3)
            assert_string_equal(json_compact(jget(vals, ":v2")), "{\"N\":\"9\"}");
        json_object_put(req);
        buf_free(&out);
    }
}

static void test_projection(void **state)
{
    (void)state;
    ddb_expr x;
    ddb_expr_init(&x);
    buf_t out = BUF_INIT(1 << 20);
    const char *keys[] = {"pk", NULL, "status"};
    ddb_path some[] = {slots[S_STATUS], slots[S_CITY], slots[S_TOTAL], slots[S_CITY]};
    assert_true(ddb_expr_projection(&x, &out, some, 4, keys, 3));
    assert_string_equal(buf_cstr(&out), "#n0, #n1, #n2, #n3");
    assert_string_equal(
        json_compact(x.names),
        "{\"#n0\":\"status\",\"#n1\":\"address\",\"#n2\":\"total\",\"#n3\":\"pk\"}");
    ddb_expr_free(&x);

    /* The whole item: no projection at all. */
    buf_reset(&out);
    ddb_path star[] = {slots[S_STATUS], slots[S_ITEM]};
    assert_false(ddb_expr_projection(&x, &out, star, 2, keys, 1));
    assert_string_equal(buf_cstr(&out), "");
    assert_int_equal(x.nnames, 0);

    /* Past 4 KB: the whole item is read instead, and no names are left. */
    enum { N = 800 }; /* "#n123, " each: past 4 KB */
    ddb_path many[N];
    char name[32];
    char err[64];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "attribute_%d", i);
        assert_true(ddb_path_parse(name, strlen(name), &many[i], err, sizeof err));
    }
    ddb_expr_name(&x, &out, "kept");
    buf_reset(&out);
    assert_false(ddb_expr_projection(&x, &out, many, N, keys, 1));
    assert_string_equal(buf_cstr(&out), "");
    assert_int_equal(x.nnames, 1);
    assert_int_equal(json_object_object_length(x.names), 1);
    for (int i = 0; i < N; i++)
        ddb_path_free(&many[i]);
    ddb_expr_free(&x);
    buf_free(&out);
}

/* ---- what is pushable ------------------------------------------------------ */

static void test_pushable(void **state)
{
    (void)state;
    /* comparisons, either order, every operator */
    sql_op ops[] = {SQL_OP_EQ, SQL_OP_NE, SQL_OP_LT, SQL_OP_LE, SQL_OP_GT, SQL_OP_GE};
    for (size_t i = 0; i < 6; i++) {
        assert_true(pushable(t_bin(ops[i], t_col(S_TOTAL), num("5"))));
        assert_true(pushable(t_bin(ops[i], str("x"), t_col(S_STATUS))));
    }
    assert_true(pushable(t_bin(SQL_OP_EQ, t_col(S_CITY), str("Oslo"))));
    assert_true(pushable(t_bin(SQL_OP_EQ, path_into(S_ITEM, "total", -1), num("1"))));
    assert_true(pushable(t_bin(SQL_OP_EQ, path_into(S_TAGS, "x", 2), num("1"))));
    assert_true(pushable(t_bin(SQL_OP_EQ, t_col(S_STATUS), bexpr_const(value_bool(true), P0))));
    assert_true(pushable(t_bin(SQL_OP_LT, t_col(S_TOTAL), bexpr_const(value_double(2.5), P0))));
    bexpr *outer = bexpr_new(BX_OUTER, P0);
    outer->depth = 1;
    outer->slot = 0;
    assert_true(pushable(t_bin(SQL_OP_EQ, t_col(S_STATUS), outer)));
    assert_true(pushable(t_bin(SQL_OP_GT, t_col(S_TOTAL),
                               bexpr_unary(SQL_OP_NEG, num("5"), P0)))); /* evaluated at open */

    /* not pushable */
    assert_false(pushable(t_bin(SQL_OP_EQ, t_col(S_STATUS), t_col(S_CITY))));
    assert_false(pushable(t_bin(SQL_OP_EQ, t_col(S_ITEM), str("x")))); /* the whole item */
    assert_false(pushable(t_bin(SQL_OP_EQ, t_col(S_STATUS), null_c())));
    assert_false(pushable(t_bin(SQL_OP_LT, t_col(S_STATUS), bexpr_const(value_bool(true), P0))));
    assert_false(pushable(t_bin(SQL_OP_EQ, t_col(S_STATUS), str("")))); /* empty */
    assert_false(pushable(t_bin(SQL_OP_ADD, t_col(S_TOTAL), num("1"))));
    assert_false(pushable(t_bin(SQL_OP_EQ, t_bin(SQL_OP_ADD, t_col(S_TOTAL), num("1")), num("2"))));
    assert_false(pushable(bexpr_unary(SQL_OP_NOT, t_bin(SQL_OP_EQ, t_col(S_TOTAL), num("1")), P0)));
    assert_false(pushable(t_bin(SQL_OP_EQ, func(FN_LOWER, 1, t_col(S_STATUS), NULL), str("x"))));
    assert_false(pushable(t_col(S_STATUS)));
    assert_false(pushable(t_bin(SQL_OP_EQ, t_col(99), str("x")))); /* not a slot of this read */

    /* AND / OR */
    assert_true(pushable(t_bin(SQL_OP_OR, t_bin(SQL_OP_EQ, t_col(S_STATUS), str("a")),
                               t_bin(SQL_OP_AND, t_bin(SQL_OP_GT, t_col(S_TOTAL), num("1")),
                                     node(BX_IS_NULL, false, 1, t_col(S_CITY))))));
    assert_false(pushable(t_bin(SQL_OP_OR, t_bin(SQL_OP_EQ, t_col(S_STATUS), str("a")),
                                t_bin(SQL_OP_EQ, t_col(S_STATUS), t_col(S_CITY)))));

    /* BETWEEN, IN */
    assert_true(pushable(node(BX_BETWEEN, false, 3, t_col(S_TOTAL), num("1"), num("2"))));
    assert_false(pushable(node(BX_BETWEEN, true, 3, t_col(S_TOTAL), num("1"), num("2"))));
    assert_true(pushable(node(BX_IN_LIST, false, 3, t_col(S_STATUS), str("a"), null_c())));
    assert_true(pushable(node(BX_IN_LIST, true, 2, t_col(S_STATUS), str("a"))));
    assert_false(pushable(node(BX_IN_LIST, false, 2, t_col(S_STATUS), t_col(S_CITY))));
    bexpr *in = node(BX_IN_LIST, false, 1, t_col(S_TOTAL));
    for (int i = 0; i < 100; i++)
        bexpr_add_arg(in, num("1"));
    assert_true(ddb_expr_pushable(in, slots, NSLOTS));
    bexpr_add_arg(in, num("2")); /* 101 values */
    assert_false(pushable(in));

    /* LIKE: a literal prefix only */
    assert_true(pushable(node(BX_LIKE, false, 2, t_col(S_STATUS), str("ab%"))));
    assert_true(pushable(node(BX_LIKE, false, 3, t_col(S_STATUS), str("a!%b%"), str("!"))));
    assert_false(pushable(node(BX_LIKE, true, 2, t_col(S_STATUS), str("ab%"))));
    assert_false(pushable(node(BX_LIKE, false, 2, t_col(S_STATUS), str("%ab"))));
    assert_false(pushable(node(BX_LIKE, false, 2, t_col(S_STATUS), str("a_b%"))));
    assert_false(pushable(node(BX_LIKE, false, 2, t_col(S_STATUS), str("a%b%"))));
    assert_false(pushable(node(BX_LIKE, false, 2, t_col(S_STATUS), str("ab"))));
    assert_false(pushable(node(BX_LIKE, false, 2, t_col(S_STATUS), t_col(S_CITY))));

    /* IS [NOT] NULL, CONTAINS, SIZE */
    assert_true(pushable(node(BX_IS_NULL, true, 1, t_col(S_CITY))));
    assert_false(pushable(node(BX_IS_NULL, false, 1, t_col(S_ITEM))));
    assert_true(pushable(func(FN_CONTAINS, 2, t_col(S_TAGS), str("red"))));
    assert_false(pushable(func(FN_CONTAINS, 2, t_col(S_TAGS), bexpr_const(value_bool(true), P0))));
    assert_false(pushable(func(FN_CONTAINS, 2, str("red"), t_col(S_TAGS))));
    assert_true(pushable(t_bin(SQL_OP_GT, func(FN_SIZE, 1, t_col(S_TAGS), NULL), num("2"))));
    assert_true(pushable(t_bin(SQL_OP_LE, num("2"), func(FN_SIZE, 1, t_col(S_TAGS), NULL))));
    assert_false(pushable(t_bin(SQL_OP_LT, func(FN_SIZE, 1, t_col(S_TAGS), NULL), num("2"))));
    assert_false(pushable(t_bin(SQL_OP_EQ, func(FN_SIZE, 1, t_col(S_TAGS), NULL), num("2"))));
    assert_false(pushable(t_bin(SQL_OP_GT, func(FN_SIZE, 1, t_col(S_TAGS), NULL), str("2"))));
}

/* ---- the text sent ------------------------------------------------------------ */

static void test_filter_comparisons(void **state)
{
    (void)state;
    assert_filter(t_bin(SQL_OP_GT, t_col(S_TOTAL), num("100.50")),
                  "#n0 > :v0 | {\"#n0\":\"total\"} | {\":v0\":{\"N\":\"100.50\"}}");
    /* a constant on the left: the operator turns around */
    assert_filter(t_bin(SQL_OP_LT, num("7"), t_col(S_TOTAL)),
                  "#n0 > :v0 | {\"#n0\":\"total\"} | {\":v0\":{\"N\":\"7\"}}");
    assert_filter(t_bin(SQL_OP_GE, str("m"), t_col(S_STATUS)),
                  "#n0 <= :v0 | {\"#n0\":\"status\"} | {\":v0\":{\"S\":\"m\"}}");
    assert_filter(t_bin(SQL_OP_NE, t_col(S_STATUS), str("it's \"done\"")),
                  "#n0 <> :v0 | {\"#n0\":\"status\"} | {\":v0\":{\"S\":\"it's \\\"done\\\"\"}}");
    assert_filter(t_bin(SQL_OP_EQ, t_col(S_CITY), str("Oslo")),
                  "#n0.#n1 = :v0 | {\"#n0\":\"address\",\"#n1\":\"city\"} | "
                  "{\":v0\":{\"S\":\"Oslo\"}}");
    assert_filter(t_bin(SQL_OP_EQ, t_col(S_ODD), bexpr_const(value_bool(false), P0)),
                  "#n0 = :v0 | {\"#n0\":\"odd name.x\"} | {\":v0\":{\"BOOL\":false}}");
    assert_filter(
        t_bin(SQL_OP_EQ, path_into(S_TAGS, "x", 3), bexpr_const(value_binary("\1\2", 2), P0)),
        "#n0.#n1[3] = :v0 | {\"#n0\":\"tags\",\"#n1\":\"x\"} | {\":v0\":{\"B\":\"AQI=\"}}");
    assert_filter(
        t_bin(SQL_OP_LE, path_into(S_ITEM, "total", -1), bexpr_const(value_double(0.1), P0)),
        "#n0 <= :v0 | {\"#n0\":\"total\"} | {\":v0\":{\"N\":\"0.1\"}}");
    /* a constant expression, evaluated at open */
    assert_filter(t_bin(SQL_OP_GT, t_col(S_TOTAL), bexpr_unary(SQL_OP_NEG, num("5"), P0)),
                  "#n0 > :v0 | {\"#n0\":\"total\"} | {\":v0\":{\"N\":\"-5\"}}");
    assert_filter(t_bin(SQL_OP_GE, func(FN_SIZE, 1, t_col(S_TAGS), NULL), num("2")),
                  "size(#n0) >= :v0 | {\"#n0\":\"tags\"} | {\":v0\":{\"N\":\"2\"}}");
    assert_filter(t_bin(SQL_OP_LT, num("2"), func(FN_SIZE, 1, t_col(S_CITY), NULL)),
                  "size(#n0.#n1) > :v0 | {\"#n0\":\"address\",\"#n1\":\"city\"} | "
                  "{\":v0\":{\"N\":\"2\"}}");
}

static void test_filter_forms(void **state)
{
    (void)state;
    assert_filter(node(BX_BETWEEN, false, 3, t_col(S_TOTAL), num("50"), num("900")),
                  "(#n0 >= :v0 AND #n0 <= :v1) | {\"#n0\":\"total\"} | "
                  "{\":v0\":{\"N\":\"50\"},\":v1\":{\"N\":\"900\"}}");
    /* lo > hi is no error (DynamoDB's BETWEEN would reject it) */
    assert_filter(node(BX_BETWEEN, false, 3, t_col(S_STATUS), str("z"), str("a")),
                  "(#n0 >= :v0 AND #n0 <= :v1) | {\"#n0\":\"status\"} | "
                  "{\":v0\":{\"S\":\"z\"},\":v1\":{\"S\":\"a\"}}");
    assert_filter(node(BX_BETWEEN, false, 3, t_col(S_TOTAL), null_c(), num("9")),
                  "#n0 <= :v0 | {\"#n0\":\"total\"} | {\":v0\":{\"N\":\"9\"}}");
    assert_filter(
        node(BX_BETWEEN, false, 3, func(FN_SIZE, 1, t_col(S_TAGS), NULL), num("1"), num("3")),
        "size(#n0) >= :v0 | {\"#n0\":\"tags\"} | {\":v0\":{\"N\":\"1\"}}");
    assert_filter(
        node(BX_IN_LIST, false, 4, t_col(S_STATUS), str("delivered"), null_c(), str("shipped")),
        "#n0 IN (:v0, :v1) | {\"#n0\":\"status\"} | "
        "{\":v0\":{\"S\":\"delivered\"},\":v1\":{\"S\":\"shipped\"}}");
    assert_filter(node(BX_IN_LIST, true, 3, t_col(S_TOTAL), num("1"), num("2")),
                  "(NOT #n0 IN (:v0, :v1)) | {\"#n0\":\"total\"} | "
                  "{\":v0\":{\"N\":\"1\"},\":v1\":{\"N\":\"2\"}}");
    assert_filter(node(BX_LIKE, false, 2, t_col(S_STATUS), str("G%")),
                  "begins_with(#n0, :v0) | {\"#n0\":\"status\"} | {\":v0\":{\"S\":\"G\"}}");
    assert_filter(node(BX_LIKE, false, 3, t_col(S_STATUS), str("50!%%"), str("!")),
                  "begins_with(#n0, :v0) | {\"#n0\":\"status\"} | {\":v0\":{\"S\":\"50%\"}}");
    assert_filter(node(BX_IS_NULL, false, 1, t_col(S_CITY)),
                  "(attribute_not_exists(#n0.#n1) OR attribute_type(#n0.#n1, :v0)) | "
                  "{\"#n0\":\"address\",\"#n1\":\"city\"} | {\":v0\":{\"S\":\"NULL\"}}");
    assert_filter(node(BX_IS_NULL, true, 1, t_col(S_STATUS)),
                  "(attribute_exists(#n0) AND NOT attribute_type(#n0, :v0)) | "
                  "{\"#n0\":\"status\"} | {\":v0\":{\"S\":\"NULL\"}}");
    assert_filter(func(FN_CONTAINS, 2, t_col(S_TAGS), str("red")),
                  "contains(#n0, :v0) | {\"#n0\":\"tags\"} | {\":v0\":{\"S\":\"red\"}}");
    assert_filter(t_bin(SQL_OP_OR, t_bin(SQL_OP_EQ, t_col(S_STATUS), str("a")),
                        t_bin(SQL_OP_AND, t_bin(SQL_OP_GT, t_col(S_TOTAL), num("1")),
                              node(BX_IS_NULL, false, 1, t_col(S_STATUS)))),
                  "(#n0 = :v0 OR (#n1 > :v1 AND (attribute_not_exists(#n0) OR "
                  "attribute_type(#n0, :v2)))) | {\"#n0\":\"status\",\"#n1\":\"total\"} | "
                  "{\":v0\":{\"S\":\"a\"},\":v1\":{\"N\":\"1\"},\":v2\":{\"S\":\"NULL\"}}");
}

/* Conjuncts joined by AND; one NULL-type operand per request. */
static void test_filter_conjuncts(void **state)
{
    (void)state;
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    bexpr *conj[] = {
        node(BX_IS_NULL, false, 1, t_col(S_CITY)),
        t_bin(SQL_OP_EQ, t_col(S_STATUS), t_col(S_CITY)), /* not pushable: skipped */
        node(BX_IS_NULL, true, 1, t_col(S_TAGS)),
        t_bin(SQL_OP_GT, t_col(S_TOTAL), num("100")),
    };
    int written;
    char *got = filter_of(&ctx, conj, 4, &written);
    assert_int_equal(written, 3);
    assert_string_equal(got,
                        "(attribute_not_exists(#n0.#n1) OR attribute_type(#n0.#n1, :v0)) "
                        "AND (attribute_exists(#n2) AND NOT attribute_type(#n2, :v0)) AND "
                        "#n3 > :v1 | {\"#n0\":\"address\",\"#n1\":\"city\",\"#n2\":\"tags\","
                        "\"#n3\":\"total\"} | {\":v0\":{\"S\":\"NULL\"},\":v1\":{\"N\":\"100\"}}");
    free(got);
}

/* Constants known only at open: those that do not fit leave their
 * conjunct out, with no placeholder left behind. */
static void test_filter_open_time_values(void **state)
{
    (void)state;
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    value_t outer_row[3] = {value_null(), value_cstring("x"), value_int(42)};
    ctx.outer[0] = outer_row;
    ctx.nouter = 1;
    /* outer slots: 0 NULL, 1 'x', 2 42 */
    static const int oslot[6] = {0, 1, 2, 0, 0, 2};
    bexpr *o[6];
    for (int i = 0; i < 6; i++) {
        o[i] = bexpr_new(BX_OUTER, P0);
        o[i]->depth = 1;
        o[i]->slot = oslot[i];
    }
    bexpr *conj[] = {
        t_bin(SQL_OP_EQ, t_col(S_STATUS), o[0]), /* NULL: out */
        t_bin(SQL_OP_EQ, t_col(S_STATUS), o[1]),
        /* an OR with an unfit side goes out whole, placeholders and all */
        t_bin(SQL_OP_OR, t_bin(SQL_OP_EQ, t_col(S_CITY), str("kept?")),
              t_bin(SQL_OP_LT, t_col(S_TOTAL), o[3])),
        /* an AND keeps its fitting side */
        t_bin(SQL_OP_AND, t_bin(SQL_OP_LT, t_col(S_TOTAL), o[4]),
              t_bin(SQL_OP_GT, t_col(S_TOTAL), o[5])),
        /* a constant that fails to evaluate: out, and no error */
        t_bin(SQL_OP_GT, t_col(S_TOTAL), t_bin(SQL_OP_DIV, num("1"), num("0"))),
        node(BX_IN_LIST, false, 3, t_col(S_TOTAL), o[2], null_c()),
    };
    int written;
    char *got = filter_of(&ctx, conj, 6, &written);
    assert_int_equal(ctx.err_kind, EXEC_OK);
    assert_int_equal(written, 3);
    assert_string_equal(got, "#n0 = :v0 AND #n1 > :v1 AND #n1 IN (:v2) | {\"#n0\":\"status\","
                             "\"#n1\":\"total\"} | {\":v0\":{\"S\":\"x\"},\":v1\":{\"N\":\"42\"},"
                             "\":v2\":{\"N\":\"42\"}}");
    free(got);

    /* An IN whose values are all NULL, or holds a document: out. */
    json_object *empty = json_tokener_parse("[]");
    value_t doc = value_doc(VAL_LIST, empty);
    json_object_put(empty);
    bexpr *conj2[] = {
        node(BX_IN_LIST, false, 3, t_col(S_TOTAL), null_c(), null_c()),
        node(BX_IN_LIST, false, 3, t_col(S_TOTAL), num("1"), bexpr_const(doc, P0)),
        t_bin(SQL_OP_EQ, t_col(S_TOTAL), bexpr_const(value_double(INFINITY), P0)),
    };
    got = filter_of(&ctx, conj2, 3, &written);
    assert_int_equal(written, 0);
    assert_string_equal(got, " | {} | {}");
    free(got);
    value_free(&outer_row[1]);
}

/* DynamoDB's limits: 4 KB of text, 300 operators. What does not fit is
 * left to the executor. */
static void test_filter_limits(void **state)
{
    (void)state;
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    enum { N = 200 };
    bexpr *conj[N];
    char text[64];
    for (int i = 0; i < N; i++) {
        snprintf(text, sizeof text, "value number %d, long enough to add up", i);
        conj[i] = t_bin(SQL_OP_NE, t_col(S_STATUS), str(text));
    }
    int written;
    char *got = filter_of(&ctx, conj, N, &written);
    assert_true(written > 10 && written < N);
    assert_true(strstr(got, " | ") - got <= DDB_EXPR_MAX_TEXT);
    char last[32];
    snprintf(last, sizeof last, ":v%d\"", written - 1);
    assert_non_null(strstr(got, last));
    snprintf(last, sizeof last, ":v%d\"", written);
    assert_null(strstr(got, last));
    free(got);

    /* Short conjuncts: the operator count binds first. */
    for (int i = 0; i < N; i++)
        conj[i] = t_bin(SQL_OP_OR, t_bin(SQL_OP_EQ, t_col(S_TOTAL), num("1")),
                        t_bin(SQL_OP_EQ, t_col(S_TOTAL), num("2")));
    got = filter_of(&ctx, conj, N, &written);
    /* 3 operators per conjunct, and an AND between two: 4n - 1 <= 300 */
    assert_int_equal(written, 75);
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_values_paths), cmocka_unit_test(test_key_conditions),
        cmocka_unit_test(test_projection),         cmocka_unit_test(test_pushable),
        cmocka_unit_test(test_filter_comparisons), cmocka_unit_test(test_filter_forms),
        cmocka_unit_test(test_filter_conjuncts),   cmocka_unit_test(test_filter_open_time_values),
        cmocka_unit_test(test_filter_limits),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

#include "sql/eval.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "sql/functions.h"

/* ---- builders --------------------------------------------------------------- */

static sql_pos at(int col)
{
    sql_pos p = {1, col, (size_t)(col - 1)};
    return p;
}

static bexpr *N(const char *s)
{
    value_t v;
    assert_int_equal(value_number_parse(s, strlen(s), &v), DEC_OK);
    return bexpr_const(v, at(1));
}

static bexpr *Nat(const char *s, int col)
{
    bexpr *e = N(s);
    e->pos = at(col);
    return e;
}

static bexpr *S(const char *s)
{
    return bexpr_const(value_cstring(s), at(1));
}

static bexpr *B(bool b)
{
    return bexpr_const(value_bool(b), at(1));
}

static bexpr *NUL(void)
{
    return bexpr_const(value_null(), at(1));
}

static bexpr *D(double f)
{
    return bexpr_const(value_double(f), at(1));
}

static bexpr *DOC(value_type t, const char *json)
{
    json_object *j = json_tokener_parse(json);
    assert_non_null(j);
    value_t v = value_doc(t, j);
    json_object_put(j);
    return bexpr_const(v, at(1));
}

static bexpr *COL(int slot)
{
    return bexpr_col(slot, at(1));
}

static bexpr *BIN(sql_op op, bexpr *a, bexpr *b)
{
    return bexpr_binary(op, a, b, at(5));
}

static bexpr *UN(sql_op op, bexpr *a)
{
    return bexpr_unary(op, a, at(5));
}

static bexpr *node(bx_kind k, bool negated, int n, ...)
{
    bexpr *e = bexpr_new(k, at(5));
    e->negated = negated;
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        bexpr_add_arg(e, va_arg(ap, bexpr *));
    va_end(ap);
    return e;
}

static bexpr *CAST(bexpr *a, cast_target t)
{
    bexpr *e = node(BX_CAST, false, 1, a);
    e->cast = t;
    return e;
}

static bexpr *FUNC(fn_id fn, int n, ...)
{
    bexpr *e = bexpr_new(BX_FUNC, at(7));
    e->fn = fn;
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        bexpr_add_arg(e, va_arg(ap, bexpr *));
    va_end(ap);
    return e;
}

/* ---- running ---------------------------------------------------------------- */

static char shown[1024];

/* The result as text: TRUE, FALSE, NULL, N:<number>, D:<double>, S:<string>,
 * MAP/LIST/... for documents, or ERR:<formatted error>. */
static const char *show_value(const value_t *v)
{
    char b[DEC_STR_MAX];
    switch (v->type) {
    case VAL_NULL:
        snprintf(shown, sizeof shown, "NULL");
        break;
    case VAL_BOOL:
        snprintf(shown, sizeof shown, "%s", v->u.b ? "TRUE" : "FALSE");
        break;
    case VAL_NUMBER:
        snprintf(shown, sizeof shown, "N:%s", value_number_text(v, b));
        break;
    case VAL_DOUBLE:
        snprintf(shown, sizeof shown, "D:%.17g", v->u.f);
        break;
    case VAL_STRING:
        snprintf(shown, sizeof shown, "S:%s", v->u.bytes->data);
        break;
    default:
        snprintf(shown, sizeof shown, "%s", value_type_name(v->type));
        break;
    }
    return shown;
}

static const char *run_row(bexpr *e, const value_t *row)
{
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    value_t v;
    if (eval_expr(&ctx, e, row, &v)) {
        assert_int_equal(ctx.err_kind, EXEC_OK);
        show_value(&v);
        value_free(&v);
    } else {
        assert_int_equal(v.type, VAL_NULL);
        assert_int_equal(ctx.err_kind, EXEC_ERR_SQL);
        char m[700];
        sql_error_format(&ctx.err, m, sizeof m);
        snprintf(shown, sizeof shown, "ERR:%s", m);
    }
    assert_int_equal(ctx.nouter, 0);
    bexpr_free(e);
    return shown;
}

static const char *run(bexpr *e)
{
    return run_row(e, NULL);
}

#define EXPECT(e, want)          assert_string_equal(run(e), want)
#define EXPECT_ROW(e, row, want) assert_string_equal(run_row(e, row), want)
#define EXPECT_ERR(e, want_substr)                                                                 \
    do {                                                                                           \
        const char *got_ = run(e);                                                                 \
        if (strncmp(got_, "ERR:", 4) != 0 || !strstr(got_, want_substr))                           \
            fail_msg("got %s, want an error containing %s", got_, want_substr);                    \
    } while (0)

/* ---- constants, columns, outer rows ------------------------------------------ */

static void test_const_col_outer(void **state)
{
    (void)state;
    EXPECT(N("1.50"), "N:1.50");
    EXPECT(S("x"), "S:x");
    EXPECT(NUL(), "NULL");
    EXPECT(D(0.5), "D:0.5");

    value_t row[2] = {value_cstring("a"), value_int(7)};
    EXPECT_ROW(COL(1), row, "N:7");
    EXPECT_ROW(COL(0), row, "S:a");
    EXPECT_ERR(COL(0), "column slot 0 read without a row");

    /* BX_OUTER: depth 1 is the innermost pushed row. */
    value_t o1[1] = {value_cstring("outer1")};
    value_t o2[2] = {value_null(), value_cstring("outer2")};
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    ctx.outer[ctx.nouter++] = o1;
    ctx.outer[ctx.nouter++] = o2;
    bexpr *e = bexpr_new(BX_OUTER, at(3));
    e->depth = 1;
    e->slot = 1;
    value_t v;
    assert_true(eval_expr(&ctx, e, row, &v));
    assert_string_equal(show_value(&v), "S:outer2");
    value_free(&v);
    e->depth = 2;
    e->slot = 0;
    assert_true(eval_expr(&ctx, e, row, &v));
    assert_string_equal(show_value(&v), "S:outer1");
    value_free(&v);
    e->depth = 3; /* deeper than the stack */
    assert_false(eval_expr(&ctx, e, row, &v));
    assert_int_equal(v.type, VAL_NULL);
    assert_non_null(strstr(ctx.err.message, "outer column (depth 3, slot 0)"));
    assert_int_equal(ctx.err.column, 3);
    bexpr_free(e);
    value_free(&o1[0]);
    row_free(o2, 2);
    row_free(row, 2);
}

/* ---- three-valued logic ------------------------------------------------------ */

static bexpr *tv(int t)
{
    return t == 2 ? NUL() : B(t == 1);
}

static const char *tvs(int t)
{
    return t == 2 ? "NULL" : t ? "TRUE" : "FALSE";
}

static void test_logic_tables(void **state)
{
    (void)state;
    /* Index 0 FALSE, 1 TRUE, 2 NULL. */
    static const int and_t[3][3] = {{0, 0, 0}, {0, 1, 2}, {0, 2, 2}};
    static const int or_t[3][3] = {{0, 1, 2}, {1, 1, 1}, {2, 1, 2}};
    for (int a = 0; a < 3; a++) {
        for (int b = 0; b < 3; b++) {
            EXPECT(BIN(SQL_OP_AND, tv(a), tv(b)), tvs(and_t[a][b]));
            EXPECT(BIN(SQL_OP_OR, tv(a), tv(b)), tvs(or_t[a][b]));
        }
        EXPECT(UN(SQL_OP_NOT, tv(a)), tvs(a == 2 ? 2 : !a));
    }
}

static void test_logic_short_circuit_and_types(void **state)
{
    (void)state;
    /* The right side would fail: it is never evaluated. */
    EXPECT(BIN(SQL_OP_AND, B(false), BIN(SQL_OP_DIV, N("1"), N("0"))), "FALSE");
    EXPECT(BIN(SQL_OP_OR, B(true), BIN(SQL_OP_DIV, N("1"), N("0"))), "TRUE");
    /* NULL does not decide: the right side runs. */
    EXPECT_ERR(BIN(SQL_OP_AND, NUL(), BIN(SQL_OP_DIV, N("1"), N("0"))), "division by zero");
    EXPECT_ERR(BIN(SQL_OP_OR, B(false), BIN(SQL_OP_DIV, N("1"), N("0"))), "division by zero");

    assert_string_equal(run(BIN(SQL_OP_AND, B(true), Nat("1", 9))),
                        "ERR:line 1, column 9: AND needs BOOLEAN operands, got NUMBER");
    EXPECT_ERR(BIN(SQL_OP_OR, S("x"), B(true)), "OR needs BOOLEAN operands, got STRING");
    EXPECT_ERR(UN(SQL_OP_NOT, N("1")), "NOT needs a BOOLEAN, got NUMBER");
    EXPECT(UN(SQL_OP_NOT, UN(SQL_OP_NOT, B(true))), "TRUE");
}

/* ---- comparisons ------------------------------------------------------------- */

static void test_comparisons(void **state)
{
    (void)state;
    EXPECT(BIN(SQL_OP_EQ, N("1"), N("1.000")), "TRUE");
    EXPECT(BIN(SQL_OP_NE, N("1"), N("1.000")), "FALSE");
    EXPECT(BIN(SQL_OP_LT, N("-2"), N("1")), "TRUE");
    EXPECT(BIN(SQL_OP_LE, N("1"), N("1")), "TRUE");
    EXPECT(BIN(SQL_OP_GT, N("1"), N("1")), "FALSE");
    EXPECT(BIN(SQL_OP_GE, N("1"), N("1")), "TRUE");
    EXPECT(BIN(SQL_OP_EQ, N("1"), D(1.0)), "TRUE");
    EXPECT(BIN(SQL_OP_LT, D(0.5), N("0.6")), "TRUE");
    EXPECT(BIN(SQL_OP_LT, S("abc"), S("abd")), "TRUE");
    EXPECT(BIN(SQL_OP_GT, S("b"), S("abc")), "TRUE");
    EXPECT(BIN(SQL_OP_LT, B(false), B(true)), "TRUE");
    /* NULL on either side is unknown, for every operator. */
    static const sql_op ops[] = {SQL_OP_EQ, SQL_OP_NE, SQL_OP_LT, SQL_OP_LE, SQL_OP_GT, SQL_OP_GE};
    for (size_t i = 0; i < 6; i++) {
        EXPECT(BIN(ops[i], NUL(), N("1")), "NULL");
        EXPECT(BIN(ops[i], S("a"), NUL()), "NULL");
        EXPECT(BIN(ops[i], NUL(), NUL()), "NULL");
    }
}

static void test_mismatch_semantics(void **state)
{
    (void)state;
    /* A type mismatch: = and the orderings are false, <> is true. */
    static const sql_op ops[] = {SQL_OP_EQ, SQL_OP_NE, SQL_OP_LT, SQL_OP_LE, SQL_OP_GT, SQL_OP_GE};
    static const char *want[] = {"FALSE", "TRUE", "FALSE", "FALSE", "FALSE", "FALSE"};
    for (size_t i = 0; i < 6; i++) {
        EXPECT(BIN(ops[i], S("1"), N("1")), want[i]);
        EXPECT(BIN(ops[i], N("1"), S("1")), want[i]);
        EXPECT(BIN(ops[i], B(true), N("1")), want[i]);
        EXPECT(BIN(ops[i], DOC(VAL_MAP, "{\"a\":{\"N\":\"1\"}}"), S("a")), want[i]);
        /* Unequal documents of one type compare for equality only. */
        EXPECT(BIN(ops[i], DOC(VAL_LIST, "[{\"N\":\"1\"}]"), DOC(VAL_LIST, "[{\"N\":\"2\"}]")),
               want[i]);
    }
    EXPECT(BIN(SQL_OP_EQ, DOC(VAL_MAP, "{\"a\":{\"N\":\"1\"},\"b\":{\"S\":\"x\"}}"),
               DOC(VAL_MAP, "{\"b\":{\"S\":\"x\"},\"a\":{\"N\":\"1.0\"}}")),
           "TRUE");
    EXPECT(BIN(SQL_OP_EQ, DOC(VAL_SS, "[\"a\",\"b\"]"), DOC(VAL_SS, "[\"b\",\"a\"]")), "TRUE");
    /* A mismatch under NOT: NOT ('1' = 1) is TRUE. */
    EXPECT(UN(SQL_OP_NOT, BIN(SQL_OP_EQ, S("1"), N("1"))), "TRUE");
}

/* ---- arithmetic -------------------------------------------------------------- */

static void test_decimal_exact(void **state)
{
    (void)state;
    EXPECT(BIN(SQL_OP_ADD, N("0.1"), N("0.2")), "N:0.3");
    EXPECT(BIN(SQL_OP_EQ, BIN(SQL_OP_ADD, N("0.1"), N("0.2")), N("0.3")), "TRUE");
    EXPECT(BIN(SQL_OP_ADD, N("1.50"), N("1")), "N:2.50");
    EXPECT(BIN(SQL_OP_SUB, N("1"), N("0.9")), "N:0.1");
    EXPECT(BIN(SQL_OP_MUL, N("1.1"), N("1.1")), "N:1.21");
    EXPECT(BIN(SQL_OP_MUL, N("12345678901234567890"), N("10")), "N:123456789012345678900");
    EXPECT(BIN(SQL_OP_ADD, N("99999999999999999999999999999999999999"), N("-1")),
           "N:99999999999999999999999999999999999998");
    EXPECT(UN(SQL_OP_NEG, N("1.50")), "N:-1.50");
    EXPECT(UN(SQL_OP_PLUS, N("1.50")), "N:1.50");
    EXPECT(UN(SQL_OP_NEG, UN(SQL_OP_NEG, N("3"))), "N:3");
    EXPECT(UN(SQL_OP_NEG, NUL()), "NULL");
    EXPECT(BIN(SQL_OP_ADD, NUL(), N("1")), "NULL");
    EXPECT(BIN(SQL_OP_MUL, N("2"), NUL()), "NULL");
}

static void test_division_rules(void **state)
{
    (void)state;
    /* Always exact decimal division (38 digits), integral operands too:
     * DynamoDB strips trailing zeros ("10.00" comes back as "10"), so a
     * scale-based integer division would truncate or not depending on the
     * data. 7 / 2 = 3.5 and AVG-like ratios of counts are exact. */
    EXPECT(BIN(SQL_OP_DIV, N("7"), N("2")), "N:3.5");
    EXPECT(BIN(SQL_OP_DIV, N("-7"), N("2")), "N:-3.5");
    EXPECT(BIN(SQL_OP_DIV, N("7"), N("-2")), "N:-3.5");
    EXPECT(BIN(SQL_OP_DIV, N("-7"), N("-2")), "N:3.5");
    EXPECT(BIN(SQL_OP_DIV, N("10"), N("4")), "N:2.5");
    EXPECT(BIN(SQL_OP_DIV, N("1"), N("3")), "N:0.33333333333333333333333333333333333333");
    EXPECT(BIN(SQL_OP_DIV, N("2"), N("3")), "N:0.66666666666666666666666666666666666667");
    EXPECT(BIN(SQL_OP_DIV, N("6"), N("3")), "N:2");
    EXPECT(BIN(SQL_OP_DIV, N("1E+2"), N("4")), "N:25");
    EXPECT(BIN(SQL_OP_DIV, N("1E+2"), N("3")), "N:33.333333333333333333333333333333333333");
    EXPECT(BIN(SQL_OP_DIV, N("99999999999999999999999999999999999998"), N("2")),
           "N:49999999999999999999999999999999999999");
    EXPECT(BIN(SQL_OP_DIV, N("7.0"), N("2")), "N:3.5");
    EXPECT(BIN(SQL_OP_DIV, N("1"), N("4.0")), "N:0.25");
    EXPECT(BIN(SQL_OP_DIV, N("1.0"), N("3")), "N:0.33333333333333333333333333333333333333");
    EXPECT(BIN(SQL_OP_DIV, N("2.0"), N("3")), "N:0.66666666666666666666666666666666666667");
    /* Remainder: the sign of the dividend. */
    EXPECT(BIN(SQL_OP_MOD, N("7"), N("3")), "N:1");
    EXPECT(BIN(SQL_OP_MOD, N("-7"), N("3")), "N:-1");
    EXPECT(BIN(SQL_OP_MOD, N("7"), N("-3")), "N:1");
    EXPECT(BIN(SQL_OP_MOD, N("5.5"), N("2")), "N:1.5");
    /* Division by zero, in every form. */
    assert_string_equal(run(BIN(SQL_OP_DIV, N("1"), N("0"))),
                        "ERR:line 1, column 5: division by zero in /");
    EXPECT_ERR(BIN(SQL_OP_DIV, N("1.5"), N("0.00")), "division by zero in /");
    EXPECT_ERR(BIN(SQL_OP_MOD, N("1"), N("0")), "division by zero in %");
    EXPECT_ERR(BIN(SQL_OP_DIV, D(1), N("0")), "division by zero in /");
    EXPECT_ERR(BIN(SQL_OP_MOD, D(1), D(0)), "division by zero in %");
    /* NULL wins over a zero divisor. */
    EXPECT(BIN(SQL_OP_DIV, NUL(), N("0")), "NULL");
}

static void test_overflow(void **state)
{
    (void)state;
    EXPECT_ERR(BIN(SQL_OP_MUL, N("9E+125"), N("10")), "numeric overflow in *");
    EXPECT_ERR(BIN(SQL_OP_ADD, N("9.99E+125"), N("9.99E+125")), "numeric overflow in +");
    EXPECT_ERR(BIN(SQL_OP_MUL, N("1E-130"), N("0.1")), "outside DynamoDB's number range");
    EXPECT_ERR(BIN(SQL_OP_MUL, D(1e308), D(10)), "numeric overflow in *");
    /* A non-finite operand is not an overflow of this operator. */
    EXPECT(BIN(SQL_OP_ADD, D(INFINITY), D(1)), "D:inf");
}

static void test_double_contagion(void **state)
{
    (void)state;
    EXPECT(BIN(SQL_OP_ADD, N("1"), D(0.5)), "D:1.5");
    EXPECT(BIN(SQL_OP_ADD, D(0.5), N("1")), "D:1.5");
    EXPECT(BIN(SQL_OP_DIV, N("7"), D(2)), "D:3.5"); /* no truncation with a DOUBLE */
    EXPECT(BIN(SQL_OP_SUB, D(0.5), D(0.25)), "D:0.25");
    EXPECT(BIN(SQL_OP_MUL, D(1.5), N("2")), "D:3");
    EXPECT(BIN(SQL_OP_MOD, D(5.5), N("2")), "D:1.5");
    EXPECT(BIN(SQL_OP_MOD, D(-7), D(3)), "D:-1");
    EXPECT(UN(SQL_OP_NEG, D(1.5)), "D:-1.5");
    EXPECT(UN(SQL_OP_PLUS, D(1.5)), "D:1.5");
}

static void test_arith_type_errors(void **state)
{
    (void)state;
    assert_string_equal(run(BIN(SQL_OP_SUB, S("a"), N("1"))),
                        "ERR:line 1, column 5: cannot apply - to STRING and NUMBER; a STRING is "
                        "never converted implicitly: use CAST(x AS DECIMAL)");
    EXPECT_ERR(BIN(SQL_OP_ADD, B(true), N("1")), "cannot apply + to BOOLEAN and NUMBER");
    EXPECT_ERR(BIN(SQL_OP_MUL, N("1"), DOC(VAL_LIST, "[]")), "cannot apply * to NUMBER and LIST");
    EXPECT_ERR(UN(SQL_OP_NEG, S("1")), "cannot apply unary - to STRING");
    EXPECT_ERR(UN(SQL_OP_PLUS, B(true)), "cannot apply unary + to BOOLEAN");
    /* NULL propagates before the type check. */
    EXPECT(BIN(SQL_OP_ADD, NUL(), S("a")), "NULL");
}

static void test_bitwise(void **state)
{
    (void)state;
    EXPECT(BIN(SQL_OP_BITAND, N("6"), N("3")), "N:2");
    EXPECT(BIN(SQL_OP_BITOR, N("6"), N("3")), "N:7");
    EXPECT(BIN(SQL_OP_BITXOR, N("6"), N("3")), "N:5");
    EXPECT(UN(SQL_OP_BITNOT, N("5")), "N:-6");
    EXPECT(BIN(SQL_OP_SHL, N("1"), N("4")), "N:16");
    EXPECT(BIN(SQL_OP_SHL, N("-1"), N("63")), "N:-9223372036854775808");
    EXPECT(BIN(SQL_OP_SHR, N("-16"), N("2")), "N:-4");
    EXPECT(BIN(SQL_OP_SHR, N("16"), N("63")), "N:0");
    EXPECT(BIN(SQL_OP_SHR, N("-1"), N("63")), "N:-1");
    EXPECT(BIN(SQL_OP_BITAND, N("4.0"), N("5")), "N:4"); /* integral by value */
    EXPECT(BIN(SQL_OP_BITAND, N("-9223372036854775808"), N("-1")), "N:-9223372036854775808");
    EXPECT(BIN(SQL_OP_BITAND, NUL(), N("1")), "NULL");
    EXPECT(UN(SQL_OP_BITNOT, NUL()), "NULL");
    EXPECT_ERR(BIN(SQL_OP_SHL, N("1"), N("63")), "integer overflow in <<");
    EXPECT_ERR(BIN(SQL_OP_SHL, N("3"), N("62")), "integer overflow in <<");
    EXPECT_ERR(BIN(SQL_OP_SHL, N("1"), N("64")), "shift count of << must be between 0 and 63");
    EXPECT_ERR(BIN(SQL_OP_SHR, N("1"), N("-1")), "shift count of >> must be between 0 and 63");
    EXPECT_ERR(BIN(SQL_OP_BITAND, N("1.5"), N("1")),
               "& needs integer NUMBERs, got a non-integral NUMBER");
    EXPECT_ERR(BIN(SQL_OP_BITOR, N("1E+20"), N("1")), "| needs integers within the 64-bit range");
    EXPECT_ERR(BIN(SQL_OP_BITXOR, S("1"), N("1")), "needs integer NUMBERs, got STRING");
    EXPECT_ERR(BIN(SQL_OP_BITAND, D(1), N("1")), "needs integer NUMBERs, got DOUBLE");
    EXPECT_ERR(UN(SQL_OP_BITNOT, N("0.5")), "~ needs integer NUMBERs");
}

static void test_concat(void **state)
{
    (void)state;
    EXPECT(BIN(SQL_OP_CONCAT, S("ab"), S("cd")), "S:abcd");
    EXPECT(BIN(SQL_OP_CONCAT, S("x"), N("1.50")), "S:x1.50");
    EXPECT(BIN(SQL_OP_CONCAT, N("2"), S("x")), "S:2x");
    EXPECT(BIN(SQL_OP_CONCAT, B(true), S("!")), "S:true!");
    EXPECT(BIN(SQL_OP_CONCAT, S(""), S("")), "S:");
    EXPECT(BIN(SQL_OP_CONCAT, NUL(), S("a")), "NULL");
    EXPECT(BIN(SQL_OP_CONCAT, S("a"), NUL()), "NULL");
    EXPECT_ERR(BIN(SQL_OP_CONCAT, S("a"), DOC(VAL_MAP, "{}")), "cannot apply || to STRING and MAP");
    EXPECT_ERR(BIN(SQL_OP_CONCAT, bexpr_const(value_binary("\x01", 1), at(1)), S("a")),
               "cannot apply || to BINARY and STRING");
    /* Embedded NULs survive. */
    bexpr *e = BIN(SQL_OP_CONCAT, bexpr_const(value_string("a\0b", 3), at(1)), S("c"));
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    value_t v;
    assert_true(eval_expr(&ctx, e, NULL, &v));
    assert_int_equal(v.u.bytes->len, 4);
    assert_memory_equal(v.u.bytes->data, "a\0bc", 4);
    value_free(&v);
    bexpr_free(e);
}

/* ---- IS NULL, BETWEEN, IN ---------------------------------------------------- */

static void test_is_null(void **state)
{
    (void)state;
    EXPECT(node(BX_IS_NULL, false, 1, NUL()), "TRUE");
    EXPECT(node(BX_IS_NULL, false, 1, N("0")), "FALSE");
    EXPECT(node(BX_IS_NULL, false, 1, S("")), "FALSE");
    EXPECT(node(BX_IS_NULL, false, 1, DOC(VAL_MAP, "{}")), "FALSE");
    EXPECT(node(BX_IS_NULL, true, 1, NUL()), "FALSE");
    EXPECT(node(BX_IS_NULL, true, 1, B(false)), "TRUE");
    EXPECT(node(BX_IS_NULL, false, 1, BIN(SQL_OP_EQ, NUL(), N("1"))), "TRUE");
    EXPECT_ERR(node(BX_IS_NULL, false, 1, BIN(SQL_OP_DIV, N("1"), N("0"))), "division by zero");
}

static void test_between(void **state)
{
    (void)state;
    EXPECT(node(BX_BETWEEN, false, 3, N("2"), N("1"), N("3")), "TRUE");
    EXPECT(node(BX_BETWEEN, false, 3, N("1"), N("1"), N("3")), "TRUE");
    EXPECT(node(BX_BETWEEN, false, 3, N("3"), N("1"), N("3")), "TRUE");
    EXPECT(node(BX_BETWEEN, false, 3, N("5"), N("1"), N("3")), "FALSE");
    EXPECT(node(BX_BETWEEN, false, 3, N("2"), N("3"), N("1")), "FALSE");
    EXPECT(node(BX_BETWEEN, true, 3, N("5"), N("1"), N("3")), "TRUE");
    EXPECT(node(BX_BETWEEN, true, 3, N("2"), N("1"), N("3")), "FALSE");
    EXPECT(node(BX_BETWEEN, false, 3, S("b"), S("a"), S("c")), "TRUE");
    /* NULLs: unknown unless the other bound already fails. */
    EXPECT(node(BX_BETWEEN, false, 3, NUL(), N("1"), N("3")), "NULL");
    EXPECT(node(BX_BETWEEN, false, 3, N("2"), NUL(), N("3")), "NULL");
    EXPECT(node(BX_BETWEEN, false, 3, N("5"), NUL(), N("3")), "FALSE");
    EXPECT(node(BX_BETWEEN, false, 3, N("0"), N("1"), NUL()), "FALSE");
    EXPECT(node(BX_BETWEEN, true, 3, N("5"), NUL(), N("3")), "TRUE");
    EXPECT(node(BX_BETWEEN, true, 3, N("2"), NUL(), N("3")), "NULL");
    /* A mismatch is false both ways. */
    EXPECT(node(BX_BETWEEN, false, 3, S("2"), N("1"), N("3")), "FALSE");
    EXPECT(node(BX_BETWEEN, true, 3, S("2"), N("1"), N("3")), "TRUE");
}

static void test_in_list(void **state)
{
    (void)state;
    EXPECT(node(BX_IN_LIST, false, 3, N("1"), N("1"), N("2")), "TRUE");
    EXPECT(node(BX_IN_LIST, false, 3, N("3"), N("1"), N("2")), "FALSE");
    EXPECT(node(BX_IN_LIST, false, 3, N("3"), N("1"), NUL()), "NULL");
    EXPECT(node(BX_IN_LIST, false, 3, N("1"), NUL(), N("1")), "TRUE");
    EXPECT(node(BX_IN_LIST, false, 2, NUL(), N("1")), "NULL");
    EXPECT(node(BX_IN_LIST, true, 3, N("3"), N("1"), N("2")), "TRUE");
    EXPECT(node(BX_IN_LIST, true, 3, N("1"), N("1"), N("2")), "FALSE");
    EXPECT(node(BX_IN_LIST, true, 3, N("3"), N("1"), NUL()), "NULL");
    EXPECT(node(BX_IN_LIST, true, 2, NUL(), N("1")), "NULL");
    EXPECT(node(BX_IN_LIST, false, 2, S("1"), N("1")), "FALSE");
    EXPECT(node(BX_IN_LIST, true, 2, S("1"), N("1")), "TRUE");
    EXPECT(node(BX_IN_LIST, false, 2, N("1"), N("1.00")), "TRUE");
    EXPECT(node(BX_IN_LIST, false, 2, N("1"), D(1.0)), "TRUE");
    /* Items are evaluated in order and only until a match. */
    EXPECT(node(BX_IN_LIST, false, 3, N("1"), N("1"), BIN(SQL_OP_DIV, N("1"), N("0"))), "TRUE");
    EXPECT_ERR(node(BX_IN_LIST, false, 3, N("2"), N("1"), BIN(SQL_OP_DIV, N("1"), N("0"))),
               "division by zero");
}

/* A long constant list with a column on the left uses a hash set: the same
 * answers as the linear scan, including NULL and cross-type equality. */
static void test_in_list_long(void **state)
{
    (void)state;
    for (int with_null = 0; with_null < 2; with_null++) {
        bexpr *e = node(BX_IN_LIST, false, 1, COL(0));
        for (int i = 0; i < 10000; i++) {
            char b[32];
            snprintf(b, sizeof b, "%d", i * 2);
            bexpr_add_arg(e, N(b));
        }
        bexpr_add_arg(e, S("even"));
        if (with_null)
            bexpr_add_arg(e, NUL());
        exec_ctx ctx;
        exec_ctx_init(&ctx, NULL, 0);
        for (int i = -2; i < 20002; i++) {
            value_t row[1] = {value_int(i)};
            if (i == 7)
                row[0] = value_double(7.0);
            if (i == 8)
                row[0] = value_double(8.0);
            value_t v;
            assert_true(eval_expr(&ctx, e, row, &v));
            bool in = i >= 0 && i < 20000 && i % 2 == 0;
            if (in)
                assert_true(v.type == VAL_BOOL && v.u.b);
            else if (with_null)
                assert_int_equal(v.type, VAL_NULL);
            else
                assert_true(v.type == VAL_BOOL && !v.u.b);
            value_free(&row[0]);
        }
        value_t row[1] = {value_cstring("even")};
        value_t v;
        assert_true(eval_expr(&ctx, e, row, &v));
        assert_true(v.type == VAL_BOOL && v.u.b);
        value_free(&row[0]);
        row[0] = value_number_with_text(&(dec_t){40, -1}, "4.0", 3);
        assert_true(eval_expr(&ctx, e, row, &v));
        assert_true(v.type == VAL_BOOL && v.u.b);
        value_free(&row[0]);
        row[0] = value_null();
        assert_true(eval_expr(&ctx, e, row, &v));
        assert_int_equal(v.type, VAL_NULL);
        /* The set was built and is kept on the node; a clone shares it. */
        assert_non_null(e->sub);
        bexpr *c = bexpr_clone(e);
        row[0] = value_int(10);
        assert_true(eval_expr(&ctx, c, row, &v));
        assert_true(v.type == VAL_BOOL && v.u.b);
        bexpr_free(c);
        value_free(&row[0]);
        /* NOT IN uses the same set. */
        e->negated = true;
        row[0] = value_int(3);
        assert_true(eval_expr(&ctx, e, row, &v));
        if (with_null)
            assert_int_equal(v.type, VAL_NULL);
        else
            assert_true(v.type == VAL_BOOL && v.u.b);
        assert_int_equal(ctx.err_kind, EXEC_OK);
        bexpr_free(e);
    }
    /* A long list with a non-constant item is scanned. */
    bexpr *e = node(BX_IN_LIST, false, 1, COL(0));
    for (int i = 0; i < 100; i++)
        bexpr_add_arg(e, N("1"));
    bexpr_add_arg(e, COL(1));
    value_t row[2] = {value_int(5), value_int(5)};
    EXPECT_ROW(e, row, "TRUE");
}

/* ---- LIKE, CASE, CAST, functions -------------------------------------------- */

static void test_like(void **state)
{
    (void)state;
    EXPECT(node(BX_LIKE, false, 2, S("abc"), S("a%")), "TRUE");
    EXPECT(node(BX_LIKE, false, 2, S("abc"), S("a_")), "FALSE");
    EXPECT(node(BX_LIKE, true, 2, S("abc"), S("a_")), "TRUE");
    EXPECT(node(BX_LIKE, true, 2, S("abc"), S("%c")), "FALSE");
    EXPECT(node(BX_LIKE, false, 3, S("50%"), S("50!%"), S("!")), "TRUE");
    EXPECT(node(BX_LIKE, false, 3, S("500"), S("50!%"), S("!")), "FALSE");
    EXPECT(node(BX_LIKE, false, 2, NUL(), S("%")), "NULL");
    EXPECT(node(BX_LIKE, false, 2, S("a"), NUL()), "NULL");
    EXPECT(node(BX_LIKE, true, 2, NUL(), S("%")), "NULL");
    EXPECT(node(BX_LIKE, false, 3, S("a"), S("a"), NUL()), "NULL");
    /* A bad pattern is an error at the pattern. */
    bexpr *pat = S("a!b");
    pat->pos = at(14);
    const char *got = run(node(BX_LIKE, false, 3, S("ab"), pat, S("!")));
    assert_non_null(strstr(got, "ERR:line 1, column 14: bad LIKE pattern:"));
    EXPECT_ERR(node(BX_LIKE, false, 3, S("ab"), S("a"), S("!!")),
               "bad LIKE pattern: the ESCAPE string must be exactly one character");
    EXPECT_ERR(node(BX_LIKE, false, 2, N("1"), S("1")), "LIKE needs STRING operands, got NUMBER");
    EXPECT_ERR(node(BX_LIKE, false, 2, S("1"), N("1")), "LIKE needs STRING patterns, got NUMBER");
}

static void test_case(void **state)
{
    (void)state;
    /* Searched: the first TRUE WHEN; NULL and FALSE fall through. */
    bexpr *e = node(BX_CASE, false, 7, NUL(), S("a"), B(false), S("b"), B(true), S("c"), S("e"));
    e->has_else = true;
    EXPECT(e, "S:c");
    e = node(BX_CASE, false, 4, B(false), S("a"), NUL(), S("b"));
    EXPECT(e, "NULL");
    e = node(BX_CASE, false, 3, B(false), S("a"), S("else"));
    e->has_else = true;
    EXPECT(e, "S:else");
    /* Lazy: neither the later WHENs nor other THENs nor ELSE run. */
    bexpr *boom = BIN(SQL_OP_DIV, N("1"), N("0"));
    e = node(BX_CASE, false, 5, B(true), S("ok"), boom, BIN(SQL_OP_DIV, N("1"), N("0")),
             BIN(SQL_OP_DIV, N("2"), N("0")));
    e->has_else = true;
    EXPECT(e, "S:ok");
    e = node(BX_CASE, false, 3, B(true), BIN(SQL_OP_DIV, N("1"), N("0")), S("x"));
    e->has_else = true;
    EXPECT_ERR(e, "division by zero");
    /* With an operand: = semantics, so NULL never matches and a mismatch is
       not equal. */
    e = node(BX_CASE, false, 6, N("2"), N("1"), S("one"), N("2.0"), S("two"), S("other"));
    e->has_operand = e->has_else = true;
    EXPECT(e, "S:two");
    e = node(BX_CASE, false, 4, NUL(), NUL(), S("null"), S("other"));
    e->has_operand = e->has_else = true;
    EXPECT(e, "S:other");
    e = node(BX_CASE, false, 3, S("1"), N("1"), S("one"));
    e->has_operand = true;
    EXPECT(e, "NULL");
    /* A WHEN must be boolean. */
    bexpr *w = N("1");
    w->pos = at(11);
    e = node(BX_CASE, false, 2, w, S("x"));
    assert_string_equal(run(e),
                        "ERR:line 1, column 11: CASE WHEN needs a BOOLEAN condition, got NUMBER");
}

static void test_cast(void **state)
{
    (void)state;
    EXPECT(CAST(S("12"), CAST_INTEGER), "N:12");
    EXPECT(CAST(S(" 1.25 "), CAST_DECIMAL), "N:1.25");
    EXPECT(CAST(N("2.5"), CAST_INTEGER), "N:3");
    EXPECT(CAST(N("1.50"), CAST_TEXT), "S:1.50");
    EXPECT(CAST(S("yes"), CAST_BOOLEAN), "TRUE");
    EXPECT(CAST(N("0.5"), CAST_DOUBLE), "D:0.5");
    EXPECT(CAST(NUL(), CAST_INTEGER), "NULL");
    /* The cast's own message, at the CAST. */
    assert_string_equal(run(CAST(S("abc"), CAST_INTEGER)),
                        "ERR:line 1, column 5: cannot cast STRING 'abc' to INTEGER: not a valid "
                        "number");
    EXPECT_ERR(CAST(S("maybe"), CAST_BOOLEAN), "cannot cast STRING 'maybe' to BOOLEAN");
}

static void test_functions(void **state)
{
    (void)state;
    /* COALESCE is lazy: it stops at the first non-NULL argument. */
    EXPECT(FUNC(FN_COALESCE, 3, NUL(), N("2"), BIN(SQL_OP_DIV, N("1"), N("0"))), "N:2");
    EXPECT(FUNC(FN_COALESCE, 2, NUL(), NUL()), "NULL");
    EXPECT(FUNC(FN_COALESCE, 1, S("a")), "S:a");
    EXPECT_ERR(FUNC(FN_COALESCE, 2, NUL(), BIN(SQL_OP_DIV, N("1"), N("0"))), "division by zero");
    /* Everything else goes through fn_call, with evaluated arguments. */
    EXPECT(FUNC(FN_UPPER, 1, BIN(SQL_OP_CONCAT, S("ab"), S("c"))), "S:ABC");
    EXPECT(FUNC(FN_ABS, 1, N("-1.5")), "N:1.5");
    EXPECT(FUNC(FN_NULLIF, 2, N("1"), N("1")), "NULL");
    EXPECT(FUNC(FN_TYPEOF, 1, DOC(VAL_MAP, "{}")), "S:MAP");
    EXPECT(
        FUNC(FN_CONCAT, 9, S("a"), S("b"), NUL(), S("c"), S("d"), S("e"), S("f"), S("g"), S("h")),
        "S:abcdefgh");
    /* An argument's error stops the call; the function's own error is
       positioned at the call. */
    EXPECT_ERR(FUNC(FN_UPPER, 1, BIN(SQL_OP_DIV, N("1"), N("0"))), "division by zero");
    const char *got = run(FUNC(FN_MOD, 2, N("1"), N("0")));
    assert_true(strncmp(got, "ERR:line 1, column 7:", 21) == 0);
}

/* ---- paths ------------------------------------------------------------------- */

static bexpr *PATH(bexpr *base, const char *steps)
{
    /* steps: ".name" or "[index]" segments. */
    bexpr *e = node(BX_PATH, false, 1, base);
    e->steps = xcalloc(32, sizeof *e->steps);
    const char *p = steps;
    while (*p) {
        bx_step *st = &e->steps[e->nsteps++];
        if (*p == '.') {
            size_t n = strcspn(p + 1, ".[");
            st->name = xstrndup(p + 1, n);
            p += 1 + n;
        } else {
            char *end;
            st->index = strtoul(p + 1, &end, 10);
            p = end + 1;
        }
    }
    return e;
}

static void test_path(void **state)
{
    (void)state;
    const char *doc = "{\"a\":{\"M\":{\"b\":{\"L\":[{\"N\":\"1.50\"},{\"S\":\"x\"},"
                      "{\"M\":{\"c\":{\"BOOL\":true}}},{\"NULL\":true},{\"SS\":[\"p\"]}]}}},"
                      "\"s\":{\"S\":\"top\"},\"bad\":{\"Q\":1}}";
    EXPECT(PATH(DOC(VAL_MAP, doc), ".s"), "S:top");
    EXPECT(PATH(DOC(VAL_MAP, doc), ".a"), "MAP");
    EXPECT(PATH(DOC(VAL_MAP, doc), ".a.b"), "LIST");
    EXPECT(PATH(DOC(VAL_MAP, doc), ".a.b[0]"), "N:1.50");
    EXPECT(PATH(DOC(VAL_MAP, doc), ".a.b[1]"), "S:x");
    EXPECT(PATH(DOC(VAL_MAP, doc), ".a.b[2].c"), "TRUE");
    EXPECT(PATH(DOC(VAL_MAP, doc), ".a.b[3]"), "NULL");
    EXPECT(PATH(DOC(VAL_MAP, doc), ".a.b[4]"), "SS");
    /* Missing, or a step that does not fit: NULL. */
    EXPECT(PATH(DOC(VAL_MAP, doc), ".a.b[5]"), "NULL");
    EXPECT(PATH(DOC(VAL_MAP, doc), ".a.x"), "NULL");
    EXPECT(PATH(DOC(VAL_MAP, doc), ".nope.b"), "NULL");
    EXPECT(PATH(DOC(VAL_MAP, doc), ".a.b.c"), "NULL");
    EXPECT(PATH(DOC(VAL_MAP, doc), ".a[0]"), "NULL");
    EXPECT(PATH(DOC(VAL_MAP, doc), "[0]"), "NULL");
    EXPECT(PATH(DOC(VAL_MAP, doc), ".s.x"), "NULL");
    EXPECT(PATH(DOC(VAL_MAP, doc), ".a.b[4][0]"), "NULL"); /* sets are not indexed */
    EXPECT(PATH(DOC(VAL_MAP, doc), ".a.b[2].c.d"), "NULL");
    EXPECT(PATH(DOC(VAL_LIST, "[{\"S\":\"l0\"},{\"L\":[{\"N\":\"7\"}]}]"), "[1][0]"), "N:7");
    EXPECT(PATH(DOC(VAL_LIST, "[{\"S\":\"l0\"}]"), ".a"), "NULL");
    EXPECT(PATH(S("{\"a\":1}"), ".a"), "NULL");
    EXPECT(PATH(NUL(), ".a"), "NULL");
    EXPECT(PATH(DOC(VAL_SS, "[\"a\"]"), "[0]"), "NULL");
    /* A malformed AttributeValue is an error, not a crash. */
    EXPECT_ERR(PATH(DOC(VAL_MAP, doc), ".bad"), "malformed document value");
    /* A path on a column of the row. */
    json_object *j = json_tokener_parse("{\"k\":{\"N\":\"5\"}}");
    value_t row[1] = {value_doc(VAL_MAP, j)};
    json_object_put(j);
    EXPECT_ROW(PATH(COL(0), ".k"), row, "N:5");
    value_free(&row[0]);
}

/* ---- predicates -------------------------------------------------------------- */

static void test_eval_truth_and_pred(void **state)
{
    (void)state;
    value_t t = value_bool(true), f = value_bool(false), n = value_null(), x = value_int(1);
    assert_int_equal(eval_truth(&t), 1);
    assert_int_equal(eval_truth(&f), 0);
    assert_int_equal(eval_truth(&n), 2);
    assert_int_equal(eval_truth(&x), -1);

    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    bexpr *e = B(true);
    assert_int_equal(eval_pred(&ctx, e, NULL), 1);
    bexpr_free(e);
    e = B(false);
    assert_int_equal(eval_pred(&ctx, e, NULL), 0);
    bexpr_free(e);
    e = NUL();
    assert_int_equal(eval_pred(&ctx, e, NULL), 0);
    bexpr_free(e);
    assert_int_equal(ctx.err_kind, EXEC_OK);
    e = Nat("1", 8);
    assert_int_equal(eval_pred(&ctx, e, NULL), -1);
    assert_int_equal(ctx.err_kind, EXEC_ERR_SQL);
    assert_int_equal(ctx.err.column, 8);
    assert_non_null(strstr(ctx.err.message, "needs a BOOLEAN, got NUMBER"));
    bexpr_free(e);
    exec_ctx_init(&ctx, NULL, 0);
    e = BIN(SQL_OP_EQ, BIN(SQL_OP_DIV, N("1"), N("0")), N("1"));
    assert_int_equal(eval_pred(&ctx, e, NULL), -1);
    assert_non_null(strstr(ctx.err.message, "division by zero"));
    bexpr_free(e);
}

/* The first error is kept: a failing expression after an earlier error
 * still fails, and the message stays the first one. */
static void test_first_error_kept(void **state)
{
    (void)state;
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    bexpr *a = BIN(SQL_OP_DIV, N("1"), N("0"));
    bexpr *b = CAST(S("x"), CAST_INTEGER);
    value_t v;
    assert_false(eval_expr(&ctx, a, NULL, &v));
    assert_false(eval_expr(&ctx, b, NULL, &v));
    assert_int_equal(v.type, VAL_NULL);
    assert_non_null(strstr(ctx.err.message, "division by zero"));
    bexpr_free(a);
    bexpr_free(b);
}

/* Trees as tall as the binder allows (SQL_MAX_HEIGHT) evaluate without
 * exhausting the stack, whatever the node kinds on the way down. */
static void test_tall_trees(void **state)
{
    (void)state;
    value_t row[1] = {value_int(1)};
    bexpr *e = COL(0);
    for (int i = 1; i < 2000; i++)
        e = BIN(SQL_OP_ADD, e, COL(0));
    EXPECT_ROW(e, row, "N:2000");
    e = B(true);
    for (int i = 1; i < 2000; i++)
        e = BIN(SQL_OP_AND, B(true), e);
    EXPECT(e, "TRUE");
    e = N("5");
    for (int i = 1; i < 2000; i++) {
        switch (i % 5) {
        case 0:
            e = FUNC(FN_COALESCE, 2, NUL(), e);
            break;
        case 1:
            e = CAST(e, CAST_DECIMAL);
            break;
        case 2:
            e = node(BX_CASE, false, 3, B(true), e, NUL());
            e->has_else = true;
            break;
        case 3:
            e = UN(SQL_OP_PLUS, e);
            break;
        default:
            e = FUNC(FN_CONCAT, 1, e);
            e = CAST(e, CAST_DECIMAL);
            i++;
            break;
        }
    }
    EXPECT(e, "N:5");
    value_free(&row[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_const_col_outer),
        cmocka_unit_test(test_logic_tables),
        cmocka_unit_test(test_logic_short_circuit_and_types),
        cmocka_unit_test(test_comparisons),
        cmocka_unit_test(test_mismatch_semantics),
        cmocka_unit_test(test_decimal_exact),
        cmocka_unit_test(test_division_rules),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_double_contagion),
        cmocka_unit_test(test_arith_type_errors),
        cmocka_unit_test(test_bitwise),
        cmocka_unit_test(test_concat),
        cmocka_unit_test(test_is_null),
        cmocka_unit_test(test_between),
        cmocka_unit_test(test_in_list),
        cmocka_unit_test(test_in_list_long),
        cmocka_unit_test(test_like),
        cmocka_unit_test(test_case),
        cmocka_unit_test(test_cast),
        cmocka_unit_test(test_functions),
        cmocka_unit_test(test_path),
        cmocka_unit_test(test_eval_truth_and_pred),
        cmocka_unit_test(test_first_error_kept),
        cmocka_unit_test(test_tall_trees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The expression evaluator: see eval.h for the semantics. Recursion follows
 * the bound tree, whose height the binder bounds (SQL_MAX_HEIGHT); nothing
 * here recurses on data. */
#include "sql/eval.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "sql/ddb_value.h"
#include "sql/functions.h"
#include "sql/like.h"
#include "sql/value_set.h"

/* An IN list with at least this many constants (and a non-constant left
 * side) is looked up in a hash set built on first use. */
#define IN_SET_MIN 16

static bool eval(exec_ctx *ctx, const bexpr *e, const value_t *row, value_t *out);

/* The evaluator recurses once per tree level, so the frames on that path
 * stay small: each kind's handler is a separate frame (not inlined into
 * eval), and error buffers live in leaf helpers that run after the
 * children are evaluated. A level costs well under 1 KiB even with ASan. */
#define NOINLINE __attribute__((noinline))

#define FAIL(ctx, e, ...) exec_fail((ctx), EXEC_ERR_SQL, &(e)->pos, __VA_ARGS__)

static const char *tname(const value_t *v)
{
    return value_type_name(v->type);
}

static bool is_num(const value_t *v)
{
    return v->type == VAL_NUMBER || v->type == VAL_DOUBLE;
}

int eval_truth(const value_t *v)
{
    if (v->type == VAL_NULL)
        return 2;
    if (v->type != VAL_BOOL)
        return -1;
    return v->u.b ? 1 : 0;
}

/* 3-valued truth to a value: 0, 1 or 2 (NULL). */
static value_t truth_value(int t)
{
    return t == 2 ? value_null() : value_bool(t == 1);
}

static int truth_not(int t)
{
    return t == 2 ? 2 : !t;
}

/* ---- comparisons ---------------------------------------------------------- */

/* 1, 0 or 2 (NULL) for a comparison operator. */
static int compare_truth(sql_op op, const value_t *a, const value_t *b)
{
    vcmp c = value_compare(a, b);
    if (c == VCMP_NULL)
        return 2;
    if (c == VCMP_MISMATCH)
        return op == SQL_OP_NE;
    switch (op) {
    case SQL_OP_EQ:
        return c == VCMP_EQ;
    case SQL_OP_NE:
        return c != VCMP_EQ;
    case SQL_OP_LT:
        return c == VCMP_LT;
    case SQL_OP_LE:
        return c != VCMP_GT;
    case SQL_OP_GT:
        return c == VCMP_GT;
    case SQL_OP_GE:
        return c != VCMP_LT;
    default:
        return 2;
    }
}

static bool is_comparison(sql_op op)
{
    return op == SQL_OP_EQ || op == SQL_OP_NE || op == SQL_OP_LT || op == SQL_OP_LE ||
           op == SQL_OP_GT || op == SQL_OP_GE;
}

/* ---- arithmetic ----------------------------------------------------------- */

static bool dec_fail(exec_ctx *ctx, const bexpr *e, dec_status st)
{
    if (st == DEC_ERR_DIV_ZERO)
        return FAIL(ctx, e, "division by zero in %s", sql_op_text(e->op));
    if (st == DEC_ERR_RANGE)
        return FAIL(ctx, e,
                    "numeric overflow in %s: the result is outside DynamoDB's number range "
                    "(1E-130 to 9.99E+125 in magnitude)",
                    sql_op_text(e->op));
    return FAIL(ctx, e, "%s in %s", dec_status_str(st), sql_op_text(e->op));
}

static double as_double(const value_t *v)
{
    return v->type == VAL_DOUBLE ? v->u.f : dec_to_double(&v->u.num.d);
}

/* fmod without libm: exact decimal remainder of the doubles' shortest
 * decimal forms (what the user sees), with fmod's rules for non-finite
 * operands. */
static bool double_mod(double x, double y, double *r)
{
    if (isnan(x) || isnan(y) || isinf(x)) {
        *r = NAN;
        return true;
    }
    if (isinf(y)) {
        *r = x;
        return true;
    }
    dec_t a, b, m;
    if (dec_from_double(x, &a) != DEC_OK || dec_from_double(y, &b) != DEC_OK ||
        dec_mod(&a, &b, &m) != DEC_OK)
        return false;
    *r = dec_to_double(&m);
    return true;
}

static bool arith_double(exec_ctx *ctx, const bexpr *e, double x, double y, value_t *out)
{
    double r;
    switch (e->op) {
    case SQL_OP_ADD:
        r = x + y;
        break;
    case SQL_OP_SUB:
        r = x - y;
        break;
    case SQL_OP_MUL:
        r = x * y;
        break;
    case SQL_OP_DIV:
        if (y == 0)
            return FAIL(ctx, e, "division by zero in %s", "/");
        r = x / y;
        break;
    default: /* SQL_OP_MOD */
        if (y == 0)
            return FAIL(ctx, e, "division by zero in %s", "%");
        if (!double_mod(x, y, &r))
            return FAIL(ctx, e, "%% on a DOUBLE outside DynamoDB's number range; use a NUMBER");
        break;
    }
    if (isinf(r) && isfinite(x) && isfinite(y))
        return FAIL(ctx, e, "numeric overflow in %s: the DOUBLE result is infinite",
                    sql_op_text(e->op));
    *out = value_double(r);
    return true;
}

static NOINLINE bool arith(exec_ctx *ctx, const bexpr *e, const value_t *a, const value_t *b,
                           value_t *out)
{
    if (a->type == VAL_NULL || b->type == VAL_NULL) {
        *out = value_null();
        return true;
    }
    if (!is_num(a) || !is_num(b)) {
        const char *hint = (a->type == VAL_STRING || b->type == VAL_STRING)
                               ? "; a STRING is never converted implicitly: use CAST(x AS DECIMAL)"
                               : "";
        return exec_fail(ctx, EXEC_ERR_SQL, &e->pos, "cannot apply %s to %s and %s%s",
                         sql_op_text(e->op), tname(a), tname(b), hint);
    }
    if (a->type == VAL_DOUBLE || b->type == VAL_DOUBLE)
        return arith_double(ctx, e, as_double(a), as_double(b), out);
    const dec_t *x = &a->u.num.d, *y = &b->u.num.d;
    dec_t r;
    dec_status st;
    switch (e->op) {
    case SQL_OP_ADD:
        st = dec_add(x, y, &r);
        break;
    case SQL_OP_SUB:
        st = dec_sub(x, y, &r);
        break;
    case SQL_OP_MUL:
        st = dec_mul(x, y, &r);
        break;
    case SQL_OP_DIV:
        /* Always exact: DynamoDB returns "10.00" as "10", so truncating
         * "integral" operands would make 10/4 depend on how a value
         * happened to be stored. */
        st = dec_is_zero(y) ? DEC_ERR_DIV_ZERO : dec_div(x, y, &r);
        break;
    default: /* SQL_OP_MOD */
        st = dec_mod(x, y, &r);
        break;
    }
    if (st != DEC_OK)
        return dec_fail(ctx, e, st);
    *out = value_number(&r);
    return true;
}

/* An integral NUMBER within int64, for bitwise operators. */
static bool as_int64(exec_ctx *ctx, const bexpr *e, const value_t *v, int64_t *out)
{
    if (v->type != VAL_NUMBER || !dec_is_integer(&v->u.num.d)) {
        const char *what = v->type == VAL_NUMBER ? "a non-integral NUMBER" : tname(v);
        return exec_fail(ctx, EXEC_ERR_SQL, &e->pos,
                         "%s needs integer NUMBERs, got %s; use CAST(x AS INTEGER)",
                         sql_op_text(e->op), what);
    }
    if (dec_to_int64(&v->u.num.d, out) != DEC_OK)
        return FAIL(ctx, e, "%s needs integers within the 64-bit range", sql_op_text(e->op));
    return true;
}

static NOINLINE bool bitwise(exec_ctx *ctx, const bexpr *e, const value_t *a, const value_t *b,
                             value_t *out)
{
    if (a->type == VAL_NULL || b->type == VAL_NULL) {
        *out = value_null();
        return true;
    }
    int64_t x, y;
    if (!as_int64(ctx, e, a, &x) || !as_int64(ctx, e, b, &y))
        return false;
    int64_t r;
    switch (e->op) {
    case SQL_OP_BITOR:
        r = x | y;
        break;
    case SQL_OP_BITAND:
        r = x & y;
        break;
    case SQL_OP_BITXOR:
        r = x ^ y;
        break;
    default: /* shifts */
        if (y < 0 || y > 63)
            return FAIL(ctx, e, "the shift count of %s must be between 0 and 63",
                        sql_op_text(e->op));
        if (e->op == SQL_OP_SHR) {
            /* Arithmetic shift without implementation-defined >> of a
               negative number. */
            r = x >= 0 ? x >> y : ~(~x >> y);
        } else {
            uint64_t ux = (uint64_t)x << y;
            r = (int64_t)ux;
            /* Shifting back must restore x, or bits were lost. */
            if ((r >= 0 ? r >> y : ~(~r >> y)) != x)
                return FAIL(ctx, e, "integer overflow in %s", "<<");
        }
        break;
    }
    *out = value_int(r);
    return true;
}

/* The text of a || operand; false when its type has none. */
static bool concat_text(const value_t *v, value_t *out)
{
    if (v->type == VAL_STRING) {
        *out = value_copy(v);
        return true;
    }
    if (v->type != VAL_NUMBER && v->type != VAL_DOUBLE && v->type != VAL_BOOL)
        return false;
    char err[128];
    return value_cast(v, CAST_TEXT, out, err, sizeof err);
}

static NOINLINE bool concat(exec_ctx *ctx, const bexpr *e, const value_t *a, const value_t *b,
                            value_t *out)
{
    if (a->type == VAL_NULL || b->type == VAL_NULL) {
        *out = value_null();
        return true;
    }
    value_t x = value_null(), y = value_null();
    if (!concat_text(a, &x) || !concat_text(b, &y)) {
        value_free(&x);
        return exec_fail(ctx, EXEC_ERR_SQL, &e->pos,
                         "cannot apply || to %s and %s: it joins STRINGs (NUMBERs and BOOLEANs "
                         "are converted); use CAST(x AS TEXT)",
                         tname(a), tname(b));
    }
    size_t la = x.u.bytes->len, lb = y.u.bytes->len;
    char *s = xmalloc(la + lb + 1);
    memcpy(s, x.u.bytes->data, la);
    memcpy(s + la, y.u.bytes->data, lb);
    *out = value_string(s, la + lb);
    free(s);
    value_free(&x);
    value_free(&y);
    return true;
}

/* ---- node kinds ----------------------------------------------------------- */

static NOINLINE bool eval_logic(exec_ctx *ctx, const bexpr *e, const value_t *row, value_t *out)
{
    bool is_and = e->op == SQL_OP_AND;
    int t[2];
    for (int i = 0; i < 2; i++) {
        value_t v;
        if (!eval(ctx, e->args[i], row, &v))
            return false;
        t[i] = eval_truth(&v);
        if (t[i] < 0) {
            bool r =
                exec_fail(ctx, EXEC_ERR_SQL, &e->args[i]->pos, "%s needs BOOLEAN operands, got %s",
                          is_and ? "AND" : "OR", tname(&v));
            value_free(&v);
            return r;
        }
        /* Short-circuit: FALSE decides AND, TRUE decides OR. */
        if (t[i] == (is_and ? 0 : 1)) {
            *out = value_bool(!is_and);
            return true;
        }
    }
    /* Neither operand decided: both are the neutral value or NULL. */
    *out = (t[0] == 2 || t[1] == 2) ? value_null() : value_bool(is_and);
    return true;
}

/* A comparison operand: a column or constant is read in place (no copy per
 * row), anything else evaluated into tmp (which the caller frees). */
static inline bool operand(exec_ctx *ctx, const bexpr *e, const value_t *row, value_t *tmp,
                           const value_t **v)
{
    *tmp = value_null();
    if (e->kind == BX_CONST) {
        *v = &e->value;
        return true;
    }
    if (e->kind == BX_COL && row && e->slot >= 0) {
        *v = &row[e->slot];
        return true;
    }
    *v = tmp;
    return eval(ctx, e, row, tmp);
}

static NOINLINE bool eval_binary(exec_ctx *ctx, const bexpr *e, const value_t *row, value_t *out)
{
    if (e->op == SQL_OP_AND || e->op == SQL_OP_OR)
        return eval_logic(ctx, e, row, out);
    if (is_comparison(e->op)) {
        value_t ta, tb;
        const value_t *a, *b;
        if (!operand(ctx, e->args[0], row, &ta, &a))
            return false;
        if (!operand(ctx, e->args[1], row, &tb, &b)) {
            value_free(&ta);
            return false;
        }
        *out = truth_value(compare_truth(e->op, a, b));
        value_free(&ta);
        value_free(&tb);
        return true;
    }
    value_t a, b;
    if (!eval(ctx, e->args[0], row, &a))
        return false;
    if (!eval(ctx, e->args[1], row, &b)) {
        value_free(&a);
        return false;
    }
    bool ok = true;
    if (is_comparison(e->op)) {
        *out = truth_value(compare_truth(e->op, &a, &b));
    } else {
        switch (e->op) {
        case SQL_OP_ADD:
        case SQL_OP_SUB:
        case SQL_OP_MUL:
        case SQL_OP_DIV:
        case SQL_OP_MOD:
            ok = arith(ctx, e, &a, &b, out);
            break;
        case SQL_OP_BITOR:
        case SQL_OP_BITAND:
        case SQL_OP_BITXOR:
        case SQL_OP_SHL:
        case SQL_OP_SHR:
            ok = bitwise(ctx, e, &a, &b, out);
            break;
        case SQL_OP_CONCAT:
            ok = concat(ctx, e, &a, &b, out);
            break;
        default:
            ok = exec_fail(ctx, EXEC_ERR_SQL, &e->pos, "internal error: unknown binary operator %d",
                           (int)e->op);
            break;
        }
    }
    value_free(&a);
    value_free(&b);
    if (!ok)
        *out = value_null();
    return ok;
}

static NOINLINE bool eval_unary(exec_ctx *ctx, const bexpr *e, const value_t *row, value_t *out)
{
    value_t a;
    if (!eval(ctx, e->args[0], row, &a))
        return false;
    bool ok = true;
    if (a.type == VAL_NULL) {
        *out = value_null();
        return true;
    }
    switch (e->op) {
    case SQL_OP_NOT: {
        int t = eval_truth(&a);
        if (t < 0)
            ok = FAIL(ctx, e, "NOT needs a BOOLEAN, got %s", tname(&a));
        else
            *out = truth_value(truth_not(t));
        break;
    }
    case SQL_OP_NEG:
    case SQL_OP_PLUS:
        if (a.type == VAL_NUMBER && e->op == SQL_OP_PLUS) {
            *out = value_copy(&a);
        } else if (a.type == VAL_NUMBER) {
            dec_t d;
            dec_negate(&a.u.num.d, &d);
            *out = value_number(&d);
        } else if (a.type == VAL_DOUBLE) {
            *out = value_double(e->op == SQL_OP_NEG ? -a.u.f : a.u.f);
        } else {
            ok = FAIL(ctx, e, "cannot apply unary %s to %s; use CAST(x AS DECIMAL)",
                      sql_op_text(e->op), tname(&a));
        }
        break;
    case SQL_OP_BITNOT: {
        int64_t x;
        ok = as_int64(ctx, e, &a, &x);
        if (ok)
            *out = value_int(~x);
        break;
    }
    default:
        ok = exec_fail(ctx, EXEC_ERR_SQL, &e->pos, "internal error: unknown unary operator %d",
                       (int)e->op);
        break;
    }
    value_free(&a);
    if (!ok)
        *out = value_null();
    return ok;
}

static NOINLINE bool eval_between(exec_ctx *ctx, const bexpr *e, const value_t *row, value_t *out)
{
    value_t v[3];
    for (int i = 0; i < 3; i++) {
        if (!eval(ctx, e->args[i], row, &v[i])) {
            for (int j = 0; j < i; j++)
                value_free(&v[j]);
            return false;
        }
    }
    int lo = compare_truth(SQL_OP_GE, &v[0], &v[1]);
    int hi = compare_truth(SQL_OP_LE, &v[0], &v[2]);
    int t = (lo == 0 || hi == 0) ? 0 : (lo == 2 || hi == 2) ? 2 : 1;
    *out = truth_value(e->negated ? truth_not(t) : t);
    for (int i = 0; i < 3; i++)
        value_free(&v[i]);
    return true;
}

/* The hash set of a long constant IN list, built on first use and kept
 * on the node as a precomputed subplan (root NULL, cache filled), which
 * bexpr_free and bexpr_clone already manage. Only for a non-constant left
 * side, so bexpr_is_constant is unaffected. */
static NOINLINE const subplan *in_list_set(const bexpr *e)
{
    if (e->sub)
        return e->sub->have_cache ? e->sub : NULL;
    if (e->nargs - 1 < IN_SET_MIN || bexpr_is_constant(e->args[0]))
        return NULL;
    for (size_t i = 1; i < e->nargs; i++)
        if (e->args[i]->kind != BX_CONST)
            return NULL;
    subplan *s = subplan_new(NULL, false);
    s->set = value_set_new();
    for (size_t i = 1; i < e->nargs; i++) {
        const value_t *v = &e->args[i]->value;
        if (v->type == VAL_NULL)
            s->set_has_null = true;
        else
            value_set_add(s->set, v, NULL);
    }
    s->have_cache = true;
    /* The tree is shared read-only by the query; the cache is a pure
       function of the node's own constants. */
    ((bexpr *)e)->sub = s;
    return s;
}

static NOINLINE bool eval_in_list(exec_ctx *ctx, const bexpr *e, const value_t *row, value_t *out)
{
    value_t x;
    if (!eval(ctx, e->args[0], row, &x))
        return false;
    int t;
    const subplan *set = x.type == VAL_NULL ? NULL : in_list_set(e);
    if (x.type == VAL_NULL) {
        t = 2;
    } else if (set) {
        t = value_set_contains(set->set, &x) ? 1 : set->set_has_null ? 2 : 0;
    } else {
        t = 0;
        for (size_t i = 1; i < e->nargs && t != 1; i++) {
            value_t v;
            if (!eval(ctx, e->args[i], row, &v)) {
                value_free(&x);
                return false;
            }
            int c = compare_truth(SQL_OP_EQ, &x, &v);
            if (c == 1 || (c == 2 && t == 0))
                t = c;
            value_free(&v);
        }
    }
    value_free(&x);
    *out = truth_value(e->negated ? truth_not(t) : t);
    return true;
}

static NOINLINE bool like_apply(exec_ctx *ctx, const bexpr *e, const value_t *v,
                                const value_t *escape, value_t *out)
{
    char err[256];
    const vbytes *esc = escape ? escape->u.bytes : NULL;
    int m = like_match(v[0].u.bytes->data, v[0].u.bytes->len, v[1].u.bytes->data, v[1].u.bytes->len,
                       esc ? esc->data : NULL, esc ? esc->len : 0, err, sizeof err);
    if (m < 0) { /* like.c's messages start with "LIKE: ", said once here */
        const char *why = strncmp(err, "LIKE: ", 6) == 0 ? err + 6 : err;
        return exec_fail(ctx, EXEC_ERR_SQL, &e->args[1]->pos, "bad LIKE pattern: %s", why);
    }
    *out = value_bool(e->negated ? !m : m);
    return true;
}

static NOINLINE bool eval_like(exec_ctx *ctx, const bexpr *e, const value_t *row, value_t *out)
{
    value_t v[3] = {value_null(), value_null(), value_null()};
    size_t n = e->nargs < 3 ? e->nargs : 3;
    bool ok = true, null = false;
    for (size_t i = 0; i < n && ok; i++) {
        ok = eval(ctx, e->args[i], row, &v[i]);
        if (ok && v[i].type == VAL_NULL)
            null = true;
    }
    for (size_t i = 0; i < n && ok && !null; i++)
        if (v[i].type != VAL_STRING)
            ok = exec_fail(ctx, EXEC_ERR_SQL, &e->args[i]->pos, "LIKE needs STRING %s, got %s",
                           i == 0   ? "operands"
                           : i == 1 ? "patterns"
                                    : "ESCAPE characters",
                           tname(&v[i]));
    if (ok && null)
        *out = value_null();
    else if (ok)
        ok = like_apply(ctx, e, v, n == 3 ? &v[2] : NULL, out);
    for (size_t i = 0; i < n; i++)
        value_free(&v[i]);
    return ok;
}

static NOINLINE bool eval_case(exec_ctx *ctx, const bexpr *e, const value_t *row, value_t *out)
{
    value_t operand = value_null();
    size_t i = 0;
    if (e->has_operand) {
        if (!eval(ctx, e->args[0], row, &operand))
            return false;
        i = 1;
    }
    size_t end = e->nargs - (e->has_else && e->nargs > 0 ? 1 : 0);
    for (; i + 1 < end; i += 2) {
        value_t w;
        if (!eval(ctx, e->args[i], row, &w)) {
            value_free(&operand);
            return false;
        }
        int t;
        if (e->has_operand) {
            t = compare_truth(SQL_OP_EQ, &operand, &w);
        } else {
            t = eval_truth(&w);
            if (t < 0) {
                exec_fail(ctx, EXEC_ERR_SQL, &e->args[i]->pos,
                          "CASE WHEN needs a BOOLEAN condition, got %s", tname(&w));
                value_free(&w);
                return false;
            }
        }
        value_free(&w);
        if (t == 1) {
            value_free(&operand);
            return eval(ctx, e->args[i + 1], row, out);
        }
    }
    value_free(&operand);
    if (e->has_else)
        return eval(ctx, e->args[e->nargs - 1], row, out);
    *out = value_null();
    return true;
}

static NOINLINE bool cast_apply(exec_ctx *ctx, const bexpr *e, const value_t *v, value_t *out)
{
    char err[256];
    if (value_cast(v, e->cast, out, err, sizeof err))
        return true;
    *out = value_null();
    return exec_fail(ctx, EXEC_ERR_SQL, &e->pos, "%s", err);
}

static NOINLINE bool eval_cast(exec_ctx *ctx, const bexpr *e, const value_t *row, value_t *out)
{
    value_t v;
    if (!eval(ctx, e->args[0], row, &v))
        return false;
    bool ok = cast_apply(ctx, e, &v, out);
    value_free(&v);
    return ok;
}

static NOINLINE bool eval_func(exec_ctx *ctx, const bexpr *e, const value_t *row, value_t *out)
{
    if (e->fn == FN_COALESCE) {
        for (size_t i = 0; i < e->nargs; i++) {
            if (!eval(ctx, e->args[i], row, out))
                return false;
            if (out->type != VAL_NULL)
                return true;
        }
        *out = value_null();
        return true;
    }
    value_t local[8];
    value_t *args = e->nargs <= 8 ? local : xcalloc(e->nargs, sizeof *args);
    size_t n = 0;
    bool ok = true;
    for (; n < e->nargs && ok; n++)
        ok = eval(ctx, e->args[n], row, &args[n]);
    if (ok)
        n = e->nargs;
    else
        n--; /* the failed one holds nothing */
    if (ok)
        ok = fn_call(ctx, (fn_id)e->fn, args, n, &e->pos, out);
    if (!ok)
        *out = value_null();
    for (size_t i = 0; i < n; i++)
        value_free(&args[i]);
    if (args != local)
        free(args);
    return ok;
}

static NOINLINE bool path_convert(exec_ctx *ctx, const bexpr *e, json_object *av, value_t *out)
{
    char err[256];
    if (ddb_to_value_shallow(av, out, err, sizeof err))
        return true;
    *out = value_null();
    return exec_fail(ctx, EXEC_ERR_SQL, &e->pos, "malformed document value: %s", err);
}

/* Walks the steps into a document. The top value's payload is the inner
 * form (an object or array of AttributeValues); every deeper level is an
 * AttributeValue ({"M": ...} or {"L": ...}). */
static NOINLINE bool eval_path(exec_ctx *ctx, const bexpr *e, const value_t *row, value_t *out)
{
    value_t base;
    if (!eval(ctx, e->args[0], row, &base))
        return false;
    bool is_map = base.type == VAL_MAP;
    json_object *container = (is_map || base.type == VAL_LIST) ? base.u.doc : NULL;
    json_object *av = NULL;
    for (size_t i = 0; i < e->nsteps; i++) {
        const bx_step *st = &e->steps[i];
        av = NULL;
        if (!container)
            break;
        if (st->name && is_map && json_object_is_type(container, json_type_object))
            json_object_object_get_ex(container, st->name, &av);
        else if (!st->name && !is_map && json_object_is_type(container, json_type_array) &&
                 st->index < json_object_array_length(container))
            av = json_object_array_get_idx(container, st->index);
        container = NULL;
        if (av && json_object_is_type(av, json_type_object)) {
            is_map = json_object_object_get_ex(av, "M", &container);
            if (!is_map)
                json_object_object_get_ex(av, "L", &container);
        }
    }
    bool ok = true;
    if (!av || e->nsteps == 0) {
        *out = e->nsteps == 0 ? value_copy(&base) : value_null();
    } else {
        ok = path_convert(ctx, e, av, out);
    }
    value_free(&base);
    return ok;
}

static NOINLINE bool eval_subquery(exec_ctx *ctx, const bexpr *e, const value_t *row, value_t *out)
{
    if (e->kind == BX_SUBQ)
        return subplan_scalar(ctx, e->sub, row, &e->pos, out);
    if (e->kind == BX_EXISTS) {
        bool found;
        if (!subplan_exists(ctx, e->sub, row, &found))
            return false;
        *out = value_bool(e->negated ? !found : found);
        return true;
    }
    value_t x;
    if (!eval(ctx, e->args[0], row, &x))
        return false;
    int r;
    bool ok = subplan_in(ctx, e->sub, row, &x, &r);
    value_free(&x);
    if (!ok)
        return false;
    int t = r == 1 ? 1 : r == 0 ? 0 : 2;
    *out = truth_value(e->negated ? truth_not(t) : t);
    return true;
}

static bool eval(exec_ctx *ctx, const bexpr *e, const value_t *row, value_t *out)
{
    *out = value_null();
    switch (e->kind) {
    case BX_CONST:
        *out = value_copy(&e->value);
        return true;
    case BX_COL:
        if (!row || e->slot < 0)
            return exec_fail(ctx, EXEC_ERR_SQL, &e->pos,
                             "internal error: column slot %d read without a row", e->slot);
        *out = value_copy(&row[e->slot]);
        return true;
    case BX_OUTER:
        if (e->depth < 1 || e->depth > ctx->nouter || e->slot < 0 ||
            !ctx->outer[ctx->nouter - e->depth])
            return exec_fail(ctx, EXEC_ERR_SQL, &e->pos,
                             "internal error: outer column (depth %d, slot %d) read outside "
                             "its subquery",
                             e->depth, e->slot);
        *out = value_copy(&ctx->outer[ctx->nouter - e->depth][e->slot]);
        return true;
    case BX_PATH:
        return eval_path(ctx, e, row, out);
    case BX_UNARY:
        return eval_unary(ctx, e, row, out);
    case BX_BINARY:
        return eval_binary(ctx, e, row, out);
    case BX_IS_NULL: {
        value_t v;
        if (!eval(ctx, e->args[0], row, &v))
            return false;
        bool isnull = v.type == VAL_NULL;
        value_free(&v);
        *out = value_bool(e->negated ? !isnull : isnull);
        return true;
    }
    case BX_BETWEEN:
        return eval_between(ctx, e, row, out);
    case BX_IN_LIST:
        return eval_in_list(ctx, e, row, out);
    case BX_IN_SUBQ:
    case BX_EXISTS:
    case BX_SUBQ:
        return eval_subquery(ctx, e, row, out);
    case BX_LIKE:
        return eval_like(ctx, e, row, out);
    case BX_CASE:
        return eval_case(ctx, e, row, out);
    case BX_CAST:
        return eval_cast(ctx, e, row, out);
    case BX_FUNC:
        return eval_func(ctx, e, row, out);
    }
    return exec_fail(ctx, EXEC_ERR_SQL, &e->pos, "internal error: unknown expression kind %d",
                     (int)e->kind);
}

bool eval_expr(exec_ctx *ctx, const bexpr *e, const value_t *row, value_t *out)
{
    if (!eval(ctx, e, row, out)) {
        value_free(out);
        /* A callee that failed without a message would leave the query
           with no explanation. */
        if (ctx->err_kind == EXEC_OK)
            exec_fail(ctx, EXEC_ERR_SQL, &e->pos, "internal error: evaluation failed");
        return false;
    }
    return true;
}

int eval_pred(exec_ctx *ctx, const bexpr *e, const value_t *row)
{
    value_t v;
    if (!eval_expr(ctx, e, row, &v))
        return -1;
    int t = eval_truth(&v);
    if (t < 0) {
        exec_fail(ctx, EXEC_ERR_SQL, &e->pos,
                  "a WHERE, ON or HAVING condition needs a BOOLEAN, got %s; compare it "
                  "(x <> 0, x IS NOT NULL)",
                  tname(&v));
        value_free(&v);
        return -1;
    }
    value_free(&v);
    return t == 1;
}

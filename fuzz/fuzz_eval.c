/* libFuzzer target: the expression evaluator. The input drives a small
 * generator that builds a bound expression tree (every kind but subqueries:
 * constants of every value type, documents well- and ill-formed, columns,
 * outer columns, paths, every operator, IN lists short and long, LIKE,
 * CASE, casts and every function with a valid argument count) and a row,
 * then evaluates the tree, its clone and its predicate form. Any tree must
 * evaluate or fail with a positioned message, never crash, leak or hit UB;
 * a clone must give the same answer. */
#include "core/base/alloc.h"
#include "sql/bexpr.h"
#include "sql/eval.h"
#include "sql/functions.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ROW_WIDTH 6
#define MAX_NODES 96
#define MAX_DEPTH 8

typedef struct gen {
    const uint8_t *p;
    size_t n;
    int nodes;
} gen;

static unsigned byte(gen *g)
{
    if (g->n == 0)
        return 0;
    g->n--;
    return *g->p++;
}

static unsigned pick(gen *g, unsigned k)
{
    return k ? byte(g) % k : 0;
}

static sql_pos pos(gen *g)
{
    sql_pos p = {1, (int)byte(g) + 1, 0};
    p.offset = (size_t)p.column - 1;
    return p;
}

static const char *const strings[] = {"",
                                      "a",
                                      "abc",
                                      "%",
                                      "a%",
                                      "_b%",
                                      "!",
                                      "!%",
                                      "1",
                                      "-2.5",
                                      "true",
                                      "no",
                                      "2024-02-29T12:34:56Z",
                                      "2024-01-01",
                                      "YEAR",
                                      "month",
                                      "EPOCH",
                                      "week",
                                      "k",
                                      "\xff\xfe",
                                      "héllo",
                                      "a!_",
                                      " 7 ",
                                      "1e5",
                                      "NaN",
                                      "DOW"};
static const char *const numbers[] = {"0",
                                      "1",
                                      "-1",
                                      "2",
                                      "0.1",
                                      "0.2",
                                      "1.50",
                                      "3",
                                      "7",
                                      "-7",
                                      "63",
                                      "64",
                                      "1E+125",
                                      "9.99E+125",
                                      "1E-130",
                                      "1e-5",
                                      "12345678901234567890123456789012345678",
                                      "0.0000",
                                      "-0.5",
                                      "1700000000",
                                      "1700000000000",
                                      "9223372036854775807",
                                      "-9223372036854775808"};
static const char *const docs[] = {
    "{\"a\":{\"N\":\"1\"},\"b\":{\"L\":[{\"S\":\"x\"},{\"M\":{\"c\":{\"BOOL\":true}}}]}}",
    "{\"k\":{\"S\":\"v\"},\"n\":{\"NULL\":true},\"s\":{\"SS\":[\"p\",\"q\"]}}",
    "{}",
    "{\"bad\":{\"Q\":1},\"worse\":7,\"n\":{\"N\":\"zz\"}}",
    "[{\"N\":\"1\"},{\"S\":\"a\"},{\"L\":[{\"N\":\"2\"}]}]",
    "[]",
    "[1,{\"M\":5},{\"L\":{}}]",
    "[\"a\",\"b\"]",
    "[\"1\",\"2.5\"]",
    "[\"AAEC\"]",
    "[1,null]",
};

static value_t gen_doc(gen *g)
{
    static const value_type types[] = {VAL_MAP,  VAL_MAP, VAL_MAP, VAL_MAP, VAL_LIST, VAL_LIST,
                                       VAL_LIST, VAL_SS,  VAL_NS,  VAL_BS,  VAL_NS};
    unsigned i = pick(g, sizeof docs / sizeof docs[0]);
    /* Mostly the matching type; sometimes any type, a malformed document. */
    value_type t = pick(g, 8) ? types[i] : (value_type)(VAL_LIST + pick(g, 5));
    json_object *j = json_tokener_parse(docs[i]);
    value_t v = value_doc(t, j);
    json_object_put(j);
    return v;
}

static value_t gen_value(gen *g)
{
    switch (pick(g, 9)) {
    case 0:
        return value_null();
    case 1:
        return value_bool(byte(g) & 1);
    case 2:
    case 3: {
        const char *s = numbers[pick(g, sizeof numbers / sizeof numbers[0])];
        value_t v;
        if (value_number_parse(s, strlen(s), &v) != DEC_OK)
            abort();
        return v;
    }
    case 4: {
        static const double ds[] = {0.0, -0.0, 1.5, -2.25, 1e308, 1e-320, 3.0, 1e17};
        unsigned k = pick(g, 11);
        if (k == 8)
            return value_double(__builtin_nan(""));
        if (k == 9)
            return value_double(__builtin_inf());
        if (k == 10)
            return value_double(-__builtin_inf());
        return value_double(ds[k]);
    }
    case 5:
    case 6: {
        if (pick(g, 4) == 0) { /* raw input bytes */
            size_t len = pick(g, 9);
            len = len < g->n ? len : g->n;
            value_t v = value_string((const char *)g->p, len);
            g->p += len;
            g->n -= len;
            return v;
        }
        return value_cstring(strings[pick(g, sizeof strings / sizeof strings[0])]);
    }
    case 7:
        return value_binary("\x00\x01\xff", pick(g, 4));
    default:
        return gen_doc(g);
    }
}

static bexpr *gen_expr(gen *g, int depth);

static void add_args(gen *g, bexpr *e, int n, int depth)
{
    for (int i = 0; i < n; i++)
        bexpr_add_arg(e, gen_expr(g, depth + 1));
}

static bexpr *gen_expr(gen *g, int depth)
{
    sql_pos p = pos(g);
    if (depth >= MAX_DEPTH || g->nodes >= MAX_NODES || g->n == 0) {
        /* Leaves only. */
        if (byte(g) & 1)
            return bexpr_col((int)pick(g, ROW_WIDTH), p);
        return bexpr_const(gen_value(g), p);
    }
    g->nodes++;
    static const bx_kind kinds[] = {BX_CONST,   BX_COL,    BX_OUTER,  BX_PATH,    BX_UNARY,
                                    BX_BINARY,  BX_BINARY, BX_BINARY, BX_IS_NULL, BX_BETWEEN,
                                    BX_IN_LIST, BX_LIKE,   BX_CASE,   BX_CAST,    BX_FUNC};
    bx_kind k = kinds[pick(g, sizeof kinds / sizeof kinds[0])];
    bexpr *e;
    switch (k) {
    case BX_CONST:
        return bexpr_const(gen_value(g), p);
    case BX_COL:
        return bexpr_col((int)pick(g, ROW_WIDTH), p);
    case BX_OUTER:
        e = bexpr_new(BX_OUTER, p);
        e->depth = (int)pick(g, 4); /* 0 and 3 are out of range */
        e->slot = (int)pick(g, ROW_WIDTH);
        return e;
    case BX_PATH: {
        e = bexpr_new(BX_PATH, p);
        add_args(g, e, 1, depth);
        size_t n = 1 + pick(g, 4);
        e->steps = xcalloc(n, sizeof *e->steps);
        static const char *const names[] = {"a", "b", "c", "k", "n", "s", "bad", "worse"};
        for (size_t i = 0; i < n; i++) {
            if (byte(g) & 1)
                e->steps[i].name = xstrdup(names[pick(g, 8)]);
            else
                e->steps[i].index = pick(g, 4);
        }
        e->nsteps = n;
        return e;
    }
    case BX_UNARY: {
        static const sql_op ops[] = {SQL_OP_NEG, SQL_OP_PLUS, SQL_OP_BITNOT, SQL_OP_NOT};
        return bexpr_unary(ops[pick(g, 4)], gen_expr(g, depth + 1), p);
    }
    case BX_BINARY: {
        sql_op op = (sql_op)(SQL_OP_OR + pick(g, SQL_OP_MOD - SQL_OP_OR + 1));
        if (op == SQL_OP_NOT)
            op = SQL_OP_AND;
        bexpr *a = gen_expr(g, depth + 1);
        return bexpr_binary(op, a, gen_expr(g, depth + 1), p);
    }
    case BX_IS_NULL:
    case BX_BETWEEN:
        e = bexpr_new(k, p);
        e->negated = byte(g) & 1;
        add_args(g, e, k == BX_IS_NULL ? 1 : 3, depth);
        return e;
    case BX_IN_LIST: {
        e = bexpr_new(BX_IN_LIST, p);
        e->negated = byte(g) & 1;
        add_args(g, e, 1, depth);
        if (pick(g, 4) == 0) {
            /* A long constant list: the hash-set path. */
            int n = 16 + (int)pick(g, 32);
            for (int i = 0; i < n; i++)
                bexpr_add_arg(e, bexpr_const(gen_value(g), p));
        } else {
            add_args(g, e, 1 + (int)pick(g, 4), depth);
        }
        return e;
    }
    case BX_LIKE:
        e = bexpr_new(BX_LIKE, p);
        e->negated = byte(g) & 1;
        add_args(g, e, 2 + (int)pick(g, 2), depth);
        return e;
    case BX_CASE: {
        e = bexpr_new(BX_CASE, p);
        e->has_operand = byte(g) & 1;
        e->has_else = byte(g) & 1;
        int n = (e->has_operand ? 1 : 0) + 2 * (1 + (int)pick(g, 3)) + (e->has_else ? 1 : 0);
        add_args(g, e, n, depth);
        return e;
    }
    case BX_CAST:
        e = bexpr_new(BX_CAST, p);
        e->cast = (cast_target)pick(g, CAST_BOOLEAN + 1);
        add_args(g, e, 1, depth);
        return e;
    default: { /* BX_FUNC */
        size_t nfn;
        const fn_info *fns = fn_all(&nfn);
        const fn_info *f = &fns[pick(g, (unsigned)nfn)];
        e = bexpr_new(BX_FUNC, p);
        e->fn = (int)f->id;
        int max = f->max_args < 0 ? f->min_args + 3 : f->max_args;
        add_args(g, e, f->min_args + (int)pick(g, (unsigned)(max - f->min_args + 1)), depth);
        return e;
    }
    }
}

static void check_result(exec_ctx *ctx, bool ok, const value_t *v)
{
    if (ok ? ctx->err_kind != EXEC_OK : (ctx->err_kind == EXEC_OK || !ctx->err.message[0])) {
        fprintf(stderr, "evaluation result and error state disagree\n");
        abort();
    }
    if (!ok && v->type != VAL_NULL) {
        fprintf(stderr, "a failed evaluation left a value\n");
        abort();
    }
    if (ok) {
        json_object *j = value_to_json(v);
        json_object_put(j);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gen g = {data, size, 0};
    value_t row[ROW_WIDTH], o1[ROW_WIDTH], o2[ROW_WIDTH];
    for (int i = 0; i < ROW_WIDTH; i++) {
        row[i] = gen_value(&g);
        o1[i] = gen_value(&g);
        o2[i] = gen_value(&g);
    }
    bexpr *e = gen_expr(&g, 0);

    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 1700000000000);
    ctx.outer[ctx.nouter++] = o2;
    ctx.outer[ctx.nouter++] = o1;
    value_t v1, v2;
    bool ok1 = eval_expr(&ctx, e, row, &v1);
    check_result(&ctx, ok1, &v1);

    /* Twice more: once on the same tree (which may now hold a cached IN
       set), once on a clone; the same answer each time. */
    bexpr *c = bexpr_clone(e);
    for (int round = 0; round < 2; round++) {
        exec_ctx_init(&ctx, NULL, 1700000000000);
        ctx.outer[ctx.nouter++] = o2;
        ctx.outer[ctx.nouter++] = o1;
        bool ok2 = eval_expr(&ctx, round ? c : e, row, &v2);
        check_result(&ctx, ok2, &v2);
        if (ok1 != ok2 || (ok1 && value_order(&v1, &v2) != 0)) {
            fprintf(stderr, "re-evaluation gave a different answer\n");
            abort();
        }
        if (ctx.nouter != 2) {
            fprintf(stderr, "the outer stack changed\n");
            abort();
        }
        value_free(&v2);
    }

    exec_ctx_init(&ctx, NULL, 1700000000000);
    ctx.outer[ctx.nouter++] = o2;
    ctx.outer[ctx.nouter++] = o1;
    int t = eval_pred(&ctx, e, row);
    int want = !ok1 ? -1 : eval_truth(&v1) < 0 ? -1 : eval_truth(&v1) == 1;
    if (t != want) {
        fprintf(stderr, "eval_pred disagrees with eval_expr\n");
        abort();
    }

    value_free(&v1);
    bexpr_free(c);
    bexpr_free(e);
    row_free(row, ROW_WIDTH);
    row_free(o1, ROW_WIDTH);
    row_free(o2, ROW_WIDTH);
    return 0;
}

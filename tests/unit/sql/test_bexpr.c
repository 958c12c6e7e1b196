/* Bound expressions (sql/bexpr.c): the constructors, deep clone and free
 * (payloads, path steps and shared subplans), and the tree walks the planner
 * relies on for pushdown: bexpr_is_constant, bexpr_uses_only (outer-row
 * reads count as constants), bexpr_shift_slots, bexpr_each_slot and
 * bexpr_conjuncts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "sql/bexpr.h"
#include "sql/exec.h"
#include "sql/exec_ops.h"
#include "sql/functions.h"

static const sql_pos P = {3, 7, 20};

/* ---- builders ------------------------------------------------------------------ */

static bexpr *num(int64_t i)
{
    return bexpr_const(value_int(i), P);
}

static bexpr *col(int slot)
{
    return bexpr_col(slot, P);
}

static bexpr *outer(int depth, int slot)
{
    bexpr *e = bexpr_new(BX_OUTER, P);
    e->depth = depth;
    e->slot = slot;
    return e;
}

static bexpr *bin(sql_op op, bexpr *a, bexpr *b)
{
    return bexpr_binary(op, a, b, P);
}

static bexpr *and2(bexpr *a, bexpr *b)
{
    return bin(SQL_OP_AND, a, b);
}

static bexpr *eq(bexpr *a, bexpr *b)
{
    return bin(SQL_OP_EQ, a, b);
}

/* A subplan whose root yields no rows. */
static subplan *empty_sub(bool correlated)
{
    bexpr ***rows = xcalloc(1, sizeof *rows);
    return subplan_new(op_values(rows, 0, 1), correlated);
}

/* A scalar subquery node over a new subplan (the node holds its only ref). */
static bexpr *subq(bool correlated)
{
    bexpr *e = bexpr_new(BX_SUBQ, P);
    e->sub = empty_sub(correlated);
    return e;
}

/* ---- constructors ---------------------------------------------------------------- */

static void test_new_defaults(void **state)
{
    (void)state;
    bexpr *e = bexpr_new(BX_FUNC, P);
    assert_int_equal(e->kind, BX_FUNC);
    assert_int_equal(e->pos.line, 3);
    assert_int_equal(e->pos.column, 7);
    assert_int_equal(e->pos.offset, 20);
    /* No slot and no relation until bound: 0 would be a real slot. */
    assert_int_equal(e->slot, -1);
    assert_int_equal(e->rel, -1);
    assert_int_equal(e->nargs, 0);
    assert_null(e->args);
    assert_null(e->sub);
    assert_null(e->owner);
    assert_null(e->bound);
    assert_int_equal(e->value.type, VAL_NULL);
    bexpr_free(e);
}

static void test_const_col_unary_binary(void **state)
{
    (void)state;
    bexpr *c = bexpr_const(value_cstring("hello"), P);
    assert_int_equal(c->kind, BX_CONST);
    assert_int_equal(c->value.type, VAL_STRING);
    assert_string_equal(c->value.u.bytes->data, "hello");

    bexpr *k = bexpr_col(4, P);
    assert_int_equal(k->kind, BX_COL);
    assert_int_equal(k->slot, 4);
    assert_int_equal(k->rel, -1);

    bexpr *n = bexpr_unary(SQL_OP_NEG, k, P);
    assert_int_equal(n->kind, BX_UNARY);
    assert_int_equal(n->op, SQL_OP_NEG);
    assert_int_equal(n->nargs, 1);
    assert_ptr_equal(n->args[0], k);

    bexpr *b = bexpr_binary(SQL_OP_CONCAT, n, c, P);
    assert_int_equal(b->kind, BX_BINARY);
    assert_int_equal(b->op, SQL_OP_CONCAT);
    assert_int_equal(b->nargs, 2);
    assert_ptr_equal(b->args[0], n);
    assert_ptr_equal(b->args[1], c);
    bexpr_free(b); /* frees the whole tree, the string payload included */
}

static void test_add_arg_grows_in_order(void **state)
{
    (void)state;
    /* An IN list far past the initial capacity: every child kept, in order
       (ASan catches a write past the array). */
    bexpr *in = bexpr_new(BX_IN_LIST, P);
    bexpr_add_arg(in, col(0));
    for (int i = 1; i <= 300; i++)
        bexpr_add_arg(in, num(i));
    assert_int_equal(in->nargs, 301);
    assert_int_equal(in->args[0]->kind, BX_COL);
    for (int i = 1; i <= 300; i++) {
        assert_int_equal(in->args[i]->kind, BX_CONST);
        value_t want = value_int(i);
        assert_true(value_equal(&in->args[i]->value, &want));
    }
    bexpr_free(in);
}

static void test_free_null(void **state)
{
    (void)state;
    bexpr_free(NULL);
    assert_null(bexpr_clone(NULL));
}

/* ---- clone ----------------------------------------------------------------------- */

static void test_clone_is_deep(void **state)
{
    (void)state;
    /* CASE WHEN a.b[2].c = 'x' THEN CAST(#1 AS TEXT) ELSE UPPER(outer) END */
    bexpr *path = bexpr_new(BX_PATH, P);
    bexpr_add_arg(path, col(1));
    path->nsteps = 3;
    path->steps = xcalloc(3, sizeof *path->steps);
    path->steps[0].name = xstrdup("b");
    path->steps[1].index = 2;
    path->steps[2].name = xstrdup("c");
    bexpr *cast = bexpr_new(BX_CAST, P);
    cast->cast = CAST_TEXT;
    bexpr_add_arg(cast, col(1));
    bexpr *up = bexpr_new(BX_FUNC, P);
    up->fn = FN_UPPER;
    bexpr_add_arg(up, outer(2, 5));
    bexpr *cs = bexpr_new(BX_CASE, P);
    cs->has_else = true;
    cs->negated = true; /* meaningless for CASE, but must be copied */
    cs->rel = 3;
    cs->owner = &P;
    bexpr_add_arg(cs, eq(path, bexpr_const(value_cstring("x"), P)));
    bexpr_add_arg(cs, cast);
    bexpr_add_arg(cs, up);

    bexpr *c = bexpr_clone(cs);
    assert_ptr_not_equal(c, cs);
    assert_int_equal(c->kind, BX_CASE);
    assert_true(c->has_else);
    assert_false(c->has_operand);
    assert_true(c->negated);
    assert_int_equal(c->rel, 3);
    assert_ptr_equal(c->owner, &P);
    assert_int_equal(c->pos.line, 3);
    assert_int_equal(c->nargs, 3);
    assert_ptr_not_equal(c->args, cs->args);
    for (size_t i = 0; i < 3; i++)
        assert_ptr_not_equal(c->args[i], cs->args[i]);

    const bexpr *cp = c->args[0]->args[0];
    assert_int_equal(cp->kind, BX_PATH);
    assert_int_equal(cp->nsteps, 3);
    assert_ptr_not_equal(cp->steps, path->steps);
    assert_string_equal(cp->steps[0].name, "b");
    assert_ptr_not_equal(cp->steps[0].name, path->steps[0].name);
    assert_null(cp->steps[1].name);
    assert_int_equal(cp->steps[1].index, 2);
    assert_string_equal(cp->steps[2].name, "c");
    assert_int_equal(cp->args[0]->slot, 1);
    assert_string_equal(c->args[0]->args[1]->value.u.bytes->data, "x");
    assert_int_equal(c->args[1]->cast, CAST_TEXT);
    assert_int_equal(c->args[2]->fn, FN_UPPER);
    assert_int_equal(c->args[2]->args[0]->kind, BX_OUTER);
    assert_int_equal(c->args[2]->args[0]->depth, 2);
    assert_int_equal(c->args[2]->args[0]->slot, 5);

    /* Independent trees: changing or freeing the original leaves the copy. */
    cs->args[1]->args[0]->slot = 9;
    bexpr_free(cs);
    assert_int_equal(c->args[1]->args[0]->slot, 1);
    assert_string_equal(c->args[0]->args[0]->steps[2].name, "c");
    bexpr_free(c);
}

static void test_clone_shares_subplan(void **state)
{
    (void)state;
    bexpr *in = bexpr_new(BX_IN_SUBQ, P);
    in->negated = true;
    bexpr_add_arg(in, col(0));
    in->sub = empty_sub(true);
    subplan *s = in->sub;
    assert_int_equal(s->refs, 1);

    bexpr *c1 = bexpr_clone(in);
    bexpr *c2 = bexpr_clone(c1);
    assert_ptr_equal(c1->sub, s);
    assert_ptr_equal(c2->sub, s);
    assert_int_equal(s->refs, 3);
    assert_true(c2->negated);
    assert_true(c2->sub->correlated);

    bexpr_free(in);
    assert_int_equal(s->refs, 2);
    bexpr_free(c2);
    assert_int_equal(s->refs, 1);
    assert_int_equal(c1->args[0]->slot, 0);
    bexpr_free(c1); /* the last ref frees the plan (LeakSanitizer checks) */
}

static void test_clone_copies_number_text(void **state)
{
    (void)state;
    value_t v;
    assert_int_equal(value_number_parse("12.50", 5, &v), DEC_OK);
    bexpr *e = bexpr_const(v, P);
    bexpr *c = bexpr_clone(e);
    bexpr_free(e);
    char buf[DEC_STR_MAX];
    assert_string_equal(value_number_text(&c->value, buf), "12.50");
    bexpr_free(c);
}

/* ---- is_constant ------------------------------------------------------------------ */

static void test_is_constant(void **state)
{
    (void)state;
    struct {
        bexpr *e;
        bool want;
    } cases[] = {
        {num(1), true},
        {bexpr_const(value_null(), P), true},
        {bin(SQL_OP_ADD, num(1), bin(SQL_OP_MUL, num(2), num(3))), true},
        {col(0), false},
        {outer(1, 0), false}, /* fixed while a subquery runs, but not before the query */
        {bin(SQL_OP_ADD, num(1), col(7)), false},
        {bexpr_unary(SQL_OP_NOT, outer(1, 2), P), false},
        {subq(false), false}, /* a subquery runs with the query */
        {subq(true), false},
    };
    bexpr *f = bexpr_new(BX_FUNC, P);
    f->fn = FN_UPPER;
    bexpr_add_arg(f, bexpr_const(value_cstring("a"), P));
    bexpr *g = bexpr_new(BX_FUNC, P);
    g->fn = FN_COALESCE;
    bexpr_add_arg(g, num(1));
    bexpr_add_arg(g, bin(SQL_OP_SUB, num(2), col(3)));
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (bexpr_is_constant(cases[i].e) != cases[i].want)
            fail_msg("case %zu: bexpr_is_constant gave %d", i, !cases[i].want);
        bexpr_free(cases[i].e);
    }
    assert_true(bexpr_is_constant(f));
    assert_false(bexpr_is_constant(g)); /* the column is deep in the second argument */
    bexpr_free(f);
    bexpr_free(g);
}

/* ---- uses_only -------------------------------------------------------------------- */

static void test_uses_only_bounds(void **state)
{
    (void)state;
    bexpr *e = bin(SQL_OP_LT, col(2), col(4));
    assert_true(bexpr_uses_only(e, 2, 5));
    assert_true(bexpr_uses_only(e, 0, 100));
    assert_false(bexpr_uses_only(e, 2, 4)); /* hi is exclusive */
    assert_false(bexpr_uses_only(e, 3, 5)); /* lo is inclusive */
    assert_false(bexpr_uses_only(e, 5, 9));
    bexpr_free(e);

    bexpr *c = num(5);
    assert_true(bexpr_uses_only(c, 0, 0)); /* a constant uses any (even no) range */
    bexpr_free(c);

    /* Deep in the tree. */
    bexpr *deep = and2(eq(col(0), num(1)), bexpr_unary(SQL_OP_NOT, eq(col(0), col(6)), P));
    assert_true(bexpr_uses_only(deep, 0, 7));
    assert_false(bexpr_uses_only(deep, 0, 6));
    bexpr_free(deep);
}

static void test_uses_only_outer_is_constant(void **state)
{
    (void)state;
    /* t.pk = outer.x: pushable to the table read whatever the outer slot
       number is, since the outer row is fixed while the subquery runs. */
    bexpr *e = eq(col(0), outer(1, 12));
    assert_true(bexpr_uses_only(e, 0, 1));
    assert_false(bexpr_uses_only(e, 1, 2));
    bexpr_free(e);

    bexpr *only_outer = bin(SQL_OP_ADD, outer(1, 3), outer(2, 40));
    assert_true(bexpr_uses_only(only_outer, 0, 0));
    assert_true(bexpr_uses_only(only_outer, 5, 6));
    bexpr_free(only_outer);
}

static void test_uses_only_subqueries(void **state)
{
    (void)state;
    /* An uncorrelated subquery is a constant to the row; a correlated one
       reads the row it runs for, so it can be pushed nowhere. */
    bexpr *u = eq(col(1), subq(false));
    assert_true(bexpr_uses_only(u, 1, 2));
    assert_false(bexpr_uses_only(u, 0, 1));
    bexpr_free(u);

    bexpr *k = eq(col(1), subq(true));
    assert_false(bexpr_uses_only(k, 0, 100));
    bexpr_free(k);

    bexpr *ex = bexpr_new(BX_EXISTS, P);
    ex->sub = empty_sub(true);
    bexpr *o = bin(SQL_OP_OR, eq(col(0), num(1)), ex);
    assert_false(bexpr_uses_only(o, 0, 1));
    bexpr_free(o);

    /* IN (subquery): the needle still counts. */
    bexpr *in = bexpr_new(BX_IN_SUBQ, P);
    bexpr_add_arg(in, col(3));
    in->sub = empty_sub(false);
    assert_true(bexpr_uses_only(in, 3, 4));
    assert_false(bexpr_uses_only(in, 0, 3));
    bexpr_free(in);
}

/* ---- shift_slots / each_slot ---------------------------------------------------- */

typedef struct slots {
    int v[32];
    int n;
} slots;

static void collect(void *ctx, int slot)
{
    slots *s = ctx;
    if (s->n < 32)
        s->v[s->n++] = slot;
}

static void test_shift_slots(void **state)
{
    (void)state;
    /* (#0 + outer(1,#4)) = #3 AND #0 BETWEEN 1 AND #5 */
    bexpr *bt = bexpr_new(BX_BETWEEN, P);
    bexpr_add_arg(bt, col(0));
    bexpr_add_arg(bt, num(1));
    bexpr_add_arg(bt, col(5));
    bexpr *e = and2(eq(bin(SQL_OP_ADD, col(0), outer(1, 4)), col(3)), bt);
    bexpr_shift_slots(e, 10);
    slots s = {0};
    bexpr_each_slot(e, collect, &s);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.v[0], 10);
    assert_int_equal(s.v[1], 13);
    assert_int_equal(s.v[2], 10);
    assert_int_equal(s.v[3], 15);
    /* Outer reads and constants keep their slots. */
    assert_int_equal(e->args[0]->args[0]->args[1]->kind, BX_OUTER);
    assert_int_equal(e->args[0]->args[0]->args[1]->slot, 4);
    assert_int_equal(bt->args[1]->slot, -1);

    bexpr_shift_slots(e, -10);
    s.n = 0;
    bexpr_each_slot(e, collect, &s);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.v[0], 0);
    assert_int_equal(s.v[1], 3);
    assert_int_equal(s.v[2], 0);
    assert_int_equal(s.v[3], 5);
    bexpr_free(e);
}

static void test_each_slot(void **state)
{
    (void)state;
    /* Preorder, duplicates reported each time, outer reads and subqueries
       skipped (a subquery's own columns are in its plan, not here). */
    bexpr *in = bexpr_new(BX_IN_SUBQ, P);
    bexpr_add_arg(in, col(8));
    in->sub = empty_sub(true);
    bexpr *e = and2(and2(eq(col(2), outer(1, 7)), eq(col(1), col(2))), in);
    slots s = {0};
    bexpr_each_slot(e, collect, &s);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.v[0], 2);
    assert_int_equal(s.v[1], 1);
    assert_int_equal(s.v[2], 2);
    assert_int_equal(s.v[3], 8);
    bexpr_free(e);

    bexpr *c = num(3);
    s.n = 0;
    bexpr_each_slot(c, collect, &s);
    assert_int_equal(s.n, 0);
    bexpr_free(c);
}

/* ---- conjuncts -------------------------------------------------------------------- */

static void test_conjuncts_order(void **state)
{
    (void)state;
    bexpr *a = eq(col(0), num(1)), *b = eq(col(1), num(2)), *c = eq(col(2), num(3)),
          *d = eq(col(3), num(4));
    /* (a AND (b AND c)) AND d: left to right, whatever the nesting. */
    bexpr *e = and2(and2(a, and2(b, c)), d);
    bexpr *out[8] = {0};
    assert_int_equal(bexpr_conjuncts(e, out, 8), 4);
    assert_ptr_equal(out[0], a);
    assert_ptr_equal(out[1], b);
    assert_ptr_equal(out[2], c);
    assert_ptr_equal(out[3], d);
    assert_null(out[4]);
    bexpr_free(e);
}

static void test_conjuncts_not_and(void **state)
{
    (void)state;
    /* OR and NOT (a AND b) are one conjunct each. */
    bexpr *o = bin(SQL_OP_OR, eq(col(0), num(1)), eq(col(1), num(2)));
    bexpr *out[4] = {0};
    assert_int_equal(bexpr_conjuncts(o, out, 4), 1);
    assert_ptr_equal(out[0], o);
    bexpr_free(o);

    bexpr *n = bexpr_unary(SQL_OP_NOT, and2(col(0), col(1)), P);
    out[0] = NULL;
    assert_int_equal(bexpr_conjuncts(n, out, 4), 1);
    assert_ptr_equal(out[0], n);
    bexpr_free(n);
}

static void test_conjuncts_truncated(void **state)
{
    (void)state;
    bexpr *parts[6];
    bexpr *e = NULL;
    for (int i = 0; i < 6; i++) {
        parts[i] = eq(col(i), num(i));
        e = e ? and2(e, parts[i]) : parts[i];
    }
    /* The count is the whole, the array gets what fits and nothing past. */
    bexpr *out[5];
    for (int i = 0; i < 5; i++)
        out[i] = (bexpr *)&P; /* sentinel */
    assert_int_equal(bexpr_conjuncts(e, out, 3), 6);
    assert_ptr_equal(out[0], parts[0]);
    assert_ptr_equal(out[1], parts[1]);
    assert_ptr_equal(out[2], parts[2]);
    assert_ptr_equal(out[3], (bexpr *)&P);
    assert_ptr_equal(out[4], (bexpr *)&P);

    /* max 0 only counts (the planner's "more than it can hold?" check). */
    assert_int_equal(bexpr_conjuncts(e, out, 0), 6);
    assert_ptr_equal(out[0], parts[0]);
    bexpr_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_defaults),
        cmocka_unit_test(test_const_col_unary_binary),
        cmocka_unit_test(test_add_arg_grows_in_order),
        cmocka_unit_test(test_free_null),
        cmocka_unit_test(test_clone_is_deep),
        cmocka_unit_test(test_clone_shares_subplan),
        cmocka_unit_test(test_clone_copies_number_text),
        cmocka_unit_test(test_is_constant),
        cmocka_unit_test(test_uses_only_bounds),
        cmocka_unit_test(test_uses_only_outer_is_constant),
        cmocka_unit_test(test_uses_only_subqueries),
        cmocka_unit_test(test_shift_slots),
        cmocka_unit_test(test_each_slot),
        cmocka_unit_test(test_conjuncts_order),
        cmocka_unit_test(test_conjuncts_not_and),
        cmocka_unit_test(test_conjuncts_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

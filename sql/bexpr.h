/* Bound expressions: what the binder turns the AST's expressions into and
 * what the evaluator (sql/eval.h) runs. Names are resolved: a column is a
 * slot in the row its operator receives (or in an enclosing query's row, for
 * correlated subqueries); an aggregate or window call has been replaced by a
 * slot in the aggregate/window operator's output; a function is an id.
 *
 * A bexpr tree owns its children, its constant value and its subquery plan;
 * bexpr_free releases all of it. Trees are built once per query and are
 * read-only while the query runs. */
#ifndef DDBSQL_SQL_BEXPR_H
#define DDBSQL_SQL_BEXPR_H

#include <stdbool.h>
#include <stddef.h>

#include "sql/ast.h"
#include "sql/value.h"

typedef struct subplan subplan; /* sql/exec.h */

typedef enum bx_kind {
    BX_CONST,   /* value */
    BX_COL,     /* row[slot] */
    BX_OUTER,   /* an enclosing query's row: depth (1 = the query just outside), slot */
    BX_PATH,    /* args[0] is a document (MAP/LIST); steps walk into it (a.b[2] on a
                   computed value or a derived table's column) */
    BX_UNARY,   /* op: SQL_OP_NEG, SQL_OP_PLUS, SQL_OP_BITNOT, SQL_OP_NOT; args[0] */
    BX_BINARY,  /* op: any binary sql_op (AND/OR three-valued); args[0], args[1] */
    BX_IS_NULL, /* args[0] IS [NOT] NULL (negated) */
    BX_BETWEEN, /* args[0] [NOT] BETWEEN args[1] AND args[2] */
    BX_IN_LIST, /* args[0] [NOT] IN (args[1..nargs)) */
    BX_IN_SUBQ, /* args[0] [NOT] IN (sub); sub has one column */
    BX_EXISTS,  /* [NOT] EXISTS (sub) */
    BX_SUBQ,    /* scalar (sub): one column, at most one row (NULL when none) */
    BX_LIKE,    /* args[0] [NOT] LIKE args[1] [ESCAPE args[2]] (nargs 2 or 3) */
    BX_CASE,    /* [operand: args[0] when has_operand] then (when, then) pairs, then the
                   ELSE result when has_else (otherwise NULL) */
    BX_CAST,    /* CAST(args[0] AS cast) */
    BX_FUNC,    /* scalar function fn (sql/functions.h) over args */
} bx_kind;

/* One step into a document: a map key or a list index. */
typedef struct bx_step {
    char *name; /* NULL for an index step */
    size_t index;
} bx_step;

typedef struct bexpr bexpr;
struct bexpr {
    bx_kind kind;
    sql_pos pos; /* where it was written, for runtime errors */
    sql_op op;
    bool negated;
    value_t value; /* BX_CONST */
    int slot;      /* BX_COL, BX_OUTER */
    int depth;     /* BX_OUTER */
    bexpr **args;
    size_t nargs;
    bx_step *steps; /* BX_PATH */
    size_t nsteps;
    cast_target cast; /* BX_CAST */
    int fn;           /* BX_FUNC: a fn_id from sql/functions.h */
    bool has_operand; /* BX_CASE */
    bool has_else;    /* BX_CASE */
    subplan *sub;     /* BX_IN_SUBQ, BX_EXISTS, BX_SUBQ */
    /* Binder-internal (sql/planner.c), meaningless once a plan is built:
       slot is relative to relation rel of select owner until the layout is
       final; bound is a subquery not yet planned. */
    int rel;
    const void *owner;
    void *bound;
};

/* Constructors: every node is xcalloc'd; args arrays take ownership of the
 * child nodes passed in. */
bexpr *bexpr_new(bx_kind kind, sql_pos pos);
bexpr *bexpr_const(value_t v, sql_pos pos); /* takes ownership of v */
bexpr *bexpr_col(int slot, sql_pos pos);
bexpr *bexpr_unary(sql_op op, bexpr *a, sql_pos pos);
bexpr *bexpr_binary(sql_op op, bexpr *a, bexpr *b, sql_pos pos);
/* Appends a child (the array grows as needed). */
void bexpr_add_arg(bexpr *e, bexpr *child);
/* A deep copy (subplans are shared by reference count: see exec.h). */
bexpr *bexpr_clone(const bexpr *e);
void bexpr_free(bexpr *e);

/* True when e reads no row slot, no outer slot and no subquery: it can be
 * evaluated once, before the query runs. */
bool bexpr_is_constant(const bexpr *e);
/* True when e reads row slots only in [lo, hi) and no correlated subquery.
 * Outer-row reads count as constants: they are fixed while a subquery runs. */
bool bexpr_uses_only(const bexpr *e, int lo, int hi);
/* Adds delta to every BX_COL slot (used when a join puts a row after
 * another's columns). */
void bexpr_shift_slots(bexpr *e, int delta);
/* Calls fn for every BX_COL slot read by e (not inside subqueries). */
void bexpr_each_slot(const bexpr *e, void (*fn)(void *ctx, int slot), void *ctx);

/* Splits an AND tree into its conjuncts: fills out (borrowed pointers) up to
 * max and returns how many there are. */
size_t bexpr_conjuncts(bexpr *e, bexpr **out, size_t max);

#endif

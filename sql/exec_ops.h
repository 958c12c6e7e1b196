/* The relational operators of the executor (see sql/exec.h for the
 * protocol). Every constructor takes ownership of its child operators and
 * bound expressions, and of the arrays that hold them (exprs, keys, aggs,
 * specs and their partition/order arrays, values' rows: all heap-allocated,
 * freed by destroy). Expressions are evaluated against the child's row
 * unless stated otherwise.
 *
 * An operator remembers the ctx it was opened with to give its memory
 * charge back on close: close it (op_free does) while that ctx lives.
 *
 * Blocking operators (sort, hash aggregate, distinct, window, hash join,
 * nested-loop join's buffered side, set operations) charge every row they
 * hold to the ctx's memory account and fail with EXEC_ERR_MEMORY, naming the
 * operator and suggesting a tighter WHERE or a LIMIT, when it runs out. */
#ifndef DDBSQL_SQL_EXEC_OPS_H
#define DDBSQL_SQL_EXEC_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sql/ast.h"
#include "sql/bexpr.h"
#include "sql/exec.h"

/* Rows given as constant-free expressions evaluated at open (VALUES, and
 * SELECT without FROM: one row of width 0). rows[r][c], width columns. The
 * expressions may read outer rows (a correlated subquery's VALUES). */
op_t *op_values(bexpr ***rows, size_t nrows, int width);

/* Rows of child for which pred is TRUE. */
op_t *op_filter(op_t *child, bexpr *pred);

/* One output column per expression. */
op_t *op_project(op_t *child, bexpr **exprs, int n);

/* Skips offset rows, then passes at most limit (limit < 0: no limit). Stops
 * pulling from its child as soon as the limit is reached. */
op_t *op_limit(op_t *child, int64_t limit, int64_t offset);

typedef struct sort_key {
    bexpr *expr; /* over the child's row */
    bool desc;   /* NULLs first ascending, last descending (value_order) */
} sort_key;

/* A stable sort on keys. topn >= 0 keeps only the first topn rows (a
 * bounded heap: memory O(topn), used under ORDER BY ... LIMIT). */
op_t *op_sort(op_t *child, sort_key *keys, int nkeys, int64_t topn);

/* Drops duplicate rows (all columns, value_equal; NULLs equal). */
op_t *op_distinct(op_t *child);

typedef enum agg_kind {
    AGG_COUNT_STAR,
    AGG_COUNT,
    AGG_SUM,
    AGG_AVG,
    AGG_MIN,
    AGG_MAX,
} agg_kind;

typedef struct agg_spec {
    agg_kind kind;
    bexpr *arg; /* NULL for COUNT(*) */
    bool distinct;
    sql_pos pos;
} agg_spec;

/* GROUP BY: output row = the group values, then one value per aggregate.
 * With ngroups == 0 it emits exactly one row, also for empty input
 * (COUNT = 0, the others NULL). SUM and AVG are exact decimals (AVG rounded
 * to 38 significant digits); SUM of an empty or all-NULL group is NULL; a
 * non-number argument to SUM/AVG is an error; MIN/MAX use value_order over
 * non-NULL values. Output order: groups in order of first appearance. */
op_t *op_hash_agg(op_t *child, bexpr **groups, int ngroups, agg_spec *aggs, int naggs);

typedef enum win_kind {
    WIN_ROW_NUMBER,
    WIN_RANK,
    WIN_DENSE_RANK,
    WIN_COUNT_STAR,
    WIN_COUNT,
    WIN_SUM,
    WIN_AVG,
    WIN_MIN,
    WIN_MAX,
} win_kind;

typedef struct win_spec {
    win_kind kind;
    bexpr *arg; /* NULL for the ranking functions and COUNT(*) */
    bexpr **partition;
    int npartition;
    sort_key *order;
    int norder;
    sql_pos pos;
} win_spec;

/* Window functions: output row = the child's row, then one value per spec.
 * Aggregates with an ORDER BY cover the partition up to the current row and
 * its peers (SQL's default RANGE frame); without one, the whole partition.
 * Rows come out grouped by partition, in window order within each. */
op_t *op_window(op_t *child, win_spec *specs, int nspecs);

/* The distinct non-NULL values of an uncorrelated IN subquery as one-column
 * rows (takes the subplan reference), run once per open. */
op_t *op_subquery_keys(subplan *sub);

/* UNION/INTERSECT/EXCEPT [ALL] of two children of equal width, with SQL's
 * multiset semantics for ALL and set semantics otherwise. */
op_t *op_setop(op_t *left, op_t *right, sql_setop kind, bool all);

typedef enum join_kind { JOIN_INNER, JOIN_LEFT, JOIN_RIGHT, JOIN_FULL } join_kind;

/* Equi-join: builds a hash table of the right child's rows on rkeys, probes
 * with each left row's lkeys. Output row = left columns then right columns
 * (right NULLs for an unmatched left row, and vice versa). residual (over
 * the output row; may be NULL) must also be TRUE for a match. NULL keys
 * never match. */
op_t *op_hash_join(op_t *left, op_t *right, bexpr **lkeys, bexpr **rkeys, int nkeys,
                   bexpr *residual, join_kind kind);

/* Any other join (cross joins, non-equi ON): buffers the right child once,
 * then pairs every left row with every buffered right row. on (over the
 * output row) may be NULL (a cross join). */
op_t *op_nl_join(op_t *left, op_t *right, bexpr *on, join_kind kind);

#endif

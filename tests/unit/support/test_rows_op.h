/* Test-only helpers for executor operators: a source operator over fixed
 * rows written as compact text, and a runner that renders an operator's
 * output back as text.
 *
 * Row text: rows separated by ';', values by ','; spaces are ignored.
 *   NULL  true  false  12  -1.50  3e2 (exact NUMBERs)  2.5d (a DOUBLE)
 *   'it''s' (a STRING)
 * "" is no rows. A width-0 row is written "()".
 * Rendering uses the same notation (numbers as their output text, doubles
 * with %.17g and a trailing d), so expected results read like the input. */
#ifndef DDBSQL_TEST_ROWS_OP_H
#define DDBSQL_TEST_ROWS_OP_H

#include <stdbool.h>
#include <stddef.h>

#include "sql/bexpr.h"
#include "sql/exec.h"

/* A source of the given rows (aborts the test on unparsable text). */
op_t *test_rows_op(int width, const char *rows);

/* What the source has seen, for assertions. */
typedef struct test_rows_stats {
    int opens;
    int closes;    /* calls to close, including repeated ones */
    size_t pulled; /* rows returned, over all runs */
} test_rows_stats;
const test_rows_stats *test_rows_stats_of(const op_t *op);

/* From now on the source fails (exec_fail, -1) instead of returning row
 * number `row` (0-based) of a run; SIZE_MAX turns it off. */
void test_rows_fail_at(op_t *op, size_t row);

/* Parses one value (the notation above); aborts the test on bad text. */
value_t test_value(const char *text);

/* Opens op, reads every row, closes it; returns the rows as text
 * ("1,'a';2,NULL"), or "ERR: <message>" when open or next failed
 * (the ctx keeps the error). malloc'd. */
char *test_run_op(op_t *op, exec_ctx *ctx);

/* Renders one value into a malloc'd string. */
char *test_value_text(const value_t *v);

/* Expression builders for tests (positions are line 1, column 1 + slot for
 * columns, column 1 otherwise). */
bexpr *t_col(int slot);
bexpr *t_const(const char *value); /* test_value notation */
bexpr *t_bin(sql_op op, bexpr *a, bexpr *b);
/* A heap array of n expressions (operators take ownership of it). */
bexpr **t_exprs(int n, ...);

#endif

/* Evaluates bound expressions (sql/bexpr.h) against a row.
 *
 * Semantics:
 * - NULL propagates through arithmetic, comparisons, ||, LIKE and most
 *   functions; AND/OR/NOT use three-valued logic (FALSE AND NULL = FALSE,
 *   TRUE OR NULL = TRUE).
 * - Comparisons use value_compare: a type mismatch (a string against a
 *   number) makes =, <, <=, >, >= false and <> true, as DynamoDB's condition
 *   expressions do. BETWEEN is >= AND <=; IN is a chain of = with SQL's NULL
 *   rules.
 * - Arithmetic is exact decimal (sql/decimal.h) for NUMBERs; a DOUBLE
 *   operand makes the result DOUBLE. Division by zero, overflow, and
 *   arithmetic on non-numbers are errors that name the operator and the
 *   types ("line 1, column 12: cannot apply - to STRING and NUMBER"). A
 *   STRING is never implicitly converted to a number: the hint says to CAST.
 *   / is always exact decimal division rounded to 38 significant digits,
 *   integral operands too (7 / 2 = 3.5: DynamoDB drops trailing zeros, so
 *   an operand's scale says nothing); % is the remainder (sign of the
 *   dividend).
 * - Bitwise operators and shifts take integral NUMBERs within int64.
 * - || concatenates STRINGs; a NUMBER or BOOL operand is converted to its
 *   text, any other type is an error.
 * - CASE evaluates lazily; so do AND/OR (short-circuit) and COALESCE.
 * Errors go into ctx (exec_fail with EXEC_ERR_SQL and the node's position). */
#ifndef DDBSQL_SQL_EVAL_H
#define DDBSQL_SQL_EVAL_H

#include <stdbool.h>

#include "sql/bexpr.h"
#include "sql/exec.h"

/* *out receives an owned value. False on error (*out is NULL). */
bool eval_expr(exec_ctx *ctx, const bexpr *e, const value_t *row, value_t *out);

/* For WHERE/ON/HAVING: 1 when e is TRUE, 0 when FALSE or NULL, -1 on error.
 * A non-boolean result is an error ("WHERE needs a boolean, got NUMBER"). */
int eval_pred(exec_ctx *ctx, const bexpr *e, const value_t *row);

/* SQL truth of a value: 1 TRUE, 0 FALSE, 2 NULL; -1 when it is not a
 * boolean. */
int eval_truth(const value_t *v);

#endif

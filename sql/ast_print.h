/* Canonical text of an AST: keywords upper-case, every operator application
 * in parentheses, one line. The golden parser tests compare it and EXPLAIN
 * shows it. Printing the same tree always gives the same text. */
#ifndef DDBSQL_SQL_AST_PRINT_H
#define DDBSQL_SQL_AST_PRINT_H

#include <stdbool.h>

#include "core/base/buf.h"
#include "sql/ast.h"

/* Append to b; false when b's maximum is reached. */
bool sql_print_stmt(buf_t *b, const sql_stmt *st);
bool sql_print_query(buf_t *b, const sql_query *q);
bool sql_print_expr(buf_t *b, const sql_expr *e);
bool sql_print_name(buf_t *b, const sql_name *n);

/* The whole statement as a new string (free with free()). */
char *sql_stmt_to_string(const sql_stmt *st);

#endif

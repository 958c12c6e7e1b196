/* SQL parser: one read-only statement (SELECT, WITH ... SELECT, optionally
 * EXPLAIN) into an AST. Hand-written recursive descent with precedence
 * climbing; every recursion is bounded by SQL_MAX_DEPTH and every list by
 * the limits in sql/limits.h. Anything that is not a read is refused with a
 * message naming it. */
#ifndef DDBSQL_SQL_PARSER_H
#define DDBSQL_SQL_PARSER_H

#include <stdbool.h>
#include <stddef.h>

#include "sql/arena.h"
#include "sql/ast.h"
#include "sql/sql_error.h"

/* Parses sql[0..len). The AST lives in arena (initialise it with
 * sql_arena_init(arena, SQL_MAX_ARENA); free it with sql_arena_free, also
 * after a failure). Returns the statement, or NULL with err filled. */
sql_stmt *sql_parse(const char *sql, size_t len, sql_arena *arena, sql_error *err);

#endif

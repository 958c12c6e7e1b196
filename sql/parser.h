/* SQL parser: one read-only statement (SELECT, WITH ... SELECT, optionally
 * EXPLAIN) into an AST. Hand-written recursive descent with precedence
 * climbing; every recursion is bounded by SQL_MAX_DEPTH and every list by
 * the limits in sql/limits.h. Anything that is not a read is refused with a
 * message naming it. */
/* The grammar (keywords case-insensitive; [] optional, {} repeated):
 *   stmt     := [EXPLAIN] query [;]
 *   query    := [WITH name [(cols)] AS (query) {, ...}] setexpr
 *               [ORDER BY expr [ASC|DESC] {, ...}] [LIMIT n] [OFFSET m]
 *   setexpr  := term {(UNION|EXCEPT) [ALL|DISTINCT] term}
 *   term     := primary {INTERSECT [ALL|DISTINCT] primary}
 *   primary  := select | (query)
 *   select   := SELECT [DISTINCT|ALL] item {, item} [FROM from {, from}]
 *               [WHERE expr] [GROUP BY expr {, expr}] [HAVING expr]
 *   item     := * | name{.name}.* | expr [[AS] alias]
 *   from     := ref {join}; ref := [schema.]table [[AS] a] | (query) [AS] a [(cols)]
 *               | (VALUES (e, ...) {, ...}) [AS] a [(cols)] | (from {, from})
 *   join     := [INNER|LEFT [OUTER]|RIGHT [OUTER]|FULL [OUTER]] JOIN ref (ON expr |
 *               USING (cols)) | CROSS JOIN ref
 * Expressions, loosest first: OR; AND; NOT; IS [NOT] NULL; = <> != < <= > >=;
 * [NOT] BETWEEN/IN/LIKE [ESCAPE]; ||; |; ^; &; << >>; + -; * / %; unary - + ~.
 * Primaries: literals, column paths (a.b[2].c), (expr), (query), EXISTS (query),
 * CASE, CAST(e AS type), EXTRACT(f FROM e), POSITION(a IN b), SUBSTRING(s FROM a
 * [FOR b]) or SUBSTRING(s, a[, b]), TRIM([LEADING|TRAILING|BOTH] [c] FROM s) or
 * TRIM(s), CURRENT_DATE, CURRENT_TIMESTAMP, f(args), f(*), f(DISTINCT e) and
 * f(...) OVER ([PARTITION BY ...] [ORDER BY ...]). */
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

/* Hard limits on SQL input. Every one is checked before the work it bounds,
 * so hostile text can neither exhaust memory nor overflow the stack. */
#ifndef DDBSQL_SQL_LIMITS_H
#define DDBSQL_SQL_LIMITS_H

/* Bytes of SQL text; checked before lexing. */
#define SQL_MAX_TEXT (1024 * 1024)
/* Nesting of expressions, subqueries, parentheses and joins. */
#define SQL_MAX_DEPTH 200
/* Items in one IN (...) list. */
#define SQL_MAX_IN_LIST 10000
/* Tokens in one statement. */
#define SQL_MAX_TOKENS 262144
/* AST nodes in one statement. */
#define SQL_MAX_NODES 262144
/* Bytes the parser's arena may hold (nodes, names, literals, lists). */
#define SQL_MAX_ARENA (64 * 1024 * 1024)
/* Height of the syntax tree (operator chains such as a + b + ... count), so
 * every recursive walk of the AST has a bounded stack. */
#define SQL_MAX_HEIGHT 2000
/* Joins in one FROM clause, and set operations in one query. */
#define SQL_MAX_JOINS  64
#define SQL_MAX_SETOPS 64
/* Length of one identifier, in bytes. */
#define SQL_MAX_IDENT 1024

#endif

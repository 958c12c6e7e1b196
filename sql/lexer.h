/* SQL lexer: turns text into an array of tokens, each with its byte offset,
 * line and column. Keywords are recognised case-insensitively but stay
 * identifier tokens (kw != KW_NONE), so the parser decides where a keyword
 * may also serve as a name. */
#ifndef DDBSQL_SQL_LEXER_H
#define DDBSQL_SQL_LEXER_H

#include <stdbool.h>
#include <stddef.h>

#include "sql/arena.h"
#include "sql/sql_error.h"

/* X(name, reserved): reserved words cannot be unquoted names or aliases. */
#define SQL_KEYWORDS(X)                                                                            \
    X(ALL, 1)                                                                                      \
    X(ALTER, 0)                                                                                    \
    X(AND, 1)                                                                                      \
    X(AS, 1)                                                                                       \
    X(ASC, 1)                                                                                      \
    X(BEGIN, 0)                                                                                    \
    X(BETWEEN, 1)                                                                                  \
    X(BIGINT, 0)                                                                                   \
    X(BOOLEAN, 0)                                                                                  \
    X(BOTH, 0)                                                                                     \
    X(BY, 1)                                                                                       \
    X(CALL, 0)                                                                                     \
    X(CASE, 1)                                                                                     \
    X(CAST, 1)                                                                                     \
    X(CHAR, 0)                                                                                     \
    X(COMMIT, 0)                                                                                   \
    X(COPY, 0)                                                                                     \
    X(CREATE, 0)                                                                                   \
    X(CROSS, 1)                                                                                    \
    X(CURRENT_DATE, 1)                                                                             \
    X(CURRENT_TIMESTAMP, 1)                                                                        \
    X(DECIMAL, 0)                                                                                  \
    X(DELETE, 0)                                                                                   \
    X(DESC, 1)                                                                                     \
    X(DISTINCT, 1)                                                                                 \
    X(DOUBLE, 0)                                                                                   \
    X(DROP, 0)                                                                                     \
    X(ELSE, 1)                                                                                     \
    X(END, 1)                                                                                      \
    X(ESCAPE, 1)                                                                                   \
    X(EXCEPT, 1)                                                                                   \
    X(EXISTS, 1)                                                                                   \
    X(EXPLAIN, 1)                                                                                  \
    X(EXTRACT, 0)                                                                                  \
    X(FALSE, 1)                                                                                    \
    X(FETCH, 1)                                                                                    \
    X(FIRST, 0)                                                                                    \
    X(FLOAT, 0)                                                                                    \
    X(FOR, 1)                                                                                      \
    X(FROM, 1)                                                                                     \
    X(FULL, 1)                                                                                     \
    X(GRANT, 0)                                                                                    \
    X(GROUP, 1)                                                                                    \
    X(HAVING, 1)                                                                                   \
    X(ILIKE, 1)                                                                                    \
    X(IN, 1)                                                                                       \
    X(INNER, 1)                                                                                    \
    X(INSERT, 0)                                                                                   \
    X(INT, 0)                                                                                      \
    X(INTEGER, 0)                                                                                  \
    X(INTERSECT, 1)                                                                                \
    X(INTO, 1)                                                                                     \
    X(IS, 1)                                                                                       \
    X(JOIN, 1)                                                                                     \
    X(LAST, 0)                                                                                     \
    X(LATERAL, 1)                                                                                  \
    X(LEADING, 0)                                                                                  \
    X(LEFT, 1)                                                                                     \
    X(LIKE, 1)                                                                                     \
    X(LIMIT, 1)                                                                                    \
    X(MERGE, 0)                                                                                    \
    X(NATURAL, 1)                                                                                  \
    X(NOT, 1)                                                                                      \
    X(NULL, 1)                                                                                     \
    X(NULLS, 0)                                                                                    \
    X(NUMERIC, 0)                                                                                  \
    X(OFFSET, 1)                                                                                   \
    X(ON, 1)                                                                                       \
    X(OR, 1)                                                                                       \
    X(ORDER, 1)                                                                                    \
    X(OUTER, 1)                                                                                    \
    X(OVER, 1)                                                                                     \
    X(PARTITION, 0)                                                                                \
    X(POSITION, 0)                                                                                 \
    X(PRECISION, 0)                                                                                \
    X(RANGE, 0)                                                                                    \
    X(REAL, 0)                                                                                     \
    X(RECURSIVE, 0)                                                                                \
    X(REVOKE, 0)                                                                                   \
    X(RIGHT, 1)                                                                                    \
    X(ROLLBACK, 0)                                                                                 \
    X(ROWS, 0)                                                                                     \
    X(SELECT, 1)                                                                                   \
    X(SET, 0)                                                                                      \
    X(SIMILAR, 1)                                                                                  \
    X(START, 0)                                                                                    \
    X(SUBSTRING, 0)                                                                                \
    X(TABLE, 1)                                                                                    \
    X(TEXT, 0)                                                                                     \
    X(THEN, 1)                                                                                     \
    X(TOP, 0)                                                                                      \
    X(TRAILING, 0)                                                                                 \
    X(TRIM, 0)                                                                                     \
    X(TRUE, 1)                                                                                     \
    X(TRUNCATE, 0)                                                                                 \
    X(UNION, 1)                                                                                    \
    X(UPDATE, 0)                                                                                   \
    X(UPSERT, 0)                                                                                   \
    X(USING, 1)                                                                                    \
    X(VALUES, 1)                                                                                   \
    X(VARCHAR, 0)                                                                                  \
    X(WHEN, 1)                                                                                     \
    X(WHERE, 1)                                                                                    \
    X(WINDOW, 1)                                                                                   \
    X(WITH, 1)

typedef enum sql_kw {
    KW_NONE = 0,
#define SQL_KW_ENUM(name, reserved) KW_##name,
    SQL_KEYWORDS(SQL_KW_ENUM)
#undef SQL_KW_ENUM
        KW_COUNT_
} sql_kw;

typedef enum sql_tok_kind {
    TK_EOF = 0,
    TK_IDENT,  /* unquoted word; kw says whether it is a keyword */
    TK_QIDENT, /* "double-quoted" identifier; text is unescaped */
    TK_STRING, /* 'literal'; text is unescaped */
    TK_NUMBER, /* text is the exact source text */
    TK_PLUS,
    TK_MINUS,
    TK_STAR,
    TK_SLASH,
    TK_PERCENT,
    TK_AMP,
    TK_PIPE,
    TK_CARET,
    TK_TILDE,
    TK_SHL,
    TK_SHR,
    TK_CONCAT,
    TK_EQ,
    TK_NE, /* <> or != */
    TK_LT,
    TK_LE,
    TK_GT,
    TK_GE,
    TK_LPAREN,
    TK_RPAREN,
    TK_COMMA,
    TK_DOT,
    TK_SEMI,
    TK_LBRACKET,
    TK_RBRACKET,
    TK_DCOLON, /* :: (recognised only to explain CAST) */
} sql_tok_kind;

typedef struct sql_token {
    sql_tok_kind kind;
    sql_kw kw;
    const char *text; /* NUL-terminated; in the arena (or a static string) */
    size_t len;       /* bytes of text (strings may hold no NUL: checked) */
    size_t offset;    /* byte offset of the token in the source */
    size_t src_len;   /* bytes of the token in the source */
    int line;
    int column;
} sql_token;

typedef struct sql_tokens {
    sql_token *v; /* always ends with one TK_EOF */
    size_t n;
} sql_tokens;

/* Lexes sql[0..len). On success fills out (array in the arena) and returns
 * true; on failure fills err. len must already be <= SQL_MAX_TEXT. */
bool sql_lex(const char *sql, size_t len, sql_arena *arena, sql_tokens *out, sql_error *err);

/* Keyword name ("SELECT") or NULL for KW_NONE. */
const char *sql_kw_name(sql_kw kw);
bool sql_kw_reserved(sql_kw kw);
/* A token's kind as words for messages ("','", "a string"). */
const char *sql_tok_kind_name(sql_tok_kind k);

#endif

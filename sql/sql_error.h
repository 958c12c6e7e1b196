/* A SQL front-end error: where it is and what was wrong. The tool layer
 * renders it (sql_error_format gives "line L, column C: message"). */
#ifndef DDBSQL_SQL_ERROR_H
#define DDBSQL_SQL_ERROR_H

#include <stddef.h>

typedef struct sql_error {
    int line;      /* 1-based; 0 when the error has no position */
    int column;    /* 1-based, in bytes */
    size_t offset; /* byte offset into the SQL text */
    char message[512];
} sql_error;

/* Sets e from a printf format (the message is truncated to fit). */
void sql_error_set(sql_error *e, int line, int column, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Writes "line L, column C: message" (or just the message) into out. */
void sql_error_format(const sql_error *e, char *out, size_t outsz);

#endif

/* A bounded bump allocator: the AST of one statement lives in one arena and
 * is freed at once. Allocation fails (returns NULL) past the arena's maximum
 * so the parser can report "statement too large" instead of growing without
 * bound. */
#ifndef DDBSQL_SQL_ARENA_H
#define DDBSQL_SQL_ARENA_H

#include <stddef.h>

typedef struct sql_arena_chunk sql_arena_chunk;

typedef struct sql_arena {
    sql_arena_chunk *head;
    size_t used; /* bytes handed out, including alignment */
    size_t max;
} sql_arena;

void sql_arena_init(sql_arena *a, size_t max);
/* Zeroed, 16-byte aligned memory, or NULL past the maximum. */
void *sql_arena_alloc(sql_arena *a, size_t n);
/* A NUL-terminated copy of s[0..n), or NULL past the maximum. */
char *sql_arena_strndup(sql_arena *a, const char *s, size_t n);
void sql_arena_free(sql_arena *a);

#endif

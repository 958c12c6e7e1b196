#include "sql/arena.h"

#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"

#define CHUNK_SIZE (64 * 1024)

struct sql_arena_chunk {
    sql_arena_chunk *next;
    size_t cap;
    size_t pos;
    _Alignas(16) unsigned char data[];
};

void sql_arena_init(sql_arena *a, size_t max)
{
    a->head = NULL;
    a->used = 0;
    a->max = max;
}

void *sql_arena_alloc(sql_arena *a, size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    if (need < n || need > a->max - a->used)
        return NULL;
    sql_arena_chunk *c = a->head;
    if (!c || c->cap - c->pos < need) {
        size_t cap = need > CHUNK_SIZE ? need : CHUNK_SIZE;
        c = xmalloc(sizeof *c + cap);
        c->cap = cap;
        c->pos = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->pos;
    c->pos += need;
    a->used += need;
    memset(p, 0, n);
    return p;
}

char *sql_arena_strndup(sql_arena *a, const char *s, size_t n)
{
    char *p = sql_arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

void sql_arena_free(sql_arena *a)
{
    sql_arena_chunk *c = a->head;
    while (c) {
        sql_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->used = 0;
}

/* Bounded growable byte buffer. Every buffer has a maximum size fixed at
 * init; appends past it fail (return false) and leave the buffer unchanged,
 * so untrusted input can never grow memory without bound. The contents are
 * always NUL-terminated so they can be used as C strings. */
#ifndef DDBSQL_BUF_H
#define DDBSQL_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct buf {
    char *data; /* NULL until the first append */
    size_t len;
    size_t cap;
    size_t max; /* hard limit on len */
} buf_t;

#define BUF_INIT(maxbytes)                                                                         \
    {                                                                                              \
        NULL, 0, 0, (maxbytes)                                                                     \
    }

void buf_init(buf_t *b, size_t max);
bool buf_append(buf_t *b, const void *p, size_t n);
bool buf_puts(buf_t *b, const char *s);
bool buf_putc(buf_t *b, char c);
bool buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool buf_vprintf(buf_t *b, const char *fmt, va_list ap);
/* Always a valid C string ("" when empty). */
const char *buf_cstr(const buf_t *b);
/* Empties the buffer, keeping its memory. */
void buf_reset(buf_t *b);
/* Wipes the contents (for secrets) and frees. */
void buf_free_secure(buf_t *b);
void buf_free(buf_t *b);
/* Hands the memory to the caller (a NUL-terminated string); the buffer is
 * left empty. Never returns NULL. */
char *buf_steal(buf_t *b);

#endif

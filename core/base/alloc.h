/* Checked allocation: every allocation either succeeds or aborts the worker.
 * Out-of-memory is not a recoverable condition for a FastCGI worker; the
 * front end respawns it. This removes a whole class of unchecked-NULL bugs. */
#ifndef DDBSQL_ALLOC_H
#define DDBSQL_ALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Allocates count*size, aborting on multiplication overflow. */
void *xmallocarray(size_t count, size_t size);
void *xreallocarray(void *p, size_t count, size_t size);
_Noreturn void die_oom(size_t requested);

#endif

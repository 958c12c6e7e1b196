/* Markdown files from docs/resources/, compiled into the library by the
 * GNUmakefile so workers serve them without touching the filesystem. */
#ifndef DDBSQL_DOCS_EMBED_H
#define DDBSQL_DOCS_EMBED_H

#include <stddef.h>

typedef struct embedded_doc {
    const char *name; /* file name without .md, e.g. "sql-reference" */
    const char *text;
    size_t len;
} embedded_doc;

/* Terminated by an entry whose name is NULL. */
extern const embedded_doc embedded_docs[];

#endif

/* A small INI tokenizer for ddbsql's configuration file. It knows the
 * syntax only (sections, `key = value`, comments, quoting) and keeps line
 * numbers so the semantic layer (config.c) can say where a problem is.
 *
 *   # comment                ; also a comment
 *   global_key = value
 *   [kind]                   [kind name]
 *   key = "value with # and \" and \\"   # trailing comment
 *
 * Rejected with "<file>:<line>: <what>": NUL bytes, control characters,
 * invalid UTF-8, lines over INI_MAX_LINE bytes, files over INI_MAX_FILE
 * bytes, malformed lines, a section given twice and a key given twice in one
 * section. */
#ifndef DDBSQL_INI_H
#define DDBSQL_INI_H

#include <stdbool.h>
#include <stddef.h>

#define INI_MAX_LINE 4096
#define INI_MAX_FILE (1024 * 1024)

typedef struct ini_kv {
    char *key;
    char *value; /* unquoted and unescaped; may be "" */
    int line;
} ini_kv;

typedef struct ini_section {
    char *kind; /* "" for the keys before any section header */
    char *name; /* NULL for [kind]; the name of [kind name] */
    int line;   /* line of the header; 0 for the global section */
    ini_kv *kvs;
    size_t nkvs;
} ini_section;

typedef struct ini_file {
    /* sections[0] is always the global section (possibly empty). */
    ini_section *sections;
    size_t nsections;
    int nlines;
} ini_file;

/* Tokenizes text (len bytes; need not be NUL-terminated). path is used in
 * messages only. On failure returns false, leaves out empty (safe to
 * ini_free) and writes "<path>:<line>: <what>" into err. */
bool ini_parse(const char *path, const char *text, size_t len, ini_file *out, char *err,
               size_t errlen);
/* Reads the file (a regular file of at most INI_MAX_FILE bytes) and parses
 * it. The read buffer is wiped afterwards, since values may be secrets. */
bool ini_load(const char *path, ini_file *out, char *err, size_t errlen);
/* Wipes every value (any of them may be a secret) and frees. */
void ini_free(ini_file *f);
/* "[kind]", "[kind name]", or "" for the global section, into out. */
void ini_section_label(const ini_section *s, char *out, size_t outlen);

#endif

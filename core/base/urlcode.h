/* Percent-encoding and application/x-www-form-urlencoded parsing. */
#ifndef DDBSQL_URLCODE_H
#define DDBSQL_URLCODE_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct kv {
    char *key;
    char *val;
} kv_t;

typedef struct kvlist {
    kv_t *items;
    size_t n;
} kvlist_t;

/* Decodes %XX (and '+' as space when plus_is_space). Fails on a malformed
 * escape, an embedded NUL, or when out would exceed its bound. */
bool url_decode(const char *in, size_t len, bool plus_is_space, buf_t *out);
/* Encodes everything outside RFC 3986 unreserved characters. */
bool url_encode(const char *in, size_t len, buf_t *out);

/* Parses "a=1&b=2" into out (keys and values decoded). Rejects more than
 * max_pairs pairs, any key or value longer than max_len, and malformed
 * escapes; err says which and where. Empty segments ("a=1&&b=2") are
 * skipped. A key without '=' gets the value "". */
bool form_parse(const char *in, size_t len, size_t max_pairs, size_t max_len, kvlist_t *out,
                char *err, size_t errlen);
/* First value for key, or NULL. */
const char *kvlist_get(const kvlist_t *l, const char *key);
/* Number of occurrences of key (OAuth rejects repeated parameters). */
size_t kvlist_count(const kvlist_t *l, const char *key);
void kvlist_free(kvlist_t *l);

#endif

/* OAuth request parameters from a query string or an
 * application/x-www-form-urlencoded body (decoded like form_parse of
 * core/base/urlcode.h: '+' is a space, %XX strict, no NUL), with the rules
 * of RFC 6749:
 *
 *   - at most max_params parameters, each name and value at most max_value
 *     bytes after decoding;
 *   - a parameter given twice is refused (§3.1: "MUST NOT be included more
 *     than once"), whatever the values;
 *   - a parameter with an empty value counts as omitted (§3.1), and so does
 *     one with an empty name;
 *   - values must be valid UTF-8 and free of control characters other than
 *     tab (a password may hold any printable character);
 *
 * Every refusal is an `invalid_request`. Messages fit an OAuth
 * error_description (printable ASCII without '"' or '\') and never echo a
 * value; a parameter name is named only when it is plain. Values may be
 * secrets (passwords, codes, client secrets): they are wiped on every
 * path, and oauth_form_free wipes them too. */
#ifndef DDBSQL_OAUTH_FORM_H
#define DDBSQL_OAUTH_FORM_H

#include "../core/base/urlcode.h"

#include <stdbool.h>
#include <stddef.h>

#define OAUTH_FORM_MAX_PARAMS 32   /* the default cap on parameters */
#define OAUTH_FORM_MAX_VALUE  4096 /* the default cap on one name or value */

typedef struct oauth_form_limits {
    size_t max_params;
    size_t max_value;
} oauth_form_limits;

/* Parses len bytes (need not be NUL-terminated) into out. limits NULL
 * means the defaults above. On failure returns false, leaves out empty
 * (safe to free) and writes the reason into err. */
bool oauth_form_parse(const char *in, size_t len, const oauth_form_limits *limits, kvlist_t *out,
                      char *err, size_t errlen);

/* The value of a parameter, or NULL when absent (parameters are unique). */
const char *oauth_form_get(const kvlist_t *f, const char *name);

/* Wipes every name and value, then frees. */
void oauth_form_free(kvlist_t *f);

#endif

/* SQL LIKE on UTF-8 strings: '%' matches any sequence, '_' exactly one
 * character (a code point; a byte that is not valid UTF-8 counts as one
 * character), everything else matches itself, case-sensitively. An optional
 * ESCAPE character (exactly one character) makes the next '%', '_' or the
 * escape itself literal; an escape followed by anything else, or at the end
 * of the pattern, is an error. Matching is iterative, greedy with a single
 * backtrack point for the last '%', so it is O(len(s) * len(pattern)). */
#ifndef DDBSQL_SQL_LIKE_H
#define DDBSQL_SQL_LIKE_H

#include <stdbool.h>
#include <stddef.h>

/* Returns 1 when s matches pattern, 0 when it does not, -1 on a bad pattern
 * or escape (err, if errlen > 0, gets a message saying what and where).
 * esc may be NULL for no ESCAPE clause. */
int like_match(const char *s, size_t slen, const char *pat, size_t patlen, const char *esc,
               size_t esclen, char *err, size_t errlen);

/* When the pattern is a literal prefix followed by one final '%' (e.g.
 * 'ab\%c%' with ESCAPE '\'), stores the unescaped prefix (a malloc'd,
 * NUL-terminated copy; free it) and its length, and returns true. Returns
 * false for any other pattern, including invalid ones, an empty prefix, or a
 * pattern without wildcards. */
bool like_literal_prefix(const char *pat, size_t patlen, const char *esc, size_t esclen,
                         char **prefix, size_t *prefix_len);

#endif

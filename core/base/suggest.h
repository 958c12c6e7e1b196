/* "Did you mean" support: a small edit distance and the nearest candidate. */
#ifndef DDBSQL_SUGGEST_H
#define DDBSQL_SUGGEST_H

#include <stddef.h>

/* Optimal-string-alignment distance (Levenshtein plus adjacent
 * transpositions), ASCII case-insensitive. SIZE_MAX when either string is
 * longer than 64 bytes (names longer than that get no suggestion). */
size_t edit_distance(const char *a, const char *b);

/* The candidate closest to word within a small distance (1 for words of up
 * to 3 bytes, else 2), or NULL. */
const char *suggest_nearest(const char *word, const char *const *cands, size_t n);

#endif

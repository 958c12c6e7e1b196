/* Secret handling: constant-time comparison, wiping, and CSPRNG bytes. */
#ifndef DDBSQL_SECURE_H
#define DDBSQL_SECURE_H

#include <stdbool.h>
#include <stddef.h>

/* Compares without data-dependent timing on the contents. Lengths are
 * compared too; the running time depends only on max(alen, blen). */
bool ct_memeq(const void *a, size_t alen, const void *b, size_t blen);
bool ct_streq(const char *a, const char *b);
/* Zeroes memory in a way the compiler may not elide. */
void secure_wipe(void *p, size_t n);
/* Wipes a NUL-terminated string and frees it (NULL is fine). */
void secure_free_str(char *s);
/* Fills with cryptographically secure random bytes; aborts if the system
 * CSPRNG fails (there is no safe fallback). */
void random_bytes(void *out, size_t n);
/* Writes 2*nbytes lowercase hex chars plus NUL into out. */
void random_hex(char *out, size_t nbytes);

#endif

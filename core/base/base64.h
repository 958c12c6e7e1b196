/* Base64 (RFC 4648 §4, for DynamoDB binary values) and base64url without
 * padding (§5, for tokens and JWTs). Decoders are strict: they reject
 * characters outside the alphabet, bad padding and non-zero trailing bits. */
#ifndef DDBSQL_BASE64_H
#define DDBSQL_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Returned strings are malloc'd and NUL-terminated. */
char *base64_encode(const void *in, size_t len);
char *base64url_encode(const void *in, size_t len);
/* On success *out is malloc'd (NUL-terminated for convenience) and
 * *outlen set. On failure returns false and leaves *out NULL. */
bool base64_decode(const char *in, size_t len, uint8_t **out, size_t *outlen);
bool base64url_decode(const char *in, size_t len, uint8_t **out, size_t *outlen);

#endif

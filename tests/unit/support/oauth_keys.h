/* Key material for the OAuth unit tests: fresh EC (and RSA) private keys as
 * PEM text, the RFC 7515 Appendix A.3 P-256 key, key files written with a
 * chosen mode, and hand-built compact tokens (any header, any signature). */
#ifndef DDBSQL_TEST_OAUTH_KEYS_H
#define DDBSQL_TEST_OAUTH_KEYS_H

#include <stddef.h>
#include <sys/types.h>

/* A new private key as PEM (PKCS#8), malloc'd: "EC" with a curve name
 * ("P-256", "P-384"), or "RSA" (2048 bits). Aborts on failure. */
char *tk_pem_new(const char *type, const char *curve);
/* The private key of RFC 7515 Appendix A.3 (P-256) as PEM, malloc'd. */
char *tk_pem_rfc7515_a3(void);
/* The public half of a private key PEM, as SubjectPublicKeyInfo PEM. */
char *tk_public_pem(const char *private_pem);

/* Writes text to dir/name with mode; returns the path (malloc'd). */
char *tk_write_file(const char *dir, const char *name, const char *text, mode_t mode);
/* A new empty directory under /tmp (malloc'd path); tk_rmdir removes it. */
char *tk_mkdtemp(void);
void tk_rmdir(char *dir);

/* base64url (no padding) of a string, malloc'd. */
char *tk_b64(const char *s);
/* "b64(header).b64(claims).sig_b64" with sig_b64 given as is. */
char *tk_token(const char *header_json, const char *claims_json, const char *sig_b64);
/* An HS256 "JWT": HMAC-SHA-256 over the signing input keyed with key (e.g.
 * the server's public key, the classic algorithm-confusion attack). */
char *tk_hs256(const char *header_json, const char *claims_json, const char *key, size_t keylen);

#endif

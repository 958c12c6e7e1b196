/* SHA-256 and HMAC-SHA-256 through OpenSSL 3's EVP interfaces. */
#ifndef DDBSQL_CRYPTO_H
#define DDBSQL_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN]);
void hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
                 uint8_t out[SHA256_LEN]);
/* Lowercase hex; out must hold 2*len+1 bytes. */
void hex_encode(const uint8_t *in, size_t len, char *out);

#endif

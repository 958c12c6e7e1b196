#include "crypto.h"

#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdio.h>
#include <stdlib.h>

/* A failure here means a broken OpenSSL install; there is nothing to
 * recover, and continuing could yield unauthenticated data. */
static _Noreturn void crypto_fail(const char *what)
{
    fprintf(stderr, "ddbsql: fatal: OpenSSL %s failed\n", what);
    abort();
}

void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN])
{
    unsigned int outlen = 0;
    if (EVP_Digest(data, len, out, &outlen, EVP_sha256(), NULL) != 1 || outlen != SHA256_LEN)
        crypto_fail("SHA-256");
}

void hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
                 uint8_t out[SHA256_LEN])
{
    /* EVP_MAC_init treats a NULL key as "keep the previous key", which a
     * fresh context lacks; an empty key is legal HMAC, so pass a real one. */
    static const unsigned char no_key = 0;
    if (!key)
        key = &no_key;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                           OSSL_PARAM_construct_end()};
    size_t outlen = 0;
    if (!ctx || EVP_MAC_init(ctx, key, keylen, params) != 1 ||
        EVP_MAC_update(ctx, data, len) != 1 || EVP_MAC_final(ctx, out, &outlen, SHA256_LEN) != 1 ||
        outlen != SHA256_LEN)
        crypto_fail("HMAC-SHA-256");
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
}

void hex_encode(const uint8_t *in, size_t len, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 15];
    }
    out[2 * len] = '\0';
}

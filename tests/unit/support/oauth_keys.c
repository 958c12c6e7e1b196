#include "oauth_keys.h"

#include "core/base/alloc.h"
#include "core/base/base64.h"
#include "core/base/crypto.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *bio_text(BIO *b)
{
    char *data = NULL;
    long n = BIO_get_mem_data(b, &data);
    char *out = xstrndup(data, (size_t)n);
    BIO_free(b);
    return out;
}

static char *private_pem(EVP_PKEY *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (!b || !PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL))
        abort();
    return bio_text(b);
}

char *tk_pem_new(const char *type, const char *curve)
{
    EVP_PKEY *k = strcmp(type, "RSA") == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
                                           : EVP_PKEY_Q_keygen(NULL, NULL, type, curve);
    if (!k)
        abort();
    char *pem = private_pem(k);
    EVP_PKEY_free(k);
    return pem;
}

static BIGNUM *b64_bn(const char *s)
{
    uint8_t *raw;
    size_t n;
    if (!base64url_decode(s, strlen(s), &raw, &n))
        abort();
    BIGNUM *bn = BN_bin2bn(raw, (int)n, NULL);
    free(raw);
    return bn;
}

char *tk_pem_rfc7515_a3(void)
{
    static const char *const X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    static const char *const Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
    static const char *const D = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";
    unsigned char pub[65];
    uint8_t *x, *y;
    size_t xn, yn;
    if (!base64url_decode(X, strlen(X), &x, &xn) || !base64url_decode(Y, strlen(Y), &y, &yn) ||
        xn != 32 || yn != 32)
        abort();
    pub[0] = 0x04;
    memcpy(pub + 1, x, 32);
    memcpy(pub + 33, y, 32);
    free(x);
    free(y);
    BIGNUM *d = b64_bn(D);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d);
    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub);
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *k = NULL;
    if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_KEYPAIR, params) != 1)
        abort();
    char *pem = private_pem(k);
    EVP_PKEY_free(k);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(d);
    return pem;
}

char *tk_public_pem(const char *private_pem_text)
{
    BIO *in = BIO_new_mem_buf(private_pem_text, -1);
    EVP_PKEY *k = PEM_read_bio_PrivateKey(in, NULL, NULL, NULL);
    BIO_free(in);
    if (!k)
        abort();
    BIO *b = BIO_new(BIO_s_mem());
    if (!b || !PEM_write_bio_PUBKEY(b, k))
        abort();
    EVP_PKEY_free(k);
    return bio_text(b);
}

char *tk_write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = xmalloc(n);
    snprintf(path, n, "%s/%s", dir, name);
    unlink(path);
    FILE *fp = fopen(path, "w");
    if (!fp || fputs(text, fp) < 0 || fclose(fp) != 0 || chmod(path, mode) != 0)
        abort();
    return path;
}

char *tk_mkdtemp(void)
{
    char *d = xstrdup("/tmp/ddbsql-oauth-XXXXXX");
    if (!mkdtemp(d))
        abort();
    return d;
}

void tk_rmdir(char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        abort();
    free(dir);
}

char *tk_b64(const char *s)
{
    return base64url_encode(s, strlen(s));
}

char *tk_token(const char *header_json, const char *claims_json, const char *sig_b64)
{
    char *h = tk_b64(header_json), *c = tk_b64(claims_json);
    size_t n = strlen(h) + strlen(c) + strlen(sig_b64) + 3;
    char *t = xmalloc(n);
    snprintf(t, n, "%s.%s.%s", h, c, sig_b64);
    free(h);
    free(c);
    return t;
}

char *tk_hs256(const char *header_json, const char *claims_json, const char *key, size_t keylen)
{
    char *h = tk_b64(header_json), *c = tk_b64(claims_json);
    size_t n = strlen(h) + strlen(c) + 2;
    char *input = xmalloc(n);
    snprintf(input, n, "%s.%s", h, c);
    uint8_t mac[SHA256_LEN];
    hmac_sha256(key, keylen, input, strlen(input), mac);
    char *sig = base64url_encode(mac, sizeof mac);
    char *t = tk_token(header_json, claims_json, sig);
    free(sig);
    free(input);
    free(h);
    free(c);
    return t;
}

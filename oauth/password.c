#include "password.h"

#include "../core/base/alloc.h"
#include "../core/base/base64.h"
#include "../core/base/buf.h"
#include "../core/base/secure.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "$scrypt$"

/* A parsed hash string: the parameters, and the decoded salt and hash. */
typedef struct phc {
    password_params params;
    uint8_t salt[PASSWORD_SALT_MAX];
    size_t saltlen;
    uint8_t hash[PASSWORD_HASH_MAX];
    size_t hashlen;
} phc;

static bool params_ok(const password_params *p, char *why, size_t whylen)
{
    if (p->ln < PASSWORD_LN_MIN || p->ln > PASSWORD_LN_MAX) {
        snprintf(why, whylen, "has ln=%u (cost 2^ln must have ln from %d to %d)", p->ln,
                 PASSWORD_LN_MIN, PASSWORD_LN_MAX);
        return false;
    }
    if (p->r < 1 || p->r > PASSWORD_R_MAX) {
        snprintf(why, whylen, "has r=%u (block size r must be 1 to %d)", (unsigned)p->r,
                 PASSWORD_R_MAX);
        return false;
    }
    if (p->p < 1 || p->p > PASSWORD_P_MAX) {
        snprintf(why, whylen, "has p=%u (parallelism p must be 1 to %d)", (unsigned)p->p,
                 PASSWORD_P_MAX);
        return false;
    }
    uint64_t nr = ((uint64_t)1 << p->ln) * p->r;
    if (nr > PASSWORD_MAX_NR) {
        snprintf(why, whylen,
                 "needs %llu MiB of memory per verification (2^ln * r * 128 bytes; at most %u "
                 "MiB)",
                 (unsigned long long)(nr * 128 >> 20),
                 (unsigned)((uint64_t)PASSWORD_MAX_NR * 128 >> 20));
        return false;
    }
    if (nr * p->p > PASSWORD_MAX_WORK) {
        snprintf(why, whylen,
                 "asks for too much work per verification (2^ln * r * p is over 2^22)");
        return false;
    }
    return true;
}

/* A decimal without sign or leading zeros, up to 10 digits, ending at one
 * of the characters in stop. Advances *s past it. */
static bool parse_uint(const char **s, const char *stop, uint32_t *out)
{
    const char *p = *s;
    uint64_t v = 0;
    size_t n = 0;
    while (*p >= '0' && *p <= '9' && n < 10) {
        v = v * 10 + (uint64_t)(*p - '0');
        p++;
        n++;
    }
    if (n == 0 || (n > 1 && **s == '0') || v > UINT32_MAX || !*p || !strchr(stop, *p))
        return false;
    *out = (uint32_t)v;
    *s = p;
    return true;
}

/* Decodes PHC base64 (standard alphabet, no padding) of len bytes. */
static bool b64_decode_nopad(const char *in, size_t len, uint8_t *out, size_t min, size_t max,
                             size_t *outlen)
{
    if (len == 0 || len % 4 == 1 || len > 4 * max / 3 + 4)
        return false;
    char padded[PASSWORD_STRING_MAX + 4];
    if (len + 3 > sizeof padded)
        return false;
    for (size_t i = 0; i < len; i++)
        if (in[i] == '=') /* padding is not part of the format */
            return false;
    memcpy(padded, in, len);
    size_t plen = len;
    while (plen % 4)
        padded[plen++] = '=';
    uint8_t *dec;
    size_t n;
    if (!base64_decode(padded, plen, &dec, &n))
        return false;
    bool ok = n >= min && n <= max;
    if (ok) {
        memcpy(out, dec, n);
        *outlen = n;
    }
    free(dec);
    return ok;
}

static bool phc_parse(const char *s, phc *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);
    if (!s) {
        snprintf(why, whylen, "is missing");
        return false;
    }
    size_t total = strnlen(s, PASSWORD_STRING_MAX + 1);
    if (total > PASSWORD_STRING_MAX) {
        snprintf(why, whylen, "is longer than %d characters", PASSWORD_STRING_MAX);
        return false;
    }
    if (strncmp(s, PREFIX, strlen(PREFIX)) != 0) {
        if (s[0] == '$')
            snprintf(why, whylen,
                     "is not an scrypt hash (it must start with $scrypt$; only scrypt hashes "
                     "are supported)");
        else
            snprintf(why, whylen,
                     "is not a password hash (expected $scrypt$ln=..,r=..,p=..$salt$hash; "
                     "create one with ddbsql-admin)");
        return false;
    }
    const char *p = s + strlen(PREFIX);
    uint32_t ln, r, par;
    if (strncmp(p, "ln=", 3) != 0 || (p += 3, !parse_uint(&p, ",", &ln)) ||
        strncmp(p, ",r=", 3) != 0 || (p += 3, !parse_uint(&p, ",", &r)) ||
        strncmp(p, ",p=", 3) != 0 || (p += 3, !parse_uint(&p, "$", &par))) {
        snprintf(why, whylen,
                 "has malformed parameters (expected ln=<number>,r=<number>,p=<number>)");
        return false;
    }
    out->params.ln = ln > 64 ? 64 : ln;
    out->params.r = r;
    out->params.p = par;
    if (!params_ok(&out->params, why, whylen))
        return false;
    p++; /* the '$' before the salt */
    const char *dollar = strchr(p, '$');
    if (!dollar) {
        snprintf(why, whylen, "has no hash after the salt (expected ...$salt$hash)");
        return false;
    }
    if (!b64_decode_nopad(p, (size_t)(dollar - p), out->salt, PASSWORD_SALT_MIN, PASSWORD_SALT_MAX,
                          &out->saltlen)) {
        snprintf(why, whylen, "has a salt that is not %d to %d bytes of unpadded base64",
                 PASSWORD_SALT_MIN, PASSWORD_SALT_MAX);
        return false;
    }
    p = dollar + 1;
    if (strchr(p, '$') || !b64_decode_nopad(p, strlen(p), out->hash, PASSWORD_HASH_MIN,
                                            PASSWORD_HASH_MAX, &out->hashlen)) {
        snprintf(why, whylen, "has a hash that is not %d to %d bytes of unpadded base64",
                 PASSWORD_HASH_MIN, PASSWORD_HASH_MAX);
        return false;
    }
    return true;
}

bool password_hash_check(const char *phc_str, char *why, size_t whylen)
{
    phc h;
    bool ok = phc_parse(phc_str, &h, why, whylen);
    secure_wipe(&h, sizeof h);
    return ok;
}

bool password_hash_params(const char *phc_str, password_params *out)
{
    phc h;
    char why[160];
    bool ok = phc_parse(phc_str, &h, why, sizeof why);
    if (ok)
        *out = h.params;
    secure_wipe(&h, sizeof h);
    return ok;
}

/* scrypt into out (outlen bytes). Parameters were checked by the caller. */
static bool derive(const char *pw, size_t pwlen, const uint8_t *salt, size_t saltlen,
                   const password_params *pp, uint8_t *out, size_t outlen, char *err, size_t errlen)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
    EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    EVP_KDF_free(kdf);
    if (!kctx) {
        snprintf(err, errlen, "scrypt is not available in this OpenSSL");
        ERR_clear_error();
        return false;
    }
    uint64_t n = (uint64_t)1 << pp->ln;
    /* OpenSSL needs 128*r*(N+2) bytes for V plus 128*r*p for B. */
    uint64_t maxmem = 128 * (uint64_t)pp->r * (n + 2 + pp->p) + (1u << 20);
    uint32_t r = pp->r, p = pp->p;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)pw, pwlen),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, saltlen),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
        OSSL_PARAM_construct_end(),
    };
    bool ok = EVP_KDF_derive(kctx, out, outlen, params) > 0;
    EVP_KDF_CTX_free(kctx);
    if (!ok) {
        snprintf(err, errlen, "scrypt key derivation failed (out of memory?)");
        ERR_clear_error();
    }
    return ok;
}

static char *b64_nopad(const uint8_t *in, size_t len)
{
    char *s = base64_encode(in, len);
    char *eq = strchr(s, '=');
    if (eq)
        *eq = '\0';
    return s;
}

char *password_hash(const char *pw, size_t pwlen, const password_params *params, char *err,
                    size_t errlen)
{
    password_params pp = {PASSWORD_DEFAULT_LN, PASSWORD_DEFAULT_R, PASSWORD_DEFAULT_P};
    if (params)
        pp = *params;
    char why[160];
    if (!params_ok(&pp, why, sizeof why)) {
        snprintf(err, errlen, "the scrypt parameters %s", why);
        return NULL;
    }
    if (!pw || pwlen == 0 || pwlen > PASSWORD_MAX_LEN) {
        snprintf(err, errlen, "a password must be 1 to %d bytes", PASSWORD_MAX_LEN);
        return NULL;
    }
    uint8_t salt[PASSWORD_SALT_LEN], hash[PASSWORD_HASH_LEN];
    random_bytes(salt, sizeof salt);
    if (!derive(pw, pwlen, salt, sizeof salt, &pp, hash, sizeof hash, err, errlen)) {
        secure_wipe(hash, sizeof hash);
        return NULL;
    }
    char *s64 = b64_nopad(salt, sizeof salt), *h64 = b64_nopad(hash, sizeof hash);
    secure_wipe(hash, sizeof hash);
    buf_t b = BUF_INIT(PASSWORD_STRING_MAX);
    bool ok = buf_printf(&b, PREFIX "ln=%u,r=%u,p=%u$%s$%s", pp.ln, (unsigned)pp.r, (unsigned)pp.p,
                         s64, h64);
    secure_free_str(h64);
    free(s64);
    if (!ok) { /* cannot happen: the string is well under the cap */
        buf_free(&b);
        snprintf(err, errlen, "the hash string is too long");
        return NULL;
    }
    return buf_steal(&b);
}

password_result password_verify(const char *pw, size_t pwlen, const char *phc_str, char *err,
                                size_t errlen)
{
    phc h;
    char why[160];
    if (!phc_parse(phc_str, &h, why, sizeof why)) {
        snprintf(err, errlen, "the stored password hash %s", why);
        secure_wipe(&h, sizeof h);
        return PASSWORD_BAD_HASH;
    }
    /* A password out of bounds never matches, but still costs one
     * derivation, so the answer takes as long as any other. */
    bool usable = pw && pwlen > 0 && pwlen <= PASSWORD_MAX_LEN;
    uint8_t got[PASSWORD_HASH_MAX];
    password_result res = PASSWORD_ERROR;
    if (derive(usable ? pw : "x", usable ? pwlen : 1, h.salt, h.saltlen, &h.params, got, h.hashlen,
               err, errlen))
        res =
            usable && ct_memeq(got, h.hashlen, h.hash, h.hashlen) ? PASSWORD_OK : PASSWORD_MISMATCH;
    secure_wipe(got, sizeof got);
    secure_wipe(&h, sizeof h);
    return res;
}

void password_burn(const char *pw, size_t pwlen)
{
    static const char salt[] = "ddbsql-burn-salt";
    password_params pp = {PASSWORD_DEFAULT_LN, PASSWORD_DEFAULT_R, PASSWORD_DEFAULT_P};
    uint8_t out[PASSWORD_HASH_LEN];
    char err[128];
    if (!pw || pwlen == 0 || pwlen > PASSWORD_MAX_LEN) {
        pw = "x";
        pwlen = 1;
    }
    (void)derive(pw, pwlen, (const uint8_t *)salt, PASSWORD_SALT_LEN, &pp, out, sizeof out, err,
                 sizeof err);
    secure_wipe(out, sizeof out);
}

#include "jwt.h"

#include "scope.h"

#include "../core/base/alloc.h"
#include "../core/base/base64.h"
#include "../core/base/buf.h"
#include "../core/base/crypto.h"
#include "../core/base/json_util.h"
#include "../core/base/secure.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define COORD            32
#define JSON_DEPTH       16
#define MAX_DER_SIG      80 /* an ES256 DER signature is at most 72 bytes */
#define MAX_CLAIM_STRING 2048

const char *jwt_status_code(jwt_status s)
{
    switch (s) {
    case JWT_OK:
        return "ok";
    case JWT_ERR_TOO_LARGE:
        return "too_large";
    case JWT_ERR_MALFORMED:
        return "malformed";
    case JWT_ERR_HEADER:
        return "bad_header";
    case JWT_ERR_ALG:
        return "bad_alg";
    case JWT_ERR_TYP:
        return "bad_typ";
    case JWT_ERR_KID:
        return "unknown_kid";
    case JWT_ERR_SIGNATURE:
        return "bad_signature";
    case JWT_ERR_CLAIMS:
        return "bad_claims";
    case JWT_ERR_ISSUER:
        return "wrong_issuer";
    case JWT_ERR_AUDIENCE:
        return "wrong_audience";
    case JWT_ERR_EXPIRED:
        return "expired";
    case JWT_ERR_NOT_YET_VALID:
        return "not_yet_valid";
    }
    return "unknown";
}

/* ---- ES256 --------------------------------------------------------------- */

bool jwt_es256_sign(const signing_key *k, const void *data, size_t len,
                    uint8_t sig[JWT_ES256_SIG_LEN])
{
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    unsigned char der[MAX_DER_SIG];
    size_t derlen = sizeof der;
    bool ok = mctx &&
              EVP_DigestSignInit(mctx, NULL, EVP_sha256(), NULL, signing_key_pkey(k)) == 1 &&
              EVP_DigestSign(mctx, der, &derlen, data, len) == 1;
    EVP_MD_CTX_free(mctx);
    ECDSA_SIG *es = NULL;
    if (ok) {
        /* DER (what OpenSSL produces) to JOSE's fixed-width r||s. */
        const unsigned char *p = der;
        es = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
        const BIGNUM *r = NULL, *s = NULL;
        if (es)
            ECDSA_SIG_get0(es, &r, &s);
        ok = es && BN_bn2binpad(r, sig, COORD) == COORD &&
             BN_bn2binpad(s, sig + COORD, COORD) == COORD;
    }
    ECDSA_SIG_free(es);
    ERR_clear_error();
    return ok;
}

bool jwt_es256_verify(const signing_key *k, const void *data, size_t len, const uint8_t *sig,
                      size_t siglen)
{
    if (!k || siglen != JWT_ES256_SIG_LEN)
        return false;
    /* r||s to the DER that OpenSSL verifies. */
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, COORD, NULL);
    BIGNUM *s = BN_bin2bn(sig + COORD, COORD, NULL);
    if (!es || !r || !s || !ECDSA_SIG_set0(es, r, s)) {
        ECDSA_SIG_free(es);
        BN_free(r);
        BN_free(s);
        ERR_clear_error();
        return false;
    }
    unsigned char *der = NULL;
    int derlen = i2d_ECDSA_SIG(es, &der);
    ECDSA_SIG_free(es);
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    bool ok = derlen > 0 && mctx &&
              EVP_DigestVerifyInit(mctx, NULL, EVP_sha256(), NULL, signing_key_pkey(k)) == 1 &&
              EVP_DigestVerify(mctx, der, (size_t)derlen, data, len) == 1;
    EVP_MD_CTX_free(mctx);
    OPENSSL_free(der);
    ERR_clear_error();
    return ok;
}

char *jwt_sign_compact(const signing_key *k, const char *header_json, const char *claims_json)
{
    char *h = base64url_encode(header_json, strlen(header_json));
    char *c = base64url_encode(claims_json, strlen(claims_json));
    size_t n = strlen(h) + strlen(c) + 2 + 90;
    char *out = xmalloc(n);
    int used = snprintf(out, n, "%s.%s", h, c);
    free(h);
    free(c);
    uint8_t sig[JWT_ES256_SIG_LEN];
    if (!jwt_es256_sign(k, out, (size_t)used, sig)) {
        free(out);
        return NULL;
    }
    char *s = base64url_encode(sig, sizeof sig);
    snprintf(out + used, n - (size_t)used, ".%s", s);
    free(s);
    return out;
}

/* ---- parsing ------------------------------------------------------------- */

static jwt_status fail(char *err, size_t errlen, jwt_status st, const char *msg)
{
    snprintf(err, errlen, "%s", msg);
    return st;
}

/* Members written in the text: the ':' outside strings (the text is valid
 * JSON, so each one separates a member name from its value). */
static size_t members_in_text(const char *s, size_t len)
{
    size_t n = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == ':') {
            n++;
        }
    }
    return n;
}

/* Members json-c kept: a duplicated name counts once there. */
static size_t members_in_tree(json_object *o)
{
    size_t n = 0;
    if (json_object_is_type(o, json_type_object)) {
        json_object_object_foreach(o, key, val)
        {
            (void)key;
            n += 1 + members_in_tree(val);
        }
    } else if (json_object_is_type(o, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(o); i++)
            n += members_in_tree(json_object_array_get_idx(o, i));
    }
    return n;
}

/* Decodes one base64url segment holding a JSON object without duplicate
 * member names. what is "header" or "claims set". */
static jwt_status decode_json(const char *seg, size_t len, const char *what, json_object **out,
                              char *err, size_t errlen)
{
    *out = NULL;
    uint8_t *raw = NULL;
    size_t rawlen = 0;
    if (!base64url_decode(seg, len, &raw, &rawlen)) {
        snprintf(err, errlen, "the %s is not valid unpadded base64url", what);
        return JWT_ERR_MALFORMED;
    }
    char jerr[160];
    json_object *o = json_parse_strict((const char *)raw, rawlen, JSON_DEPTH, jerr, sizeof jerr);
    if (!o || !json_object_is_type(o, json_type_object)) {
        snprintf(err, errlen, "the %s is not a JSON object", what);
        json_object_put(o);
        free(raw);
        return JWT_ERR_MALFORMED;
    }
    bool dup = members_in_text((const char *)raw, rawlen) != members_in_tree(o);
    free(raw);
    if (dup) {
        json_object_put(o);
        snprintf(err, errlen, "the %s has a duplicate member name", what);
        return JWT_ERR_MALFORMED;
    }
    *out = o;
    return JWT_OK;
}

static bool b64url_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

/* The header: exactly alg, typ and kid, as we issue them. */
static jwt_status check_header(json_object *h, const jwt_verifier *v, const signing_key **key,
                               char *err, size_t errlen)
{
    json_object_object_foreach(h, name, val)
    {
        (void)val;
        if (strcmp(name, "alg") && strcmp(name, "typ") && strcmp(name, "kid"))
            return fail(err, errlen, JWT_ERR_HEADER,
                        "the header has a parameter other than alg, typ and kid (crit, jku, jwk, "
                        "x5u, x5c and the like are not accepted)");
    }
    json_object *alg = jget(h, "alg");
    if (!alg || !json_object_is_type(alg, json_type_string) ||
        strcmp(json_object_get_string(alg), "ES256") != 0)
        return fail(err, errlen, JWT_ERR_ALG,
                    "the header's alg is not ES256 (the only algorithm accepted; none and HMAC "
                    "are refused)");
    json_object *typ = jget(h, "typ");
    const char *t =
        typ && json_object_is_type(typ, json_type_string) ? json_object_get_string(typ) : NULL;
    /* RFC 9068 §4; media type names are case-insensitive. */
    if (!t || (strcasecmp(t, "at+jwt") != 0 && strcasecmp(t, "application/at+jwt") != 0))
        return fail(err, errlen, JWT_ERR_TYP,
                    "the header's typ is not at+jwt (RFC 9068 access tokens only)");
    json_object *kid = jget(h, "kid");
    if (!kid || !json_object_is_type(kid, json_type_string))
        return fail(err, errlen, JWT_ERR_KID, "the header has no kid");
    *key = signing_keys_find(v->keys, json_object_get_string(kid));
    if (!*key)
        return fail(err, errlen, JWT_ERR_KID, "the header's kid names no configured signing key");
    return JWT_OK;
}

/* A required, non-empty, bounded string claim. */
static const char *str_claim(json_object *c, const char *name)
{
    json_object *o = jget(c, name);
    if (!o || !json_object_is_type(o, json_type_string))
        return NULL;
    size_t n = (size_t)json_object_get_string_len(o);
    const char *s = json_object_get_string(o);
    if (n == 0 || n > MAX_CLAIM_STRING || strlen(s) != n)
        return NULL; /* empty, huge, or with an embedded NUL */
    return s;
}

/* A NumericDate we issue: a non-negative integer. */
static bool int_claim(json_object *c, const char *name, int64_t *out)
{
    json_object *o = jget(c, name);
    if (!o || !json_object_is_type(o, json_type_int))
        return false;
    int64_t v = json_object_get_int64(o);
    if (v < 0 || v > ((int64_t)1 << 53))
        return false;
    *out = v;
    return true;
}

static bool aud_matches(json_object *aud, const char *want)
{
    if (json_object_is_type(aud, json_type_string))
        return strcmp(json_object_get_string(aud), want) == 0;
    if (!json_object_is_type(aud, json_type_array))
        return false;
    for (size_t i = 0; i < json_object_array_length(aud); i++) {
        json_object *e = json_object_array_get_idx(aud, i);
        if (json_object_is_type(e, json_type_string) &&
            strcmp(json_object_get_string(e), want) == 0)
            return true;
    }
    return false;
}

static bool aud_well_formed(json_object *aud)
{
    if (json_object_is_type(aud, json_type_string))
        return true;
    if (!json_object_is_type(aud, json_type_array) || json_object_array_length(aud) == 0)
        return false;
    for (size_t i = 0; i < json_object_array_length(aud); i++)
        if (!json_object_is_type(json_object_array_get_idx(aud, i), json_type_string))
            return false;
    return true;
}

/* The time rules, shared by a full verification and a cache hit. */
static jwt_status check_times(const jwt_verifier *v, int64_t now, int64_t iat, int64_t exp,
                              bool has_nbf, int64_t nbf, char *err, size_t errlen)
{
    int64_t leeway = v->leeway_seconds > 0 ? v->leeway_seconds : 0;
    if (now >= exp + leeway)
        return fail(err, errlen, JWT_ERR_EXPIRED, "the token has expired");
    if (has_nbf && now + leeway < nbf)
        return fail(err, errlen, JWT_ERR_NOT_YET_VALID, "the token is not valid yet (nbf)");
    if (now + leeway < iat)
        return fail(err, errlen, JWT_ERR_NOT_YET_VALID, "the token is issued in the future (iat)");
    return JWT_OK;
}

static jwt_status check_claims(json_object *c, const jwt_verifier *v, int64_t now, jwt_claims *out,
                               char *err, size_t errlen)
{
    static const char *const strings[] = {"iss", "sub", "client_id", "jti"};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        if (!str_claim(c, strings[i])) {
            snprintf(err, errlen, "the claim %s is missing or not a non-empty string", strings[i]);
            return JWT_ERR_CLAIMS;
        }
    }
    json_object *scope = jget(c, "scope");
    if (!scope || !json_object_is_type(scope, json_type_string))
        return fail(err, errlen, JWT_ERR_CLAIMS, "the claim scope is missing or not a string");
    scope_list sl;
    char serr[256];
    if (!scope_parse(json_object_get_string(scope), &sl, serr, sizeof serr)) {
        snprintf(err, errlen, "the claim scope is invalid: %s", serr);
        return JWT_ERR_CLAIMS;
    }
    scope_list_free(&sl);
    json_object *aud = jget(c, "aud");
    if (!aud || !aud_well_formed(aud))
        return fail(err, errlen, JWT_ERR_CLAIMS,
                    "the claim aud is missing or not a string or an array of strings");
    int64_t iat, exp, nbf = 0;
    if (!int_claim(c, "iat", &iat) || !int_claim(c, "exp", &exp))
        return fail(err, errlen, JWT_ERR_CLAIMS,
                    "the claims iat and exp must both be present as whole numbers of seconds");
    bool has_nbf = jget(c, "nbf") != NULL;
    if (has_nbf && !int_claim(c, "nbf", &nbf))
        return fail(err, errlen, JWT_ERR_CLAIMS, "the claim nbf is not a whole number of seconds");
    if (exp <= iat)
        return fail(err, errlen, JWT_ERR_CLAIMS, "the claim exp is not after iat");

    if (strcmp(str_claim(c, "iss"), v->issuer) != 0)
        return fail(err, errlen, JWT_ERR_ISSUER, "the token was issued by another issuer");
    if (!aud_matches(aud, v->audience))
        return fail(err, errlen, JWT_ERR_AUDIENCE,
                    "the token's audience is not this resource (RFC 8707)");
    jwt_status st = check_times(v, now, iat, exp, has_nbf, nbf, err, errlen);
    if (st != JWT_OK)
        return st;

    out->iss = xstrdup(str_claim(c, "iss"));
    out->sub = xstrdup(str_claim(c, "sub"));
    out->client_id = xstrdup(str_claim(c, "client_id"));
    out->jti = xstrdup(str_claim(c, "jti"));
    out->scope = xstrdup(json_object_get_string(scope));
    out->iat = iat;
    out->exp = exp;
    out->nbf = nbf;
    out->has_nbf = has_nbf;
    return JWT_OK;
}

/* ---- the cache of verified tokens ------------------------------------------ */

typedef struct cache_entry {
    bool used;
    uint8_t hash[SHA256_LEN];
    jwt_claims claims;
} cache_entry;

struct jwt_cache {
    cache_entry *e;
    size_t n, next, size, hits;
};

jwt_cache *jwt_cache_new(size_t entries)
{
    jwt_cache *c = xcalloc(1, sizeof *c);
    c->n = entries ? entries : 1;
    c->e = xcalloc(c->n, sizeof *c->e);
    return c;
}

void jwt_cache_free(jwt_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        jwt_claims_free(&c->e[i].claims);
    free(c->e);
    free(c);
}

size_t jwt_cache_size(const jwt_cache *c)
{
    return c ? c->size : 0;
}

size_t jwt_cache_hits(const jwt_cache *c)
{
    return c ? c->hits : 0;
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void copy_claims(jwt_claims *dst, const jwt_claims *src)
{
    *dst = *src;
    dst->iss = dup_or_null(src->iss);
    dst->sub = dup_or_null(src->sub);
    dst->client_id = dup_or_null(src->client_id);
    dst->scope = dup_or_null(src->scope);
    dst->jti = dup_or_null(src->jti);
    dst->kid = dup_or_null(src->kid);
}

static cache_entry *cache_find(jwt_cache *c, const uint8_t hash[SHA256_LEN])
{
    for (size_t i = 0; i < c->n; i++)
        if (c->e[i].used && memcmp(c->e[i].hash, hash, SHA256_LEN) == 0)
            return &c->e[i];
    return NULL;
}

static void cache_put(jwt_cache *c, const uint8_t hash[SHA256_LEN], const jwt_claims *claims)
{
    cache_entry *e = &c->e[c->next];
    c->next = (c->next + 1) % c->n;
    if (e->used)
        jwt_claims_free(&e->claims);
    else
        c->size++;
    e->used = true;
    memcpy(e->hash, hash, SHA256_LEN);
    copy_claims(&e->claims, claims);
}

static jwt_status verify_uncached(const jwt_verifier *v, const char *token, size_t len, int64_t now,
                                  jwt_claims *out, char *err, size_t errlen);

jwt_status jwt_verify(const jwt_verifier *v, const char *token, size_t len, int64_t now,
                      jwt_claims *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!v->cache || len > JWT_MAX_BYTES)
        return verify_uncached(v, token, len, now, out, err, errlen);
    uint8_t hash[SHA256_LEN];
    sha256(token, len, hash);
    cache_entry *e = cache_find(v->cache, hash);
    if (e) {
        const jwt_claims *c = &e->claims;
        jwt_status st = check_times(v, now, c->iat, c->exp, c->has_nbf, c->nbf, err, errlen);
        if (st == JWT_OK) {
            v->cache->hits++;
            copy_claims(out, c);
        }
        return st;
    }
    jwt_status st = verify_uncached(v, token, len, now, out, err, errlen);
    if (st == JWT_OK)
        cache_put(v->cache, hash, out);
    return st;
}

static jwt_status verify_uncached(const jwt_verifier *v, const char *token, size_t len, int64_t now,
                                  jwt_claims *out, char *err, size_t errlen)
{
    if (len > JWT_MAX_BYTES) {
        snprintf(err, errlen, "the token is longer than %d bytes", JWT_MAX_BYTES);
        return JWT_ERR_TOO_LARGE;
    }
    /* header.claims.signature, each non-empty base64url. */
    size_t dots[2], nd = 0;
    for (size_t i = 0; i < len; i++) {
        if (token[i] == '.') {
            if (nd == 2)
                return fail(err, errlen, JWT_ERR_MALFORMED,
                            "the token has more than three parts (a JWE or garbage)");
            dots[nd++] = i;
        } else if (!b64url_char(token[i])) {
            return fail(err, errlen, JWT_ERR_MALFORMED,
                        "the token has a character outside base64url and '.'");
        }
    }
    /* An empty signature is left to the checks below, so that an unsigned
     * "alg":"none" token is refused for its alg. */
    if (nd != 2 || dots[0] == 0 || dots[1] == dots[0] + 1)
        return fail(err, errlen, JWT_ERR_MALFORMED,
                    "the token is not three base64url parts separated by '.'");

    json_object *header = NULL, *claims = NULL;
    const signing_key *key = NULL;
    jwt_status st = decode_json(token, dots[0], "header", &header, err, errlen);
    if (st == JWT_OK)
        st = check_header(header, v, &key, err, errlen);
    json_object_put(header);
    if (st != JWT_OK)
        return st;

    uint8_t *sig = NULL;
    size_t siglen = 0;
    if (!base64url_decode(token + dots[1] + 1, len - dots[1] - 1, &sig, &siglen))
        return fail(err, errlen, JWT_ERR_MALFORMED,
                    "the signature is not valid unpadded base64url");
    bool good = siglen == JWT_ES256_SIG_LEN && jwt_es256_verify(key, token, dots[1], sig, siglen);
    free(sig);
    if (!good)
        return fail(err, errlen, JWT_ERR_SIGNATURE, "the signature does not verify");

    st =
        decode_json(token + dots[0] + 1, dots[1] - dots[0] - 1, "claims set", &claims, err, errlen);
    if (st == JWT_OK)
        st = check_claims(claims, v, now, out, err, errlen);
    json_object_put(claims);
    if (st == JWT_OK)
        out->kid = xstrdup(signing_key_kid(key));
    return st;
}

void jwt_claims_free(jwt_claims *c)
{
    if (!c)
        return;
    free(c->iss);
    free(c->sub);
    free(c->client_id);
    free(c->scope);
    free(c->jti);
    free(c->kid);
    memset(c, 0, sizeof *c);
}

/* ---- issuing ------------------------------------------------------------- */

static const char *const REGISTERED[] = {"iss", "sub", "aud", "client_id", "scope",
                                         "iat", "exp", "nbf", "jti"};

char *jwt_issue(const signing_keys *keys, const jwt_issue_params *p, char jti_out[JWT_JTI_SIZE],
                char *err, size_t errlen)
{
    const signing_key *k = signing_keys_active(keys);
    if (!k) {
        snprintf(err, errlen, "no active signing key to sign the token with");
        return NULL;
    }
    const char *need[] = {p->issuer, p->subject, p->audience, p->client_id};
    const char *names[] = {"issuer", "subject", "audience", "client_id"};
    for (size_t i = 0; i < 4; i++) {
        if (!need[i] || !*need[i] || strlen(need[i]) > MAX_CLAIM_STRING) {
            snprintf(err, errlen, "the %s of a new token must be 1 to %d bytes", names[i],
                     MAX_CLAIM_STRING);
            return NULL;
        }
    }
    scope_list sl;
    char serr[256];
    if (!p->scope || !scope_parse(p->scope, &sl, serr, sizeof serr)) {
        snprintf(err, errlen, "the scope of a new token is invalid: %s",
                 p->scope ? serr : "missing");
        return NULL;
    }
    scope_list_free(&sl);
    if (p->ttl_seconds <= 0 || p->now < 0) {
        snprintf(err, errlen, "a new token needs a positive lifetime and a valid time");
        return NULL;
    }
    if (p->extra && !json_object_is_type(p->extra, json_type_object)) {
        snprintf(err, errlen, "the extra claims of a new token must be a JSON object");
        return NULL;
    }
    for (size_t i = 0; p->extra && i < sizeof REGISTERED / sizeof REGISTERED[0]; i++) {
        if (jget(p->extra, REGISTERED[i])) {
            snprintf(err, errlen, "the extra claims of a new token may not set %s", REGISTERED[i]);
            return NULL;
        }
    }

    char jti[JWT_JTI_SIZE];
    random_hex(jti, 16);
    json_object *h = json_object_new_object();
    jset_str(h, "alg", "ES256");
    jset_str(h, "typ", "at+jwt");
    jset_str(h, "kid", signing_key_kid(k));
    json_object *c = json_object_new_object();
    jset_str(c, "iss", p->issuer);
    jset_str(c, "sub", p->subject);
    jset_str(c, "aud", p->audience);
    jset_str(c, "client_id", p->client_id);
    jset_str(c, "scope", p->scope);
    jset_int(c, "iat", p->now);
    jset_int(c, "exp", p->now + p->ttl_seconds);
    jset_str(c, "jti", jti);
    if (p->extra) {
        json_object_object_foreach(p->extra, name, val)
        {
            jset(c, name, json_object_get(val));
        }
    }
    char *token = jwt_sign_compact(k, json_compact(h), json_compact(c));
    json_object_put(h);
    json_object_put(c);
    if (!token) {
        snprintf(err, errlen, "signing the token failed");
        return NULL;
    }
    if (strlen(token) > JWT_MAX_BYTES) {
        free(token);
        snprintf(err, errlen, "the new token would be longer than %d bytes", JWT_MAX_BYTES);
        return NULL;
    }
    if (jti_out)
        memcpy(jti_out, jti, JWT_JTI_SIZE);
    return token;
}

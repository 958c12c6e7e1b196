/* JWT access tokens (RFC 9068 profile of RFC 7519), signed ES256 (RFC 7518
 * §3.4: ECDSA P-256 with SHA-256, the signature as the raw 64-byte r||s).
 *
 * A token looks like
 *   header  {"alg":"ES256","typ":"at+jwt","kid":"<kid>"}
 *   claims  {"iss":..,"sub":..,"aud":"<MCP URL>","client_id":..,"scope":"query schemas:read",
 *            "iat":..,"exp":..,"jti":..}
 *
 * Verification is strict and never trusts the token to choose how it is
 * checked: alg must be ES256 (none, HS256 and every other value are refused
 * before any key is touched), typ at+jwt, kid a configured key, and the
 * header may carry nothing else. The signature is checked before the claims
 * are parsed. Duplicate JSON member names, in the header or the claims, are
 * refused (json-c would silently keep the last one). Error messages name the
 * failed check and never quote the token or its contents. */
#ifndef DDBSQL_OAUTH_JWT_H
#define DDBSQL_OAUTH_JWT_H

#include "signing_keys.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JWT_MAX_BYTES      8192 /* longer tokens are refused unread */
#define JWT_DEFAULT_LEEWAY 60   /* seconds of clock skew on exp, nbf, iat */
#define JWT_ES256_SIG_LEN  64
#define JWT_JTI_SIZE       33 /* 32 hex chars + NUL */

typedef enum {
    JWT_OK = 0,
    JWT_ERR_TOO_LARGE,     /* over JWT_MAX_BYTES */
    JWT_ERR_MALFORMED,     /* not header.claims.signature of base64url JSON objects */
    JWT_ERR_HEADER,        /* a header parameter other than alg, typ, kid */
    JWT_ERR_ALG,           /* alg is not ES256 */
    JWT_ERR_TYP,           /* typ is not at+jwt */
    JWT_ERR_KID,           /* no kid, or not a configured key */
    JWT_ERR_SIGNATURE,     /* the signature does not verify */
    JWT_ERR_CLAIMS,        /* a required claim is missing or of the wrong type */
    JWT_ERR_ISSUER,        /* iss is not ours */
    JWT_ERR_AUDIENCE,      /* aud does not name this resource */
    JWT_ERR_EXPIRED,       /* exp has passed (beyond the leeway) */
    JWT_ERR_NOT_YET_VALID, /* nbf or iat is in the future (beyond the leeway) */
} jwt_status;

/* A short stable name for logs and tests: "ok", "too_large", "malformed",
 * "bad_header", "bad_alg", "bad_typ", "unknown_kid", "bad_signature",
 * "bad_claims", "wrong_issuer", "wrong_audience", "expired",
 * "not_yet_valid". */
const char *jwt_status_code(jwt_status s);

/* A worker's memory of tokens it has verified, so the ECDSA check runs
 * once per token rather than once per request (a client reuses one token
 * for its whole life). Entries are keyed by the SHA-256 of the whole token
 * and hold its claims; the time checks (exp, nbf, iat) run again on every
 * hit. Only successful verifications are remembered. Bounded: the oldest
 * entry makes room. Not thread-safe (one per worker process). */
typedef struct jwt_cache jwt_cache;
#define JWT_CACHE_DEFAULT_ENTRIES 256

jwt_cache *jwt_cache_new(size_t entries);
void jwt_cache_free(jwt_cache *c);
/* Entries held, and lookups answered from memory (for tests and stats). */
size_t jwt_cache_size(const jwt_cache *c);
size_t jwt_cache_hits(const jwt_cache *c);

/* What a verifier accepts. The keys, issuer and audience must stay the same
 * for the life of a cache used with them. */
typedef struct jwt_verifier {
    const signing_keys *keys;
    const char *issuer;   /* exact match with iss */
    const char *audience; /* must be aud, or one of the aud array */
    int leeway_seconds;
    jwt_cache *cache; /* optional (NULL: verify every time) */
} jwt_verifier;

/* The verified claims (strings malloc'd; free with jwt_claims_free). */
typedef struct jwt_claims {
    char *iss;
    char *sub;
    char *client_id;
    char *scope; /* as in the token, already checked by scope_parse */
    char *jti;
    char *kid; /* the header's key id */
    int64_t iat, exp, nbf;
    bool has_nbf;
} jwt_claims;

/* Verifies token (len bytes, need not be NUL-terminated) at time now (Unix
 * seconds). On JWT_OK fills *out; otherwise *out is zeroed and err says
 * which check failed. */
jwt_status jwt_verify(const jwt_verifier *v, const char *token, size_t len, int64_t now,
                      jwt_claims *out, char *err, size_t errlen);
void jwt_claims_free(jwt_claims *c);

/* What an issued token says. */
typedef struct jwt_issue_params {
    const char *issuer;
    const char *subject;   /* the user, or the client for client_credentials */
    const char *audience;  /* the MCP resource URL (RFC 8707) */
    const char *client_id; /* the client the token was issued to */
    const char *scope;     /* granted scopes, space-separated ("" for none) */
    int64_t now;           /* iat, Unix seconds */
    int ttl_seconds;       /* exp = now + ttl_seconds */
    /* Optional further claims (borrowed, may be NULL), e.g. "auth_time". They
     * may not redefine the claims above; jwt_issue refuses that. */
    json_object *extra;
} jwt_issue_params;

/* Signs a new access token with the active key; a random jti is drawn
 * (16 bytes from the CSPRNG, as 32 hex chars) and copied to jti_out when it
 * is not NULL. Returns the compact token (malloc'd), or NULL with err set
 * (no active key, a missing or invalid parameter). */
char *jwt_issue(const signing_keys *keys, const jwt_issue_params *p, char jti_out[JWT_JTI_SIZE],
                char *err, size_t errlen);

/* ---- the JWS layer, exposed for tests, the fuzzer and tools ------------- */

/* ES256 over data with key k: the raw r||s signature (RFC 7518 §3.4). */
bool jwt_es256_sign(const signing_key *k, const void *data, size_t len,
                    uint8_t sig[JWT_ES256_SIG_LEN]);
/* True when sig (exactly JWT_ES256_SIG_LEN bytes of r||s) verifies. */
bool jwt_es256_verify(const signing_key *k, const void *data, size_t len, const uint8_t *sig,
                      size_t siglen);
/* base64url(header_json).base64url(claims_json).base64url(ES256 signature)
 * for any JSON texts, unchecked: lets tests build hostile tokens that are
 * correctly signed. malloc'd; NULL only if signing fails. */
char *jwt_sign_compact(const signing_key *k, const char *header_json, const char *claims_json);

#endif

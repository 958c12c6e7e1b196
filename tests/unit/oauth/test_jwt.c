/* oauth/jwt: ES256 access tokens. Issuing and verifying, and each way a
 * hostile or broken token is refused (issue 4 §8: wrong audience, expired,
 * alg none, HS256 signed with the public key, bad signature, another
 * issuer, malformed base64, oversized, duplicate JSON members). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oauth/jwt.h"

#include "core/base/alloc.h"
#include "core/base/base64.h"
#include "core/base/json_util.h"
#include "tests/unit/support/oauth_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ISS  "https://ddbsql.example.com"
#define AUD  "https://ddbsql.example.com/mcp"
#define NOW  1700000000LL
#define HDR  "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}"
#define SUB  "alice-the-user"
#define TAIL "\"client_id\":\"cli\",\"scope\":\"query schemas:read\",\"jti\":\"j1\""

static signing_keys *keys;  /* k1 (active), k2 */
static signing_keys *other; /* another issuer's key, also called k1 */
static char *k1_pem;
static jwt_verifier V = {.issuer = ISS, .audience = AUD, .leeway_seconds = 60};
static char err[1024];

static int setup(void **state)
{
    (void)state;
    keys = signing_keys_new();
    other = signing_keys_new();
    k1_pem = tk_pem_new("EC", "P-256");
    char *k2 = tk_pem_new("EC", "P-256"), *o = tk_pem_new("EC", "P-256");
    assert_true(signing_keys_add_pem(keys, "k1", k1_pem, strlen(k1_pem), true, err, sizeof err));
    assert_true(signing_keys_add_pem(keys, "k2", k2, strlen(k2), false, err, sizeof err));
    assert_true(signing_keys_add_pem(other, "k1", o, strlen(o), true, err, sizeof err));
    free(k2);
    free(o);
    V.keys = keys;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    signing_keys_free(keys);
    signing_keys_free(other);
    free(k1_pem);
    return 0;
}

static const signing_key *K(const char *kid)
{
    return signing_keys_find(keys, kid);
}

/* A complete claim set (malloc'd) with the given iss, aud (JSON), iat, exp. */
static char *claims(const char *iss, const char *aud_json, long long iat, long long exp)
{
    char *c = xmalloc(1024);
    snprintf(c, 1024,
             "{\"iss\":\"%s\",\"sub\":\"" SUB "\",\"aud\":%s,\"iat\":%lld,\"exp\":%lld," TAIL "}",
             iss, aud_json, iat, exp);
    return c;
}

static char *good_claims(void)
{
    return claims(ISS, "\"" AUD "\"", NOW - 10, NOW + 600);
}

/* Verifies and checks the outcome; err must never echo the token. */
static jwt_status verify_at(const char *token, int64_t now)
{
    jwt_claims c;
    err[0] = '\0';
    jwt_status st = jwt_verify(&V, token, strlen(token), now, &c, err, sizeof err);
    if (st == JWT_OK) {
        assert_string_equal(c.iss, ISS);
        jwt_claims_free(&c);
    } else {
        assert_null(c.sub);
        assert_null(c.iss);
        assert_true(err[0] != '\0');
        size_t n = strlen(token) < 12 ? strlen(token) : 12;
        char *head = xstrndup(token, n);
        if (n >= 8 && strstr(err, head))
            fail_msg("the message quotes the token: %s", err);
        free(head);
        if (strstr(err, SUB))
            fail_msg("the message quotes a claim: %s", err);
    }
    return st;
}

static jwt_status verify(const char *token)
{
    return verify_at(token, NOW);
}

static void expect(const char *token, jwt_status want)
{
    jwt_status got = verify(token);
    if (got != want)
        fail_msg("got %s (%s), expected %s", jwt_status_code(got), err, jwt_status_code(want));
}

/* Signs header+claims with key k and checks the verdict; frees claims. */
static void expect_signed(const signing_key *k, const char *header, char *claims_json,
                          jwt_status want)
{
    char *t = jwt_sign_compact(k, header, claims_json);
    assert_non_null(t);
    expect(t, want);
    free(t);
    free(claims_json);
}

/* ---- the happy path ---------------------------------------------------- */

static void test_issue_and_verify(void **state)
{
    (void)state;
    jwt_issue_params p = {ISS, "alice", AUD, "client-1", "query schemas:read", NOW, 600, NULL};
    char jti[JWT_JTI_SIZE];
    char *t = jwt_issue(keys, &p, jti, err, sizeof err);
    assert_non_null(t);
    assert_int_equal(strlen(jti), 32);
    assert_int_equal(strspn(jti, "0123456789abcdef"), 32);

    /* The header is exactly what RFC 9068 asks, with the active kid. */
    size_t hlen = strcspn(t, ".");
    uint8_t *raw;
    size_t rawlen;
    assert_true(base64url_decode(t, hlen, &raw, &rawlen));
    assert_string_equal((char *)raw, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}");
    free(raw);
    /* The signature is the raw 64-byte r||s. */
    const char *sig = strrchr(t, '.') + 1;
    assert_true(base64url_decode(sig, strlen(sig), &raw, &rawlen));
    assert_int_equal(rawlen, 64);
    free(raw);

    jwt_claims c;
    assert_int_equal(jwt_verify(&V, t, strlen(t), NOW, &c, err, sizeof err), JWT_OK);
    assert_string_equal(c.iss, ISS);
    assert_string_equal(c.sub, "alice");
    assert_string_equal(c.client_id, "client-1");
    assert_string_equal(c.scope, "query schemas:read");
    assert_string_equal(c.jti, jti);
    assert_string_equal(c.kid, "k1");
    assert_int_equal(c.iat, NOW);
    assert_int_equal(c.exp, NOW + 600);
    assert_false(c.has_nbf);
    jwt_claims_free(&c);
    jwt_claims_free(&c); /* idempotent */

    /* Two tokens never share a jti. */
    char jti2[JWT_JTI_SIZE];
    char *t2 = jwt_issue(keys, &p, jti2, err, sizeof err);
    assert_string_not_equal(jti, jti2);
    assert_string_not_equal(t, t2);
    free(t2);
    free(t);

    /* Extra claims travel; an empty scope is a valid (useless) token. */
    json_object *extra = json_object_new_object();
    jset_int(extra, "auth_time", NOW - 100);
    jwt_issue_params p2 = {ISS, "svc", AUD, "svc", "", NOW, 60, extra};
    t = jwt_issue(keys, &p2, NULL, err, sizeof err);
    assert_non_null(t);
    assert_int_equal(jwt_verify(&V, t, strlen(t), NOW, &c, err, sizeof err), JWT_OK);
    assert_string_equal(c.scope, "");
    jwt_claims_free(&c);
    free(t);
    json_object_put(extra);

    /* nbf, typ application/at+jwt (any case) and an aud array are accepted. */
    char *cl = xmalloc(512);
    snprintf(cl, 512,
             "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":[\"https://other\",\"" AUD "\"],"
             "\"iat\":%lld,\"nbf\":%lld,\"exp\":%lld," TAIL "}",
             NOW, NOW, NOW + 60);
    expect_signed(K("k1"), "{\"alg\":\"ES256\",\"typ\":\"Application/AT+JWT\",\"kid\":\"k1\"}", cl,
                  JWT_OK);
}

static void test_rotation(void **state)
{
    (void)state;
    /* A token signed by a key that no longer signs still verifies. */
    expect_signed(K("k2"), "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k2\"}", good_claims(),
                  JWT_OK);
    /* ...but not under another key's kid. */
    expect_signed(K("k2"), HDR, good_claims(), JWT_ERR_SIGNATURE);
}

static void test_issue_errors(void **state)
{
    (void)state;
    jwt_issue_params p = {ISS, "alice", AUD, "c", "query", NOW, 600, NULL};
    signing_keys *none = signing_keys_new();
    assert_null(jwt_issue(none, &p, NULL, err, sizeof err));
    assert_string_equal(err, "no active signing key to sign the token with");
    signing_keys_free(none);

    jwt_issue_params bad = p;
    bad.subject = "";
    assert_null(jwt_issue(keys, &bad, NULL, err, sizeof err));
    assert_non_null(strstr(err, "the subject of a new token must be"));
    bad = p;
    bad.audience = NULL;
    assert_null(jwt_issue(keys, &bad, NULL, err, sizeof err));
    assert_non_null(strstr(err, "audience"));
    bad = p;
    bad.scope = "query  x";
    assert_null(jwt_issue(keys, &bad, NULL, err, sizeof err));
    assert_non_null(strstr(err, "the scope of a new token is invalid"));
    bad = p;
    bad.ttl_seconds = 0;
    assert_null(jwt_issue(keys, &bad, NULL, err, sizeof err));
    assert_non_null(strstr(err, "positive lifetime"));
    bad = p;
    bad.extra = json_object_new_object();
    jset_str(bad.extra, "sub", "mallory");
    assert_null(jwt_issue(keys, &bad, NULL, err, sizeof err));
    assert_string_equal(err, "the extra claims of a new token may not set sub");
    json_object_put(bad.extra);
    bad.extra = json_object_new_array();
    assert_null(jwt_issue(keys, &bad, NULL, err, sizeof err));
    json_object_put(bad.extra);
}

/* ---- time -------------------------------------------------------------- */

static void test_expiry_and_leeway(void **state)
{
    (void)state;
    jwt_issue_params p = {ISS, "alice", AUD, "c", "query", NOW, 600, NULL};
    char *t = jwt_issue(keys, &p, NULL, err, sizeof err);
    assert_int_equal(verify_at(t, NOW + 600), JWT_OK); /* within the 60 s leeway */
    assert_int_equal(verify_at(t, NOW + 659), JWT_OK); /* the last second */
    assert_int_equal(verify_at(t, NOW + 660), JWT_ERR_EXPIRED);
    assert_string_equal(err, "the token has expired");
    assert_int_equal(verify_at(t, NOW + 86400), JWT_ERR_EXPIRED);
    V.leeway_seconds = 0;
    assert_int_equal(verify_at(t, NOW + 599), JWT_OK);
    assert_int_equal(verify_at(t, NOW + 600), JWT_ERR_EXPIRED);
    /* Issued in the future: refused beyond the leeway. */
    assert_int_equal(verify_at(t, NOW - 1), JWT_ERR_NOT_YET_VALID);
    V.leeway_seconds = 60;
    assert_int_equal(verify_at(t, NOW - 60), JWT_OK);
    assert_int_equal(verify_at(t, NOW - 61), JWT_ERR_NOT_YET_VALID);
    free(t);

    char *cl = xmalloc(512);
    snprintf(cl, 512,
             "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" AUD "\",\"iat\":%lld,\"nbf\":%lld,"
             "\"exp\":%lld," TAIL "}",
             NOW - 100, NOW + 61, NOW + 600);
    expect_signed(K("k1"), HDR, cl, JWT_ERR_NOT_YET_VALID);
    cl = xmalloc(512);
    snprintf(cl, 512,
             "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" AUD "\",\"iat\":%lld,\"nbf\":%lld,"
             "\"exp\":%lld," TAIL "}",
             NOW - 100, NOW + 60, NOW + 600);
    expect_signed(K("k1"), HDR, cl, JWT_OK);
    /* exp not after iat makes no sense. */
    expect_signed(K("k1"), HDR, claims(ISS, "\"" AUD "\"", NOW, NOW), JWT_ERR_CLAIMS);
}

/* ---- issuer and audience ----------------------------------------------- */

static void test_issuer_and_audience(void **state)
{
    (void)state;
    expect_signed(K("k1"), HDR, claims("https://evil.example", "\"" AUD "\"", NOW, NOW + 60),
                  JWT_ERR_ISSUER);
    expect_signed(K("k1"), HDR, claims(ISS "/", "\"" AUD "\"", NOW, NOW + 60), JWT_ERR_ISSUER);
    expect_signed(K("k1"), HDR, claims(ISS, "\"https://other.example/mcp\"", NOW, NOW + 60),
                  JWT_ERR_AUDIENCE);
    expect_signed(K("k1"), HDR, claims(ISS, "\"" AUD "/\"", NOW, NOW + 60), JWT_ERR_AUDIENCE);
    expect_signed(K("k1"), HDR, claims(ISS, "\"HTTPS://ddbsql.example.com/mcp\"", NOW, NOW + 60),
                  JWT_ERR_AUDIENCE);
    expect_signed(K("k1"), HDR, claims(ISS, "[\"https://a\",\"https://b\"]", NOW, NOW + 60),
                  JWT_ERR_AUDIENCE);
    expect_signed(K("k1"), HDR, claims(ISS, "[]", NOW, NOW + 60), JWT_ERR_CLAIMS);
    expect_signed(K("k1"), HDR, claims(ISS, "[\"" AUD "\",7]", NOW, NOW + 60), JWT_ERR_CLAIMS);
    expect_signed(K("k1"), HDR, claims(ISS, "7", NOW, NOW + 60), JWT_ERR_CLAIMS);
    expect_signed(K("k1"), HDR, claims(ISS, "{\"aud\":\"" AUD "\"}", NOW, NOW + 60),
                  JWT_ERR_CLAIMS);
    /* Another issuer's key with a kid we also use: the signature fails. */
    char *cl = good_claims();
    char *t = jwt_sign_compact(signing_keys_find(other, "k1"), HDR, cl);
    expect(t, JWT_ERR_SIGNATURE);
    free(t);
    /* ...and with a kid we do not have: unknown kid. */
    t = jwt_sign_compact(signing_keys_find(other, "k1"),
                         "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"theirs\"}", cl);
    expect(t, JWT_ERR_KID);
    free(t);
    free(cl);
}

/* ---- algorithm confusion ----------------------------------------------- */

static void test_alg_none_and_hmac(void **state)
{
    (void)state;
    char *cl = good_claims();
    static const char *const none_headers[] = {
        "{\"alg\":\"none\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}",
        "{\"alg\":\"None\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}",
        "{\"alg\":\"NONE\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}",
        "{\"typ\":\"at+jwt\",\"kid\":\"k1\"}",
        "{\"alg\":null,\"typ\":\"at+jwt\",\"kid\":\"k1\"}",
        "{\"alg\":\"es256\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}",
        "{\"alg\":[\"ES256\"],\"typ\":\"at+jwt\",\"kid\":\"k1\"}",
        "{\"alg\":\"ES384\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}",
        "{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}",
        "{\"alg\":\"PS256\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}",
        "{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}",
    };
    for (size_t i = 0; i < sizeof none_headers / sizeof none_headers[0]; i++) {
        /* Unsigned, as alg none would have it... */
        char *t = tk_token(none_headers[i], cl, "");
        expect(t, JWT_ERR_ALG);
        assert_non_null(strstr(err, "alg is not ES256"));
        free(t);
        /* ...and carrying a genuine ES256 signature over the same input. */
        t = jwt_sign_compact(K("k1"), none_headers[i], cl);
        expect(t, JWT_ERR_ALG);
        free(t);
    }
    /* HS256 "signed" with the public key, in every form it is published. */
    char *pub_pem = tk_public_pem(k1_pem);
    json_object *jwk = signing_key_jwk(K("k1"));
    const char *jwk_text = json_compact(jwk);
    const char *hs[] = {"{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}",
                        "{\"alg\":\"HS384\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}",
                        "{\"alg\":\"HS512\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}"};
    for (size_t i = 0; i < 3; i++) {
        char *t = tk_hs256(hs[i], cl, pub_pem, strlen(pub_pem));
        expect(t, JWT_ERR_ALG);
        free(t);
        t = tk_hs256(hs[i], cl, jwk_text, strlen(jwk_text));
        expect(t, JWT_ERR_ALG);
        free(t);
    }
    json_object_put(jwk);
    free(pub_pem);
    free(cl);
}

/* ---- signatures ------------------------------------------------------- */

static void test_bad_signatures(void **state)
{
    (void)state;
    char *cl = good_claims();
    char *t = jwt_sign_compact(K("k1"), HDR, cl);
    expect(t, JWT_OK);
    char *sig = strrchr(t, '.') + 1;

    /* Every byte of the signature matters (flip one bit of each char). */
    for (size_t i = 0; i + 1 < strlen(sig); i += 7) {
        char *bad = xstrdup(t);
        char *s = strrchr(bad, '.') + 1;
        s[i] = s[i] == 'A' ? 'B' : 'A';
        expect(bad, JWT_ERR_SIGNATURE);
        free(bad);
    }
    /* Claims changed after signing. */
    char *cl2 = claims(ISS, "\"" AUD "\"", NOW - 10, NOW + 6000);
    char *c2 = tk_b64(cl2);
    char *h = tk_b64(HDR);
    char swapped[2048];
    snprintf(swapped, sizeof swapped, "%s.%s.%s", h, c2, sig);
    expect(swapped, JWT_ERR_SIGNATURE);
    /* Empty, short, long, all-zero and DER-encoded signatures. */
    uint8_t raw[80];
    memset(raw, 0, sizeof raw);
    static const size_t lens[] = {0, 1, 63, 65, 72};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        char *s = base64url_encode(raw, lens[i]);
        char *bad = tk_token(HDR, cl, s);
        expect(bad, JWT_ERR_SIGNATURE);
        free(bad);
        free(s);
    }
    char *zero = base64url_encode(raw, 64);
    char *bad = tk_token(HDR, cl, zero);
    expect(bad, JWT_ERR_SIGNATURE);
    free(bad);
    free(zero);
    uint8_t *rs;
    size_t rslen;
    assert_true(base64url_decode(sig, strlen(sig), &rs, &rslen));
    uint8_t der[72];
    size_t dl = 0;
    der[dl++] = 0x30;
    der[dl++] = 68;
    der[dl++] = 0x02;
    der[dl++] = 32;
    memcpy(der + dl, rs, 32);
    dl += 32;
    der[dl++] = 0x02;
    der[dl++] = 32;
    memcpy(der + dl, rs + 32, 32);
    dl += 32;
    char *ders = base64url_encode(der, dl);
    bad = tk_token(HDR, cl, ders);
    expect(bad, JWT_ERR_SIGNATURE);
    free(bad);
    free(ders);
    /* The low-level check refuses any length but 64. */
    assert_false(jwt_es256_verify(K("k1"), "x", 1, rs, 63));
    assert_false(jwt_es256_verify(NULL, "x", 1, rs, 64));
    uint8_t mine[JWT_ES256_SIG_LEN];
    assert_true(jwt_es256_sign(K("k2"), "data", 4, mine));
    assert_true(jwt_es256_verify(K("k2"), "data", 4, mine, sizeof mine));
    assert_false(jwt_es256_verify(K("k1"), "data", 4, mine, sizeof mine));
    assert_false(jwt_es256_verify(K("k2"), "datA", 4, mine, sizeof mine));
    free(rs);
    free(h);
    free(c2);
    free(cl2);
    free(cl);
    free(t);
}

/* ---- shape ------------------------------------------------------------- */

static void test_malformed(void **state)
{
    (void)state;
    char *cl = good_claims();
    char *t = jwt_sign_compact(K("k1"), HDR, cl);
    size_t n = strlen(t);
    const char *d1 = strchr(t, '.'), *d2 = strrchr(t, '.');
    char buf[4096];

    static const char *const junk[] = {
        "",        ".",      "..",     "...",         "a.b",
        "a.b.c.d", "a..c",   ".b.c",   "not a token", "eyJhbGciOiJFUzI1NiJ9",
        "a.b.c\n", " a.b.c", "a.b.c=",
    };
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++)
        expect(junk[i], JWT_ERR_MALFORMED);

    /* Padding, the standard alphabet, and stray bytes in each part. */
    snprintf(buf, sizeof buf, "%.*s=%s", (int)(d1 - t), t, d1);
    expect(buf, JWT_ERR_MALFORMED);
    snprintf(buf, sizeof buf, "%.*s=%s", (int)(d2 - t), t, d2);
    expect(buf, JWT_ERR_MALFORMED);
    snprintf(buf, sizeof buf, "%s=", t);
    expect(buf, JWT_ERR_MALFORMED);
    snprintf(buf, sizeof buf, "%s", t);
    buf[2] = '+';
    expect(buf, JWT_ERR_MALFORMED);
    buf[2] = '/';
    expect(buf, JWT_ERR_MALFORMED);
    snprintf(buf, sizeof buf, "%s", t);
    buf[(size_t)(d1 - t) + 3] = '%';
    expect(buf, JWT_ERR_MALFORMED);
    /* An embedded NUL: the length says where the token ends, not the NUL. */
    memcpy(buf, t, n);
    buf[5] = '\0';
    jwt_claims c;
    assert_int_equal(jwt_verify(&V, buf, n, NOW, &c, err, sizeof err), JWT_ERR_MALFORMED);

    /* Base64url that decodes with non-zero trailing bits (non-canonical). */
    char *h = tk_b64(HDR);
    size_t hl = strlen(h);
    assert_true(hl % 4 != 0);
    h[hl - 1] = h[hl - 1] == 'Q' ? 'R' : (char)(h[hl - 1] + 1);
    snprintf(buf, sizeof buf, "%s%s", h, d1);
    expect(buf, JWT_ERR_MALFORMED);
    free(h);
    /* A header of 1 mod 4 characters cannot be base64 at all. */
    snprintf(buf, sizeof buf, "eyJhb%s", d1);
    expect(buf, JWT_ERR_MALFORMED);

    /* Parts that are not JSON objects. */
    static const char *const not_objects[] = {
        "[1,2]", "\"s\"", "null", "{", "{\"a\":1,}", "{'alg':'ES256'}", "{\"alg\":\"ES256\"} x",
        ""};
    for (size_t i = 0; i < sizeof not_objects / sizeof not_objects[0]; i++) {
        char *bad = jwt_sign_compact(K("k1"), not_objects[i], cl);
        if (not_objects[i][0] == '\0') {
            expect(bad, JWT_ERR_MALFORMED); /* an empty header part */
        } else {
            expect(bad, JWT_ERR_MALFORMED);
            assert_string_equal(err, "the header is not a JSON object");
        }
        free(bad);
        bad = jwt_sign_compact(K("k1"), HDR, not_objects[i]);
        expect(bad, JWT_ERR_MALFORMED);
        free(bad);
    }
    /* Invalid UTF-8 inside a claim. */
    char *bad = jwt_sign_compact(K("k1"), HDR, "{\"iss\":\"\xff\"}");
    expect(bad, JWT_ERR_MALFORMED);
    free(bad);
    free(t);
    free(cl);
}

static void test_size_cap(void **state)
{
    (void)state;
    /* A validly signed token whose padding claim pushes it over 8 KiB. */
    char *pad = xmalloc(7000);
    memset(pad, 'p', 6999);
    pad[6999] = '\0';
    char *cl = xmalloc(8000);
    snprintf(cl, 8000,
             "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" AUD "\",\"iat\":%lld,\"exp\":%lld,"
             "\"pad\":\"%s\"," TAIL "}",
             NOW, NOW + 60, pad);
    char *t = jwt_sign_compact(K("k1"), HDR, cl);
    assert_true(strlen(t) > JWT_MAX_BYTES);
    expect(t, JWT_ERR_TOO_LARGE);
    assert_string_equal(err, "the token is longer than 8192 bytes");
    free(t);
    free(cl);
    /* Just under the cap is read (and fails for what it is). */
    char *big = xmalloc(JWT_MAX_BYTES + 2);
    memset(big, 'A', JWT_MAX_BYTES + 1);
    big[JWT_MAX_BYTES + 1] = '\0';
    expect(big, JWT_ERR_TOO_LARGE);
    big[JWT_MAX_BYTES] = '\0';
    expect(big, JWT_ERR_MALFORMED);
    free(big);
    /* jwt_issue refuses to make a token over the cap. */
    json_object *extra = json_object_new_object();
    jset_str(extra, "pad", pad);
    jwt_issue_params p = {ISS, "s", AUD, "c", "query", NOW, 60, extra};
    assert_null(jwt_issue(keys, &p, NULL, err, sizeof err));
    assert_non_null(strstr(err, "longer than 8192 bytes"));
    json_object_put(extra);
    free(pad);
}

static void test_duplicate_members(void **state)
{
    (void)state;
    char *cl = good_claims();
    static const char *const dup_headers[] = {
        "{\"alg\":\"ES256\",\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}",
        "{\"alg\":\"none\",\"typ\":\"at+jwt\",\"kid\":\"k1\",\"alg\":\"ES256\"}",
        "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\",\"\\u0061lg\":\"ES256\"}",
        "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"zz\",\"kid\":\"k1\"}",
    };
    for (size_t i = 0; i < sizeof dup_headers / sizeof dup_headers[0]; i++) {
        char *t = jwt_sign_compact(K("k1"), dup_headers[i], cl);
        expect(t, JWT_ERR_MALFORMED);
        assert_string_equal(err, "the header has a duplicate member name");
        free(t);
    }
    char *dup_claims[4];
    dup_claims[0] = xmalloc(512);
    snprintf(dup_claims[0], 512,
             "{\"iss\":\"" ISS
             "\",\"sub\":\"s\",\"aud\":\"https://evil\",\"iat\":%lld,\"exp\":%lld,"
             "\"aud\":\"" AUD "\"," TAIL "}",
             NOW, NOW + 60);
    dup_claims[1] = xmalloc(512);
    snprintf(dup_claims[1], 512,
             "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" AUD "\",\"iat\":%lld,\"exp\":%lld,"
             "\"exp\":%lld," TAIL "}",
             NOW, NOW + 60, NOW + 999999);
    dup_claims[2] = xmalloc(512);
    snprintf(dup_claims[2], 512,
             "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" AUD "\",\"iat\":%lld,\"exp\":%lld,"
             "\"sc\\u006fpe\":\"admin\"," TAIL "}",
             NOW, NOW + 60);
    /* Nested, inside an extra claim. */
    dup_claims[3] = xmalloc(512);
    snprintf(dup_claims[3], 512,
             "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" AUD "\",\"iat\":%lld,\"exp\":%lld,"
             "\"x\":[{\"a\":1,\"a\":2}]," TAIL "}",
             NOW, NOW + 60);
    for (size_t i = 0; i < 4; i++) {
        char *t = jwt_sign_compact(K("k1"), HDR, dup_claims[i]);
        expect(t, JWT_ERR_MALFORMED);
        assert_string_equal(err, "the claims set has a duplicate member name");
        free(t);
        free(dup_claims[i]);
    }
    /* No false alarm from ':' and escaped quotes inside strings. */
    char *tricky = xmalloc(512);
    snprintf(tricky, 512,
             "{\"iss\":\"" ISS "\",\"sub\":\"a\\\":b\\\\\",\"aud\":\"" AUD "\",\"iat\":%lld,"
             "\"exp\":%lld,\"k:\\\"\":{\"u:v\":[\":\",{\"w\":\":\"}]}," TAIL "}",
             NOW, NOW + 60);
    expect_signed(K("k1"), HDR, tricky, JWT_OK);
    free(cl);
}

static void test_header_rules(void **state)
{
    (void)state;
    char *cl = good_claims();
    static const struct {
        const char *header;
        jwt_status want;
    } cases[] = {
        {"{\"alg\":\"ES256\",\"kid\":\"k1\"}", JWT_ERR_TYP},
        {"{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"k1\"}", JWT_ERR_TYP},
        {"{\"alg\":\"ES256\",\"typ\":\"at+jwt \",\"kid\":\"k1\"}", JWT_ERR_TYP},
        {"{\"alg\":\"ES256\",\"typ\":\"application/jwt\",\"kid\":\"k1\"}", JWT_ERR_TYP},
        {"{\"alg\":\"ES256\",\"typ\":1,\"kid\":\"k1\"}", JWT_ERR_TYP},
        {"{\"alg\":\"ES256\",\"typ\":\"at+jwt\"}", JWT_ERR_KID},
        {"{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k3\"}", JWT_ERR_KID},
        {"{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"K1\"}", JWT_ERR_KID},
        {"{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":1}", JWT_ERR_KID},
        {"{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\",\"crit\":[\"exp\"]}",
         JWT_ERR_HEADER},
        {"{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\",\"jku\":\"https://evil/jwks\"}",
         JWT_ERR_HEADER},
        {"{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\",\"jwk\":{\"kty\":\"EC\"}}",
         JWT_ERR_HEADER},
        {"{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\",\"x5u\":\"https://evil\"}",
         JWT_ERR_HEADER},
        {"{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\",\"cty\":\"JWT\"}", JWT_ERR_HEADER},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *t = jwt_sign_compact(K("k1"), cases[i].header, cl);
        jwt_status got = verify(t);
        if (got != cases[i].want)
            fail_msg("%s: got %s, expected %s", cases[i].header, jwt_status_code(got),
                     jwt_status_code(cases[i].want));
        free(t);
    }
    free(cl);
}

static void test_claim_rules(void **state)
{
    (void)state;
    static const char *const bad[] = {
        /* each lacks or mistypes one required claim */
        "{\"sub\":\"s\",\"aud\":\"" AUD "\",\"iat\":1700000000,\"exp\":1700000600," TAIL "}",
        "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"iat\":1700000000,\"exp\":1700000600," TAIL "}",
        "{\"iss\":\"" ISS "\",\"sub\":\"\",\"aud\":\"" AUD
        "\",\"iat\":1700000000,\"exp\":1700000600," TAIL "}",
        "{\"iss\":\"" ISS "\",\"sub\":7,\"aud\":\"" AUD
        "\",\"iat\":1700000000,\"exp\":1700000600," TAIL "}",
        "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"iat\":1700000000,\"exp\":1700000600," TAIL "}",
        "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" AUD "\",\"exp\":1700000600," TAIL "}",
        "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" AUD "\",\"iat\":1700000000," TAIL "}",
        "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" AUD
        "\",\"iat\":\"1700000000\",\"exp\":1700000600," TAIL "}",
        "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" AUD
        "\",\"iat\":1700000000,\"exp\":1700000600.5," TAIL "}",
        "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" AUD "\",\"iat\":-5,\"exp\":1700000600," TAIL
        "}",
        "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" AUD
        "\",\"iat\":1700000000,\"exp\":1700000600,\"nbf\":true," TAIL "}",
        "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" AUD
        "\",\"iat\":1700000000,\"exp\":1700000600,\"client_id\":\"c\",\"jti\":\"j\"}",
        "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" AUD
        "\",\"iat\":1700000000,\"exp\":1700000600,\"client_id\":\"c\",\"scope\":\"q\"}",
        "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" AUD
        "\",\"iat\":1700000000,\"exp\":1700000600,\"scope\":\"q\",\"jti\":\"j\"}",
        "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" AUD
        "\",\"iat\":1700000000,\"exp\":1700000600,\"client_id\":\"c\",\"scope\":\"a  b\","
        "\"jti\":\"j\"}",
        "{\"iss\":\"" ISS "\",\"sub\":\"s\",\"aud\":\"" AUD
        "\",\"iat\":1700000000,\"exp\":1700000600,\"client_id\":\"c\",\"scope\":[\"query\"],"
        "\"jti\":\"j\"}",
        "{\"iss\":\"" ISS "\",\"sub\":\"s\\u0000x\",\"aud\":\"" AUD
        "\",\"iat\":1700000000,\"exp\":1700000600," TAIL "}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *t = jwt_sign_compact(K("k1"), HDR, bad[i]);
        jwt_status got = verify(t);
        if (got != JWT_ERR_CLAIMS)
            fail_msg("case %zu: got %s (%s)", i, jwt_status_code(got), err);
        free(t);
    }
}

static void test_cache(void **state)
{
    (void)state;
    jwt_cache *cache = jwt_cache_new(4);
    jwt_verifier cv = V;
    cv.cache = cache;
    jwt_issue_params p = {ISS, "alice", AUD, "cli", "query", NOW, 600, NULL};
    char *t = jwt_issue(keys, &p, NULL, err, sizeof err);
    jwt_claims c;
    assert_int_equal(jwt_verify(&cv, t, strlen(t), NOW, &c, err, sizeof err), JWT_OK);
    jwt_claims_free(&c);
    assert_int_equal(jwt_cache_size(cache), 1);
    assert_int_equal(jwt_cache_hits(cache), 0);
    /* The same token from another buffer is a hit, with the same claims. */
    char *copy = xstrdup(t);
    assert_int_equal(jwt_verify(&cv, copy, strlen(copy), NOW + 1, &c, err, sizeof err), JWT_OK);
    assert_int_equal(jwt_cache_hits(cache), 1);
    assert_string_equal(c.sub, "alice");
    assert_string_equal(c.client_id, "cli");
    assert_string_equal(c.scope, "query");
    assert_string_equal(c.kid, "k1");
    assert_int_equal(c.exp, NOW + 600);
    jwt_claims_free(&c);
    /* Time still counts on a hit. */
    assert_int_equal(jwt_verify(&cv, copy, strlen(copy), NOW + 660, &c, err, sizeof err),
                     JWT_ERR_EXPIRED);
    assert_null(c.sub);
    assert_int_equal(jwt_verify(&cv, copy, strlen(copy), NOW - 61, &c, err, sizeof err),
                     JWT_ERR_NOT_YET_VALID);
    assert_int_equal(jwt_cache_hits(cache), 1);
    /* A tampered copy is another token: fully checked, and refused. */
    char *sig = strrchr(copy, '.') + 5;
    *sig = *sig == 'A' ? 'B' : 'A';
    assert_int_equal(jwt_verify(&cv, copy, strlen(copy), NOW, &c, err, sizeof err),
                     JWT_ERR_SIGNATURE);
    /* Refusals are not remembered; a prefix of a cached token is no hit. */
    assert_int_equal(jwt_verify(&cv, t, strlen(t) - 1, NOW, &c, err, sizeof err),
                     JWT_ERR_MALFORMED);
    assert_int_equal(jwt_cache_size(cache), 1);
    /* Bounded: many tokens never hold more than the entries. */
    for (int i = 0; i < 10; i++) {
        char *u = jwt_issue(keys, &p, NULL, err, sizeof err);
        assert_int_equal(jwt_verify(&cv, u, strlen(u), NOW, &c, err, sizeof err), JWT_OK);
        jwt_claims_free(&c);
        free(u);
    }
    assert_int_equal(jwt_cache_size(cache), 4);
    free(copy);
    free(t);
    jwt_cache_free(cache);
    jwt_cache_free(NULL);
    jwt_cache *one = jwt_cache_new(0);
    assert_int_equal(jwt_cache_size(one), 0);
    jwt_cache_free(one);
    assert_int_equal(jwt_cache_size(NULL), 0);
    assert_int_equal(jwt_cache_hits(NULL), 0);
}

static void test_status_codes(void **state)
{
    (void)state;
    assert_string_equal(jwt_status_code(JWT_OK), "ok");
    assert_string_equal(jwt_status_code(JWT_ERR_EXPIRED), "expired");
    assert_string_equal(jwt_status_code(JWT_ERR_ALG), "bad_alg");
    assert_string_equal(jwt_status_code(JWT_ERR_AUDIENCE), "wrong_audience");
    assert_string_equal(jwt_status_code(JWT_ERR_ISSUER), "wrong_issuer");
    assert_string_equal(jwt_status_code(JWT_ERR_SIGNATURE), "bad_signature");
    assert_string_equal(jwt_status_code(JWT_ERR_TOO_LARGE), "too_large");
    assert_string_equal(jwt_status_code((jwt_status)99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_issue_and_verify),
        cmocka_unit_test(test_rotation),
        cmocka_unit_test(test_issue_errors),
        cmocka_unit_test(test_expiry_and_leeway),
        cmocka_unit_test(test_issuer_and_audience),
        cmocka_unit_test(test_alg_none_and_hmac),
        cmocka_unit_test(test_bad_signatures),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_size_cap),
        cmocka_unit_test(test_duplicate_members),
        cmocka_unit_test(test_header_rules),
        cmocka_unit_test(test_claim_rules),
        cmocka_unit_test(test_cache),
        cmocka_unit_test(test_status_codes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

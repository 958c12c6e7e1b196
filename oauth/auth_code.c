#include "auth_code.h"

#include "../core/base/alloc.h"
#include "../core/base/base64.h"
#include "../core/base/crypto.h"
#include "../core/base/secure.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CODE_BYTES 32
#define KEY_MAX    512

/* KEYS: code. ARGV: field/value pairs..., ttl (last). */
static const char ISSUE_LUA[] = "local n = #ARGV\n"
                                "redis.call('HSET', KEYS[1], unpack(ARGV, 1, n - 1))\n"
                                "redis.call('EXPIRE', KEYS[1], ARGV[n])\n"
                                "return 1\n";

/* KEYS: code, tombstone. ARGV: the family id reserved for the code, the
 * tombstone's ttl. A tombstone means "redeemed": REPLAYED, with the family
 * to revoke. Else the grant is read, deleted and replaced by the tombstone
 * in one step, so of two concurrent redemptions exactly one wins. */
static const char CONSUME_LUA[] = "local used = redis.call('GET', KEYS[2])\n"
                                  "if used then return {'replayed', used} end\n"
                                  "local g = redis.call('HGETALL', KEYS[1])\n"
                                  "if #g == 0 then return {'unknown'} end\n"
                                  "redis.call('DEL', KEYS[1])\n"
                                  "redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])\n"
                                  "return {'ok', ARGV[1], unpack(g)}\n";

/* The fields of a grant as stored (names short: there are many codes). */
static const char *const FIELD_NAMES[] = {"cid", "ruri", "chal", "scope", "res", "user"};
static const char *const FIELD_SHOWN[] = {"client_id", "redirect_uri", "code_challenge",
                                          "scope",     "resource",     "user"};
#define NFIELDS 6

static char **field_slot(auth_code_grant *g, size_t i)
{
    char **slots[NFIELDS] = {&g->client_id, &g->redirect_uri, &g->code_challenge,
                             &g->scope,     &g->resource,     &g->user};
    return slots[i];
}

static const char *field_value(const auth_code_grant *g, size_t i)
{
    const char *v[NFIELDS] = {g->client_id, g->redirect_uri, g->code_challenge,
                              g->scope,     g->resource,     g->user};
    return v[i];
}

/* The Redis names of a code: from the SHA-256 of its 32 bytes. */
static void code_keys(redis_store *r, const uint8_t raw[CODE_BYTES], char *code_key, char *used_key)
{
    uint8_t h[SHA256_LEN];
    char hex[2 * SHA256_LEN + 1];
    sha256(raw, CODE_BYTES, h);
    hex_encode(h, sizeof h, hex);
    snprintf(code_key, KEY_MAX, "%scode:%s", redis_store_prefix(r), hex);
    snprintf(used_key, KEY_MAX, "%scode-used:%s", redis_store_prefix(r), hex);
}

/* The 32 bytes of a well-formed code (43 base64url characters). */
static bool code_decode(const char *code, uint8_t out[CODE_BYTES])
{
    if (!code || strnlen(code, AUTH_CODE_LEN + 1) != AUTH_CODE_LEN)
        return false;
    uint8_t *dec;
    size_t n;
    if (!base64url_decode(code, AUTH_CODE_LEN, &dec, &n))
        return false;
    bool ok = n == CODE_BYTES;
    if (ok)
        memcpy(out, dec, CODE_BYTES);
    secure_wipe(dec, n);
    free(dec);
    return ok;
}

char *auth_code_issue(redis_store *r, const auth_code_grant *g, char *err, size_t errlen)
{
    for (size_t i = 0; i < NFIELDS; i++) {
        const char *v = field_value(g, i);
        size_t n = v ? strnlen(v, AUTH_CODE_FIELD_MAX + 1) : 0;
        if (n == 0 || n > AUTH_CODE_FIELD_MAX) {
            snprintf(err, errlen, "an authorization code needs a %s of 1 to %d bytes",
                     FIELD_SHOWN[i], AUTH_CODE_FIELD_MAX);
            return NULL;
        }
    }
    if (g->auth_time <= 0) {
        snprintf(err, errlen, "an authorization code needs the time of the sign-in");
        return NULL;
    }
    uint8_t raw[CODE_BYTES];
    random_bytes(raw, sizeof raw);
    char code_key[KEY_MAX], used_key[KEY_MAX];
    code_keys(r, raw, code_key, used_key);

    char at[24], ttl[16];
    snprintf(at, sizeof at, "%" PRId64, g->auth_time);
    snprintf(ttl, sizeof ttl, "%d", AUTH_CODE_TTL);
    const char *argv[4 + 2 * NFIELDS + 3];
    int argc = 0;
    argv[argc++] = "EVAL";
    argv[argc++] = ISSUE_LUA;
    argv[argc++] = "1";
    argv[argc++] = code_key;
    for (size_t i = 0; i < NFIELDS; i++) {
        argv[argc++] = FIELD_NAMES[i];
        argv[argc++] = field_value(g, i);
    }
    argv[argc++] = "at";
    argv[argc++] = at;
    argv[argc++] = ttl;
    /* A retry rewrites the same hash. */
    redisReply *rep = redis_store_cmd(r, true, argc, argv, NULL, err, errlen);
    if (!rep) {
        secure_wipe(raw, sizeof raw);
        return NULL;
    }
    freeReplyObject(rep);
    char *code = base64url_encode(raw, sizeof raw);
    secure_wipe(raw, sizeof raw);
    return code;
}

static bool family_ok(const char *s, size_t n)
{
    if (n != AUTH_CODE_FAMILY_LEN)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static bool parse_i64(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end)
        return false;
    *out = v;
    return true;
}

/* Fills *out from the script's {'ok', family, field, value, ...}. */
static bool fill_grant(const redisReply *rep, auth_code_grant *out)
{
    if (rep->element[1]->type != REDIS_REPLY_STRING ||
        !family_ok(rep->element[1]->str, rep->element[1]->len))
        return false;
    memcpy(out->family, rep->element[1]->str, AUTH_CODE_FAMILY_LEN);
    out->family[AUTH_CODE_FAMILY_LEN] = '\0';
    bool have_at = false;
    for (size_t i = 2; i + 1 < rep->elements; i += 2) {
        const redisReply *k = rep->element[i], *v = rep->element[i + 1];
        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
            return false;
        if (strcmp(k->str, "at") == 0) {
            have_at = parse_i64(v->str, &out->auth_time);
            continue;
        }
        for (size_t f = 0; f < NFIELDS; f++) {
            char **slot = field_slot(out, f);
            if (strcmp(k->str, FIELD_NAMES[f]) == 0 && !*slot)
                *slot = xstrndup(v->str, v->len);
        }
    }
    for (size_t f = 0; f < NFIELDS; f++)
        if (!*field_slot(out, f))
            return false;
    return have_at;
}

auth_code_status auth_code_consume(redis_store *r, const char *code, auth_code_grant *out,
                                   char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    uint8_t raw[CODE_BYTES];
    if (!code_decode(code, raw)) {
        snprintf(err, errlen, "the authorization code is malformed");
        return AUTH_CODE_UNKNOWN;
    }
    char code_key[KEY_MAX], used_key[KEY_MAX];
    code_keys(r, raw, code_key, used_key);
    secure_wipe(raw, sizeof raw);

    char family[AUTH_CODE_FAMILY_LEN + 1], ttl[16];
    random_hex(family, AUTH_CODE_FAMILY_LEN / 2);
    snprintf(ttl, sizeof ttl, "%d", AUTH_CODE_TOMBSTONE_TTL);
    const char *argv[] = {"EVAL", CONSUME_LUA, "2", code_key, used_key, family, ttl};
    /* redis_store retries only on a connection that broke before any reply
       (a Redis restart since the last command). Should the first attempt
       have run after all, the retry sees the tombstone: REPLAYED, the same
       outcome as the client retrying after a 503, so retrying costs nothing
       and spares the first request after a restart a spurious 503. */
    redisReply *rep = redis_store_cmd(r, true, 7, argv, NULL, err, errlen);
    if (!rep)
        return AUTH_CODE_STORE_DOWN;
    auth_code_status st = AUTH_CODE_STORE_DOWN;
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements >= 1 &&
        rep->element[0]->type == REDIS_REPLY_STRING) {
        const char *what = rep->element[0]->str;
        if (strcmp(what, "unknown") == 0) {
            snprintf(err, errlen, "the authorization code is unknown or expired");
            st = AUTH_CODE_UNKNOWN;
        } else if (strcmp(what, "replayed") == 0 && rep->elements == 2 &&
                   rep->element[1]->type == REDIS_REPLY_STRING) {
            snprintf(err, errlen, "the authorization code was already used");
            if (family_ok(rep->element[1]->str, rep->element[1]->len)) {
                memcpy(out->family, rep->element[1]->str, AUTH_CODE_FAMILY_LEN);
                out->family[AUTH_CODE_FAMILY_LEN] = '\0';
            }
            st = AUTH_CODE_REPLAYED;
        } else if (strcmp(what, "ok") == 0 && rep->elements >= 2 && fill_grant(rep, out)) {
            st = AUTH_CODE_OK;
        }
    }
    if (st == AUTH_CODE_STORE_DOWN) {
        auth_code_grant_free(out);
        snprintf(err, errlen, "unexpected reply from Redis to the authorization code script");
    }
    freeReplyObject(rep);
    return st;
}

void auth_code_grant_free(auth_code_grant *g)
{
    if (!g)
        return;
    for (size_t f = 0; f < NFIELDS; f++) {
        free(*field_slot(g, f));
        *field_slot(g, f) = NULL;
    }
    secure_wipe(g, sizeof *g);
}

#include "refresh_token.h"

#include "../core/base/alloc.h"
#include "../core/base/base64.h"
#include "../core/base/crypto.h"
#include "../core/base/secure.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_BYTES 32
#define HASH_HEX    (2 * SHA256_LEN)
#define KEY_MAX     512
#define PRE_MAX     256 /* a key prefix; Redis key_prefix is far shorter */
#define GCM_IV      12
#define GCM_TAG     16
#define GRACE_LABEL "ddbsql refresh grace v1"

/* KEYS: family, token, user index, client index. ARGV: cid, user, scope,
 * res, at, exp, token hash, token exp, family ttl, token ttl, family id,
 * family key prefix. A taken id (a revoked marker) is refused: 0. The
 * indexes drop families that ended meanwhile, so they stay as small as the
 * live ones. */
static const char CREATE_LUA[] =
    "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end\n"
    "redis.call('HSET', KEYS[1], 'st', 'a', 'cid', ARGV[1], 'user', ARGV[2], 'scope', ARGV[3],"
    " 'res', ARGV[4], 'at', ARGV[5], 'exp', ARGV[6], 'cur', ARGV[7], 'g', '0')\n"
    "redis.call('EXPIRE', KEYS[1], ARGV[9])\n"
    "redis.call('HSET', KEYS[2], 'fam', ARGV[11], 'exp', ARGV[8])\n"
    "redis.call('EXPIRE', KEYS[2], ARGV[10])\n"
    "for i = 3, 4 do\n"
    "  for _, f in ipairs(redis.call('SMEMBERS', KEYS[i])) do\n"
    "    if redis.call('EXISTS', ARGV[12] .. f) == 0 then redis.call('SREM', KEYS[i], f) end\n"
    "  end\n"
    "  redis.call('SADD', KEYS[i], ARGV[11])\n"
    "  if redis.call('TTL', KEYS[i]) < tonumber(ARGV[9]) then\n"
    "    redis.call('EXPIRE', KEYS[i], ARGV[9])\n"
    "  end\n"
    "end\n"
    "return 1\n";

/* KEYS: token. ARGV: family key prefix. {'ok', family, token exp,
 * family fields...} or {'unknown'}. */
static const char PEEK_LUA[] =
    "local fam = redis.call('HGET', KEYS[1], 'fam')\n"
    "if not fam then return {'unknown'} end\n"
    "local f = redis.call('HGETALL', ARGV[1] .. fam)\n"
    "if #f == 0 then return {'unknown'} end\n"
    "return {'ok', fam, redis.call('HGET', KEYS[1], 'exp'), unpack(f)}\n";

/* KEYS: the presented token. ARGV: 1 family key prefix, 2 token key prefix,
 * 3 presented hash, 4 successor hash, 5 client_id, 6 now, 7 token ttl,
 * 8 grace seconds, 9 the successor encrypted for the grace.
 * The live token is retired and its successor made live; a retired token
 * gets the grace (once per family, while its successor is unused) or
 * revokes the family. Replies {'ok'|'grace', family, blob, family fields...}
 * or {status}. */
static const char ROTATE_LUA[] =
    "local fam = redis.call('HGET', KEYS[1], 'fam')\n"
    "if not fam then return {'unknown'} end\n"
    "local fkey = ARGV[1] .. fam\n"
    "local f = redis.call('HMGET', fkey, 'st', 'cid', 'exp', 'cur', 'prev', 'g')\n"
    "if not f[1] then return {'unknown'} end\n"
    "if f[1] ~= 'a' then return {'revoked'} end\n"
    "local now = tonumber(ARGV[6])\n"
    "local fexp = tonumber(f[3])\n"
    "if fexp <= now then return {'expired'} end\n"
    "if f[2] ~= ARGV[5] then return {'wrong_client'} end\n"
    "if f[4] == ARGV[3] then\n"
    "  if tonumber(redis.call('HGET', KEYS[1], 'exp')) <= now then return {'expired'} end\n"
    "  if f[5] then redis.call('HDEL', ARGV[2] .. f[5], 'gb') end\n"
    "  redis.call('HSET', KEYS[1], 'succ', ARGV[4], 'rat', ARGV[6], 'gb', ARGV[9])\n"
    "  redis.call('EXPIRE', KEYS[1], fexp - now)\n"
    "  local nexp = math.min(now + tonumber(ARGV[7]), fexp)\n"
    "  local nkey = ARGV[2] .. ARGV[4]\n"
    "  redis.call('HSET', nkey, 'fam', fam, 'exp', nexp)\n"
    "  redis.call('EXPIRE', nkey, nexp - now)\n"
    "  redis.call('HSET', fkey, 'cur', ARGV[4], 'prev', ARGV[3])\n"
    "  return {'ok', fam, '', unpack(redis.call('HGETALL', fkey))}\n"
    "end\n"
    "local t = redis.call('HMGET', KEYS[1], 'succ', 'rat', 'gb')\n"
    "if t[1] and t[1] == f[4] and t[3] and f[6] ~= '1'\n"
    "   and now - tonumber(t[2]) <= tonumber(ARGV[8]) then\n"
    "  redis.call('HSET', fkey, 'g', '1')\n"
    "  return {'grace', fam, t[3], unpack(redis.call('HGETALL', fkey))}\n"
    "end\n"
    "redis.call('HSET', fkey, 'st', 'r')\n"
    "return {'reused', fam}\n";

/* KEYS: family. ARGV: marker ttl. Returns 1 when an active family ended. */
static const char REVOKE_FAMILY_LUA[] = "if redis.call('EXISTS', KEYS[1]) == 1 then\n"
                                        "  local was = redis.call('HGET', KEYS[1], 'st')\n"
                                        "  redis.call('HSET', KEYS[1], 'st', 'r')\n"
                                        "  if was == 'a' then return 1 end\n"
                                        "  return 0\n"
                                        "end\n"
                                        "redis.call('HSET', KEYS[1], 'st', 'r')\n"
                                        "redis.call('EXPIRE', KEYS[1], ARGV[1])\n"
                                        "return 0\n";

/* KEYS: token. ARGV: family key prefix, client_id. */
static const char REVOKE_TOKEN_LUA[] = "local fam = redis.call('HGET', KEYS[1], 'fam')\n"
                                       "if not fam then return 'unknown' end\n"
                                       "local fkey = ARGV[1] .. fam\n"
                                       "local f = redis.call('HMGET', fkey, 'st', 'cid')\n"
                                       "if not f[1] then return 'unknown' end\n"
                                       "if f[2] ~= ARGV[2] then return 'wrong_client' end\n"
                                       "redis.call('HSET', fkey, 'st', 'r')\n"
                                       "return 'ok'\n";

/* KEYS: a user or client index. ARGV: family key prefix. Returns the
 * active families revoked. */
static const char REVOKE_SET_LUA[] = "local n = 0\n"
                                     "for _, f in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
                                     "  local k = ARGV[1] .. f\n"
                                     "  if redis.call('HGET', k, 'st') == 'a' then\n"
                                     "    redis.call('HSET', k, 'st', 'r')\n"
                                     "    n = n + 1\n"
                                     "  end\n"
                                     "end\n"
                                     "redis.call('DEL', KEYS[1])\n"
                                     "return n\n";

const char *refresh_status_code(refresh_status s)
{
    switch (s) {
    case REFRESH_OK:
        return "ok";
    case REFRESH_GRACE:
        return "grace";
    case REFRESH_UNKNOWN:
        return "unknown";
    case REFRESH_EXPIRED:
        return "expired";
    case REFRESH_REVOKED:
        return "revoked";
    case REFRESH_REUSED:
        return "reused";
    case REFRESH_WRONG_CLIENT:
        return "wrong_client";
    case REFRESH_EXISTS:
        return "exists";
    case REFRESH_BAD_INPUT:
        return "bad_input";
    case REFRESH_STORE_DOWN:
        break;
    }
    return "store_down";
}

/* ---- names ------------------------------------------------------------------ */

static void hash_hex(const void *data, size_t len, char out[HASH_HEX + 1])
{
    uint8_t h[SHA256_LEN];
    sha256(data, len, h);
    hex_encode(h, sizeof h, out);
}

static void family_prefix(redis_store *r, char *out)
{
    snprintf(out, PRE_MAX, "%srtf:", redis_store_prefix(r));
}

static void token_prefix(redis_store *r, char *out)
{
    snprintf(out, PRE_MAX, "%srt:", redis_store_prefix(r));
}

static void index_key(redis_store *r, const char *kind, const char *name, char *out)
{
    char hex[HASH_HEX + 1];
    hash_hex(name, strlen(name), hex);
    snprintf(out, KEY_MAX, "%srtf-%s:%s", redis_store_prefix(r), kind, hex);
}

/* The 32 bytes of a well-formed token (43 base64url characters). */
static bool token_decode(const char *tok, uint8_t out[TOKEN_BYTES])
{
    if (!tok || strnlen(tok, REFRESH_TOKEN_LEN + 1) != REFRESH_TOKEN_LEN)
        return false;
    uint8_t *dec;
    size_t n;
    if (!base64url_decode(tok, REFRESH_TOKEN_LEN, &dec, &n))
        return false;
    bool ok = n == TOKEN_BYTES;
    if (ok)
        memcpy(out, dec, TOKEN_BYTES);
    secure_wipe(dec, n);
    free(dec);
    return ok;
}

static void token_encode(const uint8_t raw[TOKEN_BYTES], char out[REFRESH_TOKEN_LEN + 1])
{
    char *enc = base64url_encode(raw, TOKEN_BYTES);
    memcpy(out, enc, REFRESH_TOKEN_LEN + 1);
    secure_free_str(enc);
}

static bool family_valid(const char *s)
{
    if (!s || strlen(s) != REFRESH_FAMILY_LEN)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

/* ---- the grace's encryption ---------------------------------------------------- */

/* AES-256-GCM under HMAC-SHA-256(old token, label): only a holder of the
 * old token can recover its successor from Redis. */
static void grace_key(const uint8_t old[TOKEN_BYTES], uint8_t key[SHA256_LEN])
{
    hmac_sha256(old, TOKEN_BYTES, GRACE_LABEL, strlen(GRACE_LABEL), key);
}

/* base64url(iv || ciphertext || tag) of the successor (malloc'd). */
static char *grace_seal(const uint8_t old[TOKEN_BYTES], const uint8_t succ[TOKEN_BYTES])
{
    uint8_t key[SHA256_LEN], blob[GCM_IV + TOKEN_BYTES + GCM_TAG];
    grace_key(old, key);
    random_bytes(blob, GCM_IV);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c)
        die_oom(0);
    int n = 0, fin = 0;
    bool ok =
        EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, blob) == 1 &&
        EVP_EncryptUpdate(c, blob + GCM_IV, &n, succ, TOKEN_BYTES) == 1 && n == TOKEN_BYTES &&
        EVP_EncryptFinal_ex(c, blob + GCM_IV + n, &fin) == 1 &&
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, GCM_TAG, blob + GCM_IV + TOKEN_BYTES) == 1;
    EVP_CIPHER_CTX_free(c);
    secure_wipe(key, sizeof key);
    char *out = ok ? base64url_encode(blob, sizeof blob) : xstrdup("");
    secure_wipe(blob, sizeof blob);
    return out;
}

static bool grace_open(const uint8_t old[TOKEN_BYTES], const char *b64, size_t len,
                       uint8_t succ[TOKEN_BYTES])
{
    uint8_t *blob;
    size_t n;
    if (!base64url_decode(b64, len, &blob, &n))
        return false;
    bool ok = false;
    if (n == GCM_IV + TOKEN_BYTES + GCM_TAG) {
        uint8_t key[SHA256_LEN];
        grace_key(old, key);
        EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
        if (!c)
            die_oom(0);
        int outl = 0, fin = 0;
        ok = EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, blob) == 1 &&
             EVP_DecryptUpdate(c, succ, &outl, blob + GCM_IV, TOKEN_BYTES) == 1 &&
             outl == TOKEN_BYTES &&
             EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, GCM_TAG, blob + GCM_IV + TOKEN_BYTES) ==
                 1 &&
             EVP_DecryptFinal_ex(c, succ + outl, &fin) == 1;
        EVP_CIPHER_CTX_free(c);
        secure_wipe(key, sizeof key);
    }
    secure_wipe(blob, n);
    free(blob);
    if (!ok)
        secure_wipe(succ, TOKEN_BYTES);
    return ok;
}

/* ---- replies ---------------------------------------------------------------------- */

static bool parse_i64(const char *s, int64_t *out)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

static bool is_str(const redisReply *e)
{
    return e && e->type == REDIS_REPLY_STRING && strlen(e->str) == e->len;
}

/* The family fields of a reply from element `from` on (name/value pairs)
 * into *out, with *state set to the st field ('a' or 'r'). False when the
 * entry is damaged or is a bare revocation marker. */
static bool fill_grant(const redisReply *rep, size_t from, const char *family, refresh_grant *out,
                       char *state)
{
    memset(out, 0, sizeof *out);
    snprintf(out->family, sizeof out->family, "%s", family);
    const char *st = NULL, *at = NULL, *exp = NULL;
    for (size_t i = from; i + 1 < rep->elements; i += 2) {
        const redisReply *k = rep->element[i], *v = rep->element[i + 1];
        if (!is_str(k) || !is_str(v))
            return false;
        if (!strcmp(k->str, "st"))
            st = v->str;
        else if (!strcmp(k->str, "cid") && !out->client_id)
            out->client_id = xstrdup(v->str);
        else if (!strcmp(k->str, "user") && !out->user)
            out->user = xstrdup(v->str);
        else if (!strcmp(k->str, "scope") && !out->scope)
            out->scope = xstrdup(v->str);
        else if (!strcmp(k->str, "res") && !out->resource)
            out->resource = xstrdup(v->str);
        else if (!strcmp(k->str, "at"))
            at = v->str;
        else if (!strcmp(k->str, "exp"))
            exp = v->str;
    }
    if (!st || (st[0] != 'a' && st[0] != 'r') || st[1])
        return false;
    *state = st[0];
    return out->client_id && out->user && out->scope && out->resource &&
           parse_i64(at, &out->auth_time) && parse_i64(exp, &out->expires);
}

static refresh_status bad_reply(char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "unexpected reply from Redis to the refresh token %s script", what);
    return REFRESH_STORE_DOWN;
}

/* Runs a script; NULL (STORE_DOWN, err set) when Redis fails. */
static redisReply *eval(redis_store *r, bool idempotent, const char *script, int nkeys,
                        const char **keys, int nargs, const char **args, char *err, size_t errlen)
{
    const char *argv[24];
    char nk[8];
    snprintf(nk, sizeof nk, "%d", nkeys);
    int argc = 0;
    argv[argc++] = "EVAL";
    argv[argc++] = script;
    argv[argc++] = nk;
    for (int i = 0; i < nkeys; i++)
        argv[argc++] = keys[i];
    for (int i = 0; i < nargs; i++)
        argv[argc++] = args[i];
    return redis_store_cmd(r, idempotent, argc, argv, NULL, err, errlen);
}

/* ---- the operations ---------------------------------------------------------------- */

void refresh_grant_free(refresh_grant *g)
{
    if (!g)
        return;
    free(g->client_id);
    free(g->user);
    free(g->scope);
    free(g->resource);
    secure_wipe(g, sizeof *g);
}

static bool field_ok(const char *name, const char *v, char *err, size_t errlen)
{
    size_t n = v ? strnlen(v, REFRESH_FIELD_MAX + 1) : 0;
    if (n == 0 || n > REFRESH_FIELD_MAX) {
        snprintf(err, errlen, "a refresh token family needs a %s of 1 to %d bytes", name,
                 REFRESH_FIELD_MAX);
        return false;
    }
    return true;
}

refresh_status refresh_family_create(redis_store *r, const refresh_grant *g, int token_ttl,
                                     int64_t now, char token[REFRESH_TOKEN_LEN + 1], char *err,
                                     size_t errlen)
{
    token[0] = '\0';
    if (!family_valid(g->family)) {
        snprintf(err, errlen, "a refresh token family id must be %d lowercase hex characters",
                 REFRESH_FAMILY_LEN);
        return REFRESH_BAD_INPUT;
    }
    if (!field_ok("client_id", g->client_id, err, errlen) ||
        !field_ok("user", g->user, err, errlen) || !field_ok("resource", g->resource, err, errlen))
        return REFRESH_BAD_INPUT;
    if (!g->scope || strlen(g->scope) > REFRESH_FIELD_MAX) {
        snprintf(err, errlen, "a refresh token family needs a scope of at most %d bytes",
                 REFRESH_FIELD_MAX);
        return REFRESH_BAD_INPUT;
    }
    if (token_ttl < 1 || g->expires <= now) {
        snprintf(err, errlen, "a refresh token must live at least a second, within its session");
        return REFRESH_BAD_INPUT;
    }
    uint8_t raw[TOKEN_BYTES];
    random_bytes(raw, sizeof raw);
    char hash[HASH_HEX + 1];
    hash_hex(raw, sizeof raw, hash);

    int64_t texp = now + token_ttl < g->expires ? now + token_ttl : g->expires;
    char fkey[KEY_MAX], tkey[KEY_MAX], ukey[KEY_MAX], ckey[KEY_MAX], fpre[PRE_MAX];
    family_prefix(r, fpre);
    snprintf(fkey, sizeof fkey, "%s%s", fpre, g->family);
    token_prefix(r, tkey);
    strncat(tkey, hash, sizeof tkey - strlen(tkey) - 1);
    index_key(r, "user", g->user, ukey);
    index_key(r, "client", g->client_id, ckey);
    char at[24], exp[24], tex[24], fttl[24], tttl[24];
    snprintf(at, sizeof at, "%" PRId64, g->auth_time);
    snprintf(exp, sizeof exp, "%" PRId64, g->expires);
    snprintf(tex, sizeof tex, "%" PRId64, texp);
    snprintf(fttl, sizeof fttl, "%" PRId64, g->expires - now);
    snprintf(tttl, sizeof tttl, "%" PRId64, texp - now);
    const char *keys[] = {fkey, tkey, ukey, ckey};
    const char *args[] = {g->client_id, g->user, g->scope, g->resource, at,        exp,
                          hash,         tex,     fttl,     tttl,        g->family, fpre};
    redisReply *rep = eval(r, true, CREATE_LUA, 4, keys, 12, args, err, errlen);
    if (!rep) {
        secure_wipe(raw, sizeof raw);
        return REFRESH_STORE_DOWN;
    }
    refresh_status st = REFRESH_STORE_DOWN;
    if (rep->type == REDIS_REPLY_INTEGER && rep->integer == 1) {
        token_encode(raw, token);
        st = REFRESH_OK;
    } else if (rep->type == REDIS_REPLY_INTEGER && rep->integer == 0) {
        snprintf(err, errlen, "the token family was revoked before it began (a replayed code)");
        st = REFRESH_EXISTS;
    } else {
        bad_reply(err, errlen, "create");
    }
    freeReplyObject(rep);
    secure_wipe(raw, sizeof raw);
    return st;
}

/* The state of a family's grant at time now: OK, EXPIRED or REVOKED. */
static refresh_status grant_state(char state, const refresh_grant *g, int64_t now, char *err,
                                  size_t errlen)
{
    if (state != 'a') {
        snprintf(err, errlen, "the refresh token was revoked");
        return REFRESH_REVOKED;
    }
    if (g->expires <= now) {
        snprintf(err, errlen, "the session of this refresh token has ended; sign in again");
        return REFRESH_EXPIRED;
    }
    return REFRESH_OK;
}

refresh_status refresh_token_peek(redis_store *r, const char *token, int64_t now,
                                  refresh_grant *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    uint8_t raw[TOKEN_BYTES];
    if (!token_decode(token, raw)) {
        snprintf(err, errlen, "the refresh token is malformed");
        return REFRESH_UNKNOWN;
    }
    char hash[HASH_HEX + 1], tkey[KEY_MAX], fpre[PRE_MAX];
    hash_hex(raw, sizeof raw, hash);
    secure_wipe(raw, sizeof raw);
    token_prefix(r, tkey);
    strncat(tkey, hash, sizeof tkey - strlen(tkey) - 1);
    family_prefix(r, fpre);
    const char *keys[] = {tkey};
    const char *args[] = {fpre};
    redisReply *rep = eval(r, true, PEEK_LUA, 1, keys, 1, args, err, errlen);
    if (!rep)
        return REFRESH_STORE_DOWN;
    refresh_status st;
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 1 || !is_str(rep->element[0])) {
        st = bad_reply(err, errlen, "lookup");
    } else if (!strcmp(rep->element[0]->str, "unknown")) {
        snprintf(err, errlen, "the refresh token is unknown or expired");
        st = REFRESH_UNKNOWN;
    } else {
        char state = 0;
        int64_t texp = 0;
        if (rep->elements < 3 || !is_str(rep->element[1]) || !is_str(rep->element[2]) ||
            !parse_i64(rep->element[2]->str, &texp) ||
            !fill_grant(rep, 3, rep->element[1]->str, out, &state)) {
            refresh_grant_free(out);
            snprintf(err, errlen, "the refresh token is unknown or expired");
            st = REFRESH_UNKNOWN; /* a damaged entry counts as none */
        } else {
            st = grant_state(state, out, now, err, errlen);
            /* A retired token's own end does not matter: using it is a reuse. */
            if (st == REFRESH_OK && texp <= now) {
                snprintf(err, errlen, "the refresh token has expired");
                st = REFRESH_EXPIRED;
            }
        }
    }
    if (st != REFRESH_OK)
        refresh_grant_free(out);
    freeReplyObject(rep);
    return st;
}

refresh_status refresh_token_rotate(redis_store *r, const char *token, const char *client_id,
                                    int token_ttl, int64_t now, refresh_grant *out,
                                    char new_token[REFRESH_TOKEN_LEN + 1], char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    new_token[0] = '\0';
    uint8_t old[TOKEN_BYTES], succ[TOKEN_BYTES];
    if (!token_decode(token, old)) {
        snprintf(err, errlen, "the refresh token is malformed");
        return REFRESH_UNKNOWN;
    }
    if (token_ttl < 1 || !client_id) {
        secure_wipe(old, sizeof old);
        snprintf(err, errlen, "a refresh needs a client and a token lifetime");
        return REFRESH_BAD_INPUT;
    }
    random_bytes(succ, sizeof succ);
    char old_hash[HASH_HEX + 1], new_hash[HASH_HEX + 1];
    hash_hex(old, sizeof old, old_hash);
    hash_hex(succ, sizeof succ, new_hash);
    char *blob = grace_seal(old, succ);

    char okey[KEY_MAX], fpre[PRE_MAX], tpre[PRE_MAX];
    family_prefix(r, fpre);
    token_prefix(r, tpre);
    snprintf(okey, sizeof okey, "%s%s", tpre, old_hash);
    char snow[24], sttl[16], sgrace[16];
    snprintf(snow, sizeof snow, "%" PRId64, now);
    snprintf(sttl, sizeof sttl, "%d", token_ttl);
    snprintf(sgrace, sizeof sgrace, "%d", REFRESH_GRACE_SECONDS);
    const char *keys[] = {okey};
    const char *args[] = {fpre, tpre, old_hash, new_hash, client_id, snow, sttl, sgrace, blob};
    /* A retry (redis_store's, on a connection that broke before any reply)
       of a rotation that had run after all finds the token retired with an
       unused successor: the grace, exactly as when the client itself retries
       after a lost answer. */
    redisReply *rep = eval(r, true, ROTATE_LUA, 1, keys, 9, args, err, errlen);
    free(blob);
    if (!rep) {
        secure_wipe(old, sizeof old);
        secure_wipe(succ, sizeof succ);
        return REFRESH_STORE_DOWN;
    }
    refresh_status st;
    const char *what =
        rep->type == REDIS_REPLY_ARRAY && rep->elements >= 1 && is_str(rep->element[0])
            ? rep->element[0]->str
            : "";
    if (!strcmp(what, "ok") || !strcmp(what, "grace")) {
        bool grace = what[0] == 'g';
        char state = 0;
        if (rep->elements < 3 || !is_str(rep->element[1]) || !is_str(rep->element[2]) ||
            !fill_grant(rep, 3, rep->element[1]->str, out, &state)) {
            st = bad_reply(err, errlen, "rotation");
        } else if (grace && !grace_open(old, rep->element[2]->str, rep->element[2]->len, succ)) {
            /* Cannot happen unless Redis was tampered with: refuse. */
            snprintf(err, errlen, "the refresh token was already used");
            st = REFRESH_REUSED;
        } else {
            token_encode(succ, new_token);
            st = grace ? REFRESH_GRACE : REFRESH_OK;
        }
    } else if (!strcmp(what, "unknown")) {
        snprintf(err, errlen, "the refresh token is unknown or expired");
        st = REFRESH_UNKNOWN;
    } else if (!strcmp(what, "revoked")) {
        snprintf(err, errlen, "the refresh token was revoked");
        st = REFRESH_REVOKED;
    } else if (!strcmp(what, "expired")) {
        snprintf(err, errlen, "the refresh token or its session has expired");
        st = REFRESH_EXPIRED;
    } else if (!strcmp(what, "wrong_client")) {
        snprintf(err, errlen, "the refresh token was issued to another client");
        st = REFRESH_WRONG_CLIENT;
    } else if (!strcmp(what, "reused")) {
        snprintf(err, errlen,
                 "the refresh token was already used; every token of this sign-in is now "
                 "revoked (reuse of a rotated token)");
        st = REFRESH_REUSED;
    } else {
        st = bad_reply(err, errlen, "rotation");
    }
    if (st != REFRESH_OK && st != REFRESH_GRACE)
        refresh_grant_free(out);
    freeReplyObject(rep);
    secure_wipe(old, sizeof old);
    secure_wipe(succ, sizeof succ);
    return st;
}

refresh_status refresh_family_revoke(redis_store *r, const char *family, char *err, size_t errlen)
{
    if (!family_valid(family)) {
        snprintf(err, errlen, "a refresh token family id must be %d lowercase hex characters",
                 REFRESH_FAMILY_LEN);
        return REFRESH_BAD_INPUT;
    }
    char fkey[KEY_MAX], ttl[16];
    family_prefix(r, fkey);
    strncat(fkey, family, sizeof fkey - strlen(fkey) - 1);
    snprintf(ttl, sizeof ttl, "%d", REFRESH_REVOKED_MARKER_TTL);
    const char *keys[] = {fkey};
    const char *args[] = {ttl};
    redisReply *rep = eval(r, true, REVOKE_FAMILY_LUA, 1, keys, 1, args, err, errlen);
    if (!rep)
        return REFRESH_STORE_DOWN;
    refresh_status st =
        rep->type == REDIS_REPLY_INTEGER ? REFRESH_OK : bad_reply(err, errlen, "revocation");
    freeReplyObject(rep);
    return st;
}

refresh_status refresh_token_revoke(redis_store *r, const char *token, const char *client_id,
                                    char *err, size_t errlen)
{
    uint8_t raw[TOKEN_BYTES];
    if (!token_decode(token, raw))
        return REFRESH_OK; /* RFC 7009 §2.2: an invalid token is no error */
    char hash[HASH_HEX + 1], tkey[KEY_MAX], fpre[PRE_MAX];
    hash_hex(raw, sizeof raw, hash);
    secure_wipe(raw, sizeof raw);
    token_prefix(r, tkey);
    strncat(tkey, hash, sizeof tkey - strlen(tkey) - 1);
    family_prefix(r, fpre);
    const char *keys[] = {tkey};
    const char *args[] = {fpre, client_id ? client_id : ""};
    redisReply *rep = eval(r, true, REVOKE_TOKEN_LUA, 1, keys, 2, args, err, errlen);
    if (!rep)
        return REFRESH_STORE_DOWN;
    refresh_status st;
    if (rep->type != REDIS_REPLY_STATUS && !is_str(rep))
        st = bad_reply(err, errlen, "revocation");
    else if (!strcmp(rep->str, "wrong_client")) {
        snprintf(err, errlen, "the refresh token was issued to another client");
        st = REFRESH_WRONG_CLIENT;
    } else
        st = REFRESH_OK;
    freeReplyObject(rep);
    return st;
}

static refresh_status revoke_set(redis_store *r, const char *kind, const char *name, size_t *count,
                                 char *err, size_t errlen)
{
    if (count)
        *count = 0;
    if (!name || !*name) {
        snprintf(err, errlen, "no %s was named", kind);
        return REFRESH_BAD_INPUT;
    }
    char ikey[KEY_MAX], fpre[PRE_MAX];
    index_key(r, kind, name, ikey);
    family_prefix(r, fpre);
    const char *keys[] = {ikey};
    const char *args[] = {fpre};
    redisReply *rep = eval(r, true, REVOKE_SET_LUA, 1, keys, 1, args, err, errlen);
    if (!rep)
        return REFRESH_STORE_DOWN;
    refresh_status st = REFRESH_OK;
    if (rep->type != REDIS_REPLY_INTEGER)
        st = bad_reply(err, errlen, "revocation");
    else if (count)
        *count = (size_t)rep->integer;
    freeReplyObject(rep);
    return st;
}

refresh_status refresh_revoke_user(redis_store *r, const char *user, size_t *count, char *err,
                                   size_t errlen)
{
    return revoke_set(r, "user", user, count, err, errlen);
}

refresh_status refresh_revoke_client(redis_store *r, const char *client_id, size_t *count,
                                     char *err, size_t errlen)
{
    return revoke_set(r, "client", client_id, count, err, errlen);
}

#include "authz_pending.h"

#include "../core/base/alloc.h"
#include "../core/base/base64.h"
#include "../core/base/crypto.h"
#include "../core/base/secure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ID_BYTES 32
#define KEY_MAX  256

/* HSET and EXPIRE together, so no pending request can outlive its TTL. */
static const char CREATE_LUA[] =
    "redis.call('HSET', KEYS[1], 'client_id', ARGV[1], 'redirect_uri', ARGV[2], 'state', ARGV[3],"
    " 'code_challenge', ARGV[4], 'scope', ARGV[5], 'resource', ARGV[6], 'session', ARGV[7])\n"
    "redis.call('EXPIRE', KEYS[1], ARGV[8])\n"
    "return 1\n";

/* Only an existing request is rebound (HSET alone would recreate an expired
 * one without a TTL). */
static const char REBIND_LUA[] = "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end\n"
                                 "redis.call('HSET', KEYS[1], 'session', ARGV[1])\n"
                                 "return 1\n";

/* The Redis key of a well-formed id; false for anything else. */
static bool key_of(redis_store *r, const char *id, char key[KEY_MAX])
{
    if (!id || strnlen(id, AUTHZ_ID_LEN + 1) != AUTHZ_ID_LEN)
        return false;
    uint8_t *dec;
    size_t n;
    if (!base64url_decode(id, AUTHZ_ID_LEN, &dec, &n))
        return false;
    bool ok = n == ID_BYTES;
    uint8_t h[SHA256_LEN];
    char hex[2 * SHA256_LEN + 1];
    if (ok) {
        sha256(dec, n, h);
        hex_encode(h, sizeof h, hex);
        snprintf(key, KEY_MAX, "%sauthz:%s", redis_store_prefix(r), hex);
    }
    secure_wipe(dec, n);
    free(dec);
    return ok;
}

static authz_status eval_int(redis_store *r, int argc, const char **argv, long long *n, char *err,
                             size_t errlen)
{
    redisReply *rep = redis_store_cmd(r, true, argc, argv, NULL, err, errlen);
    if (!rep)
        return AUTHZ_STORE_ERROR;
    bool ok = rep->type == REDIS_REPLY_INTEGER;
    if (ok)
        *n = rep->integer;
    freeReplyObject(rep);
    if (!ok) {
        snprintf(err, errlen, "unexpected reply from Redis for a pending authorization request");
        return AUTHZ_STORE_ERROR;
    }
    return AUTHZ_OK;
}

authz_status authz_pending_create(redis_store *r, const authz_pending *p, char id[AUTHZ_ID_LEN + 1],
                                  char *err, size_t errlen)
{
    id[0] = '\0';
    uint8_t raw[ID_BYTES];
    random_bytes(raw, sizeof raw);
    char *enc = base64url_encode(raw, sizeof raw);
    secure_wipe(raw, sizeof raw);
    char key[KEY_MAX];
    if (!key_of(r, enc, key)) { /* cannot happen: a fresh id is well-formed */
        free(enc);
        snprintf(err, errlen, "could not make a pending request id");
        return AUTHZ_STORE_ERROR;
    }
    char ttl[16];
    snprintf(ttl, sizeof ttl, "%d", AUTHZ_PENDING_TTL);
    const char *argv[] = {"EVAL",
                          CREATE_LUA,
                          "1",
                          key,
                          p->client_id,
                          p->redirect_uri,
                          p->state ? p->state : "",
                          p->code_challenge,
                          p->scope,
                          p->resource,
                          p->session,
                          ttl};
    long long n = 0;
    authz_status st = eval_int(r, (int)(sizeof argv / sizeof *argv), argv, &n, err, errlen);
    if (st == AUTHZ_OK)
        memcpy(id, enc, AUTHZ_ID_LEN + 1);
    free(enc);
    return st;
}

static char **field_slot(authz_pending *p, const char *name)
{
    if (!strcmp(name, "client_id"))
        return &p->client_id;
    if (!strcmp(name, "redirect_uri"))
        return &p->redirect_uri;
    if (!strcmp(name, "state"))
        return &p->state;
    if (!strcmp(name, "code_challenge"))
        return &p->code_challenge;
    if (!strcmp(name, "scope"))
        return &p->scope;
    if (!strcmp(name, "resource"))
        return &p->resource;
    return NULL;
}

authz_status authz_pending_load(redis_store *r, const char *id, authz_pending *out, char *err,
                                size_t errlen)
{
    memset(out, 0, sizeof *out);
    char key[KEY_MAX];
    if (!key_of(r, id, key))
        return AUTHZ_NONE;
    const char *argv[] = {"HGETALL", key};
    redisReply *rep = redis_store_cmd(r, true, 2, argv, NULL, err, errlen);
    if (!rep)
        return AUTHZ_STORE_ERROR;
    if (rep->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(rep);
        snprintf(err, errlen, "unexpected reply from Redis for a pending authorization request");
        return AUTHZ_STORE_ERROR;
    }
    bool have_session = false;
    for (size_t i = 0; i + 1 < rep->elements; i += 2) {
        redisReply *k = rep->element[i], *v = rep->element[i + 1];
        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
            continue;
        if (!strcmp(k->str, "session")) {
            have_session = v->len == LOGIN_HANDLE_LEN;
            if (have_session)
                memcpy(out->session, v->str, LOGIN_HANDLE_LEN + 1);
            continue;
        }
        char **slot = field_slot(out, k->str);
        if (slot && !*slot)
            *slot = xstrndup(v->str, v->len);
    }
    freeReplyObject(rep);
    /* Every field, or it is not one of ours (or it expired mid-read). */
    if (!have_session || !out->client_id || !out->redirect_uri || !out->state ||
        !out->code_challenge || !out->scope || !out->resource) {
        authz_pending_free(out);
        return AUTHZ_NONE;
    }
    return AUTHZ_OK;
}

authz_status authz_pending_rebind(redis_store *r, const char *id,
                                  const char session[LOGIN_HANDLE_LEN + 1], char *err,
                                  size_t errlen)
{
    char key[KEY_MAX];
    if (!key_of(r, id, key))
        return AUTHZ_NONE;
    const char *argv[] = {"EVAL", REBIND_LUA, "1", key, session};
    long long n = 0;
    authz_status st = eval_int(r, 5, argv, &n, err, errlen);
    if (st != AUTHZ_OK)
        return st;
    return n == 1 ? AUTHZ_OK : AUTHZ_NONE;
}

authz_status authz_pending_take(redis_store *r, const char *id, char *err, size_t errlen)
{
    char key[KEY_MAX];
    if (!key_of(r, id, key))
        return AUTHZ_NONE;
    const char *argv[] = {"DEL", key};
    long long n = 0;
    authz_status st = eval_int(r, 2, argv, &n, err, errlen);
    if (st != AUTHZ_OK)
        return st;
    return n == 1 ? AUTHZ_OK : AUTHZ_NONE;
}

void authz_pending_free(authz_pending *p)
{
    if (!p)
        return;
    free(p->client_id);
    free(p->redirect_uri);
    free(p->state);
    free(p->code_challenge);
    free(p->scope);
    free(p->resource);
    memset(p, 0, sizeof *p);
}

#include "dcr.h"

#include "rate_limit.h"

#include "../core/base/alloc.h"
#include "../core/base/buf.h"
#include "../core/base/crypto.h"
#include "../core/base/json_util.h"
#include "../core/base/secure.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static dcr_status fail(dcr_status st, char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static dcr_status fail(dcr_status st, char *why, size_t whylen, const char *fmt, ...)
{
    if (why && whylen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return st;
}

bool dcr_is_client_id(const char *id)
{
    if (!id || strlen(id) != DCR_CLIENT_ID_LEN ||
        strncmp(id, DCR_CLIENT_ID_PREFIX, strlen(DCR_CLIENT_ID_PREFIX)) != 0)
        return false;
    for (const char *p = id + strlen(DCR_CLIENT_ID_PREFIX); *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

char *dcr_client_key(const redis_store *rs, const char *client_id)
{
    buf_t k = BUF_INIT(512);
    buf_printf(&k, "%soauth:client:%s", redis_store_prefix(rs), client_id);
    return buf_steal(&k);
}

static long long ttl_seconds(const oauth_conf *conf)
{
    int days = conf && conf->registered_client_ttl_days > 0 ? conf->registered_client_ttl_days : 30;
    return (long long)days * 86400;
}

dcr_status dcr_register(redis_store *rs, const oauth_conf *conf, const char *body, size_t len,
                        int64_t now, client_metadata *out, char *why, size_t whylen)
{
    client_metadata_status ms =
        client_metadata_parse(body, len, CLIENT_METADATA_DCR, NULL, out, why, whylen);
    if (ms == CLIENT_METADATA_BAD_REDIRECT)
        return DCR_INVALID_REDIRECT_URI;
    if (ms != CLIENT_METADATA_OK)
        return DCR_INVALID_METADATA;
    char hex[33];
    random_hex(hex, 16);
    out->client_id = xmalloc(DCR_CLIENT_ID_LEN + 1);
    snprintf(out->client_id, DCR_CLIENT_ID_LEN + 1, "%s%s", DCR_CLIENT_ID_PREFIX, hex);
    out->client_id_issued_at = now > 0 ? now : 1;
    json_object *doc = client_metadata_to_json(out);
    const char *text = json_compact(doc);
    char *key = dcr_client_key(rs, out->client_id);
    char ttl[24], err[256];
    snprintf(ttl, sizeof ttl, "%lld", ttl_seconds(conf));
    /* NX: an id is never reused, even in the 2^-128 case. */
    const char *argv[] = {"SET", key, text, "EX", ttl, "NX"};
    redisReply *r = redis_store_cmd(rs, false, 6, argv, NULL, err, sizeof err);
    dcr_status st = DCR_OK;
    if (!r)
        st = fail(DCR_STORE_ERROR, why, whylen, "%s", err);
    else if (r->type != REDIS_REPLY_STATUS)
        st = fail(DCR_STORE_ERROR, why, whylen, "Redis did not store the registration");
    freeReplyObject(r);
    free(key);
    json_object_put(doc);
    if (st != DCR_OK)
        client_metadata_free(out);
    return st;
}

dcr_status dcr_lookup(redis_store *rs, const oauth_conf *conf, const char *client_id,
                      client_metadata *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);
    if (!dcr_is_client_id(client_id))
        return fail(DCR_NOT_FOUND, why, whylen, "not a registered client id");
    char *key = dcr_client_key(rs, client_id);
    char ttl[24], err[256];
    snprintf(ttl, sizeof ttl, "%lld", ttl_seconds(conf));
    const char *argv[] = {"GETEX", key, "EX", ttl};
    redisReply *r = redis_store_cmd(rs, true, 4, argv, NULL, err, sizeof err);
    free(key);
    if (!r)
        return fail(DCR_STORE_ERROR, why, whylen, "%s", err);
    dcr_status st = DCR_OK;
    if (r->type == REDIS_REPLY_NIL) {
        st = fail(DCR_NOT_FOUND, why, whylen,
                  "no client is registered with this id (a registration expires after %d days "
                  "without use)",
                  conf ? conf->registered_client_ttl_days : 30);
    } else if (r->type != REDIS_REPLY_STRING) {
        st = fail(DCR_STORE_ERROR, why, whylen, "Redis answered GETEX with an unexpected reply");
    } else {
        char reason[256];
        if (client_metadata_parse(r->str, r->len, CLIENT_METADATA_STORED, NULL, out, reason,
                                  sizeof reason) != CLIENT_METADATA_OK ||
            strcmp(out->client_id, client_id) != 0) {
            client_metadata_free(out);
            st = fail(DCR_NOT_FOUND, why, whylen, "the stored registration is unreadable: %s",
                      reason);
        }
    }
    freeReplyObject(r);
    return st;
}

/* One atomic step: count, start the window on the first request, and
 * report the count and the seconds left. */
static const char RATE_SCRIPT[] =
    "local n = redis.call('INCR', KEYS[1]) "
    "local t = redis.call('TTL', KEYS[1]) "
    "if t < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) t = tonumber(ARGV[1]) end "
    "return {n, t}";

dcr_rate_status dcr_rate_check(redis_store *rs, const oauth_conf *conf, const char *addr,
                               int *retry_after, char *err, size_t errlen)
{
    int limit = conf ? conf->registration_rate_limit : 10;
    int window = conf ? conf->registration_rate_window_seconds : 600;
    if (retry_after)
        *retry_after = 0;
    char bucket[128];
    uint8_t d[SHA256_LEN];
    char hex[2 * SHA256_LEN + 1];
    rate_limit_addr_bucket(addr ? addr : "", bucket, sizeof bucket);
    sha256(bucket, strlen(bucket), d);
    hex_encode(d, sizeof d, hex);
    buf_t key = BUF_INIT(512);
    buf_printf(&key, "%srl:register-ip:%s", redis_store_prefix(rs), hex);
    char win[16];
    snprintf(win, sizeof win, "%d", window > 0 ? window : 600);
    const char *argv[] = {"EVAL", RATE_SCRIPT, "1", buf_cstr(&key), win};
    redisReply *r = redis_store_cmd(rs, false, 5, argv, NULL, err, errlen);
    buf_free(&key);
    if (!r)
        return DCR_RATE_STORE_ERROR;
    dcr_rate_status st = DCR_RATE_OK;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_INTEGER || r->element[1]->type != REDIS_REPLY_INTEGER) {
        snprintf(err, errlen, "Redis answered the rate-limit script with an unexpected reply");
        st = DCR_RATE_STORE_ERROR;
    } else if (r->element[0]->integer > limit) {
        st = DCR_RATE_LIMITED;
        if (retry_after)
            *retry_after = (int)(r->element[1]->integer > 0 ? r->element[1]->integer : 1);
    }
    freeReplyObject(r);
    return st;
}

#include "rate_limit.h"

#include "../core/base/crypto.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#define KEY_MAX 512

/* KEYS: user counter, address counter. ARGV: max user, max address,
 * window. Returns {user seconds left, address seconds left}: both 0 when
 * the attempt was reserved (counted); otherwise nothing was counted. */
static const char ATTEMPT_LUA[] =
    "local function left(k, max)\n"
    "  if tonumber(max) <= 0 then return 0 end\n"
    "  local n = tonumber(redis.call('GET', k) or '0')\n"
    "  if n < tonumber(max) then return 0 end\n"
    "  local t = redis.call('TTL', k)\n"
    "  if t < 1 then redis.call('EXPIRE', k, ARGV[3]); t = tonumber(ARGV[3]) end\n"
    "  return t\n"
    "end\n"
    "local tu, ta = left(KEYS[1], ARGV[1]), left(KEYS[2], ARGV[2])\n"
    "if tu > 0 or ta > 0 then return {tu, ta} end\n"
    "for i = 1, 2 do\n"
    "  if tonumber(ARGV[i]) > 0 and redis.call('INCR', KEYS[i]) == 1 then\n"
    "    redis.call('EXPIRE', KEYS[i], ARGV[3])\n"
    "  end\n"
    "end\n"
    "return {0, 0}\n";

/* KEYS: user counter, address counter. */
static const char SUCCESS_LUA[] =
    "redis.call('DEL', KEYS[1])\n"
    "if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end\n"
    "return 1\n";

void rate_limit_addr_bucket(const char *addr, char *out, size_t outlen)
{
    struct in6_addr a6;
    if (!addr)
        addr = "";
    if (inet_pton(AF_INET6, addr, &a6) == 1) {
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(a6.s6_addr, mapped, sizeof mapped) == 0) {
            char v4[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, a6.s6_addr + 12, v4, sizeof v4);
            snprintf(out, outlen, "%s", v4);
            return;
        }
        /* One host usually owns a whole /64: count it as one address. */
        memset(a6.s6_addr + 8, 0, 8);
        char v6[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, &a6, v6, sizeof v6);
        snprintf(out, outlen, "%s/64", v6);
        return;
    }
    snprintf(out, outlen, "%s", addr);
}

static void key_of(redis_store *r, const char *kind, const char *what, char *out, size_t outlen)
{
    uint8_t h[SHA256_LEN];
    char hex[2 * SHA256_LEN + 1];
    sha256(what, strlen(what), h);
    hex_encode(h, sizeof h, hex);
    snprintf(out, outlen, "%srl:login-%s:%s", redis_store_prefix(r), kind, hex);
}

static void keys_of(redis_store *r, const char *user, const char *addr, char ukey[KEY_MAX],
                    char akey[KEY_MAX])
{
    char bucket[INET6_ADDRSTRLEN + 8 > 256 ? INET6_ADDRSTRLEN + 8 : 256];
    rate_limit_addr_bucket(addr, bucket, sizeof bucket);
    key_of(r, "user", user ? user : "", ukey, KEY_MAX);
    key_of(r, "ip", bucket, akey, KEY_MAX);
}

static long long int_of(const redisReply *e)
{
    return e && e->type == REDIS_REPLY_INTEGER ? e->integer : -1;
}

rate_status rate_limit_login_attempt(redis_store *r, const rate_limit_conf *c, const char *user,
                                     const char *addr, int *retry_after, rate_by *by, char *err,
                                     size_t errlen)
{
    if (retry_after)
        *retry_after = 0;
    if (by)
        *by = RATE_BY_NONE;
    char ukey[KEY_MAX], akey[KEY_MAX], mu[16], ma[16], win[16];
    keys_of(r, user, addr, ukey, akey);
    snprintf(mu, sizeof mu, "%d", c->max_per_user > 0 ? c->max_per_user : 0);
    snprintf(ma, sizeof ma, "%d", c->max_per_addr > 0 ? c->max_per_addr : 0);
    snprintf(win, sizeof win, "%d", c->window_seconds > 0 ? c->window_seconds : 1);
    const char *argv[] = {"EVAL", ATTEMPT_LUA, "2", ukey, akey, mu, ma, win};
    /* Not idempotent: a retry after a lost reply could count twice. */
    redisReply *rep = redis_store_cmd(r, false, 8, argv, NULL, err, errlen);
    if (!rep)
        return RATE_STORE_ERROR;
    long long tu = -1, ta = -1;
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2) {
        tu = int_of(rep->element[0]);
        ta = int_of(rep->element[1]);
    }
    freeReplyObject(rep);
    if (tu < 0 || ta < 0) {
        snprintf(err, errlen, "unexpected reply from Redis to the sign-in rate limit");
        return RATE_STORE_ERROR;
    }
    if (tu == 0 && ta == 0)
        return RATE_OK;
    if (retry_after)
        *retry_after = (int)(tu > ta ? tu : ta);
    if (by)
        *by = (rate_by)((tu > 0 ? RATE_BY_USER : 0) | (ta > 0 ? RATE_BY_ADDR : 0));
    return RATE_LOCKED;
}

rate_status rate_limit_login_success(redis_store *r, const rate_limit_conf *c, const char *user,
                                     const char *addr, char *err, size_t errlen)
{
    (void)c;
    char ukey[KEY_MAX], akey[KEY_MAX];
    keys_of(r, user, addr, ukey, akey);
    const char *argv[] = {"EVAL", SUCCESS_LUA, "2", ukey, akey};
    redisReply *rep = redis_store_cmd(r, false, 5, argv, NULL, err, errlen);
    if (!rep)
        return RATE_STORE_ERROR;
    freeReplyObject(rep);
    return RATE_OK;
}

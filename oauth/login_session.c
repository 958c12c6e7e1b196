#include "login_session.h"

#include "../core/base/alloc.h"
#include "../core/base/base64.h"
#include "../core/base/buf.h"
#include "../core/base/crypto.h"
#include "../core/base/json_util.h"
#include "../core/base/log.h"
#include "../core/base/secure.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ID_BYTES 32
#define KEY_MAX  1024

/* Stores a session and indexes it under its user (pruning the index of
 * sessions that expired meanwhile, so it stays as small as the live ones).
 * KEYS: session, [user index]. ARGV: user, login, method, csrf, exp, ttl,
 * handle, session key prefix. */
static const char CREATE_LUA[] =
    "redis.call('HSET', KEYS[1], 'user', ARGV[1], 'login', ARGV[2], 'method', ARGV[3],"
    " 'csrf', ARGV[4], 'exp', ARGV[5])\n"
    "redis.call('EXPIRE', KEYS[1], ARGV[6])\n"
    "if KEYS[2] then\n"
    "  for _, h in ipairs(redis.call('SMEMBERS', KEYS[2])) do\n"
    "    if redis.call('EXISTS', ARGV[8] .. h) == 0 then redis.call('SREM', KEYS[2], h) end\n"
    "  end\n"
    "  redis.call('SADD', KEYS[2], ARGV[7])\n"
    "  if redis.call('TTL', KEYS[2]) < tonumber(ARGV[6]) then\n"
    "    redis.call('EXPIRE', KEYS[2], ARGV[6])\n"
    "  end\n"
    "end\n"
    "return 1\n";

/* KEYS: session, [user index]. ARGV: handle. */
static const char REVOKE_LUA[] = "redis.call('DEL', KEYS[1])\n"
                                 "if KEYS[2] then redis.call('SREM', KEYS[2], ARGV[1]) end\n"
                                 "return 1\n";

/* KEYS: user index. ARGV: session key prefix. Returns the sessions ended. */
static const char REVOKE_USER_LUA[] = "local n = 0\n"
                                      "for _, h in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
                                      "  n = n + redis.call('DEL', ARGV[1] .. h)\n"
                                      "end\n"
                                      "redis.call('DEL', KEYS[1])\n"
                                      "return n\n";

const char *login_method_name(login_method m)
{
    switch (m) {
    case LOGIN_METHOD_PASSWORD:
        return "password";
    case LOGIN_METHOD_REMOTE_USER:
        return "remote_user";
    case LOGIN_METHOD_NONE:
        break;
    }
    return "none";
}

static bool method_from(const char *s, login_method *m)
{
    for (int i = LOGIN_METHOD_NONE; i <= LOGIN_METHOD_REMOTE_USER; i++) {
        if (strcmp(s, login_method_name((login_method)i)) == 0) {
            *m = (login_method)i;
            return true;
        }
    }
    return false;
}

static bool user_ok(const char *user, char *err, size_t errlen)
{
    size_t n = user ? strnlen(user, LOGIN_USER_MAX + 1) : 0;
    if (n == 0 || n > LOGIN_USER_MAX) {
        snprintf(err, errlen, "a user name must be 1 to %d bytes", LOGIN_USER_MAX);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)user[i];
        if (c < 0x20 || c == 0x7f) {
            snprintf(err, errlen, "a user name must not contain control characters");
            return false;
        }
    }
    if (!utf8_valid(user, n)) {
        snprintf(err, errlen, "a user name must be valid UTF-8");
        return false;
    }
    return true;
}

/* The 32 bytes of a well-formed id (43 base64url characters). */
static bool id_decode(const char *id, uint8_t out[ID_BYTES])
{
    if (!id || strnlen(id, LOGIN_ID_LEN + 1) != LOGIN_ID_LEN)
        return false;
    uint8_t *dec;
    size_t n;
    if (!base64url_decode(id, LOGIN_ID_LEN, &dec, &n))
        return false;
    bool ok = n == ID_BYTES;
    if (ok)
        memcpy(out, dec, ID_BYTES);
    secure_wipe(dec, n);
    free(dec);
    return ok;
}

static void handle_of(const uint8_t id[ID_BYTES], char handle[LOGIN_HANDLE_LEN + 1])
{
    uint8_t h[SHA256_LEN];
    sha256(id, ID_BYTES, h);
    hex_encode(h, sizeof h, handle);
}

static void session_key(redis_store *r, const char *handle, char *out, size_t outlen)
{
    snprintf(out, outlen, "%slogin:%s", redis_store_prefix(r), handle);
}

static void user_key(redis_store *r, const char *user, char *out, size_t outlen)
{
    uint8_t h[SHA256_LEN];
    char hex[2 * SHA256_LEN + 1];
    sha256(user, strlen(user), h);
    hex_encode(h, sizeof h, hex);
    snprintf(out, outlen, "%slogin-user:%s", redis_store_prefix(r), hex);
}

/* Runs a script; the reply must be an integer (stored in *n when given). */
static login_status run_script(redis_store *r, const char *script, int nkeys, const char **keys,
                               int nargs, const char **args, long long *n, char *err, size_t errlen)
{
    const char *argv[16];
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
    redisReply *rep = redis_store_cmd(r, true, argc, argv, NULL, err, errlen);
    if (!rep)
        return LOGIN_STORE_ERROR;
    bool ok = rep->type == REDIS_REPLY_INTEGER;
    if (ok && n)
        *n = rep->integer;
    freeReplyObject(rep);
    if (!ok) {
        snprintf(err, errlen, "unexpected reply from Redis to a login session script");
        return LOGIN_STORE_ERROR;
    }
    return LOGIN_OK;
}

void login_session_free(login_session *s)
{
    if (!s)
        return;
    free(s->user);
    secure_wipe(s, sizeof *s);
}

login_status login_session_create(redis_store *r, const char *user, login_method method,
                                  int ttl_seconds, int64_t now, char id[LOGIN_ID_LEN + 1],
                                  login_session *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    id[0] = '\0';
    bool pre = method == LOGIN_METHOD_NONE;
    if (pre != (user == NULL)) {
        snprintf(err, errlen, "a pre-login session has no user; a signed-in one needs one");
        return LOGIN_BAD_INPUT;
    }
    if (!pre && !user_ok(user, err, errlen))
        return LOGIN_BAD_INPUT;
    if (ttl_seconds < 1) {
        snprintf(err, errlen, "a login session must live at least one second");
        return LOGIN_BAD_INPUT;
    }
    uint8_t raw[ID_BYTES];
    random_bytes(raw, sizeof raw);
    random_bytes(out->csrf_secret, sizeof out->csrf_secret);
    handle_of(raw, out->handle);
    char *enc = base64url_encode(raw, sizeof raw);
    secure_wipe(raw, sizeof raw);
    out->method = method;
    out->login_time = pre ? 0 : now;
    out->expires = now + ttl_seconds;
    out->user = pre ? NULL : xstrdup(user);

    char skey[KEY_MAX], ukey[KEY_MAX], prefix[KEY_MAX];
    session_key(r, out->handle, skey, sizeof skey);
    if (!pre)
        user_key(r, user, ukey, sizeof ukey);
    snprintf(prefix, sizeof prefix, "%slogin:", redis_store_prefix(r));
    char login[24], exp[24], ttl[16], csrf[2 * CSRF_SECRET_LEN + 1];
    snprintf(login, sizeof login, "%" PRId64, out->login_time);
    snprintf(exp, sizeof exp, "%" PRId64, out->expires);
    snprintf(ttl, sizeof ttl, "%d", ttl_seconds);
    hex_encode(out->csrf_secret, CSRF_SECRET_LEN, csrf);
    const char *keys[] = {skey, ukey};
    /* ARGV of CREATE_LUA: user, login, method, csrf, exp, ttl, handle, prefix. */
    const char *argv[] = {pre ? "" : user, login, login_method_name(method), csrf, exp, ttl,
                          out->handle,     prefix};
    login_status st = run_script(r, CREATE_LUA, pre ? 1 : 2, keys, 8, argv, NULL, err, errlen);
    secure_wipe(csrf, sizeof csrf);
    if (st != LOGIN_OK) {
        secure_free_str(enc);
        login_session_free(out);
        return st;
    }
    memcpy(id, enc, LOGIN_ID_LEN + 1);
    secure_free_str(enc);
    return LOGIN_OK;
}

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

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Fills *out from an HGETALL reply; false when a field is missing or
 * malformed (a damaged entry counts as no session). */
static bool from_reply(const redisReply *rep, login_session *out)
{
    const char *user = NULL, *login = NULL, *method = NULL, *csrf = NULL, *exp = NULL;
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements % 2)
        return false;
    for (size_t i = 0; i + 1 < rep->elements; i += 2) {
        const redisReply *k = rep->element[i], *v = rep->element[i + 1];
        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING ||
            strlen(v->str) != v->len)
            return false;
        if (!strcmp(k->str, "user"))
            user = v->str;
        else if (!strcmp(k->str, "login"))
            login = v->str;
        else if (!strcmp(k->str, "method"))
            method = v->str;
        else if (!strcmp(k->str, "csrf"))
            csrf = v->str;
        else if (!strcmp(k->str, "exp"))
            exp = v->str;
    }
    if (!user || !method || !method_from(method, &out->method) ||
        !parse_i64(login, &out->login_time) || !parse_i64(exp, &out->expires) || !csrf ||
        strlen(csrf) != 2 * CSRF_SECRET_LEN)
        return false;
    for (size_t i = 0; i < CSRF_SECRET_LEN; i++) {
        int hi = hexval(csrf[2 * i]), lo = hexval(csrf[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out->csrf_secret[i] = (uint8_t)(hi << 4 | lo);
    }
    char why[64];
    bool pre = out->method == LOGIN_METHOD_NONE;
    if (pre ? user[0] != '\0' : !user_ok(user, why, sizeof why))
        return false;
    out->user = pre ? NULL : xstrdup(user);
    return true;
}

login_status login_session_lookup(redis_store *r, const char *id, int64_t now, login_session *out,
                                  char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    uint8_t raw[ID_BYTES];
    if (!id_decode(id, raw))
        return LOGIN_NONE;
    char handle[LOGIN_HANDLE_LEN + 1], key[KEY_MAX];
    handle_of(raw, handle);
    secure_wipe(raw, sizeof raw);
    session_key(r, handle, key, sizeof key);
    const char *argv[] = {"HGETALL", key};
    redisReply *rep = redis_store_cmd(r, true, 2, argv, NULL, err, errlen);
    if (!rep)
        return LOGIN_STORE_ERROR;
    bool found = rep->type == REDIS_REPLY_ARRAY && rep->elements > 0;
    bool ok = found && from_reply(rep, out);
    freeReplyObject(rep);
    if (found && !ok)
        log_msg(LOG_WARN, "login session %.12s... in Redis is malformed; ignoring it", handle);
    if (!ok || out->expires <= now) {
        login_session_free(out);
        return LOGIN_NONE;
    }
    memcpy(out->handle, handle, sizeof handle);
    return LOGIN_OK;
}

login_status login_session_revoke(redis_store *r, const login_session *s, char *err, size_t errlen)
{
    char skey[KEY_MAX], ukey[KEY_MAX];
    session_key(r, s->handle, skey, sizeof skey);
    if (s->user)
        user_key(r, s->user, ukey, sizeof ukey);
    const char *keys[] = {skey, ukey};
    const char *args[] = {s->handle};
    return run_script(r, REVOKE_LUA, s->user ? 2 : 1, keys, 1, args, NULL, err, errlen);
}

login_status login_session_revoke_user(redis_store *r, const char *user, size_t *count, char *err,
                                       size_t errlen)
{
    if (count)
        *count = 0;
    if (!user_ok(user, err, errlen))
        return LOGIN_BAD_INPUT;
    char ukey[KEY_MAX], prefix[KEY_MAX];
    user_key(r, user, ukey, sizeof ukey);
    snprintf(prefix, sizeof prefix, "%slogin:", redis_store_prefix(r));
    const char *keys[] = {ukey};
    const char *args[] = {prefix};
    long long n = 0;
    login_status st = run_script(r, REVOKE_USER_LUA, 1, keys, 1, args, &n, err, errlen);
    if (st == LOGIN_OK && count)
        *count = n > 0 ? (size_t)n : 0;
    return st;
}

/* ---- the cookie ------------------------------------------------------------ */

/* RFC 6265 path-value: any CHAR except CTLs or ';'. Spaces and commas are
 * refused too, to keep the header simple to read. */
static bool path_ok(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c <= 0x20 || c >= 0x7f || c == ';' || c == ',')
            return false;
    }
    return true;
}

bool login_cookie_init(login_cookie *c, const char *endpoint_url)
{
    memset(c, 0, sizeof *c);
    if (!endpoint_url)
        return false;
    const char *rest;
    if (strncmp(endpoint_url, "https://", 8) == 0) {
        c->secure = true;
        rest = endpoint_url + 8;
    } else if (strncmp(endpoint_url, "http://", 7) == 0) {
        rest = endpoint_url + 7;
    } else {
        return false;
    }
    size_t auth = strcspn(rest, "/?#");
    if (auth == 0)
        return false;
    if (c->secure) {
        /* __Host- requires Secure, Path=/ and no Domain. */
        snprintf(c->name, sizeof c->name, "%s", LOGIN_COOKIE_NAME_HOST);
        snprintf(c->path, sizeof c->path, "/");
        return true;
    }
    snprintf(c->name, sizeof c->name, "%s", LOGIN_COOKIE_NAME);
    const char *path = rest + auth;
    size_t plen = path[0] == '/' ? strcspn(path, "?#") : 0;
    if (plen == 0) {
        snprintf(c->path, sizeof c->path, "/");
        return true;
    }
    if (plen >= sizeof c->path || !path_ok(path, plen))
        return false;
    memcpy(c->path, path, plen);
    c->path[plen] = '\0';
    return true;
}

char *login_cookie_set(const login_cookie *c, const char *id, int max_age)
{
    buf_t b = BUF_INIT(1024);
    buf_printf(&b, "%s=%s; Path=%s; Max-Age=%d; HttpOnly;%s SameSite=Lax", c->name, id, c->path,
               max_age > 0 ? max_age : 0, c->secure ? " Secure;" : "");
    return buf_steal(&b);
}

char *login_cookie_clear(const login_cookie *c)
{
    return login_cookie_set(c, "", 0);
}

static bool ows(char ch)
{
    return ch == ' ' || ch == '\t';
}

bool login_cookie_find(const login_cookie *c, const char *header, char id[LOGIN_ID_LEN + 1])
{
    id[0] = '\0';
    if (!header || strnlen(header, LOGIN_COOKIE_MAX + 1) > LOGIN_COOKIE_MAX)
        return false;
    size_t namelen = strlen(c->name);
    const char *found = NULL;
    size_t foundlen = 0;
    const char *p = header;
    while (*p) {
        while (ows(*p) || *p == ';')
            p++;
        const char *pair = p;
        size_t n = strcspn(pair, ";");
        p += n;
        while (n > 0 && ows(pair[n - 1]))
            n--;
        if (n > namelen && strncmp(pair, c->name, namelen) == 0 && pair[namelen] == '=') {
            if (found)
                return false; /* twice: someone planted one; trust neither */
            found = pair + namelen + 1;
            foundlen = n - namelen - 1;
        } else if (n == namelen && strncmp(pair, c->name, namelen) == 0) {
            return false; /* our name without a value */
        }
    }
    if (!found || foundlen != LOGIN_ID_LEN)
        return false;
    char tmp[LOGIN_ID_LEN + 1];
    memcpy(tmp, found, LOGIN_ID_LEN);
    tmp[LOGIN_ID_LEN] = '\0';
    uint8_t raw[ID_BYTES];
    bool ok = id_decode(tmp, raw);
    secure_wipe(raw, sizeof raw);
    if (ok)
        memcpy(id, tmp, sizeof tmp);
    secure_wipe(tmp, sizeof tmp);
    return ok;
}

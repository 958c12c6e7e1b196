/* One blocking hiredis connection per worker. Any I/O error drops the
 * context so the next command reconnects; a command that fails on a
 * connection reused from an earlier call (the server may have restarted
 * since) is retried once on a fresh one when the caller says it is
 * idempotent. Timeouts are not retried: the server is there but slow, and a
 * retry would only double the wait. */
#include "redis_store.h"

#include "../base/alloc.h"
#include "../base/log.h"
#include "../base/secure.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct redis_store {
    char *host; /* NULL when socket is set */
    int port;
    char *socket;
    char *password; /* wiped on free */
    int db;
    int connect_timeout_ms;
    int command_timeout_ms;
    char *prefix;
    char where[160]; /* "127.0.0.1:6379" or "unix:/run/redis.sock", for messages */
    redisContext *ctx;
    bool healthy;
    bool warned; /* an outage was logged; log recovery once */
};

static struct timeval ms_to_tv(int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    return tv;
}

redis_store *redis_store_new(const redis_conf *conf)
{
    redis_store *r = xcalloc(1, sizeof *r);
    if (conf->socket) {
        r->socket = xstrdup(conf->socket);
        snprintf(r->where, sizeof r->where, "unix:%s", r->socket);
    } else {
        r->host = xstrdup(conf->host ? conf->host : "127.0.0.1");
        r->port = conf->port > 0 ? conf->port : 6379;
        snprintf(r->where, sizeof r->where, "%s:%d", r->host, r->port);
    }
    r->password = conf->password ? xstrdup(conf->password) : NULL;
    r->db = conf->db;
    r->connect_timeout_ms = conf->connect_timeout_ms > 0 ? conf->connect_timeout_ms : 500;
    r->command_timeout_ms = conf->command_timeout_ms > 0 ? conf->command_timeout_ms : 1000;
    r->prefix = xstrdup(conf->key_prefix ? conf->key_prefix : "ddbsql:");
    r->healthy = true; /* nothing has failed yet */
    return r;
}

static void drop(redis_store *r)
{
    if (r->ctx) {
        redisFree(r->ctx);
        r->ctx = NULL;
    }
}

void redis_store_free(redis_store *r)
{
    if (!r)
        return;
    drop(r);
    free(r->host);
    free(r->socket);
    secure_free_str(r->password);
    free(r->prefix);
    free(r);
}

const char *redis_store_prefix(const redis_store *r)
{
    return r->prefix;
}

bool redis_store_healthy(const redis_store *r)
{
    return r->healthy;
}

static bool is_timeout(const redisContext *c, int saved_errno)
{
    if (c->err != REDIS_ERR_IO)
        return false;
    return saved_errno == EAGAIN || saved_errno == EWOULDBLOCK || saved_errno == ETIMEDOUT ||
           !strcmp(c->errstr, strerror(EAGAIN)) || !strcmp(c->errstr, strerror(ETIMEDOUT));
}

/* Describes a context-level failure (connect or I/O). */
static void io_error(const redis_store *r, const redisContext *c, int saved_errno, int timeout_ms,
                     bool connecting, char *err, size_t errlen)
{
    if (is_timeout(c, saved_errno))
        snprintf(err, errlen, "Redis at %s did not answer within %d ms%s", r->where, timeout_ms,
                 connecting ? " (connect timeout)" : "");
    else if (connecting)
        snprintf(err, errlen, "Redis at %s is unreachable: %s", r->where, c->errstr);
    else if (c->err == REDIS_ERR_EOF)
        snprintf(err, errlen, "Redis at %s closed the connection", r->where);
    else if (c->err == REDIS_ERR_PROTOCOL)
        snprintf(err, errlen, "Redis at %s sent an invalid reply: %s", r->where, c->errstr);
    else
        snprintf(err, errlen, "Redis at %s dropped the connection: %s", r->where, c->errstr);
}

/* A server error reply, with a hint when it means missing credentials.
 * The text is the server's own and never contains our password, but a
 * proxy could echo the command, so it is checked. */
static void reply_error(const redis_store *r, const char *what, const redisReply *rep, char *err,
                        size_t errlen)
{
    const char *text = rep->str ? rep->str : "(no text)";
    if (r->password && *r->password && strstr(text, r->password))
        text = "(error text withheld: it contained the password)";
    if (!strncmp(text, "NOAUTH", 6))
        snprintf(err, errlen, "Redis at %s needs a password (set password in [redis]): %s",
                 r->where, text);
    else if (what)
        snprintf(err, errlen, "Redis rejected %s: %s", what, text);
    else
        snprintf(err, errlen, "%s", text);
}

/* Sends one preformatted command and reads its reply on the current
 * context. Returns NULL on a context error (the context is kept for the
 * caller to inspect) and stores errno as it was right after the failure. */
static redisReply *roundtrip(redisContext *c, const char *cmd, size_t len, int *saved_errno)
{
    void *reply = NULL;
    errno = 0;
    if (redisAppendFormattedCommand(c, cmd, len) != REDIS_OK ||
        redisGetReply(c, &reply) != REDIS_OK) {
        *saved_errno = errno;
        if (reply)
            freeReplyObject(reply);
        return NULL;
    }
    return reply;
}

/* One setup command (AUTH, SELECT) on a new context. */
static bool setup_cmd(redis_store *r, const char *what, int argc, const char **argv, char *err,
                      size_t errlen)
{
    char *cmd = NULL;
    int len = redisFormatCommandArgv(&cmd, argc, argv, NULL);
    if (len < 0)
        die_oom(0);
    int saved = 0;
    redisReply *rep = roundtrip(r->ctx, cmd, (size_t)len, &saved);
    secure_wipe(cmd, (size_t)len); /* AUTH carries the password */
    redisFreeCommand(cmd);
    if (!rep) {
        io_error(r, r->ctx, saved, r->command_timeout_ms, false, err, errlen);
        return false;
    }
    bool ok = rep->type != REDIS_REPLY_ERROR;
    if (!ok)
        reply_error(r, what, rep, err, errlen);
    freeReplyObject(rep);
    return ok;
}

static bool connect_ctx(redis_store *r, char *err, size_t errlen)
{
    struct timeval ctv = ms_to_tv(r->connect_timeout_ms);
    errno = 0;
    if (r->socket)
        r->ctx = redisConnectUnixWithTimeout(r->socket, ctv);
    else
        r->ctx = redisConnectWithTimeout(r->host, r->port, ctv);
    int saved = errno;
    if (!r->ctx)
        die_oom(sizeof(redisContext));
    if (r->ctx->err) {
        io_error(r, r->ctx, saved, r->connect_timeout_ms, true, err, errlen);
        drop(r);
        return false;
    }
    if (redisSetTimeout(r->ctx, ms_to_tv(r->command_timeout_ms)) != REDIS_OK) {
        snprintf(err, errlen, "Redis at %s: cannot set the command timeout: %s", r->where,
                 r->ctx->errstr);
        drop(r);
        return false;
    }
    if (!r->socket)
        redisEnableKeepAlive(r->ctx);
    if (r->password) {
        const char *argv[] = {"AUTH", r->password};
        if (!setup_cmd(r, "AUTH", 2, argv, err, errlen)) {
            drop(r);
            return false;
        }
    }
    if (r->db != 0) {
        char dbs[16], what[32];
        snprintf(dbs, sizeof dbs, "%d", r->db);
        snprintf(what, sizeof what, "SELECT %d", r->db);
        const char *argv[] = {"SELECT", dbs};
        if (!setup_cmd(r, what, 2, argv, err, errlen)) {
            drop(r);
            return false;
        }
    }
    return true;
}

/* hiredis writes with write(2): a peer that went away would raise SIGPIPE
 * and kill the worker. SIGPIPE is blocked around the I/O and a pending one
 * raised by it is consumed, so the process-wide disposition is untouched. */
typedef struct pipe_guard {
    sigset_t old;
    bool was_pending;
} pipe_guard;

static void pipe_block(pipe_guard *g)
{
    sigset_t set, pending;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigpending(&pending);
    g->was_pending = sigismember(&pending, SIGPIPE) == 1;
    sigprocmask(SIG_BLOCK, &set, &g->old);
}

static void pipe_restore(pipe_guard *g)
{
    sigset_t set, pending;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigpending(&pending);
    if (!g->was_pending && sigismember(&pending, SIGPIPE) == 1) {
        struct timespec zero = {0, 0};
        while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR)
            ;
    }
    sigprocmask(SIG_SETMASK, &g->old, NULL);
}

static void set_health(redis_store *r, bool ok, const char *err)
{
    if (!ok && !r->warned && err) {
        log_msg(LOG_WARN, "%s", err);
        r->warned = true;
    } else if (ok && r->warned) {
        log_msg(LOG_INFO, "Redis at %s is reachable again", r->where);
        r->warned = false;
    }
    r->healthy = ok;
}

static redisReply *run(redis_store *r, bool idempotent, const char *cmd, size_t len, char *err,
                       size_t errlen)
{
    for (int attempt = 0;; attempt++) {
        bool fresh = r->ctx == NULL;
        if (fresh && !connect_ctx(r, err, errlen)) {
            set_health(r, false, err);
            return NULL;
        }
        int saved = 0;
        redisReply *rep = roundtrip(r->ctx, cmd, len, &saved);
        if (!rep) {
            bool timeout = is_timeout(r->ctx, saved);
            io_error(r, r->ctx, saved, r->command_timeout_ms, false, err, errlen);
            drop(r);
            if (idempotent && !fresh && !timeout && attempt == 0)
                continue;
            set_health(r, false, err);
            return NULL;
        }
        if (rep->type == REDIS_REPLY_ERROR) {
            reply_error(r, NULL, rep, err, errlen);
            freeReplyObject(rep);
            set_health(r, false, NULL);
            return NULL;
        }
        set_health(r, true, NULL);
        return rep;
    }
}

/* Runs a formatted command with SIGPIPE held off, then frees it. */
static redisReply *run_formatted(redis_store *r, bool idempotent, char *cmd, size_t len, char *err,
                                 size_t errlen)
{
    pipe_guard g;
    pipe_block(&g);
    redisReply *rep = run(r, idempotent, cmd, len, err, errlen);
    pipe_restore(&g);
    redisFreeCommand(cmd);
    return rep;
}

redisReply *redis_store_cmd(redis_store *r, bool idempotent, int argc, const char **argv,
                            const size_t *argvlen, char *err, size_t errlen)
{
    if (argc <= 0 || !argv) {
        snprintf(err, errlen, "empty Redis command");
        return NULL;
    }
    char *cmd = NULL;
    int len = redisFormatCommandArgv(&cmd, argc, argv, argvlen);
    if (len < 0)
        die_oom(0);
    return run_formatted(r, idempotent, cmd, (size_t)len, err, errlen);
}

redisReply *redis_store_cmdf(redis_store *r, bool idempotent, char *err, size_t errlen,
                             const char *fmt, ...)
{
    char *cmd = NULL;
    va_list ap;
    va_start(ap, fmt);
    int len = redisvFormatCommand(&cmd, fmt, ap);
    va_end(ap);
    if (len == -1) /* hiredis: out of memory; -2 is a malformed format */
        die_oom(0);
    if (len < 0) {
        snprintf(err, errlen, "invalid Redis command format");
        return NULL;
    }
    return run_formatted(r, idempotent, cmd, (size_t)len, err, errlen);
}

/* A Redis connection for one worker: connect and command timeouts, a
 * lazy reconnect after any failure, and errors a person can act on.
 * Short-lived OAuth state and the shared metadata cache live here. */
#ifndef DDBSQL_REDIS_STORE_H
#define DDBSQL_REDIS_STORE_H

#include "../conf/config.h"

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct redis_store redis_store;

/* Does not connect yet; the first command does. */
redis_store *redis_store_new(const redis_conf *conf);
void redis_store_free(redis_store *r);

/* Runs one command given as argv (binary-safe). Connects or reconnects
 * when needed; a command that fails on a broken connection is retried once
 * on a fresh one only when idempotent is true. Returns the reply (caller
 * frees with freeReplyObject) or NULL with a message in err such as
 * "Redis at 127.0.0.1:6379 is unreachable: Connection refused". A Redis
 * error reply (REDIS_REPLY_ERROR) is returned as NULL with its text. */
redisReply *redis_store_cmd(redis_store *r, bool idempotent, int argc, const char **argv,
                            const size_t *argvlen, char *err, size_t errlen);
/* printf-style convenience for commands without binary arguments. */
redisReply *redis_store_cmdf(redis_store *r, bool idempotent, char *err, size_t errlen,
                             const char *fmt, ...);
/* The configured key prefix ("ddbsql:" by default). */
const char *redis_store_prefix(const redis_store *r);
/* True if the last command succeeded (for health reporting). */
bool redis_store_healthy(const redis_store *r);

#endif

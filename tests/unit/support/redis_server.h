/* A real redis-server for unit tests: started on a free loopback port with
 * nothing persisted (its files go to a temp dir), killed with the test
 * process even if that crashes. Tests can stop it and start it again on the
 * same port to check how code behaves while Redis is down and after it
 * comes back. Failures abort with a message. */
#ifndef DDBSQL_TEST_REDIS_SERVER_H
#define DDBSQL_TEST_REDIS_SERVER_H

#include "core/conf/config.h"

#include <hiredis/hiredis.h>
#include <stdbool.h>

typedef struct test_redis test_redis;

/* Starts redis-server and waits until it answers PING. */
test_redis *test_redis_start(void);
/* Stops the server (if running) and frees everything. */
void test_redis_stop(test_redis *r);

/* Kills the server now (Redis "down"); the port stays reserved for
 * test_redis_resume. */
void test_redis_pause(test_redis *r);
/* Starts it again on the same port (empty: nothing was persisted). */
void test_redis_resume(test_redis *r);

int test_redis_port(const test_redis *r);
/* A redis_conf for this server: short timeouts, key prefix "test:". The
 * strings are static. */
redis_conf test_redis_conf(const test_redis *r);

/* A command on the server over a connection of its own (outside the code
 * under test, to set up or inspect its keys). Aborts the test on failure;
 * free the reply with freeReplyObject. */
redisReply *test_redis_command(const test_redis *r, const char *fmt, ...);
/* FLUSHALL: every test starts with an empty server. */
void test_redis_flush(const test_redis *r);

#endif

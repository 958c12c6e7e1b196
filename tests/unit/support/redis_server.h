/* A real redis-server for unit tests: started on a free loopback port
 * (no persistence, dies with the test process), stopped, and restarted on
 * the same port to test recovery. */
#ifndef DDBSQL_TEST_REDIS_SERVER_H
#define DDBSQL_TEST_REDIS_SERVER_H

#include "core/conf/config.h"

#include <stdbool.h>
#include <sys/types.h>

typedef struct test_redis {
    pid_t pid; /* 0 when stopped */
    int port;
} test_redis;

/* Starts on a free port and waits until it answers PING; fails the test
 * (cmocka fail) when it cannot. */
void test_redis_start(test_redis *r);
/* Starts again on r->port (after test_redis_stop). */
void test_redis_restart(test_redis *r);
/* Kills and reaps the server (keeps r->port). */
void test_redis_stop(test_redis *r);
/* A redis_conf for it: key prefix "test:", short timeouts. The strings are
 * static; do not free. */
redis_conf test_redis_conf(const test_redis *r);
/* Runs FLUSHALL (between tests). */
void test_redis_flush(const test_redis *r);

#endif

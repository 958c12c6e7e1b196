#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "redis_server.h"

#include "fake_http.h"

#include <errno.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static redisContext *connect_to(int port)
{
    struct timeval tv = {0, 200 * 1000};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
    if (c && c->err) {
        redisFree(c);
        return NULL;
    }
    return c;
}

static bool ping(int port)
{
    redisContext *c = connect_to(port);
    if (!c)
        return false;
    redisReply *rep = redisCommand(c, "PING");
    bool ok = rep && rep->type == REDIS_REPLY_STATUS && strcmp(rep->str, "PONG") == 0;
    if (rep)
        freeReplyObject(rep);
    redisFree(c);
    return ok;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* One attempt on r->port: true when the server answers. */
static bool try_start(test_redis *r)
{
    char port[16];
    snprintf(port, sizeof port, "%d", r->port);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the test */
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execlp("redis-server", "redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--daemonize", "no", "--dir", "/tmp", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 250; i++) {
        if (ping(r->port)) {
            r->pid = pid;
            return true;
        }
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid)
            return false; /* exited: the port was taken meanwhile */
        pause_ms(20);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return false;
}

void test_redis_start(test_redis *r)
{
    r->pid = 0;
    for (int attempt = 0; attempt < 5; attempt++) {
        r->port = fake_http_free_port();
        if (try_start(r))
            return;
    }
    fail_msg("could not start redis-server");
}

void test_redis_restart(test_redis *r)
{
    for (int attempt = 0; attempt < 50; attempt++) {
        if (try_start(r))
            return;
        pause_ms(100); /* the old socket may linger briefly */
    }
    fail_msg("could not restart redis-server on port %d", r->port);
}

void test_redis_stop(test_redis *r)
{
    if (r->pid > 0) {
        kill(r->pid, SIGKILL);
        while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    r->pid = 0;
}

redis_conf test_redis_conf(const test_redis *r)
{
    redis_conf c;
    memset(&c, 0, sizeof c);
    c.host = (char *)"127.0.0.1";
    c.port = r->port;
    c.connect_timeout_ms = 1000;
    c.command_timeout_ms = 2000;
    c.key_prefix = (char *)"test:";
    return c;
}

void test_redis_flush(const test_redis *r)
{
    redisContext *c = connect_to(r->port);
    assert_non_null(c);
    redisReply *rep = redisCommand(c, "FLUSHALL");
    assert_non_null(rep);
    freeReplyObject(rep);
    redisFree(c);
}

#include "redis_server.h"

#include "core/base/alloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct test_redis {
    pid_t pid;
    int port;
    char dir[64];
};

static void die(const char *what)
{
    fprintf(stderr, "test redis-server: %s\n", what);
    abort();
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        die("no free port");
    close(fd);
    return ntohs(a.sin_port);
}

static bool answers(int port)
{
    struct timeval tv = {0, 200000};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
    bool up = false;
    if (c && !c->err) {
        redisReply *r = redisCommand(c, "PING");
        up = r != NULL;
        if (r)
            freeReplyObject(r);
    }
    if (c)
        redisFree(c);
    return up;
}

static void launch(test_redis *r)
{
    char port[16], logfile[128];
    snprintf(port, sizeof port, "%d", r->port);
    snprintf(logfile, sizeof logfile, "%s/redis.log", r->dir);
    const char *argv[] = {"redis-server", "--port",      port,    "--bind",
                          "127.0.0.1",    "--save",      "",      "--appendonly",
                          "no",           "--daemonize", "no",    "--dir",
                          r->dir,         "--logfile",   logfile, NULL};
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        die("fork failed");
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the test */
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execvp("redis-server", (char *const *)argv);
        _exit(127);
    }
    r->pid = pid;
    for (int i = 0; i < 250; i++) {
        if (answers(r->port))
            return;
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            r->pid = 0;
            die("redis-server exited at start (is it installed? see tests/install-deps.sh)");
        }
        pause_ms(20);
    }
    die("redis-server did not answer PING within 5 s");
}

test_redis *test_redis_start(void)
{
    test_redis *r = xcalloc(1, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "/tmp/ddbsql-test-redis-XXXXXX");
    if (!mkdtemp(r->dir))
        die("mkdtemp failed");
    r->port = free_port();
    launch(r);
    return r;
}

void test_redis_pause(test_redis *r)
{
    if (r->pid > 0) {
        kill(r->pid, SIGKILL);
        while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    r->pid = 0;
}

void test_redis_resume(test_redis *r)
{
    if (r->pid == 0)
        launch(r);
}

void test_redis_stop(test_redis *r)
{
    if (!r)
        return;
    test_redis_pause(r);
    char path[128];
    snprintf(path, sizeof path, "%s/redis.log", r->dir);
    unlink(path);
    rmdir(r->dir);
    free(r);
}

int test_redis_port(const test_redis *r)
{
    return r->port;
}

redis_conf test_redis_conf(const test_redis *r)
{
    redis_conf c;
    memset(&c, 0, sizeof c);
    c.host = "127.0.0.1";
    c.port = r->port;
    c.connect_timeout_ms = 1000;
    c.command_timeout_ms = 2000;
    c.key_prefix = "test:";
    return c;
}

redisReply *test_redis_command(const test_redis *r, const char *fmt, ...)
{
    struct timeval tv = {1, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", test_redis_port(r), tv);
    if (!c || c->err) {
        fprintf(stderr, "test redis: cannot connect to port %d\n", test_redis_port(r));
        abort();
    }
    va_list ap;
    va_start(ap, fmt);
    redisReply *reply = redisvCommand(c, fmt, ap);
    va_end(ap);
    redisFree(c);
    if (!reply) {
        fprintf(stderr, "test redis: no answer to a command\n");
        abort();
    }
    return reply;
}

void test_redis_flush(const test_redis *r)
{
    freeReplyObject(test_redis_command(r, "FLUSHALL"));
}

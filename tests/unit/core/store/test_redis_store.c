#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/base/alloc.h"
#include "core/store/redis_store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
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

/* ---- a real redis-server, started by the test ----------------------------- */

static char tmpdir[64];
static char err[512];

typedef struct server {
    pid_t pid;
    int port;          /* 0: unix socket only */
    char sock[128];    /* unix socket path, or "" */
    char password[64]; /* requirepass, or "" */
} server;

#define MAX_CHILDREN 16
static pid_t children[MAX_CHILDREN];

static void track(pid_t pid)
{
    for (int i = 0; i < MAX_CHILDREN; i++) {
        if (!children[i]) {
            children[i] = pid;
            return;
        }
    }
    fail_msg("too many child processes");
}

static void reap(pid_t pid, int sig)
{
    if (pid <= 0)
        return;
    kill(pid, sig);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    for (int i = 0; i < MAX_CHILDREN; i++)
        if (children[i] == pid)
            children[i] = 0;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* A loopback port nothing listens on right now. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* Waits (bounded) until the server answers PING. */
static bool server_ready(const server *s)
{
    struct timeval tv = {0, 200000};
    for (int i = 0; i < 250; i++) {
        redisContext *c = s->port ? redisConnectWithTimeout("127.0.0.1", s->port, tv)
                                  : redisConnectUnixWithTimeout(s->sock, tv);
        if (c && !c->err) {
            redisReply *r = redisCommand(c, "PING");
            /* NOAUTH also proves it is up. */
            bool up = r != NULL;
            if (r)
                freeReplyObject(r);
            redisFree(c);
            if (up)
                return true;
        } else if (c) {
            redisFree(c);
        }
        pause_ms(20);
    }
    return false;
}

static void server_start(server *s)
{
    char port[16], logfile[128];
    snprintf(port, sizeof port, "%d", s->port);
    snprintf(logfile, sizeof logfile, "%s/redis-%d.log", tmpdir, s->port);
    const char *argv[24];
    int n = 0;
    argv[n++] = "redis-server";
    argv[n++] = "--port";
    argv[n++] = port;
    argv[n++] = "--bind";
    argv[n++] = "127.0.0.1";
    argv[n++] = "--save";
    argv[n++] = "";
    argv[n++] = "--appendonly";
    argv[n++] = "no";
    argv[n++] = "--daemonize";
    argv[n++] = "no";
    argv[n++] = "--dir";
    argv[n++] = tmpdir;
    argv[n++] = "--logfile";
    argv[n++] = logfile;
    if (s->sock[0]) {
        argv[n++] = "--unixsocket";
        argv[n++] = s->sock;
    }
    if (s->password[0]) {
        argv[n++] = "--requirepass";
        argv[n++] = s->password;
    }
    argv[n] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* Never outlive the test, even if it crashes. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execvp("redis-server", (char *const *)argv);
        _exit(127);
    }
    track(pid);
    s->pid = pid;
    if (!server_ready(s))
        fail_msg("redis-server on port %d / socket '%s' did not come up", s->port, s->sock);
}

static void server_stop(server *s, int sig)
{
    reap(s->pid, sig);
    s->pid = 0;
}

static server tcp_server(const char *password)
{
    server s;
    memset(&s, 0, sizeof s);
    s.port = free_port();
    if (password)
        snprintf(s.password, sizeof s.password, "%s", password);
    server_start(&s);
    return s;
}

static redis_conf conf_for(const server *s)
{
    redis_conf c;
    memset(&c, 0, sizeof c);
    c.host = "127.0.0.1";
    c.port = s->port;
    c.connect_timeout_ms = 2000;
    c.command_timeout_ms = 5000;
    c.key_prefix = "test:";
    return c;
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ddbsql-redis-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    for (int i = 0; i < MAX_CHILDREN; i++)
        reap(children[i], SIGKILL);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Kills whatever a failed test left running. */
static int test_teardown(void **state)
{
    (void)state;
    for (int i = 0; i < MAX_CHILDREN; i++)
        reap(children[i], SIGKILL);
    return 0;
}

/* ---- helpers -------------------------------------------------------------- */

static redisReply *cmd(redis_store *r, bool idem, const char *a0, const char *a1, const char *a2)
{
    const char *argv[3] = {a0, a1, a2};
    int argc = a2 ? 3 : a1 ? 2 : 1;
    err[0] = '\0';
    return redis_store_cmd(r, idem, argc, argv, NULL, err, sizeof err);
}

static void check_status(redisReply *rep, const char *status)
{
    if (!rep)
        fail_msg("command failed: %s", err);
    assert_int_equal(rep->type, REDIS_REPLY_STATUS);
    assert_string_equal(rep->str, status);
    freeReplyObject(rep);
}

static void check_str(redisReply *rep, const char *s)
{
    if (!rep)
        fail_msg("command failed: %s", err);
    assert_int_equal(rep->type, REDIS_REPLY_STRING);
    assert_int_equal(rep->len, strlen(s));
    assert_memory_equal(rep->str, s, strlen(s));
    freeReplyObject(rep);
}

static void check_nil(redisReply *rep)
{
    if (!rep)
        fail_msg("command failed: %s", err);
    assert_int_equal(rep->type, REDIS_REPLY_NIL);
    freeReplyObject(rep);
}

static void check_err(redisReply *rep, const char *prefix)
{
    if (rep) {
        freeReplyObject(rep);
        fail_msg("command succeeded; expected: %s", prefix);
    }
    if (strncmp(err, prefix, strlen(prefix)) != 0)
        fail_msg("got '%s', expected '%s...'", err, prefix);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_set_get(void **state)
{
    (void)state;
    server s = tcp_server(NULL);
    redis_conf c = conf_for(&s);
    redis_store *r = redis_store_new(&c);
    assert_string_equal(redis_store_prefix(r), "test:");
    check_status(cmd(r, false, "SET", "test:k", "hello"), "OK");
    assert_true(redis_store_healthy(r));
    check_str(cmd(r, true, "GET", "test:k", NULL), "hello");
    check_nil(cmd(r, true, "GET", "test:missing", NULL));
    redisReply *rep = redis_store_cmdf(r, true, err, sizeof err, "STRLEN %s", "test:k");
    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_INTEGER);
    assert_int_equal(rep->integer, 5);
    freeReplyObject(rep);
    /* %b: binary argument through the printf-style call. */
    rep = redis_store_cmdf(r, false, err, sizeof err, "SET %s %b", "test:b", "a\0b", (size_t)3);
    check_status(rep, "OK");
    rep = cmd(r, true, "GET", "test:b", NULL);
    assert_non_null(rep);
    assert_int_equal(rep->len, 3);
    assert_memory_equal(rep->str, "a\0b", 3);
    freeReplyObject(rep);
    redis_store_free(r);
    server_stop(&s, SIGTERM);
}

static void test_binary_argv(void **state)
{
    (void)state;
    server s = tcp_server(NULL);
    redis_conf c = conf_for(&s);
    redis_store *r = redis_store_new(&c);
    static const char key[] = "test:key with spaces\r\n*1\r\n";
    static const char val[] = "\0\r\n$-1\r\n\xff\x00tail";
    const char *argv[] = {"SET", key, val};
    size_t lens[] = {3, sizeof key - 1, sizeof val - 1};
    redisReply *rep = redis_store_cmd(r, false, 3, argv, lens, err, sizeof err);
    check_status(rep, "OK");
    const char *gargv[] = {"GET", key};
    size_t glens[] = {3, sizeof key - 1};
    rep = redis_store_cmd(r, true, 2, gargv, glens, err, sizeof err);
    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_STRING);
    assert_int_equal(rep->len, sizeof val - 1);
    assert_memory_equal(rep->str, val, sizeof val - 1);
    freeReplyObject(rep);
    /* An empty command is refused without touching the connection. */
    assert_null(redis_store_cmd(r, true, 0, argv, NULL, err, sizeof err));
    assert_string_equal(err, "empty Redis command");
    redis_store_free(r);
    server_stop(&s, SIGTERM);
}

static void test_error_reply(void **state)
{
    (void)state;
    server s = tcp_server(NULL);
    redis_conf c = conf_for(&s);
    redis_store *r = redis_store_new(&c);
    check_status(cmd(r, false, "SET", "test:s", "text"), "OK");
    check_err(cmd(r, false, "INCR", "test:s", NULL), "ERR value is not an integer or out of range");
    assert_false(redis_store_healthy(r));
    check_err(cmd(r, true, "NOSUCHCOMMAND", NULL, NULL), "ERR unknown command");
    /* The connection is still good. */
    check_str(cmd(r, true, "GET", "test:s", NULL), "text");
    assert_true(redis_store_healthy(r));
    redis_store_free(r);
    server_stop(&s, SIGTERM);
}

static void test_auth(void **state)
{
    (void)state;
    server s = tcp_server("Corr3ct-Horse");
    redis_conf c = conf_for(&s);
    char want[128];

    c.password = "Corr3ct-Horse";
    redis_store *r = redis_store_new(&c);
    check_status(cmd(r, false, "SET", "test:a", "1"), "OK");
    check_str(cmd(r, true, "GET", "test:a", NULL), "1");
    redis_store_free(r);

    c.password = "Wr0ng-Battery";
    r = redis_store_new(&c);
    check_err(cmd(r, true, "GET", "test:a", NULL), "Redis rejected AUTH: ");
    assert_non_null(strstr(err, "WRONGPASS"));
    assert_null(strstr(err, "Wr0ng-Battery"));
    assert_null(strstr(err, "Corr3ct-Horse"));
    assert_false(redis_store_healthy(r));
    redis_store_free(r);

    c.password = NULL;
    r = redis_store_new(&c);
    snprintf(want, sizeof want,
             "Redis at 127.0.0.1:%d needs a password (set password in [redis]): NOAUTH", s.port);
    check_err(cmd(r, true, "GET", "test:a", NULL), want);
    redis_store_free(r);
    server_stop(&s, SIGTERM);

    /* AUTH against a server without a password: Redis's reply quotes the
     * command pattern, never our password. */
    s = tcp_server(NULL);
    c = conf_for(&s);
    c.password = "Unneeded-Secret";
    r = redis_store_new(&c);
    check_err(cmd(r, true, "PING", NULL, NULL),
              "Redis rejected AUTH: ERR AUTH <password> called without any password configured");
    assert_null(strstr(err, "Unneeded-Secret"));
    redis_store_free(r);
    server_stop(&s, SIGTERM);
}

static void test_select_db(void **state)
{
    (void)state;
    server s = tcp_server(NULL);
    redis_conf c = conf_for(&s);
    c.db = 3;
    redis_store *r3 = redis_store_new(&c);
    check_status(cmd(r3, false, "SET", "test:db", "three"), "OK");
    c.db = 0;
    redis_store *r0 = redis_store_new(&c);
    check_nil(cmd(r0, true, "GET", "test:db", NULL));
    check_status(cmd(r0, false, "SET", "test:db", "zero"), "OK");
    check_str(cmd(r3, true, "GET", "test:db", NULL), "three");
    /* The server's own view: db 3 holds the key. */
    redisContext *raw = redisConnect("127.0.0.1", s.port);
    assert_non_null(raw);
    redisReply *rep = redisCommand(raw, "SELECT 3");
    freeReplyObject(rep);
    rep = redisCommand(raw, "GET test:db");
    assert_string_equal(rep->str, "three");
    freeReplyObject(rep);
    redisFree(raw);
    redis_store_free(r0);
    redis_store_free(r3);

    c.db = 16; /* the server has 16 databases, 0 to 15 */
    redis_store *bad = redis_store_new(&c);
    check_err(cmd(bad, true, "PING", NULL, NULL),
              "Redis rejected SELECT 16: ERR DB index is out of range");
    redis_store_free(bad);
    server_stop(&s, SIGTERM);
}

static void test_connection_refused(void **state)
{
    (void)state;
    server s;
    memset(&s, 0, sizeof s);
    s.port = free_port();
    redis_conf c = conf_for(&s);
    redis_store *r = redis_store_new(&c);
    assert_true(redis_store_healthy(r)); /* nothing tried yet */
    char want[128];
    snprintf(want, sizeof want, "Redis at 127.0.0.1:%d is unreachable: Connection refused", s.port);
    assert_null(cmd(r, true, "PING", NULL, NULL));
    assert_string_equal(err, want);
    assert_false(redis_store_healthy(r));
    /* Still refused on the next command (it retries the connect). */
    assert_null(cmd(r, false, "PING", NULL, NULL));
    assert_string_equal(err, want);
    /* Once a server listens there, the same store works. */
    server_start(&s);
    check_status(cmd(r, true, "PING", NULL, NULL), "PONG");
    assert_true(redis_store_healthy(r));
    redis_store_free(r);
    server_stop(&s, SIGTERM);
}

static void test_reconnect_after_restart(void **state)
{
    (void)state;
    server s = tcp_server(NULL);
    redis_conf c = conf_for(&s);
    redis_store *r = redis_store_new(&c);
    check_status(cmd(r, false, "SET", "test:r", "before"), "OK");

    /* Server killed: the non-idempotent command fails (no retry), the next
     * one reports the refused reconnect. */
    server_stop(&s, SIGKILL);
    char where[64];
    snprintf(where, sizeof where, "Redis at 127.0.0.1:%d ", s.port);
    check_err(cmd(r, false, "SET", "test:r", "x"), where);
    assert_false(redis_store_healthy(r));
    char want[128];
    snprintf(want, sizeof want, "Redis at 127.0.0.1:%d is unreachable: Connection refused", s.port);
    assert_null(cmd(r, true, "GET", "test:r", NULL));
    assert_string_equal(err, want);

    /* Restarted on the same port: the store reconnects by itself. */
    server_start(&s);
    check_nil(cmd(r, true, "GET", "test:r", NULL)); /* --save '': data is gone */
    assert_true(redis_store_healthy(r));
    check_status(cmd(r, false, "SET", "test:r", "after"), "OK");

    /* Restart behind an open connection: an idempotent command is retried
     * once on a fresh connection and succeeds... */
    server_stop(&s, SIGKILL);
    server_start(&s);
    check_nil(cmd(r, true, "GET", "test:r", NULL));
    /* ...a non-idempotent one fails once, and the next command works. */
    server_stop(&s, SIGKILL);
    server_start(&s);
    check_err(cmd(r, false, "SET", "test:r", "y"), where);
    check_status(cmd(r, false, "SET", "test:r", "z"), "OK");
    check_str(cmd(r, true, "GET", "test:r", NULL), "z");
    redis_store_free(r);
    server_stop(&s, SIGTERM);
}

/* A listening socket that is never accepted: connects succeed (the kernel
 * completes them) but nothing ever answers. */
static int silent_listener(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 16), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* Connections waiting in the backlog of a listener (accepts them all). */
static int count_pending(int lfd)
{
    int n = 0, flags = fcntl(lfd, F_GETFL);
    fcntl(lfd, F_SETFL, flags | O_NONBLOCK);
    for (int fd; (fd = accept(lfd, NULL, NULL)) >= 0; n++)
        close(fd);
    fcntl(lfd, F_SETFL, flags);
    return n;
}

static void test_command_timeout(void **state)
{
    (void)state;
    server s;
    memset(&s, 0, sizeof s);
    int lfd = silent_listener(&s.port);
    redis_conf c = conf_for(&s);
    c.command_timeout_ms = 200;
    redis_store *r = redis_store_new(&c);
    char want[128];
    snprintf(want, sizeof want, "Redis at 127.0.0.1:%d did not answer within 200 ms", s.port);
    assert_null(cmd(r, true, "GET", "test:t", NULL));
    assert_string_equal(err, want);
    assert_false(redis_store_healthy(r));
    /* A timeout is not retried, even for an idempotent command. */
    assert_int_equal(count_pending(lfd), 1);
    /* The timed-out connection was dropped: the next command connects anew. */
    assert_null(cmd(r, true, "GET", "test:t", NULL));
    assert_string_equal(err, want);
    assert_int_equal(count_pending(lfd), 1);
    redis_store_free(r);
    close(lfd);
}

static void test_unix_socket(void **state)
{
    (void)state;
    server s;
    memset(&s, 0, sizeof s);
    s.port = 0; /* no TCP */
    snprintf(s.sock, sizeof s.sock, "%s/redis.sock", tmpdir);
    server_start(&s);
    redis_conf c;
    memset(&c, 0, sizeof c);
    c.socket = s.sock;
    c.host = "ignored.invalid";
    redis_store *r = redis_store_new(&c);
    assert_string_equal(redis_store_prefix(r), "ddbsql:"); /* the default */
    check_status(cmd(r, false, "SET", "test:u", "via-socket"), "OK");
    check_str(cmd(r, true, "GET", "test:u", NULL), "via-socket");
    redis_store_free(r);
    server_stop(&s, SIGTERM);

    char path[128], want[256];
    snprintf(path, sizeof path, "%s/missing.sock", tmpdir);
    c.socket = path;
    r = redis_store_new(&c);
    snprintf(want, sizeof want, "Redis at unix:%s is unreachable: No such file or directory", path);
    assert_null(cmd(r, true, "PING", NULL, NULL));
    assert_string_equal(err, want);
    redis_store_free(r);
}

/* A peer that accepts and closes at once: writing a large command to it
 * fails with EPIPE, which must not kill the process with SIGPIPE. */
static void test_peer_closes_no_sigpipe(void **state)
{
    (void)state;
    int port;
    int lfd = silent_listener(&port);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* Never outlive the test, even if it crashes (or is killed by the
         * very SIGPIPE this test is about). */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        alarm(60);
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 1);
        dup2(devnull, 2);
        for (;;) {
            int fd = accept(lfd, NULL, NULL);
            if (fd >= 0)
                close(fd);
        }
    }
    track(pid);
    close(lfd);
    assert_true(signal(SIGPIPE, SIG_DFL) != SIG_ERR);
    server s;
    memset(&s, 0, sizeof s);
    s.port = port;
    redis_conf c = conf_for(&s);
    redis_store *r = redis_store_new(&c);
    size_t n = 8 * 1024 * 1024;
    char *big = xmalloc(n);
    memset(big, 'v', n);
    const char *argv[] = {"SET", "test:big", big};
    size_t lens[] = {3, 8, n};
    char where[64];
    snprintf(where, sizeof where, "Redis at 127.0.0.1:%d ", port);
    for (int i = 0; i < 3; i++) {
        err[0] = '\0';
        redisReply *rep = redis_store_cmd(r, true, 3, argv, lens, err, sizeof err);
        assert_null(rep);
        check_err(NULL, where);
    }
    /* No SIGPIPE is left pending either. */
    sigset_t pending;
    sigpending(&pending);
    assert_false(sigismember(&pending, SIGPIPE));
    free(big);
    redis_store_free(r);
    reap(pid, SIGKILL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_set_get, test_teardown),
        cmocka_unit_test_teardown(test_binary_argv, test_teardown),
        cmocka_unit_test_teardown(test_error_reply, test_teardown),
        cmocka_unit_test_teardown(test_auth, test_teardown),
        cmocka_unit_test_teardown(test_select_db, test_teardown),
        cmocka_unit_test_teardown(test_connection_refused, test_teardown),
        cmocka_unit_test_teardown(test_reconnect_after_restart, test_teardown),
        cmocka_unit_test_teardown(test_command_timeout, test_teardown),
        cmocka_unit_test_teardown(test_unix_socket, test_teardown),
        cmocka_unit_test_teardown(test_peer_closes_no_sigpipe, test_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

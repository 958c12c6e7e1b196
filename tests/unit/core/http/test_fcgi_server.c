#include "core/http/fcgi_server.h"

#include "core/base/alloc.h"
#include "core/base/log.h"
#include "tests/unit/support/capture_stderr.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Upper bound for any wait on the child, so a broken server fails the test
 * instead of hanging it. Not a performance expectation. */
#define WAIT_LIMIT_MS 15000

/* ---- http_handle_one with a fake reader and handler ------------------- */

typedef struct fake_body {
    const char *data;
    size_t len, pos;
} fake_body;

static ssize_t fake_read(void *ctx, char *dst, size_t n)
{
    fake_body *fb = ctx;
    size_t left = fb->len - fb->pos;
    if (n > left)
        n = left;
    memcpy(dst, fb->data + fb->pos, n);
    fb->pos += n;
    return (ssize_t)n;
}

static int handler_calls;

/* Echoes the request; the principal and detail come from headers so tests
 * can vary them. */
static void echo_handler(void *app, http_request *req, http_response *resp)
{
    (void)app;
    handler_calls++;
    const char *who = http_header(req, "X-Principal");
    const char *detail = http_header(req, "X-Detail");
    snprintf(req->principal, sizeof req->principal, "%s", who ? who : "");
    if (detail)
        http_set_detail(req, "%s", detail);
    char *text = xmalloc(req->body.len + 256);
    snprintf(text, req->body.len + 256, "method=%s path=%s query=%s body=%s", req->method,
             req->path, req->query, buf_cstr(&req->body));
    http_response_text(resp, 200, "text/plain", text);
    free(text);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static char *handle(char **env, const char *body, const http_limits *lim, http_response *resp,
                    char rid[33])
{
    fake_body fb = {body, strlen(body), 0};
    capture_stderr_start();
    http_handle_one(env, fake_read, &fb, lim, echo_handler, NULL, resp, rid);
    return capture_stderr_stop();
}

static void test_handle_one_access_line(void **state)
{
    (void)state;
    char *env[] = {"REQUEST_METHOD=POST",
                   "SCRIPT_NAME=/mcp",
                   "QUERY_STRING=code=SECRETCODE42&state=xyz",
                   "REQUEST_URI=/mcp?code=SECRETCODE42&state=xyz",
                   "CONTENT_LENGTH=5",
                   "HTTP_X_PRINCIPAL=alice",
                   "HTTP_X_DETAIL=rpc=tools/call tool=query",
                   NULL};
    http_response resp;
    char rid[33];
    handler_calls = 0;
    char *log = handle(env, "hello", NULL, &resp, rid);
    assert_int_equal(handler_calls, 1);
    assert_int_equal(resp.status, 200);
    assert_string_equal(buf_cstr(&resp.body),
                        "method=POST path=/mcp query=code=SECRETCODE42&state=xyz body=hello");
    assert_int_equal(strlen(rid), 32);
    assert_int_equal(count_lines(log), 1);
    char expect[256];
    snprintf(expect, sizeof expect,
             " info: access rid=%s method=POST path=/mcp status=200 dur_ms=", rid);
    assert_non_null(strstr(log, expect));
    snprintf(expect, sizeof expect, " in=5 out=%zu principal=alice rpc=tools/call tool=query\n",
             resp.body.len);
    assert_non_null(strstr(log, expect));
    /* The query string (codes, tokens) never reaches the log. */
    assert_null(strstr(log, "SECRETCODE42"));
    assert_null(strstr(log, "state=xyz"));
    free(log);
    http_response_free(&resp);
}

static void test_handle_one_refusal(void **state)
{
    (void)state;
    http_limits lim;
    http_limits_default(&lim);
    lim.max_body_bytes = 10;
    char *env[] = {"REQUEST_METHOD=PUT", "SCRIPT_NAME=/mcp", "CONTENT_LENGTH=100", NULL};
    http_response resp;
    char rid[33];
    handler_calls = 0;
    char *log = handle(env, "", &lim, &resp, rid);
    assert_int_equal(handler_calls, 0);
    assert_int_equal(resp.status, 413);
    assert_string_equal(buf_cstr(&resp.headers), "Content-Type: application/json\r\n");
    assert_string_equal(
        buf_cstr(&resp.body),
        "{\"error\":\"the request body (100 bytes) is over the limit of 10 bytes\"}");
    assert_int_equal(count_lines(log), 1);
    assert_non_null(strstr(log, "method=PUT path=/mcp status=413 "));
    assert_non_null(strstr(log, " in=0 out="));
    assert_non_null(strstr(log, " principal=- refused\n"));
    free(log);
    http_response_free(&resp);

    /* Too many params: the handler is not called, the line still written. */
    lim.max_params = 2;
    char *many[] = {"REQUEST_METHOD=GET", "SCRIPT_NAME=/x", "HTTP_A=1", NULL};
    log = handle(many, "", &lim, &resp, rid);
    assert_int_equal(handler_calls, 0);
    assert_int_equal(resp.status, 431);
    assert_non_null(strstr(buf_cstr(&resp.body), "'HTTP_A' is beyond the limit of 2"));
    assert_non_null(strstr(log, "method=GET path=- status=431 "));
    free(log);
    http_response_free(&resp);
}

static int formatter_calls;
static void custom_refusal(http_response *resp, int status, const char *message)
{
    formatter_calls++;
    char body[300];
    snprintf(body, sizeof body, "refused %d: %s", status, message);
    http_response_text(resp, status, "text/plain", body);
}

static void test_refusal_formatter(void **state)
{
    (void)state;
    http_limits lim;
    http_limits_default(&lim);
    lim.max_body_bytes = 10;
    char *env[] = {"REQUEST_METHOD=POST", "SCRIPT_NAME=/mcp", "CONTENT_LENGTH=100", NULL};
    http_response resp;
    char rid[33];
    http_set_refusal_formatter(custom_refusal);
    formatter_calls = 0;
    char *log = handle(env, "", &lim, &resp, rid);
    assert_int_equal(formatter_calls, 1);
    assert_int_equal(resp.status, 413);
    assert_string_equal(buf_cstr(&resp.body),
                        "refused 413: the request body (100 bytes) is over the limit of 10 bytes");
    free(log);
    http_response_free(&resp);
    /* NULL restores the default {"error": ...} body. */
    http_set_refusal_formatter(NULL);
    log = handle(env, "", &lim, &resp, rid);
    assert_int_equal(formatter_calls, 1);
    assert_non_null(strstr(buf_cstr(&resp.body), "{\"error\":"));
    free(log);
    http_response_free(&resp);
}

static void test_access_line_sanitised(void **state)
{
    (void)state;
    char longpath[400] = "SCRIPT_NAME=/";
    memset(longpath + 13, 'p', 300);
    longpath[313] = '\0';
    char *env[] = {"REQUEST_METHOD=GE T",
                   "SCRIPT_NAME=/a b\n\x01\x7f"
                   "c%\xc3\xa9",
                   "HTTP_X_PRINCIPAL=bob smith\r\n", "HTTP_X_DETAIL=x\ny\tz", NULL};
    http_response resp;
    char rid[33];
    char *log = handle(env, "", NULL, &resp, rid);
    assert_int_equal(count_lines(log), 1);
    assert_non_null(strstr(log, " method=GE%20T path=/a%20b%0A%01%7Fc%25%C3%A9 status=200 "));
    assert_non_null(strstr(log, " principal=bob%20smith%0D%0A x%0Ay%09z\n"));
    free(log);
    http_response_free(&resp);

    char *env2[] = {longpath, NULL};
    log = handle(env2, "", NULL, &resp, rid);
    assert_int_equal(count_lines(log), 1);
    char cut[220] = " path=/";
    memset(cut + 7, 'p', 199);
    strcpy(cut + 206, "... ");
    assert_non_null(strstr(log, cut));
    assert_non_null(strstr(log, " method=- "));
    assert_non_null(strstr(log, " principal=-\n")); /* no detail: nothing after */
    free(log);
    http_response_free(&resp);
}

/* ---- A real FastCGI round trip against a forked fcgi_serve ------------ */

enum {
    FCGI_BEGIN_REQUEST = 1,
    FCGI_END_REQUEST = 3,
    FCGI_PARAMS = 4,
    FCGI_STDIN = 5,
    FCGI_STDOUT = 6,
    FCGI_STDERR = 7,
};

static int child_notify_fd = -1, child_go_fd = -1;

/* Tells the test it is mid-request, then waits for the go-ahead. Reports
 * whether a SIGTERM sent meanwhile is being held back (pending), as the
 * worker must do until the response is out. */
static void gated_handler(void *app, http_request *req, http_response *resp)
{
    char c = 'x';
    if (write(child_notify_fd, &c, 1) != 1 || read(child_go_fd, &c, 1) != 1)
        _exit(90);
    echo_handler(app, req, resp);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    http_response_header(resp, "X-Sigterm-Held", sigismember(&pending, SIGTERM) ? "yes" : "no");
}

typedef struct server {
    pid_t pid;
    char dir[48];
    char sock[100];
    char log[128];
    int notify_rd, go_wr;
    bool in_use;
} server;

/* Servers live in static storage so the teardown can clean up after a
 * failed assertion (which unwinds the test's stack). */
static server pool[2];

static server *start_server(http_handler handler, const http_limits *lim)
{
    server *s = NULL;
    for (size_t i = 0; i < sizeof pool / sizeof pool[0] && !s; i++)
        if (!pool[i].in_use)
            s = &pool[i];
    assert_non_null(s);
    memset(s, 0, sizeof *s);
    s->notify_rd = s->go_wr = -1;
    s->in_use = true;
    char dir[sizeof s->dir] = "/tmp/ddbsql-fcgi-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    memcpy(s->dir, dir, sizeof dir);
    snprintf(s->sock, sizeof s->sock, "%s/fcgi.sock", dir);
    snprintf(s->log, sizeof s->log, "%s/stderr.log", dir);
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(lfd >= 0);
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", s->sock);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(lfd, 16), 0);
    int notify[2], go[2];
    assert_int_equal(pipe(notify), 0);
    assert_int_equal(pipe(go), 0);
    fflush(NULL);
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        /* As lighttpd, spawn-fcgi and mod_fcgid do: the socket on fd 0. */
        dup2(lfd, 0);
        close(lfd);
        int logfd = open(s->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (logfd < 0)
            _exit(91);
        dup2(logfd, 2);
        close(logfd);
        close(notify[0]);
        close(go[1]);
        child_notify_fd = notify[1];
        child_go_fd = go[0];
        unsetenv("FCGI_WEB_SERVER_ADDRS");
        log_init("test");
        _exit(fcgi_serve(lim, handler, NULL));
    }
    close(lfd);
    close(notify[1]);
    close(go[0]);
    s->notify_rd = notify[0];
    s->go_wr = go[1];
    return s;
}

/* Waits for the child to exit; returns its wait status, or -1 after
 * WAIT_LIMIT_MS (then the child is killed). */
static int wait_exit(server *s)
{
    for (int waited = 0; waited < WAIT_LIMIT_MS; waited += 10) {
        int st;
        pid_t r = waitpid(s->pid, &st, WNOHANG);
        if (r == s->pid) {
            s->pid = 0;
            return st;
        }
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
    return -1;
}

static char *read_log(const server *s)
{
    FILE *f = fopen(s->log, "r");
    assert_non_null(f);
    buf_t b = BUF_INIT(1 << 20);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        assert_true(buf_append(&b, chunk, n));
    fclose(f);
    return buf_steal(&b);
}

static void stop_server(server *s)
{
    if (!s->in_use)
        return;
    s->in_use = false;
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
    if (s->notify_rd >= 0)
        close(s->notify_rd);
    if (s->go_wr >= 0)
        close(s->go_wr);
    unlink(s->sock);
    unlink(s->log);
    rmdir(s->dir);
}

static int connect_to(const server *s)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", s->sock);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void put_record(buf_t *b, int type, const void *data, size_t len)
{
    const int id = 1;
    unsigned char h[8] = {1,
                          (unsigned char)type,
                          (unsigned char)(id >> 8),
                          (unsigned char)id,
                          (unsigned char)(len >> 8),
                          (unsigned char)len,
                          0,
                          0};
    assert_true(buf_append(b, h, 8));
    assert_true(buf_append(b, data, len));
}

static void put_len(buf_t *b, size_t n)
{
    if (n < 128) {
        assert_true(buf_putc(b, (char)n));
    } else {
        unsigned char l[4] = {(unsigned char)((n >> 24) | 0x80), (unsigned char)(n >> 16),
                              (unsigned char)(n >> 8), (unsigned char)n};
        assert_true(buf_append(b, l, 4));
    }
}

/* A stream (PARAMS or STDIN) split into records, ended by an empty one
 * unless end is false. */
static void put_stream(buf_t *b, int type, const char *data, size_t len, bool end)
{
    for (size_t off = 0; off < len; off += 65535) {
        size_t n = len - off < 65535 ? len - off : 65535;
        put_record(b, type, data + off, n);
    }
    if (end)
        put_record(b, type, "", 0);
}

/* FCGI_KEEP_CONN in FCGI_BEGIN_REQUEST: the web server keeps the connection
 * open for further requests (nginx's fastcgi_keep_conn). */
static bool keep_conn;

static void build_request(buf_t *out, char **env, const char *body, size_t body_len,
                          bool send_stdin)
{
    const unsigned char begin[8] = {0, 1 /* RESPONDER */, keep_conn ? 1 : 0, 0, 0, 0, 0, 0};
    put_record(out, FCGI_BEGIN_REQUEST, begin, sizeof begin);
    buf_t params = BUF_INIT(1 << 20);
    for (size_t i = 0; env[i]; i++) {
        const char *eq = strchr(env[i], '=');
        size_t nlen = (size_t)(eq - env[i]), vlen = strlen(eq + 1);
        put_len(&params, nlen);
        put_len(&params, vlen);
        assert_true(buf_append(&params, env[i], nlen));
        assert_true(buf_append(&params, eq + 1, vlen));
    }
    put_stream(out, FCGI_PARAMS, buf_cstr(&params), params.len, true);
    buf_free(&params);
    if (send_stdin)
        put_stream(out, FCGI_STDIN, body, body_len, true);
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        assert_true(w > 0);
        p += w;
        n -= (size_t)w;
    }
}

static bool read_exact(int fd, void *dst, size_t n)
{
    char *p = dst;
    while (n > 0) {
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, WAIT_LIMIT_MS) <= 0)
            return false;
        ssize_t r = read(fd, p, n);
        if (r <= 0)
            return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

/* Reads records up to END_REQUEST; returns the STDOUT stream (malloc'd),
 * or NULL when the connection ended first. */
static char *read_response(int fd, int *app_status)
{
    buf_t out = BUF_INIT(8u << 20);
    for (;;) {
        unsigned char h[8];
        if (!read_exact(fd, h, 8)) {
            buf_free(&out);
            return NULL;
        }
        size_t clen = (size_t)h[4] << 8 | h[5], plen = h[6];
        char *content = xmalloc(clen + plen + 1);
        bool ok = read_exact(fd, content, clen + plen);
        if (ok && h[1] == FCGI_STDOUT)
            assert_true(buf_append(&out, content, clen));
        if (ok && h[1] == FCGI_END_REQUEST) {
            assert_int_equal(clen, 8);
            *app_status = content[0] << 24 | content[1] << 16 | content[2] << 8 | content[3];
            assert_int_equal(content[4], 0); /* FCGI_REQUEST_COMPLETE */
            free(content);
            return buf_steal(&out);
        }
        free(content);
        if (!ok) {
            buf_free(&out);
            return NULL;
        }
    }
}

/* One request on an open connection; returns the response. */
static char *request_on(int fd, char **env, const char *body, size_t body_len)
{
    buf_t req = BUF_INIT(8u << 20);
    build_request(&req, env, body, body_len, true);
    send_all(fd, req.data, req.len);
    buf_free(&req);
    int app_status = -1;
    char *resp = read_response(fd, &app_status);
    assert_non_null(resp);
    assert_int_equal(app_status, 0);
    return resp;
}

static char *round_trip(const server *s, char **env, const char *body, size_t body_len)
{
    int fd = connect_to(s);
    assert_true(fd >= 0);
    char *resp = request_on(fd, env, body, body_len);
    close(fd);
    return resp;
}

static void assert_exited_cleanly(server *s)
{
    int st = wait_exit(s);
    if (st == -1)
        fail_msg("the worker did not exit");
    if (!WIFEXITED(st))
        fail_msg("the worker died by signal %d", WIFSIGNALED(st) ? WTERMSIG(st) : -1);
    assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_fcgi_round_trip(void **state)
{
    (void)state;
    server *s = start_server(echo_handler, NULL);
    char *env[] = {"REQUEST_METHOD=POST",
                   "SCRIPT_NAME=/mcp",
                   "PATH_INFO=",
                   "QUERY_STRING=code=SECRETCODE99",
                   "CONTENT_LENGTH=11",
                   "CONTENT_TYPE=text/plain",
                   "HTTP_X_PRINCIPAL=carol",
                   NULL};
    char *resp = round_trip(s, env, "hello world", 11);
    const char *body = "method=POST path=/mcp query=code=SECRETCODE99 body=hello world";
    assert_true(strncmp(resp, "Status: 200 OK\r\nContent-Type: text/plain\r\nX-Request-Id: ", 56) ==
                0);
    char tail[160];
    snprintf(tail, sizeof tail, "\r\nContent-Length: %zu\r\n\r\n%s", strlen(body), body);
    assert_non_null(strstr(resp, tail));
    assert_string_equal(resp + strlen(resp) - strlen(body), body);
    free(resp);

    /* Long params (4-byte lengths) and a body over several STDIN records. */
    size_t big = 150000;
    char *bigbody = xmalloc(big + 1);
    memset(bigbody, 'b', big);
    bigbody[big] = '\0';
    char cl[64], longhdr[600] = "HTTP_X_LONG=";
    snprintf(cl, sizeof cl, "CONTENT_LENGTH=%zu", big);
    memset(longhdr + 12, 'L', 500);
    longhdr[512] = '\0';
    char *env2[] = {"REQUEST_METHOD=PUT", "SCRIPT_NAME=/big", cl, longhdr, NULL};
    resp = round_trip(s, env2, bigbody, big);
    assert_non_null(strstr(resp, "\r\n\r\nmethod=PUT path=/big query= body=bbbb"));
    assert_int_equal(strlen(strstr(resp, "body=") + 5), big);
    free(resp);
    free(bigbody);

    /* No CONTENT_LENGTH: read to the end of STDIN. */
    char *env3[] = {"REQUEST_METHOD=POST", "SCRIPT_NAME=/nolen", NULL};
    resp = round_trip(s, env3, "streamed", 8);
    assert_non_null(strstr(resp, "body=streamed"));
    free(resp);

    kill(s->pid, SIGTERM);
    assert_exited_cleanly(s);
    char *log = read_log(s);
    assert_non_null(strstr(log, "method=POST path=/mcp status=200 "));
    assert_non_null(strstr(log, " in=11 "));
    assert_non_null(strstr(log, " principal=carol\n"));
    assert_non_null(strstr(log, "method=PUT path=/big status=200 "));
    assert_non_null(strstr(log, " in=150000 "));
    assert_non_null(strstr(log, "path=/nolen status=200 "));
    assert_null(strstr(log, "SECRETCODE99"));
    assert_null(strstr(log, "LLLL"));
    free(log);
    stop_server(s);
}

static void test_fcgi_413_without_reading(void **state)
{
    (void)state;
    http_limits lim;
    http_limits_default(&lim);
    lim.max_body_bytes = 1024;
    server *s = start_server(echo_handler, &lim);
    int fd = connect_to(s);
    assert_true(fd >= 0);
    char *env[] = {"REQUEST_METHOD=POST", "SCRIPT_NAME=/mcp", "CONTENT_LENGTH=100000", NULL};
    buf_t req = BUF_INIT(1 << 20);
    /* The body is never sent: an answer proves it was not waited for. */
    build_request(&req, env, NULL, 0, false);
    send_all(fd, req.data, req.len);
    buf_free(&req);
    int app_status = -1;
    char *resp = read_response(fd, &app_status);
    close(fd);
    assert_non_null(resp);
    assert_true(strncmp(resp, "Status: 413 Content Too Large\r\n", 31) == 0);
    assert_non_null(strstr(resp, "\r\n\r\n{\"error\":\"the request body (100000 bytes) is over "
                                 "the limit of 1024 bytes\"}"));
    free(resp);
    kill(s->pid, SIGTERM);
    assert_exited_cleanly(s);
    stop_server(s);
}

static void wait_notify(server *s)
{
    struct pollfd pfd = {s->notify_rd, POLLIN, 0};
    assert_int_equal(poll(&pfd, 1, WAIT_LIMIT_MS), 1);
    char c;
    assert_int_equal(read(s->notify_rd, &c, 1), 1);
}

static void test_fcgi_signal_mid_request_finishes_it(void **state)
{
    (void)state;
    server *s = start_server(gated_handler, NULL);
    int fd = connect_to(s);
    assert_true(fd >= 0);
    char *env[] = {"REQUEST_METHOD=POST", "SCRIPT_NAME=/slow", "CONTENT_LENGTH=2", NULL};
    buf_t req = BUF_INIT(1 << 20);
    build_request(&req, env, "ok", 2, true);
    send_all(fd, req.data, req.len);
    buf_free(&req);
    wait_notify(s); /* the worker is inside the handler now */
    assert_int_equal(kill(s->pid, SIGTERM), 0);
    char go = 'g';
    assert_int_equal(write(s->go_wr, &go, 1), 1);
    int app_status = -1;
    char *resp = read_response(fd, &app_status);
    close(fd);
    assert_non_null(resp); /* the request was finished despite the signal */
    assert_true(strncmp(resp, "Status: 200 OK\r\n", 16) == 0);
    assert_non_null(strstr(resp, "path=/slow query= body=ok"));
    assert_non_null(strstr(resp, "\r\nX-Sigterm-Held: yes\r\n"));
    free(resp);
    assert_exited_cleanly(s);
    /* And then it stopped accepting. */
    int fd2 = connect_to(s);
    assert_int_equal(fd2, -1);
    char *log = read_log(s);
    assert_non_null(strstr(log, "path=/slow status=200 "));
    assert_non_null(strstr(log, "stopping on signal 15"));
    free(log);
    stop_server(s);
}

static void test_fcgi_idle_worker_exits_on_each_signal(void **state)
{
    (void)state;
    const int sigs[] = {SIGTERM, SIGINT, SIGUSR1};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        server *s = start_server(echo_handler, NULL);
        /* One request first: the worker is then surely serving. */
        char *env[] = {"REQUEST_METHOD=GET", "SCRIPT_NAME=/ping", NULL};
        char *resp = round_trip(s, env, "", 0);
        assert_true(strncmp(resp, "Status: 200 OK\r\n", 16) == 0);
        free(resp);
        assert_int_equal(kill(s->pid, sigs[i]), 0);
        assert_exited_cleanly(s);
        stop_server(s);
    }
}

static void test_fcgi_client_gone_does_not_kill_worker(void **state)
{
    (void)state;
    server *s = start_server(gated_handler, NULL);
    int fd = connect_to(s);
    assert_true(fd >= 0);
    char *env[] = {"REQUEST_METHOD=GET", "SCRIPT_NAME=/gone", NULL};
    buf_t req = BUF_INIT(1 << 20);
    build_request(&req, env, "", 0, true);
    send_all(fd, req.data, req.len);
    buf_free(&req);
    wait_notify(s);
    close(fd); /* the web server hangs up before the answer */
    char go = 'g';
    assert_int_equal(write(s->go_wr, &go, 1), 1);
    /* The next request is served by the same worker. */
    int fd2 = connect_to(s);
    assert_true(fd2 >= 0);
    char *env2[] = {"REQUEST_METHOD=GET", "SCRIPT_NAME=/after", NULL};
    req = (buf_t)BUF_INIT(1 << 20);
    build_request(&req, env2, "", 0, true);
    send_all(fd2, req.data, req.len);
    buf_free(&req);
    wait_notify(s);
    assert_int_equal(write(s->go_wr, &go, 1), 1);
    int app_status = -1;
    char *resp = read_response(fd2, &app_status);
    close(fd2);
    assert_non_null(resp);
    assert_non_null(strstr(resp, "path=/after"));
    assert_non_null(strstr(resp, "\r\nX-Sigterm-Held: no\r\n"));
    free(resp);
    kill(s->pid, SIGTERM);
    assert_exited_cleanly(s);
    stop_server(s);
}

static void test_fcgi_keep_conn(void **state)
{
    (void)state;
    http_limits lim;
    http_limits_default(&lim);
    lim.max_body_bytes = 64;
    server *s = start_server(echo_handler, &lim);
    keep_conn = true;
    int kept = connect_to(s);
    assert_true(kept >= 0);
    char *env1[] = {"REQUEST_METHOD=POST", "SCRIPT_NAME=/one", "CONTENT_LENGTH=3", NULL};
    char *resp = request_on(kept, env1, "one", 3);
    assert_non_null(strstr(resp, "path=/one query= body=one"));
    free(resp);
    /* The next request on the same connection is served... */
    char *env2[] = {"REQUEST_METHOD=POST", "SCRIPT_NAME=/two", "CONTENT_LENGTH=3", NULL};
    resp = request_on(kept, env2, "two", 3);
    assert_non_null(strstr(resp, "path=/two query= body=two"));
    free(resp);
    /* ...and so is another connection while that one stays open and idle
     * (another nginx worker process, or the upstream's second keepalive
     * connection). */
    int other = connect_to(s);
    assert_true(other >= 0);
    char *env3[] = {"REQUEST_METHOD=GET", "SCRIPT_NAME=/three", NULL};
    resp = request_on(other, env3, "", 0);
    assert_non_null(strstr(resp, "path=/three"));
    free(resp);
    resp = request_on(kept, env2, "two", 3);
    assert_non_null(strstr(resp, "path=/two query= body=two"));
    free(resp);
    /* A body refused unread (413) leaves the rest of its records on the
     * connection: the worker closes it rather than read them as the next
     * request. */
    char *env4[] = {"REQUEST_METHOD=POST", "SCRIPT_NAME=/big", "CONTENT_LENGTH=100", NULL};
    char big[101];
    memset(big, 'x', 100);
    big[100] = '\0';
    resp = request_on(other, env4, big, 100);
    assert_true(strncmp(resp, "Status: 413 ", 12) == 0);
    free(resp);
    char c;
    struct pollfd pfd = {other, POLLIN, 0};
    assert_int_equal(poll(&pfd, 1, WAIT_LIMIT_MS), 1);
    assert_int_equal(read(other, &c, 1), 0); /* closed by the worker */
    close(other);
    /* More kept connections than the worker holds (8): the least recently
     * used one is closed when another arrives, the rest stay usable. */
    int many[8];
    for (size_t i = 0; i < 8; i++) {
        many[i] = connect_to(s);
        assert_true(many[i] >= 0);
        resp = request_on(many[i], env3, "", 0);
        free(resp);
    }
    pfd = (struct pollfd){kept, POLLIN, 0};
    assert_int_equal(poll(&pfd, 1, WAIT_LIMIT_MS), 1);
    assert_int_equal(read(kept, &c, 1), 0); /* the oldest: closed */
    close(kept);
    for (size_t i = 0; i < 8; i++) {
        resp = request_on(many[i], env2, "two", 3);
        assert_non_null(strstr(resp, "path=/two query= body=two"));
        free(resp);
    }
    for (size_t i = 1; i < 8; i++)
        close(many[i]);
    kept = many[0];
    /* The web server closing its kept connection is no error, and an idle
     * worker holding one still stops at once on SIGTERM. */
    resp = request_on(kept, env1, "one", 3);
    assert_non_null(strstr(resp, "path=/one"));
    free(resp);
    int idle = connect_to(s);
    assert_true(idle >= 0);
    resp = request_on(idle, env3, "", 0);
    free(resp);
    close(kept);
    keep_conn = false;
    int fresh = connect_to(s);
    assert_true(fresh >= 0);
    resp = request_on(fresh, env3, "", 0);
    assert_non_null(strstr(resp, "path=/three"));
    free(resp);
    close(fresh);
    kill(s->pid, SIGTERM);
    assert_exited_cleanly(s);
    close(idle);
    char *log = read_log(s);
    assert_null(strstr(log, "failed"));
    assert_non_null(strstr(log, "stopping on signal 15"));
    free(log);
    stop_server(s);
}

static int cleanup_servers(void **state)
{
    (void)state;
    keep_conn = false;
    for (size_t i = 0; i < sizeof pool / sizeof pool[0]; i++)
        stop_server(&pool[i]);
    return 0;
}

static void test_not_a_fastcgi_socket(void **state)
{
    (void)state;
    int errpipe[2];
    assert_int_equal(pipe(errpipe), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        dup2(errpipe[1], 2);
        close(errpipe[0]);
        _exit(fcgi_serve(NULL, echo_handler, NULL));
    }
    close(errpipe[1]);
    char msg[512] = "";
    size_t got = 0;
    ssize_t n;
    while (got + 1 < sizeof msg && (n = read(errpipe[0], msg + got, sizeof msg - 1 - got)) > 0)
        got += (size_t)n;
    msg[got] = '\0';
    close(errpipe[0]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 2);
    assert_non_null(strstr(msg, "not a FastCGI listening socket"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handle_one_access_line),
        cmocka_unit_test(test_handle_one_refusal),
        cmocka_unit_test(test_refusal_formatter),
        cmocka_unit_test(test_access_line_sanitised),
        cmocka_unit_test_teardown(test_fcgi_round_trip, cleanup_servers),
        cmocka_unit_test_teardown(test_fcgi_413_without_reading, cleanup_servers),
        cmocka_unit_test_teardown(test_fcgi_signal_mid_request_finishes_it, cleanup_servers),
        cmocka_unit_test_teardown(test_fcgi_idle_worker_exits_on_each_signal, cleanup_servers),
        cmocka_unit_test_teardown(test_fcgi_client_gone_does_not_kill_worker, cleanup_servers),
        cmocka_unit_test_teardown(test_fcgi_keep_conn, cleanup_servers),
        cmocka_unit_test(test_not_a_fastcgi_socket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

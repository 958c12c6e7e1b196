/* The FastCGI accept loop.
 *
 * Start-up: lighttpd, spawn-fcgi and Apache mod_fcgid all hand the worker
 * its listening socket as fd 0 (FCGI_LISTENSOCK_FILENO); libfcgi checks
 * FCGI_WEB_SERVER_ADDRS itself for TCP sockets.
 *
 * Stopping: SIGTERM, SIGINT and SIGUSR1 stay blocked except while the
 * worker waits for a connection in pselect(), which unblocks them
 * atomically. So a signal that arrives mid-request is held until the
 * response is written, and an idle worker wakes and exits at once, with no
 * window where a signal could be lost between a flag check and accept().
 * The listening socket is non-blocking so that a worker that loses the
 * race for a connection to a sibling sharing the socket (spawn-fcgi -F)
 * goes back to pselect() instead of blocking in accept() with the signals
 * masked. SIGPIPE is ignored: a client that went away makes writes fail,
 * which is logged, and the worker carries on.
 *
 * Kept connections: a web server may set FCGI_KEEP_CONN (nginx with
 * fastcgi_keep_conn on and an upstream keepalive pool) and send its next
 * request on the same connection instead of connecting again. The worker
 * then waits on the listening socket and on every connection it keeps, one
 * FCGX_Request each (up to KEPT_MAX), and serves whichever has a request;
 * one at a time, as always. */
#include "fcgi_server.h"

#include "../base/json_util.h"
#include "../base/log.h"
#include "../base/timeutil.h"

#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>

#define LISTEN_FD 0
/* Connections kept open for the web server at once; when one more arrives,
 * the least recently used idle one is closed (the web server reconnects). */
#define KEPT_MAX 8

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
    stop_signal = sig;
}

/* Copies s for the access log: bytes that could split a field or forge a
 * line (controls, DEL, non-ASCII, '%', and spaces unless keep_spaces) are
 * %XX-escaped; a value longer than maxlen input bytes is cut with "...";
 * "-" stands for an empty value. */
static void log_value(const char *s, size_t maxlen, bool keep_spaces, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0, i = 0;
    for (; s && s[i] && o + 7 < outlen; i++) {
        if (i == maxlen)
            break;
        unsigned char c = (unsigned char)s[i];
        if (c > 0x20 && c < 0x7f && c != '%') {
            out[o++] = (char)c;
        } else if (c == ' ' && keep_spaces) {
            out[o++] = ' ';
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    if (s && s[i]) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    if (o == 0)
        out[o++] = '-';
    out[o] = '\0';
}

static void log_access(const http_request *req, const http_response *resp)
{
    char method[64], path[512], principal[400], detail[500];
    log_value(req->method, 16, false, method, sizeof method);
    log_value(req->path, 200, false, path, sizeof path);
    log_value(req->principal, sizeof req->principal, false, principal, sizeof principal);
    log_value(req->detail, sizeof req->detail, true, detail, sizeof detail);
    long long dur = (long long)(mono_ms() - req->start_ms);
    /* The query string and the bodies are never logged: they can carry
     * authorization codes, tokens and user data. */
    log_msg(LOG_INFO,
            "access rid=%s method=%s path=%s status=%d dur_ms=%lld in=%zu out=%zu principal=%s%s%s",
            req->request_id, method, path, resp->status, dur, req->body.len, resp->body.len,
            principal, req->detail[0] ? " " : "", req->detail[0] ? detail : "");
}

static void default_refusal(http_response *resp, int status, const char *message)
{
    json_object *doc = json_object_new_object();
    jset_str(doc, "error", message);
    http_response_json(resp, status, doc);
    json_object_put(doc);
}

static http_refusal_formatter refusal_formatter = default_refusal;

void http_set_refusal_formatter(http_refusal_formatter fn)
{
    refusal_formatter = fn ? fn : default_refusal;
}

void http_handle_one(char **envp, http_body_reader reader, void *reader_ctx,
                     const http_limits *limits, http_handler handler, void *app,
                     http_response *resp, char request_id_out[33])
{
    http_response_init(resp);
    http_request req;
    char err[256];
    int status = http_request_init(&req, envp, reader, reader_ctx, limits, err, sizeof err);
    if (status) {
        refusal_formatter(resp, status, err);
        http_set_detail(&req, "refused");
    } else {
        handler(app, &req, resp);
    }
    log_access(&req, resp);
    memcpy(request_id_out, req.request_id, sizeof req.request_id);
    http_request_free(&req);
}

static ssize_t fcgi_read(void *ctx, char *dst, size_t n)
{
    FCGX_Stream *in = ctx;
    int got = FCGX_GetStr(dst, n > INT_MAX ? INT_MAX : (int)n, in);
    if (got < 0 || (got == 0 && FCGX_GetError(in) != 0))
        return -1;
    return got;
}

static ssize_t fcgi_write(void *ctx, const char *data, size_t n)
{
    int put = FCGX_PutStr(data, n > INT_MAX ? INT_MAX : (int)n, (FCGX_Stream *)ctx);
    return put < 0 ? -1 : put;
}

static bool install_signals(sigset_t *wait_mask)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &sa, NULL) != 0)
        return false;
    /* No SA_RESTART: pselect must return on the signal. */
    sa.sa_handler = on_stop;
    sigset_t stops, old;
    sigemptyset(&stops);
    static const int sigs[] = {SIGTERM, SIGINT, SIGUSR1};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        sigaddset(&sa.sa_mask, sigs[i]);
        sigaddset(&stops, sigs[i]);
    }
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (sigaction(sigs[i], &sa, NULL) != 0)
            return false;
    if (sigprocmask(SIG_BLOCK, &stops, &old) != 0)
        return false;
    *wait_mask = old;
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigdelset(wait_mask, sigs[i]);
    return true;
}

typedef struct conn_slot {
    FCGX_Request req; /* req.ipcFd >= 0: a kept connection */
    unsigned long long last_used;
} conn_slot;

/* Closes an idle kept connection. Its last request was read to the end, so
 * there is no unread input to wait for (see the loop in fcgi_serve). */
static void close_kept(FCGX_Request *r)
{
    if (r->ipcFd < 0)
        return;
    FCGX_Detach(r);
    FCGX_Free(r, 1);
    FCGX_Attach(r);
}

/* The slot for a new connection: a free one, else the least recently used
 * kept connection, closed (it is idle: the worker serves one request at a
 * time). */
static conn_slot *slot_for_accept(conn_slot *slots)
{
    conn_slot *lru = &slots[0];
    for (size_t i = 0; i < KEPT_MAX; i++) {
        if (slots[i].req.ipcFd < 0)
            return &slots[i];
        if (slots[i].last_used < lru->last_used)
            lru = &slots[i];
    }
    close_kept(&lru->req);
    return lru;
}

/* Waits until a kept connection or the listening socket is readable, or a
 * stop signal arrives. Returns the slot to accept on (a readable kept
 * connection first: its web server is waiting on it), or NULL on a stop
 * signal or a fatal error (*failed set). */
static conn_slot *wait_for_work(conn_slot *slots, const sigset_t *wait_mask, bool *failed)
{
    for (;;) {
        if (stop_signal)
            return NULL;
        fd_set rfds;
        FD_ZERO(&rfds);
        FD_SET(LISTEN_FD, &rfds);
        int maxfd = LISTEN_FD;
        for (size_t i = 0; i < KEPT_MAX; i++) {
            int fd = slots[i].req.ipcFd;
            if (fd < 0)
                continue;
            if (fd >= FD_SETSIZE) { /* cannot be waited on: let it go */
                close_kept(&slots[i].req);
                continue;
            }
            FD_SET(fd, &rfds);
            maxfd = fd > maxfd ? fd : maxfd;
        }
        int rc = pselect(maxfd + 1, &rfds, NULL, NULL, NULL, wait_mask);
        if (rc > 0) {
            for (size_t i = 0; i < KEPT_MAX; i++)
                if (slots[i].req.ipcFd >= 0 && FD_ISSET(slots[i].req.ipcFd, &rfds))
                    return &slots[i];
            return slot_for_accept(slots);
        }
        if (rc < 0 && errno != EINTR) {
            log_msg(LOG_ERROR, "waiting for FastCGI connections failed: %s", strerror(errno));
            *failed = true;
            return NULL;
        }
    }
}

int fcgi_serve(const http_limits *limits, http_handler handler, void *app)
{
    http_limits dflt;
    if (!limits) {
        http_limits_default(&dflt);
        limits = &dflt;
    }
    sigset_t wait_mask;
    /* Before FCGX_Init, so libfcgi keeps our SIGPIPE and SIGUSR1 handlers
     * (it installs its own only over SIG_DFL). */
    if (!install_signals(&wait_mask)) {
        log_msg(LOG_ERROR, "installing signal handlers failed: %s", strerror(errno));
        return 1;
    }
    if (FCGX_Init() != 0) {
        log_msg(LOG_ERROR, "initialising libfcgi failed");
        return 1;
    }
    if (FCGX_IsCGI()) {
        log_msg(LOG_ERROR, "standard input is not a FastCGI listening socket: run this program "
                           "from lighttpd, Apache mod_fcgid or spawn-fcgi");
        return 2;
    }
    int fl = fcntl(LISTEN_FD, F_GETFL);
    if (fl < 0 || fcntl(LISTEN_FD, F_SETFL, fl | O_NONBLOCK) < 0) {
        log_msg(LOG_ERROR, "making the listening socket non-blocking failed: %s", strerror(errno));
        return 1;
    }
    conn_slot slots[KEPT_MAX];
    memset(slots, 0, sizeof slots);
    for (size_t i = 0; i < KEPT_MAX; i++)
        FCGX_InitRequest(&slots[i].req, LISTEN_FD, 0);
    log_msg(LOG_DEBUG, "worker ready");
    bool failed = false;
    unsigned long long served = 0;
    conn_slot *slot;
    while ((slot = wait_for_work(slots, &wait_mask, &failed)) != NULL) {
        FCGX_Request *freq = &slot->req;
        int rc = FCGX_Accept_r(freq);
        if (rc < 0) {
            /* Lost the race for the connection, it was aborted, or a kept
             * connection was closed by the web server. */
            if (rc == -EAGAIN || rc == -EWOULDBLOCK || rc == -EINTR || rc == -ECONNABORTED)
                continue;
            log_msg(LOG_ERROR, "accepting a FastCGI connection failed: %s",
                    rc > -9000 ? strerror(-rc) : "libfcgi error");
            failed = true;
            break;
        }
        slot->last_used = ++served;
        http_response resp;
        char rid[33];
        http_handle_one(freq->envp, fcgi_read, freq->in, limits, handler, app, &resp, rid);
        if (!http_response_write(&resp, rid, fcgi_write, freq->out))
            log_msg(LOG_WARN, "rid=%s writing the response failed (the client went away?)", rid);
        /* libfcgi's close shuts down its write side and waits for the web
         * server to close first, so unread input cannot become a TCP reset
         * that destroys the response. When the whole input was read there
         * is nothing to reset, and the wait only idles the worker for a
         * round trip, so skip it. 413 and 431 leave the body unread. */
        bool drained = resp.status != 413 && resp.status != 431 &&
                       (FCGX_HasSeenEOF(freq->in) == EOF || FCGX_GetChar(freq->in) == EOF);
        http_response_free(&resp);
        /* A kept connection with unread input would have the rest of this
         * request read as the next one: close it. */
        if (!drained)
            freq->keepConnection = 0;
        if (drained)
            FCGX_Detach(freq);
        FCGX_Finish_r(freq);
        FCGX_Attach(freq);
    }
    for (size_t i = 0; i < KEPT_MAX; i++)
        close_kept(&slots[i].req);
    if (stop_signal)
        log_msg(LOG_INFO, "stopping on signal %d", (int)stop_signal);
    return failed ? 1 : 0;
}

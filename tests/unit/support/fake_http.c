#include "fake_http.h"

#include "core/base/alloc.h"
#include "core/base/timeutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define FH_MAX_CONNS   64
#define FH_MAX_REQUEST (8u << 20)

typedef struct script_item {
    fh_action action;
    int status;
    char *headers;
    char *body;
    int delay_ms;
} script_item;

typedef enum { C_READING, C_SENDING, C_HUNG } conn_state;

typedef struct conn {
    int fd;
    conn_state state;
    char *in;
    size_t inlen, incap;
    bool sent_continue;
    char *out;
    size_t outlen;
    int64_t send_at;
} conn;

struct fake_http {
    int listen_fd;
    int wake[2];
    int port;
    char url[64];
    pthread_t thread;
    pthread_mutex_t mu;
    script_item *script;
    size_t nscript, script_next, script_cap;
    fake_http_req **reqs;
    size_t nreqs, reqs_cap;
    size_t nconns_total;
    conn conns[FH_MAX_CONNS];
    size_t nconns;
};

static void fh_die(const char *what)
{
    fprintf(stderr, "fake_http: %s: %s\n", what, strerror(errno));
    abort();
}

static const char *reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

static void conn_close(fake_http *s, size_t i)
{
    conn *c = &s->conns[i];
    close(c->fd);
    free(c->in);
    free(c->out);
    s->conns[i] = s->conns[--s->nconns];
}

static char *dup_range(const char *p, size_t n)
{
    while (n && (*p == ' ' || *p == '\t')) {
        p++;
        n--;
    }
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
        n--;
    return xstrndup(p, n);
}

/* Parses the request at the head of c->in. Returns its total length when
 * it is complete, 0 when more bytes are needed. */
static size_t parse_request(conn *c, fake_http_req **out)
{
    const char *end = NULL;
    for (size_t i = 0; i + 3 < c->inlen; i++)
        if (memcmp(c->in + i, "\r\n\r\n", 4) == 0) {
            end = c->in + i;
            break;
        }
    if (!end)
        return 0;
    size_t head_len = (size_t)(end - c->in) + 4;
    fake_http_req *r = xcalloc(1, sizeof *r);
    const char *line = c->in;
    const char *eol = memchr(line, '\r', (size_t)(end - line) + 1);
    const char *sp1 = memchr(line, ' ', (size_t)(eol - line));
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
    r->method = sp1 ? xstrndup(line, (size_t)(sp1 - line)) : xstrdup("");
    r->path = sp2 ? xstrndup(sp1 + 1, (size_t)(sp2 - sp1 - 1)) : xstrdup("");
    size_t content_length = 0;
    bool expect = false;
    for (line = eol + 2; line < end + 2; line = eol + 2) {
        eol = memchr(line, '\r', (size_t)(end + 2 - line));
        if (!eol)
            break;
        const char *colon = memchr(line, ':', (size_t)(eol - line));
        if (!colon)
            continue;
        r->headers = xreallocarray(r->headers, r->nheaders + 1, sizeof *r->headers);
        fake_http_header *h = &r->headers[r->nheaders++];
        h->name = dup_range(line, (size_t)(colon - line));
        h->value = dup_range(colon + 1, (size_t)(eol - colon - 1));
        if (strcasecmp(h->name, "Content-Length") == 0)
            content_length = strtoul(h->value, NULL, 10);
        if (strcasecmp(h->name, "Expect") == 0 && strcasecmp(h->value, "100-continue") == 0)
            expect = true;
    }
    if (c->inlen < head_len + content_length) {
        if (expect && !c->sent_continue) {
            static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
            (void)!send(c->fd, cont, sizeof cont - 1, MSG_NOSIGNAL);
            c->sent_continue = true;
        }
        for (size_t i = 0; i < r->nheaders; i++) {
            free(r->headers[i].name);
            free(r->headers[i].value);
        }
        free(r->headers);
        free(r->method);
        free(r->path);
        free(r);
        return 0;
    }
    r->body = xstrndup(c->in + head_len, content_length);
    r->body_len = content_length;
    *out = r;
    return head_len + content_length;
}

static void record(fake_http *s, fake_http_req *r, script_item *item)
{
    pthread_mutex_lock(&s->mu);
    if (s->nreqs == s->reqs_cap) {
        s->reqs_cap = s->reqs_cap ? s->reqs_cap * 2 : 16;
        s->reqs = xreallocarray(s->reqs, s->reqs_cap, sizeof *s->reqs);
    }
    s->reqs[s->nreqs++] = r;
    if (s->script_next < s->nscript) {
        *item = s->script[s->script_next++];
    } else {
        item->action = FH_RESPOND;
        item->status = 500;
        item->headers = "Content-Type: application/json\r\n";
        item->body = "{\"__type\":\"FakeHttpScriptExhausted\","
                     "\"message\":\"fake_http: no scripted response left\"}";
        item->delay_ms = 0;
    }
    pthread_mutex_unlock(&s->mu);
}

/* Handles bytes arriving on connection i; returns false if it was closed. */
static bool on_readable(fake_http *s, size_t i)
{
    conn *c = &s->conns[i];
    char tmp[65536];
    ssize_t n = recv(c->fd, tmp, sizeof tmp, 0);
    if (n <= 0) {
        conn_close(s, i);
        return false;
    }
    if (c->state == C_HUNG)
        return true;
    if (c->inlen + (size_t)n > FH_MAX_REQUEST) {
        conn_close(s, i);
        return false;
    }
    if (c->inlen + (size_t)n > c->incap) {
        c->incap = (c->inlen + (size_t)n) * 2;
        c->in = xrealloc(c->in, c->incap);
    }
    memcpy(c->in + c->inlen, tmp, (size_t)n);
    c->inlen += (size_t)n;
    if (c->state != C_READING)
        return true;
    fake_http_req *r = NULL;
    size_t used = parse_request(c, &r);
    if (!used)
        return true;
    memmove(c->in, c->in + used, c->inlen - used);
    c->inlen -= used;
    c->sent_continue = false;
    script_item item;
    record(s, r, &item);
    switch (item.action) {
    case FH_HANG:
        c->state = C_HUNG;
        return true;
    case FH_CLOSE:
        conn_close(s, i);
        return false;
    case FH_RESPOND:
        break;
    }
    const char *body = item.body ? item.body : "";
    const char *hdrs = item.headers ? item.headers : "";
    size_t blen = strlen(body);
    int len = snprintf(NULL, 0, "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n%s\r\n", item.status,
                       reason(item.status), blen, hdrs);
    c->out = xmalloc((size_t)len + blen + 1);
    snprintf(c->out, (size_t)len + 1, "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n%s\r\n",
             item.status, reason(item.status), blen, hdrs);
    memcpy(c->out + len, body, blen);
    c->outlen = (size_t)len + blen;
    c->send_at = mono_ms() + item.delay_ms;
    c->state = C_SENDING;
    return true;
}

/* Sends a due response; returns false if the connection was closed. */
static bool send_due(fake_http *s, size_t i)
{
    conn *c = &s->conns[i];
    size_t off = 0;
    while (off < c->outlen) {
        ssize_t n = send(c->fd, c->out + off, c->outlen - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            conn_close(s, i);
            return false;
        }
        off += (size_t)n;
    }
    free(c->out);
    c->out = NULL;
    c->state = C_READING;
    return true;
}

static void *serve(void *arg)
{
    fake_http *s = arg;
    for (;;) {
        struct pollfd pfd[FH_MAX_CONNS + 2];
        pfd[0] = (struct pollfd){.fd = s->wake[0], .events = POLLIN};
        pfd[1] = (struct pollfd){.fd = s->listen_fd, .events = POLLIN};
        int timeout = -1;
        int64_t now = mono_ms();
        for (size_t i = 0; i < s->nconns; i++) {
            pfd[i + 2] = (struct pollfd){.fd = s->conns[i].fd, .events = POLLIN};
            if (s->conns[i].state == C_SENDING) {
                int64_t wait = s->conns[i].send_at - now;
                int w = wait < 0 ? 0 : (int)wait;
                if (timeout < 0 || w < timeout)
                    timeout = w;
            }
        }
        size_t npfd = s->nconns + 2;
        int rc = poll(pfd, npfd, timeout);
        if (rc < 0 && errno != EINTR)
            fh_die("poll");
        if (pfd[0].revents)
            return NULL;
        /* Connections, in reverse so closing one (swap with the last) does
         * not disturb the indices still to visit. */
        now = mono_ms();
        for (size_t k = npfd - 2; k-- > 0;) {
            if (rc > 0 && pfd[k + 2].revents && !on_readable(s, k))
                continue;
            if (s->conns[k].state == C_SENDING && s->conns[k].send_at <= now)
                send_due(s, k);
        }
        if (rc > 0 && (pfd[1].revents & POLLIN)) {
            int fd = accept(s->listen_fd, NULL, NULL);
            if (fd >= 0 && s->nconns < FH_MAX_CONNS) {
                s->conns[s->nconns++] = (conn){.fd = fd, .state = C_READING};
                pthread_mutex_lock(&s->mu);
                s->nconns_total++;
                pthread_mutex_unlock(&s->mu);
            } else if (fd >= 0) {
                close(fd);
            }
        }
    }
}

fake_http *fake_http_start(void)
{
    fake_http *s = xcalloc(1, sizeof *s);
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->listen_fd < 0)
        fh_die("socket");
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(s->listen_fd, 64) != 0)
        fh_die("bind/listen");
    socklen_t alen = sizeof a;
    if (getsockname(s->listen_fd, (struct sockaddr *)&a, &alen) != 0)
        fh_die("getsockname");
    s->port = ntohs(a.sin_port);
    snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d", s->port);
    if (pipe(s->wake) != 0)
        fh_die("pipe");
    fcntl(s->wake[0], F_SETFD, FD_CLOEXEC);
    fcntl(s->wake[1], F_SETFD, FD_CLOEXEC);
    pthread_mutex_init(&s->mu, NULL);
    if (pthread_create(&s->thread, NULL, serve, s) != 0)
        fh_die("pthread_create");
    return s;
}

static void free_req(fake_http_req *r)
{
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    free(r->method);
    free(r->path);
    free(r->body);
    free(r);
}

void fake_http_stop(fake_http *s)
{
    if (!s)
        return;
    (void)!write(s->wake[1], "x", 1);
    pthread_join(s->thread, NULL);
    while (s->nconns)
        conn_close(s, s->nconns - 1);
    close(s->listen_fd);
    close(s->wake[0]);
    close(s->wake[1]);
    for (size_t i = 0; i < s->nscript; i++) {
        free(s->script[i].headers);
        free(s->script[i].body);
    }
    free(s->script);
    for (size_t i = 0; i < s->nreqs; i++)
        free_req(s->reqs[i]);
    free(s->reqs);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

void fake_http_push(fake_http *s, const fake_http_resp *r)
{
    pthread_mutex_lock(&s->mu);
    if (s->nscript == s->script_cap) {
        s->script_cap = s->script_cap ? s->script_cap * 2 : 16;
        s->script = xreallocarray(s->script, s->script_cap, sizeof *s->script);
    }
    s->script[s->nscript++] = (script_item){
        .action = r->action,
        .status = r->status,
        .headers = r->headers ? xstrdup(r->headers) : NULL,
        .body = r->body ? xstrdup(r->body) : NULL,
        .delay_ms = r->delay_ms,
    };
    pthread_mutex_unlock(&s->mu);
}

void fake_http_push_simple(fake_http *s, int status, const char *content_type, const char *body)
{
    char hdr[256];
    snprintf(hdr, sizeof hdr, "Content-Type: %s\r\n", content_type);
    fake_http_resp r = {.action = FH_RESPOND, .status = status, .headers = hdr, .body = body};
    fake_http_push(s, &r);
}

void fake_http_push_hang(fake_http *s)
{
    fake_http_resp r = {.action = FH_HANG};
    fake_http_push(s, &r);
}

void fake_http_push_close(fake_http *s)
{
    fake_http_resp r = {.action = FH_CLOSE};
    fake_http_push(s, &r);
}

int fake_http_port(const fake_http *s)
{
    return s->port;
}

const char *fake_http_url(const fake_http *s)
{
    return s->url;
}

size_t fake_http_nrequests(fake_http *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->nreqs;
    pthread_mutex_unlock(&s->mu);
    return n;
}

const fake_http_req *fake_http_request(fake_http *s, size_t i)
{
    pthread_mutex_lock(&s->mu);
    const fake_http_req *r = i < s->nreqs ? s->reqs[i] : NULL;
    pthread_mutex_unlock(&s->mu);
    return r;
}

const char *fake_http_header_get(const fake_http_req *r, const char *name)
{
    for (size_t i = 0; r && i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

size_t fake_http_nconnections(fake_http *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->nconns_total;
    pthread_mutex_unlock(&s->mu);
    return n;
}

int fake_http_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        fh_die("socket");
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0)
        fh_die("bind");
    close(fd);
    return ntohs(a.sin_port);
}

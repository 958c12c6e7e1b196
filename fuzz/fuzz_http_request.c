/* libFuzzer target: a FastCGI request as the worker receives it, through
 * core/http: the CGI params (bounded copy, the path from SCRIPT_NAME +
 * PATH_INFO or REQUEST_URI), the body (Content-Length, the cap, short and
 * failing reads), the header helpers (http_header, http_media_type,
 * http_accepts), then http_handle_one with an echoing handler, the access
 * log line and the response as written to the front end. libfcgi's own
 * record layer is not ours and not fuzzed here; fcgi_read hands its bytes
 * to the same reader interface this target drives.
 *
 * Input: a flags byte, a reader byte, then CGI params one per line
 * ("NAME=value", any bytes but NUL and newline) up to an empty line, then
 * the body. Flags: bits 0-1 the reader (0 whole chunks, 1 short reads of
 * 1..8 bytes, 2 an error after the reader byte's count of bytes, 3 a
 * reader that hands back more than asked once), 4 small limits, 8 add the
 * body's true CONTENT_LENGTH, 16 a handler that answers 204 or 304, 32 an
 * Authorization header and a query string holding markers the log must not
 * show.
 *
 * Any input must be served or refused (400, 413, 431) with a message,
 * never crash, leak, hang or overrun; an accepted body has exactly the
 * announced length and is within the cap; the written response has a
 * Status line, headers without stray CR or LF, and the body's true length;
 * the access log is one line, and never holds the query string, the body
 * or the Authorization header. */
#include "core/base/alloc.h"
#include "core/base/buf.h"
#include "core/base/log.h"
#include "core/base/secure.h"
#include "core/http/fcgi_server.h"
#include "core/http/request.h"
#include "core/http/response.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "invariant broken: %s\n", what);
        abort();
    }
}

typedef struct body_src {
    const char *p;
    size_t len, off;
    int mode;      /* flags & 3 */
    unsigned arg;  /* the reader byte */
    bool overread; /* mode 3: the one oversized answer was given */
} body_src;

static ssize_t body_read(void *ctx, char *dst, size_t n)
{
    body_src *b = ctx;
    size_t left = b->len - b->off;
    size_t k = n < left ? n : left;
    if (b->mode == 1)
        k = k < 1 + (b->arg & 7) ? k : 1 + (b->arg & 7);
    if (b->mode == 2 && b->off >= b->arg)
        return -1;
    if (b->mode == 3 && !b->overread && k == n && k < left) {
        b->overread = true;
        return (ssize_t)n + 1; /* a broken reader: must be refused, not trusted */
    }
    memcpy(dst, b->p + b->off, k);
    b->off += k;
    return (ssize_t)k;
}

static int answer_status;

/* Echoes the request; the principal, detail and one response header come
 * from request headers, so the fuzzer reaches the log and header rules. */
static void echo_handler(void *app, http_request *req, http_response *resp)
{
    (void)app;
    const char *who = http_header(req, "X-Principal");
    const char *detail = http_header(req, "X-Detail");
    snprintf(req->principal, sizeof req->principal, "%s", who ? who : "");
    if (detail)
        http_set_detail(req, "%s", detail);
    const char *hn = http_header(req, "X-Header-Name");
    const char *hv = http_header(req, "X-Header-Value");
    if (hn && hv)
        http_response_header(resp, hn, hv);
    http_response_text(resp, 200, "text/plain; charset=utf-8", buf_cstr(&req->body));
    if (answer_status)
        resp->status = answer_status;
}

static ssize_t collect(void *ctx, const char *p, size_t n)
{
    return buf_append(ctx, p, n) ? (ssize_t)n : -1;
}

static bool printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

/* The response as written: "Status: N reason", header lines each ended by
 * CRLF with no other CR or LF, an empty line, then exactly the body. */
static void check_written(const http_response *resp, const char *rid)
{
    buf_t out = BUF_INIT(HTTP_MAX_RESPONSE_BODY + HTTP_MAX_RESPONSE_HEADERS + 1024);
    check(http_response_write(resp, rid, collect, &out), "writing the response failed");
    const char *text = buf_cstr(&out);
    check(strncmp(text, "Status: ", 8) == 0, "no Status line first");
    const char *end = strstr(text, "\r\n\r\n");
    check(end != NULL, "no end of headers");
    for (const char *p = text; p < end + 2; p++) {
        if (*p == '\r')
            check(p[1] == '\n', "a CR outside a CRLF in the headers");
        if (*p == '\n')
            check(p > text && p[-1] == '\r', "a bare LF in the headers");
    }
    size_t body_len = out.len - (size_t)(end + 4 - text);
    bool no_body = resp->status == 204 || resp->status == 304;
    check(body_len == (no_body ? 0 : resp->body.len), "the written body's length is wrong");
    char cl[64];
    snprintf(cl, sizeof cl, "\r\nContent-Length: %zu\r\n", resp->body.len);
    check(no_body == (strstr(text, cl) == NULL || strstr(text, cl) > end),
          "Content-Length missing, wrong or sent without a body");
    buf_free(&out);
}

/* Random per process, so no seed or dictionary holds them: a credential
 * and a query string value that must never reach the log. */
static char markers[2][17];

static void new_marker(char out[17])
{
    static const char abc[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    uint8_t r[16];
    random_bytes(r, sizeof r);
    for (int i = 0; i < 16; i++)
        out[i] = abc[r[i] % (sizeof abc - 1)];
    out[16] = '\0';
}

/* libFuzzer's output goes to fd 2 directly; only the log's stdio stream is
 * diverted, so the access line can be checked. */
static char *run_logged(char **env, body_src *src, const http_limits *lim, http_response *resp,
                        char rid[33])
{
    char *logtext = NULL;
    size_t loglen = 0;
    FILE *mem = open_memstream(&logtext, &loglen);
    check(mem != NULL, "open_memstream");
    FILE *saved = stderr;
    stderr = mem;
    http_handle_one(env, body_read, src, lim, echo_handler, NULL, resp, rid);
    stderr = saved;
    fclose(mem);
    return logtext;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    if (!init) {
        log_init("fuzz");
        new_marker(markers[0]);
        new_marker(markers[1]);
        init = true;
    }
    if (size < 2)
        return 0;
    unsigned flags = data[0], arg = data[1];
    const char *p = (const char *)data + 2, *end = (const char *)data + size;

    /* The params: lines up to an empty one (or the end). */
    char *env[256];
    size_t n = 0;
    bool have_cl = false;
    while (p < end && *p != '\n' && n < 250) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        env[n] = xstrndup(p, len); /* a NUL inside ends it, as in a real envp */
        have_cl |= strncmp(env[n], "CONTENT_LENGTH=", 15) == 0;
        n++;
        p += len + (nl != NULL);
    }
    if (p < end && *p == '\n')
        p++;
    const char *body = p;
    size_t body_len = (size_t)(end - p);
    size_t nfuzz = n;
    if (flags & 32) {
        char line[64];
        snprintf(line, sizeof line, "HTTP_AUTHORIZATION=Bearer %s", markers[0]);
        env[n++] = xstrdup(line);
        snprintf(line, sizeof line, "QUERY_STRING=code=%s&state=x", markers[1]);
        env[n++] = xstrdup(line);
    }
    if ((flags & 8) && !have_cl) {
        char cl[48];
        snprintf(cl, sizeof cl, "CONTENT_LENGTH=%zu", body_len);
        env[n++] = xstrdup(cl);
    }
    env[n] = NULL;

    http_limits lim;
    http_limits_default(&lim);
    if (flags & 4) {
        lim.max_body_bytes = 64;
        lim.max_params = 8;
        lim.max_param_bytes = 64;
        lim.max_total_params_bytes = 256;
    }

    /* 1. Reading the request. */
    body_src src = {body, body_len, 0, (int)(flags & 3), arg, false};
    http_request req;
    char err[256];
    int status = http_request_init(&req, env, body_read, &src, &lim, err, sizeof err);
    check(req.method && req.query && req.path, "method, query or path left NULL");
    check(strlen(req.request_id) == 32 && strspn(req.request_id, "0123456789abcdef") == 32,
          "a malformed request id");
    if (status) {
        check(status == 400 || status == 411 || status == 413 || status == 431,
              "an unexpected refusal status");
        check(err[0] && printable(err), "a refusal without a printable message");
    } else {
        check(req.body.len <= lim.max_body_bytes, "a body over the cap");
        const char *cl = http_param(&req, "CONTENT_LENGTH");
        if (cl && *cl)
            check(req.body.len == strtoull(cl, NULL, 10),
                  "a body of another length than announced");
        else if ((flags & 3) == 0 || (flags & 3) == 1)
            check(req.body.len == body_len, "a body without length not read to its end");
        check(req.params.n <= lim.max_params, "more params than the limit");
        /* The header helpers. */
        static const char *const names[] = {"Content-Type",
                                            "content-length",
                                            "Accept",
                                            "Authorization",
                                            "MCP-Protocol-Version",
                                            "Origin",
                                            "Host",
                                            "X-Forwarded-Proto",
                                            "",
                                            "-"};
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            (void)http_header(&req, names[i]);
        char media[128];
        http_media_type(http_header(&req, "Content-Type"), media, sizeof media);
        check(strlen(media) < sizeof media && !strchr(media, ';') && !strchr(media, ' '),
              "a media type with parameters or spaces");
        for (const char *m = media; *m; m++)
            check(!(*m >= 'A' && *m <= 'Z'), "a media type not lowercased");
        char tiny[4];
        http_media_type(http_header(&req, "Content-Type"), tiny, sizeof tiny);
        check(strlen(tiny) < sizeof tiny, "a media type overflowing its buffer");
        const char *accept = http_header(&req, "Accept");
        bool json = http_accepts(accept, "application/json");
        (void)http_accepts(accept, "text/event-stream");
        (void)http_accepts(accept, "nonsense");
        if (!accept)
            check(json, "no Accept refuses JSON");
    }
    http_request_free(&req);

    /* 2. The whole exchange, as fcgi_serve runs it. */
    src = (body_src){body, body_len, 0, (int)(flags & 3), arg, false};
    answer_status = flags & 16 ? (arg & 1 ? 204 : 304) : 0;
    http_response resp;
    char rid[33];
    char *log = run_logged(env, &src, &lim, &resp, rid);
    check(resp.status >= 100 && resp.status <= 599, "a response status out of range");
    check(status == 0 || resp.status == status, "a refusal answered differently the second time");
    check_written(&resp, rid);
    /* One access line, and neither the query string nor the credential
     * (unless the fuzzer wrote the marker into a logged field itself). */
    check(log && strstr(log, " access rid=") && strchr(log, '\n') == log + strlen(log) - 1,
          "not exactly one access line");
    if (flags & 32)
        for (int m = 0; m < 2; m++) {
            bool elsewhere = false;
            for (size_t k = 0; k < nfuzz; k++)
                elsewhere |= strstr(env[k], markers[m]) != NULL;
            check(elsewhere || !strstr(log, markers[m]), "a query string or credential in the log");
        }
    free(log);
    http_response_free(&resp);
    for (size_t i = 0; i < n; i++)
        free(env[i]);
    return 0;
}

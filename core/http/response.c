#include "response.h"

#include "../base/alloc.h"
#include "../base/json_util.h"
#include "../base/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void http_response_init(http_response *r)
{
    r->status = 200;
    buf_init(&r->headers, HTTP_MAX_RESPONSE_HEADERS);
    buf_init(&r->body, HTTP_MAX_RESPONSE_BODY);
}

void http_response_free(http_response *r)
{
    buf_free(&r->headers);
    /* Bodies can carry tokens (the OAuth token endpoint). */
    buf_free_secure(&r->body);
}

/* RFC 9110 tchar. */
static bool is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Headers that http_response_write adds itself; a second copy from a
 * caller would contradict them. */
static bool is_reserved(const char *name)
{
    return strcasecmp(name, "Status") == 0 || strcasecmp(name, "Content-Length") == 0 ||
           strcasecmp(name, "X-Request-Id") == 0;
}

bool http_response_header(http_response *r, const char *name, const char *value)
{
    if (!name || !value || !*name || is_reserved(name))
        return false;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (!is_tchar(*p))
            return false;
    /* field-value: HTAB, visible ASCII and obs-text; CR, LF and the other
     * controls could split or forge a header. */
    for (const unsigned char *p = (const unsigned char *)value; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            return false;
    return buf_printf(&r->headers, "%s: %s\r\n", name, value);
}

/* Drops every header line called name (case-insensitive). */
static void remove_header(http_response *r, const char *name)
{
    size_t nlen = strlen(name);
    buf_t kept = BUF_INIT(r->headers.max);
    const char *p = buf_cstr(&r->headers);
    while (*p) {
        const char *eol = strstr(p, "\r\n");
        size_t len = eol ? (size_t)(eol - p) + 2 : strlen(p);
        if (!(len > nlen && p[nlen] == ':' && strncasecmp(p, name, nlen) == 0))
            buf_append(&kept, p, len);
        p += len;
    }
    buf_free(&r->headers);
    r->headers = kept;
}

static void set_body(http_response *r, int status, const char *content_type, const char *data,
                     size_t len)
{
    remove_header(r, "Content-Type");
    buf_reset(&r->body);
    r->status = status;
    if (!buf_append(&r->body, data, len)) {
        log_msg(LOG_ERROR, "a %zu-byte response is over the limit of %zu bytes; answering 500", len,
                r->body.max);
        r->status = 500;
        buf_puts(&r->body, "{\"error\":\"the response is too large\"}");
        content_type = "application/json";
    }
    if (!http_response_header(r, "Content-Type", content_type)) {
        log_msg(LOG_ERROR, "refusing an invalid Content-Type for a response");
        http_response_header(r, "Content-Type", "application/octet-stream");
    }
}

void http_response_json(http_response *r, int status, json_object *doc)
{
    const char *s = doc ? json_compact(doc) : "null";
    size_t len = strlen(s);
    /* JSON text is UTF-8 (RFC 8259 §8.1), and json-c writes string bytes
     * as they are: a value that is not UTF-8 (a header echoed in an error,
     * a character cut by a bounded "%.64s") would make the whole answer
     * unreadable to a strict client. Such bytes become '?'. */
    if (utf8_valid(s, len)) {
        set_body(r, status, "application/json", s, len);
        return;
    }
    char *copy = xstrdup(s);
    utf8_scrub(copy, len);
    set_body(r, status, "application/json", copy, len);
    free(copy);
}

void http_response_text(http_response *r, int status, const char *content_type, const char *text)
{
    set_body(r, status, content_type ? content_type : "text/plain; charset=utf-8", text ? text : "",
             text ? strlen(text) : 0);
}

const char *http_reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Unknown";
    }
}

static bool write_all(http_writer w, void *ctx, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t got = w(ctx, p, n);
        if (got <= 0 || (size_t)got > n)
            return false;
        p += got;
        n -= (size_t)got;
    }
    return true;
}

/* Request ids are ours (hex), but the check keeps this function safe for
 * any caller. */
static bool safe_id(const char *id)
{
    if (!id || !*id || strlen(id) > 64)
        return false;
    for (; *id; id++)
        if (!((*id >= '0' && *id <= '9') || (*id >= 'a' && *id <= 'z') ||
              (*id >= 'A' && *id <= 'Z') || *id == '-'))
            return false;
    return true;
}

bool http_response_write(const http_response *r, const char *request_id, http_writer w, void *ctx)
{
    int status = r->status >= 100 && r->status <= 599 ? r->status : 500;
    /* 1xx, 204 and 304 have no body; 204 must not carry Content-Length and
     * a 304's would describe the unsent representation, not 0. */
    bool no_body = status < 200 || status == 204 || status == 304;
    buf_t head = BUF_INIT(HTTP_MAX_RESPONSE_HEADERS + 256);
    bool ok = buf_printf(&head, "Status: %d %s\r\n", status, http_reason(status)) &&
              buf_append(&head, buf_cstr(&r->headers), r->headers.len);
    if (ok && safe_id(request_id))
        ok = buf_printf(&head, "X-Request-Id: %s\r\n", request_id);
    if (ok && !no_body)
        ok = buf_printf(&head, "Content-Length: %zu\r\n", r->body.len);
    ok = ok && buf_puts(&head, "\r\n");
    ok = ok && write_all(w, ctx, head.data, head.len);
    if (ok && !no_body)
        ok = write_all(w, ctx, buf_cstr(&r->body), r->body.len);
    buf_free(&head);
    return ok;
}

/* An HTTP request as a FastCGI responder sees it: CGI params (copied and
 * bounded), the body (read with a hard cap), and per-request bookkeeping
 * for the access log. It does not depend on libfcgi, so tests and fuzzers
 * can build requests from plain arrays; fcgi_server.c does the glue. */
#ifndef DDBSQL_HTTP_REQUEST_H
#define DDBSQL_HTTP_REQUEST_H

#include "../base/buf.h"
#include "../base/urlcode.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct http_limits {
    size_t max_body_bytes;  /* over it: 413 */
    size_t max_params;      /* number of CGI params; over it: 431 */
    size_t max_param_bytes; /* one name=value; over it: 431 */
    size_t max_total_params_bytes;
} http_limits;

#define HTTP_DEFAULT_MAX_BODY         (1024 * 1024)
#define HTTP_DEFAULT_MAX_PARAMS       200
#define HTTP_DEFAULT_MAX_PARAM_BYTES  (16 * 1024)
#define HTTP_DEFAULT_MAX_TOTAL_PARAMS (64 * 1024)

void http_limits_default(http_limits *l);

/* Reads up to n bytes of body; returns bytes read, 0 at end, -1 on error. */
typedef ssize_t (*http_body_reader)(void *ctx, char *dst, size_t n);

typedef struct http_request {
    kvlist_t params;    /* CGI params, e.g. REQUEST_METHOD, HTTP_ACCEPT */
    const char *method; /* REQUEST_METHOD ("" if absent) */
    const char *path;   /* decoded path: SCRIPT_NAME + PATH_INFO */
    const char *query;  /* QUERY_STRING ("" if absent) */
    buf_t body;
    char request_id[33]; /* 32 hex chars */
    int64_t start_ms;    /* monotonic */
    /* Access-log fields set by handlers. principal is a user or client id,
     * never a credential. detail is a short outcome like "rpc=tools/call". */
    char principal[128];
    char detail[160];
} http_request;

/* Outcome of reading a request: 0 on success, else the HTTP status to
 * answer with (400, 411, 413, 431) and a message in err. */
int http_request_init(http_request *req, char **envp, http_body_reader reader, void *reader_ctx,
                      const http_limits *limits, char *err, size_t errlen);
void http_request_free(http_request *req);

/* A CGI param by its exact name, or NULL. */
const char *http_param(const http_request *req, const char *name);
/* A request header by its HTTP name ("Content-Type", "MCP-Protocol-Version"),
 * case-insensitive, mapped to its CGI param. NULL if absent. */
const char *http_header(const http_request *req, const char *name);
/* The media type of Content-Type, lowercased and without parameters, into
 * out ("" when absent). */
void http_media_type(const char *content_type, char *out, size_t outlen);
/* True when an Accept header value admits the media type (exact, type/ or
 * wildcard, with q=0 meaning "not acceptable"). */
bool http_accepts(const char *accept, const char *media_type);
void http_set_detail(http_request *req, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

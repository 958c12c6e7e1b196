/* An HTTP response built in memory, then written in one go. Header values
 * are checked for CR/LF so no caller can split the response. */
#ifndef DDBSQL_HTTP_RESPONSE_H
#define DDBSQL_HTTP_RESPONSE_H

#include "../base/buf.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define HTTP_MAX_RESPONSE_HEADERS (16 * 1024)
#define HTTP_MAX_RESPONSE_BODY    (16 * 1024 * 1024)

typedef struct http_response {
    int status;
    buf_t headers; /* "Name: value\r\n" lines */
    buf_t body;
} http_response;

void http_response_init(http_response *r);
void http_response_free(http_response *r);
/* Adds a header; refuses (returns false) names or values with control
 * characters. Content-Length and the request id are added when written. */
bool http_response_header(http_response *r, const char *name, const char *value);
/* Replaces the body and status with a JSON document. */
void http_response_json(http_response *r, int status, json_object *doc);
/* Replaces the body and status with text (e.g. text/plain; charset=utf-8). */
void http_response_text(http_response *r, int status, const char *content_type, const char *text);
/* Standard reason phrase ("Not Found"). */
const char *http_reason(int status);

typedef ssize_t (*http_writer)(void *ctx, const char *data, size_t n);
/* Writes "Status:" + headers + X-Request-Id + Content-Length + body. */
bool http_response_write(const http_response *r, const char *request_id, http_writer w, void *ctx);

#endif

/* A scripted HTTP/1.1 server for unit tests. It listens on a free loopback
 * port in a background thread, records every request (method, path,
 * headers, body) and answers each one with the next canned response of its
 * script, so a test can assert what a client sent and simulate throttling,
 * 5xx, slow answers, servers that never answer and hang-ups. Connections
 * are kept alive, as libcurl expects. When the script is exhausted the
 * server answers 500 with a body naming the problem, so an unexpected extra
 * request shows up as a failed assertion rather than a hang. */
#ifndef DDBSQL_TEST_FAKE_HTTP_H
#define DDBSQL_TEST_FAKE_HTTP_H

#include <stddef.h>

typedef enum {
    FH_RESPOND, /* send status/headers/body after delay_ms */
    FH_HANG,    /* read the request, never answer (until the server stops) */
    FH_CLOSE,   /* read the request, close the connection without answering */
} fh_action;

typedef struct fake_http_resp {
    fh_action action;
    int status;          /* FH_RESPOND: e.g. 200 */
    const char *headers; /* extra header lines, each ending in "\r\n"; may be NULL */
    const char *body;    /* may be NULL (empty body) */
    int delay_ms;        /* FH_RESPOND: wait this long before answering */
} fake_http_resp;

typedef struct fake_http_header {
    char *name;
    char *value;
} fake_http_header;

typedef struct fake_http_req {
    char *method;
    char *path; /* request target, query included */
    fake_http_header *headers;
    size_t nheaders;
    char *body; /* NUL-terminated; "" when none */
    size_t body_len;
} fake_http_req;

typedef struct fake_http fake_http;

/* Starts a server on 127.0.0.1 and a free port; aborts the test on failure. */
fake_http *fake_http_start(void);
/* Stops the thread, closes every connection and frees everything. */
void fake_http_stop(fake_http *s);

/* Appends to the script (strings are copied). */
void fake_http_push(fake_http *s, const fake_http_resp *r);
/* Shorthands: a response with a Content-Type, a hang, a hang-up. */
void fake_http_push_simple(fake_http *s, int status, const char *content_type, const char *body);
void fake_http_push_hang(fake_http *s);
void fake_http_push_close(fake_http *s);

int fake_http_port(const fake_http *s);
/* "http://127.0.0.1:<port>" */
const char *fake_http_url(const fake_http *s);

/* Requests received so far (complete ones only). The returned pointer stays
 * valid until fake_http_stop. */
size_t fake_http_nrequests(fake_http *s);
const fake_http_req *fake_http_request(fake_http *s, size_t i);
/* A header's value by case-insensitive name, or NULL. */
const char *fake_http_header_get(const fake_http_req *r, const char *name);
/* Number of connections accepted so far (to check keep-alive). */
size_t fake_http_nconnections(fake_http *s);

/* Returns a port that was free a moment ago (for starting other servers). */
int fake_http_free_port(void);

#endif

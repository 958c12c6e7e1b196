/* A scripted HTTPS server for unit tests of code that must only speak TLS
 * (the CIMD fetcher). It listens on 127.0.0.1 and a free port with a fresh
 * self-signed certificate (P-256) valid for 127.0.0.1, ::1 and localhost,
 * written to a PEM file the client can trust (fake_https_ca_file). Each
 * connection reads one request and gets the next scripted response, then
 * the connection is closed. With the script used up it answers 500, so an
 * unexpected request shows up as a failed assertion. Failures abort. */
#ifndef DDBSQL_TEST_FAKE_HTTPS_H
#define DDBSQL_TEST_FAKE_HTTPS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct fake_https_resp {
    int status;          /* e.g. 200 */
    const char *headers; /* extra header lines, each ending in "\r\n"; may be NULL */
    const char *body;    /* may be NULL */
    size_t body_len;     /* 0: strlen(body) */
    bool no_length;      /* no Content-Length: the body ends when the connection closes */
    int delay_ms;        /* wait before answering (cut short by fake_https_stop) */
} fake_https_resp;

typedef struct fake_https fake_https;

fake_https *fake_https_start(void);
void fake_https_stop(fake_https *s);

void fake_https_push(fake_https *s, const fake_https_resp *r);
/* A response with Content-Type: application/json and extra headers (may be NULL). */
void fake_https_push_json(fake_https *s, int status, const char *headers, const char *body);

int fake_https_port(const fake_https *s);
/* "https://127.0.0.1:<port>" */
const char *fake_https_url(const fake_https *s);
/* The PEM file of the server's (self-signed) certificate. */
const char *fake_https_ca_file(const fake_https *s);

/* Complete requests received so far, and the head (request line and
 * headers, "\r\n"-separated) of the i-th; valid until fake_https_stop. */
size_t fake_https_nrequests(fake_https *s);
const char *fake_https_request_head(fake_https *s, size_t i);

#endif

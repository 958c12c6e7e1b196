/* libcurl plumbing shared by the AWS modules: one-shot requests (metadata
 * endpoints, STS), SigV4 signing setup through libcurl's CURLOPT_AWS_SIGV4,
 * a size-capped response sink, and transport errors in words.
 *
 * curl_global_init is called exactly once per process by
 * aws_http_global_init() (through pthread_once). The worker's main calls
 * ddb_global_init() at start-up, before any thread; the constructors of
 * ddb_client and aws_creds_provider call it too, so forgetting it is
 * harmless in a single-threaded worker. */
#ifndef DDBSQL_AWS_HTTP_H
#define DDBSQL_AWS_HTTP_H

#include "../base/buf.h"
#include "aws_creds.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

void aws_http_global_init(void);

/* A response sink for CURLOPT_WRITEFUNCTION/WRITEDATA: appends to body
 * (bounded by its max) and aborts the transfer when it would overflow. */
typedef struct aws_http_sink {
    buf_t *body;
    bool overflow;
} aws_http_sink;
size_t aws_http_sink_write(char *ptr, size_t size, size_t nmemb, void *userdata);

/* Sets up SigV4 on h: sigv4 is "aws:amz:<region>:<service>", the access
 * key and secret become the user name and password, and a session token
 * is appended to *headers as X-Amz-Security-Token. */
void aws_http_sign(CURL *h, const char *sigv4, const aws_creds *creds, struct curl_slist **headers);
/* Wipes every header string (one may carry a session token), then frees. */
void aws_http_slist_free(struct curl_slist *l);

/* A transport failure in words, e.g. "Connection refused" or "timed out
 * after 1000 ms". errbuf is the handle's CURLOPT_ERRORBUFFER (may be ""). */
void aws_http_describe(CURL *h, CURLcode rc, const char *errbuf, char *out, size_t outlen);

typedef struct aws_http_req {
    const char *method; /* "GET", "PUT" or "POST" */
    const char *url;
    const char *const *headers; /* NULL-terminated "Name: value" lines, or NULL */
    const char *body;           /* POST/PUT body, or NULL */
    long connect_timeout_ms;
    long timeout_ms;
    size_t max_response;
    const char *sigv4; /* NULL: unsigned */
    const aws_creds *creds;
} aws_http_req;

typedef struct aws_http_resp {
    long status; /* 0 when no HTTP answer arrived */
    CURLcode code;
    buf_t body; /* may hold credentials: freed with a wipe */
    char error[256];
} aws_http_resp;

/* Performs one request with a fresh handle. Returns true when an HTTP
 * answer (of any status) arrived; otherwise resp->error says why. */
bool aws_http_perform(const aws_http_req *req, aws_http_resp *resp);
void aws_http_resp_free(aws_http_resp *resp);

#endif

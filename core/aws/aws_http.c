#include "aws_http.h"

#include "../base/alloc.h"
#include "../base/secure.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_init_once(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "ddbsql: fatal: curl_global_init failed\n");
        abort();
    }
}

void aws_http_global_init(void)
{
    pthread_once(&global_once, global_init_once);
}

size_t aws_http_sink_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    aws_http_sink *s = userdata;
    size_t n = size * nmemb;
    if (!buf_append(s->body, ptr, n)) {
        s->overflow = true;
        return 0; /* makes curl fail with CURLE_WRITE_ERROR */
    }
    return n;
}

void aws_http_sign(CURL *h, const char *sigv4, const aws_creds *creds, struct curl_slist **headers)
{
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4);
    curl_easy_setopt(h, CURLOPT_USERNAME, creds->access_key_id);
    curl_easy_setopt(h, CURLOPT_PASSWORD, creds->secret_access_key);
    if (creds->session_token && *creds->session_token) {
        buf_t line = BUF_INIT(16384);
        if (buf_printf(&line, "X-Amz-Security-Token: %s", creds->session_token)) {
            struct curl_slist *l = curl_slist_append(*headers, buf_cstr(&line));
            if (!l)
                die_oom(line.len);
            *headers = l;
        }
        buf_free_secure(&line);
    }
}

void aws_http_slist_free(struct curl_slist *l)
{
    for (struct curl_slist *p = l; p; p = p->next)
        if (p->data)
            secure_wipe(p->data, strlen(p->data));
    curl_slist_free_all(l);
}

void aws_http_describe(CURL *h, CURLcode rc, const char *errbuf, char *out, size_t outlen)
{
    long os_errno = 0;
    if (h)
        curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
        /* strerror says "Connection refused"; curl's text says less. */
        if (os_errno) {
            snprintf(out, outlen, "%s", strerror((int)os_errno));
            return;
        }
        break;
    case CURLE_OPERATION_TIMEDOUT:
        snprintf(out, outlen, "timed out (%s)", errbuf && *errbuf ? errbuf : "no answer");
        return;
    case CURLE_GOT_NOTHING:
        snprintf(out, outlen, "the server closed the connection without answering");
        return;
    default:
        break;
    }
    snprintf(out, outlen, "%s", errbuf && *errbuf ? errbuf : curl_easy_strerror(rc));
}

static struct curl_slist *add_header(struct curl_slist *l, const char *line)
{
    struct curl_slist *n = curl_slist_append(l, line);
    if (!n)
        die_oom(strlen(line));
    return n;
}

bool aws_http_perform(const aws_http_req *req, aws_http_resp *resp)
{
    aws_http_global_init();
    memset(resp, 0, sizeof *resp);
    buf_init(&resp->body, req->max_response);
    CURL *h = curl_easy_init();
    if (!h)
        die_oom(0);
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *headers = NULL;
    for (size_t i = 0; req->headers && req->headers[i]; i++)
        headers = add_header(headers, req->headers[i]);
    aws_http_sink sink = {&resp->body, false};
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    /* CURLOPT_NOSIGNAL stays 0: this libcurl resolves names in a thread (no
     * alarm), and with it 0 libcurl ignores SIGPIPE during the transfer, so a
     * peer hanging up mid-write cannot kill the worker. */
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, aws_http_sink_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    /* A PUT/POST body goes through POSTFIELDS so SigV4 can hash it. */
    if (req->body || strcmp(req->method, "GET") != 0) {
        const char *body = req->body ? req->body : "";
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        if (strcmp(req->method, "POST") != 0)
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    }
    if (req->sigv4)
        aws_http_sign(h, req->sigv4, req->creds, &headers);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    CURLcode rc = curl_easy_perform(h);
    resp->code = rc;
    if (rc == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
    } else if (sink.overflow) {
        snprintf(resp->error, sizeof resp->error, "the answer is larger than %zu bytes",
                 req->max_response);
    } else {
        aws_http_describe(h, rc, errbuf, resp->error, sizeof resp->error);
    }
    aws_http_slist_free(headers);
    curl_easy_cleanup(h);
    return rc == CURLE_OK;
}

void aws_http_resp_free(aws_http_resp *resp)
{
    buf_free_secure(&resp->body);
}

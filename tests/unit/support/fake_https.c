#define _GNU_SOURCE /* POLLRDHUP */
#include "fake_https.h"

#include "core/base/alloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_HEAD 16384

typedef struct item {
    int status;
    char *headers;
    char *body;
    size_t body_len;
    bool no_length;
    int delay_ms;
} item;

struct fake_https {
    int listen_fd;
    int wake[2];
    int port;
    char url[64];
    char dir[64];
    char ca_file[96];
    SSL_CTX *ctx;
    pthread_t thread;
    pthread_mutex_t mu;
    item *script;
    size_t nscript, next;
    char **heads;
    size_t nheads;
};

static void die(const char *what)
{
    fprintf(stderr, "fake_https: %s\n", what);
    ERR_print_errors_fp(stderr);
    abort();
}

static void add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (!ext || !X509_add_ext(x, ext, -1))
        die("could not add a certificate extension");
    X509_EXTENSION_free(ext);
}

/* A self-signed P-256 certificate for the loopback names. */
static void make_cert(fake_https *s)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    if (!key || !x)
        die("key generation failed");
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(getpid() ^ time(NULL)) & 0x7fffffff);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"ddbsql test", -1,
                               -1, 0);
    X509_set_issuer_name(x, name);
    add_ext(x, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(x, NID_key_usage, "critical,digitalSignature,keyCertSign");
    add_ext(x, NID_subject_key_identifier, "hash");
    add_ext(x, NID_subject_alt_name, "IP:127.0.0.1,IP:::1,DNS:localhost");
    if (!X509_sign(x, key, EVP_sha256()))
        die("signing the certificate failed");
    FILE *f = fopen(s->ca_file, "w");
    if (!f || !PEM_write_X509(f, x))
        die("could not write the certificate");
    fclose(f);
    s->ctx = SSL_CTX_new(TLS_server_method());
    if (!s->ctx || SSL_CTX_use_certificate(s->ctx, x) != 1 ||
        SSL_CTX_use_PrivateKey(s->ctx, key) != 1)
        die("could not set up the TLS context");
    X509_free(x);
    EVP_PKEY_free(key);
}

/* Waits up to ms; false (stop waiting) when the server is stopping or the
 * client has hung up, so one abandoned slow answer does not hold up the
 * next connection. */
static bool wait_ms(fake_https *s, int fd, int ms)
{
    struct pollfd p[2] = {{.fd = s->wake[0], .events = POLLIN},
                          {.fd = fd, .events = POLLIN | POLLRDHUP}};
    return poll(p, 2, ms) == 0;
}

static void serve_one(fake_https *s, int fd)
{
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    SSL *ssl = SSL_new(s->ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) != 1) /* e.g. a client that does not trust us */
        goto out;
    char head[MAX_HEAD + 1];
    size_t n = 0;
    while (n < MAX_HEAD) {
        int got = SSL_read(ssl, head + n, (int)(MAX_HEAD - n));
        if (got <= 0)
            goto out;
        n += (size_t)got;
        head[n] = '\0';
        if (strstr(head, "\r\n\r\n"))
            break;
    }
    head[n] = '\0';
    pthread_mutex_lock(&s->mu);
    s->heads = xreallocarray(s->heads, s->nheads + 1, sizeof *s->heads);
    s->heads[s->nheads++] = xstrdup(head);
    item it = {.status = 500, .body = "fake_https: no scripted response left"};
    bool scripted = s->next < s->nscript;
    if (scripted)
        it = s->script[s->next++];
    pthread_mutex_unlock(&s->mu);
    if (it.delay_ms && !wait_ms(s, fd, it.delay_ms))
        goto out;
    size_t blen = it.body ? (it.body_len ? it.body_len : strlen(it.body)) : 0;
    char top[512];
    int tl = snprintf(top, sizeof top, "HTTP/1.1 %d X\r\nConnection: close\r\n", it.status);
    if (!it.no_length)
        tl += snprintf(top + tl, sizeof top - (size_t)tl, "Content-Length: %zu\r\n", blen);
    SSL_write(ssl, top, tl);
    if (it.headers && *it.headers)
        SSL_write(ssl, it.headers, (int)strlen(it.headers));
    SSL_write(ssl, "\r\n", 2);
    for (size_t off = 0; off < blen;) {
        int w = SSL_write(ssl, it.body + off, (int)(blen - off > 16384 ? 16384 : blen - off));
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    SSL_shutdown(ssl);
out:
    SSL_free(ssl);
    close(fd);
}

static void *run(void *arg)
{
    fake_https *s = arg;
    for (;;) {
        struct pollfd p[2] = {{.fd = s->listen_fd, .events = POLLIN},
                              {.fd = s->wake[0], .events = POLLIN}};
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents)
            break;
        if (p[0].revents & POLLIN) {
            int fd = accept(s->listen_fd, NULL, NULL);
            if (fd >= 0)
                serve_one(s, fd);
        }
    }
    return NULL;
}

fake_https *fake_https_start(void)
{
    signal(SIGPIPE, SIG_IGN); /* a client that hangs up must not kill the test */
    fake_https *s = xcalloc(1, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/ddbsql-fake-https-XXXXXX");
    if (!mkdtemp(s->dir))
        die("mkdtemp failed");
    snprintf(s->ca_file, sizeof s->ca_file, "%s/cert.pem", s->dir);
    make_cert(s);
    s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(s->listen_fd, 16) != 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&a, &len) != 0)
        die("could not listen on 127.0.0.1");
    s->port = ntohs(a.sin_port);
    snprintf(s->url, sizeof s->url, "https://127.0.0.1:%d", s->port);
    if (pipe(s->wake) != 0)
        die("pipe failed");
    pthread_mutex_init(&s->mu, NULL);
    if (pthread_create(&s->thread, NULL, run, s) != 0)
        die("could not start the server thread");
    return s;
}

void fake_https_stop(fake_https *s)
{
    if (!s)
        return;
    if (write(s->wake[1], "x", 1) != 1)
        die("could not wake the server thread");
    pthread_join(s->thread, NULL);
    close(s->listen_fd);
    close(s->wake[0]);
    close(s->wake[1]);
    SSL_CTX_free(s->ctx);
    for (size_t i = 0; i < s->nscript; i++) {
        free(s->script[i].headers);
        free(s->script[i].body);
    }
    free(s->script);
    for (size_t i = 0; i < s->nheads; i++)
        free(s->heads[i]);
    free(s->heads);
    pthread_mutex_destroy(&s->mu);
    unlink(s->ca_file);
    rmdir(s->dir);
    free(s);
}

void fake_https_push(fake_https *s, const fake_https_resp *r)
{
    item it = {.status = r->status, .no_length = r->no_length, .delay_ms = r->delay_ms};
    it.headers = r->headers ? xstrdup(r->headers) : NULL;
    if (r->body) {
        it.body_len = r->body_len ? r->body_len : strlen(r->body);
        it.body = xmalloc(it.body_len + 1);
        memcpy(it.body, r->body, it.body_len);
        it.body[it.body_len] = '\0';
    }
    pthread_mutex_lock(&s->mu);
    s->script = xreallocarray(s->script, s->nscript + 1, sizeof *s->script);
    s->script[s->nscript++] = it;
    pthread_mutex_unlock(&s->mu);
}

void fake_https_push_json(fake_https *s, int status, const char *headers, const char *body)
{
    char h[1024];
    snprintf(h, sizeof h, "Content-Type: application/json\r\n%s", headers ? headers : "");
    fake_https_resp r = {.status = status, .headers = h, .body = body};
    fake_https_push(s, &r);
}

int fake_https_port(const fake_https *s)
{
    return s->port;
}

const char *fake_https_url(const fake_https *s)
{
    return s->url;
}

const char *fake_https_ca_file(const fake_https *s)
{
    return s->ca_file;
}

size_t fake_https_nrequests(fake_https *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->nheads;
    pthread_mutex_unlock(&s->mu);
    return n;
}

const char *fake_https_request_head(fake_https *s, size_t i)
{
    pthread_mutex_lock(&s->mu);
    const char *h = i < s->nheads ? s->heads[i] : NULL;
    pthread_mutex_unlock(&s->mu);
    return h;
}

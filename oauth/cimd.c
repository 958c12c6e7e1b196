#include "cimd.h"

#include "net_policy.h"

#include "../core/base/alloc.h"
#include "../core/base/buf.h"
#include "../core/base/crypto.h"
#include "../core/base/log.h"
#include "../core/base/version.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define SHOWN_URL 80 /* bytes of a URL quoted in a message */

static cimd_status fail(cimd_status st, char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static cimd_status fail(cimd_status st, char *why, size_t whylen, const char *fmt, ...)
{
    if (why && whylen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return st;
}

static bool url_bad(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool url_bad(char *why, size_t whylen, const char *fmt, ...)
{
    if (why && whylen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return false;
}

void cimd_options_from_config(const oauth_conf *conf, cimd_options *out)
{
    memset(out, 0, sizeof *out);
    out->allow_loopback = conf && conf->cimd_allow_loopback;
    out->ca_file = conf && conf->cimd_allow_loopback ? conf->cimd_ca_file : NULL;
    out->connect_timeout_ms = CIMD_CONNECT_TIMEOUT_MS;
    out->total_timeout_ms = CIMD_TOTAL_TIMEOUT_MS;
}

/* ---- the URL ------------------------------------------------------------- */

bool cimd_is_url(const char *client_id)
{
    if (!client_id || !isalpha((unsigned char)client_id[0]))
        return false;
    size_t s =
        strspn(client_id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
    return strncmp(client_id + s, "://", 3) == 0;
}

static bool host_ok(const char *h, size_t n)
{
    if (n == 0 || n >= CIMD_HOST_MAX - 2 || h[0] == '.' || h[n - 1] == '.' || h[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = h[i];
        if (!(isalnum((unsigned char)c) || c == '-' || c == '.'))
            return false;
        if (c == '.' && h[i + 1] == '.')
            return false;
    }
    return true;
}

/* A path segment that is "." or "..", also percent-encoded ("%2e"). */
static bool dot_segment(const char *seg, size_t n)
{
    size_t dots = 0;
    for (size_t i = 0; i < n;) {
        if (seg[i] == '.') {
            dots++;
            i++;
        } else if (i + 2 < n && seg[i] == '%' && seg[i + 1] == '2' &&
                   (seg[i + 2] == 'e' || seg[i + 2] == 'E')) {
            dots++;
            i += 3;
        } else {
            return false;
        }
    }
    return dots == 1 || dots == 2;
}

/* curl's reading of the URL's host must be ours: the address checked is
 * then the one the URL names. */
static bool curl_agrees(const char *url, const cimd_url *u)
{
    CURLU *h = curl_url();
    char *host = NULL, *port = NULL, *user = NULL, *frag = NULL;
    bool ok = curl_url_set(h, CURLUPART_URL, url, 0) == CURLUE_OK &&
              curl_url_get(h, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
              strcasecmp(host, u->host) == 0 &&
              curl_url_get(h, CURLUPART_USER, &user, 0) == CURLUE_NO_USER &&
              curl_url_get(h, CURLUPART_FRAGMENT, &frag, 0) == CURLUE_NO_FRAGMENT &&
              curl_url_get(h, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
              atoi(port) == u->port;
    curl_free(host);
    curl_free(port);
    curl_free(user);
    curl_free(frag);
    curl_url_cleanup(h);
    return ok;
}

bool cimd_url_check(const char *url, cimd_url *out, char *why, size_t whylen)
{
    cimd_url u;
    memset(&u, 0, sizeof u);
    if (out)
        memset(out, 0, sizeof *out);
    if (!url || !*url)
        return url_bad(why, whylen, "the client_id is empty");
    size_t n = strlen(url);
    if (n > CLIENT_ID_MAX)
        return url_bad(why, whylen, "the client_id URL is longer than %d bytes", CLIENT_ID_MAX);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= 0x20 || c >= 0x7f || c == '\\')
            return url_bad(why, whylen,
                           "the client_id URL has a space, backslash, control or non-ASCII "
                           "character at byte %zu",
                           i + 1);
    }
    if (strncmp(url, "https://", 8) != 0)
        return url_bad(why, whylen,
                       "a URL client_id must use https:// (a Client ID Metadata Document is only "
                       "fetched over https)");
    if (strchr(url, '#'))
        return url_bad(why, whylen, "the client_id URL may not have a fragment (#...)");
    const char *a = url + 8;
    size_t alen = strcspn(a, "/?");
    if (memchr(a, '@', alen))
        return url_bad(why, whylen,
                       "the client_id URL may not have user-info ('user@' before the host)");
    size_t hlen;
    if (a[0] == '[') {
        const char *close = memchr(a, ']', alen);
        char addr[64];
        struct in6_addr in6;
        hlen = close ? (size_t)(close - a) + 1 : 0;
        if (!close || hlen - 2 >= sizeof addr)
            return url_bad(why, whylen, "the client_id URL has an invalid IPv6 host");
        memcpy(addr, a + 1, hlen - 2);
        addr[hlen - 2] = '\0';
        if (inet_pton(AF_INET6, addr, &in6) != 1)
            return url_bad(why, whylen, "the client_id URL has an invalid IPv6 host");
        u.ip_literal = true;
    } else {
        hlen = strcspn(a, ":/?");
        if (hlen > alen)
            hlen = alen;
        if (!host_ok(a, hlen))
            return url_bad(why, whylen,
                           "the client_id URL's host is not a DNS name or an IP address (letters, "
                           "digits, '-' and '.')");
        char tmp[CIMD_HOST_MAX];
        struct in_addr in4;
        memcpy(tmp, a, hlen);
        tmp[hlen] = '\0';
        u.ip_literal = inet_pton(AF_INET, tmp, &in4) == 1;
    }
    memcpy(u.host, a, hlen);
    u.host[hlen] = '\0';
    u.port = 443;
    const char *p = a + hlen;
    if (*p == ':') {
        p++;
        size_t d = strspn(p, "0123456789");
        long port = d >= 1 && d <= 5 && p[0] != '0' ? strtol(p, NULL, 10) : 0;
        if (port < 1 || port > 65535)
            return url_bad(why, whylen,
                           "the client_id URL has an invalid port (expected 1 to 65535)");
        u.port = (int)port;
        p += d;
    }
    if (p != a + alen)
        return url_bad(why, whylen,
                       "the client_id URL has something after its host that is not a port");
    /* The path: present, not just "/", without dot segments. */
    const char *path = a + alen;
    size_t plen = strcspn(path, "?");
    if (plen <= 1)
        return url_bad(why, whylen,
                       "the client_id URL must have a path (e.g. https://app.example/client.json)");
    for (const char *s = path + 1; s <= path + plen;) {
        size_t sl = strcspn(s, "/?");
        if (s + sl > path + plen)
            sl = (size_t)(path + plen - s);
        if (dot_segment(s, sl))
            return url_bad(why, whylen, "the client_id URL may not have '.' or '..' path segments");
        s += sl + 1;
    }
    if (!curl_agrees(url, &u))
        return url_bad(why, whylen,
                       "the client_id URL is not in a form this server accepts (write the host as "
                       "a plain DNS name or a dotted IPv4 / bracketed IPv6 address)");
    if (out)
        *out = u;
    return true;
}

void cimd_url_display_host(const cimd_url *u, char *out, size_t outlen)
{
    if (u->port == 443)
        snprintf(out, outlen, "%s", u->host);
    else
        snprintf(out, outlen, "%s:%d", u->host, u->port);
}

/* ---- Cache-Control ------------------------------------------------------- */

int cimd_cache_ttl(const char *cc)
{
    if (!cc)
        return CIMD_CACHE_DEFAULT_SECONDS;
    long max_age = -1;
    const char *p = cc;
    while (*p) {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, ",");
        size_t tl = len;
        while (tl && (p[tl - 1] == ' ' || p[tl - 1] == '\t'))
            tl--;
        if ((tl == 8 && !strncasecmp(p, "no-store", 8)) ||
            (tl == 8 && !strncasecmp(p, "no-cache", 8)))
            return 0;
        if (tl > 8 && !strncasecmp(p, "max-age=", 8)) {
            const char *v = p + 8;
            size_t vl = tl - 8;
            if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
                v++;
                vl -= 2;
            }
            size_t d = 0;
            long val = 0;
            while (d < vl && isdigit((unsigned char)v[d])) {
                if (val < INT_MAX / 10)
                    val = val * 10 + (v[d] - '0');
                d++;
            }
            if (d == vl && d > 0 && max_age < 0)
                max_age = val;
        }
        p += len;
    }
    if (max_age < 0)
        return CIMD_CACHE_DEFAULT_SECONDS;
    if (max_age < CIMD_CACHE_MIN_SECONDS)
        return CIMD_CACHE_MIN_SECONDS;
    if (max_age > CIMD_CACHE_MAX_SECONDS)
        return CIMD_CACHE_MAX_SECONDS;
    return (int)max_age;
}

/* ---- the fetch ------------------------------------------------------------ */

typedef struct fetch_ctx {
    buf_t body;
    bool too_big;
    buf_t cache_control;
    bool allow_loopback;
    char refused[200]; /* why an address was not connected to */
} fetch_ctx;

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    fetch_ctx *f = ud;
    if (!buf_append(&f->body, data, size * n)) {
        f->too_big = true;
        return 0; /* aborts the transfer */
    }
    return size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
    fetch_ctx *f = ud;
    size_t len = size * n;
    if (len > 14 && !strncasecmp(data, "cache-control:", 14)) {
        const char *v = data + 14;
        size_t vl = len - 14;
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n'))
            vl--;
        /* Several Cache-Control lines make one list; an overlong one is
         * dropped whole rather than cut into a different meaning. */
        if (f->cache_control.len)
            buf_puts(&f->cache_control, ",");
        buf_append(&f->cache_control, v, vl);
    }
    return len;
}

static void refuse_addr(fetch_ctx *f, const struct sockaddr *sa, net_class c)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, ip,
                  sizeof ip);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, ip,
                  sizeof ip);
    snprintf(f->refused, sizeof f->refused, "%s, a%s %s address,", ip,
             strchr("aeiou", net_class_name(c)[0]) ? "n" : "", net_class_name(c));
}

/* Every connection attempt: only to an address the policy allows. */
static curl_socket_t on_open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
    fetch_ctx *f = ud;
    net_class c = net_classify(&a->addr);
    if (purpose != CURLSOCKTYPE_IPCXN || !net_class_allowed(c, f->allow_loopback)) {
        refuse_addr(f, &a->addr, c);
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype, a->protocol);
}

/* Once connected, before the request: the peer is checked again. */
static int on_prereq(void *ud, char *primary_ip, char *local_ip, int primary_port, int local_port)
{
    fetch_ctx *f = ud;
    (void)local_ip;
    (void)primary_port;
    (void)local_port;
    net_class c = net_classify_text(primary_ip);
    if (!net_class_allowed(c, f->allow_loopback)) {
        snprintf(f->refused, sizeof f->refused, "%s, a %s address,", primary_ip, net_class_name(c));
        return CURL_PREREQFUNC_ABORT;
    }
    return CURL_PREREQFUNC_OK;
}

static const char *shown_url(const char *url, char out[SHOWN_URL + 4])
{
    snprintf(out, SHOWN_URL + 4, "%.*s%s", SHOWN_URL, url, strlen(url) > SHOWN_URL ? "..." : "");
    return out;
}

cimd_status cimd_fetch(const char *url, const cimd_options *o, char **body, size_t *len, int *ttl,
                       char *why, size_t whylen)
{
    *body = NULL;
    *len = 0;
    *ttl = 0;
    if (!cimd_url_check(url, NULL, why, whylen))
        return CIMD_ERR_URL;
    CURL *h = curl_easy_init();
    if (!h)
        return fail(CIMD_ERR_FETCH, why, whylen, "libcurl could not start a transfer");
    fetch_ctx f;
    memset(&f, 0, sizeof f);
    buf_init(&f.body, CIMD_MAX_BYTES);
    buf_init(&f.cache_control, 1024);
    f.allow_loopback = o->allow_loopback;
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdrs = curl_slist_append(NULL, "Accept: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_PROXY, ""); /* never a proxy from the environment */
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)o->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)o->total_timeout_ms);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)CIMD_MAX_BYTES);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &f);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &f);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &f);
    curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, on_prereq);
    curl_easy_setopt(h, CURLOPT_PREREQDATA, &f);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "ddbsql/" DDBSQL_VERSION " (client metadata fetch)");
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (o->ca_file) {
        curl_easy_setopt(h, CURLOPT_CAINFO, o->ca_file);
        curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
    }
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    curl_slist_free_all(hdrs);

    char u[SHOWN_URL + 4];
    shown_url(url, u);
    cimd_status st = CIMD_OK;
    if (f.refused[0] && rc != CURLE_OK)
        st = fail(CIMD_ERR_FETCH, why, whylen,
                  "%s resolves to %s which is not fetched (server-side request forgery "
                  "protection: only public addresses are)",
                  u, f.refused);
    else if (f.too_big || rc == CURLE_FILESIZE_EXCEEDED)
        st = fail(CIMD_ERR_FETCH, why, whylen, "the document at %s is larger than %d bytes", u,
                  CIMD_MAX_BYTES);
    else if (rc == CURLE_OPERATION_TIMEDOUT)
        st = fail(CIMD_ERR_FETCH, why, whylen, "%s did not answer within %d ms", u,
                  o->total_timeout_ms);
    else if (rc == CURLE_COULDNT_RESOLVE_HOST)
        st = fail(CIMD_ERR_FETCH, why, whylen, "the host of %s was not found (DNS)", u);
    else if (rc != CURLE_OK)
        st = fail(CIMD_ERR_FETCH, why, whylen, "fetching %s failed: %s", u,
                  errbuf[0] ? errbuf : curl_easy_strerror(rc));
    else if (status >= 300 && status < 400)
        st = fail(CIMD_ERR_FETCH, why, whylen,
                  "%s answered with a redirect (HTTP %ld); redirects are not followed, the "
                  "document must be served at the client_id URL itself",
                  u, status);
    else if (status != 200)
        st = fail(CIMD_ERR_FETCH, why, whylen, "%s answered HTTP %ld (200 is required)", u, status);
    if (st == CIMD_OK) {
        *len = f.body.len;
        *body = buf_steal(&f.body);
        *ttl = cimd_cache_ttl(f.cache_control.len ? buf_cstr(&f.cache_control) : NULL);
    }
    buf_free(&f.body);
    buf_free(&f.cache_control);
    return st;
}

/* ---- with the cache -------------------------------------------------------- */

char *cimd_cache_key(const redis_store *rs, const char *url)
{
    uint8_t d[SHA256_LEN];
    char hex[2 * SHA256_LEN + 1];
    sha256(url, strlen(url), d);
    hex_encode(d, sizeof d, hex);
    buf_t k = BUF_INIT(1024);
    buf_printf(&k, "%soauth:cimd:%s", rs ? redis_store_prefix(rs) : "", hex);
    return buf_steal(&k);
}

static cimd_status validate(const char *url, const char *body, size_t len, client_metadata *out,
                            char *why, size_t whylen)
{
    char reason[512];
    client_metadata_status ms =
        client_metadata_parse(body, len, CLIENT_METADATA_CIMD, url, out, reason, sizeof reason);
    if (ms == CLIENT_METADATA_OK)
        return CIMD_OK;
    char u[SHOWN_URL + 4];
    return fail(CIMD_ERR_INVALID, why, whylen, "the client metadata document at %s is invalid: %s",
                shown_url(url, u), reason);
}

cimd_status cimd_get(redis_store *rs, const char *url, const cimd_options *o, client_metadata *out,
                     bool *from_cache, char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);
    if (from_cache)
        *from_cache = false;
    if (!cimd_url_check(url, NULL, why, whylen))
        return CIMD_ERR_URL;
    char *key = rs ? cimd_cache_key(rs, url) : NULL;
    char err[256];
    if (rs) {
        const char *argv[] = {"GET", key};
        redisReply *r = redis_store_cmd(rs, true, 2, argv, NULL, err, sizeof err);
        if (!r)
            log_msg(LOG_WARN, "CIMD cache unavailable, fetching directly: %s", err);
        if (r && r->type == REDIS_REPLY_STRING &&
            validate(url, r->str, r->len, out, why, whylen) == CIMD_OK) {
            freeReplyObject(r);
            free(key);
            if (from_cache)
                *from_cache = true;
            return CIMD_OK;
        }
        freeReplyObject(r);
    }
    char *body;
    size_t len;
    int ttl;
    cimd_status st = cimd_fetch(url, o, &body, &len, &ttl, why, whylen);
    if (st == CIMD_OK)
        st = validate(url, body, len, out, why, whylen);
    /* Only a valid document is cached (draft §4.3: never errors). */
    if (st == CIMD_OK && rs && ttl > 0) {
        char ttlbuf[16];
        snprintf(ttlbuf, sizeof ttlbuf, "%d", ttl);
        const char *argv[] = {"SET", key, body, "EX", ttlbuf};
        size_t lens[] = {3, strlen(key), len, 2, strlen(ttlbuf)};
        redisReply *r = redis_store_cmd(rs, true, 5, argv, lens, err, sizeof err);
        if (!r)
            log_msg(LOG_WARN, "CIMD cache: could not store a document: %s", err);
        freeReplyObject(r);
    }
    free(body);
    free(key);
    return st;
}

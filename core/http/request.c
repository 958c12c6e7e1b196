/* Request parsing for FastCGI responders.
 *
 * Path derivation. Front ends split the URL path between SCRIPT_NAME and
 * PATH_INFO differently, so the path is always their concatenation:
 *  - lighttpd, prefix mount ("/mcp" => ...): SCRIPT_NAME="/mcp",
 *    PATH_INFO="" or "/rest"; a "/" mount with fix-root-scriptname gives
 *    SCRIPT_NAME="" and PATH_INFO="/mcp".
 *  - Apache mod_fcgid (ScriptAlias or FcgidWrapper): SCRIPT_NAME is the
 *    alias, PATH_INFO the rest.
 *  - nginx: SCRIPT_NAME=$fastcgi_script_name (the whole decoded path) and
 *    PATH_INFO unset, or split by fastcgi_split_path_info.
 * Only when both are empty (a front end that sets neither) is the path
 * taken from REQUEST_URI: its path part, percent-decoded, query dropped. */
#include "request.h"

#include "../base/alloc.h"
#include "../base/secure.h"
#include "../base/timeutil.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Reads from the front end happen in chunks of this size. */
#define BODY_CHUNK 16384

void http_limits_default(http_limits *l)
{
    l->max_body_bytes = HTTP_DEFAULT_MAX_BODY;
    l->max_params = HTTP_DEFAULT_MAX_PARAMS;
    l->max_param_bytes = HTTP_DEFAULT_MAX_PARAM_BYTES;
    l->max_total_params_bytes = HTTP_DEFAULT_MAX_TOTAL_PARAMS;
}

static char lower_ascii(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* A name from the request, made safe to echo in an error message: at most
 * 64 bytes, anything but printable ASCII shown as '?'. */
static void safe_name(const char *s, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 4 < outlen; i++) {
        if (i == 64) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        unsigned char c = (unsigned char)s[i];
        out[o++] = c >= 0x20 && c < 0x7f && c != '\'' ? (char)c : '?';
    }
    out[o] = '\0';
}

static int copy_params(http_request *req, char **envp, const http_limits *lim, char *err,
                       size_t errlen)
{
    size_t cap = 0, total = 0;
    for (size_t i = 0; envp && envp[i]; i++) {
        const char *e = envp[i];
        const char *eq = strchr(e, '=');
        size_t namelen = eq ? (size_t)(eq - e) : strlen(e);
        char name[80];
        safe_name(e, namelen, name, sizeof name);
        if (req->params.n >= lim->max_params) {
            snprintf(err, errlen,
                     "too many request headers and params: '%s' is beyond the limit of %zu", name,
                     lim->max_params);
            return 431;
        }
        size_t len = strnlen(e, lim->max_param_bytes + 1);
        if (len > lim->max_param_bytes) {
            snprintf(err, errlen, "request header or param '%s' is longer than %zu bytes", name,
                     lim->max_param_bytes);
            return 431;
        }
        if (len > lim->max_total_params_bytes - total) {
            snprintf(err, errlen,
                     "request headers and params are over %zu bytes in total (at '%s')",
                     lim->max_total_params_bytes, name);
            return 431;
        }
        total += len;
        if (req->params.n == cap) {
            cap = cap ? cap * 2 : 32;
            req->params.items = xreallocarray(req->params.items, cap, sizeof *req->params.items);
        }
        kv_t *kv = &req->params.items[req->params.n++];
        kv->key = xstrndup(e, namelen);
        kv->val = xstrdup(eq ? eq + 1 : "");
    }
    return 0;
}

/* The path part of a request target: "/a/b?x" -> "/a/b"; an absolute form
 * "http://host/a?x" -> "/a". Sets *len. */
static const char *uri_path(const char *uri, size_t *len)
{
    const char *p = uri;
    if (*p != '/') {
        const char *scheme_end = strstr(p, "://");
        if (scheme_end && scheme_end < p + strcspn(p, "/?#")) {
            const char *slash = strpbrk(scheme_end + 3, "/?#");
            p = slash ? slash : scheme_end + strlen(scheme_end);
        }
    }
    *len = strcspn(p, "?#");
    return p;
}

static int derive_path(http_request *req, char *err, size_t errlen)
{
    const char *sn = http_param(req, "SCRIPT_NAME");
    const char *pi = http_param(req, "PATH_INFO");
    sn = sn ? sn : "";
    pi = pi ? pi : "";
    size_t snlen = strlen(sn), pilen = strlen(pi);
    buf_t path = BUF_INIT(snlen + pilen + 1);
    int status = 0;
    if (snlen || pilen) {
        buf_append(&path, sn, snlen);
        buf_append(&path, pi, pilen);
    } else {
        const char *uri = http_param(req, "REQUEST_URI");
        if (uri && *uri) {
            size_t plen;
            const char *p = uri_path(uri, &plen);
            buf_t dec = BUF_INIT(plen + 1);
            if (url_decode(p, plen, false, &dec)) {
                buf_free(&path);
                path = dec;
            } else {
                buf_free(&dec);
                snprintf(err, errlen,
                         "the request path has a malformed percent-escape or an encoded NUL");
                status = 400;
            }
        }
    }
    req->path = buf_steal(&path);
    return status;
}

/* Strict Content-Length: digits only, at least one, no overflow. */
static bool parse_length(const char *s, size_t *out)
{
    size_t v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        size_t d = (size_t)(*s - '0');
        if (v > (SIZE_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static int read_body(http_request *req, http_body_reader reader, void *ctx, const http_limits *lim,
                     char *err, size_t errlen)
{
    const char *cl = http_param(req, "CONTENT_LENGTH");
    char *chunk = xmalloc(BODY_CHUNK);
    int status = 0;
    if (cl && *cl) {
        size_t want;
        if (!parse_length(cl, &want)) {
            char shown[80];
            safe_name(cl, strlen(cl), shown, sizeof shown);
            snprintf(err, errlen, "Content-Length '%s' is not a valid length", shown);
            status = 400;
            goto out;
        }
        /* Refused before reading a byte: the front end discards the rest. */
        if (want > lim->max_body_bytes) {
            snprintf(err, errlen, "the request body (%zu bytes) is over the limit of %zu bytes",
                     want, lim->max_body_bytes);
            status = 413;
            goto out;
        }
        while (req->body.len < want) {
            size_t n = want - req->body.len;
            n = n < BODY_CHUNK ? n : BODY_CHUNK;
            ssize_t got = reader ? reader(ctx, chunk, n) : 0;
            if (got < 0 || (size_t)got > n) {
                snprintf(err, errlen, "reading the request body failed after %zu bytes",
                         req->body.len);
                status = 400;
                goto out;
            }
            if (got == 0) {
                snprintf(err, errlen, "the request body ended early: got %zu of %zu bytes",
                         req->body.len, want);
                status = 400;
                goto out;
            }
            buf_append(&req->body, chunk, (size_t)got);
        }
        goto out;
    }
    /* No length (e.g. a streamed chunked body): read to the end, one byte
     * past the cap at most, to tell "exactly at the cap" from "over". */
    for (;;) {
        size_t room = lim->max_body_bytes - req->body.len + 1;
        size_t n = room < BODY_CHUNK ? room : BODY_CHUNK;
        ssize_t got = reader ? reader(ctx, chunk, n) : 0;
        if (got < 0 || (size_t)got > n) {
            snprintf(err, errlen, "reading the request body failed after %zu bytes", req->body.len);
            status = 400;
            goto out;
        }
        if (got == 0)
            break;
        if (!buf_append(&req->body, chunk, (size_t)got)) {
            snprintf(err, errlen, "the request body is over the limit of %zu bytes",
                     lim->max_body_bytes);
            status = 413;
            goto out;
        }
    }
out:
    secure_wipe(chunk, BODY_CHUNK);
    free(chunk);
    return status;
}

/* Request ids only need to be unique, not secret: a random per-process
 * prefix plus a counter costs one CSPRNG call per worker instead of one per
 * request. The prefix is re-drawn after fork (tests and spawners fork). */
static void next_request_id(char out[33])
{
    static char prefix[17];
    static pid_t owner;
    static uint64_t counter;
    pid_t pid = getpid();
    if (pid != owner) {
        random_hex(prefix, 8);
        owner = pid;
        counter = 0;
    }
    snprintf(out, 33, "%s%016llx", prefix, (unsigned long long)++counter);
}

int http_request_init(http_request *req, char **envp, http_body_reader reader, void *reader_ctx,
                      const http_limits *limits, char *err, size_t errlen)
{
    http_limits dflt;
    if (!limits) {
        http_limits_default(&dflt);
        limits = &dflt;
    }
    memset(req, 0, sizeof *req);
    buf_init(&req->body, limits->max_body_bytes);
    next_request_id(req->request_id);
    req->start_ms = mono_ms();
    if (errlen)
        err[0] = '\0';

    int status = copy_params(req, envp, limits, err, errlen);
    /* Even after a refusal, method and path (from the params copied so far)
     * are filled in for the access log. */
    const char *m = http_param(req, "REQUEST_METHOD");
    const char *q = http_param(req, "QUERY_STRING");
    req->method = m ? m : "";
    req->query = q ? q : "";
    if (status) {
        req->path = xstrdup("");
        return status;
    }
    status = derive_path(req, err, errlen);
    if (status)
        return status;
    return read_body(req, reader, reader_ctx, limits, err, errlen);
}

void http_request_free(http_request *req)
{
    /* Params and body may carry bearer tokens, codes or client secrets. */
    for (size_t i = 0; i < req->params.n; i++) {
        free(req->params.items[i].key);
        secure_free_str(req->params.items[i].val);
    }
    free(req->params.items);
    req->params.items = NULL;
    req->params.n = 0;
    buf_free_secure(&req->body);
    /* path is always owned (see derive_path); const only for callers. */
    free((char *)req->path);
    req->path = NULL;
    req->method = req->query = NULL;
}

const char *http_param(const http_request *req, const char *name)
{
    return kvlist_get(&req->params, name);
}

const char *http_header(const http_request *req, const char *name)
{
    if (!name)
        return NULL;
    if (strcasecmp(name, "Content-Type") == 0)
        return http_param(req, "CONTENT_TYPE");
    if (strcasecmp(name, "Content-Length") == 0)
        return http_param(req, "CONTENT_LENGTH");
    char key[256] = "HTTP_";
    size_t n = strlen(name);
    if (n == 0 || n + 6 > sizeof key)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        key[5 + i] = c == '-' ? '_' : (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    key[5 + n] = '\0';
    return http_param(req, key);
}

void http_media_type(const char *content_type, char *out, size_t outlen)
{
    if (!outlen)
        return;
    out[0] = '\0';
    if (!content_type)
        return;
    size_t o = 0;
    for (const char *p = content_type; *p && *p != ';'; p++) {
        if (is_ows(*p))
            continue;
        /* Too long to hold: "" rather than a truncation that might match. */
        if (o + 1 >= outlen) {
            out[0] = '\0';
            return;
        }
        out[o++] = lower_ascii(*p);
    }
    out[o] = '\0';
}

/* A span of text [p, p+n). */
typedef struct span {
    const char *p;
    size_t n;
} span;

static span trim(const char *p, size_t n)
{
    while (n && is_ows(*p)) {
        p++;
        n--;
    }
    while (n && is_ows(p[n - 1]))
        n--;
    return (span){p, n};
}

static bool span_ieq(span s, const char *lit)
{
    return strlen(lit) == s.n && strncasecmp(s.p, lit, s.n) == 0;
}

/* RFC 9110 qvalue: "0" ["." 0*3DIGIT] / "1" ["." 0*3"0"], in thousandths.
 * Returns -1 when malformed. */
static int parse_qvalue(span v)
{
    if (v.n == 0 || v.n > 5 || (v.p[0] != '0' && v.p[0] != '1'))
        return -1;
    int q = (v.p[0] - '0') * 1000;
    if (v.n == 1)
        return q;
    if (v.p[1] != '.')
        return -1;
    int scale = 100;
    for (size_t i = 2; i < v.n; i++, scale /= 10) {
        if (v.p[i] < '0' || v.p[i] > '9')
            return -1;
        q += (v.p[i] - '0') * scale;
    }
    return q > 1000 ? -1 : q;
}

/* One Accept element: how specifically it matches type/sub (3 exact,
 * 2 "type/ *", 1 "* / *", 0 no match or malformed) and its q in *q. */
static int match_range(span elem, span type, span sub, int *q)
{
    const char *semi = memchr(elem.p, ';', elem.n);
    span range = trim(elem.p, semi ? (size_t)(semi - elem.p) : elem.n);
    *q = 1000;
    while (semi) {
        const char *start = semi + 1;
        size_t left = elem.n - (size_t)(start - elem.p);
        semi = memchr(start, ';', left);
        span param = trim(start, semi ? (size_t)(semi - start) : left);
        const char *eq = memchr(param.p, '=', param.n);
        if (!eq)
            continue;
        span pname = trim(param.p, (size_t)(eq - param.p));
        if (span_ieq(pname, "q")) {
            *q = parse_qvalue(trim(eq + 1, param.n - (size_t)(eq + 1 - param.p)));
            if (*q < 0)
                return 0;
        }
    }
    /* A bare "*" is a common shorthand for "* / *" (old Java clients). */
    if (span_ieq(range, "*"))
        return 1;
    const char *slash = memchr(range.p, '/', range.n);
    if (!slash)
        return 0;
    span rtype = {range.p, (size_t)(slash - range.p)};
    span rsub = {slash + 1, range.n - rtype.n - 1};
    if (rtype.n == 0 || rsub.n == 0)
        return 0;
    if (span_ieq(rtype, "*"))
        return span_ieq(rsub, "*") ? 1 : 0;
    if (rtype.n != type.n || strncasecmp(rtype.p, type.p, type.n) != 0)
        return 0;
    if (span_ieq(rsub, "*"))
        return 2;
    return rsub.n == sub.n && strncasecmp(rsub.p, sub.p, sub.n) == 0 ? 3 : 0;
}

bool http_accepts(const char *accept, const char *media_type)
{
    /* No Accept (or an empty one) means any media type is acceptable. */
    if (!accept || trim(accept, strlen(accept)).n == 0)
        return true;
    const char *slash = strchr(media_type, '/');
    if (!slash)
        return false;
    span type = {media_type, (size_t)(slash - media_type)};
    span sub = {slash + 1, strlen(slash + 1)};
    /* The most specific matching range decides (RFC 9110 §12.5.1), so
     * "application/json;q=0, * / *" excludes JSON. */
    int best_spec = 0, best_q = 0;
    const char *p = accept;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        int q;
        int spec = match_range(trim(p, n), type, sub, &q);
        if (spec > best_spec || (spec == best_spec && spec > 0 && q > best_q)) {
            best_spec = spec;
            best_q = q;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    return best_spec > 0 && best_q > 0;
}

void http_set_detail(http_request *req, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(req->detail, sizeof req->detail, fmt, ap);
    va_end(ap);
}

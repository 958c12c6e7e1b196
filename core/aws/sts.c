#include "sts.h"

#include "../base/alloc.h"
#include "../base/log.h"
#include "../base/secure.h"
#include "../base/timeutil.h"
#include "../base/urlcode.h"
#include "aws_http.h"
#include "creds_sources.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define STS_MAX_RESPONSE (256u << 10)
#define STS_MAX_ATTEMPTS 3
#define STS_BACKOFF_MS   200

static const char *find(const char *hay, size_t haylen, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; n <= haylen && i <= haylen - n; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return hay + i;
    return NULL;
}

bool xml_element(const char *xml, size_t len, const char *tag, const char **inner,
                 size_t *inner_len)
{
    size_t tlen = strlen(tag);
    const char *end = xml + len;
    const char *p = xml;
    while ((p = find(p, (size_t)(end - p), "<")) != NULL) {
        const char *name = p + 1;
        p = name;
        if ((size_t)(end - name) < tlen + 1 || memcmp(name, tag, tlen) != 0)
            continue;
        char after = name[tlen];
        if (after != '>' && after != '/' && after != ' ' && after != '\t' && after != '\r' &&
            after != '\n')
            continue; /* a longer name such as <AccessKeyIdX> */
        const char *gt = memchr(name + tlen, '>', (size_t)(end - name - tlen));
        if (!gt)
            return false;
        if (gt[-1] == '/') { /* <Tag/> */
            *inner = gt + 1;
            *inner_len = 0;
            return true;
        }
        const char *body = gt + 1;
        for (const char *q = body; (q = find(q, (size_t)(end - q), "</")) != NULL; q += 2) {
            const char *cn = q + 2;
            if ((size_t)(end - cn) < tlen + 1 || memcmp(cn, tag, tlen) != 0)
                continue;
            const char *r = cn + tlen;
            while (r < end && (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\n'))
                r++;
            if (r < end && *r == '>') {
                *inner = body;
                *inner_len = (size_t)(q - body);
                return true;
            }
        }
        return false;
    }
    return false;
}

static bool put_utf8(buf_t *out, unsigned long cp)
{
    char u[4];
    size_t n;
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return false;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return buf_append(out, u, n);
}

bool xml_text(const char *s, size_t len, buf_t *out)
{
    static const struct {
        const char *name;
        char c;
    } named[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
    for (size_t i = 0; i < len;) {
        char c = s[i];
        if (c == '<')
            return false; /* child elements, comments or CDATA: not plain text */
        if (c != '&') {
            if (c == '\0' || !buf_putc(out, c))
                return false;
            i++;
            continue;
        }
        const char *semi = memchr(s + i, ';', len - i);
        if (!semi || semi - (s + i) > 12)
            return false;
        size_t elen = (size_t)(semi - (s + i)) + 1; /* "&...;" */
        bool done = false;
        for (size_t k = 0; k < sizeof named / sizeof named[0] && !done; k++)
            if (elen - 1 == strlen(named[k].name) &&
                memcmp(s + i + 1, named[k].name, elen - 1) == 0) {
                if (!buf_putc(out, named[k].c))
                    return false;
                done = true;
            }
        if (!done) {
            if (s[i + 1] != '#' || elen < 4)
                return false;
            bool hex = s[i + 2] == 'x' || s[i + 2] == 'X';
            unsigned long cp = 0;
            size_t j = i + (hex ? 3 : 2);
            if (s + j == semi)
                return false;
            for (; s + j < semi; j++) {
                char d = s[j];
                int v = d >= '0' && d <= '9'          ? d - '0'
                        : hex && d >= 'a' && d <= 'f' ? d - 'a' + 10
                        : hex && d >= 'A' && d <= 'F' ? d - 'A' + 10
                                                      : -1;
                if (v < 0)
                    return false;
                cp = cp * (hex ? 16 : 10) + (unsigned long)v;
                if (cp > 0x10FFFF)
                    return false;
            }
            if (!put_utf8(out, cp))
                return false;
        }
        i += elen;
    }
    return true;
}

/* The decoded text of <tag> inside [xml, xml+len), into out (reset first). */
static bool xml_field(const char *xml, size_t len, const char *tag, buf_t *out)
{
    const char *inner;
    size_t n;
    buf_reset(out);
    return xml_element(xml, len, tag, &inner, &n) && xml_text(inner, n, out);
}

static bool add_param(buf_t *b, const char *key, const char *val)
{
    return buf_printf(b, "%s%s=", b->len ? "&" : "", key) && url_encode(val, strlen(val), b);
}

/* Parses a 200 answer into *out. */
static bool parse_success(const char *xml, size_t len, aws_creds *out)
{
    const char *creds;
    size_t clen;
    if (!xml_element(xml, len, "AssumeRoleResult", &creds, &clen) ||
        !xml_element(creds, clen, "Credentials", &creds, &clen))
        return false;
    buf_t akid = BUF_INIT(256), secret = BUF_INIT(1024), token = BUF_INIT(8192), exp = BUF_INIT(64);
    int64_t expires_ms = 0;
    bool ok = xml_field(creds, clen, "AccessKeyId", &akid) && akid.len &&
              xml_field(creds, clen, "SecretAccessKey", &secret) && secret.len &&
              xml_field(creds, clen, "SessionToken", &token) && token.len &&
              xml_field(creds, clen, "Expiration", &exp) &&
              iso8601_parse(buf_cstr(&exp), &expires_ms);
    if (ok)
        aws_creds_set(out, buf_cstr(&akid), buf_cstr(&secret), buf_cstr(&token), expires_ms,
                      "assume-role");
    buf_free_secure(&akid);
    buf_free_secure(&secret);
    buf_free_secure(&token);
    buf_free(&exp);
    return ok;
}

static bool is_retryable(long status, const char *code)
{
    return status >= 500 || status == 429 || strcmp(code, "Throttling") == 0 ||
           strcmp(code, "ThrottlingException") == 0 || strcmp(code, "RequestLimitExceeded") == 0 ||
           strcmp(code, "IDPCommunicationError") == 0;
}

/* Turns an STS error answer into a message for a person. */
static sts_status describe_error(const sts_assume_params *p, const aws_creds *base, long status,
                                 const char *code, const char *msg, char *err, size_t errlen)
{
    const char *ext = p->external_id ? "with the ExternalId from external_id"
                                     : "without an "
                                       "ExternalId";
    if (strcmp(code, "AccessDenied") == 0) {
        snprintf(err, errlen,
                 "schema '%s': STS denied AssumeRole of %s %s (AccessDenied: %.200s): the role's "
                 "trust policy must trust these %s credentials and expect that ExternalId "
                 "(check role_arn and external_id in [schema %s]), and the caller needs "
                 "sts:AssumeRole on the role",
                 p->schema, p->role_arn, ext, msg, base->source, p->schema);
    } else if (strcmp(code, "ExpiredToken") == 0) {
        snprintf(err, errlen,
                 "schema '%s': the %s credentials used to assume %s have expired (ExpiredToken)",
                 p->schema, base->source, p->role_arn);
        return STS_ERR_EXPIRED_BASE;
    } else if (strcmp(code, "InvalidClientTokenId") == 0 ||
               strcmp(code, "SignatureDoesNotMatch") == 0) {
        snprintf(err, errlen,
                 "schema '%s': STS rejected the %s credentials used to assume %s (%s: %.200s): "
                 "%s",
                 p->schema, base->source, p->role_arn, code, msg,
                 strcmp(code, "SignatureDoesNotMatch") == 0
                     ? "the secret access key does not match the access key"
                     : "the access key or session token is not valid; fix the base credentials");
    } else if (strcmp(code, "RegionDisabledException") == 0) {
        snprintf(err, errlen,
                 "schema '%s': cannot assume %s: STS is not activated in region %s "
                 "(RegionDisabledException): activate it in the IAM account settings or set "
                 "sts_endpoint in [schema %s]",
                 p->schema, p->role_arn, p->region, p->schema);
    } else if (strcmp(code, "ValidationError") == 0 ||
               strcmp(code, "MalformedPolicyDocument") == 0) {
        snprintf(err, errlen,
                 "schema '%s': STS refused the AssumeRole parameters for %s (%s: %.200s): check "
                 "role_arn, role_session_name and role_duration_seconds (at most the role's "
                 "maximum session duration) in [schema %s]",
                 p->schema, p->role_arn, code, msg, p->schema);
    } else {
        snprintf(
            err, errlen, "schema '%s': STS AssumeRole of %s %s failed (HTTP %ld%s%s%s%.200s)%s",
            p->schema, p->role_arn, ext, status, *code ? ", " : "", code, *msg ? ": " : "", msg,
            is_retryable(status, code) ? "; STS is unavailable or throttling, retry later" : "");
    }
    return STS_ERR;
}

sts_status sts_assume_role(const sts_assume_params *p, const aws_creds *base, aws_creds *out,
                           char *err, size_t errlen)
{
    buf_t form = BUF_INIT(8192);
    char dur[16];
    snprintf(dur, sizeof dur, "%d", p->duration_seconds);
    bool ok = add_param(&form, "Action", "AssumeRole") &&
              add_param(&form, "Version", "2011-06-15") &&
              add_param(&form, "RoleArn", p->role_arn) &&
              add_param(&form, "RoleSessionName", p->session_name) &&
              add_param(&form, "DurationSeconds", dur) &&
              (!p->external_id || add_param(&form, "ExternalId", p->external_id));
    if (!ok) {
        snprintf(err, errlen, "schema '%s': the AssumeRole parameters are too long", p->schema);
        buf_free(&form);
        return STS_ERR;
    }
    char sigv4[128];
    snprintf(sigv4, sizeof sigv4, "aws:amz:%s:sts", p->region);
    const char *headers[] = {"Content-Type: application/x-www-form-urlencoded; charset=utf-8",
                             "Accept: text/xml", NULL};
    aws_http_req req = {
        .method = "POST",
        .url = p->endpoint,
        .headers = headers,
        .body = buf_cstr(&form),
        .connect_timeout_ms = p->connect_timeout_ms,
        .timeout_ms = p->timeout_ms,
        .max_response = STS_MAX_RESPONSE,
        .sigv4 = sigv4,
        .creds = base,
    };
    sts_status st = STS_ERR;
    for (int attempt = 1; attempt <= STS_MAX_ATTEMPTS; attempt++) {
        if (attempt > 1)
            sleep_ms(STS_BACKOFF_MS * (attempt - 1));
        aws_http_resp resp;
        bool answered = aws_http_perform(&req, &resp);
        bool retry = false;
        if (!answered) {
            snprintf(err, errlen, "schema '%s': cannot reach STS at %s to assume %s: %s", p->schema,
                     p->endpoint, p->role_arn, resp.error);
            retry = resp.code != CURLE_WRITE_ERROR;
        } else if (resp.status == 200) {
            if (parse_success(buf_cstr(&resp.body), resp.body.len, out))
                st = STS_OK;
            else
                snprintf(err, errlen,
                         "schema '%s': STS answered AssumeRole of %s without usable credentials "
                         "(is sts_endpoint an STS endpoint?)",
                         p->schema, p->role_arn);
        } else {
            const char *xml = buf_cstr(&resp.body);
            const char *e = xml;
            size_t elen = resp.body.len;
            if (!xml_element(xml, resp.body.len, "Error", &e, &elen)) {
                e = xml;
                elen = resp.body.len;
            }
            buf_t code = BUF_INIT(96), msg = BUF_INIT(512);
            if (!xml_field(e, elen, "Code", &code))
                buf_reset(&code);
            if (!xml_field(e, elen, "Message", &msg))
                buf_reset(&msg);
            retry = is_retryable(resp.status, buf_cstr(&code));
            st = describe_error(p, base, resp.status, buf_cstr(&code), buf_cstr(&msg), err, errlen);
            buf_free(&code);
            buf_free(&msg);
        }
        aws_http_resp_free(&resp);
        if (!retry || attempt == STS_MAX_ATTEMPTS)
            break;
        log_msg(LOG_WARN, "AssumeRole attempt %d failed, retrying: %s", attempt, err);
    }
    buf_free(&form);
    return st;
}

#include "sigv4_check.h"

#include "core/base/buf.h"
#include "core/base/crypto.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool field(const char *auth, const char *name, char *out, size_t outlen)
{
    const char *p = strstr(auth, name);
    if (!p)
        return false;
    p += strlen(name);
    size_t n = strcspn(p, ", ");
    if (n >= outlen)
        return false;
    memcpy(out, p, n);
    out[n] = '\0';
    return true;
}

static void hex_sha256(const char *data, size_t len, char out[2 * SHA256_LEN + 1])
{
    uint8_t d[SHA256_LEN];
    sha256(data, len, d);
    hex_encode(d, SHA256_LEN, out);
}

/* Appends a header value trimmed with inner runs of spaces collapsed. */
static void put_value(buf_t *b, const char *v)
{
    while (*v == ' ')
        v++;
    bool space = false;
    for (; *v; v++) {
        if (*v == ' ') {
            space = true;
            continue;
        }
        if (space)
            buf_putc(b, ' ');
        space = false;
        buf_putc(b, *v);
    }
}

bool sigv4_signs_header(const fake_http_req *r, const char *lower_name)
{
    const char *auth = fake_http_header_get(r, "Authorization");
    char signed_headers[1024];
    if (!auth || !field(auth, "SignedHeaders=", signed_headers, sizeof signed_headers))
        return false;
    for (char *tok = strtok(signed_headers, ";"); tok; tok = strtok(NULL, ";"))
        if (strcmp(tok, lower_name) == 0)
            return true;
    return false;
}

bool sigv4_check(const fake_http_req *r, const char *secret, const char *region,
                 const char *service, char *why, size_t whylen)
{
    const char *auth = fake_http_header_get(r, "Authorization");
    const char *amzdate = fake_http_header_get(r, "X-Amz-Date");
    char cred[512], signed_headers[1024], sig[128];
    if (!auth || !amzdate || strncmp(auth, "AWS4-HMAC-SHA256 ", 17) != 0 ||
        !field(auth, "Credential=", cred, sizeof cred) ||
        !field(auth, "SignedHeaders=", signed_headers, sizeof signed_headers) ||
        !field(auth, "Signature=", sig, sizeof sig)) {
        snprintf(why, whylen, "no well-formed Authorization/X-Amz-Date header");
        return false;
    }
    char date[9];
    snprintf(date, sizeof date, "%.8s", amzdate);
    char scope[256];
    snprintf(scope, sizeof scope, "%s/%s/%s/aws4_request", date, region, service);
    const char *slash = strchr(cred, '/');
    if (!slash || strcmp(slash + 1, scope) != 0) {
        snprintf(why, whylen, "credential scope %s, expected %s", slash ? slash + 1 : cred, scope);
        return false;
    }

    buf_t canon = BUF_INIT(1 << 20);
    const char *q = strchr(r->path, '?');
    buf_printf(&canon, "%s\n%.*s\n%s\n", r->method, (int)(q ? q - r->path : (long)strlen(r->path)),
               r->path, q ? q + 1 : "");
    char list[1024];
    snprintf(list, sizeof list, "%s", signed_headers);
    for (char *save = NULL, *tok = strtok_r(list, ";", &save); tok;
         tok = strtok_r(NULL, ";", &save)) {
        const char *v = fake_http_header_get(r, tok);
        if (!v) {
            snprintf(why, whylen, "signed header %s was not sent", tok);
            buf_free(&canon);
            return false;
        }
        buf_printf(&canon, "%s:", tok);
        put_value(&canon, v);
        buf_putc(&canon, '\n');
    }
    char body_hash[2 * SHA256_LEN + 1], canon_hash[2 * SHA256_LEN + 1];
    hex_sha256(r->body, r->body_len, body_hash);
    buf_printf(&canon, "\n%s\n%s", signed_headers, body_hash);
    hex_sha256(buf_cstr(&canon), canon.len, canon_hash);
    buf_free(&canon);

    buf_t sts = BUF_INIT(4096);
    buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s\n%s", amzdate, scope, canon_hash);
    char key0[512];
    snprintf(key0, sizeof key0, "AWS4%s", secret);
    uint8_t k[SHA256_LEN];
    hmac_sha256(key0, strlen(key0), date, strlen(date), k);
    hmac_sha256(k, sizeof k, region, strlen(region), k);
    hmac_sha256(k, sizeof k, service, strlen(service), k);
    hmac_sha256(k, sizeof k, "aws4_request", 12, k);
    uint8_t s[SHA256_LEN];
    hmac_sha256(k, sizeof k, sts.data, sts.len, s);
    buf_free(&sts);
    char expect[2 * SHA256_LEN + 1];
    hex_encode(s, SHA256_LEN, expect);
    if (strcmp(expect, sig) != 0) {
        snprintf(why, whylen, "signature %s, expected %s", sig, expect);
        return false;
    }
    return true;
}

#include "creds_sources.h"

#include "../base/alloc.h"
#include "../base/buf.h"
#include "../base/json_util.h"
#include "../base/secure.h"
#include "../base/timeutil.h"
#include "aws_http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CREDS_DOC_MAX  (64u << 10)
#define TOKEN_FILE_MAX (16u << 10)

void aws_creds_clear(aws_creds *c)
{
    secure_free_str(c->access_key_id);
    secure_free_str(c->secret_access_key);
    secure_free_str(c->session_token);
    memset(c, 0, sizeof *c);
}

void aws_creds_set(aws_creds *c, const char *akid, const char *secret, const char *token,
                   int64_t expires_ms, const char *source)
{
    aws_creds next = {
        .access_key_id = xstrdup(akid),
        .secret_access_key = xstrdup(secret),
        .session_token = token && *token ? xstrdup(token) : NULL,
        .expires_ms = expires_ms,
        .source = source,
    };
    aws_creds_clear(c);
    *c = next;
}

void aws_creds_copy(aws_creds *dst, const aws_creds *src)
{
    aws_creds_set(dst, src->access_key_id, src->secret_access_key, src->session_token,
                  src->expires_ms, src->source);
}

bool aws_creds_fresh(const aws_creds *c, int64_t margin_ms)
{
    return c->access_key_id && (c->expires_ms == 0 || wall_ms() + margin_ms < c->expires_ms);
}

static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

src_status creds_from_env(aws_creds *out, char *why, size_t whylen)
{
    const char *akid = env_nonempty("AWS_ACCESS_KEY_ID");
    const char *secret = env_nonempty("AWS_SECRET_ACCESS_KEY");
    if (!akid && !secret) {
        snprintf(why, whylen, "AWS_ACCESS_KEY_ID not set");
        return SRC_ABSENT;
    }
    if (!akid || !secret) {
        snprintf(why, whylen, "%s is set but %s is not",
                 akid ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                 akid ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
        return SRC_FAILED;
    }
    aws_creds_set(out, akid, secret, env_nonempty("AWS_SESSION_TOKEN"), 0, "env");
    return SRC_OK;
}

/* Wipes a secret held inside a json-c string before the object is freed. */
static void wipe_json_str(json_object *obj, const char *key)
{
    json_object *v = jget(obj, key);
    if (v && json_object_is_type(v, json_type_string))
        secure_wipe((char *)json_object_get_string(v), (size_t)json_object_get_string_len(v));
}

bool creds_parse_json(const char *body, size_t len, const char *source, aws_creds *out, char *why,
                      size_t whylen)
{
    char jerr[128];
    json_object *doc = json_parse_strict(body, len, 8, jerr, sizeof jerr);
    if (!doc) {
        snprintf(why, whylen, "the credentials document is not JSON (%s)", jerr);
        return false;
    }
    bool ok = false;
    const char *code = jget_str(doc, "Code");
    const char *akid = jget_str(doc, "AccessKeyId");
    const char *secret = jget_str(doc, "SecretAccessKey");
    const char *token = jget_str(doc, "Token");
    const char *exp = jget_str(doc, "Expiration");
    int64_t expires_ms = 0;
    if (!json_object_is_type(doc, json_type_object)) {
        snprintf(why, whylen, "the credentials document is not a JSON object");
    } else if (code && strcmp(code, "Success") != 0) {
        snprintf(why, whylen, "the credentials document says Code=%.64s", code);
    } else if (!akid || !*akid || !secret || !*secret) {
        snprintf(why, whylen, "the credentials document has no AccessKeyId/SecretAccessKey");
    } else if (exp && !iso8601_parse(exp, &expires_ms)) {
        snprintf(why, whylen, "the credentials document's Expiration '%.40s' is not a timestamp",
                 exp);
    } else {
        aws_creds_set(out, akid, secret, token, expires_ms, source);
        ok = true;
    }
    wipe_json_str(doc, "SecretAccessKey");
    wipe_json_str(doc, "Token");
    json_object_put(doc);
    return ok;
}

/* Fetches a credentials document and parses it. */
static src_status fetch_doc(const char *url, const char *const *headers, const char *what,
                            const char *source, aws_creds *out, char *why, size_t whylen)
{
    aws_http_req req = {
        .method = "GET",
        .url = url,
        .headers = headers,
        .connect_timeout_ms = METADATA_CONNECT_TIMEOUT_MS,
        .timeout_ms = METADATA_TIMEOUT_MS,
        .max_response = CREDS_DOC_MAX,
    };
    aws_http_resp resp;
    src_status st = SRC_FAILED;
    if (!aws_http_perform(&req, &resp)) {
        snprintf(why, whylen, "%s unreachable: %s", what, resp.error);
    } else if (resp.status != 200) {
        snprintf(why, whylen, "%s answered HTTP %ld", what, resp.status);
    } else {
        char perr[160];
        if (creds_parse_json(resp.body.data ? resp.body.data : "", resp.body.len, source, out, perr,
                             sizeof perr))
            st = SRC_OK;
        else
            snprintf(why, whylen, "%s: %s", what, perr);
    }
    aws_http_resp_free(&resp);
    return st;
}

/* http is only allowed to the container agent or loopback, as the SDKs do,
 * so a hostile FULL_URI cannot send the token across a network in clear. */
static bool full_uri_allowed(const char *uri, char *why, size_t whylen)
{
    CURLU *u = curl_url();
    if (!u)
        die_oom(0);
    char *scheme = NULL, *host = NULL;
    bool ok = false;
    if (curl_url_set(u, CURLUPART_URL, uri, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        snprintf(why, whylen, "AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL");
    } else if (strcasecmp(scheme, "https") == 0) {
        ok = true;
    } else if (strcasecmp(scheme, "http") != 0) {
        snprintf(why, whylen, "AWS_CONTAINER_CREDENTIALS_FULL_URI must be http or https");
    } else if (strncmp(host, "127.", 4) == 0 || strcmp(host, "[::1]") == 0 ||
               strcasecmp(host, "localhost") == 0 || strcmp(host, "169.254.170.2") == 0 ||
               strcmp(host, "169.254.170.23") == 0 || strcasecmp(host, "[fd00:ec2::23]") == 0) {
        ok = true;
    } else {
        snprintf(why, whylen,
                 "AWS_CONTAINER_CREDENTIALS_FULL_URI host '%.64s' is not allowed over http "
                 "(use https, a loopback address or the container agent's)",
                 host);
    }
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return ok;
}

/* The container authorization token into *line as "Authorization: ...";
 * false (with why) when configured but unusable. */
static bool ecs_auth_header(buf_t *line, char *why, size_t whylen)
{
    const char *file = env_nonempty("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    const char *tok = env_nonempty("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    buf_t val = BUF_INIT(TOKEN_FILE_MAX);
    bool ok = true;
    if (file) {
        FILE *f = fopen(file, "re");
        if (!f) {
            snprintf(why, whylen, "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %.200s: %s",
                     file, strerror(errno));
            return false;
        }
        char chunk[1024];
        size_t n;
        while (ok && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
            ok = buf_append(&val, chunk, n);
        secure_wipe(chunk, sizeof chunk);
        fclose(f);
        if (!ok)
            snprintf(why, whylen, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE is larger than %u bytes",
                     TOKEN_FILE_MAX);
        while (ok && val.len &&
               (val.data[val.len - 1] == '\n' || val.data[val.len - 1] == '\r' ||
                val.data[val.len - 1] == ' '))
            val.data[--val.len] = '\0';
    } else if (tok) {
        ok = buf_puts(&val, tok);
        if (!ok)
            snprintf(why, whylen, "AWS_CONTAINER_AUTHORIZATION_TOKEN is too long");
    }
    if (ok && val.len && strpbrk(buf_cstr(&val), "\r\n")) {
        snprintf(why, whylen, "the container authorization token contains a line break");
        ok = false;
    }
    if (ok && val.len)
        ok = buf_printf(line, "Authorization: %s", buf_cstr(&val));
    buf_free_secure(&val);
    return ok;
}

src_status creds_from_ecs(const char *relative_base, aws_creds *out, char *why, size_t whylen)
{
    const char *rel = env_nonempty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = env_nonempty("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    if (!rel && !full) {
        snprintf(why, whylen, "not configured");
        return SRC_ABSENT;
    }
    if (rel) {
        if (rel[0] != '/') {
            snprintf(why, whylen, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must start with '/'");
            return SRC_FAILED;
        }
        buf_t url = BUF_INIT(4096);
        src_status st;
        if (!buf_printf(&url, "%s%s", relative_base, rel)) {
            snprintf(why, whylen, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is too long");
            st = SRC_FAILED;
        } else {
            st = fetch_doc(buf_cstr(&url), NULL, "the ECS agent", "ecs", out, why, whylen);
        }
        buf_free(&url);
        return st;
    }
    if (!full_uri_allowed(full, why, whylen))
        return SRC_FAILED;
    buf_t auth = BUF_INIT(TOKEN_FILE_MAX + 64);
    if (!ecs_auth_header(&auth, why, whylen)) {
        buf_free_secure(&auth);
        return SRC_FAILED;
    }
    const char *headers[2] = {auth.len ? buf_cstr(&auth) : NULL, NULL};
    char what[300];
    snprintf(what, sizeof what, "%.280s", full);
    src_status st = fetch_doc(full, headers, what, "ecs", out, why, whylen);
    buf_free_secure(&auth);
    return st;
}

/* Trims trailing whitespace (IMDS answers end without one, but be lenient). */
static void rtrim(buf_t *b)
{
    while (b->len && strchr(" \t\r\n", b->data[b->len - 1]))
        b->data[--b->len] = '\0';
}

src_status creds_from_imds(aws_creds *out, char *why, size_t whylen)
{
    const char *disabled = getenv("AWS_EC2_METADATA_DISABLED");
    if (disabled && strcasecmp(disabled, "true") == 0) {
        snprintf(why, whylen, "disabled by AWS_EC2_METADATA_DISABLED");
        return SRC_ABSENT;
    }
    const char *ep = env_nonempty("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    char base[512];
    snprintf(base, sizeof base, "%s", ep ? ep : IMDS_DEFAULT_ENDPOINT);
    for (size_t n = strlen(base); n && base[n - 1] == '/'; n--)
        base[n - 1] = '\0';

    char url[1024];
    snprintf(url, sizeof url, "%s/latest/api/token", base);
    const char *ttl_hdr[] = {"X-aws-ec2-metadata-token-ttl-seconds: 21600", NULL};
    aws_http_req req = {
        .method = "PUT",
        .url = url,
        .headers = ttl_hdr,
        .connect_timeout_ms = METADATA_CONNECT_TIMEOUT_MS,
        .timeout_ms = METADATA_CONNECT_TIMEOUT_MS,
        .max_response = 4096,
    };
    aws_http_resp resp;
    if (!aws_http_perform(&req, &resp)) {
        snprintf(why, whylen, "unreachable at %.200s: %s", base, resp.error);
        aws_http_resp_free(&resp);
        return SRC_FAILED;
    }
    rtrim(&resp.body);
    if (resp.status != 200 || resp.body.len == 0 || strpbrk(buf_cstr(&resp.body), "\r\n")) {
        snprintf(why, whylen, "%.200s refused the IMDSv2 session token request (HTTP %ld)", base,
                 resp.status);
        aws_http_resp_free(&resp);
        return SRC_FAILED;
    }
    buf_t tok_hdr = BUF_INIT(8192);
    bool ok = buf_printf(&tok_hdr, "X-aws-ec2-metadata-token: %s", buf_cstr(&resp.body));
    aws_http_resp_free(&resp);
    if (!ok) {
        snprintf(why, whylen, "the IMDSv2 session token is too long");
        buf_free_secure(&tok_hdr);
        return SRC_FAILED;
    }
    const char *hdrs[] = {buf_cstr(&tok_hdr), NULL};

    /* The role attached to the instance profile. */
    snprintf(url, sizeof url, "%s/latest/meta-data/iam/security-credentials/", base);
    req = (aws_http_req){
        .method = "GET",
        .url = url,
        .headers = hdrs,
        .connect_timeout_ms = METADATA_CONNECT_TIMEOUT_MS,
        .timeout_ms = METADATA_CONNECT_TIMEOUT_MS,
        .max_response = 4096,
    };
    src_status st = SRC_FAILED;
    if (!aws_http_perform(&req, &resp)) {
        snprintf(why, whylen, "unreachable at %.200s: %s", base, resp.error);
    } else if (resp.status == 404) {
        snprintf(why, whylen, "no IAM role is attached to this instance");
    } else if (resp.status != 200) {
        snprintf(why, whylen, "listing the instance's role answered HTTP %ld", resp.status);
    } else {
        const char *list = buf_cstr(&resp.body);
        size_t n = strcspn(list, "\r\n");
        char role[256];
        bool valid = n > 0 && n < sizeof role;
        for (size_t i = 0; valid && i < n; i++)
            valid = list[i] > ' ' && list[i] != '/' && list[i] != '?' && list[i] != '#' &&
                    (unsigned char)list[i] < 0x7f;
        if (!valid) {
            snprintf(why, whylen, "the instance's role name is not valid");
        } else {
            memcpy(role, list, n);
            role[n] = '\0';
            snprintf(url, sizeof url, "%s/latest/meta-data/iam/security-credentials/%s", base,
                     role);
            st = fetch_doc(url, hdrs, "IMDSv2", "imds", out, why, whylen);
        }
    }
    aws_http_resp_free(&resp);
    buf_free_secure(&tok_hdr);
    return st;
}

#include "token_request.h"

#include "form.h"
#include "scope.h"

#include "../core/base/alloc.h"
#include "../core/base/base64.h"
#include "../core/base/buf.h"
#include "../core/base/crypto.h"
#include "../core/base/secure.h"
#include "../core/http/request.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BASIC_MAX 4096 /* bytes of an Authorization header we read */

const char *token_grant_name(token_grant g)
{
    switch (g) {
    case TOKEN_GRANT_AUTHORIZATION_CODE:
        return "authorization_code";
    case TOKEN_GRANT_REFRESH_TOKEN:
        return "refresh_token";
    case TOKEN_GRANT_CLIENT_CREDENTIALS:
        return "client_credentials";
    case TOKEN_GRANT_NONE:
        break;
    }
    return "revoke";
}

static bool fail(token_error *e, int status, const char *error, const char *reason, const char *fmt,
                 ...) __attribute__((format(printf, 5, 6)));

static bool fail(token_error *e, int status, const char *error, const char *reason, const char *fmt,
                 ...)
{
    e->status = status;
    e->error = error;
    e->reason = reason;
    e->challenge = strcmp(error, "invalid_client") == 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->description, sizeof e->description, fmt, ap);
    va_end(ap);
    return false;
}

/* ---- parsing ------------------------------------------------------------------- */

void token_request_free(token_request *r)
{
    if (!r)
        return;
    free(r->client_id);
    secure_free_str(r->client_secret);
    secure_free_str(r->client_secret_alt);
    oauth_form_free(&r->form);
    memset(r, 0, sizeof *r);
}

/* application/x-www-form-urlencoded decoding of a Basic user or password
 * (RFC 6749 §2.3.1); NULL when it is not validly encoded. */
static char *form_decode(const char *s, size_t n)
{
    buf_t b = BUF_INIT(n + 1);
    if (!url_decode(s, n, true, &b)) {
        buf_free_secure(&b);
        return NULL;
    }
    return buf_steal(&b);
}

/* "Basic <base64(user:password)>" into the request's client_id and
 * secret(s). */
static bool parse_basic(const char *h, token_request *out, token_error *e)
{
    size_t hlen = strnlen(h, BASIC_MAX + 1);
    if (hlen > BASIC_MAX)
        return fail(e, 401, "invalid_client", "basic_too_long",
                    "The Authorization header is longer than %d bytes.", BASIC_MAX);
    if (strncasecmp(h, "Basic", 5) != 0 || (h[5] != ' ' && h[5] != '\t' && h[5] != '\0'))
        return fail(e, 401, "invalid_client", "auth_scheme",
                    "The token endpoint accepts client credentials in the Authorization header "
                    "only as HTTP Basic (client_secret_basic).");
    const char *p = h + 5;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strlen(p);
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    uint8_t *dec = NULL;
    size_t dlen = 0;
    if (n == 0 || !base64_decode(p, n, &dec, &dlen))
        return fail(e, 401, "invalid_client", "basic_malformed",
                    "The Basic credentials are not valid base64.");
    char *colon = memchr(dec, ':', dlen);
    bool ok = colon && colon != (char *)dec && memchr(dec, '\0', dlen) == NULL;
    if (ok) {
        size_t ulen = (size_t)(colon - (char *)dec), plen = dlen - ulen - 1;
        out->client_id = form_decode((char *)dec, ulen);
        out->client_secret = xstrndup(colon + 1, plen);
        char *alt = form_decode(colon + 1, plen);
        if (alt && strcmp(alt, out->client_secret) != 0)
            out->client_secret_alt = alt;
        else
            secure_free_str(alt);
        ok = out->client_id && *out->client_id && plen > 0;
    }
    secure_wipe(dec, dlen);
    free(dec);
    if (!ok)
        return fail(e, 401, "invalid_client", "basic_malformed",
                    "The Basic credentials must be client_id:client_secret, both non-empty.");
    out->basic = true;
    out->auth = CLIENT_AUTH_CLIENT_SECRET_BASIC;
    return true;
}

static bool identify_client(const char *authorization, token_request *out, token_error *e)
{
    const char *form_id = oauth_form_get(&out->form, "client_id");
    const char *form_secret = oauth_form_get(&out->form, "client_secret");
    if (authorization && *authorization) {
        if (!parse_basic(authorization, out, e))
            return false;
        if (form_secret)
            return fail(e, 400, "invalid_request", "two_auth_methods",
                        "The client authenticated twice (Basic and client_secret in the body); "
                        "use one method only.");
        if (form_id && strcmp(form_id, out->client_id) != 0)
            return fail(e, 400, "invalid_request", "client_id_mismatch",
                        "The client_id in the body differs from the one in the Authorization "
                        "header.");
        return true;
    }
    if (!form_id)
        return fail(e, 401, "invalid_client", "no_client",
                    "No client authentication: send client_id (public clients) or the client "
                    "credentials (HTTP Basic or client_id and client_secret in the body).");
    out->client_id = xstrdup(form_id);
    if (form_secret) {
        out->client_secret = xstrdup(form_secret);
        out->auth = CLIENT_AUTH_CLIENT_SECRET_POST;
    } else {
        out->auth = CLIENT_AUTH_NONE;
    }
    return true;
}

static bool require(token_request *out, const char *name, const char **slot, token_error *e)
{
    *slot = oauth_form_get(&out->form, name);
    if (!*slot)
        return fail(e, 400, "invalid_request", "missing_parameter", "The %s parameter is required.",
                    name);
    return true;
}

static bool parse_grant(token_request *out, token_error *e)
{
    const char *gt = oauth_form_get(&out->form, "grant_type");
    if (!gt)
        return fail(e, 400, "invalid_request", "missing_parameter",
                    "The grant_type parameter is required.");
    if (!strcmp(gt, "authorization_code"))
        out->grant = TOKEN_GRANT_AUTHORIZATION_CODE;
    else if (!strcmp(gt, "refresh_token"))
        out->grant = TOKEN_GRANT_REFRESH_TOKEN;
    else if (!strcmp(gt, "client_credentials"))
        out->grant = TOKEN_GRANT_CLIENT_CREDENTIALS;
    else
        return fail(e, 400, "unsupported_grant_type", "grant_type",
                    "Supported grant types: authorization_code, refresh_token, "
                    "client_credentials.");
    return true;
}

bool token_pkce_verifier_valid(const char *v)
{
    size_t n = v ? strnlen(v, 129) : 0;
    if (n < 43 || n > 128)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.' || c == '_' || c == '~';
        if (!ok)
            return false;
    }
    return true;
}

bool token_pkce_s256_matches(const char *verifier, const char *challenge)
{
    if (!token_pkce_verifier_valid(verifier) || !challenge)
        return false;
    uint8_t h[SHA256_LEN];
    sha256(verifier, strlen(verifier), h);
    char *enc = base64url_encode(h, sizeof h);
    bool ok = ct_streq(enc, challenge);
    free(enc);
    return ok;
}

static bool parse_params(token_request *out, token_error *e)
{
    out->scope = oauth_form_get(&out->form, "scope");
    out->resource = oauth_form_get(&out->form, "resource");
    if (out->kind == TOKEN_ENDPOINT_REVOKE) {
        out->token_type_hint = oauth_form_get(&out->form, "token_type_hint");
        return require(out, "token", &out->token, e);
    }
    if (out->scope) {
        /* scope_parse's own message quotes characters an error_description
           may not hold, so it is not passed on. */
        scope_list l;
        char why[128];
        bool ok = scope_parse(out->scope, &l, why, sizeof why);
        scope_list_free(&l);
        if (!ok)
            return fail(e, 400, "invalid_scope", "scope_syntax",
                        "The scope is malformed: scopes are printable ASCII characters other "
                        "than double quote and backslash, separated by single spaces, at most %d "
                        "of them and %d bytes in all.",
                        SCOPE_MAX_TOKENS, SCOPE_MAX_LEN);
    }
    switch (out->grant) {
    case TOKEN_GRANT_AUTHORIZATION_CODE:
        if (!require(out, "code", &out->code, e) ||
            !require(out, "redirect_uri", &out->redirect_uri, e))
            return false;
        out->code_verifier = oauth_form_get(&out->form, "code_verifier");
        if (!out->code_verifier)
            return fail(e, 400, "invalid_request", "pkce_missing",
                        "The code_verifier parameter is required (PKCE, RFC 7636).");
        if (!token_pkce_verifier_valid(out->code_verifier))
            return fail(e, 400, "invalid_request", "pkce_malformed",
                        "The code_verifier must be 43 to 128 characters of A-Z, a-z, 0-9, '-', "
                        "'.', '_' and '~' (RFC 7636 section 4.1).");
        return true;
    case TOKEN_GRANT_REFRESH_TOKEN:
        return require(out, "refresh_token", &out->refresh_token, e);
    case TOKEN_GRANT_CLIENT_CREDENTIALS:
    case TOKEN_GRANT_NONE:
        break;
    }
    return true;
}

bool token_request_parse(token_endpoint_kind kind, const char *method, const char *query,
                         const char *content_type, const char *authorization, const char *body,
                         size_t len, token_request *out, token_error *e)
{
    memset(out, 0, sizeof *out);
    memset(e, 0, sizeof *e);
    out->kind = kind;
    const char *what = kind == TOKEN_ENDPOINT_REVOKE ? "token revocation" : "token";
    if (!method || strcmp(method, "POST") != 0)
        return fail(e, 405, "invalid_request", "method", "The %s endpoint takes POST only.", what);
    if (query && *query)
        return fail(e, 400, "invalid_request", "query_parameters",
                    "Parameters of a %s request go in the body, never in the URL.", what);
    char media[128];
    http_media_type(content_type, media, sizeof media);
    if (strcmp(media, "application/x-www-form-urlencoded") != 0)
        return fail(e, 400, "invalid_request", "content_type",
                    "A %s request must be sent as application/x-www-form-urlencoded.", what);
    if (len > TOKEN_MAX_BODY)
        return fail(e, 413, "invalid_request", "body_too_large",
                    "The request body is larger than %d bytes.", TOKEN_MAX_BODY);
    char why[200];
    oauth_form_limits lim = {TOKEN_MAX_PARAMS, TOKEN_MAX_VALUE};
    if (!oauth_form_parse(body ? body : "", body ? len : 0, &lim, &out->form, why, sizeof why)) {
        fail(e, 400, "invalid_request", "form", "%s", why);
        token_request_free(out);
        return false;
    }
    bool ok = (kind == TOKEN_ENDPOINT_REVOKE || parse_grant(out, e)) &&
              identify_client(authorization, out, e) && parse_params(out, e);
    if (!ok) {
        token_request_free(out);
        out->kind = kind;
    }
    return ok;
}

#include "authz_request.h"

#include "form.h"
#include "scope.h"

#include "../core/base/alloc.h"
#include "../core/base/buf.h"
#include "../core/base/urlcode.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The whole query string is already bounded by the web server and
 * http_limits (max_param_bytes); the lenient second parse of a request the
 * strict one refused may read values up to that size. */
#define LENIENT_MAX_PAIRS 256
#define LENIENT_MAX_VALUE (64 * 1024)

/* RFC 6749 error_description: %x20-21 / %x23-5B / %x5D-7E. */
static void sanitize(char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
            *s = '?';
    }
}

static void set_error(authz_request *r, authz_outcome o, int status, const char *error,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void set_error(authz_request *r, authz_outcome o, int status, const char *error,
                      const char *fmt, ...)
{
    r->outcome = o;
    r->status = status;
    r->error = error;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->description, sizeof r->description, fmt, ap);
    va_end(ap);
    if (o == AUTHZ_ERROR_REDIRECT)
        sanitize(r->description);
}

#define PAGE(r, status, error, ...) set_error(r, AUTHZ_ERROR_PAGE, status, error, __VA_ARGS__)
#define REDIRECT(r, error, ...)     set_error(r, AUTHZ_ERROR_REDIRECT, 302, error, __VA_ARGS__)

bool authz_challenge_ok(const char *c)
{
    if (!c || strlen(c) != AUTHZ_CHALLENGE_LEN)
        return false;
    for (const char *p = c; *p; p++) {
        char ch = *p;
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_'))
            return false;
    }
    /* 43 characters carry 258 bits: the last one holds 4 bits of the hash
     * and 2 zero bits, so only every fourth letter can end a digest. */
    static const char last[] = "AEIMQUYcgkosw048";
    return strchr(last, c[AUTHZ_CHALLENGE_LEN - 1]) != NULL;
}

/* One value of the lenient parse: present exactly once, non-empty, at most
 * max bytes; else NULL with *why naming the problem. */
static const char *lenient_get(const kvlist_t *l, const char *name, size_t max, const char **why)
{
    size_t n = kvlist_count(l, name);
    const char *v = n ? kvlist_get(l, name) : NULL;
    *why = NULL;
    if (n == 0 || !v || !*v)
        *why = "is missing";
    else if (n > 1)
        *why = "is given more than once";
    else if (strlen(v) > max)
        *why = "is too long";
    return *why ? NULL : v;
}

/* Step 1 and 2: the client and its redirect_uri, from whichever parse
 * worked. False when the answer is an error page. */
static bool check_client(client_registry *reg, authz_request *out, const char *client_id,
                         const char *cid_why, const char *redirect_uri, const char *ruri_why)
{
    if (!client_id) {
        PAGE(out, 400, "invalid_request",
             "The request's client_id %s, so the application that sent you here cannot be "
             "identified.",
             cid_why ? cid_why : "is missing");
        return false;
    }
    out->client_id = xstrdup(client_id);
    char why[512] = "";
    client_status st = client_lookup(reg, client_id, &out->client, why, sizeof why);
    switch (st) {
    case CLIENT_OK:
        break;
    case CLIENT_ERR_UNAVAILABLE:
        PAGE(out, 503, "temporarily_unavailable",
             "Sign-in is unavailable: the server's session store (Redis) cannot be reached. Try "
             "again shortly.");
        return false;
    case CLIENT_ERR_CIMD_FETCH:
    case CLIENT_ERR_CIMD_INVALID:
        PAGE(out, 400, "invalid_client",
             "The application's client metadata document could not be used (%s).", why);
        return false;
    case CLIENT_ERR_UNKNOWN:
    case CLIENT_ERR_BAD_ID:
    default:
        PAGE(out, 400, "invalid_client", "The application is not known to this server (%s).", why);
        return false;
    }
    if (!redirect_uri) {
        PAGE(out, 400, "invalid_request",
             "The request's redirect_uri %s; this server needs it to know where to send you "
             "back.",
             ruri_why ? ruri_why : "is missing");
        return false;
    }
    if (!redirect_uri_allowed(out->client, redirect_uri)) {
        PAGE(out, 400, "invalid_request",
             "The request's redirect_uri is not one the application registered (they must match "
             "exactly), so you were not sent there.");
        return false;
    }
    out->redirect_uri = xstrdup(redirect_uri);
    return true;
}

/* A request the strict parse refused: find the client and redirect_uri
 * anyway, so the error can go back to a known-good redirect_uri. */
static void lenient(client_registry *reg, authz_request *out, const char *query, size_t len,
                    const char *strict_err)
{
    kvlist_t l = {0};
    char err[256];
    if (!form_parse(query, len, LENIENT_MAX_PAIRS, LENIENT_MAX_VALUE, &l, err, sizeof err)) {
        PAGE(out, 400, "invalid_request", "The authorization request is malformed: %s.", err);
        return;
    }
    const char *cwhy, *rwhy, *swhy;
    const char *cid = lenient_get(&l, "client_id", AUTHZ_PARAM_MAX, &cwhy);
    const char *ruri = lenient_get(&l, "redirect_uri", AUTHZ_PARAM_MAX, &rwhy);
    if (check_client(reg, out, cid, cwhy, ruri, rwhy)) {
        const char *state = lenient_get(&l, "state", AUTHZ_STATE_MAX, &swhy);
        out->state = state ? xstrdup(state) : NULL;
        REDIRECT(out, "invalid_request", "Invalid authorization request: %s", strict_err);
    }
    kvlist_free(&l);
}

/* requested ∩ the client's; none requested: the client's. False (with the
 * redirect error set) when a scope is malformed or unknown, or nothing is
 * left. */
static bool check_scope(authz_request *out, const char *requested)
{
    const scope_list *allowed = &out->client->scopes;
    scope_list req = {0}, granted = {0};
    char err[256];
    if (requested) {
        if (!scope_parse(requested, &req, err, sizeof err)) {
            REDIRECT(out, "invalid_scope", "Invalid scope: %s", err);
            return false;
        }
        for (size_t i = 0; i < req.n; i++) {
            if (!scope_bit(req.items[i])) {
                bool plain = strlen(req.items[i]) <= 64;
                REDIRECT(out, "invalid_scope", "Unknown scope%s%s%s; this server knows %s",
                         plain ? " '" : "", plain ? req.items[i] : "", plain ? "'" : "",
                         SCOPES_SUPPORTED);
                scope_list_free(&req);
                return false;
            }
        }
        scope_intersect(&req, allowed, &granted);
    } else {
        scope_intersect(allowed, allowed, &granted);
    }
    bool ok = granted.n > 0;
    if (ok)
        out->scope = scope_join(&granted);
    else
        REDIRECT(out, "invalid_scope", "The client may not be granted any of the requested scopes");
    scope_list_free(&req);
    scope_list_free(&granted);
    return ok;
}

void authz_request_parse(client_registry *reg, const config *cfg, const char *query, size_t len,
                         authz_request *out)
{
    memset(out, 0, sizeof *out);
    out->outcome = AUTHZ_ERROR_PAGE;
    out->status = 400;
    out->error = "invalid_request";

    kvlist_t f = {0};
    char err[256];
    oauth_form_limits lim = {AUTHZ_MAX_PARAMS, AUTHZ_PARAM_MAX};
    if (!oauth_form_parse(query ? query : "", query ? len : 0, &lim, &f, err, sizeof err)) {
        lenient(reg, out, query ? query : "", query ? len : 0, err);
        return;
    }
    if (!check_client(reg, out, oauth_form_get(&f, "client_id"), NULL,
                      oauth_form_get(&f, "redirect_uri"), NULL))
        goto done;

    const char *state = oauth_form_get(&f, "state");
    if (state && strlen(state) > AUTHZ_STATE_MAX) {
        REDIRECT(out, "invalid_request", "state is longer than %d bytes", AUTHZ_STATE_MAX);
        goto done;
    }
    out->state = state ? xstrdup(state) : NULL;

    const char *rt = oauth_form_get(&f, "response_type");
    const char *mode = oauth_form_get(&f, "response_mode");
    const char *method = oauth_form_get(&f, "code_challenge_method");
    const char *challenge = oauth_form_get(&f, "code_challenge");
    const char *resource = oauth_form_get(&f, "resource");
    if (!rt) {
        REDIRECT(out, "invalid_request", "response_type is missing (this server supports code)");
    } else if (strcmp(rt, "code") != 0) {
        REDIRECT(out, "unsupported_response_type",
                 "Only response_type=code is supported (authorization code flow with PKCE)");
    } else if (mode && strcmp(mode, "query") != 0) {
        REDIRECT(out, "invalid_request", "Only response_mode=query is supported");
    } else if (!challenge) {
        REDIRECT(out, "invalid_request",
                 "PKCE is required: send code_challenge with code_challenge_method=S256");
    } else if (!method) {
        REDIRECT(out, "invalid_request",
                 "code_challenge_method is missing: PKCE needs code_challenge_method=S256 (plain "
                 "is not accepted)");
    } else if (strcmp(method, "S256") != 0) {
        REDIRECT(out, "invalid_request",
                 "code_challenge_method must be S256 (plain and other methods are not accepted)");
    } else if (!authz_challenge_ok(challenge)) {
        REDIRECT(out, "invalid_request",
                 "code_challenge must be the base64url SHA-256 of the code verifier (43 "
                 "characters, no padding)");
    } else if (!client_allows_grant(out->client, OAUTH_GRANT_AUTHORIZATION_CODE)) {
        REDIRECT(out, "unauthorized_client",
                 "This client is not allowed to use the authorization code flow");
    } else if (resource && strcmp(resource, cfg->mcp_url) != 0) {
        REDIRECT(out, "invalid_target",
                 "resource must be this server's MCP endpoint URL, exactly: %s", cfg->mcp_url);
    } else if (check_scope(out, oauth_form_get(&f, "scope"))) {
        out->code_challenge = xstrdup(challenge);
        out->resource = xstrdup(cfg->mcp_url);
        const char *prompt = oauth_form_get(&f, "prompt");
        out->prompt = prompt ? xstrdup(prompt) : NULL;
        out->outcome = AUTHZ_VALID;
        out->status = 200;
        out->error = NULL;
        out->description[0] = '\0';
    }
done:
    oauth_form_free(&f);
}

void authz_request_free(authz_request *r)
{
    if (!r)
        return;
    oauth_client_free(r->client);
    free(r->client_id);
    free(r->redirect_uri);
    free(r->state);
    free(r->code_challenge);
    free(r->scope);
    free(r->resource);
    free(r->prompt);
    memset(r, 0, sizeof *r);
}

char *authz_redirect_url(const char *redirect_uri, const char *const *params)
{
    /* Redirect URIs are at most REDIRECT_URI_MAX bytes, the parameters are
     * bounded by the request's own limits. */
    buf_t b = BUF_INIT(64 * 1024);
    buf_puts(&b, redirect_uri);
    char sep = strchr(redirect_uri, '?') ? '&' : '?';
    size_t n = strlen(redirect_uri);
    if (n && (redirect_uri[n - 1] == '?' || redirect_uri[n - 1] == '&'))
        sep = '\0';
    for (size_t i = 0; params && params[i]; i += 2) {
        const char *v = params[i + 1];
        if (!v || !*v)
            continue;
        if (sep)
            buf_putc(&b, sep);
        sep = '&';
        url_encode(params[i], strlen(params[i]), &b);
        buf_putc(&b, '=');
        url_encode(v, strlen(v), &b);
    }
    return buf_steal(&b);
}

char *authz_error_url(const char *redirect_uri, const char *error, const char *description,
                      const char *state, const char *issuer)
{
    const char *p[] = {"error", error, "error_description", description, "state", state, "iss",
                       issuer,  NULL};
    return authz_redirect_url(redirect_uri, p);
}

char *authz_scope_for_user(const char *scope, unsigned user_bits)
{
    scope_list l = {0};
    char err[128];
    buf_t b = BUF_INIT(SCOPE_MAX_LEN + 1);
    if (scope && scope_parse(scope, &l, err, sizeof err)) {
        for (size_t i = 0; i < l.n; i++) {
            unsigned bit = scope_bit(l.items[i]);
            if (!bit || !(bit & user_bits))
                continue;
            if (b.len)
                buf_putc(&b, ' ');
            buf_puts(&b, l.items[i]);
        }
    }
    scope_list_free(&l);
    return buf_steal(&b);
}

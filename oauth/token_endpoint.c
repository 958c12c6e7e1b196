#include "token_endpoint.h"

#include "auth_code.h"
#include "discovery.h"
#include "form.h"
#include "jwt.h"
#include "refresh_token.h"
#include "scope.h"
#include "users.h"

#include "../core/base/alloc.h"
#include "../core/base/base64.h"
#include "../core/base/crypto.h"
#include "../core/base/json_util.h"
#include "../core/base/log.h"
#include "../core/base/secure.h"
#include "../core/base/timeutil.h"

#include <stdarg.h>
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
    if (strncasecmp(h, "Basic", 5) != 0 || (h[5] != ' ' && h[5] != '\t'))
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
        scope_list l;
        char why[128];
        bool ok = scope_parse(out->scope, &l, why, sizeof why);
        scope_list_free(&l);
        if (!ok)
            return fail(e, 400, "invalid_scope", "scope_syntax", "The scope is malformed: %s.",
                        why);
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

/* ---- answers ---------------------------------------------------------------------- */

static void common_headers(http_response *resp)
{
    http_response_header(resp, "Cache-Control", "no-store");
    http_response_header(resp, "Pragma", "no-cache");
    http_response_header(resp, "Access-Control-Allow-Origin", "*");
}

static void error_json(http_response *resp, int status, const char *error, const char *desc)
{
    json_object *doc = json_object_new_object();
    jset_str(doc, "error", error);
    if (desc && *desc)
        jset_str(doc, "error_description", desc);
    http_response_json(resp, status, doc);
    json_object_put(doc);
    common_headers(resp);
}

void token_http_refusal(http_response *resp, int status, const char *message)
{
    error_json(resp, status, "invalid_request", message);
}

static void respond_error(http_request *req, http_response *resp, const char *grant,
                          const token_error *e)
{
    error_json(resp, e->status, e->error, e->description);
    if (e->challenge)
        http_response_header(resp, "WWW-Authenticate",
                             "Basic realm=\"" TOKEN_BASIC_REALM "\", charset=\"UTF-8\"");
    if (e->status == 405)
        http_response_header(resp, "Allow", "POST, OPTIONS");
    if (e->status == 503)
        http_response_header(resp, "Retry-After", "5");
    http_set_detail(req, "grant=%s error=%s reason=%s", grant, e->error,
                    e->reason ? e->reason : "-");
}

/* redis_store logs the outage once (and the recovery); the access line
 * says store_down for each request. */
static bool unavailable(token_error *e, const char *why)
{
    (void)why;
    return fail(e, 503, "temporarily_unavailable", "store_down",
                "The authorization server's session store (Redis) cannot be reached; try again "
                "shortly.");
}

/* ---- the grants -------------------------------------------------------------------- */

typedef struct issued {
    char *access_token;
    char *scope;
    char refresh_token[REFRESH_TOKEN_LEN + 1];
} issued;

static int64_t now_s(const token_app *app)
{
    return app->clock ? app->clock() : wall_ms() / 1000;
}

static const char *issuer_of(const config *cfg)
{
    return cfg->oauth.issuer ? cfg->oauth.issuer : cfg->public_url;
}

/* Looks the client up and checks how it authenticated. */
static bool authenticate(token_app *app, token_request *tr, oauth_client **out, token_error *e)
{
    char why[512];
    client_status st = client_lookup(app->clients, tr->client_id, out, why, sizeof why);
    if (st == CLIENT_ERR_UNAVAILABLE)
        return unavailable(e, why);
    if (st != CLIENT_OK) {
        log_msg(LOG_INFO, "token endpoint: client refused: %s", why);
        if (st == CLIENT_ERR_CIMD_FETCH || st == CLIENT_ERR_CIMD_INVALID)
            return fail(e, 401, "invalid_client", client_status_code(st),
                        "The client's metadata document could not be used: %.180s", why);
        return fail(e, 401, "invalid_client", client_status_code(st),
                    "Unknown client: no client is registered with this client_id.");
    }
    oauth_client *c = *out;
    bool ok;
    if (!c->confidential) {
        if (tr->auth != CLIENT_AUTH_NONE)
            return fail(e, 401, "invalid_client", "public_with_secret",
                        "This client is public and has no secret; send its client_id alone.");
        ok = true;
    } else if (tr->auth == CLIENT_AUTH_NONE) {
        return fail(e, 401, "invalid_client", "secret_missing",
                    "This client is confidential: authenticate with client_secret_basic or "
                    "client_secret_post.");
    } else {
        ok = client_secret_verify(c, tr->client_secret, strlen(tr->client_secret));
        if (!ok && tr->client_secret_alt)
            ok = client_secret_verify(c, tr->client_secret_alt, strlen(tr->client_secret_alt));
    }
    /* The secret has done its job. */
    secure_free_str(tr->client_secret);
    secure_free_str(tr->client_secret_alt);
    tr->client_secret = tr->client_secret_alt = NULL;
    if (!ok)
        return fail(e, 401, "invalid_client", "bad_secret", "Client authentication failed.");
    return true;
}

/* May the user still act, and with which scopes (a list)? */
static bool user_scopes(const config *cfg, const char *user, scope_list *out, char *why,
                        size_t whylen)
{
    unsigned bits = 0;
    const user_conf *u = users_find(cfg, user);
    bool ok;
    if (u && !u->disabled && u->password_hash) {
        bits = users_scope_bits(u);
        ok = true;
    } else {
        ok = users_remote_user(cfg, user, &bits, why, whylen);
    }
    char names[SCOPE_BITS_STR_MAX];
    scope_bits_format(ok ? bits : 0, names);
    scope_parse(names, out, why, whylen);
    return ok;
}

/* granted = base ∩ client's ∩ user's (user NULL: client_credentials). A
 * non-empty result as a string, else false. */
static bool bound_scope(const config *cfg, const scope_list *base, const oauth_client *c,
                        const char *user, char **out, token_error *e)
{
    scope_list a = {0}, b = {0}, u = {0};
    char why[256] = "";
    scope_intersect(base, &c->scopes, &a);
    bool allowed = true;
    if (user) {
        allowed = user_scopes(cfg, user, &u, why, sizeof why);
        scope_intersect(&a, &u, &b);
    }
    const scope_list *res = user ? &b : &a;
    bool ok = allowed && res->n > 0;
    if (ok)
        *out = scope_join(res);
    scope_list_free(&a);
    scope_list_free(&b);
    scope_list_free(&u);
    if (!allowed) {
        log_msg(LOG_INFO, "token endpoint: user refused: %s", why);
        return fail(e, 400, "invalid_grant", "user_refused",
                    "The user of this grant may no longer sign in.");
    }
    if (!ok)
        return fail(e, 400, "invalid_scope", "scope_empty",
                    "None of the requested scopes may be granted to this client.");
    return true;
}

static bool sign_access(token_app *app, const char *sub, const char *client_id, const char *scope,
                        int64_t now, issued *out, token_error *e)
{
    const config *cfg = app->cfg;
    jwt_issue_params p = {.issuer = issuer_of(cfg),
                          .subject = sub,
                          .audience = cfg->mcp_url,
                          .client_id = client_id,
                          .scope = scope,
                          .now = now,
                          .ttl_seconds = cfg->oauth.access_token_ttl_seconds};
    char why[256];
    out->access_token = app->keys ? jwt_issue(app->keys, &p, NULL, why, sizeof why) : NULL;
    if (!out->access_token) {
        log_msg(LOG_ERROR, "token endpoint: cannot sign an access token: %s",
                app->keys ? why : "no signing keys");
        return fail(e, 500, "server_error", "signing",
                    "The server could not sign an access token (see its log).");
    }
    return true;
}

static bool grant_client_credentials(token_app *app, token_request *tr, const oauth_client *c,
                                     int64_t now, issued *out, token_error *e)
{
    if (!c->confidential)
        return fail(e, 400, "unauthorized_client", "public_client",
                    "client_credentials needs a confidential client (one with a secret).");
    scope_list req = {0};
    char why[128];
    if (tr->scope)
        scope_parse(tr->scope, &req, why, sizeof why);
    else
        scope_intersect(&c->scopes, &c->scopes, &req);
    bool ok = bound_scope(app->cfg, &req, c, NULL, &out->scope, e);
    scope_list_free(&req);
    return ok && sign_access(app, c->client_id, c->client_id, out->scope, now, out, e);
}

static bool grant_authorization_code(token_app *app, token_request *tr, const oauth_client *c,
                                     int64_t now, issued *out, token_error *e)
{
    const config *cfg = app->cfg;
    auth_code_grant g;
    char why[512];
    auth_code_status st = auth_code_consume(app->rs, tr->code, &g, why, sizeof why);
    if (st == AUTH_CODE_STORE_DOWN)
        return unavailable(e, why);
    if (st == AUTH_CODE_UNKNOWN)
        return fail(e, 400, "invalid_grant", "code_unknown",
                    "The authorization code is invalid or has expired.");
    if (st == AUTH_CODE_REPLAYED) {
        /* RFC 6749 §10.5: the code leaked; end everything issued from it. */
        refresh_status rs =
            g.family[0] ? refresh_family_revoke(app->rs, g.family, why, sizeof why) : REFRESH_OK;
        auth_code_grant_free(&g);
        if (rs == REFRESH_STORE_DOWN)
            return unavailable(e, why);
        log_msg(LOG_WARN,
                "token endpoint: authorization code replayed by client %.128s; its "
                "tokens are revoked",
                c->client_id);
        return fail(e, 400, "invalid_grant", "code_replayed",
                    "The authorization code was already used; every token issued from it is "
                    "now revoked.");
    }
    bool ok = false;
    scope_list granted = {0};
    if (strcmp(g.client_id, c->client_id) != 0)
        fail(e, 400, "invalid_grant", "code_client",
             "The authorization code was issued to another client.");
    else if (strcmp(g.redirect_uri, tr->redirect_uri) != 0)
        fail(e, 400, "invalid_grant", "redirect_uri",
             "The redirect_uri differs from the one of the authorization request.");
    else if (!token_pkce_s256_matches(tr->code_verifier, g.code_challenge))
        fail(e, 400, "invalid_grant", "pkce_mismatch",
             "PKCE verification failed: the code_verifier does not match the code_challenge.");
    else if (strcmp(g.resource, cfg->mcp_url) != 0)
        fail(e, 400, "invalid_target", "code_resource",
             "The authorization code was issued for another resource.");
    else if (!scope_parse(g.scope, &granted, why, sizeof why))
        fail(e, 400, "invalid_grant", "code_scope", "The authorization code is damaged.");
    else
        ok = bound_scope(cfg, &granted, c, g.user, &out->scope, e);
    scope_list_free(&granted);

    int64_t session_end = g.auth_time + (int64_t)cfg->oauth.session_lifetime_hours * 3600;
    if (ok && client_allows_grant(c, OAUTH_GRANT_REFRESH_TOKEN) && session_end > now) {
        refresh_grant rg = {.client_id = g.client_id,
                            .user = g.user,
                            .scope = out->scope,
                            .resource = g.resource,
                            .auth_time = g.auth_time,
                            .expires = session_end};
        memcpy(rg.family, g.family, sizeof rg.family);
        refresh_status rs =
            refresh_family_create(app->rs, &rg, cfg->oauth.refresh_token_ttl_seconds, now,
                                  out->refresh_token, why, sizeof why);
        if (rs == REFRESH_STORE_DOWN)
            ok = unavailable(e, why);
        else if (rs == REFRESH_EXISTS)
            ok = fail(e, 400, "invalid_grant", "code_replayed",
                      "The authorization code was already used; every token issued from it is "
                      "now revoked.");
        else if (rs != REFRESH_OK)
            ok = fail(e, 500, "server_error", "refresh_create",
                      "The server could not issue a refresh token (see its log).");
        if (rs != REFRESH_OK && rs != REFRESH_STORE_DOWN && rs != REFRESH_EXISTS)
            log_msg(LOG_ERROR, "token endpoint: refresh token: %s", why);
    }
    if (ok)
        ok = sign_access(app, g.user, c->client_id, out->scope, now, out, e);
    auth_code_grant_free(&g);
    return ok;
}

static bool grant_refresh(token_app *app, token_request *tr, const oauth_client *c, int64_t now,
                          issued *out, token_error *e)
{
    const config *cfg = app->cfg;
    refresh_grant g;
    char why[512];
    refresh_status st = refresh_token_peek(app->rs, tr->refresh_token, now, &g, why, sizeof why);
    if (st == REFRESH_STORE_DOWN)
        return unavailable(e, why);
    if (st != REFRESH_OK)
        return fail(e, 400, "invalid_grant", refresh_status_code(st), "%s.", why);
    bool ok = false;
    scope_list family = {0}, req = {0};
    if (strcmp(g.client_id, c->client_id) != 0) {
        fail(e, 400, "invalid_grant", "wrong_client",
             "The refresh token was issued to another client.");
    } else if (strcmp(g.resource, cfg->mcp_url) != 0) {
        fail(e, 400, "invalid_target", "token_resource",
             "The refresh token was issued for another resource.");
    } else {
        scope_parse(g.scope, &family, why, sizeof why);
        if (tr->scope)
            scope_parse(tr->scope, &req, why, sizeof why);
        if (tr->scope && !scope_is_subset(&req, &family))
            fail(e, 400, "invalid_scope", "scope_widened",
                 "The requested scope exceeds the scope originally granted; a refresh may only "
                 "narrow it.");
        else
            ok = bound_scope(cfg, tr->scope ? &req : &family, c, g.user, &out->scope, e);
        if (!ok && e->reason && !strcmp(e->reason, "user_refused"))
            refresh_family_revoke(app->rs, g.family, why, sizeof why);
    }
    scope_list_free(&family);
    scope_list_free(&req);
    refresh_grant_free(&g);
    if (!ok)
        return false;

    refresh_grant rg;
    st = refresh_token_rotate(app->rs, tr->refresh_token, c->client_id,
                              cfg->oauth.refresh_token_ttl_seconds, now, &rg, out->refresh_token,
                              why, sizeof why);
    if (st == REFRESH_STORE_DOWN)
        return unavailable(e, why);
    if (st == REFRESH_REUSED)
        log_msg(LOG_WARN,
                "token endpoint: a rotated refresh token of client %.128s was used "
                "again; its token family is revoked",
                c->client_id);
    if (st != REFRESH_OK && st != REFRESH_GRACE)
        return fail(e, 400, "invalid_grant", refresh_status_code(st), "%s.", why);
    ok = sign_access(app, rg.user, c->client_id, out->scope, now, out, e);
    refresh_grant_free(&rg);
    return ok;
}

static void respond_tokens(http_response *resp, const token_app *app, const issued *t)
{
    json_object *doc = json_object_new_object();
    jset_str(doc, "access_token", t->access_token);
    jset_str(doc, "token_type", "Bearer");
    jset_int(doc, "expires_in", app->cfg->oauth.access_token_ttl_seconds);
    jset_str(doc, "scope", t->scope ? t->scope : "");
    if (t->refresh_token[0])
        jset_str(doc, "refresh_token", t->refresh_token);
    http_response_json(resp, 200, doc);
    /* The serialised copy inside json-c is freed with doc. */
    json_object_put(doc);
    common_headers(resp);
}

/* ---- routing ------------------------------------------------------------------------ */

/* Which endpoint a request path (as the web server passes it) names, under
 * the issuer's path. */
static bool endpoint_of(const config *cfg, const char *path, token_endpoint_kind *kind)
{
    const char *issuer = issuer_of(cfg);
    const char *p = strstr(issuer, "://");
    p = p ? p + 3 : issuer;
    p += strcspn(p, "/");
    size_t n = strlen(p);
    if (!path || strncmp(path, p, n) != 0)
        return false;
    if (strcmp(path + n, OAUTH_PATH_TOKEN) == 0)
        *kind = TOKEN_ENDPOINT_TOKEN;
    else if (strcmp(path + n, OAUTH_PATH_REVOKE) == 0)
        *kind = TOKEN_ENDPOINT_REVOKE;
    else
        return false;
    return true;
}

static bool do_revoke(token_app *app, const token_request *tr, const oauth_client *c,
                      token_error *e)
{
    /* A JWT (header.claims.signature) is an access token: stateless, it
       simply expires. Anything else is tried as a refresh token. */
    if (strchr(tr->token, '.'))
        return true;
    char why[512];
    refresh_status st = refresh_token_revoke(app->rs, tr->token, c->client_id, why, sizeof why);
    if (st == REFRESH_STORE_DOWN)
        return unavailable(e, why);
    if (st == REFRESH_WRONG_CLIENT)
        log_msg(LOG_INFO,
                "token endpoint: client %.128s asked to revoke another client's "
                "refresh token; ignored",
                c->client_id);
    return true;
}

void token_http_handle(void *appv, http_request *req, http_response *resp)
{
    token_app *app = appv;
    const config *cfg = app->cfg;
    token_endpoint_kind kind;
    if (cfg->auth_none) {
        http_set_detail(req, "error=oauth_off");
        error_json(resp, 404, "not_found",
                   "This server runs without OAuth (auth = none), so there is no token "
                   "endpoint.");
        return;
    }
    if (!endpoint_of(cfg, req->path, &kind)) {
        http_set_detail(req, "error=not_found");
        error_json(resp, 404, "not_found",
                   "Not found: the token endpoint is /token and token revocation is /revoke.");
        return;
    }
    if (strcmp(req->method, "OPTIONS") == 0) {
        http_response_text(resp, 204, "text/plain; charset=utf-8", "");
        common_headers(resp);
        http_response_header(resp, "Access-Control-Allow-Methods", "POST, OPTIONS");
        http_response_header(resp, "Access-Control-Allow-Headers", "Authorization, Content-Type");
        http_response_header(resp, "Access-Control-Max-Age", "600");
        return;
    }
    token_request tr;
    token_error e;
    const char *gname = kind == TOKEN_ENDPOINT_REVOKE ? "revoke" : "-";
    if (!token_request_parse(kind, req->method, req->query, http_header(req, "Content-Type"),
                             http_header(req, "Authorization"), req->body.data, req->body.len, &tr,
                             &e)) {
        respond_error(req, resp, gname, &e);
        return;
    }
    if (kind == TOKEN_ENDPOINT_TOKEN)
        gname = token_grant_name(tr.grant);
    snprintf(req->principal, sizeof req->principal, "%s", tr.client_id);

    oauth_client *c = NULL;
    issued out = {0};
    int64_t now = now_s(app);
    bool ok = authenticate(app, &tr, &c, &e);
    if (ok && kind == TOKEN_ENDPOINT_REVOKE) {
        ok = do_revoke(app, &tr, c, &e);
        if (ok) {
            json_object *doc = json_object_new_object();
            http_response_json(resp, 200, doc);
            json_object_put(doc);
            common_headers(resp);
            http_set_detail(req, "grant=revoke outcome=ok kind=%s",
                            strchr(tr.token, '.') ? "access_token" : "refresh_token");
        }
    } else if (ok) {
        static const unsigned bit[] = {0, OAUTH_GRANT_AUTHORIZATION_CODE, OAUTH_GRANT_REFRESH_TOKEN,
                                       OAUTH_GRANT_CLIENT_CREDENTIALS};
        if (!client_allows_grant(c, bit[tr.grant]))
            ok = fail(&e, 400, "unauthorized_client", "grant_not_allowed",
                      "This client may not use the %s grant.", gname);
        else if (tr.resource && strcmp(tr.resource, cfg->mcp_url) != 0)
            ok =
                fail(&e, 400, "invalid_target", "resource",
                     "The only resource of this server is its MCP endpoint, %.180s.", cfg->mcp_url);
        else if (tr.grant == TOKEN_GRANT_CLIENT_CREDENTIALS)
            ok = grant_client_credentials(app, &tr, c, now, &out, &e);
        else if (tr.grant == TOKEN_GRANT_AUTHORIZATION_CODE)
            ok = grant_authorization_code(app, &tr, c, now, &out, &e);
        else
            ok = grant_refresh(app, &tr, c, now, &out, &e);
        if (ok) {
            respond_tokens(resp, app, &out);
            http_set_detail(req, "grant=%s outcome=ok scope=%s%s", gname, out.scope,
                            out.refresh_token[0] ? " refresh=1" : "");
        }
    }
    if (!ok)
        respond_error(req, resp, gname, &e);
    secure_free_str(out.access_token);
    free(out.scope);
    secure_wipe(out.refresh_token, sizeof out.refresh_token);
    oauth_client_free(c);
    token_request_free(&tr);
}

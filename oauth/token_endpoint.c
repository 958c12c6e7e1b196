#include "token_endpoint.h"

#include "auth_code.h"
#include "discovery.h"
#include "form.h"
#include "jwt.h"
#include "refresh_token.h"
#include "scope.h"
#include "users.h"

#include "../core/base/alloc.h"
#include "../core/base/json_util.h"
#include "../core/base/log.h"
#include "../core/base/secure.h"
#include "../core/base/timeutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

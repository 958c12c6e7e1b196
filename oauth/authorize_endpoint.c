#include "authorize_endpoint.h"

#include "authz_pending.h"
#include "authz_request.h"
#include "csrf.h"
#include "discovery.h"
#include "form.h"
#include "pages.h"
#include "scope.h"
#include "users.h"

#include "../core/base/alloc.h"
#include "../core/base/log.h"
#include "../core/base/secure.h"
#include "../core/base/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORM_MAX_PARAMS 8
#define FORM_MAX_VALUE  1024 /* a password is at most PASSWORD_MAX_LEN bytes */

#define MSG_START_AGAIN  "Start again from the application."
#define MSG_LOGIN_FAILED "Wrong user name or password."

/* One request being answered: what the access log line will say. */
typedef struct ctx {
    authorize_app *app;
    http_request *req;
    http_response *resp;
    char client[128]; /* the client_id, cut (log only) */
    const char *outcome;
    char reason[64]; /* a short extra for the log ("no such user", "by=user") */
} ctx;

static int64_t now_s(void)
{
    return wall_ms() / 1000;
}

static void note_client(ctx *c, const char *client_id)
{
    snprintf(c->client, sizeof c->client, "%s", client_id ? client_id : "");
}

static void finish_log(ctx *c)
{
    http_set_detail(c->req, "outcome=%s%s%s client=%s", c->outcome ? c->outcome : "unknown",
                    c->reason[0] ? " reason=" : "", c->reason, c->client[0] ? c->client : "-");
}

/* Copies s (cut to fit) as the log's reason. */
static void set_reason(ctx *c, const char *s)
{
    size_t n = s ? strnlen(s, sizeof c->reason - 1) : 0;
    memcpy(c->reason, s ? s : "", n);
    c->reason[n] = '\0';
}

static void set_principal(ctx *c, const char *user)
{
    snprintf(c->req->principal, sizeof c->req->principal, "%s", user ? user : "");
}

/* ---- answers ------------------------------------------------------------------ */

static void page(ctx *c, int status, const char *outcome, const char *title, const char *msg)
{
    c->outcome = outcome;
    pages_error(c->resp, status, title, msg);
}

static void unavailable(ctx *c, const char *err)
{
    log_msg(LOG_WARN, "authorize: the session store failed: %s", err ? err : "unknown error");
    page(c, 503, "unavailable", "Sign-in is unavailable",
         "Sign-in is unavailable right now: the server's session store (Redis) cannot be "
         "reached. Try again in a moment.");
    http_response_header(c->resp, "Retry-After", "5");
}

static void redirect_to(ctx *c, const char *outcome, const char *url)
{
    c->outcome = outcome;
    http_response_text(c->resp, 302, "text/plain; charset=utf-8", "");
    http_response_header(c->resp, "Location", url);
    pages_security_headers(c->resp);
}

static void error_redirect(ctx *c, const char *outcome, const char *redirect_uri, const char *state,
                           const char *error, const char *desc)
{
    char *url = authz_error_url(redirect_uri, error, desc, state, c->app->issuer);
    redirect_to(c, outcome, url);
    set_reason(c, error);
    free(url);
}

static void set_cookie(ctx *c, const char *id, int max_age)
{
    char *v = login_cookie_set(&c->app->cookie, id, max_age);
    http_response_header(c->resp, "Set-Cookie", v);
    secure_free_str(v);
}

static page_client_kind page_kind(client_kind k)
{
    switch (k) {
    case CLIENT_CIMD:
        return PAGE_CLIENT_CIMD;
    case CLIENT_DCR:
        return PAGE_CLIENT_DYNAMIC;
    case CLIENT_PREREGISTERED:
    default:
        return PAGE_CLIENT_PREREGISTERED;
    }
}

static void show_login(ctx *c, int status, const login_session *s, const char *rid,
                       const oauth_client *client, const char *username, const char *error)
{
    char tok[CSRF_TOKEN_LEN + 1];
    csrf_token(s->csrf_secret, CSRF_PURPOSE_LOGIN, rid, tok);
    page_login p = {
        .action = c->app->action,
        .request_id = rid,
        .csrf_token = tok,
        .client_name = client->name,
        .username = username,
        .error = error,
    };
    pages_login(c->resp, status, &p);
    secure_wipe(tok, sizeof tok);
}

/* The consent page for a signed-in session, or access_denied when the user
 * may grant none of the scopes (then the pending request is used up). */
static void show_consent(ctx *c, const login_session *s, unsigned user_bits, const char *rid,
                         const authz_pending *p, const oauth_client *client)
{
    char *scope = authz_scope_for_user(p->scope, user_bits);
    if (!*scope) {
        char err[256];
        authz_status st = authz_pending_take(c->app->rs, rid, err, sizeof err);
        if (st == AUTHZ_STORE_ERROR)
            unavailable(c, err);
        else
            error_redirect(c, "denied_by_user_scopes", p->redirect_uri, p->state, "access_denied",
                           "The signed-in user may not grant any of the requested scopes");
        free(scope);
        return;
    }
    char tok[CSRF_TOKEN_LEN + 1];
    csrf_token(s->csrf_secret, CSRF_PURPOSE_CONSENT, rid, tok);
    page_consent pc = {
        .action = c->app->action,
        .request_id = rid,
        .csrf_token = tok,
        .user = s->user,
        .client_kind = page_kind(client->kind),
        .client_name = client->name,
        .client_id = client->client_id,
        .client_host = client->host,
        .redirect_uri = p->redirect_uri,
        .scope = scope,
    };
    pages_consent(c->resp, &pc);
    c->outcome = "consent_shown";
    secure_wipe(tok, sizeof tok);
    free(scope);
}

/* ---- the login session of the browser ---------------------------------------- */

/* The session named by the request's cookie: LOGIN_OK with *s filled,
 * LOGIN_NONE when there is none (or it expired), LOGIN_STORE_ERROR. */
static login_status cookie_session(ctx *c, login_session *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    char id[LOGIN_ID_LEN + 1];
    if (!login_cookie_find(&c->app->cookie, http_header(c->req, "Cookie"), id))
        return LOGIN_NONE;
    login_status st = login_session_lookup(c->app->rs, id, now_s(), s, err, errlen);
    secure_wipe(id, sizeof id);
    return st;
}

/* Makes a new session (pre-login when user is NULL) and sets its cookie. */
static login_status new_session(ctx *c, const char *user, login_method m, login_session *s,
                                char *err, size_t errlen)
{
    int ttl =
        m == LOGIN_METHOD_NONE ? LOGIN_PRELOGIN_TTL : c->app->cfg->oauth.login_session_ttl_seconds;
    char id[LOGIN_ID_LEN + 1];
    login_status st = login_session_create(c->app->rs, user, m, ttl, now_s(), id, s, err, errlen);
    if (st == LOGIN_OK)
        set_cookie(c, id, ttl);
    secure_wipe(id, sizeof id);
    return st;
}

static bool has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; p && *p;) {
        size_t len = strcspn(p, " ");
        if (len == n && strncmp(p, word, n) == 0)
            return true;
        p += len;
        p += strspn(p, " ");
    }
    return false;
}

/* ---- GET: a new authorization request ------------------------------------------ */

static void handle_get(ctx *c)
{
    authorize_app *app = c->app;
    const config *cfg = app->cfg;
    char err[512] = "";
    authz_request ar;
    authz_request_parse(app->reg, cfg, c->req->query, strlen(c->req->query), &ar);
    note_client(c, ar.client_id);
    if (ar.outcome == AUTHZ_ERROR_PAGE) {
        set_reason(c, ar.error);
        if (ar.status == 503)
            unavailable(c, "client lookup");
        else
            page(c, ar.status, "error_page", "This sign-in request cannot be used", ar.description);
        authz_request_free(&ar);
        return;
    }
    if (ar.outcome == AUTHZ_ERROR_REDIRECT) {
        error_redirect(c, "error_redirect", ar.redirect_uri, ar.state, ar.error, ar.description);
        authz_request_free(&ar);
        return;
    }

    /* Who is signed in: the cookie's session, or the web server's user. */
    login_session s;
    bool have = false, signed_in = false;
    unsigned bits = 0;
    login_status ls = cookie_session(c, &s, err, sizeof err);
    if (ls == LOGIN_STORE_ERROR)
        goto store_down;
    have = ls == LOGIN_OK;
    char why[256] = "";
    if (have && s.user) {
        signed_in = users_session_allowed(cfg, &s, &bits, why, sizeof why);
        if (ar.prompt && has_word(ar.prompt, "login"))
            signed_in = false; /* the client asks for a fresh sign-in */
    }
    const char *remote = cfg->oauth.trust_remote_user ? http_param(c->req, "REMOTE_USER") : NULL;
    if (remote && *remote) {
        if (!users_remote_user(cfg, remote, &bits, why, sizeof why)) {
            snprintf(c->reason, sizeof c->reason, "remote_user");
            log_msg(LOG_INFO, "authorize: REMOTE_USER refused: %s", why);
            page(c, 403, "refused", "You cannot sign in here",
                 "The account the web server signed you in with may not use this server. Ask "
                 "your administrator.");
            goto out;
        }
        if (!(have && s.user && s.method == LOGIN_METHOD_REMOTE_USER && !strcmp(s.user, remote))) {
            if (have && login_session_revoke(app->rs, &s, err, sizeof err) == LOGIN_STORE_ERROR)
                goto store_down;
            login_session_free(&s);
            have = false;
            if (new_session(c, remote, LOGIN_METHOD_REMOTE_USER, &s, err, sizeof err) != LOGIN_OK)
                goto store_down;
            have = true;
        }
        signed_in = true;
    }
    if (ar.prompt && has_word(ar.prompt, "none")) {
        /* Consent is always interactive, so prompt=none can never succeed. */
        error_redirect(c, "error_redirect", ar.redirect_uri, ar.state,
                       signed_in ? "consent_required" : "login_required",
                       "This server asks for consent on every authorization");
        goto out;
    }
    if (!have) {
        if (new_session(c, NULL, LOGIN_METHOD_NONE, &s, err, sizeof err) != LOGIN_OK)
            goto store_down;
        have = true;
    }

    authz_pending p = {
        .client_id = ar.client_id,
        .redirect_uri = ar.redirect_uri,
        .state = ar.state ? ar.state : "",
        .code_challenge = ar.code_challenge,
        .scope = ar.scope,
        .resource = ar.resource,
    };
    memcpy(p.session, s.handle, sizeof p.session);
    char rid[AUTHZ_ID_LEN + 1];
    if (authz_pending_create(app->rs, &p, rid, err, sizeof err) != AUTHZ_OK)
        goto store_down;
    if (signed_in) {
        set_principal(c, s.user);
        show_consent(c, &s, bits, rid, &p, ar.client);
    } else {
        show_login(c, 200, &s, rid, ar.client, NULL, NULL);
        c->outcome = "login_shown";
    }
    goto out;

store_down:
    unavailable(c, err);
out:
    if (have)
        login_session_free(&s);
    authz_request_free(&ar);
}

/* ---- POST: the sign-in and consent forms ------------------------------------------ */

typedef struct post_state {
    kvlist_t form;
    const char *rid;
    login_session s;
    bool have_session;
    authz_pending p;
    bool have_pending;
    oauth_client *client;
} post_state;

static void do_login(ctx *c, post_state *ps)
{
    authorize_app *app = c->app;
    char err[512] = "";
    const char *user = oauth_form_get(&ps->form, PAGES_FIELD_USERNAME);
    const char *pw = oauth_form_get(&ps->form, PAGES_FIELD_PASSWORD);
    if (!user || !pw) {
        c->outcome = "login_incomplete";
        show_login(c, 400, &ps->s, ps->rid, ps->client, user,
                   "Enter your user name and your password.");
        return;
    }
    const char *addr = http_param(c->req, "REMOTE_ADDR");
    int retry = 0;
    rate_by by = RATE_BY_NONE;
    rate_status rs = rate_limit_login_attempt(app->rs, &app->limits, user, addr ? addr : "", &retry,
                                              &by, err, sizeof err);
    if (rs == RATE_STORE_ERROR) {
        unavailable(c, err);
        return;
    }
    if (rs == RATE_LOCKED) {
        char msg[160];
        snprintf(msg, sizeof msg, "Too many sign-in attempts. Try again in %d second%s.", retry,
                 retry == 1 ? "" : "s");
        show_login(c, 429, &ps->s, ps->rid, ps->client, user, msg);
        char ra[16];
        snprintf(ra, sizeof ra, "%d", retry > 0 ? retry : 1);
        http_response_header(c->resp, "Retry-After", ra);
        c->outcome = "login_locked";
        snprintf(c->reason, sizeof c->reason, "by=%s",
                 by == RATE_BY_BOTH   ? "user+address"
                 : by == RATE_BY_USER ? "user"
                                      : "address");
        return;
    }
    char why[256] = "";
    const user_conf *u = NULL;
    users_result ur = users_check_password(app->cfg, user, pw, strlen(pw), &u, why, sizeof why);
    if (ur == USERS_ERROR) {
        log_msg(LOG_ERROR, "authorize: the password check failed: %s", why);
        page(c, 500, "error", "Sign-in failed",
             "The server could not check the password. Try again; if it keeps failing, tell "
             "your administrator.");
        return;
    }
    if (ur == USERS_DENIED) {
        /* The page says the same for every refusal; the log says which. */
        c->outcome = "login_failed";
        set_reason(c, why);
        show_login(c, 401, &ps->s, ps->rid, ps->client, user, MSG_LOGIN_FAILED);
        return;
    }
    if (rate_limit_login_success(app->rs, &app->limits, user, addr ? addr : "", err, sizeof err) ==
        RATE_STORE_ERROR) {
        unavailable(c, err);
        return;
    }
    /* A new session (session fixation: the pre-login id is worthless now). */
    login_session ns;
    if (new_session(c, u->name, LOGIN_METHOD_PASSWORD, &ns, err, sizeof err) != LOGIN_OK) {
        unavailable(c, err);
        return;
    }
    set_principal(c, ns.user);
    if (login_session_revoke(app->rs, &ps->s, err, sizeof err) == LOGIN_STORE_ERROR) {
        unavailable(c, err);
        login_session_free(&ns);
        return;
    }
    authz_status st = authz_pending_rebind(app->rs, ps->rid, ns.handle, err, sizeof err);
    if (st == AUTHZ_STORE_ERROR) {
        unavailable(c, err);
    } else if (st == AUTHZ_NONE) {
        page(c, 400, "no_pending", "This sign-in request has expired",
             "You are signed in, but the application's request has expired. " MSG_START_AGAIN);
    } else {
        unsigned bits = 0;
        users_session_allowed(app->cfg, &ns, &bits, why, sizeof why);
        show_consent(c, &ns, bits, ps->rid, &ps->p, ps->client);
        if (!strcmp(c->outcome, "consent_shown"))
            c->outcome = "login_ok_consent_shown";
    }
    login_session_free(&ns);
}

static void do_consent(ctx *c, post_state *ps)
{
    authorize_app *app = c->app;
    char err[512] = "";
    const char *decision = oauth_form_get(&ps->form, PAGES_FIELD_DECISION);
    bool approve = decision && !strcmp(decision, PAGES_DECISION_APPROVE);
    if (!approve && !(decision && !strcmp(decision, PAGES_DECISION_DENY))) {
        page(c, 400, "bad_form", "This form cannot be used",
             "The consent form must say approve or deny. " MSG_START_AGAIN);
        return;
    }
    char why[256] = "";
    unsigned bits = 0;
    if (!ps->s.user || !users_session_allowed(app->cfg, &ps->s, &bits, why, sizeof why)) {
        set_reason(c, why);
        page(c, 403, "refused", "You are not signed in",
             "This browser is not signed in as a user who may use this server. " MSG_START_AGAIN);
        return;
    }
    set_principal(c, ps->s.user);
    authz_status st = authz_pending_take(app->rs, ps->rid, err, sizeof err);
    if (st == AUTHZ_STORE_ERROR) {
        unavailable(c, err);
        return;
    }
    if (st == AUTHZ_NONE) {
        page(c, 400, "no_pending", "This sign-in request was already used",
             "This request was already answered or has expired. " MSG_START_AGAIN);
        return;
    }
    const authz_pending *p = &ps->p;
    if (!approve) {
        error_redirect(c, "denied", p->redirect_uri, p->state, "access_denied",
                       "The user denied the request");
        return;
    }
    char *scope = authz_scope_for_user(p->scope, bits);
    if (!*scope) {
        error_redirect(c, "denied_by_user_scopes", p->redirect_uri, p->state, "access_denied",
                       "The signed-in user may not grant any of the requested scopes");
        free(scope);
        return;
    }
    auth_code_grant g = {
        .client_id = p->client_id,
        .redirect_uri = p->redirect_uri,
        .code_challenge = p->code_challenge,
        .scope = scope,
        .resource = p->resource,
        .user = ps->s.user,
        .auth_time = ps->s.login_time,
    };
    char *code = app->issue_code(app->rs, &g, err, sizeof err);
    free(scope);
    if (!code) {
        unavailable(c, err);
        return;
    }
    const char *params[] = {"code", code, "state", p->state, "iss", app->issuer, NULL};
    char *url = authz_redirect_url(p->redirect_uri, params);
    secure_free_str(code);
    redirect_to(c, "code_issued", url);
    secure_free_str(url);
}

static void handle_post(ctx *c)
{
    authorize_app *app = c->app;
    char err[512] = "";
    char media[128];
    http_media_type(http_header(c->req, "Content-Type"), media, sizeof media);
    if (strcmp(media, "application/x-www-form-urlencoded") != 0) {
        page(c, 415, "bad_form", "This form cannot be used",
             "The form must be sent as application/x-www-form-urlencoded. " MSG_START_AGAIN);
        return;
    }
    post_state ps;
    memset(&ps, 0, sizeof ps);
    oauth_form_limits lim = {FORM_MAX_PARAMS, FORM_MAX_VALUE};
    if (!oauth_form_parse(c->req->body.data ? c->req->body.data : "", c->req->body.len, &lim,
                          &ps.form, err, sizeof err)) {
        char msg[400];
        snprintf(msg, sizeof msg, "The form could not be read (%.200s). " MSG_START_AGAIN, err);
        page(c, 400, "bad_form", "This form cannot be used", msg);
        return;
    }
    const char *step = oauth_form_get(&ps.form, PAGES_FIELD_STEP);
    ps.rid = oauth_form_get(&ps.form, PAGES_FIELD_REQUEST);
    const char *csrf = oauth_form_get(&ps.form, PAGES_FIELD_CSRF);
    const char *purpose = !step                               ? NULL
                          : !strcmp(step, PAGES_STEP_LOGIN)   ? CSRF_PURPOSE_LOGIN
                          : !strcmp(step, PAGES_STEP_CONSENT) ? CSRF_PURPOSE_CONSENT
                                                              : NULL;
    if (!purpose || !ps.rid) {
        page(c, 400, "bad_form", "This form cannot be used",
             "The form is incomplete. " MSG_START_AGAIN);
        goto out;
    }
    login_status ls = cookie_session(c, &ps.s, err, sizeof err);
    if (ls == LOGIN_STORE_ERROR) {
        unavailable(c, err);
        goto out;
    }
    if (ls != LOGIN_OK) {
        page(c, 400, "no_session", "Your sign-in has expired",
             "Your sign-in session has expired, or this browser does not keep cookies for this "
             "site. " MSG_START_AGAIN);
        goto out;
    }
    ps.have_session = true;
    authz_status as = authz_pending_load(app->rs, ps.rid, &ps.p, err, sizeof err);
    if (as == AUTHZ_STORE_ERROR) {
        unavailable(c, err);
        goto out;
    }
    if (as == AUTHZ_NONE) {
        page(c, 400, "no_pending", "This sign-in request has expired",
             "This request has expired or was already answered. " MSG_START_AGAIN);
        goto out;
    }
    ps.have_pending = true;
    note_client(c, ps.p.client_id);
    /* The request must belong to this browser's session, and the form must
     * carry the token of this session, form and request. */
    if (strcmp(ps.p.session, ps.s.handle) != 0 ||
        !csrf_check(ps.s.csrf_secret, purpose, ps.rid, csrf)) {
        snprintf(c->reason, sizeof c->reason, "%s",
                 strcmp(ps.p.session, ps.s.handle) ? "session_mismatch"
                 : csrf                            ? "wrong_token"
                                                   : "missing_token");
        page(c, 403, "csrf_failed", "This form cannot be used",
             "The form could not be verified: its security token is missing or does not belong "
             "to this browser. Nothing was changed. " MSG_START_AGAIN);
        goto out;
    }
    /* The client may have gone (a DCR registration expired, a CIMD document
     * changed) since the request was made. */
    char why[512] = "";
    client_status cs = client_lookup(app->reg, ps.p.client_id, &ps.client, why, sizeof why);
    if (cs == CLIENT_ERR_UNAVAILABLE) {
        unavailable(c, why);
        goto out;
    }
    if (cs != CLIENT_OK || !redirect_uri_allowed(ps.client, ps.p.redirect_uri)) {
        snprintf(c->reason, sizeof c->reason, "%s",
                 cs != CLIENT_OK ? client_status_code(cs) : "redirect_uri");
        page(c, 400, "error_page", "This sign-in request cannot be used",
             "The application is no longer registered with this server, or no longer uses "
             "this address. " MSG_START_AGAIN);
        goto out;
    }
    if (!strcmp(purpose, CSRF_PURPOSE_LOGIN))
        do_login(c, &ps);
    else
        do_consent(c, &ps);
out:
    oauth_client_free(ps.client);
    if (ps.have_pending)
        authz_pending_free(&ps.p);
    if (ps.have_session)
        login_session_free(&ps.s);
    oauth_form_free(&ps.form);
}

/* ---- routing -------------------------------------------------------------------- */

void authorize_http_refusal(http_response *resp, int status, const char *message)
{
    pages_error(resp, status, "This request cannot be used", message);
}

void authorize_http_handle(void *appv, http_request *req, http_response *resp)
{
    ctx c = {.app = appv, .req = req, .resp = resp};
    const config *cfg = c.app->cfg;
    if (cfg->auth_none) {
        page(&c, 404, "oauth_off", "Not found",
             "This server runs without OAuth (auth = none): there is no sign-in here.");
    } else if (!req->path || strcmp(req->path, c.app->action) != 0) {
        page(&c, 404, "not_found", "Not found", "There is nothing here.");
    } else if (!strcmp(req->method, "GET")) {
        handle_get(&c);
    } else if (!strcmp(req->method, "POST")) {
        handle_post(&c);
    } else {
        page(&c, 405, "method", "Method not allowed",
             "The authorization endpoint answers GET (a new request) and POST (its forms).");
        http_response_header(resp, "Allow", "GET, POST");
    }
    finish_log(&c);
}

bool authorize_app_init(authorize_app *a, const config *cfg, redis_store *rs, client_registry *reg,
                        authorize_code_issuer issue, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    a->cfg = cfg;
    a->rs = rs;
    a->reg = reg;
    a->issue_code = issue;
    a->issuer = xstrdup(cfg->oauth.issuer ? cfg->oauth.issuer : cfg->public_url);
    a->endpoint = discovery_issuer_url(cfg, OAUTH_PATH_AUTHORIZE);
    const char *p = strstr(a->endpoint, "://");
    p = p ? p + 3 : a->endpoint;
    p += strcspn(p, "/");
    a->action = xstrdup(*p ? p : OAUTH_PATH_AUTHORIZE);
    a->limits.max_per_user = cfg->oauth.login_max_attempts_per_user;
    a->limits.max_per_addr = cfg->oauth.login_max_attempts_per_ip;
    a->limits.window_seconds =
        cfg->oauth.login_window_seconds > 0 ? cfg->oauth.login_window_seconds : 1;
    if (!login_cookie_init(&a->cookie, a->endpoint)) {
        snprintf(err, errlen,
                 "the authorization endpoint %s cannot carry a login cookie (its URL must be "
                 "http or https with a plain path)",
                 a->endpoint);
        authorize_app_free(a);
        return false;
    }
    return true;
}

void authorize_app_free(authorize_app *a)
{
    if (!a)
        return;
    free(a->issuer);
    free(a->endpoint);
    free(a->action);
    a->issuer = a->endpoint = a->action = NULL;
}

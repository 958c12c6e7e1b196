/* /authorize: the authorization endpoint (RFC 6749 §4.1, OAuth 2.1, PKCE
 * S256 only, RFC 9207 iss), with its sign-in and consent pages.
 * ddbsql-authorize serves it.
 *
 *   GET  /authorize?response_type=code&client_id&redirect_uri&state
 *        &code_challenge&code_challenge_method=S256[&scope][&resource]
 *        The request is validated (oauth/authz_request.h: the client and its
 *        redirect_uri first; until both are good every error is a page,
 *        never a redirect), stored server-side (oauth/authz_pending.h) and
 *        answered with
 *          - the consent page when the browser has a signed-in session
 *            (cookie, oauth/login_session.h) or the web server vouches for
 *            the user (REMOTE_USER with [oauth] trust_remote_user);
 *          - otherwise the sign-in page, under a pre-login session.
 *   POST /authorize  step=login: request, csrf, username, password
 *        Rate-limited per user and address (oauth/rate_limit.h), one
 *        refusal message for every kind of failure; success makes a new
 *        signed-in session (the pre-login one is revoked) and shows consent.
 *   POST /authorize  step=consent: request, csrf, decision=approve|deny
 *        approve: a code (oauth/auth_code.h), then
 *          302 <redirect_uri>?code=...&state=...&iss=<issuer>
 *        deny: 302 <redirect_uri>?error=access_denied&...&state&iss.
 *
 * Consent is asked on every authorization, before any code is issued, also
 * for a browser that is already signed in. The form fields carry only the
 * opaque id of the pending request and a CSRF token (oauth/csrf.h) bound to
 * the session, the form and that request; the pending request is bound to
 * the session and used once.
 *
 * Every page and redirect carries the security headers of
 * pages_security_headers (CSP frame-ancestors 'none', X-Frame-Options
 * DENY, no-referrer, no-store). Redis down: a 503 page (Retry-After); the
 * worker reconnects by itself. The access log line names the outcome, the
 * client and the user, never a password, code, cookie or CSRF token. */
#ifndef DDBSQL_OAUTH_AUTHORIZE_ENDPOINT_H
#define DDBSQL_OAUTH_AUTHORIZE_ENDPOINT_H

#include "auth_code.h"
#include "client_registry.h"
#include "login_session.h"
#include "rate_limit.h"

#include "../core/conf/config.h"
#include "../core/http/request.h"
#include "../core/http/response.h"
#include "../core/store/redis_store.h"

#include <stdbool.h>
#include <stddef.h>

#define AUTHORIZE_MAX_BODY 16384 /* bytes of a sign-in or consent form */

/* How codes are issued: auth_code_issue, or a test's stand-in. */
typedef char *(*authorize_code_issuer)(redis_store *r, const auth_code_grant *g, char *err,
                                       size_t errlen);

typedef struct authorize_app {
    const config *cfg;
    redis_store *rs;
    client_registry *reg;
    authorize_code_issuer issue_code;
    /* Derived by authorize_app_init. */
    char *issuer;   /* the iss of responses */
    char *endpoint; /* <issuer>/authorize */
    char *action;   /* the forms' action: the endpoint's path */
    login_cookie cookie;
    rate_limit_conf limits;
} authorize_app;

/* Fills a from the config (cfg, rs, reg are borrowed); issue_code is set to
 * issue. False with err when the endpoint URL cannot carry a cookie. */
bool authorize_app_init(authorize_app *a, const config *cfg, redis_store *rs, client_registry *reg,
                        authorize_code_issuer issue, char *err, size_t errlen);
void authorize_app_free(authorize_app *a);

/* The http_handler of ddbsql-authorize (app is an authorize_app). */
void authorize_http_handle(void *app, http_request *req, http_response *resp);
/* A request refused while read (413, 431, 400): an error page. */
void authorize_http_refusal(http_response *resp, int status, const char *message);

#endif

/* The authorization request of GET /authorize (RFC 6749 §4.1.1, OAuth 2.1
 * §4.1.1, RFC 7636 PKCE, RFC 8707 resource): parsing and validation, and
 * the redirect that answers it (RFC 6749 §4.1.2, RFC 9207 iss).
 *
 * The order of the checks is the point (RFC 6749 §4.1.2.1, RFC 9700
 * §4.11.2): the client and its redirect_uri are validated before anything
 * else, and until both are known good every problem is an error page,
 * never a redirect, so /authorize cannot be used as an open redirector:
 *
 *   1. client_id: present once, and a client the registry knows (a
 *      pre-registered client, a CIMD document that could be fetched, a DCR
 *      registration). Redis down while looking it up: a 503 page.
 *   2. redirect_uri: present once (always required, even for a client with
 *      one registered URI), and one of the client's, compared exactly
 *      (redirect_uri_allowed).
 *   3. from here on, errors go back to the client as a redirect with error,
 *      error_description, state and iss:
 *        a parameter given twice, over its length limit, or not valid
 *        UTF-8 text                              invalid_request
 *        response_type missing                   invalid_request
 *        response_type other than code           unsupported_response_type
 *        response_mode other than query          invalid_request
 *        code_challenge_method missing or plain  invalid_request (only S256)
 *        code_challenge missing or not 43 base64url characters
 *                                                invalid_request
 *        the client may not use authorization_code
 *                                                unauthorized_client
 *        resource other than the MCP URL         invalid_target (RFC 8707)
 *        a malformed or unknown scope            invalid_scope
 *        requested ∩ the client's scopes empty   invalid_scope
 *
 * Scopes: none requested means every scope the client may have; otherwise
 * the requested scopes the client may have (a request for more than that is
 * narrowed, and the consent page shows what is left). The signed-in user's
 * own limit is applied later (authz_scope_for_user). Unknown parameters are
 * ignored (RFC 6749 §3.1). */
#ifndef DDBSQL_OAUTH_AUTHZ_REQUEST_H
#define DDBSQL_OAUTH_AUTHZ_REQUEST_H

#include "client_registry.h"

#include "../core/conf/config.h"

#include <stdbool.h>
#include <stddef.h>

#define AUTHZ_MAX_PARAMS      32   /* parameters of one request */
#define AUTHZ_PARAM_MAX       2048 /* bytes of any one value (client_id, redirect_uri, resource) */
#define AUTHZ_STATE_MAX       1024 /* bytes of state */
#define AUTHZ_CHALLENGE_LEN   43   /* base64url SHA-256 (RFC 7636 §4.2) */
#define AUTHZ_DESCRIPTION_MAX 256

typedef enum {
    AUTHZ_VALID,          /* go on to sign-in and consent */
    AUTHZ_ERROR_PAGE,     /* an error page with status; never a redirect */
    AUTHZ_ERROR_REDIRECT, /* redirect to redirect_uri with error (authz_error_url) */
} authz_outcome;

typedef struct authz_request {
    authz_outcome outcome;
    int status;        /* AUTHZ_ERROR_PAGE: 400, or 503 when Redis is down */
    const char *error; /* the OAuth error code (static), for both kinds of error */
    /* ERROR_REDIRECT: the error_description (RFC 6749 characters only);
     * ERROR_PAGE: the page's message (it may quote the client_id). */
    char description[AUTHZ_DESCRIPTION_MAX];
    oauth_client *client; /* ERROR_REDIRECT and VALID */
    /* Set as far as they were validated (all of them when VALID; client_id,
     * redirect_uri and state for ERROR_REDIRECT). */
    char *client_id;
    char *redirect_uri;
    char *state;          /* NULL when the client sent none */
    char *code_challenge; /* S256 */
    char *scope;          /* requested ∩ the client's, space-separated, never empty */
    char *resource;       /* the MCP URL (also when the client sent none) */
    char *prompt;         /* as sent (OpenID Connect "none", "login"), or NULL */
} authz_request;

/* Parses and validates the query string (len bytes, not necessarily
 * NUL-terminated) of GET /authorize; out is always filled (free with
 * authz_request_free). */
void authz_request_parse(client_registry *reg, const config *cfg, const char *query, size_t len,
                         authz_request *out);
void authz_request_free(authz_request *r);

/* redirect_uri with the parameters appended to its query (a query it
 * already has is kept, RFC 6749 §3.1.2), each percent-encoded. params is
 * name, value, name, value, ..., NULL; a NULL or empty value is left out.
 * Returns a malloc'd URL. */
char *authz_redirect_url(const char *redirect_uri, const char *const *params);

/* The error response: error, error_description, state (when there was one)
 * and iss (RFC 9207). */
char *authz_error_url(const char *redirect_uri, const char *error, const char *description,
                      const char *state, const char *issuer);

/* The scopes of scope (space-separated, known ones only) the user may grant
 * (SCOPE_* bits), in the same order; malloc'd, "" when none is left. */
char *authz_scope_for_user(const char *scope, unsigned user_bits);

/* True for a well-formed S256 code_challenge: exactly 43 characters of the
 * base64url alphabet, without padding. */
bool authz_challenge_ok(const char *challenge);

#endif

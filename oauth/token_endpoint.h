/* POST /token (RFC 6749 §3.2, §4.1.3, §4.4, §6; OAuth 2.1) and POST /revoke
 * (RFC 7009): the HTTP half of oauth/auth_code.h and oauth/refresh_token.h.
 * ddbsql-token serves both.
 *
 *   POST <issuer>/token    application/x-www-form-urlencoded
 *     grant_type=client_credentials [scope] [resource]        confidential clients
 *     grant_type=authorization_code code redirect_uri code_verifier [client_id] [resource]
 *     grant_type=refresh_token refresh_token [scope] [resource]
 *   200 {"access_token", "token_type": "Bearer", "expires_in", "scope", ["refresh_token"]}
 *
 *   POST <issuer>/revoke   token [token_type_hint]
 *   200 {} for a revoked, unknown or invalid token (RFC 7009 §2.2)
 *
 * Client authentication (RFC 6749 §2.3): a confidential client uses
 * client_secret_basic (the Authorization header; user and password
 * form-encoded as §2.3.1 says, or plain) or client_secret_post
 * (client_id + client_secret in the body), one of them only; a public
 * client sends its client_id alone. The secret is checked in constant time
 * against the stored hash and wiped after use.
 *
 * Grants:
 *   client_credentials  confidential clients only; scope = requested ∩ allowed (nothing
 *                       requested: every allowed scope); sub = client_id; no refresh token.
 *   authorization_code  the code is consumed first (atomically, oauth/auth_code.h), then
 *                       checked: issued to this client, the same redirect_uri, the PKCE
 *                       S256 verifier (RFC 7636: 43..128 unreserved characters whose
 *                       base64url SHA-256 is the challenge). A replayed code revokes the
 *                       token family issued from it (RFC 6749 §10.5). Issues an access
 *                       token and, when the client may refresh, a refresh token whose
 *                       family ends auth_time + session_lifetime_hours.
 *   refresh_token       rotation with reuse detection (oauth/refresh_token.h); the client
 *                       must be the one it was issued to; scope may narrow (for the new
 *                       access token), never widen (invalid_scope).
 * In every grant: resource, when sent, must be the MCP URL (RFC 8707: else
 * invalid_target); the user must still be allowed to sign in and the
 * scope is bounded by the client's and the user's current scopes.
 *
 * /revoke: refresh tokens revoke their whole family (the authorization
 * grant, RFC 7009 §2.1) when they belong to the authenticated client; a
 * token of another client is left alone, with the same 200, so /revoke
 * cannot be used to test whether a token is live. Access tokens are
 * stateless JWTs that /mcp verifies without Redis: they cannot be revoked
 * one by one and simply expire (access_token_ttl_seconds, 10 minutes by
 * default); /revoke answers 200 for them without effect (RFC 7009 §2.2
 * allows a server that does not revoke access tokens), and revoking the
 * refresh token stops any new one from being issued.
 *
 * Answers (RFC 6749 §5.2): JSON with Cache-Control: no-store and Pragma:
 * no-cache, and Access-Control-Allow-Origin: * (browser-based clients call
 * it; it takes no cookies). Errors: 400 invalid_request (a missing,
 * repeated or oversized parameter, parameters in the URL, the wrong
 * Content-Type), 401 invalid_client + WWW-Authenticate: Basic, 400
 * invalid_grant, unauthorized_client, unsupported_grant_type,
 * invalid_scope, invalid_target; 405 for other methods; 413 for a body over
 * TOKEN_MAX_BODY; 503 temporarily_unavailable + Retry-After when Redis is
 * down (the worker reconnects by itself when it is back); 404 with auth =
 * none. The access log line says the grant, the client and the outcome,
 * never a secret, code or token. */
#ifndef DDBSQL_OAUTH_TOKEN_ENDPOINT_H
#define DDBSQL_OAUTH_TOKEN_ENDPOINT_H

#include "client_registry.h"
#include "signing_keys.h"
#include "token_request.h"

#include "../core/conf/config.h"
#include "../core/http/request.h"
#include "../core/http/response.h"
#include "../core/store/redis_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct token_app {
    const config *cfg;
    redis_store *rs;
    client_registry *clients;
    const signing_keys *keys;
    int64_t (*clock)(void); /* Unix seconds; NULL: the wall clock (tests set their own) */
} token_app;

/* The http_handler of ddbsql-token (app is a token_app). */
void token_http_handle(void *app, http_request *req, http_response *resp);
/* The refusal formatter: a request refused while read (413, 400, 431)
 * gets {"error":"invalid_request","error_description":message}. */
void token_http_refusal(http_response *resp, int status, const char *message);

#endif

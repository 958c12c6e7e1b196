/* The resource-server side of OAuth (RFC 6750): from a request's
 * Authorization header to a verified principal, locally (no Redis, so /mcp
 * keeps serving when Redis is down), and the WWW-Authenticate challenges
 * that send a client to discovery (RFC 9728 §5.1) or to step-up
 * authorization (MCP "insufficient_scope").
 *
 *   Authorization: Bearer <JWT>          -> bearer_authenticate -> principal
 *   401  WWW-Authenticate: Bearer resource_metadata="<PRM URL>", scope="query schemas:read"
 *                               [, error="invalid_token", error_description="..."]
 *   403  WWW-Authenticate: Bearer error="insufficient_scope", scope="<granted + needed>",
 *                               resource_metadata="<PRM URL>", error_description="..."
 *
 * Only the header carries tokens (bearer_methods_supported: ["header"]).
 * Nothing here logs or echoes a token; descriptions sent to clients are
 * generic, and the precise reason (jwt_status) is for the server's log. */
#ifndef DDBSQL_OAUTH_BEARER_H
#define DDBSQL_OAUTH_BEARER_H

#include "jwt.h"

#include "../core/base/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    BEARER_OK = 0,
    BEARER_MISSING,   /* no Authorization header, or another scheme: 401 without error */
    BEARER_MALFORMED, /* "Bearer" credentials that break RFC 6750 §2.1: 400 invalid_request */
    BEARER_INVALID,   /* a token that does not verify (jwt_status says why): 401 invalid_token */
} bearer_status;

/* Who a verified token speaks for. Strings are malloc'd. */
typedef struct bearer_principal {
    char *sub;       /* the user, or the client for client_credentials */
    char *client_id; /* the client the token was issued to */
    char *jti;
    char *scope;     /* the granted scope string */
    unsigned scopes; /* its known scopes as SCOPE_* bits */
    int64_t exp;
} bearer_principal;

/* Splits "Bearer <token>": the scheme case-insensitively, then one or more
 * spaces, then exactly one b64token (ALPHA / DIGIT / "-._~+/" then any '=')
 * and nothing but optional trailing whitespace. On BEARER_OK *token and *len
 * point into header. NULL or another scheme is BEARER_MISSING. */
bearer_status bearer_parse_header(const char *header, const char **token, size_t *len);

/* Parses the header and verifies the token (jwt_verify) at time now (Unix
 * seconds). On BEARER_OK fills *out. Otherwise *out is empty, *why is the
 * JWT check that failed (JWT_OK unless BEARER_INVALID), and err explains
 * for the server's log. */
bearer_status bearer_authenticate(const char *header, const jwt_verifier *v, int64_t now,
                                  bearer_principal *out, jwt_status *why, char *err, size_t errlen);
void bearer_principal_free(bearer_principal *p);

/* The access-log principal: sub, or "sub,client=<client_id>" when the two
 * differ (a user's token obtained through some client). */
void bearer_principal_label(const bearer_principal *p, char *out, size_t outlen);

/* Builds the value of a WWW-Authenticate header one auth-param at a time:
 * the first call writes "Bearer name=\"value\"", later ones ", name=\"value\""
 * (a quoted-string: '"' and '\' escaped). A NULL value adds nothing.
 * Returns false, and empties out, when the value holds a control or
 * non-ASCII byte or out is full. */
bool bearer_challenge_param(buf_t *out, const char *name, const char *value);

/* The 401 (BEARER_MISSING, BEARER_INVALID) or 400 (BEARER_MALFORMED)
 * challenge: resource_metadata and every supported scope, then
 * invalid_token / invalid_request with a generic description when
 * credentials were sent ("The access token expired" for JWT_ERR_EXPIRED,
 * else "The access token is invalid"):
 *   Bearer resource_metadata="...", scope="query schemas:read"[, error="invalid_token",
 *          error_description="The access token is invalid"] */
bool bearer_challenge_unauthorized(buf_t *out, const char *resource_metadata, bearer_status st,
                                   jwt_status why);
/* The 403 step-up challenge for a call that needs the scopes in needed:
 * scope lists granted ∪ needed, so the client re-authorizes without losing
 * what it had (MCP authorization, "Scope Challenge Handling"):
 *   Bearer error="insufficient_scope", scope="query schemas:read", resource_metadata="...",
 *          error_description="This request needs the query scope" */
bool bearer_challenge_insufficient_scope(buf_t *out, const char *resource_metadata,
                                         unsigned granted, unsigned needed);
/* The HTTP status for a failed bearer_status: 400 for BEARER_MALFORMED,
 * 401 otherwise. */
int bearer_http_status(bearer_status st);

#endif

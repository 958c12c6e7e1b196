/* Pending authorization requests: a validated GET /authorize request kept
 * in Redis while the person signs in and decides on the consent page. The
 * pages carry only an opaque id (32 random bytes, base64url) in a hidden
 * field, never the request's parameters, so nothing the client sent can be
 * changed between the request and the code:
 *
 *   <prefix>authz:<hex sha256(id)>   HASH client_id, redirect_uri, state,
 *                                    code_challenge, scope, resource, session
 *                                    (TTL AUTHZ_PENDING_TTL)
 *
 * A pending request is bound to one login session (its handle,
 * oauth/login_session.h): the browser that started it. After sign-in the
 * binding moves to the new signed-in session (authz_pending_rebind). It is
 * used once: authz_pending_take deletes it, and only the caller whose
 * delete removed it may go on, so a double-submitted consent form issues
 * at most one code.
 *
 * AUTHZ_STORE_ERROR: Redis could not answer; the caller answers 503. */
#ifndef DDBSQL_OAUTH_AUTHZ_PENDING_H
#define DDBSQL_OAUTH_AUTHZ_PENDING_H

#include "login_session.h"

#include "../core/store/redis_store.h"

#include <stddef.h>

#define AUTHZ_ID_LEN      43  /* characters of an id */
#define AUTHZ_PENDING_TTL 600 /* seconds to sign in and decide */

typedef enum {
    AUTHZ_OK = 0,
    AUTHZ_NONE,        /* malformed id, unknown, expired or already used */
    AUTHZ_STORE_ERROR, /* Redis failed: 503 */
} authz_status;

typedef struct authz_pending {
    char *client_id;
    char *redirect_uri;
    char *state; /* "" when the client sent none */
    char *code_challenge;
    char *scope; /* requested ∩ the client's */
    char *resource;
    char session[LOGIN_HANDLE_LEN + 1]; /* the login session it is bound to */
} authz_pending;

/* Stores p (every string set; state may be "") and writes its new id. */
authz_status authz_pending_create(redis_store *r, const authz_pending *p, char id[AUTHZ_ID_LEN + 1],
                                  char *err, size_t errlen);

/* Reads the pending request of id into *out (free with
 * authz_pending_free). */
authz_status authz_pending_load(redis_store *r, const char *id, authz_pending *out, char *err,
                                size_t errlen);

/* Binds the pending request to another session (after sign-in); AUTHZ_NONE
 * when it is gone. */
authz_status authz_pending_rebind(redis_store *r, const char *id,
                                  const char session[LOGIN_HANDLE_LEN + 1], char *err,
                                  size_t errlen);

/* Deletes it: AUTHZ_OK only for the one caller whose delete removed it. */
authz_status authz_pending_take(redis_store *r, const char *id, char *err, size_t errlen);

void authz_pending_free(authz_pending *p);

#endif

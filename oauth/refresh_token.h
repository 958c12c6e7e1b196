/* Refresh tokens (RFC 6749 §6) with rotation and reuse detection (RFC 9700
 * §4.14.2, OAuth 2.1 §4.3.1).
 *
 * A refresh token is 32 random bytes, base64url (43 characters), opaque to
 * the client. Redis holds only its SHA-256. Every token belongs to a
 * family: the chain of tokens of one authorization (one redeemed code).
 *
 *   <prefix>rtf:<family>          HASH the grant: st (a active | r revoked), cid, user,
 *                                 scope, res, at (auth_time), exp (the session's absolute
 *                                 end), cur (hash of the one live token), prev (hash of
 *                                 the token it replaced), g (1 once the grace is used);
 *                                 TTL until exp
 *   <prefix>rt:<hex sha256(tok)>  HASH fam, exp (this token's own end); once rotated also
 *                                 succ (hash of its successor), rat (when), gb (the
 *                                 successor, encrypted for the grace); TTL: a live token
 *                                 until its exp, a retired one until the family's exp
 *   <prefix>rtf-user:<hex sha256(user)>, <prefix>rtf-client:<hex sha256(client_id)>
 *                                 SETs of family ids, for revoking per user or client
 *
 * Rotation: every use retires the presented token and issues its successor,
 * atomically (one Lua script), so of two concurrent uses one rotates and
 * the other is a reuse. A family has exactly one live token (cur).
 *
 * Reuse: presenting a retired token revokes the whole family (RFC 9700
 * §4.14.2): either the legitimate client or an attacker holds a copy, and
 * the server cannot tell which, so both lose it and the user signs in
 * again. Retired tokens are remembered for the family's whole life, so a
 * reuse is recognised however late it comes.
 *
 * The grace (REFRESH_GRACE_SECONDS): a client whose response was lost (a
 * dropped connection right after the rotation) retries with the old token.
 * Within the grace, that retry gets the same successor again (not a new
 * one) with a fresh access token, and only when
 *   - the successor has not been used yet (it is still the family's live
 *     token: nobody has built on it), and
 *   - the family has never used its grace (once per family, ever).
 * So the grace cannot be abused twice: an attacker replaying a stolen old
 * token inside the grace gets the very token the client holds, and the next
 * use of it by the other party is a reuse that revokes the family; a second
 * lost response, or any replay outside these bounds, is a reuse. The
 * successor is kept for the grace encrypted (AES-256-GCM) under a key
 * derived from the old token, which Redis never sees, so Redis holds no
 * usable token; only the most recent retired token of a family keeps it.
 *
 * Lifetimes: the family ends at auth_time + session_lifetime_hours (the
 * caller computes it); each token lives refresh_token_ttl_seconds from its
 * issue, capped by the family's end.
 *
 * Scope: a family's scope (and resource, client, user) is fixed at its
 * start; every token of it carries the same grant (RFC 6749 §6: "the
 * refresh token scope MUST be identical"). Narrowing is for the access
 * token only, by the caller.
 *
 * Revoking a family that does not exist (yet) leaves a revoked marker for
 * REFRESH_REVOKED_MARKER_TTL, and creating a family refuses an id that is
 * taken, so a code replay that races the first redemption still wins
 * (oauth/auth_code.h). Revocation sets st = r and keeps the family until
 * its end, so its tokens are refused as revoked rather than unknown.
 *
 * Every function returns REFRESH_STORE_DOWN with err when Redis fails (the
 * caller answers 503). `now` is Unix seconds. */
#ifndef DDBSQL_OAUTH_REFRESH_TOKEN_H
#define DDBSQL_OAUTH_REFRESH_TOKEN_H

#include "auth_code.h"

#include "../core/store/redis_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REFRESH_TOKEN_LEN          43 /* characters of a token (32 random bytes) */
#define REFRESH_FAMILY_LEN         AUTH_CODE_FAMILY_LEN
#define REFRESH_GRACE_SECONDS      10   /* a lost response may be retried this long */
#define REFRESH_REVOKED_MARKER_TTL 3600 /* seconds a pre-emptive revocation is kept */
#define REFRESH_FIELD_MAX          4096 /* bytes of client_id, user, scope, resource */

typedef struct refresh_grant {
    char family[REFRESH_FAMILY_LEN + 1];
    char *client_id;
    char *user;     /* sub */
    char *scope;    /* the scope granted at authorization (space-separated) */
    char *resource; /* the MCP URL */
    int64_t auth_time;
    int64_t expires; /* the family's absolute end (Unix seconds) */
} refresh_grant;

typedef enum {
    REFRESH_OK = 0,
    REFRESH_GRACE,        /* rotate: a lost response retried; the same successor again */
    REFRESH_UNKNOWN,      /* malformed, never issued, or expired and forgotten */
    REFRESH_EXPIRED,      /* the token or its family (the session) has ended */
    REFRESH_REVOKED,      /* the family was revoked before */
    REFRESH_REUSED,       /* rotate: a retired token was presented; the family is now revoked */
    REFRESH_WRONG_CLIENT, /* issued to another client; nothing changed */
    REFRESH_EXISTS,       /* create: the family id is taken (revoked before it began) */
    REFRESH_BAD_INPUT,    /* create: a missing or oversized field; err says which */
    REFRESH_STORE_DOWN,   /* Redis failed: 503 */
} refresh_status;

/* "ok", "grace", "unknown", "expired", "revoked", "reused", "wrong_client",
 * "exists", "bad_input", "store_down": for logs and tests. */
const char *refresh_status_code(refresh_status s);

/* Starts a family with its first token, written to token (NUL-terminated).
 * g->family names it (the family of the redeemed code); g->expires must be
 * after now. token_ttl: refresh_token_ttl_seconds. */
refresh_status refresh_family_create(redis_store *r, const refresh_grant *g, int token_ttl,
                                     int64_t now, char token[REFRESH_TOKEN_LEN + 1], char *err,
                                     size_t errlen);

/* Reads the grant of a token without changing anything: OK for a live or a
 * retired token of an active family (rotation decides which), else
 * UNKNOWN, EXPIRED or REVOKED. *out is filled on OK (free with
 * refresh_grant_free; always safe to free). */
refresh_status refresh_token_peek(redis_store *r, const char *token, int64_t now,
                                  refresh_grant *out, char *err, size_t errlen);

/* Uses a token (for client_id): OK retires it and writes its successor to
 * new_token; GRACE writes the same successor again (see above); REUSED
 * revokes the family; WRONG_CLIENT, UNKNOWN, EXPIRED and REVOKED change
 * nothing. *out gets the grant on OK and GRACE. */
refresh_status refresh_token_rotate(redis_store *r, const char *token, const char *client_id,
                                    int token_ttl, int64_t now, refresh_grant *out,
                                    char new_token[REFRESH_TOKEN_LEN + 1], char *err,
                                    size_t errlen);

/* Revokes a family (a replayed code, a refresh of a user no longer
 * allowed). OK also when there is no such family (a marker is left). */
refresh_status refresh_family_revoke(redis_store *r, const char *family, char *err, size_t errlen);

/* RFC 7009 for refresh tokens: revokes the token's family when it was
 * issued to client_id. OK also for an unknown, expired or already revoked
 * token (RFC 7009 §2.2); WRONG_CLIENT (nothing changed) for a token of
 * another client. */
refresh_status refresh_token_revoke(redis_store *r, const char *token, const char *client_id,
                                    char *err, size_t errlen);

/* Revokes every family of a user, or of a client (ddbsql-admin). *count
 * (may be NULL) gets the number of active families revoked. */
refresh_status refresh_revoke_user(redis_store *r, const char *user, size_t *count, char *err,
                                   size_t errlen);
refresh_status refresh_revoke_client(redis_store *r, const char *client_id, size_t *count,
                                     char *err, size_t errlen);

void refresh_grant_free(refresh_grant *g);

#endif

/* Authorization codes (RFC 6749 §4.1, OAuth 2.1 §4.1.2): issued by
 * /authorize, redeemed once by /token.
 *
 * A code is 32 random bytes, base64url (43 characters). Redis holds only
 * its SHA-256, so reading Redis gives nobody a usable code:
 *
 *   <prefix>code:<hex sha256(code)>       HASH of the grant below; TTL 60 s
 *   <prefix>code-used:<hex sha256(code)>  the tombstone of a redeemed code:
 *                                         the refresh token family issued
 *                                         from it; TTL AUTH_CODE_TOMBSTONE_TTL
 *
 * Redeeming is one Lua script: the grant is read and deleted and the
 * tombstone written atomically, so two concurrent redemptions cannot both
 * succeed. The tombstone names the token family reserved for the code at
 * redemption (grant.family), so a replay can revoke every token issued
 * from the code (RFC 6749 §10.5) even when it races the first redemption:
 * the family is known before its first token exists, and revoking a family
 * that does not exist yet forbids creating it (oauth/refresh_token.h).
 *
 * The tombstone outlives the code (an hour), so a replay of a code leaked
 * through a log or a Referer header still revokes its family after the code
 * itself would have expired; a replay later than that is AUTH_CODE_UNKNOWN
 * (invalid_grant just the same, without revocation). */
#ifndef DDBSQL_OAUTH_AUTH_CODE_H
#define DDBSQL_OAUTH_AUTH_CODE_H

#include "../core/store/redis_store.h"

#include <stddef.h>
#include <stdint.h>

#define AUTH_CODE_LEN           43   /* characters of a code (32 random bytes, base64url) */
#define AUTH_CODE_TTL           60   /* seconds a code can be redeemed */
#define AUTH_CODE_TOMBSTONE_TTL 3600 /* seconds a redeemed code is remembered as used */
#define AUTH_CODE_FAMILY_LEN    32   /* hex characters of a token family id */
#define AUTH_CODE_FIELD_MAX     4096 /* bytes of any one field of a grant */

typedef struct auth_code_grant {
    char *client_id, *redirect_uri, *code_challenge; /* S256 challenge, base64url */
    char *scope;                                     /* granted, space-separated */
    char *resource;                                  /* the MCP URL (RFC 8707) */
    char *user;                                      /* sub: the signed-in user */
    int64_t auth_time; /* the interactive login (session start), unix seconds: refresh
                          lifetime is absolute from here */
    /* Filled by auth_code_consume (ignored by auth_code_issue): the token
     * family reserved for this code. OK: issue the refresh token in it.
     * REPLAYED: revoke it (empty when the code was redeemed before this
     * module recorded families, which cannot happen in practice). */
    char family[AUTH_CODE_FAMILY_LEN + 1];
} auth_code_grant;

typedef enum {
    AUTH_CODE_OK,
    AUTH_CODE_UNKNOWN,
    AUTH_CODE_REPLAYED,
    AUTH_CODE_STORE_DOWN
} auth_code_status;

/* A new single-use code (60 s) stored in Redis (hashed); the code text
 * (malloc'd), or NULL with err when Redis fails or a field is missing or
 * over AUTH_CODE_FIELD_MAX (every string field is required). */
char *auth_code_issue(redis_store *r, const auth_code_grant *g, char *err, size_t errlen);

/* Atomically consumes code: OK fills *out; REPLAYED when it was already
 * used (the caller revokes everything issued from it: out->family);
 * UNKNOWN for a malformed, unknown or expired code; STORE_DOWN with err
 * when Redis fails (503). *out is always safe to pass to
 * auth_code_grant_free. */
auth_code_status auth_code_consume(redis_store *r, const char *code, auth_code_grant *out,
                                   char *err, size_t errlen);

void auth_code_grant_free(auth_code_grant *g);

#endif

/* Server-side login sessions of the /authorize pages, in Redis behind a
 * cookie.
 *
 * The cookie holds a random 256-bit id (base64url, 43 characters). Redis
 * holds only its SHA-256, so a copy of Redis (or a look at it) does not
 * give anyone a working cookie:
 *
 *   <prefix>login:<hex sha256(id)>   HASH user, login, method, csrf, exp
 *                                    (TTL: until exp; never extended)
 *   <prefix>login-user:<hex sha256(user)>
 *                                    SET of the user's session hashes, for
 *                                    "sign this user out everywhere"
 *
 * Two kinds of session:
 *   - pre-login (method LOGIN_METHOD_NONE, no user): made when the login
 *     page is first shown, only so the login form has a CSRF secret bound
 *     to this browser (login CSRF, RFC 9700 §4.7);
 *   - signed in (a user, LOGIN_METHOD_PASSWORD or LOGIN_METHOD_REMOTE_USER),
 *     with `login_time`, the absolute start of the session that bounds the
 *     refresh tokens issued through it (session_lifetime_hours).
 *
 * On a successful sign-in the caller creates a new signed-in session and
 * revokes the pre-login one, so an id planted before sign-in is worthless
 * afterwards (session fixation). Every signed-in session has its own CSRF
 * secret (oauth/csrf.h).
 *
 * The cookie (login_cookie_*) is HttpOnly and SameSite=Lax, with Secure and
 * the __Host- prefix when the endpoint is https (then Path=/, as __Host-
 * demands); on plain http (loopback only) it is scoped to the endpoint's
 * path. A Cookie header is read strictly: bounded in size, our cookie at
 * most once and exactly 43 base64url characters, else there is no session.
 *
 * Errors: LOGIN_STORE_ERROR means Redis could not answer; the caller turns
 * it into 503 (issue §7). */
#ifndef DDBSQL_OAUTH_LOGIN_SESSION_H
#define DDBSQL_OAUTH_LOGIN_SESSION_H

#include "csrf.h"

#include "../core/store/redis_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOGIN_ID_LEN           43   /* characters of a session id (32 random bytes) */
#define LOGIN_HANDLE_LEN       64   /* hex SHA-256 of the id */
#define LOGIN_USER_MAX         256  /* bytes of a user name */
#define LOGIN_COOKIE_MAX       8192 /* a longer Cookie header is not read */
#define LOGIN_PRELOGIN_TTL     900  /* seconds a pre-login session lives */
#define LOGIN_COOKIE_NAME      "ddbsql_login"
#define LOGIN_COOKIE_NAME_HOST "__Host-ddbsql_login"

typedef enum {
    LOGIN_METHOD_NONE = 0,    /* pre-login: no user yet */
    LOGIN_METHOD_PASSWORD,    /* the login page */
    LOGIN_METHOD_REMOTE_USER, /* the web server's REMOTE_USER */
} login_method;

typedef enum {
    LOGIN_OK = 0,
    LOGIN_NONE,        /* no cookie, an unknown, expired or revoked session */
    LOGIN_BAD_INPUT,   /* create: a user name that cannot be one; err says why */
    LOGIN_STORE_ERROR, /* Redis failed: 503 */
} login_status;

typedef struct login_session {
    char handle[LOGIN_HANDLE_LEN + 1]; /* hex SHA-256 of the id: the Redis name */
    char *user;                        /* NULL for a pre-login session */
    login_method method;
    int64_t login_time; /* Unix seconds of the sign-in (0 before it) */
    int64_t expires;    /* Unix seconds */
    uint8_t csrf_secret[CSRF_SECRET_LEN];
} login_session;

/* "password", "remote_user", "none". */
const char *login_method_name(login_method m);

/* Creates a session for user (NULL with LOGIN_METHOD_NONE: pre-login)
 * living ttl_seconds from now (Unix seconds). Writes the new id into id
 * (for the cookie) and fills *out (free with login_session_free). A user
 * name must be 1..LOGIN_USER_MAX bytes of UTF-8 without control
 * characters. */
login_status login_session_create(redis_store *r, const char *user, login_method method,
                                  int ttl_seconds, int64_t now, char id[LOGIN_ID_LEN + 1],
                                  login_session *out, char *err, size_t errlen);

/* Finds the session of an id (as read from the cookie) at time now. A
 * malformed id, an unknown one and an expired one are all LOGIN_NONE. */
login_status login_session_lookup(redis_store *r, const char *id, int64_t now, login_session *out,
                                  char *err, size_t errlen);

/* Ends one session (logout, or the pre-login session after sign-in).
 * Ending one that is already gone is LOGIN_OK. */
login_status login_session_revoke(redis_store *r, const login_session *s, char *err, size_t errlen);

/* Ends every session of a user (the admin tool's "revoke"). *count (may be
 * NULL) gets the number of live sessions ended. */
login_status login_session_revoke_user(redis_store *r, const char *user, size_t *count, char *err,
                                       size_t errlen);

void login_session_free(login_session *s);

/* ---- the cookie ------------------------------------------------------------ */

typedef struct login_cookie {
    char name[32];
    char path[512];
    bool secure;
} login_cookie;

/* Derives the cookie's attributes from the URL of the endpoint that reads
 * it (the authorization endpoint, e.g. "https://mcp.example.com/authorize"):
 * https gives "__Host-ddbsql_login; Path=/; Secure"; http gives
 * "ddbsql_login; Path=<the URL's path>". False for a URL that is neither
 * (or whose path is too long or holds characters a cookie cannot carry). */
bool login_cookie_init(login_cookie *c, const char *endpoint_url);

/* The Set-Cookie value that stores id for max_age seconds (malloc'd):
 *   __Host-ddbsql_login=<id>; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax */
char *login_cookie_set(const login_cookie *c, const char *id, int max_age);
/* The Set-Cookie value that deletes it (Max-Age=0). */
char *login_cookie_clear(const login_cookie *c);

/* Reads our cookie's id from a Cookie request header into id. False when
 * the header is absent, over LOGIN_COOKIE_MAX bytes, has our cookie twice,
 * or our cookie's value is not a well-formed id. */
bool login_cookie_find(const login_cookie *c, const char *cookie_header, char id[LOGIN_ID_LEN + 1]);

#endif

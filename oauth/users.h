/* The people who may sign in on the /authorize pages: [user NAME] sections
 * of the config (core/conf/config.h user_conf), checked by password
 * (oauth/password.h), or identities the front web server vouches for
 * (REMOTE_USER, with [oauth] trust_remote_user = true).
 *
 *   [user alice]
 *   password_hash = $scrypt$ln=14,r=8,p=1$...$...
 *   scopes = query schemas:read      # optional; default: every scope
 *   disabled = false                 # optional
 *
 * A user's scopes bound what any client may get on their behalf (granted =
 * requested ∩ client's ∩ user's). Checks read the config each time, so
 * disabling or removing a user takes effect on the next request, even for
 * a browser that is already signed in (users_session_allowed). */
#ifndef DDBSQL_OAUTH_USERS_H
#define DDBSQL_OAUTH_USERS_H

#include "login_session.h"

#include "../core/conf/config.h"

#include <stdbool.h>
#include <stddef.h>

/* The [user NAME] section of a name (exact, case-sensitive), or NULL. */
const user_conf *users_find(const config *cfg, const char *name);

/* The SCOPE_* bits (oauth/scope.h) a user may grant. */
unsigned users_scope_bits(const user_conf *u);

typedef enum {
    USERS_OK = 0,
    USERS_DENIED, /* unknown, disabled, no password set, or a wrong password */
    USERS_ERROR,  /* the password check itself failed (out of memory) */
} users_result;

/* Checks a sign-in with a password. Every kind of refusal is USERS_DENIED
 * after the same work (one scrypt derivation), so neither the answer nor
 * its timing tells which user names exist; the page says only "wrong user
 * name or password". why says which it was, for the server's log only. On
 * USERS_OK *out (may be NULL) is the user. The caller wipes pw. */
users_result users_check_password(const config *cfg, const char *name, const char *pw, size_t pwlen,
                                  const user_conf **out, char *why, size_t whylen);

/* May the web server's REMOTE_USER sign in? Only with trust_remote_user,
 * and only a name a login session accepts (1..LOGIN_USER_MAX bytes of UTF-8
 * without controls). A [user NAME] section of that name applies when there
 * is one (disabled, scopes); without one the user may grant every scope.
 * *scopes (may be NULL) gets the bits. */
bool users_remote_user(const config *cfg, const char *name, unsigned *scopes, char *why,
                       size_t whylen);

/* May the user of a signed-in session still act? A password session needs
 * its [user] section, enabled; a remote_user session what
 * users_remote_user needs. *scopes (may be NULL) gets the bits. */
bool users_session_allowed(const config *cfg, const login_session *s, unsigned *scopes, char *why,
                           size_t whylen);

#endif

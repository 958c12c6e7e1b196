#include "users.h"

#include "password.h"
#include "scope.h"

#include "../core/base/json_util.h"

#include <stdio.h>
#include <string.h>

const user_conf *users_find(const config *cfg, const char *name)
{
    if (!cfg || !name)
        return NULL;
    for (size_t i = 0; i < cfg->oauth.nusers; i++)
        if (strcmp(cfg->oauth.users[i].name, name) == 0)
            return &cfg->oauth.users[i];
    return NULL;
}

unsigned users_scope_bits(const user_conf *u)
{
    if (!u || !u->scopes)
        return SCOPE_ALL;
    scope_list l;
    char err[128];
    if (!scope_parse(u->scopes, &l, err, sizeof err))
        return 0; /* cannot happen: the config validated it */
    unsigned bits = scope_bits(&l);
    scope_list_free(&l);
    return bits;
}

users_result users_check_password(const config *cfg, const char *name, const char *pw, size_t pwlen,
                                  const user_conf **out, char *why, size_t whylen)
{
    if (out)
        *out = NULL;
    const user_conf *u = users_find(cfg, name);
    const char *refusal = NULL;
    if (!u)
        refusal = "no such user";
    else if (u->disabled)
        refusal = "the user is disabled";
    else if (!u->password_hash)
        refusal = "the user has no password (REMOTE_USER only)";
    if (refusal) {
        password_burn(pw, pwlen);
        snprintf(why, whylen, "%s", refusal);
        return USERS_DENIED;
    }
    char err[256];
    switch (password_verify(pw, pwlen, u->password_hash, err, sizeof err)) {
    case PASSWORD_OK:
        if (out)
            *out = u;
        snprintf(why, whylen, "password accepted");
        return USERS_OK;
    case PASSWORD_MISMATCH:
        snprintf(why, whylen, "wrong password");
        return USERS_DENIED;
    case PASSWORD_BAD_HASH:
    case PASSWORD_ERROR:
        break;
    }
    snprintf(why, whylen, "%s", err);
    return USERS_ERROR;
}

/* A name a login session accepts (login_session.h). */
static bool remote_name_ok(const char *name)
{
    size_t n = name ? strnlen(name, LOGIN_USER_MAX + 1) : 0;
    if (n == 0 || n > LOGIN_USER_MAX || !utf8_valid(name, n))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return false;
    return true;
}

bool users_remote_user(const config *cfg, const char *name, unsigned *scopes, char *why,
                       size_t whylen)
{
    if (scopes)
        *scopes = 0;
    if (!cfg || !cfg->oauth.trust_remote_user) {
        snprintf(why, whylen, "REMOTE_USER is not trusted ([oauth] trust_remote_user is off)");
        return false;
    }
    if (!remote_name_ok(name)) {
        snprintf(why, whylen, "REMOTE_USER is empty, longer than %d bytes, or not plain text",
                 LOGIN_USER_MAX);
        return false;
    }
    const user_conf *u = users_find(cfg, name);
    if (u && u->disabled) {
        snprintf(why, whylen, "the user is disabled");
        return false;
    }
    if (scopes)
        *scopes = u ? users_scope_bits(u) : SCOPE_ALL;
    snprintf(why, whylen, "%s", u ? "a configured user" : "a user the web server vouches for");
    return true;
}

bool users_session_allowed(const config *cfg, const login_session *s, unsigned *scopes, char *why,
                           size_t whylen)
{
    if (scopes)
        *scopes = 0;
    if (!s || !s->user) {
        snprintf(why, whylen, "the session is not signed in");
        return false;
    }
    if (s->method == LOGIN_METHOD_REMOTE_USER)
        return users_remote_user(cfg, s->user, scopes, why, whylen);
    const user_conf *u = users_find(cfg, s->user);
    if (!u || u->disabled || !u->password_hash) {
        snprintf(why, whylen, "%s",
                 !u            ? "the user is no longer configured"
                 : u->disabled ? "the user is disabled"
                               : "the user no longer has a password");
        return false;
    }
    if (scopes)
        *scopes = users_scope_bits(u);
    snprintf(why, whylen, "a configured user");
    return true;
}

#include "bearer.h"

#include "scope.h"

#include "../core/base/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool b64token_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           strchr("-._~+/", c) != NULL;
}

bearer_status bearer_parse_header(const char *h, const char **token, size_t *len)
{
    *token = NULL;
    *len = 0;
    if (!h)
        return BEARER_MISSING;
    while (*h == ' ' || *h == '\t')
        h++;
    /* Another scheme (Basic, DPoP, ...) is no bearer token at all. */
    if (strncasecmp(h, "Bearer", 6) != 0 || (h[6] != ' ' && h[6] != '\0' && h[6] != '\t'))
        return BEARER_MISSING;
    const char *p = h + 6;
    if (*p != ' ')
        return BEARER_MALFORMED; /* "Bearer" alone, or a tab where SP belongs */
    while (*p == ' ')
        p++;
    const char *t = p;
    while (*p && b64token_char(*p))
        p++;
    if (p == t)
        return BEARER_MALFORMED;
    while (*p == '=')
        p++;
    const char *end = p;
    while (*p == ' ' || *p == '\t')
        p++;
    /* A second token, a comma-joined second header, or a stray byte. */
    if (*p)
        return BEARER_MALFORMED;
    *token = t;
    *len = (size_t)(end - t);
    return BEARER_OK;
}

bearer_status bearer_authenticate(const char *header, const jwt_verifier *v, int64_t now,
                                  bearer_principal *out, jwt_status *why, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    *why = JWT_OK;
    const char *token;
    size_t len;
    bearer_status st = bearer_parse_header(header, &token, &len);
    if (st == BEARER_MISSING) {
        snprintf(err, errlen, "no bearer token (no Authorization header, or another scheme)");
        return st;
    }
    if (st == BEARER_MALFORMED) {
        snprintf(err, errlen,
                 "the Authorization header is not 'Bearer' followed by exactly one token");
        return st;
    }
    jwt_claims c;
    *why = jwt_verify(v, token, len, now, &c, err, errlen);
    if (*why != JWT_OK)
        return BEARER_INVALID;
    scope_list sl;
    char serr[8];
    if (scope_parse(c.scope, &sl, serr, sizeof serr)) { /* jwt_verify checked it */
        out->scopes = scope_bits(&sl);
        scope_list_free(&sl);
    }
    out->sub = c.sub;
    out->client_id = c.client_id;
    out->jti = c.jti;
    out->scope = c.scope;
    out->exp = c.exp;
    c.sub = c.client_id = c.jti = c.scope = NULL;
    jwt_claims_free(&c);
    return BEARER_OK;
}

void bearer_principal_free(bearer_principal *p)
{
    if (!p)
        return;
    free(p->sub);
    free(p->client_id);
    free(p->jti);
    free(p->scope);
    memset(p, 0, sizeof *p);
}

void bearer_principal_label(const bearer_principal *p, char *out, size_t outlen)
{
    if (!p->sub || !p->client_id || strcmp(p->sub, p->client_id) == 0)
        snprintf(out, outlen, "%s", p->sub ? p->sub : (p->client_id ? p->client_id : ""));
    else
        snprintf(out, outlen, "%s,client=%s", p->sub, p->client_id);
}

/* Appends name="value" as a quoted-string (RFC 9110 §5.6.4) of printable
 * ASCII. */
bool bearer_challenge_param(buf_t *out, const char *name, const char *value)
{
    if (!value)
        return true;
    bool ok = buf_printf(out, "%s%s=\"", out->len ? ", " : "Bearer ", name);
    for (const char *p = value; ok && *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c >= 0x7f)
            ok = false;
        else if (c == '"' || c == '\\')
            ok = buf_putc(out, '\\') && buf_putc(out, (char)c);
        else
            ok = buf_putc(out, (char)c);
    }
    ok = ok && buf_putc(out, '"');
    if (!ok)
        buf_reset(out);
    return ok;
}

bool bearer_challenge_unauthorized(buf_t *out, const char *resource_metadata, bearer_status st,
                                   jwt_status why)
{
    const char *error = NULL, *desc = NULL;
    if (st == BEARER_MALFORMED) {
        error = "invalid_request";
        desc = "The Authorization header must be 'Bearer' followed by exactly one token";
    } else if (st == BEARER_INVALID) {
        error = "invalid_token";
        desc = why == JWT_ERR_EXPIRED ? "The access token expired" : "The access token is invalid";
    }
    return bearer_challenge_param(out, "resource_metadata", resource_metadata) &&
           bearer_challenge_param(out, "scope", SCOPES_SUPPORTED) &&
           bearer_challenge_param(out, "error", error) &&
           bearer_challenge_param(out, "error_description", desc);
}

bool bearer_challenge_insufficient_scope(buf_t *out, const char *resource_metadata,
                                         unsigned granted, unsigned needed)
{
    char scope[SCOPE_BITS_STR_MAX], need[SCOPE_BITS_STR_MAX], desc[96];
    scope_bits_format((granted | needed) & SCOPE_ALL, scope);
    scope_bits_format(needed & SCOPE_ALL, need);
    snprintf(desc, sizeof desc, "This request needs the %s scope", need);
    return bearer_challenge_param(out, "error", "insufficient_scope") &&
           bearer_challenge_param(out, "scope", scope) &&
           bearer_challenge_param(out, "resource_metadata", resource_metadata) &&
           bearer_challenge_param(out, "error_description", desc);
}

int bearer_http_status(bearer_status st)
{
    return st == BEARER_MALFORMED ? 400 : 401;
}

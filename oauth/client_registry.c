#include "client_registry.h"

#include "dcr.h"
#include "redirect_uri.h"

#include "../core/base/alloc.h"
#include "../core/base/crypto.h"
#include "../core/base/secure.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct client_registry {
    const config *cfg;
    redis_store *rs;
    cimd_options cimd;
};

#define SHOWN_ID 80 /* bytes of a client_id quoted in a message */

static client_status fail(client_status st, char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static client_status fail(client_status st, char *why, size_t whylen, const char *fmt, ...)
{
    if (why && whylen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return st;
}

const char *client_status_code(client_status st)
{
    switch (st) {
    case CLIENT_OK:
        return "ok";
    case CLIENT_ERR_UNKNOWN:
        return "unknown_client";
    case CLIENT_ERR_BAD_ID:
        return "invalid_client_id";
    case CLIENT_ERR_CIMD_FETCH:
        return "cimd_fetch_failed";
    case CLIENT_ERR_CIMD_INVALID:
        return "cimd_invalid_metadata";
    case CLIENT_ERR_UNAVAILABLE:
        return "unavailable";
    }
    return "unknown";
}

const char *client_kind_name(client_kind k)
{
    return k == CLIENT_PREREGISTERED ? "pre-registered" : k == CLIENT_CIMD ? "cimd" : "dcr";
}

client_registry *client_registry_new(const config *cfg, redis_store *rs)
{
    client_registry *r = xcalloc(1, sizeof *r);
    r->cfg = cfg;
    r->rs = rs;
    cimd_options_from_config(cfg ? &cfg->oauth : NULL, &r->cimd);
    return r;
}

void client_registry_free(client_registry *r)
{
    free(r);
}

void client_registry_set_cimd_options(client_registry *r, const cimd_options *o)
{
    r->cimd = *o;
}

static char **copy_list(char *const *items, size_t n)
{
    char **out = xcalloc(n ? n : 1, sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i] = xstrdup(items[i]);
    return out;
}

static void set_scopes(oauth_client *c, const char *scopes)
{
    char err[128];
    if (!scope_parse(scopes ? scopes : SCOPES_SUPPORTED, &c->scopes, err, sizeof err))
        scope_parse(SCOPES_SUPPORTED, &c->scopes, err, sizeof err); /* validated before */
}

static oauth_client *from_config(const client_conf *cc)
{
    oauth_client *c = xcalloc(1, sizeof *c);
    c->client_id = xstrdup(cc->client_id);
    c->name = xstrdup(cc->name ? cc->name : cc->client_id);
    c->kind = CLIENT_PREREGISTERED;
    c->redirect_uris = copy_list(cc->redirect_uris, cc->nredirect_uris);
    c->nredirect_uris = cc->nredirect_uris;
    c->confidential = cc->confidential;
    c->auth_method = cc->confidential ? CLIENT_AUTH_CLIENT_SECRET_BASIC : CLIENT_AUTH_NONE;
    c->secret_hash = cc->secret_hash ? xstrdup(cc->secret_hash) : NULL;
    set_scopes(c, cc->scopes);
    c->grant_types = cc->grant_types;
    return c;
}

/* A CIMD or DCR client: public, from validated metadata (taken over). */
static oauth_client *from_metadata(client_metadata *m, const char *client_id, client_kind kind,
                                   const char *host)
{
    oauth_client *c = xcalloc(1, sizeof *c);
    c->client_id = xstrdup(client_id);
    c->kind = kind;
    c->host = host ? xstrdup(host) : NULL;
    c->name = xstrdup(m->client_name ? m->client_name : host ? host : client_id);
    c->redirect_uris = m->redirect_uris;
    c->nredirect_uris = m->nredirect_uris;
    m->redirect_uris = NULL;
    m->nredirect_uris = 0;
    c->auth_method = CLIENT_AUTH_NONE;
    set_scopes(c, m->scope);
    c->grant_types = m->grant_types;
    c->issued_at = m->client_id_issued_at;
    client_metadata_free(m);
    return c;
}

static client_status lookup_cimd(client_registry *r, const char *id, oauth_client **out, char *why,
                                 size_t whylen)
{
    cimd_url u;
    if (!cimd_url_check(id, &u, why, whylen))
        return CLIENT_ERR_BAD_ID;
    client_metadata m;
    cimd_status st = cimd_get(r->rs, id, &r->cimd, &m, NULL, why, whylen);
    if (st == CIMD_ERR_URL)
        return CLIENT_ERR_BAD_ID;
    if (st == CIMD_ERR_FETCH)
        return CLIENT_ERR_CIMD_FETCH;
    if (st != CIMD_OK)
        return CLIENT_ERR_CIMD_INVALID;
    char host[CIMD_HOST_MAX + 8];
    cimd_url_display_host(&u, host, sizeof host);
    *out = from_metadata(&m, id, CLIENT_CIMD, host);
    return CLIENT_OK;
}

static client_status lookup_dcr(client_registry *r, const char *id, oauth_client **out, char *why,
                                size_t whylen)
{
    if (!r->rs)
        return fail(CLIENT_ERR_UNAVAILABLE, why, whylen,
                    "registered clients are kept in Redis, and none is configured here");
    client_metadata m;
    char reason[256];
    dcr_status st =
        dcr_lookup(r->rs, r->cfg ? &r->cfg->oauth : NULL, id, &m, reason, sizeof reason);
    if (st == DCR_STORE_ERROR)
        return fail(CLIENT_ERR_UNAVAILABLE, why, whylen,
                    "the client registry (Redis) is unavailable: %s", reason);
    if (st != DCR_OK)
        return fail(CLIENT_ERR_UNKNOWN, why, whylen, "unknown client_id '%s': %s", id, reason);
    *out = from_metadata(&m, id, CLIENT_DCR, NULL);
    return CLIENT_OK;
}

client_status client_lookup(client_registry *r, const char *client_id, oauth_client **out,
                            char *why, size_t whylen)
{
    *out = NULL;
    if (why && whylen)
        why[0] = '\0';
    if (!client_id || !*client_id)
        return fail(CLIENT_ERR_UNKNOWN, why, whylen, "no client_id was given");
    size_t n = strlen(client_id);
    if (n > CLIENT_ID_MAX)
        return fail(CLIENT_ERR_BAD_ID, why, whylen, "the client_id is longer than %d bytes",
                    CLIENT_ID_MAX);
    const oauth_conf *o = r->cfg ? &r->cfg->oauth : NULL;
    for (size_t i = 0; o && i < o->nclients; i++) {
        if (strcmp(o->clients[i].client_id, client_id) == 0) {
            *out = from_config(&o->clients[i]);
            return CLIENT_OK;
        }
    }
    if (cimd_is_url(client_id))
        return lookup_cimd(r, client_id, out, why, whylen);
    if (dcr_is_client_id(client_id))
        return lookup_dcr(r, client_id, out, why, whylen);
    /* Quote only what is printable: the id comes from the request. */
    char shown[SHOWN_ID + 4];
    size_t k = 0;
    for (; client_id[k] && k < SHOWN_ID; k++)
        shown[k] = client_id[k] > 0x20 && client_id[k] < 0x7f ? client_id[k] : '?';
    shown[k] = '\0';
    return fail(CLIENT_ERR_UNKNOWN, why, whylen, "unknown client_id '%s%s'", shown,
                n > SHOWN_ID ? "..." : "");
}

void oauth_client_free(oauth_client *c)
{
    if (!c)
        return;
    free(c->client_id);
    free(c->name);
    free(c->host);
    for (size_t i = 0; i < c->nredirect_uris; i++)
        free(c->redirect_uris[i]);
    free(c->redirect_uris);
    secure_free_str(c->secret_hash);
    scope_list_free(&c->scopes);
    free(c);
}

bool redirect_uri_allowed(const oauth_client *c, const char *uri)
{
    if (!c || !uri)
        return false;
    for (size_t i = 0; i < c->nredirect_uris; i++)
        if (redirect_uri_matches(c->redirect_uris[i], uri))
            return true;
    return false;
}

bool client_allows_grant(const oauth_client *c, unsigned grant)
{
    return c && grant && (c->grant_types & grant) == grant;
}

bool client_auth_method_allowed(const oauth_client *c, client_auth_method m)
{
    if (!c)
        return false;
    if (!c->confidential)
        return m == CLIENT_AUTH_NONE;
    return m == CLIENT_AUTH_CLIENT_SECRET_BASIC || m == CLIENT_AUTH_CLIENT_SECRET_POST;
}

char *client_secret_hash(const char *secret, size_t len)
{
    uint8_t d[SHA256_LEN];
    size_t pre = strlen(CONFIG_CLIENT_SECRET_PREFIX);
    char *out = xmalloc(pre + 2 * SHA256_LEN + 1);
    sha256(secret, len, d);
    memcpy(out, CONFIG_CLIENT_SECRET_PREFIX, pre);
    hex_encode(d, sizeof d, out + pre);
    secure_wipe(d, sizeof d);
    return out;
}

bool client_secret_verify(const oauth_client *c, const char *secret, size_t len)
{
    char *h = client_secret_hash(secret ? secret : "", secret ? len : 0);
    const char *want = c && c->confidential && c->secret_hash ? c->secret_hash : "";
    bool ok = ct_streq(h, want) && c && c->confidential && secret && len > 0;
    secure_free_str(h);
    return ok;
}

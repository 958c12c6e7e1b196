/* Who a client is: one lookup over the three ways a client can be known,
 * answering which redirect URIs, scopes, grant types and token endpoint
 * authentication it may use. /authorize and /token start here.
 *
 *   client_id                      source
 *   a [client ID] of the config    pre-registered: public or confidential (secret hash)
 *   https://...                    CIMD: the metadata document at that URL (oauth/cimd.h),
 *                                  fetched or from the Redis cache; public
 *   dcr_<32 hex>                   DCR: a registration stored by /register (oauth/dcr.h);
 *                                  public; the lookup renews its lifetime
 *   anything else                  unknown
 *
 *   client_registry *reg = client_registry_new(&cfg, redis);
 *   oauth_client *c;
 *   char why[512];
 *   client_status st = client_lookup(reg, client_id, &c, why, sizeof why);
 *   if (st != CLIENT_OK) ... error page, never a redirect (why: for the log and the page)
 *   if (!redirect_uri_allowed(c, redirect_uri)) ... error page, never a redirect
 *   oauth_client_free(c);
 *
 * Client secrets (confidential pre-registered clients only) are stored as
 * "sha256:<hex>" of the secret. The secrets are generated, 256 random bits
 * (ddbsql-admin), so there is nothing to guess and a slow password hash
 * would only slow down /token; a human-chosen secret would need one, which
 * is why secrets are never chosen by people. */
#ifndef DDBSQL_OAUTH_CLIENT_REGISTRY_H
#define DDBSQL_OAUTH_CLIENT_REGISTRY_H

#include "cimd.h"
#include "scope.h"

#include "../core/conf/config.h"
#include "../core/store/redis_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    CLIENT_PREREGISTERED, /* a [client ID] section */
    CLIENT_CIMD,          /* client_id is the URL of its metadata document */
    CLIENT_DCR,           /* registered at /register */
} client_kind;

/* token_endpoint_auth_method */
typedef enum {
    CLIENT_AUTH_NONE,                /* public: PKCE only */
    CLIENT_AUTH_CLIENT_SECRET_BASIC, /* confidential: HTTP Basic (the one advertised) */
    CLIENT_AUTH_CLIENT_SECRET_POST,  /* confidential: client_secret in the form */
} client_auth_method;

typedef struct oauth_client {
    char *client_id;
    char *name; /* what the consent page calls it: client_name, else the CIMD host, else the id */
    client_kind kind;
    char *host; /* CIMD: the URL's host (":port" when not 443), for the consent page; else NULL */
    char **redirect_uris; /* exact strings */
    size_t nredirect_uris;
    bool confidential;
    client_auth_method auth_method; /* what the client registered (confidential: basic) */
    char *secret_hash;              /* confidential only: "sha256:<64 hex>" */
    scope_list scopes;              /* the scopes it may be granted */
    unsigned grant_types;           /* OAUTH_GRANT_* */
    int64_t issued_at;              /* DCR: client_id_issued_at; else 0 */
} oauth_client;

typedef enum {
    CLIENT_OK = 0,
    CLIENT_ERR_UNKNOWN,      /* no such client (a DCR registration may have expired) */
    CLIENT_ERR_BAD_ID,       /* malformed: too long, or a URL that is no valid CIMD URL */
    CLIENT_ERR_CIMD_FETCH,   /* the metadata document could not be fetched; why says why */
    CLIENT_ERR_CIMD_INVALID, /* it was fetched but is not valid metadata; why says why */
    CLIENT_ERR_UNAVAILABLE,  /* Redis is needed and down (DCR clients): 503 */
} client_status;

/* "ok", "unknown_client", "invalid_client_id", "cimd_fetch_failed",
 * "cimd_invalid_metadata", "unavailable": for logs and tests. */
const char *client_status_code(client_status st);
/* "pre-registered", "cimd", "dcr". */
const char *client_kind_name(client_kind k);

typedef struct client_registry client_registry;

/* cfg and rs (may be NULL: no DCR clients, no CIMD cache) are borrowed and
 * must outlive the registry. CIMD fetches follow the config's [oauth]
 * cimd_allow_loopback and cimd_ca_file. */
client_registry *client_registry_new(const config *cfg, redis_store *rs);
void client_registry_free(client_registry *r);
/* Replaces the CIMD fetch options (tests: shorter timeouts). */
void client_registry_set_cimd_options(client_registry *r, const cimd_options *o);

/* Finds client_id. On CLIENT_OK *out is a new record (free with
 * oauth_client_free); otherwise *out is NULL and why explains, e.g.
 * "unknown client_id 'x'" or the CIMD fetch's reason. */
client_status client_lookup(client_registry *r, const char *client_id, oauth_client **out,
                            char *why, size_t whylen);
void oauth_client_free(oauth_client *c);

/* True when uri is one of the client's redirect URIs under
 * redirect_uri_matches: exact string equality (plus any port for
 * http://127.0.0.1 and http://[::1], RFC 8252 §7.3). */
bool redirect_uri_allowed(const oauth_client *c, const char *uri);

/* True when the client may use the grant (an OAUTH_GRANT_* bit). */
bool client_allows_grant(const oauth_client *c, unsigned grant);
/* True when the client may authenticate this way at the token endpoint:
 * public clients only with none; confidential clients with
 * client_secret_basic or client_secret_post (either; RFC 6749 §2.3.1). */
bool client_auth_method_allowed(const oauth_client *c, client_auth_method m);

/* Checks a presented secret against the client's hash in constant time
 * (false for public clients; the hash is computed either way). */
bool client_secret_verify(const oauth_client *c, const char *secret, size_t len);
/* "sha256:<64 lowercase hex>" of a secret (malloc'd), for ddbsql-admin. */
char *client_secret_hash(const char *secret, size_t len);

#endif

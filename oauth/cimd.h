/* Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document,
 * as the MCP authorization spec uses it): a client_id that is an https URL
 * names a JSON document, fetched here, that describes the client.
 *
 * The URL (draft §3): https, a host and a path other than "/", no
 * user-info, no fragment, no "." or ".." segments (percent-encoded or not),
 * at most CLIENT_ID_MAX bytes of printable ASCII. Hosts are DNS names,
 * dotted IPv4 addresses or bracketed IPv6 addresses, written the way libcurl
 * reads them (curl's own parse of the URL must agree with ours), so the
 * address checked below is the one the URL means.
 *
 * The fetch (libcurl), safe against a client_id chosen by an attacker:
 *   - https only, certificate verified, no proxy (environment proxies are
 *     ignored), no redirects (a 3xx is an error: the document must be at the
 *     URL), 200 is the only success;
 *   - every address libcurl is about to connect to, after its own DNS
 *     resolution, is checked in an open-socket callback and refused unless it
 *     is public unicast (oauth/net_policy.h): the check applies to the exact
 *     address of each connection attempt, so a DNS answer that changes
 *     between lookups (rebinding) cannot slip a private address past it; the
 *     connected address is checked once more before the request is sent;
 *   - at most CIMD_MAX_BYTES of body (the transfer is aborted past it), a
 *     connect timeout and a total timeout;
 *   - no Accept-Encoding, so the size cap is the size of the document.
 * The `[oauth] cimd_allow_loopback` switch (tests only) also admits
 * loopback addresses; `[oauth] cimd_ca_file` (tests only, with that switch)
 * names the CA certificates that verify the server instead of the system's.
 * http is never fetched, not even in tests: the tests serve documents over
 * https with a self-signed certificate.
 *
 * Caching (draft §4.3): a valid document is kept in Redis under a hash of
 * its URL for the Cache-Control max-age, bounded to CIMD_CACHE_MIN_SECONDS
 * .. CIMD_CACHE_MAX_SECONDS (CIMD_CACHE_DEFAULT_SECONDS without max-age);
 * no-store and no-cache mean it is not kept. Failed fetches and invalid
 * documents are never cached. Redis being down only costs the cache.
 *
 * libcurl must be initialised once per process before the first fetch
 * (ddb_global_init() does it; tests call curl_global_init). */
#ifndef DDBSQL_OAUTH_CIMD_H
#define DDBSQL_OAUTH_CIMD_H

#include "client_metadata.h"

#include "../core/conf/config.h"
#include "../core/store/redis_store.h"

#include <stdbool.h>
#include <stddef.h>

#define CIMD_MAX_BYTES             5120 /* a document; the draft recommends 5 KB */
#define CIMD_CONNECT_TIMEOUT_MS    2000
#define CIMD_TOTAL_TIMEOUT_MS      5000
#define CIMD_CACHE_MIN_SECONDS     60
#define CIMD_CACHE_MAX_SECONDS     86400
#define CIMD_CACHE_DEFAULT_SECONDS 300
#define CIMD_HOST_MAX              256 /* bytes of a host, brackets included */

typedef struct cimd_options {
    bool allow_loopback; /* tests only: loopback addresses may be fetched */
    const char *ca_file; /* tests only: CA certificates instead of the system's (or NULL) */
    int connect_timeout_ms;
    int total_timeout_ms;
} cimd_options;

/* The options the config asks for, with the default timeouts. The strings
 * point into conf. */
void cimd_options_from_config(const oauth_conf *conf, cimd_options *out);

typedef enum {
    CIMD_OK = 0,
    CIMD_ERR_URL,     /* the client_id is not a usable CIMD URL */
    CIMD_ERR_FETCH,   /* the document could not be fetched (why says what happened) */
    CIMD_ERR_INVALID, /* it was fetched but is not valid client metadata */
} cimd_status;

/* The parts of a valid CIMD URL. */
typedef struct cimd_url {
    char host[CIMD_HOST_MAX]; /* as written: "app.example.com", "[2001:db8::1]" */
    int port;                 /* 443 unless given */
    bool ip_literal;
} cimd_url;

/* True when client_id looks like a URL ("scheme://..."), i.e. is meant as
 * a CIMD client_id (and then must pass cimd_url_check). */
bool cimd_is_url(const char *client_id);
/* Checks the URL rules above. */
bool cimd_url_check(const char *url, cimd_url *out, char *why, size_t whylen);
/* What the consent page shows for the client: the host, with ":port" when
 * it is not 443 (out holds CIMD_HOST_MAX + 7 bytes). */
void cimd_url_display_host(const cimd_url *u, char *out, size_t outlen);

/* Seconds to cache a document given its Cache-Control header value (NULL:
 * absent); 0 means do not cache. */
int cimd_cache_ttl(const char *cache_control);

/* Fetches the document at url under the rules above. On CIMD_OK *body is
 * malloc'd (NUL-terminated, *len bytes) and *ttl is cimd_cache_ttl of the
 * answer. Otherwise why says what went wrong, e.g. "https://x.example/c.json
 * resolves to 10.0.0.7, a private address, which is not fetched
 * (server-side request forgery protection)". */
cimd_status cimd_fetch(const char *url, const cimd_options *o, char **body, size_t *len, int *ttl,
                       char *why, size_t whylen);

/* The validated metadata of the CIMD client url: from the Redis cache when
 * it holds the document (rs may be NULL: no cache), else fetched, validated
 * (client_metadata_parse, CLIENT_METADATA_CIMD) and cached. *from_cache
 * (may be NULL) says which. */
cimd_status cimd_get(redis_store *rs, const char *url, const cimd_options *o, client_metadata *out,
                     bool *from_cache, char *why, size_t whylen);

/* The Redis key of url's cached document (prefix + "oauth:cimd:" + hex
 * SHA-256 of the URL); malloc'd. For tests and cache invalidation. */
char *cimd_cache_key(const redis_store *rs, const char *url);

#endif

/* Dynamic Client Registration (RFC 7591) storage: registering a public
 * client from its metadata, finding it again, and the per-address limit on
 * registrations. The HTTP side is oauth/register_endpoint.h.
 *
 * A registration gets a random id, "dcr_" + 32 hex digits (128 bits from
 * the CSPRNG; never an https:// URL, so it cannot be taken for a CIMD
 * client_id, and config client ids may not start with "dcr_"). It is kept
 * in Redis as its RFC 7591 JSON under
 *   <prefix>oauth:client:<client_id>
 * for [oauth] registered_client_ttl_days, and every lookup renews that
 * (GETEX ... EX), so only clients left unused that long expire.
 *
 * The limit counts registration requests per client address in a fixed
 * window: [oauth] registration_rate_limit per registration_rate_window_seconds
 * under <prefix>rl:register-ip:<hex sha256(bucket)>, the bucket being the
 * address, or its /64 for IPv6 (rate_limit_addr_bucket), since one host
 * usually holds a whole /64. */
#ifndef DDBSQL_OAUTH_DCR_H
#define DDBSQL_OAUTH_DCR_H

#include "client_metadata.h"

#include "../core/conf/config.h"
#include "../core/store/redis_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DCR_CLIENT_ID_PREFIX "dcr_"
#define DCR_CLIENT_ID_LEN    36 /* the prefix and 32 hex digits */

typedef enum {
    DCR_OK = 0,
    DCR_INVALID_METADATA,     /* 400 invalid_client_metadata */
    DCR_INVALID_REDIRECT_URI, /* 400 invalid_redirect_uri */
    DCR_NOT_FOUND,            /* lookup: no such registration (or it expired) */
    DCR_STORE_ERROR,          /* Redis failed: 503 */
} dcr_status;

/* True for an id of the form registrations get (it may still not exist). */
bool dcr_is_client_id(const char *client_id);
/* The Redis key of a registration (malloc'd). */
char *dcr_client_key(const redis_store *rs, const char *client_id);

/* Validates the request body (client_metadata_parse, CLIENT_METADATA_DCR),
 * draws a client_id and stores the registration with issued_at = now
 * (Unix seconds). On DCR_OK *out is what was registered, client_id and
 * client_id_issued_at included. why says what is wrong (invalid metadata)
 * or what Redis said (store error; no secret in it). */
dcr_status dcr_register(redis_store *rs, const oauth_conf *conf, const char *body, size_t len,
                        int64_t now, client_metadata *out, char *why, size_t whylen);

/* Finds a registration and renews its lifetime: DCR_OK with *out, or
 * DCR_NOT_FOUND, or DCR_STORE_ERROR. */
dcr_status dcr_lookup(redis_store *rs, const oauth_conf *conf, const char *client_id,
                      client_metadata *out, char *why, size_t whylen);

typedef enum {
    DCR_RATE_OK = 0,
    DCR_RATE_LIMITED,     /* *retry_after: seconds until the window ends */
    DCR_RATE_STORE_ERROR, /* Redis failed: 503 */
} dcr_rate_status;

/* Counts one registration request from addr (REMOTE_ADDR) and says whether
 * it is within the limit. */
dcr_rate_status dcr_rate_check(redis_store *rs, const oauth_conf *conf, const char *addr,
                               int *retry_after, char *err, size_t errlen);

#endif

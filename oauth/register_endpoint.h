/* POST /register: Dynamic Client Registration (RFC 7591 §3) for public
 * clients, the HTTP half of oauth/dcr.h. ddbsql-register serves it.
 *
 *   POST <issuer>/register   Content-Type: application/json   {RFC 7591 metadata}
 *   201 {client_id, client_id_issued_at, client_name?, redirect_uris, grant_types,
 *        response_types, token_endpoint_auth_method: "none", scope}
 *   400 {"error": "invalid_client_metadata" | "invalid_redirect_uri", "error_description"}
 *   400 invalid_request (not JSON), 413 invalid_request (body over REGISTER_MAX_BODY),
 *   415 invalid_request (not application/json), 405 (not POST),
 *   429 temporarily_unavailable + Retry-After (registration_rate_limit reached),
 *   503 temporarily_unavailable + Retry-After (Redis down), 404 with auth = none.
 * Every answer is JSON with Cache-Control: no-store, and carries
 * Access-Control-Allow-Origin: * (browser-based MCP clients register from
 * their own origin; the endpoint takes no cookies or credentials, so any
 * origin may call it). OPTIONS answers the CORS preflight. The access log
 * line says the outcome (client=<id> or error=<code>), never the body. */
#ifndef DDBSQL_OAUTH_REGISTER_ENDPOINT_H
#define DDBSQL_OAUTH_REGISTER_ENDPOINT_H

#include "../core/conf/config.h"
#include "../core/http/request.h"
#include "../core/http/response.h"
#include "../core/store/redis_store.h"

#define REGISTER_MAX_BODY 16384 /* bytes of a registration request */

typedef struct register_app {
    const config *cfg;
    redis_store *rs;
} register_app;

/* The http_handler of ddbsql-register (app is a register_app). */
void register_http_handle(void *app, http_request *req, http_response *resp);
/* The refusal formatter: a request refused while read (413, 400, 431)
 * gets {"error":"invalid_request","error_description":message}. */
void register_http_refusal(http_response *resp, int status, const char *message);

#endif

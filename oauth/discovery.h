/* OAuth discovery: the documents an MCP client fetches to learn how to get a
 * token, built from the config, and where they are served.
 *
 * Protected resource metadata (RFC 9728), for resource = the MCP endpoint
 * URL (mcp_url), served at the path-inserted well-known URL and at the root
 * form (both hold the same document):
 *   <origin>/.well-known/oauth-protected-resource<path of mcp_url>  (e.g.
 * .../oauth-protected-resource/mcp) <origin>/.well-known/oauth-protected-resource<path of
 * public_url>   (the root when public_url has none)
 *   {"resource", "authorization_servers": [issuer], "bearer_methods_supported": ["header"],
 *    "scopes_supported": ["query", "schemas:read"]}
 * The first URL is the one 401/403 challenges name (resource_metadata).
 *
 * Authorization server metadata (RFC 8414), also answered as OpenID
 * configuration, at the URLs MCP clients try for the issuer:
 *   <origin>/.well-known/oauth-authorization-server<path of issuer>
 *   <origin>/.well-known/openid-configuration<path of issuer>
 *   <issuer>/.well-known/openid-configuration
 *   {"issuer", "authorization_endpoint", "token_endpoint", "registration_endpoint",
 *    "revocation_endpoint", "jwks_uri", "scopes_supported", "response_types_supported",
 *    "grant_types_supported", "code_challenge_methods_supported",
 *    "token_endpoint_auth_methods_supported", "client_id_metadata_document_supported",
 *    "authorization_response_iss_parameter_supported"}
 * The endpoints are <issuer> + OAUTH_PATH_* below.
 *
 * The public signing keys (RFC 7517): <issuer>/.well-known/jwks.json.
 *
 * Every document is public: served to GET and HEAD with CORS "*" and a short
 * Cache-Control, so browser-based clients can read them too. */
#ifndef DDBSQL_OAUTH_DISCOVERY_H
#define DDBSQL_OAUTH_DISCOVERY_H

#include "signing_keys.h"

#include "../core/conf/config.h"
#include "../core/http/request.h"
#include "../core/http/response.h"

#include <json-c/json.h>
#include <stdbool.h>

/* Endpoint paths under the issuer (the executables that answer them route
 * these in deploy/). */
#define OAUTH_PATH_AUTHORIZE "/authorize"
#define OAUTH_PATH_TOKEN     "/token"
#define OAUTH_PATH_REGISTER  "/register"
#define OAUTH_PATH_REVOKE    "/revoke"
#define OAUTH_PATH_JWKS      "/.well-known/jwks.json"

#define WELL_KNOWN_PRM    "/.well-known/oauth-protected-resource"
#define WELL_KNOWN_AS     "/.well-known/oauth-authorization-server"
#define WELL_KNOWN_OPENID "/.well-known/openid-configuration"

/* Seconds clients and caches may keep a document. Short, so a key rotation
 * reaches clients quickly. */
#define DISCOVERY_MAX_AGE 300

typedef enum {
    DISCOVERY_NONE = 0,
    DISCOVERY_PROTECTED_RESOURCE,
    DISCOVERY_AUTHORIZATION_SERVER,
    DISCOVERY_JWKS,
} discovery_doc;

/* The URL challenges put in resource_metadata (malloc'd). */
char *discovery_resource_metadata_url(const config *cfg);
/* <issuer><path>, e.g. discovery_issuer_url(cfg, OAUTH_PATH_TOKEN) (malloc'd). */
char *discovery_issuer_url(const config *cfg, const char *path);

/* Which document a request path (as http_request.path, decoded) names. */
discovery_doc discovery_match(const config *cfg, const char *path);

/* The documents (new objects; the caller puts them). */
json_object *discovery_protected_resource(const config *cfg);
json_object *discovery_authorization_server(const config *cfg);
json_object *discovery_jwks(const signing_keys *keys);

/* Answers req when its path is a discovery document (returns true), else
 * returns false and leaves resp alone. GET and HEAD get the document;
 * OPTIONS gets a CORS preflight answer; other methods get 405. With
 * auth = none there is no OAuth, so every discovery path is a 404. */
bool discovery_serve(const config *cfg, const signing_keys *keys, http_request *req,
                     http_response *resp);

#endif

/* The MCP server: state shared by every request of a worker (mcp_app) and
 * the per-request call context handed to method and tool handlers. */
#ifndef DDBSQL_MCP_H
#define DDBSQL_MCP_H

#include "jsonrpc.h"

#include "../base/buf.h"
#include "../catalog/catalog.h"
#include "../conf/config.h"
#include "../http/request.h"
#include "../http/response.h"
#include "../store/redis_store.h"

/* OAuth scopes as a bit set (SCOPE_QUERY, SCOPE_SCHEMAS_READ, SCOPE_ALL).
 * With `auth = none` every scope is granted. */
#include "../../oauth/scope.h"

#include <json-c/json.h>

struct signing_keys;
struct jwt_cache;

#define MCP_LATEST_VERSION "2025-11-25"
/* Assumed when a request carries no MCP-Protocol-Version header. */
#define MCP_DEFAULT_VERSION "2025-03-26"

typedef struct mcp_app {
    const config *cfg;
    redis_store *redis;
    catalog *cat;
    /* auth = oauth: the keys that verify access tokens (owned; set with
     * mcp_app_set_keys) and the protected resource metadata URL that 401
     * and 403 challenges point at. Both NULL with auth = none. */
    struct signing_keys *keys;
    char *resource_metadata_url;
    struct jwt_cache *token_cache; /* verified tokens (owned; made with the keys) */
} mcp_app;

typedef struct mcp_call {
    mcp_app *app;
    http_request *req;
    const char *protocol_version; /* negotiated, from the header */
    unsigned scopes;
} mcp_call;

mcp_app *mcp_app_new(const config *cfg);
void mcp_app_free(mcp_app *app);
/* auth = oauth: hands the verification keys (oauth/signing_keys.h,
 * signing_keys_load_config) to the app, which frees them, and starts a fresh
 * cache of verified tokens. Without keys every /mcp request is refused with
 * 401. */
void mcp_app_set_keys(mcp_app *app, struct signing_keys *keys);

/* True for the protocol versions this server speaks. */
bool mcp_version_supported(const char *v);
/* structuredContent, outputSchema and titles exist from 2025-06-18 on. */
bool mcp_version_has_structured(const char *v);

/* The FastCGI handler of ddbsql-mcp: the OAuth discovery documents
 * (/.well-known/..., oauth/discovery.h), else /mcp: transport rules, bearer
 * token check (auth = oauth), then dispatch. */
void mcp_http_handle(void *app, http_request *req, http_response *resp);

/* Formats requests refused while being read (413, 431, ...) as JSON-RPC
 * errors without an id, as the transport spec allows. */
void mcp_http_refusal(http_response *resp, int status, const char *message);

/* Runs one JSON-RPC request and returns its result, or NULL with err set. */
json_object *mcp_dispatch(mcp_call *call, const char *method, json_object *params, rpc_error *err);

#endif

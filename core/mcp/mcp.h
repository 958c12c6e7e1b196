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

#include <json-c/json.h>

/* OAuth scopes as a bit set. With `auth = none` every scope is granted. */
#define SCOPE_QUERY        1u
#define SCOPE_SCHEMAS_READ 2u
#define SCOPE_ALL          (SCOPE_QUERY | SCOPE_SCHEMAS_READ)

#define MCP_LATEST_VERSION "2025-11-25"
/* Assumed when a request carries no MCP-Protocol-Version header. */
#define MCP_DEFAULT_VERSION "2025-03-26"

typedef struct mcp_app {
    const config *cfg;
    redis_store *redis;
    catalog *cat;
} mcp_app;

typedef struct mcp_call {
    mcp_app *app;
    http_request *req;
    const char *protocol_version; /* negotiated, from the header */
    unsigned scopes;
} mcp_call;

mcp_app *mcp_app_new(const config *cfg);
void mcp_app_free(mcp_app *app);

/* True for the protocol versions this server speaks. */
bool mcp_version_supported(const char *v);
/* structuredContent, outputSchema and titles exist from 2025-06-18 on. */
bool mcp_version_has_structured(const char *v);

/* The FastCGI handler for /mcp: transport rules, then dispatch. */
void mcp_http_handle(void *app, http_request *req, http_response *resp);

/* Formats requests refused while being read (413, 431, ...) as JSON-RPC
 * errors without an id, as the transport spec allows. */
void mcp_http_refusal(http_response *resp, int status, const char *message);

/* Runs one JSON-RPC request and returns its result, or NULL with err set. */
json_object *mcp_dispatch(mcp_call *call, const char *method, json_object *params, rpc_error *err);

#endif

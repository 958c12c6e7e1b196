/* The MCP method table and the lifecycle methods (initialize, ping,
 * logging/setLevel). */
#include "mcp.h"

#include "completion.h"
#include "prompts.h"
#include "resources.h"
#include "tools.h"

#include "../base/alloc.h"
#include "../base/json_util.h"
#include "../base/version.h"

#include "../../oauth/discovery.h"
#include "../../oauth/jwt.h"
#include "../../oauth/signing_keys.h"

#include <stdlib.h>
#include <string.h>

static const char *const VERSIONS[] = {"2025-11-25", "2025-06-18", "2025-03-26"};

bool mcp_version_supported(const char *v)
{
    for (size_t i = 0; v && i < sizeof VERSIONS / sizeof VERSIONS[0]; i++)
        if (strcmp(v, VERSIONS[i]) == 0)
            return true;
    return false;
}

bool mcp_version_has_structured(const char *v)
{
    return v && strcmp(v, "2025-06-18") >= 0;
}

mcp_app *mcp_app_new(const config *cfg)
{
    mcp_app *app = xcalloc(1, sizeof *app);
    app->cfg = cfg;
    app->redis = redis_store_new(&cfg->redis);
    app->cat = catalog_new(cfg, app->redis);
    if (!cfg->auth_none)
        app->resource_metadata_url = discovery_resource_metadata_url(cfg);
    return app;
}

void mcp_app_set_keys(mcp_app *app, struct signing_keys *keys)
{
    signing_keys_free(app->keys);
    app->keys = keys;
    /* What the old keys verified is no longer vouched for. */
    jwt_cache_free(app->token_cache);
    app->token_cache = keys ? jwt_cache_new(JWT_CACHE_DEFAULT_ENTRIES) : NULL;
}

void mcp_app_free(mcp_app *app)
{
    if (!app)
        return;
    catalog_free(app->cat);
    redis_store_free(app->redis);
    signing_keys_free(app->keys);
    jwt_cache_free(app->token_cache);
    free(app->resource_metadata_url);
    free(app);
}

static const char INSTRUCTIONS[] =
    "ddbsql gives read-only access to Amazon DynamoDB tables. Tables are grouped in schemas "
    "(DynamoDB connections) and addressed as schema.table. Start with list_tables, then "
    "describe_table to learn a table's keys, indexes and attributes before querying it. "
    "The resources ddbsql://docs/sql-reference and ddbsql://docs/limitations document the SQL "
    "dialect and its limits.";

static json_object *m_initialize(mcp_call *call, json_object *params, rpc_error *err)
{
    (void)call;
    const char *requested = jget_str(params, "protocolVersion");
    if (!requested) {
        rpc_error_set(err, RPC_INVALID_PARAMS,
                      "Invalid params: initialize needs \"protocolVersion\" (a string such as "
                      "\"%s\")",
                      MCP_LATEST_VERSION);
        return NULL;
    }
    /* Echo a version we speak; otherwise offer our latest. */
    const char *version = mcp_version_supported(requested) ? requested : MCP_LATEST_VERSION;
    json_object *caps = json_object_new_object();
    json_object *tools = json_object_new_object();
    jset_bool(tools, "listChanged", false);
    jset(caps, "tools", tools);
    json_object *resources = json_object_new_object();
    jset_bool(resources, "subscribe", false);
    jset_bool(resources, "listChanged", false);
    jset(caps, "resources", resources);
    json_object *prompts = json_object_new_object();
    jset_bool(prompts, "listChanged", false);
    jset(caps, "prompts", prompts);
    jset(caps, "logging", json_object_new_object());
    jset(caps, "completions", json_object_new_object());

    json_object *info = json_object_new_object();
    jset_str(info, "name", "ddbsql");
    if (mcp_version_has_structured(version))
        jset_str(info, "title", "ddbsql: read-only SQL over DynamoDB");
    jset_str(info, "version", DDBSQL_VERSION);

    json_object *result = json_object_new_object();
    jset_str(result, "protocolVersion", version);
    jset(result, "capabilities", caps);
    jset(result, "serverInfo", info);
    jset_str(result, "instructions", INSTRUCTIONS);
    return result;
}

static json_object *m_ping(mcp_call *call, json_object *params, rpc_error *err)
{
    (void)call;
    (void)params;
    (void)err;
    return json_object_new_object();
}

/* Stateless: there is no session to keep a level in, and this server
 * sends no log notifications, so a valid level is simply acknowledged. */
static json_object *m_set_level(mcp_call *call, json_object *params, rpc_error *err)
{
    (void)call;
    static const char *const levels[] = {"debug", "info",     "notice", "warning",
                                         "error", "critical", "alert",  "emergency"};
    const char *level = jget_str(params, "level");
    for (size_t i = 0; level && i < sizeof levels / sizeof levels[0]; i++)
        if (strcmp(level, levels[i]) == 0)
            return json_object_new_object();
    rpc_error_set(err, RPC_INVALID_PARAMS,
                  "Invalid params: \"level\" must be one of debug, info, notice, warning, error, "
                  "critical, alert, emergency");
    return NULL;
}

typedef json_object *(*method_fn)(mcp_call *, json_object *, rpc_error *);

static const struct {
    const char *name;
    method_fn fn;
} METHODS[] = {
    {"initialize", m_initialize},
    {"ping", m_ping},
    {"tools/list", tools_list},
    {"tools/call", tools_call},
    {"resources/list", resources_list},
    {"resources/templates/list", resources_templates_list},
    {"resources/read", resources_read},
    {"prompts/list", prompts_list},
    {"prompts/get", prompts_get},
    {"logging/setLevel", m_set_level},
    {"completion/complete", completion_complete},
};

json_object *mcp_dispatch(mcp_call *call, const char *method, json_object *params, rpc_error *err)
{
    for (size_t i = 0; i < sizeof METHODS / sizeof METHODS[0]; i++) {
        if (strcmp(METHODS[i].name, method) != 0)
            continue;
        json_object *empty = NULL;
        if (!params)
            params = empty = json_object_new_object();
        json_object *r = METHODS[i].fn(call, params, err);
        json_object_put(empty);
        return r;
    }
    rpc_error_set(err, RPC_METHOD_NOT_FOUND, "Method not found: %.100s", method);
    return NULL;
}

#include "completion.h"

#include "prompts.h"
#include "resources.h"

#include "../base/json_util.h"

#include <string.h>
#include <strings.h>

#define MAX_VALUES 100

static json_object *schema_names(const config *cfg, const char *prefix)
{
    json_object *out = json_object_new_array();
    size_t plen = strlen(prefix);
    for (size_t i = 0; i < cfg->nschemas; i++)
        if (strncasecmp(cfg->schemas[i].name, prefix, plen) == 0)
            json_object_array_add(out, json_object_new_string(cfg->schemas[i].name));
    return out;
}

json_object *completion_complete(mcp_call *call, json_object *params, rpc_error *err)
{
    json_object *ref = jget_obj(params, "ref");
    json_object *arg = jget_obj(params, "argument");
    const char *type = jget_str(ref, "type");
    const char *arg_name = jget_str(arg, "name");
    const char *value = jget_str(arg, "value");
    if (!type || !arg_name || !value) {
        rpc_error_set(err, RPC_INVALID_PARAMS,
                      "Invalid params: completion/complete needs ref.type, argument.name and "
                      "argument.value");
        return NULL;
    }
    if (strcmp(type, "ref/prompt") == 0) {
        const char *name = jget_str(ref, "name");
        if (!name) {
            rpc_error_set(err, RPC_INVALID_PARAMS, "Invalid params: ref.name is required");
            return NULL;
        }
        if (!prompts_has_argument(name, arg_name))
            arg_name = ""; /* unknown prompt or argument: nothing to suggest */
    } else if (strcmp(type, "ref/resource") == 0) {
        const char *uri = jget_str(ref, "uri");
        if (!uri) {
            rpc_error_set(err, RPC_INVALID_PARAMS, "Invalid params: ref.uri is required");
            return NULL;
        }
        if (strcmp(uri, TABLE_URI_TEMPLATE) != 0)
            arg_name = ""; /* no completable arguments */
    } else {
        rpc_error_set(err, RPC_INVALID_PARAMS,
                      "Invalid params: ref.type must be \"ref/prompt\" or \"ref/resource\"");
        return NULL;
    }

    json_object *values;
    if (strcmp(arg_name, "schema") == 0) {
        values = schema_names(call->app->cfg, value);
    } else if (strcmp(arg_name, "table") == 0 && (call->scopes & SCOPE_SCHEMAS_READ)) {
        json_object *ctx = jget_obj(jget_obj(params, "context"), "arguments");
        const char *schema = jget_str(ctx, "schema");
        const schema_conf *s = schema && *schema ? config_schema(call->app->cfg, schema)
                                                 : call->app->cfg->default_schema;
        values = s ? catalog_table_names(call->app->cat, s, value) : json_object_new_array();
    } else {
        values = json_object_new_array();
    }
    size_t total = json_object_array_length(values);
    if (total > MAX_VALUES)
        json_object_array_del_idx(values, MAX_VALUES, total - MAX_VALUES);
    json_object *completion = json_object_new_object();
    jset(completion, "values", values);
    jset_int(completion, "total", (int64_t)total);
    jset_bool(completion, "hasMore", total > MAX_VALUES);
    json_object *result = json_object_new_object();
    jset(result, "completion", completion);
    return result;
}

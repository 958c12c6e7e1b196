/* MCP resources: the bundled documentation (docs/resources, compiled
 * in) and a template exposing each table's description as JSON. */
#ifndef DDBSQL_RESOURCES_H
#define DDBSQL_RESOURCES_H

#include "mcp.h"

#define TABLE_URI_PREFIX   "ddbsql://schemas/"
#define TABLE_URI_TEMPLATE "ddbsql://schemas/{schema}/tables/{table}"

json_object *resources_list(mcp_call *call, json_object *params, rpc_error *err);
json_object *resources_templates_list(mcp_call *call, json_object *params, rpc_error *err);
json_object *resources_read(mcp_call *call, json_object *params, rpc_error *err);

#endif

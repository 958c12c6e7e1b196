/* MCP prompts: guided workflows that walk a model through the tools in the
 * right order. They mention only tools this server actually offers. */
#ifndef DDBSQL_PROMPTS_H
#define DDBSQL_PROMPTS_H

#include "mcp.h"

json_object *prompts_list(mcp_call *call, json_object *params, rpc_error *err);
json_object *prompts_get(mcp_call *call, json_object *params, rpc_error *err);
/* Whether a prompt takes an argument of that name (for completion). */
bool prompts_has_argument(const char *prompt, const char *argument);

#endif

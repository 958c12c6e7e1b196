/* completion/complete: schema and table names for prompt arguments and
 * the table-description resource template. */
#ifndef DDBSQL_COMPLETION_H
#define DDBSQL_COMPLETION_H

#include "mcp.h"

json_object *completion_complete(mcp_call *call, json_object *params, rpc_error *err);

#endif

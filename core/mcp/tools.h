/* The tool registry. Executables register the tools they serve at start-up
 * (the SQL engine adds run_sql from sql/), so core does not depend on the
 * engines it hosts. */
#ifndef DDBSQL_TOOLS_H
#define DDBSQL_TOOLS_H

#include "mcp.h"

typedef struct tool_def {
    const char *name;
    const char *title;
    const char *description;   /* written for a model */
    const char *input_schema;  /* JSON text */
    const char *output_schema; /* JSON text */
    unsigned scope;            /* SCOPE_* needed to see and call it */
    /* Returns the structured result, or NULL with a message in err that
     * tells the model how to fix its call. */
    json_object *(*run)(mcp_call *call, json_object *args, buf_t *err);
    /* Renders the structured result as text for the content block. */
    void (*render)(json_object *result, buf_t *out);
} tool_def;

#define MCP_MAX_TOOLS 16

/* Aborts on a malformed schema (a programming error, caught by tests). */
void tools_register(const tool_def *tool);
void tools_reset(void);
const tool_def *tools_find(const char *name);

json_object *tools_list(mcp_call *call, json_object *params, rpc_error *err);
json_object *tools_call(mcp_call *call, json_object *params, rpc_error *err);

/* The metadata tools from core: list_tables and describe_table. */
void tools_register_metadata(void);

#endif

/* The run_sql MCP tool: one read-only SQL statement in, a page of rows out,
 * with the statistics of what it read and a signed cursor for the next page.
 * fcgi/mcp_main.c registers it; the ddbsql-sql command-line runner calls
 * run_sql_execute directly, so both go through the same code.
 *
 * Arguments (checked against the input schema first): sql (required),
 * max_rows (1..[sql] max_rows, default [sql] default_rows), cursor, format
 * ("rows" | "objects"), mode ("execute" | "plan").
 *
 * The structured result:
 *   columns   [{name, type}] ({name, type, key} with format=objects)
 *   rows      arrays in column order, or objects keyed by column name; a
 *             repeated name gets the first free suffix _2, _3, ... that is
 *             no column's own name (columns[i].key says which)
 *   row_count, truncated, next_cursor (only when truncated)
 *   format, mode, explain (the statement was EXPLAIN)
 *   stats     {items_read, items_returned, capacity_units,
 *              calls {GetItem, BatchGetItem, Query, Scan} (all four, 0 when
 *              unused, so the shape never changes), elapsed_ms,
 *              memory_peak_bytes, plan (EXPLAIN text, null before planning)}
 *
 * Errors are {"error": "line L, column C: message", "hint": ... | null,
 * "kind": parse | bind | sql | budget | timeout | memory | dynamodb |
 * cursor | argument, "advice": ... | null, "line", "column"}; the tool turns
 * them into isError results with run_sql_render_error's text. */
#ifndef DDBSQL_SQL_RUN_SQL_H
#define DDBSQL_SQL_RUN_SQL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/aws/ddb_client.h"
#include "core/base/buf.h"
#include "core/catalog/catalog.h"
#include "core/conf/config.h"

typedef struct run_sql_env {
    const config *cfg; /* [sql] limits and page sizes */
    catalog *cat;
    /* Optional: sees every DynamoDB call of the query (ddbsql-sql --trace). */
    ddb_trace_fn trace;
    void *trace_ctx;
    int64_t now_s; /* wall clock for cursor ages; 0 = now */
} run_sql_env;

/* Once at start-up, before anything below: derives the cursor key from
 * cfg->sql (a random key for this process when no secret is configured)
 * and builds the input schema from cfg's page sizes. Returns true when a
 * secret is configured; on false the caller should warn that cursors only
 * work within this process. May be called again (tests). */
bool run_sql_init(const config *cfg);

/* Registers the tool (after run_sql_init). */
void run_sql_register(void);

/* The input schema (JSON text) built by run_sql_init. */
const char *run_sql_input_schema(void);

/* Runs arguments that passed the input schema. Returns the structured
 * result, or NULL with *error set to the error object (caller puts). */
json_object *run_sql_execute(const run_sql_env *env, json_object *args, json_object **error);

/* The text content of a result: an aligned table and one summary line, or
 * the plan for EXPLAIN and mode=plan. */
void run_sql_render(json_object *result, buf_t *out);
/* The text of an error object: where, what, the hint and what to change. */
void run_sql_render_error(json_object *error, buf_t *out);

#endif

/* The SQL engine's entry point: text in, rows out. Parses, binds against
 * the catalog, plans, and runs one read-only statement under the caller's
 * limits, collecting at most max_rows rows plus whether there were more.
 * run_sql (sql/run_sql.h), the ddbsql-sql command-line tool and the golden
 * tests all go through here. */
#ifndef DDBSQL_SQL_ENGINE_H
#define DDBSQL_SQL_ENGINE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/catalog/catalog.h"
#include "sql/exec.h"
#include "sql/sql_error.h"
#include "sql/value.h"

typedef struct sql_engine_env {
    catalog *cat;       /* table descriptions and DynamoDB clients */
    exec_limits limits; /* deadline_ms 0: time_limit_ms from now */
    int64_t time_limit_ms;
    int max_segments; /* parallel Scan segments, at most */
    int64_t now_ms;   /* wall clock for CURRENT_*; 0 = now */
    /* Optional: sees every DynamoDB call after the engine has counted it
       (the CLI's --trace and the planner golden tests). */
    ddb_trace_fn trace;
    void *trace_ctx;
} sql_engine_env;

typedef enum sql_mode { SQL_MODE_EXECUTE, SQL_MODE_PLAN } sql_mode;

typedef struct sql_run_opts {
    sql_mode mode;
    int64_t max_rows; /* rows to return (1..1000) */
    /* Resuming (from a cursor): skip this many result rows (a blocking
       plan re-executes), or, for a streaming plan, start its single read
       after start_key and skip nothing. */
    int64_t skip;
    json_object *start_key; /* borrowed; NULL to start */
} sql_run_opts;

typedef enum sql_fail {
    SQL_FAIL_NONE = 0,
    SQL_FAIL_PARSE, /* syntax, or not a read statement */
    SQL_FAIL_BIND,  /* unknown schema/table/column/function, misuse of aggregates... */
    SQL_FAIL_EXEC,  /* a runtime error: see exec_kind */
} sql_fail;

typedef struct sql_column {
    char *name;
    char *type; /* the value_type_name of the column's non-NULL values, "MIXED" when
                   they differ, "NULL" when all are NULL */
} sql_column;

typedef struct sql_result {
    sql_fail fail;
    exec_err_kind exec_kind; /* when fail == SQL_FAIL_EXEC */
    sql_error err;           /* position and message */
    char hint[512];          /* how to fix it ("" when none) */

    /* SELECT * and t.* are expanded per page: the table's key attributes
       (partition key, sort key) first, then every other attribute seen in
       this page's rows, sorted by name bytewise, so an attribute always
       sorts to the same place. An attribute that more than one star of
       the select produces is named alias.attr (alias.attr_2, ... when the
       same alias repeats); other names are kept, duplicates included. */
    sql_column *columns;
    int ncols;
    value_t *rows; /* nrows * ncols, row-major */
    int64_t nrows;
    bool truncated; /* more rows exist */
    /* For the next page when truncated: rows of the whole result already
       returned (skip), and for a streaming plan (one Query or Scan under
       filters and projections) the key of the item behind the last row,
       to resume that read from; the cursor carries both, so a plan that
       can no longer resume re-executes and skips. */
    int64_t next_skip;
    json_object *next_start_key; /* owned; NULL when the plan must re-execute */

    char *plan;   /* the EXPLAIN text (always set once planning succeeded; building it
                     never calls DynamoDB) */
    bool explain; /* the statement was EXPLAIN: one column "plan", a row per line (none in
                     SQL_MODE_PLAN, where only plan is set) */
    exec_stats stats;
    int64_t elapsed_ms;
    size_t mem_peak;
} sql_result;

/* Runs sql[0..len). Always fills out (free it with sql_result_free); returns
 * out->fail == SQL_FAIL_NONE. */
bool sql_run(const sql_engine_env *env, const char *sql, size_t len, const sql_run_opts *opts,
             sql_result *out);
void sql_result_free(sql_result *r);

#endif

/* Binder and planner: a parsed statement becomes a tree of operators.
 *
 * Binding resolves every name against the catalog and the query's scopes
 * (tables as schema.table, aliases, derived tables, CTEs, enclosing queries
 * for correlated subqueries) into bound expressions whose slots are relative
 * to relations; once the whole statement is bound every relation's width is
 * known, slots become row positions, and planning picks each table's access
 * path (sql/access_path.h), pushes predicates down, chooses join methods and
 * stacks the operators of sql/exec_ops.h. */
#ifndef DDBSQL_SQL_PLANNER_H
#define DDBSQL_SQL_PLANNER_H

#include <stdbool.h>

#include "core/catalog/catalog.h"
#include "sql/ast.h"
#include "sql/exec.h"
#include "sql/sql_error.h"

/* A result column. A star column holds whole items (MAP values) that the
 * engine expands into one column per attribute: pk and sk first. */
typedef struct plan_col {
    char *name;
    bool star;
    char *pk, *sk;
} plan_col;

#define PLAN_MAX_CLIENTS 16

typedef struct sql_plan {
    op_t *root;
    plan_col *cols;
    int ncols;
    /* The single DynamoDB reader of a streaming plan (no blocking operator,
       no LIMIT/OFFSET, a Query or sequential Scan read in full): a cursor
       can resume it. NULL otherwise. */
    op_t *resume_reader;
    /* plan_opts.start_key was given to resume_reader: the run starts after
       it and skips nothing. False when the plan cannot resume from it (the
       key does not fit its read): the run re-executes and skips. */
    bool start_key_used;
    /* Every DynamoDB client the plan reads through (for the trace hook). */
    ddb_client *clients[PLAN_MAX_CLIENTS];
    int nclients;
} sql_plan;

typedef struct plan_opts {
    int max_segments;
    json_object *start_key; /* resume the streaming reader (borrowed) */
    /* Rows the caller will pull from the top (a page plus one to learn
       whether more exist; 0: unknown): a page-size hint for a read whose
       rows stream to the output. */
    int64_t row_hint;
} plan_opts;

/* False with err (position and message) and hint (how to fix; may be "")
 * filled. */
bool sql_plan_build(catalog *cat, const sql_stmt *stmt, const plan_opts *opts, sql_plan *out,
                    sql_error *err, char *hint, size_t hintlen);
void sql_plan_free(sql_plan *p);

#endif

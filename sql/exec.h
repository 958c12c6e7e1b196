/* The executor's contract: a query runs as a tree of pull-based operators
 * (op_t) under one exec_ctx that carries the query's limits, statistics,
 * memory account, the stack of enclosing rows for correlated subqueries,
 * and the first error.
 *
 * Protocol for an operator:
 *   open(op, ctx)        prepares a run; may be called again after close to
 *                        run it again (the inner side of a correlated
 *                        subquery re-runs per outer row).
 *   next(op, ctx, row)   1: row[0..op->width) holds owned values the caller
 *                        must value_free; 0: no more rows; -1: error (ctx
 *                        has it). After 0 or -1, next is not called again
 *                        until the next open.
 *   close(op)            releases the run's state (idempotent).
 *   destroy(op)          frees the operator and its children (after close).
 *   explain(op, out, indent)  one line per operator, children indented.
 * Operators never print; errors go into the ctx with exec_fail. */
#ifndef DDBSQL_SQL_EXEC_H
#define DDBSQL_SQL_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/buf.h"
#include "sql/ast.h"
#include "sql/sql_error.h"
#include "sql/value.h"

typedef struct exec_ctx exec_ctx;
typedef struct op op_t;

typedef struct op_vt {
    const char *name;
    bool (*open)(op_t *op, exec_ctx *ctx);
    int (*next)(op_t *op, exec_ctx *ctx, value_t *row);
    void (*close)(op_t *op);
    void (*destroy)(op_t *op);
    void (*explain)(const op_t *op, buf_t *out, int indent);
} op_vt;

struct op {
    const op_vt *vt;
    int width; /* values per row */
};

static inline bool op_open(op_t *op, exec_ctx *ctx)
{
    return op->vt->open(op, ctx);
}
static inline int op_next(op_t *op, exec_ctx *ctx, value_t *row)
{
    return op->vt->next(op, ctx, row);
}
static inline void op_close(op_t *op)
{
    op->vt->close(op);
}
/* close + destroy; NULL is fine. */
void op_free(op_t *op);
/* The plan as text, one operator per line (EXPLAIN). */
void op_explain(const op_t *op, buf_t *out, int indent);
/* Frees row[0..width). */
void row_free(value_t *row, int width);

typedef enum exec_err_kind {
    EXEC_OK = 0,
    EXEC_ERR_SQL,      /* a runtime SQL error: division by zero, a bad cast, ... */
    EXEC_ERR_DYNAMODB, /* DynamoDB failed (message from ddb_error) */
    EXEC_ERR_BUDGET,   /* the items-read or capacity budget ran out */
    EXEC_ERR_TIMEOUT,  /* the query's time limit passed */
    EXEC_ERR_MEMORY,   /* a blocking operator went past the memory limit */
} exec_err_kind;

typedef struct exec_limits {
    int64_t max_items_read;  /* items DynamoDB reads (ScannedCount); 0 = unlimited */
    double max_capacity;     /* consumed read capacity units; 0 = unlimited */
    int64_t deadline_ms;     /* monotonic ms (timeutil); 0 = none */
    size_t max_memory_bytes; /* held by blocking operators; 0 = unlimited */
} exec_limits;

/* Indexes of calls[] follow ddb_op (core/aws/ddb_client.h). */
#define EXEC_NCALL_KINDS 6
typedef struct exec_stats {
    int64_t items_read;     /* items DynamoDB read (ScannedCount, or items returned) */
    int64_t items_returned; /* items DynamoDB sent back */
    double capacity_units;
    int64_t calls[EXEC_NCALL_KINDS];
    int64_t ddb_ms; /* time spent in DynamoDB calls */
} exec_stats;

#define EXEC_MAX_OUTER 256

struct exec_ctx {
    exec_limits limits;
    exec_stats stats;
    size_t mem_used;
    size_t mem_peak;
    /* Rows of the enclosing queries, innermost last, while a subquery runs:
     * BX_OUTER with depth d reads outer[nouter - d][slot]. */
    const value_t *outer[EXEC_MAX_OUTER];
    int nouter;
    int64_t now_ms; /* wall-clock ms at query start: CURRENT_* are stable in a query */
    exec_err_kind err_kind;
    sql_error err;
};

void exec_ctx_init(exec_ctx *ctx, const exec_limits *limits, int64_t now_ms);

/* Records the first error (later ones are ignored) and returns false, so
 * callers can write `return exec_fail(...)`. pos may be NULL. */
bool exec_fail(exec_ctx *ctx, exec_err_kind kind, const sql_pos *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Memory account of blocking operators: charge before holding, release
 * when dropping. Charging past the limit fails the query (EXEC_ERR_MEMORY,
 * naming what) and returns false. */
bool exec_mem_charge(exec_ctx *ctx, size_t bytes, const char *what);
void exec_mem_release(exec_ctx *ctx, size_t bytes);
/* An estimate of the memory a held row costs (values plus payloads). */
size_t exec_row_bytes(const value_t *row, int width);

/* Checks the items/capacity budget and the deadline (call after every
 * DynamoDB call and every few thousand rows); false when the query must stop
 * (the error is set: what was read, and what to change). */
bool exec_check_limits(exec_ctx *ctx);

/* A subquery: its plan, whether it reads outer rows, and the cached result
 * of an uncorrelated one. Reference counted so bexpr_clone can share it. */
struct subplan {
    size_t refs;
    op_t *root;
    bool correlated;
    /* cache (uncorrelated only), filled on first use */
    bool have_cache;
    value_t scalar;
    bool exists;
    struct value_set *set; /* IN: the distinct non-NULL values */
    bool set_has_null;
};
typedef struct subplan subplan;

subplan *subplan_new(op_t *root, bool correlated);
subplan *subplan_ref(subplan *s);
void subplan_unref(subplan *s);

/* Runs sub with row pushed as the innermost outer row. Each returns false on
 * error (ctx has it). */
bool subplan_scalar(exec_ctx *ctx, subplan *s, const value_t *row, const sql_pos *pos,
                    value_t *out); /* more than one row is an error */
bool subplan_exists(exec_ctx *ctx, subplan *s, const value_t *row, bool *out);
/* SQL IN: *out is 1 (found), 0 (not found, no NULLs) or -1 (unknown: not
 * found but the set or the needle has a NULL). */
bool subplan_in(exec_ctx *ctx, subplan *s, const value_t *row, const value_t *needle, int *out);

#endif

/* Helpers shared by the relational operators (sql/op_*.c): row storage, a
 * stable index sort, a hash set of key tuples, key evaluation that borrows
 * plain column references instead of copying them, the memory account of a
 * blocking operator, aggregate accumulators and explain lines. Not part of
 * the executor's interface (that is sql/exec_ops.h). */
#ifndef DDBSQL_SQL_OP_INTERNAL_H
#define DDBSQL_SQL_OP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sql/bexpr.h"
#include "sql/exec.h"
#include "sql/exec_ops.h"

/* Long loops call exec_check_limits every this many rows. */
#define OP_CHECK_EVERY 4096

/* ---- rows ------------------------------------------------------------- */

/* A growable array of rows of `width` values each (a width-0 row still
 * takes one NULL slot, so every row has its own address). */
typedef struct rowvec {
    value_t *v;
    size_t n;   /* rows */
    size_t cap; /* rows */
    int width;
    int stride;
} rowvec;

void rowvec_init(rowvec *r, int width);
/* Appends a row of NULLs and returns it (valid until the next push). */
value_t *rowvec_push(rowvec *r);
static inline value_t *rowvec_at(const rowvec *r, size_t i)
{
    return r->v + i * (size_t)r->stride;
}
/* Frees every value and forgets the rows, keeping the memory. */
void rowvec_clear(rowvec *r);
void rowvec_free(rowvec *r);

/* Moves src[0..n) into dst (src is left NULL). */
void row_move(value_t *dst, value_t *src, int n);
/* Copies src[0..n) into dst (shared payloads). */
void row_copy(value_t *dst, const value_t *src, int n);
/* Sets row[0..n) to NULL without freeing (after a shallow copy elsewhere). */
void row_nullify(value_t *row, int n);

/* ---- memory account ----------------------------------------------------- */

/* What one operator has charged to its ctx, so close can give it back. The
 * ctx is remembered at open: an operator must be closed while it lives. */
typedef struct memacct {
    exec_ctx *ctx;
    size_t held;
    const char *what; /* the operator's name in the error message */
} memacct;

static inline void memacct_start(memacct *m, exec_ctx *ctx, const char *what)
{
    m->ctx = ctx;
    m->held = 0;
    m->what = what;
}
/* Charges a row's estimated size; false (ctx has the error) past the limit. */
bool memacct_row(memacct *m, const value_t *row, int width);
bool memacct_bytes(memacct *m, size_t bytes);
/* Gives everything back (idempotent). */
void memacct_release(memacct *m);

/* ---- stable index sort ---------------------------------------------------- */

typedef int (*idx_cmp_fn)(const void *ctx, size_t a, size_t b);
/* Sorts idx[0..n) by cmp, stably (a merge sort). */
void idx_sort(size_t *idx, size_t n, idx_cmp_fn cmp, const void *ctx);

/* Compares two rows on the given columns by value_order, descending where
 * desc[k] (NULLs first ascending, last descending). */
int rows_order(const value_t *a, const value_t *b, const int *cols, const bool *desc, int n);

/* ---- keys --------------------------------------------------------------- */

/* Evaluates a list of expressions against a row into vals[0..n). A plain
 * column reference is borrowed (a shallow copy of the row's value, not
 * owned); anything else is evaluated and owned until keyeval_done. */
typedef struct keyeval {
    bexpr **exprs;
    int n;
    value_t *vals;
    bool *owned;
} keyeval;

/* Takes ownership of exprs (the array and the trees). */
void keyeval_init(keyeval *k, bexpr **exprs, int n);
/* False on an evaluation error (ctx has it; nothing is left owned). */
bool keyeval_run(keyeval *k, exec_ctx *ctx, const value_t *row);
/* Frees what keyeval_run evaluated (borrowed values are only forgotten). */
void keyeval_done(keyeval *k);
/* Frees the expressions and buffers. */
void keyeval_free(keyeval *k);

/* True when any of vals[0..n) is NULL. */
bool keys_have_null(const value_t *vals, int n);
/* A hash of a key tuple, consistent with value_equal on every column. */
uint64_t keys_hash(const value_t *vals, int n);
bool keys_equal(const value_t *a, const value_t *b, int n);

/* One value of an expression against a row: a pointer into the row for a
 * plain column, else the evaluated value in *tmp (the caller value_frees
 * *tmp). NULL on error. */
const value_t *eval_borrow(exec_ctx *ctx, const bexpr *e, const value_t *row, value_t *tmp);

/* ---- a hash set of key tuples ---------------------------------------------- */

/* Distinct key tuples (value_equal per column, NULLs equal), numbered 0, 1,
 * ... in order of insertion; open addressing with linear probing. */
typedef struct keyset {
    rowvec keys;
    uint64_t *hashes; /* per entry */
    size_t hcap;
    uint32_t *slots; /* entry + 1; 0 = empty */
    size_t mask;     /* slot count - 1 (a power of two), 0 before the first add */
} keyset;

void keyset_init(keyset *s, int width);
/* The entry number of key, or -1. */
int64_t keyset_find(const keyset *s, const value_t *key, uint64_t h);
/* Finds key, or adds a copy of it (value_copy); *added says which. */
size_t keyset_find_or_add(keyset *s, const value_t *key, uint64_t h, bool *added);
static inline size_t keyset_count(const keyset *s)
{
    return s->keys.n;
}
static inline value_t *keyset_key(const keyset *s, size_t e)
{
    return rowvec_at(&s->keys, e);
}
/* Bytes the set's index takes per entry (for memory charges). */
#define KEYSET_ENTRY_BYTES (sizeof(uint64_t) + 2 * sizeof(uint32_t))
void keyset_clear(keyset *s);
void keyset_free(keyset *s);

/* ---- aggregate accumulators ----------------------------------------------- */

/* The running state of one aggregate (hash aggregate and window frames). */
typedef struct agg_acc {
    int64_t count; /* rows (COUNT(*)) or non-NULL inputs */
    bool any_double;
    double fsum;
    dec_t sum;
    value_t best; /* MIN/MAX so far */
} agg_acc;

/* "COUNT", "SUM", ... */
const char *agg_name(agg_kind kind);
void acc_init(agg_acc *a);
/* Adds one input (v is ignored for COUNT(*)); NULLs are skipped. A
 * non-number to SUM/AVG, or a SUM out of range, is an error at pos. */
bool acc_add(exec_ctx *ctx, agg_acc *a, agg_kind kind, const value_t *v, const sql_pos *pos);
/* The aggregate's value now (an owned value). */
bool acc_result(exec_ctx *ctx, const agg_acc *a, agg_kind kind, const sql_pos *pos, value_t *out);
void acc_free(agg_acc *a);

/* ---- explain -------------------------------------------------------------- */

/* Writes indent levels of two spaces, then the printf'd text and a newline. */
void explain_line(buf_t *out, int indent, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The plans of the subqueries inside e, each under a "Subquery" line. */
void explain_subqueries(const bexpr *e, buf_t *out, int indent);

const char *join_kind_name(join_kind kind);

#endif
